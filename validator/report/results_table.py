"""The long-format results table (results.csv / results.parquet): one row per number a site
may share, keyed so that results of many sites and runs can be stacked and compared.

Row kinds:
    check        one check on one field, for the whole input or one stratum
    field_count  rows of a field in one absent-reason state (category), per stratum
    tabulation   records in one category of a standard (category = its key), per stratum
    readiness    one stratifier's readiness verdict (field = stratifier, category = verdict;
                 numerator = reasons, denominator = criteria evaluated; whole input only)

Counts only: no identifier, no free text, no value list. ``suppressed`` is set by share-safe
mode (``--share-safe``, validator/share_safe.py) on every row with a suppressed number (its
numerator and/or denominator is empty, and so is its percent; a check's status may read
SUPPRESSED); ``min_cell`` is then the smallest count shown (11), empty otherwise.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from validator.results import Report

COLUMNS = (
    "run_id", "dataset", "stratum", "kind", "check_id", "rule", "field", "category",
    "numerator", "denominator", "percent", "threshold", "warn_threshold", "status",
    "severity", "measure", "tool_version", "profile_version", "suppressed", "min_cell",
)
SCHEMA = pa.schema([
    ("run_id", pa.string()), ("dataset", pa.string()), ("stratum", pa.string()),
    ("kind", pa.string()), ("check_id", pa.string()), ("rule", pa.string()),
    ("field", pa.string()), ("category", pa.string()), ("numerator", pa.int64()),
    ("denominator", pa.int64()), ("percent", pa.float64()), ("threshold", pa.float64()),
    ("warn_threshold", pa.float64()), ("status", pa.string()), ("severity", pa.string()),
    ("measure", pa.string()), ("tool_version", pa.string()), ("profile_version", pa.string()),
    ("suppressed", pa.bool_()), ("min_cell", pa.int64()),
])


def _base(report: Report) -> dict[str, Any]:
    return {
        "run_id": report.run["run_id"], "dataset": report.dataset["name"],
        "tool_version": report.tool_version, "profile_version": report.profile.get("version"),
        "suppressed": False, "min_cell": (report.run.get("share_safe") or {}).get("min_cell"),
    }


def _percent(n: int | None, d: int | None) -> float | None:
    return 100.0 * n / d if n is not None and d else None


def _blank() -> dict[str, Any]:
    return {c: None for c in COLUMNS}


def _checks(report: Report, base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for r in report.results:
        yield {**_blank(), **base, "stratum": r.stratum, "kind": "check",
               "check_id": r.check_id, "rule": r.rule, "field": r.field,
               "numerator": r.numerator, "denominator": r.denominator, "percent": r.percent,
               "threshold": r.threshold, "warn_threshold": r.warn_threshold,
               "status": r.status.value, "severity": r.severity.value,
               "measure": r.measure.value,
               "suppressed": bool(getattr(r, "suppressed", ()))}


def _field_counts(report: Report, base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for f in (*report.fields, *report.field_strata):
        if not f.present:
            continue
        hidden = set(getattr(f, "suppressed", ()))
        for category, n in f.counts.items():
            yield {**_blank(), **base, "stratum": f.stratum, "kind": "field_count",
                   "field": f.field, "category": category, "numerator": n,
                   "denominator": f.rows, "percent": _percent(n, f.rows),
                   "suppressed": category in hidden or "rows" in hidden}


def _tabulation(report: Report, base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for table in report.tabulation.get("tables", []):
        rows = table.get("rows")
        for section, entries in table.get("sections", {}).items():
            for e in entries:
                yield {**_blank(), **base, "stratum": table.get("stratum"),
                       "kind": "tabulation", "field": f"{table['standard']}.{section}",
                       "category": e["key"], "numerator": e["count"], "denominator": rows,
                       "percent": _percent(e["count"], rows),
                       "suppressed": bool(e.get("suppressed")) or (
                           rows is None and "share_safe" in report.run)}


#: Readiness verdict -> the status column of its row.
READINESS_STATUS = {"READY": "PASS", "READY WITH CAVEATS": "WARN", "NOT READY": "FAIL"}


def _readiness(report: Report, base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for s in report.readiness:
        evaluated = [c for c in s["criteria"] if c["outcome"] != "not_evaluated"]
        yield {**_blank(), **base, "kind": "readiness", "field": s["stratifier"],
               "category": s["verdict"], "numerator": len(s["reasons"]),
               "denominator": len(evaluated), "status": READINESS_STATUS[s["verdict"]]}


def rows(report: Report) -> list[dict[str, Any]]:
    """Every row of the results table, in a stable order."""
    base = _base(report)
    return [*_checks(report, base), *_field_counts(report, base), *_tabulation(report, base),
            *_readiness(report, base)]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def render_csv(report: Report) -> str:
    """results.csv text (header, `\\n` line ends, empty cells for missing values)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows(report):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def to_arrow(report: Report) -> pa.Table:
    """The results table as Arrow (the Parquet file's content)."""
    data = rows(report)
    return pa.Table.from_pylist(data, schema=SCHEMA)


def render_parquet(report: Report) -> bytes:
    """results.parquet bytes."""
    sink = pa.BufferOutputStream()
    pq.write_table(to_arrow(report), sink)
    return sink.getvalue().to_pybytes()
