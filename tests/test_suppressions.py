"""Inline suppressions in every form, configuration exceptions, and the findings about
suppressions themselves."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from opslint.cli import main
from opslint.directives import parse_body, scan_text

RETENTION = "OPS08-BP02/log-group-retention"
TRACING = "OPS04-BP05/lambda-tracing"

TERRAFORM = """\
# opslint:ignore OPS08-BP02/log-group-retention -- audit logs are kept forever
resource "aws_cloudwatch_log_group" "above" {
  name = "a"
}

resource "aws_cloudwatch_log_group" "inside" {
  // opslint:ignore OPS08-BP02 -- a practice ID, written inside the block
  name = "b"
}

resource "aws_cloudwatch_log_group" "attribute" {
  name              = "c"
  retention_in_days = 0 /* opslint:ignore OPS08 -- the group, on the attribute's line */
}

resource "aws_cloudwatch_log_group" "other_attribute" {
  name              = "d" # opslint:ignore OPS08 -- on another attribute: applies to nothing
  retention_in_days = 0
}

# opslint:ignore OPS08-BP02 until=2020-01-31 -- expired: no longer applies
resource "aws_cloudwatch_log_group" "expired" {
  name = "e"
}

# opslint:ignore OPS08-BP02
resource "aws_cloudwatch_log_group" "no_reason" {
  name = "f"
}

# opslint:ignore OPS99-BP01, OPS08-BP02 until=2030-12-31 -- one unknown ID, one good
resource "aws_cloudwatch_log_group" "unknown_id" {
  name = "g"
}

resource "aws_cloudwatch_log_group" "plain" {
  name = "h"
}
"""


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    if "--select" not in args:
        args = (*args, "--select", f"{RETENTION},{TRACING}")
    code = main(["check", *args, "--format", "json", "--as-of", "2026-11-24"])
    return code, json.loads(capsys.readouterr().out)


def brief(findings: list[dict[str, Any]]) -> list[tuple[str, str, int, str]]:
    return [(f["rule_id"], Path(f["path"]).name, f["line"], f["resource"]) for f in findings]


def test_terraform_comment_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    code, report = check(capsys, str(tmp_path), "--select", RETENTION)
    assert code == 1
    assert brief(report["findings"]) == [
        ("opslint/unused-suppression", "main.tf", 17, ""),
        (
            "OPS08-BP02/log-group-retention",
            "main.tf",
            18,
            "aws_cloudwatch_log_group.other_attribute",
        ),
        ("opslint/expired-suppression", "main.tf", 21, ""),
        ("OPS08-BP02/log-group-retention", "main.tf", 22, "aws_cloudwatch_log_group.expired"),
        ("opslint/suppression-without-reason", "main.tf", 26, ""),
        ("opslint/unknown-suppression", "main.tf", 31, ""),
        ("OPS08-BP02/log-group-retention", "main.tf", 36, "aws_cloudwatch_log_group.plain"),
    ]
    messages = {f["rule_id"]: f["message"] for f in report["findings"]}
    assert messages["opslint/unknown-suppression"] == (
        "`OPS99-BP01` in this suppression is not a rule ID, practice ID or group"
    )
    assert "expired on 2020-01-31" in messages["opslint/expired-suppression"]
    severities = {f["rule_id"]: f["severity"] for f in report["findings"]}
    assert severities["opslint/unused-suppression"] == "note"
    assert severities["opslint/expired-suppression"] == "warning"
    suppressed = {f["resource"]: f["suppression"] for f in report["suppressed"]}
    assert suppressed["aws_cloudwatch_log_group.above"] == {
        "kind": "inSource",
        "justification": "audit logs are kept forever",
        "source": f"{Path(report['suppressed'][0]['path']).as_posix()}:1",
        "until": None,
    }
    assert sorted(suppressed) == [
        "aws_cloudwatch_log_group.above",
        "aws_cloudwatch_log_group.attribute",
        "aws_cloudwatch_log_group.inside",
        "aws_cloudwatch_log_group.no_reason",
        "aws_cloudwatch_log_group.unknown_id",
    ]
    assert suppressed["aws_cloudwatch_log_group.unknown_id"]["until"] == "2030-12-31"
    assert report["summary"]["suppressed"] == 5


def test_file_level_and_misplaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(
        "# Logging for the batch jobs.\n"
        "# opslint:ignore-file OPS08 -- batch logs are exported nightly\n"
        'resource "aws_cloudwatch_log_group" "a" {\n  name = "a"\n}\n'
        "# opslint:ignore-file OPS04 -- too late in the file\n",
        encoding="utf-8",
    )
    code, report = check(capsys, str(tmp_path))
    assert brief(report["findings"]) == [("opslint/unused-suppression", "main.tf", 6, "")]
    assert "first comment lines" in report["findings"][0]["message"]
    assert brief(report["suppressed"]) == [(RETENTION, "main.tf", 3, "aws_cloudwatch_log_group.a")]
    assert code == 0


def test_unused_only_when_its_rules_ran(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(
        '# opslint:ignore OPS08-BP02 -- reason\nresource "aws_sns_topic" "t" {\n  name = "t"\n}\n',
        encoding="utf-8",
    )
    _, report = check(capsys, str(tmp_path))
    assert brief(report["findings"]) == [("opslint/unused-suppression", "main.tf", 1, "")]
    code, report = check(capsys, str(tmp_path), "--select", TRACING)
    assert code == 0 and report["findings"] == []


def test_terraform_json_comment_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf.json").write_text(
        json.dumps(
            {
                "resource": {
                    "aws_cloudwatch_log_group": {
                        "a": {"//": "opslint:ignore OPS08-BP02 -- kept forever", "name": "a"},
                        "b": {"name": "b"},
                    }
                }
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    _, report = check(capsys, str(tmp_path))
    assert brief(report["findings"]) == [
        (RETENTION, "main.tf.json", 8, "aws_cloudwatch_log_group.b")
    ]
    assert brief(report["suppressed"]) == [
        (RETENTION, "main.tf.json", 4, "aws_cloudwatch_log_group.a")
    ]


CLOUDFORMATION = """\
Resources:
  # opslint:ignore OPS08-BP02 -- the comment form above a logical ID
  Commented:
    Type: AWS::Logs::LogGroup

  WithMetadata:
    Type: AWS::Logs::LogGroup
    Metadata:
      opslint:
        ignore:
          - id: OPS08-BP02/log-group-retention
            reason: retention is set by the account's log policy
            until: 2030-06-30

  Reported:
    Type: AWS::Logs::LogGroup
"""


def test_cloudformation_yaml_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "template.yaml").write_text(CLOUDFORMATION, encoding="utf-8")
    _, report = check(capsys, str(tmp_path))
    assert brief(report["findings"]) == [(RETENTION, "template.yaml", 15, "Reported")]
    suppressions = {f["resource"]: f["suppression"] for f in report["suppressed"]}
    assert suppressions["WithMetadata"]["justification"] == (
        "retention is set by the account's log policy"
    )
    assert suppressions["WithMetadata"]["until"] == "2030-06-30"
    assert suppressions["Commented"]["source"].endswith("template.yaml:2")


def test_cloudformation_json_and_sam_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    metadata = {"opslint": {"ignore": [{"id": "OPS04", "reason": "traced by ADOT"}]}}
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Metadata": metadata,
                "Properties": {"Handler": "a.b", "Runtime": "python3.12", "CodeUri": "."},
            },
            "Raw": {
                "Type": "AWS::Lambda::Function",
                "Metadata": metadata,
                "Properties": {"Handler": "a.b", "Runtime": "python3.12"},
            },
            "Untraced": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "a.b", "Runtime": "python3.12"},
            },
        },
    }
    (tmp_path / "template.json").write_text(json.dumps(template, indent=2), encoding="utf-8")
    _, report = check(capsys, str(tmp_path), "--select", TRACING)
    assert [f["resource"] for f in report["findings"]] == ["Untraced"]
    assert sorted(f["resource"] for f in report["suppressed"]) == ["Fn", "Raw"]


def test_config_governance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "main.tf").write_text(
        'resource "aws_cloudwatch_log_group" "old" {\n  name = "old"\n}\n', encoding="utf-8"
    )
    (tmp_path / ".opslint.yaml").write_text(
        "inline-suppressions: false\n"
        "exceptions:\n"
        "  - path: legacy/\n"
        "    rule: OPS08-BP02\n"
        "    reason: legacy stack, retired in Q3\n"
        "    until: 2027-09-30\n",
        encoding="utf-8",
    )
    _, report = check(capsys, str(tmp_path))
    assert [f["rule_id"] for f in report["findings"]] == [RETENTION] * 8
    assert brief(report["suppressed"]) == [
        (RETENTION, "main.tf", 1, "aws_cloudwatch_log_group.old")
    ]
    assert report["suppressed"][0]["suppression"]["kind"] == "external"
    assert report["suppressed"][0]["suppression"]["justification"] == "legacy stack, retired in Q3"


def test_no_inline_suppressions_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    _, report = check(capsys, str(tmp_path), "--no-inline-suppressions")
    assert report["suppressed"] == []
    assert {f["rule_id"] for f in report["findings"]} == {RETENTION}


def test_expiry_follows_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(
        "# opslint:ignore OPS08-BP02 until=2027-03-31 -- until the migration\n"
        'resource "aws_cloudwatch_log_group" "a" {\n  name = "a"\n}\n',
        encoding="utf-8",
    )
    only = ["--select", RETENTION]
    code = main(["check", str(tmp_path), *only, "--format", "json", "--as-of", "2027-03-31"])
    assert code == 0 and json.loads(capsys.readouterr().out)["findings"] == []
    code = main(["check", str(tmp_path), *only, "--format", "json", "--as-of", "2027-04-01"])
    assert code == 1
    rules = [f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert rules == ["opslint/expired-suppression", RETENTION]


def test_text_report_counts_suppressed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    main(["check", str(tmp_path), "--select", RETENTION, "--as-of", str(datetime.date(2026, 1, 1))])
    assert "Not reported: 5 suppressed (see --format json)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (" OPS08 -- why", (("OPS08",), "why", None)),
        (
            " OPS08-BP02, OPS04 until=2027-01-31 -- two ids */",
            (("OPS08-BP02", "OPS04"), "two ids", "2027-01-31"),
        ),
        (' OPS08 -- reason until=2027-01-31",', (("OPS08",), "reason", "2027-01-31")),
        (" OPS08", (("OPS08",), "", None)),
    ],
)
def test_directive_syntax(body: str, expected: tuple[tuple[str, ...], str, str | None]) -> None:
    assert parse_body(body) == expected


def test_markers_in_strings_are_not_directives() -> None:
    text = 'locals {\n  note = "see # opslint:ignore OPS08 -- not a comment"\n}\n'
    assert scan_text("main.tf", text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("exceptions: {path: x}\n", "`exceptions` must be a list"),
        ("exceptions:\n  - rule: OPS08\n", "`exceptions[0]`.path must be a path glob"),
        ("exceptions:\n  - path: x\n", "`exceptions[0]` needs `rule`"),
        ("exceptions:\n  - path: x\n    rule: OPS08\n    why: y\n", "unknown key `why`"),
        ("inline-suppressions: maybe\n", "`inline-suppressions` must be true or false"),
    ],
)
def test_configuration_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    (tmp_path / ".opslint.yaml").write_text(text, encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and ".opslint.yaml" in err
