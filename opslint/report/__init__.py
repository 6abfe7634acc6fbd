"""Reporters: each renders one :class:`~opslint.result.Result`; none re-derives anything.

A reporter is a module in this package with ``render(result, options) -> str``; register it
in :data:`REPORTERS` (module name by format). Modules are imported only when their format is
asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from opslint.result import Result

REPORTERS: dict[str, str] = {
    "text": "opslint.report.text",
    "json": "opslint.report.json",
    "sarif": "opslint.report.sarif",
    "github": "opslint.report.github",
    "markdown": "opslint.report.markdown",
    "junit": "opslint.report.junit",
    "gitlab": "opslint.report.gitlab",
    "html": "opslint.report.html",
}
FORMATS = tuple(REPORTERS)


@dataclass(frozen=True)
class ReportOptions:
    """What a reporter may need beyond the result."""

    color: bool = False
    sarif_category: str | None = None
    link_base: str | None = None
    """Where Markdown and HTML links to findings point: ``https://github.com/OWNER/REPO/blob/SHA/``."""
    show_source: bool = False
    """Text: the offending source lines under each finding."""
    show_fix: bool = False
    """Text: how to fix, from the rule's documentation, under each finding."""
    quiet: bool = False
    """Text: findings only, no summary."""


def render(result: Result, fmt: str, options: ReportOptions | None = None) -> str:
    module = importlib.import_module(REPORTERS[fmt])
    text: str = module.render(result, options or ReportOptions())
    return text
