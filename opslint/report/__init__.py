"""Reporters: each renders one :class:`~opslint.runner.Result`; none re-derives anything."""

from __future__ import annotations

from collections.abc import Callable

from opslint.runner import Result

Renderer = Callable[[Result, bool], str]


def _text(result: Result, color: bool) -> str:
    from opslint.report.text import render

    return render(result, color=color)


def _json(result: Result, color: bool) -> str:
    from opslint.report.json import render

    return render(result)


REPORTERS: dict[str, Renderer] = {"text": _text, "json": _json}
FORMATS = tuple(REPORTERS)


def render(result: Result, fmt: str, *, color: bool = False) -> str:
    return REPORTERS[fmt](result, color)
