"""R-001 DATASET.NOT_EMPTY on a non-empty input (the empty case is an ERROR set by the runner)."""

from __future__ import annotations

from validator.catalog import CheckDef
from validator.engine.measures import RowMeasure, RuleContext
from validator.engine.rules import rule


@rule("DATASET.NOT_EMPTY", single=True)
def not_empty(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Every row is in scope and none violates: the row count is the denominator."""
    return RowMeasure(ctx.all(), ctx.none(), note="rows read")
