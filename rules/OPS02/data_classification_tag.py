"""OPS02-BP01/data-classification-tag: data stores carry a data-classification tag once the
unit (or the configuration) has adopted one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from opslint.aws.consistency import Evidence, adoption
from opslint.aws.tagging import default_tags_sources, tag_map
from opslint.coerce import as_list
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, lookup
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

TERRAFORM_STORES = (
    "aws_s3_bucket",
    "aws_dynamodb_table",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
    "aws_redshift_cluster",
    "aws_redshiftserverless_namespace",
    "aws_opensearch_domain",
    "aws_opensearchserverless_collection",
    "aws_elasticsearch_domain",
    "aws_efs_file_system",
    "aws_fsx_lustre_file_system",
    "aws_fsx_windows_file_system",
    "aws_fsx_ontap_file_system",
    "aws_fsx_openzfs_file_system",
    "aws_elasticache_replication_group",
    "aws_elasticache_serverless_cache",
    "aws_memorydb_cluster",
    "aws_kinesis_stream",
    "aws_msk_cluster",
    "aws_keyspaces_table",
    "aws_timestreamwrite_table",
    "aws_ebs_volume",
    "aws_backup_vault",
    "aws_dsql_cluster",
)
# CloudFormation/SAM data store type → its tag property (``*`` walks a list).
CLOUDFORMATION_STORES = {
    "AWS::S3::Bucket": "Tags",
    "AWS::DynamoDB::Table": "Tags",
    "AWS::DynamoDB::GlobalTable": "Replicas/*/Tags",
    "AWS::RDS::DBInstance": "Tags",
    "AWS::RDS::DBCluster": "Tags",
    "AWS::DocDB::DBCluster": "Tags",
    "AWS::Neptune::DBCluster": "Tags",
    "AWS::Redshift::Cluster": "Tags",
    "AWS::RedshiftServerless::Namespace": "Tags",
    "AWS::OpenSearchService::Domain": "Tags",
    "AWS::EFS::FileSystem": "FileSystemTags",
    "AWS::FSx::FileSystem": "Tags",
    "AWS::ElastiCache::ReplicationGroup": "Tags",
    "AWS::ElastiCache::ServerlessCache": "Tags",
    "AWS::MemoryDB::Cluster": "Tags",
    "AWS::Kinesis::Stream": "Tags",
    "AWS::MSK::Cluster": "Tags",
    "AWS::Cassandra::Table": "Tags",
    "AWS::Timestream::Table": "Tags",
    "AWS::EC2::Volume": "Tags",
    "AWS::Backup::BackupVault": "BackupVaultTags",
    "AWS::DSQL::Cluster": "Tags",
    "AWS::Serverless::SimpleTable": "Tags",
}
# Members classified through something else: a replica, a cluster member.
SKIP_WHEN = {
    "aws_db_instance": ("replicate_source_db",),
    "AWS::RDS::DBInstance": ("DBClusterIdentifier", "SourceDBInstanceIdentifier"),
}
KEY = re.compile(r"(^|[:/._-]|data)classification$", re.IGNORECASE)
DEFAULT_KEY = "data-classification"

Tags = dict[str, Any] | None
"""Tag key → value; None when the tags cannot be read."""


def _merge(*parts: Tags) -> Tags:
    out: dict[str, Any] = {}
    for part in parts:
        if part is None:
            return None
        out.update(part)
    return out


def provider_default_tags(unit: Unit, resource: Resource) -> Tags:
    """The provider ``default_tags`` a Terraform resource gets; None when not visible (a
    module inherits its caller's provider)."""
    sources = default_tags_sources(unit, resource)
    return None if sources is None else _merge(*(tag_map(v) for v in sources))


def _dynamodb_tags(unit: Unit) -> dict[str, Tags]:
    """Table address → tags added by ``aws_dynamodb_tag`` resources."""
    added: dict[str, Tags] = {}
    for tag in unit.by_type("aws_dynamodb_tag"):
        target = tag.get("resource_arn")
        if not isinstance(target, Reference):
            continue
        key = tag.get("key")
        part: Tags = {key: tag.get("value")} if isinstance(key, str) else None
        added[target.address] = _merge(added.get(target.address, {}), part)
    return added


class DataClassificationTag(Rule):
    id = "OPS02-BP01/data-classification-tag"
    title = "Data stores carry a data-classification tag once the module or template uses one"
    severity = Severity.NOTE
    resource_types = {
        "terraform": TERRAFORM_STORES,
        "cloudformation": tuple(CLOUDFORMATION_STORES),
    }
    options = (
        Option(
            "required",
            "bool",
            False,
            "Require the tag on every data store of every root module and template, not only "
            "where the unit already uses one.",
        ),
        Option(
            "keys",
            "list[str]",
            [],
            "Tag keys that hold the classification (exact, case-insensitive); empty: any key "
            "ending in `classification` (`data-classification`, `DataClassification`, "
            "`example-inc:data:classification`).",
        ),
        Option(
            "allowed_values",
            "list[str]",
            [],
            "Classification values allowed (case-insensitive); empty: any value.",
        ),
        Option("exclude_types", "list[str]", [], "Resource types not to judge."),
    )
    docs = Docs(
        what=(
            "Checks that data stores (S3 buckets, DynamoDB tables, RDS, Aurora, DocumentDB, "
            "Neptune, Redshift, OpenSearch, EFS, FSx, ElastiCache, MemoryDB, Kinesis, MSK, "
            "Keyspaces, Timestream, EBS volumes, Backup vaults, Aurora DSQL) carry a "
            "data-classification tag — in consistency mode: once at least one data store "
            "of a module or template carries one, every other must, and the finding states "
            'the adoption ("3 of 4 data stores in this module carry '
            '`data-classification`"). A unit that never adopted a classification tag gets '
            "no finding unless `required` is set. A key matches when it ends in "
            "`classification` (case-insensitive), or is one of the `keys` option. Terraform "
            "tags include the provider's `default_tags` and `aws_dynamodb_tag`; SAM "
            "`Globals` tags apply. RDS instances that belong to a cluster or replicate "
            "another are classified through it and not judged."
        ),
        why=(
            "OPS02-BP01 asks that team members know what data they are responsible for. A "
            "classification on each store tells operators, access reviews and backup and "
            "retention policies how to treat it; a module that classifies some stores but "
            "not others leaves the rest to guesswork."
        ),
        fix=(
            "Tag the data store with the same classification key the other stores use, for "
            'example `tags = { data-classification = "internal" }`, or set it once in the '
            "provider's `default_tags`."
        ),
        unknown=(
            "Tags opslint cannot read (a variable, a `merge()` of module inputs, a tag key "
            "from a parameter) count as possibly classified: never a finding, and the store "
            "is left out of the adoption count's carriers."
        ),
        cautions=(
            "Teams that classify by account or organisational unit rather than by resource: "
            "suppress the rule repository-wide with a reason. Access-log, CloudTrail, "
            "pipeline-artifact and CDK asset buckets are infrastructure rather than business "
            "data: suppress those findings or list their types in `exclude_types`."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_s3_bucket" "orders" {\n  bucket = "orders"\n'
                    '  tags   = { data-classification = "confidential" }\n}\n\n'
                    'resource "aws_s3_bucket" "exports" {\n  bucket = "exports"\n}'
                ),
                passing=(
                    'resource "aws_s3_bucket" "orders" {\n  bucket = "orders"\n'
                    '  tags   = { data-classification = "confidential" }\n}\n\n'
                    'resource "aws_s3_bucket" "exports" {\n  bucket = "exports"\n'
                    '  tags   = { data-classification = "internal" }\n}'
                ),
                given={"main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'},
            ),
            Example(
                "cloudformation",
                failing=(
                    "Orders:\n  Type: AWS::DynamoDB::Table\n  Properties:\n    # ...\n"
                    "    Tags:\n      - Key: DataClassification\n        Value: confidential\n"
                    "Exports:\n  Type: AWS::S3::Bucket"
                ),
                passing=(
                    "Exports:\n  Type: AWS::S3::Bucket\n  Properties:\n    Tags:\n"
                    "      - Key: DataClassification\n        Value: internal"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        excluded = set(ctx.option("exclude_types"))
        keys = {k.lower() for k in ctx.option("keys")}
        allowed = {v.lower() for v in ctx.option("allowed_values")}
        stores = [
            r
            for r in unit.resources
            if r.kind == "resource"
            and r.type in self.resource_types.get(unit.framework, ())
            and r.type not in excluded
            and not any(r.has(p) for p in SKIP_WHEN.get(r.type, ()))
        ]
        if not stores:
            return
        added = _dynamodb_tags(unit) if unit.framework == "terraform" else {}
        tags = {r.name: self._tags(unit, r, added) for r in stores}

        def matches(key: str) -> bool:
            return key.lower() in keys if keys else bool(KEY.search(key))

        def judge(resource: Resource) -> Evidence:
            found = tags[resource.name]
            if found is None:
                return Evidence(resource, None)
            key = next((k for k in found if matches(k)), None)
            return Evidence(resource, key is not None, key or "")

        seen = adoption(unit, stores, judge)
        required = bool(ctx.option("required")) and self._is_root(unit)
        shown = seen.spelling(next(iter(ctx.option("keys")), DEFAULT_KEY))
        for resource in seen.to_report(required):
            where = self._tag_attribute(resource)
            reason = (
                f"while {seen.statement('data stores')}"
                if seen.adopted
                else "and the configuration requires one on every data store"
            )
            yield self.violation(
                resource,
                f"Data store `{resource.name}` has no `{shown}` tag {reason}: tag it with its "
                "data classification",
                where if (where,) in resource.spans else (),
                key="missing",
            )
        if not allowed:
            return
        for evidence in seen.carrying:
            value = (tags[evidence.resource.name] or {}).get(evidence.spelling)
            if isinstance(value, str) and "${" not in value and value.lower() not in allowed:
                yield self.violation(
                    evidence.resource,
                    f"Data store `{evidence.resource.name}` is classified `{value}`, which is not "
                    f"one of {', '.join(f'`{v}`' for v in ctx.option('allowed_values'))}",
                    self._tag_attribute(evidence.resource),
                    key="value",
                )

    @staticmethod
    def _is_root(unit: Unit) -> bool:
        if unit.framework == "cloudformation":
            return True
        settings = unit.settings
        return bool(unit.providers) or (
            settings is not None and (settings.backend is not None or settings.cloud)
        )

    @staticmethod
    def _tag_attribute(resource: Resource) -> str:
        if resource.framework == "terraform":
            return "tags"
        return CLOUDFORMATION_STORES[resource.type].split("/", 1)[0]

    @staticmethod
    def _tags(unit: Unit, resource: Resource, added: dict[str, Tags]) -> Tags:
        if resource.framework == "terraform":
            return _merge(
                tag_map(resource.get("tags")),
                provider_default_tags(unit, resource),
                added.get(resource.name, {}),
            )
        path = CLOUDFORMATION_STORES[resource.type]
        head, _, rest = path.partition("/")
        value = resource.get(head)
        if not rest:
            return tag_map(value)
        if value is ABSENT:
            return {}
        if not isinstance(value, list):
            return None
        return _merge(*(tag_map(lookup(item, "Tags")) for item in as_list(value)))
