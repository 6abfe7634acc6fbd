"""The Operational Excellence practice catalog.

The catalog ships as package data (``opslint/data/practices.json``), generated from the seed
markdown by ``scripts/generate_catalog.py`` with :func:`parse_seed`. Loading it only needs the
standard library, so importing this module stays cheap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "DATA_FILE",
    "Catalog",
    "Practice",
    "catalog_from_json",
    "is_group",
    "is_practice_id",
    "load_catalog",
    "parse_seed",
    "render_catalog_json",
]

DATA_PACKAGE = "opslint.data"
DATA_FILE = "practices.json"

_PRACTICE_ID_RE = re.compile(r"OPS\d{2}-BP\d{2}")
_GROUP_RE = re.compile(r"OPS\d{2}")
_FIELDS = ("id", "title", "description", "area", "section", "url")


def is_practice_id(value: str) -> bool:
    """Whether *value* is shaped like a practice ID (``OPS08-BP02``); not a catalog lookup."""
    return _PRACTICE_ID_RE.fullmatch(value) is not None


def is_group(value: str) -> bool:
    """Whether *value* is shaped like a practice group (``OPS08``); not a catalog lookup."""
    return _GROUP_RE.fullmatch(value) is not None


@dataclass(frozen=True)
class Practice:
    """One best practice of the Operational Excellence pillar."""

    id: str
    title: str
    description: str
    area: str
    section: str
    url: str

    @property
    def group(self) -> str:
        """The question the practice belongs to: ``"OPS08"`` for ``"OPS08-BP02"``."""
        return self.id.split("-", 1)[0]

    def to_dict(self) -> dict[str, str]:
        """The practice as a JSON-ready mapping, keys in catalog order."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "area": self.area,
            "section": self.section,
            "url": self.url,
        }


class Catalog:
    """An ordered, read-only collection of practices indexed by ID."""

    is_practice_id = staticmethod(is_practice_id)
    is_group = staticmethod(is_group)

    def __init__(self, practices: Iterable[Practice]) -> None:
        self._practices: tuple[Practice, ...] = tuple(practices)
        self._by_id: dict[str, Practice] = {}
        self._by_group: dict[str, list[Practice]] = {}
        for practice in self._practices:
            if practice.id in self._by_id:
                raise ValueError(f"duplicate practice ID {practice.id!r}")
            self._by_id[practice.id] = practice
            self._by_group.setdefault(practice.group, []).append(practice)

    def __iter__(self) -> Iterator[Practice]:
        return iter(self._practices)

    def __len__(self) -> int:
        return len(self._practices)

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and item in self._by_id

    def __getitem__(self, practice_id: str) -> Practice:
        try:
            return self._by_id[practice_id]
        except KeyError:
            raise KeyError(f"unknown practice ID {practice_id!r}") from None

    def __repr__(self) -> str:
        return f"Catalog({len(self)} practices)"

    def get(self, practice_id: str) -> Practice | None:
        return self._by_id.get(practice_id)

    def groups(self) -> list[str]:
        """Group IDs (``OPS01`` ...) in catalog order."""
        return list(self._by_group)

    def in_group(self, group: str) -> list[Practice]:
        """Practices of *group* in catalog order; empty if the group is unknown."""
        return list(self._by_group.get(group, ()))

    def expand(self, selector: str) -> list[str]:
        """Practice IDs matched by a practice ID or a group ID; ``[]`` if unknown.

        Matching is exact and case-sensitive (``"OPS08"``, not ``"ops08"``).
        """
        if selector in self._by_id:
            return [selector]
        return [practice.id for practice in self._by_group.get(selector, ())]


def _practice_from_json(entry: object, index: int) -> Practice:
    if not isinstance(entry, dict):
        raise ValueError(f"{DATA_FILE}: practice #{index} is not an object")
    values: dict[str, str] = {}
    for field in _FIELDS:
        value = entry.get(field)
        if not isinstance(value, str):
            raise ValueError(f"{DATA_FILE}: practice #{index} has no string field {field!r}")
        values[field] = value
    return Practice(**values)


def catalog_from_json(text: str) -> Catalog:
    """Build a catalog from the text of ``practices.json``."""
    document = json.loads(text)
    if not isinstance(document, dict) or not isinstance(document.get("practices"), list):
        raise ValueError(f"{DATA_FILE}: expected an object with a 'practices' list")
    entries: list[object] = document["practices"]
    return Catalog(_practice_from_json(entry, i) for i, entry in enumerate(entries))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with opslint (read once, then cached)."""
    from importlib.resources import files  # deferred: only needed when loading

    text = files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return catalog_from_json(text)


def render_catalog_json(practices: Sequence[Practice], source: str) -> str:
    """The exact text of ``practices.json`` for *practices* parsed from *source*."""
    document = {"source": source, "practices": [p.to_dict() for p in practices]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- seed markdown parser -------------------------------------------------------------------

_HEADING_RE = re.compile(r"(#{1,6})(?:[ \t]+(.*))?")
_PRACTICE_HEADING_RE = re.compile(r"(OPS\d{2}-BP\d{2}):[ \t]*(.*)")
_DESCRIPTION_RE = re.compile(r"\*\*Description:\*\*[ \t]*(.*)")
_DOC_RE = re.compile(r"\*\*AWS Documentation:\*\*[ \t]*(.*)")
_DOC_LINK_RE = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
_TOTAL_RE = re.compile(r"\*\*Total Best Practices:\*\*[ \t]*(\d+)")
_RULE_RE = re.compile(r"(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}")
_FENCE_RE = re.compile(r"(```|~~~)")


class _Draft:
    """A practice being assembled by :func:`parse_seed`."""

    def __init__(self, line_no: int, practice_id: str, title: str, area: str, section: str) -> None:
        self.line_no = line_no
        self.id = practice_id
        self.title = title
        self.area = area
        self.section = section
        self.description_lines: list[str] | None = None
        self.description_line_no = 0
        self.url: str | None = None

    def finish(self) -> Practice:
        where = f"line {self.line_no}: {self.id}"
        if self.description_lines is None:
            raise ValueError(f"{where} has no **Description:**")
        description = "\n".join(self.description_lines).strip()
        if not description:
            raise ValueError(f"line {self.description_line_no}: {self.id} has an empty description")
        if self.url is None:
            raise ValueError(f"{where} has no **AWS Documentation:** link")
        return Practice(self.id, self.title, description, self.area, self.section, self.url)


def parse_seed(text: str) -> list[Practice]:
    """Parse the practice seed markdown into practices, in document order.

    The seed is organised as ``## <Area>``, ``### <Section>``, then per practice
    ``#### OPSxx-BPyy: <Title>``, ``**Description:** <text>`` (which may continue over further
    lines and paragraphs until the documentation line) and
    ``**AWS Documentation:** [OPSxx-BPyy](<url>)``. Anything unexpected raises ValueError
    naming the line.
    """
    practices: list[Practice] = []
    seen: dict[str, int] = {}
    area: str | None = None
    section: str | None = None
    draft: _Draft | None = None
    in_description = False
    fence: str | None = None
    declared_total: tuple[int, int] | None = None

    def close() -> None:
        nonlocal draft, in_description
        if draft is not None:
            practices.append(draft.finish())
        draft = None
        in_description = False

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()

        # Inside a description, everything up to the documentation line is description text,
        # including fenced code blocks (which may contain '#' lines).
        if draft is not None and in_description:
            assert draft.description_lines is not None
            if fence is not None:
                draft.description_lines.append(line)
                if stripped.startswith(fence):
                    fence = None
                continue
            fence_match = _FENCE_RE.match(stripped)
            if fence_match:
                fence = fence_match.group(1)
                draft.description_lines.append(line)
                continue
            if not (
                _DOC_RE.match(stripped)
                or _HEADING_RE.fullmatch(stripped)
                or _RULE_RE.fullmatch(stripped)
            ):
                draft.description_lines.append(line)
                continue
            in_description = False

        if not stripped:
            continue

        heading = _HEADING_RE.fullmatch(stripped)
        if heading:
            level = len(heading.group(1))
            content = (heading.group(2) or "").strip()
            if not content:
                raise ValueError(f"line {line_no}: empty heading")
            if level == 1:
                if area is not None or draft is not None:
                    raise ValueError(f"line {line_no}: unexpected top-level heading {content!r}")
                continue
            close()
            if level == 2:
                area, section = content, None
            elif level == 3:
                if area is None:
                    raise ValueError(f"line {line_no}: section {content!r} outside an area")
                section = content
            elif level == 4:
                match = _PRACTICE_HEADING_RE.fullmatch(content)
                if match is None:
                    raise ValueError(
                        f"line {line_no}: expected '#### OPSxx-BPyy: <Title>', got {stripped!r}"
                    )
                practice_id, title = match.group(1), match.group(2).strip()
                if not title:
                    raise ValueError(f"line {line_no}: {practice_id} has an empty title")
                if area is None or section is None:
                    raise ValueError(f"line {line_no}: {practice_id} is outside an area/section")
                if practice_id in seen:
                    first = seen[practice_id]
                    raise ValueError(
                        f"line {line_no}: duplicate {practice_id} (first at line {first})"
                    )
                seen[practice_id] = line_no
                draft = _Draft(line_no, practice_id, title, area, section)
            else:
                raise ValueError(f"line {line_no}: unexpected heading level {level}: {stripped!r}")
            continue

        if _RULE_RE.fullmatch(stripped):
            close()
            continue

        if draft is None:
            total = _TOTAL_RE.fullmatch(stripped)
            if total and area is None:
                declared_total = (int(total.group(1)), line_no)
                continue
            if area is None:
                continue  # preamble prose before the first area
            raise ValueError(f"line {line_no}: unexpected text outside a practice: {stripped!r}")

        description = _DESCRIPTION_RE.fullmatch(stripped)
        if description:
            if draft.description_lines is not None:
                raise ValueError(f"line {line_no}: {draft.id} has a second description")
            if draft.url is not None:
                raise ValueError(f"line {line_no}: {draft.id} description after its link")
            draft.description_lines = [description.group(1)]
            draft.description_line_no = line_no
            in_description = True
            fence_match = _FENCE_RE.match(description.group(1))
            fence = fence_match.group(1) if fence_match else None
            continue

        doc = _DOC_RE.fullmatch(stripped)
        if doc:
            if draft.url is not None:
                raise ValueError(f"line {line_no}: {draft.id} has a second documentation link")
            link = _DOC_LINK_RE.fullmatch(doc.group(1).strip())
            if link is None:
                raise ValueError(
                    f"line {line_no}: {draft.id}: expected '**AWS Documentation:** "
                    f"[{draft.id}](<url>)', got {stripped!r}"
                )
            label, url = link.group(1).strip(), link.group(2)
            if label != draft.id:
                raise ValueError(f"line {line_no}: {draft.id} links as {label!r}")
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"line {line_no}: {draft.id} has a non-HTTP URL {url!r}")
            draft.url = url
            continue

        raise ValueError(f"line {line_no}: unexpected text in {draft.id}: {stripped!r}")

    if fence is not None and draft is not None:
        raise ValueError(f"line {draft.description_line_no}: {draft.id}: unclosed code fence")
    close()

    if declared_total is not None and declared_total[0] != len(practices):
        raise ValueError(
            f"line {declared_total[1]}: seed declares {declared_total[0]} practices, "
            f"found {len(practices)}"
        )
    return practices
