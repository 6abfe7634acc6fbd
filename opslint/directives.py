"""``opslint:ignore`` directives written in a file's comments, found by the parsers while
they hold the file's text (see :mod:`opslint.suppress` for what they do)."""

from __future__ import annotations

import re

from opslint.model import Directive

MARKER = "opslint:ignore"
_DIRECTIVE = re.compile(r"opslint:(?P<kind>ignore-file|ignore)(?![\w-])(?P<body>.*)$")
_UNTIL = re.compile(r"(?<!\S)until=(?P<date>\S+)")
_COMMENT_LINE = re.compile(r"^\s*(#|//|/\*|\*|$)")


def scan_text(path: str, text: str) -> list[Directive]:
    """Every ``opslint:ignore`` directive written in a file's comments."""
    if MARKER not in text:
        return []
    lines = text.splitlines()
    code = [not _COMMENT_LINE.match(line) and not _json_comment_key(line) for line in lines]
    first_code = next((i + 1 for i, is_code in enumerate(code) if is_code), len(lines) + 1)
    directives = []
    for index, line in enumerate(lines):
        position = line.find(MARKER)
        if position < 0:
            continue
        prefix = line[:position]
        opener = _comment_opener(prefix)
        if opener is None:
            continue  # inside a string, not a comment
        match = _DIRECTIVE.search(line, position)
        if match is None:
            continue
        before = prefix[:opener].strip()
        trailing = bool(before) and not _json_comment_key(line)
        ids, reason, until = parse_body(match.group("body"))
        number = index + 1
        file_level = match.group("kind") == "ignore-file"
        directives.append(
            Directive(
                path=path,
                line=number,
                ids=ids,
                reason=reason,
                until=until,
                file_level=file_level,
                trailing=trailing,
                next_code_line=next((i + 1 for i in range(index + 1, len(lines)) if code[i]), None),
                misplaced=file_level and number > first_code,
            )
        )
    return directives


def _json_comment_key(line: str) -> bool:
    return line.lstrip().startswith('"//"')


def _comment_opener(prefix: str) -> int | None:
    """Where the comment holding the directive starts in ``prefix``, if it is a comment."""
    if _json_comment_key(prefix):
        return prefix.find('"//"')
    candidates = [prefix.rfind(token) for token in ("#", "//", "/*")]
    found = max(candidates)
    if found < 0:
        return None
    # a marker inside a quoted string ("a # b") is not a comment
    if prefix[:found].count('"') % 2 == 1:
        return None
    return found


def parse_body(body: str) -> tuple[tuple[str, ...], str, str | None]:
    """``" OPS08,OPS04 until=2027-01-31 -- reason */"`` → ids, reason, until."""
    body = body.strip().removesuffix("*/").rstrip().rstrip(",").rstrip().removesuffix('"')
    head, separator, reason = body.partition("--")
    until_match = _UNTIL.search(head) or _UNTIL.search(reason)
    until = until_match.group("date") if until_match else None
    if until_match:
        head = _UNTIL.sub("", head)
        reason = _UNTIL.sub("", reason)
    ids = tuple(part for part in re.split(r"[\s,]+", head.strip()) if part)
    return ids, reason.strip() if separator else "", until
