"""The long-format results table: rows for checks, field counts and tabulations, per stratum."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
from conftest import FIXTURES

import validator
from validator.report import results_table, write_reports


def _report() -> validator.Report:
    return validator.validate(FIXTURES / "duplicate_patient_ids.csv", as_of_date="2026-11-01")


def test_rows_cover_checks_field_counts_per_stratum() -> None:
    report = _report()
    rows = results_table.rows(report)
    assert list(rows[0]) == list(results_table.COLUMNS)
    checks = [r for r in rows if r["kind"] == "check"]
    assert len(checks) == len(report.results)
    key = [r for r in checks if r["check_id"] == "PATIENT.KEY_UNIQUE"]
    assert {(r["stratum"], r["numerator"], r["denominator"], r["status"]) for r in key} == {
        (None, 7, 12, "FAIL"), ("A", 6, 7, "FAIL"), ("B", 1, 5, "FAIL")}
    blank_ids = [r for r in rows if r["kind"] == "field_count" and r["field"] == "patient_id"
                 and r["category"] == "blank"]
    assert {(r["stratum"], r["numerator"], r["denominator"]) for r in blank_ids} == {
        (None, 2, 12), ("A", 1, 7), ("B", 1, 5)}
    assert all(r["run_id"] == report.run["run_id"] and r["suppressed"] is False for r in rows)


def test_tabulation_rows() -> None:
    report = validator.validate(FIXTURES / "race_detailed_mena_both_standards.csv",
                                as_of_date="2026-11-01")
    tab = {(r["field"], r["category"]): r["numerator"] for r in results_table.rows(report)
           if r["kind"] == "tabulation" and r["stratum"] is None}
    assert tab[("omb1997.race", "2106-3")] == 7


def test_csv_and_parquet_files_agree(tmp_path: Path) -> None:
    report = _report()
    paths = write_reports(report, tmp_path, "csv,parquet")
    assert [p.name for p in paths] == ["results.csv", "results.parquet"]
    from_csv = list(csv.DictReader(io.StringIO(paths[0].read_text())))
    table = pq.read_table(paths[1])
    assert table.schema.names == list(results_table.COLUMNS)
    assert table.num_rows == len(from_csv) == len(results_table.rows(report))
    first = from_csv[1]
    assert (first["check_id"], first["numerator"], first["suppressed"]) == (
        "PATIENT.KEY_UNIQUE", "7", "false")
    assert table.column("numerator").to_pylist()[1] == 7
