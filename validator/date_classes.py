"""Birth dates every rule treats alike, so that the Spark engine can group rows on them.

Rows grouped by their values (validator/io/spark.py ``distinct_rows``) barely shrink while a
full birth date is among the values: 8,033 distinct dates make 805,000 distinct rows out of a
million (benchmarks/generate.py's extract). But with one reference date for every row, the rules
see a birth date only through the completed years of age at that date and, for the few rules
that count days (neonatal period, newborn), the number of days before it; two dates with the
same years and, within the longest day threshold in force, the same days give the same result
in every check. Each such class is represented by one of its dates before the rows are grouped.

This holds only while no other date is mapped (a collection, encounter or screening date
measures age at that date, row by row) and the reference date is one for all rows; otherwise
:func:`classes_apply` says no and the dates are kept as they are. tests/test_weighted.py
checks that replacing every birth date by its representative leaves every report unchanged.

Encounter dates are classed too when the history rules, the only ones that read them, follow
the rows in Spark (validator/engine/spark_history.py): the driver then needs a date only as a
date or not (:func:`encounter_representatives`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import replace

import pandas as pd

from validator.ages import AGES
from validator.ages import effective as effective_ages
from validator.fields import FIELDS, Kind
from validator.normalize import Unique, normalize_field
from validator.profile import Profile, parse_date

FIELD = "birth_date"


def other_dates(prof: Profile) -> bool:
    """True when a date field other than the birth date is mapped (a collection, encounter,
    screening or reference date)."""
    return any(FIELDS[f].kind is Kind.DATE for f in prof.fields if f != FIELD)


def classes_apply(prof: Profile) -> bool:
    """True when birth dates may be replaced by their class: a birth date is mapped (not
    derived from an age) and no other date field is, so every rule measures age at the one
    reference date."""
    return FIELD in prof.fields and prof.caregivers is None and not other_dates(prof)


def longest_day_threshold(prof: Profile) -> int:
    """The largest age threshold in days in force (validator/ages.py lists every age
    threshold the rules compare a birth date with; those named ``*_days`` count days), with
    the profile's ``ages`` and per-check ``params`` overrides: below it, dates are kept to
    the day. (Other ``*_days`` parameters measure collection, encounter or screening dates,
    which are not mapped when classes apply.)"""
    names = {k for k in AGES if k.endswith("_days")}
    values = [v for k, v in effective_ages(dict(prof.ages)).items() if k in names]
    for own in prof.params.values():
        values += [v for k, v in own.items() if k in names]
    return int(max(values, default=0)) + 1


def _smallest_per_class(values: Iterable[str], prof: Profile, field: str,
                        class_of: Callable[[Unique], Hashable | None]) -> dict[str, str]:
    """For each distinct raw text of date field ``field``, the smallest text of its class
    (``class_of`` its normalized value; None: a class of its own)."""
    texts = sorted(set(values))
    nf = normalize_field(pd.Series(texts, dtype=object), prof.fields[field], prof)
    first: dict[Hashable, str] = {}
    out: dict[str, str] = {}
    for text, code in zip(texts, nf.codes, strict=True):
        key = class_of(nf.uniques[code])
        # texts are sorted: the first of a class is its smallest
        out[text] = text if key is None else first.setdefault(key, text)
    return out


def representatives(values: Iterable[str], prof: Profile, as_of: dt.date) -> dict[str, str]:
    """For each distinct raw birth-date text, the text that stands for its class: the
    smallest text of the dates with the same completed years and (within the longest day
    threshold) the same days before ``as_of``; values that are not dates stand for
    themselves."""
    limit = longest_day_threshold(prof)
    md = as_of.month * 100 + as_of.day

    def class_of(u: Unique) -> tuple[int, int | None] | None:
        if u.date is None:
            return None
        days = as_of.toordinal() - u.date.toordinal()
        years = as_of.year - u.date.year - (md < u.date.month * 100 + u.date.day)
        return years, days if days <= limit else None

    return _smallest_per_class(values, prof, FIELD, class_of)


ENCOUNTER = "encounter_date"


def encounter_representatives(values: Iterable[str], prof: Profile) -> dict[str, str]:
    """For each distinct raw encounter-date text, the text that stands for it on the driver
    when the history rules follow the encounter dates in Spark
    (validator/engine/spark_history.py): every date that reads the same but for the day (the
    same state, mapped tokens and date problem) is represented by the smallest such text; a
    value that is not a date stands for itself."""
    return _smallest_per_class(values, prof, ENCOUNTER, lambda u: None if u.date is None
                               else repr(replace(u, date=None)))


def as_of_for(prof: Profile, override: dt.date | str | None) -> dt.date:
    """The reference date the run will use when no as_of_date column is mapped (as
    validator.api does): the argument, else the profile's, else today."""
    if override is not None:
        return override if isinstance(override, dt.date) else parse_date(override,
                                                                          "as_of_date")
    return prof.as_of_date if prof.as_of_date is not None else dt.date.today()


def replace_dates(frame: pd.DataFrame, prof: Profile, as_of: dt.date) -> pd.DataFrame:
    """``frame`` with every birth date replaced by its class representative (the pandas twin
    of what the Spark engine does before grouping; for tests and benchmarks)."""
    column = prof.fields[FIELD].column
    raw = frame[column]
    mapping: Mapping[str, str] = representatives(
        (v for v in raw.dropna().astype(str).unique()), prof, as_of)
    return frame.assign(**{column: raw.map(lambda v: mapping.get(v, v) if isinstance(v, str)
                                           else v)})
