"""The HCL front-end as the evaluator sees it: the syntax model's node classes (from
:mod:`.syntax`, built on tree-sitter-hcl, which is imported on first use), block labels, and
node extents."""

from __future__ import annotations

from typing import Any

from opslint.parsers.terraform import syntax
from opslint.parsers.terraform.templates import unescape


class Hcl:
    """The parse entry point and the syntax model's node classes, under the names the
    evaluator dispatches on."""

    Attribute = syntax.Attribute
    Block = syntax.Block
    NewLine = syntax.NewLine
    ExprTerm = syntax.ExprTerm
    Conditional = syntax.Conditional
    BinaryOp = syntax.BinaryOp
    UnaryOp = syntax.UnaryOp
    Identifier = syntax.Identifier
    IntLit = syntax.IntLit
    FloatLit = syntax.FloatLit
    LiteralValue = syntax.LiteralValue
    String = syntax.String
    Interpolation = syntax.Interpolation
    Heredoc = syntax.Heredoc
    HeredocTrim = syntax.HeredocTrim
    TemplateIfStart = syntax.TemplateIfStart
    TemplateForStart = syntax.TemplateForStart
    Tuple = syntax.Tuple
    Object = syntax.Object
    ObjectKey = syntax.ObjectKey
    ObjectKeyExpression = syntax.ObjectKeyExpression
    FunctionCall = syntax.FunctionCall
    GetAttr = syntax.GetAttr
    GetAttrExpr = syntax.GetAttrExpr
    IndexExpr = syntax.IndexExpr
    SqbIndex = syntax.SqbIndex
    ShortIndex = syntax.ShortIndex
    AttrSplatExpr = syntax.AttrSplatExpr
    FullSplatExpr = syntax.FullSplatExpr
    ForTuple = syntax.ForTuple
    ForObject = syntax.ForObject

    @staticmethod
    def parse(path: str, text: str) -> syntax.Document:
        """Parse a file's text; syntax errors are the document's diagnostics."""
        return syntax.parse(path, text)

    def label(self, label: Any) -> str:
        """A block label (a block's type or name) as written: an identifier or a quoted
        string."""
        if isinstance(label, syntax.Identifier):
            return label.value
        return "".join(
            unescape(part.value) if isinstance(part, syntax.TemplateText) else ""
            for part in label.string_parts
        )

    def attributes(self, body: Any) -> list[Any]:
        """The attributes of a body (not its nested blocks)."""
        return [c for c in body.children if isinstance(c, syntax.Attribute)]


_HCL = Hcl()


def load_hcl() -> Hcl:
    """The front-end (tree-sitter itself is imported by the first parse)."""
    return _HCL


def extent(node: Any, newline: type | None = None) -> tuple[int, int, int, int] | None:
    """``(line, end_line, start, end)`` of a syntax node: 1-based lines, character offsets."""
    if not isinstance(node, syntax.Node):
        return None
    return node.line, node.end_line, node.start, node.end


def warm_up() -> None:
    """Load tree-sitter and the HCL grammar now (call it before forking workers, so each
    inherits them)."""
    syntax.parse("", "warm_up = 1\n")
