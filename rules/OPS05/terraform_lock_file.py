"""OPS05-BP03/terraform-lock-file: Terraform root modules commit their dependency lock
file."""

from __future__ import annotations

from collections.abc import Iterator

from opslint.model import Repository, Severity
from opslint.repo.examples import ROOT_MODULE
from opslint.repo.terraform_roots import SKIP_ROOTS, beside, main_file, roots_to_check
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

LOCK_FILE = ".terraform.lock.hcl"


def in_repository(repo: Repository, path: str) -> bool:
    """Whether a finding can point at ``path``: a file of the repository, not
    ``.git/info/exclude`` or a global excludes file."""
    relative = repo.relative(path)
    return not (relative.startswith(("../", ".git/", "/")) or relative == "..")


class TerraformLockFile(Rule):
    id = "OPS05-BP03/terraform-lock-file"
    title = "Terraform root modules have a committed .terraform.lock.hcl"
    severity = Severity.WARNING
    options = (SKIP_ROOTS,)
    docs = Docs(
        what=(
            "For each Terraform root module of the scan (a module no other scanned module "
            "calls through a local `source` and that configures a backend, has its own "
            "`*.tfvars`, or configures a `provider` while needing no input) with resources, data "
            "sources or module calls, checks that `.terraform.lock.hcl` sits beside it. In a "
            "git work tree it also checks that git tracks the lock file whenever it tracks "
            "the module's own files. The finding points at the first line of the module's "
            "main file (`main.tf` when there is one)."
        ),
        why=(
            "OPS05-BP03 asks you to manage configuration deliberately. The lock file records "
            "the exact provider builds (and their checksums) that `terraform init` chose; "
            "committed, it makes every plan and apply — on a laptop or in the pipeline — use "
            "the same providers, and provider upgrades become reviewed changes."
        ),
        fix=(
            "Run `terraform init` in the root module and commit `.terraform.lock.hcl` "
            "(remove it from `.gitignore` if listed there). For several platforms run "
            "`terraform providers lock -platform=linux_amd64 -platform=darwin_arm64`. Upgrade "
            "deliberately with `terraform init -upgrade`."
        ),
        examples=(
            Example(
                "terraform",
                failing="$ ls infra/\nmain.tf  variables.tf",
                passing="$ ls -a infra/\n.terraform.lock.hcl  main.tf  variables.tf",
                syntax="console",
                given={"infra/main.tf": ROOT_MODULE},
            ),
        ),
        cautions=(
            "Child modules (called by another scanned module) need no lock file: Terraform "
            "ignores it there. Modules with a `terragrunt.hcl` beside them (Terragrunt keeps "
            "the lock file with its own configuration) and folders matched by `skip_paths` "
            "(examples, samples, tests, fixtures, docs) are not judged. When git does not "
            "track the module's files yet, only the lock file's presence is checked. When "
            "a `.gitignore` of the repository ignores a module's `.terraform.lock.hcl` (as "
            "`git check-ignore` answers: nested files and negations count), one finding on "
            "that line replaces the findings of the modules it affects."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return any(u.framework == "terraform" for u in repo.units)

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        roots = roots_to_check(repo, ctx.option("skip_paths"))
        ignored = repo.ignored_by_git([beside(unit, LOCK_FILE) for unit in roots])
        lacking: dict[tuple[str, int], list[str]] = {}
        for unit in roots:
            lock = beside(unit, LOCK_FILE)
            name = repo.relative(unit.path)
            main = main_file(unit)
            where = ignored.get(lock)
            if where is not None and in_repository(repo, where[0]):
                lacking.setdefault(where, []).append(name)
            elif lock not in repo.files:
                yield self.file_violation(
                    main,
                    f"Root module `{name}` has no `{LOCK_FILE}`: run `terraform init` there "
                    "and commit the lock file so every run uses the same provider builds",
                    key="lock-file",
                )
            elif repo.is_tracked(main) and not repo.is_tracked(lock):
                yield self.file_violation(
                    main,
                    f"Root module `{name}`: `{LOCK_FILE}` is not tracked by git: commit it "
                    "(and remove it from `.gitignore` if listed there)",
                    key="lock-file",
                )
        for (source, line), names in sorted(lacking.items()):
            shown = ", ".join(f"`{n}`" for n in names[:3]) + (", ..." if len(names) > 3 else "")
            whose = (
                f"the lock files of {len(names)} root modules ({shown})"
                if len(names) > 1
                else f"the lock file of root module {shown}"
            )
            yield self.file_violation(
                source,
                f"`{repo.relative(source)}` ignores `{LOCK_FILE}`, so {whose} cannot be "
                "committed: remove the pattern and commit the lock files",
                line=line,
                key="gitignore",
            )
