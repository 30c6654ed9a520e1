"""Combined race/ethnicity rules of SPD-15 2024 computed in pandas/numpy (DOMAIN.md §3.4).

The value-set checks (R-051 RE24.VALUESET) and "Some other race" (R-054 RE24.NO_SOR) are GX
expectations (expectations/combined_2024.json). The roll-up of detailed codes to the 7 minimum
categories is :func:`validator.spd15.minimum_category`.
"""

from __future__ import annotations

import numpy as np

from validator import spd15
from validator.catalog import CheckDef
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RowMeasure,
    RuleContext,
    distinct,
)
from validator.engine.rules import rule
from validator.engine.rules._codes import combine
from validator.fields import ETHNICITY_FIELDS, RACE_FIELDS
from validator.normalize import NormalizedField, Unique

COMBINED = "race_ethnicity_2024"
DETAILED = "race_ethnicity_2024_detailed"
FORMAT_1997_FIELDS = (*RACE_FIELDS, *ETHNICITY_FIELDS)
FORMAT_2024_FIELDS = (COMBINED, DETAILED)
STANDARDS = ("omb1997", "spd15_2024")
_MINIMUM = frozenset(spd15.MINIMUM_CATEGORIES)


def _selected(u: Unique) -> frozenset[str]:
    """The minimum-category codes recorded in a ``race_ethnicity_2024`` value."""
    return frozenset(i for i in u.informative if i in _MINIMUM)


def _imputed(ctx: RuleContext) -> np.ndarray:
    """Rows whose race_source is ``imputed`` (kept out of completeness, as for R-027)."""
    src = ctx.field("race_source")
    if src is None:
        return ctx.none()
    return src.flag(lambda u: u.informative == ("imputed",))


def _complete(ctx: RuleContext, nf: NormalizedField) -> np.ndarray:
    """Rows with at least one of the 7 minimum categories, imputed rows excluded."""
    return nf.flag(lambda u: bool(_selected(u))) & ~_imputed(ctx)


@rule("RE24.COMPLETENESS")
def completeness(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Share of rows whose combined answer holds at least one of the 7 minimum categories.

    One selection is a complete answer (Hispanic or Latino alone needs no race). Values that
    are not minimum-category codes (write-ins, 2131-1, detailed codes) do not make a row
    complete; they are RE24.VALUESET's findings. Imputed rows (race_source ``imputed``) are
    not complete, as for RACE.COMPLETENESS (R-027).
    """
    nf = ctx.require(field)
    complete = _complete(ctx, nf)
    other = nf.flag(lambda u: bool(u.informative) and not _selected(u))
    details = {"informative_without_minimum_category": other,
               "imputed_excluded": _imputed(ctx) & nf.flag(lambda u: bool(_selected(u)))}
    return RowMeasure(ctx.all(), complete, details=details)


@rule("RE24.DETAIL_ROLLUP", single=True, result_field=DETAILED)
def detail_rollup(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Detailed codes whose 2024 minimum category is not among the row's selected categories.

    Scope: rows with at least one detailed value that is a CDCREC code with a 2024 minimum
    category (unrecognised detailed values are RE24.VALUESET's findings). Lebanese (2123-8)
    needs MENA (2118-8); Arab (2129-5) needs MENA and Afghanistani (2126-1) needs Asian under
    the DOMAIN Q4 defaults in validator/spd15.py.
    """
    if DETAILED in ctx.profile.not_collected:
        raise NotApplicable(f"{DETAILED} declared not collected in the profile")
    detailed = ctx.require(DETAILED)
    combined = ctx.require(COMBINED, "(needed to compare detailed values with the categories)")

    def in_scope(us: list[Unique]) -> bool:
        return bool(spd15.minimum_categories(us[0].informative))

    def missing(us: list[Unique]) -> bool:
        return bool(spd15.minimum_categories(us[0].informative) - _selected(us[1]))

    def no_category(us: list[Unique]) -> bool:
        return in_scope(us) and not _selected(us[1])

    fields = [detailed, combined]
    hits = combine(fields, missing)
    none_selected = combine(fields, no_category)
    return RowMeasure(combine(fields, in_scope), hits,
                      details={"no_category_selected": none_selected,
                               "other_category_selected": hits & ~none_selected},
                      note="records with a recognised detailed code")


@rule("RE24.DETAIL_COLLECTED", single=True, result_field=DETAILED)
def detail_collected(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Per site: share of complete combined answers that carry at least one detailed value.

    Units are the values of the stratum field (the whole input is one unit when none is
    mapped). A unit with at least one complete answer violates when none of them has a
    detailed value; a missing detailed column is 0 % everywhere, unless the profile declares it
    not collected (an agency exemption), which makes the check NOT_APPLICABLE.
    """
    if DETAILED in ctx.profile.not_collected:
        raise NotApplicable(f"{DETAILED} declared not collected in the profile")
    combined = ctx.require(COMBINED, "(detail is measured among complete combined answers)")
    complete = _complete(ctx, combined)
    detailed = ctx.field(DETAILED)
    has_detail = detailed.informative_mask() if detailed is not None else ctx.none()
    sites = ctx.strata if ctx.strata is not None else np.zeros(ctx.n_rows, dtype=np.intp)
    note = "" if detailed is not None else f"{DETAILED} not in the input"

    def measure(rows: np.ndarray) -> Measurement:
        eligible = violated = 0
        for site in distinct(sites[rows]):
            m = rows & (sites == site) & complete
            if m.any():
                eligible += 1
                violated += not bool((has_detail & m).any())
        details = {"complete_records": ctx.count(complete & rows),
                   "complete_records_with_detail": ctx.count(complete & has_detail & rows)}
        return Measurement(violated, eligible, details,
                           note=note or ("" if eligible else "no complete combined answer"))

    return GroupMeasure(measure)


def _any_informative(ctx: RuleContext, names: tuple[str, ...]) -> np.ndarray | None:
    """Rows with an informative value in any of the named fields; None if none is mapped."""
    present = [nf for f in names if (nf := ctx.field(f)) is not None]
    if not present:
        return None
    out = ctx.none()
    for nf in present:
        out |= nf.informative_mask()
    return out


@rule("RE24.BRIDGE_DECLARED")
def bridge_declared(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Records of one format in a dataset that mixes formats, without a matching
    ``standard_version``.

    A record is in 1997 format when it has an informative value in a 1997 field (race_codes,
    race_omb, race_detailed, ethnicity_code, ethnicity_detailed) and none in a 2024 field
    (race_ethnicity_2024, race_ethnicity_2024_detailed); in 2024 format in the reverse case; a
    record with both is already bridged. Rows (of the whole input or of a stratum) mix formats
    when they hold at least one record of each format. Then every single-format record needs a
    ``standard_version`` of omb1997 (1997 format) or spd15_2024 (2024 format); the numerator
    counts those that have none, an unrecognised one or the other standard's. In rows that do
    not mix formats nothing violates. Denominator: records carrying either format.
    """
    f97 = _any_informative(ctx, FORMAT_1997_FIELDS)
    f24 = _any_informative(ctx, FORMAT_2024_FIELDS)
    if f97 is None or f24 is None:
        missing = "1997-format" if f97 is None else "2024-format"
        raise NotApplicable(f"no {missing} field in the input: the formats cannot be mixed")
    only97, only24, both = f97 & ~f24, f24 & ~f97, f97 & f24
    version = ctx.field("standard_version")
    if version is None:
        declared97 = declared24 = ctx.none()
        note = "standard_version not in the input"
    else:
        declared97 = version.flag(lambda u: u.informative == (STANDARDS[0],))
        declared24 = version.flag(lambda u: u.informative == (STANDARDS[1],))
        note = "per-record standard_version read"
    undeclared97 = only97 & ~declared97
    undeclared24 = only24 & ~declared24

    def measure(rows: np.ndarray) -> Measurement:
        n97, n24 = ctx.count(only97 & rows), ctx.count(only24 & rows)
        mixed = n97 > 0 and n24 > 0
        hits = ctx.count((undeclared97 | undeclared24) & rows) if mixed else 0
        details = {"records_1997_format": n97, "records_2024_format": n24,
                   "records_both_formats": ctx.count(both & rows),
                   "undeclared_1997_format": ctx.count(undeclared97 & rows) if mixed else 0,
                   "undeclared_2024_format": ctx.count(undeclared24 & rows) if mixed else 0}
        state = "formats mixed" if mixed else "one format only"
        return Measurement(hits, ctx.count((f97 | f24) & rows), details,
                           note=f"{state}; {note}")

    return GroupMeasure(measure)
