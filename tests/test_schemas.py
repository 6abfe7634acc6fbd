"""The published JSON Schemas: the configuration schema agrees with the validator, and
reports validate against the report schema."""

from __future__ import annotations

import datetime
import json
from importlib import resources
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES

from opslint.cli import main
from opslint.config import TOP_LEVEL_KEYS, ConfigError, parse_config

jsonschema: Any = pytest.importorskip("jsonschema")


def schema(name: str) -> dict[str, Any]:
    text = resources.files("opslint.data").joinpath(name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


CONFIGS = [
    "select: [OPS08]\nignore: OPS08-BP02/log-group-retention\n",
    "exclude: [legacy/, '*.generated.yaml']\nfail-on: error\nbaseline: b.json\n",
    "inline-suppressions: false\nrequire-reason: true\nrepository-root: .\n",
    "var-files: [a.tfvars]\nrules-dirs: rules\n",
    "exceptions:\n  - {path: legacy/, rule: OPS08, reason: r, until: 2027-09-30}\n",
    "exceptions:\n  - {path: legacy/, rules: [OPS08, OPS04]}\n",
    "rules:\n  OPS08-BP02/log-group-retention:\n    severity: error\n    enabled: true\n"
    "    options: {min_days: 30}\n",
    "kpis:\n  - {name: orders placed, namespace: Shop, metric: OrdersPlaced}\n"
    "  - {slo: checkout-availability}\n",
    "kpis: []\n",
    # rejected by both
    "kpis: {namespace: Shop, metric: OrdersPlaced}\n",
    "kpis:\n",
    "kpis: [OrdersPlaced]\n",
    "kpis:\n  - {metric: OrdersPlaced}\n",
    "kpis:\n  - {namespace: Shop}\n",
    "kpis:\n  - {name: orders}\n",
    "kpis:\n  - {slo: checkout, metric: OrdersPlaced}\n",
    "kpis:\n  - {namespace: Shop, metric: OrdersPlaced, unit: Count}\n",
    "kpis:\n  - {namespace: Shop, metric: ' '}\n",
    "kpis:\n  - {namespace: Shop, metric: 3}\n",
    "selects: [OPS08]\n",
    "select: 8\n",
    "select: [OPS08, 3]\n",
    "fail-on: sometimes\n",
    "inline-suppressions: no-thanks\n",
    "baseline: [a, b]\n",
    "exceptions: {path: x}\n",
    "exceptions:\n  - {rule: OPS08}\n",
    "exceptions:\n  - {path: legacy/}\n",
    "exceptions:\n  - {path: legacy/, rule: []}\n",
    "exceptions:\n  - {path: legacy/, rule: OPS08, why: because}\n",
    "rules:\n  OPS08-BP02/log-group-retention: error\n",
    "rules:\n  OPS08-BP02/log-group-retention:\n    level: error\n",
    "rules:\n  OPS08-BP02/log-group-retention:\n    severity: fatal\n",
    "rules:\n  OPS08-BP02/log-group-retention:\n    enabled: maybe\n",
    "rules:\n  OPS08-BP02/log-group-retention:\n    options: [min_days]\n",
    "- select\n",
]


def as_json(value: Any) -> Any:
    """YAML's dates are strings in JSON (and to editors)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


@pytest.mark.parametrize("text", CONFIGS)
def test_config_schema_agrees_with_the_validator(text: str) -> None:
    data = yaml.safe_load(text)
    try:
        parse_config(data, ".opslint.yaml")
        valid = True
    except ConfigError:
        valid = False
    errors = list(
        jsonschema.Draft202012Validator(schema("opslint-config.schema.json")).iter_errors(
            as_json(data)
        )
    )
    assert (not errors) == valid, errors


def test_config_schema_names_every_key() -> None:
    assert set(schema("opslint-config.schema.json")["properties"]) == set(TOP_LEVEL_KEYS)


def test_report_validates_against_the_report_schema(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(EXAMPLES), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["findings"]
    jsonschema.validate(report, schema("json-report.schema.json"))
