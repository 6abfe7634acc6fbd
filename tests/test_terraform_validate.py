"""Every Terraform fixture and example module passes ``terraform validate`` against the real
hashicorp/aws provider (5.100.0 from the filesystem mirror).

Validating a module costs ~2 s of provider start-up, so all modules are validated at once:
a generated root module calls each of them as a child module, and ``terraform validate``
checks every child. Required variables are passed ``null`` (valid for nullable variables).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, FIXTURES, provider_mirror_or_skip, terraform_or_skip

pytestmark = pytest.mark.slow
"""End to end with real tools: deselect with ``-m "not slow"`` for a fast inner loop."""

PROVIDER_VERSION = "5.100.0"


def terraform_modules() -> list[Path]:
    dirs = {p.parent for root in (FIXTURES, EXAMPLES) for p in root.rglob("*.tf")}
    dirs |= {p.parent for root in (FIXTURES, EXAMPLES) for p in root.rglob("*.tf.json")}
    return sorted(d for d in dirs if ".terraform" not in d.parts)


def required_variables(module: Path) -> list[str]:
    import hcl2

    names: list[str] = []
    for path in sorted(module.glob("*.tf")):
        document = hcl2.loads(path.read_text(encoding="utf-8-sig"))
        for block in document.get("variable", []):
            for name, body in block.items():
                if "default" not in body:
                    names.append(name.strip('"'))
    for path in sorted(module.glob("*.tf.json")):
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        for name, body in (document.get("variable") or {}).items():
            if "default" not in body:
                names.append(name)
    return names


def where(diagnostic: dict[str, Any]) -> str:
    location = diagnostic.get("range", {})
    return f"{location.get('filename', '?')}:{location.get('start', {}).get('line', '?')}"


def test_terraform_modules_validate(tmp_path: Path) -> None:
    terraform = terraform_or_skip()
    mirror = provider_mirror_or_skip()
    modules = terraform_modules()
    assert modules
    root = tmp_path / "root"
    root.mkdir()
    lines = [
        "terraform {",
        "  required_providers {",
        f'    aws = {{ source = "hashicorp/aws", version = "{PROVIDER_VERSION}" }}',
        "  }",
        "}",
        'provider "aws" {',
        '  region = "us-east-1"',
        "}",
    ]
    names = {}
    for index, module in enumerate(modules):
        name = f"m{index}"
        names[name] = module
        source = os.path.relpath(module, root)
        lines.append(f'module "{name}" {{')
        lines.append(f'  source = "{Path(source).as_posix()}"')
        lines.extend(f"  {variable} = null" for variable in required_variables(module))
        lines.append("}")
    (root / "main.tf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{mirror.as_posix()}"\n  }}\n'
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n'
        "}\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }
    init = subprocess.run(
        [terraform, "init", "-backend=false", "-input=false", "-no-color"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    validate = subprocess.run(
        [terraform, "validate", "-json", "-no-color"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(validate.stdout)
    problems = [
        f"{where(d)}: {d['summary']}: {d.get('detail', '')}"
        for d in report.get("diagnostics", [])
        if d["severity"] == "error"
    ]
    assert report["valid"] and not problems, "\n".join(problems)
