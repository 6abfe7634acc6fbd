"""``--format html``: structure, escaping of hostile text, links, excerpts, determinism,
self-containment and contrast. The rendering in a real browser is tested in
``test_report_html_browser.py``."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, FIXTURES, REPO

from opslint.cli import main
from opslint.config import Config
from opslint.model import Finding, Severity, Suppression
from opslint.registry import load_registry
from opslint.report import ReportOptions, html, render
from opslint.result import PracticeResult, Result
from opslint.runner import run

LOG_FAIL = FIXTURES / "OPS08-BP02/log-group-retention/terraform-fail"
RULE = "OPS08-BP02/log-group-retention"
MAIN_TF = "fixtures/OPS08-BP02/log-group-retention/terraform-fail/main.tf"
HOSTILE_RESOURCE = "<script>alert(1)</script>"
HOSTILE_MESSAGE = "bad </style><script>alert(2)</script> `</style>` & \"quotes\" 'x'"
VOID = {"meta", "br", "input", "col", "img", "hr", "link", "wbr"}


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


class Page(HTMLParser):
    """Parses a page, checks that every element closes in order, collects text and tags."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts = 0
        self.feed(page)
        self.close()
        assert self.stack == [], f"unclosed elements: {self.stack}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all_text(self) -> str:
        return "".join(self.text)

    def with_class(self, tag: str, css: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and css in (a.get("class") or "").split()]


def finding(
    rule_id: str,
    severity: Severity,
    path: str,
    line: int,
    message: str,
    resource: str = "",
    **more: Any,
) -> Finding:
    practice_id = rule_id.split("/")[0] if rule_id.startswith("OPS") else ""
    return Finding(rule_id, practice_id, severity, path, line, line, message, resource, **more)


def hand_built(**changes: Any) -> Result:
    practices = (
        PracticeResult(
            "OPS08-BP02",
            "Analyze workload logs </td><b>",
            "Operate",
            "Observability",
            "https://docs.example/logs",
            "failing",
            (RULE,),
            2,
        ),
        PracticeResult(
            "OPS11-BP01",
            "Improve",
            "Evolve",
            "Continuous improvement",
            "javascript:x",
            "not automated",
            (),
            0,
        ),
    )
    result = Result(
        findings=(
            finding("opslint/parse-error", Severity.ERROR, "broken/main.tf", 4, "bad `}`"),
            finding(RULE, Severity.WARNING, "logs/main.tf", 7, HOSTILE_MESSAGE, HOSTILE_RESOURCE),
            finding(RULE, Severity.NOTE, 'logs/"><img src=x>.tf', 2, "ctrl \x1b[31m \u202e \udcff"),
        ),
        practices=practices,
        rules=(),
        files=3,
        units=2,
        suppressed=(
            finding(
                RULE,
                Severity.WARNING,
                "audit/main.tf",
                3,
                "audit log never expires",
                "aws_cloudwatch_log_group.audit",
                suppression=Suppression(
                    "inSource", "kept for <b>auditors</b>", "audit/main.tf:2", "2027-03-31"
                ),
            ),
        ),
        baselined=(finding(RULE, Severity.WARNING, "old/main.tf", 9, "legacy group", "aws_x.old"),),
        baseline=".opslint-baseline.json",
    )
    return replace(result, **changes)


def examples_result() -> Result:
    return run([str(EXAMPLES)], load_registry(), Config(), root=str(EXAMPLES))


# --- structure -----------------------------------------------------------------------------


def test_examples_report_has_every_practice_and_finding() -> None:
    result = examples_result()
    page = Page(render(result, "html"))
    rows = [a for t, a in page.tags if t == "tr" and "data-status" in a]
    assert len(rows) == 67 == len(result.practices)
    assert [r["data-status"] for r in rows] == [p.status for p in result.practices]
    assert len(page.with_class("li", "finding")) == len(result.findings) > 0
    assert [a["data-severity"] for a in page.with_class("li", "finding")] == [
        f.severity.value for f in _by_practice_then_rule(result)
    ]
    text = page.all_text()
    for item in result.findings:
        assert f"{item.path}:{item.line}" in text
    # every practice title links to its AWS documentation
    hrefs = {a.get("href") for t, a in page.tags if t == "a"}
    assert {p.url for p in result.practices} <= hrefs
    # one area section per area, in the pillar's order
    assert [a["data-area"] for a in page.with_class("section", "area")] == [
        "Organization",
        "Prepare",
        "Operate",
        "Evolve",
    ]
    assert page.scripts == 1
    # every link inside the page has a target
    ids = {a["id"] for _, a in page.tags if a.get("id")}
    fragments = {h[1:] for h in hrefs if h and h.startswith("#")}
    assert fragments and fragments <= ids, fragments - ids


def _by_practice_then_rule(result: Result) -> list[Finding]:
    order = {p.id: index for index, p in enumerate(result.practices)}
    return sorted(
        result.findings,
        key=lambda f: (order.get(f.practice_id, -1), f.rule_id),  # stable: keeps path order
    )


def test_scorecard_row_names_status_counts_and_rules() -> None:
    page = render(hand_built(), "html")
    row = re.search(r'<tr data-status="failing".*?</tr>', page)
    assert row is not None
    assert (
        '<span class="status fail">✗ failing</span>' in row[0]
    )  # a symbol and a word: colour is never the only signal
    assert re.findall(r'<td class="n[^"]*">(?:<a [^>]*>)?(\d*)', row[0]) == ["0", "1", "1"]
    assert f'<code class="rid idle" title="{RULE}">…/log-group-retention' in row[0]
    manual = re.search(r'<tr data-status="not automated".*?</tr>', page)
    assert manual is not None and "Improve" in manual[0] and "javascript" not in manual[0]


def test_findings_are_grouped_by_practice_engine_first() -> None:
    page = render(hand_built(), "html")
    ids = re.findall(r'<section class="practice" id="([^"]+)"', page)
    assert ids == ["practice-opslint", "practice-ops08-bp02"]
    assert "input opslint could not read or check" in page


def test_fix_of_each_rule_is_shown_with_its_findings() -> None:
    result = run([str(LOG_FAIL)], load_registry(), Config(select=(RULE,)))
    page = render(result, "html")
    (rule,) = result.rules
    assert f'<p class="fix"><strong>How to fix:</strong> {html.inline(rule.docs.fix)}</p>' in page
    assert page.count('<li class="finding"') == 4


def test_source_excerpt_shows_the_lines_around_a_finding() -> None:
    result = run([str(LOG_FAIL)], load_registry(), Config(select=(RULE,)))
    first = result.findings[0]
    assert (first.path, first.line) == (MAIN_TF, 7)
    excerpt = html._Sources().excerpt(first)
    lines = LOG_FAIL.joinpath("main.tf").read_text(encoding="utf-8").splitlines()
    numbers = [int(n) for n in re.findall(r'<span class="ln">\s*(\d+)</span>', excerpt)]
    last = min(first.end_line, first.line + html.SPAN_LINES - 1)
    assert numbers[0] == first.line - html.CONTEXT_LINES
    assert numbers[-1] in (last, last + html.CONTEXT_LINES)
    hits = re.findall(r'<span class="hit"><span class="ln">\s*(\d+)</span> ([^<]*)</span>', excerpt)
    assert hits[0] == ("7", html.text(lines[6]))


def test_excerpt_of_a_long_span_is_cut_and_long_lines_too(tmp_path: Path) -> None:
    source = tmp_path / "big.tf"
    source.write_text("\n".join(["x" * 500, *(f"line {n}" for n in range(2, 40))]), "utf-8")
    long_span = Finding(RULE, "OPS08-BP02", Severity.WARNING, str(source), 1, 30, "m")
    excerpt = html._Sources().excerpt(long_span)
    assert "x" * html.LINE_CHARS + " …" in excerpt and "x" * (html.LINE_CHARS + 1) not in excerpt
    assert f"… {30 - html.SPAN_LINES} more lines" in excerpt
    assert html._Sources().excerpt(replace(long_span, path=str(tmp_path / "gone.tf"))) == ""
    assert html._Sources().excerpt(replace(long_span, path=str(tmp_path))) == ""
    assert html._Sources().excerpt(replace(long_span, line=99, end_line=99)) == ""


# --- safety --------------------------------------------------------------------------------


def test_hostile_values_are_text() -> None:
    page = render(hand_built(), "html")
    parsed = Page(page)  # balanced: nothing from the scan opened or closed an element
    assert parsed.scripts == 1
    assert page.count("<script>") == 1 and page.count("</style>") == 1
    assert page.count("<style>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/style&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<code>&lt;/style&gt;</code>" in page
    assert "&quot;&gt;&lt;img src=x&gt;.tf" in page and "<img" not in page
    assert "kept for &lt;b&gt;auditors&lt;/b&gt;" in page
    assert "Analyze workload logs &lt;/td&gt;&lt;b&gt;" in page
    # controls, bidirectional overrides and lone surrogates are visible escapes
    assert "ctrl \\x1b[31m \\u202e \\xff" in page  # a name byte that was not UTF-8
    page.encode("utf-8")  # nothing left that UTF-8 cannot encode
    text = parsed.all_text()
    assert HOSTILE_RESOURCE in text and "</style>" in text


def test_only_http_urls_become_links() -> None:
    assert html.link("t", "javascript:alert(1)") == "t"
    assert html.link("<t>", 'https://x.example/"q') == (
        '<a href="https://x.example/&quot;q">&lt;t&gt;</a>'
    )


def test_page_is_self_contained() -> None:
    page = render(examples_result(), "html")
    parsed = Page(page)
    assert not [t for t, _ in parsed.tags if t in ("link", "img", "iframe", "object", "embed")]
    assert not [a for t, a in parsed.tags if t == "script" and "src" in a]
    assert "url(" not in html.STYLE and "@import" not in html.STYLE
    assert "@font-face" not in html.STYLE
    hrefs = [a.get("href") or "" for t, a in parsed.tags if t == "a"]
    assert all(h.startswith(("#", "https://docs.aws.amazon.com/")) for h in hrefs), hrefs


def test_content_security_policy_allows_only_the_page_script() -> None:
    digest = base64.b64encode(hashlib.sha256(html.SCRIPT.encode("utf-8")).digest()).decode()
    page = render(hand_built(), "html")
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert f"<script>{html.SCRIPT}</script>" in page


# --- links, accepted findings, undecided checks --------------------------------------------


def test_locations_link_under_link_base_only() -> None:
    result = hand_built()
    plain = render(result, "html")
    assert 'class="loc"' in plain and '<a class="loc"' not in plain
    linked = render(result, "html", ReportOptions(link_base="https://github.com/o/r/blob/abc/"))
    assert '<a class="loc" href="https://github.com/o/r/blob/abc/logs/main.tf#L7">' in linked
    assert 'href="https://github.com/o/r/blob/abc/logs/%22%3E%3Cimg%20src%3Dx%3E.tf#L2"' in linked
    ignored = render(result, "html", ReportOptions(link_base="javascript:alert(1)//"))
    assert "javascript" not in ignored


def test_suppressed_and_baselined_findings_are_shown_apart_with_reasons() -> None:
    page = render(hand_built(), "html")
    start, end = page.index('<section id="suppressed"'), page.index('<section id="baselined"')
    suppressed = page[start:end]
    assert "audit/main.tf:3" in suppressed and "audit log never expires" in suppressed
    assert "audit/main.tf:2 · until 2027-03-31" in suppressed
    baselined = page[page.index('<section id="baselined"') :]
    assert "old/main.tf:9" in baselined and "recorded in <code>.opslint-baseline.json" in baselined
    findings = page[page.index('<section id="findings"') : page.index('<section id="suppressed"')]
    assert "audit/main.tf" not in findings and "old/main.tf" not in findings
    assert '<a href="#suppressed">Suppressed (1)</a>' in page


def test_without_baseline_or_suppressions_no_such_sections() -> None:
    page = render(hand_built(suppressed=(), baselined=(), baseline=None), "html")
    assert 'id="suppressed"' not in page and 'id="baselined"' not in page


@dataclass(frozen=True)
class UndecidedCheck:
    rule_id: str
    path: str
    line: int
    resource: str
    unknown: str


@dataclass(frozen=True)
class UndecidedWithoutLine:
    rule_id: str
    path: str
    resource: str
    unknown: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return {
            "rule_id": self.rule_id,
            "path": self.path,
            "resource": self.resource,
            "unknown": self.unknown,
            "why": self.why,
        }


@dataclass(frozen=True)
class ResultWithUndecided(Result):
    undecided: tuple[UndecidedCheck | UndecidedWithoutLine, ...] = ()


def test_undecided_checks_are_listed_and_counted_per_practice() -> None:
    base = hand_built()
    result = ResultWithUndecided(
        **{name: getattr(base, name) for name in base.__dataclass_fields__},
        undecided=(UndecidedCheck(RULE, "logs/vars.tf", 3, "aws_x.<y>", "var.retention"),),
    )
    page = render(result, "html")
    assert '<a class="status undecided" href="#undecided">? 1 undecided</a>' in page
    section = page[page.index('<section id="undecided"') :]
    assert "logs/vars.tf:3" in section and "<code>aws_x.&lt;y&gt;</code>" in section
    assert "<td><code>var.retention</code></td>" in section
    assert 'value="undecided"' not in page  # no practice has that status to filter by
    practices = tuple(replace(p, status="undecided") for p in base.practices[:1])
    with_status = render(replace(base, practices=practices + base.practices[1:]), "html")
    assert '<span class="status undecided">? undecided</span>' in with_status
    assert '<input type="checkbox" name="status" value="undecided" checked>' in with_status
    other = UndecidedWithoutLine(RULE, "a.tf", "", "module.x.days", "not followed")
    listed = render(replace(result, undecided=(other,)), "html")
    assert "<td>a.tf</td><td>—</td><td>unknown: module.x.days; why: not followed</td>" in listed
    plain = render(base, "html")
    assert plain.count("undecided") == html.STYLE.count("undecided")  # only the stylesheet


# --- determinism and the command line ------------------------------------------------------


def test_output_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    for out in (first, second):
        code = main(["check", str(EXAMPLES), "--format", f"html:{out}", "--fail-on", "error"])
        assert code == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text("utf-8").startswith("<!DOCTYPE html>")


# --- contrast (WCAG AA) --------------------------------------------------------------------

TEXT_PAIRS = (
    ("fg", "bg"),
    ("muted", "bg"),
    ("muted", "soft"),
    ("link", "bg"),
    ("fail", "bg"),
    ("fail", "fail-bg"),
    ("pass", "pass-bg"),
    ("warn", "bg"),
    ("warn", "warn-bg"),
    ("note", "bg"),
    ("note", "note-bg"),
    ("undecided", "undecided-bg"),
    ("na", "na-bg"),
    ("fg", "hit"),
    ("muted", "hit"),
)


def _palettes() -> tuple[dict[str, str], dict[str, str]]:
    light_block, dark_block = re.findall(r":root\{(.*?)\}", html.STYLE, re.DOTALL)
    light = dict(re.findall(r"--([\w-]+):(#[0-9a-f]{6})", light_block))
    dark = {**light, **dict(re.findall(r"--([\w-]+):(#[0-9a-f]{6})", dark_block))}
    return light, dark


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_text_colours_meet_wcag_aa(scheme: str, fg: str, bg: str) -> None:
    palette = _palettes()[scheme == "dark"]
    ratio = contrast(palette[fg], palette[bg])
    assert ratio >= 4.5, f"{scheme}: --{fg} on --{bg} is {ratio:.2f}:1"


def test_html_to_standard_output_with_link_base(capsys: pytest.CaptureFixture[str]) -> None:
    base = "https://github.com/o/r/blob/abc/"
    code = main(["check", str(LOG_FAIL), "--select", RULE, "--format", "html", "--link-base", base])
    assert code == 1
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert page.count('<li class="finding"') == 4
    assert f'<a class="loc" href="{base}{MAIN_TF}#L7-L9">{MAIN_TF}:7</a>' in page
