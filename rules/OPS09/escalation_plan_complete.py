"""OPS09-BP04/escalation-plan-complete: Incident Manager contacts can be engaged and
escalation plans escalate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opslint.coerce import as_list
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, Unknown
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

CONTACT_TYPES = ("aws_ssmcontacts_contact", "AWS::SSMContacts::Contact")
PLAN_TYPES = ("aws_ssmcontacts_plan", "AWS::SSMContacts::Plan")
CHANNEL_TYPES = ("aws_ssmcontacts_contact_channel", "AWS::SSMContacts::ContactChannel")
# framework: (type, contact id, plan stages on a plan resource, stage targets, channel target)
FIELDS = {
    "terraform": ("type", "contact_id", "stage", "target", "channel_target_info"),
    "cloudformation": ("Type", "ContactId", "Stages", "Targets", "ChannelTargetInfo"),
}


def _points_at(value: Any, contact: Resource) -> bool | None:
    if isinstance(value, Reference):
        return value.address == contact.name
    if isinstance(value, Unknown):
        return contact.name in value.references if value.references else None
    return None if not isinstance(value, str) else False


def _linked(unit: Unit, types: tuple[str, ...], contact: Resource) -> list[Resource] | None:
    """Resources of ``types`` whose contact ID is ``contact``; None when one cannot be told."""
    field = FIELDS[unit.framework][1]
    found = []
    for resource in unit.by_type(*types):
        verdict = _points_at(resource.get(field), contact)
        if verdict is None:
            return None
        if verdict:
            found.append(resource)
    return found


def _stages(unit: Unit, contact: Resource) -> list[Any] | None:
    """The contact's engagement plan stages (inline ``Plan`` or a plan resource)."""
    _, _, stage_field, _, _ = FIELDS[unit.framework]
    stages: list[Any] = []
    if unit.framework == "cloudformation":
        inline = contact.get("Plan")
        if isinstance(inline, (Unknown, Reference)):
            return None
        stages.extend(as_list(inline))
    plans = _linked(unit, PLAN_TYPES, contact)
    if plans is None:
        return None
    for plan in plans:
        value = plan.get(stage_field)
        if isinstance(value, (Unknown, Reference)):
            return None
        stages.extend(as_list(value))
    if any(not isinstance(s, dict) for s in stages):
        return None
    return stages


class EscalationPlanComplete(Rule):
    id = "OPS09-BP04/escalation-plan-complete"
    title = "Incident Manager contacts can be engaged and escalation plans escalate"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_ssmcontacts_contact",),
        "cloudformation": ("AWS::SSMContacts::Contact",),
    }
    options = (
        Option(
            "min_escalation_stages",
            "int",
            2,
            "Stages an escalation plan needs before a single-stage plan is reported (note).",
        ),
    )
    docs = Docs(
        what=(
            "Checks Incident Manager contacts and their engagement plans (inline `Plan` on "
            "`AWS::SSMContacts::Contact`, or an `aws_ssmcontacts_plan` / "
            "`AWS::SSMContacts::Plan` for the contact): an `ESCALATION` contact has at least "
            "one stage and every stage has a target (warning), and more than one stage "
            "(note, option `min_escalation_stages`); a `PERSONAL` contact has a contact "
            "channel and a plan stage that engages a channel (warning). On-call schedules "
            "are not judged."
        ),
        why=(
            "OPS09-BP04 asks you to define escalation paths. An escalation plan with an "
            "empty stage stops escalating there; a personal contact without a channel or "
            "engagement plan is never engaged; a one-stage plan never escalates beyond its "
            "first responder."
        ),
        fix=(
            "Give the escalation plan a second stage (the next responder or the team "
            "lead), give every stage a target, and give personal contacts a contact channel "
            "and an engagement plan stage that targets it."
        ),
        cautions=(
            "Plans maintained in the console, and contact channels awaiting activation "
            "(which infrastructure code cannot show): suppress the finding with a reason. "
            "Incident Manager is closed to new customers; the rule only applies to "
            "repositories that already define contacts, and does not suggest adopting it: "
            "accounts that are not already onboarded escalate through a paging tool or AWS "
            "User Notifications."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_ssmcontacts_contact" "oncall" {\n  alias = "oncall"\n'
                    '  type  = "ESCALATION"\n}'
                ),
                passing=(
                    'resource "aws_ssmcontacts_contact" "oncall" {\n  alias = "oncall"\n'
                    '  type  = "ESCALATION"\n}\n\n'
                    'resource "aws_ssmcontacts_plan" "oncall" {\n'
                    "  contact_id = aws_ssmcontacts_contact.oncall.arn\n"
                    "  stage {\n    duration_in_minutes = 5\n    target {\n"
                    "      contact_target_info {\n        contact_id   = var.first\n"
                    "        is_essential = true\n      }\n    }\n  }\n"
                    "  stage {\n    duration_in_minutes = 10\n    target {\n"
                    "      contact_target_info {\n        contact_id   = var.second\n"
                    "        is_essential = true\n      }\n    }\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "OnCall:\n  Type: AWS::SSMContacts::Contact\n  Properties:\n"
                    "    Alias: oncall\n    DisplayName: On call\n    Type: ESCALATION"
                ),
                passing=(
                    "OnCall:\n  Type: AWS::SSMContacts::Contact\n  Properties:\n"
                    "    Alias: oncall\n    DisplayName: On call\n    Type: ESCALATION\n"
                    "    Plan:\n      - DurationInMinutes: 5\n        Targets: [...]\n"
                    "      - DurationInMinutes: 10\n        Targets: [...]"
                ),
            ),
        ),
    )

    def _check(self, contact: Resource, ctx: Context) -> Iterator[Violation]:
        unit = ctx.unit
        type_field, _, _, targets_field, channel_field = FIELDS[unit.framework]
        kind = contact.get(type_field)
        if kind not in ("ESCALATION", "PERSONAL"):
            return
        stages = _stages(unit, contact)
        if stages is None:
            return
        if kind == "ESCALATION":
            if not stages:
                yield self.violation(
                    contact,
                    f"Escalation plan `{contact.name}` has no stage: it engages nobody; add "
                    "stages with targets",
                    key="no-stage",
                )
                return
            empty = [
                i + 1 for i, s in enumerate(stages) if s.get(targets_field, ABSENT) in (ABSENT, [])
            ]
            if empty:
                yield self.violation(
                    contact,
                    f"Escalation plan `{contact.name}` has stage {empty[0]} without a target: "
                    "escalation stops there; give every stage a contact to engage",
                    key="empty-stage",
                )
            elif len(stages) < ctx.option("min_escalation_stages"):
                yield self.violation(
                    contact,
                    f"Escalation plan `{contact.name}` has a single stage: it never escalates "
                    "beyond its first responder; add a stage for the next responder",
                    key="single-stage",
                    severity=Severity.NOTE,
                )
            return
        channels = _linked(unit, CHANNEL_TYPES, contact)
        if channels is None:
            return
        engages = any(
            isinstance(t, dict) and t.get(channel_field, ABSENT) is not ABSENT
            for s in stages
            for t in as_list(s.get(targets_field, ABSENT))
        )
        if not channels or not engages:
            missing = "contact channel" if not channels else "engagement plan stage"
            yield self.violation(
                contact,
                f"Personal contact `{contact.name}` has no {missing}: Incident Manager never "
                "engages this person; add a contact channel and a plan stage that targets it",
                key="personal",
            )

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)
