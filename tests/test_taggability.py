"""``opslint/data/taggable.json`` matches its sources: the registry schemas of the installed
cfn-lint and (where terraform and the provider mirror exist) the hashicorp/aws schema."""

from __future__ import annotations

import importlib.util
import json
import shutil
from functools import cache
from types import ModuleType
from typing import Any

import pytest
from conftest import REPO, provider_mirror_or_skip, terraform_or_skip

from opslint.aws.tagging import (
    cloudformation_tag_properties,
    nested_tag_keys,
    tag_keys,
    terraform_taggable,
)
from opslint.model import ABSENT, Choice, Reference, Unknown

pytestmark = pytest.mark.slow
"""End to end with real tools: deselect with ``-m "not slow"`` for a fast inner loop."""


@cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_taggability", REPO / "scripts" / "generate_taggability.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (REPO / "opslint" / "data" / "taggable.json").read_text(encoding="utf-8")
    )
    return data


def test_cloudformation_part_matches_installed_cfn_lint() -> None:
    assert shipped()["cloudformation"] == generator().cloudformation_taggable()


def test_terraform_part_matches_provider_schema() -> None:
    terraform = terraform_or_skip()
    mirror = provider_mirror_or_skip()
    schema = generator().provider_schema(mirror, shutil.which(terraform) or terraform)
    assert shipped()["terraform"] == generator().terraform_taggable(schema)


def test_exceptions_and_known_types() -> None:
    taggable = terraform_taggable()
    assert "aws_s3_bucket" in taggable
    assert "aws_autoscaling_group" in taggable  # tag blocks
    assert "aws_inspector_resource_group" not in taggable
    assert "aws_s3_bucket_versioning" not in taggable
    properties = cloudformation_tag_properties()
    assert properties["AWS::S3::Bucket"] == "Tags"
    assert properties["AWS::Backup::BackupVault"] == "BackupVaultTags"
    assert properties["AWS::Serverless::Function"] == "Tags"
    assert "AWS::IAM::InstanceProfile" not in properties
    assert not any(t.startswith("AWS::Lightsail::Alarm") for t in properties)


def test_tag_keys_shapes() -> None:
    assert tag_keys({"owner": "x"}) == frozenset({"owner"})
    assert tag_keys([{"Key": "owner", "Value": Unknown("p")}]) == frozenset({"owner"})
    assert tag_keys('{"owner": "x"}') == frozenset({"owner"})
    assert tag_keys(ABSENT) == frozenset()
    assert tag_keys(Unknown("var")) is None
    assert tag_keys(Reference("Param")) is None
    assert tag_keys([Unknown("item")]) is None
    assert tag_keys(Choice(({"owner": "x"}, ABSENT))) == frozenset({"owner"})
    assert tag_keys({"${var.k}": "x"}) is None
    spec = [{"ResourceType": "instance", "Tags": [{"Key": "owner", "Value": "x"}]}]
    assert nested_tag_keys(spec, "*/Tags") == frozenset({"owner"})
