"""OPS04-BP05/api-stage-tracing: API Gateway REST API stages have X-Ray tracing."""

from opslint.model import Severity
from opslint.rule import Docs, Example, Expect, Rule

MISSING = "REST API stage {resource} is not traced: set `{attribute}` to true"
WRONG = "REST API stage {resource} sets `{attribute}` to {value}: set it to true"


def _expect(resource_type: str, attribute: str) -> Expect:
    return Expect(resource_type, attribute, one_of=(True,), message=WRONG, missing_message=MISSING)


class ApiStageTracing(Rule):
    id = "OPS04-BP05/api-stage-tracing"
    title = "API Gateway REST API stages have X-Ray tracing"
    severity = Severity.WARNING
    related = ("OPS08-BP03",)
    checks = (
        _expect("aws_api_gateway_stage", "xray_tracing_enabled"),
        _expect("AWS::ApiGateway::Stage", "TracingEnabled"),
        _expect("AWS::Serverless::Api", "TracingEnabled"),
    )
    docs = Docs(
        what=(
            "Checks that API Gateway REST API stages send traces to AWS X-Ray: "
            "`xray_tracing_enabled = true` on `aws_api_gateway_stage`, `TracingEnabled: true` "
            "on `AWS::ApiGateway::Stage` and SAM `AWS::Serverless::Api` (directly or from "
            "`Globals.Api`). HTTP and WebSocket APIs (`aws_apigatewayv2_stage`, "
            "`AWS::ApiGatewayV2::Stage`, `AWS::Serverless::HttpApi`) do not support X-Ray and "
            "are never judged."
        ),
        why=(
            "OPS04-BP05 asks you to implement distributed tracing, and OPS08-BP03 to analyse "
            "workload traces. The API stage is where a request enters: without tracing there, "
            "traces of the functions behind it start without the API's latency, throttling "
            "and integration errors."
        ),
        fix=(
            "Set `xray_tracing_enabled = true` on the stage (`TracingEnabled: true` in "
            "CloudFormation; `Globals: Api: TracingEnabled: true` in SAM)."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_api_gateway_stage" "prod" {\n  stage_name = "prod"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_api_gateway_stage" "prod" {\n  stage_name = "prod"\n'
                    "  # ...\n  xray_tracing_enabled = true\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing="Prod:\n  Type: AWS::ApiGateway::Stage\n  Properties:\n    # ...",
                passing=(
                    "Prod:\n  Type: AWS::ApiGateway::Stage\n  Properties:\n    # ...\n"
                    "    TracingEnabled: true"
                ),
            ),
            Example(
                "sam",
                failing="Api:\n  Type: AWS::Serverless::Api\n  Properties:\n    StageName: prod",
                passing="Globals:\n  Api:\n    TracingEnabled: true",
            ),
        ),
    )
