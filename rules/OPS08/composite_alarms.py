"""OPS08-BP04/composite-alarms: many alarms paging one topic are grouped by a composite
alarm."""

from collections.abc import Iterator

from opslint.aws import alarms
from opslint.model import Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

COMPOSITE = {
    "terraform": "an `aws_cloudwatch_composite_alarm`",
    "cloudformation": "an `AWS::CloudWatch::CompositeAlarm`",
}


def instances(resource: Resource) -> int:
    """How many alarms a resource declares: its known ``count`` or ``for_each`` size, else
    one."""
    count = resource.get_meta("count")
    if isinstance(count, int) and not isinstance(count, bool):
        return max(count, 0)
    each = resource.get_meta("for_each")
    if isinstance(each, (dict, list)):
        return len(each)
    return 1


class CompositeAlarms(Rule):
    id = "OPS08-BP04/composite-alarms"
    title = "Many alarms notifying one topic are grouped by composite alarms"
    severity = Severity.NOTE
    resource_types = alarms.ALARM_TYPES
    options = (
        Option(
            "max_alarms_per_topic",
            "int",
            10,
            "How many alarms may notify one SNS topic before a composite alarm is expected.",
        ),
    )
    docs = Docs(
        what=(
            "Counts, per SNS topic of the module or template, the metric and log alarms whose "
            "alarm "
            "actions notify it. When more than `max_alarms_per_topic` (default 10) do and the "
            "module or template has no composite alarm (`aws_cloudwatch_composite_alarm` / "
            "`AWS::CloudWatch::CompositeAlarm`), the topic is reported. An alarm with `count` "
            "or `for_each` counts once per instance when their value is known, else once; "
            "alarms whose actions are disabled or unknown are not counted."
        ),
        why=(
            "OPS08-BP04 asks you to create actionable alerts. When one failure trips a dozen "
            "alarms, each pages separately and the signal drowns in noise. A composite alarm "
            "combines related alarms (for example errors AND latency of one service) into one "
            "page, and its actions suppressor silences alerts during maintenance."
        ),
        fix=(
            "Group related alarms under a composite alarm that notifies the topic, and remove "
            "the topic from the inputs' alarm actions (OPS08-BP04/alarm-actions exempts alarms "
            "that feed a composite alarm). If every alarm really needs its own page, raise "
            "`max_alarms_per_topic`."
        ),
        cautions="Small workloads with few alarms are never reported.",
        examples=(
            Example(
                "terraform",
                failing=(
                    "# eleven aws_cloudwatch_metric_alarm resources, each with\n"
                    "#   alarm_actions = [aws_sns_topic.oncall.arn]\n"
                    "# and no composite alarm"
                ),
                passing=(
                    'resource "aws_cloudwatch_composite_alarm" "api" {\n'
                    '  alarm_name    = "api-unhealthy"\n'
                    '  alarm_rule    = "ALARM(api-errors) AND ALARM(api-latency)"\n'
                    "  alarm_actions = [aws_sns_topic.oncall.arn]\n}"
                ),
                given={
                    "main.tf": 'resource "aws_sns_topic" "oncall" {}\n'
                    + "".join(
                        f'resource "aws_cloudwatch_metric_alarm" "a{n}" {{\n'
                        "  alarm_actions = [aws_sns_topic.oncall.arn]\n}\n"
                        for n in range(11)
                    )
                },
            ),
            Example(
                "cloudformation",
                failing=(
                    "# eleven AWS::CloudWatch::Alarm resources, each with\n"
                    "#   AlarmActions: [!Ref OnCallTopic]\n# and no composite alarm"
                ),
                passing=(
                    "ApiUnhealthy:\n  Type: AWS::CloudWatch::CompositeAlarm\n  Properties:\n"
                    '    AlarmRule: !Sub "ALARM(${ApiErrors}) AND ALARM(${ApiLatency})"\n'
                    "    AlarmActions: [!Ref OnCallTopic]"
                ),
                given={
                    "template.yaml": "OnCallTopic:\n  Type: AWS::SNS::Topic\n"
                    + "".join(
                        f"Alarm{n}:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                        "    AlarmActions: [!Ref OnCallTopic]\n"
                        for n in range(11)
                    )
                },
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        limit: int = ctx.option("max_alarms_per_topic")
        every = alarms.alarms(unit)
        if any(alarms.is_composite(a) for a in every):
            return
        by_topic: dict[str, list[Resource]] = {}
        counts: dict[str, int] = {}
        topics: dict[str, Resource] = {}
        for alarm in ctx.each(every):
            if not alarms.certainly_notifies(alarm):
                continue
            for topic in alarms.topics_notified(unit, alarm):
                topics[topic.name] = topic
                by_topic.setdefault(topic.name, []).append(alarm)
                counts[topic.name] = counts.get(topic.name, 0) + instances(alarm)
        for name in by_topic:
            if counts[name] > limit:
                yield self.violation(
                    topics[name],
                    f"{counts[name]} alarms notify SNS topic `{name}` and no composite alarm "
                    f"groups them: combine related alarms under {COMPOSITE[unit.framework]} "
                    "to cut alert noise",
                )
