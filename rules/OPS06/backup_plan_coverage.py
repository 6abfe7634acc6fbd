"""OPS06-BP01/backup-plan-coverage: data stores without native backups are in a backup
plan."""

from collections.abc import Iterator
from typing import Any

from opslint.aws.backup import covered_by_backup
from opslint.coerce import as_number
from opslint.model import ABSENT, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

EFS = ("aws_efs_file_system", "AWS::EFS::FileSystem")
VOLUMES = ("aws_ebs_volume", "AWS::EC2::Volume")
REDSHIFT = ("aws_redshift_cluster", "AWS::Redshift::Cluster")
EFS_POLICY = "aws_efs_backup_policy"
DLM = ("aws_dlm_lifecycle_policy", "AWS::DLM::LifecyclePolicy")
KIND = {
    "aws_efs_file_system": "EFS file system",
    "AWS::EFS::FileSystem": "EFS file system",
    "aws_ebs_volume": "EBS volume",
    "AWS::EC2::Volume": "EBS volume",
    "aws_redshift_cluster": "Redshift cluster",
    "AWS::Redshift::Cluster": "Redshift cluster",
}


class BackupPlanCoverage(Rule):
    id = "OPS06-BP01/backup-plan-coverage"
    title = "Data stores without native backups are covered by an AWS Backup plan"
    severity = Severity.NOTE
    resource_types = {
        "terraform": (EFS[0], VOLUMES[0], REDSHIFT[0]),
        "cloudformation": (EFS[1], VOLUMES[1], REDSHIFT[1]),
    }
    docs = Docs(
        what=(
            "Checks that data stores which keep no backups of their own are selected by an "
            "AWS Backup plan of the same module or template (`aws_backup_selection` / "
            "`AWS::Backup::BackupSelection`, by reference, `*` or a matching tag): EFS file "
            "systems without automatic backups (`aws_efs_backup_policy` with status "
            "`ENABLED` / `BackupPolicy: {Status: ENABLED}`), EBS volumes (unless a Data "
            "Lifecycle Manager policy exists in the same module or template), and Redshift "
            "clusters whose automated snapshots are turned off (retention 0). Databases and "
            "tables with native backups are checked by `OPS06-BP01/backup-retention`."
        ),
        why=(
            "OPS06-BP01 asks you to plan for unsuccessful changes. Data that is never backed "
            "up cannot be restored after a change corrupts or deletes it; an AWS Backup plan "
            "gives those stores scheduled, retained recovery points."
        ),
        fix=(
            "Enable the store's own backups (EFS backup policy) or add it to an "
            "`aws_backup_selection` / `AWS::Backup::BackupSelection` of a backup plan."
        ),
        cautions=(
            "Backup policies of AWS Organizations and plans in other repositories select "
            "resources by tag from outside the code: suppress the finding with a reason. A "
            "backup selection opslint cannot evaluate counts as covering."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_efs_file_system" "shared" {\n  creation_token = "shared"\n}',
                passing=(
                    'resource "aws_efs_file_system" "shared" {\n  creation_token = "shared"\n}\n\n'
                    'resource "aws_efs_backup_policy" "shared" {\n'
                    "  file_system_id = aws_efs_file_system.shared.id\n\n"
                    '  backup_policy {\n    status = "ENABLED"\n  }\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="Shared:\n  Type: AWS::EFS::FileSystem",
                passing=(
                    "Shared:\n  Type: AWS::EFS::FileSystem\n  Properties:\n"
                    "    BackupPolicy:\n      Status: ENABLED"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        types = self.resource_types.get(unit.framework, ())
        for resource in ctx.each(unit.resources):
            if resource.type not in types or resource.kind != "resource":
                continue
            if self._native_backups(unit, resource) is not False:
                continue
            if covered_by_backup(unit, resource) is not False:
                continue
            yield self.violation(
                resource,
                f"{KIND[resource.type]} `{resource.name}` has no backups: " + self._fix(resource),
                attribute=self._attribute(resource),
            )

    def _native_backups(self, unit: Unit, resource: Resource) -> bool | None:
        if resource.type == "aws_efs_file_system":
            for policy in unit.by_type(EFS_POLICY):
                if resource.name in policy.references:
                    status = policy.get("backup_policy.status")
                    return not every_alternative(status, lambda v: v != "ENABLED")
            return False
        if resource.type == "AWS::EFS::FileSystem":
            status = resource.get("BackupPolicy.Status")
            return not every_alternative(status, lambda v: v is ABSENT or v != "ENABLED")
        if resource.type in VOLUMES:
            return None if unit.by_type(*DLM) else False
        attribute = self._attribute(resource)
        value = resource.get(attribute) if attribute else ABSENT

        def disabled(v: Any) -> bool | None:
            if v is ABSENT:
                return False  # default: one day of automated snapshots
            number = as_number(v)
            return None if number is None else number == 0

        return not every_alternative(value, disabled)

    def _attribute(self, resource: Resource) -> str:
        if resource.type == "aws_redshift_cluster":
            return "automated_snapshot_retention_period"
        if resource.type == "AWS::Redshift::Cluster":
            return "AutomatedSnapshotRetentionPeriod"
        if resource.type == "AWS::EFS::FileSystem" and any(
            v is not ABSENT for v in alternatives(resource.get("BackupPolicy"))
        ):
            return "BackupPolicy"
        return ""

    def _fix(self, resource: Resource) -> str:
        if resource.type == "aws_efs_file_system":
            return (
                'add an `aws_efs_backup_policy` with status "ENABLED", or select it in an '
                "AWS Backup plan"
            )
        if resource.type == "AWS::EFS::FileSystem":
            return "set `BackupPolicy: {Status: ENABLED}`, or select it in an AWS Backup plan"
        if resource.type in REDSHIFT:
            return (
                "keep automated snapshots (retention above 0), or select it in an AWS Backup plan"
            )
        return "select it in an AWS Backup plan (or a Data Lifecycle Manager policy)"
