"""Who answered, by age (DOMAIN.md §3.7): R-101 RESP.RECORDED, R-102 RESP.SELF_UNDER_MIN_AGE,
R-103 RESP.PROXY_FOR_ADULT and R-107 PED.NEWBORN_DERIVED_RACE.

Each REaL/SOGI element has one ``<element>_respondent`` and one ``<element>_collected_date``
(validator/fields.py). Respondents arrive normalized to ``self``, ``parent_guardian_family``,
``authorized_representative`` or ``staff`` (``normalize.RESPONDENT_VALUES``); any other recorded
value is informative but not recognised. Ages at collection use the element's collected date,
the extract date where it is blank; every age threshold comes from ``ctx.param`` so a profile's
``ages:`` section applies. In encounter-level input these rules count rows (encounters).
"""

from __future__ import annotations

import numpy as np

from validator import tokens
from validator.catalog import CheckDef
from validator.derive import DAYS_UNKNOWN, days_unknown
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RowMeasure,
    RuleContext,
)
from validator.engine.rules import rule
from validator.engine.rules.age import _as_of_ordinals, age_in_years, ordinals
from validator.fields import FIELDS, RACE_FIELDS
from validator.normalize import NormalizedField

SELF = "self"
PARENT = "parent_guardian_family"
REPRESENTATIVE = "authorized_representative"
STAFF = "staff"
RESPONDENTS = (SELF, PARENT, REPRESENTATIVE, STAFF)
#: Respondents answering for the patient (R-104 "collected by proxy").
PROXIES = frozenset({PARENT, REPRESENTATIVE})

_DISABILITY_ITEMS = tuple(
    name for name in FIELDS
    if name.startswith("disability_") and not name.endswith(("_respondent", "_collected_date"))
)

#: The value fields each ``<element>_respondent`` / ``<element>_collected_date`` describes.
ELEMENTS: dict[str, tuple[str, ...]] = {
    "race": (*RACE_FIELDS, "race_text", "race_ethnicity_2024", "race_ethnicity_2024_detailed"),
    "ethnicity": ("ethnicity_code", "ethnicity_detailed", "ethnicity_text"),
    "lang": ("lang_spoken_pref",),
    "gender_identity": ("gender_identity",),
    "sexual_orientation": ("sexual_orientation",),
    "disability": _DISABILITY_ITEMS,
}


def element_of(respondent_field: str) -> str:
    """``race_respondent`` -> ``race``."""
    return respondent_field.removesuffix("_respondent")


def value_informative(ctx: RuleContext, element: str) -> np.ndarray:
    """Rows with an informative value in any present field of ``element``; NotApplicable when
    none of its fields is in the input."""
    present = [nf for f in ELEMENTS[element] if (nf := ctx.field(f)) is not None]
    if not present:
        names = " / ".join(ELEMENTS[element])
        raise NotApplicable(f"no {element} value field ({names}) is in the input")
    out = ctx.none()
    for nf in present:
        out |= nf.informative_mask()
    return out


def value_is(nf: NormalizedField, *wanted: str) -> np.ndarray:
    """Rows whose (normalized) enum value, e.g. the respondent, is one of ``wanted``."""
    return nf.flag(lambda u: bool(u.informative) and u.informative[0] in wanted)


def _age_at_collection(ctx: RuleContext, element: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(completed years at collection, rows aged at the extract date, wording for notes)."""
    birth = ctx.require("birth_date", "(needed for the age at collection)")
    name = f"{element}_collected_date"
    collected = ctx.field(name)
    age = age_in_years(ctx, birth, collected)
    if collected is None:
        return age, ctx.all(), f"age at the extract date ({name} not in the input)"
    dated = collected.flag(lambda u: u.date is not None)
    return age, ~dated, f"age at {name} (the extract date where it is blank)"


# -----------------------------------------------------------------------------


@rule("RESP.RECORDED")
def recorded(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Informative values of the element whose respondent is blank or an absent reason."""
    resp = ctx.require(field)
    element = element_of(field)
    scope = value_informative(ctx, element)
    blank = resp.flag(lambda u: u.state == tokens.BLANK)
    absent = resp.flag(lambda u: u.state not in (tokens.BLANK, tokens.INFORMATIVE))
    unrecognised = resp.flag(lambda u: bool(u.informative) and u.informative[0] not in RESPONDENTS)
    details = {"respondent_blank": blank, "respondent_absent_reason": absent,
               "respondent_unrecognised": unrecognised}
    note = (f"values: rows with an informative value in {' / '.join(ELEMENTS[element])}; "
            "respondent_unrecognised (recorded, not one of self, parent_guardian_family, "
            "authorized_representative, staff) is not a violation")
    return RowMeasure(scope, blank | absent, details=details, note=note)


# -----------------------------------------------------------------------------


@rule("RESP.SELF_UNDER_MIN_AGE")
def self_under_min_age(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Respondent self while the age at collection is below self_report_min_age."""
    resp = ctx.require(field)
    element = element_of(field)
    informative = value_informative(ctx, element)
    age, at_extract, when = _age_at_collection(ctx, element)
    limit = ctx.param(check, "self_report_min_age")
    scope = informative & resp.informative_mask() & (age >= 0)
    is_self = value_is(resp, SELF)
    details = {"self_respondent": is_self, "aged_at_extract_date": at_extract}
    note = (f"{when}; self_report_min_age = {limit:g} years; values with a recorded respondent "
            "and a computable age")
    return RowMeasure(scope, is_self & (age < limit), details=details, note=note)


@rule("RESP.PROXY_FOR_ADULT")
def proxy_for_adult(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Parent/guardian/family respondent for a patient aged adult_age or older at collection."""
    resp = ctx.require(field)
    element = element_of(field)
    informative = value_informative(ctx, element)
    age, at_extract, when = _age_at_collection(ctx, element)
    limit = ctx.param(check, "adult_age")
    scope = informative & resp.informative_mask() & (age >= limit)
    parent = value_is(resp, PARENT)
    details = {"authorized_representative": value_is(resp, REPRESENTATIVE),
               "self_respondent": value_is(resp, SELF),
               "aged_at_extract_date": at_extract}
    note = (f"{when}; adult_age = {limit:g} years; values of adults with a recorded "
            "respondent; no incapacity flag exists among the canonical fields, so every "
            "parent/guardian/family answer for an adult counts (an authorized representative "
            "does not)")
    return RowMeasure(scope, parent, details=details, note=note)


# -----------------------------------------------------------------------------


def _newborn_inputs(ctx: RuleContext) -> tuple[NormalizedField | None, NormalizedField | None,
                                               NormalizedField | None]:
    source = ctx.field("race_source")
    collected = ctx.field("race_collected_date")
    respondent = ctx.field("race_respondent")
    if source is None and (collected is None or respondent is None):
        raise NotApplicable("needs race_source, or race_collected_date and race_respondent, "
                            "to tell derived newborn race")
    return source, collected, respondent


@rule("PED.NEWBORN_DERIVED_RACE", single=True, result_field="race_source")
def newborn_derived_race(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Share of infants' race that is derived (race_source derived, or collected on the birth
    date with no respondent); race_source self for an infant is reported as a breach."""
    birth = ctx.require("birth_date", "(needed for the age at race collection)")
    if days_unknown(birth):
        raise NotApplicable(DAYS_UNKNOWN)
    source, collected, respondent = _newborn_inputs(ctx)
    informative = value_informative(ctx, "race")
    limit = ctx.param(check, "newborn_max_days")
    born = ordinals(birth)
    at = _as_of_ordinals(ctx)
    if collected is not None:
        c = ordinals(collected)
        at = np.where(c >= 0, c, at)
    days = at - born
    infants = informative & (born >= 0) & (days >= 0) & (days < limit)
    derived = value_is(source, "derived") if source is not None else ctx.none()
    on_birth_date = ctx.none()
    if collected is not None and respondent is not None:
        on_birth_date = ((ordinals(collected) == born) & (born >= 0)
                         & ~respondent.informative_mask())
    is_self = value_is(source, SELF) if source is not None else ctx.none()
    proxy = value_is(source, "proxy") if source is not None else ctx.none()
    branches = (["race_source derived"] if source is not None else []) + (
        ["collected on the birth date with no respondent"]
        if collected is not None and respondent is not None else [])
    note = (f"infants: informative race and under {limit:g} days old at race_collected_date "
            f"(the extract date where it is blank); derived = {' or '.join(branches)}; "
            "mother's race is not a canonical field, so equality with it is not tested")

    def measure(rows: np.ndarray) -> Measurement:
        scope = infants & rows
        n_self = ctx.count(is_self & scope)
        details = {"source_derived": ctx.count(derived & scope),
                   "birth_date_no_respondent": ctx.count(on_birth_date & scope),
                   "source_proxy": ctx.count(proxy & scope), "source_self": n_self}
        breach = (f"{n_self} infant record(s) with race_source self (expected derived or proxy)"
                  if n_self else None)
        return Measurement(ctx.count((derived | on_birth_date) & scope), ctx.count(scope),
                           details, breach=breach, note=note)

    return GroupMeasure(measure)
