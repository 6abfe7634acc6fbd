"""OPS07-BP03/alarm-runbook: every alarm that notifies someone says what it means and links
a runbook."""

import re
from collections.abc import Iterator

from opslint.aws import alarms
from opslint.aws.tagging import tags_of
from opslint.model import ABSENT, Severity, Unit, Unknown
from opslint.partial import stand_in, unknown_pieces
from opslint.rule import Context, Docs, Example, Option, Rule, Violation, every_alternative
from opslint.undecided import note


def _has_link(text: str) -> bool:
    return bool(alarms.urls(text) or alarms.repository_paths(text))


NO_LINK_PSEUDO_PARAMETERS = frozenset(
    {"AWS::AccountId", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName"}
)
REF_IS_URL = frozenset({"AWS::SQS::Queue"})
"""Resource types whose ``Ref`` is a URL."""
_NAME_ATTRIBUTE = re.compile(r"(?:arn|name)$", re.IGNORECASE)
_LINK_ATTRIBUTE = re.compile(r"url|endpoint|domain|dns|website|address", re.IGNORECASE)


def cannot_hold_link(piece: Unknown, unit: Unit) -> bool:
    """Whether an unknown piece of a description can never be (or complete) a link: a
    pseudo-parameter naming the account, partition, region or stack; a resource's ARN or name
    (``!GetAtt Fn.Arn``, ``aws_lambda_function.api.function_name``, ``!Ref`` of a resource
    other than a queue); a CloudFormation parameter
    of a number or AWS-specific type, or whose allowed values hold no link."""
    if piece.reason.startswith("pseudo parameter "):
        return piece.reason.removeprefix("pseudo parameter ") in NO_LINK_PSEUDO_PARAMETERS
    if piece.reason == "reference":
        if "." not in piece.source:  # `!Ref Resource`: a name, ID or ARN, but a queue's URL
            target = unit.by_name(piece.source)
            return target is not None and target.type not in REF_IS_URL
        attribute = piece.source.rpartition(".")[2]
        return bool(_NAME_ATTRIBUTE.search(attribute)) and not _LINK_ATTRIBUTE.search(attribute)
    if unit.framework == "cloudformation" and piece.source.startswith("!Ref "):
        return _parameter_holds_no_link(unit, piece.source.removeprefix("!Ref "))
    return False


def _parameter_holds_no_link(unit: Unit, name: str) -> bool:
    parameters = unit.template_attributes.get("Parameters")
    definition = parameters.get(name) if isinstance(parameters, dict) else None
    if not isinstance(definition, dict):
        return False
    kind = definition.get("Type")
    if kind in ("Number", "List<Number>"):
        return True
    if isinstance(kind, str) and kind.startswith("AWS::") and "SSM" not in kind:
        return True  # AWS::EC2::VPC::Id and the like: IDs and names
    allowed = definition.get("AllowedValues")
    return (
        isinstance(allowed, list)
        and bool(allowed)
        and all(isinstance(v, (str, int, float)) and not _has_link(str(v)) for v in allowed)
    )


def links(value: object, unit: Unit) -> bool | None:
    """Whether a description links a runbook: True or False when its known parts decide,
    None when an unknown piece could hold the link."""
    if isinstance(value, str):
        return _has_link(value)
    text = stand_in(value)
    if text is None:
        return None
    if _has_link(text):
        return True
    pieces = unknown_pieces(value)
    if all(cannot_hold_link(piece, unit) for piece in pieces):
        return False
    for piece in pieces:
        note(piece)
    return None


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
            "OPS07-BP03/runbook-link-resolves. A description built from known text and "
            "values opslint cannot resolve (`!Sub`, `!Join`, a Terraform template) is judged "
            "on its known text: it passes when that text (an unknown value read as one word) "
            "holds a link; it is reported only when every unknown value can never be or "
            "complete a link: the pseudo-parameters `AWS::AccountId`, `AWS::Partition`, "
            "`AWS::Region`, `AWS::StackId`, `AWS::StackName`; a resource's ARN or name "
            "(`!GetAtt Fn.Arn`, `aws_lambda_function.api.function_name`, `!Ref` of a resource "
            "other than an SQS queue, whose `Ref` is its URL); a parameter of type `Number`, "
            "`List<Number>` or an AWS-specific type (`AWS::EC2::VPC::Id`), or one whose "
            "`AllowedValues` hold no link. Any other unknown value (a string parameter without "
            "allowed values, a Terraform variable, an SSM parameter) could be the link: the "
            "check is undecided."
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
                linked = links(v, unit)
                return None if linked is None else not linked

            if every_alternative(value, empty):
                yield self.violation(
                    alarm,
                    f"Alarm `{alarm.name}` notifies someone but has no description: set "
                    f"`{attribute}` to what it means and a runbook link (or add a "
                    f"`{tag}` tag)",
                    attribute=attribute,
                )
            elif every_alternative(value, unlinked, partial=True):
                yield self.violation(
                    alarm,
                    f"Alarm `{alarm.name}` does not link a runbook: add a runbook URL or "
                    f"repository path to `{attribute}` (or add a `{tag}` tag)",
                    attribute=attribute,
                )
