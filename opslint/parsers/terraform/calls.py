"""Module calls: what a ``module`` block instantiates and how its resources join the caller.

A call whose ``source`` is a local folder is followed: the child module is evaluated with the
caller's arguments, its resources get Terraform's addresses (``module.svc.module.logs.x.y``)
and remember which caller argument decided each value (:class:`~opslint.model.Origin`), so a
finding lands on the line the user edits. ``count``/``for_each`` instances are not multiplied:
one instance stands for all (``each.value`` is a :class:`~opslint.model.Choice` of every
instance's value), and a resource or call with no instance does not exist.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from opslint.model import ABSENT, Choice, Origin, Path, Reference, Resource, Span, Unknown
from opslint.parsers.terraform.template_files import TemplateFiles
from opslint.parsers.terraform.values import concrete, equal, to_number, to_string
from opslint.reading import read_regular

MAX_DEPTH = 32
"""Module calls nested deeper than this are not followed."""
MAX_INSTANCES = 100
"""``count``/``for_each`` over more instances than this leaves ``count.index`` and ``each``
unknown (keeps the Choices small)."""


@dataclass(frozen=True)
class Caller:
    """How a module is called: the arguments of the call, the module address it gets, the
    folders being instantiated above it (the cycle guard) and the shared memo."""

    arguments: Mapping[str, Any]
    prefix: str
    stack: tuple[str, ...]
    session: Session


@dataclass(frozen=True)
class Instance:
    """A child module evaluated for one set of arguments, with the address it got."""

    prefix: str
    resources: tuple[Resource, ...]
    outputs: Mapping[str, Any]
    called: frozenset[str]
    not_followed: tuple[tuple[str, str], ...]


@dataclass
class Session:
    """What one root module's parse shares with every module it calls: evaluated instances
    by (folder, arguments), so a module called 50 times with the same arguments is evaluated
    once, and the module folders ``terraform init`` recorded (``.terraform/modules``)."""

    instances: dict[tuple[str, str], Instance] = field(default_factory=dict)
    installed: dict[str, str] | None = None
    """Module key (``svc.logs``) → folder, from ``.terraform/modules/modules.json``."""
    templates: TemplateFiles | None = None
    """The template files ``templatefile()`` reads (inside the scan root)."""


def module_files(directory: str) -> list[str]:
    """The ``.tf`` and ``.tf.json`` files of a module folder (display paths), sorted."""
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return []
    files = []
    for name in names:
        if not name.endswith((".tf", ".tf.json")):
            continue
        path = name if directory in ("", ".") else f"{directory.rstrip('/')}/{name}"
        if os.path.isfile(path):
            files.append(path)
    return sorted(files)


def is_local(source: str) -> bool:
    return source.startswith(("./", "../"))


def child_folder(directory: str, source: str) -> str:
    return posixpath.normpath(posixpath.join(directory or ".", source))


def installed_modules(root: str) -> dict[str, str] | None:
    """Module key → folder (display path) from the ``.terraform/modules/modules.json`` that
    ``terraform init`` writes in a root module; None when there is none."""
    manifest = posixpath.join(root or ".", ".terraform", "modules", "modules.json")
    try:  # a regular file only (never a pipe), like every file read from the scanned tree
        data = json.loads(read_regular(manifest).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    found: dict[str, str] = {}
    entries = data.get("Modules") if isinstance(data, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        key, folder = entry.get("Key"), entry.get("Dir")
        if isinstance(key, str) and key and isinstance(folder, str):
            found[key] = posixpath.normpath(posixpath.join(root or ".", folder))
    return found


def instance_scope(meta: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Whether a resource or module call with these meta-arguments has any instance, and
    what ``count.index`` / ``each.key`` / ``each.value`` stand for when its instances are
    known (one instance stands for all: a Choice of every instance's value)."""
    count = meta.get("count", ABSENT)
    if count is not ABSENT and count is not None:
        number = to_number(count) if concrete(count) else None
        if isinstance(number, int):
            if number <= 0:
                return False, {}
            if number <= MAX_INSTANCES:
                return True, {"count": {"index": _either(list(range(number)), "count.index")}}
        return True, {}
    for_each = meta.get("for_each", ABSENT)
    if not isinstance(for_each, (dict, list)) or not concrete(for_each):
        return True, {}
    if not for_each:
        return False, {}
    if len(for_each) > MAX_INSTANCES:
        return True, {}
    if isinstance(for_each, dict):
        keys, values = list(for_each), list(for_each.values())
    else:  # a set of strings: key and value are the element
        keys = values = [to_string(v) for v in for_each]
        if any(k is None for k in keys):
            return True, {}
    return True, {
        "each": {"key": _either(keys, "each.key"), "value": _either(values, "each.value")}
    }


def _either(items: list[Any], label: str) -> Any:
    if all(equal(item, items[0]) for item in items[1:]):
        return items[0]
    return Choice(tuple(items), label)


# --- addresses ------------------------------------------------------------------------------


def renamer(old: str, new: str) -> Callable[[str], str]:
    """Moves addresses inside module address ``old`` to ``new``; others stay."""
    head = old + "."

    def rename(address: str) -> str:
        if address == old or address.startswith(head):
            return new + address[len(old) :]
        return address

    return rename


def rename_value(value: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(value, Reference):
        return Reference(rename(value.address), value.attribute)
    if isinstance(value, Unknown):
        if not value.references:
            return value
        return Unknown(value.reason, value.source, tuple(rename(r) for r in value.references))
    if isinstance(value, Choice):
        options = tuple(o if o is ABSENT else rename_value(o, rename) for o in value.options)
        return Choice(options, value.condition)
    if isinstance(value, dict):
        return {k: rename_value(v, rename) for k, v in value.items()}
    if isinstance(value, list):
        return [rename_value(v, rename) for v in value]
    return value


def rename_resource(resource: Resource, rename: Callable[[str], str]) -> Resource:
    return replace(
        resource,
        name=rename(resource.name),
        module=rename(resource.module),
        attributes=rename_value(dict(resource.attributes), rename),
        meta=rename_value(dict(resource.meta), rename),
        references=frozenset(rename(r) for r in resource.references),
    )


def moved(instance: Instance, prefix: str) -> Instance:
    """A memoised instance at another module address."""
    if instance.prefix == prefix:
        return instance
    rename = renamer(instance.prefix, prefix)
    return Instance(
        prefix,
        tuple(rename_resource(r, rename) for r in instance.resources),
        {k: rename_value(v, rename) for k, v in instance.outputs.items()},
        instance.called,
        tuple((rename(a), why) for a, why in instance.not_followed),
    )


def memo_key(value: Any) -> str:
    """A text that tells argument sets apart (Unknowns with their references)."""
    if isinstance(value, Unknown):
        return f"U({value.reason!r},{value.source!r},{value.references!r})"
    if isinstance(value, Choice):
        return f"C({value.condition!r},[{','.join(memo_key(o) for o in value.options)}])"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{memo_key(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(memo_key(v) for v in value) + "]"
    return repr(value)


# --- where values came from -----------------------------------------------------------------


def attribute_origins(
    resources: Iterable[Resource],
    path: str,
    call_span: Span,
    arguments: Iterable[str],
    spans: Mapping[Path, Span],
    inputs: Mapping[Path, tuple[str, ...]],
    has_caller: bool,
) -> list[Resource]:
    """The child's resources with each value's origin: a value worked out from a variable
    the call passes comes from that argument (``spans`` of the call at ``path``). When the
    argument itself comes from the caller's own variables and the caller is called too, the
    value's inputs become those variables, so the next caller out can claim it."""
    given = frozenset(arguments)
    passed: dict[str, tuple[str, ...]] = {}
    for where, names in inputs.items():
        if where:
            passed[str(where[0])] = (*passed.get(str(where[0]), ()), *names)
    result = []
    for resource in resources:
        if not resource.inputs:
            result.append(resource)
            continue
        origins = dict(resource.origins)
        outer: dict[Path, tuple[str, ...]] = {}
        for attribute, names in resource.inputs.items():
            found = None
            further: list[str] = []
            for name in names:
                if name not in given:
                    continue  # not passed: the module's own default
                found = found or Origin(path, spans.get((name,), call_span))
                further.extend(passed.get(name, ()))
            if found is not None:
                origins[attribute] = found
            if has_caller and further:
                outer[attribute] = tuple(dict.fromkeys(further))
        result.append(replace(resource, origins=origins, inputs=outer))
    return result


__all__ = [
    "MAX_DEPTH",
    "Caller",
    "Instance",
    "Session",
    "attribute_origins",
    "child_folder",
    "installed_modules",
    "instance_scope",
    "is_local",
    "memo_key",
    "module_files",
    "moved",
]
