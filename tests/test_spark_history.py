"""Oracle for `--engine spark` on dated encounter-level input (docs/spark.md, step 7).

The history rules (R-104 TIME.RECOLLECT_AFTER_AGE_TRANSITION, R-105 TIME.UNKNOWN_NOT_REASKED,
R-106 TIME.STALENESS) and RACE.STABLE_OVER_TIME follow each patient's encounters by date, rows
on one date in input order. Whatever the Spark engine does with such input (take every row to
the driver, or compute the history in Spark and hand over grouped rows), its report must equal
the embedded engine's, field for field but for ``dataset.engine`` and the run's clock.

A seeded generator writes an encounter extract (~2,500 rows, ~400 patients, four sites) with
many encounters on the same date, blank/unparseable/null-flavor dates, ids with spaces or
blank, ages crossing self_report_min_age and adult_age, unknown / not-asked / declined / blank
values, proxy respondents, collection dates that change, are blank or lie after the extract
date, and on purpose: rows A, B, A on one date, identical rows on consecutive dates, a single
encounter, patients with no dated encounter. Four profiles (with encounter_date, without it,
with the history parameters changed, with an as_of_date column), whole input and by site, CSV
and typed Parquet: Spark equals pandas. The pandas report is checked not to be vacuous.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import require_spark

require_spark()

from validator.api import validate  # noqa: E402
from validator.results import Report, Status  # noqa: E402

AS_OF = "2026-11-01"
SEED = 20261101
SITES = ("S1", "S2", "S3", "S4")
HISTORY = ("TIME.UNKNOWN_NOT_REASKED", "TIME.RECOLLECT_AFTER_AGE_TRANSITION", "TIME.STALENESS",
           "RACE.STABLE_OVER_TIME")
COLUMNS = ("patient_id", "site_id", "encounter_date", "birth_date", "race_codes",
           "ethnicity_code", "lang_spoken_pref", "sexual_orientation", "race_respondent",
           "lang_respondent", "race_collected_date", "lang_collected_date", "as_of_date")

# raw values by the state the normalizer gives them (checked by test_generator_covers_states)
RACES = ("2106-3", "2054-5", "2028-9", "2076-8", "1002-5", "2106-3|2054-5", "2131-1")
ETHNICITIES = ("2186-5", "2135-2")
LANGUAGES = ("en", "es", "vi", "so", "zh", "ar")
ORIENTATIONS = ("20430005", "38628009", "42035005")
UNKNOWN = ("UNK", "UNKNOWN", "NI")
NOT_ASKED = ("NASK", "NOT ASKED")
DECLINED = ("ASKED-DECLINED", "REFUSED", "PATIENT DECLINED", "CHOOSE NOT TO DISCLOSE")
OTHER_ABSENT = ("ASKU",)  # asked but unknown (asku_means: asked_unknown): an answer for R-105
PROXY = ("parent", "guardian", "mother", "Parent/Guardian", "authorized representative",
         "poa", "caregiver")
SELF = ("self", "patient", "Self reported")
BAD_DATES = ("2024-13-45", "UNK", "2023-02-30", "n/a")


def _date_pool(rng: random.Random) -> list[dt.date]:
    """A small pool of encounter dates (so patients share dates and repeat them), with a few
    consecutive pairs and one date after the extract date."""
    start = dt.date(2017, 3, 1).toordinal()
    end = dt.date(2026, 10, 25).toordinal()
    pool = {dt.date.fromordinal(rng.randrange(start, end)) for _ in range(30)}
    for d in list(pool)[:5]:
        pool.add(d + dt.timedelta(days=1))
    pool.add(dt.date(2026, 12, 3))
    return sorted(pool)


def _iso(d: dt.date | None) -> str:
    return "" if d is None else d.isoformat()


def _absent(rng: random.Random, kinds: str) -> str:
    """One absent value of a kind: u(nknown), n(ot asked), d(eclined), b(lank), a(sku)."""
    kind = rng.choice(kinds)
    return {"u": lambda: rng.choice(UNKNOWN), "n": lambda: rng.choice(NOT_ASKED),
            "d": lambda: rng.choice(DECLINED), "b": lambda: rng.choice(("", "", "  ")),
            "a": lambda: rng.choice(OTHER_ABSENT)}[kind]()


def _trajectory(rng: random.Random, n: int, values: tuple[str, ...]) -> list[str]:
    """A patient's values over n encounters: answered throughout, missing then answered,
    missing throughout, declined (then maybe answered), or a mix; sometimes a change."""
    value = rng.choice(values)
    later = rng.choice(values) if rng.random() < 0.1 else value
    kind = rng.choices(("answered", "late", "never", "declined", "mixed"),
                       (45, 18, 12, 12, 13))[0]
    out: list[str] = []
    cut = rng.randint(1, max(1, n - 1))
    for i in range(n):
        answer = value if i < n // 2 else later
        if kind == "answered":
            out.append(answer)
        elif kind == "late":
            out.append(_absent(rng, "uunb") if i < cut else answer)
        elif kind == "never":
            out.append(_absent(rng, "uuunnba"))
        elif kind == "declined":
            out.append(_absent(rng, "ddddb") if i < cut or rng.random() < 0.5 else answer)
        else:
            out.append(answer if rng.random() < 0.5 else _absent(rng, "udnbab"))
    return out


def _birth(rng: random.Random) -> dt.date:
    """Ages around 0, 11-13 and 17-19 at the extract date (the ages also cross 11/12 and 18 at
    the encounter dates), and a spread of others."""
    group = rng.choices(("infant", "pre_teen", "adult_edge", "other"), (12, 38, 32, 18))[0]
    lo, hi = {"infant": (dt.date(2024, 9, 1), dt.date(2026, 10, 1)),
              "pre_teen": (dt.date(2012, 11, 2), dt.date(2015, 11, 1)),
              "adult_edge": (dt.date(2006, 11, 2), dt.date(2009, 11, 1)),
              "other": (dt.date(1990, 1, 1), dt.date(2022, 1, 1))}[group]
    return dt.date.fromordinal(rng.randint(lo.toordinal(), hi.toordinal()))


def _collection(rng: random.Random, kind: str, dates: list[dt.date]) -> list[tuple[str, str]]:
    """(respondent, collected date) per encounter: first by a proxy (mostly), dated before
    the first encounter, blank, unparseable or after the extract date; maybe re-collected
    from the patient at a later encounter; now and then a stray row."""
    n = len(dates)
    first_resp = rng.choice(PROXY) if rng.random() < 0.7 else rng.choice((*SELF, "staff", ""))
    roll = rng.random()
    when: dt.date | str | None = dates[0] - dt.timedelta(days=rng.randint(0, 400))
    if roll < 0.06:
        when = None
    elif roll < 0.09:
        when = dt.date(2027, 1, 15)  # after the extract date
    elif roll < 0.11:
        when = rng.choice(BAD_DATES)
    elif kind == "lang" and roll < 0.2:
        when = dates[-1]
    redo = rng.randrange(n) if rng.random() < 0.35 else None
    out = []
    for i in range(n):
        if redo is not None and i >= redo:
            resp, at = rng.choice(SELF), dates[redo]
        else:
            resp, at = first_resp, when
        text = at if isinstance(at, str) else _iso(at)
        if rng.random() < 0.03:  # a stray row
            resp, text = rng.choice(("", *PROXY)), rng.choice(("", _iso(dates[i])))
        out.append((resp, text))
    return out


def _patient_rows(rng: random.Random, pid: str, pool: list[dt.date]) -> list[dict[str, str]]:
    n = min(16, max(1, int(rng.expovariate(1 / 7)) + 1))
    born = _birth(rng)
    window = rng.randint(3, 10)
    first = rng.randrange(0, len(pool) - window + 1)
    dates = sorted(rng.choice(pool[first:first + window]) for _ in range(n))
    dates = [d for d in dates if d >= born] or [max(pool[-2], born)]
    n = len(dates)
    home = rng.choice(SITES)
    other = rng.choice([s for s in SITES if s != home]) if rng.random() < 0.15 else None
    race = _trajectory(rng, n, RACES)
    eth = _trajectory(rng, n, ETHNICITIES)
    lang = _trajectory(rng, n, LANGUAGES)
    orient = _trajectory(rng, n, ORIENTATIONS)
    race_coll = _collection(rng, "race", dates)
    lang_coll = _collection(rng, "lang", dates)
    as_of_site = {s: rng.choice(("2026-11-01", "2026-11-01", "2026-10-15", "2026-06-30"))
                  for s in SITES}
    rows = []
    for i, d in enumerate(dates):
        site = other if other and rng.random() < 0.35 else home
        enc = _iso(d)
        r = rng.random()
        if r < 0.03:
            enc = ""
        elif r < 0.05:
            enc = rng.choice(BAD_DATES)
        birth = _iso(born)
        if rng.random() < 0.01:
            birth = _iso(born + dt.timedelta(days=rng.choice((-365, 31, 366))))
        rows.append({
            "patient_id": pid, "site_id": site, "encounter_date": enc, "birth_date": birth,
            "race_codes": race[i], "ethnicity_code": eth[i], "lang_spoken_pref": lang[i],
            "sexual_orientation": orient[i] if born.year < 2014 else "",
            "race_respondent": race_coll[i][0], "lang_respondent": lang_coll[i][0],
            "race_collected_date": race_coll[i][1], "lang_collected_date": lang_coll[i][1],
            "as_of_date": "" if rng.random() < 0.05 else as_of_site[site],
        })
    return rows


def _edge_rows(pool: list[dt.date]) -> list[list[dict[str, str]]]:
    """Blocks of rows in input order (each block's rows keep their order in the file)."""
    base = {"site_id": "S1", "birth_date": "2012-03-04", "race_codes": "2106-3",
            "ethnicity_code": "2186-5", "lang_spoken_pref": "es", "sexual_orientation": "",
            "race_respondent": "parent", "lang_respondent": "mother",
            "race_collected_date": "2018-05-01", "lang_collected_date": "2018-05-01",
            "as_of_date": "2026-11-01"}

    def row(pid: str, date: str, **kw: str) -> dict[str, str]:
        return {**base, "patient_id": pid, "encounter_date": date, **kw}

    b = {"race_codes": "UNK", "lang_spoken_pref": "NASK", "race_respondent": "self",
         "lang_respondent": "self", "race_collected_date": "2025-01-10",
         "lang_collected_date": "2025-01-10"}
    return [
        # A, B, A on one date after an earlier one: the latest row is A (input order)
        [row("EDGE-ABA", "2019-02-01"), row("EDGE-ABA", "2025-01-10"),
         row("EDGE-ABA", "2025-01-10", **b), row("EDGE-ABA", "2025-01-10")],
        # B, A, B on one date: the latest row is B
        [row("EDGE-BAB", "2025-01-10", **b), row("EDGE-BAB", "2025-01-10"),
         row("EDGE-BAB", "2025-01-10", **b)],
        # unknown at A then A again on the next dates: the same rows on consecutive dates
        [row("EDGE-CONSEC", "2024-05-01", race_codes="UNK", lang_spoken_pref="ASKED-DECLINED"),
         row("EDGE-CONSEC", "2024-05-02", race_codes="UNK", lang_spoken_pref="ASKED-DECLINED"),
         row("EDGE-CONSEC", "2024-05-03", race_codes="UNK", lang_spoken_pref="ASKED-DECLINED")],
        [row("EDGE-SINGLE", _iso(pool[-3]), race_codes="NASK")],
        [row("EDGE-UNDATED", ""), row("EDGE-UNDATED", "2024-13-45", race_codes="UNK"),
         row("EDGE-UNDATED", "UNK", race_codes="UNK")],
        [row("EDGE-UNDATED2", "", site_id="S2"), row("EDGE-UNDATED2", "", site_id="S2")],
        # an id with spaces around it and the same id without: one patient
        [row(" EDGE-SPACE", "2023-03-03", race_codes="UNK"),
         row("EDGE-SPACE ", "2024-03-03", race_codes="UNK"),
         row("EDGE-SPACE", "2024-03-03", race_codes="2054-5")],
        # a patient at two sites on one date, declined then declined a year later
        [row("EDGE-2SITES", "2023-01-01", site_id="S3", race_codes="REFUSED"),
         row("EDGE-2SITES", "2023-01-01", site_id="S4", race_codes="REFUSED"),
         row("EDGE-2SITES", "2024-06-01", site_id="S3", race_codes="REFUSED")],
    ]


def generate(path: Path, seed: int = SEED) -> list[dict[str, str]]:
    """Write the extract as CSV; return its rows."""
    rng = random.Random(seed)
    pool = _date_pool(rng)
    rows: list[dict[str, str]] = []
    for i in range(400):
        rows.extend(_patient_rows(rng, f"P{i:04d}", pool))
    rng.shuffle(rows)
    # the ids as recorded: a few with spaces around them, a few blank
    for r in rows:
        x = rng.random()
        if x < 0.01:
            r["patient_id"] = ""
        elif x < 0.03:
            r["patient_id"] = rng.choice((f" {r['patient_id']}", f"{r['patient_id']}  "))
    for block in _edge_rows(pool):
        at = sorted(rng.randrange(len(rows) + 1) for _ in block)
        for offset, (pos, r) in enumerate(zip(at, block, strict=True)):
            rows.insert(pos + offset, r)
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return rows


def _profile(name: str, *, encounter_date: bool = True, params: bool = False,
             as_of_column: bool = False) -> dict[str, Any]:
    fields = {c: c for c in COLUMNS if c != "as_of_date"}
    if not encounter_date:
        del fields["encounter_date"]
    if as_of_column:
        fields["as_of_date"] = "as_of_date"
    prof: dict[str, Any] = {"version": 1, "name": name, "grain": "encounter",
                            "stratum": None, "fields": fields}
    if params:
        prof["params"] = {
            "TIME.UNKNOWN_NOT_REASKED": {"min_later_encounters": 2,
                                         "reask_declined_after_days": 30},
            "TIME.RECOLLECT_AFTER_AGE_TRANSITION": {"min_encounters_since": 2}}
        prof["ages"] = {"self_report_min_age": 12}
    return prof


PROFILES = {
    "a_dated": _profile("a_dated"),
    "b_no_encounter_date": _profile("b_no_encounter_date", encounter_date=False),
    "c_params": _profile("c_params", params=True),
    "d_as_of_column": _profile("d_as_of_column", as_of_column=True),
}


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CSV extract, its profiles (YAML) and the typed Parquet copy."""
    import yaml

    root = tmp_path_factory.mktemp("history")
    out = {"csv": root / "encounters.csv"}
    rows = generate(out["csv"])
    for name, prof in PROFILES.items():
        out[name] = root / f"{name}.yaml"
        out[name].write_text(yaml.safe_dump(prof, sort_keys=False))
    out["parquet"] = root / "encounters.parquet"
    _write_parquet(rows, out["parquet"])
    return out


def _parsed(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _write_parquet(rows: list[dict[str, str]], path: Path) -> None:
    """The same rows with typed columns: encounter_date and race_collected_date as date32,
    birth_date as a timestamp (their unparseable values become nulls, as undated as before),
    lang_collected_date kept as text (its unparseable values stay), site_id
    dictionary-encoded, the rest as text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def col(name: str) -> list[str]:
        return [r[name] for r in rows]

    def dates(name: str) -> list[dt.date | None]:
        return [_parsed(v) for v in col(name)]

    typed = {
        "site_id": pa.array(col("site_id")).dictionary_encode(),
        "encounter_date": pa.array(dates("encounter_date"), pa.date32()),
        "birth_date": pa.array([None if d is None else dt.datetime(d.year, d.month, d.day)
                                for d in dates("birth_date")], pa.timestamp("us")),
        "race_collected_date": pa.array(dates("race_collected_date"), pa.date32()),
    }
    pq.write_table(pa.table({c: typed.get(c, pa.array(col(c), pa.string()))
                             for c in COLUMNS if c != "as_of_date"}), path)


def _comparable(report: Report) -> dict[str, Any]:
    out = json.loads(json.dumps(report.to_dict(), default=str))
    out["run"].pop("started_at")
    out["dataset"].pop("engine", None)
    return out


_RUNS: dict[tuple[str, str, str | None, str], Report] = {}


def _run(extract: dict[str, Path], source: str, profile: str, strata: str | None,
         engine: str) -> Report:
    key = (source, profile, strata, engine)
    if key not in _RUNS:
        as_of = None if profile == "d_as_of_column" else AS_OF
        _RUNS[key] = validate(extract[source], extract[profile], as_of_date=as_of,
                              engine=engine, stratify_by=strata)
    return _RUNS[key]


def _history(report: Report) -> list[dict[str, Any]]:
    return [r.to_dict() for r in report.results if r.check_id in HISTORY]


@pytest.mark.parametrize("strata", [None, "site_id"], ids=["whole", "by_site"])
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_spark_report_equals_pandas_report(extract: dict[str, Path], profile: str,
                                           strata: str | None) -> None:
    pandas = _run(extract, "csv", profile, strata, "pandas")
    spark = _run(extract, "csv", profile, strata, "spark")
    assert spark.dataset["engine"] == "spark"
    # the history results first, for a readable difference, then the whole report
    assert _history(spark) == _history(pandas)
    assert _comparable(spark) == _comparable(pandas)
    assert not [r for r in spark.results if r.status is Status.ERROR]
    if strata:
        assert {r.stratum for r in pandas.results} >= {None, *SITES}


def test_typed_parquet_spark_equals_pandas(extract: dict[str, Path]) -> None:
    """Profile (a) on the typed Parquet copy, by site (the whole input's results are in the
    report too): the same report on both engines, and the same history results as the CSV
    (a null date is as undated as an unparseable one)."""
    pandas = _run(extract, "parquet", "a_dated", "site_id", "pandas")
    spark = _run(extract, "parquet", "a_dated", "site_id", "spark")
    assert spark.dataset["format"] == pandas.dataset["format"] == "parquet"
    assert _history(spark) == _history(pandas)
    assert _comparable(spark) == _comparable(pandas)
    assert not [r for r in spark.results if r.status is Status.ERROR]
    assert _history(pandas) == _history(_run(extract, "csv", "a_dated", "site_id", "pandas"))


def test_part_files_are_followed_in_name_order(extract: dict[str, Path],
                                                tmp_path: Path) -> None:
    """A directory of Parquet part files is one input in part-name order (the embedded
    reader's); Spark packs the largest part first, so a row's place is its file, then its
    position there. The parts here cut the extract where a patient has rows on one date in
    two parts, the last part the largest: both engines give the same history results."""
    import pyarrow.parquet as pq

    table = pq.read_table(extract["parquet"])
    n = table.num_rows
    cuts = [0, n // 10, n // 4, n]  # parts of 10 %, 15 % and 75 % of the rows
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, (lo, hi) in enumerate(itertools.pairwise(cuts)):
        pq.write_table(table.slice(lo, hi - lo), parts / f"part-{i:05d}.parquet")
    split = [(r["patient_id"], r["encounter_date"]) for r in table.to_pylist()]
    tied = {k for k in split[:cuts[1]] if k[1] is not None} & set(split[cuts[1]:])
    assert tied  # a patient's same-date rows in two parts
    pandas = validate(parts, extract["a_dated"], as_of_date=AS_OF, stratify_by="site_id")
    spark = validate(parts, extract["a_dated"], as_of_date=AS_OF, stratify_by="site_id",
                     engine="spark")
    assert _history(spark) == _history(pandas)
    assert _comparable(spark) == _comparable(pandas)
    assert _history(pandas) == _history(_run(extract, "parquet", "a_dated", "site_id",
                                             "pandas"))


def _whole(report: Report, check_id: str) -> dict[str | None, Any]:
    return {r.field: r for r in report.results if r.check_id == check_id and r.stratum is None}


def test_profile_a_is_not_vacuous(extract: dict[str, Path]) -> None:
    """The pandas report of profile (a) exercises every branch the oracle is meant to hold."""
    report = _run(extract, "csv", "a_dated", None, "pandas")
    reask = _whole(report, "TIME.UNKNOWN_NOT_REASKED")
    recollect = _whole(report, "TIME.RECOLLECT_AFTER_AGE_TRANSITION")
    stale = _whole(report, "TIME.STALENESS")
    stable = _whole(report, "RACE.STABLE_OVER_TIME")
    assert set(reask) >= {"race_codes", "ethnicity_code", "lang_spoken_pref",
                          "sexual_orientation"}
    assert set(recollect) >= {"race_respondent", "lang_respondent"}
    assert set(stale) >= {"race_collected_date", "lang_collected_date"}
    for found in (reask, recollect, stale, stable):
        for r in found.values():
            assert r.denominator and r.denominator > 0, r
    for found in (reask, recollect, stable):
        assert all(r.numerator and r.numerator > 0 for r in found.values()), found

    def total(found: dict[str | None, Any], key: str) -> int:
        return sum(int(r.details.get(key, 0)) for r in found.values())

    for key in ("unknown_not_reasked", "not_asked_not_reasked", "declined_not_reasked",
                "declined_within_reask_window", "rows_without_date"):
        assert total(reask, key) > 0, key
    for key in ("due_self_report_min_age", "due_adult_age", "not_recollected_self_report_min_age",
                "not_recollected_adult_age", "due_without_encounter_since",
                "rows_without_encounter_date"):
        assert total(recollect, key) > 0, key
    for key in ("undated", "collected_after_extract_date", "older_than_stale_days"):
        assert total(stale, key) > 0, key


def test_profile_b_orders_by_collected_date_and_c_d_differ(extract: dict[str, Path]) -> None:
    """(b) R-104 NOT_APPLICABLE, R-105 ordered by the collected date (ethnicity has none:
    NOT_APPLICABLE); (c) the parameters change the counts; (d) the as_of column is used."""
    b = _run(extract, "csv", "b_no_encounter_date", None, "pandas")
    assert {r.status for r in _whole(b, "TIME.RECOLLECT_AFTER_AGE_TRANSITION").values()} == {
        Status.NOT_APPLICABLE}
    reask_b = _whole(b, "TIME.UNKNOWN_NOT_REASKED")
    assert reask_b["ethnicity_code"].status is Status.NOT_APPLICABLE
    assert reask_b["race_codes"].denominator and reask_b["lang_spoken_pref"].denominator
    a = _run(extract, "csv", "a_dated", None, "pandas")
    c = _run(extract, "csv", "c_params", None, "pandas")
    for check in ("TIME.UNKNOWN_NOT_REASKED", "TIME.RECOLLECT_AFTER_AGE_TRANSITION"):
        counts = {engine: {f: (r.numerator, r.denominator) for f, r in _whole(rep, check).items()}
                  for engine, rep in (("a", a), ("c", c))}
        assert counts["a"] != counts["c"], check
    d = _run(extract, "csv", "d_as_of_column", None, "pandas")
    assert str(d.run["as_of_source"]).startswith("column"), d.run


def test_generator_covers_states(extract: dict[str, Path]) -> None:
    """Each normalized state the history rules tell apart occurs in each value field, the
    respondents normalize to self and to both proxies, and the dates hold every state."""
    import pandas as pd

    from validator.normalize import normalize
    from validator.profile import from_dict

    frame = pd.read_csv(extract["csv"], dtype=str, keep_default_na=False)
    normalized = normalize(frame, from_dict(PROFILES["d_as_of_column"]))
    for name in ("race_codes", "ethnicity_code", "lang_spoken_pref", "sexual_orientation"):
        states = normalized.fields[name].state_counts()
        assert {s for s, n in states.items() if n} >= {
            "informative", "unknown", "not_asked", "declined", "asked_unknown", "blank"}, (
            name, states)
    for name in ("race_respondent", "lang_respondent"):
        nf = normalized.fields[name]
        values = {u.informative[0] for u in nf.uniques if u.informative}
        assert values >= {"self", "parent_guardian_family", "authorized_representative",
                          "staff"}, (name, values)
    for name in ("encounter_date", "race_collected_date", "lang_collected_date", "as_of_date"):
        states = normalized.fields[name].state_counts()
        assert states["informative"] and states["blank"], (name, states)
    for name in ("encounter_date", "race_collected_date", "lang_collected_date"):
        assert normalized.fields[name].state_counts()["unparseable"], name
