"""OPS04-BP05/step-functions-tracing: Step Functions state machines have X-Ray tracing."""

from opslint.model import Severity
from opslint.rule import Docs, Example, Expect, Rule

MISSING = "State machine {resource} is not traced: set `{attribute}` to true"
WRONG = "State machine {resource} sets `{attribute}` to {value}: set it to true"


def _expect(resource_type: str, attribute: str) -> Expect:
    return Expect(resource_type, attribute, one_of=(True,), message=WRONG, missing_message=MISSING)


class StepFunctionsTracing(Rule):
    id = "OPS04-BP05/step-functions-tracing"
    title = "Step Functions state machines have X-Ray tracing"
    severity = Severity.WARNING
    related = ("OPS08-BP03",)
    checks = (
        _expect("aws_sfn_state_machine", "tracing_configuration.enabled"),
        _expect("AWS::StepFunctions::StateMachine", "TracingConfiguration.Enabled"),
        _expect("AWS::Serverless::StateMachine", "Tracing.Enabled"),
    )
    docs = Docs(
        what=(
            "Checks that Step Functions state machines send traces to AWS X-Ray: "
            "`tracing_configuration { enabled = true }` on `aws_sfn_state_machine`, "
            "`TracingConfiguration.Enabled: true` on `AWS::StepFunctions::StateMachine`, "
            "`Tracing.Enabled: true` on SAM `AWS::Serverless::StateMachine`."
        ),
        why=(
            "OPS04-BP05 asks you to implement distributed tracing, and OPS08-BP03 to analyse "
            "workload traces. A workflow orchestrates several services: without its trace, "
            "the service map cannot show which state was slow or failed, or connect the "
            "functions and services it called."
        ),
        fix=(
            "Add `tracing_configuration { enabled = true }` (`TracingConfiguration: "
            "Enabled: true`; SAM `Tracing: Enabled: true`) and allow the role "
            "`xray:PutTraceSegments`."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_sfn_state_machine" "orders" {\n  # ...\n}',
                passing=(
                    'resource "aws_sfn_state_machine" "orders" {\n  # ...\n'
                    "  tracing_configuration {\n    enabled = true\n  }\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Orders:\n  Type: AWS::StepFunctions::StateMachine\n  Properties:\n    # ..."
                ),
                passing=(
                    "Orders:\n  Type: AWS::StepFunctions::StateMachine\n  Properties:\n"
                    "    # ...\n    TracingConfiguration:\n      Enabled: true"
                ),
            ),
            Example(
                "sam",
                failing="Orders:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n    # ...",
                passing=(
                    "Orders:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n"
                    "    # ...\n    Tracing:\n      Enabled: true"
                ),
            ),
        ),
    )
