"""Facts about the check catalogue expectations/checks.csv (rule catalogue of DOMAIN.md §3)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from validator.fields import FIELDS

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "expectations" / "checks.csv"
DOMAIN = Path("/work/shared/spec/DOMAIN.md")

COLUMNS = [
    "rule", "check_id", "title", "category", "severity", "measure", "numerator", "denominator",
    "threshold", "warn_threshold", "threshold_tag", "params", "fields", "profiles", "pediatric",
    "implemented", "description", "stratification_impact", "fix", "source",
]

# Core gate being built now; independent of DOMAIN.md.
IMPLEMENTED_RULES = {
    "R-001", "R-002", "R-003", "R-004", "R-005",
    "R-010", "R-011", "R-012", "R-013", "R-014", "R-015", "R-016", "R-017", "R-018",
    "R-019", "R-020", "R-021", "R-022", "R-023", "R-024", "R-025", "R-026", "R-027",
    "R-028", "R-029", "R-030", "R-031",
    "R-040", "R-041", "R-042", "R-043", "R-044",
    "R-050", "R-051", "R-052", "R-053", "R-054", "R-055",
    "R-060", "R-061", "R-062", "R-063", "R-064", "R-065", "R-066", "R-067", "R-068",
    "R-069", "R-070", "R-071", "R-072", "R-073",
    "R-090", "R-091", "R-092", "R-093", "R-094", "R-095", "R-096",
    "R-100", "R-101", "R-102", "R-103", "R-104", "R-105", "R-106", "R-107",
    "R-110", "R-111", "R-112", "R-113", "R-114", "R-115", "R-116", "R-117", "R-118",
    "R-120", "R-121", "R-122",
    "R-130", "R-131", "R-132", "R-133", "R-134", "R-135", "R-136", "R-137", "R-138",
    "R-140", "R-141", "R-142", "R-143", "R-144",
    "R-150", "R-151", "R-152", "R-153", "R-154", "R-155", "R-156",
}

CATEGORIES = {
    "completeness", "conformance", "plausibility", "consistency", "pediatric", "timeliness",
    "aggregate",
}
SEVERITIES = {"critical", "warning", "info"}
MEASURES = {"violations", "rate"}
PROFILES = {"any", "omb1997", "spd15_2024", "fhir"}
TAGS = {"V", "A", "U", "D"}

# Canonical fields of DOMAIN §2.1, written out.  Rows of §2.1 that name a pattern are expanded:
# "race_respondent (and one per REaL/SOGI element)" and "race_collected_date (per element)" for
# the elements race, ethnicity, lang, gender_identity, sexual_orientation and disability
# (R-101 lists these elements; R-066 spells lang_collected_date); "disability_hearing, _vision,
# ..." to full names.  caregiver_race_* / caregiver_ethnicity_* are not expanded (unused).
CANONICAL_FIELDS = {
    "patient_id", "site_id", "as_of_date", "birth_date",
    "race_codes", "race_omb", "race_detailed", "race_text",
    "ethnicity_code", "ethnicity_detailed",
    "race_ethnicity_2024", "race_ethnicity_2024_detailed",
    "race_source", "ethnicity_source",
    "race_respondent", "ethnicity_respondent", "lang_respondent",
    "gender_identity_respondent", "sexual_orientation_respondent", "disability_respondent",
    "race_collected_date", "ethnicity_collected_date", "lang_collected_date",
    "gender_identity_collected_date", "sexual_orientation_collected_date",
    "disability_collected_date",
    "tribal_affiliation",
    "lang_spoken_pref", "lang_written_pref", "lang_home", "english_proficiency",
    "interpreter_needed",
    "caregiver_id", "caregiver_relationship", "caregiver_is_legal_guardian",
    "caregiver_is_primary_contact", "caregiver_lang_spoken_pref", "caregiver_lang_written_pref",
    "caregiver_english_proficiency", "caregiver_interpreter_needed",
    "sex_admin", "sex", "sex_at_birth", "gender_identity", "sexual_orientation", "pronouns",
    "name_to_use",
    "disability_hearing", "disability_vision", "disability_cognition", "disability_ambulation",
    "disability_selfcare", "disability_independent_living", "disability_learning",
    "disability_communication", "disability_mood",
    "address_zip", "address", "payer_type",
}
# Named only in the §3.11 rule text (SDOH rules R-140..R-142), not in §2.1, and project fields
# (the R-113 confidentiality marker).  Implemented rows may use them only once
# validator/fields.py defines them, so implemented checks never depend on an unknown column.
RULE_TEXT_ONLY_FIELDS = {"sdoh_screen_date", "sdoh_instrument", "sdoh_respondent"}
PROJECT_FIELDS = {"sogi_confidential"}

RULE_RE = re.compile(r"^R-\d{3}$")
CHECK_ID_RE = re.compile(r"^[A-Z0-9]+(\.[A-Z0-9_]+)+$")
PARAM_RE = re.compile(r"^[a-z][a-z0-9_]*=-?\d+(\.\d+)?$")


@pytest.fixture(scope="module")
def header() -> list[str]:
    with CATALOG.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CATALOG.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by_rule(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["rule"]: r for r in rows}


def test_header_and_file_format(header: list[str]) -> None:
    assert header == COLUMNS
    raw = CATALOG.read_bytes()
    assert b"\r\n" not in raw
    raw.decode("utf-8")


def test_row_shape_and_order(rows: list[dict[str, str]]) -> None:
    assert rows
    for r in rows:
        assert None not in r, f"{r.get('rule')}: extra cells"
        assert all(v is not None for v in r.values()), f"{r.get('rule')}: missing cells"
    numbers = [int(r["rule"][2:]) for r in rows]
    assert numbers == sorted(numbers)


def test_no_duplicates(rows: list[dict[str, str]]) -> None:
    rules = [r["rule"] for r in rows]
    ids = [r["check_id"] for r in rows]
    assert len(rules) - len(set(rules)) == 0
    assert len(ids) - len(set(ids)) == 0


def test_identifier_formats(rows: list[dict[str, str]]) -> None:
    for r in rows:
        assert RULE_RE.match(r["rule"]), r["rule"]
        assert CHECK_ID_RE.match(r["check_id"]), r["check_id"]
        assert 0 < len(r["title"]) <= 60, r["rule"]


@pytest.mark.skipif(not DOMAIN.exists(), reason=f"{DOMAIN} not available")
def test_rules_match_domain(rows: list[dict[str, str]]) -> None:
    text = DOMAIN.read_text(encoding="utf-8")
    headings = dict(re.findall(r"^\*\*(R-\d{3}) `([^`]+)`", text, flags=re.MULTILINE))
    assert headings
    # Project rules are numbered after DOMAIN.md's last rule and carry a [D] source tag.
    last = max(int(r[2:]) for r in headings)
    project = {r["rule"] for r in rows if r["rule"] not in headings}
    assert all(int(p[2:]) > last for p in project), sorted(project)
    assert all("[D]" in r["source"] for r in rows if r["rule"] in project)
    assert {r["rule"] for r in rows} - project == set(headings)
    assert {r["rule"]: r["check_id"] for r in rows if r["rule"] not in project} == headings


def test_implemented_set(rows: list[dict[str, str]]) -> None:
    for r in rows:
        assert r["implemented"] in {"yes", "no"}, r["rule"]
    assert {r["rule"] for r in rows if r["implemented"] == "yes"} == IMPLEMENTED_RULES


def test_enumerations(rows: list[dict[str, str]]) -> None:
    for r in rows:
        assert r["category"] in CATEGORIES, r["rule"]
        assert r["severity"] in SEVERITIES, r["rule"]
        assert r["measure"] in MEASURES, r["rule"]
        assert r["profiles"] in PROFILES, r["rule"]
        assert r["pediatric"] in {"yes", "no"}, r["rule"]


def test_thresholds(rows: list[dict[str, str]]) -> None:
    for r in rows:
        values = {}
        for col in ("threshold", "warn_threshold"):
            if r[col] != "":
                values[col] = float(r[col])
                assert 0.0 <= values[col] <= 100.0, (r["rule"], col)
        if "threshold" in values:
            assert r["threshold_tag"] in TAGS, r["rule"]
        else:
            assert r["threshold_tag"] == "", r["rule"]
        if len(values) == 2:
            assert r["measure"] == "rate", r["rule"]
            assert values["warn_threshold"] >= values["threshold"], r["rule"]


def test_params_format(rows: list[dict[str, str]]) -> None:
    for r in rows:
        if r["params"]:
            for pair in r["params"].split(";"):
                assert PARAM_RE.match(pair), (r["rule"], pair)


def test_implemented_rows_documented(rows: list[dict[str, str]]) -> None:
    for r in rows:
        assert r["description"].strip(), r["rule"]
        assert r["source"].strip(), r["rule"]
        if r["implemented"] == "yes":
            assert r["stratification_impact"].strip(), r["rule"]
            assert r["fix"].strip(), r["rule"]


def test_implemented_rows_define_numerator_and_denominator(rows: list[dict[str, str]]) -> None:
    for r in rows:
        if r["implemented"] == "yes":
            assert r["numerator"].strip(), r["rule"]
            assert r["denominator"].strip(), r["rule"]
        for col in ("numerator", "denominator"):
            assert r[col] == r[col].strip() and "\n" not in r[col], (r["rule"], col)


def test_fields_canonical(rows: list[dict[str, str]]) -> None:
    for r in rows:
        fields = r["fields"].split(";")
        assert fields and all(fields), r["rule"]
        if fields == ["*"]:
            continue
        assert len(fields) == len(set(fields)), r["rule"]
        allowed = CANONICAL_FIELDS | (RULE_TEXT_ONLY_FIELDS | PROJECT_FIELDS) & set(FIELDS)
        if r["implemented"] == "no":
            allowed = CANONICAL_FIELDS | RULE_TEXT_ONLY_FIELDS
        unknown = set(fields) - allowed
        assert not unknown, (r["rule"], unknown)


def test_spot_checks(rows: list[dict[str, str]]) -> None:
    idx = by_rule(rows)
    r010 = idx["R-010"]
    assert (r010["check_id"], r010["severity"], r010["measure"]) == (
        "RACE.COMPLETENESS", "critical", "rate")
    assert (float(r010["threshold"]), float(r010["warn_threshold"])) == (70.0, 90.0)

    r011 = idx["R-011"]
    assert (r011["check_id"], r011["severity"], r011["measure"]) == (
        "RACE.VALUESET", "critical", "violations")
    assert float(r011["threshold"]) == 0.0

    r044 = idx["R-044"]
    assert (r044["check_id"], r044["severity"]) == ("ETH.RACE_CROSSCHECK", "warning")
    assert float(r044["threshold"]) == 1.0

    assert "min_cell=11" in idx["R-134"]["params"].split(";")

    assert idx["R-021"]["profiles"] == "fhir"
    assert idx["R-015"]["profiles"] == "omb1997"
    assert idx["R-001"]["fields"] == "*"
    assert idx["R-001"]["threshold"] == ""
