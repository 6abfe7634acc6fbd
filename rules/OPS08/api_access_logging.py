"""OPS08-BP02/api-access-logging: API Gateway stages write access logs."""

from collections.abc import Iterable, Iterator
from typing import Any

from opslint.model import ABSENT, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Expect, Rule, Violation, every_alternative

# type → (access log block, destination key inside it)
SETTINGS = {
    "aws_api_gateway_stage": ("access_log_settings", "destination_arn"),
    "aws_apigatewayv2_stage": ("access_log_settings", "destination_arn"),
    "AWS::ApiGateway::Stage": ("AccessLogSetting", "DestinationArn"),
    "AWS::ApiGatewayV2::Stage": ("AccessLogSettings", "DestinationArn"),
    "AWS::ApiGateway::Deployment": ("StageDescription.AccessLogSetting", "DestinationArn"),
    "AWS::Serverless::Api": ("AccessLogSetting", "DestinationArn"),
    "AWS::Serverless::HttpApi": ("AccessLogSettings", "DestinationArn"),
}
# SAM event type → (implicit API, its Globals section, the event's API property, log block)
IMPLICIT = {
    "Api": ("ServerlessRestApi", "Api", "RestApiId", "AccessLogSetting"),
    "HttpApi": ("ServerlessHttpApi", "HttpApi", "ApiId", "AccessLogSettings"),
}
FUNCTION = "AWS::Serverless::Function"


def _globals_setting(globals_: Any, section: str, block: str) -> Any:
    """``Globals.<section>.<block>``: ABSENT when not written, None when unreadable."""
    if globals_ is None or globals_ is ABSENT:
        return ABSENT
    if not isinstance(globals_, dict):
        return None
    values = globals_.get(section, ABSENT)
    if values is ABSENT or values is None:
        return ABSENT
    return values.get(block, ABSENT) if isinstance(values, dict) else None


def _kind(resource_type: str) -> str:
    if resource_type == "AWS::ApiGateway::Deployment":
        return "The stage of deployment"
    return "API" if resource_type.startswith("AWS::Serverless::") else "API stage"


def _creates_a_stage(resource: Resource, ctx: Context) -> bool:
    """Only a deployment that creates a stage (``StageName``) has one to configure."""
    if resource.type != "AWS::ApiGateway::Deployment":
        return True
    return every_alternative(resource.get("StageName"), lambda v: isinstance(v, str))


def _expect(resource_type: str, block: str, destination: str) -> Expect:
    message = (
        f"{_kind(resource_type)} `{{name}}` writes no access logs: set `{{attribute}}` with a "
        f"`{destination}` and a format"
    )
    return Expect(
        resource_type,
        block,
        bad=lambda value: _no_access_log(value, destination),
        when=_creates_a_stage,
        message=message,
        missing_message=message,
    )


def _no_access_log(block: Any, destination: str) -> bool | None:
    """One alternative of an access log block: True when it logs nothing."""
    if block is ABSENT:
        return True
    if not isinstance(block, dict):
        return None
    return every_alternative(block.get(destination, ABSENT), lambda v: v is ABSENT)


class ApiAccessLogging(Rule):
    id = "OPS08-BP02/api-access-logging"
    title = "API Gateway stages write access logs"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_api_gateway_stage", "aws_apigatewayv2_stage"),
        "cloudformation": (
            "AWS::ApiGateway::Stage",
            "AWS::ApiGatewayV2::Stage",
            "AWS::ApiGateway::Deployment",
            "AWS::Serverless::Api",
            "AWS::Serverless::HttpApi",
            FUNCTION,
        ),
    }
    checks = tuple(_expect(t, block, destination) for t, (block, destination) in SETTINGS.items())
    docs = Docs(
        what=(
            "Checks that API Gateway stages send access logs to a destination: "
            "`access_log_settings { destination_arn }` on `aws_api_gateway_stage` (REST) and "
            "`aws_apigatewayv2_stage` (HTTP and WebSocket), `AccessLogSetting` on "
            "`AWS::ApiGateway::Stage` (and on the stage an `AWS::ApiGateway::Deployment` "
            "creates with `StageName`, through `StageDescription`), `AccessLogSettings` on "
            "`AWS::ApiGatewayV2::Stage`, `AccessLogSetting` on `AWS::Serverless::Api` and "
            "`AccessLogSettings` on `AWS::Serverless::HttpApi` (directly or from `Globals`). "
            "The implicit APIs SAM creates for function `Api` / `HttpApi` events "
            "(`ServerlessRestApi`, `ServerlessHttpApi`) are judged by `Globals.Api` / "
            "`Globals.HttpApi` and reported on the first function that creates them."
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. Access logs record every request "
            "an API served (caller, route, status, latency, integration error); without "
            "them, failing or slow calls cannot be found or counted per client after the "
            "fact."
        ),
        fix=(
            "Create a log group (with a retention) and point the stage's access log "
            "settings at its ARN with a format, e.g. `$context.requestId $context.status "
            "$context.error.message`; in SAM set `Globals.Api.AccessLogSetting` or "
            "`Globals.HttpApi.AccessLogSettings` to cover every API, implicit ones included."
        ),
        cautions=(
            "REST API logging also needs the account-level CloudWatch role "
            "(`aws_api_gateway_account` / `AWS::ApiGateway::Account`); it is often set once "
            "per account elsewhere, so its absence here is not reported. A stage created "
            "implicitly by Terraform's deprecated `aws_api_gateway_deployment.stage_name` "
            "cannot be configured and is not reported. Access logs written by a Firehose "
            "destination count like a log group."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_api_gateway_stage" "prod" {\n  stage_name    = "prod"\n'
                    "  rest_api_id   = aws_api_gateway_rest_api.api.id\n"
                    "  deployment_id = aws_api_gateway_deployment.api.id\n}"
                ),
                passing=(
                    'resource "aws_api_gateway_stage" "prod" {\n  stage_name    = "prod"\n'
                    "  rest_api_id   = aws_api_gateway_rest_api.api.id\n"
                    "  deployment_id = aws_api_gateway_deployment.api.id\n\n"
                    "  access_log_settings {\n"
                    "    destination_arn = aws_cloudwatch_log_group.api.arn\n"
                    '    format          = "$context.requestId $context.status"\n  }\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Prod:\n  Type: AWS::ApiGateway::Stage\n  Properties:\n"
                    "    StageName: prod\n    RestApiId: !Ref Api\n"
                    "    DeploymentId: !Ref Deployment"
                ),
                passing=(
                    "Prod:\n  Type: AWS::ApiGateway::Stage\n  Properties:\n"
                    "    StageName: prod\n    RestApiId: !Ref Api\n"
                    "    DeploymentId: !Ref Deployment\n    AccessLogSetting:\n"
                    "      DestinationArn: !GetAtt ApiLogs.Arn\n"
                    "      Format: $context.requestId $context.status"
                ),
            ),
            Example(
                "sam",
                failing=(
                    "Hello:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...\n"
                    "    Events:\n      Get:\n        Type: Api\n"
                    "        Properties: {Path: /, Method: get}"
                ),
                passing=(
                    "Globals:\n  Api:\n    AccessLogSetting:\n"
                    "      DestinationArn: !GetAtt ApiLogs.Arn\n"
                    "      Format: $context.requestId $context.status"
                ),
            ),
        ),
    )

    def applies_to(self, unit: Unit) -> bool:
        types = set(self.resource_types.get(unit.framework, ())) - {FUNCTION}
        if any(r.type in types and r.kind == "resource" for r in unit.resources):
            return True
        return any(True for _ in self._implicit_events(unit))

    def check_unit(self, unit: Unit, ctx: Context) -> Iterable[Violation]:
        yield from super().check_unit(unit, ctx)
        if unit.framework != "cloudformation":
            return
        reported: set[str] = set()
        globals_ = unit.template_attributes.get("Globals")
        for function, event, kind in self._implicit_events(unit):
            api, section, _, block = IMPLICIT[kind]
            if api in reported:
                continue
            reported.add(api)
            setting = _globals_setting(globals_, section, block)
            if setting is None or not every_alternative(
                setting, lambda b: _no_access_log(b, "DestinationArn")
            ):
                continue
            yield self.violation(
                function,
                f"Function `{function.name}` creates the implicit API `{api}`, which writes "
                f"no access logs: set `Globals.{section}.{block}` (or define the API "
                "explicitly with access logging)",
                attribute=("Events", event),
            )

    @staticmethod
    def _implicit_events(unit: Unit) -> Iterator[tuple[Resource, str, str]]:
        """(function, event name, event type) for SAM events that create implicit APIs."""
        for function in unit.by_type(FUNCTION):
            events = function.get("Events")
            if not isinstance(events, dict):
                continue
            for name, event in events.items():
                if not isinstance(event, dict) or event.get("Type") not in IMPLICIT:
                    continue
                kind = str(event["Type"])
                api_property = IMPLICIT[kind][2]
                properties = event.get("Properties", {})
                if not isinstance(properties, dict):
                    continue
                if any(v is ABSENT for v in alternatives(properties.get(api_property, ABSENT))):
                    yield function, str(name), kind
