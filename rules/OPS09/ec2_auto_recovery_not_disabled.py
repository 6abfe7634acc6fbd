"""OPS09-BP07/ec2-auto-recovery-not-disabled: standalone EC2 instances keep simplified
automatic recovery."""

from collections.abc import Iterator

from opslint.model import Resource, Severity
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

PATHS = {
    "aws_instance": "maintenance_options.auto_recovery",
    "aws_launch_template": "maintenance_options.auto_recovery",
    "AWS::EC2::LaunchTemplate": "LaunchTemplateData.MaintenanceOptions.AutoRecovery",
}
INSTANCE_TYPES = frozenset({"aws_instance", "AWS::EC2::Instance"})


def _disabled(value: object) -> bool | None:
    return isinstance(value, str) and value.strip().lower() == "disabled"


class Ec2AutoRecoveryNotDisabled(Rule):
    id = "OPS09-BP07/ec2-auto-recovery-not-disabled"
    title = "Standalone EC2 instances keep automatic recovery"
    severity = Severity.NOTE
    resource_types = {
        "terraform": ("aws_instance", "aws_launch_template"),
        "cloudformation": ("AWS::EC2::LaunchTemplate",),
    }
    docs = Docs(
        what=(
            "Checks that automatic recovery is not switched off for standalone EC2 instances: "
            '`maintenance_options { auto_recovery = "disabled" }` on `aws_instance`, and the '
            "same on an `aws_launch_template` (or `LaunchTemplateData.MaintenanceOptions."
            "AutoRecovery: disabled` on an `AWS::EC2::LaunchTemplate`) that a standalone "
            "instance of the module or template launches from. Omitted or `default` passes: "
            "simplified automatic recovery is on by default for supported instance types. "
            "Launch templates used by an Auto Scaling group, EKS node group or EC2 fleet are "
            "not judged (their health checks replace instances), nor those no standalone "
            "instance of the unit uses."
        ),
        why=(
            "OPS09-BP07 asks you to automate responses to events. When the underlying host "
            "fails a system status check, automatic recovery moves the instance to healthy "
            "hardware with its ID, addresses and volumes; with it disabled, someone has to "
            "notice and act."
        ),
        fix=(
            'Remove `auto_recovery = "disabled"` (or set it to `"default"`), or run the '
            "instance in an Auto Scaling group of one."
        ),
        cautions=(
            "Instances with instance-store data or licences bound to a host may disable "
            "recovery on purpose: suppress the finding with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_instance" "db" {\n  # ...\n  maintenance_options {\n'
                    '    auto_recovery = "disabled"\n  }\n}'
                ),
                passing='resource "aws_instance" "db" {\n  # ...\n}',
            ),
            Example(
                "cloudformation",
                failing=(
                    "Template:\n  Type: AWS::EC2::LaunchTemplate\n  Properties:\n"
                    "    LaunchTemplateData:\n      MaintenanceOptions:\n"
                    "        AutoRecovery: disabled\n"
                    "Db:\n  Type: AWS::EC2::Instance\n  Properties:\n    LaunchTemplate:\n"
                    "      LaunchTemplateId: !Ref Template\n      Version: !GetAtt "
                    "Template.LatestVersionNumber"
                ),
                passing=(
                    "Template:\n  Type: AWS::EC2::LaunchTemplate\n  Properties:\n"
                    "    LaunchTemplateData:\n      MaintenanceOptions:\n"
                    "        AutoRecovery: default"
                ),
            ),
        ),
    )

    def _check(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        path = PATHS[resource.type]
        if not every_alternative(resource.get(path), _disabled):
            return
        if resource.type == "aws_instance":
            yield self.violation(
                resource,
                f"Instance `{resource.name}` disables automatic recovery: remove "
                '`auto_recovery = "disabled"` so a host failure recovers it automatically',
                path,
            )
            return
        users = list(ctx.unit.referrers(resource))
        if not users or any(u.type not in INSTANCE_TYPES for u in users):
            return
        shown = ", ".join(f"`{u.name}`" for u in users)
        yield self.violation(
            resource,
            f"Launch template `{resource.name}` disables automatic recovery for the standalone "
            f"instances {shown}: remove the setting so a host failure recovers them",
            path,
        )

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)
