"""OPS08-BP02/rds-log-exports: RDS databases export their logs to CloudWatch Logs."""

from typing import Any

from opslint.model import ABSENT, Attr, Resource, Severity, alternatives
from opslint.rule import Context, Docs, Example, Expect, Rule

EXPORTS = Attr(
    terraform="enabled_cloudwatch_logs_exports", cloudformation="EnableCloudwatchLogsExports"
)
ENGINE = Attr(terraform="engine", cloudformation="Engine")
ENGINE_MODE = Attr(terraform="engine_mode", cloudformation="EngineMode")
KIND = {
    "aws_db_instance": "RDS instance",
    "aws_rds_cluster": "RDS cluster",
    "AWS::RDS::DBInstance": "RDS instance",
    "AWS::RDS::DBCluster": "RDS cluster",
}

# Log types worth exporting first, by engine family (the names CloudWatch export accepts).
SUGGESTED = (
    ("aurora-postgresql", '["postgresql"]'),
    ("postgres", '["postgresql"]'),
    ("aurora", '["error", "slowquery"]'),
    ("mysql", '["error", "slowquery"]'),
    ("mariadb", '["error", "slowquery"]'),
    ("sqlserver", '["error", "agent"]'),
    ("oracle", '["alert", "listener"]'),
    ("db2", '["diag.log", "notify.log"]'),
)


def _suggestion(engine: Any) -> str:
    if isinstance(engine, str):
        for prefix, logs in SUGGESTED:
            if engine.lower().startswith(prefix):
                return logs
    return '["error"]'


def _judged(resource: Resource, ctx: Context) -> bool:
    member = resource.get("DBClusterIdentifier")
    if resource.type == "AWS::RDS::DBInstance" and any(
        v is not ABSENT for v in alternatives(member)
    ):
        return False  # an Aurora cluster member: its logs are exported by the cluster
    # Aurora Serverless v1 (or a mode opslint cannot see) is not checked
    return all(
        mode is ABSENT or (isinstance(mode, str) and mode != "serverless")
        for mode in alternatives(resource.get(ENGINE_MODE))
    )


def _exports_nothing(value: Any) -> bool | None:
    return not value if isinstance(value, list) else None


def _details(resource: Resource, ctx: Context) -> dict[str, str]:
    engine = next((e for e in alternatives(resource.get(ENGINE)) if isinstance(e, str)), None)
    return {"kind": KIND[resource.type], "suggestion": _suggestion(engine)}


class RdsLogExports(Rule):
    id = "OPS08-BP02/rds-log-exports"
    title = "RDS instances and clusters export their logs to CloudWatch Logs"
    severity = Severity.WARNING
    checks = (
        Expect(
            tuple(KIND),
            EXPORTS,
            bad=_exports_nothing,
            when=_judged,
            details=_details,
            message="{kind} `{name}` exports no logs to CloudWatch Logs: set `{attribute}` "
            "(e.g. {suggestion})",
            missing_message="{kind} `{name}` exports no logs to CloudWatch Logs: set "
            "`{attribute}` (e.g. {suggestion})",
        ),
    )
    docs = Docs(
        what=(
            "Checks that RDS DB instances and clusters publish at least one log type to "
            "CloudWatch Logs: `enabled_cloudwatch_logs_exports` on `aws_db_instance` and "
            "`aws_rds_cluster`, `EnableCloudwatchLogsExports` on `AWS::RDS::DBInstance` and "
            "`AWS::RDS::DBCluster`. A missing or empty list fails."
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. Database error, slow-query and "
            "audit logs that stay on the instance are rotated away after a few days, cannot "
            "be searched with CloudWatch Logs Insights across instances, and cannot drive "
            "metric filters or alarms."
        ),
        fix=(
            'List the engine\'s log types in the export setting, e.g. `["postgresql"]` for '
            'PostgreSQL, `["error", "slowquery"]` for MySQL/MariaDB/Aurora MySQL, '
            '`["error", "agent"]` for SQL Server, `["alert", "listener"]` for Oracle '
            "(slow-query and general logs also need the matching parameter group settings)."
        ),
        cautions=(
            "Aurora cluster members (`aws_rds_cluster_instance`, and `AWS::RDS::DBInstance` "
            "with `DBClusterIdentifier`) take their log exports from the cluster and are not "
            "checked; the cluster is. Aurora Serverless v1 clusters (`engine_mode = "
            '"serverless"`) publish logs through the parameter group instead and are not '
            "checked. Which log types exist depends on the engine and edition; the rule only "
            "asks for at least one."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n'
                    '  instance_class = "db.t4g.micro"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n'
                    '  instance_class = "db.t4g.micro"\n  # ...\n'
                    '  enabled_cloudwatch_logs_exports = ["postgresql"]\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Database:\n  Type: AWS::RDS::DBInstance\n  Properties:\n"
                    "    Engine: mysql\n    DBInstanceClass: db.t4g.micro"
                ),
                passing=(
                    "Database:\n  Type: AWS::RDS::DBInstance\n  Properties:\n"
                    "    Engine: mysql\n    DBInstanceClass: db.t4g.micro\n"
                    "    EnableCloudwatchLogsExports: [error, slowquery]"
                ),
            ),
        ),
    )
