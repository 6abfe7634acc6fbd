"""OPS06-BP03/appconfig-gradual-deployment: configuration deployments are gradual and
roll back on alarms."""

from collections.abc import Iterator
from typing import Any

from opslint.coerce import as_number
from opslint.model import ABSENT, Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

NAMES = {
    "terraform": {
        "duration": "deployment_duration_in_minutes",
        "growth": "growth_factor",
        "strategy_id": "deployment_strategy_id",
        "monitors": "monitor",
    },
    "cloudformation": {
        "duration": "DeploymentDurationInMinutes",
        "growth": "GrowthFactor",
        "strategy_id": "DeploymentStrategyId",
        "monitors": "Monitors",
    },
}
STRATEGY = ("aws_appconfig_deployment_strategy", "AWS::AppConfig::DeploymentStrategy")
DEPLOYMENT = ("aws_appconfig_deployment", "AWS::AppConfig::Deployment")
ENVIRONMENT = ("aws_appconfig_environment", "AWS::AppConfig::Environment")
ALL_AT_ONCE = "AppConfig.AllAtOnce"


class AppConfigGradualDeployment(Rule):
    id = "OPS06-BP03/appconfig-gradual-deployment"
    title = "AppConfig deployments are gradual and roll back on alarms"
    severity = Severity.WARNING
    related = ("OPS06-BP04",)
    resource_types = {
        "terraform": (STRATEGY[0], DEPLOYMENT[0], ENVIRONMENT[0]),
        "cloudformation": (STRATEGY[1], DEPLOYMENT[1], ENVIRONMENT[1]),
    }
    docs = Docs(
        what=(
            "Checks AWS AppConfig, whose configuration and feature-flag changes are "
            "deployments too. A deployment strategy must not be all at once (a deployment "
            "duration of 0, or a growth factor of 100 %); a deployment must not use the "
            "predefined `AppConfig.AllAtOnce` strategy; an environment must have at least "
            "one alarm monitor (`monitor { alarm_arn }` / `Monitors`), which AppConfig uses "
            "to roll a deployment back."
        ),
        why=(
            "OPS06-BP03 asks you to employ safe deployment strategies and OPS06-BP04 to roll "
            "back automatically. A bad flag or configuration value reaches every host at "
            "once with an all-at-once strategy, and without a monitor nothing stops it while "
            "it spreads."
        ),
        fix=(
            "Use a linear or exponential strategy with a duration (e.g. the predefined "
            "`AppConfig.Linear20PercentEvery6Minutes`) and attach the service's error alarms "
            "to each environment as monitors."
        ),
        cautions=(
            "Development environments may deploy at once and without monitors on purpose: "
            "suppress the finding with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_appconfig_environment" "prod" {\n  name           = "prod"\n'
                    "  application_id = aws_appconfig_application.app.id\n}"
                ),
                passing=(
                    'resource "aws_appconfig_environment" "prod" {\n  name           = "prod"\n'
                    "  application_id = aws_appconfig_application.app.id\n\n  monitor {\n"
                    "    alarm_arn      = aws_cloudwatch_metric_alarm.errors.arn\n"
                    "    alarm_role_arn = aws_iam_role.appconfig.arn\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Strategy:\n  Type: AWS::AppConfig::DeploymentStrategy\n  Properties:\n"
                    "    Name: fast\n    DeploymentDurationInMinutes: 0\n    GrowthFactor: 100\n"
                    "    ReplicateTo: NONE"
                ),
                passing=(
                    "Strategy:\n  Type: AWS::AppConfig::DeploymentStrategy\n  Properties:\n"
                    "    Name: linear\n    DeploymentDurationInMinutes: 30\n"
                    "    GrowthFactor: 20\n    ReplicateTo: NONE"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        for resource in ctx.each(unit.resources):
            if resource.kind != "resource":
                continue
            names = NAMES.get(unit.framework)
            if names is None:
                continue
            if resource.type in STRATEGY:
                yield from self._strategy(resource, names)
            elif resource.type in DEPLOYMENT:
                yield from self._deployment(resource, names)
            elif resource.type in ENVIRONMENT:
                yield from self._environment(resource, names)

    def _strategy(self, strategy: Resource, names: dict[str, str]) -> Iterator[Violation]:
        def no_duration(v: Any) -> bool | None:
            number = as_number(v)
            return None if number is None else number == 0

        def full_growth(v: Any) -> bool | None:
            number = as_number(v)
            return None if number is None else number >= 100

        if every_alternative(strategy.get(names["duration"]), no_duration):
            yield self.violation(
                strategy,
                f"Deployment strategy `{strategy.name}` deploys all at once: set "
                f"`{names['duration']}` above 0 (e.g. 30) with a growth factor below 100",
                attribute=names["duration"],
            )
        elif every_alternative(strategy.get(names["growth"]), full_growth):
            yield self.violation(
                strategy,
                f"Deployment strategy `{strategy.name}` reaches every target in its first "
                f"step: lower `{names['growth']}` (e.g. 20)",
                attribute=names["growth"],
            )

    def _deployment(self, deployment: Resource, names: dict[str, str]) -> Iterator[Violation]:
        attribute = names["strategy_id"]
        if every_alternative(deployment.get(attribute), lambda v: v == ALL_AT_ONCE):
            yield self.violation(
                deployment,
                f"Configuration deployment `{deployment.name}` uses `{ALL_AT_ONCE}`: use a "
                "linear or exponential strategy",
                attribute=attribute,
            )

    def _environment(self, environment: Resource, names: dict[str, str]) -> Iterator[Violation]:
        attribute = names["monitors"]
        if every_alternative(environment.get(attribute), lambda v: v is ABSENT or v == []):
            yield self.violation(
                environment,
                f"AppConfig environment `{environment.name}` has no alarm monitor, so a bad "
                f"configuration is never rolled back: add `{attribute}` with the service's "
                "error alarms",
                attribute=attribute if environment.has(attribute) else (),
            )
