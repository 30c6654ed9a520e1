"""Tests for the generated value sets, their manifest, the loader and the CDCREC helpers."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from validator import cdcrec, valuesets

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "build_valuesets.py"
SOURCE_DIR = REPO_ROOT.parent / "shared" / "codesystems"
PACKAGE_DIR = Path(str(files("validator.valuesets")))

CATEGORY_DESCENDANTS = {
    "1002-5": 827,
    "2028-9": 24,
    "2054-5": 18,
    "2076-8": 26,
    "2106-3": 20,
    "2131-1": 0,
    "2135-2": 41,
    "2186-5": 0,
}

EXPECTED_COUNTS = {
    "cdcrec": 966,
    "cdcrec_race": 921,
    "race_detailed": 915,
    "omb_race_1997": 5,
    "omb_race_with_other": 6,
    "ethnicity_omb": 2,
    "ethnicity_detailed": 41,
    "null_flavor": 17,
    "data_absent_reason": 15,
    "hl7v2_0189": 3,
    "hl7v2_0005_retired": 4,
    "hl7v2_0001": 7,
    "administrative_gender": 4,
    "v3_administrative_gender": 3,
    "sex": 5,
    "federal_administrative_sex": 2,
    "birth_sex": 6,
    "gender_identity": 8,
    "sexual_orientation": 7,
    "interpreter_needed": 4,
    "languages_tho": 485,
    "languages_common_r4": 56,
    "language_iso639_2": 507,
}


def entry_problems(directory: Path, name: str, entry: dict[str, Any]) -> list[str]:
    """Differences between a generated CSV in ``directory`` and its manifest entry."""
    path = directory / entry["file"]
    if not path.is_file():
        return [f"{name}: {path} missing"]
    data = path.read_bytes()
    problems = []
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        problems.append(f"{name}: sha256 differs from manifest")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    if len(rows) != entry["count"]:
        problems.append(f"{name}: {len(rows)} rows, manifest says {entry['count']}")
    return problems


# --- manifest and files ------------------------------------------------------------------------


def test_manifest_top_level() -> None:
    m = valuesets.manifest()
    assert m["generated_by"] == "scripts/build_valuesets.py"
    assert m["source_provenance"] == "shared/codesystems/PROVENANCE.md"
    assert set(EXPECTED_COUNTS) <= set(m["valuesets"])


@pytest.mark.parametrize("name", valuesets.names())
def test_manifest_entry_matches_file(name: str) -> None:
    entry = valuesets.manifest()["valuesets"][name]
    assert entry["file"] == f"{name}.csv"
    assert {"source", "source_sha256", "url", "version", "title"} <= set(entry)
    assert entry_problems(PACKAGE_DIR, name, entry) == []


def test_integrity_check_detects_hand_edit(tmp_path: Path) -> None:
    entry = valuesets.manifest()["valuesets"]["omb_race_1997"]
    shutil.copy(PACKAGE_DIR / entry["file"], tmp_path / entry["file"])
    assert entry_problems(tmp_path, "omb_race_1997", entry) == []
    edited = tmp_path / entry["file"]
    edited.write_bytes(edited.read_bytes().replace(b"White", b"Caucasian"))
    assert entry_problems(tmp_path, "omb_race_1997", entry) == [
        "omb_race_1997: sha256 differs from manifest"
    ]
    with edited.open("a", encoding="utf-8", newline="") as fh:
        fh.write("9999-9,Extra,urn:oid:2.16.840.1.113883.6.238\n")
    assert "omb_race_1997: 6 rows, manifest says 5" in entry_problems(
        tmp_path, "omb_race_1997", entry
    )


def test_no_unlisted_csv_files() -> None:
    assert sorted(p.stem for p in PACKAGE_DIR.glob("*.csv")) == valuesets.names()


@pytest.mark.parametrize(("name", "count"), sorted(EXPECTED_COUNTS.items()))
def test_documented_counts(name: str, count: int) -> None:
    vs = valuesets.load(name)
    assert len(vs.rows) == len(vs.codes) == vs.meta["count"] == count


@pytest.mark.parametrize("name", valuesets.names())
def test_csv_format(name: str) -> None:
    data = (PACKAGE_DIR / f"{name}.csv").read_bytes()
    assert b"\r" not in data
    assert data.endswith(b"\n")
    header, *_ = data.decode("utf-8").split("\n", 1)
    assert header.split(",")[:3] == ["code", "display", "system"]
    codes = [row["code"] for row in valuesets.load(name).rows]
    assert codes == sorted(codes)
    assert all(row["system"] for row in valuesets.load(name).rows)


# --- loader ------------------------------------------------------------------------------------


def test_load_unknown_name_lists_available() -> None:
    with pytest.raises(KeyError, match=r"available: .*cdcrec_race"):
        valuesets.load("no_such_set")


def test_load_is_cached_and_displays() -> None:
    vs = valuesets.load("omb_race_with_other")
    assert valuesets.load("omb_race_with_other") is vs
    assert vs.display("2131-1") == "Other Race"
    assert vs.display("2135-2") is None
    assert "2106-3" in vs
    assert vs.row("2106-3") == {
        "code": "2106-3",
        "display": "White",
        "system": "urn:oid:2.16.840.1.113883.6.238",
    }
    assert vs.meta["url"] == "http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.114222.4.11.836"
    assert hash(vs) == hash(valuesets.load("omb_race_with_other"))


def test_manifest_returns_a_copy() -> None:
    valuesets.manifest()["valuesets"].clear()
    assert "cdcrec" in valuesets.manifest()["valuesets"]


def test_summary() -> None:
    rows = {row["name"]: row for row in valuesets.summary()}
    assert sorted(rows) == valuesets.names()
    assert rows["cdcrec"] == {
        "name": "cdcrec",
        "version": "1.2",
        "count": 966,
        "sha256": valuesets.manifest()["valuesets"]["cdcrec"]["sha256"],
        "source": "vsac/CodeSystem-CDCREC.json",
    }
    assert rows["languages_tho"]["source"] == "tho/valueset-Languages.xml"


def test_other_sets_content() -> None:
    assert valuesets.load("hl7v2_0189").codes == {"H", "N", "U"}
    assert valuesets.load("hl7v2_0005_retired").codes == {"B", "C", "H", "R"}
    assert valuesets.load("hl7v2_0001").codes == {"F", "M", "O", "U", "A", "N", "X"}
    assert valuesets.load("administrative_gender").codes == {"male", "female", "other", "unknown"}
    assert valuesets.load("v3_administrative_gender").codes == {"F", "M", "UN"}
    assert valuesets.load("federal_administrative_sex").codes == {"248152002", "248153007"}
    assert valuesets.load("birth_sex").codes == {"F", "M", "ASKU", "OTH", "UNK", "asked-declined"}
    assert valuesets.load("omb_race_1997").codes == set(cdcrec.OMB_RACE)
    assert valuesets.load("omb_race_with_other").codes == set(cdcrec.RACE_CATEGORIES)
    assert valuesets.load("ethnicity_omb").codes == {cdcrec.HISPANIC, cdcrec.NOT_HISPANIC}
    assert {"und", "mul", "zxx", "sgn", "en", "es"} <= valuesets.load("languages_tho").codes
    assert "ase" not in valuesets.load("languages_tho").codes
    assert {"en-US", "es", "zh-TW"} <= valuesets.load("languages_common_r4").codes
    iso = valuesets.load("language_iso639_2")
    assert iso.display("spa") == "Spanish; Castilian"
    assert iso.row("OTH") == {
        "code": "OTH",
        "display": "Other language (specify)",
        "system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
    }


def test_null_flavor_and_absent_reason_hierarchy() -> None:
    nf = valuesets.load("null_flavor")
    assert nf.row("ASKU")["parent"] == "UNK"  # type: ignore[index]
    assert nf.row("NAV")["parent"] == "ASKU"  # type: ignore[index]
    assert nf.row("NI")["parent"] == ""  # type: ignore[index]
    assert nf.row("NP")["status"] == "retired"  # type: ignore[index]
    dar = valuesets.load("data_absent_reason")
    under_unknown = {r["code"] for r in dar.rows if r["parent"] == "unknown"}
    assert under_unknown == {"asked-unknown", "temp-unknown", "not-asked", "asked-declined"}


def test_uscore_resolved_sets() -> None:
    assert valuesets.load("race_category_uscore7").codes == set(cdcrec.RACE_CATEGORIES) | {
        "ASKU",
        "UNK",
    }
    detailed = valuesets.load("race_detailed_uscore7").codes
    assert detailed == (valuesets.load("cdcrec_race").codes - set(cdcrec.OMB_RACE)) | {
        "ASKU",
        "OTH",
        "UNK",
    }
    assert valuesets.load("race_detailed_uscore8").codes == valuesets.load("cdcrec_race").codes | {
        "ASKU",
        "UNK",
        "asked-declined",
    }


# --- CDCREC ------------------------------------------------------------------------------------


def test_cdcrec_rows_and_levels() -> None:
    vs = valuesets.load("cdcrec")
    assert len(vs.rows) == 966
    assert Counter(int(r["level"]) for r in vs.rows) == {
        1: 2,
        2: 8,
        3: 53,
        4: 258,
        5: 390,
        6: 232,
        7: 23,
    }
    assert {r["code"] for r in vs.rows if r["abstract"] == "true"} == set(cdcrec.ROOTS)
    assert {r["code"] for r in vs.rows if r["level"] == "2"} == set(cdcrec.CATEGORIES)
    assert vs.meta["url"] == cdcrec.SYSTEM
    assert {r["system"] for r in vs.rows} == {cdcrec.SYSTEM}


@pytest.mark.parametrize(("code", "count"), sorted(CATEGORY_DESCENDANTS.items()))
def test_category_descendants(code: str, count: int) -> None:
    assert len(cdcrec.descendants(code)) == count
    assert all(cdcrec.category(d) == code for d in cdcrec.descendants(code))


def test_every_non_root_has_exactly_one_category() -> None:
    for row in valuesets.load("cdcrec").rows:
        code = row["code"]
        if code in cdcrec.ROOTS:
            assert cdcrec.category(code) is None
            continue
        reached = [c for c in cdcrec.CATEGORIES if code == c or code in cdcrec.descendants(c)]
        assert reached == [cdcrec.category(code)], code
        chain = [code]
        while cdcrec.parent(chain[-1]) is not None:
            chain.append(cdcrec.parent(chain[-1]))  # type: ignore[arg-type]
        assert chain[-1] in cdcrec.ROOTS
        assert [c for c in chain if c in cdcrec.CATEGORIES] == [cdcrec.category(code)]


def test_check_digit_valid_for_all_codes() -> None:
    mismatches = [
        r["code"] for r in valuesets.load("cdcrec").rows if not cdcrec.check_digit_ok(r["code"])
    ]
    assert mismatches == []
    assert cdcrec.check_digit("2106") == 3


@pytest.mark.parametrize(
    "code",
    [
        "2106-4",
        "0999-0",
        "21063",
        "2106-3x",
        "2106-3\n",
        " 2106-3",
        "2501-5",
        "",
        "२१०६-३",
        "2106-",
    ],
)
def test_check_digit_rejects(code: str) -> None:
    assert not cdcrec.check_digit_ok(code)


def test_check_digit_accepts_valid_but_unlisted_code() -> None:
    assert cdcrec.check_digit_ok("1000-9")
    assert cdcrec.check_digit_ok("2500-7")
    assert not cdcrec.is_code("1001-7")
    assert cdcrec.check_digit_ok("1001-7")


def test_helpers() -> None:
    assert cdcrec.category("2118-8") == "2106-3"
    assert cdcrec.category("2106-3") == "2106-3"
    assert cdcrec.category("1000-9") is None
    assert cdcrec.category("9999-9") is None
    assert cdcrec.tree("2184-0") == "ethnicity"
    assert cdcrec.tree("2069-3") == "race"
    assert cdcrec.tree("1000-9") == "race"
    assert cdcrec.tree("nope") is None
    assert cdcrec.parent("1814-3") == "1813-5"
    assert cdcrec.parent("2133-7") is None
    assert cdcrec.is_abstract("1000-9")
    assert cdcrec.is_abstract("2133-7")
    assert not cdcrec.is_abstract("2106-3")
    assert not cdcrec.is_abstract("unknown")
    assert cdcrec.descendants("2186-5") == frozenset()
    assert cdcrec.descendants("9999-9") == frozenset()
    assert cdcrec.children("2054-5") == tuple(sorted(cdcrec.children("2054-5")))
    assert cdcrec.display("2127-9") == "Israeli"


def test_mena_and_arab() -> None:
    assert {cdcrec.MENA} | cdcrec.descendants(cdcrec.MENA) == cdcrec.MENA_CODES
    assert len(cdcrec.MENA_CODES) == 10
    assert cdcrec.parent(cdcrec.MENA) == "2106-3"
    assert cdcrec.parent(cdcrec.ARAB) == "2106-3"
    assert cdcrec.display(cdcrec.ARAB) == "Arab"
    assert cdcrec.ARAB not in cdcrec.MENA_CODES


def test_ambiguous_displays_match_data() -> None:
    by_display: dict[str, list[str]] = defaultdict(list)
    for row in valuesets.load("cdcrec").rows:
        by_display[row["display"]].append(row["code"])
    duplicated = {d: tuple(sorted(c)) for d, c in by_display.items() if len(c) > 1}
    assert duplicated == cdcrec.AMBIGUOUS_DISPLAYS
    assert set(cdcrec.AMBIGUOUS_DISPLAYS) == {
        "Dominican",
        "Central American Indian",
        "Mexican American Indian",
        "South American Indian",
    }
    for race_code, ethnicity_code in cdcrec.AMBIGUOUS_DISPLAYS.values():
        assert cdcrec.tree(race_code) == "race"
        assert cdcrec.tree(ethnicity_code) == "ethnicity"


def test_constants() -> None:
    assert cdcrec.OMB_RACE == ("1002-5", "2028-9", "2054-5", "2076-8", "2106-3")
    assert cdcrec.ROOTS == ("1000-9", "2133-7")
    assert cdcrec.SYSTEM == "urn:oid:2.16.840.1.113883.6.238"
    assert (cdcrec.OTHER_RACE, cdcrec.HISPANIC, cdcrec.NOT_HISPANIC) == (
        "2131-1",
        "2135-2",
        "2186-5",
    )
    for code in cdcrec.CATEGORIES:
        assert cdcrec.category(code) == code


def test_cdcrec_race_equals_race_tree() -> None:
    race = {r["code"] for r in valuesets.load("cdcrec").rows if r["tree"] == "race"}
    codes = valuesets.load("cdcrec_race").codes
    assert len(codes) == 921
    assert codes == race - {"1000-9"}
    assert valuesets.load("race_detailed").codes == codes - set(cdcrec.RACE_CATEGORIES)


def test_ethnicity_detailed() -> None:
    vs = valuesets.load("ethnicity_detailed")
    assert len(vs.codes) == 41
    assert {cdcrec.category(c) for c in vs.codes} == {cdcrec.HISPANIC}
    assert vs.codes == cdcrec.descendants(cdcrec.HISPANIC)
    assert vs.display("2184-0") == "Dominican"


@pytest.mark.parametrize("name", valuesets.names())
def test_cdcrec_codes_in_other_sets_agree(name: str) -> None:
    cdc = valuesets.load("cdcrec")
    for row in valuesets.load(name).rows:
        if row["system"] == cdcrec.SYSTEM:
            assert cdc.display(row["code"]) == row["display"], (name, row["code"])


# --- reproducibility ---------------------------------------------------------------------------


def _run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def test_build_is_reproducible(tmp_path: Path) -> None:
    if not SOURCE_DIR.is_dir():
        pytest.skip(f"source directory {SOURCE_DIR} not found; cannot rebuild the value sets")
    result = _run_script("--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    generated = sorted(p.name for p in tmp_path.iterdir())
    checked_in = sorted(p.name for p in PACKAGE_DIR.iterdir() if p.suffix in (".csv", ".json"))
    assert generated == checked_in
    for name in generated:
        assert (tmp_path / name).read_bytes() == (PACKAGE_DIR / name).read_bytes(), name


def test_build_rejects_count_mismatch(tmp_path: Path) -> None:
    if not SOURCE_DIR.is_dir():
        pytest.skip(f"source directory {SOURCE_DIR} not found; cannot rebuild the value sets")
    source = tmp_path / "codesystems"
    shutil.copytree(SOURCE_DIR, source)
    for path in [source, *source.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    target = source / "vsac" / "ValueSet-2.16.840.1.114222.4.11.836.json"
    raw = json.loads(target.read_text(encoding="utf-8"))
    raw["expansion"]["contains"].pop()
    target.write_text(json.dumps(raw), encoding="utf-8")
    result = _run_script("--source", str(source), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "omb_race_with_other: 5 codes" in result.stderr
    assert not (tmp_path / "out").exists()


def test_build_reports_missing_source(tmp_path: Path) -> None:
    result = _run_script("--source", str(tmp_path / "absent"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
