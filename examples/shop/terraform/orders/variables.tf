variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  type = string
}

variable "log_retention_days" {
  type    = number
  default = 0
}

variable "tracing_mode" {
  type    = string
  default = "PassThrough"
}
