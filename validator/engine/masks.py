"""The grouped pass: the row masks behind each GX expectation, so every stratum is counted in
one pass instead of one GX run per stratum.

GX evaluates each expectation once, on the whole input, and its counts are the whole-input
result; the masks computed here give the same counts (a parity check in the runner turns any
difference into an ERROR) and, summed per stratum, the per-stratum results. Only the
expectation types and row conditions the suites use are supported; anything else raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from validator import weights as wt
from validator.engine.predicates import LIST_PREDICATES


@dataclass(frozen=True)
class ExpectationMasks:
    """Rows GX would count for one expectation: in scope, unexpected, missing (null)."""

    scope: np.ndarray
    unexpected: np.ndarray
    missing: np.ndarray

    def counts(self, rows: np.ndarray, weights: np.ndarray | None = None
               ) -> tuple[int, int, int]:
        """(element_count, unexpected_count, missing_count) within ``rows``, each row
        counted ``weights`` times (validator/weights.py)."""
        scope = self.scope & rows
        return (wt.count(scope, weights), wt.count(self.unexpected & scope, weights),
                wt.count(self.missing & scope, weights))


def condition(frame: pd.DataFrame, node: Mapping[str, Any] | None) -> np.ndarray:
    """Rows where a serialized GX row condition holds (all rows when there is none)."""
    if node is None:
        return np.ones(len(frame), dtype=bool)
    kind = node.get("type")
    if kind == "nullity":
        isnull = frame[node["column"]["name"]].isna().to_numpy(dtype=bool)
        return isnull if node["is_null"] else ~isnull
    if kind == "and":
        out = np.ones(len(frame), dtype=bool)
        for child in node["conditions"]:
            out &= condition(frame, child)
        return out
    if kind == "or":
        out = np.zeros(len(frame), dtype=bool)
        for child in node["conditions"]:
            out |= condition(frame, child)
        return out
    raise NotImplementedError(f"row condition type {kind!r} has no grouped-pass mask")


def _param(value: Any, parameters: Mapping[str, Sequence[str]]) -> Any:
    if isinstance(value, Mapping) and set(value) == {"$PARAMETER"}:
        return parameters[value["$PARAMETER"]]
    return value


def evaluate(frame: pd.DataFrame, expectation: Mapping[str, Any],
             parameters: Mapping[str, Sequence[str]],
             groups: np.ndarray | None = None,
             weights: np.ndarray | None = None,
             single: np.ndarray | None = None) -> ExpectationMasks:
    """The masks of one expectation (GX JSON dict). ``groups`` (stratum codes) makes
    uniqueness hold within each group, as a per-stratum GX run would. With ``weights``, a
    row standing for several identical rows holds a repeated value, unless ``single`` marks
    it as standing for rows whose (patient) keys each occur once in the input."""
    kwargs = expectation["kwargs"]
    kind = expectation["type"]
    col = frame[kwargs["column"]]
    scope = condition(frame, kwargs.get("row_condition"))
    null = col.isna().to_numpy(dtype=bool)
    none = np.zeros(len(frame), dtype=bool)
    if kind == "expect_column_values_to_not_be_null":
        return ExpectationMasks(scope, null & scope, none)
    if kind == "expect_column_values_to_be_null":
        return ExpectationMasks(scope, ~null & scope, none)
    if kind == "expect_column_values_to_be_in_set":
        members = list(_param(kwargs["value_set"], parameters))
        inside = col.isin(members).to_numpy(dtype=bool)
        return ExpectationMasks(scope, ~null & ~inside & scope, null & scope)
    if kind == "expect_column_values_to_be_unique":
        keyed = pd.DataFrame({"k": col, "g": 0 if groups is None else groups})[scope & ~null]
        dup = np.zeros(len(frame), dtype=bool)
        dup[np.flatnonzero(scope & ~null)] = keyed.duplicated(keep=False).to_numpy(dtype=bool)
        if weights is not None:
            repeated = weights > 1 if single is None else (weights > 1) & ~single
            dup |= repeated & scope & ~null
        return ExpectationMasks(scope, dup, null & scope)
    predicate = LIST_PREDICATES.get(kind)
    if predicate is None:
        raise NotImplementedError(f"expectation type {kind!r} has no grouped-pass mask")
    args = {k: _param(v, parameters) for k, v in kwargs.items()
            if k not in ("column", "row_condition", "mostly")}
    ok = predicate(col, **args).to_numpy(dtype=bool)
    return ExpectationMasks(scope, ~null & ~ok & scope, null & scope)
