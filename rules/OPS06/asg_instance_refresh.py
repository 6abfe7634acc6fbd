"""OPS06-BP03/asg-instance-refresh: Auto Scaling groups replace instances safely."""

from collections.abc import Iterator

from opslint.coerce import as_bool
from opslint.model import ABSENT, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

CAPACITY_PROVIDERS = ("aws_ecs_capacity_provider", "AWS::ECS::CapacityProvider")
LAUNCH = {
    "terraform": ("launch_template", "mixed_instances_policy", "launch_configuration"),
    "cloudformation": ("LaunchTemplate", "MixedInstancesPolicy", "LaunchConfigurationName"),
}


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
            "instance ID are not checked."
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
                yield from self._terraform(group)
            else:
                yield from self._cloudformation(group)

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
            'launch template changes: add `instance_refresh { strategy = "Rolling" }` with '
            "a minimum healthy percentage",
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
            "launch template changes: add an `UpdatePolicy` with `AutoScalingRollingUpdate` "
            "(or `AutoScalingReplacingUpdate` with `WillReplace: true`)",
            attribute="UpdatePolicy.AutoScalingReplacingUpdate.WillReplace" if written else (),
            meta=written,
        )
