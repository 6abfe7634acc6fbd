"""OPS06-BP03/codedeploy-gradual-config: CodeDeploy does not deploy all at once."""

from collections.abc import Iterator
from typing import Any

from opslint.aws.codedeploy import ALL_AT_ONCE, CONFIG_TYPES, GROUP_TYPES, compute_platform
from opslint.coerce import as_number
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

NAMES = {
    "terraform": {
        "config_name": "deployment_config_name",
        "platform": "compute_platform",
        "min_hosts": "minimum_healthy_hosts.value",
        "routing": "traffic_routing_config.type",
        "routing_block": "traffic_routing_config",
    },
    "cloudformation": {
        "config_name": "DeploymentConfigName",
        "platform": "ComputePlatform",
        "min_hosts": "MinimumHealthyHosts.Value",
        "routing": "TrafficRoutingConfig.Type",
        "routing_block": "TrafficRoutingConfig",
    },
}


class CodeDeployGradualConfig(Rule):
    id = "OPS06-BP03/codedeploy-gradual-config"
    title = "CodeDeploy deployments are not all at once"
    severity = Severity.WARNING
    resource_types = {
        "terraform": (GROUP_TYPES[0], CONFIG_TYPES[0]),
        "cloudformation": (GROUP_TYPES[1], CONFIG_TYPES[1]),
    }
    docs = Docs(
        what=(
            "Checks CodeDeploy deployment groups and custom deployment configurations. A "
            "group must not use a predefined all-at-once configuration "
            "(`CodeDeployDefault.AllAtOnce`, `CodeDeployDefault.LambdaAllAtOnce`, "
            "`CodeDeployDefault.ECSAllAtOnce`), and a Lambda or ECS group (known from its "
            "`ecs_service` block or its application's compute platform) must name its "
            "configuration, since it otherwise shifts all traffic at once; EC2/on-premises "
            "groups default to `CodeDeployDefault.OneAtATime`. A custom configuration must "
            "not keep 0 healthy hosts (`minimum_healthy_hosts` / `MinimumHealthyHosts`) or "
            "route traffic `AllAtOnce` (`traffic_routing_config` / `TrafficRoutingConfig`, "
            "which is all at once when missing on a Lambda or ECS configuration)."
        ),
        why=(
            "OPS06-BP03 asks you to employ safe deployment strategies. An all-at-once "
            "deployment exposes every host or all traffic to a bad release at the same "
            "moment; one-at-a-time, canary or linear configurations limit the blast radius "
            "and give alarms time to stop the deployment."
        ),
        fix=(
            "Use `CodeDeployDefault.OneAtATime` / `HalfAtATime` for EC2, a "
            "`CodeDeployDefault.LambdaCanary10Percent5Minutes`-style or `ECSLinear...` "
            "configuration for Lambda and ECS, or a custom configuration with healthy hosts "
            "to spare or time-based canary/linear routing."
        ),
        cautions=(
            "Groups of a single host or test environments deploy all at once on purpose: "
            "suppress the finding with a reason. Groups whose application is defined "
            "elsewhere are only judged on an explicit configuration name."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_codedeploy_deployment_group" "api" {\n'
                    "  # ...\n"
                    '  deployment_config_name = "CodeDeployDefault.LambdaAllAtOnce"\n}'
                ),
                passing=(
                    'resource "aws_codedeploy_deployment_group" "api" {\n'
                    "  # ...\n"
                    '  deployment_config_name = "CodeDeployDefault.LambdaCanary10Percent5Minutes"'
                    "\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Group:\n  Type: AWS::CodeDeploy::DeploymentGroup\n  Properties:\n"
                    "    # ...\n    DeploymentConfigName: CodeDeployDefault.AllAtOnce"
                ),
                passing=(
                    "Group:\n  Type: AWS::CodeDeploy::DeploymentGroup\n  Properties:\n"
                    "    # ...\n    DeploymentConfigName: CodeDeployDefault.HalfAtATime"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        for resource in ctx.each(unit.resources):
            if resource.kind != "resource":
                continue
            if resource.type in GROUP_TYPES:
                yield from self._group(unit, resource)
            elif resource.type in CONFIG_TYPES:
                yield from self._config(resource)

    def _group(self, unit: Unit, group: Resource) -> Iterator[Violation]:
        attribute = NAMES[group.framework]["config_name"]
        value = group.get(attribute)
        if value is ABSENT:
            platform = compute_platform(unit, group)
            if platform in ("Lambda", "ECS"):
                yield self.violation(
                    group,
                    f"{platform} deployment group `{group.name}` names no deployment "
                    f"configuration, so CodeDeploy shifts all traffic at once: set "
                    f"`{attribute}` to a canary or linear configuration",
                )
            return
        if isinstance(value, Reference):
            return  # a custom configuration, checked on its own

        def all_at_once(v: Any) -> bool | None:
            if not isinstance(v, str):
                return None
            return v.upper() in ALL_AT_ONCE

        if every_alternative(value, all_at_once):
            shown = " / ".join(str(v) for v in alternatives(value))
            yield self.violation(
                group,
                f"Deployment group `{group.name}` deploys all at once ({shown}): use a "
                "one-at-a-time, half-at-a-time, canary or linear configuration",
                attribute=attribute,
            )

    def _config(self, config: Resource) -> Iterator[Violation]:
        names = NAMES[config.framework]
        platforms = {
            "Server" if v is ABSENT else v for v in alternatives(config.get(names["platform"]))
        }
        if len(platforms) != 1:
            return
        platform = platforms.pop()
        if not isinstance(platform, str):
            return
        if platform.lower() == "server":
            hosts = config.get(names["min_hosts"])
            if hosts is not ABSENT and every_alternative(
                hosts, lambda v: None if as_number(v) is None else as_number(v) == 0
            ):
                yield self.violation(
                    config,
                    f"Deployment configuration `{config.name}` keeps no host healthy, so it "
                    "deploys to every instance at once: require a minimum of healthy hosts",
                    attribute=names["min_hosts"],
                )
            return
        routing = config.get(names["routing"])

        def all_at_once(v: Any) -> bool | None:
            if v is ABSENT:
                return True
            return None if not isinstance(v, str) else v.lower() == "allatonce"

        if every_alternative(routing, all_at_once):
            written = config.has(names["routing_block"])
            yield self.violation(
                config,
                f"{platform} deployment configuration `{config.name}` shifts all traffic at "
                f"once: set `{names['routing']}` to TimeBasedCanary or TimeBasedLinear",
                attribute=names["routing"] if written else (),
            )
