"""Site comparison and collection practice (DOMAIN.md §3.9, R-120…R-122), for collaboratives
that pool extracts of several sites (the profile's ``stratum``, by default ``site_id``).

- R-120 SITE.CATEGORY_NEVER_USED: a large site never records a category the network uses.
- R-121 SITE.DISTRIBUTION_SHIFT: a site's minimum-category shares differ from the rest of the
  network, or any scope's shares changed since an earlier run (``--previous`` results table).
- R-122 SITE.ENTRY_METHOD_MISSINGNESS: missing rates by entry method or channel.

All three are aggregates (GroupMeasure) and print only counts, public codes (CDCREC codes,
the tabulation's named groups) and the project's category names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from validator import spd15
from validator.catalog import CheckDef
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RuleContext,
    distinct,
)
from validator.engine.rules import rule
from validator.engine.rules._groups import Groups, compare, counts, pct, ratio_value
from validator.engine.rules._stratifiers import LANG, site_codes, stratifier, usable
from validator.engine.rules.language import is_non_english
from validator.engine.rules.strat import Tabulator, tabulator
from validator.normalize import NormalizedField, Unique

# -----------------------------------------------------------------------------

AIAN, NHPI = "1002-5", "2076-8"


def _omb_categories(u: Unique) -> frozenset[str]:
    return frozenset(c for c in map(spd15.omb1997_race_category, u.informative) if c)


def _declined(u: Unique) -> bool:
    return not u.informative and "declined" in u.absent


def _race_1997(nf: NormalizedField) -> dict[str, np.ndarray]:
    return {"multiracial": nf.per_value(lambda u: len(_omb_categories(u)) >= 2),
            "declined": nf.per_value(_declined),
            "nhpi": nf.per_value(lambda u: NHPI in _omb_categories(u)),
            "aian": nf.per_value(lambda u: AIAN in _omb_categories(u))}


def _race_2024(nf: NormalizedField) -> dict[str, np.ndarray]:
    def cats(u: Unique) -> frozenset[str]:
        return spd15.minimum_categories(u.informative)

    return {"multiracial": nf.per_value(lambda u: len(cats(u)) >= 2),
            "declined": nf.per_value(_declined),
            "nhpi": nf.per_value(lambda u: spd15.NHPI in cats(u)),
            "aian": nf.per_value(lambda u: spd15.AIAN in cats(u)),
            "mena": nf.per_value(lambda u: spd15.MENA in cats(u))}


#: The categories watched per field, as per-value flags (NormalizedField.per_value).
WATCHED: dict[str, Callable[[NormalizedField], dict[str, np.ndarray]]] = {
    "race_codes": _race_1997,
    "race_omb": _race_1997,
    "ethnicity_code": lambda nf: {"declined": nf.per_value(_declined)},
    "race_ethnicity_2024": _race_2024,
    LANG: lambda nf: {"non_english": nf.per_value(is_non_english),
                      "declined": nf.per_value(_declined)},
}


def _need_sites(ctx: RuleContext) -> tuple[np.ndarray, list[str]]:
    found = site_codes(ctx)
    if found is None:
        raise NotApplicable("no site_id or stratum: categories are compared between sites")
    return found


@rule("SITE.CATEGORY_NEVER_USED")
def category_never_used(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Sites with at least min_site_informative informative records that never record a
    watched category the network uses in at least min_network_share % of its records."""
    codes, labels = _need_sites(ctx)
    nf = ctx.require(field)
    s = stratifier(ctx, field)
    flags = WATCHED[field](nf)  # per distinct value
    min_inf = ctx.param(check, "min_site_informative")
    min_share = ctx.param(check, "min_network_share")
    per_value = ctx.bincount(nf.codes, len(nf.uniques))  # rows per distinct value
    network = {k: pct(int(per_value[f].sum()), ctx.total) for k, f in flags.items()}
    watched = [k for k, share in network.items() if share >= min_share]
    note = (f"sites with at least {min_inf:g} informative records; watched: categories the "
            f"network records in at least {min_share:g}% of its records "
            f"({', '.join(watched) or 'none'})")

    def measure(rows: np.ndarray) -> Measurement:
        evaluated = violated = 0
        never = dict.fromkeys(flags, 0)
        informative = ctx.bincount(codes, len(labels), mask=rows & s.informative)
        table = ctx.value_counts(nf, rows, codes)  # rows per site and distinct value
        used = {k: table[:, flags[k]].sum(axis=1) > 0 for k in watched}
        for site in np.flatnonzero(table.sum(axis=1)):
            if int(informative[site]) < min_inf:
                continue
            evaluated += 1
            missing = [k for k in watched if not used[k][site]]
            violated += bool(missing)
            for k in missing:
                never[k] += 1
        details: dict[str, int | float | str] = {f"network_{k}_pct": v
                                                 for k, v in network.items()}
        details |= {f"sites_never_{k}": n for k, n in never.items()}
        if not evaluated:
            return Measurement(0, 0, details, note=f"no site with at least {min_inf:g} "
                               f"informative {field} records")
        return Measurement(violated, evaluated, details, note=note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------

#: Tabulation sections compared under each standard: the minimum categories of the standard
#: the profile declares (category and combination rows; absent and unclassified rows are not).
SECTIONS = {"omb1997": ("race", "ethnicity"), "spd15_2024": ("alone",)}
SHARE_KINDS = ("category", "combination")


def _shares(table: Mapping[str, int], keys: Sequence[str], minimum: float
            ) -> dict[str, float] | None:
    """Each category's share of the classified records, None below ``minimum`` records."""
    total = sum(table.get(k, 0) for k in keys)
    if total < minimum or total == 0:
        return None
    return {k: table.get(k, 0) / total for k in keys}


@dataclass
class _Shift:
    """Comparisons made and the largest change seen."""

    limit: float
    comparisons: dict[str, int]
    shifted: dict[str, int]
    max_pp: float = 0.0
    max_what: str = ""

    def add(self, kind: str, current: Mapping[str, dict[str, float] | None],
            reference: Mapping[str, dict[str, float] | None], against: str) -> None:
        """One comparison: every section whose shares are known on both sides."""
        worst, what = 0.0, ""
        compared = False
        for section, cur in current.items():
            ref = reference.get(section)
            if cur is None or ref is None:
                continue
            compared = True
            for key in cur:  # rounded: equal changes keep the first category in table order
                diff = round(100.0 * (cur[key] - ref.get(key, 0.0)), 9)
                if abs(diff) > abs(worst):
                    worst, what = diff, f"{section} {key} vs {against}"
        if not compared:
            return
        self.comparisons[kind] += 1
        self.shifted[kind] += abs(worst) > self.limit
        if abs(worst) > abs(self.max_pp):
            self.max_pp, self.max_what = worst, what

    def measurement(self, note: str, previous_run: str | None) -> Measurement:
        details: dict[str, int | float | str] = {}
        for kind in ("between_sites", "between_runs"):
            details[f"comparisons_{kind}"] = self.comparisons[kind]
            details[f"shifted_{kind}"] = self.shifted[kind]
        details["max_shift_pp"] = round(self.max_pp, 2)
        details["max_shift"] = self.max_what
        if previous_run is not None:
            details["previous_run_id"] = previous_run
        total = sum(self.comparisons.values())
        return Measurement(sum(self.shifted.values()), total, details,
                           note=note if total else "no comparison possible: " + note)


def _section_keys(t: Tabulator, standard: str) -> dict[str, list[str]]:
    table = next(x for x in t.tables_of(np.zeros(len(t.records), dtype=np.int64))
                 if x["standard"] == standard)
    return {f"{standard}.{name}": [e["key"] for e in table["sections"][name]
                                   if e["kind"] in SHARE_KINDS]
            for name in SECTIONS[standard]}


def _current(t: Tabulator, weights: np.ndarray, standard: str, keys: Mapping[str, list[str]],
             minimum: float) -> dict[str, dict[str, float] | None]:
    """Shares of the minimum categories among records counted ``weights`` times."""
    table = next(x for x in t.tables_of(weights) if x["standard"] == standard)
    counts_ = {f"{standard}.{name}": {e["key"]: e["count"] for e in entries}
               for name, entries in table["sections"].items()}
    return {sec: _shares(counts_[sec], ks, minimum) for sec, ks in keys.items()}


def _site_weights(ctx: RuleContext, t: Tabulator, codes: np.ndarray, network: np.ndarray,
                  rows: np.ndarray) -> np.ndarray:
    """Records per (site, tabulation record) among ``rows``: the whole-input ``network``
    table itself, or its row for a stratum, when ``rows`` is one the runner registered."""
    known, k = ctx.stratum_of(rows) if codes is ctx.strata else (False, None)
    if known and k is None:
        return network
    if known:  # stratum k: the rows of site k
        out = np.zeros_like(network)
        out[k] = network[k]
        return out
    return t.weights_by(codes, len(network), rows)


@rule("SITE.DISTRIBUTION_SHIFT", single=True)
def distribution_shift(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Minimum-category shares (of the records with a category) that differ by more than
    max_share_change_pp between a site and the rest of the network, or between this run and
    the previous run's results table, for the whole input and each site."""
    t = tabulator(ctx)
    if t is None:
        raise NotApplicable("no race, ethnicity or combined race/ethnicity field")
    found = site_codes(ctx)
    prev = ctx.previous
    if found is None and prev is None:
        raise NotApplicable("needs sites (a stratum) to compare between sites, or a previous "
                            "results table (--previous) to compare between runs")
    limit = ctx.param(check, "max_share_change_pp")
    minimum = ctx.param(check, "min_site_records")
    standard = ctx.profile.standard
    keys = _section_keys(t, standard)
    codes, labels = found if found is not None else (np.zeros(ctx.n_rows, dtype=np.intp), [])
    note = (f"shares of the {standard} minimum categories among records with a category "
            f"({', '.join(keys)}); scopes with fewer than {minimum:g} such records are not "
            f"compared; a shift is a change of more than {limit:g} percentage points; between "
            "runs: " + (f"previous run {prev.run_id}" if prev is not None else
                        "no previous results table (--previous), not evaluated"))

    def previous_shares(stratum: str | None) -> dict[str, dict[str, float] | None]:
        out: dict[str, dict[str, float] | None] = {}
        for sec, ks in keys.items():
            table = prev.table(stratum, sec)
            out[sec] = None if table is None else _shares(table, ks, minimum)
        return out

    several_sites = found is not None and len(distinct(codes)) > 1
    n_sites = int(codes.max()) + 1 if found is not None and len(codes) else 0
    # records per site over every row: a site's "rest of network" is the total minus the site
    network = t.weights_by(codes, n_sites) if found is not None else None

    def measure(rows: np.ndarray) -> Measurement:
        shift = _Shift(limit, {"between_sites": 0, "between_runs": 0},
                       {"between_sites": 0, "between_runs": 0})
        in_rows = None if network is None else _site_weights(ctx, t, codes, network, rows)
        present = (np.flatnonzero(in_rows.sum(axis=1)) if in_rows is not None
                   else np.zeros(0, np.intp))
        whole = found is None or len(present) > 1 or bool(rows.all())
        for code in (int(c) for c in present):
            assert in_rows is not None and network is not None
            site = in_rows[code]  # the records of rows & (codes == code)
            if several_sites:
                shift.add("between_sites", _current(t, site, standard, keys, minimum),
                          _current(t, network.sum(axis=0) - network[code], standard, keys,
                                   minimum), "rest of network")
            if prev is not None:
                shift.add("between_runs", _current(t, site, standard, keys, minimum),
                          previous_shares(labels[code]), "previous run")
        if prev is not None and whole:
            weights = ctx.bincount(t.inverse, len(t.records), mask=rows)
            shift.add("between_runs", _current(t, weights, standard, keys, minimum),
                      previous_shares(None), "previous run")
        return shift.measurement(note, None if prev is None else prev.run_id)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------

#: Entry methods (project vocabulary) and the phrases read as each, first match wins; any
#: other recorded value is ``other`` (values are never printed).
ENTRY_METHODS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kiosk", ("kiosk", "tablet")),
    ("portal", ("portal", "patient portal", "mychart", "my chart", "online", "web", "app",
                "self service", "pre registration", "preregistration", "e check in")),
    ("phone", ("phone", "telephone", "call center", "call centre")),
    ("interface", ("interface", "hl7", "fhir", "feed", "import", "imported", "electronic",
                   "edi", "migration", "migrated", "api", "batch")),
    ("manual", ("manual", "paper", "abstracted", "abstraction", "chart review", "transcribed",
                "keyed", "hand entered", "data entry")),
    ("registration", ("registration", "registrar", "front desk", "admitting", "admission",
                      "in person", "intake", "clerk")),
)
METHOD_ORDER = (*(m for m, _ in ENTRY_METHODS), "other")


def entry_method(u: Unique) -> str | None:
    """The entry method of a value (None when blank or an absent reason)."""
    if not u.informative:
        return None
    words = f" {' '.join(re.findall(r'[a-z]+', u.informative[0].lower()))} "
    for method, phrases in ENTRY_METHODS:
        if any(f" {p} " in words for p in phrases):
            return method
    return "other"


@rule("SITE.ENTRY_METHOD_MISSINGNESS")
def entry_method_missingness(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Informative rate of the stratifier among records with a recorded entry method, with
    the missing rate per method, the ratio of the highest to the lowest and a chi-square
    test; a finding (information only) when the ratio exceeds max_missing_ratio with p below
    alpha."""
    if not usable(ctx, "entry_method"):
        raise NotApplicable("entry_method is not in the input (how records were entered)")
    s = stratifier(ctx, field)
    em = ctx.require("entry_method")
    per_unique = np.array([METHOD_ORDER.index(m) if (m := entry_method(u)) else -1
                           for u in em.uniques], dtype=np.int64)
    methods = Groups(per_unique[em.codes], METHOD_ORDER)
    recorded = methods.codes >= 0
    lim = {k: ctx.param(check, k) for k in ("max_missing_ratio", "min_group_records", "alpha")}
    note = (f"records with a recorded entry_method ({', '.join(METHOD_ORDER)}); methods with "
            f"fewer than {lim['min_group_records']:g} records are not compared")

    def measure(rows: np.ndarray) -> Measurement:
        scope = s.scope & rows & recorded
        c = compare("method", counts(methods, s.missing, s.scope & rows, ctx.weights),
                    min_records=lim["min_group_records"], max_ratio=lim["max_missing_ratio"],
                    alpha=lim["alpha"])
        details: dict[str, Any] = c.details() if c is not None else {}
        details["no_entry_method"] = ctx.count(s.scope & rows & ~recorded)
        breach = None
        if c is not None and c.violated:
            breach = (f"missing rate differs by entry method: highest/lowest "
                      f"{ratio_value(c.ratio)} > {lim['max_missing_ratio']:g}, chi-square "
                      f"{c.chi2:.2f} (dof {c.dof}), p {c.p_value:.3g}")
        return Measurement(ctx.count(s.informative & scope), ctx.count(scope), details,
                           breach=breach, note=note)

    return GroupMeasure(measure)
