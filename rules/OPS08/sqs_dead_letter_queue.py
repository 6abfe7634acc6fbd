"""OPS08-BP01/sqs-dead-letter-queue: SQS queues move messages that keep failing to a
dead-letter queue."""

import re
from collections.abc import Iterator

from opslint.aws import alarms
from opslint.aws.dead_letters import dead_letters, literal_name, redrive_document
from opslint.model import ABSENT, Attr, Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

ATTRIBUTE = Attr(terraform="redrive_policy", cloudformation="RedrivePolicy")
ALLOW = Attr(terraform="redrive_allow_policy", cloudformation="RedriveAllowPolicy")


DLQ_NAME = re.compile(r"dlq|dead[-_]?letter", re.IGNORECASE)


def _named_as_dlq(queue: Resource) -> bool:
    """A queue whose address or name says it is a dead-letter queue (one that application
    code sends failures to, which no resource of the unit reveals)."""
    return any(DLQ_NAME.search(n) for n in (queue.name, literal_name(queue) or ""))


def _no_target(value: object) -> bool | None:
    document = redrive_document(value)
    if document is ABSENT:
        return True
    if isinstance(document, dict):
        return document.get("deadLetterTargetArn", ABSENT) in (ABSENT, None, "")
    return None


class SqsDeadLetterQueue(Rule):
    id = "OPS08-BP01/sqs-dead-letter-queue"
    title = "SQS queues have a dead-letter queue"
    severity = Severity.WARNING
    related = ("OPS08-BP04",)
    resource_types = {
        "terraform": ("aws_sqs_queue",),
        "cloudformation": ("AWS::SQS::Queue",),
    }
    docs = Docs(
        what=(
            "Checks that every SQS queue sends messages that keep failing to a dead-letter "
            "queue: `redrive_policy` on `aws_sqs_queue` (a JSON string, usually from "
            "`jsonencode`) or a separate `aws_sqs_queue_redrive_policy` for the queue, "
            "`RedrivePolicy` (object or JSON string) on `AWS::SQS::Queue`, with a "
            "`deadLetterTargetArn`. Queues that are dead-letter queues themselves are exempt: "
            "the target of another queue's redrive policy, of a dead-letter configuration "
            "(Lambda, EventBridge rule targets, EventBridge Scheduler, Pipes, SNS "
            "subscriptions, SAM `DeadLetterQueue` and event `DeadLetterConfig`) or of a Lambda "
            "on-failure destination (asynchronous invocation or stream event source mapping); "
            "a queue with a `redrive_allow_policy` / `RedriveAllowPolicy`; and a queue whose "
            "address or name contains `dlq` or `dead-letter` (application code sends failures "
            "there). FIFO queues are checked too (their dead-letter queue must be FIFO as "
            "well)."
        ),
        why=(
            "OPS08-BP01 asks you to analyse workload metrics and OPS08-BP04 to create "
            "actionable alerts. Without a dead-letter queue a poison message is retried until "
            "it expires and is then lost; with one, failures become a visible, countable "
            "backlog that an alarm can watch (see OPS08-BP04/dlq-alarm)."
        ),
        fix=(
            "Create a dead-letter queue and point the queue's redrive policy at it, with a "
            "`maxReceiveCount` that fits the consumer's retries (for example 5)."
        ),
        unknown=(
            "A redrive policy opslint cannot resolve (a variable, `jsonencode` of unresolved "
            "values) never produces a finding; neither does a queue passed to a module call "
            "or nested stack, which may attach the policy."
        ),
        cautions=(
            "SQS event source mappings of Lambda do not support on-failure destinations, so a "
            "Lambda-consumed queue still needs a redrive policy for failed batches. A queue "
            "where dropping messages is acceptable (for example best-effort telemetry) can be "
            "suppressed with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}',
                passing=(
                    'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n'
                    "  redrive_policy = jsonencode({\n"
                    "    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn\n"
                    "    maxReceiveCount     = 5\n  })\n}\n\n"
                    'resource "aws_sqs_queue" "jobs_dlq" {\n  name = "jobs-dlq"\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="JobsQueue:\n  Type: AWS::SQS::Queue",
                passing=(
                    "JobsQueue:\n  Type: AWS::SQS::Queue\n  Properties:\n"
                    "    RedrivePolicy:\n      deadLetterTargetArn: !GetAtt JobsDlq.Arn\n"
                    "      maxReceiveCount: 5\nJobsDlq:\n  Type: AWS::SQS::Queue"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        queues = [r for r in unit.by_type(*self.resource_types[unit.framework])]
        if not queues:
            return
        dlqs = dead_letters(unit)
        handled: set[str] = set()
        for resource_type in ("aws_sqs_queue_redrive_policy", "aws_sqs_queue_redrive_allow_policy"):
            for policy in unit.by_type(resource_type):
                _, addresses, opaque = alarms.strings_and_references(policy.get("queue_url"))
                if opaque:
                    return
                handled |= addresses
        for resource in unit.resources:
            if resource.kind == "module" or resource.type in alarms.NESTED_TYPES:
                handled |= set(resource.references)
        attribute = ATTRIBUTE.name(unit.framework)
        for queue in queues:
            if queue.kind != "resource" or dlqs.is_target(queue) or queue.name in handled:
                continue
            if _named_as_dlq(queue):
                continue
            if queue.get(ALLOW) is not ABSENT:
                continue
            if every_alternative(queue.get(attribute), _no_target):
                yield self.violation(
                    queue,
                    f"SQS queue `{queue.name}` has no dead-letter queue: set `{attribute}` with "
                    "a `deadLetterTargetArn` (and a `maxReceiveCount`)",
                    attribute=attribute,
                )
