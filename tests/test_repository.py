"""The engine's repository view: which files git tracks, repository files, root modules, and
how repository rules run (findings about files, crashes, scorecard, named files)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from opslint.config import Config
from opslint.discover import discover
from opslint.model import Repository, Severity
from opslint.parse import build_tasks, parse_all
from opslint.registry import Registry, load_registry
from opslint.repository import build_repository, tracked_files
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation
from opslint.runner import run, run_repository_rules


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def git(root: Path, *args: str) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


class Crashing(Rule):
    id = "OPS05-BP01/crashing-repository-rule"
    title = "crashes"
    docs = Docs("x", "x", "x", (Example("terraform", "a", "b"),))

    def applies_to_repository(self, repo: Repository) -> bool:
        return True

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        yield self.file_violation("main.tf", "fine", line=2, end_line=3, key="k")
        raise RuntimeError("boom")


class AboutFiles(Rule):
    id = "OPS05-BP01/about-files"
    title = "reports on every repository file"
    severity = Severity.NOTE
    docs = Docs("x", "x", "x", (Example("terraform", "a", "b"),))

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(repo.files)

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        for path in repo.files:
            yield self.file_violation(path, f"saw {repo.relative(path)}", line=1, key=path)


def test_tracked_files_in_and_outside_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    write(tmp_path, {"repo/main.tf": "", "repo/sub/x.tf": "", "repo/new.tf": "", "plain/a.tf": ""})
    git(tmp_path / "repo", "init", "-q")
    git(tmp_path / "repo", "add", "main.tf", "sub/x.tf")
    monkeypatch.chdir(tmp_path)
    assert tracked_files("repo") == ("repo/main.tf", "repo/sub/x.tf")
    assert tracked_files("repo/sub") == ("repo/sub/x.tf",)
    assert tracked_files("plain") is None
    monkeypatch.chdir(tmp_path / "repo")
    assert tracked_files(".") == ("main.tf", "sub/x.tf")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    assert tracked_files(".") is None


def test_repository_knows_its_files_and_root_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "repo/live/main.tf": 'module "net" {\n  source = "../modules/net"\n}\n',
            "repo/modules/net/main.tf": 'resource "aws_vpc" "v" {}\n',
            "repo/other/main.tf": 'resource "aws_sns_topic" "t" {}\n',
            "repo/.github/workflows/ci.yml": "on: push\n",
            "repo/CODEOWNERS": "* @team\n",
        },
    )
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    found = discover(["repo"])
    units = parse_all(build_tasks(found, Config()), jobs=1)
    repo = build_repository(found, units, "repo")
    assert repo.tracked is None and repo.is_tracked("repo/live/main.tf") is None
    assert repo.files == ("repo/.github/workflows/ci.yml", "repo/CODEOWNERS")
    assert repo.files_of_kind("ci") == ["repo/.github/workflows/ci.yml"]
    assert repo.contents["repo/CODEOWNERS"] == "* @team\n"
    assert [u.path for u in repo.root_modules()] == ["repo/live", "repo/other"]
    assert repo.relative("repo/live/main.tf") == "live/main.tf"
    assert repo.relative("repo") == "."
    assert repo.display("live") == "repo/live"


def test_repository_rules_run_once_and_crashes_become_rule_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"main.tf": 'resource "aws_sns_topic" "t" {}\n', "CODEOWNERS": "* @t\n"})
    monkeypatch.chdir(tmp_path)
    repo = build_repository(discover(["."]), [], ".")
    findings, applied = run_repository_rules(repo, [Crashing, AboutFiles], Config())
    assert applied == {Crashing.id: ["."], AboutFiles.id: ["."]}
    assert [(f.rule_id, f.path, f.line, f.severity, f.message) for f in findings] == [
        (
            "opslint/rule-error",
            ".",
            1,
            Severity.ERROR,
            "rule OPS05-BP01/crashing-repository-rule failed on the repository: RuntimeError: boom",
        ),
        ("OPS05-BP01/about-files", "CODEOWNERS", 1, Severity.NOTE, "saw CODEOWNERS"),
    ]
    assert findings[1].fingerprint and findings[1].resource == ""


def test_file_violation_becomes_a_finding_with_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Lines(Crashing):
        def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
            yield self.file_violation("main.tf", "here", line=2, end_line=3, key="k")
            yield self.file_violation("main.tf", "there", line=4)

    monkeypatch.chdir(tmp_path)
    findings, _ = run_repository_rules(Repository(root="."), [Lines], Config())
    assert [(f.path, f.line, f.end_line) for f in findings] == [
        ("main.tf", 2, 3),
        ("main.tf", 4, 4),
    ]
    assert findings[0].fingerprint != findings[1].fingerprint


def test_run_scorecard_and_named_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.tf": 'resource "aws_sns_topic" "t" {}\n', "prod.tfvars": ""})
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    registry = Registry((*load_registry(entry_points=False).rules, AboutFiles))
    config = Config(select=(AboutFiles.id,))
    result = run(["."], registry, config, jobs=1)
    assert [f.path for f in result.findings] == ["prod.tfvars"]
    assert {p.id: p.status for p in result.practices}["OPS05-BP01"] == "failing"
    assert result.scope[AboutFiles.id] == (".",)
    # with files named (pre-commit), findings about other files are dropped
    named = run(["main.tf"], registry, config, jobs=1)
    assert named.findings == ()
