"""Draft a profile from a file: guess which columns hold which canonical fields from header names
and value frequencies, propose crosswalk rows for values that are not standard codes, and mark
every guess for the steward to confirm.

Only aggregates are used: per column, the share of values that parse as CDCREC codes, BCP 47
tags, dates, HL7 letters or known category names. Values are printed only when they look like
codes or category strings shared by several rows (validator.summary.listable); the names of
columns that are not mapped are never printed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from validator import cdcrec, crosswalk, io, languages, tokens
from validator.engine.rules._codes import HISPANIC_TEXT
from validator.fields import FIELDS
from validator.summary import listable

SAMPLE_ROWS = 50_000
MIN_SCORE = 0.5

#: Header words that point at a canonical field (compared after lower-casing and dropping
#: everything but letters and digits).
HEADER_HINTS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patientid", "mrn", "subjectid", "personid", "desynpufid", "seqn", "ptid",
                   "medicalrecordnumber", "id"),
    "site_id": ("siteid", "site", "facility", "facilityid", "hospital", "caresiteid", "clinic"),
    "birth_date": ("birthdate", "dob", "dateofbirth", "birthdt", "benebirthdt", "birthdatetime"),
    "race_codes": ("racecodes", "race", "racecd", "racecode", "benerace", "beneracecd",
                   "raceconceptid", "racesourcevalue", "ptrace", "racedesc", "raceethnicity",
                   "ridreth3", "ridreth1", "raceandethnicitycombined"),
    "ethnicity_code": ("ethnicitycode", "ethnicity", "ethnicgroup", "ethnic", "hispanic",
                       "ethnicityconceptid", "ethnicitysourcevalue", "hispanicorigin"),
    "lang_spoken_pref": ("langspokenpref", "language", "lang", "preferredlanguage",
                         "primarylanguage", "spokenlanguage"),
    "lang_written_pref": ("langwrittenpref", "writtenlanguage"),
    "interpreter_needed": ("interpreterneeded", "interpreter", "needinterpreter"),
    "sex_admin": ("sexadmin", "sex", "gender", "administrativesex", "genderconceptid",
                  "gendersourcevalue", "benesexidentcd", "riagendr"),
    "race_source": ("racesource",),
}
_LETTERS = {"H", "N", "U"}
_YES_NO = {"YES", "NO", "Y", "N", "TRUE", "FALSE"}


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class ColumnStats:
    """Aggregates of one column: never the values themselves except listable ones."""

    name: str
    rows: int
    counts: Counter[str] = field(default_factory=Counter)

    def share(self, predicate: Callable[[str], bool]) -> float:
        """Share of non-blank rows whose value satisfies ``predicate``."""
        total = sum(n for v, n in self.counts.items() if v.strip())
        if not total:
            return 0.0
        hit = sum(n for v, n in self.counts.items() if v.strip() and predicate(v))
        return hit / total


def _items(value: str) -> list[str]:
    return [i.strip() for i in re.split(r"[|;]", value) if i.strip()]


def _all(pred: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda v: all(pred(i) or tokens.key(i) in tokens.lexicon() for i in _items(v))


#: Shipped crosswalks whose source values are words (category names), used to score columns.
#: Numeric code lists (CMS, NHANES, OMOP, PCORnet) would make any 0/1/2 flag look like race;
#: they are still used to propose crosswalk rows once a column is mapped.
NAME_CROSSWALKS = ("race_ethnicity_names_en", "synthea", "mimic_race_ethnicity",
                   "cdc_case_surveillance")


def _word(item: str) -> bool:
    return len(item) > 1 and not item.isdigit()


def _named(target: str) -> Callable[[str], bool]:
    def test(item: str) -> bool:
        return _word(item) and any(crosswalk.load(n).lookup(target, item)
                                   for n in NAME_CROSSWALKS if n in crosswalk.shipped())
    return test


def _letters_only(stats: ColumnStats) -> float:
    values = {tokens.key(v) for v in stats.counts if v.strip()}
    return stats.share(lambda v: True) if values and values <= _LETTERS else 0.0


SCORERS: dict[str, Callable[[ColumnStats], float]] = {
    "race_codes": lambda st: st.share(_all(lambda i: cdcrec.tree(i) == "race"
                                           or _named("race_codes")(i))),
    "ethnicity_code": lambda st: max(
        st.share(_all(lambda i: cdcrec.tree(i) == "ethnicity" or _named("ethnicity_code")(i))),
        _letters_only(st)),
    "lang_spoken_pref": lambda st: st.share(_all(
        lambda i: _word(i) and tokens.key(i) not in _YES_NO
        and languages.standardize(i) is not None and len(i) <= 8)),
}


@dataclass
class Guess:
    """A proposed mapping of one column to one canonical field."""

    field: str
    column: str
    evidence: list[str]
    system: str | None = None
    crosswalk_rows: list[tuple[str, str, int]] = field(default_factory=list)


def _stats(table: pa.Table) -> dict[str, ColumnStats]:
    out = {}
    for name in table.column_names:
        values = table[name].to_pylist()
        out[name] = ColumnStats(name, len(values), Counter(v or "" for v in values))
    return out


def _header_guess(column: str) -> str | None:
    key = _squash(column)
    if key in ("sex", "gender"):  # in extracts this is administrative sex, not USCDI Sex
        return "sex_admin"
    if key in FIELDS:
        return key
    for name, hints in HEADER_HINTS.items():
        if key in hints or _squash(name) == key:
            return name
    return None


def _value_guess(stats: ColumnStats) -> tuple[str, float] | None:
    best = max(((f, score(stats)) for f, score in SCORERS.items()), key=lambda x: x[1])
    return best if best[1] >= MIN_SCORE else None


def _proposals(g: Guess, stats: ColumnStats) -> None:
    check = crosswalk.code_check(g.field)
    if check is None:
        return
    for value, n in stats.counts.most_common():
        if not value.strip() or not listable(value, n) or tokens.key(value) in tokens.lexicon():
            continue
        items = _items(value)
        is_language = FIELDS[g.field].system == "bcp47"
        if items and all(check(i) or (is_language and languages.standardize(i))
                         for i in items):
            continue
        target = "???"
        # Numbers and letters mean different things in different feeds (CMS sex 1 = male,
        # NHANES race 3 = White, CMS race 3 = Other): only words are looked up.
        for name in crosswalk.shipped() if _word(value) and len(value) > 2 else ():
            found = crosswalk.load(name).lookup(g.field, value)
            if found:
                target = "|".join(found)
                break
        if target == "???" and FIELDS[g.field].system == "bcp47":
            target = _language_by_name(value) or target
        g.crosswalk_rows.append((value, target, n))


def _language_by_name(value: str) -> str | None:
    import langcodes

    try:
        return str(langcodes.find(value))
    except LookupError:
        return None


def _head(info: io.SourceInfo, rows: int) -> pa.Table:
    """The first ``rows`` rows of every column: only as many batches as that takes."""
    batches: list[pa.RecordBatch] = []
    stream = io.iter_columns(info, list(info.columns))
    for batch in stream:
        batches.append(batch)
        if sum(b.num_rows for b in batches) >= rows:
            break
    stream.close()
    schema = pa.schema([(name, pa.large_string()) for name in info.columns])
    return pa.Table.from_batches(batches, schema=schema).slice(0, rows)


def draft(path: str | Path, *, sample: int = SAMPLE_ROWS) -> tuple[list[Guess], int]:
    """Guesses for the columns of ``path`` and the number of columns left unmapped."""
    info = io.inspect_source(path)
    table = _head(info, sample)
    stats = _stats(table)
    guesses: dict[str, Guess] = {}
    headers = {c: _header_guess(c) for c in info.columns}
    for column, field_name in headers.items():  # header names first: they are explicit
        if field_name is not None and field_name not in guesses:
            _take(guesses, field_name, column, [f"header {column!r} suggests {field_name}"],
                  stats[column])
    taken = {g.column for g in guesses.values()}
    for column in info.columns:  # then values, for columns no header pointed at
        by_value = None if column in taken else _value_guess(stats[column])
        if by_value is not None and by_value[0] not in guesses:
            _take(guesses, by_value[0], column,
                  [f"{by_value[1]:.0%} of values fit {by_value[0]}"], stats[column])
    _combined(guesses, stats)
    unmapped = len(info.columns) - len({g.column for g in guesses.values()})
    return list(guesses.values()), unmapped


def _take(guesses: dict[str, Guess], field_name: str, column: str, evidence: list[str],
          stats: ColumnStats) -> None:
    g = Guess(field_name, column, evidence, FIELDS[field_name].system)
    _proposals(g, stats)
    guesses[field_name] = g


def _combined(guesses: dict[str, Guess], stats: dict[str, ColumnStats]) -> None:
    """A race column whose values name Hispanic origin also feeds ethnicity (split by a
    crosswalk), unless another column already holds ethnicity."""
    race = guesses.get("race_codes")
    if race is None or "ethnicity_code" in guesses:
        return
    hispanic = [v for v, n in stats[race.column].counts.items()
                if listable(v, n) and HISPANIC_TEXT.search(v)]
    if not hispanic:
        return
    g = Guess("ethnicity_code", race.column,
              [f"values of {race.column!r} name Hispanic origin: a combined race/ethnicity "
               "column, split by the crosswalk"], FIELDS["ethnicity_code"].system)
    _proposals(g, stats[race.column])
    guesses["ethnicity_code"] = g


def crosswalk_csv(guesses: Sequence[Guess]) -> str:
    """The proposed crosswalk rows as a CSV file (every row marked GUESS in its note)."""
    rows = ["source_system,source_value,target_field,target_code,tree,note"]
    rows += [f"draft,{_csv(value)},{g.field},{target},,GUESS {n} rows"
             for g in guesses for value, target, n in g.crosswalk_rows]
    return "\n".join(rows) + "\n"


def render(guesses: Sequence[Guess], unmapped: int) -> str:
    """The draft profile as YAML text with a GUESS comment on every mapping."""
    lines = [
        "# Draft profile written by `real-validator profile draft`.",
        "# Every mapping below is a GUESS from header names and value frequencies: confirm or",
        "# fix each one, then delete the GUESS comments. See docs/profile.md.",
        f"# {unmapped} column(s) were not mapped and are never read.",
        "version: 1",
        "name: draft",
        "standard: omb1997",
        "grain: patient   # GUESS: use encounter if a patient can have several rows",
        "fields:",
    ]
    xw_rows: list[str] = []
    for g in guesses:
        lines.append(f"  # GUESS: {'; '.join(g.evidence) or 'no evidence'}")
        extra = ""
        if g.crosswalk_rows:
            extra = ", crosswalk: draft_crosswalk.csv"
            for value, target, n in g.crosswalk_rows:
                xw_rows.append(f"#   draft,{_csv(value)},{g.field},{target},,GUESS {n} rows")
        system = f", system: {g.system}" if g.system and g.system != "project" else ""
        lines.append(f"  {g.field}: {{column: {_yaml(g.column)}{system}{extra}}}")
    if xw_rows:
        lines += [
            "# Proposed crosswalk rows (save as draft_crosswalk.csv without the leading '# ';",
            "# replace ??? with a code or an absent-reason token such as @unknown):",
            "#   source_system,source_value,target_field,target_code,tree,note",
            *xw_rows,
        ]
    return "\n".join(lines) + "\n"


def _yaml(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_.-]+", text) else repr(text)


def _csv(text: str) -> str:
    return f'"{text}"' if any(c in text for c in ',"') else text
