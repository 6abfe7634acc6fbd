"""Resources typed by another tool's tag (``Type: !Rain::Module vpc.yml``): templates for
Rain and similar tools, which expand these resources before CloudFormation sees the
template. They are not checked, and a template says so once per tag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opslint.model import Diagnostic

TOOLS = {"Rain::Module": "Rain"}
"""Tags other tools expand into resources, by the tool's name."""
_CFN_FUNCTIONS = frozenset(
    {
        "Ref",
        "Condition",
        "Fn::And",
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::Equals",
        "Fn::FindInMap",
        "Fn::GetAtt",
        "Fn::GetAZs",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Length",
        "Fn::Not",
        "Fn::Or",
        "Fn::Select",
        "Fn::Split",
        "Fn::Sub",
        "Fn::ToJsonString",
        "Fn::Transform",
    }
)
"""CloudFormation's own functions: one in ``Type`` is a mistake, not another tool's tag."""


def foreign_tag(kind: Any) -> str | None:
    """``Rain::Module`` for ``Type: !Rain::Module vpc.yml`` (the decoder reads an unknown
    ``!X`` tag as ``{"Fn::X": ...}``) or its JSON form ``"Type": {"Rain::Module": ...}``: a
    resource type another tool fills in; CloudFormation itself takes no function in
    ``Type``."""
    if not isinstance(kind, dict) or len(kind) != 1:
        return None
    key = next(iter(kind))
    if not isinstance(key, str) or key in _CFN_FUNCTIONS:
        return None
    if key.startswith("Fn::"):
        return key.removeprefix("Fn::")
    return key if "::" in key else None


def not_checked(path: str, foreign: Mapping[str, list[tuple[str, int | None]]]) -> list[Diagnostic]:
    """One note per tag: which resources another tool expands, so were not checked."""
    notes = []
    for tag, resources in foreign.items():
        names = ", ".join(name for name, _ in resources)
        tool = TOOLS.get(tag, "another tool")
        count = f"{len(resources)} resource{'s' if len(resources) > 1 else ''}"
        notes.append(
            Diagnostic(
                path,
                f"{count} typed `{tag}` ({names}): a template for {tool}, which expands them "
                "before deployment; those resources were not checked",
                resources[0][1],
                code="not-checked",
            )
        )
    return notes
