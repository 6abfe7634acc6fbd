"""Terraform parser: one module directory (its ``.tf``, ``.tf.json`` and ``.tfvars`` files) → one
:class:`~opslint.model.Unit`.

1. **Read and parse** every file once (``utf-8-sig``): HCL with python-hcl2's IR (positions come
   from :func:`_position`, the one reader of its private ``_meta``), Terraform JSON with PyYAML's
   composer, which keeps line marks. A file that cannot be read or parsed becomes a
   :class:`~opslint.model.Diagnostic` and the rest of the module is still used.
2. **Collect** declarations: variables, locals, resources, data sources, module calls, providers
   and ``terraform`` settings. ``override.tf`` / ``*_override.tf`` files are merged last, as
   Terraform does.
3. **Resolve** variables by Terraform's precedence, then evaluate every block with one small
   evaluator shared by both syntaxes: a JSON string is a ``${...}`` template, which is turned
   into a quoted HCL string and parsed with hcl2. What cannot be worked out statically becomes
   :class:`~opslint.model.Unknown`, :class:`~opslint.model.Reference` or
   :class:`~opslint.model.Choice`; the evaluator never raises.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from opslint.model import (
    ABSENT,
    Choice,
    Diagnostic,
    Path,
    ProviderConfig,
    Reference,
    Resource,
    Span,
    TerraformSettings,
    Unit,
    Unknown,
)

__all__ = ["parse_module", "warm_up"]


def parse_module(directory: str, files: Sequence[str], var_files: Sequence[str] = ()) -> Unit:
    """Parse the Terraform module in ``directory`` into a :class:`Unit`.

    ``files`` are the module's ``.tf``, ``.tf.json``, ``.tfvars`` and ``.tfvars.json`` files and
    ``var_files`` the user's ``--var-file`` arguments (applied last, in order); all paths are
    relative to the working directory with POSIX separators and are used verbatim in the result.
    Only auto-loaded variable files (``terraform.tfvars[.json]``, ``*.auto.tfvars[.json]``) are
    read from ``files``. Never raises: unreadable or malformed files become diagnostics.
    """
    try:
        return _ModuleParser(directory, _hcl()).parse(files, var_files)
    except Exception as exc:  # the last resort of "never raise": report it, lose the module
        message = f"cannot parse the module: {type(exc).__name__}: {exc}"[:300]
        return Unit(
            framework="terraform",
            path=directory,
            resources=(),
            files=tuple(sorted(set(files) | set(var_files))),
            diagnostics=(Diagnostic(directory, message),),
        )


def warm_up() -> None:
    """Import hcl2 and build its parser now (call it before forking workers, so each inherits
    them instead of paying ~0.1 s, or ~1.4 s without a writable grammar cache, on its own)."""
    _hcl().parse("warm_up = 1\n")


# --- the hcl2 names we use ------------------------------------------------------------------


class _Hcl:
    """python-hcl2's parse entry point and IR node classes, imported on first use
    (``import hcl2`` costs ~60 ms, which a pre-commit run without Terraform should not pay)."""

    def __init__(self) -> None:
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


_HCL: _Hcl | None = None


def _hcl() -> _Hcl:
    global _HCL
    if _HCL is None:
        _HCL = _Hcl()
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


def _extent(node: Any, newline: type) -> tuple[int, int, int, int] | None:
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


# --- values ---------------------------------------------------------------------------------

_INVALID = "invalid: "
"""Prefix of the reason of an Unknown that stands for an expression Terraform would reject
(a missing attribute of a known object, a bad conversion): ``try()`` and ``can()`` skip it."""


def _invalid(reason: str, source: str = "") -> Unknown:
    return Unknown(_INVALID + reason, source)


def _is_invalid(value: Any) -> bool:
    return isinstance(value, Unknown) and value.reason.startswith(_INVALID)


def _concrete(value: Any) -> bool:
    """No Unknown, Choice or Reference anywhere inside."""
    if isinstance(value, (Unknown, Choice, Reference)):
        return False
    if isinstance(value, dict):
        return all(_concrete(v) for v in value.values())
    if isinstance(value, list):
        return all(_concrete(v) for v in value)
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _norm(value: float | int) -> int | float:
    """Terraform has one number type: an integral result is an integer (``10 / 5`` is ``2``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?\Z")


def _parse_number(text: str) -> int | float | None:
    """A decimal number as Terraform's ``tonumber`` accepts it, or None."""
    if not _NUMBER.match(text):
        return None
    if "." in text or "e" in text or "E" in text:
        number = float(text)
        return None if math.isinf(number) else _norm(number)
    return int(text)


def _format_number(number: int | float) -> str:
    """Render a number as Terraform does in strings: ``30`` not ``30.0``, no exponent. Python's
    binary float noise (``0.1 + 0.2``) is rounded away as Terraform's 512-bit arithmetic does."""
    if isinstance(number, int):
        return str(number)
    if number.is_integer():
        return str(int(number))
    text = format(Decimal(f"{number:.15g}"), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _to_number(value: Any) -> int | float | None:
    if _is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        return _parse_number(value)
    return None


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def _to_string(value: Any) -> str | None:
    """Terraform's automatic conversion of a primitive to a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _format_number(value)
    return None


def _equal(a: Any, b: Any) -> bool:
    """Terraform equality: no conversion between types (``1 == "1"`` and ``true == 1`` are
    false)."""
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _json_encode(value: Any) -> str:
    """``jsonencode`` as Terraform does it: compact, keys sorted, ``<``, ``>``, ``&``, U+2028
    and U+2029 escaped (Go's encoding/json)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _format_number(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        for char, escape in _JSON_HTML_ESCAPES:
            text = text.replace(char, escape)
        return text
    if isinstance(value, list):
        return "[" + ",".join(_json_encode(v) for v in value) + "]"
    items = sorted(value.items())
    return "{" + ",".join(f"{_json_encode(k)}:{_json_encode(v)}" for k, v in items) + "}"


_JSON_HTML_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def _json_float(text: str) -> int | float:
    return _norm(float(text))


_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    """Resolve the escapes of a quoted HCL string (``\\n``, ``\\"``, ``\\\\``, ``\\uXXXX``, ...);
    an unknown escape is kept as written."""
    if "\\" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code is not None:
            point = int(code, 16)
            if point > 0x10FFFF or 0xD800 <= point < 0xE000:
                return match.group(0)
            return chr(point)
        return _SIMPLE_ESCAPES.get(match.group(3), match.group(0))

    return _ESCAPE.sub(replace, text)


def _heredoc_body(token: str) -> tuple[str, bool]:
    """The text of a heredoc token (``<<EOT\\n...\\nEOT\\n``) and whether it was ``<<-``.

    Like Terraform, the text keeps the newline that ends its last line; ``<<-`` removes the
    smallest indentation (spaces or tabs, one character each) of the lines that have content,
    and leaves lines that are shorter than it as they are.
    """
    header = token.find("\n")
    trim = token.startswith("<<-")
    body = token[header + 1 :].rstrip("\r\n")
    last_line = body.rfind("\n")
    text = body[: last_line + 1] if last_line >= 0 else ""
    if trim and text:
        lines = text.split("\n")
        indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip(" \t")]
        strip = min(indents, default=0)
        lines = [ln[strip:] if not ln[:strip].strip(" \t") else ln for ln in lines]
        text = "\n".join(lines)
    return text, trim


def _quote_template(raw: str) -> str | None:
    """Turn template text (a JSON string, a heredoc body) into a quoted HCL string with the same
    meaning: literal text is escaped, ``${...}`` and ``%{...}`` are kept as written. None when an
    interpolation is not terminated."""
    out = ['"']
    index, length = 0, len(raw)
    while index < length:
        char = raw[index]
        if char in "$%" and raw.startswith("{", index + 1):
            end = _expression_end(raw, index + 2)
            if end < 0:
                return None
            out.append(raw[index:end])
            index = end
            continue
        if char in "$%" and raw.startswith(char + "{", index + 1):  # $${ and %%{ escapes
            out.append(raw[index : index + 3])
            index += 3
            continue
        out.append(_QUOTE_ESCAPES.get(char, char))
        index += 1
    out.append('"')
    return "".join(out)


_QUOTE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _expression_end(text: str, index: int) -> int:
    """Index just after the ``}`` closing the interpolation whose body starts at ``index``,
    skipping nested braces and quoted strings; -1 when there is none."""
    depth = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            index = _string_end(text, index + 1)
            if index < 0:
                return -1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index + 1
            depth -= 1
        index += 1
    return -1


def _string_end(text: str, index: int) -> int:
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
        elif char == '"':
            return index + 1
        elif char in "$%" and text.startswith("{", index + 1):
            index = _expression_end(text, index + 2)
            if index < 0:
                return -1
        else:
            index += 1
    return -1


def _merge_refs(*groups: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ref for group in groups for ref in group))


# --- parsed files and declarations ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ctx:
    """Where an HCL node comes from: the text it was parsed from (for sources) and the names
    bound around it by ``for`` expressions and ``dynamic`` blocks."""

    text: str
    scope: Mapping[str, Any] = field(default_factory=dict)

    def bind(self, names: Sequence[str], value: Any) -> _Ctx:
        return _Ctx(self.text, {**self.scope, **dict.fromkeys(names, value)})


@dataclass(frozen=True, slots=True)
class _JsonFile:
    path: str


@dataclass(frozen=True, slots=True)
class _Expr:
    """An expression to evaluate: an hcl2 IR node with its text, or a PyYAML node of a
    Terraform JSON file (``json`` set; ``literal`` for variable files and defaults, where
    strings are not templates)."""

    node: Any
    text: str = ""
    json: _JsonFile | None = None
    literal: bool = False


@dataclass(slots=True)
class _Block:
    """A top-level ``resource``, ``data``, ``module``, ``provider`` or ``terraform`` block."""

    kind: str
    labels: tuple[str, ...]
    path: str
    span: Span
    body: Any
    text: str
    json: _JsonFile | None
    override: bool


@dataclass(slots=True)
class _Variable:
    default: _Expr | None = None
    type: _Expr | None = None


class _JsonError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _mark_span(start: Any, end: Any) -> Span:
    """A Span from PyYAML marks (0-based lines; an end at column 0 belongs to the line before)."""
    line = start.line + 1
    end_line = end.line + 1 if end.column > 0 else end.line
    return Span(line, max(line, end_line))


def _yaml_kind(node: Any) -> str:
    return type(node).__name__  # ScalarNode, MappingNode, SequenceNode


def _check_json(node: Any) -> None:
    """Reject what PyYAML accepts but JSON does not (plain strings, single quotes, block
    style, ``{"a": }``)."""
    kind = _yaml_kind(node)
    if kind == "ScalarNode":
        if node.style == '"':
            return
        if node.style in (None, "") and (
            node.value in ("true", "false", "null") or _NUMBER.match(node.value)
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
        if _yaml_kind(key) != "ScalarNode" or key.style != '"':
            raise _JsonError("object keys must be strings", key.start_mark.line + 1)
        _check_json(value)


def _fix_surrogates(text: str) -> str:
    if any("\ud800" <= char <= "\udfff" for char in text):
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _json_literal(node: Any) -> Any:
    """A JSON value as Python data (strings are not templates)."""
    kind = _yaml_kind(node)
    if kind == "MappingNode":
        return {_fix_surrogates(k.value): _json_literal(v) for k, v in node.value}
    if kind == "SequenceNode":
        return [_json_literal(item) for item in node.value]
    if node.style == '"':
        return _fix_surrogates(node.value)
    if node.value in _JSON_CONSTANTS:
        return _JSON_CONSTANTS[node.value]
    return _parse_number(node.value)


_JSON_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _json_items(node: Any) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a JSON object, or of each object of an array of objects
    (Terraform JSON allows both wherever blocks are declared)."""
    kind = _yaml_kind(node)
    if kind == "MappingNode":
        return [(k, v) for k, v in node.value if k.value != "//"]
    if kind == "SequenceNode":
        return [pair for item in node.value for pair in _json_items(item)]
    return []


def _json_bodies(node: Any) -> list[Any]:
    """A block body written as an object, or several written as an array of objects."""
    kind = _yaml_kind(node)
    if kind == "MappingNode":
        return [node]
    if kind == "SequenceNode":
        return [item for item in node.value if _yaml_kind(item) == "MappingNode"]
    return []


def _is_override(path: str) -> bool:
    name = posixpath.basename(path)
    stem = name[:-5] if name.endswith(".json") else name
    return stem == "override.tf" or stem.endswith("_override.tf")


def _is_auto_vars(path: str) -> bool:
    name = posixpath.basename(path)
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith(
        (".auto.tfvars", ".auto.tfvars.json")
    )


def _read_text(path: str) -> tuple[str | None, Diagnostic | None]:
    """The file's text (BOM removed, CRLF as LF), or a diagnostic why it cannot be used."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return None, Diagnostic(path, f"cannot read file: {exc.strerror or exc}")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, Diagnostic(path, "binary file, not Terraform", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Diagnostic(path, "file is not valid UTF-8", line)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text, None


def _hcl_error(path: str, exc: Exception, text: str) -> Diagnostic:
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


# --- the evaluator ----------------------------------------------------------------------------

_PLAN_TIME = {
    "count": "count.index is only known per instance",
    "each": "each.key/each.value are only known per instance",
    "self": "self is only known during apply",
    "path": "path.* is not evaluated",
    "terraform": "terraform.* is only known at run time",
}
_WS_NEWLINE = re.compile(r"\s*\n\s*")
_MAX_LOCAL_DEPTH = 50
"""Locals referring to locals deeper than this are Unknown (keeps recursion bounded)."""

# Steps of a traversal: ("attr", name), ("index", node), ("key", value), ("splat", steps).
_Step = tuple[str, Any]


class _Evaluator:
    """Evaluates hcl2 IR expressions (and Terraform JSON values) to model values.

    References met while evaluating are appended to :attr:`refs`; callers take the slice they
    care about (a resource, an Unknown's ``references``).
    """

    def __init__(self, hcl: _Hcl, diagnostics: list[Diagnostic]) -> None:
        self.h: Any = hcl  # IR classes: Any, so isinstance() does not narrow to hcl2 types
        self.diagnostics = diagnostics
        self.refs: list[str] = []
        self.variables: dict[str, Any] | None = None  # None: constants only (tfvars, defaults)
        self.locals: dict[str, _Expr] = {}
        self._local_values: dict[str, tuple[Any, tuple[str, ...]]] = {}
        self._local_busy: set[str] = set()
        self._fragments: dict[str, Any] = {}
        h = hcl
        self._dispatch: dict[type, Callable[[Any, _Ctx], Any]] = {
            h.IntLit: self._int,
            h.FloatLit: self._float,
            h.LiteralValue: self._literal,
            h.String: self._string,
            h.Heredoc: self._heredoc,
            h.HeredocTrim: self._heredoc,
            h.Tuple: self._tuple,
            h.Object: self._object,
            h.FunctionCall: self._function,
            h.Conditional: self._conditional,
            h.BinaryOp: self._binary,
            h.UnaryOp: self._unary,
            h.ForTuple: self._for,
            h.ForObject: self._for,
            h.Identifier: self._traversal,
            h.GetAttrExpr: self._traversal,
            h.IndexExpr: self._traversal,
            h.AttrSplatExpr: self._traversal,
            h.FullSplatExpr: self._traversal,
        }

    # -- entry points

    def reset(self) -> None:
        """Forget a failed evaluation's state (after an unexpected exception)."""
        self.refs.clear()
        self._local_busy.clear()

    def evaluate(self, expr: _Expr, scope: Mapping[str, Any] | None = None) -> Any:
        if expr.json is not None:
            if expr.literal:
                return _json_literal(expr.node)
            return self.json_value(expr.node, expr.json, scope or {})
        return self.eval(expr.node, _Ctx(expr.text, scope or {}))

    def eval(self, node: Any, ctx: _Ctx) -> Any:
        expr_term = self.h.ExprTerm
        while type(node) is expr_term:  # the wrapper of every term: skip it without a call
            node = node.expression
        handler = self._dispatch.get(type(node))
        if handler is None:
            return self._unsupported(node, ctx)
        return handler(node, ctx)

    def source(self, node: Any, ctx: _Ctx) -> str:
        """The expression as written (runs of whitespace with a newline collapsed)."""
        extent = _extent(node, self.h.NewLine)
        if extent is None:
            return ""
        text = ctx.text[extent[2] : extent[3]].strip()
        return _WS_NEWLINE.sub(" ", text) if "\n" in text else text

    def span(self, node: Any) -> Span | None:
        extent = _extent(node, self.h.NewLine)
        return None if extent is None else Span(extent[0], extent[1])

    def unknown(self, reason: str, node: Any, ctx: _Ctx, start: int) -> Unknown:
        """An Unknown for ``node`` carrying the references met since ``start``."""
        return Unknown(reason, self.source(node, ctx), _merge_refs(self.refs[start:]))

    # -- leaves

    def _int(self, node: Any, ctx: _Ctx) -> Any:
        return int(node.token.value)

    def _float(self, node: Any, ctx: _Ctx) -> Any:
        number = _parse_number(str(node.token.value))
        return number if number is not None else _invalid("number out of range")

    def _literal(self, node: Any, ctx: _Ctx) -> Any:
        return _JSON_CONSTANTS.get(str(node.token.value))

    def _unsupported(self, node: Any, ctx: _Ctx) -> Unknown:
        start = len(self.refs)
        for child in getattr(node, "children", ()):
            if child is not None and hasattr(child, "children"):
                self.eval(child, ctx)
        return self.unknown("expression is not evaluated", node, ctx, start)

    # -- strings and templates

    def _string(self, node: Any, ctx: _Ctx) -> Any:
        parts = node.string_parts
        if len(parts) == 1 and isinstance(parts[0].content, self.h.Interpolation):
            # "${x}" is x itself, not converted to a string.
            return self.eval(parts[0].content.expression, ctx)
        return self._template(parts, node, ctx)

    def _template(self, parts: Sequence[Any], node: Any, ctx: _Ctx) -> Any:
        h = self.h
        start = len(self.refs)
        pieces: list[str] = []
        reason = ""
        for part in parts:
            content = part.content
            if isinstance(content, h.Interpolation):
                value = self.eval(content.expression, ctx)
                text = _to_string(value)
                if text is not None:
                    pieces.append(text)
                elif not reason:
                    if value is None:
                        reason = _INVALID + "null value in a string template"
                    elif isinstance(value, (list, dict)) and _concrete(value):
                        reason = _INVALID + "a list or object in a string template"
                    else:
                        reason = "interpolation with unresolved parts"
            elif hasattr(content, "children"):  # %{ if } / %{ for } directive
                self._directive(content, ctx)
                reason = reason or "template directive is not evaluated"
            else:
                kind = content.lark_name()
                raw = str(content.value)
                # ESCAPED_INTERPOLATION / ESCAPED_DIRECTIVE: "$${x}" is the text "${x}"
                pieces.append(_unescape(raw if kind == "STRING_CHARS" else raw[1:]))
        if reason:
            return self.unknown(reason, node, ctx, start)
        return "".join(pieces)

    def _directive(self, node: Any, ctx: _Ctx) -> None:
        """Evaluate the expressions of a template directive for their references."""
        h = self.h
        for child in node.children:
            if isinstance(child, h.TemplateIfStart):
                self.eval(child.condition, ctx)
            elif isinstance(child, h.TemplateForStart):
                self.eval(child.collection, ctx)
                names = [child.iterator.token.value]
                if child.key_iterator is not None:
                    names.append(child.key_iterator.token.value)
                ctx = ctx.bind(names, Unknown("template for iterator"))
            elif child is not None and hasattr(child, "content"):  # StringPartRule
                if isinstance(child.content, h.Interpolation):
                    self.eval(child.content.expression, ctx)
                elif hasattr(child.content, "children"):
                    self._directive(child.content, ctx)

    def _heredoc(self, node: Any, ctx: _Ctx) -> Any:
        text, _ = _heredoc_body(str(node.heredoc.value))
        if "${" not in text and "%{" not in text:
            return text
        return self.template(text, ctx.scope, node, ctx)

    def template(self, raw: str, scope: Mapping[str, Any], node: Any, ctx: _Ctx | None) -> Any:
        """Evaluate template text that hcl2 did not parse (a heredoc body, a JSON string) by
        parsing it as a quoted HCL string."""
        quoted = _quote_template(raw)
        parsed = None if quoted is None else self.fragment(quoted)
        if parsed is None:
            source = raw if ctx is None else self.source(node, ctx)
            return _invalid("template cannot be parsed", _WS_NEWLINE.sub(" ", source.strip()))
        expression, text = parsed
        return self.eval(expression, _Ctx(text, scope))

    def fragment(self, expression: str) -> tuple[Any, str] | None:
        """Parse ``x = <expression>`` once and return the expression node with its text."""
        text = f"x = {expression}\n"
        if text in self._fragments:
            return self._fragments[text]  # type: ignore[no-any-return]
        result = None
        try:
            body = self.h.parse(text).raw.body
            attribute = next(c for c in body.children if isinstance(c, self.h.Attribute))
            result = (attribute.expression, text)
        except Exception:  # any parser failure means "not an expression"
            result = None
        self._fragments[text] = result
        return result

    # -- collections

    def _tuple(self, node: Any, ctx: _Ctx) -> Any:
        return [self.eval(element, ctx) for element in node.elements]

    def _object(self, node: Any, ctx: _Ctx) -> Any:
        start = len(self.refs)
        result: dict[str, Any] = {}
        unresolved = False
        for element in node.elements:
            key = self._object_key(element.key, ctx)
            value = self.eval(element.expression, ctx)
            if isinstance(key, str):
                result[key] = value
            else:
                unresolved = True
        if unresolved:
            return self.unknown("object key is not known", node, ctx, start)
        return result

    def _object_key(self, key: Any, ctx: _Ctx) -> Any:
        h = self.h
        if isinstance(key, h.ObjectKeyExpression):
            value = self.eval(key.expression, ctx)
        else:
            inner = key.value
            if isinstance(inner, h.Identifier):
                return str(inner.token.value)
            value = self.eval(inner, ctx)
        return _to_string(value)

    def static_key(self, key: Any) -> str | None:
        """An object key written literally (``owner``, ``"team"``, ``3``), else None."""
        h = self.h
        if not isinstance(key, h.ObjectKey):
            return None
        inner = key.value
        if isinstance(inner, h.Identifier):
            return str(inner.token.value)
        if isinstance(inner, h.String):
            parts = inner.string_parts
            if all(p.content.lark_name() == "STRING_CHARS" for p in parts if p is not None):
                return "".join(_unescape(str(p.content.value)) for p in parts)
            return None
        if isinstance(inner, (h.IntLit, h.FloatLit)):
            number = _parse_number(str(inner.token.value))
            return None if number is None else _format_number(number)
        return None

    # -- traversals: var.x, local.x, aws_x.y.attr, data.t.n.attr, module.m.out, ...

    def _traversal(self, node: Any, ctx: _Ctx) -> Any:
        h = self.h
        steps: list[_Step] = []
        root = node
        while True:
            kind = type(root)
            if kind is h.ExprTerm and not root.parentheses:
                root = root.expression
            elif kind is h.GetAttrExpr:
                steps.append(("attr", str(root.get_attr.identifier.token.value)))
                root = root.expr_term
            elif kind is h.IndexExpr:
                steps.append(self._index_step(root.children[1]))
                root = root.children[0]
            elif kind is h.AttrSplatExpr or kind is h.FullSplatExpr:
                steps.append(("splat", [self._sub_step(s) for s in root.attr_splat.get_attrs]))
                root = root.expr_term
            else:
                break
        steps.reverse()
        if not isinstance(root, h.Identifier):
            return self.apply(self.eval(root, ctx), steps, node, ctx)
        name = str(root.token.value)
        if name in ctx.scope:
            return self.apply(ctx.scope[name], steps, node, ctx)
        first = steps[0][1] if steps and steps[0][0] == "attr" else None
        if name in ("var", "local") and first is not None:
            value = self._variable(first) if name == "var" else self._local(first)
            return self._rewrap(self.apply(value, steps[1:], node, ctx), node, ctx)
        if name in _PLAN_TIME:
            for step in steps:
                self._step_refs(step, ctx)
            return Unknown(_PLAN_TIME[name], self.source(node, ctx))
        if name in ("var", "local"):
            return _invalid(f"{name} needs an attribute", self.source(node, ctx))
        needed = 2 if name == "data" else 1
        names = [step[1] for step in steps[:needed] if step[0] == "attr"]
        if len(names) < needed:
            if not steps:
                return Unknown(f"{name} is not known here", self.source(node, ctx))
            return _invalid("incomplete resource reference", self.source(node, ctx))
        address = ".".join((name, *names))
        self.refs.append(address)
        return Reference(address, self._reference_path(steps[needed:], ctx))

    def _index_step(self, index: Any) -> _Step:
        if isinstance(index, self.h.ShortIndex):
            return ("key", int(index.index.value))
        return ("index", index.index_expression)

    def _sub_step(self, step: Any) -> _Step:
        if isinstance(step, self.h.GetAttr):
            return ("attr", str(step.identifier.token.value))
        return self._index_step(step)

    def _step_refs(self, step: _Step, ctx: _Ctx) -> None:
        if step[0] == "index":
            self.eval(step[1], ctx)
        elif step[0] == "splat":
            for sub in step[1]:
                self._step_refs(sub, ctx)

    def _reference_path(
        self, steps: Sequence[_Step], ctx: _Ctx, *, instance_key: bool = True
    ) -> tuple[str, ...]:
        """The attribute path of a reference. Splats are looked through, and the instance key
        right after the address (``[0]``, ``["a"]``) is not part of it."""
        path: list[str] = []
        flat: list[_Step] = []
        for position, step in enumerate(steps):
            if step[0] == "splat":
                flat.extend(step[1])
            elif instance_key and position == 0 and step[0] in ("index", "key"):
                self._step_refs(step, ctx)
            else:
                flat.append(step)
        stopped = False
        for kind, value in flat:
            if kind == "index":
                value = self.eval(value, ctx)
            if stopped:
                continue
            text = value if kind == "attr" else _to_string(value)
            if text is None:
                stopped = True
            else:
                path.append(text)
        return tuple(path)

    def apply(self, value: Any, steps: Sequence[_Step], node: Any, ctx: _Ctx) -> Any:
        """Walk ``steps`` into a value (``var.cfg.days``, ``local.list[0]``)."""
        for position, (kind, arg) in enumerate(steps):
            if isinstance(value, Unknown):
                for step in steps[position:]:
                    self._step_refs(step, ctx)
                return value
            if isinstance(value, Reference):
                rest = self._reference_path(steps[position:], ctx, instance_key=False)
                return Reference(value.address, value.attribute + rest)
            if isinstance(value, Choice):
                remaining = list(steps[position:])
                options = tuple(
                    option if option is ABSENT else self.apply(option, remaining, node, ctx)
                    for option in value.options
                )
                return Choice(options, value.condition)
            if kind == "splat":
                items = [] if value is None else value if isinstance(value, list) else [value]
                return [self.apply(item, arg, node, ctx) for item in items]
            if kind == "index":
                arg = self.eval(arg, ctx)
                kind = "key"
            if _is_invalid(arg):
                return _invalid("bad index", self.source(node, ctx))
            if isinstance(arg, (Unknown, Choice, Reference)):
                return Unknown("index is not known", self.source(node, ctx))
            if kind == "attr" and isinstance(value, dict):
                if arg not in value:
                    return _invalid(f"no attribute {arg!r}", self.source(node, ctx))
                value = value[arg]
            elif kind == "key" and isinstance(value, list):
                number = _to_number(arg)
                if not isinstance(number, int) or not 0 <= number < len(value):
                    return _invalid(f"no element {arg!r}", self.source(node, ctx))
                value = value[number]
            elif kind == "key" and isinstance(value, dict):
                key = _to_string(arg)
                if key is None or key not in value:
                    return _invalid(f"no element {arg!r}", self.source(node, ctx))
                value = value[key]
            else:
                return _invalid(f"cannot read {arg!r} of this value", self.source(node, ctx))
        return value

    def _rewrap(self, value: Any, node: Any, ctx: _Ctx) -> Any:
        """An Unknown read through a variable or local takes the source as written here."""
        if isinstance(value, Unknown):
            return Unknown(value.reason, self.source(node, ctx), value.references)
        return value

    def _variable(self, name: str) -> Any:
        if self.variables is None:
            return Unknown("variables cannot be used here", f"var.{name}")
        if name not in self.variables:
            return Unknown(f"variable {name} is not declared", f"var.{name}")
        return self.variables[name]

    def _local(self, name: str) -> Any:
        if self.variables is None:
            return Unknown("locals cannot be used here", f"local.{name}")
        cached = self._local_values.get(name)
        if cached is not None:
            self.refs.extend(cached[1])
            return cached[0]
        expr = self.locals.get(name)
        if expr is None:
            return Unknown(f"local {name} is not declared", f"local.{name}")
        if name in self._local_busy:
            return Unknown(f"local {name} refers to itself", f"local.{name}")
        if len(self._local_busy) >= _MAX_LOCAL_DEPTH:
            return Unknown("locals are nested too deeply", f"local.{name}")
        self._local_busy.add(name)
        start = len(self.refs)
        value = self.evaluate(expr)
        self._local_busy.discard(name)
        self._local_values[name] = (value, _merge_refs(self.refs[start:]))
        return value

    # -- operators

    def _conditional(self, node: Any, ctx: _Ctx) -> Any:
        condition = self.eval(node.condition, ctx)
        yes = self.eval(node.if_true, ctx)
        no = self.eval(node.if_false, ctx)
        if _is_invalid(condition):
            return condition
        if isinstance(condition, (Unknown, Choice, Reference)):
            if _concrete(yes) and _concrete(no) and _equal(yes, no):
                return yes
            return Choice((yes, no), self.source(node.condition, ctx))
        chosen = _to_bool(condition)
        if chosen is None:
            return _invalid("condition is not a bool", self.source(node, ctx))
        return yes if chosen else no

    def _binary(self, node: Any, ctx: _Ctx) -> Any:
        start = len(self.refs)
        left = self.eval(node.expr_term, ctx)
        operator = str(node.binary_term.binary_operator.token.value).strip()
        right = self.eval(node.binary_term.expr_term, ctx)
        if not (_concrete(left) and _concrete(right)):
            return self.unknown("operand is not known", node, ctx, start)
        result = _operate(operator, left, right)
        return (
            self.unknown(_INVALID + f"bad operands for {operator}", node, ctx, start)
            if (result is ABSENT)
            else result
        )

    def _unary(self, node: Any, ctx: _Ctx) -> Any:
        start = len(self.refs)
        operand = self.eval(node.expr_term, ctx)
        if not _concrete(operand):
            return self.unknown("operand is not known", node, ctx, start)
        if node.operator.strip() == "!":
            flag = _to_bool(operand)
            if flag is not None:
                return not flag
        else:
            number = _to_number(operand)
            if number is not None:
                return -number
        return self.unknown(_INVALID + "bad operand", node, ctx, start)

    def _for(self, node: Any, ctx: _Ctx) -> Unknown:
        start = len(self.refs)
        intro = node.for_intro
        self.eval(intro.iterable, ctx)
        names = [str(intro.first_iterator.token.value)]
        if intro.second_iterator is not None:
            names.append(str(intro.second_iterator.token.value))
        inner = ctx.bind(names, Unknown("for expression iterator"))
        if isinstance(node, self.h.ForObject):
            self.eval(node.key_expr, inner)
        self.eval(node.value_expr, inner)
        if node.condition is not None:
            self.eval(node.condition.condition_expr, inner)
        return self.unknown("for expression is not evaluated", node, ctx, start)

    # -- functions

    def _function(self, node: Any, ctx: _Ctx) -> Any:
        start = len(self.refs)
        name = "::".join(str(i.token.value) for i in node.identifiers)
        arguments = node.arguments
        args = [self.eval(a, ctx) for a in arguments.arguments] if arguments is not None else []
        function = _FUNCTIONS.get(name)
        if function is None:
            return self.unknown(f"function {name} is not evaluated", node, ctx, start)
        if arguments is not None and arguments.has_ellipsis:
            if not args or not isinstance(args[-1], list):
                return self.unknown(f"arguments of {name} are not known", node, ctx, start)
            args = args[:-1] + args[-1]
        try:
            result = function(args)
        except _NotKnown:
            return self.unknown(f"arguments of {name} are not known", node, ctx, start)
        except _Unsupported as exc:
            return self.unknown(f"{exc} is not evaluated", node, ctx, start)
        except (_Invalid, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            return self.unknown(_INVALID + f"{name}: {exc}", node, ctx, start)
        return result

    # -- Terraform JSON

    def json_value(self, node: Any, file: _JsonFile, scope: Mapping[str, Any]) -> Any:
        """A Terraform JSON expression: objects and arrays as such, strings are templates."""
        kind = _yaml_kind(node)
        if kind == "MappingNode":
            return {
                _fix_surrogates(k.value): self.json_value(v, file, scope) for k, v in node.value
            }
        if kind == "SequenceNode":
            return [self.json_value(item, file, scope) for item in node.value]
        if node.style != '"':
            return _json_literal(node)
        text = _fix_surrogates(node.value)
        if "${" not in text and "%{" not in text:
            return text
        value = self.template(text, scope, None, None)
        if _is_invalid(value) and value.reason.endswith("cannot be parsed"):
            self.diagnostics.append(
                Diagnostic(file.path, f"invalid template {text!r}", node.start_mark.line + 1)
            )
        return value

    def json_expression(self, node: Any, file: _JsonFile) -> Any:
        """A JSON string that holds a bare expression (``depends_on``, ``replace_triggered_by``)."""
        if _yaml_kind(node) != "ScalarNode" or node.style != '"':
            return self.json_value(node, file, {})
        parsed = self.fragment(node.value)
        if parsed is None:
            self.diagnostics.append(
                Diagnostic(
                    file.path, f"invalid expression {node.value!r}", node.start_mark.line + 1
                )
            )
            return _invalid("expression cannot be parsed", node.value)
        return self.eval(parsed[0], _Ctx(parsed[1]))


# --- operators and functions ----------------------------------------------------------------


class _NotKnown(Exception):
    """An argument is not known (Unknown, Choice, Reference where a value is needed)."""


class _Invalid(Exception):
    """Terraform would reject the call."""


class _Unsupported(Exception):
    """The call uses a feature we do not evaluate (a ``format`` verb other than %s and %d)."""


def _operate(operator: str, left: Any, right: Any) -> Any:
    """A binary operation on known operands, or ABSENT when the operands do not fit."""
    if operator in ("==", "!="):
        return _equal(left, right) == (operator == "==")
    if operator in ("&&", "||"):
        a, b = _to_bool(left), _to_bool(right)
        if a is None or b is None:
            return ABSENT
        return (a and b) if operator == "&&" else (a or b)
    x, y = _to_number(left), _to_number(right)
    if x is None or y is None:
        return ABSENT
    if operator == "+":
        return _norm(x + y)
    if operator == "-":
        return _norm(x - y)
    if operator == "*":
        return _norm(x * y)
    if operator == "/":
        return ABSENT if y == 0 else _norm(x / y)
    if operator == "%":
        if y == 0:
            return ABSENT
        if isinstance(x, int) and isinstance(y, int):  # Go's truncated remainder
            remainder = abs(x) % abs(y)
            return -remainder if x < 0 else remainder
        return _norm(math.fmod(x, y))
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "<": lambda a, b: bool(a < b),
        ">": lambda a, b: bool(a > b),
        "<=": lambda a, b: bool(a <= b),
        ">=": lambda a, b: bool(a >= b),
    }
    compare = comparisons.get(operator)
    return ABSENT if compare is None else compare(x, y)


def _known(value: Any) -> Any:
    if not _concrete(value):
        raise _NotKnown
    return value


def _shape(value: Any, kind: type) -> Any:
    """``value`` when its outer structure is known and of ``kind`` (its elements may be
    unknown)."""
    if isinstance(value, (Unknown, Choice, Reference)):
        raise _NotKnown
    if not isinstance(value, kind):
        raise _Invalid(f"expected a {kind.__name__}")
    return value


def _arity(args: Sequence[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise _Invalid("wrong number of arguments")


def _string_arg(value: Any) -> str:
    text = _to_string(_known(value))
    if text is None:
        raise _Invalid("expected a string")
    return text


def _number_arg(value: Any) -> int | float:
    number = _to_number(_known(value))
    if number is None:
        raise _Invalid("expected a number")
    return number


def _fn_jsonencode(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return _json_encode(_known(args[0]))


def _fn_jsondecode(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return json.loads(_string_arg(args[0]), parse_float=_json_float)


def _fn_merge(args: Sequence[Any]) -> Any:
    result: dict[str, Any] = {}
    for arg in args:
        if arg is not None:
            result.update(_shape(arg, dict))
    return result


def _fn_concat(args: Sequence[Any]) -> Any:
    return [item for arg in args for item in _shape(arg, list)]


def _simple_case(text: str, convert: Callable[[str], str]) -> str:
    """Per-character case mapping, as Go's ``strings.ToUpper`` (``"ß"`` stays ``"ß"``)."""
    out = [convert(char) for char in text]
    return "".join(new if len(new) == 1 else old for new, old in zip(out, text, strict=True))


def _fn_lower(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return _simple_case(_string_arg(args[0]), str.lower)


def _fn_upper(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return _simple_case(_string_arg(args[0]), str.upper)


def _fn_tostring(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return None if _known(args[0]) is None else _string_arg(args[0])


def _fn_tonumber(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return None if _known(args[0]) is None else _number_arg(args[0])


def _fn_tobool(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    value = _known(args[0])
    if value is None:
        return None
    flag = _to_bool(value)
    if flag is None:
        raise _Invalid("expected a bool")
    return flag


def _fn_tolist(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return list(_shape(args[0], list))


def _fn_toset(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    items: list[Any] = []
    for item in _known(_shape(args[0], list)):
        if not any(_equal(item, seen) for seen in items):
            items.append(item)
    if all(isinstance(i, str) for i in items) or all(_is_number(i) for i in items):
        items.sort()
    return items


def _fn_tomap(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return dict(_shape(args[0], dict))


_FORMAT_VERB = re.compile(r"%(.)")


def _fn_format(args: Sequence[Any]) -> Any:
    if not args:
        raise _Invalid("wrong number of arguments")
    pattern = _string_arg(args[0])
    values = iter(args[1:])

    def verb(match: re.Match[str]) -> str:
        kind = match.group(1)
        if kind == "%":
            return "%"
        if kind not in "sd":
            raise _Unsupported(f"format verb %{kind}")
        try:
            value = _known(next(values))
        except StopIteration:
            raise _Invalid("too few arguments") from None
        if kind == "d":
            number = _to_number(value)
            if not isinstance(number, int):
                raise _Invalid("%d needs an integer")
            return str(number)
        if isinstance(value, (list, dict)) or value is None:
            raise _Invalid("%s needs a string")
        return _string_arg(value)

    result = _FORMAT_VERB.sub(verb, pattern)
    if next(values, ABSENT) is not ABSENT:
        raise _Invalid("too many arguments")
    return result


def _fn_join(args: Sequence[Any]) -> Any:
    if len(args) < 2:
        raise _Invalid("wrong number of arguments")
    separator = _string_arg(args[0])
    items = [item for arg in args[1:] for item in _shape(arg, list)]
    return separator.join(_string_arg(item) for item in items)


def _fn_split(args: Sequence[Any]) -> Any:
    _arity(args, 2)
    return _string_arg(args[1]).split(_string_arg(args[0]))


def _fn_coalesce(args: Sequence[Any]) -> Any:
    for arg in args:
        if isinstance(arg, (Unknown, Choice, Reference)):
            raise _NotKnown
        if arg is not None and arg != "":
            return arg
    raise _Invalid("no non-null, non-empty argument")


def _fn_lookup(args: Sequence[Any]) -> Any:
    _arity(args, 2, 3)
    mapping = _shape(args[0], dict)
    key = _string_arg(args[1])
    if key in mapping:
        return mapping[key]
    if len(args) == 3:
        return args[2]
    raise _Invalid(f"no key {key!r}")


def _fn_length(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    value = args[0]
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (Unknown, Choice, Reference)):
        raise _NotKnown
    if isinstance(value, (list, dict)):
        return len(value)
    raise _Invalid("expected a collection or string")


def _fn_min(args: Sequence[Any]) -> Any:
    if not args:
        raise _Invalid("needs at least one argument")
    return min(_number_arg(a) for a in args)


def _fn_max(args: Sequence[Any]) -> Any:
    if not args:
        raise _Invalid("needs at least one argument")
    return max(_number_arg(a) for a in args)


def _fn_try(args: Sequence[Any]) -> Any:
    """The first argument that is not an error; an unknown one before it makes the result
    unknown (it might or might not fail)."""
    for arg in args:
        if _is_invalid(arg):
            continue
        if isinstance(arg, (Unknown, Choice)):
            raise _NotKnown
        return arg
    raise _Invalid("no argument succeeded")


def _fn_can(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    if _is_invalid(args[0]):
        return False
    if isinstance(args[0], (Unknown, Choice)):
        raise _NotKnown
    return True


_FUNCTIONS: dict[str, Callable[[Sequence[Any]], Any]] = {
    "jsonencode": _fn_jsonencode,
    "jsondecode": _fn_jsondecode,
    "merge": _fn_merge,
    "concat": _fn_concat,
    "lower": _fn_lower,
    "upper": _fn_upper,
    "tostring": _fn_tostring,
    "tonumber": _fn_tonumber,
    "tobool": _fn_tobool,
    "tolist": _fn_tolist,
    "toset": _fn_toset,
    "tomap": _fn_tomap,
    "format": _fn_format,
    "join": _fn_join,
    "split": _fn_split,
    "coalesce": _fn_coalesce,
    "lookup": _fn_lookup,
    "length": _fn_length,
    "min": _fn_min,
    "max": _fn_max,
    "try": _fn_try,
    "can": _fn_can,
}


# --- the module parser ------------------------------------------------------------------------


@dataclass(slots=True)
class _Evaluated:
    """A block body evaluated: attribute values with their spans, and for resources the
    meta-arguments with theirs."""

    attributes: dict[str, Any] = field(default_factory=dict)
    spans: dict[Path, Span] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    meta_spans: dict[Path, Span] = field(default_factory=dict)


_RESOURCE_META = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle"})
_MODULE_META = frozenset({"count", "for_each", "providers", "depends_on"})
_SKIPPED = frozenset({"provisioner", "connection"})
_LABELS = {"resource": 2, "data": 2, "module": 1, "provider": 1, "variable": 1}


class _ModuleParser:
    """Parses one module: reads its files, collects declarations, evaluates them into a Unit."""

    def __init__(self, directory: str, hcl: _Hcl) -> None:
        self.directory = directory
        self.h: Any = hcl  # IR classes: Any, so isinstance() does not narrow to hcl2 types
        self.diagnostics: list[Diagnostic] = []
        self.ev = _Evaluator(hcl, self.diagnostics)
        self.read: list[str] = []
        self.blocks: list[_Block] = []
        self.variables: dict[str, _Variable] = {}
        self._parsed: dict[str, tuple[Any, str] | None] = {}

    # -- reading

    def _load(self, path: str) -> tuple[Any, str] | None:
        """Read and parse one file (once): ``(body, text)`` where body is an hcl2 BodyRule or
        the root PyYAML MappingNode of a JSON file; None when empty or unusable."""
        if path in self._parsed:
            return self._parsed[path]
        self._parsed[path] = None
        self.read.append(path)
        text, problem = _read_text(path)
        if text is None:
            if problem is not None:
                self.diagnostics.append(problem)
            return None
        if not text.strip():
            return None
        result: tuple[Any, str] | None = None
        if path.endswith(".json"):
            result = self._load_json(path, text)
        else:
            try:
                result = (self.h.parse(text).raw.body, text)
            except Exception as exc:  # any parser failure is a diagnostic
                self.diagnostics.append(_hcl_error(path, exc, text))
        self._parsed[path] = result
        return result

    def _load_json(self, path: str, text: str) -> tuple[Any, str] | None:
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
            if root is None or _yaml_kind(root) != "MappingNode":
                raise _JsonError("a Terraform JSON file must hold an object", 1)
            _check_json(root)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.diagnostics.append(
                Diagnostic(path, f"invalid JSON: {problem}", mark.line + 1 if mark else None)
            )
            return None
        except _JsonError as exc:
            self.diagnostics.append(Diagnostic(path, f"invalid JSON: {exc}", exc.line))
            return None
        return root, text

    # -- the whole module

    def parse(self, files: Sequence[str], var_files: Sequence[str]) -> Unit:
        config = sorted({f for f in files if f.endswith((".tf", ".tf.json"))})
        primary = [f for f in config if not _is_override(f)]
        overrides = [f for f in config if _is_override(f)]
        for path in primary + overrides:
            loaded = self._load(path)
            if loaded is not None:
                self._collect(path, loaded[0], loaded[1], override=path in overrides)
        self._resolve_variables(files, var_files)
        resources, providers, settings = self._evaluate_blocks()
        self.diagnostics.sort(key=lambda d: (d.path, d.line or 0, d.message))
        return Unit(
            framework="terraform",
            path=self.directory,
            resources=tuple(resources),
            files=tuple(sorted(set(self.read))),
            diagnostics=tuple(self.diagnostics),
            providers=tuple(providers),
            settings=settings,
            variables=dict(self.ev.variables or {}),
        )

    # -- declarations

    def _collect(self, path: str, body: Any, text: str, *, override: bool) -> None:
        if path.endswith(".json"):
            self._collect_json(path, body, text, override=override)
            return
        h = self.h
        for child in body.children:
            if not isinstance(child, h.Block):
                continue
            labels = tuple(self._label(label) for label in child.labels)
            kind, names = labels[0], labels[1:]
            span = self.ev.span(child)
            if span is None:
                continue
            if kind == "locals":
                for attribute in self._attributes(child.body):
                    name = str(attribute.identifier.token.value)
                    if override or name not in self.ev.locals:
                        self.ev.locals[name] = _Expr(attribute.expression, text)
            elif kind == "variable" and names:
                declared = self.variables.setdefault(names[0], _Variable())
                for attribute in self._attributes(child.body):
                    name = str(attribute.identifier.token.value)
                    if name in ("default", "type"):
                        setattr(declared, name, _Expr(attribute.expression, text))
            elif kind == "terraform" or (kind in _LABELS and len(names) >= _LABELS[kind]):
                self.blocks.append(
                    _Block(kind, names, path, span, child.body, text, None, override)
                )

    def _label(self, label: Any) -> str:
        if isinstance(label, self.h.Identifier):
            return str(label.token.value)
        return "".join(
            _unescape(str(p.content.value)) if not hasattr(p.content, "children") else ""
            for p in label.string_parts
        )

    def _attributes(self, body: Any) -> list[Any]:
        return [c for c in body.children if isinstance(c, self.h.Attribute)]

    def _collect_json(self, path: str, root: Any, text: str, *, override: bool) -> None:
        file = _JsonFile(path)
        for key, value in _json_items(root):
            kind = key.value
            if kind == "locals":
                for name_node, expr in _json_items(value):
                    if override or name_node.value not in self.ev.locals:
                        self.ev.locals[name_node.value] = _Expr(expr, json=file)
            elif kind == "variable":
                for name_node, body in _json_items(value):
                    declared = self.variables.setdefault(name_node.value, _Variable())
                    for attr_key, attr_value in _json_items(body):
                        if attr_key.value == "default":
                            declared.default = _Expr(attr_value, json=file, literal=True)
                        elif attr_key.value == "type":
                            declared.type = _Expr(attr_value, json=file)
            elif kind == "terraform":
                for body in _json_bodies(value):
                    span = _mark_span(key.start_mark, body.end_mark)
                    self.blocks.append(_Block(kind, (), path, span, body, text, file, override))
            elif kind in _LABELS and kind != "variable":
                self._collect_json_labelled(
                    kind, key, value, _LABELS[kind], (), path, file, override
                )

    def _collect_json_labelled(
        self,
        kind: str,
        key: Any,
        value: Any,
        depth: int,
        labels: tuple[str, ...],
        path: str,
        file: _JsonFile,
        override: bool,
    ) -> None:
        if depth == 0:
            for body in _json_bodies(value):
                span = _mark_span(key.start_mark, body.end_mark)
                self.blocks.append(_Block(kind, labels, path, span, body, "", file, override))
            return
        for label_key, inner in _json_items(value):
            self._collect_json_labelled(
                kind, label_key, inner, depth - 1, (*labels, label_key.value), path, file, override
            )

    # -- variables

    def _resolve_variables(self, files: Sequence[str], var_files: Sequence[str]) -> None:
        """Terraform's precedence: default < terraform.tfvars < terraform.tfvars.json <
        *.auto.tfvars[.json] (lexical order) < each --var-file in order."""
        auto = list(dict.fromkeys(f for f in files if _is_auto_vars(f)))
        named = {posixpath.basename(f): f for f in auto}
        ordered = [named[n] for n in ("terraform.tfvars", "terraform.tfvars.json") if n in named]
        ordered += sorted((f for f in auto if f not in ordered), key=posixpath.basename)
        assigned: dict[str, _Expr] = {}
        for path in [*ordered, *var_files]:
            for name, expr in self._var_file(path):
                assigned[name] = expr
        ev = self.ev
        values: dict[str, Any] = {}
        for name, declared in self.variables.items():
            given = assigned.get(name, declared.default)
            if given is None:
                values[name] = Unknown(f"variable {name} has no value", f"var.{name}")
                continue
            try:
                values[name] = self._convert(ev.evaluate(given), declared.type)
            except Exception as exc:  # never raise: a bug or pathological input is a diagnostic
                ev.reset()
                values[name] = Unknown(f"variable {name} cannot be evaluated", f"var.{name}")
                self.diagnostics.append(
                    Diagnostic(
                        given.json.path if given.json else self.directory,
                        f"cannot evaluate variable {name}: {type(exc).__name__}",
                    )
                )
        ev.refs.clear()
        ev.variables = values

    def _var_file(self, path: str) -> list[tuple[str, _Expr]]:
        loaded = self._load(path)
        if loaded is None:
            return []
        body, text = loaded
        if path.endswith(".json"):
            file = _JsonFile(path)
            return [(k.value, _Expr(v, json=file, literal=True)) for k, v in _json_items(body)]
        return [
            (str(a.identifier.token.value), _Expr(a.expression, text))
            for a in self._attributes(body)
        ]

    def _convert(self, value: Any, type_expr: _Expr | None) -> Any:
        """Convert a variable's value to its declared type as Terraform does (``"30"`` for a
        ``number`` is 30; ``optional()`` object attributes get their defaults)."""
        if type_expr is None:
            return value
        node, text = type_expr.node, type_expr.text
        if type_expr.json is not None:
            if _yaml_kind(node) != "ScalarNode":
                return value
            parsed = self.ev.fragment(str(node.value).removeprefix("${").removesuffix("}"))
            if parsed is None:
                return value
            node, text = parsed
        return self._convert_to(value, node, text)

    def _convert_to(self, value: Any, node: Any, text: str) -> Any:
        h = self.h
        while isinstance(node, h.ExprTerm):
            node = node.expression
        if not _concrete(value) and not isinstance(value, (dict, list)):
            return value
        if value is None:
            return None
        if isinstance(node, h.Identifier):
            kind = str(node.token.value)
            converted: Any = value
            if kind == "string":
                converted = _to_string(value)
            elif kind == "number":
                converted = _to_number(value)
            elif kind == "bool":
                converted = _to_bool(value)
            return value if converted is None else converted
        if not isinstance(node, h.FunctionCall) or node.arguments is None:
            return value
        name = "::".join(str(i.token.value) for i in node.identifiers)
        args = node.arguments.arguments
        if name in ("list", "set") and isinstance(value, list):
            items = [self._convert_to(item, args[0], text) for item in value]
            return _fn_toset([items]) if name == "set" and _concrete(items) else items
        if name == "map" and isinstance(value, dict):
            return {k: self._convert_to(v, args[0], text) for k, v in value.items()}
        if name == "object" and isinstance(value, dict):
            shape = args[0]
            while isinstance(shape, h.ExprTerm):
                shape = shape.expression
            if not isinstance(shape, h.Object):
                return value
            result: dict[str, Any] = {}
            for element in shape.elements:
                key = self.ev.static_key(element.key)
                if key is None:
                    return value
                attr_type = element.expression
                while isinstance(attr_type, h.ExprTerm):
                    attr_type = attr_type.expression
                optional = isinstance(attr_type, h.FunctionCall) and (
                    "::".join(str(i.token.value) for i in attr_type.identifiers) == "optional"
                )
                if optional and attr_type.arguments is not None:
                    inner = attr_type.arguments.arguments
                    if key not in value:
                        default = self.ev.eval(inner[1], _Ctx(text)) if len(inner) > 1 else None
                        result[key] = self._convert_to(default, inner[0], text)
                        continue
                    attr_type = inner[0]
                if key in value:
                    result[key] = self._convert_to(value[key], attr_type, text)
                else:
                    result[key] = None
            return result
        return value

    # -- blocks

    def _evaluate_blocks(
        self,
    ) -> tuple[list[Resource], list[ProviderConfig], TerraformSettings]:
        resources: dict[str, Resource] = {}
        order: list[str] = []
        providers: dict[tuple[str, str], ProviderConfig] = {}
        settings: dict[str, Any] = {"required_providers": {}}
        for block in self.blocks:
            self.ev.refs.clear()
            try:
                self._evaluate_block(block, resources, order, providers, settings)
            except Exception as exc:  # never raise: a bug or pathological input is a diagnostic
                self.ev.reset()
                what = " ".join((block.kind, *block.labels))
                self.diagnostics.append(
                    Diagnostic(
                        block.path,
                        f"cannot evaluate {what}: {type(exc).__name__}: {exc}"[:300],
                        block.span.line,
                    )
                )
        self.ev.refs.clear()
        terraform = TerraformSettings(
            required_version=settings.get("required_version", ABSENT),
            required_providers=settings["required_providers"],
            backend=settings.get("backend"),
            cloud=settings.get("cloud", False),
            span=settings.get("span"),
            path=settings.get("path"),
        )
        return [resources[name] for name in order], list(providers.values()), terraform

    def _evaluate_block(
        self,
        block: _Block,
        resources: dict[str, Resource],
        order: list[str],
        providers: dict[tuple[str, str], ProviderConfig],
        settings: dict[str, Any],
    ) -> None:
        if block.kind == "terraform":
            self._settings(block, settings)
            return
        if block.kind == "provider":
            provider = self._provider(block)
            key = (provider.name, provider.alias)
            if key in providers:
                if not block.override:
                    return  # a duplicate provider configuration: Terraform rejects it
                original = providers[key]
                merged = {**original.attributes, **provider.attributes}
                provider = ProviderConfig(
                    original.name, original.alias, merged, original.span, original.path
                )
            providers[key] = provider
            return
        resource = self._resource(block)
        existing = resources.get(resource.name)
        if existing is None:
            if not block.override:  # Terraform rejects an override without an original
                resources[resource.name] = resource
                order.append(resource.name)
        elif block.override:
            resources[resource.name] = _apply_override(existing, resource)
        else:
            self.diagnostics.append(
                Diagnostic(
                    resource.path,
                    f"duplicate {resource.kind} {resource.name} (first declared in "
                    f"{existing.path} line {existing.span.line})",
                    resource.span.line,
                )
            )

    def _resource(self, block: _Block) -> Resource:
        if block.kind == "module":
            kind, type_, name = "module", "module", f"module.{block.labels[0]}"
            meta_names = _MODULE_META
        else:
            kind, type_ = block.kind, block.labels[0]
            name = f"{type_}.{block.labels[1]}"
            if kind == "data":
                name = "data." + name
            meta_names = _RESOURCE_META
        result = self._body(block, meta_names)
        refs = frozenset(ref for ref in self.ev.refs if ref != name)
        return Resource(
            framework="terraform",
            type=type_,
            name=name,
            path=block.path,
            span=block.span,
            attributes=result.attributes,
            spans=result.spans,
            meta=result.meta,
            meta_spans=result.meta_spans,
            references=refs,
            kind=kind,
        )

    def _body(self, block: _Block, meta_names: frozenset[str]) -> _Evaluated:
        result = _Evaluated()
        if block.json is not None:
            self._json_body(block.body, block.json, (), result, meta_names, {})
        else:
            self._hcl_body(block.body, _Ctx(block.text), (), result, meta_names)
        return result

    def _provider(self, block: _Block) -> ProviderConfig:
        result = self._body(block, frozenset())
        alias = result.attributes.get("alias", "")
        return ProviderConfig(
            name=block.labels[0],
            alias=alias if isinstance(alias, str) else "",
            attributes=result.attributes,
            span=block.span,
            path=block.path,
        )

    def _settings(self, block: _Block, settings: dict[str, Any]) -> None:
        if "span" not in settings:
            settings["span"], settings["path"] = block.span, block.path
        ev = self.ev
        if block.json is not None:
            file = block.json
            for key, value in _json_items(block.body):
                name = key.value
                if name == "required_version":
                    if block.override or name not in settings:
                        settings[name] = ev.json_value(value, file, {})
                elif name == "required_providers":
                    for provider, spec in _json_items(value):
                        self._required(
                            settings, provider.value, ev.json_value(spec, file, {}), block.override
                        )
                elif name == "backend":
                    for backend, _ in _json_items(value):
                        settings["backend"] = backend.value
                elif name == "cloud":
                    settings["cloud"] = True
            return
        h = self.h
        ctx = _Ctx(block.text)
        for child in block.body.children:
            if (
                isinstance(child, h.Attribute)
                and child.identifier.token.value == "required_version"
            ):
                if block.override or "required_version" not in settings:
                    settings["required_version"] = ev.eval(child.expression, ctx)
            elif isinstance(child, h.Block):
                labels = [self._label(label) for label in child.labels]
                if labels[0] == "required_providers":
                    for attribute in self._attributes(child.body):
                        value = ev.eval(attribute.expression, ctx)
                        self._required(
                            settings, str(attribute.identifier.token.value), value, block.override
                        )
                elif labels[0] == "backend" and len(labels) > 1:
                    settings["backend"] = labels[1]
                elif labels[0] == "cloud":
                    settings["cloud"] = True

    @staticmethod
    def _required(settings: dict[str, Any], name: str, value: Any, override: bool) -> None:
        if override or name not in settings["required_providers"]:
            settings["required_providers"][name] = value

    # -- bodies (HCL)

    def _hcl_body(
        self,
        body: Any,
        ctx: _Ctx,
        path: Path,
        out: _Evaluated,
        meta_names: frozenset[str],
        values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Evaluate an HCL block body into ``values`` (default: ``out.attributes``), recording
        spans; at the top of a resource, meta-arguments go to ``out.meta``."""
        h, ev = self.h, self.ev
        values = out.attributes if values is None else values
        top = bool(meta_names)
        counts: dict[str, int] = {}
        for child in body.children:
            if isinstance(child, h.Block):
                block_type = self._label(child.labels[0])
                counts[block_type] = counts.get(block_type, 0) + 1
        seen: dict[str, int] = {}
        dynamic: set[str] = set()
        for child in body.children:
            if isinstance(child, h.Attribute):
                name = str(child.identifier.token.value)
                span = ev.span(child)
                if top and name in meta_names:
                    out.meta[name] = self._meta_argument(name, child.expression, ctx)
                    if span is not None:
                        out.meta_spans[(name,)] = span
                    continue
                if path == ("lifecycle",) and name == "ignore_changes":
                    values[name] = self._ignore_changes(child.expression, ctx)
                else:
                    values[name] = ev.eval(child.expression, ctx)
                if span is not None:
                    out.spans[(*path, name)] = span
                self._value_spans(child.expression, (*path, name), out.spans)
            elif isinstance(child, h.Block):
                labels = [self._label(label) for label in child.labels]
                block_type = labels[0]
                span = ev.span(child)
                if top and block_type in _SKIPPED:
                    continue
                if top and block_type == "lifecycle" and "lifecycle" in meta_names:
                    out.meta["lifecycle"] = self._lifecycle(child.body, ctx, out)
                    if span is not None:
                        out.meta_spans[("lifecycle",)] = span
                    continue
                if block_type == "dynamic" and len(labels) > 1:
                    name = labels[1]
                    values[name] = self._dynamic(child, name, ctx)
                    dynamic.add(name)
                    if span is not None:
                        out.spans.setdefault((*path, name), span)
                    continue
                index = seen.get(block_type, 0)
                seen[block_type] = index + 1
                if block_type in dynamic:  # still evaluated for its references
                    self._hcl_body(child.body, ctx, path, _Evaluated(), frozenset(), {})
                    continue
                repeated = counts[block_type] > 1
                block_path: Path = (*path, block_type, index) if repeated else (*path, block_type)
                if span is not None:
                    out.spans[block_path] = span
                    out.spans.setdefault((*path, block_type), span)
                nested = self._hcl_body(child.body, ctx, block_path, out, frozenset(), {})
                if block_type in values and isinstance(values[block_type], Unknown):
                    continue  # a dynamic block of the same name came first
                if repeated:
                    values.setdefault(block_type, []).append(nested)
                else:
                    values[block_type] = nested
        return values

    def _meta_argument(self, name: str, node: Any, ctx: _Ctx) -> Any:
        ev = self.ev
        if name == "provider":
            return ev.source(node, ctx)
        if name == "providers":
            inner = node.expression if isinstance(node, self.h.ExprTerm) else node
            if isinstance(inner, self.h.Object):
                return {
                    ev.static_key(e.key) or ev.source(e.key, ctx): ev.source(e.expression, ctx)
                    for e in inner.elements
                }
        return ev.eval(node, ctx)

    def _lifecycle(self, body: Any, ctx: _Ctx, out: _Evaluated) -> dict[str, Any]:
        """``lifecycle`` as a dict, its spans in ``out.meta_spans``."""
        spans: _Evaluated = _Evaluated()
        result = self._hcl_body(body, ctx, ("lifecycle",), spans, frozenset(), {})
        out.meta_spans.update(spans.spans)
        return result

    def _ignore_changes(self, node: Any, ctx: _Ctx) -> Any:
        """``ignore_changes`` names attributes of the resource itself (``[tags, tags["a"]]``
        or ``all``): kept as written, never evaluated (``tags.Name`` is no resource)."""
        h, ev = self.h, self.ev
        while isinstance(node, h.ExprTerm):
            node = node.expression
        if isinstance(node, h.Tuple):
            return [ev.source(element, ctx) for element in node.elements]
        return ev.source(node, ctx)

    def _dynamic(self, block: Any, name: str, ctx: _Ctx) -> Unknown:
        """A ``dynamic`` block: Unknown, with the references of its ``for_each`` and content."""
        h, ev = self.h, self.ev
        start = len(ev.refs)
        iterator = name
        for attribute in self._attributes(block.body):
            if attribute.identifier.token.value == "iterator":
                iterator = ev.source(attribute.expression, ctx)
        inner = ctx.bind([iterator], Unknown("dynamic block iterator"))
        for child in block.body.children:
            if isinstance(child, h.Attribute):
                ev.eval(child.expression, ctx)
            elif isinstance(child, h.Block):
                self._hcl_body(child.body, inner, (), _Evaluated(), frozenset(), {})
        return Unknown("dynamic block", f'dynamic "{name}"', _merge_refs(ev.refs[start:]))

    def _value_spans(self, node: Any, path: Path, spans: dict[Path, Span]) -> None:
        """Spans of the keys of object literals and the items of tuples inside a value (also
        inside ``merge(...)`` and ``jsonencode(...)``)."""
        h, ev = self.h, self.ev
        while isinstance(node, h.ExprTerm):
            node = node.expression
        if isinstance(node, h.Object):
            for element in node.elements:
                key = ev.static_key(element.key)
                span = ev.span(element)
                if key is None or span is None:
                    continue
                spans[(*path, key)] = span
                self._value_spans(element.expression, (*path, key), spans)
        elif isinstance(node, h.Tuple):
            for index, element in enumerate(node.elements):
                span = ev.span(element)
                if span is not None:
                    spans[(*path, index)] = span
                    self._value_spans(element, (*path, index), spans)
        elif isinstance(node, h.FunctionCall) and node.arguments is not None:
            name = "::".join(str(i.token.value) for i in node.identifiers)
            if name in ("merge", "jsonencode"):
                for argument in node.arguments.arguments:
                    self._value_spans(argument, path, spans)

    # -- bodies (JSON)

    def _json_body(
        self,
        body: Any,
        file: _JsonFile,
        path: Path,
        out: _Evaluated,
        meta_names: frozenset[str],
        scope: Mapping[str, Any],
    ) -> None:
        ev = self.ev
        for key, value in _json_items(body):
            name = key.value
            span = _mark_span(key.start_mark, value.end_mark)
            if name in meta_names:
                if name == "provider":
                    out.meta[name] = _json_literal(value)
                elif name == "depends_on":
                    items = value.value if _yaml_kind(value) == "SequenceNode" else [value]
                    out.meta[name] = [ev.json_expression(item, file) for item in items]
                elif name == "lifecycle":
                    out.meta[name] = self._json_lifecycle(value, file, out)
                elif name == "providers":
                    out.meta[name] = _json_literal(value)
                else:
                    out.meta[name] = ev.json_value(value, file, scope)
                out.meta_spans[(name,)] = span
            elif meta_names and name in _SKIPPED:
                continue
            elif name == "dynamic":
                for block_name, dynamic in _json_items(value):
                    out.attributes[block_name.value] = self._json_dynamic(
                        block_name.value, dynamic, file, scope
                    )
                    out.spans.setdefault(
                        (*path, block_name.value),
                        _mark_span(block_name.start_mark, dynamic.end_mark),
                    )
            else:
                out.attributes[name] = ev.json_value(value, file, scope)
                out.spans[(*path, name)] = span
                _json_spans(value, (*path, name), out.spans)

    def _json_lifecycle(self, node: Any, file: _JsonFile, out: _Evaluated) -> Any:
        result: dict[str, Any] = {}
        for key, value in _json_items(node):
            name = key.value
            if name == "ignore_changes":
                result[name] = _json_literal(value)
            elif name == "replace_triggered_by" and _yaml_kind(value) == "SequenceNode":
                result[name] = [self.ev.json_expression(item, file) for item in value.value]
            else:
                result[name] = self.ev.json_value(value, file, {})
            out.meta_spans[("lifecycle", name)] = _mark_span(key.start_mark, value.end_mark)
        return result

    def _json_dynamic(self, name: str, node: Any, file: _JsonFile, scope: Mapping[str, Any]) -> Any:
        ev = self.ev
        start = len(ev.refs)
        iterator = name
        for key, value in _json_items(node):
            if key.value == "iterator":
                iterator = str(_json_literal(value))
        inner = {**scope, iterator: Unknown("dynamic block iterator")}
        for key, value in _json_items(node):
            if key.value == "content":
                for body in _json_bodies(value):
                    self._json_body(body, file, (), _Evaluated(), frozenset(), inner)
            elif key.value != "iterator":
                ev.json_value(value, file, scope)
        return Unknown("dynamic block", f'dynamic "{name}"', _merge_refs(ev.refs[start:]))


def _json_spans(node: Any, path: Path, spans: dict[Path, Span]) -> None:
    kind = _yaml_kind(node)
    if kind == "MappingNode":
        for key, value in node.value:
            spans[(*path, key.value)] = _mark_span(key.start_mark, value.end_mark)
            _json_spans(value, (*path, key.value), spans)
    elif kind == "SequenceNode":
        for index, item in enumerate(node.value):
            spans[(*path, index)] = _mark_span(item.start_mark, item.end_mark)
            _json_spans(item, (*path, index), spans)


def _apply_override(original: Resource, override: Resource) -> Resource:
    """Merge an override file's block into the original as Terraform does: its arguments and
    nested block types replace the original's; ``lifecycle`` is merged argument by argument.
    Replaced values have no span of their own (they live in another file): their location is
    the resource's."""
    replaced = set(override.attributes)
    attributes = {**original.attributes, **override.attributes}
    spans = {p: s for p, s in original.spans.items() if p[0] not in replaced}
    meta = dict(original.meta)
    for name, value in override.meta.items():
        if name == "lifecycle" and isinstance(value, dict):
            meta[name] = {**meta.get(name, {}), **value}
        else:
            meta[name] = value
    replaced_meta = set(override.meta)
    meta_spans = {p: s for p, s in original.meta_spans.items() if p[0] not in replaced_meta}
    return Resource(
        framework=original.framework,
        type=original.type,
        name=original.name,
        path=original.path,
        span=original.span,
        attributes=attributes,
        spans=spans,
        meta=meta,
        meta_spans=meta_spans,
        references=original.references | override.references,
        kind=original.kind,
    )
