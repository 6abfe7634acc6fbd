"""The HCL syntax model: tree-sitter-hcl's concrete syntax tree turned into blocks, attributes
and expression nodes with exact positions, which the evaluator walks.

Every node knows its 1-based ``line`` and ``end_line`` and its ``start``/``end`` character
offsets into the parsed text. Field names follow HCL's grammar (``expr_term``, ``get_attr``,
``string_parts``...) and are what :mod:`.evaluate`, :mod:`.bodies` and :mod:`.module` read.

A syntax error never loses more than the top-level block or attribute it is in: that item
becomes a :class:`~opslint.model.Diagnostic` at the error's own line and every other item of
the file is kept. tree-sitter-hcl 1.2 reads a number with an exponent but no fraction
(``1e3``) as ``1`` followed by the name ``e3``; such numbers are rewritten ``1.0e3`` (same
lines, same value) and the text parsed again.
"""

from __future__ import annotations

import gc
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

from opslint.model import Diagnostic

MAX_DEPTH = 128
"""Expressions nested deeper than this are a parse error (Terraform code nests a few levels;
the evaluator recurses once per level)."""


Pos = tuple[int, int, list[int]]
"""Where a node is: start and end character offsets, and the offsets of the file's newlines
(shared by every node of the file; lines are worked out only when asked for)."""


class Node:
    """Position of a syntax node: character offsets (end exclusive) and 1-based lines."""

    __slots__ = ("end", "newlines", "start")

    def __init__(self, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos

    @property
    def line(self) -> int:
        return bisect_left(self.newlines, self.start) + 1

    @property
    def end_line(self) -> int:
        return bisect_left(self.newlines, self.end) + 1


class Token(Node):
    """A name or literal token; ``token`` is the token itself (``node.token.value``)."""

    __slots__ = ("value",)

    def __init__(self, value: str, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.value = value

    @property
    def token(self) -> Token:
        return self

    @property
    def content(self) -> Token:
        return self


class Identifier(Token):
    __slots__ = ()


class IntLit(Token):
    __slots__ = ()


class FloatLit(Token):
    __slots__ = ()


class LiteralValue(Token):
    """``true``, ``false`` or ``null``."""

    __slots__ = ()


class TemplateText(Token):
    """Literal text of a quoted template, escapes as written (``STRING_CHARS``), or one escaped
    template opener ``$${`` / ``%%{`` (``ESCAPED_INTERPOLATION``, the text without its first
    character)."""

    __slots__ = ("kind",)

    def __init__(self, kind: str, value: str, pos: Pos) -> None:
        super().__init__(value, pos)
        self.kind = kind


class Body(Node):
    __slots__ = ("children",)

    def __init__(self, children: list[Any], pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.children = children


class Attribute(Node):
    __slots__ = ("expression", "identifier")

    def __init__(self, identifier: Identifier, expression: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.identifier = identifier
        self.expression = expression


class Block(Node):
    """``labels[0]`` is the block type (an Identifier); the others are Identifiers or
    Strings."""

    __slots__ = ("body", "labels")

    def __init__(self, labels: list[Any], body: Body, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.labels = labels
        self.body = body


class ExprTerm(Node):
    """A parenthesised expression."""

    __slots__ = ("expression", "parentheses")

    def __init__(self, expression: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.expression = expression
        self.parentheses = True


class String(Node):
    """A quoted string: TemplateText, Interpolation and directive parts."""

    __slots__ = ("string_parts",)

    def __init__(self, parts: list[Any], pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.string_parts = parts


class Interpolation(Node):
    __slots__ = ("expression",)

    def __init__(self, expression: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.expression = expression

    @property
    def content(self) -> Interpolation:
        return self


class TemplateIfStart(Node):
    __slots__ = ("condition",)

    def __init__(self, condition: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.condition = condition


class TemplateForStart(Node):
    __slots__ = ("collection", "iterator", "key_iterator")

    def __init__(
        self, iterator: Identifier, key_iterator: Identifier | None, collection: Any, pos: Pos
    ) -> None:
        self.start, self.end, self.newlines = pos
        self.iterator = iterator
        self.key_iterator = key_iterator
        self.collection = collection


class Directive(Node):
    """A ``%{ if }`` or ``%{ for }`` directive: its start clause and the parts inside."""

    __slots__ = ("children",)

    def __init__(self, children: list[Any], pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.children = children

    @property
    def content(self) -> Directive:
        return self


class Heredoc(Node):
    """``heredoc.value`` is the heredoc as written, from ``<<`` to its closing marker."""

    __slots__ = ("heredoc",)

    def __init__(self, heredoc: Token, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.heredoc = heredoc


class HeredocTrim(Heredoc):
    __slots__ = ()


class Tuple(Node):
    __slots__ = ("elements",)

    def __init__(self, elements: list[Any], pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.elements = elements


class ObjectKey(Node):
    """A key written as a name or a literal (``value``)."""

    __slots__ = ("value",)

    def __init__(self, value: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.value = value


class ObjectKeyExpression(Node):
    """A key computed from an expression (``(var.k) = 1``)."""

    __slots__ = ("expression",)

    def __init__(self, expression: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.expression = expression


class ObjectElem(Node):
    __slots__ = ("expression", "key")

    def __init__(self, key: Any, expression: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.key = key
        self.expression = expression


class Object(Node):
    __slots__ = ("elements",)

    def __init__(self, elements: list[ObjectElem], pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.elements = elements


class Arguments(Node):
    __slots__ = ("arguments", "has_ellipsis")

    def __init__(self, arguments: list[Any], has_ellipsis: bool, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.arguments = arguments
        self.has_ellipsis = has_ellipsis


class FunctionCall(Node):
    """``identifiers`` holds the name's parts (``provider::aws::arn`` has three)."""

    __slots__ = ("arguments", "identifiers")

    def __init__(self, identifiers: list[Identifier], arguments: Arguments | None, pos: Pos):
        self.start, self.end, self.newlines = pos
        self.identifiers = identifiers
        self.arguments = arguments


class Conditional(Node):
    __slots__ = ("condition", "if_false", "if_true")

    def __init__(self, condition: Any, if_true: Any, if_false: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.condition = condition
        self.if_true = if_true
        self.if_false = if_false


class BinaryTerm(Node):
    """The operator and right operand of a binary operation."""

    __slots__ = ("binary_operator", "expr_term")

    def __init__(self, operator: Token, right: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.binary_operator = operator
        self.expr_term = right


class BinaryOp(Node):
    __slots__ = ("binary_term", "expr_term")

    def __init__(self, left: Any, term: BinaryTerm, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.expr_term = left
        self.binary_term = term


class UnaryOp(Node):
    __slots__ = ("expr_term", "operator")

    def __init__(self, operator: str, operand: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.operator = operator
        self.expr_term = operand


class ForIntro(Node):
    __slots__ = ("first_iterator", "iterable", "second_iterator")

    def __init__(
        self, first: Identifier, second: Identifier | None, iterable: Any, pos: Pos
    ) -> None:
        self.start, self.end, self.newlines = pos
        self.first_iterator = first
        self.second_iterator = second
        self.iterable = iterable


class ForCondition(Node):
    __slots__ = ("condition_expr",)

    def __init__(self, condition: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.condition_expr = condition


class ForTuple(Node):
    __slots__ = ("condition", "for_intro", "value_expr")

    def __init__(
        self, intro: ForIntro, value: Any, condition: ForCondition | None, pos: Pos
    ) -> None:
        self.start, self.end, self.newlines = pos
        self.for_intro = intro
        self.value_expr = value
        self.condition = condition


class ForObject(ForTuple):
    __slots__ = ("key_expr",)

    def __init__(
        self, intro: ForIntro, key: Any, value: Any, condition: ForCondition | None, pos: Pos
    ) -> None:
        super().__init__(intro, value, condition, pos)
        self.key_expr = key


class GetAttr(Node):
    __slots__ = ("identifier",)

    def __init__(self, identifier: Identifier, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.identifier = identifier


class SqbIndex(Node):
    """``[expression]``."""

    __slots__ = ("index_expression",)

    def __init__(self, index: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.index_expression = index


class ShortIndex(Node):
    """The legacy index ``.0``."""

    __slots__ = ("index",)

    def __init__(self, index: Token, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.index = index


class GetAttrExpr(Node):
    __slots__ = ("expr_term", "get_attr")

    def __init__(self, expr_term: Any, get_attr: GetAttr, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.expr_term = expr_term
        self.get_attr = get_attr


class IndexExpr(Node):
    """``children`` is ``[collection, SqbIndex | ShortIndex]``."""

    __slots__ = ("children",)

    def __init__(self, collection: Any, index: Any, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.children = [collection, index]


class Splat(Node):
    """The steps applied to every element after ``.*`` or ``[*]``."""

    __slots__ = ("get_attrs",)

    def __init__(self, steps: list[Any], pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.get_attrs = steps


class AttrSplatExpr(Node):
    __slots__ = ("attr_splat", "expr_term")

    def __init__(self, expr_term: Any, splat: Splat, pos: Pos) -> None:
        self.start, self.end, self.newlines = pos
        self.expr_term = expr_term
        self.attr_splat = splat


class FullSplatExpr(AttrSplatExpr):
    __slots__ = ()


class NewLine:
    """Never instantiated: tree-sitter positions need no trailing-newline correction."""


class Document:
    """A parsed file: its top-level body, the text positions refer to, and its syntax
    errors."""

    __slots__ = ("body", "diagnostics", "text")

    def __init__(self, body: Body, text: str, diagnostics: list[Diagnostic]) -> None:
        self.body = body
        self.text = text
        self.diagnostics = diagnostics


# --- building the model from the concrete syntax tree -------------------------------------

_PARSER: Any = None


def _parser() -> Any:
    """tree-sitter's parser for HCL, built on first use."""
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_hcl

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    return _PARSER


_EXPONENT = re.compile(rb"[eE][+-]?[0-9]")
MAX_EXPONENT_PASSES = 8
_NEWLINE = re.compile("\n")
_TEMPLATE_ESCAPE = re.compile(r"\$\$\{|%%\{")


class _TooDeep(Exception):
    """An expression nested deeper than MAX_DEPTH, at ``line``."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def parse(path: str, text: str) -> Document:
    """Parse HCL text; never raises (syntax errors are the document's diagnostics).

    The model holds no reference cycles, so the cyclic garbage collector is paused while it
    is built (it would otherwise rescan the growing heap many times per file)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _parse(path, text)
    finally:
        if paused:
            gc.enable()


def _parse(path: str, text: str) -> Document:
    data = text.encode("utf-8", "surrogatepass")
    tree = _parser().parse(data)
    for _ in range(MAX_EXPONENT_PASSES):  # error recovery may hide some numbers at first
        fixed = _fix_exponents(tree.root_node, data) if tree.root_node.has_error else None
        if fixed is None:
            break
        data = fixed
        text = data.decode("utf-8", "surrogatepass")
        tree = _parser().parse(data)
    builder = _Builder(path, text, data)
    if tree.root_node.has_error:
        tree = _resynchronise(tree, data, builder)
    return builder.document(tree.root_node)


_BLOCK_START = re.compile(
    rb"^(?:resource|data|module|variable|output|locals|provider|terraform|moved|import"
    rb"|check|removed)\b",
    re.M,
)
_NOT_NEWLINE = re.compile(rb"[^\n]")
MAX_RESYNCS = 50


def _resynchronise(tree: Any, data: bytes, builder: _Builder) -> Any:
    """Keep a syntax error from swallowing the blocks after it.

    tree-sitter's recovery sometimes extends a broken block to the end of the file (a stray
    ``=`` read as the start of a heredoc, say). The region from the block that holds the
    first error up to the next top-level block keyword at the start of a line is reported
    as that error and blanked (newlines kept, so every line and byte offset stays put), and
    the text is parsed again, until no such region is left.
    """
    starts = [match.start() for match in _BLOCK_START.finditer(data)]
    source = data
    for _ in range(MAX_RESYNCS):
        if not tree.root_node.has_error:
            break
        culprit = _first_error(tree.root_node)
        following = bisect_right(starts, culprit.start_byte)
        if following >= len(starts):
            break  # broken up to the end of the file: the final tree reports it
        begin = starts[following - 1] if following else 0
        end = starts[following]
        builder.report(culprit)
        blank = _NOT_NEWLINE.sub(b" ", source[begin:end])
        source = source[:begin] + blank + source[end:]
        tree = _parser().parse(source)
    return tree


def _fix_exponents(root: Any, data: bytes) -> bytes | None:
    """``data`` with every ``<digits>e<exponent>`` number written ``<digits>.0e<exponent>``,
    or None when there is none (tree-sitter-hcl 1.2 needs a fraction before an exponent)."""
    inserts: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "numeric_lit":
            end = node.end_byte
            if _EXPONENT.match(data, end) and b"." not in node.text:
                inserts.append(end)
        elif node.child_count:
            stack.extend(node.children)
    if not inserts:
        return None
    pieces, previous = [], 0
    for offset in sorted(inserts):
        pieces += [data[previous:offset], b".0"]
        previous = offset
    pieces.append(data[previous:])
    return b"".join(pieces)


class _Builder:
    """Turns tree-sitter nodes into the syntax model, one file at a time."""

    def __init__(self, path: str, text: str, data: bytes) -> None:
        self.path = path
        self.text = text
        self.data = data
        self.chars: array[int] | None = None
        if len(data) != len(text):  # not ASCII: map byte offsets to character offsets
            chars = array("i", bytes(0))
            for index, char in enumerate(text):
                chars.extend([index] * len(char.encode("utf-8", "surrogatepass")))
            chars.append(len(text))
            self.chars = chars
        self.newlines = [match.start() for match in _NEWLINE.finditer(text)]
        self.depth = 0
        self.diagnostics: list[Diagnostic] = []
        self._expressions: dict[str, Callable[[Any], Any]] = {
            "expression": self._expression,
            "literal_value": self._literal,
            "numeric_lit": self._literal,
            "bool_lit": self._literal,
            "null_lit": self._literal,
            "string_lit": self._string,
            "collection_value": self._only_child,
            "template_expr": self._only_child,
            "for_expr": self._only_child,
            "operation": self._only_child,
            "quoted_template": self._string,
            "heredoc_template": self._heredoc,
            "tuple": self._tuple,
            "object": self._object,
            "variable_expr": self._variable,
            "function_call": self._function,
            "conditional": self._conditional,
            "binary_operation": self._binary,
            "unary_operation": self._unary,
            "for_tuple_expr": self._for,
            "for_object_expr": self._for,
        }

    # -- positions and text

    def pos(self, node: Any) -> Pos:
        chars = self.chars
        if chars is None:
            return node.start_byte, node.end_byte, self.newlines
        return chars[node.start_byte], chars[node.end_byte], self.newlines

    def source(self, node: Any) -> str:
        if self.chars is None:  # ASCII: byte offsets are character offsets
            return self.text[node.start_byte : node.end_byte]
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")

    # -- the file and its top-level items

    def document(self, root: Any) -> Document:
        items: list[Any] = []
        if root.type != "config_file":
            self._error(root)
            return Document(Body(items, self.pos(root)), self.text, self.diagnostics)
        for child in root.named_children:
            if child.type == "body":
                items.extend(self._body_items(child, top=True))
            elif child.type != "comment":
                self._error(child)
        return Document(Body(items, self.pos(root)), self.text, self.diagnostics)

    def _body_items(self, body: Any, *, top: bool = False) -> list[Any]:
        """The attributes and blocks of a body. Inside a block, any problem abandons the
        top-level item; at the top, it becomes that item's diagnostic."""
        items: list[Any] = []
        for child in body.named_children:
            kind = child.type
            if kind == "comment":
                continue
            broken = child.has_error or kind not in ("attribute", "block")
            if not top:
                if broken:
                    raise _Broken(child)
                items.append(self._attribute(child) if kind == "attribute" else self._block(child))
                continue
            if broken:
                self._error(child)
                continue
            self.depth = 0
            try:
                items.append(self._attribute(child) if kind == "attribute" else self._block(child))
            except _Broken as problem:
                self._error(problem.node)
            except _TooDeep as deep:
                message = "cannot parse: expressions are nested too deeply"
                self.diagnostics.append(Diagnostic(self.path, message, deep.line))
        return items

    def _error(self, node: Any) -> None:
        """One diagnostic for a broken item: at its first error, or, when the item is cut
        short by the end of the file, at the item's first line."""
        end = len(self.data.rstrip())
        if node.end_byte >= end and (node.is_error or _first_error(node).end_byte >= end):
            line = node.start_point[0] + 1
            message = "invalid HCL: not closed before the end of the file"
            self.diagnostics.append(Diagnostic(self.path, message, line))
            return
        self.report(_first_error(node))

    def report(self, culprit: Any) -> None:
        """A diagnostic at an ERROR or MISSING node: what was found there."""
        line, start = culprit.start_point[0] + 1, self.pos(culprit)[0]
        column = start - self.text.rfind("\n", 0, start)
        shown = self.text[start : start + 80].split(None, 1)
        message = f"invalid HCL: unexpected {shown[0][:40]!r}" if shown else "invalid HCL"
        message += f" at line {line}, column {column}"
        self.diagnostics.append(Diagnostic(self.path, message, line))

    def _attribute(self, node: Any) -> Attribute:
        named = node.named_children
        identifier = self._identifier(named[0])
        return Attribute(identifier, self.expr(named[1]), self.pos(node))

    def _block(self, node: Any) -> Block:
        labels: list[Any] = []
        body: Body | None = None
        for child in node.named_children:
            kind = child.type
            if kind == "identifier":
                labels.append(self._identifier(child))
            elif kind == "string_lit":
                labels.append(self._string(child))
            elif kind == "body":
                body = Body(self._body_items(child), self.pos(child))
        position = self.pos(node)
        return Block(labels, body or Body([], position), position)

    def _identifier(self, node: Any) -> Identifier:
        start, end = node.start_byte, node.end_byte
        chars = self.chars
        if chars is None:
            return Identifier(self.text[start:end], (start, end, self.newlines))
        return Identifier(
            self.text[chars[start] : chars[end]], (chars[start], chars[end], self.newlines)
        )

    # -- expressions

    def expr(self, node: Any) -> Any:
        handler = self._expressions.get(node.type)
        if handler is None:
            raise _Broken(node)
        self.depth += 1  # an exception abandons the top-level item, which resets depth
        if self.depth > MAX_DEPTH:
            raise _TooDeep(node.start_point[0] + 1)
        result = handler(node)
        self.depth -= 1
        return result

    def _only_child(self, node: Any) -> Any:
        return self.expr(node.named_children[0])

    def _expression(self, node: Any) -> Any:
        if node.child_count == 1:  # the common case: one term, no traversal
            return self.expr(node.children[0])
        return self._term(node, [c for c in node.children if c.type != "comment"])

    def _term(self, owner: Any, children: list[Any]) -> Any:
        """A term and the traversal steps that follow it (``a.b[0].c[*].d``); operands of
        operators come as such sequences too."""
        if not children:
            raise _Broken(owner)
        first = children[0]
        if first.type == "(":
            close = next((i for i, c in enumerate(children) if c.type == ")"), 0)
            if close != 2:
                raise _Broken(first)
            term: Any = ExprTerm(
                self.expr(children[1]),
                (self.pos(first)[0], self.pos(children[2])[1], self.newlines),
            )
            steps = children[3:]
        else:
            term = self.expr(first)
            steps = children[1:]
        for step in steps:
            term = self._step(term, step)
        return term

    def _step(self, term: Any, step: Any) -> Any:
        kind = step.type
        position = (term.start, self.pos(step)[1], self.newlines)
        if kind == "get_attr":
            return GetAttrExpr(term, self._get_attr(step), position)
        if kind == "index":
            return IndexExpr(term, self._index(step.named_children[0]), position)
        if kind == "splat":
            splat = step.named_children[0]
            steps = [self._splat_step(s) for s in splat.named_children if s.type != "comment"]
            cls = FullSplatExpr if splat.type == "full_splat" else AttrSplatExpr
            return cls(term, Splat(steps, self.pos(splat)), position)
        raise _Broken(step)

    def _get_attr(self, node: Any) -> GetAttr:
        return GetAttr(self._identifier(node.named_children[0]), self.pos(node))

    def _index(self, node: Any) -> Any:
        if node.type == "legacy_index":
            digits = self.source(node).lstrip(".").strip()
            return ShortIndex(Token(digits, self.pos(node)), self.pos(node))
        if node.type == "new_index":
            return SqbIndex(self.expr(node.named_children[0]), self.pos(node))
        raise _Broken(node)

    def _splat_step(self, node: Any) -> Any:
        if node.type == "get_attr":
            return self._get_attr(node)
        if node.type == "index":
            return self._index(node.named_children[0])
        raise _Broken(node)

    def _literal(self, node: Any) -> Any:
        if node.type == "literal_value":
            node = node.named_children[0]
            if node.type == "string_lit":
                return self._string(node)
        value = self.source(node)
        if node.type == "numeric_lit":
            cls = IntLit if value.isdigit() else FloatLit
            return cls(value, self.pos(node))
        return LiteralValue(value, self.pos(node))

    def _variable(self, node: Any) -> Identifier:
        return self._identifier(node.named_children[0])

    def _string(self, node: Any) -> String:
        position = self.pos(node)
        if node.type == "string_lit":  # no interpolation: the text between the quotes
            start, end = node.start_byte + 1, node.end_byte - 1
            return String(self._template_text(start, end, position), position)
        return String(self._template_parts(node), position)

    def _template_parts(self, node: Any) -> list[Any]:
        """The parts of a quoted template. Literal text is taken from the source between the
        interpolations and directives: tree-sitter-hcl's ``template_literal`` nodes leave out
        the spaces before a ``${``."""
        parts: list[Any] = []
        cursor = node.start_byte
        position = self.pos(node)
        for child in node.children:
            kind = child.type
            if kind == "quoted_template_start":
                cursor = child.end_byte
            elif kind == "quoted_template_end":
                parts.extend(self._template_text(cursor, child.start_byte, position))
            elif kind in ("template_interpolation", "template_directive"):
                parts.extend(self._template_text(cursor, child.start_byte, position))
                parts.append(self._template_part(child))
                cursor = child.end_byte
            elif kind != "template_literal":
                raise _Broken(child)
        return parts

    def _template_part(self, node: Any) -> Any:
        if node.type == "template_interpolation":
            return self._interpolation(node)
        return self._directive(node.named_children[0])

    def _template_text(self, start: int, end: int, position: Pos) -> list[TemplateText]:
        """Literal template text as written (escapes unresolved), ``$${`` and ``%%{`` apart."""
        if end <= start:
            return []
        raw = self.data[start:end].decode("utf-8", "surrogatepass")
        if "{" not in raw:
            return [TemplateText("STRING_CHARS", raw, position)]
        parts: list[TemplateText] = []
        index = 0
        for match in _TEMPLATE_ESCAPE.finditer(raw):
            if match.start() > index:
                parts.append(TemplateText("STRING_CHARS", raw[index : match.start()], position))
            parts.append(TemplateText("ESCAPED_INTERPOLATION", match.group(), position))
            index = match.end()
        if index < len(raw):
            parts.append(TemplateText("STRING_CHARS", raw[index:], position))
        return parts

    def _interpolation(self, node: Any) -> Interpolation:
        inner = [c for c in node.named_children if c.type not in _MARKERS]
        if len(inner) != 1:
            raise _Broken(node)
        return Interpolation(self.expr(inner[0]), self.pos(node))

    def _directive(self, node: Any) -> Directive:
        """A ``%{ if }`` or ``%{ for }`` directive; text between its clauses is literal."""
        children: list[Any] = []
        position = self.pos(node)
        cursor = node.start_byte
        for child in node.children:
            kind = child.type
            if kind == "template_if_intro":
                children.append(TemplateIfStart(self._clause_expr(child), self.pos(child)))
            elif kind == "template_for_start":
                names = [
                    self._identifier(c) for c in child.named_children if c.type == "identifier"
                ]
                key = names[0] if len(names) > 1 else None
                children.append(
                    TemplateForStart(names[-1], key, self._clause_expr(child), self.pos(child))
                )
            elif kind in ("template_else_intro", "template_if_end", "template_for_end"):
                children.extend(self._template_text(cursor, child.start_byte, position))
            elif kind in ("template_interpolation", "template_directive"):
                children.extend(self._template_text(cursor, child.start_byte, position))
                children.append(self._template_part(child))
            elif kind != "template_literal":
                raise _Broken(child)
            if kind != "template_literal":
                cursor = child.end_byte
        return Directive(children, position)

    def _clause_expr(self, node: Any) -> Any:
        expressions = [c for c in node.named_children if c.type == "expression"]
        if not expressions:
            raise _Broken(node)
        return self.expr(expressions[-1])

    def _heredoc(self, node: Any) -> Heredoc:
        position = self.pos(node)
        start = node.named_children[0]
        cls = HeredocTrim if self.source(start).strip() == "<<-" else Heredoc
        return cls(Token(self.source(node) + "\n", position), position)

    def _tuple(self, node: Any) -> Tuple:
        elements = [self.expr(c) for c in node.named_children if c.type not in _BRACKETS]
        return Tuple(elements, self.pos(node))

    def _object(self, node: Any) -> Object:
        elements: list[ObjectElem] = []
        for child in node.named_children:
            if child.type == "object_elem":
                key_node = child.child_by_field_name("key")
                value_node = child.child_by_field_name("val")
                if key_node is None or value_node is None:
                    raise _Broken(child)
                elements.append(
                    ObjectElem(self._key(key_node), self.expr(value_node), self.pos(child))
                )
            elif child.type not in _BRACKETS:
                raise _Broken(child)
        return Object(elements, self.pos(node))

    def _key(self, node: Any) -> Any:
        """An object key: a bare name or a literal is written literally; anything else (in
        parentheses or not) is an expression."""
        position = self.pos(node)
        children = node.named_children if node.type == "expression" else [node]
        if len(node.children) == 1 and children[0].type == "variable_expr":
            return ObjectKey(self._variable(children[0]), position)
        value = self.expr(node)
        if isinstance(value, (String, IntLit, FloatLit, LiteralValue)):
            return ObjectKey(value, position)
        if isinstance(value, ExprTerm):
            value = value.expression
        return ObjectKeyExpression(value, position)

    def _function(self, node: Any) -> FunctionCall:
        named = node.named_children
        name, position = named[0], self.pos(named[0])
        identifiers = [Identifier(part, position) for part in self.source(name).split("::")]
        arguments: Arguments | None = None
        for child in named[1:]:
            if child.type == "function_arguments":
                args = child.named_children
                values = [self.expr(a) for a in args if a.type not in ("ellipsis", "comment")]
                ellipsis = any(a.type == "ellipsis" for a in args)
                arguments = Arguments(values, ellipsis, self.pos(child))
        return FunctionCall(
            identifiers, arguments if arguments and arguments.arguments else None, self.pos(node)
        )

    def _conditional(self, node: Any) -> Conditional:
        parts = [c for c in node.named_children if c.type != "comment"]
        if len(parts) != 3:
            raise _Broken(node)
        condition, yes, no = (self.expr(p) for p in parts)
        return Conditional(condition, yes, no, self.pos(node))

    def _binary(self, node: Any) -> BinaryOp:
        children = [c for c in node.children if c.type != "comment"]
        split = _operator_index(children)
        if not split:
            raise _Broken(node)
        operator = children[split]
        self.depth += 1
        left, right = self._term(node, children[:split]), self._term(node, children[split + 1 :])
        self.depth -= 1
        term = BinaryTerm(
            Token(self.source(operator), self.pos(operator)),
            right,
            (self.pos(operator)[0], right.end, self.newlines),
        )
        return BinaryOp(left, term, self.pos(node))

    def _unary(self, node: Any) -> UnaryOp:
        children = [c for c in node.children if c.type != "comment"]
        if len(children) < 2:
            raise _Broken(node)
        self.depth += 1
        operand = self._term(node, children[1:])
        self.depth -= 1
        return UnaryOp(self.source(children[0]), operand, self.pos(node))

    def _for(self, node: Any) -> ForTuple:
        intro: ForIntro | None = None
        expressions: list[Any] = []
        condition: ForCondition | None = None
        for child in node.named_children:
            kind = child.type
            if kind == "for_intro":
                names = [
                    self._identifier(c) for c in child.named_children if c.type == "identifier"
                ]
                iterable = self._clause_expr(child)
                second = names[1] if len(names) > 1 else None
                intro = ForIntro(names[0], second, iterable, self.pos(child))
            elif kind == "for_cond":
                condition = ForCondition(self._clause_expr(child), self.pos(child))
            elif kind == "expression":
                expressions.append(self.expr(child))
        if intro is None or not expressions:
            raise _Broken(node)
        if node.type == "for_object_expr":
            if len(expressions) != 2:
                raise _Broken(node)
            return ForObject(intro, expressions[0], expressions[1], condition, self.pos(node))
        return ForTuple(intro, expressions[0], condition, self.pos(node))


class _Broken(Exception):
    """A node the model does not accept; its top-level item becomes a parse error."""

    def __init__(self, node: Any) -> None:
        super().__init__(node.type)
        self.node = node


_MARKERS = frozenset(
    {
        "template_interpolation_start",
        "template_interpolation_end",
        "strip_marker",
        "comment",
    }
)
_BRACKETS = frozenset({"tuple_start", "tuple_end", "object_start", "object_end", "comment"})


def _first_error(node: Any) -> Any:
    """The first ERROR or MISSING node inside ``node`` (``node`` itself when there is none)."""
    current = node
    while True:
        if current.is_error or current.is_missing:
            return current
        for child in current.children:
            if child.is_error or child.is_missing or child.has_error:
                current = child
                break
        else:
            return current


def _operator_index(children: list[Any]) -> int:
    """Where a binary operation's operator is among its children: the first anonymous token
    after the left operand, which may be parenthesised (``(1 - var.x) * var.y``); 0 when
    there is none."""
    depth = 0
    for i, child in enumerate(children):
        if child.type == "(":
            depth += 1
        elif child.type == ")":
            depth -= 1
        elif i and depth == 0 and not child.is_named:
            return i
    return 0
