"""OPS04-BP01/declared-kpis-monitored (on when KPIs are declared): every key performance
indicator the configuration declares is watched by an alarm, a dashboard or an SLO."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from opslint.aws import alarms
from opslint.model import ABSENT, Kpi, Repository, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

DASHBOARD_BODY = {
    "aws_cloudwatch_dashboard": "dashboard_body",
    "AWS::CloudWatch::Dashboard": "DashboardBody",
}
# CloudWatch Application Signals service level objectives (the Terraform resource is in
# version 6 of the hashicorp/aws provider).
SLO_TYPES = {
    "aws_applicationsignals_service_level_objective": "name",
    "AWS::ApplicationSignals::ServiceLevelObjective": "Name",
}

# An Fn::Sub / interpolation value other than a pseudo parameter (${AWS::Region}).
_CUT = "\u2026"  # how an unresolved value's shortened source ends
_OPEN_VALUE = re.compile(r"\$\{(?!AWS::)")
KPI_CONFIG = "kpis:\n  - name: orders placed\n    namespace: Shop\n    metric: OrdersPlaced\n"


def _same(value: Any, wanted: str) -> bool | None:
    """Whether ``value`` certainly is ``wanted`` (None: cannot tell)."""
    verdicts = [
        o == wanted if isinstance(o, str) else (False if o is ABSENT else None)
        for o in alternatives(value)
    ]
    if any(v is True for v in verdicts):
        return True
    return None if any(v is None for v in verdicts) else False


def _and(first: bool | None, second: bool | None) -> bool | None:
    if first is False or second is False:
        return False
    return True if first and second else None


def _alarm_watches(alarm: Resource, kpi: Kpi) -> bool | None:
    if kpi.namespace is None or kpi.metric is None:
        return False
    verdict: bool | None = False
    for watched in alarms.watched_metrics(alarm):
        found = _and(_same(watched.namespace, kpi.namespace), _same(watched.metric, kpi.metric))
        if found:
            return True
        if found is None:
            verdict = None
    return verdict


def _body_strings(value: Any) -> tuple[list[str], bool]:
    """The strings of a dashboard body (a JSON text is read as JSON) and whether part of it
    cannot be read."""
    strings, _, opaque = alarms.strings_and_references(value)
    out: list[str] = []
    for text in strings:
        try:
            decoded = json.loads(text) if text.lstrip().startswith("{") else None
        except ValueError:
            decoded = None
        if decoded is not None:
            out.extend(alarms.strings_and_references(decoded)[0])
        else:
            out.append(text)
    unknown = opaque or any(isinstance(o, Unknown) for o in alternatives(value))
    return out, unknown


def _dashboard_shows(dashboard: Resource, kpi: Kpi) -> bool | None:
    """A dashboard's metric rows name the namespace and the metric as values; a body we
    cannot read in full (an unresolved ``Fn::Sub``) is searched as text, and may show any
    metric when a value it leaves open is not a pseudo parameter."""
    body = dashboard.get(DASHBOARD_BODY[dashboard.type])
    if body is ABSENT:
        return False
    strings, unknown = _body_strings(body)
    if kpi.namespace in strings and kpi.metric in strings:
        return True
    if not unknown:
        return False
    text = " ".join(strings).replace('\\"', '"')
    if f'"{kpi.namespace}"' in text and f'"{kpi.metric}"' in text:
        return True
    if not strings or f'"{kpi.metric}"' in text or _OPEN_VALUE.search(text):
        return None
    if any(s.endswith(_CUT) for s in strings):
        return None  # the unresolved body is shown shortened: the rest may show it
    return False


def _slo_tracks(slo: Resource, kpi: Kpi) -> bool | None:
    if kpi.slo is not None:
        return _same(slo.get(SLO_TYPES[slo.type]), kpi.slo)
    strings, _, opaque = alarms.strings_and_references(slo.attributes)
    if kpi.namespace in strings and kpi.metric in strings:
        return True
    return None if opaque else False


def watched(units: tuple[Unit, ...], kpi: Kpi) -> bool | None:
    """Whether something in ``units`` watches ``kpi`` (None: cannot tell)."""
    verdict: bool | None = False
    for unit in units:
        for resource in unit.resources:
            if resource.kind != "resource":
                continue
            found: bool | None = False
            if resource.type in SLO_TYPES:
                found = _slo_tracks(resource, kpi)
            elif kpi.slo is not None:
                continue
            elif resource.type in alarms.METRIC_ALARM_TYPES:
                found = _alarm_watches(resource, kpi)
            elif resource.type in DASHBOARD_BODY:
                found = _dashboard_shows(resource, kpi)
            if found:
                return True
            if found is None:
                verdict = None
    return verdict


class DeclaredKpisMonitored(Rule):
    id = "OPS04-BP01/declared-kpis-monitored"
    title = "Declared key performance indicators are watched by an alarm, dashboard or SLO"
    severity = Severity.WARNING
    enabled_by_default = False
    enabled_by = "kpis"
    related = ("OPS08-BP01",)
    docs = Docs(
        what=(
            "Reads the key performance indicators the team declares under `kpis` in the "
            "configuration, each as the CloudWatch metric that measures it (`namespace` and "
            "`metric`) or the CloudWatch Application Signals service level objective that "
            "tracks it (`slo`), and checks that something in the repository watches each: a "
            "metric alarm on that metric (its metric or a metric query), a dashboard whose "
            "body shows it (`aws_cloudwatch_dashboard`, `AWS::CloudWatch::Dashboard`), or a "
            "service level objective of that name or on that metric "
            "(`aws_applicationsignals_service_level_objective`, "
            "`AWS::ApplicationSignals::ServiceLevelObjective`). The finding is on the "
            "declaration in the configuration file. Off unless `kpis` is set: choosing KPIs "
            "is a business decision opslint cannot make."
        ),
        why=(
            "OPS04-BP01 asks you to identify key performance indicators. A KPI nobody "
            "watches is a number on a slide: when it drops, no alarm fires and no dashboard "
            "shows it, and the business outcome it stands for degrades unseen."
        ),
        fix=(
            "Add an alarm on the metric (for example on a drop below its normal range), a "
            "dashboard widget that shows it, or an Application Signals SLO that tracks it; "
            "or remove the KPI from `kpis` if another repository watches it."
        ),
        unknown=(
            "Alarms, dashboards and SLOs whose namespace, metric name, body or name opslint "
            "cannot resolve may watch the KPI: no finding."
        ),
        cautions=(
            "KPIs watched in another repository or tool (declare them there instead), and "
            "metric math or Metrics Insights queries that read the metric by a `SEARCH` or "
            "`SELECT` (not matched by name: such an alarm on the namespace counts as "
            "possibly watching it)."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}',
                passing=(
                    'resource "aws_cloudwatch_metric_alarm" "orders" {\n'
                    '  alarm_name          = "orders-placed-low"\n'
                    '  namespace           = "Shop"\n  metric_name         = "OrdersPlaced"\n'
                    '  statistic           = "Sum"\n  period              = 300\n'
                    "  evaluation_periods  = 3\n  threshold           = 10\n"
                    '  comparison_operator = "LessThanThreshold"\n}'
                ),
                given={".opslint.yaml": KPI_CONFIG},
            ),
            Example(
                "cloudformation",
                failing="Alerts:\n  Type: AWS::SNS::Topic",
                passing=(
                    "Business:\n  Type: AWS::CloudWatch::Dashboard\n  Properties:\n"
                    "    DashboardBody: >-\n"
                    '      {"widgets": [{"type": "metric", "properties": {"metrics":\n'
                    '      [["Shop", "OrdersPlaced"]], "region": "eu-west-1"}}]}'
                ),
                given={".opslint.yaml": KPI_CONFIG},
            ),
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(repo.units)

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        for kpi in ctx.kpis:
            if watched(repo.units, kpi) is not False:
                continue
            advice = (
                "define the Application Signals service level objective that tracks it"
                if kpi.slo is not None
                else "add an alarm, a dashboard widget or an SLO on it"
            )
            yield self.file_violation(
                kpi.path,
                f"{kpi.label} is declared but nothing in this repository watches it: {advice}",
                line=kpi.line,
                key=kpi.label,
            )
