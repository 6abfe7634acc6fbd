"""Where opslint stands does not change what it finds: configuration is found walking up
from the scanned paths, and repository rules see the enclosing git work tree."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from opslint.cli import main

CLEAN_REPO = REPO / "tests" / "data" / "hook-repo"
NO_RETENTION = 'resource "aws_cloudwatch_log_group" "{name}" {{\n  name = "/{name}"\n}}\n'


def git(root: Path, *args: str) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with CI, CODEOWNERS, two root modules and a shared module; findings in
    a root module, in the shared module, in an excluded folder and from a repository rule
    (a root module without lock file); configuration at the top."""
    root = tmp_path / "repo"
    shutil.copytree(CLEAN_REPO, root)
    (root / "infra/prod/logs.tf").write_text(NO_RETENTION.format(name="prod"), encoding="utf-8")
    (root / "infra/staging/.terraform.lock.hcl").unlink()
    (root / "modules/queue/extra.tf").write_text(NO_RETENTION.format(name="q"), encoding="utf-8")
    (root / "legacy").mkdir()
    (root / "legacy/main.tf").write_text(NO_RETENTION.format(name="old"), encoding="utf-8")
    (root / ".opslint.yaml").write_text("exclude: [legacy/]\n", encoding="utf-8")
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--message", "infrastructure")
    return root


def findings(
    capsys: pytest.CaptureFixture[str], where: Path, *args: str
) -> list[tuple[str, str, int]]:
    """(rule, path relative to the repository, line) of a run in folder ``where``."""
    with contextlib.chdir(where):
        main(["check", *args, "--format", "json"])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    top = where
    while not (top / ".git").exists() and top != top.parent:
        top = top.parent
    return [
        (
            f["rule_id"],
            Path(os.path.relpath(where / f["path"], top)).as_posix(),
            f["line"],
        )
        for f in report["findings"]
    ]


def test_subfolder_scans_equal_the_root_scan_restricted_to_the_subfolder(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    everything = findings(capsys, repo)
    assert everything == [
        ("OPS02-BP02/required-tags", "infra/prod/logs.tf", 1),
        ("OPS08-BP02/log-group-retention", "infra/prod/logs.tf", 1),
        ("OPS05-BP03/terraform-lock-file", "infra/staging/main.tf", 1),
        # the shared module is judged through its callers: no provider of theirs adds tags
        ("OPS02-BP02/required-tags", "modules/queue/extra.tf", 1),
        ("OPS08-BP02/log-group-retention", "modules/queue/extra.tf", 1),
    ]
    infra = everything[:3]
    assert findings(capsys, repo, "infra") == infra  # scanning a subfolder
    assert findings(capsys, repo, "infra/") == infra
    assert findings(capsys, repo / "infra") == infra  # scanning from a subfolder
    assert findings(capsys, repo / "infra" / "staging") == everything[2:3]
    assert findings(capsys, repo / "infra", "../modules") == everything[3:]
    # the configuration at the top excludes legacy/ wherever opslint runs
    assert findings(capsys, repo / "legacy") == []
    assert findings(capsys, repo, "legacy") == []


def test_baseline_written_at_the_top_applies_in_a_subfolder(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    assert main(["check", "--write-baseline", ".opslint-baseline.json"]) == 0
    with (repo / ".opslint.yaml").open("a", encoding="utf-8") as config:
        config.write("baseline: .opslint-baseline.json\n")
    capsys.readouterr()
    assert findings(capsys, repo) == []
    assert findings(capsys, repo / "infra") == []
    assert findings(capsys, repo / "infra" / "prod") == []
    monkeypatch.chdir(repo / "infra")
    assert main(["check"]) == 0


def test_nearest_configuration_wins(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "infra" / "pyproject.toml").write_text(
        '[tool.opslint]\nignore = ["OPS05"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(repo)
    assert findings(capsys, repo / "infra") == [
        ("OPS02-BP02/required-tags", "infra/prod/logs.tf", 1),
        ("OPS08-BP02/log-group-retention", "infra/prod/logs.tf", 1),
    ]


def test_outside_git_the_search_stops_at_the_filesystem_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".opslint.yaml").write_text("select: [OPS08-BP02]\n", encoding="utf-8")
    (tmp_path / "a" / "b" / "main.tf").write_text(NO_RETENTION.format(name="x"), "utf-8")
    assert findings(capsys, tmp_path / "a" / "b")[0][0] == "OPS08-BP02/log-group-retention"
    monkeypatch.chdir(tmp_path / "a" / "b")
    main(["check"])
    assert "1 finding " in capsys.readouterr().out


def test_files_git_ignores_are_not_scanned(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "generated").mkdir()
    (repo / "generated/main.tf").write_text(NO_RETENTION.format(name="g"), encoding="utf-8")
    monkeypatch.chdir(repo)
    scanned = ("OPS08-BP02/log-group-retention", "generated/main.tf", 1)
    assert scanned in findings(capsys, repo)
    with (repo / ".gitignore").open("a", encoding="utf-8") as ignore:
        ignore.write("generated/\n")
    assert scanned not in findings(capsys, repo)
    # named on the command line, it is scanned
    assert scanned in findings(capsys, repo, "generated/main.tf")


def test_a_missing_path_is_reported_in_a_repository(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    assert findings(capsys, repo, "nope") == [("opslint/io-error", "nope", 1)]
