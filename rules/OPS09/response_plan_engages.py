"""OPS09-BP04/response-plan-engages: Incident Manager response plans engage someone."""

from typing import Any

from opslint.model import ABSENT, Attr, Resource, Severity, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Expect, Rule

ENGAGEMENTS = Attr(terraform="engagements", cloudformation="Engagements")
INTEGRATIONS = Attr(terraform="integration", cloudformation="Integrations")
PAGERDUTY = Attr(terraform="integration.pagerduty", cloudformation="Integrations")


def _empty(value: Any) -> bool | None:
    """True when every alternative is certainly empty, None when one cannot be known."""
    verdict: bool | None = True
    for option in alternatives(value):
        if option is ABSENT or option == [] or option == {}:
            continue
        if isinstance(option, Unknown) or (
            isinstance(option, list) and any(isinstance(i, Unknown) for i in option)
        ):
            verdict = None
            continue
        return False
    return verdict


def _no_paging(resource: Resource, ctx: Context) -> bool:
    return _empty(resource.get(PAGERDUTY)) is True


def _integrations(resource: Resource, ctx: Context) -> dict[str, str]:
    return {"integrations": INTEGRATIONS.name(resource.framework)}


ENGAGES_NOBODY = (
    "Response plan `{name}` engages nobody: incidents it opens page no contact; set "
    "`{attribute}` to the on-call contacts or escalation plan, or add a PagerDuty "
    "`{integrations}`"
)


class ResponsePlanEngages(Rule):
    id = "OPS09-BP04/response-plan-engages"
    title = "Incident Manager response plans engage contacts or a paging integration"
    severity = Severity.WARNING
    checks = (
        Expect(
            ("aws_ssmincidents_response_plan", "AWS::SSMIncidents::ResponsePlan"),
            ENGAGEMENTS,
            bad=_empty,
            when=_no_paging,
            details=_integrations,
            whole_resource=True,
            message=ENGAGES_NOBODY,
            missing_message=ENGAGES_NOBODY,
        ),
    )
    docs = Docs(
        what=(
            "Checks that each AWS Systems Manager Incident Manager response plan engages "
            "someone when it opens an incident: a non-empty `engagements` (contacts or "
            "escalation plans) or a PagerDuty `integration` on "
            "`aws_ssmincidents_response_plan`; `Engagements` or `Integrations` on "
            "`AWS::SSMIncidents::ResponsePlan`."
        ),
        why=(
            "OPS09-BP04 asks you to define escalation paths. A response plan without "
            "engagements opens incidents and may post to a chat channel, but pages nobody: "
            "the escalation path ends before it starts."
        ),
        fix=(
            "List the on-call contact or escalation plan ARNs in `engagements` / "
            "`Engagements`, or add the PagerDuty integration your team pages through. "
            "Incident Manager is closed to new customers: accounts that are not already "
            "onboarded escalate through a paging tool or AWS User Notifications instead."
        ),
        cautions=(
            "Engagements added in the console (drift) and response plans only used for "
            "incidents opened by hand: suppress the finding with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_ssmincidents_response_plan" "api" {\n  name = "api"\n'
                    '  incident_template {\n    title  = "API down"\n    impact = 2\n  }\n}'
                ),
                passing=(
                    'resource "aws_ssmincidents_response_plan" "api" {\n  name = "api"\n'
                    '  incident_template {\n    title  = "API down"\n    impact = 2\n  }\n'
                    "  engagements = [aws_ssmcontacts_contact.oncall.arn]\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Api:\n  Type: AWS::SSMIncidents::ResponsePlan\n  Properties:\n"
                    "    Name: api\n    IncidentTemplate:\n      Title: API down\n"
                    "      Impact: 2"
                ),
                passing=(
                    "Api:\n  Type: AWS::SSMIncidents::ResponsePlan\n  Properties:\n"
                    "    Name: api\n    IncidentTemplate:\n      Title: API down\n"
                    "      Impact: 2\n    Engagements:\n      - !GetAtt OnCall.Arn"
                ),
            ),
        ),
    )
