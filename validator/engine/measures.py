"""What a check measures, before it is judged: counts per stratum, or why it cannot run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from validator import weights as wt
from validator.catalog import CheckDef
from validator.normalize import Normalized, NormalizedField
from validator.profile import Profile


class NotApplicable(Exception):
    """Raised by a rule whose inputs are absent; the message is the reason shown to users."""


@dataclass(frozen=True)
class Measurement:
    """Counts for one check on one field in one stratum."""

    numerator: int
    denominator: int
    details: Mapping[str, int | float | str] = field(default_factory=dict)
    breach: str | None = None
    note: str = ""


@dataclass
class RowMeasure:
    """A row-level rule: which rows are in scope and which rows count in the numerator.

    Per-stratum counts are sums of these masks over the stratum's rows, so every stratum is
    computed in the same pass. ``details`` are sub-reason masks (counted the same way);
    ``extra`` may name an additional breach computed from the stratum's rows.
    """

    scope: np.ndarray
    hits: np.ndarray
    details: Mapping[str, np.ndarray] = field(default_factory=dict)
    extra: Callable[[np.ndarray], str | None] | None = None
    note: str = ""

    def measure(self, rows: np.ndarray, weights: np.ndarray | None = None) -> Measurement:
        """Counts within the rows selected by boolean mask ``rows`` (each row counted
        ``weights`` times, validator/weights.py)."""
        scope = self.scope & rows
        return Measurement(
            numerator=wt.count(self.hits & scope, weights),
            denominator=wt.count(scope, weights),
            details={k: wt.count(m & scope, weights) for k, m in self.details.items()},
            breach=self.extra(scope) if self.extra else None,
            note=self.note,
        )


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values, as ``np.unique(values)``: for integer codes whose range is not
    much wider than the array, one bincount (O(n)) instead of a sort (per-site loops call
    this for every stratum and rule; docs/benchmarks.md)."""
    if values.dtype.kind in "iu" and values.size:
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * values.size + 1024:
            return (np.flatnonzero(np.bincount(values - lo)) + lo).astype(values.dtype)
    return np.unique(values)


@dataclass
class GroupMeasure:
    """An aggregate rule (per site, per patient): computed separately for each stratum."""

    fn: Callable[[np.ndarray], Measurement]

    def measure(self, rows: np.ndarray, weights: np.ndarray | None = None) -> Measurement:
        """Counts within the rows selected by boolean mask ``rows`` (the rule's function
        weighs rows itself, through its context)."""
        return self.fn(rows)


@dataclass
class RuleContext:
    """Everything a rule may read."""

    data: Normalized
    profile: Profile
    as_of: dt.date
    as_of_rows: np.ndarray | None
    n_rows: int
    params: Mapping[str, Mapping[str, float]]
    strata: np.ndarray | None = None
    cache: dict[object, object] = field(default_factory=dict)
    #: Opt-in (the worklist, validator/worklist.py): when a dict, the runner stores here, for
    #: each (check id, field) run on this table, the whole-input mask of violating rows, or a
    #: string saying why the check has none (an aggregate). None (default): nothing is kept.
    violations: dict[tuple[str, str | None], np.ndarray | str] | None = None
    #: The results table of an earlier run of the same dataset (validator/previous.py), for
    #: SITE.DISTRIBUTION_SHIFT between runs; None when no --previous table was given.
    previous: Any = None
    #: The runner's row masks, by id: the whole input (stratum None) and each stratum k
    #: (``strata == k``), so that a rule can take a stratum's counts from one grouped pass
    #: (:meth:`stratum_of`). Filled by :func:`register_rows`.
    row_sets: dict[int, tuple[np.ndarray, int | None]] = field(default_factory=dict)
    #: For ``--engine spark`` on dated encounter-level input: the history rules computed in
    #: Spark over the rows themselves (validator/engine/spark_history.py SparkHistory), as
    #: the driver holds grouped rows; None: the rules follow the rows the driver holds.
    history: Any = None

    def register_rows(self, rows: np.ndarray, stratum: int | None) -> None:
        """Declare ``rows`` the whole input (``stratum`` None) or stratum ``stratum``'s rows."""
        self.row_sets[id(rows)] = (rows, stratum)

    def stratum_of(self, rows: np.ndarray) -> tuple[bool, int | None]:
        """(True, None) for the registered whole-input mask, (True, k) for stratum k's mask,
        (False, None) for any other mask."""
        hit = self.row_sets.get(id(rows))
        if hit is not None and hit[0] is rows:
            return True, hit[1]
        return False, None

    def whole_rows(self) -> np.ndarray | None:
        """The registered whole-input mask, if any."""
        return next((m for m, k in self.row_sets.values() if k is None), None)

    @property
    def weights(self) -> np.ndarray | None:
        """Row weights (validator/weights.py): None when every row counts once."""
        return self.data.weights

    def count(self, mask: np.ndarray) -> int:
        """Input rows selected by the boolean row mask ``mask`` (weighted)."""
        return wt.count(mask, self.data.weights)

    def bincount(self, codes: np.ndarray, minlength: int = 0,
                 mask: np.ndarray | None = None) -> np.ndarray:
        """Input rows per code (``np.bincount``, weighted), within ``mask`` when given."""
        return wt.bincount(codes, self.data.weights, minlength, mask)

    @property
    def total(self) -> int:
        """The number of input rows (``n_rows`` unless rows are weighted)."""
        return wt.total(self.n_rows, self.data.weights)

    def distinct_patients(self, mask: np.ndarray) -> int:
        """Distinct patient_id values on the rows of ``mask`` (the caller checked that
        patient_id is mapped); a row standing for single patients (Normalized.single_patients)
        counts as many as its weight."""
        codes = self.data.patient_codes()
        single = self.data.single_patients
        out = 0
        if single is not None:
            out = self.count(mask & single)
            mask = mask & ~single
        ids = codes[mask]
        ids = ids[ids >= 0]
        if ids.size:
            seen = np.zeros(int(ids.max()) + 1, dtype=bool)  # factorized codes: O(n), no sort
            seen[ids] = True
            out += int(np.count_nonzero(seen))
        return out

    def field(self, name: str) -> NormalizedField | None:
        """The normalized field, or None when it is not mapped."""
        return self.data.get(name)

    def require(self, name: str, why: str = "") -> NormalizedField:
        """The normalized field, or NotApplicable naming the missing field."""
        nf = self.data.get(name)
        if nf is None:
            raise NotApplicable(f"{name} is not in the input{(' ' + why) if why else ''}")
        return nf

    def param(self, check: CheckDef, key: str) -> float:
        """A rule parameter: the profile's ``params`` for this check, else (for ages) the
        profile's ``ages`` section, else the catalogue default."""
        own = self.profile.params.get(check.check_id, {})
        if key in own:
            return float(own[key])
        if key in self.profile.ages:
            return float(self.profile.ages[key])
        return float(self.params.get(check.check_id, {}).get(key, check.params[key]))

    def value_counts(self, nf: NormalizedField, rows: np.ndarray,
                     groups: np.ndarray | None = None) -> np.ndarray:
        """Rows per (group, distinct value of ``nf``) among ``rows``, shape (groups, distinct
        values); one group without ``groups`` (per-row group codes 0..n-1, e.g. the strata).
        One bincount, kept for the run: every rule asking for the same field, rows and groups
        shares it, and a per-value flag's count per group is then a sum over a few dozen
        values instead of a pass over the rows (docs/benchmarks.md)."""
        key = ("value_counts", nf.name, id(rows), id(groups))
        hit = self.cache.get(key)
        if hit is not None and hit[0] is rows and hit[1] is groups:  # type: ignore[index]
            return hit[2]  # type: ignore[index,no-any-return]
        n_values = len(nf.uniques)
        known, stratum = self.stratum_of(rows)
        everything = self.whole_rows()
        if (known and stratum is not None and groups is not None and groups is self.strata
                and everything is not None):
            # stratum k's rows are the rows of group k: that row of the whole-input table
            full = self.value_counts(nf, everything, groups)
            table = np.zeros_like(full)
            table[stratum] = full[stratum]
        else:
            whole = (known and stratum is None) or bool(rows.all())
            codes = nf.codes if whole else nf.codes[rows]
            w = self.weights if self.weights is None or whole else self.weights[rows]
            if groups is None or not len(groups):
                table = wt.bincount(codes, w, n_values)[None, :]
            else:
                if int(groups.min()) < 0:
                    raise ValueError("value_counts() needs group codes 0..n-1")
                n_groups = int(groups.max()) + 1
                g = (groups if whole else groups[rows]).astype(np.int64)
                table = wt.bincount(g * n_values + codes, w, n_groups * n_values
                                    ).reshape(n_groups, n_values)
        table.flags.writeable = False
        self.cache[key] = (rows, groups, table)  # the arrays are kept: ids stay theirs
        return table

    def none(self) -> np.ndarray:
        """An all-False row mask."""
        return np.zeros(self.n_rows, dtype=bool)

    def all(self) -> np.ndarray:
        """An all-True row mask."""
        return np.ones(self.n_rows, dtype=bool)


Rule = Callable[[RuleContext, CheckDef, str], "RowMeasure | GroupMeasure"]
