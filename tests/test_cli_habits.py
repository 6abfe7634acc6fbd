"""What users of ruff, checkov and tflint expect from the command line: statistics, quiet
and exit-zero runs, short flags, helpful errors, source lines under findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES

from opslint.cli import main
from opslint.sanitize import escape

LOG_FAIL = FIXTURES / "OPS08-BP02/log-group-retention/terraform-fail"
SELECT = ("--select", "OPS08-BP02,OPS05-BP08/no-hardcoded-account-region")


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_statistics_count_findings_per_rule_most_frequent_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    group = 'resource "aws_cloudwatch_log_group" "{0}" {{\n  name = "/{0}"\n{1}}}\n'
    key = '  kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"\n'
    Path("main.tf").write_text(
        group.format("a", "") + group.format("b", "") + group.format("c", key), encoding="utf-8"
    )
    code, out, _ = run_main(capsys, "check", *SELECT, "--statistics")
    assert code == 1
    assert out.splitlines() == [
        "3  OPS08-BP02/log-group-retention          CloudWatch log groups set a retention period",
        "1  OPS05-BP08/no-hardcoded-account-region  "
        "ARNs and principals do not hard-code account IDs or regions",
    ]


def test_quiet_exit_zero_and_short_flags(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run_main(capsys, "check", str(LOG_FAIL), "--select", "OPS08-BP02", "-q")
    assert code == 1
    assert len(out.splitlines()) == 4 and "findings" not in out
    report = tmp_path / "report.json"
    code, out, _ = run_main(
        capsys,
        "check",
        str(LOG_FAIL),
        "--select",
        "OPS08-BP02",
        "-f",
        "json",
        "-o",
        str(report),
        "--exit-zero",
    )
    assert (code, out) == (0, "")
    assert '"rule_id": "OPS08-BP02/log-group-retention"' in report.read_text()
    code, _, _ = run_main(capsys, "check", str(LOG_FAIL), "--fail-on", "none")
    assert code == 0


@pytest.mark.parametrize(
    ("configured", "flag", "code", "summary"),
    [
        ("none", (), 0, ("none", False)),
        ("none", ("--fail-on", "warning"), 1, ("warning", True)),
        ("error", ("--fail-on", "none"), 0, ("none", False)),
        ("error", (), 0, ("error", False)),
        ("note", (), 1, ("note", True)),
    ],
)
def test_fail_on_in_the_configuration_file(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    configured: str,
    flag: tuple[str, ...],
    code: int,
    summary: tuple[str, bool],
) -> None:
    """Every `fail-on` value works in `.opslint.yaml` as on the command line (which wins);
    the reports say what decided the exit code."""
    monkeypatch.chdir(tmp_path)
    Path(".opslint.yaml").write_text(f"fail-on: {configured}\n", encoding="utf-8")
    Path("main.tf").write_text('resource "aws_cloudwatch_log_group" "a" {}\n', encoding="utf-8")
    found, out, err = run_main(capsys, "check", "--select", "OPS08-BP02", "-f", "json", *flag)
    assert (found, err) == (code, "")
    report = json.loads(out)
    assert [f["severity"] for f in report["findings"]] == ["warning"]
    assert (report["summary"]["fail_on"], report["summary"]["failed"]) == summary


def test_fail_on_none_passes_in_every_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(".opslint.yaml").write_text("fail-on: none\n", encoding="utf-8")
    Path("main.tf").write_text('resource "aws_cloudwatch_log_group" "a" {}\n', encoding="utf-8")
    _, markdown, _ = run_main(capsys, "check", "--select", "OPS08-BP02", "-f", "markdown")
    assert "✅ **Passed**: `fail-on` is `none`." in markdown
    _, junit, _ = run_main(capsys, "check", "--select", "OPS08-BP02", "-f", "junit")
    assert "<failure" not in junit and "log-group-retention" in junit


def test_unknown_flag_shows_the_check_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--no-such-flag"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: opslint check ")
    assert "opslint check: error: unrecognized arguments: --no-such-flag" in err


def test_unknown_rule_suggests_the_close_match(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "check", str(LOG_FAIL), "--select", "OPS08-BP02/log-retention")
    assert code == 2
    assert "(did you mean OPS08-BP02/log-group-retention?)" in err
    code, _, err = run_main(capsys, "explain", "OPS08-BP02/log-group-retenton")
    assert code == 2
    assert "(did you mean OPS08-BP02/log-group-retention?)" in err


def test_ids_are_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    _, upper, _ = run_main(capsys, "check", str(LOG_FAIL), "--select", "OPS08-BP02")
    _, lower, _ = run_main(capsys, "check", str(LOG_FAIL), "--select", "ops08-bp02")
    assert lower == upper and "4 findings" in lower
    code, out, _ = run_main(capsys, "explain", "ops08-bp02/LOG-GROUP-RETENTION")
    assert code == 0 and out.startswith("# OPS08-BP02/log-group-retention")


def test_empty_folder_says_nothing_was_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_text("nothing here\n", encoding="utf-8")
    code, _, err = run_main(capsys, "check", str(tmp_path))
    assert code == 0
    assert err == (
        f"opslint: nothing to scan in {tmp_path}: no Terraform or CloudFormation/SAM files found\n"
    )


def test_source_lines_and_fix_under_each_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("main.tf").write_text(
        'resource "aws_cloudwatch_log_group" "app" {\n  name = "/app"\n}\n', encoding="utf-8"
    )
    code, out, _ = run_main(
        capsys, "check", "--select", "OPS08-BP02", "--show-source", "--show-fix", "-q"
    )
    assert code == 1
    lines = out.splitlines()
    assert lines[1:5] == [
        '  1 | resource "aws_cloudwatch_log_group" "app" {',
        "    | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        '  2 |   name = "/app"',
        "  3 | }",
    ]
    assert lines[5].startswith("  fix: Set the retention to the period your team needs")
    # off unless asked for when the output is not a terminal
    _, plain, _ = run_main(capsys, "check", "--select", "OPS08-BP02", "-q")
    assert plain.splitlines() == lines[:1]


def test_scanned_text_is_escaped() -> None:
    assert escape("a\x1b[2Jb\rc\u202ed") == "a\\x1b[2Jb\\x0dc\\u202ed"


def test_practices_on_a_path_prints_its_scorecard(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    Path(".opslint.yaml").write_text("select: [OPS08-BP02, OPS04-BP05]\n", encoding="utf-8")
    Path("main.tf").write_text(
        'resource "aws_cloudwatch_log_group" "app" {\n  name = "/app"\n}\n', encoding="utf-8"
    )
    code, out, _ = run_main(capsys, "practices", ".")
    assert code == 0
    lines = out.splitlines()
    assert "  OPS08-BP02  Analyze workload logs: failing (1 finding)" in lines
    assert "  OPS04-BP05  Implement distributed tracing: not applicable" in lines
    assert "  OPS05-BP02  Test and validate changes: not selected" in lines
    assert lines[-1] == "1 failing, 0 passing, 2 not applicable, 30 not selected, 34 not automated"
    code, out, _ = run_main(capsys, "practices", ".", "--format", "json")
    (logs,) = [p for p in json.loads(out) if p["id"] == "OPS08-BP02"]
    assert (logs["status"], logs["findings"]) == ("failing", 1)
