variable "name" {
  type = string
}

variable "retention_days" {
  type = number
}

resource "aws_sqs_queue" "this" {
  name = var.name
}

# The retention comes from the caller: unknown here, so never a finding.
resource "aws_cloudwatch_log_group" "consumer" {
  name              = "/queues/${var.name}"
  retention_in_days = var.retention_days
}

output "queue_arn" {
  value = aws_sqs_queue.this.arn
}
