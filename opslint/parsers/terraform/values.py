"""Terraform values in Python: the one number type, the automatic conversions between
primitives, equality, ``jsonencode``/``jsondecode`` as Terraform renders them, and the marker of
an Unknown that Terraform would reject (what ``try()`` and ``can()`` skip)."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

from opslint.model import Choice, Reference, Unknown

INVALID = "invalid: "
"""Prefix of the reason of an Unknown that stands for an expression Terraform would reject
(a missing attribute of a known object, a bad conversion): ``try()`` and ``can()`` skip it."""


def invalid(reason: str, source: str = "") -> Unknown:
    return Unknown(INVALID + reason, source)


def is_invalid(value: Any) -> bool:
    return isinstance(value, Unknown) and value.reason.startswith(INVALID)


def concrete(value: Any) -> bool:
    """No Unknown, Choice or Reference anywhere inside."""
    if isinstance(value, (Unknown, Choice, Reference)):
        return False
    if isinstance(value, dict):
        return all(concrete(v) for v in value.values())
    if isinstance(value, list):
        return all(concrete(v) for v in value)
    return True


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def norm(value: float | int) -> int | float:
    """Terraform has one number type: an integral result is an integer (``10 / 5`` is ``2``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


NUMBER = re.compile(r"-?(?:0|[1-9]\d*|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?\Z")


def parse_number(text: str) -> int | float | None:
    """A decimal number as Terraform's ``tonumber`` accepts it, or None."""
    if not NUMBER.match(text):
        return None
    if "." in text or "e" in text or "E" in text:
        number = float(text)
        return None if math.isinf(number) else norm(number)
    return int(text)


def format_number(number: int | float) -> str:
    """Render a number as Terraform does in strings: ``30`` not ``30.0``, no exponent. Python's
    binary float noise (``0.1 + 0.2``) is rounded away as Terraform's 512-bit arithmetic does."""
    if isinstance(number, int):
        return str(number)
    if number.is_integer():
        return str(int(number))
    text = format(Decimal(f"{number:.15g}"), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_number(value: Any) -> int | float | None:
    if is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        return parse_number(value)
    return None


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def to_string(value: Any) -> str | None:
    """Terraform's automatic conversion of a primitive to a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)
    return None


def equal(a: Any, b: Any) -> bool:
    """Terraform equality: no conversion between types (``1 == "1"`` and ``true == 1`` are
    false)."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)


def json_encode(value: Any) -> str:
    """``jsonencode`` as Terraform does it: compact, keys sorted, ``<``, ``>``, ``&``, U+2028
    and U+2029 escaped (Go's encoding/json)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        for char, escape in _JSON_HTML_ESCAPES:
            text = text.replace(char, escape)
        return text
    if isinstance(value, list):
        return "[" + ",".join(json_encode(v) for v in value) + "]"
    items = sorted(value.items())
    return "{" + ",".join(f"{json_encode(k)}:{json_encode(v)}" for k, v in items) + "}"


_JSON_HTML_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def json_decode(text: str) -> Any:
    """``jsondecode`` as Terraform does it: numbers are Terraform numbers (``2.0`` is ``2``)."""
    return json.loads(text, parse_float=_json_float)


def _json_float(text: str) -> int | float:
    return norm(float(text))
