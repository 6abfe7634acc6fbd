"""docs/rules/ is generated from the rules' metadata and kept up to date."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO

from opslint.registry import load_registry
from opslint.ruledocs import rule_markdown, write_rule_docs


def test_docs_rules_are_up_to_date(tmp_path: Path) -> None:
    rules = list(load_registry(entry_points=False))
    write_rule_docs(tmp_path, rules)
    generated = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()}
    committed = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "docs" / "rules").iterdir()}
    assert committed == generated, "run: python -m opslint.ruledocs docs/rules"


def test_rule_page_has_every_part() -> None:
    rule = load_registry(entry_points=False).get("OPS08-BP02/log-group-retention")
    assert rule is not None
    page = rule_markdown(rule)
    for heading in (
        "## What it does",
        "## Why it matters",
        "## Example (Terraform)",
        "## Example (CloudFormation)",
        "## How to fix",
        "## Options",
        "## Unresolved values",
    ):
        assert heading in page
    assert "| `min_days` | int | `1` |" in page
    assert "[OPS08-BP02 Analyze workload logs](https://docs.aws.amazon.com/" in page
