"""Tests for the CloudFormation/SAM parser: decoding, resolved values, spans and SAM Globals."""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opslint.model import (
    ABSENT,
    Choice,
    Origin,
    Partial,
    Reference,
    Resource,
    Span,
    Unit,
    Unknown,
)
from opslint.parsers.cloudformation import looks_like_template, parse_template

DATA = Path(__file__).parent / "data" / "cloudformation"
REPO = Path(__file__).resolve().parents[1]


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _unit(name: str) -> Unit:
    unit = parse_template(f"templates/{name}", _text(name))
    assert unit is not None, f"{name} was not recognised as a template"
    return unit


def _parse(text: str, path: str = "t.yaml") -> Unit:
    unit = parse_template(path, text)
    assert unit is not None
    return unit


def _resource(unit: Unit, name: str) -> Resource:
    resource = unit.by_name(name)
    assert resource is not None, f"{unit.path}: no resource {name}"
    return resource


def _lines(resource: Resource) -> dict[tuple[str | int, ...], tuple[int, int]]:
    return {path: (span.line, span.end_line) for path, span in resource.spans.items()}


# --- looks_like_template -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Resources:\n  A:\n    Type: X\n",
        "AWSTemplateFormatVersion: '2010-09-09'\r\nResources:\r\n  A:\r\n    Type: X\r\n",
        "\ufeffResources:\n  A:\n    Type: X\n",
        "Resources :\n  A: {Type: X}\n",
        '"Resources":\n  A: {Type: X}\n',
        "'Resources':\n  A: {Type: X}\n",
        '{"Resources": {"A": {"Type": "X"}}}',
        '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources" : {}\n}\n',
        '\ufeff{"Resources":{}}',
        "---\n\n  # a template indented as a whole\n  Resources:\n    A:\n      Type: X\n",
    ],
)
def test_looks_like_template_accepts_templates(text: str) -> None:
    assert looks_like_template(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "apiVersion: v1\nkind: Pod\nspec:\n  resources: {}\n",
        "service: api\nresources:\n  Resources:\n    A:\n      Type: X\n",
        "name: CI\non: push\njobs: {}\n",
        "# Resources: none here\nkey: value\n",
        '{"name": "pkg", "version": "1.0.0"}',
        "  service: api\n  resources:\n    Resources: {}\n",
    ],
)
def test_looks_like_template_rejects_other_files(text: str) -> None:
    assert not looks_like_template(text)


def test_module_import_does_not_import_cfnlint() -> None:
    code = "import sys, opslint.parsers.cloudformation; print('cfnlint' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --- the unit ----------------------------------------------------------------------------------


def test_unit_of_a_yaml_template() -> None:
    unit = _unit("basic.yaml")
    assert unit.framework == "cloudformation"
    assert unit.path == "templates/basic.yaml"
    assert unit.files == ("templates/basic.yaml",)
    assert unit.diagnostics == ()
    assert [r.name for r in unit.resources] == ["Logs", "Topic", "Queue"]
    assert all(r.path == "templates/basic.yaml" for r in unit.resources)
    assert all(r.framework == "cloudformation" for r in unit.resources)
    assert unit.conditions == frozenset({"IsProd"})
    assert unit.is_sam is False
    assert unit.parameters == {
        "RetentionDays": 30,
        "AlarmEmail": Unknown("parameter AlarmEmail has no default", "!Ref AlarmEmail"),
        "SubnetIds": ["subnet-a", "subnet-b"],
    }
    attributes = unit.template_attributes
    assert attributes["AWSTemplateFormatVersion"] == "2010-09-09"  # a date, back to text
    assert attributes["Description"] == "Ops topic, queue and log group"
    assert attributes["Outputs"] == {"TopicArn": {"Value": Reference("Topic")}}
    assert isinstance(attributes["Conditions"]["IsProd"], Unknown)
    assert "Resources" not in attributes


def test_resource_spans_yaml() -> None:
    unit = _unit("basic.yaml")
    # From the logical ID to the last line of content: blank lines and the comments after a
    # resource (line 26, and the commented-out property on line 43) are not part of it.
    assert _resource(unit, "Logs").span == Span(19, 24)
    assert _resource(unit, "Topic").span == Span(27, 42)
    assert _resource(unit, "Queue").span == Span(45, 58)


def test_attribute_spans_yaml() -> None:
    topic = _resource(_unit("basic.yaml"), "Topic")
    assert _lines(topic) == {
        ("TopicName",): (31, 33),
        ("KmsMasterKeyId",): (34, 34),
        ("Subscription",): (35, 37),
        ("Subscription", 0): (36, 37),
        ("Subscription", 0, "Endpoint"): (36, 36),
        ("Subscription", 0, "Protocol"): (37, 37),
        ("Tags",): (38, 42),
        ("Tags", 0): (39, 40),
        ("Tags", 0, "Key"): (39, 39),
        ("Tags", 0, "Value"): (40, 40),
        ("Tags", 1): (41, 42),
        ("Tags", 1, "Key"): (41, 41),
        ("Tags", 1, "Value"): (42, 42),
    }
    assert topic.location("Tags.1.Value") == Span(42, 42)
    assert topic.location("DisplayName") == topic.span
    assert topic.meta == {"Condition": "IsProd"}
    assert topic.meta_spans == {("Condition",): Span(29, 29)}


def test_meta_and_meta_spans() -> None:
    unit = _unit("basic.yaml")
    logs = _resource(unit, "Logs")
    assert logs.meta == {"DeletionPolicy": "Retain"}
    assert logs.meta_location("DeletionPolicy") == Span(21, 21)
    queue = _resource(unit, "Queue")
    assert queue.meta == {"DependsOn": ["Logs"]}
    assert queue.meta_spans == {("DependsOn",): Span(47, 47), ("DependsOn", 0): Span(47, 47)}


def test_unit_of_a_json_template() -> None:
    unit = _unit("basic.json")
    topic = _resource(unit, "Topic")
    assert topic.type == "AWS::SNS::Topic"
    assert topic.span == Span(7, 15)  # to the closing brace of the resource
    assert topic.attributes == {
        "TopicName": "prod-ops",
        "Tags": [{"Key": "owner", "Value": "ops"}],
    }
    assert _lines(topic) == {
        ("TopicName",): (10, 10),
        ("Tags",): (11, 13),
        ("Tags", 0): (12, 12),
        ("Tags", 0, "Key"): (12, 12),
        ("Tags", 0, "Value"): (12, 12),
    }
    queue = _resource(unit, "Queue")
    assert queue.span == Span(16, 16)
    assert queue.attributes == {"Arn": Reference("Topic", ("Arn",))}
    assert queue.spans == {("Arn",): Span(16, 16)}
    assert queue.references == frozenset({"Topic"})


def test_scalar_without_marks_takes_the_key_line() -> None:
    text = "Resources:\n  A:\n    Type: X\n    Properties:\n      Size: 5\n      Enabled: true\n"
    resource = _resource(_parse(text), "A")
    assert resource.spans == {("Size",): Span(5, 5), ("Enabled",): Span(6, 6)}
    assert resource.span == Span(2, 6)


def test_block_scalar_ending_in_hash_lines_keeps_them() -> None:
    text = (
        "Resources:\n"
        "  A:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties:\n"
        "      UserData: |\n"
        "        #!/bin/bash\n"
        "        echo hi\n"
        "        # done\n"
        "\n"
        "  # not part of A\n"
        "  B:\n"
        "    Type: X\n"
    )
    unit = _parse(text)
    a = _resource(unit, "A")
    assert a.attributes == {"UserData": "#!/bin/bash\necho hi\n# done\n"}
    assert a.spans == {("UserData",): Span(5, 8)}
    assert a.span == Span(2, 8)
    assert _resource(unit, "B").span == Span(11, 12)


def test_crlf_and_bom() -> None:
    text = (
        "\ufeffResources:\r\n  A:\r\n    Type: X\r\n"
        "    Properties:\r\n      P: [1,\r\n        2]\r\n"
    )
    resource = _resource(_parse(text), "A")
    assert resource.span == Span(2, 6)
    assert resource.attributes == {"P": [1, 2]}
    assert resource.spans == {("P",): Span(5, 6)}


def test_alias_values_are_located_at_the_alias() -> None:
    text = (
        "Resources:\n"
        "  A:\n"
        "    Type: X\n"
        "    Properties:\n"
        "      Tags: &tags\n"
        "        - Key: a\n"
        "          Value: b\n"
        "  B:\n"
        "    Type: X\n"
        "    Properties:\n"
        "      Tags: *tags\n"
    )
    b = _resource(_parse(text), "B")
    assert b.attributes == {"Tags": [{"Key": "a", "Value": "b"}]}
    assert b.spans == {("Tags",): Span(11, 11)}
    assert b.location("Tags.0.Key") == Span(11, 11)


# --- value resolution --------------------------------------------------------------------------


def test_ref_to_parameter_default_and_pseudo_parameters() -> None:
    unit = _unit("basic.yaml")
    logs = _resource(unit, "Logs")
    assert logs.get("RetentionInDays") == 30
    name = logs.get("LogGroupName")  # partly known: the known text and the unknown piece
    assert isinstance(name, Partial)
    assert (name.reason, name.source) == (
        "Fn::Sub with unresolved parts",
        "!Sub /ops/${AWS::StackName}",
    )
    assert name.parts == (
        "/ops/",
        Unknown("pseudo parameter AWS::StackName", "${AWS::StackName}"),
    )
    topic = _resource(unit, "Topic")
    assert topic.get("Subscription.0.Endpoint") == Unknown(
        "parameter AlarmEmail has no default", "!Ref AlarmEmail"
    )
    assert topic.get("Tags.1.Value") == Unknown("pseudo parameter AWS::Region", "!Ref AWS::Region")


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ("Type: String\n    Default: hello", "hello"),
        ("Type: Number\n    Default: 7", 7),
        ("Type: CommaDelimitedList\n    Default: 'a, b,c'", ["a", "b", "c"]),
        (
            "Type: List<AWS::EC2::Subnet::Id>\n    Default: subnet-1,subnet-2",
            ["subnet-1", "subnet-2"],
        ),
        ("Type: String", Unknown("parameter P has no default", "!Ref P")),
        (
            "Type: AWS::SSM::Parameter::Value<String>\n    Default: /ops/level",
            Unknown("parameter P is read from SSM Parameter Store", "!Ref P"),
        ),
    ],
)
def test_parameter_values(definition: str, expected: object) -> None:
    text = (
        f"Parameters:\n  P:\n    {definition}\n"
        "Resources:\n  A:\n    Type: X\n    Properties:\n      V: !Ref P\n"
    )
    unit = _parse(text)
    assert unit.parameters == {"P": expected}
    assert _resource(unit, "A").get("V") == expected


@pytest.mark.parametrize(
    "pseudo",
    [
        "AWS::Region",
        "AWS::AccountId",
        "AWS::StackName",
        "AWS::Partition",
        "AWS::URLSuffix",
        "AWS::StackId",
        "AWS::NotificationARNs",
    ],
)
def test_pseudo_parameters_are_unknown(pseudo: str) -> None:
    text = f"Resources:\n  A:\n    Type: X\n    Properties:\n      V: !Ref {pseudo}\n"
    value = _resource(_parse(text), "A").get("V")
    assert value == Unknown(f"pseudo parameter {pseudo}", f"!Ref {pseudo}")


def test_get_att_and_ref_to_resources() -> None:
    unit = _unit("basic.yaml")
    queue = _resource(unit, "Queue")
    assert queue.get("RedrivePolicy.deadLetterTargetArn") == Reference("Topic", ("Arn",))
    assert queue.get("Metric") == Reference("Logs", ("Arn.Sub",))  # split on the first dot
    assert unit.template_attributes["Outputs"]["TopicArn"]["Value"] == Reference("Topic")
    text = (
        "Resources:\n  T:\n    Type: X\n  A:\n    Type: X\n    Properties:\n"
        "      L: !GetAtt [T, Endpoint.Address]\n      S: !GetAtt T.Endpoint.Port\n"
        "      R: !Ref T\n"
    )
    a = _resource(_parse(text), "A")
    assert a.attributes == {
        "L": Reference("T", ("Endpoint.Address",)),
        "S": Reference("T", ("Endpoint.Port",)),
        "R": Reference("T"),
    }


def test_if_becomes_a_choice_and_no_value_is_absent() -> None:
    unit = _unit("basic.yaml")
    topic = _resource(unit, "Topic")
    assert topic.get("KmsMasterKeyId") == Choice(("alias/aws/sns", ABSENT), condition="IsProd")
    queue = _resource(unit, "Queue")
    assert "Nothing" not in queue.attributes
    assert ("Nothing",) not in queue.spans
    text = (
        "Resources:\n  A:\n    Type: X\n    Properties:\n"
        "      L:\n        - a\n        - !Ref AWS::NoValue\n"
        "        - !If [C, b, !Ref AWS::NoValue]\n"
    )
    assert _resource(_parse(text), "A").get("L") == ["a", Choice(("b", ABSENT), "C")]


def test_sub_known_and_unknown() -> None:
    unit = _unit("basic.yaml")
    # Two-element form with a variables map; ${!Literal} is an escaped literal.
    assert _resource(unit, "Topic").get("TopicName") == "team-ops-${Literal}"
    policy = _resource(unit, "Queue").get("Policy")
    assert policy == Unknown(
        "Fn::Sub with unresolved parts",
        "!Sub ${Topic.TopicName}-${RetentionDays}",
        references=("Topic",),
    )
    text = (
        "Parameters:\n  Env:\n    Type: String\n    Default: prod\n"
        "Resources:\n  A:\n    Type: X\n    Properties:\n"
        "      Known: !Sub '${Env}-ops'\n"
        "      Plain: !Sub no-variables\n"
        "      Both: !Sub ['${Env}-${Day}', {Day: 3}]\n"
        "      Resource: !Sub '${B}'\n"
        "  B:\n    Type: X\n"
    )
    a = _resource(_parse(text), "A")
    assert a.get("Known") == "prod-ops"
    assert a.get("Plain") == "no-variables"
    assert a.get("Both") == "prod-3"
    assert a.get("Resource") == Unknown("Fn::Sub with unresolved parts", "!Sub ${B}", ("B",))


def test_join_select_find_in_map_and_import_value() -> None:
    queue = _resource(_unit("basic.yaml"), "Queue")
    assert queue.get("QueueName") == "subnet-b-q"
    assert queue.get("Memory") == 1024
    assert queue.get("Shared") == Unknown(
        "Fn::ImportValue is not evaluated", "!ImportValue Shared-TopicArn"
    )
    text = (
        "Resources:\n  A:\n    Type: X\n    Properties:\n"
        "      J: !Join [':', [a, !Ref AWS::Region]]\n"
        "      M: !FindInMap [Nope, a, b]\n"
        "      Z: !GetAZs ''\n"
        "      C: !Cidr [10.0.0.0/16, 4, 8]\n"
        "      B: !Base64 hello\n"
    )
    a = _resource(_parse(text), "A")
    assert a.get("J") == Unknown(
        "Fn::Join with unresolved parts", "!Join [:, [a, !Ref AWS::Region]]"
    )
    assert a.get("M") == Unknown("Fn::FindInMap key not in the mapping", "!FindInMap [Nope, a, b]")
    assert a.get("Z") == Unknown("Fn::GetAZs is not evaluated", "!GetAZs ''")
    assert a.get("C") == Unknown("Fn::Cidr is not evaluated", "!Cidr [10.0.0.0/16, 4, 8]")
    assert a.get("B") == Unknown("Fn::Base64 is not evaluated", "!Base64 hello")


def test_dynamic_references_stay_literal() -> None:
    text = (
        "Resources:\n  A:\n    Type: X\n    Properties:\n      P: '{{resolve:ssm:/ops/level:1}}'\n"
    )
    assert _resource(_parse(text), "A").get("P") == "{{resolve:ssm:/ops/level:1}}"


def test_references() -> None:
    unit = _unit("basic.yaml")
    assert _resource(unit, "Logs").references == frozenset()
    assert _resource(unit, "Topic").references == frozenset()  # parameters are not resources
    # GetAtt, Sub ${Topic.TopicName}, DependsOn
    assert _resource(unit, "Queue").references == frozenset({"Topic", "Logs"})
    topic = _resource(unit, "Topic")
    assert [r.name for r in unit.referrers(topic)] == ["Queue"]


# --- SAM ---------------------------------------------------------------------------------------


def test_sam_globals_merge() -> None:
    unit = _unit("sam.yaml")
    assert unit.is_sam
    handler = _resource(unit, "Handler")
    assert handler.attributes == {
        "Runtime": "python3.12",  # inherited
        "Timeout": 30,  # the resource wins for scalars
        "Tracing": "Active",
        "Architectures": ["arm64"],  # SAM replaces Function Architectures instead of appending
        "Environment": {  # mappings merge, resource keys win
            "Variables": {"STAGE": "prod", "LOG_LEVEL": "DEBUG", "TABLE": Reference("Table")}
        },
        "Layers": [  # lists: Globals items, then the resource's
            "arn:aws:lambda:us-east-1:123456789012:layer:common:1",
            Reference("Shared"),
        ],
        "Tags": {"owner": "ops"},
        "Handler": "app.handler",
    }
    assert _lines(handler) == {
        ("Runtime",): (5, 5),  # the Globals line the user would edit
        ("Timeout",): (24, 24),
        ("Tracing",): (7, 7),
        ("Architectures",): (25, 25),
        ("Architectures", 0): (25, 25),
        ("Environment",): (26, 29),
        ("Environment", "Variables"): (27, 29),
        ("Environment", "Variables", "STAGE"): (11, 11),
        ("Environment", "Variables", "LOG_LEVEL"): (28, 28),
        ("Environment", "Variables", "TABLE"): (29, 29),
        ("Layers",): (30, 31),
        ("Layers", 0): (14, 14),
        ("Layers", 1): (31, 31),
        ("Tags",): (15, 16),
        ("Tags", "owner"): (16, 16),
        ("Handler",): (23, 23),
    }
    assert handler.span == Span(20, 31)
    assert handler.references == frozenset({"Table", "Shared"})


def test_sam_globals_without_properties_and_ignore_globals() -> None:
    unit = _unit("sam.yaml")
    plain = _resource(unit, "Plain")
    assert plain.get("Timeout") == 10
    assert plain.location("Timeout") == Span(6, 6)
    assert plain.location("Environment.Variables.LOG_LEVEL") == Span(12, 12)
    ignoring = _resource(unit, "Ignoring")
    assert "Tracing" not in ignoring.attributes
    assert "Layers" not in ignoring.attributes
    assert ignoring.get("Runtime") == "python3.12"
    assert ignoring.meta == {"IgnoreGlobals": ["Tracing", "Layers"]}
    api = _resource(unit, "Api")
    assert api.attributes == {"TracingEnabled": True, "StageName": "prod"}
    assert api.location("TracingEnabled") == Span(18, 18)
    # Globals apply by type only: no section for SimpleTable or LayerVersion here.
    assert _resource(unit, "Table").attributes == {}
    assert _resource(unit, "Shared").attributes == {"ContentUri": "layer/"}
    assert unit.template_attributes["Transform"] == "AWS::Serverless-2016-10-31"
    assert unit.template_attributes["Globals"]["Api"] == {"TracingEnabled": True}


def test_globals_of_a_non_sam_template_are_ignored() -> None:
    text = _text("sam.yaml").replace("Transform: AWS::Serverless-2016-10-31\n", "")
    unit = _parse(text)
    assert not unit.is_sam
    assert _resource(unit, "Plain").attributes == {}
    assert _resource(unit, "Handler").get("Runtime") is ABSENT


def test_sam_transform_in_a_list() -> None:
    text = (
        "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\n"
        "Globals:\n  Function:\n    Timeout: 9\n"
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n"
    )
    unit = _parse(text)
    assert unit.is_sam
    assert _resource(unit, "F").attributes == {"Timeout": 9}


# --- what is not a template, and what is broken -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        _text("k8s.yaml"),
        _text("workflow.yml"),
        "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n",
        "just a scalar\n",
        "- Resources: {}\n",
        "Resources:\n  - a\n  - b\n",
        "Resources:\n  Cpu: 2\n  Memory: 4Gi\n",  # no entry has a Type
    ],
)
def test_non_templates_are_none(text: str) -> None:
    assert parse_template("x.yaml", text) is None


def test_empty_resources_is_still_a_template() -> None:
    unit = _parse("Resources: {}\n")
    assert unit.resources == ()
    assert unit.diagnostics == ()


def test_malformed_yaml_is_a_diagnostic() -> None:
    unit = _unit("malformed.yaml")
    assert unit.resources == ()
    assert len(unit.diagnostics) == 1
    diagnostic = unit.diagnostics[0]
    assert diagnostic.code == "parse-error"
    assert diagnostic.path == "templates/malformed.yaml"
    assert diagnostic.line == 5
    assert "did not find expected key" in diagnostic.message


def test_malformed_json_is_a_diagnostic() -> None:
    text = '{\n  "Resources": {\n    "A": {"Type": "X"\n  }\n'
    unit = _parse(text, "t.json")
    assert unit.resources == ()
    assert [d.line for d in unit.diagnostics] == [5]


def test_decode_errors_raised_while_constructing_keep_their_line() -> None:
    unit = _parse("Resources:\n  A:\n    Type: X\n  B: *missing\n")
    assert [(d.line, d.message) for d in unit.diagnostics] == [
        (4, "invalid template: found undefined alias")
    ]


def test_bad_entries_are_skipped_with_a_diagnostic() -> None:
    text = (
        "Resources:\n  A: 1\n  B:\n    Properties: {}\n  C:\n    Type: X\n  D:\n    Type: {a: b}\n"
    )
    unit = _parse(text)
    assert [r.name for r in unit.resources] == ["C"]
    assert [(d.line, d.message, d.code) for d in unit.diagnostics] == [
        (2, "resource A: not a mapping", "parse-error"),
        (3, "resource B: no Type", "parse-error"),
        (7, "resource D: Type is not a string ({a: b})", "parse-error"),
    ]


def test_resources_of_another_tool_are_noted_once_and_the_rest_checked() -> None:
    text = (
        "Resources:\n  Vpc:\n    Type: !Rain::Module vpc.yml\n  C:\n    Type: X\n"
        "  Net:\n    Type: !Rain::Module https://example.com/net.yaml\n"
        "  Odd:\n    Type: !Other::Thing x\n  Wrong:\n    Type: !Sub x\n"
    )
    unit = _parse(text)
    assert [r.name for r in unit.resources] == ["C"]
    assert [(d.line, d.message, d.code) for d in unit.diagnostics] == [
        (
            2,
            "2 resources typed `Rain::Module` (Vpc, Net): a template for Rain, which expands "
            "them before deployment; those resources were not checked",
            "not-checked",
        ),
        (
            8,
            "1 resource typed `Other::Thing` (Odd): a template for another tool, which expands "
            "them before deployment; those resources were not checked",
            "not-checked",
        ),
        (10, "resource Wrong: Type is not a string (!Sub x)", "parse-error"),
    ]


def test_a_template_of_rain_modules_only_is_still_noted() -> None:
    unit = _parse("Resources:\n  Vpc:\n    Type: !Rain::Module vpc.yml\n")
    assert [(d.line, d.code) for d in unit.diagnostics] == [(2, "not-checked")]


def test_rain_modules_in_json_are_recognised() -> None:
    text = '{"Resources": {\n "Net": {"Type": {"Rain::Module": "vpc.yml"}},\n "C": {"Type": "X"}}}'
    unit = _parse(text, "t.json")
    assert [r.name for r in unit.resources] == ["C"]
    assert [(d.line, d.code) for d in unit.diagnostics] == [(2, "not-checked")]


def test_properties_that_are_not_a_mapping_skip_the_resource() -> None:
    text = (
        "Resources:\n  A:\n    Type: X\n    Properties: [a]\n  C:\n    Type: X\n    Properties:\n"
    )
    unit = _parse(text)
    assert [r.name for r in unit.resources] == ["C"]
    assert _resource(unit, "C").attributes == {}
    assert [(d.line, d.message) for d in unit.diagnostics] == [
        (2, "resource A: Properties is not a mapping; resource not checked"),
    ]


def test_properties_under_if_become_choices_per_property() -> None:
    text = (
        "Resources:\n"
        "  Instance:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties:\n"
        "      Fn::If:\n"
        "        - IsProd\n"
        "        - ImageId: ami-1\n"
        "          InstanceType: t3.large\n"
        "        - Fn::If:\n"
        "            - IsDev\n"
        "            - ImageId: ami-1\n"
        "              Monitoring: true\n"
        "            - !Ref AWS::NoValue\n"
    )
    unit = _parse(text)
    assert unit.diagnostics == ()
    instance = _resource(unit, "Instance")
    assert instance.attributes == {
        "ImageId": Choice(("ami-1", Choice(("ami-1", ABSENT), "IsDev")), "IsProd"),
        "InstanceType": Choice(("t3.large", ABSENT), "IsProd"),
        "Monitoring": Choice((ABSENT, Choice((True, ABSENT), "IsDev")), "IsProd"),
    }
    assert _lines(instance) == {
        ("ImageId",): (7, 7),
        ("InstanceType",): (8, 8),
        ("Monitoring",): (12, 12),
    }


def test_alias_bomb_fails_fast() -> None:
    started = time.perf_counter()
    unit = _unit("alias-bomb.yaml")
    assert time.perf_counter() - started < 5
    assert unit.resources == ()
    assert len(unit.diagnostics) == 1
    assert "YAML aliases" in unit.diagnostics[0].message


@pytest.mark.parametrize(
    "text",
    [
        bytes(range(256)).decode("latin-1"),
        "Resources:\n\x00\x01\x02\xff",
        "Resources:\n  A: \udcff\n",  # read with errors="surrogateescape"
        "Resources:\n  A: " + "[" * 5000 + "]" * 5000 + "\n",
    ],
)
def test_binary_and_hostile_input_never_raises(text: str) -> None:
    unit = parse_template("blob.yaml", text)
    if unit is not None:
        assert unit.resources == ()
        assert unit.diagnostics
        assert all(d.code == "parse-error" for d in unit.diagnostics)


def test_language_extensions_loops_are_skipped_quietly() -> None:
    text = (
        "Transform: AWS::LanguageExtensions\nResources:\n"
        "  Fn::ForEach::Topics:\n    - Name\n    - [a, b]\n"
        "    - Topic${Name}:\n        Type: AWS::SNS::Topic\n"
        "  Queue:\n    Type: AWS::SQS::Queue\n"
    )
    unit = _parse(text)
    assert [r.name for r in unit.resources] == ["Queue"]
    assert unit.diagnostics == ()


# --- units cross process boundaries --------------------------------------------------------------


@pytest.mark.parametrize("name", ["basic.yaml", "basic.json", "sam.yaml"])
def test_units_pickle_round_trip(name: str) -> None:
    unit = _unit(name)
    copy = pickle.loads(pickle.dumps(unit))
    assert [r.name for r in copy.resources] == [r.name for r in unit.resources]
    for before, after in zip(unit.resources, copy.resources, strict=True):
        assert after.attributes == before.attributes
        assert after.spans == before.spans
        assert after.meta == before.meta
        assert after.references == before.references
        assert after.span == before.span
    assert copy.template_attributes == unit.template_attributes
    assert copy.parameters == unit.parameters
    assert _resource(copy, "Topic" if name != "sam.yaml" else "Handler")


def test_values_are_plain_python() -> None:
    def walk(value: object) -> None:
        if isinstance(value, dict):
            assert type(value) is dict
            for key, item in value.items():
                assert type(key) is str
                walk(item)
        elif isinstance(value, list):
            assert type(value) is list
            for item in value:
                walk(item)
        elif isinstance(value, str):
            assert type(value) is str
        elif isinstance(value, Choice):
            for option in value.options:
                walk(option)

    for name in ("basic.yaml", "basic.json", "sam.yaml"):
        unit = _unit(name)
        walk(dict(unit.template_attributes))
        walk(dict(unit.parameters))
        for resource in unit.resources:
            walk(dict(resource.attributes))
            walk(dict(resource.meta))


def test_conditions_are_decided_under_parameter_defaults() -> None:
    from opslint.parsers.cloudformation import parse_template

    text = """\
Parameters:
  Env:
    Type: String
    Default: dev
  Region:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Equals [!Ref "AWS::Region", us-east-1]]
  Given: !Equals [!Ref Region, eu-west-1]
Resources:
  ProdOnly:
    Type: AWS::SNS::Topic
    Condition: IsProd
  DevOnly:
    Type: AWS::SNS::Topic
    Condition: NotProd
    Properties:
      TopicName: !If [IsProd, prod-topic, dev-topic]
  Maybe:
    Type: AWS::SNS::Topic
    Condition: Both
    Properties:
      TopicName: !If [Given, eu, !Ref AWS::NoValue]
"""
    unit = parse_template("t.yaml", text)
    assert unit is not None
    assert [r.name for r in unit.resources] == ["DevOnly", "Maybe"]
    dev, maybe = unit.resources
    assert dev.get("TopicName") == "dev-topic"
    assert dev.assumption("TopicName") == "with the default `Env=dev`"
    assert dev.assumption() == "with the default `Env=dev`"
    assert maybe.get("TopicName") == Choice(("eu", ABSENT), "Given")
    assert maybe.assumption() == "if condition `Both` holds"


def test_a_parameter_default_is_named_once_however_many_values_it_decided() -> None:
    from opslint.parsers.cloudformation import parse_template

    text = """
Parameters:
  Logs:
    Type: String
    Default: ""
  Size:
    Type: Number
    Default: 3
Conditions:
  HasLogs: !Not [!Equals [!Ref Logs, ""]]
  Big: !Equals [!Ref Size, 3]
Resources:
  Balancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Name: !If [HasLogs, logged, plain]
      IpAddressType: !If [HasLogs, dualstack, ipv4]
      LoadBalancerAttributes:
        - Key: access_logs.s3.enabled
          Value: !If [HasLogs, "true", "false"]
        - Key: idle_timeout.timeout_seconds
          Value: !If [Big, "60", "30"]
"""
    unit = parse_template("t.yaml", text)
    assert unit is not None
    (balancer,) = unit.resources
    assert balancer.assumption("Name") == "with the default `Logs=`"
    assert balancer.assumption() == "with the defaults `Logs=`, `Size=3`"


def test_nested_stacks_are_instantiated_with_the_parents_parameters(tmp_path: Path) -> None:
    from opslint.parsers.cloudformation import parse_template

    (tmp_path / "child.yaml").write_text(
        "Parameters:\n  Name:\n    Type: String\n"
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
        "    Properties:\n      QueueName: !Ref Name\n"
        "  Self:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties:\n      TemplateURL: child.yaml\n"
        "Outputs:\n  QueueName:\n    Value: !GetAtt Queue.QueueName\n",
        encoding="utf-8",
    )
    parent = tmp_path / "parent.yaml"
    parent.write_text(
        "Resources:\n  Jobs:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties:\n      TemplateURL: child.yaml\n"
        "      Parameters:\n        Name: jobs\n"
        "  Alarm:\n    Type: AWS::CloudWatch::Alarm\n"
        "    Properties:\n      Dimensions:\n        - Name: QueueName\n"
        "          Value: !GetAtt Jobs.Outputs.QueueName\n",
        encoding="utf-8",
    )
    path = parent.as_posix()
    unit = parse_template(path, parent.read_text(encoding="utf-8"))
    assert unit is not None
    assert [r.name for r in unit.resources] == ["Jobs", "Alarm", "Jobs/Queue", "Jobs/Self"]
    queue = unit.by_name("Jobs/Queue")
    assert queue is not None and queue.module == "Jobs" and queue.via == "Jobs"
    assert queue.get("QueueName") == "jobs"
    assert queue.origin("QueueName") == Origin(path, Span(7, 7))
    alarm = unit.by_name("Alarm")
    assert alarm is not None
    assert alarm.get("Dimensions.0.Value") == Reference("Jobs/Queue", ("QueueName",))
    assert unit.called == {(tmp_path / "child.yaml").as_posix()}


def test_a_published_nested_template_is_read_from_the_repositorys_copy(tmp_path: Path) -> None:
    from opslint.parsers.cloudformation import parse_template
    from opslint.parsers.cloudformation.stacks import published_copy

    templates = tmp_path / "templates"
    (templates / "shared").mkdir(parents=True)
    (templates / "dashboard.yaml").write_text(
        "Resources:\n  Board:\n    Type: AWS::CloudWatch::Dashboard\n"
        "    Properties:\n      DashboardBody: '{\"widgets\": []}'\n",
        encoding="utf-8",
    )
    (templates / "shared" / "queue.yaml").write_text(
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n", encoding="utf-8"
    )
    parent = templates / "main.yaml"
    parent.write_text(
        "Resources:\n  Dashboard:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
        "      TemplateURL: https://s3.amazonaws.com/acme-templates/app/latest/templates/"
        "dashboard.yaml\n"
        "  Jobs:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
        "      TemplateURL: s3://acme-templates/app/shared/queue.yaml?versionId=3\n"
        "  Elsewhere:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
        "      TemplateURL: https://s3.amazonaws.com/other/vpc.yaml\n",
        encoding="utf-8",
    )
    unit = parse_template(parent.as_posix(), parent.read_text(encoding="utf-8"))
    assert unit is not None
    assert [r.name for r in unit.resources] == [
        "Dashboard",
        "Jobs",
        "Elsewhere",
        "Dashboard/Board",
        "Jobs/Queue",
    ]
    assert unit.called == {
        (templates / "dashboard.yaml").as_posix(),
        (templates / "shared" / "queue.yaml").as_posix(),
    }
    folder = templates.as_posix()
    # never above the parent's folder, never a path the URL climbs out of
    assert published_copy(folder, "https://example.com/../main.yaml") == f"{folder}/main.yaml"
    assert published_copy((templates / "shared").as_posix(), "https://x/main.yaml") is None
    assert published_copy(folder, "https://example.com/templates/") is None
    assert published_copy(folder, "https://example.com/readme.txt") is None


# --- repeated keys ---------------------------------------------------------------------------


def test_a_repeated_key_is_one_diagnostic_and_the_last_value_wins() -> None:
    text = (
        "Resources:\n"
        "  Queue:\n"
        "    Type: AWS::SQS::Queue\n"
        "    Properties:\n"
        "      QueueName: first\n"
        "      DelaySeconds: 5\n"
        "      QueueName: last\n"
        "  Topic:\n"
        "    Type: AWS::SNS::Topic\n"
    )
    unit = _parse(text)
    assert [r.name for r in unit.resources] == ["Queue", "Topic"]
    queue = _resource(unit, "Queue")
    assert queue.get("QueueName") == "last"
    assert _lines(queue)[("QueueName",)] == (7, 7)
    assert [(d.line, d.code, d.message) for d in unit.diagnostics] == [
        (
            7,
            "duplicate-key",
            "`QueueName` is written twice in one mapping (first at line 5): CloudFormation "
            "keeps this last value and ignores the first",
        )
    ]


def test_a_repeated_logical_id_keeps_the_last_resource_in_the_first_place() -> None:
    text = (
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n  B:\n    Type: AWS::SNS::Topic\n"
        "  A:\n    Type: AWS::S3::Bucket\n"
    )
    unit = _parse(text)
    assert [(r.name, r.type, r.span.line) for r in unit.resources] == [
        ("A", "AWS::S3::Bucket", 6),
        ("B", "AWS::SNS::Topic", 4),
    ]
    assert [(d.line, d.code) for d in unit.diagnostics] == [(6, "duplicate-key")]


def test_a_repeated_key_in_json_is_one_diagnostic() -> None:
    text = (
        '{\n  "Resources": {\n    "A": {"Type": "AWS::SQS::Queue"},\n'
        '    "A": {"Type": "X"}\n  }\n}\n'
    )
    unit = _parse(text, "t.json")
    assert [(r.name, r.type) for r in unit.resources] == [("A", "X")]
    assert [(d.line, d.code) for d in unit.diagnostics] == [(4, "duplicate-key")]


def test_a_repeated_key_beside_another_error_reports_the_error() -> None:
    unit = _parse("Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n  B: *missing\n")
    assert unit.resources == ()
    assert [(d.line, d.code, d.message) for d in unit.diagnostics] == [
        (6, "parse-error", "invalid template: found undefined alias")
    ]
