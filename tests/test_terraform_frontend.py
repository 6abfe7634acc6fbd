"""The Terraform front-end (tree-sitter-hcl): a syntax error costs only its own block, valid
Terraform that python-hcl2 rejected parses, tree-sitter-hcl's known gaps are handled, and
hostile Terraform JSON ends quickly as a parse error at its own file and line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from opslint.cli import main
from opslint.model import Span, Unit, Unknown
from opslint.parsers.terraform import parse_module

LOG_GROUP = 'resource "aws_cloudwatch_log_group" "{name}" {{\n  name = "/{name}"\n}}\n'
RETENTION = "OPS08-BP02/log-group-retention"


def _module(directory: Path, files: dict[str, str | bytes]) -> Unit:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (directory / name).write_bytes(content)
        else:
            (directory / name).write_text(content, encoding="utf-8")
    paths = [f"{directory.as_posix()}/{name}" for name in sorted(files)]
    return parse_module(directory.as_posix(), paths)


def _diagnostics(unit: Unit) -> list[tuple[str, int | None, str]]:
    return [(d.path.rsplit("/", 1)[-1], d.line, d.message) for d in unit.diagnostics]


def _check(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list[dict[str, object]]]:
    code = main(["check", str(path), "--format", "json", "--select", RETENTION])
    return code, json.loads(capsys.readouterr().out)["findings"]


# --- a syntax error costs only its own block ---------------------------------------------------


BROKEN_MIDDLE = (
    LOG_GROUP.format(name="first")
    + 'resource "aws_cloudwatch_log_group" "broken" {\n'
    + '  name = "/broken"\n'
    + "  retention_in_days = = 7\n"
    + "}\n"
    + LOG_GROUP.format(name="last")
)


def test_broken_block_is_a_parse_error_at_its_line_and_the_file_is_still_judged(
    tmp_path: Path,
) -> None:
    unit = _module(tmp_path / "m", {"main.tf": BROKEN_MIDDLE})
    assert [r.name for r in unit.resources] == [
        "aws_cloudwatch_log_group.first",
        "aws_cloudwatch_log_group.last",
    ]
    assert _resource_span(unit, "aws_cloudwatch_log_group.last") == Span(8, 10)
    assert _diagnostics(unit) == [
        ("main.tf", 6, "invalid HCL: unexpected '=' at line 6, column 23")
    ]


def test_broken_block_leaves_the_findings_of_the_rest_of_the_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "m"
    module.mkdir()
    (module / "main.tf").write_text(BROKEN_MIDDLE, encoding="utf-8")
    (module / "other.tf").write_text(LOG_GROUP.format(name="other"), encoding="utf-8")
    code, findings = _check(capsys, module)
    assert code == 1
    assert [
        (f["rule_id"], Path(str(f["path"])).name, f["line"], f["resource"]) for f in findings
    ] == [
        (RETENTION, "main.tf", 1, "aws_cloudwatch_log_group.first"),
        ("opslint/parse-error", "main.tf", 6, ""),
        (RETENTION, "main.tf", 8, "aws_cloudwatch_log_group.last"),
        (RETENTION, "other.tf", 1, "aws_cloudwatch_log_group.other"),
    ]


def test_broken_variable_or_local_is_reported_and_unknown_not_guessed(tmp_path: Path) -> None:
    unit = _module(
        tmp_path / "m",
        {
            "main.tf": 'locals {\n  days = (7\n}\nresource "aws_x" "y" {\n  d = local.days\n}\n',
        },
    )
    assert _diagnostics(unit) == [("main.tf", 3, "invalid HCL: unexpected '}' at line 3, column 1")]
    value = unit.resources[0].get("d")
    assert isinstance(value, Unknown)


def test_unclosed_block_is_reported_at_its_first_line(tmp_path: Path) -> None:
    unit = _module(
        tmp_path / "m",
        {"main.tf": LOG_GROUP.format(name="ok") + 'resource "aws_x" "open" {\n  a = 1\n'},
    )
    assert [r.name for r in unit.resources] == ["aws_cloudwatch_log_group.ok"]
    assert _diagnostics(unit) == [
        ("main.tf", 4, "invalid HCL: not closed before the end of the file")
    ]


def test_expression_nested_too_deeply_costs_only_its_block(tmp_path: Path) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    unit = _module(
        tmp_path / "m",
        {
            "main.tf": f'resource "aws_x" "deep" {{\n  a = {deep}\n}}\n'
            + LOG_GROUP.format(name="ok")
        },
    )
    assert [r.name for r in unit.resources] == ["aws_cloudwatch_log_group.ok"]
    assert _diagnostics(unit) == [("main.tf", 2, "cannot parse: expressions are nested too deeply")]


# --- valid Terraform python-hcl2 rejected ------------------------------------------------------


def test_heredoc_closing_marker_followed_by_spaces(tmp_path: Path) -> None:
    unit = _module(
        tmp_path / "m",
        {
            "main.tf": 'resource "aws_x" "y" {\n'
            "  policy = <<EOT\n"
            "{}\n"
            "EOT   \n"
            "  trimmed = <<-EOT\n"
            "    a\n"
            "      b\n"
            "    EOT\t \n"
            "  after = 1\n"
            "}\n"
        },
    )
    assert unit.diagnostics == ()
    resource = unit.resources[0]
    assert resource.get("policy") == "{}\n"
    assert resource.get("trimmed") == "a\n  b\n"
    assert resource.spans[("policy",)] == Span(2, 4)
    assert resource.spans[("trimmed",)] == Span(5, 8)
    assert resource.spans[("after",)] == Span(9, 9)


# --- tree-sitter-hcl's gaps --------------------------------------------------------------------


def test_numbers_with_an_exponent_and_no_fraction(tmp_path: Path) -> None:
    """tree-sitter-hcl 1.2 reads ``1e3`` as ``1`` followed by a name ``e3``."""
    unit = _module(
        tmp_path / "m",
        {
            "main.tf": 'resource "aws_x" "y" {\n'
            "  a = 1e3\n"
            "  b = 1E-3\n"
            "  c = 2e+2\n"
            '  d = "n${1e3}"\n'
            "  e = [1e3, 1.5e3]\n"
            '  f = "1e3 stays text"\n'
            "  g = 1e3 # 1e3 in a comment\n"
            "}\n"
        },
    )
    assert unit.diagnostics == ()
    resource = unit.resources[0]
    assert resource.attributes == {
        "a": 1000,
        "b": 0.001,
        "c": 200,
        "d": "n1000",
        "e": [1000, 1500],
        "f": "1e3 stays text",
        "g": 1000,
    }
    assert resource.spans[("g",)] == Span(8, 8)


def test_escaped_quotes_inside_template_directives(tmp_path: Path) -> None:
    unit = _module(
        tmp_path / "m",
        {
            "main.tf": 'resource "aws_x" "y" {\n'
            '  a = "%{ if var.q == "\\"" }quote%{ endif }"\n'
            '  b = "%{ for s in ["a\\"b"] }${s}%{ endfor }"\n'
            '  c = "x \\"${var.q}\\" y"\n'
            "  d = 1\n"
            "}\n"
            'variable "q" {\n  default = "\\""\n}\n'
        },
    )
    assert unit.diagnostics == ()
    resource = unit.resources[0]
    assert isinstance(resource.get("a"), Unknown)
    assert isinstance(resource.get("b"), Unknown)
    assert resource.get("c") == 'x """ y'
    assert resource.get("d") == 1


def test_template_text_keeps_the_spaces_before_an_interpolation(tmp_path: Path) -> None:
    """tree-sitter-hcl's template_literal nodes leave out the spaces before ``${``."""
    unit = _module(
        tmp_path / "m",
        {
            "main.tf": 'locals {\n  env = "dev"\n}\nresource "aws_x" "y" {\n'
            '  a = "hello   ${local.env}  !"\n'
            '  b = "%{ if true }  yes  %{ endif } ${local.env}"\n'
            "  c = <<EOT\n  x  ${local.env}  y\nEOT\n"
            '  d = "$${literal} %%{ literal } \\t${local.env}"\n'
            "}\n"
        },
    )
    resource = unit.resources[0]
    assert resource.get("a") == "hello   dev  !"
    assert resource.get("c") == "  x  dev  y\n"
    assert resource.get("d") == "${literal} %{ literal } \tdev"


def test_non_ascii_text_keeps_exact_sources_and_lines(tmp_path: Path) -> None:
    unit = _module(
        tmp_path / "m",
        {
            "main.tf": 'resource "aws_x" "ü" {\n'
            '  name = "żółw-${var.missing_é}"\n'
            '  tags = { "clé" = "värde" }\n'
            "}\n"
        },
    )
    resource = unit.resources[0]
    value = resource.get("name")
    assert isinstance(value, Unknown) and value.source == '"żółw-${var.missing_é}"'
    assert resource.get("tags") == {"clé": "värde"}
    assert resource.spans[("tags", "clé")] == Span(3, 3)


# --- hostile Terraform JSON --------------------------------------------------------------------

ALIAS_BOMB_JSON = (
    '{"a": &a ["x","x","x","x","x","x","x","x","x"],\n'
    ' "b": &b [*a,*a,*a,*a,*a,*a,*a,*a,*a],\n'
    ' "c": &c [*b,*b,*b,*b,*b,*b,*b,*b,*b],\n'
    ' "d": &d [*c,*c,*c,*c,*c,*c,*c,*c,*c],\n'
    ' "e": &e [*d,*d,*d,*d,*d,*d,*d,*d,*d],\n'
    ' "f": &f [*e,*e,*e,*e,*e,*e,*e,*e,*e],\n'
    ' "g": &g [*f,*f,*f,*f,*f,*f,*f,*f,*f],\n'
    ' "h": &h [*g,*g,*g,*g,*g,*g,*g,*g,*g],\n'
    ' "i": &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]}\n'
)


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (ALIAS_BOMB_JSON, 1, "invalid JSON: unexpected '&a'"),
        (
            '{"resource":\n' + '{"a":' * 10_000 + "1" + "}" * 10_001 + "\n",
            2,
            "invalid JSON: nested more than 200 levels deep",
        ),
        ('{"resource": {}}\n{"again": 1}\n', 2, "invalid JSON: unexpected '{' after the document"),
        ('{"a": 1,}\n', 1, "invalid JSON: unexpected '}'"),
        ("{'a': 1}\n", 1, "invalid JSON: unexpected \"'a':\""),
    ],
    ids=["alias-bomb", "nested-10000", "two-documents", "trailing-comma", "single-quotes"],
)
def test_hostile_tf_json_is_a_parse_error_at_its_line(
    tmp_path: Path, content: str, line: int, message: str
) -> None:
    started = time.monotonic()
    unit = _module(tmp_path / "m", {"bad.tf.json": content, "ok.tf": LOG_GROUP.format(name="ok")})
    assert time.monotonic() - started < 10
    assert [r.name for r in unit.resources] == ["aws_cloudwatch_log_group.ok"]
    assert _diagnostics(unit) == [("bad.tf.json", line, message)]


def test_hostile_files_keep_the_findings_of_the_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "m"
    module.mkdir()
    (module / "bomb.tf.json").write_text(ALIAS_BOMB_JSON, encoding="utf-8")
    deep = '{"resource":\n' + "[" * 10_000 + "]" * 10_000 + "}\n"
    (module / "deep.tf.json").write_text(deep, encoding="utf-8")
    (module / "main.tf").write_text(LOG_GROUP.format(name="kept"), encoding="utf-8")
    (module / "zero.tf").write_bytes(b"\0" * 4_000_000)  # what /dev/zero gives
    code, findings = _check(capsys, module)
    assert code == 1
    assert [(f["rule_id"], Path(str(f["path"])).name, f["line"]) for f in findings] == [
        ("opslint/parse-error", "bomb.tf.json", 1),
        ("opslint/parse-error", "deep.tf.json", 2),
        (RETENTION, "main.tf", 1),
        ("opslint/parse-error", "zero.tf", 1),
    ]


def test_lone_surrogate_escapes_in_tf_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = (
        '{"resource": {"aws_cloudwatch_log_group": {"x": {\n'
        '  "name": "/a\\ud800b",\n'
        '  "tags": {"k\\udfff": "pair \\ud83d\\ude00"}\n'
        "}}}}\n"
    )
    unit = _module(tmp_path / "m", {"main.tf.json": content})
    assert unit.diagnostics == ()
    resource = unit.resources[0]
    assert resource.get("name") == "/a\ufffdb"
    assert resource.get("tags") == {"k\ufffd": "pair \U0001f600"}
    code, findings = _check(capsys, tmp_path / "m")
    assert code == 1
    assert [(f["rule_id"], f["line"]) for f in findings] == [(RETENTION, 1)]


def _resource_span(unit: Unit, name: str) -> Span:
    resource = unit.by_name(name)
    assert resource is not None
    return resource.span


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("(1 - 3) * 2", -4),
        ("(2) * (3 + 1) - 1", 7),
        ("2 * (1 - 3)", -4),
        ("-(1) + 2", 1),
        ('(2 > 1) ? "a" : "b"', "a"),
    ],
)
def test_parenthesised_left_operand_of_an_operator(
    tmp_path: Path, expression: str, value: object
) -> None:
    # `count = (1 - var.a) * var.b` is common in older modules and valid for `terraform fmt`
    unit = _module(
        tmp_path / "m",
        {"main.tf": f'resource "aws_sqs_queue" "q" {{\n  delay_seconds = {expression}\n}}\n'},
    )
    assert _diagnostics(unit) == []
    assert unit.resources[0].get("delay_seconds") == value
