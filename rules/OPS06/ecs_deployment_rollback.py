"""OPS06-BP04/ecs-deployment-rollback: ECS deployments roll back automatically."""

from collections.abc import Iterator

from opslint.aws.ecs import ServiceDeployment
from opslint.model import Resource, Severity
from opslint.rule import Context, Docs, Example, Rule, Violation

FIX = {
    "terraform": (
        "add `deployment_circuit_breaker { enable = true, rollback = true }` or "
        "`alarms { alarm_names = [...], enable = true, rollback = true }`"
    ),
    "cloudformation": (
        "set `DeploymentConfiguration.DeploymentCircuitBreaker` (or `Alarms`) with "
        "`Enable: true` and `Rollback: true`"
    ),
}


class EcsDeploymentRollback(Rule):
    id = "OPS06-BP04/ecs-deployment-rollback"
    title = "ECS services roll back failed deployments automatically"
    severity = Severity.WARNING
    resource_types = {"terraform": ("aws_ecs_service",), "cloudformation": ("AWS::ECS::Service",)}
    docs = Docs(
        what=(
            "Checks that ECS services deployed by ECS itself (deployment controller `ECS`, the "
            "default) roll a failed deployment back: the deployment circuit breaker or the "
            "deployment alarms must be enabled with rollback "
            "(`deployment_circuit_breaker { enable = true, rollback = true }` / `alarms { "
            "..., enable = true, rollback = true }` on `aws_ecs_service`; "
            "`DeploymentConfiguration.DeploymentCircuitBreaker` / "
            "`DeploymentConfiguration.Alarms` with `Enable` and `Rollback` on "
            "`AWS::ECS::Service`). Services deployed by CodeDeploy (`CODE_DEPLOY`) or an "
            "external controller (`EXTERNAL`) are not checked here."
        ),
        why=(
            "OPS06-BP04 asks you to automate testing and rollback. Without a circuit breaker "
            "or alarms, a task definition whose tasks never become healthy keeps ECS retrying "
            "for hours while the service runs short of capacity; with rollback, ECS returns "
            "to the last deployment that reached a steady state on its own."
        ),
        fix=(
            "Enable the deployment circuit breaker with rollback, and add deployment alarms "
            "(error rate, latency) with rollback to catch deployments that start but "
            "misbehave."
        ),
        cautions=(
            "Services deployed by CodeDeploy roll back through their deployment group "
            "(`OPS06-BP04/codedeploy-auto-rollback`); services with an `EXTERNAL` controller "
            "are deployed by another tool and are skipped."
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
                    "    DeploymentConfiguration:\n      DeploymentCircuitBreaker:\n"
                    "        Enable: true\n        Rollback: true"
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        service = ServiceDeployment(resource)
        if service.controller_is("ECS") is not True:
            return
        verdicts = [service.rolls_back_with("breaker"), service.rolls_back_with("alarms")]
        if any(v is not False for v in verdicts):
            return
        # point at the written setting that turns rollback (or the block) off
        attribute = ""
        for block in ("breaker", "alarms"):
            if resource.has(service.path(block)):
                for name in ("rollback", "enable"):
                    if service.flag(block, name) is False and resource.has(
                        service.field(block, name)
                    ):
                        attribute = service.field(block, name)
                        break
                if attribute:
                    break
        yield self.violation(
            resource,
            f"ECS service `{resource.name}` does not roll back a failed deployment: "
            + FIX[resource.framework],
            attribute=attribute,
        )
