"""Run selected rules over parsed units and build the one result every reporter renders."""

from __future__ import annotations

import datetime
import os
import posixpath
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from opslint.baseline import BaselineEntry, apply_baseline, read_baseline
from opslint.catalog import load_catalog
from opslint.config import Config, is_known_selector, is_selected
from opslint.discover import discover
from opslint.engine_rules import engine_finding, select_engine_findings
from opslint.instances import SharedFindings, locate
from opslint.model import Finding, Repository, Severity, Unit, fingerprint, to_path
from opslint.parse import build_tasks, parse_all
from opslint.registry import Registry
from opslint.repository import build_repository, scan_root
from opslint.result import PracticeResult, Result, scorecard
from opslint.rule import Context, RepositoryContext, Rule, Violation
from opslint.suppress import apply_suppressions
from opslint.undecided import Undecided, recording

if TYPE_CHECKING:
    from opslint.checkov.merge import CheckovSource

# --- rules ---------------------------------------------------------------------------------


def select_rules(registry: Registry, config: Config) -> list[type[Rule]]:
    chosen = []
    for rule in registry:
        settings = config.rules.get(rule.id)
        if settings is not None and settings.enabled is False:
            continue
        opted_in = (settings is not None and settings.enabled) or rule.id in config.select
        if not rule.enabled_by_default and not opted_in:
            continue
        if is_selected(rule.id, config.select, config.ignore):
            chosen.append(rule)
    return chosen


def _to_finding(rule: type[Rule], violation: Violation, configured: Severity | None) -> Finding:
    # a configured severity wins; else the violation's own (a rule that grades its
    # findings), else the rule's default
    severity = configured or violation.severity or rule.severity
    resource = violation.resource
    if resource is None:
        return Finding(
            rule_id=rule.id,
            practice_id=rule.practice(),
            related_practices=rule.related,
            severity=severity,
            path=violation.path,
            line=violation.line,
            end_line=max(violation.end_line, violation.line),
            message=violation.message,
            fingerprint=fingerprint(rule.id, violation.path, "", violation.key),
        )
    attribute = to_path(violation.attribute)
    span = resource.meta_location(attribute) if violation.meta else resource.location(attribute)
    detail = violation.key or ".".join(str(step) for step in attribute)
    placed = locate(resource, span, violation.message, None if violation.meta else attribute)
    path, name, message, span = placed.path, placed.name, placed.message, placed.span
    # one CDK construct may be deployed in several stacks: its path tells them apart
    identity = resource.construct or name
    return Finding(
        rule_id=rule.id,
        practice_id=rule.practice(),
        related_practices=rule.related,
        severity=severity,
        path=path,
        line=span.line,
        end_line=span.end_line,
        message=message,
        resource=name,
        resource_type=resource.type,
        framework=resource.framework,
        fingerprint=fingerprint(rule.id, path, identity, detail),
        construct_path=resource.construct,
    )


def run_rules(
    units: Sequence[Unit],
    rules: Sequence[type[Rule]],
    config: Config,
    root: str = ".",
    today: datetime.date | None = None,
    undecided: list[Undecided] | None = None,
) -> tuple[list[Finding], dict[str, list[str]]]:
    """Every rule on every unit it applies to. Returns the findings and, per rule ID, the
    units that had something in its scope (for the scorecard and test reports); the checks
    that could not decide are added to ``undecided``."""
    findings: list[Finding] = []
    applied: dict[str, list[str]] = {}
    instances = [(cls, cls()) for cls in rules]
    called = {folder for unit in units for folder in unit.called}
    shared = SharedFindings(u for u in units if posixpath.normpath(u.path) not in called)
    for unit in units:
        if posixpath.normpath(unit.path) in called:
            continue  # judged where it is called, with its callers' arguments
        for cls, rule in instances:
            severity, options = _severity_and_options(cls, config)
            ctx = Context(
                unit=unit, options=options, root=root, today=today or datetime.date.today()
            )
            try:
                with recording(cls.id, unit.path) as recorder:
                    if rule.applies_to(unit):
                        applied.setdefault(cls.id, []).append(unit.path)
                    violations = list(rule.check_unit(unit, ctx))
                if undecided is not None:
                    decided = {v.resource.name for v in violations if v.resource is not None}
                    undecided.extend(
                        u for u in recorder.found.values() if u.resource not in decided
                    )
            except Exception as exc:  # a broken rule must not stop the run
                findings.append(
                    engine_finding(
                        "rule-error",
                        unit.path,
                        f"rule {cls.id} failed on this unit: {type(exc).__name__}: {exc}",
                        resource=ctx.checking.resource.name if ctx.checking.resource else "",
                    )
                )
                continue
            for violation in violations:
                finding = _to_finding(cls, violation, severity)
                if violation.resource is not None and finding.resource == (
                    violation.resource.local_name if violation.resource.module else None
                ):
                    shared.add(finding, violation.resource, unit)
                else:
                    findings.append(finding)
    findings.extend(shared.findings())
    return findings, applied


def _severity_and_options(
    cls: type[Rule], config: Config
) -> tuple[Severity | None, dict[str, Any]]:
    """The severity the configuration sets for the rule (None: the rule decides) and its
    options merged over the defaults."""
    settings = config.rules.get(cls.id)
    severity = settings.severity if settings and settings.severity else None
    options = cls.default_options()
    if settings:
        options.update(settings.options)
    return severity, options


def run_repository_rules(
    repo: Repository,
    rules: Sequence[type[Rule]],
    config: Config,
    root: str = ".",
    today: datetime.date | None = None,
) -> tuple[list[Finding], dict[str, list[str]]]:
    """Every rule's repository check, once. Returns the findings and, per rule ID, the
    repository root when the rule applied to it."""
    findings: list[Finding] = []
    applied: dict[str, list[str]] = {}
    for cls in rules:
        rule = cls()
        severity, options = _severity_and_options(cls, config)
        ctx = RepositoryContext(options=options, root=root, today=today or datetime.date.today())
        try:
            if rule.applies_to_repository(repo):
                applied.setdefault(cls.id, []).append(repo.root)
            violations = list(rule.check_repository(repo, ctx))
        except Exception as exc:  # a broken rule must not stop the run
            findings.append(
                engine_finding(
                    "rule-error",
                    repo.root,
                    f"rule {cls.id} failed on the repository: {type(exc).__name__}: {exc}",
                )
            )
            continue
        findings.extend(_to_finding(cls, v, severity) for v in violations)
    return findings, applied


def _about_named_files(finding: Finding, named: set[str]) -> bool:
    """With files named on the command line, report only on them, and on the module folder
    holding one of them when the engine itself failed there (a parser or rule error)."""
    if finding.path in named:
        return True
    folder = finding.path.rstrip("/") + "/"
    return not finding.practice_id and any(
        path.startswith(folder) or (finding.path == "." and "/" not in path) for path in named
    )


def _checks_repository(rule: type[Rule]) -> bool:
    return rule.check_repository is not Rule.check_repository


def run(
    paths: Sequence[str],
    registry: Registry,
    config: Config,
    *,
    jobs: int | None = None,
    root: str | None = None,
    today: datetime.date | None = None,
    checkov: CheckovSource | None = None,
) -> Result:
    """The whole pipeline: discover, parse, check, suppress, baseline, aggregate;
    ``checkov`` adds checkov's findings (``--checkov``, ``--checkov-report``).

    ``root`` is the scan root (:func:`opslint.repository.scan_root`, computed from ``paths``
    when not given): rules, suppressions and the repository view all use this one value."""
    root = scan_root(paths) if root is None else root
    catalog = load_catalog()
    baseline = read_baseline(config.baseline) if config.baseline else None
    found = discover(paths, config.exclude, max_file_size=config.max_file_size)
    tasks = build_tasks(found, config)
    units = parse_all(tasks, jobs or os.cpu_count() or 1)
    if any(u.path.endswith(".json") and u.framework == "terraform" for u in units):
        from opslint.parsers.terraform_plan import attach_plans

        units = attach_plans(units)
    selected = select_rules(registry, config)
    today = today or datetime.date.today()
    undecided: list[Undecided] = []
    called = {folder for unit in units for folder in unit.called}
    findings, applied = run_rules(units, selected, config, root, today, undecided)
    if any(_checks_repository(rule) for rule in selected):
        repository = build_repository(found, units, root)
        repo_rules = [rule for rule in selected if _checks_repository(rule)]
        more, repo_applied = run_repository_rules(repository, repo_rules, config, root, today)
        findings.extend(more)
        for rule_id, where in repo_applied.items():
            applied.setdefault(rule_id, []).extend(where)
    external = checkov.collect(paths, found, units, selected, config) if checkov else None
    if external is not None:
        findings.extend(external.findings)
        for rule_id, where in external.applied.items():
            applied.setdefault(rule_id, []).extend(w for w in where if w not in applied[rule_id])
    for diagnostic in [*found.diagnostics, *(d for u in units for d in u.diagnostics)]:
        findings.append(
            engine_finding(diagnostic.code, diagnostic.path, diagnostic.message, diagnostic.line)
        )
    practice_ids = {p.id for p in catalog}
    rule_ids = set(registry.ids())

    def is_known_id(selector: str) -> bool:
        return selector in rule_ids or is_known_selector(selector, {}, practice_ids)

    findings, suppressed, problems = apply_suppressions(
        findings,
        units,
        config,
        [r.id for r in selected],
        is_known_id,
        lambda code, path, message, line: engine_finding(code, path, message, line),
        today,
        root,
    )
    findings.extend(problems)
    if external is not None:
        suppressed.extend(external.suppressed)
    findings = select_engine_findings(findings, config)
    suppressed = select_engine_findings(suppressed, config)
    if found.explicit_files is not None:
        findings = [f for f in findings if _about_named_files(f, found.explicit_files)]
        suppressed = [f for f in suppressed if f.path in found.explicit_files]
    baselined: list[Finding] = []
    stale: list[BaselineEntry] = []
    if baseline is not None:
        findings, baselined, stale = apply_baseline(findings, baseline)

    def ordered(items: list[Finding]) -> tuple[Finding, ...]:
        return tuple(sorted(set(items), key=lambda f: f.sort_key))

    active = ordered(findings)
    files = {f for u in units for f in u.files}
    return Result(
        findings=active,
        practices=scorecard(catalog, registry, selected, applied, active),
        rules=tuple(selected),
        files=len(files),
        units=len(units),
        fail_on=config.fail_on,
        suppressed=ordered(suppressed),
        baselined=ordered(baselined),
        stale_baseline=tuple(stale),
        baseline=config.baseline,
        scope={rule_id: tuple(paths) for rule_id, paths in sorted(applied.items())},
        unit_files={u.path: u.files for u in units},
        undecided=tuple(
            sorted(
                u
                for u in set(undecided)
                if found.explicit_files is None or u.path in found.explicit_files
            )
        ),
        not_followed=tuple(
            sorted(
                {
                    (u.path, address, why)
                    for u in units
                    if posixpath.normpath(u.path) not in called
                    for address, why in u.not_followed
                }
            )
        ),
    )


# Result and PracticeResult live in opslint.result; re-exported for code written for 0.1
__all__ = ["PracticeResult", "Result", "run", "run_repository_rules", "run_rules", "select_rules"]
