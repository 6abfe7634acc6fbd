"""Run opslint over a folder of repositories and report, per repository, what went wrong:
crashes (exit 2, a traceback), hangs (over the timeout), parse errors, skipped files, and
the time and peak memory each scan took; also whether the scan wrote into the repository.
Not part of the test suite; run it on purpose:

    python bench/corpus.py FOLDER [--timeout 300] [--jobs 2]

Each direct subfolder of FOLDER is one repository, scanned with its own folder as the
working directory (``opslint check . --format json``). Exit status 1 when any repository
crashed, hung or was written to.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "wall = time.perf_counter() - t\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
    "print(f'@@ {wall} {peak} {done.returncode}', file=sys.stderr)\n"
)
"""Times the scan and measures the peak memory of that child alone."""


def run_bounded(command: list[str], cwd: Path, timeout: float) -> tuple[int | None, str]:
    """Exit code and standard error of ``command``; None when it ran past ``timeout``, after
    its whole process group (parser workers too) was killed."""
    with subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return None, ""
        return process.returncode, stderr


@dataclass
class Outcome:
    repository: str
    status: str = "ok"
    """``ok``, ``crash``, ``hang`` or ``wrote``."""
    exit_code: int | None = None
    seconds: float = 0.0
    peak_mib: float = 0.0
    files: int = 0
    findings: int = 0
    engine: Counter[str] = field(default_factory=Counter)
    """Engine findings by code (``parse-error``, ``file-too-large``, ...)."""
    detail: str = ""


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file below ``root``."""
    seen = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            seen[path] = (info.st_size, info.st_mtime_ns)
    return seen


def scan(repository: Path, timeout: float, jobs: int) -> Outcome:
    outcome = Outcome(repository.name)
    before = snapshot(repository)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-c",
            WRAPPER,
            sys.executable,
            "-m",
            "opslint",
            "check",
            ".",
            "--format",
            f"json:{report}",
            "--jobs",
            str(jobs),
        ]
        code, stderr = run_bounded(command, repository, timeout)
        measured = [line for line in stderr.splitlines() if line.startswith("@@ ")]
        if code is None or not measured:
            outcome.status = "hang" if code is None else "crash"
            outcome.detail = f"no result within {timeout:.0f} s" if code is None else stderr[:200]
            outcome.seconds = timeout if code is None else 0.0
            return outcome
        wall, peak, exit_code = measured[-1].split()[1:]
        outcome.seconds, outcome.peak_mib = float(wall), float(peak)
        outcome.exit_code = int(exit_code)
        messages = [line for line in stderr.splitlines() if not line.startswith("@@ ")]
        if outcome.exit_code not in (0, 1) or "Traceback" in stderr:
            outcome.status = "crash"
            outcome.detail = messages[0] if messages else f"exit {outcome.exit_code}"
        if report.exists():
            document = json.loads(report.read_text(encoding="utf-8"))
            outcome.files = document["summary"]["files"]
            outcome.findings = len(document["findings"])
            outcome.engine.update(
                f["rule_id"].removeprefix("opslint/")
                for f in document["findings"]
                if f["rule_id"].startswith("opslint/")
            )
    if snapshot(repository) != before:
        outcome.status = "wrote"
        outcome.detail = "the scan changed files in the repository"
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, help="a folder whose subfolders are repositories")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per repository")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    repositories = sorted(p for p in args.folder.iterdir() if p.is_dir())
    header = (
        f"{'repository':<48} {'status':<6} {'exit':>4} {'files':>6} {'findings':>8} "
        f"{'parse err':>9} {'skipped':>7} {'seconds':>8} {'MiB':>6}"
    )
    print(header)
    print("-" * len(header))
    outcomes = []
    for repository in repositories:
        outcome = scan(repository, args.timeout, args.jobs)
        outcomes.append(outcome)
        skipped = outcome.engine["file-too-large"] + outcome.engine["not-checked"]
        print(
            f"{outcome.repository[:48]:<48} {outcome.status:<6} "
            f"{'' if outcome.exit_code is None else outcome.exit_code:>4} {outcome.files:>6} "
            f"{outcome.findings:>8} {outcome.engine['parse-error']:>9} {skipped:>7} "
            f"{outcome.seconds:>8.2f} {outcome.peak_mib:>6.0f}"
        )
        if outcome.detail:
            print(f"    {outcome.detail}")
    total = Counter(o.status for o in outcomes)
    engine: Counter[str] = Counter()
    for outcome in outcomes:
        engine.update(outcome.engine)
    seconds = sum(o.seconds for o in outcomes)
    print(
        f"\n{len(outcomes)} repositories: {total['ok']} ok, {total['crash']} crashed, "
        f"{total['hang']} hung, {total['wrote']} wrote to the tree; "
        f"{sum(o.files for o in outcomes)} files in {seconds:.1f} s"
    )
    if engine:
        print("engine findings: " + ", ".join(f"{k} {v}" for k, v in sorted(engine.items())))
    return 1 if total["crash"] or total["hang"] or total["wrote"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
