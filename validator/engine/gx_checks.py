"""Checks evaluated by GX: load the suites in ``expectations/``, keep the expectations whose
columns exist, prepare the frame GX sees, and read GX's counts as measurements."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from validator import sogi
from validator._resources import expectations_dir
from validator.engine.gx_adapter import GxOutcome
from validator.engine.measures import Measurement, RuleContext
from validator.fields import ETHNICITY_FIELDS, RACE_FIELDS
from validator.normalize import STRING

SUITES = ("preflight", "race", "ethnicity", "combined_2024", "language", "sogi")
COUNT_MODES = ("rate", "nonmissing", "all", "all_with_missing")


@dataclass(frozen=True)
class GxCheck:
    """One expectation of a suite, bound to the field its result is reported on."""

    check_id: str
    field: str
    count: str
    expectation: Mapping[str, Any]


@cache
def load_suite(name: str) -> dict[str, Any]:
    """The JSON document of suite ``name`` (``expectations/<name>.json``)."""
    text = expectations_dir().joinpath(f"{name}.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def _condition_columns(node: Any) -> set[str]:
    if isinstance(node, Mapping):
        out = {str(node["column"]["name"])} if isinstance(node.get("column"), Mapping) else set()
        for v in node.get("conditions", []):
            out |= _condition_columns(v)
        return out
    return set()


def columns_of(expectation: Mapping[str, Any]) -> set[str]:
    """Frame columns an expectation reads (its column and its row-condition columns)."""
    kwargs = expectation["kwargs"]
    return {kwargs["column"]} | _condition_columns(kwargs.get("row_condition"))


def select(frame_columns: Iterable[str], present_fields: Iterable[str],
           suites: Sequence[str] = SUITES) -> list[GxCheck]:
    """Expectations whose columns are all in the frame, bound to their result field."""
    cols = set(frame_columns)
    present = set(present_fields)
    out = []
    for name in suites:
        for e in load_suite(name)["expectations"]:
            if not columns_of(e) <= cols:
                continue
            meta = e["meta"]
            field = next((f for f in meta["field"] if f in present), meta["field"][0])
            out.append(GxCheck(meta["check_id"], field, meta["count"], e))
    return out


def declared_fields(check_id: str, suites: Sequence[str] = SUITES) -> dict[str, set[str]]:
    """For each result field of ``check_id`` in the suites, the canonical fields it reads."""
    out: dict[str, set[str]] = {}
    for name in suites:
        for e in load_suite(name)["expectations"]:
            meta = e["meta"]
            if meta["check_id"] != check_id:
                continue
            needed = {c.split("__")[0] for c in columns_of(e)}
            for f in meta["field"]:
                out.setdefault(f, set()).update(needed)
    return out


def _any(masks: Iterable[np.ndarray], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for m in masks:
        out |= m
    return out


def _flag_column(mask: np.ndarray, index: pd.Index) -> pd.Series:
    """"1" where ``mask``, else null; categorical (one int8 per row, not a string)."""
    return pd.Series(pd.Categorical.from_codes(np.where(mask, 0, -1), ["1"]), index=index)


def _key_column(patients: np.ndarray, site: pd.Series | None, index: pd.Index) -> pd.Series:
    """One integer per distinct (patient id, site) pair, null where the id is: uniqueness of
    the pair without building a joined string per row (docs/benchmarks.md). ``patients``:
    the per-row patient codes (-1 for a blank id), as Normalized.patient_codes()."""
    key = patients.astype(np.int64)
    if site is not None:
        s_codes, s_uniques = pd.factorize(site.astype(STRING).fillna(""))
        key = key * (len(s_uniques) + 1) + s_codes
    return pd.Series(key, index=index, dtype="Int64").mask(patients < 0)


def prepare_frame(ctx: RuleContext) -> pd.DataFrame:
    """The normalized frame plus the derived columns the suites reference.

    ``race__informative``/``ethnicity__informative``: an informative value in any race
    (ethnicity) field, imputed values excluded (R-027). ``patient_id__key``: patient id, paired
    with the site when one is mapped (R-002), as one integer per distinct pair.
    ``<field>__vs_<value set>``: the SOGI/sex codes to check against the value set the profile
    declares (R-114, validator/sogi.py).
    """
    frame = ctx.data.frame.copy(deep=False)
    n, index = ctx.n_rows, frame.index
    for group, names, source in (("race", RACE_FIELDS, "race_source"),
                                 ("ethnicity", ETHNICITY_FIELDS, "ethnicity_source")):
        present = [nf for f in names if (nf := ctx.field(f)) is not None]
        if not present:
            continue
        informative = _any((nf.informative_mask() for nf in present), n)
        src = ctx.field(source)
        if src is not None:
            informative &= ~src.flag(lambda u: u.informative == ("imputed",))
        frame[f"{group}__informative"] = _flag_column(informative, index)
    if ctx.field("patient_id") is not None:
        frame["patient_id__key"] = _key_column(
            ctx.data.patient_codes(),
            frame["site_id"] if ctx.field("site_id") is not None else None, index)
    for name, values in sogi.valueset_columns(ctx.data, ctx.profile).items():
        frame[name] = values
    return frame


def measurement(outcome: GxOutcome, count: str) -> Measurement:
    """Numerator and denominator from GX's counts, per the expectation's count mode.

    ``rate``: rows meeting the expectation over all rows (completeness). ``nonmissing``:
    unexpected over non-null rows (value sets: nulls are absent values, counted elsewhere).
    ``all``: unexpected over all rows in scope. ``all_with_missing``: unexpected plus nulls
    over all rows in scope (a null where a value is required is a violation).
    """
    e, u, m = outcome.element_count, outcome.unexpected_count, outcome.missing_count
    if count == "rate":
        return Measurement(e - u, e)
    if count == "nonmissing":
        return Measurement(u, e - m)
    if count == "all":
        return Measurement(u, e)
    if count == "all_with_missing":
        return Measurement(u + m, e, {"missing": m})
    raise ValueError(f"unknown count mode {count!r}")


#: Detail masks added to a GX-backed result (GX returns counts only): check id ->
#: ``fn(ctx, field)`` -> {detail name: row mask}. Registered by rule modules, e.g.
#: LANG.BCP47_WELLFORMED reports how many rows the normalizer rewrote.
DETAILS: dict[str, Callable[[RuleContext, str], Mapping[str, np.ndarray]]] = {}


def with_details(ctx: RuleContext, check_id: str, field: str | None, m: Measurement,
                 rows: np.ndarray) -> Measurement:
    """``m`` plus the registered detail counts of ``check_id`` within ``rows``."""
    fn = DETAILS.get(check_id)
    if fn is None or field is None:
        return m
    key = ("gx_details", check_id, field)
    if key not in ctx.cache:
        ctx.cache[key] = fn(ctx, field)
    masks: Mapping[str, np.ndarray] = ctx.cache[key]  # type: ignore[assignment]
    counts = {name: ctx.count(mask & rows) for name, mask in masks.items()}
    return replace(m, details={**m.details, **counts})
