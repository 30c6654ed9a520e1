"""Stratification-readiness rules (DOMAIN.md §3.10, R-130…R-138), computed on normalized data.

Each rule answers one criterion of DOMAIN §4 for one stratifier (see _stratifiers.py for the
scope and the informative rate of each stratifier field); validator/readiness.py turns the
results into a verdict per stratifier. All rules are aggregates (GroupMeasure): they compute
counts per stratum (site) and never list rows.

The three rules about published tables (R-133 absent values as their own rows, R-134 small
cells, R-135 small denominators) read the report's own race/ethnicity tabulation
(validator/tabulate.py), rebuilt here for the whole input and for each stratum exactly as
``tabulate()`` writes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from validator import tabulate as tab
from validator import tokens
from validator import weights as wt
from validator.catalog import CheckDef
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RuleContext,
    distinct,
)
from validator.engine.rules import rule
from validator.engine.rules._groups import (
    Comparison,
    Groups,
    as_counts,
    by_site,
    compare,
    compare_one,
    counts,
    pct,
)
from validator.engine.rules._stratifiers import (
    LANG,
    UNKNOWN_STATES,
    Stratifier,
    age_bands,
    language_groups,
    payer_groups,
    race_ethnicity_fields,
    site_codes,
    stratifier,
    usable,
)
from validator.fields import ETHNICITY_FIELDS, RACE_FIELDS

# ----------------------------------------------------------------------------- tabulation


@dataclass(frozen=True)
class Tabulator:
    """The report's tabulation for any subset of rows (whole input or one stratum)."""

    inverse: np.ndarray
    records: Sequence[Any]
    #: Row weights of the input (validator/weights.py): None when every row counts once.
    row_weights: np.ndarray | None = None

    def tables(self, rows: np.ndarray) -> list[dict[str, Any]]:
        """Both standards' tables of the rows selected by ``rows``, as tabulate() builds them."""
        return self.tables_of(wt.bincount(self.inverse, self.row_weights, len(self.records),
                                          rows))

    def tables_of(self, weights: np.ndarray) -> list[dict[str, Any]]:
        """Both standards' tables of the records counted ``weights`` times (per record)."""
        # tabulate's own builders, so that these are exactly the report's tables
        return [tab._table(standard, None, self.records, weights)
                for standard in tab.STANDARDS]

    def weights_by(self, groups: np.ndarray, n_groups: int, rows: np.ndarray | None = None
                   ) -> np.ndarray:
        """Rows per (group, record) among ``rows`` (all rows when None; weighted), in one
        pass."""
        n = len(self.records)
        g, inv, w = (groups, self.inverse, self.row_weights) if rows is None else (
            groups[rows], self.inverse[rows],
            None if self.row_weights is None else self.row_weights[rows])
        return wt.bincount(g.astype(np.int64) * n + inv, w, n_groups * n).reshape(n_groups, n)


def tabulator(ctx: RuleContext) -> Tabulator | None:
    """The run's tabulator (cached); None when no race/ethnicity field is mapped."""
    if "tabulator" not in ctx.cache:
        names = [f for f in (*RACE_FIELDS, *ETHNICITY_FIELDS, *tab.FIELDS_2024)
                 if f in ctx.data.fields]
        value = None
        if names and ctx.n_rows:
            fields = [ctx.data.fields[f] for f in names]
            inverse, combos = tab._combinations(fields)
            records = [tab._classify({nf.name: nf.uniques[c]
                                      for nf, c in zip(fields, combo, strict=True)})
                       for combo in combos]
            value = Tabulator(inverse, records, ctx.weights)
        ctx.cache["tabulator"] = value
    found = ctx.cache["tabulator"]
    return found if isinstance(found, Tabulator) else None


def _need_tabulator(ctx: RuleContext) -> Tabulator:
    t = tabulator(ctx)
    if t is None:
        raise NotApplicable("no race, ethnicity or combined race/ethnicity field: nothing is "
                            "tabulated")
    return t


def _constant(m: Measurement) -> GroupMeasure:
    return GroupMeasure(lambda rows: m)


# -----------------------------------------------------------------------------


def standard_declared(ctx: RuleContext) -> tuple[bool, str]:
    """Whether the race/ethnicity standard was declared, and how it was set."""
    prof = ctx.profile
    if prof.standard_declared is True:
        return True, "declared in the profile (standard:)"
    if prof.inferred and ctx.data.fhir is not None and prof.standard == "omb1997":
        return True, "FHIR US Core race/ethnicity extensions (the 1997 standard)"
    if prof.standard_declared is None and not prof.inferred:
        return True, "set by the calling program's Profile"
    if prof.inferred:
        return False, "inferred from canonical column names (no profile): default omb1997"
    return False, "the profile has no standard: key: default omb1997"


@rule("STRAT.PROFILE_DECLARED", single=True)
def profile_declared(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """The dataset violates when no race/ethnicity standard was declared (R-130, S1)."""
    f97, f24 = race_ethnicity_fields(ctx)
    if not f97 and not f24:
        raise NotApplicable("no race, ethnicity or combined race/ethnicity field: no standard "
                            "to declare")
    declared, how = standard_declared(ctx)
    breach = None
    if not declared and f24 and ctx.profile.standard == "omb1997":
        breach = ("the input holds 2024-format fields but every check and the readiness verdict "
                  "ran under the default omb1997 standard")
    details: dict[str, int | float | str] = {
        "declared": int(declared), "fields_1997": len(f97), "fields_2024": len(f24),
        "standard": ctx.profile.standard, "set_by": how}
    return _constant(Measurement(0 if declared else 1, 1, details, breach=breach,
                                 note=f"standard {ctx.profile.standard}: {how}"))


# -----------------------------------------------------------------------------


def _in_scope(s: Stratifier, rows: np.ndarray, weights: np.ndarray | None
              ) -> dict[str, int | float | str]:
    scope = s.scope & rows
    out: dict[str, int | float | str] = {k: wt.count(m & scope, weights)
                                         for k, m in s.states.items()}
    out |= {k: wt.count(m & rows, weights) for k, m in s.excluded.items()}
    return out


@rule("STRAT.INFORMATIVE_RATE", table="patient")
def informative_rate(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Share of the stratifier's records in scope that are informative (R-131, S3, S10)."""
    s = stratifier(ctx, field)

    def measure(rows: np.ndarray) -> Measurement:
        scope = s.scope & rows
        return Measurement(ctx.count(s.informative & scope), ctx.count(scope),
                           _in_scope(s, rows, ctx.weights), note=s.note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Limits:
    language: float
    site: float
    group: float
    min_records: float
    alpha: float


def _site_comparison(sites: Groups, network: dict[str, tuple[int, int]],
                     missing: np.ndarray, scope: np.ndarray, rows: np.ndarray, lim: _Limits,
                     stratum: tuple[bool, int | None] = (False, None),
                     weights: np.ndarray | None = None
                     ) -> tuple[Comparison | None, dict[str, Any]]:
    """Whole input (or several sites): every eligible site against the median site rate.
    One site: that site against the median rate of the eligible sites (``network``: records
    and missing records per site over the whole input). ``stratum``: ctx.stratum_of(rows),
    when the sites are the strata (then nothing is recounted); ``weights``: row weights."""
    known, k = stratum
    if known and k is not None:  # stratum k: its own site (every row when it is the only one)
        present, everything = np.array([k]), len(sites.names) == 1
    elif known:  # the whole input: every site has rows (strata hold only values that occur)
        present, everything = np.arange(len(sites.names)), True
    else:
        present, everything = distinct(sites.codes[rows]), bool(rows.all())
    if len(present) == 1 and not everything:
        which = sites.names[int(present[0])]
        c = compare_one("site", network, which, min_records=lim.min_records,
                        max_ratio=lim.site, alpha=lim.alpha)
        if c is None:
            return None, {}
        n, k = c.groups[which]
        eligible = [kk / nn for nn, kk in network.values() if nn >= lim.min_records]
        return c, {"site_missing_pct": pct(k, n),
                   "site_network_median_missing_pct": round(100 * float(np.median(eligible)), 2)}
    within = network if known and everything else counts(sites, missing, scope & rows, weights)
    c = compare("site", within, min_records=lim.min_records,
                max_ratio=lim.site, alpha=lim.alpha, reference="median")
    if c is None:
        return None, {}
    rates = [k / n for n, k in c.groups.values()]
    median = float(np.median(rates))
    above = sum(1 for r in rates if r > lim.site * median) if median > 0 else sum(
        1 for r in rates if r > 0)
    return c, {"site_median_missing_pct": round(100 * median, 2),
               "site_max_missing_pct": round(100 * max(rates), 2),
               "site_sites_above_ratio": above}


class _DimCounts:
    """``counts(groups, missing, scope & rows)`` per dimension, taken from one grouped pass
    over every row (:func:`by_site`) when ``rows`` is the whole input or a
    stratum whose codes are ``sites`` (the run's strata)."""

    def __init__(self, ctx: RuleContext, missing: np.ndarray, scope: np.ndarray,
                 sites: np.ndarray | None) -> None:
        self.ctx, self.missing, self.scope, self.sites = ctx, missing, scope, sites
        self.tables: dict[str, np.ndarray] = {}

    def __call__(self, name: str, groups: Groups, rows: np.ndarray
                 ) -> dict[str, tuple[int, int]]:
        known, k = self.ctx.stratum_of(rows)
        if not known or (k is not None and self.sites is None):
            return counts(groups, self.missing, self.scope & rows, self.ctx.weights)
        if name not in self.tables:
            self.tables[name] = by_site(groups, self.missing, self.scope, self.sites,
                                        self.ctx.weights)
        return as_counts(groups, self.tables[name].sum(axis=0) if k is None
                         else self.tables[name][k])


@rule("STRAT.DIFFERENTIAL_MISSINGNESS")
def differential_missingness(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Missing rates of the stratifier by language group, site, age band and payer (R-132,
    S6): comparisons whose ratio exceeds its threshold with chi-square p below alpha."""
    s = stratifier(ctx, field)
    lim = _Limits(*(ctx.param(check, k) for k in (
        "max_missing_ratio_language", "max_missing_ratio_site", "max_missing_ratio_group",
        "min_group_records", "alpha")))
    dims: list[tuple[str, Groups, float]] = []
    notes = []
    lang = language_groups(ctx) if field != LANG else None
    if lang is not None:
        dims.append(("language", lang[0], lim.language))
        notes.append(lang[1])
    bands = age_bands(ctx)
    if bands is not None:
        dims.append(("age", bands, lim.group))
    payer = payer_groups(ctx)
    if payer is not None:
        dims.append(("payer", payer, lim.group))
    found_sites = site_codes(ctx)
    sites = None if found_sites is None else Groups(found_sites[0], tuple(found_sites[1]))
    if not dims and sites is None:
        raise NotApplicable("no grouping field: needs a language (lang_spoken_pref or "
                            "caregiver_lang_spoken_pref), a site, birth_date or payer_type")
    missing = s.missing
    network = counts(sites, missing, s.scope, ctx.weights) if sites is not None else {}
    note = (f"missing: not informative; comparisons over groups with at least "
            f"{lim.min_records:g} records; violation: highest/lowest missing rate above "
            f"{lim.language:g} (language) or {lim.group:g} (age band 0-4/5-10/11-17/18+, payer), "
            f"or a site above {lim.site:g} x the network median site rate, with Pearson "
            f"chi-square p < {lim.alpha:g}; " + "; ".join([*notes, s.note]).strip("; "))

    site_of = ctx.strata if sites is not None and ctx.strata is found_sites[0] else None
    dim_counts = _DimCounts(ctx, missing, s.scope, site_of)

    def measure(rows: np.ndarray) -> Measurement:
        found: list[Comparison] = []
        details: dict[str, int | float | str] = {}
        for name, groups, max_ratio in dims:
            c = compare(name, dim_counts(name, groups, rows),
                        min_records=lim.min_records, max_ratio=max_ratio, alpha=lim.alpha)
            if c is not None:
                found.append(c)
                details |= c.details()
        c, extra = (None, {}) if sites is None else _site_comparison(
            sites, network, missing, s.scope, rows, lim,
            ctx.stratum_of(rows) if site_of is not None else (False, None), ctx.weights)
        if c is not None:
            found.append(c)
            details |= c.details(per_group=False) | extra
        if not found:
            return Measurement(0, 0, details, note="no comparison with two groups of at least "
                               f"{lim.min_records:g} records")
        return Measurement(sum(x.violated for x in found), len(found), details, note=note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------

EXCLUSIVE_SECTIONS = ("race", "ethnicity", "alone")


def _imputed(ctx: RuleContext) -> tuple[np.ndarray, str]:
    """Records whose informative race (or ethnicity) value is imputed per *_source."""
    out = ctx.none()
    seen = []
    for source, names in (("race_source", (*RACE_FIELDS, *tab.FIELDS_2024)),
                          ("ethnicity_source", ETHNICITY_FIELDS)):
        if not usable(ctx, source):
            continue
        seen.append(source)
        values = ctx.require(source).flag(lambda u: u.informative[:1] == ("imputed",))
        informative = ctx.none()
        for name in names:
            if usable(ctx, name):
                informative |= ctx.require(name).informative_mask()
        out |= values & informative
    note = ("imputed values: " + " / ".join(seen)) if seen else (
        "race_source not in the input: imputed values cannot be told apart from direct ones")
    return out, note


def _table_problems(table: dict[str, Any]) -> tuple[int, int]:
    """(absent-reason rows missing, records not tabulated) of one table's exclusive sections."""
    missing_rows = unaccounted = 0
    for section, entries in table["sections"].items():
        if section not in EXCLUSIVE_SECTIONS:
            continue
        keys = [e["key"] for e in entries if e["kind"] == "absent"]
        missing_rows += len(set(tokens.TOKENS) - set(keys)) + (len(keys) - len(set(keys)))
        unaccounted += abs(sum(e["count"] for e in entries) - table["rows"])
    return missing_rows, unaccounted


@rule("STRAT.ABSENT_AS_OWN_STRATUM", single=True)
def absent_own_stratum(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """The report's tabulation keeps every absent reason as its own row, counts every record
    once, and (here it cannot) keeps imputed values apart from direct ones (R-133, S4)."""
    t = _need_tabulator(ctx)
    imputed, imputed_note = _imputed(ctx)
    note = ("checked on the report's tabulation (both standards): each absent-reason token "
            "(blank, unknown, declined, not_asked, asked_unknown, unable_to_respond, other, "
            "not_applicable) is its own row, never merged with Other Race, and the race, "
            "ethnicity and alone sections count every record once; the tabulation does not "
            f"separate imputed from direct values ({imputed_note})")

    def measure(rows: np.ndarray) -> Measurement:
        tables = t.tables(rows)
        n_imputed = ctx.count(imputed & rows)
        violating = absent_missing = unaccounted = 0
        for table in tables:
            a, u = _table_problems(table)
            absent_missing += a
            unaccounted += u
            violating += bool(a or u or n_imputed)
        details: dict[str, int | float | str] = {
            "tables": len(tables), "absent_rows_missing": absent_missing,
            "records_not_tabulated": unaccounted, "imputed_in_category_cells": n_imputed}
        return Measurement(violating, len(tables), details, note=note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------


def _cells(t: Tabulator, rows: np.ndarray, kinds: tuple[str, ...] | None = None) -> list[int]:
    return [e["count"] for table in t.tables(rows) for entries in table["sections"].values()
            for e in entries if kinds is None or e["kind"] in kinds]


@rule("STRAT.CELL_SUPPRESSION", single=True)
def cell_suppression(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Cells of the report's tabulation with a count from 1 to min_cell - 1 (R-134, S8)."""
    t = _need_tabulator(ctx)
    min_cell = ctx.param(check, "min_cell")
    note = (f"cells of the report's race/ethnicity tabulation (both standards) for this scope, "
            f"as written to report.json and results.csv; a count from 1 to {min_cell - 1:g} "
            "must be suppressed before the table is published (share-safe mode was not "
            "applied: counts are reported, not suppressed); complementary suppression is "
            "not evaluated")

    def measure(rows: np.ndarray) -> Measurement:
        cells = _cells(t, rows)
        small = sum(1 for c in cells if 0 < c < min_cell)
        details: dict[str, int | float | str] = {
            "cells_zero": sum(1 for c in cells if c == 0), "cells_below_min_cell": small,
            "cells_at_least_min_cell": sum(1 for c in cells if c >= min_cell)}
        return Measurement(small, len(cells), details, note=note)

    return GroupMeasure(measure)


@rule("STRAT.MIN_DENOMINATOR", single=True)
def min_denominator(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Race/ethnicity strata (category and combination cells with records) whose record count,
    the denominator of any rate stratified by them, is below min_denominator (R-135, S9)."""
    t = _need_tabulator(ctx)
    floor = ctx.param(check, "min_denominator")
    events = ctx.param(check, "strict_min_events")
    note = (f"strata: category and combination cells of the report's tabulation (both "
            f"standards) holding records; a rate stratified by one of them has that count as "
            f"its denominator, and rates with a denominator below {floor:g} are not published "
            f"(CMS); the stricter rule of fewer than {events:g} events needs the measure's "
            "events and is not evaluated")

    def measure(rows: np.ndarray) -> Measurement:
        cells = [c for c in _cells(t, rows, ("category", "combination")) if c > 0]
        below = sum(1 for c in cells if c < floor)
        details: dict[str, int | float | str] = {"strata_cells": len(cells),
                                                 "below_min_denominator": below}
        return Measurement(below, len(cells), details,
                           note=note if cells else "no record in any race/ethnicity category")

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------

SOURCE_KINDS = ("self", "proxy", "derived", "observer", "imputed")


@rule("STRAT.DIRECT_SHARE")
def direct_share(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Share of informative race values from a direct source (self or proxy; derived too
    unless derived_is_direct is 0) (R-136, S5)."""
    src = ctx.require(field)
    names = [n for n in (*RACE_FIELDS, "race_ethnicity_2024") if usable(ctx, n)]
    if not names:
        raise NotApplicable("no race or combined race/ethnicity field")
    race = ctx.none()
    for n in names:
        race |= ctx.require(n).informative_mask()
    kinds = {k: src.flag(lambda u, k=k: u.informative[:1] == (k,)) for k in SOURCE_KINDS}
    derived_direct = ctx.param(check, "derived_is_direct") != 0
    direct = kinds["self"] | kinds["proxy"] | (kinds["derived"] if derived_direct else False)
    no_source = ~np.logical_or.reduce(list(kinds.values()))
    masks = {**kinds, "no_recognised_source": no_source}
    note = ("direct: self or proxy" + (" or derived (DOMAIN Q12 default; set "
                                        "derived_is_direct: 0 to exclude)" if derived_direct
                                        else "") + f"; race values: informative {'/'.join(names)}")

    def measure(rows: np.ndarray) -> Measurement:
        scope = race & rows
        details: dict[str, int | float | str] = {k: ctx.count(m & scope)
                                                 for k, m in masks.items()}
        return Measurement(ctx.count(direct & scope), ctx.count(scope), details, note=note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------


@rule("STRAT.UNKNOWN_SHARE_SES_STYLE")
def unknown_share(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Share of the stratifier's records that are 'Unknown' (blank, unknown, not asked, asked
    but unknown, unable), shown against NCQA's legacy 1 % SES benchmark (R-137)."""
    s = stratifier(ctx, field)
    states = {k: s.states[k] for k in ("blank", "unknown", "not_asked", "asked_unknown",
                                       "unable")}
    if "no_language_named" in s.states:
        states["no_language_named"] = s.states["no_language_named"]
    unknown = np.logical_or.reduce(list(states.values())) & ~s.informative
    benchmark = ctx.param(check, "ncqa_ses_unknown_benchmark")
    note = (f"Unknown: {', '.join(UNKNOWN_STATES)} (declined, other and not_applicable are "
            f"answers); NCQA's legacy SES expectation of at most {benchmark:g}% is a benchmark, "
            "not a gate")

    def measure(rows: np.ndarray) -> Measurement:
        scope = s.scope & rows
        n, d = ctx.count(unknown & scope), ctx.count(scope)
        breach = (f"above the NCQA benchmark of {benchmark:g}%"
                  if d and 100.0 * n / d > benchmark else None)
        details: dict[str, int | float | str] = {k: ctx.count(m & scope)
                                                 for k, m in states.items()}
        return Measurement(n, d, details, breach=breach, note=note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------


def binomial_cv(informative: int, records: int) -> float:
    """Coefficient of variation (percent) of an informative rate p = informative / records
    estimated on ``records`` records: 100 * sqrt((1 - p) / (records * p)); infinite when
    no record is informative."""
    if records <= 0 or informative <= 0:
        return math.inf
    p = informative / records
    return 100.0 * math.sqrt((1.0 - p) / (records * p))


@rule("STRAT.SMALL_GROUP_STABILITY")
def small_group_stability(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Strata (sites; the whole input when there are none) whose informative rate has a
    binomial CV above max_cv (R-138, S12)."""
    s = stratifier(ctx, field)
    max_cv = ctx.param(check, "max_cv")
    found = site_codes(ctx)
    codes = found[0] if found is not None else np.zeros(ctx.n_rows, dtype=np.intp)
    what = "each site" if found is not None else "the whole input (no stratum)"
    note = (f"CV = sqrt((1 - p) / (n p)) of the informative rate p over the n records in scope "
            f"of {what}; above {max_cv:g}% the rate is unreliable: collapse strata")

    def measure(rows: np.ndarray) -> Measurement:
        scope = s.scope & rows
        cvs = []
        sizes = []
        for code in distinct(codes[scope]):
            m = scope & (codes == code)
            size = ctx.count(m)
            cvs.append(binomial_cv(ctx.count(s.informative & m), size))
            sizes.append(size)
        finite = [c for c in cvs if not math.isinf(c)]
        details: dict[str, int | float | str] = {
            "strata_evaluated": len(cvs),
            "strata_without_informative": sum(1 for c in cvs if math.isinf(c)),
            "max_cv_pct": round(max(finite), 2) if finite else 0.0,
            "smallest_stratum_records": min(sizes) if sizes else 0}
        return Measurement(sum(1 for c in cvs if c > max_cv), len(cvs), details, note=note)

    return GroupMeasure(measure)
