"""``--format sarif``."""

from __future__ import annotations

from opslint.report import ReportOptions
from opslint.runner import Result


def render(result: Result, options: ReportOptions) -> str:
    raise NotImplementedError("--format sarif is being built")
