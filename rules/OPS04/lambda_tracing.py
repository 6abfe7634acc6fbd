"""OPS04-BP05/lambda-tracing: Lambda functions have active X-Ray tracing."""

from opslint.aws.deployment_helpers import is_deployment_helper
from opslint.model import Resource, Severity
from opslint.rule import Context, Docs, Example, Expect, Rule

MISSING = 'Lambda function {resource} is not traced: set `{attribute}` to "Active"'
WRONG = 'Lambda function {resource} sets `{attribute}` to {value}: set it to "Active"'


DISTRIBUTIONS = ("aws_cloudfront_distribution", "AWS::CloudFront::Distribution")
VERSIONS = ("aws_lambda_alias", "AWS::Lambda::Version", "AWS::Lambda::Alias")


def _runs_at_edge(resource: Resource, ctx: Context) -> bool:
    """A CloudFront distribution of the unit refers to the function, or to a version or
    alias of it: a Lambda@Edge function, which X-Ray active tracing does not support."""
    users = list(ctx.unit.referrers(resource))
    for version in [u for u in users if u.type in VERSIONS]:
        users.extend(ctx.unit.referrers(version))
    return any(u.type in DISTRIBUTIONS for u in users)


def _serves_workload(resource: Resource, ctx: Context) -> bool:
    """Not a function that only serves deployments (custom resources, macros, Terraform
    invocations: they run while a stack or a Terraform run deploys, and their failures show
    as failed deployments, not in traces), and not a Lambda@Edge function."""
    return not is_deployment_helper(resource, ctx.unit) and not _runs_at_edge(resource, ctx)


class LambdaTracing(Rule):
    id = "OPS04-BP05/lambda-tracing"
    title = "Lambda functions have active X-Ray tracing"
    severity = Severity.WARNING
    related = ("OPS08-BP03",)
    checks = (
        Expect(
            "aws_lambda_function",
            "tracing_config.mode",
            when=_serves_workload,
            one_of=("Active",),
            message=WRONG,
            missing_message=MISSING,
        ),
        Expect(
            "AWS::Lambda::Function",
            "TracingConfig.Mode",
            when=_serves_workload,
            one_of=("Active",),
            message=WRONG,
            missing_message=MISSING,
        ),
        Expect(
            "AWS::Serverless::Function",
            "Tracing",
            when=_serves_workload,
            one_of=("Active",),
            message=WRONG,
            missing_message=MISSING,
        ),
    )
    docs = Docs(
        what=(
            "Checks that Lambda functions send traces to AWS X-Ray: `tracing_config { mode = "
            '"Active" }` on `aws_lambda_function`, `TracingConfig.Mode: Active` on '
            "`AWS::Lambda::Function`, `Tracing: Active` on `AWS::Serverless::Function` "
            "(directly or from `Globals.Function`). A missing setting means `PassThrough`."
        ),
        why=(
            "OPS04-BP05 asks you to implement distributed tracing, and OPS08-BP03 to analyse "
            "workload traces. Without active tracing a request that crosses the function "
            "leaves no trace segment, so latency and errors cannot be followed end to end."
        ),
        fix=(
            "Enable active tracing on the function (and give its role the "
            "`xray:PutTraceSegments` permission, e.g. the `AWSXRayDaemonWriteAccess` managed "
            "policy). In SAM, `Globals: Function: Tracing: Active` covers every function."
        ),
        cautions=(
            "Functions traced by OpenTelemetry/ADOT or a vendor layer instead of X-Ray: "
            "suppress the finding with a reason. CloudFormation and SAM functions that only "
            "back custom resources (their ARN is the `ServiceToken` of a `Custom::*` or "
            "`AWS::CloudFormation::CustomResource`, directly, through a version or alias, or "
            "through another such function) or macros, and Terraform functions that only an "
            "`aws_lambda_invocation` (resource or data source) invokes, are deployment helpers "
            "and are not checked: they run while the stack or the Terraform run deploys, and "
            "a failure fails that operation. Lambda@Edge functions (a CloudFront "
            "distribution of the same module or template names the function, or a version or "
            "alias of it) are not checked: X-Ray active tracing is not supported at the edge."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_lambda_function" "api" {\n  function_name = "api"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_lambda_function" "api" {\n'
                    '  function_name = "api"\n  # ...\n'
                    '  tracing_config {\n    mode = "Active"\n  }\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="Api:\n  Type: AWS::Lambda::Function\n  Properties:\n    # ...",
                passing=(
                    "Api:\n  Type: AWS::Lambda::Function\n  Properties:\n    # ...\n"
                    "    TracingConfig:\n      Mode: Active"
                ),
            ),
            Example(
                "sam",
                failing="Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...",
                passing="Globals:\n  Function:\n    Tracing: Active",
            ),
        ),
    )
