"""Terraform plan JSON: recognised by content, on its own (located in the plan) and beside
the root module it was made from (values from the plan, locations from the .tf files, one
finding per problem). The committed plans come from scripts/make_plan_fixtures.py; one test
makes a plan with the real Terraform CLI."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, lint_result, provider_mirror_or_skip, terraform_or_skip

CASE = REPO / "tests" / "data" / "plans" / "module-and-var"
RETENTION = "OPS08-BP02/log-group-retention"
APP = "aws_cloudwatch_log_group.app"
AUDIT = "module.audit.aws_cloudwatch_log_group.this"


def message(address: str, via: str = "") -> str:
    text = f"Log group `{address}` never expires: set `retention_in_days` (e.g. 30)"
    return f"{text} (via {via})" if via else text


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path) -> Iterator[None]:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield
    os.chdir(cwd)


def tree(folder: Path, under: str) -> dict[str, str]:
    """The files below ``folder``, named as if they were in ``under``."""
    return {
        f"{under}/{path.relative_to(folder).as_posix()}": path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def findings(files: dict[str, str], scanned: str) -> list[tuple[str, int, str, str]]:
    result = lint_result(files, RETENTION, paths=(scanned,))
    return [(f.path, f.line, f.resource, f.message) for f in result.findings]


BESIDE = [
    # days = 0 was given with -var: only the plan knows it; the .tf file locates it
    ("live/main.tf", 26, APP, message(APP)),
    ("live/main.tf", 31, AUDIT, message(AUDIT, "module.audit")),
]


def test_a_plan_beside_its_root_module_gives_values_and_the_tf_files_locations() -> None:
    files = tree(CASE, "live")
    assert findings(files, "live") == BESIDE
    del files["live/tfplan.json"]
    # without the plan, the default (30) passes
    assert findings(files, "live") == [("live/main.tf", 31, AUDIT, message(AUDIT, "module.audit"))]


def test_a_plan_on_its_own_is_located_in_the_plan_whatever_its_name() -> None:
    files = {"plans/plan-prod.json": (CASE / "tfplan.json").read_text(encoding="utf-8")}
    assert findings(files, "plans") == [
        ("plans/plan-prod.json", 1, APP, message(APP)),
        ("plans/plan-prod.json", 1, AUDIT, message(AUDIT)),
    ]


def test_a_plan_made_by_terraform(tmp_path: Path) -> None:
    terraform = terraform_or_skip()
    provider_mirror_or_skip()
    spec = importlib.util.spec_from_file_location(
        "make_plan_fixtures", REPO / "scripts" / "make_plan_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shutil.copytree(CASE, "live", ignore=shutil.ignore_patterns("tfplan.json"))
    text = script.make_plan(Path("live"), script.CASES["module-and-var"], terraform)
    Path("live/tfplan.json").write_text(text, encoding="utf-8")
    assert findings(tree(Path("live"), "live"), "live") == BESIDE


def test_variables_given_as_terraform_would_take_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """TF_VAR_<name> < terraform.tfvars < --var-file < --var (Terraform's precedence)."""
    from opslint.cli import main

    shutil.copytree(CASE, "live", ignore=shutil.ignore_patterns("tfplan.json"))
    audit = ("live/main.tf", 31, AUDIT, message(AUDIT, "module.audit"))
    app = ("live/main.tf", 26, APP, message(APP))
    monkeypatch.setenv("TF_VAR_days", "0")
    assert findings(tree(Path("live"), "live"), "live") == [app, audit]
    Path("live/terraform.tfvars").write_text("days = 14\n", encoding="utf-8")
    assert findings(tree(Path("live"), "live"), "live") == [audit]
    assert main(["check", "live", "--select", RETENTION, "--var", "days=0"]) == 1
    assert "live/main.tf:26:" in capsys.readouterr().out
    assert main(["check", "live", "--var", "days"]) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err
