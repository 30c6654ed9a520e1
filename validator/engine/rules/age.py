"""R-100 AGE.COMPUTABLE: a birth date that is present, parseable, not in the future, not after
a collection date, plausible, and inside the declared cohort."""

from __future__ import annotations

import numpy as np

from validator import tokens
from validator.catalog import CheckDef
from validator.engine.measures import RowMeasure, RuleContext
from validator.engine.rules import rule
from validator.fields import COLLECTED_DATE_FIELDS
from validator.normalize import NormalizedField

DATE_PROBLEMS = (
    "day_month_order",
    "two_digit_year",
    "not_iso_format",
    "spreadsheet_serial_number",
    "impossible_date",
    "unparseable",
)


def ordinals(nf: NormalizedField) -> np.ndarray:
    """Per-row proleptic ordinal of the parsed date, -1 where there is none."""
    per_unique = np.array([u.date.toordinal() if u.date else -1 for u in nf.uniques],
                          dtype=np.int64)
    return per_unique[nf.codes]


def _ymd_per_value(nf: NormalizedField) -> tuple[np.ndarray, np.ndarray]:
    """Year and month*100+day of each distinct value's date (-1 without one)."""
    year = np.array([u.date.year if u.date else -1 for u in nf.uniques], dtype=np.int64)
    md = np.array([u.date.month * 100 + u.date.day if u.date else -1 for u in nf.uniques],
                  dtype=np.int64)
    return year, md


def _ymd(nf: NormalizedField) -> tuple[np.ndarray, np.ndarray]:
    year, md = _ymd_per_value(nf)
    return year[nf.codes], md[nf.codes]


def age_in_years(ctx: RuleContext, nf: NormalizedField,
                 at: NormalizedField | None = None) -> np.ndarray:
    """Completed years of age per row; -1 without a birth date.

    Age at the extract date (as_of), or, when ``at`` (a date field such as
    ``lang_collected_date``) is given, at that date on the rows where it holds one. Computed
    once per run and field pair (a dozen rules ask); the array is read-only.
    """
    key = ("age_in_years", nf.name, None if at is None else at.name)
    cached = ctx.cache.get(key)
    if cached is None:
        cached = _age_in_years(ctx, nf, at)
        cached.flags.writeable = False
        ctx.cache[key] = cached
    return cached  # type: ignore[return-value]


def _age_in_years(ctx: RuleContext, nf: NormalizedField,
                  at: NormalizedField | None) -> np.ndarray:
    if at is None and ctx.as_of_rows is None:
        # one as_of for every row: the age of each distinct birth date, then one gather
        year, md = _ymd_per_value(nf)
        as_of = ctx.as_of
        per_unique = np.where(year >= 0, as_of.year - year - (
            as_of.month * 100 + as_of.day < md).astype(np.int64), -1)
        return per_unique[nf.codes] if len(per_unique) else np.full(ctx.n_rows, -1, np.int64)
    by, bmd = _ymd(nf)
    if at is not None:
        at_extract = age_in_years(ctx, nf)
        ay, amd = _ymd(at)
        at_date = ay - by - (amd < bmd).astype(np.int64)
        return np.where((by >= 0) & (ay >= 0), at_date, at_extract)
    # an as_of date per row (profile as_of_date column; the fast path above took the rest)
    assert ctx.as_of_rows is not None
    dates = ctx.as_of_rows.astype("datetime64[D]")
    ay = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    amd = months * 100 + days
    age = ay - by - (amd < bmd).astype(np.int64)
    return np.where(by >= 0, age, -1)


def _as_of_ordinals(ctx: RuleContext) -> np.ndarray:
    if ctx.as_of_rows is None:
        return np.full(ctx.n_rows, ctx.as_of.toordinal(), dtype=np.int64)
    days = ctx.as_of_rows.astype("datetime64[D]").astype(np.int64)
    return days + np.datetime64("1970-01-01", "D").astype(object).toordinal()


@rule("AGE.COMPUTABLE")
def age_computable(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Rows whose birth date cannot give a trustworthy age."""
    nf = ctx.require(field)
    birth = ordinals(nf)
    has_date = birth >= 0
    missing = nf.flag(lambda u: u.state != tokens.INFORMATIVE and u.state != "unparseable")
    details: dict[str, np.ndarray] = {"missing": missing}
    for problem in DATE_PROBLEMS:
        mask = nf.flag(lambda u, p=problem: u.date_problem == p)
        if mask.any():
            details[problem] = mask
    future = has_date & (birth > _as_of_ordinals(ctx))
    details["future"] = future
    after = ctx.none()
    for name in COLLECTED_DATE_FIELDS:
        collected = ctx.field(name)
        if collected is not None:
            c = ordinals(collected)
            after |= has_date & (c >= 0) & (birth > c)
    details["after_collection_date"] = after
    age = age_in_years(ctx, nf)
    implausible = has_date & ~future & (age > ctx.param(check, "max_plausible_age"))
    details["implausible_age"] = implausible
    outside = ctx.none()
    cohort = ctx.profile.cohort
    if cohort is not None:
        outside = has_date & ~future & ((age < cohort.min_age) | (age >= cohort.max_age))
        details["outside_cohort"] = outside
    unparseable = nf.flag(lambda u: u.state == "unparseable")
    hits = missing | unparseable | future | after | implausible | outside
    cohort_note = (f"cohort {cohort.min_age:g} to <{cohort.max_age:g} years"
                   if cohort else "no cohort age limit declared")
    return RowMeasure(ctx.all(), hits, details=details, note=cohort_note)
