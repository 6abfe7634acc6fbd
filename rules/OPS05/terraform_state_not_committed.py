"""OPS05-BP01/terraform-state-not-committed: no Terraform state, plans or working files are
tracked by git."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from opslint.model import Repository, Severity
from opslint.rule import Docs, Example, Option, RepositoryContext, Rule, Violation

PATTERNS: dict[str, str] = {
    "*.tfstate": "a Terraform state file",
    "*.tfstate.backup": "a Terraform state backup",
    "*.tfplan": "a saved Terraform plan",
    "crash.log": "a Terraform crash log",
}


def working_folder(relative: str) -> str | None:
    """The ``.terraform`` folder holding ``relative``, if any."""
    parts = relative.split("/")
    if ".terraform" not in parts[:-1]:
        return None
    return "/".join(parts[: parts.index(".terraform") + 1])


def what_is(relative: str, extra: list[str]) -> str | None:
    """What the tracked file at ``relative`` is, when it should not be tracked."""
    name = relative.rsplit("/", 1)[-1]
    for pattern, description in PATTERNS.items():
        if fnmatch.fnmatchcase(name, pattern):
            return description
    if any(fnmatch.fnmatchcase(relative, pattern) for pattern in extra):
        return "a Terraform working file"
    return None


class TerraformStateNotCommitted(Rule):
    id = "OPS05-BP01/terraform-state-not-committed"
    title = "No Terraform state, plan, crash log or .terraform/ content is tracked by git"
    severity = Severity.WARNING
    options = (
        Option(
            "extra_patterns",
            "list[str]",
            [],
            "More path globs (relative to the repository root) that must not be tracked, "
            "for example `**/*.tfvars.secret`.",
        ),
    )
    docs = Docs(
        what=(
            "Asks git which files it tracks (`git ls-files` in the repository) and reports "
            "every tracked Terraform state file (`*.tfstate`, `*.tfstate.backup`), saved plan "
            "(`*.tfplan`), `crash.log`, and any `.terraform/` folder with tracked content. The "
            "finding points at the tracked file (once per `.terraform/` folder). Outside a "
            "git work tree (or without git) the rule does not apply and reports nothing."
        ),
        why=(
            "OPS05-BP01 asks you to keep infrastructure code in version control — the code, "
            "not its state. State and plans hold resource attributes in plain text (database "
            "passwords, keys), go stale the moment someone applies from another machine, and "
            "two people with two copies of a committed state file overwrite each other's "
            "changes. State belongs in a locked remote backend."
        ),
        fix=(
            "Remove the file from the repository (`git rm --cached <file>`), add the patterns "
            "to `.gitignore` (`*.tfstate`, `*.tfstate.*`, `*.tfplan`, `crash.log`, "
            "`.terraform/`), move the state to a remote backend (`terraform init "
            "-migrate-state`), and rotate any secret the state exposed: it stays in git "
            "history."
        ),
        examples=(
            Example(
                "terraform",
                failing="$ git ls-files\nmain.tf\nterraform.tfstate\n.terraform/terraform.tfstate",
                passing=(
                    "$ git ls-files\n.gitignore\n.terraform.lock.hcl\nmain.tf\n\n"
                    "# .gitignore\n*.tfstate\n*.tfstate.*\n*.tfplan\ncrash.log\n.terraform/"
                ),
                syntax="console",
            ),
        ),
        cautions=(
            "Only files git tracks count: a local `terraform.tfstate` that `.gitignore` "
            "excludes is fine. `.terraform.lock.hcl` is meant to be committed and is never "
            "reported. Test fixtures that contain state on purpose can be suppressed in "
            "configuration (`exceptions` by path)."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return repo.tracked is not None

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        extra: list[str] = ctx.option("extra_patterns")
        folders: set[str] = set()
        for path in repo.tracked or ():
            folder = working_folder(repo.relative(path))
            if folder is not None:
                if folder not in folders:
                    folders.add(folder)
                    yield self.file_violation(
                        repo.display(folder),
                        f"Terraform's working folder `{folder}/` (providers, modules, state "
                        "copies) is tracked by git: remove it (`git rm -r --cached`) and add "
                        "`.terraform/` to `.gitignore`",
                        key="tracked",
                    )
                continue
            description = what_is(repo.relative(path), extra)
            if description is None:
                continue
            yield self.file_violation(
                path,
                f"`{repo.relative(path)}` is {description} and is tracked by git: remove it "
                "(`git rm --cached`), ignore it in `.gitignore` and keep state in a remote "
                "backend",
                key="tracked",
            )
