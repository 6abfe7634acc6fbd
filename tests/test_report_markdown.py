"""``--format markdown``: exact reports, escaping of hostile text, the comment size budget."""

from __future__ import annotations

import re
from html import escape as escape_html

import pytest
from conftest import FIXTURES, REPO

from opslint.cli import main
from opslint.config import Config
from opslint.model import Finding, Severity
from opslint.registry import Registry, load_registry
from opslint.report import markdown, render
from opslint.report.markdown import code, escape, inline
from opslint.result import PracticeResult, Result
from opslint.runner import run

LOG_FAIL = FIXTURES / "OPS08-BP02/log-group-retention/terraform-fail"
RULE = "OPS08-BP02/log-group-retention"
DOCS = "https://docs.example/"
HOSTILE = (
    "x|<img src=x onerror=alert(1)>",
    "`a`",
    "[link](javascript:alert(1))",
    "**b** _i_ ~~s~~ $x$ \\| \\",
    "line1\nline2\r\n| a | b |",
    "@octocat #123 a@b.com",
    "<!-- --> <script>x</script> &amp; &#124;",
    "https://evil.example www.evil.example",
    "</details><details open>",
)
TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td"}


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def finding(
    rule_id: str,
    severity: Severity,
    path: str,
    line: int,
    end_line: int,
    message: str,
    resource: str = "",
) -> Finding:
    practice_id = rule_id.split("/")[0] if rule_id.startswith("OPS") else ""
    return Finding(
        rule_id=rule_id,
        practice_id=practice_id,
        severity=severity,
        path=path,
        line=line,
        end_line=end_line,
        message=message,
        resource=resource,
    )


def practice(
    id: str, title: str, area: str, status: str, *rules: str, url: str = ""
) -> PracticeResult:
    findings = 2 if status == "failing" else 0
    url = url or DOCS + id.lower()
    return PracticeResult(id, title, area, "section", url, status, rules, findings)


def hand_built() -> Result:
    """Every status and area, an engine finding, hostile titles, names, paths, URLs."""
    return Result(
        findings=(
            finding("opslint/parse-error", Severity.ERROR, "broken/main.tf", 4, 4, "bad `}`"),
            finding(
                RULE,
                Severity.WARNING,
                "logs/main.tf",
                7,
                9,
                "Log group `x|<img src=x onerror=alert(1)>` never expires",
                "x|<img src=x onerror=alert(1)>",
            ),
            finding(
                RULE,
                Severity.NOTE,
                "logs/[link](javascript:x).tf",
                2,
                2,
                "tag `owner` is `@platform` #12 **now**",
                "aws_x.y",
            ),
        ),
        practices=(
            practice("OPS02-BP02", "Identify owners", "Organization", "passing", "OPS02-BP02/a"),
            practice("OPS03-BP01", "Provide sponsorship", "Organization", "not automated"),
            practice("OPS04-BP05", "Tracing", "Prepare", "not selected", "OPS04-BP05/b"),
            practice("OPS05-BP01", "Versions", "Prepare", "not applicable", "OPS05-BP01/c", "d/e"),
            practice(
                "OPS08-BP02", "Logs | <b>x</b> @team", "Operate", "failing", RULE, url=DOCS + "(x)"
            ),
            practice("OPS11-BP01", "Improve", "Evolve", "not automated", url="javascript:x"),
        ),
        rules=(),
        files=3,
        units=2,
    )


HAND_BUILT = """\
## opslint: 3 findings (1 error, 1 warning, 1 note)

❌ **Failed**: findings at or above `warning`. Scanned 3 files (2 units) with 0 rules.

### Operational Excellence scorecard

❌ failing: 1 · ✅ passing: 1 · ➖ not applicable: 1 · ⏭️ not selected: 1 · ⬜ not automated: 2

#### Organization

| Practice | Title | Status | Rules | Findings |
| --- | --- | --- | --- | --- |
| OPS02-BP02 | [Identify owners](https://docs.example/ops02-bp02) | ✅ passing \
| `OPS02-BP02/a` | 0 |

<details>
<summary>1 practice not automated</summary>

| Practice | Title |
| --- | --- |
| OPS03-BP01 | [Provide sponsorship](https://docs.example/ops03-bp01) |

</details>

#### Prepare

| Practice | Title | Status | Rules | Findings |
| --- | --- | --- | --- | --- |
| OPS04-BP05 | [Tracing](https://docs.example/ops04-bp05) | ⏭️ not selected | `OPS04-BP05/b` | 0 |
| OPS05-BP01 | [Versions](https://docs.example/ops05-bp01) | ➖ not applicable \
| `OPS05-BP01/c`<br>`d/e` | 0 |

#### Operate

| Practice | Title | Status | Rules | Findings |
| --- | --- | --- | --- | --- |
| OPS08-BP02 | [Logs \\| &lt;b&gt;x&lt;/b&gt; @<!-- -->team](https://docs.example/%28x%29) \
| ❌ failing | `OPS08-BP02/log-group-retention` | 2 |

#### Evolve

<details>
<summary>1 practice not automated</summary>

| Practice | Title |
| --- | --- |
| OPS11-BP01 | Improve |

</details>

### Findings

#### opslint · input opslint could not read or check (1 finding)

| Location | Severity | Rule | Resource | Message |
| --- | --- | --- | --- | --- |
| [broken/main\\.tf\\:4](broken/main.tf#L4) | 🔴 error | `opslint/parse-error` | — | bad `}` |

#### OPS08-BP02 · [Logs \\| &lt;b&gt;x&lt;/b&gt; @<!-- -->team](https://docs.example/%28x%29) \
(2 findings)

| Location | Severity | Rule | Resource | Message |
| --- | --- | --- | --- | --- |
| [logs/main\\.tf\\:7](logs/main.tf#L7-L9) | 🟡 warning | `OPS08-BP02/log-group-retention` \
| `x\\|<img src=x onerror=alert(1)>` | Log group `x\\|<img src=x onerror=alert(1)>` never expires |
| [logs/\\[link\\]\\(javascript\\:x\\)\\.tf\\:2](logs/%5Blink%5D%28javascript%3Ax%29.tf#L2) \
| 🔵 note | `OPS08-BP02/log-group-retention` | `aws_x.y` \
| tag `owner` is `@platform` #<!-- -->12 \\*\\*now\\*\\* |
"""

FIXTURE_HEAD = """\
## opslint: 4 findings (0 error, 4 warning, 0 note)

❌ **Failed**: findings at or above `warning`. Scanned 1 file (1 unit) with 1 rule.

### Operational Excellence scorecard

❌ failing: 1 · ✅ passing: 0 · ➖ not applicable: 0 · ⏭️ not selected: 0 · ⬜ not automated: 66

"""
LOGS_URL = (
    "https://docs.aws.amazon.com/wellarchitected/latest/framework/"
    "ops_workload_observability_analyze_workload_logs.html"
)
FIXTURE_OPERATE = f"""\
#### Operate

| Practice | Title | Status | Rules | Findings |
| --- | --- | --- | --- | --- |
| OPS08-BP02 | [Analyze workload logs]({LOGS_URL}) | ❌ failing | `{RULE}` | 4 |

<details>
<summary>11 practices not automated</summary>
"""
FIXTURE_FINDINGS = f"""\
### Findings

#### OPS08-BP02 · [Analyze workload logs]({LOGS_URL}) (4 findings)

| Location | Severity | Rule | Resource | Message |
| --- | --- | --- | --- | --- |
""" + "".join(
    f"| [fixtures/OPS08-BP02/log-group-retention/terraform-fail/main\\.tf\\:{line}]"
    f"(fixtures/OPS08-BP02/log-group-retention/terraform-fail/main.tf#{anchor}) "
    f"| 🟡 warning | `{RULE}` | `aws_cloudwatch_log_group.{name}` "
    f"| Log group `aws_cloudwatch_log_group.{name}` never expires\\: "
    "set `retention_in_days` \\(e\\.g\\. 30\\) |\n"
    for line, anchor, name in (
        (7, "L7-L9", "app"),
        (13, "L13", "zero"),
        (18, "L18", "from_variable"),
        (23, "L23", "both_branches"),
    )
)


def cells(row: str) -> list[str]:
    """A GFM table row's cells: split on pipes no backslash escapes."""
    assert row.startswith("| ") and row.endswith(" |"), row
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row[1:-1])]


def outside_code(text: str) -> str:
    """``text`` without its code spans (ours never hold a backtick), backslash escapes kept."""
    kept: list[str] = []
    in_code = escaped = False
    for char in text:
        if in_code:
            in_code = char != "`"
        elif escaped:
            kept.append(char)
            escaped = False
        elif char == "`":
            in_code = True
        else:
            kept.append(char)
            escaped = char == "\\"
    assert not in_code
    return "".join(kept)


def fixture_result() -> Result:
    everything = load_registry(entry_points=False)
    rule = everything.get(RULE)
    assert rule is not None
    # one rule only: the scorecard stays the same as rules are added
    return run([str(LOG_FAIL)], Registry((rule,)), Config(), jobs=1)


def test_hand_built_result_gives_exact_report() -> None:
    assert render(hand_built(), "markdown") == HAND_BUILT


def test_fixture_run_gives_exact_report() -> None:
    text = render(fixture_result(), "markdown")
    assert text.startswith(FIXTURE_HEAD + "#### Organization\n\n<details>\n")
    assert FIXTURE_OPERATE in text
    assert text.endswith(FIXTURE_FINDINGS)
    assert text.count("<details>") == text.count("</details>") == 4
    summaries = re.findall(r"<summary>(\d+) practices not automated</summary>", text)
    assert summaries == ["18", "24", "11", "13"]
    assert text == render(fixture_result(), "markdown")


def test_cli_writes_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(LOG_FAIL), "--select", RULE, "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("## opslint: 4 findings (0 error, 4 warning, 0 note)\n")
    assert out.endswith(FIXTURE_FINDINGS)


def test_no_findings() -> None:
    result = Result(findings=(), practices=(), rules=(), files=0, units=0)
    assert render(result, "markdown") == (
        "## opslint: 0 findings (0 error, 0 warning, 0 note)\n\n"
        "✅ **Passed**: no finding at or above `warning`. "
        "Scanned 0 files (0 units) with 0 rules.\n\n"
        "### Operational Excellence scorecard\n\n"
        "❌ failing: 0 · ✅ passing: 0 · ➖ not applicable: 0 · ⏭️ not selected: 0 · "
        "⬜ not automated: 0\n\n"
        "### Findings\n\n"
        "No findings.\n"
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("x|<img src=x onerror=alert(1)>", "x\\|&lt;img src=x onerror=alert\\(1\\)&gt;"),
        ("`a`", "\\`a\\`"),
        ("[link](javascript:alert(1))", "\\[link\\]\\(javascript\\:alert\\(1\\)\\)"),
        ("**b** _i_ ~~s~~ $x$", "\\*\\*b\\*\\* \\_i\\_ \\~\\~s\\~\\~ \\$x\\$"),
        ("a\\|b\\", "a\\\\\\|b\\\\"),
        ("line1\nline2\r\nline3\rend\x00", "line1 line2 line3 end "),
        ("@octocat #123", "@<!-- -->octocat #<!-- -->123"),
        ("&amp; &#124; <!-- -->", "&amp;amp; &amp;#<!-- -->124; &lt;!-- --&gt;"),
        ("www.evil.example https://x", "www\\.evil\\.example https\\://x"),
        ("{x}", "\\{x\\}"),
        ("plain words 42", "plain words 42"),
    ],
)
def test_escape(text: str, escaped: str) -> None:
    assert escape(text) == escaped


def test_code_and_inline() -> None:
    assert code("aws_x.y") == "`aws_x.y`"
    assert code("a|b<c>@d") == "`a\\|b<c>@d`"
    assert code("a`b") == "a\\`b"
    assert code(" ") == " "
    assert code("two\nlines") == "`two lines`"
    assert inline("set `x|y` to `1` (now)") == "set `x\\|y` to `1` \\(now\\)"
    assert inline("unpaired ` tick `x`") == "unpaired \\` tick \\`x\\`"
    assert inline("empty `` pair") == "empty \\`\\` pair"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_stays_in_its_cell(hostile: str) -> None:
    result = Result(
        findings=(
            finding(RULE, Severity.ERROR, f"dir/{hostile}.tf", 1, 2, hostile, hostile),
            finding(RULE, Severity.ERROR, "a.tf", 3, 3, f"m `{hostile}` m", hostile),
        ),
        practices=(practice("OPS08-BP02", hostile, "Operate", "failing", RULE, url=hostile),),
        rules=(),
        files=1,
        units=1,
    )
    text = render(result, "markdown")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 3 + 4  # scorecard: header, rule, 1 practice; findings: 2 more
    for row in rows:
        assert len(cells(row)) == 5, row
    # outside code spans: no tag but ours; no link but ours (files, http practice pages)
    prose = outside_code(text)
    for tag in re.findall(r"<[^>]*>", prose):
        assert tag in ("<details>", "</details>", "<summary>", "</summary>", "<br>", "<!-- -->")
    for target in re.findall(r"\]\(([^)]*)\)", prose):
        assert re.fullmatch(r"dir/[^ ]*\.tf#L1-L2|a\.tf#L3|https://evil\.example%20[^ ]*", target)


def test_hostile_text_renders_literally_with_cmark_gfm() -> None:
    """GitHub's own parser (cmark-gfm), when installed: five cells a row, no HTML
    but ours, every hostile string shown as text."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    for hostile in HOSTILE:
        result = Result(
            findings=(finding(RULE, Severity.ERROR, f"{hostile}.tf", 1, 1, hostile, hostile),),
            practices=(),
            rules=(),
            files=1,
            units=1,
        )
        html: str = cmarkgfm.github_flavored_markdown_to_html(
            render(result, "markdown"), options=cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE
        )
        rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
        assert [row.count("<td>") for row in rows[1:]] == [5], html
        tags = set(re.findall(r"</?([a-z0-9]+)", html))
        assert tags <= {"h2", "h3", "h4", "p", "strong", "code", "a"} | TABLE_TAGS, html
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert len(hrefs) == 1 and hrefs[0].endswith(".tf#L1"), html
        assert escape_html(hostile.replace("\r\n", " ").replace("\n", " ")) in html


def test_findings_beyond_the_budget_are_counted_not_shown() -> None:
    many = tuple(
        finding(RULE, Severity.WARNING, f"modules/m{i:04}/main.tf", i + 1, i + 1, "m " * 60, "r")
        for i in range(3000)
    )
    result = Result(findings=many, practices=(), rules=(), files=3000, units=3000)
    text = render(result, "markdown")
    assert len(text.encode("utf-8")) <= markdown.BUDGET
    shown = sum(1 for line in text.splitlines() if line.startswith("| [modules/"))
    assert 100 < shown < 3000
    assert text.endswith(
        f"\n\n_{3000 - shown} of 3000 findings not shown: this report stays under GitHub's "
        "comment size limit. Run `opslint check` or use `--format text` for all of them._\n"
    )


def test_budget_cuts_between_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    result = hand_built()
    full = render(result, "markdown")
    monkeypatch.setattr(markdown, "BUDGET", len(full.encode("utf-8")))
    assert render(result, "markdown") == full
    monkeypatch.setattr(markdown, "BUDGET", len(full.encode("utf-8")) - 1)
    cut = render(result, "markdown")
    assert len(cut.encode("utf-8")) <= markdown.BUDGET
    assert cut.endswith(
        "| 🟡 warning | `OPS08-BP02/log-group-retention` | `x\\|<img src=x onerror=alert(1)>` "
        "| Log group `x\\|<img src=x onerror=alert(1)>` never expires |\n\n"
        "_1 of 3 findings not shown: this report stays under GitHub's comment size limit. "
        "Run `opslint check` or use `--format text` for all of them._\n"
    )


def test_link_base_makes_absolute_links(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "check",
            str(LOG_FAIL),
            "--select",
            RULE,
            "--format",
            "markdown",
            "--link-base",
            "https://github.com/acme/infra/blob/0123abc/",
        ]
    )
    assert code == 1
    out = capsys.readouterr().out
    target = "https://github.com/acme/infra/blob/0123abc/fixtures/OPS08-BP02/"
    assert f"]({target}log-group-retention/terraform-fail/main.tf#L7-L9)" in out
