"""Tests for the shipped practice catalog and the seed parser."""

from __future__ import annotations

import dataclasses
import json
from importlib.resources import files
from pathlib import Path

import pytest

from opslint.catalog import (
    Catalog,
    Practice,
    is_group,
    is_practice_id,
    load_catalog,
    parse_seed,
    render_catalog_json,
)

SEED_NAME = "operational-excellence-practices.md"
SEED_PATH = Path(__file__).resolve().parents[2] / "shared" / "seed" / SEED_NAME
FIELDS = [f.name for f in dataclasses.fields(Practice)]


def _seed_text() -> str:
    if not SEED_PATH.is_file():
        pytest.skip(
            f"the practice catalog's source {SEED_PATH} is absent: check out the shared folder "
            "beside this repository to cross-check the catalog (see README, Contributing)"
        )
    return SEED_PATH.read_text(encoding="utf-8")


def _snippet(body: str) -> str:
    return "## Operate\n\n### Observability\n\n" + body


# (a) shape of the shipped catalog


def test_shipped_catalog_shape() -> None:
    catalog = load_catalog()
    practices = list(catalog)
    assert len(catalog) == 67
    assert len(practices) == 67
    ids = [p.id for p in practices]
    assert len(set(ids)) == 67
    assert all(is_practice_id(i) for i in ids)
    for practice in practices:
        for field in FIELDS:
            value = getattr(practice, field)
            assert isinstance(value, str) and value.strip(), (practice.id, field)
            assert value == value.strip(), (practice.id, field)
        assert practice.url.startswith("https://docs.aws.amazon.com/wellarchitected/")
    assert {p.area for p in practices} == {"Organization", "Prepare", "Operate", "Evolve"}


def test_shipped_catalog_per_area_counts_and_order() -> None:
    practices = list(load_catalog())
    counts: dict[str, int] = {}
    for p in practices:
        counts[p.area] = counts.get(p.area, 0) + 1
    assert counts == {"Organization": 18, "Prepare": 24, "Operate": 12, "Evolve": 13}
    assert list(counts) == ["Organization", "Prepare", "Operate", "Evolve"]
    assert practices[0].id == "OPS01-BP01"
    assert practices[-1].id == "OPS11-BP04"


def test_shipped_json_file_layout() -> None:
    raw = files("opslint.data").joinpath("practices.json").read_text(encoding="utf-8")
    document = json.loads(raw)
    assert document["source"] == SEED_NAME
    assert [list(entry) for entry in document["practices"]] == [FIELDS] * 67
    assert raw.endswith("}\n")


def test_known_practices() -> None:
    catalog = load_catalog()
    assert catalog["OPS08-BP02"] == Practice(
        id="OPS08-BP02",
        title="Analyze workload logs",
        description=(
            "Collect logs from your workload to analyze behavior and identify potential issues. "
            "Aggregate logs to a central location for analysis."
        ),
        area="Operate",
        section="Observability",
        url=(
            "https://docs.aws.amazon.com/wellarchitected/latest/framework/"
            "ops_workload_observability_analyze_workload_logs.html"
        ),
    )
    assert catalog["OPS08-BP02"].group == "OPS08"

    first = catalog["OPS01-BP01"]
    assert first.title == "Evaluate external customer needs"
    assert (first.area, first.section) == ("Organization", "Business priorities")
    assert first.url == (
        "https://docs.aws.amazon.com/wellarchitected/latest/operational-excellence-pillar/"
        "ops_priorities_ext_cust_needs.html"
    )

    # The Evolve area's single section holds both OPS10 and OPS11 in the seed.
    assert catalog["OPS11-BP04"].section == "Continuous improvement"
    assert catalog["OPS10-BP09"].area == "Evolve"


def test_load_catalog_is_cached() -> None:
    assert load_catalog() is load_catalog()


# (b) shipped JSON matches the seed


def test_shipped_catalog_matches_seed() -> None:
    parsed = parse_seed(_seed_text())
    shipped = list(load_catalog())
    assert [p.id for p in shipped] == [p.id for p in parsed]
    for got, want in zip(shipped, parsed, strict=True):
        for field in FIELDS:
            assert getattr(got, field) == getattr(want, field), (want.id, field)


def test_shipped_json_is_regenerated_output() -> None:
    expected = render_catalog_json(parse_seed(_seed_text()), SEED_NAME)
    raw = files("opslint.data").joinpath("practices.json").read_text(encoding="utf-8")
    assert raw == expected, "practices.json is stale: run scripts/generate_catalog.py"


# (c) lookups and expand()


def test_expand_and_lookups() -> None:
    catalog = load_catalog()
    assert catalog.expand("OPS08-BP02") == ["OPS08-BP02"]
    assert catalog.expand("OPS08") == [f"OPS08-BP0{i}" for i in range(1, 6)]
    assert catalog.expand("OPS99") == []
    assert catalog.expand("OPS08-BP99") == []
    assert catalog.expand("nonsense") == []
    assert catalog.expand("") == []

    assert "OPS08-BP02" in catalog
    assert "OPS08" not in catalog
    assert 42 not in catalog
    assert catalog.get("OPS99-BP01") is None
    with pytest.raises(KeyError):
        catalog["OPS99-BP01"]

    assert catalog.groups() == [f"OPS{i:02d}" for i in range(1, 12)]
    assert [p.id for p in catalog.in_group("OPS06")] == [f"OPS06-BP0{i}" for i in range(1, 5)]
    assert catalog.in_group("OPS99") == []


def test_id_helpers() -> None:
    assert is_practice_id("OPS08-BP02")
    assert not is_practice_id("OPS08")
    assert not is_practice_id("ops08-bp02")
    assert not is_practice_id("OPS08-BP02 ")
    assert is_group("OPS08")
    assert not is_group("OPS08-BP02")
    assert Catalog.is_practice_id("OPS01-BP01")
    assert Catalog.is_group("OPS01")


def test_catalog_rejects_duplicate_ids() -> None:
    practice = Practice("OPS01-BP01", "t", "d", "a", "s", "https://example.com")
    with pytest.raises(ValueError, match="duplicate"):
        Catalog([practice, practice])


# (d) the parser


def test_parse_seed_snippet() -> None:
    text = _snippet(
        "#### OPS08-BP02: Analyze  workload logs \n\n"
        "**Description:** First line with `code` and **bold**.\n"
        "Second line.\n\n"
        "Second paragraph.\n\n"
        "**AWS Documentation:** [OPS08-BP02](https://example.com/logs.html)\n\n---\n"
    )
    assert parse_seed(text) == [
        Practice(
            id="OPS08-BP02",
            title="Analyze  workload logs",
            description="First line with `code` and **bold**.\nSecond line.\n\nSecond paragraph.",
            area="Operate",
            section="Observability",
            url="https://example.com/logs.html",
        )
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            "#### OPS08-BP02: Logs\n\n**AWS Documentation:** [OPS08-BP02](https://e.com/x)\n",
            r"line 5: OPS08-BP02 has no \*\*Description",
            id="missing-description",
        ),
        pytest.param(
            "#### OPS08-BP02: Logs\n\n**Description:** Text.\n\n---\n",
            r"line 5: OPS08-BP02 has no \*\*AWS Documentation",
            id="missing-url",
        ),
        pytest.param(
            "#### OPS08-BP02: Logs\n\n**Description:** Text.\n\n#### OPS08-BP03: Traces\n",
            r"line 5: OPS08-BP02 has no \*\*AWS Documentation",
            id="missing-url-before-next-practice",
        ),
        pytest.param(
            "#### OPS08-BP02: Logs\n\n**Description:**\n\n"
            "**AWS Documentation:** [OPS08-BP02](https://e.com/x)\n",
            r"line 7: OPS08-BP02 has an empty description",
            id="empty-description",
        ),
        pytest.param(
            "#### OPS08-BP02: Logs\n\n**Description:** Text.\n\n"
            "**AWS Documentation:** OPS08-BP02\n",
            r"line 9: OPS08-BP02: expected",
            id="url-not-a-link",
        ),
        pytest.param(
            "#### OPS08-BP02: Logs\n\n**Description:** Text.\n\n"
            "**AWS Documentation:** [OPS08-BP03](https://e.com/x)\n",
            r"line 9: OPS08-BP02 links as 'OPS08-BP03'",
            id="link-label-mismatch",
        ),
        pytest.param("#### OPS8-BP2: Logs\n", r"line 5: expected '#### OPSxx-BPyy", id="bad-id"),
        pytest.param("#### OPS08-BP02:\n", r"line 5: OPS08-BP02 has an empty title", id="no-title"),
    ],
)
def test_parse_seed_rejects_malformed(body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_seed(_snippet(body))


def test_parse_seed_rejects_duplicates_and_structure() -> None:
    block = (
        "#### OPS08-BP02: Logs\n\n**Description:** Text.\n\n"
        "**AWS Documentation:** [OPS08-BP02](https://e.com/x)\n\n---\n\n"
    )
    with pytest.raises(ValueError, match="duplicate OPS08-BP02"):
        parse_seed(_snippet(block + block))
    with pytest.raises(ValueError, match="outside an area/section"):
        parse_seed(block)
    with pytest.raises(ValueError, match="declares 2 practices, found 1"):
        parse_seed("# Title\n\n**Total Best Practices:** 2\n\n" + _snippet(block))
