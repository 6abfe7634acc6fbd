"""CodeDeploy deployment groups and configurations, read the same way from Terraform and
CloudFormation."""

from __future__ import annotations

from typing import Any

from opslint.model import ABSENT, Reference, Resource, Unit, alternatives

GROUP_TYPES = ("aws_codedeploy_deployment_group", "AWS::CodeDeploy::DeploymentGroup")
CONFIG_TYPES = ("aws_codedeploy_deployment_config", "AWS::CodeDeploy::DeploymentConfig")
APP_TYPES = ("aws_codedeploy_app", "AWS::CodeDeploy::Application")

ALL_AT_ONCE = frozenset(
    {
        "CODEDEPLOYDEFAULT.ALLATONCE",
        "CODEDEPLOYDEFAULT.LAMBDAALLATONCE",
        "CODEDEPLOYDEFAULT.ECSALLATONCE",
    }
)
"""The predefined all-at-once configurations (upper-cased)."""


def _attr(resource: Resource, terraform: str, cloudformation: str) -> Any:
    return resource.get(terraform if resource.framework == "terraform" else cloudformation)


def compute_platform(unit: Unit, group: Resource) -> str | None:
    """``Server``, ``Lambda`` or ``ECS`` for a deployment group, from its ECS service block or
    its application's ``compute_platform``; None when it cannot be told (an application
    outside the unit, an unknown value)."""
    ecs = _attr(group, "ecs_service", "ECSServices")
    if ecs is not ABSENT and ecs != []:
        return "ECS"
    app = _attr(group, "app_name", "ApplicationName")
    target = unit.resolve(app) if isinstance(app, Reference) else None
    if target is None and isinstance(app, str):
        target = next(
            (r for r in unit.by_type(*APP_TYPES) if _attr(r, "name", "ApplicationName") == app),
            None,
        )
    if target is None or target.type not in APP_TYPES:
        return None
    options = {
        option if option is not ABSENT else "Server"
        for option in alternatives(_attr(target, "compute_platform", "ComputePlatform"))
    }
    if len(options) != 1:
        return None
    platform = options.pop()
    if not isinstance(platform, str):
        return None
    return {"server": "Server", "lambda": "Lambda", "ecs": "ECS"}.get(platform.lower())
