# Alerting for the orders service. It has gaps on purpose: the alerts topic has no
# subscriber, one alarm has no actions, one has no runbook link and one links a runbook
# that does not exist, the reconcile failures queue has no alarm, and a dozen per-metric
# alarms page the same topic without a composite alarm.

locals {
  api_metrics = {
    errors      = "Errors"
    throttles   = "Throttles"
    duration    = "Duration"
    concurrency = "ConcurrentExecutions"
    dlq_errors  = "DeadLetterErrors"
  }
}

resource "aws_cloudwatch_metric_alarm" "api" {
  for_each = local.api_metrics

  alarm_name          = "${local.name}-api-${each.key}"
  alarm_description   = "Orders API errors, throttles or slowness. Runbook: runbooks/orders-api.md"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = each.value
  namespace           = "AWS/Lambda"
  period              = 60
  statistic           = "Maximum"
  threshold           = 0
  alarm_actions       = [aws_sns_topic.alerts.arn]

  dimensions = {
    FunctionName = aws_lambda_function.api.function_name
  }
}

resource "aws_cloudwatch_metric_alarm" "reconcile" {
  for_each = local.api_metrics

  alarm_name          = "${local.name}-reconcile-${each.key}"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = each.value
  namespace           = "AWS/Lambda"
  period              = 300
  statistic           = "Maximum"
  threshold           = 0
  alarm_actions       = [aws_sns_topic.alerts.arn]

  dimensions = {
    FunctionName = aws_lambda_function.reconcile.function_name
  }
}

resource "aws_cloudwatch_metric_alarm" "api_latency" {
  alarm_name          = "${local.name}-api-latency"
  alarm_description   = "p99 latency of the orders API above 2 s. Runbook: https://wiki.example.com/runbooks/orders-api-latency"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  metric_name         = "Duration"
  namespace           = "AWS/Lambda"
  period              = 60
  extended_statistic  = "p99"
  threshold           = 2000
  alarm_actions       = [aws_sns_topic.alerts.arn]

  dimensions = {
    FunctionName = aws_lambda_function.api.function_name
  }
}

resource "aws_cloudwatch_metric_alarm" "reconcile_backlog" {
  alarm_name          = "${local.name}-reconcile-backlog"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "AsyncEventAge"
  namespace           = "AWS/Lambda"
  period              = 300
  statistic           = "Maximum"
  threshold           = 3600000

  dimensions = {
    FunctionName = aws_lambda_function.reconcile.function_name
  }
}

# Failed asynchronous reconcile runs land here.
resource "aws_sqs_queue" "reconcile_failures" {
  name                      = "${local.name}-reconcile-failures"
  message_retention_seconds = 1209600
}

resource "aws_lambda_function_event_invoke_config" "reconcile" {
  function_name = aws_lambda_function.reconcile.function_name

  destination_config {
    on_failure {
      destination = aws_sqs_queue.reconcile_failures.arn
    }
  }
}
