"""Template text: the escapes of quoted HCL strings, heredoc bodies, and template text (a JSON
string, a heredoc body) rewritten as a quoted HCL string so that the HCL front-end can parse
it."""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """Resolve the escapes of a quoted HCL string (``\\n``, ``\\"``, ``\\\\``, ``\\uXXXX``, ...);
    an unknown escape is kept as written."""
    if "\\" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code is not None:
            point = int(code, 16)
            if point > 0x10FFFF or 0xD800 <= point < 0xE000:
                return match.group(0)
            return chr(point)
        return _SIMPLE_ESCAPES.get(match.group(3), match.group(0))

    return _ESCAPE.sub(replace, text)


def heredoc_body(token: str) -> tuple[str, bool]:
    """The text of a heredoc token (``<<EOT\\n...\\nEOT\\n``) and whether it was ``<<-``.

    Like Terraform, the text keeps the newline that ends its last line; ``<<-`` removes the
    smallest indentation (spaces or tabs, one character each) of the lines that have content,
    and leaves lines that are shorter than it as they are.
    """
    header = token.find("\n")
    trim = token.startswith("<<-")
    body = token[header + 1 :].rstrip("\r\n")
    last_line = body.rfind("\n")
    text = body[: last_line + 1] if last_line >= 0 else ""
    if trim and text:
        lines = text.split("\n")
        indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip(" \t")]
        strip = min(indents, default=0)
        lines = [ln[strip:] if not ln[:strip].strip(" \t") else ln for ln in lines]
        text = "\n".join(lines)
    return text, trim


def quote_template(raw: str) -> str | None:
    """Turn template text (a JSON string, a heredoc body) into a quoted HCL string with the same
    meaning: literal text is escaped, ``${...}`` and ``%{...}`` are kept as written. None when an
    interpolation is not terminated."""
    out = ['"']
    index, length = 0, len(raw)
    while index < length:
        char = raw[index]
        if char in "$%" and raw.startswith("{", index + 1):
            end = _expression_end(raw, index + 2)
            if end < 0:
                return None
            out.append(raw[index:end])
            index = end
            continue
        if char in "$%" and raw.startswith(char + "{", index + 1):  # $${ and %%{ escapes
            out.append(raw[index : index + 3])
            index += 3
            continue
        out.append(_QUOTE_ESCAPES.get(char, char))
        index += 1
    out.append('"')
    return "".join(out)


_QUOTE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _expression_end(text: str, index: int) -> int:
    """Index just after the ``}`` closing the interpolation whose body starts at ``index``,
    skipping nested braces and quoted strings; -1 when there is none."""
    depth = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            index = _string_end(text, index + 1)
            if index < 0:
                return -1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index + 1
            depth -= 1
        index += 1
    return -1


def _string_end(text: str, index: int) -> int:
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
        elif char == '"':
            return index + 1
        elif char in "$%" and text.startswith("{", index + 1):
            index = _expression_end(text, index + 2)
            if index < 0:
                return -1
        else:
            index += 1
    return -1
