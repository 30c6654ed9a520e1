"""The results table of an earlier run (``--previous PATH``): the tabulation counts
SITE.DISTRIBUTION_SHIFT (R-121) compares the current run's category shares against.

Only the table's ``kind == "tabulation"`` rows are read (record counts per category of a
standard, for the whole input and each stratum; docs/report-schema.md). The file holds counts
and public codes only, never patient data, so a site can keep it beside its reports. Cells
that share-safe mode suppressed (``suppressed`` true, or an empty numerator) are left out of
the comparison, and their table is then skipped as incomplete.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from validator.errors import InputError

REQUIRED_COLUMNS = ("run_id", "stratum", "kind", "field", "category", "numerator", "denominator")


@dataclass(frozen=True)
class PreviousRun:
    """Tabulation counts of an earlier run: (stratum, section) -> {category: records}.

    ``stratum`` is None for the whole input, else the stratum label as written by that run;
    ``section`` is the results-table field (``omb1997.race``, ``spd15_2024.alone``, ...).
    ``incomplete`` holds the (stratum, section) tables with a suppressed or missing cell.
    """

    run_id: str
    tables: Mapping[tuple[str | None, str], Mapping[str, int]]
    incomplete: frozenset[tuple[str | None, str]] = field(default_factory=frozenset)

    def table(self, stratum: str | None, section: str) -> Mapping[str, int] | None:
        """The counts of one table, None when the earlier run has no complete such table."""
        key = (stratum, section)
        if key in self.incomplete:
            return None
        return self.tables.get(key)


def _rows(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (OSError, ValueError) as exc:
            raise InputError(
                f"{path}: not a readable Parquet results table ({exc.__class__.__name__})",
                hint="pass results.csv or results.parquet of an earlier run") from None
        out = []
        for row in table.to_pylist():
            out.append({k: "" if v is None else ("true" if v is True else "false" if v is False
                                                 else str(v)) for k, v in row.items()})
        return out
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 results table",
                         hint="pass results.csv or results.parquet of an earlier run") from None


def load(path: str | Path) -> PreviousRun:
    """Read results.csv / results.parquet of an earlier run (InputError when it is not one)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: previous results table not found",
                         hint="pass results.csv or results.parquet written by an earlier "
                              "`real-validator validate --format csv,parquet`")
    rows = _rows(p)
    missing = [c for c in REQUIRED_COLUMNS if rows and c not in rows[0]]
    if not rows or missing:
        raise InputError(
            f"{p}: not a results table (missing columns: {', '.join(missing) or 'all rows'})",
            hint="pass results.csv or results.parquet written with --format csv,parquet")
    tables: dict[tuple[str | None, str], dict[str, int]] = {}
    incomplete: set[tuple[str | None, str]] = set()
    run_ids = set()
    for r in rows:
        if r["kind"] != "tabulation":
            continue
        run_ids.add(r["run_id"])
        key = (r["stratum"] or None, r["field"])
        if r.get("suppressed", "") == "true" or r["numerator"] == "":
            incomplete.add(key)
            continue
        try:
            tables.setdefault(key, {})[r["category"]] = int(float(r["numerator"]))
        except ValueError:
            raise InputError(f"{p}: numerator {r['numerator']!r} is not a count") from None
    if len(run_ids) > 1:
        raise InputError(f"{p}: holds tabulation rows of {len(run_ids)} runs",
                         hint="pass the results table of one earlier run")
    return PreviousRun(run_id=next(iter(run_ids), ""), tables=tables,
                       incomplete=frozenset(incomplete))
