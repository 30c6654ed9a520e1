"""Missing rates by group, their ratio and a chi-square test of independence (R-122, R-132).

A *comparison* takes the records in scope, a group label per record (language group, site, age
band, payer, entry method) and whether each record is missing the stratifier; it counts records
and missing records per group, keeps the groups with at least ``min_records`` records, and over
those reports:

- each group's missing rate (percent, rounded to 2 decimals in details);
- the ratio of the highest to the lowest rate (or, for sites, to the median site rate);
- Pearson's chi-square test of independence of group and missingness on the groups x
  (missing, informative) table, without continuity correction
  (``scipy.stats.chi2_contingency(table, correction=False)``): statistic, degrees of freedom
  (groups - 1) and p-value. When no record, or every record, is missing the statistic is 0 and
  p is 1 (no association can be measured).

A comparison *violates* when its ratio exceeds the threshold and p is below ``alpha``: a ratio
alone, on small groups, is often chance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from validator import weights as wt


@dataclass(frozen=True)
class Comparison:
    """One comparison of missing rates between groups."""

    name: str
    groups: Mapping[str, tuple[int, int]]  # label -> (records, missing), eligible groups only
    small_groups: int  # groups with records in scope but fewer than min_records
    ratio: float
    chi2: float
    dof: int
    p_value: float
    violated: bool
    reference: str = "min"  # "min": max/min rate; "median": max/median site rate

    def details(self, per_group: bool = True) -> dict[str, int | float | str]:
        """Flat details: ``<name>_<group>_records/_missing/_missing_pct`` (when per_group),
        ``<name>_ratio`` ("inf" when the reference rate is 0), ``_chi2``, ``_dof``,
        ``_p_value``, ``_groups_compared``, ``_small_groups``, ``_violated`` (0/1)."""
        out: dict[str, int | float | str] = {}
        if per_group:
            for label, (n, k) in self.groups.items():
                out[f"{self.name}_{label}_records"] = n
                out[f"{self.name}_{label}_missing"] = k
                out[f"{self.name}_{label}_missing_pct"] = pct(k, n)
        out[f"{self.name}_groups_compared"] = len(self.groups)
        out[f"{self.name}_small_groups"] = self.small_groups
        out[f"{self.name}_ratio"] = ratio_value(self.ratio)
        out[f"{self.name}_chi2"] = round(self.chi2, 4)
        out[f"{self.name}_dof"] = self.dof
        out[f"{self.name}_p_value"] = p_value(self.p_value)
        out[f"{self.name}_violated"] = int(self.violated)
        return out


def pct(part: int, whole: int) -> float:
    """Percent rounded to 2 decimals (0 for an empty whole)."""
    return round(100.0 * part / whole, 2) if whole else 0.0


def ratio(num: float, den: float) -> float:
    """num / den; infinity when only den is 0; 1 when both are (no difference)."""
    if den > 0:
        return num / den
    return math.inf if num > 0 else 1.0


def ratio_value(r: float) -> float | str:
    """A ratio for details: rounded to 4 decimals, or "inf"."""
    return "inf" if math.isinf(r) else round(r, 4)


def p_value(p: float) -> float:
    """A p-value for details: 6 significant digits."""
    return float(f"{p:.6g}")


def chi_square(table: Sequence[Sequence[int]]) -> tuple[float, int, float]:
    """(statistic, dof, p) of Pearson's chi-square test of independence, no correction."""
    t = np.asarray(table, dtype=float)
    dof = (t.shape[0] - 1) * (t.shape[1] - 1)
    if t.shape[0] < 2 or (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
        return 0.0, max(dof, 0), 1.0
    from scipy.stats import chi2_contingency

    statistic, p, df, _ = chi2_contingency(t, correction=False)
    return float(statistic), int(df), float(p)


@dataclass(frozen=True)
class Groups:
    """A grouping of the rows: per-row group code (-1: no group) and the group names."""

    codes: np.ndarray
    names: tuple[str, ...]

    @classmethod
    def from_labels(cls, labels: np.ndarray, names: Sequence[str]) -> Groups:
        """From per-row labels (None: no group); labels not in ``names`` get no group."""
        index = {n: i for i, n in enumerate(names)}
        codes = np.fromiter((index.get(v, -1) if v is not None else -1 for v in labels),
                            np.int64, len(labels))
        return cls(codes, tuple(names))


def counts(groups: Groups, missing: np.ndarray, scope: np.ndarray,
           weights: np.ndarray | None = None) -> dict[str, tuple[int, int]]:
    """(records, missing) per group among ``scope`` rows (each counted ``weights`` times,
    validator/weights.py), in the order of the names; groups without records are left out."""
    return as_counts(groups, by_site(groups, missing, scope, weights=weights)[0])


def by_site(groups: Groups, missing: np.ndarray, scope: np.ndarray,
            sites: np.ndarray | None = None, weights: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``scope`` per (site, group, missing), shape (sites, groups, 2), in one
    bincount; one site when ``sites`` (codes 0..n-1) is None; each row counted ``weights``
    times (validator/weights.py). Rows without a group are not counted."""
    n_groups = len(groups.names)
    n_sites = int(sites.max()) + 1 if sites is not None and len(sites) else 1
    inside = scope & (groups.codes >= 0)
    key = groups.codes[inside] * 2 + missing[inside]
    if sites is not None:
        key = key + sites[inside].astype(np.int64) * (2 * n_groups)
    return wt.bincount(key, None if weights is None else weights[inside],
                       n_sites * n_groups * 2).reshape(n_sites, n_groups, 2)


def as_counts(groups: Groups, table: np.ndarray) -> dict[str, tuple[int, int]]:
    """A (groups, 2) table of :func:`by_site` as counts(): (records, missing) per group."""
    return {name: (int(table[i].sum()), int(table[i, 1]))
            for i, name in enumerate(groups.names) if table[i].sum()}


def compare(name: str, groups: Mapping[str, tuple[int, int]], *, min_records: float,
            max_ratio: float, alpha: float, reference: str = "min") -> Comparison | None:
    """The comparison over the groups with at least ``min_records`` records; None when fewer
    than two such groups. ``reference``: ``min`` (ratio = highest / lowest rate) or ``median``
    (ratio = highest / median of the groups' rates)."""
    eligible = {g: nk for g, nk in groups.items() if nk[0] >= min_records}
    small = sum(1 for nk in groups.values() if 0 < nk[0] < min_records)
    if len(eligible) < 2:
        return None
    rates = [k / n for n, k in eligible.values()]
    ref = float(np.median(rates)) if reference == "median" else min(rates)
    r = ratio(max(rates), ref)
    chi2, dof, p = chi_square([[k, n - k] for n, k in eligible.values()])
    return Comparison(name, eligible, small, r, chi2, dof, p,
                      violated=r > max_ratio and p < alpha, reference=reference)


def compare_one(name: str, groups: Mapping[str, tuple[int, int]], which: str, *,
                min_records: float, max_ratio: float, alpha: float) -> Comparison | None:
    """One group (a site) against the median rate of all eligible groups: ratio = its rate /
    median; chi-square on the 2 x 2 table of that group vs the other eligible groups."""
    eligible = {g: nk for g, nk in groups.items() if nk[0] >= min_records}
    if which not in eligible or len(eligible) < 2:
        return None
    median = float(np.median([k / n for n, k in eligible.values()]))
    n, k = eligible[which]
    rest_n = sum(v[0] for g, v in eligible.items() if g != which)
    rest_k = sum(v[1] for g, v in eligible.items() if g != which)
    r = ratio(k / n, median)
    chi2, dof, p = chi_square([[k, n - k], [rest_k, rest_n - rest_k]])
    return Comparison(name, {which: (n, k), "rest_of_network": (rest_n, rest_k)},
                      0, r, chi2, dof, p, violated=r > max_ratio and p < alpha,
                      reference="median")
