"""OPS02-BP02/required-tags: taggable resources carry the required ownership tag keys."""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from opslint.aws.tagging import (
    TERRAFORM_TAG_BLOCKS,
    TERRAFORM_TAG_RESOURCES,
    cloudformation_tag_properties,
    nested_tag_keys,
    tag_keys,
    tags_of,
    terraform_taggable,
)
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, Unknown, lookup
from opslint.reading import read_regular
from opslint.rule import Context, Docs, Example, Option, Rule, Violation

Keys = frozenset[str] | None
"""Tag keys a resource may carry; None when opslint cannot tell."""


def _union(*parts: Keys) -> Keys:
    out: set[str] = set()
    for part in parts:
        if part is None:
            return None
        out |= part
    return frozenset(out)


def _backticked(keys: Iterable[str]) -> str:
    return ", ".join(f"`{k}`" for k in keys)


class RequiredTags(Rule):
    id = "OPS02-BP02/required-tags"
    title = "Taggable resources carry the required ownership tag keys"
    severity = Severity.WARNING
    resource_types = {
        "terraform": tuple(sorted(terraform_taggable())),
        "cloudformation": tuple(sorted(cloudformation_tag_properties())),
    }
    options = (
        Option(
            "required_tags",
            "list[str]",
            ["owner"],
            "Tag keys every taggable resource must carry (case-sensitive), e.g. "
            '`["owner", "cost-center"]`.',
        ),
    )
    docs = Docs(
        what=(
            "Checks that every taggable resource carries the required tag keys (option "
            "`required_tags`, default `owner`). Terraform: the resource's `tags` plus the "
            "`default_tags` of the provider configuration it uses (the `provider` "
            "meta-argument selects an alias), plus tags added by `aws_ec2_tag`, `aws_ecs_tag`, "
            "`aws_dynamodb_tag`, `aws_transfer_tag` and `aws_autoscaling_group_tag`; "
            "`aws_autoscaling_group` is tagged by `tag` blocks only (provider `default_tags` "
            "do not apply to it). CloudFormation: the type's tag property from the registry "
            "schema (`Tags`, or e.g. `BackupVaultTags`, `FileSystemTags`, "
            "`TagSpecifications[*].Tags`), as a Key/Value list, a map or a JSON object. SAM: "
            "`Tags` maps, including `Globals`, plus stack tags set in `samconfig.toml` next to "
            "the template. Which types are taggable comes from data generated from the "
            "hashicorp/aws 5.100.0 provider schema (types with both `tags` and `tags_all`) "
            "and cfn-lint's registry schemas. Keys are case-sensitive."
        ),
        why=(
            "OPS02-BP02 asks for mechanisms that identify responsibility and ownership. An "
            "ownership tag on every "
            "resource tells an operator who to page during an incident, who pays for it and "
            "who decides about changing or removing it; it is also what cost allocation, "
            "tag policies and resource groups build on."
        ),
        fix=(
            "Add the missing keys. In Terraform, set them once in the provider's "
            '`default_tags { tags = { owner = "team-x" } }` (per provider alias) and add '
            "`tag` blocks to Auto Scaling groups; in CloudFormation add them to the resource's "
            "tag property (or tag the stack at deploy time); in SAM use `Globals` "
            "(`Function.Tags`, `HttpApi.Tags`, ...) or `samconfig.toml` `tags`."
        ),
        cautions=(
            "What opslint cannot see is treated as unknown and never reported: tags from a "
            "variable without a value, `merge()` with unknown arguments (a `merge()` of known "
            "maps is evaluated), dynamic `tag` blocks, module inputs, and provider "
            'configuration passed in by a calling module (a module with no `provider "aws"` '
            "block, or whose resource uses an alias it does not declare, inherits "
            "`default_tags` from its caller, unless it configures a backend and so is a root "
            "module). Not seen at all, so suppress the findings if you "
            "rely on them: stack-level tags given to `aws cloudformation deploy --tags` or "
            "`sam deploy --tags` on the command line, tags a parent stack's "
            "`AWS::CloudFormation::Stack` passes to a nested template, "
            "`TF_AWS_DEFAULT_TAGS_<key>` environment "
            "variables, CDK tag aspects and organisation tag policies. Types whose schema "
            "says they are not taggable (e.g. `AWS::EC2::SpotFleet`, "
            "`AWS::IAM::InstanceProfile`) are not checked, even when they have a `Tags` "
            "property."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
                    'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}'
                ),
                passing=(
                    'provider "aws" {\n  region = "eu-west-1"\n  default_tags {\n'
                    '    tags = {\n      owner = "payments-team"\n    }\n  }\n}\n\n'
                    'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}'
                ),
            ),
            Example(
                "cloudformation",
                failing="Jobs:\n  Type: AWS::SQS::Queue\n  Properties:\n    QueueName: jobs",
                passing=(
                    "Jobs:\n  Type: AWS::SQS::Queue\n  Properties:\n    QueueName: jobs\n"
                    "    Tags:\n      - Key: owner\n        Value: payments-team"
                ),
            ),
            Example(
                "sam",
                failing=(
                    "Api:\n  Type: AWS::Serverless::Function\n  Properties:\n"
                    "    Handler: app.handler\n    Runtime: python3.13"
                ),
                passing="Globals:\n  Function:\n    Tags:\n      owner: payments-team",
            ),
        ),
    )

    def applies_to(self, unit: Unit) -> bool:
        taggable = self._types(unit)
        return any(r.type in taggable and r.kind == "resource" for r in unit.resources)

    @staticmethod
    def _types(unit: Unit) -> frozenset[str] | dict[str, str]:
        if unit.framework == "terraform":
            return terraform_taggable()
        return cloudformation_tag_properties()

    def check_unit(self, unit: Unit, ctx: Context) -> Iterator[Violation]:
        required: list[str] = list(dict.fromkeys(ctx.option("required_tags")))
        if not required:
            return
        if unit.framework == "terraform":
            yield from self._check_terraform_unit(unit, required)
        else:
            yield from self._check_cloudformation_unit(unit, required)

    # --- Terraform ------------------------------------------------------------------------

    def _check_terraform_unit(self, unit: Unit, required: list[str]) -> Iterator[Violation]:
        taggable = terraform_taggable()
        added = _out_of_band_tags(unit)
        for resource in unit.resources:
            if resource.kind != "resource" or resource.type not in taggable:
                continue
            if resource.type in TERRAFORM_TAG_BLOCKS:
                tags = tags_of(resource)  # `tag` blocks or the legacy `tags` list
                attribute = tags.attribute
                own = tags.keys()
                defaults: Keys = frozenset()
                hint = (
                    "add a `tag` block for each (provider `default_tags` do not apply to "
                    "Auto Scaling groups)"
                )
            else:
                attribute = "tags"
                own = tag_keys(resource.attributes.get("tags", ABSENT))
                defaults = _default_tags(unit, resource)
                hint = "add them to `tags` or to the provider's `default_tags`"
            keys = _union(own, defaults, added.get(resource.name, frozenset()))
            if keys is None:
                continue
            missing = [k for k in required if k not in keys]
            if missing:
                yield self._violation(resource, missing, attribute, hint)

    # --- CloudFormation -------------------------------------------------------------------

    def _check_cloudformation_unit(self, unit: Unit, required: list[str]) -> Iterator[Violation]:
        properties = cloudformation_tag_properties()
        stack: Keys = frozenset()
        if unit.is_sam:
            stack = _samconfig_tags(unit)
            if stack is None:
                return
        for resource in unit.resources:
            path = properties.get(resource.type)
            if resource.kind != "resource" or path is None:
                continue
            head, _, rest = path.partition("/")
            value = resource.attributes.get(head, ABSENT)
            own = nested_tag_keys(value, rest) if rest else tag_keys(value)
            keys = _union(own, stack)
            if keys is None:
                continue
            missing = [k for k in required if k not in keys]
            if missing:
                where = head if not rest else path.replace("/*/", "[*].")
                hint = f"add them to `{where}`"
                if resource.type.startswith("AWS::Serverless::"):
                    hint += " (or to the `Globals` section)"
                yield self._violation(resource, missing, head, hint)

    def _violation(
        self, resource: Resource, missing: list[str], attribute: str, hint: str
    ) -> Violation:
        noun = "tag key" if len(missing) == 1 else "tag keys"
        if len(missing) == 1:
            hint = hint.replace("add them", "add it").replace("for each", "for it")
        message = (
            f"Resource `{resource.name}` lacks the required {noun} {_backticked(missing)}: {hint}"
        )
        written = (attribute,) in resource.spans
        return self.violation(
            resource, message, attribute=attribute if written else (), key="missing-tags"
        )


def _default_tags(unit: Unit, resource: Resource) -> Keys:
    """Keys of the provider ``default_tags`` the resource gets; None when not visible."""
    provider = resource.get_meta("provider")
    if provider is ABSENT:
        alias = ""
    elif isinstance(provider, str) and provider.split(".", 1)[0] == "aws":
        alias = provider.partition(".")[2]
    else:
        return None
    configs = [p for p in unit.providers if p.name == "aws" and p.alias == alias]
    if not configs:
        settings = unit.settings
        is_root = settings is not None and (settings.backend is not None or settings.cloud)
        # a module without this provider configuration inherits its caller's
        return frozenset() if alias == "" and is_root else None
    return _union(*(tag_keys(lookup(p.attributes, "default_tags.tags")) for p in configs))


def _out_of_band_tags(unit: Unit) -> dict[str, Keys]:
    """Resource address → keys added by tag-only resources (None: some key is unknown)."""
    added: dict[str, Keys] = {}
    for resource in unit.resources:
        spec = TERRAFORM_TAG_RESOURCES.get(resource.type)
        if spec is None or resource.kind != "resource":
            continue
        target_attribute, key_attribute = spec
        target = resource.get(target_attribute)
        if isinstance(target, Reference):
            targets: tuple[str, ...] = (target.address,)
        elif isinstance(target, Unknown):
            targets = target.references
        else:
            continue
        key = resource.get(key_attribute)
        keys: Keys = frozenset({key}) if isinstance(key, str) and "${" not in key else None
        for address in targets:
            added[address] = _union(added.get(address, frozenset()), keys)
    return added


def _samconfig_tags(unit: Unit) -> Keys:
    """Stack tags from ``samconfig.toml`` next to a SAM template (any environment)."""
    config = Path(unit.path).parent / "samconfig.toml"
    if not config.is_file():
        return frozenset()
    try:
        document = tomllib.loads(read_regular(str(config)).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None  # unreadable, too large or nested too deeply: the tags are unknown
    keys: set[str] = set()
    for environment in document.values():
        if not isinstance(environment, dict):
            continue
        for command in environment.values():
            parameters = command.get("parameters") if isinstance(command, dict) else None
            tags = parameters.get("tags") if isinstance(parameters, dict) else None
            if tags is None:
                continue
            if isinstance(tags, list):
                tags = " ".join(str(t) for t in tags)
            if not isinstance(tags, str):
                return None
            try:
                words = shlex.split(tags)
            except ValueError:
                return None
            keys |= {word.partition("=")[0] for word in words if "=" in word}
    return frozenset(keys)
