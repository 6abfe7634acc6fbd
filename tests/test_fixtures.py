"""One parametrised test over fixtures/: every case's exact findings.

A case is ``fixtures/<practice>/<slug>/<case>/`` with the IaC files and ``expected.yaml``
listing the findings of rule ``<practice>/<slug>`` on it (paths relative to the case). A
``.opslint.yaml`` in the case sets rule options.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES

from opslint.config import load_config
from opslint.discover import discover
from opslint.parse import build_tasks, parse_all
from opslint.registry import Registry, load_registry
from opslint.runner import run, run_rules, select_rules

CASES = sorted(p.parent for p in FIXTURES.glob("*/*/*/expected.yaml"))


@cache
def registry() -> Registry:
    return load_registry(entry_points=False)


def rule_of(case: Path) -> str:
    return f"{case.parent.parent.name}/{case.parent.name}"


def findings_in(case: Path) -> list[dict[str, Any]]:
    rule_id = rule_of(case)
    config = load_config(None, case, case).merged(
        select=(rule_id,), ignore=(), repository_root=str(case)
    )
    result = run([str(case)], registry(), config, jobs=1)
    return [
        {
            "rule": f.rule_id,
            "practice": f.practice_id,
            "path": Path(os.path.relpath(Path.cwd() / f.path, case)).as_posix(),
            "line": f.line,
            "end_line": f.end_line,
            "resource": f.resource,
            "message": f.message,
        }
        for f in result.findings
    ]


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_fixture_findings(case: Path) -> None:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert findings_in(case) == (expected["findings"] or [])


def test_every_case_fails_or_passes_as_named() -> None:
    for case in CASES:
        expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
        findings = expected["findings"] or []
        if "-fail" in case.name:
            assert findings, f"{case}: a failing case must expect findings"
        elif "-pass" in case.name:
            assert not findings, f"{case}: a passing case must expect no finding"
        else:
            pytest.fail(f"{case}: case names say -fail or -pass")
        for finding in findings:
            assert finding["rule"] == rule_of(case), f"{case}: finding of another rule"


def test_every_rule_has_failing_and_passing_fixtures_per_framework() -> None:
    for rule in registry():
        folder = FIXTURES / rule.practice() / rule.id.split("/", 1)[1]
        names = {c.name for c in CASES if c.parent == folder}
        languages = []
        if rule.resource_types.get("terraform"):
            languages.append("terraform")
        cloudformation = rule.resource_types.get("cloudformation", ())
        if any(not t.startswith("AWS::Serverless::") for t in cloudformation):
            languages.append("cloudformation")
        if any(t.startswith("AWS::Serverless::") for t in cloudformation):
            languages.append("sam")
        for language in languages:
            for outcome in ("fail", "pass"):
                assert any(n.startswith(f"{language}-{outcome}") for n in names), (
                    f"{rule.id}: no {language}-{outcome}* fixture in {folder}"
                )


def test_findings_lie_inside_their_resource() -> None:
    """Every finding's lines lie inside its resource, or on the attribute it inherits
    (SAM Globals), for every fixture."""
    rules = select_rules(registry(), load_config(None, FIXTURES, FIXTURES))
    for case in CASES:
        found = discover([str(case)])
        config = load_config(None, case, case)
        units = parse_all(build_tasks(found, config), jobs=1)
        findings, _ = run_rules(units, rules, config)
        resources = {(r.path, r.name): r for u in units for r in u.resources}
        # a called module's resource is reported as named in its module, or on the call
        resources |= {(r.path, r.local_name): r for u in units for r in u.resources if r.module}
        calls = [r for u in units for r in u.resources]  # module calls, nested stacks
        for finding in findings:
            resource = resources.get((finding.path, finding.resource)) or next(
                c
                for c in calls
                if c.path == finding.path
                and finding.resource.startswith((c.name + ".", c.name + "/"))
                and c.span.line <= finding.line <= c.span.end_line
            )
            inside = (
                resource.span.line <= finding.line <= finding.end_line <= resource.span.end_line
            )
            inherited = any(
                (s.line, s.end_line) == (finding.line, finding.end_line)
                for s in resource.spans.values()
            )
            assert inside or inherited, f"{case}: {finding} outside {resource.span}"
