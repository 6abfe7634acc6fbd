"""OPS04-BP04/asg-scaling-metric-resolution: Auto Scaling groups that scale on EC2 instance
metrics launch instances with detailed (1-minute) monitoring."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opslint.aws.alarms import METRIC_ALARM_TYPES, action_targets, value_points_at, watched_metrics
from opslint.coerce import as_bool, as_list, as_number
from opslint.model import ABSENT, Choice, Reference, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation

GROUP_TYPES = ("aws_autoscaling_group", "AWS::AutoScaling::AutoScalingGroup")
POLICY_TYPES = ("aws_autoscaling_policy", "AWS::AutoScaling::ScalingPolicy")
TEMPLATE_TYPES = ("aws_launch_template", "AWS::EC2::LaunchTemplate")
CONFIGURATION_TYPES = ("aws_launch_configuration", "AWS::AutoScaling::LaunchConfiguration")
EC2_METRICS = frozenset({"ASGAverageCPUUtilization", "ASGAverageNetworkIn", "ASGAverageNetworkOut"})
EC2_NAMESPACE = "AWS/EC2"
BASIC_PERIOD = 300

# framework → attribute names: (group name, policy type, predefined metric type,
#   customized namespace, customized metrics, group's launch template,
#   mixed-instances launch template spec, template id key, template name key,
#   launch configuration, template name, template monitoring, configuration monitoring)
TF: dict[str, Any] = {
    "group_name": "name",
    "policy_group": "autoscaling_group_name",
    "policy_type": "policy_type",
    "predefined": "target_tracking_configuration.predefined_metric_specification"
    ".predefined_metric_type",
    "custom_namespace": "target_tracking_configuration.customized_metric_specification.namespace",
    "custom_metrics": "target_tracking_configuration.customized_metric_specification.metrics",
    "metric_namespace": ("metric_stat", "metric", "namespace"),
    "template": "launch_template",
    "mixed": "mixed_instances_policy.launch_template.launch_template_specification",
    "template_id": ("id", "launch_template_id"),
    "template_name": ("name", "launch_template_name"),
    "configuration": "launch_configuration",
    "lt_name": "name",
    "lt_monitoring": "monitoring.enabled",
    "lc_monitoring": "enable_monitoring",
}
CFN: dict[str, Any] = {
    "group_name": "AutoScalingGroupName",
    "policy_group": "AutoScalingGroupName",
    "policy_type": "PolicyType",
    "predefined": "TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType",
    "custom_namespace": "TargetTrackingConfiguration.CustomizedMetricSpecification.Namespace",
    "custom_metrics": "TargetTrackingConfiguration.CustomizedMetricSpecification.Metrics",
    "metric_namespace": ("MetricStat", "Metric", "Namespace"),
    "template": "LaunchTemplate",
    "mixed": "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification",
    "template_id": ("LaunchTemplateId",),
    "template_name": ("LaunchTemplateName",),
    "configuration": "LaunchConfigurationName",
    "lt_name": "LaunchTemplateName",
    "lt_monitoring": "LaunchTemplateData.Monitoring.Enabled",
    "lc_monitoring": "InstanceMonitoring",
}


def _names(resource: Resource, key: str) -> tuple[str, ...]:
    spelling = TF if resource.framework == "terraform" else CFN
    return tuple(n for n in alternatives(resource.get(spelling[key])) if isinstance(n, str))


def _is_ec2(namespace: Any) -> bool | None:
    values = alternatives(namespace)
    if any(not isinstance(v, str) for v in values if v is not ABSENT):
        return None
    return any(v == EC2_NAMESPACE for v in values)


def _target_tracking_reads_ec2(policy: Resource, names: dict[str, Any]) -> bool | None:
    """Whether a target-tracking policy scales on an EC2 instance metric."""
    predefined = policy.get(names["predefined"])
    if predefined is not ABSENT:
        values = alternatives(predefined)
        if any(not isinstance(v, str) for v in values):
            return None
        return any(v in EC2_METRICS for v in values)
    verdict = _is_ec2(policy.get(names["custom_namespace"]))
    if verdict is not False:
        return verdict
    metrics = policy.get(names["custom_metrics"])
    if isinstance(metrics, (Unknown, Choice)):
        return None
    for metric in as_list(metrics):
        if not isinstance(metric, dict):
            return None
        value: Any = metric
        for step in names["metric_namespace"]:
            value = value.get(step, ABSENT) if isinstance(value, dict) else Unknown("metric")
        said = _is_ec2(value)
        if said is not False:
            return said
    return False


def _alarm_reads_ec2_fast(unit: Unit, policy: Resource) -> bool | None:
    """Whether an alarm that triggers a step or simple policy reads an ``AWS/EC2`` metric
    more often than every five minutes (the basic monitoring period)."""
    verdict: bool | None = False
    for alarm in unit.by_type(*METRIC_ALARM_TYPES):
        if not any(value_points_at(t, policy, ()) for t in action_targets(alarm)):
            continue
        period = alarm.get("period" if alarm.framework == "terraform" else "Period")
        for watched in watched_metrics(alarm):
            ec2 = _is_ec2(watched.namespace)
            if ec2 is False:
                continue
            seconds = as_number(period) if not isinstance(period, (Unknown, Choice)) else None
            if ec2 is None or seconds is None:
                verdict = None
            elif seconds < BASIC_PERIOD:
                return True
    return verdict


def _policy_reads_ec2(unit: Unit, policy: Resource) -> bool | None:
    names = TF if policy.framework == "terraform" else CFN
    types = alternatives(policy.get(names["policy_type"]))
    verdicts: list[bool | None] = []
    for kind in types:
        if kind == "TargetTrackingScaling":
            verdicts.append(_target_tracking_reads_ec2(policy, names))
        elif kind is ABSENT or kind in ("SimpleScaling", "StepScaling"):
            verdicts.append(_alarm_reads_ec2_fast(unit, policy))
        elif isinstance(kind, str):
            verdicts.append(False)  # predictive scaling reads its own forecast
        else:
            verdicts.append(None)
    if all(v is True for v in verdicts):
        return True
    return None if any(v is None for v in verdicts) else False


def _launched_from(unit: Unit, group: Resource) -> Resource | None:
    """The launch template or configuration of the unit the group launches from; None when
    it has none that opslint can see in the unit (the group is then not judged)."""
    names = TF if group.framework == "terraform" else CFN
    for path in (names["template"], names["mixed"]):
        spec = group.get(path)
        if spec is ABSENT:
            continue
        if not isinstance(spec, dict):
            return None
        for key in (*names["template_id"], *names["template_name"]):
            value = spec.get(key, ABSENT)
            if value is ABSENT:
                continue
            for template in unit.by_type(*TEMPLATE_TYPES):
                if (
                    template.kind == "resource"
                    and value_points_at(value, template, _names(template, "lt_name")) is True
                ):
                    return template
            return None
    configuration = group.get(names["configuration"])
    for candidate in unit.by_type(*CONFIGURATION_TYPES):
        if (
            candidate.kind == "resource"
            and isinstance(configuration, Reference)
            and configuration.address == candidate.name
        ):
            return candidate
    return None


def _basic_monitoring(source: Resource) -> bool:
    """True when the launch template or configuration certainly launches instances with
    basic (5-minute) monitoring."""
    names = TF if source.framework == "terraform" else CFN
    if source.type in TEMPLATE_TYPES:
        values = alternatives(source.get(names["lt_monitoring"]))
        return all(v is ABSENT or as_bool(v) is False for v in values)
    values = alternatives(source.get(names["lc_monitoring"]))
    return all(v is not ABSENT and as_bool(v) is False for v in values)


class AsgScalingMetricResolution(Rule):
    id = "OPS04-BP04/asg-scaling-metric-resolution"
    title = "Auto Scaling groups that scale on EC2 metrics use detailed monitoring"
    severity = Severity.WARNING
    related = ("OPS08-BP01",)
    resource_types = {
        "terraform": GROUP_TYPES[:1],
        "cloudformation": GROUP_TYPES[1:],
    }
    docs = Docs(
        what=(
            "Checks Auto Scaling groups that scale on an EC2 instance metric: a target "
            "tracking policy on `ASGAverageCPUUtilization`, `ASGAverageNetworkIn` or "
            "`ASGAverageNetworkOut` or on a customized metric in namespace `AWS/EC2`, or a "
            "step or simple scaling policy triggered by an alarm on an `AWS/EC2` metric with "
            "a period under 300 seconds. Their launch template must enable detailed "
            "monitoring (`monitoring { enabled = true }`, `LaunchTemplateData.Monitoring."
            "Enabled: true`); a launch configuration passes unless it turns monitoring off "
            "(`enable_monitoring = false`, `InstanceMonitoring: false`). Policies on "
            "`ALBRequestCountPerTarget`, on agent metrics (`CWAgent`) and predictive policies "
            "are not judged."
        ),
        why=(
            "OPS04-BP04 asks you to implement dependency telemetry that is fit for the "
            "decisions made on it. AWS recommends scaling on EC2 instance metrics with a "
            "1-minute frequency: with basic monitoring, EC2 publishes them every 5 minutes, "
            "so the group reacts to a load spike minutes late and target tracking oscillates."
        ),
        fix=(
            "Enable detailed monitoring in the launch template the group uses "
            "(`monitoring { enabled = true }` / `Monitoring: {Enabled: true}`), or scale on "
            "a metric that is already published every minute (`ALBRequestCountPerTarget`)."
        ),
        unknown=(
            "A launch template from a data source, a variable or another module, a policy "
            "whose group or metric opslint cannot read, and an alarm whose period or "
            "namespace is unresolved never produce a finding."
        ),
        cautions=(
            "The finding is on the Auto Scaling group; suppress it there with a reason when "
            "slower scaling is an accepted cost trade-off."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_launch_template" "web" {\n  image_id = "ami-0abc"\n}\n\n'
                    'resource "aws_autoscaling_group" "web" {\n  max_size = 4\n'
                    '  min_size = 1\n  availability_zones = ["eu-west-1a"]\n'
                    "  launch_template {\n    id = aws_launch_template.web.id\n  }\n}\n\n"
                    'resource "aws_autoscaling_policy" "cpu" {\n  name = "cpu"\n'
                    "  autoscaling_group_name = aws_autoscaling_group.web.name\n"
                    '  policy_type            = "TargetTrackingScaling"\n'
                    "  target_tracking_configuration {\n"
                    "    predefined_metric_specification {\n"
                    '      predefined_metric_type = "ASGAverageCPUUtilization"\n    }\n'
                    "    target_value = 50\n  }\n}"
                ),
                passing=(
                    'resource "aws_launch_template" "web" {\n  image_id = "ami-0abc"\n'
                    "  monitoring {\n    enabled = true\n  }\n}\n\n"
                    'resource "aws_autoscaling_group" "web" {\n  max_size = 4\n'
                    '  min_size = 1\n  availability_zones = ["eu-west-1a"]\n'
                    "  launch_template {\n    id = aws_launch_template.web.id\n  }\n}\n\n"
                    'resource "aws_autoscaling_policy" "cpu" {\n  name = "cpu"\n'
                    "  autoscaling_group_name = aws_autoscaling_group.web.name\n"
                    '  policy_type            = "TargetTrackingScaling"\n'
                    "  target_tracking_configuration {\n"
                    "    predefined_metric_specification {\n"
                    '      predefined_metric_type = "ASGAverageCPUUtilization"\n    }\n'
                    "    target_value = 50\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Template:\n  Type: AWS::EC2::LaunchTemplate\n  Properties:\n"
                    "    LaunchTemplateData:\n      ImageId: ami-0abc\n"
                    "Group:\n  Type: AWS::AutoScaling::AutoScalingGroup\n  Properties:\n"
                    "    MinSize: '1'\n    MaxSize: '4'\n    LaunchTemplate:\n"
                    "      LaunchTemplateId: !Ref Template\n"
                    "      Version: !GetAtt Template.LatestVersionNumber\n"
                    "Cpu:\n  Type: AWS::AutoScaling::ScalingPolicy\n  Properties:\n"
                    "    AutoScalingGroupName: !Ref Group\n    PolicyType: TargetTrackingScaling\n"
                    "    TargetTrackingConfiguration:\n      TargetValue: 50\n"
                    "      PredefinedMetricSpecification:\n"
                    "        PredefinedMetricType: ASGAverageCPUUtilization"
                ),
                passing=(
                    "Template:\n  Type: AWS::EC2::LaunchTemplate\n  Properties:\n"
                    "    LaunchTemplateData:\n      ImageId: ami-0abc\n"
                    "      Monitoring:\n        Enabled: true\n"
                    "Group:\n  Type: AWS::AutoScaling::AutoScalingGroup\n  Properties:\n"
                    "    MinSize: '1'\n    MaxSize: '4'\n    LaunchTemplate:\n"
                    "      LaunchTemplateId: !Ref Template\n"
                    "      Version: !GetAtt Template.LatestVersionNumber\n"
                    "Cpu:\n  Type: AWS::AutoScaling::ScalingPolicy\n  Properties:\n"
                    "    AutoScalingGroupName: !Ref Group\n    PolicyType: TargetTrackingScaling\n"
                    "    TargetTrackingConfiguration:\n      TargetValue: 50\n"
                    "      PredefinedMetricSpecification:\n"
                    "        PredefinedMetricType: ASGAverageCPUUtilization"
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        unit = ctx.unit
        names = TF if resource.framework == "terraform" else CFN
        group_names = _names(resource, "group_name")
        scaling = [
            p
            for p in unit.by_type(*POLICY_TYPES)
            if value_points_at(p.get(names["policy_group"]), resource, group_names) is True
            and _policy_reads_ec2(unit, p) is True
        ]
        if not scaling:
            return
        source = _launched_from(unit, resource)
        if not isinstance(source, Resource) or not _basic_monitoring(source):
            return
        policies = ", ".join(f"`{p.name}`" for p in scaling)
        what = "launch template" if source.type in TEMPLATE_TYPES else "launch configuration"
        yield self.violation(
            resource,
            f"Auto Scaling group `{resource.name}` scales on EC2 instance metrics "
            f"({policies}) but its {what} `{source.name}` uses basic monitoring, so those "
            "metrics arrive every 5 minutes and scaling reacts late: enable detailed "
            f"monitoring on `{source.name}`",
        )
