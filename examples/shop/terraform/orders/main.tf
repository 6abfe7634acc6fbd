locals {
  name = "orders-${var.environment}"
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api" {
  name               = "${local.name}-api"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_lambda_function" "api" {
  function_name = "${local.name}-api"
  role          = aws_iam_role.api.arn
  runtime       = "python3.12"
  handler       = "orders.api.handler"
  filename      = "build/orders.zip"

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.api.name
  }
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/lambda/${local.name}-api"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "reconcile" {
  function_name = "${local.name}-reconcile"
  role          = aws_iam_role.api.arn
  runtime       = "python3.12"
  handler       = "orders.reconcile.handler"
  filename      = "build/orders.zip"
  timeout       = 300
}

# Kept by hand while the audit team decides on a retention period.
resource "aws_cloudwatch_log_group" "audit" {
  name = "/orders/${var.environment}/audit"
}

resource "aws_sns_topic" "alerts" {
  name = "${local.name}-alerts"
}

module "events" {
  source = "../modules/queue"

  name           = "${local.name}-events"
  retention_days = 14
}
