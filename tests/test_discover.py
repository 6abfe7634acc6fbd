"""Discovery: what is read, what is skipped, how files group into units."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opslint.discover import Excluder, discover


def write(root: Path, name: str, text: str = "") -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (
        "infra/app/main.tf",
        "infra/app/variables.tf",
        "infra/app/terraform.tfvars",
        "infra/app/main.tf.json",
        "infra/app/.terraform/modules/x/main.tf",
        "infra/legacy/main.tf",
        "infra/only_vars/prod.tfvars",
        "stacks/api.yaml",
        "stacks/k8s.yml",
        "stacks/node_modules/pkg/template.yaml",
        ".git/config.json",
        ".github/workflows/ci.yml",
        "README.md",
        ".gitignore",
    ):
        write(tmp_path, name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_walk_groups_terraform_by_folder_and_skips_tool_folders(tree: Path) -> None:
    found = discover(["."])
    assert found.modules == {
        "infra/app": [
            "infra/app/main.tf",
            "infra/app/main.tf.json",
            "infra/app/terraform.tfvars",
            "infra/app/variables.tf",
        ],
        "infra/legacy": ["infra/legacy/main.tf"],
        "infra/only_vars": ["infra/only_vars/prod.tfvars"],
    }
    assert found.templates == [".github/workflows/ci.yml", "stacks/api.yaml", "stacks/k8s.yml"]
    assert found.repository_files == [
        ".github/workflows/ci.yml",
        ".gitignore",
        "infra/app/terraform.tfvars",
        "infra/only_vars/prod.tfvars",
    ]
    assert found.explicit_files is None
    assert found.diagnostics == []


def test_repository_files_are_classified_below_the_scanned_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "repo/.github/workflows/plan.yaml",
        "repo/.github/CODEOWNERS",
        "repo/.gitlab-ci.yml",
        "repo/ci/buildspec-deploy.yml",
        "repo/Jenkinsfile",
        "repo/samconfig.toml",
        "repo/live/prod/terragrunt.hcl",
        "repo/live/prod/.terraform.lock.hcl",
        "repo/docs/CODEOWNERS",
        "repo/src/CODEOWNERS",
        "repo/src/.github/workflows/not-ci.yml",
    ):
        write(tmp_path, name)
    monkeypatch.chdir(tmp_path)
    found = discover(["repo"])
    assert found.repository_files == [
        "repo/.github/CODEOWNERS",
        "repo/.github/workflows/plan.yaml",
        "repo/.gitlab-ci.yml",
        "repo/Jenkinsfile",
        "repo/ci/buildspec-deploy.yml",
        "repo/docs/CODEOWNERS",
        "repo/live/prod/.terraform.lock.hcl",
        "repo/live/prod/terragrunt.hcl",
        "repo/samconfig.toml",
    ]


def test_excludes_match_from_cwd_and_from_the_scanned_folder(tree: Path) -> None:
    assert "infra/legacy" not in discover(["."], exclude=["infra/legacy/"]).modules
    assert "infra/legacy" not in discover(["infra"], exclude=["legacy"]).modules
    assert discover(["."], exclude=["**/*.yml"]).templates == ["stacks/api.yaml"]
    assert not Excluder(["*.tf"]).excluded("infra/app/main.tf.json")


def test_explicit_file_brings_its_module_and_limits_findings(tree: Path) -> None:
    found = discover(["infra/app/main.tf"])
    assert found.modules["infra/app"] == [
        "infra/app/main.tf",
        "infra/app/main.tf.json",
        "infra/app/terraform.tfvars",
        "infra/app/variables.tf",
    ]
    assert found.explicit_files == {"infra/app/main.tf"}


def test_missing_path_is_a_diagnostic(tree: Path) -> None:
    found = discover(["nope"])
    assert [(d.path, d.code) for d in found.diagnostics] == [("nope", "io-error")]


def test_paths_are_relative_to_cwd_with_posix_separators(tree: Path) -> None:
    os.chdir(tree / "infra")
    found = discover(["../stacks"])
    assert found.templates == ["../stacks/api.yaml", "../stacks/k8s.yml"]


def test_named_files_honour_excludes(tree: Path) -> None:
    found = discover(["infra/legacy/main.tf", "infra/app/main.tf"], exclude=["infra/legacy/"])
    assert "infra/legacy" not in found.modules
    assert "infra/app" in found.modules
    assert found.explicit_files == {"infra/legacy/main.tf", "infra/app/main.tf"}
