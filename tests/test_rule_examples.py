"""Every example in the rule documentation does what the page says, as of a fixed date: the
failing snippet gets the rule's finding, the passing one gets none (and neither a parse
error)."""

from __future__ import annotations

import pytest

from opslint.api import lint
from opslint.registry import load_registry
from opslint.rule import Example
from opslint.ruledocs import example_files

AS_OF = "2026-06-01"


def examples() -> list[tuple[str, Example, bool]]:
    cases: list[tuple[str, Example, bool]] = []
    for rule in load_registry(entry_points=False):
        for example in rule.docs.examples:
            cases.extend((rule.id, example, passing) for passing in (False, True))
    return cases


@pytest.mark.parametrize(
    ("rule_id", "example", "passing"),
    examples(),
    ids=[
        f"{rule_id}:{example.language}:{example.fence}:{'passing' if passing else 'failing'}"
        for rule_id, example, passing in examples()
    ],
)
def test_example_behaves_as_documented(rule_id: str, example: Example, passing: bool) -> None:
    files, tracked = example_files(example, passing)
    result = lint(files, select=[rule_id], as_of=AS_OF, git=tracked)
    found = [(f.rule_id, f.path, f.message) for f in result.findings]
    assert [f for f in found if f[0] != rule_id] == [], files
    if passing:
        assert found == [], files
    else:
        assert found, f"no {rule_id} finding on {files}"


def test_examples_name_their_syntax() -> None:
    for rule_id, example, _ in examples():
        files, _ = example_files(example, passing=False)
        if example.fence in ("hcl", "yaml"):
            assert set(files) - set(example.given) <= {"main.tf", "template.yaml"}, rule_id
        else:
            assert example.title != example.language, rule_id
