variable "retention" {
  type = number
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/audit"
  retention_in_days = var.retention
}
