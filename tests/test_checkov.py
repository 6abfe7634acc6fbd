"""The checkov integration: the mapping, ``--checkov`` with the real checkov,
``--checkov-report``, deduplication, suppressions both ways, selection, severities,
baselines, reports and the missing-checkov error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, REPO

from opslint.catalog import load_catalog
from opslint.checkov.docs import mapping_markdown
from opslint.checkov.mapping import checkov_rules, load_mapping, reported_checks
from opslint.checkov.results import results_from_reports
from opslint.checkov.scan import ENVIRONMENT_VARIABLE, checkov_command
from opslint.cli import main
from opslint.registry import load_registry

CASE = FIXTURES / "checkov"
REPORT = REPO / "tests" / "data" / "checkov" / "report.json"
TF = "fixtures/checkov/terraform/main.tf"
CFN = "fixtures/checkov/cloudformation/template.yaml"
PLAN = "fixtures/checkov/plan/tfplan.json"

# What checkov's mapped checks add to opslint's findings on the fixtures: (rule, file, line,
# end line, resource). Not here: `Billing` (its interval is unknown), `disabled` (count = 0),
# the checks opslint
# covers (log group retention, RDS deletion protection, log exports, minor upgrades) and
# the suppressed findings below.
EXPECTED = [
    ("OPS04-BP04/checkov-CKV_AWS_118", CFN, 9, 15, "Orders"),
    ("OPS04-BP04/checkov-CKV_AWS_118", PLAN, 13, 21, "aws_db_instance.reports"),
    ("OPS06-BP01/checkov-CKV_AWS_21", TF, 9, 11, "aws_s3_bucket.assets"),
    ("OPS08-BP02/checkov-CKV_AWS_18", TF, 9, 11, "aws_s3_bucket.assets"),
    ("OPS08-BP02/checkov-CKV_AWS_18", TF, 14, 17, "aws_s3_bucket.scratch"),
    ("OPS04-BP04/checkov-CKV_AWS_118", TF, 33, 42, "aws_db_instance.orders"),
]
EXPECTED_SUPPRESSED = [
    (
        "OPS06-BP01/checkov-CKV_AWS_21",
        CFN,
        28,
        "Scratch",
        "scratch data is recreated by the nightly job",
    ),
    (
        "OPS06-BP01/checkov-CKV_AWS_21",
        TF,
        14,
        "aws_s3_bucket.scratch",
        "scratch data is recreated by the nightly job",
    ),
    (
        "OPS08-BP02/checkov-CKV_AWS_18",
        TF,
        21,
        "aws_s3_bucket.releases",
        "the bucket only holds public releases",
    ),
]


def checkov_or_skip() -> None:
    """Skip where checkov is absent, unless CI demands the real tools."""
    if checkov_command() is None:
        if os.environ.get("OPSLINT_REQUIRE_TOOLS"):
            pytest.fail(
                f"checkov is required (OPSLINT_REQUIRE_TOOLS is set): set {ENVIRONMENT_VARIABLE}"
            )
        pytest.skip(f"checkov is not installed (set {ENVIRONMENT_VARIABLE} or put it on PATH)")


def run_json(capsys: pytest.CaptureFixture[str], *args: str, code: int = 1) -> dict[str, Any]:
    assert main(["check", *args, "--format", "json", "--as-of", "2026-01-01"]) == code
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def checkov_findings(data: dict[str, Any]) -> list[tuple[str, str, int, int, str]]:
    return [
        (f["rule_id"], f["path"], f["line"], f["end_line"], f["resource"])
        for f in data["findings"]
        if "/checkov-" in f["rule_id"]
    ]


def suppressed(data: dict[str, Any]) -> list[tuple[str, str, int, str, str]]:
    return [
        (f["rule_id"], f["path"], f["line"], f["resource"], f["suppression"]["justification"])
        for f in data["suppressed"]
    ]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


# --- the mapping ------------------------------------------------------------------------


def test_mapping_names_catalog_practices_and_existing_rules() -> None:
    catalog = load_catalog()
    rules = set(load_registry(entry_points=False).ids())
    for check in load_mapping().values():
        for practice in (check.practice, *check.related):
            assert practice in catalog, f"{check.id}: {practice} is not a catalog practice"
        assert check.reason and not check.reason.endswith("."), check.id
        assert check.title and check.link.startswith("https://"), check.id
        assert check.resource_types, check.id
        if check.covered_by:
            assert check.covered_by in rules, f"{check.id}: no rule {check.covered_by}"


def test_checkov_rules_are_the_uncovered_checks() -> None:
    rules = checkov_rules()
    assert [r.id for r in rules] == sorted(c.rule_id for c in reported_checks().values())
    rule = next(r for r in rules if r.id == "OPS04-BP04/checkov-CKV_AWS_118")
    assert rule.related == ("OPS08-BP01",)
    assert rule.resource_types == {
        "terraform": ("aws_db_instance", "aws_rds_cluster_instance"),
        "cloudformation": ("AWS::RDS::DBInstance",),
    }


def test_every_mapped_check_exists_in_the_installed_checkov() -> None:
    checkov_or_skip()
    from opslint.checkov.catalogue import installed_checks

    missing = sorted(set(load_mapping()) - set(installed_checks()))
    assert missing == [], f"checkov no longer has {missing}: update the mapping"


def test_docs_mapping_table_is_current() -> None:
    text = (REPO / "docs" / "checkov.md").read_text(encoding="utf-8")
    assert mapping_markdown() in text, "run: python -m opslint.checkov.docs docs/checkov.md"


# --- running checkov --------------------------------------------------------------------


def test_checkov_run_merges_mapped_failures(capsys: pytest.CaptureFixture[str]) -> None:
    checkov_or_skip()
    data = run_json(capsys, "fixtures/checkov", "--checkov")
    assert checkov_findings(data) == EXPECTED
    assert suppressed(data) == EXPECTED_SUPPRESSED
    finding = next(f for f in data["findings"] if f["rule_id"].endswith("CKV_AWS_118"))
    assert finding["practice_id"] == "OPS04-BP04"
    assert finding["related_practices"] == ["OPS08-BP01"]
    assert finding["resource_type"] == "AWS::RDS::DBInstance"
    assert finding["severity"] == "warning"
    assert finding["message"].startswith(
        "Ensure that enhanced monitoring is enabled for Amazon RDS instances (checkov "
        "CKV_AWS_118); see https://github.com/bridgecrewio/checkov/"
    )


def test_report_import_gives_the_same_findings_as_a_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    checkov_or_skip()
    command = checkov_command()
    assert command is not None
    report = tmp_path / "checkov.json"
    done = subprocess.run(
        [
            *command,
            "-d",
            str(CASE),
            "--framework",
            "terraform",
            "terraform_plan",
            "cloudformation",
            "-o",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        check=False,
    )
    report.write_bytes(done.stdout)
    imported = run_json(capsys, "fixtures/checkov", "--checkov-report", str(report))
    ran = run_json(capsys, "fixtures/checkov", "--checkov")
    assert imported["findings"] == ran["findings"]
    assert imported["suppressed"] == ran["suppressed"]


# --- importing a report (no checkov needed) --------------------------------------------


def test_report_import(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "fixtures/checkov", "--checkov-report", str(REPORT))
    assert checkov_findings(data) == EXPECTED
    assert suppressed(data) == EXPECTED_SUPPRESSED


def test_report_of_one_framework(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    reports = json.loads(REPORT.read_text(encoding="utf-8"))
    single = next(r for r in reports if r["check_type"] == "cloudformation")
    path = tmp_path / "cfn.json"
    path.write_text(json.dumps(single), encoding="utf-8")
    data = run_json(capsys, "fixtures/checkov", "--checkov-report", str(path))
    assert checkov_findings(data) == [e for e in EXPECTED if e[1] == CFN]


def test_opslint_wins_where_it_covers_the_check(capsys: pytest.CaptureFixture[str]) -> None:
    # checkov's report fails the log group (CKV_AWS_66, CKV_AWS_338), both RDS instances'
    # minor upgrades (CKV_AWS_226: unset means true at AWS) and log exports (CKV_AWS_129)
    raw = list(results_from_reports(json.loads(REPORT.read_text(encoding="utf-8"))))
    failed = {(r.check_id, r.resource) for r in raw if r.status == "failed"}
    assert ("CKV_AWS_66", "aws_cloudwatch_log_group.app") in failed
    assert ("CKV_AWS_226", "aws_db_instance.orders") in failed
    assert ("CKV_AWS_118", "AWS::RDS::DBInstance.Billing") in failed
    assert ("CKV_AWS_21", "aws_s3_bucket.disabled") in failed  # count = 0
    data = run_json(capsys, "fixtures/checkov", "--checkov-report", str(REPORT))
    on_log_group = [
        f["rule_id"] for f in data["findings"] if f["resource"] == "aws_cloudwatch_log_group.app"
    ]
    assert on_log_group == ["OPS08-BP02/log-group-retention"]
    assert not any("CKV_AWS_226" in f["rule_id"] for f in data["findings"])
    assert not any(
        f["resource"] in ("Billing", "aws_s3_bucket.disabled") and "checkov" in f["rule_id"]
        for f in data["findings"]
    )


def test_selection_and_severity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "opslint.yaml"
    config.write_text(
        "rules:\n  OPS06-BP01/checkov-CKV_AWS_21:\n    severity: error\n", encoding="utf-8"
    )
    data = run_json(
        capsys,
        "fixtures/checkov",
        "--checkov-report",
        str(REPORT),
        "--select",
        "OPS06",
        "--config",
        str(config),
    )
    checkov = [f for f in data["findings"] if "/checkov-" in f["rule_id"]]
    assert [(f["rule_id"], f["severity"]) for f in checkov] == [
        ("OPS06-BP01/checkov-CKV_AWS_21", "error")
    ]
    assert all(f["practice_id"].startswith("OPS06") for f in data["findings"])
    # the same configuration works on a run without checkov
    plain = run_json(capsys, "fixtures/checkov", "--config", str(config))
    assert checkov_findings(plain) == []


def test_unknown_checkov_rule_in_configuration_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "opslint.yaml"
    config.write_text("rules:\n  OPS06-BP01/checkov-CKV_AWS_999:\n    severity: error\n")
    assert main(["check", "fixtures/checkov", "--config", str(config)]) == 2
    assert "OPS06-BP01/checkov-CKV_AWS_999" in capsys.readouterr().err


def test_baseline_accepts_checkov_findings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    args = ["check", "fixtures/checkov", "--checkov-report", str(REPORT)]
    assert main([*args, "--write-baseline", str(baseline)]) == 0
    capsys.readouterr()
    data = run_json(capsys, *args[1:], "--baseline", str(baseline), code=0)
    assert data["findings"] == []
    assert len(data["baseline"]["matched"]) >= len(EXPECTED)


def test_sarif_describes_checkov_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["check", "fixtures/checkov", "--checkov-report", str(REPORT), "--format", "sarif"])
        == 1
    )
    sarif = json.loads(capsys.readouterr().out)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    rule = rules["OPS04-BP04/checkov-CKV_AWS_118"]
    assert rule["shortDescription"]["text"] == (
        "Ensure that enhanced monitoring is enabled for Amazon RDS instances"
    )
    assert "checkov CKV_AWS_118" in rule["help"]["text"]
    assert "OPS04-BP04 Implement dependency telemetry" in rule["help"]["text"]
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "OPS04-BP04/checkov-CKV_AWS_118" for r in results)


def test_scorecard_counts_checkov_practices(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "fixtures/checkov", "--checkov-report", str(REPORT))
    practices = {p["id"]: p for p in data["practices"]}
    assert practices["OPS04-BP04"]["status"] == "failing"
    assert "OPS04-BP04/checkov-CKV_AWS_118" in practices["OPS04-BP04"]["rules"]
    plain = run_json(capsys, "fixtures/checkov")
    rules = {p["id"]: p for p in plain["practices"]}["OPS04-BP04"]["rules"]
    assert rules and not any("/checkov-" in rule for rule in rules)


# --- errors and the default path -------------------------------------------------------


def test_missing_checkov_names_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    assert main(["check", "fixtures/checkov", "--checkov"]) == 2
    err = capsys.readouterr().err
    assert "opslint[checkov]" in err
    assert "--checkov-report" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "report.json:1: not JSON"),
        ('{"a": 1}', "not a checkov JSON report"),
    ],
)
def test_bad_report_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    report = tmp_path / "report.json"
    report.write_text(content, encoding="utf-8")
    assert main(["check", "fixtures/checkov", "--checkov-report", str(report)]) == 2
    assert message in capsys.readouterr().err


def test_report_for_another_folder_warns(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "examples", "--checkov-report", str(REPORT))
    warnings = [f for f in data["findings"] if f["rule_id"] == "opslint/checkov-files-not-found"]
    assert [(f["path"], f["severity"]) for f in warnings] == [("examples", "warning")]
    assert warnings[0]["message"].startswith(
        "none of the files checkov reported (/cloudformation/template.yaml, "
        "/plan/tfplan.json, /terraform/main.tf) is among the files opslint scanned"
    )


def test_checkov_and_report_together_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", ".", "--checkov", "--checkov-report", str(REPORT)]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("path", "loaded"),
    [
        ("examples", []),
        # an opslint:ignore naming a checkov rule reads the mapping data, never checkov
        ("fixtures/checkov", ["opslint.checkov", "opslint.checkov.mapping"]),
    ],
)
def test_plain_run_does_not_import_checkov(path: str, loaded: list[str]) -> None:
    script = (
        "import sys\n"
        "from opslint.cli import main\n"
        f"main(['check', {path!r}, '--format', 'json'])\n"
        "loaded = [m for m in sys.modules if m == 'checkov' or m.startswith(('checkov.', "
        "'opslint.checkov'))]\n"
        "print(sorted(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.stderr.strip().splitlines()[-1] == repr(loaded)


def test_practices_lists_checkov_checks_when_installed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "checkov"
    fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(fake))
    assert main(["practices", "--format", "json"]) == 0
    rows = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert "OPS04-BP04/checkov-CKV_AWS_118" in rows["OPS04-BP04"]["rules"]
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    assert main(["practices", "--format", "json"]) == 0
    rows = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert not any("/checkov-" in rule for rule in rows["OPS04-BP04"]["rules"])


def test_explain_a_checkov_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "OPS04-BP04/checkov-CKV_AWS_118"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# OPS04-BP04/checkov-CKV_AWS_118\n")
    assert "- Related practice: [OPS08-BP01 Analyze workload metrics]" in text
    assert "checkov CKV_AWS_118: Ensure that enhanced monitoring is enabled" in text


def test_checkov_is_found_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "checkov"
    fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert checkov_command() == [shutil.which("checkov")]
