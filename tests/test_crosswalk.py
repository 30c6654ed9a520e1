"""Crosswalks: validated on load, applied before the absent-value lexicon, counted in reports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import MARKER, invoke

import validator
from validator import crosswalk
from validator.errors import ConfigError
from validator.results import Status

HEADER = "source_system,source_value,target_field,target_code,tree,note\n"


def _parse(body: str) -> crosswalk.Crosswalk:
    return crosswalk.parse(HEADER + body, name="t", where="t.csv")


def test_parse_and_lookup() -> None:
    xw = _parse(
        "MIMIC,WHITE,race_codes,2106-3,,\n"
        "MIMIC,HISPANIC/LATINO - PUERTO RICAN,ethnicity_code,2135-2,,\n"
        "MIMIC,HISPANIC/LATINO - PUERTO RICAN,ethnicity_detailed,2180-8,,\n"
        "MIMIC,HISPANIC/LATINO - PUERTO RICAN,race_codes,@unknown,,\n"
        "MIMIC,white ,ethnicity_code,@unknown,,\n"
        "MIMIC,BLACK/WHITE,race_codes,2054-5|2106-3,,\n"
        "ISO,spa,lang_spoken_pref,es,,\n"
    )
    assert xw.source_systems == ("MIMIC", "ISO")
    assert set(xw.targets()) == {"race_codes", "ethnicity_code", "ethnicity_detailed",
                                 "lang_spoken_pref"}
    assert xw.lookup("race_codes", "  white") == ("2106-3",)
    assert xw.lookup("race_codes", "hispanic/latino - puerto rican") == ("@unknown",)
    assert xw.lookup("race_codes", "BLACK/WHITE") == ("2054-5", "2106-3")
    assert xw.lookup("ethnicity_code", "White") == ("@unknown",)
    assert xw.lookup("race_codes", "ASIAN") is None
    hispanic_as_race = _parse("CMS,5,race_codes,2135-2,,\n")
    assert hispanic_as_race.lookup("race_codes", "5") == ("2135-2",)
    assert len(xw.sha256) == 64


@pytest.mark.parametrize(("body", "message"), [
    ("X,W,race_codes,9999-9,,\n", "line 2: target code '9999-9' is not valid for race_codes "
     "(it takes CDC Race & Ethnicity codes)"),
    ("X,W,race_codes,1000-9,,\n", "'1000-9' is not valid for race_codes"),
    ("X,W,ethnicity_code,2106-4,,\n", "'2106-4' is not valid for ethnicity_code"),
    ("X,W,sex_admin,F,,\n", "'F' is not valid for sex_admin (it takes the administrative_gender"),
    ("X,English,lang_spoken_pref,english,,\n", "'english' is not a valid BCP 47 language tag"),
    ("X,Spanish,lang_spoken_pref,es_MX,,\n", "write it as 'es-MX'"),
    ("X,W,race_codes,2106-3,,\nX,w,race_codes,2054-5,,\n",
     "line 3: source value 'w' is mapped twice for race_codes"),
    ("X,Dominican,ethnicity_detailed,2184-0,,\n", "occurs in both CDCREC trees (R-030)"),
    ("X,Dominican,race_codes,2069-3,ethnicity,\n", "tree says ethnicity but 2069-3 is in the race"),
    ("X,W,race_codes,2106-3,,\nX,2106-3,race_codes,2054-5,,\n", "a chain or loop"),
    ("X,A,payer_type,B,,\nX,B,payer_type,A,,\n", "a chain or loop"),
    ("X,W,race_codes,@refused,,\n", "unknown absent-reason token '@refused'"),
    ("X,W,race_text,2106-3,,\n", "'race_text' is not a coded canonical field"),
    ("X,,race_codes,2106-3,,\n", "line 2: empty source_value"),
    ("", "crosswalk has no mapping rows"),
])
def test_bad_crosswalks(body: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _parse(body)
    assert message in str(info.value)
    assert "t.csv" in str(info.value)


def test_bad_header() -> None:
    with pytest.raises(ConfigError, match=r"bad header \(unknown code\)"):
        crosswalk.parse("source_value,target_field,target_code,code\n", name="t", where="t.csv")
    with pytest.raises(ConfigError, match=r"bad header \(missing target_code\)"):
        crosswalk.parse("source_value,target_field\n", name="t", where="t.csv")


def test_ambiguous_display_with_tree_is_accepted() -> None:
    xw = _parse("X,Dominican,ethnicity_detailed,2184-0,ethnicity,\n"
                "X,Dominican,race_codes,2069-3,race,\n")
    assert xw.lookup("ethnicity_detailed", "DOMINICAN") == ("2184-0",)


def _combined(tmp_path: Path) -> tuple[Path, Path]:
    xw = tmp_path / "combined.csv"
    xw.write_text(HEADER + "".join(
        f"LOCAL,{src},{field},{code},,\n" for src, field, code in [
            ("WHITE", "race_codes", "2106-3"), ("WHITE", "ethnicity_code", "@unknown"),
            ("BLACK", "race_codes", "2054-5"), ("BLACK", "ethnicity_code", "@unknown"),
            ("HISPANIC/LATINO - CUBAN", "race_codes", "@unknown"),
            ("HISPANIC/LATINO - CUBAN", "ethnicity_code", "2135-2"),
            ("PATIENT DECLINED TO ANSWER", "race_codes", "@declined"),
            ("PATIENT DECLINED TO ANSWER", "ethnicity_code", "@declined"),
        ]))
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "version: 1\nfields:\n  patient_id: ID\n"
        "  race_codes: {column: RACE_ETH, crosswalk: combined.csv}\n"
        "  ethnicity_code: {column: RACE_ETH, crosswalk: combined.csv}\n")
    return xw, profile


def test_combined_column_is_split(tmp_path: Path) -> None:
    _, profile = _combined(tmp_path)
    values = (["WHITE"] * 6 + ["BLACK"] * 2 + ["HISPANIC/LATINO - CUBAN"] * 3
              + ["PATIENT DECLINED TO ANSWER"] + ["OTHER"] * 5 + [f"{MARKER} free text"])
    frame = pd.DataFrame({"ID": [f"P{i}" for i in range(len(values))], "RACE_ETH": values})
    report = validator.validate(frame, profile=profile, as_of_date="2026-11-01")
    race = report.field_summary("race_codes")
    assert race.counts["informative"] == 8 + 5 + 1  # codes, plus unmapped OTHER and free text
    assert (race.counts["unknown"], race.counts["declined"]) == (3, 1)
    assert race.crosswalks[0]["crosswalk"] == "combined"
    assert (race.crosswalks[0]["rows_mapped"], race.crosswalks[0]["values_mapped"]) == (12, 4)
    # values are only counted unless asked for (PHI-safe default) ...
    assert list(race.unmapped) == []
    assert race.unmapped_other == {"values": 2, "rows": 6}
    # ... and with list_unmapped, code-like values on 5+ rows are listed, free text is not
    listed = validator.validate(frame, profile=profile, as_of_date="2026-11-01",
                                list_unmapped=True)
    race_listed = listed.field_summary("race_codes")
    assert list(race_listed.unmapped) == [{"value": "OTHER", "rows": 5}]
    assert race_listed.unmapped_other == {"values": 1, "rows": 1}
    assert listed.run["list_unmapped"] is True and "list_unmapped" not in report.run
    eth = report.field_summary("ethnicity_code")
    assert (eth.counts["informative"], eth.counts["unknown"]) == (3 + 6, 8)
    cross = report.result("RACE.NOT_ETHNICITY_CODE", field="race_codes")
    assert (cross.numerator, cross.status) == (0, Status.PASS)
    assert MARKER not in repr(report.to_dict())


def test_profile_crosswalk_errors(tmp_path: Path) -> None:
    _combined(tmp_path)
    bad = tmp_path / "p2.yaml"
    bad.write_text("fields:\n  lang_spoken_pref: {column: L, crosswalk: combined.csv}\n")
    with pytest.raises(ConfigError, match="has no rows for lang_spoken_pref"):
        validator.validate(pd.DataFrame({"L": ["x"]}), profile=bad)
    missing = tmp_path / "p3.yaml"
    missing.write_text("fields:\n  race_codes: {column: R, crosswalk: nope.csv}\n")
    with pytest.raises(ConfigError, match=r"nope\.csv: crosswalk file not found"):
        validator.validate(pd.DataFrame({"R": ["x"]}), profile=missing)


def test_bad_crosswalk_through_cli_is_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    xw, profile = _combined(tmp_path)
    xw.write_text(xw.read_text() + "LOCAL,ASIAN,race_codes,2028-0,,\n")
    data = tmp_path / "d.csv"
    data.write_text("ID,RACE_ETH\nP1,WHITE\n")
    result = invoke(cli, "validate", data, "--profile", profile, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "combined.csv, line 10: target code '2028-0' is not valid for race_codes" \
        in result.stderr
    assert not (tmp_path / "o").exists()


def test_r030_counts_crosswalk_rows_and_resolved_ambiguous_displays(tmp_path: Path) -> None:
    xw = tmp_path / "x.csv"
    xw.write_text(HEADER + "E,Dominican,ethnicity_detailed,2184-0,ethnicity,\n"
                  "E,Hispanic,ethnicity_code,2135-2,,\nE,White,race_codes,2106-3,,\n")
    profile = tmp_path / "p.yaml"
    profile.write_text("fields:\n  race_codes: {column: R, crosswalk: x.csv}\n"
                       "  ethnicity_code: {column: E, crosswalk: x.csv}\n"
                       "  ethnicity_detailed: {column: D, crosswalk: x.csv}\n")
    frame = pd.DataFrame({"R": ["White"], "E": ["Hispanic"], "D": ["Dominican"]})
    report = validator.validate(frame, profile=profile, as_of_date="2026-11-01")
    r = report.result("RACE.AMBIGUOUS_CROSSWALK")
    assert (r.numerator, r.denominator, r.status) == (0, 3, Status.PASS)
    assert r.details == {"crosswalks": 1, "ambiguous_resolved_by_tree": 1}
    assert report.field_summary("ethnicity_detailed").counts["informative"] == 1
