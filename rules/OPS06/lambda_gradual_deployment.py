"""OPS06-BP03/lambda-gradual-deployment: aliased Lambda functions shift traffic gradually."""

from collections.abc import Iterator
from typing import Any

from opslint.aws.codedeploy import ALL_AT_ONCE, GROUP_TYPES, compute_platform
from opslint.coerce import as_bool
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

SAM_FUNCTION = "AWS::Serverless::Function"


def _gradual_group(unit: Unit, group: Resource) -> bool | None:
    """Whether a Terraform deployment group shifts Lambda traffic gradually; None when it
    cannot be told; False when it is not a gradual Lambda group."""
    platform = compute_platform(unit, group)
    if platform not in ("Lambda", None):
        return False
    value = group.get("deployment_config_name")
    if value is ABSENT:
        return False
    if isinstance(value, Reference):
        config = unit.resolve(value)
        if config is None:
            return None
        routing = config.get("traffic_routing_config.type")
        kinds = {v for v in alternatives(routing)}
        if kinds <= {"TimeBasedCanary", "TimeBasedLinear"}:
            return True
        if all(isinstance(k, str) or k is ABSENT for k in kinds):
            return False
        return None
    verdicts: set[bool | None] = set()
    for option in alternatives(value):
        if not isinstance(option, str):
            verdicts.add(None)
        elif option.upper() in ALL_AT_ONCE:
            verdicts.add(False)
        elif platform == "Lambda" or "LAMBDA" in option.upper():
            verdicts.add(True)
        else:
            verdicts.add(False)
    if verdicts == {True}:
        return True
    return None if None in verdicts or len(verdicts) > 1 else False


class LambdaGradualDeployment(Rule):
    id = "OPS06-BP03/lambda-gradual-deployment"
    title = "Lambda functions published behind an alias shift traffic gradually"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_lambda_alias",),
        "cloudformation": ("AWS::Lambda::Alias", SAM_FUNCTION),
    }
    docs = Docs(
        what=(
            "Checks that a Lambda function whose callers go through an alias moves that alias "
            "to a new version gradually, with CodeDeploy. SAM: a function with "
            "`AutoPublishAlias` (directly or from `Globals.Function`) needs a "
            "`DeploymentPreference` whose `Type` is a canary or linear configuration (not "
            "`AllAtOnce`) and which is not disabled. CloudFormation: an `AWS::Lambda::Alias` "
            "needs the `UpdatePolicy.CodeDeployLambdaAliasUpdate` resource attribute. "
            "Terraform: an `aws_lambda_alias` needs a CodeDeploy deployment group of a "
            "Lambda application in the same module with a canary or linear "
            "`deployment_config_name` (predefined or a custom `aws_codedeploy_deployment_"
            "config` with time-based routing). An alias with weighted `routing_config` / "
            "`RoutingConfig` passes too. Functions without an alias are out of scope: their "
            "callers always get the latest code, and the rule would report every function."
        ),
        why=(
            "OPS06-BP03 asks you to employ safe deployment strategies. Moving an alias to a "
            "new version in one step sends every request to untested code; a canary or "
            "linear shift exposes a small share of traffic first and lets alarms stop the "
            "deployment."
        ),
        fix=(
            "SAM: add `DeploymentPreference: {Type: Canary10Percent5Minutes, Alarms: [...]}` "
            "next to `AutoPublishAlias`. CloudFormation: add `UpdatePolicy: "
            "CodeDeployLambdaAliasUpdate: {ApplicationName, DeploymentGroupName}` to the "
            "alias. Terraform: create a Lambda CodeDeploy application and deployment group "
            "with a canary or linear configuration and deploy new versions through it."
        ),
        cautions=(
            "Terraform only declares the deployment group; the pipeline must start the "
            "CodeDeploy deployment (instead of changing `function_version` directly). "
            "Asynchronous or low-risk functions may deploy at once on purpose: suppress the "
            "finding with a reason. A deployment group whose configuration cannot be "
            "resolved counts as gradual."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_lambda_alias" "live" {\n  name             = "live"\n'
                    "  function_name    = aws_lambda_function.api.function_name\n"
                    "  function_version = aws_lambda_function.api.version\n}"
                ),
                passing=(
                    "# plus a Lambda CodeDeploy app and\n"
                    'resource "aws_codedeploy_deployment_group" "api" {\n  # ...\n'
                    '  deployment_config_name = "CodeDeployDefault.LambdaCanary10Percent5Minutes"'
                    '\n  deployment_style {\n    deployment_type   = "BLUE_GREEN"\n'
                    '    deployment_option = "WITH_TRAFFIC_CONTROL"\n  }\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Live:\n  Type: AWS::Lambda::Alias\n  Properties:\n    Name: live\n"
                    "    FunctionName: !Ref Api\n    FunctionVersion: !GetAtt Version.Version"
                ),
                passing=(
                    "Live:\n  Type: AWS::Lambda::Alias\n  UpdatePolicy:\n"
                    "    CodeDeployLambdaAliasUpdate:\n      ApplicationName: !Ref App\n"
                    "      DeploymentGroupName: !Ref Group\n  Properties:\n    # ..."
                ),
            ),
            Example(
                "sam",
                failing=(
                    "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...\n"
                    "    AutoPublishAlias: live"
                ),
                passing=(
                    "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...\n"
                    "    AutoPublishAlias: live\n    DeploymentPreference:\n"
                    "      Type: Canary10Percent5Minutes"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        groups: list[bool | None] | None = None
        for resource in ctx.each(unit.resources):
            if resource.kind != "resource":
                continue
            if resource.type == "aws_lambda_alias":
                if _weighted(resource.get("routing_config.additional_version_weights")):
                    continue
                if groups is None:
                    groups = [_gradual_group(unit, g) for g in unit.by_type(GROUP_TYPES[0])]
                if any(v is not False for v in groups):
                    continue
                yield self.violation(
                    resource,
                    f"Alias `{resource.name}` moves to a new version all at once: deploy it "
                    "through a CodeDeploy deployment group with a canary or linear "
                    "`deployment_config_name`",
                )
            elif resource.type == "AWS::Lambda::Alias":
                yield from self._cfn_alias(resource)
            elif resource.type == SAM_FUNCTION and unit.framework == "cloudformation":
                yield from self._sam_function(resource)

    def _cfn_alias(self, alias: Resource) -> Iterator[Violation]:
        if _weighted(alias.get("RoutingConfig.AdditionalVersionWeights")):
            return
        if not every_alternative(
            alias.get_meta("UpdatePolicy.CodeDeployLambdaAliasUpdate"), lambda v: v is ABSENT
        ):
            return
        yield self.violation(
            alias,
            f"Alias `{alias.name}` moves to a new version all at once: add "
            "`UpdatePolicy.CodeDeployLambdaAliasUpdate` with a CodeDeploy application and "
            "deployment group",
        )

    def _sam_function(self, function: Resource) -> Iterator[Violation]:
        alias = function.get("AutoPublishAlias")
        if not every_alternative(alias, lambda v: isinstance(v, str) and bool(v)):
            return  # no alias (or cannot tell): out of scope
        preference = function.get("DeploymentPreference")
        if preference is ABSENT:
            yield self.violation(
                function,
                f"Function `{function.name}` moves alias `{alias}` to each new version all at "
                "once: add a `DeploymentPreference` with a Canary or Linear `Type`",
                attribute="AutoPublishAlias",
            )
            return
        enabled = function.get("DeploymentPreference.Enabled")
        if every_alternative(enabled, lambda v: v is not ABSENT and as_bool(v) is False):
            yield self.violation(
                function,
                f"Function `{function.name}` disables its deployment preference, so alias "
                f"`{alias}` moves all at once: remove `Enabled: false`",
                attribute="DeploymentPreference.Enabled",
            )
            return
        kind = function.get("DeploymentPreference.Type")

        def all_at_once(v: Any) -> bool | None:
            return None if not isinstance(v, str) else v.lower() == "allatonce"

        if every_alternative(kind, all_at_once):
            yield self.violation(
                function,
                f"Function `{function.name}` shifts all traffic of alias `{alias}` at once: "
                "set `DeploymentPreference.Type` to a Canary or Linear configuration",
                attribute="DeploymentPreference.Type",
            )


def _weighted(value: Any) -> bool:
    """A weighted alias routes part of the traffic to another version by hand."""
    return any(v is not ABSENT and v not in ({}, []) for v in alternatives(value))
