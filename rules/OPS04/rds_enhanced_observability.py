"""OPS04-BP04/rds-enhanced-observability: RDS and Aurora database instances collect OS
metrics or per-query performance data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opslint.model import ABSENT, Reference, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Option, Rule, Violation, as_bool, as_number

# framework: (monitoring interval, performance insights, database insights mode)
INSTANCE_FIELDS = {
    "aws_db_instance": (
        "monitoring_interval",
        "performance_insights_enabled",
        "database_insights_mode",
    ),
    "aws_rds_cluster_instance": ("monitoring_interval", "performance_insights_enabled", ""),
    "AWS::RDS::DBInstance": (
        "MonitoringInterval",
        "EnablePerformanceInsights",
        "DatabaseInsightsMode",
    ),
}
CLUSTER_FIELDS = {
    "aws_rds_cluster": (
        "monitoring_interval",
        "performance_insights_enabled",
        "database_insights_mode",
    ),
    "AWS::RDS::DBCluster": (
        "MonitoringInterval",
        "PerformanceInsightsEnabled",
        "DatabaseInsightsMode",
    ),
}
CLUSTER_LINK = {
    "aws_rds_cluster_instance": "cluster_identifier",
    "AWS::RDS::DBInstance": "DBClusterIdentifier",
}
REPLICA_LINK = {
    "aws_db_instance": "replicate_source_db",
    "AWS::RDS::DBInstance": "SourceDBInstanceIdentifier",
}
ENGINE = {
    "aws_db_instance": "engine",
    "aws_rds_cluster_instance": "engine",
    "AWS::RDS::DBInstance": "Engine",
}


def _on(resource: Resource, fields: tuple[str, str, str]) -> bool | None:
    """True when a setting turns extra telemetry on, None when one cannot be read."""
    interval, insights, mode = fields
    verdict: bool | None = False
    checks: list[tuple[Any, Any]] = [
        (
            resource.get(interval),
            lambda v: (as_number(v) or 0) > 0 if as_number(v) is not None else None,
        ),
        (resource.get(insights), lambda v: as_bool(v)),
    ]
    if mode:
        checks.append(
            (resource.get(mode), lambda v: v.lower() == "advanced" if isinstance(v, str) else None)
        )
    for value, judge in checks:
        for option in alternatives(value):
            if option is ABSENT:
                continue
            if isinstance(option, (Unknown, Reference)):
                verdict = None
                continue
            result = judge(option)
            if result is True:
                return True
            if result is None:
                verdict = None
    return verdict


def _cluster(unit: Unit, resource: Resource) -> Resource | Unknown | None:
    link = CLUSTER_LINK.get(resource.type)
    if link is None:
        return None
    value = resource.get(link)
    if value is ABSENT:
        return None
    if isinstance(value, Reference):
        return unit.resolve(value) or Unknown("cluster")
    if isinstance(value, Unknown) and value.references:
        found = [unit.resolve(a) for a in value.references]
        clusters = [c for c in found if c is not None and c.type in CLUSTER_FIELDS]
        return clusters[0] if clusters else Unknown("cluster")
    return Unknown("cluster")


class RdsEnhancedObservability(Rule):
    id = "OPS04-BP04/rds-enhanced-observability"
    title = "RDS and Aurora instances collect OS metrics or per-query performance data"
    severity = Severity.NOTE
    related = ("OPS08-BP01",)
    resource_types = {
        "terraform": ("aws_db_instance", "aws_rds_cluster_instance"),
        "cloudformation": ("AWS::RDS::DBInstance",),
    }
    options = (Option("skip_replicas", "bool", True, "Do not judge read replicas."),)
    docs = Docs(
        what=(
            "Checks that each RDS DB instance and Aurora cluster instance turns on at least "
            "one of Enhanced Monitoring (`monitoring_interval` / `MonitoringInterval` above "
            "0), Performance Insights (`performance_insights_enabled` / "
            "`EnablePerformanceInsights`) or Database Insights advanced mode "
            "(`database_insights_mode` / `DatabaseInsightsMode` = `advanced`), on the "
            "instance or on the cluster it belongs to. RDS Custom engines (`custom-*`) and, "
            "with `skip_replicas`, read replicas are not judged."
        ),
        why=(
            "OPS04-BP04 asks you to implement dependency telemetry. Database Insights "
            "Standard mode is on by default and gives engine-level metrics; these settings "
            "add what explains a slow database: operating-system metrics at up to one-second "
            "granularity (Enhanced Monitoring) and load by query, wait event and host "
            "(Performance Insights, Database Insights advanced)."
        ),
        fix=(
            "Set `performance_insights_enabled = true` (the free 7-day retention is enough "
            "to start), or `monitoring_interval = 60` with a `monitoring_role_arn`."
        ),
        cautions=(
            "Databases watched by a third-party database monitor: suppress the finding with "
            "a reason. Advanced mode needs Performance Insights with 465-day retention."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_db_instance" "orders" {\n  engine         = "postgres"\n'
                    '  instance_class = "db.t4g.medium"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_db_instance" "orders" {\n  engine         = "postgres"\n'
                    '  instance_class = "db.t4g.medium"\n'
                    "  performance_insights_enabled = true\n  # ...\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Orders:\n  Type: AWS::RDS::DBInstance\n  Properties:\n"
                    "    Engine: postgres\n    # ..."
                ),
                passing=(
                    "Orders:\n  Type: AWS::RDS::DBInstance\n  Properties:\n"
                    "    Engine: postgres\n    EnablePerformanceInsights: true\n    # ..."
                ),
            ),
        ),
    )

    def _check(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        engine = resource.get(ENGINE[resource.type])
        if isinstance(engine, str) and engine.startswith("custom-"):
            return
        replica = REPLICA_LINK.get(resource.type)
        if replica and ctx.option("skip_replicas") and resource.get(replica) is not ABSENT:
            return
        own = _on(resource, INSTANCE_FIELDS[resource.type])
        if own is not False:
            return
        cluster = _cluster(ctx.unit, resource)
        if isinstance(cluster, Unknown):
            return
        if cluster is not None and (
            cluster.type not in CLUSTER_FIELDS
            or _on(cluster, CLUSTER_FIELDS[cluster.type]) is not False
        ):
            return
        yield self.violation(
            resource,
            f"Database `{resource.name}` has only the default Database Insights Standard "
            "metrics, without OS metrics or per-query load: turn on Performance Insights, "
            "Enhanced Monitoring (a monitoring interval) or Database Insights advanced mode",
        )

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)
