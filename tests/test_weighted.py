"""Weighted rows (validator/weights.py): an input given as its distinct rows with a count each
(what the Spark engine collects, docs/spark.md) gives the report of the rows it stands for.

Each fixture is expanded: every row repeated 1-3 times, the extra copies placed later in the
file in shuffled order. The expanded frame validated row by row must give exactly the report of
its distinct rows validated with their counts as weights (GX's whole-input counts come from
the expanded rows, as Spark computes them from the rows it holds)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES as FIX
from conftest import GATE_FIXTURES

from validator import api, date_classes
from validator import profile as profiles
from validator.engine import runner
from validator.normalize import dictionary_encoded
from validator.results import Report

AS_OF = "2026-11-01"


def _comparable(report: Report) -> dict[str, Any]:
    out = json.loads(json.dumps(report.to_dict(), default=str))
    out["run"].pop("started_at")
    out["run"].pop("run_id")  # keyed on the values' digest, which differs
    out["dataset"].pop("sha256")
    return out


def expanded(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Every row 1-3 times: the first copy in place, the others after all rows, shuffled."""
    rng = np.random.default_rng(seed)
    extra = np.repeat(np.arange(len(frame)), rng.integers(0, 3, len(frame)))
    order = np.concatenate([np.arange(len(frame)), rng.permutation(extra)])
    return frame.iloc[order].reset_index(drop=True)


def distinct_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct rows in order of first appearance and how many rows each stands for."""
    key = pd.MultiIndex.from_frame(frame.astype(object).fillna("\x00null")).factorize()[0]
    first = np.unique(key, return_index=True)[1]
    order = np.sort(first)
    counts = np.bincount(key)[key[order]]
    return frame.iloc[order].reset_index(drop=True), counts.astype(np.int64)


def spark_like_rows(frame: pd.DataFrame, id_column: str
                    ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """What the Spark engine collects at patient grain (validator/io/spark.py distinct_rows):
    ids that occur on one row only dropped, the rows grouped, one placeholder id per group of
    such rows; (rows, weights, which rows stand for single patients)."""
    trimmed = frame[id_column].map(lambda v: v.strip() or None if isinstance(v, str) else v)
    alone = trimmed.notna() & trimmed.map(trimmed.value_counts()).eq(1)
    work = frame.assign(**{id_column: frame[id_column].where(~alone, None), "__single": alone})
    rows, weights = distinct_rows(work)
    single = rows.pop("__single").to_numpy(dtype=bool)
    rows.loc[single, id_column] = [f"\x00single patient {k}" for k in np.flatnonzero(single)]
    return rows, weights, single


def _gx_on_expanded(weights: np.ndarray) -> runner.WholeCounts:
    def whole(table: str, frame: pd.DataFrame, cols: list[str],
              expectations: list[Mapping[str, Any]],
              params: Mapping[str, Sequence[str]]) -> list[Any]:
        assert table == "patient"
        rows = frame[cols].iloc[np.repeat(np.arange(len(frame)), weights)]
        return runner._gx_by_columns(dictionary_encoded(rows.reset_index(drop=True)),
                                     expectations, params)
    return whole


def weighted_report(frame: pd.DataFrame, prof: profiles.Profile | None,
                    monkeypatch: pytest.MonkeyPatch, single_ids: str | None = None,
                    **kw: Any) -> Report:
    """The report of ``frame`` validated as its distinct rows with weights; with
    ``single_ids`` (the id column), grouped as the Spark engine groups patient-grain rows."""
    if single_ids is None:
        rows, weights = distinct_rows(frame)
        single = None
    else:
        rows, weights, single = spark_like_rows(frame, single_ids)
    # GX (Spark's part) counts the rows as they are, with their real ids
    whole = _gx_on_expanded(weights) if single is None else _gx_on_rows(frame, prof)
    real_read = api._read

    def read(source: Any, p: Any, opts: Any, engine: str) -> Any:
        data, settled, meta, _ = real_read(source, p, opts, engine)
        return data, settled, {**meta, "_weights": weights, "_single_patients": single}, whole

    with monkeypatch.context() as m:
        m.setattr(api, "_read", read)
        return api.validate(rows, prof, as_of_date=AS_OF, **kw)


def _gx_on_rows(frame: pd.DataFrame, prof: profiles.Profile | None) -> runner.WholeCounts:
    """GX on the prepared frame of every row (as Spark's GX pass sees them)."""
    from validator import normalize as norm
    from validator.engine import gx_checks
    from validator.engine.measures import RuleContext

    data, settled, _, _ = api._read(frame, prof, {}, "pandas")
    ctx = RuleContext(data=norm.normalize(data, settled), profile=settled,
                      as_of=pd.Timestamp(AS_OF).date(), as_of_rows=None, n_rows=len(data),
                      params={})
    prepared = gx_checks.prepare_frame(ctx)

    def whole(table: str, _frame: pd.DataFrame, cols: list[str],
              expectations: list[Mapping[str, Any]],
              params: Mapping[str, Sequence[str]]) -> list[Any]:
        assert table == "patient"
        return runner._gx_by_columns(dictionary_encoded(prepared[cols]), expectations, params)
    return whole


def _source_frame(path: Path, profile: Path | None) -> tuple[pd.DataFrame, Any]:
    prof = profiles.load(profile) if profile else None
    data, settled, _, _ = api._read(path, prof, {}, "pandas")
    return data.astype(object).where(data.notna(), None), settled


def _has_caregivers(path: Path, profile: Path | None) -> bool:
    """Caregiver columns are never read weighted (their rows are derived per patient row)."""
    settled = _source_frame(path, profile)[1]
    return settled.caregivers is not None or any(f.startswith("caregiver_")
                                                 for f in settled.fields)


WITHOUT_CAREGIVERS = [(p, prof) for p, prof in GATE_FIXTURES
                      if p.name != "header_only.csv" and not _has_caregivers(p, prof)]


@pytest.mark.parametrize(("path", "profile"), WITHOUT_CAREGIVERS,
                         ids=[str(p.relative_to(FIX)) for p, _ in WITHOUT_CAREGIVERS])
def test_distinct_rows_with_weights_give_the_report_of_all_rows(
        path: Path, profile: Path | None, monkeypatch: pytest.MonkeyPatch) -> None:
    frame, prof = _source_frame(path, profile)
    big = expanded(frame, seed=len(frame))
    assert len(big) > len(frame)
    plain = api.validate(big, prof, as_of_date=AS_OF)
    weighted = weighted_report(big, prof, monkeypatch)
    assert weighted.dataset["rows"] == len(big)
    assert _comparable(weighted) == _comparable(plain)


PATIENT_GRAIN = [(p, prof) for p, prof in WITHOUT_CAREGIVERS
                 if "patient_id" in (settled := _source_frame(p, prof)[1]).fields
                 and settled.grain == "patient"]


@pytest.mark.parametrize(("path", "profile"), PATIENT_GRAIN,
                         ids=[str(p.relative_to(FIX)) for p, _ in PATIENT_GRAIN])
def test_patient_grain_rows_grouped_without_single_ids_give_the_same_report(
        path: Path, profile: Path | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """At patient grain the Spark engine drops ids that occur once before grouping (else
    every row is distinct): uniqueness, distinct-patient counts and every other count must
    come out as for the rows themselves."""
    frame, prof = _source_frame(path, profile)
    column = prof.fields["patient_id"].column
    rows, weights, single = spark_like_rows(frame, column)
    assert weights.sum() == len(frame)
    # the ids kept are exactly those that repeat (or are blank)
    kept = rows.loc[~single, column].map(lambda v: v.strip() if isinstance(v, str) else "")
    repeated = frame[column].map(lambda v: v.strip() if isinstance(v, str) else "")
    counts = repeated.value_counts()
    assert all(k == "" or counts[k] > 1 for k in kept)
    plain = api.validate(frame, prof, as_of_date=AS_OF)
    weighted = weighted_report(frame, prof, monkeypatch, single_ids=column)
    assert _comparable(weighted) == _comparable(plain)


DATED = [(p, prof) for p, prof in GATE_FIXTURES
         if p.name != "header_only.csv"
         and date_classes.classes_apply(_source_frame(p, prof)[1])]


@pytest.mark.parametrize(("path", "profile"), DATED,
                         ids=[str(p.relative_to(FIX)) for p, _ in DATED])
def test_birth_dates_replaced_by_their_class_give_the_same_report(
        path: Path, profile: Path | None) -> None:
    """validator/date_classes.py: dates with the same completed years and (within the
    longest day threshold) days before the reference date are interchangeable."""
    frame, prof = _source_frame(path, profile)
    coarse = date_classes.replace_dates(frame, prof, dt.date.fromisoformat(AS_OF))
    assert _comparable(api.validate(coarse, prof, as_of_date=AS_OF)) == _comparable(
        api.validate(frame, prof, as_of_date=AS_OF))


def test_date_classes_keep_days_within_the_longest_day_threshold() -> None:
    prof = profiles.from_dict({"fields": {"birth_date": "dob"}}, where="test")
    as_of = dt.date(2026, 11, 1)
    reps = date_classes.representatives(
        ["2026-10-20", "2026-10-21", "2020-01-01", "2020-06-30", "2019-11-02", "2019-11-01",
         "2030-01-01", "unknown", "13/05/2010"], prof, as_of)
    assert date_classes.longest_day_threshold(prof) == 29
    over = profiles.from_dict({"fields": {"birth_date": "dob"}, "ages": {
        "neonate_max_days": 60}, "params": {"SEX.NEONATE_PLAUSIBLE": {"neonate_max_days": 90}}},
        where="test")
    assert date_classes.longest_day_threshold(over) == 91
    # 12 and 11 days old: kept apart (neonatal thresholds count days)
    assert reps["2026-10-20"] == "2026-10-20" and reps["2026-10-21"] == "2026-10-21"
    # all three 6 completed years on 2026-11-01, far beyond any day threshold: one class,
    # represented by its smallest text; 2019-11-01 turned 7 that day: a class of its own
    assert reps["2020-06-30"] == reps["2020-01-01"] == reps["2019-11-02"] == "2019-11-02"
    assert reps["2019-11-01"] == "2019-11-01"
    # a future date, a token and an unparseable text stand for themselves
    assert reps["2030-01-01"] == "2030-01-01"
    assert reps["unknown"] == "unknown" and reps["13/05/2010"] == "13/05/2010"


def test_encounter_dates_keep_only_whether_they_are_dates() -> None:
    """With the history rules in Spark (validator/engine/spark_history.py), the driver reads an
    encounter date only as a date or not and which absent reason: every date is one class,
    represented by its smallest text; tokens and unparseable texts stand for themselves."""
    prof = profiles.from_dict({"grain": "encounter", "fields": {
        "patient_id": "pid", "encounter_date": "seen"}}, where="test")
    reps = date_classes.encounter_representatives(
        ["2024-06-10", "2019-01-02", "2031-01-01", "UNK", "asked-declined", "2024-13-45", ""],
        prof)
    assert {reps[d] for d in ("2024-06-10", "2019-01-02", "2031-01-01")} == {"2019-01-02"}
    assert [reps[t] for t in ("UNK", "asked-declined", "2024-13-45", "")] == [
        "UNK", "asked-declined", "2024-13-45", ""]


def test_date_classes_shrink_a_realistic_extract() -> None:
    """fixtures/canonical_3000_clean.csv: 3,000 patients aged 0-21 hold some 2,600 distinct
    birth dates; their classes are one per year of age, plus one per day for the patients
    younger than the longest day threshold (29 days: neonate_max_days 28, plus one)."""
    frame, prof = _source_frame(FIX / "canonical_3000_clean.csv", None)
    coarse = date_classes.replace_dates(frame, prof, dt.date.fromisoformat(AS_OF))
    before, after = frame["birth_date"].nunique(), coarse["birth_date"].nunique()
    assert date_classes.longest_day_threshold(prof) == 29
    assert before > 2000
    assert after < 40


WITH_ENCOUNTER_IDS = [(p, prof) for p, prof in GATE_FIXTURES
                      if p.name != "header_only.csv"
                      and "encounter_id" in _source_frame(p, prof)[1].fields]


@pytest.mark.parametrize(("path", "profile"), WITH_ENCOUNTER_IDS,
                         ids=[str(p.relative_to(FIX)) for p, _ in WITH_ENCOUNTER_IDS])
def test_encounter_ids_read_as_present_or_blank_give_the_same_report(
        path: Path, profile: Path | None) -> None:
    """The Spark engine groups rows with encounter_id read as present or blank
    (validator/io/spark.py PRESENT_ID): no check may read its values."""
    from validator.io.spark import PRESENT_ID

    frame, prof = _source_frame(path, profile)
    column = prof.fields["encounter_id"].column
    marked = frame.assign(**{column: frame[column].map(
        lambda v: PRESENT_ID if isinstance(v, str) and v.strip() else v)})
    assert marked[column].nunique() < frame[column].nunique()
    assert _comparable(api.validate(marked, prof, as_of_date=AS_OF)) == _comparable(
        api.validate(frame, prof, as_of_date=AS_OF))
