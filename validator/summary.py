"""Per-field summaries for reports: absent-reason counts, what the normalizer mapped (tokens,
translations, crosswalks) and the source values left unmapped.

Unmapped values are listed only when they look like codes or category strings shared by
several rows (at least ``LIST_MIN_ROWS``, at most ``LIST_MAX_CHARS`` characters, no run of five
digits); everything else is counted as "other values" and never shown: a value seen on one or
two rows may be free text or an identifier.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from validator import weights as wt
from validator.crosswalk import code_check
from validator.fields import FIELDS, Kind
from validator.normalize import Normalized, NormalizedField
from validator.profile import Profile
from validator.results import ABSENT_COUNT_KEYS, FieldSummary

LIST_MIN_ROWS = 5
LIST_MAX_CHARS = 40
_DIGIT_RUN = re.compile(r"\d{5}")


def _counts(nf: NormalizedField, mask: np.ndarray | None = None) -> dict[str, int]:
    counts = {k: 0 for k in ABSENT_COUNT_KEYS}
    if nf.kind is Kind.DATE:
        counts["unparseable"] = 0
    for state, n in nf.state_counts(mask).items():
        key = "unable" if state == "unable_to_respond" else state
        counts[key] = counts.get(key, 0) + n
    return counts


def _mapped(nf: NormalizedField, per_unique: np.ndarray) -> list[dict[str, Any]]:
    mapped: Counter[tuple[str, str]] = Counter()
    translated: Counter[tuple[str, str]] = Counter()
    for u, n in zip(nf.uniques, per_unique, strict=True):
        for pair in set(u.mapped):
            mapped[pair] += int(n)
        for pair in set(u.translated):
            translated[pair] += int(n)
    out: list[dict[str, Any]] = [{"source": s, "token": t, "rows": n}
                                 for (s, t), n in sorted(mapped.items())]
    out += [{"source": s, "token": t, "system": nf.spec.system, "rows": n}
            for (s, t), n in sorted(translated.items())]
    return out


def _crosswalks(nf: NormalizedField, per_unique: np.ndarray) -> list[dict[str, Any]]:
    rows: Counter[str] = Counter()
    values: dict[str, set[str]] = {}
    for u, n in zip(nf.uniques, per_unique, strict=True):
        for name in {c[0] for c in u.crosswalked}:
            rows[name] += int(n)
        for name, source, _ in u.crosswalked:
            values.setdefault(name, set()).add(source)
    return [{"crosswalk": x.name, "rows_mapped": rows.get(x.name, 0),
             "values_mapped": len(values.get(x.name, ())), "sha256": x.sha256}
            for x in nf.spec.crosswalks]


def listable(value: str, rows: int) -> bool:
    """May this unmapped source value be printed (a code or category string, not free text)?"""
    return (rows >= LIST_MIN_ROWS and len(value) <= LIST_MAX_CHARS
            and not _DIGIT_RUN.search(value))


def _unmapped(nf: NormalizedField, per_unique: np.ndarray, listing: bool = False
              ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    check = code_check(nf.name)
    if check is None or nf.kind is not Kind.CODE or FIELDS[nf.name].phi:
        return [], {}
    counts: Counter[str] = Counter()
    for u, n in zip(nf.uniques, per_unique, strict=True):
        for item in {i for i in u.informative if not check(i)}:
            counts[item] += int(n)
    listed = ([{"value": v, "rows": n} for v, n in counts.most_common() if listable(v, n)]
              if listing else [])  # values only on request (--list-unmapped): PHI-safe default
    shown = {d["value"] for d in listed}
    hidden = [n for v, n in counts.items() if v not in shown]
    other = {"values": len(hidden), "rows": sum(hidden)} if hidden else {}
    return listed, other


def field_summary(nf: NormalizedField, list_unmapped: bool = False) -> FieldSummary:
    """The summary of one mapped field; unmapped source values are listed (code-like values
    shared by at least five rows) only with ``list_unmapped``, else only counted."""
    per_unique = nf.value_rows()
    phi = FIELDS[nf.name].phi
    unmapped, other = _unmapped(nf, per_unique, list_unmapped)
    return FieldSummary(
        field=nf.name, present=True, source_column=nf.spec.column,
        system=nf.spec.system, rows=wt.total(len(nf.codes), nf.weights),
        counts=_counts(nf),
        mapped_tokens=tuple(_mapped(nf, per_unique)) if not phi or nf.kind is Kind.DATE
        else (),
        crosswalks=tuple(_crosswalks(nf, per_unique)),
        unmapped=tuple(unmapped),
        unmapped_other=other,
    )


def field_summaries(data: Normalized, prof: Profile, list_unmapped: bool = False
                    ) -> tuple[FieldSummary, ...]:
    """Summaries of every mapped field, then of the fields declared not collected."""
    out: list[FieldSummary] = [field_summary(nf, list_unmapped) for nf in data.fields.values()]
    if data.caregivers is not None:
        out += [field_summary(nf, list_unmapped)
                for nf in data.caregivers.data.fields.values()]
    out += _not_collected(prof.not_collected)
    return tuple(out)


def _not_collected(names: Iterable[str]) -> list[FieldSummary]:
    return [FieldSummary(field=f, present=False, source_column=None, system=None, rows=0,
                         counts={}, reason="declared not collected in the profile")
            for f in names]


def field_strata(data: Normalized, strata: Sequence[tuple[str | None, np.ndarray | None]]
                 ) -> tuple[FieldSummary, ...]:
    """Absent-reason counts of every main-table field within each stratum (counts only)."""
    out: list[FieldSummary] = []
    for label, mask in strata:
        if label is None or mask is None:
            continue
        for nf in data.fields.values():
            out.append(FieldSummary(field=nf.name, present=True, source_column=nf.spec.column,
                                    system=nf.spec.system, rows=wt.count(mask, data.weights),
                                    counts=_counts(nf, mask), stratum=label))
    return tuple(out)
