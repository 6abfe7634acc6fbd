"""OPS06-BP03/asg-instance-refresh: Auto Scaling groups replace instances safely."""

from collections.abc import Iterator
from typing import Any

from opslint.aws.iam import allows, instance_roles
from opslint.coerce import as_bool, as_number
from opslint.model import ABSENT, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

CAPACITY_PROVIDERS = ("aws_ecs_capacity_provider", "AWS::ECS::CapacityProvider")
LAUNCH = {
    "terraform": ("launch_template", "mixed_instances_policy", "launch_configuration"),
    "cloudformation": ("LaunchTemplate", "MixedInstancesPolicy", "LaunchConfigurationName"),
}
LAUNCH_CONFIGURATION = {
    "terraform": "launch_configuration",
    "cloudformation": "LaunchConfigurationName",
}
SIZES = {
    "terraform": ("min_size", "desired_capacity", "max_size"),
    "cloudformation": ("MinSize", "DesiredCapacity", "MaxSize"),
}
LAUNCHERS = ("AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration")
SELF_REMOVAL = (
    "autoscaling:TerminateInstanceInAutoScalingGroup",
    "autoscaling:SetDesiredCapacity",
    "autoscaling:UpdateAutoScalingGroup",
)
"""What an instance calls to leave its group for good (with
``--should-decrement-desired-capacity``, or setting the group's desired size to 0)."""


def _is(value: Any, number: int) -> bool:
    """Every alternative of ``value`` is ``number`` (unknown or missing: False)."""

    def equal(v: Any) -> bool | None:
        n = as_number(v)
        return None if n is None else n == number

    return every_alternative(value, equal)


def _launches_from(group: Resource, framework: str) -> str:
    """What the group launches instances from, for messages."""
    configuration = LAUNCH_CONFIGURATION[framework]
    templates = [name for name in LAUNCH[framework] if name != configuration]
    if group.has(configuration) and not any(group.has(name) for name in templates):
        return "launch configuration"
    return "launch template"


def runs_batches(group: Resource, framework: str) -> bool:
    """The group keeps no instance running: its minimum and desired sizes are both 0 (and
    Terraform does not leave the desired size to others with ``ignore_changes``), so
    instances appear only while a job scales it up, and they start from the group's
    current launch template or configuration."""
    minimum, desired, _ = SIZES[framework]
    if not (_is(group.get(minimum), 0) and _is(group.get(desired), 0)):
        return False
    if framework == "terraform":
        ignored = group.get_meta("lifecycle.ignore_changes")
        for value in alternatives(ignored):
            if value is ABSENT:
                continue
            if not isinstance(value, list) or any(
                not isinstance(v, str) or v in ("all", desired) for v in value
            ):
                return False
    return True


def removes_itself(group: Resource, unit: Unit) -> bool:
    """A CloudFormation one-shot helper group: ``MinSize: 0``, ``MaxSize: 1``, and its
    instances may take themselves out of it for good: the role of the instance profile of
    its launch template or launch configuration allows
    ``autoscaling:TerminateInstanceInAutoScalingGroup``, ``autoscaling:SetDesiredCapacity`` or
    ``autoscaling:UpdateAutoScalingGroup`` (an instance that does its work, then sets the
    desired size to 0 or terminates itself lowering it)."""
    if not (_is(group.get("MinSize"), 0) and _is(group.get("MaxSize"), 1)):
        return False
    for name in sorted(group.references):
        launcher = unit.by_name(name)
        if launcher is None or launcher.type not in LAUNCHERS:
            continue
        if any(allows(role, unit, SELF_REMOVAL) for role in instance_roles(launcher, unit)):
            return True
    return False


class AsgInstanceRefresh(Rule):
    id = "OPS06-BP03/asg-instance-refresh"
    title = "Auto Scaling groups replace instances safely"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_autoscaling_group",),
        "cloudformation": ("AWS::AutoScaling::AutoScalingGroup",),
    }
    docs = Docs(
        what=(
            "Checks that an Auto Scaling group launched from a launch template or "
            "configuration says how its instances are replaced when that changes: an "
            "`instance_refresh` block on `aws_autoscaling_group` (or "
            "`lifecycle { create_before_destroy = true }`, the pattern that replaces the whole "
            "group), an `UpdatePolicy` with `AutoScalingRollingUpdate` or "
            "`AutoScalingReplacingUpdate` (`WillReplace: true`) on "
            "`AWS::AutoScaling::AutoScalingGroup`."
        ),
        why=(
            "OPS06-BP03 asks you to employ safe deployment strategies. Without them a new "
            "launch template version reaches no running instance: the fleet keeps the old "
            "image until instances die, or someone replaces them all by hand at once. A "
            "rolling instance refresh (with a minimum healthy percentage, and ideally "
            "`auto_rollback` or `WaitOnResourceSignals`) replaces them in batches and stops "
            "when new instances fail their health checks."
        ),
        fix=(
            'Add `instance_refresh { strategy = "Rolling" preferences { min_healthy_percentage '
            "= 90 auto_rollback = true } }`, or in CloudFormation an `UpdatePolicy: "
            "AutoScalingRollingUpdate: {MinInstancesInService: 1, MaxBatchSize: 1, "
            "WaitOnResourceSignals: true}`."
        ),
        cautions=(
            "Groups used by an ECS capacity provider of the same module or template are "
            "skipped (ECS drains and replaces their instances); groups created by EKS managed "
            "node groups or Elastic Beanstalk do not appear in the code. Groups built from an "
            "instance ID are not checked. Groups with no instance to replace are not "
            "checked: groups that run batches (minimum and desired size both 0, and in "
            "Terraform `desired_capacity` not in `lifecycle { ignore_changes }`; a job scales "
            "them up and each instance starts from the group's current template or "
            "configuration), and CloudFormation one-shot helpers (`MinSize: 0`, `MaxSize: 1`, "
            "and the role of the instance profile of their launch template or launch "
            "configuration allows `autoscaling:TerminateInstanceInAutoScalingGroup`, "
            "`autoscaling:SetDesiredCapacity` or `autoscaling:UpdateAutoScalingGroup`: the "
            "instance does its work, then sets the desired size to 0 or terminates itself). A "
            "size opslint cannot resolve does not exempt a group; a permission granted under "
            "a condition (`Fn::If`) counts as granted."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_autoscaling_group" "web" {\n  min_size = 2\n  max_size = 4\n'
                    "  launch_template {\n    id      = aws_launch_template.web.id\n"
                    "    version = aws_launch_template.web.latest_version\n  }\n}"
                ),
                passing=(
                    'resource "aws_autoscaling_group" "web" {\n  min_size = 2\n  max_size = 4\n'
                    "  launch_template {\n    id      = aws_launch_template.web.id\n"
                    "    version = aws_launch_template.web.latest_version\n  }\n"
                    '  instance_refresh {\n    strategy = "Rolling"\n    preferences {\n'
                    "      min_healthy_percentage = 90\n      auto_rollback          = true\n"
                    "    }\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Web:\n  Type: AWS::AutoScaling::AutoScalingGroup\n  Properties:\n"
                    '    MinSize: "2"\n    MaxSize: "4"\n    LaunchTemplate:\n'
                    "      LaunchTemplateId: !Ref WebTemplate\n"
                    "      Version: !GetAtt WebTemplate.LatestVersionNumber"
                ),
                passing=(
                    "Web:\n  Type: AWS::AutoScaling::AutoScalingGroup\n  UpdatePolicy:\n"
                    "    AutoScalingRollingUpdate:\n      MinInstancesInService: 1\n"
                    "      MaxBatchSize: 1\n      WaitOnResourceSignals: true\n"
                    '  Properties:\n    MinSize: "2"\n    MaxSize: "4"\n    LaunchTemplate:\n'
                    "      LaunchTemplateId: !Ref WebTemplate\n"
                    "      Version: !GetAtt WebTemplate.LatestVersionNumber"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        types = self.resource_types.get(unit.framework, ())
        providers = unit.by_type(*CAPACITY_PROVIDERS)
        for group in ctx.each(unit.resources):
            if group.type not in types or group.kind != "resource":
                continue
            if any(group.name in p.references for p in providers):
                continue
            if not any(group.has(name) for name in LAUNCH[unit.framework]):
                continue
            if unit.framework == "terraform":
                found = list(self._terraform(group))
            else:
                found = list(self._cloudformation(group))
            if found and not self._nothing_to_replace(group, unit):
                yield from found

    @staticmethod
    def _nothing_to_replace(group: Resource, unit: Unit) -> bool:
        """A group that runs batches (no instance between jobs) or a CloudFormation one-shot
        helper (its instance removes itself once its work is done)."""
        if runs_batches(group, unit.framework):
            return True
        return unit.framework == "cloudformation" and removes_itself(group, unit)

    def _terraform(self, group: Resource) -> Iterator[Violation]:
        if group.get("instance_refresh") is not ABSENT:
            return
        if not every_alternative(
            group.get_meta("lifecycle.create_before_destroy"),
            lambda v: v is ABSENT or as_bool(v) is False,
        ):
            return
        yield self.violation(
            group,
            f"Auto Scaling group `{group.name}` never replaces running instances when its "
            f"{_launches_from(group, 'terraform')} changes: add `instance_refresh "
            '{ strategy = "Rolling" }` with a minimum healthy percentage',
        )

    def _cloudformation(self, group: Resource) -> Iterator[Violation]:
        if any(
            v is not ABSENT
            for v in alternatives(group.get_meta("UpdatePolicy.AutoScalingRollingUpdate"))
        ):
            return
        replacing = group.get_meta("UpdatePolicy.AutoScalingReplacingUpdate.WillReplace")
        if not every_alternative(replacing, lambda v: v is ABSENT or as_bool(v) is False):
            return
        written = replacing is not ABSENT
        yield self.violation(
            group,
            f"Auto Scaling group `{group.name}` never replaces running instances when its "
            f"{_launches_from(group, 'cloudformation')} changes: add an `UpdatePolicy` with "
            "`AutoScalingRollingUpdate` "
            "(or `AutoScalingReplacingUpdate` with `WillReplace: true`)",
            attribute="UpdatePolicy.AutoScalingReplacingUpdate.WillReplace" if written else (),
            meta=written,
        )
