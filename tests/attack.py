"""An independent attacker for share-safe reports (used by tests/test_share_safe.py).

It reads what a share-safe report publishes (report.json as a dict) and tries to recover every
suppressed count, with more knowledge than any real reader has: it knows every additive
relation of the report (field categories sum to rows; rows are the same for every field of a
stratum and equal the tabulation's rows; exclusive tabulation sections and sources sum to the
rows; a check's denominator is its numerator plus its complement; the whole input is the sum
of the strata), every identity between two series or between a series and a sum of one field's
categories that holds in the whole input and every stratum and can hold by definition (the two
count the same kind of data: race counts with race counts and checks on race fields, never a
race count with an ethnicity count; it is told them from the original report, as if it knew
every check's definition), that suppressed counts are >= 1 (zeros are
shown), what a published status implies (the threshold bands, numerator 0 or complement 0 for
PASS) and what a published percent implies. It then solves, for every suppressed cell and for
every check complement of 1 to 10, the smallest and largest value consistent with all of that
(integer linear programs, scipy's HiGHS). A cell is recovered when the two are equal.

The code shares nothing with validator/share_safe.py.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

Key = tuple[Any, ...]
EXCLUSIVE = ("race", "ethnicity", "alone")


def _field_cells(doc: Mapping[str, Any], out: dict[Key, int | None]) -> None:
    for name, f in doc["fields"].items():
        if f["present"]:
            out[("field_rows", name, None)] = f["rows"]
            for cat, n in f["counts"].items():
                out[("field", name, None, cat)] = n
    for s, fields in doc.get("fields_by_stratum", {}).items():
        for name, counts in fields.items():
            out[("field_rows", name, s)] = counts["rows"]
            for cat, n in counts.items():
                if cat != "rows":
                    out[("field", name, s, cat)] = n


def _tab_cells(doc: Mapping[str, Any], out: dict[Key, int | None]) -> None:
    for t in doc.get("tabulation", {}).get("tables", []):
        std, s = t["standard"], t["stratum"]
        out[("tab_rows", std, s)] = t["rows"]
        for k, v in t["sources"].items():
            out[("tab_src", std, s, k)] = v
        for section, entries in t["sections"].items():
            for e in entries:
                out[("tab", std, s, section, e["key"])] = e["count"]


def cells(doc: Mapping[str, Any]) -> dict[Key, int | None]:
    """Every count of a report.json document (None where suppressed)."""
    out: dict[Key, int | None] = {("rows", None): doc["dataset"]["rows"]}
    _field_cells(doc, out)
    for r in doc["results"]:
        if r["numerator"] is None and r["denominator"] is None and not r.get("suppressed"):
            continue  # no measurement at all
        base = ("check", r["check_id"], r["field"], r["stratum"])
        out[(*base, "numerator")] = r["numerator"]
        out[(*base, "denominator")] = r["denominator"]
    _tab_cells(doc, out)
    return out


def _strata(doc: Mapping[str, Any]) -> list[str | None]:
    return [None, *doc.get("fields_by_stratum", {})]


def _series(keys: Iterable[Key]) -> dict[Key, dict[str | None, Key]]:
    """Group keys by everything but the stratum."""
    out: dict[Key, dict[str | None, Key]] = defaultdict(dict)
    for k in keys:
        if k[0] == "rows":
            out[("rows",)][k[1]] = k
        elif k[0] in ("field_rows",):
            out[(k[0], k[1])][k[2]] = k
        elif k[0] == "field":
            out[("field", k[1], k[3])][k[2]] = k
        elif k[0] == "check":
            out[("check", k[1], k[2], k[4])][k[3]] = k
        elif k[0] == "tab_rows":
            out[("tab_rows", k[1])][k[2]] = k
        elif k[0] == "tab_src":
            out[("tab_src", k[1], k[3])][k[2]] = k
        elif k[0] == "tab":
            out[("tab", k[1], k[3], k[4])][k[2]] = k
    return out


def truth_of(original: Mapping[str, Any]) -> dict[Key, int | None]:
    """Every count of the original report, check complements included."""
    truth = cells(original)
    for r in original["results"]:
        if r["numerator"] is not None and r["denominator"] is not None:
            base = ("check", r["check_id"], r["field"], r["stratum"])
            truth[(*base, "complement")] = r["denominator"] - r["numerator"]
    return truth


def _structural(truth: Mapping[Key, int | None]) -> Iterable[dict[Key, int]]:
    """Sums within one table: categories = rows, numerator + complement = denominator, ..."""
    for k in list(truth):
        if k[0] == "field_rows":
            cats = [c for c in truth if c[0] == "field" and c[1] == k[1] and c[2] == k[2]]
            yield {k: 1, **{c: -1 for c in cats}}
            yield {k: 1, ("rows", k[2]): -1}
        elif k[0] == "check" and k[4] == "denominator":
            yield {k: 1, (*k[:4], "numerator"): -1, (*k[:4], "complement"): -1}
        elif k[0] == "tab_rows":
            yield {k: 1, ("rows", k[2]): -1}
            yield {k: 1, **{c: -1 for c in truth if c[0] == "tab_src" and c[1:3] == k[1:3]}}
            for section in EXCLUSIVE:
                parts = [c for c in truth if c[0] == "tab" and c[1:4] == (k[1], k[2], section)]
                if parts:
                    yield {k: 1, **{c: -1 for c in parts}}


def _field_sums(vec: Mapping[Key, tuple[Any, ...]], width: int
                ) -> dict[tuple[Any, ...], list[list[Key]]]:
    """Sums of up to 8 non-zero categories of one field, keyed by their values."""
    fields = defaultdict(list)
    for name in vec:
        if name[0] == "field" and any(vec[name]):
            fields[name[1]].append(name)
    sums: dict[tuple[Any, ...], list[list[Key]]] = defaultdict(list)
    for names in fields.values():
        for size in range(1, min(len(names), 8) + 1):
            for subset in itertools.combinations(names[:8], size):
                total = tuple(sum(vec[n][i] for n in subset) for i in range(width))
                sums[total].append(list(subset))
    return sums


def _kind(name: Key, tabulated: Iterable[str]) -> set[str] | None:
    """Field groups a series counts (None: anything, e.g. rows)."""
    from validator import catalog
    from validator.fields import FIELDS

    def groups(fields: Iterable[str]) -> set[str]:
        out = set()
        for f in fields:
            out.add(FIELDS[f].group if f in FIELDS else f)
            for suffix in ("_respondent", "_collected_date"):
                if f.endswith(suffix):
                    element = f[: -len(suffix)]
                    out.add({"lang": "language", "gender_identity": "sogi",
                             "sexual_orientation": "sogi"}.get(element, element))
        return out

    if name[0] == "field":
        return groups([name[1]])
    if name[0] == "check":
        if name[2]:
            return groups([name[2]])
        listed = list(catalog.get(name[1]).fields)
        return groups(listed) if listed else {"dataset"}
    if name[0] in ("tab", "tab_src"):
        if name[0] == "tab" and name[2] == "race":
            return groups([f for f in tabulated if f.startswith("race")])
        if name[0] == "tab" and name[2] == "ethnicity":
            return groups([f for f in tabulated if f.startswith(("ethnicity", "race_ethn"))])
        return groups(tabulated)
    return None


def _same_kind(name: Key, others: Iterable[Key], tabulated: Iterable[str]) -> bool:
    mine = _kind(name, tabulated)
    for o in others:
        theirs = _kind(o, tabulated)
        if mine is not None and theirs is not None and not mine & theirs:
            return False
    return True


def _identities(truth: Mapping[Key, int | None], strata: list[str | None],
                tabulated: Iterable[str]) -> Iterable[dict[Key, int]]:
    """Across strata, and every series equal to another or to a sum of one field's
    categories in the whole input and every stratum."""
    series = _series(truth)
    for by in series.values():
        if len(strata) > 1 and all(s in by for s in strata):
            yield {by[None]: 1, **{by[s]: -1 for s in strata[1:]}}
    vec = {name: tuple(truth[by[s]] for s in strata) for name, by in series.items()
           if all(s in by for s in strata)}
    sums = _field_sums(vec, len(strata))
    for name, v in vec.items():
        if name[0] not in ("check", "tab", "tab_rows", "tab_src") or not any(v):
            continue
        for other, w in vec.items():
            if other != name and w == v and _same_kind(name, [other], tabulated):
                for s in strata:
                    yield {series[name][s]: 1, series[other][s]: -1}
        for subset in sums.get(v, []):
            if _same_kind(name, subset, tabulated):
                for s in strata:
                    yield {series[name][s]: 1, **{series[n][s]: -1 for n in subset}}


def relations(original: Mapping[str, Any]) -> list[dict[Key, int]]:
    """Every linear relation (coefficients, = 0) the attacker knows, true in ``original``."""
    truth = truth_of(original)
    strata = _strata(original)
    tab_fields = original.get("tabulation", {}).get("fields", {})
    tabulated = [f for fs in tab_fields.values() for f in fs]
    out = []
    for eq in itertools.chain(_structural(truth), _identities(truth, strata, tabulated)):
        if all(truth.get(k) is not None for k in eq) and \
                sum(c * truth[k] for k, c in eq.items()) == 0:  # type: ignore[operator]
            out.append(eq)
    return out


def _status_constraints(doc: Mapping[str, Any], hidden: Mapping[Key, int]
                        ) -> list[tuple[dict[Key, float], float, float]]:
    """lo <= a.x <= hi for what published statuses and percents imply."""
    out: list[tuple[dict[Key, float], float, float]] = []
    for r in doc["results"]:
        base = ("check", r["check_id"], r["field"], r["stratum"])
        n_key, d = (*base, "numerator"), r["denominator"]
        if n_key not in hidden or d is None:
            continue
        if r["percent"] is not None:  # a published percent with a hidden numerator
            out.append(({n_key: 1.0}, r["percent"] * d / 100, r["percent"] * d / 100))
        status, measure = r["status"], r["measure"]
        if status == "PASS":
            value = 0.0 if measure == "violations" else float(d)
            out.append(({n_key: 1.0}, value, value))
            continue
        if status in ("SUPPRESSED", "NOT_APPLICABLE", "ERROR"):
            continue
        lo, hi = _band(status, measure, r["severity"], r["threshold"], r["warn_threshold"], d)
        out.append(({n_key: 1.0}, lo, hi))
    return out


def _band(status: str, measure: str, severity: str, t: float | None, w: float | None,
          d: int) -> tuple[float, float]:
    """Integer numerators 0..d whose status is ``status`` (judge.py's rules), as [lo, hi]."""
    ok = []
    for n in range(d + 1):
        pct = 100.0 * n / d
        findings = n > 0 if measure == "violations" else n < d

        def breached(limit: float | None, pct: float = pct) -> bool:
            if limit is None:
                return False
            return pct < limit if measure == "rate" else pct > limit

        if breached(t):
            s = {"critical": "FAIL", "warning": "WARN", "info": "PASS_WITH_FINDINGS"}[severity]
        elif breached(w):
            s = "PASS_WITH_FINDINGS" if severity == "info" else "WARN"
        else:
            s = "PASS_WITH_FINDINGS" if findings else "PASS"
        if s == status:
            ok.append(n)
    assert ok and ok == list(range(ok[0], ok[-1] + 1)), (status, ok)
    return float(ok[0]), float(ok[-1])


def _with_labels(original: Mapping[str, Any], shared: Mapping[str, Any]) -> dict[str, Any]:
    """The original report with the stratum labels share-safe mode gave (small strata are
    relabelled; the order of strata is kept)."""
    mapping = dict(zip(original.get("fields_by_stratum", {}), shared.get("fields_by_stratum", {}),
                       strict=True))
    doc = json.loads(json.dumps(original))
    doc["fields_by_stratum"] = {mapping.get(s, s): v
                                for s, v in doc.get("fields_by_stratum", {}).items()}
    for r in doc["results"]:
        r["stratum"] = mapping.get(r["stratum"], r["stratum"])
    for t in doc.get("tabulation", {}).get("tables", []):
        t["stratum"] = mapping.get(t["stratum"], t["stratum"])
    return doc


def _stratum(k: Key) -> str | None:
    """The stratum of a cell key (a stratum with fewer than min_cell rows shows nothing, not
    even its zeros, so its suppressed counts may be 0)."""
    position = {"rows": 1, "field_rows": 2, "field": 2, "check": 3, "tab_rows": 2,
                "tab_src": 2, "tab": 2}[k[0]]
    return k[position]


def attack(shared: Mapping[str, Any], original: Mapping[str, Any]) -> list[tuple[Key, int]]:
    """Every suppressed cell (and check complement of 1-10) the attacker pins, with its
    value. Empty for a sound share-safe report."""
    original = _with_labels(original, shared)
    published = cells(shared)
    eqs = relations(original)
    truth = truth_of(original)
    unknown = sorted({k for eq in eqs for k in eq if published.get(k) is None}, key=repr)
    index = {k: i for i, k in enumerate(unknown)}
    targets = [k for k in unknown if (k[-1] == "complement" and 1 <= truth[k] <= 10)  # type: ignore[operator]
               or (k[-1] != "complement" and truth[k])]  # a suppressed 0 needs no secrecy
    rows: list[tuple[dict[int, float], float, float]] = []
    for eq in eqs:
        row: dict[int, float] = defaultdict(float)
        const = 0.0
        for k, c in eq.items():
            if k in index:
                row[index[k]] += c
            else:
                const += c * published[k]  # type: ignore[operator]
        row = {i: v for i, v in row.items() if v}
        if row:
            rows.append((row, -const, -const))
    for coefs, lo, hi in _status_constraints(shared, index):
        rows.append(({index[k]: v for k, v in coefs.items()}, lo, hi))
    small = set((shared["run"].get("share_safe") or {}).get("strata_without_counts") or [])
    lower = np.array([0.0 if k[-1] == "complement" or _stratum(k) in small else 1.0
                      for k in unknown])
    upper = np.full(len(unknown), 1e7)  # a finite box: "unbounded" shows as the box edge
    return _solve_all(rows, lower, upper, [index[k] for k in targets], unknown, truth)


def _extremes(target: int, width: int, cons: list[LinearConstraint], bounds: Bounds,
              integer: bool) -> tuple[float, float]:
    """Smallest and largest value of variable ``target`` (linear or integer program)."""
    values = []
    for sign in (1.0, -1.0):
        cost = np.zeros(width)
        cost[target] = sign
        res = milp(cost, constraints=cons, bounds=bounds,
                   integrality=np.ones(width) if integer else np.zeros(width))
        assert res.success, res.message
        values.append(sign * res.fun)
    if integer:
        return float(round(values[0])), float(round(values[1]))
    return values[0], values[1]


def _constraints(block: list[tuple[dict[int, float], float, float]], pos: Mapping[int, int]
                 ) -> list[LinearConstraint]:
    if not block:
        return []
    data, ri, ci = [], [], []
    for i, (r, _, _) in enumerate(block):
        for c, v in r.items():
            data.append(v)
            ri.append(i)
            ci.append(pos[c])
    a = csr_array((data, (ri, ci)), shape=(len(block), len(pos)))
    return [LinearConstraint(a, np.array([r[1] for r in block]),
                             np.array([r[2] for r in block]))]


def _solve_all(rows: list[tuple[dict[int, float], float, float]], lower: np.ndarray,
               upper: np.ndarray, targets: list[int], names: list[Key],
               truth: Mapping[Key, int | None]) -> list[tuple[Key, int]]:
    parent = list(range(len(names)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row, _, _ in rows:
        first, *rest = row
        for o in rest:
            parent[find(o)] = find(first)
    comp_rows: dict[int, list[tuple[dict[int, float], float, float]]] = defaultdict(list)
    for r in rows:
        comp_rows[find(next(iter(r[0])))].append(r)
    by_comp: dict[int, list[int]] = defaultdict(list)
    for t in targets:
        by_comp[find(t)].append(t)
    pinned = []
    for root, ts in by_comp.items():
        block = comp_rows.get(root, [])
        cols = sorted({i for r, _, _ in block for i in r} | set(ts))
        pos = {c: j for j, c in enumerate(cols)}
        cons = _constraints(block, pos)
        bounds = Bounds(lower[cols], upper[cols])
        for t in ts:
            lo, hi = _extremes(pos[t], len(cols), cons, bounds, integer=False)
            if hi - lo >= 2 - 1e-6:  # the relaxation leaves at least 3 values: not pinned
                continue
            lo, hi = _extremes(pos[t], len(cols), cons, bounds, integer=True)
            if lo == hi:
                pinned.append((names[t], int(lo)))
                assert truth.get(names[t]) == lo, (names[t], lo, truth.get(names[t]))
    return pinned
