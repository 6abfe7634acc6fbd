"""The runner: parallel parsing gives the same result as serial, ordering is stable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO

from opslint.config import Config, RuleSettings, is_selected
from opslint.model import Severity
from opslint.registry import load_registry
from opslint.report import render

sys.path.insert(0, str(REPO / "bench"))

from generate import generate

from opslint.runner import run


def test_parallel_parsing_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path, modules=12, templates=6, resources=2)
    monkeypatch.chdir(tmp_path)
    registry = load_registry(entry_points=False)
    config = Config(select=("OPS04-BP05/lambda-tracing", "OPS08-BP02/log-group-retention"))
    serial = run(["."], registry, config, jobs=1)
    parallel = run(["."], registry, config, jobs=2)
    assert serial.files == 12 * 3 + 6 and serial.units == 18
    assert render(serial, "json") == render(parallel, "json")
    assert [f.sort_key for f in serial.findings] == sorted(f.sort_key for f in serial.findings)
    assert {f.rule_id for f in serial.findings} == {
        "OPS04-BP05/lambda-tracing",
        "OPS08-BP02/log-group-retention",
    }


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        ((), (), True),
        (("OPS08",), (), True),
        (("OPS04",), (), False),
        ((), ("OPS08",), False),
        (("OPS08-BP02",), ("OPS08",), True),
        (("OPS08",), ("OPS08-BP02",), False),
        (("OPS08",), ("OPS08-BP02/log-group-retention",), False),
        (("OPS08-BP02/log-group-retention",), ("OPS08-BP02",), True),
        (("OPS08-BP02",), ("OPS08-BP02",), False),
    ],
)
def test_most_specific_selector_wins(
    select: tuple[str, ...], ignore: tuple[str, ...], expected: bool
) -> None:
    assert is_selected("OPS08-BP02/log-group-retention", select, ignore) is expected


GRADED_RULE = """
from opslint.model import Severity
from opslint.rule import Docs, Example, Rule


class Graded(Rule):
    id = "OPS08-BP02/graded"
    title = "Graded findings"
    resource_types = {"terraform": ("aws_sns_topic",)}
    docs = Docs(what="w", why="y", fix="f", examples=(Example("terraform", "a", "b"),))

    def check_terraform(self, resource, ctx):
        yield self.violation(resource, "mild", key="mild", severity=Severity.NOTE)
        yield self.violation(resource, "default", key="default")
"""


def test_violation_severity_and_configured_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "graded.py").write_text(GRADED_RULE, encoding="utf-8")
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    registry = load_registry(["rules"], entry_points=False)
    result = run(["main.tf"], registry, Config(select=("OPS08-BP02/graded",)), jobs=1)
    assert [(f.message, f.severity.value) for f in result.findings] == [
        ("default", "warning"),
        ("mild", "note"),
    ]
    overridden = Config(
        select=("OPS08-BP02/graded",),
        rules={"OPS08-BP02/graded": RuleSettings(severity=Severity.ERROR)},
    )
    result = run(["main.tf"], registry, overridden, jobs=1)
    assert {f.severity.value for f in result.findings} == {"error"}


def test_terraform_only_run_never_imports_cfn_lint() -> None:
    """The pre-commit case: cfn-lint costs ~0.5 s to import; a run over Terraform alone, with
    every built-in rule selected, must not pay it."""
    import subprocess

    fixture = REPO / "fixtures/OPS08-BP02/log-group-retention/terraform-fail/main.tf"
    script = (
        "import sys\n"
        "from opslint.cli import main\n"
        f"main(['check', {str(fixture)!r}, '--format', 'json', '--output', '/dev/null'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('cfnlint', 'checkov')))\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
