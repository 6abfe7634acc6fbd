"""Log and dashboard rules (OPS08-BP02, OPS08-BP05): what the fixtures cannot express."""

from __future__ import annotations

from conftest import lint_messages

BODY_RULE = "OPS08-BP05/dashboard-body-valid"


def template(body: str) -> str:
    return (
        "Parameters:\n  Stage:\n    Type: String\n"
        "Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\n"
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
        "  Dashboard:\n    Type: AWS::CloudWatch::Dashboard\n    Properties:\n"
        f"      DashboardBody: {body}\n"
    )


def test_long_sub_body_is_judged_whole() -> None:
    # An unresolved !Sub keeps all its text, however long: its known parts are judged.
    widgets = ", ".join(
        '{"type": "text", "properties": {"markdown": "${Queue}"}}' for _ in range(60)
    )
    assert lint_messages(
        {"template.yaml": template(f"!Sub '{{\"widget\": [{widgets}]}}'")}, BODY_RULE
    ) == ["Dashboard `Dashboard` body has no top-level `widgets` array: fix `DashboardBody`"]
    good = widgets.replace("${Queue}", "${Queue.Arn} in ${Stage}")
    assert (
        lint_messages({"template.yaml": template(f"!Sub '{{\"widgets\": [{good}]}}'")}, BODY_RULE)
        == []
    )


def test_join_body_with_unknown_inside_strings_is_judged() -> None:
    body = "!Join ['', ['{\"widget\": [{\"markdown\": \"', !Ref Stage, '\"}]}']]"
    assert lint_messages({"template.yaml": template(body)}, BODY_RULE) == [
        "Dashboard `Dashboard` body has no top-level `widgets` array: fix `DashboardBody`"
    ]


def test_body_whose_structure_depends_on_an_unknown_is_undecided() -> None:
    # the placeholder stands for JSON itself: the known parts do not decide
    body = "!Sub '{\"widget\": ${Stage}}'"
    assert lint_messages({"template.yaml": template(body)}, BODY_RULE) == []


def test_short_sub_body_is_judged() -> None:
    assert lint_messages(
        {"template.yaml": template('!Sub \'{"widget": ["${Queue}"]}\'')}, BODY_RULE
    ) == ["Dashboard `Dashboard` body has no top-level `widgets` array: fix `DashboardBody`"]


def test_condition_reports_only_when_every_branch_is_bad() -> None:
    one_good = "!If [IsProd, '{\"widgets\": []}', '{\"widget\": []}']"
    assert lint_messages({"template.yaml": template(one_good)}, BODY_RULE) == []
    both_bad = "!If [IsProd, '{\"widget\": []}', 'not json']"
    assert lint_messages({"template.yaml": template(both_bad)}, BODY_RULE) == [
        "Dashboard `Dashboard` body has no top-level `widgets` array / is not valid JSON "
        "(Expecting value at line 1 column 1): fix `DashboardBody`"
    ]


def test_keep_forever_globs_are_case_sensitive() -> None:
    main = (
        'resource "aws_cloudwatch_log_group" "upper" {\n  name = "/AUDIT/trail"\n}\n'
        'resource "aws_cloudwatch_log_group" "lower" {\n  name = "/audit/trail"\n}\n'
    )
    found = lint_messages(
        {"main.tf": main}, "OPS08-BP02/log-group-retention", keep_forever=["/audit/*"]
    )
    assert found == [
        "Log group `aws_cloudwatch_log_group.upper` never expires: set `retention_in_days` "
        "(e.g. 30)"
    ]
