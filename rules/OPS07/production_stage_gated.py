"""OPS07-BP05/production-stage-gated: a pipeline that promotes a change through several
deployment stages checks it before the production stage."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opslint.coerce import as_list, as_number
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, lookup
from opslint.repo.pipelines import BUILD_TYPES, build_deploys
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

PRODUCTION = r"(?i)(^|[^a-z])(prod|production|prd|live)([^a-z]|$)"
GATES = frozenset({"approval", "test", "invoke"})
ENTRY_RULES = frozenset(
    {"cloudwatchalarm", "deploymentwindow", "lambdainvoke", "variablecheck", "commands"}
)

TF: dict[str, Any] = {
    "stages": "stage",
    "name": "name",
    "actions": "action",
    "category": ("category",),
    "provider": ("provider",),
    "run_order": "run_order",
    "project": ("configuration", "ProjectName"),
    "before_entry": ("before_entry", "condition"),
    "on_success": ("on_success", "condition"),
    "result": "result",
    "rules": "rule",
    "rule_provider": ("rule_type_id", "provider"),
}
CFN: dict[str, Any] = {
    "stages": "Stages",
    "name": "Name",
    "actions": "Actions",
    "category": ("ActionTypeId", "Category"),
    "provider": ("ActionTypeId", "Provider"),
    "run_order": "RunOrder",
    "project": ("Configuration", "ProjectName"),
    "before_entry": ("BeforeEntry", "Conditions"),
    "on_success": ("OnSuccess", "Conditions"),
    "result": "Result",
    "rules": "Rules",
    "rule_provider": ("RuleTypeId", "Provider"),
}


class Unreadable(Exception):
    """Part of the pipeline opslint cannot read: the pipeline is not judged."""


@dataclass(frozen=True)
class Step:
    """One action: its stage, run order and whether it deploys or gates."""

    stage: int
    run_order: float
    deploys: bool
    gates: bool


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Unreadable
    return value


def _dicts(value: Any) -> list[dict[str, Any]]:
    items = as_list(value) if isinstance(value, (list, dict)) else None
    if items is None or not all(isinstance(i, dict) for i in items):
        raise Unreadable
    return items


def _deploys(unit: Unit, action: dict[str, Any], names: dict[str, Any]) -> bool:
    category = _text(lookup(action, names["category"], None)).lower()
    if category == "deploy":
        return True
    if category != "build" or _text(lookup(action, names["provider"], None)) != "CodeBuild":
        return False
    project = lookup(action, names["project"], None)
    for build in unit.by_type(*BUILD_TYPES):
        if isinstance(project, Reference) and project.address == build.name:
            return build_deploys(build)
        name = build.get("name" if build.framework == "terraform" else "Name")
        if isinstance(project, str) and project == name:
            return build_deploys(build)
    return False


def _steps(unit: Unit, stages: list[dict[str, Any]], names: dict[str, Any]) -> list[Step]:
    steps = []
    for index, stage in enumerate(stages):
        for action in _dicts(stage.get(names["actions"], ABSENT)):
            order = action.get(names["run_order"], 1)
            number = as_number(order)
            if number is None:
                raise Unreadable
            category = _text(lookup(action, names["category"], None)).lower()
            steps.append(Step(index, number, _deploys(unit, action, names), category in GATES))
    return steps


def _rule_providers(conditions: Any, names: dict[str, Any]) -> list[tuple[str, str]]:
    """(result, rule provider) of every rule of a stage's conditions."""
    found: list[tuple[str, str]] = []
    if conditions is ABSENT or conditions is None:
        return found
    for condition in _dicts(conditions):
        result = condition.get(names["result"], "FAIL")
        for rule in _dicts(condition.get(names["rules"], [])):
            provider = lookup(rule, names["rule_provider"], None)
            found.append((_text(result).upper(), _text(provider).lower()))
    return found


class ProductionStageGated(Rule):
    id = "OPS07-BP05/production-stage-gated"
    title = "Promotion pipelines check a change before the production stage"
    severity = Severity.WARNING
    related = ("OPS06-BP04",)
    resource_types = {
        "terraform": ("aws_codepipeline",),
        "cloudformation": ("AWS::CodePipeline::Pipeline",),
    }
    options = (
        Option(
            "production_stages",
            "str",
            PRODUCTION,
            "Regular expression matching the names of production stages; the last stage "
            "that deploys is production when no stage name matches.",
        ),
    )
    docs = Docs(
        what=(
            "Checks CodePipeline pipelines with two or more stages that deploy (a `Deploy` "
            "action, or a CodeBuild action whose project's buildspec runs a deployment "
            "command): between the last deployment before production and the production "
            "stage's first deployment there must be a gate. Gates are an `Approval`, `Test` "
            "or `Invoke` action (after the earlier deployment, in between, or before the "
            "production deployment by `run_order`), an entry condition on the production "
            "stage (`before_entry` / `BeforeEntry` with result `FAIL` and a rule such as "
            "`CloudWatchAlarm` or `DeploymentWindow`), an `on_success` / `OnSuccess` "
            "condition with a `CloudWatchAlarm` rule on the earlier stage, or CloudFormation "
            "`DisableInboundStageTransitions` naming the production stage. The production "
            "stage is the last deploying stage whose name matches `production_stages`, or "
            "the last deploying stage."
        ),
        why=(
            "OPS07-BP05 asks you to make informed decisions to deploy changes. A pipeline "
            "that deploys to staging and then straight to production learns nothing from "
            "staging: a change that broke it reaches production minutes later. Any gate "
            "counts, automated or manual, so fully automated delivery passes."
        ),
        fix=(
            "Add a `Test` or `Invoke` action that checks the earlier environment, a "
            "`before_entry` condition with a `CloudWatchAlarm` rule on the production stage, "
            "or a manual `Approval` action before the production deployment."
        ),
        unknown=(
            "A pipeline whose stages, actions, categories, run orders or conditions opslint "
            "cannot read (a `dynamic` block, a parameter) is not judged."
        ),
        cautions=(
            "Tests run inside the deployment step itself (a CodeBuild `apply && ./smoke.sh`) "
            "are invisible: suppress with a reason. Pipelines with one deploying stage (one "
            "pipeline per environment) are not judged."
        ),
        examples=(
            Example(
                "cloudformation",
                failing=(
                    "Pipeline:\n  Type: AWS::CodePipeline::Pipeline\n  Properties:\n"
                    "    RoleArn: arn:aws:iam::111122223333:role/pipeline\n    Stages:\n"
                    "      - Name: Staging\n        Actions:\n          - Name: Deploy\n"
                    "            ActionTypeId: {Category: Deploy, Owner: AWS, Provider: "
                    "CloudFormation, Version: '1'}\n"
                    "      - Name: Prod\n        Actions:\n          - Name: Deploy\n"
                    "            ActionTypeId: {Category: Deploy, Owner: AWS, Provider: "
                    "CloudFormation, Version: '1'}"
                ),
                passing=(
                    "Pipeline:\n  Type: AWS::CodePipeline::Pipeline\n  Properties:\n"
                    "    RoleArn: arn:aws:iam::111122223333:role/pipeline\n    Stages:\n"
                    "      - Name: Staging\n        Actions:\n          - Name: Deploy\n"
                    "            ActionTypeId: {Category: Deploy, Owner: AWS, Provider: "
                    "CloudFormation, Version: '1'}\n"
                    "      - Name: Prod\n        Actions:\n          - Name: Approve\n"
                    "            ActionTypeId: {Category: Approval, Owner: AWS, Provider: "
                    "Manual, Version: '1'}\n"
                    "          - Name: Deploy\n            RunOrder: 2\n"
                    "            ActionTypeId: {Category: Deploy, Owner: AWS, Provider: "
                    "CloudFormation, Version: '1'}"
                ),
            ),
            Example(
                "terraform",
                failing=(
                    'resource "aws_codepipeline" "app" {\n  name     = "app"\n'
                    '  role_arn = "arn:aws:iam::111122223333:role/pipeline"\n'
                    "  # artifact_store, Source stage ...\n"
                    '  stage {\n    name = "Staging"\n    action {\n      name = "Deploy"\n'
                    '      category = "Deploy"\n      owner = "AWS"\n'
                    '      provider = "CodeDeploy"\n      version = "1"\n    }\n  }\n'
                    '  stage {\n    name = "Prod"\n    action {\n      name = "Deploy"\n'
                    '      category = "Deploy"\n      owner = "AWS"\n'
                    '      provider = "CodeDeploy"\n      version = "1"\n    }\n  }\n}'
                ),
                passing=(
                    'resource "aws_codepipeline" "app" {\n  name     = "app"\n'
                    '  role_arn = "arn:aws:iam::111122223333:role/pipeline"\n'
                    "  # artifact_store, Source stage ...\n"
                    '  stage {\n    name = "Staging"\n    action {\n      name = "Deploy"\n'
                    '      category = "Deploy"\n      owner = "AWS"\n'
                    '      provider = "CodeDeploy"\n      version = "1"\n    }\n  }\n'
                    '  stage {\n    name = "Prod"\n    before_entry {\n      condition {\n'
                    '        result = "FAIL"\n        rule {\n          name = "alarms"\n'
                    "          rule_type_id {\n"
                    '            category = "Rule"\n            provider = "CloudWatchAlarm"\n'
                    "          }\n          configuration = {\n"
                    '            AlarmName = "staging-errors"\n          }\n        }\n'
                    "      }\n    }\n"
                    '    action {\n      name = "Deploy"\n'
                    '      category = "Deploy"\n      owner = "AWS"\n'
                    '      provider = "CodeDeploy"\n      version = "1"\n    }\n  }\n}'
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        names = TF if resource.framework == "terraform" else CFN
        try:
            stages = _dicts(resource.get(names["stages"]))
            steps = _steps(ctx.unit, stages, names)
            deploying = sorted({s.stage for s in steps if s.deploys})
            if len(deploying) < 2:
                return
            production = self._production(stages, deploying, names, ctx.option("production_stages"))
            earlier = (
                max(i for i in deploying if i < production) if production > deploying[0] else None
            )
            if earlier is None:
                return
            if self._gated(resource, stages, steps, earlier, production, names):
                return
        except Unreadable:
            return
        stage_names: str = names["stages"]
        before, after = stages[earlier][names["name"]], stages[production][names["name"]]
        entry = "`before_entry`" if resource.framework == "terraform" else "`BeforeEntry`"
        yield self.violation(
            resource,
            f"Pipeline `{resource.name}` promotes from `{before}` to `{after}` with no test, "
            f"approval or entry condition in between: add a `Test` or `Approval` action "
            f"before the `{after}` deployment, or a {entry} condition on `{after}`",
            (stage_names, production) if isinstance(resource.get(stage_names), list) else (),
        )

    @staticmethod
    def _production(
        stages: list[dict[str, Any]], deploying: list[int], names: dict[str, Any], pattern: str
    ) -> int:
        named = [i for i in deploying if re.search(pattern, _text(stages[i].get(names["name"])))]
        return named[-1] if named else deploying[-1]

    @staticmethod
    def _gated(
        resource: Resource,
        stages: list[dict[str, Any]],
        steps: list[Step],
        earlier: int,
        production: int,
        names: dict[str, Any],
    ) -> bool:
        last_earlier = max(s.run_order for s in steps if s.stage == earlier and s.deploys)
        first_production = min(s.run_order for s in steps if s.stage == production and s.deploys)
        for step in steps:
            if not step.gates:
                continue
            after_earlier = step.stage > earlier or (
                step.stage == earlier and step.run_order > last_earlier
            )
            before_production = step.stage < production or (
                step.stage == production and step.run_order < first_production
            )
            if after_earlier and before_production:
                return True
        entry = _rule_providers(lookup(stages[production], names["before_entry"], ABSENT), names)
        if any(result == "FAIL" and provider in ENTRY_RULES for result, provider in entry):
            return True
        for index in range(earlier, production):
            success = _rule_providers(lookup(stages[index], names["on_success"], ABSENT), names)
            if any(provider == "cloudwatchalarm" for _, provider in success):
                return True
        if resource.framework == "cloudformation":
            disabled = resource.get("DisableInboundStageTransitions")
            if disabled is not ABSENT:
                production_name = stages[production][names["name"]]
                for item in _dicts(disabled):
                    if _text(item.get("StageName")) == production_name:
                        return True
        return False
