"""Normalize mapped columns: trim, split multi-valued cells, map blanks, placeholders and null
flavors to canonical absent-reason tokens, translate declared source systems, parse dates.

Work is done once per distinct value (a column of a million rows with forty distinct codes
costs forty parses), then broadcast to rows with an index array. The raw value stays beside
the normalized one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from validator import languages, tokens
from validator import weights as wt
from validator.crosswalk import Crosswalk
from validator.fields import FIELDS, Kind
from validator.io.compact import SAMPLE_DISTINCT, SAMPLE_ROWS, worth_encoding
from validator.profile import FieldSpec, Profile
from validator.systems import TRANSLATIONS, canonical_system

STRING = pd.ArrowDtype(pa.large_string())
SEP = "|"
BLANK_STRATUM = "(blank)"  # label of the rows whose stratum field is blank

#: Code systems whose valid values have a canonical spelling the normalizer rewrites to
#: (the rewrite is counted per field, so conformance rules can report pre-normalization counts).
STANDARDIZERS: dict[str, Callable[[str], str | None]] = {"bcp47": languages.standardize}

#: Per-system overlay on the (global) absent-value lexicon, applied after the built-in lexicon
#: and before profile ``absent_values``. BCP 47 special tags (R-064): und -> unknown, mis
#: (uncoded language) -> other, zxx -> not_applicable. None removes a key in that system: NAV
#: is ISO 639-2 Navajo in a language field, not the NullFlavor "temporarily unavailable".
SYSTEM_ABSENT_VALUES: dict[str, dict[str, str | None]] = {
    "bcp47": {"UND": "unknown", "MIS": "other", "ZXX": "not_applicable", "NAV": None},
}

#: Per-field code translations (item key -> code), like systems.TRANSLATIONS but bound to the
#: field: interpreter-need booleans become the SNOMED CT answers of VSAC ...1267.16 (R-068).
_YES_NO = {k: "373066001" for k in ("YES", "Y", "TRUE", "T", "1")} | {
    k: "373067005" for k in ("NO", "N", "FALSE", "F", "0")}
FIELD_TRANSLATIONS: dict[str, dict[str, str]] = {
    "interpreter_needed": _YES_NO, "caregiver_interpreter_needed": _YES_NO}

#: ACS/Census English-proficiency answers (DOMAIN §2.1) and accepted spellings (R-070).
PROFICIENCY_VALUES = {
    **{s: "very_well" for s in ("very well", "very_well", "very-well")},
    "well": "well",
    **{s: "not_well" for s in ("not well", "not_well", "not-well")},
    **{s: "not_at_all" for s in ("not at all", "not_at_all", "not-at-all")},
}

#: Project vocabulary for ``*_source`` fields (DOMAIN §2.1) and accepted synonyms.
SOURCE_VALUES = {
    "self": "self", "self-reported": "self", "self reported": "self", "patient": "self",
    "proxy": "proxy", "parent": "proxy", "guardian": "proxy", "caregiver": "proxy",
    "family": "proxy", "legal representative": "proxy",
    "observer": "observer", "observed": "observer", "staff": "observer",
    "imputed": "imputed", "bisg": "imputed",
    "derived": "derived",
}

#: Project vocabulary for ``*_respondent`` fields: who answered (Oregon OAR 950-030-0020(4),
#: DOMAIN §2.1) and accepted synonyms. Canonical values: ``self``; ``parent_guardian_family``
#: (parent, guardian or other family member, caregiver or proxy answering for the patient);
#: ``authorized_representative`` (advocate, legal or other authorized representative);
#: ``staff`` (staff determined or observed). Values are matched lower-cased with ``_`` and
#: ``-`` read as spaces; any other value is kept as given (informative, not recognised).
RESPONDENT_VALUES = {
    **{s: "self" for s in (
        "self", "patient", "self reported", "self report", "patient self", "pt")},
    **{s: "parent_guardian_family" for s in (
        "parent guardian family", "parent guardian family member", "parent",
        "parents", "guardian", "legal guardian", "parent guardian", "parent or guardian",
        "parent/guardian", "parent/guardian/family member", "parent/guardian/family",
        "parent, guardian or other family member", "family", "family member",
        "other family member", "relative", "caregiver", "caretaker", "proxy", "mother",
        "father", "mom", "dad", "grandparent", "grandmother", "grandfather", "foster parent",
        "stepparent", "step parent", "sibling", "aunt", "uncle", "prn", "mth", "fth", "grd",
        "fammemb")},
    **{s: "authorized_representative" for s in (
        "authorized representative", "other authorized representative",
        "legal representative", "representative", "advocate", "power of attorney", "poa",
        "health care proxy", "healthcare proxy", "surrogate")},
    **{s: "staff" for s in (
        "staff", "staff determined", "staff observed", "observer", "observed", "clinician",
        "provider", "registrar", "interviewer")},
}


def respondent_value(value: str) -> str:
    """The canonical respondent for a lower-cased ``*_respondent`` value (else the value)."""
    key = re.sub(r"\s*/\s*", "/", re.sub(r"[_-]+", " ", value)).strip()
    return RESPONDENT_VALUES.get(value) or RESPONDENT_VALUES.get(key, value)


#: Boolean-like caregiver flags (R-094): yes/no and their spellings; other values kept as given.
FLAG_FIELDS = frozenset({"caregiver_is_primary_contact", "caregiver_is_legal_guardian"})
FLAG_VALUES = {**{s: "yes" for s in ("yes", "y", "true", "t", "1")},
               **{s: "no" for s in ("no", "n", "false", "f", "0")}}


@dataclass
class Unique:
    """What the normalizer made of one distinct raw value."""

    informative: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    state: str = tokens.BLANK
    has_asku: bool = False
    placeholder: str | None = None
    mapped: tuple[tuple[str, str], ...] = ()
    translated: tuple[tuple[str, str], ...] = ()
    date: dt.date | None = None
    date_problem: str | None = None
    crosswalked: tuple[tuple[str, str, str], ...] = ()


@dataclass
class NormalizedField:
    """One mapped field: per-row index into its distinct values, and what each value became."""

    spec: FieldSpec
    kind: Kind
    raw: pd.Series
    codes: np.ndarray
    uniques: list[Unique]
    system_rows: np.ndarray | None = None
    #: The input's row weights (validator/weights.py); None: every row counts once.
    weights: np.ndarray | None = None

    @property
    def name(self) -> str:
        """Canonical field name."""
        return self.spec.field

    def rows(self, attr: str) -> np.ndarray:
        """Per-row array of one attribute of :class:`Unique` (object dtype)."""
        values = np.empty(len(self.uniques), dtype=object)
        for i, u in enumerate(self.uniques):
            values[i] = getattr(u, attr)
        return values[self.codes]

    def per_value(self, predicate: Any) -> np.ndarray:
        """Per distinct value (in ``uniques`` order): ``predicate(unique)`` as a boolean."""
        return np.fromiter((bool(predicate(u)) for u in self.uniques), bool, len(self.uniques))

    def flag(self, predicate: Any) -> np.ndarray:
        """Per-row boolean: ``predicate(unique)`` evaluated once per distinct value."""
        return self.per_value(predicate)[self.codes]

    def informative_mask(self) -> np.ndarray:
        """Rows with at least one informative value."""
        return self.flag(lambda u: bool(u.informative) or u.date is not None)

    def value_rows(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows per distinct value (in ``uniques`` order), optionally within ``mask``."""
        return wt.bincount(self.codes, self.weights, len(self.uniques), mask)

    def state_counts(self, mask: np.ndarray | None = None) -> Counter[str]:
        """Rows per state (informative or a token), optionally within ``mask``."""
        per_code = self.value_rows(mask)
        out: Counter[str] = Counter()
        for u, n in zip(self.uniques, per_code, strict=True):
            if n:
                out[u.state] += int(n)
        return out


@dataclass
class Normalized:
    """The normalized input: a frame of canonical columns for GX plus per-field detail."""

    frame: pd.DataFrame
    fields: dict[str, NormalizedField] = field(default_factory=dict)
    caregivers: Any = None  # validator.caregivers.CaregiverTable when caregivers are mapped
    fhir: Any = None  # validator.io.fhir.Findings for FHIR input (structural findings per row)
    #: Row weights (validator/weights.py): None, or how many input rows each row stands for.
    weights: np.ndarray | None = None
    #: With weights: the rows that stand for as many different patients, each on no other
    #: input row (their ids were dropped before grouping, validator/io/spark.py
    #: distinct_rows, and put back as one placeholder per row); None: no such row.
    single_patients: np.ndarray | None = None
    #: Per-row codes computed once for the many rules that group by them (stratum, patient).
    _codes: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> NormalizedField | None:
        """The normalized field, or None when it is not mapped."""
        return self.fields.get(name)

    def stratum_codes(self, name: str) -> tuple[np.ndarray, list[str]]:
        """Per-row code of the stratum field ``name`` and its labels, sorted as text, with
        blank rows labelled :data:`BLANK_STRATUM` (the runner, rules and tabulation agree)."""
        key = f"stratum:{name}"
        if key not in self._codes:
            column = self.frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype):  # factorize the categories only
                cats = pd.Series(column.cat.categories, dtype=STRING)
                rows = column.cat.codes.to_numpy()
                values = pd.concat([cats, pd.Series([BLANK_STRATUM], dtype=STRING)],
                                   ignore_index=True)
                per_cat, labels = pd.factorize(values, sort=True)
                codes = per_cat[np.where(rows < 0, len(cats), rows)]
                # only the labels of values that occur, renumbered in order
                present = np.flatnonzero(np.bincount(codes, minlength=len(labels)))
                codes = np.searchsorted(present, codes)
                labels = labels[present]
            else:
                codes, labels = pd.factorize(column.astype(STRING).fillna(BLANK_STRATUM),
                                             sort=True)
            codes = np.asarray(codes, dtype=np.intp)
            codes.flags.writeable = False  # shared by every caller
            self._codes[key] = (codes, [str(x) for x in labels])
        codes, labels = self._codes[key]
        return codes, list(labels)

    def patient_codes(self) -> np.ndarray:
        """Per-row code of the ``patient_id`` value (-1 where it is blank), as
        ``pd.factorize``; computed once. The caller must have checked that it is mapped."""
        if "patient" not in self._codes:
            codes = pd.factorize(self.frame["patient_id"])[0]
            codes.flags.writeable = False  # shared by every caller
            self._codes["patient"] = codes
        return self._codes["patient"]


# ----------------------------------------------------------------------------- value parsing


def _token_for(item_key: str, lex: Mapping[str, str], asku: str) -> str | None:
    tok = lex.get(item_key)
    if tok == tokens.ASKU:
        return asku
    return tok


@dataclass(frozen=True)
class _Mapper:
    """How the items of one field become codes or absent-reason tokens, in order: crosswalk
    (whole cell, then each item), built-in system translation, absent-value lexicon, system
    standardizer (BCP 47)."""

    field: str
    delimiter: str
    lexicon: Mapping[str, str]
    asku: str
    translation: Mapping[str, str] | None = None
    crosswalks: tuple[Crosswalk, ...] = ()
    standardize: Callable[[str], str | None] | None = None

    def crosswalk(self, value: str) -> tuple[str, tuple[str, ...]] | None:
        """(crosswalk name, targets) of the first crosswalk that maps ``value``."""
        for xw in self.crosswalks:
            targets = xw.lookup(self.field, value)
            if targets is not None:
                return xw.name, targets
        return None


@dataclass
class _Items:
    """Accumulates what the items of one cell became."""

    informative: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    mapped: list[tuple[str, str]] = field(default_factory=list)
    translated: list[tuple[str, str]] = field(default_factory=list)
    crosswalked: list[tuple[str, str, str]] = field(default_factory=list)
    has_asku: bool = False
    placeholder: str | None = None

    def targets(self, name: str, source: str, targets: tuple[str, ...]) -> None:
        for t in targets:
            (self.absent if t.startswith("@") else self.informative).append(t.lstrip("@"))
        self.crosswalked.append((name, tokens.key(source), "|".join(targets)))

    def unique(self) -> Unique:
        if self.informative:
            state = tokens.INFORMATIVE
        elif self.absent:
            state = self.absent[0]
        else:
            state = tokens.BLANK
        return Unique(tuple(self.informative), tuple(self.absent), state, self.has_asku,
                      self.placeholder, tuple(self.mapped), tuple(self.translated),
                      crosswalked=tuple(self.crosswalked))


def _parse_item(item: str, m: _Mapper, acc: _Items) -> None:
    hit = m.crosswalk(item) if m.crosswalks else None
    if hit is not None:
        acc.targets(hit[0], item, hit[1])
        return
    k = tokens.key(item)
    if m.translation is not None and k in m.translation:
        target = m.translation[k]
        (acc.absent if target.startswith("@") else acc.informative).append(target.lstrip("@"))
        acc.translated.append((k, target.lstrip("@")))
        return
    acc.has_asku = acc.has_asku or k == "ASKU"
    tok = _token_for(k, m.lexicon, m.asku)
    if tok is not None:
        if tok != tokens.BLANK:
            acc.absent.append(tok)
        acc.mapped.append((k, tok))
        return
    std = m.standardize(item) if m.standardize is not None else None
    # never rewrite to a spelling the lexicon reads as absent ("nau" Nauru -> "na", i.e. N/A):
    # normalizing the output again must not change it
    if std is not None and std != item and tokens.key(std) not in m.lexicon:
        acc.translated.append((item, std))
        item = std
    acc.informative.append(item)
    acc.placeholder = acc.placeholder or tokens.placeholder_kind(k)


def _parse_coded(value: str, m: _Mapper) -> Unique:
    acc = _Items()
    whole = m.crosswalk(value) if m.crosswalks else None
    if whole is not None:
        acc.targets(whole[0], value, whole[1])
        return acc.unique()
    for item in (i.strip() for i in value.split(m.delimiter)):
        if item:
            _parse_item(item, m, acc)
    return acc.unique()


def _parse_enum(value: str, name: str, lex: Mapping[str, str], asku: str,
                m: _Mapper | None = None) -> Unique:
    k = tokens.key(value)
    if not k:
        return Unique()
    hit = m.crosswalk(value) if m is not None and m.crosswalks else None
    if hit is not None:
        acc = _Items()
        acc.targets(hit[0], value, hit[1])
        return acc.unique()
    tok = _token_for(k, lex, asku)
    if tok is not None:
        state = tokens.BLANK if tok == tokens.BLANK else tok
        return Unique(absent=() if tok == tokens.BLANK else (tok,), state=state,
                      mapped=((k, tok),), has_asku=k == "ASKU")
    v = " ".join(value.split()).lower()
    if name.endswith("_source"):
        v = SOURCE_VALUES.get(v, v)
    elif name.endswith("_respondent"):
        v = respondent_value(v)
    elif name.endswith("english_proficiency"):
        v = PROFICIENCY_VALUES.get(v, v)
    elif name in FLAG_FIELDS:
        v = FLAG_VALUES.get(v, v)
    return Unique(informative=(v,), state=tokens.INFORMATIVE)


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SLASHED = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$",
    re.IGNORECASE,
)
_EXCEL_SERIAL = re.compile(r"^\d{4,5}(\.\d+)?$")


def _date_problem(text: str) -> str:
    m = _SLASHED.match(text)
    if m:
        first, second, year = int(m[1]), int(m[2]), m[3]
        if len(year) == 2:
            return "two_digit_year"
        if first > 12 >= second:
            return "day_month_order"
        return "not_iso_format"
    if _EXCEL_SERIAL.match(text):
        return "spreadsheet_serial_number"
    return "unparseable"


def parse_date(text: str, fmt: str | None = None) -> tuple[dt.date | None, str | None]:
    """(date, None) or (None, problem) for one date string; ISO 8601 unless ``fmt`` is given."""
    s = text.strip()
    try:
        if fmt:
            return dt.datetime.strptime(s, fmt).date(), None
        m = _ISO.match(s) or _COMPACT.match(s)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), None
    except ValueError:
        return None, "impossible_date" if not fmt else "unparseable"
    return None, _date_problem(s)


def _parse_date_value(value: str, spec: FieldSpec, lex: Mapping[str, str]) -> Unique:
    k = tokens.key(value)
    if not k:
        return Unique()
    tok = lex.get(k)
    if tok is not None:
        tok = "asked_unknown" if tok == tokens.ASKU else tok
        return Unique(absent=() if tok == tokens.BLANK else (tok,), state=tok,
                      mapped=((k, tok),))
    date, problem = parse_date(value, spec.date_format)
    if date is None:
        return Unique(state="unparseable", date_problem=problem)
    return Unique(state=tokens.INFORMATIVE, date=date)


# ----------------------------------------------------------------------------- field level


def _lexicon(profile: Profile) -> dict[str, str]:
    lex = dict(tokens.lexicon())
    for tok, values in profile.absent_values.items():
        for v in values:
            lex[tokens.key(v)] = tok
    return lex


def _system_lexicon(lex: Mapping[str, str], system: str | None,
                    profile: Profile) -> Mapping[str, str]:
    """``lex`` with the overlay of ``system`` applied (profile absent_values still win)."""
    overlay = SYSTEM_ABSENT_VALUES.get(system or "")
    if not overlay:
        return lex
    declared = {tokens.key(v) for values in profile.absent_values.values() for v in values}
    out = dict(lex)
    for k, tok in overlay.items():
        if k in declared:
            continue
        if tok is None:
            out.pop(k, None)
        else:
            out[k] = tok
    return out


def _asku_meaning(profile: Profile, spec: FieldSpec) -> str:
    return profile.asku_meaning(spec) or "asked_unknown"


def normalize_field(raw: pd.Series, spec: FieldSpec, profile: Profile,
                    system_raw: pd.Series | None = None,
                    lex: Mapping[str, str] | None = None) -> NormalizedField:
    """Normalize one column (``raw`` holds strings or nulls)."""
    lex = _system_lexicon(lex if lex is not None else _lexicon(profile), spec.system, profile)
    kind = FIELDS[spec.field].kind
    if kind is Kind.ID:
        return _normalize_id(raw, spec)
    codes, uniq = pd.factorize(raw, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniq), codes).astype(np.int32)  # half of intp: 10M rows
    asku = _asku_meaning(profile, spec)
    mapper = _Mapper(
        field=spec.field, delimiter=spec.delimiter, lexicon=lex, asku=asku,
        translation=TRANSLATIONS[spec.system][1] if spec.system in TRANSLATIONS
        else FIELD_TRANSLATIONS.get(spec.field),
        crosswalks=spec.crosswalks, standardize=STANDARDIZERS.get(spec.system or ""),
    )
    parsed: list[Unique] = []
    for value in list(uniq):
        text = str(value)
        if kind is Kind.DATE:
            parsed.append(_parse_date_value(text, spec, lex))
        elif kind is Kind.ENUM:
            parsed.append(_parse_enum(text, spec.field, lex, asku, mapper))
        else:
            parsed.append(_parse_coded(text, mapper))
    parsed.append(Unique())  # null cells
    system_rows = None
    if system_raw is not None:
        s_codes, s_uniq = pd.factorize(system_raw, use_na_sentinel=True)
        names = np.array([canonical_system(str(v)) or ("" if not str(v).strip() else "other")
                          for v in s_uniq] + [""], dtype=object)
        system_rows = names[np.where(s_codes < 0, len(s_uniq), s_codes)]
    return NormalizedField(spec, kind, raw, codes, parsed, system_rows)


def _trimmed(raw: pd.Series) -> pd.Series:
    """Identifiers trimmed, blanks as nulls (vectorised: ids are mostly distinct). A
    categorical column (few distinct values: a site) is trimmed per category and stays
    categorical; a text column that needs no trimming is returned as it is, not copied."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        cats = pd.Series(raw.cat.categories, dtype=STRING).str.strip()
        codes, uniques = pd.factorize(cats.mask(cats == ""), use_na_sentinel=True)
        rows = raw.cat.codes.to_numpy()
        return pd.Series(pd.Categorical.from_codes(
            np.where(rows < 0, -1, codes[rows]),
            pd.Index(np.asarray(uniques, dtype=object), dtype=object)), index=raw.index)
    trimmed = raw.astype(STRING).str.strip()
    trimmed = trimmed.mask(trimmed == "")
    return raw if raw.dtype == STRING and trimmed.equals(raw) else trimmed


def _normalize_id(raw: pd.Series, spec: FieldSpec) -> NormalizedField:
    """Identifiers are not looked up value by value: two states, informative or blank."""
    present = _trimmed(raw).notna().to_numpy(dtype=bool)
    codes = np.where(present, 0, 1).astype(np.int32)
    uniques = [Unique(informative=("<identifier>",), state=tokens.INFORMATIVE), Unique()]
    return NormalizedField(spec, Kind.ID, raw, codes, uniques)


def _joined(nf: NormalizedField, attr: str) -> pd.Series:
    """The per-row '|'-joined ``attr`` of each row's distinct value, as a categorical: one
    small integer per row instead of a string (the frame GX checks is categorical anyway;
    docs/benchmarks.md)."""
    per_unique = [SEP.join(getattr(u, attr)) or None for u in nf.uniques]
    cat_codes, categories = pd.factorize(pd.Series(per_unique, dtype=object),
                                         use_na_sentinel=True)
    # pandas stores the codes in the smallest integer type that holds them (int8 here)
    return pd.Series(pd.Categorical.from_codes(
        cat_codes[nf.codes], pd.Index(np.asarray(categories, dtype=object), dtype=object)),
        index=nf.raw.index)


def dictionary_encoded(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns with few distinct values as pandas categoricals: one small integer per
    row instead of a string. Used on the columns as read (they stay alive for the whole run)
    and on the frame GX checks (GX filters it once per expectation, ``df[mask]``, and taking
    integer codes is far cheaper than copying strings; docs/benchmarks.md). Near-unique
    columns (ids) stay as they are. The rule is the reader's (validator/io/compact.py)."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.ArrowDtype) and pa.types.is_large_string(
                col.dtype.pyarrow_dtype) and col.iloc[:SAMPLE_ROWS].nunique() <= SAMPLE_DISTINCT:
            # (a look at the first rows skips hashing near-unique columns: ids, keys)
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            if worth_encoding(len(uniques), len(col)):
                col = pd.Series(pd.Categorical.from_codes(
                    codes, pd.Index(uniques.to_numpy(dtype=object), dtype=object)),
                    index=col.index, name=name)
        out[name] = col
    return pd.DataFrame(out, index=frame.index)


def normalize(frame: pd.DataFrame, profile: Profile,
              row_weights: np.ndarray | None = None) -> Normalized:
    """Normalize every mapped field of ``frame`` (columns named as in the input); with
    ``row_weights``, each row stands for that many input rows (validator/weights.py)."""
    lex = _lexicon(profile)
    out = Normalized(frame=pd.DataFrame(index=frame.index), weights=row_weights)
    cols: dict[str, pd.Series] = {}
    for name, spec in profile.fields.items():
        system_raw = frame[spec.system_column] if spec.system_column else None
        nf = normalize_field(frame[spec.column], spec, profile, system_raw, lex)
        nf.weights = row_weights
        out.fields[name] = nf
        if nf.kind is Kind.ID:
            cols[name] = _trimmed(nf.raw)
        elif nf.kind in (Kind.CODE, Kind.TEXT, Kind.ENUM):
            cols[name] = _joined(nf, "informative")
            cols[f"{name}__absent"] = _joined(nf, "absent")
    out.frame = pd.DataFrame(cols, index=frame.index)
    return out
