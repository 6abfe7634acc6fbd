"""OPS05-BP08/no-hardcoded-account-region: ARNs do not hard-code account IDs or regions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from opslint.aws.accounts import AWS_OWNED_ACCOUNTS
from opslint.model import Path, Resource, Severity, Unit
from opslint.rule import Context, Docs, Example, Rule, Violation

ARN = re.compile(r"arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):([0-9]{12}|[a-z0-9-]*):")
PUBLISHED_SERVICES = frozenset({"serverlessrepo"})
"""Services whose ARNs name something published for others to use (SAR applications)."""
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
ACCOUNT_KEYS = frozenset(
    {
        "aws",  # a policy principal
        "principal",  # aws_lambda_permission, AWS::Lambda::Permission
        "identifiers",  # aws_iam_policy_document principals
        "account",
        "account_id",
        "account_ids",
        "accountid",
        "accountids",
        "aws_account_id",
        "awsaccountid",
        "source_account",
        "sourceaccount",
        "aws:sourceaccount",
        "aws:principalaccount",
        "aws:resourceaccount",
        "owner_id",
        "ownerid",
        "target_account_id",
        "targetaccountid",
    }
)
"""Keys whose value is an account ID (bare 12-digit literals are judged only under these)."""

POLICY_DATA_SOURCES = frozenset({"aws_iam_policy_document"})

FIX = {
    "terraform": "build it from `data.aws_caller_identity`, `data.aws_region` and "
    "`data.aws_partition` (or a variable)",
    "cloudformation": "build it with `!Sub` and `${AWS::AccountId}`, `${AWS::Region}`, "
    "`${AWS::Partition}` (or a parameter)",
}
FIX_BARE = {
    "terraform": "use `data.aws_caller_identity.current.account_id` (or a variable)",
    "cloudformation": "use `!Ref AWS::AccountId` (or a parameter)",
}
GRANT_KEYS = frozenset(
    {
        "principal",  # a policy statement, aws_lambda_permission, AWS::Lambda::Permission
        "principals",  # aws_iam_policy_document
        "destination",  # replication to another account's bucket or vault
        "account_ids",
        "accountids",
        "target_account_id",
        "targetaccountid",
        "aws:principalaccount",
    }
)
"""Keys under which an account ID grants access to, or sends data to, an account: often
deliberately another one (a central logging, security or backup account)."""
GRANT_TYPES = frozenset(
    {
        "aws_ami_launch_permission",
        "aws_snapshot_create_volume_permission",
        "aws_guardduty_member",
        "aws_securityhub_member",
        "aws_detective_member",
        "aws_macie2_member",
    }
)
"""Types whose account ID is the account they share with or manage: another one."""
ANOTHER_ACCOUNT = {
    "terraform": "if this is another account, name it in a variable (or suppress the finding "
    "with the reason); if it is the deploying account, ",
    "cloudformation": "if this is another account, name it in a parameter (or suppress the "
    "finding with the reason); if it is the deploying account, ",
}
OWN_ACCOUNT = {
    "terraform": (
        "use `data.aws_caller_identity.current.account_id`",
        "build it from `data.aws_caller_identity`",
    ),
    "cloudformation": ("use `!Ref AWS::AccountId`", "build it with `!Sub` and `${AWS::AccountId}`"),
}
"""How to name the deploying account: as a bare account ID, inside an ARN."""


def _fix(resource: Resource, path: Path, text: str, framework: str) -> str:
    """The advice for an account ID at ``path``: a grant may name another account on
    purpose, where "use the caller's account" would be wrong."""
    if resource.type in GRANT_TYPES or any(
        isinstance(step, str) and step.lower() in GRANT_KEYS for step in path
    ):
        bare, in_arn = OWN_ACCOUNT[framework]
        return ANOTHER_ACCOUNT[framework] + (bare if ACCOUNT_ID.match(text.strip()) else in_arn)
    return (FIX_BARE if ACCOUNT_ID.match(text.strip()) else FIX)[framework]


def _strings(value: Any, path: Path, key: str) -> Iterator[tuple[Path, str, str]]:
    """Every string leaf with its path and the nearest mapping key above it; JSON documents
    written as strings (``jsonencode``, heredocs) are walked too."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "[") and text[-1:] in ("}", "]"):
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError):
                decoded = None
            if isinstance(decoded, (dict, list)):
                yield from _strings(decoded, path, key)
                return
        yield path, value, key
    elif isinstance(value, Mapping):
        for name, item in value.items():
            yield from _strings(item, (*path, str(name)), str(name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index), key)


def literals(text: str, key: str) -> tuple[list[str], list[str]]:
    """The hard-coded (account IDs, regions) in one string value."""
    accounts: list[str] = []
    regions: list[str] = []
    for match in ARN.finditer(text):
        service, region, account = match.group(1), match.group(2), match.group(3)
        if service in PUBLISHED_SERVICES:
            continue
        if not account or not account.isdigit():
            continue  # AWS-owned (`arn:aws:iam::aws:policy/...`) or public resources
        if account in AWS_OWNED_ACCOUNTS:
            continue
        accounts.append(account)
        if region:
            regions.append(region)
    if not accounts and key.lower() in ACCOUNT_KEYS:
        bare = text.strip()
        if ACCOUNT_ID.match(bare) and bare not in AWS_OWNED_ACCOUNTS:
            accounts.append(bare)
    return list(dict.fromkeys(accounts)), list(dict.fromkeys(regions))


class NoHardcodedAccountRegion(Rule):
    id = "OPS05-BP08/no-hardcoded-account-region"
    title = "ARNs and principals do not hard-code account IDs or regions"
    severity = Severity.WARNING
    resource_types = {"terraform": ("*",), "cloudformation": ("*",)}
    docs = Docs(
        what=(
            "Looks through every resource's values (and `aws_iam_policy_document` data "
            "sources), including JSON policy documents written as strings, for ARNs that "
            "contain a literal 12-digit account ID (and, with it, a literal region), and for "
            "bare account IDs under account keys (a policy principal `AWS`, `principal`, "
            "`SourceAccount`, `aws:SourceAccount`, `account_id`, ...). Only text written in "
            "the resource itself counts: a value that comes from a variable, a `*.tfvars` "
            "file or a CloudFormation parameter is what the rule asks for."
        ),
        why=(
            "OPS05-BP08 asks you to use multiple environments. Code that names one account "
            "and one region cannot be deployed to a second environment without editing it; "
            "deriving them from the deployment (`data.aws_caller_identity`, "
            "`AWS::AccountId`) or passing them in keeps one definition for every environment."
        ),
        fix=(
            "Terraform: `data.aws_caller_identity.current.account_id`, "
            "`data.aws_region.current.name` and `data.aws_partition.current.partition` in an "
            "interpolated ARN, or a variable set per environment. CloudFormation: `!Sub "
            "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alerts`, or a "
            "parameter. A deliberate cross-account reference (a central logging or security "
            "account) belongs in a variable or parameter too; otherwise suppress the finding "
            "with a reason. Where the account ID grants access or sends data (a policy "
            "principal, a Lambda permission's principal, a replication destination, shared "
            "account IDs), the message says so: it is often another account on purpose."
        ),
        cautions=(
            "Not reported: AWS-owned ARNs (`arn:aws:iam::aws:policy/...`), ARNs without an "
            "account (`arn:aws:s3:::bucket`, public AWS resources), Elastic Load Balancing "
            "log-delivery accounts, the accounts that publish AWS's Lambda layers (Lambda "
            "Insights, ADOT, Powertools, Parameters and Secrets, AppConfig), Serverless "
            "Application Repository application IDs (`arn:aws:serverlessrepo:...`), AMI owner "
            "IDs in data sources, values from variables, tfvars or parameters, and interpolated "
            "strings with unresolved parts. Twelve-digit numbers outside ARNs are judged only "
            "under account keys."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n  # ...\n'
                    '  alarm_actions = ["arn:aws:sns:eu-west-1:123456789012:alerts"]\n}'
                ),
                passing=(
                    'resource "aws_cloudwatch_metric_alarm" "errors" {\n  # ...\n'
                    "  alarm_actions = [aws_sns_topic.alerts.arn]\n}"
                ),
            ),
            Example(
                "cloudformation",
                failing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n    # ...\n"
                    "    AlarmActions:\n      - arn:aws:sns:eu-west-1:123456789012:alerts"
                ),
                passing=(
                    "Errors:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n    # ...\n"
                    "    AlarmActions:\n"
                    "      - !Sub arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alerts"
                ),
            ),
        ),
    )

    def applies_to(self, unit: Unit) -> bool:
        return any(self._in_scope(r) for r in unit.resources)

    @staticmethod
    def _in_scope(resource: Resource) -> bool:
        return resource.kind == "resource" or (
            resource.kind == "data" and resource.type in POLICY_DATA_SOURCES
        )

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        for resource in ctx.each(unit.resources):
            if self._in_scope(resource):
                yield from self._check(resource, unit)

    def _check(self, resource: Resource, unit: Unit) -> Iterator[Violation]:
        for path, text, key in _strings(dict(resource.attributes), (), ""):
            accounts, regions = literals(text, key)
            if not accounts:
                continue
            # values resolved from variables, tfvars or parameters are not written here
            accounts = [a for a in accounts if resource.written_here(path, a)]
            regions = [r for r in regions if resource.written_here(path, r)]
            if not accounts:
                continue
            what = "account ID" + ("s " if len(accounts) > 1 else " ")
            what += ", ".join(f"`{a}`" for a in accounts)
            if regions:
                what += " and region" + ("s " if len(regions) > 1 else " ")
                what += ", ".join(f"`{r}`" for r in regions)
            shown = ".".join(str(step) for step in path)
            yield self.violation(
                resource,
                f"`{resource.name}` hard-codes {what} in `{shown}`: "
                + _fix(resource, path, text, unit.framework),
                attribute=path,
                key=f"{shown}:{','.join(accounts)}",
            )
