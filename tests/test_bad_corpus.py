"""The bad-input corpus (fixtures/bad/, made by scripts/make_bad_fixtures.py, plus cases made at
test time): every case through the CLI in one parametrized test.

Broken files and configuration: exit 2, one message of at most four lines naming the file and
the fix, no traceback, no report written. Data defects: a report whose check says so. Always:
the input (and every fixture beside it) is unchanged and the marker PHIMARKER, put in
identifier and free-text cells, appears in no message and no report.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, ROOT, invoke, make_directory, make_symlink_loop, sha256

BAD = FIXTURES / "bad"
CLEAN = FIXTURES / "three_sites" / "south.csv"
#: text of the encoding cases: every one decodes to this UTF-8 twin (utf8_bom.csv minus its BOM)
TWIN_OF = {
    "latin1_accents.csv": "cp1252",
    "utf16_le_bom.csv": "utf-16",
    "utf16_be_no_bom.csv": "utf-16-be",
    "utf8_bom.csv": "utf-8-sig",
    "crlf_line_endings.csv": "utf-8",
}


# ------------------------------------------------------------------ inputs made at test time


def _long_line(tmp: Path) -> Path:
    """Header, one good row, then a row of 50 MB on a single line."""
    path = tmp / "long_line_50mb.csv"
    lines = CLEAN.read_text().splitlines()
    with path.open("w") as fh:
        fh.write(f"{lines[0]}\n{lines[1]}\n{lines[2].rsplit(',', 1)[0]},")
        fh.write(f"{MARKER} " * 5_000_000)
        fh.write(f"\n{lines[3]}\n")
    return path


def _single_line(tmp: Path) -> Path:
    """A whole file of 50 MB with no line break at all."""
    path = tmp / "single_line_50mb_no_newline.csv"
    path.write_text("patient_id,race_codes," + f"{MARKER}," * 5_000_000)
    return path


DISTINCT = 1_000_000


def _distinct(tmp: Path) -> Path:
    """A column of 10^6 distinct (invalid) race codes, one per patient."""
    path = tmp / "race_codes_1e6_distinct.csv"
    with path.open("w") as fh:
        fh.write("patient_id,site_id,race_codes,birth_date\n")
        fh.writelines(f"{MARKER}-{i:07d},s1,R{i:07d},2012-03-04\n" for i in range(DISTINCT))
    return path


def _unreadable(tmp: Path) -> Path:
    path = tmp / "locked.csv"
    shutil.copyfile(CLEAN, path)
    path.chmod(0)
    try:
        path.open("rb").close()
    except PermissionError:
        return path
    path.chmod(0o644)
    pytest.skip("running as root (or with CAP_DAC_OVERRIDE): a mode-000 file is readable")


def _clean(tmp: Path) -> Path:
    """Good data, for the profile and crosswalk cases."""
    return Path(shutil.copyfile(CLEAN, tmp / "south.csv"))


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Case:
    id: str
    source: str | Callable[[Path], Path]  # a file of fixtures/bad/, or a maker
    args: tuple[str, ...]  # extra CLI args; {bad} is the copy of fixtures/bad/
    code: int  # expected exit code
    needle: str  # exit 2: in the message; else: a check id that must not PASS
    status: str = ""  # data cases: expected status of ``needle`` (overall row)
    numerator: int | None = None  # data cases: its count of rows found
    slow: bool = False
    names: str = ""  # exit 2: the file the message must name (default: the input)


def _profile(name: str, code: int, needle: str, names: str = "") -> Case:
    return Case(name, _clean, ("--profile", f"{{bad}}/{name}"), code, needle,
                names=names or name)


CASES = [
    # --- broken files: exit 2
    Case("zero_bytes.csv", "zero_bytes.csv", (), 2, "file is empty (0 bytes)"),
    Case("blank_lines_only.csv", "blank_lines_only.csv", (), 2,
         "has no header row (only blank lines or whitespace)"),
    Case("binary_garbage.csv", "binary_garbage.csv", (), 2,
         "does not look like a text table (binary content)"),
    Case("xlsx_named_csv.csv", "xlsx_named_csv.csv", (), 2, "an Excel .xlsx workbook"),
    Case("gzip_named_csv.csv", "gzip_named_csv.csv", (), 2, "it looks like gzip-compressed"),
    Case("png_named_csv.csv", "png_named_csv.csv", (), 2,
         "does not look like a text table (binary content)"),
    Case("semicolon_delimited.csv", "semicolon_delimited.csv", (), 2, "pass --delimiter ';'"),
    Case("tab_delimited_named_csv.csv", "tab_delimited_named_csv.csv", (), 2,
         "pass --delimiter '\\t'"),
    Case("ragged_rows.csv", "ragged_rows.csv", (), 2,
         "row 3 (line 4) has 6 fields where the header has 5"),
    Case("unterminated_quote.csv", "unterminated_quote.csv", (), 2,
         "unterminated quoted field starting at row 2 (line 3)"),
    Case("header_unterminated_quote.csv", "header_unterminated_quote.csv", (), 2,
         "the header row has an unterminated quote"),
    Case("duplicate_headers.csv", "duplicate_headers.csv", (), 2,
         "duplicate column name in the header: 'race_codes' (2 times)"),
    Case("mixed_encodings.csv", "mixed_encodings.csv", (), 2, "mixes text encodings"),
    Case("truncated.parquet", "truncated.parquet", (), 2,
         "not a readable Parquet file (truncated or corrupt)"),
    Case("csv_mislabelled.parquet", "csv_mislabelled.parquet", (), 2,
         "is named .parquet but holds text, not Parquet"),
    Case("json_array_as_table.csv", "json_array_as_table.csv", (), 2,
         "contains JSON, not a table"),
    Case("ndjson_as_table.csv", "ndjson_as_table.csv", (), 2, "contains JSON, not a table"),
    Case("xml_as_table.xml", "xml_as_table.xml", (), 2, "contains XML or HTML, not a table"),
    Case("xml_as_table.csv", "xml_as_table.csv", (), 2, "contains XML or HTML, not a table"),
    Case("long_line_50mb", _long_line, (), 2,
         "a field starting at row 2 (line 3) is longer than 128 KiB", slow=True),
    Case("single_line_50mb_no_newline", _single_line, (), 2,
         "the header row does not end within the first 1 MiB", slow=True),
    Case("directory", make_directory, (), 2, "is a directory, not a data file"),
    Case("symlink_loop", make_symlink_loop, (), 2, "symlink loop"),
    Case("unreadable_mode_000", _unreadable, (), 2, "permission denied"),
    # --- broken configuration: exit 2
    _profile("profile_unknown_keys.yaml", 2, "unknown key 'field'\n  hint: did you mean 'fields'?"),
    _profile("profile_wrong_types.yaml", 2, "cohort.min_age: expected a number between 0 and 150"),
    _profile("profile_fields_as_list.yaml", 2,
             ".fields: expected a mapping (key: value), got list"),
    _profile("profile_not_yaml.yaml", 2, "not valid YAML at line 4\n  hint: check indentation"),
    _profile("profile_crosswalk_loop.yaml", 2,
             "crosswalk_loop.csv: race_codes: '2106-3' maps to '2054-5', which is itself mapped "
             "to 2106-3 (a chain or loop)\n  hint: map every source value straight",
             names="crosswalk_loop.csv"),
    # --- readable: data, judged in the report
    Case("header_only.csv", "header_only.csv", (), 1, "DATASET.NOT_EMPTY", "ERROR"),
    Case("dates_dd_mm.csv", "dates_dd_mm.csv", (), 1, "AGE.COMPUTABLE", "FAIL", 12),
    Case("dates_m_d_yy.csv", "dates_m_d_yy.csv", (), 1, "AGE.COMPUTABLE", "FAIL", 12),
    Case("excel_mangled_race_codes.csv", "excel_mangled_race_codes.csv", (), 1,
         "RACE.VALUESET", "FAIL", 10),
    Case("parquet_mislabelled.csv", "parquet_mislabelled.csv", (), 1, "AGE.COMPUTABLE", "FAIL", 1),
    # a FHIR Bundle (one Patient, no race): read as FHIR, complete for 0 of 1 patients
    Case("json_as_table.json", "json_as_table.json", (), 1, "RACE.COMPLETENESS", "FAIL", 0),
    Case("race_codes_1e6_distinct", _distinct, ("--suite", "race"), 1, "RACE.VALUESET", "FAIL",
         DISTINCT, slow=True),
    *(Case(name, name, (), 0, "") for name in TWIN_OF),
]


def _params() -> list[object]:
    return [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in CASES]


# ------------------------------------------------------------------ running one case


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


def _overall(report: dict, check_id: str, field: str | None = None) -> dict:
    rows = [r for r in report["results"] if r["check_id"] == check_id and r["stratum"] is None
            and field in (None, r["field"])]
    assert len(rows) == 1, check_id
    return rows[0]


#: more of what a data case must show: (check id, field, status, numerator, details that add up
#: to the numerator)
ALSO: dict[str, list[tuple[str, str, str, int, tuple[str, ...]]]] = {
    "dates_dd_mm.csv": [("AGE.COMPUTABLE", "birth_date", "FAIL", 12,
                         ("day_month_order", "not_iso_format"))],
    "dates_m_d_yy.csv": [("AGE.COMPUTABLE", "birth_date", "FAIL", 12, ("two_digit_year",))],
    "excel_mangled_race_codes.csv": [("RACE.CODE_FORMAT_CHECKDIGIT", "race_codes", "FAIL", 10,
                                      ())],
}


def _counts(report: dict) -> list[tuple]:
    return sorted((r["check_id"], str(r["field"]), str(r["stratum"]), r["status"],
                   r["numerator"], r["denominator"]) for r in report["results"])


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """Check counts of the UTF-8 twin of the encoding cases."""
    tmp = tmp_path_factory.mktemp("twin")
    path = tmp / "twin.csv"
    path.write_text((BAD / "utf8_bom.csv").read_text("utf-8-sig"), "utf-8")
    result = invoke(CliRunner(), "validate", path, "--out", tmp / "out", "--format", "json")
    assert result.exit_code == 0, result.output
    return _counts(json.loads((tmp / "out" / "report.json").read_text()))


@pytest.mark.parametrize("case", _params())
def test_bad_input(cli: CliRunner, tmp_path: Path, case: Case, twin: list[tuple]) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(BAD, bad)
    before = _hashes(bad)
    src = bad / case.source if isinstance(case.source, str) else case.source(tmp_path)
    src_hash = sha256(src) if src.is_file() and os.access(src, os.R_OK) else None
    out = tmp_path / "out"
    args = [a.replace("{bad}", str(bad)) for a in case.args]
    result = invoke(cli, "validate", src, "--out", out, "--format", "json,md", *args)

    assert result.exit_code == case.code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert "Traceback" not in result.output
    assert MARKER not in result.output and MARKER not in result.stderr
    assert _hashes(bad) == before  # no fixture touched, nothing written beside them
    if src_hash is not None:
        assert sha256(src) == src_hash

    if case.code == 2:
        err = result.stderr
        assert err.startswith("error: "), err
        assert case.needle in err, err
        assert 1 <= len(result.output.strip().splitlines()) <= 4, result.output
        assert result.stdout == ""
        shown = str(bad / case.names) if case.names else str(src)
        assert f"{shown}:" in err or f"{shown}." in err, err  # names the file at fault
        assert not out.exists() or not any(out.iterdir())  # no partial outputs
        return

    written = sorted(p.name for p in out.iterdir())
    assert written == ["report.json", "report.md"]
    for path in out.iterdir():
        assert MARKER not in path.read_text("utf-8"), path.name
    report = json.loads((out / "report.json").read_text())
    if case.id in TWIN_OF:  # read correctly: the same counts as the UTF-8 twin
        assert _counts(report) == twin
        return
    row = _overall(report, case.needle)
    assert row["status"] == case.status, row
    if case.numerator is not None:
        assert row["numerator"] == case.numerator, row
    for check_id, field, status, numerator, parts in ALSO.get(case.id, []):
        row = _overall(report, check_id, field)
        assert (row["status"], row["numerator"]) == (status, numerator), row
        if parts:
            assert sum(row["details"].get(k, 0) for k in parts) == numerator, row["details"]
    if case.id == "race_codes_1e6_distinct":  # no value list of a million entries
        assert (out / "report.json").stat().st_size < 2_000_000


# ------------------------------------------------------------------ the corpus itself


def test_every_file_of_the_corpus_has_a_case() -> None:
    used = {c.source for c in CASES if isinstance(c.source, str)}
    used |= {c.args[1].removeprefix("{bad}/") for c in CASES if c.args[:1] == ("--profile",)}
    used.add("crosswalk_loop.csv")  # read through profile_crosswalk_loop.yaml
    assert {p.name for p in BAD.iterdir()} == used
    assert len(used) >= 30


#: files without cells (or configuration): no marker to carry
NO_CELLS = {"zero_bytes.csv", "blank_lines_only.csv", "header_only.csv", "png_named_csv.csv",
            "crosswalk_loop.csv"}


def test_every_data_file_carries_the_marker() -> None:
    for path in sorted(BAD.iterdir()):
        if path.name in NO_CELLS or path.suffix == ".yaml":
            continue
        data = path.read_bytes()
        if data.startswith(b"\x1f\x8b"):
            data = gzip.decompress(data)
        forms = [MARKER.encode(c) for c in ("ascii", "utf-16-le", "utf-16-be")]
        assert any(form in data for form in forms), path.name


def test_corpus_matches_its_generator() -> None:
    spec = importlib.util.spec_from_file_location("make_bad", ROOT / "scripts" /
                                                  "make_bad_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, data in module.bad_fixtures(ROOT).items():
        assert (BAD / name).read_bytes() == data, name


def test_unreadable_file_as_root_without_dac_override(tmp_path: Path) -> None:
    """As root (CI) a mode-000 file is readable, so the case above skips; here the CLI runs in a
    process whose capability bounding set lacks CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    (util-linux setpriv), where mode 000 means what it means for any user."""
    import subprocess
    import sys

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and util-linux setpriv (the parametrized case covers non-root)")
    path = tmp_path / "locked.csv"
    shutil.copyfile(CLEAN, path)
    path.chmod(0)
    out = tmp_path / "out"
    p = subprocess.run(
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", sys.executable, "-m",
         "validator", "validate", str(path), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 2, p.stderr[-2000:]
    assert "permission denied" in p.stderr.lower() and "locked.csv" in p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) <= 4
    assert not out.exists() or not list(out.iterdir())
    path.chmod(0o644)
    assert sha256(path) == sha256(CLEAN)
