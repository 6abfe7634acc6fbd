"""OPS06-BP01/backup-retention: databases, tables and caches keep backups."""

from collections.abc import Iterator
from typing import Any

from opslint.aws.backup import covered_by_backup
from opslint.aws.stateful import is_terraform_lock_table
from opslint.coerce import as_bool, as_number
from opslint.model import ABSENT, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Option, Rule, Violation, every_alternative

# type -> (retention attribute, default when omitted)
RETENTION = {
    "aws_db_instance": ("backup_retention_period", 1),
    "aws_rds_cluster": ("backup_retention_period", 1),
    "aws_elasticache_replication_group": ("snapshot_retention_limit", 0),
    "aws_elasticache_cluster": ("snapshot_retention_limit", 0),
    "AWS::RDS::DBInstance": ("BackupRetentionPeriod", 1),
    "AWS::RDS::DBCluster": ("BackupRetentionPeriod", 1),
    "AWS::ElastiCache::ReplicationGroup": ("SnapshotRetentionLimit", 0),
    "AWS::ElastiCache::CacheCluster": ("SnapshotRetentionLimit", 0),
}
PITR = {
    "aws_dynamodb_table": "point_in_time_recovery.enabled",
    "AWS::DynamoDB::Table": "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
    "AWS::Serverless::SimpleTable": "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
}
# attributes that make the resource a replica or member whose backups live elsewhere
NOT_OWN_BACKUPS = {
    "aws_db_instance": ("replicate_source_db",),
    "aws_elasticache_cluster": ("replication_group_id",),
    "AWS::RDS::DBInstance": ("DBClusterIdentifier", "SourceDBInstanceIdentifier"),
}
ENGINE = {"aws_elasticache_cluster": "engine", "AWS::ElastiCache::CacheCluster": "Engine"}

KIND = {
    "aws_db_instance": "RDS instance",
    "aws_rds_cluster": "RDS cluster",
    "aws_elasticache_replication_group": "ElastiCache replication group",
    "aws_elasticache_cluster": "ElastiCache cluster",
    "aws_dynamodb_table": "DynamoDB table",
    "AWS::RDS::DBInstance": "RDS instance",
    "AWS::RDS::DBCluster": "RDS cluster",
    "AWS::ElastiCache::ReplicationGroup": "ElastiCache replication group",
    "AWS::ElastiCache::CacheCluster": "ElastiCache cluster",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::Serverless::SimpleTable": "DynamoDB table",
}


def _types(framework: str) -> tuple[str, ...]:
    names = [*RETENTION, *PITR]
    cfn = [n for n in names if "::" in n]
    return tuple(cfn) if framework == "cloudformation" else tuple(n for n in names if n not in cfn)


class BackupRetention(Rule):
    id = "OPS06-BP01/backup-retention"
    title = "Databases, tables and caches keep automatic backups"
    severity = Severity.WARNING
    resource_types = {"terraform": _types("terraform"), "cloudformation": _types("cloudformation")}
    options = (
        Option(
            "min_days",
            "int",
            7,
            "Shortest backup retention accepted for RDS and ElastiCache, in days.",
        ),
    )
    docs = Docs(
        what=(
            "Checks that data stores keep backups you can restore after a failed change: RDS "
            "instances and clusters keep automated backups for at least `min_days` days "
            "(`backup_retention_period` / `BackupRetentionPeriod`; omitted means the API "
            "default of 1 day, 0 turns backups off), ElastiCache Redis/Valkey replication "
            "groups and clusters keep snapshots as long (`snapshot_retention_limit` / "
            "`SnapshotRetentionLimit`, default 0), DynamoDB tables have point-in-time "
            "recovery (`point_in_time_recovery { enabled = true }` / "
            "`PointInTimeRecoverySpecification`, also on `AWS::Serverless::SimpleTable`). A "
            "resource that an AWS Backup selection of the same module or template covers (by "
            "reference, `*` or a matching tag) passes."
        ),
        why=(
            "OPS06-BP01 asks you to plan for unsuccessful changes. A migration that corrupts "
            "rows or a deployment that writes bad data is undone from a backup, not by "
            "redeploying code; with one day of retention a problem noticed after a weekend "
            "cannot be rolled back."
        ),
        fix=(
            "Set the retention to at least the configured minimum (e.g. 7 days), enable "
            "point-in-time recovery on DynamoDB tables, or add the resource to an AWS Backup "
            "plan's selection."
        ),
        cautions=(
            "Read replicas, Aurora instances and ElastiCache clusters that belong to a "
            "replication group are not checked (their backups are the source's or the "
            "cluster's); Memcached clusters cannot keep snapshots; Terraform state lock "
            "tables (DynamoDB tables keyed by `LockID` only) hold nothing worth restoring. "
            "Backup plans defined in another repository or by an AWS Organizations backup "
            "policy are invisible: "
            "suppress the finding with a reason. A backup selection opslint cannot evaluate "
            "(ARN patterns, conditions, unknown lists) counts as possibly covering."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n'
                    '  instance_class = "db.t3.micro"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_db_instance" "main" {\n  engine                  = "postgres"\n'
                    '  instance_class          = "db.t3.micro"\n  # ...\n'
                    "  backup_retention_period = 14\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing="Orders:\n  Type: AWS::DynamoDB::Table\n  Properties:\n    # ...",
                passing=(
                    "Orders:\n  Type: AWS::DynamoDB::Table\n  Properties:\n    # ...\n"
                    "    PointInTimeRecoverySpecification:\n"
                    "      PointInTimeRecoveryEnabled: true"
                ),
            ),
            Example(
                "sam",
                failing="Orders:\n  Type: AWS::Serverless::SimpleTable",
                passing=(
                    "Orders:\n  Type: AWS::Serverless::SimpleTable\n  Properties:\n"
                    "    PointInTimeRecoverySpecification:\n"
                    "      PointInTimeRecoveryEnabled: true"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        types = self.resource_types.get(unit.framework, ())
        for resource in ctx.each(unit.resources):
            if resource.type in types and resource.kind == "resource":
                yield from self._check(resource, unit, ctx)

    def _check(self, resource: Resource, unit: Unit, ctx: Context) -> Iterator[Violation]:
        if is_terraform_lock_table(resource):
            return
        for name in NOT_OWN_BACKUPS.get(resource.type, ()):
            if any(v is not ABSENT for v in alternatives(resource.get(name))):
                return
        engine = ENGINE.get(resource.type)
        if engine and not every_alternative(
            resource.get(engine), lambda v: isinstance(v, str) and v.lower() != "memcached"
        ):
            return
        violation = self._violation(resource, ctx)
        if violation is not None and covered_by_backup(unit, resource) is False:
            yield violation

    def _violation(self, resource: Resource, ctx: Context) -> Violation | None:
        kind = KIND[resource.type]
        if resource.type in PITR:
            attribute = PITR[resource.type]
            if not every_alternative(
                resource.get(attribute), lambda v: v is ABSENT or as_bool(v) is False
            ):
                return None
            setting = (
                "point_in_time_recovery { enabled = true }"
                if resource.framework == "terraform"
                else "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true"
            )
            return self.violation(
                resource,
                f"{kind} `{resource.name}` has no point-in-time recovery: set `{setting}` "
                "or cover it with an AWS Backup plan",
                attribute=attribute if resource.has(attribute) else (),
            )
        attribute, default = RETENTION[resource.type]
        minimum: int = ctx.option("min_days")
        value = resource.get(attribute)

        def too_short(v: Any) -> bool | None:
            days = as_number(default if v is ABSENT else v)
            return None if days is None else days < minimum

        if not every_alternative(value, too_short):
            return None
        if value is ABSENT:
            what = f"keeps backups for {default} day{'s' if default != 1 else ''} by default"
            if default == 0:
                what = "keeps no backups by default"
        elif all(as_number(v) == 0 for v in alternatives(value)):
            what = f"turns backups off with `{attribute}` 0"
        else:
            what = f"keeps backups for less than {minimum} days"
        return self.violation(
            resource,
            f"{kind} `{resource.name}` {what}: set `{attribute}` to at least {minimum} "
            "or cover it with an AWS Backup plan",
            attribute=attribute if value is not ABSENT else (),
        )
