"""Which AWS resource types carry tags, where, and which tag keys a written value sets.

The type lists come from ``opslint/data/taggable.json``, generated from the hashicorp/aws
provider schema and cfn-lint's registry schemas by ``scripts/generate_taggability.py``; the
exceptions the schemas do not tell are here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from opslint.model import (
    ABSENT,
    Choice,
    Path,
    Reference,
    Resource,
    Unit,
    Unknown,
    is_known,
    lookup,
)

TERRAFORM_EXCLUDED = frozenset({"aws_inspector_resource_group"})
"""Types with ``tags``/``tags_all`` that are not resource tags."""

TERRAFORM_TAG_BLOCKS = frozenset({"aws_autoscaling_group"})
"""Types tagged by repeated ``tag { key, value, propagate_at_launch }`` blocks (or, before
AWS provider 5, by a ``tags`` list of such maps); provider ``default_tags`` do not apply to
them."""

TERRAFORM_TAG_RESOURCES: dict[str, tuple[str, str]] = {
    # type: (attribute naming the tagged resource, attribute or block holding the key)
    "aws_ec2_tag": ("resource_id", "key"),
    "aws_ecs_tag": ("resource_arn", "key"),
    "aws_dynamodb_tag": ("resource_arn", "key"),
    "aws_transfer_tag": ("resource_id", "key"),
    "aws_autoscaling_group_tag": ("autoscaling_group_name", "tag.key"),
}
"""Resources that add one tag to another resource, out of band."""

SAM_TAGGABLE = (
    "AWS::Serverless::Api",
    "AWS::Serverless::Application",
    "AWS::Serverless::Function",
    "AWS::Serverless::GraphQLApi",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::SimpleTable",
    "AWS::Serverless::StateMachine",
)
"""SAM resource types with a ``Tags`` map (SAM types are not in the registry)."""


@cache
def _data() -> dict[str, Any]:
    text = resources.files("opslint.data").joinpath("taggable.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def terraform_taggable() -> frozenset[str]:
    """Terraform types whose resource tags can be set (``tags`` or ``tag`` blocks)."""
    types = frozenset(_data()["terraform"]) - TERRAFORM_EXCLUDED
    return types | TERRAFORM_TAG_BLOCKS


@cache
def cloudformation_tag_properties() -> dict[str, str]:
    """CloudFormation/SAM type → its tag property path (``Tags``, ``BackupVaultTags``,
    ``TagSpecifications/*/Tags``)."""
    out = {t: path for path, types in _data()["cloudformation"].items() for t in types}
    out.update({t: "Tags" for t in SAM_TAGGABLE})
    return out


def tag_keys(value: Any) -> frozenset[str] | None:
    """The tag keys a written tag value may set, in any alternative; None when unknown.

    Understands maps (Terraform ``tags``, SAM, CloudFormation map-typed tags), lists of
    ``{Key, Value}`` (or Terraform ``{key, value}`` blocks), JSON object strings, and
    ``Choice`` options (the union: a key set in some alternative is not reported).
    """
    if value is ABSENT or value is None:
        return frozenset()
    if isinstance(value, (Unknown, Reference)):
        return None
    if isinstance(value, Choice):
        keys: set[str] = set()
        for option in value.options:
            found = tag_keys(option)
            if found is None:
                return None
            keys |= found
        return frozenset(keys)
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            return None
        return tag_keys(decoded) if isinstance(decoded, dict) else None
    if isinstance(value, dict):
        if "Key" in value or "key" in value:
            return _key_of(value.get("Key", value.get("key")))
        if any(not isinstance(k, str) or "${" in k for k in value):
            return None
        return frozenset(value)
    if isinstance(value, list):
        keys = set()
        for item in value:
            if isinstance(item, dict) and not ("Key" in item or "key" in item):
                return None  # a list item that is not a tag: we do not know this shape
            found = tag_keys(item)
            if found is None:
                return None
            keys |= found
        return frozenset(keys)
    return None


def _key_of(value: Any) -> frozenset[str] | None:
    if isinstance(value, Choice):
        keys: set[str] = set()
        for option in value.options:
            if option is ABSENT:
                continue
            found = _key_of(option)
            if found is None:
                return None
            keys |= found
        return frozenset(keys)
    if isinstance(value, str) and "${" not in value:
        return frozenset({value})
    return None


def nested_tag_keys(value: Any, path: str) -> frozenset[str] | None:
    """Tag keys under a tag property path with ``*`` steps (``TagSpecifications/*/Tags``)."""
    if not path:
        return tag_keys(value)
    head, _, rest = path.partition("/")
    if value is ABSENT or value is None:
        return frozenset()
    if isinstance(value, (Unknown, Reference, Choice)):
        return None
    if head == "*":
        if not isinstance(value, list):
            return None
        keys: set[str] = set()
        for item in value:
            found = nested_tag_keys(item, rest)
            if found is None:
                return None
            keys |= found
        return frozenset(keys)
    if not isinstance(value, dict):
        return None
    return nested_tag_keys(value.get(head, ABSENT), rest)


@dataclass(frozen=True)
class Tags:
    """A resource's tags as written: each key's value and where it is written.

    ``complete`` is False when some of the tags cannot be read (a variable, a function
    opslint does not evaluate, an entry without a string ``Key``): a key not found may then
    still be set. On a repeated key the first entry counts (CloudFormation rejects the
    template; Terraform maps cannot repeat keys).
    """

    attribute: str
    values: Mapping[str, Any] = field(default_factory=dict)
    paths: Mapping[str, Path] = field(default_factory=dict)
    complete: bool = True

    def get(self, key: str) -> Any:
        """The value of tag ``key``: ABSENT when it is not set, :class:`Unknown` when the
        tags cannot be read and it is not among the readable ones."""
        if key in self.values:
            return self.values[key]
        return ABSENT if self.complete else Unknown("tags")

    def path(self, key: str) -> Path:
        """Where tag ``key``'s value is written (``("tags", key)``, ``("Tags", 2, "Value")``),
        the tags attribute when it is not written."""
        return self.paths.get(key, (self.attribute,))

    def keys(self) -> frozenset[str] | None:
        """The keys set, None when some tags cannot be read (a key not found may be set)."""
        return frozenset(self.values) if self.complete else None

    def as_map(self) -> dict[str, Any] | None:
        """Every tag as a map, None when some cannot be read or hold unresolved values."""
        if not self.complete or not is_known(dict(self.values)):
            return None
        return dict(self.values)


def tags_of(resource: Resource) -> Tags:
    """The one reader of a resource's own tags: Terraform's ``tags`` map (an Auto Scaling
    group's ``tag`` blocks or legacy ``tags`` list), CloudFormation's ``Tags`` list of
    ``Key``/``Value`` entries, SAM's ``Tags`` map."""
    if resource.framework == "terraform" and resource.type in TERRAFORM_TAG_BLOCKS:
        return _group_tags(resource)
    name = "tags" if resource.framework == "terraform" else "Tags"
    written = resource.get(name)
    if written is ABSENT:
        return Tags(name)
    if isinstance(written, dict):
        keys = [k for k in written if isinstance(k, str)]
        return Tags(name, {k: written[k] for k in keys}, {k: (name, k) for k in keys})
    if not isinstance(written, list):
        return Tags(name, complete=False)
    values: dict[str, Any] = {}
    paths: dict[str, Path] = {}
    complete = True
    for index, entry in enumerate(written):
        if not isinstance(entry, dict) or not isinstance(entry.get("Key"), str):
            complete = False
        elif entry["Key"] not in values:
            values[entry["Key"]] = entry.get("Value", ABSENT)
            paths[entry["Key"]] = (name, index, "Value")
    return Tags(name, values, paths, complete)


def _group_tags(resource: Resource) -> Tags:
    """An Auto Scaling group's tags: ``tag { key, value, propagate_at_launch }`` blocks, and
    the ``tags`` list of ``{key, value, propagate_at_launch}`` maps that AWS provider
    versions before 5 accept (still in configurations pinned to them)."""
    values: dict[str, Any] = {}
    paths: dict[str, Path] = {}
    complete = True
    written = {n: resource.attributes.get(n, ABSENT) for n in ("tag", "tags")}
    for name, value in written.items():
        if value is ABSENT or value is None:
            continue
        if isinstance(value, dict):  # one block
            entries: list[tuple[Path, Any]] = [((name,), value)]
        elif isinstance(value, list):
            entries = [((name, index), entry) for index, entry in enumerate(value)]
        else:  # a dynamic block, a variable, a computed list
            complete = False
            continue
        for where, entry in entries:
            key = entry.get("key") if isinstance(entry, dict) else None
            if not isinstance(key, str) or "${" in key:
                complete = False
            elif key not in values:
                values[key] = entry.get("value", ABSENT)
                paths[key] = (*where, "value")
    attribute = "tags" if written["tag"] is ABSENT and written["tags"] is not ABSENT else "tag"
    return Tags(attribute, values, paths, complete)


def tag_map(value: Any) -> dict[str, Any] | None:
    """A written tag value as key → value: a map (Terraform, SAM, map-typed CloudFormation
    tags) or a list of ``Key``/``Value`` entries; None when any key cannot be read."""
    if value is ABSENT or value is None:
        return {}
    if isinstance(value, dict):
        if any(not isinstance(k, str) or "${" in k for k in value):
            return None
        return dict(value)
    if isinstance(value, list):
        out: dict[str, Any] = {}
        for item in value:
            key = item.get("Key") if isinstance(item, dict) else None
            if not isinstance(key, str) or "${" in key:
                return None
            out.setdefault(key, item.get("Value", ABSENT))
        return out
    return None


def default_tags_sources(unit: Unit, resource: Resource) -> list[Any] | None:
    """The ``default_tags.tags`` values of the AWS provider configurations a Terraform
    resource uses (its ``provider`` meta-argument, else the default configuration); an
    empty list for a root module that configures no such provider (no default tags); None
    when they are not visible (a module inherits its caller's provider, or the resource
    uses a provider configuration opslint cannot name)."""
    provider = resource.get_meta("provider")
    if provider is ABSENT:
        alias = ""
    elif isinstance(provider, str) and provider.split(".", 1)[0] == "aws":
        alias = provider.partition(".")[2]
    else:
        return None
    configs = [p for p in unit.providers if p.name == "aws" and p.alias == alias]
    if not configs:
        settings = unit.settings
        is_root = settings is not None and (settings.backend is not None or settings.cloud)
        # a module without this provider configuration inherits its caller's
        return [] if alias == "" and is_root else None
    return [lookup(p.attributes, "default_tags.tags") for p in configs]
