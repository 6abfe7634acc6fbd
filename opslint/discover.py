"""Walk the given paths and classify the files opslint reads.

Terraform files are grouped by directory (a module is one unit); YAML and JSON files are
template *candidates*: whether they are CloudFormation is decided by content when they are
parsed, so a Kubernetes manifest or a workflow is dropped without a word.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from opslint.model import Diagnostic, relative_to
from opslint.parsers.cdk import StackTemplate, assembly_templates, is_assembly
from opslint.reading import DEFAULT_MAX_FILE_SIZE, kind_of, too_large_message

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".terraform",
        ".terragrunt-cache",
        "node_modules",
        ".aws-sam",
        "cdk.out",
        "__pycache__",
        ".venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".cfn")
REPOSITORY_FILES = frozenset(
    {
        ".gitignore",
        ".terraform.lock.hcl",
        ".pre-commit-config.yaml",
        "samconfig.toml",
        "terragrunt.hcl",
        "Makefile",
        "GNUmakefile",
        "samconfig.yaml",
        "samconfig.yml",
        "cdk.json",
        "environments.yaml",
        "environments.yml",
        "environments.json",
    }
)
CI_FILES = frozenset(
    {
        ".gitlab-ci.yml",
        "azure-pipelines.yml",
        "azure-pipelines.yaml",
        "bitbucket-pipelines.yml",
        "Jenkinsfile",
        "atlantis.yaml",
        "atlantis.yml",
        "amplify.yml",
        ".drone.yml",
        ".drone.yaml",
    }
)
CI_PLACES = frozenset(
    {
        ".circleci/config.yml",
        ".circleci/config.yaml",
        ".buildkite/pipeline.yml",
        ".buildkite/pipeline.yaml",
        ".spacelift/config.yml",
        ".spacelift/config.yaml",
    }
)
"""CI definitions known by their path from the repository root (CircleCI, Buildkite,
Spacelift)."""
PIPELINE_FOLDERS = frozenset({"ci", ".ci", "concourse", ".concourse", "pipelines", "pipeline"})
"""Folders where Concourse pipelines and task files usually live: their YAML files are
``pipeline?`` candidates, made ``ci`` by :func:`opslint.repository.build_repository` when
their content is a Concourse pipeline."""
BACKEND_SUFFIXES = (".tfbackend", ".backend")
"""Partial backend configuration files (``terraform init -backend-config=prod.tfbackend``),
often one per environment."""
SCRIPT_FOLDERS = frozenset({"bin", "scripts", "tools"})
"""Folders whose files without an extension are read as scripts (deploy commands)."""
CODEOWNERS_PLACES = frozenset({"CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"})


_CI_ACTION = re.compile(r"\buses:\s*['\"]?\./([\w./-]*)")
_CI_SCRIPT = re.compile(r"(?<![\w/.:$-])((?:\./)?(?:[\w.-]+/)*[\w.-]+\.sh)\b")


def ci_references(text: str, base: str = "") -> list[str]:
    """Files of the repository a CI definition runs (paths relative to the repository
    root): shell scripts it calls and the ``action.yml`` of local GitHub actions. ``base``:
    the folder the commands run in (a Makefile's), relative to the repository root."""
    found: list[str] = []
    for match in _CI_ACTION.finditer(text):
        folder = match.group(1).strip("/")
        for name in ("action.yml", "action.yaml"):
            found.append(posixpath.join(folder, name) if folder else name)
    found.extend(posixpath.join(base, match.group(1)) for match in _CI_SCRIPT.finditer(text))
    normalised = (posixpath.normpath(path) for path in found)
    return sorted({path for path in normalised if not path.startswith("..")})


def repository_kind(path: str) -> str | None:
    """What a repository-level rule reads in the file at ``path`` (relative to the scan
    root): ``ci``, ``codeowners``, ``tfvars``, ``backend-config`` (``*.tfbackend``),
    ``script`` (shell scripts, Makefile includes, and extensionless files in ``bin/``,
    ``scripts/`` or ``tools/``: read for deploy commands), ``pipeline?`` (YAML that may be
    a Concourse pipeline), or its own name for the other repository files (``.gitignore``,
    ``.terraform.lock.hcl``, ``samconfig.toml``, ``environments.yaml``, ``Makefile``, ...),
    ``parameters`` for JSON/YAML files with "param" in their path (CloudFormation parameter
    files); None for the rest."""
    name = path.rsplit("/", 1)[-1]
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    if path in CODEOWNERS_PLACES:
        return "codeowners"
    if name in CI_FILES or (name.startswith("buildspec") and name.endswith((".yml", ".yaml"))):
        return "ci"
    if folder == ".github/workflows" and name.endswith((".yml", ".yaml")):
        return "ci"
    if path in CI_PLACES:
        return "ci"
    if name.endswith((".tfvars", ".tfvars.json")):
        return "tfvars"
    if name.endswith(BACKEND_SUFFIXES):
        return "backend-config"
    if name.endswith((".json", ".yaml", ".yml")) and "param" in path.lower():
        return "parameters"
    if name in REPOSITORY_FILES:
        return name
    if name.endswith((".sh", ".mk")) or (
        "." not in name and folder.rsplit("/", 1)[-1] in SCRIPT_FOLDERS
    ):
        return "script"
    if name.endswith((".yml", ".yaml")) and (
        "pipeline" in name.lower() or PIPELINE_FOLDERS.intersection(path.split("/")[:-1])
    ):
        return "pipeline?"
    return None


def display_path(path: str | os.PathLike[str], cwd: str) -> str:
    """A path relative to the working directory with POSIX separators."""
    relative = os.path.relpath(os.path.abspath(path), cwd)
    return Path(relative).as_posix()


def terraform_kind(name: str) -> str | None:
    if name.endswith((".tfvars", ".tfvars.json")):
        return "tfvars"
    if name.endswith((".tf", ".tf.json")):
        return "tf"
    return None


@dataclass
class Discovery:
    """What a walk found, keyed by display paths."""

    modules: dict[str, list[str]] = field(default_factory=dict)
    """Terraform module directory → its ``.tf``/``.tf.json``/``.tfvars`` files."""
    templates: list[str] = field(default_factory=list)
    """YAML/JSON files that may be CloudFormation templates."""
    repository_files: list[str] = field(default_factory=list)
    """Files repository-level rules read (CI definitions, CODEOWNERS, lock files, tfvars);
    see :func:`repository_kind`."""
    cdk_stacks: list[StackTemplate] = field(default_factory=list)
    """Stack templates of the CDK cloud assemblies (``cdk.out/``) found."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    explicit_files: set[str] | None = None
    """Files named on the command line (pre-commit); findings are limited to them."""

    def sort(self) -> None:
        for files in self.modules.values():
            files.sort()
        self.templates.sort()
        self.repository_files.sort()


class Excluder:
    """Matches display paths against exclude patterns with ``.gitignore`` semantics
    (``legacy/``, ``/infra/old/``, ``**/test/*.tf``, ``*.generated.yaml``, ``!keep.tf``):
    a pattern without a slash matches at any depth, one with a slash is anchored at the
    folder the patterns are relative to, ``*`` stays within one path segment, and a
    folder that matches excludes everything below it."""

    def __init__(self, patterns: Iterable[str], base: str | None = None) -> None:
        self.patterns = tuple(_gitignore_line(p) for p in patterns if p.strip())
        self.base = base
        """Display path of the folder the patterns are relative to (the configuration
        file's); None: the folder being scanned."""

    def excluded(self, path: str, top: str = ".", is_dir: bool = False) -> bool:
        """``path`` is a display path (a folder when ``is_dir``); patterns match it as it
        is and relative to ``base`` (else ``top``, the folder being scanned)."""
        if not self.patterns:
            return False
        spec = _spec(self.patterns)
        suffix = "/" if is_dir else ""
        anchor = self.base if self.base is not None else top
        candidates = {path}
        if anchor not in (".", ""):
            candidates.add(relative_to(path, anchor))
        return any(
            spec.match_file(candidate + suffix)
            for candidate in candidates
            if candidate not in (".", "") and not candidate.startswith("../")
        )


def _gitignore_line(pattern: str) -> str:
    """A configured pattern as a ``.gitignore`` line: ``./x`` is anchored (``/x``)."""
    pattern = pattern.strip()
    return "/" + pattern[2:] if pattern.startswith("./") else pattern


@functools.lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(patterns)


def discover(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    cwd: str | None = None,
    base: str | None = None,
    respect_gitignore: bool = True,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
) -> Discovery:
    """Walk ``paths`` (files or directories) and classify what is there. ``exclude``
    patterns are relative to ``base`` (the configuration's folder, a display path), else
    to each folder walked. Files git ignores are left out unless ``respect_gitignore`` is
    False. Only regular files of at most ``max_file_size`` bytes are taken: a larger one is
    a note, anything else (a named pipe, a device) is skipped, or reported when named on the
    command line."""
    cwd = cwd or os.getcwd()
    found = Discovery()
    excluder = Excluder(exclude, base)
    explicit: set[str] = set()
    seen_dirs: set[tuple[int, int]] = set()
    for given in paths or ["."]:
        if not os.path.lexists(given):
            found.diagnostics.append(
                Diagnostic(display_path(given, cwd), "path does not exist", code="io-error")
            )
            continue
        if os.path.isdir(given) and is_assembly(given):
            _add_assembly(display_path(given, cwd), found)
        elif os.path.isdir(given):
            _walk(given, cwd, found, excluder, seen_dirs, max_file_size)
        else:
            shown = display_path(given, cwd)
            if excluder.excluded(shown):
                # named by pre-commit or a script: configured excludes still apply
                explicit.add(shown)
                continue
            if not _admissible(given, shown, found, max_file_size, named=True):
                explicit.add(shown)  # reported; the rest of the scan goes on
                continue
            if _classify(shown, found, "."):
                explicit.add(shown)
                if terraform_kind(shown):
                    _add_module_siblings(shown, cwd, found, excluder, max_file_size)
    if explicit:
        found.explicit_files = explicit
    if respect_gitignore:
        _drop_ignored(found, paths, cwd)
    found.sort()
    return found


def _drop_ignored(found: Discovery, paths: Sequence[str], cwd: str) -> None:
    """Leave out the files the walk found that git ignores (a file named on the command
    line stays)."""
    from opslint.worktree import common_folder, ignored_by_git

    named = found.explicit_files or set()
    walked = {
        path
        for path in (*found.templates, *found.repository_files, *_files(found.modules))
        if path not in named
    }
    if not walked:
        return
    folder = common_folder([os.path.join(cwd, p) for p in paths or ["."]])
    below = {Path(os.path.relpath(os.path.join(cwd, p), folder)).as_posix(): p for p in walked}
    ignored = {below[name] for name in ignored_by_git(folder, sorted(below)) if name in below}
    if not ignored:
        return
    found.templates = [p for p in found.templates if p not in ignored]
    found.repository_files = [p for p in found.repository_files if p not in ignored]
    for directory in list(found.modules):
        kept = [p for p in found.modules[directory] if p not in ignored]
        if kept:
            found.modules[directory] = kept
        else:
            del found.modules[directory]


def _files(modules: dict[str, list[str]]) -> list[str]:
    return [path for files in modules.values() for path in files]


def _admissible(full: str, shown: str, found: Discovery, limit: int, named: bool = False) -> bool:
    """True when ``full`` is a regular file of at most ``limit`` bytes (links followed). A
    larger file is a note; anything else (a named pipe would block the run, a device never
    ends) is skipped silently in a walk and reported when ``named`` on the command line."""
    try:
        info = os.stat(full)
    except OSError as exc:
        found.diagnostics.append(
            Diagnostic(shown, f"cannot read: {exc.strerror or exc}", code="io-error")
        )
        return False
    kind = kind_of(info.st_mode)
    if kind is not None:
        if named:
            found.diagnostics.append(
                Diagnostic(shown, f"{kind}, not a regular file; not read", code="io-error")
            )
        return False
    if info.st_size > limit:
        found.diagnostics.append(
            Diagnostic(shown, too_large_message(info.st_size, limit), code="file-too-large")
        )
        return False
    return True


def _below(shown: str, top: str) -> str:
    """``shown`` relative to the walked folder ``top``."""
    return relative_to(shown, top)


def _wanted(name: str, below: str) -> bool:
    """Whether :func:`_classify` would take the file: only those are looked at on disk."""
    return bool(terraform_kind(name) or name.endswith(TEMPLATE_SUFFIXES) or repository_kind(below))


def _add_assembly(shown: str, found: Discovery) -> None:
    templates, diagnostics = assembly_templates(shown)
    found.cdk_stacks.extend(templates)
    found.diagnostics.extend(diagnostics)


def _classify(shown: str, found: Discovery, top: str) -> bool:
    """File ``shown`` in its classes; True when it is IaC (a Terraform file or a template
    candidate). ``top`` is the folder being walked: repository files are recognised by
    their path below it (``.github/workflows/ci.yml``)."""
    name = shown.rsplit("/", 1)[-1]
    below = relative_to(shown, top)
    if repository_kind(below) and shown not in found.repository_files:
        found.repository_files.append(shown)
    if terraform_kind(name):
        directory = shown.rsplit("/", 1)[0] if "/" in shown else "."
        files = found.modules.setdefault(directory, [])
        if shown not in files:
            files.append(shown)
        return True
    if name.endswith(TEMPLATE_SUFFIXES):
        if shown not in found.templates:
            found.templates.append(shown)
        return True
    return False


def _add_module_siblings(
    shown: str, cwd: str, found: Discovery, excluder: Excluder, max_file_size: int
) -> None:
    """A Terraform file named alone still needs its module's other files to resolve
    variables and locals."""
    directory = os.path.dirname(os.path.join(cwd, shown)) or cwd
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    for name in names:
        path = os.path.join(directory, name)
        if terraform_kind(name) and os.path.isfile(path):
            sibling = display_path(path, cwd)
            if sibling in found.modules.get(posixpath.dirname(sibling) or ".", ()):
                continue
            if not excluder.excluded(sibling) and _admissible(path, sibling, found, max_file_size):
                _classify(sibling, found, ".")


def _walk(
    top: str,
    cwd: str,
    found: Discovery,
    excluder: Excluder,
    seen: set[tuple[int, int]],
    max_file_size: int,
) -> None:
    def on_error(error: OSError) -> None:
        path = display_path(error.filename or top, cwd)
        found.diagnostics.append(
            Diagnostic(path, f"cannot read directory: {error.strerror}", code="io-error")
        )

    shown_top = display_path(top, cwd)
    real_top = os.path.realpath(top)
    for directory, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=True):
        try:
            stat = os.stat(directory)
        except OSError:
            continue
        key = (stat.st_dev, stat.st_ino)
        if key in seen:
            # a symbolic link leads back into a folder already walked
            if os.path.islink(directory):
                found.diagnostics.append(
                    Diagnostic(
                        display_path(directory, cwd),
                        "symbolic link loop (or a second link to a folder already scanned); "
                        "skipped",
                        code="symlink-loop",
                    )
                )
            dirnames[:] = []
            continue
        seen.add(key)
        shown_dir = display_path(directory, cwd)
        kept = []
        for name in sorted(dirnames):
            child = name if shown_dir == "." else f"{shown_dir}/{name}"
            if excluder.excluded(child, shown_top, is_dir=True):
                continue
            full = os.path.join(directory, name)
            if os.path.islink(full) and not _follow_link(full, child, real_top, found):
                continue
            if is_assembly(full):
                _add_assembly(child, found)  # read through its manifest, not walked
                continue
            if name in SKIPPED_DIRS:
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            child = name if shown_dir == "." else f"{shown_dir}/{name}"
            if excluder.excluded(child, shown_top):
                continue
            full = os.path.join(directory, name)
            if os.path.islink(full) and not os.path.exists(full):
                if terraform_kind(name) or name.endswith(TEMPLATE_SUFFIXES):
                    found.diagnostics.append(
                        Diagnostic(child, "broken symbolic link; skipped", code="io-error")
                    )
                continue
            if not _wanted(name, _below(child, shown_top)):
                continue
            if _admissible(full, child, found, max_file_size):
                _classify(child, found, shown_top)


def _follow_link(full: str, shown: str, real_top: str, found: Discovery) -> bool:
    """Whether to walk into the folder link ``full``: only when it leads to a folder inside
    the scanned one (``real_top``). A link to an enclosing folder (``..``, ``/``) is a loop;
    a link elsewhere would walk the rest of the machine (``/proc``, ``/dev``); neither is
    followed."""
    real = os.path.realpath(full)
    if real_top == real or real_top.startswith(real.rstrip(os.sep) + os.sep):
        found.diagnostics.append(
            Diagnostic(
                shown,
                "symbolic link loop (a link to a folder that encloses it); skipped",
                code="symlink-loop",
            )
        )
        return False
    if not real.startswith(real_top.rstrip(os.sep) + os.sep):
        found.diagnostics.append(
            Diagnostic(
                shown,
                "symbolic link to a folder outside the scanned folder; not followed",
                code="outside-link",
            )
        )
        return False
    return True
