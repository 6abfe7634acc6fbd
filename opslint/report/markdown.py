"""``--format markdown``: a report for ``$GITHUB_STEP_SUMMARY`` and pull request comments.

A title with the counts, the pillar scorecard by area (the practices no rule automates
folded into a ``<details>`` block per area), then the findings grouped by practice, engine
findings (unreadable input, crashed rules) first under ``opslint``.

Everything that comes from the scanned repository (paths, resource names, messages, which
quote attribute values) goes through :func:`escape`, or becomes a code span through
:func:`code`, so it renders as the literal text it is: it cannot end a table cell, open a
link, emphasis or code span, inject HTML, mention a user or team (``@team``) or reference
an issue (``#12``). Links to files are relative to the repository root
(``path#L7-L9``), as finding paths are in CI.

GitHub rejects comments over 65,536 characters; the report stays under :data:`BUDGET`
(counted in UTF-8 bytes, which is never less than GitHub's count) by leaving out the
findings that do not fit, and says how many it left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from urllib.parse import quote

from opslint import sanitize
from opslint.model import Finding, Severity
from opslint.report import ReportOptions
from opslint.result import PracticeResult, Result

BUDGET = 60_000
"""Most bytes of Markdown to produce: under GitHub's 65,536-character comment limit, with
room for a header a workflow adds (a marker comment, a title)."""
AREAS = ("Organization", "Prepare", "Operate", "Evolve")
STATUSES = {
    "failing": "❌ failing",
    "passing": "✅ passing",
    "not applicable": "➖ not applicable",
    "not selected": "⏭️ not selected",
    "not automated": "⬜ not automated",
}
SEVERITIES = {
    Severity.ERROR: "🔴 error",
    Severity.WARNING: "🟡 warning",
    Severity.NOTE: "🔵 note",
}
ENGINE_GROUP = "opslint"
FINDINGS_HEADER = (
    "| Location | Severity | Rule | Resource | Message |",
    "| --- | --- | --- | --- | --- |",
)

_BREAK = "<!-- -->"
"""An empty HTML comment after ``@`` and ``#``: GitHub finds mentions and issue references
after rendering, where a backslash escape is already gone; the comment splits the text."""
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "@": "@" + _BREAK,
    "#": "#" + _BREAK,
    **{char: "\\" + char for char in "\\`*_{}[]()|~$:."},
}
_NEWLINES = re.compile(r"\r\n|[\r\n\x00-\x1f\x7f]")


def escape(text: str) -> str:
    """Literal text for a table cell, list item or link text (never at the start of a
    line): line breaks and C0 control characters become spaces, the other characters a
    terminal or browser would act on visible escapes (:func:`opslint.sanitize.escape`),
    Markdown punctuation is backslash-escaped, ``& < >`` become entities."""
    text = sanitize.escape(_NEWLINES.sub(" ", text))
    return "".join(_ESCAPES.get(char, char) for char in text)


def code(text: str) -> str:
    """``text`` as a code span, where nothing but a backtick or a line break is special (and
    ``|``, which GFM tables split on even there); text with a backtick, or blank, is
    escaped instead."""
    if "`" in text or not text.strip():
        return escape(text)
    return "`" + sanitize.escape(_NEWLINES.sub(" ", text)).replace("|", "\\|") + "`"


def inline(text: str) -> str:
    """A message: what it quotes in backtick pairs (names, attributes, values) as code
    spans, the rest escaped; with an unpaired backtick, all of it escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        return escape(text)
    return "".join(
        escape(part) if index % 2 == 0 else code(part) if part.strip() else escape(f"`{part}`")
        for index, part in enumerate(parts)
    )


def link(text: str, url: str) -> str:
    """``[text](url)`` with ``text`` escaped; only http(s) URLs become links."""
    if not url.startswith(("https://", "http://")):
        return escape(text)
    return f"[{escape(text)}]({quote(url, safe=':/?#=&%-._~+,;@!$*')})"


def location(finding: Finding, base: str | None = None) -> str:
    """``path:line`` linking to the lines: under ``base`` (``--link-base``, e.g.
    ``https://github.com/OWNER/REPO/blob/SHA/``) when given, else repository-relative
    (``path#L7-L9``, which GitHub resolves only in files rendered from the repository)."""
    return f"[{escape(f'{finding.path}:{finding.line}')}]({finding_target(finding, base)})"


def finding_target(finding: Finding, base: str | None = None) -> str:
    """The URL of a finding's lines: ``path#L7-L9``, under ``base`` when it is http(s)."""
    anchor = f"#L{finding.line}"
    if finding.end_line > finding.line:
        anchor += f"-L{finding.end_line}"
    target = sanitize.uri_path(finding.path) + anchor
    if base and base.startswith(("https://", "http://")):
        target = quote(base.rstrip("/"), safe=":/?=&%-._~+,;@!$*") + "/" + target
    return target


def render(result: Result, options: ReportOptions) -> str:
    head = [*_title(result), "", *_scorecard(result), "", "### Findings", ""]
    if not result.findings:
        return "\n".join([*head, "No findings."]) + "\n"
    base = options.link_base
    full = [*head, *_findings(result, None, base)]
    if _size(full) <= BUDGET:
        return "\n".join(full) + "\n"
    return "\n".join([*head, *_findings(result, BUDGET - _size(head), base)]) + "\n"


def _findings(result: Result, budget: int | None, base: str | None) -> list[str]:
    """The findings tables; with a ``budget`` (bytes), as many rows as fit beside a
    closing line that counts the findings left out."""
    total = len(result.findings)
    # room for the closing note, however many findings it ends up counting
    used = _size(["", _left_out(total, total)])
    body: list[str] = []
    shown = 0
    for heading, findings in _groups(result):
        block = [*([""] if body else []), heading, "", *FINDINGS_HEADER]
        for finding in findings:
            lines = [*block, _row(finding, base)]
            cost = _size(lines)
            if budget is not None and used + cost > budget:
                return [*body, *([""] if body else []), _left_out(total - shown, total)]
            body += lines
            block = []
            used += cost
            shown += 1
    return body


def _title(result: Result) -> list[str]:
    counts = result.counts()
    total = len(result.findings)
    parts = ", ".join(f"{counts[s.value]} {s.value}" for s in Severity)
    outcome = (
        f"❌ **Failed**: findings at or above `{result.fail_on_name}`."
        if result.failed()
        else "✅ **Passed**: `fail-on` is `none`."
        if result.fail_on is None
        else f"✅ **Passed**: no finding at or above `{result.fail_on_name}`."
    )
    scanned = (
        f"Scanned {_count(result.files, 'file')} ({_count(result.units, 'unit')}) "
        f"with {_count(len(result.rules), 'rule')}."
    )
    summary = result.summary()
    accepted = []
    if summary.get("suppressed"):
        accepted.append(f"{summary['suppressed']} suppressed")
    if summary.get("baselined"):
        accepted.append(f"{summary['baselined']} in the baseline")
    not_shown = f" Not shown: {', '.join(accepted)}." if accepted else ""
    return [
        f"## opslint: {_count(total, 'finding')} ({parts})",
        "",
        f"{outcome} {scanned}{not_shown}",
    ]


def _scorecard(result: Result) -> list[str]:
    statuses = result.summary()["practices"]
    lines = [
        "### Operational Excellence scorecard",
        "",
        " · ".join(f"{STATUSES[status]}: {count}" for status, count in statuses.items()),
    ]
    areas = [*AREAS, *sorted({p.area for p in result.practices} - set(AREAS))]
    for area in areas:
        practices = [p for p in result.practices if p.area == area]
        if not practices:
            continue
        lines += ["", f"#### {escape(area)}"]
        automated = [p for p in practices if p.status != "not automated"]
        manual = [p for p in practices if p.status == "not automated"]
        if automated:
            lines += [
                "",
                "| Practice | Title | Status | Rules | Findings |",
                "| --- | --- | --- | --- | --- |",
            ]
            lines += [
                f"| {escape(p.id)} | {link(p.title, p.url)} | "
                f"{STATUSES.get(p.status, escape(p.status))} | "
                f"{'<br>'.join(code(r) for r in p.rules)} | {p.findings} |"
                for p in automated
            ]
        if manual:
            noun = "practice" if len(manual) == 1 else "practices"
            lines += [
                "",
                "<details>",
                f"<summary>{len(manual)} {noun} not automated</summary>",
                "",
                "| Practice | Title |",
                "| --- | --- |",
            ]
            lines += [f"| {escape(p.id)} | {link(p.title, p.url)} |" for p in manual]
            lines += ["", "</details>"]
    return lines


def _groups(result: Result) -> Iterator[tuple[str, list[Finding]]]:
    """(heading, findings) per practice: engine findings first, then catalog order."""
    for key, practice, findings in practice_groups(result.findings, result.practices):
        yield _heading(key, practice, len(findings)), findings


def practice_groups(
    findings: Sequence[Finding], practices: Sequence[PracticeResult]
) -> Iterator[tuple[str, PracticeResult | None, list[Finding]]]:
    """(practice ID, its scorecard line, findings) per practice: engine findings first
    (key :data:`ENGINE_GROUP`, no practice), then catalog order, then unknown practices."""
    by_practice: dict[str, list[Finding]] = {}
    for finding in findings:
        by_practice.setdefault(finding.practice_id or ENGINE_GROUP, []).append(finding)
    known = {p.id: p for p in practices}
    order = [
        *([ENGINE_GROUP] if ENGINE_GROUP in by_practice else []),
        *(p.id for p in practices if p.id in by_practice),
        *sorted(set(by_practice) - set(known) - {ENGINE_GROUP}),
    ]
    for key in order:
        yield key, known.get(key), by_practice[key]


def _heading(key: str, practice: PracticeResult | None, findings: int) -> str:
    count = _count(findings, "finding")
    if key == ENGINE_GROUP:
        return f"#### {ENGINE_GROUP} · input opslint could not read or check ({count})"
    if practice is None:
        return f"#### {escape(key)} ({count})"
    return f"#### {escape(practice.id)} · {link(practice.title, practice.url)} ({count})"


def _row(finding: Finding, base: str | None) -> str:
    resource = code(finding.resource_label) if finding.resource else "—"
    return (
        f"| {location(finding, base)} | {SEVERITIES[finding.severity]} | {code(finding.rule_id)} | "
        f"{resource} | {inline(finding.message)} |"
    )


def _left_out(missing: int, total: int) -> str:
    return (
        f"_{missing} of {total} findings not shown: this report stays under GitHub's "
        "comment size limit. Run `opslint check` or use `--format text` for all of them._"
    )


def _size(lines: list[str]) -> int:
    return sum(len(line.encode("utf-8")) + 1 for line in lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
