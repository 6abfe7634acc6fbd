"""A built wheel, installed into a fresh virtual environment, ships and runs every rule."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from conftest import EXAMPLES, REPO

from opslint.registry import load_registry


def test_wheel_installs_and_runs_every_rule(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    source = tmp_path / "source"  # a clean copy: no stale build/ folder can leak in
    source.mkdir()
    for name in ("opslint", "rules"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--verbose",  # show the build backend's own output
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    # the build is silent: no deprecation of the metadata, no package left out
    complaints = [
        line
        for line in (build.stdout + build.stderr).splitlines()
        if "Warning" in line or "deprecat" in line.lower()
    ]
    assert complaints == []
    wheels = list(dist.glob("opslint-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheels[0])],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # Dependencies come from the test environment's site-packages (a path entry in a .pth
    # file: no editable-install hooks are carried over, so opslint itself is the wheel's).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(python), "-c", "import opslint; print(opslint.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env,
        check=True,
    ).stdout
    assert str(env_dir) in where
    listed = subprocess.run(
        [str(env_dir / "bin" / "opslint"), "rules", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env,
    )
    assert listed.returncode == 0, listed.stderr
    shipped = [rule["id"] for rule in json.loads(listed.stdout) if rule["practice"]]
    assert shipped == load_registry(entry_points=False).ids()
    scanned = subprocess.run(
        [str(env_dir / "bin" / "opslint"), "check", str(EXAMPLES), "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env,
    )
    assert scanned.returncode == 1, scanned.stderr
    rules_seen = {f["rule_id"] for f in json.loads(scanned.stdout)["findings"]}
    # the installed built-in rules ran: the example repository has findings of both founding
    # rules, and only shipped rules (and the engine) reported
    assert {"OPS04-BP05/lambda-tracing", "OPS08-BP02/log-group-retention"} <= rules_seen
    assert {r for r in rules_seen if not r.startswith("opslint/")} <= set(shipped)


def test_every_rule_folder_is_a_listed_package() -> None:
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(config["tool"]["setuptools"]["packages"])
    folders = {p.name for p in (REPO / "rules").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert {f"opslint.builtin_rules.{name}" for name in folders} <= packages
