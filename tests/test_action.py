"""The GitHub Action (`action.yml`), the example workflows and the pre-commit hook manifest.

Static checks: action-validator (SchemaStore schemas) on the action and every example
workflow; inputs reach shell scripts only through `env:`; every expression names a declared
input or an existing step output. Behaviour: the action's `run:` steps are executed the way
the runner does (`bash --noprofile --norc -eo pipefail`, with `GITHUB_OUTPUT`,
`GITHUB_STEP_SUMMARY`, `RUNNER_TEMP`, `GITHUB_ACTION_PATH`), the install step once for real.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, node_tool_or_skip

pytestmark = pytest.mark.slow
"""End to end with real tools: deselect with ``-m "not slow"`` for a fast inner loop."""

ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
DOCS = REPO / "docs" / "github.md"
WORKFLOWS = sorted((REPO / "docs" / "examples" / "workflows").glob("*.yml"))
PRE_COMMIT_CONFIG = REPO / "docs" / "examples" / "pre-commit-config.yaml"
# What `pip install` of opslint needs (the action installs its own checkout by default).
INSTALLABLE = ("pyproject.toml", "README.md", "opslint", "rules")

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
INPUT_REFERENCE = re.compile(r"\binputs\.([A-Za-z0-9_-]+)")
STEP_OUTPUT = re.compile(r"^\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*$")
INPUT_VARIABLE = re.compile(r"\$\{?(INPUT_[A-Za-z0-9_]+)")


def load_action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = load_action()["runs"]["steps"]
    return result


def run_steps() -> list[dict[str, Any]]:
    return [step for step in steps() if "run" in step]


def strings(node: object) -> Iterator[str]:
    """Every string value (not key) in a parsed YAML tree."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def env_name(input_name: str) -> str:
    return "INPUT_" + input_name.upper().replace("-", "_")


# --- action-validator ----------------------------------------------------------------------


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    """action-validator picks the schema by name: `action.yml`/`action.yaml` is an action,
    anything else a workflow."""
    return subprocess.run(
        [node_tool_or_skip("action-validator"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_action_passes_action_validator() -> None:
    result = validate(ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_there_are_example_workflows() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"opslint-pr.yml", "pre-commit.yml"} <= names


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_example_workflow_passes_action_validator(workflow: Path) -> None:
    result = validate(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_validator_rejects_a_broken_action(tmp_path: Path) -> None:
    """The validator really checks the schema (so a pass above means something)."""
    broken = tmp_path / "action.yml"
    broken.write_text(
        ACTION.read_text(encoding="utf-8").replace("using: composite", "using: compost"),
        encoding="utf-8",
    )
    assert validate(broken).returncode != 0
    no_shell = tmp_path / "other" / "action.yml"
    no_shell.parent.mkdir()
    no_shell.write_text(
        ACTION.read_text(encoding="utf-8").replace("shell: bash", "shel: bash"),
        encoding="utf-8",
    )
    assert validate(no_shell).returncode != 0


# --- inputs, expressions, outputs ------------------------------------------------------------


def test_no_run_script_contains_an_expression() -> None:
    """`${{ ... }}` inside `run:` is pasted into the script before bash parses it: script
    injection. Every value reaches the script through `env:`."""
    for step in run_steps():
        assert "${{" not in step["run"], f"step {step.get('name')!r} interpolates an expression"


def test_every_referenced_input_is_declared() -> None:
    action = load_action()
    declared = set(action["inputs"])
    referenced: set[str] = set()
    for step in steps():
        for key, value in step.items():
            if key == "run":
                continue
            for text in strings(value):
                # `if:` holds a bare expression; everything else uses ${{ }}
                sources = [text] if key == "if" else EXPRESSION.findall(text)
                for source in sources:
                    referenced.update(INPUT_REFERENCE.findall(source))
    assert referenced, "the action uses no input at all?"
    assert referenced <= declared, f"undeclared inputs: {sorted(referenced - declared)}"
    assert declared <= referenced, f"inputs never used: {sorted(declared - referenced)}"


def test_input_variables_in_scripts_come_from_the_steps_env() -> None:
    """Composite actions get no automatic INPUT_* variables: each one a script reads must be
    set in that step's `env:` to exactly its input."""
    declared = set(load_action()["inputs"])
    for step in run_steps():
        env: dict[str, str] = step.get("env", {})
        for variable in set(INPUT_VARIABLE.findall(step["run"])):
            assert variable in env, f"{variable} is read in {step['name']!r} but not set in env"
        for variable, value in env.items():
            if not variable.startswith("INPUT_"):
                continue
            match = re.fullmatch(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}", str(value))
            assert match, f"{variable}: {value!r} is not exactly one input"
            assert match[1] in declared
            assert env_name(match[1]) == variable, f"{variable} carries input {match[1]!r}"


def test_inputs_are_documented_and_outputs_are_written() -> None:
    action = load_action()
    for name, spec in action["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"
    by_id = {step["id"]: step for step in steps() if "id" in step}
    assert action["outputs"]
    for name, spec in action["outputs"].items():
        assert spec.get("description"), f"output {name} has no description"
        expression = EXPRESSION.fullmatch(spec["value"].strip())
        match = STEP_OUTPUT.match(expression[1]) if expression else None
        assert match, f"output {name}: {spec['value']!r} is not one step output"
        step = by_id[match[1]]
        assert re.search(rf"\b{re.escape(match[2])}(=|<<)", step["run"]), (
            f"step {match[1]!r} never writes output {match[2]!r}"
        )


def test_step_output_references_name_earlier_steps() -> None:
    seen: set[str] = set()
    for step in steps():
        for text in strings({k: v for k, v in step.items() if k != "run"}):
            for source in EXPRESSION.findall(text):
                for step_id in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)\.", source):
                    assert step_id in seen, f"{step.get('name')!r} reads step {step_id!r}"
        if "id" in step:
            seen.add(step["id"])


def test_run_scripts_are_valid_bash() -> None:
    bash = shutil.which("bash") or pytest.skip("bash is not installed")
    for step in run_steps():
        assert step["shell"] == "bash"
        result = subprocess.run(
            [bash, "-n"], input=step["run"], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, f"{step['name']}: {result.stderr}"


# --- documentation -------------------------------------------------------------------------


def without_leading_comments(text: str) -> str:
    lines = text.strip().splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip()


def test_docs_show_the_example_workflows_verbatim() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    for block in blocks:
        yaml.safe_load(block)  # every snippet is valid YAML
    shown = {without_leading_comments(block) for block in blocks}
    for workflow in WORKFLOWS:
        assert without_leading_comments(workflow.read_text(encoding="utf-8")) in shown, (
            f"docs/github.md does not show {workflow.name} as it is"
        )


# --- the pre-commit hook manifest ----------------------------------------------------------


def opslint_hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = [h for h in hooks if h["id"] == "opslint"]
    assert isinstance(hook, dict)
    return hook


def test_pre_commit_hook_manifest() -> None:
    hook = opslint_hook()
    assert hook["name"] == "opslint"
    assert hook["entry"] == "opslint check"
    assert hook["language"] == "python"
    assert hook.get("pass_filenames", True) is True


@pytest.mark.parametrize(
    "path",
    [
        "main.tf",
        "x.tf.json",
        "prod.tfvars",
        "envs/prod.tfvars.json",
        "template.yaml",
        "stacks/api.yml",
        "t.json",
        "stack.template",
        "infra/modules/queue/main.tf",
    ],
)
def test_pre_commit_hook_files_match(path: str) -> None:
    # pre-commit applies `files` with re.search to repository-relative POSIX paths
    assert re.search(opslint_hook()["files"], path)


@pytest.mark.parametrize(
    "path",
    ["main.py", "README.md", "terraform.tfstate", "main.tf.bak", "Dockerfile", "tf", "x.jsonl"],
)
def test_pre_commit_hook_files_do_not_match(path: str) -> None:
    assert not re.search(opslint_hook()["files"], path)


def pre_commit_or_skip() -> None:
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")


def test_pre_commit_validates_the_manifest_and_the_example_config() -> None:
    pre_commit_or_skip()
    for command, path in (("validate-manifest", HOOKS), ("validate-config", PRE_COMMIT_CONFIG)):
        result = subprocess.run(
            [sys.executable, "-m", "pre_commit", command, str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(PRE_COMMIT_CONFIG.read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert [hook["id"] for hook in repo["hooks"]] == ["opslint"]


# --- the action's steps, executed ----------------------------------------------------------


def parse_github_output(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` ... `DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            for item in lines:
                if item == delimiter:
                    break
                body.append(item)
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class StepRun:
    returncode: int
    output: str


@dataclass
class Runner:
    """Runs the action's `run:` steps like the GitHub runner does."""

    workspace: Path
    temp: Path
    action_path: Path
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def summary(self) -> Path:
        return self.temp / "step-summary.md"

    def expand(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match[1].strip()
            if expression.startswith("inputs."):
                return self.inputs[expression.removeprefix("inputs.")]
            step = STEP_OUTPUT.match(expression)
            assert step, f"the test runner does not evaluate {expression!r}"
            return self.outputs.get(step[1], {}).get(step[2], "")

        return EXPRESSION.sub(one, text)

    def run(self, step: dict[str, Any]) -> StepRun:
        output_file = self.temp / f"output-{len(self.outputs)}"
        output_file.write_text("", encoding="utf-8")
        env = {
            "PATH": str(Path(sys.executable).parent) + ":/usr/local/bin:/usr/bin:/bin",
            "HOME": str(Path.home()),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.temp),
            "NO_COLOR": "1",
        }
        env.update({k: self.expand(str(v)) for k, v in step.get("env", {}).items()})
        script = self.temp / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
        )
        if "id" in step:
            self.outputs[step["id"]] = parse_github_output(output_file.read_text("utf-8"))
        return StepRun(done.returncode, done.stdout)

    def action_outputs(self) -> dict[str, str]:
        return {name: self.expand(spec["value"]) for name, spec in load_action()["outputs"].items()}


def step_named(name: str) -> dict[str, Any]:
    (step,) = [s for s in steps() if s.get("name") == name]
    return step


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The install step, run for real once: a virtual environment under RUNNER_TEMP with
    opslint installed from the action's own checkout (a copy of the working tree)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    base = tmp_path_factory.mktemp("action")
    action_path = base / "action"
    action_path.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".lark_cache.bin")
    for name in (*INSTALLABLE, "action.yml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, action_path / name, ignore=ignore)
        else:
            shutil.copy2(source, action_path / name)
    temp = base / "runner-temp"
    temp.mkdir()
    inputs = {name: str(spec.get("default", "")) for name, spec in load_action()["inputs"].items()}
    runner = Runner(base, temp, action_path, inputs)
    # What actions/setup-python (update-environment: false) reports.
    runner.outputs["python"] = {"python-path": sys.executable}
    install = runner.run(step_named("Install opslint"))
    assert install.returncode == 0, install.output
    outputs = runner.outputs["install"]
    assert Path(outputs["python"]).is_file()
    assert re.search(r"^opslint \d", install.output, re.MULTILINE), install.output
    yield outputs
    # the virtual environment is ~170 MiB; pytest keeps the last few temporary folders
    shutil.rmtree(temp, ignore_errors=True)


LOG_GROUP = """\
# no retention: a warning
resource "aws_cloudwatch_log_group" "app" {
  name = "/app"
}
"""
LAMBDA = """\
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "worker.zip"
}
"""


@pytest.fixture
def action(installed: dict[str, str], tmp_path: Path) -> Runner:
    """A workspace with one Terraform warning (infra/) and a lambda without tracing
    (services/), and the action's defaults as inputs (but `args` selects two rules)."""
    workspace = tmp_path / "workspace"
    (workspace / "infra").mkdir(parents=True)
    (workspace / "infra" / "main.tf").write_text(LOG_GROUP, encoding="utf-8")
    (workspace / "services").mkdir()
    (workspace / "services" / "main.tf").write_text(LAMBDA, encoding="utf-8")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    inputs = {name: str(spec.get("default", "")) for name, spec in load_action()["inputs"].items()}
    # the two rules the scenarios are about, so rules added later cannot change them
    inputs["args"] = "--select OPS04-BP05,OPS08-BP02"
    runner = Runner(workspace, temp, REPO, inputs)
    runner.outputs["install"] = dict(installed)
    return runner


def run_and_apply(runner: Runner, **inputs: str) -> tuple[StepRun, StepRun]:
    runner.inputs.update({name.replace("_", "-"): value for name, value in inputs.items()})
    ran = runner.run(step_named("Run opslint"))
    applied = runner.run(step_named("Apply fail-on"))
    return ran, applied


def test_action_reports_and_fails_on_a_warning(action: Runner) -> None:
    ran, applied = run_and_apply(action, paths="infra")
    assert ran.returncode == 0, ran.output  # outputs are set by a step that succeeds
    assert "::warning file=infra/main.tf" in ran.output  # annotation
    outputs = action.action_outputs()
    assert outputs["exit-code"] == "1"
    assert outputs["findings"] == "1"
    assert outputs["sarif-file"] == "opslint.sarif"
    sarif = json.loads((action.workspace / "opslint.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"]
    report = json.loads(Path(outputs["json-file"]).read_text(encoding="utf-8"))
    assert [f["rule_id"] for f in report["findings"]] == ["OPS08-BP02/log-group-retention"]
    assert "OPS08-BP02" in action.summary.read_text(encoding="utf-8")  # job summary
    assert applied.returncode == 1
    assert "::error title=opslint::" in applied.output


def test_fail_on_error_lets_warnings_pass(action: Runner) -> None:
    ran, applied = run_and_apply(action, paths="infra", fail_on="error")
    assert ran.returncode == 0, ran.output
    assert action.action_outputs()["exit-code"] == "0"
    assert action.action_outputs()["findings"] == "1"
    assert applied.returncode == 0, applied.output


def test_fail_on_none_reports_without_failing(action: Runner) -> None:
    ran, applied = run_and_apply(action, paths="infra", fail_on="none")
    assert ran.returncode == 0, ran.output
    assert action.action_outputs()["exit-code"] == "1"
    assert applied.returncode == 0, applied.output


def test_several_paths_and_extra_args(action: Runner) -> None:
    ran, _ = run_and_apply(
        action, paths="infra\n  services\n", args="--select OPS04 --no-color", fail_on="error"
    )
    assert ran.returncode == 0, ran.output
    report = json.loads(Path(action.action_outputs()["json-file"]).read_text(encoding="utf-8"))
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [
        ("OPS04-BP02/lambda-log-group-managed", "services/main.tf"),
        ("OPS04-BP05/lambda-tracing", "services/main.tf"),
    ]


def test_inputs_cannot_inject_shell_code(action: Runner) -> None:
    ran, _ = run_and_apply(
        action,
        paths='infra $(touch injected-1) `touch injected-2` "; touch injected-3; " *',
        sarif_category="$(touch injected-4)",
        sarif_file="out-$(touch injected-5).sarif",
        fail_on="note",
    )
    assert ran.returncode == 0, ran.output
    assert not list(action.workspace.rglob("injected-*")), ran.output
    # every word reached opslint as a literal path, `*` unexpanded
    report = json.loads(Path(action.action_outputs()["json-file"]).read_text(encoding="utf-8"))
    missing = {f["path"] for f in report["findings"] if f["rule_id"] == "opslint/io-error"}
    assert {"$(touch", "`touch", '";', '"', "*"} <= missing, missing
    assert (action.workspace / "out-$(touch injected-5).sarif").is_file()

    ran, _ = run_and_apply(action, paths="infra", args="--no-color ; touch injected-6 && id")
    assert ran.returncode == 0, ran.output
    assert not list(action.workspace.rglob("injected-*")), ran.output


def test_an_opslint_error_fails_the_action_even_with_fail_on_none(action: Runner) -> None:
    ran, applied = run_and_apply(action, paths="infra", config="missing.yaml", fail_on="none")
    assert ran.returncode == 0, ran.output
    outputs = action.action_outputs()
    assert outputs["exit-code"] == "2"
    assert outputs["findings"] == ""
    assert outputs["sarif-file"] == ""
    assert outputs["json-file"] == ""
    assert applied.returncode == 2
    assert "::error title=opslint::opslint could not run" in applied.output


def test_an_invalid_fail_on_value_stops_the_run(action: Runner) -> None:
    ran, _ = run_and_apply(action, paths="infra", fail_on="sometimes")
    assert ran.returncode == 1
    assert "::error title=opslint::the fail-on input" in ran.output


def test_empty_sarif_file_writes_no_sarif(action: Runner) -> None:
    ran, _ = run_and_apply(action, paths="infra", sarif_file="", fail_on="none")
    assert ran.returncode == 0, ran.output
    assert action.action_outputs()["sarif-file"] == ""
    assert not list(action.workspace.glob("*.sarif"))


def test_html_report_is_written_and_uploaded(action: Runner) -> None:
    ran, _ = run_and_apply(action, paths="infra", html_file="report.html", fail_on="none")
    assert ran.returncode == 0, ran.output
    assert action.action_outputs()["html-file"] == "report.html"
    page = (action.workspace / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "infra/main.tf:2" in page
    upload = step_named("Upload the HTML report")
    assert upload["uses"].startswith("actions/upload-artifact@v")
    assert upload["with"]["path"] == "${{ steps.run.outputs.html-file }}"
    assert "steps.run.outputs.html-file != ''" in upload["if"]
    names = [step.get("name") for step in steps()]
    assert names.index("Upload the HTML report") < names.index("Apply fail-on")


def test_no_html_report_by_default(action: Runner) -> None:
    ran, _ = run_and_apply(action, paths="infra", fail_on="none")
    assert ran.returncode == 0, ran.output
    assert action.action_outputs()["html-file"] == ""
    assert not list(action.workspace.glob("*.html"))
