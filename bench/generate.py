"""Generate a synthetic repository: N Terraform modules and M CloudFormation/SAM templates.

python bench/generate.py OUT_DIR --modules 200 --templates 100
"""

from __future__ import annotations

import argparse
from pathlib import Path

MODULE_VARIABLES = """variable "environment" {{
  type    = string
  default = "dev"
}}

variable "retention_days" {{
  type    = number
  default = {retention}
}}

variable "tags" {{
  type    = map(string)
  default = {{}}
}}
"""

MODULE_RESOURCE = """
resource "aws_iam_role" "fn_{i}" {{
  name = "svc-{m}-fn-{i}-${{var.environment}}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = {{ Service = "lambda.amazonaws.com" }}
    }}]
  }})
  tags = merge(var.tags, {{ owner = "team-{m}" }})
}}

resource "aws_lambda_function" "fn_{i}" {{
  function_name = "svc-{m}-fn-{i}-${{var.environment}}"
  role          = aws_iam_role.fn_{i}.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "build/app.zip"
  timeout       = {timeout}

  tracing_config {{
    mode = "{mode}"
  }}

  environment {{
    variables = {{
      TABLE = "svc-{m}-{i}"
      STAGE = var.environment
    }}
  }}
}}

resource "aws_cloudwatch_log_group" "fn_{i}" {{
  name              = "/aws/lambda/${{aws_lambda_function.fn_{i}.function_name}}"
  retention_in_days = {retention_expr}
}}

resource "aws_cloudwatch_metric_alarm" "fn_{i}_errors" {{
  alarm_name          = "svc-{m}-fn-{i}-errors"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "Errors"
  namespace           = "AWS/Lambda"
  period              = 60
  statistic           = "Sum"
  threshold           = 0
  dimensions = {{
    FunctionName = aws_lambda_function.fn_{i}.function_name
  }}
}}
"""

TEMPLATE_HEAD = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: Synthetic service {t}

Parameters:
  Stage:
    Type: String
    Default: dev
  Retention:
    Type: Number
    Default: 30

Conditions:
  IsProd: !Equals [!Ref Stage, prod]

Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    Tracing: {tracing}

Resources:
"""

TEMPLATE_RESOURCE = """  Function{i}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      LoggingConfig:
        LogGroup: !Ref Logs{i}
      Environment:
        Variables:
          STAGE: !Ref Stage
          TOPIC: !Ref Topic{i}

  Logs{i}:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/svc/{t}/${{Stage}}/{i}"
      RetentionInDays: {retention}

  Topic{i}:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "svc-{t}-{i}-${{Stage}}"

"""


def write_module(root: Path, m: int, resources: int) -> None:
    directory = root / "terraform" / f"service-{m:04d}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "variables.tf").write_text(
        MODULE_VARIABLES.format(retention=30 if m % 3 else 0), encoding="utf-8"
    )
    body = "".join(
        MODULE_RESOURCE.format(
            i=i,
            m=m,
            timeout=10 + i,
            mode="Active" if (m + i) % 4 else "PassThrough",
            retention_expr="var.retention_days" if i % 2 else "14",
        )
        for i in range(resources)
    )
    (directory / "main.tf").write_text(body, encoding="utf-8")
    (directory / "terraform.tfvars").write_text('environment = "prod"\n', encoding="utf-8")


def write_template(root: Path, t: int, resources: int) -> None:
    directory = root / "stacks" / f"stack-{t:04d}"
    directory.mkdir(parents=True, exist_ok=True)
    body = TEMPLATE_HEAD.format(t=t, tracing="Active" if t % 2 else "PassThrough")
    body += "".join(
        TEMPLATE_RESOURCE.format(i=i, t=t, retention="!Ref Retention" if (t + i) % 5 else "0")
        for i in range(resources)
    )
    (directory / "template.yaml").write_text(body, encoding="utf-8")
    (directory / "k8s.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n",
        encoding="utf-8",
    )


def generate(root: Path, modules: int, templates: int, resources: int = 8) -> None:
    for m in range(modules):
        write_module(root, m, resources)
    for t in range(templates):
        write_template(root, t, resources)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--modules", type=int, default=200)
    parser.add_argument("--templates", type=int, default=100)
    parser.add_argument("--resources", type=int, default=8, help="per module / template")
    args = parser.parse_args()
    generate(args.out, args.modules, args.templates, args.resources)
    print(f"wrote {args.modules} modules and {args.templates} templates to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
