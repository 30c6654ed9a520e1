"""The Spark side of the custom expectations: each distinct cell value is judged once, on the
driver, by the same predicate the pandas side uses (validator/engine/predicates.py), and the
rows are counted in Spark against the values that failed (or passed, whichever list is shorter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd


def condition(column: Any, predicate: Callable[..., pd.Series], kwargs: dict[str, Any],
              **params: Any) -> Any:
    """A Spark Column: True where the row meets the expectation (nulls are GX's to filter)."""
    from pyspark.sql import functions as F

    table = kwargs["_table"]
    name = kwargs["_accessor_domain_kwargs"]["column"]
    values = [r[0] for r in table.select(F.col(name)).where(F.col(name).isNotNull())
              .distinct().collect()]
    ok = predicate(pd.Series(values, dtype=object), **params).to_numpy(dtype=bool)
    failing = [v for v, good in zip(values, ok, strict=True) if not good]
    if not failing:
        return F.lit(True)
    if len(failing) * 2 > len(values):
        return column.isin([v for v, good in zip(values, ok, strict=True) if good])
    return ~column.isin(failing)
