"""Differential test of the Terraform front-end against python-hcl2 (a test-only oracle).

Every Terraform file of the fixtures, the test data and the examples (and of every folder named
in ``OPSLINT_DIFF_CORPUS``, ``os.pathsep``-separated, for local runs over public repositories)
is parsed by both. Wherever python-hcl2 succeeds, both must see the same blocks with the same
labels, the same attribute and nested block names, the same literal values and the same
references in every attribute. The intentional differences are listed in docs/terraform.md.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, FIXTURES, REPO

from opslint.parsers.terraform import syntax
from opslint.parsers.terraform.templates import heredoc_body, quote_template

hcl2 = pytest.importorskip("hcl2")

SKIPPED_DIRS = {".terraform", ".git", "node_modules"}
_REFERENCE = re.compile(
    r"(?<![\w.\-])(?:data\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*"
    r"|(?:var|local|module)\.[A-Za-z_][\w-]*"
    r"|[a-z][a-z0-9]*_[\w-]*\.[A-Za-z_][\w-]*)"
)
_NUMBER_EXPRESSION = re.compile(r"^\$\{(-?[0-9.]+(?:[eE][+-]?[0-9]+)?)\}$")


def _terraform_files(root: Path) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith((".tf", ".tfvars")):
                yield Path(directory) / name


def _corpus() -> list[Path]:
    roots = [FIXTURES, EXAMPLES, REPO / "tests" / "data"]
    extra = os.environ.get("OPSLINT_DIFF_CORPUS", "")
    roots += [Path(p) for p in extra.split(os.pathsep) if p]
    return [path for root in roots for path in _terraform_files(root)]


def _read(path: Path) -> str | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return text.replace("\r\n", "\n")


# --- our side ----------------------------------------------------------------------------------


def _walk_refs(node: Any, found: list[str]) -> None:
    """The references (``var.x``, ``aws_x.y``, ``data.t.n``...) written in an expression."""
    if isinstance(node, list):
        for item in node:
            _walk_refs(item, found)
        return
    if isinstance(node, syntax.Heredoc):
        text, _ = heredoc_body(node.heredoc.value)
        quoted = quote_template(text)
        if quoted is not None:
            document = syntax.parse("", f"x = {quoted}\n")
            for attribute in document.body.children:
                _walk_refs(attribute.expression, found)
        return
    if isinstance(node, (syntax.GetAttrExpr, syntax.IndexExpr, syntax.AttrSplatExpr)):
        names: list[str] = []
        root = node
        while True:
            if isinstance(root, syntax.GetAttrExpr):
                names.append(root.get_attr.identifier.value)
                root = root.expr_term
            elif isinstance(root, syntax.IndexExpr):
                names.clear()  # only the attributes right after the root name count
                _walk_refs(root.children[1], found)
                root = root.children[0]
            elif isinstance(root, syntax.AttrSplatExpr):
                names.clear()
                _walk_refs(root.attr_splat.get_attrs, found)
                root = root.expr_term
            else:
                break
        if isinstance(root, syntax.Identifier):
            dotted = ".".join([root.value, *reversed(names)])
            match = _REFERENCE.match(dotted)
            if match:
                found.append(match.group())
        else:
            _walk_refs(root, found)
        return
    if not isinstance(node, syntax.Node):
        return
    for cls in type(node).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot in ("start", "end", "newlines"):
                continue
            _walk_refs(getattr(node, slot, None), found)


def _literal(node: Any) -> tuple[bool, Any]:
    """(True, value) for a number, bool, null or a string without templates (as written)."""
    if isinstance(node, syntax.ExprTerm):
        return _literal(node.expression)
    if isinstance(node, (syntax.IntLit, syntax.FloatLit)):
        return True, float(node.value)
    if isinstance(node, syntax.LiteralValue):
        return True, {"true": True, "false": False, "null": None}[node.value]
    if isinstance(node, syntax.UnaryOp) and node.operator == "-":
        known, value = _literal(node.expr_term)
        if known and isinstance(value, float):
            return True, -value
    if isinstance(node, syntax.String) and all(
        isinstance(p, syntax.TemplateText) for p in node.string_parts
    ):
        return True, "".join(p.value for p in node.string_parts)
    return False, None


# --- python-hcl2's side ------------------------------------------------------------------------


def _their_literal(value: Any) -> tuple[bool, Any]:
    if isinstance(value, bool) or value is None:
        return True, value
    if isinstance(value, (int, float)):
        return True, float(value)
    if isinstance(value, str):
        number = _NUMBER_EXPRESSION.match(value)
        if number:
            return True, float(number.group(1))
        if value.startswith('"') and value.endswith('"') and not value.startswith('"<<'):
            inner = value[1:-1]
            if "${" not in inner and "%{" not in inner:
                return True, inner
    return False, None


def _their_refs(value: Any, found: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _their_refs(key, found)
            _their_refs(item, found)
    elif isinstance(value, list):
        for item in value:
            _their_refs(item, found)
    elif isinstance(value, str):
        _, segments = _template(value, 0, quoted=False)
        for segment in segments:
            found.extend(_REFERENCE.findall(_expression_code(segment)))


def _template(text: str, index: int, *, quoted: bool) -> tuple[int, list[str]]:
    """Scan template text from ``index``: where it ends (after the closing quote when
    ``quoted``) and the insides of its ``${...}`` and ``%{...}``."""
    segments: list[str] = []
    while index < len(text):
        char = text[index]
        if quoted and char == "\\":
            index += 2
        elif quoted and char == '"':
            return index + 1, segments
        elif char in "$%" and text.startswith(char + "{", index + 1):
            index += 3  # $${ and %%{ are literal text
        elif char in "$%" and text.startswith("{", index + 1):
            end = _closing_brace(text, index + 2)
            segments.append(text[index + 2 : end])
            index = end + 1
        else:
            index += 1
    return index, segments


def _closing_brace(text: str, index: int) -> int:
    depth = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            index, _ = _template(text, index + 1, quoted=True)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return index


def _expression_code(expression: str) -> str:
    """An expression with each quoted string replaced by the code of its templates."""
    out: list[str] = []
    index = 0
    while index < len(expression):
        char = expression[index]
        if char == '"':
            index, segments = _template(expression, index + 1, quoted=True)
            out.append(" ".join(f"({_expression_code(s)})" for s in segments))
        else:
            out.append(char)
            index += 1
    return "".join(out)


# --- the comparison ----------------------------------------------------------------------------


def _compare_body(ours: list[Any], theirs: dict[str, Any], where: str) -> None:
    attributes = {a.identifier.value: a for a in ours if isinstance(a, syntax.Attribute)}
    blocks: dict[str, list[Any]] = {}
    for block in ours:
        if isinstance(block, syntax.Block):
            blocks.setdefault(block.labels[0].value, []).append(block)
    their_keys = {k for k in theirs if not (k.startswith("__") and k.endswith("__"))}
    assert set(attributes) | set(blocks) == their_keys, where
    for name, attribute in attributes.items():
        here = f"{where}: {name} (line {attribute.line})"
        known, value = _literal(attribute.expression)
        their_known, their_value = _their_literal(theirs[name])
        if known and their_known:
            assert value == their_value, here
        else:
            assert not their_known or isinstance(attribute.expression, syntax.Heredoc), here
        ours_refs: list[str] = []
        _walk_refs(attribute.expression, ours_refs)
        their_refs: list[str] = []
        _their_refs(theirs[name], their_refs)
        assert Counter(ours_refs) == Counter(their_refs), here
    for kind, found in blocks.items():
        their_blocks = theirs[kind]
        assert isinstance(their_blocks, list) and len(their_blocks) == len(found), where
        for block, item in zip(found, their_blocks, strict=True):
            labels = [_label(label) for label in block.labels[1:]]
            body = _descend(item, labels)
            assert body is not None, f"{where}: {kind} {labels} (line {block.line})"
            _compare_body(block.body.children, body, f"{where} > {kind} {' '.join(labels)}")


def _label(label: Any) -> str:
    if isinstance(label, syntax.Identifier):
        return label.value
    return "".join(p.value for p in label.string_parts)


def _descend(item: Any, labels: list[str]) -> dict[str, Any] | None:
    """The body under a block's labels in python-hcl2's output (labels are quoted there)."""
    current: Any = item
    for label in labels:
        if not isinstance(current, dict):
            return None
        current = current.get(f'"{label}"', current.get(label))
    return current if isinstance(current, dict) else None


CORPUS = _corpus()


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) >= 50


def _id(path: Path) -> str:
    return path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.as_posix()


@pytest.mark.parametrize("path", CORPUS, ids=[_id(p) for p in CORPUS])
def test_front_end_agrees_with_python_hcl2(path: Path) -> None:
    text = _read(path)
    if text is None or not text.strip():
        pytest.skip("empty, or not UTF-8 text")
    try:
        theirs = hcl2.loads(text)
    except Exception:
        pytest.skip("python-hcl2 cannot parse it")
    document = syntax.parse(str(path), text)
    assert document.diagnostics == [], document.diagnostics
    _compare_body(document.body.children, theirs, path.name)
