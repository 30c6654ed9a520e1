"""Profiles: validation messages, inference from canonical headers, thresholds files."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator import profile as profiles
from validator.errors import ConfigError, InputError
from validator.thresholds import load_thresholds


def _load(tmp_path: Path, text: str) -> profiles.Profile:
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return profiles.load(path)


def test_full_profile(tmp_path: Path) -> None:
    p = _load(tmp_path, """
version: 1
name: site_a
profile_version: "2026.2"
standard: omb1997
grain: encounter
asku_means: declined
as_of_date: 2026-10-31
cohort: {min_age: 0, max_age: 22}
fields:
  patient_id: MRN
  site_id: FAC
  race_codes: {column: RACE, delimiter: ";"}
  ethnicity_code: {column: ETH, system: HL70189}
  birth_date: {column: DOB, format: "%m/%d/%Y"}
thresholds:
  RACE.COMPLETENESS: {threshold: 80, warn_threshold: 95, notes: network policy}
  R-020: 15
disabled_checks: [RACE.MENA_PROFILE]
not_collected: [race_source]
absent_values: {declined: ["PT REFUSED"]}
params:
  RACE.MULTIPLE_SUPPORTED: {min_informative: 100}
""")
    assert p.name == "site_a" and p.version == "2026.2" and p.grain == "encounter"
    assert p.fields["race_codes"].delimiter == ";"
    assert p.fields["race_codes"].system == "cdcrec"
    assert p.fields["ethnicity_code"].system == "hl7v2-0189"
    assert p.fields["birth_date"].date_format == "%m/%d/%Y"
    assert p.row_key == "patient_id" and p.stratum == "site_id"
    assert p.thresholds["RACE.COMPLETENESS"].threshold == 80
    assert p.thresholds["RACE.COMPLETENESS"].warn_threshold == 95
    assert p.thresholds["RACE.OTHER_RATE"].threshold == 15
    assert p.disabled == ("RACE.MENA_PROFILE",)
    assert p.not_collected == ("race_source",)
    assert p.absent_values == {"declined": ("PT REFUSED",)}
    assert p.params == {"RACE.MULTIPLE_SUPPORTED": {"min_informative": 100.0}}
    assert p.cohort == profiles.Cohort(0, 22)
    assert p.columns() == ["MRN", "FAC", "RACE", "ETH", "DOB"]
    assert p.sha256 is not None and len(p.sha256) == 64


@pytest.mark.parametrize(("text", "message"), [
    ("fields: {race_codes: R}\nstandrd: omb1997\n",
     "unknown key 'standrd'"),
    ("fields: {race_code: R}\n", "'race_code' is not a canonical field name"),
    ("fields: {race_codes: {column: R, sep: ';'}}\n", "unknown key 'sep'"),
    ("fields: {race_codes: {system: cdcrec}}\n", "missing key 'column'"),
    ("fields: {race_codes: {column: R, system: SNOMEDCT-XX}}\n", "unknown code system"),
    ("standard: omb2024\nfields: {race_codes: R}\n", "'omb2024' is not one of omb1997"),
    ("fields: {race_codes: R}\nthresholds: {RACE.NOPE: 3}\n", "unknown check id 'RACE.NOPE'"),
    ("fields: {race_codes: R}\nthresholds: {RACE.COMPLETENESS: 170}\n",
     "expected a number between 0 and 100"),
    ("fields: {race_codes: R}\ndisabled_checks: RACE.VALUESET\n", "expected a list of check"),
    ("fields: {race_codes: R}\ncohort: {min_age: 5, max_age: 2}\n", "must be greater"),
    ("fields: {race_codes: R}\nas_of_date: yesterday\n", "is not an ISO date"),
    ("fields: {race_codes: R}\nstratum: site_id\n", "must be a canonical field mapped"),
    ("fields: {race_codes: R, patient_id: P}\nstratum: patient_id\n",
     "would print patient-level values"),
    ("fields: {race_codes: R}\nnot_collected: [race_codes]\n", "also mapped under fields"),
    ("fields: {race_codes: R}\nabsent_values: {refused: [X]}\n", "'refused' is not one of"),
    ("version: 2\n", "only version 1 is supported"),
    ("- a\n- b\n", "expected a mapping"),
    ("fields: [unclosed\n", "not valid YAML at line"),
])
def test_profile_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert message in str(info.value)
    assert "profile.yaml" in str(info.value)


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="profile file not found"):
        profiles.load(tmp_path / "none.yaml")


def test_infer_from_canonical_header_is_case_insensitive() -> None:
    p = profiles.infer(["Patient_ID", "race_codes", "race_codes_system", "ETHNICITY_CODE",
                        "notes"], where="x.csv")
    assert p.inferred is True
    assert sorted(p.fields) == ["ethnicity_code", "patient_id", "race_codes"]
    assert p.fields["patient_id"].column == "Patient_ID"
    assert p.fields["race_codes"].system_column == "race_codes_system"
    assert p.fields["race_codes"].delimiter == "|"
    assert p.fields["race_codes"].system == "cdcrec"
    assert p.as_of_date is None and p.cohort is None and p.stratum is None


def test_no_demographic_column() -> None:
    with pytest.raises(InputError) as info:
        profiles.infer(["mrn", "visit", "patient_id"], where="x.csv")
    assert "x.csv: no recognisable demographic column" in str(info.value)
    assert "--profile" in str(info.value)


def test_mapped_column_missing_hints_case(tmp_path: Path) -> None:
    p = profiles.from_dict({"fields": {"race_codes": "RACE"}})
    with pytest.raises(InputError) as info:
        profiles.check_columns(p, ["race", "eth"], where="data.csv")
    assert "column 'RACE' (mapped to race_codes in profile) is not in the input" in str(info.value)
    assert "the header has 'race'" in str(info.value)


def test_thresholds_csv_and_yaml(tmp_path: Path) -> None:
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("check_id,threshold,warn_threshold,notes\n"
                        "RACE.COMPLETENESS,75,92,board decision\nR-044,2,,\n")
    t = load_thresholds(csv_file)
    assert (t["RACE.COMPLETENESS"].threshold, t["RACE.COMPLETENESS"].warn_threshold) == (75, 92)
    assert t["RACE.COMPLETENESS"].notes == "board decision"
    assert t["ETH.RACE_CROSSCHECK"].threshold == 2
    yml = tmp_path / "t.yaml"
    yml.write_text("ETH.COMPLETENESS: {threshold: 60}\n")
    assert load_thresholds(yml)["ETH.COMPLETENESS"].warn_threshold == 90
    bad = tmp_path / "b.csv"
    bad.write_text("check,threshold\nX,1\n")
    with pytest.raises(ConfigError, match="thresholds CSV needs the columns"):
        load_thresholds(bad)
    bad.write_text("check_id,threshold\nRACE.VALUESET,lots\n")
    with pytest.raises(ConfigError, match="line 2: threshold 'lots' is not a number"):
        load_thresholds(bad)


def test_ages_section_overrides_every_check_and_is_echoed(tmp_path: Path) -> None:
    from validator import catalog
    from validator.ages import AGES
    from validator.engine.measures import RuleContext

    p = _load(tmp_path, "fields: {race_codes: R}\nages: {preverbal_age: 3, adult_age: 21}\n"
                        "params: {CG.PRESENT_FOR_MINOR: {adult_age: 19}}\n")
    assert p.ages == {"preverbal_age": 3.0, "adult_age": 21.0}
    echoed = p.describe()["ages"]
    assert echoed["preverbal_age"] == 3 and echoed["self_report_min_age"] == 11
    ctx = RuleContext(data=None, profile=p, as_of=None, as_of_rows=None,  # type: ignore[arg-type]
                      n_rows=0, params={})
    assert ctx.param(catalog.get("LANG.COMPLETENESS"), "preverbal_age") == 3
    assert ctx.param(catalog.get("CG.LANGUAGE_PRESENT"), "adult_age") == 21
    assert ctx.param(catalog.get("CG.PRESENT_FOR_MINOR"), "adult_age") == 19  # check wins
    # every age parameter of the catalogue has the same default as validator.ages
    for check in catalog.load().values():
        for key, value in check.params.items():
            if key in AGES:
                assert value == AGES[key][0], (check.check_id, key)
    with pytest.raises(ConfigError, match="unknown key 'preverbal'"):
        _load(tmp_path, "fields: {race_codes: R}\nages: {preverbal: 3}\n")
