"""Input readers: inspect a CSV/TSV/Parquet extract, then read only the columns a profile maps.

Two steps, because the caller must see the header before choosing columns::

    info = inspect_source("extract.csv")          # format, encoding, delimiter, header, sha256
    table = read_columns(info, ["race", "ethn"])  # only those columns, all large_string
    table = read_compact(info, ["race", "ethn"])  # the same, streamed and dictionary-encoded

Detection order. Format: ``fmt`` if given; else a file starting with ``PAR1`` is Parquet; else
by extension (.csv, .tsv/.tab, .parquet/.pq); else (.txt and anything else) sniffed from the
text. Encoding: ``encoding`` if given; else a BOM (utf-8-sig, utf-16, utf-32); else BOM-less
UTF-16 by its NUL pattern; else "utf-8" if the whole file is strict UTF-8; else
charset-normalizer, with cp1252 preferred over other 8-bit code pages; a file with UTF-8
characters before its first non-UTF-8 byte mixes encodings and is refused (unless ``encoding``
is given). JSON, XML/HTML, and text named .parquet are refused with their own message. A
directory holding Parquet files (part files, ``key=value/`` partitions) is one Parquet table.

Bad input raises :class:`~validator.errors.InputError` (bad option values
:class:`~validator.errors.UsageError`) with one line naming the file, never quoting a cell. The
file is only ever opened read-only.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from validator.errors import InputError, UsageError
from validator.io import sniff
from validator.io.compact import compact as compact_batches
from validator.io.csv_reader import iter_csv_batches, parse_header
from validator.io.parquet_reader import (
    dataset_columns,
    dataset_files,
    iter_parquet_batches,
    parquet_columns,
)

__all__ = ["SourceInfo", "inspect_source", "is_database_url", "is_table", "is_uri",
           "iter_columns", "read_columns", "read_compact", "shown_uri"]


def is_database_url(source: object) -> bool:
    """True for a ``postgresql://`` source (read by :mod:`validator.io.postgres`)."""
    return isinstance(source, str) and source.lower().startswith(("postgresql://",
                                                                 "postgres://"))


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")  # two letters at least: not C:/ on Windows
#: A table of the Spark catalog (metastore or Unity Catalog, Delta tables on Databricks):
#: ``table:schema.name`` or ``table:catalog.schema.name``, read with ``--engine spark``.
TABLE_PREFIX = "table:"


def is_uri(source: object) -> bool:
    """True for a source written as a URI with a scheme (``postgresql://``, ``s3a://``,
    ``hdfs://``, ``dbfs:/``, ``file:/``...) or a catalog table (``table:schema.name``): kept
    as text, never folded into a local path."""
    return isinstance(source, str) and (bool(_URI.match(source)) or is_table(source))


def is_table(source: object) -> bool:
    """True for a Spark catalog table, ``table:[catalog.]schema.name``."""
    return isinstance(source, str) and source.startswith(TABLE_PREFIX)


def shown_uri(uri: str) -> str:
    """``uri`` without the user and password a URI may carry (``s3a://KEY:SECRET@bucket``)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]+://)[^/@]*@", r"\1", uri)


@dataclass(frozen=True)
class SourceInfo:
    """What :func:`inspect_source` learned about an input file."""

    path: Path
    format: str  # "csv" | "tsv" | "parquet"
    encoding: str | None  # codec used for text files, e.g. "utf-8", "utf-8-sig", "cp1252"
    delimiter: str | None
    columns: tuple[str, ...]  # header names in file order (never printed in messages: may be PHI)
    size_bytes: int
    sha256: str  # of the file bytes
    suggested_delimiter: str | None = None  # set when the header parsed as one column


def inspect_source(
    path: str | Path,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> SourceInfo:
    """Check the file, detect format/encoding/delimiter and read its header (not its rows)."""
    shown = str(path)
    file_path = Path(path)
    fmt = sniff.normalize_format(fmt)
    encoding = sniff.normalize_encoding(encoding)
    delimiter = sniff.normalize_delimiter(delimiter)
    if file_path.is_dir() and dataset_files(file_path):
        return _inspect_dataset(file_path, shown, fmt)
    sniff.check_path(file_path, shown)
    scan = sniff.scan_file(file_path, shown)
    if scan.size == 0:
        raise InputError(
            f"{shown}: file is empty (0 bytes)", hint="export the extract again, with a header row"
        )
    kind = sniff.resolve_format(file_path, fmt, scan.head, shown)
    if kind == "parquet":
        columns = parquet_columns(file_path, shown)
        _check_unique(columns, shown)
        return SourceInfo(file_path, "parquet", None, None, columns, scan.size, scan.sha256)
    return _inspect_text(file_path, shown, kind, encoding, delimiter, scan)


def _inspect_dataset(path: Path, shown: str, fmt: str | None) -> SourceInfo:
    """A directory of Parquet part files read as one table; the checksum covers every file's
    name and bytes, in order."""
    if fmt not in (None, "parquet"):
        raise UsageError(f"{shown}: a directory is read as a Parquet dataset, not as {fmt}",
                         hint="drop --input-format, or pass one file")
    digest = hashlib.sha256()
    size = 0
    for part in dataset_files(path):
        digest.update(str(part.relative_to(path)).encode() + b"\0")
        try:
            with open(part, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
        except OSError as exc:
            raise sniff.os_error(exc, f"{shown}/{part.relative_to(path)}") from None
    columns = dataset_columns(path, shown)
    _check_unique(columns, shown)
    return SourceInfo(path, "parquet", None, None, columns, size, digest.hexdigest())


def _inspect_text(
    path: Path,
    shown: str,
    kind: str | None,
    encoding: str | None,
    delimiter: str | None,
    scan: sniff.FileScan,
) -> SourceInfo:
    """Header and dialect of a delimited text file; ``kind`` None means sniff csv vs tsv."""
    codec = sniff.choose_encoding(path, scan, encoding, shown)
    text = sniff.decode_head(scan, codec, shown)
    sniff.check_json(text, shown)
    sniff.check_xml(text, shown)
    if delimiter is None:
        delimiter = {"csv": ",", "tsv": "\t"}.get(kind or "") or sniff.sniff_delimiter(text) or ","
    kind = kind or ("tsv" if delimiter == "\t" else "csv")
    columns = parse_header(text, delimiter, shown, scan.head_is_whole_file)
    _check_unique(columns, shown)
    suggestion = sniff.suggest_delimiter(text, delimiter) if len(columns) == 1 else None
    return SourceInfo(
        path,
        kind,
        codec,
        delimiter,
        columns,
        scan.size,
        scan.sha256,
        suggested_delimiter=suggestion,
    )


def _check_unique(columns: tuple[str, ...], shown: str) -> None:
    """Duplicate header names make column projection ambiguous. Header names may be printed."""
    duplicates = [(name, n) for name, n in Counter(columns).items() if n > 1]
    if not duplicates:
        return
    listed = ", ".join(f"{_short(name)!r} ({n} times)" for name, n in duplicates[:3])
    more = f" and {len(duplicates) - 3} more" if len(duplicates) > 3 else ""
    raise InputError(
        f"{shown}: duplicate column name in the header: {listed}{more}",
        hint="rename or remove the duplicate columns so every header name is unique",
    )


def _short(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def read_columns(info: SourceInfo, columns: Sequence[str]) -> pa.Table:
    """Read only ``columns`` of the inspected file, in that order, every column large_string."""
    batches = list(iter_columns(info, columns))  # checks the request first
    schema = pa.schema([(name, pa.large_string()) for name in columns])
    return pa.Table.from_batches(batches, schema=schema)


def read_compact(info: SourceInfo, columns: Sequence[str]) -> pa.Table:
    """Read only ``columns`` batch by batch, dictionary-encoding each as it arrives
    (:func:`validator.io.compact.compact`): memory grows with rows, not with the file's text."""
    return compact_batches(iter_columns(info, columns), list(columns))


def iter_columns(info: SourceInfo, columns: Sequence[str]
                 ) -> Generator[pa.RecordBatch, None, None]:
    """Stream only ``columns`` of the inspected file as record batches of large_string. The
    request is checked now; bad rows raise :class:`InputError` while iterating."""
    wanted = _check_request(info, columns)
    _check_unchanged(info)
    if info.format == "parquet":
        return iter_parquet_batches(info, wanted)
    return iter_csv_batches(info, wanted)


def _check_request(info: SourceInfo, columns: Sequence[str]) -> list[str]:
    """Requested names must be distinct strings that the header has (they may be printed)."""
    if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
        raise UsageError("read_columns() needs a sequence of column names, not a single string")
    wanted = list(columns)
    if not wanted:
        raise UsageError("read_columns() needs at least one column name")
    repeated = sorted({c for c in wanted if wanted.count(c) > 1})
    if repeated:
        raise UsageError(f"column {repeated[0]!r} is requested more than once")
    present = set(info.columns)
    missing = [c for c in wanted if c not in present]
    if missing:
        folded = {c.strip().casefold() for c in info.columns}
        near = any(c.strip().casefold() in folded for c in missing)
        hint = "the file has a header that differs only in case or spaces; " if near else ""
        raise InputError(
            f"{info.path}: column {_short(missing[0])!r} not found in the header"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            hint=hint + "check the profile's column mapping against the file's header row",
        )
    return wanted


def _check_unchanged(info: SourceInfo) -> None:
    """A cheap guard that the file is the one that was inspected."""
    shown = str(info.path)
    try:
        size = (sum(p.stat().st_size for p in dataset_files(info.path)) if info.path.is_dir()
                else os.stat(info.path).st_size)
    except OSError as exc:
        raise sniff.os_error(exc, shown) from None
    if size != info.size_bytes:
        raise InputError(
            f"{shown}: file changed since it was inspected (size differs)",
            hint="do not modify the extract while it is being validated; run again",
        )
