"""The crosswalks shipped in validator/crosswalks/: every one loads (targets validated), the
generated ones are current, and a few rows of each say what docs/crosswalks.md says."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
from conftest import ROOT

from validator import crosswalk

SHIPPED = (
    "cdc_case_surveillance", "cms_race", "cms_sex", "hl7v2_0001_sex", "hl7v2_0005_race",
    "hl7v2_0189_ethnicity", "iso639_languages", "language_names_en", "mimic_language",
    "mimic_race_ethnicity", "nhanes", "omop_concepts", "pcornet", "race_ethnicity_names_en",
    "synthea",
)
LANGUAGE_FIELDS = ("lang_spoken_pref", "lang_written_pref", "lang_home",
                   "caregiver_lang_spoken_pref", "caregiver_lang_written_pref")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_crosswalks", ROOT / "scripts" / "build_crosswalks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_list() -> None:
    assert set(SHIPPED) <= set(crosswalk.shipped())


@pytest.mark.parametrize("name", crosswalk.shipped())
def test_every_shipped_crosswalk_loads_with_a_header_and_notes_where_judged(name: str) -> None:
    xw = crosswalk.load(name)
    assert xw.name == name and len(xw.sha256) == 64 and xw.source_systems
    text = (ROOT / "validator" / "crosswalks" / f"{name}.csv").read_text(encoding="utf-8")
    assert text.startswith("source_system,source_value,target_field,target_code,tree,note\n")
    assert "\r" not in text


def test_generated_crosswalks_are_current() -> None:
    assert _script().main(["--check"]) == 0


def _is(name: str, field: str, value: str, *targets: str) -> None:
    assert crosswalk.load(name).lookup(field, value) == targets, (name, field, value)


def test_hl7_v2_tables() -> None:
    _is("hl7v2_0005_race", "race_codes", "B", "2054-5")
    _is("hl7v2_0005_race", "race_codes", "C", "2106-3")
    _is("hl7v2_0005_race", "race_codes", "H", "2135-2")  # Hispanic-as-race, faithfully
    _is("hl7v2_0005_race", "race_codes", "R", "2028-9")
    _is("hl7v2_0189_ethnicity", "ethnicity_code", "u", "@unknown")
    _is("hl7v2_0001_sex", "sex_admin", "F", "female")
    _is("hl7v2_0001_sex", "sex_admin", "A", "other")
    _is("hl7v2_0001_sex", "sex_admin", "N", "@not_applicable")
    _is("hl7v2_0001_sex", "sex_admin", "X", "other")
    _is("hl7v2_0001_sex", "sex_admin", "U", "@unknown")


def test_iso639_languages() -> None:
    xw = crosswalk.load("iso639_languages")
    assert xw.targets() == LANGUAGE_FIELDS
    for field in LANGUAGE_FIELDS:
        _is("iso639_languages", field, "spa", "es")      # 639-2/T
        _is("iso639_languages", field, "GER", "de")      # 639-2/B
        _is("iso639_languages", field, "chi", "zh")
        _is("iso639_languages", field, "tgl", "fil")     # CLDR alias, as the standardizer
        _is("iso639_languages", field, "nav", "nv")      # Navajo, not NullFlavor NAV
    # codes equal to their BCP 47 form are not listed
    assert xw.lookup("lang_spoken_pref", "cmn") is None
    assert xw.lookup("lang_spoken_pref", "haw") is None


def test_language_names() -> None:
    for name, tag in [("Mandarin", "cmn"), ("Cantonese", "yue"), ("Haitian Creole", "ht"),
                      ("American Sign Language", "ase"), ("ASL", "ase"), ("Farsi", "fa"),
                      ("Tagalog", "fil"), ("Somali", "so"), ("Hmong", "hmn"), ("Karen", "kar"),
                      ("Chuukese", "chk"), ("Marshallese", "mh"), ("Spanish", "es"),
                      ("English (United States)", "en-US"), ("Cape Verdean Creole", "kea")]:
        for field in LANGUAGE_FIELDS:
            _is("language_names_en", field, name, tag)
    # 'Ga' is both a language name (gaa) and the code of Irish: not mapped by name
    assert crosswalk.load("language_names_en").lookup("lang_spoken_pref", "Ga") is None


def test_mimic() -> None:
    _is("mimic_language", "lang_spoken_pref", "ENGL", "en")
    _is("mimic_language", "lang_spoken_pref", "MAND", "cmn")
    _is("mimic_language", "lang_spoken_pref", "PTUN", "pt")
    _is("mimic_language", "lang_spoken_pref", "CAPE", "kea")
    _is("mimic_language", "lang_spoken_pref", "ENGLISH", "en")
    x = "mimic_race_ethnicity"
    _is(x, "race_codes", "HISPANIC/LATINO - PUERTO RICAN", "@unknown")
    _is(x, "ethnicity_code", "HISPANIC/LATINO - PUERTO RICAN", "2135-2")
    _is(x, "ethnicity_detailed", "HISPANIC/LATINO - PUERTO RICAN", "2180-8")
    _is(x, "ethnicity_detailed", "HISPANIC/LATINO - DOMINICAN", "2184-0")
    _is(x, "race_codes", "WHITE", "2106-3")
    _is(x, "ethnicity_code", "WHITE", "@unknown")  # race-only string: ethnicity never asked
    _is(x, "race_codes", "PORTUGUESE", "2106-3")
    _is(x, "race_codes", "OTHER", "2131-1")
    # placeholders are left to the lexicon, a multiracial summary has no race code
    assert crosswalk.load(x).lookup("race_codes", "UNKNOWN/NOT SPECIFIED") is None
    assert crosswalk.load(x).lookup("race_codes", "MULTIPLE RACE/ETHNICITY") is None


def test_category_names() -> None:
    x = "race_ethnicity_names_en"
    _is(x, "race_codes", "Caucasian", "2106-3")
    _is(x, "race_codes", "African American", "2058-6")
    _is(x, "race_codes", "Hispanic or Latino", "2135-2")
    _is(x, "ethnicity_code", "Non-Hispanic", "2186-5")
    _is(x, "ethnicity_detailed", "Dominican", "2184-0")
    _is(x, "race_codes", "South American Indian", "1073-6")
    _is(x, "ethnicity_detailed", "South American Indian", "2175-8")
    assert crosswalk.load(x).lookup("race_codes", "Dominican") is None
    assert crosswalk.load(x).lookup("race_codes", "Multiracial") is None


def test_dataset_crosswalks() -> None:
    _is("cms_race", "race_codes", "5", "2135-2")
    _is("cms_race", "race_codes", "6", "1002-5")
    _is("cms_sex", "sex_admin", "2", "female")
    _is("omop_concepts", "race_codes", "0", "@unknown")
    _is("omop_concepts", "ethnicity_code", "38003563", "2135-2")
    _is("omop_concepts", "sex_admin", "8532", "female")
    _is("synthea", "race_codes", "hawaiian", "2076-8")
    _is("synthea", "ethnicity_code", "nonhispanic", "2186-5")
    _is("nhanes", "race_codes", "1", "@unknown")
    _is("nhanes", "ethnicity_detailed", "1", "2148-5")
    _is("nhanes", "race_codes", "7", "2131-1")
    _is("nhanes", "lang_spoken_pref", "2", "es")
    _is("cdc_case_surveillance", "race_codes", "Hispanic/Latino", "@unknown")
    _is("cdc_case_surveillance", "ethnicity_code", "White, Non-Hispanic", "2186-5")
    assert crosswalk.load("cdc_case_surveillance").lookup("race_codes", "Missing") is None
    _is("pcornet", "race_codes", "07", "@declined")
    _is("pcornet", "race_codes", "OT", "@other")
    _is("pcornet", "ethnicity_code", "R", "@declined")
    assert crosswalk.load("pcornet").lookup("race_codes", "06") is None
