"""Benchmark: --engine spark (local mode) against the embedded pandas engine, same file.

Usage (pyspark and a Java 17+ runtime, as `make dev` and `make java` install):

    .venv/bin/python benchmarks/bench_spark.py [--rows 1000000] [--format parquet|csv]
                                               [--master local[*]] [--repeat 2]
                                               [--grain patient|encounter]

The extract is benchmarks/generate.py's synthetic canonical table (cached in benchmarks/data/):
one row per patient (--grain patient, the default) or, with --grain encounter, its
encounter-level extract (about 8 encounters per patient, with encounter and collection dates)
validated with benchmarks/encounter_profile.yaml (grain: encounter: the history rules run).
Each measurement runs in a fresh process (Spark's start-up is part of the cost a CLI run pays)
and validates through the Python API with ``validator.timing.record()``: total seconds, the
phases, the peak RSS of the Python process and, for Spark, of the JVM (its child process). The
best of --repeat runs is printed as a markdown table (docs/spark.md quotes it), after checking
that both engines gave identical numerators and denominators for every check.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))


PROFILES = {"patient": None, "encounter": ROOT / "benchmarks" / "encounter_profile.yaml"}


def _one(source: str, engine: str, master: str, profile: str | None = None) -> None:
    from validator import timing
    from validator.api import validate

    received = _count_driver_rows() if engine == "spark" else [0]
    t0 = time.perf_counter()
    with timing.record() as phases:
        report = validate(source, profile, as_of_date="2026-11-01", engine=engine,
                          spark_master=master if engine == "spark" else None)
    total = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    jvm_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if engine == "spark":  # the JVM is still running: ask the OS for its high-water mark
        jvm_mb = max(jvm_mb, _jvm_peak_mb())
    print(json.dumps({"total": total, "phases": phases, "peak_mb": peak_mb, "jvm_mb": jvm_mb,
                      "rows": report.dataset["rows"], "driver_rows": received[0],
                      "checks": {(r.check_id + (r.field or "")): [r.numerator, r.denominator]
                                 for r in report.results if r.stratum is None}}))


def _count_driver_rows() -> list[int]:
    """The number of distinct rows Spark hands the driver (validator/io/spark.py), recorded
    by wrapping distinct_rows(), or of rows when a run takes every row (to_arrow()); the
    wrappers change nothing else."""
    from validator.io import spark as spark_io

    seen = [0]
    real, every = spark_io.distinct_rows, spark_io.to_arrow

    def counting(*args: object, **kw: object) -> tuple:
        table, weights, single = real(*args, **kw)
        seen[0] = table.num_rows
        return table, weights, single

    def counting_every(*args: object, **kw: object) -> object:
        table = every(*args, **kw)
        seen[0] = table.num_rows
        return table

    spark_io.distinct_rows, spark_io.to_arrow = counting, counting_every
    return seen


def _jvm_peak_mb() -> float:
    """VmHWM of the JVM child of this process (Linux /proc), in MiB; 0 when not found."""
    import os

    me = str(os.getpid())
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == me and "java" in fields.get("Name", ""):
            return int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    return 0.0


def _measure(source: str, engine: str, master: str, repeat: int,
             profile: Path | None = None) -> dict:
    from fresh import best_of

    extra = ["--profile", str(profile)] if profile is not None else []
    return best_of([sys.executable, __file__, "--one", source, "--engine", engine,
                    "--master", master, *extra], repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    ap.add_argument("--master", default="local[*]")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--grain", choices=list(PROFILES), default="patient",
                    help="patient: one row per patient; encounter: the encounter-level "
                         "extract with benchmarks/encounter_profile.yaml")
    ap.add_argument("--engine", default="pandas")
    ap.add_argument("--one")
    ap.add_argument("--profile", help="(with --one) the profile to validate with")
    args = ap.parse_args()
    if args.one:
        _one(args.one, args.engine, args.master, args.profile)
        return
    import generate

    path = generate.generate(args.rows, args.format, ROOT / "benchmarks" / "data", args.grain)
    profile = PROFILES[args.grain]
    pandas = _measure(str(path), "pandas", args.master, args.repeat, profile)
    spark = _measure(str(path), "spark", args.master, args.repeat, profile)
    assert pandas["checks"] == spark["checks"], "Spark and pandas disagree"
    level = " encounter-level" if args.grain == "encounter" else ""
    print(f"{args.rows:,}{level} rows of {args.format}, best of {args.repeat}, fresh process each "
          f"(identical numerators and denominators for every check):\n")
    print("| engine | rows on the driver | total s | read s | normalize s | GX s | rules s "
          "| Python peak RSS MB | JVM peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in (("pandas (embedded)", pandas), (f"spark ({args.master})", spark)):
        p = r["phases"]
        spark_run = name.startswith("spark")
        jvm = f"{r['jvm_mb']:.0f}" if spark_run else "-"
        held = r["driver_rows"] if spark_run else r["rows"]
        print(f"| {name} | {held:,} | {r['total']:.1f} | {p.get('read', 0):.1f} | "
              f"{p.get('normalize', 0):.1f} | {p.get('gx', 0):.1f} | {p.get('rules', 0):.1f} "
              f"| {r['peak_mb']:.0f} | {jvm} |")


if __name__ == "__main__":
    main()
