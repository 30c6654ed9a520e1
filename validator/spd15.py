"""SPD-15 2024 (combined race/ethnicity question) on top of CDCREC v1.2 codes.

Representation (DOMAIN.md §2.1, §2.3): ``race_ethnicity_2024`` holds the 7 minimum categories
as CDCREC codes (MENA as the detailed code 2118-8, because CDCREC v1.2 has no MENA category
code, DOMAIN Q3); ``race_ethnicity_2024_detailed`` holds CDCREC detailed codes of the race or
the ethnicity tree.

The 1997 → 2024 roll-up of a code (:func:`minimum_category`), in this order:

1. ``2126-1`` Afghanistani → :data:`AFGHANISTANI_CATEGORY` (default Asian; DOMAIN Q4);
2. ``2129-5`` Arab → :data:`ARAB_CATEGORY` (default MENA; DOMAIN Q4);
3. the 2118-8 subtree (2118-8 itself and its children) → MENA;
4. otherwise the code's CDCREC level-2 category (Hispanic tree → Hispanic or Latino; the 5 race
   categories → themselves). ``2131-1`` Other Race and ``2186-5`` Not Hispanic or Latino have no
   2024 category (there is no "Some other race" category; not-Hispanic is not a selection).

This module is the only place that knows the mapping; rules, tabulations and RACE.MENA_PROFILE
read it from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from validator import cdcrec

__all__ = [
    "AFGHANISTANI",
    "AFGHANISTANI_CATEGORY",
    "AIAN",
    "ARAB_CATEGORY",
    "ASIAN",
    "BLACK",
    "HISPANIC",
    "LABELS",
    "MENA",
    "MINIMUM_CATEGORIES",
    "NHPI",
    "NO_CATEGORY",
    "WHITE",
    "minimum_categories",
    "minimum_category",
    "omb1997_race_category",
    "remapped_from_white",
]

AIAN = "1002-5"
ASIAN = "2028-9"
BLACK = "2054-5"
HISPANIC = cdcrec.HISPANIC  # 2135-2, ethnicity tree
MENA = cdcrec.MENA  # 2118-8, a detailed White code in CDCREC v1.2
NHPI = "2076-8"
WHITE = "2106-3"

#: The 7 SPD-15 2024 minimum categories as CDCREC codes, in the order the standard lists them.
MINIMUM_CATEGORIES: tuple[str, ...] = (AIAN, ASIAN, BLACK, HISPANIC, MENA, NHPI, WHITE)

#: SPD-15 2024 names of the minimum categories (NHPI lost "Other" in 2024).
LABELS: dict[str, str] = {
    AIAN: "American Indian or Alaska Native",
    ASIAN: "Asian",
    BLACK: "Black or African American",
    HISPANIC: "Hispanic or Latino",
    MENA: "Middle Eastern or North African",
    NHPI: "Native Hawaiian or Pacific Islander",
    WHITE: "White",
}

AFGHANISTANI = "2126-1"

#: DOMAIN Q4: CDCREC v1.2 files 2126-1 Afghanistani under 2118-8 MENA, while SPD-15 2024 lists
#: "Afghan" as an Asian write-in example. Project default: Asian.
AFGHANISTANI_CATEGORY = ASIAN

#: DOMAIN Q4: CDCREC v1.2 files 2129-5 Arab under White (outside 2118-8) and the SPD-15 MENA
#: definition does not name Arab. Project default: MENA.
ARAB_CATEGORY = MENA

#: Codes with no 2024 minimum category: Other Race (no "Some other race" in 2024) and
#: Not Hispanic or Latino (the combined question has no "not Hispanic" selection).
NO_CATEGORY = frozenset({cdcrec.OTHER_RACE, cdcrec.NOT_HISPANIC})

_OVERRIDES = {AFGHANISTANI: AFGHANISTANI_CATEGORY, cdcrec.ARAB: ARAB_CATEGORY}


@lru_cache(maxsize=4096)
def minimum_category(code: str) -> str | None:
    """The 2024 minimum category (a :data:`MINIMUM_CATEGORIES` code) of a CDCREC code.

    None for codes without a 2024 category (:data:`NO_CATEGORY`), the abstract roots, and
    anything that is not a CDCREC v1.2 code (text, malformed or unknown codes).
    """
    if code in _OVERRIDES:
        return _OVERRIDES[code]
    if code in cdcrec.MENA_CODES:
        return MENA
    if code in NO_CATEGORY:
        return None
    category = cdcrec.category(code)
    return category if category in MINIMUM_CATEGORIES else None


def minimum_categories(codes: Iterable[str]) -> frozenset[str]:
    """The 2024 minimum categories the CDCREC codes among ``codes`` roll up to."""
    return frozenset(c for c in map(minimum_category, codes) if c is not None)


def omb1997_race_category(code: str) -> str | None:
    """The OMB 1997 race category of a race-tree code (5 OMB categories or 2131-1 Other Race).

    MENA, Arab and Afghanistani are White here (CDCREC v1.2 hierarchy); ethnicity-tree codes,
    roots and unknown values give None.
    """
    category = cdcrec.category(code)
    if category is None or cdcrec.tree(category) != "race":
        return None
    return category


@lru_cache(maxsize=1)
def remapped_from_white() -> frozenset[str]:
    """Race-tree codes that are White under 1997 (CDCREC v1.2) but not White under 2024: the
    2118-8 subtree and 2129-5 Arab with the defaults above (RACE.MENA_PROFILE, R-029)."""
    return frozenset(c for c in (*cdcrec.MENA_CODES, cdcrec.ARAB) if minimum_category(c) != WHITE)


#: "Some other race" written into a 2024 category field (RE24.NO_SOR, R-054): the CDCREC code
#: 2131-1 Other Race, or text such as "Other", "Other race", "Some other race" (any case).
#: The null flavor OTH is an absent reason (token ``other``), not a category, and is reported
#: with the absent reasons instead.
SOME_OTHER_RACE_CODES: tuple[str, ...] = (cdcrec.OTHER_RACE,)
SOME_OTHER_RACE_PATTERN = r"^(SOME\s+)?OTHER(\s+RACE)?(\s+OR\s+ETHNICITY)?$"
