"""OPS06-BP04/codedeploy-auto-rollback: CodeDeploy rolls back on failure and on alarms."""

from collections.abc import Iterator
from typing import Any

from opslint.aws.codedeploy import GROUP_TYPES
from opslint.coerce import as_bool
from opslint.model import ABSENT, Choice, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

NAMES = {
    "terraform": {
        "rollback": "auto_rollback_configuration",
        "rollback_enabled": "auto_rollback_configuration.enabled",
        "events": "auto_rollback_configuration.events",
        "alarm": "alarm_configuration",
        "alarm_enabled": "alarm_configuration.enabled",
        "alarms": "alarm_configuration.alarms",
    },
    "cloudformation": {
        "rollback": "AutoRollbackConfiguration",
        "rollback_enabled": "AutoRollbackConfiguration.Enabled",
        "events": "AutoRollbackConfiguration.Events",
        "alarm": "AlarmConfiguration",
        "alarm_enabled": "AlarmConfiguration.Enabled",
        "alarms": "AlarmConfiguration.Alarms",
    },
}
SAM_FUNCTION = "AWS::Serverless::Function"


def _flag(value: Any) -> bool | None:
    """A boolean setting; missing is False; None when branches differ or it is unknown."""
    verdicts = {False if v is ABSENT else as_bool(v) for v in alternatives(value)}
    return verdicts.pop() if len(verdicts) == 1 else None


def _contains(value: Any, item: str) -> bool | None:
    verdicts: set[bool | None] = set()
    for option in alternatives(value):
        if option is ABSENT:
            verdicts.add(False)
        elif isinstance(option, list):
            if any(isinstance(v, (Unknown, Choice)) for v in option):
                verdicts.add(True if item in option else None)
            else:
                verdicts.add(item in option)
        else:
            verdicts.add(None)
    return verdicts.pop() if len(verdicts) == 1 else None


def _non_empty(value: Any) -> bool | None:
    verdicts: set[bool | None] = set()
    for option in alternatives(value):
        if option is ABSENT:
            verdicts.add(False)
        elif isinstance(option, list):
            verdicts.add(bool(option))
        else:
            verdicts.add(None)
    return verdicts.pop() if len(verdicts) == 1 else None


def _all(*verdicts: bool | None) -> bool | None:
    if any(v is False for v in verdicts):
        return False
    if any(v is None for v in verdicts):
        return None
    return True


class CodeDeployAutoRollback(Rule):
    id = "OPS06-BP04/codedeploy-auto-rollback"
    title = "CodeDeploy rolls back on deployment failure and on alarms"
    severity = Severity.WARNING
    resource_types = {
        "terraform": (GROUP_TYPES[0],),
        "cloudformation": (GROUP_TYPES[1], SAM_FUNCTION),
    }
    docs = Docs(
        what=(
            "Checks that CodeDeploy deployment groups roll back automatically: "
            "`auto_rollback_configuration` / `AutoRollbackConfiguration` enabled with the "
            "`DEPLOYMENT_FAILURE` event (roll back a failed deployment), and with "
            "`DEPLOYMENT_STOP_ON_ALARM` plus an enabled `alarm_configuration` / "
            "`AlarmConfiguration` naming at least one alarm (roll back a deployment that "
            "breaks the service). For SAM functions with a `DeploymentPreference` (SAM "
            "always generates rollback on failure and on alarm), `DeploymentPreference.Alarms` "
            "must name at least one alarm."
        ),
        why=(
            "OPS06-BP04 asks you to automate testing and rollback. A deployment that fails, "
            "or that succeeds but sets off error alarms, should return to the last good "
            "revision without waiting for someone to notice and redeploy by hand."
        ),
        fix=(
            "Enable automatic rollback with both events, and attach the alarms that tell "
            "whether the new revision is healthy (errors, latency) to the deployment group "
            "or to `DeploymentPreference.Alarms`."
        ),
        cautions=(
            "A deployment group whose service has no meaningful alarms yet cannot roll back "
            "on alarms: add them, or suppress the finding with a reason until they exist. "
            "Alarm lists opslint cannot resolve never produce a finding."
        ),
        examples=(
            Example(
                "terraform",
                failing=('resource "aws_codedeploy_deployment_group" "api" {\n  # ...\n}'),
                passing=(
                    'resource "aws_codedeploy_deployment_group" "api" {\n  # ...\n'
                    "  auto_rollback_configuration {\n    enabled = true\n"
                    '    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]\n  }\n'
                    "  alarm_configuration {\n    enabled = true\n"
                    "    alarms  = [aws_cloudwatch_metric_alarm.errors.alarm_name]\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Group:\n  Type: AWS::CodeDeploy::DeploymentGroup\n  Properties:\n    # ..."
                ),
                passing=(
                    "Group:\n  Type: AWS::CodeDeploy::DeploymentGroup\n  Properties:\n"
                    "    # ...\n    AutoRollbackConfiguration:\n      Enabled: true\n"
                    "      Events: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]\n"
                    "    AlarmConfiguration:\n      Enabled: true\n"
                    "      Alarms:\n        - Name: !Ref ErrorsAlarm"
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
                    "      Type: Canary10Percent5Minutes\n      Alarms:\n"
                    "        - !Ref ErrorsAlarm"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        for resource in ctx.each(unit.resources):
            if resource.kind != "resource":
                continue
            if resource.type in GROUP_TYPES:
                yield from self._group(resource)
            elif resource.type == SAM_FUNCTION and unit.framework == "cloudformation":
                yield from self._sam_function(resource)

    def _group(self, group: Resource) -> Iterator[Violation]:
        names = NAMES[group.framework]
        enabled = _flag(group.get(names["rollback_enabled"]))
        events = group.get(names["events"])
        on_failure = _all(enabled, _contains(events, "DEPLOYMENT_FAILURE"))
        on_alarm = _all(
            enabled,
            _contains(events, "DEPLOYMENT_STOP_ON_ALARM"),
            _flag(group.get(names["alarm_enabled"])),
            _non_empty(group.get(names["alarms"])),
        )
        if on_failure is not False and on_alarm is not False:
            return
        rollback_written = group.has(names["rollback"])
        if on_failure is False and on_alarm is False:
            problem = "does not roll back automatically"
            fix = (
                f"enable `{names['rollback']}` with the DEPLOYMENT_FAILURE and "
                f"DEPLOYMENT_STOP_ON_ALARM events, and alarms in `{names['alarm']}`"
            )
            attribute = names["rollback"] if rollback_written else ""
        elif on_failure is False:
            problem = "does not roll back a failed deployment"
            fix = f"add the DEPLOYMENT_FAILURE event to an enabled `{names['rollback']}`"
            attribute = names["rollback"] if rollback_written else ""
        else:
            problem = "does not roll back when its alarms go off"
            fix = (
                f"add the DEPLOYMENT_STOP_ON_ALARM event and an enabled `{names['alarm']}` "
                "with at least one alarm"
            )
            attribute = (
                names["alarm"]
                if group.has(names["alarm"])
                else (names["rollback"] if rollback_written else "")
            )
        yield self.violation(
            group, f"Deployment group `{group.name}` {problem}: {fix}", attribute=attribute
        )

    def _sam_function(self, function: Resource) -> Iterator[Violation]:
        preference = function.get("DeploymentPreference")
        if preference is ABSENT:
            return
        if not every_alternative(
            function.get("DeploymentPreference.Enabled"),
            lambda v: v is ABSENT or as_bool(v) is True,
        ):
            return  # disabled (no CodeDeploy deployment at all), or cannot tell
        if _non_empty(function.get("DeploymentPreference.Alarms")) is not False:
            return
        yield self.violation(
            function,
            f"Function `{function.name}` rolls back a failed deployment but not one that "
            "sets off alarms: list error and latency alarms in "
            "`DeploymentPreference.Alarms`",
            attribute="DeploymentPreference",
        )
