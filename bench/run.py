"""Benchmark opslint: files per second and peak memory on a synthetic repository, and the
single-file (pre-commit) case. Not part of the test suite; run it on purpose:

    python bench/run.py [--modules 200 --templates 100 --jobs 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate


def measure(args: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB (of this child alone) and the exit code."""
    script = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "wall = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(f'{wall} {peak} {code}', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, sys.executable, "-m", "opslint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    wall, peak, code = done.stderr.strip().splitlines()[-1].split()
    return float(wall), float(peak), int(code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=200)
    parser.add_argument("--templates", type=int, default=100)
    parser.add_argument("--resources", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.modules, args.templates, args.resources)
        files = sum(1 for p in root.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
        print(
            f"corpus: {args.modules} modules, {args.templates} templates, "
            f"{files} files, {size:.1f} MB"
        )
        out = ["--format", "json", "--output", os.devnull]
        for jobs in sorted({1, args.jobs}):
            wall, peak, code = measure(["check", ".", "--jobs", str(jobs), *out], root)
            print(
                f"full scan, --jobs {jobs}: {wall:.2f} s, {files / wall:.0f} files/s, "
                f"peak {peak:.0f} MiB, exit {code}"
            )
        one_tf = "terraform/service-0000/main.tf"
        wall, peak, code = measure(["check", one_tf, *out], root)
        print(f"single .tf file (pre-commit): {wall:.2f} s, peak {peak:.0f} MiB, exit {code}")
        one_cfn = "stacks/stack-0000/template.yaml"
        wall, peak, code = measure(["check", one_cfn, *out], root)
        print(f"single template (pre-commit): {wall:.2f} s, peak {peak:.0f} MiB, exit {code}")
        wall, peak, code = measure(["rules"], root)
        print(f"startup (`opslint rules`): {wall:.2f} s, peak {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
