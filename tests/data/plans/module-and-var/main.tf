terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "mock"
  secret_key                  = "mock"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variable "days" {
  type    = number
  default = 30
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/app"
  retention_in_days = var.days
}

module "audit" {
  source    = "./modules/logs"
  retention = 0
}

resource "aws_sns_topic" "t" {
  name = "t"
}

resource "aws_cloudwatch_metric_alarm" "a" {
  alarm_name          = "a"
  namespace           = "AWS/Logs"
  metric_name         = "IncomingBytes"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [aws_sns_topic.t.arn]
  dimensions = {
    LogGroupName = aws_cloudwatch_log_group.app.name
  }
}
