"""The template reader: decoded template → :class:`~opslint.model.Unit`.

Values are resolved (literals, parameter defaults, intrinsics over known parts, see
``intrinsics``), references become :class:`~opslint.model.Reference`, ``Fn::If`` a
:class:`~opslint.model.Choice`, everything else an explicit :class:`~opslint.model.Unknown`;
rules never see intrinsics. SAM ``Globals`` are merged first (``sam``). Every property gets an
exact 1-based span and every resource a span from its logical ID to its last line of content
(``spans``). The ``opslint:ignore`` comments are collected while the text is at hand.

:func:`looks_like_template` is the cheap prefilter discovery runs on every YAML/JSON file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from opslint.directives import scan_text
from opslint.model import (
    ABSENT,
    Choice,
    Diagnostic,
    Path,
    Provenance,
    Resource,
    Span,
    Unit,
    Unknown,
)
from opslint.parsers.cloudformation.conditions import Decided, assumption_text, evaluate_conditions
from opslint.parsers.cloudformation.decoding import (
    before,
    contains_intrinsic,
    decode,
    decode_diagnostics,
    get,
    intrinsic_name,
    key_text,
    line_of,
    literal,
    scalar,
    source,
    unreadable,
)
from opslint.parsers.cloudformation.intrinsics import Intrinsics
from opslint.parsers.cloudformation.other_tools import foreign_tag, not_checked
from opslint.parsers.cloudformation.sam import (
    SAM_PREFIX,
    SAM_TRANSFORM,
    sam_globals,
    sam_properties,
)
from opslint.parsers.cloudformation.spans import EndLines
from opslint.parsers.cloudformation.stacks import (
    MAX_DEPTH as NESTED_MAX_DEPTH,
)
from opslint.parsers.cloudformation.stacks import (
    NESTED_TYPES,
    StackCall,
    adopt,
    child_template,
    parameters_of,
)
from opslint.reading import read_regular

__all__ = ["looks_like_template", "parse_template"]

# A top-level ``Resources`` key: YAML at column 0 (plain or quoted, after an optional BOM), or
# a JSON member anywhere (JSON templates are indented, and a false positive only costs a parse).
_RESOURCES_KEY = re.compile(r"^\ufeff?(?:Resources|'Resources')[ \t]*:|\"Resources\"\s*:", re.M)
# Some real templates indent the whole document; their top level is the first content line's
# indentation (blank lines, comments, directives and document markers do not count).
_FIRST_CONTENT = re.compile(r"^(?![ \t]*(?:#|---|\.\.\.|%|\r?$))([ \t]*)\S", re.M)


def looks_like_template(text: str) -> bool:
    """True when ``text`` plausibly holds a top-level ``Resources`` mapping.

    A regular expression only: discovery runs it on every YAML and JSON file, and parsing is
    left to :func:`parse_template`, which returns ``None`` for what is not a template after all.
    """
    if _RESOURCES_KEY.search(text) is not None:
        return True
    first = _FIRST_CONTENT.search(text)
    if first is None or not first.group(1):
        return False
    indented = rf"^{re.escape(first.group(1))}(?:Resources|'Resources')[ \t]*:"
    return re.search(indented, text, re.M) is not None


def parse_template(path: str, text: str) -> Unit | None:
    """Parse one CloudFormation/SAM template.

    ``path`` (relative to the working directory, POSIX separators) is used verbatim in every
    resource and diagnostic. Returns ``None`` when ``text`` is empty or decodes to something that
    is not a template (a Kubernetes manifest, a workflow), and a unit holding a ``parse-error``
    :class:`Diagnostic` and no resources when ``text`` looks like a template but does not decode.
    Never raises.
    """
    if not text.strip(" \t\r\n\ufeff"):
        return None
    try:
        unit = _parse(path, text)[0]
    except Exception as exc:  # a broken file must never stop a run: report it instead
        if not looks_like_template(text):
            return None
        message = f"could not read template: {type(exc).__name__}: {exc}"
        unit = unreadable(path, (Diagnostic(path, message, None),))
    if unit is None:
        return None
    # the opslint:ignore comments, found while the text is at hand (as Terraform does)
    return replace(unit, directives=tuple(scan_text(path, text)))


def _parse(
    path: str, text: str, call: StackCall | None = None
) -> tuple[Unit | None, dict[str, Any]]:
    """The template's unit and, for a nested stack (``call``), its outputs."""
    template, matches, duplicates = decode(text)
    if template is None:
        if not looks_like_template(text):
            return None, {}
        return unreadable(path, decode_diagnostics(path, matches)), {}
    if not isinstance(template, dict):
        return None, {}
    resources_node = get(template, "Resources")
    if not isinstance(resources_node, dict):
        return None, {}

    diagnostics: list[Diagnostic] = [
        Diagnostic(
            path,
            f"`{d.key}` is written twice in one mapping (first at line {d.first}): "
            "CloudFormation keeps this last value and ignores the first",
            d.line,
            code="duplicate-key",
        )
        for d in duplicates
    ]
    entries: list[tuple[Any, str, dict[Any, Any]]] = []
    foreign: dict[str, list[tuple[str, int | None]]] = {}
    for key, body in resources_node.items():
        name = key_text(key)
        if name.startswith("Fn::ForEach::"):
            # AWS::LanguageExtensions loops are not expanded; their resources are not checked.
            continue
        if not isinstance(body, dict):
            diagnostics.append(Diagnostic(path, f"resource {name}: not a mapping", line_of(key)))
            continue
        kind = get(body, "Type")
        tag = foreign_tag(kind)
        if tag is not None:
            foreign.setdefault(tag, []).append((name, line_of(key)))
            continue
        if not isinstance(kind, str):
            problem = "no Type" if kind is None else f"Type is not a string ({source(kind)})"
            diagnostics.append(Diagnostic(path, f"resource {name}: {problem}", line_of(key)))
            continue
        entries.append((key, name, body))
    diagnostics.extend(not_checked(path, foreign))

    has_template_keys = any(
        key_text(key) in ("AWSTemplateFormatVersion", "Transform") for key in template
    )
    if not entries and not foreign and resources_node and not has_template_keys:
        # ``Resources`` of something else (no entry has a Type): not a template.
        return None, {}

    transform = get(template, "Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    is_sam = any(isinstance(item, str) and item == SAM_TRANSFORM for item in transforms)

    context = _Template(
        text=text,
        parameters=get(template, "Parameters"),
        mappings=get(template, "Mappings"),
        resource_ids=frozenset(name for _, name, _ in entries),
        overrides=call.parameters if call is not None else None,
    )
    context.conditions = evaluate_conditions(
        get(template, "Conditions"),
        context.parameter_values,
        lambda node: context.resolve(node, (), None),
    )
    globals_by_type = sam_globals(get(template, "Globals")) if is_sam else {}
    children, called = _nested_stacks(path, entries, context, globals_by_type, call)

    resources: list[Resource] = []
    for key, name, body in entries:
        try:
            built = context.resource(path, key, name, body, globals_by_type)
        except Exception as exc:  # one unreadable resource must not hide the others
            built = Diagnostic(
                path,
                f"resource {name} could not be read: {type(exc).__name__}: {exc}",
                line_of(key),
            )
        if isinstance(built, Diagnostic):
            diagnostics.append(built)
        elif built is not None:  # None: its Condition is false under the parameter defaults
            resources.append(built)
    template_attributes = {
        key_text(key): context.resolve(value, (), None)
        for key, value in template.items()
        if key_text(key) != "Resources"
    }
    conditions_node = get(template, "Conditions")
    conditions = (
        frozenset(key_text(key) for key in conditions_node)
        if isinstance(conditions_node, dict)
        else frozenset()
    )
    outputs: dict[str, Any] = {}
    outputs_node = get(template, "Outputs") if call is not None else None
    if isinstance(outputs_node, dict):
        for key, output in outputs_node.items():
            value = get(output, "Value") if isinstance(output, dict) else None
            outputs[key_text(key)] = context.resolve(value, (), None)
    unit = Unit(
        framework="cloudformation",
        path=path,
        resources=(*resources, *children),
        called=frozenset(called),
        files=(path,),
        diagnostics=tuple(sorted(diagnostics, key=lambda d: d.line or 0)),
        parameters=dict(context.parameter_values),
        conditions=conditions,
        is_sam=is_sam,
        template_attributes=template_attributes,
    )
    return unit, outputs


def _nested_stacks(
    path: str,
    entries: list[tuple[Any, str, dict[Any, Any]]],
    context: _Template,
    globals_by_type: Mapping[str, Any],
    call: StackCall | None,
) -> tuple[list[Resource], set[str]]:
    """Instantiate the local child templates of nested stacks (see :mod:`.stacks`); their
    outputs go to ``context.stack_outputs`` for ``!GetAtt Child.Outputs.X``."""
    children: list[Resource] = []
    called: set[str] = set()
    stack = call.stack if call is not None else (posixpath.normpath(path),)
    for key, name, body in entries:
        if str(body["Type"]) not in NESTED_TYPES:
            continue
        parent = context.resource(path, key, name, body, globals_by_type)
        if not isinstance(parent, Resource):
            continue
        child = child_template(path, parent)
        if child is None or child in stack or len(stack) > NESTED_MAX_DEPTH:
            continue
        try:
            text = read_regular(child).decode("utf-8", errors="replace")
            unit, outputs = _parse(
                child, text, StackCall(parameters_of(parent), name, (*stack, child))
            )
        except Exception:  # an unreadable child is reported by its own scan
            continue
        if unit is None:
            continue
        adopted, outputs = adopt(unit.resources, outputs, parent, call is not None)
        children.extend(adopted)
        context.stack_outputs[name] = outputs
        called.update(unit.called | {child})
    return children, called


class _Template(Intrinsics, EndLines):
    """What resolving values needs: the text (for end lines), parameters, mappings, resources."""

    def __init__(
        self,
        text: str,
        parameters: Any,
        mappings: Any,
        resource_ids: frozenset[str],
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        EndLines.__init__(self, text)
        self.resource_ids = resource_ids
        self.mappings = mappings if isinstance(mappings, dict) else {}
        self.parameter_values: dict[str, Any] = {}
        self.parameter_kinds: dict[str, str] = {}
        if isinstance(parameters, dict):
            for key, definition in parameters.items():
                name = key_text(key)
                self.parameter_values[name] = self._parameter_value(name, definition)
                self.parameter_kinds[name] = "parameter default"
                if overrides is not None and name in overrides:  # a parent stack passes it
                    self.parameter_values[name] = overrides[name]
                    self.parameter_kinds[name] = "parent parameter"
        self.stack_outputs: dict[str, Mapping[str, Any]] = {}
        self.inputs: list[str] = []  # parameters read, for where a nested value came from
        self._path_inputs: dict[Path, tuple[str, ...]] = {}
        self.sources: list[Provenance] = []  # parameters and mappings read: provenance
        self._path_sources: dict[Path, tuple[Provenance, ...]] = {}
        self.conditions: dict[str, Decided] = {}
        self._assumed: dict[Path, tuple[str, ...]] = {}  # parameter defaults a value took
        self._path: Path = ()

    # -- parameters --

    @staticmethod
    def _parameter_value(name: str, definition: Any) -> Any:
        source = f"!Ref {name}"
        if not isinstance(definition, dict):
            return Unknown(f"parameter {name} is malformed", source)
        kind = get(definition, "Type")
        kind = str(kind) if isinstance(kind, str) else ""
        if kind.startswith("AWS::SSM::Parameter::Value<"):
            # Its Default names an SSM parameter; the stack gets that parameter's value.
            return Unknown(f"parameter {name} is read from SSM Parameter Store", source)
        if "Default" not in definition:
            return Unknown(f"parameter {name} has no default", source)
        default = definition["Default"]
        if contains_intrinsic(default):
            return Unknown(f"parameter {name} has a non-literal default", source)
        value = literal(default)
        if isinstance(value, str) and (kind == "CommaDelimitedList" or kind.startswith("List<")):
            return [part.strip() for part in value.split(",")]
        return value

    # -- resources --

    def resource(
        self,
        path: str,
        key: Any,
        name: str,
        body: dict[Any, Any],
        globals_by_type: Mapping[str, Any],
    ) -> Resource | Diagnostic | None:
        """The resource, a diagnostic when its ``Properties`` are not a mapping, or None when
        its ``Condition`` is false under the parameter defaults (it is not deployed)."""
        resource_type = str(body["Type"])
        self._assumed = {}
        self._path_inputs = {}
        self._path_sources = {}
        self.sources.clear()
        assumptions: dict[Path, str] = {}
        condition = get(body, "Condition")
        if isinstance(condition, str):
            decided = self.conditions.get(str(condition))
            if decided is not None and not decided.value:
                return None
            if decided is not None:
                self._assumed[()] = decided.defaults
            else:
                assumptions[()] = f"if condition `{condition}` holds"
        first = line_of(key) or line_of(body) or 1
        end = self.end(body)
        span = Span(first, max(first, end + 1 if end is not None else first))

        properties = get(body, "Properties")
        if resource_type.startswith(SAM_PREFIX) and globals_by_type:
            properties = sam_properties(resource_type, body, properties, globals_by_type)
        spans: dict[Path, Span] = {}
        attributes: dict[str, Any] = {}
        if properties is not None:
            resolved = _distribute(self.resolve(properties, (), spans))
            if resolved is None:
                # Nothing could be checked reliably: say so rather than report on "missing"
                # properties.
                message = f"resource {name}: Properties is not a mapping; resource not checked"
                return Diagnostic(path, message, line_of(key))
            if intrinsic_name(properties) is not None:
                self._branch_spans(properties, spans)
            attributes = resolved

        meta_spans: dict[Path, Span] = {}
        meta: dict[str, Any] = {}
        for meta_key, value in body.items():
            meta_name = key_text(meta_key)
            if meta_name in ("Type", "Properties"):
                continue
            resolved = self.resolve(value, (meta_name,), meta_spans)
            if resolved is ABSENT:
                continue
            meta[meta_name] = resolved
            self._record(meta_spans, (meta_name,), meta_key, value)

        referenced = self.references(properties) | self.references(
            {k: v for k, v in body.items() if key_text(k) not in ("Type", "Properties")}
        )
        depends_on = get(body, "DependsOn")
        for target in depends_on if isinstance(depends_on, list) else [depends_on]:
            if isinstance(target, str) and str(target) in self.resource_ids:
                referenced.add(str(target))

        for where, defaults in self._assumed.items():
            if defaults:
                assumptions[where] = assumption_text(defaults)
        return Resource(
            framework="cloudformation",
            type=resource_type,
            name=name,
            path=path,
            span=span,
            attributes=attributes,
            spans=spans,
            meta=meta,
            meta_spans=meta_spans,
            references=frozenset(referenced),
            assumptions=assumptions,
            inputs=dict(self._path_inputs),
            provenance=dict(self._path_sources),
        )

    # -- values --

    def resolve(self, node: Any, path: Path, spans: dict[Path, Span] | None) -> Any:
        """The model value of a decoded node; records the span of every key and list item
        under ``path`` in ``spans`` (``None``: do not record, e.g. inside intrinsics).

        Values a YAML alias (``*name``, ``<<: *name``) brings in carry the marks of their
        anchor, elsewhere in the file: they get no spans of their own, so their location is
        that of the key that holds the alias.
        """
        function = intrinsic_name(node)
        if function is not None:
            self._path = path
            return self._intrinsic(function, node[function], node)
        floor = line_of(node)
        if isinstance(node, dict):
            mapping: dict[str, Any] = {}
            for key, value in node.items():
                name = key_text(key)
                child = (*path, name)
                key_line = line_of(key)
                record = spans is not None and not before(key_line, floor)
                inner = spans if record and not before(line_of(value), key_line) else None
                used, read = len(self.inputs), len(self.sources)
                resolved = self.resolve(value, child, inner)
                if len(self.inputs) > used:
                    self._path_inputs[child] = tuple(dict.fromkeys(self.inputs[used:]))
                if len(self.sources) > read:
                    self._path_sources[child] = tuple(self.sources[read:])
                if resolved is ABSENT:
                    continue
                mapping[name] = resolved
                if record and spans is not None and key_line is not None:
                    spans[child] = self._span(key_line, value)
            return mapping
        if isinstance(node, (list, tuple)):
            items: list[Any] = []
            for item in node:
                child = (*path, len(items))
                line = line_of(item)
                record = spans is not None and not before(line, floor)
                resolved = self.resolve(item, child, spans if record else None)
                if resolved is ABSENT:
                    continue  # CloudFormation drops AWS::NoValue from lists
                items.append(resolved)
                if record and spans is not None and line is not None:
                    spans[child] = self._span(line, item)
            return items
        return scalar(node)

    def _branch_spans(self, node: Any, spans: dict[Path, Span]) -> None:
        """Spans of the properties written in the branches of ``Properties: !If [...]`` (the
        first branch that writes a property locates it)."""
        if intrinsic_name(node) == "Fn::If":
            argument = node["Fn::If"]
            if isinstance(argument, list):
                for branch in argument[1:]:
                    self._branch_spans(branch, spans)
        elif isinstance(node, dict) and intrinsic_name(node) is None:
            found: dict[Path, Span] = {}
            self.resolve(node, (), found)
            for path, span in found.items():
                spans.setdefault(path, span)

    def _record(self, spans: dict[Path, Span], path: Path, key: Any, value: Any) -> None:
        line = line_of(key)
        if line is not None:
            spans[path] = self._span(line, value)

    def _span(self, line: int, value: Any) -> Span:
        end = self.end(value)
        return Span(line, max(line, end + 1 if end is not None else line))


def _distribute(value: Any) -> dict[str, Any] | None:
    """Properties as a mapping. ``Properties: !If [C, {A: 1}, {A: 2, B: 3}]`` (valid
    CloudFormation) becomes ``{A: Choice((1, 2), C), B: Choice((ABSENT, 3), C)}``; ``None`` when
    the properties are not a mapping in some branch."""
    if isinstance(value, dict):
        return value
    if value is ABSENT:
        return {}
    if not isinstance(value, Choice):
        return None
    branches = [_distribute(option) for option in value.options]
    if any(branch is None for branch in branches):
        return None
    mappings = [branch for branch in branches if branch is not None]
    names = list(dict.fromkeys(name for branch in mappings for name in branch))
    distributed: dict[str, Any] = {}
    for name in names:
        options = tuple(branch.get(name, ABSENT) for branch in mappings)
        same = all(option == options[0] for option in options)
        distributed[name] = options[0] if same else Choice(options, value.condition)
    return distributed
