"""Race rules computed in pandas/numpy (DOMAIN.md §3.2). Value-set, format, root, null-exclusive
and completeness rules run as GX expectations (expectations/race.json)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from validator import cdcrec, spd15
from validator.catalog import CheckDef
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RowMeasure,
    RuleContext,
    distinct,
)
from validator.engine.rules import fhir as fhir_rules
from validator.engine.rules import rule
from validator.engine.rules._codes import (
    CDCREC_FORMAT,
    MULTI_TEXT,
    OMOP_MULTIPLE_RACE,
    OTHER_TEXT,
    PCORNET_MULTIPLE_RACE,
    any_race_informative,
    categories,
    combine,
    race_categories,
    race_fields,
    text_categories,
    upper,
)
from validator.fields import CDCREC_FIELDS
from validator.normalize import Unique
from validator.systems import LEGACY_CDCREC

AIAN = "1002-5"
SOURCES = ("self", "proxy", "observer", "imputed", "derived")


@rule("RACE.SYSTEM_PRESENT")
def system_present(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """CDCREC-format codes without a system, or with LOINC or another non-CDCREC system."""
    nf = ctx.require(field)
    scope = nf.flag(lambda u: any(CDCREC_FORMAT.match(i) for i in u.informative))
    if nf.system_rows is not None:
        systems = nf.system_rows
        missing = systems == ""
        loinc = systems == "loinc"
        legacy = np.isin(systems, list(LEGACY_CDCREC))
        hits = ~(np.isin(systems, ["cdcrec"]) | legacy)
        details = {"no_system": missing, "loinc": loinc, "legacy_system": legacy,
                   "other_system": hits & ~missing & ~loinc}
        return RowMeasure(scope, hits, details=details, note="per-row system column")
    declared = nf.spec.system
    ok = declared == "cdcrec" or declared in LEGACY_CDCREC or declared == "hl7v2-0189"
    hits = ctx.none() if ok else scope.copy()
    return RowMeasure(scope, hits, note=f"system declared for the field: {declared or 'none'}")


def _race_category(code: str) -> str | None:
    """The race category a code rolls up to; None for unknown codes and ethnicity codes."""
    cat = cdcrec.category(code)
    return cat if cat is not None and cdcrec.tree(cat) == "race" else None


def _rollup_broken(detailed: Iterable[str], listed: set[str]) -> bool:
    """A detailed code that resolves to no race category, or to one the record does not list."""
    return any(_race_category(code) not in listed for code in detailed)


@rule("RACE.OMB_ROLLUP")
def omb_rollup(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Detailed codes that do not resolve to exactly one of the record's OMB categories."""
    if field == "race_detailed":
        detailed = ctx.require("race_detailed")
        omb = ctx.require("race_omb", "(needed to compare detailed codes with categories)")

        def in_scope(us: list[Unique]) -> bool:
            return bool(us[0].informative) and bool(us[1].informative)

        def broken(us: list[Unique]) -> bool:
            return _rollup_broken(us[0].informative, set(us[1].informative))

        fields = [detailed, omb]
        return RowMeasure(combine(fields, in_scope), combine(fields, broken))
    nf = ctx.require(field)

    def split(u: Unique) -> tuple[set[str], list[str]]:
        """Categories, and the other code-shaped items (text is RACE.VALUESET's concern)."""
        cats = {i for i in u.informative if i in cdcrec.RACE_CATEGORIES}
        detailed = [i for i in u.informative
                    if i not in cdcrec.RACE_CATEGORIES and CDCREC_FORMAT.match(i)]
        return cats, detailed

    def scope_u(u: Unique) -> bool:
        cats, detailed = split(u)
        return bool(cats) and bool(detailed)

    def broken_u(u: Unique) -> bool:
        cats, detailed = split(u)
        return bool(cats) and _rollup_broken(detailed, cats)

    return RowMeasure(nf.flag(scope_u), nf.flag(broken_u),
                      note="records listing both categories and detailed codes")


@rule("RACE.CARDINALITY")
def cardinality(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Duplicate values, or more OMB categories than allowed (5; 6 with 2131-1 under US Core 7+
    when the profile raises ``max_categories``)."""
    nf = ctx.require(field)
    limit = ctx.param(check, "max_categories")

    def too_many(u: Unique) -> bool:
        return len({i for i in u.informative if i in cdcrec.RACE_CATEGORIES}) > limit

    def duplicated(u: Unique) -> bool:
        items = [upper(i) for i in u.informative]
        return len(items) != len(set(items))

    scope = nf.informative_mask()
    dup = nf.flag(duplicated)
    many = nf.flag(too_many)
    return RowMeasure(scope, dup | many, details={"duplicates": dup, "too_many": many})


@rule("RACE.OTHER_RATE")
def other_rate(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Informative race answers that are only 'Other race' (2131-1 or the text Other)."""
    nf = ctx.require(field)
    scope = nf.informative_mask()
    other_only = nf.flag(lambda u: bool(u.informative)
                         and all(upper(i) in OTHER_TEXT for i in u.informative))
    eth = ctx.field("ethnicity_code")
    max_share = ctx.param(check, "max_hispanic_share_of_other")
    if eth is None:
        return RowMeasure(scope, other_only, note="ethnicity_code not in input: Hispanic "
                          "share of Other race not computed")
    hispanic = eth.flag(lambda u: cdcrec.HISPANIC in u.informative)
    both = other_only & hispanic

    def extra(rows: np.ndarray) -> str | None:
        n_other = ctx.count(other_only & rows)
        if n_other == 0:
            return None
        share = 100.0 * ctx.count(both & rows) / n_other
        if share > max_share:
            return (f"{share:.1f}% of Other-race records are Hispanic (> {max_share:g}%): "
                    "Hispanic recorded as a race")
        return None

    return RowMeasure(scope, other_only, details={"other_and_hispanic": both}, extra=extra)


@rule("RACE.TEXT_PRESENT")
def text_present(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """US Core race/ethnicity extensions without text: only FHIR input has extensions (the
    count is in rules/fhir.py; table input is NOT_APPLICABLE)."""
    return fhir_rules.extension_text(ctx)


@rule("RACE.TEXT_CODE_CONSISTENT")
def text_code_consistent(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Race text names a category the codes do not carry (or text Other with absent codes)."""
    text = ctx.require("race_text")
    codes = race_fields(ctx)
    if not codes:
        raise NotApplicable("no race code field is in the input to compare the text with")
    fields = [text, *codes]

    def in_scope(us: list[Unique]) -> bool:
        return bool(us[0].informative) and bool(text_categories(us[0].informative[0]))

    def broken(us: list[Unique]) -> bool:
        named = text_categories(us[0].informative[0]) if us[0].informative else frozenset()
        if not named:
            return False
        coded: set[str] = set()
        for u in us[1:]:
            coded |= race_categories(u.informative)
            coded |= {cdcrec.OTHER_RACE for i in u.informative if upper(i) in OTHER_TEXT}
        return bool(named - coded)

    return RowMeasure(combine(fields, in_scope), combine(fields, broken))


def _category_count(u: Unique) -> int:
    return len(race_categories(u.informative))


@rule("RACE.MULTIPLE_SUPPORTED")
def multiple_supported(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Per site with enough informative race: no record has two or more categories."""
    nf = ctx.require(field)
    min_inf = ctx.param(check, "min_informative")
    informative = nf.informative_mask()
    multi = nf.flag(lambda u: _category_count(u) >= 2)
    sites = ctx.strata if ctx.strata is not None else np.zeros(ctx.n_rows, dtype=np.intp)

    def measure(rows: np.ndarray) -> Measurement:
        eligible = violated = 0
        for site in distinct(sites[rows]):
            m = rows & (sites == site)
            if ctx.count(informative & m) >= min_inf:
                eligible += 1
                violated += not (multi & m).any()
        details = {"records_with_2plus_categories": ctx.count(multi & rows),
                   "informative_records": ctx.count(informative & rows)}
        note = "" if eligible else f"fewer than {min_inf:g} records with informative race"
        return Measurement(violated, eligible, details, note=note)

    return GroupMeasure(measure)


@rule("RACE.MULTIRACIAL_COMPONENTS")
def multiracial_components(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """A 'Multiple race' summary value with fewer than two component categories."""
    nf = ctx.require(field)
    codes = {OMOP_MULTIPLE_RACE}
    if any(x.name == "pcornet" for x in nf.spec.crosswalks):
        codes.add(PCORNET_MULTIPLE_RACE)

    def summary(u: Unique) -> bool:
        return any(MULTI_TEXT.match(upper(i)) or i in codes for i in u.informative)

    scope = nf.flag(summary)
    hits = nf.flag(lambda u: summary(u) and _category_count(u) < 2)
    return RowMeasure(scope, hits, note="records with a multiracial summary value")


def _sources(ctx: RuleContext, field: str) -> tuple[np.ndarray, np.ndarray]:
    src = ctx.require(field)
    return src.rows("informative"), any_race_informative(ctx)


def _source_is(values: np.ndarray, wanted: str) -> np.ndarray:
    return np.fromiter((bool(v) and v[0] == wanted for v in values), bool, len(values))


@rule("RACE.SOURCE_RECORDED")
def source_recorded(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Informative race with no recognised source (self, proxy, observer, imputed, derived)."""
    values, informative = _sources(ctx, field)
    known = np.fromiter((bool(v) and v[0] in SOURCES for v in values), bool, len(values))
    present = np.fromiter((bool(v) for v in values), bool, len(values))
    details = {"source_missing": ~present, "source_unrecognised": present & ~known}
    return RowMeasure(informative, ~known, details=details)


@rule("RACE.OBSERVER_RATE")
def observer_rate(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Share of informative race with a recorded source that was assigned by staff."""
    values, informative = _sources(ctx, field)
    known = np.fromiter((bool(v) and v[0] in SOURCES for v in values), bool, len(values))
    return RowMeasure(informative & known, _source_is(values, "observer"))


@rule("RACE.IMPUTED_SEPARATE")
def imputed_separate(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Imputed race stored in the same field as directly collected race."""
    values, _ = _sources(ctx, field)
    informative = ctx.none()
    for nf in race_fields(ctx):
        informative |= nf.informative_mask()
    return RowMeasure(informative, _source_is(values, "imputed"),
                      note="imputed rows are excluded from RACE.COMPLETENESS")


@rule("RACE.STABLE_OVER_TIME")
def stable_over_time(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Patients whose informative OMB category set differs between their records."""
    nf = ctx.require(field)
    if ctx.profile.grain != "encounter":
        raise NotApplicable("one row per patient (profile grain: patient); declare "
                            "grain: encounter for encounter-level extracts")
    pid = ctx.require("patient_id", "(needed to follow a patient across records)")
    # each distinct value's category set as one integer (computed once per distinct value,
    # not per row: encounter-level extracts have millions of rows)
    per_unique = [",".join(sorted(categories(u.informative))) for u in nf.uniques]
    set_codes, _ = pd.factorize(pd.Series(per_unique, dtype=object))
    keys = set_codes[nf.codes] if len(per_unique) else np.zeros(ctx.n_rows, dtype=np.intp)
    has_set = np.array([k != "" for k in per_unique], dtype=bool)
    patients = ctx.data.patient_codes()
    usable = (nf.informative_mask() & (has_set[nf.codes] if len(per_unique) else False)
              & pid.informative_mask())

    def measure(rows: np.ndarray) -> Measurement:
        m = rows & usable
        frame = pd.DataFrame({"p": patients[m], "k": keys[m]})
        if ctx.weights is None:
            per_patient = frame.groupby("p")["k"].agg(["size", "nunique"])
        else:  # a row of weight w is w records of its patient
            frame["w"] = ctx.weights[m]
            per_patient = frame.groupby("p").agg(size=("w", "sum"), nunique=("k", "nunique"))
        eligible = per_patient[per_patient["size"] >= 2]
        changed = int((eligible["nunique"] > 1).sum())
        note = "" if len(eligible) else "no patient has two records with informative race"
        return Measurement(changed, len(eligible),
                           {"patients_with_2plus_records": len(eligible)}, note=note)

    return GroupMeasure(measure)


@rule("RACE.MENA_PROFILE")
def mena_profile(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Records with Middle Eastern/North African or Arab detailed codes (2118-8 subtree, 2129-5)."""
    nf = ctx.require(field)
    mena = spd15.remapped_from_white()
    hits = nf.flag(lambda u: bool(mena.intersection(u.informative)))
    if ctx.profile.standard == "omb1997":
        note = "reported under White (OMB 1997 has no MENA category)"
    else:
        afghan = spd15.LABELS[spd15.AFGHANISTANI_CATEGORY]
        note = (f"tabulated as MENA (2126-1 Afghanistani as {afghan}) and removed from White "
                "(SPD-15 2024; roll-up in validator/spd15.py)")
    return RowMeasure(nf.informative_mask(), hits, note=note)


@rule("RACE.AMBIGUOUS_CROSSWALK", single=True, result_field="race_codes")
def ambiguous_crosswalk(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Crosswalk rows into race/ethnicity fields that map one of the displays found in both
    CDCREC trees without saying which tree. Loading refuses such rows (exit 2), so a run that
    gets here counts 0 of the rows checked; the rows resolved by an explicit tree are listed."""
    xwalks = {x.name: x for spec in ctx.profile.fields.values() for x in spec.crosswalks}
    if not xwalks:
        raise NotApplicable("no crosswalk is configured for this run")
    targets = CDCREC_FIELDS
    checked = sum(x.rows(targets) for x in xwalks.values())
    resolved = sum(1 for x in xwalks.values() for f, _ in x.ambiguous if f in targets)
    details = {"crosswalks": len(xwalks), "ambiguous_resolved_by_tree": resolved}
    note = "crosswalk rows, not records; an unresolved ambiguous display fails at load"
    return GroupMeasure(lambda rows: Measurement(0, checked, details, note=note))


@rule("RACE.AIAN_TRIBE", single=True, result_field="tribal_affiliation")
def aian_tribe(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Share of AIAN patients with a tribe (detailed AIAN code or tribal affiliation)."""
    fields = race_fields(ctx)
    if not fields:
        raise NotApplicable("no race field is in the input")
    aian = ctx.none()
    detailed = ctx.none()
    for nf in fields:
        aian |= nf.flag(lambda u: AIAN in categories(u.informative))
        detailed |= nf.flag(lambda u: any(cdcrec.category(i) == AIAN and i != AIAN
                                          for i in u.informative))
    tribe = ctx.field("tribal_affiliation")
    has_tribe = detailed | (tribe.informative_mask() if tribe is not None else ctx.none())
    return RowMeasure(aian, has_tribe & aian, note="" if tribe else
                      "tribal_affiliation not in input: detailed AIAN codes only")


