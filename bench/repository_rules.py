"""Time the repository view and the repository rules on an existing folder.

    python bench/repository_rules.py PATH [--repeat R]

Runs a scan of PATH (run from PATH's parent or anywhere) with the repository rules only,
and prints the best of R runs of: building the repository view (reading CI definitions,
scripts, Makefiles, Concourse candidates), running the repository rules, and the whole
scan (parsing included). CPU time of this process; wall time grows with the machine's load.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

RULES = (
    "OPS02-BP02/codeowners-cover-infrastructure",
    "OPS05-BP02/iac-validated-in-ci",
    "OPS05-BP07/iac-linted",
    "OPS05-BP08/multiple-environments",
    "OPS05-BP10/deployment-pipeline-as-code",
    "OPS07-BP05/ci-deploy-environment",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import opslint.runner as runner
    from opslint.config import Config
    from opslint.registry import load_registry

    registry = load_registry(entry_points=False)
    spent: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **k: Any) -> Any:
            start = time.process_time()
            try:
                return function(*a, **k)
            finally:
                spent[name] = time.process_time() - start

        return wrapper

    for name, attribute in (
        ("repository view", "build_repository"),
        ("repository rules", "run_repository_rules"),
    ):
        setattr(runner, attribute, timed(name, getattr(runner, attribute)))
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        _clear_caches()
        start = time.process_time()
        runner.run([args.path], registry, Config(select=RULES), jobs=1)
        spent["whole scan"] = time.process_time() - start
        for name, seconds in spent.items():
            best[name] = min(best.get(name, seconds), seconds)
    for name in ("repository view", "repository rules", "whole scan"):
        print(f"{name:>17}: {best[name] * 1000:8.0f} ms CPU")


def _clear_caches() -> None:
    """Forget parsed YAML between runs (each run must pay for its own parsing)."""
    try:
        from opslint.repo.ci_systems import load_yaml
    except ImportError:  # before the Concourse support
        return
    load_yaml.cache_clear()


if __name__ == "__main__":
    main()
