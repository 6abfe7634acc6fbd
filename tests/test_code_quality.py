"""ruff and mypy --strict are part of the test command."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_clean() -> None:
    if shutil.which("ruff") is None and run(sys.executable, "-m", "ruff", "--version").returncode:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_clean() -> None:
    if run(sys.executable, "-m", "mypy", "--version").returncode:
        pytest.skip("mypy is not installed (pip install -e '.[test]')")
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr
