"""OPS09-BP07/automation-runbook-triggered: SSM Automation runbooks are run by something."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opslint.aws.alarms import strings_and_references
from opslint.model import Resource, Severity, Unit, alternatives
from opslint.repo.terraform_roots import is_deployed
from opslint.rule import Context, Docs, Example, Rule, Violation

PERMISSIONS = ("aws_iam_", "AWS::IAM::", "data.aws_iam_")
"""Resources that grant the right to run a document without running it."""


def _automation(document: Resource) -> bool:
    terraform = document.framework == "terraform"
    kinds = alternatives(document.get("document_type" if terraform else "DocumentType"))
    return all(kind == "Automation" for kind in kinds)


def _shared(document: Resource) -> bool:
    """A document shared with other accounts may be run there."""
    return document.framework == "terraform" and document.has("permissions")


def _mentions(resource: Resource, document: Resource, name: str | None) -> bool:
    strings, addresses, _ = strings_and_references(dict(resource.attributes))
    if document.name in addresses:
        return True
    if name is None:
        return False
    token = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])")
    return any(token.search(text) for text in strings)


def _triggered(unit: Unit, document: Resource) -> bool:
    literal = document.get("name" if document.framework == "terraform" else "Name")
    name = literal if isinstance(literal, str) and literal else None
    for resource in unit.resources:
        if resource is document or resource.name.startswith(PERMISSIONS):
            continue
        if resource.type.startswith(PERMISSIONS):
            continue
        if _mentions(resource, document, name):
            return True
    return False


class AutomationRunbookTriggered(Rule):
    id = "OPS09-BP07/automation-runbook-triggered"
    title = "SSM Automation runbooks are triggered by an event, remediation or schedule"
    severity = Severity.NOTE
    related = ("OPS07-BP03",)
    resource_types = {
        "terraform": ("aws_ssm_document",),
        "cloudformation": ("AWS::SSM::Document",),
    }
    docs = Docs(
        what=(
            "Checks that each Systems Manager document of type `Automation` defined in a "
            "Terraform root module or a template is run by something in the same module or "
            "template: an EventBridge target (`aws_cloudwatch_event_target.arn`, "
            "`Targets[].Arn` of `automation-definition/<name>`), a Config remediation "
            "(`target_id`, `TargetId`), an Incident Manager response plan action "
            "(`ssm_automation.document_name`, `SsmAutomation.DocumentName`), a maintenance "
            "window task (`task_arn`, `TaskArn`), a State Manager association (`name`, "
            "`Name`), or any other resource that references the document or names it. IAM "
            "policies that only allow running it do not count. Documents shared with other "
            "accounts (`permissions`) and documents of reusable modules are not judged."
        ),
        why=(
            "OPS09-BP07 asks you to automate responses to events. An Automation runbook "
            "that nothing triggers is a manual procedure in disguise: when the event it was "
            "written for happens, someone has to remember it exists and run it."
        ),
        fix=(
            "Run the runbook from the event it answers: an EventBridge rule target, a Config "
            "remediation configuration, a response plan action or a maintenance window task."
        ),
        unknown=(
            "A document whose type opslint cannot resolve is not judged; a resource that "
            "names the document through a value opslint cannot resolve is not seen, so "
            "suppress such a finding with a reason."
        ),
        cautions=(
            "Runbooks run by hand by design, or started from application code (a Lambda "
            "function calling `StartAutomationExecution`): suppress the finding with a reason "
            "naming the runbook page or the caller."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_ssm_document" "restart" {\n  name          = "restart-app"\n'
                    '  document_type = "Automation"\n  content       = file("restart.yaml")\n'
                    '}\n\nprovider "aws" {\n  region = "eu-west-1"\n}'
                ),
                passing=(
                    'resource "aws_ssm_document" "restart" {\n  name          = "restart-app"\n'
                    '  document_type = "Automation"\n  content       = file("restart.yaml")\n'
                    '}\n\nprovider "aws" {\n  region = "eu-west-1"\n}\n\n'
                    'resource "aws_config_remediation_configuration" "restart" {\n'
                    '  config_rule_name = "app-healthy"\n  target_type      = "SSM_DOCUMENT"\n'
                    "  target_id        = aws_ssm_document.restart.name\n"
                    "  automatic        = true\n"
                    "  maximum_automatic_attempts = 3\n  retry_attempt_seconds      = 60\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Restart:\n  Type: AWS::SSM::Document\n  Properties:\n"
                    "    DocumentType: Automation\n    Content:\n      schemaVersion: '0.3'\n"
                    "      mainSteps: []"
                ),
                passing=(
                    "Restart:\n  Type: AWS::SSM::Document\n  Properties:\n"
                    "    DocumentType: Automation\n    Content:\n      schemaVersion: '0.3'\n"
                    "      mainSteps: []\n"
                    "OnUnhealthy:\n  Type: AWS::Events::Rule\n  Properties:\n"
                    "    EventPattern:\n      source: [aws.health]\n    Targets:\n"
                    "      - Id: restart\n        RoleArn: arn:aws:iam::111122223333:role/events\n"
                    "        Arn: !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:"
                    "${AWS::AccountId}:automation-definition/${Restart}:$DEFAULT"
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        unit = ctx.unit
        if unit.framework == "terraform" and (resource.module or not _root(unit)):
            return
        if not _automation(resource) or _shared(resource) or _triggered(unit, resource):
            return
        yield self.violation(
            resource,
            f"Automation runbook `{resource.name}` is not triggered by anything in this "
            f"{'module' if unit.framework == 'terraform' else 'template'}: no EventBridge "
            "target, Config remediation, maintenance window task, association or response "
            "plan runs it; run it from the event it answers, or suppress with a reason if it "
            "is run by hand",
        )


def _root(unit: Unit) -> bool:
    """A Terraform module that is applied (not a reusable module whose caller may run its
    documents)."""
    return is_deployed(unit) or bool(unit.providers)
