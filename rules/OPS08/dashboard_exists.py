"""OPS08-BP05/dashboard-exists: a workload with monitored resources has a dashboard."""

from collections.abc import Iterable
from typing import Any

from opslint.aws.deployment_helpers import is_deployment_helper
from opslint.model import Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Rule, Violation

# Resources whose health operators watch: compute, front doors, data stores, queues.
MONITORED = {
    "terraform": (
        "aws_lambda_function",
        "aws_ecs_service",
        "aws_lb",
        "aws_alb",
        "aws_elb",
        "aws_api_gateway_rest_api",
        "aws_apigatewayv2_api",
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_dynamodb_table",
        "aws_sqs_queue",
    ),
    "cloudformation": (
        "AWS::Lambda::Function",
        "AWS::ECS::Service",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancing::LoadBalancer",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGatewayV2::Api",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::Serverless::Function",
        "AWS::Serverless::Api",
        "AWS::Serverless::HttpApi",
        "AWS::Serverless::SimpleTable",
    ),
}
DASHBOARD = {
    "terraform": "aws_cloudwatch_dashboard",
    "cloudformation": "AWS::CloudWatch::Dashboard",
}
NESTED = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")
SOURCE = {
    "AWS::CloudFormation::Stack": "TemplateURL",
    "AWS::Serverless::Application": "Location",
}


def _mentions_dashboard(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_mentions_dashboard(v) for v in value.values())
    return isinstance(value, str) and "dashboard" in value.lower()


def _is_root_module(unit: Unit) -> bool:
    """A Terraform module someone applies (it configures a provider, a backend or HCP
    Terraform), as opposed to a reusable module whose caller owns the dashboard."""
    settings = unit.settings
    return bool(unit.providers) or bool(
        settings is not None and (settings.backend or settings.cloud)
    )


class DashboardExists(Rule):
    id = "OPS08-BP05/dashboard-exists"
    title = "A workload with monitored resources has a CloudWatch dashboard"
    severity = Severity.NOTE
    related = ("OPS09-BP06", "OPS10-BP07")
    resource_types = {
        "terraform": (*MONITORED["terraform"], DASHBOARD["terraform"]),
        "cloudformation": (*MONITORED["cloudformation"], DASHBOARD["cloudformation"]),
    }
    docs = Docs(
        what=(
            "Checks that a Terraform root module or a CloudFormation/SAM template that "
            "creates monitored resources (Lambda functions, ECS services, load balancers, "
            "API Gateway APIs, RDS instances and clusters, DynamoDB tables, SQS queues) "
            "also creates at least one CloudWatch dashboard (`aws_cloudwatch_dashboard`, "
            "`AWS::CloudWatch::Dashboard`). The finding is a note on the first monitored "
            "resource. Terraform modules that configure no provider, backend or HCP "
            "Terraform are reusable modules and are not checked: their caller owns the "
            "dashboard."
        ),
        why=(
            "OPS08-BP05 asks you to create dashboards, and OPS09-BP06 to communicate status "
            "through them. A dashboard kept next to the resources it shows is versioned and "
            "deployed with them, so it shows the workload as it is, for operators and for "
            "whoever asks how it is doing."
        ),
        fix=(
            "Add a dashboard showing the workload's key metrics (errors, latency, "
            "throughput, saturation, queue depth) with `aws_cloudwatch_dashboard` and "
            "`jsonencode({ widgets = [...] })`, or `AWS::CloudWatch::Dashboard` with a "
            "`!Sub` body."
        ),
        cautions=(
            "Severity is note: dashboards often live elsewhere (Grafana, a shared "
            "observability repository, CloudWatch automatic dashboards), which opslint "
            "cannot see; suppress the finding with that reason or disable the rule. A module "
            "call or nested stack whose name or source mentions `dashboard` counts as a "
            "dashboard. Lambda functions that only back CloudFormation custom resources or "
            "macros, or that only Terraform invokes (`aws_lambda_invocation`), are deployment "
            "tooling, not monitored resources."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
                    'resource "aws_lambda_function" "api" {\n  function_name = "api"\n'
                    "  # ...\n}"
                ),
                passing=(
                    'resource "aws_cloudwatch_dashboard" "api" {\n'
                    '  dashboard_name = "api"\n'
                    "  dashboard_body = jsonencode({\n    widgets = [{\n"
                    '      type = "metric", x = 0, y = 0, width = 12, height = 6\n'
                    "      properties = {\n"
                    '        metrics = [["AWS/Lambda", "Errors", "FunctionName", "api"]]\n'
                    '        region  = "eu-west-1"\n      }\n    }]\n  })\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="Api:\n  Type: AWS::Lambda::Function\n  Properties:\n    # ...",
                passing=(
                    "Dashboard:\n  Type: AWS::CloudWatch::Dashboard\n  Properties:\n"
                    '    DashboardBody: !Sub \'{"widgets": [{"type": "metric", '
                    '"properties": {"region": "${AWS::Region}", "metrics": '
                    '[["AWS/Lambda", "Errors", "FunctionName", "${Api}"]]}}]}\''
                ),
            ),
            Example(
                "sam",
                failing="Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...",
                passing=(
                    "Dashboard:\n  Type: AWS::CloudWatch::Dashboard\n  Properties:\n"
                    '    DashboardBody: !Sub \'{"widgets": [{"type": "metric", '
                    '"properties": {"region": "${AWS::Region}", "metrics": '
                    '[["AWS/Lambda", "Errors", "FunctionName", "${Api}"]]}}]}\''
                ),
            ),
        ),
    )

    @staticmethod
    def _monitored(unit: Unit) -> list[Resource]:
        types = MONITORED[unit.framework]
        return [
            r
            for r in unit.resources
            if r.kind == "resource" and r.type in types and not is_deployment_helper(r, unit)
        ]

    def applies_to(self, unit: Unit) -> bool:
        if unit.framework == "terraform" and not _is_root_module(unit):
            return False
        return bool(self._monitored(unit))

    def _has_dashboard(self, unit: Unit) -> bool:
        for resource in unit.resources:
            if resource.type == DASHBOARD[unit.framework]:
                return True
            if resource.kind == "module" and (
                "dashboard" in resource.name.lower() or _mentions_dashboard(resource.get("source"))
            ):
                return True
            if resource.type in NESTED and (
                "dashboard" in resource.name.lower()
                or _mentions_dashboard(resource.get(SOURCE[resource.type]))
            ):
                return True
        return False

    def check_unit(self, unit: Unit, ctx: Context) -> Iterable[Violation]:
        if not self.applies_to(unit) or self._has_dashboard(unit):
            return
        monitored = sorted(self._monitored(unit), key=lambda r: (r.path, r.span.line))
        first = monitored[0]
        others = len(monitored) - 1
        plural = "s" if others > 1 else ""
        also = f" and {others} other monitored resource{plural}" if others else ""
        verb = "have" if others else "has"
        where = "module" if unit.framework == "terraform" else "template"
        how = (
            "add an `aws_cloudwatch_dashboard` showing the workload's key metrics"
            if unit.framework == "terraform"
            else "add an `AWS::CloudWatch::Dashboard` showing the workload's key metrics"
        )
        yield self.violation(
            first,
            f"`{first.name}`{also} {verb} no CloudWatch dashboard in this {where}: {how}",
            key="dashboard",
        )
