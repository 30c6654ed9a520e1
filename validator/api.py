"""The library API: ``validate(source, profile=None, ...) -> Report``. The CLI is a thin layer
over this function; pipelines call it directly as a pre-check."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from validator import (
    __version__,
    caregivers,
    catalog,
    date_classes,
    derive,
    io,
    previous,
    readiness,
    timing,
    valuesets,
)
from validator import profile as profiles
from validator.engine import runner
from validator.engine.measures import RuleContext
from validator.errors import InputError, UsageError
from validator.fields import FIELDS, Kind
from validator.io import fhir
from validator.io.compact import compact, to_frame
from validator.judge import gate
from validator.normalize import Normalized, normalize
from validator.profile import Profile, ThresholdOverride
from validator.results import Report, Severity
from validator.summary import field_strata, field_summaries
from validator.tabulate import tabulate
from validator.thresholds import load_thresholds
from validator.worklist import Worklist

if TYPE_CHECKING:
    from validator.engine.spark_frame import SparkCounts

Source = str | Path | pd.DataFrame | pa.Table
ENGINES = ("pandas", "spark")
ProfileArg = str | Path | Mapping[str, Any] | Profile | None


def _profile(arg: ProfileArg) -> Profile | None:
    if arg is None or isinstance(arg, Profile):
        return arg
    if isinstance(arg, str | Path):
        return profiles.load(arg)
    if isinstance(arg, Mapping):
        return profiles.from_dict(arg, where="profile")
    raise UsageError(f"profile must be a path, a mapping or a Profile, not {type(arg).__name__}")


def _thresholds(arg: str | Path | Mapping[str, Any] | None) -> dict[str, ThresholdOverride]:
    if arg is None:
        return {}
    if isinstance(arg, str | Path):
        return load_thresholds(arg)
    return profiles.parse_thresholds(arg, "thresholds", "thresholds argument")


def _as_strings(table: pa.Table) -> pd.DataFrame:
    """Every column as text, dictionary-encoded where it has few distinct values (the columns
    stay alive all run: keep them small; validator/io/compact.py)."""
    cols = []
    for name in table.column_names:
        col = table[name]
        if col.type != pa.large_string():
            try:
                col = col.cast(pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                values = [None if v is None else str(v) for v in col.to_pylist()]
                col = pa.chunked_array([pa.array(values, type=pa.large_string())])
        cols.append(col)
    out = pa.table(cols, names=table.column_names)
    return to_frame(compact(out.to_batches(), out.column_names))


def _settle(prof: Profile | None, columns: Sequence[str], where: str,
            stratify_by: str | None) -> Profile:
    """The profile for a source with these ``columns``: inferred when none is given, with the
    ``stratify_by`` stratum, checked against the columns (InputError naming ``where``)."""
    prof = prof or profiles.infer(columns, where=where)
    if stratify_by:
        prof = profiles.with_stratum(prof, str(stratify_by), columns, where=where)
    profiles.check_columns(prof, columns, where=where)
    return prof


def _from_frame(frame: pd.DataFrame | pa.Table, prof: Profile | None, where: str,
                stratify_by: str | None = None) -> tuple[pd.DataFrame, Profile, dict[str, Any]]:
    table = frame if isinstance(frame, pa.Table) else None
    columns = [str(c) for c in (frame.column_names if table is not None else frame.columns)]
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise InputError(f"{where}: duplicate column name {dup!r}",
                         hint="give every column a unique name")
    prof = _settle(prof, columns, where, stratify_by)
    wanted = prof.columns()
    if table is None:
        assert isinstance(frame, pd.DataFrame)
        sub = frame.loc[:, wanted]
        sub.columns = [str(c) for c in sub.columns]
        try:
            table = pa.Table.from_pandas(sub, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            table = pa.table({c: pa.array([None if pd.isna(v) else str(v) for v in sub[c]],
                                          type=pa.large_string()) for c in wanted})
    else:
        table = table.select(wanted)
    data = _as_strings(table)
    return data, prof, {"format": "dataframe", "sha256": _values_digest(data), "encoding": None}


def _values_digest(data: pd.DataFrame, weights: np.ndarray | None = None) -> str:
    """A SHA-256 of the values read, for sources that are not one local file (run_id); of
    the distinct rows and their counts when the rows are weighted."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    if weights is not None:
        digest.update(np.ascontiguousarray(weights, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _inspect(path: Path, prof: Profile | None, opts: Mapping[str, str | None]
             ) -> tuple[io.SourceInfo, Profile]:
    """Inspect a CSV/TSV/Parquet file and settle the profile against its header."""
    inp = prof.input if prof else profiles.InputOptions()
    info = io.inspect_source(
        path,
        fmt=opts.get("input_format") or inp.format,
        encoding=opts.get("encoding") or inp.encoding,
        delimiter=opts.get("delimiter") or inp.delimiter,
    )
    try:
        prof = _settle(prof, info.columns, str(path), opts.get("stratify_by"))
    except InputError as exc:
        if info.suggested_delimiter and len(info.columns) == 1:
            exc.hint = (f"the header has a single column; the file may be delimited by "
                        f"{info.suggested_delimiter!r}: pass --delimiter "
                        f"'{info.suggested_delimiter.replace(chr(9), chr(92) + 't')}'")
        raise
    return info, prof


def _file_meta(info: io.SourceInfo) -> dict[str, Any]:
    return {"format": info.format, "sha256": info.sha256, "encoding": info.encoding,
            "size_bytes": info.size_bytes}


def _from_path(path: Path, prof: Profile | None, opts: Mapping[str, str | None]
               ) -> tuple[pd.DataFrame, Profile, dict[str, Any]]:
    inp = prof.input if prof else profiles.InputOptions()
    if fhir.detect(path, opts.get("input_format") or inp.format):
        return _from_fhir(path, prof)
    info, prof = _inspect(path, prof, opts)
    return to_frame(io.read_compact(info, prof.columns())), prof, _file_meta(info)


def _from_spark(path: Path, prof: Profile | None, opts: Mapping[str, str | None]
                ) -> tuple[pd.DataFrame, Profile, dict[str, Any], SparkCounts]:
    """Read with Spark (validator/io/spark.py): the rows stay in Spark for GX's Spark engine;
    the mapped columns come to the driver for the normalizer's look-ups and the rules."""
    from validator.engine.spark_frame import SparkCounts
    from validator.io import spark as spark_io

    inp = prof.input if prof else profiles.InputOptions()
    if fhir.detect(path, opts.get("input_format") or inp.format):
        raise UsageError(f"{path}: FHIR input runs on the pandas engine only",
                         hint="drop --engine spark for FHIR JSON/NDJSON")
    info, prof = _inspect(path, prof, opts)
    session = spark_io.session(opts.get("spark_master"))
    rows = spark_io.read(session, info, prof.columns())
    frame, weighted = _spark_collect(rows, info, prof, opts)
    return frame, prof, {**_file_meta(info), "engine": "spark", **weighted}, SparkCounts(
        session, rows, frame, prof)


def _spark_collect(rows: Any, info: io.SourceInfo | str, prof: Profile,
                   opts: Mapping[str, str | None]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The mapped columns on the driver: Spark's distinct rows with their counts (the rules
    and reports work on weighted rows, validator/weights.py; docs/spark.md), or every row when
    the run needs rows: a worklist names rows; caregiver columns are unpacked per row. Dated
    encounters: the history rules follow each patient's encounters in Spark
    (meta ``_history``), and the driver holds encounter dates by class."""
    from validator.io import spark as spark_io

    columns = prof.columns()
    encounters = prof.grain == "encounter"
    if opts.get("rows") or prof.caregivers is not None:
        return _as_strings(spark_io.to_arrow(rows, info, columns)), {}
    extra: dict[str, Any] = {}
    if encounters and date_classes.other_dates(prof):
        if "patient_id" in prof.fields:  # (without it the history rules do not apply)
            from validator.engine.spark_history import SparkHistory

            extra["_history"] = SparkHistory(rows, info, columns, prof)
        if date_classes.ENCOUNTER in prof.fields:
            rows = spark_io.with_values_replaced(
                rows, prof.fields[date_classes.ENCOUNTER].column, info, columns,
                lambda texts: date_classes.encounter_representatives(texts, prof))
    elif date_classes.classes_apply(prof):
        as_of = date_classes.as_of_for(prof, opts.get("as_of_date"))
        rows = spark_io.with_values_replaced(
            rows, prof.fields[date_classes.FIELD].column, info, columns,
            lambda texts: date_classes.representatives(texts, prof, as_of))
    # at encounter grain a patient's rows are counted per patient: every id is kept
    patient = (prof.fields["patient_id"].column
               if "patient_id" in prof.fields and not encounters else None)
    table, weights, single = spark_io.distinct_rows(rows, info, columns, patient,
                                                    _presence_only(prof))
    return _as_strings(table), {"_weights": weights, "_single_patients": single, **extra}


def _presence_only(prof: Profile) -> list[str]:
    """Columns of identifiers whose values no check reads (encounter_id): only whether a row
    has one matters (validator/normalize.py reads an identifier as present or blank)."""
    keyed = {"patient_id", "site_id", "stratum", prof.stratum}
    return [spec.column for name, spec in prof.fields.items()
            if FIELDS[name].kind is Kind.ID and name not in keyed]


def _from_spark_dataset(source: str, prof: Profile | None, opts: Mapping[str, str | None]
                        ) -> tuple[pd.DataFrame, Profile, dict[str, Any], SparkCounts]:
    """A dataset Spark reads alone (docs/spark.md): a URI such as ``s3a://bucket/extract/``,
    a local directory of part files or a catalog table (``table:schema.name``). No
    driver-side inspection: Spark reads the header or schema; the report holds a hash of the
    rows received, never the URI or table name (they may carry PHI)."""
    from validator.engine.spark_frame import SparkCounts
    from validator.io import spark as spark_io

    inp = prof.input if prof else profiles.InputOptions()
    shown = io.shown_uri(str(source))
    fmt = spark_io.dataset_format(str(source), opts.get("input_format") or inp.format)
    session = spark_io.session(opts.get("spark_master"))
    rows = spark_io.read_dataset(session, str(source), fmt,
                                 encoding=opts.get("encoding") or inp.encoding,
                                 delimiter=opts.get("delimiter") or inp.delimiter)
    present = tuple(rows.columns)
    prof = _settle(prof, present, shown, opts.get("stratify_by"))
    rows = spark_io.project(rows, prof.columns(), shown)
    frame, weighted = _spark_collect(rows, shown, prof, opts)
    return frame, prof, {"format": fmt, "sha256": _values_digest(frame, weighted.get(
        "_weights")), "encoding": None, "engine": "spark", **weighted}, SparkCounts(
        session, rows, frame, prof)


def _from_postgres(url: str, prof: Profile | None, opts: Mapping[str, str | None]
                   ) -> tuple[pd.DataFrame, Profile, dict[str, Any]]:
    """A PostgreSQL table (``?table=``) or query: only the mapped columns, streamed as text."""
    from validator.io import postgres

    src = postgres.parse(url, sql=opts.get("sql"))
    with postgres.connect(src, read_only=True) as conn:
        present, types = postgres.columns(conn, src)
        prof = _settle(prof, present, src.shown, opts.get("stratify_by"))
        data = to_frame(compact(postgres.iter_batches(conn, src, prof.columns(), types),
                                prof.columns()))
    return data, prof, {"format": "postgresql", "source": src.shown,
                        "sha256": _values_digest(data), "encoding": None}


def _from_fhir(path: Path, prof: Profile | None
               ) -> tuple[pd.DataFrame, Profile, dict[str, Any]]:
    """FHIR JSON/NDJSON: canonical columns from Patient resources; the reader's output rides
    along in meta["_fhir"] (caregivers, findings) until validate() attaches it."""
    fin = fhir.read(path)
    return _as_strings(fin.patients), fhir.profile_for(prof, fin, path), {**fin.meta,
                                                                          "_fhir": fin}


def _read(source: Source, prof: Profile | None, opts: Mapping[str, str | None], engine: str
          ) -> tuple[pd.DataFrame, Profile, dict[str, Any], SparkCounts | None]:
    """The mapped columns as strings, the settled profile, source metadata and, for the Spark
    engine, its GX counter."""
    if engine == "spark":
        if not isinstance(source, str | Path) or io.is_database_url(source):
            raise UsageError("engine='spark' reads a CSV, TSV or Parquet file path",
                             hint="validate DataFrames and postgresql:// sources with the "
                                  "pandas engine")
        from validator.io.spark import is_dataset

        if is_dataset(source):
            return _from_spark_dataset(str(source), prof, opts)
        return _from_spark(Path(source), prof, opts)
    if io.is_uri(source) and not io.is_database_url(source):
        raise UsageError(f"{io.shown_uri(str(source))}: the embedded engine reads local files "
                         "and postgresql:// only",
                         hint="read s3a://, hdfs://, file:/ and other URIs, and catalog "
                              "tables (table:schema.name), with --engine spark")
    if isinstance(source, pd.DataFrame | pa.Table):
        return (*_from_frame(source, prof, where="DataFrame",
                             stratify_by=opts.get("stratify_by")), None)
    if io.is_database_url(source):
        return (*_from_postgres(str(source), prof, opts), None)
    if isinstance(source, str | Path):
        return (*_from_path(Path(source), prof, opts), None)
    raise UsageError(f"source must be a path or a DataFrame, not {type(source).__name__}")


def _as_of(prof: Profile, data: Normalized, override: dt.date | str | None
           ) -> tuple[dt.date, np.ndarray | None, str]:
    day = date_classes.as_of_for(prof, override)
    if override is not None:
        return day, None, "argument"
    if prof.as_of_date is not None:
        return day, None, "profile"
    nf = data.get("as_of_date")
    if nf is None:
        return day, None, "run_date"
    per_unique = np.array(
        [np.datetime64(u.date, "D") if u.date else np.datetime64(day, "D")
         for u in nf.uniques], dtype="datetime64[D]")
    return day, per_unique[nf.codes], "column (run date where blank)"


def _params(prof: Profile) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for cid, check in catalog.load().items():
        merged = {**check.params, **prof.params.get(cid, {})}
        if merged:
            out[cid] = merged
    return out


def validate(
    source: Source,
    profile: ProfileArg = None,
    *,
    thresholds: str | Path | Mapping[str, Any] | None = None,
    as_of_date: dt.date | str | None = None,
    fail_on: str | Severity = Severity.CRITICAL,
    dataset: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    input_format: str | None = None,
    suites: list[str] | tuple[str, ...] | None = None,
    stratify_by: str | None = None,
    worklist: Worklist | None = None,
    previous_results: str | Path | None = None,
    sql: str | None = None,
    list_unmapped: bool = False,
    engine: str = "pandas",
    spark_master: str | None = None,
) -> Report:
    """Validate a file (CSV, TSV, Parquet, FHIR JSON/NDJSON), a directory of Parquet part
    files or a DataFrame; return the :class:`Report`.

    Args:
        source: path to the extract (or to a directory of Parquet part files), a
            ``postgresql://host/db?table=schema.name`` URL, a pandas DataFrame / pyarrow
            Table, or, with ``engine="spark"``, a URI Spark reads (``s3a://``, ``hdfs://``,
            ``file:/``...) or a table of its catalog (``table:catalog.schema.name``).
        profile: profile YAML path, mapping or Profile; None when columns carry canonical names.
        thresholds: thresholds file (CSV or YAML) or mapping overriding the profile's.
        as_of_date: reference date of the extract (default: profile, as_of_date column, today).
        fail_on: ``critical`` (default) or ``warning`` (warnings also fail the gate).
        dataset: name shown in reports (never the file name, which may carry PHI).
        encoding, delimiter, input_format: override reader detection for text files
            (``input_format="fhir"`` reads FHIR JSON/NDJSON; docs/fhir.md).
        suites: run only these suites (``preflight``, ``race``, ``ethnicity``, ``age``, ...).
        stratify_by: compute every check per value of this canonical field or input column
            (overrides the profile's stratum).
        worklist: a :class:`validator.worklist.Worklist` to fill with the failing rows' keys
            (hashed unless it asks for raw keys; docs/worklist.md). The Report never holds
            keys. Needs a row key (UsageError otherwise).
        previous_results: results.csv or results.parquet of an earlier run of the same
            dataset; SITE.DISTRIBUTION_SHIFT compares category shares against it.
        sql: with a ``postgresql://`` source, read this query instead of ``?table=``
            (docs/postgres.md).
        list_unmapped: list the source values of code fields that are not standard codes
            (code-like values shared by at least five rows) in ``fields.*.unmapped``, to
            write a crosswalk; off by default, when they are only counted (PHI-safe).
        engine: ``pandas`` (default, embedded) or ``spark``: Spark reads the CSV/TSV/Parquet
            file, directory or URI and GX's Spark execution engine runs the suites
            (docs/spark.md).
        spark_master: with ``engine="spark"``, the master URL (default ``local[*]``).

    Raises:
        InputError, ConfigError, UsageError: bad input or configuration (exit code 2).

    Example:
        >>> report = validate("fixtures/clean_canonical.csv")  # doctest: +SKIP
        >>> report.gate.passed, report.result("RACE.COMPLETENESS").percent  # doctest: +SKIP
    """
    try:
        severity = Severity(fail_on)
    except ValueError:
        raise UsageError(f"fail_on must be 'critical' or 'warning', not {fail_on!r}") from None
    if severity is Severity.INFO:
        raise UsageError("fail_on must be 'critical' or 'warning', not 'info'")
    started = dt.datetime.now(dt.timezone.utc)
    checks = catalog.load() if suites is None else catalog.select_suites(suites, where="suites")
    prof = _profile(profile)
    extra = _thresholds(thresholds)
    if sql is not None and not io.is_database_url(source):
        raise UsageError("sql= needs a postgresql:// source")
    if engine not in ENGINES:
        raise UsageError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if spark_master is not None and engine != "spark":
        raise UsageError("spark_master (--spark-master) needs engine='spark' (--engine spark)")
    with timing.phase("read"):
        frame, prof, meta, whole_counts = _read(source, prof, {
            "encoding": encoding, "delimiter": delimiter, "input_format": input_format,
            "stratify_by": stratify_by, "sql": sql, "spark_master": spark_master,
            "rows": "needed" if worklist is not None else None,
            "as_of_date": None if as_of_date is None else str(as_of_date)}, engine)
    if extra:
        prof = prof.with_thresholds(extra)
    with timing.phase("normalize"):
        row_weights = meta.pop("_weights", None)
        data = normalize(frame, prof, row_weights)
        data.single_patients = meta.pop("_single_patients", None)
        fin = meta.pop("_fhir", None)
        data.caregivers = caregivers.load(prof, frame, data,
                                          table=None if fin is None else fin.caregivers)
        if fin is not None:
            fhir.attach(data, fin)
        as_of, as_of_rows, as_of_source = _as_of(prof, data, as_of_date)
        derived = ["birth_date"] if derive.birth_date_from_age(data, as_of) else []
    ctx = RuleContext(data=data, profile=prof, as_of=as_of, as_of_rows=as_of_rows,
                      n_rows=len(frame), params=_params(prof),
                      previous=None if previous_results is None else previous.load(
                          previous_results))
    ctx.history = meta.pop("_history", None)
    if worklist is not None:
        worklist.prepare(ctx)
    try:
        results = runner.run(ctx, checks, whole_counts)
    finally:
        if ctx.history is not None:
            ctx.history.release()
    if worklist is not None:
        worklist.collect(ctx, results)
    with timing.phase("summarize"):
        strata = runner.strata_of(ctx)
        verdict = gate(results, severity)
        # everything that changes the results: input, profile, date, version, gate, and the
        # options that are not in the profile file (stratum, suites, thresholds, listing)
        run_key = "|".join([str(meta.get("sha256")), str(prof.sha256), as_of.isoformat(),
                            __version__, severity.value, str(prof.stratum),
                            ",".join(sorted(checks)),
                            repr(sorted((k, v.threshold, v.warn_threshold)
                                        for k, v in extra.items())),
                            str(list_unmapped)]
                           + ([ctx.previous.run_id] if ctx.previous is not None else []))
        name = dataset or (prof.name if not prof.inferred else "input")
        report = Report(
            tool_version=__version__,
            run={
                "run_id": hashlib.sha256(run_key.encode()).hexdigest()[:16],
                "started_at": started.isoformat(timespec="seconds"),
                "as_of_date": as_of.isoformat(),
                "as_of_source": as_of_source,
                "derived_fields": derived,
                **({"list_unmapped": True} if list_unmapped else {}),
            },
            dataset={"name": name, "rows": ctx.total, "fields_read": sorted(data.fields),
                     **meta, "caregivers": caregivers.describe(data.caregivers)},
            profile=prof.describe(),
            valuesets=tuple(valuesets.summary()),
            gate=verdict,
            results=tuple(results),
            fields=field_summaries(data, prof, list_unmapped),
            field_strata=field_strata(data, strata),
            disabled=tuple(
                [{"check_id": c, "reason": "disabled in the profile"} for c in prof.disabled]
                + [{"check_id": c, "reason": "suite not selected"} for c, d in
                   catalog.load().items() if d.implemented and c not in checks]
            ),
            tabulation=tabulate(data, prof),
            readiness=readiness.assess(ctx, results),
        )
    return report

