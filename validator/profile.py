"""Profiles: which input column holds which canonical field, in which code system, and how
strictly each check is judged. Loaded from YAML (see docs/profile.md) or inferred from a
header whose columns already carry canonical names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from validator import catalog
from validator import crosswalk as crosswalks
from validator.ages import AGES
from validator.ages import effective as effective_ages
from validator.crosswalk import Crosswalk
from validator.errors import ConfigError, InputError, UsageError
from validator.fields import FIELDS, SOGI_REQUIRED_GROUPS, Kind, is_demographic
from validator.systems import parse_system
from validator.tokens import TOKENS

STANDARDS = ("omb1997", "spd15_2024")
GRAINS = ("patient", "encounter")
ASKU_MEANINGS = ("asked_unknown", "declined")
#: R-118: SOGI required (WA CHARS, OR REALD/SOGI), optional, or excluded (federal after EO 14168).
SOGI_POLICIES = ("required", "optional", "excluded")
#: R-114: current VSAC sets (GI ...1021.32, SO ...1240.11) or legacy 2015 Edition / USCDI v2 /
#: US Core <= 6.1 sets (genderqueer 446131000124102, ASKU "choose not to disclose").
SOGI_VALUESETS = ("current", "legacy")
#: R-114 value set of ``sex``: USCDI Sex (VSAC ...1240.3) or Federal Administrative Sex
#: (...1021.121).
SEX_VALUESETS = ("uscdi", "federal")
#: Fields whose ASKU means "choose not to disclose" (declined) under ``sogi_valuesets: legacy``.
_LEGACY_ASKU_DECLINED = ("gender_identity", "sexual_orientation")
DEFAULT_DELIMITER = "|"
#: Caregiver columns of a canonical file: caregiver_<field> or caregiver<N>_<field>.
_CAREGIVER_SLOT = re.compile(r"caregiver(\d*)_(.+)")

_TOP_KEYS = (
    "version", "name", "profile_version", "description", "standard", "grain", "asku_means",
    "as_of_date", "cohort", "row_key", "stratum", "input", "fields", "thresholds",
    "disabled_checks", "not_collected", "absent_values", "params", "ages", "caregivers",
    "sogi_policy", "sogi_valuesets", "sex_valueset", "sdoh_instruments",
)
_CAREGIVER_KEYS = ("source", "input", "patient_key", "fields", "slots")
_FIELD_KEYS = ("column", "system", "delimiter", "system_column", "format", "asku_means",
               "crosswalk")
_INPUT_KEYS = ("format", "encoding", "delimiter")
_COHORT_KEYS = ("min_age", "max_age")
_THRESHOLD_KEYS = ("threshold", "warn_threshold", "notes")


@dataclass(frozen=True)
class FieldSpec:
    """How one canonical field is found and read."""

    field: str
    column: str
    system: str | None
    delimiter: str = DEFAULT_DELIMITER
    system_column: str | None = None
    date_format: str | None = None
    asku_means: str | None = None
    crosswalks: tuple[Crosswalk, ...] = ()


@dataclass(frozen=True)
class ThresholdOverride:
    """A threshold set by a profile, checkpoint or thresholds file."""

    threshold: float | None
    warn_threshold: float | None
    notes: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Cohort:
    """Declared age range of the population, in years: min_age <= age < max_age."""

    min_age: float
    max_age: float


@dataclass(frozen=True)
class InputOptions:
    """How to read the source file when extension and sniffing are not enough."""

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class CaregiverSpec:
    """Where caregivers (0..n per patient) come from.

    Either a long table (``source`` file, one row per patient-caregiver, linked by the
    ``patient_key`` column to the main file's patient_id) or ``slots``: per caregiver, columns
    of the main file (``caregiver1_*``, ``caregiver2_*``).
    """

    source: Path | None = None
    input: InputOptions = InputOptions()
    patient_key: str | None = None
    fields: Mapping[str, FieldSpec] = field(default_factory=dict)
    slots: tuple[Mapping[str, FieldSpec], ...] = ()

    def field_names(self) -> list[str]:
        """Canonical caregiver fields mapped (in any slot)."""
        names = list(self.fields)
        for slot in self.slots:
            names += [f for f in slot if f not in names]
        return names

    def describe(self) -> dict[str, Any]:
        """The caregiver mapping as echoed in reports."""
        return {
            "layout": "table" if self.source is not None else "slots",
            "patient_key": self.patient_key,
            "fields": self.field_names(),
            "slots": len(self.slots),
        }


@dataclass(frozen=True)
class Profile:
    """A validated profile."""

    name: str
    version: str | None = None
    standard: str = "omb1997"
    grain: str = "patient"
    fields: Mapping[str, FieldSpec] = field(default_factory=dict)
    row_key: str | None = None
    stratum: str | None = None
    thresholds: Mapping[str, ThresholdOverride] = field(default_factory=dict)
    params: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    ages: Mapping[str, float] = field(default_factory=dict)
    disabled: tuple[str, ...] = ()
    not_collected: tuple[str, ...] = ()
    asku_means: str | None = None
    as_of_date: dt.date | None = None
    cohort: Cohort | None = None
    absent_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    input: InputOptions = InputOptions()
    caregivers: CaregiverSpec | None = None
    sogi_policy: str = "optional"
    sogi_valuesets: str = "current"
    sex_valueset: str = "uscdi"
    sdoh_instruments: tuple[str, ...] = ()
    inferred: bool = False
    path: Path | None = None
    sha256: str | None = None
    #: Whether ``standard`` was stated (True: the YAML has ``standard:``; False: inferred, or
    #: a YAML without it, so the default applies); None: built in code, read as stated unless
    #: ``inferred``. Read by STRAT.PROFILE_DECLARED (R-130).
    standard_declared: bool | None = None

    def asku_meaning(self, spec: FieldSpec) -> str | None:
        """What ASKU means in ``spec``'s field as declared, None when undeclared: the field's
        ``asku_means``; for gender identity and sexual orientation under ``sogi_valuesets:
        legacy``, ``declined`` (2015 Edition "choose not to disclose"); else the profile's."""
        if spec.asku_means:
            return spec.asku_means
        if self.sogi_valuesets == "legacy" and spec.field in _LEGACY_ASKU_DECLINED:
            return "declined"
        return self.asku_means

    def with_thresholds(self, extra: Mapping[str, ThresholdOverride]) -> Profile:
        """A copy whose thresholds are overridden by ``extra``."""
        return replace(self, thresholds={**self.thresholds, **extra})

    def columns(self) -> list[str]:
        """Input columns to read (including caregiver slots), stable order, no duplicates."""
        out: list[str] = []
        slots = [] if self.caregivers is None else [
            spec for slot in self.caregivers.slots for spec in slot.values()]
        for spec in [*self.fields.values(), *slots]:
            for col in (spec.column, spec.system_column):
                if col and col not in out:
                    out.append(col)
        return out

    def describe(self) -> dict[str, Any]:
        """The parameters a report echoes."""
        return {
            "name": self.name,
            "version": self.version,
            "inferred": self.inferred,
            "sha256": self.sha256,
            "standard": self.standard,
            "grain": self.grain,
            "asku_means": self.asku_means,
            "sogi_policy": self.sogi_policy,
            "sogi_valuesets": self.sogi_valuesets,
            "sex_valueset": self.sex_valueset,
            "sdoh_instruments": list(self.sdoh_instruments),
            "cohort": None
            if self.cohort is None
            else {"min_age": self.cohort.min_age, "max_age": self.cohort.max_age},
            "ages": effective_ages(dict(self.ages)),
            "row_key": self.row_key,
            "stratum": self.stratum,
            "fields": {
                f: {"column": s.column, "system": s.system, "delimiter": s.delimiter,
                    "crosswalks": [{"name": x.name, "sha256": x.sha256} for x in s.crosswalks]}
                for f, s in self.fields.items()
            },
            "caregivers": None if self.caregivers is None else self.caregivers.describe(),
            "not_collected": list(self.not_collected),
            "disabled_checks": list(self.disabled),
            "threshold_overrides": {
                k: {"threshold": v.threshold, "warn_threshold": v.warn_threshold,
                    "notes": v.notes, "origin": v.origin}
                for k, v in sorted(self.thresholds.items())
            },
        }


# ---------------------------------------------------------------- loading helpers


def _reject_unknown(data: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise ConfigError(
                f"{where}: unknown key {key!r}",
                hint=f"{hint}allowed keys: {', '.join(allowed)}",
            )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping (key: value), got {type(value).__name__}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a non-empty string")
    return value


def _choice(value: Any, choices: Sequence[str], where: str) -> str:
    if value not in choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return str(value)


def _number(value: Any, where: str, lo: float = 0, hi: float = 100) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise ConfigError(f"{where}: expected a number between {lo:g} and {hi:g}, got {value!r}")
    return float(value)


def parse_date(value: Any, where: str) -> dt.date:
    """A date from YAML (date object) or ISO text; ConfigError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _canonical_field(name: Any, where: str) -> str:
    if not isinstance(name, str) or name not in FIELDS:
        near = difflib.get_close_matches(str(name), list(FIELDS), n=1)
        hint = f"did you mean {near[0]!r}?" if near else "see docs/fields.md for canonical names"
        raise ConfigError(f"{where}: {name!r} is not a canonical field name", hint=hint)
    return str(name)


def _not_collected(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise ConfigError(f"{where}: expected a list of canonical field names",
                          hint="e.g. not_collected: [race_text, lang_written_pref]")
    return tuple(_canonical_field(f, where) for f in value)


def _crosswalks(value: Any, name: str, where: str, base: Path | None) -> tuple[Crosswalk, ...]:
    refs = [value] if isinstance(value, str) else value
    if not isinstance(refs, list) or not all(isinstance(r, str) and r for r in refs):
        raise ConfigError(f"{where}: expected a crosswalk name or path, or a list of them")
    out = []
    for ref in refs:
        xw = crosswalks.load(ref, None if base is None else str(base))
        if name not in xw.targets():
            raise ConfigError(
                f"{where}: crosswalk {ref!r} has no rows for {name}",
                hint=f"it maps into: {', '.join(xw.targets())}",
            )
        out.append(xw)
    return tuple(out)


def _field_spec(name: str, value: Any, where: str, base: Path | None = None) -> FieldSpec:
    if isinstance(value, str):
        value = {"column": value}
    data = _mapping(value, where)
    _reject_unknown(data, _FIELD_KEYS, where)
    if "column" not in data:
        raise ConfigError(f"{where}: missing key 'column' (the input column holding {name})")
    fdef = FIELDS[name]
    system = fdef.system
    if "system" in data:
        system = parse_system(_str(data["system"], f"{where}.system"), where=f"{where}.system")
    delimiter = data.get("delimiter", DEFAULT_DELIMITER)
    if not isinstance(delimiter, str) or len(delimiter) == 0:
        raise ConfigError(f"{where}.delimiter: expected a non-empty string such as '|' or ';'")
    fmt = data.get("format")
    if fmt is not None and fdef.kind is not Kind.DATE:
        raise ConfigError(f"{where}.format: only date fields take a format")
    asku = data.get("asku_means")
    if asku is not None:
        asku = _choice(asku, ASKU_MEANINGS, f"{where}.asku_means")
    sys_col = data.get("system_column")
    xwalks = () if data.get("crosswalk") is None else _crosswalks(
        data["crosswalk"], name, f"{where}.crosswalk", base)
    return FieldSpec(
        field=name,
        column=str(data["column"]),
        system=system,
        delimiter=delimiter,
        system_column=None if sys_col is None else _str(sys_col, f"{where}.system_column"),
        date_format=None if fmt is None else _str(fmt, f"{where}.format"),
        asku_means=asku,
        crosswalks=xwalks,
    )


def parse_thresholds(data: Any, where: str, origin: str) -> dict[str, ThresholdOverride]:
    """Threshold overrides: ``CHECK_ID: 80`` or ``CHECK_ID: {threshold:, warn_threshold:}``."""
    out: dict[str, ThresholdOverride] = {}
    for key, value in _mapping(data, where).items():
        cid = catalog.resolve_ids([key], where=where)[0]
        base = catalog.get(cid)
        at = f"{where}.{key}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[cid] = ThresholdOverride(_number(value, at), base.warn_threshold, "", origin)
            continue
        v = _mapping(value, at)
        _reject_unknown(v, _THRESHOLD_KEYS, at)
        thr = _number(v["threshold"], f"{at}.threshold") if "threshold" in v else base.threshold
        warn = (
            _number(v["warn_threshold"], f"{at}.warn_threshold")
            if "warn_threshold" in v
            else base.warn_threshold
        )
        out[cid] = ThresholdOverride(thr, warn, str(v.get("notes", "")), origin)
    return out


def _params(data: Any, where: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key, value in _mapping(data, where).items():
        cid = catalog.resolve_ids([key], where=where)[0]
        allowed = list(catalog.get(cid).params)
        v = _mapping(value, f"{where}.{key}")
        _reject_unknown(v, allowed, f"{where}.{key}")
        out[cid] = {k: _number(x, f"{where}.{key}.{k}", 0, 1e9) for k, x in v.items()}
    return out


def _ages(data: Any, where: str) -> dict[str, float]:
    d = _mapping(data, where)
    _reject_unknown(d, tuple(AGES), where)
    return {k: _number(v, f"{where}.{k}", 0, 400) for k, v in d.items()}


def _caregiver_fields(data: Any, where: str, base: Path | None) -> dict[str, FieldSpec]:
    out = {}
    for k, v in _mapping(data, where).items():
        name = _canonical_field(k, where)
        if FIELDS[name].group != "caregiver":
            raise ConfigError(f"{where}: {name!r} is not a caregiver field",
                              hint="caregiver fields start with caregiver_ (see docs/fields.md)")
        out[name] = _field_spec(name, v, f"{where}.{name}", base)
    return out


def _caregivers(data: Any, where: str, base: Path | None, fields: Mapping[str, FieldSpec]
                ) -> CaregiverSpec:
    d = _mapping(data, where)
    _reject_unknown(d, _CAREGIVER_KEYS, where)
    if "slots" in d:
        if any(k in d for k in ("source", "fields", "patient_key")):
            raise ConfigError(f"{where}: give either slots (caregiver columns in this file) or "
                              "source/patient_key/fields (a caregiver table), not both")
        slots = d["slots"]
        if not isinstance(slots, list) or not slots:
            raise ConfigError(f"{where}.slots: expected a list with one mapping per caregiver")
        return CaregiverSpec(slots=tuple(
            _caregiver_fields(slot, f"{where}.slots[{i}]", base) for i, slot in enumerate(slots)))
    for key in ("source", "patient_key", "fields"):
        if key not in d:
            raise ConfigError(f"{where}: missing key {key!r}",
                              hint="a caregiver table needs source, patient_key and fields; "
                              "caregiver columns in this file go under slots")
    if "patient_id" not in fields:
        raise ConfigError(f"{where}: a caregiver table is linked by patient_id, which the "
                          "profile does not map", hint="map patient_id under fields")
    source = Path(_str(d["source"], f"{where}.source"))
    return CaregiverSpec(
        source=source if base is None or source.is_absolute() else base / source,
        input=_input(d.get("input") or {}, f"{where}.input"),
        patient_key=_str(d["patient_key"], f"{where}.patient_key"),
        fields=_caregiver_fields(d["fields"], f"{where}.fields", base),
    )


def _codes(data: Any, where: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(v, str) and v.strip() for v in data):
        raise ConfigError(f"{where}: expected a list of codes, e.g. [\"93025-5\"]")
    return tuple(v.strip() for v in data)


def _absent_values(data: Any, where: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for token, values in _mapping(data, where).items():
        _choice(token, TOKENS, f"{where}.{token}")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{where}.{token}: expected a list of strings")
        out[str(token)] = tuple(values)
    return out


def _cohort(data: Any, where: str) -> Cohort:
    c = _mapping(data, where)
    _reject_unknown(c, _COHORT_KEYS, where)
    lo = _number(c.get("min_age", 0), f"{where}.min_age", 0, 150)
    hi = _number(c.get("max_age", 150), f"{where}.max_age", 0, 150)
    if hi <= lo:
        raise ConfigError(f"{where}: max_age ({hi:g}) must be greater than min_age ({lo:g})")
    return Cohort(lo, hi)


def _input(data: Any, where: str) -> InputOptions:
    d = _mapping(data, where)
    _reject_unknown(d, _INPUT_KEYS, where)
    fmt = d.get("format")
    if fmt is not None:
        _choice(fmt, ("csv", "tsv", "parquet", "fhir"), f"{where}.format")
    return InputOptions(
        format=fmt,
        encoding=None if d.get("encoding") is None else _str(d["encoding"], f"{where}.encoding"),
        delimiter=None if d.get("delimiter") is None else str(d["delimiter"]),
    )


def from_dict(data: Any, *, where: str = "profile", path: Path | None = None,
              sha256: str | None = None) -> Profile:
    """Validate a profile given as a mapping (the parsed YAML)."""
    d = _mapping(data, where)
    _reject_unknown(d, _TOP_KEYS, where)
    if "version" in d and d["version"] != 1:
        raise ConfigError(f"{where}.version: only version 1 is supported, got {d['version']!r}")
    raw_fields = _mapping(d.get("fields", {}), f"{where}.fields")
    base = path.parent if path is not None else None
    fields = {
        _canonical_field(k, f"{where}.fields"): _field_spec(k, v, f"{where}.fields.{k}", base)
        for k, v in raw_fields.items()
    }
    for name in fields:
        if FIELDS[name].group == "caregiver":
            raise ConfigError(
                f"{where}.fields: {name!r} is a caregiver field",
                hint="map caregivers under caregivers: (slots for caregiver columns of this "
                "file, or source/patient_key/fields for a caregiver table)")
    not_collected = _not_collected(d.get("not_collected") or [], f"{where}.not_collected")
    for f in not_collected:
        if f in fields:
            raise ConfigError(f"{where}.not_collected: {f!r} is also mapped under fields")
    sogi_policy = _choice(d.get("sogi_policy", "optional"), SOGI_POLICIES, f"{where}.sogi_policy")
    if sogi_policy == "required":
        for f in not_collected:
            if f in SOGI_REQUIRED_GROUPS:
                raise ConfigError(
                    f"{where}.not_collected: {f!r} is required under sogi_policy: required",
                    hint="map the field, or declare sogi_policy: optional")
    row_key = d.get("row_key", "patient_id" if "patient_id" in fields else None)
    stratum = d.get("stratum", "site_id" if "site_id" in fields else None)
    for key, value in (("row_key", row_key), ("stratum", stratum)):
        if value is not None and (not isinstance(value, str) or value not in fields):
            raise ConfigError(
                f"{where}.{key}: {value!r} must be a canonical field mapped under fields"
            )
    if stratum is not None and FIELDS[stratum].phi:
        raise ConfigError(
            f"{where}.stratum: {stratum!r} would print patient-level values in reports",
            hint="stratify by a site, facility or source-system field such as site_id",
        )
    return Profile(
        name=str(d.get("name") or (path.stem if path else "profile")),
        version=None if d.get("profile_version") is None else str(d["profile_version"]),
        standard=_choice(d.get("standard", "omb1997"), STANDARDS, f"{where}.standard"),
        grain=_choice(d.get("grain", "patient"), GRAINS, f"{where}.grain"),
        fields=fields,
        row_key=row_key,
        stratum=stratum,
        thresholds=parse_thresholds(d.get("thresholds") or {}, f"{where}.thresholds", where),
        params=_params(d.get("params") or {}, f"{where}.params"),
        ages=_ages(d.get("ages") or {}, f"{where}.ages"),
        disabled=tuple(
            catalog.resolve_ids(d.get("disabled_checks") or [], where=f"{where}.disabled_checks")
        ),
        not_collected=not_collected,
        asku_means=None
        if d.get("asku_means") is None
        else _choice(d["asku_means"], ASKU_MEANINGS, f"{where}.asku_means"),
        as_of_date=None
        if d.get("as_of_date") is None
        else parse_date(d["as_of_date"], f"{where}.as_of_date"),
        cohort=None if d.get("cohort") is None else _cohort(d["cohort"], f"{where}.cohort"),
        absent_values=_absent_values(d.get("absent_values") or {}, f"{where}.absent_values"),
        input=_input(d.get("input") or {}, f"{where}.input"),
        caregivers=None if d.get("caregivers") is None else _caregivers(
            d["caregivers"], f"{where}.caregivers", base, fields),
        sogi_policy=sogi_policy,
        sogi_valuesets=_choice(d.get("sogi_valuesets", "current"), SOGI_VALUESETS,
                               f"{where}.sogi_valuesets"),
        sex_valueset=_choice(d.get("sex_valueset", "uscdi"), SEX_VALUESETS,
                             f"{where}.sex_valueset"),
        sdoh_instruments=_codes(d.get("sdoh_instruments") or [], f"{where}.sdoh_instruments"),
        inferred=False,
        path=path,
        sha256=sha256,
        standard_declared="standard" in d,
    )


def load(path: str | Path) -> Profile:
    """Read and validate a profile YAML file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{p}: profile file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: is a directory, expected a profile YAML file") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read profile ({exc.strerror})") from None
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: profile is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{p}: not valid YAML{at}",
                          hint="check indentation, colons and closing brackets there; "
                          "see docs/profile.md for an example") from None
    except (ValueError, TypeError, OverflowError, RecursionError):
        # PyYAML's constructors raise these for a well-formed but impossible value, such as
        # the timestamp 0000-00-00 or a too deeply nested document
        raise ConfigError(f"{p}: not valid YAML (a value cannot be read, e.g. an impossible "
                          "date)", hint="quote values that are not meant as dates or numbers"
                          ) from None
    if data is None:
        raise ConfigError(f"{p}: profile is empty", hint="see docs/profile.md for an example")
    return from_dict(data, where=str(p), path=p, sha256=hashlib.sha256(raw).hexdigest())


def infer(columns: Sequence[str], *, where: str) -> Profile:
    """A profile for a header whose columns carry canonical field names (case-insensitive).

    Each field takes its standard system, multi-valued cells split on ``|``, the extract date
    defaults to the run date and no cohort age limit applies.
    """
    by_key = {c.strip().lower(): c for c in columns}
    fields: dict[str, FieldSpec] = {}
    slots: dict[int, dict[str, FieldSpec]] = {}
    for key, column in by_key.items():
        slot = _CAREGIVER_SLOT.fullmatch(key)
        if slot is not None and f"caregiver_{slot[2]}" in FIELDS:
            name = f"caregiver_{slot[2]}"
            slots.setdefault(int(slot[1] or 1), {})[name] = FieldSpec(
                name, column, FIELDS[name].system, system_column=by_key.get(f"{key}_system"))
        elif key in FIELDS:
            sys_col = by_key.get(f"{key}_system")
            fields[key] = FieldSpec(key, column, FIELDS[key].system, system_column=sys_col)
    if not any(is_demographic(f) for f in fields) and not slots:
        raise InputError(
            f"{where}: no recognisable demographic column",
            hint="name columns with canonical field names (race_codes, ethnicity_code, "
            "birth_date, ...; see docs/fields.md) or pass --profile to map your columns",
        )
    return Profile(
        name="inferred",
        fields=fields,
        caregivers=CaregiverSpec(slots=tuple(slots[k] for k in sorted(slots))) if slots else None,
        row_key="patient_id" if "patient_id" in fields else None,
        stratum="site_id" if "site_id" in fields else None,
        inferred=True,
    )


def with_stratum(profile: Profile, name: str, columns: Sequence[str], *, where: str
                 ) -> Profile:
    """The profile stratified by ``name``: a canonical field (mapped, or a canonical column of
    the input) or any input column (read as the field ``stratum``)."""
    fields = dict(profile.fields)
    if name in FIELDS:
        if FIELDS[name].phi:
            raise UsageError(f"--stratify-by {name}: would print patient-level values in reports",
                             hint="stratify by a site, facility, clinic or channel column")
        if name not in fields:
            column = {c.strip().lower(): c for c in columns}.get(name)
            if column is None:
                raise UsageError(f"--stratify-by {name}: the field is not mapped by the profile "
                                 f"and {where} has no column of that name")
            fields[name] = FieldSpec(name, column, FIELDS[name].system)
        return replace(profile, fields=fields, stratum=name)
    if name not in columns:
        raise UsageError(f"--stratify-by {name!r}: neither a canonical field nor a column of "
                         f"{where}", hint="use a column name exactly as in the header")
    fields["stratum"] = FieldSpec("stratum", name, None)
    return replace(profile, fields=fields, stratum="stratum")


def check_columns(profile: Profile, columns: Sequence[str], *, where: str) -> None:
    """InputError when a mapped column is not in the input header."""
    present = set(columns)
    lowered = {c.strip().lower(): c for c in columns}
    slots = [] if profile.caregivers is None else [
        spec for slot in profile.caregivers.slots for spec in slot.values()]
    for spec in [*profile.fields.values(), *slots]:
        for col in (spec.column, spec.system_column):
            if col is None or col in present:
                continue
            near = lowered.get(col.strip().lower())
            hint = (
                f"the header has {near!r}: column names are case-sensitive"
                if near
                else "fix the column name in the profile, or remove the field"
            )
            origin = profile.path or "profile"
            raise InputError(
                f"{where}: column {col!r} (mapped to {spec.field} in {origin}) is not in the "
                "input",
                hint=hint,
            )
    if not any(is_demographic(f) for f in profile.fields) and profile.caregivers is None:
        raise InputError(
            f"{where}: the profile maps no demographic field",
            hint="map at least one of race_codes, ethnicity_code, birth_date, ...",
        )
