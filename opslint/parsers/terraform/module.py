"""Module assembly: read a module directory's files once, collect its declarations (variables,
locals, resources, data sources, module calls, providers, ``terraform`` settings; override files
last), resolve variables by Terraform's precedence and evaluate every block into a Unit."""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from opslint.directives import scan_text
from opslint.instances import installed
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
from opslint.parsers.terraform.calls import (
    MAX_DEPTH,
    Caller,
    Instance,
    Session,
    attribute_origins,
    child_folder,
    installed_modules,
    instance_scope,
    is_local,
    memo_key,
    module_files,
    moved,
)
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
from opslint.parsers.terraform.template_files import TemplateFiles
from opslint.parsers.terraform.values import concrete, to_bool, to_number, to_string
from opslint.reading import read_regular


def parse_module(
    directory: str,
    files: Sequence[str],
    var_files: Sequence[str] = (),
    variables: Sequence[tuple[str, str]] = (),
    root: str = "",
) -> Unit:
    """Parse the Terraform module in ``directory`` into a :class:`Unit`.

    ``files`` are the module's ``.tf``, ``.tf.json``, ``.tfvars`` and ``.tfvars.json`` files and
    ``var_files`` the user's ``--var-file`` arguments (applied last, in order); all paths are
    relative to the working directory with POSIX separators and are used verbatim in the result.
    Only auto-loaded variable files (``terraform.tfvars[.json]``, ``*.auto.tfvars[.json]``) are
    read from ``files``. ``variables`` are ``--var NAME=VALUE`` arguments (applied last);
    ``TF_VAR_<name>`` environment variables apply first, as in Terraform. ``templatefile()``
    reads templates inside ``root`` (the scan root; default: ``directory``). A variable left at
    its ``default = null`` is null in a root module and :class:`Unknown` in a reusable one (a
    caller opslint does not see sets it); a null written in a variable file stays null.
    Never raises: unreadable or malformed files become diagnostics.
    """
    try:
        parser = _ModuleParser(directory, load_hcl(), root=root or directory)
        parser.given = list(variables)
        return parser.parse(files, var_files)
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


_Loaded = tuple[tuple[Any, str] | None, list[Diagnostic], list[Directive]]
_LOADED: dict[tuple[str, int, int], _Loaded] = {}
"""Parsed files of called modules by (path, modification time, size): a module called from
many places (or scanned on its own too) is read and parsed once per process. Files of modules
nothing calls are not kept (memory)."""
_LOADED_MAX = 1024


REMOTE = "registry or remote module (run `terraform init` to let opslint follow it)"


def _file_key(path: str) -> tuple[str, int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (path, status.st_mtime_ns, status.st_size)


_RESOURCE_META = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle"})
_MODULE_META = frozenset({"count", "for_each", "providers", "depends_on"})
_LABELS = {"resource": 2, "data": 2, "module": 1, "provider": 1, "variable": 1, "output": 1}


class _ModuleParser:
    """Parses one module: reads its files, collects declarations, evaluates them into a Unit."""

    def __init__(
        self, directory: str, hcl: Hcl, caller: Caller | None = None, root: str = ""
    ) -> None:
        self.directory = directory
        self.caller = caller
        if caller is None:
            self.session = Session(
                installed=installed_modules(directory), templates=TemplateFiles(root or directory)
            )
        else:
            self.session = caller.session
        self.h: Any = hcl  # node classes: Any, so isinstance() does not narrow node types
        self.diagnostics: list[Diagnostic] = []
        self.ev = Evaluator(hcl, self.diagnostics)
        self.ev.folder = directory or "."
        self.ev.templates = self.session.templates
        self.bodies = BodyEvaluator(hcl, self.ev)
        self.read: list[str] = []
        self.blocks: list[_Block] = []
        self.variables: dict[str, _Variable] = {}
        self.required: set[str] = set()  # declared without a default, set by no variable file
        self._parsed: dict[str, tuple[Any, str] | None] = {}
        self.directives: list[Directive] = []  # opslint:ignore comments, for suppressions
        self.outputs: dict[str, Any] = {}
        self.given: list[tuple[str, str]] = []  # --var NAME=VALUE
        self._followed: dict[str, Instance | None] = {}
        self._following: set[str] = set()
        self.not_followed: dict[str, str] = {}
        self.not_created: set[tuple[str, str]] = set()
        if caller is not None:
            self.ev.prefix = caller.prefix

    # -- reading

    def _load(self, path: str) -> tuple[Any, str] | None:
        """Read and parse one file (once): ``(body, text)`` where body is an HCL Body or
        the root PyYAML MappingNode of a JSON file; None when empty or unusable."""
        if path in self._parsed:
            return self._parsed[path]
        self._parsed[path] = None
        self.read.append(path)
        key = _file_key(path)
        loaded = _LOADED.get(key) if key is not None else None
        if loaded is None:
            loaded = self._read(path)
            if key is not None and self.caller is not None:  # a called module's file
                if len(_LOADED) >= _LOADED_MAX:
                    _LOADED.clear()
                _LOADED[key] = loaded
        result, diagnostics, directives = loaded
        self.diagnostics.extend(diagnostics)
        self.directives.extend(directives)
        self._parsed[path] = result
        return result

    def _read(self, path: str) -> _Loaded:
        text, problem = _read_text(path)
        if text is None:
            return None, [problem] if problem is not None else [], []
        if not text.strip():
            return None, [], []
        directives = scan_text(path, text)
        diagnostics: list[Diagnostic] = []
        result: tuple[Any, str] | None = None
        if path.endswith(".json"):
            root, problem = read_json(path, text)
            if problem is not None:
                diagnostics.append(problem)
            result = None if root is None else (root, text)
        else:
            document = self.h.parse(path, text)
            diagnostics.extend(document.diagnostics)
            result = (document.body, document.text)
        return result, diagnostics, directives

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
        self.ev.module_outputs = self._module_outputs
        resources, providers, settings = self._evaluate_blocks()
        called: set[str] = set()
        not_followed: list[tuple[str, str]] = []
        for call in [r for r in resources if r.kind == "module"]:
            instance = self._follow(call.name.rsplit(".", 1)[1])
            if instance is not None:
                resources.extend(instance.resources)
                called.update(instance.called)
                not_followed.extend(instance.not_followed)
        not_followed.extend(
            (self._address(f"module.{label}"), why) for label, why in self.not_followed.items()
        )
        if self.caller is not None:
            self._evaluate_outputs()
        self.diagnostics.sort(key=lambda d: (d.path, d.line or 0, d.message))
        return Unit(
            framework="terraform",
            path=self.directory,
            resources=tuple(resources),
            called=frozenset(called),
            not_followed=tuple(sorted(set(not_followed))),
            not_created=frozenset(self.not_created),
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
        if self.caller is not None:
            self._resolve_arguments()
            return
        deployed = self._looks_deployed(files, var_files)
        auto = list(dict.fromkeys(f for f in files if _is_auto_vars(f)))
        named = {posixpath.basename(f): f for f in auto}
        ordered = [named[n] for n in ("terraform.tfvars", "terraform.tfvars.json") if n in named]
        ordered += sorted((f for f in auto if f not in ordered), key=posixpath.basename)
        assigned: dict[str, Expr] = {}
        ev = self.ev
        kinds = ev.variable_kinds  # where each value came from: provenance
        for key, text in sorted(os.environ.items()):
            if key.startswith("TF_VAR_") and key[7:] in self.variables:
                self._assign_text(assigned, key[7:], text)
                kinds[key[7:]] = "environment"
        for path in [*ordered, *var_files]:
            for name, expr in self._var_file(path):
                assigned[name] = expr
                kinds[name] = "variable file"
        for name, text in self.given:
            if name in self.variables:
                self._assign_text(assigned, name, text)
                kinds[name] = "command line"
        values: dict[str, Any] = {}
        for name, declared in self.variables.items():
            given = assigned.get(name, declared.default)
            if given is None:
                values[name] = Unknown(f"variable {name} has no value", f"var.{name}")
                self.required.add(name)
                continue
            try:
                value = self._convert(ev.evaluate(given), declared.type)
                if value is None and name not in assigned and not deployed:
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
        ev.sources.clear()
        ev.variables = values

    def _assign_text(self, assigned: dict[str, Expr], name: str, text: str) -> None:
        """A value given as text (``-var``, ``TF_VAR_``): a string for a ``string`` (or
        untyped) variable, else parsed as an HCL expression, as Terraform does."""
        declared = self.variables[name].type
        as_string = declared is None or (
            declared.json is None and self.ev.source(declared.node, Ctx(declared.text)) == "string"
        )
        parsed = None if as_string else self.ev.fragment(text)
        if parsed is None:
            quoted = json.dumps(text).replace("${", "$${").replace("%{", "%%{")
            parsed = self.ev.fragment(quoted)
        if parsed is not None:
            assigned[name] = Expr(parsed[0], parsed[1])

    def _looks_deployed(self, files: Sequence[str], var_files: Sequence[str]) -> bool:
        """Whether the module is one someone runs ``terraform apply`` in (it configures a
        backend, has variable files, or configures a provider and needs no input), rather
        than a reusable module scanned without its callers. Only there does a variable's
        ``null`` default mean null; elsewhere the caller decides."""
        if var_files or self.given or any(_is_auto_vars(f) for f in files):
            return True
        for block in self.blocks:
            if block.kind == "terraform":
                settings: dict[str, Any] = {"required_providers": {}}
                self._settings(block, settings)
                if settings.get("backend") or settings.get("cloud"):
                    return True
        providers = any(block.kind == "provider" for block in self.blocks)
        return providers and all(v.default is not None for v in self.variables.values())

    def _resolve_arguments(self) -> None:
        """A called module's variables: the call's argument, else the default (``null``
        included: the caller did not set it), else unknown (Terraform requires it)."""
        assert self.caller is not None
        ev = self.ev
        values: dict[str, Any] = {}
        for name, declared in self.variables.items():
            if name in self.caller.arguments:
                given = self.caller.arguments[name]
                ev.variable_kinds[name] = "caller argument"
                try:
                    values[name] = self._convert(given, declared.type)
                except Exception:  # never raise: keep the value as passed
                    values[name] = given
                continue
            if declared.default is None:
                values[name] = Unknown(f"variable {name} is not passed", f"var.{name}")
                continue
            try:
                values[name] = self._convert(ev.evaluate(declared.default), declared.type)
            except Exception:  # never raise: a pathological default is unknown
                ev.reset()
                values[name] = Unknown(f"variable {name} cannot be evaluated", f"var.{name}")
        ev.refs.clear()
        ev.sources.clear()
        ev.inputs.clear()
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
            self.ev.sources.clear()
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
        self.ev.sources.clear()
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
        if block.kind == "output":
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
        if resource is None:  # count or for_each known to make no instance: it does not exist
            if block.kind == "resource" and self.caller is None:
                self.not_created.add((block.path, f"{block.labels[0]}.{block.labels[1]}"))
            return
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

    def _resource(self, block: _Block) -> Resource | None:
        if block.kind == "module":
            kind, type_, name = "module", "module", f"module.{block.labels[0]}"
            meta_names = _MODULE_META
        else:
            kind, type_ = block.kind, block.labels[0]
            name = f"{type_}.{block.labels[1]}"
            if kind == "data":
                name = "data." + name
            meta_names = _RESOURCE_META
        name = self._address(name)
        result = self._instance_body(block, meta_names)
        if result is None:
            return None
        refs = frozenset(ref for ref in self.ev.refs if ref != name)
        return Resource(
            module=self.ev.prefix,
            inputs=result.inputs if self.caller is not None else {},
            provenance=result.provenance,
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

    def _body(
        self, block: _Block, meta_names: frozenset[str], scope: dict[str, Any] | None = None
    ) -> Evaluated:
        return self.bodies.evaluate(block.body, block.text, block.json, meta_names, scope)

    def _instance_body(self, block: _Block, meta_names: frozenset[str]) -> Evaluated | None:
        """A resource's or module call's body, evaluated with ``count.index``/``each`` bound
        when its instances are known; None when it has no instance."""
        start, reads = len(self.ev.refs), self.ev.instance_reads
        result = self._body(block, meta_names)
        exists, scope = instance_scope(result.meta)
        if not exists:
            return None
        if scope and self.ev.instance_reads > reads:
            del self.ev.refs[start:]
            result = self._body(block, meta_names, scope)
        return result

    def _address(self, name: str) -> str:
        return f"{self.ev.prefix}.{name}" if self.ev.prefix else name

    # -- module calls

    def _module_outputs(self, label: str) -> Any:
        """The outputs of ``module.<label>`` when the call is followed, else None."""
        instance = self._follow(label)
        return None if instance is None else instance.outputs

    def _follow(self, label: str) -> Instance | None:
        """Instantiate the module a call names (once per parse), or None (not followed: the
        reason is in ``not_followed``)."""
        if label in self._followed:
            return self._followed[label]
        if label in self._following:
            return None  # outputs of a call used in its own arguments: Terraform rejects it
        block = next((b for b in self.blocks if b.kind == "module" and b.labels[0] == label), None)
        if block is None:
            return None
        self._following.add(label)
        ev = self.ev
        saved = (list(ev.refs), list(ev.inputs), list(ev.sources))
        try:
            instance = self._instantiate(label, block)
        except Exception as exc:  # never raise: the call is not followed
            self.not_followed[label] = f"cannot be evaluated ({type(exc).__name__})"
            instance = None
        finally:
            ev.refs[:], ev.inputs[:], ev.sources[:] = saved
            self._following.discard(label)
        self._followed[label] = instance
        return instance

    def _instantiate(self, label: str, block: _Block) -> Instance | None:
        prefix = self._address(f"module.{label}")
        call = self._instance_body(block, _MODULE_META)
        if call is None:
            return Instance(prefix, (), {}, frozenset(), ())  # count = 0: nothing deployed
        source = call.attributes.get("source")
        if not isinstance(source, str):
            self.not_followed[label] = "its source is not known"
            return None
        folder = self._module_folder(label, source)
        if folder is None:
            return None
        stack = (
            self.caller.stack if self.caller is not None else (posixpath.normpath(self.directory),)
        )
        if folder in stack:
            self.not_followed[label] = "it calls a module that is calling it"
            return None
        if len(stack) > MAX_DEPTH:
            self.not_followed[label] = "module calls are nested too deeply"
            return None
        files = module_files(folder)
        if not files:
            self.not_followed[label] = f"no Terraform files in {source}"
            return None
        arguments = {k: v for k, v in call.attributes.items() if k not in ("source", "version")}
        key = (folder, memo_key(arguments))
        instance = self.session.instances.get(key)
        if instance is None:
            child = _ModuleParser(
                folder, self.h, Caller(arguments, prefix, (*stack, folder), self.session)
            )
            unit = child.parse(files, ())
            # problems in a module `terraform init` installed are not the user's to fix
            self.diagnostics.extend(d for d in unit.diagnostics if not installed(d.path))
            self.directives.extend(d for d in unit.directives if d not in self.directives)
            instance = Instance(
                prefix,
                unit.resources,
                child.outputs,
                unit.called | {folder},
                unit.not_followed,
            )
            self.session.instances[key] = instance
        instance = moved(instance, prefix)
        resources = attribute_origins(
            instance.resources,
            block.path,
            block.span,
            arguments,
            call.spans,
            call.inputs,
            self.caller is not None,
        )
        return replace(instance, resources=tuple(resources))

    def _module_folder(self, label: str, source: str) -> str | None:
        """The folder a call's source names: a local path, or where ``terraform init``
        installed a registry or git module (``.terraform/modules/modules.json``)."""
        if is_local(source):
            return child_folder(self.directory, source)
        if self.session.installed is None:
            self.not_followed[label] = REMOTE
            return None
        key = ".".join(self._address(f"module.{label}").split(".")[1::2])
        folder = self.session.installed.get(key)
        if folder is None:
            self.not_followed[label] = REMOTE
        return folder

    def _evaluate_outputs(self) -> None:
        for block in self.blocks:
            if block.kind != "output" or block.labels[0] in self.outputs:
                continue
            self.ev.refs.clear()
            self.ev.sources.clear()
            try:
                value = self._body(block, frozenset()).attributes.get("value", ABSENT)
            except Exception:  # never raise: an output that cannot be evaluated is unknown
                self.ev.reset()
                value = Unknown("output cannot be evaluated", f"output.{block.labels[0]}")
            self.outputs[block.labels[0]] = (
                Unknown("output has no value") if value is ABSENT else value
            )
        self.ev.refs.clear()
        self.ev.sources.clear()

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
