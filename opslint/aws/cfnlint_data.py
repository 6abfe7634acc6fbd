"""Data files that cfn-lint ships (stateful types, Lambda runtime lifecycle), read without
importing cfn-lint: its package ``__init__`` costs ~0.5 s, which a Terraform-only run (a
pre-commit hook) must not pay."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any


def additional_spec(name: str) -> Any:
    """``cfnlint/data/AdditionalSpecs/<name>``, parsed."""
    spec = importlib.util.find_spec("cfnlint")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cfn-lint is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return json.loads((folder / "data" / "AdditionalSpecs" / name).read_text(encoding="utf-8"))
