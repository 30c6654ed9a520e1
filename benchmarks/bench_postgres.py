"""Benchmark: validating from PostgreSQL against validating the same rows from Parquet.

Usage (a server from ``make postgres``, or any database you may create a schema in):

    .venv/bin/python benchmarks/bench_postgres.py [--rows 1000000] [--url postgresql://...]
                                                  [--repeat 2]

The extract is benchmarks/generate.py's synthetic canonical table (cached as Parquet in
benchmarks/data/); it is loaded once with COPY into ``rv_bench.canonical_<rows>`` (every column
TEXT, like a staging table). Each measurement runs in a fresh process (so peak memory is its
own) and validates through the Python API with ``validator.timing.record()``: total seconds,
the ``read`` phase, and peak RSS. The best of --repeat runs is printed as a markdown table
(docs/postgres.md quotes it).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))


def _load(url: str, rows: int, parquet: Path) -> str:
    import psycopg
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    table = f"canonical_{rows}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS rv_bench")
        exists = conn.execute("SELECT to_regclass(%s)", (f"rv_bench.{table}",)).fetchone()
        if exists and exists[0] is not None:
            n = conn.execute(f"SELECT count(*) FROM rv_bench.{table}").fetchone()
            if n and n[0] == rows:
                return f"rv_bench.{table}"
            conn.execute(f"DROP TABLE rv_bench.{table}")
        data = pq.read_table(parquet)
        cols = ", ".join(f'"{c}" text' for c in data.column_names)
        conn.execute(f"CREATE TABLE rv_bench.{table} ({cols})")
        buf = io.BytesIO()
        pcsv.write_csv(data, buf, pcsv.WriteOptions(include_header=False))
        with conn.cursor().copy(f"COPY rv_bench.{table} FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
        conn.execute(f"ANALYZE rv_bench.{table}")
    return f"rv_bench.{table}"


def _one(source: str) -> None:
    from validator import timing
    from validator.api import validate

    t0 = time.perf_counter()
    with timing.record() as phases:
        report = validate(source, as_of_date="2026-11-01")
    total = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"total": total, "read": phases.get("read", 0.0), "peak_mb": peak_mb,
                      "rows": report.dataset["rows"],
                      "checks": {(r.check_id + (r.field or "")): [r.numerator, r.denominator]
                                 for r in report.results if r.stratum is None}}))


def _measure(source: str, repeat: int) -> dict:
    from fresh import best_of

    return best_of([sys.executable, __file__, "--one", source], repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--url", default=os.environ.get("REAL_VALIDATOR_TEST_PG", ""))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--one")
    args = ap.parse_args()
    if args.one:
        _one(args.one)
        return
    if not args.url:
        url_file = ROOT / ".pgdata" / "url"
        if not url_file.exists():
            sys.exit("no database: pass --url or run `make postgres`")
        args.url = url_file.read_text().strip()
    import generate

    parquet = generate.generate(args.rows, "parquet", ROOT / "benchmarks" / "data")
    table = _load(args.url, args.rows, parquet)
    base = args.url.split("?")[0]
    pq_result = _measure(str(parquet), args.repeat)
    pg_result = _measure(f"{base}?table={table}", args.repeat)
    assert pq_result["checks"] == pg_result["checks"], "PostgreSQL and Parquet disagree"
    print(f"{args.rows:,} rows, best of {args.repeat}, fresh process each "
          f"(identical numerators and denominators for every check):\n")
    print("| source | total s | read s | peak RSS MB |")
    print("|---|---:|---:|---:|")
    for name, r in (("Parquet file", pq_result), ("PostgreSQL table", pg_result)):
        print(f"| {name} | {r['total']:.1f} | {r['read']:.1f} | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
