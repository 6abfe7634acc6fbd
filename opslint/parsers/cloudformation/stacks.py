"""CloudFormation nested stacks: the module calls of CloudFormation.

An ``AWS::CloudFormation::Stack`` whose ``TemplateURL`` is a local path (what ``aws
cloudformation package`` and ``sam build`` start from) or the URL of a template published
from the repository (see :func:`published_copy`), or a SAM ``AWS::Serverless::Application``
whose ``Location`` is one, instantiates the child template
with the parent's ``Parameters``: the child's resources join the parent's unit as
``Parent/LogicalId``, remember which parent parameter decided each value (so findings land
on the parent's line) and ``!GetAtt Child.Outputs.X`` is the child's output value.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from opslint.model import Path, Resource, Span
from opslint.parsers.terraform.calls import attribute_origins, rename_value

NESTED_TYPES = {
    "AWS::CloudFormation::Stack": "TemplateURL",
    "AWS::Serverless::Application": "Location",
}
MAX_DEPTH = 16


@dataclass(frozen=True)
class StackCall:
    """How a template is instantiated: the parent's parameter values, the address prefix of
    its resources and the templates above it (the cycle guard)."""

    parameters: Mapping[str, Any]
    prefix: str
    stack: tuple[str, ...]


TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def child_template(parent: str, resource: Resource) -> str | None:
    """The template of the repository a nested stack resource names: a local path, or the
    repository's copy of a published template (see :func:`published_copy`); None for an
    application from the Serverless Application Repository, a value opslint cannot resolve,
    or a missing file."""
    key = NESTED_TYPES.get(resource.type)
    location = resource.get(key) if key else None
    if not isinstance(location, str):
        return None
    folder = posixpath.dirname(parent) or "."
    if "://" in location or location.startswith("s3:"):
        return published_copy(folder, location)
    path = posixpath.normpath(posixpath.join(folder, location))
    if os.path.isfile(path):
        return path
    # Build tools package from a folder below the template (`sam build` and Makefiles run
    # from `<service>/build`), so `../../shared/dlq.yaml` is written for one level deeper:
    # read it from there, never from further up than the path as written.
    while location.startswith("../"):
        location = location[3:]
        path = posixpath.normpath(posixpath.join(folder, location))
        if os.path.isfile(path):
            return path
    return None


def published_copy(folder: str, url: str) -> str | None:
    """The repository's copy of the template an HTTPS or S3 ``url`` names: templates are
    published from the repository that holds them (``https://bucket.s3.amazonaws.com/
    app/latest/templates/db.yaml`` is ``templates/db.yaml`` of the repository), so the
    longest tail of the URL's path that is a file in the parent's folder or below it
    stands for the published template. Nothing above the parent's folder is read."""
    address = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    parts = [p for p in address.split("/")[1:] if p and p not in (".", "..")]
    if not parts or not parts[-1].endswith(TEMPLATE_SUFFIXES):
        return None
    for start in range(len(parts)):
        path = posixpath.normpath(posixpath.join(folder, *parts[start:]))
        if os.path.isfile(path):
            return path
    return None


def parameters_of(resource: Resource) -> dict[str, Any]:
    value = resource.get("Parameters")
    return dict(value) if isinstance(value, dict) else {}


def adopt(
    resources: tuple[Resource, ...],
    outputs: Mapping[str, Any],
    parent: Resource,
    has_caller: bool,
) -> tuple[list[Resource], dict[str, Any]]:
    """The child's resources and outputs as the parent's unit sees them: named
    ``Parent/LogicalId``, with each value's origin among the parent's ``Parameters``."""
    own = {r.name for r in resources}
    prefix = parent.name

    def rename(address: str) -> str:
        return f"{prefix}/{address}" if address.split("/", 1)[0] in own else address

    moved = [
        replace(
            r,
            name=f"{prefix}/{r.name}",
            module=f"{prefix}/{r.module}" if r.module else prefix,
            attributes=rename_value(dict(r.attributes), rename),
            references=frozenset(rename(a) for a in r.references),
        )
        for r in resources
    ]
    names = list(parameters_of(parent))
    spans: dict[Path, Span] = {(n,): parent.location(("Parameters", n)) for n in names}
    inputs: dict[Path, tuple[str, ...]] = {}
    for where, found in parent.inputs.items():
        if where[:1] == ("Parameters",) and len(where) > 1:
            argument: Path = (where[1],)
            inputs[argument] = (*inputs.get(argument, ()), *found)
    placed = attribute_origins(moved, parent.path, parent.span, names, spans, inputs, has_caller)
    return placed, {k: rename_value(v, rename) for k, v in outputs.items()}


def output_value(outputs: Mapping[str, Any] | None, attribute: str) -> Any:
    """``Outputs.X`` of a followed nested stack, or None when it is not one."""
    if outputs is None or not attribute.startswith("Outputs."):
        return None
    return outputs.get(attribute.removeprefix("Outputs."))


__all__ = [
    "MAX_DEPTH",
    "NESTED_TYPES",
    "StackCall",
    "adopt",
    "child_template",
    "output_value",
    "published_copy",
]
