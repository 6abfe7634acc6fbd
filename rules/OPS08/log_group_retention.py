"""OPS08-BP02/log-group-retention: CloudWatch log groups set a retention period."""

from collections.abc import Iterator

from opslint.model import ABSENT, Resource, Severity
from opslint.rule import (
    Context,
    Docs,
    Example,
    Option,
    Rule,
    Violation,
    as_number,
    every_alternative,
)

ATTRIBUTE = {"terraform": "retention_in_days", "cloudformation": "RetentionInDays"}


class LogGroupRetention(Rule):
    id = "OPS08-BP02/log-group-retention"
    title = "CloudWatch log groups set a retention period"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_cloudwatch_log_group",),
        "cloudformation": ("AWS::Logs::LogGroup",),
    }
    options = (
        Option(
            "min_days",
            "int",
            1,
            "Shortest retention accepted, in days. Raise it to enforce a retention policy "
            "(for example 30).",
        ),
    )
    docs = Docs(
        what=(
            "Checks that every CloudWatch log group sets a retention period: "
            "`retention_in_days` on `aws_cloudwatch_log_group`, `RetentionInDays` on "
            "`AWS::Logs::LogGroup`. Missing or `0` means the logs never expire. With the "
            "`min_days` option, a shorter retention is reported too."
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. Logs kept forever grow without "
            "bound in cost and noise, and nobody has decided how long they are needed; a "
            "deliberate retention period is part of a log strategy that operators can rely "
            "on."
        ),
        fix=(
            "Set the retention to the period your team needs, for example 30 days. If a log "
            "group must be kept forever on purpose (audit logs), suppress the finding for it "
            "with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_cloudwatch_log_group" "app" {\n  name = "/app/api"\n}',
                passing=(
                    'resource "aws_cloudwatch_log_group" "app" {\n'
                    '  name              = "/app/api"\n'
                    "  retention_in_days = 30\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing="AppLogs:\n  Type: AWS::Logs::LogGroup\n  Properties:\n"
                "    LogGroupName: /app/api",
                passing="AppLogs:\n  Type: AWS::Logs::LogGroup\n  Properties:\n"
                "    LogGroupName: /app/api\n    RetentionInDays: 30",
            ),
        ),
    )

    def _check(self, resource: Resource, ctx: Context, attribute: str) -> Iterator[Violation]:
        value = resource.get(attribute)
        min_days: int = ctx.option("min_days")

        def never_expires(v: object) -> bool | None:
            return v is ABSENT or as_number(v) == 0

        if every_alternative(value, never_expires):
            yield self.violation(
                resource,
                f"Log group `{resource.name}` never expires: set `{attribute}` "
                f"(e.g. {max(30, min_days)})",
                attribute=attribute,
            )
            return

        def too_short(v: object) -> bool | None:
            days = as_number(v)
            if days is None:
                return None
            return days == 0 or days < min_days

        if min_days > 1 and every_alternative(value, too_short):
            yield self.violation(
                resource,
                f"Log group `{resource.name}` keeps logs for less than {min_days} days: "
                f"raise `{attribute}` to at least {min_days}",
                attribute=attribute,
            )

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        return self._check(resource, ctx, ATTRIBUTE["terraform"])

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        return self._check(resource, ctx, ATTRIBUTE["cloudformation"])
