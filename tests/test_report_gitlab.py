"""``--format gitlab``: GitLab Code Quality JSON."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, REPO

from opslint.cli import main
from opslint.model import Finding, Severity
from opslint.report import render
from opslint.result import Result

LOG_FAIL = FIXTURES / "OPS08-BP02/log-group-retention/terraform-fail"
MAIN_TF = "fixtures/OPS08-BP02/log-group-retention/terraform-fail/main.tf"


def test_cli_writes_code_quality_issues(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    code = main(
        ["check", str(LOG_FAIL.relative_to(REPO)), "--select", "OPS08-BP02", "-f", "gitlab"]
    )
    assert code == 1
    issues = json.loads(capsys.readouterr().out)
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]) for i in issues] == [
        ("OPS08-BP02/log-group-retention", MAIN_TF, {"begin": begin, "end": end})
        for begin, end in ((7, 9), (13, 13), (18, 18), (23, 23))
    ]
    first = issues[0]
    assert first["severity"] == "major" and first["type"] == "issue"
    assert first["description"] == (
        "OPS08-BP02/log-group-retention: Log group `aws_cloudwatch_log_group.app` never "
        "expires: set `retention_in_days` (e.g. 30) [aws_cloudwatch_log_group.app]"
    )
    assert len({i["fingerprint"] for i in issues}) == 4


def test_severities_and_unique_fingerprints() -> None:
    findings = tuple(
        Finding("R/x", "OPS08-BP02", severity, "a.tf", line, line, "m", fingerprint="same")
        for line, severity in ((1, Severity.ERROR), (2, Severity.WARNING), (3, Severity.NOTE))
    )
    result = Result(findings=findings, practices=(), rules=(), files=1, units=1)
    issues = json.loads(render(result, "gitlab"))
    assert [i["severity"] for i in issues] == ["critical", "major", "minor"]
    assert len({i["fingerprint"] for i in issues}) == 3
    assert json.loads(render(Result((), (), (), 0, 0), "gitlab")) == []
