"""What the command line needs for ``--checkov`` and ``--checkov-report``."""

from __future__ import annotations

from opslint.checkov.mapping import checkov_rules
from opslint.checkov.merge import CheckovSource
from opslint.checkov.results import ReportError, read_report
from opslint.checkov.scan import INSTALL_HINT, checkov_command
from opslint.config import ConfigError
from opslint.registry import Registry


class CheckovUsageError(ConfigError):
    """The checkov options cannot be honoured (exit code 2, like a configuration error)."""


def checkov_source(run: bool, report: str | None) -> CheckovSource:
    """Where a run's checkov findings come from: the report file, else checkov itself."""
    if run and report:
        raise CheckovUsageError("give either --checkov or --checkov-report, not both")
    if report:
        try:
            return CheckovSource(tuple(read_report(report)))
        except ReportError as exc:
            raise CheckovUsageError(str(exc)) from None
    if checkov_command() is None:
        raise CheckovUsageError(
            f"--checkov needs checkov: {INSTALL_HINT} (or import a report checkov wrote "
            "with --checkov-report FILE)"
        )
    return CheckovSource()


def with_checkov_rules(registry: Registry) -> Registry:
    """The registry with one rule per reported checkov check."""
    rules = {r.id: r for r in (*registry.rules, *checkov_rules())}
    return Registry(tuple(sorted(rules.values(), key=lambda r: r.id)))


__all__ = ["CheckovUsageError", "checkov_source", "with_checkov_rules"]
