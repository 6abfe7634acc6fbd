"""Terraform written for older versions that still deploys, and data sources.

Provider version constraints in ``provider`` blocks (before Terraform 0.13), quoted provider
references (``provider = "aws.west"``, Terraform 0.11), the ``tags`` list of
``aws_autoscaling_group`` (AWS provider before 5: not accepted by the 5.x provider the
fixtures are validated with, so tested here), and what a data source points at (managed
elsewhere: undecided, never a finding).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opslint.api import lint
from opslint.aws.tagging import tags_of
from opslint.model import ABSENT, Resource, Span, Unit, Unknown
from opslint.parsers.terraform import parse_module
from opslint.parsers.terraform.bodies import provider_address
from rules.OPS05.terraform_versions_pinned import has_floor

PINNED = "OPS05-BP03/terraform-versions-pinned"
TAGS = "OPS02-BP02/required-tags"
SUBSCRIBED = "OPS08-BP04/alarm-topic-subscribed"


def _parse(tmp_path: Path, files: dict[str, str]) -> list[Resource]:
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append((tmp_path / name).as_posix())
    return list(parse_module(tmp_path.as_posix(), paths).resources)


# --- quoted provider references -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ('"aws.west"', "aws.west"),
        ('"aws"', "aws"),
        ("aws.west", "aws.west"),
        ('"${var.p}"', '"${var.p}"'),  # not an address: kept as written
    ],
)
def test_provider_address_reads_the_quoted_form(written: str, address: str) -> None:
    assert provider_address(written) == address


def test_quoted_provider_references_resolve_like_unquoted_ones(tmp_path: Path) -> None:
    resources = _parse(
        tmp_path,
        {
            "main.tf": 'resource "aws_sns_topic" "t" {\n  provider = "aws.west"\n}\n'
            'module "m" {\n  source    = "./m"\n  providers = { "aws" = "aws.west" }\n}\n',
            "legacy.tf.json": '{"resource": {"aws_sqs_queue": {"q": {"provider": "aws.west"}}}}',
        },
    )
    meta = {r.name: dict(r.meta) for r in resources}
    assert meta["aws_sns_topic.t"] == {"provider": "aws.west"}
    assert meta["module.m"] == {"providers": {"aws": "aws.west"}}
    assert meta["aws_sqs_queue.q"] == {"provider": "aws.west"}


def test_default_tags_of_a_provider_named_in_quotes_apply() -> None:
    files = {
        "main.tf": 'terraform {\n  backend "s3" {}\n}\n'
        'provider "aws" {\n  alias = "us"\n'
        '  default_tags {\n    tags = { owner = "platform" }\n  }\n}\n'
        'provider "aws" {\n  alias = "eu"\n'
        '  default_tags {\n    tags = { team = "platform" }\n  }\n}\n'
        'resource "aws_sns_topic" "us" {\n  provider = "aws.us"\n}\n'
        'resource "aws_sns_topic" "eu" {\n  provider = "aws.eu"\n}\n'
    }
    found = lint(files, select=[TAGS]).findings
    assert [(f.rule_id, f.practice_id, f.path, f.line, f.resource) for f in found] == [
        (TAGS, "OPS02-BP02", "main.tf", 19, "aws_sns_topic.eu")
    ]


# --- provider versions before Terraform 0.13, and reusable modules ------------------------


@pytest.mark.parametrize(
    ("constraint", "floor"),
    [
        (">= 5.0", True),
        ("~> 5.0", True),
        ("5.46.0", True),
        ("= 1.40.0", True),
        (">= 4.0, < 6.0", True),
        ("< 6.0.0", False),
        ("!= 5.1.0, <= 5.9", False),
        ("", False),
        ("latest", None),
        (Unknown("var.version"), None),
    ],
)
def test_a_minimum_version_is_any_lower_bound(constraint: object, floor: bool | None) -> None:
    assert has_floor(constraint) is floor


def test_provider_block_versions_pin_roots_and_bound_modules() -> None:
    files = {
        "main.tf": 'terraform {\n  required_version = "= 0.12.31"\n  backend "s3" {}\n}\n'
        'provider "aws" {\n  version = "2.46.0"\n  region  = "eu-west-1"\n}\n'
        'provider "template" {\n  version = "~> 2.1"\n}\n'
        'data "template_file" "t" {\n  template = "x"\n}\n'
        'resource "aws_sns_topic" "t" {}\n'
        'resource "null_resource" "n" {}\n'
        'module "m" {\n  source = "./modules/m"\n}\n',
        "modules/m/main.tf": 'provider "aws" {\n  version = "< 3.0"\n}\n'
        'resource "aws_sqs_queue" "q" {}\n'
        'resource "random_id" "r" {\n  byte_length = 4\n}\n',
    }
    found = lint(files, select=[PINNED]).findings
    assert [(f.rule_id, f.severity, f.path, f.line, f.resource, f.message) for f in found] == [
        (
            PINNED,
            "warning",
            "main.tf",
            1,
            "",
            "Root module `.`: provider `null` is not listed in `required_providers`: add "
            '`null = { source = "...", version = "~> X.Y" }`',
        ),
        (
            PINNED,
            "note",
            "modules/m/main.tf",
            1,
            "",
            "Module `modules/m` does not state the oldest versions it supports "
            "(`required_version` is not set; provider `aws` `< 3.0` has no minimum; "
            "provider `random` is not in `required_providers`): give each a lower bound in "
            'its `terraform {}` block, e.g. `required_version = ">= 1.3"` and '
            '`aws = { source = "...", version = ">= X.Y" }` and '
            '`random = { source = "...", version = ">= X.Y" }`',
        ),
    ]


def test_modules_can_be_left_to_their_pinned_roots() -> None:
    files = {
        "main.tf": 'terraform {\n  required_version = "~> 1.9"\n  backend "s3" {}\n'
        '  required_providers {\n    aws = { source = "hashicorp/aws", version = "~> 5.0" }\n'
        '  }\n}\nmodule "m" {\n  source = "./m"\n}\n',
        "m/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
    }
    found = lint(files, select=[PINNED]).findings
    assert [(f.rule_id, f.path, f.line, f.resource) for f in found] == [
        (PINNED, "m/main.tf", 1, "")
    ]
    options = {PINNED: {"check_modules": False}}
    assert lint(files, select=[PINNED], options=options).findings == ()


def test_a_module_that_only_calls_modules_or_has_unknown_constraints_is_not_reported() -> None:
    files = {
        "main.tf": 'module "a" {\n  source = "./a"\n}\n',
        "a/main.tf": "terraform {\n  required_version = var.tf\n  required_providers {\n"
        '    aws = { source = "hashicorp/aws", version = local.aws }\n  }\n}\n'
        'variable "tf" {}\nresource "aws_sns_topic" "t" {}\n',
    }
    assert lint(files, select=[PINNED]).findings == ()


# --- the tags of an Auto Scaling group ------------------------------------------------------


def _group(attributes: dict[str, object]) -> Resource:
    return Resource(
        framework="terraform",
        type="aws_autoscaling_group",
        name="aws_autoscaling_group.g",
        path="main.tf",
        span=Span(1, 9),
        attributes=attributes,
    )


def test_group_tags_from_tag_blocks_and_the_legacy_tags_list() -> None:
    one = tags_of(_group({"tag": {"key": "owner", "value": "ops", "propagate_at_launch": True}}))
    assert one.attribute == "tag" and one.get("owner") == "ops"
    assert one.path("owner") == ("tag", "value") and one.keys() == frozenset({"owner"})
    legacy = tags_of(
        _group(
            {
                "tags": [
                    {"key": "Name", "value": "web", "propagate_at_launch": True},
                    {"key": "owner", "value": "ops", "propagate_at_launch": True},
                ]
            }
        )
    )
    assert legacy.attribute == "tags" and legacy.as_map() == {"Name": "web", "owner": "ops"}
    assert legacy.path("owner") == ("tags", 1, "value") and legacy.get("team") is ABSENT
    computed = tags_of(_group({"tags": Unknown("concat(...)")}))
    assert computed.keys() is None and isinstance(computed.get("owner"), Unknown)
    assert tags_of(_group({})).keys() == frozenset()


GROUP = (
    'resource "aws_sns_topic" "t" {\n  tags = { owner = "ops" }\n}\n'
    'resource "aws_autoscaling_group" "g" {\n  max_size = 1\n  min_size = 1\n{tags}}\n'
)


@pytest.mark.parametrize(
    ("tags", "lines"),
    [
        ('  tags = [{ key = "owner", value = "ops", propagate_at_launch = true }]\n', []),
        ('  tags = [{ key = "Name", value = "web", propagate_at_launch = true }]\n', [7]),
        (
            '  tags = concat([{ key = "Name", value = "web", propagate_at_launch = true }],\n'
            "  null_resource.group_tags.*.triggers)\n",
            [],
        ),
        (
            '  tag {\n    key   = "owner"\n    value = "ops"\n'
            "    propagate_at_launch = true\n  }\n",
            [],
        ),
    ],
    ids=["legacy-list", "legacy-list-without-owner", "computed-list", "tag-block"],
)
def test_required_tags_read_the_tags_of_a_group(tags: str, lines: list[int]) -> None:
    found = lint({"main.tf": GROUP.replace("{tags}", tags)}, select=[TAGS]).findings
    assert [(f.rule_id, f.path, f.line, f.resource) for f in found] == [
        (TAGS, "main.tf", line, "aws_autoscaling_group.g") for line in lines
    ]


# --- data sources ---------------------------------------------------------------------------


def test_a_topic_read_through_a_data_source_is_undecided_not_unsubscribed() -> None:
    files = {
        "main.tf": 'data "aws_sns_topic" "oncall" {\n  name = "oncall"\n}\n'
        'resource "aws_sns_topic" "local" {}\n'
        'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
        "  alarm_actions = [data.aws_sns_topic.oncall.arn, aws_sns_topic.local.arn]\n}\n"
    }
    result = lint(files, select=[SUBSCRIBED])
    assert [(f.rule_id, f.path, f.line, f.resource) for f in result.findings] == [
        (SUBSCRIBED, "main.tf", 4, "aws_sns_topic.local")
    ]
    assert [u.to_dict() for u in result.undecided] == [
        {
            "rule_id": SUBSCRIBED,
            "path": "main.tf",
            "resource": "aws_cloudwatch_metric_alarm.errors",
            "unknown": "data.aws_sns_topic.oncall (a data source)",
        }
    ]


def test_units_list_the_resources_they_manage_by_type(tmp_path: Path) -> None:
    resources = _parse(
        tmp_path,
        {"main.tf": 'data "aws_vpc" "shared" {}\nresource "aws_vpc" "own" {}\n'},
    )
    unit = Unit("terraform", tmp_path.as_posix(), tuple(resources))
    assert [r.name for r in unit.by_type("aws_vpc")] == ["aws_vpc.own"]
    assert unit.resolve("data.aws_vpc.shared") is None
    assert unit.by_name("data.aws_vpc.shared") is not None


DATA_SOURCES = """\
data "aws_sns_topic" "oncall" { name = "oncall" }
data "aws_sqs_queue" "jobs" { name = "jobs" }
data "aws_vpc" "shared" { id = "vpc-1" }
data "aws_rds_cluster" "shared" { cluster_identifier = "shared" }
data "aws_lambda_function" "api" { function_name = "api" }
data "aws_lb" "public" { name = "public" }
data "aws_ecs_cluster" "apps" { cluster_name = "apps" }
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name        = "errors"
  alarm_description = "Runbook: https://runbooks.example.com/errors"
  alarm_actions     = [data.aws_sns_topic.oncall.arn]
  dimensions        = { FunctionName = data.aws_lambda_function.api.function_name }
  tags              = { owner = "platform" }
}
resource "aws_rds_cluster_instance" "reader" {
  cluster_identifier = data.aws_rds_cluster.shared.id
  instance_class     = "db.r6g.large"
  engine             = "aurora-postgresql"
}
resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = data.aws_sqs_queue.jobs.arn
  function_name    = data.aws_lambda_function.api.arn
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = data.aws_lb.public.arn
  port              = 80
}
resource "aws_ecs_service" "web" {
  name    = "web"
  cluster = data.aws_ecs_cluster.apps.id
}
"""


def test_no_rule_judges_what_a_data_source_reads() -> None:
    found = lint({"main.tf": DATA_SOURCES}).findings
    assert found, "the managed resources still get their findings"
    about_data = [
        (f.rule_id, f.resource, f.message)
        for f in found
        if f.resource.startswith("data.") or "`data." in f.message
    ]
    assert about_data == []
    assert not [f for f in found if f.rule_id == "OPS04-BP04/rds-enhanced-observability"]
