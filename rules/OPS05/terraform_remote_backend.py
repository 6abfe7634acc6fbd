"""OPS05-BP01/terraform-remote-backend: Terraform root modules keep their state in a remote
backend."""

from __future__ import annotations

from collections.abc import Iterator

from opslint.model import Repository, Severity
from opslint.repo.terraform_roots import SKIP_ROOTS, roots_to_check, settings_location
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

LOCAL_BACKENDS = frozenset({"local"})


class TerraformRemoteBackend(Rule):
    id = "OPS05-BP01/terraform-remote-backend"
    title = "Terraform root modules declare a remote backend"
    severity = Severity.WARNING
    options = (SKIP_ROOTS,)
    docs = Docs(
        what=(
            "Finds the Terraform root modules of the scan — modules no other scanned module "
            "calls through a local `source` and that have their own `*.tfvars` or configure "
            "a `provider` while needing no input (every variable has a default); reusable "
            "modules leave providers, inputs and state to their caller — and checks that "
            "each declares where its state lives: "
            '`terraform { backend "<type>" { ... } }` with a type other than `local`, '
            "or `terraform { cloud { ... } }`. A root module without one keeps its state in a "
            "local `terraform.tfstate`. The finding points at the `terraform {}` block, or at "
            "the first line of the module's main file when there is none. Modules without "
            "resources or module calls are not judged."
        ),
        why=(
            "OPS05-BP01 asks you to keep infrastructure in version control so that changes "
            "are shared, reviewed and repeatable. Local state defeats this: it lives on one "
            "laptop, is not locked against concurrent applies, and tempts people to commit "
            "it. A remote backend with locking makes the repository plus the backend the "
            "single source of truth."
        ),
        fix=(
            "Add a backend block to the root module, for example "
            '`backend "s3" { bucket = "...", key = "app/terraform.tfstate", region = "...", '
            "use_lockfile = true }`. Settings may be given at `terraform init` time with "
            '`-backend-config`; an empty `backend "s3" {}` is enough for this rule.'
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'terraform {\n  required_version = ">= 1.5"\n}\n\n'
                    'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
                    'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}'
                ),
                passing=(
                    'terraform {\n  required_version = ">= 1.5"\n  backend "s3" {}\n}\n\n'
                    'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
                    'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}'
                ),
            ),
        ),
        cautions=(
            "Partial configuration (`-backend-config` at init) counts as declared: an empty "
            "backend block passes. Modules with a `terragrunt.hcl` beside them are exempt "
            "(Terragrunt's `remote_state` generates the backend). Modules in folders matched "
            "by `skip_paths` (examples, samples, tests, fixtures, docs by default) are not "
            "judged. A module "
            "without `*.tfvars` that configures no provider or has variables without a "
            "default is taken for a reusable module "
            "(a module library, terraform-aws-modules' `wrappers/`) and not judged; one that "
            "does but is only called from outside the scan looks like a root: scan the "
            "repository root, or suppress the finding with a reason."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return any(u.framework == "terraform" for u in repo.units)

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        for unit in roots_to_check(repo, ctx.option("skip_paths")):
            settings = unit.settings
            if settings is not None and (
                settings.cloud or (settings.backend and settings.backend not in LOCAL_BACKENDS)
            ):
                continue
            path, span = settings_location(unit)
            local = settings is not None and settings.backend in LOCAL_BACKENDS
            problem = "uses the `local` backend" if local else "declares no backend"
            yield self.file_violation(
                path,
                f"Root module `{repo.relative(unit.path)}` {problem}, so its state stays on "
                'one machine: add a remote backend (e.g. `backend "s3" {}` in its '
                "`terraform {}` block) or `cloud {}`",
                line=span.line,
                end_line=span.end_line,
                key="backend",
            )
