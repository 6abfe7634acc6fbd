"""Functions that only back custom resources or macros: one answer for every rule that
leaves them out (lambda tracing, alarm coverage, dashboards)."""

from __future__ import annotations

from conftest import lint_findings

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Helper:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(event, context): pass"}
  Seed:
    Type: Custom::Seed
    Properties:
      ServiceToken: !GetAtt Helper.Arn
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(event, context): pass"}
  # Two functions that name each other and back nothing: workload, and no endless loop.
  Ping:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Environment: {Variables: {PEER: !Ref Pong}}
      Code: {ZipFile: "def handler(event, context): pass"}
  Pong:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Environment: {Variables: {PEER: !Ref Ping}}
      Code: {ZipFile: "def handler(event, context): pass"}
"""


def test_lambda_tracing_leaves_out_the_custom_resource_helper_only() -> None:
    found = lint_findings({"template.yaml": TEMPLATE}, "OPS04-BP05/lambda-tracing")
    assert [(f.rule_id, f.practice_id, f.path, f.line, f.resource) for f in found] == [
        ("OPS04-BP05/lambda-tracing", "OPS04-BP05", "template.yaml", 22, "Api"),
        ("OPS04-BP05/lambda-tracing", "OPS04-BP05", "template.yaml", 30, "Ping"),
        ("OPS04-BP05/lambda-tracing", "OPS04-BP05", "template.yaml", 38, "Pong"),
    ]


def test_sibling_rules_agree_on_the_helper() -> None:
    for rule in ("OPS08-BP01/alarm-coverage", "OPS08-BP05/dashboard-exists"):
        found = lint_findings({"template.yaml": TEMPLATE}, rule)
        assert found, rule
        assert all(f.resource != "Helper" and "Helper" not in f.message for f in found), rule
