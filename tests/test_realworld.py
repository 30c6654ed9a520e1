"""Real-world data: the quirks shared/realworld/PROVENANCE.md documents surface in the reports.

Each checkpoint ``checkpoints/realworld_*.yaml`` is run through ``validator.validate`` with the
checkpoint's configuration. Every expected number is either a value count printed in
PROVENANCE.md (section given as "P§n") or a count made on the raw file with the one-off command
quoted next to it, combined by hand with the crosswalk rows the profile names (the arithmetic is
in the comment). None was copied from the tool's output.

One-off counts use only the standard library, run from fixtures/realworld/<dataset>/, e.g.
    python3 -c "import csv,collections; print(collections.Counter(r['race']
                for r in csv.DictReader(open('admissions.csv'))))"
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT, invoke

import validator
from validator import checkpoint as checkpoints
from validator import profile as profiles
from validator.results import CheckResult, Report, Status

CHECKPOINTS = ROOT / "checkpoints"
REALWORLD = ROOT / "fixtures" / "realworld"
HEADER = "source_system,source_value,target_field,target_code,tree,note\n"


@cache
def _run(name: str) -> Report:
    """The report of checkpoint ``realworld_<name>``, run with its own configuration."""
    cp = checkpoints.load(CHECKPOINTS / f"realworld_{name}.yaml")
    return validator.validate(
        cp.source, profile=cp.profile, thresholds=cp.thresholds, as_of_date=cp.as_of_date,
        fail_on=cp.fail_on, dataset=cp.dataset or cp.name,
        suites=list(cp.suites) if cp.suites else None, encoding=cp.input.get("encoding"),
        delimiter=cp.input.get("delimiter"), input_format=cp.input.get("format"))


def _counts(report: Report, field: str) -> dict[str, int]:
    """Non-zero absent-reason counts of a field."""
    return {k: n for k, n in report.field_summary(field).counts.items() if n}


def _tokens(report: Report, field: str) -> dict[tuple[str, str], int]:
    """(source value, token) -> rows, for values the built-in lexicon mapped."""
    return {(m["source"], m["token"]): m["rows"]
            for m in report.field_summary(field).mapped_tokens if "system" not in m}


def _crosswalk(report: Report, field: str) -> tuple[str, int, int]:
    """(name, rows mapped, distinct values mapped) of the field's only crosswalk."""
    (xw,) = report.field_summary(field).crosswalks
    return xw["crosswalk"], xw["rows_mapped"], xw["values_mapped"]


def _check(report: Report, check_id: str, field: str | None = None) -> CheckResult:
    return report.result(check_id, field=field)


def _nd(result: CheckResult) -> tuple[int | None, int | None]:
    return result.numerator, result.denominator


ALL = sorted(p.stem.removeprefix("realworld_") for p in CHECKPOINTS.glob("realworld_*.yaml"))


def test_every_dataset_folder_has_a_notice_a_profile_and_a_checkpoint() -> None:
    folders = sorted(p.name for p in REALWORLD.iterdir() if p.is_dir())
    assert folders == ["cdc_covid19", "cms_synpuf", "fhir_examples", "mimic_iii_demo",
                       "mimic_iv_demo", "nhanes_2017_2018", "nvss_bfdr", "omop_eunomia",
                       "synthea_fhir", "synthea_ma27"]
    # FHIR example collections are run by tests/test_fhir.py (FHIR input needs no profile)
    fhir_examples = {"fhir_examples", "nvss_bfdr"}
    for folder in folders:
        assert (REALWORLD / folder / "NOTICE.md").is_file()
        if folder not in fhir_examples:
            assert (REALWORLD / folder / "profile.yaml").is_file()
            assert folder in ALL


@pytest.mark.parametrize("folder", sorted(p.name for p in REALWORLD.iterdir() if p.is_dir()))
def test_copies_match_the_sha256_in_their_notice(folder: str) -> None:
    """Each data file is listed in NOTICE.md with its sha256, and is byte-identical to it."""
    notice = (REALWORLD / folder / "NOTICE.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"\| `([^`]+\.csv)` \|[^\n]*?`([0-9a-f]{64})` \|", notice))
    data = sorted(p.name for p in (REALWORLD / folder).glob("*.csv"))
    assert sorted(listed) == data
    for name, digest in listed.items():
        assert hashlib.sha256((REALWORLD / folder / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("name", ALL)
def test_checkpoint_runs_and_names_its_dataset(name: str) -> None:
    report = _run(name)
    assert report.dataset["name"] == f"realworld_{name}"
    cp = checkpoints.load(CHECKPOINTS / f"realworld_{name}.yaml")
    assert cp.out_dir.is_relative_to(ROOT / "reports" / "realworld")
    assert not [r for r in report.results if r.status is Status.ERROR]


# ------------------------------------------------------------------------ MIMIC-IV demo


def test_mimic_iv_admissions_absent_reasons_stay_apart() -> None:
    report = _run("mimic_iv_demo")
    # P§2 race: PATIENT DECLINED TO ANSWER=2, UNABLE TO OBTAIN=4, UNKNOWN=17 (lexicon tokens).
    assert _tokens(report, "race_codes") == {("PATIENT DECLINED TO ANSWER", "declined"): 2,
                                            ("UNABLE TO OBTAIN", "unable_to_respond"): 4,
                                            ("UNKNOWN", "unknown"): 17}
    # unknown = UNKNOWN 17 + the Hispanic strings, which carry no race (crosswalk @unknown):
    # CUBAN 9 + SALVADORAN 3 + HISPANIC OR LATINO 2 + PUERTO RICAN 1 = 15  -> 32.
    # informative = WHITE 170 + BLACK/AFRICAN AMERICAN 48 + PORTUGUESE 7 + OTHER 4
    #   + BLACK/CAPE VERDEAN 3 + WHITE - BRAZILIAN 3 + WHITE - OTHER EUROPEAN 2 = 237.
    assert _counts(report, "race_codes") == {"informative": 237, "unknown": 32, "declined": 2,
                                             "unable": 4}
    # 14 distinct strings (P§2) minus the 3 left to the lexicon; 275 - 17 - 4 - 2 rows.
    assert _crosswalk(report, "race_codes") == ("mimic_race_ethnicity", 252, 11)
    assert _nd(_check(report, "RACE.COMPLETENESS", "race_codes")) == (237, 275)
    assert _check(report, "RACE.COMPLETENESS", "race_codes").status is Status.WARN  # 86 % < 90
    # MIMIC never asked ethnicity: only the 15 Hispanic strings answer it; the 237 race-only
    # rows and the 17 UNKNOWN are unknown.
    assert _counts(report, "ethnicity_code") == {"informative": 15, "unknown": 254,
                                                 "declined": 2, "unable": 4}
    assert _check(report, "ETH.COMPLETENESS", "ethnicity_code").status is Status.FAIL
    # Detailed: CUBAN 9 + SALVADORAN 3 + PUERTO RICAN 1; HISPANIC OR LATINO names no subgroup.
    assert _counts(report, "ethnicity_detailed") == {"informative": 13, "unknown": 256,
                                                     "declined": 2, "unable": 4}
    assert _nd(_check(report, "ETH.DETAILED_CONSISTENT", "ethnicity_detailed"))[0] == 0
    # The combined column is split, so no ethnicity code lands in race: nothing to report.
    assert _check(report, "RACE.NOT_ETHNICITY_CODE", "race_codes").numerator == 0
    # OTHER=4 of the 237 informative race answers.
    assert _nd(_check(report, "RACE.OTHER_RATE", "race_codes")) == (4, 237)


def test_mimic_iv_race_changes_between_admissions() -> None:
    """P§2: 4 of 100 subjects change race between admissions, but only one change is between two
    informative OMB category sets, which is what R-028 counts:

    * 10038992 UNKNOWN/WHITE and 10035631 UNKNOWN x3/WHITE x6: absent -> informative, ignored
      (10038992 has one WHITE admission only, so it is not even eligible);
    * 10037928 HISPANIC OR LATINO/HISPANIC/LATINO - CUBAN: both carry no race (ethnicity only);
    * 10004457 OTHER/WHITE x5: 2131-1 vs 2106-3 -> counted.

    Eligible = subjects with >= 2 admissions whose race is informative, counted with
        python3 -c "import csv,collections as c; d=c.defaultdict(list)
        [d[r['subject_id']].append(r['race']) for r in csv.DictReader(open('admissions.csv'))]
        print(c.Counter(tuple(sorted(set(v))) for v in d.values() if len(v)>1))"
    -> 48 subjects with >= 2 admissions: WHITE-only 26, BLACK/AFRICAN AMERICAN-only 9, and one
    each of BLACK/CAPE VERDEAN, WHITE - OTHER EUROPEAN, PORTUGUESE, WHITE - BRAZILIAN,
    OTHER+WHITE, UNKNOWN+WHITE with 6 WHITE rows (10035631) = 41 eligible; the others
    (UNKNOWN-only 2, UNABLE 1, DECLINED 1, Hispanic-only 2, 10038992) have < 2 informative rows.
    """
    result = _check(_run("mimic_iv_demo"), "RACE.STABLE_OVER_TIME", "race_codes")
    assert _nd(result) == (1, 41)
    assert result.status is Status.WARN  # 2.4 % of patients > 1 %


def test_mimic_iv_language_placeholder_is_unknown() -> None:
    report = _run("mimic_iv_demo")
    # P§2 language: ENGLISH=255, ?=20 ('?' is the placeholder for unknown).
    assert _tokens(report, "lang_spoken_pref") == {("?", "unknown"): 20}
    assert _crosswalk(report, "lang_spoken_pref") == ("mimic_language", 255, 1)
    assert _counts(report, "lang_spoken_pref") == {"informative": 255, "unknown": 20}
    # R-060 (implemented): the 20 '?' rows leave the numerator; no birth date, so no row is
    # excluded as preverbal.
    assert _nd(_check(report, "LANG.COMPLETENESS", "lang_spoken_pref")) == (255, 275)


def test_mimic_iv_patients_sex() -> None:
    report = _run("mimic_iv_demo_patients")
    # P§2 patients.gender: M=57, F=43; both letters read by hl7v2_0001_sex.
    assert _counts(report, "sex_admin") == {"informative": 100}
    assert _crosswalk(report, "sex_admin") == ("hl7v2_0001_sex", 100, 2)
    assert _check(report, "RACE.COMPLETENESS").status is Status.NOT_APPLICABLE  # other table


# ----------------------------------------------------------------------- MIMIC-III demo


def test_mimic_iii_admissions_combined_column_and_truncated_language() -> None:
    report = _run("mimic_iii_demo")
    # P§1 ethnicity: WHITE=86, PUERTO RICAN=15, UNKNOWN/NOT SPECIFIED=11, BLACK/AA=7, OTHER=3,
    # AIAN FEDERALLY RECOGNIZED TRIBE=2, ASIAN=2, HISPANIC OR LATINO=2, UNABLE TO OBTAIN=1.
    assert _tokens(report, "race_codes") == {("UNKNOWN/NOT SPECIFIED", "unknown"): 11,
                                            ("UNABLE TO OBTAIN", "unable_to_respond"): 1}
    # informative 86+7+3+2+2 = 100; unknown 11 + Hispanic strings 15+2 = 28.
    assert _counts(report, "race_codes") == {"informative": 100, "unknown": 28, "unable": 1}
    assert _counts(report, "ethnicity_code") == {"informative": 17, "unknown": 111, "unable": 1}
    assert _counts(report, "ethnicity_detailed") == {"informative": 15, "unknown": 113,
                                                     "unable": 1}
    assert _crosswalk(report, "race_codes") == ("mimic_race_ethnicity", 129 - 11 - 1, 7)
    assert _nd(_check(report, "RACE.COMPLETENESS", "race_codes")) == (100, 129)
    assert _nd(_check(report, "RACE.OTHER_RATE", "race_codes")) == (3, 100)
    # The 2 AIAN admissions name no tribe.
    assert _nd(_check(report, "RACE.AIAN_TRIBE")) == (0, 2)
    # Subjects with >= 2 admissions (one-off as in the MIMIC-IV test on ADMISSIONS.csv): WHITE
    # 8+2, BLACK/AA 1, AIAN 1 -> 12 eligible, none changes; UNKNOWN-only and PUERTO RICAN-only
    # subjects carry no race.
    assert _nd(_check(report, "RACE.STABLE_OVER_TIME", "race_codes")) == (0, 12)
    # P§1 language: ENGL=58, <empty>=48, SPAN=16, RUSS=5, MAND=1, POLI=1.
    assert _crosswalk(report, "lang_spoken_pref") == ("mimic_language", 58 + 16 + 5 + 1 + 1, 5)
    assert _counts(report, "lang_spoken_pref") == {"informative": 81, "blank": 48}
    # R-060: 81 of 129 = 62.8 % < 70 % -> FAIL (critical).
    lang = _check(report, "LANG.COMPLETENESS", "lang_spoken_pref")
    assert (_nd(lang), lang.status) == ((81, 129), Status.FAIL)
    # Every crosswalk target is a valid BCP 47 tag, and MAND became Mandarin (cmn), not the
    # Chinese macrolanguage, so the one Chinese record is specific enough for interpreting.
    assert _check(report, "LANG.BCP47_WELLFORMED", "lang_spoken_pref").numerator == 0
    granularity = _check(report, "LANG.GRANULARITY_FOR_INTERPRETING", "lang_spoken_pref")
    assert granularity.details["chinese_records"] == 1
    assert granularity.details["chinese_generic"] == 0


def test_mimic_iii_patients_age_300_top_coding() -> None:
    report = _run("mimic_iii_demo_patients")
    # P§1: gender F=55, M=45; expire_flag 1=100, so dod (the reference date) is on every row.
    assert _crosswalk(report, "sex_admin") == ("hl7v2_0001_sex", 100, 2)
    # P§1: 8 patients are 300 years old (DOB shifted 300 years back for age > 89). Age at death
    # counted with
    #   python3 -c "import csv,datetime as d; f=lambda s: d.date.fromisoformat(s[:10]);
    #   print(sorted(e.year-b.year-((e.month,e.day)<(b.month,b.day)) for r in
    #   csv.DictReader(open('PATIENTS.csv')) for b,e in [(f(r['dob']),f(r['dod']))]))"
    # -> 300 x6, 301, 302 (> max_plausible_age 125); all others 19..91.
    result = _check(report, "AGE.COMPUTABLE", "birth_date")
    assert _nd(result) == (8, 100)
    assert result.details["implausible_age"] == 8
    assert result.details["missing"] == 0


def test_mimic_iii_spreadsheet_round_trip_dates() -> None:
    report = _run("mimic_iii_demo_patients_excel")
    result = _check(report, "AGE.COMPUTABLE", "birth_date")
    # P§1: DOB patterns M/D/YY H:MM = 51 + 22 + 13 + 6 = 92; ISO = 8, the pre-1900 (age-300)
    # dates 1844..1895 (one-off: print the DOBs containing '-'), implausible at 2026-11-23.
    assert _nd(result) == (100, 100)
    assert result.details["implausible_age"] == 8


def test_mimic_iii_spreadsheet_round_trip_dates_are_two_digit_years() -> None:
    result = _check(_run("mimic_iii_demo_patients_excel"), "AGE.COMPUTABLE", "birth_date")
    assert result.details.get("two_digit_year") == 92  # P§1: 51 + 22 + 13 + 6


# ------------------------------------------------------------------------- CMS SynPUF


def test_synpuf_hispanic_as_race() -> None:
    report = _run("cms_synpuf")
    # P§5a BENE_RACE_CD: 1=8199, 2=1124, 3=448, 5=229; code 5 = Hispanic, a race value here.
    not_eth = _check(report, "RACE.NOT_ETHNICITY_CODE", "race_codes")
    assert _nd(not_eth) == (229, 10_000)
    assert not_eth.status is Status.FAIL
    # 2135-2 is not in the CDCREC race tree (R-011).
    assert _check(report, "RACE.VALUESET", "race_codes").numerator == 229
    # 3 = Other -> 2131-1: 448 of 10,000 informative.
    assert _nd(_check(report, "RACE.OTHER_RATE", "race_codes")) == (448, 10_000)
    assert _crosswalk(report, "race_codes") == ("cms_race", 10_000, 4)
    # P§5a BENE_SEX_IDENT_CD: 2=5491, 1=4509.
    assert _crosswalk(report, "sex_admin") == ("cms_sex", 10_000, 2)
    # No ethnicity variable at all: declared not collected, not a FAIL.
    assert _check(report, "ETH.COMPLETENESS", "ethnicity_code").status is Status.NOT_APPLICABLE
    # P§5a: ages in 2008 are 25..99, YYYYMMDD dates: every birth date is usable.
    assert _nd(_check(report, "AGE.COMPUTABLE", "birth_date")) == (0, 10_000)


# ---------------------------------------------------------------------------- OMOP


def test_eunomia_race_concept_zero_is_unknown() -> None:
    report = _run("omop_eunomia")
    # P§4 race_concept_id: 8527=20, 0=4, 8516=3, 8515=1.
    assert _counts(report, "race_codes") == {"informative": 24, "unknown": 4}
    assert _crosswalk(report, "race_codes") == ("omop_concepts", 28, 4)
    # P§4 ethnicity 38003564=22, 38003563=6; gender 8507=15, 8532=13.
    assert _counts(report, "ethnicity_code") == {"informative": 28}
    assert _crosswalk(report, "sex_admin") == ("omop_concepts", 28, 2)
    # P§4 joint mapping: (hawaiian, 0)=2 and (other, 0)=2 -- the source text names a category
    # the concept lost; every source value names a category, so all 28 rows are in scope.
    assert _nd(_check(report, "RACE.TEXT_CODE_CONSISTENT", "race_text")) == (4, 28)


def _pediatric(name: str) -> Report:
    """The checkpoint's run with a pediatric cohort 0 to under 22 years (catalogue default)."""
    cp = checkpoints.load(CHECKPOINTS / f"realworld_{name}.yaml")
    prof = profiles.load(cp.profile)
    prof = dataclasses.replace(prof, cohort=profiles.Cohort(0, 22))
    return validator.validate(cp.source, profile=prof, as_of_date=cp.as_of_date)


@pytest.mark.parametrize(("name", "rows", "children"), [
    # P§3a: 8 of 27 Synthea patients born >= 2003; at the profile's as_of_date 2024-12-31 that
    # is exactly "under 22" (one-off: ages of BIRTHDATE at 2024-12-31 -> 8 below 22).
    ("synthea_ma27", 27, 8),
    # P§4: 6 of 28 Eunomia persons born >= 2003 (2003, 2011, 2014, 2015, 2019, 2022); at
    # 2022-12-31 they are 0..19 and everyone else is >= 22 (same one-off on birth_datetime).
    ("omop_eunomia", 28, 6),
])
def test_pediatric_births_in_general_extracts(name: str, rows: int, children: int) -> None:
    assert _nd(_check(_run(name), "AGE.COMPUTABLE", "birth_date")) == (0, rows)
    result = _check(_pediatric(name), "AGE.COMPUTABLE", "birth_date")
    assert _nd(result) == (rows - children, rows)
    assert result.details["outside_cohort"] == rows - children


def test_synthea_categories() -> None:
    report = _run("synthea_ma27")
    # P§3a RACE white=24, asian=1, black=1, hawaiian=1; ETHNICITY nonhispanic=26, hispanic=1.
    assert _crosswalk(report, "race_codes") == ("synthea", 27, 4)
    assert _crosswalk(report, "ethnicity_code") == ("synthea", 27, 2)
    assert _nd(_check(report, "RACE.COMPLETENESS", "race_codes")) == (27, 27)


# --------------------------------------------------------------------------- NHANES


def test_nhanes_combined_race_hispanic_origin() -> None:
    report = _run("nhanes_2017_2018")
    # P§6 RIDRETH3: 3=3150, 4=2115, 1=1367, 6=1168, 2=820, 7=634. Hispanic codes 1 and 2 carry
    # no race: informative 3150+2115+1168+634 = 7067, unknown 1367+820 = 2187.
    assert _counts(report, "race_codes") == {"informative": 7067, "unknown": 2187}
    assert _nd(_check(report, "RACE.COMPLETENESS", "race_codes")) == (7067, 9254)
    assert _check(report, "RACE.COMPLETENESS", "race_codes").status is Status.WARN  # 76 %
    # Code 7 pools non-Hispanic AIAN, NHPI, other and multiracial -> 2131-1.
    assert _nd(_check(report, "RACE.OTHER_RATE", "race_codes")) == (634, 7067)
    assert _counts(report, "ethnicity_code") == {"informative": 9254}
    # Mexican American 1367 -> 2148-5; Other Hispanic 820 -> subgroup unknown.
    assert _counts(report, "ethnicity_detailed") == {"informative": 1367, "unknown": 820,
                                                     "not_applicable": 7067}
    # P§6 RIAGENDR 2=4697, 1=4557; SIALANG 1=8295 (English), 2=959 (Spanish).
    assert _crosswalk(report, "sex_admin") == ("nhanes", 9254, 2)
    assert _crosswalk(report, "lang_spoken_pref") == ("nhanes", 9254, 2)
    assert _counts(report, "lang_spoken_pref") == {"informative": 9254}
    assert _nd(_check(report, "LANG.COMPLETENESS", "lang_spoken_pref")) == (9254, 9254)


# ------------------------------------------------------------------------------ CDC


def test_cdc_combined_race_ethnicity_unknown_vs_missing() -> None:
    report = _run("cdc_covid19")
    # P§7 combined: Hispanic/Latino=4158, White NH=3936, Unknown=2161, Black NH=541,
    # Multiple/Other NH=282, Missing=255, Asian NH=112, AIAN NH=69, NHPI NH=35.
    # Race informative = 3936+541+282+112+69+35 = 4975; unknown = Hispanic 4158 + Unknown 2161.
    assert _counts(report, "race_codes") == {"informative": 4975, "unknown": 6319, "blank": 255}
    assert _tokens(report, "race_codes") == {("MISSING", "blank"): 255}
    assert _crosswalk(report, "race_codes") == ("cdc_case_surveillance", 11_549 - 255, 8)
    race = _check(report, "RACE.COMPLETENESS", "race_codes")
    assert (_nd(race), race.status) == ((4975, 11_549), Status.FAIL)  # 43 %
    assert _counts(report, "ethnicity_code") == {"informative": 4158 + 4975, "unknown": 2161,
                                                 "blank": 255}
    assert _nd(_check(report, "RACE.OTHER_RATE", "race_codes")) == (282, 4975)
    # Non-Hispanic rows never carry a Hispanic race value.
    assert _nd(_check(report, "ETH.RACE_CROSSCHECK", "ethnicity_code")) == (0, 4975)
    # P§7 sex: Male=7576, Female=3905, Unknown=45, Missing=22, Other=1.
    assert _counts(report, "sex_admin") == {"informative": 7576 + 3905 + 1, "unknown": 45,
                                            "blank": 22}


# ---------------------------------------------------------------------- bad input


def _profile_with(tmp_path: Path, crosswalk_body: str) -> tuple[Path, Path]:
    (tmp_path / "local.csv").write_text(HEADER + crosswalk_body, encoding="utf-8")
    profile = tmp_path / "profile.yaml"
    profile.write_text("version: 1\nfields:\n  patient_id: subject_id\n"
                       "  race_codes: {column: race, crosswalk: local.csv}\n"
                       "  lang_spoken_pref: {column: language, crosswalk: mimic_language}\n",
                       encoding="utf-8")
    return profile, REALWORLD / "mimic_iv_demo" / "admissions.csv"


@pytest.mark.parametrize(("body", "message"), [
    ("MIMIC,WHITE,race_codes,2106-3,,\nMIMIC,ASIAN,race_codes,2028-0,,\n",
     "local.csv, line 3: target code '2028-0' is not valid for race_codes"),
    ("MIMIC,WHITE,race_codes,2106-3,,\nMIMIC,White ,race_codes,2054-5,,\n",
     "local.csv, line 3: source value 'White' is mapped twice for race_codes"),
])
def test_bad_crosswalk_is_exit_2(cli: CliRunner, tmp_path: Path, body: str, message: str) -> None:
    profile, data = _profile_with(tmp_path, body)
    result = invoke(cli, "validate", data, "--profile", profile, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_language_tag_in_a_crosswalk_is_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "lang.csv").write_text(HEADER + "EHR,ENGLISH,lang_spoken_pref,en,,\n"
                                       "EHR,KLINGON,lang_spoken_pref,tlh-XX-qq,,\n"
                                       "EHR,SPANISH,lang_spoken_pref,spanish,,\n",
                                       encoding="utf-8")
    profile = tmp_path / "profile.yaml"
    profile.write_text("version: 1\nfields:\n  patient_id: subject_id\n"
                       "  lang_spoken_pref: {column: language, crosswalk: lang.csv}\n",
                       encoding="utf-8")
    data = REALWORLD / "mimic_iv_demo" / "admissions.csv"
    result = invoke(cli, "validate", data, "--profile", profile, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "lang.csv, line 3: 'tlh-XX-qq' is not a valid BCP 47 language tag" in result.stderr


def test_profile_naming_a_missing_column_is_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    """The MIMIC-IV admissions profile pointed at the MIMIC-III table (which calls it
    `ethnicity`, not `race`), through a checkpoint."""
    cp = tmp_path / "wrong_table.yaml"
    cp.write_text(f"version: 1\nname: wrong_table\n"
                  f"source: {REALWORLD / 'mimic_iii_demo' / 'ADMISSIONS.csv'}\n"
                  f"profile: {REALWORLD / 'mimic_iv_demo' / 'profile.yaml'}\n"
                  f"outputs: {{dir: {tmp_path / 'out'}}}\n", encoding="utf-8")
    result = invoke(cli, "run", cp)
    assert result.exit_code == 2
    assert "column 'race' (mapped to race_codes in" in result.stderr
    assert "is not in the input" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_shipped_crosswalk_name_lists_the_shipped_ones(cli: CliRunner,
                                                              tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("version: 1\nfields:\n  race_codes: {column: race, crosswalk: mimic}\n",
                       encoding="utf-8")
    data = REALWORLD / "mimic_iv_demo" / "admissions.csv"
    result = invoke(cli, "validate", data, "--profile", profile, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "crosswalk file not found" in result.stderr
    assert "mimic_race_ethnicity" in result.stderr


def _report_dict(name: str) -> dict[str, Any]:
    return _run(name).to_dict()


@pytest.mark.parametrize("name", ALL)
def test_reports_hold_no_identifiers(name: str) -> None:
    """Identifiers of the real-world files never reach a report (spot check on one per file)."""
    text = repr(_report_dict(name))
    for probe in ("10004457", "00016F745862898F",
                  "3edac2e3-d223-6fae-d515-daf96ef6bc76", "1007c05b-8d20-8fe6-6790-44622f8316df"):
        assert probe not in text
