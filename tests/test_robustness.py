"""Bad input ends quickly with a clear finding (or nothing), never a traceback, and never
hides the findings of the other files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO

GOOD_TF = 'resource "aws_cloudwatch_log_group" "kept" {\n  name = "/kept"\n}\n'
GOOD_CFN = (
    "Resources:\n  Kept:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
    "      LogGroupName: /kept\n"
)
ALIAS_BOMB = (
    "Resources:\n"
    '  a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    "  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def build_repository(root: Path) -> None:
    files: dict[str, str | bytes] = {
        "good/main.tf": GOOD_TF,
        "good/template.yaml": GOOD_CFN,
        "bad_hcl/main.tf": 'resource "aws_sns_topic" "t" {\n  name = "x"\n  tags = {\n',
        "bad_hcl/ok.tf": GOOD_TF.replace("kept", "sibling"),
        "bad_yaml/template.yaml": "Resources:\n  X:\n    Type: AWS::SNS::Topic\n   bad: [\n",
        "bad_json/template.json": '{"Resources": {"X": {"Type": "AWS::SNS::Topic",}\n',
        "binary/main.tf": bytes(range(256)) * 4,
        "binary/template.yaml": b"Resources:\n\x00\xff\xfe" + bytes(range(256)),
        "empty/main.tf": "",
        "empty/template.yaml": "",
        "bomb/template.yaml": ALIAS_BOMB,
        "k8s/deployment.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
        "scalar/template.yaml": "Resources\n",
    }
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def test_bad_input_is_reported_and_other_findings_remain(tmp_path: Path) -> None:
    build_repository(tmp_path)
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "opslint",
            "check",
            ".",
            "--format",
            "json",
            "--select",
            "OPS08-BP02/log-group-retention",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert elapsed < 30
    findings = json.loads(result.stdout)["findings"]
    by_path: dict[str, list[tuple[str, int]]] = {}
    for finding in findings:
        by_path.setdefault(finding["path"], []).append((finding["rule_id"], finding["line"]))
    retention = "OPS08-BP02/log-group-retention"
    assert by_path["good/main.tf"] == [(retention, 1)]
    assert by_path["good/template.yaml"] == [(retention, 2)]
    assert by_path["bad_hcl/ok.tf"] == [(retention, 1)]
    parse_errors = {
        path: [line for rule, line in entries if rule == "opslint/parse-error"]
        for path, entries in by_path.items()
    }
    # each parse error is on the line the parser stopped at (1 for whole-file problems)
    assert {path: lines for path, lines in parse_errors.items() if lines} == {
        "bad_hcl/main.tf": [1],  # the block that is not closed
        "bad_yaml/template.yaml": [4],
        "bad_json/template.json": [2],
        "binary/main.tf": [1],
        "binary/template.yaml": [1],
        "bomb/template.yaml": [1],
    }
    messages = {f["path"]: f["message"] for f in findings if f["rule_id"] == "opslint/parse-error"}
    assert messages["binary/main.tf"] == "binary file, not Terraform"
    assert "more than 250000 nodes" in messages["bomb/template.yaml"]
    for quiet in (
        "empty/main.tf",
        "empty/template.yaml",
        "k8s/deployment.yaml",
        "scalar/template.yaml",
    ):
        assert quiet not in by_path, by_path.get(quiet)
    for finding in findings:
        if finding["rule_id"] == "opslint/parse-error":
            assert finding["message"] and finding["severity"] == "error"


def test_symlink_loop_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(GOOD_TF, encoding="utf-8")
    (tmp_path / "mod" / "loop").symlink_to(tmp_path, target_is_directory=True)
    result = subprocess.run(
        [sys.executable, "-m", "opslint", "check", ".", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 1, result.stderr
    rules = [(f["rule_id"], f["path"]) for f in json.loads(result.stdout)["findings"]]
    assert ("opslint/symlink-loop", "mod/loop") in rules
    assert ("OPS08-BP02/log-group-retention", "mod/main.tf") in rules
