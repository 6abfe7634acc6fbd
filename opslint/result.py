"""The one result of a run, which every reporter renders, and the pillar scorecard.

Reporters import this module, never the runner: rendering a result (or printing
``opslint --version``) loads no parser and no rule machinery.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opslint import __version__
from opslint.model import Finding, Severity

if TYPE_CHECKING:
    from opslint.baseline import BaselineEntry
    from opslint.catalog import Catalog
    from opslint.rule import Rule
    from opslint.undecided import Undecided


@dataclass(frozen=True)
class PracticeResult:
    """A practice's line in the scorecard."""

    id: str
    title: str
    area: str
    section: str
    url: str
    status: str
    """``failing``, ``passing``, ``not applicable``, ``not selected`` or ``not automated``."""
    rules: tuple[str, ...]
    findings: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "area": self.area,
            "section": self.section,
            "url": self.url,
            "status": self.status,
            "rules": list(self.rules),
            "findings": self.findings,
        }


@dataclass(frozen=True)
class Result:
    findings: tuple[Finding, ...]
    """What is wrong and not accepted: neither suppressed nor in the baseline."""
    practices: tuple[PracticeResult, ...]
    rules: tuple[type[Rule], ...]
    """The rules that ran."""
    files: int
    units: int
    fail_on: Severity = Severity.WARNING
    version: str = __version__
    suppressed: tuple[Finding, ...] = ()
    """Findings silenced by a suppression, each with its ``suppression``."""
    baselined: tuple[Finding, ...] = ()
    """Findings already recorded in the baseline."""
    stale_baseline: tuple[BaselineEntry, ...] = ()
    """Baseline entries that no longer occur (the file can shrink)."""
    baseline: str | None = None
    """The baseline file used, if any."""
    scope: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Rule ID → the units (module folders, template files) with resources in its scope."""
    unit_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Unit path → the files it was read from."""
    undecided: tuple[Undecided, ...] = ()
    """Checks that could not decide because a value was unknown (never findings)."""
    not_followed: tuple[tuple[str, str, str], ...] = ()
    """Terraform module calls not followed: (module folder, call address, why)."""

    def counts(self) -> dict[str, int]:
        counter = Counter(f.severity.value for f in self.findings)
        return {s.value: counter.get(s.value, 0) for s in Severity}

    def failed(self) -> bool:
        return any(f.severity.rank >= self.fail_on.rank for f in self.findings)

    def summary(self) -> dict[str, Any]:
        by_practice = Counter(f.practice_id for f in self.findings if f.practice_id)
        statuses = Counter(p.status for p in self.practices)
        return {
            "files": self.files,
            "units": self.units,
            "rules": len(self.rules),
            "findings": len(self.findings),
            "by_severity": self.counts(),
            "by_practice": dict(sorted(by_practice.items())),
            "practices": {
                status: statuses.get(status, 0)
                for status in (
                    "failing",
                    "passing",
                    "not applicable",
                    "not selected",
                    "not automated",
                )
            },
            "suppressed": len(self.suppressed),
            "baselined": len(self.baselined),
            "stale_baseline_entries": len(self.stale_baseline),
            "undecided": len(self.undecided),
            "module_calls_not_followed": len(self.not_followed),
            "fail_on": self.fail_on.value,
            "failed": self.failed(),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "findings": [f.to_dict() for f in self.findings],
            "suppressed": [f.to_dict() for f in self.suppressed],
            "baseline": {
                "file": self.baseline,
                "matched": [f.to_dict() for f in self.baselined],
                "stale": [e.to_dict() for e in self.stale_baseline],
            },
            "practices": [p.to_dict() for p in self.practices],
            "undecided": [u.to_dict() for u in self.undecided],
            "summary": self.summary(),
        }


def scorecard(
    catalog: Catalog,
    registry: Iterable[type[Rule]],
    selected: Sequence[type[Rule]],
    applied: Mapping[str, Sequence[str]],
    findings: Sequence[Finding],
) -> tuple[PracticeResult, ...]:
    selected_ids = {r.id for r in selected}
    failing: Counter[str] = Counter()
    for finding in findings:
        if finding.practice_id:
            for practice_id in (finding.practice_id, *finding.related_practices):
                failing[practice_id] += 1
    results = []
    for practice in catalog:
        # an opt-in rule automates its practice only in runs that turned it on
        rule_ids = tuple(
            r.id
            for r in registry
            if practice.id in r.practices() and (r.enabled_by_default or r.id in selected_ids)
        )
        chosen = [rid for rid in rule_ids if rid in selected_ids]
        if not rule_ids:
            status = "not automated"
        elif not chosen:
            status = "not selected"
        elif failing[practice.id]:
            status = "failing"
        elif any(rid in applied for rid in chosen):
            status = "passing"
        else:
            status = "not applicable"
        results.append(
            PracticeResult(
                id=practice.id,
                title=practice.title,
                area=practice.area,
                section=practice.section,
                url=practice.url,
                status=status,
                rules=rule_ids,
                findings=failing[practice.id],
            )
        )
    return tuple(results)


__all__ = ["PracticeResult", "Result", "scorecard"]
