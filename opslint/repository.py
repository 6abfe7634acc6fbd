"""The repository view of a scan, for repository rules: the scan root (computed once),
the files git tracks, the repository files discovery classified with their kind (the file
index) and their text."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from opslint.discover import Discovery, ci_references, display_path, repository_kind
from opslint.model import Repository, Unit
from opslint.reading import read_regular

GIT_TIMEOUT = 30
"""Seconds ``git ls-files`` may take before the tracked-file checks are given up."""


def tracked_files(root: str) -> tuple[str, ...] | None:
    """Display paths of the files git tracks below ``root``; None when ``root`` is not in a
    git work tree, git is missing or too slow."""
    try:
        done = subprocess.run(
            # a scanned repository's own config must not run commands (core.fsmonitor)
            ["git", "-c", "core.fsmonitor=false", "-C", root, "ls-files", "-z"],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    names = done.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    prefix = "" if root in (".", "") else root.rstrip("/") + "/"
    return tuple(sorted(prefix + name for name in names if name))


def scan_root(paths: Sequence[str], cwd: str | None = None) -> str:
    """The repository a scan looks at: the one folder given, else the working directory."""
    cwd = cwd or os.getcwd()
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return display_path(paths[0], cwd)
    return "."


def build_repository(found: Discovery, units: Sequence[Unit], root: str) -> Repository:
    """The repository view of a scan: git's tracked files, repository files and units."""
    contents: dict[str, str] = {}
    for path in found.repository_files:
        text = _read_text(path)
        if text is not None:
            contents[path] = text
    prefix = "" if root in (".", "") else root.rstrip("/") + "/"
    kinds = {
        path: repository_kind(path.removeprefix(prefix)) or "" for path in found.repository_files
    }
    for path in found.repository_files:
        if kinds[path] != "ci":
            continue
        for reference in ci_references(contents.get(path, "")):
            shown = prefix + reference
            if shown not in contents and os.path.isfile(shown):
                text = _read_text(shown)
                if text is not None:
                    contents[shown] = text
    return Repository(
        root=root,
        files=tuple(found.repository_files),
        units=tuple(units),
        tracked=tracked_files(root),
        contents=contents,
        kinds=kinds,
    )


def _read_text(path: str) -> str | None:
    try:
        return read_regular(path, limit=None, head=1_000_000).decode("utf-8", errors="replace")
    except OSError:
        return None
