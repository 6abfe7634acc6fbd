"""OPS05-BP02/iac-validated-in-ci: a CI definition in the repository validates each IaC
flavour it holds."""

from __future__ import annotations

from collections.abc import Iterator

from opslint.model import Repository, Severity
from opslint.repo.anchors import ci_place
from opslint.repo.examples import ROOT_MODULE, SAM_APP
from opslint.repo.pipelines import (
    FLAVOUR_NAMES,
    SKIP_IAC,
    ci_texts,
    flavours_present,
    judged_units,
    validated_flavours,
)
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

SUGGESTIONS = {
    "terraform": "`terraform fmt -check`, `terraform validate`, `tflint` or `checkov`",
    "cloudformation": (
        "`cfn-lint`, `sam validate`, `cfn-guard validate` (`cdk synth` for a CDK app)"
    ),
}


"""A SAM application, assumed by the examples about the repository around it."""


class IacValidatedInCi(Rule):
    id = "OPS05-BP02/iac-validated-in-ci"
    title = "A CI definition validates every IaC flavour in the repository"
    severity = Severity.WARNING
    related = ("OPS06-BP02",)
    options = (SKIP_IAC,)
    docs = Docs(
        what=(
            "Looks at the IaC flavours the repository holds (Terraform; CloudFormation and "
            "SAM) and at its CI definitions — `.github/workflows/*.yml`, `.gitlab-ci.yml`, "
            "`buildspec*.yml`, `Jenkinsfile`, `azure-pipelines.yml`, "
            "`bitbucket-pipelines.yml`, `.circleci/config.yml`, `.buildkite/pipeline.yml`, "
            "`.drone.yml`, Concourse pipelines (YAML with `jobs` and their `plan`, in a "
            "`ci/`, `concourse/` or `pipelines/` folder or named `*pipeline*.yml`), "
            "`atlantis.yaml`, `.spacelift/config.yml`, Amplify's `amplify.yml` — and checks "
            "that some CI definition runs a validator for each flavour: `terraform "
            "fmt/validate/plan/test`, `tflint`, `tfsec`, `terragrunt plan` for Terraform; "
            "`cfn-lint`, `sam validate`, `cfn-guard`, `aws cloudformation validate-template` "
            "or a change set, `taskcat`, `cfn_nag`, and for a CDK app `cdk synth` (or `cdk "
            "diff`, `cdk deploy`) for CloudFormation; `checkov`, `trivy`, "
            "`kics` or `opslint` for both. Atlantis, Spacelift and root modules run by "
            'Terraform Cloud (a `cloud {}` block or `backend "remote"`) plan every change '
            "and count for Terraform. What a CI definition runs one step away is read with "
            "it: the hooks of `.pre-commit-config.yaml` when it runs `pre-commit`; the "
            "Makefile of each `make` (`make lint` the root one, `make -C infra lint` and "
            "`cd infra && make lint` the one in `infra/`) with the scripts its targets call; "
            "shell scripts of the repository a CI step calls (`./ci/validate.sh`); local "
            "actions it uses (`uses: ./.github/actions/x`); a Concourse pipeline's task files "
            "and their scripts. CI definitions in "
            "`skip_paths` folders (a sample `buildspec.yml` under `examples/`) do not count. "
            "A reusable workflow or Concourse task of another repository whose path names "
            "the flavour (`uses: org/terraform-workflows/.github/workflows/ci.yml@v1`, "
            "`file: pipeline-tasks/terraform-apply.yml`) counts: its steps are out of sight. "
            "The finding points at the CI definition that already names the flavour's "
            "tools, else at the repository's single CI file (`.gitlab-ci.yml`, "
            "`Jenkinsfile`...), else at the `.github/workflows` folder where a workflow "
            "would be added (see docs/repository-findings.md)."
        ),
        why=(
            "OPS05-BP02 asks you to test and validate changes before they reach an "
            "environment, and OPS06-BP02 to test deployments. Infrastructure code is code: a "
            "syntax error, a removed argument or an invalid template should fail a pull "
            "request in seconds, not a deployment halfway through."
        ),
        fix=(
            "Add a CI job that runs on every pull request, for example a GitHub Actions "
            "workflow with `terraform fmt -check -recursive`, `terraform init -backend=false` "
            "and `terraform validate`, or `cfn-lint templates/**/*.yaml` / `sam validate "
            "--lint` for CloudFormation and SAM."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    "# .github/workflows/ci.yml\non: pull_request\njobs:\n  test:\n"
                    "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
                    "      - run: pytest"
                ),
                passing=(
                    "# .github/workflows/ci.yml\non: pull_request\njobs:\n  terraform:\n"
                    "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
                    "      - uses: hashicorp/setup-terraform@v3\n"
                    "      - run: terraform fmt -check -recursive\n"
                    "      - run: terraform init -backend=false && terraform validate"
                ),
                syntax="github-workflow",
                given={"infra/main.tf": ROOT_MODULE},
            ),
            Example(
                "cloudformation",
                failing="# buildspec.yml\nphases:\n  build:\n    commands:\n      - make test",
                passing=(
                    "# buildspec.yml\nphases:\n  install:\n    commands:\n"
                    "      - pip install cfn-lint\n  build:\n    commands:\n"
                    "      - cfn-lint templates/*.yaml"
                ),
                syntax="buildspec",
                given={"templates/app.yaml": SAM_APP},
            ),
        ),
        cautions=(
            "CI defined outside the repository (organisation-level pipelines, a shared "
            "Jenkins job, Terraform Cloud runs triggered by the VCS) is invisible: suppress "
            "the finding with a reason naming it. Commands hidden in scripts that CI calls "
            "beyond one level (a script calling another script, a Makefile target calling "
            "`make -C sub`) are not followed; "
            "name the tool in the CI file or suppress. "
            "IaC in folders matched by `skip_paths` (examples, samples, tests, fixtures, "
            "docs) does not count, and `paths` filters of monorepo workflows are not evaluated."
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(flavours_present(judged_units(repo)))

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        skip: list[str] = ctx.option("skip_paths")
        present = flavours_present(judged_units(repo, skip))
        validated = validated_flavours(repo, skip)
        ci_count = len(ci_texts(repo, skip))
        for flavour in sorted(present):
            if flavour in validated:
                continue
            if ci_count == 0:
                found = "the repository has no CI definition"
            elif ci_count == 1:
                found = "its only CI definition does not validate it"
            else:
                found = f"none of its {ci_count} CI definitions validates it"
            yield self.file_violation(
                ci_place(repo, skip, [flavour]),
                f"{FLAVOUR_NAMES[flavour]} code is not validated in CI ({found}): run "
                f"{SUGGESTIONS[flavour]} on every change",
                key=flavour,
            )
