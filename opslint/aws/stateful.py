"""Stateful resource types: which resources hold data, and how each framework protects them.

The CloudFormation list is cfn-lint's ``StatefulResources.json`` (read from the installed
package, never copied here); the Terraform types and the protection settings of each type
are mapped from it below.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from opslint.aws.cfnlint_data import additional_spec
from opslint.model import ABSENT, Resource

SNAPSHOT_TYPES = frozenset(
    {
        "AWS::EC2::Volume",
        "AWS::ElastiCache::CacheCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::Neptune::DBCluster",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::Redshift::Cluster",
        "AWS::DocDB::DBCluster",
    }
)
"""Types whose ``DeletionPolicy`` / ``UpdateReplacePolicy`` may be ``Snapshot``."""

CLUSTER_MEMBERS = frozenset({"AWS::DocDB::DBInstance", "AWS::Neptune::DBInstance"})
"""Instances whose data lives in their cluster (as does an ``AWS::RDS::DBInstance`` with a
``DBClusterIdentifier``): deleting one loses no data."""

NOT_CHECKED = frozenset({"AWS::CloudFormation::Stack"})
"""A nested stack's resources carry their own policies, checked in the nested template."""

DELETED_ONLY_WHEN_EMPTY = frozenset({"AWS::Backup::BackupVault"})
"""Types that cannot be deleted while they hold data, as cfn-lint marks S3 buckets
(``DeleteRequiresEmptyResource``): a backup vault holding recovery points. CloudFormation
fails to delete such a vault, so it is not checked; Terraform's ``force_destroy`` deletes
the recovery points first, so Terraform still checks that argument."""

DELETION_WINDOWS = {
    "aws_kms_key": "deletion_window_in_days",
    "AWS::KMS::Key": "PendingWindowInDays",
}
"""KMS keys are never deleted at once: deletion waits this many days (7 to 30; 30 when not
set), during which it can be cancelled and the key used again."""
DEFAULT_DELETION_WINDOW = 30

SAM_EQUIVALENTS = {"AWS::Serverless::SimpleTable": "AWS::DynamoDB::Table"}
"""SAM types that become a stateful CloudFormation type (SAM passes ``DeletionPolicy`` and
``UpdateReplacePolicy`` on to the generated resource)."""


ANY_VALUE = "<any value>"
"""A :class:`Protection` value: the setting protects whenever it is written (a final
snapshot name)."""


@dataclass(frozen=True)
class Protection:
    """A setting that keeps a resource (or its data) when it is deleted or replaced:
    ``attribute`` must be ``value``; ``default`` is the value when it is not written."""

    attribute: str
    value: Any
    default: Any = None
    negate: bool = False
    """True when the resource is protected unless ``attribute`` equals ``value``."""


CLOUDFORMATION_PROTECTION: dict[str, Protection] = {
    "AWS::RDS::DBInstance": Protection("DeletionProtection", True, False),
    "AWS::RDS::DBCluster": Protection("DeletionProtection", True, False),
    "AWS::DocDB::DBCluster": Protection("DeletionProtection", True, False),
    "AWS::Neptune::DBCluster": Protection("DeletionProtection", True, False),
    "AWS::DynamoDB::Table": Protection("DeletionProtectionEnabled", True, False),
    "AWS::Logs::LogGroup": Protection("DeletionProtectionEnabled", True, False),
    "AWS::Cognito::UserPool": Protection("DeletionProtection", "ACTIVE", "INACTIVE"),
    "AWS::QLDB::Ledger": Protection("DeletionProtection", True, True),
}
"""CloudFormation properties that block deletion, required on top of the policies."""


@dataclass(frozen=True)
class TerraformStateful:
    """A Terraform type holding the data of ``cloudformation_type``; ``protection`` is the
    argument that keeps it (``lifecycle { prevent_destroy = true }`` always does)."""

    cloudformation_type: str
    protection: Protection | None = None


TERRAFORM_TYPES: dict[str, TerraformStateful] = {
    "aws_db_instance": TerraformStateful(
        "AWS::RDS::DBInstance", Protection("deletion_protection", True, False)
    ),
    "aws_rds_cluster": TerraformStateful(
        "AWS::RDS::DBCluster", Protection("deletion_protection", True, False)
    ),
    "aws_docdb_cluster": TerraformStateful(
        "AWS::DocDB::DBCluster", Protection("deletion_protection", True, False)
    ),
    "aws_neptune_cluster": TerraformStateful(
        "AWS::Neptune::DBCluster", Protection("deletion_protection", True, False)
    ),
    "aws_dynamodb_table": TerraformStateful(
        "AWS::DynamoDB::Table", Protection("deletion_protection_enabled", True, False)
    ),
    # deletion_protection_enabled exists from provider 6.25.0 on
    "aws_cloudwatch_log_group": TerraformStateful(
        "AWS::Logs::LogGroup", Protection("deletion_protection_enabled", True, False)
    ),
    "aws_cognito_user_pool": TerraformStateful(
        "AWS::Cognito::UserPool", Protection("deletion_protection", "ACTIVE", "INACTIVE")
    ),
    "aws_qldb_ledger": TerraformStateful(
        "AWS::QLDB::Ledger", Protection("deletion_protection", True, True)
    ),
    "aws_emr_cluster": TerraformStateful(
        "AWS::EMR::Cluster", Protection("termination_protection", True, False)
    ),
    # a final snapshot is taken unless skip_final_snapshot is true
    "aws_redshift_cluster": TerraformStateful(
        "AWS::Redshift::Cluster", Protection("skip_final_snapshot", True, False, negate=True)
    ),
    # deleted secrets stay recoverable for the recovery window (default 30 days)
    "aws_secretsmanager_secret": TerraformStateful(
        "AWS::SecretsManager::Secret", Protection("recovery_window_in_days", 0, 30, negate=True)
    ),
    # a vault holding recovery points cannot be deleted unless force_destroy is true
    "aws_backup_vault": TerraformStateful(
        "AWS::Backup::BackupVault", Protection("force_destroy", True, False, negate=True)
    ),
    "aws_ebs_volume": TerraformStateful("AWS::EC2::Volume"),
    "aws_efs_file_system": TerraformStateful("AWS::EFS::FileSystem"),
    # a final snapshot is taken when final_snapshot_identifier is set
    "aws_elasticache_cluster": TerraformStateful(
        "AWS::ElastiCache::CacheCluster", Protection("final_snapshot_identifier", ANY_VALUE)
    ),
    "aws_elasticache_replication_group": TerraformStateful(
        "AWS::ElastiCache::ReplicationGroup", Protection("final_snapshot_identifier", ANY_VALUE)
    ),
    "aws_elasticsearch_domain": TerraformStateful("AWS::Elasticsearch::Domain"),
    "aws_opensearch_domain": TerraformStateful("AWS::OpenSearchService::Domain"),
    "aws_fsx_lustre_file_system": TerraformStateful("AWS::FSx::FileSystem"),
    "aws_fsx_ontap_file_system": TerraformStateful("AWS::FSx::FileSystem"),
    "aws_fsx_openzfs_file_system": TerraformStateful("AWS::FSx::FileSystem"),
    "aws_fsx_windows_file_system": TerraformStateful("AWS::FSx::FileSystem"),
    "aws_kinesis_stream": TerraformStateful("AWS::Kinesis::Stream"),
    "aws_kms_key": TerraformStateful("AWS::KMS::Key"),
    "aws_sqs_queue": TerraformStateful("AWS::SQS::Queue"),
    "aws_simpledb_domain": TerraformStateful("AWS::SDB::Domain"),
}
"""Terraform types per stateful CloudFormation type (S3 buckets are left out as cfn-lint
leaves them out: a bucket that still holds objects is not deleted, and Terraform's
``force_destroy`` defaults to false)."""


@cache
def cloudformation_stateful_types() -> frozenset[str]:
    """cfn-lint's stateful CloudFormation types, less those deleted only when empty (S3
    buckets, backup vaults), cluster members and nested stacks."""
    types = additional_spec("StatefulResources.json")["ResourceTypes"]
    return frozenset(
        name
        for name, about in types.items()
        if not about.get("DeleteRequiresEmptyResource", False)
        and name not in DELETED_ONLY_WHEN_EMPTY
        and name not in CLUSTER_MEMBERS
        and name not in NOT_CHECKED
    )


@cache
def terraform_stateful_types() -> dict[str, TerraformStateful]:
    """The Terraform types of :data:`TERRAFORM_TYPES` whose CloudFormation type is stateful
    (backup vaults included: see :data:`DELETED_ONLY_WHEN_EMPTY`)."""
    stateful = cloudformation_stateful_types() | DELETED_ONLY_WHEN_EMPTY
    return {
        name: about
        for name, about in TERRAFORM_TYPES.items()
        if about.cloudformation_type in stateful
    }


def is_terraform_lock_table(resource: Resource) -> bool:
    """A DynamoDB table keyed by ``LockID`` only: Terraform's state lock table, whose items
    are transient and need neither backups nor protection."""
    if resource.type == "aws_dynamodb_table":
        return resource.get("hash_key") == "LockID" and resource.get("range_key") is ABSENT
    if resource.type == "AWS::DynamoDB::Table":
        keys = resource.get("KeySchema")
        return (
            isinstance(keys, list)
            and len(keys) == 1
            and isinstance(keys[0], dict)
            and keys[0].get("AttributeName") == "LockID"
        )
    return False
