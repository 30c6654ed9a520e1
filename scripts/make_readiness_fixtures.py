"""(Re)create the stratification-readiness and site-comparison fixtures, deterministically
(stdlib only).

Usage: python scripts/make_readiness_fixtures.py [OUT_DIR]   (default: <repo>/fixtures)

Every count below is fixed by construction; fixtures/expected.yaml and tests/test_readiness.py
derive their numbers from these constants, never from the tool's output. All data are
synthetic; the first patient ids carry the marker PHIMARKER.

- ``readiness_race_missing_spanish_speakers.csv`` (600 rows, no site): 400 English-preference
  patients of whom 4 lack race (1 %), 200 Spanish-preference patients of whom 40 lack race
  (20 %); overall race is 92.67 % informative, so completeness passes while the missingness is
  concentrated among Spanish speakers (R-132). Each of the four age bands (0-4, 5-10, 11-17,
  18+) holds the same mix (100 English with 1 missing, 50 Spanish with 10 missing), so the
  missing rate does not differ by age.
- ``readiness_clean.csv`` (600 rows) with ``profiles/readiness_declared.yaml`` (standard
  declared): every stratifier informative, every source direct, every tabulation cell either 0
  or at least 30 records, every language at least 30 records: READY.
- ``site_category_never_used.csv`` (3,250 rows, sites A, B, C): A and B record multiracial,
  AIAN, NHPI and declined race; C, with 1,050 informative records, records none of them.
- ``site_distribution_shift.csv`` (750 rows, 250 per site): A and C are 50 % White, 30 %
  Black, 20 % Asian; B is 58 % / 22 % / 20 %. ``site_distribution_shift_previous.csv`` is the
  tabulation part of a results table of an earlier run of it: A as now, B as A, C 40 % / 40 %
  / 20 %.
- ``site_entry_method_missingness.csv`` (915 rows, 3 sites): per site 100 rows entered through
  the patient portal (2 without race), 100 at registration (4), 100 by manual entry (20) and 5
  without an entry method (race recorded).
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

SEED = 20261101
WHITE, BLACK, ASIAN, AIAN, NHPI = "2106-3", "2054-5", "2028-9", "1002-5", "2076-8"
HISPANIC, NOT_HISPANIC = "2135-2", "2186-5"
AS_OF = "2026-11-01"
#: One birth date per age band at AS_OF (ages 3, 8, 14 and 20).
BANDS = {"0-4": "2023-06-15", "5-10": "2018-06-15", "11-17": "2012-06-15", "18+": "2006-06-15"}
MARKED = 3  # the first ids carry the PHI marker

# ---------------------------------------------------------------- readiness_race_missing_...

#: Per age band: (language, race answer, ethnicity, rows). Missing race: "" (blank), "UNK"
#: (unknown) or "declined".
SPANISH_BAND: tuple[tuple[str, str, str, int], ...] = (
    ("en", WHITE, NOT_HISPANIC, 50),
    ("en", BLACK, NOT_HISPANIC, 30),
    ("en", ASIAN, NOT_HISPANIC, 19),
    ("en", "", NOT_HISPANIC, 1),
    ("es", WHITE, HISPANIC, 30),
    ("es", BLACK, HISPANIC, 10),
    ("es", "", HISPANIC, 7),
    ("es", "UNK", HISPANIC, 2),
    ("es", "declined", HISPANIC, 1),
)
SPANISH_HEADER = ("patient_id", "race_codes", "race_source", "ethnicity_code", "birth_date",
                  "lang_spoken_pref")

# ---------------------------------------------------------------- readiness_clean

#: (race answer, ethnicity, language, rows); per row the band cycles through BANDS.
CLEAN: tuple[tuple[str, str, str, int], ...] = (
    (WHITE, NOT_HISPANIC, "en", 240),
    (WHITE, HISPANIC, "es", 60),
    (BLACK, NOT_HISPANIC, "en", 120),
    (BLACK, HISPANIC, "es", 30),
    (ASIAN, NOT_HISPANIC, "en", 60),
    (ASIAN, NOT_HISPANIC, "es", 30),
    (ASIAN, HISPANIC, "es", 30),
    (f"{WHITE}|{BLACK}", NOT_HISPANIC, "en", 30),
)
CLEAN_HEADER = ("patient_id", "race_codes", "race_source", "ethnicity_code", "birth_date",
                "lang_spoken_pref")

# ---------------------------------------------------------------- site_category_never_used

#: Per site: (race answer, rows). "declined" is an absent reason.
NEVER_USED: dict[str, tuple[tuple[str, int], ...]] = {
    "A": ((WHITE, 600), (BLACK, 300), (ASIAN, 110), (f"{WHITE}|{BLACK}", 30), (AIAN, 20),
          (NHPI, 15), ("declined", 25)),
    "B": ((WHITE, 600), (BLACK, 300), (ASIAN, 110), (f"{WHITE}|{BLACK}", 30), (AIAN, 20),
          (NHPI, 15), ("declined", 25)),
    "C": ((WHITE, 600), (BLACK, 300), (ASIAN, 150)),
}
SITE_HEADER = ("patient_id", "site_id", "race_codes", "ethnicity_code")

# ---------------------------------------------------------------- site_distribution_shift

SHIFT: dict[str, tuple[tuple[str, int], ...]] = {
    "A": ((WHITE, 125), (BLACK, 75), (ASIAN, 50)),
    "B": ((WHITE, 145), (BLACK, 55), (ASIAN, 50)),
    "C": ((WHITE, 125), (BLACK, 75), (ASIAN, 50)),
}
SHIFT_PREVIOUS: dict[str, tuple[tuple[str, int], ...]] = {
    "A": ((WHITE, 125), (BLACK, 75), (ASIAN, 50)),
    "B": ((WHITE, 125), (BLACK, 75), (ASIAN, 50)),
    "C": ((WHITE, 100), (BLACK, 100), (ASIAN, 50)),
}
PREVIOUS_RUN_ID = "0123456789abcdef"
RESULTS_HEADER = (
    "run_id", "dataset", "stratum", "kind", "check_id", "rule", "field", "category",
    "numerator", "denominator", "percent", "threshold", "warn_threshold", "status",
    "severity", "measure", "tool_version", "profile_version", "suppressed",
)

# ---------------------------------------------------------------- site_entry_method_...

#: Per site: (entry_method value, rows, rows without race).
ENTRY: tuple[tuple[str, int, int], ...] = (
    ("Patient portal", 100, 2),
    ("Registration desk", 100, 4),
    ("Manual entry", 100, 20),
    ("", 5, 0),
)
ENTRY_HEADER = ("patient_id", "site_id", "entry_method", "race_codes", "ethnicity_code")


def _ids(prefix: str, n: int) -> list[str]:
    return [f"PHIMARKER-{prefix}{i:04d}" if i <= MARKED else f"{prefix}{i:04d}"
            for i in range(1, n + 1)]


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _shuffled(rows: list[list[str]], salt: int) -> list[list[str]]:
    random.Random(SEED + salt).shuffle(rows)
    return rows


def spanish_rows() -> list[list[str]]:
    """readiness_race_missing_spanish_speakers: ids assigned after a seeded shuffle."""
    rows = []
    for birth in BANDS.values():
        for lang, race, eth, n in SPANISH_BAND:
            source = "proxy" if race not in ("", "UNK", "declined") else ""
            rows += [[race, source, eth, birth, lang] for _ in range(n)]
    rows = _shuffled(rows, 1)
    return [[pid, *r] for pid, r in zip(_ids("R", len(rows)), rows, strict=True)]


def clean_rows() -> list[list[str]]:
    rows = []
    births = list(BANDS.values())
    for race, eth, lang, n in CLEAN:
        for i in range(n):
            birth = births[i % len(births)]
            source = "self" if birth in (BANDS["11-17"], BANDS["18+"]) else "proxy"
            rows.append([race, source, eth, birth, lang])
    rows = _shuffled(rows, 2)
    return [[pid, *r] for pid, r in zip(_ids("C", len(rows)), rows, strict=True)]


def never_used_rows() -> list[list[str]]:
    rows = [[site, race, NOT_HISPANIC] for site, answers in NEVER_USED.items()
            for race, n in answers for _ in range(n)]
    rows = _shuffled(rows, 3)
    return [[pid, *r] for pid, r in zip(_ids("N", len(rows)), rows, strict=True)]


def shift_rows() -> list[list[str]]:
    rows = [[site, race, NOT_HISPANIC] for site, answers in SHIFT.items()
            for race, n in answers for _ in range(n)]
    rows = _shuffled(rows, 4)
    return [[pid, *r] for pid, r in zip(_ids("S", len(rows)), rows, strict=True)]


def previous_rows() -> list[list[str]]:
    """Tabulation rows (omb1997 race and ethnicity) of the earlier run, whole input first."""
    scopes: dict[str, dict[str, int]] = {"": {}}
    for site, answers in SHIFT_PREVIOUS.items():
        scopes[site] = dict(answers)
        for race, n in answers:
            scopes[""][race] = scopes[""].get(race, 0) + n
    out = []
    for stratum, counts in scopes.items():
        rows = sum(counts.values())
        for field, cells in (("omb1997.race", counts), ("omb1997.ethnicity",
                                                         {NOT_HISPANIC: rows, HISPANIC: 0})):
            for key, n in cells.items():
                row = dict.fromkeys(RESULTS_HEADER, "")
                row |= {"run_id": PREVIOUS_RUN_ID, "dataset": "site_distribution_shift",
                        "stratum": stratum, "kind": "tabulation", "field": field,
                        "category": key, "numerator": str(n), "denominator": str(rows),
                        "percent": repr(100.0 * n / rows), "tool_version": "0.1.0",
                        "suppressed": "false"}
                out.append([row[c] for c in RESULTS_HEADER])
    return out


def entry_rows() -> list[list[str]]:
    rows = []
    for site in ("A", "B", "C"):
        for method, n, missing in ENTRY:
            for i in range(n):
                race = "" if i < missing else (WHITE, BLACK, ASIAN)[i % 3]
                rows.append([site, method, race, NOT_HISPANIC])
    rows = _shuffled(rows, 5)
    return [[pid, *r] for pid, r in zip(_ids("E", len(rows)), rows, strict=True)]


def generate(out: Path) -> list[Path]:
    """Write every fixture into ``out``; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        _write(out / "readiness_race_missing_spanish_speakers.csv", SPANISH_HEADER,
               spanish_rows()),
        _write(out / "readiness_clean.csv", CLEAN_HEADER, clean_rows()),
        _write(out / "site_category_never_used.csv", SITE_HEADER, never_used_rows()),
        _write(out / "site_distribution_shift.csv", SITE_HEADER, shift_rows()),
        _write(out / "site_distribution_shift_previous.csv", RESULTS_HEADER, previous_rows()),
        _write(out / "site_entry_method_missingness.csv", ENTRY_HEADER, entry_rows()),
    ]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / \
        "fixtures"
    for p in generate(target):
        print(p)
