"""Synthetic canonical extracts for the benchmark (benchmarks/run.py): realistic category
mixes and seeded defects, vectorized (numpy, pyarrow), deterministic for a size.

Columns are canonical names, so the validator needs no profile. Mixes (per row, independent
draws): race roughly like a US children's hospital (White 48 %, Black 17 %, Asian 6 %, AIAN
1 %, NHPI 0.5 %, Other 4 %, multiracial 6 %, MENA 1 %) with 9 % absent (unknown, declined,
blank, "?" placeholders) and 1.5 % defects (retired or malformed codes, Excel-mangled dates,
free-text names); ethnicity 20 % Hispanic; languages English 78 %, Spanish 15 %, 25 others;
interpreter need consistent with language for most rows; birth dates 0-21 years before the
as-of date 2026-11-01 with 0.5 % unparseable or future dates.

``encounters()`` is an encounter-level extract of the same mixes (one row per encounter, about
8 per patient; benchmarks/encounter_profile.yaml declares its grain): values mostly constant
per patient, sometimes re-collected at a later encounter, with the dates of collection, for the
history rules (R-104, R-105, R-106) and RACE.STABLE_OVER_TIME.
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


ENCOUNTER_COLUMNS = ("patient_id", "encounter_id", "site_id", "encounter_date", "birth_date",
                     "race_codes", "ethnicity_code", "race_respondent", "race_collected_date",
                     "lang_spoken_pref", "lang_collected_date")
#: Values that are no answer (the absent part of the mixes above).
ABSENT = ("UNK", "asked-declined", "", "?", "UNKNOWN/NOT SPECIFIED", "und")
#: The seeded defects of the race and ethnicity mixes.
DEFECTS = ("2106", "3-Jun-06", "white", "9999-9", "2054-5|", "N", "Y")
FIRST_DAY, LAST_DAY = np.datetime64("2019-01-01"), np.datetime64("2026-10-31")
AS_OF = np.datetime64("2026-11-01")


def _answers(table: dict[str, float]) -> dict[str, float]:
    """The mix without its absent values and defects."""
    return {k: w for k, w in table.items() if k not in ABSENT + DEFECTS}


def _languages(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of table()'s language mix."""
    langs = np.array(LANGUAGES, dtype=object)[rng.integers(0, len(LANGUAGES), n)]
    odd = rng.random(n) < sum(ADD_LANG.values()) / 100
    langs[odd] = _choice(rng, ADD_LANG, int(odd.sum()))
    return langs


def _recollected(rng: np.random.Generator, first: np.ndarray, answer: np.ndarray,
                 keep: float) -> np.ndarray:
    """The value after a re-collection: an absent ``first`` mostly answered (75 %), an answer
    mostly confirmed (``keep``), else ``answer`` (a fresh draw of the mix's answers)."""
    u = rng.random(first.size)
    absent = np.isin(first, ABSENT)
    return np.where(absent, np.where(u < 0.75, answer, first),
                    np.where(u < keep, first, answer)).astype(object)


def _change_points(rng: np.random.Generator, counts: np.ndarray, share: np.ndarray
                   ) -> np.ndarray:
    """Per patient, the index of the encounter where the value was re-collected (``counts``
    when never): with probability ``share``, early encounters more likely."""
    at = np.minimum(rng.geometric(0.35, counts.size), counts - 1)
    return np.where((rng.random(counts.size) < share) & (counts >= 2), np.maximum(at, 1),
                    counts)


def _dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype(str).astype(object)


def encounters(n: int, seed: int = 20261124) -> pa.Table:
    """``n`` rows of an encounter-level canonical extract (grain: encounter): about n/8
    patients with 1-30 encounters each (geometric, mean ~8) over 2019-01-01..2026-10-31
    (never before birth), rows in date order across patients (each patient's in order,
    patients interleaved), 0.3 % of encounter dates blank. Each patient has a home site (95 %
    of the encounters), a birth date 0-21 years before 2026-11-01 (0.5 % unparseable or
    future) and values drawn from table()'s mixes, the same on every encounter until a
    re-collection at a later one (race and ethnicity with their respondent: 30 % of the
    patients, 60 % of those first recorded as absent; language: 15 %, 60 %), which mostly
    answers an absent value, sometimes changes an answer and, for patients aged 12 or more,
    mostly has the patient answer. race_collected_date and lang_collected_date hold the date
    of the encounter where the value in use was collected (a first value collected before the
    first encounter for a quarter of the patients; 2 % blank; language confirmed, and its date
    updated, at every encounter for 15 % of the patients). 0.5 % of the rows have a blank
    race_codes (a registration glitch)."""
    rng = np.random.default_rng(seed)
    # encounters per patient, the last patient cut so that the rows are exactly n
    draw = np.minimum(rng.geometric(1 / 8, n // 4 + 64), 30)
    upto = np.cumsum(draw)
    m = int(np.searchsorted(upto, n)) + 1
    counts = draw[:m].copy()
    counts[-1] -= upto[m - 1] - n
    patient = np.repeat(np.arange(m), counts)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    nth = np.arange(n) - starts[patient]  # the encounter's place in its patient's history

    born = AS_OF - rng.integers(1, 22 * 365, m).astype("timedelta64[D]")
    lo = np.minimum(np.maximum(born, FIRST_DAY), LAST_DAY).astype(np.int64)
    span = LAST_DAY.astype(np.int64) - lo + 1
    when = lo[patient] + (rng.random(n) * span[patient]).astype(np.int64)
    # each patient's dates in order, so that the nth encounter is the nth date
    when = when[np.lexsort((when, patient))]
    first_day = when[starts]

    def at(changes: np.ndarray) -> np.ndarray:
        """Date of each patient's re-collection encounter (its last one when none)."""
        return when[starts + np.minimum(changes, counts - 1)]

    def collected(changes: np.ndarray, confirm: float) -> np.ndarray:
        """Per row: the date the value in use was collected."""
        before = rng.random(m) < 0.25  # collected at an earlier visit, before the extract
        earlier = born.astype(np.int64) + (rng.random(m) * (first_day - born.astype(np.int64))
                                           ).astype(np.int64)
        first = np.where(before, earlier, first_day)
        out = np.where(nth < changes[patient], first[patient], at(changes)[patient])
        every = (rng.random(m) < confirm)[patient]
        out = np.where(every, when, out)
        text = _dates(out)
        text[(rng.random(m) < 0.02)[patient] & (nth < changes[patient])] = ""
        return text

    # race and ethnicity: first values, one re-collection
    race0 = _choice(rng, RACE, m)
    eth0 = _choice(rng, ETHNICITY, m)
    resp0 = _choice(rng, RESPONDENT, m)
    absent0 = np.isin(race0, ABSENT) | np.isin(eth0, ABSENT)
    race_change = _change_points(rng, counts, np.where(absent0, 0.6, 0.3))
    race1 = _recollected(rng, race0, _choice(rng, _answers(RACE), m), keep=0.8)
    eth1 = _recollected(rng, eth0, _choice(rng, _answers(ETHNICITY), m), keep=0.9)
    age_then = (at(race_change) - born.astype(np.int64)) // 365
    resp1 = np.where((age_then >= 12) & (rng.random(m) < 0.6), "self",
                     _choice(rng, RESPONDENT, m)).astype(object)
    later = nth >= race_change[patient]
    race = np.where(later, race1[patient], race0[patient]).astype(object)
    race[rng.random(n) < 0.005] = ""

    # language: first value, one re-collection
    lang0 = _languages(rng, m)
    lang_change = _change_points(rng, counts, np.where(np.isin(lang0, ABSENT), 0.6, 0.15))
    lang1 = _recollected(rng, lang0, _languages(rng, m), keep=0.9)
    lang1[np.isin(lang1, ABSENT) & ~np.isin(lang0, ABSENT)] = "en"

    births = _dates(born)
    bad = rng.random(m) < 0.005
    births[bad] = _choice(rng, {"": 2.0, "00/00/0000": 1.0, "2031-01-01": 1.0}, int(bad.sum()))
    home = rng.integers(0, len(SITES), m)[patient]
    away = rng.random(n) < 0.05
    site = np.where(away, rng.integers(0, len(SITES), n), home)
    encounter_date = _dates(when)
    columns = {
        "patient_id": np.char.add("P", (np.arange(1, m + 1)).astype(str)).astype(object)[patient],
        "site_id": np.array(SITES, dtype=object)[site],
        "encounter_date": encounter_date,
        "birth_date": births[patient],
        "race_codes": race,
        "ethnicity_code": np.where(later, eth1[patient], eth0[patient]),
        "race_respondent": np.where(later, resp1[patient], resp0[patient]),
        "race_collected_date": collected(race_change, 0.0),
        "lang_spoken_pref": np.where(nth >= lang_change[patient], lang1[patient],
                                     lang0[patient]),
        "lang_collected_date": collected(lang_change, 0.15),
    }
    # the extract's order: by encounter date across patients (ties at random), then ids
    order = np.lexsort((rng.random(n), when))
    columns = {k: np.asarray(v, dtype=object)[order] for k, v in columns.items()}
    columns["encounter_id"] = np.char.add("E", np.arange(1, n + 1).astype(str)).astype(object)
    columns["encounter_date"][rng.random(n) < 0.003] = ""
    return pa.table({k: pa.array(columns[k], type=pa.string()) for k in ENCOUNTER_COLUMNS})


def generate(n: int, fmt: str, out: Path, grain: str = "patient") -> Path:
    """Write (once) and return the ``fmt`` file (parquet or csv) of ``n`` rows in ``out``:
    table() (``canonical_{n}``) or, for ``grain="encounter"``, encounters()
    (``encounters_{n}``; validate it with benchmarks/encounter_profile.yaml)."""
    if grain not in ("patient", "encounter"):
        raise ValueError(f"unknown grain {grain!r}")
    out.mkdir(parents=True, exist_ok=True)
    stem = "canonical" if grain == "patient" else "encounters"
    path = out / f"{stem}_{n}.{fmt}"
    if path.exists():
        return path
    t = table(n) if grain == "patient" else encounters(n)
    tmp = path.with_suffix(path.suffix + ".tmp")
    if fmt == "parquet":
        pq.write_table(t, tmp)
    elif fmt == "csv":
        pc.write_csv(t, tmp)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    tmp.rename(path)
    return path
