"""The engine's own rules: what opslint reports about the run itself (a file it could not
parse, a rule that failed, a suppression that silences nothing, ...).

They have no practice, but otherwise they are rules like the others: one table gives each its
ID, default severity, title, meaning and fix, and the runner, the SARIF reporter,
``opslint rules``, ``opslint explain``, ``--select``/``--ignore``, configured ``ignore`` and
per-rule ``severity`` all read it. ``opslint`` (the group) names all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from opslint.model import Finding, Severity, fingerprint

if TYPE_CHECKING:
    from opslint.config import Config

GROUP = "opslint"
"""The selector that names every engine rule."""


@dataclass(frozen=True)
class EngineRule:
    id: str
    """``opslint/<code>``."""
    severity: Severity
    title: str
    what: str
    """What a finding of this rule means."""
    fix: str

    @property
    def code(self) -> str:
        return self.id.removeprefix(GROUP + "/")

    def to_row(self) -> dict[str, Any]:
        """Its row in ``opslint rules --format json`` (the shape of a practice rule's row)."""
        return {
            "id": self.id,
            "practice": "",
            "related": [],
            "severity": self.severity.value,
            "title": self.title,
            "frameworks": [],
            "resource_types": {},
            "options": [],
        }

    def markdown(self) -> str:
        """Its page, as ``opslint explain`` prints it and SARIF's help carries it."""
        return (
            f"# {self.id}\n\n**{self.title}**\n\n- Default severity: `{self.severity.value}`\n\n"
            f"## What it means\n\n{self.what}\n\n## How to fix\n\n{self.fix}\n"
        )


ENGINE_RULES: dict[str, EngineRule] = {
    rule.id: rule
    for rule in (
        EngineRule(
            "opslint/parse-error",
            Severity.ERROR,
            "A file could not be parsed",
            "opslint could not parse this Terraform or CloudFormation/SAM file, so no rule "
            "checked it. The message gives the parser's reason and, where known, the line.",
            "Fix the syntax error (`terraform validate` or `cfn-lint` show it too), or exclude "
            "the file with `exclude` in `.opslint.yaml` if it is not meant to be valid.",
        ),
        EngineRule(
            "opslint/duplicate-key",
            Severity.WARNING,
            "A key is written twice in one mapping",
            "A CloudFormation/SAM template repeats a key in one mapping (two resources with "
            "the same logical ID, a property given twice). CloudFormation keeps the last value "
            "and silently ignores the first, so opslint reads the template the same way and "
            "checks it; the finding is at the occurrence that counts and names the line of "
            "the one that is ignored. cfn-lint rejects such a template (E0000).",
            "Remove or rename one of the two occurrences.",
        ),
        EngineRule(
            "opslint/rule-error",
            Severity.ERROR,
            "A rule failed while checking a unit",
            "A rule raised an exception on this Terraform module or CloudFormation template, so "
            "its result there is unknown. Other rules and files were still checked.",
            "This is a bug in the rule: report it with the file that triggers it. Meanwhile, "
            "ignore the rule for this path or suppress the finding.",
        ),
        EngineRule(
            "opslint/io-error",
            Severity.ERROR,
            "A file could not be read",
            "opslint could not read this file (permissions, a broken link, a device), so no "
            "rule checked it.",
            "Make the file readable by the user running opslint, or exclude it with `exclude` "
            "in `.opslint.yaml`.",
        ),
        EngineRule(
            "opslint/symlink-loop",
            Severity.WARNING,
            "A symbolic link loops back on itself",
            "A symbolic link under a scanned path points at one of its own parent folders; "
            "opslint did not follow it, so files reachable only through it were not checked.",
            "Remove or fix the link, or exclude its path with `exclude` in `.opslint.yaml`.",
        ),
        EngineRule(
            "opslint/outside-link",
            Severity.NOTE,
            "A folder link leads outside the scanned folder",
            "A symbolic link under a scanned path points at a folder outside it (another "
            "checkout, `/proc`, `/usr`); opslint does not walk out of the folder it was given, so "
            "files reachable only through the link were not checked.",
            "Scan the folder the link points at as well, or scan a folder that holds both.",
        ),
        EngineRule(
            "opslint/file-too-large",
            Severity.NOTE,
            "A file is over the size limit",
            "The file is larger than `max-file-size` (5,000,000 bytes unless configured), so it "
            "was not read and no rule checked it. The size comes from the file system before "
            "anything is read.",
            "Raise `max-file-size` in `.opslint.yaml` (or `--max-file-size`) if the file is "
            "meant to be checked, or exclude it with `exclude`.",
        ),
        EngineRule(
            "opslint/not-checked",
            Severity.NOTE,
            "Resources of another tool were not checked",
            "Resources typed by another tool's tag (`Type: !Rain::Module vpc.yml` for Rain) are "
            "expanded by that tool before deployment, so opslint cannot see what they become; "
            "the rest of the template was checked.",
            "Check the template the tool produces (`rain pkg`), or the module's own template.",
        ),
        EngineRule(
            "opslint/unknown-suppression",
            Severity.WARNING,
            "A suppression names an unknown rule",
            "An `opslint:ignore` (or a configured exception) names something that is not a rule "
            "ID, practice ID or practice group, so it silences nothing for that name.",
            "Correct the ID (`opslint rules` lists them) or remove it from the suppression.",
        ),
        EngineRule(
            "opslint/unused-suppression",
            Severity.NOTE,
            "A suppression silences nothing",
            "A suppression matched no finding of rules that ran, or it is not above or inside a "
            "resource. Stale suppressions hide future problems.",
            "Remove the suppression, or move it above the resource it is meant for.",
        ),
        EngineRule(
            "opslint/suppression-without-reason",
            Severity.WARNING,
            "A suppression gives no reason",
            "Suppressions must say why (`-- <reason>`) so reviewers can judge them.",
            "Add `-- <why this finding does not apply>` to the suppression.",
        ),
        EngineRule(
            "opslint/expired-suppression",
            Severity.WARNING,
            "A suppression has expired",
            "The suppression's `until` date has passed, so it no longer applies and the finding "
            "it covered is reported again.",
            "Fix the finding, or renew the suppression with a new date and a reason.",
        ),
        EngineRule(
            "opslint/invalid-suppression",
            Severity.WARNING,
            "A suppression cannot be read",
            "The suppression's `until` value is not a date (YYYY-MM-DD) or it names nothing, so "
            "it does not apply.",
            "Write `until=YYYY-MM-DD` and at least one rule ID, practice ID or group.",
        ),
        EngineRule(
            "opslint/checkov-files-not-found",
            Severity.WARNING,
            "A checkov report names no scanned file",
            "None of the files in the report given with `--checkov-report` is among the files "
            "opslint scanned, so none of checkov's results could be placed.",
            "Run opslint on the folder checkov scanned (`checkov -d DIR` then `opslint check "
            "DIR --checkov-report ...`), or write the report from the folder opslint scans.",
        ),
    )
}
"""Engine rule ID → its rule, in the order ``opslint rules`` lists them."""


def is_engine_id(rule_id: str) -> bool:
    return rule_id.startswith(GROUP + "/")


def engine_severity(code: str) -> Severity:
    """The default severity of ``opslint/<code>`` (``error`` for a code not in the table)."""
    rule = ENGINE_RULES.get(f"{GROUP}/{code}")
    return rule.severity if rule else Severity.ERROR


def engine_finding(
    code: str, path: str, message: str, line: int | None = None, resource: str = ""
) -> Finding:
    """A finding of the engine rule ``opslint/<code>`` at its default severity (selection and
    configured severities are applied by :func:`select_engine_findings`)."""
    rule_id = f"{GROUP}/{code}"
    at = line or 1
    return Finding(
        rule_id=rule_id,
        practice_id="",
        severity=engine_severity(code),
        path=path,
        line=at,
        end_line=at,
        message=message,
        resource=resource,
        fingerprint=fingerprint(rule_id, path, resource, message),
    )


def engine_selected(rule_id: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Whether the engine rule ``rule_id`` reports. Engine rules report unless ignored (by ID
    or ``opslint``), even when ``select`` names only practice rules: a file that was not
    checked must not go unsaid. A ``select`` that names an engine rule or ``opslint`` selects
    engine rules like any others (only those named)."""
    from opslint.config import is_selected

    if any(s == GROUP or is_engine_id(s) for s in select):
        return is_selected(rule_id, select, ignore)
    return is_selected(rule_id, (), ignore)


def select_engine_findings(findings: Iterable[Finding], config: Config) -> list[Finding]:
    """``findings`` without the engine findings the configuration turns off (``ignore``,
    ``select``, ``enabled: false``), each remaining one at its configured severity."""
    kept = []
    for finding in findings:
        if is_engine_id(finding.rule_id):
            settings = config.rules.get(finding.rule_id)
            if settings is not None and settings.enabled is False:
                continue
            if not engine_selected(finding.rule_id, config.select, config.ignore):
                continue
            if settings is not None and settings.severity is not None:
                finding = replace(finding, severity=settings.severity)
        kept.append(finding)
    return kept
