"""The worklist (--worklist): failing row keys per check, hashed unless asked otherwise, capped,
written only where asked and never into reports."""

from __future__ import annotations

import csv
import hashlib
import json
import stat
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, invoke

import validator
from validator.engine import runner
from validator.errors import UsageError
from validator.results import Measure, Status
from validator.worklist import SALT_ENV, Worklist, digest

AS_OF = "2026-11-01"
SALT = "a-site-secret"

#: canonical_csv (tests/conftest.py): (check_id, field, status) -> row keys violating it.
EXPECTED = {
    ("NULL.ASKU_PROFILE_DECLARED", "ethnicity_code", "WARN"): ["P4"],
    ("RACE.COMPLETENESS", "race_codes", "WARN"): ["P4", "P5"],
    ("RACE.VALUESET", "race_codes", "FAIL"): ["P3", "P6", "P7"],
    ("RACE.CODE_FORMAT_CHECKDIGIT", "race_codes", "FAIL"): ["P6"],
    ("RACE.NO_ABSTRACT_ROOT", "race_codes", "FAIL"): ["P7"],
    ("RACE.NOT_ETHNICITY_CODE", "race_codes", "FAIL"): ["P3"],
    ("RACE.NULL_EXCLUSIVE", "race_codes", "FAIL"): ["P7"],
    ("RACE.TEXT_CODE_CONSISTENT", "race_text", "WARN"): ["P6"],
    ("ETH.COMPLETENESS", "ethnicity_code", "WARN"): ["P4", "P5"],
    ("AGE.COMPUTABLE", "birth_date", "FAIL"): ["P3", "P4", "P5"],
}


def _sha(salt: str, key: str) -> str:
    """The documented hash, recomputed independently: SHA-256(salt + key), 16 hex chars."""
    return hashlib.sha256((salt + key).encode("utf-8")).hexdigest()[:16]


def _expected_rows(key: object = lambda k: k) -> set[tuple[str, str, str, str]]:
    return {(c, f, s, key(k)) for (c, f, s), keys in EXPECTED.items() for k in keys}  # type: ignore[operator]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(autouse=True)
def _no_env_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SALT_ENV, raising=False)


def test_exact_rows_with_hashed_keys(canonical_csv: Path) -> None:
    wl = Worklist(salt=SALT)
    report = validator.validate(canonical_csv, as_of_date=AS_OF, worklist=wl)
    frame = wl.frame
    got = {(r.check_id, r.field, r.status, r.key) for r in frame.itertuples()}
    assert got == _expected_rows(lambda k: _sha(SALT, k))
    assert len(frame) == sum(len(v) for v in EXPECTED.values()) == wl.rows
    assert digest("P4", SALT) == _sha(SALT, "P4")
    assert list(frame.columns) == ["check_id", "rule", "field", "severity", "status", "key",
                                   "rows_listed", "rows_violating", "max_rows"]
    row = frame[frame.check_id == "RACE.VALUESET"].iloc[0]
    assert (row.rule, row.severity, row.rows_listed, row.rows_violating, row.max_rows) == (
        "R-011", "critical", 3, 3, 100_000)
    assert not wl.salt_generated and wl.truncated == []
    # The report holds no key and no hash.
    text = json.dumps(report.to_dict())
    for k in ("P3", "P4", _sha(SALT, "P4")):
        assert f'"{k}"' not in text


def test_exact_rows_with_raw_keys_on_the_command_line(cli: CliRunner, canonical_csv: Path,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "private" / "worklist.csv"
    result = invoke(cli, "validate", canonical_csv, "--out", tmp_path / "out", "--as-of", AS_OF,
                    "--worklist", path, "--worklist-raw-keys")
    assert result.exit_code == 1, result.stderr
    rows = _rows(path)
    assert {(r["check_id"], r["field"], r["status"], r["key"]) for r in rows} == _expected_rows()
    assert f"wrote worklist: {len(rows)} rows" in result.stderr
    assert str(path) not in result.stderr
    assert not path.with_name("worklist.csv.salt").exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.json", "report.md"]


def test_generated_salt_is_kept_only_in_the_sidecar(cli: CliRunner, canonical_csv: Path,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "wl.csv"
    out = tmp_path / "out"
    result = invoke(cli, "validate", canonical_csv, "--out", out, "--as-of", AS_OF,
                    "--worklist", path)
    assert result.exit_code == 1
    sidecar = tmp_path / "wl.csv.salt"
    salt = sidecar.read_text(encoding="utf-8").strip()
    assert len(salt) == 32
    assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600
    keys = {r["key"] for r in _rows(path)}
    assert keys == {_sha(salt, k) for v in EXPECTED.values() for k in v}
    assert salt not in result.output and salt not in path.read_text()
    for report in out.iterdir():
        assert salt not in report.read_text(encoding="utf-8")
    # Another run draws another salt: hashes differ between runs without a fixed salt.
    invoke(cli, "validate", canonical_csv, "--out", out, "--as-of", AS_OF, "--worklist", path)
    assert sidecar.read_text(encoding="utf-8").strip() != salt


def test_salt_from_option_or_environment(cli: CliRunner, canonical_csv: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wl.csv"
    (tmp_path / "wl.csv.salt").write_text("stale\n")
    invoke(cli, "validate", canonical_csv, "--out", tmp_path / "o", "--as-of", AS_OF,
           "--worklist", path, "--worklist-salt", SALT)
    assert {r["key"] for r in _rows(path) if r["check_id"] == "RACE.VALUESET"} == {
        _sha(SALT, k) for k in ("P3", "P6", "P7")}
    assert not (tmp_path / "wl.csv.salt").exists()  # the salt is the user's: no sidecar
    monkeypatch.setenv(SALT_ENV, "from-env")
    invoke(cli, "validate", canonical_csv, "--out", tmp_path / "o", "--as-of", AS_OF,
           "--worklist", path)
    assert {r["key"] for r in _rows(path) if r["check_id"] == "RACE.NULL_EXCLUSIVE"} == {
        _sha("from-env", "P7")}
    assert not (tmp_path / "wl.csv.salt").exists()


def test_cap_is_respected_and_stated(cli: CliRunner, canonical_csv: Path,
                                     tmp_path: Path) -> None:
    path = tmp_path / "wl.parquet"
    result = invoke(cli, "validate", canonical_csv, "--out", tmp_path / "o", "--as-of", AS_OF,
                    "--worklist", path, "--worklist-raw-keys", "--worklist-max-rows", "2")
    assert result.exit_code == 1
    table = pq.read_table(path)
    rows = table.to_pylist()
    valueset = [r for r in rows if r["check_id"] == "RACE.VALUESET"]
    assert [r["key"] for r in valueset] == ["P3", "P6"]  # the first rows in input order
    assert {(r["rows_listed"], r["rows_violating"], r["max_rows"]) for r in valueset} == {
        (2, 3, 2)}
    assert all(r["rows_listed"] <= 2 == r["max_rows"] for r in rows)
    meta = json.loads(table.schema.metadata[b"real_validator.worklist"])
    assert meta["max_rows_per_check"] == 2 and meta["key"] == "raw"
    assert {"check_id": "AGE.COMPUTABLE", "field": "birth_date", "rows_listed": 2,
            "rows_violating": 3} in meta["truncated"]
    assert f"wrote worklist: {len(rows)} rows" in result.stderr


def test_no_row_key_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "nokey.csv"
    data.write_text("race_codes,ethnicity_code\n2106-3,2186-5\nXX,2186-5\n")
    path = tmp_path / "wl.csv"
    result = invoke(cli, "validate", data, "--out", tmp_path / "o", "--worklist", path)
    assert result.exit_code == 2
    assert "--worklist needs a row key: map patient_id or set row_key" in result.stderr
    assert not path.exists()
    with pytest.raises(UsageError, match="needs a row key"):
        validator.validate(data, worklist=Worklist(salt=SALT))


@pytest.mark.parametrize("args, message", [
    (["--worklist", "wl.json"], "must end in .csv or .parquet"),
    (["--worklist-raw-keys"], "need --worklist PATH"),
    (["--worklist", "wl.csv", "--worklist-salt", ""], "salt must not be empty"),
    (["--format", "csv", "--worklist", "OUT/results.csv"], "cannot replace the input or a"),
    (["--worklist", "small.csv"], "cannot replace the input or a report file"),
])
def test_bad_worklist_options_exit_2(cli: CliRunner, canonical_csv: Path, tmp_path: Path,
                                     args: list[str], message: str) -> None:
    out = tmp_path / "out"
    args = [a.replace("OUT", str(out)) if a.startswith("OUT") else
            str(tmp_path / a) if a.startswith(("wl.", "small.")) else a for a in args]
    result = invoke(cli, "validate", canonical_csv, "--out", out, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_checkpoint_worklist(cli: CliRunner, canonical_csv: Path, tmp_path: Path) -> None:
    cp = tmp_path / "cp.yaml"
    cp.write_text(f"version: 1\nsource: {canonical_csv}\nas_of_date: {AS_OF}\n"
                  "outputs: {dir: reports}\n"
                  "worklist: {path: private/wl.csv, raw_keys: true, max_rows: 1}\n")
    result = invoke(cli, "run", cp)
    assert result.exit_code == 1, result.stderr
    rows = _rows(tmp_path / "private" / "wl.csv")
    assert {r["key"] for r in rows if r["check_id"] == "RACE.VALUESET"} == {"P3"}
    assert len(rows) == len(EXPECTED)  # one row per failing (check, field) at max_rows 1
    # Command-line options override the checkpoint.
    result = invoke(cli, "run", cp, "--worklist", tmp_path / "other.csv",
                    "--worklist-max-rows", "5")
    assert len(_rows(tmp_path / "other.csv")) == sum(len(v) for v in EXPECTED.values())
    cp.write_text(f"version: 1\nsource: {canonical_csv}\nworklist: {{raw_keys: true}}\n")
    result = invoke(cli, "run", cp)
    assert result.exit_code == 2 and "worklist.path: missing" in result.stderr
    cp.write_text(f"version: 1\nsource: {canonical_csv}\nworklist: {{path: a.csv, salt: x}}\n")
    result = invoke(cli, "run", cp)
    assert result.exit_code == 2 and "unknown key 'salt'" in result.stderr


@pytest.mark.parametrize("source, profile", [
    (FIXTURES / "canonical_3000_seeded_defects.csv", None),
    (FIXTURES / "pediatric" / "registration.csv", FIXTURES / "pediatric" / "profile.yaml"),
])
def test_listed_rows_match_the_report_counts(source: Path, profile: Path | None) -> None:
    wl = Worklist(salt=SALT, max_rows=10**9)
    report = validator.validate(source, profile, as_of_date=AS_OF, worklist=wl)
    frame = wl.frame
    listed = frame.groupby(["check_id", "field"]).size().to_dict()
    unlisted = {(u["check_id"], u["field"]) for u in wl.unlisted}
    assert listed, "the fixture has row-level findings"
    for r in report.results:
        if r.stratum is not None or r.status not in (Status.FAIL, Status.WARN,
                                                     Status.PASS_WITH_FINDINGS):
            assert (r.check_id, r.field) not in listed or r.stratum is not None
            continue
        if (r.check_id, r.field) in unlisted:
            continue
        assert r.numerator is not None and r.denominator is not None
        violating = (r.denominator - r.numerator if r.measure is Measure.RATE
                     else r.numerator)
        assert listed.get((r.check_id, r.field), 0) == violating, (r.check_id, r.field)
    assert not frame["key"].isna().any()


def test_checks_without_row_masks_are_named() -> None:
    wl = Worklist(salt=SALT)
    report = validator.validate(FIXTURES / "pediatric" / "registration.csv",
                                FIXTURES / "pediatric" / "profile.yaml", as_of_date=AS_OF,
                                worklist=wl)
    why = {(u["check_id"], u["field"]): u["why"] for u in wl.unlisted}
    assert why, "the pediatric example fails aggregate checks"
    assert all("aggregate" in w or "caregiver rows" in w or "without counting rows" in w
               for w in why.values())
    assert any("aggregate" in w for w in why.values())
    failing = {(r.check_id, r.field) for r in report.results
               if r.stratum is None and r.status in (Status.FAIL, Status.WARN,
                                                     Status.PASS_WITH_FINDINGS)}
    assert set(why) <= failing
    assert not set(why) & set(map(tuple, wl.frame[["check_id", "field"]].to_numpy().tolist()))


def test_no_masks_are_kept_without_a_worklist(canonical_csv: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise AssertionError("masks kept although no worklist was asked for")

    monkeypatch.setattr(runner, "_keep_violations", boom)
    report = validator.validate(canonical_csv, as_of_date=AS_OF)
    assert report.result("RACE.VALUESET", field="race_codes").numerator == 3


def test_empty_worklist_still_written(tmp_path: Path) -> None:
    data = tmp_path / "clean.csv"
    data.write_text("patient_id,race_codes,ethnicity_code\nP1,2106-3,2186-5\n")
    wl = Worklist(salt=SALT)
    validator.validate(data, suites=["race"], worklist=wl)
    assert wl.rows == 0
    wl.write(tmp_path / "wl.csv")
    assert _rows(tmp_path / "wl.csv") == []
    assert (tmp_path / "wl.csv").read_text().startswith('"check_id","rule","field"')


def test_worklist_api_guards() -> None:
    with pytest.raises(UsageError, match="max_rows"):
        Worklist(max_rows=0)
    with pytest.raises(UsageError, match="validate"):
        Worklist(salt=SALT).frame  # noqa: B018
    assert SALT not in repr(Worklist(salt=SALT))


def test_blank_and_duplicate_keys(tmp_path: Path) -> None:
    data = tmp_path / "keys.csv"
    data.write_text("patient_id,race_codes,ethnicity_code\n"
                    " P1 ,2106-3,2186-5\nP1,2106-3,2186-5\n  ,XX,2186-5\nP4,2106-3,2186-5\n")
    for raw in (True, False):
        wl = Worklist(salt=SALT, raw_keys=raw)
        validator.validate(data, suites=["preflight", "race"], worklist=wl)
        frame = wl.frame.astype(object)
        rows = {(r.check_id, r.key) for r in frame.where(frame.notna(), None).itertuples()}
        p1 = "P1" if raw else _sha(SALT, "P1")  # trimmed before hashing
        assert ("PATIENT.KEY_UNIQUE", p1) in rows and ("PATIENT.KEY_UNIQUE", None) in rows
        assert ("RACE.VALUESET", None) in rows  # the row without a key is still listed
        assert sum(c == "PATIENT.KEY_UNIQUE" for c, _ in rows) == 2  # set: P1 twice -> once
        assert len(wl.frame[wl.frame.check_id == "PATIENT.KEY_UNIQUE"]) == 3
