"""Where a scan stands: the git work tree around the scanned paths, which bounds the
repository view and the search for configuration."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

GIT_TIMEOUT = 30
"""Seconds a git command may take before opslint carries on without git's answer."""


def git(folder: str, *arguments: str) -> bytes | None:
    """Standard output of ``git -C folder ARGUMENTS``; None when git is missing, fails or
    is too slow. A scanned repository's own configuration must not run commands
    (``core.fsmonitor``), so it is switched off."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "-C", folder, *arguments],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def common_folder(paths: Sequence[str]) -> str:
    """The absolute folder holding every scanned path (a file stands for its folder)."""
    folders = []
    for path in paths or ["."]:
        absolute = os.path.abspath(path)
        folders.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    try:
        return os.path.commonpath(folders)
    except ValueError:  # different drives
        return os.path.abspath(".")


def work_tree_root(folder: str) -> str | None:
    """The absolute top folder of the git work tree holding ``folder``; None outside one."""
    output = git(folder, "rev-parse", "--show-toplevel")
    if not output:
        return None
    top = output.decode("utf-8", errors="surrogateescape").strip()
    return os.path.normpath(top) if top else None


def ignored_by_git(root: str, paths: Sequence[str]) -> dict[str, tuple[str, int]]:
    """The ones of ``paths`` (relative to folder ``root`` of a git work tree; they need not
    exist) that git ignores and does not track, each with the exclude file and line that
    ignores it (``.gitignore``, ``.git/info/exclude``, the global excludes file; relative
    to ``root`` when inside the work tree). Empty when git cannot tell."""
    if not paths:
        return {}
    try:
        done = subprocess.run(
            [
                "git",
                "-c",
                "core.fsmonitor=false",
                "-C",
                root,
                "check-ignore",
                "--verbose",
                "-z",
                "--stdin",
            ],
            input="".join(p + "\0" for p in paths).encode("utf-8", errors="surrogateescape"),
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if done.returncode not in (0, 1):  # 1: nothing ignored
        return {}
    fields = done.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    top = work_tree_root(root) or root
    found = {}
    for index in range(0, len(fields) - 3, 4):
        source, line, pattern, path = fields[index : index + 4]
        # --verbose also lists paths whose last matching pattern is a negation: not ignored
        if source and line.isdigit() and not pattern.startswith("!"):
            where = os.path.relpath(os.path.join(top, source), root)
            found[path] = (where.replace(os.sep, "/"), int(line))
    return found
