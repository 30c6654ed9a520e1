"""Parquet: schema inspection and projected reading of a file or a dataset directory (part
files), streamed in batches, every column cast to large_string."""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from validator import timing
from validator.errors import InputError

if TYPE_CHECKING:
    from validator.io import SourceInfo

BATCH_ROWS = 262_144  # rows per streamed batch: a few MB of text per mapped column
_CORRUPT_HINT = "copy or export the file again; a complete Parquet file ends with the bytes 'PAR1'"


def _corrupt(shown: str) -> InputError:
    return InputError(
        f"{shown}: not a readable Parquet file (truncated or corrupt)", hint=_CORRUPT_HINT
    )


def parquet_columns(path: Path, shown: str) -> tuple[str, ...]:
    """Top-level column names from the Parquet footer."""
    try:
        with pq.ParquetFile(str(path)) as pf:
            return tuple(pf.schema_arrow.names)
    except Exception:  # pyarrow raises ArrowInvalid, OSError, ...; all mean unreadable
        raise _corrupt(shown) from None


def dataset_files(path: Path) -> list[Path]:
    """The Parquet files of a dataset directory (Spark's or pyarrow's output: part files, maybe
    in ``key=value/`` partition folders), sorted; names starting with "." or "_" (``_SUCCESS``,
    ``.crc``) are not data."""
    return sorted(p for p in path.rglob("*")
                  if p.is_file() and p.suffix.lower() in (".parquet", ".parq", ".pq")
                  and not any(part.startswith((".", "_"))
                              for part in p.relative_to(path).parts))


def _dataset(path: Path) -> Any:
    import pyarrow.dataset as ds

    return ds.dataset([str(p) for p in dataset_files(path)], format="parquet",
                      partitioning=ds.partitioning(flavor="hive"),
                      partition_base_dir=str(path))


def dataset_columns(path: Path, shown: str) -> tuple[str, ...]:
    """Column names of a Parquet dataset directory (hive partition keys included). Every part's
    footer is read: a corrupt part, or parts whose columns differ, are named."""
    first: tuple[Path, list[str]] | None = None
    for part in dataset_files(path):
        where = f"{shown}: part {part.relative_to(path)}"
        try:
            names = pq.read_schema(str(part)).names
        except Exception:
            raise InputError(f"{where} is not a readable Parquet file (truncated or corrupt)",
                             hint=_CORRUPT_HINT) from None
        if first is None:
            first = (part, names)
        elif sorted(names) != sorted(first[1]):
            raise InputError(f"{where} has other columns than part "
                             f"{first[0].relative_to(path)}",
                             hint="write every part of the dataset with the same columns")
    try:
        return tuple(_dataset(path).schema.names)
    except Exception:
        raise InputError(f"{shown}: the Parquet files of this directory cannot be read as one "
                         "table", hint=_CORRUPT_HINT) from None


def iter_parquet_batches(info: SourceInfo, columns: Sequence[str]
                         ) -> Generator[pa.RecordBatch, None, None]:
    """Stream ``columns`` cast to large_string, :data:`BATCH_ROWS` rows at a time."""
    shown, names, done = str(info.path), list(columns), 0
    size = BATCH_ROWS
    try:
        with contextlib.ExitStack() as stack:
            if info.path.is_dir():  # in file order: to_batches keeps it
                data = _dataset(info.path)
                total = data.count_rows()
                batches = iter(data.to_batches(columns=names, batch_size=size))
            else:
                pf = stack.enter_context(pq.ParquetFile(str(info.path)))
                total = pf.metadata.num_rows
                batches = pf.iter_batches(batch_size=size, columns=names, use_threads=True)
            while True:
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                if not batch.num_rows:
                    continue
                texts = [text_column(batch.column(name), name, shown) for name in names]
                done += batch.num_rows
                timing.advance("read", done / max(total, 1))
                yield pa.record_batch(texts, names=names)
    except InputError:
        raise
    except Exception:  # pyarrow raises ArrowInvalid, OSError, ...; all mean unreadable
        raise _corrupt(shown) from None


def text_column(column: pa.Array | pa.ChunkedArray, name: str, shown: str
                ) -> pa.Array | pa.ChunkedArray:
    """Cast one column to large_string: 5 -> "5", date32 -> "2010-05-01", timestamps -> ISO."""
    kind = column.type
    try:
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
            kind = kind.value_type
        text = column.cast(pa.large_string())
        if pa.types.is_timestamp(kind):
            # Arrow writes "2010-05-01 12:30:00"; ISO 8601 wants a "T" between date and time
            text = pc.replace_substring(text, " ", "T", max_replacements=1)
    except pa.ArrowNotImplementedError:
        raise InputError(
            f"{shown}: column {name!r} has Parquet type {kind}, which cannot be read as text",
            hint="map a column of plain values (string, number, date) or flatten it first",
        ) from None
    except Exception:
        raise InputError(
            f"{shown}: column {name!r} could not be converted to text (invalid UTF-8 or corrupt)",
            hint=_CORRUPT_HINT,
        ) from None
    return text
