"""``--format github``: one GitHub Actions workflow command per finding, so each finding
becomes an annotation on the file and lines of the pull request diff.

``::warning file=main.tf,line=7,endLine=9,title=OPS08-BP02/log-group-retention::message``

Values are escaped the way ``@actions/core`` escapes them (``escapeData`` and
``escapeProperty`` in ``packages/core/src/command.ts``) and the runner unescapes them
(``ActionCommand.UnescapeData``/``UnescapeProperty``): a message can never end the line or
start another command, and a property can never end the property list. The last line is a
plain-text summary for the job log; it does not start with ``::`` so the runner prints it
as is.
"""

from __future__ import annotations

from opslint import sanitize
from opslint.model import Finding, Severity
from opslint.report import ReportOptions
from opslint.result import Result

COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message (after ``::``): line breaks the way the runner decodes
    them, every other control character made visible (:mod:`opslint.sanitize`)."""
    encoded = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return sanitize.escape(encoded)


def escape_property(text: str) -> str:
    """Escape a property value (``file=``, ``title=``): also ``:`` and ``,``, which end
    the property list and a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding) -> str:
    """The workflow command that annotates one finding."""
    properties = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (
            ("file", finding.path),
            ("line", str(finding.line)),
            ("endLine", str(finding.end_line)),
            ("title", finding.rule_id),
        )
    )
    message = (
        f"{finding.message} [{finding.resource_label}]" if finding.resource else finding.message
    )
    return f"::{COMMANDS[finding.severity]} {properties}::{escape_data(message)}"


def render(result: Result, options: ReportOptions) -> str:
    lines = [command(finding) for finding in result.findings]
    counts = result.counts()
    total = len(result.findings)
    parts = ", ".join(f"{counts[s.value]} {s.value}" for s in Severity)
    lines.append(
        f"opslint: {total} {'finding' if total == 1 else 'findings'} ({parts}) in "
        f"{_count(result.files, 'file')}, {_count(result.units, 'unit')}, "
        f"{_count(len(result.rules), 'rule')}"
    )
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
