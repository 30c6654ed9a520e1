"""Run every enabled check on the normalized input, for the whole input and for each stratum.

Plan: each implemented catalogue check is bound to the fields it evaluates that are present.
A check none of whose fields is present is NOT_APPLICABLE (or FAIL for a required field's
completeness check); a field declared not collected is NOT_APPLICABLE with that reason.
GX-backed checks run once per stratum subset; pandas rules compute row masks once and are
summed per stratum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from validator import catalog, sogi, timing
from validator.catalog import CheckDef
from validator.engine import gx_adapter, gx_checks, masks, parameters
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RowMeasure,
    RuleContext,
)
from validator.engine.rules import RuleSpec, load_all
from validator.fields import SOGI_POLICY_FIELDS, required_groups
from validator.judge import Thresholds, error, failed, judge, not_applicable, thresholds_for
from validator.normalize import dictionary_encoded
from validator.results import CheckResult, Measure

EMPTY_REASON = "input has 0 rows"

#: Checks whose inputs exist but whose premise does not hold for this profile.
PRECONDITIONS: dict[str, Callable[[RuleContext], str | None]] = {
    "PATIENT.KEY_UNIQUE": lambda ctx: (
        "encounter-level input (profile grain: encounter): several rows per patient expected"
        if ctx.profile.grain == "encounter"
        else None
    ),
}


@dataclass
class _Plan:
    check: CheckDef
    field: str | None
    gx: list[int] | None = None
    rule: RuleSpec | None = None
    fixed: Callable[[str | None], CheckResult] | None = None
    table: str = "patient"


@dataclass
class _Table:
    """One table of the run (patients, or caregivers) with its GX outcomes per stratum."""

    name: str
    ctx: RuleContext
    frame: pd.DataFrame
    gx: list[gx_checks.GxCheck]
    strata_rows: dict[str | None, np.ndarray]
    outcomes: dict[str | None, list[gx_adapter.GxOutcome]] = field(default_factory=dict)
    position: dict[int, int] = field(default_factory=dict)
    violations: dict[int, np.ndarray] = field(default_factory=dict)


def strata_of(ctx: RuleContext) -> list[tuple[str | None, np.ndarray | None]]:
    """(label, row mask) for the whole input (None) and each value of the stratum field."""
    out: list[tuple[str | None, np.ndarray | None]] = [(None, None)]
    name = ctx.profile.stratum
    if not name or name not in ctx.data.fields:
        return out
    codes, labels = ctx.data.stratum_codes(name)
    ctx.strata = codes
    for i, label in enumerate(labels):
        out.append((label, codes == i))
    return out


def _missing_reason(ctx: RuleContext, check: CheckDef) -> tuple[str, bool]:
    """Why none of the check's fields is present, and whether that is a required-field FAIL."""
    fields = check.fields
    declared = [f for f in fields if f in ctx.profile.not_collected]
    if declared:
        return f"{', '.join(declared)} declared not collected in the profile", False
    for group, members in required_groups(ctx.profile.standard,
                                          ctx.profile.sogi_policy).items():
        if check.category == "completeness" and set(fields) == set(members):
            return (
                f"required field {group} ({' / '.join(members)}) is not in the input; "
                "map it in the profile, or declare it under not_collected if the source "
                "does not collect it", True,
            )
    names = " / ".join(fields) if fields else "its inputs"
    return f"{names} not in the input", False


GxIndex = dict[str, dict[str, tuple[str, list[int]]]]

#: Whole-table GX counts from another engine (validator/engine/spark_run.py): called with the
#: table name ("patient" or "caregiver"), its prepared pandas frame, the columns the
#: expectations reference, the expectations and their parameters; returns one outcome each.
WholeCounts = Callable[[str, pd.DataFrame, list[str], list[Mapping[str, Any]],
                        Mapping[str, Sequence[str]]], list[gx_adapter.GxOutcome]]


def _plan(ctx: RuleContext, checks: Mapping[str, CheckDef], tables: Mapping[str, _Table],
          rules: Mapping[str, RuleSpec]) -> list[_Plan]:
    """One plan per (check, field) to run, skipping disabled and unimplemented checks."""
    by_check: GxIndex = {}
    for t in tables.values():
        for i, g in enumerate(t.gx):
            entry = by_check.setdefault(g.check_id, {}).setdefault(g.field, (t.name, []))
            entry[1].append(i)
    table_of = {f: t.name for t in tables.values() for f in t.ctx.data.fields}
    plans: list[_Plan] = []
    for check in checks.values():
        if check.implemented and check.check_id not in ctx.profile.disabled:
            plans += _plan_check(ctx, check, by_check.get(check.check_id, {}),
                                 rules.get(check.check_id), table_of)
    return plans


def _plan_check(ctx: RuleContext, check: CheckDef, gx_fields: Mapping[str, tuple[str, list[int]]],
                spec: RuleSpec | None, table_of: Mapping[str, str]) -> list[_Plan]:
    first = check.fields[0] if check.fields else None
    if not check.applies_to_standard(ctx.profile.standard):
        reason = (f"applies to the {check.profiles} standard; the profile declares "
                  f"{ctx.profile.standard}")
        return [_Plan(check, first, fixed=lambda s: not_applicable(check, first, s, reason))]
    if spec is not None and spec.single:
        if spec.result_field in ctx.profile.not_collected:
            reason = f"{spec.result_field} declared not collected in the profile"
            return [_Plan(check, spec.result_field, fixed=lambda s: not_applicable(
                check, spec.result_field, s, reason))]
        if spec.table and spec.table not in ("patient", *table_of.values()):
            reason = f"the profile maps no {spec.table} fields"
            return [_Plan(check, spec.result_field, fixed=lambda s: not_applicable(
                check, spec.result_field, s, reason))]
        return [_Plan(check, spec.result_field, rule=spec, table=spec.table or "patient")]
    if not check.fields:
        return [_Plan(check, None, rule=spec)]
    fields = [f for f in check.fields if f in table_of and f not in ctx.profile.not_collected]
    if not fields:
        return [_missing_plan(ctx, check)]
    excluded = sogi.excluded_reason(ctx.profile)
    plans = [
        _Plan(check, f, table=table_of[f], fixed=lambda s, f=f, r=excluded: not_applicable(
            check, f, s, r)) if excluded and f in SOGI_POLICY_FIELDS
        else _plan_field(check, f, gx_fields, spec, set(table_of), table_of)
        for f in fields
    ]
    return [p for p in plans if p is not None]


def _plan_field(check: CheckDef, field_name: str, gx_fields: Mapping[str, tuple[str, list[int]]],
                spec: RuleSpec | None, present: set[str],
                table_of: Mapping[str, str]) -> _Plan | None:
    table = table_of[field_name]
    if field_name in gx_fields:
        table, indices = gx_fields[field_name]
        return _Plan(check, field_name, gx=indices, table=table)
    if spec is not None:
        return _Plan(check, field_name, rule=spec, table=spec.table or table)
    if gx_fields:
        return None  # the GX check reports on a sibling field (completeness)
    declared = gx_checks.declared_fields(check.check_id)
    if field_name in declared:
        missing = sorted(declared[field_name] - present)
        reason = f"{' / '.join(missing) or 'a required column'} not in the input"
        return _Plan(check, field_name, table=table,
                     fixed=lambda s: not_applicable(check, field_name, s, reason))
    return _Plan(check, field_name, table=table, fixed=lambda s: error(
        check, field_name, s, "no implementation for this field"))


def _missing_plan(ctx: RuleContext, check: CheckDef) -> _Plan:
    reason, is_fail = _missing_reason(ctx, check)
    field = check.fields[0]
    if is_fail:
        t = thresholds_for(check, ctx.profile.thresholds)
        m = Measurement(0, ctx.total)
        return _Plan(check, field, fixed=lambda s: failed(check, field, s, reason, t, m))
    return _Plan(check, field, fixed=lambda s: not_applicable(check, field, s, reason))


def _evaluate_rule(ctx: RuleContext, plan: _Plan) -> RowMeasure | GroupMeasure | str:
    pre = PRECONDITIONS.get(plan.check.check_id)
    reason = pre(ctx) if pre else None
    if reason:
        return reason
    assert plan.rule is not None
    try:
        return plan.rule.fn(ctx, plan.check, plan.field or "")
    except NotApplicable as exc:
        return str(exc)


def _caregiver_context(ctx: RuleContext) -> tuple[RuleContext, np.ndarray] | None:
    """A context over the caregiver rows, and each caregiver row's stratum code (-1: none)."""
    cg = ctx.data.caregivers
    if cg is None:
        return None
    codes = np.full(cg.n_rows, -1, dtype=np.int64)
    if ctx.strata is not None and cg.n_patients:
        per_patient = np.full(cg.n_patients, -1, dtype=np.int64)
        per_patient[cg.row_patient_code] = ctx.strata
        linked = cg.patient_code >= 0
        codes[linked] = per_patient[cg.patient_code[linked]]
    sub = RuleContext(data=cg.data, profile=ctx.profile, as_of=ctx.as_of, as_of_rows=None,
                      n_rows=cg.n_rows, params=ctx.params,
                      strata=codes if ctx.strata is not None else None)
    return sub, codes


def _tables(ctx: RuleContext, strata: list[tuple[str | None, np.ndarray | None]]
            ) -> dict[str, _Table]:
    frame = gx_checks.prepare_frame(ctx)
    all_rows = np.ones(ctx.n_rows, dtype=bool)
    ctx.register_rows(all_rows, None)
    for i, (_, m) in enumerate(strata[1:]):
        assert m is not None
        ctx.register_rows(m, i)  # strata_of numbers the masks as the codes: strata == i
    out = {"patient": _Table("patient", ctx, frame, gx_checks.select(frame.columns,
                                                                     ctx.data.fields),
                             {label: all_rows if m is None else m for label, m in strata})}
    sub = _caregiver_context(ctx)
    if sub is not None:
        cg_ctx, codes = sub
        cg_frame = gx_checks.prepare_frame(cg_ctx)
        rows: dict[str | None, np.ndarray] = {None: np.ones(cg_ctx.n_rows, dtype=bool)}
        cg_ctx.register_rows(rows[None], None)
        for i, (label, _) in enumerate(strata[1:]):
            rows[label] = codes == i
            cg_ctx.register_rows(rows[label], i)
        out["caregiver"] = _Table("caregiver", cg_ctx, cg_frame,
                                  gx_checks.select(cg_frame.columns, cg_ctx.data.fields), rows)
    return out


def _gx_by_columns(frame: pd.DataFrame, expectations: list[Mapping[str, Any]],
                   params: Mapping[str, Sequence[str]]) -> list[gx_adapter.GxOutcome]:
    """GX's whole-table outcomes, one GX call per set of columns the expectations read, each
    on a frame of just those columns: GX copies the whole frame for every expectation's
    domain (``df[df[col].notnull()]``), so a frame of 1-2 columns instead of all of them cuts
    its time and peak memory (docs/benchmarks.md)."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for k, e in enumerate(expectations):
        groups.setdefault(tuple(sorted(gx_checks.columns_of(e))), []).append(k)
    whole: list[gx_adapter.GxOutcome | None] = [None] * len(expectations)
    for cols, members in groups.items():
        outcomes = gx_adapter.validate_subsets(frame[list(cols)], [
            expectations[k] for k in members], params, [(None, None)])[None]
        for k, outcome in zip(members, outcomes, strict=True):
            whole[k] = outcome
    return [o for o in whole if o is not None]


def _run_gx(table: _Table, plans: list[_Plan], whole_counts: WholeCounts | None = None) -> None:
    """GX once on the whole table (GX's pandas engine, or ``whole_counts``: Spark); every
    stratum from the grouped pass (validator/engine/masks.py), whose whole-table counts must
    equal GX's (else the result is an ERROR)."""
    used = sorted({i for p in plans if p.gx and p.table == table.name for i in p.gx})
    expectations = [table.gx[i].expectation for i in used]
    params = {name: parameters.resolve(name)
              for name in parameters.names_in([e["kwargs"] for e in expectations])}
    cols = sorted({c for e in expectations for c in gx_checks.columns_of(e)})
    frame = dictionary_encoded(table.frame[cols])
    if whole_counts is not None:
        whole = whole_counts(table.name, table.frame, cols, expectations, params)
    else:
        whole = _gx_by_columns(frame, expectations, params)
    everything = table.strata_rows[None]
    strata = [label for label in table.strata_rows if label is not None]
    groups = table.ctx.strata if strata else None
    table.outcomes = {None: [], **{label: [] for label in strata}}
    keep = table.ctx.violations is not None
    w, single = table.ctx.weights, table.ctx.data.single_patients
    for i, e, outcome in zip(used, expectations, whole, strict=True):
        m = masks.evaluate(frame, e, params, weights=w, single=single)
        if keep:
            table.violations[i] = _violating(m, table.gx[i].count)
        mismatch = not outcome.raised and m.counts(everything, w) != (
            outcome.element_count, outcome.unexpected_count, outcome.missing_count)
        table.outcomes[None].append(replace(outcome, mismatch=mismatch))
        if strata and e["type"] == "expect_column_values_to_be_unique":
            m = masks.evaluate(frame, e, params, groups=groups, weights=w, single=single)
        for label in strata:
            counts = m.counts(table.strata_rows[label], w)
            table.outcomes[label].append(gx_adapter.GxOutcome(*counts, raised=outcome.raised))
    table.position = {i: k for k, i in enumerate(used)}


def run(ctx: RuleContext, checks: Mapping[str, CheckDef] | None = None,
        whole_counts: WholeCounts | None = None) -> list[CheckResult]:
    """All results: whole input first, then each stratum, in catalogue order. GX runs on
    pandas unless ``whole_counts`` (another engine's GX counts) is given."""
    checks = checks if checks is not None else catalog.load()
    strata = strata_of(ctx)
    if ctx.n_rows == 0:
        return _empty_results(ctx, checks)
    with timing.phase("gx"):
        tables = _tables(ctx, strata)
        plans = _plan(ctx, checks, tables, load_all())
        for table in tables.values():
            _run_gx(table, plans, whole_counts)
    by_label: dict[str | None, list[CheckResult]] = {label: [] for label, _ in strata}
    with timing.phase("rules"):
        for plan in plans:
            t = tables[plan.table]
            for label, _ in strata:
                by_label[label].append(_result(t.ctx, plan, label, t.strata_rows[label],
                                               t.outcomes[label], t.position, t.gx))
            if ctx.violations is None:
                # a rule's row masks serve every stratum of its plan, then nothing else:
                # freed at once, so they are not all alive together (docs/benchmarks.md)
                t.ctx.cache.pop(("rule", plan.check.check_id, plan.field), None)
        if ctx.violations is not None:
            _keep_violations(ctx, plans, tables)
    return [r for label, _ in strata for r in by_label[label]]


def _violating(m: masks.ExpectationMasks, count: str) -> np.ndarray:
    """The rows a GX-backed check counts as violating under its count mode (see
    gx_checks.measurement): unexpected rows in scope, plus null rows for all_with_missing."""
    if count == "all_with_missing":
        return (m.unexpected | m.missing) & m.scope
    return m.unexpected & m.scope


def _keep_violations(ctx: RuleContext, plans: list[_Plan], tables: Mapping[str, _Table]) -> None:
    """Opt-in (worklist): the whole-input violating-row mask of each (check, field) run on the
    main table into ``ctx.violations``, from masks the run already computed; for a check
    without row masks, the reason instead."""
    assert ctx.violations is not None
    main = tables["patient"]
    for plan in plans:
        if plan.fixed is not None:
            continue
        key = (plan.check.check_id, plan.field)
        if plan.table != "patient":
            ctx.violations[key] = "evaluated on caregiver rows, not on rows of the input"
        elif plan.gx is not None:
            ctx.violations[key] = main.violations.get(
                plan.gx[0], "the grouped pass computed no row mask for this check")
        else:
            measure = ctx.cache.get(("rule", plan.check.check_id, plan.field))
            if isinstance(measure, RowMeasure):
                ctx.violations[key] = (measure.scope & ~measure.hits
                                       if plan.check.measure is Measure.RATE
                                       else measure.hits & measure.scope)
            elif isinstance(measure, GroupMeasure):
                ctx.violations[key] = ("an aggregate (per site, per patient or per value) "
                                       "without a row mask")


def _result(ctx: RuleContext, plan: _Plan, label: str | None, rows: np.ndarray,
            outcomes: list[gx_adapter.GxOutcome], position: Mapping[int, int],
            gx_list: list[gx_checks.GxCheck]) -> CheckResult:
    check = plan.check
    t: Thresholds = thresholds_for(check, ctx.profile.thresholds)
    if plan.fixed is not None:
        return plan.fixed(label)
    if plan.gx is not None:
        pre = PRECONDITIONS.get(check.check_id)
        reason = pre(ctx) if pre else None
        if reason:
            return not_applicable(check, plan.field, label, reason)
        found = [outcomes[position[i]] for i in plan.gx]
        if any(o.raised for o in found):
            return error(check, plan.field, label,
                         "GX could not evaluate this check (details withheld: they may quote data)")
        if any(o.mismatch for o in found):
            return error(check, plan.field, label,
                         "the per-stratum counts disagree with GX's whole-input counts (a bug)")
        m = gx_checks.measurement(found[0], gx_list[plan.gx[0]].count)
        m = gx_checks.with_details(ctx, check.check_id, plan.field, m, rows)
        return judge(check, m, t, field=plan.field, stratum=label)
    measure = _cached_rule(ctx, plan)
    if isinstance(measure, str):
        return not_applicable(check, plan.field, label, measure)
    return judge(check, measure.measure(rows, ctx.weights), t, field=plan.field,
                 stratum=label)


def _cached_rule(ctx: RuleContext, plan: _Plan) -> RowMeasure | GroupMeasure | str:
    key = ("rule", plan.check.check_id, plan.field)
    if key not in ctx.cache:
        ctx.cache[key] = _evaluate_rule(ctx, plan)
    return ctx.cache[key]  # type: ignore[return-value]


def _empty_results(ctx: RuleContext, checks: Mapping[str, CheckDef]) -> list[CheckResult]:
    out = []
    for check in checks.values():
        if not check.implemented or check.check_id in ctx.profile.disabled:
            continue
        field = check.fields[0] if check.fields else None
        if check.check_id == "DATASET.NOT_EMPTY":
            out.append(error(check, None, None, EMPTY_REASON + ": nothing can be checked",
                             m=Measurement(0, 0)))
        else:
            out.append(not_applicable(check, field, None, EMPTY_REASON))
    return out
