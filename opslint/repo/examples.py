"""Files the documentation examples of repository rules assume around them (``Example.given``):
one deployed Terraform root module and one SAM application, shared so that every such rule
shows the same repository."""

ROOT_MODULE = (
    'terraform {\n  backend "s3" {}\n}\n\nprovider "aws" {\n  region = "eu-west-1"\n}\n\n'
    'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}\n'
)
"""A deployed root module."""

SAM_APP = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n"
    "    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"
    "      Runtime: python3.13\n      CodeUri: src/\n"
)
"""A SAM application with one function."""

SAM_CONFIG = (
    'version = 0.1\n[default.deploy.parameters]\nstack_name = "app"\nresolve_s3 = true\n'
    'capabilities = "CAPABILITY_IAM"\n'
)
"""The SAM CLI configuration of an application deployed with ``sam deploy``: the
repository deploys its templates (it is not a template library)."""
