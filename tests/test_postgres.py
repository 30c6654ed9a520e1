"""PostgreSQL source and results store, against a real server (docs/postgres.md).

The server is the one `make postgres` starts (a dependency of `make test`, so of .ci/run):
its URL arrives in REAL_VALIDATOR_TEST_PG. Without it the tests are skipped, unless
REAL_VALIDATOR_REQUIRE_PG=1 (set by `make test` when run as root, i.e. in CI), where a
missing or unreachable server is a failure. No mocks.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require_spark

ROOT = Path(__file__).resolve().parents[1]
URL = os.environ.get("REAL_VALIDATOR_TEST_PG", "")
REQUIRED = os.environ.get("REAL_VALIDATOR_REQUIRE_PG") == "1"

if not URL:
    if REQUIRED:
        raise RuntimeError("PostgreSQL is required here (REAL_VALIDATOR_REQUIRE_PG=1) but "
                           "REAL_VALIDATOR_TEST_PG is unset: run `make postgres` as root")
    pytest.skip("no test PostgreSQL (REAL_VALIDATOR_TEST_PG unset; `make postgres` starts one)",
                allow_module_level=True)

psycopg = pytest.importorskip("psycopg") if not REQUIRED else __import__("psycopg")

from validator.api import validate  # noqa: E402
from validator.report.results_table import COLUMNS  # noqa: E402
from validator.results import Report  # noqa: E402

PARTS = urllib.parse.urlsplit(URL)
PASSWORD = PARTS.password or ""
SCHEMA = f"rv_test_{os.getpid()}"
AS_OF = "2026-11-01"
FIXTURES = {  # table -> (csv, profile)
    "south": ("fixtures/three_sites/south.csv", None),
    "seeded": ("fixtures/canonical_3000_seeded_defects.csv", None),
    "pediatric": ("fixtures/pediatric/registration.csv", "fixtures/pediatric/profile.yaml"),
}


def _url(*, password: str | None = PASSWORD, port: int | None = None, **query: str) -> str:
    user = PARTS.username or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    netloc = f"{auth}{PARTS.hostname}:{port or PARTS.port or 5432}"
    return urllib.parse.urlunsplit(("postgresql", netloc, PARTS.path,
                                    urllib.parse.urlencode(query), ""))


def _load(conn: Any, table: str, path: str) -> None:
    with open(ROOT / path, encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    cols = ", ".join(f'"{c}" text' for c in header)
    conn.execute(f'CREATE TABLE {SCHEMA}."{table}" ({cols})')
    with conn.cursor().copy(f'COPY {SCHEMA}."{table}" FROM STDIN (FORMAT csv, HEADER true)'
                            ) as copy, open(ROOT / path, "rb") as f:
        while chunk := f.read(1 << 16):
            copy.write(chunk)


@pytest.fixture(scope="module")
def db() -> Iterator[Any]:
    try:
        conn = psycopg.connect(URL, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        if REQUIRED:
            pytest.fail(f"test PostgreSQL unreachable: {type(exc).__name__}")
        pytest.skip("test PostgreSQL unreachable")
    conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    conn.execute(f"CREATE SCHEMA {SCHEMA}")
    for table, (path, _) in FIXTURES.items():
        _load(conn, table, path)
    yield conn
    conn.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    conn.close()


def _by_check(report: Report) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {(r.check_id, r.field, r.stratum): (r.numerator, r.denominator, r.status.value)
            for r in report.results}


def _fields(report: Report) -> list[tuple[Any, ...]]:
    return [(f.field, f.stratum, f.rows, dict(f.counts))
            for f in (*report.fields, *report.field_strata)]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "validator", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("table", sorted(FIXTURES))
def test_postgres_and_pandas_give_identical_results(db: Any, table: str) -> None:
    path, profile = FIXTURES[table]
    from_file = validate(ROOT / path, profile and ROOT / profile, as_of_date=AS_OF)
    from_db = validate(_url(table=f"{SCHEMA}.{table}"), profile and ROOT / profile,
                       as_of_date=AS_OF)
    assert from_db.dataset["rows"] == from_file.dataset["rows"]
    assert _by_check(from_db) == _by_check(from_file)
    assert _fields(from_db) == _fields(from_file)
    assert from_db.gate.passed == from_file.gate.passed
    assert from_db.dataset["format"] == "postgresql"
    assert PASSWORD not in json.dumps(from_db.dataset)


@pytest.mark.parametrize("table", sorted(FIXTURES))
def test_pandas_postgres_and_spark_agree_for_every_check(db: Any, table: str) -> None:
    """Issue 8's parity test: one set of fixtures through the three engines; identical
    numerators, denominators and statuses for every check id, field and stratum."""
    require_spark()
    path, profile = FIXTURES[table]
    prof = profile and ROOT / profile
    runs = {
        "pandas": validate(ROOT / path, prof, as_of_date=AS_OF, stratify_by="site_id"),
        "postgresql": validate(_url(table=f"{SCHEMA}.{table}"), prof, as_of_date=AS_OF,
                               stratify_by="site_id"),
        "spark": validate(ROOT / path, prof, as_of_date=AS_OF, stratify_by="site_id",
                          engine="spark"),
    }
    checks = {name: _by_check(r) for name, r in runs.items()}
    assert len(checks["pandas"]) > 100
    assert len({r.stratum for r in runs["pandas"].results}) >= 2  # whole input + sites
    assert checks["postgresql"] == checks["pandas"]
    assert checks["spark"] == checks["pandas"]
    assert _fields(runs["postgresql"]) == _fields(runs["spark"]) == _fields(runs["pandas"])
    assert (runs["spark"].dataset["engine"], runs["postgresql"].dataset["format"]) == (
        "spark", "postgresql")


def test_query_source_streams_in_small_batches(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from validator.io import postgres

    monkeypatch.setattr(postgres, "BATCH_ROWS", 7)  # 3000 rows -> hundreds of fetchmany calls
    query = f'SELECT * FROM {SCHEMA}."seeded" WHERE site_id IS NOT NULL OR true'
    from_sql = validate(_url(), sql=query, as_of_date=AS_OF)
    from_file = validate(ROOT / FIXTURES["seeded"][0], as_of_date=AS_OF)
    assert _by_check(from_sql) == _by_check(from_file)


def test_only_mapped_columns_are_read(db: Any) -> None:
    from validator.io import postgres

    src = postgres.parse(_url(table=f"{SCHEMA}.pediatric"))
    with postgres.connect(src) as conn:
        names, types = postgres.columns(conn, src)
        table = postgres.read_table(conn, src, ["MRN", "RACE"], types, batch_rows=50)
    assert len(names) > 20 and table.column_names == ["MRN", "RACE"]
    assert table.num_rows > 50 and table.column(0).num_chunks > 1


def test_typed_columns_read_as_text(db: Any) -> None:
    db.execute(f"CREATE TABLE {SCHEMA}.typed (patient_id integer, birth_date date, "
               "collected timestamp, race_codes text)")
    db.execute(f"INSERT INTO {SCHEMA}.typed VALUES (1, '2010-05-01', '2020-01-02 03:04:05', "
               "'2106-3'), (2, NULL, NULL, NULL)")
    from validator.io import postgres

    src = postgres.parse(_url(table=f"{SCHEMA}.typed"))
    with postgres.connect(src) as conn:
        conn.execute("SET DateStyle TO 'SQL, DMY'")  # the reader must not depend on it
        _, types = postgres.columns(conn, src)
        table = postgres.read_table(conn, src, ["patient_id", "birth_date", "collected"], types)
    assert table.to_pylist() == [
        {"patient_id": "1", "birth_date": "2010-05-01", "collected": "2020-01-02T03:04:05"},
        {"patient_id": "2", "birth_date": None, "collected": None}]


def test_cli_validate_and_results_store(db: Any, tmp_path: Path) -> None:
    store = _url(table=f"{SCHEMA}.dq_results")
    source = _url(table=f"{SCHEMA}.south")
    for run in (1, 2):
        proc = _cli("validate", source, "--out", str(tmp_path / f"r{run}"), "--format",
                    "json,md,csv", "--as-of", AS_OF, "--results-db", store)
        assert proc.returncode == 0, proc.stderr
        assert PASSWORD not in proc.stdout + proc.stderr
        assert "appended" in proc.stderr
    report = (tmp_path / "r1" / "report.json").read_text(encoding="utf-8")
    assert PASSWORD not in report and "postgresql://" in report
    with open(tmp_path / "r1" / "results.csv", encoding="utf-8") as f:
        per_run = sum(1 for _ in f) - 1
    n, versions = db.execute(f"SELECT count(*), array_agg(DISTINCT schema_version) "
                             f"FROM {SCHEMA}.dq_results").fetchone()
    assert n == 2 * per_run and versions == [1]
    (meta,) = db.execute(f"SELECT schema_version FROM {SCHEMA}.dq_results_meta").fetchall()
    assert meta == (1,)
    cols = [r[0] for r in db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND "
        "table_name = 'dq_results' ORDER BY ordinal_position", (SCHEMA,))]
    assert cols == [*COLUMNS, "as_of_date", "schema_version", "written_at"]
    checks = db.execute(f"SELECT count(*) FROM {SCHEMA}.dq_results WHERE kind = 'check' AND "
                        "check_id = 'RACE.COMPLETENESS' AND stratum IS NULL").fetchone()
    assert checks == (2,)


def test_credentials_from_environment_and_pgpass(db: Any, tmp_path: Path) -> None:
    source = _url(password=None, table=f"{SCHEMA}.south")
    proc = _cli("validate", source, "--out", str(tmp_path / "env"), "-q",
                env={"PGPASSWORD": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{PARTS.hostname}:{PARTS.port}:*:{PARTS.username}:{PASSWORD}\n")
    pgpass.chmod(0o600)
    env = {"PGPASSFILE": str(pgpass)}
    proc = _cli("validate", source, "--out", str(tmp_path / "pgpass_out"), "-q", env=env)
    assert proc.returncode == 0, proc.stderr


BAD = {
    "unreachable": (dict(port=1, table="public.t"), (), "cannot connect"),
    "wrong_password": (dict(password="not-the-password-42", table="public.t"), (),
                       "cannot connect"),
    "missing_table": (dict(table=f"{SCHEMA}.no_such_table"), (), "not found"),
    "missing_column": (dict(table=f"{SCHEMA}.south"),
                       ("--profile", "fixtures/pediatric/profile.yaml"), "not in the input"),
    "bad_sql": (dict(), ("--sql", "SELEC nonsense FROM nowhere"), "query failed"),
    "data_error": (dict(), ("--sql", f"SELECT patient_id::int AS patient_id, race_codes "
                                      f"FROM {SCHEMA}.south"), "data error"),
    "no_table": (dict(), (), "name the table"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_database_input_exits_2_naming_the_target(db: Any, case: str,
                                                      tmp_path: Path) -> None:
    query, extra, expected = BAD[case]
    url = _url(**query)
    proc = _cli("validate", url, *extra, "--out", str(tmp_path))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert expected in out and f"{PARTS.hostname}:" in out, out
    assert "Traceback" not in out
    for secret in (PASSWORD, "not-the-password-42", "PHIMARKER"):
        assert secret not in out, out
    assert not (tmp_path / "report.json").exists()


def test_bad_results_db_exits_2(db: Any, tmp_path: Path) -> None:
    proc = _cli("validate", "fixtures/three_sites/south.csv", "--out", str(tmp_path), "-q",
                "--results-db", _url(password="not-the-password-42"))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2 and "cannot connect" in out, out
    assert "not-the-password-42" not in out and PASSWORD not in out
    proc = _cli("validate", "fixtures/three_sites/south.csv", "--out", str(tmp_path), "-q",
                "--results-db", "mysql://x/y")
    assert proc.returncode == 2 and "postgresql://" in proc.stderr


def test_checkpoint_with_database_source_and_store(db: Any, tmp_path: Path) -> None:
    store = _url(table=f"{SCHEMA}.cp_results")
    checkpoint = tmp_path / "load.yaml"
    checkpoint.write_text(
        "version: 1\nname: staging_gate\n"
        f"source: '{_url(password=None)}'\n"
        f"sql: 'SELECT * FROM {SCHEMA}.south'\n"
        f"results_db: '{_url(password=None, table=f'{SCHEMA}.cp_results')}'\n"
        "as_of_date: 2026-11-01\noutputs: {dir: out, formats: [json]}\n", encoding="utf-8")
    proc = _cli("run", str(checkpoint), "-q", env={"PGPASSWORD": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["dataset"]["name"] == "staging_gate" and report["dataset"]["rows"] == 200
    assert db.execute(f"SELECT count(DISTINCT run_id) FROM {SCHEMA}.cp_results").fetchone() == (1,)
    assert store.endswith("cp_results")


def test_copy_stream_keeps_every_text_value_exact(db: Any) -> None:
    """COPY's CSV through pyarrow: NULL vs empty, delimiters, quotes, line breaks, NA-like
    tokens and non-ASCII text come back exactly as stored."""
    values = [None, "", "a,b", 'x"y', "line\nbreak", "NA", "NULL", "N/A", "Ñandú 日本",
              " padded ", "\\N"]
    db.execute(f"CREATE TABLE {SCHEMA}.tricky (i integer, v text)")
    for i, v in enumerate(values):
        db.execute(f"INSERT INTO {SCHEMA}.tricky VALUES (%s, %s)", (i, v))
    from validator.io import postgres

    src = postgres.parse(_url(table=f"{SCHEMA}.tricky"))
    with postgres.connect(src) as conn:
        _, types = postgres.columns(conn, src)
        table = postgres.read_table(conn, src, ["i", "v"], types, batch_rows=3)
    got = sorted(table.to_pylist(), key=lambda r: int(r["i"]))
    assert [r["v"] for r in got] == values
