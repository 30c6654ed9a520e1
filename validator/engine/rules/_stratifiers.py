"""What a stratifier is, row by row: the records in scope and which of them are informative.

Shared by the readiness rules (STRAT.*, R-130…R-138), the site rules (SITE.*, R-120…R-122) and
validator/readiness.py, so that every rate about one stratifier has the same numerator and
denominator:

- race, ethnicity and combined 2024 fields: every record; informative = not blank and not an
  absent-reason token (imputed values count: STRAT.DIRECT_SHARE and RACE.IMPUTED_SEPARATE
  deal with them);
- ``lang_spoken_pref``: every record except patients younger than ``preverbal_age`` (2 y) at
  ``lang_collected_date`` (else at the extract date; rows without a birth date kept), as in
  LANG.COMPLETENESS; informative = a language is named (not und/mis/zxx, not ``mul`` alone);
- ``caregiver_lang_spoken_pref`` (the language stratifier of young children, DOMAIN §4 S10):
  patients younger than ``self_report_min_age`` (11 y) at the extract date; informative = a
  linked caregiver names a language (one of the primary contacts when any is marked).

Age thresholds come from the profile's ``ages:`` section (validator/ages.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from validator import ages, tokens
from validator.engine.measures import NotApplicable, RuleContext
from validator.engine.rules._groups import Groups
from validator.engine.rules.age import age_in_years
from validator.engine.rules.language import has_language, is_english, is_non_english
from validator.engine.rules.sdoh import payer_category
from validator.fields import ETHNICITY_FIELDS, RACE_FIELDS
from validator.normalize import NormalizedField

FIELDS_2024 = ("race_ethnicity_2024", "race_ethnicity_2024_detailed")
LANG = "lang_spoken_pref"
CG_LANG = "caregiver_lang_spoken_pref"
CG_PRIMARY = "caregiver_is_primary_contact"
#: The stratifier fields the STRAT/SITE rules run on (R-131 adds the caregiver language).
STRATIFIER_FIELDS = ("race_codes", "race_omb", "ethnicity_code", "race_ethnicity_2024", LANG)
#: Absent states that are not an answer (NCQA's "Unknown", R-137): declined, other and
#: not_applicable are answers of a kind and are not counted.
UNKNOWN_STATES = (tokens.BLANK, "unknown", "not_asked", "asked_unknown", "unable_to_respond")


@dataclass(frozen=True)
class Stratifier:
    """One stratifier field: rows in scope, informative rows, and detail masks."""

    field: str
    scope: np.ndarray
    informative: np.ndarray
    states: Mapping[str, np.ndarray] = field(default_factory=dict)
    excluded: Mapping[str, np.ndarray] = field(default_factory=dict)
    note: str = ""

    @property
    def missing(self) -> np.ndarray:
        """Rows in scope that are not informative."""
        return self.scope & ~self.informative


def age_thresholds(ctx: RuleContext) -> dict[str, float]:
    """The run's age thresholds (profile ``ages:`` over the defaults)."""
    return ages.effective(dict(ctx.profile.ages))


def usable(ctx: RuleContext, name: str) -> bool:
    """The field is mapped and not declared not collected."""
    return name not in ctx.profile.not_collected and ctx.field(name) is not None


def _states(ctx: RuleContext, name: str) -> dict[str, np.ndarray]:
    nf = ctx.require(name)
    return {("unable" if t == "unable_to_respond" else t): nf.flag(lambda u, t=t: u.state == t)
            for t in tokens.TOKENS}


def _language(ctx: RuleContext) -> Stratifier:
    nf = ctx.require(LANG)
    informative = nf.flag(has_language)
    states = _states(ctx, LANG)
    states["no_language_named"] = nf.flag(lambda u: bool(u.informative)) & ~informative
    birth = ctx.field("birth_date")
    limit = age_thresholds(ctx)["preverbal_age"]
    if birth is None:
        return Stratifier(LANG, ctx.all(), informative, states,
                          note="birth_date not in the input: no record excluded as preverbal")
    age = age_in_years(ctx, birth, ctx.field("lang_collected_date"))
    preverbal = (age >= 0) & (age < limit)
    return Stratifier(LANG, ~preverbal, informative, states, {"excluded_preverbal": preverbal},
                      note=f"patients younger than {limit:g} years (preverbal_age) are "
                           "excluded: the caregiver's language applies")


def caregiver_counts(ctx: RuleContext, cg_mask: np.ndarray) -> np.ndarray:
    """Linked caregiver rows satisfying ``cg_mask`` per main-file row (0 without a patient)."""
    cg = ctx.data.caregivers
    codes = cg.row_patient_code
    out = np.zeros(len(codes), dtype=np.int64)
    ok = codes >= 0
    out[ok] = cg.per_patient(cg_mask)[codes[ok]]
    return out


def caregiver_language_field(ctx: RuleContext) -> NormalizedField | None:
    """The caregivers' preferred spoken language field, None when not mapped/collected."""
    cg = ctx.data.caregivers
    if cg is None or CG_LANG in ctx.profile.not_collected:
        return None
    return cg.data.get(CG_LANG)


def _caregiver_language(ctx: RuleContext) -> Stratifier:
    lang = caregiver_language_field(ctx)
    if lang is None:
        raise NotApplicable(f"{CG_LANG} is not mapped (no caregiver language)")
    if not usable(ctx, "birth_date"):
        raise NotApplicable("birth_date is not in the input (needed to find patients younger "
                            "than self_report_min_age)")
    cg = ctx.data.caregivers
    limit = age_thresholds(ctx)["self_report_min_age"]
    age = age_in_years(ctx, ctx.require("birth_date"))
    young = (age >= 0) & (age < limit)
    named = lang.flag(has_language)
    primary_nf = None if CG_PRIMARY in ctx.profile.not_collected else cg.data.get(CG_PRIMARY)
    primary = (primary_nf.flag(lambda u: "yes" in u.informative) if primary_nf is not None
               else np.zeros(cg.n_rows, dtype=bool))
    n_all, n_named = caregiver_counts(ctx, np.ones(cg.n_rows, dtype=bool)), caregiver_counts(
        ctx, named)
    n_primary, n_primary_named = caregiver_counts(ctx, primary), caregiver_counts(
        ctx, primary & named)
    ok = np.where(n_primary > 0, n_primary_named > 0, n_named > 0)
    states = {"without_caregiver": n_all == 0,
              "caregivers_without_language": (n_all > 0) & ~ok}
    return Stratifier(CG_LANG, young, ok, states, {"no_usable_birth_date": age < 0},
                      note=f"patients younger than {limit:g} years (self_report_min_age) at "
                           "the extract date; informative: a linked caregiver (a primary "
                           "contact when any is marked) names a language")


def stratifier(ctx: RuleContext, name: str) -> Stratifier:
    """The stratifier ``name`` (cached per run); NotApplicable when it cannot be built."""
    key = ("stratifier", name)
    if key not in ctx.cache:
        try:
            ctx.cache[key] = _build(ctx, name)
        except NotApplicable as exc:
            ctx.cache[key] = exc
    found = ctx.cache[key]
    if isinstance(found, NotApplicable):
        raise found
    assert isinstance(found, Stratifier)
    return found


def _build(ctx: RuleContext, name: str) -> Stratifier:
    if name in ctx.profile.not_collected:
        raise NotApplicable(f"{name} declared not collected in the profile")
    if name == LANG:
        return _language(ctx)
    if name == CG_LANG:
        return _caregiver_language(ctx)
    nf = ctx.require(name)
    return Stratifier(name, ctx.all(), nf.informative_mask(), _states(ctx, name))


# ----------------------------------------------------------------------------- groups


def site_codes(ctx: RuleContext) -> tuple[np.ndarray, list[str]] | None:
    """Per-row stratum code and the labels, as the runner numbers them; None without strata."""
    name = ctx.profile.stratum
    if not name or name not in ctx.data.fields:
        return None
    return ctx.data.stratum_codes(name)


def language_groups(ctx: RuleContext) -> tuple[Groups, str] | None:
    """Per-row language group: ``non_english`` when the patient, or for a patient who is not
    a known adult a linked caregiver, prefers a specific language other than English;
    ``english`` when not so and an English preference is recorded (patient or caregiver);
    None otherwise. None overall when neither language field is available. Computed once per
    run (read-only codes)."""
    if "language_groups" not in ctx.cache:
        found = _language_groups(ctx)
        if found is not None:
            found[0].codes.flags.writeable = False
        ctx.cache["language_groups"] = found
    return ctx.cache["language_groups"]  # type: ignore[return-value]


def _language_groups(ctx: RuleContext) -> tuple[Groups, str] | None:
    patient = ctx.field(LANG) if usable(ctx, LANG) else None
    cg_lang = caregiver_language_field(ctx)
    if patient is None and cg_lang is None:
        return None
    en = patient.flag(is_english) if patient is not None else ctx.none()
    non = patient.flag(is_non_english) if patient is not None else ctx.none()
    note = "language group from lang_spoken_pref"
    if cg_lang is not None:
        adult = age_thresholds(ctx)["adult_age"]
        birth = ctx.field("birth_date")
        minor = (age_in_years(ctx, birth) < adult if birth is not None else ctx.all())
        non = non | (minor & (caregiver_counts(ctx, cg_lang.flag(is_non_english)) > 0))
        en = en | (minor & (caregiver_counts(ctx, cg_lang.flag(is_english)) > 0))
        note += (f" and, for patients not known to be {adult:g} or older, the caregivers' "
                 "caregiver_lang_spoken_pref (non-English when either prefers another language)")
    codes = np.full(ctx.n_rows, -1, dtype=np.int64)
    codes[en] = 0
    codes[non] = 1
    return Groups(codes, ("english", "non_english")), note


AGE_BANDS = ((0, 5, "0-4"), (5, 11, "5-10"), (11, 18, "11-17"), (18, 10_000, "18+"))


def age_bands(ctx: RuleContext) -> Groups | None:
    """Per-row age band at the extract date (0-4, 5-10, 11-17, 18+); None without birth_date."""
    if not usable(ctx, "birth_date"):
        return None
    cached = ctx.cache.get("age_bands")
    if cached is None:
        age = age_in_years(ctx, ctx.require("birth_date"))
        codes = np.full(ctx.n_rows, -1, dtype=np.int64)
        for i, (low, high, _) in enumerate(AGE_BANDS):
            codes[(age >= low) & (age < high)] = i
        codes.flags.writeable = False
        cached = ctx.cache["age_bands"] = Groups(codes, tuple(label for _, _, label in AGE_BANDS))
    return cached  # type: ignore[return-value]


def payer_groups(ctx: RuleContext) -> Groups | None:
    """Per-row payer category (public, private, self_pay, other; unknown -> None)."""
    if not usable(ctx, "payer_type"):
        return None
    nf = ctx.require("payer_type")
    names = ("public", "private", "self_pay", "other")
    per_unique = np.array([names.index(c) if c in names else -1
                           for c in map(payer_category, nf.uniques)], dtype=np.int64)
    return Groups(per_unique[nf.codes], names)


def race_ethnicity_fields(ctx: RuleContext) -> tuple[list[str], list[str]]:
    """(1997-format fields, 2024-format fields) present in the input."""
    f97 = [f for f in (*RACE_FIELDS, *ETHNICITY_FIELDS) if usable(ctx, f)]
    f24 = [f for f in FIELDS_2024 if usable(ctx, f)]
    return f97, f24
