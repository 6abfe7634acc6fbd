"""OPS05-BP10/deployment-pipeline-as-code: the repository defines how its infrastructure is
deployed (a pipeline or a CI job that applies it)."""

from __future__ import annotations

from collections.abc import Iterator

from opslint.model import Repository, Severity
from opslint.repo.anchors import ci_place
from opslint.repo.examples import ROOT_MODULE, SAM_APP, SAM_CONFIG
from opslint.repo.pipelines import (
    FLAVOUR_NAMES,
    SKIP_IAC,
    deployable_units,
    deployment_evidence,
    flavours_present,
)
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

DEPLOY_COMMANDS = {
    "terraform": "`terraform apply`",
    "cloudformation": "`sam deploy`, `aws cloudformation deploy` or `cdk deploy`",
}


class DeploymentPipelineAsCode(Rule):
    id = "OPS05-BP10/deployment-pipeline-as-code"
    title = "A deployment pipeline for the infrastructure is defined as code"
    severity = Severity.NOTE
    related = ("OPS05-BP04",)
    options = (SKIP_IAC,)
    docs = Docs(
        what=(
            "Checks that something in the repository deploys each flavour of its "
            "infrastructure code: an "
            "`aws_codepipeline` / `AWS::CodePipeline::Pipeline` with a stage action of "
            "category `Deploy`; an `aws_codebuild_project` / `AWS::CodeBuild::Project` whose "
            "inline buildspec deploys; a CI definition (GitHub Actions, GitLab CI, "
            "CodeBuild `buildspec*.yml`, Jenkins, Azure Pipelines, Bitbucket, CircleCI, "
            "Buildkite, Drone, Concourse, Amplify; with the scripts, local actions, "
            "pre-commit hooks, Makefiles and Concourse task files they run) that runs "
            "`terraform apply` or `terragrunt apply` (Terraform), `sam deploy`, "
            "`aws cloudformation deploy` (or `create-stack`, `update-stack`, "
            "`execute-change-set`) or `cdk deploy` (CloudFormation/SAM); Atlantis, "
            "Spacelift, or a root module run by Terraform Cloud (`cloud {}`, `backend "
            '"remote"`) for Terraform. A command for one flavour is not the pipeline of '
            "another: a `terraform apply` workflow does not deploy templates. When nothing "
            "deploys a flavour, the finding points at the CI definition that already names "
            "its tools (where the deployment job goes), else at the `.github/workflows` "
            "folder (see docs/repository-findings.md)."
        ),
        why=(
            "OPS05-BP10 asks you to fully automate integration and deployment, and OPS05-BP04 "
            "to use build and deployment management systems. Infrastructure applied from "
            "laptops depends on who runs it with which credentials and local changes; a "
            "pipeline defined as code applies the reviewed commit the same way every time "
            "and leaves a record of each deployment."
        ),
        fix=(
            "Define the deployment as code next to the infrastructure: a CI job that runs "
            "`terraform plan` on pull requests and `terraform apply` on the main branch "
            "(with an approval step for production), `sam deploy` / `aws cloudformation "
            "deploy` in a workflow, or an `aws_codepipeline` with source, build and deploy "
            "stages."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    "# .github/workflows/ci.yml\non: pull_request\njobs:\n  plan:\n"
                    "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
                    "      - run: terraform init && terraform plan"
                ),
                passing=(
                    "# .github/workflows/deploy.yml\non:\n  push:\n    branches: [main]\n"
                    "jobs:\n  apply:\n    runs-on: ubuntu-latest\n    environment: production\n"
                    "    steps:\n      - uses: actions/checkout@v4\n"
                    "      - run: terraform init && terraform apply -auto-approve"
                ),
                syntax="github-workflow",
                given={"infra/main.tf": ROOT_MODULE},
            ),
            Example(
                "cloudformation",
                failing="# buildspec.yml\nphases:\n  build:\n    commands:\n      - sam build",
                passing=(
                    "# buildspec.yml\nphases:\n  build:\n    commands:\n      - sam build\n"
                    "      - sam deploy --no-confirm-changeset --config-env prod"
                ),
                syntax="buildspec",
                given={"template.yaml": SAM_APP, "samconfig.toml": SAM_CONFIG},
            ),
        ),
        cautions=(
            "Deployments orchestrated outside the repository (a platform team's pipeline "
            "repository, Terraform Cloud or Spacelift runs triggered by the VCS, an "
            "organisation-wide Jenkins job) are invisible: suppress the finding with a reason "
            "naming them. Commands more than one level away from the CI definition (a script "
            "calling another script, `make -C sub`) are not followed. A "
            "pipeline whose stages opslint cannot read counts as deploying. A repository "
            "of reusable Terraform modules (no root module configures a backend, has its own "
            "`*.tfvars` or `terragrunt.hcl`, or configures a provider while needing no "
            "input) deploys nothing itself and is not judged; nor is a template library, a "
            "repository of CloudFormation/SAM templates that nothing in it deploys (no "
            "`samconfig.toml`, `cdk.json` or parameter file, no command deploying templates "
            "in a CI definition, script or Makefile, no pipeline resource): its users deploy "
            "the templates."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(flavours_present(deployable_units(repo)))

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        skip: list[str] = ctx.option("skip_paths")
        units = deployable_units(repo, skip)
        for flavour in sorted(flavours_present(units)):
            if deployment_evidence(repo, units, skip, flavour) is not None:
                continue
            yield self.file_violation(
                ci_place(repo, skip, [flavour]),
                f"No deployment pipeline for this repository's {FLAVOUR_NAMES[flavour]} code "
                f"is defined as code (no CodePipeline with a Deploy action, no CI job running "
                f"{DEPLOY_COMMANDS[flavour]}): automate the deployment in a pipeline",
                key=flavour,
            )
