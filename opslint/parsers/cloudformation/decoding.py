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
from typing import Any

from opslint.model import Diagnostic, Unit, Unknown

_POSITION_IN_MESSAGE = re.compile(r"line (\d+), column \d+")

_logging_quieted = False


def decode(text: str) -> tuple[Any, list[Any]]:
    global _logging_quieted
    import cfnlint.decode  # ~0.5 s: only when a template is actually parsed

    if not _logging_quieted:
        # cfn-lint logs some decode failures at ERROR on its own logger; without a handler,
        # Python would print them to stderr. We report them as diagnostics instead.
        logging.getLogger("cfnlint").addHandler(logging.NullHandler())
        _logging_quieted = True
    template, matches = cfnlint.decode.decode_str(text)
    return template, list(matches or [])


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
