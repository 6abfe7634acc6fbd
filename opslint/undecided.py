"""Checks that could not decide: a rule met a value opslint could not resolve.

Such a check never produces a finding, but users must see what opslint could not judge
rather than read silence as a pass. The runner opens a :class:`Recorder` around each rule's
run on a unit; :func:`opslint.rule.every_alternative` (which ``Expect`` and most rules use)
notes every unknown value it meets, and the resource being checked when the rule's check
runs per resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from opslint.model import Partial, Reference, Resource, Unknown


@dataclass(frozen=True, order=True)
class Undecided:
    """A check that could not decide: ``unknown`` says what was not known (``var.retention``,
    ``module.logs.name``, a data source)."""

    path: str
    resource: str
    rule_id: str
    unknown: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "path": self.path,
            "resource": self.resource,
            "unknown": self.unknown,
        }


@dataclass
class Recorder:
    rule_id: str
    path: str
    resource: Resource | None = None
    found: dict[tuple[str, str, str], Undecided] = field(default_factory=dict)

    def note(self, value: Any) -> None:
        if isinstance(value, Partial) and value.parts:  # what is unknown: its pieces
            for part in value.parts:
                if isinstance(part, Unknown):
                    self.note(part)
            return
        if isinstance(value, Unknown):
            if value.references and not any(_outside(r) for r in value.references):
                return  # worked out from resources of the unit (an ARN with a suffix)
            what = value.source or value.reason
        elif isinstance(value, Reference):
            # a resource of the unit is something rules can follow; what they cannot is a
            # module call not followed or a data source (read at plan time)
            what = str(value)
            parts = value.address.split(".")
            if parts[-2:-1] == ["module"] or (len(parts) == 2 and parts[0] == "module"):
                what += f" ({'.'.join(parts[-2:])} not followed)"
            elif len(parts) >= 3 and parts[-3] == "data":
                what += " (a data source)"
            else:
                return
        else:
            return
        resource = self.resource
        path = resource.path if resource is not None else self.path
        name = resource.name if resource is not None else ""
        self.found.setdefault((path, name, what), Undecided(path, name, self.rule_id, what[:200]))


def _outside(address: str) -> bool:
    """A module call opslint did not follow or a data source: not in the unit."""
    parts = address.split(".")
    return parts[-2:-1] == ["module"] or parts[0] == "data" or "data" in parts[-3:-2]


_RECORDER: ContextVar[Recorder | None] = ContextVar("opslint_undecided", default=None)


@contextmanager
def recording(rule_id: str, path: str) -> Iterator[Recorder]:
    recorder = Recorder(rule_id, path)
    token = _RECORDER.set(recorder)
    try:
        yield recorder
    finally:
        _RECORDER.reset(token)


def note(value: Any) -> None:
    """Record that a check met ``value`` (an Unknown or Reference) and could not decide."""
    recorder = _RECORDER.get()
    if recorder is not None:
        recorder.note(value)


def checking(resource: Resource | None) -> None:
    """The resource a per-resource check is looking at (where undecided checks are listed)."""
    recorder = _RECORDER.get()
    if recorder is not None:
        recorder.resource = resource
