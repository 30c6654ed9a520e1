"""Caregiver rules (DOMAIN.md §3.6, R-090…R-096), computed in pandas/numpy.

Caregivers come from ``ctx.data.caregivers`` (validator/caregivers.py): normalized caregiver
rows, each linked to a patient code (-1: an orphan row whose patient key matches no patient).
Rules about patients (R-090, R-092, R-094, R-095, R-096) run in the patient context
(``table="patient"``) and aggregate caregivers per patient; the value checks of caregiver rows
(R-091, R-093) run in the caregiver table, where the whole input counts every caregiver row
(orphans included) and a site counts the caregivers of its patients.

Patient-level counts are records of the main file (one per patient under ``grain: patient``;
under ``grain: encounter`` each record of a patient sees the same caregivers). Ages are
completed years at the extract date; ``adult_age`` and ``self_report_min_age`` come from the
check's params or the profile's ``ages:`` section.

Relationship codes (R-091, R-096) are the package value set ``validator/data/
relationship_codes.csv``: the FHIR R4 RelatedPerson relationship value set's v3 RoleCode
personal relationships (109 codes) plus GUARD/NOK/ECON (THO v3 RoleCode), the person contact
roles of HL7 v2 table 0131 (C, CP, EP, N; not E employer, F/I/S agencies, O other, U unknown),
HL7 v2 table 0063 relationships (GRD guardian, MTH, FTH, PAR, ...), and eleven SNOMED CT person
concepts (72705000 Mother, 66839005 Father, 58626002 Legal guardian, ...).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from validator import tokens
from validator._resources import data_dir
from validator.caregivers import CaregiverTable
from validator.catalog import CheckDef
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RowMeasure,
    RuleContext,
    distinct,
)
from validator.engine.rules import rule
from validator.engine.rules.age import age_in_years, ordinals
from validator.engine.rules.language import has_language, is_non_english
from validator.normalize import NormalizedField, Unique

CG_ID = "caregiver_id"
RELATIONSHIP = "caregiver_relationship"
PRIMARY = "caregiver_is_primary_contact"
GUARDIAN = "caregiver_is_legal_guardian"
CG_LANG = "caregiver_lang_spoken_pref"
CG_INTERPRETER = "caregiver_interpreter_needed"
CG_BIRTH = "caregiver_birth_date"
LANG = "lang_spoken_pref"

#: Canonical systems (validator/systems.py) whose codes name a relationship to the patient.
RELATIONSHIP_SYSTEMS = ("v3-rolecode", "hl7v2-0131", "hl7v2-0063", "snomed")
#: Relationship kinds of a parental generation: a caregiver of this kind cannot be born on or
#: after the patient (R-096).
ANCESTOR_KINDS = frozenset({"parent", "grandparent"})
NO_CAREGIVERS = ("the profile maps no caregivers (caregiver_* / caregiver1_* columns, or a "
                 "caregivers: section with slots or a caregiver table)")


# ----------------------------------------------------------------------------- value set


@lru_cache(maxsize=1)
def relationship_codes() -> dict[str, dict[str, str]]:
    """system -> {code (upper case) -> kind} from validator/data/relationship_codes.csv."""
    text = data_dir().joinpath("relationship_codes.csv").read_text(encoding="utf-8")
    out: dict[str, dict[str, str]] = {}
    for r in csv.DictReader(io.StringIO(text)):
        out.setdefault(r["system"], {})[r["code"].upper()] = r["kind"]
    return out


def _kinds(code: str) -> set[str]:
    """Kinds of ``code`` in any relationship system (empty: not a relationship code)."""
    key = code.strip().upper()
    return {codes[key] for codes in relationship_codes().values() if key in codes}


# ----------------------------------------------------------------------------- helpers


def _caregivers(ctx: RuleContext) -> CaregiverTable:
    cg = ctx.data.caregivers
    if cg is None:
        raise NotApplicable(NO_CAREGIVERS)
    return cg


def _need(ctx: RuleContext, name: str, why: str = "") -> NormalizedField:
    """A field of ``ctx``, or NotApplicable (absent or declared not collected)."""
    if name in ctx.profile.not_collected:
        raise NotApplicable(f"{name} declared not collected in the profile")
    return ctx.require(name, why)


def _cg_field(ctx: RuleContext, cg: CaregiverTable, name: str) -> NormalizedField | None:
    """A caregiver field, None when it is not mapped or declared not collected."""
    if name in ctx.profile.not_collected:
        return None
    return cg.data.get(name)


def _cg_need(ctx: RuleContext, cg: CaregiverTable, name: str, why: str = "") -> NormalizedField:
    nf = _cg_field(ctx, cg, name)
    if nf is None:
        reason = ("declared not collected in the profile" if name in ctx.profile.not_collected
                  else "is not mapped")
        raise NotApplicable(f"{name} {reason}{(' ' + why) if why else ''}")
    return nf


def _to_rows(cg: CaregiverTable, per_patient: np.ndarray) -> np.ndarray:
    """A per-patient count broadcast to main-file rows; rows without a patient code get 0."""
    codes = cg.row_patient_code
    out = np.zeros(len(codes), dtype=np.int64)
    ok = codes >= 0
    out[ok] = per_patient[codes[ok]]
    return out


def _count(cg: CaregiverTable, mask: np.ndarray | None = None) -> np.ndarray:
    """Linked caregiver rows (satisfying ``mask``) of each main-file row's patient."""
    m = np.ones(cg.n_rows, dtype=bool) if mask is None else mask
    return _to_rows(cg, cg.per_patient(m))


def _yes(nf: NormalizedField | None, n: int) -> np.ndarray:
    """Caregiver rows whose flag is yes (normalized from yes/y/true/t/1)."""
    if nf is None:
        return np.zeros(n, dtype=bool)
    return nf.flag(lambda u: "yes" in u.informative)


def _minors(ctx: RuleContext, check: CheckDef, min_key: str | None = None
            ) -> tuple[np.ndarray, np.ndarray, str]:
    """(rows in the age band, rows without a usable age, note). The band is younger than
    adult_age at the extract date, and at least ``min_key`` years old when given."""
    birth = _need(ctx, "birth_date", "(needed for the patient's age)")
    age = age_in_years(ctx, birth)
    adult = ctx.param(check, "adult_age")
    usable = age >= 0
    band = usable & (age < adult)
    what = f"younger than {adult:g}"
    if min_key is not None:
        low = ctx.param(check, min_key)
        band &= age >= low
        what = f"aged {low:g} to under {adult:g}"
    note = (f"patients {what} at the extract date; records without a usable birth date "
            "(missing, unparseable or in the future) are excluded")
    return band, ~usable, note


def _group(scope: np.ndarray, hits: np.ndarray, details: Mapping[str, np.ndarray],
           excluded: Mapping[str, np.ndarray], note: str) -> GroupMeasure:
    """Row counts within the stratum: ``details`` counted in scope, ``excluded`` over all of
    the stratum's rows (they are outside the scope)."""

    def measure(rows: np.ndarray) -> Measurement:
        s = scope & rows
        out = {k: int((m & s).sum()) for k, m in details.items()}
        out |= {k: int((m & rows).sum()) for k, m in excluded.items()}
        return Measurement(int((hits & s).sum()), int(s.sum()), out, note=note)

    return GroupMeasure(measure)


def _n_patients(cg: CaregiverTable, m: np.ndarray) -> int:
    """Distinct patients among main-file rows ``m`` (rows without a patient code count once
    each)."""
    codes = cg.row_patient_code[m]
    return int(distinct(codes[codes >= 0]).size + (codes < 0).sum())


# -----------------------------------------------------------------------------


@rule("CG.PRESENT_FOR_MINOR", single=True, table="patient")
def present_for_minor(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Minors (younger than adult_age at the extract date) with no caregiver record."""
    cg = _caregivers(ctx)
    minors, no_age, note = _minors(ctx, check)
    hits = minors & (_count(cg) == 0)
    return _group(minors, hits, {}, {"no_usable_birth_date": no_age},
                  note + "; a caregiver record is any caregiver row linked to the patient")


# -----------------------------------------------------------------------------


def _relationship_flags(u: Unique) -> dict[str, bool]:
    items = [i.strip().upper() for i in u.informative]
    kinds = [_kinds(i) for i in items]
    flags = {"missing": not items, "uncoded": any(not k for k in kinds)}
    for system in RELATIONSHIP_SYSTEMS:
        codes = relationship_codes().get(system, {})
        flags[system] = bool(items) and all(i in codes for i in items)
    flags["contact_only"] = bool(items) and all(k == {"contact"} for k in kinds)
    return flags


@rule("CG.RELATIONSHIP_CODED")
def relationship_coded(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Caregiver rows whose relationship is missing, not a relationship code, or coded in a
    system (per-row system column) that is not v3 RoleCode, v2-0131, v2-0063 or SNOMED CT."""
    nf = ctx.require(field)
    per_unique = [_relationship_flags(u) for u in nf.uniques]

    def flag(key: str) -> np.ndarray:
        return np.array([f[key] for f in per_unique], dtype=bool)[nf.codes]

    missing = flag("missing")
    uncoded = ~missing & flag("uncoded")
    systems = (nf.system_rows if nf.system_rows is not None
               else np.full(len(nf.codes), "", dtype=object))
    known = np.isin(systems, RELATIONSHIP_SYSTEMS)
    bad_system = ~missing & (systems != "") & ~known
    in_system = np.zeros(len(nf.codes), dtype=bool)
    for system in RELATIONSHIP_SYSTEMS:
        in_system |= (systems == system) & flag(system)
    wrong_system = ~missing & ~uncoded & known & ~in_system
    uncoded &= ~bad_system
    hits = missing | uncoded | bad_system | wrong_system
    details = {"missing": missing, "not_a_relationship_code": uncoded,
               "system_not_recognized": bad_system, "code_not_in_row_system": wrong_system,
               "contact_role_only": flag("contact_only")}
    note = ("codes compared case-insensitively; without a per-row system a code of any "
            "accepted system counts; contact_role_only (v2-0131 C/CP/EP/N, v3 NOK/ECON) is "
            "coded but names no family relationship (information only)")
    return RowMeasure(np.ones(len(nf.codes), dtype=bool), hits, details=details, note=note)


# -----------------------------------------------------------------------------


@rule("CG.LANGUAGE_PRESENT", single=True, result_field=CG_LANG, table="patient")
def language_present(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Minors with a caregiver whose preferred spoken language is informative; when some
    caregiver is marked primary contact, one of the primary contacts must have it."""
    cg = _caregivers(ctx)
    lang = _cg_need(ctx, cg, CG_LANG)
    minors, no_age, note = _minors(ctx, check)
    informative = lang.flag(has_language)
    primary = _yes(_cg_field(ctx, cg, PRIMARY), cg.n_rows)
    n_all = _count(cg)
    n_lang = _count(cg, informative)
    n_primary = _count(cg, primary)
    n_primary_lang = _count(cg, primary & informative)
    ok = np.where(n_primary > 0, n_primary_lang > 0, n_lang > 0)
    details = {"without_caregiver": n_all == 0,
               "caregivers_without_language": (n_all > 0) & (n_lang == 0),
               "primary_contact_without_language": (n_primary > 0) & (n_primary_lang == 0)
               & (n_lang > 0)}
    note += ("; und/mis/zxx are absent and mul alone is not a language (R-064); minors "
             "without any caregiver count as lacking a language (CG.PRESENT_FOR_MINOR reports "
             "them too)")
    return _group(minors, ok, details, {"no_usable_birth_date": no_age}, note)


# -----------------------------------------------------------------------------


@rule("CG.INTERPRETER_PRESENT", single=True, result_field=CG_INTERPRETER, table="caregiver")
def interpreter_present(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Caregiver rows with a specific non-English preferred language and a blank
    caregiver_interpreter_needed (an absent reason counts as recorded, as in R-067)."""
    interp = _need(ctx, CG_INTERPRETER)
    lang = _need(ctx, CG_LANG, "(needed to find non-English preferences)")
    scope = lang.flag(is_non_english)
    blank = interp.flag(lambda u: u.state == tokens.BLANK)
    absent = interp.flag(lambda u: not u.informative and bool(u.absent))
    return RowMeasure(scope, blank, details={"interpreter_absent_reason": absent},
                      note="non-English: a valid tag naming a specific language, none English "
                           "(R-067); an absent reason (unknown, asked-unknown) is recorded")


# -----------------------------------------------------------------------------


def _distinct_caregivers(ctx: RuleContext, cg: CaregiverTable) -> tuple[np.ndarray, str]:
    """Caregivers per main-file row: distinct caregiver_id values of the patient plus rows
    without an id (all linked rows when caregiver_id is not mapped)."""
    if _cg_field(ctx, cg, CG_ID) is None:
        return _count(cg), "caregivers counted as caregiver rows (caregiver_id not mapped)"
    ids = cg.data.frame[CG_ID]
    has_id = ids.notna().to_numpy(dtype=bool)
    linked = cg.patient_code >= 0
    pairs = pd.DataFrame({"p": cg.patient_code[linked & has_id],
                          "i": ids[linked & has_id].to_numpy(dtype=object)}).drop_duplicates()
    per = np.bincount(pairs["p"].to_numpy(dtype=np.int64), minlength=cg.n_patients)
    per = per + cg.per_patient(~has_id)
    return _to_rows(cg, per), "caregivers counted by distinct caregiver_id"


@rule("CG.MULTIPLE_CAREGIVERS", single=True, table="patient")
def multiple_caregivers(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Patients with two or more caregivers where (a) none is marked primary contact or legal
    guardian, or (b) language is recorded only at patient level."""
    cg = _caregivers(ctx)
    n, counted = _distinct_caregivers(ctx, cg)
    multi = n >= 2
    primary_nf = _cg_field(ctx, cg, PRIMARY)
    guardian_nf = _cg_field(ctx, cg, GUARDIAN)
    rel = _cg_field(ctx, cg, RELATIONSHIP)
    patient_lang = None if LANG in ctx.profile.not_collected else ctx.field(LANG)
    if primary_nf is None and guardian_nf is None and patient_lang is None:
        raise NotApplicable(f"needs {PRIMARY} or {GUARDIAN} (who is primary), or {LANG} "
                            "(language stored at patient level); none is mapped")
    notes = [counted]
    unmarked = np.zeros(ctx.n_rows, dtype=bool)
    if primary_nf is not None or guardian_nf is not None:
        marked = _yes(primary_nf, cg.n_rows) | _yes(guardian_nf, cg.n_rows)
        if rel is not None:
            marked |= rel.flag(lambda u: any("guardian" in _kinds(i) for i in u.informative))
        unmarked = _count(cg, marked) == 0
        notes.append("a relationship coded guardian (GUARD, GRD, 58626002) counts as marked")
    else:
        notes.append(f"(a) not evaluated: neither {PRIMARY} nor {GUARDIAN} is mapped")
    patient_only = np.zeros(ctx.n_rows, dtype=bool)
    if patient_lang is not None:
        cg_lang = _cg_field(ctx, cg, CG_LANG)
        n_lang = (np.zeros(ctx.n_rows, dtype=np.int64) if cg_lang is None
                  else _count(cg, cg_lang.flag(has_language)))
        patient_only = patient_lang.flag(has_language) & (n_lang == 0)
    else:
        notes.append(f"(b) not evaluated: {LANG} is not mapped")
    details = {"none_primary_or_guardian": unmarked, "language_at_patient_level_only":
               patient_only}
    return _group(multi, unmarked | patient_only, details, {}, "; ".join(notes))


# -----------------------------------------------------------------------------


def _language_key(u: Unique) -> frozenset[str] | None:
    return frozenset(i.lower() for i in u.informative) if has_language(u) else None


def _key_codes(nf: NormalizedField, index: dict[frozenset[str], int]) -> np.ndarray:
    """Per row, an integer for the cell's set of language items (-1: no language)."""
    per_unique = np.array([-1 if (k := _language_key(u)) is None else index.setdefault(
        k, len(index)) for u in nf.uniques], dtype=np.int64)
    return per_unique[nf.codes]


@rule("CG.PATIENT_LANGUAGE_COPIED", single=True, result_field=LANG, table="patient")
def patient_language_copied(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Sites with at least min_site_minors minors aged self_report_min_age to under adult_age
    whose own and caregiver languages are both recorded, where every such minor's
    lang_spoken_pref equals a caregiver's."""
    cg = _caregivers(ctx)
    patient_lang = _need(ctx, LANG)
    cg_lang = _cg_need(ctx, cg, CG_LANG)
    band, no_age, note = _minors(ctx, check, "self_report_min_age")
    min_minors = ctx.param(check, "min_site_minors")
    index: dict[frozenset[str], int] = {}
    p_key = _key_codes(patient_lang, index)
    c_key = _key_codes(cg_lang, index)
    width = max(len(index), 1)
    linked = (cg.patient_code >= 0) & (c_key >= 0)
    pairs = distinct(cg.patient_code[linked] * width + c_key[linked])
    comparable = band & (p_key >= 0) & (_count(cg, c_key >= 0) > 0)
    rows_code = cg.row_patient_code
    equal = comparable & (rows_code >= 0) & np.isin(rows_code * width + p_key, pairs)
    sites = ctx.strata if ctx.strata is not None else np.zeros(ctx.n_rows, dtype=np.intp)

    def measure(rows: np.ndarray) -> Measurement:
        evaluated = flagged = 0
        for site in distinct(sites[rows]):
            m = rows & (sites == site) & comparable
            if _n_patients(cg, m) < min_minors:
                continue
            evaluated += 1
            flagged += int((equal & m).sum()) == int(m.sum())
        c, e = int((comparable & rows).sum()), int((equal & rows).sum())
        details: dict[str, int | float | str] = {
            "minors_compared": c, "minors_equal": e,
            "equal_share": round(100.0 * e / c, 2) if c else 0.0,
            "sites_evaluated": evaluated, "no_usable_birth_date": int((no_age & rows).sum())}
        text = (f"{note}; compared: own and a caregiver's preferred spoken language both "
                f"recorded; a site is evaluated with at least {min_minors:g} such minors "
                "(distinct patients) and flagged when all of them equal a caregiver's")
        return Measurement(flagged, evaluated, details, note=text)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------


def _per_patient_values(cg: CaregiverTable, values: np.ndarray, fill: object) -> np.ndarray:
    """A per-row array of the main file as one value per patient code (last row wins)."""
    out = np.full(cg.n_patients, fill, dtype=values.dtype)
    ok = cg.row_patient_code >= 0
    out[cg.row_patient_code[ok]] = values[ok]
    return out


def _ids(series: pd.Series) -> np.ndarray:
    return series.astype(object).where(series.notna(), None).to_numpy(dtype=object)


@rule("CG.NOT_SELF", single=True, table="patient")
def not_self(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Caregiver rows that are the patient: same id as the patient, relationship 'self', or
    a parent/grandparent born on or after the patient. Orphan rows are not evaluated."""
    cg = _caregivers(ctx)
    linked = cg.patient_code >= 0
    code = np.where(linked, cg.patient_code, 0)
    checks: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    cg_id = _cg_field(ctx, cg, CG_ID)
    if cg_id is not None and ctx.field("patient_id") is not None:
        pid = _per_patient_values(cg, _ids(ctx.data.frame["patient_id"]), None)[code]
        cid = _ids(cg.data.frame[CG_ID])
        checks["same_id_as_patient"] = linked & np.array(
            [c is not None and c == p for c, p in zip(cid, pid, strict=True)], dtype=bool)
    else:
        skipped.append("same id (needs caregiver_id and patient_id)")
    rel = _cg_field(ctx, cg, RELATIONSHIP)
    if rel is not None:
        checks["self_relationship"] = linked & rel.flag(
            lambda u: any("self" in _kinds(i) for i in u.informative))
    else:
        skipped.append("relationship self (needs caregiver_relationship)")
    cg_birth = _cg_field(ctx, cg, CG_BIRTH)
    birth = ctx.field("birth_date")
    if rel is not None and cg_birth is not None and birth is not None:
        ancestor = rel.flag(lambda u: any(_kinds(i) & ANCESTOR_KINDS for i in u.informative))
        pb = _per_patient_values(cg, ordinals(birth), -1)[code]
        cb = ordinals(cg_birth)
        checks["parent_born_on_or_after_patient"] = (
            linked & ancestor & (cb >= 0) & (pb >= 0) & (cb >= pb))
    else:
        skipped.append("parent born after the patient (needs caregiver_relationship, "
                       "caregiver_birth_date and birth_date)")
    if not checks:
        raise NotApplicable("needs caregiver_id with patient_id, or caregiver_relationship")
    hits = np.zeros(cg.n_rows, dtype=bool)
    for m in checks.values():
        hits |= m
    note = "orphan caregiver rows (no matching patient) are not evaluated"
    if skipped:
        note += "; not evaluated: " + "; ".join(skipped)
    row_codes = cg.row_patient_code

    def in_stratum(rows: np.ndarray) -> np.ndarray:
        present = np.zeros(cg.n_patients, dtype=bool)
        present[row_codes[rows & (row_codes >= 0)]] = True
        return linked & present[code]

    def measure(rows: np.ndarray) -> Measurement:
        scope = in_stratum(rows)
        details = {k: int((m & scope).sum()) for k, m in checks.items()}
        return Measurement(int((hits & scope).sum()), int(scope.sum()), details, note=note)

    return GroupMeasure(measure)
