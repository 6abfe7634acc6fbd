"""OPS08-BP02/load-balancer-access-logs: load balancers write access logs."""

from collections.abc import Iterator
from typing import Any

from opslint.coerce import as_bool
from opslint.model import ABSENT, Choice, Reference, Resource, Severity, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

V2_TYPES = ("aws_lb", "aws_alb", "AWS::ElasticLoadBalancingV2::LoadBalancer")
LISTENERS = ("aws_lb_listener", "aws_alb_listener", "AWS::ElasticLoadBalancingV2::Listener")
ENABLED_KEY = "access_logs.s3.enabled"


def _unsure(value: Any) -> bool:
    return isinstance(value, (Unknown, Reference, Choice))


def _disabled(value: Any) -> bool | None:
    """An `enabled` flag's verdict: True when off, False when on, None when unknown."""
    if _unsure(value):
        return None
    flag = as_bool(value)
    return None if flag is None else not flag


def _v2_attributes_bad(attributes: Any) -> bool | None:
    """One alternative of `LoadBalancerAttributes`: True when access logs stay off."""
    if attributes is ABSENT:
        return True
    if not isinstance(attributes, list):
        return None
    for item in attributes:
        if not isinstance(item, dict) or _unsure(item.get("Key")):
            return None
        if item.get("Key") == ENABLED_KEY:
            verdicts = {_disabled(v) for v in alternatives(item.get("Value", ABSENT))}
            return True if verdicts == {True} else (False if verdicts == {False} else None)
    return True


class LoadBalancerAccessLogs(Rule):
    id = "OPS08-BP02/load-balancer-access-logs"
    title = "Load balancers write access logs"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_lb", "aws_alb", "aws_elb"),
        "cloudformation": (
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "AWS::ElasticLoadBalancing::LoadBalancer",
        ),
    }
    docs = Docs(
        what=(
            "Checks that load balancers write access logs to S3: `access_logs { enabled = "
            "true }` on `aws_lb`/`aws_alb` (`enabled` defaults to false even when a bucket "
            "is set), an `access_logs` block not disabled on `aws_elb` (there `enabled` "
            'defaults to true), the attribute `access_logs.s3.enabled` = `"true"` in '
            "`LoadBalancerAttributes` of `AWS::ElasticLoadBalancingV2::LoadBalancer`, and "
            "`AccessLoggingPolicy.Enabled: true` on `AWS::ElasticLoadBalancing::LoadBalancer`. "
            "Gateway Load Balancers are skipped (they have no access logs); Network Load "
            "Balancers are checked only when the unit gives them a TLS listener."
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. Access logs are the only record of "
            "each request the load balancer handled: client, target, latency and status "
            "code. Without them, errors the load balancer returned itself (502, 503, 504) "
            "cannot be traced to a client or a target."
        ),
        fix=(
            "Point the access logs at an S3 bucket whose policy lets the ELB log delivery "
            "service write, and enable them: `access_logs { bucket = aws_s3_bucket.logs.id, "
            'enabled = true }` in Terraform, `Key: access_logs.s3.enabled, Value: "true"` '
            "plus `access_logs.s3.bucket` in CloudFormation."
        ),
        cautions=(
            "Network Load Balancers write access logs only for TLS listeners, so an NLB is "
            "checked only when a listener in the same unit uses `TLS`; one without a visible "
            "TLS listener is not reported. Gateway Load Balancers (`load_balancer_type = "
            '"gateway"`, `Type: gateway`) have no access logs and are skipped; so is a load '
            "balancer whose type opslint cannot resolve. CloudFormation attribute values "
            'are strings: `"true"`.'
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_lb" "web" {\n  name    = "web"\n  subnets = var.subnets\n\n'
                    "  access_logs {\n    bucket = aws_s3_bucket.logs.id\n  }\n}"
                ),
                passing=(
                    'resource "aws_lb" "web" {\n  name    = "web"\n  subnets = var.subnets\n\n'
                    "  access_logs {\n    bucket  = aws_s3_bucket.logs.id\n"
                    "    enabled = true\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Web:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n  Properties:\n"
                    "    Subnets: !Ref Subnets"
                ),
                passing=(
                    "Web:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n  Properties:\n"
                    "    Subnets: !Ref Subnets\n    LoadBalancerAttributes:\n"
                    '      - Key: access_logs.s3.enabled\n        Value: "true"\n'
                    "      - Key: access_logs.s3.bucket\n        Value: !Ref LogBucket"
                ),
            ),
        ),
    )

    def _in_scope(self, resource: Resource, ctx: Context) -> bool:
        """Whether a v2 load balancer can write access logs (not gateway; NLB only with a
        TLS listener in the unit)."""
        type_key = "load_balancer_type" if resource.framework == "terraform" else "Type"
        kinds = alternatives(resource.get(type_key))
        if any(not isinstance(k, str) and k is not ABSENT for k in kinds):
            return False
        if any(k == "gateway" for k in kinds):
            return False
        if all(k in (ABSENT, "application") for k in kinds):
            return True
        # A Network Load Balancer: in scope when one of its listeners uses TLS.
        arn_key = "load_balancer_arn" if resource.framework == "terraform" else "LoadBalancerArn"
        protocol_key = "protocol" if resource.framework == "terraform" else "Protocol"
        for listener in ctx.unit.referrers(resource):
            if listener.type not in LISTENERS:
                continue
            target = listener.get(arn_key)
            ours = isinstance(target, Reference) and target.address == resource.name
            if ours and every_alternative(listener.get(protocol_key), lambda p: p == "TLS"):
                return True
        return False

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        name = f"Load balancer `{resource.name}`"
        if resource.type == "aws_elb":
            logs = resource.get("access_logs")
            if every_alternative(logs, lambda v: v is ABSENT):
                yield self.violation(
                    resource,
                    f"{name} does not write access logs: add an `access_logs` block with a "
                    "`bucket`",
                    attribute="access_logs",
                )
            elif every_alternative(resource.get("access_logs.enabled"), _disabled):
                yield self.violation(
                    resource,
                    f"{name} disables its access logs: set `access_logs.enabled` to true",
                    attribute="access_logs.enabled",
                )
            return
        if not self._in_scope(resource, ctx):
            return
        logs = resource.get("access_logs")
        if every_alternative(logs, lambda v: v is ABSENT):
            yield self.violation(
                resource,
                f"{name} does not write access logs: add `access_logs` with a `bucket` and "
                "`enabled = true`",
                attribute="access_logs",
            )
            return
        enabled = resource.get("access_logs.enabled")
        if every_alternative(logs, lambda v: isinstance(v, dict)) and every_alternative(
            enabled, lambda v: True if v is ABSENT else _disabled(v)
        ):
            unset = all(v is ABSENT for v in alternatives(enabled))
            yield self.violation(
                resource,
                f"{name} does not write access logs: set `access_logs.enabled = true`"
                + (" (it defaults to false even with a bucket)" if unset else ""),
                attribute="access_logs.enabled",
            )

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        name = f"Load balancer `{resource.name}`"
        if resource.type == "AWS::ElasticLoadBalancing::LoadBalancer":
            policy = resource.get("AccessLoggingPolicy")
            if every_alternative(policy, lambda v: v is ABSENT):
                yield self.violation(
                    resource,
                    f"{name} does not write access logs: add `AccessLoggingPolicy` with "
                    "`Enabled: true` and an `S3BucketName`",
                    attribute="AccessLoggingPolicy",
                )
            elif every_alternative(resource.get("AccessLoggingPolicy.Enabled"), _disabled):
                yield self.violation(
                    resource,
                    f"{name} disables its access logs: set `AccessLoggingPolicy.Enabled` to true",
                    attribute="AccessLoggingPolicy.Enabled",
                )
            return
        if not self._in_scope(resource, ctx):
            return
        if every_alternative(resource.get("LoadBalancerAttributes"), _v2_attributes_bad):
            yield self.violation(
                resource,
                f'{name} does not write access logs: set `{ENABLED_KEY}` to "true" (and '
                "`access_logs.s3.bucket`) in `LoadBalancerAttributes`",
                attribute="LoadBalancerAttributes",
            )
