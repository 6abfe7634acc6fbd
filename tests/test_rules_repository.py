"""Repository rules on what fixtures cannot hold: git-tracked files (fixtures cannot contain a
.git folder) and module sources that ``terraform init`` would have to download."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from opslint.config import Config, RuleSettings
from opslint.model import Finding
from opslint.registry import Registry, load_registry
from opslint.runner import run


@cache
def registry() -> Registry:
    return load_registry(entry_points=False)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def committed(root: Path, files: dict[str, str], untracked: dict[str, str] | None = None) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    write(root, files)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    write(root, untracked or {})


def check(root: Path, rule: str, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    monkeypatch.chdir(root)
    return list(run(["."], registry(), Config(select=(rule,)), jobs=1).findings)


STATE = "OPS05-BP01/terraform-state-not-committed"
LOCK = "OPS05-BP03/terraform-lock-file"
MODULES = "OPS05-BP03/module-versions-pinned"
BACKEND = "OPS05-BP01/terraform-remote-backend"
MAIN = 'terraform {\n  backend "s3" {}\n}\n\nresource "aws_sns_topic" "t" {}\n'


def test_tracked_state_plans_and_working_folders_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed(
        tmp_path,
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
    findings = check(tmp_path, STATE, monkeypatch)
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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"main.tf": MAIN, "terraform.tfstate": "{}"})
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)
    result = run(["."], registry(), Config(select=(STATE,)), jobs=1)
    assert result.findings == ()
    status = {p.id: p.status for p in result.practices}
    assert status["OPS05-BP01"] == "not applicable"


def test_state_rule_names_paths_relative_to_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed(tmp_path, {"repo/main.tf": MAIN, "repo/prod.tfstate": "{}"})
    monkeypatch.chdir(tmp_path)
    result = run(["repo"], registry(), Config(select=(STATE,)), jobs=1)
    assert [(f.path, f.message.split(" ", 1)[0]) for f in result.findings] == [
        ("repo/prod.tfstate", "`repo/prod.tfstate`")
    ]


def test_extra_patterns_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    committed(tmp_path, {"main.tf": MAIN, "secrets/prod.auto.tfvars": "x = 1"})
    monkeypatch.chdir(tmp_path)
    config = Config(
        select=(STATE,), rules={STATE: RuleSettings(options={"extra_patterns": ["secrets/*"]})}
    )
    findings = run(["."], registry(), config, jobs=1).findings
    assert [f.path for f in findings] == ["secrets/prod.auto.tfvars"]


def test_lock_file_must_be_tracked_when_the_module_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed(tmp_path, {"main.tf": MAIN}, untracked={".terraform.lock.hcl": "# lock\n"})
    findings = check(tmp_path, LOCK, monkeypatch)
    assert [(f.path, f.line, f.message) for f in findings] == [
        (
            "main.tf",
            1,
            "Root module `.`: `.terraform.lock.hcl` is not tracked by git: commit it (and "
            "remove it from `.gitignore` if listed there)",
        )
    ]


def test_ignoring_lock_files_is_reported_once_on_the_gitignore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed(
        tmp_path,
        {
            "live/dev/main.tf": MAIN,
            "live/prod/main.tf": MAIN,
            ".gitignore": "# local files\n*.tfstate\n**/.terraform.lock.hcl\n",
        },
        untracked={"live/dev/.terraform.lock.hcl": "# lock\n"},
    )
    findings = check(tmp_path, LOCK, monkeypatch)
    assert [(f.path, f.line, f.message) for f in findings] == [
        (
            ".gitignore",
            3,
            "`.gitignore` ignores `.terraform.lock.hcl`, so the lock files of 2 root modules "
            "(`live/dev`, `live/prod`) cannot be committed: remove the pattern and commit the "
            "lock files",
        )
    ]


def test_git_decides_what_ignores_the_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nested `.gitignore` counts and a negation brings the file back: git answers, not
    a reading of the root file."""
    committed(
        tmp_path,
        {
            "live/dev/main.tf": MAIN,
            "live/prod/main.tf": MAIN,
            "live/.gitignore": "*.hcl\n!prod/.terraform.lock.hcl\n",
        },
        untracked={"live/prod/.terraform.lock.hcl": "# lock\n"},
    )
    findings = check(tmp_path, LOCK, monkeypatch)
    assert [(f.path, f.line, f.message.split(",")[0]) for f in findings] == [
        ("live/.gitignore", 1, "`live/.gitignore` ignores `.terraform.lock.hcl`"),
        (
            "live/prod/main.tf",
            1,
            "Root module `live/prod`: `.terraform.lock.hcl` is not tracked by git: commit it "
            "(and remove it from `.gitignore` if listed there)",
        ),
    ]


def test_lock_file_of_an_uncommitted_module_is_not_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed(tmp_path, {"README.md": "x"}, untracked={"main.tf": MAIN, ".terraform.lock.hcl": ""})
    assert check(tmp_path, LOCK, monkeypatch) == []


def test_tracked_lock_file_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    committed(tmp_path, {"main.tf": MAIN, ".terraform.lock.hcl": "# lock\n"})
    assert check(tmp_path, LOCK, monkeypatch) == []


def test_cloud_block_counts_as_a_remote_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "main.tf": 'terraform {\n  cloud {\n    organization = "example"\n  }\n}\n\n'
            'resource "aws_sns_topic" "t" {}\n'
        },
    )
    assert check(tmp_path, BACKEND, monkeypatch) == []


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


def test_module_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.tf": MODULE_CALLS, "modules/x/main.tf": ""})
    findings = check(tmp_path, MODULES, monkeypatch)
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
    result = run(["."], registry(), Config(select=(MODULES,)), jobs=1)
    assert {p.id: p.status for p in result.practices}["OPS05-BP03"] == "failing"
