"""OPS08-BP02/log-group-retention: CloudWatch log groups set a retention period."""

from fnmatch import fnmatchcase

from opslint.aws.tagging import tags_of
from opslint.coerce import as_number
from opslint.model import ABSENT, Attr, Choice, Reference, Resource, Severity, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Expect, Option, Rule, every_alternative

RETENTION = Attr(terraform="retention_in_days", cloudformation="RetentionInDays")
NAME = Attr(terraform="name", cloudformation="LogGroupName")
FOREVER = "forever"
LOG_RETENTION = "Custom::LogRetention"
"""The CDK's custom resource that sets a log group's retention (a function's
``logRetention``, ``new logs.LogRetention(...)``): it names the group in ``LogGroupName``."""
TYPES = ("aws_cloudwatch_log_group", "AWS::Logs::LogGroup", LOG_RETENTION)


def _retained_by_custom_resource(resource: Resource, ctx: Context) -> bool:
    """True when a ``Custom::LogRetention`` of the unit sets a retention for this log group
    (same ``LogGroupName``, written the same way)."""
    if resource.type != "AWS::Logs::LogGroup":
        return False
    name = resource.get(NAME)
    if name is ABSENT:
        return False
    for other in ctx.unit.by_type(LOG_RETENTION):
        days = other.get(RETENTION.cloudformation)
        if other.get(NAME.cloudformation) == name and (as_number(days) or 0) > 0:
            return True
    return False


def _kept_forever(resource: Resource, ctx: Context) -> bool | None:
    """True when the group is allow-listed, False when it is not, None when opslint cannot
    tell (an unresolved name or tag)."""
    verdict: bool | None = False
    tag_key: str = ctx.option("keep_forever_tag")
    if tag_key:
        for value in alternatives(tags_of(resource).get(tag_key)):
            if isinstance(value, (Unknown, Reference, Choice)):
                verdict = None
            elif isinstance(value, str) and value.strip().lower() == FOREVER:
                return True
    globs: list[str] = ctx.option("keep_forever")
    if globs:
        for name in alternatives(resource.get(NAME)):
            if isinstance(name, str):
                if any(fnmatchcase(name, glob) for glob in globs):
                    return True
            elif name is not ABSENT:
                verdict = None
    return verdict


def _never_expires(value: object) -> bool | None:
    """0 days means "never expire" to CloudWatch Logs."""
    return as_number(value) == 0


def _meant_to_expire(resource: Resource, ctx: Context) -> bool:
    """Not kept forever on purpose, and not given a retention by a CDK custom resource."""
    return _kept_forever(resource, ctx) is False and not _retained_by_custom_resource(resource, ctx)


def _may_expire(resource: Resource, ctx: Context) -> bool:
    """A minimum is configured and the group may expire (one that never does is reported
    as such)."""
    return ctx.option("min_days") > 1 and not every_alternative(
        resource.get(RETENTION), lambda v: v is ABSENT or _never_expires(v)
    )


def _example(resource: Resource, ctx: Context) -> dict[str, str]:
    return {"example": str(max(30, ctx.option("min_days")))}


NEVER_EXPIRES = "Log group `{name}` never expires: set `{attribute}` (e.g. {example})"


class LogGroupRetention(Rule):
    id = "OPS08-BP02/log-group-retention"
    title = "CloudWatch log groups set a retention period"
    severity = Severity.WARNING
    checks = (
        Expect(
            TYPES,
            RETENTION,
            bad=_never_expires,
            when=_meant_to_expire,
            details=_example,
            message=NEVER_EXPIRES,
            missing_message=NEVER_EXPIRES,
        ),
        Expect(
            TYPES,
            RETENTION,
            required=False,
            at_least="min_days",
            when=_may_expire,
            message="Log group `{name}` keeps logs for less than {min_days} days: raise "
            "`{attribute}` to at least {min_days}",
        ),
    )
    options = (
        Option(
            "min_days",
            "int",
            1,
            "Shortest retention accepted, in days. Raise it to enforce a retention policy "
            "(for example 30).",
        ),
        Option(
            "keep_forever",
            "list[str]",
            [],
            "Log group names kept forever on purpose: shell-style globs (`*`, `?`, `[...]`, "
            "case-sensitive) matched against the log group's name, e.g. `/audit/*`.",
        ),
        Option(
            "keep_forever_tag",
            "str",
            "",
            'Tag key that marks a log group kept forever on purpose when its value is "forever" '
            "(any case), e.g. `retention`. Empty (the default) turns the tag off.",
        ),
    )
    docs = Docs(
        what=(
            "Checks that every CloudWatch log group sets a retention period: "
            "`retention_in_days` on `aws_cloudwatch_log_group`, `RetentionInDays` on "
            "`AWS::Logs::LogGroup`, and on the CDK's `Custom::LogRetention` (a function's "
            "`logRetention`): a log group that a `Custom::LogRetention` with a retention names "
            "counts as set. Missing or `0` means the logs never expire. With the "
            "`min_days` option, a shorter retention is reported too. Log groups kept forever "
            "on purpose are not reported when their name matches a glob of the `keep_forever` "
            "option, or, with `keep_forever_tag: retention`, when they carry the tag "
            '`retention = "forever"`.'
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. Logs kept forever grow without "
            "bound in cost and noise, and nobody has decided how long they are needed; a "
            "deliberate retention period is part of a log strategy that operators can rely "
            "on."
        ),
        fix=(
            "Set the retention to the period your team needs, for example 30 days. If a log "
            "group must be kept forever on purpose (audit logs), list its name in the "
            '`keep_forever` option (`keep_forever: ["/audit/*"]`), or set '
            '`keep_forever_tag: retention` and tag it `retention = "forever"`, or suppress '
            "the finding with a reason."
        ),
        cautions=(
            "Retention set later by account automation (a Lambda that applies a default) is "
            "invisible here: suppress or configure `keep_forever`. The `keep_forever` globs "
            "match the name as written (`name` / `LogGroupName`); a group with a generated "
            "name (`name_prefix` or no name) matches no glob, and one whose name opslint "
            "cannot resolve is not reported while `keep_forever` is set. Likewise, with "
            "`keep_forever_tag` set, a group whose tags opslint cannot read (`tags = "
            "var.tags`, `merge(...)`) is not reported; that is why the tag is off by default. "
            "The allow-list only silences the never-expires finding, not the `min_days` one."
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
