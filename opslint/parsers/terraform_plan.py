"""Terraform plan JSON (``terraform show -json``): what will be deployed, value by value.

Recognised by content (``format_version`` with ``planned_values`` or ``resource_changes``),
whatever the file is called. Resources come from ``planned_values`` (the root module and its
child modules); values known only after apply (``after_unknown``) and sensitive values are
:class:`~opslint.model.Unknown`, or a :class:`~opslint.model.Reference` where the
configuration's expression names the resource they come from, so cross-resource rules work.
Provider ``default_tags`` are already merged into ``tags_all``, which stands for ``tags``.

A plan on its own is located in the plan file (the line of the resource's entry; line 1 for
the one-line JSON Terraform writes). A plan beside the ``.tf`` files of the root module it was
made from describes that module: :func:`apply_plan` gives the module's resources the plan's
values and keeps their locations in the ``.tf`` files, so each problem is reported once.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from opslint.model import (
    Diagnostic,
    Path,
    Provenance,
    Reference,
    Resource,
    Span,
    Unit,
    Unknown,
    lookup,
)

_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")


def looks_like_plan(text: str) -> bool:
    head = text[:4096]
    return '"format_version"' in head and (
        '"planned_values"' in text or '"resource_changes"' in text
    )


def parse_plan(path: str, text: str) -> Unit | None:
    """The plan's resources as a Terraform unit, or None when ``text`` is not a plan."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Unit(
            framework="terraform",
            path=path,
            resources=(),
            files=(path,),
            diagnostics=(Diagnostic(path, f"plan JSON does not parse: {exc}"[:300]),),
        )
    if not isinstance(data, dict) or "format_version" not in data:
        return None
    planned = data.get("planned_values")
    if not isinstance(planned, dict):
        return None
    changes = {
        str(rc.get("address")): rc.get("change") or {}
        for rc in data.get("resource_changes") or []
        if isinstance(rc, dict)
    }
    expressions = dict(_configured(_get(data, "configuration", "root_module"), ""))
    resources = [
        _resource(path, text, entry, changes.get(str(entry.get("address")), {}), expressions)
        for entry in _planned(planned.get("root_module"))
    ]
    return Unit(framework="terraform", path=path, resources=tuple(resources), files=(path,))


def base_address(address: str) -> str:
    """``module.a["x"].aws_x.y[0]`` → ``module.a.aws_x.y``: one instance stands for all."""
    return _INSTANCE_KEY.sub("", address)


def apply_plan(unit: Unit, plan: Unit) -> Unit:
    """The module's resources with the values the plan gives them (the first instance's),
    their locations kept; a resource the plan does not create is left out."""
    planned: dict[str, Resource] = {}
    for resource in plan.resources:
        planned.setdefault(base_address(resource.name), resource)
    resources = []
    for resource in unit.resources:
        if resource.kind != "resource":
            resources.append(resource)
            continue
        found = planned.get(resource.name)
        if found is None:
            continue  # no instance in this plan: not deployed
        resources.append(
            replace(
                resource,
                attributes=found.attributes,
                references=resource.references | found.references,
                # what the .tf files take from elsewhere, the plan now gives
                provenance={
                    path: (Provenance("plan", _dotted(path), lookup(found.attributes, path)),)
                    for path in resource.provenance
                },
            )
        )
    return replace(unit, resources=tuple(resources), files=(*unit.files, plan.path))


# --- reading ---------------------------------------------------------------------------------


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _planned(module: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(module, dict):
        return
    for entry in module.get("resources") or []:
        if isinstance(entry, dict) and isinstance(entry.get("address"), str):
            yield entry
    for child in module.get("child_modules") or []:
        yield from _planned(child)


def _configured(module: Any, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(resource address, its expressions with references made absolute) of a configuration
    module and its module calls."""
    if not isinstance(module, dict):
        return
    for entry in module.get("resources") or []:
        if isinstance(entry, dict) and isinstance(entry.get("address"), str):
            expressions = entry.get("expressions")
            yield (
                prefix + entry["address"],
                _absolute(expressions if isinstance(expressions, dict) else {}, prefix),
            )
    for name, call in (module.get("module_calls") or {}).items():
        yield from _configured(_get(call, "module"), f"{prefix}module.{name}.")


def _absolute(expressions: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in expressions.items():
        if isinstance(value, dict) and isinstance(value.get("references"), list):
            refs = [prefix + r for r in value["references"] if isinstance(r, str)]
            result[key] = {**value, "references": refs}
        else:
            result[key] = value
    return result


def _resource(
    path: str,
    text: str,
    entry: dict[str, Any],
    change: Mapping[str, Any],
    expressions: Mapping[str, Mapping[str, Any]],
) -> Resource:
    address = str(entry["address"])
    values = entry.get("values")
    attributes: dict[str, Any] = dict(values) if isinstance(values, dict) else {}
    configured = expressions.get(base_address(address), {})
    references: set[str] = set()
    for expression in configured.values():
        if isinstance(expression, dict):
            for ref in expression.get("references") or []:
                references.add(_target(ref)[0])
    unknown = change.get("after_unknown")
    for key, flag in unknown.items() if isinstance(unknown, dict) else []:
        refs = _get(configured, key, "references") or []
        marked = _mark(attributes.get(key), flag, f"{address}.{key}", refs)
        if marked is not _UNCHANGED:
            attributes[key] = marked
    sensitive = change.get("after_sensitive", entry.get("sensitive_values"))
    for key, flag in sensitive.items() if isinstance(sensitive, dict) else []:
        if flag is True:
            attributes[key] = Unknown("sensitive value", f"{address}.{key}")
    tags = attributes.get("tags_all")
    if isinstance(tags, dict):
        attributes["tags"] = tags  # provider default_tags merged in
    # a value is written in the configuration when its expression is a constant
    provenance: dict[Path, tuple[Provenance, ...]] = {
        (key,): (Provenance("plan", key, value),)
        for key, value in attributes.items()
        if not (isinstance(configured.get(key), dict) and "constant_value" in configured[key])
    }
    line = _line(text, address)
    mode = entry.get("mode")
    return Resource(
        framework="terraform",
        type=str(entry.get("type", "")),
        name=address,
        path=path,
        span=Span(line, line),
        attributes=attributes,
        references=frozenset(r for r in references if r != base_address(address)),
        kind="data" if mode == "data" else "resource",
        provenance=provenance,
    )


def _dotted(path: Path) -> str:
    return ".".join(str(step) for step in path)


_UNCHANGED = object()


def _mark(value: Any, flag: Any, source: str, refs: list[Any]) -> Any:
    """``value`` with what ``after_unknown`` flags as unknown replaced."""
    if flag is True:
        for ref in refs:
            address, attribute = _target(str(ref))
            if attribute:
                return Reference(address, attribute)
        return Unknown("known after apply", source, tuple(_target(str(r))[0] for r in refs))
    if isinstance(flag, dict) and isinstance(value, dict):
        result = dict(value)
        for key, inner in flag.items():
            marked = _mark(value.get(key), inner, f"{source}.{key}", [])
            if marked is not _UNCHANGED:
                result[key] = marked
        return result
    if isinstance(flag, list) and isinstance(value, list):
        return [
            item if index >= len(flag) else _unchanged(_mark(item, flag[index], source, []), item)
            for index, item in enumerate(value)
        ]
    return _UNCHANGED


def _unchanged(marked: Any, original: Any) -> Any:
    return original if marked is _UNCHANGED else marked


def _target(ref: str) -> tuple[str, tuple[str, ...]]:
    """``aws_sns_topic.t.arn`` → (``aws_sns_topic.t``, (``arn``,)); module and data
    addresses kept whole."""
    parts = base_address(ref).split(".")
    start = 0
    while parts[start : start + 1] == ["module"] and len(parts) > start + 2:
        start += 2
    width = 3 if parts[start : start + 1] == ["data"] else 2
    end = min(len(parts), start + width)
    return ".".join(parts[:end]), tuple(parts[end:])


def _line(text: str, address: str) -> int:
    """The line of the resource's entry in ``planned_values`` (1 for one-line JSON)."""
    start = text.find('"planned_values"')
    match = re.compile(r'"address":\s*' + re.escape(json.dumps(address))).search(
        text, max(start, 0)
    )
    return 1 if match is None else text.count("\n", 0, match.start()) + 1


def is_plan_unit(unit: Unit) -> bool:
    return (
        unit.framework == "terraform" and unit.path.endswith(".json") and unit.files == (unit.path,)
    )


def attach_plans(units: list[Unit]) -> list[Unit]:
    """Each plan lying in the folder of the root module it was made from describes that
    module (values from the plan, locations from the ``.tf`` files); other plans stay units
    of their own."""
    folders = {
        posixpath.normpath(u.path): index
        for index, u in enumerate(units)
        if u.framework == "terraform" and not is_plan_unit(u)
    }
    result = list(units)
    dropped: set[int] = set()
    for index, unit in enumerate(units):
        if not is_plan_unit(unit) or unit.diagnostics:
            continue
        target = folders.get(posixpath.normpath(posixpath.dirname(unit.path) or "."))
        if target is None:
            continue
        result[target] = apply_plan(result[target], unit)
        dropped.add(index)
    return [u for index, u in enumerate(result) if index not in dropped]
