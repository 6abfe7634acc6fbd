"""Configuration per folder, as ruff does: the nearest configuration file to a module or
template decides which rules run on it and their severity and options; the command line's
selection still wins, and run-wide settings come from the run's configuration."""

from __future__ import annotations

import pytest

from opslint.api import ConfigError, lint
from opslint.model import Finding

RETENTION = "OPS08-BP02/log-group-retention"


def group(name: str, days: int | None = None) -> str:
    setting = f"  retention_in_days = {days}\n" if days is not None else ""
    return f'resource "aws_cloudwatch_log_group" "{name}" {{\n  name = "/{name}"\n{setting}}}\n'


# A nested file replaces the one above it (nothing is inherited), as in ruff: each says
# what it selects.
FILES = {
    ".opslint.yaml": f"select: [OPS08-BP02]\nrules:\n  {RETENTION}:\n"
    "    options: {min_days: 30}\n",
    "app/main.tf": group("app", 14),
    "legacy/.opslint.yaml": f"select: [OPS08-BP02]\nignore: [{RETENTION}]\n",
    "legacy/main.tf": group("legacy"),
    "audit/.opslint.yaml": f"select: [OPS08-BP02]\nrules:\n  {RETENTION}:\n    severity: error\n"
    "    options: {min_days: 365}\n",
    "audit/main.tf": group("audit", 90),
    "audit/stacks/template.yaml": "Resources:\n  Trail:\n    Type: AWS::Logs::LogGroup\n"
    "    Properties:\n      RetentionInDays: 180\n",
}


def brief(findings: tuple[Finding, ...]) -> list[tuple[str, int, str, str]]:
    return [(f.path, f.line, f.severity.value, f.message) for f in findings]


AUDIT = [
    (
        "audit/main.tf",
        3,
        "error",
        "Log group `aws_cloudwatch_log_group.audit` keeps logs for less than 365 days: raise "
        "`retention_in_days` to at least 365",
    ),
    (
        "audit/stacks/template.yaml",
        5,
        "error",
        "Log group `Trail` keeps logs for less than 365 days: raise `RetentionInDays` to at "
        "least 365",
    ),
]
APP = [
    (
        "app/main.tf",
        3,
        "warning",
        "Log group `aws_cloudwatch_log_group.app` keeps logs for less than 30 days: raise "
        "`retention_in_days` to at least 30",
    )
]


def test_the_nearest_configuration_governs_each_module_and_template() -> None:
    assert brief(lint(FILES).findings) == [*APP, *AUDIT]


@pytest.mark.parametrize("paths", [("audit",), ("audit/main.tf", "audit/stacks/template.yaml")])
def test_a_scan_of_part_of_the_tree_gives_the_same_findings_there(paths: tuple[str, ...]) -> None:
    assert brief(lint(FILES, paths=paths).findings) == AUDIT


def test_the_command_line_selection_wins_over_nested_files() -> None:
    assert lint(FILES, ignore=[RETENTION]).findings == ()
    assert [f.path for f in lint(FILES, select=["OPS08-BP02"]).findings] == [
        "app/main.tf",
        "audit/main.tf",
        "audit/stacks/template.yaml",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "ignore: [OPS08-BP02/log-retention]\n",
            "legacy/.opslint.yaml: `ignore`: 'OPS08-BP02/log-retention' is not a rule ID, "
            "practice ID or group (did you mean OPS08-BP02/log-group-retention?)",
        ),
        ("select: [\n", "legacy/.opslint.yaml:2: invalid YAML: "),
    ],
)
def test_an_invalid_nested_file_is_reported_and_hides_nothing(text: str, problem: str) -> None:
    """Its units are checked with the run's configuration; other folders are unaffected."""
    files = {**FILES, "legacy/.opslint.yaml": text}
    found = [(f.rule_id, f.path, f.message) for f in lint(files).findings]
    assert [(rule, path) for rule, path, _ in found] == [
        (RETENTION, "app/main.tf"),
        (RETENTION, "audit/main.tf"),
        (RETENTION, "audit/stacks/template.yaml"),
        ("opslint/config-error", "legacy/.opslint.yaml"),
        (RETENTION, "legacy/main.tf"),  # with the run's configuration
    ]
    assert found[3][2].startswith(problem)
    # the run's own configuration stops the run, as on the command line
    with pytest.raises(ConfigError, match="log-retention"):
        lint({**FILES, ".opslint.yaml": "ignore: [OPS08-BP02/log-retention]\n"})


def test_a_nested_file_leaves_out_more_files_below_it() -> None:
    files = {
        ".opslint.yaml": "select: [OPS08-BP02]\n",
        "old/main.tf": group("top_level_old"),
        "infra/.opslint.yaml": "select: [OPS08-BP02]\nexclude: [old/, '*.generated.yaml']\n",
        "infra/old/main.tf": group("old"),
        "infra/app/main.tf": group("app") + group("kept", 30),
        "infra/app/extra.tf": group("extra"),
        "infra/stacks/api.generated.yaml": "Resources:\n  G:\n    Type: AWS::Logs::LogGroup\n",
        "infra/stacks/api.yaml": "Resources:\n  H:\n    Type: AWS::Logs::LogGroup\n",
    }
    expected = [
        ("infra/app/extra.tf", 1),
        ("infra/app/main.tf", 1),
        ("infra/stacks/api.yaml", 2),
    ]
    every = [(f.path, f.line) for f in lint(files).findings]
    assert every == [*expected, ("old/main.tf", 1)]  # the top's `old/` is not infra's
    assert [(f.path, f.line) for f in lint(files, paths=("infra",)).findings] == expected
    files["infra/.opslint.yaml"] = "select: [OPS08-BP02]\nexclude: ['extra.tf']\n"
    assert [f.path for f in lint(files, paths=("infra/app",)).findings] == ["infra/app/main.tf"]
