"""OPS04-BP03/public-endpoint-ux-monitoring (off by default): public endpoints are watched
from the user's side."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from opslint.coerce import as_bool, as_list
from opslint.model import (
    ABSENT,
    Framework,
    Repository,
    Resource,
    Severity,
    Unit,
    Unknown,
    alternatives,
)
from opslint.repo.examples import ROOT_MODULE, SAM_CONFIG
from opslint.repo.pipelines import deployable_units
from opslint.rule import Docs, Example, Option, RepositoryContext, Rule, Violation

# What watches an endpoint from the user's side: synthetic checks, real-user monitoring,
# internet monitoring, health checks.
AWS_MONITOR_TYPES = (
    "aws_synthetics_canary",
    "aws_rum_app_monitor",
    "aws_internetmonitor_monitor",
    "aws_route53_health_check",
    "AWS::Synthetics::Canary",
    "AWS::RUM::AppMonitor",
    "AWS::InternetMonitor::Monitor",
    "AWS::Route53::HealthCheck",
)
# Synthetic checks of other providers' Terraform resources, when managed in the repository.
THIRD_PARTY_MONITORS = [
    "datadog_synthetics_test",
    "newrelic_synthetics_monitor",
    "newrelic_synthetics_script_monitor",
    "checkly_check",
    "grafana_synthetic_monitoring_check",
    "pingdom_check",
    "uptimerobot_monitor",
    "betteruptime_monitor",
]
# Words in a module call's name or source that suggest it creates such monitoring.
_MODULE_HINTS = frozenset(
    {"canary", "canaries", "synthetic", "synthetics", "rum", "uptime", "healthcheck"}
)


def _verdict(value: Any, public: Callable[[Any], bool | None]) -> bool | None:
    """True when every alternative of ``value`` is public, None when one cannot be told."""
    verdicts = [None if isinstance(o, Unknown) else public(o) for o in alternatives(value)]
    if all(v is True for v in verdicts):
        return True
    return None if any(v is None for v in verdicts) else False


def _not_true(value: Any) -> bool | None:
    """For flags whose true value makes an endpoint private (``internal``)."""
    if value is ABSENT:
        return True
    flag = as_bool(value)
    return None if flag is None else not flag


def _not_one_of(*private: str) -> Callable[[Any], bool | None]:
    def public(value: Any) -> bool | None:
        if value is ABSENT:
            return True
        return value.lower() not in private if isinstance(value, str) else None

    return public


def _types_public(value: Any) -> bool | None:
    """REST API endpoint types: public unless ``PRIVATE``."""
    if value is ABSENT:
        return True
    items = as_list(value) if isinstance(value, (list, str)) else None
    if items is None or not all(isinstance(i, str) for i in items):
        return None
    return "PRIVATE" not in [i.upper() for i in items]


def _both(*checks: bool | None) -> bool | None:
    if any(c is False for c in checks):
        return False
    return None if any(c is None for c in checks) else True


def _endpoint_types(resource: Resource) -> Any:
    if resource.type == "aws_api_gateway_rest_api":
        return resource.get("endpoint_configuration.types")
    config = resource.get("EndpointConfiguration")
    if resource.type == "AWS::Serverless::Api" and isinstance(config, dict):
        return config.get("Type", ABSENT)
    if resource.type == "AWS::Serverless::Api" and isinstance(config, str):
        return config
    return resource.get("EndpointConfiguration.Types")


def is_public(resource: Resource) -> bool | None:
    """Whether ``resource`` is an endpoint users reach over the internet (None: cannot
    tell; False: not an endpoint, or a private one)."""
    t = resource.type
    if t in ("aws_lb", "aws_alb"):
        return _both(
            _verdict(resource.get("internal"), _not_true),
            _verdict(resource.get("load_balancer_type"), _not_one_of("gateway")),
        )
    if t == "aws_elb":
        return _verdict(resource.get("internal"), _not_true)
    if t == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        return _both(
            _verdict(resource.get("Scheme"), _not_one_of("internal")),
            _verdict(resource.get("Type"), _not_one_of("gateway")),
        )
    if t == "AWS::ElasticLoadBalancing::LoadBalancer":
        return _verdict(resource.get("Scheme"), _not_one_of("internal"))
    if t in ("aws_api_gateway_rest_api", "AWS::ApiGateway::RestApi", "AWS::Serverless::Api"):
        return _both(
            _verdict(_endpoint_types(resource), _types_public),
            _verdict(_execute_api_flag(resource), _not_true),
        )
    if t in ("aws_apigatewayv2_api", "AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi"):
        return _verdict(_execute_api_flag(resource), _not_true)
    if t == "aws_cloudfront_distribution":
        return _verdict(resource.get("enabled"), _enabled)
    if t == "AWS::CloudFront::Distribution":
        return _verdict(resource.get("DistributionConfig.Enabled"), _enabled)
    if t in ("aws_lambda_function_url", "AWS::Lambda::Url"):
        return True
    if t == "AWS::Serverless::Function":
        return _implicit_api(resource)
    return False


def _enabled(value: Any) -> bool | None:
    return True if value is ABSENT else as_bool(value)


def _execute_api_flag(resource: Resource) -> Any:
    if resource.framework == "terraform":
        return resource.get("disable_execute_api_endpoint")
    return resource.get("DisableExecuteApiEndpoint")


def _implicit_api(function: Resource) -> bool | None:
    """A SAM function with an `Api` or `HttpApi` event and no API of its own creates a public
    API."""
    events = function.get("Events")
    if not isinstance(events, dict):
        return None if isinstance(events, Unknown) else False
    for event in events.values():
        if not isinstance(event, dict):
            continue
        kind = event.get("Type")
        properties = event.get("Properties")
        own = isinstance(properties, dict) and ("RestApiId" in properties or "ApiId" in properties)
        if kind in ("Api", "HttpApi") and not own:
            return True
    return False


ENDPOINT_TYPES: dict[Framework, tuple[str, ...]] = {
    "terraform": (
        "aws_lb",
        "aws_alb",
        "aws_elb",
        "aws_api_gateway_rest_api",
        "aws_apigatewayv2_api",
        "aws_cloudfront_distribution",
        "aws_lambda_function_url",
    ),
    "cloudformation": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancing::LoadBalancer",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGatewayV2::Api",
        "AWS::CloudFront::Distribution",
        "AWS::Lambda::Url",
        "AWS::Serverless::Api",
        "AWS::Serverless::HttpApi",
        "AWS::Serverless::Function",
    ),
}
_KINDS = {
    "aws_lb": "Load balancer",
    "aws_alb": "Load balancer",
    "aws_elb": "Load balancer",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Load balancer",
    "AWS::ElasticLoadBalancing::LoadBalancer": "Load balancer",
    "aws_cloudfront_distribution": "CloudFront distribution",
    "AWS::CloudFront::Distribution": "CloudFront distribution",
    "aws_lambda_function_url": "Function URL",
    "AWS::Lambda::Url": "Function URL",
    "AWS::Serverless::Function": "The API of function",
}


class PublicEndpointUxMonitoring(Rule):
    id = "OPS04-BP03/public-endpoint-ux-monitoring"
    title = "Public endpoints are watched from the user's side"
    severity = Severity.NOTE
    enabled_by_default = False
    resource_types = ENDPOINT_TYPES
    options = (
        Option(
            "monitor_types",
            "list[str]",
            THIRD_PARTY_MONITORS,
            "Resource types of other tools (Terraform providers) that count as user-experience "
            "monitoring besides the AWS ones.",
        ),
    )
    docs = Docs(
        what=(
            "When a repository deploys an endpoint users reach over the internet (an "
            "internet-facing load balancer, a REST, HTTP or WebSocket API whose "
            "`execute-api` endpoint is on and that is not `PRIVATE`, a CloudFront "
            "distribution, a Lambda function URL, a SAM function with an `Api` event), "
            "checks that the repository also defines something that watches from the "
            "user's side: a CloudWatch Synthetics canary, a CloudWatch RUM app monitor, an "
            "Internet Monitor monitor or a Route 53 health check (or a synthetic check of "
            "another tool, option `monitor_types`). Endpoints of deployed templates, deployed "
            "Terraform root modules and the local modules they call are judged; a library "
            "of reusable modules or templates (nothing in the repository deploys them) is "
            "not. Off by default: synthetic monitoring often lives "
            "in another tool or repository."
        ),
        why=(
            "OPS04-BP03 asks you to implement user experience telemetry. Server-side "
            "metrics say how the service sees itself; a canary or real-user monitoring "
            "tells you that users cannot reach it (DNS, certificates, CDN, a broken page) "
            "before they tell you."
        ),
        fix=(
            "Add a CloudWatch Synthetics canary that calls the endpoint (and an alarm on "
            "its `SuccessPercent`), a RUM app monitor for a web front end, or a Route 53 "
            "health check on the public name."
        ),
        unknown=(
            "A scheme, endpoint type or flag opslint cannot resolve is not known to be "
            "public: no finding. A module call whose name or source mentions a canary, "
            "synthetics, RUM or uptime counts as possible monitoring."
        ),
        cautions=(
            "Synthetic checks in Datadog, Checkly, Grafana or a central monitoring "
            "repository are invisible here: list their resource types in `monitor_types` "
            "when they live in the repository, or leave the rule off."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_lb" "web" {\n  name               = "web"\n'
                    '  load_balancer_type = "application"\n'
                    '  subnets            = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]\n}'
                ),
                passing=(
                    'resource "aws_lb" "web" {\n  name     = "web"\n  internal = true\n'
                    '  subnets  = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]\n}'
                ),
                given={"main.tf": ROOT_MODULE},
            ),
            Example(
                "cloudformation",
                failing=(
                    "Web:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
                    "  Properties:\n    Subnets: [subnet-0a1b2c3d, subnet-4e5f6a7b]"
                ),
                passing=(
                    "Web:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
                    "  Properties:\n    Subnets: [subnet-0a1b2c3d, subnet-4e5f6a7b]\n"
                    "HomePage:\n  Type: AWS::Synthetics::Canary\n  Properties:\n"
                    "    Name: home-page\n    StartCanaryAfterCreation: true\n    # ..."
                ),
                given={"samconfig.toml": SAM_CONFIG},
            ),
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return any(is_public(r) for u in self.judged(repo) for r in self.endpoints(u))

    @staticmethod
    def judged(repo: Repository) -> list[Unit]:
        """Templates, deployed root modules and the local modules of the repository."""
        deployed = deployable_units(repo)
        called = repo.called_modules
        paths = {u.path for u in deployed}
        extra = [u for u in repo.units if u.path in called and u.path not in paths]
        return [*deployed, *extra] if deployed else []

    @staticmethod
    def endpoints(unit: Unit) -> list[Resource]:
        types = ENDPOINT_TYPES.get(unit.framework, ())
        return [r for r in unit.resources if r.kind == "resource" and r.type in types]

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        units = self.judged(repo)
        if not units or self.monitored(repo, set(ctx.option("monitor_types"))) is not False:
            return
        for unit in units:
            for endpoint in self.endpoints(unit):
                if is_public(endpoint) is not True:
                    continue
                kind = _KINDS.get(endpoint.type, "API")
                yield self.violation(
                    endpoint,
                    f"{kind} `{endpoint.name}` is reachable from the internet and nothing "
                    "in this repository watches it from the user's side: add a CloudWatch "
                    "Synthetics canary, a RUM app monitor or a Route 53 health check",
                )

    @staticmethod
    def monitored(repo: Repository, others: set[str]) -> bool | None:
        """Whether the repository defines user-experience monitoring (None: maybe, through
        a module call)."""
        verdict: bool | None = False
        for unit in repo.units:
            for resource in unit.resources:
                if resource.kind == "resource" and (
                    resource.type in AWS_MONITOR_TYPES or resource.type in others
                ):
                    return True
                if resource.kind == "module":
                    label = f"{resource.name} {resource.get('source')}".lower()
                    if _MODULE_HINTS & set(
                        re.split(r"[^a-z0-9]+", label.replace("-check", "check"))
                    ):
                        verdict = None
        return verdict
