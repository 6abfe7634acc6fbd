"""How large the HTML report of a repository is, how long it takes to render, and how long
headless Chromium takes to open it.

    python bench/html_report.py PATH [--chromium PATH] [--runs 3]

Scans PATH once (from PATH, as CI would), renders the HTML report, then loads it in
Chromium with a measuring script appended: the time from navigation start to the end of
parsing, the filter script and a forced layout of the whole page (``performance.now()``),
written into the DOM and read back with ``--dump-dom``. Also reports the wall time of a
``--screenshot`` run (browser start included) against an empty page.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEASURE = (
    "(function () {"
    "var h = document.documentElement.getBoundingClientRect().height;"
    "document.body.setAttribute('data-ms', performance.now().toFixed(0) + ' ' + h.toFixed(0));"
    "})();"
)


def chromium_run(binary: str, profile: str, *args: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    return subprocess.run(
        [binary, *flags, "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--chromium", default=shutil.which("chromium"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from opslint.config import load_config
    from opslint.registry import load_registry
    from opslint.report import render
    from opslint.runner import run

    root = args.path.resolve()
    os.chdir(root)
    config = load_config(None, Path("."))
    result = run(["."], load_registry(config.rules_dirs), config)
    start = time.perf_counter()
    page = render(result, "html")
    rendered = time.perf_counter() - start
    size = len(page.encode("utf-8"))
    print(f"{root.name}: {len(result.findings)} findings, {result.files} files")
    print(f"HTML: {size / 1e6:.2f} MB, rendered in {rendered * 1000:.0f} ms")
    if not args.chromium:
        print("no chromium: load time not measured")
        return 0
    digest = base64.b64encode(hashlib.sha256(MEASURE.encode()).digest()).decode()
    measured = page.replace("script-src '", f"script-src 'sha256-{digest}' '", 1)
    # after the page's own script: parsing, filters and layout are all done when it runs
    measured = measured.replace("</body>", f"<script>{MEASURE}</script></body>")
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.html"
        report.write_text(measured, encoding="utf-8")
        empty = Path(work) / "empty.html"
        empty.write_text("<!DOCTYPE html><title>empty</title>", encoding="utf-8")
        profile = str(Path(work) / "profile")
        loads = []
        height = 0
        for _ in range(args.runs):
            dom = chromium_run(args.chromium, profile, "--dump-dom", report.as_uri()).stdout
            found = re.search(r'data-ms="(\d+) (\d+)"', dom)
            assert found, "the measuring script did not run"
            loads.append(int(found[1]))
            height = int(found[2])
        print(f"Chromium: parsed, filtered and laid out in {min(loads)} ms (best of {args.runs};")
        print(f"  runs {loads}); page height {height} CSS px")

        def wall(page_path: Path) -> float:
            best = float("inf")
            for _ in range(args.runs):
                shot = Path(work) / "shot.png"
                begin = time.perf_counter()
                chromium_run(args.chromium, profile, f"--screenshot={shot}", page_path.as_uri())
                best = min(best, time.perf_counter() - begin)
            return best

        full, blank = wall(report), wall(empty)
        print(f"Screenshot run: {full:.2f} s (an empty page: {blank:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
