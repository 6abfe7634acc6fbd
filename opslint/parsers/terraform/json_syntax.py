"""Terraform JSON syntax (``.tf.json``, ``.tfvars.json``) read with PyYAML's composer, whose
nodes keep line marks: strict JSON checking, literal values, block bodies and spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opslint.model import Diagnostic, Path, Span
from opslint.parsers.terraform.values import NUMBER, parse_number


@dataclass(frozen=True, slots=True)
class JsonFile:
    """The Terraform JSON file an expression comes from."""

    path: str


def read_json(path: str, text: str) -> tuple[Any, Diagnostic | None]:
    """The root PyYAML MappingNode of a Terraform JSON file, or None and a diagnostic why it
    is not usable."""
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        try:
            root = yaml.compose(text, Loader=loader)
        except yaml.YAMLError:
            if loader is yaml.SafeLoader:
                raise
            # libyaml rejects escaped surrogate pairs ("\ud83d\ude00") that JSON allows.
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None or yaml_kind(root) != "MappingNode":
            raise _JsonError("a Terraform JSON file must hold an object", 1)
        _check_json(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, Diagnostic(path, f"invalid JSON: {problem}", mark.line + 1 if mark else None)
    except _JsonError as exc:
        return None, Diagnostic(path, f"invalid JSON: {exc}", exc.line)
    return root, None


class _JsonError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def mark_span(start: Any, end: Any) -> Span:
    """A Span from PyYAML marks (0-based lines; an end at column 0 belongs to the line before)."""
    line = start.line + 1
    end_line = end.line + 1 if end.column > 0 else end.line
    return Span(line, max(line, end_line))


def yaml_kind(node: Any) -> str:
    return type(node).__name__  # ScalarNode, MappingNode, SequenceNode


def _check_json(node: Any) -> None:
    """Reject what PyYAML accepts but JSON does not (plain strings, single quotes, block
    style, ``{"a": }``)."""
    kind = yaml_kind(node)
    if kind == "ScalarNode":
        if node.style == '"':
            return
        if node.style in (None, "") and (
            node.value in ("true", "false", "null") or NUMBER.match(node.value)
        ):
            return
        raise _JsonError(f"invalid JSON value {node.value!r}", node.start_mark.line + 1)
    if not node.flow_style:
        raise _JsonError("not JSON (YAML block syntax)", node.start_mark.line + 1)
    if kind == "SequenceNode":
        for item in node.value:
            _check_json(item)
        return
    for key, value in node.value:
        if yaml_kind(key) != "ScalarNode" or key.style != '"':
            raise _JsonError("object keys must be strings", key.start_mark.line + 1)
        _check_json(value)


def fix_surrogates(text: str) -> str:
    if any("\ud800" <= char <= "\udfff" for char in text):
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def json_literal(node: Any) -> Any:
    """A JSON value as Python data (strings are not templates)."""
    kind = yaml_kind(node)
    if kind == "MappingNode":
        return {fix_surrogates(k.value): json_literal(v) for k, v in node.value}
    if kind == "SequenceNode":
        return [json_literal(item) for item in node.value]
    if node.style == '"':
        return fix_surrogates(node.value)
    if node.value in JSON_CONSTANTS:
        return JSON_CONSTANTS[node.value]
    return parse_number(node.value)


JSON_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}


def json_items(node: Any) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a JSON object, or of each object of an array of objects
    (Terraform JSON allows both wherever blocks are declared)."""
    kind = yaml_kind(node)
    if kind == "MappingNode":
        return [(k, v) for k, v in node.value if k.value != "//"]
    if kind == "SequenceNode":
        return [pair for item in node.value for pair in json_items(item)]
    return []


def json_bodies(node: Any) -> list[Any]:
    """A block body written as an object, or several written as an array of objects."""
    kind = yaml_kind(node)
    if kind == "MappingNode":
        return [node]
    if kind == "SequenceNode":
        return [item for item in node.value if yaml_kind(item) == "MappingNode"]
    return []


def json_spans(node: Any, path: Path, spans: dict[Path, Span]) -> None:
    """The spans of every key and item inside a JSON value."""
    kind = yaml_kind(node)
    if kind == "MappingNode":
        for key, value in node.value:
            spans[(*path, key.value)] = mark_span(key.start_mark, value.end_mark)
            json_spans(value, (*path, key.value), spans)
    elif kind == "SequenceNode":
        for index, item in enumerate(node.value):
            spans[(*path, index)] = mark_span(item.start_mark, item.end_mark)
            json_spans(item, (*path, index), spans)
