"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run, one tool (``opslint``). Its rules are every rule that ran, plus a descriptor for
each engine rule (``opslint/parse-error``, ...) that produced a result. The Operational
Excellence pillar is a standard taxonomy in ``run.taxonomies``: one taxon per practice, and
every rule points at its practices through ``relationships``.

Choices, with the reasons:

* ``relationships`` kinds: the rule's own practice is ``superset`` (SARIF §3.53.3: the
  taxon identifies a superset of the rule's results: every finding is a gap in that
  practice); a related practice is ``relevant`` (the rule serves it, but a finding is not
  necessarily a gap in it).
* Taxonomy references carry ``name``, ``index`` (into ``run.taxonomies``) and a stable
  ``guid``, so consumers that look taxonomies up by GUID (the SARIF lookup rules only cover
  ``tool.driver`` and ``tool.extensions`` by index) still resolve them.
* ``partialFingerprints`` holds the line-independent finding fingerprint under
  :data:`FINGERPRINT_KEY`. ``primaryLocationLineHash`` is left to GitHub's upload action,
  which computes it from the source.
* ``artifactLocation.uri`` is the finding's path (relative to the working directory),
  percent-encoded as an RFC 3986 relative reference, with ``uriBaseId`` ``%SRCROOT%``;
  ``originalUriBaseIds`` describes ``%SRCROOT%`` without an absolute URI, which would make
  the output differ between machines.
* ``--sarif-category NAME`` becomes ``automationDetails.id`` ``NAME/``: GitHub reads the id
  as ``category/run-id``, and a trailing slash makes all of it the category (the same
  normalisation as ``github/codeql-action/upload-sarif``'s ``category`` input).

Output is deterministic: same result, byte-identical text.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opslint import sanitize
from opslint.catalog import Catalog, Practice, load_catalog
from opslint.engine_rules import ENGINE_RULES, EngineRule
from opslint.model import Finding, Severity
from opslint.report import ReportOptions
from opslint.result import Result
from opslint.rule import Rule
from opslint.ruledocs import rule_markdown

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
TOOL_NAME = "opslint"
INFORMATION_URI = "https://pypi.org/project/opslint/"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "opslintFingerprint/v1"
"""``partialFingerprints`` key of the line-independent fingerprint; bump the version if the
fingerprint's recipe ever changes, so old and new values are never compared."""

TAXONOMY_NAME = "AWS Well-Architected Operational Excellence"
TAXONOMY_URI = (
    "https://docs.aws.amazon.com/wellarchitected/latest/operational-excellence-pillar/welcome.html"
)
TAXONOMY_GUID = str(uuid.uuid5(uuid.NAMESPACE_URL, TAXONOMY_URI))
"""A stable GUID for the pillar taxonomy (a name-based UUID, so it never changes)."""

MAX_DESCRIPTION = 1024
"""GitHub's limit for ``shortDescription.text`` and ``fullDescription.text``."""
MAX_NAME = 255
"""GitHub's limit for a rule's ``name``."""

PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "recommendation",
}
PRECISION = "high"
"""Rules only report values they resolved (never an unknown), so false positives are rare;
``very-high`` is kept for rules proven over a large corpus."""


_URI_SAFE = "/!$&'()*+,;=@-._~"
"""Characters left as they are in a path: RFC 3986 ``pchar`` minus ``:`` (a colon in the
first segment would read as a scheme) plus ``/``; everything else is percent-encoded."""
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


def render(result: Result, options: ReportOptions) -> str:
    """The SARIF log for ``result``, as JSON text with a trailing newline."""
    catalog = load_catalog()
    reported = [*result.findings, *result.baselined, *result.suppressed]
    rules = _descriptors(result.rules, reported, catalog)
    rule_index = {descriptor["id"]: index for index, descriptor in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": result.version,
                "semanticVersion": result.version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
                "supportedTaxonomies": [_taxonomy_reference()],
            }
        },
        "taxonomies": [_taxonomy(catalog)],
        "originalUriBaseIds": {
            SRCROOT: {
                "description": {
                    "text": "The working directory opslint ran in (in CI, the repository root); "
                    "result paths are relative to it."
                }
            }
        },
        "results": [_result(finding, rule_index) for finding in reported],
        "columnKind": "utf16CodeUnits",
    }
    category = automation_id(options.sarif_category)
    if category is not None:
        run["automationDetails"] = {"id": category}
    log = {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return sanitize.json_text(log) + "\n"


def automation_id(category: str | None) -> str | None:
    """``automationDetails.id`` for ``--sarif-category``: GitHub splits the id at its last
    ``/`` into category and run id, so the category gets a trailing slash."""
    if not category:
        return None
    return category if category.endswith("/") else category + "/"


# --- rules ---------------------------------------------------------------------------------


def _descriptors(
    ran: Sequence[type[Rule]], findings: Sequence[Finding], catalog: Catalog
) -> list[dict[str, Any]]:
    """Every rule that ran, each once, and a descriptor for any other rule ID a finding
    carries (engine findings), in ID order."""
    taxa = catalog_index(catalog)
    by_id: dict[str, dict[str, Any]] = {}
    for rule in ran:
        if rule.id not in by_id:
            by_id[rule.id] = _rule_descriptor(rule, catalog, taxa)
    for finding in findings:
        if finding.rule_id not in by_id:
            by_id[finding.rule_id] = _other_descriptor(finding)
    return [by_id[rule_id] for rule_id in sorted(by_id)]


def _rule_descriptor(rule: type[Rule], catalog: Catalog, taxa: Mapping[str, int]) -> dict[str, Any]:
    # the registry only loads rules whose practices are in the catalog
    practices = [catalog[p] for p in rule.practices()]
    primary = catalog[rule.practice()]
    return {
        "id": rule.id,
        "name": _truncate(_pascal_case(rule.id.split("/", 1)[-1]), MAX_NAME),
        "shortDescription": {"text": _truncate(rule.title, MAX_DESCRIPTION)},
        "fullDescription": {"text": _truncate(rule.docs.what, MAX_DESCRIPTION)},
        "defaultConfiguration": {"level": rule.severity.value},
        # GitHub shows help.markdown and ignores helpUri: the markdown links the practice
        "help": {
            "text": _rule_help_text(rule, practices),
            "markdown": rule_markdown(rule, catalog),
        },
        "helpUri": primary.url,
        "relationships": [
            _relationship(practice, taxa[practice.id], primary=practice is primary)
            for practice in practices
        ],
        "properties": {
            "tags": _unique([*(p.id for p in practices), *(p.group for p in practices)]),
            "precision": PRECISION,
            "problem.severity": PROBLEM_SEVERITY[rule.severity],
        },
    }


def _rule_help_text(rule: type[Rule], practices: Sequence[Practice]) -> str:
    docs = rule.docs
    out = [f"{rule.id}: {rule.title}", ""]
    for practice in practices:
        label = "Practice" if practice.id == rule.practice() else "Related practice"
        out.append(f"{label}: {practice.id} {practice.title} ({practice.url})")
    out.append(f"Default severity: {rule.severity.value}")
    out += ["", "What it does:", docs.what, "", "Why it matters:", docs.why]
    for example in docs.examples:
        title = example.title
        out += ["", f"Example ({title}):", _indent(example.failing), "Use instead:"]
        out.append(_indent(example.passing))
    out += ["", "How to fix:", docs.fix, "", "Unresolved values:", docs.unknown]
    if docs.cautions:
        out += ["", "Known limits:", docs.cautions]
    return "\n".join(out) + "\n"


def _other_descriptor(finding: Finding) -> dict[str, Any]:
    """A descriptor for a rule ID with no rule class: the engine's own rules."""
    slug = finding.rule_id.split("/", 1)[-1]
    engine = ENGINE_RULES.get(finding.rule_id)
    if engine is not None:
        title, what, fix, level = engine.title, engine.what, engine.fix, engine.severity
    else:
        title = f"opslint reported {finding.rule_id}"
        what = f"opslint reported a problem under the ID {finding.rule_id}."
        fix, level = "See the result message.", finding.severity
    text = f"{finding.rule_id}: {title}\n\n{what}\n\nHow to fix:\n{fix}\n"
    page = EngineRule(finding.rule_id, level, title, what, fix).markdown()
    markdown = f"{page}\n## Reference\n\n- [opslint]({INFORMATION_URI})\n"
    return {
        "id": finding.rule_id,
        "name": _truncate(_pascal_case(slug), MAX_NAME),
        "shortDescription": {"text": _truncate(title, MAX_DESCRIPTION)},
        "fullDescription": {"text": _truncate(what, MAX_DESCRIPTION)},
        "defaultConfiguration": {"level": level.value},
        "help": {"text": text, "markdown": markdown},
        "helpUri": INFORMATION_URI,
        "properties": {
            "tags": ["opslint-engine"],
            "precision": "very-high",
            "problem.severity": PROBLEM_SEVERITY[level],
        },
    }


def _relationship(practice: Practice, index: int, *, primary: bool) -> dict[str, Any]:
    return {
        "target": {
            "id": practice.id,
            "index": index,
            "toolComponent": _taxonomy_reference(),
        },
        "kinds": ["superset" if primary else "relevant"],
    }


# --- the pillar taxonomy -------------------------------------------------------------------


def _taxonomy_reference() -> dict[str, Any]:
    return {"name": TAXONOMY_NAME, "index": 0, "guid": TAXONOMY_GUID}


def _taxonomy(catalog: Catalog) -> dict[str, Any]:
    return {
        "name": TAXONOMY_NAME,
        "guid": TAXONOMY_GUID,
        "organization": "AWS",
        "informationUri": TAXONOMY_URI,
        "shortDescription": {
            "text": "The best practices of the Operational Excellence pillar of the AWS "
            "Well-Architected Framework."
        },
        "isComprehensive": True,
        "taxa": [_taxon(practice) for practice in catalog],
    }


def _taxon(practice: Practice) -> dict[str, Any]:
    text = f"{practice.id} {practice.title}\n\n{practice.description}\n\n{practice.url}\n"
    markdown = (
        f"**{practice.id} {practice.title}** ({practice.area} / {practice.section})\n\n"
        f"{practice.description}\n\n[AWS documentation]({practice.url})\n"
    )
    return {
        "id": practice.id,
        "name": practice.title,
        "shortDescription": {"text": _truncate(practice.title, MAX_DESCRIPTION)},
        "fullDescription": {"text": _truncate(practice.description, MAX_DESCRIPTION)},
        "help": {"text": text, "markdown": markdown},
        "helpUri": practice.url,
        "properties": {
            "area": practice.area,
            "section": practice.section,
            "tags": [practice.group, practice.area],
        },
    }


def catalog_index(catalog: Catalog) -> dict[str, int]:
    """Practice ID → its taxon's index in ``run.taxonomies[0].taxa`` (catalog order)."""
    return {practice.id: index for index, practice in enumerate(catalog)}


# --- results -------------------------------------------------------------------------------


def _result(finding: Finding, rule_index: Mapping[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": artifact_location(finding.path),
            "region": {"startLine": finding.line, "endLine": max(finding.end_line, finding.line)},
        }
    }
    if finding.resource:
        location["logicalLocations"] = [
            {
                "name": finding.resource,
                "fullyQualifiedName": finding.construct_path or finding.resource,
                "kind": "resource",
            }
        ]
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index[finding.rule_id],
        "level": finding.severity.value,
        "message": {"text": finding.message},
        "locations": [location],
    }
    if finding.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.baseline_state:
        result["baselineState"] = finding.baseline_state
    if finding.suppression is not None:
        suppression: dict[str, Any] = {
            "kind": finding.suppression.kind,
            "justification": finding.suppression.justification,
        }
        if finding.suppression.until:
            suppression["properties"] = {"until": finding.suppression.until}
        result["suppressions"] = [suppression]
    properties: dict[str, Any] = {}
    if finding.practice_id:
        properties["practice_id"] = finding.practice_id
    if finding.related_practices:
        properties["related_practices"] = list(finding.related_practices)
    if finding.resource_type:
        properties["resource_type"] = finding.resource_type
    if finding.framework:
        properties["framework"] = finding.framework
    if finding.construct_path:
        properties["construct_path"] = finding.construct_path
    if properties:
        result["properties"] = properties
    return result


def artifact_location(path: str) -> dict[str, str]:
    """``artifactLocation`` for a finding path: a percent-encoded relative reference against
    ``%SRCROOT%``, or an absolute ``file`` URI for a path outside any base."""
    if path.startswith("/"):
        return {"uri": "file://" + sanitize.uri_path(path, safe=_URI_SAFE)}
    if _WINDOWS_DRIVE.match(path):
        return {"uri": "file:///" + path[:2] + sanitize.uri_path(path[2:], safe=_URI_SAFE)}
    return {"uri": sanitize.uri_path(path, safe=_URI_SAFE), "uriBaseId": SRCROOT}


# --- text helpers --------------------------------------------------------------------------


def _truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 code units (how GitHub counts), at a
    character boundary and preferably a word boundary, ending with an ellipsis."""
    text = text.strip()
    if _utf16_length(text) <= limit:
        return text
    budget = limit - 1  # room for the ellipsis
    kept: list[str] = []
    used = 0
    for char in text:
        size = _utf16_length(char)
        if used + size > budget:
            break
        kept.append(char)
        used += size
    cut = "".join(kept)
    space = cut.rfind(" ")
    if space > budget // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _pascal_case(slug: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", slug))


def _indent(code: str) -> str:
    return "\n".join("    " + line if line else line for line in code.splitlines())


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
