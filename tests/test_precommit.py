"""The pre-commit hook end to end, with the real pre-commit.

opslint's current working tree (what `pip install` needs, plus `.pre-commit-hooks.yaml`) is
committed to a temporary git repository. Each scenario is a user repository whose
`.pre-commit-config.yaml` points at it, with the hook installed (`pre-commit install`), and
runs a real `git commit`. pre-commit builds the hook's virtual environment itself (a
non-editable `pip install` of opslint and its dependencies from the package index) in a
`PRE_COMMIT_HOME` shared by every scenario, so it is built once per session.

The scenarios do not use `pre-commit try-repo`: it always builds in a fresh temporary store
and ignores `PRE_COMMIT_HOME`, so every call reinstalls opslint and its dependencies (~12 s
each). A `.pre-commit-config.yaml` with a path as `repo:` takes exactly the users' code path
(clone at `rev`, install, run) and reuses the environment. One test runs `try-repo` itself,
the way a hook author tries the hook before a release.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import REPO

pytestmark = pytest.mark.slow
"""End to end with real tools: deselect with ``-m "not slow"`` for a fast inner loop."""

# What `pip install` of opslint needs, and the hook manifest.
HOOK_REPO_CONTENT = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "opslint", "rules")
# The configuration the documentation gives users (docs/github.md).
EXAMPLE_CONFIG = REPO / "docs" / "examples" / "pre-commit-config.yaml"
# A one-file commit (after the environment is built) must stay well under this: pre-commit
# runs the hook on every commit. Measured ~0.4 s warm.
ONE_FILE_COMMIT_BUDGET_S = 15.0
# Every scenario starts from a realistic repository that passes every rule: CI validating and
# deploying Terraform, CODEOWNERS, two root modules with lock files calling a shared module.
# The hook runs with every rule selected, repository rules included.
CLEAN_REPO = REPO / "tests" / "data" / "hook-repo"

LOG_GROUP_NO_RETENTION = """\
# log group of the orders service
resource "aws_cloudwatch_log_group" "orders" {
  name = "/orders/app"
}
"""
LOG_GROUP_WITH_RETENTION = """\
# log group of the orders service
resource "aws_cloudwatch_log_group" "orders" {
  name              = "/orders/app"
  retention_in_days = 30
}
"""
# A sibling file of the module with defects of its own (never part of the commits below).
LEGACY_TF = """\
resource "aws_cloudwatch_log_group" "legacy" {
  name = "/legacy"
}

resource "aws_lambda_function" "legacy" {
  function_name = "legacy"
  role          = "arn:aws:iam::123456789012:role/legacy"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "legacy.zip"
}
"""
# The module states the oldest versions it supports (OPS05-BP03/terraform-versions-pinned).
VERSIONS_TF = """\
terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}
"""
# The committed file: every value comes from a variable declared in variables.tf.
MAIN_TF = """\
resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = var.role_arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "api.zip"

  tracing_config {
    mode = var.tracing_mode
  }
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/lambda/api"
  retention_in_days = var.retention_days
}

resource "aws_cloudwatch_metric_alarm" "api_errors" {
  alarm_name          = "api-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.api.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [var.alarm_topic_arn]
  alarm_description   = "API errors: https://runbooks.example.com/api-errors"
}
"""


def variables_tf(tracing_mode: str) -> str:
    return f"""\
variable "tracing_mode" {{
  type    = string
  default = "{tracing_mode}"
}}

variable "retention_days" {{
  type    = number
  default = 14
}}

variable "role_arn" {{
  type = string
}}

variable "alarm_topic_arn" {{
  type = string
}}
"""


@dataclass(frozen=True)
class HookRepo:
    path: Path
    rev: str
    env: dict[str, str]
    """Environment for git and pre-commit: shared PRE_COMMIT_HOME, no user git config."""
    build_seconds: float
    """Wall time of `pre-commit install-hooks`: the hook environment's build."""


def _git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def _pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )


def _isolated_env(base: Path) -> dict[str, str]:
    """No user or system git configuration (hooksPath, signing, templates), no variables of
    an enclosing git hook or pre-commit run, and opslint only from the hook environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "PRE_COMMIT")) and key not in ("SKIP", "PYTHONPATH")
    }
    git_config = base / "gitconfig"
    git_config.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    env.update(
        GIT_CONFIG_GLOBAL=str(git_config),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="opslint tests",
        GIT_AUTHOR_EMAIL="tests@opslint.invalid",
        GIT_COMMITTER_NAME="opslint tests",
        GIT_COMMITTER_EMAIL="tests@opslint.invalid",
        PRE_COMMIT_HOME=str(base / "pre-commit-home"),
        NO_COLOR="1",
    )
    return env


def _skip_or_fail(reason: str) -> None:
    """Skip where a tool is missing, unless CI demands every tool (OPSLINT_REQUIRE_TOOLS)."""
    if os.environ.get("OPSLINT_REQUIRE_TOOLS"):
        pytest.fail(f"{reason} (OPSLINT_REQUIRE_TOOLS is set)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HookRepo]:
    if importlib.util.find_spec("pre_commit") is None:
        _skip_or_fail("pre-commit is not installed (pip install -e '.[test]')")
    if shutil.which("git") is None:
        _skip_or_fail("git is not installed")
    base = tmp_path_factory.mktemp("pre-commit")
    env = _isolated_env(base)
    repo = base / "opslint"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".lark_cache.bin")
    for name in HOOK_REPO_CONTENT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            shutil.copy2(source, repo / name)
    _git(repo, env, "init", "--quiet")
    _git(repo, env, "add", "--all")
    _git(repo, env, "commit", "--quiet", "--no-verify", "--message", "opslint under test")
    rev = _git(repo, env, "rev-parse", "HEAD").stdout.strip()

    # Build the hook environment once, in a throwaway repository using the same repo and rev.
    probe = base / "probe"
    probe.mkdir()
    _git(probe, env, "init", "--quiet")
    (probe / ".pre-commit-config.yaml").write_text(_config(repo, rev), encoding="utf-8")
    started = time.perf_counter()
    built = _pre_commit(probe, env, "install-hooks")
    build_seconds = time.perf_counter() - started
    assert built.returncode == 0, built.stdout
    yield HookRepo(repo, rev, env, build_seconds)
    # the hook environment is ~170 MiB; pytest keeps the last few temporary folders
    shutil.rmtree(base / "pre-commit-home", ignore_errors=True)


def _config(repo: Path, rev: str, example: bool = False) -> str:
    """A `.pre-commit-config.yaml` using the hook: the bare minimum, or the documented
    example (`args: [--fail-on, error]`, a `ci:` section) pointed at the local repository."""
    if not example:
        return f"repos:\n- repo: {repo}\n  rev: {rev}\n  hooks:\n  - id: opslint\n"
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    (entry,) = config["repos"]
    entry.update(repo=str(repo), rev=rev)
    return yaml.safe_dump(config, sort_keys=False)


@dataclass
class UserRepo:
    path: Path
    env: dict[str, str]

    def write(self, name: str, text: str) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _git(self.path, self.env, *args)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").stdout.strip()

    def commit(self, *names: str) -> subprocess.CompletedProcess[str]:
        """Stage ``names`` and `git commit` them through the installed hook."""
        self.git("add", "--", *names)
        return subprocess.run(
            ["git", "commit", "--message", f"change {' '.join(names)}"],
            cwd=self.path,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )


@pytest.fixture
def user_repo(hook_repo: HookRepo, tmp_path: Path) -> Callable[..., UserRepo]:
    """A git repository with the hook installed: the clean repository plus ``files``,
    without ``remove``, committed without the hook."""

    def make(
        files: dict[str, str], example_config: bool = False, remove: tuple[str, ...] = ()
    ) -> UserRepo:
        repo = UserRepo(tmp_path / "user", hook_repo.env)
        shutil.copytree(CLEAN_REPO, repo.path)
        for name in remove:
            (repo.path / name).unlink()
        repo.git("init", "--quiet")
        config = _config(hook_repo.path, hook_repo.rev, example_config)
        repo.write(".pre-commit-config.yaml", config)
        for name, text in files.items():
            repo.write(name, text)
        repo.git("add", "--all")
        repo.git("commit", "--quiet", "--no-verify", "--message", "baseline")
        installed = _pre_commit(repo.path, hook_repo.env, "install")
        assert installed.returncode == 0, installed.stdout
        return repo

    return make


def test_commit_with_a_defect_fails_and_the_fix_passes(
    user_repo: Callable[..., UserRepo],
) -> None:
    repo = user_repo({})
    baseline = repo.head()
    repo.write("infra/main.tf", LOG_GROUP_NO_RETENTION)
    failed = repo.commit("infra/main.tf")
    assert failed.returncode == 1, failed.stdout
    assert "opslint" in failed.stdout and "Failed" in failed.stdout
    assert "- exit code: 1" in failed.stdout
    assert "infra/main.tf:2: warning OPS08-BP02/log-group-retention " in failed.stdout
    assert "[aws_cloudwatch_log_group.orders]" in failed.stdout
    assert repo.head() == baseline  # the commit was refused

    repo.write("infra/main.tf", LOG_GROUP_WITH_RETENTION)
    passed = repo.commit("infra/main.tf")
    assert passed.returncode == 0, passed.stdout
    assert "Passed" in passed.stdout
    assert repo.head() != baseline


def test_clean_file_passes_although_its_module_has_defects_in_another_file(
    user_repo: Callable[..., UserRepo],
) -> None:
    repo = user_repo({"infra/legacy.tf": LEGACY_TF, "infra/variables.tf": variables_tf("Active")})
    repo.write("infra/main.tf", MAIN_TF)
    passed = repo.commit("infra/main.tf")
    assert passed.returncode == 0, passed.stdout
    assert "Passed" in passed.stdout
    assert "legacy" not in passed.stdout


def test_variable_declared_in_another_file_of_the_module_resolves(
    user_repo: Callable[..., UserRepo],
) -> None:
    # Only main.tf is committed; its tracing mode comes from variables.tf. A finding proves
    # the variable resolved (an unresolved value never produces one).
    repo = user_repo(
        {
            "infra/legacy.tf": LEGACY_TF,
            "infra/variables.tf": variables_tf("PassThrough"),
            "infra/versions.tf": VERSIONS_TF,
        }
    )
    repo.write("infra/main.tf", MAIN_TF)
    failed = repo.commit("infra/main.tf")
    assert failed.returncode == 1, failed.stdout
    finding = next(line for line in failed.stdout.splitlines() if "OPS04-BP05" in line)
    assert finding.startswith("infra/main.tf:9: warning OPS04-BP05/lambda-tracing "), finding
    assert '"PassThrough"' in finding and "[aws_lambda_function.api]" in finding
    assert "legacy" not in failed.stdout
    assert "1 finding " in failed.stdout

    # Fixing the variable in the other file (committed with it) passes.
    repo.write("infra/variables.tf", variables_tf("Active"))
    passed = repo.commit("infra/main.tf", "infra/variables.tf")
    assert passed.returncode == 0, passed.stdout


def test_documented_config_and_non_template_yaml(user_repo: Callable[..., UserRepo]) -> None:
    """The documented configuration works: its `args: [--fail-on, error]` reach opslint (a
    warning passes), and YAML/JSON files that are not templates (a workflow, package.json)
    are skipped."""
    repo = user_repo({}, example_config=True)
    repo.write("infra/main.tf", LOG_GROUP_NO_RETENTION)
    repo.write(".github/workflows/lint.yml", "on: push\njobs: {}\n")
    repo.write("package.json", '{"name": "x"}\n')
    passed = repo.commit("infra/main.tf", ".github/workflows/lint.yml", "package.json")
    assert passed.returncode == 0, passed.stdout
    assert "Passed" in passed.stdout


def test_hook_wall_time_on_a_one_file_commit(
    hook_repo: HookRepo,
    user_repo: Callable[..., UserRepo],
    request: pytest.FixtureRequest,
) -> None:
    repo = user_repo({})
    repo.write("warm-up.tf", LOG_GROUP_WITH_RETENTION)  # first run writes the grammar cache
    assert repo.commit("warm-up.tf").returncode == 0
    repo.write("infra/main.tf", LOG_GROUP_WITH_RETENTION)
    started = time.perf_counter()
    passed = repo.commit("infra/main.tf")
    seconds = time.perf_counter() - started
    assert passed.returncode == 0, passed.stdout
    # shown in a --junitxml report (junit_family=legacy) and to plugins
    request.node.user_properties += [
        ("pre_commit_environment_build_seconds", round(hook_repo.build_seconds, 2)),
        ("one_file_commit_seconds", round(seconds, 2)),
    ]
    assert seconds < ONE_FILE_COMMIT_BUDGET_S, f"a one-file commit took {seconds:.1f} s"


def test_try_repo_fails_on_a_defect_and_passes_after_the_fix(
    hook_repo: HookRepo, tmp_path: Path
) -> None:
    """`pre-commit try-repo` against the hook repository, on staged files."""
    repo = UserRepo(tmp_path / "user", hook_repo.env)
    shutil.copytree(CLEAN_REPO, repo.path)
    repo.git("init", "--quiet")
    repo.write("infra/main.tf", LOG_GROUP_NO_RETENTION)
    repo.git("add", "--all")
    args = ("try-repo", str(hook_repo.path), "opslint", "--ref", hook_repo.rev)
    failed = _pre_commit(repo.path, hook_repo.env, *args, "--files", "infra/main.tf")
    assert failed.returncode == 1, failed.stdout
    assert "infra/main.tf:2: warning OPS08-BP02/log-group-retention " in failed.stdout
    repo.write("infra/main.tf", LOG_GROUP_WITH_RETENTION)
    repo.git("add", "--all")
    passed = _pre_commit(repo.path, hook_repo.env, *args, "--files", "infra/main.tf")
    assert passed.returncode == 0, passed.stdout
    assert "Passed" in passed.stdout


LOCK_FILE = """\
provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.80.0"
  constraints = "~> 5.0"
}
"""


def test_repository_rules_see_the_whole_work_tree(user_repo: Callable[..., UserRepo]) -> None:
    """Repository rules judge the whole work tree whatever files a commit names, and a
    commit is refused for a repository finding only when it touches the file the finding
    is on."""
    repo = user_repo({})
    # a change to the shared module: CI, owners and lock files are elsewhere, still seen
    repo.write("modules/queue/main.tf", (CLEAN_REPO / "modules/queue/main.tf").read_text() + "\n")
    passed = repo.commit("modules/queue/main.tf")
    assert passed.returncode == 0, passed.stdout

    # a new root module without its lock file is refused, with the finding on it
    main = (CLEAN_REPO / "infra/prod/main.tf").read_text().replace("prod", "dev")
    repo.write("infra/dev/main.tf", main)
    failed = repo.commit("infra/dev/main.tf")
    assert failed.returncode == 1, failed.stdout
    findings = [line for line in failed.stdout.splitlines() if ": warning " in line]
    assert findings == [
        "infra/dev/main.tf:1: warning OPS05-BP03/terraform-lock-file Root module `infra/dev` "
        "has no `.terraform.lock.hcl`: run `terraform init` there and commit the lock file so "
        "every run uses the same provider builds"
    ], failed.stdout
    repo.write("infra/dev/.terraform.lock.hcl", LOCK_FILE)
    passed = repo.commit("infra/dev/main.tf", "infra/dev/.terraform.lock.hcl")
    assert passed.returncode == 0, passed.stdout


def test_repository_finding_fails_only_the_commit_touching_its_file(
    user_repo: Callable[..., UserRepo],
) -> None:
    """A repository finding sits where it is fixed (docs/repository-findings.md): without
    CI, on the `.github/workflows` folder to create, so no commit of a Terraform file is
    refused for it; with a workflow that runs Terraform without validating it, on that
    workflow: a commit of the workflow that leaves the gap fails, one that closes it passes."""
    repo = user_repo({}, remove=(".github/workflows/ci.yml",))
    repo.write("infra/prod/main.tf", (CLEAN_REPO / "infra/prod/main.tf").read_text() + "\n")
    passed = repo.commit("infra/prod/main.tf")
    assert passed.returncode == 0, passed.stdout

    ci = (CLEAN_REPO / ".github/workflows/ci.yml").read_text()
    unvalidated = ci.replace("terraform fmt -check -recursive", "terraform version").replace(
        "terraform -chdir=infra/prod init -backend=false && terraform -chdir=infra/prod validate",
        "echo no checks",
    )
    repo.write(".github/workflows/ci.yml", unvalidated)
    failed = repo.commit(".github/workflows/ci.yml")
    assert failed.returncode == 1, failed.stdout
    assert (
        ".github/workflows/ci.yml:1: warning OPS05-BP02/iac-validated-in-ci Terraform code is "
        "not validated in CI (its only CI definition does not validate it)"
    ) in failed.stdout

    repo.write(".github/workflows/ci.yml", ci)
    passed = repo.commit(".github/workflows/ci.yml")
    assert passed.returncode == 0, passed.stdout
