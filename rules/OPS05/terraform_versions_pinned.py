"""OPS05-BP03/terraform-versions-pinned: Terraform root modules constrain the Terraform and
provider versions they run with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opslint.model import ABSENT, Repository, Severity, Unit, Unknown
from opslint.repo.terraform_roots import SKIP_ROOTS, roots_to_check, settings_location
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

BUILT_IN_PROVIDERS = frozenset({"terraform"})


def used_providers(unit: Unit) -> set[str]:
    """Local names of the providers the module configures or its resources and data sources
    use (the type's prefix, or the ``provider`` meta-argument's name)."""
    names = {provider.name for provider in unit.providers}
    for resource in unit.resources:
        if resource.kind == "module":
            continue
        provider = resource.get_meta("provider")
        if isinstance(provider, str) and provider:
            names.add(provider.split(".", 1)[0])
        else:
            names.add(resource.type.split("_", 1)[0])
    return names - BUILT_IN_PROVIDERS


def has_version(requirement: Any) -> bool | None:
    """Whether a ``required_providers`` entry constrains the version; None when unknown."""
    if isinstance(requirement, Unknown):
        return None
    if isinstance(requirement, str):  # legacy `aws = "~> 5.0"`
        return bool(requirement.strip())
    if isinstance(requirement, dict):
        version = requirement.get("version", ABSENT)
        if isinstance(version, Unknown):
            return None
        return isinstance(version, str) and bool(version.strip())
    return None


class TerraformVersionsPinned(Rule):
    id = "OPS05-BP03/terraform-versions-pinned"
    title = "Terraform root modules set required_version and provider version constraints"
    severity = Severity.WARNING
    options = (SKIP_ROOTS,)
    docs = Docs(
        what=(
            "For each Terraform root module of the scan (a module no other scanned module "
            "calls through a local `source` and that configures a backend, has its own "
            "`*.tfvars`, or configures a `provider` while needing no input), checks the "
            "`terraform {}` block: "
            "`required_version` is set, and every provider the module's resources use is "
            "listed in `required_providers` with a `version` constraint. Findings point at "
            "the `terraform {}` block, or at the first line of the main file when there is "
            "none."
        ),
        why=(
            "OPS05-BP03 asks you to use configuration management systems deliberately: the "
            "same code must give the same result wherever it runs. Without version "
            "constraints the next `terraform init` silently picks up a new major version of "
            "Terraform or of a provider, with changed defaults and removed arguments, and a "
            "routine change turns into an unplanned upgrade."
        ),
        fix=(
            "In the root module's `terraform {}` block set `required_version` (e.g. "
            '`"~> 1.9"`) and give each provider a `source` and `version` (e.g. '
            '`aws = { source = "hashicorp/aws", version = "~> 5.0" }`). Commit the '
            "`.terraform.lock.hcl` that `terraform init` writes to pin exact builds."
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
            "Child modules (called by another scanned module) are not judged: they should "
            "state lower bounds (`>= 5.0`) and leave pinning to the root. Modules with a "
            "`terragrunt.hcl` beside them are judged too (Terragrunt can generate these "
            "blocks: suppress with a reason if yours does). Folders matched by `skip_paths` "
            "(examples, samples, tests, fixtures, docs) are not judged. An unresolvable version "
            "expression counts as set."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return any(u.framework == "terraform" for u in repo.units)

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        for unit in roots_to_check(repo, ctx.option("skip_paths"), terragrunt=False):
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
                verdict = has_version(required.get(provider)) if provider in required else False
                if verdict is not False:
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
