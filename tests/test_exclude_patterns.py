"""Excludes and exception paths: today's `.gitignore` matching side by side with the glob
matching of 0.1 (kept here as the reference), on 0.1's own cases and on the cases where the
two differ, which README ("Configuration") lists for users upgrading."""

from __future__ import annotations

import fnmatch

import pytest

from opslint.discover import Excluder


def glob_excluded(patterns: list[str], path: str, top: str = ".") -> bool:
    """0.1's matcher, verbatim in behaviour: `fnmatch` (where `*` crosses `/`) against the
    path and each of its parent folders, as they are and relative to the scanned folder
    ``top``; a leading `**/` may match nothing."""
    cleaned = [p.strip().rstrip("/").removeprefix("./") for p in patterns if p.strip()]

    def prefixes(value: str) -> list[str]:
        parts = value.split("/")
        return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]

    candidates = prefixes(path)
    if top not in (".", "") and path.startswith(top.rstrip("/") + "/"):
        candidates += prefixes(path[len(top.rstrip("/")) + 1 :])
    return any(
        fnmatch.fnmatchcase(candidate, pattern)
        or (pattern.startswith("**/") and fnmatch.fnmatchcase(candidate, pattern[3:]))
        for pattern in cleaned
        for candidate in candidates
    )


def gitignore_excluded(patterns: list[str], path: str, top: str = ".") -> bool:
    """Today's matcher, as discovery and exceptions use it (patterns relative to ``top``,
    the configuration's folder)."""
    return Excluder(patterns, top).excluded(path, top)


# (patterns, path, scanned folder or configuration folder): both matchers agree. These are
# 0.1's test cases (discovery excludes, configuration exceptions) and the README's examples.
SAME = [
    (["infra/legacy/"], "infra/legacy/main.tf", "."),
    (["infra/legacy/"], "infra/app/main.tf", "."),
    (["legacy"], "infra/legacy/main.tf", "infra"),
    (["**/*.yml"], "stacks/k8s.yml", "."),
    (["**/*.yml"], ".github/workflows/ci.yml", "."),
    (["**/*.yml"], "stacks/api.yaml", "."),
    (["*.tf"], "infra/app/main.tf.json", "."),
    (["legacy/"], "legacy/main.tf", "."),
    (["legacy/"], "main.tf", "."),
    (["*.generated.yaml"], "stacks/api.generated.yaml", "."),
    (["*.generated.yaml"], "api.generated.yaml", "."),
    (["**/test-fixtures/"], "modules/vpc/test-fixtures/main.tf", "."),
    (["**/test-fixtures/"], "test-fixtures/main.tf", "."),
    (["infra/legacy/"], "infra/legacy-two/main.tf", "."),
    (["./legacy/"], "legacy/main.tf", "."),
    (["infra/legacy/"], "live/infra/legacy/main.tf", "live"),
    (["infra/legacy/"], "live/infra/legacy/main.tf", "."),
]

# (patterns, path, folder, 0.1's verdict, today's verdict): where `.gitignore` rules decide
# differently, each one named in README's "(Before 0.2, ...)" note.
DIFFERENT = [
    # `*` no longer crosses `/`: `infra/*.tf` is the files directly in infra/
    (["infra/*.tf"], "infra/app/main.tf", ".", True, False),
    # a pattern without a slash matches at any depth, not only at the top
    (["legacy/"], "infra/legacy/main.tf", ".", False, True),
    (["legacy"], "infra/legacy/main.tf", ".", False, True),
    # a leading slash anchors at the configuration's folder (0.1 never matched it)
    (["/legacy/"], "legacy/main.tf", ".", False, True),
    # `!pattern` brings a path back (0.1 read it as a name starting with `!`)
    (["*.tf", "!keep.tf"], "keep.tf", ".", True, False),
]


@pytest.mark.parametrize(("patterns", "path", "top"), SAME)
def test_both_matchers_agree_on_the_cases_of_0_1(patterns: list[str], path: str, top: str) -> None:
    assert glob_excluded(patterns, path, top) == gitignore_excluded(patterns, path, top)


@pytest.mark.parametrize(("patterns", "path", "top", "before", "now"), DIFFERENT)
def test_where_gitignore_rules_decide_differently(
    patterns: list[str], path: str, top: str, before: bool, now: bool
) -> None:
    assert glob_excluded(patterns, path, top) is before
    assert gitignore_excluded(patterns, path, top) is now
