"""The engine's own rules (``opslint/...``) from the user's side: listed, explained, selected,
ignored and graded like any rule, and a bad ``--ignore`` blamed on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from opslint.engine_rules import ENGINE_RULES

RETENTION = "OPS08-BP02/log-group-retention"
MAIN_TF = """\
# opslint:ignore OPS08-BP02/log-group-retention
resource "aws_cloudwatch_log_group" "app" {
  name = "/app"
}

# opslint:ignore OPS08-BP02/log-group-retention -- kept while the audit runs
resource "aws_cloudwatch_log_group" "kept" {
  name              = "/kept"
  retention_in_days = 30
}

resource "aws_cloudwatch_log_group" "open" {
  name = "/open"
}
"""
BROKEN_TF = 'resource "aws_cloudwatch_log_group" "x" {\n'  # reported at line 1: not closed


def opslint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opslint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)},
        check=False,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(MAIN_TF, encoding="utf-8")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "main.tf").write_text(BROKEN_TF, encoding="utf-8")
    return tmp_path


def findings(done: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int, str]]:
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    return [(f["rule_id"], f["path"], f["line"], f["severity"]) for f in report["findings"]]


ALL = [
    ("opslint/suppression-without-reason", "main.tf", 1, "warning"),
    ("opslint/unused-suppression", "main.tf", 6, "note"),
    (RETENTION, "main.tf", 12, "warning"),
    ("opslint/parse-error", "broken/main.tf", 1, "error"),
]


def test_engine_findings_report_by_default_even_with_a_select(repo: Path) -> None:
    got = findings(opslint("check", "--format", "json", "--select", RETENTION, cwd=repo))
    assert sorted(got) == sorted(ALL)


def test_configured_ignore_of_an_engine_rule(repo: Path) -> None:
    (repo / ".opslint.yaml").write_text(
        "ignore: [opslint/unused-suppression, opslint/suppression-without-reason]\n",
        encoding="utf-8",
    )
    got = findings(opslint("check", "--format", "json", "--select", RETENTION, cwd=repo))
    assert sorted(got) == sorted(
        [
            (RETENTION, "main.tf", 12, "warning"),
            ("opslint/parse-error", "broken/main.tf", 1, "error"),
        ]
    )


def test_command_line_ignore_and_the_opslint_group(repo: Path) -> None:
    base = ("check", "--format", "json", "--select", RETENTION)
    got = findings(opslint(*base, "--ignore", "opslint/parse-error", cwd=repo))
    assert sorted(got) == sorted(f for f in ALL if f[0] != "opslint/parse-error")
    got = findings(opslint(*base, "--ignore", "opslint", cwd=repo))
    assert got == [(RETENTION, "main.tf", 12, "warning")]


def test_select_an_engine_rule_alone(repo: Path) -> None:
    got = findings(
        opslint("check", "--format", "json", "--select", "opslint/parse-error", cwd=repo)
    )
    assert got == [("opslint/parse-error", "broken/main.tf", 1, "error")]


def test_configured_severity_and_enabled(repo: Path) -> None:
    (repo / ".opslint.yaml").write_text(
        "rules:\n"
        "  opslint/unused-suppression:\n    severity: error\n"
        "  opslint/suppression-without-reason:\n    enabled: false\n",
        encoding="utf-8",
    )
    got = findings(opslint("check", "--format", "json", "--select", RETENTION, cwd=repo))
    assert sorted(got) == sorted(
        [
            ("opslint/unused-suppression", "main.tf", 6, "error"),
            (RETENTION, "main.tf", 12, "warning"),
            ("opslint/parse-error", "broken/main.tf", 1, "error"),
        ]
    )
    (repo / ".opslint.yaml").write_text(
        "rules:\n  opslint/unused-suppression:\n    options:\n      days: 3\n", encoding="utf-8"
    )
    done = opslint("check", cwd=repo)
    assert done.returncode == 2
    assert "`rules.opslint/unused-suppression.options.days`: unknown option" in done.stderr


def test_an_invalid_ignore_on_the_command_line_is_a_command_line_error(repo: Path) -> None:
    (repo / ".opslint.yaml").write_text("fail-on: error\n", encoding="utf-8")
    done = opslint("check", "--ignore", "opslint/no-such-thing", cwd=repo)
    assert done.returncode == 2
    assert "command line: `--ignore`: 'opslint/no-such-thing' is not a rule ID" in done.stderr
    assert ".opslint.yaml" not in done.stderr
    done = opslint("check", "--select", "OPS99", cwd=repo)
    assert done.returncode == 2
    assert "command line: `--select`: 'OPS99' is not a rule ID" in done.stderr
    (repo / ".opslint.yaml").write_text("ignore: [OPS99]\n", encoding="utf-8")
    done = opslint("check", "--select", RETENTION, cwd=repo)
    assert done.returncode == 2
    assert ".opslint.yaml: `ignore`: 'OPS99' is not a rule ID" in done.stderr


def test_rules_and_explain_list_the_engine_rules(tmp_path: Path) -> None:
    listed = json.loads(opslint("rules", "--format", "json", cwd=tmp_path).stdout)
    engine = [row for row in listed if not row["practice"]]
    assert [row["id"] for row in engine] == sorted(ENGINE_RULES)
    unused = next(row for row in engine if row["id"] == "opslint/unused-suppression")
    assert unused["severity"] == "note" and unused["title"] == "A suppression silences nothing"
    explained = opslint("explain", "opslint/parse-error", cwd=tmp_path)
    assert explained.returncode == 0
    assert explained.stdout.startswith("# opslint/parse-error\n\n**A file could not be parsed**")
    assert "## How to fix" in explained.stdout


def test_a_repeated_key_is_one_finding_and_the_template_is_still_checked() -> None:
    from opslint.api import lint

    template = (
        "Resources:\n"
        "  Logs:\n"
        "    Type: AWS::Logs::LogGroup\n"
        "    Properties:\n"
        "      RetentionInDays: 30\n"
        "  Logs:\n"
        "    Type: AWS::Logs::LogGroup\n"
    )
    result = lint({"template.yaml": template}, select=[RETENTION, "opslint"])
    assert [(f.rule_id, f.path, f.line, f.resource, f.severity.value) for f in result.findings] == [
        (RETENTION, "template.yaml", 6, "Logs", "warning"),
        ("opslint/duplicate-key", "template.yaml", 6, "", "warning"),
    ]
    assert result.findings[1].message == (
        "`Logs` is written twice in one mapping (first at line 2): CloudFormation keeps this "
        "last value and ignores the first"
    )
