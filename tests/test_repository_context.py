"""Repository knowledge one step away (Makefiles, Concourse, other CI systems) and where
repository findings are reported, in every output format (docs/repository-findings.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report_sarif import schema_errors

from opslint.config import Config
from opslint.registry import load_registry
from opslint.repo.ci_systems import (
    concourse_job_names,
    concourse_kind,
    concourse_task_files,
    load_yaml,
    makefiles_run,
)
from opslint.report import ReportOptions, render
from opslint.runner import run

ROOT_MODULE = (
    'terraform {\n  backend "s3" {}\n}\n\nprovider "aws" {\n  region = "eu-west-1"\n}\n\n'
    'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}\n'
)
REPOSITORY_RULES = (
    "OPS02-BP02/codeowners-cover-infrastructure",
    "OPS05-BP02/iac-validated-in-ci",
    "OPS05-BP08/multiple-environments",
    "OPS05-BP10/deployment-pipeline-as-code",
)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("make validate", ["Makefile"]),
        ("make -C infra validate", ["infra/Makefile"]),
        ("make -Cinfra validate", ["infra/Makefile"]),
        ("make --directory=infra/prod plan", ["infra/prod/Makefile"]),
        ("cd infra && make validate", ["infra/Makefile"]),
        ("cd infra; make -f ci.mk lint", ["infra/ci.mk"]),
        ("make -C ../elsewhere validate", []),
        ("./make.sh && remake", []),
        ("make", []),
    ],
)
def test_makefiles_a_command_runs(command: str, expected: list[str]) -> None:
    assert makefiles_run(command) == expected


def test_concourse_pipeline_task_and_other_yaml() -> None:
    pipeline = (
        "jobs:\n  - name: apply-prod\n    plan:\n      - task: x\n        file: repo/ci/t.yml\n"
    )
    assert concourse_kind(pipeline) == "ci"
    assert concourse_job_names(pipeline) == ["apply-prod"]
    assert concourse_task_files(pipeline) == ["ci/t.yml", "repo/ci/t.yml"]
    assert concourse_kind("platform: linux\nrun:\n  path: ci/x.sh\n") == "concourse-task"
    assert concourse_kind("defaults:\n  region: eu-west-1\n") == ""
    assert concourse_kind("jobs: [\n") == ""  # does not parse: not a pipeline, no error
    assert concourse_kind("jobs:\n  build:\n    plan: 1\n") == ""  # GitHub-style jobs map


def test_yaml_redefined_anchors_deep_nesting_and_tags() -> None:
    """A later anchor of the same name wins (as in Concourse's parser); a document nested
    too deeply or using a Python tag is not loaded, without an error."""
    text = "a: &x 1\nb: *x\nc: &x 2\nd: *x\n"
    assert load_yaml(text) == {"a": 1, "b": 1, "c": 2, "d": 2}
    assert load_yaml("[" * 100_000) is None
    assert load_yaml("!!python/object/apply:os.system ['true']") is None


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_repository_findings_sit_where_they_are_fixed_in_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployed root module with no CI, no CODEOWNERS and one environment: the findings
    are on the files and folder to create, not on `main.tf`; every format renders them and
    the SARIF log stays valid."""
    write(tmp_path, {"infra/main.tf": ROOT_MODULE, "infra/prod.tfvars": ""})
    monkeypatch.chdir(tmp_path)
    result = run(["."], load_registry(entry_points=False), Config(select=REPOSITORY_RULES))
    assert [(f.rule_id, f.path, f.line) for f in result.findings] == [
        ("OPS02-BP02/codeowners-cover-infrastructure", ".github/CODEOWNERS", 1),
        ("OPS05-BP02/iac-validated-in-ci", ".github/workflows", 1),
        ("OPS05-BP10/deployment-pipeline-as-code", ".github/workflows", 1),
        ("OPS05-BP08/multiple-environments", "infra/prod.tfvars", 1),
    ]
    sarif = json.loads(render(result, "sarif", ReportOptions()))
    assert schema_errors(sarif) == []
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    ]
    assert uris == [
        ".github/CODEOWNERS",
        ".github/workflows",
        ".github/workflows",
        "infra/prod.tfvars",
    ]
    gitlab = json.loads(render(result, "gitlab", ReportOptions()))
    assert [(i["location"]["path"], i["location"]["lines"]["begin"]) for i in gitlab] == [
        (".github/CODEOWNERS", 1),
        (".github/workflows", 1),
        (".github/workflows", 1),
        ("infra/prod.tfvars", 1),
    ]
    text = render(result, "text", ReportOptions(show_source=True))
    assert ".github/workflows:1: warning OPS05-BP02/iac-validated-in-ci" in text
    for fmt in ("json", "junit", "html", "github", "markdown"):
        assert ".github/CODEOWNERS" in render(result, fmt, ReportOptions())
    assert not (tmp_path / ".github").exists()  # never written to the scanned tree
