"""CI systems read by their structure rather than their path: Concourse pipelines and task
files (any YAML file in a ``ci/``, ``concourse/`` or ``pipelines/`` folder, or named like
``*pipeline*.yml``, is a candidate), and the one-step-away files a CI definition runs
(``make -C dir target``, ``cd dir && make``, a Concourse task file of the repository).

YAML is parsed with PyYAML's safe loader; a file that does not parse, nests too deeply or
is not a mapping is not a pipeline, never an error.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from typing import Any

CONCOURSE_PIPELINE = "ci"
CONCOURSE_TASK = "concourse-task"

_MAKE = re.compile(
    r"(?:\bcd\s+(?P<cd>[\w./-]+)\s*(?:&&|;)\s*)?\b(?:make|gmake)\b(?P<args>[^\n;&|]*)"
)
_MAKE_DIR = re.compile(r"(?:-C\s*|--directory[= ])['\"]?([\w./-]+)")
_MAKE_FILE = re.compile(r"(?:-f\s*|--file[= ]|--makefile[= ])['\"]?([\w./-]+)")
_CONCOURSE_FILE = re.compile(r"^\s*(?:-\s+)?file:\s*['\"]?([\w./-]+\.ya?ml)\b", re.MULTILINE)


@lru_cache(maxsize=64)
def load_yaml(text: str) -> Any:
    """The YAML document in ``text`` (read-only: cached, shared between callers); None
    when it does not parse (or nests too deeply). An anchor defined again replaces the
    earlier one, as in YAML 1.2 and the Go parsers of Concourse and Drone (PyYAML refuses
    it)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.composer.ComposerError as error:
        if "duplicate anchor" not in str(error):
            return None
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    try:
        return yaml.load(_unique_anchors(text), Loader=loader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


_ANCHOR_OR_ALIAS = re.compile(
    r"(?P<lead>^[ \t]*|[:\-?][ \t]+|[\[,][ \t]*)(?P<sigil>[&*])(?P<name>[^\s,\[\]{}]+)",
    re.MULTILINE,
)


def _unique_anchors(text: str) -> str:
    """``text`` with each anchor defined again renamed (``&a`` … ``&a`` becomes ``&a`` …
    ``&a--1``) and every alias pointing at the latest definition before it."""
    seen: dict[str, int] = {}

    def rename(match: re.Match[str]) -> str:
        name = match.group("name")
        if match.group("sigil") == "&":
            seen[name] = seen.get(name, -1) + 1
        count = seen.get(name, 0)
        unique = f"{name}--{count}" if count else name
        return f"{match.group('lead')}{match.group('sigil')}{unique}"

    return _ANCHOR_OR_ALIAS.sub(rename, text)


def concourse_kind(text: str) -> str:
    """``ci`` for a Concourse pipeline (``jobs`` whose entries have a ``plan``),
    ``concourse-task`` for a task file (``platform`` and ``run``), ``""`` otherwise."""
    if "plan:" not in text and "run:" not in text:
        return ""  # most candidates: no need to parse them
    document = load_yaml(text)
    if not isinstance(document, dict):
        return ""
    jobs = document.get("jobs")
    if isinstance(jobs, list) and any(isinstance(j, dict) and "plan" in j for j in jobs):
        return CONCOURSE_PIPELINE
    if "platform" in document and isinstance(document.get("run"), dict):
        return CONCOURSE_TASK
    return ""


def concourse_job_names(text: str) -> list[str]:
    """The names of a Concourse pipeline's jobs (``[]`` for anything else)."""
    document = load_yaml(text)
    jobs = document.get("jobs") if isinstance(document, dict) else None
    if not isinstance(jobs, list):
        return []
    return [str(j["name"]) for j in jobs if isinstance(j, dict) and isinstance(j.get("name"), str)]


def makefiles_run(text: str) -> list[str]:
    """The Makefiles (paths relative to the repository root) the ``make`` commands of a CI
    definition or script run: ``make target`` the root ``Makefile``, ``make -C dir`` and
    ``cd dir && make`` the one in ``dir``, ``make -f file`` that file."""
    found: list[str] = []
    if "make" not in text:
        return found
    for match in _MAKE.finditer(text):
        args = match.group("args")
        if not re.match(r"\s+[\w-]", args):
            continue  # `make` as a word in prose or a path (`make.sh`, `make:`)
        folder = match.group("cd") or ""
        named = _MAKE_DIR.search(args)
        if named:
            folder = posixpath.join(folder, named.group(1))
        given = _MAKE_FILE.search(args)
        name = given.group(1) if given else "Makefile"
        path = posixpath.normpath(posixpath.join(folder, name))
        if not path.startswith(".."):
            found.append(path)
    return sorted(set(found))


def concourse_task_files(text: str) -> list[str]:
    """The task files a Concourse pipeline names (``file: input/ci/task.yml``), as paths
    relative to the repository root: the first folder of a ``file:`` path is the name of
    the input holding it, so both the path and the path without it are returned (the
    caller keeps the ones the repository has)."""
    found = []
    for match in _CONCOURSE_FILE.finditer(text):
        path = posixpath.normpath(match.group(1))
        found.append(path)
        if "/" in path:
            found.append(path.split("/", 1)[1])
    return sorted(set(found))
