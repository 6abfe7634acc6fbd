"""OPS08-BP05/dashboard-body-valid: CloudWatch dashboard bodies are JSON with widgets."""

import json
import re
from collections.abc import Iterator
from typing import Any

from opslint.model import Attr, Resource, Severity, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation

ATTRIBUTE = Attr(terraform="dashboard_body", cloudformation="DashboardBody")
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_SOURCE_LIMIT = 200  # the CloudFormation parser shortens an unknown's source to this


def _sub_template(value: Unknown) -> str | None:
    """The template text of a one-argument ``!Sub`` the parser could not resolve, when its
    rendering (``Unknown.source``) holds it whole; None otherwise."""
    source = value.source
    if not source.startswith("!Sub ") or (len(source) >= _SOURCE_LIMIT and source.endswith("…")):
        return None
    text = source[len("!Sub ") :]
    if text.startswith("["):
        return None  # the list form renders ambiguously
    if text.startswith('"'):
        try:
            decoded = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return decoded if isinstance(decoded, str) else None
    return text


def _fill_placeholders(template: str) -> str | None:
    """The template with every ``${...}`` replaced by a neutral word, when each placeholder
    sits inside a JSON string (so the JSON structure does not depend on its value); None
    when one stands for JSON itself (``"period": ${Period}``)."""
    out: list[str] = []
    in_string = False
    index = 0
    while index < len(template):
        char = template[index]
        match = _PLACEHOLDER.match(template, index) if char == "$" else None
        if match:
            if not in_string:
                return None
            inner = match.group(1)
            out.append("${" + inner[1:] + "}" if inner.startswith("!") else "x")
            index = match.end()
            continue
        if in_string and char == "\\":
            out.append(template[index : index + 2])
            index += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        index += 1
    return "".join(out)


def _body_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown):
        template = _sub_template(value)
        return _fill_placeholders(template) if template is not None else None
    return None


def _problem(text: str) -> str | None:
    """What is wrong with a dashboard body, or None."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        return f"is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
    except RecursionError:
        return None  # nested too deeply to judge: no finding from what was not read
    if not isinstance(body, dict) or not isinstance(body.get("widgets"), list):
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
            "Bodies built from values opslint cannot resolve (`templatefile()`, "
            "`jsonencode()` of unknown values, `!Sub` with a placeholder standing for JSON "
            'such as `"period": ${Period}`, the list form of `!Sub`, or a long `!Sub` body '
            "the parser does not keep whole) are unknown and never reported."
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
            text = _body_text(option)
            if text is None:
                return None
            problem = _problem(text)
            if problem is not None and problem not in problems:
                problems.append(problem)
            return problem is not None

        # Judge each alternative here: an Unknown `!Sub` may still be readable.
        options = alternatives(value)
        verdicts = [bad(option) for option in options]
        if not options or not all(v is True for v in verdicts):
            return
        yield self.violation(
            resource,
            f"Dashboard `{resource.name}` body {' / '.join(problems)}: fix `{attribute}`",
            attribute=attribute,
        )
