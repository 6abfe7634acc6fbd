"""What the repository's CI definitions do with its infrastructure code: which IaC flavours
the repository holds, which CI steps validate them and which deploy them, flavour by flavour
(shared by the OPS05 CI-validation and deployment-pipeline rules and the OPS05-BP08
environments rule).

CI files are read as text: a command or a well-known action named anywhere in a CI
definition counts for the flavour it belongs to (``terraform apply`` deploys Terraform,
never templates). A CI definition is read with what it runs one step away: the scripts and
local actions it calls, ``.pre-commit-config.yaml`` when it runs ``pre-commit``, the
Makefile of each ``make`` (``make -C dir``, ``cd dir && make``, ``make -f file``) with the
scripts that Makefile calls, and a Concourse pipeline's task files of the repository.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from typing import Any

from opslint.coerce import as_list
from opslint.discover import Excluder, ci_references, repository_kind
from opslint.model import ABSENT, Repository, Resource, Unit, lookup
from opslint.repo.ci_systems import concourse_task_files, makefiles_run
from opslint.repo.terraform_roots import DEFAULT_SKIPPED, is_deployed, uses_terragrunt
from opslint.rule import Option

FLAVOURS = ("terraform", "cloudformation")
FLAVOUR_NAMES = {"terraform": "Terraform", "cloudformation": "CloudFormation/SAM"}

_TF = r"(?:terraform|tofu)(?:\s+-chdir=\S+)?"
_REMOTE_WORKFLOW = r"\buses:\s*['\"]?[\w.-]+/[^\s@'\"]*{}[^\s@'\"]*/\.github/workflows/"
"""A reusable workflow of another repository named after the flavour
(``org/terraform-workflows/.github/workflows/ci.yml@v1``): its steps are out of sight, so
it counts as validating."""
_REMOTE_TASK = r"\bfile:\s*['\"]?[\w.-]+/[\w./-]*{}[\w.-]*\.ya?ml"
"""A Concourse task file named after the flavour and what it does, from another repository
(``file: pipeline-tasks/terraform-apply.yml``): its script is out of sight."""
VALIDATORS: dict[str, tuple[re.Pattern[str], ...]] = {
    "terraform": (
        re.compile(rf"\b{_TF}\s+(?:fmt|validate|plan|test)\b"),
        re.compile(r"\bterragrunt\s+(?:run-all\s+|run\s+--all\s+)?(?:validate|plan|hclfmt)\b"),
        re.compile(r"\b(?:tflint|tfsec|terrascan|checkov|trivy|opslint|kics)\b"),
        re.compile(r"\bterraform_(?:fmt|validate|tflint|tfsec|checkov|trivy)\b"),  # pre-commit
        re.compile(r"\bdflook/(?:terraform|tofu)-(?:plan|validate|fmt-check|check)\b"),
        re.compile(_REMOTE_WORKFLOW.format(r"(?:terraform|tofu)")),
        # an apply task plans first
        re.compile(_REMOTE_TASK.format(r"(?:terraform|tofu)[-_]?(?:plan|validate|fmt|apply)")),
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
        re.compile(_REMOTE_TASK.format(r"(?:cloudformation|cfn|sam)[-_]?(?:lint|validate)")),
    ),
}
DEPLOYERS_OF: dict[str, tuple[re.Pattern[str], ...]] = {
    "terraform": (
        re.compile(rf"\b{_TF}\s+apply\b"),
        re.compile(r"\bterragrunt\s+(?:run-all\s+|run\s+--all\s+)?apply\b"),
        re.compile(r"\bdflook/(?:terraform|tofu)-apply\b"),
        re.compile(_REMOTE_TASK.format(r"(?:terraform|tofu)[-_]?apply")),
    ),
    "cloudformation": (
        re.compile(r"\bsam\s+(?:deploy|sync|pipeline)\b"),
        re.compile(r"\bcloudformation\s+(?:deploy|create-stack|update-stack|execute-change-set)\b"),
        re.compile(r"\baws-actions/aws-cloudformation-github-deploy\b"),
        re.compile(r"\bcdk\s+deploy\b"),
        re.compile(r"\brain\s+deploy\b"),
        re.compile(_REMOTE_TASK.format(r"(?:cloudformation|cfn|sam)[-_]?deploy")),
    ),
}
"""What deploys each flavour: a command for one flavour is never the pipeline of another."""
DEPLOYERS: tuple[re.Pattern[str], ...] = tuple(p for ps in DEPLOYERS_OF.values() for p in ps)
"""What deploys infrastructure of any flavour."""
ATLANTIS = frozenset({"atlantis.yaml", "atlantis.yml"})
"""Atlantis plans every pull request and applies on command: it validates and deploys
Terraform."""
SPACELIFT = frozenset({".spacelift/config.yml", ".spacelift/config.yaml"})
"""Spacelift runs proposed runs on pull requests and tracked runs on merges: it validates
and deploys Terraform."""

SKIP_IAC = Option(
    "skip_paths",
    "list[str]",
    DEFAULT_SKIPPED,
    "Globs of folders (relative to the repository root) whose IaC does not count: "
    "examples, samples, tests, fixtures, docs.",
)
"""The ``skip_paths`` option of the rules that look for CI validation and deployment."""


_CI_TEXTS: weakref.WeakKeyDictionary[Repository, dict[tuple[str, ...], dict[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def ci_texts(repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED) -> dict[str, str]:
    """Each CI definition's text (outside ``skip_paths``), followed by what it runs one step
    away (see the module's documentation). Computed once per repository view and skip
    list: read it, do not change it."""
    skip = tuple(skip_paths)
    cached = _CI_TEXTS.setdefault(repo, {})
    if skip not in cached:
        cached[skip] = _ci_texts(repo, skip)
    return cached[skip]


def _ci_texts(repo: Repository, skip_paths: tuple[str, ...]) -> dict[str, str]:
    excluder = Excluder([glob.removesuffix("/**") for glob in skip_paths])
    texts = {}
    for path in repo.files_of_kind("ci"):
        if excluder.excluded(repo.relative(path)):
            continue
        text = repo.contents.get(path, "")
        concourse = repository_kind(repo.relative(path)) == "pipeline?"
        parts = [text]
        runs = list(concourse_task_files(text)) if concourse else []
        runs.extend(_run_by(text, concourse))
        if re.search(r"\bpre-commit\b", text):
            runs.append(".pre-commit-config.yaml")
        seen = {repo.relative(path)}
        for relative in runs:
            if relative in seen:
                continue
            seen.add(relative)
            part = repo.contents.get(repo.display(relative))
            if part is None:
                continue
            parts.append(part)
            folder, _, name = relative.rpartition("/")
            if name in ("Makefile", "GNUmakefile") or concourse:
                # the scripts a Makefile target (run in the Makefile's folder) or a
                # Concourse task calls: still one step away
                base = folder if name in ("Makefile", "GNUmakefile") else ""
                for script in _run_by(part, concourse, makefiles=False, base=base):
                    if script not in seen and repo.display(script) in repo.contents:
                        seen.add(script)
                        parts.append(repo.contents[repo.display(script)])
        texts[path] = "\n".join(parts)
    return texts


def _run_by(text: str, concourse: bool, makefiles: bool = True, base: str = "") -> list[str]:
    """Files of the repository a CI text runs: scripts, local actions and, with
    ``makefiles``, Makefiles. In a Concourse pipeline or task, a path starts with the name
    of the input holding it (``repo/ci/x.sh``): the path without it is tried too."""
    found = ci_references(text, base)
    if makefiles:
        found.extend(makefiles_run(text))
    if concourse:
        found.extend(p.split("/", 1)[1] for p in list(found) if "/" in p)
    return found


def is_atlantis(repo: Repository, path: str) -> bool:
    return repo.relative(path).rsplit("/", 1)[-1] in ATLANTIS


def runs_terraform_itself(repo: Repository, path: str) -> bool:
    """Atlantis and Spacelift configuration: the service plans and applies Terraform."""
    return is_atlantis(repo, path) or repo.relative(path) in SPACELIFT


def validated_flavours(repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED) -> set[str]:
    """The IaC flavours some CI definition validates (Terraform Cloud runs included)."""
    found = set()
    for path, text in ci_texts(repo, skip_paths).items():
        if runs_terraform_itself(repo, path):
            found.add("terraform")
        for flavour, patterns in VALIDATORS.items():
            if any(p.search(text) for p in patterns):
                found.add(flavour)
    if terraform_cloud_roots(repo, skip_paths):
        found.add("terraform")
    return found


def deploying_ci_files(
    repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED, flavour: str | None = None
) -> list[str]:
    """CI definitions that deploy infrastructure (of ``flavour``, or of any flavour)."""
    patterns = DEPLOYERS_OF[flavour] if flavour else DEPLOYERS
    return [
        path
        for path, text in ci_texts(repo, skip_paths).items()
        if (flavour in (None, "terraform") and runs_terraform_itself(repo, path))
        or any(p.search(text) for p in patterns)
    ]


def terraform_cloud_roots(
    repo: Repository, skip_paths: Iterable[str] = DEFAULT_SKIPPED
) -> list[Unit]:
    """Root modules whose runs happen in HCP Terraform / Terraform Cloud (a ``cloud {}``
    block or ``backend "remote"``): the service plans pull requests and applies merges."""
    return [
        unit
        for unit in judged_units(repo, skip_paths)
        if unit.framework == "terraform"
        and unit.settings is not None
        and (unit.settings.cloud or unit.settings.backend == "remote")
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
    """What the repository deploys itself: Terraform root modules that configure a backend
    or provider, have their own ``*.tfvars`` or a ``terragrunt.hcl`` (a module library's
    reusable modules are not deployed by the repository itself), and templates when
    something in the repository deploys templates (see :func:`templates_deployed`; a
    template library's templates are deployed by their users)."""
    roots = {unit.path for unit in repo.root_modules()}
    judged = judged_units(repo, skip_paths)
    templates = any(u.framework == "cloudformation" for u in judged) and templates_deployed(
        repo, judged, skip_paths
    )
    return [
        unit
        for unit in judged
        if (unit.framework == "cloudformation" and templates)
        or (unit.path in roots and (is_deployed(unit) or uses_terragrunt(repo, unit)))
    ]


TEMPLATE_DEPLOYMENT_FILES = frozenset(
    {"samconfig.toml", "samconfig.yaml", "samconfig.yml", "cdk.json", "parameters"}
)
"""Repository files that only a deployment reads: SAM CLI configuration, a CDK app, and
CloudFormation parameter files."""


def templates_deployed(
    repo: Repository, units: Iterable[Unit], skip_paths: Iterable[str] = DEFAULT_SKIPPED
) -> bool:
    """Whether something in the repository deploys CloudFormation/SAM templates: a SAM
    configuration, a CDK app, a parameter file, a command that deploys templates in a CI
    definition, script or Makefile, or a pipeline resource that deploys. A repository
    without any is a template library (its templates are deployed by their users, through
    a console link or another repository's pipeline)."""
    excluder = Excluder([glob.removesuffix("/**") for glob in skip_paths])
    deployers = DEPLOYERS_OF["cloudformation"]
    for path in repo.files:
        kind = repo.kinds.get(path, "")
        if excluder.excluded(repo.relative(path)):
            continue
        if kind in TEMPLATE_DEPLOYMENT_FILES:
            return True
        if kind in ("script", "Makefile", "GNUmakefile") and any(
            p.search(repo.contents.get(path, "")) for p in deployers
        ):
            return True
    if deploying_ci_files(repo, skip_paths, "cloudformation"):
        return True
    return any(
        pipeline_deploys(r) is not False
        if r.type in PIPELINE_TYPES
        else build_deploys(r, "cloudformation")
        for unit in units
        for r in unit.by_type(*PIPELINE_TYPES, *BUILD_TYPES)
    )


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


def build_deploys(resource: Resource, flavour: str | None = None) -> bool:
    """Whether a CodeBuild project's inline buildspec runs a deployment command (of
    ``flavour``, or of any flavour)."""
    if resource.type not in BUILD_TYPES:
        return False
    path = "source.buildspec" if resource.framework == "terraform" else "Source.BuildSpec"
    spec = resource.get(path)
    patterns = DEPLOYERS_OF[flavour] if flavour else DEPLOYERS
    return isinstance(spec, str) and any(p.search(spec) for p in patterns)


PIPELINE_TYPES = ("aws_codepipeline", "AWS::CodePipeline::Pipeline")
BUILD_TYPES = ("aws_codebuild_project", "AWS::CodeBuild::Project")


def deployment_evidence(
    repo: Repository,
    units: Iterable[Unit],
    skip_paths: Iterable[str] = DEFAULT_SKIPPED,
    flavour: str | None = None,
) -> str | None:
    """What deploys the infrastructure of ``flavour`` (of any flavour when None): a
    pipeline resource, a CodeBuild project, a CI file or, for Terraform, a root module
    run by Terraform Cloud; ``"unknown"`` when a pipeline's stages cannot be read. A
    CodePipeline with a Deploy action counts for every flavour (its actions may deploy
    either)."""
    unknown = False
    for unit in units:
        for resource in unit.by_type(*PIPELINE_TYPES):
            deploys = pipeline_deploys(resource)
            if deploys:
                return f"`{resource.name}`"
            if deploys is None:
                unknown = True
        for resource in unit.by_type(*BUILD_TYPES):
            if build_deploys(resource, flavour):
                return f"`{resource.name}`"
    deploying = deploying_ci_files(repo, skip_paths, flavour)
    if deploying:
        return f"`{repo.relative(deploying[0])}`"
    if flavour in (None, "terraform"):
        cloud = terraform_cloud_roots(repo, skip_paths)
        if cloud:
            return f"`{cloud[0].path}`"
    return "unknown" if unknown else None
