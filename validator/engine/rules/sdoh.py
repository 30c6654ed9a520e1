"""Social determinants and household context (DOMAIN.md §3.11, R-140…R-144): SDOH screening
recorded, coded and attributable; residence ZIP code usable for area indices; payer recorded.

A *screening* is a row with an informative ``sdoh_screen_date`` or a recorded
``sdoh_instrument`` (whichever of the two is in the input). Each rule is NOT_APPLICABLE with the
reason when its fields are absent or declared not collected.
"""

from __future__ import annotations

import re

import numpy as np

from validator import sogi
from validator.catalog import CheckDef
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RowMeasure,
    RuleContext,
)
from validator.engine.rules import rule
from validator.engine.rules.age import _as_of_ordinals, age_in_years, ordinals
from validator.engine.rules.sogi import counted, field_of, first_item, need
from validator.normalize import Unique

SCREEN_DATE = "sdoh_screen_date"
INSTRUMENT = "sdoh_instrument"

#: Default screening instruments (LOINC panel codes, DOMAIN §3.11 [U]); a profile adds local
#: instrument codes with ``sdoh_instruments``.
INSTRUMENTS = {
    "93025-5": "prapare",
    "96777-8": "ahc_hrsn",
    "88121-9": "hunger_vital_sign",
    "71802-3": "housing_status",
}


def _screenings(ctx: RuleContext) -> np.ndarray:
    """Rows holding a screening: a screening date or a recorded instrument."""
    date, inst = field_of(ctx, SCREEN_DATE), field_of(ctx, INSTRUMENT)
    if date is None and inst is None:
        raise NotApplicable(f"neither {SCREEN_DATE} nor {INSTRUMENT} is in the input")
    out = ctx.none()
    if date is not None:
        out |= date.flag(lambda u: u.date is not None)
    if inst is not None:
        out |= inst.informative_mask()
    return out


def _named_rows(ctx: RuleContext) -> np.ndarray | None:
    """At encounter grain, the rows with a patient_id (patients are counted); else None."""
    if ctx.profile.grain != "encounter" or ctx.field("patient_id") is None:
        return None
    return ctx.data.patient_codes() >= 0


def _n_patients(ctx: RuleContext, named: np.ndarray, mask: np.ndarray) -> int:
    """Distinct patients among ``mask`` rows; a row without patient_id is a patient of its
    own, as many as the rows it stands for."""
    return ctx.distinct_patients(mask) + ctx.count(mask & ~named)


# -----------------------------------------------------------------------------


@rule("SDOH.SCREENING_RECORDED")
def screening_recorded(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Share of patients with an SDOH screening within sdoh_window_days before the extract."""
    nf = ctx.require(field)
    window = ctx.param(check, "sdoh_window_days")
    screened = ordinals(nf)
    has = screened >= 0
    days = _as_of_ordinals(ctx) - screened
    within = has & (days >= 0) & (days <= window)
    masks = {"screened_in_window": within, "screened_before_window": has & (days > window),
             "future_date": has & (days < 0),
             "unparseable_date": nf.flag(lambda u: u.state == "unparseable"),
             "no_screening": ~has & nf.flag(lambda u: u.state != "unparseable")}
    named = _named_rows(ctx)
    unit = "patients (distinct patient_id)" if named is not None else "rows (patients)"
    note = f"{unit} with a screening dated 0 to {window:g} days before the extract date"

    def measure(rows: np.ndarray) -> Measurement:
        details: dict[str, int | float | str] = {k: ctx.count(m & rows)
                                                 for k, m in masks.items()}
        if named is None:
            return Measurement(ctx.count(within & rows), ctx.count(rows), details, note=note)
        return Measurement(_n_patients(ctx, named, within & rows),
                           _n_patients(ctx, named, rows), details, note=note)

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------


@rule("SDOH.INSTRUMENT_CODED", single=True, result_field=INSTRUMENT)
def instrument_coded(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Screenings without an instrument code, or with a code outside the declared list."""
    inst = need(ctx, INSTRUMENT)
    local = frozenset(ctx.profile.sdoh_instruments)
    declared = frozenset(INSTRUMENTS) | local
    coded = inst.informative_mask()
    screening = _screenings(ctx)
    missing = screening & ~coded
    undeclared = inst.flag(lambda u: any(i not in declared for i in u.informative))
    details = {name: inst.flag(lambda u, c=code: c in u.informative)
               for code, name in INSTRUMENTS.items()}
    details |= {"no_instrument": missing, "undeclared_instrument": undeclared,
                "profile_declared": inst.flag(lambda u: any(i in local for i in u.informative))}
    note = ("declared: PRAPARE 93025-5, AHC HRSN 96777-8, Hunger Vital Sign 88121-9, housing "
            f"status 71802-3{' + the profile sdoh_instruments' if local else ''}; screenings: "
            f"an {SCREEN_DATE} or a recorded instrument")
    return RowMeasure(screening, missing | undeclared, details=details, note=note)


# -----------------------------------------------------------------------------


@rule("SDOH.RESPONDENT_RECORDED", single=True, result_field="sdoh_respondent")
def respondent_recorded(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Minors' screenings with no respondent, or answered by self below self_report_min_age."""
    resp = need(ctx, "sdoh_respondent")
    birth = need(ctx, "birth_date", "(needed to find minors)")
    screening = _screenings(ctx)
    age = age_in_years(ctx, birth, field_of(ctx, SCREEN_DATE))
    adult = ctx.param(check, "adult_age")
    min_self = ctx.param(check, "self_report_min_age")
    minor = (age >= 0) & (age < adult)
    no_respondent = ~resp.informative_mask()
    is_self = resp.flag(lambda u: first_item(u) == sogi.SELF)
    young_self = is_self & (age < min_self)
    kinds = {"self": is_self, "staff": resp.flag(lambda u: first_item(u) == sogi.STAFF),
             "proxy": resp.flag(lambda u: first_item(u) in sogi.PROXIES)}
    return counted(
        ctx, screening & minor, no_respondent | young_self,
        in_scope={"no_respondent": no_respondent, "self_under_min_age": young_self,
                  **{f"respondent_{k}": m for k, m in kinds.items()}},
        note=(f"screenings: an {SCREEN_DATE} or a recorded {INSTRUMENT}; minors: age at the "
              f"screening date (the extract date where blank) below adult_age ({adult:g}); "
              f"self below self_report_min_age ({min_self:g}) answers household items"),
        empty="no screening of a minor")


# -----------------------------------------------------------------------------

_ZIP = re.compile(r"^\d{5}(?:-?\d{4})?$")
PLACEHOLDER_ZIPS = frozenset({"00000", "99999"})


def zip_problem(u: Unique) -> str | None:
    """``not_zip_format``, ``four_digits`` (a leading zero lost in a spreadsheet: 2134 for
    02134), ``placeholder`` (00000, 99999, also as ZIP+4) or None for a usable ZIP."""
    if len(u.informative) != 1:
        return "not_zip_format" if u.informative else None
    value = u.informative[0].strip()
    if not _ZIP.match(value):
        return "four_digits" if re.fullmatch(r"\d{4}", value) else "not_zip_format"
    return "placeholder" if value[:5] in PLACEHOLDER_ZIPS else None


@rule("GEO.ZIP_VALID", single=True, result_field="address_zip")
def zip_valid(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """ZIP codes that are not 5-digit / ZIP+4, placeholders, or missing beside an address."""
    nf = need(ctx, "address_zip")
    address = field_of(ctx, "address")
    recorded = nf.informative_mask()
    with_address = address.informative_mask() if address is not None else ctx.none()
    problem = {k: nf.flag(lambda u, k=k: zip_problem(u) == k)
               for k in ("not_zip_format", "four_digits", "placeholder")}
    missing = with_address & ~recorded
    hits = problem["not_zip_format"] | problem["four_digits"] | problem["placeholder"] | missing
    details = {**problem, "missing_with_address": missing,
               "zip_plus4": nf.flag(lambda u: zip_problem(u) is None and len(u.informative) == 1
                                    and len(u.informative[0].strip()) > 5)}
    note = ("in scope: a recorded ZIP, or an address line" if address is not None else
            "address not in the input: a missing ZIP beside an address cannot be counted")
    return RowMeasure(recorded | with_address, hits, details=details, note=note)


# -----------------------------------------------------------------------------

#: Payer categories reported per site (documented synonyms; the first matching set wins, so
#: "private pay" is self-pay and "Medicaid HMO" is public). Numbers are read as PHDSC Source of
#: Payment Typology codes by their first digit [U]: 1 Medicare, 2 Medicaid, 3 other government,
#: 4 corrections -> public; 5 private, 6 BCBS -> private; 8 no payment from an organization ->
#: self_pay; 9, 99, 999, 9999 (no typology code / unavailable) -> unknown; others -> other.
PAYER_SYNONYMS = (
    ("self_pay", ("self pay", "selfpay", "self paid", "private pay", "uninsured",
                  "no insurance", "cash", "charity", "out of pocket")),
    ("public", ("public", "medicaid", "medicare", "chip", "schip", "tricare", "champus",
                "champva", "medi cal", "va", "veterans", "ihs", "indian health", "government",
                "title v", "title xix", "title xxi", "state program")),
    ("private", ("private", "commercial", "employer", "bcbs", "blue cross", "blue shield",
                 "hmo", "ppo", "marketplace", "exchange", "group health")),
)
PAYER_CATEGORIES = ("public", "private", "self_pay", "other", "unknown")
_SOP_FIRST_DIGIT = {"1": "public", "2": "public", "3": "public", "4": "public", "5": "private",
                    "6": "private", "8": "self_pay"}


def payer_category(u: Unique) -> str:
    """public / private / self_pay / other, or unknown (blank, an absent reason, SOP 9/99)."""
    value = first_item(u)
    if value is None:
        return "unknown"
    text = value.strip().lower()
    if re.fullmatch(r"\d{1,5}", text):
        if set(text) == {"9"}:
            return "unknown"
        return _SOP_FIRST_DIGIT.get(text[0], "other")
    words = f" {' '.join(re.findall(r'[a-z]+', text))} "
    for category, phrases in PAYER_SYNONYMS:
        if any(f" {p} " in words for p in phrases):
            return category
    return "other"


@rule("PAYER.RECORDED")
def payer_recorded(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Share of patients with an insurance type, and the payer mix (per site by strata)."""
    nf = ctx.require(field)
    mix = {c: nf.flag(lambda u, c=c: payer_category(u) == c) for c in PAYER_CATEGORIES}
    return RowMeasure(ctx.all(), ~mix["unknown"], details=mix,
                      note="recorded: public, private, self_pay or other; unknown: blank, an "
                           "absent reason, or PHDSC SOP 9/99/9999")
