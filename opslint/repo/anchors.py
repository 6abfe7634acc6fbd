"""Where repository findings are reported: where a user acts on them, never on line 1 of an
unrelated template (the file that sorts first).

A repository finding is anchored at the file the fix edits when it exists (the CODEOWNERS
file, the CI definition that handles the flavour, the SAM configuration), else at the file
or folder the fix creates at its conventional place (``.github/CODEOWNERS``,
``.github/workflows``). Findings keep line 1, so every output format places them alike;
a path that does not exist yet is still a valid SARIF artifact location (GitHub code
scanning lists such alerts without a code excerpt). In a pre-commit run, which keeps only
the findings on the files a commit touches, a repository finding blocks only the commits
that change its anchor.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from opslint.model import Repository
from opslint.repo.pipelines import ci_texts
from opslint.repo.terraform_roots import DEFAULT_SKIPPED

CI_FOLDER = ".github/workflows"
"""Where a repository without CI would add it (GitHub Actions)."""
FLAVOUR_WORDS = {
    "terraform": re.compile(r"\b(?:terraform|tofu|terragrunt|tflint)\b"),
    "cloudformation": re.compile(r"\b(?:cloudformation|cfn[-_]lint|sam|cdk|rain)\b"),
}
"""A CI definition that names one of these already handles the flavour: its validation or
deployment step belongs there."""


def codeowners_place(repo: Repository) -> str:
    """The CODEOWNERS file to create (display path): ``.github/CODEOWNERS``, or
    ``CODEOWNERS`` at the root for a GitLab repository (a ``.gitlab-ci.yml`` and no
    ``.github/`` folder), since GitLab does not read ``.github/``."""
    gitlab = repo.display(".gitlab-ci.yml") in repo.files
    if gitlab and not os.path.isdir(repo.display(".github")):
        return repo.display("CODEOWNERS")
    return repo.display(".github/CODEOWNERS")


def ci_place(
    repo: Repository,
    skip_paths: Iterable[str] = DEFAULT_SKIPPED,
    flavours: Iterable[str] = (),
) -> str:
    """The CI definition to change (display path): the first one that names a tool of
    ``flavours``; else the repository's only CI definition when it is not a GitHub
    workflow (``.gitlab-ci.yml``, ``Jenkinsfile``, ``buildspec.yml``...); else the
    ``.github/workflows`` folder, where a workflow for the flavour is added."""
    texts = ci_texts(repo, skip_paths)
    for flavour in flavours:
        for path in sorted(texts):
            if FLAVOUR_WORDS[flavour].search(repo.contents.get(path, "")):
                return path
    others = [p for p in sorted(texts) if not repo.relative(p).startswith(".github/")]
    if len(texts) == 1 and others:
        return others[0]
    return repo.display(CI_FOLDER)
