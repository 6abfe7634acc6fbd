"""Consistency mode: a convention is enforced only once a unit has adopted it, and the
message states the adoption."""

from __future__ import annotations

from opslint.aws.consistency import Evidence, adoption
from opslint.model import Resource, Span, Unit


def resource(name: str) -> Resource:
    return Resource("terraform", "aws_s3_bucket", name, "main.tf", Span(1, 1), {})


def unit(*resources: Resource) -> Unit:
    return Unit("terraform", "m", resources)


def test_reports_lacking_resources_once_adopted() -> None:
    a, b, c, d = (resource(n) for n in "abcd")
    verdicts = {
        "a": (True, "data-classification"),
        "b": (True, "DataClassification"),
        "c": (True, "data-classification"),
        "d": (False, ""),
    }
    seen = adoption(unit(a, b, c, d), [a, b, c, d], lambda r: Evidence(r, *verdicts[r.name]))
    assert seen.adopted
    assert seen.to_report(required=False) == [d]
    assert seen.statement("data stores") == (
        "3 of 4 data stores in this module carry `data-classification`"
    )


def test_silent_until_adopted_unless_required() -> None:
    a, b = resource("a"), resource("b")
    seen = adoption(unit(a, b), [a, b], lambda r: Evidence(r, False))
    assert not seen.adopted
    assert seen.to_report(required=False) == []
    assert seen.to_report(required=True) == [a, b]


def test_unknown_is_neither_carrier_nor_reported() -> None:
    a, b = resource("a"), resource("b")
    verdicts = {"a": True, "b": None}
    seen = adoption(unit(a, b), [a, b], lambda r: Evidence(r, verdicts[r.name]))
    assert seen.to_report(required=True) == []
    assert seen.statement("paging alarms", "a priority") == (
        "1 of 2 paging alarms in this module carries a priority"
    )
