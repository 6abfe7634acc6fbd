"""``--format text``: ``path:line: severity rule-id message [resource]``, grouped by file,
coloured on a terminal, with the offending source lines underlined (``--show-source``, the
default on a terminal), the fix on request (``--show-fix``) and a closing summary by severity
and by practice (not with ``--quiet``)."""

from __future__ import annotations

from collections import Counter
from functools import cache
from itertools import groupby

from opslint import sanitize
from opslint.model import Finding, Severity
from opslint.report import ReportOptions
from opslint.result import Result

COLORS = {
    Severity.ERROR: "\033[31m",
    Severity.WARNING: "\033[33m",
    Severity.NOTE: "\033[36m",
}
BOLD = "\033[1m"
DIM = "\033[2m"
RESET = "\033[0m"
SOURCE_LINES = 5
"""At most this many lines of a finding's span are shown."""


def render(result: Result, options: ReportOptions) -> str:
    color = options.color

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    fixes = {rule.id: rule.docs.fix for rule in result.rules}
    _lines.cache_clear()  # files may have changed since the last report of this process
    lines: list[str] = []
    for path, group in groupby(result.findings, key=lambda f: f.path):
        if color:
            lines.append(paint(sanitize.path(path), BOLD))
        for finding in group:
            resource = f" [{sanitize.escape(finding.resource_label)}]" if finding.resource else ""
            rule_id, message = sanitize.escape(finding.rule_id), sanitize.escape(finding.message)
            lines.append(
                f"{sanitize.path(finding.path)}:{finding.line}: "
                f"{paint(finding.severity.value, COLORS[finding.severity])} "
                f"{paint(rule_id, BOLD)} {message}"
                f"{paint(resource, DIM)}"
            )
            if options.show_source:
                lines.extend(_source(finding, COLORS[finding.severity] if color else ""))
            if options.show_fix and finding.rule_id in fixes:
                lines.append(f"  {paint('fix:', BOLD)} {fixes[finding.rule_id]}")
            if options.show_source or options.show_fix:
                lines.append("")
        if color and not (options.show_source or options.show_fix):
            lines.append("")
    if options.quiet:
        return "\n".join(lines) + "\n" if lines else ""
    if lines and lines[-1] != "":
        lines.append("")
    counts = result.counts()
    total = len(result.findings)
    noun = "finding" if total == 1 else "findings"
    parts = ", ".join(f"{counts[s.value]} {s.value}" for s in Severity)
    lines.append(
        f"{total} {noun} ({parts}) in {_count(result.files, 'file')}, "
        f"{_count(result.units, 'unit')}, {_count(len(result.rules), 'rule')}"
    )
    accepted = []
    if result.suppressed:
        accepted.append(f"{len(result.suppressed)} suppressed")
    if result.baseline is not None:
        accepted.append(f"{len(result.baselined)} in the baseline")
    if accepted:
        lines.append("Not reported: " + ", ".join(accepted) + " (see --format json)")
    reasons = Counter(why for _, _, why in result.not_followed)
    for why, number in sorted(reasons.items()):
        calls = _count(number, "module call")
        if why.startswith("registry or remote module"):
            lines.append(
                f"{calls} not followed: run `terraform init` to let opslint follow "
                f"{'it' if number == 1 else 'them'} (registry or remote sources)"
            )
        else:
            lines.append(f"{calls} not followed: {why}")
    if result.undecided:
        lines.append(
            f"{_count(len(result.undecided), 'check')} undecided (values opslint could not resolve)"
        )
    if result.stale_baseline:
        lines.append(
            f"{len(result.stale_baseline)} baseline entries no longer occur: run "
            f"`opslint check --write-baseline {result.baseline}` to shrink it"
        )
    by_practice = result.summary()["by_practice"]
    if by_practice:
        titles = {p.id: p.title for p in result.practices}
        lines.append("By practice:")
        for practice, count in by_practice.items():
            lines.append(f"  {practice} {titles.get(practice, '')}: {count}")
    return "\n".join(lines) + "\n"


def _source(finding: Finding, colour: str) -> list[str]:
    """The finding's lines with a gutter, the first one underlined with carets (in
    ``colour``, an escape sequence or nothing)."""
    text = _lines(finding.path)
    first, last = finding.line, min(finding.end_line, finding.line + SOURCE_LINES - 1)
    if not text or first < 1 or first > len(text):
        return []
    width = len(str(last))
    shown = []
    for number in range(first, min(last, len(text)) + 1):
        line = sanitize.escape(text[number - 1].expandtabs(4))
        shown.append(f"  {number:>{width}} | {line}")
        if number == first:
            start = len(line) - len(line.lstrip())
            underline = " " * start + "^" * max(1, len(line.strip()))
            shown.append(f"  {'':>{width}} | {colour}{underline}{RESET if colour else ''}")
    if finding.end_line > last:
        shown.append(f"  {'':>{width}} | ...")
    return shown


@cache
def _lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(2_000_000).splitlines()
    except OSError:
        return []


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
