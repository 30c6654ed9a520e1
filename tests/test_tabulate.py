"""The same race/ethnicity data tabulated under OMB 1997 and SPD-15 2024 (validator/tabulate.py).

fixtures/race_detailed_mena_both_standards.csv holds US Core-style 1997 detail (race_omb +
race_detailed, ethnicity_code + ethnicity_detailed), 16 rows, sites A (1-8) and B (9-16):

 1 White + 2121-2 Iranian       5 White + 2110-5 English      9 Asian + 2034-7 Chinese
 2 White + 2123-8 Lebanese      6 White, Hispanic + Mexican  10 Black|White + African Am.|Lebanese
 3 White + 2129-5 Arab          7 AIAN + 1382-1 Navajo       11 White + Iranian|Irish
 4 White + 2126-1 Afghanistani  8 NHPI + 2080-0 Samoan       12 Asian|White + Afghanistani
13 race blank, Hispanic + Mexican   14 2131-1 Other Race, Hispanic
15 race and ethnicity "Declined"    16 race and ethnicity UNK
(all rows but 6, 13, 14, 15, 16 are Not Hispanic or Latino.)

Under 1997 the MENA, Arab and Afghanistani rows are White; under 2024 rows 1-3 are MENA, row 4
Asian (DOMAIN Q4), 6 / 10 / 11 multiracial and/or multiethnic, 12 Asian (its White only rolls
up the Afghanistani detail), 13 and 14 Hispanic alone. Every number below was counted from this
table, not copied from the tool.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from conftest import FIXTURES, MARKER

import validator
from validator.report.json_report import render_json
from validator.report.markdown import render_markdown
from validator.results import Report
from validator.tabulate import bridge_1997

FILE = FIXTURES / "race_detailed_mena_both_standards.csv"
AIAN, ASIAN, BLACK, NHPI, WHITE, OTHER = "1002-5", "2028-9", "2054-5", "2076-8", "2106-3", "2131-1"
HISP, NOT_HISP, MENA = "2135-2", "2186-5", "2118-8"
ABSENT = ("blank", "unknown", "declined", "not_asked", "asked_unknown", "unable_to_respond",
          "other", "not_applicable")


def _zeros(*keys: str) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


def _counts(table: dict[str, Any], section: str) -> dict[str, int]:
    return {row["key"]: row["count"] for row in table["sections"][section]}


def _table(report: Report, standard: str, stratum: str | None = None) -> dict[str, Any]:
    found = [t for t in report.tabulation["tables"]
             if t["standard"] == standard and t["stratum"] == stratum]
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def report() -> Report:
    return validator.validate(FILE, as_of_date="2026-11-01")


def test_omb1997_whole_input(report: Report) -> None:
    t = _table(report, "omb1997")
    assert t["rows"] == 16
    assert t["sources"] == {"native": 14, "bridged": 0, "no_answer": 2}
    race = {**_zeros(AIAN, ASIAN, BLACK, NHPI, WHITE, OTHER, "more_than_one_race",
                     "unclassified", *ABSENT),
            AIAN: 1, ASIAN: 1, NHPI: 1, WHITE: 7, OTHER: 1, "more_than_one_race": 2,
            "blank": 1, "declined": 1, "unknown": 1}
    assert _counts(t, "race") == race
    eth = {**_zeros(HISP, NOT_HISP, "unclassified", *ABSENT),
           HISP: 3, NOT_HISP: 11, "declined": 1, "unknown": 1}
    assert _counts(t, "ethnicity") == eth
    assert _counts(t, "combinations") == {"hispanic_and_one_or_more_races": 2}


def test_spd15_2024_whole_input(report: Report) -> None:
    t = _table(report, "spd15_2024")
    assert t["rows"] == 16
    assert t["sources"] == {"native": 0, "bridged": 14, "no_answer": 2}
    alone = {**_zeros(AIAN, ASIAN, BLACK, HISP, MENA, NHPI, WHITE, "multiracial_multiethnic",
                      "unclassified", *ABSENT),
             AIAN: 1, ASIAN: 3, HISP: 2, MENA: 3, NHPI: 1, WHITE: 1,
             "multiracial_multiethnic": 3, "declined": 1, "unknown": 1}
    assert _counts(t, "alone") == alone
    assert _counts(t, "alone_or_in_combination") == {
        AIAN: 1, ASIAN: 3, BLACK: 1, HISP: 3, MENA: 5, NHPI: 1, WHITE: 3}


def test_mena_and_afghanistani_move_between_standards(report: Report) -> None:
    """Rows 1-4 are White under 1997; under 2024 rows 1-3 are MENA and row 4 is Asian."""
    a97, a24 = _table(report, "omb1997", "A"), _table(report, "spd15_2024", "A")
    assert _counts(a97, "race")[WHITE] == 6
    assert _counts(a97, "race")[ASIAN] == 0
    assert _counts(a24, "alone")[WHITE] == 1
    assert _counts(a24, "alone")[MENA] == 3
    assert _counts(a24, "alone")[ASIAN] == 1
    assert _counts(a24, "alone")["multiracial_multiethnic"] == 1


def test_per_stratum_counts(report: Report) -> None:
    b97, b24 = _table(report, "omb1997", "B"), _table(report, "spd15_2024", "B")
    race = _counts(b97, "race")
    assert {k: v for k, v in race.items() if v} == {
        ASIAN: 1, WHITE: 1, OTHER: 1, "more_than_one_race": 2, "blank": 1, "declined": 1,
        "unknown": 1}
    assert {k: v for k, v in _counts(b97, "ethnicity").items() if v} == {
        HISP: 2, NOT_HISP: 4, "declined": 1, "unknown": 1}
    assert {k: v for k, v in _counts(b24, "alone").items() if v} == {
        ASIAN: 2, HISP: 2, "multiracial_multiethnic": 2, "declined": 1, "unknown": 1}
    assert {k: v for k, v in _counts(b24, "alone_or_in_combination").items() if v} == {
        ASIAN: 2, BLACK: 1, HISP: 2, MENA: 2, WHITE: 1}
    assert [t["stratum"] for t in report.tabulation["tables"]] == [
        None, None, "A", "A", "B", "B"]


def test_exclusive_sections_sum_to_the_records(report: Report) -> None:
    for t in report.tabulation["tables"]:
        for section in ("race", "ethnicity", "alone"):
            if section in t["sections"]:
                assert sum(_counts(t, section).values()) == t["rows"], (t["stratum"], section)


def test_json_carries_the_tabulation(report: Report) -> None:
    doc = json.loads(render_json(report))
    tab = doc["tabulation"]
    assert tab["fields"] == {"omb1997": ["race_omb", "race_detailed", "ethnicity_code",
                                         "ethnicity_detailed"], "spd15_2024": []}
    assert tab["rollup_2024"] == {"2118-8 subtree (MENA)": MENA, "2129-5 Arab": MENA,
                                  "2126-1 Afghanistani": ASIAN}
    assert len(tab["tables"]) == 6
    row = tab["tables"][1]["sections"]["alone"][4]
    assert row == {"key": MENA, "label": "Middle Eastern or North African", "kind": "category",
                   "count": 3}
    assert MARKER not in json.dumps(tab)


def test_markdown_renders_both_standards(report: Report) -> None:
    md = render_markdown(report)
    start = md.index("## Race and ethnicity under both standards")
    assert start < md.index("## Parameters used")
    section = md[start:md.index("## Parameters used")]
    assert "### OMB 1997 — race" in section
    assert "| White (`2106-3`) | 7 | 6 | 1 |" in section
    assert "| Middle Eastern or North African (`2118-8`) | 3 | 3 | 0 |" in section
    assert "| Multiracial and/or Multiethnic | 3 | 1 | 2 |" in section
    assert "| absent: declined | 1 | 0 | 1 |" in section
    assert "absent: not asked" not in section  # absent rows with no record are not shown
    assert MARKER not in md


def test_2024_records_bridge_to_1997() -> None:
    """2024-format answers under 1997: MENA is White, Hispanic is the ethnicity, Hispanic alone
    has no race, 'Some other race' has no category under either standard."""
    frame = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(1, 8)],
        "race_ethnicity_2024": ["2118-8", "2135-2", "2106-3|2135-2", "2131-1", "Declined",
                                "2054-5|2028-9", "UNK"],
        "race_ethnicity_2024_detailed": ["2123-8", "2148-5", None, None, None, None, None],
    })
    report = validator.validate(frame, {"standard": "spd15_2024",
                                        "fields": {c: c for c in frame.columns}})
    t97, t24 = _table(report, "omb1997"), _table(report, "spd15_2024")
    assert t97["sources"] == {"native": 0, "bridged": 5, "no_answer": 2}
    assert t24["sources"] == {"native": 5, "bridged": 0, "no_answer": 2}
    assert {k: v for k, v in _counts(t97, "race").items() if v} == {
        WHITE: 2, "more_than_one_race": 1, "unclassified": 2, "declined": 1, "unknown": 1}
    assert {k: v for k, v in _counts(t97, "ethnicity").items() if v} == {
        HISP: 2, NOT_HISP: 2, "unclassified": 1, "declined": 1, "unknown": 1}
    assert _counts(t97, "combinations") == {"hispanic_and_one_or_more_races": 1}
    assert {k: v for k, v in _counts(t24, "alone").items() if v} == {
        MENA: 1, HISP: 1, "multiracial_multiethnic": 2, "unclassified": 1, "declined": 1,
        "unknown": 1}


def test_bridge_1997_drops_categories_explained_by_a_detail() -> None:
    assert bridge_1997([WHITE, "2121-2"]) == {MENA}
    assert bridge_1997([WHITE, "2121-2", "2113-9"]) == {MENA, WHITE}
    assert bridge_1997([ASIAN, WHITE, "2126-1"]) == {ASIAN}
    assert bridge_1997([WHITE, "2129-5"]) == {MENA}
    assert bridge_1997([OTHER, HISP]) == {HISP}
    assert bridge_1997([HISP, "2148-5", BLACK]) == {HISP, BLACK}
    assert bridge_1997([NOT_HISP, "Lebanese", "9999-9", "1000-9"]) == frozenset()


def test_nothing_to_tabulate() -> None:
    frame = pd.DataFrame({"patient_id": ["P1"], "birth_date": ["2010-01-01"]})
    report = validator.validate(frame, as_of_date="2026-11-01")
    assert report.tabulation == {}
    assert report.to_dict()["tabulation"] == {}
    assert "under both standards" not in render_markdown(report)
