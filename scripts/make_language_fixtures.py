"""(Re)create the generated language fixtures in fixtures/, deterministically (stdlib only).

Usage: python scripts/make_language_fixtures.py [OUT_DIR]   (OUT_DIR defaults to <repo>/fixtures)

Writes two canonical CSVs with a ``site_id`` column (all data synthetic; one patient id
carries the marker PHIMARKER):

- ``language_english_default_site.csv``: ``ENGLISH_DEFAULT`` sites. Site A has 220 patients
  whose recorded preferred spoken language is English in every case (R-066 (a)); site B has
  210 patients with Spanish and Vietnamese speakers; site C is all English but has only 50
  patients (below ``min_site_patients`` = 200, not evaluated).
- ``language_picklist_coverage.csv``: ``PICKLIST`` sites. X and Y have at least 5 %
  non-English preference but use fewer than 15 distinct languages (R-073); Z uses 17; W is all
  English.

Each site's rows are the value counts below, in order, so every count in fixtures/expected.yaml
follows from these constants. Running the script twice produces byte-identical files.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from pathlib import Path

HEADER = ("patient_id", "site_id", "race_codes", "ethnicity_code", "lang_spoken_pref")
RACE = ("2106-3", "2054-5", "2028-9")
ETHNICITY = ("2186-5", "2135-2")

#: site -> (lang_spoken_pref value, rows); "" is a blank cell.
ENGLISH_DEFAULT: dict[str, tuple[tuple[str, int], ...]] = {
    "A": (("en", 200), ("en-US", 15), ("", 5)),
    "B": (("en", 170), ("es", 25), ("vi", 10), ("UNK", 5)),
    "C": (("en", 50),),
}

#: Z's 16 non-English languages: Spanish 5 rows, then one row each of 15 others.
_Z_OTHERS = ("vi", "so", "ar", "ru", "ht", "pt", "fr", "ko", "ja", "hi", "pl", "de", "it", "am",
             "fa")
PICKLIST: dict[str, tuple[tuple[str, int], ...]] = {
    "X": (("en", 10), ("es", 6), ("vi", 2), ("so", 2)),
    "Y": (("en", 19), ("es", 1)),
    "Z": (("en", 20), ("es", 5), *((code, 1) for code in _Z_OTHERS)),
    "W": (("en", 10),),
}


def _rows(sites: dict[str, tuple[tuple[str, int], ...]]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    n = 0
    for site, values in sites.items():
        for value, count in values:
            for _ in range(count):
                n += 1
                pid = "PHIMARKER-0001" if n == 1 else f"P-{n:04d}"
                rows.append((pid, site, RACE[n % len(RACE)], ETHNICITY[n % len(ETHNICITY)],
                             value))
    return rows


def _write(path: Path, rows: list[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def generate(out_dir: Path) -> list[Path]:
    """Write both fixtures into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, sites in (("language_english_default_site.csv", ENGLISH_DEFAULT),
                        ("language_picklist_coverage.csv", PICKLIST)):
        path = out_dir / name
        _write(path, _rows(sites))
        written.append(path)
    return written


def main(argv: Sequence[str]) -> int:
    """Entry point: optional output directory."""
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "fixtures"
    for path in generate(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
