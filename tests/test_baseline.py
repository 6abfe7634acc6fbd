"""Baselines: record findings, report only new ones, survive moves and reformatting, notice
renames and deletions, and keep a stable, sorted file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opslint.cli import main

RETENTION = "OPS08-BP02/log-group-retention"
MODULE = """\
resource "aws_cloudwatch_log_group" "app" {
  name = "/app"
}

resource "aws_cloudwatch_log_group" "jobs" {
  name              = "/jobs"
  retention_in_days = 0
}
"""


def scan(
    capsys: pytest.CaptureFixture[str], folder: Path, *args: str
) -> tuple[int, dict[str, Any]]:
    code = main(["check", str(folder), "--format", "json", "--select", RETENTION, *args])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    module = tmp_path / "infra"
    module.mkdir()
    (module / "main.tf").write_text(MODULE, encoding="utf-8")
    baseline = tmp_path / "opslint-baseline.json"
    assert (
        main(["check", str(module), "--select", RETENTION, "--write-baseline", str(baseline)]) == 0
    )
    assert "recorded 2 findings" in capsys.readouterr().err
    return module, baseline


def test_baseline_hides_recorded_findings(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    module, baseline = repo
    code, report = scan(capsys, module, "--baseline", str(baseline))
    assert code == 0
    assert report["findings"] == []
    assert [f["baseline_state"] for f in report["baseline"]["matched"]] == ["unchanged"] * 2
    assert report["baseline"]["stale"] == []


def test_moves_and_reformatting_keep_matching(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    module, baseline = repo
    moved = "\n\n# a comment\n" + MODULE.replace("  name =", "    name     =")
    (module / "main.tf").write_text(moved, encoding="utf-8")
    code, report = scan(capsys, module, "--baseline", str(baseline))
    assert code == 0 and report["findings"] == []
    assert [f["line"] for f in report["baseline"]["matched"]] == [4, 10]


def test_new_resource_is_reported(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    module, baseline = repo
    (module / "extra.tf").write_text(
        'resource "aws_cloudwatch_log_group" "new" {\n  name = "/new"\n}\n', encoding="utf-8"
    )
    code, report = scan(capsys, module, "--baseline", str(baseline))
    assert code == 1
    assert [(f["resource"], f["baseline_state"]) for f in report["findings"]] == [
        ("aws_cloudwatch_log_group.new", "new")
    ]


def test_rename_and_deletion(repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    module, baseline = repo
    renamed = MODULE.replace('"app"', '"application"').replace(
        'resource "aws_cloudwatch_log_group" "jobs" {\n  name              = "/jobs"\n'
        "  retention_in_days = 0\n}\n",
        "",
    )
    (module / "main.tf").write_text(renamed, encoding="utf-8")
    code, report = scan(capsys, module, "--baseline", str(baseline))
    assert code == 1
    assert [f["resource"] for f in report["findings"]] == ["aws_cloudwatch_log_group.application"]
    assert sorted(e["resource"] for e in report["baseline"]["stale"]) == [
        "aws_cloudwatch_log_group.app",
        "aws_cloudwatch_log_group.jobs",
    ]
    main(["check", str(module), "--select", RETENTION, "--baseline", str(baseline)])
    assert "2 baseline entries no longer occur" in capsys.readouterr().out


def test_file_is_sorted_and_stable(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    module, baseline = repo
    first = baseline.read_text(encoding="utf-8")
    main(
        [
            "check",
            str(module),
            "--select",
            RETENTION,
            "--write-baseline",
            str(baseline),
            "--baseline",
            str(baseline),
        ]
    )
    capsys.readouterr()
    assert baseline.read_text(encoding="utf-8") == first
    document = json.loads(first)
    assert document["opslint_baseline"] == 1
    entries = document["findings"]
    assert [e["resource"] for e in entries] == [
        "aws_cloudwatch_log_group.app",
        "aws_cloudwatch_log_group.jobs",
    ]
    assert set(entries[0]) == {"fingerprint", "rule_id", "path", "resource", "message"}
    assert '"line"' not in first


def test_baseline_from_config_and_bad_files(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    module, _ = repo
    (module / ".opslint.yaml").write_text("baseline: ../opslint-baseline.json\n", encoding="utf-8")
    code, report = scan(capsys, module)
    assert code == 0 and len(report["baseline"]["matched"]) == 2
    broken = module.parent / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["check", str(module), "--baseline", str(broken)]) == 2
    assert "broken.json:1: the baseline is not valid JSON" in capsys.readouterr().err
    assert main(["check", str(module), "--baseline", str(module / "missing.json")]) == 2
    assert "baseline file not found" in capsys.readouterr().err
