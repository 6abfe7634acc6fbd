variable "timeout" {
  type    = number
  default = 3
}

variable "retention" {
  default = 1
}

variable "owner" {
  default = "default-owner"
}

variable "enabled" {
  type    = bool
  default = true
}

variable "maybe" {}
variable "unset" {}

variable "egress" {
  default = ["10.0.0.0/8"]
}

locals {
  name   = "${local.prefix}-svc"
  prefix = var.env
}

variable "env" {
  default = "dev"
}
