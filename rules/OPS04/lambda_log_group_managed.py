"""OPS04-BP02/lambda-log-group-managed: Lambda functions log to a log group the same
module or template manages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opslint.aws.alarms import NESTED_TYPES
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation

# The CDK's `logRetention` creates the function's log group through a custom resource.
LOG_GROUP_TYPES = ("aws_cloudwatch_log_group", "AWS::Logs::LogGroup", "Custom::LogRetention")
EDGE_TYPES = ("aws_cloudfront_distribution", "AWS::CloudFront::Distribution")
FIELDS = {
    # framework: (function name, logging config log group, log group name)
    "terraform": ("function_name", "logging_config.log_group", "name"),
    "cloudformation": ("FunctionName", "LoggingConfig.LogGroup", "LogGroupName"),
}
SUGGESTION = {
    "terraform": "add an `aws_cloudwatch_log_group` named `/aws/lambda/<function name>` "
    "(or set `logging_config.log_group` to one)",
    "cloudformation": "add an `AWS::Logs::LogGroup` named `!Sub /aws/lambda/${{{name}}}` "
    "(or set `LoggingConfig.LogGroup: !Ref <log group>`)",
}


class _LogGroups:
    """The log groups of a unit by literal name, and whether some name cannot be read."""

    def __init__(self, unit: Unit) -> None:
        field = FIELDS[unit.framework][2]
        self.groups = [r for r in unit.by_type(*LOG_GROUP_TYPES) if r.kind == "resource"]
        self.names: set[str] = set()
        self.opaque = False
        for group in self.groups:
            for option in alternatives(group.get(field)):
                if isinstance(option, str):
                    self.names.add(option)
                elif isinstance(option, Unknown) and not group.references:
                    self.opaque = True  # a name from a variable: may be any function's

    def derived_from(self, function: Resource) -> bool:
        """A log group whose unresolved name is built from the function (`/aws/lambda/${F}`)."""
        return any(function.name in g.references for g in self.groups)


def _configured(unit: Unit, value: Any) -> bool | None:
    """Whether the configured log group is managed here: True for a reference to a log group
    of the unit or a literal name (a group chosen on purpose), None when unknown, False when
    not set."""
    verdicts: list[bool | None] = []
    for option in alternatives(value):
        if option is ABSENT:
            verdicts.append(False)
        elif isinstance(option, Reference):
            # a log group read through a data source exists already: chosen on purpose
            target = unit.by_name(option.address)
            verdicts.append(True if target is not None else None)
        elif isinstance(option, str):
            verdicts.append(True)
        elif isinstance(option, Unknown):
            refs = [unit.by_name(a) for a in option.references]
            verdicts.append(True if any(r and r.type in LOG_GROUP_TYPES for r in refs) else None)
        else:
            verdicts.append(None)
    if all(v is False for v in verdicts):
        return False
    if any(v is None for v in verdicts):
        return None
    return True


class LambdaLogGroupManaged(Rule):
    id = "OPS04-BP02/lambda-log-group-managed"
    title = "Lambda functions log to a log group the module or template manages"
    severity = Severity.WARNING
    related = ("OPS08-BP02",)
    resource_types = {
        "terraform": ("aws_lambda_function",),
        "cloudformation": ("AWS::Lambda::Function", "AWS::Serverless::Function"),
    }
    docs = Docs(
        what=(
            "Checks that each Lambda function's log group is created by the same module or "
            "template: `logging_config.log_group` / `LoggingConfig.LogGroup` names a log group "
            "(a reference to an `aws_cloudwatch_log_group` / `AWS::Logs::LogGroup` such as "
            "`!Ref FunctionLogGroup`, or a literal name), or a log group of the unit is named "
            "`/aws/lambda/<function name>` — a literal, "
            "`/aws/lambda/${aws_lambda_function.x.function_name}` or "
            "`!Sub /aws/lambda/${Function}` (the CDK's `Custom::LogRetention` counts). SAM "
            "functions (and `Globals.Function."
            "LoggingConfig`) are included. Functions used by CloudFront (Lambda@Edge) are "
            "not judged: their logs go to each edge region."
        ),
        why=(
            "OPS04-BP02 asks you to implement application telemetry. When no log group is "
            "managed, Lambda creates `/aws/lambda/<name>` on the first invocation, outside "
            "infrastructure as code: it never expires, carries no tags or encryption "
            "settings, and outlives the function."
        ),
        fix=(
            "Create the log group next to the function with a retention period and point "
            "the function at it (`logging_config { log_group = aws_cloudwatch_log_group.x."
            "name }`, `LoggingConfig: LogGroup: !Ref FunctionLogGroup`), or name it "
            "`/aws/lambda/<function name>`."
        ),
        unknown=(
            "A log group whose name opslint cannot resolve (a variable, a module output) may "
            "be the function's: no function of that unit is reported. A module call or "
            "nested stack that is given the function may create its log group: that function "
            "is not reported."
        ),
        cautions=(
            "Log groups created in another stack or module by a literal name opslint cannot "
            "connect to the function: suppress the finding with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_lambda_function" "api" {\n  function_name = "api"\n}',
                passing=(
                    'resource "aws_lambda_function" "api" {\n  function_name = "api"\n}\n\n'
                    'resource "aws_cloudwatch_log_group" "api" {\n'
                    '  name              = "/aws/lambda/${aws_lambda_function.api.function_name}"\n'
                    "  retention_in_days = 30\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing="Api:\n  Type: AWS::Lambda::Function\n  Properties:\n    # ...",
                passing=(
                    "Api:\n  Type: AWS::Lambda::Function\n  Properties:\n    # ...\n"
                    "    LoggingConfig:\n      LogGroup: !Ref ApiLogGroup\n"
                    "ApiLogGroup:\n  Type: AWS::Logs::LogGroup\n  Properties:\n"
                    "    RetentionInDays: 30"
                ),
            ),
            Example(
                "sam",
                failing="Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...",
                passing=(
                    "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...\n"
                    "ApiLogGroup:\n  Type: AWS::Logs::LogGroup\n  Properties:\n"
                    "    LogGroupName: !Sub /aws/lambda/${Api}\n    RetentionInDays: 30"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        types = self.resource_types.get(unit.framework, ())
        functions = [r for r in unit.resources if r.type in types and r.kind == "resource"]
        if not functions:
            return
        # Module calls and nested stacks given a function may create its log group.
        delegated = {
            name
            for r in unit.resources
            if r.kind == "module" or r.type in NESTED_TYPES
            for name in r.references
        }
        groups = _LogGroups(unit)
        if groups.opaque:
            return
        name_field, config_field, _ = FIELDS[unit.framework]
        for function in functions:
            if function.name in delegated:
                continue
            if any(r.type in EDGE_TYPES for r in unit.referrers(function)):
                continue
            configured = _configured(unit, function.get(config_field))
            if configured is not False or groups.derived_from(function):
                continue
            names = [n for n in alternatives(function.get(name_field)) if n is not ABSENT]
            if any(not isinstance(n, str) for n in names):
                continue  # a name opslint cannot read; no log group derives from the function
            if any(f"/aws/lambda/{n}" in groups.names for n in names):
                continue
            shown = f"`/aws/lambda/{names[0]}`" if names else "its default log group"
            yield self.violation(
                function,
                f"Lambda function `{function.name}` has no log group in this "
                f"{'module' if unit.framework == 'terraform' else 'template'}: Lambda creates "
                f"{shown} on first invocation, outside IaC and never expiring; "
                + SUGGESTION[unit.framework].format(name=function.name),
            )
