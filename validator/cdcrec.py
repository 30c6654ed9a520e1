"""CDC Race & Ethnicity code system (CDCREC v1.2) helpers built on ``valuesets.load("cdcrec")``.

The hierarchy has two abstract roots (1000-9 Race, 2133-7 Ethnicity), eight level-2 categories
(5 OMB race + 2131-1 Other Race; 2135-2 Hispanic, 2186-5 Not Hispanic) and detailed codes down to
level 7. ``category`` gives the level-2 roll-up used for OMB tabulation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from validator.valuesets import load

__all__ = [
    "AMBIGUOUS_DISPLAYS",
    "ARAB",
    "CATEGORIES",
    "ETHNICITY_CATEGORIES",
    "HISPANIC",
    "MENA",
    "MENA_CODES",
    "NOT_HISPANIC",
    "OMB_RACE",
    "OTHER_RACE",
    "RACE_CATEGORIES",
    "ROOTS",
    "SYSTEM",
    "category",
    "check_digit",
    "check_digit_ok",
    "children",
    "descendants",
    "display",
    "is_abstract",
    "is_code",
    "parent",
    "tree",
]

SYSTEM = "urn:oid:2.16.840.1.113883.6.238"
ROOTS = ("1000-9", "2133-7")
OMB_RACE = ("1002-5", "2028-9", "2054-5", "2076-8", "2106-3")
OTHER_RACE = "2131-1"
HISPANIC = "2135-2"
NOT_HISPANIC = "2186-5"
RACE_CATEGORIES = (*OMB_RACE, OTHER_RACE)
ETHNICITY_CATEGORIES = (HISPANIC, NOT_HISPANIC)
CATEGORIES = RACE_CATEGORIES + ETHNICITY_CATEGORIES

MENA = "2118-8"
MENA_CODES = frozenset(
    {MENA, "2119-6", "2120-4", "2121-2", "2122-0", "2123-8", "2124-6", "2125-3", "2126-1", "2127-9"}
)
ARAB = "2129-5"

AMBIGUOUS_DISPLAYS: dict[str, tuple[str, ...]] = {
    "Central American Indian": ("1070-2", "2162-6"),
    "Dominican": ("2069-3", "2184-0"),
    "Mexican American Indian": ("1072-8", "2153-5"),
    "South American Indian": ("1073-6", "2175-8"),
}
"""Display strings used by one race and one ethnicity code; never map text to a code by these."""

_CODE_RE = re.compile(r"[0-9]{4}-[0-9]")
_MIN_NUMBER, _MAX_NUMBER = 1000, 2500


def check_digit(number: str) -> int:
    """LOINC-style mod-10 check digit of a digit string (Luhn: double odd positions from right)."""
    total = 0
    for position, char in enumerate(reversed(number), start=1):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            value = value // 10 + value % 10
        total += value
    return (10 - total % 10) % 10


def check_digit_ok(code: str) -> bool:
    """True iff ``code`` looks like ``NNNN-C`` with NNNN in 1000-2500 and C its check digit."""
    if not isinstance(code, str) or _CODE_RE.fullmatch(code) is None:
        return False
    number = code[:4]
    if not _MIN_NUMBER <= int(number) <= _MAX_NUMBER:
        return False
    return check_digit(number) == int(code[5])


@dataclass(frozen=True)
class _Index:
    rows: dict[str, dict[str, str]]
    children: dict[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def _index() -> _Index:
    rows = {row["code"]: row for row in load("cdcrec").rows}
    kids: dict[str, list[str]] = {}
    for code, row in rows.items():
        if row["parent"]:
            kids.setdefault(row["parent"], []).append(code)
    return _Index(rows=rows, children={k: tuple(sorted(v)) for k, v in kids.items()})


def _field(code: str, name: str) -> str | None:
    row = _index().rows.get(code)
    return (row[name] or None) if row is not None else None


def is_code(code: str) -> bool:
    """True iff ``code`` is a CDCREC v1.2 concept (including the abstract roots)."""
    return code in _index().rows


def display(code: str) -> str | None:
    """The CDCREC display of ``code``, or None if unknown."""
    return _field(code, "display")


def category(code: str) -> str | None:
    """Level-2 roll-up (a category maps to itself); None for the roots and unknown codes."""
    return _field(code, "category")


def tree(code: str) -> Literal["race", "ethnicity"] | None:
    """Which tree ``code`` belongs to, or None if unknown."""
    value = _field(code, "tree")
    if value == "race":
        return "race"
    if value == "ethnicity":
        return "ethnicity"
    return None


def parent(code: str) -> str | None:
    """The direct parent of ``code``; None for the roots and unknown codes."""
    return _field(code, "parent")


def is_abstract(code: str) -> bool:
    """True for the abstract roots 1000-9 Race and 2133-7 Ethnicity (never valid answers)."""
    return _field(code, "abstract") == "true"


def children(code: str) -> tuple[str, ...]:
    """Direct children of ``code`` (sorted); empty for leaves and unknown codes."""
    return _index().children.get(code, ())


def _walk(code: str) -> Iterator[str]:
    stack = list(children(code))
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


@lru_cache(maxsize=4096)
def descendants(code: str) -> frozenset[str]:
    """All codes below ``code`` (not including itself); empty for leaves and unknown codes."""
    return frozenset(_walk(code))
