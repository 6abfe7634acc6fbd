"""OPS05-BP03/terraform-versions-pinned: Terraform root modules constrain the Terraform and
provider versions they run with; reusable modules state the oldest versions they support."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from opslint.model import ABSENT, Repository, Severity, Unit
from opslint.repo.terraform_roots import SKIP_ROOTS, roots_to_check, settings_location, skipped
from opslint.rule import Docs, Example, Option, RepositoryContext, Rule, Violation

BUILT_IN_PROVIDERS = frozenset({"terraform"})

_CONSTRAINT = re.compile(r"\s*(>=|<=|~>|!=|>|<|=)?\s*v?\d")
_FLOORS = frozenset({None, "=", ">=", ">", "~>"})
"""Operators that bound a version from below (a bare version is an exact pin)."""


def used_providers(unit: Unit) -> set[str]:
    """Local names of the providers the module itself configures or its own resources and
    data sources use (the type's prefix, or the ``provider`` meta-argument's name). The
    providers of the modules it calls are theirs to declare, as Terraform reads it."""
    names = {provider.name for provider in unit.providers}
    for resource in unit.resources:
        if resource.kind == "module" or resource.module:
            continue
        provider = resource.get_meta("provider")
        if isinstance(provider, str) and provider:
            names.add(provider.split(".", 1)[0])
        else:
            names.add(resource.type.split("_", 1)[0])
    return names - BUILT_IN_PROVIDERS


def constraints(unit: Unit, provider: str) -> list[Any]:
    """The version constraints written for ``provider``: its ``required_providers`` entry
    (the ``version`` of an object, or the legacy string form ``aws = "~> 5.0"``) and the
    ``version`` argument of its ``provider`` blocks (the way to pin before Terraform 0.13,
    which Terraform 1.x still applies)."""
    found: list[Any] = []
    settings = unit.settings
    requirement = settings.required_providers.get(provider, ABSENT) if settings else ABSENT
    if isinstance(requirement, dict):
        requirement = requirement.get("version", ABSENT)
    found.append(requirement)
    found.extend(c.attributes.get("version", ABSENT) for c in unit.providers if c.name == provider)
    return [c for c in found if c is not ABSENT and c is not None]


def has_version(value: Any) -> bool | None:
    """Whether a constraint value constrains the version at all; None when unknown."""
    if isinstance(value, str):
        return bool(value.strip())
    return None


def has_floor(value: Any) -> bool | None:
    """Whether a constraint sets a minimum version (``>= 5.0``, ``~> 5.0``, ``5.0.1``); None
    when unknown or not a constraint opslint can read."""
    if not isinstance(value, str):
        return None
    if not value.strip():
        return False
    operators = []
    for part in value.split(","):
        match = _CONSTRAINT.match(part)
        if match is None:
            return None
        operators.append(match.group(1))
    return any(op in _FLOORS for op in operators)


def verdict(values: list[Any], test: Any) -> bool | None:
    """True when some constraint passes ``test``, None when none does but one is unknown."""
    results = [test(v) for v in values]
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def is_configuration(unit: Unit) -> bool:
    """A module read from ``.tf`` files (not a plan) with resources or data sources of its
    own."""
    return unit.settings is not None and any(
        r.kind != "module" and not r.module for r in unit.resources
    )


class TerraformVersionsPinned(Rule):
    id = "OPS05-BP03/terraform-versions-pinned"
    title = "Terraform modules constrain the Terraform and provider versions they run with"
    severity = Severity.WARNING
    options = (
        SKIP_ROOTS,
        Option(
            "check_modules",
            "bool",
            True,
            "Also ask modules that are not roots for minimum Terraform and provider versions "
            "(false: judge root modules only, for module collections that only this "
            "repository's pinned roots call).",
        ),
    )
    docs = Docs(
        what=(
            "For each Terraform root module of the scan (a module no other scanned module "
            "calls through a local `source` and that configures a backend, has its own "
            "`*.tfvars`, or configures a `provider` while needing no input), checks that "
            "`required_version` is set and that every provider the module configures or its "
            "own resources and data sources use has a version constraint: a `version` in "
            "`required_providers`, or the `version` argument of its `provider` block (the "
            "way to pin before Terraform 0.13). Every other module with resources or data "
            "sources of its own (a module other modules call, or a reusable module published "
            "on its own) must state the oldest versions it supports, as HashiCorp's module "
            "guidance and tflint's `terraform_required_version` and "
            "`terraform_required_providers` rules ask: a `required_version` and a provider "
            "`version` that set a minimum (`>=`, `~>` or an exact version); such a module "
            "gets one finding, a `note`, naming everything it leaves without a minimum. "
            "Findings point at the `terraform {}` block, or at the first line of the main "
            "file when there is none."
        ),
        why=(
            "OPS05-BP03 asks you to use configuration management systems deliberately: the "
            "same code must give the same result wherever it runs. Without version "
            "constraints the next `terraform init` silently picks up a new major version of "
            "Terraform or of a provider, with changed defaults and removed arguments, and a "
            "routine change turns into an unplanned upgrade. A reusable module that does not "
            "say which versions it needs lets a caller run it with a Terraform or provider "
            "too old for the arguments it uses, and the error comes from deep inside it."
        ),
        fix=(
            "In the root module's `terraform {}` block set `required_version` (e.g. "
            '`"~> 1.9"`) and give each provider a `source` and `version` (e.g. '
            '`aws = { source = "hashicorp/aws", version = "~> 5.0" }`). Commit the '
            "`.terraform.lock.hcl` that `terraform init` writes to pin exact builds. In a "
            'reusable module state lower bounds only (`required_version = ">= 1.3"`, '
            '`aws = { source = "hashicorp/aws", version = ">= 5.0" }`) and leave pinning to '
            "the root that calls it."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
                    'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}'
                ),
                passing=(
                    'terraform {\n  required_version = "~> 1.9"\n  required_providers {\n'
                    '    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 5.0"\n'
                    '    }\n  }\n  backend "s3" {}\n}\n\n'
                    'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}'
                ),
            ),
        ),
        cautions=(
            "A module is a root only when it looks deployed (see above); anything else needs "
            "only minimum versions, which a pinned constraint also satisfies, so a root "
            "mistaken for a module is never asked for less than it has. Each module "
            "declares the providers it uses itself: a root is not asked for those of the "
            "modules it calls, and a module that only calls others is not judged. A "
            "collection of modules that only this repository's pinned roots "
            "call can be left to them with `check_modules: false`. Modules with a "
            "`terragrunt.hcl` beside them are judged too "
            "(Terragrunt can generate these blocks: suppress with a reason if yours does). "
            "Folders matched by `skip_paths` (examples, samples, tests, fixtures, docs) are "
            "not judged. An unresolvable version expression counts as set."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return any(u.framework == "terraform" for u in repo.units)

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        globs = ctx.option("skip_paths")
        roots = roots_to_check(repo, globs, terragrunt=False)
        for unit in roots:
            yield from self._check_root(repo, unit)
        if not ctx.option("check_modules"):
            return
        for unit in repo.units:
            if (
                unit.framework == "terraform"
                and unit not in roots
                and is_configuration(unit)
                and not skipped(repo, unit, globs)
            ):
                yield from self._check_module(repo, unit)

    def _check_root(self, repo: Repository, unit: Unit) -> Iterator[Violation]:
        path, span = settings_location(unit)
        name = repo.relative(unit.path)
        settings = unit.settings
        required_version = settings.required_version if settings else ABSENT
        if required_version is ABSENT or required_version is None:
            yield self.file_violation(
                path,
                f"Root module `{name}` does not set `required_version`: constrain the "
                'Terraform version in its `terraform {}` block (e.g. `"~> 1.9"`)',
                line=span.line,
                end_line=span.end_line,
                key="required_version",
            )
        required = settings.required_providers if settings else {}
        for provider in sorted(used_providers(unit) | set(required)):
            if verdict(constraints(unit, provider), has_version) is not False:
                continue
            where = (
                "has no `version` in `required_providers`"
                if provider in required
                else "is not listed in `required_providers`"
            )
            yield self.file_violation(
                path,
                f"Root module `{name}`: provider `{provider}` {where}: add "
                f'`{provider} = {{ source = "...", version = "~> X.Y" }}`',
                line=span.line,
                end_line=span.end_line,
                key=f"provider:{provider}",
            )

    def _check_module(self, repo: Repository, unit: Unit) -> Iterator[Violation]:
        """One finding per module naming every version it leaves without a minimum."""
        settings = unit.settings
        required_version = settings.required_version if settings else ABSENT
        versions = [] if required_version in (ABSENT, None) else [required_version]
        gaps = []
        if verdict(versions, has_floor) is False:
            gaps.append(_gap("`required_version`", versions, "is not set"))
        required = settings.required_providers if settings else {}
        missing = []
        for provider in sorted(used_providers(unit) | set(required)):
            written = constraints(unit, provider)
            if verdict(written, has_floor) is not False:
                continue
            missing.append(provider)
            absent = (
                "has no `version` in `required_providers`"
                if provider in required
                else "is not in `required_providers`"
            )
            gaps.append(_gap(f"provider `{provider}`", written, absent))
        if not gaps:
            return
        example = ['`required_version = ">= 1.3"`'] if len(gaps) > len(missing) else []
        example += [f'`{p} = {{ source = "...", version = ">= X.Y" }}`' for p in missing[:2]]
        path, span = settings_location(unit)
        yield self.file_violation(
            path,
            f"Module `{repo.relative(unit.path)}` does not state the oldest versions it "
            f"supports ({'; '.join(gaps)}): give each a lower bound in its `terraform {{}}` "
            f"block, e.g. {' and '.join(example)}",
            line=span.line,
            end_line=span.end_line,
            key="minimum-versions",
            severity=Severity.NOTE,
        )


def _gap(subject: str, written: list[Any], absent: str) -> str:
    """What ``subject`` lacks: a constraint at all, or a lower bound in the written ones."""
    shown = ", ".join(f"`{v}`" for v in written if isinstance(v, str) and v.strip())
    if not written:
        return f"{subject} {absent}"
    if not shown:
        return f"{subject} is empty"
    return f"{subject} {shown} has no minimum"
