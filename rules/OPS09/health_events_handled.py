"""OPS09-BP07/health-events-handled (off by default): the repository acts on AWS Health
events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opslint.aws.alarms import strings_and_references
from opslint.model import ABSENT, Reference, Repository, Resource, Severity, Unit, Unknown
from opslint.model import alternatives as alternatives_of
from opslint.repo.examples import ROOT_MODULE, SAM_CONFIG
from opslint.repo.pipelines import deployable_units, flavours_present
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

HEALTH_SOURCE = "aws.health"
EVENT_RULE_TYPES = ("aws_cloudwatch_event_rule", "AWS::Events::Rule")
# AWS User Notifications rules: `source` / `Source` is the event source they notify on.
NOTIFICATION_RULE_TYPES = ("aws_notifications_event_rule", "AWS::Notifications::EventRule")


def _pattern(rule: Resource) -> Any:
    return rule.get("event_pattern" if rule.framework == "terraform" else "EventPattern")


def matches_health(value: Any) -> bool | None:
    """Whether an event pattern (or a notification rule's source) names AWS Health; None
    when part of it cannot be read."""
    if value is ABSENT:
        return False
    strings, _, opaque = strings_and_references(value)
    if any(s == HEALTH_SOURCE or f'"{HEALTH_SOURCE}"' in s for s in strings):
        return True
    if opaque or isinstance(value, (Unknown, Reference)):
        return None
    return False


def _targeted(unit: Unit, rule: Resource, root: bool) -> bool | None:
    """Whether an EventBridge rule has a target (None: cannot tell)."""
    if rule.framework == "cloudformation":
        verdicts: list[bool | None] = []
        for option in alternatives_of(rule.get("Targets")):
            if isinstance(option, list):
                verdicts.append(bool(option))
            else:
                verdicts.append(None if option is not ABSENT else False)
        if any(v is True for v in verdicts):
            return True
        return None if any(v is None for v in verdicts) else False
    for target in unit.by_type("aws_cloudwatch_event_target"):
        for option in alternatives_of(target.get("rule")):
            if isinstance(option, Reference) and option.address == rule.name:
                return True
            if isinstance(option, Unknown) and (
                rule.name in option.references or not option.references
            ):
                return True
            if isinstance(option, str) and option == rule.get("name"):
                return True
    # a module's rule may be given targets by its caller
    return False if root else None


class HealthEventsHandled(Rule):
    id = "OPS09-BP07/health-events-handled"
    title = "The repository routes AWS Health events to a target or notification"
    severity = Severity.NOTE
    enabled_by_default = False
    docs = Docs(
        what=(
            "Checks that a repository that deploys infrastructure acts on AWS Health events "
            "somewhere: an EventBridge rule whose event pattern matches `source` "
            "`aws.health` and has a target (`aws_cloudwatch_event_rule` with an "
            "`aws_cloudwatch_event_target`, `AWS::Events::Rule` with `Targets`), or an AWS "
            "User Notifications event rule on `aws.health` (`aws_notifications_event_rule`, "
            "`AWS::Notifications::EventRule`). Rules in any module or template of the "
            "repository count. Off by default: AWS Health is usually handled once per "
            "account or organisation, so enable the rule in account-baseline repositories."
        ),
        why=(
            "OPS09-BP07 asks you to automate responses to events. AWS Health announces "
            "scheduled maintenance, retirements and service issues that affect your "
            "resources; without a rule that routes them to people or automation, they wait "
            "in a console nobody watches until the instance is retired."
        ),
        fix=(
            'Add an EventBridge rule with the pattern `{"source": ["aws.health"]}` and a '
            "target (an SNS topic your team reads, a chat channel, a Lambda function), or an "
            "AWS User Notifications configuration with an event rule on `aws.health`."
        ),
        unknown=(
            "An event pattern or notification source opslint cannot read, a module call "
            "whose name or source mentions `health`, and a module's rule whose targets its "
            "caller may attach count as possible handling: no finding."
        ),
        cautions=(
            "Organisation-wide AWS Health aggregation (delegated administrator) and "
            "notifications configured in the console or in another repository are invisible "
            "here: leave the rule off in such repositories, or suppress the finding with a "
            "reason."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}',
                passing=(
                    'resource "aws_cloudwatch_event_rule" "health" {\n'
                    '  name          = "aws-health"\n'
                    '  event_pattern = jsonencode({ source = ["aws.health"] })\n}\n\n'
                    'resource "aws_cloudwatch_event_target" "health" {\n'
                    "  rule = aws_cloudwatch_event_rule.health.name\n"
                    "  arn  = aws_sns_topic.alerts.arn\n}"
                ),
                given={"main.tf": ROOT_MODULE},
            ),
            Example(
                "cloudformation",
                failing="Jobs:\n  Type: AWS::SQS::Queue",
                passing=(
                    "Health:\n  Type: AWS::Events::Rule\n  Properties:\n"
                    "    EventPattern:\n      source: [aws.health]\n"
                    "    Targets:\n      - Id: alerts\n        Arn: !Ref Alerts"
                ),
                given={
                    "template.yaml": "Alerts:\n  Type: AWS::SNS::Topic\n",
                    "samconfig.toml": SAM_CONFIG,
                },
            ),
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(flavours_present(deployable_units(repo)))

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        present = flavours_present(deployable_units(repo))
        if not present or self.handled(repo) is not False:
            return
        yield self.file_violation(
            min(present.values()),
            "No EventBridge rule or AWS User Notifications rule in this repository acts on "
            "AWS Health events (`source` `aws.health`): add a rule that routes them to your "
            "team or to automation",
            key="health",
        )

    @staticmethod
    def handled(repo: Repository) -> bool | None:
        """Whether some unit handles AWS Health events (None: cannot tell)."""
        roots = {unit.path for unit in repo.root_modules()}
        verdict: bool | None = False
        for unit in repo.units:
            for resource in unit.resources:
                if resource.kind == "module":
                    label = f"{resource.name} {resource.get('source')}".lower()
                    if "health" in label:
                        verdict = None
                    continue
                if resource.kind != "resource":
                    continue
                if resource.type in NOTIFICATION_RULE_TYPES:
                    source = resource.get("source" if unit.framework == "terraform" else "Source")
                    health = matches_health(source)
                elif resource.type in EVENT_RULE_TYPES:
                    health = matches_health(_pattern(resource))
                    if health:
                        root = unit.framework == "cloudformation" or unit.path in roots
                        health = _targeted(unit, resource, root)
                else:
                    continue
                if health:
                    return True
                if health is None:
                    verdict = None
        return verdict
