"""Decoding a template with cfn-lint, and reading the decoded nodes.

``cfnlint.decode.decode_str`` reads YAML and JSON, turns short-form intrinsics (``!Ref X``) into
long form (``{"Ref": "X"}``) and keeps 0-based line marks on mappings, lists, strings and
mapping keys. It costs about half a second to import, so it is imported only when a template
is parsed.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from opslint.model import Diagnostic, Unit, Unknown

_POSITION_IN_MESSAGE = re.compile(r"line (\d+), column \d+")

_logging_quieted = False


@dataclass(frozen=True)
class DuplicateKey:
    """A key written twice in one mapping; the later value is the one that counts."""

    key: str
    line: int
    """1-based line of the occurrence that counts (the last one)."""
    first: int
    """1-based line of the earlier occurrence, whose value is ignored."""


def decode(text: str) -> tuple[Any, list[Any], tuple[DuplicateKey, ...]]:
    """The decoded template (None when it does not decode), cfn-lint's parse errors, and the
    keys written twice in a mapping.

    cfn-lint rejects a template with a repeated key. CloudFormation and SAM accept it and keep
    the last value, so such a template is decoded again, last value wins, and each repeated
    key is returned instead of an error. Only templates with a repeated key pay for the second
    decode.
    """
    global _logging_quieted
    import cfnlint.decode  # ~0.5 s: only when a template is actually parsed

    if not _logging_quieted:
        # cfn-lint logs some decode failures at ERROR on its own logger; without a handler,
        # Python would print them to stderr. We report them as diagnostics instead.
        logging.getLogger("cfnlint").addHandler(logging.NullHandler())
        _logging_quieted = True
    template, matches = cfnlint.decode.decode_str(text)
    found = list(matches or [])
    if template is None and found and all(_is_duplicate(match) for match in found):
        try:
            template, duplicates = _decode_last_wins(text)
        except Exception as exc:  # another problem behind the repeated key: report it
            other = getattr(exc, "matches", None)
            return None, list(other) if other else _one_per_duplicate(found), ()
        return template, [], duplicates
    return template, found, ()


def _is_duplicate(match: Any) -> bool:
    return str(getattr(match, "message", "")).startswith("Duplicate found ")


def _one_per_duplicate(matches: list[Any]) -> list[Any]:
    """cfn-lint reports a repeated key at both occurrences: keep the later ones."""
    return matches[1:] if len(matches) > 1 else matches


def _decode_last_wins(text: str) -> tuple[Any, tuple[DuplicateKey, ...]]:
    """Decode ``text`` as cfn-lint does, except that a repeated key keeps its last value (and
    the position of its first occurrence in the mapping's order) and is recorded."""
    from cfnlint.decode import cfn_yaml
    from cfnlint.decode.mark import Mark
    from cfnlint.decode.node import dict_node

    loader = _last_wins_loader()(text, None)
    loader.add_multi_constructor("!", cfn_yaml.multi_constructor)
    try:
        template = loader.get_single_data()
    finally:
        loader.dispose()
    if template is None:
        template = dict_node({}, Mark(0, 0), Mark(0, 0))
    if "&" in text:
        cfn_yaml._guard_alias_expansion(template, None)  # the alias-bomb guard of ``loads``
    return template, tuple(loader.duplicates)


@cache
def _last_wins_loader() -> Any:
    """cfn-lint's YAML loader with a mapping constructor that keeps the last of repeated keys."""
    from cfnlint.decode import cfn_yaml
    from cfnlint.decode.node import dict_node
    from yaml.constructor import SafeConstructor

    class LastWinsLoader(cfn_yaml.CfnFullLoader):  # type: ignore[misc]
        def __init__(self, stream: str, filename: str | None) -> None:
            super().__init__(stream, filename)
            self.duplicates: list[DuplicateKey] = []

        def construct_yaml_map(self, node: Any) -> Any:
            if getattr(node, "using_merge", False) or any(
                key.tag == "tag:yaml.org,2002:merge" for key, _ in node.value
            ):
                return super().construct_yaml_map(node)  # merge keys override on purpose
            self.flatten_mapping(node)
            position: dict[Any, int] = {}
            pairs: list[tuple[Any, Any]] = []
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, False)
                at = position.get(key)
                if at is None:
                    position[key] = len(pairs)
                    pairs.append((key_node, value_node))
                    continue
                self.duplicates.append(
                    DuplicateKey(
                        key_text(key),
                        key_node.start_mark.line + 1,
                        pairs[at][0].start_mark.line + 1,
                    )
                )
                pairs[at] = (key_node, value_node)
            node.value = pairs
            (mapping,) = SafeConstructor.construct_yaml_map(self, node)
            return dict_node(mapping, node.start_mark, node.end_mark)

    LastWinsLoader.add_constructor("tag:yaml.org,2002:map", LastWinsLoader.construct_yaml_map)
    return LastWinsLoader


def decode_diagnostics(path: str, matches: Iterable[Any]) -> tuple[Diagnostic, ...]:
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


def unreadable(path: str, diagnostics: tuple[Diagnostic, ...]) -> Unit:
    return Unit(
        framework="cloudformation",
        path=path,
        resources=(),
        files=(path,),
        diagnostics=diagnostics,
    )


def get(node: Any, key: str) -> Any:
    """``node[key]`` for a decoded mapping, ``None`` when absent or not a mapping."""
    if isinstance(node, dict):
        return node.get(key)
    return None


def key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def line_of(node: Any) -> int | None:
    """1-based first line of a decoded node, ``None`` when it carries no marks."""
    mark = getattr(node, "start_mark", None)
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else None


def intrinsic_name(node: Any) -> str | None:
    """The function name when ``node`` is an intrinsic (``{"Ref": ...}``, ``{"Fn::X": ...}``)."""
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
            return str(key)
    return None


def scalar_text(value: Any) -> str | None:
    """How a known scalar reads inside a string (``Fn::Sub``, ``Fn::Join``); None otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def render(node: Any) -> str:
    """A raw value as the user would write it in short form: ``!GetAtt Topic.Arn``."""
    name = intrinsic_name(node)
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
        return f"!{short} {render(argument)}"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{key_text(k)}: {render(v)}" for k, v in node.items()) + "}"
    if isinstance(node, (list, tuple)):
        return "[" + ", ".join(render(item) for item in node) + "]"
    if isinstance(node, str):
        if not node:
            return "''"
        return json.dumps(str(node)) if "\n" in node else str(node)
    if isinstance(node, bool):
        return "true" if node else "false"
    if node is None:
        return "null"
    return str(node)


def source(node: Any) -> str:
    """The node as written, whole: rules may read an unknown's source (``!FindInMap``)."""
    return render(node)


def before(line: int | None, floor: int | None) -> bool:
    """True when ``line`` is known to come before ``floor`` (an alias of an earlier anchor)."""
    return line is not None and floor is not None and line < floor


def child(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        for candidate, value in node.items():
            if key_text(candidate) == key:
                return value
    return None


def contains_intrinsic(node: Any) -> bool:
    if intrinsic_name(node) is not None:
        return True
    if isinstance(node, dict):
        return any(contains_intrinsic(value) for value in node.values())
    if isinstance(node, (list, tuple)):
        return any(contains_intrinsic(item) for item in node)
    return False


def literal(node: Any) -> Any:
    """A decoded literal as plain Python data (no cfn-lint node classes, dates as ISO text)."""
    if isinstance(node, dict):
        return {key_text(key): literal(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [literal(item) for item in node]
    return scalar(node)


def scalar(node: Any) -> Any:
    if isinstance(node, str):
        return str(node)  # str_node -> str
    if node is None or isinstance(node, (bool, int, float)):
        return node
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return Unknown(f"unsupported YAML value of type {type(node).__name__}", repr(node)[:80])
