"""OPS05-BP05/auto-minor-version-upgrade: managed engines apply minor versions automatically."""

from __future__ import annotations

import re

from opslint.coerce import as_bool
from opslint.model import ABSENT, Resource, Severity
from opslint.rule import Docs, Example, Expect, Rule

# type: (attribute path, must be explicitly true)
SETTINGS: dict[str, tuple[str, bool]] = {
    "aws_db_instance": ("auto_minor_version_upgrade", False),
    "aws_rds_cluster_instance": ("auto_minor_version_upgrade", False),
    "aws_rds_cluster": ("auto_minor_version_upgrade", False),
    "aws_elasticache_cluster": ("auto_minor_version_upgrade", False),
    "aws_elasticache_replication_group": ("auto_minor_version_upgrade", False),
    "aws_mq_broker": ("auto_minor_version_upgrade", True),
    "aws_dms_replication_instance": ("auto_minor_version_upgrade", False),
    "aws_redshift_cluster": ("allow_version_upgrade", False),
    "aws_docdb_cluster_instance": ("auto_minor_version_upgrade", False),
    "aws_neptune_cluster_instance": ("auto_minor_version_upgrade", False),
    "aws_memorydb_cluster": ("auto_minor_version_upgrade", False),
    "aws_opensearch_domain": ("software_update_options.auto_software_update_enabled", False),
    "AWS::RDS::DBInstance": ("AutoMinorVersionUpgrade", False),
    "AWS::RDS::DBCluster": ("AutoMinorVersionUpgrade", False),
    "AWS::ElastiCache::CacheCluster": ("AutoMinorVersionUpgrade", False),
    "AWS::ElastiCache::ReplicationGroup": ("AutoMinorVersionUpgrade", False),
    "AWS::AmazonMQ::Broker": ("AutoMinorVersionUpgrade", False),
    "AWS::DMS::ReplicationInstance": ("AutoMinorVersionUpgrade", False),
    "AWS::DocDB::DBInstance": ("AutoMinorVersionUpgrade", False),
    "AWS::Neptune::DBInstance": ("AutoMinorVersionUpgrade", False),
    "AWS::MemoryDB::Cluster": ("AutoMinorVersionUpgrade", False),
    "AWS::Redshift::Cluster": ("AllowVersionUpgrade", False),
    "AWS::OpenSearchService::Domain": ("SoftwareUpdateOptions.AutoSoftwareUpdateEnabled", False),
}

ELASTICACHE = {
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
}
RDS = {"aws_db_instance", "AWS::RDS::DBInstance"}


def _first(resource: Resource, *names: str) -> object:
    for name in names:
        value = resource.get(name)
        if value is not ABSENT:
            return value
    return ABSENT


def _off(value: object) -> bool | None:
    flag = as_bool(value)
    return None if flag is None else not flag


def cannot_upgrade_automatically(resource: Resource) -> bool:
    """Engines that cannot take automatic minor upgrades, so the setting is moot: Memcached,
    Redis before 6, RDS Custom."""
    engine = _first(resource, "engine", "Engine")
    if resource.type in ELASTICACHE:
        if isinstance(engine, str) and engine.lower() == "memcached":
            return True
        version = _first(resource, "engine_version", "EngineVersion")
        if isinstance(version, str) and (
            engine is ABSENT or (isinstance(engine, str) and engine.lower() == "redis")
        ):
            major = re.match(r"\s*(\d+)", version)
            return bool(major and int(major.group(1)) < 6)
    if resource.type in RDS:
        return isinstance(engine, str) and engine.startswith("custom-")
    return False


class AutoMinorVersionUpgrade(Rule):
    id = "OPS05-BP05/auto-minor-version-upgrade"
    title = "Managed database and broker engines apply minor versions automatically"
    severity = Severity.WARNING
    resource_types = {
        "terraform": tuple(t for t in SETTINGS if "::" not in t),
        "cloudformation": tuple(t for t in SETTINGS if "::" in t),
    }
    checks = tuple(
        Expect(
            tuple(t for t, setting in SETTINGS.items() if setting == (attribute, explicit)),
            attribute,
            required=explicit,
            bad=_off,
            when=lambda resource, ctx: not cannot_upgrade_automatically(resource),
            message="`{name}` sets `{attribute}` to {value}, so minor engine versions "
            "(security fixes) are not applied automatically: "
            + ("set it to true" if explicit else "set it to true or remove it"),
            missing_message="`{name}` does not set `{attribute}`, and the provider then turns "
            "automatic minor version upgrades off: set it to true",
        )
        for attribute, explicit in dict.fromkeys(SETTINGS.values())
    )
    docs = Docs(
        what=(
            "Checks that managed engines are allowed to apply minor versions (which carry "
            "security fixes) automatically in their maintenance window: "
            "`auto_minor_version_upgrade` / `AutoMinorVersionUpgrade` on RDS instances and "
            'clusters, ElastiCache clusters and replication groups (a string `"false"` in '
            "Terraform), DMS replication instances, DocumentDB and Neptune instances and "
            "MemoryDB clusters; `allow_version_upgrade` / `AllowVersionUpgrade` on Redshift; "
            "`software_update_options.auto_software_update_enabled` / "
            "`SoftwareUpdateOptions.AutoSoftwareUpdateEnabled` on OpenSearch. Setting it to "
            "false fails. `aws_mq_broker` must set `auto_minor_version_upgrade = true` "
            "explicitly, because the provider sends false when it is omitted."
        ),
        why=(
            "OPS05-BP05 asks you to perform patch management. Minor engine versions fix "
            "security issues and bugs; with automatic minor upgrades the provider applies "
            "them in the maintenance window you chose, instead of leaving each database to "
            "drift until someone remembers it."
        ),
        fix=(
            "Remove the setting (the default is true) or set it to true, and choose a "
            'maintenance window. Pin `engine_version` to major.minor (`"8.0"`), not to a '
            "full patch version, or Terraform will try to downgrade after each automatic "
            "upgrade."
        ),
        cautions=(
            "Engines that cannot upgrade automatically are skipped: ElastiCache Memcached, "
            'Redis before 6, and RDS Custom (`engine = "custom-..."`). If you patch on a '
            "schedule of your own (a tested upgrade pipeline), suppress the finding with a "
            "reason. Values opslint cannot resolve are not reported."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n'
                    '  engine_version = "16"\n  # ...\n'
                    "  auto_minor_version_upgrade = false\n}"
                ),
                passing=(
                    'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n'
                    '  engine_version = "16"\n  # ...\n'
                    "  auto_minor_version_upgrade = true\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Db:\n  Type: AWS::RDS::DBInstance\n  Properties:\n    Engine: postgres\n"
                    "    AutoMinorVersionUpgrade: false"
                ),
                passing=(
                    "Db:\n  Type: AWS::RDS::DBInstance\n  Properties:\n    Engine: postgres\n"
                    "    AutoMinorVersionUpgrade: true"
                ),
            ),
        ),
    )
