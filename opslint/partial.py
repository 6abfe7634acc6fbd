"""Values that are partly known (:class:`opslint.model.Partial`): how parsers build them and
how rules read their known parts.

A string built from known text and unknown pieces (a Terraform template with an unresolved
interpolation, ``Fn::Sub``, ``Fn::Join``) keeps its pieces in order; JSON text (``jsonencode``
of partly known values, a JSON template) keeps its decoded structure with unknown leaves when
that structure cannot depend on the unknown pieces (each sits inside a JSON string, or is a
whole value ``jsonencode`` wrote). Rules read them with :func:`text_parts` and
:func:`json_document` and report only from known parts that decide the question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from opslint.model import Choice, Partial, Reference, Unknown

_TOKEN = re.compile("\ue000(\\d+)\ue001")


def _token(index: int) -> str:
    # private-use characters: never in the JSON text a template writes around them
    return f"\ue000{index}\ue001"


def piece(value: Any, source: str = "") -> Unknown:
    """An unknown piece of text for ``value`` (a Reference, a Choice, an Unknown)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Reference):  # its source is the reference: rules read the attribute
        return Unknown("reference", str(value), (value.address,))
    return Unknown("one of several values", source)


def compose(
    parts: Iterable[str | Unknown], reason: str, source: str = "", references: Sequence[str] = ()
) -> str | Partial:
    """The text of ``parts`` when all are known, else a :class:`Partial` (nested partial
    pieces flattened, adjacent text joined, JSON text decoded)."""
    flat: list[str | Unknown] = []
    for part in parts:
        pieces: Iterable[str | Unknown] = (
            part.parts if isinstance(part, Partial) and part.parts else (part,)
        )
        for item in pieces:
            if isinstance(item, str):
                if flat and isinstance(flat[-1], str):
                    flat[-1] += item
                elif item:
                    flat.append(item)
            else:
                flat.append(item)
    if all(isinstance(item, str) for item in flat):
        return "".join(item for item in flat if isinstance(item, str))
    return Partial(reason, source, tuple(references), tuple(flat), _decode(flat))


def encode(value: Any, json_encode: Callable[[Any], str], source: str = "") -> Partial:
    """``jsonencode`` of a value whose outer structure is known and some leaves are not: the
    text with unknown pieces, and ``value`` itself as the document."""
    parts: list[str | Unknown] = []

    def walk(item: Any) -> None:
        if isinstance(item, Partial) and item.parts:
            parts.append('"')
            for part in item.parts:
                parts.append(json_encode(part)[1:-1] if isinstance(part, str) else part)
            parts.append('"')
        elif isinstance(item, (Unknown, Reference, Choice)):
            parts.append(piece(item))
        elif isinstance(item, dict):
            parts.append("{")
            for index, key in enumerate(sorted(item)):
                parts.append(("," if index else "") + json_encode(key) + ":")
                walk(item[key])
            parts.append("}")
        elif isinstance(item, list):
            parts.append("[")
            for index, element in enumerate(item):
                if index:
                    parts.append(",")
                walk(element)
            parts.append("]")
        else:
            parts.append(json_encode(item))

    walk(value)
    merged = compose(parts, "jsonencode of partly known values", source)
    references = sorted(
        {ref for part in parts if isinstance(part, Unknown) for ref in part.references}
    )
    if isinstance(merged, Partial):
        return Partial(merged.reason, source, tuple(references), merged.parts, value)
    return Partial("jsonencode of partly known values", source, tuple(references), (merged,), value)


def text_parts(value: Any) -> tuple[str | Unknown, ...] | None:
    """The pieces of a string value: ``(text,)`` for a known string, the parts of a partial
    one; None for anything else (not a string, or nothing of it known)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Partial) and value.parts:
        return value.parts
    return None


def known_text(value: Any) -> list[str]:
    """The known pieces of a string value (empty when nothing of it is known)."""
    return [part for part in text_parts(value) or () if isinstance(part, str)]


def json_document(value: Any) -> Any:
    """The JSON document a value holds: a known string decoded, or a partial value's decoded
    structure with unknown leaves; None when there is none (not JSON, or its structure
    depends on unknown pieces)."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] not in ("{", "["):
            return None
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return None
    if isinstance(value, Partial):
        return value.document
    return None


def stand_in(value: Any, neutral: str = "x") -> str | None:
    """The text of a string value with each unknown piece replaced by ``neutral``; None when
    it is not a string value."""
    parts = text_parts(value)
    if parts is None:
        return None
    return "".join(part if isinstance(part, str) else neutral for part in parts)


def unknown_pieces(value: Any) -> list[Unknown]:
    """The unknown pieces of a partly known string value."""
    return [part for part in text_parts(value) or () if not isinstance(part, str)]


def filled(value: Any, neutral: str = "x") -> str | None:
    """The text of a string value with each unknown piece replaced by ``neutral``, when every
    unknown piece sits inside a JSON string (so the text's JSON structure, or its invalidity,
    does not depend on them); None otherwise."""
    parts = text_parts(value)
    if parts is None:
        return None
    return _joined(parts, lambda index: neutral)


def _joined(parts: Sequence[str | Unknown], stand_in: Callable[[int], str]) -> str | None:
    """The parts joined with ``stand_in(i)`` for the i-th unknown piece; None when an unknown
    piece lies outside a JSON string."""
    out: list[str] = []
    in_string = False
    escaped = False
    unknowns = 0
    for part in parts:
        if isinstance(part, str):
            for char in part:
                if escaped:
                    escaped = False
                elif in_string and char == "\\":
                    escaped = True
                elif char == '"':
                    in_string = not in_string
            out.append(part)
            continue
        if not in_string or escaped:
            return None
        out.append(stand_in(unknowns))
        unknowns += 1
    return "".join(out)


def _decode(parts: Sequence[str | Unknown]) -> Any:
    """The JSON document of partly known text, with its unknown pieces as leaves; None when it
    is not JSON or its structure depends on them."""
    first = next((p for p in parts if not isinstance(p, str) or p.strip()), None)
    if not isinstance(first, str) or first.lstrip()[:1] not in ("{", "["):
        return None
    unknowns = [part for part in parts if not isinstance(part, str)]
    text = _joined(parts, _token)
    if text is None:
        return None
    try:
        return _restore(json.loads(text), unknowns)
    except (ValueError, RecursionError):  # not JSON, or an unknown piece in a key
        return None


def _restore(value: Any, unknowns: Sequence[Unknown]) -> Any:
    if isinstance(value, str):
        if "\ue000" not in value:
            return value
        pieces: list[str | Unknown] = []
        position = 0
        for match in _TOKEN.finditer(value):
            pieces.append(value[position : match.start()])
            pieces.append(unknowns[int(match.group(1))])
            position = match.end()
        pieces.append(value[position:])
        if len(pieces) == 3 and pieces[0] == "" and pieces[2] == "":
            return pieces[1]  # the whole string is the unknown piece
        return compose(pieces, "text with unresolved parts")
    if isinstance(value, dict):
        if any("\ue000" in key for key in value):
            raise ValueError("a key depends on an unknown piece")
        return {key: _restore(item, unknowns) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore(item, unknowns) for item in value]
    return value
