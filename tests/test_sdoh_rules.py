"""Social determinants rules (R-140..R-144): the screening window and its boundary, patients
counted once at encounter grain, declared instruments, minors' respondents, ZIP formats, payer
categories, and NOT_APPLICABLE when fields are absent or not collected."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import validator
from validator.engine.rules.sdoh import payer_category, zip_problem
from validator.normalize import Unique
from validator.results import CheckResult, Report, Status

AS_OF = "2026-11-01"


def _run(columns: list[str], rows: list[tuple[str, ...]], **profile: Any) -> Report:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    prof = {"fields": {c: c for c in columns}, **profile}
    return validator.validate(frame, profile=prof, as_of_date=AS_OF)


def _counts(r: CheckResult) -> tuple[str, int | None, int | None]:
    return r.status.value, r.numerator, r.denominator


def _u(value: str | None, state: str = "informative") -> Unique:
    return Unique(informative=(value,), state=state) if value else Unique(state=state)


# -----------------------------------------------------------------------------


def test_screening_window_boundary_and_parameter() -> None:
    cols = ["patient_id", "birth_date", "sdoh_screen_date"]
    rows = [("P1", "2010-01-01", "2025-11-01"),  # 365 days
            ("P2", "2010-01-01", "2025-10-31"),  # 366 days
            ("P3", "2010-01-01", "2026-11-01"),  # 0 days
            ("P4", "2010-01-01", "2026-11-02")]  # future
    r = _run(cols, rows).result("SDOH.SCREENING_RECORDED", "sdoh_screen_date")
    assert _counts(r) == ("PASS_WITH_FINDINGS", 2, 4)
    assert (r.details["screened_before_window"], r.details["future_date"]) == (1, 1)
    short = _run(cols, rows, params={"SDOH.SCREENING_RECORDED": {"sdoh_window_days": 180}})
    assert _counts(short.result("SDOH.SCREENING_RECORDED", "sdoh_screen_date")) == (
        "WARN", 1, 4)


def test_screening_counts_patients_once_at_encounter_grain() -> None:
    cols = ["patient_id", "birth_date", "sdoh_screen_date"]
    rows = [("P1", "2010-01-01", "2026-05-01"), ("P1", "2010-01-01", ""),
            ("P2", "2011-01-01", ""), ("P2", "2011-01-01", "2020-01-01"),
            ("P3", "2012-01-01", "2026-01-01")]
    patient = _run(cols, rows).result("SDOH.SCREENING_RECORDED", "sdoh_screen_date")
    assert (patient.numerator, patient.denominator) == (2, 5)
    encounter = _run(cols, rows, grain="encounter").result(
        "SDOH.SCREENING_RECORDED", "sdoh_screen_date")
    assert (encounter.numerator, encounter.denominator) == (2, 3)


def test_sdoh_checks_not_applicable_when_absent_or_not_collected() -> None:
    report = _run(["patient_id", "birth_date"], [("P1", "2010-01-01")],
                  not_collected=["sdoh_screen_date", "address_zip"])
    r = report.result("SDOH.SCREENING_RECORDED", "sdoh_screen_date")
    assert r.status is Status.NOT_APPLICABLE and "not collected" in r.reason
    z = report.result("GEO.ZIP_VALID", "address_zip")
    assert z.status is Status.NOT_APPLICABLE and "not collected" in z.reason
    for key in (("SDOH.INSTRUMENT_CODED", "sdoh_instrument"),
                ("SDOH.RESPONDENT_RECORDED", "sdoh_respondent"),
                ("PAYER.RECORDED", "payer_type")):
        assert report.result(*key).status is Status.NOT_APPLICABLE, key


# -----------------------------------------------------------------------------


def test_instrument_screenings_found_without_a_date_field() -> None:
    cols = ["patient_id", "birth_date", "sdoh_instrument"]
    rows = [("P1", "2010-01-01", "93025-5"), ("P2", "2010-01-01", "Z-LOCAL"),
            ("P3", "2010-01-01", "")]
    r = _run(cols, rows).result("SDOH.INSTRUMENT_CODED", "sdoh_instrument")
    assert _counts(r) == ("WARN", 1, 2)
    declared = _run(cols, rows, sdoh_instruments=["Z-LOCAL"]).result(
        "SDOH.INSTRUMENT_CODED", "sdoh_instrument")
    assert _counts(declared) == ("PASS", 0, 2)


# -----------------------------------------------------------------------------


def test_minor_respondent_self_boundary_and_adults_out_of_scope() -> None:
    cols = ["patient_id", "birth_date", "sdoh_screen_date", "sdoh_respondent"]
    rows = [("P1", "2015-06-01", "2026-05-31", "self"),  # 10
            ("P2", "2015-06-01", "2026-06-01", "Self"),  # 11
            ("P3", "2008-06-01", "2026-06-01", ""),  # 18
            ("P4", "2008-06-02", "2026-06-01", "")]  # 17
    r = _run(cols, rows).result("SDOH.RESPONDENT_RECORDED", "sdoh_respondent")
    assert _counts(r) == ("WARN", 2, 3)
    assert (r.details["self_under_min_age"], r.details["no_respondent"]) == (1, 1)
    older = _run(cols, rows, ages={"self_report_min_age": 12}).result(
        "SDOH.RESPONDENT_RECORDED", "sdoh_respondent")
    assert (older.numerator, older.denominator) == (3, 3)


# -----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "problem"), [
    ("02134", None), ("02134-1234", None), ("021341234", None), ("2134", "four_digits"),
    ("00000", "placeholder"), ("99999-1234", "placeholder"), ("0213", "four_digits"),
    ("ABCDE", "not_zip_format"), ("02134-12", "not_zip_format"), ("1234567", "not_zip_format"),
    (None, None),
])
def test_zip_problems(value: str | None, problem: str | None) -> None:
    assert zip_problem(_u(value)) == problem


@pytest.mark.parametrize(("value", "category"), [
    ("Medicaid", "public"), ("MEDICAID HMO", "public"), ("CHIP", "public"),
    ("Medi-Cal", "public"), ("TRICARE", "public"), ("Commercial", "private"),
    ("Blue Cross PPO", "private"), ("Self-Pay", "self_pay"), ("private pay", "self_pay"),
    ("Uninsured", "self_pay"), ("Workers Comp", "other"), ("self insured plan", "other"),
    ("1", "public"), ("21", "public"), ("511", "private"), ("81", "self_pay"),
    ("72", "other"), ("99", "unknown"), ("9999", "unknown"), (None, "unknown"),
])
def test_payer_categories(value: str | None, category: str) -> None:
    assert payer_category(_u(value)) == category


def test_payer_absent_reason_is_unknown() -> None:
    assert payer_category(Unique(absent=("declined",), state="declined")) == "unknown"
