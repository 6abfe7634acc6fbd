"""OPS09-BP07/ec2-auto-recovery-not-disabled: standalone EC2 instances keep simplified
automatic recovery."""

from opslint.model import Attr, Resource, Severity
from opslint.rule import Context, Docs, Example, Expect, Rule

RECOVERY = "maintenance_options.auto_recovery"
TEMPLATE_RECOVERY = Attr(
    terraform=RECOVERY, cloudformation="LaunchTemplateData.MaintenanceOptions.AutoRecovery"
)
INSTANCE_TYPES = frozenset({"aws_instance", "AWS::EC2::Instance"})


def _disabled(value: object) -> bool | None:
    return isinstance(value, str) and value.strip().lower() == "disabled"


def _only_standalone_instances(template: Resource, ctx: Context) -> bool:
    """A launch template used, and used only, by standalone instances (an Auto Scaling
    group replaces an instance instead of recovering it)."""
    users = list(ctx.unit.referrers(template))
    return bool(users) and all(u.type in INSTANCE_TYPES for u in users)


def _instances(template: Resource, ctx: Context) -> dict[str, str]:
    return {"instances": ", ".join(f"`{u.name}`" for u in ctx.unit.referrers(template))}


class Ec2AutoRecoveryNotDisabled(Rule):
    id = "OPS09-BP07/ec2-auto-recovery-not-disabled"
    title = "Standalone EC2 instances keep automatic recovery"
    severity = Severity.NOTE
    checks = (
        Expect(
            "aws_instance",
            RECOVERY,
            required=False,
            bad=_disabled,
            message="Instance `{name}` disables automatic recovery: remove "
            '`auto_recovery = "disabled"` so a host failure recovers it automatically',
        ),
        Expect(
            ("aws_launch_template", "AWS::EC2::LaunchTemplate"),
            TEMPLATE_RECOVERY,
            required=False,
            bad=_disabled,
            when=_only_standalone_instances,
            details=_instances,
            message="Launch template `{name}` disables automatic recovery for the standalone "
            "instances {instances}: remove the setting so a host failure recovers them",
        ),
    )
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
