"""Evaluate a predicate once per distinct value of a column and broadcast it to rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

SEP = "|"


def per_unique(column: pd.Series, predicate: Callable[[str], bool]) -> pd.Series:
    """Boolean Series: ``predicate(value)`` for each row, computed once per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    answers = np.fromiter((bool(predicate(str(u))) for u in uniques), bool, len(uniques))
    answers = np.append(answers, True)  # nulls are excluded by GX before this runs
    return pd.Series(answers[np.where(codes < 0, len(uniques), codes)], index=column.index)


def items(value: str, delimiter: str = SEP) -> list[str]:
    """The non-empty items of a delimited cell."""
    return [i for i in value.split(delimiter) if i]
