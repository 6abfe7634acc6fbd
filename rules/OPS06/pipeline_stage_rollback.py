"""OPS06-BP04/pipeline-stage-rollback: CodePipeline deploy stages roll back on failure."""

from collections.abc import Iterator
from typing import Any

from opslint.coerce import as_list
from opslint.model import ABSENT, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation

# Deploy providers that roll back on their own (CodeDeploy and CloudFormation roll back a
# failed deployment; ECS through the service's circuit breaker; AppConfig through monitors)
SELF_ROLLING_BACK = frozenset(
    {
        "CodeDeploy",
        "CodeDeployToECS",
        "CloudFormation",
        "CloudFormationStackSet",
        "ECS",
        "AppConfig",
    }
)
NAMES = {
    "terraform": {
        "type": "pipeline_type",
        "stages": "stage",
        "actions": "action",
        "category": ("category",),
        "provider": ("provider",),
        "name": "name",
        "result": ("on_failure", "result"),
    },
    "cloudformation": {
        "type": "PipelineType",
        "stages": "Stages",
        "actions": "Actions",
        "category": ("ActionTypeId", "Category"),
        "provider": ("ActionTypeId", "Provider"),
        "name": "Name",
        "result": ("OnFailure", "Result"),
    },
}


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(value, dict):
            return value  # ABSENT, or a value opslint cannot walk into
        value = value.get(step, ABSENT)
    return value


class PipelineStageRollback(Rule):
    id = "OPS06-BP04/pipeline-stage-rollback"
    title = "CodePipeline deploy stages roll back on failure"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_codepipeline",),
        "cloudformation": ("AWS::CodePipeline::Pipeline",),
    }
    docs = Docs(
        what=(
            "Checks V2 CodePipeline pipelines: a stage with a Deploy action whose provider "
            "does not roll back on its own (for example S3, Elastic Beanstalk, Service "
            'Catalog) must set `on_failure { result = "ROLLBACK" }` / '
            "`OnFailure: {Result: ROLLBACK}`, so a failed stage redeploys the last "
            "successful pipeline execution. Stages deploying with CodeDeploy, CloudFormation, "
            "ECS or AppConfig pass (those roll back themselves; other rules check how). V1 "
            "pipelines, which cannot roll back stages, are skipped."
        ),
        why=(
            "OPS06-BP04 asks you to automate testing and rollback. When a deploy stage fails "
            "half-way, stage rollback returns the environment to the artifacts that last "
            "worked instead of leaving it in between until someone reruns an old execution."
        ),
        fix='Add `on_failure { result = "ROLLBACK" }` to the stage (pipeline type V2).',
        cautions=(
            "Pipelines outside CodePipeline (GitHub Actions, GitLab) are not seen. Stage "
            "lists or actions opslint cannot resolve (dynamic blocks) never produce a finding."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_codepipeline" "site" {\n  pipeline_type = "V2"\n  # ...\n'
                    '  stage {\n    name = "Deploy"\n    action {\n      category = "Deploy"\n'
                    '      provider = "S3"\n      # ...\n    }\n  }\n}'
                ),
                passing=(
                    'resource "aws_codepipeline" "site" {\n  pipeline_type = "V2"\n  # ...\n'
                    '  stage {\n    name = "Deploy"\n    on_failure {\n      result = "ROLLBACK"\n'
                    '    }\n    action {\n      category = "Deploy"\n      provider = "S3"\n'
                    "      # ...\n    }\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Site:\n  Type: AWS::CodePipeline::Pipeline\n  Properties:\n"
                    "    PipelineType: V2\n    # ...\n"
                    "    Stages:\n      - Name: Deploy\n        Actions:\n          - Name: Site\n"
                    "            ActionTypeId:\n              Category: Deploy\n"
                    "              Owner: AWS\n              Provider: S3\n"
                    '              Version: "1"'
                ),
                passing=(
                    "Site:\n  Type: AWS::CodePipeline::Pipeline\n  Properties:\n"
                    "    PipelineType: V2\n    # ...\n"
                    "    Stages:\n      - Name: Deploy\n        OnFailure:\n"
                    "          Result: ROLLBACK\n        Actions:\n          - Name: Site\n"
                    "            ActionTypeId:\n              Category: Deploy\n"
                    "              Owner: AWS\n              Provider: S3\n"
                    '              Version: "1"'
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        types = self.resource_types.get(unit.framework, ())
        for pipeline in ctx.each(unit.resources):
            if pipeline.type in types and pipeline.kind == "resource":
                yield from self._pipeline(pipeline, NAMES[unit.framework])

    def _pipeline(self, pipeline: Resource, names: dict[str, Any]) -> Iterator[Violation]:
        if alternatives(pipeline.get(names["type"])) != ["V2"]:
            return  # V1 (the default) cannot roll back stages, or unknown
        stages = pipeline.get(names["stages"])
        if not isinstance(stages, (list, dict)):
            return
        stages = as_list(stages)
        for index, stage in enumerate(stages):
            if not isinstance(stage, dict):
                continue
            providers = self._unguarded_deploys(as_list(stage.get(names["actions"], ABSENT)), names)
            if not providers:
                continue
            result = _at(stage, names["result"])
            if result is not ABSENT and (not isinstance(result, str) or result == "ROLLBACK"):
                continue
            label = stage.get(names["name"])
            shown = f'"{label}"' if isinstance(label, str) else f"#{index + 1}"
            yield self.violation(
                pipeline,
                f"Pipeline `{pipeline.name}` does not roll back its deploy stage {shown} "
                f"({', '.join(sorted(providers))}) when it fails: set "
                + (
                    '`on_failure { result = "ROLLBACK" }` on the stage'
                    if pipeline.framework == "terraform"
                    else "`OnFailure: {Result: ROLLBACK}` on the stage"
                ),
                attribute=(names["stages"], index),
                key=f"stage-{label if isinstance(label, str) else index}",
            )

    def _unguarded_deploys(self, actions: list[Any], names: dict[str, Any]) -> set[str]:
        """Providers of the stage's Deploy actions that do not roll back on their own; empty
        when the stage has none or cannot be read."""
        found: set[str] = set()
        for action in actions:
            if not isinstance(action, dict):
                return set()
            category, provider = _at(action, names["category"]), _at(action, names["provider"])
            if not isinstance(category, str) or not isinstance(provider, str):
                return set()
            if category == "Deploy" and provider not in SELF_ROLLING_BACK:
                found.add(provider)
        return found
