"""OPS04-BP02/lambda-structured-logs (off by default): Lambda functions write JSON logs."""

from opslint.model import Severity
from opslint.rule import Docs, Example, Expect, Rule

MISSING = 'Lambda function {resource} writes plain-text logs: set `{attribute}` to "JSON"'
WRONG = 'Lambda function {resource} sets `{attribute}` to {value}: set it to "JSON"'


def _expect(resource_type: str, attribute: str) -> Expect:
    return Expect(
        resource_type, attribute, one_of=("JSON",), message=WRONG, missing_message=MISSING
    )


class LambdaStructuredLogs(Rule):
    id = "OPS04-BP02/lambda-structured-logs"
    title = "Lambda functions write structured (JSON) logs"
    severity = Severity.NOTE
    enabled_by_default = False
    related = ("OPS08-BP02",)
    checks = (
        _expect("aws_lambda_function", "logging_config.log_format"),
        _expect("AWS::Lambda::Function", "LoggingConfig.LogFormat"),
        _expect("AWS::Serverless::Function", "LoggingConfig.LogFormat"),
    )
    docs = Docs(
        what=(
            "Checks that Lambda functions use Lambda's native JSON log format: "
            '`logging_config { log_format = "JSON" }` on `aws_lambda_function`, '
            "`LoggingConfig.LogFormat: JSON` on `AWS::Lambda::Function` and "
            "`AWS::Serverless::Function` (or SAM `Globals.Function`). Off by default: "
            "Powertools for AWS Lambda and most logging libraries already write JSON lines "
            "in the `Text` format, so enable the rule when your team standardises on the "
            "native format."
        ),
        why=(
            "OPS04-BP02 asks you to implement application telemetry. JSON logs carry the "
            "request ID, level and fields as keys that CloudWatch Logs Insights and log "
            "filters can query, and let Lambda filter by application and system log level."
        ),
        fix='Add `logging_config { log_format = "JSON" }` (or `LoggingConfig: LogFormat: JSON`).',
        examples=(
            Example(
                "terraform",
                failing='resource "aws_lambda_function" "api" {\n  # ...\n}',
                passing=(
                    'resource "aws_lambda_function" "api" {\n  # ...\n  logging_config {\n'
                    '    log_format = "JSON"\n  }\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="Api:\n  Type: AWS::Lambda::Function\n  Properties:\n    # ...",
                passing=(
                    "Api:\n  Type: AWS::Lambda::Function\n  Properties:\n    # ...\n"
                    "    LoggingConfig:\n      LogFormat: JSON"
                ),
            ),
            Example(
                "sam",
                failing="Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...",
                passing="Globals:\n  Function:\n    LoggingConfig:\n      LogFormat: JSON",
            ),
        ),
    )
