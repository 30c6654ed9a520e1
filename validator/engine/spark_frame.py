"""The frame GX's Spark execution engine checks, built in Spark from the raw columns.

The normalizer works once per distinct value (validator/normalize.py); what it made of each
distinct raw value (or, for the derived ``race__informative`` columns, of each distinct
combination of raw values) is shipped to Spark as a small lookup table and joined to the rows
there (a broadcast join per group of raw columns). Identifiers are trimmed in Spark with the
same whitespace as Python's ``str.strip``. Every lookup is checked to be a function of its raw
columns before it is used, and GX's Spark counts are compared with the driver's grouped pass
by the runner: a disagreement is an ERROR result, never a silent difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from validator.errors import InternalError
from validator.fields import ETHNICITY_FIELDS, FIELDS, RACE_FIELDS, Kind
from validator.io.spark import SAME_TEXT, as_text, from_pandas, trimmed_text
from validator.io.spark import column as spark_column
from validator.profile import Profile

__all__ = ["SparkCounts", "dependencies", "from_pandas", "prepared", "with_lookup"]

_DERIVED = {"race__informative": (RACE_FIELDS, "race_source"),
            "ethnicity__informative": (ETHNICITY_FIELDS, "ethnicity_source")}
_KEY = "patient_id__key"


def dependencies(column: str, profile: Profile) -> tuple[str, ...] | None:
    """The raw input columns a prepared column is a function of; None for an identifier
    (computed by expression in Spark, not looked up)."""
    fields = profile.fields
    if column in _DERIVED:
        names, source = _DERIVED[column]
        return tuple(fields[f].column for f in (*names, source) if f in fields)
    if column == _KEY:
        return None
    base = column.split("__", 1)[0]
    if base not in fields:
        raise InternalError(f"no Spark recipe for the prepared column {column!r}")
    if FIELDS[base].kind is Kind.ID and column == base:
        return None
    return (fields[base].column,)


def _lookup(raw: pd.DataFrame, prepared: pd.DataFrame, keys: Sequence[str],
            columns: Sequence[str]) -> pd.DataFrame:
    """Distinct (raw key values -> prepared values), checked to be a function."""
    frame = pd.DataFrame({f"__k{i}": raw[k].astype(object) for i, k in enumerate(keys)}
                         | {c: prepared[c].astype(object) for c in columns})
    table = frame.drop_duplicates(ignore_index=True)
    key_names = [f"__k{i}" for i in range(len(keys))]
    if table.duplicated(subset=key_names).any():
        raise InternalError(f"prepared columns {list(columns)} are not a function of their "
                            "raw columns; cannot build them in Spark")
    return table.astype(object).where(table.notna(), None)


def _spark_text(rows: Any, column: str) -> dict[str, str] | None:
    """For a raw column whose Spark type casts to other text than the embedded reader's
    (double 1.0 is "1.0" in Spark, "1" in Arrow; timestamps): the embedded text of each
    distinct value -> Spark's text of it, so look-ups keyed on the former join on the latter."""
    import pyarrow as pa

    if dict(rows.dtypes)[column] in SAME_TEXT:
        return None
    col = spark_column(column)
    pairs = rows.select(col.cast("string").alias("s"), col.alias("n")).distinct().toArrow()
    ours = as_text(pa.table({"n": pairs["n"]}), column)["n"].to_pylist()
    return dict(zip(ours, pairs["s"].to_pylist(), strict=True))


def prepared(spark: Any, rows: Any, raw: pd.DataFrame, frame: pd.DataFrame,
             profile: Profile, columns: Sequence[str]) -> Any:
    """``columns`` of the prepared frame, built in Spark from ``rows`` (the raw columns as
    Spark read them); ``raw`` and ``frame`` are the driver's raw and prepared frames, from
    which the lookups are taken."""
    from pyspark.sql import functions as F

    renamed = {c: f"__raw{i}" for i, c in enumerate(raw.columns)}
    out = rows.select([spark_column(c).alias(renamed[c])
                       for c in raw.columns])
    groups: dict[tuple[str, ...], list[str]] = {}
    exprs: dict[str, Any] = {}
    fields = profile.fields
    for column in columns:
        deps = dependencies(column, profile)
        if deps is not None:
            groups.setdefault(deps, []).append(column)
        elif column == _KEY:
            key = trimmed_text(F.col(renamed[fields["patient_id"].column]).cast("string"))
            if "site_id" in fields:
                # the id's length first: one key per (id, site) pair whatever the ids hold
                site = trimmed_text(F.col(renamed[fields["site_id"].column]).cast("string"))
                key = F.concat(F.length(key).cast("string"), F.lit(":"), key,
                               F.coalesce(site, F.lit("")))
            exprs[column] = key
        else:
            exprs[column] = trimmed_text(F.col(renamed[fields[column].column]).cast("string"))
    for keys, cols in groups.items():
        out = _joined(spark, out, rows, _lookup(raw, frame, keys, cols), keys,
                      [renamed[k] for k in keys])
    return out.select([exprs[c].alias(c) if c in exprs else F.col(c) for c in columns])


def _joined(spark: Any, out: Any, rows: Any, table: pd.DataFrame, keys: Sequence[str],
            names: Sequence[str]) -> Any:
    """``out`` left-joined (broadcast) with the look-up ``table`` from :func:`_lookup`, whose
    keys are the raw columns ``keys`` of ``rows``, named ``names`` in ``out``."""
    from pyspark.sql import functions as F

    for i, k in enumerate(keys):
        if (spark_text := _spark_text(rows, k)) is not None:
            table[f"__k{i}"] = table[f"__k{i}"].map(
                lambda v, m=spark_text: None if v is None else m.get(v))
    lookup = from_pandas(spark, table)
    cond = [spark_column(n).cast("string").eqNullSafe(lookup[f"__k{i}"])
            for i, n in enumerate(names)]
    return out.join(F.broadcast(lookup), on=cond, how="left").drop(
        *[f"__k{i}" for i in range(len(keys))])


def with_lookup(rows: Any, key: str, raw: pd.Series, values: pd.DataFrame) -> Any:
    """``rows`` (raw columns as Spark read them) with the columns of ``values`` joined on the
    raw column ``key``: the driver's rows give the look-up (``raw`` value -> ``values``, row by
    row), checked to be a function of the raw value; values travel as text."""
    table = _lookup(pd.DataFrame({key: raw.reset_index(drop=True)}),
                    values.reset_index(drop=True), [key], list(values.columns))
    return _joined(rows.sparkSession, rows, rows, table, [key], [key])


class SparkCounts:
    """The runner's ``whole_counts`` for ``--engine spark``: GX's Spark execution engine on the
    prepared frame built in Spark (the main table) or, for the caregiver rows the driver
    derived from it, on those rows sent to Spark."""

    def __init__(self, spark: Any, rows: Any, raw: pd.DataFrame, profile: Profile) -> None:
        self.spark, self.rows, self.raw, self.profile = spark, rows, raw, profile

    def __call__(self, table: str, frame: pd.DataFrame, columns: list[str],
                 expectations: list[Mapping[str, Any]],
                 parameters: Mapping[str, Sequence[str]]) -> list[Any]:
        from validator.engine import gx_adapter
        from validator.io.spark import quiet

        with quiet():
            if table == "patient":
                sdf = prepared(self.spark, self.rows, self.raw, frame, self.profile, columns)
            else:
                sdf = from_pandas(self.spark, frame[columns])
            sdf = sdf.cache()
            try:
                return gx_adapter.validate_spark(sdf, expectations, parameters)
            finally:
                sdf.unpersist()
