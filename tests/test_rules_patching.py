"""Date-dependent behaviour of OPS05-BP05/lambda-runtime-supported: fixtures run on the real
date, so severities and boundaries are checked here with explicit dates."""

from __future__ import annotations

import pytest
from conftest import lint_findings

from opslint.model import Finding, Severity

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


def check(runtime: str, today: str, notice_days: int = 180) -> list[Finding]:
    files = {"main.tf": TEMPLATE.format(runtime=runtime)}
    return lint_findings(files, RULE_ID, as_of=today, notice_days=notice_days)


def severities(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.resource, f.severity) for f in findings]


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
    runtime: str, today: str, expected: Severity | None, phrase: str
) -> None:
    violations = check(runtime, today)
    if expected is None:
        assert violations == []
        return
    assert severities(violations) == [
        ("aws_lambda_function.fn", expected),
        ("aws_lambda_layer_version.layer", Severity.NOTE),
    ]
    assert phrase in violations[0].message
    assert f"`{runtime}`" in violations[0].message


def test_notice_days_option() -> None:
    # python3.13 is deprecated on 2029-06-30
    assert check("python3.13", "2026-11-24") == []
    noticed = check("python3.13", "2026-11-24", notice_days=3650)
    assert severities(noticed)[0] == ("aws_lambda_function.fn", Severity.NOTE)
    assert "plan the upgrade" in noticed[0].message


def test_unknown_runtime_identifier_is_not_reported() -> None:
    assert check("python9.99", "2026-11-24") == []
