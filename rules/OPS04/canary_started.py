"""OPS04-BP03/canary-started: CloudWatch Synthetics canaries start when they are created."""

from opslint.model import Severity
from opslint.rule import Docs, Example, Expect, Rule

MISSING = (
    "Canary {resource} never runs: it is created in the READY state and nothing starts it; "
    "set `{attribute}` to true"
)
WRONG = "Canary {resource} sets `{attribute}` to {value}, so it never runs: set it to true"


class CanaryStarted(Rule):
    id = "OPS04-BP03/canary-started"
    title = "CloudWatch Synthetics canaries are started when deployed"
    severity = Severity.WARNING
    checks = (
        Expect(
            "aws_synthetics_canary",
            "start_canary",
            one_of=(True,),
            message=WRONG,
            missing_message=MISSING,
        ),
        Expect(
            "AWS::Synthetics::Canary",
            "StartCanaryAfterCreation",
            one_of=(True,),
            message=WRONG,
            missing_message=MISSING,
        ),
    )
    docs = Docs(
        what=(
            "Checks that CloudWatch Synthetics canaries run: `start_canary = true` on "
            "`aws_synthetics_canary` (the provider starts the canary only when it is true) and "
            "`StartCanaryAfterCreation: true` on `AWS::Synthetics::Canary` (the default is "
            "false). A canary left in the READY state never runs its script."
        ),
        why=(
            "OPS04-BP03 asks you to implement user experience telemetry. A canary is "
            "synthetic user-experience telemetry only while it runs: one that was created "
            "but never started looks like monitoring in review and measures nothing."
        ),
        fix=(
            "Set `start_canary = true` (Terraform) or `StartCanaryAfterCreation: true` "
            "(CloudFormation) so the canary starts on every deployment."
        ),
        cautions=(
            "Canaries a pipeline step starts (`aws synthetics start-canary`) or that are "
            "parked on purpose: suppress the finding with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_synthetics_canary" "home" {\n  name = "home"\n  # ...\n}',
                passing=(
                    'resource "aws_synthetics_canary" "home" {\n  name         = "home"\n'
                    "  start_canary = true\n  # ...\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing="Home:\n  Type: AWS::Synthetics::Canary\n  Properties:\n    # ...",
                passing=(
                    "Home:\n  Type: AWS::Synthetics::Canary\n  Properties:\n    # ...\n"
                    "    StartCanaryAfterCreation: true"
                ),
            ),
        ),
    )
