"""Bad input through the CLI: one clear message (what, where, how to fix), exit 2, no
traceback, no report written, input untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, invoke, sha256

BAD = FIXTURES / "bad"

CASES = [
    ("zero_bytes.csv", "file is empty (0 bytes)"),
    ("binary_garbage.csv", "does not look like a text table (binary content)"),
    ("ragged_rows.csv", "has 6 fields where the header has 5"),
    ("unterminated_quote.csv", "unterminated quoted field"),
    ("duplicate_headers.csv", "duplicate column name in the header: 'race_codes'"),
    ("truncated.parquet", "not a readable Parquet file (truncated or corrupt)"),
    ("json_array_as_table.csv", "contains JSON, not a table"),
]  # bad/json_as_table.json is a FHIR Bundle, read as FHIR input (tests/test_fhir.py)


def _check(result: object, needle: str, out: Path) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert err.startswith("error: ")
    assert needle in err
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert 1 <= len(err.strip().splitlines()) <= 4
    assert MARKER not in result.output  # type: ignore[attr-defined]
    assert not out.exists()


@pytest.mark.parametrize(("name", "needle"), CASES, ids=[c[0] for c in CASES])
def test_bad_file(cli: CliRunner, tmp_path: Path, name: str, needle: str) -> None:
    src = tmp_path / name
    shutil.copyfile(BAD / name, src)
    before = sha256(src)
    out = tmp_path / "out"
    result = invoke(cli, "validate", src, "--out", out)
    _check(result, needle, out)
    assert f"{name}:" in result.stderr
    assert sha256(src) == before


def test_missing_file(cli: CliRunner, tmp_path: Path) -> None:
    _check(invoke(cli, "validate", tmp_path / "gone.csv", "--out", tmp_path / "o"),
           "gone.csv: file not found", tmp_path / "o")


def test_directory(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    _check(invoke(cli, "validate", tmp_path / "d", "--out", tmp_path / "o"),
           "is a directory", tmp_path / "o")


def test_no_recognisable_demographic_column(cli: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "visits.csv"
    src.write_text(f"mrn,visit_date,notes\n1,2026-01-01,{MARKER}\n")
    result = invoke(cli, "validate", src, "--out", tmp_path / "o")
    _check(result, "visits.csv: no recognisable demographic column", tmp_path / "o")
    assert "--profile" in result.stderr


def test_wrong_delimiter_suggests_the_right_one(cli: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "semi.csv"
    shutil.copyfile(BAD / "semicolon_delimited.csv", src)
    result = invoke(cli, "validate", src, "--out", tmp_path / "o")
    _check(result, "no recognisable demographic column", tmp_path / "o")
    assert "--delimiter ';'" in result.stderr
    ok = invoke(cli, "validate", src, "--delimiter", ";", "--out", tmp_path / "o2")
    assert ok.exit_code in (0, 1), ok.stderr
    assert (tmp_path / "o2" / "report.json").exists()


def test_header_only_is_data_not_a_broken_file(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = invoke(cli, "validate", BAD / "header_only.csv", "--out", out)
    assert result.exit_code == 1
    assert "ERROR DATASET.NOT_EMPTY" in " ".join(result.stderr.split())
    assert (out / "report.json").exists()
