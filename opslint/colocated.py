"""One finding per location: findings of one rule on several resources that sit on the same
lines and say the same thing become one finding that names them all.

That happens when resources inherit one written value, so that the value's lines are the
location of each resource's finding: every SAM function taking ``Globals.Function.Runtime``
is reported on the ``Globals`` line. One finding there, listing the functions, is what the
user fixes. The merged finding keeps the first resource (in the order the rule reported
them, which is the template's order) as its ``resource`` and its fingerprint, so a baseline
entry recorded for that resource still matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from opslint.model import Finding

_PLACEHOLDER = "\x00"


def _shape(finding: Finding) -> str:
    """The message with the resource's name left out: what the findings must share."""
    return finding.message.replace(f"`{finding.resource}`", _PLACEHOLDER)


def _names(names: list[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def merge_colocated(findings: Iterable[tuple[Finding, bool]]) -> list[Finding]:
    """The findings (each with whether it is located outside its own resource, on a value
    the resource inherits), with each group of inherited same-rule, same-severity findings
    on the same lines of the same file, about different resources and with the same message
    but for the resource's name, replaced by one finding naming every resource of the
    group. Findings inside their resource are never merged: resources written on one line
    (or a plan located at its first line) are not sharing a value."""
    groups: dict[tuple[str, str, int, int, str, str], list[Finding]] = {}
    out: list[Finding | tuple[str, str, int, int, str, str]] = []
    for finding, inherited in findings:
        if not inherited or not finding.resource or f"`{finding.resource}`" not in finding.message:
            out.append(finding)
            continue
        key = (
            finding.rule_id,
            finding.path,
            finding.line,
            finding.end_line,
            finding.severity.value,
            _shape(finding),
        )
        if key not in groups:
            groups[key] = []
            out.append(key)
        groups[key].append(finding)
    merged: list[Finding] = []
    for item in out:
        if isinstance(item, Finding):
            merged.append(item)
            continue
        group = groups[item]
        first = group[0]
        others = list(dict.fromkeys(f.resource for f in group[1:] if f.resource != first.resource))
        if not others:
            merged.extend(group)
            continue
        named = f"`{first.resource}` (also {_names(others)}, from the same setting)"
        merged.append(
            replace(first, message=first.message.replace(f"`{first.resource}`", named, 1))
        )
    return merged
