"""Local module calls followed with their callers' arguments: addresses, outputs, where
findings land, suppressions at both places, count/for_each, cycles and repeated calls."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import lint_result

from opslint.cli import main
from opslint.model import Choice, Reference
from opslint.parsers.terraform import module as module_parser
from opslint.parsers.terraform import parse_module

RETENTION = "OPS08-BP02/log-group-retention"
TRACING = "OPS04-BP05/lambda-tracing"

LOGS = """\
variable "retention" {
  type = number
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/audit"
  retention_in_days = var.retention
}
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path) -> Iterator[None]:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield
    os.chdir(cwd)


def write(files: dict[str, str]) -> None:
    for name, text in files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(text, encoding="utf-8")


def findings(files: dict[str, str], *paths: str) -> list[tuple[str, int, str, str]]:
    """The log-group-retention findings of a scan of ``paths`` in ``files``."""
    result = lint_result(files, RETENTION, paths=paths)
    return [(f.path, f.line, f.resource, f.message) for f in result.findings]


def message(address: str, via: str = "") -> str:
    text = f"Log group `{address}` never expires: set `retention_in_days` (e.g. 30)"
    return f"{text} (via {via})" if via else text


def test_the_callers_argument_is_where_the_finding_goes() -> None:
    files = {
        "live/main.tf": ('module "audit" {\n  source    = "../modules/logs"\n  retention = 0\n}\n'),
        "modules/logs/main.tf": LOGS,
    }
    address = "module.audit.aws_cloudwatch_log_group.this"
    expected = [("live/main.tf", 3, address, message(address, "module.audit"))]
    assert findings(files, ".") == expected
    assert findings(files, "live") == expected
    assert findings(files, "modules/logs") == []  # scanned alone: the input is unknown


def test_nested_calls_report_on_the_outermost_argument_that_decided() -> None:
    files = {
        "main.tf": (
            'module "svc" {\n  source = "./svc"\n  days   = 0\n}\n'
            'module "fixed" {\n  source = "./fixed"\n}\n'
        ),
        "svc/main.tf": (
            'variable "days" {\n  type = number\n}\n'
            'module "logs" {\n  source    = "../modules/logs"\n  retention = var.days\n}\n'
        ),
        "fixed/main.tf": ('module "logs" {\n  source    = "../modules/logs"\n  retention = 0\n}\n'),
        "modules/logs/main.tf": LOGS,
    }
    svc = "module.svc.module.logs.aws_cloudwatch_log_group.this"
    fixed = "module.fixed.module.logs.aws_cloudwatch_log_group.this"
    assert findings(files, ".") == [
        ("fixed/main.tf", 3, fixed, message(fixed, "module.fixed → module.logs")),
        ("main.tf", 3, svc, message(svc, "module.svc → module.logs")),
    ]


def test_a_finding_no_argument_decided_is_reported_once_on_the_child() -> None:
    files = {
        "main.tf": (
            'module "a" {\n  source = "./logs"\n  name   = "a"\n}\n'
            'module "b" {\n  source = "./logs"\n  name   = "b"\n  count  = 2\n}\n'
        ),
        "logs/main.tf": (
            'variable "name" {\n  type = string\n}\n'
            'resource "aws_cloudwatch_log_group" "this" {\n  name = var.name\n}\n'
        ),
    }
    local = "aws_cloudwatch_log_group.this"
    assert findings(files, ".") == [("logs/main.tf", 4, local, message(local))]


def test_suppressions_work_above_the_call_and_in_the_child() -> None:
    files = {
        "main.tf": (
            "# opslint:ignore OPS08-BP02 -- audit logs: retention set by the archive job\n"
            'module "audit" {\n  source    = "./logs"\n  retention = 0\n}\n'
            'module "app" {\n  source    = "./logs"\n'
            "  retention = 0 # opslint:ignore OPS08-BP02 -- on the argument's line\n}\n"
            'module "plain" {\n  source    = "./logs"\n  retention = 0\n}\n'
        ),
        "logs/main.tf": LOGS,
        "other/main.tf": 'module "o" {\n  source = "./logs"\n}\n',
        "other/logs/main.tf": (
            "# opslint:ignore OPS08-BP02 -- kept forever by design\n"
            'resource "aws_cloudwatch_log_group" "this" {\n  name = "x"\n}\n'
        ),
    }
    address = "module.plain.aws_cloudwatch_log_group.this"
    assert findings(files, ".") == [("main.tf", 12, address, message(address, "module.plain"))]


def test_count_zero_and_empty_for_each_deploy_nothing() -> None:
    files = {
        "main.tf": (
            'variable "enabled" {\n  default = false\n}\n'
            'module "off" {\n  source    = "./logs"\n  count     = 0\n  retention = 0\n}\n'
            'module "none" {\n  source    = "./logs"\n  for_each  = {}\n  retention = 0\n}\n'
            'resource "aws_cloudwatch_log_group" "maybe" {\n'
            '  count = var.enabled ? 1 : 0\n  name  = "m"\n}\n'
        ),
        "logs/main.tf": LOGS,
    }
    assert findings(files, ".") == []


def test_for_each_instances_stand_for_all() -> None:
    files = {
        "main.tf": (
            'module "bad" {\n  source    = "./logs"\n  for_each  = { a = 0, b = 0 }\n'
            "  retention = each.value\n}\n"
            'module "mixed" {\n  source    = "./logs"\n  for_each  = { a = 0, b = 30 }\n'
            "  retention = each.value\n}\n"
        ),
        "logs/main.tf": LOGS,
    }
    write(files)
    address = "module.bad.aws_cloudwatch_log_group.this"
    assert findings(files, ".") == [("main.tf", 4, address, message(address, "module.bad"))]
    unit = parse_module(".", ["main.tf"])
    mixed = unit.by_name("module.mixed.aws_cloudwatch_log_group.this")
    assert mixed is not None
    assert mixed.get("retention_in_days") == Choice((0, 30), "each.value")


def test_null_default_of_a_called_module_is_null_when_the_caller_does_not_set_it() -> None:
    files = {
        "main.tf": 'module "logs" {\n  source = "./logs"\n}\n',
        "logs/main.tf": (
            'variable "retention" {\n  type    = number\n  default = null\n}\n'
            'resource "aws_cloudwatch_log_group" "this" {\n'
            '  name              = "x"\n  retention_in_days = var.retention\n}\n'
        ),
    }
    local = "aws_cloudwatch_log_group.this"
    assert findings(files, ".") == [("logs/main.tf", 7, local, message(local))]
    assert findings(files, "logs") == []  # scanned alone, its caller decides


def test_outputs_resolve_through_the_child_and_addresses_are_terraforms() -> None:
    write(
        {
            "main.tf": (
                'module "svc" {\n  source = "./svc"\n}\n'
                'resource "aws_sns_topic" "t" {\n  name = module.svc.group_name\n}\n'
            ),
            "svc/main.tf": (
                'module "logs" {\n  source    = "../logs"\n  retention = 7\n}\n'
                'output "group_name" {\n  value = module.logs.name\n}\n'
            ),
            "logs/main.tf": LOGS
            + 'output "name" {\n  value = aws_cloudwatch_log_group.this.name\n}\n',
        }
    )
    unit = parse_module(".", ["main.tf"])
    names = [r.name for r in unit.resources]
    assert names == [
        "module.svc",
        "aws_sns_topic.t",
        "module.svc.module.logs",
        "module.svc.module.logs.aws_cloudwatch_log_group.this",
    ]
    topic = unit.by_name("aws_sns_topic.t")
    assert topic is not None
    group = "module.svc.module.logs.aws_cloudwatch_log_group.this"
    assert topic.get("name") == Reference(group, ("name",))
    assert group in topic.references
    assert unit.called == {"svc", "logs"}


def test_cycles_and_missing_folders_are_not_followed() -> None:
    write(
        {
            "main.tf": (
                'module "self" {\n  source = "./"\n}\n'
                'module "gone" {\n  source = "./nowhere"\n}\n'
                'module "remote" {\n  source  = "terraform-aws-modules/lambda/aws"\n'
                '  version = "7.0.0"\n}\n'
            ),
        }
    )
    unit = parse_module(".", ["main.tf"])
    assert unit.not_followed == (
        ("module.gone", "no Terraform files in ./nowhere"),
        ("module.remote", module_parser.REMOTE),
        ("module.self", "it calls a module that is calling it"),
    )


def test_a_module_called_with_the_same_arguments_is_evaluated_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = "".join(
        f'module "m{i}" {{\n  source    = "./logs"\n  retention = 30\n}}\n' for i in range(50)
    )
    write({"main.tf": calls, "logs/main.tf": LOGS})
    parsed: list[str] = []
    original = module_parser._ModuleParser.parse

    def counting(self: module_parser._ModuleParser, *args: object, **kwargs: object) -> object:
        parsed.append(self.directory)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module_parser._ModuleParser, "parse", counting)
    unit = parse_module(".", ["main.tf"])
    assert parsed == [".", "logs"]
    assert len([r for r in unit.resources if r.type == "aws_cloudwatch_log_group"]) == 50
    assert unit.by_name("module.m49.aws_cloudwatch_log_group.this") is not None


def test_checks_that_could_not_decide_are_counted_and_listed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    write(
        {
            "logs/main.tf": LOGS,
            "logs/remote.tf": (
                'module "remote" {\n  source = "terraform-aws-modules/x/aws"\n}\n'
                'resource "aws_cloudwatch_log_group" "remote" {\n'
                "  retention_in_days = module.remote.days\n}\n"
                'data "aws_ssm_parameter" "days" {\n  name = "days"\n}\n'
                'resource "aws_cloudwatch_log_group" "data" {\n'
                "  retention_in_days = data.aws_ssm_parameter.days.value\n}\n"
            ),
        }
    )
    assert main(["check", "logs", "--select", RETENTION, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == []
    assert report["undecided"] == [
        {
            "rule_id": RETENTION,
            "path": "logs/main.tf",
            "resource": "aws_cloudwatch_log_group.this",
            "unknown": "var.retention",
        },
        {
            "rule_id": RETENTION,
            "path": "logs/remote.tf",
            "resource": "aws_cloudwatch_log_group.data",
            "unknown": "data.aws_ssm_parameter.days.value (a data source)",
        },
        {
            "rule_id": RETENTION,
            "path": "logs/remote.tf",
            "resource": "aws_cloudwatch_log_group.remote",
            "unknown": "module.remote.days (module.remote not followed)",
        },
    ]
    assert report["summary"]["undecided"] == 3
    assert main(["check", "logs", "--select", RETENTION]) == 0
    assert "3 checks undecided (values opslint could not resolve)" in capsys.readouterr().out


def test_registry_modules_are_followed_after_terraform_init(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = (
        'module "lambda" {\n'
        '  source  = "terraform-aws-modules/lambda/aws"\n'
        '  version = "7.0.0"\n'
        "  days    = 0\n"
        "}\n"
    )
    installed = (
        'variable "days" {\n  type = number\n}\n'
        'resource "aws_cloudwatch_log_group" "this" {\n'
        '  name              = "/fn"\n'
        "  retention_in_days = var.days\n}\n"
        'resource "aws_cloudwatch_log_group" "forever" {\n  name = "/forever"\n}\n'
    )
    write({"live/main.tf": root})
    assert main(["check", "live", "--select", RETENTION]) == 0
    out = capsys.readouterr().out
    assert (
        "1 module call not followed: run `terraform init` to let opslint follow it "
        "(registry or remote sources)" in out
    )
    files = {
        "live/main.tf": root,
        "live/.terraform/modules/lambda/main.tf": installed,
        "live/.terraform/modules/modules.json": (
            '{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"lambda","Source":'
            '"registry.terraform.io/terraform-aws-modules/lambda/aws","Version":"7.0.0",'
            '"Dir":".terraform/modules/lambda"}]}'
        ),
    }
    this = "module.lambda.aws_cloudwatch_log_group.this"
    forever = "module.lambda.aws_cloudwatch_log_group.forever"
    # nothing is reported inside .terraform/: a finding no argument decided goes to the call
    assert findings(files, "live") == [
        ("live/main.tf", 1, forever, message(forever, "module.lambda")),
        ("live/main.tf", 4, this, message(this, "module.lambda")),
    ]


@pytest.mark.parametrize(
    "paths", [("modules/logs",), ("modules/logs/main.tf",), ("live", "modules/logs")]
)
def test_findings_do_not_depend_on_which_other_rules_run(paths: tuple[str, ...]) -> None:
    """A module scanned as part of a git work tree is judged through its callers elsewhere
    in the work tree whether or not a repository rule is selected: a rule's findings are
    the same alone and among others."""
    from opslint.api import lint

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    files = {
        "live/main.tf": 'module "audit" {\n  source    = "../modules/logs"\n  retention = 30\n}\n',
        "modules/logs/main.tf": 'variable "retention" {\n  default = 0\n}\n'
        + LOGS.split("\n", 3)[3],
    }
    lock = "OPS05-BP03/terraform-lock-file"  # a repository rule
    alone = lint(files, select=[RETENTION], paths=paths, git=True)
    among = lint(files, select=[RETENTION, lock, TRACING], paths=paths, git=True)
    assert [f for f in among.findings if f.rule_id == RETENTION] == list(alone.findings) == []
    # outside a work tree the scanned folder is the repository: the module stands alone
    scanned_alone = lint(files, select=[RETENTION], paths=("modules/logs",))
    assert [(f.path, f.line) for f in scanned_alone.findings] == [("modules/logs/main.tf", 7)]
