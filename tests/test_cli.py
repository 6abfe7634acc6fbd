"""The command line: exit codes, the JSON contract, configuration errors, commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, REPO

from opslint.cli import main

LOG_FAIL = FIXTURES / "OPS08-BP02/log-group-retention/terraform-fail"
LOG_PASS = FIXTURES / "OPS08-BP02/log-group-retention/terraform-pass"
TWO_RULES = "OPS04-BP05/lambda-tracing,OPS08-BP02/log-group-retention"


def opslint(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "opslint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_exit_0_without_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "check", str(LOG_PASS), "--select", "OPS08-BP02")
    assert code == 0
    assert out.startswith("0 findings")


def test_exit_1_with_findings_and_text_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "check", str(LOG_FAIL), "--select", "OPS08-BP02")
    assert code == 1
    first = out.splitlines()[0]
    path = os.path.relpath(LOG_FAIL / "main.tf")
    assert first == (
        f"{Path(path).as_posix()}:7: warning OPS08-BP02/log-group-retention Log group "
        "`aws_cloudwatch_log_group.app` never expires: set `retention_in_days` (e.g. 30) "
        "[aws_cloudwatch_log_group.app]"
    )
    assert "By practice:\n  OPS08-BP02 Analyze workload logs: 4" in out


def test_fail_on_error_lets_warnings_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run_main(
        capsys, "check", str(LOG_FAIL), "--fail-on", "error", "--select", "OPS08-BP02"
    )
    assert code == 0


def test_exit_2_on_usage_and_configuration_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_main(capsys, "check", str(LOG_PASS), "--select", "OPS99")
    assert code == 2 and "'OPS99' is not a rule ID" in err
    config = tmp_path / ".opslint.yaml"
    config.write_text("selct: [OPS08]\n", encoding="utf-8")
    code, _, err = run_main(capsys, "check", str(tmp_path))
    assert code == 2
    assert f"{config}: unknown key `selct`" in err
    config.write_text(
        "rules:\n  OPS08-BP02/log-group-retention:\n    options:\n      min_days: thirty\n",
        encoding="utf-8",
    )
    code, _, err = run_main(capsys, "check", str(tmp_path))
    assert code == 2
    assert "`rules.OPS08-BP02/log-group-retention.options.min_days` must be int" in err
    config.write_text(
        "rules:\n  OPS08-BP02/log-group-retention:\n    options:\n      max_days: 3\n",
        encoding="utf-8",
    )
    code, _, err = run_main(capsys, "check", str(tmp_path))
    assert code == 2 and "max_days`: unknown option" in err
    code, _, err = run_main(capsys, "check", str(LOG_PASS), "--format", "yaml")
    assert code == 2 and "--format 'yaml': unknown format" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--jobs", "many"])
    assert exit_info.value.code == 2


def test_exit_1_on_unparseable_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "broken.tf").write_text('resource "aws_sns_topic" "x" {\n  name = \n', "utf-8")
    code, out, _ = run_main(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [f["rule_id"] for f in findings] == ["opslint/parse-error"]
    assert findings[0]["severity"] == "error"
    assert findings[0]["practice_id"] is None


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        capsys, "check", str(LOG_FAIL), "--format", "json", "--select", TWO_RULES
    )
    assert code == 1
    report = json.loads(out)
    assert set(report) == {
        "schema_version",
        "version",
        "findings",
        "suppressed",
        "baseline",
        "practices",
        "undecided",
        "summary",
    }
    finding = report["findings"][0]
    for key in (
        "rule_id",
        "practice_id",
        "severity",
        "path",
        "line",
        "end_line",
        "resource",
        "message",
        "fingerprint",
    ):
        assert key in finding
    assert finding["path"] == Path(os.path.relpath(LOG_FAIL / "main.tf")).as_posix()
    assert (finding["line"], finding["end_line"]) == (7, 9)
    assert len(report["practices"]) == 67
    statuses = {p["id"]: p["status"] for p in report["practices"]}
    assert statuses["OPS08-BP02"] == "failing"
    assert statuses["OPS04-BP05"] == "not applicable"
    assert statuses["OPS01-BP01"] == "not automated"
    assert report["summary"]["by_severity"] == {"error": 0, "warning": 4, "note": 0}
    assert report["summary"]["failed"] is True


def test_output_file_and_determinism(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for target, jobs in ((first, "1"), (second, "2")):
        main(["check", str(EXAMPLES), "--format", "json", "--output", str(target), "--jobs", jobs])
    assert capsys.readouterr().out == ""
    assert first.read_bytes() == second.read_bytes()


def test_example_repository_findings(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's first command: the example repository has exactly these findings."""
    code, out, _ = run_main(
        capsys, "check", str(EXAMPLES), "--format", "json", "--select", TWO_RULES
    )
    assert code == 1
    got = [
        (f["rule_id"], Path(f["path"]).name, f["line"], f["resource"])
        for f in json.loads(out)["findings"]
    ]
    assert got == [
        ("OPS04-BP05/lambda-tracing", "audit.json", 12, "AuditExporter"),
        ("OPS04-BP05/lambda-tracing", "template.yaml", 45, "RefundFunction"),
        ("OPS08-BP02/log-group-retention", "template.yaml", 53, "DebugLogs"),
        ("OPS04-BP05/lambda-tracing", "main.tf", 42, "aws_lambda_function.reconcile"),
        ("OPS08-BP02/log-group-retention", "main.tf", 52, "aws_cloudwatch_log_group.audit"),
    ]


def test_select_and_ignore_specificity(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        capsys,
        "check",
        str(EXAMPLES),
        "--format",
        "json",
        "--ignore",
        "OPS08",
        "--select",
        "OPS08-BP02/log-group-retention",
    )
    rules = {f["rule_id"] for f in json.loads(out)["findings"]}
    assert rules == {"OPS08-BP02/log-group-retention"}
    code, out, _ = run_main(
        capsys,
        "check",
        str(EXAMPLES),
        "--format",
        "json",
        "--select",
        "OPS04-BP05,OPS08-BP02",
        "--ignore",
        "OPS04-BP05,OPS08-BP02",
    )
    assert code == 0 and json.loads(out)["findings"] == []


def test_rules_explain_practices_and_version() -> None:
    listed = opslint("rules")
    assert listed.returncode == 0
    assert re.search(
        r"^OPS08-BP02/log-group-retention +warning +CloudWatch log groups", listed.stdout, re.M
    )
    rules = json.loads(opslint("rules", "--format", "json").stdout)
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids)
    assert {"OPS04-BP05/lambda-tracing", "OPS08-BP02/log-group-retention"} <= set(ids)
    explained = opslint("explain", "OPS04-BP05/lambda-tracing")
    assert explained.returncode == 0
    assert "[OPS04-BP05 Implement distributed tracing](https://" in explained.stdout
    assert "## Use instead" not in explained.stdout and "Use instead:" in explained.stdout
    assert opslint("explain", "OPS99-BP01/nothing").returncode == 2
    practices = opslint("practices").stdout.splitlines()
    retention = next(line for line in practices if line.startswith("  OPS08-BP02  "))
    assert retention.startswith("  OPS08-BP02  Analyze workload logs: automated by ")
    assert "OPS08-BP02/log-group-retention" in retention
    traces = next(line for line in practices if line.startswith("  OPS08-BP03  "))
    assert "OPS04-BP05/lambda-tracing" in traces
    data = json.loads(opslint("practices", "--format", "json").stdout)
    assert len(data) == 67
    version = opslint("--version")
    assert version.returncode == 0 and version.stdout.startswith("opslint 0.")


def test_bare_opslint_with_paths_means_check() -> None:
    result = opslint(str(LOG_FAIL), "--select", "OPS08-BP02")
    assert result.returncode == 1
    assert "OPS08-BP02/log-group-retention" in result.stdout


def test_broken_plugin_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    code, _, err = run_main(capsys, "check", str(LOG_PASS), "--rules-dir", str(tmp_path))
    assert code == 2 and "bad.py: RuntimeError: boom" in err


def crashing_rule(folder: Path, method: str) -> Path:
    """A rules folder holding one rule whose ``method`` raises."""
    rules = folder / "rules"
    rules.mkdir()
    (rules / "crash.py").write_text(
        "from opslint.rule import Docs, Example, Rule\n"
        "class Crash(Rule):\n"
        "    id = 'OPS08-BP01/crash'\n"
        "    title = 'crashes'\n"
        "    resource_types = {'terraform': ('aws_cloudwatch_log_group',)}\n"
        "    docs = Docs(what='w', why='y', fix='f', examples=(Example('terraform', 'a', 'b'),))\n"
        f"    def {method}(self, target, ctx):\n"
        "        raise ValueError('bad rule')\n",
        encoding="utf-8",
    )
    return rules


def test_rule_error_does_not_stop_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = crashing_rule(tmp_path, "check_terraform")
    code, out, _ = run_main(
        capsys, "check", str(LOG_FAIL), "--rules-dir", str(rules), "--format", "json"
    )
    assert code == 1
    findings = json.loads(out)["findings"]
    errors = [f for f in findings if f["rule_id"] == "opslint/rule-error"]
    assert len(errors) == 1
    assert "rule OPS08-BP01/crash failed" in errors[0]["message"]
    assert errors[0]["resource"] == "aws_cloudwatch_log_group.app"
    assert sum(f["rule_id"] == "OPS08-BP02/log-group-retention" for f in findings) == 4


def test_several_reports_in_one_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, out, _ = run_main(
        capsys,
        "check",
        str(LOG_FAIL),
        "--select",
        "OPS08-BP02",
        "--format",
        "text",
        "--format",
        f"json:{report}",
    )
    assert code == 1
    assert out.splitlines()[-1].startswith("  OPS08-BP02 Analyze workload logs: 4")
    assert len(json.loads(report.read_text(encoding="utf-8"))["findings"]) == 4
    code, _, err = run_main(capsys, "check", str(LOG_FAIL), "--format", "text", "--format", "json")
    assert code == 2 and "only one --format may write to standard output" in err


def test_colour_only_when_asked_or_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run_main(capsys, "check", str(LOG_FAIL))
    assert "\033[33mwarning\033[0m" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run_main(capsys, "check", str(LOG_FAIL))
    assert "\033[" not in out
    monkeypatch.delenv("NO_COLOR")
    _, out, _ = run_main(capsys, "check", str(LOG_FAIL), "--no-color")
    assert "\033[" not in out


def test_pyproject_configuration(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_cloudwatch_log_group" "short" {\n  retention_in_days = 7\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text(
        "[tool.opslint]\n"
        'fail-on = "error"\n'
        'select = ["OPS08-BP02"]\n'
        '[tool.opslint.rules."OPS08-BP02/log-group-retention"]\n'
        'severity = "error"\n'
        "options = { min_days = 30 }\n",
        encoding="utf-8",
    )
    code, out, _ = run_main(capsys, "check", str(tmp_path), "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["rule_id"], f["severity"], f["line"]) for f in findings] == [
        ("OPS08-BP02/log-group-retention", "error", 2)
    ]
    code, _, _ = run_main(
        capsys, "check", str(tmp_path), "--fail-on", "error", "--ignore", "OPS08-BP02"
    )
    assert code == 0


def test_named_file_still_reports_engine_failures_of_its_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = crashing_rule(tmp_path, "check_unit")
    code, out, _ = run_main(
        capsys,
        "check",
        str(LOG_PASS / "variables.tf"),
        "--rules-dir",
        str(rules),
        "--format",
        "json",
    )
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [f["rule_id"] for f in findings] == ["opslint/rule-error"]
    assert findings[0]["path"] == Path(os.path.relpath(LOG_PASS)).as_posix()
