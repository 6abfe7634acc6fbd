"""``--format json``: the stable contract documented in ``docs/json-output.md``."""

from __future__ import annotations

import json

from opslint.report import ReportOptions
from opslint.result import Result

SCHEMA_VERSION = 1


def render(result: Result, options: ReportOptions) -> str:
    document = {"schema_version": SCHEMA_VERSION, **result.to_dict()}
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
