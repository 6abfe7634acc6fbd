"""OPS08-BP05/dashboard-body-valid: CloudWatch dashboard bodies are JSON with widgets."""

import json
from collections.abc import Iterator
from typing import Any

from opslint.model import (
    Attr,
    Choice,
    Partial,
    Reference,
    Resource,
    Severity,
    Unknown,
    alternatives,
)
from opslint.partial import filled
from opslint.rule import Context, Docs, Example, Rule, Violation
from opslint.undecided import note

ATTRIBUTE = Attr(terraform="dashboard_body", cloudformation="DashboardBody")


def _body_text(value: Any) -> str | None:
    """The body's text; for a partly known body (``!Sub`` / ``Fn::Join`` with a parameter, a
    template with a variable) its text with each unknown piece replaced by a neutral word,
    when each sits inside a JSON string (so validity and the ``widgets`` array do not depend
    on its value). None otherwise."""
    if isinstance(value, str):
        return value
    return filled(value)


def _problem(value: Any) -> str | bool | None:
    """What is wrong with a dashboard body, None when nothing is, False when the known parts
    do not decide."""
    document = value.document if isinstance(value, Partial) else None
    if document is None:
        text = _body_text(value)
        if text is None:
            return False
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            return f"is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        except RecursionError:
            return False  # nested too deeply to judge: no finding from what was not read
    if not isinstance(document, dict):
        return "has no top-level `widgets` array"
    widgets = document.get("widgets")
    if isinstance(widgets, (Unknown, Reference, Choice)):
        return False  # `widgets = var.widgets`: the known parts do not decide
    if not isinstance(widgets, list):
        return "has no top-level `widgets` array"
    return None


class DashboardBodyValid(Rule):
    id = "OPS08-BP05/dashboard-body-valid"
    title = "CloudWatch dashboard bodies are valid JSON with a widgets array"
    severity = Severity.ERROR
    related = ("OPS09-BP06",)
    resource_types = {
        "terraform": ("aws_cloudwatch_dashboard",),
        "cloudformation": ("AWS::CloudWatch::Dashboard",),
    }
    docs = Docs(
        what=(
            "Checks that the body of every CloudWatch dashboard parses as JSON and has a "
            "top-level `widgets` array: `dashboard_body` on `aws_cloudwatch_dashboard` "
            "(read when it is a literal, a heredoc, or `jsonencode(...)` of known values), "
            "`DashboardBody` on `AWS::CloudWatch::Dashboard` (a string, or a `!Sub` whose "
            "`${...}` placeholders all sit inside JSON strings: they are replaced by a "
            "neutral word before parsing)."
        ),
        why=(
            "OPS08-BP05 asks you to create dashboards and OPS09-BP06 to communicate status "
            "through them. A body that is not JSON, or has no widgets, is rejected by "
            "`PutDashboard` at deploy time, so the dashboard operators rely on is missing "
            "or stale exactly when it changes."
        ),
        fix=(
            "Build the body with `jsonencode({ widgets = [...] })` in Terraform so it is "
            "always valid JSON; in CloudFormation validate the string (a stray comma or "
            "quote is the usual culprit) and keep the widgets in a top-level `widgets` list."
        ),
        cautions=(
            "A body that is partly known is judged on its known parts: `jsonencode()` of "
            "an object with some unknown values, a `templatefile()`, `!Sub`, `!Join` or "
            "Terraform template whose unknown pieces each sit inside a JSON string. A body "
            "whose structure depends on an unknown value (`jsonencode(var.body)`, `widgets = "
            'var.widgets`, `!Sub` with a placeholder standing for JSON such as `"period": '
            "${Period}`) is undecided and never reported."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudwatch_dashboard" "main" {\n'
                    '  dashboard_name = "orders"\n'
                    "  dashboard_body = jsonencode({\n"
                    '    widget = [{ type = "text", properties = { markdown = "Orders" } }]\n'
                    "  })\n}"
                ),
                passing=(
                    'resource "aws_cloudwatch_dashboard" "main" {\n'
                    '  dashboard_name = "orders"\n'
                    "  dashboard_body = jsonencode({\n"
                    "    widgets = [{\n"
                    '      type = "text", x = 0, y = 0, width = 6, height = 2\n'
                    '      properties = { markdown = "Orders" }\n    }]\n  })\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Dashboard:\n  Type: AWS::CloudWatch::Dashboard\n  Properties:\n"
                    "    DashboardBody: '{\"widget\": []}'"
                ),
                passing=(
                    "Dashboard:\n  Type: AWS::CloudWatch::Dashboard\n  Properties:\n"
                    '    DashboardBody: !Sub \'{"widgets": [{"type": "metric", '
                    '"properties": {"region": "${AWS::Region}", "metrics": '
                    '[["AWS/Lambda", "Errors", "FunctionName", "${Fn}"]]}}]}\''
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        attribute = ATTRIBUTE.name(resource.framework)
        value = resource.get(attribute)
        problems: list[str] = []

        def bad(option: Any) -> bool | None:
            problem = _problem(option)
            if problem is False:
                note(option)
                return None
            if isinstance(problem, str) and problem not in problems:
                problems.append(problem)
            return problem is not None

        # Judge each alternative here: a partly known body may still be readable.
        options = alternatives(value)
        verdicts = [bad(option) for option in options]
        if not options or not all(v is True for v in verdicts):
            return
        yield self.violation(
            resource,
            f"Dashboard `{resource.name}` body {' / '.join(problems)}: fix `{attribute}`",
            attribute=attribute,
        )
