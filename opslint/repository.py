"""The repository view of a scan, for repository rules: the scan root (computed once),
the files git tracks, the repository files discovery classified with their kind (the file
index) and their text."""

from __future__ import annotations

import os
from collections.abc import Sequence

from opslint.config import Config
from opslint.discover import Discovery, ci_references, display_path, repository_kind
from opslint.model import Repository, Unit, display_of, relative_to
from opslint.reading import read_regular
from opslint.repo.ci_systems import concourse_kind


def tracked_files(root: str) -> tuple[str, ...] | None:
    """Display paths of the files git tracks below ``root``; None when ``root`` is not in a
    git work tree, git is missing or too slow."""
    from opslint.worktree import git

    output = git(root, "ls-files", "-z")
    if output is None:
        return None
    names = output.decode("utf-8", errors="surrogateescape").split("\0")
    return tuple(sorted(display_of(name, root) for name in names if name))


def scan_root(paths: Sequence[str], cwd: str | None = None) -> str:
    """The repository a scan looks at: the one folder given, else the working directory."""
    cwd = cwd or os.getcwd()
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return display_path(paths[0], cwd)
    return "."


def repository_root(paths: Sequence[str], config: Config, cwd: str | None = None) -> str:
    """The folder repository rules look at, as a display path: the configured
    ``repository-root``, else the git work tree holding the scanned paths, else the scan
    root."""
    from opslint.worktree import common_folder, work_tree_root

    cwd = cwd or os.getcwd()
    if config.repository_root:
        return display_path(config.repository_root, cwd)
    top = work_tree_root(common_folder(paths))
    return display_path(top, cwd) if top else scan_root(paths, cwd)


def build_repository(found: Discovery, units: Sequence[Unit], root: str) -> Repository:
    """The repository view: git's tracked files, repository files and units."""
    contents: dict[str, str] = {}
    for path in found.repository_files:
        text = _read_text(path)
        if text is not None:
            contents[path] = text
    kinds = {
        path: repository_kind(relative_to(path, root)) or "" for path in found.repository_files
    }
    for path, kind in kinds.items():
        if kind == "pipeline?":
            kinds[path] = concourse_kind(contents.get(path, ""))
    for path in found.repository_files:
        if kinds[path] != "ci":
            continue
        for reference in ci_references(contents.get(path, "")):
            shown = display_of(reference, root)
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
