"""Log and dashboard rules (OPS08-BP02, OPS08-BP05): what the fixtures cannot express."""

from __future__ import annotations

from pathlib import Path

from opslint.config import load_config
from opslint.registry import load_registry
from opslint.runner import run

BODY_RULE = "OPS08-BP05/dashboard-body-valid"


def messages(folder: Path, rule: str) -> list[str]:
    config = load_config(None, folder).merged(select=(rule,), ignore=())
    result = run([str(folder)], load_registry(entry_points=False), config, jobs=1)
    return [f.message for f in result.findings]


def template(body: str) -> str:
    return (
        "Parameters:\n  Stage:\n    Type: String\n"
        "Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\n"
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
        "  Dashboard:\n    Type: AWS::CloudWatch::Dashboard\n    Properties:\n"
        f"      DashboardBody: {body}\n"
    )


def test_long_sub_body_is_unknown(tmp_path: Path) -> None:
    # The parser keeps only the first 200 characters of an unresolved !Sub: not judged.
    widgets = ", ".join(
        '{"type": "text", "properties": {"markdown": "${Queue}"}}' for _ in range(6)
    )
    (tmp_path / "template.yaml").write_text(template(f"!Sub '{{\"widget\": [{widgets}]}}'"))
    assert messages(tmp_path, BODY_RULE) == []


def test_short_sub_body_is_judged(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(template('!Sub \'{"widget": ["${Queue}"]}\''))
    assert messages(tmp_path, BODY_RULE) == [
        "Dashboard `Dashboard` body has no top-level `widgets` array: fix `DashboardBody`"
    ]


def test_condition_reports_only_when_every_branch_is_bad(tmp_path: Path) -> None:
    one_good = "!If [IsProd, '{\"widgets\": []}', '{\"widget\": []}']"
    (tmp_path / "template.yaml").write_text(template(one_good))
    assert messages(tmp_path, BODY_RULE) == []
    both_bad = "!If [IsProd, '{\"widget\": []}', 'not json']"
    (tmp_path / "template.yaml").write_text(template(both_bad))
    assert messages(tmp_path, BODY_RULE) == [
        "Dashboard `Dashboard` body has no top-level `widgets` array / is not valid JSON "
        "(Expecting value at line 1 column 1): fix `DashboardBody`"
    ]


def test_keep_forever_globs_are_case_sensitive(tmp_path: Path) -> None:
    (tmp_path / ".opslint.yaml").write_text(
        "rules:\n  OPS08-BP02/log-group-retention:\n    options:\n"
        '      keep_forever: ["/audit/*"]\n'
    )
    (tmp_path / "main.tf").write_text(
        'resource "aws_cloudwatch_log_group" "upper" {\n  name = "/AUDIT/trail"\n}\n'
        'resource "aws_cloudwatch_log_group" "lower" {\n  name = "/audit/trail"\n}\n'
    )
    assert messages(tmp_path, "OPS08-BP02/log-group-retention") == [
        "Log group `aws_cloudwatch_log_group.upper` never expires: set `retention_in_days` "
        "(e.g. 30)"
    ]
