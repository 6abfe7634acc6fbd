"""OPS09-BP03/alarm-priority: paging alarms carry a priority once the unit has adopted one."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opslint.aws import alarms
from opslint.aws.consistency import Evidence, adoption
from opslint.aws.dead_letters import literal_name
from opslint.aws.tagging import tag_map, tags_of
from opslint.model import Reference, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

TAG_KEY = re.compile(r"(^|[:/._-])(severity|priority|sev|urgency)$", re.IGNORECASE)
DEFAULT_NAME_PATTERN = r"(?i)\b(sev[-_ ]?[1-5]|p[1-5])\b"
# Alarm actions that carry a priority: an OpsItem's severity, an incident's impact.
PRIORITISED_ACTIONS = frozenset({"opsitem", "incident"})


class AlarmPriority(Rule):
    id = "OPS09-BP03/alarm-priority"
    title = "Paging alarms carry a priority once the module or template uses one"
    severity = Severity.NOTE
    resource_types = alarms.ALARM_TYPES
    options = (
        Option(
            "required",
            "bool",
            False,
            "Require a priority on every paging alarm, not only where the unit already uses one.",
        ),
        Option(
            "keys",
            "list[str]",
            [],
            "Tag keys that hold the priority (exact, case-insensitive); empty: any key ending "
            "in `severity`, `priority`, `sev` or `urgency`.",
        ),
        Option(
            "name_pattern",
            "str",
            DEFAULT_NAME_PATTERN,
            "A regular expression that finds a priority in the alarm's name or description; "
            "empty: names and descriptions are not evidence.",
        ),
        Option(
            "allowed_values",
            "list[str]",
            [],
            "Priority tag values allowed (case-insensitive); empty: any value.",
        ),
        Option(
            "priority_topics",
            "list[str]",
            [],
            "SNS topic names (or resource names) whose subscribers are chosen by priority "
            "(`critical-alerts`): notifying one counts as a priority.",
        ),
    )
    docs = Docs(
        what=(
            "Checks that alarms that notify people carry a priority, in consistency mode: "
            "once at least one paging alarm of a module or template carries a priority, "
            'every other must, and the finding states the adoption ("2 of 3 paging alarms '
            'in this module carry `severity`"). A priority is a tag whose key ends in '
            "`severity`, `priority`, `sev` or `urgency`; an OpsItem alarm action (its "
            "severity) or an Incident Manager action (its impact); a `SEV2` or `P1` token in "
            "the alarm name or description (option `name_pattern`); or a notified topic "
            "listed in `priority_topics`. Alarms that only feed composite alarms, "
            "deployments or automation are not judged. With `required`, every paging alarm "
            "needs one."
        ),
        why=(
            "OPS09-BP03 asks you to prioritise operational events by business impact. When "
            "some alarms of a module say how urgent they are and others do not, the unlabelled "
            "ones are triaged by guesswork at the worst moment."
        ),
        fix=(
            "Give the alarm the same priority marker as its neighbours, e.g. `tags = { "
            'severity = "sev2" }`, or route it to the topic for its priority.'
        ),
        unknown=(
            "Tags opslint cannot read and alarm names or descriptions from variables count "
            "as possibly prioritised: never a finding."
        ),
        cautions=(
            "Teams that encode priority by routing (a `critical` and a `warning` topic) list "
            "those topics in `priority_topics`; alarms created by modules with a `severity` "
            "input are not visible here."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
                    '  alarm_name    = "api-errors"\n'
                    "  alarm_actions = [aws_sns_topic.oncall.arn]\n"
                    '  tags          = { severity = "sev2" }\n  # ...\n}\n\n'
                    'resource "aws_cloudwatch_metric_alarm" "latency" {\n'
                    '  alarm_name    = "api-latency"\n'
                    "  alarm_actions = [aws_sns_topic.oncall.arn]\n  # ...\n}"
                ),
                passing=(
                    'resource "aws_cloudwatch_metric_alarm" "latency" {\n'
                    '  alarm_name    = "api-latency"\n'
                    "  alarm_actions = [aws_sns_topic.oncall.arn]\n"
                    '  tags          = { severity = "sev3" }\n  # ...\n}'
                ),
                given={"main.tf": 'resource "aws_sns_topic" "oncall" {\n  name = "oncall"\n}\n'},
            ),
            Example(
                "cloudformation",
                failing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    AlarmName: api-errors-sev2\n    AlarmActions: [!Ref OnCall]\n"
                    "Latency:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    AlarmName: api-latency\n    AlarmActions: [!Ref OnCall]"
                ),
                passing=(
                    "Latency:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    AlarmName: api-latency-sev3\n    AlarmActions: [!Ref OnCall]"
                ),
                given={"template.yaml": "OnCall:\n  Type: AWS::SNS::Topic\n"},
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        consumed = alarms.consumers(unit)
        paging = [
            a
            for a in alarms.alarms(unit)
            if alarms.pages_people(unit, a) and consumed.of(a) is None
        ]
        if not paging:
            return
        keys = {k.lower() for k in ctx.option("keys")}
        pattern_text: str = ctx.option("name_pattern")
        pattern = re.compile(pattern_text) if pattern_text else None
        topics = set(ctx.option("priority_topics"))
        allowed = {v.lower() for v in ctx.option("allowed_values")}

        def key_matches(key: str) -> bool:
            return key.lower() in keys if keys else bool(TAG_KEY.search(key))

        def judge(alarm: Resource) -> Evidence:
            tags = tag_map(alarms.read(alarm, "tags"))
            if tags is None:
                return Evidence(alarm, None)
            key = next((k for k in tags if key_matches(k)), None)
            if key is not None:
                return Evidence(alarm, True, key)
            unknown = False
            for target in alarms.action_targets(alarm):
                if alarms.action_kind(unit, target) in PRIORITISED_ACTIONS:
                    return Evidence(alarm, True)
                if isinstance(target, Reference) and target.address in topics:
                    return Evidence(alarm, True)
            for topic in alarms.topics_notified(unit, alarm):
                if topic.name in topics or literal_name(topic) in topics:
                    return Evidence(alarm, True)
            if pattern is not None:
                for field in ("alarm_name", "description"):
                    for option in alternatives(alarms.read(alarm, field)):
                        if isinstance(option, str) and pattern.search(option):
                            return Evidence(alarm, True)
                        if isinstance(option, Unknown):
                            unknown = True
            return Evidence(alarm, None if unknown else False)

        seen = adoption(unit, paging, judge)
        required = bool(ctx.option("required"))
        for alarm in seen.to_report(required):
            reason = (
                f"while {seen.statement('paging alarms', 'a priority')}"
                if seen.adopted
                else "and the configuration requires one on every alarm that notifies people"
            )
            yield self.violation(
                alarm,
                f"Alarm `{alarm.name}` notifies people without a priority {reason}: give it "
                "the same priority marker (a severity tag, a priority in its name, an OpsItem "
                "severity)",
                key="missing",
            )
        if not allowed:
            return
        for evidence in seen.carrying:
            if not evidence.spelling:
                continue
            value = (tag_map(alarms.read(evidence.resource, "tags")) or {}).get(evidence.spelling)
            if isinstance(value, str) and "${" not in value and value.lower() not in allowed:
                yield self.violation(
                    evidence.resource,
                    f"Alarm `{evidence.resource.name}` has priority `{value}`, which is not "
                    f"one of {', '.join(f'`{v}`' for v in ctx.option('allowed_values'))}",
                    tags_of(evidence.resource).path(evidence.spelling),
                    key="value",
                )
