"""OPS05-BP05/ec2-patching: EC2 fleets have automated patching."""

from __future__ import annotations

from collections.abc import Iterator

from opslint.model import ABSENT, Framework, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation

FLEET_TYPES: dict[Framework, tuple[str, ...]] = {
    "terraform": ("aws_instance", "aws_autoscaling_group"),
    "cloudformation": ("AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup"),
}
PATCH_DOCUMENTS = (
    "AWS-RunPatchBaseline",
    "AWS-RunPatchBaselineAssociation",
    "AWS-RunPatchBaselineWithHooks",
)
# type: attribute naming the SSM document that runs
PATCH_RUNNERS = {
    "aws_ssm_association": "name",
    "aws_ssm_maintenance_window_task": "task_arn",
    "AWS::SSM::Association": "Name",
    "AWS::SSM::MaintenanceWindowTask": "TaskArn",
}
# resources whose presence means patching (or image replacement) is organised otherwise
PATCHING_ELSEWHERE = (
    "aws_ssmquicksetup_configuration_manager",
    "aws_imagebuilder_image_pipeline",
    "AWS::SSMQuickSetup::ConfigurationManager",
    "AWS::ImageBuilder::ImagePipeline",
)


def runs_patch_baseline(resource: Resource) -> bool:
    """True unless the resource's document is known and is not a patching document (an
    unknown document name counts as patching: no finding from what we cannot see)."""
    for value in alternatives(resource.get(PATCH_RUNNERS[resource.type])):
        if not isinstance(value, str):
            return True
        name = value.rsplit("/", 1)[-1]
        if name in PATCH_DOCUMENTS:
            return True
    return False


def inline_patching(resource: Resource) -> bool:
    """An ``AWS::EC2::Instance`` whose ``SsmAssociations`` run a patching document (or a
    document opslint cannot resolve)."""
    associations = resource.get("SsmAssociations")
    if not isinstance(associations, list):
        return associations is not ABSENT
    for association in associations:
        name = association.get("DocumentName") if isinstance(association, dict) else None
        if not isinstance(name, str) or name.rsplit("/", 1)[-1] in PATCH_DOCUMENTS:
            return True
    return False


class Ec2Patching(Rule):
    id = "OPS05-BP05/ec2-patching"
    title = "EC2 fleets have automated patching"
    severity = Severity.NOTE
    resource_types = FLEET_TYPES
    docs = Docs(
        what=(
            "When a Terraform module or CloudFormation template defines EC2 instances or "
            "Auto Scaling groups, checks that it also automates their patching: an "
            "`aws_ssm_association` / `AWS::SSM::Association` running `AWS-RunPatchBaseline` "
            "(or `AWS-RunPatchBaselineAssociation`, `AWS-RunPatchBaselineWithHooks`), or an "
            "`aws_ssm_maintenance_window_task` / `AWS::SSM::MaintenanceWindowTask` running it. "
            "An instance's own `SsmAssociations` running it, a Quick Setup configuration "
            "(patch policy) or an EC2 Image Builder pipeline in the same unit also pass. Each "
            "instance and Auto Scaling group without one gets a note."
        ),
        why=(
            "OPS05-BP05 asks you to perform patch management. Instances that nobody patches "
            "on a schedule collect known vulnerabilities; a State Manager association or "
            "maintenance window that runs the patch baseline makes patching routine and "
            "visible in Patch Manager compliance."
        ),
        fix=(
            'Add an `aws_ssm_association` with `name = "AWS-RunPatchBaseline"`, a schedule '
            "and targets that select the instances (by tag), with `Operation=Install`; or a "
            "maintenance window with a `RUN_COMMAND` task running `AWS-RunPatchBaseline`. "
            "Define a patch baseline (`aws_ssm_patch_baseline`) to control which patches are "
            "approved."
        ),
        cautions=(
            "Patching organised outside this unit is invisible: Patch Manager policies set up "
            "with Quick Setup at the organisation level, associations in another module or "
            "stack, or immutable fleets rebuilt from a patched AMI by a pipeline elsewhere. "
            "Suppress the note for the unit with a reason in those cases. An association "
            "whose document name opslint cannot resolve counts as patching."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_instance" "web" {\n  ami           = var.ami_id\n'
                    '  instance_type = "t3.micro"\n}'
                ),
                passing=(
                    'resource "aws_instance" "web" {\n  ami           = var.ami_id\n'
                    '  instance_type = "t3.micro"\n  tags = { "Patch Group" = "web" }\n}\n\n'
                    'resource "aws_ssm_association" "patch" {\n'
                    '  name                = "AWS-RunPatchBaseline"\n'
                    '  schedule_expression = "cron(0 3 ? * SUN *)"\n'
                    '  parameters          = { Operation = "Install" }\n\n'
                    '  targets {\n    key    = "tag:Patch Group"\n    values = ["web"]\n'
                    "  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Web:\n  Type: AWS::EC2::Instance\n  Properties:\n"
                    "    ImageId: !Ref ImageId\n    InstanceType: t3.micro"
                ),
                passing=(
                    "Patch:\n  Type: AWS::SSM::Association\n  Properties:\n"
                    "    Name: AWS-RunPatchBaseline\n"
                    "    ScheduleExpression: cron(0 3 ? * SUN *)\n"
                    "    Parameters:\n      Operation: [Install]\n"
                    "    Targets:\n      - Key: tag:Patch Group\n        Values: [web]"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        fleet = [
            r
            for r in unit.resources
            if r.kind == "resource" and r.type in FLEET_TYPES.get(unit.framework, ())
        ]
        if not fleet or self._patched(unit):
            return
        for resource in fleet:
            if inline_patching(resource):
                continue
            kind = "Auto Scaling group" if "utoscaling" in resource.type.lower() else "Instance"
            yield self.violation(
                resource,
                f"{kind} `{resource.name}` has no automated patching in this "
                f"{'module' if unit.framework == 'terraform' else 'template'}: add an SSM "
                "association or maintenance window task that runs `AWS-RunPatchBaseline`",
            )

    @staticmethod
    def _patched(unit: Unit) -> bool:
        for resource in unit.resources:
            if resource.kind != "resource":
                continue
            if resource.type in PATCHING_ELSEWHERE:
                return True
            if resource.type in PATCH_RUNNERS and runs_patch_baseline(resource):
                return True
        return False
