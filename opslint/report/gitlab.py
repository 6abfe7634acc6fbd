"""``--format gitlab``: a GitLab Code Quality report, the JSON array merge requests show
(``artifacts: reports: codequality``).

Each finding is an issue with ``description``, ``check_name`` (the rule ID), ``fingerprint``
(opslint's, which survives moved lines; made unique within the report), ``severity``
(``critical`` for errors, ``major`` for warnings, ``minor`` for notes) and ``location``
(``path`` and ``lines.begin``/``lines.end``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from opslint.model import Severity
from opslint.report import ReportOptions
from opslint.result import Result

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.NOTE: "minor"}


def render(result: Result, options: ReportOptions) -> str:
    issues: list[dict[str, Any]] = []
    seen: set[str] = set()
    for finding in result.findings:
        fingerprint = finding.fingerprint
        if fingerprint in seen:  # GitLab keeps one issue per fingerprint
            unique = f"{fingerprint}\x1f{finding.line}\x1f{finding.message}"
            fingerprint = hashlib.sha256(unique.encode("utf-8")).hexdigest()[:32]
        seen.add(fingerprint)
        resource = f" [{finding.resource}]" if finding.resource else ""
        issues.append(
            {
                "type": "issue",
                "check_name": finding.rule_id,
                "description": f"{finding.rule_id}: {finding.message}{resource}",
                "categories": ["Style"] if finding.practice_id else ["Bug Risk"],
                "fingerprint": fingerprint,
                "severity": SEVERITIES[finding.severity],
                "location": {
                    "path": finding.path,
                    "lines": {"begin": finding.line, "end": finding.end_line},
                },
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
