"""checkov's own catalogue of Terraform and CloudFormation checks (``checkov --list``).

``python -m opslint.checkov.catalogue --refresh`` copies each mapped check's title, resource
types and definition link from the installed checkov into the mapping data;
``python -m opslint.checkov.catalogue --missing`` lists mapped IDs checkov no longer has.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path

from opslint.checkov.mapping import (
    DATA_FILE,
    DATA_PACKAGE,
    MappedCheck,
    load_mapping,
    render_mapping_json,
)
from opslint.checkov.scan import INSTALL_HINT, OFFLINE_ENVIRONMENT, CheckovError, checkov_command
from opslint.model import Framework

IAC_FRAMEWORKS: Mapping[str, Framework] = {
    "Terraform": "terraform",
    "Cloudformation": "cloudformation",
}


@dataclass
class CatalogueEntry:
    title: str
    link: str
    resource_types: dict[Framework, list[str]] = field(default_factory=dict)


def parse_list(text: str) -> dict[str, CatalogueEntry]:
    """Check ID → title, definition link and resource types per framework, from the table
    ``checkov --list`` prints (``| n | Id | Type | Entity | Policy | IaC | Resource Link |``)."""
    found: dict[str, CatalogueEntry] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) < 8 or not cells[2].startswith("CKV"):
            continue
        check_id, entity, title, iac, link = cells[2], cells[4], cells[5], cells[6], cells[7]
        framework = IAC_FRAMEWORKS.get(iac)
        if framework is None:
            continue
        entry = found.setdefault(check_id, CatalogueEntry(title, link))
        types = entry.resource_types.setdefault(framework, [])
        if entity not in types:
            types.append(entity)
    return found


def installed_checks() -> dict[str, CatalogueEntry]:
    """Every Terraform and CloudFormation check of the checkov opslint would run."""
    command = checkov_command()
    if command is None:
        raise CheckovError(f"checkov is needed: {INSTALL_HINT}")
    done = subprocess.run(
        [*command, "--list", "--framework", "terraform", "cloudformation"],
        capture_output=True,
        env={**os.environ, **OFFLINE_ENVIRONMENT},
        check=False,
    )
    found = parse_list(done.stdout.decode("utf-8", errors="replace"))
    if not found:
        raise CheckovError(f"`checkov --list` listed no checks (exit code {done.returncode})")
    return found


def refreshed(
    mapping: Mapping[str, MappedCheck], catalogue: Mapping[str, CatalogueEntry]
) -> dict[str, MappedCheck]:
    """The mapping with titles, resource types and links from ``catalogue``."""
    out = {}
    for check_id, check in mapping.items():
        entry = catalogue.get(check_id)
        if entry is None:
            out[check_id] = check
            continue
        out[check_id] = replace(
            check,
            title=entry.title,
            link=entry.link,
            resource_types={k: tuple(sorted(v)) for k, v in sorted(entry.resource_types.items())},
        )
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    catalogue = installed_checks()
    mapping = load_mapping()
    missing = sorted(set(mapping) - set(catalogue))
    for check_id in missing:
        sys.stderr.write(f"{check_id}: not in the installed checkov\n")
    if "--refresh" in args:
        target = Path(str(files(DATA_PACKAGE).joinpath(DATA_FILE)))
        target.write_text(render_mapping_json(refreshed(mapping, catalogue)), encoding="utf-8")
        print(target)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
