"""OPS05-BP08/multiple-environments: the repository defines at least two environments."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator

from opslint.discover import Excluder, repository_kind
from opslint.model import Repository, Severity, Unit
from opslint.repo.anchors import ci_place
from opslint.repo.ci_systems import concourse_job_names, load_yaml
from opslint.repo.examples import ROOT_MODULE, SAM_APP
from opslint.repo.pipelines import ci_texts, deployable_units, deploying_ci_files, flavours_present
from opslint.repo.terraform_roots import DEFAULT_SKIPPED, settings_location
from opslint.rule import Docs, Example, Option, RepositoryContext, Rule, Violation

SYNONYMS = {
    "dev": "dev",
    "develop": "dev",
    "development": "dev",
    "test": "test",
    "testing": "test",
    "qa": "qa",
    "uat": "uat",
    "stage": "stage",
    "staging": "stage",
    "stg": "stage",
    "preprod": "preprod",
    "pre-prod": "preprod",
    "prod": "prod",
    "production": "prod",
    "prd": "prod",
    "sandbox": "sandbox",
    "sbx": "sandbox",
    "demo": "demo",
    "perf": "perf",
    "int": "int",
    "integration": "int",
    "nonprod": "nonprod",
    "non-prod": "nonprod",
    "dr": "dr",
}
"""Words that name an environment, with the name they count as."""
CONTAINERS = frozenset({"environments", "environment", "envs", "env", "stages", "live"})
"""Folders whose subfolders are environments (``environments/prod``, Terragrunt ``live/``)."""
TOKEN = re.compile(r"[A-Za-z0-9]+(?:-prod\b)?")
CI_ENVIRONMENT = re.compile(
    r"^[ \t-]*environment:[ \t]*(?:\n[ \t]*name:[ \t]*)?['\"]?([A-Za-z][\w-]*)", re.MULTILINE
)
CI_SELECTORS = re.compile(
    r"(?:--config-env[ =]|workspace\s+(?:select|new)\s+(?:-or-create\s+)?)['\"]?([A-Za-z][\w-]*)"
)


def env_words(path: str) -> set[str]:
    """Environment names written in a path's folder names or file name."""
    found = set()
    for token in TOKEN.findall(path.lower()):
        if token in SYNONYMS:
            found.add(SYNONYMS[token])
    return found


def contained_envs(path: str) -> set[str]:
    """``environments/<env>/...`` style folder names in ``path``."""
    parts = path.split("/")
    return {
        SYNONYMS.get(parts[i + 1].lower(), parts[i + 1].lower())
        for i, part in enumerate(parts[:-2])
        if part.lower() in CONTAINERS
    }


ENV_PARAMETER = re.compile(r"env|stage", re.IGNORECASE)


def parameter_envs(unit: Unit) -> set[str]:
    """``AllowedValues`` of a template parameter named like ``Environment`` or ``Stage``: one
    template deployed once per environment."""
    parameters = unit.template_attributes.get("Parameters")
    if not isinstance(parameters, dict):
        return set()
    found = set()
    for name, spec in parameters.items():
        allowed = spec.get("AllowedValues") if isinstance(spec, dict) else None
        if isinstance(name, str) and ENV_PARAMETER.search(name) and isinstance(allowed, list):
            found |= {SYNONYMS.get(str(v).lower(), str(v).lower()) for v in allowed}
    return found


SAM_CONFIGS = frozenset({"samconfig.toml", "samconfig.yaml", "samconfig.yml"})
ENVIRONMENT_FILES = frozenset({"environments.yaml", "environments.yml", "environments.json"})
DEPLOY_JOB = re.compile(r"apply|deploy|plan|release|promote", re.IGNORECASE)
"""A Concourse job named like this deploys (or previews) the environment its name names."""


def declared_envs(text: str) -> set[str]:
    """The environments an ``environments.yaml`` declares: the keys of its mapping (or of
    its ``environments`` entry), or the names in its list (strings, or mappings with a
    ``name``)."""
    document = load_yaml(text)
    if isinstance(document, dict) and isinstance(document.get("environments"), (dict, list)):
        document = document["environments"]
    if isinstance(document, dict):
        names = [str(key) for key in document]
    elif isinstance(document, list):
        names = [
            str(item.get("name")) if isinstance(item, dict) else str(item)
            for item in document
            if isinstance(item, (str, dict))
        ]
    else:
        return set()
    return {SYNONYMS.get(n.lower(), n.lower()) for n in names if n and n != "None"}


def yaml_keys(text: str) -> set[str]:
    """The environments of a ``samconfig.yaml``: its top-level mapping entries."""
    document = load_yaml(text)
    if not isinstance(document, dict):
        return set()
    return {str(name) for name, value in document.items() if isinstance(value, dict)}


def samconfig_envs(text: str) -> set[str]:
    try:
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return set()
    return {name for name, value in document.items() if isinstance(value, dict)}


"""A SAM application, assumed by the examples about the repository around it."""


class MultipleEnvironments(Rule):
    id = "OPS05-BP08/multiple-environments"
    title = "The repository defines at least two environments"
    severity = Severity.NOTE
    options = (
        Option(
            "skip_paths",
            "list[str]",
            DEFAULT_SKIPPED,
            "Globs of folders (relative to the repository root) whose IaC and variable files "
            "do not count: examples, samples, tests, fixtures, docs.",
        ),
        Option("minimum", "int", 2, "How many distinct environments the repository defines."),
    )
    docs = Docs(
        what=(
            "Collects the environments the repository defines and checks there are at least "
            "`minimum` (2) distinct ones: per-environment Terraform variable files "
            "(`prod.tfvars`, `env/dev.tfvars`), Terraform roots per environment "
            "(`environments/<env>/`, `envs/`, `stages/`, Terragrunt `live/<env>/`, or folders "
            "named like `dev`, `staging`, `prod`), `samconfig.toml` environments "
            "(`[prod.deploy.parameters]`), CloudFormation parameter files named per "
            "environment, the `AllowedValues` of a template parameter named like "
            "`Environment` or `Stage`, and CI definitions (`environment: production`, "
            "`--config-env`, "
            "`terraform workspace select`). Synonyms count once (`prod`, `production`, "
            "`prd`), and environments declared in `environments.yaml` (its keys, or its list "
            "of names), in per-environment backend configuration files (`prod.tfbackend`, "
            "`production.blue.backend`) and in the names of Concourse jobs that deploy "
            "(`apply-production`). The finding points where an environment would be "
            "added: the SAM configuration, the file of the one environment found, the one "
            "deployed root module or template, the CI definition that deploys, else the "
            "`.github/workflows` folder (see docs/repository-findings.md)."
        ),
        why=(
            "OPS05-BP08 asks you to use multiple environments so that changes are tried "
            "somewhere other than production first. Code that only knows one environment "
            "has nowhere to test a change, and its first real test is an outage."
        ),
        fix=(
            "Parameterise the stack and give each environment its own values: "
            "`dev.tfvars` and `prod.tfvars` (or `environments/dev` and `environments/prod` "
            "roots calling shared modules) for Terraform, `samconfig.toml` sections or "
            "parameter files per environment for SAM and CloudFormation, and deploy them "
            "in order from the pipeline."
        ),
        examples=(
            Example(
                "terraform",
                failing="$ ls infra/\nmain.tf  variables.tf  terraform.tfvars",
                passing="$ ls infra/\nmain.tf  variables.tf  dev.tfvars  prod.tfvars",
                syntax="console",
                given={"infra/main.tf": ROOT_MODULE},
            ),
            Example(
                "sam",
                failing=(
                    "# samconfig.toml\nversion = 0.1\n[default.deploy.parameters]\n"
                    'stack_name = "app"'
                ),
                passing=(
                    "# samconfig.toml\nversion = 0.1\n[dev.deploy.parameters]\n"
                    'stack_name = "app-dev"\n\n[prod.deploy.parameters]\nstack_name = "app-prod"'
                ),
                syntax="samconfig",
                given={"template.yaml": SAM_APP},
            ),
        ),
        cautions=(
            "Environments managed in another repository (a separate live/config repository, "
            "values injected by a deployment tool, Terraform Cloud workspaces) are invisible: "
            "suppress the finding with a reason. Workspaces selected only in scripts that CI "
            "calls are not seen. Files in folders matched by `skip_paths` (examples, "
            "samples, tests, fixtures, docs) do not count. A repository of reusable "
            "Terraform modules (no root "
            "module configures a backend, has its own `*.tfvars` or `terragrunt.hcl`, or "
            "configures a provider while needing no input) deploys nothing itself and is "
            "not judged; nor is a template library, a repository of CloudFormation/SAM "
            "templates that nothing in it deploys (no `samconfig.toml`, `cdk.json` or "
            "parameter file, no command deploying templates in a CI definition, script or "
            "Makefile, no pipeline resource)."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(flavours_present(deployable_units(repo)))

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        skip: list[str] = ctx.option("skip_paths")
        units = deployable_units(repo, skip)
        present = flavours_present(units)
        if not present:
            return
        envs, places = self.environments(repo, units, skip)
        minimum: int = ctx.option("minimum")
        if len(envs) >= minimum:
            return
        found = (
            f"only {', '.join(f'`{e}`' for e in sorted(envs))} found"
            if envs
            else "no environment-specific configuration found"
        )
        yield self.file_violation(
            places[0] if places else self.place(repo, units, skip, present),
            f"The repository defines fewer than {minimum} environments ({found}): give each "
            "environment its own variable file, root module or samconfig section so changes "
            "can be tried before production",
            key="environments",
        )

    @staticmethod
    def place(repo: Repository, units: list[Unit], skip: list[str], present: Iterable[str]) -> str:
        """Where a repository without environment files adds them: its one deployed root
        module or template, else the CI definition that deploys, else the CI folder."""
        if len(units) == 1:
            unit = units[0]
            return settings_location(unit)[0] if unit.framework == "terraform" else unit.path
        deploying = deploying_ci_files(repo, skip)
        return deploying[0] if deploying else ci_place(repo, skip, present)

    @staticmethod
    def environments(
        repo: Repository, units: list[Unit], skip: list[str]
    ) -> tuple[set[str], list[str]]:
        """The environments the repository defines, and the files (display paths) that
        define them or would (a SAM configuration), the best place to add one first."""
        excluder = Excluder([glob.removesuffix("/**") for glob in skip])
        envs: set[str] = set()
        places: list[str] = []

        def add(found: set[str], path: str | None) -> None:
            envs.update(found)
            if path is not None and found and path not in places:
                places.append(path)

        for path in repo.files:
            kind = repo.kinds.get(path, "")
            if excluder.excluded(repo.relative(path)):
                continue
            if kind in SAM_CONFIGS:
                text = repo.contents.get(path, "")
                found = samconfig_envs(text) if kind.endswith(".toml") else yaml_keys(text)
                envs.update(found)
                places.insert(0, path)  # where a SAM application adds an environment
            elif kind in ("tfvars", "parameters", "backend-config"):
                relative = repo.relative(path)
                add(env_words(relative) | contained_envs(relative), path)
            elif kind in ENVIRONMENT_FILES:
                add(declared_envs(repo.contents.get(path, "")), path)
        for unit in units:
            add(parameter_envs(unit), unit.path)
        roots = {unit.path for unit in repo.root_modules()}
        for unit in units:
            if unit.path in roots:
                relative = repo.relative(unit.path) + "/main.tf"
                add(env_words(relative) | contained_envs(relative), None)
        for path, text in ci_texts(repo, skip).items():
            found = set()
            for match in (*CI_ENVIRONMENT.finditer(text), *CI_SELECTORS.finditer(text)):
                name = match.group(1).lower()
                found.add(SYNONYMS.get(name, name))
            if repository_kind(repo.relative(path)) == "pipeline?":
                for job in concourse_job_names(repo.contents.get(path, "")):
                    if DEPLOY_JOB.search(job):
                        found |= env_words(job)
            add(found, path)
        return envs, places
