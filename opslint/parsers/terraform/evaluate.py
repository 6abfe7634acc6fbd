"""The expression evaluator: HCL syntax model expressions and Terraform JSON values to model
values.

What cannot be worked out statically becomes :class:`~opslint.model.Unknown`,
:class:`~opslint.model.Reference` or :class:`~opslint.model.Choice`; the evaluator never raises
on an expression. JSON strings and heredoc bodies are templates: they are rewritten as quoted
HCL strings and parsed with the HCL front-end.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from opslint.model import (
    ABSENT,
    Choice,
    Diagnostic,
    Partial,
    Provenance,
    Reference,
    Span,
    Unknown,
)
from opslint.parsers.terraform.functions import (
    FUNCTIONS,
    InvalidCall,
    NotKnown,
    UnsupportedCall,
)
from opslint.parsers.terraform.hcl import Hcl, extent
from opslint.parsers.terraform.json_syntax import (
    JSON_CONSTANTS,
    JsonFile,
    fix_surrogates,
    json_literal,
    yaml_kind,
)
from opslint.parsers.terraform.template_files import TemplateFiles
from opslint.parsers.terraform.templates import heredoc_body, quote_template, unescape
from opslint.parsers.terraform.values import (
    INVALID,
    concrete,
    equal,
    format_number,
    invalid,
    is_invalid,
    norm,
    parse_number,
    to_bool,
    to_number,
    to_string,
)
from opslint.partial import compose, piece


def merge_refs(*groups: Sequence[str]) -> tuple[str, ...]:
    """The references of all groups, in order of first appearance, each once."""
    return tuple(dict.fromkeys(ref for group in groups for ref in group))


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where an HCL node comes from: the text it was parsed from (for sources) and the names
    bound around it by ``for`` expressions and ``dynamic`` blocks."""

    text: str
    scope: Mapping[str, Any] = field(default_factory=dict)

    def bind(self, names: Sequence[str], value: Any) -> Ctx:
        return Ctx(self.text, {**self.scope, **dict.fromkeys(names, value)})


@dataclass(frozen=True, slots=True)
class Expr:
    """An expression to evaluate: an HCL syntax node with its text, or a JSON node of a
    Terraform JSON file (``json`` set; ``literal`` for variable files and defaults, where
    strings are not templates)."""

    node: Any
    text: str = ""
    json: JsonFile | None = None
    literal: bool = False


_PLAN_TIME = {
    "count": "count.index is only known per instance",
    "each": "each.key/each.value are only known per instance",
    "self": "self is only known during apply",
    "path": "path.* is not evaluated",
    "terraform": "terraform.* is only known at run time",
}
_FRAGMENTS: dict[str, Any] = {}
"""Parsed expression fragments (templates of JSON strings and heredocs) by text."""
_FRAGMENTS_MAX = 20_000
_WS_NEWLINE = re.compile(r"\s*\n\s*")
_MAX_LOCAL_DEPTH = 50
"""Locals referring to locals deeper than this are Unknown (keeps recursion bounded)."""

# Steps of a traversal: ("attr", name), ("index", node), ("key", value), ("splat", steps).
_Step = tuple[str, Any]


class Evaluator:
    """Evaluates HCL expressions (and Terraform JSON values) to model values.

    References met while evaluating are appended to :attr:`refs`; callers take the slice they
    care about (a resource, an Unknown's ``references``).
    """

    def __init__(self, hcl: Hcl, diagnostics: list[Diagnostic]) -> None:
        self.h: Any = hcl  # node classes: Any, so isinstance() does not narrow node types
        self.diagnostics = diagnostics
        self.refs: list[str] = []
        self.inputs: list[str] = []  # variables read, for where a called module's value came from
        self.sources: list[Provenance] = []  # values read from elsewhere (variables, locals)
        self.variable_kinds: dict[str, str] = {}  # variable → where its value came from
        self.variables: dict[str, Any] | None = None  # None: constants only (tfvars, defaults)
        self.locals: dict[str, Expr] = {}
        self.prefix = ""  # the module address of a called module ("module.svc")
        self.instance_reads = 0  # count.* / each.* read where no instance was bound
        self.folder = "."  # the module's folder: path.module, and where templatefile() reads
        self.templates: TemplateFiles | None = None  # None: templatefile() is not evaluated
        self.module_outputs: Callable[[str], Any] | None = None
        """Gives the outputs of a module call (a dict) when the call is followed, else None."""
        self._local_values: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {}
        self._local_busy: set[str] = set()
        self._fragments = _FRAGMENTS  # shared: called modules repeat their templates
        h = hcl
        self._dispatch: dict[type, Callable[[Any, Ctx], Any]] = {
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
        self.inputs.clear()
        self.sources.clear()
        self._local_busy.clear()

    def evaluate(self, expr: Expr, scope: Mapping[str, Any] | None = None) -> Any:
        if expr.json is not None:
            if expr.literal:
                return json_literal(expr.node)
            return self.json_value(expr.node, expr.json, scope or {})
        return self.eval(expr.node, Ctx(expr.text, scope or {}))

    def eval(self, node: Any, ctx: Ctx) -> Any:
        expr_term = self.h.ExprTerm
        while type(node) is expr_term:  # the wrapper of every term: skip it without a call
            node = node.expression
        handler = self._dispatch.get(type(node))
        if handler is None:
            return self._unsupported(node, ctx)
        return handler(node, ctx)

    def source(self, node: Any, ctx: Ctx) -> str:
        """The expression as written (runs of whitespace with a newline collapsed)."""
        bounds = extent(node, self.h.NewLine)
        if bounds is None:
            return ""
        text = ctx.text[bounds[2] : bounds[3]].strip()
        return _WS_NEWLINE.sub(" ", text) if "\n" in text else text

    def span(self, node: Any) -> Span | None:
        bounds = extent(node, self.h.NewLine)
        return None if bounds is None else Span(bounds[0], bounds[1])

    def unknown(self, reason: str, node: Any, ctx: Ctx, start: int) -> Unknown:
        """An Unknown for ``node`` carrying the references met since ``start``."""
        return Unknown(reason, self.source(node, ctx), merge_refs(self.refs[start:]))

    # -- leaves

    def _int(self, node: Any, ctx: Ctx) -> Any:
        return int(node.token.value)

    def _float(self, node: Any, ctx: Ctx) -> Any:
        number = parse_number(str(node.token.value))
        return number if number is not None else invalid("number out of range")

    def _literal(self, node: Any, ctx: Ctx) -> Any:
        return JSON_CONSTANTS.get(str(node.token.value))

    def _unsupported(self, node: Any, ctx: Ctx) -> Unknown:
        start = len(self.refs)
        for child in getattr(node, "children", ()):
            if child is not None and hasattr(child, "children"):
                self.eval(child, ctx)
        return self.unknown("expression is not evaluated", node, ctx, start)

    # -- strings and templates

    def _string(self, node: Any, ctx: Ctx) -> Any:
        parts = node.string_parts
        if len(parts) == 1 and isinstance(parts[0].content, self.h.Interpolation):
            # "${x}" is x itself, not converted to a string.
            return self.eval(parts[0].content.expression, ctx)
        return self._template(parts, node, ctx)

    def _template(self, parts: Sequence[Any], node: Any, ctx: Ctx) -> Any:
        h = self.h
        start = len(self.refs)
        pieces: list[str | Unknown] = []
        reason = ""
        for part in parts:
            content = part.content
            if isinstance(content, h.Interpolation):
                value = self.eval(content.expression, ctx)
                text = to_string(value)
                if text is not None:
                    pieces.append(text)
                elif value is None:
                    reason = reason or INVALID + "null value in a string template"
                elif isinstance(value, (list, dict)):
                    if concrete(value):
                        reason = reason or INVALID + "a list or object in a string template"
                    else:
                        reason = reason or "interpolation with unresolved parts"
                else:  # the text keeps its known parts around the unknown piece
                    pieces.append(piece(value, self.source(content.expression, ctx)))
            elif hasattr(content, "children"):  # %{ if } / %{ for } directive
                self._directive(content, ctx)
                reason = reason or "template directive is not evaluated"
            else:
                kind = content.kind
                raw = str(content.value)
                # ESCAPED_INTERPOLATION / ESCAPED_DIRECTIVE: "$${x}" is the text "${x}"
                pieces.append(unescape(raw if kind == "STRING_CHARS" else raw[1:]))
        if reason:
            return self.unknown(reason, node, ctx, start)
        if all(isinstance(p, str) for p in pieces):
            return "".join(p for p in pieces if isinstance(p, str))
        where = self.unknown("interpolation with unresolved parts", node, ctx, start)
        return compose(pieces, where.reason, where.source, where.references)

    def _directive(self, node: Any, ctx: Ctx) -> None:
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

    def _heredoc(self, node: Any, ctx: Ctx) -> Any:
        text, _ = heredoc_body(str(node.heredoc.value))
        if "${" not in text and "%{" not in text:
            return text
        return self.template(text, ctx.scope, node, ctx)

    def template(self, raw: str, scope: Mapping[str, Any], node: Any, ctx: Ctx | None) -> Any:
        """Evaluate template text not parsed as a template (a heredoc body, a JSON string) by
        parsing it as a quoted HCL string."""
        quoted = quote_template(raw)
        parsed = None if quoted is None else self.fragment(quoted)
        if parsed is None:
            source = raw if ctx is None else self.source(node, ctx)
            return invalid("template cannot be parsed", _WS_NEWLINE.sub(" ", source.strip()))
        expression, text = parsed
        return self.eval(expression, Ctx(text, scope))

    def fragment(self, expression: str) -> tuple[Any, str] | None:
        """Parse ``x = <expression>`` once and return the expression node with its text."""
        text = f"x = {expression}\n"
        if text in self._fragments:
            return self._fragments[text]  # type: ignore[no-any-return]
        result = None
        document = self.h.parse("", text)
        attributes = self.h.attributes(document.body)
        if not document.diagnostics and len(attributes) == 1:
            result = (attributes[0].expression, document.text)
        if len(self._fragments) >= _FRAGMENTS_MAX:
            self._fragments.clear()
        self._fragments[text] = result
        return result

    # -- collections

    def _tuple(self, node: Any, ctx: Ctx) -> Any:
        return [self.eval(element, ctx) for element in node.elements]

    def _object(self, node: Any, ctx: Ctx) -> Any:
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

    def _object_key(self, key: Any, ctx: Ctx) -> Any:
        h = self.h
        if isinstance(key, h.ObjectKeyExpression):
            value = self.eval(key.expression, ctx)
        else:
            inner = key.value
            if isinstance(inner, h.Identifier):
                return str(inner.token.value)
            value = self.eval(inner, ctx)
        return to_string(value)

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
            if all(p.content.kind == "STRING_CHARS" for p in parts if p is not None):
                return "".join(unescape(str(p.content.value)) for p in parts)
            return None
        if isinstance(inner, (h.IntLit, h.FloatLit)):
            number = parse_number(str(inner.token.value))
            return None if number is None else format_number(number)
        return None

    # -- traversals: var.x, local.x, aws_x.y.attr, data.t.n.attr, module.m.out, ...

    def _traversal(self, node: Any, ctx: Ctx) -> Any:
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
        if name == "path" and first == "module" and len(steps) == 1:
            return self.folder
        if name in _PLAN_TIME:
            if name in ("count", "each"):
                self.instance_reads += 1
            for step in steps:
                self._step_refs(step, ctx)
            return Unknown(_PLAN_TIME[name], self.source(node, ctx))
        if name in ("var", "local"):
            return invalid(f"{name} needs an attribute", self.source(node, ctx))
        if name == "module" and first is not None and self.module_outputs is not None:
            outputs = self.module_outputs(first)
            if outputs is not None:
                return self._module_value(first, outputs, steps[1:], node, ctx)
        needed = 2 if name == "data" else 1
        names = [step[1] for step in steps[:needed] if step[0] == "attr"]
        if len(names) < needed:
            if not steps:
                return Unknown(f"{name} is not known here", self.source(node, ctx))
            return invalid("incomplete resource reference", self.source(node, ctx))
        address = ".".join((name, *names))
        if self.prefix:
            address = f"{self.prefix}.{address}"
        self.refs.append(address)
        return Reference(address, self._reference_path(steps[needed:], ctx))

    def _module_value(
        self, call: str, outputs: Any, steps: Sequence[_Step], node: Any, ctx: Ctx
    ) -> Any:
        """``module.x.<output>`` of a followed call: the child's output value. One instance
        stands for all, so an instance key (``module.x[0]``) is looked through."""
        self.refs.append(f"{self.prefix}.module.{call}" if self.prefix else f"module.{call}")
        if steps and steps[0][0] in ("index", "key"):
            self._step_refs(steps[0], ctx)
            steps = steps[1:]
        if steps and steps[0][0] == "splat":
            for step in steps:
                self._step_refs(step, ctx)
            return Unknown("outputs of all instances of a module call", self.source(node, ctx))
        value = self.apply(outputs, steps, node, ctx)
        self.refs.extend(value_references(value))
        return self._rewrap(value, node, ctx)

    def _index_step(self, index: Any) -> _Step:
        if isinstance(index, self.h.ShortIndex):
            return ("key", int(index.index.value))
        return ("index", index.index_expression)

    def _sub_step(self, step: Any) -> _Step:
        if isinstance(step, self.h.GetAttr):
            return ("attr", str(step.identifier.token.value))
        return self._index_step(step)

    def _step_refs(self, step: _Step, ctx: Ctx) -> None:
        if step[0] == "index":
            self.eval(step[1], ctx)
        elif step[0] == "splat":
            for sub in step[1]:
                self._step_refs(sub, ctx)

    def _reference_path(
        self, steps: Sequence[_Step], ctx: Ctx, *, instance_key: bool = True
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
            text = value if kind == "attr" else to_string(value)
            if text is None:
                stopped = True
            else:
                path.append(text)
        return tuple(path)

    def apply(self, value: Any, steps: Sequence[_Step], node: Any, ctx: Ctx) -> Any:
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
            if is_invalid(arg):
                return invalid("bad index", self.source(node, ctx))
            if isinstance(arg, (Unknown, Choice, Reference)):
                return Unknown("index is not known", self.source(node, ctx))
            if kind == "attr" and isinstance(value, dict):
                if arg not in value:
                    return invalid(f"no attribute {arg!r}", self.source(node, ctx))
                value = value[arg]
            elif kind == "key" and isinstance(value, list):
                number = to_number(arg)
                if not isinstance(number, int) or not 0 <= number < len(value):
                    return invalid(f"no element {arg!r}", self.source(node, ctx))
                value = value[number]
            elif kind == "key" and isinstance(value, dict):
                key = to_string(arg)
                if key is None or key not in value:
                    return invalid(f"no element {arg!r}", self.source(node, ctx))
                value = value[key]
            else:
                return invalid(f"cannot read {arg!r} of this value", self.source(node, ctx))
        return value

    def _rewrap(self, value: Any, node: Any, ctx: Ctx) -> Any:
        """An Unknown read through a variable or local takes the source as written here."""
        if isinstance(value, Partial):
            return replace(value, source=self.source(node, ctx))
        if isinstance(value, Unknown):
            return Unknown(value.reason, self.source(node, ctx), value.references)
        return value

    def _variable(self, name: str) -> Any:
        if self.variables is None:
            return Unknown("variables cannot be used here", f"var.{name}")
        self.inputs.append(name)
        if name not in self.variables:
            return Unknown(f"variable {name} is not declared", f"var.{name}")
        value = self.variables[name]
        kind = self.variable_kinds.get(name, "variable default")
        self.sources.append(Provenance(kind, name, value))
        return value

    def _local(self, name: str) -> Any:
        if self.variables is None:
            return Unknown("locals cannot be used here", f"local.{name}")
        cached = self._local_values.get(name)
        if cached is not None:
            self.refs.extend(cached[1])
            self.inputs.extend(cached[2])
            self.sources.append(Provenance("local", name, cached[0]))
            return cached[0]
        expr = self.locals.get(name)
        if expr is None:
            return Unknown(f"local {name} is not declared", f"local.{name}")
        if name in self._local_busy:
            return Unknown(f"local {name} refers to itself", f"local.{name}")
        if len(self._local_busy) >= _MAX_LOCAL_DEPTH:
            return Unknown("locals are nested too deeply", f"local.{name}")
        self._local_busy.add(name)
        start, used = len(self.refs), len(self.inputs)
        value = self.evaluate(expr)
        self._local_busy.discard(name)
        self._local_values[name] = (
            value,
            merge_refs(self.refs[start:]),
            merge_refs(self.inputs[used:]),
        )
        self.sources.append(Provenance("local", name, value))
        return value

    # -- operators

    def _conditional(self, node: Any, ctx: Ctx) -> Any:
        condition = self.eval(node.condition, ctx)
        yes = self.eval(node.if_true, ctx)
        no = self.eval(node.if_false, ctx)
        if is_invalid(condition):
            return condition
        if isinstance(condition, (Unknown, Choice, Reference)):
            if concrete(yes) and concrete(no) and equal(yes, no):
                return yes
            return Choice((yes, no), self.source(node.condition, ctx))
        chosen = to_bool(condition)
        if chosen is None:
            return invalid("condition is not a bool", self.source(node, ctx))
        return yes if chosen else no

    def _binary(self, node: Any, ctx: Ctx) -> Any:
        start = len(self.refs)
        left = self.eval(node.expr_term, ctx)
        operator = str(node.binary_term.binary_operator.token.value).strip()
        right = self.eval(node.binary_term.expr_term, ctx)
        if not (concrete(left) and concrete(right)):
            return self.unknown("operand is not known", node, ctx, start)
        result = _operate(operator, left, right)
        return (
            self.unknown(INVALID + f"bad operands for {operator}", node, ctx, start)
            if (result is ABSENT)
            else result
        )

    def _unary(self, node: Any, ctx: Ctx) -> Any:
        start = len(self.refs)
        operand = self.eval(node.expr_term, ctx)
        if not concrete(operand):
            return self.unknown("operand is not known", node, ctx, start)
        if node.operator.strip() == "!":
            flag = to_bool(operand)
            if flag is not None:
                return not flag
        else:
            number = to_number(operand)
            if number is not None:
                return -number
        return self.unknown(INVALID + "bad operand", node, ctx, start)

    def _for(self, node: Any, ctx: Ctx) -> Unknown:
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

    def _function(self, node: Any, ctx: Ctx) -> Any:
        start = len(self.refs)
        name = "::".join(str(i.token.value) for i in node.identifiers)
        arguments = node.arguments
        args = [self.eval(a, ctx) for a in arguments.arguments] if arguments is not None else []
        if name == "templatefile" and self.templates is not None:
            return self._templatefile(args, node, ctx, start)
        function = FUNCTIONS.get(name)
        if function is None:
            return self.unknown(f"function {name} is not evaluated", node, ctx, start)
        if arguments is not None and arguments.has_ellipsis:
            if not args or not isinstance(args[-1], list):
                return self.unknown(f"arguments of {name} are not known", node, ctx, start)
            args = args[:-1] + args[-1]
        try:
            result = function(args)
        except NotKnown:
            return self.unknown(f"arguments of {name} are not known", node, ctx, start)
        except UnsupportedCall as exc:
            return self.unknown(f"{exc} is not evaluated", node, ctx, start)
        except (InvalidCall, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            return self.unknown(INVALID + f"{name}: {exc}", node, ctx, start)
        if isinstance(result, Partial):
            where = self.unknown(result.reason, node, ctx, start)
            return replace(result, source=where.source, references=where.references)
        return result

    def _templatefile(self, args: Sequence[Any], node: Any, ctx: Ctx, start: int) -> Any:
        """``templatefile(path, vars)``: the template read from the scanned tree and evaluated
        with ``vars`` only (its unknown values stay unknown pieces of the text)."""
        assert self.templates is not None
        if len(args) != 2 or not isinstance(args[1], dict):
            return self.unknown("arguments of templatefile are not known", node, ctx, start)
        path = to_string(args[0]) if concrete(args[0]) else None
        if path is None:
            return self.unknown("the path of templatefile is not known", node, ctx, start)
        text = self.templates.text(path)
        if isinstance(text, Unknown):
            return self.unknown(text.reason, node, ctx, start)
        if "${" not in text and "%{" not in text:
            return text
        value = self.template(text, args[1], node, ctx)
        if isinstance(value, Partial):
            where = self.unknown(value.reason, node, ctx, start)
            return replace(value, source=where.source, references=where.references)
        if isinstance(value, Unknown):
            return self.unknown(value.reason, node, ctx, start)
        return value

    # -- Terraform JSON

    def json_value(self, node: Any, file: JsonFile, scope: Mapping[str, Any]) -> Any:
        """A Terraform JSON expression: objects and arrays as such, strings are templates."""
        kind = yaml_kind(node)
        if kind == "MappingNode":
            return {fix_surrogates(k.value): self.json_value(v, file, scope) for k, v in node.value}
        if kind == "SequenceNode":
            return [self.json_value(item, file, scope) for item in node.value]
        if node.style != '"':
            return json_literal(node)
        text = fix_surrogates(node.value)
        if "${" not in text and "%{" not in text:
            return text
        value = self.template(text, scope, None, None)
        if is_invalid(value) and value.reason.endswith("cannot be parsed"):
            self.diagnostics.append(
                Diagnostic(file.path, f"invalid template {text!r}", node.start_mark.line + 1)
            )
        return value

    def json_expression(self, node: Any, file: JsonFile) -> Any:
        """A JSON string that holds a bare expression (``depends_on``, ``replace_triggered_by``)."""
        if yaml_kind(node) != "ScalarNode" or node.style != '"':
            return self.json_value(node, file, {})
        parsed = self.fragment(node.value)
        if parsed is None:
            self.diagnostics.append(
                Diagnostic(
                    file.path, f"invalid expression {node.value!r}", node.start_mark.line + 1
                )
            )
            return invalid("expression cannot be parsed", node.value)
        return self.eval(parsed[0], Ctx(parsed[1]))


def value_references(value: Any) -> tuple[str, ...]:
    """The addresses a value refers to: its References and its Unknowns' references."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, Reference):
            found.append(item.address)
        elif isinstance(item, Unknown):
            found.extend(item.references)
        elif isinstance(item, Choice):
            for option in item.options:
                walk(option)
        elif isinstance(item, dict):
            for inner in item.values():
                walk(inner)
        elif isinstance(item, list):
            for inner in item:
                walk(inner)

    walk(value)
    return tuple(dict.fromkeys(found))


# --- operators ------------------------------------------------------------------------------


def _operate(operator: str, left: Any, right: Any) -> Any:
    """A binary operation on known operands, or ABSENT when the operands do not fit."""
    if operator in ("==", "!="):
        return equal(left, right) == (operator == "==")
    if operator in ("&&", "||"):
        a, b = to_bool(left), to_bool(right)
        if a is None or b is None:
            return ABSENT
        return (a and b) if operator == "&&" else (a or b)
    x, y = to_number(left), to_number(right)
    if x is None or y is None:
        return ABSENT
    if operator == "+":
        return norm(x + y)
    if operator == "-":
        return norm(x - y)
    if operator == "*":
        return norm(x * y)
    if operator == "/":
        return ABSENT if y == 0 else norm(x / y)
    if operator == "%":
        if y == 0:
            return ABSENT
        if isinstance(x, int) and isinstance(y, int):  # Go's truncated remainder
            remainder = abs(x) % abs(y)
            return -remainder if x < 0 else remainder
        return norm(math.fmod(x, y))
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "<": lambda a, b: bool(a < b),
        ">": lambda a, b: bool(a > b),
        "<=": lambda a, b: bool(a <= b),
        ">=": lambda a, b: bool(a >= b),
    }
    compare = comparisons.get(operator)
    return ABSENT if compare is None else compare(x, y)
