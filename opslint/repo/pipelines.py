"""What the repository's CI definitions do with its infrastructure code: which IaC flavours
the repository holds, which CI steps validate them and which deploy them (shared by the
OPS05 CI-validation and deployment-pipeline rules and the OPS05-BP08 environments rule).

CI files are read as text: a command or a well-known action named anywhere in a CI
definition counts. When a CI definition runs ``pre-commit`` or ``make``, the repository's
``.pre-commit-config.yaml`` or root ``Makefile`` is read as part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from opslint.coerce import as_list
from opslint.discover import Excluder, ci_references
from opslint.model import ABSENT, Repository, Resource, Unit, lookup
from opslint.repo.terraform_roots import DEFAULT_SKIPPED, is_deployed, uses_terragrunt
from opslint.rule import Option

FLAVOURS = ("terraform", "cloudformation")
FLAVOUR_NAMES = {"terraform": "Terraform", "cloudformation": "CloudFormation/SAM"}

_TF = r"(?:terraform|tofu)(?:\s+-chdir=\S+)?"
_REMOTE_WORKFLOW = r"\buses:\s*['\"]?[\w.-]+/[^\s@'\"]*{}[^\s@'\"]*/\.github/workflows/"
"""A reusable workflow of another repository named after the flavour
(``org/terraform-workflows/.github/workflows/ci.yml@v1``): its steps are out of sight, so
it counts as validating."""
VALIDATORS: dict[str, tuple[re.Pattern[str], ...]] = {
    "terraform": (
        re.compile(rf"\b{_TF}\s+(?:fmt|validate|plan|test)\b"),
        re.compile(r"\bterragrunt\s+(?:run-all\s+|run\s+--all\s+)?(?:validate|plan|hclfmt)\b"),
        re.compile(r"\b(?:tflint|tfsec|terrascan|checkov|trivy|opslint|kics)\b"),
        re.compile(r"\bterraform_(?:fmt|validate|tflint|tfsec|checkov|trivy)\b"),  # pre-commit
        re.compile(r"\bdflook/(?:terraform|tofu)-(?:plan|validate|fmt-check|check)\b"),
        re.compile(_REMOTE_WORKFLOW.format(r"(?:terraform|tofu)")),
    ),
    "cloudformation": (
        re.compile(r"\bcfn[-_]lint\b"),
        re.compile(r"\bsam\s+validate\b"),
        re.compile(r"\bcfn[-_]guard\b"),
        re.compile(r"\bcloudformation\s+(?:validate-template|create-change-set)\b"),
        # a CDK app's templates are made and checked by synthesis (cdk deploy synthesizes too)
        re.compile(r"\bcdk\s+(?:synth|synthesize|diff|deploy)\b"),
        re.compile(r"\b(?:taskcat|cfn[-_]nag|checkov|trivy|opslint|kics)\b"),
        re.compile(_REMOTE_WORKFLOW.format(r"(?:cloudformation|cfn|sam)")),
    ),
}
DEPLOYERS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"\b{_TF}\s+apply\b"),
    re.compile(r"\bterragrunt\s+(?:run-all\s+|run\s+--all\s+)?apply\b"),
    re.compile(r"\bdflook/(?:terraform|tofu)-apply\b"),
    re.compile(r"\bsam\s+(?:deploy|sync|pipeline)\b"),
    re.compile(r"\bcloudformation\s+(?:deploy|create-stack|update-stack|execute-change-set)\b"),
    re.compile(r"\baws-actions/aws-cloudformation-github-deploy\b"),
    re.compile(r"\bcdk\s+deploy\b"),
    re.compile(r"\brain\s+deploy\b"),
)
ATLANTIS = frozenset({"atlantis.yaml", "atlantis.yml"})
"""Atlantis plans every pull request and applies on command: it validates and deploys."""

SKIP_IAC = Option(
    "skip_paths",
    "list[str]",
    DEFAULT_SKIPPED,
    "Globs of folders (relative to the repository root) whose IaC does not count: "
    "examples, samples, tests, fixtures, docs.",
)
"""The ``skip_paths`` option of the rules that look for CI validation and deployment."""


def ci_texts(repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED) -> dict[str, str]:
    """Each CI definition's text (outside ``skip_paths``), followed by the scripts and local
    actions it runs, and by the pre-commit configuration or root Makefile when it runs
    ``pre-commit`` or ``make``."""
    excluder = Excluder([glob.removesuffix("/**") for glob in skip_paths])
    texts = {}
    for path in repo.files_of_kind("ci"):
        if excluder.excluded(repo.relative(path)):
            continue
        text = repo.contents.get(path, "")
        parts = [text]
        parts.extend(repo.contents.get(repo.display(r), "") for r in ci_references(text))
        if re.search(r"\bpre-commit\b", text):
            parts.append(repo.contents.get(repo.display(".pre-commit-config.yaml"), ""))
        if re.search(r"\bmake\s+[A-Za-z]", text):
            parts.append(repo.contents.get(repo.display("Makefile"), ""))
        texts[path] = "\n".join(parts)
    return texts


def is_atlantis(repo: Repository, path: str) -> bool:
    return repo.relative(path).rsplit("/", 1)[-1] in ATLANTIS


def validated_flavours(repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED) -> set[str]:
    """The IaC flavours some CI definition validates."""
    found = set()
    for path, text in ci_texts(repo, skip_paths).items():
        if is_atlantis(repo, path):
            found.add("terraform")
        for flavour, patterns in VALIDATORS.items():
            if any(p.search(text) for p in patterns):
                found.add(flavour)
    return found


def deploying_ci_files(repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED) -> list[str]:
    """CI definitions that deploy infrastructure (apply, deploy, execute a change set)."""
    return [
        path
        for path, text in ci_texts(repo, skip_paths).items()
        if is_atlantis(repo, path) or any(p.search(text) for p in DEPLOYERS)
    ]


def judged_units(repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED) -> list[Unit]:
    """Units outside folders of examples, tests and fixtures, with resources."""
    excluder = Excluder([glob.removesuffix("/**") for glob in skip_paths])
    return [
        u
        for u in repo.units
        if u.resources and not excluder.excluded(repo.relative(u.path), is_dir=True)
    ]


def deployable_units(repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED) -> list[Unit]:
    """What someone deploys: templates, and Terraform root modules that configure a backend
    or provider, have their own ``*.tfvars`` or a ``terragrunt.hcl`` (a module library's
    reusable modules are not deployed by the repository itself)."""
    roots = {unit.path for unit in repo.root_modules()}
    return [
        unit
        for unit in judged_units(repo, skip_paths)
        if unit.framework == "cloudformation"
        or (unit.path in roots and (is_deployed(unit) or uses_terragrunt(repo, unit)))
    ]


def flavours_present(units: Iterable[Unit]) -> dict[str, str]:
    """IaC flavour → the first file (display path) of that flavour."""
    first: dict[str, str] = {}
    for unit in units:
        for path in unit.files:
            if unit.framework == "terraform" and not path.endswith((".tf", ".tf.json")):
                continue
            if unit.framework not in first or path < first[unit.framework]:
                first[unit.framework] = path
    return first


def _category_says_deploy(category: Any) -> bool | None:
    if isinstance(category, str):
        return category.strip().lower() == "deploy"
    return None  # unknown: cannot tell


def pipeline_deploys(resource: Resource) -> bool | None:
    """Whether a CodePipeline resource has a Deploy action (None: cannot tell)."""
    terraform = resource.framework == "terraform"
    stages = resource.get("stage" if terraform else "Stages")
    if not isinstance(stages, (list, dict)):
        return None if stages is not ABSENT else False
    verdict: bool | None = False
    for stage in as_list(stages):
        if not isinstance(stage, dict):
            verdict = None
            continue
        actions = stage.get("action" if terraform else "Actions", ABSENT)
        if not isinstance(actions, (list, dict)):
            verdict = None
            continue
        for action in as_list(actions):
            if not isinstance(action, dict):
                verdict = None
                continue
            category = (
                action.get("category")
                if terraform
                else lookup(action, "ActionTypeId.Category", None)
            )
            says = _category_says_deploy(category)
            if says:
                return True
            if says is None:
                verdict = None
    return verdict


def build_deploys(resource: Resource) -> bool:
    """Whether a CodeBuild project's inline buildspec runs a deployment command."""
    path = "source.buildspec" if resource.framework == "terraform" else "Source.BuildSpec"
    spec = resource.get(path)
    return isinstance(spec, str) and any(p.search(spec) for p in DEPLOYERS)


PIPELINE_TYPES = ("aws_codepipeline", "AWS::CodePipeline::Pipeline")
BUILD_TYPES = ("aws_codebuild_project", "AWS::CodeBuild::Project")


def deployment_evidence(
    repo: Repository, units: Iterable[Unit], skip_paths: Iterable[str] = DEFAULT_SKIPPED
) -> str | None:
    """What deploys the infrastructure (a pipeline resource or a CI file), if anything;
    ``"unknown"`` when a pipeline's stages cannot be read."""
    unknown = False
    for unit in units:
        for resource in unit.by_type(*PIPELINE_TYPES):
            deploys = pipeline_deploys(resource)
            if deploys:
                return f"`{resource.name}`"
            if deploys is None:
                unknown = True
        for resource in unit.by_type(*BUILD_TYPES):
            if build_deploys(resource):
                return f"`{resource.name}`"
    deploying = deploying_ci_files(repo, skip_paths)
    if deploying:
        return f"`{repo.relative(deploying[0])}`"
    return "unknown" if unknown else None
