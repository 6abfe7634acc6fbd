"""OPS02-BP02/required-tags: taggable resources carry the required ownership tag keys."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from opslint.aws.stack_tags import Keys, union
from opslint.aws.tagging import (
    TERRAFORM_TAG_BLOCKS,
    TERRAFORM_TAG_RESOURCES,
    cloudformation_tag_properties,
    default_tags_sources,
    nested_tag_keys,
    tag_keys,
    tags_of,
    terraform_taggable,
)
from opslint.model import ABSENT, Reference, Resource, Severity, Unit, Unknown
from opslint.rule import Context, Docs, Example, Option, Rule, Violation


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
            'Tag keys every taggable resource must carry, e.g. `["owner", "cost-center"]`.',
        ),
        Option(
            "case_sensitive",
            "bool",
            True,
            "Match tag keys case-sensitively, as AWS does (a resource tagged `Owner` lacks "
            "`owner`, and the message says so); `false` accepts a required key in any case.",
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
            "`Tags` maps, including `Globals`. CloudFormation and SAM also count the stack "
            "tags the repository gives the template at deploy time, which CloudFormation "
            "copies to every resource: `tags` in `samconfig.toml` next to a SAM template, and "
            "`--tags` of the deploy commands in CI definitions, the scripts they run, "
            "Makefiles, `*.sh` scripts and the files of `bin/`, `scripts/` and `tools/` "
            'folders (`aws cloudformation deploy --tags k=v`, `sam deploy --tags "k=v"`, '
            "`aws cloudformation create-stack|update-stack --tags Key=k,Value=v`). A command "
            "counts for the template its `--template-file`/`--template-body`/`-t` names; one "
            "whose template names no template of the repository (a variable, a packaged or "
            "built copy) may deploy any of them and counts for all (`sam deploy`: for the SAM "
            "templates); tags it gives from a variable or a file make the keys unknown. "
            "Which types are taggable comes from data generated from the "
            "hashicorp/aws 5.100.0 provider schema (types with both `tags` and `tags_all`) "
            "and cfn-lint's registry schemas.\n\n"
            "A key no resource of a unit carries is reported once for the unit, not on every "
            'resource: "None of the 42 taggable resources in this template carries the '
            'required tag key `owner`". The unit is a CloudFormation template, the root '
            "module's own resources, or one instance of a called module (reported in the "
            "module once when every call lacks it). The finding sits on the unit's first "
            "taggable resource (in file order) and is named after it, so it can be suppressed "
            "there. A unit that has adopted a key (some resource carries it) gets one finding "
            "per resource that lacks it. A unit with a single taggable resource gets the "
            "per-resource finding.\n\n"
            "Keys are case-sensitive, as in AWS: a resource tagged `Owner` lacks `owner`, and "
            'the message says so ("has `Owner`; the required key is `owner`"). With '
            "`case_sensitive: false`, a required key in any case counts."
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
            "module), and stack tags of deploy commands given from a variable or a file. "
            "Not seen at all, so suppress the findings if you "
            "rely on them: stack-level tags given to `aws cloudformation deploy --tags` or "
            "`sam deploy --tags` outside the repository (by hand, by another repository's "
            "pipeline) or in a file not listed above, tags a parent stack's "
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
        entries = (
            _terraform_entries(unit)
            if unit.framework == "terraform"
            else _cloudformation_entries(unit)
        )
        instances: dict[str, list[_Entry]] = {}
        for entry in entries:
            instances.setdefault(entry.resource.module, []).append(entry)
        match = _Match(ctx.option("case_sensitive"))
        for instance in instances.values():
            yield from self._check_instance(unit, instance, required, match, ctx)

    def _check_instance(
        self, unit: Unit, entries: list[_Entry], required: list[str], match: _Match, ctx: Context
    ) -> Iterator[Violation]:
        """Entries of one template or one module instance: a key none of them carries is
        reported once; a key some carry is reported on each resource that lacks it."""
        known = [e for e in entries if e.keys is not None]
        adopted = [k for k in required if any(match.has(e.keys, k) for e in known)]
        for key in required:
            if key in adopted or len(known) < 2:
                continue
            yield self._unadopted(unit, key, known, len(entries) - len(known), match)
        for entry in known:
            ctx.check(entry.resource)
            missing = [
                k
                for k in required
                if not match.has(entry.keys, k) and (k in adopted or len(known) < 2)
            ]
            if missing:
                yield self._violation(entry, missing, match)

    def _unadopted(
        self, unit: Unit, key: str, known: list[_Entry], unreadable: int, match: _Match
    ) -> Violation:
        where = "template" if unit.framework == "cloudformation" else "module"
        # on a resource that exists whatever the parameters, where there is one
        first = next((e for e in known if not e.resource.assumption()), known[0])
        notes = []
        variants = Counter(v for e in known for v in match.variants(e.keys, key))
        for variant, count in sorted(variants.items()):
            notes.append(
                f"{count} {'has' if count == 1 else 'have'} `{variant}`; the required key is "
                f"`{key}`"
            )
        if unreadable:
            notes.append(
                f"{unreadable} more {'has' if unreadable == 1 else 'have'} tags opslint cannot read"
            )
        note = f" ({'; '.join(notes)})" if notes else ""
        message = (
            f"None of the {len(known)} taggable resources in this {where} carries the "
            f"required tag key `{key}`{note}: {_unit_hint(unit, first, key)}"
        )
        return self.violation(first.resource, message, key=f"unadopted:{key}")

    def _violation(self, entry: _Entry, missing: list[str], match: _Match) -> Violation:
        resource = entry.resource
        noun = "tag key" if len(missing) == 1 else "tag keys"
        hint = entry.hint
        if len(missing) == 1:
            hint = hint.replace("add them", "add it").replace("for each", "for it")
        variants = [
            f"has `{variant}`; the required key is `{key}`"
            for key in missing
            for variant in match.variants(entry.keys, key)
        ]
        note = f" ({'; '.join(variants)})" if variants else ""
        message = (
            f"Resource `{resource.name}` lacks the required {noun} {_backticked(missing)}"
            f"{note}: {hint}"
        )
        written = (entry.attribute,) in resource.spans
        return self.violation(
            resource, message, attribute=entry.attribute if written else (), key="missing-tags"
        )


@dataclass(frozen=True)
class _Entry:
    """A taggable resource, the keys it carries (None: unknown) and where to add more."""

    resource: Resource
    keys: Keys
    attribute: str
    hint: str


class _Match:
    """Whether a resource's keys include a required key, by the ``case_sensitive`` option."""

    def __init__(self, case_sensitive: bool) -> None:
        self.case_sensitive = case_sensitive

    def has(self, keys: Keys, key: str) -> bool:
        if keys is None:
            return False
        if self.case_sensitive:
            return key in keys
        return key.casefold() in {k.casefold() for k in keys}

    def variants(self, keys: Keys, key: str) -> list[str]:
        """The keys that differ from ``key`` only in case (reported beside a missing key)."""
        if keys is None or not self.case_sensitive:
            return []
        return sorted(k for k in keys if k != key and k.casefold() == key.casefold())


def _terraform_entries(unit: Unit) -> Iterator[_Entry]:
    taggable = terraform_taggable()
    added = _out_of_band_tags(unit)
    for resource in unit.resources:
        if resource.kind != "resource" or resource.type not in taggable:
            continue
        if resource.type in TERRAFORM_TAG_BLOCKS:
            tags = tags_of(resource)  # `tag` blocks or the legacy `tags` list
            keys = union(tags.keys(), added.get(resource.name, frozenset()))
            yield _Entry(
                resource,
                keys,
                tags.attribute,
                "add a `tag` block for each (provider `default_tags` do not apply to "
                "Auto Scaling groups)",
            )
        else:
            own = tag_keys(resource.attributes.get("tags", ABSENT))
            defaults = _default_tags(unit, resource)
            keys = union(own, defaults, added.get(resource.name, frozenset()))
            yield _Entry(
                resource, keys, "tags", "add them to `tags` or to the provider's `default_tags`"
            )


def _cloudformation_entries(unit: Unit) -> Iterator[_Entry]:
    properties = cloudformation_tag_properties()
    stack = unit.stack_tags
    for resource in unit.resources:
        path = properties.get(resource.type)
        if resource.kind != "resource" or path is None:
            continue
        head, _, rest = path.partition("/")
        value = resource.attributes.get(head, ABSENT)
        own = nested_tag_keys(value, rest) if rest else tag_keys(value)
        where = head if not rest else path.replace("/*/", "[*].")
        hint = f"add them to `{where}`"
        if resource.type.startswith("AWS::Serverless::"):
            hint += " (or to the `Globals` section)"
        yield _Entry(resource, union(own, stack), head, hint)


def _unit_hint(unit: Unit, first: _Entry, key: str) -> str:
    if unit.framework == "terraform":
        if first.resource.module:
            return (
                f"set `{key}` in the `default_tags` of the provider the calling root module "
                "passes in, or in each resource's `tags`"
            )
        return (
            f"set `{key}` once in the provider's `default_tags` (Auto Scaling groups need a "
            "`tag` block), or in each resource's `tags`"
        )
    if first.resource.construct:
        return (
            f'tag the stack in the CDK app (`Tags.of(stack).add("{key}", ...)`), which the CDK '
            "applies to every resource"
        )
    stack = f"tag the stack at deploy time (`--tags {key}=...`"
    stack += ", `tags` in `samconfig.toml`)" if unit.is_sam else ")"
    globals_ = " or SAM `Globals`" if unit.is_sam else ""
    return (
        f"{stack}, which CloudFormation copies to every resource, or add it to each "
        f"resource's tags{globals_}"
    )


def _default_tags(unit: Unit, resource: Resource) -> Keys:
    """Keys of the provider ``default_tags`` the resource gets; None when not visible."""
    sources = default_tags_sources(unit, resource)
    return None if sources is None else union(*(tag_keys(v) for v in sources))


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
            added[address] = union(added.get(address, frozenset()), keys)
    return added
