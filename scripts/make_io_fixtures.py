"""(Re)create the input-reader fixtures in fixtures/bad/ and fixtures/encodings/, deterministically.

Usage: python scripts/make_io_fixtures.py [ROOT]   (ROOT defaults to the repository root)

All data is synthetic. CSV fixtures carry the marker PHIMARKER in a cell so tests can assert
that no error message ever quotes cell contents.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HEADER = "patient_id,site_id,race_codes,ethnicity_code,birth_date"
ROWS = [
    "P0001,S01,2106-3,2186-5,2010-05-01",
    "P0002,S01,2054-5,2135-2,2011-07-15",
    "P0003,S02,2106-3,2186-5,2012-01-31",
    "P0004,S02,2028-9,2186-5,2013-03-03",
]


def _lines(*lines: str, newline: str = "\n") -> str:
    return newline.join(lines) + newline


def _canonical_table() -> pa.Table:
    return pa.table(
        {
            "patient_id": pa.array(["P0001", "P0002", "PHIMARKER"]),
            "site_id": pa.array(["S01", "S01", "S02"]).dictionary_encode(),
            "race_codes": pa.array(["2106-3", "2054-5", "2028-9"]),
            "ethnicity_code": pa.array(["2186-5", None, "2135-2"]),
            "birth_date": pa.array([dt.date(2010, 5, 1), dt.date(2011, 7, 15), None], pa.date32()),
            "visit_count": pa.array([5, 0, None], pa.int64()),
            "admitted_at": pa.array(
                [dt.datetime(2020, 1, 2, 3, 4, 5), None, dt.datetime(2021, 12, 31, 23, 59)],
                pa.timestamp("s"),
            ),
        }
    )


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def _binary_garbage() -> bytes:
    data = bytearray(random.Random(20240601).randbytes(2048))
    data[1000:1009] = b"PHIMARKER"
    data[0] = 0x00  # make sure there is a NUL byte, whatever the seed gives
    return bytes(data)


def bad_fixtures() -> dict[str, bytes]:
    """fixtures/bad/: one file per defect, named after it."""
    fhir = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "P0001",
                    "name": [{"family": "PHIMARKER"}],
                    "birthDate": "2010-05-01",
                }
            }
        ],
    }
    records = [{"patient_id": "P0001", "race_codes": "2106-3", "note": "PHIMARKER"}]
    return {
        "zero_bytes.csv": b"",
        "binary_garbage.csv": _binary_garbage(),
        "ragged_rows.csv": _lines(
            HEADER, ROWS[0], ROWS[1], ROWS[2] + ",PHIMARKER", ROWS[3]
        ).encode(),
        "unterminated_quote.csv": _lines(
            HEADER, ROWS[0], 'P0002,S01,"PHIMARKER,2135-2,2011-07-15', ROWS[2], ROWS[3]
        ).encode(),
        "duplicate_headers.csv": _lines(
            "patient_id,site_id,race_codes,race_codes,birth_date",
            "P0001,S01,2106-3,PHIMARKER,2010-05-01",
        ).encode(),
        "truncated.parquet": (lambda b: b[: len(b) // 2])(_parquet_bytes(_canonical_table())),
        "json_as_table.json": (json.dumps(fhir, indent=2) + "\n").encode(),
        "json_array_as_table.csv": (json.dumps(records) + "\n").encode(),
        "semicolon_delimited.csv": _lines(
            HEADER.replace(",", ";"), "P0001;S01;2106-3;2186-5;PHIMARKER"
        ).encode(),
        "header_only.csv": _lines(HEADER).encode(),
    }


def encoding_fixtures() -> dict[str, bytes]:
    """fixtures/encodings/: good files in awkward encodings and layouts."""
    free = HEADER + ",free_text"
    latin1 = _lines(
        free,
        "P0001,S01,2106-3,2186-5,2010-05-01,José",
        "P0002,S01,2054-5,2135-2,2011-07-15,Renée Müller",
        "P0003,S02,2106-3,2186-5,2012-01-31,niño PHIMARKER",
        "P0004,S02,2028-9,2186-5,2013-03-03,€5 copay",
    )
    utf8 = _lines(
        free,
        "P0001,S01,2106-3,2186-5,2010-05-01,José",
        "P0002,S01,2054-5,2135-2,2011-07-15,Zoë",
    )
    return {
        "latin1_accents.csv": latin1.encode("cp1252"),
        "utf8_bom.csv": b"\xef\xbb\xbf" + utf8.encode("utf-8"),
        "utf16_bom.csv": utf8.encode("utf-16"),  # Python writes a BOM (little-endian here)
        "crlf_line_endings.csv": _lines(
            HEADER,
            ROWS[0],
            "P0002,S01,  ,,2011-07-15",
            'P0003,S02,"2106-3,2054-5",2186-5,2012-01-31',
            newline="\r\n",
        ).encode(),
        "tab_separated.tsv": _lines(HEADER, *ROWS).replace(",", "\t").encode(),
        "canonical_small.parquet": _parquet_bytes(_canonical_table()),
    }


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    for folder, files in (("bad", bad_fixtures()), ("encodings", encoding_fixtures())):
        target = root / "fixtures" / folder
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (target / name).write_bytes(data)
            print(f"wrote {target / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
