"""OPS06-BP04/cloudformation-rollback-enabled: stacks roll back when a change fails."""

import re
from collections.abc import Iterator

from opslint.discover import ci_references
from opslint.model import Repository, Severity
from opslint.rule import Docs, Example, Expect, Option, RepositoryContext, Rule, Violation

SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
SAMCONFIG_SETTINGS = (
    (re.compile(r"^\s*disable_rollback\s*=\s*true\s*(?:#.*)?$"), "`disable_rollback = true`"),
    (
        re.compile(r"""^\s*on_failure\s*=\s*["']DO_NOTHING["']\s*(?:#.*)?$"""),
        '`on_failure = "DO_NOTHING"`',
    ),
)
CLI_FLAGS = (
    (re.compile(r"(?<![\w-])--disable-rollback(?![\w-])"), "`--disable-rollback`"),
    (re.compile(r"(?<![\w-])--on-failure[\s=]+[\"']?DO_NOTHING\b"), "`--on-failure DO_NOTHING`"),
)


class CloudFormationRollbackEnabled(Rule):
    id = "OPS06-BP04/cloudformation-rollback-enabled"
    title = "CloudFormation stacks roll back failed changes"
    severity = Severity.WARNING
    checks = (
        Expect(
            "aws_cloudformation_stack",
            "disable_rollback",
            none_of=(True,),
            required=False,
            message=(
                "Stack {resource} keeps a failed change half-applied: remove "
                "`disable_rollback = true`"
            ),
        ),
        Expect(
            "aws_cloudformation_stack",
            "on_failure",
            none_of=("DO_NOTHING",),
            required=False,
            message=(
                "Stack {resource} keeps a failed creation half-applied: set `on_failure` to "
                '"ROLLBACK" (or "DELETE") instead of "DO_NOTHING"'
            ),
        ),
    )
    options = (
        Option(
            "ignore_environments",
            "list[str]",
            ["dev", "development", "local", "sandbox", "debug"],
            "`samconfig.toml` environments (the first part of a `[env.command.parameters]` "
            "table) where disabling rollback to debug a failed deployment is accepted.",
        ),
    )
    docs = Docs(
        what=(
            "Checks that CloudFormation stacks keep automatic rollback. Terraform: "
            "`aws_cloudformation_stack` must not set `disable_rollback = true` or "
            '`on_failure = "DO_NOTHING"`. SAM CLI: no `samconfig.toml` table may set '
            '`disable_rollback = true` or `on_failure = "DO_NOTHING"` (except in the '
            "environments of `ignore_environments`). CI: no CI definition (or script it runs) "
            "may deploy with `--disable-rollback` or `--on-failure DO_NOTHING` (`sam deploy`, "
            "`aws cloudformation deploy`, `create-stack`)."
        ),
        why=(
            "OPS06-BP04 asks you to automate testing and rollback. A stack whose failed change "
            "is not rolled back stays half-updated, with resources of two versions side by "
            "side, until someone repairs it by hand."
        ),
        fix=(
            'Remove `disable_rollback = true` and `on_failure = "DO_NOTHING"` (the default is '
            "to roll back)."
        ),
        cautions=(
            "Development stacks where keeping failed resources helps debugging: `samconfig.toml` "
            "environments named in `ignore_environments` (dev, development, local, sandbox, "
            "debug) are skipped; for others suppress the finding with a reason. Only "
            "`samconfig.toml` is read (not `samconfig.yaml`)."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudformation_stack" "network" {\n  name             = '
                    '"network"\n  template_body    = file("network.yaml")\n'
                    "  disable_rollback = true\n}"
                ),
                passing=(
                    'resource "aws_cloudformation_stack" "network" {\n  name          = '
                    '"network"\n  template_body = file("network.yaml")\n}'
                ),
            ),
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(repo.files_of_kind("samconfig.toml") or repo.files_of_kind("ci"))

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        ignored = set(ctx.option("ignore_environments"))
        for path in repo.files_of_kind("samconfig.toml"):
            yield from self._samconfig(path, repo.contents.get(path, ""), ignored)
        scanned = set()
        for path in repo.files_of_kind("ci"):
            text = repo.contents.get(path, "")
            for target in (path, *(repo.display(r) for r in ci_references(text))):
                if target not in scanned and target in repo.contents:
                    scanned.add(target)
                    yield from self._cli_flags(target, repo.contents[target])

    def _samconfig(self, path: str, text: str, ignored: set[str]) -> Iterator[Violation]:
        section = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = SECTION.match(line)
            if header:
                section = header.group(1).strip().strip("'\"")
                continue
            environment = section.split(".", 1)[0]
            if environment in ignored:
                continue
            for pattern, setting in SAMCONFIG_SETTINGS:
                if pattern.match(line):
                    yield self.file_violation(
                        path,
                        f"`sam deploy` keeps failed changes half-applied: remove {setting} from "
                        f"[{section}] in `samconfig.toml`",
                        line=number,
                        key=f"{section}:{setting}",
                    )

    def _cli_flags(self, path: str, text: str) -> Iterator[Violation]:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            for pattern, flag in CLI_FLAGS:
                if pattern.search(line):
                    yield self.file_violation(
                        path,
                        f"A CI deployment keeps failed stack changes half-applied: remove {flag}",
                        line=number,
                        key=f"{flag}:{line.strip()}",
                    )
