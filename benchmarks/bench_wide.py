"""Benchmark: a CSV larger than the memory the validator is given (docs/benchmarks.md).

Usage (from the repository, after ``make install``):

    .venv/bin/python benchmarks/bench_wide.py [--rows 5000000] [--note-bytes 1000]
                                              [--limit-mib 2048] [--out benchmarks/data]

The extract is benchmarks/generate.py's canonical table (8 mapped columns) with an unmapped
free-text ``notes`` column of about --note-bytes per row appended as the **last** column (the
worst place: the CSV reader reads the last column too, to catch a quote that swallows the rest
of the file). ``real-validator validate FILE --format json`` runs in a fresh process; its wall
time and peak RSS are printed with the file's size. As root on a machine with the cgroup v1
memory controller, the run is also confined to a memory cgroup of --limit-mib (page cache
included, as the kernel counts it), which must be smaller than the file: the run must finish
with exit 0 or 1 (the gate's verdict), not be killed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import table  # noqa: E402

CGROUP = Path("/sys/fs/cgroup/memory")


def wide_csv(rows: int, note_bytes: int, out: Path) -> Path:
    """Write (once) the canonical extract plus a ``notes`` column, in slices of 200k rows."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"wide_{rows}_{note_bytes}.csv"
    if path.exists():
        return path
    tmp = path.with_suffix(".csv.tmp")
    filler = ("Parent reports child well; follow-up in clinic. " * (note_bytes // 48 + 1))
    step = 200_000
    with pc.CSVWriter(str(tmp), table(1).append_column("notes", pa.array([""])).schema) as w:
        for start in range(0, rows, step):
            n = min(step, rows - start)
            part = table(n, seed=start + 1)
            ids = pa.array([f"P{start + i + 1}" for i in range(n)])
            part = part.set_column(0, "patient_id", ids)
            notes = pa.array([f"{filler[: note_bytes - 8]} {i:07d}" for i in range(n)])
            w.write_table(part.append_column("notes", notes))
    tmp.rename(path)
    return path


def _confined(limit_mib: int) -> Path | None:
    """A fresh memory cgroup (v1) limited to ``limit_mib``, or None when unavailable."""
    if os.geteuid() != 0 or not (CGROUP / "memory.limit_in_bytes").exists():
        return None
    group = CGROUP / f"rv_bench_{os.getpid()}"
    group.mkdir(exist_ok=True)
    (group / "memory.limit_in_bytes").write_text(str(limit_mib << 20))
    return group


def run(path: Path, limit_mib: int) -> dict[str, object]:
    exe = ROOT / ".venv" / "bin" / "real-validator"
    report = path.parent / "wide-report" / "report.json"
    report.unlink(missing_ok=True)  # a killed run must not show an earlier run's rows
    cmd = [str(exe), "validate", str(path), "--format", "json", "--quiet",
           "--out", str(report.parent)]
    group = _confined(limit_mib)
    preexec = None
    if group is not None:
        procs = group / "cgroup.procs"

        def preexec() -> None:
            procs.write_text(str(os.getpid()))

    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=preexec)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out: dict[str, object] = {
        "rows": None, "file_mib": round(path.stat().st_size / 2**20),
        "exit": proc.returncode, "seconds": round(seconds, 1), "peak_rss_mib": round(peak),
        "cgroup_limit_mib": limit_mib if group is not None else None,
    }
    if group is not None:
        out["cgroup_max_usage_mib"] = round(
            int((group / "memory.max_usage_in_bytes").read_text()) / 2**20)
        out["oom_kills"] = int(next((line.split()[1] for line in (
            group / "memory.oom_control").read_text().splitlines()
            if line.startswith("oom_kill ")), "0"))
        group.rmdir()
    if report.exists():
        out["rows"] = json.loads(report.read_text())["dataset"]["rows"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--note-bytes", type=int, default=1000)
    parser.add_argument("--limit-mib", type=int, default=2048)
    parser.add_argument("--out", type=Path, default=HERE / "data")
    args = parser.parse_args(argv)
    path = wide_csv(args.rows, args.note_bytes, args.out)
    result = run(path, args.limit_mib)
    print(json.dumps(result))
    return 0 if result["exit"] in (0, 1) else 1


if __name__ == "__main__":
    raise SystemExit(main())
