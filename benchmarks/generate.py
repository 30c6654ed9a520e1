"""Synthetic canonical extracts for the benchmark (benchmarks/run.py): realistic category
mixes and seeded defects, vectorized (numpy, pyarrow), deterministic for a size.

Columns are canonical names, so the validator needs no profile. Mixes (per row, independent
draws): race roughly like a US children's hospital (White 48 %, Black 17 %, Asian 6 %, AIAN
1 %, NHPI 0.5 %, Other 4 %, multiracial 6 %, MENA 1 %) with 9 % absent (unknown, declined,
blank, "?" placeholders) and 1.5 % defects (retired or malformed codes, Excel-mangled dates,
free-text names); ethnicity 20 % Hispanic; languages English 78 %, Spanish 15 %, 25 others;
interpreter need consistent with language for most rows; birth dates 0-21 years before the
as-of date 2026-11-01 with 0.5 % unparseable or future dates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pc
import pyarrow.parquet as pq

COLUMNS = ("patient_id", "site_id", "race_codes", "ethnicity_code", "race_respondent",
           "birth_date", "lang_spoken_pref", "interpreter_needed")

RACE = {
    "2106-3": 48.0, "2054-5": 17.0, "2028-9": 6.0, "1002-5": 1.0, "2076-8": 0.5,
    "2131-1": 4.0, "2118-8": 1.0, "2106-3|2054-5": 3.0, "2106-3|2028-9": 1.5,
    "2054-5|1002-5": 1.0, "2106-3|2076-8": 0.5, "2029-7": 1.5, "2036-2": 1.0,
    "2135-2|2106-3": 2.0,
    # absent
    "UNK": 3.5, "asked-declined": 2.5, "": 2.0, "?": 0.5, "UNKNOWN/NOT SPECIFIED": 0.5,
    # defects
    "2106": 0.4, "3-Jun-06": 0.3, "white": 0.3, "9999-9": 0.2, "2054-5|": 0.3,
}
ETHNICITY = {"2186-5": 74.0, "2135-2": 20.0, "UNK": 3.0, "asked-declined": 1.5, "": 1.0,
             "N": 0.3, "Y": 0.2}
RESPONDENT = {"self": 25.0, "parent": 60.0, "guardian": 6.0, "": 8.0, "nurse": 1.0}
LANGUAGES = ["en"] * 78 + ["es"] * 15 + [
    "zh", "yue", "vi", "ar", "so", "ht", "pt", "ru", "ko", "fr", "tl", "fil", "am", "ne",
    "sw", "fa", "ps", "prs", "my", "km", "hmn", "pa", "uk", "sgn", "ase"]
ADD_LANG = {"und": 0.5, "": 2.0, "english": 0.3, "SPANISH": 0.2}
SITES = ("north", "south", "east", "west", "central")


def _choice(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(table), dtype=object)
    p = np.array(list(table.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def table(n: int, seed: int = 20261123) -> pa.Table:
    """``n`` rows of a canonical extract."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("P", np.arange(1, n + 1).astype(str))
    langs = np.array(LANGUAGES, dtype=object)[rng.integers(0, len(LANGUAGES), n)]
    odd = rng.random(n) < sum(ADD_LANG.values()) / 100
    langs[odd] = _choice(rng, ADD_LANG, int(odd.sum()))
    interp = np.where(np.isin(langs, ["en", "english"]), "no", "yes").astype(object)
    flip = rng.random(n) < 0.04
    interp[flip] = _choice(rng, {"": 3.0, "unknown": 1.0, "no": 1.0}, int(flip.sum()))
    days = rng.integers(0, 22 * 365, n)
    births = (np.datetime64("2026-11-01") - days.astype("timedelta64[D]")).astype(str)
    births = births.astype(object)
    bad = rng.random(n) < 0.005
    births[bad] = _choice(rng, {"": 2.0, "00/00/0000": 1.0, "2031-01-01": 1.0}, int(bad.sum()))
    columns = {
        "patient_id": ids.astype(object),
        "site_id": np.array(SITES, dtype=object)[rng.integers(0, len(SITES), n)],
        "race_codes": _choice(rng, RACE, n),
        "ethnicity_code": _choice(rng, ETHNICITY, n),
        "race_respondent": _choice(rng, RESPONDENT, n),
        "birth_date": births,
        "lang_spoken_pref": langs,
        "interpreter_needed": interp,
    }
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})


def generate(n: int, fmt: str, out: Path) -> Path:
    """Write (once) and return the ``fmt`` file (parquet or csv) of ``n`` rows in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"canonical_{n}.{fmt}"
    if path.exists():
        return path
    t = table(n)
    tmp = path.with_suffix(path.suffix + ".tmp")
    if fmt == "parquet":
        pq.write_table(t, tmp)
    elif fmt == "csv":
        pc.write_csv(t, tmp)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    tmp.rename(path)
    return path
