"""The grouped pass: per-stratum counts from row masks equal a GX run on each stratum's rows,
and whole-input counts equal GX's (the runner reports any difference as an ERROR; every
fixture of fixtures/expected.yaml is checked for such an ERROR in test_fixtures_expected)."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from validator.engine import gx_adapter, gx_checks, masks, parameters
from validator.engine.runner import strata_of

STRATIFIED = [
    ("duplicate_patient_ids.csv", None),
    ("site_absent_reasons_undistinguished.csv", None),
    ("canonical_3000_seeded_defects.csv", None),
    ("pediatric/registration.csv", "pediatric/profile.yaml"),
]


@pytest.mark.parametrize(("name", "profile"), STRATIFIED, ids=[n for n, _ in STRATIFIED])
def test_masks_equal_gx_per_stratum(name: str, profile: str | None) -> None:
    from validator import api
    from validator.engine.measures import RuleContext
    from validator.normalize import normalize

    prof = None if profile is None else api._profile(FIXTURES / profile)
    frame, prof, _ = api._from_path(FIXTURES / name, prof, {})
    data = normalize(frame, prof)
    ctx = RuleContext(data=data, profile=prof, as_of=None, as_of_rows=None,  # type: ignore[arg-type]
                      n_rows=len(frame), params={})
    strata = strata_of(ctx)
    assert len(strata) > 2
    prepared = gx_checks.prepare_frame(ctx)
    chosen = [g.expectation for g in gx_checks.select(prepared.columns, data.fields)]
    params = {n: parameters.resolve(n)
              for n in parameters.names_in([e["kwargs"] for e in chosen])}
    cols = sorted({c for e in chosen for c in gx_checks.columns_of(e)})
    sub = prepared[cols]
    by_gx = gx_adapter.validate_subsets(sub, chosen, params, strata)
    for i, e in enumerate(chosen):
        grouped = e["type"] == "expect_column_values_to_be_unique"
        m = masks.evaluate(sub, e, params, groups=ctx.strata if grouped else None)
        for label, mask in strata:
            rows = mask if mask is not None else (ctx.strata >= 0 if grouped else
                                                  sub.index.notna())
            if label is None and grouped:
                m_all = masks.evaluate(sub, e, params)
                got = m_all.counts(sub.index.notna())
            else:
                got = m.counts(rows if label is not None else sub.index.notna())
            o = by_gx[label][i]
            assert got == (o.element_count, o.unexpected_count, o.missing_count), (
                e["meta"]["check_id"], e["meta"]["field"], label)
