"""OPS05-BP07/iac-linted: infrastructure code that CI validates is also linted."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opslint.model import Repository, Severity
from opslint.repo.anchors import ci_place
from opslint.repo.pipelines import (
    _REMOTE_WORKFLOW,
    FLAVOUR_NAMES,
    SKIP_IAC,
    VALIDATORS,
    ci_texts,
    flavours_present,
    judged_units,
    validated_flavours,
)
from opslint.rule import Docs, Example, RepositoryContext, Rule, Violation

_TF = r"(?:terraform|tofu)"
_META = r"\b(?:oxsecurity/megalinter|(?:github|super-linter)/super-linter)\b"
_SCANNERS = r"\b(?:checkov|trivy|kics|opslint)\b"
LINTERS: dict[str, tuple[re.Pattern[str], ...]] = {
    "terraform": (
        re.compile(rf"\b{_TF}['\"]?\s+fmt\b"),
        re.compile(r"\b(?:tflint|tfsec|terrascan)\b"),
        re.compile(r"\bterraform_(?:fmt|fmt_py|tflint|checkov|trivy|tfsec)\b"),
        re.compile(r"\bdflook/(?:terraform|tofu)-fmt-check\b"),
        re.compile(r"\bterragrunt\s+hclfmt\b[^\n]*--terragrunt-check"),
        re.compile(_SCANNERS),
        re.compile(_META),
        re.compile(_REMOTE_WORKFLOW.format(r"(?:terraform|tofu)")),
    ),
    "cloudformation": (
        re.compile(r"\bcfn[-_](?:python-)?lint\b"),
        re.compile(r"\bsam\s+validate\b[^\n]*--lint\b"),
        re.compile(r"\bcfn[-_](?:guard|nag)\b"),
        re.compile(_SCANNERS),
        re.compile(_META),
        re.compile(_REMOTE_WORKFLOW.format(r"(?:cloudformation|cfn|sam)")),
    ),
}
SUGGESTIONS = {
    "terraform": "`terraform fmt -check`, `tflint`, `checkov` or `trivy config`",
    "cloudformation": "`cfn-lint`, `sam validate --lint`, `cfn-guard` or `checkov`",
}


class IacLinted(Rule):
    id = "OPS05-BP07/iac-linted"
    title = "Infrastructure code that CI validates is also linted"
    severity = Severity.NOTE
    related = ("OPS05-BP02",)
    options = (SKIP_IAC,)
    docs = Docs(
        what=(
            "For each IaC flavour that a CI definition validates (see "
            "OPS05-BP02/iac-validated-in-ci), checks that something also lints or formats "
            "it before merge: `terraform fmt` (with `-check`, or followed by a diff check), "
            "`tflint`, `tfsec`, `terrascan`, the "
            "pre-commit-terraform hooks (`terraform_fmt`, `terraform_tflint`, "
            "`terraform_checkov`, ...) or `dflook/terraform-fmt-check` for Terraform; "
            "`cfn-lint`, `sam validate --lint`, `cfn-guard` or `cfn_nag` for CloudFormation "
            "and SAM; `checkov`, `trivy`, `kics`, `opslint`, MegaLinter or super-linter for "
            "both. The repository's CI definitions, the scripts and local actions they run, "
            "and `.pre-commit-config.yaml` (local hooks count, even when CI does not run them) "
            "are read. A flavour that is validated only by `terraform validate`/`plan`, "
            "`sam validate` without `--lint`, `aws cloudformation validate-template` or a "
            "change set gets a note on the CI file that validates it. A flavour nothing "
            "validates is left to OPS05-BP02/iac-validated-in-ci."
        ),
        why=(
            "OPS05-BP07 asks you to implement practices that improve code quality. "
            "Validation only proves the code parses and references exist; linters catch "
            "invalid instance types, deprecated arguments, insecure settings and "
            "inconsistent formatting in review, before they reach a deployment."
        ),
        fix=(
            "Add a linter next to the validation step, for example `tflint --recursive` or "
            "`cfn-lint templates/**/*.yaml`, or the matching pre-commit hooks."
        ),
        cautions=(
            "Linters run by an organisation-level required workflow or the pre-commit.ci "
            "service are invisible here: suppress the finding with a reason. Commands in "
            "Makefile targets or scripts beyond one level are not followed."
        ),
        examples=(
            Example(
                "terraform",
                failing=(
                    "# .github/workflows/ci.yml\non: pull_request\njobs:\n  terraform:\n"
                    "    runs-on: ubuntu-latest\n    steps:\n"
                    "      - run: terraform init -backend=false && terraform validate"
                ),
                passing=(
                    "# .github/workflows/ci.yml\non: pull_request\njobs:\n  terraform:\n"
                    "    runs-on: ubuntu-latest\n    steps:\n"
                    "      - run: terraform fmt -check -recursive\n"
                    "      - run: terraform init -backend=false && terraform validate\n"
                    "      - uses: terraform-linters/setup-tflint@v4\n"
                    "      - run: tflint --recursive"
                ),
                syntax="github-workflow",
                given={"main.tf": 'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}\n'},
            ),
            Example(
                "cloudformation",
                failing="# buildspec.yml\nphases:\n  build:\n    commands:\n      - sam validate",
                passing=(
                    "# buildspec.yml\nphases:\n  build:\n    commands:\n      - sam validate --lint"
                ),
                syntax="buildspec",
                given={"template.yaml": "Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n"},
            ),
        ),
    )

    def applies_to_repository(self, repo: Repository) -> bool:
        return bool(flavours_present(judged_units(repo)))

    def check_repository(self, repo: Repository, ctx: RepositoryContext) -> Iterator[Violation]:
        skip: list[str] = ctx.option("skip_paths")
        present = flavours_present(judged_units(repo, skip))
        validated = validated_flavours(repo, skip)
        texts = ci_texts(repo, skip)
        pre_commit = repo.contents.get(repo.display(".pre-commit-config.yaml"), "")
        for flavour in sorted(present):
            if flavour not in validated:
                continue
            linters = LINTERS[flavour]
            if any(p.search(t) for t in (*texts.values(), pre_commit) for p in linters):
                continue
            validating = [
                path
                for path, text in sorted(texts.items())
                if any(p.search(text) for p in VALIDATORS[flavour])
            ]
            if not texts:
                continue  # validated by Terraform Cloud runs: their checks are out of sight
            where = validating[0] if validating else ci_place(repo, skip, [flavour])
            line = _line_of(repo.contents.get(where, ""), VALIDATORS[flavour])
            yield self.file_violation(
                where,
                f"{FLAVOUR_NAMES[flavour]} code is validated but not linted: "
                f"`{repo.relative(where)}` checks that it parses, nothing checks its quality; add "
                f"{SUGGESTIONS[flavour]}",
                line=line,
                key=flavour,
            )


def _line_of(text: str, patterns: tuple[re.Pattern[str], ...]) -> int:
    """The line of the first validator in the CI file's own text (1 when it is elsewhere:
    a script, a local action)."""
    found = [m.start() for p in patterns for m in [p.search(text)] if m]
    return text.count("\n", 0, min(found)) + 1 if found else 1
