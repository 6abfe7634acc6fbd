"""``--format html``: one self-contained page, the pillar scorecard first.

The page holds everything it shows (styles and a small filter script inline; no fonts,
images or requests), so it opens offline from a CI artifact or an e-mail attachment. Its
order: a summary (verdict, counts by severity, the practices' statuses), the scorecard (the
practices by area and section, each with its status, findings by severity and rules, a bar
per area), the findings by practice and rule (severity, location, resource, message, the
source lines, the rule's fix), then suppressed and baselined findings with their reasons and
the checks opslint could not decide.

Everything from the scanned repository (paths, names, messages, source lines, reasons) goes
through :func:`text`: HTML-escaped, with control, bidirectional and unpaired surrogate
characters written as visible escapes. A Content-Security-Policy allows only the page's own
script (by hash) and inline styles, so even markup that slipped through could not run.

The filters (severity, area, status) are progressive: the form is ``hidden`` until the
script shows it, and with scripts off the page shows everything. The output is
deterministic: no clock, no random IDs, iteration in catalog and finding order.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from html import escape
from typing import Any

from opslint import sanitize
from opslint.model import Finding, Severity
from opslint.reading import read_regular
from opslint.report import ReportOptions
from opslint.report.markdown import ENGINE_GROUP, finding_target, practice_groups
from opslint.result import PracticeResult, Result

AREAS = ("Organization", "Prepare", "Operate", "Evolve")
STATUSES = {
    # status: (symbol, CSS class); the word is always written beside the symbol
    "failing": ("✗", "fail"),
    "undecided": ("?", "undecided"),
    "passing": ("✓", "pass"),
    "not applicable": ("–", "na"),
    "not selected": ("○", "off"),
    "not automated": ("·", "manual"),
}
SEVERITY_SYMBOLS = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.NOTE: "●"}
CONTEXT_LINES = 2
"""Source lines shown before and after a finding's lines."""
SPAN_LINES = 4
"""Most lines of a finding's own span shown; a longer span (a whole resource) is cut."""
LINE_CHARS = 200
"""Source lines longer than this (minified JSON) are cut."""
MAX_SOURCE_BYTES = 5_000_000
"""Files larger than this are not read for excerpts."""


def text(value: object) -> str:
    """Literal text for HTML content or a quoted attribute: escaped, with characters that
    could hide or reorder what a reader sees (controls, bidirectional marks) or cannot be
    encoded (lone surrogates) written as ``\\xNN``/``\\uNNNN``."""
    return escape(sanitize.escape_keeping_tabs(str(value)), quote=True)


def inline(message: str) -> str:
    """A message or fix: backtick-quoted parts as ``<code>``, the rest as text."""
    parts = message.split("`")
    if len(parts) % 2 == 0:
        return text(message)
    return "".join(
        text(part) if index % 2 == 0 or not part.strip() else f"<code>{text(part)}</code>"
        for index, part in enumerate(parts)
    )


def link(label: str, url: str) -> str:
    """``<a>`` to ``url`` when it is http(s); otherwise the label as text."""
    if not url.startswith(("https://", "http://")):
        return text(label)
    return f'<a href="{text(url)}">{text(label)}</a>'


def undecided_checks(result: Result) -> list[dict[str, Any]]:
    """The result's undecided checks (values opslint could not resolve) as dictionaries,
    whatever their record type; empty when the result carries none."""
    items = getattr(result, "undecided", None) or ()
    rows: list[dict[str, Any]] = []
    for item in items:
        if hasattr(item, "to_dict"):
            rows.append(dict(item.to_dict()))
        elif is_dataclass(item) and not isinstance(item, type):
            rows.append(asdict(item))
        elif isinstance(item, Mapping):
            rows.append(dict(item))
    return rows


def render(result: Result, options: ReportOptions) -> str:
    undecided = undecided_checks(result)
    sources = _Sources()
    body = [
        *_header(result, undecided),
        '<main id="main">',
        *_scorecard(result, undecided),
        *_findings(result, options.link_base, sources),
        *_accepted(result, options.link_base),
        *_undecided(undecided),
        "</main>",
        f"<footer><p>opslint {text(result.version)} · "
        '<a href="https://docs.aws.amazon.com/wellarchitected/latest/'
        'operational-excellence-pillar/welcome.html">AWS Well-Architected Operational '
        "Excellence pillar</a></p></footer>",
    ]
    counts = result.counts()
    title = (
        f"opslint: {_count(len(result.findings), 'finding')} ("
        + ", ".join(f"{counts[s.value]} {s.value}" for s in Severity)
        + ")"
    )
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                '<meta name="color-scheme" content="light dark">',
                '<meta name="generator" content="opslint">',
                f"<title>{text(title)}</title>",
                f"<style>{STYLE}</style>",
                "</head>",
                "<body>",
                '<a class="skip" href="#main">Skip to the scorecard</a>',
                *body,
                f"<script>{SCRIPT}</script>",
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )


# --- the summary ---------------------------------------------------------------------------


def _header(result: Result, undecided: list[dict[str, Any]]) -> list[str]:
    counts = result.counts()
    failed = result.failed()
    verdict = (
        f'<p class="verdict fail"><strong>✗ Failed</strong>: findings at or above '
        f"<code>{text(result.fail_on_name)}</code>.</p>"
        if failed
        else '<p class="verdict pass"><strong>✓ Passed</strong>: <code>fail-on</code> is '
        "<code>none</code>.</p>"
        if result.fail_on is None
        else f'<p class="verdict pass"><strong>✓ Passed</strong>: no finding at or above '
        f"<code>{text(result.fail_on_name)}</code>.</p>"
    )
    tiles = [
        _tile(counts[s.value], s.value, f"sev-{s.value}", f"{SEVERITY_SYMBOLS[s]} ")
        for s in Severity
    ]
    tiles.append(_tile(len(result.suppressed), "suppressed", "accepted"))
    if result.baseline is not None:
        tiles.append(_tile(len(result.baselined), "in the baseline", "accepted"))
    if undecided:
        tiles.append(_tile(len(undecided), "undecided", "undecided"))
    scanned = (
        f"{_count(result.files, 'file')} in {_count(result.units, 'unit')}, "
        f"checked with {_count(len(result.rules), 'rule')} · opslint {text(result.version)}"
    )
    nav = [
        '<a href="#scorecard">Scorecard</a>',
        f'<a href="#findings">Findings ({len(result.findings)})</a>',
    ]
    if result.suppressed:
        nav.append(f'<a href="#suppressed">Suppressed ({len(result.suppressed)})</a>')
    if result.baseline is not None:
        nav.append(f'<a href="#baselined">Baseline ({len(result.baselined)})</a>')
    if undecided:
        nav.append(f'<a href="#undecided">Undecided ({len(undecided)})</a>')
    return [
        "<header>",
        '<p class="eyebrow">opslint · AWS Well-Architected · Operational Excellence</p>',
        "<h1>Operational Excellence scorecard</h1>",
        f'<p class="scanned">{scanned}</p>',
        verdict,
        '<ul class="tiles" aria-label="Findings by severity">',
        *tiles,
        "</ul>",
        f'<nav aria-label="Sections of this report">{" ".join(nav)}</nav>',
        "</header>",
    ]


def _tile(number: int, label: str, css: str, symbol: str = "") -> str:
    muted = " zero" if number == 0 else ""
    return (
        f'<li class="tile {css}{muted}"><span class="number">{number}</span> '
        f'<span class="label">{symbol}{text(label)}</span></li>'
    )


# --- the scorecard -------------------------------------------------------------------------


def _statuses(result: Result, undecided_by_practice: Counter[str]) -> list[str]:
    """Statuses in display order: the known ones, then any other, sorted."""
    present = {p.status for p in result.practices}
    if undecided_by_practice:
        present.add("undecided")
    return [s for s in STATUSES if s in present] + sorted(present - set(STATUSES))


def _scorecard(result: Result, undecided: list[dict[str, Any]]) -> list[str]:
    undecided_by_practice = Counter(_practice_of(row) for row in undecided)
    severities = _severities_by_practice(result.findings)
    # where a practice's findings are listed: under it, or (all found by rules that serve it
    # as a related practice) under the practice of the first of them
    anchors: dict[str, str] = {}
    for finding in result.findings:
        if finding.practice_id:
            anchors[finding.practice_id] = finding.practice_id
            for related in finding.related_practices:
                anchors.setdefault(related, finding.practice_id)
    statuses = _statuses(result, undecided_by_practice)
    ran = {rule.id for rule in result.rules}
    total = Counter(p.status for p in result.practices)
    lines = [
        '<section id="scorecard" aria-labelledby="scorecard-title">',
        f'<h2 id="scorecard-title">The {len(result.practices)} practices</h2>',
        _bar(total, statuses, "all practices"),
        *_filters(result, statuses, total),
    ]
    areas = [*AREAS, *sorted({p.area for p in result.practices} - set(AREAS))]
    for area in areas:
        practices = [p for p in result.practices if p.area == area]
        if not practices:
            continue
        slug = _slug(area)
        lines += [
            f'<section class="area" data-area="{text(area)}" aria-labelledby="area-{slug}">',
            f'<h3 id="area-{slug}">{text(area)} <span class="count">'
            f"{_count(len(practices), 'practice')}</span></h3>",
            _bar(Counter(p.status for p in practices), statuses, area),
            '<table class="scorecard">',
            '<colgroup><col class="c-practice"><col class="c-status">'
            '<col class="c-n"><col class="c-n"><col class="c-n"><col class="c-rules"></colgroup>',
            "<thead><tr>"
            '<th scope="col" class="h-practice">Practice</th>'
            '<th scope="col" class="h-status">Status</th>'
            '<th scope="col" class="n"><abbr title="errors">Err.</abbr></th>'
            '<th scope="col" class="n"><abbr title="warnings">Warn.</abbr></th>'
            '<th scope="col" class="n"><abbr title="notes">Note</abbr></th>'
            '<th scope="col" class="rules">Rules</th></tr></thead>',
        ]
        sections: dict[str, list[PracticeResult]] = {}
        for practice in practices:
            sections.setdefault(practice.section, []).append(practice)
        for section, members in sections.items():
            lines += [
                "<tbody>",
                f'<tr class="section"><th colspan="6" scope="colgroup">{text(section)}</th></tr>',
            ]
            lines += [
                _practice_row(
                    p,
                    severities.get(p.id, Counter()),
                    undecided_by_practice,
                    ran,
                    anchors.get(p.id, p.id),
                )
                for p in members
            ]
            lines.append("</tbody>")
        lines += ["</table>", "</section>"]
    lines.append("</section>")
    return lines


def _practice_row(
    practice: PracticeResult,
    severities: Counter[Severity],
    undecided: Counter[str],
    ran: set[str],
    anchor: str,
) -> str:
    status = _status(practice.status)
    if undecided.get(practice.id):
        status += (
            f' <a class="status undecided" href="#undecided">? {undecided[practice.id]} '
            "undecided</a>"
        )
    cells = []
    for severity in Severity:
        number = severities.get(severity, 0)
        if not practice.rules:
            cells.append('<td class="n zero"></td>')
        elif number:
            cells.append(
                f'<td class="n"><a class="sev-{severity.value}" '
                f'href="#practice-{_slug(anchor)}">{number}</a></td>'
            )
        else:
            cells.append('<td class="n zero">0</td>')
    rules = " ".join(
        f'<code class="{"rid" if rule in ran else "rid idle"}" title="{text(rule)}">'
        f"{text(_short_rule(rule, practice.id))}</code>"
        for rule in practice.rules
    )
    return (
        f'<tr data-status="{text(practice.status)}" data-area="{text(practice.area)}">'
        f'<th scope="row"><span class="pid">{text(practice.id)}</span> '
        f"{link(practice.title, practice.url)}</th>"
        f'<td>{status}</td>{"".join(cells)}<td class="rules">{rules}</td></tr>'
    )


def _status(status: str) -> str:
    symbol, css = STATUSES.get(status, ("", "na"))
    return f'<span class="status {css}">{symbol} {text(status)}</span>'


def _bar(counts: Counter[str], statuses: Sequence[str], label: str) -> str:
    """A stacked bar of the statuses, and the same numbers as text (the bar is decoration:
    colour is never the only signal)."""
    total = sum(counts.values()) or 1
    segments = "".join(
        f'<span class="seg {STATUSES.get(status, ("", "na"))[1]}" '
        f'style="width:{counts[status] * 100 / total:.3f}%"></span>'
        for status in statuses
        if counts.get(status)
    )
    legend = " ".join(
        f'<li><span class="key {STATUSES.get(status, ("", "na"))[1]}" aria-hidden="true">'
        f"</span>{counts[status]} {text(status)}</li>"
        for status in statuses
        if counts.get(status)
    )
    return (
        f'<div class="summary"><div class="bar" aria-hidden="true">{segments}</div>'
        f'<ul class="legend" aria-label="Statuses of {text(label)}">{legend}</ul></div>'
    )


def _filters(result: Result, statuses: Sequence[str], total: Counter[str]) -> list[str]:
    counts = result.counts()
    areas = [*AREAS, *sorted({p.area for p in result.practices} - set(AREAS))]
    area_options = "".join(
        f'<option value="{text(a)}">{text(a)}</option>'
        for a in areas
        if any(p.area == a for p in result.practices)
    )
    severity_boxes = "".join(
        f'<label><input type="checkbox" name="severity" value="{s.value}" checked> '
        f'<span class="sev-{s.value}">{SEVERITY_SYMBOLS[s]} {s.value}</span> '
        f'<span class="muted">({counts[s.value]})</span></label>'
        for s in Severity
    )
    status_boxes = "".join(
        f'<label><input type="checkbox" name="status" value="{text(status)}" checked> '
        f'{text(status)} <span class="muted">({total.get(status, 0)})</span></label>'
        for status in statuses
        if total.get(status)
    )
    return [
        '<form id="filters" class="filters" hidden aria-label="Filters">',
        f"<fieldset><legend>Severity</legend>{severity_boxes}</fieldset>",
        '<fieldset><legend>Area</legend><label for="filter-area" class="sr-only">Area</label>'
        f'<select id="filter-area" name="area"><option value="">All areas</option>'
        f"{area_options}</select></fieldset>",
        f"<fieldset><legend>Practice status</legend>{status_boxes}</fieldset>",
        '<p class="shown"><output id="shown" aria-live="polite"></output> '
        '<button type="reset">Show all</button></p>',
        "</form>",
    ]


def _severities_by_practice(findings: Iterable[Finding]) -> dict[str, Counter[Severity]]:
    """Findings by severity per practice, counting related practices as the scorecard does."""
    counts: dict[str, Counter[Severity]] = {}
    for finding in findings:
        if finding.practice_id:
            for practice_id in (finding.practice_id, *finding.related_practices):
                counts.setdefault(practice_id, Counter())[finding.severity] += 1
    return counts


# --- the findings --------------------------------------------------------------------------


def _findings(result: Result, base: str | None, sources: _Sources) -> list[str]:
    lines = [
        '<section id="findings" aria-labelledby="findings-title">',
        f'<h2 id="findings-title">Findings by practice <span class="count">'
        f"{_count(len(result.findings), 'finding')}</span></h2>",
    ]
    if not result.findings:
        lines += ['<p class="empty">No findings.</p>', "</section>"]
        return lines
    fixes = {rule.id: rule for rule in result.rules}
    for key, practice, findings in practice_groups(result.findings, result.practices):
        area = practice.area if practice else ""
        status = practice.status if practice else ""
        if key == ENGINE_GROUP:
            heading = f"{ENGINE_GROUP} · input opslint could not read or check"
            title = text(heading)
        elif practice is None:
            title = text(key)
        else:
            title = f'<span class="pid">{text(practice.id)}</span> ' + link(
                practice.title, practice.url
            )
        lines += [
            f'<section class="practice" id="practice-{_slug(key)}" data-area="{text(area)}" '
            f'data-status="{text(status)}">',
            f'<h3>{title} <span class="count">{_count(len(findings), "finding")}</span></h3>',
        ]
        if practice is not None:
            lines.append(
                f'<p class="where">{text(practice.area)} · {text(practice.section)} · '
                f"{_status(practice.status)} · "
                f'<a href="#area-{_slug(practice.area)}">back to the scorecard</a></p>'
            )
        by_rule: dict[str, list[Finding]] = {}
        for finding in findings:
            by_rule.setdefault(finding.rule_id, []).append(finding)
        for rule_id in sorted(by_rule):
            rule = fixes.get(rule_id)
            rule_title = f' <span class="rule-title">{text(rule.title)}</span>' if rule else ""
            lines += [
                '<div class="rule">',
                f"<h4><code>{text(rule_id)}</code>{rule_title}</h4>",
            ]
            if rule is not None:
                fix = inline(rule.docs.fix)
                lines.append(f'<p class="fix"><strong>How to fix:</strong> {fix}</p>')
            lines.append('<ol class="findings">')
            lines += [_finding(f, base, sources) for f in by_rule[rule_id]]
            lines += ["</ol>", "</div>"]
        lines.append("</section>")
    lines.append("</section>")
    return lines


def _finding(finding: Finding, base: str | None, sources: _Sources) -> str:
    severity = finding.severity
    construct = (
        f" construct <code>{text(finding.construct_path)}</code>" if finding.construct_path else ""
    )
    resource = (
        f'<span class="resource">resource <code>{text(finding.resource)}</code>{construct}</span>'
        if finding.resource
        else ""
    )
    return (
        f'<li class="finding" data-severity="{severity.value}">'
        f'<p class="meta"><span class="badge sev-{severity.value}">'
        f"{SEVERITY_SYMBOLS[severity]} {severity.value}</span> "
        f"{_location(finding, base)} {resource}</p>"
        f'<p class="message">{inline(finding.message)}</p>'
        f"{sources.excerpt(finding)}</li>"
    )


def _location(finding: Finding, base: str | None) -> str:
    label = text(f"{finding.path}:{finding.line}")
    if base and base.startswith(("https://", "http://")):
        return f'<a class="loc" href="{text(finding_target(finding, base))}">{label}</a>'
    return f'<span class="loc">{label}</span>'


class _Sources:
    """Source excerpts: a few lines around a finding, read once per file from the paths
    the findings name (relative to the working directory); none for a file that cannot
    be read."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            self._lines[path] = _read_lines(path)
        return self._lines[path]

    def excerpt(self, finding: Finding) -> str:
        lines = self.lines(finding.path)
        if not lines or finding.line < 1 or finding.line > len(lines):
            return ""
        last = max(finding.line, min(finding.end_line, len(lines)))
        cut = last - finding.line + 1 > SPAN_LINES
        span_end = finding.line + SPAN_LINES - 1 if cut else last
        start = max(1, finding.line - CONTEXT_LINES)
        end = span_end if cut else min(len(lines), last + CONTEXT_LINES)
        width = len(str(end))
        rows = []
        for number in range(start, end + 1):
            source = lines[number - 1]
            if len(source) > LINE_CHARS:
                source = source[:LINE_CHARS] + " …"
            hit = finding.line <= number <= last
            rows.append(
                f'<span class="{"hit" if hit else "ctx"}"><span class="ln">'
                f"{number:>{width}}</span> {text(source)}</span>"
            )
        if cut:
            rows.append(
                f'<span class="ctx more">{" " * width} … {last - span_end} more '
                f"line{'s' if last - span_end != 1 else ''}</span>"
            )
        label = text(f"{finding.path}, lines {start} to {end}")
        return f'<pre class="source" aria-label="{label}"><code>{"".join(rows)}</code></pre>'


def _read_lines(path: str) -> list[str] | None:
    try:
        data = read_regular(path, limit=MAX_SOURCE_BYTES)
    except OSError:  # gone, not a regular file, or too large for an excerpt
        return None
    return data.decode("utf-8", errors="replace").splitlines()


# --- accepted findings and undecided checks ------------------------------------------------


def _accepted(result: Result, base: str | None) -> list[str]:
    lines: list[str] = []
    if result.suppressed:
        lines += [
            '<section id="suppressed" aria-labelledby="suppressed-title">',
            f'<h2 id="suppressed-title">Suppressed <span class="count">'
            f"{_count(len(result.suppressed), 'finding')}</span></h2>",
            "<p>Silenced by an <code>opslint:ignore</code> in the code or an exception in the "
            "configuration; they do not fail the run. Each reason is the one written with it.</p>",
            LIST_HEAD,
            *(_list_row(f, base, _reason(f)) for f in result.suppressed),
            "</tbody></table>",
            "</section>",
        ]
    if result.baseline is not None:
        stale = len(result.stale_baseline)
        lines += [
            '<section id="baselined" aria-labelledby="baselined-title">',
            f'<h2 id="baselined-title">In the baseline <span class="count">'
            f"{_count(len(result.baselined), 'finding')}</span></h2>",
            f"<p>Recorded in <code>{text(result.baseline)}</code> as accepted, existing "
            "findings; they do not fail the run."
            + (
                f" {_count(stale, 'entry')} of the baseline no longer occur: "
                f"<code>opslint check --write-baseline {text(result.baseline)}</code> "
                "shrinks it."
                if stale
                else ""
            )
            + "</p>",
        ]
        if result.baselined:
            lines += [
                LIST_HEAD,
                *(
                    _list_row(f, base, f"recorded in <code>{text(result.baseline)}</code>")
                    for f in result.baselined
                ),
                "</tbody></table>",
            ]
        lines.append("</section>")
    return lines


LIST_HEAD = (
    '<table class="list"><thead><tr>'
    + "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Location", "Severity", "Rule", "Resource", "Message", "Reason")
    )
    + "</tr></thead><tbody>"
)


def _reason(finding: Finding) -> str:
    """A suppression's reason, where it is written and until when."""
    why = finding.suppression
    if why is None:
        return ""
    reason = text(why.justification) or "<em>no reason given</em>"
    until = f" · until {text(why.until)}" if why.until else ""
    return f'{reason}<br><span class="muted">{text(why.source)}{until}</span>'


def _list_row(finding: Finding, base: str | None, reason: str) -> str:
    severity = finding.severity
    return (
        f'<tr data-severity="{severity.value}"><td>{_location(finding, base)}</td>'
        f'<td><span class="badge sev-{severity.value}">{SEVERITY_SYMBOLS[severity]} '
        f"{severity.value}</span></td><td><code>{text(finding.rule_id)}</code></td>"
        f"<td>{_code_or_dash(finding.resource_label)}</td><td>{inline(finding.message)}</td>"
        f"<td>{reason}</td></tr>"
    )


UNDECIDED_COLUMNS = ("rule_id", "practice_id", "path", "line", "resource")


def _undecided(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    lines = [
        '<section id="undecided" aria-labelledby="undecided-title">',
        f'<h2 id="undecided-title">Undecided checks <span class="count">'
        f"{_count(len(rows), 'check')}</span></h2>",
        "<p>Checks opslint could not decide because a value it needs cannot be resolved "
        "(an unset variable, a module output, a data source). They are not findings, and not "
        "passes either.</p>",
        '<table class="list"><thead><tr><th scope="col">Rule</th><th scope="col">Location</th>'
        '<th scope="col">Resource</th><th scope="col">What was unknown</th></tr></thead><tbody>',
    ]
    for row in rows:
        where = ":".join(str(row[key]) for key in ("path", "line") if row.get(key))
        others = {
            key: value
            for key, value in row.items()
            if key not in UNDECIDED_COLUMNS and value not in ("", None)
        }
        if set(others) == {"unknown"}:
            rest = f"<code>{text(others['unknown'])}</code>"
        else:
            rest = "; ".join(f"{text(key)}: {text(value)}" for key, value in others.items())
        lines.append(
            f"<tr><td><code>{text(row.get('rule_id', ''))}</code></td>"
            f"<td>{text(where) if where else '—'}</td>"
            f"<td>{_code_or_dash(str(row.get('resource') or ''))}</td><td>{rest}</td></tr>"
        )
    lines += ["</tbody></table>", "</section>"]
    return lines


def _practice_of(row: Mapping[str, Any]) -> str:
    return str(row.get("practice_id") or str(row.get("rule_id", "")).split("/", 1)[0])


def _short_rule(rule_id: str, practice_id: str) -> str:
    """A rule ID in its practice's row: the slug (``…/log-group-retention``) when the rule
    belongs to that practice, the whole ID for a rule serving it as a related practice."""
    prefix = practice_id + "/"
    return "…/" + rule_id[len(prefix) :] if rule_id.startswith(prefix) else rule_id


def _code_or_dash(value: str) -> str:
    return f"<code>{text(value)}</code>" if value else "—"


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


def _count(number: int, noun: str) -> str:
    if number == 1:
        return f"1 {noun}"
    return f"{number} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


# --- the page's own style and script ------------------------------------------------------

STYLE = """
:root{color-scheme:light dark;
--bg:#ffffff;--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--link:#0550ae;
--fail:#b42318;--fail-bg:#fef3f2;--pass:#067647;--pass-bg:#ecfdf3;--warn:#8a4b00;
--warn-bg:#fff8e6;--note:#1c5cc4;--note-bg:#eef5ff;--undecided:#6639ba;--undecided-bg:#f5f0ff;
--na:#57606a;--na-bg:#f3f4f6;
--bar-fail:#d92d20;--bar-pass:#12a150;--bar-undecided:#8250df;--bar-na:#8c959f;
--bar-off:#c4cbd3;--bar-manual:#e6e9ed;--hit:#fff5cc}
@media (prefers-color-scheme:dark){:root{
--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--soft:#161b22;--link:#6cb6ff;
--fail:#ff8f86;--fail-bg:#3a1517;--pass:#5fd67a;--pass-bg:#0f2a19;--warn:#e9b84a;
--warn-bg:#33260a;--note:#82c2ff;--note-bg:#0d2744;--undecided:#d2b3ff;--undecided-bg:#2a1a47;
--na:#9da7b3;--na-bg:#21262d;
--bar-fail:#f85149;--bar-pass:#3fb950;--bar-undecided:#a371f7;--bar-na:#6e7681;
--bar-off:#484f58;--bar-manual:#30363d;--hit:#2e2810}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{background:var(--bg);color:var(--fg)}
body{margin:0 auto;max-width:1180px;padding:24px 28px 48px;
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
"Liberation Sans",sans-serif}
a{color:var(--link)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
font-size:12.5px}
code{overflow-wrap:anywhere}
h1{font-size:28px;line-height:1.2;margin:4px 0 6px}
h2{font-size:21px;margin:40px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:17px;margin:28px 0 8px}
h4{font-size:14px;margin:18px 0 6px}
.count,.muted,.scanned,.eyebrow,.where,.rule-title{color:var(--muted);font-weight:normal}
.count{font-size:.8em;margin-left:6px}
.eyebrow{margin:0;font-size:12px;letter-spacing:.06em;text-transform:uppercase}
.scanned{margin:0 0 14px}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:6px}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.verdict{display:inline-block;margin:0 0 14px;padding:6px 12px;border-radius:6px;
border:1px solid currentColor}
.verdict.fail{color:var(--fail);background:var(--fail-bg)}
.verdict.pass{color:var(--pass);background:var(--pass-bg)}
.tiles{display:flex;flex-wrap:wrap;gap:10px;list-style:none;padding:0;margin:0 0 16px}
.tile{min-width:128px;padding:10px 14px;border:1px solid var(--line);border-radius:8px;
background:var(--soft)}
.tile .number{display:block;font-size:26px;font-weight:600;line-height:1.1}
.tile.zero .number{color:var(--muted)}
.tile.sev-error .number{color:var(--fail)}.tile.sev-warning .number{color:var(--warn)}
.tile.sev-note .number{color:var(--note)}.tile.undecided .number{color:var(--undecided)}
.tile.zero .number{color:var(--muted)}
nav a{margin-right:14px}
.summary{display:flex;flex-wrap:wrap;align-items:center;gap:6px 16px;margin:4px 0 10px}
.bar{display:flex;flex:1 1 320px;max-width:520px;height:14px;border-radius:7px;overflow:hidden;
background:var(--bar-manual);border:1px solid var(--line)}
.seg,.key{display:inline-block;height:100%;-webkit-print-color-adjust:exact;
print-color-adjust:exact}
.key{width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px;
border:1px solid var(--line)}
.seg.fail,.key.fail{background:var(--bar-fail)}.seg.pass,.key.pass{background:var(--bar-pass)}
.seg.undecided,.key.undecided{background:var(--bar-undecided)}
.seg.na,.key.na{background:var(--bar-na)}.seg.off,.key.off{background:var(--bar-off)}
.seg.manual,.key.manual{background:var(--bar-manual)}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;margin:0;padding:0;
font-size:13px}
.filters{display:flex;flex-wrap:wrap;gap:8px 18px;align-items:flex-end;margin:16px 0 4px;
padding:10px 14px;border:1px solid var(--line);border-radius:8px;background:var(--soft)}
.filters fieldset{border:0;margin:0;padding:0}
.filters legend{font-weight:600;font-size:12px;padding:0;margin-bottom:2px}
.filters label{margin-right:10px;white-space:nowrap}
.filters select,.filters button{font:inherit;color:inherit;background:var(--bg);
border:1px solid var(--line);border-radius:4px;padding:2px 8px}
.shown{margin:0 0 0 auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
thead th{font-size:12px;color:var(--muted);border-bottom:2px solid var(--line)}
table.scorecard{table-layout:fixed}
.c-practice{width:40%}.c-status{width:16%}.c-n{width:5.5%}.c-rules{width:27.5%}
tr.section th{background:var(--soft);font-size:12px;text-transform:uppercase;letter-spacing:.04em;
color:var(--muted);padding:4px 8px}
tbody th{font-weight:normal}
.pid{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
font-size:12px;color:var(--muted);margin-right:4px;white-space:nowrap}
.n{text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:var(--muted)}
td.n a{font-weight:600}
.rules code{display:inline-block;font-size:11.5px;margin:0 4px 2px 0}
.rules code.idle{color:var(--muted)}
.status{white-space:nowrap;font-weight:600;padding:1px 7px;border-radius:10px}
.status.fail{color:var(--fail);background:var(--fail-bg)}
.status.pass{color:var(--pass);background:var(--pass-bg)}
.status.undecided{color:var(--undecided);background:var(--undecided-bg);text-decoration:none}
.status.na,.status.off,.status.manual{color:var(--na);background:var(--na-bg);font-weight:normal}
.sev-error{color:var(--fail)}.sev-warning{color:var(--warn)}.sev-note{color:var(--note)}
.badge{display:inline-block;font-size:12px;font-weight:600;padding:0 7px;border-radius:10px;
border:1px solid currentColor;white-space:nowrap}
.badge.sev-error{background:var(--fail-bg)}.badge.sev-warning{background:var(--warn-bg)}
.badge.sev-note{background:var(--note-bg)}
.practice{margin-top:26px;border-top:1px solid var(--line)}
#findings>h2+.practice{border-top:0}
.practice h3{margin-top:14px}
.where{margin:-4px 0 6px;font-size:13px}
.rule{margin:10px 0 0 0;padding-left:14px;border-left:3px solid var(--line)}
.fix{margin:4px 0 8px;max-width:80em}
ol.findings{list-style:none;margin:0;padding:0}
.finding{margin:0 0 12px;padding:8px 12px;border:1px solid var(--line);border-radius:8px}
.finding p{margin:0 0 4px}
.meta{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline}
.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
font-size:12.5px;overflow-wrap:anywhere}
.resource{color:var(--muted)}.resource code{color:var(--fg)}
pre.source{margin:6px 0 2px;padding:6px 0;background:var(--soft);border-radius:6px;overflow-x:auto}
pre.source code{display:block;font-size:12px;line-height:1.45}
pre.source .hit,pre.source .ctx{display:block;padding:0 10px;white-space:pre}
pre.source .hit{background:var(--hit);box-shadow:inset 3px 0 var(--warn)}
pre.source .ctx{color:var(--muted)}
.ln{display:inline-block;color:var(--muted);user-select:none;margin-right:10px}
table.list{font-size:13px}
footer{margin-top:48px;color:var(--muted);font-size:12px}
@media (max-width:720px){body{padding:16px 12px}
table.scorecard .rules,table.scorecard colgroup{display:none}
.h-practice{width:52%}.h-status{width:27%}thead .n{width:7%;font-size:10px}
.tile{min-width:96px}}
@media print{
@page{size:A4;margin:10mm}
body{max-width:none;padding:0;font-size:8pt;line-height:1.25}
html{background:#fff;color:#000}
.filters,nav,.skip,footer{display:none!important}
h1{font-size:15pt;margin:0}h2{font-size:12pt;margin:10pt 0 4pt}h3{font-size:9.5pt;margin:0 0 2pt}
.tiles{gap:4pt;margin:0 0 4pt}.tile{min-width:0;padding:2pt 6pt}.tile .number{font-size:11pt;
display:inline}
.verdict{margin:0 0 4pt;padding:1pt 6pt}.scanned{margin:0 0 4pt}
.summary{margin:0 0 3pt}.bar{height:7pt}.legend{font-size:7pt}
#scorecard{display:grid;grid-template-columns:1fr 1fr;gap:0 6mm}
#scorecard>h2,#scorecard>.summary{grid-column:1/-1}
#scorecard .area h3{margin-top:4pt}
th,td{padding:0.6pt 3pt}
table.scorecard{font-size:6.5pt}
table.scorecard .rules,table.scorecard colgroup{display:none}
table.scorecard thead th{font-size:6pt;border-bottom-width:1px}
table.scorecard thead .n{font-size:5pt}
.h-practice{width:58%}.h-status{width:21%}thead .n{width:7%}
table.scorecard th,table.scorecard td{padding:0.3pt 3pt;line-height:1.2}
.area .bar{display:none}.area .summary{margin:0 0 1pt}
tr.section th{font-size:6pt;padding:0.5pt 3pt}
.pid,.rules code{font-size:6pt}
.status{padding:0 3pt}
a{color:inherit;text-decoration:none}
tr,.finding{break-inside:avoid}
#findings{break-before:page}
pre.source{white-space:pre-wrap}pre.source .hit,pre.source .ctx{white-space:pre-wrap}
code,pre,pre.source code,.loc{font-size:7pt}.pid,.rules code{font-size:6pt}
pre.source .hit{box-shadow:none;border-left:2pt solid var(--warn)}
.finding{padding:3pt 6pt;margin-bottom:5pt}
}
"""

SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown");
  if (!form || !shown) { return; }
  function allowed(name) {
    var map = {};
    form.querySelectorAll("input[name='" + name + "']").forEach(function (box) {
      map[box.value] = box.checked;
    });
    return map;
  }
  function apply() {
    var severity = allowed("severity");
    var status = allowed("status");
    var area = form.elements.namedItem("area").value;
    function inScope(node) {
      var ok = status[node.dataset.status];
      return (area === "" || node.dataset.area === area) && ok !== false;
    }
    document.querySelectorAll("#scorecard tr[data-status]").forEach(function (row) {
      row.hidden = !inScope(row);
    });
    document.querySelectorAll("#scorecard tbody").forEach(function (body) {
      var head = body.querySelector("tr.section");
      if (head) { head.hidden = !body.querySelector("tr[data-status]:not([hidden])"); }
    });
    document.querySelectorAll("#scorecard .area").forEach(function (block) {
      block.hidden = !block.querySelector("tr[data-status]:not([hidden])");
    });
    var visible = 0;
    var total = 0;
    document.querySelectorAll("#findings .practice").forEach(function (group) {
      var groupOn = inScope(group);
      var any = false;
      group.querySelectorAll(".rule").forEach(function (rule) {
        var ruleAny = false;
        rule.querySelectorAll(".finding").forEach(function (item) {
          var on = groupOn && severity[item.dataset.severity] !== false;
          item.hidden = !on;
          total += 1;
          if (on) { visible += 1; ruleAny = true; }
        });
        rule.hidden = !ruleAny;
        any = any || ruleAny;
      });
      group.hidden = !any;
    });
    shown.textContent = "Showing " + visible + " of " + total + " findings";
  }
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.hidden = false;
  apply();
})();
"""


def _script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src '{_script_hash(SCRIPT)}'; img-src data:; form-action 'none'; base-uri 'none'"
)
