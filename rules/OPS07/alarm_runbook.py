"""OPS07-BP03/alarm-runbook: every alarm that notifies someone says what it means and links
a runbook."""

from collections.abc import Iterator

from opslint.aws import alarms
from opslint.aws.tagging import tags_of
from opslint.model import ABSENT, Severity, Unit
from opslint.rule import Context, Docs, Example, Option, Rule, Violation, every_alternative


def _has_link(text: str) -> bool:
    return bool(alarms.urls(text) or alarms.repository_paths(text))


class AlarmRunbook(Rule):
    id = "OPS07-BP03/alarm-runbook"
    title = "Alarms that notify someone describe themselves and link a runbook"
    severity = Severity.WARNING
    related = ("OPS09-BP02", "OPS07-BP04")
    resource_types = alarms.ALARM_TYPES
    options = (
        Option(
            "runbook_tag",
            "str",
            "runbook",
            "Tag key that carries the runbook link; an alarm with this tag passes whatever "
            "its description says.",
        ),
    )
    docs = Docs(
        what=(
            "Checks that every CloudWatch metric, composite or log alarm that notifies someone "
            "(its alarm actions are not known to be empty, disabled, or only automation such "
            "as scaling policies and EC2 actions; an OpsItem, incident, investigation or "
            "Lambda function action brings people to it) has a description "
            "(`alarm_description` / `AlarmDescription`) that links a runbook: an http(s) URL or "
            "a repository path such as `docs/runbooks/api-errors.md` or `runbooks/api/`. A tag "
            "with the key of the `runbook_tag` option (default `runbook`) passes too. Alarms "
            "without actions, such as the inputs of composite alarms and alarms that gate "
            "deployments, page nobody and are not checked (OPS08-BP04/alarm-actions judges "
            "those)."
        ),
        why=(
            "OPS07-BP03 asks you to use runbooks to perform procedures, and OPS09-BP02 to "
            "have a process per alert. The person paged at night reads the alarm's "
            "description first: it should say what the alarm means and where the steps to "
            "handle it are written down."
        ),
        fix=(
            "Write what the alarm means and a link to its runbook in the description, for "
            'example `alarm_description = "API 5xx above 1%. Runbook: '
            'https://wiki.example.com/runbooks/api-5xx"`, or tag the alarm with '
            "`runbook = <link>`."
        ),
        cautions=(
            "A description that only names a wiki page title without a link is reported: "
            "make it a link. Whether a relative repository path exists is checked by "
            "OPS07-BP03/runbook-link-resolves."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
                    '  alarm_name        = "api-errors"\n'
                    '  alarm_description = "Errors"\n'
                    "  alarm_actions     = [aws_sns_topic.oncall.arn]\n  # ...\n}"
                ),
                passing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
                    '  alarm_name        = "api-errors"\n'
                    '  alarm_description = "API errors. Runbook: docs/runbooks/api-errors.md"\n'
                    "  alarm_actions     = [aws_sns_topic.oncall.arn]\n  # ...\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    AlarmActions: [!Ref OnCallTopic]\n    # ..."
                ),
                passing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    AlarmDescription: >-\n      API errors. Runbook:\n"
                    "      https://wiki.example.com/runbooks/api-errors\n"
                    "    AlarmActions: [!Ref OnCallTopic]\n    # ..."
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        tag: str = ctx.option("runbook_tag")
        for alarm in ctx.each(alarms.alarms(unit)):
            if not alarms.pages_people(unit, alarm):
                continue
            if tags_of(alarm).get(tag) is not ABSENT:
                continue
            attribute = alarms.attribute(alarm, "description")
            value = alarms.read(alarm, "description")

            def empty(v: object) -> bool | None:
                return v is ABSENT or (isinstance(v, str) and not v.strip())

            def unlinked(v: object) -> bool | None:
                if empty(v):
                    return True
                return not _has_link(v) if isinstance(v, str) else None

            if every_alternative(value, empty):
                yield self.violation(
                    alarm,
                    f"Alarm `{alarm.name}` notifies someone but has no description: set "
                    f"`{attribute}` to what it means and a runbook link (or add a "
                    f"`{tag}` tag)",
                    attribute=attribute,
                )
            elif every_alternative(value, unlinked):
                yield self.violation(
                    alarm,
                    f"Alarm `{alarm.name}` does not link a runbook: add a runbook URL or "
                    f"repository path to `{attribute}` (or add a `{tag}` tag)",
                    attribute=attribute,
                )
