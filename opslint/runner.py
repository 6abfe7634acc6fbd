"""Run selected rules over parsed units and build the one result every reporter renders."""

from __future__ import annotations

import datetime
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from opslint import __version__
from opslint.baseline import BaselineEntry, apply_baseline, read_baseline
from opslint.catalog import Catalog, load_catalog
from opslint.config import Config, is_known_selector, is_selected
from opslint.directives import scan_text
from opslint.discover import (
    Discovery,
    ci_references,
    discover,
    display_path,
    repository_kind,
)
from opslint.model import (
    Diagnostic,
    Finding,
    Repository,
    Severity,
    Unit,
    display_of,
    fingerprint,
    relative_to,
    to_path,
)
from opslint.registry import Registry
from opslint.rule import Context, RepositoryContext, Rule, Violation
from opslint.suppress import apply_suppressions

ENGINE_SEVERITY = {
    "parse-error": Severity.ERROR,
    "io-error": Severity.ERROR,
    "rule-error": Severity.ERROR,
    "symlink-loop": Severity.WARNING,
    "unknown-suppression": Severity.WARNING,
    "suppression-without-reason": Severity.WARNING,
    "expired-suppression": Severity.WARNING,
    "invalid-suppression": Severity.WARNING,
    "unused-suppression": Severity.NOTE,
}
PARALLEL_MIN_FILES = 24
"""Below this many files, parsing in one process beats starting workers."""


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
            "summary": self.summary(),
        }


# --- parsing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParseTask:
    framework: str
    path: str
    files: tuple[str, ...] = ()
    var_files: tuple[str, ...] = ()


def parse_task(task: ParseTask) -> Unit | None:
    """Parse one module or template; never raises (a failure becomes a diagnostic)."""
    try:
        if task.framework == "terraform":
            from opslint.parsers.terraform import parse_module

            unit: Unit | None = parse_module(task.path, task.files, task.var_files)
        elif task.framework == "cdk":
            from opslint.parsers.cdk import parse_stack

            unit = parse_stack(task.path, task.files[0])
        else:
            unit = _parse_template_file(task.path)
        return unit
    except Exception as exc:  # a parser bug must not hide other files' findings
        return Unit(
            framework="terraform" if task.framework == "terraform" else "cloudformation",
            path=task.path,
            resources=(),
            files=task.files if task.framework == "terraform" else (task.path,),
            diagnostics=(
                Diagnostic(task.path, f"internal parser error: {type(exc).__name__}: {exc}"),
            ),
        )


def _parse_template_file(path: str) -> Unit | None:
    from opslint.parsers.cloudformation import looks_like_template, parse_template

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return Unit(
            framework="cloudformation",
            path=path,
            resources=(),
            files=(path,),
            diagnostics=(Diagnostic(path, f"cannot read: {exc.strerror}", code="io-error"),),
        )
    text = data.decode("utf-8", errors="replace")
    if not looks_like_template(text):
        return None
    unit = parse_template(path, text)
    return None if unit is None else replace(unit, directives=tuple(scan_text(path, text)))


def _parse_tasks(tasks: list[ParseTask]) -> Iterator[Unit | None]:
    return (parse_task(t) for t in tasks)


def parse_all(tasks: Sequence[ParseTask], jobs: int) -> list[Unit]:
    """Parse every task, in parallel across ``jobs`` processes for large trees; the result
    order follows ``tasks`` so output stays deterministic."""
    file_count = sum(max(1, len(t.files)) for t in tasks)
    if jobs <= 1 or len(tasks) < 2 or file_count < PARALLEL_MIN_FILES:
        results: Iterable[Unit | None] = _parse_tasks(list(tasks))
    else:
        if any(t.framework == "terraform" for t in tasks):
            # load the HCL grammar once before forking so workers inherit it
            from opslint.parsers.terraform import warm_up

            warm_up()
        workers = min(jobs, len(tasks))
        chunk = max(1, len(tasks) // (workers * 8))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(parse_task, tasks, chunksize=chunk))
    return [u for u in results if u is not None]


# --- rules ---------------------------------------------------------------------------------


def select_rules(registry: Registry, config: Config) -> list[type[Rule]]:
    chosen = []
    for rule in registry:
        settings = config.rules.get(rule.id)
        if settings is not None and settings.enabled is False:
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
    # one CDK construct may be deployed in several stacks: its path tells them apart
    identity = resource.construct or resource.name
    return Finding(
        rule_id=rule.id,
        practice_id=rule.practice(),
        related_practices=rule.related,
        severity=severity,
        path=resource.path,
        line=span.line,
        end_line=span.end_line,
        message=violation.message,
        resource=resource.name,
        resource_type=resource.type,
        framework=resource.framework,
        fingerprint=fingerprint(rule.id, relative_to(resource.path, anchor), identity, detail),
        construct_path=resource.construct,
    )


def engine_finding(
    code: str, path: str, message: str, line: int | None = None, resource: str = ""
) -> Finding:
    rule_id = f"opslint/{code}"
    at = line or 1
    return Finding(
        rule_id=rule_id,
        practice_id="",
        severity=ENGINE_SEVERITY.get(code, Severity.ERROR),
        path=path,
        line=at,
        end_line=at,
        message=message,
        resource=resource,
        fingerprint=fingerprint(rule_id, path, resource, message),
    )


def run_rules(
    units: Sequence[Unit],
    rules: Sequence[type[Rule]],
    config: Config,
    root: str = ".",
    today: datetime.date | None = None,
    anchor: str = ".",
) -> tuple[list[Finding], dict[str, list[str]]]:
    """Every rule on every unit it applies to. Returns the findings and, per rule ID, the
    units that had something in its scope (for the scorecard and test reports)."""
    findings: list[Finding] = []
    applied: dict[str, list[str]] = {}
    instances = [(cls, cls()) for cls in rules]
    for unit in units:
        for cls, rule in instances:
            severity, options = _severity_and_options(cls, config)
            ctx = Context(
                unit=unit, options=options, root=root, today=today or datetime.date.today()
            )
            try:
                if rule.applies_to(unit):
                    applied.setdefault(cls.id, []).append(unit.path)
                violations = list(rule.check_unit(unit, ctx))
            except Exception as exc:  # a broken rule must not stop the run
                findings.append(
                    engine_finding(
                        "rule-error",
                        unit.path,
                        f"rule {cls.id} failed on this unit: {type(exc).__name__}: {exc}",
                        resource=_failing_resource(exc),
                    )
                )
                continue
            findings.extend(_to_finding(cls, v, severity, anchor) for v in violations)
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
    anchor: str = ".",
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
                    resource=_failing_resource(exc),
                )
            )
            continue
        findings.extend(_to_finding(cls, v, severity, anchor) for v in violations)
    return findings, applied


def tracked_files(root: str) -> tuple[str, ...] | None:
    """Display paths of the files git tracks below ``root``; None when ``root`` is not in a
    git work tree, git is missing or too slow."""
    from opslint.worktree import git

    output = git(root, "ls-files", "-z")
    if output is None:
        return None
    names = output.decode("utf-8", errors="surrogateescape").split("\0")
    return tuple(sorted(display_of(name, root) for name in names if name))


def scan_root(paths: Sequence[str], cwd: str | None = None) -> str:
    """The folder a scan looks at: the one folder given, else the working directory."""
    cwd = cwd or os.getcwd()
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return display_path(paths[0], cwd)
    return "."


def repository_root(paths: Sequence[str], config: Config, cwd: str | None = None) -> str:
    """The folder repository rules look at, as a display path: the configured
    ``repository-root``, else the git work tree holding the scanned paths, else the scan
    root."""
    from opslint.worktree import common_folder, work_tree_root

    cwd = cwd or os.getcwd()
    if config.repository_root:
        return display_path(config.repository_root, cwd)
    top = work_tree_root(common_folder(paths))
    return display_path(top, cwd) if top else scan_root(paths, cwd)


def build_repository(found: Discovery, units: Sequence[Unit], root: str) -> Repository:
    """The repository view: git's tracked files, repository files and units."""
    contents: dict[str, str] = {}
    for path in found.repository_files:
        text = _read_text(path)
        if text is not None:
            contents[path] = text
    for path in found.repository_files:
        if repository_kind(relative_to(path, root)) != "ci":
            continue
        for reference in ci_references(contents.get(path, "")):
            shown = display_of(reference, root)
            if shown not in contents and os.path.isfile(shown):
                text = _read_text(shown)
                if text is not None:
                    contents[shown] = text
    return Repository(
        root=root,
        files=tuple(found.repository_files),
        units=tuple(units),
        tracked=tracked_files(root),
        contents=contents,
    )


def _read_text(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(1_000_000).decode("utf-8", errors="replace")
    except OSError:
        return None


def _failing_resource(exc: BaseException) -> str:
    """The resource a rule was looking at when it raised, from the traceback's frames."""
    from opslint.model import Resource

    tb = exc.__traceback__
    name = ""
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, Resource):
                name = value.name
        tb = tb.tb_next
    return name


def scorecard(
    catalog: Catalog,
    registry: Registry,
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
        rule_ids = tuple(r.id for r in registry if practice.id in r.practices())
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


def build_tasks(found: Discovery, config: Config) -> list[ParseTask]:
    tasks = []
    for directory, files in sorted(found.modules.items()):
        if not any(f.endswith((".tf", ".tf.json")) for f in files):
            continue  # only .tfvars here: not a module
        tasks.append(ParseTask("terraform", directory, tuple(files), config.var_files))
    tasks.extend(ParseTask("cloudformation", path) for path in found.templates)
    tasks.extend(ParseTask("cdk", s.template, (s.assembly,)) for s in found.cdk_stacks)
    return tasks


def run(
    paths: Sequence[str],
    registry: Registry,
    config: Config,
    *,
    jobs: int | None = None,
    root: str = ".",
    today: datetime.date | None = None,
) -> Result:
    """The whole pipeline: discover, parse, check, suppress, baseline, aggregate."""
    catalog = load_catalog()
    baseline = read_baseline(config.baseline) if config.baseline else None
    cwd = os.getcwd()
    base = display_path(config.folder, cwd) if config.folder else None
    found = discover(paths, config.exclude, base=base)
    scanned_paths = [display_path(p, cwd) for p in paths or ["."]]
    folders = [p for p in scanned_paths if os.path.isdir(p)]
    selected = select_rules(registry, config)
    repo_rules = [rule for rule in selected if _checks_repository(rule)]
    top = repository_root(paths, config, cwd) if repo_rules else scan_root(paths, cwd)
    whole = found
    if repo_rules and top not in folders:
        # repository rules see the whole repository, whatever part of it is scanned
        # (files named on the command line are read even where git ignores them)
        whole = discover([top, *sorted(found.explicit_files or ())], config.exclude, base=base)
    parsed = parse_all(build_tasks(whole, config), jobs or os.cpu_count() or 1)
    scanned = {*found.modules, *found.templates, *(s.template for s in found.cdk_stacks)}
    units = [u for u in parsed if u.path in scanned]
    today = today or datetime.date.today()
    findings, applied = run_rules(units, selected, config, root, today, anchor=top)
    if repo_rules:
        repository = build_repository(whole, parsed, top)
        more, repo_applied = run_repository_rules(
            repository, repo_rules, config, root, today, anchor=top
        )
        findings.extend(more)
        for rule_id, where in repo_applied.items():
            applied.setdefault(rule_id, []).extend(where)
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
        units,
        config,
        [r.id for r in selected],
        is_known_id,
        lambda code, path, message, line: engine_finding(code, path, message, line),
        today,
        root,
    )
    findings.extend(problems)
    if whole is not found or found.explicit_files is not None:
        findings = [f for f in findings if _in_scope(f, found, scanned_paths, top)]
        suppressed = [f for f in suppressed if _in_scope(f, found, scanned_paths, top)]
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
    )


__all__ = ["PracticeResult", "Result", "run"]
