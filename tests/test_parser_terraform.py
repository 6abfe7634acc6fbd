"""Tests for the Terraform parser: exact spans, resolved values, references and diagnostics.

The modules under ``tests/data/terraform/`` are valid Terraform (``basic`` validates against the
hashicorp/aws provider once its registry module and backend are removed); the values pinned
here for them were checked with ``terraform console``.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from opslint.model import ABSENT, Choice, Reference, Resource, Span, Unit, Unknown
from opslint.parsers.terraform import parse_module

REPO = Path(__file__).resolve().parents[1]
DATA = "tests/data/terraform"
BASIC = f"{DATA}/basic"
EXTRA_VARS = f"{DATA}/vars/extra.tfvars"


@pytest.fixture(autouse=True)
def _run_from_repo() -> Iterator[None]:
    """Paths are relative to the working directory, as the CLI gives them."""
    previous = os.getcwd()
    os.chdir(REPO)
    try:
        yield
    finally:
        os.chdir(previous)


def _files(directory: str) -> list[str]:
    names = sorted(os.listdir(REPO / directory))
    return [f"{directory}/{name}" for name in names if (REPO / directory / name).is_file()]


def _module(directory: str, var_files: Sequence[str] = ()) -> Unit:
    return parse_module(directory, _files(directory), var_files)


def _resource(unit: Unit, name: str) -> Resource:
    resource = unit.by_name(name)
    assert resource is not None, f"{unit.path}: no resource {name}"
    return resource


def _lines(resource: Resource, path: tuple[str | int, ...]) -> tuple[int, int]:
    span = resource.spans.get(path)
    assert span is not None, f"{resource.path}: {resource.name} has no span for {path}"
    return span.line, span.end_line


def _write(directory: Path, files: dict[str, str | bytes]) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = directory / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return [f"{directory.as_posix()}/{name}" for name in sorted(files)]


# --- units, resources and spans ---------------------------------------------------------------


def test_unit_lists_the_module_and_the_files_read() -> None:
    unit = _module(BASIC, [EXTRA_VARS])
    assert unit.framework == "terraform"
    assert unit.path == BASIC
    assert unit.diagnostics == ()
    assert unit.files == tuple(
        sorted(
            [
                f"{BASIC}/a.auto.tfvars",
                f"{BASIC}/b.auto.tfvars",
                f"{BASIC}/iam.tf",
                f"{BASIC}/main.tf",
                f"{BASIC}/providers.tf",
                f"{BASIC}/terraform.tfvars",
                f"{BASIC}/topic.tf.json",
                f"{BASIC}/variables.tf",
                f"{BASIC}/versions.tf",
                EXTRA_VARS,
            ]
        )
    )
    assert [r.name for r in unit.resources] == [
        "aws_iam_role.lambda",
        "aws_iam_role_policy.logs",
        "data.aws_iam_policy_document.logs",
        "aws_sqs_queue.jobs",
        "aws_lambda_function.api",
        "aws_cloudwatch_log_group.api",
        "aws_security_group.web",
        "data.aws_vpc.main",
        "module.vpc",
        "aws_sns_topic.ops",
    ]


def test_resource_span_and_nested_attribute_spans() -> None:
    function = _resource(_module(BASIC), "aws_lambda_function.api")
    assert (function.kind, function.type, function.path) == (
        "resource",
        "aws_lambda_function",
        f"{BASIC}/main.tf",
    )
    assert function.span == Span(1, 32)
    assert _lines(function, ("function_name",)) == (2, 2)
    # A heredoc ends on its marker line, and the next attribute starts on its own line.
    assert _lines(function, ("description",)) == (5, 7)
    assert function.get("description") == "Serves the API.\n"
    assert _lines(function, ("filename",)) == (8, 8)
    # A multi-line object and its keys (identifier and quoted).
    assert _lines(function, ("tags",)) == (10, 13)
    assert _lines(function, ("tags", "owner")) == (11, 11)
    assert _lines(function, ("tags", "team")) == (12, 12)
    # Nested blocks, at every depth.
    assert _lines(function, ("environment",)) == (15, 20)
    assert _lines(function, ("environment", "variables")) == (16, 19)
    assert _lines(function, ("environment", "variables", "QUEUE")) == (18, 18)
    assert _lines(function, ("tracing_config",)) == (22, 24)
    assert _lines(function, ("tracing_config", "mode")) == (23, 23)
    assert function.get("tracing_config.mode") == "Active"
    assert function.location("tracing_config.mode") == Span(23, 23)
    # Meta-arguments are not attributes.
    assert "lifecycle" not in function.attributes
    assert "depends_on" not in function.attributes
    assert function.meta_location(("depends_on",)) == Span(31, 31)


def test_binary_operation_does_not_swallow_the_comment_after_it(tmp_path: Path) -> None:
    files = _write(
        tmp_path / "m",
        {
            "main.tf": (
                'resource "aws_x" "y" {\n'
                "  a = 1 + 2 # trailing\n"
                "\n"
                "  # own line\n"
                "  b = var.x ? 1 : 2 + 3\n"
                "\n"
                "  c = <<-EOT\n"
                "    x\n"
                "    EOT\n"
                "  d = [\n"
                "    1,\n"
                "    2,\n"
                "  ]\n"
                "}\n"
            )
        },
    )
    resource = _resource(parse_module((tmp_path / "m").as_posix(), files), "aws_x.y")
    assert _lines(resource, ("a",)) == (2, 2)
    assert resource.get("a") == 3
    assert _lines(resource, ("b",)) == (5, 5)
    assert _lines(resource, ("c",)) == (7, 9)
    assert resource.get("c") == "x\n"
    assert _lines(resource, ("d",)) == (10, 13)
    assert _lines(resource, ("d", 1)) == (12, 12)
    assert resource.span == Span(1, 14)


def test_repeated_blocks_are_a_list_with_indexed_spans() -> None:
    group = _resource(_module(BASIC), "aws_security_group.web")
    assert group.get("ingress") == [
        {"from_port": 80, "to_port": 80, "protocol": "tcp"},
        {"from_port": 443, "to_port": 443, "protocol": "tcp"},
    ]
    assert _lines(group, ("ingress", 0)) == (45, 49)
    assert _lines(group, ("ingress", 1)) == (50, 54)
    assert _lines(group, ("ingress",)) == (45, 49)
    assert _lines(group, ("ingress", 1, "to_port")) == (52, 52)
    assert isinstance(group.get("ingress.from_port"), Unknown)  # two blocks: which one?


def test_dynamic_block_with_a_known_for_each_is_expanded() -> None:
    group = _resource(_module(BASIC), "aws_security_group.web")
    assert group.get("egress") == {
        "from_port": 0,
        "to_port": 0,
        "protocol": "-1",
        "cidr_blocks": ["10.0.0.0/8", Reference("data.aws_vpc.main", ("cidr_block",))],
    }
    assert _lines(group, ("egress",)) == (56, 64)
    assert group.location(("egress", "cidr_blocks")) == Span(56, 64)
    assert group.references == frozenset({"data.aws_vpc.main"})


def test_dynamic_block_is_unknown_and_keeps_its_references(tmp_path: Path) -> None:
    files = _write(
        tmp_path / "m",
        {
            "main.tf": (
                'variable "egress" {}\n'
                'resource "aws_security_group" "web" {\n'
                '  dynamic "egress" {\n'
                "    for_each = var.egress\n"
                "    content {\n"
                "      cidr_blocks = [egress.value, data.aws_vpc.main.cidr_block]\n"
                "    }\n"
                "  }\n"
                "}\n"
            )
        },
    )
    group = _resource(parse_module(str(tmp_path / "m"), files), "aws_security_group.web")
    egress = group.get("egress")
    assert isinstance(egress, Unknown)
    assert egress.reason == "dynamic block"
    assert egress.references == ("data.aws_vpc.main",)
    assert _lines(group, ("egress",)) == (3, 8)
    assert group.references == frozenset({"data.aws_vpc.main"})


def test_dynamic_block_over_an_empty_collection_makes_no_block(tmp_path: Path) -> None:
    files = _write(
        tmp_path / "m",
        {
            "main.tf": (
                'resource "aws_lambda_function" "f" {\n'
                '  dynamic "tracing_config" {\n'
                "    for_each = []\n"
                "    content {\n"
                '      mode = "Active"\n'
                "    }\n"
                "  }\n"
                "}\n"
            )
        },
    )
    function = _resource(parse_module(str(tmp_path / "m"), files), "aws_lambda_function.f")
    assert function.get("tracing_config") is ABSENT


def test_dynamic_block_beside_static_blocks_of_the_same_name(tmp_path: Path) -> None:
    files = _write(
        tmp_path / "m",
        {
            "main.tf": (
                'resource "aws_x" "y" {\n'
                "  setting {\n"
                '    name = "a"\n'
                "  }\n"
                '  dynamic "setting" {\n'
                "    for_each = var.settings\n"
                "    content {\n"
                "      name = setting.value\n"
                "    }\n"
                "  }\n"
                "}\n"
            )
        },
    )
    resource = _resource(parse_module((tmp_path / "m").as_posix(), files), "aws_x.y")
    assert isinstance(resource.get("setting"), Unknown)
    assert _lines(resource, ("setting",)) == (2, 4)


def test_lifecycle_and_meta_arguments_go_to_meta() -> None:
    unit = _module(BASIC)
    function = _resource(unit, "aws_lambda_function.api")
    assert function.meta["lifecycle"] == {
        "prevent_destroy": True,
        "ignore_changes": ["tags", "environment"],
    }
    assert function.get_meta("lifecycle.prevent_destroy") is True
    assert function.meta_spans[("lifecycle",)] == Span(26, 29)
    assert function.meta_spans[("lifecycle", "prevent_destroy")] == Span(27, 27)
    assert function.meta["depends_on"] == [Reference("aws_iam_role_policy.logs")]
    log_group = _resource(unit, "aws_cloudwatch_log_group.api")
    assert log_group.meta == {"count": 1}
    assert log_group.meta_spans == {("count",): Span(35, 35)}
    assert "count" not in log_group.attributes


def test_meta_arguments_of_resources_and_module_calls(tmp_path: Path) -> None:
    files = _write(
        tmp_path / "m",
        {
            "main.tf": (
                'resource "aws_x" "y" {\n'
                '  for_each = toset(["a", "b"])\n'
                "  provider = aws.west\n"
                "  name     = each.key\n"
                '  provisioner "local-exec" {\n'
                "    command = aws_q.q.id\n"
                "  }\n"
                "}\n"
                'module "m" {\n'
                '  source    = "./m"\n'
                "  count     = 2\n"
                "  providers = { aws = aws.west }\n"
                '  input     = aws_x.y["a"].id\n'
                "}\n"
            )
        },
    )
    unit = parse_module((tmp_path / "m").as_posix(), files)
    resource = _resource(unit, "aws_x.y")
    assert resource.meta == {"for_each": ["a", "b"], "provider": "aws.west"}
    assert resource.meta_spans == {("for_each",): Span(2, 2), ("provider",): Span(3, 3)}
    # one instance stands for all: each.key is any of the keys
    assert resource.get("name") == Choice(("a", "b"), "each.key")
    assert "provisioner" not in resource.attributes
    assert resource.references == frozenset()  # neither the provider nor the provisioner
    module = _resource(unit, "module.m")
    assert module.meta == {"count": 2, "providers": {"aws": "aws.west"}}
    assert module.attributes == {"source": "./m", "input": Reference("aws_x.y", ("id",))}
    assert module.references == frozenset({"aws_x.y"})


def test_pathological_input_never_raises(tmp_path: Path) -> None:
    chain = "".join(f"  l{i} = local.l{i + 1}\n" for i in range(3000))
    files = _write(
        tmp_path / "m",
        {
            "chain.tf": f'locals {{\n{chain}  l3000 = 7\n}}\nresource "aws_x" "y" {{\n'
            "  v = local.l0\n}\n",
            "deep.tf": "a = " + "[" * 1000 + "]" * 1000 + "\n",
        },
    )
    module = (tmp_path / "m").as_posix()
    unit = parse_module(module, files + files)  # a file given twice is read once
    assert _resource(unit, "aws_x.y").get("v") == Unknown(
        "locals are nested too deeply", "local.l0"
    )
    assert [(d.path, d.message) for d in unit.diagnostics] == [
        (files[1], "cannot parse: expressions are nested too deeply")
    ]


def test_lifecycle_paths_are_not_references(tmp_path: Path) -> None:
    files = _write(
        tmp_path / "m",
        {
            "main.tf": (
                'resource "aws_x" "y" {\n'
                '  note = "$${keep(\\"x\\")} %%{ if }"\n'
                "  lifecycle {\n"
                '    ignore_changes       = [tags.Name, tags["Team"]]\n'
                "    replace_triggered_by = [aws_x.z.id]\n"
                "  }\n"
                "}\n"
            )
        },
    )
    resource = _resource(parse_module((tmp_path / "m").as_posix(), files), "aws_x.y")
    assert resource.get("note") == '${keep("x")} %{ if }'
    assert resource.meta["lifecycle"] == {
        "ignore_changes": ["tags.Name", 'tags["Team"]'],
        "replace_triggered_by": [Reference("aws_x.z", ("id",))],
    }
    assert resource.references == frozenset({"aws_x.z"})
    assert resource.meta_spans[("lifecycle", "ignore_changes")] == Span(4, 4)


def test_data_source_and_module_call() -> None:
    unit = _module(BASIC)
    vpc = _resource(unit, "data.aws_vpc.main")
    assert (vpc.kind, vpc.type, vpc.span) == ("data", "aws_vpc", Span(67, 69))
    assert vpc.attributes == {"default": True}
    module = _resource(unit, "module.vpc")
    assert (module.kind, module.type, module.span) == ("module", "module", Span(71, 76))
    assert module.attributes == {
        "source": "terraform-aws-modules/vpc/aws",
        "version": "5.1.0",
        "name": "dev-svc",
        "azs": ["a", "b"],
    }
    assert unit.modules == [module]
    assert _lines(module, ("version",)) == (73, 73)


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("present", "var_files", "expected"),
    [
        ((), (), 1),  # the variable's default
        (("terraform.tfvars",), (), 14),
        (("terraform.tfvars", "a.auto.tfvars"), (), 30),
        (("terraform.tfvars", "a.auto.tfvars", "b.auto.tfvars"), (), 60),  # lexical order
        (("b.auto.tfvars", "a.auto.tfvars", "terraform.tfvars"), (), 60),  # order given: no matter
        (("terraform.tfvars", "a.auto.tfvars", "b.auto.tfvars"), (EXTRA_VARS,), 90),
        (("a.auto.tfvars",), (f"{BASIC}/b.auto.tfvars", f"{BASIC}/a.auto.tfvars"), 30),
    ],
)
def test_variable_precedence(
    present: tuple[str, ...], var_files: tuple[str, ...], expected: int
) -> None:
    files = [f"{BASIC}/variables.tf", f"{BASIC}/main.tf", *(f"{BASIC}/{n}" for n in present)]
    unit = parse_module(BASIC, files, var_files)
    assert unit.variables["retention"] == expected
    assert _resource(unit, "aws_cloudwatch_log_group.api").get("retention_in_days") == expected


def test_variable_values_and_types() -> None:
    unit = _module(BASIC)
    assert unit.variables["owner"] == "tfvars-owner"  # terraform.tfvars over the default
    assert unit.variables["timeout"] == 10  # "10" in a.auto.tfvars, declared a number
    assert unit.variables["egress"] == ["10.0.0.0/8"]
    assert _resource(unit, "aws_lambda_function.api").get("timeout") == 10


def test_tfvars_json_comes_after_terraform_tfvars(tmp_path: Path) -> None:
    module = tmp_path / "m"
    files = _write(
        module,
        {
            "main.tf": 'variable "a" {}\nvariable "b" {}\n',
            "terraform.tfvars": 'a = "hcl"\nb = "hcl"\n',
            "terraform.tfvars.json": '{"a": "json"}',
            "z.auto.tfvars.json": '{"b": ["json", 1]}',
        },
    )
    assert parse_module(module.as_posix(), files).variables == {"a": "json", "b": ["json", 1]}


def test_non_auto_tfvars_file_is_ignored() -> None:
    unit = _module(BASIC)
    assert unit.variables["env"] == "dev"  # prod.tfvars says "prod" but is not auto-loaded
    assert f"{BASIC}/prod.tfvars" in _files(BASIC)
    assert f"{BASIC}/prod.tfvars" not in unit.files


def test_unset_variable_is_unknown() -> None:
    unit = _module(BASIC)
    assert unit.variables["maybe"] == Unknown("variable maybe has no value", "var.maybe")


def test_null_default_variable_is_unknown_but_explicit_null_stays_null(tmp_path: Path) -> None:
    """In a reusable module scanned without its callers, a null default leaves the value to
    the caller; a null written in a variable file is what Terraform uses."""
    module = tmp_path / "m"
    files = _write(
        module,
        {
            "main.tf": (
                'variable "days" {\n  type    = number\n  default = null\n}\n'
                'variable "given" {\n  default = 7\n}\n'
                'resource "aws_cloudwatch_log_group" "a" {\n'
                "  retention_in_days = var.days\n}\n"
            ),
            "required.tf": 'variable "name" {}\n',
        },
    )
    (module / "given.tfvars").write_text("given = null\n", encoding="utf-8")
    unit = parse_module(module.as_posix(), files, [f"{module.as_posix()}/given.tfvars"])
    unknown = Unknown("variable days defaults to null: its caller decides", "var.days")
    assert unit.variables["given"] is None
    assert unit.required_variables == {"name"}  # a null default is still a default
    unit = parse_module(module.as_posix(), files)
    assert unit.variables["days"] == unknown
    retention = _resource(unit, "aws_cloudwatch_log_group.a").get("retention_in_days")
    assert isinstance(retention, Unknown)
    assert retention.reason == unknown.reason


@pytest.mark.parametrize(
    "extra",
    [
        {"terraform.tfvars": 'region = "eu-west-1"\n'},
        {"backend.tf": 'terraform {\n  backend "s3" {}\n}\n'},
        {"provider.tf": 'provider "aws" {\n  region = var.region\n}\n'},
    ],
    ids=["tfvars", "backend", "provider"],
)
def test_null_default_is_null_in_a_root_module(tmp_path: Path, extra: dict[str, str]) -> None:
    """A module someone applies (variable files, a backend, or a provider and no required
    input) has no caller: a variable left at its null default is null."""
    module = tmp_path / "m"
    files = _write(
        module,
        {
            "main.tf": (
                'variable "days" {\n  type    = number\n  default = null\n}\n'
                'variable "region" {\n  default = "us-east-1"\n}\n'
                'resource "aws_cloudwatch_log_group" "a" {\n'
                "  retention_in_days = var.days\n}\n"
            ),
            **extra,
        },
    )
    unit = parse_module(module.as_posix(), files)
    assert unit.variables["days"] is None
    assert _resource(unit, "aws_cloudwatch_log_group.a").get("retention_in_days") is ABSENT


def test_locals_chain_and_interpolation() -> None:
    function = _resource(_module(BASIC), "aws_lambda_function.api")
    # local.name = "${local.prefix}-svc", local.prefix = var.env
    assert function.get("function_name") == "dev-svc-api"
    queue = function.get("environment.variables.QUEUE")
    assert isinstance(queue, Unknown)
    assert queue.reason == "interpolation with unresolved parts"
    assert queue.source == '"${aws_sqs_queue.jobs.url}/x"'
    assert queue.references == ("aws_sqs_queue.jobs",)
    assert function.get("environment.variables.TOPIC") == Reference("aws_sns_topic.ops", ("arn",))


def test_references_of_a_resource() -> None:
    function = _resource(_module(BASIC), "aws_lambda_function.api")
    assert function.references == frozenset(
        {
            "aws_iam_role.lambda",
            "aws_sns_topic.ops",
            "aws_sqs_queue.jobs",
            "aws_iam_role_policy.logs",  # from depends_on
        }
    )
    unit = _module(BASIC)
    assert [r.name for r in unit.referrers(_resource(unit, "aws_sns_topic.ops"))] == [
        "aws_lambda_function.api"
    ]


def test_conditional_known_and_choice() -> None:
    log_group = _resource(_module(BASIC), "aws_cloudwatch_log_group.api")
    assert log_group.get("retention_in_days") == 60  # var.enabled is true
    assert log_group.get("kms_key_id") == Choice(("a", "b"), "var.unset")
    assert log_group.get("skip_destroy") == Choice((True, False), "var.maybe")


@pytest.fixture(scope="module")
def expressions() -> Resource:
    previous = os.getcwd()
    os.chdir(REPO)
    try:
        unit = _module(f"{DATA}/expressions")
    finally:
        os.chdir(previous)
    assert unit.diagnostics == ()
    resource = unit.by_name("aws_example.all")
    assert resource is not None
    return resource


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("ref", Reference("aws_sns_topic.alerts", ("arn",))),
        ("indexed", Reference("aws_lb.front", ("arn",))),
        ("keyed", Reference("aws_lb.front", ("dns_name",))),
        ("splat", Reference("aws_lb.front", ("arn",))),
        ("attr_splat", Reference("aws_lb.front", ("zone_id",))),
        ("data_ref", Reference("data.aws_iam_policy_document.assume", ("json",))),
        ("module_out", Reference("module.vpc", ("private_subnets", "0"))),
        ("via_local", Reference("aws_sns_topic.alerts", ("arn",))),
        ("whole", Reference("aws_kms_key.main")),
        ("json_known", '{"a":[true,null,"\\u003cx\\u003e"],"b":1}'),
        ("merged", {"env": "prod", "count": 3, "owner": "me"}),
        ("template", "dev-3-1.5-true"),
        ("escapes", 'tab\tquote"back\\ é ${literal} %{x}'),
        ("object", {"days": 14, "name": "svc"}),  # optional(number, 14) filled in
        ("days", 14),
        ("indexed2", "dev"),
        ("math", 1.5),
        ("modulo", -1),  # Terraform's remainder keeps the dividend's sign
        ("compare", True),
        ("lookup", "fallback"),
        ("tried", 5),
        ("format_d", "a-7"),
        ("number", 1000),
        ("trimmed", "hello dev\n  world\n"),
    ],
)
def test_expression_values(expressions: Resource, attribute: str, expected: object) -> None:
    assert expressions.get(attribute) == expected
    assert type(expressions.get(attribute)) is type(expected)


@pytest.mark.parametrize(
    ("attribute", "reason", "source", "references"),
    [
        (
            "not_eval",
            "function formatdate is not evaluated",
            'formatdate("YYYY", timestamp())',
            (),
        ),
        (
            "provider_fn",
            "function provider::aws::arn_parse is not evaluated",
            'provider::aws::arn_parse("arn:aws:s3:::x")',
            (),
        ),
        (
            "json_partial",
            "jsonencode of partly known values",
            "jsonencode({ arn = aws_sns_topic.alerts.arn })",
            ("aws_sns_topic.alerts",),
        ),
        (
            "json_local",
            "jsonencode of partly known values",
            "local.policy",
            ("aws_s3_bucket.logs",),
        ),
        (
            "for_expr",
            "for expression is not evaluated",
            "[for s in aws_subnet.private : s.id]",
            ("aws_subnet.private",),
        ),
        (
            "directive",
            "template directive is not evaluated",
            '"%{ if local.tags.env == "dev" }d%{ endif }"',
            (),
        ),
        ("format", "format verb %0 is not evaluated", 'format("%s-%03d", "a", 7)', ()),
        ("each", "each.key/each.value are only known per instance", "each.value", ()),
        ("self", "self is only known during apply", "self.id", ()),
    ],
)
def test_unknown_values(
    expressions: Resource,
    attribute: str,
    reason: str,
    source: str,
    references: tuple[str, ...],
) -> None:
    value = expressions.get(attribute)
    assert isinstance(value, Unknown)
    assert (value.reason, value.source, value.references) == (reason, source, references)


def test_expression_references_and_value_spans(expressions: Resource) -> None:
    assert expressions.references == frozenset(
        {
            "aws_sns_topic.alerts",
            "aws_lb.front",
            "data.aws_iam_policy_document.assume",
            "module.vpc",
            "aws_kms_key.main",
            "aws_s3_bucket.logs",  # through local.policy
            "aws_subnet.private",
        }
    )
    assert _lines(expressions, ("merged", "owner")) == (34, 34)
    assert _lines(expressions, ("trimmed",)) == (55, 58)


# --- providers and settings ------------------------------------------------------------------


def test_providers_with_alias_and_default_tags() -> None:
    providers = _module(BASIC).providers
    assert [(p.name, p.alias) for p in providers] == [("aws", ""), ("aws", "us")]
    default, aliased = providers
    assert default.attributes == {"region": "eu-west-1"}
    assert (default.span, default.path) == (Span(11, 13), f"{BASIC}/providers.tf")
    assert aliased.attributes["default_tags"] == {"tags": {"owner": "platform"}}
    assert aliased.attributes["region"] == "us-east-1"
    assert aliased.span == Span(15, 24)


def test_terraform_settings_merged_from_two_files() -> None:
    settings = _module(BASIC).settings
    assert settings is not None
    assert settings.required_version == ">= 1.5"  # versions.tf
    assert settings.backend == "s3"  # versions.tf
    assert settings.required_providers == {  # providers.tf
        "aws": {"source": "hashicorp/aws", "version": "~> 5.0"},
        "random": "~> 3.0",
    }
    assert settings.cloud is False
    assert (settings.span, settings.path) == (Span(1, 9), f"{BASIC}/providers.tf")


def test_module_without_terraform_block() -> None:
    settings = _module(f"{DATA}/expressions").settings
    assert settings is not None
    assert settings.required_version is ABSENT
    assert (settings.required_providers, settings.backend, settings.span) == ({}, None, None)


# --- Terraform JSON ----------------------------------------------------------------------------


def test_tf_json_resource_with_exact_lines_and_expressions() -> None:
    topic = _resource(_module(BASIC), "aws_sns_topic.ops")
    assert topic.path == f"{BASIC}/topic.tf.json"
    assert topic.span == Span(4, 10)
    assert topic.attributes == {
        "name": "dev-ops",  # "${var.env}-ops"
        "kms_master_key_id": "alias/aws/sns",
        "tags": {"owner": "tfvars-owner"},  # "${var.owner}"
    }
    assert _lines(topic, ("name",)) == (5, 5)
    assert _lines(topic, ("tags",)) == (7, 9)
    assert _lines(topic, ("tags", "owner")) == (8, 8)


def test_tf_json_meta_arguments_and_blocks(tmp_path: Path) -> None:
    text = """{
  "variable": {"n": {"type": "number", "default": 2}},
  "locals": {"double": "${var.n * 2}"},
  "resource": {
    "aws_x": {
      "a": {
        "count": "${var.n}",
        "provider": "aws.west",
        "depends_on": ["aws_y.b"],
        "name": "x-${local.double}-\\"q\\"-$${lit}",
        "ref": "${aws_y.b.arn}",
        "setting": [{"k": 1}, {"k": 2}],
        "dynamic": {"rule": {"for_each": "${var.n}", "content": {"v": "${aws_z.c.id}"}}},
        "lifecycle": {"prevent_destroy": true, "ignore_changes": ["tags"]},
        "provisioner": {"local-exec": {"command": "${aws_q.q.id}"}},
        "//": "a comment"
      }
    }
  },
  "module": {"m": {"source": "./m", "version": "1.0.0"}},
  "provider": {"aws": [{"region": "eu-west-1"}, {"alias": "west", "region": "us-west-2"}]},
  "terraform": {"required_version": ">= 1.6", "cloud": {"organization": "o"}}
}
"""
    files = _write(tmp_path / "m", {"main.tf.json": text})
    unit = parse_module((tmp_path / "m").as_posix(), files)
    assert unit.diagnostics == ()
    resource = _resource(unit, "aws_x.a")
    assert resource.span == Span(6, 17)
    assert resource.meta == {
        "count": 2,
        "provider": "aws.west",
        "depends_on": [Reference("aws_y.b")],
        "lifecycle": {"prevent_destroy": True, "ignore_changes": ["tags"]},
    }
    assert resource.attributes["name"] == 'x-4-"q"-${lit}'
    assert resource.attributes["ref"] == Reference("aws_y.b", ("arn",))
    assert resource.attributes["setting"] == [{"k": 1}, {"k": 2}]
    assert isinstance(resource.attributes["rule"], Unknown)
    assert "//" not in resource.attributes
    assert resource.references == frozenset({"aws_y.b", "aws_z.c"})  # not the provisioner's
    assert _lines(resource, ("setting", 1, "k")) == (12, 12)
    assert resource.meta_spans[("count",)] == Span(7, 7)
    assert _resource(unit, "module.m").attributes == {"source": "./m", "version": "1.0.0"}
    assert [(p.alias, p.attributes["region"]) for p in unit.providers] == [
        ("", "eu-west-1"),
        ("west", "us-west-2"),
    ]
    assert unit.settings is not None
    assert (unit.settings.required_version, unit.settings.cloud) == (">= 1.6", True)


# --- robustness ------------------------------------------------------------------------------


def test_malformed_hcl_is_a_diagnostic_and_other_files_still_count(tmp_path: Path) -> None:
    module = tmp_path / "m"
    files = _write(
        module,
        {
            "bad.tf": 'resource "aws_x" "bad" {\n  a = 1\n  b = = 2\n}\n',
            "good.tf": 'resource "aws_x" "good" {\n  a = 1\n}\n',
        },
    )
    unit = parse_module(module.as_posix(), files)
    assert [r.name for r in unit.resources] == ["aws_x.good"]
    assert len(unit.diagnostics) == 1
    diagnostic = unit.diagnostics[0]
    assert (diagnostic.path, diagnostic.line, diagnostic.code) == (files[0], 3, "parse-error")
    assert diagnostic.message.startswith("invalid HCL")
    assert unit.files == tuple(files)


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("binary.tf", b"\x89PNG\r\n\x1a\n\x00\x00\x00", 3),
        ("latin1.tf", b'resource "aws_x" "y" {\n  a = "caf\xe9"\n}\n', 2),
        ("eof.tf", b'resource "aws_x" "y" {\n  a = 1\n', 1),  # the block not closed
        ("bad.tf.json", b'{"resource": {\n  "aws_x": {"y": {"a": }}}}', 2),
        ("yaml.tf.json", b"resource:\n  aws_x: {}\n", 1),
        ("list.tf.json", b"[1, 2]", 1),
        ("directive.tf", b'a = "%{ if x }"\n', 1),
    ],
)
def test_unusable_file_is_a_diagnostic(
    tmp_path: Path, name: str, content: bytes, line: int
) -> None:
    module = tmp_path / "m"
    files = _write(module, {name: content, "ok.tf": 'resource "aws_x" "ok" {}\n'})
    unit = parse_module(module.as_posix(), files)
    assert [(d.path, d.line, d.code) for d in unit.diagnostics] == [
        (f"{module.as_posix()}/{name}", line, "parse-error")
    ]
    assert [r.name for r in unit.resources] == ["aws_x.ok"]


def test_empty_bom_and_crlf_files(tmp_path: Path) -> None:
    module = tmp_path / "m"
    files = _write(
        module,
        {
            "empty.tf": "",
            "blank.tf.json": "\n",
            "bom.tf": (
                b'\xef\xbb\xbfresource "aws_x" "y" {\r\n  a = <<EOT\r\nline\r\nEOT\r\n'
                b"  b = 2\r\n}\r\n"
            ),
        },
    )
    unit = parse_module(module.as_posix(), files)
    assert unit.diagnostics == ()
    resource = _resource(unit, "aws_x.y")
    assert resource.attributes == {"a": "line\n", "b": 2}
    assert (_lines(resource, ("a",)), _lines(resource, ("b",))) == ((2, 4), (5, 5))


def test_missing_var_file_is_a_diagnostic(tmp_path: Path) -> None:
    module = tmp_path / "m"
    files = _write(module, {"main.tf": 'variable "a" {\n  default = 1\n}\n'})
    missing = f"{tmp_path.as_posix()}/nope.tfvars"
    unit = parse_module(module.as_posix(), files, [missing])
    assert unit.variables == {"a": 1}
    assert [d.path for d in unit.diagnostics] == [missing]


def test_override_file_merges_into_the_original(tmp_path: Path) -> None:
    module = tmp_path / "m"
    files = _write(
        module,
        {
            "main.tf": (
                'variable "v" {\n  default = "main"\n}\n'
                'resource "aws_x" "y" {\n  a = 1\n  b = var.v\n}\n'
            ),
            "main_override.tf": (
                'variable "v" {\n  default = "override"\n}\n'
                'resource "aws_x" "y" {\n  a = 2\n  lifecycle {\n    prevent_destroy = true\n'
                "  }\n}\n"
            ),
        },
    )
    unit = parse_module(module.as_posix(), files)
    assert unit.diagnostics == ()
    resource = _resource(unit, "aws_x.y")
    assert resource.attributes == {"a": 2, "b": "override"}
    assert resource.meta == {"lifecycle": {"prevent_destroy": True}}
    assert resource.path == files[0]
    assert resource.location("a") == resource.span  # its value is written in another file
    assert _lines(resource, ("b",)) == (6, 6)


def test_duplicate_resource_is_a_diagnostic(tmp_path: Path) -> None:
    module = tmp_path / "m"
    files = _write(
        module,
        {
            "a.tf": 'resource "aws_x" "y" {\n  a = 1\n}\n',
            "b.tf": '\nresource "aws_x" "y" {\n  a = 2\n}\n',
        },
    )
    unit = parse_module(module.as_posix(), files)
    assert [r.get("a") for r in unit.resources] == [1]
    assert [(d.path, d.line) for d in unit.diagnostics] == [(files[1], 2)]


def test_unit_pickle_round_trip() -> None:
    unit = _module(BASIC, [EXTRA_VARS])
    copy = pickle.loads(pickle.dumps(unit))
    assert copy.files == unit.files
    assert copy.variables == unit.variables
    assert copy.settings == unit.settings
    assert copy.providers == unit.providers
    for original, restored in zip(unit.resources, copy.resources, strict=True):
        assert (restored.name, restored.span, restored.path) == (
            original.name,
            original.span,
            original.path,
        )
        assert restored.attributes == original.attributes
        assert restored.spans == original.spans
        assert restored.meta == original.meta
        assert restored.references == original.references
    assert copy.settings is not None and copy.settings.required_version == ">= 1.5"


def test_tree_sitter_is_imported_lazily() -> None:
    code = (
        "import sys, opslint.parsers.terraform as tf\n"
        "assert 'tree_sitter' not in sys.modules, 'tree_sitter imported at module import'\n"
        "tf.warm_up()\n"
        "assert 'tree_sitter' in sys.modules and 'hcl2' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
