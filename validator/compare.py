"""``real-validator compare``: the collaborative's side-by-side view of several sites or runs,
read from results tables only (results.csv / results.parquet written by ``validate --format
csv,parquet``, share-safe or not), never from patient data. docs/compare.md documents the
model and the files.

Two modes:

- **compare** (:func:`compare`): one column ("site") per run's whole input and per stratum
  of each run; sections: sites (gate, records), completeness and absent-reason mix per field,
  race/ethnicity categories used (multiracial, MENA, declined, other), respondent mix,
  language granularity, readiness, failing checks, and every check's status.
- **diff** (:func:`diff`): two runs of one dataset, row by row: the change in numerator,
  denominator and percent, and status transitions (worse, better, changed).

Suppressed cells stay suppressed: a cell is copied with its ``suppressed`` flag and its
numbers stay empty; nothing is summed across sites or re-derived. The model is plain frozen
dataclasses with ``to_dict()`` (compare.json / diff.json, ``compare_version`` 1.0); the
renderers (:func:`render_markdown`, :func:`render_csv`, and the HTML report) read only it.

Importing this module is light (no pandas, no Great Expectations); pyarrow is imported only to
read a Parquet input.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator import __version__, formats
from validator.errors import InputError, UsageError

COMPARE_VERSION = "1.0"

#: Columns of a results table (validator/report/results_table.py; tested to stay equal).
COLUMNS = (
    "run_id", "dataset", "stratum", "kind", "check_id", "rule", "field", "category",
    "numerator", "denominator", "percent", "threshold", "warn_threshold", "status",
    "severity", "measure", "tool_version", "profile_version", "suppressed", "min_cell",
)
#: Results-table layouts by version: 1.0 had no ``min_cell`` column.
TABLE_VERSIONS = {"1.1": frozenset(COLUMNS), "1.0": frozenset(COLUMNS) - {"min_cell"}}
KINDS = ("check", "field_count", "tabulation", "readiness")
#: R-135 (CMS QMR): a rate with a denominator below this is not published as reliable.
MIN_DENOMINATOR = 30
#: Status order for diff (worst first); NOT_APPLICABLE and SUPPRESSED are not ordered.
STATUS_ORDER = ("ERROR", "FAIL", "WARN", "PASS_WITH_FINDINGS", "PASS")
ABSENT = ("blank", "unknown", "declined", "not_asked", "asked_unknown", "unable", "other",
          "not_applicable", "unparseable")

#: The categories collaboratives compare: (group, label, tabulation field, category key).
CATEGORY_ROWS = (
    ("multiracial", "More than one race (OMB 1997)", "omb1997.race", "more_than_one_race"),
    ("multiracial", "Multiracial and/or Multiethnic (SPD-15 2024)", "spd15_2024.alone",
     "multiracial_multiethnic"),
    ("mena", "MENA alone (SPD-15 2024)", "spd15_2024.alone", "2118-8"),
    ("mena", "MENA alone or in combination (SPD-15 2024)",
     "spd15_2024.alone_or_in_combination", "2118-8"),
    ("declined", "Race declined", "omb1997.race", "declined"),
    ("declined", "Ethnicity declined", "omb1997.ethnicity", "declined"),
    ("other", "Some other race (2131-1, OMB 1997)", "omb1997.race", "2131-1"),
)


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Run:
    """The rows of one run (one run_id and dataset) of a results table."""

    label: str
    dataset: str
    run_id: str
    tool_version: str
    profile_version: str | None
    table_version: str
    min_cell: int | None
    rows: tuple[Mapping[str, Any], ...]

    @property
    def strata(self) -> list[str]:
        """Stratum labels in table order."""
        return list(dict.fromkeys(r["stratum"] for r in self.rows if r["stratum"] is not None))

    @property
    def share_safe(self) -> bool:
        """Written in share-safe mode (min_cell set, or a suppressed cell)."""
        return self.min_cell is not None or any(r["suppressed"] for r in self.rows)


def _text_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the results table ({exc.strerror})") from None
    if raw.startswith(b"PAR1"):
        return _parquet_rows(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a results table (not UTF-8 text or Parquet)",
                         hint="pass results.csv or results.parquet written by "
                              "`real-validator validate --format csv,parquet`") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    return header, list(reader)


def _parquet_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(f"{path}: not a readable Parquet results table "
                         f"({type(exc).__name__})") from None
    header = list(table.schema.names)
    missing = sorted(TABLE_VERSIONS["1.0"] - set(header))
    if missing:  # do not read the values of a file that is not a results table
        return header, []
    rows = []
    for row in table.to_pylist():
        rows.append({k: "" if v is None else ("true" if v is True else "false" if v is False
                                               else str(v)) for k, v in row.items()})
    return header, rows


def _number(value: str, path: Path, line: int, column: str) -> float | None:
    """The cell as a float (None when empty); InputError naming the row and column."""
    if value in ("", None):
        return None
    try:
        return float(value)
    except ValueError:
        raise InputError(f"{path}: row {line}: {column} is not a number") from None


def _int(value: str, path: Path, line: int, column: str) -> int | None:
    number = _number(value, path, line, column)
    if number is None:
        return None
    if not number.is_integer() or number < 0:
        raise InputError(f"{path}: row {line}: {column} is not a whole count")
    return int(number)


def _float(value: str, path: Path, line: int, column: str) -> float | None:
    number = _number(value, path, line, column)
    return number if number is not None and math.isfinite(number) else None


def _row(raw: Mapping[str, str], path: Path, line: int) -> dict[str, Any]:
    kind = (raw.get("kind") or "").strip()
    if kind not in KINDS:
        raise InputError(f"{path}: row {line}: kind is not one of {', '.join(KINDS)}",
                         hint="is this a results table written by real-validator?")
    suppressed = (raw.get("suppressed") or "").strip().lower()
    if suppressed not in ("true", "false", ""):
        raise InputError(f"{path}: row {line}: suppressed is not true or false")
    out: dict[str, Any] = {c: (raw.get(c) or "").strip() or None for c in COLUMNS}
    out["kind"] = kind
    out["suppressed"] = suppressed == "true"
    for c in ("numerator", "denominator", "min_cell"):
        out[c] = _int(raw.get(c) or "", path, line, c)
    for c in ("percent", "threshold", "warn_threshold"):
        out[c] = _float(raw.get(c) or "", path, line, c)
    return out


def read_results(path: str | Path) -> list[Run]:
    """The runs of one results table (usually one). InputError (exit 2), naming the file, when
    it is not a results table."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: results table not found",
                         hint="pass results.csv or results.parquet written by "
                              "`real-validator validate --format csv,parquet`")
    header, raw_rows = _text_rows(p)
    present = set(header)
    version = next((v for v, cols in TABLE_VERSIONS.items() if cols <= present), None)
    if version is None:
        missing = sorted(TABLE_VERSIONS["1.0"] - present)
        raise InputError(f"{p}: not a results table (missing columns: {', '.join(missing)})",
                         hint="pass results.csv or results.parquet written by "
                              "`real-validator validate --format csv,parquet`; compare "
                              "never reads patient data")
    if not raw_rows:
        raise InputError(f"{p}: the results table has no rows")
    rows = [_row(r, p, i) for i, r in enumerate(raw_rows, start=2)]
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if not r["run_id"] or not r["dataset"]:
            raise InputError(f"{p}: a row has no run_id or dataset")
        runs.setdefault((r["run_id"], r["dataset"]), []).append(r)
    out = []
    for (run_id, dataset), rs in runs.items():
        tools = sorted({r["tool_version"] or "" for r in rs})
        if len(tools) > 1:
            raise InputError(f"{p}: run {run_id} mixes tool versions {', '.join(tools)}")
        _check_unique(p, rs)
        cells = {r["min_cell"] for r in rs}
        out.append(Run(label=dataset, dataset=dataset, run_id=run_id, tool_version=tools[0],
                       profile_version=rs[0]["profile_version"], table_version=version,
                       min_cell=next(iter(cells)) if len(cells) == 1 else None,
                       rows=tuple(rs)))
    return out


def _key(r: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a row is about (a readiness row's category is its verdict, not part of it)."""
    category = None if r["kind"] == "readiness" else r["category"]
    return (r["kind"], r["stratum"], r["check_id"], r["field"], category)


def _check_unique(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    seen: set[tuple[Any, ...]] = set()
    for r in rows:
        k = _key(r)
        if k in seen:
            raise InputError(f"{path}: run {r['run_id']} has two rows for {k[0]} "
                             f"{k[2] or k[3] or ''} {k[4] or ''} (stratum {k[1] or 'whole'})",
                             hint="pass each run's results table once")
        seen.add(k)


def load_runs(paths: Sequence[str | Path], labels: Sequence[str] | None = None,
              allow_mixed_versions: bool = False) -> list[Run]:
    """Read every results table; label the runs; refuse mixed tool or table versions."""
    if not paths:
        raise UsageError("no results table given", hint="real-validator compare A.csv B.csv")
    runs = [run for p in paths for run in read_results(p)]
    tools = sorted({r.tool_version for r in runs})
    tables = sorted({r.table_version for r in runs})
    if not allow_mixed_versions and (len(tools) > 1 or len(tables) > 1):
        what = (f"tool versions {', '.join(tools)}" if len(tools) > 1 else
                f"results-table versions {', '.join(tables)}")
        raise InputError(f"the results tables come from different {what}",
                         hint="check ids and counts may differ between versions: rerun the "
                              "sites with one version, or pass --allow-mixed-versions")
    if labels:
        if len(labels) != len(runs):
            raise UsageError(f"--labels gives {len(labels)} labels for {len(runs)} runs",
                             hint="one label per run, in the order of the files")
        runs = [_relabel(r, lab) for r, lab in zip(runs, labels, strict=True)]
    seen: dict[str, int] = {}
    for r in runs:
        seen[r.label] = seen.get(r.label, 0) + 1
    return [r if seen[r.label] == 1 else _relabel(r, f"{r.label} ({r.run_id[:8]})")
            for r in runs]


def _relabel(run: Run, label: str) -> Run:
    return Run(label=label, dataset=run.dataset, run_id=run.run_id,
               tool_version=run.tool_version, profile_version=run.profile_version,
               table_version=run.table_version, min_cell=run.min_cell, rows=run.rows)


# ------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Cell:
    """One number of one site: as published (suppressed numbers stay None)."""

    numerator: int | None = None
    denominator: int | None = None
    percent: float | None = None
    status: str | None = None
    suppressed: bool = False
    verdict: str | None = None  # readiness rows: READY, READY WITH CAVEATS, NOT READY

    @property
    def small_denominator(self) -> bool:
        """A rate on fewer than 30 records (R-135: not reliable enough to publish)."""
        return self.denominator is not None and 0 < self.denominator < MIN_DENOMINATOR

    @property
    def used(self) -> bool | None:
        """At least one record (a suppressed count is 1 or more: zeros are never
        suppressed); None when unknown."""
        if self.numerator is not None:
            return self.numerator > 0
        return True if self.suppressed else None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        out = {"numerator": self.numerator, "denominator": self.denominator,
               "percent": self.percent, "status": self.status, "suppressed": self.suppressed,
               "small_denominator": self.small_denominator, "used": self.used}
        if self.verdict is not None:
            out["verdict"] = self.verdict
        return out


def _cell(r: Mapping[str, Any] | None) -> Cell | None:
    if r is None:
        return None
    if r["kind"] == "readiness":  # numerator = reasons, denominator = criteria: not a rate
        return Cell(r["numerator"], r["denominator"], None, r["status"], bool(r["suppressed"]),
                    r["category"])
    pct = r["percent"]
    if pct is None and r["numerator"] is not None and r["denominator"]:
        pct = 100.0 * r["numerator"] / r["denominator"]
    return Cell(r["numerator"], r["denominator"], pct, r["status"], bool(r["suppressed"]))


@dataclass(frozen=True)
class Site:
    """One column of the comparison: a run's whole input, or one stratum of a run."""

    id: str
    label: str
    dataset: str
    run_id: str
    stratum: str | None
    tool_version: str
    profile_version: str | None
    share_safe: bool
    min_cell: int | None
    records: int | None
    verdict: str
    failing: tuple[str, ...]
    statuses: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"id": self.id, "label": self.label, "dataset": self.dataset,
                "run_id": self.run_id, "stratum": self.stratum,
                "tool_version": self.tool_version, "profile_version": self.profile_version,
                "share_safe": self.share_safe, "min_cell": self.min_cell,
                "records": self.records, "verdict": self.verdict,
                "failing": list(self.failing), "statuses": dict(self.statuses)}


@dataclass(frozen=True)
class Row:
    """One line of a section: what is compared (key) and its cell per site id."""

    key: Mapping[str, Any]
    cells: Mapping[str, Cell | None]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (a site without the row has null)."""
        return {**dict(self.key),
                "cells": {s: (c.to_dict() if c else None) for s, c in self.cells.items()}}


@dataclass(frozen=True)
class Comparison:
    """compare.json: sites and sections of rows (docs/compare.md)."""

    sites: tuple[Site, ...]
    sections: Mapping[str, tuple[Row, ...]]
    notes: tuple[str, ...] = ()
    version: str = COMPARE_VERSION
    tool_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """The compare.json document."""
        return {"compare_version": self.version, "mode": "compare",
                "tool": {"name": "real-validator", "version": self.tool_version},
                "sites": [s.to_dict() for s in self.sites],
                "sections": {name: [r.to_dict() for r in rows]
                             for name, rows in self.sections.items()},
                "notes": list(self.notes)}


SECTION_TITLES = {
    "completeness": "Completeness: informative share per field",
    "absent_reasons": "Absent-reason mix per field",
    "categories": "Categories used: multiracial, MENA, declined, other",
    "respondent": "Respondent mix (who answered)",
    "language": "Language granularity (LANG.* checks)",
    "readiness": "Stratification readiness",
    "checks": "Every check: status per site",
}


def _units(runs: Sequence[Run]) -> list[tuple[Site, dict[tuple[Any, ...], dict[str, Any]]]]:
    """Sites (whole input, then each stratum of each run) with their rows by key (the key
    without the stratum)."""
    out = []
    for run in runs:
        strata = run.strata
        if len(strata) == 1:  # one stratum holds the whole input: the same column twice
            strata = []
        for stratum in (None, *strata):
            rows = {(k[0], *k[2:]): r for r in run.rows if r["stratum"] == stratum
                    for k in [_key(r)]}
            label = run.label if stratum is None else f"{run.label} · {stratum}"
            site = _site(f"s{len(out) + 1}", label, run, stratum, rows)
            out.append((site, rows))
    return out


def _site(sid: str, label: str, run: Run, stratum: str | None,
          rows: Mapping[tuple[Any, ...], Mapping[str, Any]]) -> Site:
    checks = [r for k, r in rows.items() if k[0] == "check"]
    statuses: dict[str, int] = {}
    for r in checks:
        if r["status"]:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    failing = tuple(sorted(
        (r["check_id"] if not r["field"] else f"{r['check_id']}[{r['field']}]")
        for r in checks if r["status"] == "ERROR"
        or (r["status"] == "FAIL" and r["severity"] == "critical")))
    hidden = any(r["status"] == "SUPPRESSED" and r["severity"] == "critical" for r in checks)
    verdict = ("FAILED" if failing else "UNKNOWN" if hidden or not checks else "PASSED")
    records = next((r["denominator"] for k, r in rows.items()
                    if k[:2] == ("check", "DATASET.NOT_EMPTY")), None)
    if records is None:
        records = next((r["denominator"] for k, r in rows.items()
                        if k[0] == "field_count" and r["denominator"] is not None), None)
    return Site(sid, label, run.dataset, run.run_id, stratum, run.tool_version,
                run.profile_version, run.share_safe, run.min_cell, records, verdict, failing,
                statuses)


def _section(units: Sequence[tuple[Site, Mapping[tuple[Any, ...], Mapping[str, Any]]]],
             keys: Iterable[tuple[Mapping[str, Any], tuple[Any, ...]]]) -> tuple[Row, ...]:
    out = []
    for key, rkey in keys:
        cells = {site.id: _cell(rows.get(rkey)) for site, rows in units}
        if any(c is not None for c in cells.values()):
            out.append(Row(key, cells))
    return tuple(out)


def _all_keys(units: Sequence[tuple[Site, Mapping[tuple[Any, ...], Any]]], kind: str
              ) -> list[tuple[Any, ...]]:
    return list(dict.fromkeys(k for _, rows in units for k in rows if k[0] == kind))


def _field_order(keys: Iterable[tuple[Any, ...]]) -> list[str]:
    return list(dict.fromkeys(k[2] for k in keys))


def compare(runs: Sequence[Run]) -> Comparison:
    """The side-by-side model of ``runs`` (see the module docstring)."""
    units = _units(runs)
    counts = _all_keys(units, "field_count")
    fields = _field_order(counts)
    checks = _all_keys(units, "check")
    sections: dict[str, tuple[Row, ...]] = {
        "completeness": _section(units, (
            ({"field": f, "category": "informative"}, ("field_count", None, f, "informative"))
            for f in fields)),
        "absent_reasons": _section(units, (
            ({"field": k[2], "category": k[3]}, k) for k in counts if k[3] != "informative"
            and k[3] in ABSENT)),
        "categories": _section(units, (
            ({"group": g, "label": label, "field": f, "category": c}, ("tabulation", None, f, c))
            for g, label, f, c in CATEGORY_ROWS)),
        "respondent": _section(units, [
            *(({"kind": "field_count", "field": k[2], "category": k[3]}, k) for k in counts
              if k[2].endswith("_respondent")),
            *(({"kind": "check", "check_id": k[1], "field": k[2]}, k) for k in checks
              if k[1].startswith("RESP."))]),
        "language": _section(units, (
            ({"check_id": k[1], "field": k[2]}, k) for k in checks if k[1].startswith("LANG."))),
        "readiness": _section(units, (
            ({"stratifier": k[2]}, k) for k in _all_keys(units, "readiness"))),
        "checks": _section(units, (({"check_id": k[1], "field": k[2]}, k) for k in checks)),
    }
    notes = _notes(runs)
    return Comparison(tuple(site for site, _ in units), sections, tuple(notes))


def _notes(runs: Sequence[Run]) -> list[str]:
    notes = []
    if any(r.share_safe for r in runs):
        cells = sorted({r.min_cell for r in runs if r.min_cell is not None})
        notes.append("share-safe input: suppressed cells stay suppressed"
                     + (f" (min cell {', '.join(map(str, cells))})" if cells else ""))
    if any(not r.share_safe for r in runs):
        notes.append("some inputs are not share-safe: do not publish this comparison as is")
    if not any(r["kind"] == "readiness" for run in runs for r in run.rows):
        notes.append("no readiness rows in the inputs (written by an earlier version)")
    if len({r.tool_version for r in runs}) > 1:
        notes.append("inputs come from different tool versions (--allow-mixed-versions)")
    return notes


# --------------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class Change:
    """One row of two runs of one dataset."""

    kind: str
    stratum: str | None
    check_id: str | None
    field: str | None
    category: str | None
    old: Cell | None
    new: Cell | None

    @property
    def delta_numerator(self) -> int | None:
        """new - old numerator (None when either is missing or suppressed)."""
        return _delta(self.old and self.old.numerator, self.new and self.new.numerator)

    @property
    def delta_denominator(self) -> int | None:
        """new - old denominator."""
        return _delta(self.old and self.old.denominator, self.new and self.new.denominator)

    @property
    def delta_percent(self) -> float | None:
        """new - old percent, in percentage points."""
        return _delta(self.old and self.old.percent, self.new and self.new.percent)

    @property
    def transition(self) -> str | None:
        """``OLD→NEW`` status when it changed."""
        a, b = self.old and self.old.status, self.new and self.new.status
        return f"{a or '–'}→{b or '–'}" if a != b and (a or b) else None

    @property
    def change(self) -> str:
        """added, removed, worse, better, changed, suppressed or same."""
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        a, b = self.old.status, self.new.status
        if a != b and a in STATUS_ORDER and b in STATUS_ORDER:
            return "worse" if STATUS_ORDER.index(b) < STATUS_ORDER.index(a) else "better"
        if a != b:
            return "changed"
        if self.old.suppressed or self.new.suppressed:
            same = (self.old.numerator, self.old.denominator) == (
                self.new.numerator, self.new.denominator)
            return "suppressed" if not same or self.old.suppressed != self.new.suppressed \
                else "same"
        if (self.old.numerator, self.old.denominator) != (self.new.numerator,
                                                          self.new.denominator):
            return "changed"
        return "same"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"kind": self.kind, "stratum": self.stratum, "check_id": self.check_id,
                "field": self.field, "category": self.category,
                "old": self.old.to_dict() if self.old else None,
                "new": self.new.to_dict() if self.new else None,
                "delta_numerator": self.delta_numerator,
                "delta_denominator": self.delta_denominator,
                "delta_percent": self.delta_percent, "transition": self.transition,
                "change": self.change}


def _delta(a: Any, b: Any) -> Any:
    return None if a is None or b is None else b - a


@dataclass(frozen=True)
class Diff:
    """diff.json: two runs of one dataset, row by row (docs/compare.md)."""

    old: Site
    new: Site
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    version: str = COMPARE_VERSION
    tool_version: str = __version__

    @property
    def summary(self) -> dict[str, int]:
        """Rows per change class."""
        out = {k: 0 for k in ("worse", "better", "changed", "suppressed", "added", "removed",
                              "same")}
        for c in self.changes:
            out[c.change] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The diff.json document."""
        return {"compare_version": self.version, "mode": "diff",
                "tool": {"name": "real-validator", "version": self.tool_version},
                "old": self.old.to_dict(), "new": self.new.to_dict(),
                "summary": self.summary, "changes": [c.to_dict() for c in self.changes],
                "notes": list(self.notes)}


def diff(old: Run, new: Run) -> Diff:
    """Row-by-row changes between two runs of one dataset."""
    if old.dataset != new.dataset:
        raise UsageError(f"--diff compares two runs of one dataset, not {old.dataset!r} and "
                         f"{new.dataset!r}", hint="use compare (without --diff) for sites")
    before = {_key(r): r for r in old.rows}
    after = {_key(r): r for r in new.rows}
    changes = [Change(k[0], k[1], k[2], k[3], k[4], _cell(before.get(k)), _cell(after.get(k)))
               for k in dict.fromkeys([*before, *after])]
    sites = [_units([r])[0][0] for r in (old, new)]
    notes = _notes([old, new])
    if old.profile_version != new.profile_version:
        notes.append(f"profile version changed: {old.profile_version} → {new.profile_version}")
    return Diff(_with_id(sites[0], "old"), _with_id(sites[1], "new"), tuple(changes),
                tuple(notes))


def _with_id(site: Site, sid: str) -> Site:
    return Site(sid, site.label, site.dataset, site.run_id, site.stratum, site.tool_version,
                site.profile_version, site.share_safe, site.min_cell, site.records,
                site.verdict, site.failing, site.statuses)


# ------------------------------------------------------------------------------ renderers


def render_json(model: Comparison | Diff) -> str:
    """compare.json / diff.json text."""
    return json.dumps(model.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _pct(value: float | None) -> str:
    from validator.judge import format_percent

    return "–" if value is None else format_percent(value)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def cell_text(c: Cell | None, *, show_status: bool = False) -> str:
    """How a cell reads in compare.md (also usable by other renderers)."""
    if c is None:
        return "·"
    if c.verdict is not None:
        return c.verdict
    if c.suppressed and (c.numerator is None or c.denominator is None):
        text = "suppressed"
    elif c.numerator is None:
        text = "–"
    else:
        text = f"{_n(c.numerator)}/{_n(c.denominator)}"
        if c.percent is not None:
            text = f"{_pct(c.percent)} ({text})"
        if c.small_denominator:
            text += " ‡"
    if show_status and c.status:
        text = f"{c.status} {text}" if text not in ("–",) else c.status
    return text


def _table(model: Comparison, rows: Sequence[Row], head: Sequence[str],
           label: Any, *, show_status: bool = False) -> list[str]:
    cols = [s.id for s in model.sites]
    lines = ["| " + " | ".join([*head, *(_md(s.label) for s in model.sites)]) + " |",
             "|" + "---|" * (len(head) + len(cols))]
    for r in rows:
        cells = [cell_text(r.cells.get(s), show_status=show_status) for s in cols]
        lines.append("| " + " | ".join([*label(r), *cells]) + " |")
    return [*lines, ""]


def _sites_md(model: Comparison) -> list[str]:
    lines = ["## Sites", "", "| site | dataset | stratum | run | records | verdict | "
             "critical FAIL / ERROR | share-safe |", "|---|---|---|---|---|---|---|---|"]
    for s in model.sites:
        lines.append(
            f"| {_md(s.label)} | {_md(s.dataset)} | {_md(s.stratum or 'whole input')} | "
            f"`{s.run_id}` | {_n(s.records) if s.records is not None else 'suppressed'} | "
            f"{s.verdict} | {_md(', '.join(s.failing) or '–')} | "
            f"{'yes' if s.share_safe else 'no'} |")
    return [*lines, ""]


def render_markdown(model: Comparison | Diff) -> str:
    """compare.md / diff.md text."""
    if isinstance(model, Diff):
        return _render_diff_md(model)
    lines = ["# REaL data quality: site comparison", "",
             f"{len(model.sites)} sites · compare {model.version} · real-validator "
             f"{model.tool_version}", ""]
    lines += [f"- {_md(n)}" for n in model.notes]
    lines += ["", "Cells read `percent (numerator/denominator)`; **suppressed**: a count of 1 "
              "to 10 or one that would reveal it (share-safe input); `‡`: denominator below "
              f"{MIN_DENOMINATOR} (R-135: not a reliable rate); `·`: not in that run.", ""]
    lines += _sites_md(model)
    for name, rows in model.sections.items():
        if not rows:
            continue
        lines += [f"## {SECTION_TITLES[name]}", ""]
        if name in ("completeness",):
            lines += _table(model, rows, ["field"], lambda r: [f"`{r.key['field']}`"])
        elif name == "absent_reasons":
            shown = [r for r in rows if any(c is not None and c.numerator != 0
                                            for c in r.cells.values())]
            lines += _table(model, shown, ["field", "absent reason"],
                            lambda r: [f"`{r.key['field']}`", r.key["category"]])
            lines += ["Absent reasons that are 0 at every site are left out here "
                      "(compare.json and compare.csv list them).", ""]
        elif name == "categories":
            lines += _table(model, rows, ["category"], lambda r: [_md(r.key["label"])])
            lines += ["A category with 0 records at a site is never used there (is it "
                      "offered?); a suppressed count is at least 1.", ""]
        elif name == "respondent":
            lines += _table(model, rows, ["row"], lambda r: [
                f"`{r.key['field']}` {r.key.get('category') or r.key.get('check_id')}"],
                show_status=True)
        elif name == "readiness":
            lines += _table(model, rows, ["stratifier"], lambda r: [f"`{r.key['stratifier']}`"],
                            show_status=True)
        else:
            lines += _table(model, rows, ["check", "field"],
                            lambda r: [f"`{r.key['check_id']}`", _md(r.key["field"] or "–")],
                            show_status=True)
    return "\n".join(lines) + "\n"


def _render_diff_md(d: Diff) -> str:
    s = d.summary
    lines = ["# REaL data quality: two runs of one dataset", "",
             f"Dataset `{_md(d.old.dataset)}`: run `{d.old.run_id}` → `{d.new.run_id}` · "
             f"real-validator {d.tool_version}", ""]
    lines += [f"- {_md(n)}" for n in d.notes]
    lines += ["", "| worse | better | changed | suppressed | added | removed | same |",
              "|---|---|---|---|---|---|---|",
              f"| {s['worse']} | {s['better']} | {s['changed']} | {s['suppressed']} | "
              f"{s['added']} | {s['removed']} | {s['same']} |", ""]
    transitions = [c for c in d.changes if c.transition and c.kind == "check"]
    order = {"worse": 0, "better": 1, "changed": 2, "added": 3, "removed": 4}
    transitions.sort(key=lambda c: (order.get(c.change, 5), c.stratum or "", c.check_id or ""))
    lines += ["## Status transitions", ""]
    if not transitions:
        lines += ["None.", ""]
    else:
        lines += ["| change | stratum | check | field | status | old | new |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {c.change} | {_md(c.stratum or 'whole input')} | `{c.check_id}` | "
                  f"{_md(c.field or '–')} | {c.transition} | {cell_text(c.old)} | "
                  f"{cell_text(c.new)} |" for c in transitions]
        lines.append("")
    moved = [c for c in d.changes if c.change in ("changed", "worse", "better", "suppressed")
             and not c.transition]
    moved.sort(key=lambda c: -abs(c.delta_percent or 0))
    lines += ["## Counts that changed (largest percent change first)", ""]
    if not moved:
        lines += ["None.", ""]
    else:
        lines += ["| kind | stratum | check / field | category | old | new | Δ pp |",
                  "|---|---|---|---|---|---|---|"]
        for c in moved:
            what = c.check_id or c.field or "–"
            if c.check_id and c.field:
                what = f"{c.check_id} · {c.field}"
            delta = "–" if c.delta_percent is None else f"{c.delta_percent:+.2f}"
            lines.append(f"| {c.kind} | {_md(c.stratum or 'whole input')} | {_md(what)} | "
                         f"{_md(c.category or '–')} | {cell_text(c.old)} | {cell_text(c.new)} "
                         f"| {delta} |")
        lines.append("")
    return "\n".join(lines)


CSV_COLUMNS = ("section", "site", "label", "dataset", "stratum", "run_id", "check_id", "field",
               "category", "numerator", "denominator", "percent", "status", "suppressed",
               "small_denominator", "used")
DIFF_COLUMNS = ("kind", "stratum", "check_id", "field", "category", "old_numerator",
                "old_denominator", "old_percent", "old_status", "old_suppressed",
                "new_numerator", "new_denominator", "new_percent", "new_status",
                "new_suppressed", "delta_numerator", "delta_denominator", "delta_percent",
                "transition", "change")


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def render_csv(model: Comparison | Diff) -> str:
    """compare.csv (one row per section row and site) or diff.csv (one row per change)."""
    out = io.StringIO()
    if isinstance(model, Diff):
        w = csv.writer(out, lineterminator="\n")
        w.writerow(DIFF_COLUMNS)
        for c in model.changes:
            o, n = c.old or Cell(), c.new or Cell()
            w.writerow([_csv_value(v) for v in (
                c.kind, c.stratum, c.check_id, c.field, c.category,
                o.numerator, o.denominator, o.percent, o.status, o.suppressed if c.old else None,
                n.numerator, n.denominator, n.percent, n.status, n.suppressed if c.new else None,
                c.delta_numerator, c.delta_denominator, c.delta_percent, c.transition,
                c.change)])
        return out.getvalue()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    sites = {s.id: s for s in model.sites}
    for name, rows in model.sections.items():
        for r in rows:
            for sid, c in r.cells.items():
                if c is None:
                    continue
                s = sites[sid]
                category = r.key.get("category")
                if name == "readiness":
                    category = None
                w.writerow([_csv_value(v) for v in (
                    name, sid, s.label, s.dataset, s.stratum, s.run_id, r.key.get("check_id"),
                    r.key.get("field") or r.key.get("stratifier"), category, c.numerator,
                    c.denominator, c.percent, c.status, c.suppressed, c.small_denominator,
                    c.used)])
    return out.getvalue()


def render_html(model: Comparison | Diff) -> str:
    """compare.html / diff.html: one self-contained page, side-by-side charts per site
    (validator/report/compare_html.py; imported here only when asked for)."""
    from validator.report.compare_html import render_compare_html

    return render_compare_html(model)


RENDERERS = {"json": render_json, "md": render_markdown, "csv": render_csv,
             "html": render_html}
EXTENSIONS = {"json": "json", "md": "md", "csv": "csv", "html": "html"}


def parse_formats(value: str) -> list[str]:
    """Formats from ``"json,md,csv"``; UsageError naming an unknown one."""
    return formats.choose(value, RENDERERS, what="compare", example="json,md,csv",
                          aliases={"markdown": "md"})


def write(model: Comparison | Diff, out_dir: str | Path, formats: Sequence[str]) -> list[Path]:
    """Render ``formats`` into ``out_dir`` (compare.* or diff.*), atomically."""
    from validator.report import write_into

    stem = "diff" if isinstance(model, Diff) else "compare"
    rendered = [(Path(out_dir) / f"{stem}.{EXTENSIONS[f]}", RENDERERS[f](model))
                for f in formats]
    write_into(out_dir, rendered, "the comparison")
    return [p for p, _ in rendered]


__all__ = ["COLUMNS", "COMPARE_VERSION", "Cell", "Change", "Comparison", "Diff", "Row",
           "Run", "Site", "compare", "diff", "load_runs", "read_results",
           "render_csv", "render_json", "render_markdown", "write"]
