"""``--format github``: workflow commands that the Actions runner reads back as the findings.

:func:`parse_command` parses a line the way the runner does (``ActionCommand.TryParseV2``,
``UnescapeProperty`` and ``UnescapeData`` in actions/runner
``src/Runner.Common/ActionCommand.cs``), so hostile paths, names and messages are checked
against the real protocol, not against our own escaping.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, REPO

from opslint.cli import main
from opslint.config import Config
from opslint.model import Finding, Severity
from opslint.registry import load_registry
from opslint.report import ReportOptions, render
from opslint.report.github import escape_data, escape_property
from opslint.result import Result
from opslint.runner import run

LOG_FAIL = FIXTURES / "OPS08-BP02/log-group-retention/terraform-fail"
MAIN_TF = "fixtures/OPS08-BP02/log-group-retention/terraform-fail/main.tf"
RULE = "OPS08-BP02/log-group-retention"
HOSTILE = (
    "x|<img src=x onerror=alert(1)>",
    "`a`",
    "[link](javascript:alert(1))",
    "a::b,c=d:e",
    "line1\nline2\r\n::error::injected",
    "100% %25 %0A %3A %2C %0D",
    "\r\n",
    "::",
    "ünïcödé ✓ 🚀",
)
DATA_MAPPINGS = (("\r", "%0D"), ("\n", "%0A"), ("%", "%25"))
PROPERTY_MAPPINGS = (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25"))

EXPECTED = "".join(
    f"::warning file={MAIN_TF},line={line},endLine={end},title={RULE}::Log group "
    f"`aws_cloudwatch_log_group.{name}` never expires: set `retention_in_days` (e.g. 30) "
    f"[aws_cloudwatch_log_group.{name}]\n"
    for line, end, name in (
        (7, 9, "app"),
        (13, 13, "zero"),
        (18, 18, "from_variable"),
        (23, 23, "both_branches"),
    )
) + ("opslint: 4 findings (0 error, 4 warning, 0 note) in 1 file, 1 unit, 1 rule\n")


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for token, replacement in mappings:
        text = text.replace(replacement, token)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """(command, properties, data) as the runner reads ``line``; None when it is not a
    command (the runner prints it as it is)."""
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    name, _, properties_text = line[2:end].partition(" ")
    properties = {}
    for pair in properties_text.strip().split(","):
        key, _, value = pair.partition("=")
        if key and value:
            properties[key] = unescape(value, PROPERTY_MAPPINGS)
    return name, properties, unescape(line[end + 2 :], DATA_MAPPINGS)


def finding(path: str, resource: str, message: str, severity: Severity) -> Finding:
    return Finding(
        rule_id=RULE,
        practice_id="OPS08-BP02",
        severity=severity,
        path=path,
        line=3,
        end_line=5,
        message=message,
        resource=resource,
    )


def result_of(*findings: Finding) -> Result:
    return Result(findings=findings, practices=(), rules=(), files=1, units=1)


def test_fixture_run_gives_exact_commands() -> None:
    result = run(
        [str(LOG_FAIL)],
        load_registry(entry_points=False),
        Config(select=(RULE,)),
        jobs=1,
    )
    assert render(result, "github") == EXPECTED


def test_cli_writes_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(LOG_FAIL), "--select", RULE, "--format", "github"])
    assert code == 1
    assert capsys.readouterr().out == EXPECTED


def test_no_findings_is_only_the_summary() -> None:
    text = render(result_of(), "github")
    assert text == "opslint: 0 findings (0 error, 0 warning, 0 note) in 1 file, 1 unit, 0 rules\n"
    assert parse_command(text) is None


def test_severities_map_to_error_warning_notice() -> None:
    text = render(
        result_of(*(finding("a.tf", "r", "m", severity) for severity in Severity)), "github"
    )
    assert [line.split(" ", 1)[0] for line in text.splitlines()[:3]] == [
        "::error",
        "::warning",
        "::notice",
    ]


def test_escaping_matches_the_toolkit() -> None:
    assert escape_data("100%\r\n:,") == "100%25%0D%0A:,"
    assert escape_property("100%\r\n:,") == "100%25%0D%0A%3A%2C"
    assert escape_property("%3A") == "%253A"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_round_trips_through_the_runner_parser(hostile: str) -> None:
    findings = [
        finding(f"dir/{hostile}.tf", hostile, f"message {hostile}", Severity.ERROR),
        finding("plain.tf", "", hostile, Severity.WARNING),
    ]
    lines = render(result_of(*findings), "github").splitlines()
    assert len(lines) == 3, "a finding must be exactly one line"
    first, second, summary = (parse_command(line) for line in lines)
    assert first == (
        "error",
        {"file": f"dir/{hostile}.tf", "line": "3", "endLine": "5", "title": RULE},
        f"message {hostile} [{hostile}]",
    )
    assert second == (
        "warning",
        {"file": "plain.tf", "line": "3", "endLine": "5", "title": RULE},
        hostile,
    )
    assert summary is None


def test_output_is_deterministic() -> None:
    result = result_of(*(finding(f"{i}.tf", "r", "m", Severity.NOTE) for i in range(5)))
    assert render(result, "github", ReportOptions()) == render(result, "github", ReportOptions())
