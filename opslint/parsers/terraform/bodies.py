"""Block bodies: the attributes, nested blocks and meta-arguments of a block, evaluated, with
the span of every value (down to object keys and list items)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opslint.model import ABSENT, Path, Provenance, Span, Unknown
from opslint.parsers.terraform.evaluate import Ctx, Evaluator, merge_refs
from opslint.parsers.terraform.hcl import Hcl
from opslint.parsers.terraform.json_syntax import (
    JsonFile,
    json_bodies,
    json_items,
    json_literal,
    json_spans,
    mark_span,
    yaml_kind,
)
from opslint.parsers.terraform.values import concrete


@dataclass(slots=True)
class Evaluated:
    """A block body evaluated: attribute values with their spans, and for resources the
    meta-arguments with theirs."""

    attributes: dict[str, Any] = field(default_factory=dict)
    spans: dict[Path, Span] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    meta_spans: dict[Path, Span] = field(default_factory=dict)
    inputs: dict[Path, tuple[str, ...]] = field(default_factory=dict)
    """Attribute path → the module variables its value was worked out from."""
    provenance: dict[Path, tuple[Provenance, ...]] = field(default_factory=dict)
    """Attribute path → the values (variables, locals) it was worked out from."""


_SKIPPED = frozenset({"provisioner", "connection"})
_QUOTED_PROVIDER = re.compile(r'"([A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)?)"')


def provider_address(text: str) -> str:
    """A provider configuration address as Terraform reads it: ``aws.west`` whether written
    as a reference or in quotes (``"aws.west"``, the form of Terraform 0.11 that later
    versions still accept)."""
    quoted = _QUOTED_PROVIDER.fullmatch(text.strip())
    return quoted.group(1) if quoted else text


_MAX_DYNAMIC = 100
"""A dynamic block over more elements than this stays Unknown (keeps work bounded)."""


class BodyEvaluator:
    """Evaluates the body of a ``resource``, ``data``, ``module`` or ``provider`` block (HCL or
    JSON) into attribute values, nested blocks and meta-arguments, with the span of each."""

    def __init__(self, hcl: Hcl, ev: Evaluator) -> None:
        self.h: Any = hcl  # node classes: Any, so isinstance() does not narrow node types
        self.ev = ev

    def evaluate(
        self,
        body: Any,
        text: str,
        json: JsonFile | None,
        meta_names: frozenset[str],
        scope: Mapping[str, Any] | None = None,
    ) -> Evaluated:
        """A block's body; ``meta_names`` are the meta-arguments of its kind of block and
        ``scope`` binds names such as ``each`` and ``count``."""
        result = Evaluated()
        if json is not None:
            self._json_body(body, json, (), result, meta_names, scope or {})
        else:
            self._hcl_body(body, Ctx(text, scope or {}), (), result, meta_names)
        return result

    def _mark(self) -> tuple[int, int]:
        return len(self.ev.inputs), len(self.ev.sources)

    def _track(self, out: Evaluated, path: Path, start: tuple[int, int]) -> None:
        """Record the variables read since ``start`` as the inputs of the value at ``path``,
        and the values it was worked out from as its provenance."""
        inputs, sources = start
        if len(self.ev.inputs) > inputs:
            out.inputs[path] = tuple(dict.fromkeys(self.ev.inputs[inputs:]))
        if len(self.ev.sources) > sources:
            out.provenance[path] = tuple(self.ev.sources[sources:])

    # -- HCL

    def _hcl_body(
        self,
        body: Any,
        ctx: Ctx,
        path: Path,
        out: Evaluated,
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
                block_type = self.h.label(child.labels[0])
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
                used = self._mark()
                if path == ("lifecycle",) and name == "ignore_changes":
                    values[name] = self._ignore_changes(child.expression, ctx)
                else:
                    values[name] = ev.eval(child.expression, ctx)
                self._track(out, (*path, name), used)
                if span is not None:
                    out.spans[(*path, name)] = span
                self._value_spans(child.expression, (*path, name), out.spans)
            elif isinstance(child, h.Block):
                labels = [self.h.label(label) for label in child.labels]
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
                    used = self._mark()
                    expanded = self._dynamic(child, name, ctx, counts.get(name, 0) == 0)
                    self._track(out, (*path, name), used)
                    dynamic.add(name)
                    if expanded is None:
                        continue  # for_each is empty: no block
                    values[name] = expanded
                    if span is not None:
                        out.spans.setdefault((*path, name), span)
                    continue
                index = seen.get(block_type, 0)
                seen[block_type] = index + 1
                if block_type in dynamic:  # still evaluated for its references
                    self._hcl_body(child.body, ctx, path, Evaluated(), frozenset(), {})
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

    def _meta_argument(self, name: str, node: Any, ctx: Ctx) -> Any:
        ev = self.ev
        if name == "provider":
            return provider_address(ev.source(node, ctx))
        if name == "providers":
            inner = node.expression if isinstance(node, self.h.ExprTerm) else node
            if isinstance(inner, self.h.Object):
                return {
                    provider_address(
                        ev.static_key(e.key) or ev.source(e.key, ctx)
                    ): provider_address(ev.source(e.expression, ctx))
                    for e in inner.elements
                }
        return ev.eval(node, ctx)

    def _lifecycle(self, body: Any, ctx: Ctx, out: Evaluated) -> dict[str, Any]:
        """``lifecycle`` as a dict, its spans in ``out.meta_spans``."""
        spans: Evaluated = Evaluated()
        result = self._hcl_body(body, ctx, ("lifecycle",), spans, frozenset(), {})
        out.meta_spans.update(spans.spans)
        return result

    def _ignore_changes(self, node: Any, ctx: Ctx) -> Any:
        """``ignore_changes`` names attributes of the resource itself (``[tags, tags["a"]]``
        or ``all``): kept as written, never evaluated (``tags.Name`` is no resource)."""
        h, ev = self.h, self.ev
        while isinstance(node, h.ExprTerm):
            node = node.expression
        if isinstance(node, h.Tuple):
            return [ev.source(element, ctx) for element in node.elements]
        return ev.source(node, ctx)

    def _dynamic(self, block: Any, name: str, ctx: Ctx, alone: bool) -> Any:
        """A ``dynamic`` block: the blocks it makes when its ``for_each`` is known (and no
        static block of that type sits beside it), None when it makes none; else Unknown,
        with the references of its ``for_each`` and content."""
        h, ev = self.h, self.ev
        start = len(ev.refs)
        iterator = name
        for attribute in self.h.attributes(block.body):
            if attribute.identifier.token.value == "iterator":
                iterator = ev.source(attribute.expression, ctx)
        if alone:
            expanded = self._expand(block, iterator, ctx)
            if expanded is not ABSENT:
                return expanded
            del ev.refs[start:]
        inner = ctx.bind([iterator], Unknown("dynamic block iterator"))
        for child in block.body.children:
            if isinstance(child, h.Attribute):
                ev.eval(child.expression, ctx)
            elif isinstance(child, h.Block):
                self._hcl_body(child.body, inner, (), Evaluated(), frozenset(), {})
        return Unknown("dynamic block", f'dynamic "{name}"', merge_refs(ev.refs[start:]))

    def _expand(self, block: Any, iterator: str, ctx: Ctx) -> Any:
        """The blocks of a dynamic block whose ``for_each`` is a known collection: one dict,
        a list of them, None for none; ABSENT when it cannot be expanded."""
        h, ev = self.h, self.ev
        for_each: Any = ABSENT
        content = None
        for child in block.body.children:
            if isinstance(child, h.Attribute) and child.identifier.token.value == "for_each":
                for_each = ev.eval(child.expression, ctx)
            elif isinstance(child, h.Block) and self.h.label(child.labels[0]) == "content":
                content = child
        if content is None or not isinstance(for_each, (list, dict)) or not concrete(for_each):
            return ABSENT
        items = list(for_each.items()) if isinstance(for_each, dict) else list(enumerate(for_each))
        made = [
            self._hcl_body(
                content.body,
                ctx.bind([iterator], {"key": key, "value": value}),
                (),
                Evaluated(),
                frozenset(),
                {},
            )
            for key, value in items[:_MAX_DYNAMIC]
        ]
        if len(items) > _MAX_DYNAMIC:
            return ABSENT
        if not made:
            return None
        return made[0] if len(made) == 1 else made

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

    # -- JSON

    def _json_body(
        self,
        body: Any,
        file: JsonFile,
        path: Path,
        out: Evaluated,
        meta_names: frozenset[str],
        scope: Mapping[str, Any],
    ) -> None:
        ev = self.ev
        for key, value in json_items(body):
            name = key.value
            span = mark_span(key.start_mark, value.end_mark)
            if name in meta_names:
                if name == "provider":
                    out.meta[name] = json_literal(value)
                elif name == "depends_on":
                    items = value.value if yaml_kind(value) == "SequenceNode" else [value]
                    out.meta[name] = [ev.json_expression(item, file) for item in items]
                elif name == "lifecycle":
                    out.meta[name] = self._json_lifecycle(value, file, out)
                elif name == "providers":
                    out.meta[name] = json_literal(value)
                else:
                    out.meta[name] = ev.json_value(value, file, scope)
                out.meta_spans[(name,)] = span
            elif meta_names and name in _SKIPPED:
                continue
            elif name == "dynamic":
                for block_name, dynamic in json_items(value):
                    out.attributes[block_name.value] = self._json_dynamic(
                        block_name.value, dynamic, file, scope
                    )
                    out.spans.setdefault(
                        (*path, block_name.value),
                        mark_span(block_name.start_mark, dynamic.end_mark),
                    )
            else:
                used = self._mark()
                out.attributes[name] = ev.json_value(value, file, scope)
                self._track(out, (*path, name), used)
                out.spans[(*path, name)] = span
                json_spans(value, (*path, name), out.spans)

    def _json_lifecycle(self, node: Any, file: JsonFile, out: Evaluated) -> Any:
        result: dict[str, Any] = {}
        for key, value in json_items(node):
            name = key.value
            if name == "ignore_changes":
                result[name] = json_literal(value)
            elif name == "replace_triggered_by" and yaml_kind(value) == "SequenceNode":
                result[name] = [self.ev.json_expression(item, file) for item in value.value]
            else:
                result[name] = self.ev.json_value(value, file, {})
            out.meta_spans[("lifecycle", name)] = mark_span(key.start_mark, value.end_mark)
        return result

    def _json_dynamic(self, name: str, node: Any, file: JsonFile, scope: Mapping[str, Any]) -> Any:
        ev = self.ev
        start = len(ev.refs)
        iterator = name
        for key, value in json_items(node):
            if key.value == "iterator":
                iterator = str(json_literal(value))
        inner = {**scope, iterator: Unknown("dynamic block iterator")}
        for key, value in json_items(node):
            if key.value == "content":
                for body in json_bodies(value):
                    self._json_body(body, file, (), Evaluated(), frozenset(), inner)
            elif key.value != "iterator":
                ev.json_value(value, file, scope)
        return Unknown("dynamic block", f'dynamic "{name}"', merge_refs(ev.refs[start:]))
