"""Terraform root modules as repository rules see them: which to judge (not examples, test
fixtures or Terragrunt-wrapped modules) and which file to report on (shared by the OPS05
state, backend, version and lock-file rules)."""

from __future__ import annotations

from opslint.discover import Excluder
from opslint.model import Repository, Span, Unit
from opslint.rule import Option

DEFAULT_SKIPPED = [
    "**/examples/**",
    "**/example/**",
    "**/samples/**",
    "**/test/**",
    "**/tests/**",
    "**/fixtures/**",
    "**/docs/**",
]
"""Folders holding sample, documentation or test configurations rather than deployed
roots."""

SKIP_ROOTS = Option(
    "skip_paths",
    "list[str]",
    DEFAULT_SKIPPED,
    "Globs of module folders (relative to the repository root) that are examples or "
    "tests, not deployed roots.",
)
"""The ``skip_paths`` option of the rules that judge root modules."""


def uses_terragrunt(repo: Repository, unit: Unit) -> bool:
    """A ``terragrunt.hcl`` beside the module: Terragrunt generates backend and provider
    settings, so they are not in the module's own files."""
    return beside(unit, "terragrunt.hcl") in repo.files


def beside(unit: Unit, name: str) -> str:
    """The display path of file ``name`` in the module's folder."""
    return name if unit.path in (".", "") else f"{unit.path.rstrip('/')}/{name}"


def skipped(repo: Repository, unit: Unit, globs: list[str]) -> bool:
    """Whether the module sits in a folder matched by ``globs`` (relative to the scan
    root; ``**/examples/**`` also matches ``examples/`` at the root)."""
    return Excluder([glob.removesuffix("/**") for glob in globs]).excluded(
        repo.relative(unit.path), is_dir=True
    )


def is_deployed(unit: Unit) -> bool:
    """Whether a module looks like a configuration someone runs ``terraform apply`` in
    rather than a reusable module: it configures a backend, has its own ``*.tfvars``, or
    configures a provider and needs no input (every variable has a default). Reusable
    modules (a module library's root, terraform-aws-modules' ``wrappers/``) configure
    neither backend nor provider, or expect their caller to pass required inputs."""
    settings = unit.settings
    if settings is not None and (settings.backend or settings.cloud):
        return True
    if any(f.endswith((".tfvars", ".tfvars.json")) for f in unit.files):
        return True
    return bool(unit.providers) and not unit.required_variables


def roots_to_check(repo: Repository, globs: list[str], terragrunt: bool = True) -> list[Unit]:
    """Deployed root modules (see :func:`is_deployed`) with resources or module calls,
    outside skipped folders and, unless ``terragrunt`` is False, not wrapped by
    Terragrunt."""
    return [
        unit
        for unit in repo.root_modules()
        if unit.resources
        and is_deployed(unit)
        and not skipped(repo, unit, globs)
        and not (terragrunt and uses_terragrunt(repo, unit))
    ]


def settings_location(unit: Unit) -> tuple[str, Span]:
    """Where to report on a module's settings: its ``terraform {}`` block, else the first
    line of its main file (``main.tf`` when there is one)."""
    if unit.settings is not None and unit.settings.span is not None and unit.settings.path:
        return unit.settings.path, unit.settings.span
    return main_file(unit), Span(1, 1)


def main_file(unit: Unit) -> str:
    configuration = [f for f in unit.files if f.endswith((".tf", ".tf.json"))]
    for name in ("main.tf", "main.tf.json"):
        for path in configuration:
            if path.rsplit("/", 1)[-1] == name:
                return path
    return configuration[0] if configuration else unit.path
