"""A patient's values over time (DOMAIN.md §3.7): R-104 TIME.RECOLLECT_AFTER_AGE_TRANSITION,
R-105 TIME.UNKNOWN_NOT_REASKED and R-106 TIME.STALENESS.

R-104 and R-105 need encounter-level input (profile ``grain: encounter``: one row per patient
encounter) and a ``patient_id``. A patient's rows are ordered by ``encounter_date``; without it
R-105 orders them by the element's ``*_collected_date``; with neither the rule is
NOT_APPLICABLE. Rows without a date to order them by are left out (counted in the details);
rows on the same date keep their input order, and "later encounter" means a later date. Both
rules count patients and are recomputed within each stratum, so a site's result follows a
patient's encounters at that site. R-106 runs on either grain; on encounter-level input only a
patient's latest row counts (the value in use now).

With row weights (validator/weights.py) a row of weight w is w encounters of its patient on its
date with its values: encounters are counted, and R-106's quartiles taken, as over the w rows.
On the Spark engine, whose driver holds grouped rows without the order or the encounter dates,
R-104, R-105 and R-106's latest rows are followed in Spark (``ctx.history``,
validator/engine/spark_history.py); the rules here then only assemble its counts per scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from validator import tokens
from validator import weights as wt
from validator.catalog import CheckDef
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RuleContext,
    distinct,
)
from validator.engine.rules import rule
from validator.engine.rules.age import _as_of_ordinals, age_in_years, ordinals
from validator.engine.rules.respondent import ELEMENTS, PROXIES, element_of, value_is
from validator.engine.spark_history import ScopeCounts, scope_of

#: Sort key of a row: patient * _BIG + date ordinal (ordinals stay below 4e6, offsets below 1e9).
_BIG = 10**10
_MAX_OFFSET = 10**9
_EPOCH = dt.date(1970, 1, 1).toordinal()
#: R-105: states that call for asking again, and states that are still no answer after them.
REASK = ("unknown", "not_asked")
NO_ANSWER = ("unknown", "not_asked", tokens.BLANK)
DECLINED = "declined"


@dataclass(frozen=True)
class Timeline:
    """Per-row patient code (-1 without patient_id), date ordinal (-1 without a date) and
    row weight (None: every row is one encounter)."""

    patient: np.ndarray
    when: np.ndarray
    by: str
    weights: np.ndarray | None = None

    def ordered(self, rows: np.ndarray) -> np.ndarray:
        """Row indices within ``rows`` that have a patient and a date, by patient then date."""
        idx = np.flatnonzero(rows & (self.patient >= 0) & (self.when >= 0))
        return idx[np.lexsort((idx, self.when[idx], self.patient[idx]))]

    def undated(self, rows: np.ndarray) -> int:
        """Rows of a patient that have no date to order them by (weighted)."""
        return wt.count(rows & (self.patient >= 0) & (self.when < 0), self.weights)


def _encounter_grain(ctx: RuleContext) -> None:
    if ctx.profile.grain != "encounter":
        raise NotApplicable("one row per patient (profile grain: patient); the history of a "
                            "patient needs encounter-level input (grain: encounter)")


def _patients(ctx: RuleContext) -> np.ndarray:
    return ctx.data.patient_codes()


def _order_by(ctx: RuleContext, fallback: str | None) -> str | None:
    """The date a patient's encounters are ordered by: encounter_date, else ``fallback``,
    whichever is mapped first; None with neither."""
    return next((n for n in ("encounter_date", fallback) if n and ctx.field(n) is not None),
                None)


def _mapped_fields(ctx: RuleContext, check: CheckDef) -> list[str]:
    """The fields of ``check`` the input maps (and does not declare not collected)."""
    return [f for f in check.fields
            if f not in ctx.profile.not_collected and ctx.field(f) is not None]


def timeline(ctx: RuleContext, fallback: str | None) -> Timeline:
    """The order of each patient's encounters: encounter_date, else the ``fallback`` date."""
    _encounter_grain(ctx)
    ctx.require("patient_id", "(needed to follow a patient across encounters)")
    name = _order_by(ctx, fallback)
    if name is not None:
        key = ("timeline", name)
        if key not in ctx.cache:
            ctx.cache[key] = Timeline(_patients(ctx), ordinals(ctx.require(name)), name,
                                      ctx.weights)
        return ctx.cache[key]  # type: ignore[return-value]
    other = f" nor {fallback}" if fallback else ""
    raise NotApplicable(f"neither encounter_date{other} is in the input: a patient's "
                        "encounters cannot be ordered")


def _groups(patient: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last position of each patient's run in a patient-sorted array."""
    starts = np.flatnonzero(np.r_[True, patient[1:] != patient[:-1]])
    return starts, np.r_[starts[1:] - 1, len(patient) - 1]


def _n_patients(patient: np.ndarray, mask: np.ndarray) -> int:
    return int(distinct(patient[mask]).size)


def years_between(born: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Completed years from ordinal ``born`` to ordinal ``at``; -1 where either is missing."""

    def ymd(ords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        days = (np.where(ords >= 0, ords, _EPOCH) - _EPOCH).astype("datetime64[D]")
        years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        mday = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
        return years, months * 100 + mday

    by, bmd = ymd(born)
    ay, amd = ymd(at)
    age = ay - by - (amd < bmd).astype(np.int64)
    return np.where((born >= 0) & (at >= 0), age, -1)


# -----------------------------------------------------------------------------


@rule("TIME.RECOLLECT_AFTER_AGE_TRANSITION")
def recollect_after_age_transition(ctx: RuleContext, check: CheckDef,
                                   field: str) -> GroupMeasure:
    """Patients whose latest value was collected by proxy before an age they have since
    reached, with encounters since reaching it."""
    resp = ctx.require(field)
    element = element_of(field)
    _encounter_grain(ctx)
    if ctx.field("encounter_date") is None:
        raise NotApplicable("encounter_date is not in the input: encounters since the patient "
                            "reached the age cannot be counted")
    tl = timeline(ctx, None)
    birth = ctx.require("birth_date", "(needed for the age at collection)")
    collected = ctx.require(f"{element}_collected_date", "(needed for the age at collection)")
    k = max(1, int(ctx.param(check, "min_encounters_since")))
    limits = {name: ctx.param(check, name) for name in ("self_report_min_age", "adult_age")}
    ages = ", ".join(f"{n} = {t:g}" for n, t in limits.items())
    note = (f"patients ordered by encounter_date; due: a {element} value collected by a "
            f"parent/guardian/family member or authorized representative (at "
            f"{element}_collected_date) before an age ({ages} years) the patient has reached "
            f"by the extract date, with at least {k} encounter(s) since; violation: the "
            "patient's latest row still holds such a value")
    if ctx.history is not None:
        return _recollect_in_spark(ctx, tl, ctx.history.recollect(
            ctx, element, field, limits, k), limits, note)
    born = ordinals(birth)
    age_collected = years_between(born, ordinals(collected))
    age_encounter = years_between(born, tl.when)
    age_now = age_in_years(ctx, birth)
    proxy = value_is(resp, *PROXIES)
    masks = {name: (proxy & (age_collected >= 0) & (age_collected < t), age_encounter >= t,
                    age_now >= t) for name, t in limits.items()}

    def measure(rows: np.ndarray) -> Measurement:
        idx = tl.ordered(rows)
        details: dict[str, int | float | str] = {
            "rows_without_encounter_date": tl.undated(rows)}
        if not idx.size:
            return Measurement(0, 0, details, note=note)
        starts, last = _groups(tl.patient[idx])
        w = None if tl.weights is None else tl.weights[idx]
        scope = np.zeros(starts.size, dtype=bool)
        violated = scope.copy()
        waiting = scope.copy()
        for name, (before, after, now) in masks.items():
            had = np.logical_or.reduceat(before[idx], starts)
            since = np.add.reduceat(
                after[idx].astype(np.int64) if w is None else np.where(after[idx], w, 0),
                starts)
            due = had & now[idx][last]
            s = due & (since >= k)
            v = s & before[idx][last]
            details[f"due_{name}"] = int(s.sum())
            details[f"not_recollected_{name}"] = int(v.sum())
            waiting |= due & (since < k)
            scope |= s
            violated |= v
        details["due_without_encounter_since"] = int((waiting & ~scope).sum())
        return Measurement(int(violated.sum()), int(scope.sum()), details, note=note)

    return GroupMeasure(measure)


def _recollect_in_spark(ctx: RuleContext, tl: Timeline, counts: ScopeCounts,
                        limits: dict[str, float], note: str) -> GroupMeasure:
    """R-104 from the counts Spark computed per scope (validator/engine/spark_history.py)."""

    def measure(rows: np.ndarray) -> Measurement:
        details: dict[str, int | float | str] = {
            "rows_without_encounter_date": tl.undated(rows)}
        got = counts.get(ctx, rows)
        if not got or not got["rows"]:
            return Measurement(0, 0, details, note=note)
        for name in limits:
            details[f"due_{name}"] = got[f"due_{name}"]
            details[f"not_recollected_{name}"] = got[f"not_recollected_{name}"]
        details["due_without_encounter_since"] = got["waiting"]
        return Measurement(got["violating"], got["patients"], details, note=note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------


def _element_of_value(field: str) -> str | None:
    for element, fields in ELEMENTS.items():
        if field in fields:
            return element
    if field.startswith("lang_") or field in ("interpreter_needed", "english_proficiency"):
        return "lang"
    return None


def _window(key: np.ndarray, start: np.ndarray, patient: np.ndarray, k: int,
            weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(has k rows of the same patient from the first row keyed >= start, index of the k-th);
    a row of weight w is w rows."""
    first = np.searchsorted(key, start, side="left")
    if weights is None:
        end = first + k - 1
    else:  # the row holding the k-th encounter counted from the first one's first copy
        upto = np.cumsum(weights)
        before = np.concatenate(([0], upto))[first]
        end = np.searchsorted(upto, before + k - 1, side="right")
    clipped = np.minimum(end, key.size - 1)
    return (end < key.size) & (patient[clipped] == patient), clipped


def _quiet(answered: np.ndarray, end: np.ndarray) -> np.ndarray:
    """No answered row strictly after each row up to ``end`` (inclusive)."""
    cum = np.concatenate(([0], np.cumsum(answered)))
    i = np.arange(answered.size)
    return cum[end + 1] - cum[i + 1] == 0


def _reask(patient: np.ndarray, when: np.ndarray, state: np.ndarray, k: int, days: int,
           weights: np.ndarray | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per trigger kind: (rows in scope, rows violating), on patient/date-sorted arrays; a row
    of weight w is w encounters."""
    key = patient.astype(np.int64) * _BIG + when
    no_answer = np.isin(state, NO_ANSWER)
    declined = state == DECLINED
    later, end = _window(key, key + 1, patient, k, weights)
    out = {}
    for kind in REASK:
        trigger = state == kind
        scope = trigger & later
        out[kind] = (scope, scope & _quiet(~no_answer, end))
    after, end_d = _window(key, key + max(days, 1), patient, k, weights)
    scope = declined & after
    out[DECLINED] = (scope, scope & _quiet(~(no_answer | declined), end_d))
    out["declined_within_window"] = (declined & later & ~after, declined & later & ~after)
    return out


@rule("TIME.UNKNOWN_NOT_REASKED")
def unknown_not_reasked(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Patients whose value stayed unknown/not_asked through later encounters (declined only
    once reask_declined_after_days have passed)."""
    nf = ctx.require(field)
    tl = timeline(ctx, _reask_fallback(field))
    state = nf.rows("state").astype(str)
    k = max(1, int(ctx.param(check, "min_later_encounters")))
    days = int(min(ctx.param(check, "reask_declined_after_days"), _MAX_OFFSET))
    note = (f"patients ordered by {tl.by}; violation: {field} unknown or not_asked at an "
            f"encounter and still without an answer (unknown, not_asked or blank) through the "
            f"next {k} later-dated encounter(s); declined counts the same way only at "
            f"encounters at least {days} days later")
    if ctx.history is not None:
        siblings = [f for f in _mapped_fields(ctx, check)
                    if _order_by(ctx, _reask_fallback(f)) == tl.by]
        return _reask_in_spark(ctx, tl, ctx.history.reask(ctx, field, siblings, tl.by, k, days),
                               note)

    def measure(rows: np.ndarray) -> Measurement:
        idx = tl.ordered(rows)
        details: dict[str, int | float | str] = {"rows_without_date": tl.undated(rows)}
        if not idx.size:
            return Measurement(0, 0, details, note=note)
        p = tl.patient[idx]
        found = _reask(p, tl.when[idx], state[idx], k, days,
                       None if tl.weights is None else tl.weights[idx])
        scope = np.zeros(idx.size, dtype=bool)
        violated = scope.copy()
        for kind in (*REASK, DECLINED):
            s, v = found[kind]
            scope |= s
            violated |= v
            details[f"{kind}_not_reasked"] = _n_patients(p, v)
        details["declined_within_reask_window"] = _n_patients(
            p, found["declined_within_window"][0] & ~scope)
        return Measurement(_n_patients(p, violated), _n_patients(p, scope), details, note=note)

    return GroupMeasure(measure)


def _reask_fallback(field: str) -> str | None:
    """The date R-105 orders ``field``'s encounters by without encounter_date: its element's
    collected date."""
    element = _element_of_value(field)
    return f"{element}_collected_date" if element else None


def _reask_in_spark(ctx: RuleContext, tl: Timeline, counts: ScopeCounts, note: str
                    ) -> GroupMeasure:
    """R-105 from the counts Spark computed per scope (validator/engine/spark_history.py)."""

    def measure(rows: np.ndarray) -> Measurement:
        details: dict[str, int | float | str] = {"rows_without_date": tl.undated(rows)}
        got = counts.get(ctx, rows)
        if not got or not got["rows"]:
            return Measurement(0, 0, details, note=note)
        for kind in (*REASK, DECLINED):
            details[f"{kind}_not_reasked"] = got[f"v_{kind}"]
        details["declined_within_reask_window"] = got["declined_within"]
        return Measurement(got["violating"], got["in_scope"], details, note=note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------


def _latest(patient: np.ndarray, when: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mask of each patient's last row (by date, then input order) among ``mask`` rows."""
    idx = np.flatnonzero(mask & (patient >= 0) & (when >= 0))
    idx = idx[np.lexsort((idx, when[idx], patient[idx]))]
    out = np.zeros(mask.size, dtype=bool)
    if idx.size:
        out[idx[_groups(patient[idx])[1]]] = True
    return out


def percentiles(values: np.ndarray, qs: tuple[float, ...],
                weights: np.ndarray | None = None) -> list[float]:
    """``np.percentile(values, qs)`` (linear interpolation) over the values each repeated
    ``weights`` times (validator/weights.py), without repeating them; ``values`` not empty."""
    if weights is None:
        return [float(x) for x in np.percentile(values, qs)]
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    upto = np.cumsum(weights[order])
    n = int(upto[-1])
    out: list[float] = []
    for q in qs:
        h = (n - 1) * (q / 100)
        lo = int(np.floor(h))
        a, b = ranked[np.searchsorted(upto, [lo, min(lo + 1, n - 1)], side="right")]
        g = h - lo  # numpy's lerp: from the nearer end
        out.append(float(b - (b - a) * (1 - g)) if g >= 0.5 else float(a + (b - a) * g))
    return out


@rule("TIME.STALENESS")
def staleness(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Distribution of the age of the values (days from collection to the extract date);
    a finding when the median exceeds stale_days."""
    nf = ctx.require(field)
    stale = ctx.param(check, "stale_days")
    collected = ordinals(nf)
    age = _as_of_ordinals(ctx) - collected
    dated = collected >= 0
    future = dated & (age < 0)
    latest = ctx.profile.grain == "encounter" and ctx.field("patient_id") is not None
    enc = None
    if latest:
        enc = ctx.field("encounter_date")
        patients = _patients(ctx)
        when = ordinals(enc) if enc is not None else collected
        which = f"each patient's latest row (by {'encounter_date' if enc else field})"
    else:
        which = "every row"
    note = (f"days from {field} to the extract date, {which}; quartiles by linear "
            f"interpolation; a finding when the median exceeds stale_days = {stale:g}")

    # one value per patient when only the latest row counts, else each row as often as it
    # stands for rows
    weights = None if latest else ctx.weights
    in_spark = None
    if latest and enc is not None and ctx.history is not None:
        in_spark = ctx.history.latest_ages(ctx, field, _mapped_fields(ctx, check))

    def measure(rows: np.ndarray) -> Measurement:
        if in_spark is not None:  # each patient's latest value, counted in Spark
            values, w = in_spark.get(scope_of(ctx, rows), (np.zeros(0, np.int64), None))
        else:
            m = rows & dated & ~future
            if latest:
                m = _latest(patients, when, m)
            values = age[m]
            w = None if weights is None else weights[m]
        details: dict[str, int | float | str] = {
            "values": wt.total(values.size, w), "undated": ctx.count(rows & ~dated),
            "collected_after_extract_date": ctx.count(rows & future)}
        if not values.size:
            return Measurement(0, 0, details, note=f"no dated value; {note}")
        q1, median, q3 = percentiles(values, (25, 50, 75), w)
        details.update({"median_days": median, "q1_days": q1, "q3_days": q3,
                        "max_days": int(values.max()),
                        "older_than_stale_days": wt.count(values > stale, w)})
        return Measurement(int(median > stale), 1, details, note=note)

    return GroupMeasure(measure)
