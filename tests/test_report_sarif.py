"""``--format sarif``: exact content, schema validity, Microsoft's SARIF Multitool (SARIF and
GitHub rule kinds), line-independent fingerprints and ``--sarif-category``."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, REPO, SHARED, node_tool_or_skip

from opslint.catalog import load_catalog
from opslint.cli import main
from opslint.config import Config, RuleSettings
from opslint.model import Severity
from opslint.registry import Registry, load_registry
from opslint.report import ReportOptions, render
from opslint.report.sarif import (
    FINGERPRINT_KEY,
    TAXONOMY_GUID,
    TAXONOMY_NAME,
    artifact_location,
    automation_id,
)
from opslint.result import Result
from opslint.rule import Docs, Example, Rule
from opslint.ruledocs import rule_markdown
from opslint.runner import run

LAMBDA = "OPS04-BP05/lambda-tracing"
RETENTION = "OPS08-BP02/log-group-retention"
CASES = FIXTURES / "OPS08-BP02" / "log-group-retention"
TERRAFORM_FAIL = "fixtures/OPS08-BP02/log-group-retention/terraform-fail"
CLOUDFORMATION_FAIL = "fixtures/OPS08-BP02/log-group-retention/cloudformation-fail"
SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
TAXONOMY = {"name": TAXONOMY_NAME, "index": 0, "guid": TAXONOMY_GUID}
BROKEN_HCL = 'resource "aws_cloudwatch_log_group" "x" {\n  name = \n'

Sarif = dict[str, Any]


@cache
def registry() -> Registry:
    return load_registry(entry_points=False)


def scan(paths: Sequence[str], config: Config | None = None) -> Result:
    """Run the two built-in rules the assertions below know (so rule indexes stay exact while
    rules are added), unless a config says otherwise."""
    config = config or Config(select=(LAMBDA, RETENTION))
    return run(list(paths), registry(), config, jobs=1)


def sarif(result: Result, category: str | None = None) -> Sarif:
    document: Sarif = json.loads(render(result, "sarif", ReportOptions(sarif_category=category)))
    return document


def the_run(document: Sarif) -> Sarif:
    runs: list[Sarif] = document["runs"]
    assert len(runs) == 1
    return runs[0]


def relation(practice: str, index: int, kind: str) -> dict[str, Any]:
    return {"target": {"id": practice, "index": index, "toolComponent": TAXONOMY}, "kinds": [kind]}


def lines(start: int, end: int) -> dict[str, int]:
    return {"startLine": start, "endLine": end}


def result_rows(document: Sarif) -> list[tuple[Any, ...]]:
    """The parts of each result code scanning uses, flattened for exact comparison."""
    rows = []
    for result in the_run(document)["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        rows.append(
            (
                result["ruleId"],
                result["ruleIndex"],
                result["level"],
                physical["artifactLocation"],
                physical["region"],
                location.get("logicalLocations"),
            )
        )
    return rows


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


# --- content -------------------------------------------------------------------------------


def test_terraform_results() -> None:
    result = scan([TERRAFORM_FAIL])
    document = sarif(result)
    uri = {"uri": f"{TERRAFORM_FAIL}/main.tf", "uriBaseId": "%SRCROOT%"}

    def resource(name: str) -> list[dict[str, str]]:
        address = f"aws_cloudwatch_log_group.{name}"
        return [{"name": address, "fullyQualifiedName": address, "kind": "resource"}]

    assert result_rows(document) == [
        (RETENTION, 1, "warning", uri, lines(7, 9), resource("app")),
        (RETENTION, 1, "warning", uri, lines(13, 13), resource("zero")),
        (RETENTION, 1, "warning", uri, lines(18, 18), resource("from_variable")),
        (RETENTION, 1, "warning", uri, lines(23, 23), resource("both_branches")),
    ]
    results = the_run(document)["results"]
    assert [r["partialFingerprints"] for r in results] == [
        {FINGERPRINT_KEY: f.fingerprint} for f in result.findings
    ]
    assert FINGERPRINT_KEY == "opslintFingerprint/v1"
    assert all(re.fullmatch(r"[0-9a-f]{32}", f.fingerprint) for f in result.findings)
    assert len({f.fingerprint for f in result.findings}) == 4
    assert results[0]["message"] == {
        "text": "Log group `aws_cloudwatch_log_group.app` never expires: set `retention_in_days` "
        "(e.g. 30)"
    }
    assert results[0]["properties"] == {
        "practice_id": "OPS08-BP02",
        "resource_type": "aws_cloudwatch_log_group",
        "framework": "terraform",
    }


def test_cloudformation_results() -> None:
    document = sarif(scan([CLOUDFORMATION_FAIL]))
    uri = {"uri": f"{CLOUDFORMATION_FAIL}/template.yaml", "uriBaseId": "%SRCROOT%"}

    def resource(name: str) -> list[dict[str, str]]:
        return [{"name": name, "fullyQualifiedName": name, "kind": "resource"}]

    assert result_rows(document) == [
        (RETENTION, 1, "warning", uri, lines(13, 16), resource("AppLogs")),
        (RETENTION, 1, "warning", uri, lines(22, 22), resource("ZeroLogs")),
        (RETENTION, 1, "warning", uri, lines(27, 27), resource("EveryBranchBad")),
    ]
    assert the_run(document)["results"][0]["properties"] == {
        "practice_id": "OPS08-BP02",
        "resource_type": "AWS::Logs::LogGroup",
        "framework": "cloudformation",
    }


def test_log_shape() -> None:
    document = sarif(scan([TERRAFORM_FAIL]))
    assert document["$schema"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert document["version"] == "2.1.0"
    run_ = the_run(document)
    driver = run_["tool"]["driver"]
    assert {k: v for k, v in driver.items() if k != "rules"} == {
        "name": "opslint",
        "version": "0.1.0",
        "semanticVersion": "0.1.0",
        "informationUri": "https://pypi.org/project/opslint/",
        "supportedTaxonomies": [TAXONOMY],
    }
    assert run_["columnKind"] == "utf16CodeUnits"
    assert set(run_["originalUriBaseIds"]) == {"%SRCROOT%"}
    assert "uri" not in run_["originalUriBaseIds"]["%SRCROOT%"]  # no machine-specific path
    assert "automationDetails" not in run_


def test_every_rule_that_ran_is_described_once_in_id_order() -> None:
    """Rules without results are described too; with all built-in rules selected, the rules
    array is exactly the rules that ran."""
    result = scan([TERRAFORM_FAIL], Config())
    rules = the_run(sarif(result))["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r.id for r in result.rules)
    assert LAMBDA in [r["id"] for r in rules]  # ran, found nothing


def test_rule_descriptors() -> None:
    catalog = load_catalog()
    result = scan([TERRAFORM_FAIL])
    rules = the_run(sarif(result))["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [LAMBDA, RETENTION]
    lambda_rule, retention_rule = (registry().get(LAMBDA), registry().get(RETENTION))
    assert lambda_rule is not None and retention_rule is not None

    retention = rules[1]
    assert retention["name"] == "LogGroupRetention"
    assert retention["shortDescription"] == {"text": retention_rule.title}
    assert retention["fullDescription"] == {"text": retention_rule.docs.what}
    assert retention["defaultConfiguration"] == {"level": "warning"}
    assert retention["helpUri"] == catalog["OPS08-BP02"].url
    assert retention["help"]["markdown"] == rule_markdown(retention_rule, catalog)
    assert catalog["OPS08-BP02"].url in retention["help"]["markdown"]
    assert catalog["OPS08-BP02"].url in retention["help"]["text"]
    assert retention_rule.docs.fix in retention["help"]["text"]
    assert retention["relationships"] == [relation("OPS08-BP02", 43, "superset")]
    assert retention["properties"] == {
        "tags": ["OPS08-BP02", "OPS08"],
        "precision": "high",
        "problem.severity": "warning",
    }

    tracing = rules[0]
    assert tracing["name"] == "LambdaTracing"
    assert tracing["relationships"] == [
        relation("OPS04-BP05", 22, "superset"),
        relation("OPS08-BP03", 44, "relevant"),
    ]
    assert tracing["properties"]["tags"] == ["OPS04-BP05", "OPS08-BP03", "OPS04", "OPS08"]
    for rule in rules:
        assert "security-severity" not in rule["properties"]


def test_pillar_taxonomy() -> None:
    catalog = list(load_catalog())
    run_ = the_run(sarif(scan([TERRAFORM_FAIL])))
    (taxonomy,) = run_["taxonomies"]
    assert {k: v for k, v in taxonomy.items() if k != "taxa"} == {
        "name": "AWS Well-Architected Operational Excellence",
        "guid": TAXONOMY_GUID,
        "organization": "AWS",
        "informationUri": (
            "https://docs.aws.amazon.com/wellarchitected/latest/operational-excellence-pillar/"
            "welcome.html"
        ),
        "shortDescription": {
            "text": "The best practices of the Operational Excellence pillar of the AWS "
            "Well-Architected Framework."
        },
        "isComprehensive": True,
    }
    taxa = taxonomy["taxa"]
    assert len(taxa) == 67
    assert [t["id"] for t in taxa] == [p.id for p in catalog]
    for taxon, practice in zip(taxa, catalog, strict=True):
        assert taxon["name"] == practice.title
        assert taxon["shortDescription"] == {"text": practice.title}
        assert taxon["fullDescription"] == {"text": practice.description}
        assert taxon["helpUri"] == practice.url
        assert practice.url in taxon["help"]["markdown"]
        assert taxon["properties"] == {
            "area": practice.area,
            "section": practice.section,
            "tags": [practice.group, practice.area],
        }
    assert taxa[0]["id"] == "OPS01-BP01" and taxa[0]["name"] == "Evaluate external customer needs"
    assert taxa[66]["id"] == "OPS11-BP04" and taxa[66]["properties"]["area"] == "Evolve"
    # every relationship resolves to the taxon it names
    for rule in run_["tool"]["driver"]["rules"]:
        for relationship in rule.get("relationships", []):
            target = relationship["target"]
            assert target["toolComponent"] == TAXONOMY
            assert taxa[target["index"]]["id"] == target["id"]


def test_level_follows_configured_severity_not_the_default() -> None:
    config = Config(
        select=(LAMBDA, RETENTION), rules={RETENTION: RuleSettings(severity=Severity.ERROR)}
    )
    run_ = the_run(sarif(scan([TERRAFORM_FAIL], config)))
    assert {r["level"] for r in run_["results"]} == {"error"}
    assert run_["tool"]["driver"]["rules"][1]["defaultConfiguration"] == {"level": "warning"}


def test_engine_parse_error_has_a_descriptor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.tf").write_text(BROKEN_HCL, encoding="utf-8")
    result = scan(["."])
    document = sarif(result)
    run_ = the_run(document)
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [LAMBDA, RETENTION, "opslint/parse-error"]
    uri = {"uri": "bad.tf", "uriBaseId": "%SRCROOT%"}
    # the block that is not closed before the end of the file
    assert result_rows(document) == [("opslint/parse-error", 2, "error", uri, lines(1, 1), None)]
    (finding,) = result.findings
    (sarif_result,) = run_["results"]
    assert sarif_result["message"] == {"text": finding.message}
    assert sarif_result["partialFingerprints"] == {FINGERPRINT_KEY: finding.fingerprint}
    assert "properties" not in sarif_result
    engine = rules[2]
    assert engine["name"] == "ParseError"
    assert engine["shortDescription"] == {"text": "A file could not be parsed"}
    assert engine["defaultConfiguration"] == {"level": "error"}
    assert engine["properties"] == {
        "tags": ["opslint-engine"],
        "precision": "very-high",
        "problem.severity": "error",
    }
    assert engine["help"]["text"] and engine["help"]["markdown"]
    assert "relationships" not in engine


def test_uris_are_percent_encoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert artifact_location("a b/ü#1 [x]%.tf") == {
        "uri": "a%20b/%C3%BC%231%20%5Bx%5D%25.tf",
        "uriBaseId": "%SRCROOT%",
    }
    assert artifact_location("c:d/main.tf")["uri"] == "c%3Ad/main.tf"  # not a scheme
    assert artifact_location("../x/main.tf")["uri"] == "../x/main.tf"
    assert artifact_location("/abs/my file.tf") == {"uri": "file:///abs/my%20file.tf"}
    assert artifact_location("C:/abs/main.tf") == {"uri": "file:///C:/abs/main.tf"}

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "my infra"
    folder.mkdir()
    shutil.copy(CASES / "cloudformation-json-fail" / "template.json", folder / "template.json")
    run_ = the_run(sarif(scan(["."])))
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]
    } == {"my%20infra/template.json"}


def test_descriptions_are_cut_to_github_limits() -> None:
    class Verbose(Rule):
        id = "OPS08-BP02/verbose"
        title = "Log groups " + "really " * 300 + "retain logs"
        docs = Docs(
            what="😀" * 2000,
            why="why",
            fix="fix",
            examples=(Example("terraform", "a", "b"),),
        )

    result = Result(findings=(), practices=(), rules=(Verbose,), files=0, units=0)
    (rule,) = the_run(sarif(result))["tool"]["driver"]["rules"]

    def utf16(text: str) -> int:
        return len(text.encode("utf-16-le")) // 2

    short, full = rule["shortDescription"]["text"], rule["fullDescription"]["text"]
    assert utf16(short) <= 1024 and short.endswith("really…")
    assert utf16(full) <= 1024 and full == "😀" * 511 + "…"  # never half a surrogate pair


# --- determinism, category -----------------------------------------------------------------


def test_output_is_deterministic() -> None:
    first = render(scan([TERRAFORM_FAIL, CLOUDFORMATION_FAIL]), "sarif", ReportOptions())
    second = render(scan([TERRAFORM_FAIL, CLOUDFORMATION_FAIL]), "sarif", ReportOptions())
    assert first == second
    assert first.startswith('{\n  "$schema": ') and first.endswith("}\n")
    assert json.dumps(json.loads(first), indent=2, ensure_ascii=False) + "\n" == first


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("opslint-terraform", "opslint-terraform/"),
        ("iac/terraform/", "iac/terraform/"),
        ("iac/terraform", "iac/terraform/"),
    ],
)
def test_sarif_category(given: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", TERRAFORM_FAIL, "--format", "sarif", "--sarif-category", given])
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    assert the_run(document)["automationDetails"] == {"id": expected}


def test_no_category_means_no_automation_details() -> None:
    assert automation_id(None) is None and automation_id("") is None


# --- fingerprints ----------------------------------------------------------------------------


def test_fingerprints_survive_moved_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(CASES / "terraform-fail", "module", ignore=shutil.ignore_patterns("*.yaml"))
    shutil.copytree(CASES / "cloudformation-fail", "stack", ignore=shutil.ignore_patterns("exp*"))

    def snapshot() -> list[tuple[str, int, dict[str, str]]]:
        results = the_run(sarif(scan(["."])))["results"]
        return [
            (
                r["locations"][0]["logicalLocations"][0]["name"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["partialFingerprints"],
            )
            for r in results
        ]

    before = snapshot()
    for name in ("module/main.tf", "stack/template.yaml"):
        path = Path(name)
        path.write_text("\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    after = snapshot()

    assert len(before) == 7
    assert [(name, line + 1, fp) for name, line, fp in before] == after


# --- validation --------------------------------------------------------------------------------


URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


def _uri_reference(value: object) -> bool:
    return not isinstance(value, str) or URI_CHARS.fullmatch(value) is not None


def _uri(value: object) -> bool:
    scheme = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
    return not isinstance(value, str) or (_uri_reference(value) and bool(scheme.match(value)))


def schema_errors(document: Sarif) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(
            f"{SCHEMA} is absent: check out the shared folder (SARIF 2.1.0 schema) beside "
            "this repository (see README, Contributing)"
        )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # jsonschema checks "uri" formats only with optional packages: check them here instead
    formats = jsonschema.FormatChecker(formats=())
    formats.checks("uri")(_uri)
    formats.checks("uri-reference")(_uri_reference)
    validator = jsonschema.Draft7Validator(schema, format_checker=formats)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_schema_valid_with_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = sarif(scan([TERRAFORM_FAIL, CLOUDFORMATION_FAIL]), category="opslint/")
    assert the_run(document)["results"]
    assert schema_errors(document) == []
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a dir").mkdir()
    shutil.copy(CASES / "sam-fail" / "template.yaml", tmp_path / "a dir" / "tëmplate.yaml")
    document = sarif(scan(["."], Config()))
    assert the_run(document)["results"]
    assert schema_errors(document) == []


def test_schema_valid_with_parse_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.tf").write_text(BROKEN_HCL, encoding="utf-8")
    document = sarif(scan(["."]))
    assert [r["ruleId"] for r in the_run(document)["results"]] == ["opslint/parse-error"]
    assert schema_errors(document) == []


def test_schema_valid_without_findings() -> None:
    document = sarif(scan([str(CASES / "terraform-pass")]))
    assert the_run(document)["results"] == []
    assert schema_errors(document) == []


def test_schema_rejects_an_invalid_log() -> None:
    """The validation above can fail: a log without a tool, with a bad URI, is rejected."""
    document = sarif(scan([TERRAFORM_FAIL]))
    del the_run(document)["tool"]
    the_run(document)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ] = "main file.tf"
    errors = schema_errors(document)
    assert any("'tool' is a required property" in e for e in errors)
    assert any("main file.tf" in e for e in errors)


@pytest.mark.parametrize("rule_kind", ["Sarif", "Ghas"])
def test_sarif_multitool_validate(
    rule_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Microsoft's validator, with its SARIF rules and its GitHub code scanning rules: no error
    and no warning. Its notes are accepted (SARIF2002 message arguments: GitHub needs
    message.text; SARIF2003 version control provenance, SARIF2010 snippets, SARIF2011 context
    regions: a reporter reads no files; SARIF2006 unreachable URIs: offline; SARIF2009 rule
    IDs with "/": our public rule IDs)."""
    tool = node_tool_or_skip("sarif-multitool")
    monkeypatch.chdir(tmp_path)
    shutil.copytree(CASES / "terraform-fail", "infra/logs", ignore=shutil.ignore_patterns("*.yaml"))
    shutil.copytree(FIXTURES / "OPS04-BP05" / "lambda-tracing" / "sam-fail", "my stack")
    Path("infra/bad.tf").write_text(BROKEN_HCL, encoding="utf-8")
    Path("infra/logs/audit.tf").write_text(
        "# opslint:ignore OPS08-BP02 -- audit logs are kept forever\n"
        'resource "aws_cloudwatch_log_group" "audit" {\n  name = "/audit"\n}\n',
        encoding="utf-8",
    )
    log = tmp_path / "opslint.sarif"
    log.write_text(
        render(scan(["."]), "sarif", ReportOptions(sarif_category="opslint")), encoding="utf-8"
    )
    output = tmp_path / f"validation-{rule_kind}.sarif"
    command = [tool, "validate", "--rule-kind", rule_kind, "--output", str(output), str(log)]
    # the npm package's launcher runs the binary through a shell: quote for it
    completed = subprocess.run(
        " ".join(shlex.quote(part) for part in command),
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert output.is_file(), completed.stdout + completed.stderr
    report = json.loads(output.read_text(encoding="utf-8-sig"))
    (validation,) = report["runs"]
    problems = [
        f"{r['ruleId']} {r.get('level', 'warning')}: {r['message'].get('arguments')}"
        for r in validation.get("results", [])
        if r.get("level", "warning") in ("error", "warning")
    ]
    for invocation in validation.get("invocations", []):
        notifications = invocation.get("toolExecutionNotifications", []) + invocation.get(
            "toolConfigurationNotifications", []
        )
        problems += [
            f"notification {n.get('level')}: {n['message'].get('text')}"
            for n in notifications
            if n.get("level", "warning") in ("error", "warning")
        ]
    assert problems == [], completed.stdout
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_suppressed_and_baselined_results(tmp_path: Path) -> None:
    """Suppressed findings are results with `suppressions`; with a baseline, every result
    says whether it is new or unchanged."""
    module = tmp_path / "infra"
    module.mkdir()
    (module / "main.tf").write_text(
        "# opslint:ignore OPS08-BP02 -- audit logs are kept forever\n"
        'resource "aws_cloudwatch_log_group" "audit" {\n  name = "/audit"\n}\n\n'
        'resource "aws_cloudwatch_log_group" "old" {\n  name = "/old"\n}\n',
        encoding="utf-8",
    )
    baseline = tmp_path / "baseline.json"
    only = ["--select", RETENTION]
    assert main(["check", str(module), *only, "--write-baseline", str(baseline)]) == 0
    (module / "new.tf").write_text(
        'resource "aws_cloudwatch_log_group" "new" {\n  name = "/new"\n}\n', encoding="utf-8"
    )
    output = tmp_path / "out.sarif"
    code = main(
        ["check", str(module), *only, "--baseline", str(baseline), "--format", f"sarif:{output}"]
    )
    assert code == 1
    results = json.loads(output.read_text(encoding="utf-8"))["runs"][0]["results"]
    summary = [
        (
            r["locations"][0]["logicalLocations"][0]["name"],
            r.get("baselineState"),
            r.get("suppressions"),
        )
        for r in results
    ]
    assert summary == [
        ("aws_cloudwatch_log_group.new", "new", None),
        ("aws_cloudwatch_log_group.old", "unchanged", None),
        (
            "aws_cloudwatch_log_group.audit",
            None,
            [{"kind": "inSource", "justification": "audit logs are kept forever"}],
        ),
    ]
