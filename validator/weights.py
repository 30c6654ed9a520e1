"""Row weights: an input read as its distinct rows with a count each (the Spark engine's
compressed collection, docs/spark.md) counts every row as many times as its weight.

``weights`` is None for an ordinary input (every row counts once) or a positive int64 array,
one entry per row. Every count of rows in the rules, the grouped pass and the reports goes
through these two functions, so that a weighted run gives the counts of the rows it stands for.
"""

from __future__ import annotations

import numpy as np


def count(mask: np.ndarray, weights: np.ndarray | None) -> int:
    """Rows selected by the boolean ``mask``, each counted ``weights`` times."""
    if weights is None:
        return int(np.count_nonzero(mask))
    return int(weights[mask].sum())


def bincount(codes: np.ndarray, weights: np.ndarray | None, minlength: int = 0,
             mask: np.ndarray | None = None) -> np.ndarray:
    """``np.bincount(codes)`` (within ``mask`` when given) counting each row ``weights``
    times, as int64."""
    if mask is not None:
        codes = codes[mask]
        weights = None if weights is None else weights[mask]
    if weights is None:
        return np.bincount(codes, minlength=minlength)
    return np.bincount(codes, weights=weights, minlength=minlength).astype(np.int64)


def total(n_rows: int, weights: np.ndarray | None) -> int:
    """The number of rows the input stands for."""
    return n_rows if weights is None else int(weights.sum())
