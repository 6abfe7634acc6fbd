"""Generate ``opslint/data/taggable.json``: which resource types carry tags, and where.

* Terraform: from the hashicorp/aws provider schema (``terraform providers schema -json``);
  a type is taggable iff its block has both ``tags`` and ``tags_all`` (the provider's own
  definition of tagging support).
* CloudFormation: from the registry schemas cfn-lint bundles (us-east-1): the ``tagging``
  object (``taggable``, ``tagProperty``), else the deprecated top-level ``taggable``, else
  "has a ``Tags`` property"; types whose tag property does not exist are skipped.

Usage (the schema is produced with the provider mirror when not given)::

    python scripts/generate_taggability.py [--schema schema.json] [--mirror /opt/tf-plugins]

The exceptions that are not in the schemas (``aws_autoscaling_group`` tag blocks, tag-only
resources, SAM types) live in ``opslint/aws/tagging.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "opslint" / "data" / "taggable.json"
PROVIDER = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "5.100.0"
REGION = "us-east-1"


def provider_schema(mirror: Path, terraform: str = "terraform") -> dict[str, Any]:
    """``terraform providers schema -json`` for hashicorp/aws from a filesystem mirror."""
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        (root / "main.tf").write_text(
            "terraform {\n  required_providers {\n"
            f'    aws = {{ source = "hashicorp/aws", version = "{PROVIDER_VERSION}" }}\n'
            "  }\n}\n",
            encoding="utf-8",
        )
        (root / "terraformrc").write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path = "{mirror.as_posix()}"\n  }}\n'
            '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n',
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(root / "terraformrc"),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
        subprocess.run(
            [terraform, "init", "-backend=false", "-input=false", "-no-color"],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [terraform, "providers", "schema", "-json"],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )
        schema: dict[str, Any] = json.loads(out.stdout)
        return schema


def terraform_taggable(schema: dict[str, Any]) -> list[str]:
    """Resource types with both ``tags`` and ``tags_all``."""
    resources = schema["provider_schemas"][PROVIDER]["resource_schemas"]
    return sorted(
        name
        for name, body in resources.items()
        if {"tags", "tags_all"} <= set(body["block"].get("attributes", {}))
    )


def cloudformation_tag_property(schema: dict[str, Any]) -> str | None:
    """The tag property of one registry schema (``Tags``, ``BackupVaultTags``,
    ``TagSpecifications/*/Tags``), or None when the type is not taggable."""
    properties = schema.get("properties", {})
    tagging = schema.get("tagging")
    if isinstance(tagging, dict):
        if not tagging.get("taggable", True):
            return None
        pointer = str(tagging.get("tagProperty") or "/properties/Tags")
    elif "taggable" in schema:
        if not schema["taggable"]:
            return None
        pointer = "/properties/Tags"
    else:
        pointer = "/properties/Tags"
    prefix = "/properties/"
    if not pointer.startswith(prefix):
        return None
    path = pointer[len(prefix) :]
    # Lightsail types claim taggable but expose no tag property: skip them
    if path.split("/", 1)[0] not in properties:
        return None
    return path


def cloudformation_taggable() -> dict[str, list[str]]:
    """Tag property → taggable types, from cfn-lint's bundled schemas."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    by_property: dict[str, list[str]] = {}
    for name in sorted(PROVIDER_SCHEMA_MANAGER.get_resource_types(REGION)):
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, name).schema
        path = cloudformation_tag_property(schema)
        if path is not None:
            by_property.setdefault(path, []).append(name)
    return dict(sorted(by_property.items()))


def generate(schema: dict[str, Any]) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "source": {
            "terraform": f"hashicorp/aws {PROVIDER_VERSION} provider schema (tags and tags_all)",
            "cloudformation": f"cfn-lint {version('cfn-lint')} registry schemas ({REGION})",
        },
        "terraform": terraform_taggable(schema),
        "cloudformation": cloudformation_taggable(),
    }


def render(data: dict[str, Any]) -> str:
    """Compact but diff-friendly: one type per line."""
    return json.dumps(data, indent=0, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", type=Path, help="output of terraform providers schema -json")
    parser.add_argument("--mirror", type=Path, default=Path("/opt/tf-plugins"))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.schema:
        schema = json.loads(args.schema.read_text(encoding="utf-8"))
    else:
        schema = provider_schema(args.mirror)
    data = generate(schema)
    args.output.write_text(render(data), encoding="utf-8")
    counts = sum(len(v) for v in data["cloudformation"].values())
    print(
        f"{args.output}: {len(data['terraform'])} Terraform types, {counts} CloudFormation types",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
