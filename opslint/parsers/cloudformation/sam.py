"""SAM ``Globals``, merged into ``AWS::Serverless::*`` resources the way the SAM translator does
it (``samtranslator/plugins/globals/globals.py``). Merged mappings and lists remember the
resource's own node (``origin``), which locates an inherited value: the line the user edits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opslint.parsers.cloudformation.decoding import get, key_text

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SAM_PREFIX = "AWS::Serverless::"

# Per-property exceptions to SAM's default Globals merge (``CUSTOM_STRATEGIES`` in
# samtranslator/plugins/globals/globals.py, aws-sam-translator 1.115.0), keyed by resource type
# and the dotted property path.
_SAM_REPLACE = frozenset(
    {
        ("AWS::Serverless::Function", "Architectures"),
        ("AWS::Serverless::CapacityProvider", "InstanceRequirements.Architectures"),
    }
)
_SAM_PRUNE_AND_MERGE = frozenset({("AWS::Serverless::CapacityProvider", "ManagedResourceTags")})


class MergedDict(dict[Any, Any]):
    """A mapping merged from ``Globals`` and a resource; ``origin`` is the resource's own node,
    which locates the merged value (the line the user edits)."""

    origin: Any = None


class MergedList(list[Any]):
    """A list concatenated from ``Globals`` items and a resource's items."""

    origin: Any = None


def sam_globals(globals_node: Any) -> dict[str, dict[Any, Any]]:
    """``Globals`` sections by the resource type they apply to (``Function`` →
    ``AWS::Serverless::Function``). SAM derives the type by prefixing the section name, which
    also covers sections added after this was written."""
    if not isinstance(globals_node, dict):
        return {}
    return {
        SAM_PREFIX + key_text(section): properties
        for section, properties in globals_node.items()
        if isinstance(properties, dict)
    }


def _sam_is_intrinsic(node: Any) -> bool:
    # SAM's is_intrinsic(): a one-key dict whose key is Ref, Condition or Fn::*.
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))
    return False


def _sam_token(node: Any) -> str:
    if isinstance(node, dict):
        return "primitive" if _sam_is_intrinsic(node) else "dict"
    if isinstance(node, list):
        return "list"
    return "primitive"


def _sam_merge(resource_type: str, global_value: Any, local_value: Any, path: str) -> Any:
    """SAM's ``GlobalProperties._do_merge``: the resource wins for scalars, intrinsics and type
    mismatches; mappings merge recursively; lists are the Globals items then the resource's."""
    token = _sam_token(global_value)
    if token != _sam_token(local_value) or token == "primitive":
        return local_value
    if (resource_type, path) in _SAM_REPLACE:
        return local_value
    if token == "list":
        merged_list = MergedList([*global_value, *local_value])
        merged_list.origin = local_value
        return merged_list
    local_keys = {key_text(key): key for key in local_value}
    merged = MergedDict()
    merged.origin = local_value
    prune = (resource_type, path) in _SAM_PRUNE_AND_MERGE and bool(local_value)
    taken: set[str] = set()
    for key, value in global_value.items():
        name = key_text(key)
        child = f"{path}.{name}".lstrip(".")
        if name in local_keys:
            local_key = local_keys[name]
            merged[local_key] = _sam_merge(resource_type, value, local_value[local_key], child)
            taken.add(name)
        elif not prune:
            merged[key] = value
            taken.add(name)
    for key, value in local_value.items():
        if key_text(key) not in taken:
            merged[key] = value
    return merged


def sam_properties(
    resource_type: str, body: dict[Any, Any], properties: Any, globals_by_type: Mapping[str, Any]
) -> Any:
    section = globals_by_type.get(resource_type)
    if section is None:
        return properties
    ignore = get(body, "IgnoreGlobals")
    if isinstance(ignore, str) and ignore == "*":
        return properties
    if isinstance(ignore, list):
        skipped = {key_text(item) for item in ignore}
        section = {key: value for key, value in section.items() if key_text(key) not in skipped}
    if properties is None:
        properties = MergedDict()  # no Properties: the resource takes the Globals as they are
    return _sam_merge(resource_type, section, properties, "")
