"""OPS06-BP01/stateful-resource-protection: stateful resources survive deletion and
replacement."""

from collections.abc import Callable, Iterator
from typing import Any

from opslint.aws.stateful import (
    ANY_VALUE,
    CLOUDFORMATION_PROTECTION,
    DELETION_WINDOWS,
    SAM_EQUIVALENTS,
    SNAPSHOT_TYPES,
    Protection,
    cloudformation_stateful_types,
    is_terraform_lock_table,
    terraform_stateful_types,
)
from opslint.coerce import as_bool, as_number
from opslint.model import ABSENT, Resource, Severity, alternatives
from opslint.rule import Context, Docs, Example, Option, Rule, Violation, every_alternative

DEFAULT_IGNORED = [
    "AWS::Logs::LogGroup",
    "aws_cloudwatch_log_group",
    "AWS::SQS::Queue",
    "aws_sqs_queue",
]
KMS_MIN_DELETION_WINDOW_DAYS = 14


def _same(actual: Any, expected: Any) -> bool | None:
    if isinstance(expected, bool):
        flag = as_bool(actual)
        return None if flag is None else flag is expected
    if isinstance(expected, int):
        number = as_number(actual)
        return None if number is None else number == expected
    return isinstance(actual, str) and actual.upper() == str(expected).upper()


def unprotected(resource: Resource, protection: Protection) -> bool:
    """True when every value the protection setting may take leaves the resource
    unprotected (unknown values never do)."""
    value = resource.get(protection.attribute)
    if protection.value == ANY_VALUE:
        return every_alternative(value, lambda v: v is ABSENT)

    def bad(v: Any) -> bool | None:
        actual = protection.default if v is ABSENT else v
        same = _same(actual, protection.value)
        if same is None:
            return None
        return same if protection.negate else not same

    return every_alternative(value, bad)


def _deletes(default: str) -> Callable[[Any], bool | None]:
    def bad(value: Any) -> bool | None:
        return (default if value is ABSENT else value) == "Delete"

    return bad


def _describe(protection: Protection, framework: str) -> str:
    value = protection.value
    if value == ANY_VALUE:
        return f"set `{protection.attribute}` to keep a final snapshot"
    if protection.negate:
        return f"do not set `{protection.attribute}` to {_literal(value, framework)}"
    if framework == "terraform":
        return f"set `{protection.attribute} = {_literal(value, framework)}`"
    return f"set `{protection.attribute}: {_literal(value, framework)}`"


def _literal(value: Any, framework: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and framework == "terraform":
        return f'"{value}"'
    return str(value)


class StatefulResourceProtection(Rule):
    id = "OPS06-BP01/stateful-resource-protection"
    title = "Stateful resources are protected against deletion and replacement"
    severity = Severity.WARNING
    resource_types = {
        "terraform": tuple(sorted(terraform_stateful_types())),
        "cloudformation": (*sorted(cloudformation_stateful_types()), *SAM_EQUIVALENTS),
    }
    options = (
        Option(
            "ignore_types",
            "list[str]",
            DEFAULT_IGNORED,
            "Resource types (Terraform or CloudFormation) not to check. By default log groups "
            "and queues, whose data is usually disposable; set `[]` to check every stateful "
            "type.",
        ),
        Option(
            "kms_min_deletion_window_days",
            "int",
            KMS_MIN_DELETION_WINDOW_DAYS,
            "The shortest KMS key deletion window (`deletion_window_in_days`, "
            "`PendingWindowInDays`) not reported. A window left unset is AWS's 30 days and "
            "never reported.",
        ),
    )
    docs = Docs(
        what=(
            "Checks that resources holding data survive a mistaken deletion or replacement. "
            "The stateful CloudFormation types are cfn-lint's list (`StatefulResources.json`: "
            "databases, tables, volumes, file systems, caches, streams, keys, secrets, "
            "vaults, user pools, ...), with their Terraform counterparts. CloudFormation: "
            "`DeletionPolicy` and `UpdateReplacePolicy` must not be `Delete` (missing means "
            "`Delete`, except that `DeletionPolicy` defaults to `Snapshot` on "
            "`AWS::RDS::DBCluster` and on `AWS::RDS::DBInstance` without "
            "`DBClusterIdentifier`), and the type's deletion-protection property must be on "
            "where it has one (`DeletionProtection` on RDS/DocumentDB/Neptune clusters and "
            "RDS instances, `DeletionProtectionEnabled` on DynamoDB tables and log groups, "
            "`DeletionProtection: ACTIVE` on Cognito user pools, QLDB ledgers by default). "
            "`AWS::Serverless::SimpleTable` needs the two policies. Terraform: the type's "
            "protection argument (`deletion_protection`, `deletion_protection_enabled`, "
            '`deletion_protection = "ACTIVE"`, `termination_protection`; for Redshift '
            "`skip_final_snapshot` not true, for ElastiCache a `final_snapshot_identifier`, "
            "for secrets a recovery window other than 0, for "
            "backup vaults `force_destroy` not true) or, for any type, "
            "`lifecycle { prevent_destroy = true }`. A resource whose policies keep its data "
            "(`Retain`, `Snapshot`), or a Terraform database that takes a final snapshot "
            "(`skip_final_snapshot` not true), but whose deletion protection is off is told "
            "that protection is missing, not that it loses its data. KMS keys are never deleted at "
            "once: deletion waits for the key's window (`deletion_window_in_days`, "
            "`PendingWindowInDays`: 7 to 30 days, 30 when not set) and can be cancelled until "
            "then, so a key is reported only when that window is shorter than "
            "`kms_min_deletion_window_days` (default 14) and nothing else keeps the key "
            "(`prevent_destroy`; `DeletionPolicy` and `UpdateReplacePolicy: Retain`)."
        ),
        why=(
            "OPS06-BP01 asks you to plan for unsuccessful changes. A change that renames a "
            "table, a refactor that drops a resource from a template or a `terraform destroy` "
            "in the wrong workspace deletes data that no rollback brings back. Retention "
            "policies and deletion protection turn that mistake into a failed change you can "
            "recover from."
        ),
        fix=(
            "CloudFormation: add `DeletionPolicy: Retain` (or `Snapshot` where supported) and "
            "`UpdateReplacePolicy: Retain` (or `Snapshot`), and turn the deletion-protection "
            "property on. Terraform: set the protection argument, or add "
            "`lifecycle { prevent_destroy = true }` to types that have none."
        ),
        cautions=(
            "The default KMS minimum of 14 days: a key pending deletion refuses every use, so "
            "a key in daily use breaks its users at once and the mistake shows within days; "
            "the keys at risk are those used rarely (backups, archives, monthly jobs), and "
            "AWS's 7-day minimum leaves no room for a week off. Set "
            "`kms_min_deletion_window_days: 30` to accept only the longest window, or 7 to "
            "never report a key. "
            "Ephemeral development stacks that are meant to be deleted: suppress the finding "
            "with a reason, or use `!If` on the policy (a finding needs every branch to be "
            "`Delete`). Read replicas and instances of Aurora, DocumentDB and Neptune clusters "
            "hold no data of their own and are not checked; nor are S3 buckets (not deleted "
            "while they hold objects) and CloudFormation backup vaults (not deleted while they "
            "hold recovery points; in Terraform only `force_destroy = true` deletes them), "
            "nested stacks (their resources carry their own "
            "policies) and Terraform state lock tables (DynamoDB tables keyed by `LockID` "
            "only), Memcached clusters and ElastiCache clusters of a replication group. Log "
            "groups and SQS queues are left out by default (`ignore_types`)."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_dynamodb_table" "orders" {\n  name     = "orders"\n'
                    '  hash_key = "id"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_dynamodb_table" "orders" {\n  name     = "orders"\n'
                    '  hash_key = "id"\n  # ...\n  deletion_protection_enabled = true\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="Orders:\n  Type: AWS::DynamoDB::Table\n  Properties:\n    # ...",
                passing=(
                    "Orders:\n  Type: AWS::DynamoDB::Table\n  DeletionPolicy: Retain\n"
                    "  UpdateReplacePolicy: Retain\n  Properties:\n    # ...\n"
                    "    DeletionProtectionEnabled: true"
                ),
            ),
            Example(
                "sam",
                failing="Orders:\n  Type: AWS::Serverless::SimpleTable",
                passing=(
                    "Orders:\n  Type: AWS::Serverless::SimpleTable\n  DeletionPolicy: Retain\n"
                    "  UpdateReplacePolicy: Retain"
                ),
            ),
        ),
    )

    def _ignored(self, resource: Resource, ctx: Context) -> bool:
        return resource.type in set(ctx.option("ignore_types")) or is_terraform_lock_table(resource)

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        about = terraform_stateful_types().get(resource.type)
        if about is None or self._ignored(resource, ctx):
            return
        if resource.type == "aws_db_instance" and _set(resource, "replicate_source_db"):
            return  # a read replica: the data is the source's
        if resource.type == "aws_elasticache_cluster" and (
            _set(resource, "replication_group_id") or _memcached(resource.get("engine"))
        ):
            return  # a replication group member, or Memcached (no data to keep)
        prevent = resource.get_meta("lifecycle.prevent_destroy")
        if not every_alternative(prevent, lambda v: v is ABSENT or as_bool(v) is not True):
            return
        window = DELETION_WINDOWS.get(resource.type)
        if window is not None:
            yield from self._short_window(
                resource, window, ctx, "add `lifecycle { prevent_destroy = true }`"
            )
            return
        protection = about.protection
        if protection is None:
            yield self.violation(
                resource,
                f"{_kind(resource)} `{resource.name}` holds data but nothing stops Terraform "
                "destroying or replacing it: add `lifecycle { prevent_destroy = true }`",
                attribute="lifecycle.prevent_destroy" if prevent is not ABSENT else (),
                meta=prevent is not ABSENT,
            )
            return
        if not unprotected(resource, protection):
            return
        written = resource.has(protection.attribute)
        yield self.violation(
            resource,
            f"{_kind(resource)} `{resource.name}` {_terraform_loss(resource)}: "
            f"{_describe(protection, 'terraform')}"
            + (" with AWS provider 6.25+" if resource.type == "aws_cloudwatch_log_group" else "")
            + " (or add `lifecycle { prevent_destroy = true }`)",
            attribute=protection.attribute if written else (),
        )

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        if self._ignored(resource, ctx):
            return
        kind = SAM_EQUIVALENTS.get(resource.type, resource.type)
        if kind == "AWS::RDS::DBInstance" and _set(
            resource, "DBClusterIdentifier", "SourceDBInstanceIdentifier"
        ):
            return  # an Aurora instance or a read replica: the data is the cluster's/source's
        if kind == "AWS::ElastiCache::CacheCluster" and _memcached(resource.get("Engine")):
            return  # Memcached keeps no data worth protecting
        deletion_default = (
            "Snapshot" if kind in ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance") else "Delete"
        )
        problems: list[str] = []
        for name, default in (
            ("DeletionPolicy", deletion_default),
            ("UpdateReplacePolicy", "Delete"),
        ):
            if every_alternative(resource.get_meta(name), _deletes(default)):
                problems.append(name)
        window = DELETION_WINDOWS.get(kind)
        if window is not None:
            if problems:
                policies = " and ".join(f"`{p}`" for p in problems)
                yield from self._short_window(resource, window, ctx, f"set {policies} to Retain")
            return
        protection = None if kind != resource.type else CLOUDFORMATION_PROTECTION.get(kind)
        if protection is not None and not unprotected(resource, protection):
            protection = None
        label = f"{_kind(resource)} `{resource.name}`"
        if problems:
            when = " or ".join(WHEN[p] for p in problems)
            message = (
                f"{label} loses its data when it is {when}: set "
                + " and ".join(f"`{p}`" for p in problems)
                + " to Retain"
                + (" or Snapshot" if kind in SNAPSHOT_TYPES else "")
            )
            if protection is not None:
                message += ", and " + _describe(protection, "cloudformation").removeprefix("set ")
        elif protection is not None:
            # The policies keep the data when the stack deletes or replaces the resource:
            # what is missing is the protection against deleting it at all.
            message = (
                f"{label} has no deletion protection: {_describe(protection, 'cloudformation')} "
                f"({_kept(resource.get_meta('DeletionPolicy'), deletion_default)} only when "
                "its stack deletes it)"
            )
        else:
            return
        # point at the setting at fault when it is the only one and it is written
        attribute, meta = "", False
        if len(problems) == 1 and protection is None:
            if resource.get_meta(problems[0]) is not ABSENT:
                attribute, meta = problems[0], True
        elif not problems and protection is not None and resource.has(protection.attribute):
            attribute = protection.attribute
        yield self.violation(resource, message, attribute=attribute, meta=meta)

    def _short_window(
        self, resource: Resource, attribute: str, ctx: Context, instead: str
    ) -> Iterator[Violation]:
        """A KMS key whose deletion window is shorter than the option allows (a key is
        deleted only after its window, during which the deletion can be cancelled)."""
        minimum = ctx.option("kms_min_deletion_window_days")
        value = resource.get(attribute)
        days: list[float] = []

        def short(v: Any) -> bool | None:
            if v is ABSENT:
                return False  # AWS's default window, the longest there is
            number = as_number(v)
            if number is None:
                return None
            days.append(float(number))
            return bool(number < minimum)

        if not every_alternative(value, short):
            return
        shown = f"{max(days):g}"
        yield self.violation(
            resource,
            f"{_kind(resource)} `{resource.name}` can be recovered for only {shown} days once "
            f"its deletion is scheduled: set `{attribute}` to at least {minimum} (or {instead})",
            attribute=attribute,
        )


WHEN = {"DeletionPolicy": "deleted", "UpdateReplacePolicy": "replaced"}
FINAL_SNAPSHOT = frozenset(
    {"aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"}
)
"""Terraform types that take a final snapshot when destroyed unless `skip_final_snapshot`
is true (the default is false)."""


def _terraform_loss(resource: Resource) -> str:
    """What destroying the resource costs, for a message: its data, or (when a final
    snapshot is taken, or may be) only the resource."""
    if resource.type not in FINAL_SNAPSHOT:
        return "can be destroyed with its data"
    skip = resource.get("skip_final_snapshot")
    if every_alternative(skip, lambda v: v is not ABSENT and as_bool(v) is True):
        return "can be destroyed with its data (`skip_final_snapshot = true`)"
    if every_alternative(skip, lambda v: v is ABSENT or as_bool(v) is False):
        return "has no deletion protection (a final snapshot keeps its data when it is destroyed)"
    return "has no deletion protection"


def _kept(policy: Any, default: str) -> str:
    """What the ``DeletionPolicy`` keeps, for a message: ``DeletionPolicy: Snapshot` keeps a
    final snapshot`."""
    choices = {v for v in alternatives(policy) if isinstance(v, str)}
    if policy is ABSENT:
        written = f"`DeletionPolicy` ({default} by default)"
        choices = {default}
    elif isinstance(policy, str):
        written = f"`DeletionPolicy: {policy}`"
    else:
        written = "`DeletionPolicy`"
    kept = "a final snapshot" if choices == {"Snapshot"} else "its data"
    return f"{written} keeps {kept}"


KINDS = {
    "aws_db_instance": "RDS instance",
    "aws_rds_cluster": "RDS cluster",
    "aws_docdb_cluster": "DocumentDB cluster",
    "aws_neptune_cluster": "Neptune cluster",
    "aws_dynamodb_table": "DynamoDB table",
    "aws_cloudwatch_log_group": "Log group",
    "aws_ebs_volume": "EBS volume",
    "aws_efs_file_system": "EFS file system",
    "aws_kms_key": "KMS key",
    "aws_sqs_queue": "Queue",
    "aws_redshift_cluster": "Redshift cluster",
    "aws_secretsmanager_secret": "Secret",
    "aws_backup_vault": "Backup vault",
    "aws_kinesis_stream": "Kinesis stream",
    "aws_cognito_user_pool": "User pool",
    "aws_opensearch_domain": "OpenSearch domain",
    "aws_elasticsearch_domain": "Elasticsearch domain",
    "aws_elasticache_cluster": "ElastiCache cluster",
    "aws_elasticache_replication_group": "ElastiCache replication group",
    "AWS::RDS::DBInstance": "RDS instance",
    "AWS::RDS::DBCluster": "RDS cluster",
    "AWS::DocDB::DBCluster": "DocumentDB cluster",
    "AWS::Neptune::DBCluster": "Neptune cluster",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::DynamoDB::GlobalTable": "DynamoDB global table",
    "AWS::Serverless::SimpleTable": "DynamoDB table",
    "AWS::Logs::LogGroup": "Log group",
    "AWS::EC2::Volume": "EBS volume",
    "AWS::EFS::FileSystem": "EFS file system",
    "AWS::KMS::Key": "KMS key",
    "AWS::SQS::Queue": "Queue",
    "AWS::Redshift::Cluster": "Redshift cluster",
    "AWS::SecretsManager::Secret": "Secret",
    "AWS::Backup::BackupVault": "Backup vault",
    "AWS::Kinesis::Stream": "Kinesis stream",
    "AWS::Cognito::UserPool": "User pool",
    "AWS::ElastiCache::CacheCluster": "ElastiCache cluster",
    "AWS::ElastiCache::ReplicationGroup": "ElastiCache replication group",
    "AWS::OpenSearchService::Domain": "OpenSearch domain",
    "AWS::Elasticsearch::Domain": "Elasticsearch domain",
    "AWS::EMR::Cluster": "EMR cluster",
    "AWS::FSx::FileSystem": "FSx file system",
    "AWS::QLDB::Ledger": "QLDB ledger",
    "AWS::SDB::Domain": "SimpleDB domain",
    "AWS::Organizations::Account": "Account",
    "aws_emr_cluster": "EMR cluster",
    "aws_qldb_ledger": "QLDB ledger",
    "aws_simpledb_domain": "SimpleDB domain",
    "aws_fsx_lustre_file_system": "FSx file system",
    "aws_fsx_ontap_file_system": "FSx file system",
    "aws_fsx_openzfs_file_system": "FSx file system",
    "aws_fsx_windows_file_system": "FSx file system",
}


def _memcached(engine: Any) -> bool:
    return every_alternative(engine, lambda v: isinstance(v, str) and v.lower() == "memcached")


def _set(resource: Resource, *names: str) -> bool:
    """Some attribute of ``names`` is (or may be) set."""
    return any(v is not ABSENT for name in names for v in alternatives(resource.get(name)))


def _kind(resource: Resource) -> str:
    return KINDS.get(resource.type, "Stateful resource")
