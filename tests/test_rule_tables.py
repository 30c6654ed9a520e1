"""Counts the rules take from one grouped pass (RuleContext.value_counts, RuleContext.stratum_of):
a stratum's counts read from the whole-input table must equal the counts recomputed over the
stratum's rows, and every report must be the same with the shortcut switched off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import FIXTURES

from validator import api
from validator.api import validate
from validator.engine.measures import RuleContext
from validator.engine.runner import strata_of
from validator.normalize import normalize
from validator.results import Report

AS_OF = "2026-11-01"


def _context(name: str) -> RuleContext:
    frame, prof, _ = api._from_path(FIXTURES / name, None, {"stratify_by": "site_id"})
    ctx = RuleContext(data=normalize(frame, prof), profile=prof, as_of=None,  # type: ignore[arg-type]
                      as_of_rows=None, n_rows=len(frame), params={})
    return ctx


def test_value_counts_of_a_stratum_equal_a_count_over_its_rows() -> None:
    ctx = _context("canonical_3000_seeded_defects.csv")
    strata = strata_of(ctx)
    assert ctx.strata is not None and len(strata) == 4  # whole input + three sites
    everything = np.ones(ctx.n_rows, dtype=bool)
    ctx.register_rows(everything, None)
    for i, (_, mask) in enumerate(strata[1:]):
        assert mask is not None
        ctx.register_rows(mask, i)
    nf = ctx.data.fields["race_codes"]
    n_values = len(nf.uniques)
    for mask in [everything] + [m for _, m in strata[1:]]:
        assert mask is not None
        direct = np.bincount(ctx.strata[mask] * n_values + nf.codes[mask],
                             minlength=3 * n_values).reshape(3, n_values)
        assert (ctx.value_counts(nf, mask, ctx.strata) == direct).all()
        # an unregistered mask with the same rows is counted directly, to the same table
        assert (ctx.value_counts(nf, mask.copy(), ctx.strata) == direct).all()
    assert ctx.value_counts(nf, everything).tolist() == [np.bincount(
        nf.codes, minlength=n_values).tolist()]
    assert ctx.stratum_of(everything.copy()) == (False, None)
    with pytest.raises(ValueError, match=r"group codes 0\.\.n-1"):
        ctx.value_counts(nf, everything, np.full(ctx.n_rows, -1))


def _comparable(report: Report) -> dict[str, Any]:
    out = json.loads(json.dumps(report.to_dict(), default=str))
    out["run"].pop("started_at")
    return out


def _without_sites(tmp_path: Path) -> Path:
    """The seeded extract without its site column: no strata (the profile infers site_id)."""
    rows = [x.split(",") for x in
            (FIXTURES / "canonical_3000_seeded_defects.csv").read_text().splitlines()]
    site = rows[0].index("site_id")
    path = tmp_path / "no_sites.csv"
    path.write_text("\n".join(",".join(r[:site] + r[site + 1:]) for r in rows) + "\n")
    return path


def _one_site(tmp_path: Path) -> Path:
    lines = (FIXTURES / "canonical_3000_seeded_defects.csv").read_text().splitlines()
    header = lines[0].split(",")
    site = header.index("site_id")
    first = lines[1].split(",")[site]
    path = tmp_path / "one_site.csv"
    path.write_text("\n".join([lines[0]] + [x for x in lines[1:]
                                            if x.split(",")[site] == first]) + "\n")
    return path


@pytest.mark.parametrize("case", ["three_sites", "one_site", "pediatric", "no_strata"])
def test_reports_are_the_same_without_the_grouped_shortcuts(
        case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With stratum_of() answering "unknown rows" for every mask, every rule recomputes each
    stratum over its rows: the report must not change by one character."""
    path, profile, opts = {
        "three_sites": (FIXTURES / "canonical_3000_seeded_defects.csv", None,
                        {"stratify_by": "site_id"}),
        "one_site": (_one_site(tmp_path), None, {"stratify_by": "site_id"}),
        "pediatric": (FIXTURES / "pediatric" / "registration.csv",
                      FIXTURES / "pediatric" / "profile.yaml", {"stratify_by": "site_id"}),
        "no_strata": (_without_sites(tmp_path), None, {}),
    }[case]
    fast = validate(path, profile, as_of_date=AS_OF, **opts)
    monkeypatch.setattr(RuleContext, "stratum_of", lambda self, rows: (False, None))
    slow = validate(path, profile, as_of_date=AS_OF, **opts)
    assert _comparable(fast) == _comparable(slow)
    strata = {r.stratum for r in fast.results}
    assert strata == {None} if case == "no_strata" else len(strata) >= 2
