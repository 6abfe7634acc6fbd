"""OPS07-BP05/ci-deploy-environment: CI jobs that deploy infrastructure declare a deployment
environment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from opslint.discover import Excluder
from opslint.model import Repository, Severity
from opslint.repo.pipelines import DEPLOYERS, SKIP_IAC
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

DESTROYERS = re.compile(
    r"\b(?:(?:terraform|tofu|terragrunt|cdk)\s+(?:run-all\s+)?destroy|sam\s+delete|"
    r"cloudformation\s+delete-stack)\b"
)
PREVIEW_TRIGGERS = frozenset({"pull_request", "pull_request_target"})
GITLAB_RESERVED = frozenset(
    {
        "stages",
        "variables",
        "default",
        "include",
        "workflow",
        "image",
        "services",
        "before_script",
        "after_script",
        "cache",
        "pages",
        "spec",
    }
)


def _load(text: str) -> tuple[Any, dict[str, int]]:
    """The YAML document and the line of each top-level and ``jobs`` key; (None, {}) when
    the file does not parse."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None, {}
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[str(key.value)] = key.start_mark.line + 1
            if key.value == "jobs" and isinstance(value, yaml.MappingNode):
                for job, _ in value.value:
                    lines[f"jobs.{job.value}"] = job.start_mark.line + 1
    return data, lines


def _text(value: Any) -> str:
    """Every string in a job (its steps' ``run`` and ``uses``, its scripts), one per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_text(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    return ""


def deploys(job: dict[str, Any]) -> bool:
    """A job that deploys infrastructure and does not tear it down again (ephemeral test
    stacks)."""
    text = _text({k: v for k, v in job.items() if k not in ("environment", "name")})
    return any(p.search(text) for p in DEPLOYERS) and not DESTROYERS.search(text)


class CiDeployEnvironment(Rule):
    id = "OPS07-BP05/ci-deploy-environment"
    title = "CI jobs that deploy infrastructure declare a deployment environment"
    severity = Severity.NOTE
    related = ("OPS06-BP04",)
    options = (SKIP_IAC,)
    docs = Docs(
        what=(
            "Checks that CI jobs that deploy infrastructure (`terraform apply`, `terragrunt "
            "apply`, `sam deploy`, `aws cloudformation deploy`/`execute-change-set`, `cdk "
            "deploy`, `dflook/terraform-apply`, `aws-actions/aws-cloudformation-github-deploy`) "
            "declare a deployment environment: `jobs.<id>.environment` in GitHub Actions "
            "workflows, `<job>.environment` in `.gitlab-ci.yml`. Any value counts, including "
            "an expression (`${{ inputs.environment }}`). Workflows triggered only by pull "
            "requests (previews) and jobs that also destroy what they deploy (ephemeral test "
            "stacks) are not judged. The finding is on the job."
        ),
        why=(
            "OPS07-BP05 asks you to make informed decisions to deploy systems and changes. A "
            "deployment environment is where the decision is enforced: required reviewers, "
            "wait timers, branch policies and environment-scoped secrets apply only to jobs "
            "that name it, and its deployment history records what went where."
        ),
        fix=(
            "Add `environment: production` (or the stage the job deploys) to the job, and "
            "configure protection rules on that environment in the repository settings."
        ),
        cautions=(
            "An environment without protection rules is only a label: opslint cannot see the "
            "repository settings, so the rule makes the gate possible rather than proving it. "
            "Deployments run by Atlantis, Terraform Cloud, Spacelift or env0 are outside CI "
            "and not judged. Jobs of Azure Pipelines, Bitbucket Pipelines, CircleCI, Buildkite, "
            "Drone and Concourse are not read yet (their deployment environments are not "
            "GitHub or GitLab environments)."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    "# .github/workflows/deploy.yml\non:\n  push:\n    branches: [main]\n"
                    "jobs:\n  apply:\n    runs-on: ubuntu-latest\n    steps:\n"
                    "      - run: terraform apply -auto-approve"
                ),
                passing=(
                    "# .github/workflows/deploy.yml\non:\n  push:\n    branches: [main]\n"
                    "jobs:\n  apply:\n    runs-on: ubuntu-latest\n"
                    "    environment: production\n    steps:\n"
                    "      - run: terraform apply -auto-approve"
                ),
                syntax="github-workflow",
            ),
            Example(
                "sam",
                failing=(
                    "# .github/workflows/deploy.yml\non:\n  push:\n    branches: [main]\n"
                    "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
                    "      - run: sam deploy --no-confirm-changeset"
                ),
                passing=(
                    "# .github/workflows/deploy.yml\non:\n  push:\n    branches: [main]\n"
                    "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
                    "    environment:\n      name: production\n    steps:\n"
                    "      - run: sam deploy --no-confirm-changeset"
                ),
                syntax="github-workflow",
            ),
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return any(self._deploy_jobs(repo, []))

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        for path, job_id, line, job in self._deploy_jobs(repo, ctx.option("skip_paths")):
            if "environment" in job:
                continue
            yield self.file_violation(
                path,
                f"CI job `{job_id}` deploys infrastructure without a deployment environment: "
                "add `environment:` so its protection rules, secrets and history apply",
                line=line,
                key=job_id,
            )

    @staticmethod
    def _deploy_jobs(
        repo: Repository, skip_paths: list[str]
    ) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
        excluder = Excluder([glob.removesuffix("/**") for glob in skip_paths])
        for path in repo.files_of_kind("ci"):
            relative = repo.relative(path)
            if excluder.excluded(relative):
                continue
            name = relative.rsplit("/", 1)[-1]
            is_actions = relative.startswith(".github/workflows/")
            if not (is_actions or name == ".gitlab-ci.yml"):
                continue
            data, lines = _load(repo.contents.get(path, ""))
            if not isinstance(data, dict):
                continue
            if is_actions:
                triggers = data.get("on", data.get(True))
                if isinstance(triggers, str):
                    triggers = [triggers]
                if triggers and set(triggers) <= PREVIEW_TRIGGERS:
                    continue
                jobs = data.get("jobs")
                items = jobs.items() if isinstance(jobs, dict) else []
                for job_id, job in items:
                    if isinstance(job, dict) and "uses" not in job and deploys(job):
                        yield path, str(job_id), lines.get(f"jobs.{job_id}", 1), job
            else:
                for job_id, job in data.items():
                    if (
                        not isinstance(job_id, str)
                        or job_id.startswith(".")
                        or job_id in GITLAB_RESERVED
                        or not isinstance(job, dict)
                    ):
                        continue
                    only = job.get("only")
                    if isinstance(only, list) and set(only) <= {"merge_requests"}:
                        continue
                    if deploys(job):
                        yield path, job_id, lines.get(job_id, 1), job
