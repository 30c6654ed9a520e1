"""The same race/ethnicity data tabulated under OMB 1997 and under SPD-15 2024 (counts only).

A data steward sees, for the whole input and for each stratum (site), how many records fall in
each category under both standards, so the effect of the 2024 revision (MENA out of White,
Hispanic as a category, multiracial and/or multiethnic) is visible before stratifying.

Tables (``tabulate(...)["tables"]``, one per standard and stratum):

- ``omb1997``: section ``race`` — each single race (5 OMB categories and 2131-1 Other Race),
  ``more_than_one_race``, ``unclassified`` and one row per absent-reason token; section
  ``ethnicity`` — 2135-2 Hispanic or Latino, 2186-5 Not Hispanic or Latino, ``unclassified``
  and the absent-reason tokens; section ``combinations`` — ``hispanic_and_one_or_more_races``.
- ``spd15_2024``: section ``alone`` — each of the 7 minimum categories alone,
  ``multiracial_multiethnic`` (two or more minimum categories; Hispanic counts),
  ``unclassified`` and the absent-reason tokens; section ``alone_or_in_combination`` — each
  minimum category (these sum to more than the records).

The ``race``, ``ethnicity`` and ``alone`` sections are mutually exclusive and sum to the
records of the table. Absent values keep their own row per token (never dropped, never merged
with Other; R-133); ``unclassified`` counts records with informative values none of which has a
category under that standard (unrecognised codes or text; under 1997 a 2024 answer of Hispanic
alone has no race; under 2024 a 1997 answer of Other Race alone has no category).

Which fields a record is read from: its own standard's fields when it has an informative value
there (``native``), else the other standard's fields (``bridged``):

- 1997 → 2024: every code goes through :func:`validator.spd15.minimum_category` (MENA and Arab
  to MENA, Afghanistani to Asian, Hispanic tree to Hispanic, 2131-1 and 2186-5 to none); a
  category code (e.g. 2106-3 in race_omb) that only rolls up a detailed code recorded on the
  same record (2121-2 Iranian) is not an additional selection.
- 2024 → 1997: MENA → White (1997 includes Middle Eastern and North African origins in White),
  Hispanic → ethnicity Hispanic, any other informative 2024 answer → Not Hispanic; detailed
  codes are not re-read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from validator import cdcrec, spd15, tokens
from validator import weights as wt
from validator.fields import ETHNICITY_FIELDS, RACE_FIELDS
from validator.normalize import Normalized, NormalizedField, Unique
from validator.profile import Profile

STANDARDS = ("omb1997", "spd15_2024")
FIELDS_2024 = ("race_ethnicity_2024", "race_ethnicity_2024_detailed")
MORE_THAN_ONE_RACE = "more_than_one_race"
MULTIRACIAL = "multiracial_multiethnic"
UNCLASSIFIED = "unclassified"
HISPANIC_WITH_RACE = "hispanic_and_one_or_more_races"

RACE_1997 = (*cdcrec.OMB_RACE, cdcrec.OTHER_RACE)
LABELS_1997 = {
    "1002-5": "American Indian or Alaska Native",
    "2028-9": "Asian",
    "2054-5": "Black or African American",
    "2076-8": "Native Hawaiian or Other Pacific Islander",
    "2106-3": "White",
    cdcrec.OTHER_RACE: "Other Race",
    cdcrec.HISPANIC: "Hispanic or Latino",
    cdcrec.NOT_HISPANIC: "Not Hispanic or Latino",
}
OTHER_LABELS = {
    MORE_THAN_ONE_RACE: "More than one race",
    MULTIRACIAL: "Multiracial and/or Multiethnic",
    UNCLASSIFIED: "Informative, no category under this standard",
    HISPANIC_WITH_RACE: "Hispanic or Latino and one or more races",
}


@dataclass(frozen=True)
class _Record:
    """How one distinct combination of field values is tabulated under both standards."""

    source97: str
    race97: str
    eth97: str
    hispanic_with_race: bool
    source24: str
    alone24: str
    combination24: frozenset[str]


def _items(values: Mapping[str, Unique], names: Sequence[str]) -> list[str]:
    return [i for f in names if f in values for i in values[f].informative]


def _token(values: Mapping[str, Unique], names: Sequence[str]) -> str:
    """The first absent-reason token among the named fields, in order; ``blank`` if none."""
    for f in names:
        if f in values and values[f].absent:
            return values[f].absent[0]
    return tokens.BLANK


def _single(categories: frozenset[str], multiple: str) -> str:
    return next(iter(categories)) if len(categories) == 1 else multiple


def bridge_1997(items: Sequence[str]) -> frozenset[str]:
    """The 2024 minimum categories of the codes of a 1997-format record (race and ethnicity).

    A category code that a detailed code on the same record rolls up to under CDCREC is not an
    extra selection: 2106-3 with 2121-2 Iranian is MENA alone, not MENA and White.
    """
    codes = [i for i in items if cdcrec.is_code(i) and not cdcrec.is_abstract(i)]
    detailed = [c for c in codes if c not in cdcrec.CATEGORIES]
    explained = {cdcrec.category(d) for d in detailed}
    kept = detailed + [c for c in codes if c in cdcrec.CATEGORIES and c not in explained]
    return spd15.minimum_categories(kept)


def _ethnicity_1997(items: Sequence[str]) -> str | None:
    hispanic = any(cdcrec.category(i) == cdcrec.HISPANIC for i in items)
    not_hispanic = cdcrec.NOT_HISPANIC in items
    if hispanic and not not_hispanic:
        return cdcrec.HISPANIC
    if not_hispanic and not hispanic:
        return cdcrec.NOT_HISPANIC
    return UNCLASSIFIED if items else None


def _classify(values: Mapping[str, Unique]) -> _Record:
    race = _items(values, RACE_FIELDS)
    eth = _items(values, ETHNICITY_FIELDS)
    items24 = _items(values, FIELDS_2024)
    native24 = spd15.minimum_categories(items24)
    if race or eth:
        source97 = "native"
        races = frozenset(c for c in map(spd15.omb1997_race_category, race) if c)
        race97 = (_single(races, MORE_THAN_ONE_RACE) if races else
                  UNCLASSIFIED if race else _token(values, (*RACE_FIELDS, *FIELDS_2024)))
        eth97 = _ethnicity_1997(eth) or _token(values, (*ETHNICITY_FIELDS, *FIELDS_2024))
    elif items24:
        source97 = "bridged"
        races = frozenset(spd15.WHITE if c == spd15.MENA else c
                          for c in native24 if c != spd15.HISPANIC)
        race97 = _single(races, MORE_THAN_ONE_RACE) if races else UNCLASSIFIED
        eth97 = (cdcrec.HISPANIC if spd15.HISPANIC in native24 else
                 cdcrec.NOT_HISPANIC if native24 else UNCLASSIFIED)
    else:
        source97 = "no_answer"
        races = frozenset()
        race97 = _token(values, (*RACE_FIELDS, *FIELDS_2024))
        eth97 = _token(values, (*ETHNICITY_FIELDS, *FIELDS_2024))
    if items24:
        source24, cats = "native", native24
        fallback = UNCLASSIFIED
    elif race or eth:
        source24, cats = "bridged", bridge_1997(race + eth)
        fallback = UNCLASSIFIED if race else _token(values, (*RACE_FIELDS, *ETHNICITY_FIELDS))
    else:
        source24, cats = "no_answer", frozenset()
        fallback = _token(values, (*FIELDS_2024, *RACE_FIELDS, *ETHNICITY_FIELDS))
    alone24 = _single(cats, MULTIRACIAL) if cats else fallback
    return _Record(source97, race97, eth97, eth97 == cdcrec.HISPANIC and bool(races),
                   source24, alone24, cats)


def _row(key: str, kind: str, count: int, label: str | None = None) -> dict[str, Any]:
    return {"key": key, "label": label or OTHER_LABELS.get(key, key.replace("_", " ")),
            "kind": kind, "count": count}


def _absent_rows(counts: Mapping[str, int]) -> list[dict[str, Any]]:
    return [_row(t, "absent", counts.get(t, 0)) for t in tokens.TOKENS]


def _sections(standard: str, records: Sequence[_Record], weights: np.ndarray
              ) -> dict[str, list[dict[str, Any]]]:
    def count(attr: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for rec, n in zip(records, weights, strict=True):
            if n:
                key = getattr(rec, attr)
                out[key] = out.get(key, 0) + int(n)
        return out

    if standard == "omb1997":
        race, eth = count("race97"), count("eth97")
        with_race = sum(int(n) for r, n in zip(records, weights, strict=True)
                        if r.hispanic_with_race)
        return {
            "race": [*(_row(c, "category", race.get(c, 0), LABELS_1997[c]) for c in RACE_1997),
                     _row(MORE_THAN_ONE_RACE, "combination", race.get(MORE_THAN_ONE_RACE, 0)),
                     _row(UNCLASSIFIED, "unclassified", race.get(UNCLASSIFIED, 0)),
                     *_absent_rows(race)],
            "ethnicity": [*(_row(c, "category", eth.get(c, 0), LABELS_1997[c])
                            for c in cdcrec.ETHNICITY_CATEGORIES),
                          _row(UNCLASSIFIED, "unclassified", eth.get(UNCLASSIFIED, 0)),
                          *_absent_rows(eth)],
            "combinations": [_row(HISPANIC_WITH_RACE, "combination", with_race)],
        }
    alone = count("alone24")
    combined = {c: sum(int(n) for r, n in zip(records, weights, strict=True)
                       if c in r.combination24) for c in spd15.MINIMUM_CATEGORIES}
    return {
        "alone": [*(_row(c, "category", alone.get(c, 0), spd15.LABELS[c])
                    for c in spd15.MINIMUM_CATEGORIES),
                  _row(MULTIRACIAL, "combination", alone.get(MULTIRACIAL, 0)),
                  _row(UNCLASSIFIED, "unclassified", alone.get(UNCLASSIFIED, 0)),
                  *_absent_rows(alone)],
        "alone_or_in_combination": [_row(c, "category", combined[c], spd15.LABELS[c])
                                    for c in spd15.MINIMUM_CATEGORIES],
    }


def _table(standard: str, stratum: str | None, records: Sequence[_Record],
           weights: np.ndarray) -> dict[str, Any]:
    attr = "source97" if standard == "omb1997" else "source24"
    sources = {"native": 0, "bridged": 0, "no_answer": 0}
    for rec, n in zip(records, weights, strict=True):
        sources[getattr(rec, attr)] += int(n)
    return {"standard": standard, "stratum": stratum, "rows": int(weights.sum()),
            "sources": sources, "sections": _sections(standard, records, weights)}


def _strata(data: Normalized, profile: Profile) -> list[tuple[str | None, np.ndarray | None]]:
    """(label, row mask): the whole input, then each stratum value as the runner labels it."""
    out: list[tuple[str | None, np.ndarray | None]] = [(None, None)]
    name = profile.stratum
    if not name or name not in data.fields:
        return out
    codes, labels = data.stratum_codes(name)
    return out + [(label, codes == i) for i, label in enumerate(labels)]


def _combinations(fields: Sequence[NormalizedField]) -> tuple[np.ndarray, np.ndarray]:
    """Per-row index of its distinct combination of field values, and the combinations (one row
    of per-field value indexes each). Keys are compacted field by field, so they stay small."""
    key = np.zeros(len(fields[0].codes), dtype=np.int64)
    for nf in fields:
        key, _ = pd.factorize(key * (len(nf.uniques) + 1) + nf.codes)
    inverse = np.asarray(key, dtype=np.intp)
    first = np.unique(inverse, return_index=True)[1]
    combos = np.stack([nf.codes[first] for nf in fields], axis=1)
    return inverse, combos


def tabulate(data: Normalized, profile: Profile) -> dict[str, Any]:
    """Counts per category under both standards, whole input and per stratum.

    Empty when the input has no row or no race, ethnicity or combined race/ethnicity field.
    """
    names = [f for f in (*RACE_FIELDS, *ETHNICITY_FIELDS, *FIELDS_2024) if f in data.fields]
    n_rows = len(data.frame.index)
    if not names or n_rows == 0:
        return {}
    fields: list[NormalizedField] = [data.fields[f] for f in names]
    inverse, combos = _combinations(fields)
    records = [_classify({nf.name: nf.uniques[c] for nf, c in zip(fields, combo, strict=True)})
               for combo in combos]
    tables = []
    for label, mask in _strata(data, profile):
        weights = wt.bincount(inverse, data.weights, len(records), mask)
        for standard in STANDARDS:
            tables.append(_table(standard, label, records, weights))
    return {
        "fields": {
            "omb1997": [f for f in names if f not in FIELDS_2024],
            "spd15_2024": [f for f in names if f in FIELDS_2024],
        },
        "rollup_2024": {"2118-8 subtree (MENA)": spd15.MENA,
                        f"{cdcrec.ARAB} Arab": spd15.ARAB_CATEGORY,
                        f"{spd15.AFGHANISTANI} Afghanistani": spd15.AFGHANISTANI_CATEGORY},
        "tables": tables,
    }
