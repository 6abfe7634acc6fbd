"""Suppressions: inline ``opslint:ignore`` directives, CloudFormation ``Metadata``, and
configuration exceptions.

Forms (every one takes rule IDs, practice IDs or groups, a reason after ``--`` and an
optional ``until=YYYY-MM-DD``):

* ``# opslint:ignore OPS08-BP02/log-group-retention -- kept forever for audit`` (also ``//``
  and ``/* */``; a Terraform JSON ``"//"`` key) on the line above a block or inside it: the
  whole block; after code on an attribute's line: findings on that attribute;
* ``# opslint:ignore-file OPS04 -- reason`` among a file's first comment lines: the file;
* CloudFormation ``Metadata: {opslint: {ignore: [{id: ..., reason: ..., until: ...}]}}``;
* configuration ``exceptions: [{path: glob, rule: ..., reason: ..., until: ...}]``.

Problems with suppressions are findings themselves (``opslint/unknown-suppression``,
``opslint/unused-suppression``, ``opslint/suppression-without-reason``,
``opslint/expired-suppression``, ``opslint/invalid-suppression``) so stale or careless ones
surface in review.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from opslint.config import Config, selector_specificity
from opslint.discover import Excluder, display_path
from opslint.model import Directive, Finding, Resource, Suppression, Unit


def metadata_directives(resource: Resource) -> list[Directive]:
    """Directives in a CloudFormation resource's ``Metadata.opslint.ignore`` list."""
    entries = resource.get_meta("Metadata.opslint.ignore")
    if not isinstance(entries, list):
        return []
    directives = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        raw = entry.get("id", entry.get("ids", ()))
        ids = tuple(raw) if isinstance(raw, list) else (str(raw),) if raw else ()
        reason = entry.get("reason")
        until = entry.get("until")
        directives.append(
            Directive(
                path=resource.path,
                line=resource.meta_location(("Metadata", "opslint", "ignore", index)).line,
                ids=tuple(str(i) for i in ids),
                reason=reason.strip() if isinstance(reason, str) else "",
                until=str(until) if until is not None else None,
                resource=resource.name,
            )
        )
    return directives


# --- applying them ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    path: str
    resources: frozenset[str] | None = None
    """None: the whole file. Several when one written block made them (a CDK construct)."""
    line: int | None = None
    """Set: only findings whose lines include it (an attribute's line)."""
    local: frozenset[str] = frozenset()
    """Called modules' resources: their names inside their module (how findings no caller
    decided name them)."""

    def covers(self, finding: Finding) -> bool:
        if finding.path != self.path:
            return False
        if self.resources is None:
            return True
        named = finding.resource in self.resources or finding.resource in self.local
        # above a module call or nested stack: also the findings its arguments decided
        calls = tuple(f"{r}{sep}" for r in self.resources for sep in "./")
        if not named and not finding.resource.startswith(calls):
            return False
        return self.line is None or finding.line <= self.line <= finding.end_line


@dataclass
class _Active:
    """A suppression that may silence findings, and what it did."""

    ids: tuple[str, ...]
    suppression: Suppression
    covers: Callable[[Finding], bool]
    where: tuple[str, int]
    used: set[str]


EngineFinding = Callable[[str, str, str, int], Finding]


def _scope_of(directive: Directive, resources: Sequence[Resource]) -> _Scope | None:
    if directive.file_level:
        return _Scope(directive.path)
    if directive.resource:
        return _Scope(directive.path, frozenset({directive.resource}))
    in_file = [r for r in resources if r.path == directive.path]
    containing = [r for r in in_file if r.span.line <= directive.line <= r.span.end_line]
    if containing:
        resource = min(containing, key=lambda r: r.span.end_line - r.span.line)
        # one line of a CDK app makes several resources (a function and its role)
        names = frozenset(r.name for r in containing if r.span == resource.span)
        local = frozenset(r.local_name for r in containing if r.span == resource.span)
        if directive.trailing and directive.line != resource.span.line:
            return _Scope(directive.path, names, directive.line, local)
        return _Scope(directive.path, names, local=local)
    below = [r for r in in_file if r.span.line == directive.next_code_line]
    if not below:
        return None
    return _Scope(
        directive.path,
        frozenset(r.name for r in below),
        local=frozenset(r.local_name for r in below),
    )


def _valid_until(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    return datetime.date.fromisoformat(text)


def apply_suppressions(
    findings: Sequence[Finding],
    units: Sequence[Unit],
    config: Config,
    rules_ran: Sequence[str],
    is_known_id: Callable[[str], bool],
    engine: EngineFinding,
    today: datetime.date,
    root: str = ".",
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Split ``findings`` into (active, suppressed) and add the findings about the
    suppressions themselves (third list)."""
    problems: list[Finding] = []
    candidates: list[_Active] = []

    def admit(
        ids: tuple[str, ...],
        reason: str,
        until_text: str | None,
        where: tuple[str, int],
        kind: str,
        covers: Callable[[Finding], bool] | None,
        source: str,
    ) -> None:
        path, line = where
        try:
            until = _valid_until(until_text)
        except ValueError:
            problems.append(
                engine(
                    "invalid-suppression",
                    path,
                    f"suppression of {', '.join(ids)}: `until={until_text}` is not a date "
                    "(YYYY-MM-DD); the suppression does not apply",
                    line,
                )
            )
            return
        if not ids:
            problems.append(
                engine(
                    "invalid-suppression",
                    path,
                    "suppression names no rule, practice or group; it does not apply",
                    line,
                )
            )
            return
        known = tuple(i for i in ids if is_known_id(i))
        for unknown in (i for i in ids if not is_known_id(i)):
            problems.append(
                engine(
                    "unknown-suppression",
                    path,
                    f"`{unknown}` in this suppression is not a rule ID, practice ID or group",
                    line,
                )
            )
        if not reason and config.require_reason:
            problems.append(
                engine(
                    "suppression-without-reason",
                    path,
                    f"suppression of {', '.join(ids)} gives no reason: add `-- <why>`",
                    line,
                )
            )
        if until is not None and until < today:
            problems.append(
                engine(
                    "expired-suppression",
                    path,
                    f"suppression of {', '.join(ids)} expired on {until.isoformat()}: fix "
                    "the finding or renew the suppression with a reason",
                    line,
                )
            )
            return
        if not known:
            return
        if covers is None:
            problems.append(
                engine(
                    "unused-suppression",
                    path,
                    f"suppression of {', '.join(known)} is neither above nor inside a "
                    "resource, so it applies to nothing",
                    line,
                )
            )
            return
        suppression = Suppression(
            kind=kind,
            justification=reason,
            source=source,
            until=until.isoformat() if until else None,
        )
        candidates.append(_Active(known, suppression, covers, where, set()))

    if config.inline_suppressions:
        # A CDK app's source file serves several stacks (units): each of its directives
        # applies once, to the resources of every unit that reads the file.
        scoped: dict[Directive, list[Unit]] = {}
        for unit in units:
            directives = list(unit.directives)
            for resource in unit.resources:
                directives.extend(metadata_directives(resource))
            for directive in dict.fromkeys(directives):
                scoped.setdefault(directive, []).append(unit)
        for directive, readers in scoped.items():
            where = (directive.path, directive.line)
            if directive.misplaced:
                problems.append(
                    engine(
                        "unused-suppression",
                        directive.path,
                        "`opslint:ignore-file` works only among the file's first comment "
                        "lines; this one applies to nothing",
                        directive.line,
                    )
                )
                continue
            scope = _scope_of(directive, [r for u in readers for r in u.resources])
            admit(
                directive.ids,
                directive.reason,
                directive.until,
                where,
                "inSource",
                scope.covers if scope else None,
                f"{directive.path}:{directive.line}",
            )
    config_path = display_path(config.source_path or ".opslint.yaml", os.getcwd())
    # exception paths are relative to the configuration file's folder
    shown_root = display_path(config.folder or root, os.getcwd())
    for exception in config.exceptions:
        excluder = Excluder([exception.path], shown_root)

        def covers(finding: Finding, excluder: Excluder = excluder) -> bool:
            return excluder.excluded(finding.path, shown_root)

        admit(
            exception.rules,
            exception.reason,
            exception.until,
            (config_path, 1),
            "external",
            covers,
            config_path,
        )

    active: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        match = None
        if finding.practice_id:  # engine findings cannot be silenced
            for candidate in candidates:
                hits = [i for i in candidate.ids if selector_specificity(i, finding.rule_id)]
                if hits and candidate.covers(finding):
                    candidate.used.update(hits)
                    match = candidate
                    break
        if match is None:
            active.append(finding)
        else:
            suppressed.append(replace(finding, suppression=match.suppression))
    for candidate in candidates:
        for selector in candidate.ids:
            if selector in candidate.used:
                continue
            if not any(selector_specificity(selector, rule_id) for rule_id in rules_ran):
                continue  # its rules did not run: we cannot tell whether it is stale
            path, line = candidate.where
            problems.append(
                engine(
                    "unused-suppression",
                    path,
                    f"suppression of `{selector}` matched no finding: remove it",
                    line,
                )
            )
    return active, suppressed, problems


__all__ = ["apply_suppressions", "metadata_directives"]
