"""Partly known values (opslint.partial) and where values come from (Resource.provenance)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opslint.model import Choice, Partial, Reference, Resource, Unit, Unknown
from opslint.parsers.cloudformation import parse_template
from opslint.parsers.terraform import parse_module
from opslint.partial import compose, filled, json_document, stand_in, text_parts


def _module(directory: Path, files: dict[str, str | bytes], root: Path | None = None) -> Unit:
    paths = []
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        if name.endswith((".tf", ".tfvars")):
            paths.append(str(path))
    return parse_module(str(directory), sorted(paths), root=str(root or directory))


def _resource(unit: Unit, name: str) -> Resource:
    resource = unit.by_name(name)
    assert resource is not None, f"no resource {name}: {unit.diagnostics}"
    return resource


def _template(text: str) -> Unit:
    unit = parse_template("t.yaml", text)
    assert unit is not None
    return unit


# --- building and reading partial values ------------------------------------------------------


def test_compose_joins_text_and_keeps_unknown_pieces() -> None:
    region = Unknown("pseudo parameter AWS::Region", "${AWS::Region}")
    assert compose(["a", "b"], "r") == "ab"
    value = compose(["arn:", "aws:", region, ":x"], "r", "!Sub ...")
    assert isinstance(value, Partial)
    assert value.parts == ("arn:aws:", region, ":x")
    assert text_parts(value) == value.parts
    assert stand_in(value) == "arn:aws:x:x"
    assert json_document(value) is None  # not JSON


def test_json_text_keeps_its_structure_when_unknowns_sit_inside_strings() -> None:
    name = Unknown("parameter Fn has no default", "!Ref Fn")
    value = compose(['{"widgets": [{"title": "Errors of ', name, '"}]}'], "r")
    assert isinstance(value, Partial)
    document = json_document(value)
    title = document["widgets"][0]["title"]
    assert isinstance(title, Partial) and title.parts == ("Errors of ", name)
    assert filled(value) == '{"widgets": [{"title": "Errors of x"}]}'
    # a whole string is the unknown itself
    whole = compose(['{"a": "', name, '"}'], "r")
    assert json_document(whole) == {"a": name}


@pytest.mark.parametrize(
    "parts",
    [
        ['{"period": ', "U", "}"],  # the unknown stands for JSON itself
        ['{"', "U", '": 1}'],  # the unknown is in a key
        ['{"a": "', "U", '"'],  # not JSON at all
    ],
)
def test_json_structure_that_depends_on_an_unknown_is_not_read(parts: list[str]) -> None:
    unknown = Unknown("parameter P has no default", "!Ref P")
    value = compose([unknown if p == "U" else p for p in parts], "r")
    assert isinstance(value, Partial)
    assert json_document(value) is None


def test_partial_is_an_unknown_to_every_reader_that_does_not_look_inside() -> None:
    value = compose(["x-", Unknown("u", "var.u")], "reason", "source")
    assert isinstance(value, Unknown)
    assert value == Unknown("reason", "source")
    assert hash(value) == hash(Unknown("reason", "source"))


# --- Terraform ----------------------------------------------------------------------------------


def test_jsonencode_of_partly_known_values_keeps_the_structure(tmp_path: Path) -> None:
    unit = _module(
        tmp_path,
        {
            "main.tf": (
                'variable "image" {\n  type = string\n}\n'
                'resource "aws_ecs_task_definition" "app" {\n'
                '  family = "app"\n'
                '  container_definitions = jsonencode([{ name = "app", image = var.image,\n'
                '    tag = "${var.image}:1", topic = aws_sns_topic.t.arn }])\n'
                "  decoded = jsondecode(jsonencode({ a = var.image }))\n"
                "}\n"
                'resource "aws_sns_topic" "t" {}\n'
            )
        },
    )
    task = _resource(unit, "aws_ecs_task_definition.app")
    value = task.get("container_definitions")
    assert isinstance(value, Partial)
    assert value.source.startswith("jsonencode([{ name")
    assert value.references == ("aws_sns_topic.t",)
    [container] = json_document(value)
    assert container["name"] == "app"
    assert isinstance(container["image"], Unknown)
    assert container["topic"] == Reference("aws_sns_topic.t", ("arn",))
    assert isinstance(container["tag"], Partial) and container["tag"].parts[1:] == (":1",)
    assert stand_in(value) == '[{"image":x,"name":"app","tag":"x:1","topic":x}]'
    decoded = task.get("decoded")
    assert isinstance(decoded, dict) and isinstance(decoded["a"], Unknown)


def test_templatefile_reads_a_template_of_the_module(tmp_path: Path) -> None:
    unit = _module(
        tmp_path,
        {
            "main.tf": (
                'variable "image" {\n  type = string\n}\n'
                'resource "aws_ecs_task_definition" "app" {\n  family = "app"\n'
                '  container_definitions = templatefile("${path.module}/c.json.tpl", '
                '{ image = var.image, name = "app" })\n}\n'
            ),
            "c.json.tpl": '[{"name": "${name}", "image": "${image}"}]\n',
        },
    )
    value = _resource(unit, "aws_ecs_task_definition.app").get("container_definitions")
    assert isinstance(value, Partial)
    [container] = json_document(value)
    assert container["name"] == "app" and isinstance(container["image"], Unknown)


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ('"${path.module}/missing.tpl"', "templatefile: cannot read the template"),
        ('"/etc/hostname"', "templatefile: the template is outside the scanned folder"),
        ('"${path.module}/link.tpl"', "templatefile: the template is outside the scanned folder"),
        ('"${path.module}/big.tpl"', "templatefile: file is 1.0 MB, over the 1.0 MB limit"),
        ('"${path.module}/binary.tpl"', "templatefile: the template is not UTF-8 text"),
        ("var.where", "the path of templatefile is not known"),
    ],
)
def test_templatefile_never_reads_what_it_must_not(
    tmp_path: Path, template: str, reason: str
) -> None:
    module = tmp_path / "scan" / "module"
    outside = tmp_path / "secret.tpl"
    outside.write_text("secret", encoding="utf-8")
    module.mkdir(parents=True)
    os.symlink(outside, module / "link.tpl")
    unit = _module(
        module,
        {
            "main.tf": (
                'variable "where" {\n  type = string\n}\n'
                f'resource "aws_s3_object" "o" {{\n  content = templatefile({template}, {{}})\n}}\n'
            ),
            "big.tpl": "x" * 1_000_001,
            "binary.tpl": b"\xff\xfe\x00bad",
        },
        root=tmp_path / "scan",
    )
    value = _resource(unit, "aws_s3_object.o").get("content")
    assert isinstance(value, Unknown) and not isinstance(value, Partial)
    assert value.reason.startswith(reason)
    assert not unit.diagnostics


def test_provenance_of_terraform_values(tmp_path: Path) -> None:
    unit = _module(
        tmp_path,
        {
            "main.tf": (
                'variable "account" {\n  type    = string\n  default = "111111111111"\n}\n'
                'variable "region" {\n  type = string\n}\n'
                'locals {\n  queue = "arn:aws:sqs:eu-west-1:222222222222:q"\n}\n'
                'resource "aws_sns_topic_subscription" "s" {\n'
                '  topic_arn = "arn:aws:sns:${var.region}:${var.account}:t"\n'
                "  endpoint  = local.queue\n"
                '  protocol  = "arn:aws:sns:us-east-1:333333333333:x"\n'
                "}\n"
            ),
            "terraform.tfvars": 'region = "eu-central-1"\n',
        },
    )
    sub = _resource(unit, "aws_sns_topic_subscription.s")
    kinds = {(s.kind, s.name) for s in sub.sources("topic_arn")}
    assert kinds == {("variable file", "region"), ("variable default", "account")}
    assert not sub.written_here("topic_arn", "111111111111")
    assert not sub.written_here("topic_arn", "eu-central-1")
    assert [(s.kind, s.name) for s in sub.sources("endpoint")] == [("local", "queue")]
    assert not sub.written_here("endpoint", "222222222222")
    assert sub.sources("protocol") == ()
    assert sub.written_here("protocol", "333333333333")


def test_provenance_of_a_caller_argument(tmp_path: Path) -> None:
    unit = _module(
        tmp_path,
        {
            "main.tf": 'module "web" {\n  source = "./web"\n  ami = "ami-0123456789abcdef0"\n}\n',
            "web/main.tf": (
                'variable "ami" {\n  type = string\n}\n'
                'resource "aws_instance" "this" {\n  ami = var.ami\n}\n'
            ),
        },
    )
    web = _resource(unit, "module.web.aws_instance.this")
    assert [(s.kind, s.name) for s in web.sources("ami")] == [("caller argument", "ami")]
    assert not web.written_here("ami", "ami-0123456789abcdef0")


# --- CloudFormation -----------------------------------------------------------------------------


def test_sub_and_join_keep_their_known_parts() -> None:
    unit = _template(
        "Parameters:\n  Env:\n    Type: String\n"
        "Resources:\n  A:\n    Type: X\n    Properties:\n"
        "      S: !Sub 'ops-${Env}-${AWS::Region}'\n"
        "      J: !Join ['/', [ops, !Ref Env, !GetAtt B.Arn]]\n"
        "  B:\n    Type: X\n"
    )
    a = _resource(unit, "A")
    s = a.get("S")
    assert isinstance(s, Partial)
    assert s.source == "!Sub ops-${Env}-${AWS::Region}"
    assert s.parts == (
        "ops-",
        Unknown("parameter Env has no default", "!Ref Env"),
        "-",
        Unknown("pseudo parameter AWS::Region", "${AWS::Region}"),
    )
    j = a.get("J")
    assert isinstance(j, Partial)
    assert [p if isinstance(p, str) else p.source for p in j.parts] == [
        "ops/",
        "!Ref Env",
        "/",
        "B.Arn",
    ]
    assert j.references == ("B",)


def test_find_in_map_with_a_region_key_is_a_choice_of_the_column() -> None:
    unit = _template(
        "Parameters:\n  Type:\n    Type: String\n    Default: small\n"
        "Mappings:\n"
        "  Regions:\n    us-east-1: {Image: ami-1, Size: t3.micro}\n"
        "    eu-west-1: {Image: ami-2, Size: t3.small}\n    ap-east-1: {Size: t3.micro}\n"
        "  Arch:\n    small: {Column: Image}\n"
        "Resources:\n  A:\n    Type: X\n    Properties:\n"
        "      Image: !FindInMap [Regions, !Ref AWS::Region, Image]\n"
        "      Size: !FindInMap [Regions, !Ref AWS::Region, Size]\n"
        "      Nested: !FindInMap\n"
        "        [Regions, !Ref AWS::Region, !FindInMap [Arch, !Ref Type, Column]]\n"
        "      Known: !FindInMap [Regions, us-east-1, Image]\n"
    )
    a = _resource(unit, "A")
    assert a.get("Image") == Choice(("ami-1", "ami-2"), "Fn::FindInMap Regions")
    assert a.get("Size") == Choice(("t3.micro", "t3.small"), "Fn::FindInMap Regions")
    assert a.get("Nested") == Choice(("ami-1", "ami-2"), "Fn::FindInMap Regions")
    assert a.get("Known") == "ami-1"
    assert [(s.kind, s.name) for s in a.sources("Known")] == [("mapping", "Regions")]
    assert not a.written_here("Known", "ami-1")
    assert ("parameter default", "Type") in {(s.kind, s.name) for s in a.sources("Nested")}
