"""Shared test helpers: where the repository, the fixtures and ../shared are."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from opslint.model import Finding
from opslint.result import Result

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"


def terraform_or_skip() -> str:
    """The terraform binary; skips the test where it is absent unless CI demands it."""
    binary = shutil.which("terraform")
    if binary is None:
        if os.environ.get("OPSLINT_REQUIRE_TERRAFORM"):
            pytest.fail("terraform is required (OPSLINT_REQUIRE_TERRAFORM is set) but missing")
        pytest.skip(
            "terraform is not installed (put terraform 1.x on PATH; see README, Contributing)"
        )
    return binary


def provider_mirror_or_skip() -> Path:
    """The filesystem mirror holding the hashicorp/aws provider."""
    candidates = [os.environ.get("OPSLINT_TF_PLUGIN_MIRROR", ""), "/opt/tf-plugins"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "registry.terraform.io/hashicorp/aws").is_dir():
            return Path(candidate)
    if os.environ.get("OPSLINT_REQUIRE_TERRAFORM"):
        pytest.fail("the hashicorp/aws provider mirror (tf-plugins) is required but missing")
    pytest.skip(
        "no hashicorp/aws provider mirror (a `terraform providers mirror` folder in "
        "OPSLINT_TF_PLUGIN_MIRROR or /opt/tf-plugins; see README, Contributing)"
    )


def node_tool_or_skip(name: str) -> str:
    """A Node tool installed by .ci/run (``npm install --prefix .ci``) or on PATH."""
    local = REPO / ".ci" / "node_modules" / ".bin" / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("OPSLINT_REQUIRE_TOOLS"):
        pytest.fail(f"{name} is required (OPSLINT_REQUIRE_TOOLS is set) but missing")
    pytest.skip(f"{name} is not installed (npm ci --prefix .ci; see README, Contributing)")


def lint_result(
    files: dict[str, str],
    rule: str,
    *,
    as_of: str | None = None,
    paths: tuple[str, ...] = (".",),
    tracked: bool | tuple[str, ...] = False,
    options: dict[str, Any] | None = None,
) -> Result:
    """The one harness for rule tests: ``files`` (path → text) linted in memory with only
    ``rule`` selected (engine findings such as parse errors still come through) and its
    ``options``; ``as_of`` fixes the date, ``paths`` are the scanned part (a folder, files
    named as by pre-commit) and ``tracked`` the files git tracks (True: all; default: no git
    repository)."""
    from opslint.api import lint

    return lint(
        files,
        select=[rule],
        options={rule: options or {}},
        as_of=as_of,
        paths=paths,
        git=tracked,
    )


def lint_findings(
    files: dict[str, str], rule: str, *, as_of: str | None = None, **options: Any
) -> list[Finding]:
    """The findings of :func:`lint_result` with ``options`` as keywords."""
    return list(lint_result(files, rule, as_of=as_of, options=options).findings)


def lint_messages(files: dict[str, str], rule: str, **options: Any) -> list[str]:
    """The messages of :func:`lint_findings`."""
    return [f.message for f in lint_findings(files, rule, **options)]


def chromium_or_skip() -> str:
    """Headless Chromium (Debian's ``chromium``), installed by .ci/run; skips the test where
    it is absent unless CI demands it (``OPSLINT_REQUIRE_CHROMIUM``)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("OPSLINT_REQUIRE_CHROMIUM"):
        pytest.fail("chromium is required (OPSLINT_REQUIRE_CHROMIUM is set) but missing")
    pytest.skip("chromium is not installed (apt-get install chromium)")
