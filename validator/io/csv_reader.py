"""Delimited text (CSV/TSV): header parsing, projected reading with pyarrow, error diagnosis.

Every cell is read as text with no null conversion. pyarrow's own error messages quote the
offending row, so they are never passed on: the counts are parsed out of them and, after a
failure, the file is scanned with Python's csv module to locate the bad row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pacsv

from validator import timing
from validator.errors import InputError
from validator.io.sniff import os_error

if TYPE_CHECKING:
    from validator.io import SourceInfo

BLOCK_BYTES = 8 << 20  # pyarrow parse block; one row (with its quoted newlines) must fit in it
_COUNTS = re.compile(r"Expected (\d+) columns, got (\d+)")
_QUOTE_HINT = (
    'a value opens a double quote (") that is never closed; close it, and write a quote inside '
    'a quoted value as two quotes ("")'
)
_LONG_HINT = (
    "close any quote that is never closed; otherwise drop or shorten over-long columns (free "
    "text, notes) and make sure rows end with line breaks"
)
_ENCODING_HINT = "pass --encoding with the file's real encoding, e.g. utf-8 or cp1252"


@dataclass(frozen=True)
class _Finding:
    """The first problem the Python csv scan found."""

    kind: str  # "ragged" | "unterminated" | "too_long" | "decode"
    row: int  # data row number (1 = first row after the header, blank lines not counted)
    line: int  # physical line number in the file where the row starts (header = line 1+)
    fields: int = 0
    offset: int = -1  # byte offset of the first undecodable byte (kind "decode")


def parse_header(text: str, delimiter: str, shown: str, complete: bool) -> tuple[str, ...]:
    """Parse the header row from the decoded head of the file; blank leading lines are skipped."""
    if not text.strip():
        raise InputError(
            f"{shown}: has no header row (only blank lines or whitespace)",
            hint="re-export the extract with a header row",
        )
    for strict in (True, False):
        buf = io.StringIO(text, newline="")
        reader = csv.reader(buf, delimiter=delimiter, strict=strict)
        try:
            record = next((r for r in reader if r), None)
        except csv.Error as exc:
            if strict and not _is_runaway(exc):
                continue  # quoting that only strict mode rejects; pyarrow accepts it
            raise _header_error(shown, complete) from None
        break
    cut_inside = buf.tell() >= len(text) and not text.endswith(("\n", "\r"))
    if record is None or (cut_inside and not complete):
        raise _header_error(shown, complete)
    return tuple(record)


def _is_runaway(exc: csv.Error) -> bool:
    text = str(exc)
    return "end of data" in text or "field larger than field limit" in text


def _header_error(shown: str, complete: bool) -> InputError:
    if complete:
        return InputError(f"{shown}: the header row has an unterminated quote", hint=_QUOTE_HINT)
    return InputError(
        f"{shown}: the header row does not end within the first 1 MiB (a quote never closed, "
        "or no line breaks)",
        hint=_LONG_HINT,
    )


def iter_csv_batches(info: SourceInfo, columns: Sequence[str]
                     ) -> Generator[pa.RecordBatch, None, None]:
    """Stream ``columns`` (large_string, no null conversion) one parse block (about
    :data:`BLOCK_BYTES` of text) at a time; bad input raises :class:`InputError`, possibly
    after some batches were yielded."""
    shown = str(info.path)
    read_options = pacsv.ReadOptions(
        encoding=_arrow_encoding(info.encoding), block_size=BLOCK_BYTES
    )
    parse_options = pacsv.ParseOptions(
        delimiter=info.delimiter, newlines_in_values=True, ignore_empty_lines=True
    )
    # the last column is always read too: see _check_runaway_quote
    last = info.columns[-1]
    wanted = list(dict.fromkeys([*columns, last]))
    convert_options = pacsv.ConvertOptions(
        column_types={name: pa.large_string() for name in wanted},
        include_columns=wanted,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    try:
        source = pa.OSFile(str(info.path), "r")
    except OSError as exc:
        raise os_error(exc, shown) from None
    final_cell: str | None = None
    with source:
        try:
            reader = pacsv.open_csv(
                source,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
        except Exception as exc:  # pyarrow raises many classes; none may escape, none is quoted
            if "Empty CSV file" in str(exc):
                return  # pyarrow cannot read a header-only file without a final newline
            raise _explain(info, exc) from None
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except Exception as exc:
                raise _explain(info, exc) from None
            if batch.num_rows:
                final_cell = batch.column(last)[-1].as_py()
                timing.advance("read", source.tell() / max(info.size_bytes, 1))
                yield batch.select(list(columns))
    _check_runaway_quote(info, final_cell)


def _check_runaway_quote(info: SourceInfo, final_cell: str | None) -> None:
    """Catch an unterminated quote that pyarrow accepted.

    pyarrow does not fail when a quote opened in the last column is never closed: the field
    swallows the rest of the file and the final record still has the right field count. Such a
    quote always ends up in the last column of the last row, spanning lines, so only then is the
    file scanned to confirm (a legitimately multi-line last cell costs one extra pass).
    """
    if not final_cell or ("\n" not in final_cell and "\r" not in final_cell):
        return
    finding = _scan(info)
    if finding is not None and finding.kind in ("unterminated", "too_long"):
        raise _finding_error(info, finding)


def _arrow_encoding(encoding: str | None) -> str:
    """pyarrow reads UTF-8 natively (and skips a UTF-8 BOM); anything else is transcoded."""
    return "utf8" if encoding in (None, "utf-8", "utf-8-sig") else encoding


def _explain(info: SourceInfo, exc: Exception) -> InputError:
    """Build our own message for a failed read; pyarrow's text is only mined for numbers."""
    shown, header = str(info.path), len(info.columns)
    finding = _scan(info)
    if finding is not None:
        return _finding_error(info, finding)
    text = str(exc) if isinstance(exc, pa.ArrowException) else ""
    counts = _COUNTS.search(text)
    if counts:
        expected, got = int(counts.group(1)), int(counts.group(2))
        return InputError(
            f"{shown}: a row has {got} fields where the header has {expected or header}",
            hint=_ragged_hint(info.delimiter),
        )
    if isinstance(exc, UnicodeError) or "UTF8" in text:
        return InputError(f"{shown}: could not be decoded as {info.encoding}", hint=_ENCODING_HINT)
    if "straddl" in text:
        return InputError(
            f"{shown}: a row is longer than {BLOCK_BYTES >> 20} MiB (a quote never closed, or "
            "an over-long value)",
            hint=_LONG_HINT,
        )
    kind = "TSV" if info.format == "tsv" else "CSV"
    return InputError(
        f"{shown}: could not be parsed as {kind}",
        hint="check that the file is a delimited text table and that --delimiter and --encoding "
        "match it",
    )


def _finding_error(info: SourceInfo, found: _Finding) -> InputError:
    shown, where = str(info.path), f"row {found.row} (line {found.line})"
    if found.kind == "ragged":
        return InputError(
            f"{shown}: {where} has {found.fields} fields where the header has {len(info.columns)}",
            hint=_ragged_hint(info.delimiter),
        )
    if found.kind == "unterminated":
        return InputError(
            f"{shown}: unterminated quoted field starting at {where}", hint=_QUOTE_HINT
        )
    if found.kind == "too_long":
        return InputError(
            f"{shown}: a field starting at {where} is longer than 128 KiB (a quote never "
            "closed, or an over-long value)",
            hint=_LONG_HINT,
        )
    return InputError(
        f"{shown}: could not be decoded as {info.encoding} (bad byte at offset {found.offset})",
        hint=_ENCODING_HINT,
    )


def _ragged_hint(delimiter: str | None) -> str:
    name = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter or ",")
    shown = name or repr(delimiter)
    return (
        f"every row needs as many fields as the header; quote values that contain the delimiter "
        f"({shown}), or pass --delimiter if the file uses another one"
    )


def _scan(info: SourceInfo) -> _Finding | None:
    """Locate the first bad row with Python's csv module (strict first, then lenient)."""
    for strict in (True, False):
        try:
            return _scan_once(info, strict)
        except csv.Error:
            continue  # strict-only quoting complaint: pyarrow accepts it, so rescan leniently
    return None


def _scan_once(info: SourceInfo, strict: bool) -> _Finding | None:
    expected, row, start = len(info.columns), 0, 1
    header_seen = False
    try:
        with open(info.path, encoding=info.encoding, newline="", errors="strict") as fh:
            reader = csv.reader(fh, delimiter=info.delimiter or ",", strict=strict)
            try:
                for record in reader:
                    if record and header_seen:
                        row += 1
                        if len(record) != expected:
                            return _Finding("ragged", row, start, len(record))
                    header_seen = header_seen or bool(record)
                    start = reader.line_num + 1
            except csv.Error as exc:
                if not _is_runaway(exc):
                    raise
                kind = "unterminated" if "end of data" in str(exc) else "too_long"
                return _Finding(kind, row + 1, start)
            except UnicodeDecodeError:
                return _Finding("decode", row + 1, start, offset=_bad_byte_offset(info))
    except OSError as exc:
        raise os_error(exc, str(info.path)) from None
    return None


def _bad_byte_offset(info: SourceInfo) -> int:
    """Exact byte offset of the first byte ``info.encoding`` cannot decode (-1 if none)."""
    decoder = codecs.getincrementaldecoder(info.encoding or "utf-8")("strict")
    position = 0
    with open(info.path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return position - pending + exc.start
            position += len(chunk)
    return -1
