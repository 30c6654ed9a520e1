"""SPD-15 2024 roll-up (validator/spd15.py), its value sets, and rule edge cases of R-050…R-055
not covered by the fixtures of expected.yaml."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import validator
from validator import cdcrec, spd15, valuesets
from validator.fields import FIELDS, REQUIRED_GROUPS
from validator.results import Report

PROFILE_2024 = "spd15_2024"


@pytest.mark.parametrize(("code", "category"), [
    ("1002-5", "1002-5"), ("2028-9", "2028-9"), ("2054-5", "2054-5"), ("2135-2", "2135-2"),
    ("2118-8", "2118-8"), ("2076-8", "2076-8"), ("2106-3", "2106-3"),
    ("2121-2", "2118-8"),  # Iranian: 2118-8 subtree
    ("2123-8", "2118-8"),  # Lebanese
    ("2129-5", "2118-8"),  # Arab: White child in CDCREC, MENA by DOMAIN Q4 default
    ("2126-1", "2028-9"),  # Afghanistani: under 2118-8 in CDCREC, Asian by DOMAIN Q4 default
    ("2110-5", "2106-3"),  # English
    ("2148-5", "2135-2"),  # Mexican (ethnicity tree)
    ("2184-0", "2135-2"),  # Dominican (ethnicity tree)
    ("2069-3", "2054-5"),  # Dominican (race tree, under Black)
    ("1382-1", "1002-5"),  # Navajo
    ("2131-1", None), ("2186-5", None), ("1000-9", None), ("2133-7", None),
    ("9999-9", None), ("Lebanese", None), ("", None),
])
def test_minimum_category(code: str, category: str | None) -> None:
    assert spd15.minimum_category(code) == category


def test_q4_choices_are_named_constants() -> None:
    assert spd15.AFGHANISTANI_CATEGORY == spd15.ASIAN
    assert spd15.ARAB_CATEGORY == spd15.MENA
    assert cdcrec.parent(spd15.AFGHANISTANI) == cdcrec.MENA
    assert cdcrec.parent(cdcrec.ARAB) == spd15.WHITE
    assert spd15.remapped_from_white() == cdcrec.MENA_CODES | {cdcrec.ARAB}
    assert spd15.omb1997_race_category("2126-1") == spd15.WHITE
    assert spd15.omb1997_race_category("2121-2") == spd15.WHITE
    assert spd15.omb1997_race_category("2148-5") is None


def test_minimum_value_set_matches_the_module() -> None:
    vs = valuesets.load("spd15_2024_minimum")
    assert vs.codes == set(spd15.MINIMUM_CATEGORIES)
    assert len(vs.codes) == 7
    assert {r["code"]: r["label_2024"] for r in vs.rows} == spd15.LABELS
    assert vs.display("2118-8") == "Middle Eastern or North African"
    assert vs.meta["url"] is None


def test_detailed_value_set() -> None:
    vs = valuesets.load("spd15_2024_detailed")
    race = valuesets.load("race_detailed").codes
    eth = valuesets.load("ethnicity_detailed").codes
    assert vs.codes == (race | eth) - {cdcrec.MENA}
    assert len(vs.codes) == vs.meta["count"] == 955
    assert all(spd15.minimum_category(c) is not None for c in vs.codes)
    assert vs.row("2148-5")["tree"] == "ethnicity"  # type: ignore[index]
    assert not set(spd15.MINIMUM_CATEGORIES) & vs.codes


def test_fields_and_required_groups() -> None:
    assert FIELDS["race_ethnicity_2024"].valueset == "spd15_2024_minimum"
    assert FIELDS["race_ethnicity_2024_detailed"].valueset == "spd15_2024_detailed"
    assert REQUIRED_GROUPS["spd15_2024"] == {"race_ethnicity_2024": ("race_ethnicity_2024",)}
    assert set(REQUIRED_GROUPS["omb1997"]) == {"race", "ethnicity"}


def _run(columns: dict[str, list[Any]], standard: str = PROFILE_2024) -> Report:
    frame = pd.DataFrame(columns)
    return validator.validate(frame, {"standard": standard,
                                      "fields": {c: c for c in frame.columns}},
                              as_of_date="2026-11-01")


def test_required_field_follows_the_standard() -> None:
    cols = {"patient_id": ["P1", "P2"], "race_ethnicity_2024": ["2135-2", "2106-3"]}
    r24 = _run(cols)
    assert r24.result("RACE.COMPLETENESS").status.value == "NOT_APPLICABLE"
    assert r24.result("RE24.COMPLETENESS").status.value == "PASS"
    assert r24.gate.passed
    r97 = _run(cols, "omb1997")
    assert r97.result("RACE.COMPLETENESS").status.value == "FAIL"
    assert "required field race" in r97.result("RACE.COMPLETENESS").reason
    assert r97.result("RE24.COMPLETENESS").status.value == "NOT_APPLICABLE"


def test_completeness_excludes_imputed_rows() -> None:
    r = _run({"patient_id": ["P1", "P2", "P3"],
              "race_ethnicity_2024": ["2106-3", "2054-5", "2028-9"],
              "race_source": ["self", "imputed", "proxy"]})
    res = r.result("RE24.COMPLETENESS")
    assert (res.numerator, res.denominator) == (2, 3)
    assert res.details["imputed_excluded"] == 1


def test_bridge_declared_wrong_version_violates() -> None:
    """A 1997-format record declared spd15_2024 (and the reverse) is not declared."""
    r = _run({"patient_id": ["P1", "P2", "P3", "P4"],
              "race_codes": ["2106-3", "2054-5", None, None],
              "race_ethnicity_2024": [None, None, "2118-8", "2135-2"],
              "standard_version": ["omb1997", "spd15_2024", "spd15_2024", "omb1997"]})
    res = r.result("RE24.BRIDGE_DECLARED")
    assert (res.status.value, res.numerator, res.denominator) == ("FAIL", 2, 4)
    assert res.details["undeclared_1997_format"] == 1
    assert res.details["undeclared_2024_format"] == 1


def test_bridge_declared_not_applicable_under_omb1997() -> None:
    r = _run({"patient_id": ["P1"], "race_codes": ["2106-3"], "ethnicity_code": ["2186-5"],
              "race_ethnicity_2024": ["2106-3"]}, "omb1997")
    assert r.result("RE24.BRIDGE_DECLARED").status.value == "NOT_APPLICABLE"


def test_detail_collected_without_detailed_column_warns() -> None:
    r = _run({"patient_id": ["P1", "P2"], "race_ethnicity_2024": ["2106-3", "2028-9"]})
    res = r.result("RE24.DETAIL_COLLECTED")
    assert (res.status.value, res.numerator, res.denominator) == ("WARN", 1, 1)
    assert "not in the input" in res.reason


def test_no_sor_ignores_the_oth_null_flavor() -> None:
    r = _run({"patient_id": ["P1", "P2", "P3", "P4"],
              "race_ethnicity_2024": ["OTH", "some  OTHER race", "Other Pacific Islander",
                                      "2106-3"]})
    res = r.result("RE24.NO_SOR")
    assert (res.numerator, res.denominator) == (1, 3)
    assert r.field_summary("race_ethnicity_2024").counts["other"] == 1


def test_mena_profile_note_names_the_rollup() -> None:
    r = _run({"patient_id": ["P1", "P2"], "race_codes": ["2126-1", "2106-3"],
              "race_ethnicity_2024": ["2028-9", "2106-3"]})
    res = r.result("RACE.MENA_PROFILE")
    assert (res.numerator, res.denominator) == (1, 2)
    assert "2126-1 Afghanistani as Asian" in res.reason
