"""``--format junit``: exact XML, well-formed whatever the input, counts that add up."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

from opslint.cli import main
from opslint.config import Config
from opslint.model import Finding, Severity
from opslint.registry import load_registry
from opslint.report import render
from opslint.report.junit import xml_text
from opslint.result import Result
from opslint.runner import run

LOG_FAIL = FIXTURES / "OPS08-BP02/log-group-retention/terraform-fail"
LOG_PASS = FIXTURES / "OPS08-BP02/log-group-retention/terraform-pass"
RULE = "OPS08-BP02/log-group-retention"
TRACING = "OPS04-BP05/lambda-tracing"
MODULE = "fixtures/OPS08-BP02/log-group-retention/terraform-fail"
MAIN_TF = f"{MODULE}/main.tf"
HOSTILE = (
    'x|<img src=x onerror="alert(1)">',
    "]]> <![CDATA[ &amp; &#0; &",
    "line1\nline2\r\nline3\ttab",
    "control \x00 \x08 \x0b \x1b[31m \x7f",
    "lone surrogate \udcff, non-character \ufffe",
    "ünïcödé ✓ 🚀",
)


def log_line(line: int, name: str) -> str:
    return (
        f"{MAIN_TF}:{line}: warning Log group `aws_cloudwatch_log_group.{name}` never expires: "
        f"set `retention_in_days` (e.g. 30) [aws_cloudwatch_log_group.{name}]"
    )


FIXTURE_XML = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="opslint" tests="1" failures="1" errors="0" skipped="0" time="0">
  <testsuite name="{RULE}" tests="1" failures="1" errors="0" skipped="0" time="0">
    <testcase classname="{RULE}" name="{MODULE}" file="{MAIN_TF}" time="0">
      <failure message="4 findings; first, line 7: Log group `aws_cloudwatch_log_group.app` \
never expires: set `retention_in_days` (e.g. 30) [aws_cloudwatch_log_group.app]" \
type="warning">{log_line(7, "app")}
{log_line(13, "zero")}
{log_line(18, "from_variable")}
{log_line(23, "both_branches")}</failure>
    </testcase>
  </testsuite>
</testsuites>
"""


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def check_counts(text: str) -> ET.Element:
    """Parse the report back and check every ``tests``/``failures``/``errors``."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    for element in (root, *root.iter("testsuite")):
        cases = list(element.iter("testcase"))
        assert element.get("tests") == str(len(cases))
        failures = sum(1 for case in cases if case.find("failure") is not None)
        errors = sum(1 for case in cases if case.find("error") is not None)
        assert element.get("failures") == str(failures)
        assert element.get("errors") == str(errors)
        skipped = sum(1 for case in cases if case.find("skipped") is not None)
        assert element.get("skipped") == str(skipped)
        assert element.get("time") == "0"
    keys = [(case.get("classname"), case.get("name")) for case in root.iter("testcase")]
    assert len(keys) == len(set(keys)), "GitLab drops test cases with the same key"
    return root


def test_fixture_run_gives_exact_xml() -> None:
    result = run([str(LOG_FAIL)], load_registry(entry_points=False), Config(select=(RULE,)), jobs=1)
    text = render(result, "junit")
    assert text == FIXTURE_XML
    check_counts(text)


def test_cli_writes_the_xml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["check", str(LOG_FAIL), "--select", RULE, "--format", "junit"])
    assert code == 1
    assert capsys.readouterr().out == FIXTURE_XML
    report = tmp_path / "opslint.xml"
    code = main(["check", str(LOG_FAIL), "--select", RULE, "--format", f"junit:{report}"])
    assert code == 1
    assert report.read_text(encoding="utf-8") == FIXTURE_XML


def test_units_in_scope_pass_and_a_rule_with_nothing_in_scope_is_skipped() -> None:
    result = run(
        [str(LOG_PASS)], load_registry(entry_points=False), Config(select=(RULE, TRACING)), jobs=1
    )
    assert result.findings == ()
    module = "fixtures/OPS08-BP02/log-group-retention/terraform-pass"
    assert render(result, "junit") == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="opslint" tests="2" failures="0" errors="0" skipped="1" time="0">\n'
        f'  <testsuite name="{TRACING}" tests="1" failures="0" errors="0" skipped="1" time="0">\n'
        f'    <testcase classname="{TRACING}" name="nothing in scope" time="0">\n'
        '      <skipped message="no resource in this rule\'s scope" />\n'
        "    </testcase>\n"
        "  </testsuite>\n"
        f'  <testsuite name="{RULE}" tests="1" failures="0" errors="0" skipped="0" time="0">\n'
        f'    <testcase classname="{RULE}" name="{module}" file="{module}" time="0" />\n'
        "  </testsuite>\n"
        "</testsuites>\n"
    )


def test_engine_findings_are_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad/main.tf").write_text('resource "aws_cloudwatch_log_group" "x" {\n')
    (tmp_path / "logs").mkdir()
    shutil.copy(LOG_FAIL / "main.tf", tmp_path / "logs/main.tf")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties:\n      Runtime: python3.12\n"
    )
    monkeypatch.chdir(tmp_path)
    result = run(["."], load_registry(entry_points=False), Config(select=(RULE, TRACING)), jobs=1)
    text = render(result, "junit")
    root = check_counts(text)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "1")
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert list(suites) == [TRACING, RULE, "opslint"]
    engine = suites["opslint"].findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in engine] == [("opslint/parse-error", "bad")]
    error = engine[0].find("error")
    assert error is not None
    assert error.get("type") == "error"
    assert error.get("message") == ("line 1: invalid HCL: not closed before the end of the file")
    assert error.text == "bad/main.tf:1: error invalid HCL: not closed before the end of the file"
    (tracing,) = suites[TRACING].findall("testcase")
    failure = tracing.find("failure")
    assert failure is not None
    assert (tracing.get("name"), tracing.get("file")) == ("template.yaml", "template.yaml")
    assert failure.get("message") == (
        'line 2: Lambda function `Fn` is not traced: set `TracingConfig.Mode` to "Active" [Fn]'
    )


def test_failure_type_is_the_worst_severity() -> None:
    findings = tuple(
        Finding(RULE, "OPS08-BP02", severity, "a.tf", line, line, f"m{line}")
        for line, severity in ((1, Severity.NOTE), (2, Severity.ERROR), (3, Severity.WARNING))
    )
    result = Result(findings=findings, practices=(), rules=(), files=1, units=1)
    failure = check_counts(render(result, "junit")).find("./testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("type") == "error"
    assert failure.get("message") == "3 findings; first, line 1: m1"
    assert failure.text == "a.tf:1: note m1\na.tf:2: error m2\na.tf:3: warning m3"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_gives_well_formed_xml(hostile: str) -> None:
    findings = (
        Finding(RULE, "OPS08-BP02", Severity.WARNING, f"dir/{hostile}.tf", 3, 4, hostile, hostile),
        Finding(f"opslint/{hostile}", "", Severity.ERROR, hostile, 1, 1, hostile),
    )
    result = Result(findings=findings, practices=(), rules=(), files=1, units=1)
    text = render(result, "junit")
    text.encode("utf-8")  # no lone surrogate left to fail on
    root = check_counts(text)
    failure_case, error_case = root.iter("testcase")
    assert failure_case.get("name") == failure_case.get("file") == xml_text(f"dir/{hostile}.tf")
    failure = failure_case.find("failure")
    assert failure is not None
    assert failure.get("message") == xml_text(f"line 3: {hostile} [{hostile}]")
    listing = f"dir/{hostile}.tf:3: warning {hostile} [{hostile}]"
    assert failure.text == xml_text(listing)  # one line: input cannot start a line
    assert error_case.get("classname") == xml_text(f"opslint/{hostile}")
    assert error_case.get("name") == xml_text(hostile)


def test_xml_text_is_one_visible_line() -> None:
    assert xml_text("✓ 🚀 <&>") == "✓ 🚀 <&>"
    assert xml_text("tab\tnew\nline\r") == "tab\\x09new\\x0aline\\x0d"
    assert xml_text("a\x00b\x1bc\udcffd\ufffe") == "a\\x00b\\x1bc\\xffd\\ufffe"


def test_findings_below_fail_on_are_not_failures() -> None:
    """A green pipeline shows no failed test: with --fail-on error, warnings and notes are
    listed in the passing test case's output."""
    findings = tuple(
        Finding(RULE, "OPS08-BP02", severity, "a.tf", line, line, f"m{line}")
        for line, severity in ((1, Severity.NOTE), (2, Severity.WARNING))
    )
    result = Result(
        findings=findings, practices=(), rules=(), files=1, units=1, fail_on=Severity.ERROR
    )
    root = check_counts(render(result, "junit"))
    assert root.get("failures") == "0" and root.get("errors") == "0"
    case = root.find("./testsuite/testcase")
    assert case is not None and case.find("failure") is None
    assert case.findtext("system-out") == "a.tf:1: note m1\na.tf:2: warning m2"
    failing = Result(findings=findings, practices=(), rules=(), files=1, units=1)
    assert check_counts(render(failing, "junit")).get("failures") == "1"
