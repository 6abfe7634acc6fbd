"""python-hcl2, imported on first use: its parse entry point and IR node classes, the positions
of IR nodes (the one reader of hcl2's private ``_meta``), and its parse errors as diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opslint.model import Diagnostic
from opslint.parsers.terraform.templates import unescape


class Hcl:
    """python-hcl2's parse entry point and IR node classes, imported on first use
    (``import hcl2`` costs ~60 ms, which a pre-commit run without Terraform should not pay)."""

    def __init__(self) -> None:
        import hcl2.api

        if not hasattr(hcl2.api, "parses"):  # checkov's fork wrote over python-hcl2's files
            raise RuntimeError(
                "the hcl2 package is not python-hcl2 8 (checkov's bc-python-hcl2 replaced it): "
                "run `pip install --force-reinstall python-hcl2` and install checkov in its "
                "own environment (see opslint's docs/checkov.md)"
            )
        from hcl2.query import DocumentView
        from hcl2.rules import (
            base,
            containers,
            directives,
            expressions,
            for_expressions,
            functions,
            indexing,
            literal_rules,
            strings,
            whitespace,
        )

        self.parse: Callable[[str], Any] = DocumentView.parse
        self.Attribute = base.AttributeRule
        self.Block = base.BlockRule
        self.NewLine = whitespace.NewLineOrCommentRule
        self.ExprTerm = expressions.ExprTermRule
        self.Conditional = expressions.ConditionalRule
        self.BinaryOp = expressions.BinaryOpRule
        self.UnaryOp = expressions.UnaryOpRule
        self.Identifier = literal_rules.IdentifierRule
        self.IntLit = literal_rules.IntLitRule
        self.FloatLit = literal_rules.FloatLitRule
        self.LiteralValue = literal_rules.LiteralValueRule
        self.String = strings.StringRule
        self.Interpolation = strings.InterpolationRule
        self.Heredoc = strings.HeredocTemplateRule
        self.HeredocTrim = strings.HeredocTrimTemplateRule
        self.TemplateString = strings.TemplateStringRule
        self.TemplateIf = directives.TemplateIfRule
        self.TemplateIfStart = directives.TemplateIfStartRule
        self.TemplateFor = directives.TemplateForRule
        self.TemplateForStart = directives.TemplateForStartRule
        self.Tuple = containers.TupleRule
        self.Object = containers.ObjectRule
        self.ObjectKey = containers.ObjectElemKeyRule
        self.ObjectKeyExpression = containers.ObjectElemKeyExpressionRule
        self.FunctionCall = functions.FunctionCallRule
        self.GetAttr = indexing.GetAttrRule
        self.GetAttrExpr = indexing.GetAttrExprTermRule
        self.IndexExpr = indexing.IndexExprTermRule
        self.SqbIndex = indexing.SqbIndexRule
        self.ShortIndex = indexing.ShortIndexRule
        self.AttrSplatExpr = indexing.AttrSplatExprTermRule
        self.FullSplatExpr = indexing.FullSplatExprTermRule
        self.ForTuple = for_expressions.ForTupleExprRule
        self.ForObject = for_expressions.ForObjectExprRule

    def label(self, label: Any) -> str:
        """A block label (a block's type or name) as written: an identifier or a quoted
        string."""
        if isinstance(label, self.Identifier):
            return str(label.token.value)
        return "".join(
            unescape(str(p.content.value)) if not hasattr(p.content, "children") else ""
            for p in label.string_parts
        )

    def attributes(self, body: Any) -> list[Any]:
        """The attributes of a body (not its nested blocks)."""
        return [c for c in body.children if isinstance(c, self.Attribute)]


_HCL: Hcl | None = None


def load_hcl() -> Hcl:
    """The hcl2 names, imported on the first call."""
    global _HCL
    if _HCL is None:
        _HCL = Hcl()
    return _HCL


def _position(node: Any) -> tuple[int, int, int, int, int] | None:
    """``(line, end_line, end_column, start_pos, end_pos)`` of an hcl2 IR node (1-based lines,
    exclusive end column, character offsets into the parsed text), or None.

    python-hcl2 8.x keeps lark's position ``Meta`` on every rule node, but only as the private
    ``_meta`` attribute: ``SerializationOptions(with_meta=True)`` does nothing (upstream issue
    #291). This is the only place that reads it; a test notices when upstream wires it up.
    """
    meta = getattr(node, "_meta", None)
    if meta is None or getattr(meta, "empty", True):
        return None
    return meta.line, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos


def extent(node: Any, newline: type) -> tuple[int, int, int, int] | None:
    """``(line, end_line, start_pos, end_pos)`` of what the node really spans.

    Corrects two off-by-ones of the raw positions: a binary operation owns the newlines and
    comments that follow it (up to the next attribute), and a heredoc token ends with its
    closing newline (so its raw end is column 1 of the next line).
    """
    pos = _position(node)
    if pos is None:
        return None
    line, end_line, end_column, start, end = pos
    current = node
    while True:
        children = [c for c in getattr(current, "children", ()) if c is not None]
        if not children:
            break
        last = children[-1]
        if isinstance(last, newline):
            previous = next((c for c in reversed(children) if not isinstance(c, newline)), None)
            prev_pos = _position(previous)
            if prev_pos is None:
                break
            _, end_line, end_column, _, end = prev_pos
            current = previous
        elif hasattr(last, "children"):
            current = last
        else:
            break
    if end_column == 1 and end_line > line:
        end_line -= 1
    return line, end_line, start, end


def parse_error(path: str, exc: Exception, text: str) -> Diagnostic:
    """A readable diagnostic for an hcl2 (lark) parse exception, with its line."""
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    if not isinstance(line, int) or line < 1:
        meta = getattr(getattr(exc, "obj", None), "meta", None)
        line = getattr(meta, "line", None) if meta is not None and not meta.empty else None
        column = None
    token = getattr(exc, "token", None)
    char = getattr(exc, "char", None)
    if isinstance(getattr(exc, "orig_exc", exc), RecursionError):
        message = "cannot parse: expressions are nested too deeply"
    elif char:
        message = f"invalid HCL: unexpected character {char!r}"
    elif token is not None and getattr(token, "type", "") == "$END":
        message = "invalid HCL: unexpected end of file"
        line = line or text.count("\n") + 1
    elif token is not None:
        shown = str(token).strip().splitlines()[0] if str(token).strip() else str(token)
        message = f"invalid HCL: unexpected {shown[:40]!r}"
    else:
        orig = getattr(exc, "orig_exc", exc)
        message = f"invalid HCL: {orig}".splitlines()[0]
    if isinstance(column, int) and column > 0 and isinstance(line, int):
        message += f" at line {line}, column {column}"
    return Diagnostic(path, message, line if isinstance(line, int) else None)


def warm_up() -> None:
    """Import hcl2 and build its parser now (call it before forking workers, so each inherits
    them instead of paying ~0.1 s, or ~1.4 s without a writable grammar cache, on its own)."""
    load_hcl().parse("warm_up = 1\n")
