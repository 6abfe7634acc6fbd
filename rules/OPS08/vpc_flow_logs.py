"""OPS08-BP02/vpc-flow-logs: every VPC has a flow log."""

from collections.abc import Iterable

from opslint.model import ABSENT, Attr, Resource, Severity, Unit, Unknown, alternatives
from opslint.rule import Context, Docs, Example, Rule, Violation

VPC = {"terraform": "aws_vpc", "cloudformation": "AWS::EC2::VPC"}
FLOW_LOG = {"terraform": "aws_flow_log", "cloudformation": "AWS::EC2::FlowLog"}
TARGET = Attr(terraform="vpc_id", cloudformation="ResourceId")
# What else may create a flow log we cannot see into: module calls and nested stacks.
OPAQUE = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")


def _may_target_vpc(flow_log: Resource) -> bool:
    """Whether a flow log may watch a VPC (rather than a subnet, ENI or transit gateway)."""
    if flow_log.framework == "terraform":
        return any(v is not ABSENT for v in alternatives(flow_log.get("vpc_id")))
    kinds = alternatives(flow_log.get("ResourceType"))
    return any(k == "VPC" or not isinstance(k, str) for k in kinds)


def _targets_nothing_visible(flow_log: Resource) -> bool:
    """A flow log whose VPC opslint cannot see (`var.vpc_id`, a parameter without default):
    it may watch any VPC of the unit."""
    if not _may_target_vpc(flow_log):
        return False
    target = flow_log.get(TARGET)
    return any(isinstance(v, Unknown) and not v.references for v in alternatives(target))


class VpcFlowLogs(Rule):
    id = "OPS08-BP02/vpc-flow-logs"
    title = "VPCs have flow logs"
    severity = Severity.WARNING
    resource_types = {
        "terraform": ("aws_vpc",),
        "cloudformation": ("AWS::EC2::VPC",),
    }
    docs = Docs(
        what=(
            "Checks that every VPC of a Terraform module or CloudFormation template is "
            "watched by a flow log of the same unit: an `aws_flow_log` whose `vpc_id` "
            "refers to the `aws_vpc`, an `AWS::EC2::FlowLog` whose `ResourceId` refers to "
            "the `AWS::EC2::VPC` with `ResourceType: VPC`."
        ),
        why=(
            "OPS08-BP02 asks you to analyse workload logs. VPC flow logs are the record of "
            "which traffic reached (or was rejected by) the workload's network interfaces; "
            "without them, connectivity failures and unexpected traffic cannot be "
            "investigated after the fact."
        ),
        fix=(
            'Add a flow log for the VPC with `traffic_type = "ALL"` (or `REJECT`) and a '
            "CloudWatch Logs, S3 or Firehose destination (with a retention or lifecycle)."
        ),
        cautions=(
            "Only flow logs of the same unit are seen. A VPC built by a module (`module "
            '"vpc"` with `enable_flow_log = true`) is a module call, not an `aws_vpc`, and '
            "is not checked; a VPC passed to a module call or nested stack counts as "
            "covered, and so does every VPC of a unit with a flow log whose target opslint "
            "cannot resolve (`vpc_id = var.vpc_id`). Flow logs created in another module, "
            "stack or by an organisation-wide policy are invisible: suppress the finding "
            "with that reason."
        ),
        examples=(
            Example(
                "terraform",
                failing='resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}',
                passing=(
                    'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n\n'
                    'resource "aws_flow_log" "main" {\n  vpc_id               = aws_vpc.main.id\n'
                    '  traffic_type         = "ALL"\n'
                    '  log_destination_type = "s3"\n'
                    "  log_destination      = aws_s3_bucket.flow_logs.arn\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing="Vpc:\n  Type: AWS::EC2::VPC\n  Properties:\n    CidrBlock: 10.0.0.0/16",
                passing=(
                    "Vpc:\n  Type: AWS::EC2::VPC\n  Properties:\n    CidrBlock: 10.0.0.0/16\n\n"
                    "VpcFlowLog:\n  Type: AWS::EC2::FlowLog\n  Properties:\n"
                    "    ResourceId: !Ref Vpc\n    ResourceType: VPC\n    TrafficType: ALL\n"
                    "    LogDestinationType: s3\n    LogDestination: !GetAtt FlowLogBucket.Arn"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterable[Violation]:
        framework = unit.framework
        flow_logs = [r for r in unit.by_type(FLOW_LOG[framework]) if r.kind == "resource"]
        if any(_targets_nothing_visible(f) for f in flow_logs):
            return
        for vpc in ctx.each(unit.by_type(VPC[framework])):
            if vpc.kind != "resource":
                continue
            covered = any(
                referrer.kind == "module"
                or referrer.type in OPAQUE
                or (referrer.type == FLOW_LOG[framework] and _may_target_vpc(referrer))
                for referrer in unit.referrers(vpc)
            )
            if covered:
                continue
            if framework == "terraform":
                how = f"add an `aws_flow_log` with `vpc_id = {vpc.name}.id`"
            else:
                how = (
                    f"add an `AWS::EC2::FlowLog` with `ResourceId: !Ref {vpc.name}` and "
                    "`ResourceType: VPC`"
                )
            yield self.violation(vpc, f"VPC `{vpc.name}` has no flow log: {how}")
