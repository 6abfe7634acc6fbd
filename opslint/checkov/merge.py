"""checkov's results as opslint findings.

A failed result of a mapped check becomes a finding of rule ``<practice>/checkov-<id>`` on
the file and lines checkov gives, with the resource named as opslint names it (the address
inside its module, the CloudFormation logical ID). Then:

* a check an opslint rule covers is never reported (ours is);
* a result for a file opslint does not scan (excluded, outside the paths) is dropped;
* a result whose deciding value opslint cannot resolve either (an unset variable, a module
  output, a condition) is dropped: checkov judges such values as missing, opslint never
  reports what it cannot know; so is a result on a Terraform resource with ``count = 0``;
* one resource and check give one finding, however many module callers checkov expanded;
* a result checkov skipped (``checkov:skip=CKV_...: reason``) is a suppressed finding that
  keeps checkov's reason, like one silenced by ``opslint:ignore``.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from opslint.checkov.mapping import CheckovRule
from opslint.checkov.results import CheckovResult
from opslint.config import Config
from opslint.discover import Discovery, display_path
from opslint.model import (
    Finding,
    Resource,
    Suppression,
    Unit,
    fingerprint,
    is_known,
)
from opslint.rule import Rule, as_number

_MODULE_PREFIX = re.compile(r"^(module\.[^.\[]+(\[[^\]]*\])?\.)+")
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]$")
_INDEX_STEP = re.compile(r"^\[\d+\]$")
_CLOUDFORMATION_TOP = ("Properties",)


@dataclass
class SourcedFindings:
    """What an external source adds to a run."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    """Findings the source itself suppressed (``checkov:skip``), with their reason."""
    applied: dict[str, list[str]] = field(default_factory=dict)
    """Rule ID → units where the check had something to look at (the scorecard)."""


def resource_name(result: CheckovResult) -> tuple[str, str]:
    """(opslint's resource name, resource type) for checkov's resource."""
    if result.framework == "cloudformation":
        kind, _, name = result.resource.partition(".")
        return (name, kind) if "::" in kind else (result.resource, "")
    address = _INSTANCE_KEY.sub("", _MODULE_PREFIX.sub("", result.resource))
    kind = address.split(".", 1)[0] if "." in address else ""
    return address, kind


def _evaluated_value_unknown(resource: Resource, keys: Sequence[str]) -> bool:
    for key in keys:
        steps = [s for s in key.split("/") if s and not _INDEX_STEP.match(s)]
        if resource.framework == "cloudformation":
            if not steps or steps[0] not in _CLOUDFORMATION_TOP:
                continue
            steps = steps[1:]
        if not steps or steps == ["resource_type"]:
            continue
        if not is_known(resource.get(tuple(steps))):
            return True
    return False


def _not_decided(resource: Resource, keys: Sequence[str]) -> bool:
    """Whether opslint cannot back checkov's failure: a value checkov evaluated is unknown,
    or the resource is not created at all (``count = 0``)."""
    if resource.framework == "terraform" and as_number(resource.get_meta("count")) == 0:
        return True
    return _evaluated_value_unknown(resource, keys)


def _unit_of(path: str, framework: str) -> str:
    if framework == "cloudformation":
        return path
    return posixpath.dirname(path) or "."


def _resolve_path(result: CheckovResult, roots: Sequence[str], scanned: set[str]) -> str | None:
    """The display path of the result's file when opslint scans it."""
    cwd = os.getcwd()
    candidates = [result.file_abs_path] if result.file_abs_path else []
    relative = result.file_path.lstrip("/")
    if relative:
        candidates += [os.path.join(root, relative) for root in roots]
        if os.path.isabs(result.file_path):
            candidates.append(result.file_path)
    for candidate in candidates:
        shown = display_path(candidate, cwd)
        if shown in scanned:
            return shown
    return None


def merge_results(
    results: Sequence[CheckovResult],
    paths: Sequence[str],
    found: Discovery,
    units: Sequence[Unit],
    selected: Sequence[type[Rule]],
    config: Config,
) -> SourcedFindings:
    """Turn checkov's results into findings of the selected checkov rules."""
    rules = {r.check.id: r for r in selected if issubclass(r, CheckovRule)}
    scanned = {f for files in found.modules.values() for f in files} | set(found.templates)
    roots = [p for p in paths if os.path.isdir(p)] or ["."]
    by_name: Mapping[tuple[str, str], Resource] = {
        (r.path, r.name): r for u in units for r in u.resources if r.kind == "resource"
    }
    out = SourcedFindings()
    seen: set[str] = set()
    unplaced: set[str] = set()
    for result in sorted(results, key=lambda r: (r.file_path, r.line, r.check_id, r.resource)):
        rule = rules.get(result.check_id)
        if rule is None:
            continue  # not mapped, covered by an opslint rule, or not selected
        path = _resolve_path(result, roots, scanned)
        if path is None:
            unplaced.add(result.file_path)
            continue
        where = out.applied.setdefault(rule.id, [])
        unit = _unit_of(path, result.framework)
        if unit not in where:
            where.append(unit)
        if result.status == "passed":
            continue
        name, kind = resource_name(result)
        ours = by_name.get((path, name))
        if result.status == "failed" and ours and _not_decided(ours, result.evaluated_keys):
            continue
        finding = _finding(rule, result, path, name, kind, config)
        if finding.fingerprint in seen:
            continue
        seen.add(finding.fingerprint)
        if result.status == "skipped":
            suppression = Suppression(
                kind="inSource",
                justification=result.skip_reason,
                source=f"{path}:{result.line} (checkov:skip)",
            )
            out.suppressed.append(replace(finding, suppression=suppression))
        else:
            out.findings.append(finding)
    if unplaced and not out.applied:
        out.findings.append(_nothing_placed(sorted(unplaced), roots[0]))
    return out


def _nothing_placed(files: Sequence[str], root: str) -> Finding:
    """A warning when none of checkov's files is among the scanned ones: a report written
    for another folder would otherwise be ignored silently."""
    from opslint.engine_rules import engine_finding

    shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    return engine_finding(
        "checkov-files-not-found",
        display_path(root, os.getcwd()),
        f"none of the files checkov reported ({shown}) is among the files opslint scanned "
        "under this path: run opslint on the folder checkov scanned",
    )


def _finding(
    rule: type[CheckovRule],
    result: CheckovResult,
    path: str,
    name: str,
    kind: str,
    config: Config,
) -> Finding:
    settings = config.rules.get(rule.id)
    severity = settings.severity if settings and settings.severity else rule.severity
    guideline = result.guideline or rule.check.link
    message = f"{result.message} (checkov {result.check_id})"
    if guideline:
        message += f"; see {guideline}"
    return Finding(
        rule_id=rule.id,
        practice_id=rule.practice(),
        related_practices=rule.related,
        severity=severity,
        path=path,
        line=result.line,
        end_line=result.end_line,
        message=message,
        resource=name,
        resource_type=kind,
        framework="cloudformation" if result.framework == "cloudformation" else "terraform",
        fingerprint=fingerprint(rule.id, path, name, result.check_id),
    )


@dataclass(frozen=True)
class CheckovSource:
    """checkov's findings for a run: from a report checkov already wrote (``results``), or
    from running checkov in-process on the run's paths (``results`` None)."""

    results: tuple[CheckovResult, ...] | None = None

    def collect(
        self,
        paths: Sequence[str],
        found: Discovery,
        units: Sequence[Unit],
        selected: Sequence[type[Rule]],
        config: Config,
    ) -> SourcedFindings:
        checks = [r.check.id for r in selected if issubclass(r, CheckovRule)]
        if not checks:
            return SourcedFindings()  # no checkov rule selected: checkov is not even imported
        results = self.results
        if results is None:
            from opslint.checkov.scan import run_checkov

            results = tuple(run_checkov(paths, checks))
        return merge_results(results, paths, found, units, selected, config)


__all__ = ["CheckovSource", "SourcedFindings", "merge_results", "resource_name"]
