"""Crosswalks: CSV files mapping local codes or free text to standard codes, per target field.

Format (one mapping per row; UTF-8; header required)::

    source_system,source_value,target_field,target_code,tree,note
    CMS BENE_RACE_CD,5,ethnicity_code,2135-2,,Hispanic recorded as a race
    CMS BENE_RACE_CD,5,race_codes,@unknown,,race not collected for these beneficiaries
    MIMIC,WHITE,race_codes,2106-3,,
    Epic,Dominican,ethnicity_detailed,2184-0,ethnicity,display occurs in both CDCREC trees

``source_value`` is matched after trimming, collapsing spaces and ignoring case. ``target_code``
is a code of the target field's value set, several codes joined by ``|``, or an absent-reason
token written ``@declined``. One source value may feed several target fields (a combined
race/ethnicity column is split that way) but maps at most once per target field. ``tree``
(race or ethnicity) is required when the source value is one of the displays that occur in both
CDCREC trees (R-030). Everything is validated on load; any problem is a ConfigError naming the
file, the line and the fix.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from validator import cdcrec, languages, tokens, valuesets
from validator.errors import ConfigError
from validator.fields import FIELDS, Kind

COLUMNS = ("source_system", "source_value", "target_field", "target_code", "tree", "note")
REQUIRED = ("source_value", "target_field", "target_code")
_LANGUAGE_SYSTEMS = ("bcp47",)
_PROFICIENCY = frozenset({"very_well", "well", "not_well", "not_at_all"})
_AMBIGUOUS = {tokens.key(d): codes for d, codes in cdcrec.AMBIGUOUS_DISPLAYS.items()}


def _cdcrec_code(code: str) -> bool:
    return cdcrec.is_code(code) and not cdcrec.is_abstract(code)


def code_check(field_name: str) -> Callable[[str], bool] | None:
    """A membership test for standard codes of a field, or None when it has no value set.

    CDCREC-coded fields accept any (non-abstract) CDCREC code: a crosswalk translates
    faithfully, so a local 'Hispanic' race code becomes 2135-2 in the race field, where
    RACE.NOT_ETHNICITY_CODE and RACE.VALUESET report it, instead of being repaired silently.
    """
    fdef = FIELDS[field_name]
    if fdef.system == "cdcrec":
        return _cdcrec_code
    if fdef.valueset:
        codes = valuesets.load(fdef.valueset).codes
        return codes.__contains__
    if fdef.system in _LANGUAGE_SYSTEMS:
        return lambda tag: languages.standardize(tag) == tag
    if field_name.endswith("english_proficiency"):
        return _PROFICIENCY.__contains__
    return None


@dataclass(frozen=True, eq=False)
class Crosswalk:
    """A validated crosswalk: per target field, source key -> target items."""

    name: str
    sha256: str
    source_systems: tuple[str, ...]
    mappings: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    ambiguous: tuple[tuple[str, str], ...] = ()  # (target field, display) resolved by tree

    def rows(self, fields: tuple[str, ...] | None = None) -> int:
        """Number of mappings (into ``fields``, or into every field)."""
        return sum(len(t) for f, t in self.mappings.items() if fields is None or f in fields)

    def targets(self) -> tuple[str, ...]:
        """Target fields this crosswalk feeds."""
        return tuple(self.mappings)

    def lookup(self, target_field: str, value: str) -> tuple[str, ...] | None:
        """Target items (codes, or ``@token``) for a source value, or None when unmapped."""
        table = self.mappings.get(target_field)
        return None if table is None else table.get(tokens.key(value))


def _fail(where: str, line: int | None, message: str, hint: str | None = None) -> ConfigError:
    at = f"{where}, line {line}" if line else where
    return ConfigError(f"{at}: {message}", hint=hint)


def _check_target(where: str, line: int, target_field: str, item: str) -> None:
    if item.startswith("@"):
        if item[1:] not in tokens.TOKENS or item[1:] == tokens.BLANK:
            raise _fail(where, line, f"unknown absent-reason token {item!r}",
                        hint="use @unknown, @declined, @not_asked, @asked_unknown, "
                        "@unable_to_respond, @other or @not_applicable")
        return
    check = code_check(target_field)
    if check is not None and not check(item):
        fdef = FIELDS[target_field]
        if fdef.system in _LANGUAGE_SYSTEMS:
            std = languages.standardize(item)
            hint = (f"write it as {std!r}" if std else
                    "use a registered BCP 47 tag such as en, es, zh-Hant, yue, ase")
            raise _fail(where, line, f"{item!r} is not a valid BCP 47 language tag", hint)
        allowed = ("CDC Race & Ethnicity codes" if fdef.system == "cdcrec"
                   else f"the {fdef.valueset or 'project'} value set")
        raise _fail(where, line, f"target code {item!r} is not valid for {target_field} "
                    f"(it takes {allowed})",
                    hint="run `real-validator explain` on the field's checks, or see "
                    "validator/valuesets/ for the allowed codes")


def _check_tree(where: str, line: int, key: str, tree: str, items: list[str]) -> bool:
    """Refuse an ambiguous display without a tree; True when one was resolved by its tree."""
    if key not in _AMBIGUOUS:
        if tree and tree not in ("race", "ethnicity"):
            raise _fail(where, line, f"tree must be race or ethnicity, not {tree!r}")
        return False
    if tree not in ("race", "ethnicity"):
        raise _fail(where, line, f"source value {key!r} is a display that occurs in both CDCREC "
                    "trees (R-030); say which one is meant",
                    hint="fill the tree column with race or ethnicity")
    for item in items:
        actual = cdcrec.tree(item)
        if actual is not None and actual != tree:
            raise _fail(where, line, f"tree says {tree} but {item} is in the {actual} tree")
    return True


def _parse_row(where: str, line: int, row: Mapping[str, str],
               table: dict[str, dict[str, tuple[str, ...]]],
               ambiguous: list[tuple[str, str]]) -> None:
    for col in REQUIRED:
        if not (row.get(col) or "").strip():
            raise _fail(where, line, f"empty {col}")
    target_field = row["target_field"].strip()
    if target_field not in FIELDS or FIELDS[target_field].kind not in (Kind.CODE, Kind.ENUM):
        raise _fail(where, line, f"target_field {target_field!r} is not a coded canonical field",
                    hint="e.g. race_codes, ethnicity_code, ethnicity_detailed, lang_spoken_pref")
    key = tokens.key(row["source_value"])
    items = [i.strip() for i in row["target_code"].split("|") if i.strip()]
    for item in items:
        _check_target(where, line, target_field, item)
    if _check_tree(where, line, key, (row.get("tree") or "").strip().lower(), items):
        ambiguous.append((target_field, key))
    previous = table.setdefault(target_field, {}).get(key)
    if previous is not None:
        raise _fail(where, line, f"source value {row['source_value'].strip()!r} is mapped twice "
                    f"for {target_field} (again here, first as {'|'.join(previous)})",
                    hint="keep one row per source value and target field; list several codes "
                    "in one row separated by '|'")
    table[target_field][key] = tuple(items)


def _check_chains(where: str, table: Mapping[str, Mapping[str, tuple[str, ...]]]) -> None:
    """A target that is itself a source mapped elsewhere would chain (or loop): refuse it."""
    for target_field, rows in table.items():
        for key, items in rows.items():
            for item in items:
                onward = rows.get(tokens.key(item))
                if onward is not None and onward != (item,) and tokens.key(item) != key:
                    raise _fail(where, None, f"{target_field}: {key!r} maps to {item!r}, which is "
                                f"itself mapped to {'|'.join(onward)} (a chain or loop)",
                                hint="map every source value straight to its final code")


def parse(text: str, *, name: str, where: str) -> Crosswalk:
    """Validate crosswalk CSV text."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _parse(reader, text, name=name, where=where)
    except csv.Error:  # never passed on: its message may quote the offending line
        raise _fail(where, reader.line_num or None, "not readable as CSV (a stray quote, a NUL "
                    "character or an over-long field)", hint="save the crosswalk as UTF-8 CSV and "
                    "quote values that hold commas, quotes or line breaks") from None


def _parse(reader: csv.DictReader, text: str, *, name: str, where: str) -> Crosswalk:
    header = tuple(h.strip() for h in (reader.fieldnames or ()))
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        detail = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        raise _fail(where, 1, f"bad header ({detail})", hint=f"columns: {', '.join(COLUMNS)}")
    table: dict[str, dict[str, tuple[str, ...]]] = {}
    ambiguous: list[tuple[str, str]] = []
    systems: list[str] = []
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "") for k, v in row.items() if k is not None}
        if not any(v.strip() for v in row.values()):
            continue
        _parse_row(where, line, row, table, ambiguous)
        system = row.get("source_system", "").strip()
        if system and system not in systems:
            systems.append(system)
    if not table:
        raise _fail(where, None, "crosswalk has no mapping rows")
    _check_chains(where, table)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Crosswalk(name, digest, tuple(systems), table, tuple(ambiguous))


def shipped() -> list[str]:
    """Names of the crosswalks shipped with the package (validator/crosswalks/*.csv)."""
    folder = resources.files("validator.crosswalks")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".csv"))


@lru_cache(maxsize=64)
def load(ref: str, base: str | None = None) -> Crosswalk:
    """A crosswalk by shipped name (``cms_race``) or by path (relative to ``base``)."""
    if ref in shipped():
        text = resources.files("validator.crosswalks").joinpath(f"{ref}.csv").read_text("utf-8")
        return parse(text, name=ref, where=f"crosswalk {ref}")
    path = Path(ref) if base is None or Path(ref).is_absolute() else Path(base) / ref
    if "\x00" in str(path):
        raise ConfigError("crosswalk path contains a NUL character, which no file name can hold",
                          hint="give a shipped crosswalk name or the path of a CSV file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: crosswalk file not found",
                          hint=f"shipped crosswalks: {', '.join(shipped())}") from None
    except (OSError, UnicodeDecodeError):
        raise ConfigError(f"{path}: cannot read the crosswalk as UTF-8 text") from None
    return parse(text, name=path.stem, where=str(path))
