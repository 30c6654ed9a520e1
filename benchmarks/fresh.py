"""Run a benchmark measurement in fresh processes and keep the fastest (shared by
bench_postgres.py and bench_spark.py): each child prints one JSON line with a "total"."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence


def best_of(command: Sequence[str], repeat: int) -> dict:
    """The JSON result with the smallest "total" of ``repeat`` runs of ``command``."""
    best = None
    for _ in range(repeat):
        proc = subprocess.run(list(command), capture_output=True, text=True, check=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if best is None or result["total"] < best["total"]:
            best = result
    assert best is not None
    return best
