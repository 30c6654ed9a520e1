"""(Re)create the bad-input corpus in fixtures/bad/, deterministically (stdlib only).

Usage: python scripts/make_bad_fixtures.py [ROOT]   (ROOT defaults to the repository root)

One file per defect, named after it. The first ten files (zero_bytes.csv ... header_only.csv)
come from scripts/make_io_fixtures.py and are written by it too; this script rewrites them
byte-for-byte identically (Parquet ones excepted: they are only written by make_io_fixtures.py,
which needs pyarrow) and adds the rest. Cases too big or too odd to commit (a 50 MB single
line, a column of 10^6 distinct values, a directory, a symlink loop, an unreadable file) are
made at test time by tests/test_bad_corpus.py.

All data is synthetic. Identifier and free-text cells carry the marker PHIMARKER so tests can
assert that no message or report ever quotes a cell.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HEADER = ("patient_id,site_id,race_codes,ethnicity_code,race_respondent,birth_date,"
          "lang_spoken_pref,interpreter_needed,race_text")
#: (race, ethnicity, birth date, language, interpreter, free text) of the twelve clean rows
_ROWS = [
    ("2106-3", "2186-5", "2010-02-07", "en", "no", ""),
    ("2054-5", "2186-5", "2011-03-16", "en", "no", ""),
    ("2106-3", "2135-2", "2012-04-22", "es", "yes", "PHIMARKER niño"),
    ("2028-9", "2186-5", "2013-05-29", "zh", "yes", ""),
    ("2106-3", "2186-5", "2014-07-05", "en", "no", ""),
    ("2076-8", "2186-5", "2015-08-11", "en", "no", "PHIMARKER"),
    ("1002-5", "2135-2", "2016-09-17", "es", "no", ""),
    ("2106-3", "2186-5", "2017-10-24", "en", "no", ""),
    ("2054-5", "2186-5", "2018-11-30", "en", "no", ""),
    ("2106-3", "2135-2", "2019-01-06", "es", "yes", ""),
    ("2028-9", "2186-5", "2020-02-12", "vi", "yes", ""),
    ("2106-3", "2186-5", "2021-03-21", "en", "no", ""),
]
#: free text with accents, for the encoding cases (cp1252-encodable)
_ACCENTED = ["José Müller PHIMARKER", "Renée", "niño PHIMARKER", "Zoë", "François", "Peña"]


def _row(i: int, race: str, eth: str, birth: str, lang: str, interp: str, text: str) -> str:
    return f"PHIMARKER-B{i:04d},bad,{race},{eth},self,{birth},{lang},{interp},{text}"


def clean_lines(free_text: list[str] | None = None) -> list[str]:
    """Header and the twelve clean rows (free text optionally replaced, cycling)."""
    lines = [HEADER]
    for i, (race, eth, birth, lang, interp, text) in enumerate(_ROWS, start=1):
        if free_text is not None:
            text = free_text[(i - 1) % len(free_text)]
        lines.append(_row(i, race, eth, birth, lang, interp, text))
    return lines


def _text(lines: list[str], newline: str = "\n") -> str:
    return newline.join(lines) + newline


def _with_dates(fmt: str) -> bytes:
    lines = [HEADER]
    for i, (race, eth, birth, lang, interp, text) in enumerate(_ROWS, start=1):
        y, m, d = birth.split("-")
        date = {"dd_mm": f"{d}/{m}/{y}", "m_d_yy": f"{int(m)}/{int(d)}/{y[2:]}"}[fmt]
        lines.append(_row(i, race, eth, date, lang, interp, text))
    return _text(lines).encode()


def _excel_mangled() -> bytes:
    """2106-3 (White) read by Excel as a date, written back as 3-Jun-06 or 2006-06-03."""
    mangled = {"2106-3": "3-Jun-06", "2054-5": "5-Apr-54", "2028-9": "9-Feb-28"}
    lines = [HEADER]
    for i, (race, eth, birth, lang, interp, text) in enumerate(_ROWS, start=1):
        if race in mangled:
            race = mangled[race] if i % 2 else "2006-06-03" if race == "2106-3" else mangled[race]
        lines.append(_row(i, race, eth, birth, lang, interp, text))
    return _text(lines).encode()


def _mixed_encodings() -> bytes:
    """First half UTF-8, second half cp1252: two exports concatenated."""
    lines = clean_lines(_ACCENTED)
    half = len(lines) // 2
    return (_text(lines[:half]).encode("utf-8") + _text(lines[half:]).encode("cp1252"))


def _xml() -> bytes:
    rows = "".join(
        f'  <patient id="PHIMARKER-B{i:04d}"><race_codes>{r[0]}</race_codes>'
        f"<birth_date>{r[2]}</birth_date></patient>\n"
        for i, r in enumerate(_ROWS[:4], start=1)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<patients>\n{rows}</patients>\n'.encode()


def _xlsx() -> bytes:
    """A minimal ZIP named .csv (what an .xlsx renamed to .csv looks like); fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(2024, 1, 1, 0, 0, 0))
        zf.writestr(info, "<worksheet><c>PHIMARKER</c></worksheet>")
    return buf.getvalue()


def _gzip() -> bytes:
    return gzip.compress(_text(clean_lines()).encode(), mtime=0)


def _png_like() -> bytes:
    """Eight signature bytes and an IHDR chunk: an image exported by mistake."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def _binary_garbage() -> bytes:
    data = bytearray(random.Random(20240601).randbytes(2048))
    data[1000:1009] = b"PHIMARKER"
    data[0] = 0x00  # make sure there is a NUL byte, whatever the seed gives
    return bytes(data)


def _yaml(text: str) -> bytes:
    return text.lstrip("\n").encode()


PROFILE_UNKNOWN_KEYS = """
# 'field' instead of 'fields', and 'colum' inside a field mapping
version: 1
name: bad_unknown_keys
field:
  race_codes: {colum: race_codes}
"""
PROFILE_WRONG_TYPES = """
version: 1
name: bad_wrong_types
cohort: {min_age: "zero", max_age: 18}
fields:
  race_codes: race_codes
  birth_date: birth_date
"""
PROFILE_FIELDS_LIST = """
version: 1
name: bad_fields_as_list
fields:
  - race_codes
  - birth_date
"""
PROFILE_NOT_YAML = """
version: 1
fields:
  race_codes: {column: race_codes
  birth_date: birth_date
"""
PROFILE_CROSSWALK_LOOP = """
version: 1
name: bad_crosswalk_loop
fields:
  patient_id: patient_id
  race_codes: {column: race_codes, crosswalk: crosswalk_loop.csv}
  birth_date: birth_date
"""
CROSSWALK_LOOP = """source_system,source_value,target_field,target_code,tree,note
local,2106-3,race_codes,2054-5,,swapped codes
local,2054-5,race_codes,2106-3,,swapped back: a loop
"""


def bad_fixtures(root: Path) -> dict[str, bytes]:
    """fixtures/bad/ files written by this script (name -> bytes)."""
    clean = clean_lines()
    accented = clean_lines(_ACCENTED)
    fhir = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": "P0001",
                                "name": [{"family": "PHIMARKER"}], "birthDate": "2010-05-01"}}],
    }
    records = [{"patient_id": "P0001", "race_codes": "2106-3", "note": "PHIMARKER"}]
    io_header = "patient_id,site_id,race_codes,ethnicity_code,birth_date"
    io_rows = ["P0001,S01,2106-3,2186-5,2010-05-01", "P0002,S01,2054-5,2135-2,2011-07-15",
               "P0003,S02,2106-3,2186-5,2012-01-31", "P0004,S02,2028-9,2186-5,2013-03-03"]
    return {
        # --- the first ten (identical bytes to scripts/make_io_fixtures.py; Parquet aside)
        "zero_bytes.csv": b"",
        "binary_garbage.csv": _binary_garbage(),
        "ragged_rows.csv": _text([io_header, io_rows[0], io_rows[1], io_rows[2] + ",PHIMARKER",
                                  io_rows[3]]).encode(),
        "unterminated_quote.csv": _text([io_header, io_rows[0],
                                         'P0002,S01,"PHIMARKER,2135-2,2011-07-15', io_rows[2],
                                         io_rows[3]]).encode(),
        "duplicate_headers.csv": _text(["patient_id,site_id,race_codes,race_codes,birth_date",
                                        "P0001,S01,2106-3,PHIMARKER,2010-05-01"]).encode(),
        "json_as_table.json": (json.dumps(fhir, indent=2) + "\n").encode(),
        "json_array_as_table.csv": (json.dumps(records) + "\n").encode(),
        "semicolon_delimited.csv": _text([io_header.replace(",", ";"),
                                          "P0001;S01;2106-3;2186-5;PHIMARKER"]).encode(),
        "header_only.csv": _text([io_header]).encode(),
        # --- structure
        "blank_lines_only.csv": b"\n\n   \n\t\n",
        "tab_delimited_named_csv.csv": _text(clean).replace(",", "\t").encode(),
        "header_unterminated_quote.csv": _text(['patient_id,"race_codes,birth_date',
                                                "PHIMARKER,2106-3,2010-01-01"]).encode(),
        "ndjson_as_table.csv": b"".join(json.dumps(r).encode() + b"\n" for r in records * 3),
        "xml_as_table.xml": _xml(),
        "xml_as_table.csv": _xml(),
        "xlsx_named_csv.csv": _xlsx(),
        "gzip_named_csv.csv": _gzip(),
        "png_named_csv.csv": _png_like(),
        "csv_mislabelled.parquet": _text(clean).encode(),
        # a good Parquet file (written by make_io_fixtures.py) under a .csv name
        "parquet_mislabelled.csv": (root / "fixtures" / "encodings"
                                    / "canonical_small.parquet").read_bytes(),
        # --- encodings and line endings (all readable: data equal to the UTF-8 twin)
        "latin1_accents.csv": _text(accented).encode("cp1252"),
        "utf16_le_bom.csv": _text(accented).encode("utf-16-le").join([b"\xff\xfe", b""]),
        "utf16_be_no_bom.csv": _text(accented).encode("utf-16-be"),
        "utf8_bom.csv": b"\xef\xbb\xbf" + _text(accented).encode("utf-8"),
        "crlf_line_endings.csv": _text(accented, newline="\r\n").encode("utf-8"),
        "mixed_encodings.csv": _mixed_encodings(),
        # --- data defects (a FAIL/ERROR in the report, not a broken file)
        "dates_dd_mm.csv": _with_dates("dd_mm"),
        "dates_m_d_yy.csv": _with_dates("m_d_yy"),
        "excel_mangled_race_codes.csv": _excel_mangled(),
        # --- configuration
        "profile_unknown_keys.yaml": _yaml(PROFILE_UNKNOWN_KEYS),
        "profile_wrong_types.yaml": _yaml(PROFILE_WRONG_TYPES),
        "profile_fields_as_list.yaml": _yaml(PROFILE_FIELDS_LIST),
        "profile_not_yaml.yaml": _yaml(PROFILE_NOT_YAML),
        "profile_crosswalk_loop.yaml": _yaml(PROFILE_CROSSWALK_LOOP),
        "crosswalk_loop.csv": CROSSWALK_LOOP.encode(),
    }


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    target = root / "fixtures" / "bad"
    target.mkdir(parents=True, exist_ok=True)
    for name, data in bad_fixtures(root).items():
        (target / name).write_bytes(data)
        print(f"wrote {target / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
