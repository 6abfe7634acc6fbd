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


SAM_GLOBALS = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.6
    Tracing: PassThrough
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.handler
      CodeUri: src/
  Payments:
    Type: AWS::Serverless::Function
    Properties:
      Handler: payments.handler
      CodeUri: src/
"""


def test_every_rule_reporting_on_a_globals_value_reports_once() -> None:
    from opslint.api import lint

    rules = ["OPS05-BP05/lambda-runtime-supported", "OPS04-BP05/lambda-tracing"]
    result = lint({"template.yaml": SAM_GLOBALS}, select=rules)
    assert [
        (f.rule_id, f.practice_id, f.path, f.line, f.resource, f.message) for f in result.findings
    ] == [
        (
            "OPS05-BP05/lambda-runtime-supported",
            "OPS05-BP05",
            "template.yaml",
            5,
            "Orders",
            "Lambda function `Orders` (also `Payments`, from the same setting) uses runtime "
            "`python3.6`, which Lambda has blocked for creating and updating functions since "
            "2022-08-29: upgrade to `python3.14`",
        ),
        (
            "OPS04-BP05/lambda-tracing",
            "OPS04-BP05",
            "template.yaml",
            6,
            "Orders",
            "Lambda function `Orders` (also `Payments`, from the same setting) sets `Tracing` "
            'to "PassThrough": set it to "Active"',
        ),
    ]


def test_a_suppression_on_one_of_the_resources_still_takes_its_finding_out() -> None:
    from opslint.api import lint

    rule = "OPS05-BP05/lambda-runtime-supported"
    text = SAM_GLOBALS.replace(
        "  Payments:\n", f"  # opslint:ignore {rule} -- migrated next sprint\n  Payments:\n"
    )
    result = lint({"template.yaml": text}, select=[rule])
    assert [(f.rule_id, f.line, f.resource, f.message) for f in result.findings] == [
        (
            rule,
            5,
            "Orders",
            "Lambda function `Orders` uses runtime `python3.6`, which Lambda has blocked for "
            "creating and updating functions since 2022-08-29: upgrade to `python3.14`",
        )
    ]
    assert [(f.resource, f.line) for f in result.suppressed] == [("Payments", 5)]
