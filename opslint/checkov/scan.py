"""Run checkov once per opslint run, restricted to the mapped checks, and read its JSON.

checkov runs in its own process from its own environment: the ``checkov`` package depends
on ``bc-python-hcl2``, a fork of python-hcl2 that installs into the same ``hcl2`` import
package and replaces the python-hcl2 opslint parses Terraform with. So opslint runs the
``checkov`` command found in ``OPSLINT_CHECKOV`` or on ``PATH`` (``pipx install checkov``),
and only then the ``checkov`` package importable next to opslint.

checkov is kept offline: ``--skip-download`` (no guidelines or custom policies from the
platform), no platform mapping and no version check against PyPI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence

from opslint.checkov.results import FRAMEWORKS, CheckovResult, results_from_reports
from opslint.config import ConfigError

ENVIRONMENT_VARIABLE = "OPSLINT_CHECKOV"
OFFLINE_ENVIRONMENT = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "LOG_LEVEL": "ERROR",
}
SKIPPED_FOLDERS = (".git", ".terraform", "node_modules", ".aws-sam", "cdk.out")
"""Folders opslint never scans; checkov is told to leave them out too."""
INSTALL_HINT = (
    "install checkov in its own environment (`pipx install 'checkov>=3.2,<4'`) and put it "
    f"on PATH or in {ENVIRONMENT_VARIABLE}; the `opslint[checkov]` extra cannot share "
    "opslint's environment, because checkov's bc-python-hcl2 replaces the python-hcl2 "
    "opslint reads Terraform with"
)


class CheckovError(ConfigError):
    """checkov is missing or failed: exit code 2 with a message, like a configuration
    error."""


def checkov_command() -> list[str] | None:
    """How to start checkov: ``$OPSLINT_CHECKOV``, ``checkov`` on PATH, or this Python's
    ``checkov`` package; None when there is none."""
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured:
        return [configured]
    found = shutil.which("checkov")
    if found:
        return [found]
    # a real package, not a namespace folder or a module that happens to be named checkov
    spec = importlib.util.find_spec("checkov")
    if spec is not None and spec.origin is not None and spec.submodule_search_locations:
        return [sys.executable, "-m", "checkov.main"]
    return None


def checkov_arguments(paths: Sequence[str], check_ids: Sequence[str]) -> list[str]:
    """checkov's arguments for a run over ``paths`` (folders and files)."""
    args: list[str] = []
    for path in paths:
        args += ["--directory" if os.path.isdir(path) else "--file", path]
    for path in _module_files([p for p in paths if os.path.isfile(p)]):
        args += ["--file", path]
    args += ["--framework", *FRAMEWORKS, "--check", ",".join(check_ids)]
    for name in SKIPPED_FOLDERS:
        args += ["--skip-path", rf"(^|/){re.escape(name)}(/|$)"]
    args += ["--output", "json", "--skip-download", "--download-external-modules", "false"]
    return args


def run_checkov(paths: Sequence[str], check_ids: Iterable[str]) -> list[CheckovResult]:
    """checkov's Terraform, plan and CloudFormation results for ``paths``, only for
    ``check_ids``."""
    checks = sorted(set(check_ids))
    if not checks:
        return []
    command = checkov_command()
    if command is None:
        raise CheckovError(f"--checkov needs checkov: {INSTALL_HINT}")
    environment = {**os.environ, **OFFLINE_ENVIRONMENT}
    try:
        done = subprocess.run(
            [*command, *checkov_arguments(paths, checks)],
            capture_output=True,
            env=environment,
            check=False,
        )
    except OSError as exc:
        raise CheckovError(f"cannot run checkov ({command[0]}): {exc.strerror}") from None
    output = done.stdout.decode("utf-8", errors="replace")
    try:
        data = json.loads(output)
    except json.JSONDecodeError:
        # exit 1 means "failed checks" and still writes JSON; anything else is a failure
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        last = detail[-1] if detail else f"exit code {done.returncode}"
        raise CheckovError(f"checkov failed: {last!r}") from None
    return list(results_from_reports(data))


def _module_files(files: Sequence[str]) -> list[str]:
    """For ``.tf`` files named on the command line (pre-commit), the other ``.tf`` files of
    their module, so that checkov sees its variables and locals."""
    named = {os.path.abspath(f) for f in files}
    out: set[str] = set()
    for path in files:
        if path.endswith((".tf", ".tf.json")):
            folder = os.path.dirname(path) or "."
            for name in os.listdir(folder):
                sibling = os.path.join(folder, name)
                if name.endswith((".tf", ".tf.json")) and os.path.abspath(sibling) not in named:
                    out.add(sibling)
    return sorted(out)


__all__ = ["CheckovError", "checkov_command", "run_checkov"]
