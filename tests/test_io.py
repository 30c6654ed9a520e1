"""Tests for validator.io: format/encoding detection, projection, and bad-input messages."""

from __future__ import annotations

import gzip
import hashlib
import random
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from conftest import make_directory, make_symlink_loop

from validator.errors import InputError, UsageError
from validator.io import SourceInfo, inspect_source, read_columns

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "fixtures" / "bad"
ENC = ROOT / "fixtures" / "encodings"
MARKER = "PHIMARKER"
CANONICAL = ["patient_id", "site_id", "race_codes", "ethnicity_code", "birth_date"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load(path: str | Path, **options: str) -> pa.Table:
    """inspect + read every column: the whole pipeline a bad file can fail in."""
    info = inspect_source(path, **options)
    return read_columns(info, info.columns)


def _assert_clean_message(exc: BaseException, path: str | Path) -> None:
    assert isinstance(exc, (InputError, UsageError))
    assert str(path) in exc.message
    assert MARKER not in str(exc)
    assert "\n" not in exc.message and len(exc.message) <= 200 + len(str(path))
    # no pyarrow text (which quotes rows) may show up in a traceback
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


# ------------------------------------------------------------------------ bad fixtures

BAD_CASES = [
    ("zero_bytes.csv", "file is empty (0 bytes)"),
    ("binary_garbage.csv", "does not look like a text table (binary content)"),
    ("ragged_rows.csv", "row 3 (line 4) has 6 fields where the header has 5"),
    ("unterminated_quote.csv", "unterminated quoted field starting at row 2 (line 3)"),
    ("duplicate_headers.csv", "duplicate column name in the header: 'race_codes' (2 times)"),
    ("truncated.parquet", "not a readable Parquet file (truncated or corrupt)"),
    ("json_as_table.json", "FHIR/JSON input is not a table"),
    ("json_array_as_table.csv", "contains JSON, not a table"),
]
READABLE_BAD = {"header_only.csv", "semicolon_delimited.csv"}  # in bad/, but not errors


def test_every_bad_fixture_is_covered() -> None:
    # the rest of fixtures/bad/ (through the CLI): tests/test_bad_corpus.py, which covers all
    names = {p.name for p in BAD.iterdir()}
    assert {name for name, _ in BAD_CASES} | READABLE_BAD <= names


@pytest.mark.parametrize(("name", "phrase"), BAD_CASES, ids=[n for n, _ in BAD_CASES])
def test_bad_fixture_raises_clean_input_error(name: str, phrase: str) -> None:
    path = BAD / name
    before = _sha(path)
    with pytest.raises(InputError) as caught:
        _load(path)
    assert phrase in caught.value.message
    _assert_clean_message(caught.value, path)
    assert _sha(path) == before


def _missing(tmp: Path) -> Path:
    return tmp / "nope.csv"


def _broken_symlink(tmp: Path) -> Path:
    (tmp / "link.csv").symlink_to(tmp / "gone.csv")
    return tmp / "link.csv"


def _unreadable(tmp: Path) -> Path:
    path = tmp / "locked.csv"
    path.write_text("patient_id\nPHIMARKER\n")
    path.chmod(0)
    return path


def _can_open(path: Path) -> bool:
    try:
        path.open("rb").close()
    except PermissionError:
        return False
    return True


PATH_CASES: list[tuple[Callable[[Path], Path], str]] = [
    (_missing, "file not found"),
    (make_directory, "is a directory"),
    (make_symlink_loop, "symlink loop"),
    (_broken_symlink, "file not found (broken symbolic link)"),
    (_unreadable, "permission denied"),
]


@pytest.mark.parametrize(("make", "phrase"), PATH_CASES, ids=[m.__name__ for m, _ in PATH_CASES])
def test_bad_path_raises_clean_input_error(
    tmp_path: Path, make: Callable[[Path], Path], phrase: str
) -> None:
    path = make(tmp_path)
    if make is _unreadable and _can_open(path):
        pytest.skip("this user (root?) can read a file without read permission")
    with pytest.raises(InputError) as caught:
        inspect_source(str(path))
    assert phrase in caught.value.message
    _assert_clean_message(caught.value, path)


def test_error_messages_use_the_path_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    with pytest.raises(InputError) as caught:
        inspect_source("zero_bytes.csv")
    assert caught.value.message == "zero_bytes.csv: file is empty (0 bytes)"


def test_header_only_reads_to_zero_rows(tmp_path: Path) -> None:
    no_newline = tmp_path / "header_only_no_newline.csv"
    no_newline.write_bytes((BAD / "header_only.csv").read_bytes().rstrip(b"\n"))
    for path in (BAD / "header_only.csv", no_newline):  # pyarrow fails on the second by itself
        info = inspect_source(path)
        assert info.columns == tuple(CANONICAL)
        table = read_columns(info, ["race_codes", "patient_id"])
        assert table.num_rows == 0
        assert table.column_names == ["race_codes", "patient_id"]
        assert set(table.schema.types) == {pa.large_string()}


def test_wrong_delimiter_is_suggested_not_fatal() -> None:
    path = BAD / "semicolon_delimited.csv"
    info = inspect_source(path)
    assert len(info.columns) == 1 and info.suggested_delimiter == ";"
    info = inspect_source(path, delimiter=";")
    assert info.columns == tuple(CANONICAL) and info.suggested_delimiter is None
    assert read_columns(info, ["site_id"]).column("site_id").to_pylist() == ["S01"]


def test_ragged_row_beyond_first_block_is_located(tmp_path: Path) -> None:
    path = tmp_path / "big_ragged.csv"
    rows = ["P0001,S01,2106-3,2186-5,2010-05-01"] * 300_000
    rows[250_000] += ",PHIMARKER"
    path.write_text(",".join(CANONICAL) + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as caught:
        read_columns(inspect_source(path), ["race_codes"])  # projection still checks every row
    assert "row 250001 (line 250002) has 6 fields where the header has 5" in caught.value.message
    _assert_clean_message(caught.value, path)


def test_bad_byte_beyond_the_head_gives_offset(tmp_path: Path) -> None:
    path = tmp_path / "late_latin1.csv"
    body = ("P0001,S01,2106-3,2186-5,2010-05-01\n" * 40_000).encode()
    path.write_bytes(",".join(CANONICAL).encode() + b"\n" + body + b"P0002,S01,Jos\xe9,,\n")
    offset = path.read_bytes().index(b"\xe9")
    info = inspect_source(path, encoding="utf-8")  # the header decodes; the tail does not
    with pytest.raises(InputError) as caught:
        read_columns(info, ["race_codes"])
    assert f"could not be decoded as utf-8 (bad byte at offset {offset})" in caught.value.message
    _assert_clean_message(caught.value, path)
    assert inspect_source(path).encoding == "cp1252"  # detection looks past the head


def test_forced_wrong_encoding_in_the_head(tmp_path: Path) -> None:
    path = ENC / "latin1_accents.csv"
    with pytest.raises(InputError) as caught:
        _load(path, encoding="utf-8")
    assert "could not be decoded as utf-8" in caught.value.message
    _assert_clean_message(caught.value, path)


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_quote_swallowing_the_rest_of_the_file_is_caught(tmp_path: Path, ending: str) -> None:
    """pyarrow accepts this file as 1 row: the quote opens in the last column, so counts match."""
    path = tmp_path / "runaway.csv"
    lines = ["patient_id,free_text", 'P0001,"PHIMARKER', "P0002,fine", "P0003,fine"]
    path.write_bytes(ending.join(lines).encode() + ending.encode())
    with pytest.raises(InputError) as caught:
        read_columns(inspect_source(path), ["patient_id"])
    assert "unterminated quoted field starting at row 1 (line 2)" in caught.value.message
    _assert_clean_message(caught.value, path)


def test_multiline_last_cell_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "multiline.csv"
    path.write_text('patient_id,free_text\nP0001,"two\nlines"\n')
    table = read_columns(inspect_source(path), ["patient_id"])
    assert table.column_names == ["patient_id"] and table.num_rows == 1


def test_compressed_file_gets_a_specific_hint(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes(gzip.compress((BAD / "ragged_rows.csv").read_bytes(), mtime=0))
    with pytest.raises(InputError) as caught:
        inspect_source(path)
    assert "binary content" in caught.value.message and "gzip" in (caught.value.hint or "")


def test_parquet_named_csv_is_read_as_parquet(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes((ENC / "canonical_small.parquet").read_bytes())
    assert inspect_source(path).format == "parquet"
    with pytest.raises(InputError, match="is a Parquet file"):
        inspect_source(path, fmt="csv")


class _ExplodingReader:
    """A streaming CSV reader whose second batch fails."""

    def __init__(self, real: pacsv.CSVStreamingReader, exc: Exception) -> None:
        self.real, self.exc, self.calls = real, exc, 0

    def read_next_batch(self) -> pa.RecordBatch:
        self.calls += 1
        if self.calls > 1:
            raise self.exc
        return self.real.read_next_batch()


@pytest.mark.parametrize("when", ["open", "batch"])
@pytest.mark.parametrize(
    "exc", [pa.ArrowNotImplementedError(f"boom {MARKER}"), RuntimeError(f"odd {MARKER}")]
)
def test_unexpected_pyarrow_errors_are_wrapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception, when: str
) -> None:
    real_open = pacsv.open_csv

    def explode(*args: object, **kwargs: object) -> _ExplodingReader:
        if when == "open":
            raise exc
        return _ExplodingReader(real_open(*args, **kwargs), exc)

    info = inspect_source(ENC / "crlf_line_endings.csv")
    monkeypatch.setattr(pacsv, "open_csv", explode)
    with pytest.raises(InputError) as caught:
        read_columns(info, ["site_id"])
    assert "could not be parsed as CSV" in caught.value.message
    _assert_clean_message(caught.value, info.path)


def test_damaged_files_raise_only_input_error(tmp_path: Path) -> None:
    """Truncations and byte flips of every good fixture: success or a clean InputError."""
    rng = random.Random(7)
    for source in sorted(ENC.iterdir()):
        data = source.read_bytes()
        variants = [data[:cut] for cut in (1, 3, len(data) // 3, len(data) - 1)]
        for _ in range(6):
            flipped = bytearray(data)
            for _ in range(3):
                flipped[rng.randrange(len(data))] = rng.randrange(256)
            variants.append(bytes(flipped))
        for i, variant in enumerate(variants):
            path = tmp_path / f"{i}{source.suffix}"
            path.write_bytes(variant)
            try:
                _load(path)
            except InputError as exc:
                _assert_clean_message(exc, path)


# ------------------------------------------------------------------------ good fixtures


def test_latin1_is_decoded_as_cp1252() -> None:
    path = ENC / "latin1_accents.csv"
    before = _sha(path)
    info = inspect_source(path)
    assert (info.format, info.encoding, info.delimiter) == ("csv", "cp1252", ",")
    assert info.sha256 == before and info.size_bytes == path.stat().st_size
    values = read_columns(info, ["free_text"]).column("free_text").to_pylist()
    assert values == ["José", "Renée Müller", "niño PHIMARKER", "€5 copay"]
    assert _sha(path) == before


@pytest.mark.parametrize("encoding", [None, "utf-8", "utf-8-sig"])
def test_utf8_bom_is_not_in_the_first_column_name(encoding: str | None) -> None:
    path = ENC / "utf8_bom.csv"
    info = inspect_source(path, encoding=encoding)
    assert info.encoding == (encoding or "utf-8-sig")
    assert info.columns[0] == "patient_id"
    table = read_columns(info, ["patient_id", "free_text"])
    assert table.column_names == ["patient_id", "free_text"]
    assert table.to_pydict() == {"patient_id": ["P0001", "P0002"], "free_text": ["José", "Zoë"]}


def test_utf16_bom() -> None:
    info = inspect_source(ENC / "utf16_bom.csv")
    assert info.encoding == "utf-16" and info.columns[0] == "patient_id"
    table = read_columns(info, ["patient_id", "free_text"])
    assert table.num_rows == 2
    assert table.to_pydict() == {"patient_id": ["P0001", "P0002"], "free_text": ["José", "Zoë"]}


def test_utf16_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    text = (ENC / "utf16_bom.csv").read_bytes().decode("utf-16")
    path.write_bytes(text.encode("utf-16-le"))
    info = inspect_source(path)
    assert info.encoding == "utf-16-le"
    assert read_columns(info, ["free_text"]).column(0).to_pylist() == ["José", "Zoë"]


def test_cp1252_undefined_byte_falls_back_to_latin1(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"patient_id,free_text\nP0001,Jos\xe9\x81\n")
    info = inspect_source(path)
    assert info.encoding == "iso8859-1"
    assert read_columns(info, ["free_text"]).column(0).to_pylist() == ["José\x81"]


def test_crlf_line_endings_and_blanks_are_kept() -> None:
    info = inspect_source(ENC / "crlf_line_endings.csv")
    assert info.columns == tuple(CANONICAL)
    table = read_columns(info, CANONICAL)
    assert table.num_rows == 3
    assert table.column("birth_date").to_pylist() == ["2010-05-01", "2011-07-15", "2012-01-31"]
    assert table.column("race_codes").to_pylist() == ["2106-3", "  ", "2106-3,2054-5"]
    assert table.column("ethnicity_code").to_pylist() == ["2186-5", "", "2186-5"]
    assert table.column("ethnicity_code").null_count == 0


def test_tab_separated() -> None:
    info = inspect_source(ENC / "tab_separated.tsv")
    assert (info.format, info.delimiter, info.columns) == ("tsv", "\t", tuple(CANONICAL))
    table = read_columns(info, ["race_codes"])
    assert table.column(0).to_pylist() == ["2106-3", "2054-5", "2106-3", "2028-9"]


@pytest.mark.parametrize(("delimiter", "fmt"), [("\t", "tsv"), (";", "csv"), ("|", "csv")])
def test_txt_is_sniffed(tmp_path: Path, delimiter: str, fmt: str) -> None:
    path = tmp_path / "extract.txt"
    path.write_text((ENC / "tab_separated.tsv").read_text().replace("\t", delimiter))
    info = inspect_source(path)
    assert (info.format, info.delimiter, info.columns) == (fmt, delimiter, tuple(CANONICAL))


@pytest.mark.parametrize("name", ["crlf_line_endings.csv", "canonical_small.parquet"])
def test_projection_returns_only_requested_columns_in_order(name: str) -> None:
    info = inspect_source(ENC / name)
    table = read_columns(info, ["birth_date", "patient_id"])
    assert table.column_names == ["birth_date", "patient_id"]
    assert table.schema.types == [pa.large_string(), pa.large_string()]


def test_parquet_columns_are_cast_to_text() -> None:
    path = ENC / "canonical_small.parquet"
    before = _sha(path)
    info = inspect_source(path)
    assert (info.format, info.encoding, info.delimiter) == ("parquet", None, None)
    table = read_columns(
        info, ["visit_count", "birth_date", "site_id", "ethnicity_code", "admitted_at"]
    )
    assert set(table.schema.types) == {pa.large_string()}
    assert table.to_pydict() == {
        "visit_count": ["5", "0", None],
        "birth_date": ["2010-05-01", "2011-07-15", None],
        "site_id": ["S01", "S01", "S02"],
        "ethnicity_code": ["2186-5", None, "2135-2"],
        "admitted_at": ["2020-01-02T03:04:05.000", None, "2021-12-31T23:59:00.000"],
    }
    assert _sha(path) == before


def test_parquet_nested_column_is_refused_by_name(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"race_codes": pa.array([["2106-3"], ["2054-5"]])}), path)
    with pytest.raises(InputError, match="column 'race_codes' has Parquet type") as caught:
        _load(path)
    _assert_clean_message(caught.value, path)


# ------------------------------------------------------------------------ options and requests


@pytest.mark.parametrize(
    ("options", "phrase"),
    [
        ({"fmt": "xlsx"}, "unknown input format"),
        ({"encoding": "klingon"}, "unknown text encoding"),
        ({"encoding": "base64"}, "unknown text encoding"),
        ({"delimiter": ";;"}, "invalid delimiter"),
        ({"delimiter": '"'}, "invalid delimiter"),
    ],
)
def test_bad_option_values_are_usage_errors(options: dict[str, str], phrase: str) -> None:
    with pytest.raises(UsageError, match=phrase):
        inspect_source(ENC / "crlf_line_endings.csv", **options)


def test_tab_delimiter_aliases() -> None:
    for alias in ("\\t", "tab"):
        assert inspect_source(ENC / "tab_separated.tsv", delimiter=alias).delimiter == "\t"


def test_bad_column_requests() -> None:
    info = inspect_source(ENC / "latin1_accents.csv")
    with pytest.raises(UsageError):
        read_columns(info, "free_text")
    with pytest.raises(UsageError):
        read_columns(info, [])
    with pytest.raises(UsageError, match="more than once"):
        read_columns(info, ["site_id", "site_id"])
    with pytest.raises(InputError, match="column 'Race' not found") as caught:
        read_columns(info, ["Race", "site_id"])
    _assert_clean_message(caught.value, info.path)


def test_changed_file_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes((ENC / "crlf_line_endings.csv").read_bytes())
    info = inspect_source(path)
    with path.open("ab") as fh:
        fh.write(b"P0009,S09,2106-3,2186-5,2014-01-01\r\n")
    with pytest.raises(InputError, match="changed since it was inspected"):
        read_columns(info, ["site_id"])


def test_source_info_is_frozen() -> None:
    info = inspect_source(ENC / "tab_separated.tsv")
    assert isinstance(info, SourceInfo)
    with pytest.raises(AttributeError):
        info.format = "csv"  # type: ignore[misc]
