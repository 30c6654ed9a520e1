"""A birth date derived from an age in years, for survey files without birth dates."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import validator
from validator.derive import _years_before
from validator.results import Status


def test_age_years_drives_age_gated_rules() -> None:
    frame = pd.DataFrame({
        "patient_id": ["a", "b", "c", "d", "e"],
        "race_codes": ["2106-3"] * 5,
        "ethnicity_code": ["2186-5"] * 5,
        "age_years": ["6", "15", "", "12.5", "200"],
        "race_respondent": ["self", "self", "self", "self", "parent"],
    })
    report = validator.validate(frame, as_of_date="2026-11-01")
    assert report.run["derived_fields"] == ["birth_date"]
    age = report.result("AGE.COMPUTABLE")
    # blank age -> missing; 12.5 and 200 are not ages in completed years
    assert (age.numerator, age.denominator, age.status) == (3, 5, Status.FAIL)
    assert (age.details["missing"], age.details["unparseable"]) == (1, 2)
    self_young = report.result("RESP.SELF_UNDER_MIN_AGE", field="race_respondent")
    assert (self_young.numerator, self_young.denominator) == (1, 2)  # the 6-year-old


def test_birth_date_wins_over_age_years() -> None:
    frame = pd.DataFrame({"race_codes": ["2106-3"], "ethnicity_code": ["2186-5"],
                          "birth_date": ["2010-01-01"], "age_years": ["3"]})
    report = validator.validate(frame, as_of_date="2026-11-01")
    assert report.run["derived_fields"] == []


def test_leap_day() -> None:
    assert _years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)
    assert _years_before(dt.date(2026, 11, 1), 6) == dt.date(2020, 11, 1)


def test_day_based_rules_are_not_applicable_on_derived_birth_dates() -> None:
    frame = pd.DataFrame({"patient_id": ["a", "b", "c"], "race_codes": ["2106-3"] * 3,
                          "ethnicity_code": ["2186-5"] * 3, "age_years": ["0", "0", "1"],
                          "sex_admin": ["UN", "unknown", "UN"],
                          "race_source": ["derived", "proxy", "derived"]})
    report = validator.validate(frame, as_of_date="2026-11-01")
    for check_id in ("SEX.NEONATE_PLAUSIBLE", "PED.NEWBORN_DERIVED_RACE"):
        r = report.result(check_id)
        assert r.status is Status.NOT_APPLICABLE, check_id
        assert "days of life are unknown" in r.reason
