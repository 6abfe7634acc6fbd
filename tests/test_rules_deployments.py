"""OPS06 rules: behaviour fixtures cannot show (Terraform arguments of AWS provider 6, which
the fixtures' ``terraform validate`` with provider 5.100.0 rejects) and the stateful type
list read from cfn-lint."""

from __future__ import annotations

import importlib.resources
import json

from conftest import lint_messages

from opslint.aws.stateful import (
    CLUSTER_MEMBERS,
    DELETED_ONLY_WHEN_EMPTY,
    NOT_CHECKED,
    TERRAFORM_TYPES,
    cloudformation_stateful_types,
    terraform_stateful_types,
)


def test_stateful_types_are_cfn_lints() -> None:
    data = importlib.resources.files("cfnlint.data.AdditionalSpecs").joinpath(
        "StatefulResources.json"
    )
    types = json.loads(data.read_text(encoding="utf-8"))["ResourceTypes"]
    expected = {
        name
        for name, about in types.items()
        if not about.get("DeleteRequiresEmptyResource")
        and name not in CLUSTER_MEMBERS | NOT_CHECKED | DELETED_ONLY_WHEN_EMPTY
    }
    assert cloudformation_stateful_types() == expected
    assert "AWS::S3::Bucket" not in cloudformation_stateful_types()
    assert "AWS::Backup::BackupVault" in types  # still stateful for cfn-lint: left out here


def test_every_terraform_mapping_targets_a_cfn_lint_stateful_type() -> None:
    missing = {
        name: about.cloudformation_type
        for name, about in TERRAFORM_TYPES.items()
        if about.cloudformation_type
        not in cloudformation_stateful_types() | DELETED_ONLY_WHEN_EMPTY
    }
    assert not missing, f"no longer stateful in cfn-lint: {missing}"
    assert terraform_stateful_types() == TERRAFORM_TYPES


ECS_V6 = """\
resource "aws_ecs_service" "api" {{
  name = "api"

  deployment_configuration {{
    strategy = "{strategy}"
  }}
}}
"""


def test_ecs_native_blue_green_strategy_of_provider_6_passes() -> None:
    text = ECS_V6.format(strategy="BLUE_GREEN")
    assert lint_messages({"main.tf": text}, "OPS06-BP03/ecs-deployment-strategy") == []


def test_ecs_rolling_strategy_of_provider_6_fails() -> None:
    text = ECS_V6.format(strategy="ROLLING")
    found = lint_messages({"main.tf": text}, "OPS06-BP03/ecs-deployment-strategy")
    assert len(found) == 1
    assert "plain rolling update" in found[0]


LOG_GROUP_V6 = """\
resource "aws_cloudwatch_log_group" "audit" {{
  name                        = "/audit"
  deletion_protection_enabled = {enabled}
}}
"""


def test_log_group_deletion_protection_of_provider_6() -> None:
    rule_id = "OPS06-BP01/stateful-resource-protection"
    protected = LOG_GROUP_V6.format(enabled="true")
    assert lint_messages({"main.tf": protected}, rule_id, ignore_types=[]) == []
    unprotected = LOG_GROUP_V6.format(enabled="false")
    assert len(lint_messages({"main.tf": unprotected}, rule_id, ignore_types=[])) == 1
    # ignored by default
    assert lint_messages({"main.tf": unprotected}, rule_id) == []
