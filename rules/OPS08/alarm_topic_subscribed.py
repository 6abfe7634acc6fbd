"""OPS08-BP04/alarm-topic-subscribed: SNS topics that alarms notify have a subscriber."""

from collections.abc import Iterator

from opslint.aws import alarms
from opslint.aws.dead_letters import literal_name
from opslint.model import ABSENT, Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Rule, Violation

# Where subscribers name the topic they listen to: (resource type, attribute path).
SUBSCRIBERS: tuple[tuple[str, str], ...] = (
    ("aws_sns_topic_subscription", "topic_arn"),
    ("aws_chatbot_slack_channel_configuration", "sns_topic_arns"),
    ("aws_chatbot_teams_channel_configuration", "sns_topic_arns"),
    ("AWS::SNS::Subscription", "TopicArn"),
    ("AWS::Chatbot::SlackChannelConfiguration", "SnsTopicArns"),
    ("AWS::Chatbot::MicrosoftTeamsChannelConfiguration", "SnsTopicArns"),
)

SUGGESTION = {
    "terraform": "add an `aws_sns_topic_subscription` for it (or an AWS Chatbot channel)",
    "cloudformation": "give it a `Subscription` or add an `AWS::SNS::Subscription` for it "
    "(or an AWS Chatbot channel)",
}


def subscribed(unit: Unit) -> tuple[set[str], bool]:
    """Topic addresses that have a subscriber in the unit, and whether some subscriber names
    a topic we cannot resolve (then any topic may have one)."""
    found: set[str] = set()
    anything = False
    names = {literal_name(t): t.name for t in unit.by_type(*alarms.TOPIC_TYPES)}
    for resource_type, path in SUBSCRIBERS:
        for resource in unit.by_type(resource_type):
            strings, addresses, opaque = alarms.strings_and_references(resource.get(path))
            found |= addresses
            anything = anything or opaque
            for text in strings:
                name = text.rsplit(":", 1)[-1]
                if text.startswith("arn:") and name in names:
                    found.add(names[name])
    for topic in unit.by_type("AWS::SNS::Topic"):
        if topic.get("Subscription") not in (ABSENT, []):
            found.add(topic.name)
    # SAM functions subscribe through SNS events.
    for function in unit.by_type("AWS::Serverless::Function"):
        events = function.get("Events")
        if not isinstance(events, dict):
            anything = anything or events is not ABSENT
            continue
        for event in events.values():
            if isinstance(event, dict) and event.get("Type") == "SNS":
                properties = event.get("Properties")
                target = properties.get("Topic") if isinstance(properties, dict) else properties
                _, addresses, opaque = alarms.strings_and_references(target)
                found |= addresses
                anything = anything or opaque
    # Module calls and nested stacks that receive a topic may subscribe to it, unless they
    # were followed: then their subscriptions are among the unit's resources.
    for resource in unit.resources:
        is_call = resource.kind == "module" or resource.type in alarms.NESTED_TYPES
        if is_call and not _followed(unit, resource):
            found |= set(resource.references)
    return found, anything


def _followed(unit: Unit, call: Resource) -> bool:
    """Whether the module call or nested stack was followed (its resources are in the unit)."""
    inside = (f"{call.name}.", f"{call.name}/")
    return any(r.module == call.name or r.module.startswith(inside) for r in unit.resources)


def _names(resources: list[Resource]) -> str:
    shown = ", ".join(f"`{r.name}`" for r in resources[:3])
    more = len(resources) - 3
    return shown + (f" and {more} more" if more > 0 else "")


class AlarmTopicSubscribed(Rule):
    id = "OPS08-BP04/alarm-topic-subscribed"
    title = "SNS topics that alarms notify have a subscriber"
    severity = Severity.WARNING
    resource_types = alarms.ALARM_TYPES
    docs = Docs(
        what=(
            "Checks that every SNS topic of the module or template that a CloudWatch alarm "
            "notifies (a reference in `alarm_actions` / `AlarmActions`) has a subscriber in "
            "the same module or template: an `aws_sns_topic_subscription` / "
            "`AWS::SNS::Subscription` on it, a `Subscription` on the `AWS::SNS::Topic`, a SAM "
            "function with an `SNS` event on it, or an AWS Chatbot Slack or Microsoft Teams "
            "channel configuration listing it. The finding is on the topic and names the "
            "alarms that notify it."
        ),
        why=(
            "OPS08-BP04 asks you to create actionable alerts. An alarm that publishes to a "
            "topic nobody subscribes to looks wired up in review, yet its notifications reach "
            "no one."
        ),
        fix=(
            "Subscribe the on-call channel to the topic: an email, SMS, HTTPS or Lambda "
            "subscription, an incident-management integration, or an AWS Chatbot channel."
        ),
        unknown=(
            "Alarm actions opslint cannot resolve (a literal ARN of a topic elsewhere, a "
            "variable, a module output) are not judged. When a subscription's topic cannot be "
            "resolved, any topic may be the one it subscribes to, so none is reported; a topic "
            "passed to a module call or nested stack may be subscribed there."
        ),
        cautions=(
            "Subscriptions created by hand or in another repository (for example email "
            "subscriptions confirmed in the console) are invisible here: suppress the finding "
            "on the topic with a reason naming where the subscription lives."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_sns_topic" "oncall" {\n  name = "oncall"\n}\n\n'
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
                    "  # ...\n  alarm_actions = [aws_sns_topic.oncall.arn]\n}"
                ),
                passing=(
                    'resource "aws_sns_topic" "oncall" {\n  name = "oncall"\n}\n\n'
                    'resource "aws_sns_topic_subscription" "oncall_email" {\n'
                    "  topic_arn = aws_sns_topic.oncall.arn\n"
                    '  protocol  = "email"\n  endpoint  = "oncall@example.com"\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="OnCallTopic:\n  Type: AWS::SNS::Topic",
                passing=(
                    "OnCallTopic:\n  Type: AWS::SNS::Topic\n  Properties:\n"
                    "    Subscription:\n      - Protocol: email\n"
                    "        Endpoint: oncall@example.com"
                ),
                given={
                    "template.yaml": "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    AlarmActions: [!Ref OnCallTopic]\n    # ...\n"
                },
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        notified: dict[str, list[Resource]] = {}
        topics: dict[str, Resource] = {}
        for alarm in ctx.each(alarms.alarms(unit)):
            if not alarms.may_notify(alarm):
                continue
            for topic in alarms.topics_notified(unit, alarm):
                topics[topic.name] = topic
                notified.setdefault(topic.name, []).append(alarm)
        if not notified:
            return
        found, anything = subscribed(unit)
        if anything:
            return
        for name, senders in notified.items():
            if name in found:
                continue
            yield self.violation(
                topics[name],
                f"SNS topic `{name}` receives notifications of "
                f"{'alarm' if len(senders) == 1 else 'alarms'} {_names(senders)} but "
                f"nobody subscribes to it: {SUGGESTION[unit.framework]}",
            )
