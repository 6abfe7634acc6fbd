"""OPS07-BP03/runbook-link-resolves: relative runbook links in alarms point at files that
exist."""

from collections.abc import Iterator
from pathlib import Path

from opslint.aws import alarms
from opslint.aws.tagging import tags_of
from opslint.model import ABSENT, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Option, Rule, Violation, every_alternative


def search_dirs(resource: Resource, root: str) -> list[Path]:
    """Where a relative link may be anchored: the alarm's file's directory and each directory
    above it up to the repository root (the first one holding ``.git``), then the scan root."""
    dirs: list[Path] = []
    here = Path(resource.path).resolve().parent
    for directory in (here, *here.parents):
        dirs.append(directory)
        if (directory / ".git").exists():
            break
    scan_root = Path(root).resolve()
    if scan_root not in dirs:
        dirs.append(scan_root)
    return dirs


def dangling(text: str, dirs: list[Path]) -> list[str]:
    """Repository paths in ``text`` that exist under none of ``dirs``."""
    missing = []
    for link in alarms.repository_paths(text):
        relative = link.lstrip("/")
        if not any((directory / relative).exists() for directory in dirs):
            missing.append(link)
    return missing


class RunbookLinkResolves(Rule):
    id = "OPS07-BP03/runbook-link-resolves"
    title = "Runbook paths linked from alarms exist in the repository"
    severity = Severity.NOTE
    related = ("OPS09-BP02", "OPS07-BP04")
    resource_types = alarms.ALARM_TYPES
    options = (
        Option(
            "runbook_tag",
            "str",
            "runbook",
            "Tag key that carries the runbook link; its value is checked like the description.",
        ),
    )
    docs = Docs(
        what=(
            "Checks that every repository path linked from an alarm's description "
            "(`alarm_description` / `AlarmDescription`) or runbook tag (option `runbook_tag`, "
            "default `runbook`) exists: a path such as `docs/runbooks/api-errors.md`, "
            "`../runbooks/db.md` or `runbooks/api/`. A relative path resolves against the "
            "directory of the file the alarm is written in, any directory above it up to the "
            "repository root (the first directory with `.git`), or the scan root (a leading "
            "`/` is read the same way, as repository-relative). http(s) URLs pass without "
            "being fetched. Whether any runbook exists at all when alarms do is not checked."
        ),
        why=(
            "OPS07-BP03 asks you to use runbooks, and OPS09-BP02 to have a process per alert. A "
            "runbook link that leads nowhere costs the responder minutes during an incident, "
            "and a moved or deleted runbook is easy to miss in review."
        ),
        fix=(
            "Correct the path, or add the runbook at that path (for example "
            "`docs/runbooks/api-errors.md`)."
        ),
        unknown=(
            "A description or tag opslint cannot resolve (a variable, an interpolation) is "
            "not checked."
        ),
        cautions=(
            "Runbooks in a wiki or another repository should be linked by URL; URLs are never "
            "fetched. Whether alarms link a runbook at all is OPS07-BP03/alarm-runbook's job."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
                    '  alarm_description = "Runbook: docs/runbooks/api-erors.md"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
                    '  alarm_description = "Runbook: docs/runbooks/api-errors.md"\n  # ...\n}'
                ),
                given={"docs/runbooks/api-errors.md": "# API errors\n"},
            ),
            Example(
                "cloudformation",
                failing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    AlarmDescription: See runbooks/erors.md\n    # ..."
                ),
                passing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    AlarmDescription: See runbooks/errors.md\n    # ..."
                ),
                given={"runbooks/errors.md": "# Errors\n"},
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        tag: str = ctx.option("runbook_tag")
        for alarm in ctx.each(alarms.alarms(unit)):
            dirs = search_dirs(alarm, ctx.root)

            def bad(value: object, dirs: list[Path] = dirs) -> bool | None:
                return bool(dangling(value, dirs)) if isinstance(value, str) else None

            description = alarms.attribute(alarm, "description")
            for attribute, value in (
                ((description,), alarm.get(description)),
                (tags_of(alarm).path(tag), tags_of(alarm).get(tag)),
            ):
                if value is ABSENT or not every_alternative(value, bad):
                    continue
                links: list[str] = []
                for option in alternatives(value):
                    links += [link for link in dangling(option, dirs) if link not in links]
                verb = "does" if len(links) == 1 else "do"
                yield self.violation(
                    alarm,
                    f"Alarm `{alarm.name}` links {', '.join(f'`{link}`' for link in links)}, "
                    f"which {verb} not exist in the repository: correct the path or add the "
                    "runbook there",
                    attribute=attribute,
                    key=".".join(str(step) for step in attribute),
                )
