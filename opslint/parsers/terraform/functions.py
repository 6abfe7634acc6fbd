"""The Terraform built-in functions we evaluate, by name, on evaluated arguments. A function
raises :class:`NotKnown` when an argument it needs is not known, :class:`InvalidCall` when
Terraform would reject the call, :class:`UnsupportedCall` for a feature we do not evaluate."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from opslint.model import ABSENT, Choice, Partial, Reference, Unknown
from opslint.parsers.terraform.values import (
    concrete,
    equal,
    is_invalid,
    is_number,
    json_decode,
    json_encode,
    to_bool,
    to_number,
    to_string,
)
from opslint.partial import encode


class NotKnown(Exception):
    """An argument is not known (Unknown, Choice, Reference where a value is needed)."""


class InvalidCall(Exception):
    """Terraform would reject the call."""


class UnsupportedCall(Exception):
    """The call uses a feature we do not evaluate (a ``format`` verb other than %s and %d)."""


def _known(value: Any) -> Any:
    if not concrete(value):
        raise NotKnown
    return value


def _shape(value: Any, kind: type) -> Any:
    """``value`` when its outer structure is known and of ``kind`` (its elements may be
    unknown)."""
    if isinstance(value, (Unknown, Choice, Reference)):
        raise NotKnown
    if not isinstance(value, kind):
        raise InvalidCall(f"expected a {kind.__name__}")
    return value


def _arity(args: Sequence[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise InvalidCall("wrong number of arguments")


def _string_arg(value: Any) -> str:
    text = to_string(_known(value))
    if text is None:
        raise InvalidCall("expected a string")
    return text


def _number_arg(value: Any) -> int | float:
    number = to_number(_known(value))
    if number is None:
        raise InvalidCall("expected a number")
    return number


def _fn_jsonencode(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    value = args[0]
    if isinstance(value, (Unknown, Choice, Reference)) and not isinstance(value, Partial):
        raise NotKnown
    if not concrete(value):  # known structure, some leaves unknown: keep the structure
        return encode(value, json_encode)
    return json_encode(value)


def _fn_jsondecode(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    if isinstance(args[0], Partial) and args[0].document is not None:
        return args[0].document
    return json_decode(_string_arg(args[0]))


def _fn_merge(args: Sequence[Any]) -> Any:
    result: dict[str, Any] = {}
    for arg in args:
        if arg is not None:
            result.update(_shape(arg, dict))
    return result


def _fn_concat(args: Sequence[Any]) -> Any:
    return [item for arg in args for item in _shape(arg, list)]


def _simple_case(text: str, convert: Callable[[str], str]) -> str:
    """Per-character case mapping, as Go's ``strings.ToUpper`` (``"ß"`` stays ``"ß"``)."""
    out = [convert(char) for char in text]
    return "".join(new if len(new) == 1 else old for new, old in zip(out, text, strict=True))


def _fn_lower(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return _simple_case(_string_arg(args[0]), str.lower)


def _fn_upper(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return _simple_case(_string_arg(args[0]), str.upper)


def _fn_tostring(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return None if _known(args[0]) is None else _string_arg(args[0])


def _fn_tonumber(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return None if _known(args[0]) is None else _number_arg(args[0])


def _fn_tobool(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    value = _known(args[0])
    if value is None:
        return None
    flag = to_bool(value)
    if flag is None:
        raise InvalidCall("expected a bool")
    return flag


def _fn_tolist(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return list(_shape(args[0], list))


def _fn_toset(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    items: list[Any] = []
    for item in _known(_shape(args[0], list)):
        if not any(equal(item, seen) for seen in items):
            items.append(item)
    if all(isinstance(i, str) for i in items) or all(is_number(i) for i in items):
        items.sort()
    return items


def _fn_tomap(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    return dict(_shape(args[0], dict))


_FORMAT_VERB = re.compile(r"%(.)")


def _fn_format(args: Sequence[Any]) -> Any:
    if not args:
        raise InvalidCall("wrong number of arguments")
    pattern = _string_arg(args[0])
    values = iter(args[1:])

    def verb(match: re.Match[str]) -> str:
        kind = match.group(1)
        if kind == "%":
            return "%"
        if kind not in "sd":
            raise UnsupportedCall(f"format verb %{kind}")
        try:
            value = _known(next(values))
        except StopIteration:
            raise InvalidCall("too few arguments") from None
        if kind == "d":
            number = to_number(value)
            if not isinstance(number, int):
                raise InvalidCall("%d needs an integer")
            return str(number)
        if isinstance(value, (list, dict)) or value is None:
            raise InvalidCall("%s needs a string")
        return _string_arg(value)

    result = _FORMAT_VERB.sub(verb, pattern)
    if next(values, ABSENT) is not ABSENT:
        raise InvalidCall("too many arguments")
    return result


def _fn_join(args: Sequence[Any]) -> Any:
    if len(args) < 2:
        raise InvalidCall("wrong number of arguments")
    separator = _string_arg(args[0])
    items = [item for arg in args[1:] for item in _shape(arg, list)]
    return separator.join(_string_arg(item) for item in items)


def _fn_split(args: Sequence[Any]) -> Any:
    _arity(args, 2)
    return _string_arg(args[1]).split(_string_arg(args[0]))


def _fn_coalesce(args: Sequence[Any]) -> Any:
    for arg in args:
        if isinstance(arg, (Unknown, Choice, Reference)):
            raise NotKnown
        if arg is not None and arg != "":
            return arg
    raise InvalidCall("no non-null, non-empty argument")


def _fn_lookup(args: Sequence[Any]) -> Any:
    _arity(args, 2, 3)
    mapping = _shape(args[0], dict)
    key = _string_arg(args[1])
    if key in mapping:
        return mapping[key]
    if len(args) == 3:
        return args[2]
    raise InvalidCall(f"no key {key!r}")


def _fn_length(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    value = args[0]
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (Unknown, Choice, Reference)):
        raise NotKnown
    if isinstance(value, (list, dict)):
        return len(value)
    raise InvalidCall("expected a collection or string")


def _fn_min(args: Sequence[Any]) -> Any:
    if not args:
        raise InvalidCall("needs at least one argument")
    return min(_number_arg(a) for a in args)


def _fn_max(args: Sequence[Any]) -> Any:
    if not args:
        raise InvalidCall("needs at least one argument")
    return max(_number_arg(a) for a in args)


def _fn_try(args: Sequence[Any]) -> Any:
    """The first argument that is not an error; an unknown one before it makes the result
    unknown (it might or might not fail)."""
    for arg in args:
        if is_invalid(arg):
            continue
        if isinstance(arg, (Unknown, Choice)):
            raise NotKnown
        return arg
    raise InvalidCall("no argument succeeded")


def _fn_can(args: Sequence[Any]) -> Any:
    _arity(args, 1)
    if is_invalid(args[0]):
        return False
    if isinstance(args[0], (Unknown, Choice)):
        raise NotKnown
    return True


FUNCTIONS: dict[str, Callable[[Sequence[Any]], Any]] = {
    "jsonencode": _fn_jsonencode,
    "jsondecode": _fn_jsondecode,
    "merge": _fn_merge,
    "concat": _fn_concat,
    "lower": _fn_lower,
    "upper": _fn_upper,
    "tostring": _fn_tostring,
    "tonumber": _fn_tonumber,
    "tobool": _fn_tobool,
    "tolist": _fn_tolist,
    "toset": _fn_toset,
    "tomap": _fn_tomap,
    "format": _fn_format,
    "join": _fn_join,
    "split": _fn_split,
    "coalesce": _fn_coalesce,
    "lookup": _fn_lookup,
    "length": _fn_length,
    "min": _fn_min,
    "max": _fn_max,
    "try": _fn_try,
    "can": _fn_can,
}
