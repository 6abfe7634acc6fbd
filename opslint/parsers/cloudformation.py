"""Read a CloudFormation or SAM template into a :class:`~opslint.model.Unit`.

Decoding is cfn-lint's (``cfnlint.decode.decode_str``): it reads YAML and JSON, turns short-form
intrinsics (``!Ref X``) into long form (``{"Ref": "X"}``) and keeps 0-based line marks on
mappings, lists, strings and mapping keys. This module turns that into the model rules see:

* values are resolved (literals, parameter defaults, ``Fn::Sub``/``Fn::Join``/``Fn::Select``/
  ``Fn::FindInMap`` over known parts), references become :class:`Reference`, ``Fn::If`` a
  :class:`Choice`, everything else an explicit :class:`Unknown`; rules never see intrinsics;
* SAM ``Globals`` are merged into ``AWS::Serverless::*`` resources the way the SAM translator
  does it (``samtranslator/plugins/globals/globals.py``), inherited values keeping the lines of
  the ``Globals`` section;
* every property gets an exact 1-based span (``spans``) and every resource a span from its
  logical ID to its last line of content.

``cfnlint.decode`` costs about half a second to import, so it is imported only when a template
is parsed; :func:`looks_like_template` is the cheap prefilter discovery runs on every YAML/JSON
file.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from opslint.model import (
    ABSENT,
    Choice,
    Diagnostic,
    Path,
    Reference,
    Resource,
    Span,
    Unit,
    Unknown,
)

__all__ = ["looks_like_template", "parse_template"]

# A top-level ``Resources`` key: YAML at column 0 (plain or quoted, after an optional BOM), or
# a JSON member anywhere (JSON templates are indented, and a false positive only costs a parse).
_RESOURCES_KEY = re.compile(r"^\ufeff?(?:Resources|'Resources')[ \t]*:|\"Resources\"\s*:", re.M)
# Some real templates indent the whole document; their top level is the first content line's
# indentation (blank lines, comments, directives and document markers do not count).
_FIRST_CONTENT = re.compile(r"^(?![ \t]*(?:#|---|\.\.\.|%|\r?$))([ \t]*)\S", re.M)

# YAML's line breaks (libyaml counts NEL, LS and PS too); str.splitlines() knows more.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_POSITION_IN_MESSAGE = re.compile(r"line (\d+), column \d+")

_SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
_SAM_PREFIX = "AWS::Serverless::"

# Per-property exceptions to SAM's default Globals merge (``CUSTOM_STRATEGIES`` in
# samtranslator/plugins/globals/globals.py, aws-sam-translator 1.115.0), keyed by resource type
# and the dotted property path.
_SAM_REPLACE = frozenset(
    {
        ("AWS::Serverless::Function", "Architectures"),
        ("AWS::Serverless::CapacityProvider", "InstanceRequirements.Architectures"),
    }
)
_SAM_PRUNE_AND_MERGE = frozenset({("AWS::Serverless::CapacityProvider", "ManagedResourceTags")})

_NO_VALUE = "AWS::NoValue"
_SOURCE_LIMIT = 200

_logging_quieted = False


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
        return _parse(path, text)
    except Exception as exc:  # a broken file must never stop a run: report it instead
        if not looks_like_template(text):
            return None
        message = f"could not read template: {type(exc).__name__}: {exc}"
        return _unreadable(path, (Diagnostic(path, message, None),))


# --- decoding ------------------------------------------------------------------------------


def _decode(text: str) -> tuple[Any, list[Any]]:
    global _logging_quieted
    import cfnlint.decode  # ~0.5 s: only when a template is actually parsed

    if not _logging_quieted:
        # cfn-lint logs some decode failures at ERROR on its own logger; without a handler,
        # Python would print them to stderr. We report them as diagnostics instead.
        logging.getLogger("cfnlint").addHandler(logging.NullHandler())
        _logging_quieted = True
    template, matches = cfnlint.decode.decode_str(text)
    return template, list(matches or [])


def _decode_diagnostics(path: str, matches: Iterable[Any]) -> tuple[Diagnostic, ...]:
    found: list[Diagnostic] = []
    for match in matches:
        raw = str(getattr(match, "message", match))
        problem = raw.split("\n", 1)[0].removeprefix("Template could not be parsed: ").strip()
        line = getattr(match, "linenumber", None)
        # Errors raised while constructing come back at 1:1 with the real position only in the
        # message ("... in "<unicode string>", line 2, column 6").
        if "maximum recursion depth" in problem:
            problem = "nested too deeply to read"
        position = _POSITION_IN_MESSAGE.findall(raw)
        if position and line in (None, 1):
            line = int(position[-1])
        diagnostic = Diagnostic(
            path, f"invalid template: {problem or 'cannot decode'}", line if line else None
        )
        if diagnostic not in found:
            found.append(diagnostic)
    if not found:
        found.append(Diagnostic(path, "invalid template: cannot decode", None))
    return tuple(found)


_TOOLS = {"Rain::Module": "Rain"}
_CFN_FUNCTIONS = frozenset(
    {
        "Ref",
        "Condition",
        "Fn::And",
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::Equals",
        "Fn::FindInMap",
        "Fn::GetAtt",
        "Fn::GetAZs",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Length",
        "Fn::Not",
        "Fn::Or",
        "Fn::Select",
        "Fn::Split",
        "Fn::Sub",
        "Fn::ToJsonString",
        "Fn::Transform",
    }
)
"""CloudFormation's own functions: one in ``Type`` is a mistake, not another tool's tag."""
"""Tags other tools expand into resources before CloudFormation sees the template."""


def _foreign_tag(kind: Any) -> str | None:
    """``Rain::Module`` for ``Type: !Rain::Module vpc.yml`` (the decoder reads an unknown
    ``!X`` tag as ``{"Fn::X": ...}``) or its JSON form ``"Type": {"Rain::Module": ...}``: a
    resource type another tool fills in; CloudFormation itself takes no function in
    ``Type``."""
    if not isinstance(kind, dict) or len(kind) != 1:
        return None
    key = next(iter(kind))
    if not isinstance(key, str) or key in _CFN_FUNCTIONS:
        return None
    if key.startswith("Fn::"):
        return key.removeprefix("Fn::")
    return key if "::" in key else None


def _not_checked(
    path: str, foreign: Mapping[str, list[tuple[str, int | None]]]
) -> list[Diagnostic]:
    """One note per tool tag: which resources another tool expands, so were not checked."""
    notes = []
    for tag, resources in foreign.items():
        names = ", ".join(name for name, _ in resources)
        tool = _TOOLS.get(tag, "another tool")
        count = f"{len(resources)} resource{'s' if len(resources) > 1 else ''}"
        notes.append(
            Diagnostic(
                path,
                f"{count} typed `{tag}` ({names}): a template for {tool}, which expands them "
                "before deployment; those resources were not checked",
                resources[0][1],
                code="not-checked",
            )
        )
    return notes


def _unreadable(path: str, diagnostics: tuple[Diagnostic, ...]) -> Unit:
    return Unit(
        framework="cloudformation",
        path=path,
        resources=(),
        files=(path,),
        diagnostics=diagnostics,
    )


def _parse(path: str, text: str) -> Unit | None:
    template, matches = _decode(text)
    if template is None:
        if not looks_like_template(text):
            return None
        return _unreadable(path, _decode_diagnostics(path, matches))
    if not isinstance(template, dict):
        return None
    resources_node = _get(template, "Resources")
    if not isinstance(resources_node, dict):
        return None

    diagnostics: list[Diagnostic] = []
    entries: list[tuple[Any, str, dict[Any, Any]]] = []
    foreign: dict[str, list[tuple[str, int | None]]] = {}
    for key, body in resources_node.items():
        name = _key_text(key)
        if name.startswith("Fn::ForEach::"):
            # AWS::LanguageExtensions loops are not expanded; their resources are not checked.
            continue
        if not isinstance(body, dict):
            diagnostics.append(Diagnostic(path, f"resource {name}: not a mapping", _line_of(key)))
            continue
        kind = _get(body, "Type")
        tag = _foreign_tag(kind)
        if tag is not None:
            foreign.setdefault(tag, []).append((name, _line_of(key)))
            continue
        if not isinstance(kind, str):
            problem = "no Type" if kind is None else f"Type is not a string ({_source(kind)})"
            diagnostics.append(Diagnostic(path, f"resource {name}: {problem}", _line_of(key)))
            continue
        entries.append((key, name, body))
    diagnostics.extend(_not_checked(path, foreign))

    has_template_keys = any(
        _key_text(key) in ("AWSTemplateFormatVersion", "Transform") for key in template
    )
    if not entries and not foreign and resources_node and not has_template_keys:
        # ``Resources`` of something else (no entry has a Type): not a template.
        return None

    transform = _get(template, "Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    is_sam = any(isinstance(item, str) and item == _SAM_TRANSFORM for item in transforms)

    context = _Template(
        text=text,
        parameters=_get(template, "Parameters"),
        mappings=_get(template, "Mappings"),
        resource_ids=frozenset(name for _, name, _ in entries),
    )
    globals_by_type = _sam_globals(_get(template, "Globals")) if is_sam else {}

    resources: list[Resource] = []
    for key, name, body in entries:
        try:
            built = context.resource(path, key, name, body, globals_by_type)
        except Exception as exc:  # one unreadable resource must not hide the others
            built = Diagnostic(
                path,
                f"resource {name} could not be read: {type(exc).__name__}: {exc}",
                _line_of(key),
            )
        if isinstance(built, Diagnostic):
            diagnostics.append(built)
        else:
            resources.append(built)
    template_attributes = {
        _key_text(key): context.resolve(value, (), None)
        for key, value in template.items()
        if _key_text(key) != "Resources"
    }
    conditions_node = _get(template, "Conditions")
    conditions = (
        frozenset(_key_text(key) for key in conditions_node)
        if isinstance(conditions_node, dict)
        else frozenset()
    )
    return Unit(
        framework="cloudformation",
        path=path,
        resources=tuple(resources),
        files=(path,),
        diagnostics=tuple(sorted(diagnostics, key=lambda d: d.line or 0)),
        parameters=dict(context.parameter_values),
        conditions=conditions,
        is_sam=is_sam,
        template_attributes=template_attributes,
    )


# --- node helpers ----------------------------------------------------------------------------


def _get(node: Any, key: str) -> Any:
    """``node[key]`` for a decoded mapping, ``None`` when absent or not a mapping."""
    if isinstance(node, dict):
        return node.get(key)
    return None


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _line_of(node: Any) -> int | None:
    """1-based first line of a decoded node, ``None`` when it carries no marks."""
    mark = getattr(node, "start_mark", None)
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else None


def _intrinsic(node: Any) -> str | None:
    """The function name when ``node`` is an intrinsic (``{"Ref": ...}``, ``{"Fn::X": ...}``)."""
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
            return str(key)
    return None


def _scalar_text(value: Any) -> str | None:
    """How a known scalar reads inside a string (``Fn::Sub``, ``Fn::Join``); None otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _render(node: Any) -> str:
    """A raw value as the user would write it in short form: ``!GetAtt Topic.Arn``."""
    name = _intrinsic(node)
    if name is not None:
        argument = node[name]
        short = "Ref" if name == "Ref" else name.removeprefix("Fn::")
        if (
            name == "Fn::GetAtt"
            and isinstance(argument, list)
            and len(argument) == 2
            and all(isinstance(part, str) for part in argument)
        ):
            return f"!GetAtt {argument[0]}.{argument[1]}"
        return f"!{short} {_render(argument)}"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{_key_text(k)}: {_render(v)}" for k, v in node.items()) + "}"
    if isinstance(node, (list, tuple)):
        return "[" + ", ".join(_render(item) for item in node) + "]"
    if isinstance(node, str):
        if not node:
            return "''"
        return json.dumps(str(node)) if "\n" in node else str(node)
    if isinstance(node, bool):
        return "true" if node else "false"
    if node is None:
        return "null"
    return str(node)


def _source(node: Any) -> str:
    text = _render(node)
    return text if len(text) <= _SOURCE_LIMIT else text[: _SOURCE_LIMIT - 1] + "…"


# --- SAM Globals -------------------------------------------------------------------------------


class _MergedDict(dict[Any, Any]):
    """A mapping merged from ``Globals`` and a resource; ``origin`` is the resource's own node,
    which locates the merged value (the line the user edits)."""

    origin: Any = None


class _MergedList(list[Any]):
    """A list concatenated from ``Globals`` items and a resource's items."""

    origin: Any = None


def _sam_globals(globals_node: Any) -> dict[str, dict[Any, Any]]:
    """``Globals`` sections by the resource type they apply to (``Function`` →
    ``AWS::Serverless::Function``). SAM derives the type by prefixing the section name, which
    also covers sections added after this was written."""
    if not isinstance(globals_node, dict):
        return {}
    return {
        _SAM_PREFIX + _key_text(section): properties
        for section, properties in globals_node.items()
        if isinstance(properties, dict)
    }


def _sam_is_intrinsic(node: Any) -> bool:
    # SAM's is_intrinsic(): a one-key dict whose key is Ref, Condition or Fn::*.
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))
    return False


def _sam_token(node: Any) -> str:
    if isinstance(node, dict):
        return "primitive" if _sam_is_intrinsic(node) else "dict"
    if isinstance(node, list):
        return "list"
    return "primitive"


def _sam_merge(resource_type: str, global_value: Any, local_value: Any, path: str) -> Any:
    """SAM's ``GlobalProperties._do_merge``: the resource wins for scalars, intrinsics and type
    mismatches; mappings merge recursively; lists are the Globals items then the resource's."""
    token = _sam_token(global_value)
    if token != _sam_token(local_value) or token == "primitive":
        return local_value
    if (resource_type, path) in _SAM_REPLACE:
        return local_value
    if token == "list":
        merged_list = _MergedList([*global_value, *local_value])
        merged_list.origin = local_value
        return merged_list
    local_keys = {_key_text(key): key for key in local_value}
    merged = _MergedDict()
    merged.origin = local_value
    prune = (resource_type, path) in _SAM_PRUNE_AND_MERGE and bool(local_value)
    taken: set[str] = set()
    for key, value in global_value.items():
        name = _key_text(key)
        child = f"{path}.{name}".lstrip(".")
        if name in local_keys:
            local_key = local_keys[name]
            merged[local_key] = _sam_merge(resource_type, value, local_value[local_key], child)
            taken.add(name)
        elif not prune:
            merged[key] = value
            taken.add(name)
    for key, value in local_value.items():
        if _key_text(key) not in taken:
            merged[key] = value
    return merged


def _sam_properties(
    resource_type: str, body: dict[Any, Any], properties: Any, globals_by_type: Mapping[str, Any]
) -> Any:
    section = globals_by_type.get(resource_type)
    if section is None:
        return properties
    ignore = _get(body, "IgnoreGlobals")
    if isinstance(ignore, str) and ignore == "*":
        return properties
    if isinstance(ignore, list):
        skipped = {_key_text(item) for item in ignore}
        section = {key: value for key, value in section.items() if _key_text(key) not in skipped}
    if properties is None:
        properties = _MergedDict()  # no Properties: the resource takes the Globals as they are
    return _sam_merge(resource_type, section, properties, "")


# --- resolution --------------------------------------------------------------------------------


class _Template:
    """What resolving values needs: the text (for end lines), parameters, mappings, resources."""

    def __init__(
        self, text: str, parameters: Any, mappings: Any, resource_ids: frozenset[str]
    ) -> None:
        self.lines = _LINE_BREAK.split(text.removeprefix("\ufeff"))
        self.resource_ids = resource_ids
        self.mappings = mappings if isinstance(mappings, dict) else {}
        self.parameter_values: dict[str, Any] = {}
        if isinstance(parameters, dict):
            for key, definition in parameters.items():
                name = _key_text(key)
                self.parameter_values[name] = self._parameter_value(name, definition)
        # id(node) -> (node, end): the node is kept so that its id cannot be reused.
        self._ends: dict[int, tuple[Any, int | None]] = {}

    # -- parameters --

    @staticmethod
    def _parameter_value(name: str, definition: Any) -> Any:
        source = f"!Ref {name}"
        if not isinstance(definition, dict):
            return Unknown(f"parameter {name} is malformed", source)
        kind = _get(definition, "Type")
        kind = str(kind) if isinstance(kind, str) else ""
        if kind.startswith("AWS::SSM::Parameter::Value<"):
            # Its Default names an SSM parameter; the stack gets that parameter's value.
            return Unknown(f"parameter {name} is read from SSM Parameter Store", source)
        if "Default" not in definition:
            return Unknown(f"parameter {name} has no default", source)
        default = definition["Default"]
        if _contains_intrinsic(default):
            return Unknown(f"parameter {name} has a non-literal default", source)
        value = _literal(default)
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
    ) -> Resource | Diagnostic:
        """The resource, or a diagnostic when its ``Properties`` are not a mapping."""
        resource_type = str(body["Type"])
        first = _line_of(key) or _line_of(body) or 1
        end = self.end(body)
        span = Span(first, max(first, end + 1 if end is not None else first))

        properties = _get(body, "Properties")
        if resource_type.startswith(_SAM_PREFIX) and globals_by_type:
            properties = _sam_properties(resource_type, body, properties, globals_by_type)
        spans: dict[Path, Span] = {}
        attributes: dict[str, Any] = {}
        if properties is not None:
            resolved = _distribute(self.resolve(properties, (), spans))
            if resolved is None:
                # Nothing could be checked reliably: say so rather than report on "missing"
                # properties.
                message = f"resource {name}: Properties is not a mapping; resource not checked"
                return Diagnostic(path, message, _line_of(key))
            if _intrinsic(properties) is not None:
                self._branch_spans(properties, spans)
            attributes = resolved

        meta_spans: dict[Path, Span] = {}
        meta: dict[str, Any] = {}
        for meta_key, value in body.items():
            meta_name = _key_text(meta_key)
            if meta_name in ("Type", "Properties"):
                continue
            resolved = self.resolve(value, (meta_name,), meta_spans)
            if resolved is ABSENT:
                continue
            meta[meta_name] = resolved
            self._record(meta_spans, (meta_name,), meta_key, value)

        referenced = self.references(properties) | self.references(
            {k: v for k, v in body.items() if _key_text(k) not in ("Type", "Properties")}
        )
        depends_on = _get(body, "DependsOn")
        for target in depends_on if isinstance(depends_on, list) else [depends_on]:
            if isinstance(target, str) and str(target) in self.resource_ids:
                referenced.add(str(target))

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
        )

    # -- values --

    def resolve(self, node: Any, path: Path, spans: dict[Path, Span] | None) -> Any:
        """The model value of a decoded node; records the span of every key and list item
        under ``path`` in ``spans`` (``None``: do not record, e.g. inside intrinsics).

        Values a YAML alias (``*name``, ``<<: *name``) brings in carry the marks of their
        anchor, elsewhere in the file: they get no spans of their own, so their location is
        that of the key that holds the alias.
        """
        function = _intrinsic(node)
        if function is not None:
            return self._intrinsic(function, node[function], node)
        floor = _line_of(node)
        if isinstance(node, dict):
            mapping: dict[str, Any] = {}
            for key, value in node.items():
                name = _key_text(key)
                child = (*path, name)
                key_line = _line_of(key)
                record = spans is not None and not _before(key_line, floor)
                inner = spans if record and not _before(_line_of(value), key_line) else None
                resolved = self.resolve(value, child, inner)
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
                line = _line_of(item)
                record = spans is not None and not _before(line, floor)
                resolved = self.resolve(item, child, spans if record else None)
                if resolved is ABSENT:
                    continue  # CloudFormation drops AWS::NoValue from lists
                items.append(resolved)
                if record and spans is not None and line is not None:
                    spans[child] = self._span(line, item)
            return items
        return _scalar(node)

    def _branch_spans(self, node: Any, spans: dict[Path, Span]) -> None:
        """Spans of the properties written in the branches of ``Properties: !If [...]`` (the
        first branch that writes a property locates it)."""
        if _intrinsic(node) == "Fn::If":
            argument = node["Fn::If"]
            if isinstance(argument, list):
                for branch in argument[1:]:
                    self._branch_spans(branch, spans)
        elif isinstance(node, dict) and _intrinsic(node) is None:
            found: dict[Path, Span] = {}
            self.resolve(node, (), found)
            for path, span in found.items():
                spans.setdefault(path, span)

    def _record(self, spans: dict[Path, Span], path: Path, key: Any, value: Any) -> None:
        line = _line_of(key)
        if line is not None:
            spans[path] = self._span(line, value)

    def _span(self, line: int, value: Any) -> Span:
        end = self.end(value)
        return Span(line, max(line, end + 1 if end is not None else line))

    def _intrinsic(self, function: str, argument: Any, node: Any) -> Any:
        if function == "Ref":
            return self._ref(argument, node)
        if function == "Fn::GetAtt":
            return self._get_att(argument, node)
        if function == "Fn::If":
            if isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str):
                options = (self.resolve(argument[1], (), None), self.resolve(argument[2], (), None))
                return Choice(options, condition=str(argument[0]))
            return self._unknown("malformed Fn::If", node)
        if function == "Fn::Sub":
            return self._sub(argument, node)
        if function == "Fn::Join":
            return self._join(argument, node)
        if function == "Fn::Select":
            return self._select(argument, node)
        if function == "Fn::Split":
            if isinstance(argument, list) and len(argument) == 2:
                delimiter = self.resolve(argument[0], (), None)
                value = self.resolve(argument[1], (), None)
                if isinstance(delimiter, str) and delimiter and isinstance(value, str):
                    return value.split(delimiter)
            return self._unknown("Fn::Split with unresolved parts", node)
        if function == "Fn::FindInMap":
            return self._find_in_map(argument, node)
        return self._unknown(f"{function} is not evaluated", node)

    def _unknown(self, reason: str, node: Any) -> Unknown:
        return Unknown(reason, _source(node), tuple(sorted(self.references(node))))

    def _ref(self, target: Any, node: Any) -> Any:
        if not isinstance(target, str):
            return self._unknown("Ref to a computed name", node)
        name = str(target)
        if name == _NO_VALUE:
            return ABSENT
        if name in self.parameter_values:
            return self.parameter_values[name]
        if name.startswith("AWS::"):  # AWS::Region, AWS::AccountId, AWS::StackName, ...
            return Unknown(f"pseudo parameter {name}", f"!Ref {name}")
        # A resource of the template, or one SAM generates (ServerlessRestApi, Fn.Alias): the
        # reference is kept as written; Unit.resolve() finds only the former.
        return Reference(name)

    def _get_att(self, argument: Any, node: Any) -> Any:
        if isinstance(argument, str):
            target, _, attribute = str(argument).partition(".")
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            target = str(argument[0])
            attribute_value = self.resolve(argument[1], (), None)
            if not isinstance(attribute_value, str):
                return self._unknown("Fn::GetAtt of a computed attribute", node)
            attribute = attribute_value
        else:
            return self._unknown("malformed Fn::GetAtt", node)
        if not target or not attribute:
            return self._unknown("malformed Fn::GetAtt", node)
        return Reference(target, (attribute,))

    def _sub(self, argument: Any, node: Any) -> Any:
        variables: Mapping[Any, Any] = {}
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            pattern, variables = argument[0], argument[1]
        else:
            pattern = argument
        if not isinstance(pattern, str):
            return self._unknown("malformed Fn::Sub", node)
        known = {_key_text(key): value for key, value in variables.items()}
        parts: list[str] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(pattern):
            parts.append(pattern[position : match.start()])
            position = match.end()
            inner = match.group(1)
            if inner.startswith("!"):
                parts.append("${" + inner[1:] + "}")  # ${!Literal} is the text ${Literal}
                continue
            text = _scalar_text(self._sub_variable(inner.strip(), known))
            if text is None:
                return self._unknown("Fn::Sub with unresolved parts", node)
            parts.append(text)
        parts.append(pattern[position:])
        return "".join(parts)

    def _sub_variable(self, name: str, variables: Mapping[str, Any]) -> Any:
        if name in variables:
            return self.resolve(variables[name], (), None)
        if name in self.parameter_values:
            return self.parameter_values[name]
        if name.startswith("AWS::"):
            return Unknown(f"pseudo parameter {name}", f"${{{name}}}")
        target, dot, attribute = name.partition(".")
        if dot:
            return Reference(target, (attribute,))
        return Reference(name)

    def _join(self, argument: Any, node: Any) -> Any:
        if isinstance(argument, list) and len(argument) == 2:
            delimiter = self.resolve(argument[0], (), None)
            values = self.resolve(argument[1], (), None)
            if isinstance(delimiter, str) and isinstance(values, list):
                texts = [_scalar_text(value) for value in values]
                if all(text is not None for text in texts):
                    return delimiter.join(text for text in texts if text is not None)
        return self._unknown("Fn::Join with unresolved parts", node)

    def _select(self, argument: Any, node: Any) -> Any:
        if isinstance(argument, list) and len(argument) == 2:
            index = self.resolve(argument[0], (), None)
            values = self.resolve(argument[1], (), None)
            if isinstance(index, str) and index.strip().isdigit():
                index = int(index)
            if (
                isinstance(index, int)
                and not isinstance(index, bool)
                and isinstance(values, list)
                and 0 <= index < len(values)
            ):
                return values[index]
        return self._unknown("Fn::Select with unresolved parts", node)

    def _find_in_map(self, argument: Any, node: Any) -> Any:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            return self._unknown("malformed Fn::FindInMap", node)
        keys = [_scalar_text(self.resolve(part, (), None)) for part in argument[:3]]
        value: Any = self.mappings
        for key in keys:
            if key is None:
                return self._unknown("Fn::FindInMap with unresolved keys", node)
            value = _child(value, key)
        if value is not None:
            return self.resolve(value, (), None)
        default = _get(argument[3], "DefaultValue") if len(argument) == 4 else None
        if default is not None:
            return self.resolve(default, (), None)
        return self._unknown("Fn::FindInMap key not in the mapping", node)

    # -- references --

    def references(self, node: Any) -> set[str]:
        """Logical IDs of this template's resources that ``node`` references (Ref, GetAtt,
        Sub)."""
        found: set[str] = set()
        self._collect(node, found)
        return found

    def _collect(self, node: Any, found: set[str]) -> None:
        function = _intrinsic(node)
        if function is not None:
            argument = node[function]
            if function == "Ref" and isinstance(argument, str):
                self._add_reference(str(argument), found)
                return
            if function == "Fn::GetAtt":
                if isinstance(argument, str):
                    self._add_reference(str(argument), found)
                    return
                if isinstance(argument, list) and argument and isinstance(argument[0], str):
                    found.update({str(argument[0])} & self.resource_ids)
                    self._collect(argument[1:], found)
                    return
            if function == "Fn::Sub":
                pattern, variables = argument, {}
                if isinstance(argument, list) and len(argument) == 2:
                    pattern, variables = argument[0], argument[1]
                    self._collect(variables, found)
                if isinstance(pattern, str):
                    names = (
                        {_key_text(key) for key in variables}
                        if isinstance(variables, dict)
                        else set()
                    )
                    for match in _SUB_VARIABLE.finditer(pattern):
                        inner = match.group(1).strip()
                        if not inner.startswith("!") and inner not in names:
                            self._add_reference(inner, found)
                    return
            self._collect(argument, found)
            return
        if isinstance(node, dict):
            for value in node.values():
                self._collect(value, found)
        elif isinstance(node, (list, tuple)):
            for item in node:
                self._collect(item, found)

    def _add_reference(self, name: str, found: set[str]) -> None:
        target = name.partition(".")[0]
        if target in self.resource_ids:
            found.add(target)

    # -- end lines --

    def end(self, node: Any) -> int | None:
        """0-based last line of ``node``'s content, ``None`` when nothing in it carries marks.

        A block collection's end mark is the next token (after blank lines and comments), so
        its end is the line before that mark with trailing blank and comment lines dropped, and
        never before the end of its last marked descendant (a block scalar may end in ``#``
        lines that are text, not comments).
        """
        memo = self._ends.get(id(node))
        if memo is not None:
            return memo[1]
        end = self._compute_end(node)
        self._ends[id(node)] = (node, end)
        return end

    def _compute_end(self, node: Any) -> int | None:
        if isinstance(node, (_MergedDict, _MergedList)):
            if node.origin is not None:
                return self.end(node.origin)
            return self._children_end(node)
        start = getattr(node, "start_mark", None)
        stop = getattr(node, "end_mark", None)
        if start is None or stop is None:
            return self._children_end(node)
        first, last, column = int(start.line), int(stop.line), int(stop.column)
        # A tag on a scalar (``!Sub |`` block) carries the scalar's marks; its value is a plain
        # str (long-form values are str_node and have marks of their own).
        scalar = isinstance(node, str) or (
            _intrinsic(node) is not None and type(next(iter(node.values()))) is str
        )
        if not scalar and column > 0 and self._line(last)[column - 1 : column] in ("]", "}"):
            return last  # a flow collection ends at its closing bracket
        if last > first and not self._line(last)[:column].strip():
            last -= 1  # the mark is at the start of the next token's line
        while last > first and self._is_filler(last, comments=not scalar):
            last -= 1
        if scalar:
            return last
        children = self._children_end(node)
        return last if children is None else max(last, children)

    def _children_end(self, node: Any) -> int | None:
        ends: list[int | None] = []
        if isinstance(node, dict):
            for key, value in node.items():
                line = _line_of(key)
                ends.append(line - 1 if line is not None else None)
                ends.append(self.end(value))
        elif isinstance(node, (list, tuple)):
            ends.extend(self.end(item) for item in node)
        known = [end for end in ends if end is not None]
        return max(known) if known else None

    def _line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def _is_filler(self, index: int, comments: bool) -> bool:
        text = self._line(index).strip()
        return not text or (comments and text.startswith("#"))


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


def _before(line: int | None, floor: int | None) -> bool:
    """True when ``line`` is known to come before ``floor`` (an alias of an earlier anchor)."""
    return line is not None and floor is not None and line < floor


def _child(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        for candidate, value in node.items():
            if _key_text(candidate) == key:
                return value
    return None


def _contains_intrinsic(node: Any) -> bool:
    if _intrinsic(node) is not None:
        return True
    if isinstance(node, dict):
        return any(_contains_intrinsic(value) for value in node.values())
    if isinstance(node, (list, tuple)):
        return any(_contains_intrinsic(item) for item in node)
    return False


def _literal(node: Any) -> Any:
    """A decoded literal as plain Python data (no cfn-lint node classes, dates as ISO text)."""
    if isinstance(node, dict):
        return {_key_text(key): _literal(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_literal(item) for item in node]
    return _scalar(node)


def _scalar(node: Any) -> Any:
    if isinstance(node, str):
        return str(node)  # str_node -> str
    if node is None or isinstance(node, (bool, int, float)):
        return node
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return Unknown(f"unsupported YAML value of type {type(node).__name__}", repr(node)[:80])
