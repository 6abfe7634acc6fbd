"""ECS service deployment settings, read the same way from Terraform and CloudFormation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opslint.coerce import as_bool
from opslint.model import ABSENT, Resource, alternatives

SERVICE_TYPES = ("aws_ecs_service", "AWS::ECS::Service")

_PATHS = {
    "terraform": {
        "controller": "deployment_controller.type",
        "scheduling": "scheduling_strategy",
        "strategy": "deployment_configuration.strategy",
        "breaker": "deployment_circuit_breaker",
        "alarms": "alarms",
        "enable": "enable",
        "rollback": "rollback",
        "hooks": "deployment_configuration.lifecycle_hook",
    },
    "cloudformation": {
        "controller": "DeploymentController.Type",
        "scheduling": "SchedulingStrategy",
        "strategy": "DeploymentConfiguration.Strategy",
        "breaker": "DeploymentConfiguration.DeploymentCircuitBreaker",
        "alarms": "DeploymentConfiguration.Alarms",
        "enable": "Enable",
        "rollback": "Rollback",
        "hooks": "DeploymentConfiguration.LifecycleHooks",
    },
}


@dataclass(frozen=True)
class ServiceDeployment:
    """Where an ECS service's deployment settings live (attribute paths per framework)."""

    resource: Resource

    def path(self, name: str) -> str:
        return _PATHS[self.resource.framework][name]

    def value(self, name: str) -> Any:
        return self.resource.get(self.path(name))

    def field(self, block: str, name: str) -> str:
        """``deployment_circuit_breaker.rollback`` / ``DeploymentConfiguration.Alarms.Enable``."""
        return f"{self.path(block)}.{self.path(name)}"

    def controller_is(self, *kinds: str) -> bool | None:
        """Whether the deployment controller is one of ``kinds`` (missing means ECS); None
        when it cannot be told."""
        return _one_of(self.value("controller"), "ECS", kinds)

    def is_daemon(self) -> bool | None:
        return _one_of(self.value("scheduling"), "REPLICA", ("DAEMON",))

    def strategy_is(self, *kinds: str) -> bool | None:
        """Whether the native deployment strategy (missing means ROLLING) is one of
        ``kinds``."""
        return _one_of(self.value("strategy"), "ROLLING", kinds)

    def flag(self, block: str, name: str) -> bool | None:
        """A boolean of the circuit breaker or alarms block (missing block: False)."""
        value = self.resource.get(self.field(block, name))
        verdicts: set[bool | None] = set()
        for option in alternatives(value):
            if option is ABSENT:
                verdicts.add(False)
                continue
            verdicts.add(as_bool(option))
        if len(verdicts) != 1:
            return None
        return verdicts.pop()

    def guarded_by(self, block: str) -> bool | None:
        """The circuit breaker or deployment alarms are enabled."""
        return self.flag(block, "enable")

    def rolls_back_with(self, block: str) -> bool | None:
        """The circuit breaker or deployment alarms are enabled and roll back."""
        enabled, rollback = self.flag(block, "enable"), self.flag(block, "rollback")
        if enabled is False or rollback is False:
            return False
        if enabled is None or rollback is None:
            return None
        return True


def _one_of(value: Any, default: str, kinds: tuple[str, ...]) -> bool | None:
    verdicts: set[bool] = set()
    for option in alternatives(value):
        if option is ABSENT:
            option = default
        if not isinstance(option, str):
            return None
        verdicts.add(option.upper() in kinds)
    if len(verdicts) != 1:
        return None
    return verdicts.pop()
