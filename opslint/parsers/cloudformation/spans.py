"""Where a decoded node ends: the last line of its content, for the spans of resources and
properties (block collections end where the next token starts, after blank and comment
lines)."""

from __future__ import annotations

import re
from typing import Any

from opslint.parsers.cloudformation.decoding import intrinsic_name, line_of
from opslint.parsers.cloudformation.sam import MergedDict, MergedList

# YAML's line breaks (libyaml counts NEL, LS and PS too); str.splitlines() knows more.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class EndLines:
    """Last lines of the nodes of one template text (memoised per node)."""

    def __init__(self, text: str) -> None:
        self.lines = _LINE_BREAK.split(text.removeprefix("\ufeff"))
        # id(node) -> (node, end): the node is kept so that its id cannot be reused.
        self._ends: dict[int, tuple[Any, int | None]] = {}

    def end(self, node: Any) -> int | None:
        """0-based last line of ``node``'s content, ``None`` when nothing in it carries marks.

        A block collection's end mark is the next token (after blank lines and comments), so
        its end is the line before that mark with trailing blank and comment lines dropped, and
        never before the end of its last marked descendant (a block scalar may end in ``#``
        lines that are text, not comments).
        """
        memo = self._ends.get(id(node))
        if memo is not None:
            return memo[1]
        end = self._compute_end(node)
        self._ends[id(node)] = (node, end)
        return end

    def _compute_end(self, node: Any) -> int | None:
        if isinstance(node, (MergedDict, MergedList)):
            if node.origin is not None:
                return self.end(node.origin)
            return self._children_end(node)
        start = getattr(node, "start_mark", None)
        stop = getattr(node, "end_mark", None)
        if start is None or stop is None:
            return self._children_end(node)
        first, last, column = int(start.line), int(stop.line), int(stop.column)
        # A tag on a scalar (``!Sub |`` block) carries the scalar's marks; its value is a plain
        # str (long-form values are str_node and have marks of their own).
        scalar = isinstance(node, str) or (
            intrinsic_name(node) is not None and type(next(iter(node.values()))) is str
        )
        if not scalar and column > 0 and self._line(last)[column - 1 : column] in ("]", "}"):
            return last  # a flow collection ends at its closing bracket
        if last > first and not self._line(last)[:column].strip():
            last -= 1  # the mark is at the start of the next token's line
        while last > first and self._is_filler(last, comments=not scalar):
            last -= 1
        if scalar:
            return last
        children = self._children_end(node)
        return last if children is None else max(last, children)

    def _children_end(self, node: Any) -> int | None:
        ends: list[int | None] = []
        if isinstance(node, dict):
            for key, value in node.items():
                line = line_of(key)
                ends.append(line - 1 if line is not None else None)
                ends.append(self.end(value))
        elif isinstance(node, (list, tuple)):
            ends.extend(self.end(item) for item in node)
        known = [end for end in ends if end is not None]
        return max(known) if known else None

    def _line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def _is_filler(self, index: int, comments: bool) -> bool:
        text = self._line(index).strip()
        return not text or (comments and text.startswith("#"))
