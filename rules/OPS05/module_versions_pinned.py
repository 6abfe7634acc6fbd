"""OPS05-BP03/module-versions-pinned: Terraform module calls pin a version (registry) or a
tag or commit (git)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs

from opslint.model import ABSENT, Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Rule, Violation

REGISTRY_SOURCE = re.compile(
    r"^(?:[A-Za-z0-9.-]+\.[A-Za-z]{2,}/)?[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+(?://.*)?$"
)
"""``namespace/name/provider`` with an optional registry host and ``//subdirectory``."""
GIT_PREFIXES = ("git::", "git@", "github.com/", "bitbucket.org/")
MOVING_REFS = frozenset({"main", "master", "develop", "development", "dev", "trunk", "head"})


def git_ref(source: str) -> str:
    """The ``ref`` query parameter of a git module source ("" when there is none)."""
    query = source.split("?", 1)[1] if "?" in source else ""
    refs = parse_qs(query).get("ref")
    return refs[0] if refs else ""


def judge(call: Resource) -> tuple[str, str] | None:
    """(attribute, message) when the module call is not pinned; None when it is, is local,
    or cannot be judged."""
    source = call.get("source")
    if not isinstance(source, str) or source.startswith(("./", "../", "/")):
        return None
    if source.startswith(GIT_PREFIXES):
        ref = git_ref(source)
        if not ref:
            return "source", (
                f"Module `{call.name}` follows the default branch of `{source}`: pin a tag or "
                "commit with `?ref=v1.2.3`"
            )
        if ref.lower() in MOVING_REFS:
            return "source", (
                f"Module `{call.name}` follows branch `{ref}`: pin a tag or commit with "
                "`?ref=v1.2.3`"
            )
        return None  # a tag, a commit, or a name we cannot classify
    if "::" in source or source.startswith(("http://", "https://", "s3", "gcs")):
        return None  # archives and buckets: versioned by their URL, not judged
    if not REGISTRY_SOURCE.match(source):
        return None
    version = call.get("version")
    if version is ABSENT or version is None or version == "":
        return "source", (
            f"Module `{call.name}` takes the newest release of `{source}`: set `version` "
            '(e.g. `"~> 5.1"`)'
        )
    return None  # a constraint, or a value we cannot resolve


class ModuleVersionsPinned(Rule):
    id = "OPS05-BP03/module-versions-pinned"
    title = "Registry modules set a version; git modules pin a tag or commit"
    severity = Severity.WARNING
    docs = Docs(
        what=(
            "Checks every Terraform `module` call whose `source` is not a local path: a "
            "registry source (`namespace/name/provider`, optionally with a private registry "
            "host) must set `version`; a git source (`git::...`, `git@...`, `github.com/...`, "
            "`bitbucket.org/...`) must carry `?ref=` with a tag or commit rather than no ref or "
            "a branch such as `main`. The finding points at `source`."
        ),
        why=(
            "OPS05-BP03 asks you to manage configuration deliberately. An unpinned module "
            "changes under you: the next `terraform init` downloads whatever was released or "
            "pushed last, so the same commit of your repository plans differently on "
            "different days, and changes nobody reviewed reach production."
        ),
        fix=(
            'Give registry modules a `version` (e.g. `"~> 5.1"` or an exact `"5.1.2"`) and '
            "git modules a tag or commit (`?ref=v1.4.0`). Let a dependency bot propose "
            "upgrades as reviewed changes."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n\n'
                    'module "tags" {\n  source = "git::https://example.com/tags.git?ref=main"\n}'
                ),
                passing=(
                    'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n'
                    '  version = "~> 5.1"\n}\n\n'
                    'module "tags" {\n  source = "git::https://example.com/tags.git?ref=v1.4.0"\n}'
                ),
            ),
        ),
        cautions=(
            "Local paths (`./modules/x`) are exempt: they are versioned with the repository. "
            "A `ref` that is neither a version-like tag, a commit hash nor a well-known branch "
            "name (`main`, `master`, `develop`, `trunk`, ...) is taken as a tag. Archive and "
            "bucket sources (`https://.../x.zip`, `s3::`) are not judged. A `version` or "
            "`source` opslint cannot resolve never produces a finding."
        ),
    )

    def applies_to(self, unit: Unit) -> bool:
        return any(
            isinstance(m.get("source"), str) and not m.get("source").startswith(("./", "../"))
            for m in unit.modules
        )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        for call in unit.modules:
            problem = judge(call)
            if problem is not None:
                attribute, message = problem
                yield self.violation(call, message, attribute=attribute)
