"""OPS02-BP02/codeowners-cover-infrastructure: a CODEOWNERS file names owners for the
repository's infrastructure code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from opslint.model import Repository, Severity
from opslint.repo.anchors import codeowners_place
from opslint.repo.pipelines import judged_units
from opslint.repo.terraform_roots import DEFAULT_SKIPPED
from opslint.rule import Docs, Example, Option, RepositoryContext, Rule, Violation

PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")
"""Where GitHub looks, in its order of precedence (GitLab reads the same places)."""
MAX_LISTED = 5


@cache
def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS (gitignore-style) pattern as a regex over paths relative to the root.

    ``/x`` is anchored at the root; a pattern without an inner ``/`` matches at any depth;
    a matched folder covers everything below it, except after a final ``/*``; ``*`` stays
    within one folder, ``**`` crosses folders.
    """
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    start = "^" if anchored else "^(?:.*/)?"
    # `docs/*` owns the files in docs/, not those in its subfolders (GitHub's docs)
    below = "" if body.endswith("/*") else "(?:/.*)?"
    return re.compile(start + "".join(out) + below + "$")


def parse(text: str) -> list[tuple[str, bool]]:
    """(pattern, has owners) per rule line, in file order. GitLab ``[Section]`` headers
    (which may carry default owners) are skipped."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "[", "^[")):
            continue
        fields = line.split()
        owners = [f for f in fields[1:] if not f.startswith("#")]
        rules.append((fields[0].replace("\\ ", " "), bool(owners)))
    return rules


def owned(path: str, rules: list[tuple[str, bool]]) -> bool:
    """Whether the last rule matching ``path`` names owners (GitHub's semantics)."""
    verdict = False
    for pattern, has_owners in rules:
        if pattern_regex(pattern).match(path):
            verdict = has_owners
    return verdict


class CodeownersCoverInfrastructure(Rule):
    id = "OPS02-BP02/codeowners-cover-infrastructure"
    title = "A CODEOWNERS file names owners for the infrastructure code"
    severity = Severity.NOTE
    options = (
        Option(
            "skip_paths",
            "list[str]",
            DEFAULT_SKIPPED,
            "Globs of folders (relative to the repository root) whose IaC needs no owner: "
            "examples, samples, tests, fixtures, docs.",
        ),
    )
    docs = Docs(
        what=(
            "Looks for a `CODEOWNERS` file where GitHub and GitLab read it (the repository "
            "root, `.github/`, `docs/`; the first found wins) and checks that every "
            "Terraform and CloudFormation/SAM file of the scan (for a CDK app, the source "
            "files its constructs come from) is matched by a rule that names at least one "
            "owner (the last matching rule wins, as on GitHub); files git does not track, "
            "such as a CDK app's `cdk.out/`, are left out. Without "
            "a CODEOWNERS file the finding points at the file to create, "
            "`.github/CODEOWNERS` (`CODEOWNERS` in a GitLab repository without a `.github/` "
            "folder); otherwise at the CODEOWNERS file, listing the folders nobody owns."
        ),
        why=(
            "OPS02-BP02 asks for mechanisms that identify responsibility and ownership. A "
            "CODEOWNERS file makes the owning team a required reviewer of every change to "
            "its infrastructure, and tells an on-call engineer whom to ask about a stack."
        ),
        fix=(
            "Add `.github/CODEOWNERS` with rules for the infrastructure folders, for "
            "example `/infra/ @org/platform-team` or `*.tf @org/platform-team`, and protect "
            "the default branch with required code-owner reviews."
        ),
        examples=(
            Example(
                "terraform",
                failing="# .github/CODEOWNERS\n/docs/ @org/writers",
                passing="# .github/CODEOWNERS\n/docs/ @org/writers\n/infra/ @org/platform-team",
                syntax="codeowners",
                given={"infra/main.tf": 'resource "aws_sns_topic" "alerts" {}\n'},
            ),
        ),
        cautions=(
            "Ownership declared elsewhere (a service catalogue, Backstage `catalog-info.yaml`, "
            "resource tags — see OPS02-BP02/required-tags) is invisible to this rule: "
            "suppress it with a reason. IaC in folders matched by `skip_paths` (examples, "
            "tests, fixtures) does not count. GitLab section headers are skipped; their "
            "default owners are not applied."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(judged_units(repo))

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        files = sorted(
            {
                path
                for unit in judged_units(repo, ctx.option("skip_paths"))
                for path in unit.files
                if not path.endswith((".tfvars", ".tfvars.json"))
                # files git does not track have no owners to name: a CDK app's generated
                # cdk.out/ templates (ignored by git), an uncommitted draft
                and repo.is_tracked(path) is not False
            }
        )
        if not files:
            return
        found = [repo.display(place) for place in PLACES if repo.display(place) in repo.files]
        if not found:
            place = codeowners_place(repo)
            yield self.file_violation(
                place,
                "No CODEOWNERS file names owners for this repository's infrastructure code: "
                f"add `{repo.relative(place)}` with a rule such as `/infra/ @org/platform-team`",
                key="missing",
            )
            return
        codeowners = found[0]
        rules = parse(repo.contents.get(codeowners, ""))
        orphans = sorted(
            {_folder(repo.relative(p)) for p in files if not owned(repo.relative(p), rules)}
        )
        if not orphans:
            return
        listed = ", ".join(f"`{folder}`" for folder in orphans[:MAX_LISTED])
        more = f" and {len(orphans) - MAX_LISTED} more" if len(orphans) > MAX_LISTED else ""
        yield self.file_violation(
            codeowners,
            f"`{repo.relative(codeowners)}` names no owner for the infrastructure code in "
            f"{listed}{more}: add a rule with an owning team for these paths",
            key="uncovered",
        )


def _folder(relative: str) -> str:
    return relative.rsplit("/", 1)[0] + "/" if "/" in relative else relative
