"""Rules that are off by default: they run only when enabled or selected by ID, and a
practice counts as automated only through rules that are on by default."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from opslint.cli import main
from opslint.config import Config, RuleSettings
from opslint.registry import load_registry
from opslint.runner import run, select_rules

OPT_IN = "OPS04-BP02/lambda-structured-logs"
CASE = FIXTURES / "OPS04-BP02" / "lambda-structured-logs" / "terraform-fail"


def rule_ids(config: Config) -> set[str]:
    return {r.id for r in select_rules(load_registry(entry_points=False), config)}


def test_opt_in_rule_is_off_unless_enabled_or_selected() -> None:
    assert OPT_IN not in rule_ids(Config())
    assert OPT_IN not in rule_ids(Config(select=("OPS04-BP02",)))
    assert OPT_IN in rule_ids(Config(select=(OPT_IN,)))
    assert OPT_IN in rule_ids(Config(rules={OPT_IN: RuleSettings(enabled=True)}))
    assert "OPS04-BP02/lambda-log-group-managed" in rule_ids(Config())


def test_opt_in_rule_reports_only_when_enabled() -> None:
    registry = load_registry(entry_points=False)
    default = run([str(CASE)], registry, Config(), jobs=1)
    assert not [f for f in default.findings if f.rule_id == OPT_IN]
    enabled = Config(rules={OPT_IN: RuleSettings(enabled=True)})
    found = run([str(CASE)], registry, enabled, jobs=1)
    assert [f.resource for f in found.findings if f.rule_id == OPT_IN] == [
        "aws_lambda_function.api",
        "aws_lambda_function.worker",
    ]


def test_rules_and_practices_show_opt_in(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if OPT_IN in line]
    assert listed and listed[0].endswith("(off by default)")
    assert main(["practices", "--format", "json"]) == 0
    practices = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert OPT_IN in practices["OPS04-BP02"]["opt_in_rules"]
    assert OPT_IN not in practices["OPS04-BP02"]["rules"]
    only_opt_in = [p for p in practices.values() if p["opt_in_rules"] and not p["rules"]]
    assert all(not p["automated"] for p in only_opt_in)


def test_generated_docs_say_off_by_default() -> None:
    from opslint.ruledocs import rule_markdown

    rule = load_registry(entry_points=False).get(OPT_IN)
    assert rule is not None
    assert "- Off by default: enable it with `enabled: true`" in rule_markdown(rule)


KPI_RULE = "OPS04-BP01/declared-kpis-monitored"
KPI_CASE = FIXTURES / "OPS04-BP01" / "declared-kpis-monitored" / "terraform-fail"


def test_kpi_rule_is_on_when_kpis_are_declared() -> None:
    from opslint.config import load_config
    from opslint.model import Kpi

    assert KPI_RULE not in rule_ids(Config())
    assert KPI_RULE in rule_ids(Config(kpis=(Kpi("orders", "Shop", "OrdersPlaced"),)))
    assert KPI_RULE not in rule_ids(
        Config(
            kpis=(Kpi("orders", "Shop", "OrdersPlaced"),),
            rules={KPI_RULE: RuleSettings(enabled=False)},
        )
    )
    registry = load_registry(entry_points=False)
    config = load_config(None, KPI_CASE, KPI_CASE).merged(repository_root=str(KPI_CASE))
    found = run([str(KPI_CASE)], registry, config, jobs=1)
    assert [(f.rule_id, f.line) for f in found.findings if f.rule_id == KPI_RULE] == [
        (KPI_RULE, 8),
        (KPI_RULE, 14),
    ]


def test_kpi_rule_listed_as_configured_by_kpis(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if KPI_RULE in line]
    assert listed and listed[0].endswith("(off unless `kpis` is configured)")
