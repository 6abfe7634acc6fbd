"""Opt-in repository rules: what their fixtures cannot show (module calls that may create
what the rule looks for, options)."""

from __future__ import annotations

from opslint.api import lint
from opslint.repo.examples import SAM_CONFIG

ROOT = 'terraform {\n  backend "s3" {}\n}\n\nprovider "aws" {\n  region = "eu-west-1"\n}\n'
LB = 'resource "aws_lb" "web" {\n  name    = "web"\n  subnets = ["subnet-1", "subnet-2"]\n}\n'
UX = "OPS04-BP03/public-endpoint-ux-monitoring"
HEALTH = "OPS09-BP07/health-events-handled"


def found(files: dict[str, str], rule: str, **options: object) -> list[tuple[str, int]]:
    result = lint(files, select=[rule], options={rule: options} if options else None)
    return [(f.path, f.line) for f in result.findings if f.rule_id == rule]


def test_public_endpoint_without_monitoring_is_reported() -> None:
    assert found({"main.tf": ROOT + LB}, UX) == [("main.tf", 8)]


def test_a_module_named_for_synthetics_may_monitor_the_endpoint() -> None:
    call = 'module "synthetics" {\n  source = "acme/canaries/aws"\n  url = "https://x"\n}\n'
    assert found({"main.tf": ROOT + LB + call}, UX) == []
    # a name that only contains the letters of a hint is not one
    other = 'module "instrumentation" {\n  source = "acme/instrument/aws"\n}\n'
    assert found({"main.tf": ROOT + LB + other}, UX) == [("main.tf", 8)]


def test_monitor_types_accepts_another_tools_synthetic_checks() -> None:
    check = 'resource "checkly_check" "home" {\n  name = "home"\n}\n'
    files = {"main.tf": ROOT + LB, "checks/main.tf": check}
    assert found(files, UX) == []
    assert found(files, UX, monitor_types=[]) == [("main.tf", 8)]


def test_health_module_call_may_handle_health_events() -> None:
    call = 'module "health_notifications" {\n  source = "acme/health/aws"\n}\n'
    assert found({"main.tf": ROOT + LB}, HEALTH) == [("main.tf", 1)]
    assert found({"main.tf": ROOT + LB + call}, HEALTH) == []


def test_health_rule_in_a_template_without_targets_is_not_handling() -> None:
    template = (
        "Resources:\n  Health:\n    Type: AWS::Events::Rule\n    Properties:\n"
        "      EventPattern:\n        source: [aws.health]\n"
    )
    deployed = {"samconfig.toml": SAM_CONFIG}
    assert found({"template.yaml": template, **deployed}, HEALTH) == [("template.yaml", 1)]
    with_target = template + "      Targets:\n        - {Id: t, Arn: arn:aws:sns:eu-west-1:1:t}\n"
    assert found({"template.yaml": with_target, **deployed}, HEALTH) == []
    # a template library (nothing deploys the template) is judged where it is deployed
    assert found({"template.yaml": template}, HEALTH) == []
