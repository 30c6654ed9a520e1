"""Absent-reason rules: placeholders left unmapped (R-003), ASKU meaning (R-004) and whether
sites distinguish unknown from declined from not asked (R-005)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from validator import tokens
from validator.catalog import CheckDef
from validator.engine.measures import GroupMeasure, Measurement, RowMeasure, RuleContext
from validator.engine.rules import rule


@rule("NULL.TOKEN_MAPPED")
def token_mapped(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Rows holding a value that looks like a placeholder but was not mapped to a token."""
    nf = ctx.require(field)
    scope = nf.flag(lambda u: u.state != tokens.BLANK or bool(u.mapped))
    hits = nf.flag(lambda u: u.placeholder is not None)
    details = {
        kind: nf.flag(lambda u, k=kind: u.placeholder == k)
        for kind, _ in tokens.PLACEHOLDER_PATTERNS
    }
    return RowMeasure(scope, hits, details={k: v for k, v in details.items() if v.any()})


@rule("NULL.ASKU_PROFILE_DECLARED")
def asku_declared(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Rows holding ASKU when the profile does not say what ASKU means for this field."""
    nf = ctx.require(field)
    declared = ctx.profile.asku_meaning(nf.spec)
    scope = nf.flag(lambda u: u.state != tokens.BLANK)
    asku = nf.flag(lambda u: u.has_asku)
    hits = ctx.none() if declared else asku
    note = f"ASKU read as {declared}" if declared else "ASKU read as asked_unknown (default)"
    return RowMeasure(scope, hits, details={"asku_rows": asku}, note=note)


@rule("NULL.REASONS_DISTINGUISHED")
def reasons_distinguished(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Per site: all absent values carry one token and `declined` is never used."""
    nf = ctx.require(field)
    min_absent = ctx.param(check, "min_absent")
    absent = ~nf.per_value(lambda u: bool(u.informative) or u.date is not None)
    states = [u.state for u in nf.uniques]

    def one_unit(per_value: np.ndarray) -> tuple[bool, bool, Counter[str]]:
        """``per_value``: the unit's rows per distinct value."""
        counts: Counter[str] = Counter()
        for i in np.flatnonzero(absent & (per_value > 0)):
            counts[states[i]] += int(per_value[i])
        total = sum(counts.values())
        eligible = total >= min_absent
        violated = eligible and len(counts) == 1 and counts.get("declined", 0) == 0
        return eligible, violated, counts

    def measure(rows: np.ndarray) -> Measurement:
        eligible = violated = 0
        overall: Counter[str] = Counter()
        table = ctx.value_counts(nf, rows, ctx.strata)  # one row per site (or one unit)
        for site in np.flatnonzero(table.sum(axis=1)):
            e, v, counts = one_unit(table[site])
            eligible += e
            violated += v
            overall.update(counts)
        details: dict[str, int | float | str] = {f"absent_{t}": overall.get(t, 0)
                                                 for t in tokens.TOKENS}
        details["units_evaluated"] = eligible
        note = "" if eligible else f"fewer than {min_absent:g} absent values"
        return Measurement(violated, eligible, details, note=note)

    return GroupMeasure(measure)
