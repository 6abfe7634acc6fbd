"""OPS04-BP03/canary-alarmed: a running CloudWatch Synthetics canary is watched by an alarm."""

from __future__ import annotations

from collections.abc import Iterator

from opslint.aws import alarms
from opslint.model import Resource, Severity, Unit, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation, as_bool

NAMESPACE = "CloudWatchSynthetics"
FIELDS = {
    "terraform": ("name", "start_canary"),
    "cloudformation": ("Name", "StartCanaryAfterCreation"),
}


def _watches(unit: Unit, canary: Resource, names: tuple[str, ...]) -> bool | None:
    """Whether some alarm of the unit watches the canary's metrics (None: cannot tell)."""
    verdict: bool | None = False
    for alarm in unit.by_type(*alarms.METRIC_ALARM_TYPES):
        for watched in alarms.watched_metrics(alarm):
            namespaces = alternatives(watched.namespace)
            if not any(n == NAMESPACE for n in namespaces):
                if any(not isinstance(n, str) for n in namespaces):
                    verdict = None
                continue
            dimensions = watched.dimensions
            if not isinstance(dimensions, dict):
                verdict = None
                continue
            if "CanaryName" not in dimensions:
                continue
            points = alarms.value_points_at(dimensions["CanaryName"], canary, names)
            if points:
                return True
            if points is None:
                verdict = None
    return verdict


class CanaryAlarmed(Rule):
    id = "OPS04-BP03/canary-alarmed"
    title = "Running CloudWatch Synthetics canaries are watched by an alarm"
    severity = Severity.WARNING
    related = ("OPS08-BP04",)
    resource_types = {
        "terraform": ("aws_synthetics_canary",),
        "cloudformation": ("AWS::Synthetics::Canary",),
    }
    docs = Docs(
        what=(
            "Checks that each started CloudWatch Synthetics canary (see "
            "OPS04-BP03/canary-started) is watched by a CloudWatch alarm of the same module "
            "or template: a metric alarm in namespace `CloudWatchSynthetics` (for example "
            "`SuccessPercent`, `Failed` or `Duration`) whose `CanaryName` dimension is the "
            "canary, by reference (`aws_synthetics_canary.x.name`, `!Ref Canary`) or by its "
            "literal name; metric queries count. Canaries that are not started are left to "
            "canary-started."
        ),
        why=(
            "OPS04-BP03 asks you to implement user experience telemetry, and OPS08-BP04 to "
            "create actionable alerts. A canary that fails without an alarm records the "
            "broken user journey in a dashboard nobody is looking at."
        ),
        fix=(
            "Add an alarm on the canary's `SuccessPercent` (below 100 over a few periods) "
            "with the `CanaryName` dimension set to the canary's name."
        ),
        unknown=(
            "Alarms whose namespace or dimensions opslint cannot read may watch the canary: "
            "no finding."
        ),
        cautions=(
            "Canaries alarmed from a central monitoring repository: suppress the finding with "
            "a reason naming where the alarm lives."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_synthetics_canary" "home" {\n  name         = "home"\n'
                    "  start_canary = true\n  # ...\n}"
                ),
                passing=(
                    'resource "aws_cloudwatch_metric_alarm" "home" {\n'
                    '  namespace   = "CloudWatchSynthetics"\n'
                    '  metric_name = "SuccessPercent"\n'
                    "  dimensions  = { CanaryName = aws_synthetics_canary.home.name }\n"
                    "  # ...\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Home:\n  Type: AWS::Synthetics::Canary\n  Properties:\n    Name: home\n"
                    "    StartCanaryAfterCreation: true\n    # ..."
                ),
                passing=(
                    "HomeAlarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
                    "    Namespace: CloudWatchSynthetics\n    MetricName: SuccessPercent\n"
                    "    Dimensions:\n      - Name: CanaryName\n        Value: !Ref Home\n"
                    "    # ..."
                ),
            ),
        ),
    )

    def _check(self, canary: Resource, ctx: Context) -> Iterator[Violation]:
        name_field, start_field = FIELDS[canary.framework]
        if not all(as_bool(v) is True for v in alternatives(canary.get(start_field))):
            return
        names = tuple(n for n in alternatives(canary.get(name_field)) if isinstance(n, str))
        if _watches(ctx.unit, canary, names) is not False:
            return
        yield self.violation(
            canary,
            f"Canary `{canary.name}` runs but no alarm watches it: a failing user journey "
            "alerts nobody; add an alarm on its `CloudWatchSynthetics` `SuccessPercent` "
            "metric with the `CanaryName` dimension",
        )

    def check_terraform(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)

    def check_cloudformation(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        yield from self._check(resource, ctx)
