"""Module assembly: read a module directory's files once, collect its declarations (variables,
locals, resources, data sources, module calls, providers, ``terraform`` settings; override files
last), resolve variables by Terraform's precedence and evaluate every block into a Unit."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opslint.directives import scan_text
from opslint.model import (
    ABSENT,
    Diagnostic,
    Directive,
    ProviderConfig,
    Resource,
    Span,
    TerraformSettings,
    Unit,
    Unknown,
)
from opslint.parsers.terraform.bodies import BodyEvaluator, Evaluated
from opslint.parsers.terraform.evaluate import Ctx, Evaluator, Expr
from opslint.parsers.terraform.functions import FUNCTIONS
from opslint.parsers.terraform.hcl import Hcl, load_hcl
from opslint.parsers.terraform.json_syntax import (
    JsonFile,
    json_bodies,
    json_items,
    mark_span,
    read_json,
    yaml_kind,
)
from opslint.parsers.terraform.values import concrete, to_bool, to_number, to_string
from opslint.reading import read_regular


def parse_module(directory: str, files: Sequence[str], var_files: Sequence[str] = ()) -> Unit:
    """Parse the Terraform module in ``directory`` into a :class:`Unit`.

    ``files`` are the module's ``.tf``, ``.tf.json``, ``.tfvars`` and ``.tfvars.json`` files and
    ``var_files`` the user's ``--var-file`` arguments (applied last, in order); all paths are
    relative to the working directory with POSIX separators and are used verbatim in the result.
    Only auto-loaded variable files (``terraform.tfvars[.json]``, ``*.auto.tfvars[.json]``) are
    read from ``files``. A variable left at its ``default = null`` is :class:`Unknown` (a
    caller opslint does not see sets it); a null written in a variable file stays null.
    Never raises: unreadable or malformed files become diagnostics.
    """
    try:
        return _ModuleParser(directory, load_hcl()).parse(files, var_files)
    except Exception as exc:  # the last resort of "never raise": report it, lose the module
        message = f"cannot parse the module: {type(exc).__name__}: {exc}"[:300]
        return Unit(
            framework="terraform",
            path=directory,
            resources=(),
            files=tuple(sorted(set(files) | set(var_files))),
            diagnostics=(Diagnostic(directory, message),),
        )


@dataclass(slots=True)
class _Block:
    """A top-level ``resource``, ``data``, ``module``, ``provider`` or ``terraform`` block."""

    kind: str
    labels: tuple[str, ...]
    path: str
    span: Span
    body: Any
    text: str
    json: JsonFile | None
    override: bool


@dataclass(slots=True)
class _Variable:
    default: Expr | None = None
    type: Expr | None = None


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
        # discovery already took only regular files within the size limit
        data = read_regular(path, limit=None)
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


_RESOURCE_META = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle"})
_MODULE_META = frozenset({"count", "for_each", "providers", "depends_on"})
_LABELS = {"resource": 2, "data": 2, "module": 1, "provider": 1, "variable": 1}


class _ModuleParser:
    """Parses one module: reads its files, collects declarations, evaluates them into a Unit."""

    def __init__(self, directory: str, hcl: Hcl) -> None:
        self.directory = directory
        self.h: Any = hcl  # node classes: Any, so isinstance() does not narrow node types
        self.diagnostics: list[Diagnostic] = []
        self.ev = Evaluator(hcl, self.diagnostics)
        self.bodies = BodyEvaluator(hcl, self.ev)
        self.read: list[str] = []
        self.blocks: list[_Block] = []
        self.variables: dict[str, _Variable] = {}
        self.required: set[str] = set()  # declared without a default, set by no variable file
        self._parsed: dict[str, tuple[Any, str] | None] = {}
        self.directives: list[Directive] = []  # opslint:ignore comments, for suppressions

    # -- reading

    def _load(self, path: str) -> tuple[Any, str] | None:
        """Read and parse one file (once): ``(body, text)`` where body is an HCL Body or
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
        self.directives.extend(scan_text(path, text))
        result: tuple[Any, str] | None = None
        if path.endswith(".json"):
            root, problem = read_json(path, text)
            if problem is not None:
                self.diagnostics.append(problem)
            result = None if root is None else (root, text)
        else:
            document = self.h.parse(path, text)
            self.diagnostics.extend(document.diagnostics)
            result = (document.body, document.text)
        self._parsed[path] = result
        return result

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
            required_variables=frozenset(self.required),
            directives=tuple(self.directives),
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
            labels = tuple(self.h.label(label) for label in child.labels)
            kind, names = labels[0], labels[1:]
            span = self.ev.span(child)
            if span is None:
                continue
            if kind == "locals":
                for attribute in self.h.attributes(child.body):
                    name = str(attribute.identifier.token.value)
                    if override or name not in self.ev.locals:
                        self.ev.locals[name] = Expr(attribute.expression, text)
            elif kind == "variable" and names:
                declared = self.variables.setdefault(names[0], _Variable())
                for attribute in self.h.attributes(child.body):
                    name = str(attribute.identifier.token.value)
                    if name in ("default", "type"):
                        setattr(declared, name, Expr(attribute.expression, text))
            elif kind == "terraform" or (kind in _LABELS and len(names) >= _LABELS[kind]):
                self.blocks.append(
                    _Block(kind, names, path, span, child.body, text, None, override)
                )

    def _collect_json(self, path: str, root: Any, text: str, *, override: bool) -> None:
        file = JsonFile(path)
        for key, value in json_items(root):
            kind = key.value
            if kind == "locals":
                for name_node, expr in json_items(value):
                    if override or name_node.value not in self.ev.locals:
                        self.ev.locals[name_node.value] = Expr(expr, json=file)
            elif kind == "variable":
                for name_node, body in json_items(value):
                    declared = self.variables.setdefault(name_node.value, _Variable())
                    for attr_key, attr_value in json_items(body):
                        if attr_key.value == "default":
                            declared.default = Expr(attr_value, json=file, literal=True)
                        elif attr_key.value == "type":
                            declared.type = Expr(attr_value, json=file)
            elif kind == "terraform":
                for body in json_bodies(value):
                    span = mark_span(key.start_mark, body.end_mark)
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
        file: JsonFile,
        override: bool,
    ) -> None:
        if depth == 0:
            for body in json_bodies(value):
                span = mark_span(key.start_mark, body.end_mark)
                self.blocks.append(_Block(kind, labels, path, span, body, "", file, override))
            return
        for label_key, inner in json_items(value):
            self._collect_json_labelled(
                kind, label_key, inner, depth - 1, (*labels, label_key.value), path, file, override
            )

    # -- variables

    def _resolve_variables(self, files: Sequence[str], var_files: Sequence[str]) -> None:
        """Terraform's precedence: default < terraform.tfvars < terraform.tfvars.json <
        *.auto.tfvars[.json] (lexical order) < each --var-file in order.

        A variable that only has its declared ``default = null`` is :class:`Unknown`: null is
        how a module says "the caller decides", and a module block or ``-var`` opslint does not
        see may set it. A null written in a variable file stays null: it is the value Terraform
        uses (the argument is not set)."""
        auto = list(dict.fromkeys(f for f in files if _is_auto_vars(f)))
        named = {posixpath.basename(f): f for f in auto}
        ordered = [named[n] for n in ("terraform.tfvars", "terraform.tfvars.json") if n in named]
        ordered += sorted((f for f in auto if f not in ordered), key=posixpath.basename)
        assigned: dict[str, Expr] = {}
        for path in [*ordered, *var_files]:
            for name, expr in self._var_file(path):
                assigned[name] = expr
        ev = self.ev
        values: dict[str, Any] = {}
        for name, declared in self.variables.items():
            given = assigned.get(name, declared.default)
            if given is None:
                values[name] = Unknown(f"variable {name} has no value", f"var.{name}")
                self.required.add(name)
                continue
            try:
                value = self._convert(ev.evaluate(given), declared.type)
                if value is None and name not in assigned:
                    # a null default means "the caller decides" (a module block or -var sets
                    # it); an explicit null in a variable file is the user's choice: null
                    value = Unknown(
                        f"variable {name} defaults to null: its caller decides", f"var.{name}"
                    )
                values[name] = value
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

    def _var_file(self, path: str) -> list[tuple[str, Expr]]:
        loaded = self._load(path)
        if loaded is None:
            return []
        body, text = loaded
        if path.endswith(".json"):
            file = JsonFile(path)
            return [(k.value, Expr(v, json=file, literal=True)) for k, v in json_items(body)]
        return [
            (str(a.identifier.token.value), Expr(a.expression, text))
            for a in self.h.attributes(body)
        ]

    def _convert(self, value: Any, type_expr: Expr | None) -> Any:
        """Convert a variable's value to its declared type as Terraform does (``"30"`` for a
        ``number`` is 30; ``optional()`` object attributes get their defaults)."""
        if type_expr is None:
            return value
        node, text = type_expr.node, type_expr.text
        if type_expr.json is not None:
            if yaml_kind(node) != "ScalarNode":
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
        if not concrete(value) and not isinstance(value, (dict, list)):
            return value
        if value is None:
            return None
        if isinstance(node, h.Identifier):
            kind = str(node.token.value)
            converted: Any = value
            if kind == "string":
                converted = to_string(value)
            elif kind == "number":
                converted = to_number(value)
            elif kind == "bool":
                converted = to_bool(value)
            return value if converted is None else converted
        if not isinstance(node, h.FunctionCall) or node.arguments is None:
            return value
        name = "::".join(str(i.token.value) for i in node.identifiers)
        args = node.arguments.arguments
        if name in ("list", "set") and isinstance(value, list):
            items = [self._convert_to(item, args[0], text) for item in value]
            return FUNCTIONS["toset"]([items]) if name == "set" and concrete(items) else items
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
                        default = self.ev.eval(inner[1], Ctx(text)) if len(inner) > 1 else None
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

    def _body(self, block: _Block, meta_names: frozenset[str]) -> Evaluated:
        return self.bodies.evaluate(block.body, block.text, block.json, meta_names)

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
            for key, value in json_items(block.body):
                name = key.value
                if name == "required_version":
                    if block.override or name not in settings:
                        settings[name] = ev.json_value(value, file, {})
                elif name == "required_providers":
                    for provider, spec in json_items(value):
                        self._required(
                            settings, provider.value, ev.json_value(spec, file, {}), block.override
                        )
                elif name == "backend":
                    for backend, _ in json_items(value):
                        settings["backend"] = backend.value
                elif name == "cloud":
                    settings["cloud"] = True
            return
        h = self.h
        ctx = Ctx(block.text)
        for child in block.body.children:
            if (
                isinstance(child, h.Attribute)
                and child.identifier.token.value == "required_version"
            ):
                if block.override or "required_version" not in settings:
                    settings["required_version"] = ev.eval(child.expression, ctx)
            elif isinstance(child, h.Block):
                labels = [self.h.label(label) for label in child.labels]
                if labels[0] == "required_providers":
                    for attribute in self.h.attributes(child.body):
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
