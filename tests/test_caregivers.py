"""Caregivers: slots of the main file or a long table, linked to patients, checked per row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import validator
from validator.errors import ConfigError
from validator.results import Status

MAIN = ("patient_id,site_id,race_codes,ethnicity_code,birth_date,"
        "caregiver1_relationship,caregiver1_lang_spoken_pref,"
        "caregiver2_relationship,caregiver2_lang_spoken_pref\n"
        "P1,A,2106-3,2186-5,2020-01-01,MTH,en,FTH,es\n"
        "P2,A,2054-5,2186-5,2021-01-01,MTH,spanish,,\n"
        "P3,B,2028-9,2186-5,2019-01-01,,,,\n"
        "P4,B,2106-3,2135-2,2018-01-01,GRD,xx-YY,,\n")


def test_slots_are_inferred_from_canonical_columns(tmp_path: Path) -> None:
    src = tmp_path / "kids.csv"
    src.write_text(MAIN)
    report = validator.validate(src, as_of_date="2026-11-01")
    assert report.profile["caregivers"] == {
        "layout": "slots", "patient_key": None, "slots": 2,
        "fields": ["caregiver_relationship", "caregiver_lang_spoken_pref"]}
    assert report.dataset["caregivers"] == {"layout": "slots", "rows": 4, "orphan_rows": 0,
                                            "main_rows_with_caregiver": 3}
    lang = report.field_summary("caregiver_lang_spoken_pref")
    assert (lang.rows, lang.counts["informative"]) == (4, 4)
    # value checks on caregiver fields count caregiver rows, per stratum by their patient's site
    r = report.result("LANG.BCP47_WELLFORMED", field="caregiver_lang_spoken_pref")
    assert (r.numerator, r.denominator, r.status) == (2, 4, Status.FAIL)  # spanish, xx-YY
    a = report.result("LANG.BCP47_WELLFORMED", field="caregiver_lang_spoken_pref", stratum="A")
    b = report.result("LANG.BCP47_WELLFORMED", field="caregiver_lang_spoken_pref", stratum="B")
    assert (a.numerator, a.denominator, b.numerator, b.denominator) == (1, 3, 1, 1)


def test_long_table_links_by_patient_and_counts_orphans(tmp_path: Path) -> None:
    (tmp_path / "main.csv").write_text("MRN,RACE,ETH\nP1,2106-3,2186-5\nP2,2054-5,2186-5\n"
                                       "P1,2106-3,2186-5\n")
    (tmp_path / "cg.csv").write_text("PT,CG,REL,LANG\nP1,C1,MTH,en\nP1,C2,FTH,fr\n"
                                     "P9,C3,MTH,es\n")
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "grain: encounter\nfields: {patient_id: MRN, race_codes: RACE, ethnicity_code: ETH}\n"
        "caregivers:\n  source: cg.csv\n  patient_key: PT\n"
        "  fields: {caregiver_id: CG, caregiver_relationship: REL,"
        " caregiver_lang_spoken_pref: LANG}\n")
    report = validator.validate(tmp_path / "main.csv", profile=profile, as_of_date="2026-11-01")
    assert report.dataset["caregivers"] == {"layout": "table", "rows": 3, "orphan_rows": 1,
                                            "main_rows_with_caregiver": 2}
    assert report.field_summary("caregiver_id").rows == 3


def test_caregiver_helpers_aggregate_per_patient(tmp_path: Path) -> None:
    from validator import caregivers, profile
    from validator.normalize import normalize

    src = tmp_path / "k.csv"
    src.write_text(MAIN)
    frame = pd.read_csv(src, dtype=str, keep_default_na=False).astype("string[pyarrow]")
    prof = profile.infer(list(frame.columns), where="k.csv")
    main = normalize(frame, prof)
    table = caregivers.load(prof, frame, main)
    assert table is not None
    assert table.count_per_row().tolist() == [2, 1, 0, 1]
    english = table.data.fields["caregiver_lang_spoken_pref"].flag(
        lambda u: u.informative == ("en",))
    assert table.count_per_row(english).tolist() == [1, 0, 0, 0]
    assert np.array_equal(table.patient_code, [0, 1, 3, 0])


@pytest.mark.parametrize(("text", "message"), [
    ("fields: {race_codes: R, caregiver_relationship: X}\n", "is a caregiver field"),
    ("fields: {race_codes: R}\ncaregivers: {source: c.csv, patient_key: P, fields: {}}\n",
     "linked by patient_id"),
    ("fields: {race_codes: R}\ncaregivers: {slots: [{race_codes: X}]}\n",
     "'race_codes' is not a caregiver field"),
    ("fields: {race_codes: R, patient_id: P}\ncaregivers: {source: c.csv}\n",
     "missing key 'patient_key'"),
    ("fields: {race_codes: R}\ncaregivers: {slots: [], source: x}\n", "not both"),
])
def test_caregiver_profile_errors(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=message):
        validator.validate(pd.DataFrame({"R": ["x"]}), profile=p)


def test_rows_without_patient_id_do_not_borrow_caregivers(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("MRN,RACE,ETH\nP1,2106-3,2186-5\n,2054-5,2186-5\n"
                                    ",2028-9,2186-5\n")
    (tmp_path / "cg.csv").write_text("PT,CG,LANG\nP1,C1,en\n")
    profile = tmp_path / "p.yaml"
    profile.write_text("fields: {patient_id: MRN, race_codes: RACE, ethnicity_code: ETH}\n"
                       "caregivers: {source: cg.csv, patient_key: PT,"
                       " fields: {caregiver_id: CG, caregiver_lang_spoken_pref: LANG}}\n")
    report = validator.validate(tmp_path / "m.csv", profile=profile, as_of_date="2026-11-01")
    assert report.dataset["caregivers"]["main_rows_with_caregiver"] == 1
