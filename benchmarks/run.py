"""Benchmark: the validator against the floor of reading the same columns (docs/benchmarks.md).

Usage (from the repository, after ``make install``; ``make bench`` does both):

    .venv/bin/python benchmarks/run.py [--sizes 100k,1M,10M] [--formats parquet,csv]
                                       [--out benchmarks/data] [--doc docs/benchmarks.md]

For each size and format it generates (once, cached in --out) a realistic synthetic canonical
extract (benchmarks/generate.py) and measures, each in a fresh process so that peak memory is
that run's own:

- **floor**: pyarrow reads the same columns and counts values per column (value_counts);
- **validate**: ``real-validator validate FILE --format json,md`` end to end, as a user runs it
  (interpreter start and Great Expectations import included);
- **phases**: the same validation through the Python API with ``validator.timing.record()``:
  read, normalize, gx (Great Expectations and the row masks), rules (aggregate rules and
  judging), summarize (field counts, tabulation, readiness), write (report files);
- **worklist** (1M only): validate with ``--worklist``, the extra seconds it costs.

Wall time is the median of ``--repeat`` runs (default 1; 3 for sizes up to 1M), peak RSS the
largest. The markdown table (with the machine described) replaces the part of --doc between
the ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import COLUMNS, generate  # noqa: E402

FLOOR = """
import sys, pyarrow.parquet as pq, pyarrow.csv as pc
path, cols = sys.argv[1], sys.argv[2].split(",")
if path.endswith(".parquet"):
    t = pq.read_table(path, columns=cols)
else:
    t = pc.read_csv(path, convert_options=pc.ConvertOptions(
        include_columns=cols, column_types={c: "string" for c in cols}))
n = 0
for c in cols:
    n += len(t.column(c).value_counts())
print(t.num_rows, n)
"""

PHASES = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import validator
from validator import timing
from validator import write_reports
t_import = time.perf_counter() - t0
with timing.record() as rec:
    report = validator.validate(sys.argv[1], as_of_date="2026-11-01", dataset="bench")
    t = time.perf_counter()
    write_reports(report, Path(sys.argv[2]), ["json", "md"])
    rec["write"] = time.perf_counter() - t
rec["import"] = t_import
print(json.dumps(rec))
"""


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MiB, stdout) of one command in a fresh process."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "w = time.perf_counter() - t; "
               "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
               "sys.stderr.write(p.stderr); "
               "print(f'{w} {r}'); print(p.stdout, end=''); sys.exit(p.returncode)")
    p = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True,
                       env=env, cwd=ROOT)
    if p.returncode not in (0, 1):
        raise SystemExit(f"benchmark: {' '.join(cmd[:3])} failed ({p.returncode}):\n"
                         f"{p.stderr[-2000:]}")
    first, _, rest = p.stdout.partition("\n")
    wall, rss_kib = first.split()
    return float(wall), int(rss_kib) / 1024, rest


def _rows(size: str) -> int | None:
    """Rows of a size label: 100k, 1M, 10M or a plain number."""
    m = re.fullmatch(r"(\d+)([kM]?)", size)
    if m is None:
        return None
    return int(m.group(1)) * {"": 1, "k": 1_000, "M": 1_000_000}[m.group(2)]


def _median(values: list[float]) -> float:
    return statistics.median(values)


def measure(path: Path, out: Path, repeat: int, worklist: bool) -> dict[str, object]:
    """Every figure for one input file."""
    py = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
    cli = [py, "-m", "validator", "validate", str(path), "--out", str(out / "reports"),
           "--format", "json,md", "--as-of", "2026-11-01", "--dataset", "bench", "-q"]
    floor = [_run([py, "-c", FLOOR, str(path), ",".join(COLUMNS)]) for _ in range(repeat)]
    full = [_run(cli) for _ in range(repeat)]
    phase_runs = [_run([py, "-c", PHASES, str(path), str(out / "phase-reports")])
                  for _ in range(repeat)]
    phases = [json.loads(r[2].strip().splitlines()[-1]) for r in phase_runs]
    row: dict[str, object] = {
        "floor_s": _median([f[0] for f in floor]), "floor_rss": max(f[1] for f in floor),
        "validate_s": _median([f[0] for f in full]), "validate_rss": max(f[1] for f in full),
        "phases": {k: _median([p.get(k, 0.0) for p in phases])
                   for k in ("import", "read", "normalize", "gx", "rules", "summarize",
                             "write")},
    }
    if worklist:
        wl = [_run([*cli, "--worklist", str(out / "worklist.csv")]) for _ in range(repeat)]
        row["worklist_s"] = _median([w[0] for w in wl]) - float(row["validate_s"])  # type: ignore[arg-type]
    return row


def machine() -> str:
    """One line describing the machine."""
    cpu = "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        cpu = re.search(r"model name\s*:\s*(.+)", text).group(1).strip()  # type: ignore[union-attr]
    except (OSError, AttributeError):
        pass
    mem = 0.0
    try:
        kib = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1)  # type: ignore[union-attr]
        mem = int(kib) / 1024**2
    except (OSError, AttributeError):
        pass
    from importlib.metadata import version

    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, pandas "
            f"{version('pandas')}, pyarrow {version('pyarrow')}, great-expectations "
            f"{version('great-expectations')}")


def table(results: list[tuple[str, str, int, dict[str, object]]]) -> str:
    """The markdown table of docs/benchmarks.md."""
    head = ("| rows | format | floor s | validate s | ratio | rows/s | peak RSS MiB "
            "(floor / validate) | import | read | normalize | gx | rules | summarize | write |")
    lines = [head, "|" + "---|" * 14]
    for size, fmt, n, r in results:
        ph = r["phases"]  # type: ignore[index]
        v, f = float(r["validate_s"]), float(r["floor_s"])  # type: ignore[arg-type]
        lines.append(
            f"| {size} | {fmt} | {f:.2f} | {v:.2f} | {v / f:.1f}× | {n / v:,.0f} | "
            f"{float(r['floor_rss']):,.0f} / {float(r['validate_rss']):,.0f} | "  # type: ignore[arg-type]
            + " | ".join(f"{float(ph[k]):.2f}" for k in (  # type: ignore[index]
                "import", "read", "normalize", "gx", "rules", "summarize", "write")) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1M,10M")
    ap.add_argument("--formats", default="parquet,csv")
    ap.add_argument("--out", type=Path, default=HERE / "data")
    ap.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--repeat", type=int, default=None)
    args = ap.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    for s in sizes:
        if _rows(s) is None:
            ap.error(f"unknown size {s!r}: a number of rows with an optional k or M suffix")
    results = []
    worklist: dict[str, float] = {}
    for size in sizes:
        n = _rows(size) or 0
        for fmt in formats:
            path = generate(n, fmt, args.out)
            repeat = args.repeat or (3 if n <= 1_000_000 else 1)
            t = time.perf_counter()
            r = measure(path, args.out / f"{size}-{fmt}", repeat,
                        worklist=(size == "1M" and fmt == "parquet"))
            print(f"{size} {fmt}: floor {r['floor_s']:.2f} s, validate {r['validate_s']:.2f} s"
                  f" ({float(r['validate_s']) / float(r['floor_s']):.1f}×), peak "  # type: ignore[arg-type]
                  f"{float(r['validate_rss']):,.0f} MiB  [{time.perf_counter() - t:.0f} s]",  # type: ignore[arg-type]
                  flush=True)
            if "worklist_s" in r:
                worklist[size] = float(r["worklist_s"])  # type: ignore[arg-type]
            results.append((size, fmt, n, r))
    body = [f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.", "", table(results)]
    if worklist:
        body += ["", "Opt-in worklist (`--worklist`), extra wall time: "
                 + ", ".join(f"{k} Parquet {v:+.2f} s" for k, v in worklist.items()) + "."]
    block = "\n".join(body)
    text = args.doc.read_text(encoding="utf-8") if args.doc.exists() else ""
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin in text and end in text:
        text = text.split(begin)[0] + begin + "\n" + block + "\n" + end + text.split(end)[1]
    else:
        text += f"\n{begin}\n{block}\n{end}\n"
    args.doc.write_text(text, encoding="utf-8")
    print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
