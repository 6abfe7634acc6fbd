"""Loading rules: built-ins, --rules-dir, the opslint.rules entry point group, validation."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from opslint.registry import RuleLoadError, load_registry

RULE = """
from opslint.rule import Docs, Example, Expect, Rule


class {name}(Rule):
    id = "{rule_id}"
    title = "Topics are named"
    checks = (Expect("aws_sns_topic", "name"),)
    docs = Docs(what="w", why="y", fix="f", examples=(Example("terraform", "a", "b"),))
"""


def plugin(folder: Path, name: str, rule_id: str, file: str = "plugin.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file).write_text(RULE.format(name=name, rule_id=rule_id), encoding="utf-8")
    return folder


def test_builtin_rules_load() -> None:
    ids = load_registry(entry_points=False).ids()
    assert ids == sorted(ids)
    assert {"OPS04-BP05/lambda-tracing", "OPS08-BP02/log-group-retention"} <= set(ids)


def test_rules_dir_adds_rules_and_derives_resource_types(tmp_path: Path) -> None:
    registry = load_registry([plugin(tmp_path, "TopicName", "OPS02-BP02/topic-name")])
    rule = registry.get("OPS02-BP02/topic-name")
    assert rule is not None
    assert rule.resource_types == {"terraform": ("aws_sns_topic",)}
    assert rule.source.endswith("plugin.py")


@pytest.mark.parametrize(
    ("rule_id", "message"),
    [
        ("OPS99-BP01/x", "unknown practice OPS99-BP01"),
        ("ops08-bp02/x", "id must look like"),
        ("OPS08-BP02/log-group-retention", "is already defined by"),
    ],
)
def test_invalid_metadata_names_the_plugin(tmp_path: Path, rule_id: str, message: str) -> None:
    folder = plugin(tmp_path, "Bad", rule_id)
    with pytest.raises(RuleLoadError) as error:
        load_registry([folder])
    assert message in str(error.value)
    assert "plugin.py" in str(error.value)


def test_missing_docs_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "nodocs.py").write_text(
        "from opslint.rule import Rule\nclass X(Rule):\n    id = 'OPS08-BP01/x'\n    title = 't'\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleLoadError, match=r"nodocs.py: rule OPS08-BP01/x: docs is missing"):
        load_registry([tmp_path])


def test_entry_point_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    plugin(site / "acme_rules", "AcmeTopic", "OPS02-BP02/acme-topic", file="__init__.py")
    info = site / "acme_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[opslint.rules]\nacme = acme_rules\n")
    monkeypatch.syspath_prepend(str(site))
    try:
        registry = load_registry()
    finally:
        sys.modules.pop("acme_rules", None)
    rule = registry.get("OPS02-BP02/acme-topic")
    assert rule is not None
    assert rule.source == "entry point acme (acme_rules)"


def test_broken_entry_point_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    info = site / "broken-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[opslint.rules]\nbroken = not_a_module_here\n")
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(RuleLoadError, match=r"entry point broken \(not_a_module_here\)"):
        load_registry()
