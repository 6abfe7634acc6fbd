"""Every code snippet of the README and of docs/ works as written.

Snippets are run in a scratch git repository (the clean repository of the pre-commit tests:
CI, CODEOWNERS, two root modules and a shared module) with the installed ``opslint`` first on
``PATH``: shell commands run, configuration files are used, Terraform and CloudFormation are
scanned, rules are loaded, JSON and workflow YAML are parsed and workflow inputs checked
against ``action.yml``. A snippet that cannot run as written (a placeholder URL, a path the
reader replaces) carries ``<!-- not run: REASON -->`` on the line before its fence.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

from opslint.config import TOP_LEVEL_KEYS

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
CLEAN_REPO = REPO / "tests" / "data" / "hook-repo"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)
NOT_RUN = "<!-- not run:"
BIN = Path(sys.executable).parent
TEST_COMMAND = (
    'python3 -m venv .venv && . .venv/bin/activate && python -m pip install -e ".[test]" '
    "&& python -m pytest"
)


@dataclass(frozen=True)
class Snippet:
    document: Path
    line: int
    language: str
    text: str
    not_run: bool

    def __str__(self) -> str:
        return f"{self.document.relative_to(REPO)}:{self.line}"


def snippets() -> list[Snippet]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            found.append(Snippet(document, line, match.group(1), match.group(2), NOT_RUN in before))
    return found


SNIPPETS = [s for s in snippets() if not s.not_run]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The scratch repository, the current folder, with opslint's environment on PATH."""
    root = tmp_path / "repo"
    shutil.copytree(CLEAN_REPO, root)
    (root / "infra/prod/prod.tfvars").write_text("", encoding="utf-8")
    run(root, "git init --quiet && git add --all && git commit --quiet --message start")
    monkeypatch.chdir(root)
    return root


def run(cwd: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="docs",
        GIT_AUTHOR_EMAIL="docs@example.invalid",
        GIT_COMMITTER_NAME="docs",
        GIT_COMMITTER_EMAIL="docs@example.invalid",
        NO_COLOR="1",
    )
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


def commands(snippet: Snippet) -> list[str]:
    """The shell snippet's commands, without trailing comments."""
    lines = []
    for raw in snippet.text.splitlines():
        line = re.sub(r"\s+#\s.*$", "", raw).strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def check_opslint_ran(snippet: Snippet, done: subprocess.CompletedProcess[str]) -> None:
    """Exit code 0 or 1 (findings); never a usage or configuration error."""
    assert done.returncode in (0, 1), f"{snippet}: {done.stdout}{done.stderr}"
    assert "error:" not in done.stderr, f"{snippet}: {done.stderr}"


def scan_json(root: Path) -> list[dict[str, Any]]:
    done = run(root, "opslint check --format json")
    assert done.returncode in (0, 1), done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)["findings"]
    return findings


ENGINE_PROBLEMS = (
    "opslint/parse-error",
    "opslint/invalid-suppression",
    "opslint/unknown-suppression",
    "opslint/suppression-without-reason",
)


def test_every_snippet_is_run_or_says_why_not() -> None:
    kinds = {s.language for s in SNIPPETS}
    # `text` blocks are output shown to the reader, not input
    assert kinds <= {"sh", "yaml", "hcl", "python", "json", "text"}, kinds
    assert [(s.document.name, s.text.split()[:2]) for s in snippets() if s.not_run] == [
        ("README.md", ["pipx", "install"]),
        ("README.md", ["npx", "cdk"]),
        ("README.md", ["pipx", "install"]),
        ("cdk.md", ["npx", "cdk"]),
        ("checkov.md", ["pipx", "install"]),
        ("github.md", ["pre-commit", "try-repo"]),
        ("terraform.md", ["terraform", "plan"]),
    ]


def test_checkov_install_is_the_one_ci_tests() -> None:
    """The documented checkov install (not run: it downloads checkov) names the versions CI
    installs for tests/test_checkov.py."""
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    (tested,) = re.findall(r'install --quiet ("checkov[^"]*")', ci)
    installs = [
        c.split("#")[0].split()
        for s in snippets()
        for c in commands(s)
        if s.not_run and c.startswith("pipx install") and "checkov" in c
    ]
    assert installs == [["pipx", "install", tested]] * 2


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.language == "sh"], ids=str)
def test_shell_snippet(snippet: Snippet, scratch: Path) -> None:
    for command in commands(snippet):
        if command == TEST_COMMAND:
            ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
            assert command in ci.splitlines(), "CI runs the README's test command verbatim"
            continue
        if command.startswith("python3 -m venv .venv && .venv/bin/python -m pip install"):
            continue  # the README's first command: test_readme_first_command
        if command.startswith("python -m pytest -m "):
            # this suite, with a marker selection: the marker must be declared
            marker = command.split("-m ", 2)[2].strip("\"'").split()[-1]
            assert marker in (REPO / "pyproject.toml").read_text(encoding="utf-8"), command
            continue
        done = run(scratch, command)
        if command.startswith(("opslint", "python -m opslint")):
            check_opslint_ran(snippet, done)
        else:
            assert done.returncode == 0, f"{snippet}: {command}: {done.stderr}"


def test_readme_first_command(tmp_path: Path) -> None:
    """Install into a new virtual environment and scan the example, in a clean copy."""
    (first,) = [
        c for s in SNIPPETS for c in commands(s) if c.startswith("python3 -m venv .venv && .venv")
    ]
    source = tmp_path / "opslint"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("opslint", "rules", "examples"):
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    done = run(source, first)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "findings (0 error," in done.stdout
    # the install is silent: no deprecation, no package left out of the build
    assert not re.search(
        "warning|deprecat|setuptools", done.stderr.replace("WARNING: Location", ""), re.I
    ), done.stderr


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.language == "yaml"], ids=str)
def test_yaml_snippet(snippet: Snippet, scratch: Path) -> None:
    data = yaml.safe_load(snippet.text)
    assert isinstance(data, dict | list), snippet
    if isinstance(data, dict) and set(data) <= set(TOP_LEVEL_KEYS):  # .opslint.yaml
        (scratch / ".opslint.yaml").write_text(snippet.text, encoding="utf-8")
        if "baseline" in data:
            assert (
                run(scratch, f"opslint check --write-baseline {data['baseline']}").returncode == 0
            )
        check_opslint_ran(snippet, run(scratch, "opslint check"))
    elif isinstance(data, dict) and "Resources" in data:  # a CloudFormation template
        (scratch / "template.yaml").write_text(snippet.text, encoding="utf-8")
        problems = [f for f in scan_json(scratch) if f["rule_id"] in ENGINE_PROBLEMS]
        assert problems == [], snippet
    elif isinstance(data, dict) and "repos" in data:  # .pre-commit-config.yaml
        (scratch / ".pre-commit-config.yaml").write_text(snippet.text, encoding="utf-8")
        done = run(scratch, f"{sys.executable} -m pre_commit validate-config")
        assert done.returncode == 0, f"{snippet}: {done.stdout}{done.stderr}"
    else:  # a workflow or a piece of one: opslint's action gets only inputs it declares
        inputs = set(yaml.safe_load((REPO / "action.yml").read_text("utf-8"))["inputs"])
        for step in _steps(data):
            if "/opslint@" in str(step.get("uses", "")):
                assert set(step.get("with") or {}) <= inputs, f"{snippet}: {step}"


def _steps(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        own = [data] if "uses" in data else []
        return own + [s for value in data.values() for s in _steps(value)]
    if isinstance(data, list):
        return [s for item in data for s in _steps(item)]
    return []


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.language == "hcl"], ids=str)
def test_terraform_snippet(snippet: Snippet, scratch: Path) -> None:
    (scratch / "snippet").mkdir()
    (scratch / "snippet" / "main.tf").write_text(snippet.text, encoding="utf-8")
    problems = [f for f in scan_json(scratch) if f["rule_id"] in ENGINE_PROBLEMS]
    assert problems == [], snippet


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.language == "python"], ids=str)
def test_python_snippet(snippet: Snippet, scratch: Path) -> None:
    """A rule is loaded with --rules-dir; other Python (the in-memory API) runs."""
    if "(Rule):" not in snippet.text:
        (scratch / "snippet.py").write_text(snippet.text, encoding="utf-8")
        done = run(scratch, f"{sys.executable} snippet.py")
        assert done.returncode == 0, f"{snippet}: {done.stderr}"
        return
    (scratch / "my-rules").mkdir()
    (scratch / "my-rules" / "rule.py").write_text(snippet.text, encoding="utf-8")
    done = run(scratch, "opslint rules --rules-dir my-rules")
    assert done.returncode == 0, f"{snippet}: {done.stderr}"
    (rule_id,) = re.findall(r'id = "([^"]+)"', snippet.text)
    assert rule_id in done.stdout


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.language == "json"], ids=str)
def test_json_snippet(snippet: Snippet) -> None:
    assert isinstance(json.loads(snippet.text), dict), snippet
