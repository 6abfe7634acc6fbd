"""OPS09-BP07/event-failure-handling: targets of EventBridge event rules keep the events
they fail to deliver."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from opslint.model import ABSENT, Choice, Reference, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

RULE_TYPES = ("aws_cloudwatch_event_rule", "AWS::Events::Rule")
FUNCTION_TYPES = ("aws_lambda_function", "AWS::Lambda::Function", "AWS::Serverless::Function")
INVOKE_CONFIG_TYPES = ("aws_lambda_function_event_invoke_config", "AWS::Lambda::EventInvokeConfig")
SAM_EVENT_TYPES = frozenset({"EventBridgeRule", "CloudWatchEvent"})
DELIVERY = ("codepipeline", "codebuild")
"""Services of targets that start a build or a release (a push triggers a pipeline): a lost
trigger shows in the pipeline's history, it is not an operational response."""
AUTOMATION = ("lambda", "ssm", "states")
"""ARN services of targets that run automation (option ``only_automation_targets``)."""
_ARN_SERVICE = re.compile(r"\barn:(?:\$\{[^}]*\}|[^:\s'\"$]*):([a-z0-9-]+):")


def _set(value: Any) -> bool | None:
    """True when a value is written (not absent, not null); None when unresolved."""
    options = alternatives(value)
    if all(o is not ABSENT for o in options):
        return True
    return None if any(isinstance(o, (Unknown, Choice)) for o in options) else False


def _on_failure(unit: Unit, function: Resource) -> bool | None:
    """Whether asynchronous invocations of the function have an on-failure destination."""
    if function.type == "AWS::Serverless::Function":
        said = _set(function.get("EventInvokeConfig.DestinationConfig.OnFailure.Destination"))
        if said is not False:
            return said
        said = _set(function.get("EventInvokeConfig.DestinationConfig.OnFailure.Type"))
        if said is not False:
            return said
    verdict: bool | None = False
    for config in unit.by_type(*INVOKE_CONFIG_TYPES):
        terraform = config.framework == "terraform"
        name = config.get("function_name" if terraform else "FunctionName")
        points = [
            (isinstance(o, Reference) and o.address == function.name)
            or (isinstance(o, Unknown) and function.name in o.references)
            for o in alternatives(name)
        ]
        if not any(points):
            if any(isinstance(o, Unknown) and not o.references for o in alternatives(name)):
                verdict = None
            continue
        path = (
            "destination_config.on_failure.destination"
            if terraform
            else "DestinationConfig.OnFailure.Destination"
        )
        said = _set(config.get(path))
        if said is not False:
            return said
    return verdict


def _target_function(unit: Unit, arn: Any) -> Resource | None:
    for option in alternatives(arn):
        address = option.address if isinstance(option, Reference) else None
        if isinstance(option, Unknown) and len(option.references) == 1:
            address = option.references[0]
        found = unit.by_name(address) if address else None
        if found is not None and found.type in FUNCTION_TYPES:
            return found
    return None


def _service(unit: Unit, arn: Any) -> str | None:
    """The AWS service of a target ARN (``lambda``, ``sqs``...), None when unknown."""
    for option in alternatives(arn):
        text = option if isinstance(option, str) else ""
        if isinstance(option, Unknown):
            text = option.source
        match = _ARN_SERVICE.search(text)
        if match:
            return match.group(1)
        if isinstance(option, Reference):
            target = unit.by_name(option.address)
            if target is not None:
                return _type_service(target.type)
        if isinstance(option, Unknown) and len(option.references) == 1:
            target = unit.by_name(option.references[0])
            if target is not None:
                return _type_service(target.type)
    return None


def _type_service(resource_type: str) -> str:
    if resource_type.startswith("AWS::"):
        service = resource_type.split("::")[1].lower()
    else:
        service = resource_type.removeprefix("aws_").split("_")[0]
    return {"sfn": "states", "stepfunctions": "states", "serverless": "lambda"}.get(
        service, service
    )


def _names_rule(value: Any, rule: Resource) -> bool:
    """Whether a target's ``rule`` names the rule (by reference or literal name)."""
    if isinstance(value, Reference):
        return value.address == rule.name
    if isinstance(value, Unknown):
        return rule.name in value.references
    return isinstance(value, str) and value == rule.get("name")


def _pattern_rule(rule: Resource, include_schedules: bool) -> bool | None:
    """Whether the rule matches events (rather than running on a schedule)."""
    terraform = rule.framework == "terraform"
    pattern = _set(rule.get("event_pattern" if terraform else "EventPattern"))
    if pattern is True or include_schedules:
        return True
    return None if pattern is None else False


class EventFailureHandling(Rule):
    id = "OPS09-BP07/event-failure-handling"
    title = "EventBridge rule targets keep the events they fail to deliver"
    severity = Severity.NOTE
    related = ("OPS08-BP04",)
    resource_types = {
        "terraform": ("aws_cloudwatch_event_target",),
        "cloudformation": ("AWS::Events::Rule", "AWS::Serverless::Function"),
    }
    options = (
        Option(
            "include_schedules",
            "bool",
            False,
            "Also judge the targets of scheduled rules (`schedule_expression`).",
        ),
        Option(
            "only_automation_targets",
            "bool",
            False,
            "Judge only targets that run automation (Lambda functions, SSM Automation, "
            "Step Functions state machines).",
        ),
    )
    docs = Docs(
        what=(
            "Checks that each target of an EventBridge rule that matches an event pattern "
            "has a dead-letter queue (`dead_letter_config { arn }` on "
            "`aws_cloudwatch_event_target`, `DeadLetterConfig.Arn` on an `AWS::Events::Rule` "
            "target or a SAM `EventBridgeRule` / `CloudWatchEvent` event), or, for a Lambda "
            "function target, an on-failure destination for asynchronous invocations "
            "(`aws_lambda_function_event_invoke_config`, `AWS::Lambda::EventInvokeConfig`, "
            "SAM `EventInvokeConfig`). Scheduled rules are not judged unless "
            "`include_schedules` is set, nor targets that start a build or release "
            "(CodePipeline, CodeBuild): a lost trigger shows in the pipeline's history."
        ),
        why=(
            "OPS09-BP07 asks you to automate responses to events. When a target cannot be "
            "reached (throttled, deleted, missing permission) EventBridge retries for up to "
            "24 hours and then drops the event: the automated response never happens and "
            "nobody learns about it. A dead-letter queue keeps the event to alarm on and "
            "replay."
        ),
        fix=(
            "Add a dead-letter queue to the target (an SQS queue whose policy lets "
            "EventBridge send to it) and alarm on its depth, or give the Lambda function an "
            "on-failure destination."
        ),
        unknown=(
            "A target whose rule opslint cannot find in the module, a rule whose event pattern "
            "is unresolved and a dead-letter setting it cannot read never produce a finding."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudwatch_event_rule" "ec2_state" {\n'
                    '  name          = "ec2-state"\n'
                    '  event_pattern = jsonencode({ source = ["aws.ec2"] })\n}\n\n'
                    'resource "aws_cloudwatch_event_target" "ec2_state" {\n'
                    "  rule = aws_cloudwatch_event_rule.ec2_state.name\n"
                    '  arn  = "arn:aws:sns:eu-west-1:111122223333:ops"\n}'
                ),
                passing=(
                    'resource "aws_cloudwatch_event_rule" "ec2_state" {\n'
                    '  name          = "ec2-state"\n'
                    '  event_pattern = jsonencode({ source = ["aws.ec2"] })\n}\n\n'
                    'resource "aws_cloudwatch_event_target" "ec2_state" {\n'
                    "  rule = aws_cloudwatch_event_rule.ec2_state.name\n"
                    '  arn  = "arn:aws:sns:eu-west-1:111122223333:ops"\n\n'
                    "  dead_letter_config {\n"
                    '    arn = "arn:aws:sqs:eu-west-1:111122223333:ops-dlq"\n  }\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Ec2State:\n  Type: AWS::Events::Rule\n  Properties:\n    EventPattern:\n"
                    "      source: [aws.ec2]\n    Targets:\n      - Id: ops\n"
                    "        Arn: arn:aws:sns:eu-west-1:111122223333:ops"
                ),
                passing=(
                    "Ec2State:\n  Type: AWS::Events::Rule\n  Properties:\n    EventPattern:\n"
                    "      source: [aws.ec2]\n    Targets:\n      - Id: ops\n"
                    "        Arn: arn:aws:sns:eu-west-1:111122223333:ops\n"
                    "        DeadLetterConfig:\n"
                    "          Arn: arn:aws:sqs:eu-west-1:111122223333:ops-dlq"
                ),
            ),
            Example(
                "sam",
                failing=(
                    "Responder:\n  Type: AWS::Serverless::Function\n  Properties:\n"
                    "    Handler: app.handler\n    Runtime: python3.12\n    CodeUri: src/\n"
                    "    Events:\n      Ec2State:\n        Type: EventBridgeRule\n"
                    "        Properties:\n          Pattern:\n            source: [aws.ec2]"
                ),
                passing=(
                    "Responder:\n  Type: AWS::Serverless::Function\n  Properties:\n"
                    "    Handler: app.handler\n    Runtime: python3.12\n    CodeUri: src/\n"
                    "    Events:\n      Ec2State:\n        Type: EventBridgeRule\n"
                    "        Properties:\n          Pattern:\n            source: [aws.ec2]\n"
                    "          DeadLetterConfig:\n            Type: SQS"
                ),
            ),
        ),
    )

    def _skipped(self, unit: Unit, arn: Any, ctx: Context) -> bool:
        service = _service(unit, arn)
        if service in DELIVERY:
            return True
        return bool(ctx.option("only_automation_targets")) and service not in AUTOMATION

    def _handled(self, unit: Unit, dead_letter: Any, arn: Any) -> bool | None:
        said = _set(dead_letter)
        if said is not False:
            return said
        function = _target_function(unit, arn)
        return _on_failure(unit, function) if function is not None else False

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        if resource.type == "aws_cloudwatch_event_target":
            yield from self._terraform(resource, ctx)
        elif resource.type == "AWS::Events::Rule":
            yield from self._cloudformation(resource, ctx)
        else:
            yield from self._sam(resource, ctx)

    def _terraform(self, target: Resource, ctx: Context) -> Iterator[Violation]:
        unit = ctx.unit
        rule_value = target.get("rule")
        rule = None
        for candidate in unit.by_type(RULE_TYPES[0]):
            if _names_rule(rule_value, candidate):
                rule = candidate
        if rule is None or _pattern_rule(rule, ctx.option("include_schedules")) is not True:
            return
        arn = target.get("arn")
        if self._skipped(unit, arn, ctx):
            return
        if self._handled(unit, target.get("dead_letter_config.arn"), arn) is not False:
            return
        yield self.violation(
            target,
            f"EventBridge target `{target.name}` of rule `{rule.name}` has no dead-letter "
            "queue: events it cannot deliver are dropped after retries and the response "
            "never runs; add `dead_letter_config { arn }` (or an on-failure destination on "
            "the Lambda function)",
        )

    def _cloudformation(self, rule: Resource, ctx: Context) -> Iterator[Violation]:
        if _pattern_rule(rule, ctx.option("include_schedules")) is not True:
            return
        targets = rule.get("Targets")
        if not isinstance(targets, list):
            return
        for index, target in enumerate(targets):
            if not isinstance(target, dict):
                continue
            arn = target.get("Arn", ABSENT)
            if self._skipped(ctx.unit, arn, ctx):
                continue
            dead_letter = target.get("DeadLetterConfig", ABSENT)
            if isinstance(dead_letter, dict):
                dead_letter = dead_letter.get("Arn", ABSENT)
            if self._handled(ctx.unit, dead_letter, arn) is not False:
                continue
            label = target.get("Id")
            shown = f"`{label}`" if isinstance(label, str) else f"#{index + 1}"
            yield self.violation(
                rule,
                f"Target {shown} of EventBridge rule `{rule.name}` has no dead-letter queue: "
                "events it cannot deliver are dropped after retries and the response never "
                "runs; add `DeadLetterConfig.Arn` (or an on-failure destination on the Lambda "
                "function)",
                ("Targets", index),
                key=str(index),
            )

    def _sam(self, function: Resource, ctx: Context) -> Iterator[Violation]:
        events = function.get("Events")
        if not isinstance(events, dict):
            return
        for name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") not in SAM_EVENT_TYPES:
                continue
            properties = event.get("Properties", ABSENT)
            if not isinstance(properties, dict):
                continue
            if (
                not ctx.option("include_schedules")
                and _set(properties.get("Pattern", ABSENT)) is not True
            ):
                continue
            if _set(properties.get("DeadLetterConfig", ABSENT)) is not False:
                continue
            if _on_failure(ctx.unit, function) is not False:
                continue
            yield self.violation(
                function,
                f"Event `{name}` of function `{function.name}` has no dead-letter queue: "
                "events EventBridge cannot deliver are dropped after retries and the "
                "response never runs; add `DeadLetterConfig` to the event (or an on-failure "
                "destination in `EventInvokeConfig`)",
                ("Events", name),
                key=name,
            )
