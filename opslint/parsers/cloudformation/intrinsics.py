"""Intrinsic functions: ``Ref``, ``Fn::GetAtt``, ``Fn::If``, ``Fn::Sub``, ``Fn::Join``,
``Fn::Select``, ``Fn::Split`` and ``Fn::FindInMap`` evaluated over known parts, and the
resources a value references. What cannot be evaluated is an explicit :class:`Unknown`.

``Fn::Sub`` strings are read by one parser, :func:`sub_parts`, for both evaluation and
references."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from opslint.model import ABSENT, Choice, Partial, Path, Provenance, Reference, Span, Unknown
from opslint.parsers.cloudformation.conditions import Decided
from opslint.parsers.cloudformation.decoding import (
    child,
    get,
    intrinsic_name,
    key_text,
    scalar_text,
    source,
)
from opslint.parsers.cloudformation.stacks import output_value
from opslint.partial import compose, piece

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_MAX_MAP_CHOICES = 500
"""An ``Fn::FindInMap`` with unresolved keys that selects more values than this is unknown."""


def _keys(value: Any) -> list[str] | None:
    """The map keys a resolved key may be (a Choice of known keys: each); None: any."""
    options = value.options if isinstance(value, Choice) else (value,)
    keys = [scalar_text(option) for option in options]
    return None if None in keys else [key for key in keys if key is not None]


def _select(node: Any, keys: list[str] | None) -> list[Any]:
    """The children of a mapping level that ``keys`` select (None: all of them)."""
    if not isinstance(node, dict):
        return []
    if keys is None:
        return list(node.values())
    return [found for key in keys if (found := child(node, key)) is not None]


_NO_VALUE = "AWS::NoValue"


@dataclass(frozen=True)
class SubVariable:
    """``${name}`` in an ``Fn::Sub`` string (``name`` stripped of blanks)."""

    name: str


def split_sub(argument: Any) -> tuple[Any, Any]:
    """The string and the variables of ``Fn::Sub``: ``"text"`` or ``["text", {vars}]``."""
    if isinstance(argument, list) and len(argument) == 2:
        return argument[0], argument[1]
    return argument, {}


def sub_parts(pattern: str) -> Iterator[str | SubVariable]:
    """The literal text and the variables of an ``Fn::Sub`` string, in order; ``${!Literal}``
    is the literal text ``${Literal}``."""
    position = 0
    for match in _SUB_VARIABLE.finditer(pattern):
        yield pattern[position : match.start()]
        position = match.end()
        inner = match.group(1)
        if inner.startswith("!"):
            yield "${" + inner[1:] + "}"
        else:
            yield SubVariable(inner.strip())
    yield pattern[position:]


class Intrinsics:
    """Evaluation of intrinsic functions; mixed into the template reader, which supplies
    :meth:`resolve`, the parameter values, the mappings and the resource IDs."""

    parameter_values: dict[str, Any]
    parameter_kinds: dict[str, str]
    sources: list[Provenance]
    mappings: dict[Any, Any]
    resource_ids: frozenset[str]
    conditions: dict[str, Decided]
    stack_outputs: dict[str, Mapping[str, Any]]
    inputs: list[str]
    _assumed: dict[Path, tuple[str, ...]]
    _path: Path

    def resolve(self, node: Any, path: Path, spans: dict[Path, Span] | None) -> Any:
        raise NotImplementedError

    def _intrinsic(self, function: str, argument: Any, node: Any) -> Any:
        if function == "Ref":
            return self._ref(argument, node)
        if function == "Fn::GetAtt":
            return self._get_att(argument, node)
        if function == "Fn::If":
            if isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str):
                decided = self.conditions.get(str(argument[0]))
                if decided is not None:  # the branch the default deployment takes
                    where = self._path
                    self._assumed[where] = (*self._assumed.get(where, ()), *decided.defaults)
                    return self.resolve(argument[1 if decided.value else 2], (), None)
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
        return Unknown(reason, source(node), tuple(sorted(self.references(node))))

    def _ref(self, target: Any, node: Any) -> Any:
        if not isinstance(target, str):
            return self._unknown("Ref to a computed name", node)
        name = str(target)
        if name == _NO_VALUE:
            return ABSENT
        if name in self.parameter_values:
            return self._parameter(name)
        if name.startswith("AWS::"):  # AWS::Region, AWS::AccountId, AWS::StackName, ...
            return Unknown(f"pseudo parameter {name}", f"!Ref {name}")
        # A resource of the template, or one SAM generates (ServerlessRestApi, Fn.Alias): the
        # reference is kept as written; Unit.resolve() finds only the former.
        return Reference(name)

    def _parameter(self, name: str) -> Any:
        self.inputs.append(name)
        value = self.parameter_values[name]
        self.sources.append(Provenance(self.parameter_kinds.get(name, "parameter"), name, value))
        return value

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
        if target in self.stack_outputs and attribute.startswith("Outputs."):
            value = output_value(self.stack_outputs[target], attribute)
            return self._unknown("no such output", node) if value is None else value
        return Reference(target, (attribute,))

    def _sub(self, argument: Any, node: Any) -> Any:
        pattern, variables = split_sub(argument)
        if not isinstance(pattern, str) or not isinstance(variables, dict):
            return self._unknown("malformed Fn::Sub", node)
        known = {key_text(key): value for key, value in variables.items()}
        parts: list[str | Unknown] = []
        for part in sub_parts(pattern):
            if isinstance(part, SubVariable):
                value = self._sub_variable(part.name, known)
                text = scalar_text(value)
                if text is None and isinstance(value, Partial):
                    parts.append(value)
                else:
                    parts.append(piece(value, f"${{{part.name}}}") if text is None else text)
            else:
                parts.append(part)
        return self._composed(parts, "Fn::Sub with unresolved parts", node)

    def _composed(self, parts: list[str | Unknown], reason: str, node: Any) -> Any:
        """The text of ``parts``; partly known (unknown pieces kept in place) when some are
        not known."""
        if all(isinstance(part, str) for part in parts):
            return "".join(part for part in parts if isinstance(part, str))
        where = self._unknown(reason, node)
        return compose(parts, reason, where.source, where.references)

    def _sub_variable(self, name: str, variables: Mapping[str, Any]) -> Any:
        if name in variables:
            return self.resolve(variables[name], (), None)
        if name in self.parameter_values:
            return self._parameter(name)
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
                parts: list[str | Unknown] = []
                for index, value in enumerate(values):
                    if index:
                        parts.append(delimiter)
                    text = scalar_text(value)
                    if text is not None:
                        parts.append(text)
                    elif isinstance(value, (Unknown, Reference, Choice)):
                        parts.append(value if isinstance(value, Partial) else piece(value))
                    else:  # a list or mapping: CloudFormation rejects it
                        return self._unknown("Fn::Join with unresolved parts", node)
                return self._composed(parts, "Fn::Join with unresolved parts", node)
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
        resolved = [self.resolve(part, (), None) for part in argument[:3]]
        name, top, second = (scalar_text(value) for value in resolved)
        if name is None:
            return self._unknown("Fn::FindInMap with unresolved keys", node)
        if top is None or second is None:
            return self._map_column(name, _keys(resolved[1]), _keys(resolved[2]), node)
        value: Any = self.mappings
        for key in (name, top, second):
            value = child(value, key)
        if value is not None:
            found = self.resolve(value, (), None)
            self.sources.append(Provenance("mapping", name, found))
            return found
        default = get(argument[3], "DefaultValue") if len(argument) == 4 else None
        if default is not None:
            return self.resolve(default, (), None)
        return self._unknown("Fn::FindInMap key not in the mapping", node)

    def _map_column(
        self, name: str, top: list[str] | None, second: list[str] | None, node: Any
    ) -> Any:
        """``Fn::FindInMap`` with an unresolved key (``!Ref AWS::Region``): one of the values
        the keys select (a column of the region table; every value for a key that could be
        anything), as a :class:`Choice`; a deployment where the key is missing fails, so
        those rows do not count."""
        table = child(self.mappings, name)
        rows = _select(table, top)
        leaves = [leaf for row in rows for leaf in _select(row, second)]
        if not leaves or len(leaves) > _MAX_MAP_CHOICES:
            return self._unknown("Fn::FindInMap with unresolved keys", node)
        options: list[Any] = []
        for leaf in leaves:
            value = self.resolve(leaf, (), None)
            if value not in options:
                options.append(value)
        found = options[0] if len(options) == 1 else Choice(tuple(options), f"Fn::FindInMap {name}")
        self.sources.append(Provenance("mapping", name, found))
        return found

    # -- references --

    def references(self, node: Any) -> set[str]:
        """Logical IDs of this template's resources that ``node`` references (Ref, GetAtt,
        Sub)."""
        found: set[str] = set()
        self._collect(node, found)
        return found

    def _collect(self, node: Any, found: set[str]) -> None:
        function = intrinsic_name(node)
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
                pattern, variables = split_sub(argument)
                if variables:
                    self._collect(variables, found)
                if isinstance(pattern, str):
                    names = (
                        {key_text(key) for key in variables}
                        if isinstance(variables, dict)
                        else set()
                    )
                    for part in sub_parts(pattern):
                        if isinstance(part, SubVariable) and part.name not in names:
                            self._add_reference(part.name, found)
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
