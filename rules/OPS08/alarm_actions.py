"""OPS08-BP04/alarm-actions: CloudWatch alarms notify someone or something when they fire."""

from collections.abc import Iterator

from opslint.aws import alarms
from opslint.model import Severity, Unit
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative


class AlarmActions(Rule):
    id = "OPS08-BP04/alarm-actions"
    title = "CloudWatch alarms have enabled alarm actions"
    severity = Severity.WARNING
    resource_types = alarms.ALARM_TYPES
    docs = Docs(
        what=(
            "Checks that every CloudWatch metric alarm, composite alarm and log alarm "
            "(`AWS::CloudWatch::LogAlarm`, on a scheduled Logs Insights query) does something when "
            "it goes into ALARM: `alarm_actions` / `AlarmActions` is set and not empty, and "
            "`actions_enabled` / `ActionsEnabled` is not `false` (its default is true). "
            "Alarms that exist to be read by something else are exempt: alarms named by a "
            "composite alarm's `alarm_rule` / `AlarmRule` or `actions_suppressor`, by a "
            "CodeDeploy deployment group's `alarm_configuration` / `AlarmConfiguration`, by an "
            "ECS service's deployment `alarms` / `DeploymentConfiguration.Alarms`, by an "
            "AppConfig environment's monitors, by an Auto Scaling instance refresh, by a FIS "
            "experiment's stop conditions, by a Route 53 health check, by an EventBridge rule on "
            "its state changes, or by a SAM `DeploymentPreference.Alarms`."
        ),
        why=(
            "OPS08-BP04 asks you to create actionable alerts. An alarm without actions changes "
            "state in the console and nobody learns of it: the failure it was built to catch "
            "goes unnoticed until a customer reports it."
        ),
        fix=(
            "Point `alarm_actions` at an SNS topic your on-call team is subscribed to (or "
            "another action: an OpsItem, a Lambda function, a CloudWatch investigation, "
            "automation), and remove `actions_enabled = false`. "
            "If the alarm only feeds a composite alarm or a deployment, reference it from there "
            "so opslint can see that."
        ),
        unknown=(
            "A value opslint cannot resolve (an action list from a variable or module output) "
            "never produces a finding; neither does a module input whose default is null (the "
            "caller sets it). When a deployment "
            "group, ECS service or other consumer names its alarms through values opslint "
            "cannot resolve, or an EventBridge rule matches every alarm state change, any "
            "alarm of the unit may be one of them, so none is reported."
        ),
        cautions=(
            "Alarms used only by dashboards, or consumed by a deployment tool in another "
            "repository, have no actions on purpose: suppress the finding with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
                    '  alarm_name = "api-errors"\n  # ... metric, threshold ...\n}'
                ),
                passing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n'
                    '  alarm_name    = "api-errors"\n  # ... metric, threshold ...\n'
                    "  alarm_actions = [aws_sns_topic.oncall.arn]\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    # ... metric, threshold ...\n    ActionsEnabled: false\n"
                    "    AlarmActions: [!Ref OnCallTopic]"
                ),
                passing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    # ... metric, threshold ...\n    AlarmActions: [!Ref OnCallTopic]"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        consumed = alarms.consumers(unit)
        if consumed.opaque:
            return
        for alarm in ctx.each(alarms.alarms(unit)):
            if consumed.of(alarm):
                continue
            kind = alarms.kind_label(alarm)
            enabled = alarms.attribute(alarm, "actions_enabled")
            if every_alternative(alarms.read(alarm, "actions_enabled"), alarms.actions_disabled):
                yield self.violation(
                    alarm,
                    f"{kind} `{alarm.name}` has its actions disabled: set `{enabled}` to true "
                    "(or remove it) so that it notifies someone when it fires",
                    attribute=enabled,
                )
                continue
            attribute = alarms.attribute(alarm, "alarm_actions")
            if every_alternative(alarms.actions(alarm), alarms.has_no_actions):
                yield self.violation(
                    alarm,
                    f"{kind} `{alarm.name}` has no alarm actions: add an SNS topic your on-call "
                    f"team subscribes to (or another action) to `{attribute}`",
                    attribute=attribute,
                )
