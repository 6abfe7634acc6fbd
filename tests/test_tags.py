"""The one reader of a resource's tags: values, locations, repeated and unreadable tags."""

from __future__ import annotations

from opslint.api import lint
from opslint.aws.tagging import tags_of
from opslint.model import ABSENT, Resource, Span, Unknown


def resource(framework: str, tags: object) -> Resource:
    name = "tags" if framework == "terraform" else "Tags"
    return Resource(
        framework=framework,  # type: ignore[arg-type]
        type="aws_sns_topic" if framework == "terraform" else "AWS::SNS::Topic",
        name="t",
        path="main.tf",
        span=Span(1, 3),
        attributes={name: tags},
    )


def test_terraform_map() -> None:
    tags = tags_of(resource("terraform", {"owner": "ops", "runbook": "docs/r.md"}))
    assert tags.get("owner") == "ops" and tags.get("team") is ABSENT
    assert tags.path("runbook") == ("tags", "runbook") and tags.path("team") == ("tags",)
    assert tags.as_map() == {"owner": "ops", "runbook": "docs/r.md"}


def test_cloudformation_list_first_entry_wins_and_malformed_entries_make_it_unknown() -> None:
    written = [{"Key": "owner", "Value": "a"}, {"Key": "owner", "Value": "b"}, {"Value": "x"}]
    tags = tags_of(resource("cloudformation", written))
    assert tags.get("owner") == "a" and tags.path("owner") == ("Tags", 0, "Value")
    assert isinstance(tags.get("team"), Unknown)
    assert tags.as_map() is None


def test_unresolved_tags_are_unknown_and_absent_tags_are_empty() -> None:
    assert isinstance(tags_of(resource("terraform", Unknown("var.tags"))).get("a"), Unknown)
    assert tags_of(resource("terraform", ABSENT)).get("a") is ABSENT


TERRAFORM = (
    'resource "aws_sns_topic" "oncall" {}\n'
    'resource "aws_cloudwatch_metric_alarm" "errors" {\n  alarm_name    = "errors"\n'
    "  alarm_actions = [aws_sns_topic.oncall.arn]\n{tags}}\n"
)
CLOUDFORMATION = (
    "Resources:\n  OnCall:\n    Type: AWS::SNS::Topic\n  Errors:\n"
    "    Type: AWS::CloudWatch::Alarm\n    Properties:\n      AlarmActions: [!Ref OnCall]\n"
    "{tags}"
)


def test_a_runbook_tag_is_read_the_same_in_both_frameworks() -> None:
    rule = "OPS07-BP03/alarm-runbook"
    tagged = {
        "main.tf": TERRAFORM.replace("{tags}", '  tags = { runbook = "https://wiki/r" }\n'),
        "t.yaml": CLOUDFORMATION.replace(
            "{tags}",
            "      Tags:\n        - Key: owner\n          Value: ops\n"
            "        - Key: runbook\n          Value: https://wiki/r\n",
        ),
    }
    untagged = {
        "main.tf": TERRAFORM.replace("{tags}", ""),
        "t.yaml": CLOUDFORMATION.replace("{tags}", ""),
    }
    assert lint(tagged, select=[rule]).findings == ()
    found = lint(untagged, select=[rule]).findings
    assert [(f.path, f.resource) for f in found] == [
        ("main.tf", "aws_cloudwatch_metric_alarm.errors"),
        ("t.yaml", "Errors"),
    ]
