"""Baselines: record today's findings, then report only new ones.

The file is sorted, indented JSON so that it reviews well and shrinks line by line. Findings
match entries by fingerprint (rule, file, resource and the attribute at fault: stable when
lines move or code is reformatted, changed when the resource is renamed). The path in a
fingerprint is relative to the repository root, so a baseline matches wherever in the
repository opslint runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opslint import sanitize
from opslint.config import ConfigError
from opslint.model import Finding
from opslint.reading import read_regular

FORMAT_VERSION = 1


@dataclass(frozen=True)
class BaselineEntry:
    fingerprint: str
    rule_id: str
    path: str
    resource: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "path": self.path,
            "resource": self.resource,
            "message": self.message,
        }


def baselineable(finding: Finding) -> bool:
    """Engine findings (parse errors, suppression problems) are never baselined."""
    return bool(finding.practice_id)


def render_baseline(findings: Sequence[Finding]) -> str:
    entries = sorted(
        {
            BaselineEntry(f.fingerprint, f.rule_id, f.path, f.resource, f.message)
            for f in findings
            if baselineable(f)
        },
        key=lambda e: (e.path, e.rule_id, e.resource, e.fingerprint),
    )
    document = {
        "opslint_baseline": FORMAT_VERSION,
        "findings": [e.to_dict() for e in entries],
    }
    return sanitize.json_text(document) + "\n"


def write_baseline(path: str, findings: Sequence[Finding]) -> int:
    text = render_baseline(findings)
    Path(path).write_text(text, encoding="utf-8")
    return text.count('"fingerprint"')


def read_baseline(path: str) -> list[BaselineEntry]:
    try:
        document = json.loads(read_regular(path, limit=None).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the baseline: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: the baseline is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}: the baseline is not valid JSON: {exc.msg}"
        ) from None
    if not isinstance(document, dict) or document.get("opslint_baseline") != FORMAT_VERSION:
        raise ConfigError(f"{path}: not an opslint baseline (version {FORMAT_VERSION})")
    entries = []
    for index, raw in enumerate(document.get("findings") or []):
        try:
            entries.append(
                BaselineEntry(
                    fingerprint=str(raw["fingerprint"]),
                    rule_id=str(raw["rule_id"]),
                    path=str(raw["path"]),
                    resource=str(raw.get("resource", "")),
                    message=str(raw.get("message", "")),
                )
            )
        except (KeyError, TypeError):
            raise ConfigError(f"{path}: entry {index} lacks a fingerprint or rule_id") from None
    return entries


def apply_baseline(
    findings: Sequence[Finding], entries: Sequence[BaselineEntry]
) -> tuple[list[Finding], list[Finding], list[BaselineEntry]]:
    """(new findings, findings already in the baseline, entries that no longer occur)."""
    from dataclasses import replace

    known = {e.fingerprint for e in entries}
    seen: set[str] = set()
    new: list[Finding] = []
    unchanged: list[Finding] = []
    for finding in findings:
        if baselineable(finding) and finding.fingerprint in known:
            seen.add(finding.fingerprint)
            unchanged.append(replace(finding, baseline_state="unchanged"))
        else:
            new.append(replace(finding, baseline_state="new"))
    stale = [e for e in entries if e.fingerprint not in seen]
    return new, unchanged, stale
