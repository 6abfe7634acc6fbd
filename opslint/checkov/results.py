"""checkov's results as plain data, read from the report dictionaries checkov writes with
``-o json`` (one framework: an object; several: a list of objects). An in-process run
produces the very same dictionaries (:mod:`opslint.checkov.scan`), so ``--checkov`` and
``--checkov-report`` share everything from here on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

FRAMEWORKS = ("terraform", "terraform_plan", "cloudformation")
"""checkov's ``check_type`` values opslint reads; others (secrets, ...) are ignored."""
STATUSES = {"failed_checks": "failed", "passed_checks": "passed", "skipped_checks": "skipped"}


class ReportError(Exception):
    """A checkov report that cannot be read (exit code 2)."""


@dataclass(frozen=True)
class CheckovResult:
    check_id: str
    status: str
    """``failed``, ``passed`` or ``skipped`` (a ``checkov:skip=`` comment)."""
    framework: str
    """checkov's check type: ``terraform``, ``terraform_plan`` or ``cloudformation``."""
    file_path: str
    """As checkov wrote it: relative to the folder it scanned, with a leading ``/``."""
    file_abs_path: str
    line: int
    end_line: int
    resource: str
    """checkov's resource: ``aws_db_instance.db``, ``module.a.aws_s3_bucket.b``,
    ``AWS::RDS::DBInstance.Database``."""
    message: str
    guideline: str = ""
    evaluated_keys: tuple[str, ...] = ()
    skip_reason: str = ""


def _result(check_type: str, status: str, raw: Any) -> CheckovResult | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("check_id"), str):
        return None
    lines = raw.get("file_line_range")
    if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(n, int) for n in lines)):
        lines = [1, 1]
    outcome = raw.get("check_result") if isinstance(raw.get("check_result"), dict) else {}
    keys = outcome.get("evaluated_keys") if isinstance(outcome, dict) else None
    comment = outcome.get("suppress_comment") if isinstance(outcome, dict) else None
    line = max(1, lines[0])
    return CheckovResult(
        check_id=raw["check_id"],
        status=status,
        framework=check_type,
        file_path=str(raw.get("file_path") or ""),
        file_abs_path=str(raw.get("file_abs_path") or ""),
        line=line,
        end_line=max(line, lines[1]),
        resource=str(raw.get("resource") or ""),
        message=str(raw.get("check_name") or raw["check_id"]),
        guideline=str(raw.get("guideline") or ""),
        evaluated_keys=tuple(str(k) for k in keys) if isinstance(keys, list) else (),
        skip_reason=str(comment or "").strip(),
    )


def results_from_reports(data: Any) -> Iterator[CheckovResult]:
    """Every result of the Terraform, plan and CloudFormation reports in ``data`` (one report
    object or a list of them, as ``checkov -o json`` writes)."""
    reports = data if isinstance(data, list) else [data]
    for report in reports:
        if not isinstance(report, dict) or report.get("check_type") not in FRAMEWORKS:
            continue  # an empty scan's summary object, or another framework
        results = report.get("results")
        if not isinstance(results, dict):
            continue
        for key, status in STATUSES.items():
            entries = results.get(key)
            for raw in entries if isinstance(entries, list) else ():
                result = _result(report["check_type"], status, raw)
                if result is not None:
                    yield result


def read_report(path: str) -> list[CheckovResult]:
    """The results of a ``checkov -o json`` report file."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ReportError(f"--checkov-report {path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ReportError(f"--checkov-report {path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"--checkov-report {path}:{exc.lineno}: not JSON ({exc.msg}); write the report "
            "with `checkov -o json`"
        ) from None
    shaped = isinstance(data, list) or (
        isinstance(data, dict) and ("check_type" in data or "checkov_version" in data)
    )
    if not shaped:
        raise ReportError(f"--checkov-report {path}: not a checkov JSON report (`checkov -o json`)")
    return list(results_from_reports(data))


__all__ = ["CheckovResult", "ReportError", "read_report", "results_from_reports"]
