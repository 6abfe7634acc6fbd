"""``--format json``: the stable contract documented in ``docs/json-output.md``."""

from __future__ import annotations

from opslint import sanitize
from opslint.report import ReportOptions
from opslint.result import Result

SCHEMA_VERSION = 1


def render(result: Result, options: ReportOptions) -> str:
    document = {"schema_version": SCHEMA_VERSION, **result.to_dict()}
    return sanitize.json_text(document) + "\n"
