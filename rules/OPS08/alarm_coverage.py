"""OPS08-BP01/alarm-coverage: key resources are watched by at least one CloudWatch alarm."""

from collections.abc import Iterator
from dataclasses import dataclass

from opslint.aws import alarms
from opslint.aws.dead_letters import dead_letters
from opslint.aws.deployment_helpers import deployment_helpers
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, Unknown
from opslint.rule import Context, Docs, Example, Rule, Violation


@dataclass(frozen=True)
class KeyType:
    """A key resource type: how CloudWatch names it in alarm dimensions."""

    label: str
    namespaces: tuple[str, ...]
    dimension: str
    metric: str
    """A metric worth alarming on, for the message."""


LAMBDA = KeyType("Lambda function", ("AWS/Lambda",), "FunctionName", "Errors")
QUEUE = KeyType("SQS queue", ("AWS/SQS",), "QueueName", "ApproximateAgeOfOldestMessage")
ALB = KeyType(
    "Load balancer",
    ("AWS/ApplicationELB", "AWS/NetworkELB"),
    "LoadBalancer",
    "UnHealthyHostCount",
)
"""A load balancer whose type opslint cannot tell: a metric both kinds have."""
APPLICATION_LB = KeyType(
    "Application load balancer",
    ALB.namespaces,
    "LoadBalancer",
    "HTTPCode_ELB_5XX_Count or UnHealthyHostCount",
)
NETWORK_LB = KeyType(
    "Network load balancer",
    ALB.namespaces,
    "LoadBalancer",
    "UnHealthyHostCount or TCP_ELB_Reset_Count",
)
DB = KeyType("RDS DB instance", ("AWS/RDS",), "DBInstanceIdentifier", "CPUUtilization")
CLUSTER = KeyType("RDS DB cluster", ("AWS/RDS",), "DBClusterIdentifier", "CPUUtilization")
TABLE = KeyType("DynamoDB table", ("AWS/DynamoDB",), "TableName", "SystemErrors")
MACHINE = KeyType("State machine", ("AWS/States",), "StateMachineArn", "ExecutionsFailed")
REST = KeyType("REST API", ("AWS/ApiGateway",), "ApiName", "5XXError")
HTTP = KeyType("HTTP API", ("AWS/ApiGateway",), "ApiId", "5xx")
WEBSOCKET = KeyType("WebSocket API", ("AWS/ApiGateway",), "ApiId", "IntegrationError")
HTTP_OR_WEBSOCKET = KeyType(
    "HTTP or WebSocket API", ("AWS/ApiGateway",), "ApiId", "5xx (HTTP) or IntegrationError"
)
SERVICE = KeyType(
    "ECS service",
    ("AWS/ECS", "ECS/ContainerInsights"),
    "ServiceName",
    "CPUUtilization or RunningTaskCount",
)

# Resource type → (kind, attributes holding its literal name).
KEY_TYPES: dict[str, tuple[KeyType, tuple[str, ...]]] = {
    "aws_lambda_function": (LAMBDA, ("function_name",)),
    "aws_sqs_queue": (QUEUE, ("name",)),
    "aws_lb": (ALB, ("name",)),
    "aws_alb": (ALB, ("name",)),
    "aws_db_instance": (DB, ("identifier",)),
    "aws_rds_cluster": (CLUSTER, ("cluster_identifier",)),
    "aws_dynamodb_table": (TABLE, ("name",)),
    "aws_sfn_state_machine": (MACHINE, ("name",)),
    "aws_api_gateway_rest_api": (REST, ("name",)),
    "aws_apigatewayv2_api": (HTTP, ()),
    "aws_ecs_service": (SERVICE, ("name",)),
    "AWS::Lambda::Function": (LAMBDA, ("FunctionName",)),
    "AWS::Serverless::Function": (LAMBDA, ("FunctionName",)),
    "AWS::SQS::Queue": (QUEUE, ("QueueName",)),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (ALB, ("Name",)),
    "AWS::RDS::DBInstance": (DB, ("DBInstanceIdentifier",)),
    "AWS::RDS::DBCluster": (CLUSTER, ("DBClusterIdentifier",)),
    "AWS::DynamoDB::Table": (TABLE, ("TableName",)),
    "AWS::Serverless::SimpleTable": (TABLE, ("TableName",)),
    "AWS::StepFunctions::StateMachine": (MACHINE, ("StateMachineName",)),
    "AWS::Serverless::StateMachine": (MACHINE, ("Name",)),
    "AWS::ApiGateway::RestApi": (REST, ("Name",)),
    "AWS::Serverless::Api": (REST, ("Name",)),
    "AWS::ApiGatewayV2::Api": (HTTP, ()),
    "AWS::Serverless::HttpApi": (HTTP, ()),
    "AWS::ECS::Service": (SERVICE, ("ServiceName",)),
}


def key_type(resource: Resource) -> KeyType:
    """The resource's key type, with advice that fits its kind: a network load balancer has
    no HTTP codes, a WebSocket API no 5xx count."""
    kind = KEY_TYPES[resource.type][0]
    if kind is ALB:
        attribute = "load_balancer_type" if resource.framework == "terraform" else "Type"
        lb_type = resource.get(attribute)
        if lb_type is ABSENT or lb_type == "application":
            return APPLICATION_LB
        return NETWORK_LB if lb_type == "network" else ALB
    if kind is HTTP:
        attribute = "protocol_type" if resource.framework == "terraform" else "ProtocolType"
        protocol = resource.get(attribute)
        if protocol == "WEBSOCKET":
            return WEBSOCKET
        if protocol == "HTTP" or resource.type == "AWS::Serverless::HttpApi":
            return HTTP
        return HTTP_OR_WEBSOCKET
    return kind


ALARM_RESOURCE = {
    "terraform": "an `aws_cloudwatch_metric_alarm`",
    "cloudformation": "an `AWS::CloudWatch::Alarm`",
}


def in_scope(resource: Resource, unit: Unit, skip: set[str]) -> bool:
    if resource.kind != "resource" or resource.type not in KEY_TYPES:
        return False
    if resource.name in skip:  # dead-letter queues, custom resource handlers
        return False
    if resource.type in ("aws_lb", "aws_alb"):
        return bool(resource.get("load_balancer_type") != "gateway")
    if resource.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        return bool(resource.get("Type") != "gateway")
    if resource.type == "AWS::RDS::DBInstance":  # Aurora members: the cluster is watched
        return resource.get("DBClusterIdentifier") is ABSENT
    return True


@dataclass
class Coverage:
    """What the unit's alarms watch: referenced addresses, literal dimension values per
    (namespace, dimension), and namespaces (or everything) they may watch unseen."""

    addresses: set[str]
    literals: dict[tuple[str, str], set[str]]
    namespaces: set[str]
    everything: bool = False

    def covers(self, resource: Resource, kind: KeyType, names: tuple[str, ...]) -> bool:
        if self.everything or resource.name in self.addresses:
            return True
        if any(ns in self.namespaces for ns in kind.namespaces):
            return True
        literal_names = [v for a in names if isinstance(v := resource.get(a), str) and v]
        for ns in (*kind.namespaces, "*"):
            values = self.literals.get((ns, kind.dimension), set())
            if values and not literal_names:
                return True  # a literal may be the name we cannot see (API title, parameter)
            for value in values:
                segments = value.replace(":", "/").split("/")
                if any(n == value or n in segments for n in literal_names):
                    return True
        return False


def coverage(unit: Unit) -> Coverage:
    result = Coverage(set(), {}, set())
    for alarm in alarms.alarms(unit):
        if alarms.is_composite(alarm):
            continue
        if alarm.get_meta("for_each") is not ABSENT or alarm.get_meta("count") is not ABSENT:
            result.addresses.update(alarm.references)
        for watched in alarms.watched_metrics(alarm):
            namespace = watched.namespace
            dimensions = watched.dimensions
            if not isinstance(namespace, str):
                if isinstance(dimensions, dict):
                    _collect(dimensions, None, result)
                else:
                    result.everything = True
                continue
            if not isinstance(dimensions, dict):
                result.namespaces.add(namespace)
                continue
            if not dimensions:  # namespace-wide aggregate metric
                result.namespaces.add(namespace)
                continue
            _collect(dimensions, namespace, result)
    # Module calls and nested stacks that receive a resource may alarm on it unseen.
    for resource in unit.resources:
        if resource.kind == "module" or resource.type in alarms.NESTED_TYPES:
            result.addresses.update(resource.references)
    return result


def _collect(dimensions: dict[str, object], namespace: str | None, result: Coverage) -> None:
    for name, value in dimensions.items():
        strings, addresses, opaque = alarms.strings_and_references(value)
        result.addresses |= addresses
        if namespace is None:
            namespace = "*"
        elif opaque or (isinstance(value, Unknown) and not value.references):
            result.namespaces.add(namespace)
        if not isinstance(value, (Reference, Unknown)):
            result.literals.setdefault((namespace, name), set()).update(strings)


class AlarmCoverage(Rule):
    id = "OPS08-BP01/alarm-coverage"
    title = "Key resources are watched by at least one CloudWatch alarm"
    severity = Severity.WARNING
    resource_types = {
        "terraform": tuple(t for t in KEY_TYPES if "::" not in t),
        "cloudformation": tuple(t for t in KEY_TYPES if "::" in t),
    }
    docs = Docs(
        what=(
            "Checks that every key resource of a Terraform module or CloudFormation template is "
            "named in the dimensions of at least one CloudWatch metric alarm of the same "
            "module or template: Lambda functions (`FunctionName`), SQS queues (`QueueName`; "
            "dead-letter queues are left to OPS08-BP04/dlq-alarm), application and network "
            "load balancers (`LoadBalancer`), RDS instances and clusters "
            "(`DBInstanceIdentifier`, `DBClusterIdentifier`; Aurora members are covered by "
            "their cluster), DynamoDB tables (`TableName`), Step Functions state machines "
            "(`StateMachineArn`), REST APIs (`ApiName`), HTTP/WebSocket APIs (`ApiId`) and ECS "
            "services (`ServiceName`), including their SAM forms. A dimension counts when its "
            "value references the resource (`aws_lambda_function.api.function_name`, "
            "`!Ref Fn`, `!GetAtt Queue.QueueName`) or is a literal equal to the resource's "
            "literal name (or an ARN or path ending in it). Both the alarm's own dimensions and "
            "those of `metric_query` / `Metrics` entries are read. When the resource's name is "
            "not a literal (generated, or from a parameter), any literal value of that "
            "dimension may be its name, so it is not reported.\n\n"
            "A template or module (each instance of a called module on its own) that has no "
            "alarm at all gets one finding listing its unwatched key resources, on the first "
            "of them, instead of one per resource; a template or module with alarms gets one "
            "finding per key resource they miss. The advice names metrics that exist for the "
            "resource's kind: `UnHealthyHostCount` or `TCP_ELB_Reset_Count` for a network "
            "load balancer, `HTTPCode_ELB_5XX_Count` or `UnHealthyHostCount` for an "
            "application load balancer (`UnHealthyHostCount` when the type is unknown), "
            "`IntegrationError` for a WebSocket API, `5xx` for an HTTP API."
        ),
        why=(
            "OPS08-BP01 asks you to analyse workload metrics. A function, queue or database "
            "that no alarm watches can fail silently: errors, throttles and backlogs are "
            "recorded as metrics, but nobody is told."
        ),
        fix=(
            "Add an alarm on the resource's key metric (Lambda `Errors`, SQS "
            "`ApproximateAgeOfOldestMessage`, application load balancer "
            "`HTTPCode_ELB_5XX_Count`, network load balancer `UnHealthyHostCount`, RDS CPU, "
            "state machine `ExecutionsFailed`, REST/HTTP API 5xx, WebSocket API "
            "`IntegrationError`) with a dimension that references the resource."
        ),
        unknown=(
            "An alarm whose namespace or dimensions opslint cannot resolve (a variable, a "
            "module output, `for_each` values, a SEARCH or Metrics Insights query) may watch "
            "any resource of its namespace, so none of that namespace is reported. A resource "
            "passed to a module call or nested stack may be alarmed on there and is not "
            "reported either. An alarm on a namespace-wide metric (no dimensions, such as the "
            "account-level Lambda `Errors`) counts as covering every resource of the namespace."
        ),
        cautions=(
            "Lambda functions that only back CloudFormation custom resources (`ServiceToken`) "
            "or macros, or that only Terraform invokes (`aws_lambda_invocation`), are skipped: "
            "they run during deployments, whose failures are visible anyway. "
            "Alarms kept in a central monitoring repository or stack are invisible here: "
            "suppress the finding (or the rule for that path) with a reason. Target groups are "
            "not in scope; an alarm on `TargetGroup` usually carries `LoadBalancer` too. Gateway "
            "load balancers are skipped."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_lambda_function" "api" {\n  function_name = "api"\n  # ...\n}'
                ),
                passing=(
                    'resource "aws_lambda_function" "api" {\n'
                    '  function_name = "api"\n  # ...\n}\n\n'
                    'resource "aws_cloudwatch_metric_alarm" "api_errors" {\n'
                    '  alarm_name  = "api-errors"\n'
                    '  namespace   = "AWS/Lambda"\n'
                    '  metric_name = "Errors"\n'
                    "  dimensions = {\n"
                    "    FunctionName = aws_lambda_function.api.function_name\n  }\n"
                    "  # ... statistic, period, threshold, alarm_actions\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing="Queue:\n  Type: AWS::SQS::Queue",
                passing=(
                    "Queue:\n  Type: AWS::SQS::Queue\n"
                    "QueueAgeAlarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    Namespace: AWS/SQS\n    MetricName: ApproximateAgeOfOldestMessage\n"
                    "    Dimensions:\n      - Name: QueueName\n"
                    "        Value: !GetAtt Queue.QueueName\n    # ..."
                ),
            ),
            Example(
                "sam",
                failing="Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...",
                passing=(
                    "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...\n"
                    "ApiErrors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    Namespace: AWS/Lambda\n    MetricName: Errors\n"
                    "    Dimensions:\n      - Name: FunctionName\n        Value: !Ref Api\n"
                    "    # ..."
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        skip = set(dead_letters(unit).senders) | deployment_helpers(unit)
        keys = [r for r in unit.resources if in_scope(r, unit, skip)]
        if not keys:
            return
        seen = coverage(unit)
        unwatched: dict[str, list[Resource]] = {}  # per template or module instance
        for resource in ctx.each(keys):
            kind, names = KEY_TYPES[resource.type]
            if not seen.covers(resource, kind, names):
                unwatched.setdefault(resource.module, []).append(resource)
        without_alarms = not alarms.alarms(unit)
        for resources in unwatched.values():
            if without_alarms and len(resources) > 1:
                yield self._none_watched(unit, resources)
                continue
            for resource in resources:
                kind = key_type(resource)
                yield self.violation(
                    resource,
                    f"{kind.label} `{resource.name}` is watched by no CloudWatch alarm: add "
                    f"{ALARM_RESOURCE[unit.framework]} on its {kind.metric} metric with "
                    f"dimension `{kind.dimension}` referencing it",
                )

    def _none_watched(self, unit: Unit, resources: list[Resource]) -> Violation:
        """One finding for a template or module with no alarm at all, listing its key
        resources, on the first of them."""
        where = "template" if unit.framework == "cloudformation" else "module"
        by_kind: dict[KeyType, list[str]] = {}
        for resource in resources:
            by_kind.setdefault(key_type(resource), []).append(f"`{resource.name}`")
        listed = "; ".join(
            f"{_plural(kind.label, len(names))} {', '.join(names)}"
            for kind, names in by_kind.items()
        )
        metrics = "; ".join(
            f"{kind.metric} for {_mid_sentence(_plural(kind.label, 2))}" for kind in by_kind
        )
        message = (
            f"{len(resources)} key resources are watched by no CloudWatch alarm (this {where} "
            f"has none): {listed}. Add {ALARM_RESOURCE[unit.framework]} on each one's key "
            f"metric with its name in the dimensions ({metrics})"
        )
        return self.violation(resources[0], message, key="no-alarm")


def _mid_sentence(label: str) -> str:
    """``State machines`` → ``state machines``; names (``Lambda``, ``DynamoDB``) stay."""
    first = label.split(" ", 1)[0]
    if first[1:].islower() and first != "Lambda":
        return label[0].lower() + label[1:]
    return label


def _plural(label: str, count: int) -> str:
    if count == 1:
        return label
    return label[:-1] + "es" if label.endswith("s") else label + "s"
