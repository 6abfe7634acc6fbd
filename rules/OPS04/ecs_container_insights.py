"""OPS04-BP04/ecs-container-insights: ECS clusters collect Container Insights metrics."""

from collections.abc import Iterator
from typing import Any

from opslint.coerce import as_list
from opslint.model import ABSENT, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation

SETTING = "containerInsights"
ON = frozenset({"enabled", "enhanced"})
FIELDS = {
    "terraform": ("setting", "name", "value"),
    "cloudformation": ("ClusterSettings", "Name", "Value"),
}


def cluster_setting(resource: Resource, framework: str) -> tuple[Any, int | None]:
    """The cluster's containerInsights value (ABSENT when not set, Unknown when it cannot be
    told) and the index of the setting that holds it."""
    path, name_key, value_key = FIELDS[framework]
    settings = resource.get(path)
    if isinstance(settings, Unknown) or len(alternatives(settings)) > 1:
        return Unknown("setting"), None
    for index, setting in enumerate(as_list(settings)):
        if not isinstance(setting, dict):
            return Unknown("setting"), None
        name = setting.get(name_key)
        if not isinstance(name, str):
            return Unknown("setting"), None
        if name == SETTING:
            return setting.get(value_key, ABSENT), index
    return ABSENT, None


def account_default(unit: Unit) -> bool | None:
    """True when the unit turns Container Insights on as the account default, None when an
    account setting of the unit cannot be read."""
    verdict: bool | None = False
    for resource in unit.by_type("aws_ecs_account_setting_default"):
        name, value = resource.get("name"), resource.get("value")
        if not isinstance(name, str) or not isinstance(value, str):
            verdict = None
        elif name == SETTING and value in ON:
            return True
    return verdict


class EcsContainerInsights(Rule):
    id = "OPS04-BP04/ecs-container-insights"
    title = "ECS clusters collect Container Insights metrics"
    severity = Severity.NOTE
    related = ("OPS08-BP01",)
    resource_types = {
        "terraform": ("aws_ecs_cluster",),
        "cloudformation": ("AWS::ECS::Cluster",),
    }
    docs = Docs(
        what=(
            "Checks that ECS clusters turn on CloudWatch Container Insights: a "
            '`setting { name = "containerInsights" value = "enabled" }` (or `"enhanced"`) '
            "on `aws_ecs_cluster`, a `ClusterSettings` entry `{Name: containerInsights, "
            "Value: enabled}` on `AWS::ECS::Cluster`. A cluster without the setting passes "
            "when the same Terraform module sets the account default with "
            "`aws_ecs_account_setting_default`. A cluster that says `disabled` is a warning; "
            "one that says nothing is a note."
        ),
        why=(
            "OPS04-BP04 asks you to implement dependency telemetry. Without Container "
            "Insights, ECS reports only cluster- and service-level CPU and memory: task and "
            "container metrics (restarts, network, storage, per-task memory) that show which "
            "dependency is struggling are missing."
        ),
        fix=(
            "Add the `containerInsights` setting with value `enabled` (or `enhanced` for "
            "per-task and per-container detail) to the cluster, or set the account default."
        ),
        cautions=(
            "Container Insights metrics are charged. When the account default is set "
            "outside this repository (an organisation baseline), suppress the rule "
            "repository-wide with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_ecs_cluster" "main" {\n  name = "main"\n}',
                passing=(
                    'resource "aws_ecs_cluster" "main" {\n  name = "main"\n\n  setting {\n'
                    '    name  = "containerInsights"\n    value = "enabled"\n  }\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="Cluster:\n  Type: AWS::ECS::Cluster",
                passing=(
                    "Cluster:\n  Type: AWS::ECS::Cluster\n  Properties:\n    ClusterSettings:\n"
                    "      - Name: containerInsights\n        Value: enabled"
                ),
            ),
        ),
    )

    def _check(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        framework = ctx.unit.framework
        value, index = cluster_setting(resource, framework)
        path, _, value_key = FIELDS[framework]
        if value is ABSENT:
            if framework == "terraform" and account_default(ctx.unit) is not False:
                return
            yield self.violation(
                resource,
                f"ECS cluster `{resource.name}` does not turn on Container Insights: add the "
                f"`{SETTING}` setting with value `enabled` (or `enhanced`) to collect task and "
                "container metrics",
            )
        elif isinstance(value, str) and value == "disabled" and index is not None:
            single = isinstance(resource.get(path), dict)
            yield self.violation(
                resource,
                f"ECS cluster `{resource.name}` turns Container Insights off: set `{SETTING}` "
                "to `enabled` (or `enhanced`) to collect task and container metrics",
                (path, value_key) if single else (path, index, value_key),
                severity=Severity.WARNING,
            )

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)
