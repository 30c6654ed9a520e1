"""FHIR R4 input (docs/fhir.md): detection, flattening, bad input, profiles, and the quirks
shared/realworld/PROVENANCE.md documents for the FHIR data copied under fixtures/realworld/.

Every expected number is a count PROVENANCE prints (section given as "P§n") or a one-off count
of the raw file made with the standard-library command quoted next to it (run from the folder
named in the test). None was copied from the tool's output. The hand-made fixtures/fhir_*
files are asserted through fixtures/expected.yaml.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, ROOT, invoke

import validator
from validator import checkpoint as checkpoints
from validator.errors import ConfigError, InputError
from validator.io import fhir
from validator.io import fhir_flatten as flat
from validator.results import CheckResult, Report, Status

REALWORLD = FIXTURES / "realworld"
EXAMPLES = REALWORLD / "fhir_examples"
NVSS = REALWORLD / "nvss_bfdr"
SYNTHEA = REALWORLD / "synthea_fhir"
SHARED_SYNTHEA = Path("/work/shared/realworld/synthea/fhir-bulk-1000/Patient.000.ndjson")
AS_OF = "2024-08-06"
CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"


def _nd(result: CheckResult) -> tuple[int | None, int | None]:
    return result.numerator, result.denominator


def _counts(report: Report, field: str) -> dict[str, int]:
    return {k: n for k, n in report.field_summary(field).counts.items() if n}


@cache
def _run(path: Path) -> Report:
    return validator.validate(path, as_of_date=AS_OF)


def _bundle(tmp_path: Path, files: list[Path], name: str = "bundle.json") -> Path:
    """A collection Bundle of resources read verbatim from ``files`` (the test's only
    re-serialisation: the resources themselves are unchanged)."""
    doc = {"resourceType": "Bundle", "type": "collection",
           "entry": [{"resource": json.loads(p.read_text(encoding="utf-8"))} for p in files]}
    out = tmp_path / name
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def _fhir_results(report: Report) -> list[CheckResult]:
    return [r for r in report.results if r.stratum is None and r.check_id.startswith("FHIR.")]


# ------------------------------------------------------------------------ detection, reading


def test_detection_by_extension_content_and_format(tmp_path: Path) -> None:
    resource = '{"resourceType": "Patient", "id": "p1"}\n'
    txt = tmp_path / "export.txt"
    txt.write_text(resource)
    assert fhir.detect(txt, None)  # by content
    assert not fhir.detect(txt, "csv")  # an explicit table format wins
    assert fhir.detect(tmp_path / "nope.json", None) is False  # missing: left to the reader
    table = tmp_path / "t.csv"
    table.write_text("patient_id,race_codes\nP1,2106-3\n")
    assert not fhir.detect(table, None)
    assert fhir.detect(table, "FHIR")
    array = tmp_path / "a.csv"
    array.write_text('[{"resourceType": "Patient"}]\n')
    assert not fhir.detect(array, None)  # JSON arrays stay the table reader's "not a table"


def test_canonical_table_input_leaves_fhir_checks_not_applicable() -> None:
    report = validator.validate(FIXTURES / "clean_minimal.csv", as_of_date="2026-11-01")
    fhir_results = _fhir_results(report)
    assert {r.check_id for r in fhir_results} == {
        "FHIR.EXTENSION_URL", "FHIR.EXTENSION_STRUCTURE", "FHIR.RESOURCE_ID",
        "FHIR.CODING_SYSTEM_URI", "FHIR.RELATED_PERSON_LINK", "FHIR.LANGUAGE_PREFERRED",
        "FHIR.BIRTH_TIME_CONSISTENT"}
    assert all(r.status is Status.NOT_APPLICABLE for r in fhir_results)
    assert "applies to FHIR input" in report.result("FHIR.EXTENSION_URL").reason
    text = report.result("RACE.TEXT_PRESENT", field="race_text")
    assert text.status is Status.NOT_APPLICABLE and "applies to FHIR input" in text.reason


def test_fhir_suite_runs_alone() -> None:
    report = validator.validate(FIXTURES / "fhir_legacy_flat_extensions.ndjson",
                                as_of_date="2026-11-01", suites=["fhir"])
    assert {r.check_id.split(".")[0] for r in report.results} == {"FHIR"}


def test_flattened_columns_and_choices() -> None:
    """One Patient with every element the reader maps (docs/fhir.md)."""
    resource = {
        "resourceType": "Patient", "id": "x1", "gender": "female", "birthDate": "2015-04-03",
        "extension": [
            {"url": CORE + "us-core-race", "extension": [
                {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238",
                                                       "code": "2106-3"}},
                {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238",
                                                       "code": "2028-9"}},
                {"url": "detailed", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238",
                                                    "code": "2036-2"}},
                {"url": "text", "valueString": "White and Filipino"}]},
            {"url": CORE + "us-core-sex", "valueCode": "248152002"},
            {"url": CORE + "us-core-genderIdentity", "valueCodeableConcept": {"coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
                 "code": "ASKU"}]}},
            {"url": CORE + "us-core-interpreter-needed", "valueBoolean": True},
            {"url": CORE + "us-core-tribal-affiliation", "extension": [
                {"url": "tribalAffiliation", "valueCodeableConcept": {"coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v3-TribalEntityUS",
                     "code": "187"}]}}]}],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                    "code": "en"}]}},
                          {"language": {"text": "Hmong"}, "preferred": True}],
        "contact": [{"relationship": [{"coding": [
            {"system": "http://snomed.info/sct", "code": "72705000"},
            {"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "N"},
            {"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}]}]}],
    }
    row, flags = flat.patient(resource)
    assert row["race_omb"] == "2106-3|2028-9"
    assert row["race_omb_system"] == "urn:oid:2.16.840.1.113883.6.238"
    assert (row["race_detailed"], row["race_text"]) == ("2036-2", "White and Filipino")
    assert row["ethnicity_code"] is None and flags.get("ethnicity_ext") is None
    assert (row["sex"], row["gender_identity"], row["interpreter_needed"]) == (
        "248152002", "ASKU", "true")
    assert row["tribal_affiliation"] == "187"
    assert row["lang_spoken_pref"] == "Hmong"  # the preferred entry, uncoded: its text
    assert flags["lang_preferred"] and not flags.get("lang_only")
    [(contact, cflags)], skipped = flat.contacts(resource)
    assert skipped == 0 and cflags["contact"]
    # translations of one answer: the field's standard system (v3 RoleCode) is kept
    assert contact["caregiver_relationship"] == "MTH"
    assert contact["caregiver_relationship_system"].endswith("v3-RoleCode")


def test_null_flavor_codes_are_kept_beside_categories() -> None:
    coded = flat.Coded()
    coded.add({"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2106-3"})
    coded.add({"system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "code": "UNK"})
    assert coded.resolve("cdcrec") == ("2106-3|UNK", "urn:oid:2.16.840.1.113883.6.238")
    coded.add({"code": "2054-5"})  # no system: every code kept, system blank
    assert coded.resolve("cdcrec") == ("2106-3|UNK|2054-5", None)


def test_cli_input_format_fhir_and_report(cli: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "export.dat"
    shutil.copyfile(FIXTURES / "fhir_legacy_flat_extensions.ndjson", src)
    out = tmp_path / "out"
    result = invoke(cli, "validate", src, "--input-format", "fhir", "--out", out,
                    "--as-of", "2026-11-01")
    assert result.exit_code == 1, result.stderr
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["dataset"]["format"] == "fhir"
    assert data["dataset"]["fhir"] == {
        "layout": "ndjson", "bundles": 0, "patients": 6, "related_persons": 0, "contacts": 0,
        "contacts_skipped_organisation": 0, "other_resources": 0}
    assert data["profile"]["inferred"] is True
    assert MARKER not in result.output
    for p in out.iterdir():
        assert MARKER not in p.read_text(encoding="utf-8")


def test_former_json_as_table_fixture_is_read_as_fhir(cli: CliRunner, tmp_path: Path) -> None:
    """fixtures/bad/json_as_table.json is a Bundle with one Patient (id, name, birthDate, no
    race or ethnicity): the table reader still refuses it (tests/test_io.py), validate reads
    it as FHIR and fails the gate on missing race."""
    out = tmp_path / "o"
    result = invoke(cli, "validate", FIXTURES / "bad" / "json_as_table.json", "--out", out)
    assert result.exit_code == 1, result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["dataset"]["rows"] == 1
    assert MARKER not in result.output and MARKER not in json.dumps(report)


# ------------------------------------------------------------------------ profiles


def test_profile_supplies_run_parameters(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "name: fhir_site\nstandard: omb1997\nas_of_date: 2026-11-01\n"
        "thresholds: {FHIR.EXTENSION_URL: 90}\n"
        "not_collected: [lang_spoken_pref]\ninput: {format: fhir}\n")
    src = tmp_path / "legacy.data"
    shutil.copyfile(FIXTURES / "fhir_legacy_flat_extensions.ndjson", src)
    report = validator.validate(src, profile=profile)  # input.format: fhir (no extension)
    assert report.profile["name"] == "fhir_site" and report.profile["inferred"] is False
    assert report.run["as_of_date"] == "2026-11-01"
    url = report.result("FHIR.EXTENSION_URL")
    assert _nd(url) == (5, 6) and url.status is Status.PASS_WITH_FINDINGS  # 83 % <= 90 %
    lang = report.result("LANG.COMPLETENESS", field="lang_spoken_pref")
    assert lang.status is Status.NOT_APPLICABLE and "not collected" in lang.reason
    assert "lang_spoken_pref" not in report.dataset["fields_read"]


@pytest.mark.parametrize("body", [
    "fields: {race_codes: RACE}\n",
    "caregivers: {slots: [{caregiver_relationship: REL}]}\n",
])
def test_profile_mapping_fields_is_refused(tmp_path: Path, body: str) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(body)
    with pytest.raises(ConfigError, match="cannot be mapped for FHIR input"):
        validator.validate(FIXTURES / "fhir_us_core_conformant.json", profile=profile)


# ------------------------------------------------------------------------ bad input

BAD_CASES = [
    ("malformed_line.ndjson",
     '{"resourceType": "Patient", "id": "a"}\n\n{"resourceType": "Patient", "id": "b",\n',
     "line 3 is not valid JSON"),
    ("no_patient.json",
     json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
         {"resource": {"resourceType": "Observation", "id": "o1", "note": MARKER}}]}),
     "contains no Patient resource (1 other resources)"),
    ("broken.json", '{\n  "resourceType": "Bundle",\n  "entry": [\n    {"resource": }\n]}\n',
     "not valid JSON at line 4, column"),
    ("array.json", json.dumps([{"resourceType": "Patient", "name": MARKER}]),
     "does not contain FHIR JSON"),
    ("no_type.ndjson", '{"resourceType": "Patient", "id": "a"}\n{"id": "' + MARKER + '"}\n',
     "line 2 is not a FHIR resource (no resourceType)"),
    ("empty.json", "", "file is empty (0 bytes)"),
]


@pytest.mark.parametrize(("name", "body", "needle"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_fhir_input_is_exit_2(cli: CliRunner, tmp_path: Path, name: str, body: str,
                                  needle: str) -> None:
    src = tmp_path / name
    src.write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(cli, "validate", src, "--out", out)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {src}: ")
    assert needle in result.stderr
    assert "Traceback" not in result.output and MARKER not in result.output
    assert not out.exists()


def test_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    src = tmp_path / "latin1.json"
    src.write_bytes('{"resourceType": "Patient", "id": "a", "name": [{"family": "Müller"}]}'
                    .encode("latin-1"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        validator.validate(src)


# ------------------------------------------------------------------------ copies and notices


@pytest.mark.parametrize("folder", ["fhir_examples", "nvss_bfdr", "synthea_fhir"])
def test_copies_match_their_notice(folder: str) -> None:
    """Every .json/.ndjson file is listed in NOTICE.md with its sha256 and is byte-identical."""
    base = REALWORLD / folder
    notice = (base / "NOTICE.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"\| `([^`]+\.(?:json|ndjson))` \|[^\n]*?`([0-9a-f]{64})` \|",
                             notice))
    files = sorted(str(p.relative_to(base)) for p in base.rglob("*")
                   if p.suffix in (".json", ".ndjson"))
    assert sorted(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((base / name).read_bytes()).hexdigest() == digest, name


def test_fhir_copies_stay_small() -> None:
    folders = [REALWORLD / f for f in ("fhir_examples", "nvss_bfdr", "synthea_fhir")]
    assert sum(p.stat().st_size for f in folders for p in f.rglob("*")) < 2_000_000


# ------------------------------------------------------------------------ legacy test data


def test_legacy_patients_flat_extensions_wrong_url_retired_systems() -> None:
    """P§8c: 100 Patients, every one with a flat valueCodeableConcept race extension (system
    http://hl7.org/fhir/v3/Race: 2106-3=72, 2056-0=19, 2028-9=5, 2131-1=3, 1002-5=1) and
    ethnicity under http://hl7.org/fhir/StructureDefinition/us-core-ethnicity (system
    http://hl7.org/fhir/v3/Ethnicity: 2186-5=91, 2135-2=9); no communication, no contact.
    That the ethnicity extension is flat too and that neither carries text, one-off in
    fhir_examples/fhir-test-data-r4-legacy/:
        python3 -c "import json,collections as c; print(c.Counter((e['url'],
          'valueCodeableConcept' in e, 'text' in e.get('valueCodeableConcept', {}))
          for l in open('Patient.ndjson') for e in json.loads(l)['extension']))"
    -> (…us-core-race, True, False) 100, (…/StructureDefinition/us-core-ethnicity, True,
    False) 100 (and the religion extension, not read)."""
    report = _run(EXAMPLES / "fhir-test-data-r4-legacy" / "Patient.ndjson")
    assert report.dataset["rows"] == 100
    structure = report.result("FHIR.EXTENSION_STRUCTURE")
    assert _nd(structure) == (100, 100) and structure.status is Status.FAIL
    assert structure.details["race_flat_value"] == 100
    assert structure.details["ethnicity_flat_value"] == 100
    url = report.result("FHIR.EXTENSION_URL")
    assert _nd(url) == (100, 100)
    assert (url.details["ethnicity"], url.details["race"]) == (91 + 9, 0)
    for field, legacy in (("race_omb", 72 + 19 + 5 + 3 + 1), ("ethnicity_code", 91 + 9)):
        system = report.result("RACE.SYSTEM_PRESENT", field=field)
        assert _nd(system) == (0, 100) and system.details["legacy_system"] == legacy
    assert _nd(report.result("RACE.VALUESET", field="race_omb")) == (19, 100)  # 2056-0
    text = report.result("RACE.TEXT_PRESENT", field="race_text")
    assert _nd(text) == (100, 100) and text.status is Status.FAIL
    assert _nd(report.result("RACE.OTHER_RATE", field="race_omb")) == (3, 100)  # 2131-1
    assert _nd(report.result("RACE.COMPLETENESS", field="race_omb")) == (100, 100)
    assert _nd(report.result("ETH.COMPLETENESS", field="ethnicity_code")) == (100, 100)
    assert _counts(report, "lang_spoken_pref") == {"blank": 100}
    assert _counts(report, "sex_admin") == {"informative": 51 + 49}
    assert report.dataset["caregivers"] is None
    assert _nd(report.result("FHIR.RESOURCE_ID", field="patient_id")) == (0, 100)


# ------------------------------------------------------------------------ Synthea


@cache
def _synthea_checkpoint() -> Report:
    cp = checkpoints.load(ROOT / "checkpoints" / "realworld_synthea_fhir.yaml")
    return validator.validate(cp.source, profile=cp.profile, as_of_date=cp.as_of_date,
                              dataset=cp.name)


def test_synthea_subset_unk_race_with_text_other() -> None:
    """The checked-in subset: the 249 Patients of P§3b born after 2006-08-06 (under 18 on the
    export date). One-off counts in fixtures/realworld/synthea_fhir/:
        python3 -c "import json,collections as c; rs=[json.loads(l) for l in
          open('Patient.000.under18.ndjson')]; r=lambda p: next(e for e in p['extension']
          if e['url'].endswith('us-core-race'))['extension']; print(len(rs), c.Counter(
          (x['valueCoding']['code'], y['valueString']) for p in rs for x, y in [r(p)]),
          c.Counter(len(p['communication']) for p in rs), sum('preferred' in x for p in rs
          for x in p['communication']), sum(p['birthDate'] > '2022-08-06' for p in rs))"
    -> 249; (2106-3, White) 219, (2054-5, Black or African American) 15, (2028-9, Asian) 6,
    (1002-5, American Indian or Alaska Native) 5, (UNK, Other) 3, (2076-8, Native Hawaiian or
    Other Pacific Islander) 1; one communication each (249), none with preferred; 8 under 2."""
    report = _synthea_checkpoint()
    assert report.dataset["rows"] == 249
    assert _counts(report, "race_omb") == {"informative": 249 - 3, "unknown": 3}
    consistent = report.result("RACE.TEXT_CODE_CONSISTENT", field="race_text")
    assert _nd(consistent) == (3, 249)  # text Other with ombCategory UNK (R-022)
    assert _nd(report.result("RACE.COMPLETENESS", field="race_omb")) == (246, 249)
    preferred = report.result("FHIR.LANGUAGE_PREFERRED", field="lang_spoken_pref")
    assert _nd(preferred) == (0, 249)
    assert preferred.details["only_entry"] == 249 and preferred.details["preferred"] == 0
    lang = report.result("LANG.COMPLETENESS", field="lang_spoken_pref")
    assert _nd(lang) == (249 - 8, 249 - 8) and lang.details["preverbal_excluded"] == 8
    assert _nd(report.result("AGE.COMPUTABLE", field="birth_date")) == (0, 249)  # cohort < 18
    assert "interpreter_needed" not in report.dataset["fields_read"]  # no such extension
    assert report.field_summary("interpreter_needed").present is False  # profile: not collected
    assert all(r.status in (Status.PASS, Status.NOT_APPLICABLE) for r in _fhir_results(report))
    assert report.dataset["caregivers"] is None  # P§3b: no contact on any resource


@pytest.mark.skipif(not SHARED_SYNTHEA.exists(), reason=f"{SHARED_SYNTHEA} not available")
def test_synthea_full_export_matches_provenance() -> None:
    """P§3b on the whole file (3.8 MB, not copied): 1,144 Patients; ombCategory UNK with text
    Other = 15 beside 1021 + 65 + 20 + 14 + 9 coded; every patient exactly one communication,
    none preferred (en-US=1066, es=61, ...); no contact; no interpreter-needed extension (the
    extension set P§3b lists has none)."""
    report = _run(SHARED_SYNTHEA)
    assert report.dataset["rows"] == 1144
    assert _counts(report, "race_omb") == {"informative": 1021 + 65 + 20 + 14 + 9,
                                           "unknown": 15}
    assert _nd(report.result("RACE.TEXT_CODE_CONSISTENT", field="race_text")) == (15, 1144)
    preferred = report.result("FHIR.LANGUAGE_PREFERRED", field="lang_spoken_pref")
    assert _nd(preferred) == (0, 1144) and preferred.details["only_entry"] == 1144
    assert _counts(report, "lang_spoken_pref") == {"informative": 1144}
    assert "interpreter_needed" not in report.dataset["fields_read"]
    assert _counts(report, "sex_at_birth") == {"informative": 578 + 566}
    assert report.dataset["fhir"]["contacts"] == 0


# ------------------------------------------------------------------------ US Core examples


def _us_core(tmp_path: Path, version: str) -> Report:
    files = sorted((EXAMPLES / f"us-core-{version}").glob("*.json"))
    return validator.validate(_bundle(tmp_path, files), as_of_date=AS_OF)


@pytest.mark.parametrize("version", ["6.1.0", "7.0.0"])
def test_us_core_gender_identity_unk_and_no_interpreter(tmp_path: Path, version: str) -> None:
    """P§8a: 6.1.0/7.0.0 patient-example and patient-example-targeted-provenance carry
    us-core-genderIdentity = NullFlavor UNK; no interpreter-needed before 9.0.0. One-off per
    folder: ls (5 patient files + relatedperson-shaw-niece); grep -l us-core-genderIdentity
    -> the 2 files above; grep -l us-core-interpreter-needed -> none."""
    report = _us_core(tmp_path, version)
    assert report.dataset["rows"] == 5
    assert _counts(report, "gender_identity") == {"unknown": 2, "blank": 3}
    assert "interpreter_needed" not in report.dataset["fields_read"]
    # relatedperson-shaw-niece: NIECE of Patient/example, linked
    assert _nd(report.result("FHIR.RELATED_PERSON_LINK", field="caregiver_id")) == (0, 1)
    assert _counts(report, "caregiver_relationship") == {"informative": 1}
    assert all(r.status in (Status.PASS, Status.NOT_APPLICABLE) for r in _fhir_results(report))
    assert _nd(report.result("RACE.TEXT_PRESENT", field="race_text")) == (0, 5)


def test_us_core_9_ballot_interpreter_needed_and_no_gender(tmp_path: Path) -> None:
    """P§8a: HEAD (9.0.0-ballot) patient-example has us-core-interpreter-needed SNOMED
    373066001, us-core-individual-sex, no genderIdentity and no Patient.gender. One-off in the
    folder: grep -l '"gender"' patient-*.json -> none of the 4 patient files."""
    report = _us_core(tmp_path, "9.0.0-ballot-HEAD")
    assert report.dataset["rows"] == 4
    assert _counts(report, "interpreter_needed") == {"informative": 1, "blank": 3}
    assert _counts(report, "sex_admin") == {"blank": 4}
    assert "gender_identity" not in report.dataset["fields_read"]
    assert report.field_summary("sex").counts["informative"] >= 1


# ------------------------------------------------------------------------ R4 core examples


def test_r4_core_newborn_birth_time_contacts_and_related_persons(tmp_path: Path) -> None:
    """P§8b: 19 Patient + 5 RelatedPerson examples, no race/ethnicity extension anywhere;
    Patient-newborn birthDate 2017-09-05 vs birthTime 2017-05-09 (day/month swapped);
    Patient-pat1's contact is E (employer); RelatedPerson-f002 birthDate 1963 (year only).
    One-offs in fhir_examples/r4-core-examples/: Patients with _birthDate (birthTime):
    example, infant-twin-1, infant-twin-2, newborn = 4; contacts: example N, f001 C, f201
    WIFE, infant-fetal/twin-1/twin-2 MTH, pat1 E = 7; RelatedPerson.patient: Patient/example,
    f001, f201, newborn and Patient/animal (no such example) ; communication: f001 and f201,
    both preferred."""
    files = sorted((EXAMPLES / "r4-core-examples").glob("*.json"))
    report = validator.validate(_bundle(tmp_path, files), as_of_date=AS_OF)
    assert report.dataset["rows"] == 19
    birth = report.result("FHIR.BIRTH_TIME_CONSISTENT", field="birth_date")
    assert _nd(birth) == (1, 4) and birth.status is Status.FAIL
    assert report.dataset["fhir"]["contacts"] == 7 - 1
    assert report.dataset["fhir"]["contacts_skipped_organisation"] == 1
    assert report.dataset["fhir"]["related_persons"] == 5
    link = report.result("FHIR.RELATED_PERSON_LINK", field="caregiver_id")
    assert _nd(link) == (1, 5) and link.details["reference_not_resolved"] == 1
    assert report.dataset["caregivers"]["orphan_rows"] == 1
    assert _counts(report, "caregiver_birth_date") == {"informative": 1, "unparseable": 1,
                                                       "blank": 6 + 5 - 2}
    assert _counts(report, "race_omb") == {"blank": 19}
    assert report.result("RACE.TEXT_PRESENT", field="race_text").status is (
        Status.NOT_APPLICABLE)
    preferred = report.result("FHIR.LANGUAGE_PREFERRED", field="lang_spoken_pref")
    assert _nd(preferred) == (0, 2) and preferred.details["preferred"] == 2


# ------------------------------------------------------------------------ NVSS BFDR


def test_nvss_invalid_patient_id() -> None:
    """P§9 RaceEthnicityCaseRecord: Patient.id = urn:uuid:9b0abc88-… (its only Patient)."""
    report = _run(NVSS / "RaceEthnicityCaseRecord.json")
    result = report.result("FHIR.RESOURCE_ID", field="patient_id")
    assert _nd(result) == (1, 1) and result.details["invalid_id"] == 1
    assert result.status is Status.WARN


def test_nvss_mother_race_text_and_mother_or_father_system() -> None:
    """P§9 BabyGQuinn: child + mother Patients, father RelatedPerson (NFTH, of the child);
    the child's parent-age extension codes the mother's role in system `motherOrFather`; the
    mother's race text 'White, American Indian or Alaska Native' with only ombCategory 1002-5.
    One-off: the child's race is 2106-3 with text White (python3 -c "import json; print([e
    for e in json.load(open('BirthRecordBabyGQuinn.json'))['entry'][1]['resource']
    ['extension'] if e['url'].endswith('us-core-race')])")."""
    report = _run(NVSS / "BirthRecordBabyGQuinn.json")
    assert report.dataset["rows"] == 2
    assert _nd(report.result("FHIR.CODING_SYSTEM_URI", field="patient_id")) == (1, 2)
    assert _nd(report.result("FHIR.CODING_SYSTEM_URI", field="caregiver_id")) == (0, 1)
    assert _nd(report.result("RACE.TEXT_CODE_CONSISTENT", field="race_text")) == (1, 2)
    assert _nd(report.result("FHIR.RELATED_PERSON_LINK", field="caregiver_id")) == (0, 1)
    assert report.dataset["caregivers"]["main_rows_with_caregiver"] == 1  # the child
    assert _nd(report.result("FHIR.BIRTH_TIME_CONSISTENT", field="birth_date")) == (0, 1)


@pytest.mark.parametrize("name", ["BirthRecordFakeWithRace.json", "BirthRecordFakeNoRace.json"])
def test_nvss_fake_records_unlinked_father_no_gender_no_race(name: str) -> None:
    """P§9: newborn with birthsex M but no Patient.gender; mother and father without gender.
    One-off (python3 -c "import json; rs=[e['resource'] for e in json.load(open(NAME))
    ['entry']]; print([(r['resourceType'], 'gender' in r, 'patient' in r, any(x['url']
    .endswith('us-core-race') for x in r.get('extension', []))) for r in rs if
    r['resourceType'] in ('Patient', 'RelatedPerson')])"): 2 Patients without gender or race
    extension; the father RelatedPerson has no patient element."""
    report = _run(NVSS / name)
    assert report.dataset["rows"] == 2
    assert _counts(report, "sex_admin") == {"blank": 2}
    link = report.result("FHIR.RELATED_PERSON_LINK", field="caregiver_id")
    assert _nd(link) == (1, 1) and link.details["no_patient_reference"] == 1
    assert _nd(report.result("RACE.COMPLETENESS", field="race_omb")) == (0, 2)
    assert report.dataset["caregivers"]["orphan_rows"] == 1


@pytest.mark.parametrize("path", [
    *sorted(NVSS.glob("*.json")), EXAMPLES / "fhir-test-data-r4-legacy" / "Patient.ndjson"])
def test_real_world_reports_hold_no_identifiers(path: Path) -> None:
    """Patient and RelatedPerson ids never reach a report."""
    text = json.dumps(_run(path).to_dict())
    for probe in ("patient-child-babyg-quinn", "9b0abc88", "Patient-1119", "relatedperson-fath"):
        assert probe not in text
