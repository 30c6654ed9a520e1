"""Spark source (``--engine spark``): a SparkSession, and Parquet/CSV read by Spark itself.

The session runs in local mode (``local[*]``) unless a master URL is given. It is quiet and
closed to the network: the UI is off, the driver binds to 127.0.0.1 in local mode, and Spark's
log4j output is switched off (executor errors may quote a malformed record). pyspark is
imported only here, and only for ``--engine spark``.

The file is inspected on the driver first (validator.io.inspect_source: format, encoding,
delimiter, header, checksum, every bad-input check of the embedded engine), then read by Spark
with that dialect, CSV cells as text with no null conversion, Parquet columns in their own
type, only the mapped columns.
Spark errors never reach the user verbatim: they may quote a record.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from validator._resources import data_dir
from validator.errors import InputError, UsageError

if TYPE_CHECKING:
    from validator.io import SourceInfo

__all__ = ["DEFAULT_MASTER", "collected", "column", "dataset_format", "distinct_rows",
           "from_pandas", "is_dataset", "project", "read", "read_dataset", "session",
           "to_arrow", "trimmed_text", "with_values_replaced"]

DEFAULT_MASTER = "local[*]"
#: Driver heap for local mode (Spark's default, 1 GiB, is too small to hand 10M rows to Arrow);
#: override with the environment variable REAL_VALIDATOR_SPARK_DRIVER_MEMORY.
DRIVER_MEMORY = "4g"
#: Python's str.isspace() characters, for trimming identifiers as the embedded engine does.
WHITESPACE = ("\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
              "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}")
_NO_NULL = "\u0000real-validator:no-null\u0000"  # a null marker no cell holds


@contextmanager
def quiet() -> Iterator[None]:
    """pyspark warns that it does not yet fully support pandas 3; nothing here relies on the
    parts it means (pandas-on-Spark), so the warning is silenced for pyspark calls."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark\..*")
        warnings.filterwarnings("ignore", category=UserWarning, module=r"pyspark\..*")
        yield


@contextmanager
def _jvm_stderr_closed() -> Iterator[None]:
    """Start the JVM with stderr on /dev/null: it prints start-up notices (e.g. "Using
    incubator modules") outside log4j. Python's own stderr is restored at once."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _import() -> Any:
    try:
        with quiet():
            import pyspark.sql as sql
    except ImportError:
        raise UsageError(
            "--engine spark needs pyspark, which is not installed",
            hint="pip install 'real-validator[spark]' (and a Java 17+ runtime)") from None
    return sql


def session(master: str | None = None) -> Any:
    """The SparkSession for ``master`` (default local[*]); created once per process."""
    sql = _import()
    master = master or DEFAULT_MASTER
    active = sql.SparkSession.getActiveSession()
    if active is not None:
        if active.sparkContext.master != master:
            raise UsageError(
                f"a Spark session for {active.sparkContext.master} is already running in this "
                f"process; cannot start one for {master}",
                hint="use one Spark master per process")
        return active
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    log4j = data_dir().joinpath("spark-log4j2.properties")
    builder = (
        sql.SparkSession.builder.master(master).appName("real-validator")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.caseSensitive", "true")
        .config("spark.sql.legacy.javaCharsets", "true")  # cp1252 and other Java charsets
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
        .config("spark.executor.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
    )
    if local:
        builder = (builder.config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 2)))
                   .config("spark.driver.memory", os.environ.get(
                       "REAL_VALIDATOR_SPARK_DRIVER_MEMORY", DRIVER_MEMORY)))
    try:
        with quiet(), _jvm_stderr_closed():
            spark = builder.getOrCreate()
    except Exception as exc:  # Java missing, master unreachable: the message names neither data
        raise InputError(
            f"cannot start Spark (master {master}): {type(exc).__name__}",
            hint="check that Java 17+ is installed (java -version) and the master URL is "
                 "reachable") from None
    spark.sparkContext.setLogLevel("OFF")
    return spark


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def column(name: str) -> Any:
    """The Spark column named ``name``, quoted (input column names may hold dots, spaces or
    backticks)."""
    from pyspark.sql import functions as F

    return F.col(_quoted(name))


def _reader(spark: Any, fmt: str, delimiter: str | None, encoding: str | None) -> Any:
    """Spark's reader for ``fmt``: CSV cells as text with no null conversion, RFC 4180 quotes,
    failing on a malformed record; Parquet columns in their own type."""
    if fmt == "parquet":
        return spark.read.format("parquet")
    return (spark.read.format("csv").option("header", "true").option("inferSchema", "false")
            .option("sep", delimiter or ("\t" if fmt == "tsv" else ","))
            .option("encoding", _spark_encoding(encoding))
            .option("quote", '"').option("escape", '"')
            .option("multiLine", "true").option("mode", "FAILFAST")
            .option("nullValue", _NO_NULL).option("emptyValue", "")
            .option("ignoreLeadingWhiteSpace", "false")
            .option("ignoreTrailingWhiteSpace", "false")
            .option("enforceSchema", "false"))


def _projected(frame: Any, columns: Sequence[str]) -> Any:
    # Parquet columns keep their type: the driver turns them into text exactly as the
    # embedded reader does (validator/io/parquet_reader.py), e.g. 1.0 -> "1"
    return frame.select([column(c).alias(c) for c in columns])


def read(spark: Any, info: SourceInfo, columns: Sequence[str]) -> Any:
    """The inspected file as a Spark DataFrame of ``columns``, every cell a string."""
    path = str(info.path.resolve())
    try:
        with quiet():
            frame = _reader(spark, info.format, info.delimiter, info.encoding).load(path)
            if info.format != "parquet" and frame.columns and info.columns:
                # name the columns as the driver's inspection read the header (Spark may
                # keep a UTF-8 byte-order mark in the first name)
                frame = frame.toDF(*info.columns) if len(frame.columns) == len(
                    info.columns) else frame
            frame = _projected(frame, columns)
    except Exception as exc:
        raise InputError(f"{info.path}: Spark could not read the file as {info.format} "
                         f"({type(exc).__name__}; details withheld: they may quote data)",
                         hint="check the file with --engine pandas, which names the bad row"
                         ) from None
    return frame


def is_dataset(source: object) -> bool:
    """A source Spark reads without the driver inspecting it: a URI other than postgresql://
    (``s3a://``, ``hdfs://``, ``abfss://``, ``dbfs:/``, ``file:/``...) or a local directory
    without Parquet files (CSV part files; a Parquet directory is inspected like a file)."""
    from pathlib import Path

    from validator.io import is_database_url, is_uri
    from validator.io.parquet_reader import dataset_files

    if is_uri(source):
        return not is_database_url(source)
    return (isinstance(source, str | Path) and Path(source).is_dir()
            and not dataset_files(Path(source)))


def dataset_format(source: str, fmt: str | None) -> str:
    """``table`` for a catalog table; else ``fmt`` (csv, tsv or parquet) if given, else from
    the name's extension, else Parquet (what a directory of part files usually holds)."""
    from validator.io import is_table

    if is_table(source):
        if fmt is not None:
            raise UsageError(f"a catalog table ({source}) has no input format: drop "
                             f"--input-format {fmt} (and the profile's input.format)")
        return "table"
    if fmt is not None:
        if fmt not in ("csv", "tsv", "parquet"):
            raise UsageError(f"--engine spark reads csv, tsv or parquet datasets, not {fmt!r}")
        return fmt
    name = source.rstrip("/").lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith((".tsv", ".tab", ".tsv.gz")):
        return "tsv"
    return "parquet"


def read_dataset(spark: Any, source: str, fmt: str, *, encoding: str | None = None,
                 delimiter: str | None = None) -> Any:
    """Every column of the dataset at ``source`` (a URI, a directory or a catalog table),
    read by Spark; the caller projects the mapped ones with :func:`project`. Messages name
    the source without the credentials a URI may carry, and never quote Spark's text."""
    from validator.io import TABLE_PREFIX, is_table, shown_uri

    shown = shown_uri(str(source))
    if is_table(source):
        return _read_table(spark, source[len(TABLE_PREFIX):], shown)
    try:
        with quiet():
            frame = _reader(spark, fmt, delimiter, encoding).load(str(source))
            names = frame.columns
            if names and names[0].startswith("\ufeff"):  # a UTF-8 byte-order mark
                frame = frame.toDF(names[0][1:], *names[1:])
    except Exception as exc:
        raise InputError(f"{shown}: Spark could not read it as {fmt} ({type(exc).__name__}; "
                         "details withheld)",
                         hint="check the path or URI, that Spark can reach it (for s3a://, "
                              "hdfs:// and the like, the cluster's file-system connectors and "
                              "credentials), and --format") from None
    if not frame.columns:
        raise InputError(f"{shown}: Spark found no columns", hint="check the path or URI")
    return frame


def _read_table(spark: Any, name: str, shown: str) -> Any:
    """A table of the Spark catalog, every column in its own type (as Parquet's)."""
    if not name.strip():
        raise UsageError(f"{shown}: no table name after 'table:'",
                         hint="write table:schema.name or table:catalog.schema.name")
    try:
        with quiet():
            frame = spark.table(name)
    except Exception as exc:
        raise InputError(f"{shown}: Spark could not read the table ({type(exc).__name__}; "
                         "details withheld)",
                         hint="check the table name and that this Spark session's catalog "
                              "holds it (on a cluster, --spark-master and its metastore)"
                         ) from None
    if not frame.columns:
        raise InputError(f"{shown}: the table has no columns")
    return frame


def project(frame: Any, columns: Sequence[str], shown: str) -> Any:
    """Only ``columns`` of a dataset read by :func:`read_dataset`."""
    try:
        with quiet():
            return _projected(frame, columns)
    except Exception as exc:
        raise InputError(f"{shown}: Spark could not select the mapped columns "
                         f"({type(exc).__name__}; details withheld)") from None


def _spark_encoding(codec: str | None) -> str:
    return {None: "UTF-8", "utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "windows-1252",
            "utf-16": "UTF-16", "utf-32": "UTF-32"}.get(codec, codec or "UTF-8")


def to_arrow(frame: Any, info: SourceInfo | str, columns: Sequence[str]) -> pa.Table:
    """Collect a Spark DataFrame of strings to the driver as an Arrow table (large_string).
    ``info`` is the inspected file, or the shown name of a dataset read by Spark alone."""
    return as_text(collected(frame, info, columns), _shown(info))


def _shown(info: SourceInfo | str) -> str:
    return info if isinstance(info, str) else str(info.path)


def collected(frame: Any, info: SourceInfo | str, columns: Sequence[str]) -> pa.Table:
    """``frame.toArrow()``. When Spark rejects the rows of a file (ragged rows, an
    unterminated quote), the embedded reader reads it to name the bad row in the message;
    Spark's own message is withheld (it may quote a record)."""
    try:
        with quiet():
            return frame.toArrow()
    except Exception as exc:
        if not isinstance(info, str) and info.format != "parquet":
            from validator.io import read_columns

            read_columns(info, columns)  # raises the embedded reader's precise InputError
        raise InputError(f"{_shown(info)}: Spark could not read the rows "
                         f"({type(exc).__name__}; details withheld: they may quote data)",
                         hint="check the file with --engine pandas, which names the bad row"
                         if not isinstance(info, str) else
                         "check the dataset's format and that every part has the same columns"
                         ) from None


def trimmed_text(col: Any) -> Any:
    """A Spark column as text trimmed of Python's whitespace, empty text as null: an
    identifier as the embedded engine reads it."""
    from pyspark.sql import functions as F

    text = F.regexp_replace(col.cast("string"), f"^[{WHITESPACE}]+|[{WHITESPACE}]+$", "")
    return F.when(text == "", F.lit(None)).otherwise(text)


#: Names of the helper columns of :func:`distinct_rows` (no mapped column is named so).
_N, _FIRST, _SINGLE, _LOOKUP_KEY, _LOOKUP_VALUE = (
    f"__real_validator_{x}" for x in ("n", "first", "single", "key", "value"))


#: What an identifier column whose values no check reads holds on the driver when the row has
#: one (:func:`distinct_rows`): present, and nothing else about it.
PRESENT_ID = "\u0000identifier"


def distinct_rows(frame: Any, info: SourceInfo | str, columns: Sequence[str],
                  patient_column: str | None = None, presence_only: Sequence[str] = ()
                  ) -> tuple[pa.Table, np.ndarray, np.ndarray | None]:
    """The distinct rows of ``columns``, counted in Spark: (the rows as text, in order of
    first appearance; how many input rows each stands for; for ``patient_column``, which rows
    stand for patients whose id occurs on no other row, else None).

    Only these reach the driver (docs/spark.md). With ``patient_column``, an id that occurs on
    one row only is dropped before the rows are grouped (it is put back on the driver as a
    placeholder no input holds), so that a file of one row per patient still comes down to
    its distinct value combinations; ids that repeat are kept, as a uniqueness check and any
    per-patient rule need them. The ``presence_only`` columns (identifiers no check reads the
    values of, such as encounter_id) become :data:`PRESENT_ID` where they hold an id."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = [column(c) for c in columns]
    rows = frame.withColumn(_FIRST, F.monotonically_increasing_id())
    for name in presence_only:
        col = column(name)
        rows = rows.withColumn(name, F.when(trimmed_text(col).isNotNull(), F.lit(PRESENT_ID))
                               .otherwise(col.cast("string")))
    if patient_column is not None:
        pid = trimmed_text(column(patient_column))
        alone = pid.isNotNull() & (F.count(F.lit(1)).over(Window.partitionBy(pid)) == 1)
        rows = rows.withColumn(_SINGLE, alone).withColumn(
            patient_column, F.when(F.col(_SINGLE), F.lit(None)).otherwise(
                column(patient_column)))
        keys.append(column(_SINGLE))
    grouped = (rows.groupBy(*keys)
               .agg(F.count(F.lit(1)).alias(_N), F.min(_quoted(_FIRST)).alias(_FIRST))
               .orderBy(_quoted(_FIRST)))
    table = collected(grouped, info, columns)
    weights = table.column(_N).to_numpy().astype(np.int64)
    single = None
    if patient_column is not None:
        single = table.column(_SINGLE).to_numpy(zero_copy_only=False).astype(bool)
    values = as_text(table.select(list(columns)), _shown(info))
    if single is not None and single.any():
        # a placeholder per row that no input holds (a NUL byte first): one patient each
        i = values.column_names.index(patient_column)
        ids = values.column(i).to_pylist()
        for k in np.flatnonzero(single):
            ids[k] = f"\u0000single patient {k}"
        values = values.set_column(i, patient_column, pa.array(ids, type=pa.large_string()))
    return values, weights, single


def with_values_replaced(frame: Any, column: str, info: SourceInfo | str,
                         columns: Sequence[str],
                         replacement: Callable[[list[str]], Mapping[str, str]]) -> Any:
    """``frame`` (of ``columns``) with ``column`` as text, each value replaced by
    ``replacement``'s mapping of the column's distinct values (as the embedded reader spells
    them); the distinct values come to the driver, the mapping goes back as a broadcast
    look-up table."""
    from pyspark.sql import functions as F

    col = F.col(_quoted(column))
    with quiet():
        pairs = collected(frame.select(col.cast("string").alias("s"), col.alias("n"))
                          .distinct(), info, columns)
    ours = as_text(pa.table({"n": pairs["n"]}), _shown(info))["n"].to_pylist()
    mapping = replacement([t for t in ours if t is not None])
    records = [(s, mapping[t]) for s, t in zip(pairs["s"].to_pylist(), ours, strict=True)
               if s is not None and t is not None]
    with quiet():
        lookup = from_pandas(frame.sparkSession, pd.DataFrame(
            records, columns=[_LOOKUP_KEY, _LOOKUP_VALUE], dtype=object))
        joined = frame.join(F.broadcast(lookup), col.cast("string") == F.col(_LOOKUP_KEY),
                            "left")
        return joined.withColumn(column, F.col(_LOOKUP_VALUE)).drop(_LOOKUP_KEY, _LOOKUP_VALUE)


def from_pandas(spark: Any, frame: pd.DataFrame) -> Any:
    """A small driver frame (a look-up table, the caregiver rows) as a Spark DataFrame of
    strings."""
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(str(c), StringType()) for c in frame.columns])
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return spark.createDataFrame(records, schema=schema)


def as_text(table: pa.Table, shown: str) -> pa.Table:
    """Every column as large_string, cast as the embedded Parquet reader casts."""
    from validator.io.parquet_reader import text_column

    return pa.table([text_column(table.column(i), name, shown)
                     for i, name in enumerate(table.column_names)], names=table.column_names)


#: Spark types whose cast to string is the text the embedded engine reads.
SAME_TEXT = ("string", "int", "bigint", "smallint", "tinyint", "boolean", "date")
