"""SOGI, sex, pronoun and disability rules (DOMAIN.md §3.8, R-110…R-118).

R-114 (value sets) runs in GX (expectations/sogi.json) on the column validator/sogi.py prepares
for the value set the profile declares; its detail counts are added here through
``gx_checks.DETAILS``. Every other rule is a pandas rule.

Profile policy (R-118): under ``sogi_policy: excluded`` (federal certification after EO 14168)
every SOGI check is NOT_APPLICABLE with that reason, whether the SOGI fields are present or not;
under ``required`` (WA CHARS, OR REALD/SOGI) gender_identity and sexual_orientation join the
profile's required groups (``fields.required_groups``) and a missing one makes
SOGI.POLICY_PROFILE FAIL; ``optional`` (default) checks the fields that are present.

Ages come from ``ctx.param`` (a profile's ``ages:`` section applies) and are completed years at
the element's ``*_collected_date``, at the extract date where it is blank, unless a rule says
otherwise. Respondents arrive normalized (``self``, ``parent_guardian_family``,
``authorized_representative``, ``staff``; normalize.RESPONDENT_VALUES).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from validator import sogi, tokens
from validator.catalog import CheckDef
from validator.derive import DAYS_UNKNOWN, days_unknown
from validator.engine import gx_checks
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RuleContext,
)
from validator.engine.rules import rule
from validator.engine.rules._codes import combine
from validator.engine.rules.age import _as_of_ordinals, age_in_years, ordinals
from validator.fields import SOGI_FIELDS, required_groups
from validator.normalize import NormalizedField, Unique

GI = "gender_identity"
SO = "sexual_orientation"
#: Absent reasons that show the question was posed (asked, then declined / did not know /
#: answered outside the value set / could not answer).
ASKED = frozenset({"declined", "asked_unknown", "other", "unable_to_respond"})


# ----------------------------------------------------------------------------- helpers


def _policy(ctx: RuleContext) -> None:
    """NotApplicable when the profile excludes SOGI."""
    reason = sogi.excluded_reason(ctx.profile)
    if reason:
        raise NotApplicable(reason)


def field_of(ctx: RuleContext, name: str) -> NormalizedField | None:
    """The field, or None when it is absent or declared not collected."""
    return None if name in ctx.profile.not_collected else ctx.field(name)


def need(ctx: RuleContext, name: str, why: str = "") -> NormalizedField:
    """The field, or NotApplicable when it is absent or declared not collected."""
    if name in ctx.profile.not_collected:
        raise NotApplicable(f"{name} declared not collected in the profile")
    return ctx.require(name, why)


def _age_at(ctx: RuleContext, birth: NormalizedField, element: str
            ) -> tuple[np.ndarray, np.ndarray, str]:
    """(completed years at ``<element>_collected_date``, rows aged at the extract date, note)."""
    name = f"{element}_collected_date"
    collected = ctx.field(name)
    age = age_in_years(ctx, birth, collected)
    if collected is None:
        return age, ctx.all(), f"age at the extract date ({name} not in the input)"
    return age, ~collected.flag(lambda u: u.date is not None), (
        f"age at {name} (the extract date where it is blank)")


def counted(ctx: RuleContext, scope: np.ndarray, hits: np.ndarray, *,
            in_scope: Mapping[str, np.ndarray] | None = None,
            in_rows: Mapping[str, np.ndarray] | None = None,
            note: str = "", empty: str = "") -> GroupMeasure:
    """Row masks counted per stratum (weighted, ``ctx.count``): details ``in_scope`` within
    the scope, ``in_rows`` within the stratum's rows; ``empty`` is the note (the
    NOT_APPLICABLE reason) when the scope is empty."""

    def measure(rows: np.ndarray) -> Measurement:
        s = scope & rows
        details: dict[str, int | float | str] = {
            k: ctx.count(m & s) for k, m in (in_scope or {}).items()}
        details |= {k: ctx.count(m & rows) for k, m in (in_rows or {}).items()}
        n = ctx.count(s)
        return Measurement(ctx.count(hits & s), n, details,
                           note=note if n or not empty else empty)

    return GroupMeasure(measure)


def first_item(u: Unique) -> str | None:
    """The first informative item of a value (enum fields hold one)."""
    return u.informative[0] if u.informative else None


# -----------------------------------------------------------------------------


def _age_gate(ctx: RuleContext, check: CheckDef, name: str, key: str) -> GroupMeasure:
    """Informative values of ``name`` at an age at collection below ``ctx.param(key)``."""
    _policy(ctx)
    nf = need(ctx, name)
    birth = need(ctx, "birth_date", "(needed for the age at collection)")
    age, at_extract, when = _age_at(ctx, birth, name)
    limit = ctx.param(check, key)
    informative = nf.informative_mask()
    aged = age >= 0
    below = aged & (age < limit)
    asked = nf.flag(lambda u: not u.informative and any(t in ASKED for t in u.absent))
    return counted(
        ctx, informative & aged, below,
        in_scope={"aged_at_extract_date": at_extract},
        in_rows={"asked_below_min_age": asked & below,
                 "informative_without_age": informative & ~aged},
        note=(f"{when}; {key} = {limit:g} years; asked_below_min_age: declined / don't know / "
              "other recorded below that age (the question was posed; not counted)"),
        empty=f"no informative {name} with a computable age at collection")


@rule("SOGI.SO_AGE_GATE", single=True, result_field=SO)
def so_age_gate(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Informative sexual orientation below so_min_age (Goldhammer 2022: from ages 10-13)."""
    return _age_gate(ctx, check, SO, "so_min_age")


@rule("SOGI.GI_AGE_GATE", single=True, result_field=GI)
def gi_age_gate(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Informative gender identity below gi_min_age (Goldhammer 2022: from about age 3)."""
    return _age_gate(ctx, check, GI, "gi_min_age")


# -----------------------------------------------------------------------------


def _proxy_scope(ctx: RuleContext, birth: NormalizedField, element: str,
                 in_age: Callable[[np.ndarray], np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(in scope, proxy answered, representative answered) for one element, None when its
    respondent field is absent. ``in_age(age)`` selects the ages the rule covers."""
    resp = field_of(ctx, f"{element}_respondent")
    if resp is None:
        return None
    age, _, _ = _age_at(ctx, birth, element)
    value = field_of(ctx, element)
    answered = value.flag(lambda u: u.state != tokens.BLANK) if value is not None else ctx.all()
    scope = (age >= 0) & in_age(age) & resp.informative_mask() & answered
    proxy = resp.flag(lambda u: first_item(u) in sogi.PROXIES)
    representative = resp.flag(lambda u: first_item(u) == "authorized_representative")
    return scope, proxy, representative


@rule("SOGI.ADOLESCENT_PROXY", single=True)
def adolescent_proxy(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Sexual orientation answered by a proxy at ages 11-17, gender identity at 14 or older."""
    _policy(ctx)
    if field_of(ctx, f"{SO}_respondent") is None and field_of(ctx, f"{GI}_respondent") is None:
        raise NotApplicable(f"neither {SO}_respondent nor {GI}_respondent is in the input")
    birth = need(ctx, "birth_date", "(needed for the age at collection)")
    lo, hi = ctx.param(check, "adolescent_min_age"), ctx.param(check, "adolescent_max_age")
    gi_min = ctx.param(check, "gi_self_report_min_age")
    scope, hits = ctx.none(), ctx.none()
    in_scope: dict[str, np.ndarray] = {}
    for element, in_age in ((SO, lambda a: (a >= lo) & (a <= hi)),
                            (GI, lambda a: a >= gi_min)):
        found = _proxy_scope(ctx, birth, element, in_age)
        if found is None:
            continue
        s, proxy, representative = found
        scope |= s
        hits |= s & proxy
        in_scope |= {f"{element}_in_scope": s, f"{element}_proxy": s & proxy,
                     f"{element}_authorized_representative": s & representative}
    note = (f"{SO}: ages {lo:g}-{hi:g}, {GI}: age {gi_min:g} or older, at the element's "
            "collected date (the extract date where blank), with a recorded respondent and "
            "value; proxy = parent_guardian_family or authorized_representative")
    return counted(ctx, scope, hits, in_scope=in_scope, note=note,
                   empty="no SOGI value with a recorded respondent in the adolescent ages")


# -----------------------------------------------------------------------------


@rule("SOGI.CONFIDENTIALITY_FLAG", single=True, result_field="sogi_confidential")
def confidentiality_flag(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Share of minors' informative SOGI records carrying a confidentiality marker."""
    _policy(ctx)
    marker = ctx.field("sogi_confidential")
    if marker is None:
        raise NotApplicable("sogi_confidential is not mapped: the profile declares no "
                            "confidentiality marker (map the column holding the security "
                            "label to measure R-113)")
    values = [nf for name in (GI, SO) if (nf := field_of(ctx, name)) is not None]
    if not values:
        raise NotApplicable(f"neither {GI} nor {SO} is in the input")
    birth = need(ctx, "birth_date", "(needed to find minors)")
    adult = ctx.param(check, "adult_age")
    age = age_in_years(ctx, birth)
    informative = ctx.none()
    for nf in values:
        informative |= nf.informative_mask()
    marked = marker.flag(lambda u: sogi.marker(u) == "marked")
    return counted(
        ctx, informative & (age >= 0) & (age < adult), marked,
        in_scope={"not_marked": marker.flag(lambda u: sogi.marker(u) == "not_marked"),
                  "marker_blank": marker.flag(lambda u: sogi.marker(u) == "blank"),
                  "marker_unreadable": marker.flag(lambda u: sogi.marker(u) == "unreadable")},
        note=(f"minors: age at the extract date below adult_age ({adult:g}), when proxies can "
              "see the record; marked: yes/true/1, or v3 Confidentiality R/V"),
        empty="no minor with an informative gender identity or sexual orientation")


# -----------------------------------------------------------------------------


@rule("SOGI.VALUESETS")
def valuesets_not_declared(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Reached only for a field without a GX expectation: a SOGI field the policy excludes."""
    _policy(ctx)
    raise NotApplicable(f"no value set is declared for {field}")


def _valueset_details(ctx: RuleContext, field: str) -> dict[str, np.ndarray]:
    """R-114 detail masks: rows holding ASKU, and rows the profile's other value-set choice
    would accept (``valid_under_legacy``: e.g. genderqueer 446131000124102 under current)."""
    nf = ctx.require(field)
    declared = sogi.valueset_name(ctx.profile, field)
    if declared is None:
        return {}
    own = sogi.codes(declared)
    out = {"asku": nf.flag(lambda u: u.has_asku)}
    for variant, name in sogi.VALUESETS[field].items():
        if name == declared:
            continue
        other = sogi.codes(name)
        out[f"valid_under_{variant}"] = nf.flag(
            lambda u, o=other: bool(items := sogi.checked_items(u))
            and not all(i in own for i in items) and all(i in o for i in items))
    return out


gx_checks.DETAILS["SOGI.VALUESETS"] = _valueset_details


# -----------------------------------------------------------------------------

#: Disability items gated by age (DOMAIN §2.1; hearing and vision apply at any age).
DISABILITY_GATES = {
    "disability_cognition": "disability_min_age",
    "disability_ambulation": "disability_min_age",
    "disability_selfcare": "disability_min_age",
    "disability_learning": "disability_min_age",
    "disability_communication": "disability_min_age",
    "disability_independent_living": "independent_living_min_age",
    "disability_mood": "independent_living_min_age",
}
YES = frozenset({"yes", "y", "true", "t", "1"})
NO = frozenset({"no", "n", "false", "f", "0"})


@rule("DIS.AGE_GATE")
def disability_age_gate(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Patients below the item's minimum age with an answer recorded (expected: not_applicable)."""
    nf = ctx.require(field)
    birth = need(ctx, "birth_date", "(needed for the age at collection)")
    key = DISABILITY_GATES[field]
    limit = ctx.param(check, key)
    age, at_extract, when = _age_at(ctx, birth, "disability")
    below = (age >= 0) & (age < limit)
    answer = nf.flag(lambda u: bool(u.informative))
    return counted(
        ctx, below, answer,
        in_scope={"answered_yes": nf.flag(lambda u: (first_item(u) or "").lower() in YES),
                  "answered_no": nf.flag(lambda u: (first_item(u) or "").lower() in NO),
                  "not_applicable": nf.flag(lambda u: u.state == "not_applicable"),
                  "aged_at_extract_date": at_extract},
        note=(f"{when}; {key} = {limit:g} years; any recorded answer violates (the expected "
              "value is not_applicable, NullFlavor NA)"),
        empty=f"no patient below {limit:g} years at collection")


# -----------------------------------------------------------------------------

#: Administrative sex values that are plausible in neonates: v3 UN Undifferentiated, v2 A
#: Ambiguous, v2 U Unknown; FHIR ``unknown`` and UNK arrive as the absent reason ``unknown``.
UNDETERMINED = {"UN": "un_undifferentiated", "A": "a_ambiguous", "U": "u_unknown"}


def _undetermined(u: Unique) -> str | None:
    if u.informative:
        return UNDETERMINED.get(u.informative[0].upper())
    return "unknown" if u.state == "unknown" else None


@rule("SEX.NEONATE_PLAUSIBLE", single=True, result_field="sex_admin")
def neonate_plausible(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Undetermined administrative sex: plausible under neonate_max_days, counted after."""
    nf = need(ctx, "sex_admin")
    birth = need(ctx, "birth_date", "(needed for the age in days)")
    if days_unknown(birth):
        raise NotApplicable(DAYS_UNKNOWN)
    limit = ctx.param(check, "neonate_max_days")
    born = ordinals(birth)
    days = _as_of_ordinals(ctx) - born
    aged = (born >= 0) & (days >= 0)
    neonate = aged & (days < limit)
    undetermined = nf.flag(lambda u: _undetermined(u) is not None)
    by_value = {name: nf.flag(lambda u, n=name: _undetermined(u) == n)
                for name in (*UNDETERMINED.values(), "unknown")}
    return counted(
        ctx, aged & ~neonate, undetermined, in_scope=by_value,
        in_rows={"neonates": neonate, "neonates_undetermined": neonate & undetermined},
        note=(f"age in days at the extract date; under {limit:g} days UN/A/U/unknown are "
              "plausible (neonates_undetermined, not counted); older patients' rate reported"),
        empty=f"no patient aged {limit:g} days or older with a birth date")


# -----------------------------------------------------------------------------

_GI_SEX = {"446151000124109": "male", "446141000124107": "female", "407377005": "male",
           "407376001": "female"}
_SEX = {"248153007": "male", "248152002": "female", "M": "male", "F": "female"}


def _differ(us: list[Unique]) -> bool:
    gi = {_GI_SEX.get(i, "other") for i in us[0].informative}
    others = {_SEX[i] for u in us[1:] for i in u.informative if i in _SEX}
    return bool(gi) and bool(others) and gi != others


@rule("SOGI.NO_DISCORDANCE_ERROR", single=True, result_field=GI)
def no_discordance_error(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Negative rule: gender identity differing from sex / sex at birth is never a violation."""
    _policy(ctx)
    gi = field_of(ctx, GI)
    sexes = [nf for name in ("sex", "sex_at_birth") if (nf := field_of(ctx, name)) is not None]
    if gi is None or not sexes:
        raise NotApplicable(f"{GI} and sex / sex_at_birth are not both in the input: nothing "
                            "to compare")
    other = ctx.none()
    for nf in sexes:
        other |= nf.informative_mask()
    return counted(
        ctx, gi.informative_mask() & other, ctx.none(),
        in_scope={"differing": combine([gi, *sexes], _differ)},
        note=("differences between gender identity and sex / sex at birth are never flagged "
              "(separate elements in USCDI and US Core; PECARN 2024): differing is information"),
        empty=f"no record with both an informative {GI} and an informative sex or sex at birth")


# -----------------------------------------------------------------------------


@rule("SOGI.POLICY_PROFILE", single=True)
def policy_profile(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """The declared SOGI policy and which SOGI fields are present, required and excluded; a
    field required by ``fields.required_groups`` (sogi_policy: required) that is missing
    violates (FAIL: critical, zero tolerance)."""
    p = ctx.profile
    present = [f for f in SOGI_FIELDS if field_of(ctx, f) is not None]
    required = [m for members in required_groups(p.standard, p.sogi_policy).values()
                for m in members if m in SOGI_FIELDS]
    missing = [f for f in required if f not in present]
    excluded = list(SOGI_FIELDS) if p.sogi_policy == "excluded" else []
    details: dict[str, int | float | str] = {
        "sogi_policy": p.sogi_policy, "sogi_valuesets": p.sogi_valuesets,
        "sex_valueset": p.sex_valueset, "present": ",".join(present),
        "required": ",".join(required), "excluded": ",".join(excluded),
        "not_collected": ",".join(f for f in SOGI_FIELDS if f in p.not_collected),
        "missing_required": ",".join(missing), "fields_present": len(present)}
    notes = {
        "required": "gender identity and sexual orientation required (state mandates)",
        "optional": "SOGI fields are checked when present and never required",
        "excluded": ("SOGI checks are NOT_APPLICABLE (federal certification after EO 14168); "
                     "SOGI fields present in the input are not evaluated"),
    }
    note = f"sogi_policy {p.sogi_policy}: {notes[p.sogi_policy]}"
    if missing:
        note = (f"required SOGI field(s) {', '.join(missing)} not in the input (sogi_policy: "
                "required, e.g. WA CHARS WAC 246-455-025, OR REALD/SOGI OAR 950-030); map them "
                "in the profile")
    m = Measurement(len(missing), len(SOGI_FIELDS), details, note=note)
    return GroupMeasure(lambda rows: m)
