"""OPS05-BP05/lambda-runtime-supported: Lambda runtimes are not deprecated or blocked."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from opslint.aws.lambda_runtimes import Lifecycle, Status, lifecycle
from opslint.model import Attr, Resource, Severity, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

FUNCTION_TYPES = ("aws_lambda_function", "AWS::Lambda::Function", "AWS::Serverless::Function")
RUNTIME = Attr(terraform="runtime", cloudformation="Runtime")
PACKAGE_TYPE = Attr(terraform="package_type", cloudformation="PackageType")
LAYER_RUNTIMES = Attr(terraform="compatible_runtimes", cloudformation="CompatibleRuntimes")

SEVERITY = {
    Status.UPDATE_BLOCKED: Severity.ERROR,
    Status.CREATE_BLOCKED: Severity.ERROR,
    Status.DEPRECATED: Severity.WARNING,
    Status.DEPRECATION_SOON: Severity.NOTE,
}
ORDER = (
    Status.SUPPORTED,
    Status.DEPRECATION_SOON,
    Status.DEPRECATED,
    Status.CREATE_BLOCKED,
    Status.UPDATE_BLOCKED,
)


def _when(date: datetime.date | None) -> str:
    return date.isoformat() if date else "a date not yet announced"


def describe_status(entry: Lifecycle, status: Status) -> str:
    """Why a runtime is a problem, for messages."""
    if status is Status.UPDATE_BLOCKED:
        return (
            "which Lambda has blocked for creating and updating functions since "
            f"{_when(entry.update_block)}"
        )
    if status is Status.CREATE_BLOCKED:
        return (
            f"deprecated since {_when(entry.deprecated)}; Lambda has blocked creating functions "
            f"with it since {_when(entry.create_block)} and blocks updates from "
            f"{_when(entry.update_block)}"
        )
    if status is Status.DEPRECATED:
        return (
            f"deprecated since {_when(entry.deprecated)} (no more security patches; creating "
            f"functions is blocked from {_when(entry.create_block)})"
        )
    return f"deprecated on {_when(entry.deprecated)}"


def upgrade(entry: Lifecycle, status: Status) -> str:
    target = f"`{entry.successor}`" if entry.successor else "a supported runtime"
    verb = "plan the upgrade to" if status is Status.DEPRECATION_SOON else "upgrade to"
    return f"{verb} {target}"


class LambdaRuntimeSupported(Rule):
    id = "OPS05-BP05/lambda-runtime-supported"
    title = "Lambda functions use runtimes that are not deprecated or blocked"
    severity = Severity.ERROR
    resource_types = {
        "terraform": ("aws_lambda_function", "aws_lambda_layer_version"),
        "cloudformation": (
            "AWS::Lambda::Function",
            "AWS::Lambda::LayerVersion",
            "AWS::Serverless::Function",
            "AWS::Serverless::LayerVersion",
        ),
    }
    options = (
        Option(
            "notice_days",
            "int",
            180,
            "Report a runtime (as a note) this many days before its deprecation date.",
        ),
    )
    docs = Docs(
        what=(
            "Checks the runtime of every Lambda function (`runtime` on `aws_lambda_function`, "
            "`Runtime` on `AWS::Lambda::Function` and `AWS::Serverless::Function`, including "
            "`Globals.Function.Runtime`) against the Lambda runtime lifecycle table that "
            "cfn-lint ships (deprecation, block-create and block-update dates, successor "
            "runtimes), judged on the run date (`--as-of DATE` fixes it). The severity follows "
            "the date: **error** when Lambda blocks creating (or updating) functions with the "
            "runtime, **warning** when it is deprecated, **note** when its deprecation is "
            "within `notice_days` (180). Layers (`compatible_runtimes` / `CompatibleRuntimes`) "
            "that list such runtimes get a note per runtime. Functions packaged as container "
            'images (`package_type = "Image"`, `PackageType: Image`) have no managed runtime '
            "and are skipped."
        ),
        why=(
            "OPS05-BP05 asks you to perform patch management. A deprecated runtime no longer "
            "receives security patches, and once Lambda blocks it, the next deployment of the "
            "function fails: the upgrade then happens under pressure instead of as planned "
            "maintenance."
        ),
        fix=(
            "Move the function to the successor runtime named in the message (test the code "
            "on it first), e.g. `python3.6` → `python3.13`. In SAM, changing "
            "`Globals.Function.Runtime` upgrades every function that inherits it."
        ),
        cautions=(
            "Dates come from the installed cfn-lint's table; a newer cfn-lint may move them "
            "(AWS has extended deadlines before). Runtimes from variables or parameters "
            "without a value are not judged; identifiers the table does not know are not "
            "reported."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_lambda_function" "api" {\n  function_name = "api"\n'
                    '  runtime       = "python3.7"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_lambda_function" "api" {\n  function_name = "api"\n'
                    '  runtime       = "python3.13"\n  # ...\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Api:\n  Type: AWS::Lambda::Function\n  Properties:\n"
                    "    Runtime: nodejs12.x\n    # ..."
                ),
                passing=(
                    "Api:\n  Type: AWS::Lambda::Function\n  Properties:\n"
                    "    Runtime: nodejs22.x\n    # ..."
                ),
            ),
            Example(
                "sam",
                failing=(
                    "Globals:\n  Function:\n    Runtime: python3.6\nResources:\n  Api:\n"
                    "    Type: AWS::Serverless::Function\n    Properties:\n      # ..."
                ),
                passing=(
                    "Globals:\n  Function:\n    Runtime: python3.13\nResources:\n  Api:\n"
                    "    Type: AWS::Serverless::Function\n    Properties:\n      # ..."
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        notice_days: int = ctx.option("notice_days")
        framework = resource.framework
        if resource.type in FUNCTION_TYPES:
            yield from self._check_function(resource, ctx.today, notice_days, framework)
        else:
            yield from self._check_layer(resource, ctx.today, notice_days, framework)

    def _check_function(
        self, resource: Resource, today: datetime.date, notice_days: int, framework: str
    ) -> Iterator[Violation]:
        package_type = resource.get(PACKAGE_TYPE)
        if any(p == "Image" or isinstance(p, Unknown) for p in alternatives(package_type)):
            return
        attribute = RUNTIME.name(framework)
        judged: list[tuple[Lifecycle, Status]] = []
        for value in alternatives(resource.get(attribute)):
            entry = lifecycle(value) if isinstance(value, str) else None
            if entry is None:
                return  # unknown, absent, or a runtime the table does not know
            judged.append((entry, entry.status(today, notice_days)))
        if not judged:
            return
        # every alternative is at least as bad as the mildest one
        entry, status = min(judged, key=lambda pair: ORDER.index(pair[1]))
        if status is Status.SUPPORTED:
            return
        yield self.violation(
            resource,
            f"Lambda function `{resource.name}` uses runtime `{entry.runtime}`, "
            f"{describe_status(entry, status)}: {upgrade(entry, status)}",
            attribute=(attribute,),
            severity=SEVERITY[status],
        )

    def _check_layer(
        self, resource: Resource, today: datetime.date, notice_days: int, framework: str
    ) -> Iterator[Violation]:
        attribute = LAYER_RUNTIMES.name(framework)
        runtimes = resource.get(attribute)
        if not isinstance(runtimes, list):
            return
        for index, value in enumerate(runtimes):
            entry = lifecycle(value) if isinstance(value, str) else None
            if entry is None:
                continue
            status = entry.status(today, notice_days)
            if status is Status.SUPPORTED:
                continue
            yield self.violation(
                resource,
                f"Lambda layer `{resource.name}` lists runtime `{entry.runtime}` in "
                f"`{attribute}`, {describe_status(entry, status)}: drop it"
                + (f" or target `{entry.successor}`" if entry.successor else ""),
                attribute=(attribute, index),
                key=f"{attribute}.{entry.runtime}",
                severity=Severity.NOTE,
            )
