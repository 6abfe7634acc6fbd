"""The rule API from a rule author's side: the README's declarative rule, Attr, Expect's
thresholds, predicates and guards, check_resource, and a failing rule named on its resource."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar

from opslint.api import lint
from opslint.model import Attr, Framework, Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Expect, Option, Rule, Violation

RETENTION = Attr(terraform="retention_in_days", cloudformation="RetentionInDays")
DOCS = Docs(what="w", why="y", fix="f", examples=(Example("terraform", "a", "b"),))


class LogGroupMinimumRetention(Rule):
    """The README's example."""

    id = "OPS08-BP02/log-group-minimum-retention"
    title = "CloudWatch log groups keep logs for the required period"
    severity = Severity.WARNING
    options = (Option("min_days", "int", 30, "Shortest retention accepted, in days."),)
    checks = (
        Expect(
            ("aws_cloudwatch_log_group", "AWS::Logs::LogGroup"),
            RETENTION,
            at_least="min_days",
            message="{resource} keeps logs for {value} days; set `{attribute}` to {expected}",
        ),
    )
    docs = DOCS


FILES = {
    "main.tf": 'resource "aws_cloudwatch_log_group" "short" {\n  retention_in_days = 7\n}\n'
    'resource "aws_cloudwatch_log_group" "unset" {}\n'
    'variable "days" {}\n'
    'resource "aws_cloudwatch_log_group" "unknown" {\n  retention_in_days = var.days\n}\n',
    "template.yaml": "Resources:\n  Long:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
    "      RetentionInDays: 60\n  Short:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
    '      RetentionInDays: "14"\n',
}


def brief(files: dict[str, str], rule: type[Rule], **options: object) -> list[tuple[str, ...]]:
    result = lint(files, registry=[rule], options={rule.id: options} if options else None)
    return [(f.path, str(f.line), f.resource, f.message) for f in result.findings]


def test_the_readme_rule_on_both_frameworks_with_one_message() -> None:
    assert LogGroupMinimumRetention.resource_types == {
        "terraform": ("aws_cloudwatch_log_group",),
        "cloudformation": ("AWS::Logs::LogGroup",),
    }
    assert brief(FILES, LogGroupMinimumRetention) == [
        (
            "main.tf",
            "2",
            "aws_cloudwatch_log_group.short",
            "`aws_cloudwatch_log_group.short` keeps logs for 7 days; set `retention_in_days` "
            "to at least 30",
        ),
        (
            "main.tf",
            "4",
            "aws_cloudwatch_log_group.unset",
            "`aws_cloudwatch_log_group.unset` does not set `retention_in_days`; set it to at "
            "least 30",
        ),
        (
            "template.yaml",
            "9",
            "Short",
            '`Short` keeps logs for "14" days; set `RetentionInDays` to at least 30',
        ),
    ]
    assert brief(FILES, LogGroupMinimumRetention, min_days=7) == [
        (
            "main.tf",
            "4",
            "aws_cloudwatch_log_group.unset",
            "`aws_cloudwatch_log_group.unset` does not set `retention_in_days`; set it to at "
            "least 7",
        )
    ]


class NamedGroupsOnly(Rule):
    id = "OPS08-BP02/named-groups-short-retention"
    title = "t"
    checks = (
        Expect(
            ("aws_cloudwatch_log_group", "AWS::Logs::LogGroup"),
            RETENTION,
            required=False,
            bad=lambda days: None if not isinstance(days, int) else days > 90,
            when=lambda resource, ctx: resource.has(Attr("name", "LogGroupName")),
            message="{name}: {value} is too long",
        ),
    )
    docs = DOCS


def test_predicate_guard_and_optional_attribute() -> None:
    files = {
        "main.tf": 'resource "aws_cloudwatch_log_group" "named" {\n  name = "a"\n'
        "  retention_in_days = 365\n}\n"
        'resource "aws_cloudwatch_log_group" "anonymous" {\n  retention_in_days = 365\n}\n'
        'resource "aws_cloudwatch_log_group" "unset" {\n  name = "b"\n}\n'
    }
    assert brief(files, NamedGroupsOnly) == [
        (
            "main.tf",
            "3",
            "aws_cloudwatch_log_group.named",
            "aws_cloudwatch_log_group.named: 365 is too long",
        )
    ]


class UnkeptGroups(Rule):
    """Details from the run's context (an option, the unit) and a finding on the resource."""

    id = "OPS08-BP02/unkept-groups"
    title = "t"
    options = (Option("owner_tag", "str", "team", "Tag naming the owner."),)
    checks = (
        Expect(
            ("aws_cloudwatch_log_group", "AWS::Logs::LogGroup"),
            RETENTION,
            bad=lambda days: days == 0,
            details=lambda resource, ctx: {
                "others": str(len(ctx.unit.resources) - 1),
                "tag": ctx.option("owner_tag"),
            },
            whole_resource=True,
            message="{name} ({others} others): {value}; ask `{tag}`",
            missing_message="{name} ({others} others): unset; ask `{tag}`",
        ),
    )
    docs = DOCS


def test_details_see_the_context_and_findings_may_cover_the_whole_resource() -> None:
    files = {
        "main.tf": 'resource "aws_cloudwatch_log_group" "zero" {\n  name = "a"\n'
        "  retention_in_days = 0\n}\n"
        'resource "aws_cloudwatch_log_group" "kept" {\n  retention_in_days = 30\n}\n'
    }
    expected = [("main.tf", "1", "aws_cloudwatch_log_group.zero")]
    message = "aws_cloudwatch_log_group.zero (1 others): 0; ask `%s`"
    assert brief(files, UnkeptGroups) == [(*expected[0], message % "team")]
    assert brief(files, UnkeptGroups, owner_tag="owner") == [(*expected[0], message % "owner")]


class Crashes(Rule):
    id = "OPS08-BP02/crashes-on-one"
    title = "t"
    resource_types: ClassVar[Mapping[Framework, tuple[str, ...]]] = {
        "terraform": ("aws_cloudwatch_log_group",)
    }
    docs = DOCS

    def check_resource(self, resource: Resource, ctx: Context) -> Iterator[Violation]:
        if resource.name.endswith("bad"):
            raise ValueError("boom")
        yield self.violation(resource, "seen", attribute=RETENTION)


def test_a_failing_rule_is_reported_on_the_resource_it_was_checking() -> None:
    # the unit (the module folder) and the resource being checked when it raised
    files = {
        "main.tf": 'resource "aws_cloudwatch_log_group" "good" {}\n'
        'resource "aws_cloudwatch_log_group" "bad" {}\n'
    }
    assert brief(files, Crashes) == [
        (
            ".",
            "1",
            "aws_cloudwatch_log_group.bad",
            "rule OPS08-BP02/crashes-on-one failed on this unit: ValueError: boom",
        )
    ]


class CrashesInAWholeUnitRule(Rule):
    id = "OPS08-BP02/crashes-in-unit"
    title = "t"
    docs = DOCS

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        for resource in ctx.each(unit.resources):
            if resource.name.endswith("bad"):
                raise ValueError("boom")
            yield self.violation(resource, "seen")


def test_a_whole_unit_rule_names_the_resource_its_loop_was_on() -> None:
    files = {"main.tf": 'resource "aws_sns_topic" "good" {}\nresource "aws_sns_topic" "bad" {}\n'}
    assert [
        (f.rule_id, f.resource) for f in lint(files, registry=[CrashesInAWholeUnitRule]).findings
    ] == [("opslint/rule-error", "aws_sns_topic.bad")]
