"""The Python API: DataFrame and Arrow input, empty input, required fields, suites, strata,
overrides and deterministic reports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import validator
from validator.errors import ConfigError, InputError, UsageError
from validator.report import render_json, write_reports
from validator.results import Status

ROWS = {
    "patient_id": ["a", "b", "c", "d", "e", "f"],
    "site_id": ["S1", "S1", "S1", "S2", "S2", "S2"],
    "race_codes": ["2106-3", "2054-5|2106-3", "UNK", "2028-9", "", "2106-3"],
    "ethnicity_code": ["2186-5", "2135-2", "2186-5", "2186-5", "2186-5", "declined"],
    "birth_date": ["2010-01-01", "2011-01-01", "2012-01-01", "2013-01-01", "2014-01-01",
                   "2015-01-01"],
}


def test_dataframe_input() -> None:
    report = validator.validate(pd.DataFrame(ROWS), as_of_date="2026-11-01")
    r = report.result("RACE.COMPLETENESS")
    assert (r.numerator, r.denominator, r.status) == (4, 6, Status.FAIL)
    assert report.dataset["format"] == "dataframe"
    assert report.field_summary("race_codes").counts["unknown"] == 1
    assert report.field_summary("race_codes").counts["blank"] == 1
    assert report.field_summary("ethnicity_code").counts["declined"] == 1
    s1 = report.result("RACE.COMPLETENESS", stratum="S1")
    s2 = report.result("RACE.COMPLETENESS", stratum="S2")
    assert (s1.numerator, s1.denominator, s2.numerator, s2.denominator) == (2, 3, 2, 3)
    assert not report.gate.passed and report.exit_code == 1


def test_arrow_and_non_string_columns() -> None:
    table = pa.table({"patient_id": pa.array([1, 2, 3]),
                      "race_codes": ["2106-3", "2054-5", "2028-9"],
                      "ethnicity_code": ["2186-5", "2186-5", "2135-2"],
                      "birth_date": pa.array([pd.Timestamp("2010-01-01").date()] * 3)})
    report = validator.validate(table, as_of_date="2026-11-01")
    assert report.gate.passed, report.gate.failing
    assert report.result("AGE.COMPUTABLE").numerator == 0
    assert report.result("PATIENT.KEY_UNIQUE").denominator == 3


def test_parquet_and_csv_agree(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS)
    frame.to_csv(tmp_path / "x.csv", index=False)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "x.parquet")
    a = validator.validate(tmp_path / "x.csv", as_of_date="2026-11-01")
    b = validator.validate(tmp_path / "x.parquet", as_of_date="2026-11-01")
    key = [(r.check_id, r.field, r.stratum, r.numerator, r.denominator, r.status)
           for r in a.results]
    assert key == [(r.check_id, r.field, r.stratum, r.numerator, r.denominator, r.status)
                   for r in b.results]
    assert b.dataset["format"] == "parquet"


def test_empty_input_is_error_not_vacuous_pass() -> None:
    report = validator.validate(pd.DataFrame({k: pd.Series([], dtype=str) for k in ROWS}))
    first = report.result("DATASET.NOT_EMPTY")
    assert first.status is Status.ERROR
    assert "0 rows" in first.reason
    others = {r.status for r in report.results if r.check_id != "DATASET.NOT_EMPTY"}
    assert others == {Status.NOT_APPLICABLE}
    assert report.gate.failing == ("DATASET.NOT_EMPTY",)
    assert report.exit_code == 1


def test_missing_required_field_fails_optional_is_not_applicable() -> None:
    rows = {k: v for k, v in ROWS.items() if k != "ethnicity_code"}
    report = validator.validate(pd.DataFrame(rows), as_of_date="2026-11-01")
    eth = report.result("ETH.COMPLETENESS")
    assert eth.status is Status.FAIL
    assert "required field ethnicity" in eth.reason
    assert (eth.numerator, eth.denominator) == (0, 6)
    src = report.result("RACE.SOURCE_RECORDED")
    assert src.status is Status.NOT_APPLICABLE
    assert src.reason == "race_source not in the input"
    declared = validator.validate(
        pd.DataFrame(rows), as_of_date="2026-11-01",
        profile={"fields": {k: k for k in rows},
                 "not_collected": ["ethnicity_code", "ethnicity_detailed"]})
    eth = declared.result("ETH.COMPLETENESS")
    assert eth.status is Status.NOT_APPLICABLE
    assert "declared not collected" in eth.reason
    assert declared.field_summary("ethnicity_code").present is False


def test_suites_disabled_and_thresholds() -> None:
    profile = {"fields": {k: k for k in ROWS}, "disabled_checks": ["RACE.OTHER_RATE"],
               "thresholds": {"RACE.COMPLETENESS": {"threshold": 50, "warn_threshold": 60}}}
    report = validator.validate(pd.DataFrame(ROWS), profile=profile, suites=["race"],
                                as_of_date="2026-11-01")
    ids = {r.check_id for r in report.results}
    assert all(i.startswith("RACE.") for i in ids)
    assert "RACE.OTHER_RATE" not in ids
    reasons = {d["check_id"]: d["reason"] for d in report.disabled}
    assert reasons["RACE.OTHER_RATE"] == "disabled in the profile"
    assert reasons["ETH.VALUESET"] == "suite not selected"
    r = report.result("RACE.COMPLETENESS")
    assert (r.threshold, r.warn_threshold, r.status) == (50, 60, Status.PASS_WITH_FINDINGS)
    override = report.profile["threshold_overrides"]["RACE.COMPLETENESS"]
    assert override["threshold"] == 50


def test_bad_arguments() -> None:
    with pytest.raises(UsageError, match="fail_on must be"):
        validator.validate(pd.DataFrame(ROWS), fail_on="sometimes")
    with pytest.raises(ConfigError, match="unknown suite 'races'"):
        validator.validate(pd.DataFrame(ROWS), suites=["races"])
    with pytest.raises(InputError, match="duplicate column name 'x'"):
        validator.validate(pd.DataFrame([[1, 2]], columns=["x", "x"]))
    with pytest.raises(UsageError, match="source must be a path or a DataFrame"):
        validator.validate(42)  # type: ignore[arg-type]


def test_as_of_column_drives_future_check() -> None:
    rows = dict(ROWS, as_of_date=["2012-06-01"] * 6)
    report = validator.validate(pd.DataFrame(rows))
    age = report.result("AGE.COMPUTABLE")
    assert age.details["future"] == 3  # born 2013, 2014, 2015 > extract date 2012-06-01
    assert report.run["as_of_source"].startswith("column")


def test_reports_are_deterministic_apart_from_the_timestamp(tmp_path: Path) -> None:
    a = validator.validate(pd.DataFrame(ROWS), as_of_date="2026-11-01")
    b = validator.validate(pd.DataFrame(ROWS), as_of_date="2026-11-01")
    da, db = json.loads(render_json(a)), json.loads(render_json(b))
    da["run"].pop("started_at")
    db["run"].pop("started_at")
    assert da == db
    paths = write_reports(a, tmp_path, "json,md")
    assert [p.name for p in paths] == ["report.json", "report.md"]
    assert not list(tmp_path.glob(".*.tmp"))
    assert json.loads(paths[0].read_text())["schema_version"] == "1.3"


def test_stratify_by_a_raw_column_or_a_canonical_field(tmp_path: Path) -> None:
    rows = dict(ROWS, CHANNEL=["portal", "desk", "desk", "portal", "desk", "desk"])
    frame = pd.DataFrame(rows)
    report = validator.validate(frame, as_of_date="2026-11-01", stratify_by="CHANNEL")
    assert report.profile["stratum"] == "stratum"
    desk = report.result("RACE.COMPLETENESS", stratum="desk")
    portal = report.result("RACE.COMPLETENESS", stratum="portal")
    assert (desk.numerator, desk.denominator, portal.numerator, portal.denominator) == (
        2, 4, 2, 2)
    by_site = validator.validate(pd.DataFrame(ROWS), as_of_date="2026-11-01",
                                 stratify_by="site_id")
    assert by_site.result("RACE.COMPLETENESS", stratum="S2").numerator == 2
    with pytest.raises(UsageError, match="would print patient-level values"):
        validator.validate(frame, stratify_by="patient_id")
    with pytest.raises(UsageError, match="neither a canonical field nor a column"):
        validator.validate(frame, stratify_by="WARD")


def test_run_id_is_stable_and_changes_with_every_option_that_changes_results() -> None:
    src = Path(__file__).resolve().parents[1] / "fixtures" / "three_sites" / "south.csv"

    def rid(**kw: object) -> str:
        return validator.validate(src, as_of_date="2026-11-01", **kw).run["run_id"]

    base = rid()
    assert rid() == base  # same input and options: same id
    others = [rid(stratify_by="race_respondent"), rid(suites=["race"]),
              rid(thresholds={"RACE.COMPLETENESS": {"threshold": 99}}),
              rid(list_unmapped=True), rid(fail_on="warning"),
              validator.validate(src, as_of_date="2026-10-01").run["run_id"]]
    assert len({base, *others}) == 1 + len(others)
