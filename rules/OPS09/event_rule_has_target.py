"""OPS09-BP07/event-rule-has-target: enabled EventBridge rules have a target."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opslint.model import ABSENT, Reference, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, as_bool

_OUTPUT = re.compile(r'^\s*output\s+"?[\w-]+"?\s*\{', re.MULTILINE)


def _disabled(resource: Resource) -> bool | None:
    """True when the rule is certainly disabled, None when unknown."""
    if resource.framework == "terraform":
        state, enabled = resource.get("state"), resource.get("is_enabled")
    else:
        state, enabled = resource.get("State"), ABSENT
    verdicts: list[bool | None] = []
    for option in alternatives(state):
        if option is ABSENT:
            verdicts.extend(
                (as_bool(e) is False) if not isinstance(e, Unknown) else None
                for e in alternatives(enabled)
            )
        elif isinstance(option, str):
            verdicts.append(option.upper() == "DISABLED")
        else:
            verdicts.append(None)
    if all(v is True for v in verdicts):
        return True
    return None if any(v is None for v in verdicts) else False


def _output_texts(unit: Unit) -> str:
    """The bodies of the module's ``output`` blocks (targets may be attached by a caller)."""
    bodies: list[str] = []
    for name in unit.files:
        if not name.endswith(".tf"):
            continue
        try:
            text = Path(name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        for match in _OUTPUT.finditer(text):
            depth, end = 0, match.end() - 1
            for end in range(match.end() - 1, len(text)):
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                if depth == 0:
                    break
            bodies.append(text[match.end() : end])
    return "\n".join(bodies)


def _terraform_targets(unit: Unit) -> tuple[set[str], set[str], bool]:
    """Rule addresses and literal rule names that targets of the unit name, and whether some
    target names a rule opslint cannot resolve."""
    addresses: set[str] = set()
    names: set[str] = set()
    opaque = False
    for target in unit.by_type("aws_cloudwatch_event_target"):
        for option in alternatives(target.get("rule")):
            if isinstance(option, Reference):
                addresses.add(option.address)
            elif isinstance(option, Unknown):
                addresses.update(option.references)
                opaque = opaque or not option.references
            elif isinstance(option, str):
                names.add(option)
    return addresses, names, opaque


def _has_no_targets(value: Any) -> bool | None:
    if value is ABSENT or value == []:
        return True
    return None if isinstance(value, Unknown) else False


class EventRuleHasTarget(Rule):
    id = "OPS09-BP07/event-rule-has-target"
    title = "Enabled EventBridge rules have a target"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_cloudwatch_event_rule",),
        "cloudformation": ("AWS::Events::Rule",),
    }
    docs = Docs(
        what=(
            "Checks that every enabled EventBridge rule sends its events somewhere: an "
            "`aws_cloudwatch_event_target` of the module whose `rule` references the "
            "`aws_cloudwatch_event_rule` (or names it), or a non-empty `Targets` list on "
            '`AWS::Events::Rule`. Disabled rules (`state = "DISABLED"`, `is_enabled = '
            "false`, `State: DISABLED`) pass. A Terraform rule that a module `output` exposes "
            "may get its targets from the caller and is not judged."
        ),
        why=(
            "OPS09-BP07 asks you to automate responses to events. A rule without a target "
            "matches events and does nothing: the automated response it was written for "
            "never runs, silently."
        ),
        fix=(
            "Add the target the rule was meant to invoke (a Lambda function, Step Functions "
            "state machine, SSM Automation, SNS topic, queue), or delete or disable the rule."
        ),
        unknown=(
            "A target whose `rule` opslint cannot resolve may belong to any rule of the "
            "module: no rule of that module is reported. Unresolved states and target lists "
            "never produce a finding."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudwatch_event_rule" "ec2_state" {\n'
                    '  name          = "ec2-state"\n'
                    '  event_pattern = jsonencode({ source = ["aws.ec2"] })\n}'
                ),
                passing=(
                    'resource "aws_cloudwatch_event_target" "ec2_state" {\n'
                    "  rule = aws_cloudwatch_event_rule.ec2_state.name\n"
                    "  arn  = aws_lambda_function.responder.arn\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Ec2State:\n  Type: AWS::Events::Rule\n  Properties:\n    EventPattern:\n"
                    "      source: [aws.ec2]"
                ),
                passing=(
                    "Ec2State:\n  Type: AWS::Events::Rule\n  Properties:\n    EventPattern:\n"
                    "      source: [aws.ec2]\n    Targets:\n"
                    "      - Id: responder\n        Arn: !GetAtt Responder.Arn"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        types = self.resource_types.get(unit.framework, ())
        rules = [r for r in unit.resources if r.type in types and r.kind == "resource"]
        if not rules:
            return
        if unit.framework == "cloudformation":
            for rule in rules:
                value = rule.get("Targets")
                if _has_no_targets(value) is True and _disabled(rule) is False:
                    yield self._violation(rule, "add a `Targets` entry")
            return
        addresses, names, opaque = _terraform_targets(unit)
        if opaque:
            return
        delegated = {n for r in unit.resources if r.kind == "module" for n in r.references}
        outputs = _output_texts(unit)
        for rule in rules:
            if rule.name in addresses or rule.name in delegated:
                continue
            if re.search(rf"\b{re.escape(rule.name)}\b", outputs):
                continue
            name = rule.get("name")
            if not isinstance(name, str) and name is not ABSENT and names:
                continue  # a name opslint cannot read may be the one a target names
            if isinstance(name, str) and name in names:
                continue
            if _disabled(rule) is False:
                yield self._violation(rule, "add an `aws_cloudwatch_event_target` for it")

    def _violation(self, rule: Resource, hint: str) -> Violation:
        return self.violation(
            rule,
            f"EventBridge rule `{rule.name}` is enabled but has no target: the events it "
            f"matches trigger nothing; {hint}, or disable the rule",
        )
