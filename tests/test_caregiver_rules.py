"""Caregiver rules R-090…R-096 (validator/engine/rules/caregiver.py): edge cases.

Fixture-level counts are in fixtures/expected.yaml (caregiver_* entries); these tests cover age
boundaries, the profile's ``ages:`` section, the long table and the slot layout giving the same
counts, and the inputs each rule needs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

import validator
from validator import caregivers, profile
from validator.engine.rules.caregiver import RELATIONSHIP_SYSTEMS, relationship_codes
from validator.normalize import normalize
from validator.results import CheckResult, Report, Status

AS_OF = "2026-11-01"
CG_CHECKS = (
    ("CG.PRESENT_FOR_MINOR", None),
    ("CG.RELATIONSHIP_CODED", "caregiver_relationship"),
    ("CG.LANGUAGE_PRESENT", "caregiver_lang_spoken_pref"),
    ("CG.INTERPRETER_PRESENT", "caregiver_interpreter_needed"),
    ("CG.MULTIPLE_CAREGIVERS", None),
    ("CG.PATIENT_LANGUAGE_COPIED", "lang_spoken_pref"),
    ("CG.NOT_SELF", None),
)


def _result(report: Report, check: str, stratum: str | None = None) -> CheckResult:
    field = dict(CG_CHECKS)[check]
    return report.result(check, field=field, stratum=stratum)


def _counts(report: Report, check: str, stratum: str | None = None) -> tuple:
    r = _result(report, check, stratum)
    return r.status, r.numerator, r.denominator


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


# ----------------------------------------------------------------------------- ages

# Born exactly 18 years before the extract date (adult), one day later (17), exactly 16.
AGES = ("patient_id,race_codes,ethnicity_code,birth_date,caregiver1_relationship\n"
        "PHIMARKER-1,2106-3,2186-5,2008-11-01,\n"
        "P2,2106-3,2186-5,2008-11-02,\n"
        "P3,2106-3,2186-5,2010-11-01,\n"
        "P4,2106-3,2186-5,2010-11-02,MTH\n")


def test_age_exactly_adult_age_is_not_a_minor() -> None:
    report = validator.validate(_frame(AGES), as_of_date=AS_OF)
    r = _result(report, "CG.PRESENT_FOR_MINOR")
    # P1 is 18 on the extract date: out of scope; P2 (17) and P3 (16) have no caregiver.
    assert (r.numerator, r.denominator, r.status) == (2, 3, Status.FAIL)


def test_ages_section_of_the_profile_moves_the_boundary(tmp_path: Path) -> None:
    src = tmp_path / "kids.csv"
    src.write_text(AGES)
    p = tmp_path / "p.yaml"
    p.write_text(
        "fields: {patient_id: patient_id, race_codes: race_codes, ethnicity_code: "
        "ethnicity_code, birth_date: birth_date}\n"
        "caregivers: {slots: [{caregiver_relationship: caregiver1_relationship}]}\n"
        "ages: {adult_age: 16}\n")
    report = validator.validate(src, profile=p, as_of_date=AS_OF)
    # adult_age 16: P3 (exactly 16) is an adult now; only P4 (15, with a caregiver) is a minor.
    assert _counts(report, "CG.PRESENT_FOR_MINOR") == (Status.PASS, 0, 1)
    assert report.profile["ages"]["adult_age"] == 16
    # a check's own params win over the ages section
    p.write_text(p.read_text() + "params: {CG.PRESENT_FOR_MINOR: {adult_age: 17}}\n")
    report = validator.validate(src, profile=p, as_of_date=AS_OF)
    assert _counts(report, "CG.PRESENT_FOR_MINOR") == (Status.FAIL, 1, 2)  # P3, P4


def test_self_report_min_age_boundary_for_copied_language(tmp_path: Path) -> None:
    rows = ["patient_id,site_id,race_codes,ethnicity_code,birth_date,lang_spoken_pref,"
            "caregiver1_lang_spoken_pref"]
    rows += [f"P{i},A,2106-3,2186-5,2015-11-01,es,es" for i in range(3)]  # exactly 11
    rows += ["PHIMARKER-9,A,2106-3,2186-5,2015-11-02,en,es"]  # 10: out of the band
    src = tmp_path / "k.csv"
    src.write_text("\n".join(rows) + "\n")
    p = tmp_path / "p.yaml"
    p.write_text(
        "fields: {patient_id: patient_id, site_id: site_id, race_codes: race_codes, "
        "ethnicity_code: ethnicity_code, birth_date: birth_date, "
        "lang_spoken_pref: lang_spoken_pref}\n"
        "caregivers: {slots: [{caregiver_lang_spoken_pref: caregiver1_lang_spoken_pref}]}\n"
        "params: {CG.PATIENT_LANGUAGE_COPIED: {min_site_minors: 3}}\n")
    report = validator.validate(src, profile=p, as_of_date=AS_OF)
    r = _result(report, "CG.PATIENT_LANGUAGE_COPIED")
    assert (r.status, r.numerator, r.denominator) == (Status.PASS_WITH_FINDINGS, 1, 1)
    assert (r.details["minors_compared"], r.details["minors_equal"]) == (3, 3)
    p.write_text(p.read_text() + "ages: {self_report_min_age: 12}\n")
    report = validator.validate(src, profile=p, as_of_date=AS_OF)
    assert _result(report, "CG.PATIENT_LANGUAGE_COPIED").status is Status.NOT_APPLICABLE


# ----------------------------------------------------------------------------- table vs slots

# (patient, caregiver id, relationship, system, language, interpreter, primary, guardian, dob)
CAREGIVERS = [
    ("PHIMARKER-1", "C1", "MTH", "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "es",
     "yes", "Y", "", "1990-01-01"),
    ("PHIMARKER-1", "C2", "FTH", "", "es", "", "", "", "1989-01-01"),
    ("PHIMARKER-1", "C3", "GRMTH", "", "es", "no", "", "", "1960-01-01"),
    ("P2", "C4", "MTH", "motherOrFather", "en", "", "", "", "1992-02-02"),
    ("P2", "C5", "FTH", "", "en", "", "", "", "2020-01-01"),
    ("P3", "C6", "Mother", "", "es", "yes", "yes", "", "1985-03-03"),
    ("P4", "P4", "ONESELF", "", "vi", "", "", "1", ""),
    ("P5", "C8", "GUARD", "", "zxx", "", "", "", ""),
    ("P5", "C9", "", "", "", "", "", "", ""),
]
PATIENTS = [  # id, site, birth date, own language
    ("PHIMARKER-1", "A", "2020-01-01", ""), ("P2", "A", "2019-02-02", ""),
    ("P3", "A", "2012-03-03", "es"), ("P4", "B", "2018-04-04", "vi"),
    ("P5", "B", "2015-08-08", "en"), ("P6", "B", "2016-07-07", ""),
    ("P7", "B", "1990-01-01", "en"),
]
CG_COLS = ("id", "relationship", "relationship_system", "lang_spoken_pref",
           "interpreter_needed", "is_primary_contact", "is_legal_guardian", "birth_date")


def _write_table_layout(tmp_path: Path) -> tuple[Path, Path]:
    main = tmp_path / "main.csv"
    with main.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["MRN", "SITE", "RACE", "ETH", "DOB", "LANG"])
        for pid, site, dob, lang in PATIENTS:
            w.writerow([pid, site, "2106-3", "2186-5", dob, lang])
    table = tmp_path / "cg.csv"
    with table.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["PT", "CG", "REL", "REL_SYS", "LANG", "INTERP", "PRIMARY", "GUARD", "DOB"])
        w.writerows(CAREGIVERS)
    prof = tmp_path / "table.yaml"
    prof.write_text(
        "fields: {patient_id: MRN, site_id: SITE, race_codes: RACE, ethnicity_code: ETH,"
        " birth_date: DOB, lang_spoken_pref: LANG}\n"
        "caregivers:\n  source: cg.csv\n  patient_key: PT\n  fields:\n"
        "    caregiver_id: CG\n"
        "    caregiver_relationship: {column: REL, system_column: REL_SYS}\n"
        "    caregiver_lang_spoken_pref: LANG\n    caregiver_interpreter_needed: INTERP\n"
        "    caregiver_is_primary_contact: PRIMARY\n    caregiver_is_legal_guardian: GUARD\n"
        "    caregiver_birth_date: DOB\n")
    return main, prof


def _write_slot_layout(tmp_path: Path) -> Path:
    by_patient: dict[str, list[tuple[str, ...]]] = {}
    for cg in CAREGIVERS:
        by_patient.setdefault(cg[0], []).append(cg[1:])
    n = max(len(v) for v in by_patient.values())
    header = ["patient_id", "site_id", "race_codes", "ethnicity_code", "birth_date",
              "lang_spoken_pref"]
    header += [f"caregiver{i + 1}_{c}" for i in range(n) for c in CG_COLS]
    src = tmp_path / "slots.csv"
    with src.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for pid, site, dob, lang in PATIENTS:
            cells = [pid, site, "2106-3", "2186-5", dob, lang]
            slots = by_patient.get(pid, [])
            for i in range(n):
                cells += list(slots[i]) if i < len(slots) else [""] * len(CG_COLS)
            w.writerow(cells)
    return src


def test_caregiver_table_and_slots_give_the_same_counts(tmp_path: Path) -> None:
    main, prof = _write_table_layout(tmp_path)
    table = validator.validate(main, profile=prof, as_of_date=AS_OF)
    slots = validator.validate(_write_slot_layout(tmp_path), as_of_date=AS_OF)
    assert table.dataset["caregivers"]["layout"] == "table"
    assert slots.dataset["caregivers"]["layout"] == "slots"
    for stratum in (None, "A", "B"):
        for check, _ in CG_CHECKS:
            a, b = _result(table, check, stratum), _result(slots, check, stratum)
            assert (a.status, a.numerator, a.denominator, a.details) == (
                b.status, b.numerator, b.denominator, b.details), (check, stratum)
    # and the counts themselves (by construction of CAREGIVERS / PATIENTS)
    assert _counts(table, "CG.PRESENT_FOR_MINOR") == (Status.FAIL, 1, 6)  # P6
    # motherOrFather, "Mother", blank
    assert _counts(table, "CG.RELATIONSHIP_CODED") == (Status.WARN, 3, 9)
    assert _counts(table, "CG.LANGUAGE_PRESENT") == (Status.FAIL, 4, 6)  # not P5 (zxx), P6
    assert _counts(table, "CG.INTERPRETER_PRESENT") == (Status.FAIL, 2, 5)  # C2 es, P4's vi
    assert _counts(table, "CG.MULTIPLE_CAREGIVERS") == (Status.WARN, 2, 3)  # P2; P5 (b)
    assert _counts(table, "CG.NOT_SELF") == (Status.FAIL, 2, 9)  # P4 (id, self), C5 father


# ----------------------------------------------------------------------------- inputs needed


def test_not_applicable_without_caregivers_or_birth_date() -> None:
    report = validator.validate(_frame(
        "patient_id,race_codes,ethnicity_code,birth_date\nPHIMARKER-1,2106-3,2186-5,2020-01-01\n"
    ), as_of_date=AS_OF)
    for check, _ in CG_CHECKS:
        r = _result(report, check)
        assert r.status is Status.NOT_APPLICABLE, check
    assert "maps no caregivers" in _result(report, "CG.PRESENT_FOR_MINOR").reason
    assert "maps no caregiver fields" in _result(report, "CG.INTERPRETER_PRESENT").reason
    report = validator.validate(_frame(
        "patient_id,race_codes,ethnicity_code,caregiver1_relationship\nPHIMARKER-1,2106-3,"
        "2186-5,MTH\n"), as_of_date=AS_OF)
    r = _result(report, "CG.PRESENT_FOR_MINOR")
    assert r.status is Status.NOT_APPLICABLE and "birth_date" in r.reason


def test_rows_without_patient_id_do_not_borrow_caregivers() -> None:
    # The middle row has no patient_id and no caregiver; the last patient has one. Its
    # caregiver count must be 0, not the last patient's.
    report = validator.validate(_frame(
        "patient_id,race_codes,ethnicity_code,birth_date,caregiver1_relationship\n"
        "PHIMARKER-1,2106-3,2186-5,2020-01-01,MTH\n"
        ",2106-3,2186-5,2020-01-01,\n"
        "P3,2106-3,2186-5,2020-01-01,FTH\n"), as_of_date=AS_OF)
    assert _counts(report, "CG.PRESENT_FOR_MINOR") == (Status.FAIL, 1, 3)


def test_encounter_rows_share_their_patients_caregivers(tmp_path: Path) -> None:
    (tmp_path / "main.csv").write_text(
        "MRN,RACE,ETH,DOB\nPHIMARKER-1,2106-3,2186-5,2020-01-01\nPHIMARKER-1,2106-3,2186-5,"
        "2020-01-01\nP2,2106-3,2186-5,2020-01-01\n")
    (tmp_path / "cg.csv").write_text("PT,CG,REL\nPHIMARKER-1,C1,MTH\nPHIMARKER-1,C1,MTH\n"
                                     "PHIMARKER-1,C2,FTH\n")
    p = tmp_path / "p.yaml"
    p.write_text(
        "grain: encounter\nfields: {patient_id: MRN, race_codes: RACE, ethnicity_code: ETH,"
        " birth_date: DOB}\ncaregivers:\n  source: cg.csv\n  patient_key: PT\n"
        "  fields: {caregiver_id: CG, caregiver_relationship: REL}\n")
    report = validator.validate(tmp_path / "main.csv", profile=p, as_of_date=AS_OF)
    # both records of PHIMARKER-1 see its caregivers; P2 has none
    assert _counts(report, "CG.PRESENT_FOR_MINOR") == (Status.FAIL, 1, 3)
    # C1 listed twice is one caregiver: two distinct caregivers, none marked (flags unmapped,
    # so only (b) could apply, and no language is mapped): not applicable
    assert _result(report, "CG.MULTIPLE_CAREGIVERS").status is Status.NOT_APPLICABLE


def test_primary_contact_flags_are_normalised() -> None:
    frame = _frame("patient_id,race_codes,birth_date,caregiver1_is_primary_contact,"
                   "caregiver2_is_legal_guardian\n"
                   "P1,2106-3,2020-01-01,Y,false\nP2,2106-3,2020-01-01,1,No\n"
                   "P3,2106-3,2020-01-01,TRUE,0\nP4,2106-3,2020-01-01,maybe,t\n")
    prof = profile.infer(list(frame.columns), where="k")
    frame = frame.astype("string[pyarrow]")
    table = caregivers.load(prof, frame, normalize(frame, prof))
    assert table is not None
    # caregiver rows: slot 1 of P1-P4 (primary flag), then slot 2 of P1-P4 (guardian flag)
    primary = table.data.fields["caregiver_is_primary_contact"].rows("informative")
    guardian = table.data.fields["caregiver_is_legal_guardian"].rows("informative")
    assert list(primary[:4]) == [("yes",), ("yes",), ("yes",), ("maybe",)]
    assert list(guardian[4:]) == [("no",), ("no",), ("no",), ("yes",)]


def test_relationship_value_set() -> None:
    codes = relationship_codes()
    assert set(codes) == set(RELATIONSHIP_SYSTEMS)
    v3 = codes["v3-rolecode"]
    for code in ("MTH", "FTH", "NMTH", "NFTH", "PRN", "NPRN", "GRMTH", "GRFTH", "GRPRN", "SIB",
                 "BRO", "SIS", "AUNT", "UNCLE", "STPMTH", "STPFTH", "FMRSPS", "SPS", "FAMMEMB",
                 "GUARD", "ONESELF"):
        assert code in v3, code
    assert len(v3) == 109 + 3
    assert codes["hl7v2-0063"]["GRD"] == "guardian"
    assert codes["snomed"]["72705000"] == "parent"
    assert set(codes["hl7v2-0131"]) == {"C", "CP", "EP", "N"}
    kinds = {k for system in codes.values() for k in system.values()}
    assert kinds == {"parent", "grandparent", "guardian", "self", "contact", "other"}
