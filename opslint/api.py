"""Lint files held in memory: the whole pipeline (discover, parse, rules, suppressions) on a
throw-away copy, for editors, notebooks and tests.

    >>> from opslint.api import lint
    >>> result = lint({"main.tf": 'resource "aws_cloudwatch_log_group" "app" {}\\n'},
    ...               select=["OPS08-BP02/log-group-retention"])
    >>> [(f.rule_id, f.path, f.line) for f in result.findings]
    [('OPS08-BP02/log-group-retention', 'main.tf', 1)]

Paths in the result are the keys of ``files`` (POSIX, relative). The files are written to a
temporary folder that is the scan root and the working directory while the run lasts, so
one ``lint`` runs at a time per process; a ``.opslint.yaml`` among the files is read like
on disk, and ``select``, ``ignore`` and ``options`` win over it.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import subprocess
import tempfile
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from opslint.config import ConfigError, RuleSettings, load_config, validate_against_rules
from opslint.registry import Registry, load_registry
from opslint.result import Result
from opslint.rule import Rule

__all__ = ["ConfigError", "lint"]

_ONE_RUN_AT_A_TIME = threading.Lock()
"""A run changes the working directory, which is the process's."""


def lint(
    files: Mapping[str, str],
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    options: Mapping[str, Mapping[str, Any]] | None = None,
    as_of: datetime.date | str | None = None,
    registry: Registry | Iterable[type[Rule]] | None = None,
    git: bool | Collection[str] = False,
    paths: Sequence[str] = (".",),
) -> Result:
    """Run opslint on ``files`` (relative path → text).

    ``select``/``ignore`` take rule IDs, practice IDs and groups as on the command line;
    ``options`` maps a rule ID to its options (``{"OPS08-BP02/log-group-retention":
    {"min_days": 30}}``); ``as_of`` fixes the date rules judge dates by (``--as-of``);
    ``registry`` replaces the built-in rules and entry points. A bad selector or option
    raises :class:`~opslint.config.ConfigError`, as the command line exits 2. With
    ``git``, the files are a git repository's (``git`` must be installed), for the rules
    about what a repository tracks: ``True`` tracks every file, a collection of names only
    those. ``paths`` are what is scanned, as on the command line (default: every file); a
    folder or a named file scans part of the repository as ``opslint check infra/`` or a
    pre-commit run would.
    """
    from opslint.catalog import load_catalog
    from opslint.runner import run

    rules = _builtin_rules() if registry is None else registry
    if not isinstance(rules, Registry):
        rules = Registry(tuple(rules))
    today = datetime.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    with _ONE_RUN_AT_A_TIME, tempfile.TemporaryDirectory(prefix="opslint-") as folder:
        root = Path(folder)
        for name, text in files.items():
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts:
                raise ValueError(f"{name!r}: file names must be relative and stay inside")
            path = root.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if git is not False:
            _track(root, ["-A"] if git is True else ["--", *sorted(git)])
        with contextlib.chdir(root):
            config = load_config(None, Path("."))
            settings = dict(config.rules)
            for rule_id, values in (options or {}).items():
                known = settings.get(rule_id, RuleSettings())
                settings[rule_id] = replace(known, options={**known.options, **values})
            config = config.merged(
                select=tuple(select) or None, ignore=tuple(ignore) or None, rules=settings
            )
            validate_against_rules(config, list(rules), {p.id for p in load_catalog()})
            return run(list(paths), rules, config, jobs=1, today=today)


@functools.cache
def _builtin_rules() -> Registry:
    """The built-in rules, loaded once per process (a run never changes them)."""
    return load_registry(entry_points=False)


def _track(root: Path, what: Sequence[str]) -> None:
    """Make ``root`` a git repository that tracks ``what`` (``git add`` arguments)."""
    for command in (["init", "-q"], ["add", *what]):
        subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "-C", str(root), *command],
            check=True,
            capture_output=True,
            timeout=60,
        )
