"""``--format junit``: JUnit XML for GitLab, Jenkins and Azure DevOps test reports.

One ``<testsuite>`` per rule that ran (named by rule ID) and one ``opslint`` suite for
engine findings (unreadable input, a crashed rule). GitLab shows a test case's
``classname`` as its suite and keys test cases by ``classname`` and ``name`` (duplicates
are dropped), so a test case is ``classname=<rule ID>``, ``name=<unit>``: one per rule and
unit (Terraform module folder or template file) in the rule's scope, passing, or failing
with a ``<failure>`` (engine findings: an ``<error>``) whose ``message`` summarises and
whose text lists every finding as ``path:line: severity message [resource]`` (GitLab shows
only the text; Jenkins and Azure DevOps show both). The keys stay the same from run to run,
so a fixed finding shows as a fixed test. A rule with nothing in scope is one skipped test
case, ``nothing in scope``.

Times are ``0`` and nothing depends on the clock or host, so the same result gives the
same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from opslint import sanitize
from opslint.model import Finding, Severity
from opslint.report import ReportOptions
from opslint.result import Result, fails

ENGINE_SUITE = "opslint"
SKIPPED_NAME = "nothing in scope"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold, even escaped (control characters, lone surrogates)."""


def xml_text(text: str) -> str:
    """``text`` on one line (:func:`opslint.sanitize.escape`) with the characters XML cannot
    hold written as ``\\xNN``/``\\uNNNN``; ElementTree escapes the rest but would write
    these as they are (ill-formed XML)."""
    return _xml_chars(sanitize.escape(text))


def _xml_chars(text: str) -> str:
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)


def render(result: Result, options: ReportOptions) -> str:
    unit_of = {path: unit for unit, files in result.unit_files.items() for path in files}
    cases: dict[tuple[str, str], list[Finding]] = {}
    for rule_id, units in result.scope.items():
        for unit in units:
            cases.setdefault((rule_id, unit), [])
    for finding in result.findings:
        unit = unit_of.get(finding.path, finding.path)
        cases.setdefault((finding.rule_id, unit), []).append(finding)
    rule_ids = {rule.id for rule in result.rules}
    rule_ids.update(f.rule_id for f in result.findings if f.practice_id)
    engine_ids = {f.rule_id for f in result.findings if not f.practice_id}
    suites = [(rule_id, {rule_id}) for rule_id in sorted(rule_ids)]
    if engine_ids:
        suites.append((ENGINE_SUITE, engine_ids))

    root = ET.Element("testsuites", name="opslint")
    for suite_name, ids in suites:
        suite = ET.SubElement(root, "testsuite", name=xml_text(suite_name))
        keys = sorted(key for key in cases if key[0] in ids)
        for rule_id, unit in keys:
            _testcase(suite, rule_id, unit, cases[rule_id, unit], result.fail_on)
        if not keys:
            case = ET.SubElement(
                suite, "testcase", classname=xml_text(suite_name), name=SKIPPED_NAME, time="0"
            )
            ET.SubElement(case, "skipped", message="no resource in this rule's scope")
        _count(suite)
    _count(root)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _testcase(
    suite: ET.Element, rule_id: str, unit: str, findings: list[Finding], fail_on: Severity | None
) -> None:
    """A passing case, or one failing with the findings; findings below ``fail_on`` do not
    fail the run, so their case passes and lists them in ``system-out``."""
    case = ET.SubElement(
        suite,
        "testcase",
        classname=xml_text(rule_id),
        name=xml_text(unit),
        file=xml_text(findings[0].path if findings else unit),
        time="0",
    )
    if not findings:
        return
    first = findings[0]
    if len(findings) == 1:
        message = f"line {first.line}: {_describe(first)}"
    else:
        message = f"{len(findings)} findings; first, line {first.line}: {_describe(first)}"
    worst = max((f.severity for f in findings), key=lambda s: s.rank)
    listing = _xml_chars(
        "\n".join(
            f"{sanitize.path(f.path)}:{f.line}: {f.severity.value} {sanitize.escape(_describe(f))}"
            for f in findings
        )
    )
    if not fails(worst, fail_on):
        ET.SubElement(case, "system-out").text = listing
        return
    outcome = ET.SubElement(
        case,
        "failure" if first.practice_id else "error",
        message=xml_text(message),
        type=worst.value,
    )
    outcome.text = listing


def _describe(finding: Finding) -> str:
    return f"{finding.message} [{finding.resource_label}]" if finding.resource else finding.message


def _count(element: ET.Element) -> None:
    """Set ``tests``, ``failures``, ``errors`` and ``time`` from the test cases below."""
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    element.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    element.set("time", "0")
