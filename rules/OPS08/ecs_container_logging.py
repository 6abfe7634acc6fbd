"""OPS08-BP02/ecs-container-logging: every ECS container sends its logs somewhere."""

from collections.abc import Iterator
from typing import Any

from opslint.model import ABSENT, Partial, Resource, Severity, alternatives
from opslint.partial import json_document
from opslint.rule import Context, Docs, Example, Rule, Violation

# framework → (container list attribute, log block, driver key, FireLens key, name key)
KEYS = {
    "terraform": (
        "container_definitions",
        "logConfiguration",
        "logDriver",
        "firelensConfiguration",
        "name",
    ),
    "cloudformation": (
        "ContainerDefinitions",
        "LogConfiguration",
        "LogDriver",
        "FirelensConfiguration",
        "Name",
    ),
}


def _containers(value: Any) -> list[Any] | None:
    """The container list: Terraform gives a JSON string (from ``jsonencode`` or a heredoc,
    possibly with unknown leaves such as ``image = var.image``), CloudFormation a list. None
    when opslint cannot read it."""
    if isinstance(value, (str, Partial)):
        value = json_document(value)
    return value if isinstance(value, list) else None


def _no_driver(container: dict[str, Any], log_key: str, driver_key: str) -> bool:
    """True when every alternative of the container's log driver is unset."""
    config = container.get(log_key, ABSENT)
    for option in alternatives(config):
        if option is ABSENT:
            continue
        if not isinstance(option, dict):
            return False
        for driver in alternatives(option.get(driver_key, ABSENT)):
            if driver is not ABSENT:
                return False
    return True


class EcsContainerLogging(Rule):
    id = "OPS08-BP02/ecs-container-logging"
    title = "ECS containers configure a log driver"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_ecs_task_definition",),
        "cloudformation": ("AWS::ECS::TaskDefinition",),
    }
    docs = Docs(
        what=(
            "Checks that every container of an ECS task definition names a log driver: "
            "`logConfiguration.logDriver` in each container of "
            "`aws_ecs_task_definition.container_definitions` (a JSON string, read when it "
            "comes from `jsonencode(...)`, a literal, a heredoc or `templatefile()`, even when "
            "some values in it are unknown, such as `image = var.image`), "
            "`LogConfiguration.LogDriver` in each item of `ContainerDefinitions` of "
            "`AWS::ECS::TaskDefinition`. Each container without one is reported by name."
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. A container without a log driver "
            "writes stdout and stderr nowhere you can read them on Fargate (and only to the "
            "instance's local Docker logs on EC2): when a task crashes, its last words are "
            "lost with it."
        ),
        fix=(
            'Give each container a `logConfiguration` with `logDriver = "awslogs"` and the '
            "`awslogs-group`, `awslogs-region` and `awslogs-stream-prefix` options, or "
            "`awsfirelens` to route logs through a FireLens sidecar."
        ),
        cautions=(
            "Container definitions whose list or log settings opslint cannot resolve "
            "(`jsonencode(var.containers)`, `logConfiguration = var.logging`) are unknown and "
            "never reported; unknown values elsewhere in a container do not stop the check. "
            "The FireLens log "
            "router container (the one with `firelensConfiguration`) is not required to "
            "have a log driver of its own. Sidecars added at deploy time (e.g. by App Mesh "
            "or a platform pipeline) are invisible here."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_ecs_task_definition" "api" {\n  family = "api"\n'
                    "  container_definitions = jsonencode([{\n"
                    '    name  = "api"\n    image = "nginx:1.27"\n  }])\n}'
                ),
                passing=(
                    'resource "aws_ecs_task_definition" "api" {\n  family = "api"\n'
                    "  container_definitions = jsonencode([{\n"
                    '    name  = "api"\n    image = "nginx:1.27"\n'
                    "    logConfiguration = {\n"
                    '      logDriver = "awslogs"\n      options = {\n'
                    '        "awslogs-group"         = aws_cloudwatch_log_group.api.name\n'
                    '        "awslogs-region"        = "eu-west-1"\n'
                    '        "awslogs-stream-prefix" = "api"\n      }\n    }\n  }])\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Api:\n  Type: AWS::ECS::TaskDefinition\n  Properties:\n"
                    "    ContainerDefinitions:\n      - Name: api\n        Image: nginx:1.27"
                ),
                passing=(
                    "Api:\n  Type: AWS::ECS::TaskDefinition\n  Properties:\n"
                    "    ContainerDefinitions:\n      - Name: api\n        Image: nginx:1.27\n"
                    "        LogConfiguration:\n          LogDriver: awslogs\n"
                    "          Options:\n            awslogs-group: !Ref ApiLogs\n"
                    "            awslogs-region: !Ref AWS::Region\n"
                    "            awslogs-stream-prefix: api"
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        attribute, log_key, driver_key, firelens_key, name_key = KEYS[resource.framework]
        containers = _containers(resource.get(attribute))
        if containers is None:
            return
        for index, container in enumerate(containers):
            if not isinstance(container, dict) or firelens_key in container:
                continue
            if not _no_driver(container, log_key, driver_key):
                continue
            name = container.get(name_key)
            label = f"`{name}`" if isinstance(name, str) else f"#{index + 1}"
            yield self.violation(
                resource,
                f"Container {label} of task definition `{resource.name}` has no log driver: "
                f'set `{log_key}.{driver_key}` (e.g. "awslogs")',
                attribute=(attribute, index, log_key),
                key=f"container:{name if isinstance(name, str) else index}",
            )
