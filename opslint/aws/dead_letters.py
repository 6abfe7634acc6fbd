"""Dead-letter queues: which queues and topics of a unit receive what others fail to process
(shared by the SQS redrive and DLQ alarm rules and by alarm coverage)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from opslint.model import ABSENT, Choice, Reference, Resource, Unit, Unknown

QUEUE_TYPES = ("aws_sqs_queue", "AWS::SQS::Queue")
TOPIC_TYPES = ("aws_sns_topic", "AWS::SNS::Topic")

# Keys under which any resource names where its failures go, and the key of the target
# inside: dead-letter configurations (Lambda, EventBridge rules and Scheduler schedules,
# Pipes, SAM), redrive policies (SQS, SNS subscriptions) and Lambda on-failure destinations
# (asynchronous invocation and stream event source mappings). Found at any depth.
TARGET_KEYS: dict[str, tuple[str, ...]] = {
    "dead_letter_config": ("target_arn", "arn"),
    "DeadLetterConfig": ("TargetArn", "Arn"),
    "DeadLetterQueue": ("TargetArn",),
    "on_failure": ("destination", "destination_arn"),
    "OnFailure": ("Destination",),
    "redrive_policy": ("deadLetterTargetArn",),
    "RedrivePolicy": ("deadLetterTargetArn",),
}


def _targets_in(value: Any) -> Iterator[Any]:
    """Every dead-letter or failure target named anywhere inside ``value``."""
    if isinstance(value, Choice):
        for option in value.options:
            yield from _targets_in(option)
    elif isinstance(value, list):
        for item in value:
            yield from _targets_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = TARGET_KEYS.get(key)
            if inner is None:
                yield from _targets_in(item)
                continue
            for option in item.options if isinstance(item, Choice) else (item,):
                document = redrive_document(option) if "redrive" in key.lower() else option
                if isinstance(document, dict):
                    yield from (document[k] for k in inner if k in document)
                elif document is not ABSENT:
                    yield document  # unknown: its references still count


@dataclass
class DeadLetters:
    """Dead-letter targets of a unit: by target address, the resources that send to it."""

    senders: dict[str, list[Resource]] = field(default_factory=dict)

    def is_target(self, resource: Resource) -> bool:
        return resource.name in self.senders

    def targets(self, unit: Unit) -> Iterator[Resource]:
        for resource in unit.resources:
            if resource.name in self.senders and resource.kind == "resource":
                yield resource


def redrive_document(value: Any) -> Any:
    """A redrive policy as an object: parsed from a JSON string, as given when already an
    object, :class:`Unknown` when unresolved, ABSENT when unset or empty."""
    if value is ABSENT or value is None:
        return ABSENT
    if isinstance(value, str):
        if not value.strip():
            return ABSENT
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            return Unknown("redrive policy is not JSON", value)
        return parsed if isinstance(parsed, dict) else Unknown("redrive policy", value)
    return value


def _addresses(value: Any, unit: Unit, types: tuple[str, ...]) -> set[str]:
    """Resources of ``types`` a target value names: references, or literal ARNs whose last
    segment is the literal name of a queue/topic of the unit."""
    found: set[str] = set()
    if isinstance(value, Reference):
        found.add(value.address)
    elif isinstance(value, Unknown):
        found.update(value.references)
    elif isinstance(value, Choice):
        for option in value.options:
            found |= _addresses(option, unit, types)
    elif isinstance(value, str) and value.startswith("arn:"):
        name = value.rsplit(":", 1)[-1]
        for resource in unit.by_type(*types):
            if literal_name(resource) == name:
                found.add(resource.name)
    return {a for a in found if (r := unit.by_name(a)) is not None and r.type in types}


def literal_name(resource: Resource) -> str | None:
    """A queue's or topic's literal name (``name`` / ``QueueName`` / ``TopicName``)."""
    key = {
        "aws_sqs_queue": "name",
        "aws_sns_topic": "name",
        "AWS::SQS::Queue": "QueueName",
        "AWS::SNS::Topic": "TopicName",
    }.get(resource.type)
    value = resource.get(key) if key else None
    return value if isinstance(value, str) and value else None


def dead_letters(unit: Unit) -> DeadLetters:
    """Every queue and topic of the unit that some resource uses as a dead-letter or
    on-failure target."""
    result = DeadLetters()
    types = QUEUE_TYPES + TOPIC_TYPES
    for resource in unit.resources:
        for target in _targets_in(dict(resource.attributes)):
            for address in sorted(_addresses(target, unit, types)):
                senders = result.senders.setdefault(address, [])
                if resource not in senders and address != resource.name:
                    senders.append(resource)
    return result
