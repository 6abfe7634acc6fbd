"""OPS09-BP01/alerts-reach-incident-process: alerts reach something that tracks events, not
only personal inboxes."""

from collections.abc import Iterator
from typing import Any

from opslint.aws import alarms
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation

PERSONAL = frozenset({"email", "email-json", "sms"})
# Resources that carry alerts into a tracked process: chat, notifications, incidents, webhooks.
PROCESS_TYPES = (
    "aws_chatbot_slack_channel_configuration",
    "aws_chatbot_teams_channel_configuration",
    "aws_notifications_channel_association",
    "aws_ssmincidents_response_plan",
    "aws_cloudwatch_event_api_destination",
    "AWS::Chatbot::SlackChannelConfiguration",
    "AWS::Chatbot::MicrosoftTeamsChannelConfiguration",
    "AWS::Notifications::ChannelAssociation",
    "AWS::SSMIncidents::ResponsePlan",
    "AWS::Events::ApiDestination",
)


TF_GIVEN = (
    'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}\n\n'
    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
    '  alarm_name          = "api-errors"\n  namespace           = "AWS/Lambda"\n'
    '  metric_name         = "Errors"\n  statistic           = "Sum"\n'
    "  period              = 60\n  evaluation_periods  = 1\n  threshold           = 1\n"
    '  comparison_operator = "GreaterThanOrEqualToThreshold"\n'
    "  alarm_actions       = [aws_sns_topic.alerts.arn]\n}\n"
)
CFN_GIVEN = (
    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n    Namespace: AWS/Lambda\n"
    "    MetricName: Errors\n    Statistic: Sum\n    Period: 60\n    EvaluationPeriods: 1\n"
    "    Threshold: 1\n    ComparisonOperator: GreaterThanOrEqualToThreshold\n"
    "    AlarmActions: [!Ref Alerts]\n"
)


def _protocols(unit: Unit) -> list[Any]:
    """The protocol of every subscription visible in the unit."""
    found: list[Any] = []
    for resource in unit.by_type("aws_sns_topic_subscription", "AWS::SNS::Subscription"):
        found.append(resource.get("protocol" if unit.framework == "terraform" else "Protocol"))
    for topic in unit.by_type("AWS::SNS::Topic"):
        for option in alternatives(topic.get("Subscription")):
            if isinstance(option, list):
                found.extend(
                    item.get("Protocol", ABSENT) if isinstance(item, dict) else item
                    for item in option
                )
            elif option is not ABSENT:
                found.append(option)
    for function in unit.by_type("AWS::Serverless::Function"):
        events = function.get("Events")
        if isinstance(events, dict) and any(
            isinstance(e, dict) and e.get("Type") == "SNS" for e in events.values()
        ):
            found.append("lambda")
    return found


def _personal_only(protocol: Any) -> bool:
    options = alternatives(protocol)
    return all(isinstance(o, str) and o.lower() in PERSONAL for o in options)


def _action_is_topic(unit: Unit, target: Any) -> bool:
    """True when the action is an SNS topic of the unit; anything else (an OpsItem, an
    incident, an investigation, a Lambda function, an ARN elsewhere) may track events."""
    if isinstance(target, Reference):
        resource = unit.resolve(target)
        return resource is not None and resource.type in alarms.TOPIC_TYPES
    if isinstance(target, Unknown):
        resources = [unit.resolve(a) for a in target.references]
        return bool(resources) and all(
            r is not None and r.type in alarms.TOPIC_TYPES for r in resources
        )
    return False


class AlertsReachIncidentProcess(Rule):
    id = "OPS09-BP01/alerts-reach-incident-process"
    title = "Alerts reach an incident process, not only email or SMS"
    severity = Severity.NOTE
    resource_types = alarms.ALARM_TYPES
    docs = Docs(
        what=(
            "Looks at the alarms of a module or template that notify people and at every "
            "SNS subscription visible in it. When all alarm actions go to SNS topics of the "
            "unit and every subscription is `email`, `email-json` or `sms`, alerts end in "
            "personal inboxes: the finding is on the first topic they reach. Anything that "
            "can track an event passes the unit: an HTTPS, Lambda, SQS or Firehose "
            "subscription (conditional ones too), a SAM function subscribed to a topic, an "
            "AWS Chatbot channel, an AWS User Notifications channel association, an "
            "Incident Manager response plan, an EventBridge API destination, or an alarm "
            "action that opens an OpsItem or incident, starts an investigation or invokes a "
            "Lambda function."
        ),
        why=(
            "OPS09-BP01 asks you to establish a process for event, incident and problem "
            "management. An alert that only lands in someone's mailbox is not recorded, "
            "assigned or escalated: when that person is away, the event goes unhandled and "
            "leaves no trace to review."
        ),
        fix=(
            "Route alerts into the tool that runs your incident process: an HTTPS "
            "subscription to your paging or incident tool, an AWS Chatbot channel, an "
            "OpsItem alarm action (`arn:aws:ssm:<region>:<account>:opsitem:<severity>`), or "
            "a Lambda function that files a ticket."
        ),
        unknown=(
            "Alarm actions opslint cannot resolve, topics of other units and subscription "
            "protocols it cannot read count as possible incident paths: no finding. A unit "
            "with no visible subscription is left to OPS08-BP04/alarm-topic-subscribed."
        ),
        cautions=(
            "Email that a ticketing system ingests (Jira, ServiceNow mail handlers) is an "
            "incident path opslint cannot see: suppress the finding with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_sns_topic_subscription" "oncall" {\n'
                    "  topic_arn = aws_sns_topic.alerts.arn\n"
                    '  protocol  = "email"\n  endpoint  = "oncall@example.com"\n}'
                ),
                passing=(
                    'resource "aws_sns_topic_subscription" "pager" {\n'
                    "  topic_arn = aws_sns_topic.alerts.arn\n"
                    '  protocol  = "https"\n'
                    '  endpoint  = "https://events.pagerduty.com/integration/x/enqueue"\n}'
                ),
                given={"main.tf": TF_GIVEN},
            ),
            Example(
                "cloudformation",
                failing=(
                    "Alerts:\n  Type: AWS::SNS::Topic\n  Properties:\n    Subscription:\n"
                    "      - Protocol: email\n        Endpoint: oncall@example.com"
                ),
                passing=(
                    "Alerts:\n  Type: AWS::SNS::Topic\n  Properties:\n    Subscription:\n"
                    "      - Protocol: https\n"
                    "        Endpoint: https://events.pagerduty.com/integration/x/enqueue"
                ),
                given={"template.yaml": CFN_GIVEN},
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        paging = [a for a in alarms.alarms(unit) if alarms.pages_people(unit, a)]
        if not paging or unit.by_type(*PROCESS_TYPES):
            return
        for alarm in paging:
            for option in alternatives(alarms.actions(alarm)):
                if not isinstance(option, list):
                    return
                for target in option:
                    if not alarms.is_automation(unit, target) and not _action_is_topic(
                        unit, target
                    ):
                        return
        protocols = _protocols(unit)
        if not protocols or not all(_personal_only(p) for p in protocols):
            return
        # Topics passed to module calls or nested stacks may be subscribed there.
        for resource in unit.resources:
            if resource.kind == "module" or resource.type in alarms.NESTED_TYPES:
                return
        topics: list[Resource] = []
        for alarm in paging:
            topics.extend(t for t in alarms.topics_notified(unit, alarm) if t not in topics)
        if not topics:
            return
        names = ", ".join(f"`{a.name}`" for a in paging[:3])
        more = f" and {len(paging) - 3} more" if len(paging) > 3 else ""
        yield self.violation(
            topics[0],
            f"{'Alarm' if len(paging) == 1 else 'Alarms'} {names}{more} "
            f"{'reaches' if len(paging) == 1 else 'reach'} people only by email or SMS through "
            f"`{topics[0].name}`: no alert of this unit reaches a tool that records and "
            "escalates events; add an HTTPS, chat or incident subscription, or an OpsItem "
            "alarm action",
        )
