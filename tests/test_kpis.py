"""Key performance indicators declared in the configuration (`kpis`): where each is
declared, and what watches it (OPS04-BP01/declared-kpis-monitored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opslint.api import lint
from opslint.config import ConfigError, load_config
from opslint.model import Kpi

RULE = "OPS04-BP01/declared-kpis-monitored"
KPIS = "kpis:\n  - name: orders placed\n    namespace: Shop\n    metric: OrdersPlaced\n"


def test_kpis_are_read_with_their_lines(tmp_path: Path) -> None:
    (tmp_path / ".opslint.yaml").write_text(
        "fail-on: note\n" + KPIS + "  - slo: checkout-availability\n", encoding="utf-8"
    )
    config = load_config(None, tmp_path, tmp_path)
    path = config.source_path
    assert config.kpis == (
        Kpi("orders placed", "Shop", "OrdersPlaced", None, str(path), 3),
        Kpi("", None, None, "checkout-availability", str(path), 6),
    )


def test_kpis_in_pyproject_point_at_their_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n\n[tool.opslint]\nfail-on = "note"\n\n'
        '[[tool.opslint.kpis]]\nnamespace = "Shop"\nmetric = "OrdersPlaced"\n',
        encoding="utf-8",
    )
    config = load_config(None, tmp_path, tmp_path)
    assert [(k.label, k.line) for k in config.kpis] == [("KPI metric `Shop/OrdersPlaced`", 7)]


def test_a_bad_kpi_names_the_file_and_entry(tmp_path: Path) -> None:
    (tmp_path / ".opslint.yaml").write_text("kpis:\n  - {metric: OrdersPlaced}\n")
    with pytest.raises(ConfigError, match=r"\.opslint\.yaml: `kpis\[0\]`: give `namespace`"):
        load_config(None, tmp_path, tmp_path)


ALARM = (
    'resource "aws_cloudwatch_metric_alarm" "orders" {\n  alarm_name = "orders"\n'
    '  namespace = "Shop"\n  metric_name = "OrdersPlaced"\n  statistic = "Sum"\n'
    "  period = 300\n  evaluation_periods = 1\n  threshold = 1\n"
    '  comparison_operator = "LessThanThreshold"\n}\n'
)


def test_an_alarm_in_another_module_of_the_repository_watches_the_kpi() -> None:
    app = 'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}\n'
    files = {".opslint.yaml": KPIS, "app/main.tf": app, "monitoring/main.tf": ALARM}
    assert [f for f in lint(files).findings if f.rule_id == RULE] == []
    del files["monitoring/main.tf"]
    found = [f for f in lint(files).findings if f.rule_id == RULE]
    assert [(f.path, f.line, f.message) for f in found] == [
        (
            ".opslint.yaml",
            2,
            "KPI `orders placed` (metric `Shop/OrdersPlaced`) is declared but nothing in this "
            "repository watches it: add an alarm, a dashboard widget or an SLO on it",
        )
    ]


# Application Signals SLOs are in version 6 of the hashicorp/aws provider only, so this
# Terraform case is a unit test rather than a `terraform validate`d fixture.
SLO = """
resource "aws_applicationsignals_service_level_objective" "checkout" {
  name = "checkout-availability"
  sli {
    comparison_operator = "GreaterThanOrEqualTo"
    metric_threshold    = 99
    sli_metric {
      metric_data_queries {
        id = "orders"
        metric_stat {
          metric {
            namespace   = "Shop"
            metric_name = "OrdersPlaced"
          }
          period = 60
          stat   = "Sum"
        }
      }
    }
  }
  goal {
    attainment_goal = 99.9
  }
}
"""


@pytest.mark.parametrize(
    ("kpis", "found"),
    [
        ("kpis:\n  - slo: checkout-availability\n", []),
        ("kpis:\n  - slo: checkout-latency\n", [2]),
        (KPIS, []),
        ("kpis:\n  - {namespace: Shop, metric: Refunds}\n", [2]),
    ],
)
def test_terraform_slo_watches_by_name_or_metric(kpis: str, found: list[int]) -> None:
    result = lint({".opslint.yaml": kpis, "main.tf": SLO})
    assert [f.line for f in result.findings if f.rule_id == RULE] == found
