"""One finding per location: findings of one rule on resources sharing one written value."""

from __future__ import annotations

from opslint.colocated import merge_colocated
from opslint.model import Finding, Severity

RULE = "OPS04-BP05/lambda-tracing"


def finding(resource: str, line: int = 4, *, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(
        rule_id=RULE,
        practice_id="OPS04-BP05",
        severity=severity,
        path="template.yaml",
        line=line,
        end_line=line,
        message=f"Lambda function `{resource}` is not traced: set `Tracing` to Active",
        resource=resource,
        fingerprint=f"fp-{resource}",
    )


def test_findings_on_one_location_become_one_naming_every_resource() -> None:
    merged = merge_colocated(
        [(finding("A"), True), (finding("B"), True), (finding("C"), True), (finding("D", 9), True)]
    )
    assert [(f.resource, f.line, f.fingerprint, f.message) for f in merged] == [
        (
            "A",
            4,
            "fp-A",
            "Lambda function `A` (also `B` and `C`, from the same setting) is not traced: "
            "set `Tracing` to Active",
        ),
        ("D", 9, "fp-D", "Lambda function `D` is not traced: set `Tracing` to Active"),
    ]


def test_findings_that_differ_stay_apart() -> None:
    other_rule = Finding(
        rule_id="OPS08-BP01/alarm-coverage",
        practice_id="OPS08-BP01",
        severity=Severity.WARNING,
        path="template.yaml",
        line=4,
        end_line=4,
        message="Lambda function `B` is not traced: set `Tracing` to Active",
        resource="B",
    )
    note = finding("C", severity=Severity.NOTE)
    unnamed = Finding(RULE, "OPS04-BP05", Severity.WARNING, "template.yaml", 4, 4, "no name")
    kept = [finding("A"), other_rule, note, unnamed]
    assert merge_colocated((f, True) for f in kept) == kept


def test_findings_inside_their_own_resource_are_never_merged() -> None:
    # resources written on one line, or all located at a plan's first line
    kept = [finding("A"), finding("B")]
    assert merge_colocated((f, False) for f in kept) == kept
