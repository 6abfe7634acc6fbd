"""OPS06-BP03/ecs-deployment-strategy: ECS services deploy with a safe strategy."""

from collections.abc import Iterator

from opslint.aws.ecs import ServiceDeployment
from opslint.model import Resource, Severity
from opslint.rule import Context, Docs, Example, Rule, Violation

GRADUAL = ("BLUE_GREEN", "LINEAR", "CANARY")
FIX = {
    "terraform": (
        "guard the rolling update with `deployment_circuit_breaker { enable = true, ... }` or "
        "deployment `alarms`, or deploy blue/green (`deployment_controller { type = "
        '"CODE_DEPLOY" }`, or `deployment_configuration { strategy = "BLUE_GREEN" }` with '
        "provider 6)"
    ),
    "cloudformation": (
        "guard the rolling update with `DeploymentConfiguration.DeploymentCircuitBreaker` or "
        "`Alarms` enabled, or set `DeploymentConfiguration.Strategy` to BLUE_GREEN, LINEAR or "
        "CANARY (or use the CODE_DEPLOY controller)"
    ),
}


class EcsDeploymentStrategy(Rule):
    id = "OPS06-BP03/ecs-deployment-strategy"
    title = "ECS services deploy with a safe strategy"
    severity = Severity.WARNING
    resource_types = {"terraform": ("aws_ecs_service",), "cloudformation": ("AWS::ECS::Service",)}
    docs = Docs(
        what=(
            "Checks that each ECS service deploys in a way that limits the impact of a bad "
            "release: a native blue/green, linear or canary strategy "
            "(`DeploymentConfiguration.Strategy`; Terraform `deployment_configuration "
            "{ strategy }`, which exists from AWS provider 6 on and is read when present), "
            'the CodeDeploy controller (`deployment_controller { type = "CODE_DEPLOY" }` / '
            "`DeploymentController.Type: CODE_DEPLOY`, whose deployment group the CodeDeploy "
            "rules check), or a rolling update guarded by the deployment circuit breaker or "
            "deployment alarms. A plain rolling update with neither is reported."
        ),
        why=(
            "OPS06-BP03 asks you to employ safe deployment strategies. A rolling update with "
            "no health gate replaces every task with the new version whether or not it works; "
            "a circuit breaker or alarms stop it, and blue/green, linear or canary shifts "
            "keep the old version serving until the new one has proved itself."
        ),
        fix=(
            "Enable the deployment circuit breaker (and deployment alarms), or move the "
            "service to a blue/green, linear or canary deployment."
        ),
        cautions=(
            "Services with an `EXTERNAL` deployment controller and `DAEMON` services are "
            "skipped. Terraform fixtures cannot show `deployment_configuration { strategy }` "
            "(not in provider 5.100.0), but the rule reads it."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_ecs_service" "api" {\n  name = "api"\n  # ...\n}',
                passing=(
                    'resource "aws_ecs_service" "api" {\n  name = "api"\n  # ...\n'
                    "  deployment_circuit_breaker {\n    enable   = true\n"
                    "    rollback = true\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing="Api:\n  Type: AWS::ECS::Service\n  Properties:\n    # ...",
                passing=(
                    "Api:\n  Type: AWS::ECS::Service\n  Properties:\n    # ...\n"
                    "    DeploymentConfiguration:\n      Strategy: CANARY\n"
                    "      CanaryConfiguration:\n        CanaryPercent: 10\n"
                    "        CanaryBakeTimeInMinutes: 10"
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        service = ServiceDeployment(resource)
        if service.controller_is("ECS") is not True or service.is_daemon() is not False:
            return  # CODE_DEPLOY / EXTERNAL / unknown controller, or a daemon service
        if service.strategy_is(*GRADUAL) is not False:
            return
        if service.guarded_by("breaker") is not False or service.guarded_by("alarms") is not False:
            return
        attribute = ""
        for block in ("breaker", "alarms"):
            if resource.has(service.field(block, "enable")):
                attribute = service.field(block, "enable")
                break
        yield self.violation(
            resource,
            f"ECS service `{resource.name}` replaces all tasks with a plain rolling update: "
            + FIX[resource.framework],
            attribute=attribute,
        )
