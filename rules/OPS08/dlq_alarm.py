"""OPS08-BP04/dlq-alarm: every dead-letter queue has an alarm that notifies someone when
messages arrive."""

from collections.abc import Iterator

from opslint.aws import alarms
from opslint.aws.dead_letters import dead_letters, literal_name
from opslint.model import Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Rule, Violation

# Per dead-letter target type: namespace, dimension, metrics that rise when it fills.
WATCH = {
    "aws_sqs_queue": (
        "AWS/SQS",
        "QueueName",
        ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"),
    ),
    "AWS::SQS::Queue": (
        "AWS/SQS",
        "QueueName",
        ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"),
    ),
    "aws_sns_topic": ("AWS/SNS", "TopicName", ("NumberOfMessagesPublished",)),
    "AWS::SNS::Topic": ("AWS/SNS", "TopicName", ("NumberOfMessagesPublished",)),
}


def _watches(alarm: Resource, target: Resource) -> bool | None:
    """Whether the metric alarm watches the dead-letter target (None: cannot tell)."""
    namespace, dimension, metrics = WATCH[target.type]
    names = tuple(n for n in (literal_name(target),) if n)
    verdict: bool | None = False
    for watched in alarms.watched_metrics(alarm):
        ns_ok = watched.namespace == namespace if isinstance(watched.namespace, str) else None
        metric_ok = watched.metric in metrics if isinstance(watched.metric, str) else None
        if ns_ok is False or metric_ok is False:
            continue
        if not isinstance(watched.dimensions, dict):
            points: bool | None = None
        elif dimension in watched.dimensions:
            points = alarms.value_points_at(watched.dimensions[dimension], target, names)
        else:
            points = False
        if points is False:
            continue
        if ns_ok and metric_ok and points:
            return True
        verdict = None
    return verdict


def _other_metrics(alarm: Resource, target: Resource) -> list[str]:
    """Metrics of other names the alarm reads with a dimension naming the target."""
    _, dimension, _ = WATCH[target.type]
    names = tuple(n for n in (literal_name(target),) if n)
    found = []
    for watched in alarms.watched_metrics(alarm):
        if not isinstance(watched.dimensions, dict) or dimension not in watched.dimensions:
            continue
        points = alarms.value_points_at(watched.dimensions[dimension], target, names)
        if points and isinstance(watched.metric, str):
            found.append(watched.metric)
    return found


class DlqAlarm(Rule):
    id = "OPS08-BP04/dlq-alarm"
    title = "Dead-letter queues have an alarm that notifies someone"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_sqs_queue", "aws_sns_topic"),
        "cloudformation": ("AWS::SQS::Queue", "AWS::SNS::Topic"),
    }
    docs = Docs(
        what=(
            "Finds the dead-letter queues of a module or template: targets of an SQS redrive "
            "policy's `deadLetterTargetArn` (also `aws_sqs_queue_redrive_policy`), of any "
            "dead-letter configuration (`aws_lambda_function.dead_letter_config`, "
            "`aws_cloudwatch_event_target.dead_letter_config`, EventBridge Scheduler and Pipes, "
            "an SNS subscription's redrive policy, `AWS::Lambda::Function.DeadLetterConfig`, "
            "`AWS::Events::Rule` target `DeadLetterConfig`, SAM `DeadLetterQueue` and SAM "
            "event `DeadLetterConfig`) and of Lambda on-failure destinations. It "
            "checks that each has a CloudWatch alarm with actions: for an SQS queue on "
            "`ApproximateNumberOfMessagesVisible` (or `ApproximateAgeOfOldestMessage`) in "
            "`AWS/SQS` with dimension `QueueName` naming it; for an SNS topic used as a Lambda "
            "dead-letter target on `NumberOfMessagesPublished` in `AWS/SNS` with dimension "
            "`TopicName`. An alarm that feeds a composite alarm counts as having actions."
        ),
        why=(
            "OPS08-BP04 asks you to create actionable alerts. Messages land in a dead-letter "
            "queue because processing failed; unless someone is told, they sit there until "
            "the retention period deletes them, and the failure is never handled."
        ),
        fix=(
            "Add an alarm on the dead-letter queue's `ApproximateNumberOfMessagesVisible` "
            "(statistic Maximum, threshold 0, `GreaterThanThreshold`) with `alarm_actions` "
            "pointing at your on-call topic."
        ),
        unknown=(
            "An alarm whose namespace, metric or dimensions opslint cannot resolve may watch "
            "the queue, so the queue is not reported; neither is a queue passed to a module "
            "call or nested stack, which may create the alarm."
        ),
        cautions=(
            "SNS topics used as dead-letter targets are judged on `NumberOfMessagesPublished`. "
            "Dead-letter queues watched from a central monitoring stack are invisible here: "
            "suppress with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_sqs_queue" "jobs_dlq" {\n  name = "jobs-dlq"\n}\n'
                    "# ... jobs' redrive_policy targets aws_sqs_queue.jobs_dlq.arn"
                ),
                passing=(
                    'resource "aws_sqs_queue" "jobs_dlq" {\n  name = "jobs-dlq"\n}\n\n'
                    'resource "aws_cloudwatch_metric_alarm" "jobs_dlq" {\n'
                    '  alarm_name          = "jobs-dlq-not-empty"\n'
                    '  namespace           = "AWS/SQS"\n'
                    '  metric_name         = "ApproximateNumberOfMessagesVisible"\n'
                    '  statistic           = "Maximum"\n  period              = 60\n'
                    "  evaluation_periods  = 1\n  threshold           = 0\n"
                    '  comparison_operator = "GreaterThanThreshold"\n'
                    "  dimensions          = { QueueName = aws_sqs_queue.jobs_dlq.name }\n"
                    "  alarm_actions       = [aws_sns_topic.oncall.arn]\n}"
                ),
                given={
                    "main.tf": 'resource "aws_sns_topic" "oncall" {}\n\n'
                    'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n'
                    "  redrive_policy = jsonencode({\n"
                    "    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn\n"
                    "    maxReceiveCount     = 5\n  })\n}\n"
                },
            ),
            Example(
                "cloudformation",
                failing="JobsDlq:\n  Type: AWS::SQS::Queue",
                passing=(
                    "JobsDlq:\n  Type: AWS::SQS::Queue\n"
                    "JobsDlqAlarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    Namespace: AWS/SQS\n"
                    "    MetricName: ApproximateNumberOfMessagesVisible\n"
                    "    Dimensions:\n      - Name: QueueName\n"
                    "        Value: !GetAtt JobsDlq.QueueName\n"
                    "    AlarmActions: [!Ref OnCallTopic]\n    # ..."
                ),
                given={
                    "template.yaml": "OnCallTopic:\n  Type: AWS::SNS::Topic\nJobs:\n"
                    "  Type: AWS::SQS::Queue\n  Properties:\n    RedrivePolicy:\n"
                    "      deadLetterTargetArn: !GetAtt JobsDlq.Arn\n      maxReceiveCount: 5\n"
                },
            ),
        ),
    )

    def applies_to(self, unit: Unit) -> bool:
        return any(True for _ in dead_letters(unit).targets(unit))

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        letters = dead_letters(unit)
        targets = [t for t in letters.targets(unit) if t.type in WATCH]
        if not targets:
            return
        consumed = alarms.consumers(unit)
        passed_on: set[str] = set()
        for resource in ctx.each(unit.resources):
            if resource.kind == "module" or resource.type in alarms.NESTED_TYPES:
                passed_on |= set(resource.references)
        metric_alarms = [a for a in alarms.alarms(unit) if not alarms.is_composite(a)]
        for target in targets:
            if target.name in passed_on:
                continue
            namespace, dimension, metrics = WATCH[target.type]
            watching = []
            unsure = False
            for alarm in metric_alarms:
                verdict = _watches(alarm, target)
                if verdict is None:
                    unsure = True
                elif verdict:
                    watching.append(alarm)
            if unsure or any(alarms.may_notify(a) or consumed.of(a) for a in watching):
                continue
            senders = ", ".join(f"`{s.name}`" for s in letters.senders[target.name][:3])
            kind = "queue" if namespace == "AWS/SQS" else "topic"
            if watching:
                names = ", ".join(f"`{a.name}`" for a in watching[:3])
                yield self.violation(
                    target,
                    f"Dead-letter {kind} `{target.name}` (of {senders}) is watched by {names} "
                    "without alarm actions: add your on-call topic to its alarm actions",
                )
                continue
            others = sorted({m for a in metric_alarms for m in _other_metrics(a, target)})
            if others:
                yield self.violation(
                    target,
                    f"Dead-letter {kind} `{target.name}` (of {senders}) is watched only on "
                    f"{', '.join(f'`{m}`' for m in others)}, not on the messages it holds: "
                    f"alarm on `{metrics[0]}` > 0 with alarm actions",
                )
                continue
            yield self.violation(
                target,
                f"Dead-letter {kind} `{target.name}` (of {senders}) has no alarm: add an "
                f"alarm on `{metrics[0]}` > 0 with dimension `{dimension}` naming it and "
                "alarm actions",
            )
