"""The curated mapping of checkov checks to Operational Excellence practices.

The mapping ships as package data (``opslint/data/checkov_mapping.json``). Each entry names
one practice (and any related ones), a severity, a one-line reason why the check serves the
practice and, when an opslint rule already checks the same thing, that rule
(``covered_by``): checkov's result is then never reported, ours is. The ``title``,
``resource_types`` and ``link`` of each entry are copied from checkov's own catalogue by
``python -m opslint.checkov.catalogue --refresh``.

Reading the mapping needs only the standard library: checkov itself is imported only when a
run asks for it (:mod:`opslint.checkov.scan`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from opslint.model import FRAMEWORKS, Framework, Severity
from opslint.rule import Docs, Rule

DATA_PACKAGE = "opslint.data"
DATA_FILE = "checkov_mapping.json"
RULE_PREFIX = "checkov-"


@dataclass(frozen=True)
class MappedCheck:
    """One checkov check and the practice it serves."""

    id: str
    practice: str
    severity: Severity
    reason: str
    related: tuple[str, ...] = ()
    covered_by: str | None = None
    """The opslint rule that checks the same thing; checkov's result is then not reported."""
    title: str = ""
    """checkov's name of the check."""
    resource_types: Mapping[Framework, tuple[str, ...]] | None = None
    link: str = ""
    """Where checkov defines the check."""

    @property
    def rule_id(self) -> str:
        """The opslint rule ID of the check's findings: ``OPS04-BP04/checkov-CKV_AWS_118``."""
        return f"{self.practice}/{RULE_PREFIX}{self.id}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"practice": self.practice}
        if self.related:
            out["related"] = list(self.related)
        out["severity"] = self.severity.value
        out["reason"] = self.reason
        if self.covered_by:
            out["covered_by"] = self.covered_by
        out["title"] = self.title
        out["resource_types"] = {k: list(v) for k, v in (self.resource_types or {}).items()}
        out["link"] = self.link
        return out


def _entry(check_id: str, raw: Mapping[str, Any]) -> MappedCheck:
    types = raw.get("resource_types") or {}
    return MappedCheck(
        id=check_id,
        practice=raw["practice"],
        severity=Severity.parse(raw["severity"]),
        reason=raw["reason"],
        related=tuple(raw.get("related", ())),
        covered_by=raw.get("covered_by"),
        title=raw.get("title", ""),
        resource_types={f: tuple(types[f]) for f in FRAMEWORKS if types.get(f)},
        link=raw.get("link", ""),
    )


def mapping_from_json(text: str) -> dict[str, MappedCheck]:
    data = json.loads(text)
    return {check_id: _entry(check_id, raw) for check_id, raw in data.items()}


def render_mapping_json(mapping: Mapping[str, MappedCheck]) -> str:
    return json.dumps({k: v.to_dict() for k, v in mapping.items()}, indent=2) + "\n"


@lru_cache(maxsize=1)
def load_mapping() -> dict[str, MappedCheck]:
    """Check ID → :class:`MappedCheck`, every mapped check (covered ones included)."""
    from importlib.resources import files

    return mapping_from_json(files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8"))


def reported_checks() -> dict[str, MappedCheck]:
    """The mapped checks whose results become findings: those no opslint rule covers."""
    return {k: v for k, v in load_mapping().items() if v.covered_by is None}


def is_mapped_rule_id(rule_id: str) -> bool:
    """Whether ``rule_id`` names a reported checkov check (``OPS04-BP04/checkov-CKV_AWS_118``)."""
    if f"/{RULE_PREFIX}" not in rule_id:
        return False
    return any(c.rule_id == rule_id for c in reported_checks().values())


def checkov_installed() -> bool:
    """Whether checkov can be run (without importing it): ``OPSLINT_CHECKOV``, ``checkov``
    on PATH, or the package next to opslint."""
    from opslint.checkov.scan import checkov_command

    return checkov_command() is not None


class CheckovRule(Rule):
    """A rule whose findings come from a checkov check (see :mod:`opslint.checkov.merge`);
    it checks nothing itself."""

    check: MappedCheck

    def check_terraform(self, resource: Any, ctx: Any) -> Iterator[Any]:
        return iter(())

    def check_cloudformation(self, resource: Any, ctx: Any) -> Iterator[Any]:
        return iter(())


def _docs(check: MappedCheck) -> Docs:
    source = f" Definition: {check.link}" if check.link else ""
    return Docs(
        what=f"checkov {check.id}: {check.title}.{source}",
        why=f"{check.practice}: {check.reason[:1].upper()}{check.reason[1:]}.",
        fix=(
            "Follow checkov's guideline for the check (linked from each finding), or suppress "
            "the finding with a reason (`opslint:ignore` or checkov's own `checkov:skip=`)."
        ),
        examples=(),
        unknown=(
            "checkov judges values it cannot resolve as missing; opslint drops such a finding "
            "when a value the check looked at is one opslint cannot resolve either."
        ),
    )


@lru_cache(maxsize=1)
def checkov_rules() -> tuple[type[CheckovRule], ...]:
    """One rule per reported check, for selection, severities, suppressions, the
    scorecard and every report's rule list."""
    rules: list[type[CheckovRule]] = []
    for check in reported_checks().values():
        attributes = {
            "id": check.rule_id,
            "title": check.title or f"checkov {check.id}",
            "severity": check.severity,
            "related": check.related,
            "resource_types": dict(check.resource_types or {}),
            "docs": _docs(check),
            "source": "checkov",
            "check": check,
        }
        name = "Checkov_" + check.id
        rules.append(type(name, (CheckovRule,), attributes))
    return tuple(sorted(rules, key=lambda r: r.id))


__all__ = [
    "CheckovRule",
    "MappedCheck",
    "checkov_installed",
    "checkov_rules",
    "is_mapped_rule_id",
    "load_mapping",
    "reported_checks",
]
