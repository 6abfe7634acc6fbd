"""CloudFormation conditions under parameter defaults.

opslint resolves ``Ref`` to a parameter's ``Default``; conditions are resolved the same way.
A condition whose inputs are all parameters with literal defaults (and literals) is evaluated,
so ``Fn::If`` takes the branch the default deployment takes and a resource whose
``Condition`` is false does not exist in it. A condition with any other input (a parameter
without a default, a pseudo-parameter, an import) stays undecided: both branches are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from opslint.model import ABSENT, Choice, Reference, Unknown


@dataclass(frozen=True)
class Decided:
    """A condition's value under the parameter defaults, and the defaults it used
    (``("EnableLogs=false",)``)."""

    value: bool
    defaults: tuple[str, ...]


def evaluate_conditions(
    conditions: Any,
    parameters: Mapping[str, Any],
    resolve: Callable[[Any], Any],
) -> dict[str, Decided]:
    """The conditions of a template that can be decided; ``resolve`` turns a node into a
    model value (``Ref`` to a parameter is its default)."""
    if not isinstance(conditions, dict):
        return {}
    nodes = {str(key): value for key, value in conditions.items()}
    decided: dict[str, Decided | None] = {}

    def condition(name: str, busy: frozenset[str]) -> Decided | None:
        if name in decided:
            return decided[name]
        if name in busy or name not in nodes:
            return None
        result = evaluate(nodes[name], busy | {name})
        decided[name] = result
        return result

    def evaluate(node: Any, busy: frozenset[str]) -> Decided | None:
        if not isinstance(node, dict) or len(node) != 1:
            return None
        function, argument = next(iter(node.items()))
        function = str(function)
        if function == "Condition" and isinstance(argument, str):
            return condition(str(argument), busy)
        if function == "Fn::Equals":
            if not isinstance(argument, list) or len(argument) != 2:
                return None
            left, right = (_text(resolve(a)) for a in argument)
            if left is None or right is None:
                return None
            return Decided(left == right, _defaults(argument, parameters))
        if function in ("Fn::And", "Fn::Or", "Fn::Not"):
            if not isinstance(argument, list) or not argument:
                return None
            parts = [evaluate(item, busy) for item in argument]
            if any(part is None for part in parts):
                return None
            known = [part for part in parts if part is not None]
            values = [part.value for part in known]
            defaults = tuple(dict.fromkeys(d for part in known for d in part.defaults))
            if function == "Fn::Not":
                return Decided(not values[0], defaults) if len(values) == 1 else None
            return Decided(all(values) if function == "Fn::And" else any(values), defaults)
        return None

    for name in nodes:
        condition(name, frozenset())
    return {name: result for name, result in decided.items() if result is not None}


def _text(value: Any) -> str | None:
    """A resolved operand of ``Fn::Equals`` as CloudFormation compares it (strings)."""
    if isinstance(value, (Unknown, Reference, Choice)) or value is ABSENT:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def _defaults(node: Any, parameters: Mapping[str, Any]) -> tuple[str, ...]:
    """``Name=value`` of the parameters ``node`` refers to (their defaults decided it)."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                if str(key) == "Ref" and isinstance(value, str) and str(value) in parameters:
                    found.append(f"{value}={_text(parameters[str(value)]) or ''}")
                else:
                    walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return tuple(dict.fromkeys(found))


def assumption_text(defaults: tuple[str, ...]) -> str:
    """How a message says a finding holds under parameter defaults (each named once)."""
    defaults = tuple(dict.fromkeys(defaults))
    if len(defaults) == 1:
        return f"with the default `{defaults[0]}`"
    return "with the defaults " + ", ".join(f"`{d}`" for d in defaults)
