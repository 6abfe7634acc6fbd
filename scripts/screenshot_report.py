"""Regenerate docs/html-report.png: the HTML report of the example repository, as Chromium
shows it.

    python scripts/screenshot_report.py [--chromium PATH] [--output docs/html-report.png]

Runs ``opslint check examples/ --format html:report.html`` (in a temporary folder, from the
repository root so finding paths read ``examples/...``) and takes a headless screenshot of
the top of the page at a reduced scale, which keeps the PNG small.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WINDOW = (1280, 2300)
"""CSS pixels shown: the summary, the filters and the scorecard's first two areas."""
SCALE = 0.7


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=None, help="Chromium binary (default: on PATH)")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "html-report.png")
    args = parser.parse_args(argv)
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.stderr.write("chromium not found: apt-get install chromium, or pass --chromium\n")
        return 2
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.html"
        check = [sys.executable, "-m", "opslint", "check", "examples/"]
        subprocess.run(
            [*check, "--format", f"html:{report}", "--fail-on", "error"], cwd=REPO, check=True
        )
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                f"--user-data-dir={Path(work) / 'profile'}",
                f"--force-device-scale-factor={SCALE}",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                f"--screenshot={args.output.resolve()}",
                report.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    print(f"{args.output}: {args.output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
