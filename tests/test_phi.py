"""PHI safety: identifiers, unmapped columns, free text and file names carrying a marker never
appear in any report or on the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MARKER, invoke

import validator


def _extract(tmp_path: Path) -> Path:
    path = tmp_path / f"{MARKER}_extract.csv"
    path.write_text(
        f"patient_id,site_id,race_codes,race_text,ethnicity_code,birth_date,{MARKER}_col\n"
        f"{MARKER}-001,A,2106-3,{MARKER} white,2186-5,2010-01-01,{MARKER} note\n"
        f"{MARKER}-002,A,{MARKER} free text race,Other {MARKER},2135-2,2011-02-02,x\n"
        f"{MARKER}-002,B,2054-5|{MARKER},,{MARKER}-eth,{MARKER}-dob,y\n"
        f"{MARKER}-004,B,?,,UNK,2012-03-03,z\n",
        encoding="utf-8",
    )
    return path


def test_no_marker_in_reports_or_terminal(cli: CliRunner, tmp_path: Path) -> None:
    data = _extract(tmp_path)
    out = tmp_path / "out"
    result = invoke(cli, "validate", data, "--out", out, "--format", "json,md,html")
    assert result.exit_code == 1  # defects found: the run really looked at the values
    assert MARKER not in result.stdout
    assert MARKER not in result.stderr
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["report.html", "report.json", "report.md"]
    for path in written:
        assert MARKER not in path.read_text(encoding="utf-8"), path.name


def test_no_marker_in_report_object(tmp_path: Path) -> None:
    report = validator.validate(_extract(tmp_path), as_of_date="2026-11-01")
    text = repr(report.to_dict())
    assert MARKER not in text
    assert report.result("RACE.VALUESET", field="race_codes").numerator == 2
    assert report.dataset["name"] == "input"


def test_error_messages_do_not_quote_cells(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "ragged.csv"
    bad.write_text(f"patient_id,race_codes\nP1,2106-3\nP2,{MARKER},extra,fields\n")
    result = invoke(cli, "validate", bad, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "has 4 fields where the header has 2" in result.stderr
    assert MARKER not in result.output


def test_worklist_keys_only_in_the_worklist_file(cli: CliRunner, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """With --worklist, identifiers reach the worklist file only, and only as raw keys with
    --worklist-raw-keys; never a report, the salt sidecar or the terminal."""
    monkeypatch.delenv("REAL_VALIDATOR_WORKLIST_SALT", raising=False)
    data = _extract(tmp_path)
    for raw in (True, False):
        out, wl = tmp_path / f"out_{raw}", tmp_path / f"private_{raw}" / "worklist.csv"
        result = invoke(cli, "validate", data, "--out", out, "--format", "json,md,csv",
                        "--worklist", wl, *(["--worklist-raw-keys"] if raw else []))
        assert result.exit_code == 1
        assert MARKER not in result.stdout and MARKER not in result.stderr
        assert "wrote worklist:" in result.stderr
        for path in out.iterdir():
            assert MARKER not in path.read_text(encoding="utf-8"), path.name
        assert (MARKER in wl.read_text(encoding="utf-8")) is raw
        assert sorted(p.name for p in wl.parent.iterdir()) == (
            ["worklist.csv"] if raw else ["worklist.csv", "worklist.csv.salt"])
        for path in wl.parent.iterdir():
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".salt":
                assert MARKER not in text
