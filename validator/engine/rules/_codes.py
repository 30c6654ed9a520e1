"""Shared helpers for race/ethnicity rules: CDCREC roll-ups of a row's items, text cues."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from validator import cdcrec
from validator.engine.measures import RuleContext
from validator.fields import RACE_FIELDS
from validator.normalize import NormalizedField, Unique

CDCREC_FORMAT = re.compile(r"^\d{4}-\d$")
_NOT_NEGATED = r"(?<!NON-)(?<!NON )(?<!NOT )"
#: Text naming Hispanic or Latino origin, but not "non-Hispanic" / "Not Hispanic or Latino".
HISPANIC_PATTERN = (
    rf"{_NOT_NEGATED}\bHISPANIC\b"
    rf"|{_NOT_NEGATED}(?<!HISPANIC OR )(?<!HISPANIC/)\bLATIN[OAXE]\b"
)
HISPANIC_TEXT = re.compile(HISPANIC_PATTERN, re.IGNORECASE)
OTHER_TEXT = frozenset({"OTHER", "OTHER RACE", "SOME OTHER RACE", cdcrec.OTHER_RACE})
#: Summary values standing for several races without naming them ("Multiple race",
#: MIMIC's "MULTIPLE RACE/ETHNICITY" and "MULTI RACE ETHNICITY", "Two or more races", ...).
MULTI_TEXT = re.compile(
    r"^(MULTIPLE|MULTI)([ /-]?(RACES?|RACIAL|ETHNIC|ETHNICITY))*$"
    r"|^MULTI-?RACIAL(/MULTI-?ETHNIC)?$|^(TWO|2\+?) OR MORE( RACES)?$"
    r"|^BIRACIAL$|^MIXED( RACE)?$|^MORE THAN ONE( RACE)?$"
)
OMOP_MULTIPLE_RACE = "44814659"
#: PCORnet CDM RACE 06 "Multiple race": recognised when the field uses the pcornet crosswalk.
PCORNET_MULTIPLE_RACE = "06"

_CATEGORY_TEXT = {
    "1002-5": re.compile(r"AMERICAN INDIAN|ALASKA(N)? NATIVE|NATIVE AMERICAN"),
    "2028-9": re.compile(r"\bASIAN\b"),
    "2054-5": re.compile(r"\bBLACK\b|AFRICAN AMERICAN"),
    "2076-8": re.compile(r"HAWAIIAN|PACIFIC ISLANDER"),
    "2106-3": re.compile(r"\bWHITE\b|CAUCASIAN"),
    "2131-1": re.compile(r"^(SOME )?OTHER( RACE)?$"),
}


def upper(item: str) -> str:
    """Comparison key for an item."""
    return " ".join(item.split()).upper()


def categories(items: Iterable[str]) -> frozenset[str]:
    """The CDCREC level-2 categories the valid codes among ``items`` roll up to."""
    out = set()
    for item in items:
        cat = cdcrec.category(item)
        if cat is not None:
            out.add(cat)
    return frozenset(out)


def race_categories(items: Iterable[str]) -> frozenset[str]:
    """Race-tree categories only (ethnicity codes in a race field are ignored)."""
    return frozenset(c for c in categories(items) if cdcrec.tree(c) == "race")


def text_categories(text: str) -> frozenset[str]:
    """OMB categories a free-text race string names."""
    key = upper(text)
    return frozenset(cat for cat, pattern in _CATEGORY_TEXT.items() if pattern.search(key))


def is_hispanic_item(item: str) -> bool:
    """An ethnicity-tree CDCREC code, or text naming Hispanic/Latino origin."""
    if cdcrec.tree(item) == "ethnicity":
        return item != cdcrec.NOT_HISPANIC
    return bool(HISPANIC_TEXT.search(upper(item)))


def combine(fields: list[NormalizedField], fn: Callable[[list[Unique]], bool]) -> np.ndarray:
    """Per-row ``fn([unique of each field])``, evaluated once per distinct combination."""
    if not fields:
        raise ValueError("combine() needs at least one field")
    # one int64 key per row, refactorized after each field so it stays below
    # rows x (uniques + 1): a hash factorization, much faster than np.unique(axis=0)
    key = np.zeros(len(fields[0].codes), dtype=np.int64)
    for nf in fields:
        key = pd.factorize(key * (len(nf.uniques) + 1) + (nf.codes.astype(np.int64) + 1))[0]
    inverse = key
    # the first row of each combination, in O(n): factorize numbers combinations in order of
    # first appearance, and a reversed scatter leaves each one's smallest row index
    first = np.empty(int(inverse.max()) + 1 if inverse.size else 0, dtype=np.int64)
    first[inverse[::-1]] = np.arange(inverse.size - 1, -1, -1)
    combos = zip(*(nf.codes[first] for nf in fields), strict=True)
    per_combo = np.fromiter(
        (fn([nf.uniques[c] for nf, c in zip(fields, combo, strict=True)]) for combo in combos),
        bool,
        len(first),
    )
    return per_combo[inverse.reshape(-1)]


def race_fields(ctx: RuleContext) -> list[NormalizedField]:
    """The race fields present in the input."""
    return [nf for f in RACE_FIELDS if (nf := ctx.field(f)) is not None]


def any_race_informative(ctx: RuleContext) -> np.ndarray:
    """Rows with an informative value in any race field."""
    out = ctx.none()
    for nf in race_fields(ctx):
        out |= nf.informative_mask()
    return out
