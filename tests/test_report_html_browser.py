"""The HTML report in a real browser: headless Chromium loads it from a file, as a reader
opening a CI artifact would. No console message (a script error, a blocked resource, a
Content-Security-Policy violation), every practice and finding in the rendered DOM, filters
that work, a page that reads fully with scripts off, a scorecard that prints on one A4 page,
and a screenshot kept with the test's temporary files (not committed).

Skipped without Chromium; in CI (``OPSLINT_REQUIRE_CHROMIUM``, set by .ci/run) it must run.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, REPO, chromium_or_skip

from opslint.config import Config
from opslint.registry import load_registry
from opslint.report import render
from opslint.result import Result
from opslint.runner import run

CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]? ?(.*)")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Browser:
    binary: str
    profile: Path

    def run(self, page: Path, *flags: str) -> tuple[str, list[str]]:
        """Loads ``page``; returns standard output and the console messages Chromium logged."""
        done = subprocess.run(
            [
                self.binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
                f"--user-data-dir={self.profile}",
                *flags,
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        console = [m[1] for line in done.stderr.splitlines() if (m := CONSOLE.search(line))]
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout, console

    def dom(self, page: Path, *flags: str) -> str:
        dom, console = self.run(page, "--dump-dom", *flags)
        assert console == [], f"console messages: {console}"
        return dom


@pytest.fixture
def browser(tmp_path: Path) -> Browser:
    return Browser(chromium_or_skip(), tmp_path / "profile")


@pytest.fixture(scope="module")
def examples() -> Result:
    return run([str(EXAMPLES)], load_registry(), Config(), root=str(EXAMPLES))


@pytest.fixture
def report(examples: Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)  # finding paths (and so the source excerpts) are relative to it
    path = tmp_path / "report.html"
    path.write_text(render(examples, "html"), encoding="utf-8")
    return path


def visible(dom: str, tag: str, css: str) -> list[str]:
    """Opening tags of ``tag`` elements with class ``css`` that are not ``hidden``."""
    tags = re.findall(rf'<{tag} class="{css}"[^>]*>', dom)
    return [t for t in tags if " hidden" not in t]


def test_console_capture_sees_errors(browser: Browser, tmp_path: Path) -> None:
    """The harness itself: a console error, an uncaught exception and a script blocked by
    the Content-Security-Policy are all seen (so their absence below means something)."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"script-src 'sha256-AAAA'\"></head><body>"
        '<script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    _, console = browser.run(page, "--dump-dom")
    assert any("Content Security Policy" in message for message in console), console
    page.write_text(
        '<!DOCTYPE html><html><body><script>console.error("boom"); missing();</script>',
        encoding="utf-8",
    )
    _, console = browser.run(page, "--dump-dom")
    assert any("boom" in m for m in console) and any("missing" in m for m in console), console


def test_report_renders_every_practice_and_finding(
    browser: Browser, report: Path, examples: Result
) -> None:
    dom = browser.dom(report)
    rows = re.findall(r'<tr data-status="([^"]+)" data-area="([^"]+)"', dom)
    assert len(rows) == 67
    assert [status for status, _ in rows] == [p.status for p in examples.practices]
    assert len(visible(dom, "li", "finding")) == len(examples.findings) > 0
    for finding in examples.findings:
        assert f"{finding.path}:{finding.line}" in dom
    # the script ran under the page's Content-Security-Policy: filters shown, count written
    assert '<form id="filters" class="filters" aria-label="Filters">' in dom
    total = len(examples.findings)
    assert f">Showing {total} of {total} findings</output>" in dom


def test_page_reads_fully_with_scripts_off(browser: Browser, report: Path) -> None:
    """Without its script (as with scripts off: Chromium's --dump-dom itself needs them)."""
    page = report.read_text("utf-8")
    report.write_text(re.sub(r"<script>.*?</script>", "", page, flags=re.DOTALL), "utf-8")
    dom = browser.dom(report)
    assert "<script" not in dom
    assert '<form id="filters" class="filters" hidden=""' in dom  # no controls that do nothing
    assert len(re.findall(r'<tr data-status="', dom)) == 67
    assert " hidden" not in dom.replace('class="filters" hidden=""', "")


def test_filters_hide_findings_by_severity_and_area(
    browser: Browser, report: Path, examples: Result
) -> None:
    """Unticks `warning` and picks the area Operate, as a reader would, then reads the DOM."""
    harness = (
        "(function () {"
        "var form = document.getElementById('filters');"
        "form.querySelector(\"input[value='warning']\").checked = false;"
        "form.elements.namedItem('area').value = 'Operate';"
        "form.dispatchEvent(new Event('change'));"
        "})();"
    )
    digest = base64.b64encode(hashlib.sha256(harness.encode()).digest()).decode()
    page = report.read_text("utf-8")
    page = page.replace("script-src '", f"script-src 'sha256-{digest}' '", 1)
    page = page.replace("</body>", f"<script>{harness}</script></body>")
    report.write_text(page, encoding="utf-8")
    dom = browser.dom(report)

    area = {p.id: p.area for p in examples.practices}
    expected = [
        f
        for f in examples.findings
        if f.severity.value != "warning" and area.get(f.practice_id) == "Operate"
    ]
    shown = visible(dom, "li", "finding")
    assert len(shown) == len(expected) > 0
    assert all('data-severity="warning"' not in tag for tag in shown)
    assert f">Showing {len(expected)} of {len(examples.findings)} findings</output>" in dom
    rows = re.findall(r'<tr data-status="[^"]+" data-area="([^"]+)"( hidden="")?', dom)
    assert {a for a, hidden in rows if not hidden} == {"Operate"}
    assert visible(dom, "section", "area") == [
        '<section class="area" data-area="Operate" aria-labelledby="area-operate">'
    ]


def test_screenshot_in_light_and_dark(browser: Browser, report: Path, tmp_path: Path) -> None:
    """Screenshots stay in the test's temporary folder (pytest keeps the last runs)."""
    shots = []
    for scheme, flags in (("light", ()), ("dark", ("--force-dark-mode",))):
        shot = tmp_path / f"report-{scheme}.png"
        _, console = browser.run(report, f"--screenshot={shot}", "--window-size=1280,1800", *flags)
        assert console == []
        data = shot.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 50_000  # a page, not a blank
        shots.append(data)
    assert shots[0] != shots[1]
    print(f"screenshots: {tmp_path}")


def test_scorecard_prints_on_one_a4_page(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report without findings prints the header and the scorecard on page 1; the
    (empty) findings start page 2."""
    monkeypatch.chdir(REPO)
    rule = "OPS08-BP02/log-group-retention"
    target = FIXTURES / rule / "terraform-pass"
    result = run([str(target)], load_registry(), Config(select=(rule,)))
    assert not result.findings
    page = tmp_path / "clean.html"
    page.write_text(render(result, "html"), encoding="utf-8")
    pdf = tmp_path / "clean.pdf"
    _, console = browser.run(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert console == []
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())
    assert len(pages) == 2


def test_docs_screenshot_script(browser: Browser, tmp_path: Path) -> None:
    """scripts/screenshot_report.py, which makes docs/html-report.png, still works."""
    shot = tmp_path / "html-report.png"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "screenshot_report.py"),
            "--chromium",
            browser.binary,
            "--output",
            str(shot),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    committed = REPO / "docs" / "html-report.png"
    assert committed.read_bytes().startswith(PNG_SIGNATURE)
    assert committed.stat().st_size < 400_000


HOSTILE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  "<script>alert(1)</script>":
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: "</style><b>bold</b><img src=x onerror=alert(2)>"
"""


def test_hostile_names_from_a_scan_stay_text(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template whose logical ID is `<script>` and whose source holds `</style>`: the
    browser shows them as text, runs no script of theirs and loads nothing."""
    scanned = tmp_path / "repo"
    scanned.mkdir()
    (scanned / "template.yaml").write_text(HOSTILE_TEMPLATE, encoding="utf-8")
    monkeypatch.chdir(scanned)
    result = run(["."], load_registry(), Config(select=("OPS08-BP02/log-group-retention",)))
    (finding,) = result.findings
    assert finding.resource == "<script>alert(1)</script>"
    page = tmp_path / "hostile.html"
    page.write_text(render(result, "html"), encoding="utf-8")
    dom = browser.dom(page)  # no console message: no script error, no blocked load
    assert dom.count("<script") == 1 and dom.count("<style") == 1
    assert "<b>bold" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "&lt;/style&gt;&lt;b&gt;bold&lt;/b&gt;&lt;img src=x onerror=alert(2)&gt;" in dom
