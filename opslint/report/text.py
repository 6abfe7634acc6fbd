"""``--format text``: ``path:line: severity rule-id message [resource]``, grouped by file,
coloured on a terminal, with a closing summary by severity and by practice."""

from __future__ import annotations

from itertools import groupby

from opslint import sanitize
from opslint.model import Severity
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


def render(result: Result, options: ReportOptions) -> str:
    color = options.color

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if color else text

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
        if color:
            lines.append("")
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
