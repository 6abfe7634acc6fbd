variable "name" {
  type = string
}

resource "aws_cloudwatch_log_group" "queue" {
  name              = "/queue/${var.name}"
  retention_in_days = 30

  tags = {
    owner = "platform"
  }
}
