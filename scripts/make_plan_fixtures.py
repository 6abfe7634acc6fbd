"""Regenerate the Terraform plan JSON fixtures with the real Terraform CLI.

    python scripts/make_plan_fixtures.py

For each case in ``tests/data/plans/``: copy it to a temporary folder, ``terraform init``
against the hashicorp/aws provider in the filesystem mirror (``OPSLINT_TF_PLUGIN_MIRROR`` or
``/opt/tf-plugins``), ``terraform plan -refresh=false`` with the case's variables (the
provider block uses mock credentials, so nothing reaches AWS), and write ``terraform show
-json`` as the case's ``tfplan.json``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PLANS = Path(__file__).resolve().parent.parent / "tests" / "data" / "plans"
CASES: dict[str, tuple[str, ...]] = {
    # a child module and a variable given on the command line
    "module-and-var": ("-var", "days=0"),
}


def mirror() -> Path:
    for candidate in (os.environ.get("OPSLINT_TF_PLUGIN_MIRROR", ""), "/opt/tf-plugins"):
        if candidate and (Path(candidate) / "registry.terraform.io/hashicorp/aws").is_dir():
            return Path(candidate)
    raise SystemExit("no hashicorp/aws provider mirror (set OPSLINT_TF_PLUGIN_MIRROR)")


def make_plan(case: Path, arguments: tuple[str, ...], terraform: str = "terraform") -> str:
    """The ``terraform show -json`` text of a plan of ``case`` (made in a copy)."""
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "module"
        shutil.copytree(case, copy, ignore=shutil.ignore_patterns("tfplan.json", ".terraform*"))
        config = Path(work) / "cli.tfrc"
        installation = f'filesystem_mirror {{\n    path = "{mirror()}"\n  }}'
        config.write_text(f"provider_installation {{\n  {installation}\n}}\n", "utf-8")
        env = {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1"}
        run = [terraform, f"-chdir={copy}"]
        for step in (
            ["init", "-input=false", "-no-color"],
            ["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin", *arguments],
        ):
            subprocess.run([*run, *step], env=env, check=True, capture_output=True)
        shown = subprocess.run(
            [*run, "show", "-json", "plan.bin"], env=env, check=True, capture_output=True
        )
        return shown.stdout.decode("utf-8")


def main() -> int:
    for name, arguments in CASES.items():
        (PLANS / name / "tfplan.json").write_text(make_plan(PLANS / name, arguments), "utf-8")
        print(f"wrote {PLANS / name / 'tfplan.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
