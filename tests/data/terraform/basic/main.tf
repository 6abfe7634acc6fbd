resource "aws_lambda_function" "api" {
  function_name = "${local.name}-api"
  role          = aws_iam_role.lambda.arn
  timeout       = var.timeout
  description   = <<EOT
Serves the API.
EOT
  filename      = "api.zip"

  tags = {
    owner  = var.owner
    "team" = "platform"
  }

  environment {
    variables = {
      TOPIC = aws_sns_topic.ops.arn
      QUEUE = "${aws_sqs_queue.jobs.url}/x"
    }
  }

  tracing_config {
    mode = "Active"
  }

  lifecycle {
    prevent_destroy = true
    ignore_changes  = [tags, environment]
  }

  depends_on = [aws_iam_role_policy.logs]
}

resource "aws_cloudwatch_log_group" "api" {
  count             = var.enabled ? 1 : 0
  name              = "/aws/lambda/${aws_lambda_function.api.function_name}"
  retention_in_days = var.enabled ? var.retention : 7
  kms_key_id        = var.unset ? "a" : "b"
  skip_destroy      = var.maybe ? true : false
}

resource "aws_security_group" "web" {
  name = upper("web")

  ingress {
    from_port = 80
    to_port   = 80
    protocol  = "tcp"
  }
  ingress {
    from_port = 443
    to_port   = 443
    protocol  = "tcp"
  }

  dynamic "egress" {
    for_each = var.egress
    content {
      from_port   = 0
      to_port     = 0
      protocol    = "-1"
      cidr_blocks = [egress.value, data.aws_vpc.main.cidr_block]
    }
  }
}

data "aws_vpc" "main" {
  default = true
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.1.0"
  name    = local.name
  azs     = ["a", "b"]
}
