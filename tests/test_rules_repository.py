"""Repository rules on what fixtures cannot hold: git-tracked files (fixtures cannot contain a
.git folder) and module sources that ``terraform init`` would have to download."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import lint_findings, lint_result

from opslint.model import Finding
from opslint.result import Result


def in_git(
    rule: str,
    files: dict[str, str],
    untracked: dict[str, str] | None = None,
    *,
    paths: tuple[str, ...] = (".",),
    options: dict[str, Any] | None = None,
) -> Result:
    """``files`` tracked by git and ``untracked`` beside them, linted with ``rule``."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    every = {**files, **(untracked or {})}
    return lint_result(every, rule, paths=paths, tracked=tuple(files), options=options)


def check(
    rule: str, files: dict[str, str], untracked: dict[str, str] | None = None
) -> list[Finding]:
    return list(in_git(rule, files, untracked).findings)


STATE = "OPS05-BP01/terraform-state-not-committed"
LOCK = "OPS05-BP03/terraform-lock-file"
MODULES = "OPS05-BP03/module-versions-pinned"
BACKEND = "OPS05-BP01/terraform-remote-backend"
MAIN = 'terraform {\n  backend "s3" {}\n}\n\nresource "aws_sns_topic" "t" {}\n'


def test_tracked_state_plans_and_working_folders_are_reported() -> None:
    findings = check(
        STATE,
        {
            "infra/main.tf": MAIN,
            "infra/terraform.tfstate": "{}",
            "infra/terraform.tfstate.backup": "{}",
            "infra/plan.tfplan": "x",
            "infra/crash.log": "x",
            "infra/.terraform/terraform.tfstate": "{}",
            "infra/.terraform/modules/modules.json": "{}",
            "infra/.terraform.lock.hcl": "",
        },
        untracked={"other/terraform.tfstate": "{}"},
    )
    assert [(f.path, f.line, f.resource) for f in findings] == [
        ("infra/.terraform", 1, ""),
        ("infra/crash.log", 1, ""),
        ("infra/plan.tfplan", 1, ""),
        ("infra/terraform.tfstate", 1, ""),
        ("infra/terraform.tfstate.backup", 1, ""),
    ]
    assert findings[3].message == (
        "`infra/terraform.tfstate` is a Terraform state file and is tracked by git: remove it "
        "(`git rm --cached`), ignore it in `.gitignore` and keep state in a remote backend"
    )
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_state_rule_does_not_apply_outside_a_git_work_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(Path(tempfile.gettempdir()).resolve()))
    result = lint_result({"main.tf": MAIN, "terraform.tfstate": "{}"}, STATE)
    assert result.findings == ()
    status = {p.id: p.status for p in result.practices}
    assert status["OPS05-BP01"] == "not applicable"


def test_state_rule_names_paths_relative_to_the_repository() -> None:
    result = in_git(STATE, {"repo/main.tf": MAIN, "repo/prod.tfstate": "{}"}, paths=("repo",))
    assert [(f.path, f.message.split(" ", 1)[0]) for f in result.findings] == [
        ("repo/prod.tfstate", "`repo/prod.tfstate`")
    ]


def test_extra_patterns_option() -> None:
    files = {"main.tf": MAIN, "secrets/prod.auto.tfvars": "x = 1"}
    findings = in_git(STATE, files, options={"extra_patterns": ["secrets/*"]}).findings
    assert [f.path for f in findings] == ["secrets/prod.auto.tfvars"]


def test_lock_file_must_be_tracked_when_the_module_is() -> None:
    findings = check(LOCK, {"main.tf": MAIN}, untracked={".terraform.lock.hcl": "# lock\n"})
    assert [(f.path, f.line, f.message) for f in findings] == [
        (
            "main.tf",
            1,
            "Root module `.`: `.terraform.lock.hcl` is not tracked by git: commit it (and "
            "remove it from `.gitignore` if listed there)",
        )
    ]


def test_ignoring_lock_files_is_reported_once_on_the_gitignore() -> None:
    findings = check(
        LOCK,
        {
            "live/dev/main.tf": MAIN,
            "live/prod/main.tf": MAIN,
            ".gitignore": "# local files\n*.tfstate\n**/.terraform.lock.hcl\n",
        },
        untracked={"live/dev/.terraform.lock.hcl": "# lock\n"},
    )
    assert [(f.path, f.line, f.message) for f in findings] == [
        (
            ".gitignore",
            3,
            "`.gitignore` ignores `.terraform.lock.hcl`, so the lock files of 2 root modules "
            "(`live/dev`, `live/prod`) cannot be committed: remove the pattern and commit the "
            "lock files",
        )
    ]


def test_git_decides_what_ignores_the_lock_file() -> None:
    """A nested `.gitignore` counts and a negation brings the file back: git answers, not
    a reading of the root file."""
    findings = check(
        LOCK,
        {
            "live/dev/main.tf": MAIN,
            "live/prod/main.tf": MAIN,
            "live/.gitignore": "*.hcl\n!prod/.terraform.lock.hcl\n",
        },
        untracked={"live/prod/.terraform.lock.hcl": "# lock\n"},
    )
    assert [(f.path, f.line, f.message.split(",")[0]) for f in findings] == [
        ("live/.gitignore", 1, "`live/.gitignore` ignores `.terraform.lock.hcl`"),
        (
            "live/prod/main.tf",
            1,
            "Root module `live/prod`: `.terraform.lock.hcl` is not tracked by git: commit it "
            "(and remove it from `.gitignore` if listed there)",
        ),
    ]


def test_lock_file_of_an_uncommitted_module_is_not_judged() -> None:
    untracked = {"main.tf": MAIN, ".terraform.lock.hcl": ""}
    assert check(LOCK, {"README.md": "x"}, untracked=untracked) == []


def test_tracked_lock_file_passes() -> None:
    assert check(LOCK, {"main.tf": MAIN, ".terraform.lock.hcl": "# lock\n"}) == []


def test_cloud_block_counts_as_a_remote_backend() -> None:
    main = (
        'terraform {\n  cloud {\n    organization = "example"\n  }\n}\n\n'
        'resource "aws_sns_topic" "t" {}\n'
    )
    assert lint_findings({"main.tf": main}, BACKEND) == []


MODULE_CALLS = """\
module "local" {
  source = "./modules/x"
}

module "registry_unpinned" {
  source = "terraform-aws-modules/vpc/aws"
}

module "registry_pinned" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.1"
}

module "private_registry" {
  source = "app.terraform.io/example/network/aws"
}

module "git_no_ref" {
  source = "git::https://example.com/network.git"
}

module "git_branch" {
  source = "git::https://example.com/network.git//modules/vpc?ref=main"
}

module "git_tag" {
  source = "git::https://example.com/network.git?ref=v1.4.0"
}

module "git_commit" {
  source = "github.com/example/network?ref=0123abc"
}

module "archive" {
  source = "https://example.com/network.zip"
}

variable "version" {
  type = string
}

module "version_from_variable" {
  source  = "terraform-aws-modules/vpc/aws"
  version = var.version
}
"""


def test_module_versions() -> None:
    result = lint_result({"main.tf": MODULE_CALLS, "modules/x/main.tf": ""}, MODULES)
    findings = result.findings
    assert [(f.resource, f.line, f.end_line, f.message) for f in findings] == [
        (
            "module.registry_unpinned",
            6,
            6,
            "Module `module.registry_unpinned` takes the newest release of "
            '`terraform-aws-modules/vpc/aws`: set `version` (e.g. `"~> 5.1"`)',
        ),
        (
            "module.private_registry",
            15,
            15,
            "Module `module.private_registry` takes the newest release of "
            '`app.terraform.io/example/network/aws`: set `version` (e.g. `"~> 5.1"`)',
        ),
        (
            "module.git_no_ref",
            19,
            19,
            "Module `module.git_no_ref` follows the default branch of "
            "`git::https://example.com/network.git`: pin a tag or commit with `?ref=v1.2.3`",
        ),
        (
            "module.git_branch",
            23,
            23,
            "Module `module.git_branch` follows branch `main`: pin a tag or commit with "
            "`?ref=v1.2.3`",
        ),
    ]
    assert {p.id: p.status for p in result.practices}["OPS05-BP03"] == "failing"
