"""A patient's dated encounters, followed in Spark (``--engine spark``; docs/spark.md).

At encounter grain, R-104 TIME.RECOLLECT_AFTER_AGE_TRANSITION, R-105 TIME.UNKNOWN_NOT_REASKED
and R-106 TIME.STALENESS (each patient's latest row) follow a patient's encounters in date
order, rows on the same date in input order (validator/engine/rules/history.py). The driver
holds Spark's grouped rows, which keep neither that order nor the encounter dates (those are
kept by class: validator/date_classes.py ``encounter_representatives``), so these three rules
run here, on the rows themselves, as window functions per (scope, patient): a scope is the
whole input or one stratum, as the runner's. Only counts per scope come back: per-patient
flags summed, and for R-106 how many patients' latest value is each number of days old.

What the normalizer made of each distinct raw value (a date's ordinal, a field's state, a
respondent being a proxy, the stratum) goes to Spark as a broadcast look-up, checked to be a
function of the raw value (validator/engine/spark_frame.py ``with_lookup``); the encounter
dates, which the driver holds only by class, are parsed once per distinct text. No Python runs
on the executors. tests/test_spark_history.py holds every result to the embedded engine's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from validator.errors import InternalError

if TYPE_CHECKING:
    from validator.engine.measures import RuleContext
    from validator.io import SourceInfo
    from validator.profile import Profile

#: The scope of the whole input (strata are 0..n-1, as the runner's codes).
WHOLE = -1
_EPOCH = dt.date(1970, 1, 1).toordinal()
_FILE, _SEQ, _PATIENT, _SCOPE, _ENCOUNTER, _STRATUM = (
    f"__rv_h_{x}" for x in ("file", "seq", "patient", "scope", "encounter", "stratum"))
#: A row's place in the input: its file (the part files of a directory in name order, as the
#: embedded reader reads them; Spark packs the largest first), then its position in the file.
_PLACE = (_FILE, _SEQ)


@dataclass(frozen=True)
class ScopeCounts:
    """A rule's counts per scope (None: the whole input; k: stratum k). A scope missing from
    ``counts`` has no row to follow (no patient row with a date)."""

    counts: Mapping[int | None, Mapping[str, int]]

    def get(self, ctx: RuleContext, rows: np.ndarray) -> Mapping[str, int] | None:
        """The counts of the scope whose runner mask ``rows`` is."""
        return self.counts.get(scope_of(ctx, rows))


def scope_of(ctx: RuleContext, rows: np.ndarray) -> int | None:
    """The scope of a runner's row mask: None for the whole input, k for stratum k."""
    known, stratum = ctx.stratum_of(rows)
    if not known:
        raise InternalError("a history rule computed in Spark was asked for rows that are "
                            "neither the whole input nor a stratum")
    return stratum


def _years(born: Any, at: Any) -> Any:
    """Completed years from ordinal ``born`` to ordinal ``at`` (Spark columns); -1 where
    either is missing (as history.years_between)."""
    from pyspark.sql import functions as F

    b = F.date_from_unix_date((born - _EPOCH).cast("int"))
    a = F.date_from_unix_date((at - _EPOCH).cast("int"))
    md = (F.month(a) * 100 + F.dayofmonth(a)) < (F.month(b) * 100 + F.dayofmonth(b))
    age = F.year(a) - F.year(b) - md.cast("int")
    return F.when((born >= 0) & (at >= 0), age).otherwise(F.lit(-1))


class SparkHistory:
    """The history rules of one run over the rows Spark read (``rows``: the mapped columns,
    as read); built by validator.api for dated encounter-level input."""

    def __init__(self, rows: Any, source: SourceInfo | str, columns: Sequence[str],
                 profile: Profile) -> None:
        self.rows, self.source, self.columns, self.profile = rows, source, columns, profile
        self._base: Any = None
        self._cached: list[Any] = []
        self._memo: dict[tuple[Any, ...], Any] = {}

    # ------------------------------------------------------------------ the rows, once

    def base(self, ctx: RuleContext) -> Any:
        """The rows of a patient, with their input position, patient, encounter ordinal
        (-1 without one) and scope (each row twice when the run has strata: whole input and
        its stratum); cached in Spark for every rule of the run."""
        if self._base is not None:
            return self._base
        from pyspark.sql import functions as F

        from validator.io import spark as spark_io

        prof = self.profile
        rows = self.rows.withColumn(_FILE, F.input_file_name()).withColumn(
            _SEQ, F.monotonically_increasing_id())
        rows = rows.withColumn(_PATIENT, spark_io.trimmed_text(
            spark_io.column(prof.fields["patient_id"].column))).filter(
            F.col(_PATIENT).isNotNull())
        if "encounter_date" in prof.fields:
            rows = spark_io.with_values_replaced(
                rows.withColumn(_ENCOUNTER, spark_io.column(
                    prof.fields["encounter_date"].column)),
                _ENCOUNTER, self.source, self.columns, self._encounter_ordinals)
            rows = rows.withColumn(_ENCOUNTER, F.coalesce(
                F.col(_ENCOUNTER).cast("long"), F.lit(-1)))
        scopes = F.array(F.lit(WHOLE))
        if ctx.strata is not None and prof.stratum is not None:
            stratum = ctx.require(prof.stratum)
            rows = self._lookup(rows, stratum.raw, stratum.spec.column,
                                {_STRATUM: ctx.strata})
            scopes = F.array(F.lit(WHOLE), F.col(_STRATUM).cast("int"))
        rows = rows.withColumn(_SCOPE, F.explode(scopes))
        self._base = rows.cache()
        self._cached.append(self._base)
        return self._base

    def release(self) -> None:
        """Drop what this run cached in Spark."""
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()
        self._base = None
        self._memo.clear()

    def _encounter_ordinals(self, texts: list[str]) -> dict[str, str]:
        from validator.engine.rules.age import ordinals
        from validator.normalize import normalize_field

        nf = normalize_field(pd.Series(texts, dtype=object),
                             self.profile.fields["encounter_date"], self.profile)
        return dict(zip(texts, ordinals(nf).astype(str), strict=True))

    @staticmethod
    def _lookup(rows: Any, raw: pd.Series, column: str, values: Mapping[str, np.ndarray]
                ) -> Any:
        from validator.engine.spark_frame import with_lookup

        table = pd.DataFrame({k: np.asarray(v).astype(str) for k, v in values.items()})
        return with_lookup(rows, column, raw, table)

    def _ordinal(self, ctx: RuleContext, rows: Any, name: str, alias: str) -> Any:
        """``rows`` with the ordinal of date field ``name`` as ``alias`` (-1 without one)."""
        from pyspark.sql import functions as F

        from validator.engine.rules.age import ordinals

        if name == "encounter_date":
            return rows.withColumn(alias, F.col(_ENCOUNTER))
        nf = ctx.require(name)
        rows = self._lookup(rows, nf.raw, nf.spec.column, {alias: ordinals(nf)})
        return rows.withColumn(alias, F.coalesce(F.col(alias).cast("long"), F.lit(-1)))

    def _as_of(self, ctx: RuleContext, rows: Any, alias: str) -> Any:
        """``rows`` with each row's reference date as an ordinal."""
        from pyspark.sql import functions as F

        from validator.engine.rules.age import _as_of_ordinals

        if ctx.as_of_rows is None:
            return rows.withColumn(alias, F.lit(ctx.as_of.toordinal()).cast("long"))
        nf = ctx.require("as_of_date")
        rows = self._lookup(rows, nf.raw, nf.spec.column, {alias: _as_of_ordinals(ctx)})
        return rows.withColumn(alias, F.col(alias).cast("long"))

    def _collect(self, frame: Any) -> list[dict[str, Any]]:
        """The (few) rows of a result; a Spark failure is the reader's one message (the
        embedded reader names a bad row of a file), Spark's own text withheld."""
        from validator.io.spark import collected

        rows: list[dict[str, Any]] = collected(frame, self.source, self.columns).to_pylist()
        return rows

    @staticmethod
    def _scoped(records: list[dict[str, Any]], keys: Sequence[str]) -> ScopeCounts:
        out: dict[int | None, dict[str, int]] = {}
        for r in records:
            scope = None if r[_SCOPE] == WHOLE else int(r[_SCOPE])
            out[scope] = {k: int(r[k] or 0) for k in keys}
        return ScopeCounts(out)

    # ------------------------------------------------------------------

    def reask(self, ctx: RuleContext, field: str, siblings: Sequence[str], by: str, k: int,
              days: int) -> ScopeCounts:
        """R-105's counts for ``field``, computed in one pass with its ``siblings`` (the
        other fields of the check ordered by ``by``) on first use."""
        key = ("reask", field, by, k, days)
        if key not in self._memo:
            todo = [f for f in dict.fromkeys([field, *siblings])
                    if ("reask", f, by, k, days) not in self._memo]
            for f, counts in self._reask(ctx, todo, by, k, days).items():
                self._memo[("reask", f, by, k, days)] = counts
        return self._memo[key]  # type: ignore[no-any-return]

    def _reask(self, ctx: RuleContext, fields: Sequence[str], by: str, k: int, days: int
               ) -> dict[str, ScopeCounts]:
        """For each of ``fields`` (all ordered by ``by``: one pass), per scope: patients in
        scope and violating (``in_scope``, ``violating``), per trigger kind (``v_unknown``,
        ``v_not_asked``, ``v_declined``) and declined within the window
        (``declined_within``), as history.unknown_not_reasked counts them."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        from validator.engine.rules.history import DECLINED, NO_ANSWER, REASK

        rows = self.base(ctx)
        for i, name in enumerate(fields):
            nf = ctx.require(name)
            rows = self._lookup(rows, nf.raw, nf.spec.column,
                                {f"state{i}": nf.rows("state").astype(str)})
        rows = self._ordinal(ctx, rows, by, "when").filter(F.col("when") >= 0)
        patient = Window.partitionBy(_SCOPE, _PATIENT)
        ordered = patient.orderBy("when", *_PLACE)
        by_date = patient.orderBy("when")
        rows = rows.select(
            _SCOPE, _PATIENT, *[f"state{i}" for i in range(len(fields))],
            F.count(F.lit(1)).over(patient).alias("n"),
            (F.row_number().over(ordered) - 1).alias("pos"),
            # rows dated up to this row's date, and before this date + days: the first
            # later-dated row, and the first row days later, are at those positions
            F.count(F.lit(1)).over(by_date.rangeBetween(Window.unboundedPreceding,
                                                        Window.currentRow)).alias("le"),
            F.count(F.lit(1)).over(by_date.rangeBetween(Window.unboundedPreceding,
                                                        max(days, 1) - 1)).alias("lt_days"),
            "when", *_PLACE)
        following = ordered.rowsBetween(1, Window.unboundedFollowing)
        end = F.col("le") + (k - 1)
        end_d = F.col("lt_days") + (k - 1)
        later = end < F.col("n")
        after = end_d < F.col("n")
        flags: dict[str, Any] = {}
        for i in range(len(fields)):
            state = F.col(f"state{i}")
            no_answer = state.isin(*NO_ANSWER)
            declined = state == DECLINED
            # the position of the next answered row (declined answers unknown, not declined)
            nxt = F.min(F.when(~no_answer, F.col("pos"))).over(following)
            nxt_d = F.min(F.when(~(no_answer | declined), F.col("pos"))).over(following)
            rows = rows.withColumn(f"quiet{i}", nxt.isNull() | (nxt > end))
            rows = rows.withColumn(f"quiet_d{i}", nxt_d.isNull() | (nxt_d > end_d))
            # per trigger kind: (in scope, violating), as history._reask
            kinds = {kind: ((state == kind) & later, F.col(f"quiet{i}")) for kind in REASK}
            kinds[DECLINED] = (declined & after, F.col(f"quiet_d{i}"))
            in_scope = violating = F.lit(False)
            for kind, (scope, quiet) in kinds.items():
                flags[f"v_{kind}{i}"] = scope & quiet
                in_scope, violating = in_scope | scope, violating | (scope & quiet)
            flags |= {f"in_scope{i}": in_scope, f"violating{i}": violating,
                      f"declined_within{i}": declined & later & ~after & ~in_scope}
        per_patient = rows.groupBy(_SCOPE, _PATIENT).agg(
            F.count(F.lit(1)).alias("rows"),
            *[F.max(c.cast("int")).alias(name) for name, c in flags.items()])
        keys = ["rows", *flags]
        scoped = self._scoped(self._collect(per_patient.groupBy(_SCOPE).agg(
            *[F.sum(key).alias(key) for key in keys])), keys)
        names = (*[f"v_{kind}" for kind in (*REASK, DECLINED)], "in_scope", "violating",
                 "declined_within")
        return {f: ScopeCounts({s: {"rows": c["rows"], **{n: c[f"{n}{i}"] for n in names}}
                                for s, c in scoped.counts.items()})
                for i, f in enumerate(fields)}

    # ------------------------------------------------------------------

    def recollect(self, ctx: RuleContext, element: str, respondent: str,
                  limits: Mapping[str, float], k: int) -> ScopeCounts:
        """Per scope and age limit ``name``: patients due (``due_<name>``), due and still
        holding the proxy value (``not_recollected_<name>``), and overall ``patients``,
        ``violating`` and ``waiting`` (due without k encounters since), as
        history.recollect_after_age_transition counts them."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        from validator.engine.rules.respondent import PROXIES, value_is

        resp = ctx.require(respondent)
        rows = self._lookup(self.base(ctx), resp.raw, resp.spec.column,
                            {"proxy": value_is(resp, *PROXIES).astype(np.int8)})
        rows = rows.filter(F.col(_ENCOUNTER) >= 0)
        rows = self._ordinal(ctx, rows, "birth_date", "born")
        rows = self._ordinal(ctx, rows, f"{element}_collected_date", "collected")
        rows = self._as_of(ctx, rows, "as_of")
        born = F.col("born")
        age_collected = _years(born, F.col("collected"))
        age_encounter = _years(born, F.col(_ENCOUNTER))
        age_now = _years(born, F.col("as_of"))
        proxy = F.col("proxy").cast("int") == 1
        per_row = []
        for i, t in enumerate(limits.values()):
            per_row += [(proxy & (age_collected >= 0) & (age_collected < t)).alias(f"before{i}"),
                        (age_encounter >= t).alias(f"after{i}"),
                        (age_now >= t).alias(f"now{i}")]
        rows = rows.select(_SCOPE, _PATIENT, F.col(_ENCOUNTER).alias("when"), *_PLACE,
                           *per_row)
        # one sort per (scope, patient) by date and input position: the patient's latest row
        # is the last of its window
        ordered = Window.partitionBy(_SCOPE, _PATIENT).orderBy("when", *_PLACE)
        every = ordered.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
        n = len(limits)
        per_patient = rows.select(
            _SCOPE, F.row_number().over(ordered).alias("position"),
            F.count(F.lit(1)).over(every).alias("rows"),
            *[F.max(F.col(f"before{i}").cast("int")).over(every).alias(f"had{i}")
              for i in range(n)],
            *[F.sum(F.col(f"after{i}").cast("int")).over(every).alias(f"since{i}")
              for i in range(n)],
            *[F.last(f"{x}{i}").over(every).alias(f"last_{x}{i}")
              for x in ("before", "now") for i in range(n)],
        ).filter(F.col("position") == 1)
        flags: dict[str, Any] = {}
        waiting = scope = violated = F.lit(False)
        for i, name in enumerate(limits):
            due = (F.col(f"had{i}") == 1) & F.col(f"last_now{i}")
            s = due & (F.col(f"since{i}") >= k)
            v = s & F.col(f"last_before{i}")
            flags[f"due_{name}"] = s
            flags[f"not_recollected_{name}"] = v
            waiting = waiting | (due & (F.col(f"since{i}") < k))
            scope = scope | s
            violated = violated | v
        flags |= {"waiting": waiting & ~scope, "patients": scope, "violating": violated}
        keys = ["rows", *flags]
        per_scope = per_patient.groupBy(_SCOPE).agg(
            F.sum("rows").alias("rows"),
            *[F.sum(c.cast("int")).alias(name) for name, c in flags.items()])
        return self._scoped(self._collect(per_scope), keys)

    # ------------------------------------------------------------------

    def latest_ages(self, ctx: RuleContext, field: str, siblings: Sequence[str]
                    ) -> dict[int | None, tuple[np.ndarray, np.ndarray]]:
        """R-106's latest values for ``field``, computed in one pass with its ``siblings``
        on first use."""
        key = ("latest", field)
        if key not in self._memo:
            todo = [f for f in dict.fromkeys([field, *siblings])
                    if ("latest", f) not in self._memo]
            for f, ages in self._latest_ages(ctx, todo).items():
                self._memo[("latest", f)] = ages
        return self._memo[key]  # type: ignore[no-any-return]

    def _latest_ages(self, ctx: RuleContext, fields: Sequence[str]
                     ) -> dict[str, dict[int | None, tuple[np.ndarray, np.ndarray]]]:
        """For each of ``fields`` (collection dates; one pass), per scope: the days from it
        to the reference date on each patient's latest row (by encounter date, then input
        order) among rows dated neither blank nor after the reference date, as (distinct
        values, patients per value)."""
        from pyspark.sql import functions as F

        rows = self._as_of(ctx, self.base(ctx), "as_of").filter(F.col(_ENCOUNTER) >= 0)
        latest = []
        for i, name in enumerate(fields):
            rows = self._ordinal(ctx, rows, name, f"collected{i}")
            age = F.col("as_of") - F.col(f"collected{i}")
            ok = (F.col(f"collected{i}") >= 0) & (age >= 0)
            # the latest row among those that count (max ignores the others' nulls)
            latest.append(F.max(F.when(ok, F.struct(F.col(_ENCOUNTER).alias("when"),
                                                    F.col(_FILE).alias("file"),
                                                    F.col(_SEQ).alias("seq"),
                                                    age.alias("age")))).alias(f"last{i}"))
        per_patient = rows.groupBy(_SCOPE, _PATIENT).agg(*latest)
        values = per_patient.select(_SCOPE, F.explode(F.array(*[
            F.struct(F.lit(i).alias("field"), F.col(f"last{i}.age").alias("age"))
            for i in range(len(fields))])).alias("v")).filter(F.col("v.age").isNotNull())
        counts = values.groupBy(_SCOPE, F.col("v.field").alias("field"),
                                F.col("v.age").alias("age")).agg(
            F.count(F.lit(1)).alias("patients"))
        out: dict[str, dict[int | None, tuple[list[int], list[int]]]] = {f: {} for f in fields}
        for r in self._collect(counts):
            scope = None if r[_SCOPE] == WHOLE else int(r[_SCOPE])
            ages, weights = out[fields[r["field"]]].setdefault(scope, ([], []))
            ages.append(int(r["age"]))
            weights.append(int(r["patients"]))
        return {f: {s: (np.array(v, dtype=np.int64), np.array(w, dtype=np.int64))
                    for s, (v, w) in per.items()} for f, per in out.items()}
