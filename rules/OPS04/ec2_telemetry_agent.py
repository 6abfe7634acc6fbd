"""OPS04-BP02/ec2-telemetry-agent: EC2 instances can publish OS and application telemetry."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from typing import Any

from opslint.coerce import as_list
from opslint.model import ABSENT, Choice, Reference, Resource, Severity, Unit, Unknown, alternatives
from opslint.repo.terraform_roots import is_deployed
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

AGENTS = [
    "amazon-cloudwatch-agent",
    "AmazonCloudWatchAgent",
    "aws-otel-collector",
    "otelcol",
    "adot",
    "datadog-agent",
    "DD_API_KEY",
    "newrelic-infra",
    "fluent-bit",
    "fluentd",
    "grafana-agent",
    "alloy",
    "elastic-agent",
    "filebeat",
    "metricbeat",
    "oneagent",
    "splunkforwarder",
    "telegraf",
    "awslogs",
]
GRANTING_POLICIES = re.compile(
    r"policy/(?:service-role/)?(?:CloudWatchAgent(?:Server|Admin)Policy|CloudWatchFullAccess(?:V2)?"
    r"|CloudWatchLogsFullAccess|AmazonEC2RoleforSSM|AmazonEC2ContainerServiceforEC2Role"
    r"|AdministratorAccess|PowerUserAccess)\b"
)
"""AWS managed policies that allow ``cloudwatch:PutMetricData`` or ``logs:PutLogEvents``."""
SILENT_POLICIES = re.compile(
    r":iam::aws:policy/(?:AmazonSSMManagedInstanceCore|AmazonSSMManagedEC2InstanceDefaultPolicy"
    r"|AmazonSSMPatchAssociation|AmazonSSMDirectoryServiceAccess"
    r"|AmazonEC2ContainerRegistry(?:ReadOnly|PowerUser)|AmazonS3(?:ReadOnly|Full)Access"
    r"|AmazonEC2ReadOnlyAccess|AmazonElasticFileSystemClient(?:ReadOnly|ReadWrite)Access)\b"
)
"""AWS managed policies known to allow neither action. Any other AWS managed policy may
(many broad ones allow ``cloudwatch:*`` or ``logs:*``): it leaves the verdict unknown."""
TELEMETRY_ACTIONS = ("cloudwatch:putmetricdata", "logs:putlogevents")
SSM_AGENT_DOCUMENTS = ("AmazonCloudWatch-ManageAgent",)
MANAGED_CAPACITY = (
    "aws_ecs_capacity_provider",
    "aws_eks_node_group",
    "aws_batch_compute_environment",
    "AWS::ECS::CapacityProvider",
    "AWS::EKS::Nodegroup",
    "AWS::Batch::ComputeEnvironment",
)
"""Resources whose instances are run by ECS, EKS or Batch (directly or through an Auto
Scaling group): those services bring their own telemetry path."""
PROFILE_TYPES = ("aws_iam_instance_profile", "AWS::IAM::InstanceProfile")
GROUP_TYPES = ("aws_autoscaling_group", "AWS::AutoScaling::AutoScalingGroup")
_CFN_INIT_RESOURCE = re.compile(r"cfn-init\b[^\n]*?(?:--resource|-r)\s+(\w+)")


class Unresolved(Exception):
    """Something the verdict depends on cannot be read: no finding."""


def _one(unit: Unit, value: Any, types: tuple[str, ...], name_key: str) -> Resource:
    """The resource of ``types`` that ``value`` points at (by reference or literal name)."""
    for option in alternatives(value):
        address = option.address if isinstance(option, Reference) else None
        if isinstance(option, Unknown) and len(option.references) == 1:
            address = option.references[0]
        for resource in unit.by_type(*types):
            if resource.kind != "resource":
                continue
            if address == resource.name:
                return resource
            if isinstance(option, str) and option == resource.get(name_key):
                return resource
    raise Unresolved


def _statements(document: Any, unit: Unit) -> list[Any]:
    """The statements of a policy document: a dict, a JSON string or a reference to an
    ``aws_iam_policy_document`` data source."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as error:
            raise Unresolved from error
    if isinstance(document, Reference):
        source = unit.by_name(document.address)
        if source is None or source.type != "aws_iam_policy_document":
            raise Unresolved
        statements = source.get("statement")
        return [
            {"Effect": s.get("effect", "Allow"), "Action": s.get("actions", [])}
            for s in as_list(statements)
            if isinstance(s, dict)
        ]
    if not isinstance(document, dict):
        raise Unresolved
    statements = document.get("Statement", document.get("statement", []))
    return as_list(statements) if isinstance(statements, (list, dict)) else []


def _allows_telemetry(document: Any, unit: Unit) -> bool:
    for statement in _statements(document, unit):
        if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
            continue
        if "NotAction" in statement:
            raise Unresolved  # allows everything but a list: may include both actions
        for action in as_list(statement.get("Action", [])):
            if not isinstance(action, str):
                raise Unresolved
            if any(fnmatch.fnmatch(t, action.lower()) for t in TELEMETRY_ACTIONS):
                return True
    return False


def _policy_arn_grants(value: Any, unit: Unit) -> bool:
    """Whether a policy ARN (or a reference to a policy of the unit) grants telemetry."""
    for option in alternatives(value):
        text = option if isinstance(option, str) else ""
        if isinstance(option, Unknown):
            text = option.source
        if GRANTING_POLICIES.search(text):
            return True
        if SILENT_POLICIES.search(text):
            continue
        if not isinstance(option, Reference):
            raise Unresolved
        policy = unit.by_name(option.address)
        if policy is None or policy.type not in ("aws_iam_policy", "AWS::IAM::ManagedPolicy"):
            raise Unresolved
        key = "policy" if policy.framework == "terraform" else "PolicyDocument"
        if _allows_telemetry(policy.get(key), unit):
            return True
    return False


def _points_at(value: Any, role: Resource) -> bool:
    for option in alternatives(value):
        if isinstance(option, Reference) and option.address == role.name:
            return True
        if isinstance(option, Unknown) and role.name in option.references:
            return True
        if isinstance(option, str) and option in (role.get("name"), role.get("RoleName")):
            return True
    return False


def _role_grants(unit: Unit, role: Resource) -> bool:
    """Whether the role may publish metrics or logs (raises when that cannot be told)."""
    if role.framework == "terraform":
        managed = role.get("managed_policy_arns")
        inline = [p.get("policy", ABSENT) for p in as_list(role.get("inline_policy"))]
    else:
        managed = role.get("ManagedPolicyArns")
        inline = [p.get("PolicyDocument", ABSENT) for p in as_list(role.get("Policies"))]
    if isinstance(managed, (Unknown, Choice)):
        raise Unresolved
    if any(_policy_arn_grants(arn, unit) for arn in as_list(managed)):
        return True
    if any(_allows_telemetry(doc, unit) for doc in inline if isinstance(doc, (dict, str))):
        return True
    return any(_attached_grants(unit, other, role) for other in unit.resources)


def _attached_grants(unit: Unit, other: Resource, role: Resource) -> bool:
    """Whether ``other`` attaches to the role a policy that grants telemetry."""
    if other.type == "aws_iam_role_policy_attachment":
        return _points_at(other.get("role"), role) and _policy_arn_grants(
            other.get("policy_arn"), unit
        )
    if other.type == "aws_iam_policy_attachment":
        roles = as_list(other.get("roles"))
        return any(_points_at(r, role) for r in roles) and _policy_arn_grants(
            other.get("policy_arn"), unit
        )
    if other.type == "aws_iam_role_policy_attachments_exclusive":
        if not _points_at(other.get("role_name"), role):
            return False
        arns = other.get("policy_arns")
        if not isinstance(arns, list):
            raise Unresolved
        return any(_policy_arn_grants(arn, unit) for arn in arns)
    if other.type == "aws_iam_role_policy":
        return _points_at(other.get("role"), role) and _allows_telemetry(other.get("policy"), unit)
    if other.type == "AWS::IAM::RolePolicy":
        return _points_at(other.get("RoleName"), role) and _allows_telemetry(
            other.get("PolicyDocument"), unit
        )
    if other.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        roles = other.get("Roles")
        if isinstance(roles, (Unknown, Choice)):
            raise Unresolved
        return any(_points_at(r, role) for r in as_list(roles)) and _allows_telemetry(
            other.get("PolicyDocument"), unit
        )
    attaches = other.kind == "resource" and other.type.startswith(("aws_iam_", "AWS::IAM::"))
    if attaches and role.name in other.references and other.type not in PROFILE_TYPES:
        raise Unresolved  # gives the role something in a way not read here
    return False


def _text_of(value: Any) -> str:
    """Readable text of user data, or raise when it comes from a file or a variable."""
    if value is ABSENT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown):
        source = value.source
        hidden = ("file(", "templatefile(", "filebase64(", "var.", "local.", "module.", "data.")
        if not source or any(h in source for h in hidden):
            raise Unresolved
        return source
    if isinstance(value, dict):  # CloudFormation intrinsic functions left as they are
        return json.dumps(value, default=str)
    raise Unresolved


class Ec2TelemetryAgent(Rule):
    id = "OPS04-BP02/ec2-telemetry-agent"
    title = "EC2 instances can publish OS and application telemetry"
    severity = Severity.NOTE
    related = ("OPS08-BP01", "OPS08-BP02")
    resource_types = {
        "terraform": ("aws_instance", "aws_launch_template"),
        "cloudformation": ("AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"),
    }
    options = (
        Option(
            "agents",
            "list[str]",
            AGENTS,
            "Names that show a telemetry agent is installed when they appear in user data "
            "or `AWS::CloudFormation::Init` metadata (case-insensitive).",
        ),
    )
    docs = Docs(
        what=(
            "Checks that EC2 instances and launch templates whose instance profile is defined "
            "in the same Terraform root module or template have a telemetry path: the "
            "profile's role has `CloudWatchAgentServerPolicy` (or `CloudWatchAgentAdminPolicy`) "
            "or a policy allowing `cloudwatch:PutMetricData` or `logs:PutLogEvents`; or the "
            "user data or `AWS::CloudFormation::Init` metadata installs an agent named in the "
            "`agents` option (CloudWatch agent, ADOT, Datadog, New Relic, Fluent Bit, Grafana "
            "Alloy, Elastic, Dynatrace...); or an SSM association "
            "(`AmazonCloudWatch-ManageAgent`, or `AWS-ConfigureAWSPackage` installing "
            "`AmazonCloudWatchAgent`) is defined beside them. Launch templates used by ECS "
            "capacity providers, EKS node groups and Batch compute environments are not "
            "judged, nor instances without an instance profile in the unit."
        ),
        why=(
            "OPS04-BP02 asks you to implement application telemetry. EC2's own metrics come "
            "from the hypervisor: they cannot show memory or disk exhaustion, and application "
            "logs written on the instance are lost with it. An agent with permission to "
            "publish is the collection path that telemetry needs."
        ),
        fix=(
            "Attach `CloudWatchAgentServerPolicy` to the instance role and install the "
            "CloudWatch agent (user data, cfn-init, or an SSM association), or name the agent "
            "your instances run in the `agents` option."
        ),
        unknown=(
            "An instance profile, role or policy opslint cannot resolve (a variable, a data "
            "source, another module) and user data read from a file or a variable never "
            "produce a finding. Terraform modules that are not applied on their own are not "
            "judged: their caller may attach policies to the role."
        ),
        cautions=(
            "An agent baked into a golden AMI that sends with a vendor API key needs no IAM "
            "permission and is invisible here; bastion and jump hosts may need no telemetry: "
            "suppress with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
                    'resource "aws_iam_role" "app" {\n  name = "app"\n'
                    "  assume_role_policy = jsonencode({ Statement = [] })\n}\n\n"
                    'resource "aws_iam_instance_profile" "app" {\n'
                    "  role = aws_iam_role.app.name\n}\n\n"
                    'resource "aws_instance" "app" {\n  ami           = "ami-0abc"\n'
                    '  instance_type = "t3.micro"\n'
                    "  iam_instance_profile = aws_iam_instance_profile.app.name\n}"
                ),
                passing=(
                    'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
                    'resource "aws_iam_role" "app" {\n  name = "app"\n'
                    "  assume_role_policy = jsonencode({ Statement = [] })\n}\n\n"
                    'resource "aws_iam_role_policy_attachment" "agent" {\n'
                    "  role       = aws_iam_role.app.name\n"
                    '  policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"\n}\n\n'
                    'resource "aws_iam_instance_profile" "app" {\n'
                    "  role = aws_iam_role.app.name\n}\n\n"
                    'resource "aws_instance" "app" {\n  ami           = "ami-0abc"\n'
                    '  instance_type = "t3.micro"\n'
                    "  iam_instance_profile = aws_iam_instance_profile.app.name\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Role:\n  Type: AWS::IAM::Role\n  Properties:\n"
                    "    AssumeRolePolicyDocument: {}\n"
                    "Profile:\n  Type: AWS::IAM::InstanceProfile\n  Properties:\n"
                    "    Roles: [!Ref Role]\n"
                    "App:\n  Type: AWS::EC2::Instance\n  Properties:\n    ImageId: ami-0abc\n"
                    "    IamInstanceProfile: !Ref Profile"
                ),
                passing=(
                    "Role:\n  Type: AWS::IAM::Role\n  Properties:\n"
                    "    AssumeRolePolicyDocument: {}\n    ManagedPolicyArns:\n"
                    "      - !Sub arn:${AWS::Partition}:iam::aws:policy/"
                    "CloudWatchAgentServerPolicy\n"
                    "Profile:\n  Type: AWS::IAM::InstanceProfile\n  Properties:\n"
                    "    Roles: [!Ref Role]\n"
                    "App:\n  Type: AWS::EC2::Instance\n  Properties:\n    ImageId: ami-0abc\n"
                    "    IamInstanceProfile: !Ref Profile"
                ),
            ),
        ),
    )

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        unit = ctx.unit
        if unit.framework == "terraform" and not (is_deployed(unit) or unit.providers):
            return
        try:
            if self._managed(unit, resource) or self._associated(unit):
                return
            role = self._role(unit, resource)
            if role is None or _role_grants(unit, role):
                return
            if self._installs_agent(unit, resource, ctx.option("agents")):
                return
        except Unresolved:
            return
        what = (
            "Instance"
            if resource.type in ("aws_instance", "AWS::EC2::Instance")
            else ("Launch template")
        )
        yield self.violation(
            resource,
            f"{what} `{resource.name}` cannot publish OS or application telemetry: its role "
            f"`{role.name}` may not call `cloudwatch:PutMetricData` or `logs:PutLogEvents` and "
            "nothing installs an agent, so memory, disk and application logs are invisible; "
            "attach `CloudWatchAgentServerPolicy` and install the CloudWatch agent",
            "iam_instance_profile"
            if resource.framework == "terraform"
            else self._profile_path(resource),
        )

    @staticmethod
    def _profile_path(resource: Resource) -> str:
        if resource.type == "AWS::EC2::Instance":
            return "IamInstanceProfile"
        return "LaunchTemplateData.IamInstanceProfile"

    @staticmethod
    def _managed(unit: Unit, resource: Resource) -> bool:
        """Whether the launch template's instances are run by ECS, EKS or Batch."""
        users = list(unit.referrers(resource))
        groups = [u for u in users if u.type in GROUP_TYPES]
        for user in users:
            if user.type in MANAGED_CAPACITY:
                return True
        for group in groups:
            if any(u.type in MANAGED_CAPACITY for u in unit.referrers(group)):
                return True
        return False

    @staticmethod
    def _associated(unit: Unit) -> bool:
        """An SSM association that installs or manages the CloudWatch agent."""
        for association in unit.by_type("aws_ssm_association", "AWS::SSM::Association"):
            terraform = association.framework == "terraform"
            name = association.get("name" if terraform else "Name")
            if not isinstance(name, str):
                raise Unresolved
            if name in SSM_AGENT_DOCUMENTS:
                return True
            if name == "AWS-ConfigureAWSPackage":
                parameters = association.get("parameters" if terraform else "Parameters")
                if "AmazonCloudWatchAgent" in json.dumps(parameters, default=str):
                    return True
        return False

    @staticmethod
    def _role(unit: Unit, resource: Resource) -> Resource | None:
        """The role of the instance profile, None when there is no instance profile."""
        if resource.framework == "terraform":
            if resource.type == "aws_instance":
                value = resource.get("iam_instance_profile")
            else:
                spec = resource.get("iam_instance_profile")
                if spec is ABSENT:
                    return None
                if not isinstance(spec, dict):
                    raise Unresolved
                value = spec.get("name", spec.get("arn", ABSENT))
            if value is ABSENT:
                return None
            profile = _one(unit, value, ("aws_iam_instance_profile",), "name")
            return _one(unit, profile.get("role"), ("aws_iam_role",), "name")
        if resource.type == "AWS::EC2::Instance":
            value = resource.get("IamInstanceProfile")
        else:
            spec = resource.get("LaunchTemplateData.IamInstanceProfile")
            if spec is ABSENT:
                return None
            if not isinstance(spec, dict):
                raise Unresolved
            value = spec.get("Name", spec.get("Arn", ABSENT))
        if value is ABSENT:
            return None
        profile = _one(unit, value, ("AWS::IAM::InstanceProfile",), "InstanceProfileName")
        roles = profile.get("Roles")
        if not isinstance(roles, list) or len(roles) != 1:
            raise Unresolved
        return _one(unit, roles[0], ("AWS::IAM::Role",), "RoleName")

    @staticmethod
    def _installs_agent(unit: Unit, resource: Resource, agents: list[str]) -> bool:
        if resource.framework == "terraform":
            texts = [_text_of(resource.get("user_data"))]
            if resource.has("user_data_base64"):
                raise Unresolved
        else:
            path = (
                "UserData"
                if resource.type == "AWS::EC2::Instance"
                else ("LaunchTemplateData.UserData")
            )
            texts = [_text_of(resource.get(path))]
            init = resource.get_meta("Metadata")
            texts.append(json.dumps(init, default=str) if init is not ABSENT else "")
            for name in _CFN_INIT_RESOURCE.findall(texts[0]):
                other = unit.by_name(name)
                if other is not None and other is not resource:
                    texts.append(json.dumps(other.get_meta("Metadata"), default=str))
        lowered = "\n".join(texts).lower()
        return any(agent.lower() in lowered for agent in agents)
