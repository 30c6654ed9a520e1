"""Row predicates of the custom expectations, free of GX so the grouped pass can use them.

Each takes a column of '|'-joined normalized items (nulls already excluded by the caller, as
GX does) and returns a boolean Series: True where the row meets the expectation. Work is done
once per distinct value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from validator.cdcrec import check_digit_ok
from validator.languages import is_valid

SEP = "|"


def per_unique(column: pd.Series, predicate: Callable[[str], bool]) -> pd.Series:
    """Boolean Series: ``predicate(value)`` for each row, computed once per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    answers = np.fromiter((bool(predicate(str(u))) for u in uniques), bool, len(uniques))
    answers = np.append(answers, True)  # nulls are not judged here (GX excludes them too)
    return pd.Series(answers[np.where(codes < 0, len(uniques), codes)], index=column.index)


def items(value: str, delimiter: str = SEP) -> list[str]:
    """The non-empty items of a delimited cell."""
    return [i for i in value.split(delimiter) if i]


def list_in_set(column: pd.Series, value_set: Iterable[str], delimiter: str = SEP,
                **_: object) -> pd.Series:
    """Every item of the row is a member of ``value_set``."""
    members = frozenset(value_set)
    return per_unique(column, lambda v: all(i in members for i in items(v, delimiter)))


def list_not_in_set(column: pd.Series, value_set: Iterable[str], delimiter: str = SEP,
                    pattern: str | None = None, **_: object) -> pd.Series:
    """No item of the row is forbidden (in ``value_set`` or matching ``pattern``)."""
    forbidden = frozenset(value_set)
    regex = re.compile(pattern, re.IGNORECASE) if pattern else None

    def ok(value: str) -> bool:
        return not any(i in forbidden or (regex is not None and regex.search(i))
                       for i in items(value, delimiter))

    return per_unique(column, ok)


def list_valid_cdcrec(column: pd.Series, delimiter: str = SEP, **_: object) -> pd.Series:
    """Every item has the CDCREC code format and a valid mod-10 check digit."""
    return per_unique(column, lambda v: all(check_digit_ok(i) for i in items(v, delimiter)))


def list_valid_bcp47(column: pd.Series, delimiter: str = SEP, **_: object) -> pd.Series:
    """Every item is a valid, registered BCP 47 tag."""
    return per_unique(column, lambda v: all(is_valid(i) for i in items(v, delimiter)))


#: Custom expectation type -> its row predicate.
LIST_PREDICATES: dict[str, Callable[..., pd.Series]] = {
    "expect_column_list_values_to_be_in_set": list_in_set,
    "expect_column_list_values_to_not_be_in_set": list_not_in_set,
    "expect_column_list_values_to_be_valid_cdcrec_codes": list_valid_cdcrec,
    "expect_column_list_values_to_be_valid_bcp47": list_valid_bcp47,
}
