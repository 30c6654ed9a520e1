"""Generate the bundled example extract used by ``make demo`` (deterministic, stdlib only).

A pediatric registration extract from three sites with local column names (mapped by
fixtures/example/profile.yaml), HL7 v2 ethnicity letters, multi-race cells separated by ';',
and realistic defects that warn without failing the gate: race missing for about 12 % of
children, a few observer-assigned races, some 'Other race' answers.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "example" / "registration.csv"
SEED = 2026
ROWS = 300
RACES = [("2106-3", 48), ("2054-5", 20), ("2028-9", 8), ("1002-5", 2), ("2076-8", 1),
         ("2131-1", 3), ("2106-3;2054-5", 4), ("2028-9;2106-3", 2), ("2118-8", 1),
         ("2029-7", 2), ("1382-1", 1)]
ABSENT_RACE = [("", 9), ("UNKNOWN", 9), ("Declined", 6), ("ASKU", 3)]
ETHNICITY = [("N", 70), ("H", 24), ("U", 4), ("", 2)]
SOURCES = [("self", 20), ("proxy", 72), ("observer", 3), ("", 5)]


def pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    """A weighted choice."""
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def main() -> None:
    """Write the example extract."""
    rng = random.Random(SEED)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["MRN", "FACILITY", "DOB", "RACE_CD", "ETHNIC_GRP", "RACE_SRC",
                    "PREF_NAME", "REG_DATE"])
        for i in range(ROWS):
            race = pick(rng, ABSENT_RACE) if rng.random() < 0.12 else pick(rng, RACES)
            born = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(0, 7300))
            source = "" if race in ("", "UNKNOWN") else pick(rng, SOURCES)
            w.writerow([
                f"MRN{100000 + i}",
                rng.choice(["NORTH", "SOUTH", "EAST"]),
                born.isoformat(),
                race,
                pick(rng, ETHNICITY),
                source,
                f"Child {i}",
                "2026-10-15",
            ])


if __name__ == "__main__":
    main()
