"""OPS06 rules: behaviour fixtures cannot show (Terraform arguments of AWS provider 6, which
the fixtures' ``terraform validate`` with provider 5.100.0 rejects) and the stateful type
list read from cfn-lint."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

from opslint.aws.stateful import (
    CLUSTER_MEMBERS,
    NOT_CHECKED,
    TERRAFORM_TYPES,
    cloudformation_stateful_types,
    terraform_stateful_types,
)
from opslint.config import load_config
from opslint.discover import discover
from opslint.model import Unit
from opslint.registry import load_registry
from opslint.rule import Context, Rule


def rule(rule_id: str) -> Rule:
    for cls in load_registry(entry_points=False):
        if cls.id == rule_id:
            return cls()
    raise AssertionError(f"{rule_id} is not registered")


def unit_for(tmp_path: Path, text: str) -> Unit:
    from opslint.parse import build_tasks, parse_all

    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    units = parse_all(build_tasks(discover([str(tmp_path)]), load_config(None, tmp_path)), jobs=1)
    assert len(units) == 1
    return units[0]


def messages(tmp_path: Path, rule_id: str, text: str, **options: Any) -> list[str]:
    checker = rule(rule_id)
    unit = unit_for(tmp_path, text)
    ctx = Context(unit=unit, options={**checker.default_options(), **options})
    return [v.message for v in checker.check_unit(unit, ctx)]


def test_stateful_types_are_cfn_lints() -> None:
    data = importlib.resources.files("cfnlint.data.AdditionalSpecs").joinpath(
        "StatefulResources.json"
    )
    types = json.loads(data.read_text(encoding="utf-8"))["ResourceTypes"]
    expected = {
        name
        for name, about in types.items()
        if not about.get("DeleteRequiresEmptyResource")
        and name not in CLUSTER_MEMBERS | NOT_CHECKED
    }
    assert cloudformation_stateful_types() == expected
    assert "AWS::S3::Bucket" not in cloudformation_stateful_types()


def test_every_terraform_mapping_targets_a_cfn_lint_stateful_type() -> None:
    missing = {
        name: about.cloudformation_type
        for name, about in TERRAFORM_TYPES.items()
        if about.cloudformation_type not in cloudformation_stateful_types()
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


def test_ecs_native_blue_green_strategy_of_provider_6_passes(tmp_path: Path) -> None:
    text = ECS_V6.format(strategy="BLUE_GREEN")
    assert messages(tmp_path, "OPS06-BP03/ecs-deployment-strategy", text) == []


def test_ecs_rolling_strategy_of_provider_6_fails(tmp_path: Path) -> None:
    text = ECS_V6.format(strategy="ROLLING")
    found = messages(tmp_path, "OPS06-BP03/ecs-deployment-strategy", text)
    assert len(found) == 1
    assert "plain rolling update" in found[0]


LOG_GROUP_V6 = """\
resource "aws_cloudwatch_log_group" "audit" {{
  name                        = "/audit"
  deletion_protection_enabled = {enabled}
}}
"""


def test_log_group_deletion_protection_of_provider_6(tmp_path: Path) -> None:
    rule_id = "OPS06-BP01/stateful-resource-protection"
    protected = LOG_GROUP_V6.format(enabled="true")
    assert messages(tmp_path, rule_id, protected, ignore_types=[]) == []
    unprotected = LOG_GROUP_V6.format(enabled="false")
    assert len(messages(tmp_path, rule_id, unprotected, ignore_types=[])) == 1
    # ignored by default
    assert messages(tmp_path, rule_id, unprotected) == []
