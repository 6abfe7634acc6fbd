"""CloudWatch alarms: what they watch, whom they notify, and which alarms exist only to feed
deployments or composite alarms (shared by the OPS07 runbook and OPS08 alerting rules)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from opslint.coerce import as_bool, as_list
from opslint.model import (
    ABSENT,
    Choice,
    Framework,
    Reference,
    Resource,
    Unit,
    Unknown,
    alternatives,
)

METRIC_ALARM_TYPES = ("aws_cloudwatch_metric_alarm", "AWS::CloudWatch::Alarm")
COMPOSITE_ALARM_TYPES = ("aws_cloudwatch_composite_alarm", "AWS::CloudWatch::CompositeAlarm")
# Log alarms run a scheduled CloudWatch Logs Insights query; the hashicorp/aws provider has
# no resource for them yet.
LOG_ALARM_TYPES = ("AWS::CloudWatch::LogAlarm",)
ALARM_TYPES: dict[Framework, tuple[str, ...]] = {
    "terraform": ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"),
    "cloudformation": (
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::CompositeAlarm",
        "AWS::CloudWatch::LogAlarm",
    ),
}
TOPIC_TYPES = ("aws_sns_topic", "AWS::SNS::Topic")
NESTED_TYPES = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")

# Attribute names per framework: (terraform, cloudformation).
_NAMES = {
    "alarm_name": ("alarm_name", "AlarmName"),
    "alarm_actions": ("alarm_actions", "AlarmActions"),
    "actions_enabled": ("actions_enabled", "ActionsEnabled"),
    "description": ("alarm_description", "AlarmDescription"),
    "tags": ("tags", "Tags"),
    "alarm_rule": ("alarm_rule", "AlarmRule"),
}

# Where other resources name the alarms they consume: (resource type, attribute path).
# An alarm named there gates a deployment or feeds a composite alarm.
CONSUMERS: tuple[tuple[str, str, str], ...] = (
    ("aws_codedeploy_deployment_group", "alarm_configuration", "a CodeDeploy deployment group"),
    ("aws_ecs_service", "alarms", "an ECS service deployment"),
    ("aws_appconfig_environment", "monitor", "an AppConfig environment"),
    ("aws_autoscaling_group", "instance_refresh", "an Auto Scaling instance refresh"),
    ("aws_fis_experiment_template", "stop_condition", "a FIS experiment"),
    ("aws_route53_health_check", "cloudwatch_alarm_name", "a Route 53 health check"),
    ("aws_cloudwatch_composite_alarm", "alarm_rule", "a composite alarm"),
    ("aws_cloudwatch_composite_alarm", "actions_suppressor", "a composite alarm"),
    ("AWS::CodeDeploy::DeploymentGroup", "AlarmConfiguration", "a CodeDeploy deployment group"),
    ("AWS::ECS::Service", "DeploymentConfiguration", "an ECS service deployment"),
    ("AWS::AppConfig::Environment", "Monitors", "an AppConfig environment"),
    ("AWS::FIS::ExperimentTemplate", "StopConditions", "a FIS experiment"),
    ("AWS::Serverless::Function", "DeploymentPreference", "a SAM deployment preference"),
    ("AWS::Route53::HealthCheck", "HealthCheckConfig.AlarmIdentifier", "a Route 53 health check"),
    ("AWS::CloudWatch::CompositeAlarm", "AlarmRule", "a composite alarm"),
    ("AWS::CloudWatch::CompositeAlarm", "ActionsSuppressor", "a composite alarm"),
)

# ALARM("name"), OK(name), INSUFFICIENT_DATA('arn:...:alarm:name') in an alarm rule.
_RULE_CALL = re.compile(r"\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*([^)]*?)\s*\)")
_URL = re.compile(r"https?://[^\s\"'<>)\]]+", re.IGNORECASE)
_DOC_PATH = re.compile(
    r"(?<![\w/.:-])((?:\.{1,2}/|/)?(?:[\w.-]+/)*[\w-][\w.-]*"
    r"\.(?:md|markdown|rst|adoc|txt|html?|org))(?:#[\w.-]*)?(?![\w/])",
    re.IGNORECASE,
)
_RUNBOOK_DIR = re.compile(
    r"(?<![\w/.:-])((?:\.{1,2}/|/)?(?:[\w.-]+/)*(?:runbooks?|playbooks?)/[\w./-]*[\w-])",
    re.IGNORECASE,
)


def attribute(resource: Resource, key: str) -> str:
    """The framework's spelling of a common alarm attribute (``alarm_actions`` /
    ``AlarmActions``)."""
    terraform, cloudformation = _NAMES[key]
    return terraform if resource.framework == "terraform" else cloudformation


def read(resource: Resource, key: str) -> Any:
    """A common alarm attribute's value (a module input whose default is null is already
    :class:`Unknown`: the Terraform parser leaves it to the caller)."""
    return resource.get(attribute(resource, key))


def alarms(unit: Unit) -> list[Resource]:
    """Metric, composite and log alarms of the unit (resources, not data sources)."""
    return [r for r in unit.by_type(*ALARM_TYPES[unit.framework]) if r.kind == "resource"]


def is_composite(resource: Resource) -> bool:
    return resource.type in COMPOSITE_ALARM_TYPES


def kind_label(resource: Resource) -> str:
    """How messages name the kind of alarm: ``Alarm``, ``Composite alarm``, ``Log alarm``."""
    if is_composite(resource):
        return "Composite alarm"
    return "Log alarm" if resource.type in LOG_ALARM_TYPES else "Alarm"


def known_name(resource: Resource) -> str | None:
    """The alarm's name when it is a literal (Terraform ``alarm_name``, CloudFormation
    ``AlarmName``); None when missing or unresolved."""
    value = resource.get(attribute(resource, "alarm_name"))
    return value if isinstance(value, str) and value else None


def strings_and_references(value: Any) -> tuple[list[str], set[str], bool]:
    """Literal strings, referenced addresses and whether an opaque unknown (one that
    refers to nothing we can see) occurs anywhere in ``value``."""
    strings: list[str] = []
    addresses: set[str] = set()
    opaque = False

    def walk(v: Any) -> None:
        nonlocal opaque
        if isinstance(v, str):
            strings.append(v)
        elif isinstance(v, Reference):
            addresses.add(v.address)
        elif isinstance(v, Unknown):
            addresses.update(v.references)
            if v.source:
                strings.append(v.source)
            if not v.references:
                opaque = True
        elif isinstance(v, Choice):
            for option in v.options:
                walk(option)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(value)
    return strings, addresses, opaque


def _names_in_text(text: str, in_rule: bool) -> set[str]:
    """Alarm names a consumer's literal text may name: every ``ALARM(...)`` argument of an
    alarm rule, else the string itself; ARNs give their last segment."""
    raw = [m.group(1) for m in _RULE_CALL.finditer(text)] if in_rule else [text]
    names = set()
    for item in raw:
        item = item.strip().strip("\"'").strip('\\"').strip()
        if not item or "${" in item:
            continue
        names.add(item.rsplit(":alarm:", 1)[-1])
    return names


@dataclass
class Consumers:
    """Which alarms of a unit other resources consume (deployment gates, composite
    inputs), and whether some consumer names alarms we cannot resolve."""

    by_alarm: dict[str, str] = field(default_factory=dict)
    opaque: bool = False

    def of(self, alarm: Resource) -> str | None:
        """What consumes ``alarm`` (``a composite alarm``), or None."""
        return self.by_alarm.get(alarm.name)


def consumers(unit: Unit) -> Consumers:
    """Alarms that gate deployments or feed composite alarms, by alarm address."""
    result = Consumers()
    by_name: dict[str, list[Resource]] = {}
    for alarm in alarms(unit):
        name = known_name(alarm)
        if name:
            by_name.setdefault(name, []).append(alarm)
    for consumer_type, path, label in CONSUMERS:
        for resource in unit.by_type(consumer_type):
            value = resource.get(path)
            if value is ABSENT:
                continue
            strings, addresses, opaque = strings_and_references(value)
            for address in addresses:
                if address != resource.name:
                    result.by_alarm.setdefault(address, label)
            in_rule = path in ("alarm_rule", "AlarmRule")
            for text in strings:
                for name in _names_in_text(text, in_rule):
                    for alarm in by_name.get(name, []):
                        result.by_alarm.setdefault(alarm.name, label)
            # A consumer whose alarm list we cannot see may name any alarm of the unit.
            if opaque and not in_rule and path not in ("actions_suppressor", "ActionsSuppressor"):
                result.opaque = True
    _event_rules(unit, by_name, result)
    return result


ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"


def _event_rules(unit: Unit, by_name: dict[str, list[Resource]], result: Consumers) -> None:
    """EventBridge rules on alarm state changes act on alarms without alarm actions: the
    alarms named in the pattern's ``resources``, or every alarm when it names none."""
    for rule in unit.by_type("aws_cloudwatch_event_rule", "AWS::Events::Rule"):
        path = "event_pattern" if rule.framework == "terraform" else "EventPattern"
        pattern = rule.get(path)
        strings, addresses, opaque = strings_and_references(pattern)
        text = " ".join(strings)
        if pattern is ABSENT or (ALARM_STATE_CHANGE not in text and "aws.cloudwatch" not in text):
            if opaque and not strings:
                result.opaque = True  # a pattern we cannot read may match alarm changes
            continue
        named = set(addresses)
        for item in strings:
            if ":alarm:" in item:
                named |= {a.name for a in by_name.get(item.rsplit(":alarm:", 1)[-1], [])}
        if not (re.search(r"\bresources\b", text) or "resources" in _keys(pattern)) or not named:
            result.opaque = True
        for address in named:
            result.by_alarm.setdefault(address, "an EventBridge rule")


def _keys(value: Any) -> set[str]:
    return set(value) if isinstance(value, dict) else set()


def actions(resource: Resource) -> Any:
    """The alarm's ``alarm_actions`` / ``AlarmActions`` value."""
    return read(resource, "alarm_actions")


def has_no_actions(value: Any) -> bool | None:
    """For :func:`~opslint.rule.every_alternative`: True when an action list is missing or
    empty."""
    if value is ABSENT:
        return True
    if isinstance(value, list):
        return not value
    return None


def actions_disabled(value: Any) -> bool | None:
    """For :func:`~opslint.rule.every_alternative`: True when ``actions_enabled`` is false."""
    return as_bool(value) is False


def may_notify(resource: Resource) -> bool:
    """True unless the alarm certainly has no enabled alarm action (unknown counts as may)."""
    value = actions(resource)
    enabled = read(resource, "actions_enabled")
    if all(has_no_actions(v) is True for v in alternatives(value)):
        return False
    return not all(actions_disabled(v) is True for v in alternatives(enabled))


def certainly_notifies(resource: Resource) -> bool:
    """True when every alternative has a non-empty action list and actions are never known
    to be disabled."""
    value = actions(resource)
    enabled = read(resource, "actions_enabled")
    if any(has_no_actions(v) is not False for v in alternatives(value)):
        return False
    return not any(actions_disabled(v) is True for v in alternatives(enabled))


# Alarm actions by what they start (PutMetricAlarm's AlarmActions), in every partition
# (arn:aws:, arn:aws-us-gov:, arn:aws-cn:, or the partition interpolated: ${AWS::Partition},
# ${data.aws_partition.current.partition}). The OpsItem segment carries the severity
# (`opsitem:3#CATEGORY=Availability`); the incident ARN is spelled `responseplan/` in the API
# reference and `response-plan/` in the response plan's own ARN.
_PARTITION = r"arn:(?:aws(?:-[a-z-]+)?|\$\{[^}]*\}):"
# A region or account segment, literal or interpolated (${AWS::Region} holds colons).
_SEGMENT = r"(?:\$\{[^}]*\}|[^:$]*)"
_AUTOMATE = re.compile(_PARTITION + "automate:")
ACTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ec2", _AUTOMATE),
    ("scaling", re.compile(r":scalingPolicy:")),
    ("opsitem", re.compile(_PARTITION + rf"ssm:{_SEGMENT}:{_SEGMENT}:opsitem:", re.IGNORECASE)),
    (
        "incident",
        re.compile(
            _PARTITION + rf"ssm-incidents:{_SEGMENT}:{_SEGMENT}:response-?plan/", re.IGNORECASE
        ),
    ),
    (
        "investigation",
        re.compile(_PARTITION + rf"aiops:{_SEGMENT}:{_SEGMENT}:investigation-group[:/]"),
    ),
    ("lambda", re.compile(_PARTITION + rf"lambda:{_SEGMENT}:{_SEGMENT}:function:")),
    ("topic", re.compile(_PARTITION + r"sns:")),
)
# What an alarm action resource of the unit is, by type.
_KIND_OF_TYPE = {
    "aws_autoscaling_policy": "scaling",
    "aws_appautoscaling_policy": "scaling",
    "AWS::AutoScaling::ScalingPolicy": "scaling",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "scaling",
    "aws_sns_topic": "topic",
    "AWS::SNS::Topic": "topic",
    "aws_lambda_function": "lambda",
    "aws_lambda_alias": "lambda",
    "AWS::Lambda::Function": "lambda",
    "AWS::Lambda::Alias": "lambda",
    "AWS::Serverless::Function": "lambda",
    "aws_ssmincidents_response_plan": "incident",
    "AWS::SSMIncidents::ResponsePlan": "incident",
    "AWS::AIOps::InvestigationGroup": "investigation",
}
AUTOMATION_KINDS = frozenset({"ec2", "scaling"})
"""Actions that start automation rather than tell people (EC2 actions, scaling policies).
OpsItems, incidents, investigations and Lambda functions are not among them: each may bring
the alarm to people (an OpsItem or incident is triaged, a function may page), so an alarm
whose only action is one of them still notifies someone."""
INCIDENT_PROCESS_KINDS = frozenset({"opsitem", "incident", "investigation", "lambda"})
"""Actions that record or route an event beyond a mailbox."""


def action_kind(unit: Unit, target: Any) -> str | None:
    """What an alarm action starts: ``ec2``, ``scaling``, ``opsitem``, ``incident``,
    ``investigation``, ``lambda`` or ``topic``; None when opslint cannot tell (an ARN of
    another kind, a value it cannot resolve)."""
    if isinstance(target, Reference):
        resource = unit.resolve(target)
        return _KIND_OF_TYPE.get(resource.type) if resource is not None else None
    if isinstance(target, str):
        text = target
    elif isinstance(target, Unknown):  # !Sub "arn:aws:ssm:${AWS::Region}:...:opsitem:2"
        text = target.source
    else:
        return None
    for kind, pattern in ACTION_KINDS:
        if pattern.search(text):
            return kind
    return None


def is_automation(unit: Unit, target: Any) -> bool:
    """True when an alarm action certainly starts automation rather than telling people: a
    scaling policy of the unit, an EC2 action (``arn:aws:automate:...``) or a scaling policy
    ARN."""
    return action_kind(unit, target) in AUTOMATION_KINDS


def pages_people(unit: Unit, resource: Resource) -> bool:
    """True unless the alarm certainly notifies nobody: no enabled actions, or only
    automation (scaling policies, EC2 actions)."""
    if not may_notify(resource):
        return False
    for option in alternatives(actions(resource)):
        if isinstance(option, list):
            if any(not is_automation(unit, target) for target in option):
                return True
        elif option is not ABSENT:
            return True
    return False


def action_targets(resource: Resource) -> Iterator[Any]:
    """Every entry of the alarm's action list (over all alternatives)."""
    for option in alternatives(actions(resource)):
        if isinstance(option, list):
            yield from option


def topics_notified(unit: Unit, resource: Resource) -> list[Resource]:
    """SNS topics of the unit that the alarm's actions reference (a topic read through a
    data source is managed elsewhere: not one of them, and counted as undecided)."""
    found: list[Resource] = []
    for target in action_targets(resource):
        addresses = {target.address} if isinstance(target, Reference) else set()
        if isinstance(target, Unknown):
            addresses = set(target.references)
        for address in sorted(addresses):
            topic = unit.resolve(address)
            if topic is not None and topic.type in TOPIC_TYPES and topic not in found:
                found.append(topic)
    return found


# --- what an alarm watches -----------------------------------------------------------


@dataclass(frozen=True)
class Watched:
    """One metric an alarm reads: its namespace and metric name (None when unknown) and its
    dimensions (an :class:`Unknown` when they cannot be read)."""

    namespace: Any
    metric: Any
    dimensions: Any


def watched_metrics(resource: Resource) -> list[Watched]:
    """The metrics a metric alarm reads, from its single metric or its metric queries; for a
    log alarm, the Lambda functions whose log groups its query reads (as ``AWS/Lambda``
    with their ``FunctionName``)."""
    if resource.type in LOG_ALARM_TYPES:
        return _log_alarm_functions(resource)
    if resource.type == "aws_cloudwatch_metric_alarm":
        out = []
        if resource.has("metric_name") or resource.has("namespace"):
            out.append(
                Watched(
                    resource.get("namespace"),
                    resource.get("metric_name"),
                    _tf_dimensions(resource.get("dimensions")),
                )
            )
        for query in _entries(resource.attributes.get("metric_query", [])):
            if not isinstance(query, dict):
                out.append(Watched(query, query, query))
                continue
            metric = query.get("metric")
            if isinstance(metric, dict):
                out.append(
                    Watched(
                        metric.get("namespace", ABSENT),
                        metric.get("metric_name", ABSENT),
                        _tf_dimensions(metric.get("dimensions", ABSENT)),
                    )
                )
            elif metric is not None:
                out.append(Watched(metric, metric, metric))
            out.extend(_expression(query.get("expression")))
        return out
    if resource.type == "AWS::CloudWatch::Alarm":
        out = []
        if resource.has("MetricName") or resource.has("Namespace"):
            out.append(
                Watched(
                    resource.get("Namespace"),
                    resource.get("MetricName"),
                    _cfn_dimensions(resource.get("Dimensions")),
                )
            )
        for query in _entries(resource.attributes.get("Metrics", [])):
            if not isinstance(query, dict):
                out.append(Watched(query, query, query))
                continue
            stat = query.get("MetricStat")
            if stat is not None:
                metric = stat.get("Metric") if isinstance(stat, dict) else stat
                if isinstance(metric, dict):
                    out.append(
                        Watched(
                            metric.get("Namespace", ABSENT),
                            metric.get("MetricName", ABSENT),
                            _cfn_dimensions(metric.get("Dimensions", ABSENT)),
                        )
                    )
                else:
                    out.append(Watched(metric, metric, metric))
            out.extend(_expression(query.get("Expression")))
        return out
    return []


_LAMBDA_LOG_GROUP = re.compile(r"/aws/lambda/([^:/*\s]+)")


def _log_alarm_functions(resource: Resource) -> list[Watched]:
    """A log alarm's query over ``/aws/lambda/<function>`` log groups watches those
    functions' output: literal names, or the resources an unresolved name refers to."""
    out: list[Watched] = []
    groups = resource.get("ScheduledQueryConfiguration.LogGroupIdentifiers")
    for group in _entries(groups) if groups is not ABSENT else []:
        if isinstance(group, str):
            match = _LAMBDA_LOG_GROUP.search(group)
            if match:
                out.append(Watched("AWS/Lambda", Unknown("log query"), {"FunctionName": match[1]}))
        elif isinstance(group, Unknown) and "/aws/lambda/" in group.source and group.references:
            out.append(Watched("AWS/Lambda", Unknown("log query"), {"FunctionName": group}))
    return out


def _entries(value: Any) -> list[Any]:
    if isinstance(value, (Unknown, Choice, Reference)):
        return [value]
    return as_list(value)


_NAMESPACE = re.compile(r"AWS/[A-Za-z0-9]+")


def _expression(expression: Any) -> list[Watched]:
    """Metric math reads metrics already listed; SEARCH and Metrics Insights queries read
    whole namespaces, with dimensions we cannot match (so: unknown)."""
    if expression is None or expression is ABSENT:
        return []
    if isinstance(expression, str):
        namespaces = _NAMESPACE.findall(expression)
        if namespaces:
            return [Watched(ns, Unknown("query"), Unknown("query")) for ns in namespaces]
        if re.search(r"\b(SEARCH|SELECT)\b", expression, re.IGNORECASE):
            return [Watched(Unknown("query"), Unknown("query"), Unknown("query"))]
        return []
    return [Watched(Unknown("expression"), Unknown("expression"), Unknown("expression"))]


def _tf_dimensions(value: Any) -> Any:
    if value is ABSENT or value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    return Unknown("dimensions") if not isinstance(value, Unknown) else value


def _cfn_dimensions(value: Any) -> Any:
    if value is ABSENT or value is None:
        return {}
    if not isinstance(value, list):
        return Unknown("dimensions") if not isinstance(value, Unknown) else value
    out: dict[str, Any] = {}
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            return Unknown("dimensions")
        out[item["Name"]] = item.get("Value", ABSENT)
    return out


def value_points_at(value: Any, target: Resource, names: tuple[str, ...]) -> bool | None:
    """Whether a dimension value names ``target``: a reference to it, or a literal equal to
    one of its known ``names`` (or an ARN / path ending in one). None when unknown."""
    verdicts: list[bool | None] = []
    for option in alternatives(value):
        if isinstance(option, Reference):
            verdicts.append(option.address == target.name)
        elif isinstance(option, Unknown):
            # derived from other resources only: not this one
            refs = option.references
            verdicts.append(target.name in refs if refs else None)
        elif isinstance(option, str):
            segments = re.split(r"[:/]", option)
            verdicts.append(option in names or any(n in segments for n in names if n))
        else:
            verdicts.append(False)
    if any(v is True for v in verdicts):
        return True
    if any(v is None for v in verdicts):
        return None
    return False


# --- runbook links -----------------------------------------------------------------------


def urls(text: str) -> list[str]:
    return _URL.findall(text)


def repository_paths(text: str) -> list[str]:
    """Paths to documents in ``text`` that are not part of a URL: ``docs/runbooks/x.md``,
    ``../runbooks/db.md``, ``runbooks/api/``."""
    stripped = _URL.sub(" ", text)
    found: list[str] = []
    for pattern in (_DOC_PATH, _RUNBOOK_DIR):
        for match in pattern.finditer(stripped):
            path = match.group(1)
            if path not in found and not any(path in f or f in path for f in found):
                found.append(path)
    return found
