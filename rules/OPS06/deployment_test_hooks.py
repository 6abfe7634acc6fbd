"""OPS06-BP04/deployment-test-hooks: gradual deployments test the new version before it
takes production traffic."""

from collections.abc import Iterator
from typing import Any

from opslint.aws.ecs import ServiceDeployment
from opslint.coerce import as_bool, as_list
from opslint.model import ABSENT, Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

SAM_FUNCTION = "AWS::Serverless::Function"
# ECS lifecycle stages that run before production traffic reaches the new tasks
BEFORE_PRODUCTION = frozenset(
    {"PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT"}
)


def _present(value: Any) -> bool:
    """Some alternative is set (an unknown value counts as set): a finding needs every
    alternative to be missing."""
    return any(v is not ABSENT and v not in ("", [], {}) for v in alternatives(value))


class DeploymentTestHooks(Rule):
    id = "OPS06-BP04/deployment-test-hooks"
    title = "Gradual deployments test the new version before it takes production traffic"
    severity = Severity.NOTE
    related = ("OPS06-BP02",)
    resource_types = {
        "cloudformation": ("AWS::Lambda::Alias", "AWS::ECS::Service", SAM_FUNCTION),
    }
    docs = Docs(
        what=(
            "Checks that deployments which already shift traffic gradually also run a test "
            "against the new version before production traffic reaches it: SAM functions "
            "with an enabled `DeploymentPreference` need `Hooks.PreTraffic`; "
            "`AWS::Lambda::Alias` resources updated by CodeDeploy "
            "(`UpdatePolicy.CodeDeployLambdaAliasUpdate`) need `BeforeAllowTrafficHook`; ECS "
            "services with a native `BLUE_GREEN`, `LINEAR` or `CANARY` strategy need a "
            "`DeploymentConfiguration.LifecycleHooks` entry for a stage before production "
            "traffic (`PRE_SCALE_UP`, `POST_SCALE_UP`, `TEST_TRAFFIC_SHIFT`, "
            "`POST_TEST_TRAFFIC_SHIFT`). Terraform is not checked: ECS lifecycle hooks need "
            "AWS provider 6, and CodeDeploy hooks for Terraform-managed functions live in the "
            "AppSpec file, not in the configuration."
        ),
        why=(
            "OPS06-BP04 asks you to automate testing and rollback, and OPS06-BP02 to test "
            "deployments. A pre-traffic hook runs integration or smoke tests against the new "
            "version while it serves no customer, and fails the deployment (which then rolls "
            "back) before anyone is affected."
        ),
        fix=(
            "Add a test function as `DeploymentPreference.Hooks.PreTraffic` (SAM), "
            "`BeforeAllowTrafficHook` (CloudFormation alias), or an ECS lifecycle hook on "
            "`POST_TEST_TRAFFIC_SHIFT`."
        ),
        cautions=(
            "Teams that test each release in pipeline stages before deploying (see the CI "
            "rules) may not need a hook: suppress the finding with a reason."
        ),
        examples=(
            Example(
                "cloudformation",
                failing=(
                    "Live:\n  Type: AWS::Lambda::Alias\n  UpdatePolicy:\n"
                    "    CodeDeployLambdaAliasUpdate:\n      ApplicationName: !Ref App\n"
                    "      DeploymentGroupName: !Ref Group\n  Properties:\n    # ..."
                ),
                passing=(
                    "Live:\n  Type: AWS::Lambda::Alias\n  UpdatePolicy:\n"
                    "    CodeDeployLambdaAliasUpdate:\n      ApplicationName: !Ref App\n"
                    "      DeploymentGroupName: !Ref Group\n"
                    "      BeforeAllowTrafficHook: !Ref SmokeTest\n  Properties:\n    # ..."
                ),
            ),
            Example(
                "sam",
                failing=(
                    "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...\n"
                    "    AutoPublishAlias: live\n    DeploymentPreference:\n"
                    "      Type: Canary10Percent5Minutes"
                ),
                passing=(
                    "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n    # ...\n"
                    "    AutoPublishAlias: live\n    DeploymentPreference:\n"
                    "      Type: Canary10Percent5Minutes\n      Hooks:\n"
                    "        PreTraffic: !Ref SmokeTest"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        if unit.framework != "cloudformation":
            return
        for resource in ctx.each(unit.resources):
            if resource.kind != "resource":
                continue
            if resource.type == SAM_FUNCTION:
                yield from self._sam_function(resource)
            elif resource.type == "AWS::Lambda::Alias":
                yield from self._alias(resource)
            elif resource.type == "AWS::ECS::Service":
                yield from self._service(resource)

    def _sam_function(self, function: Resource) -> Iterator[Violation]:
        if function.get("DeploymentPreference") is ABSENT:
            return
        if not every_alternative(
            function.get("DeploymentPreference.Enabled"),
            lambda v: v is ABSENT or as_bool(v) is True,
        ):
            return
        if every_alternative(
            function.get("DeploymentPreference.Type"),
            lambda v: isinstance(v, str) and v.lower() == "allatonce",
        ):
            return  # not gradual (the gradual-deployment rule reports it)
        if _present(function.get("DeploymentPreference.Hooks.PreTraffic")):
            return
        yield self.violation(
            function,
            f"Function `{function.name}` shifts traffic to new versions without testing "
            "them first: add a test function as `DeploymentPreference.Hooks.PreTraffic`",
            attribute="DeploymentPreference",
        )

    def _alias(self, alias: Resource) -> Iterator[Violation]:
        update = alias.get_meta("UpdatePolicy.CodeDeployLambdaAliasUpdate")
        if not _present(update):
            return  # not deployed gradually (the gradual-deployment rule reports it)
        hook = alias.get_meta("UpdatePolicy.CodeDeployLambdaAliasUpdate.BeforeAllowTrafficHook")
        if _present(hook):
            return
        yield self.violation(
            alias,
            f"Alias `{alias.name}` shifts traffic to new versions without testing them "
            "first: set `BeforeAllowTrafficHook` in `UpdatePolicy.CodeDeployLambdaAliasUpdate`",
            attribute="UpdatePolicy.CodeDeployLambdaAliasUpdate",
            meta=True,
        )

    def _service(self, service: Resource) -> Iterator[Violation]:
        deployment = ServiceDeployment(service)
        if deployment.controller_is("ECS") is not True:
            return
        if deployment.strategy_is("BLUE_GREEN", "LINEAR", "CANARY") is not True:
            return
        hooks = deployment.value("hooks")
        if hooks is not ABSENT and not isinstance(hooks, list):
            return  # unknown
        for hook in as_list(hooks):
            if not isinstance(hook, dict):
                return  # unknown
            stages = hook.get("LifecycleStages")
            if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
                return  # unknown
            if BEFORE_PRODUCTION & set(stages):
                return
        yield self.violation(
            service,
            f"ECS service `{service.name}` shifts production traffic to new tasks without "
            "testing them first: add a `DeploymentConfiguration.LifecycleHooks` entry for "
            "`POST_TEST_TRAFFIC_SHIFT` (or another stage before production traffic)",
            attribute=deployment.path("strategy"),
        )
