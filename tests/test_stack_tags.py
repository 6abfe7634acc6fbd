"""Stack-level tags given at deploy time: the deploy commands of scripts and CI definitions."""

from __future__ import annotations

import pytest

from opslint.aws.stack_tags import DeployCommand, deploy_commands, stack_tags


def commands(text: str) -> list[tuple[str, str | None, frozenset[str] | None]]:
    return [(c.tool, c.template, c.tags) for c in deploy_commands("deploy.sh", text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "aws cloudformation deploy --stack-name a --template-file infra/a.yaml "
            "--tags owner=team project=x",
            [("cloudformation", "infra/a.yaml", frozenset({"owner", "project"}))],
        ),
        (
            "aws cloudformation deploy \\\n  --template-file a.yaml \\\n  --tags owner=$TEAM\n",
            [("cloudformation", "a.yaml", frozenset({"owner"}))],
        ),
        (
            'sam deploy -t .aws-sam/build/template.yaml --tags "owner=a cost-center=b" && echo',
            [("sam", ".aws-sam/build/template.yaml", frozenset({"owner", "cost-center"}))],
        ),
        (
            "aws cloudformation create-stack --template-body file://db.yaml "
            "--tags Key=owner,Value=x Key=env,Value=prod",
            [("cloudformation", "db.yaml", frozenset({"owner", "env"}))],
        ),
        (
            "aws cloudformation update-stack --template-body file://db.yaml "
            '--tags \'[{"Key": "owner", "Value": "x"}]\'',
            [("cloudformation", "db.yaml", frozenset({"owner"}))],
        ),
        (
            "- run: >-\n    aws cloudformation create-stack --stack-name n\n"
            "    --template-body file://n.yaml\n    --tags Key=owner,Value=p\n- run: ls\n",
            [("cloudformation", "n.yaml", frozenset({"owner"}))],
        ),
        # keys opslint cannot read
        (
            "aws cloudformation deploy --template-file a.yaml --tags $TAGS",
            [("cloudformation", "a.yaml", None)],
        ),
        (
            "aws cloudformation create-stack --tags file://tags.json",
            [("cloudformation", None, None)],
        ),
        ("sam deploy --tags owner=${{ github.actor }}", [("sam", None, None)]),
        # no tags, and no deploy at all
        ("sam deploy --guided", [("sam", None, frozenset())]),
        ("aws cloudformation describe-stacks --stack-name a", []),
    ],
)
def test_deploy_commands(
    text: str, expected: list[tuple[str, str | None, frozenset[str] | None]]
) -> None:
    assert commands(text) == expected


def test_a_command_counts_for_the_template_it_names_else_for_all() -> None:
    templates = [("infra/app.yaml", False), ("infra/db.yaml", False), ("api/template.yaml", True)]
    given = stack_tags(
        templates,
        [
            DeployCommand("a.sh", "cloudformation", "./infra/app.yaml", frozenset({"owner"})),
            DeployCommand("b.sh", "cloudformation", "infra/db.yaml", frozenset()),
            DeployCommand("c.sh", "sam", ".aws-sam/build/template.yaml", frozenset({"team"})),
        ],
    )
    assert given == {"infra/app.yaml": frozenset({"owner"}), "api/template.yaml": {"team"}}
    unknown = stack_tags(templates, [DeployCommand("d.sh", "cloudformation", "$T", None)])
    assert unknown == {path: None for path, _ in templates}
