"""Terraform JSON syntax (``.tf.json``, ``.tfvars.json``): a strict JSON reader whose nodes
keep line marks (the shape of PyYAML's nodes: ``value``, ``style``, ``start_mark``,
``end_mark``), literal values, block bodies and spans.

JSON is read as JSON: no YAML loader (whose aliases can expand without bound), no recursion
(a document nested thousands deep is a parse error at its line, not a crash), and escaped
lone surrogates (``"\\ud800"``) become U+FFFD, as Terraform reads them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from opslint.model import Diagnostic, Path, Span
from opslint.parsers.terraform.values import parse_number

MAX_JSON_DEPTH = 200
"""Objects and arrays nested deeper than this are a parse error (the evaluator recurses once
per level; Terraform JSON nests a few levels)."""


@dataclass(frozen=True, slots=True)
class JsonFile:
    """The Terraform JSON file an expression comes from."""

    path: str


class Mark:
    """A position: 0-based line and column."""

    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class ScalarNode:
    """A string (``style`` is ``'"'``, ``value`` the decoded text), a number, ``true``,
    ``false`` or ``null`` (``style`` None, ``value`` as written)."""

    __slots__ = ("end_mark", "start_mark", "style", "value")

    def __init__(self, value: str, style: str | None, start: Mark, end: Mark) -> None:
        self.value = value
        self.style = style
        self.start_mark = start
        self.end_mark = end


class MappingNode:
    """An object: ``value`` is the list of (key ScalarNode, value node) pairs, in order."""

    __slots__ = ("end_mark", "start_mark", "value")

    def __init__(self, start: Mark) -> None:
        self.value: list[tuple[ScalarNode, Any]] = []
        self.start_mark = start
        self.end_mark = start


class SequenceNode:
    """An array: ``value`` is the list of item nodes."""

    __slots__ = ("end_mark", "start_mark", "value")

    def __init__(self, start: Mark) -> None:
        self.value: list[Any] = []
        self.start_mark = start
        self.end_mark = start


_TOKEN = re.compile(
    r"""(?:
      (?P<punct>[{}\[\]:,])
    | (?P<string>"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*")
    | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    | (?P<literal>true|false|null)
    )""",
    re.VERBOSE,
)


_SPACE = re.compile(r"[ \t\r\n]*")


class _JsonError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def read_json(path: str, text: str) -> tuple[Any, Diagnostic | None]:
    """The root object node of a Terraform JSON file, or None and a diagnostic why it is not
    usable."""
    try:
        root = _parse(text)
        if not isinstance(root, MappingNode):
            raise _JsonError("a Terraform JSON file must hold an object", 1)
    except _JsonError as exc:
        return None, Diagnostic(path, f"invalid JSON: {exc}", exc.line)
    return root, None


def _parse(text: str) -> Any:
    """Parse a JSON document iteratively (an explicit stack, bounded depth)."""
    stack: list[Any] = []  # open MappingNode / SequenceNode
    pending_key: list[ScalarNode | None] = []  # per open object: the key awaiting its value
    expect = "value"  # value | key | colon | comma_or_end | end_or_value | end_or_key | eof
    root: Any = None
    line, line_start, index, length = 0, 0, 0, len(text)
    while True:
        skipped = _SPACE.match(text, index).end()  # type: ignore[union-attr]
        newlines = text.count("\n", index, skipped)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", index, skipped) + 1
        index = skipped
        match = _TOKEN.match(text, index)
        if match is None or match.lastgroup is None:
            if index >= length:
                if expect == "eof":
                    return root
                raise _JsonError("unexpected end of file", line + 1)
            shown = text[index : index + 20].split(None, 1)[0]
            raise _JsonError(f"unexpected {shown!r}", line + 1)
        kind = match.lastgroup
        token = match.group(kind)
        start = Mark(line, index - line_start)
        end = Mark(line, match.end() - line_start)
        index = match.end()
        if expect == "eof":
            raise _JsonError(f"unexpected {token[:20]!r} after the document", line + 1)
        if kind == "punct":
            if token in "]}":
                closing = MappingNode if token == "}" else SequenceNode
                if (
                    not stack
                    or not isinstance(stack[-1], closing)
                    or expect not in ("comma_or_end", "end_or_value", "end_or_key")
                ):
                    raise _JsonError(f"unexpected {token!r}", line + 1)
                node = stack.pop()
                pending_key.pop()
                node.end_mark = end
                expect = _after_value(stack)
                continue
            if token == ":":
                if expect != "colon":
                    raise _JsonError("unexpected ':'", line + 1)
                expect = "value"
                continue
            if token == ",":
                if expect != "comma_or_end":
                    raise _JsonError("unexpected ','", line + 1)
                expect = "key" if isinstance(stack[-1], MappingNode) else "value"
                continue
            if expect not in ("value", "end_or_value"):
                raise _JsonError(f"unexpected {token!r}", line + 1)
            if len(stack) >= MAX_JSON_DEPTH:
                raise _JsonError(f"nested more than {MAX_JSON_DEPTH} levels deep", line + 1)
            container: Any = MappingNode(start) if token == "{" else SequenceNode(start)
            root = _attach(stack, pending_key, container, root)
            stack.append(container)
            pending_key.append(None)
            expect = "end_or_key" if token == "{" else "end_or_value"
            continue
        if kind == "string":
            scalar = ScalarNode(_decode(token), '"', start, end)
            if expect in ("key", "end_or_key"):
                pending_key[-1] = scalar
                expect = "colon"
                continue
        else:
            scalar = ScalarNode(token, None, start, end)
        if expect not in ("value", "end_or_value"):
            raise _JsonError(f"unexpected {token[:20]!r}", line + 1)
        root = _attach(stack, pending_key, scalar, root)
        expect = _after_value(stack)


def _attach(stack: list[Any], keys: list[ScalarNode | None], node: Any, root: Any) -> Any:
    """Add a value to the open container (or make it the root); returns the root."""
    if not stack:
        return node
    parent = stack[-1]
    if isinstance(parent, MappingNode):
        key = keys[-1]
        assert key is not None
        parent.value.append((key, node))
        keys[-1] = None
    else:
        parent.value.append(node)
    return root


def _after_value(stack: list[Any]) -> str:
    return "comma_or_end" if stack else "eof"


def _decode(token: str) -> str:
    """A JSON string token's text; lone surrogates (``\\ud800``) become U+FFFD."""
    if "\\" not in token:
        return token[1:-1]
    text: str = json.loads(token)
    return fix_surrogates(text)


def mark_span(start: Any, end: Any) -> Span:
    """A Span from PyYAML marks (0-based lines; an end at column 0 belongs to the line before)."""
    line = start.line + 1
    end_line = end.line + 1 if end.column > 0 else end.line
    return Span(line, max(line, end_line))


def yaml_kind(node: Any) -> str:
    return type(node).__name__  # ScalarNode, MappingNode, SequenceNode


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
