"""Lambda functions that serve deployments rather than the workload: the providers of
CloudFormation custom resources (their ARN is a ``ServiceToken``), the functions of macros,
and the functions Terraform invokes while it plans or applies (``aws_lambda_invocation``, as
a resource or a data source).

They run while a stack or a Terraform run is created, updated or deleted, and a failure
fails that operation visibly, so rules about watching or tracing the workload leave them
out.
"""

from __future__ import annotations

from typing import Any

from opslint.aws.alarms import strings_and_references
from opslint.model import Resource, Unit

FUNCTIONS = ("AWS::Lambda::Function", "AWS::Serverless::Function", "aws_lambda_function")
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
MACRO = "AWS::CloudFormation::Macro"
INVOCATION = "aws_lambda_invocation"
ALIASES = ("AWS::Lambda::Version", "AWS::Lambda::Alias", "aws_lambda_alias")
"""Resources whose ARN stands for a function (a ``ServiceToken`` may name a version or an
alias of the provider function)."""
PLUMBING = (
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Lambda::Permission",
    *ALIASES,
    "AWS::Logs::LogGroup",
    "aws_lambda_permission",
    "aws_cloudwatch_log_group",
)
"""Resources that may refer to a helper function without using it: its role, its
permissions, its versions and aliases, its log group."""


def _addresses(value: Any) -> set[str]:
    """The resources ``value`` refers to (a ``GetAtt``, a ``Ref``, inside a ``Sub``/``If``)."""
    return strings_and_references(value)[1]


def _token_of(user: Resource) -> Any:
    """The value naming the function ``user`` runs: a custom resource's ``ServiceToken``, a
    macro's ``FunctionName``, a Terraform invocation's ``function_name``; None for any other
    resource."""
    if user.framework == "terraform":
        return user.get("function_name") if user.type == INVOCATION else None
    if user.framework != "cloudformation":
        return None
    if user.type.startswith("Custom::") or user.type == CUSTOM_RESOURCE:
        return user.get("ServiceToken")
    if user.type == MACRO:
        return user.get("FunctionName")
    return None


def _runs(user: Resource, function: Resource, unit: Unit) -> bool:
    """``user`` (a custom resource or a macro) runs ``function``: its token refers to the
    function, or to a version or alias of it."""
    token = _token_of(user)
    if token is None:
        return False
    for address in _addresses(token):
        if address == function.name:
            return True
        target = unit.by_name(address)
        if (
            target is not None
            and target.type in ALIASES
            and function.name
            in _addresses(
                target.get("function_name" if target.framework == "terraform" else "FunctionName")
            )
        ):
            return True
    return False


def is_deployment_helper(
    resource: Resource, unit: Unit, seen: frozenset[str] = frozenset()
) -> bool:
    """A function that only serves deployments: it backs a CloudFormation custom resource
    or macro, or Terraform invokes it (``aws_lambda_invocation``), directly, through a
    version or alias of it, or through another such function; nothing else uses it besides
    its role, permissions, versions, aliases and log group; and a SAM function has no event
    source of its own."""
    if resource.type not in FUNCTIONS or resource.name in seen:
        return False
    if resource.type == "AWS::Serverless::Function" and resource.get("Events"):
        return False
    seen = seen | {resource.name}
    users = list(unit.referrers(resource))
    for alias in (u for u in users if u.type in ALIASES):
        users.extend(u for u in unit.referrers(alias) if u not in users)

    def tooling(user: Resource) -> bool:
        return _runs(user, resource, unit) or is_deployment_helper(user, unit, seen)

    return any(tooling(u) for u in users) and all(tooling(u) or u.type in PLUMBING for u in users)


def deployment_helpers(unit: Unit) -> frozenset[str]:
    """Names of the unit's functions that only serve deployments (see
    :func:`is_deployment_helper`)."""
    return frozenset(r.name for r in unit.resources if is_deployment_helper(r, unit))
