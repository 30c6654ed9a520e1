"""The command line: exit codes, files written, messages, the checkpoint runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, invoke, sha256

import validator.api


def test_help_documents_exit_codes(cli: CliRunner) -> None:
    result = invoke(cli, "--help")
    assert result.exit_code == 0
    for line in ("0  gate passed", "1  gate failed", "2  usage, configuration or input error",
                 "3  internal error"):
        assert line in result.output
    for command in ("validate", "run", "checks", "explain"):
        assert command in result.output
    assert "Exit codes" in invoke(cli, "validate", "--help").output


def test_validate_writes_reports_and_exits_1_on_critical_fail(
    cli: CliRunner, canonical_csv: Path, tmp_path: Path
) -> None:
    before = sha256(canonical_csv)
    out = tmp_path / "out"
    result = invoke(cli, "validate", canonical_csv, "--out", out, "--as-of", "2026-11-01")
    assert result.exit_code == 1
    report = json.loads((out / "report.json").read_text())
    assert report["gate"]["passed"] is False
    assert report["gate"]["exit_code"] == 1
    assert "RACE.VALUESET[race_codes]" in report["gate"]["failing"]
    valueset = next(r for r in report["results"]
                    if r["check_id"] == "RACE.VALUESET" and r["stratum"] is None)
    assert (valueset["numerator"], valueset["denominator"], valueset["status"]) == (3, 5, "FAIL")
    md = (out / "report.md").read_text()
    assert md.startswith("# REaL data-quality report")
    assert "**Gate: FAILED**" in md.splitlines()[2]
    assert "gate FAILED (exit 1)" in result.stderr
    assert "FAIL  RACE.VALUESET[race_codes]  3/5 (60.00%)" in result.stderr
    assert sha256(canonical_csv) == before


def test_format_json_only(cli: CliRunner, canonical_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    invoke(cli, "validate", canonical_csv, "--out", out, "--format", "json")
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]


def test_unknown_format_is_usage_error(cli: CliRunner, canonical_csv: Path,
                                       tmp_path: Path) -> None:
    result = invoke(cli, "validate", canonical_csv, "--out", tmp_path, "--format", "pdf")
    assert result.exit_code == 2
    assert "unknown report format 'pdf'" in result.stderr
    assert not (tmp_path / "report.json").exists()


def test_warnings_pass_unless_fail_on_warning(cli: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "warn.csv"
    rows = ["patient_id,race_codes,ethnicity_code,birth_date"]
    rows += [f"P{i},2106-3,2186-5,2012-01-01" for i in range(17)]
    rows += [f"Q{i},UNKNOWN,2186-5,2012-01-01" for i in range(3)]  # race 85 %: WARN
    data.write_text("\n".join(rows) + "\n")
    ok = invoke(cli, "validate", data, "--out", tmp_path / "a", "--as-of", "2026-11-01")
    assert ok.exit_code == 0, ok.stderr
    assert "WARN  RACE.COMPLETENESS[race_codes]  17/20 (85.00%)" in ok.stderr
    strict = invoke(cli, "validate", data, "--out", tmp_path / "b", "--fail-on", "warning",
                    "--as-of", "2026-11-01")
    assert strict.exit_code == 1
    gate = json.loads((tmp_path / "b" / "report.json").read_text())["gate"]
    # the readiness restatement of completeness warns too, and no standard was declared
    assert gate["failing"] == ["RACE.COMPLETENESS[race_codes]", "STRAT.PROFILE_DECLARED",
                               "STRAT.INFORMATIVE_RATE[race_codes]"]
    assert gate["fail_on"] == "warning"


def test_missing_file_is_exit_2_one_message(cli: CliRunner, tmp_path: Path) -> None:
    result = invoke(cli, "validate", tmp_path / "nope.csv", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "nope.csv: file not found" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 4
    assert not (tmp_path / "o").exists()


def test_bad_profile_is_exit_2(cli: CliRunner, canonical_csv: Path, tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("version: 1\nfeilds: {race_codes: RACE}\n")
    result = invoke(cli, "validate", canonical_csv, "--profile", profile, "--out", tmp_path)
    assert result.exit_code == 2
    assert "unknown key 'feilds'" in result.stderr
    assert "did you mean 'fields'?" in result.stderr
    assert "allowed keys:" in result.stderr


def test_internal_error_is_exit_3_without_traceback(
    cli: CliRunner, canonical_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret PHIMARKER detail")

    monkeypatch.setattr(validator.api, "validate", boom)
    result = invoke(cli, "validate", canonical_csv, "--out", tmp_path)
    assert result.exit_code == 3
    assert "internal error (RuntimeError)" in result.stderr
    assert "PHIMARKER" not in result.output
    assert "Traceback" not in result.output


def test_checks_lists_catalogue(cli: CliRunner) -> None:
    result = invoke(cli, "checks")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 100  # 93 rules of DOMAIN.md §3 + project rules R-150…R-156 (FHIR)
    assert any(line.startswith("R-011  RACE.VALUESET") for line in lines)
    assert not any("(planned)" in line for line in lines)  # every rule is implemented
    implemented = invoke(cli, "checks", "--implemented", "--format", "json")
    data = json.loads(implemented.output)
    assert len(data) == 100
    assert {"rule": "R-156", "check_id": "FHIR.BIRTH_TIME_CONSISTENT"}.items() <= data[-1].items()


@pytest.mark.parametrize("key", ["RACE.VALUESET", "race.valueset", "R-011"])
def test_explain(cli: CliRunner, key: str) -> None:
    result = invoke(cli, "explain", key)
    assert result.exit_code == 0
    assert result.output.startswith("RACE.VALUESET (R-011): ")
    assert "severity critical" in result.output
    assert "threshold: at most 0%" in result.output
    assert ("  numerator: records with at least one race value that is not a code of the field's "
            "CDCREC set") in result.output
    assert ("  denominator: records with at least one informative race value in the field "
            "(absent reasons excluded)") in result.output
    assert "Why it matters for stratification:" in result.output
    assert "How to fix:" in result.output


def test_explain_unknown_is_exit_2(cli: CliRunner) -> None:
    result = invoke(cli, "explain", "RACE.NOPE")
    assert result.exit_code == 2
    assert "unknown check id 'RACE.NOPE'" in result.stderr


def test_run_example_checkpoint(cli: CliRunner, tmp_path: Path) -> None:
    text = (ROOT / "checkpoints" / "example.yaml").read_text()
    cp = tmp_path / "cp.yaml"
    cp.write_text(
        text.replace("../fixtures/", f"{FIXTURES}/").replace("../reports/example",
                                                             str(tmp_path / "rep"))
    )
    result = invoke(cli, "run", cp)
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert report["dataset"]["name"] == "example"
    assert report["dataset"]["rows"] == 300
    assert report["run"]["as_of_date"] == "2026-11-01"
    assert report["profile"]["name"] == "example_pediatric_registration"
    assert report["gate"]["passed"] is True
    statuses = {(r["check_id"], r["stratum"]): r["status"] for r in report["results"]}
    assert statuses[("RACE.COMPLETENESS", None)] == "WARN"
    assert {s for (_, s) in statuses} == {None, "EAST", "NORTH", "SOUTH"}


def test_run_checkpoint_unknown_key(cli: CliRunner, tmp_path: Path) -> None:
    cp = tmp_path / "cp.yaml"
    cp.write_text("version: 1\nsource: x.csv\noutput: {dir: r}\n")
    result = invoke(cli, "run", cp)
    assert result.exit_code == 2
    assert "unknown key 'output'" in result.stderr
    assert "allowed keys:" in result.stderr


def test_python_m_validator_subprocess(canonical_csv: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    proc = subprocess.run(
        [sys.executable, "-m", "validator", "validate", str(canonical_csv), "--out",
         str(tmp_path / "r"), "--as-of", "2026-11-01"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("real-validator: gate FAILED (exit 1): 7 rows")
    # Nothing from GX (progress bars, warnings, log records) reaches the terminal.
    noise = [ln for ln in lines if not ln.startswith(("real-validator:", "  "))]
    assert noise == []
    assert "Calculating Metrics" not in proc.stderr
    assert "Warning" not in proc.stderr
    assert (tmp_path / "r" / "report.json").exists()
