"""OPS05-BP05/ami-not-hardcoded: instances and launch templates do not hard-code AMI IDs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opslint.model import Resource, Severity
from opslint.rule import Context, Docs, Example, Rule, Violation, every_alternative

AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
NOT_AN_IMAGE = frozenset({"", "NOT_SUPPORTED", "NOT_AVAILABLE", "N/A", "None", "NONE", "none"})
"""Values region tables use where a region has no image."""

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
            "`AWS::AutoScaling::LaunchConfiguration`, and a CloudFormation `!FindInMap` that "
            "selects hard-coded AMI IDs: the value it selects, or, when a key is only known at "
            "deployment (`!Ref AWS::Region`), every value of the column the other keys select "
            "(the region → AMI table, even when other columns hold instance types, a nested "
            "`!FindInMap` picks the column, or some regions say `None`). A `data.aws_ami` or "
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

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        if resource.kind != "resource" or resource.type not in IMAGE_ATTRIBUTE:
            return
        attribute = IMAGE_ATTRIBUTE[resource.type]
        images = hard_coded_images(resource.get(attribute))
        if not images:
            return
        mapping = next(
            (
                source.name
                for source in resource.sources(attribute)
                if source.kind == "mapping" and all(source.holds(image) for image in images)
            ),
            None,
        )
        if mapping is not None:
            yield self.violation(
                resource,
                f"`{resource.name}` takes its AMI from `{mapping}`, a mapping of hard-coded AMI "
                f"IDs, in `{attribute}`: look the image up (an SSM parameter) so new instances "
                "get the patched image",
                attribute=attribute,
            )
        elif all(resource.written_here(attribute, image) for image in images):
            # an ID from a variable, tfvars or parameter is not written here
            shown = " / ".join(f"`{image}`" for image in images)
            yield self.violation(
                resource,
                f"`{resource.name}` hard-codes AMI {shown} in `{attribute}`: look "
                "the image up (an SSM parameter or an AMI filter) so new instances get the "
                "patched image",
                attribute=attribute,
            )


def hard_coded_images(value: object) -> list[str]:
    """The AMI IDs ``value`` may be, when every value it may take is a literal AMI ID or says
    there is no image (``None`` in a region table); empty otherwise (undecided when one is
    unknown)."""
    images: list[str] = []

    def image(option: object) -> bool | None:
        if isinstance(option, str) and option.strip() in NOT_AN_IMAGE:
            return True
        if not isinstance(option, str) or not AMI_ID.match(option.strip()):
            return False
        if option.strip() not in images:
            images.append(option.strip())
        return True

    if every_alternative(value, image) and images:
        return images
    return []
