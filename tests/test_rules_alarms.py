"""Alarm and runbook rules: what the fixtures cannot express (links resolved against the
repository root, runbook link extraction)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opslint.aws.alarms import repository_paths, urls
from opslint.config import load_config
from opslint.registry import load_registry
from opslint.runner import run

RULE = "OPS07-BP03/runbook-link-resolves"

ALARM = """
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "api-errors"
  alarm_description   = "API errors. Runbook: %s"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "Errors"
  namespace           = "AWS/Lambda"
  period              = 60
  statistic           = "Sum"
  threshold           = 0
  alarm_actions       = ["arn:aws:sns:eu-west-1:123456789012:oncall"]
}
"""


def findings(repo: Path, scan: Path, root: Path) -> list[str]:
    config = load_config(None, repo).merged(select=(RULE,), ignore=())
    result = run([str(scan)], load_registry(entry_points=False), config, jobs=1, root=str(root))
    return [f.message for f in result.findings]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "docs" / "runbooks").mkdir(parents=True)
    (tmp_path / "docs" / "runbooks" / "api-errors.md").write_text("# API errors\n")
    (tmp_path / "infra" / "modules" / "api").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_alarm(repo: Path, link: str) -> Path:
    module = repo / "infra" / "modules" / "api"
    (module / "main.tf").write_text(ALARM % link, encoding="utf-8")
    return module


def test_link_relative_to_repository_root_resolves_when_scanning_a_subfolder(repo: Path) -> None:
    write_alarm(repo, "docs/runbooks/api-errors.md")
    assert findings(repo, Path("infra"), Path("infra")) == []


def test_link_relative_to_the_file_resolves(repo: Path) -> None:
    module = write_alarm(repo, "../../../docs/runbooks/api-errors.md")
    assert findings(repo, module.relative_to(repo), Path(".")) == []


def test_dangling_link_is_reported(repo: Path) -> None:
    write_alarm(repo, "docs/runbooks/api-erors.md")
    assert findings(repo, Path("."), Path(".")) == [
        "Alarm `aws_cloudwatch_metric_alarm.errors` links `docs/runbooks/api-erors.md`, which "
        "does not exist in the repository: correct the path or add the runbook there"
    ]


@pytest.mark.parametrize(
    ("text", "expected_urls", "expected_paths"),
    [
        ("Runbook: https://wiki.example.com/x.md", ["https://wiki.example.com/x.md"], []),
        ("see docs/runbooks/x.md#step-2 now", [], ["docs/runbooks/x.md"]),
        ("runbooks/api/", [], ["runbooks/api"]),
        ("CPU above 80% on api/v1, version 1.2.3", [], []),
        ("(../run/db.rst)", [], ["../run/db.rst"]),
    ],
)
def test_runbook_links_in_text(
    text: str, expected_urls: list[str], expected_paths: list[str]
) -> None:
    assert urls(text) == expected_urls
    assert repository_paths(text) == expected_paths


ACTIONS = [
    ("arn:aws:sns:eu-west-1:123456789012:oncall", "topic"),
    ("arn:aws:automate:eu-west-1:ec2:recover", "ec2"),
    ("arn:aws-us-gov:automate:us-gov-west-1:ec2:reboot", "ec2"),
    ("arn:aws-cn:automate:cn-north-1:ec2:stop", "ec2"),
    ("arn:aws:ssm:eu-west-1:123456789012:opsitem:2#CATEGORY=Availability", "opsitem"),
    ("arn:aws:ssm:eu-west-1:123456789012:opsitem:1#CategoryName=Security", "opsitem"),
    ("arn:aws:ssm-incidents::123456789012:responseplan/payments", "incident"),
    ("arn:aws:ssm-incidents::123456789012:response-plan/payments", "incident"),
    ("arn:aws:aiops:eu-west-1:123456789012:investigation-group:a1b2c3d4", "investigation"),
    ("arn:aws:lambda:eu-west-1:123456789012:function:page-oncall", "lambda"),
    ("arn:aws:lambda:eu-west-1:123456789012:function:page-oncall:live", "lambda"),
    (
        "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:1a2b:"
        "autoScalingGroupName/web:policyName/up",
        "scaling",
    ),
    ("arn:aws:ssm:eu-west-1:123456789012:document/restart", None),
    ("oncall", None),
]


@pytest.mark.parametrize(("action", "kind"), ACTIONS)
def test_alarm_action_kinds(action: str, kind: str | None) -> None:
    from opslint.aws.alarms import action_kind
    from opslint.model import Unit

    unit = Unit(path="main.tf", framework="terraform", resources=())
    assert action_kind(unit, action) == kind


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("!Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:opsitem:3", "opsitem"),
        ("!Sub arn:${AWS::Partition}:automate:${AWS::Region}:ec2:recover", "ec2"),
        (
            "arn:${data.aws_partition.current.partition}:lambda:${var.region}:"
            "${var.account}:function:notify",
            "lambda",
        ),
        ("${var.alarm_action}", None),
    ],
)
def test_alarm_action_kinds_of_interpolated_arns(source: str, kind: str | None) -> None:
    from opslint.aws.alarms import action_kind
    from opslint.model import Unit, Unknown

    unit = Unit(path="template.yaml", framework="cloudformation", resources=())
    assert action_kind(unit, Unknown("Fn::Sub with unresolved parts", source)) == kind
