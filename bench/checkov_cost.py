"""Cost of ``--checkov``: a plain opslint run, ``opslint check --checkov``, checkov alone on
the mapped checks and checkov alone with all its checks, on one repository. Not part of the
test suite; run it on purpose (needs checkov: ``OPSLINT_CHECKOV`` or on PATH):

    python bench/checkov_cost.py PATH [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

from opslint.checkov.mapping import load_mapping
from opslint.checkov.scan import OFFLINE_ENVIRONMENT, checkov_arguments, checkov_command


def best_of(command: list[str], repeat: int) -> tuple[float, float, int]:
    """Fastest wall time and CPU time (user + system, of the command and its children) in
    seconds over ``repeat`` runs, and the exit code. CPU time is the steadier figure on a
    busy machine."""
    walls, cpus = [], []
    code = 0
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            command, capture_output=True, env={**os.environ, **OFFLINE_ENVIRONMENT}, check=False
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        code = done.returncode
    return min(walls), min(cpus), code


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    checkov = checkov_command()
    if checkov is None:
        sys.exit("checkov is needed (OPSLINT_CHECKOV or on PATH)")
    opslint = [sys.executable, "-m", "opslint", "check", args.path, "--format", "json"]
    mapped = sorted(load_mapping())
    everything = [
        *checkov,
        "--directory",
        args.path,
        "--framework",
        "terraform",
        "terraform_plan",
        "cloudformation",
        "--output",
        "json",
        "--skip-download",
    ]
    runs = {
        "opslint (plain)": opslint,
        "opslint --checkov": [*opslint, "--checkov"],
        "checkov alone, mapped checks": [*checkov, *checkov_arguments([args.path], mapped)],
        "checkov alone, all checks": everything,
    }
    for name, command in runs.items():
        wall, cpu, code = best_of(command, args.repeat)
        print(f"{name:<32} wall {wall:7.2f} s  cpu {cpu:7.2f} s  (exit {code})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
