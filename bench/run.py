"""Benchmark opslint: files per second and peak memory on a synthetic repository, and the
single-file (pre-commit) case. Not part of the test suite; run it on purpose:

    python bench/run.py [--modules 200 --templates 100 --jobs 2] [--repeat 3]
    python bench/run.py --repo path/to/a/repository   # files per second on a real tree

Each figure is the best of ``--repeat`` runs: wall seconds, CPU seconds (user + system of
opslint and its worker processes, which a busy machine inflates far less than wall time) and
peak resident memory of the largest process.
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

Measure = tuple[float, float, float, int]


def measure(args: list[str], cwd: Path, repeat: int = 1) -> Measure:
    """Best wall seconds, best CPU seconds, peak RSS in MiB (of the largest process) and the
    exit code, over ``repeat`` runs."""
    script = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "wall = time.perf_counter() - t\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "cpu = usage.ru_utime + usage.ru_stime\n"
        "print(f'{wall} {cpu} {usage.ru_maxrss / 1024} {code}', file=sys.stderr)\n"
    )
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", script, sys.executable, "-m", "opslint", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
        )
        wall, cpu, peak, code = done.stderr.strip().splitlines()[-1].split()
        runs.append((float(wall), float(cpu), float(peak), int(code)))
    return (
        min(r[0] for r in runs),
        min(r[1] for r in runs),
        max(r[2] for r in runs),
        runs[-1][3],
    )


def _files(root: Path) -> tuple[int, float]:
    paths = [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]
    return len(paths), sum(p.stat().st_size for p in paths) / 1e6


def _line(label: str, result: Measure, files: int | None = None) -> str:
    wall, cpu, peak, code = result
    rate = f", {files / wall:.0f} files/s" if files else ""
    return f"{label}: {wall:.2f} s (cpu {cpu:.2f} s){rate}, peak {peak:.0f} MiB, exit {code}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=200)
    parser.add_argument("--templates", type=int, default=100)
    parser.add_argument("--resources", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--repo", type=Path, help="measure a scan of this folder instead")
    args = parser.parse_args()
    out = ["--format", "json", "--output", os.devnull]
    if args.repo is not None:
        root = args.repo.resolve()
        tf = sum(1 for p in root.rglob("*.tf") if ".terraform" not in p.parts)
        files, size = _files(root)
        print(f"repository: {root.name}, {files} files ({tf} .tf), {size:.1f} MB")
        for jobs in sorted({1, args.jobs}):
            result = measure(["check", ".", "--jobs", str(jobs), *out], root, args.repeat)
            print(_line(f"full scan, --jobs {jobs}", result, tf) + " (.tf files/s)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.modules, args.templates, args.resources)
        files, size = _files(root)
        print(
            f"corpus: {args.modules} modules, {args.templates} templates, "
            f"{files} files, {size:.1f} MB"
        )
        for jobs in sorted({1, args.jobs}):
            result = measure(["check", ".", "--jobs", str(jobs), *out], root, args.repeat)
            print(_line(f"full scan, --jobs {jobs}", result, files))
        one_tf = "terraform/service-0000/main.tf"
        result = measure(["check", one_tf, *out], root, args.repeat)
        print(_line("single .tf file (pre-commit)", result))
        one_cfn = "stacks/stack-0000/template.yaml"
        result = measure(["check", one_cfn, *out], root, args.repeat)
        print(_line("single template (pre-commit)", result))
        result = measure(["rules"], root, args.repeat)
        print(_line("startup (`opslint rules`)", result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
