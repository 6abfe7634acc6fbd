"""Consistency mode: a convention is enforced in a unit only once the unit has adopted it.

A rule collects, for every resource in its scope, whether the resource carries the
convention (True), lacks it (False) or cannot be told (None: an unresolved value). When at
least one resource carries it, the others that lack it are reported, and the message states
the adoption ("3 of 4 data stores in this module carry `data-classification`"). A unit
that never adopted the convention produces no finding, unless the rule's ``required``
option asks for it everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from opslint.model import Resource, Unit


@dataclass(frozen=True)
class Evidence:
    """What one resource shows: ``carries`` True / False / None (unknown) and, when it
    carries the convention, the spelling it uses (a tag key, a naming token)."""

    resource: Resource
    carries: bool | None
    spelling: str = ""


@dataclass(frozen=True)
class Adoption:
    """The evidence of every in-scope resource of one unit."""

    unit: Unit
    evidence: tuple[Evidence, ...]

    @property
    def carrying(self) -> list[Evidence]:
        return [e for e in self.evidence if e.carries is True]

    @property
    def lacking(self) -> list[Resource]:
        return [e.resource for e in self.evidence if e.carries is False]

    @property
    def adopted(self) -> bool:
        return bool(self.carrying)

    def spelling(self, default: str) -> str:
        """The most common spelling among the resources that carry the convention."""
        counts = Counter(e.spelling for e in self.carrying if e.spelling)
        return counts.most_common(1)[0][0] if counts else default

    def to_report(self, required: bool) -> list[Resource]:
        """The resources to report: those lacking the convention once the unit adopted it,
        or always when ``required``."""
        return self.lacking if (required or self.adopted) else []

    def statement(
        self, noun: str, what: str = "", verb: str = "carry", verb_one: str = "carries"
    ) -> str:
        """``3 of 4 data stores in this module carry `data-classification```: the most
        common spelling, or ``what`` when the carriers name none."""
        where = unit_noun(self.unit)
        total = len(self.evidence)
        if not self.adopted:
            return f"none of the {total} {noun} in this {where} {verb} one"
        carried = f"`{self.spelling('')}`" if self.spelling("") else what
        count = len(self.carrying)
        said = verb_one if count == 1 else verb
        return f"{count} of {total} {noun} in this {where} {said} {carried}"


def adoption(
    unit: Unit, resources: Iterable[Resource], judge: Callable[[Resource], Evidence]
) -> Adoption:
    """Judge every resource in scope."""
    return Adoption(unit, tuple(judge(r) for r in resources))


def unit_noun(unit: Unit) -> str:
    return "module" if unit.framework == "terraform" else "template"
