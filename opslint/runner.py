"""Run selected rules over parsed units and build the one result every reporter renders."""

from __future__ import annotations

import datetime
import os
import posixpath
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from opslint.baseline import BaselineEntry, apply_baseline, read_baseline
from opslint.catalog import load_catalog
from opslint.colocated import merge_colocated
from opslint.config import Config, is_known_selector, is_selected
from opslint.discover import Discovery, discover, display_path
from opslint.engine_rules import engine_finding, select_engine_findings
from opslint.instances import SharedFindings, locate
from opslint.model import (
    Finding,
    Repository,
    Resource,
    Severity,
    Unit,
    fingerprint,
    relative_to,
    to_path,
)
from opslint.parse import build_tasks, parse_all
from opslint.registry import Registry
from opslint.repository import build_repository, repository_root, scan_root
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
        opted_in = (
            (settings is not None and settings.enabled)
            or rule.id in config.select
            or bool(rule.enabled_by and config.declares(rule.enabled_by))
        )
        if not rule.enabled_by_default and not opted_in:
            continue
        if is_selected(rule.id, config.select, config.ignore):
            chosen.append(rule)
    return chosen


def _to_finding(
    rule: type[Rule], violation: Violation, configured: Severity | None, anchor: str = "."
) -> Finding:
    """``anchor``: the repository root; fingerprints use paths relative to it, so a
    baseline matches wherever in the repository opslint runs."""
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
            fingerprint=fingerprint(
                rule.id, relative_to(violation.path, anchor), "", violation.key
            ),
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
        fingerprint=fingerprint(rule.id, relative_to(path, anchor), identity, detail),
        construct_path=resource.construct,
    )


def run_rules(
    units: Sequence[Unit],
    rules: Sequence[type[Rule]],
    config: Config,
    root: str = ".",
    today: datetime.date | None = None,
    undecided: list[Undecided] | None = None,
    anchor: str = ".",
    inherited: set[Finding] | None = None,
) -> tuple[list[Finding], dict[str, list[str]]]:
    """Every rule on every unit it applies to. Returns the findings and, per rule ID, the
    units that had something in its scope (for the scorecard and test reports); the checks
    that could not decide are added to ``undecided``, the findings located on a value their
    resource inherits (outside the resource) to ``inherited``."""
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
                finding = _to_finding(cls, violation, severity, anchor)
                if violation.resource is not None and finding.resource == (
                    violation.resource.local_name if violation.resource.module else None
                ):
                    shared.add(finding, violation.resource, unit)
                else:
                    findings.append(finding)
                    if inherited is not None and _inherited(finding, violation.resource):
                        inherited.add(finding)
    findings.extend(shared.findings())
    return findings, applied


def _inherited(finding: Finding, resource: Resource | None) -> bool:
    """Whether the finding sits outside its resource, on a value the resource inherits
    (SAM ``Globals``)."""
    if resource is None or finding.path != resource.path:
        return False
    span = resource.span
    return finding.line < span.line or finding.line > span.end_line


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
    anchor: str = ".",
) -> tuple[list[Finding], dict[str, list[str]]]:
    """Every rule's repository check, once. Returns the findings and, per rule ID, the
    repository root when the rule applied to it."""
    findings: list[Finding] = []
    applied: dict[str, list[str]] = {}
    for cls in rules:
        rule = cls()
        severity, options = _severity_and_options(cls, config)
        ctx = RepositoryContext(
            options=options, root=root, today=today or datetime.date.today(), kpis=config.kpis
        )
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
        findings.extend(_to_finding(cls, v, severity, anchor) for v in violations)
    return findings, applied


def _in_scope(finding: Finding, found: Discovery, scanned: Sequence[str], top: str) -> bool:
    """Whether a finding is about what was scanned: a named file, or a path in a scanned
    folder. With files named (pre-commit), the engine's own failures on the module folder
    holding one of them (a parser or rule error) count too, and those of a repository rule
    on the repository root ``top``."""
    path = finding.path
    named = found.explicit_files or set()
    if path in named or any(_inside(path, given) for given in scanned):
        return True
    if finding.practice_id:
        return False
    if path == top:
        return True
    prefix = path.rstrip("/") + "/"
    return any(name.startswith(prefix) or (path == "." and "/" not in name) for name in named)


def _inside(path: str, folder: str) -> bool:
    """Whether display path ``path`` is ``folder`` or below it."""
    relative = relative_to(path, folder)
    return relative != ".." and not relative.startswith("../")


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
    cwd = os.getcwd()
    base = display_path(config.folder, cwd) if config.folder else None
    found = discover(paths, config.exclude, base=base, max_file_size=config.max_file_size)
    scanned_paths = [display_path(p, cwd) for p in paths or ["."]]
    folders = [p for p in scanned_paths if os.path.isdir(p)]
    selected = select_rules(registry, config)
    repo_rules = [rule for rule in selected if _checks_repository(rule)]
    top = repository_root(paths, config, cwd) if repo_rules else scan_root(paths, cwd)
    whole = found
    if repo_rules and top not in folders:
        # repository rules see the whole repository, whatever part of it is scanned
        # (files named on the command line are read even where git ignores them)
        whole = discover(
            [top, *sorted(found.explicit_files or ())],
            config.exclude,
            base=base,
            max_file_size=config.max_file_size,
        )
    parsed = parse_all(build_tasks(whole, config, top), jobs or os.cpu_count() or 1)
    if any(u.path.endswith(".json") and u.framework == "terraform" for u in parsed):
        from opslint.parsers.terraform_plan import attach_plans

        parsed = attach_plans(parsed)
    repository = None
    if repo_rules or any(u.framework == "cloudformation" for u in parsed):
        from opslint.aws.stack_tags import with_stack_tags

        repository = build_repository(whole, parsed, top)
        parsed = with_stack_tags(parsed, repository)
        repository = replace(repository, units=tuple(parsed))
    scanned = {*found.modules, *found.templates, *(s.template for s in found.cdk_stacks)}
    units = [u for u in parsed if u.path in scanned]
    # a part of a repository is judged as in the whole: a module scanned here and called from
    # elsewhere in the work tree is judged through its callers, and the findings outside the
    # scanned paths are dropped below (_in_scope)
    judged = parsed if whole is not found else units
    today = today or datetime.date.today()
    undecided: list[Undecided] = []
    called = {folder for unit in judged for folder in unit.called}
    inherited: set[Finding] = set()
    findings, applied = run_rules(
        judged, selected, config, root, today, undecided, anchor=top, inherited=inherited
    )
    if repo_rules:
        repository = repository or build_repository(whole, parsed, top)
        more, repo_applied = run_repository_rules(
            repository, repo_rules, config, root, today, anchor=top
        )
        findings.extend(more)
        for rule_id, where in repo_applied.items():
            applied.setdefault(rule_id, []).extend(where)
    external = checkov.collect(paths, found, units, selected, config) if checkov else None
    if external is not None:
        findings.extend(external.findings)
        for rule_id, where in external.applied.items():
            applied.setdefault(rule_id, []).extend(w for w in where if w not in applied[rule_id])
    diagnostics = {
        *found.diagnostics,
        *whole.diagnostics,
        *(d for u in units for d in u.diagnostics),
    }
    for diagnostic in sorted(diagnostics, key=lambda d: (d.path, d.line or 0, d.message)):
        findings.append(
            engine_finding(diagnostic.code, diagnostic.path, diagnostic.message, diagnostic.line)
        )
    practice_ids = {p.id for p in catalog}
    rule_ids = set(registry.ids())

    def is_known_id(selector: str) -> bool:
        return selector in rule_ids or is_known_selector(selector, {}, practice_ids)

    findings, suppressed, problems = apply_suppressions(
        findings,
        judged,
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
    if whole is not found or found.explicit_files is not None:
        findings = [f for f in findings if _in_scope(f, found, scanned_paths, top)]
        suppressed = [f for f in suppressed if _in_scope(f, found, scanned_paths, top)]
    # after suppressions: a suppression on one of the resources still takes its finding out
    findings = merge_colocated((f, f in inherited) for f in findings)
    baselined: list[Finding] = []
    stale: list[BaselineEntry] = []
    if baseline is not None:
        findings, baselined, stale = apply_baseline(findings, baseline)

    def ordered(items: list[Finding]) -> tuple[Finding, ...]:
        return tuple(sorted(set(items), key=lambda f: f.sort_key))

    active = ordered(findings)
    files = {f for u in units for f in u.files}
    outside = {u.path for u in judged} - {u.path for u in units}  # judged only as context
    applied = {
        rule_id: [p for p in where if p not in outside] for rule_id, where in applied.items()
    }
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
        scope={rule_id: tuple(where) for rule_id, where in sorted(applied.items()) if where},
        unit_files={u.path: u.files for u in units},
        undecided=tuple(
            sorted(
                u
                for u in set(undecided)
                if (found.explicit_files is None or u.path in found.explicit_files)
                and (whole is found or any(_inside(u.path, g) for g in scanned_paths))
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
