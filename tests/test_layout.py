"""Module boundaries that keep startup fast and each module to one job."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def imported_modules(*code: str) -> set[str]:
    """The ``opslint`` modules Python imports to run ``code`` (``-X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    names = set()
    for line in done.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if name.startswith("opslint"):
            names.add(name)
    return names


def test_version_loads_neither_the_runner_nor_a_parser() -> None:
    loaded = imported_modules("-m", "opslint", "--version")
    assert "opslint.cli" in loaded
    assert "opslint.runner" not in loaded
    assert not any(name.startswith("opslint.parsers") for name in loaded)


def test_reporters_and_the_model_stand_apart_from_the_pipeline() -> None:
    from opslint.report import REPORTERS

    loaded = imported_modules("-c", "import " + ", ".join(REPORTERS.values()))
    assert "opslint.result" in loaded
    assert {"opslint.runner", "opslint.parse", "opslint.discover"}.isdisjoint(loaded)
    assert "opslint.discover" not in imported_modules("-c", "import opslint.model")
