"""Measure what the opt-in worklist adds to a validation (target: <= 2 s at 1M rows).

Tiles a shipped fixture with seeded defects to --rows rows (patient ids made unique), writes
it as Parquet in a temporary folder, then times, --repeat times each after one warm-up run:
``validate(path)`` and ``validate(path, worklist=Worklist(...))`` followed by
``Worklist.write`` (CSV and Parquet). Prints medians: the end-to-end overhead, and the
worklist stage alone (building rows from the run's masks, hashing, writing), which is less
sensitive to other load on the machine. Writes nothing outside a temporary folder.

    .venv/bin/python scripts/bench_worklist.py                  # 1M rows, canonical fixture
    .venv/bin/python scripts/bench_worklist.py --data pediatric --rows 1000000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import validator  # noqa: E402
from validator.worklist import Worklist  # noqa: E402

DATA = {
    "canonical": (ROOT / "fixtures" / "canonical_3000_seeded_defects.csv", None, "patient_id"),
    "pediatric": (ROOT / "fixtures" / "pediatric" / "registration.csv",
                  ROOT / "fixtures" / "pediatric" / "profile.yaml", "MRN"),
}


def _tiled(source: Path, key: str, rows: int) -> pd.DataFrame:
    base = pd.read_csv(source, dtype=str, keep_default_na=False)
    copies = -(-rows // len(base))
    frame = pd.concat([base] * copies, ignore_index=True).iloc[:rows]
    copy = (pd.RangeIndex(len(frame)) // len(base)).astype(str)
    frame[key] = frame[key] + "-" + copy
    return frame


class _Timed(Worklist):
    """A Worklist that times its own stage (building the rows from the run's masks)."""

    seconds = 0.0

    def collect(self, ctx: object, results: object) -> None:  # type: ignore[override]
        start = time.perf_counter()
        super().collect(ctx, results)  # type: ignore[arg-type]
        self.seconds = time.perf_counter() - start


def _time(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", choices=sorted(DATA), default="canonical")
    ap.add_argument("--max-rows", type=int, default=100_000, help="worklist cap per check")
    args = ap.parse_args()
    source, profile, key = DATA[args.data]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "extract.parquet"
        _tiled(source, key, args.rows).to_parquet(path, index=False)
        opts = {"profile": profile, "as_of_date": "2026-11-01"}
        validator.validate(path, **opts)  # warm-up: imports, value sets
        plain: list[float] = []
        listed: dict[str, list[float]] = {"csv": [], "parquet": []}
        collect: list[float] = []
        stage: dict[str, list[float]] = {"csv": [], "parquet": []}
        written = {}
        for _ in range(args.repeat):
            plain.append(_time(lambda: validator.validate(path, **opts)))
            for fmt in listed:
                wl = _Timed(salt="bench-salt", max_rows=args.max_rows)
                t = _time(lambda wl=wl: validator.validate(path, worklist=wl, **opts))
                start = time.perf_counter()
                written[fmt] = wl.write(Path(tmp) / f"worklist.{fmt}")
                w = time.perf_counter() - start
                listed[fmt].append(t + w)
                stage[fmt].append(wl.seconds + w)
                if fmt == "csv":
                    collect.append(t)
        base = statistics.median(plain)
        print(f"data: {args.data}, {args.rows:,} rows, median of {args.repeat} runs, "
              f"cap {args.max_rows:,} rows per check")
        print(f"validate without worklist:          {base:6.2f} s")
        print(f"validate with worklist (no write):  {statistics.median(collect):6.2f} s "
              f"(+{statistics.median(collect) - base:.2f} s)")
        for fmt, times in listed.items():
            med = statistics.median(times)
            print(f"validate + worklist .{fmt:<8}      {med:6.2f} s (+{med - base:.2f} s), "
                  f"{written[fmt]:,} rows, "
                  f"{(Path(tmp) / f'worklist.{fmt}').stat().st_size / 1e6:.1f} MB")
        for fmt, times in stage.items():
            print(f"worklist stage alone (build + write .{fmt}): "
                  f"{statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
