"""Value coercions, in one place: what rules accept as a boolean, a number or a list, the way
CloudFormation and Terraform both do (``"true"``, ``"30"``, a single block as a list)."""

from __future__ import annotations

from typing import Any

from opslint.model import ABSENT


def as_number(value: Any) -> float | None:
    """A number from an int, float or numeric string (CloudFormation and Terraform both
    accept ``"30"``); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def as_bool(value: Any) -> bool | None:
    """A boolean from a bool or ``"true"``/``"false"`` (any case); None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_list(value: Any) -> list[Any]:
    """A repeated block or list as a list; a single block (dict) as a one-element list;
    absent or ``None`` as ``[]``. Unknown stays inside the list so callers can see it."""
    if value is ABSENT or value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]
