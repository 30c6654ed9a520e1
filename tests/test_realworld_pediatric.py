"""NHANES 2017-2018 as a real-world pediatric check (realworld_nhanes_2017_2018_pediatric).

The checkpoint reads DEMO_J.under22.csv, the 3,828 sample persons aged 0-21 (the pediatric
cohort 0 to under 22 years), with who answered (SIAPROXY), the interview language (SIALANG) and
interpreter use (SIAINTRP). Every expected number is a value count printed in
shared/realworld/PROVENANCE.md §6 ("P§6") or a one-off count of the raw file quoted next to it,
made from fixtures/realworld/nhanes_2017_2018/ with the standard library, e.g.

    python3 -c "import csv,collections as c; print(sorted(c.Counter((
      '<16' if int(x['RIDAGEYR'])<16 else '16-17' if int(x['RIDAGEYR'])<18 else '18-21',
      x['SIAPROXY'], x['SIALANG'], x['SIAINTRP']) for x in csv.DictReader(open(
      'DEMO_J.under22.csv'))).items()))"

which prints (age band, SIAPROXY, SIALANG, SIAINTRP) -> rows:
    <16:   (1,1,1) 34, (1,1,2) 2719, (1,2,1) 16, (1,2,2) 319, (2,1,2) 5        = 3,093 (P§6)
    16-17: (1,1,2) 5, (2,1,1) 4, (2,1,2) 281, (2,2,2) 15                      = 305
    18-21: (1,1,2) 4, (1,2,2) 1, (2,1,1) 9, (2,1,2) 396, (2,2,2) 20           = 430
None was copied from the tool's output.
"""

from __future__ import annotations

from functools import cache

from conftest import ROOT

import validator
from validator import checkpoint as checkpoints
from validator.results import CheckResult, Report, Status

FOLDER = ROOT / "fixtures" / "realworld" / "nhanes_2017_2018"
CHECKPOINT = ROOT / "checkpoints" / "realworld_nhanes_2017_2018_pediatric.yaml"

ROWS = 3_828  # P§6: < 18 = 3,398; one-off: RIDAGEYR 18 = 144, 19 = 143, 20 = 76, 21 = 67 (430)
ADULTS = 430  # aged 18-21
SELF = 730  # SIAPROXY 2: P§6 5 under 16, one-off 300 at 16-17 and 425 at 18-21
RACE_INFORMATIVE = 2_841  # one-off RIDRETH3 in the subset: 3=1250, 4=850, 6=376, 7=365
HISPANIC = 987  # one-off RIDRETH3 1=667 (Mexican American), 2=320 (Other Hispanic)
SPANISH = 371  # SIALANG 2: P§6 335 under 16, one-off 15 at 16-17 and 21 at 18-21
INTERPRETER_USED = 63  # SIAINTRP 1: P§6 50 under 16, one-off 4 at 16-17 and 9 at 18-21


@cache
def _run() -> Report:
    cp = checkpoints.load(CHECKPOINT)
    return validator.validate(cp.source, profile=cp.profile, as_of_date=cp.as_of_date,
                              fail_on=cp.fail_on, dataset=cp.name, suites=list(cp.suites or ()))


def _check(check_id: str, field: str | None = None) -> CheckResult:
    return _run().result(check_id, field=field)


def _nd(result: CheckResult) -> tuple[int | None, int | None]:
    return result.numerator, result.denominator


def test_subset_is_every_line_of_demo_j_under_22() -> None:
    """The rule of NOTICE.md, re-applied to the complete file, gives the checked-in subset."""
    lines = (FOLDER / "DEMO_J.csv").read_bytes().splitlines(keepends=True)
    assert lines[0].split(b",")[4] == b"RIDAGEYR"
    kept = [x for x in lines[1:] if int(x.split(b",")[4]) < 22]
    assert (FOLDER / "DEMO_J.under22.csv").read_bytes() == lines[0] + b"".join(kept)
    assert len(kept) == ROWS == 3_398 + ADULTS


def test_cohort_holds_and_gate_passes() -> None:
    report = _run()
    assert report.dataset["rows"] == ROWS
    assert report.run["derived_fields"] == ["birth_date"]  # from RIDAGEYR (age_years)
    assert report.profile["cohort"] == {"min_age": 0, "max_age": 22}
    age = _check("AGE.COMPUTABLE", "birth_date")
    assert (_nd(age), age.details["outside_cohort"]) == ((0, ROWS), 0)
    # RACE.COMPLETENESS is the only critical check below its line (WARN, 74 %): the gate passes.
    assert report.gate.passed
    assert report.exit_code == 0


def test_nobody_under_11_answered_alone() -> None:
    """NHANES interviews a proxy for every child under 16: the 5 exceptions (P§6 SIAPROXY 2 under
    16) are aged 12, 14, 15, 15, 15 (one-off: RIDAGEYR of SIAPROXY 2 rows under 16), none under
    self_report_min_age 11. Ages are at the extract date: no collection date is released."""
    for field in ("lang_respondent", "ethnicity_respondent"):
        result = _check("RESP.SELF_UNDER_MIN_AGE", field)
        assert (_nd(result), result.status) == ((0, ROWS), Status.PASS)
        assert result.details == {"self_respondent": SELF, "aged_at_extract_date": ROWS}
    # race_respondent counts only rows with an informative race: Hispanic children have none
    # (RIDRETH3 1/2 -> race @unknown). Self among them (one-off, SIAPROXY 2 and RIDRETH3 in
    # 3/4/6/7): 291 aged 18-21, 231 aged 16-17, and 4 of the 5 under 16 (12 Black, 15 White,
    # 15 Asian x2; the 14-year-old is Mexican American).
    race = _check("RESP.SELF_UNDER_MIN_AGE", "race_respondent")
    assert _nd(race) == (0, RACE_INFORMATIVE)
    assert race.details["self_respondent"] == 291 + 231 + 4
    assert _nd(_check("RESP.RECORDED", "lang_respondent")) == (0, ROWS)


def test_proxy_answered_for_young_adults() -> None:
    """SIAPROXY 1 at 18-21 (one-off): 1 at 18 and 4 at 19; of them RIDRETH3 3, 3, 3, 4 and 1
    (one Mexican American, whose race is not released)."""
    for field in ("lang_respondent", "ethnicity_respondent"):
        result = _check("RESP.PROXY_FOR_ADULT", field)
        assert (_nd(result), result.status) == ((5, ADULTS), Status.PASS_WITH_FINDINGS)
        assert result.details["self_respondent"] == ADULTS - 5
    assert _nd(_check("RESP.PROXY_FOR_ADULT", "race_respondent")) == (4, 291 + 4)


def test_spanish_interviews_and_interpreter_use() -> None:
    report = _run()
    # Every child has an interview language and an interpreter answer (P§6: no "." in SIALANG,
    # SIAINTRP); under-2s are excluded as preverbal: RIDAGEYR 0 = 357 (P§6), 1 = 234 (one-off).
    lang = _check("LANG.COMPLETENESS", "lang_spoken_pref")
    assert _nd(lang) == (ROWS - 591, ROWS - 591)
    assert lang.details["preverbal_excluded"] == 591
    # Spanish interviews are the non-English preferences; each has SIAINTRP recorded.
    present = _check("LANG.INTERPRETER_PRESENT_IF_NONENGLISH", "interpreter_needed")
    assert (_nd(present), present.status) == ((0, SPANISH), Status.PASS)
    english = _check("LANG.ENGLISH_DEFAULT_SUSPECT", "lang_spoken_pref")
    assert english.details["non_english_records"] == SPANISH
    assert english.details["english_records"] == ROWS - SPANISH
    # SIAINTRP 1 is read by the built-in yes/no translation (1 -> 373066001 Yes), 2 by the
    # profile's crosswalk (-> 373067005 No): both counts stay visible in the field summary.
    summary = report.field_summary("interpreter_needed")
    assert [(m["source"], m["token"], m["rows"]) for m in summary.mapped_tokens] == [
        ("1", "373066001", INTERPRETER_USED)]
    (xw,) = summary.crosswalks
    assert (xw["crosswalk"], xw["rows_mapped"]) == ("nhanes_pediatric", ROWS - INTERPRETER_USED)
    assert _nd(_check("LANG.INTERPRETER_VALUESET", "interpreter_needed")) == (0, ROWS)
    # Interpreter use in an interview recorded as English (34 + 4 + 9 = 47, table above) shows a
    # third language SIALANG cannot record; R-069 would need English proficiency, not released.
    assert _check("LANG.INTERPRETER_ENGLISH_CONFLICT", "interpreter_needed").status is (
        Status.NOT_APPLICABLE)


def test_only_english_and_spanish_are_recordable() -> None:
    """SIALANG has two codes; 9.69 % of the cohort is non-English (371 of 3,828): R-073 flags
    the picklist (info, not a gate failure)."""
    result = _check("LANG.PICKLIST_COVERAGE", "lang_spoken_pref")
    assert (_nd(result), result.status) == ((1, 1), Status.PASS_WITH_FINDINGS)
    assert result.details["distinct_languages"] == 2
    assert result.details["non_english_share"] == round(100 * SPANISH / ROWS, 2)


def test_race_hidden_for_hispanic_children_and_multiracial_pooled() -> None:
    race = _check("RACE.COMPLETENESS", "race_codes")
    assert (_nd(race), race.status) == ((RACE_INFORMATIVE, ROWS), Status.WARN)  # 74.2 %
    assert _run().field_summary("race_codes").counts["unknown"] == HISPANIC
    # Every absent race is the crosswalk's "unknown" (Hispanic origin without race): R-005.
    reasons = _check("NULL.REASONS_DISTINGUISHED", "race_codes")
    assert (_nd(reasons), reasons.details["absent_unknown"]) == ((1, 1), HISPANIC)
    # Code 7 pools non-Hispanic AIAN, NHPI, other and multiracial children -> 2131-1 Other.
    assert _nd(_check("RACE.OTHER_RATE", "race_codes")) == (365, RACE_INFORMATIVE)
    # ...so no child ever carries two race categories.
    multiple = _check("RACE.MULTIPLE_SUPPORTED", "race_codes")
    assert (_nd(multiple), multiple.details["records_with_2plus_categories"]) == ((1, 1), 0)


def test_no_caregiver_is_released() -> None:
    for check_id in ("CG.PRESENT_FOR_MINOR", "CG.LANGUAGE_PRESENT", "CG.MULTIPLE_CAREGIVERS"):
        result = _check(check_id)
        assert result.status is Status.NOT_APPLICABLE
        assert "maps no caregivers" in result.reason


def test_day_based_rules_do_not_run_on_birth_dates_derived_from_age() -> None:
    """NHANES gives ages in years: days of life are unknown, so the neonatal and newborn rules
    are NOT_APPLICABLE rather than counting every 0-year-old (357, P§6) as 0 days old."""
    result = _check("SEX.NEONATE_PLAUSIBLE", "sex_admin")
    assert result.status is Status.NOT_APPLICABLE
    assert "derived from an age in years" in result.reason
