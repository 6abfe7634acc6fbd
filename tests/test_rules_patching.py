"""Date-dependent behaviour of OPS05-BP05/lambda-runtime-supported: fixtures run on the real
date, so severities and boundaries are checked here with explicit dates."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from opslint.config import load_config
from opslint.discover import discover
from opslint.model import Severity, Unit
from opslint.parse import build_tasks, parse_all
from opslint.registry import load_registry
from opslint.rule import Context, Rule, Violation

RULE_ID = "OPS05-BP05/lambda-runtime-supported"

TEMPLATE = """\
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  handler       = "app.handler"
  runtime       = "{runtime}"
  filename      = "fn.zip"
}}

resource "aws_lambda_layer_version" "layer" {{
  layer_name          = "layer"
  filename            = "layer.zip"
  compatible_runtimes = ["{runtime}"]
}}
"""


def rule() -> Rule:
    for cls in load_registry(entry_points=False):
        if cls.id == RULE_ID:
            return cls()
    raise AssertionError(f"{RULE_ID} is not registered")


def unit_for(tmp_path: Path, runtime: str) -> Unit:
    (tmp_path / "main.tf").write_text(TEMPLATE.format(runtime=runtime), encoding="utf-8")
    found = discover([str(tmp_path)])
    units = parse_all(build_tasks(found, load_config(None, tmp_path)), jobs=1)
    assert len(units) == 1
    return units[0]


def check(tmp_path: Path, runtime: str, today: str, notice_days: int = 180) -> list[Violation]:
    unit = unit_for(tmp_path, runtime)
    ctx = Context(
        unit=unit,
        options={"notice_days": notice_days},
        today=datetime.date.fromisoformat(today),
    )
    return list(rule().check_unit(unit, ctx))


def severities(violations: list[Violation]) -> list[tuple[str, Severity | None]]:
    return [
        (v.resource.name if v.resource else "", getattr(v, "severity", None)) for v in violations
    ]


@pytest.mark.parametrize(
    ("runtime", "today", "expected", "phrase"),
    [
        # python3.9: deprecated 2025-12-15, create blocked 2027-02-01, update 2027-03-03
        ("python3.9", "2025-06-01", None, ""),
        ("python3.9", "2025-07-01", Severity.NOTE, "deprecated on 2025-12-15"),
        ("python3.9", "2025-12-15", Severity.WARNING, "deprecated since 2025-12-15"),
        ("python3.9", "2027-02-01", Severity.ERROR, "blocked creating functions"),
        ("python3.9", "2027-03-03", Severity.ERROR, "blocked for creating and updating"),
        ("python3.13", "2026-11-24", None, ""),
        ("python3.6", "2026-11-24", Severity.ERROR, "since 2022-08-29"),
    ],
)
def test_severity_follows_the_date(
    tmp_path: Path, runtime: str, today: str, expected: Severity | None, phrase: str
) -> None:
    violations = check(tmp_path, runtime, today)
    if expected is None:
        assert violations == []
        return
    assert severities(violations) == [
        ("aws_lambda_function.fn", expected),
        ("aws_lambda_layer_version.layer", Severity.NOTE),
    ]
    assert phrase in violations[0].message
    assert f"`{runtime}`" in violations[0].message


def test_notice_days_option(tmp_path: Path) -> None:
    # python3.13 is deprecated on 2029-06-30
    assert check(tmp_path, "python3.13", "2026-11-24") == []
    noticed = check(tmp_path, "python3.13", "2026-11-24", notice_days=3650)
    assert severities(noticed)[0] == ("aws_lambda_function.fn", Severity.NOTE)
    assert "plan the upgrade" in noticed[0].message


def test_unknown_runtime_identifier_is_not_reported(tmp_path: Path) -> None:
    assert check(tmp_path, "python9.99", "2026-11-24") == []
