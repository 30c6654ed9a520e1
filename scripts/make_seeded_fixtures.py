"""(Re)create the generated gate fixtures in fixtures/, deterministically (stdlib only).

Usage: python scripts/make_seeded_fixtures.py [OUT_DIR]   (OUT_DIR defaults to <repo>/fixtures)

Writes three canonical CSVs (all data synthetic; patient ids carry the marker PHIMARKER):

- ``canonical_3000_clean.csv``: 3 sites x 1,000 patients built from an exact joint table of
  race answer x ethnicity answer (``JOINT``), so every count is known by construction; it
  passes the gate (race 92 %, ethnicity 94.7 % informative, no invalid code or date).
- ``canonical_3000_seeded_defects.csv``: the same rows with ``SEEDED`` defects planted on
  distinct rows, one defect per row, each row drawn from a pool whose other values are known
  (single White/Black/Asian race, informative ethnicity, valid birth date).
- ``site_absent_reasons_undistinguished.csv``: two sites; site A records every absent race
  value as "UNKNOWN" (R-005), site B distinguishes unknown, declined and not asked.

fixtures/expected.yaml derives its numbers from the constants below. Running the script twice
produces byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

SEED = 20261101
HEADER = ("patient_id", "site_id", "race_codes", "ethnicity_code", "birth_date", "race_text")
SITES = ("A", "B", "C")
ROWS_PER_SITE = 1000
TEXT_EVERY = 100  # every 100th row carries a free-text race note with the PHI marker
MARKER_TEXT = "PHIMARKER free text"

WHITE, BLACK, ASIAN, AIAN, NHPI, OTHER = (
    "2106-3", "2054-5", "2028-9", "1002-5", "2076-8", "2131-1",
)
HISPANIC, NOT_HISPANIC = "2135-2", "2186-5"
DECLINED, UNKNOWN = "asked-declined", "UNK"
MULTI = ("2106-3|2054-5", "2106-3|2028-9", "2054-5|1002-5", "2106-3|2076-8")

#: Ethnicity answers, in the column order of ``JOINT``.
ETHNICITY = (NOT_HISPANIC, HISPANIC, DECLINED, UNKNOWN)

#: Rows per site for each race answer, split by ethnicity answer (2186-5, 2135-2, declined,
#: unknown). Per site: race informative 920 (absent: 40 declined + 40 unknown), ethnicity
#: informative 947 (absent: 23 declined + 30 unknown); "Other" only 25 (8 of them Hispanic);
#: multiracial 80 (the four ``MULTI`` pairs in turn).
JOINT: dict[str, tuple[int, int, int, int]] = {
    "white": (360, 100, 5, 5),
    "black": (170, 15, 3, 2),
    "asian": (100, 6, 2, 2),
    "aian": (24, 5, 0, 1),
    "nhpi": (12, 2, 0, 1),
    "other": (15, 8, 1, 1),
    "multi": (60, 16, 2, 2),
    "race_declined": (20, 8, 6, 6),
    "race_unknown": (20, 6, 4, 10),
}
RACE_VALUE = {
    "white": WHITE, "black": BLACK, "asian": ASIAN, "aian": AIAN, "nhpi": NHPI,
    "other": OTHER, "race_declined": DECLINED, "race_unknown": UNKNOWN,
}
SINGLE_POOL_KINDS = ("white", "black", "asian")
BAD_CHECK_DIGIT = {WHITE: "2106-4", BLACK: "2054-6", ASIAN: "2028-1"}

#: Seeded defects: name -> (rows, ethnicity pool the rows are drawn from).
SEEDED: dict[str, tuple[int, str]] = {
    "race_blank": (150, NOT_HISPANIC),  # race_codes ""
    "race_bad_check_digit": (60, NOT_HISPANIC),  # 2106-4 / 2054-6 / 2028-1
    "race_hispanic_as_race": (45, NOT_HISPANIC),  # race_codes 2135-2, ethnicity 2186-5 kept
    "race_absent_with_category_unk": (15, NOT_HISPANIC),  # "<code>|UNK"
    "race_absent_with_category_declined": (15, NOT_HISPANIC),  # "asked-declined|<code>"
    "ethnicity_letter_h": (45, HISPANIC),  # ethnicity_code "H" (was 2135-2)
    "ethnicity_letter_n": (45, NOT_HISPANIC),  # ethnicity_code "N" (was 2186-5)
    "birth_date_missing": (10, NOT_HISPANIC),  # ""
    "birth_date_future": (10, NOT_HISPANIC),  # 2027-MM-DD (as_of_date 2026-11-01)
    "birth_date_day_month": (10, NOT_HISPANIC),  # DD/MM/YYYY with DD > 12
    "birth_date_two_digit_year": (10, NOT_HISPANIC),  # M/D/YY
}

#: site_absent_reasons_undistinguished.csv: site -> absent race tokens and informative rows.
SITE_ABSENT: dict[str, tuple[tuple[tuple[str, int], ...], int]] = {
    "A": ((("UNKNOWN", 55),), 10),
    "B": ((("UNKNOWN", 25), ("Declined", 15), ("NASK", 12)), 8),
}
SITE_INFORMATIVE = (WHITE, BLACK, ASIAN, "2106-3|2054-5")

Row = list[str]


def _date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _base_rows(rng: random.Random) -> tuple[list[Row], list[str]]:
    """The clean 3,000 rows (shuffled) and the race kind of each row."""
    cells: list[tuple[str, str, str]] = []
    for site in SITES:
        for kind, counts in JOINT.items():
            for eth, n in zip(ETHNICITY, counts):
                for _ in range(n):
                    cells.append((site, kind, eth))
    assert len(cells) == len(SITES) * ROWS_PER_SITE
    rng.shuffle(cells)
    rows: list[Row] = []
    kinds: list[str] = []
    multi_turn = 0
    for i, (site, kind, eth) in enumerate(cells, start=1):
        if kind == "multi":
            race = MULTI[multi_turn % len(MULTI)]
            multi_turn += 1
        else:
            race = RACE_VALUE[kind]
        birth = _date(rng, dt.date(2005, 1, 1), dt.date(2025, 12, 31)).isoformat()
        text = MARKER_TEXT if i % TEXT_EVERY == 0 else ""
        rows.append([f"PHIMARKER-{i:05d}", site, race, eth, birth, text])
        kinds.append(kind)
    return rows, kinds


def _bad_date(name: str, rng: random.Random) -> str:
    if name == "birth_date_missing":
        return ""
    if name == "birth_date_future":
        return _date(rng, dt.date(2027, 1, 1), dt.date(2027, 12, 28)).isoformat()
    d = _date(rng, dt.date(2005, 1, 1), dt.date(2020, 12, 31))
    if name == "birth_date_day_month":
        return f"{rng.randint(13, 28):02d}/{d.month:02d}/{d.year}"
    return f"{d.month}/{d.day}/{d.year % 100:02d}"


def _apply(name: str, row: Row, rng: random.Random) -> None:
    race = row[2]
    if name == "race_blank":
        row[2] = ""
    elif name == "race_bad_check_digit":
        row[2] = BAD_CHECK_DIGIT[race]
    elif name == "race_hispanic_as_race":
        row[2] = HISPANIC
    elif name == "race_absent_with_category_unk":
        row[2] = f"{race}|{UNKNOWN}"
    elif name == "race_absent_with_category_declined":
        row[2] = f"{DECLINED}|{race}"
    elif name == "ethnicity_letter_h":
        row[3] = "H"
    elif name == "ethnicity_letter_n":
        row[3] = "N"
    else:
        row[4] = _bad_date(name, rng)


def _seeded(rows: Sequence[Row], kinds: Sequence[str], rng: random.Random) -> list[Row]:
    """A copy of ``rows`` with every ``SEEDED`` defect planted on its own rows."""
    out = [list(r) for r in rows]
    pools = {
        eth: [i for i, (r, k) in enumerate(zip(rows, kinds))
              if k in SINGLE_POOL_KINDS and r[3] == eth]
        for eth in (NOT_HISPANIC, HISPANIC)
    }
    wanted = {eth: sum(n for n, e in SEEDED.values() if e == eth) for eth in pools}
    drawn = {eth: rng.sample(pools[eth], wanted[eth]) for eth in pools}
    for name, (n, eth) in SEEDED.items():
        picked, drawn[eth] = drawn[eth][:n], drawn[eth][n:]
        for i in sorted(picked):
            _apply(name, out[i], rng)
    return out


def _site_absent_rows(rng: random.Random) -> list[Row]:
    cells: list[tuple[str, str]] = []
    for site, (absent, informative) in SITE_ABSENT.items():
        for token, n in absent:
            cells += [(site, token)] * n
        cells += [(site, SITE_INFORMATIVE[j % len(SITE_INFORMATIVE)]) for j in range(informative)]
    rng.shuffle(cells)
    rows = []
    for i, (site, race) in enumerate(cells, start=1):
        eth = HISPANIC if i % 5 == 0 else NOT_HISPANIC
        birth = _date(rng, dt.date(2006, 1, 1), dt.date(2019, 12, 31)).isoformat()
        text = MARKER_TEXT if i % 40 == 1 else ""
        rows.append([f"PHIMARKER-S{i:03d}", site, race, eth, birth, text])
    return rows


def _write(path: Path, rows: Iterable[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def generate(out_dir: Path) -> list[Path]:
    """Write the generated fixtures into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    rows, kinds = _base_rows(rng)
    seeded = _seeded(rows, kinds, rng)
    site_rows = _site_absent_rows(random.Random(SEED + 1))
    written = []
    for name, data in (("canonical_3000_clean.csv", rows),
                       ("canonical_3000_seeded_defects.csv", seeded),
                       ("site_absent_reasons_undistinguished.csv", site_rows)):
        path = out_dir / name
        _write(path, data)
        written.append(path)
    return written


def main(argv: Sequence[str]) -> int:
    """Command-line entry point."""
    root = Path(__file__).resolve().parent.parent
    out_dir = Path(argv[0]) if argv else root / "fixtures"
    for path in generate(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
