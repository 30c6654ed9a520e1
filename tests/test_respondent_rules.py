"""Respondent, age-transition and history rules (R-101..R-107): respondent normalization, ages
exactly at the thresholds, ages overridden in the profile's ages: section (and by a check's own
params), the ordering of a patient's encounters and the NOT_APPLICABLE reasons."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import validator
from validator import profile as profiles
from validator.engine.rules.history import years_between
from validator.normalize import normalize
from validator.results import CheckResult, Report, Status

AS_OF = "2026-11-01"


def _run(columns: list[str], rows: list[tuple[str, ...]], **profile: Any) -> Report:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    prof = {"fields": {c: c for c in columns}, **profile}
    return validator.validate(frame, profile=prof, as_of_date=AS_OF)


def _result(report: Report, check_id: str, field: str | None = None) -> CheckResult:
    return report.result(check_id, field=field)


def _counts(r: CheckResult) -> tuple[str, int | None, int | None]:
    return r.status.value, r.numerator, r.denominator


# ----------------------------------------------------------------------------- normalization


def test_respondent_values_normalize_to_the_project_vocabulary() -> None:
    values = ["Self", "PATIENT", "self-reported", "Parent/Guardian", "parent / guardian",
              "Mother", "proxy", "Caregiver", "parent_guardian_family", "Legal Representative",
              "Other authorized representative", "Staff-determined", "neighbor", "UNKNOWN",
              "Declined", "", None]
    frame = pa.table({"c": pa.array(values, type=pa.large_string())}).to_pandas(
        types_mapper=pd.ArrowDtype)
    nf = normalize(frame, profiles.from_dict({"fields": {"race_respondent": "c"}})).fields[
        "race_respondent"]
    got = [u[0] if u else s for u, s in zip(nf.rows("informative"), nf.rows("state"),
                                             strict=True)]
    assert got == ["self", "self", "self", "parent_guardian_family", "parent_guardian_family",
                   "parent_guardian_family", "parent_guardian_family", "parent_guardian_family",
                   "parent_guardian_family", "authorized_representative",
                   "authorized_representative", "staff", "neighbor", "unknown", "declined",
                   "blank", "blank"]


def test_years_between_counts_completed_years_and_leap_day_births() -> None:
    o = dt.date.toordinal
    born = np.array([o(dt.date(2012, 2, 29))] * 3 + [o(dt.date(2010, 6, 15)), -1])
    at = np.array([o(dt.date(2023, 2, 28)), o(dt.date(2023, 3, 1)), o(dt.date(2024, 2, 29)),
                   o(dt.date(2021, 6, 14)), o(dt.date(2021, 6, 14))])
    assert years_between(born, at).tolist() == [10, 11, 12, 10, -1]


# -----------------------------------------------------------------------------


def test_recorded_needs_a_value_field_of_the_element() -> None:
    report = _run(["patient_id", "race_codes", "ethnicity_code", "lang_respondent"],
                  [("P1", "2106-3", "2186-5", "self")])
    r = _result(report, "RESP.RECORDED", "lang_respondent")
    assert r.status is Status.NOT_APPLICABLE
    assert "no lang value field (lang_spoken_pref)" in r.reason


# -----------------------------------------------------------------------------

AGE_COLUMNS = ["patient_id", "birth_date", "race_codes", "ethnicity_code", "race_respondent",
               "race_collected_date"]
#: Self-report the day before and on the 11th birthday; parent answers the day before and on
#: the 18th birthday; a birth date after the collection date (no computable age).
AGE_ROWS = [
    ("P1", "2010-06-15", "2106-3", "2186-5", "self", "2021-06-14"),
    ("P2", "2010-06-15", "2106-3", "2186-5", "self", "2021-06-15"),
    ("P3", "2005-04-01", "2106-3", "2186-5", "parent", "2023-03-31"),
    ("P4", "2005-04-01", "2106-3", "2186-5", "parent", "2023-04-01"),
    ("P5", "2024-01-01", "2106-3", "2186-5", "self", "2023-01-01"),
]


def test_self_report_age_is_exclusive_at_the_birthday() -> None:
    report = _run(AGE_COLUMNS, AGE_ROWS)
    r = _result(report, "RESP.SELF_UNDER_MIN_AGE", "race_respondent")
    # P5 was collected before birth (age not computable): out of scope
    assert _counts(r) == ("WARN", 1, 4)
    assert "self_report_min_age = 11 years" in r.reason


def test_self_report_age_from_the_profile_ages_section_and_from_params() -> None:
    report = _run(AGE_COLUMNS, AGE_ROWS, ages={"self_report_min_age": 12})
    assert _counts(_result(report, "RESP.SELF_UNDER_MIN_AGE", "race_respondent")) == (
        "WARN", 2, 4)
    # a check's own params win over the ages section
    report = _run(AGE_COLUMNS, AGE_ROWS, ages={"self_report_min_age": 12},
                  params={"RESP.SELF_UNDER_MIN_AGE": {"self_report_min_age": 10}})
    r = _result(report, "RESP.SELF_UNDER_MIN_AGE", "race_respondent")
    assert _counts(r) == ("PASS", 0, 4)
    assert "self_report_min_age = 10 years" in r.reason


def test_proxy_for_adult_from_the_18th_birthday() -> None:
    report = _run(AGE_COLUMNS, AGE_ROWS)
    r = _result(report, "RESP.PROXY_FOR_ADULT", "race_respondent")
    assert _counts(r) == ("WARN", 1, 1)  # P4 on the birthday; P3 the day before is a minor
    assert "no incapacity flag" in r.reason
    report = _run(AGE_COLUMNS, AGE_ROWS, ages={"adult_age": 17})
    assert _counts(_result(report, "RESP.PROXY_FOR_ADULT", "race_respondent")) == (
        "WARN", 2, 2)


def test_age_rules_need_a_birth_date() -> None:
    columns = [c for c in AGE_COLUMNS if c != "birth_date"]
    rows = [tuple(v for c, v in zip(AGE_COLUMNS, row, strict=True) if c != "birth_date")
            for row in AGE_ROWS]
    report = _run(columns, rows)
    for check_id in ("RESP.SELF_UNDER_MIN_AGE", "RESP.PROXY_FOR_ADULT"):
        r = _result(report, check_id, "race_respondent")
        assert r.status is Status.NOT_APPLICABLE
        assert "birth_date is not in the input" in r.reason


# -----------------------------------------------------------------------------

HISTORY = ["patient_id", "encounter_date", "birth_date", "race_codes", "ethnicity_code",
           "race_respondent", "race_collected_date"]


def _transition_rows(last_encounter: str) -> list[tuple[str, ...]]:
    """Collected by a parent at 6; one later encounter, the value unchanged."""
    return [("P1", "2021-06-10", "2015-06-10", "2106-3", "2186-5", "parent", "2021-06-10"),
            ("P1", last_encounter, "2015-06-10", "2106-3", "2186-5", "parent", "2021-06-10")]


def test_recollection_is_due_from_the_encounter_on_the_birthday() -> None:
    on = _run(HISTORY, _transition_rows("2026-06-10"), grain="encounter")
    r = _result(on, "TIME.RECOLLECT_AFTER_AGE_TRANSITION", "race_respondent")
    assert _counts(r) == ("WARN", 1, 1)
    before = _run(HISTORY, _transition_rows("2026-06-09"), grain="encounter")
    r = _result(before, "TIME.RECOLLECT_AFTER_AGE_TRANSITION", "race_respondent")
    assert r.status is Status.NOT_APPLICABLE
    assert r.details["due_without_encounter_since"] == 1


def test_recollection_ages_and_encounter_count_are_configurable() -> None:
    rows = _transition_rows("2026-06-10")
    later = _run(HISTORY, rows, grain="encounter", ages={"self_report_min_age": 12})
    r = _result(later, "TIME.RECOLLECT_AFTER_AGE_TRANSITION", "race_respondent")
    assert r.status is Status.NOT_APPLICABLE  # the patient is 11 at the extract date
    two = _run(HISTORY, rows, grain="encounter",
               params={"TIME.RECOLLECT_AFTER_AGE_TRANSITION": {"min_encounters_since": 2}})
    r = _result(two, "TIME.RECOLLECT_AFTER_AGE_TRANSITION", "race_respondent")
    assert r.status is Status.NOT_APPLICABLE
    assert r.details["due_without_encounter_since"] == 1


def test_recollection_needs_encounter_grain_and_encounter_date() -> None:
    rows = _transition_rows("2026-06-10")
    patient = _run(HISTORY, rows)
    r = _result(patient, "TIME.RECOLLECT_AFTER_AGE_TRANSITION", "race_respondent")
    assert r.status is Status.NOT_APPLICABLE and "grain: encounter" in r.reason
    columns = [c for c in HISTORY if c != "encounter_date"]
    undated = [row[:1] + row[2:] for row in rows]
    r = _result(_run(columns, undated, grain="encounter"),
                "TIME.RECOLLECT_AFTER_AGE_TRANSITION", "race_respondent")
    assert r.status is Status.NOT_APPLICABLE and "encounter_date is not in the input" in r.reason


# -----------------------------------------------------------------------------

REASK = ["patient_id", "race_codes", "ethnicity_code", "race_collected_date"]


def test_reask_orders_rows_by_the_collected_date_without_encounter_date() -> None:
    # input order is not time order: P1 was unknown, then answered (no violation); P2 was
    # answered, then unknown twice (violation)
    rows = [("P1", "2106-3", "2186-5", "2024-05-01"), ("P1", "UNK", "2186-5", "2024-01-01"),
            ("P2", "UNK", "2186-5", "2024-05-01"), ("P2", "2054-5", "2186-5", "2023-01-01"),
            ("P2", "UNK", "2186-5", "2024-01-01")]
    r = _result(_run(REASK, rows, grain="encounter"), "TIME.UNKNOWN_NOT_REASKED", "race_codes")
    assert _counts(r) == ("WARN", 1, 2)
    assert "ordered by race_collected_date" in r.reason
    # ethnicity has no date of its own to order by
    e = _result(_run(REASK, rows, grain="encounter"), "TIME.UNKNOWN_NOT_REASKED",
                "ethnicity_code")
    assert e.status is Status.NOT_APPLICABLE
    assert "neither encounter_date nor ethnicity_collected_date" in e.reason


def test_reask_declined_window_is_a_parameter() -> None:
    columns = ["patient_id", "encounter_date", "race_codes", "ethnicity_code"]
    rows = [("P1", "2023-01-01", "ASKED-DECLINED", "2186-5"),
            ("P1", "2023-06-01", "ASKED-DECLINED", "2186-5")]
    r = _result(_run(columns, rows, grain="encounter"), "TIME.UNKNOWN_NOT_REASKED",
                "race_codes")
    assert r.status is Status.NOT_APPLICABLE
    assert r.details["declined_within_reask_window"] == 1
    r = _result(_run(columns, rows, grain="encounter",
                     params={"TIME.UNKNOWN_NOT_REASKED": {"reask_declined_after_days": 151}}),
                "TIME.UNKNOWN_NOT_REASKED", "race_codes")
    assert _counts(r) == ("WARN", 1, 1)
    assert r.details["declined_not_reasked"] == 1


# -----------------------------------------------------------------------------


def test_staleness_counts_each_patient_latest_row_and_reads_stale_days() -> None:
    columns = ["patient_id", "encounter_date", "race_codes", "ethnicity_code",
               "lang_spoken_pref", "lang_collected_date"]
    rows = [("P1", "2020-01-01", "2106-3", "2186-5", "es", "2016-01-01"),
            ("P1", "2026-10-01", "2106-3", "2186-5", "es", "2026-10-22"),  # 10 days
            ("P2", "2026-01-01", "2106-3", "2186-5", "en", "2025-09-27"),  # 400 days
            ("P3", "2026-01-01", "2106-3", "2186-5", "en", "2024-08-23")]  # 800 days
    r = _result(_run(columns, rows, grain="encounter"), "TIME.STALENESS", "lang_collected_date")
    assert _counts(r) == ("PASS", 0, 1)
    assert (r.details["values"], r.details["median_days"], r.details["max_days"]) == (
        3, 400, 800)
    r = _result(_run(columns, rows, grain="encounter",
                     params={"TIME.STALENESS": {"stale_days": 399}}),
                "TIME.STALENESS", "lang_collected_date")
    assert _counts(r) == ("PASS_WITH_FINDINGS", 1, 1)
    assert "stale_days = 399" in r.reason


# -----------------------------------------------------------------------------

NEWBORN = ["patient_id", "birth_date", "race_codes", "ethnicity_code", "race_source",
           "race_collected_date"]


@pytest.mark.parametrize(("ages", "expected"), [({}, ("PASS", 1, 1)),
                                                ({"newborn_max_days": 29}, ("PASS", 2, 2))])
def test_newborn_age_limit_is_exclusive_and_configurable(ages: dict[str, float],
                                                         expected: tuple[str, int, int]) -> None:
    rows = [("P1", "2026-09-01", "2106-3", "2186-5", "derived", "2026-09-28"),  # 27 days
            ("P2", "2026-09-01", "2106-3", "2186-5", "derived", "2026-09-29")]  # 28 days
    r = _result(_run(NEWBORN, rows, ages=ages), "PED.NEWBORN_DERIVED_RACE", "race_source")
    assert _counts(r) == expected


def test_newborn_race_self_is_reported_never_failed() -> None:
    rows = [("P1", "2026-10-01", "2106-3", "2186-5", "self", "2026-10-01")]
    report = _run(NEWBORN, rows)
    r = _result(report, "PED.NEWBORN_DERIVED_RACE", "race_source")
    assert _counts(r) == ("PASS_WITH_FINDINGS", 0, 1)
    assert r.details["source_self"] == 1
    assert "race_source self" in r.reason
    assert report.gate.passed
