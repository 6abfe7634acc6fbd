"""OPS08-BP02/step-functions-logging: Express state machines log their executions."""

import functools
from typing import Any

from opslint.model import ABSENT, Resource, Severity, alternatives
from opslint.rule import Context, Docs, Example, Expect, Option, Rule, every_alternative

# framework/type → (logging block, level key, destination key, workflow type attribute)
SHAPE = {
    "aws_sfn_state_machine": ("logging_configuration", "level", "log_destination", "type"),
    "AWS::StepFunctions::StateMachine": (
        "LoggingConfiguration",
        "Level",
        "Destinations",
        "StateMachineType",
    ),
    "AWS::Serverless::StateMachine": ("Logging", "Level", "Destinations", "Type"),
}


def _not_logging(config: Any, level_key: str, destination_key: str) -> bool | None:
    """True when one alternative of the logging block logs nothing, None when unknown."""
    if config is ABSENT:
        return True
    if not isinstance(config, dict):
        return None
    level = config.get(level_key, ABSENT)
    destination = config.get(destination_key, ABSENT)
    level_off = every_alternative(level, lambda v: v is ABSENT or v == "OFF")
    no_destination = every_alternative(destination, lambda v: v is ABSENT or v == [])
    if level_off or no_destination:
        return True
    return None if not isinstance(level, str) else False


def _express(resource: Resource) -> bool:
    return every_alternative(resource.get(SHAPE[resource.type][3]), lambda v: v == "EXPRESS")


def _judged(resource: Resource, ctx: Context) -> bool:
    """Express state machines, and standard ones when the option says so."""
    return bool(ctx.option("standard_workflows")) or _express(resource)


def _advice(resource: Resource, ctx: Context) -> dict[str, str]:
    """What kind of state machine it is, and what to set to make it log."""
    block, level_key, destination_key, _ = SHAPE[resource.type]
    written = [c for c in alternatives(resource.get(block)) if isinstance(c, dict)]
    if not written:
        how = f'add `{block}` with `{level_key}` (e.g. "ERROR") and `{destination_key}`'
    else:
        fixes = []
        if any(c.get(level_key, "OFF") == "OFF" for c in written):
            fixes.append(f"set `{block}.{level_key}` to ERROR or ALL")
        if any(c.get(destination_key, []) in (ABSENT, []) for c in written):
            fixes.append(f"set `{block}.{destination_key}`")
        how = " and ".join(fixes) or f"set `{block}.{level_key}` and `{destination_key}`"
    kind = "Express state machine" if _express(resource) else "State machine"
    return {"kind": kind, "how": how}


NOT_LOGGING = "{kind} `{name}` does not log its executions: {how}"


class StepFunctionsLogging(Rule):
    id = "OPS08-BP02/step-functions-logging"
    title = "Express state machines log their executions to CloudWatch Logs"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_sfn_state_machine",),
        "cloudformation": ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"),
    }
    checks = tuple(
        Expect(
            resource_type,
            block,
            bad=functools.partial(_not_logging, level_key=level, destination_key=destination),
            when=_judged,
            details=_advice,
            message=NOT_LOGGING,
            missing_message=NOT_LOGGING,
        )
        for resource_type, (block, level, destination, _) in SHAPE.items()
    )
    options = (
        Option(
            "standard_workflows",
            "bool",
            False,
            "Also report STANDARD state machines (they keep 90 days of execution history, "
            "so by default only EXPRESS ones are checked).",
        ),
    )
    docs = Docs(
        what=(
            "Checks that EXPRESS state machines log to CloudWatch Logs: a logging block whose "
            "level is not `OFF` (the default) and that names a destination: "
            "`logging_configuration { level, log_destination }` on `aws_sfn_state_machine`, "
            "`LoggingConfiguration { Level, Destinations }` on "
            "`AWS::StepFunctions::StateMachine`, `Logging` on `AWS::Serverless::StateMachine`. "
            "With the `standard_workflows` option, STANDARD state machines (the default type) "
            "are checked too."
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. Express workflows keep no "
            "execution history: without logging, a failed execution leaves no trace of which "
            "state failed or why. Standard workflows keep 90 days of history in the service, "
            "which is why they are only checked on request."
        ),
        fix=(
            'Add a logging configuration with `level = "ERROR"` (or `ALL`) and a log group '
            'destination (`"${aws_cloudwatch_log_group.sfn.arn}:*"` in Terraform, '
            "`CloudWatchLogsLogGroup.LogGroupArn` in CloudFormation), and give the state "
            "machine's role the CloudWatch Logs delivery permissions."
        ),
        cautions=(
            "Standard workflows are not reported by default: their execution history already "
            "records every state transition for 90 days. Set `standard_workflows: true` to "
            "require logs for them too (for Logs Insights queries and longer retention). A "
            "state machine whose type opslint cannot resolve is checked only with that option."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_sfn_state_machine" "orders" {\n  name = "orders"\n'
                    '  type = "EXPRESS"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_sfn_state_machine" "orders" {\n  name = "orders"\n'
                    '  type = "EXPRESS"\n  # ...\n  logging_configuration {\n'
                    '    level           = "ERROR"\n'
                    '    log_destination = "${aws_cloudwatch_log_group.sfn.arn}:*"\n  }\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Orders:\n  Type: AWS::StepFunctions::StateMachine\n  Properties:\n"
                    "    StateMachineType: EXPRESS\n    # ..."
                ),
                passing=(
                    "Orders:\n  Type: AWS::StepFunctions::StateMachine\n  Properties:\n"
                    "    StateMachineType: EXPRESS\n    # ...\n    LoggingConfiguration:\n"
                    "      Level: ERROR\n      Destinations:\n        - CloudWatchLogsLogGroup:\n"
                    "            LogGroupArn: !GetAtt OrdersLogs.Arn"
                ),
            ),
            Example(
                "sam",
                failing=(
                    "Orders:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n"
                    "    Type: EXPRESS\n    # ..."
                ),
                passing=(
                    "Orders:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n"
                    "    Type: EXPRESS\n    # ...\n    Logging:\n      Level: ERROR\n"
                    "      Destinations:\n        - CloudWatchLogsLogGroup:\n"
                    "            LogGroupArn: !GetAtt OrdersLogs.Arn"
                ),
            ),
        ),
    )
