"""OPS05-BP05/ami-not-hardcoded: instances and launch templates do not hard-code AMI IDs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opslint.aws.source_text import SourceText
from opslint.model import Resource, Severity, Unit, Unknown, alternatives, to_path
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
FIND_IN_MAP = re.compile(r"FindInMap\W*\[?\W*([A-Za-z0-9]+)")
NOT_AN_IMAGE = {"", "NOT_SUPPORTED", "NOT_AVAILABLE", "N/A"}

IMAGE_ATTRIBUTE = {
    "aws_instance": "ami",
    "aws_spot_instance_request": "ami",
    "aws_launch_template": "image_id",
    "aws_launch_configuration": "image_id",
    "AWS::EC2::Instance": "ImageId",
    "AWS::EC2::LaunchTemplate": "LaunchTemplateData.ImageId",
    "AWS::AutoScaling::LaunchConfiguration": "ImageId",
}


class AmiNotHardcoded(Rule):
    id = "OPS05-BP05/ami-not-hardcoded"
    title = "Instances and launch templates look up their AMI instead of hard-coding its ID"
    severity = Severity.NOTE
    resource_types = {
        "terraform": tuple(t for t in IMAGE_ATTRIBUTE if "::" not in t),
        "cloudformation": tuple(t for t in IMAGE_ATTRIBUTE if "::" in t),
    }
    docs = Docs(
        what=(
            "Reports a literal AMI ID (`ami-0123456789abcdef0`) written in `ami` / `image_id` "
            "of `aws_instance`, `aws_spot_instance_request`, `aws_launch_template` and "
            "`aws_launch_configuration`, or in `ImageId` of `AWS::EC2::Instance`, "
            "`AWS::EC2::LaunchTemplate` (`LaunchTemplateData`) and "
            "`AWS::AutoScaling::LaunchConfiguration`, and a CloudFormation `!FindInMap` into a "
            "mapping whose values are all AMI IDs (the region → AMI table). A `data.aws_ami` or "
            "`data.aws_ssm_parameter` lookup, a variable (with its value in a `*.tfvars` "
            "file), `resolve:ssm:<parameter>`, `{{resolve:ssm:...}}` or a parameter of type "
            "`AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>` passes."
        ),
        why=(
            "OPS05-BP05 asks you to perform patch management. A hard-coded AMI ID pins the "
            "fleet to one image forever: new instances keep launching without the latest OS "
            "patches, and the ID is different in every region. Looking the image up (the "
            "latest Amazon Linux from SSM, your golden-AMI pipeline's parameter) lets each "
            "deployment pick up the patched image."
        ),
        fix=(
            "Terraform: `ami = data.aws_ssm_parameter.al2023.value` (from "
            "`/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`) or a "
            "`data.aws_ami` filter; for a launch template, `image_id = "
            '"resolve:ssm:/golden/ami"`. CloudFormation: a parameter of type '
            "`AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>` or "
            "`{{resolve:ssm:/golden/ami}}`."
        ),
        cautions=(
            "A golden-AMI pipeline that writes the ID into a `*.tfvars` file or a parameter "
            "passes: only IDs written in the resource are reported. Marketplace AMIs pinned "
            "on purpose: suppress with a reason."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_instance" "web" {\n  ami           = "ami-0123456789abcdef0"\n'
                    '  instance_type = "t3.micro"\n}'
                ),
                passing=(
                    'data "aws_ssm_parameter" "al2023" {\n'
                    '  name = "/aws/service/ami-amazon-linux-latest/'
                    'al2023-ami-kernel-default-x86_64"\n}\n\n'
                    'resource "aws_instance" "web" {\n'
                    "  ami           = data.aws_ssm_parameter.al2023.value\n"
                    '  instance_type = "t3.micro"\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Web:\n  Type: AWS::EC2::Instance\n  Properties:\n"
                    "    ImageId: ami-0123456789abcdef0\n    InstanceType: t3.micro"
                ),
                passing=(
                    "Parameters:\n  ImageId:\n"
                    "    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>\n"
                    "    Default: /aws/service/ami-amazon-linux-latest/"
                    "al2023-ami-kernel-default-x86_64\nResources:\n  Web:\n"
                    "    Type: AWS::EC2::Instance\n    Properties:\n"
                    "      ImageId: !Ref ImageId\n      InstanceType: t3.micro"
                ),
            ),
        ),
    )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        source = SourceText()
        for resource in ctx.each(unit.resources):
            if resource.kind == "resource" and resource.type in IMAGE_ATTRIBUTE:
                yield from self._check(resource, source, unit)

    def _check(self, resource: Resource, source: SourceText, unit: Unit) -> Iterator[Violation]:
        attribute = IMAGE_ATTRIBUTE[resource.type]
        value = resource.get(attribute)
        mapping = ami_mapping(unit, value)
        if mapping:
            yield self.violation(
                resource,
                f"`{resource.name}` takes its AMI from `{mapping}`, a mapping of hard-coded AMI "
                f"IDs, in `{attribute}`: look the image up (an SSM parameter) so new instances "
                "get the patched image",
                attribute=attribute,
            )
            return

        def literal(v: object) -> bool | None:
            if not isinstance(v, str) or not AMI_ID.match(v.strip()):
                return False
            # an ID from a variable, tfvars or parameter is not written here
            return source.written(resource, to_path(attribute), v.strip())

        if every_alternative(value, literal):
            shown = " / ".join(f"`{str(v).strip()}`" for v in alternatives(value))
            yield self.violation(
                resource,
                f"`{resource.name}` hard-codes AMI {shown} in `{attribute}`: look "
                "the image up (an SSM parameter or an AMI filter) so new instances get the "
                "patched image",
                attribute=attribute,
            )


def ami_mapping(unit: Unit, value: object) -> str | None:
    """The name of the CloudFormation mapping ``value`` reads with ``Fn::FindInMap`` when
    every value in that mapping is a literal AMI ID (the classic region → AMI table)."""
    if unit.framework != "cloudformation" or not isinstance(value, Unknown):
        return None
    match = FIND_IN_MAP.search(value.source)
    mappings = unit.template_attributes.get("Mappings")
    if not match or not isinstance(mappings, dict):
        return None
    name = match.group(1)
    table = mappings.get(name)
    if not isinstance(table, dict):
        return None
    leaves = [v for row in table.values() if isinstance(row, dict) for v in row.values()]
    images = [v for v in leaves if isinstance(v, str) and AMI_ID.match(v)]
    others = [v for v in leaves if not (isinstance(v, str) and AMI_ID.match(v))]
    if images and all(isinstance(v, str) and v in NOT_AN_IMAGE for v in others):
        return name
    return None
