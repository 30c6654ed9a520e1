"""Sniffing an input file: path checks, format, binary/JSON content, text encoding, delimiter.

Everything here reads the file read-only and never quotes its content in a message.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from validator.errors import InputError, UsageError

FORMATS = ("csv", "tsv", "parquet")
EXTENSION_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
PARQUET_MAGIC = b"PAR1"
CHUNK_BYTES = 1 << 20  # read size; the first chunk is kept as the "head" used for sniffing
BINARY_SAMPLE_BYTES = 8192
LEGACY_SAMPLE_BYTES = 1 << 16
DELIMITER_CANDIDATES = ",\t;|"
MULTIBYTE_EVIDENCE_BYTES = 64  # non-ASCII bytes needed before a multi-byte codec guess is trusted

_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_HIGH_BYTES = bytes(range(128, 256))
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_BINARY_KINDS = {
    b"PK\x03\x04": "a ZIP archive or an Excel .xlsx workbook",
    b"\x1f\x8b": "gzip-compressed",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
    b"SQLite format 3\x00": "an SQLite database",
}
_JSON_START = re.compile(r'\s*(\{\s*("|\}|\Z)|\[\s*(\{|\[|"|\]|-?\d|true\b|false\b|null\b|\Z))')
_XML_START = re.compile(r"\s*<(\?xml\b|!DOCTYPE\b|!--|[A-Za-z][\w:.-]*[\s/>])", re.IGNORECASE)
_DELIMITER_ALIASES = {"\\t": "\t", "tab": "\t", "TAB": "\t"}
_EXPORT_HINT = "export the data as CSV, TSV or Parquet with a header row"


@dataclass(frozen=True)
class FileScan:
    """What one read-only pass over the whole file learned."""

    size: int
    sha256: str
    head: bytes  # the first CHUNK_BYTES bytes
    utf8_ok: bool  # the whole file decodes as strict UTF-8
    bad_utf8_offset: int | None  # roughly where strict UTF-8 decoding first failed
    cp1252_ok: bool  # no byte that cp1252 leaves undefined

    @property
    def head_is_whole_file(self) -> bool:
        return self.size <= len(self.head)


# ---------------------------------------------------------------------------- option values


def normalize_format(fmt: str | None) -> str | None:
    """Validate a ``fmt`` option; ``None`` means detect."""
    if fmt is None:
        return None
    value = fmt.strip().lower()
    if value not in FORMATS:
        raise UsageError(f"unknown input format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    return value


def normalize_encoding(encoding: str | None) -> str | None:
    """Validate an ``encoding`` option and return Python's canonical codec name."""
    if encoding is None:
        return None
    try:
        info = codecs.lookup(encoding.strip())
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise UsageError(
            f"unknown text encoding {encoding!r}",
            hint="use a Python codec name such as utf-8, utf-8-sig, cp1252, latin-1 or utf-16",
        )
    return info.name


def normalize_delimiter(delimiter: str | None) -> str | None:
    """Validate a ``delimiter`` option (one character; ``\\t`` and ``tab`` mean a tab)."""
    if delimiter is None:
        return None
    value = _DELIMITER_ALIASES.get(delimiter, delimiter)
    if len(value) != 1 or value in '"\r\n' or not value.isascii():  # pyarrow needs ASCII
        raise UsageError(
            f"invalid delimiter {delimiter!r}: it must be a single ASCII character other than a "
            "quote or a line break",
            hint="for example --delimiter ';' or --delimiter '\\t'",
        )
    return value


# ---------------------------------------------------------------------------- the file itself


def os_error(exc: OSError, shown: str) -> InputError:
    """Turn an OS error about the input path into an InputError."""
    if isinstance(exc, FileNotFoundError):
        if Path(shown).is_symlink():
            return InputError(f"{shown}: file not found (broken symbolic link)")
        return InputError(
            f"{shown}: file not found", hint="check the path and the working directory"
        )
    if isinstance(exc, IsADirectoryError):
        return _directory_error(shown)
    if isinstance(exc, PermissionError):
        return InputError(
            f"{shown}: permission denied (the file is not readable)",
            hint="check the file's permissions or run as a user who can read it",
        )
    if exc.errno == errno.ELOOP:
        return InputError(
            f"{shown}: too many levels of symbolic links (symlink loop)",
            hint="point the path at the real file",
        )
    reason = exc.strerror or type(exc).__name__
    return InputError(f"{shown}: could not be read ({reason})")


def _directory_error(shown: str) -> InputError:
    return InputError(
        f"{shown}: is a directory, not a data file",
        hint="pass a CSV, TSV or Parquet file, or a directory of Parquet part files (CSV part "
             "files: --engine spark)",
    )


def check_path(path: Path, shown: str) -> None:
    """Raise InputError unless ``path`` is an existing regular file."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise os_error(exc, shown) from None
    if stat.S_ISDIR(mode):
        raise _directory_error(shown)
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{shown}: is not a regular file (device, pipe or socket)",
            hint="save the data to a file first",
        )


def scan_file(path: Path, shown: str) -> FileScan:
    """Read the file once (read-only): size, SHA-256, head, and whole-file UTF-8 validity."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    head, size, bad_offset, cp1252_ok = b"", 0, None, True
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
                head = head or chunk
                digest.update(chunk)
                if bad_offset is None:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        bad_offset = size + exc.start
                if cp1252_ok and any(b in chunk for b in _CP1252_UNDEFINED):
                    cp1252_ok = False
                size += len(chunk)
    except OSError as exc:
        raise os_error(exc, shown) from None
    if bad_offset is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_offset = max(size - 4, 0)
    return FileScan(size, digest.hexdigest(), head, bad_offset is None, bad_offset, cp1252_ok)


def resolve_format(path: Path, fmt: str | None, head: bytes, shown: str) -> str | None:
    """The format from ``fmt``, content (Parquet magic) or extension; ``None`` means sniff text."""
    is_parquet = head.startswith(PARQUET_MAGIC)
    if fmt is not None:
        if is_parquet and fmt != "parquet":
            raise InputError(
                f"{shown}: is a Parquet file but the format was given as {fmt}",
                hint="pass --format parquet or leave the format out",
            )
        return fmt
    if is_parquet:
        return "parquet"
    kind = EXTENSION_FORMATS.get(path.suffix.lower())
    if kind == "parquet" and b"\x00" not in head[:BINARY_SAMPLE_BYTES] and _decodes(head, "utf-8"):
        raise InputError(
            f"{shown}: is named .parquet but holds text, not Parquet (no 'PAR1' header)",
            hint="if it is a delimited table, pass --input-format csv (or tsv) or rename it",
        )
    return kind


# ---------------------------------------------------------------------------- text content


def bom_encoding(head: bytes) -> str | None:
    """The codec named by a byte-order mark at the start of the file, if any."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def utf16_without_bom(head: bytes) -> str | None:
    """Detect BOM-less UTF-16 text by its NUL bytes at every other position (ASCII-heavy text)."""
    sample = head[: BINARY_SAMPLE_BYTES & ~1]
    if len(sample) < 4:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for codec, zeros, others in (
        ("utf-16-le", odd_nuls, even_nuls),
        ("utf-16-be", even_nuls, odd_nuls),
    ):
        if others == 0 and zeros >= 0.6 * half and _decodes(sample, codec):
            return codec
    return None


def check_binary(head: bytes, shown: str) -> None:
    """Raise InputError if the start of the file has NUL bytes or many control characters."""
    sample = head[:BINARY_SAMPLE_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if b"\x00" not in sample and controls * 20 <= len(sample):
        return
    kind = next((text for magic, text in _BINARY_KINDS.items() if head.startswith(magic)), None)
    hint = f"it looks like {kind}; {_EXPORT_HINT}" if kind else _EXPORT_HINT
    raise InputError(f"{shown}: does not look like a text table (binary content)", hint=hint)


def is_wide_encoding(encoding: str) -> bool:
    """UTF-16/32 text legitimately contains NUL bytes."""
    return encoding.startswith(("utf-16", "utf-32"))


def choose_encoding(path: Path, scan: FileScan, given: str | None, shown: str) -> str:
    """The codec to read a text file with (see the module docs of validator.io for the order)."""
    encoding = given or bom_encoding(scan.head) or utf16_without_bom(scan.head)
    if encoding is None or not is_wide_encoding(encoding):
        check_binary(scan.head, shown)
    if encoding is not None:
        return encoding
    if scan.utf8_ok:
        return "utf-8"
    _check_mixed(scan, shown)
    return _detect_legacy(path, scan, shown)


def _check_mixed(scan: FileScan, shown: str) -> None:
    """Refuse a file that has UTF-8 characters before its first non-UTF-8 byte: two encodings
    (e.g. exports concatenated), so any single codec garbles part of the text."""
    offset = scan.bad_utf8_offset or 0
    prefix = scan.head[:offset].decode("utf-8", errors="ignore")
    if prefix.isascii():
        return
    raise InputError(
        f"{shown}: mixes text encodings (UTF-8 characters, then a byte that is not UTF-8 near "
        f"offset {offset})",
        hint="re-export the whole file in one encoding (UTF-8), or pass --encoding to read all "
        "of it as one, e.g. --encoding cp1252",
    )


def _detect_legacy(path: Path, scan: FileScan, shown: str) -> str:
    """Guess a non-UTF-8 codec with charset-normalizer, preferring cp1252 among 8-bit code pages.

    charset-normalizer cannot reliably tell cp1252 from cp1250/cp1006/... on short name-like
    text (it picks cp1250 for "niño", which decodes "ñ" wrongly), and US health data is
    overwhelmingly Windows-1252, so every single-byte guess becomes cp1252 (or latin-1 when the
    file holds a byte cp1252 leaves undefined). Multi-byte guesses (e.g. Shift-JIS) are kept
    only when the sample has enough non-ASCII bytes to support them.
    """
    from charset_normalizer import from_bytes

    sample = scan.head[:LEGACY_SAMPLE_BYTES]
    if scan.bad_utf8_offset is not None and scan.bad_utf8_offset >= len(sample):
        try:
            with open(path, "rb") as fh:
                fh.seek(max(scan.bad_utf8_offset - LEGACY_SAMPLE_BYTES // 2, 0))
                sample += b"\n" + fh.read(LEGACY_SAMPLE_BYTES)
        except OSError as exc:
            raise os_error(exc, shown) from None
    best = from_bytes(sample).best()
    fallback = "cp1252" if scan.cp1252_ok else "iso8859-1"
    if best is None:
        return fallback
    guess = codecs.lookup(best.encoding).name
    if guess in ("utf-8", "ascii") or _is_single_byte(guess):
        return fallback
    # a multi-byte guess (Shift-JIS, GBK, ...) needs real evidence: on a few accented Western
    # names charset-normalizer happily answers cp932 ("\xe9\x81" is a valid Shift-JIS pair)
    high_bytes = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    return guess if high_bytes >= MULTIBYTE_EVIDENCE_BYTES else fallback


def _is_single_byte(encoding: str) -> bool:
    decoded = bytes(range(256)).decode(encoding, errors="replace")
    return len(decoded) == 256


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def decode_head(scan: FileScan, encoding: str, shown: str) -> str:
    """Decode the head of the file (without a BOM) for header parsing and sniffing."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        text = decoder.decode(scan.head, final=scan.head_is_whole_file)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{shown}: could not be decoded as {encoding} (bad byte at offset {exc.start})",
            hint="pass --encoding with the file's real encoding, e.g. utf-8 or cp1252",
        ) from None
    except UnicodeError:  # Python's utf-16/utf-32 decoders refuse a stream without a BOM
        raise InputError(
            f"{shown}: could not be decoded as {encoding} (the file has no byte-order mark)",
            hint="for UTF-16 or UTF-32 text without a byte-order mark pass --encoding with the "
            "byte order, e.g. utf-16-le or utf-16-be",
        ) from None
    return text.removeprefix("\ufeff")


def check_json(text: str, shown: str) -> None:
    """Raise InputError if the text is JSON (e.g. a FHIR bundle or NDJSON), not a table."""
    if _JSON_START.match(text):
        raise InputError(
            f"{shown}: contains JSON, not a table; FHIR/JSON input is not a table and is not "
            "supported",
            hint=f"{_EXPORT_HINT} (flatten FHIR resources to one row per patient first)",
        )


def check_xml(text: str, shown: str) -> None:
    """Raise InputError if the text is XML or HTML (e.g. a CDA document or a web page)."""
    if _XML_START.match(text):
        raise InputError(
            f"{shown}: contains XML or HTML, not a table",
            hint=f"{_EXPORT_HINT} (one row per patient)",
        )


def sniff_delimiter(text: str, candidates: str = DELIMITER_CANDIDATES) -> str | None:
    """Guess the delimiter from the first lines with csv.Sniffer, else the most frequent one."""
    lines = "".join(text.splitlines(keepends=True)[:5])
    if not candidates:
        return None
    try:
        return csv.Sniffer().sniff(lines, delimiters=candidates).delimiter
    except csv.Error:
        pass
    first = lines.splitlines()[0] if lines else ""
    count, best = max((first.count(c), c) for c in candidates)
    return best if count else None


def suggest_delimiter(text: str, delimiter: str) -> str | None:
    """For a header that parsed as one column: another delimiter the first line seems to use."""
    first_line = text.splitlines()[0] if text else ""
    others = "".join(c for c in DELIMITER_CANDIDATES if c != delimiter and c in first_line)
    guess = sniff_delimiter(first_line + "\n", others)
    return guess if guess is not None and guess in first_line else None
