"""Make what came from the scanned code safe to print.

Paths, resource names, messages (which quote attribute values) and configuration keys come
from files a pull request may have written. Printed as they are, they could move the cursor,
clear the screen or set the terminal title (ANSI escapes), hide text (bidirectional
overrides), end a line and start a GitHub Actions workflow command (``::error::``) in a job
log, or fail to encode at all (a file name that is not UTF-8 arrives as surrogate escapes).

Every reporter and every message opslint writes to standard error passes such text through
this module:

* :func:`escape` for human-facing text (text, github, markdown, junit, stderr; html through
  :func:`escape_keeping_tabs`, which keeps the indentation of source excerpts): control
  characters, line and paragraph separators and bidirectional controls become visible
  ``\\xNN``/``\\uNNNN`` escapes; a byte that was not UTF-8 in a file name becomes ``\\xNN``.
  The result is one line, so nothing from the input can start a line.
* :func:`path` for a path at the start of a line: also never starts with ``::``.
* :func:`json_text` (:func:`encodable`) for machine-readable output (json, sarif,
  baseline): the data stays exact (JSON escapes control characters itself) except for
  surrogates, which no UTF-8 output can hold; they become ``\\xNN``/``\\uNNNN`` text.
* :func:`uri_path` for a path inside a URI: percent-encoded from its bytes (lossless).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

_HIDDEN = (
    "\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
)
_UNSAFE = re.compile(f"[\x00-\x1f{_HIDDEN}]")
"""C0 and C1 controls (tab, newline and ESC among them), DEL, zero-width characters,
Unicode line and paragraph separators, bidirectional embeddings, overrides and isolates,
the byte order mark, surrogates and noncharacters."""
_UNSAFE_BUT_TAB = re.compile(f"[\x00-\x08\x0a-\x1f{_HIDDEN}]")
"""The same but the tab: for source lines, which keep their indentation."""
_SURROGATE = re.compile("[\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` on one line with nothing a terminal or a CI log would act on."""
    return _UNSAFE.sub(_visible, text)


def escape_keeping_tabs(text: str) -> str:
    """Like :func:`escape`, but a tab stays (the HTML report's source excerpts and text)."""
    return _UNSAFE_BUT_TAB.sub(_visible, text)


def path(text: str) -> str:
    """A path to print at the start of a line: escaped, and ``./`` before a leading ``::``
    so it cannot read as a workflow command."""
    shown = escape(text)
    return "./" + shown if shown.startswith("::") else shown


def encodable(value: Any) -> Any:
    """``value`` (JSON-like data: dicts, lists, strings, numbers) with every surrogate in
    its strings and keys written as an escape, so it encodes as UTF-8."""
    if isinstance(value, str):
        return _SURROGATE.sub(_visible, value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {encodable(key): encodable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encodable(item) for item in value]
    return value


def json_text(value: Any) -> str:
    """``value`` as indented JSON that encodes as UTF-8 (see :func:`encodable`); the data is
    walked only when a surrogate is there to replace."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")  # the check costs a few milliseconds; walking the data, more
    except UnicodeEncodeError:
        return json.dumps(encodable(value), indent=2, ensure_ascii=False)
    return text


def uri_path(text: str, safe: str = "/") -> str:
    """``text`` percent-encoded from the bytes the file system holds (a name that was not
    UTF-8 keeps its bytes: ``\\udcff`` → ``%FF``)."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an undecodable byte
        data = encodable(text).encode("utf-8")
    return quote(data, safe=safe)


__all__ = ["encodable", "escape", "escape_keeping_tabs", "json_text", "path", "uri_path"]
