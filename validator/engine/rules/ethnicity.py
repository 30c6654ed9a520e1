"""Ethnicity rules computed in pandas/numpy (DOMAIN.md §3.3). Value-set, completeness and
detailed-consistency rules run as GX expectations (expectations/ethnicity.json)."""

from __future__ import annotations

from validator import cdcrec
from validator.catalog import CheckDef
from validator.engine.measures import NotApplicable, RowMeasure, RuleContext
from validator.engine.rules import rule
from validator.engine.rules._codes import combine, is_hispanic_item, race_fields
from validator.normalize import Unique


@rule("ETH.SINGLE_CATEGORY")
def single_category(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """More than one ethnicity value, or a category together with an absent reason."""
    nf = ctx.require(field)
    scope = nf.flag(lambda u: bool(u.informative) or bool(u.absent))
    several = nf.flag(lambda u: len(u.informative) > 1)
    mixed = nf.flag(lambda u: bool(u.informative) and bool(u.absent))
    return RowMeasure(scope, several | mixed,
                      details={"several_categories": several, "category_and_absent": mixed})


@rule("ETH.RACE_CROSSCHECK")
def race_crosscheck(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Ethnicity Not Hispanic while the race field or race text indicates Hispanic origin."""
    eth = ctx.require(field)
    others = race_fields(ctx)
    text = ctx.field("race_text")
    if text is not None:
        others.append(text)
    if not others:
        raise NotApplicable("no race field is in the input to compare ethnicity with")

    def not_hispanic(u: Unique) -> bool:
        return u.informative == (cdcrec.NOT_HISPANIC,)

    def conflict(us: list[Unique]) -> bool:
        return not_hispanic(us[0]) and any(
            is_hispanic_item(i) for u in us[1:] for i in u.informative
        )

    scope = eth.flag(not_hispanic)
    return RowMeasure(scope, combine([eth, *others], conflict))
