"""(Re)create fixtures/three_sites/, deterministically (stdlib only): a small collaborative of
three sites for share-safe mode (``--share-safe``) and ``real-validator compare``.

Usage: python scripts/make_three_site_fixture.py [OUT_DIR]  (default <repo>/fixtures/three_sites)

Writes (all data synthetic; patient ids and some free text carry the marker PHIMARKER):

- ``three_sites.csv``: the three sites in one canonical extract (620 rows, column site_id), for
  ``validate --stratify-by site_id --share-safe``;
- ``north.csv``, ``south.csv``, ``east.csv``: the same rows, one file per site, for three
  single-site results tables and ``compare``;
- ``north_2027.csv``: a later extract of site north after a registration fix (fewer unknown
  races, no blank interpreter need, Chinese recorded as Cantonese), for ``compare --diff``.

Every count is fixed by the tables below (``RACE`` and ``LANGUAGE``), so tests and
fixtures/expected.yaml derive their numbers from these constants. Rare categories are
planted so that several per-site cells fall between 1 and 10 (suppressed by share-safe mode):
south has 4 Other-race, 4 multiracial and 6 NHPI records; east 3 MENA and 2 AIAN records;
north 7 declined and 9 unknown races.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

HEADER = ("patient_id", "site_id", "race_codes", "ethnicity_code", "race_respondent",
          "birth_date", "lang_spoken_pref", "interpreter_needed", "race_text")
AS_OF = "2026-11-01"
MARKER = "PHIMARKER"

W, B, A, AIAN, NHPI, OTHER, MENA = (
    "2106-3", "2054-5", "2028-9", "1002-5", "2076-8", "2131-1", "2118-8")
H, N = "2135-2", "2186-5"
DECLINED, UNK = "asked-declined", "UNK"

#: site -> (race_codes, ethnicity_code, race_respondent, rows). Respondent "parent" reads as
#: parent_guardian_family; "" is blank.
RACE: dict[str, tuple[tuple[str, str, str, int], ...]] = {
    "north": (
        (W, N, "self", 100), (W, N, "parent", 40), (W, H, "parent", 20),
        (B, N, "self", 50), (B, N, "parent", 10), (A, N, "self", 25),
        (AIAN, N, "parent", 12), (OTHER, H, "self", 11), (f"{W}|{B}", N, "parent", 14),
        (DECLINED, DECLINED, "self", 7), (UNK, N, "", 9), ("", "", "", 2),
    ),  # 300 rows
    "south": (
        (W, N, "self", 60), (W, H, "self", 30), (B, N, "parent", 40), (A, N, "self", 20),
        (NHPI, N, "self", 6), (OTHER, N, "self", 4), (f"{A}|{W}", N, "self", 4),
        (MENA, N, "self", 12), (DECLINED, DECLINED, "self", 13), (UNK, UNK, "", 11),
    ),  # 200 rows
    "east": (
        (W, N, "self", 50), (W, H, "parent", 25), (B, N, "self", 20), (MENA, N, "parent", 3),
        (f"{W}|{B}", H, "self", 12), (UNK, UNK, "", 8), (AIAN, N, "self", 2),
    ),  # 120 rows
}

#: site -> (lang_spoken_pref, interpreter_needed, rows), zipped row by row with ``RACE``.
LANGUAGE: dict[str, tuple[tuple[str, str, int], ...]] = {
    "north": (("en", "no", 230), ("es", "yes", 40), ("es", "", 5), ("zh", "yes", 6),
              ("yue", "yes", 9), ("und", "", 4), ("", "", 6)),
    "south": (("en", "no", 150), ("es", "yes", 30), ("vi", "yes", 12), ("sgn", "yes", 2),
              ("", "", 6)),
    "east": (("en", "no", 100), ("es", "yes", 15), (f"{MARKER} words", "", 1), ("", "", 4)),
}

#: north_2027.csv: north after the fix: 6 of the 9 unknown races re-asked (now White, self),
#: the 5 blank interpreter needs filled (yes) and zh recorded as yue.
NORTH_2027_RACE = tuple(
    (r, e, s, n - 6) if r == UNK else (r, e, s, n + 6) if (r, e, s) == (W, N, "self") else
    (r, e, s, n) for r, e, s, n in RACE["north"])
NORTH_2027_LANGUAGE = (("en", "no", 230), ("es", "yes", 45), ("yue", "yes", 15), ("und", "", 4),
                       ("", "", 6))

Row = list[str]


def _expand(table: Iterable[tuple[object, ...]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for *values, n in table:
        out += [tuple(str(v) for v in values)] * int(str(n))
    return out


def site_rows(site: str, race: Sequence[tuple[str, str, str, int]],
              language: Sequence[tuple[str, str, int]]) -> list[Row]:
    """The rows of one site: race table and language table zipped row by row."""
    races, langs = _expand(race), _expand(language)
    assert len(races) == len(langs), (site, len(races), len(langs))
    rows: list[Row] = []
    for i, ((rc, eth, resp), (lang, interp)) in enumerate(zip(races, langs), start=1):
        birth = dt.date(2010, 1, 1) + dt.timedelta(days=(i * 37) % 1460)  # ages 12 to 16
        text = f"{MARKER} note {i}" if i % 50 == 0 else ""
        rows.append([f"{MARKER}-{site[0].upper()}{i:04d}", site, rc, eth, resp,
                     birth.isoformat(), lang, interp, text])
    if site == "east":
        rows[-1][5] = f"{MARKER}-dob"  # one unparseable birth date (AGE.COMPUTABLE: 1 of 120)
    return rows


def _write(path: Path, rows: Iterable[Row]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def generate(out_dir: Path) -> list[Path]:
    """Write the fixture files into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    per_site = {s: site_rows(s, RACE[s], LANGUAGE[s]) for s in RACE}
    written = [_write(out_dir / "three_sites.csv", (r for s in RACE for r in per_site[s]))]
    written += [_write(out_dir / f"{s}.csv", per_site[s]) for s in RACE]
    written.append(_write(out_dir / "north_2027.csv",
                          site_rows("north", NORTH_2027_RACE, NORTH_2027_LANGUAGE)))
    return written


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "fixtures" / "three_sites"
    for p in generate(target):
        print(f"wrote {p}")
