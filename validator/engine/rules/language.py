"""Language and interpreter-need rules computed in pandas/numpy (DOMAIN.md §3.5, R-060…R-073).

R-061 (tags valid) and R-068 (interpreter-need value set) run as GX expectations
(expectations/language.json); R-061's detail counts are added here through
``gx_checks.DETAILS``. Values arrive normalized: valid tags in their canonical spelling
(``es_MX`` -> ``es-MX``, ``spa`` -> ``es``, each rewrite kept in ``Unique.translated``),
``und``/``mis``/``zxx`` as absent-reason tokens, interpreter-need booleans as SNOMED CT
373066001/373067005, proficiency answers as very_well/well/not_well/not_at_all.

"English" means primary language subtag ``en``. A row's preferred language is *non-English*
when it holds a valid tag naming a specific language (not und/mis/mul/zxx) and no English tag;
a row whose only values are invalid tags (``ENGL``) is neither, since its language is unknown
until R-061 is fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from validator import languages, tokens, valuesets
from validator.catalog import CheckDef
from validator.engine import gx_checks
from validator.engine.measures import (
    GroupMeasure,
    Measurement,
    NotApplicable,
    RowMeasure,
    RuleContext,
)
from validator.engine.rules import rule
from validator.engine.rules.age import age_in_years
from validator.judge import thresholds_for
from validator.normalize import NormalizedField, Unique

SPOKEN = "lang_spoken_pref"
INTERPRETER = "interpreter_needed"
PROFICIENCY = "english_proficiency"
YES = "373066001"
NO = "373067005"
PROFICIENCY_ANSWERS = ("very_well", "well", "not_well", "not_at_all")
LIMITED = frozenset({"not_well", "not_at_all"})


# ----------------------------------------------------------------------------- helpers


def _need(ctx: RuleContext, name: str, why: str = "") -> NormalizedField:
    """The field, or NotApplicable naming why it is missing (absent or declared not collected)."""
    if name in ctx.profile.not_collected:
        raise NotApplicable(f"{name} declared not collected in the profile")
    return ctx.require(name, why)


def _valid(items: Iterable[str]) -> list[str]:
    return [i for i in items if languages.is_valid(i)]


def has_language(u: Unique) -> bool:
    """Informative for completeness: an item other than und/mis/mul/zxx (R-064); an invalid
    item (``ENGL``) counts, as invalid codes do in the race completeness rule."""
    return any(not languages.is_special(i) for i in u.informative)


def special_only(u: Unique) -> bool:
    """Items recorded, but only special tags (``mul`` alone, ``und-Latn``): no language."""
    return bool(u.informative) and not has_language(u)


def is_english(u: Unique) -> bool:
    """A valid tag with primary language subtag ``en``."""
    return any(languages.is_english(i) for i in _valid(u.informative))


def is_non_english(u: Unique) -> bool:
    """A valid tag naming a specific language, and no English tag."""
    specific = [i for i in _valid(u.informative) if not languages.is_special(i)]
    return bool(specific) and not any(languages.is_english(i) for i in specific)


def _primaries(u: Unique) -> frozenset[str]:
    """Primary subtags of the valid, specific tags of a cell."""
    return frozenset(p for i in _valid(u.informative)
                     if (p := languages.primary(i)) and p not in languages.SPECIAL)


def _sites(ctx: RuleContext) -> np.ndarray:
    return ctx.strata if ctx.strata is not None else np.zeros(ctx.n_rows, dtype=np.intp)


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


# -----------------------------------------------------------------------------


@rule("LANG.COMPLETENESS")
def completeness(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Informative preferred spoken language, patients younger than preverbal_age excluded."""
    nf = ctx.require(field)
    informative = nf.flag(has_language)
    mul_only = nf.flag(special_only)
    preverbal = ctx.none()
    birth = ctx.field("birth_date")
    limit = ctx.param(check, "preverbal_age")
    if birth is None:
        note = "birth_date not in the input: no row excluded as preverbal"
    else:
        collected = ctx.field("lang_collected_date")
        age = age_in_years(ctx, birth, collected)
        preverbal = (age >= 0) & (age < limit)
        when = ("at lang_collected_date (at the extract date where it is blank)"
                if collected is not None else "at the extract date")
        note = (f"patients younger than {limit:g} years {when} are excluded (the caregiver's "
                "language applies, CG.LANGUAGE_PRESENT); rows without a birth date are kept")

    def measure(rows: np.ndarray) -> Measurement:
        scope = rows & ~preverbal
        details = {"preverbal_excluded": ctx.count(preverbal & rows),
                   "mul_without_language": ctx.count(mul_only & scope)}
        return Measurement(ctx.count(informative & scope), ctx.count(scope), details,
                           note=note)

    return GroupMeasure(measure)


# ----------------------------------------------------------------------------- R-061 details


def _wellformed_details(ctx: RuleContext, field: str) -> dict[str, np.ndarray]:
    """Detail masks of LANG.BCP47_WELLFORMED (GX counts the violations)."""
    nf = ctx.require(field)
    return {
        "rewritten_by_normalizer": nf.flag(lambda u: bool(u.translated)),
        "crosswalked": nf.flag(lambda u: bool(u.crosswalked)),
        "not_wellformed": nf.flag(
            lambda u: any(not languages.is_wellformed(i) for i in u.informative)),
        "unregistered": nf.flag(lambda u: any(
            languages.is_wellformed(i) and not languages.is_valid(i) for i in u.informative)),
    }


gx_checks.DETAILS["LANG.BCP47_WELLFORMED"] = _wellformed_details


# -----------------------------------------------------------------------------


def _three_letter(tag: str) -> bool:
    p = languages.primary(tag)
    return p is not None and len(p) == 3 and languages.two_letter_equivalent(p) is not None


def _script_or_variant(tag: str) -> bool:
    parsed = languages.parse(tag)
    return parsed is not None and (parsed.script is not None or bool(parsed.variants))


def _shortened(u: Unique) -> bool:
    """The normalizer rewrote a 3-letter code to its 2-letter equivalent (spa -> es)."""
    return any(_three_letter(raw) and languages.primary(std)
               == languages.two_letter_equivalent(languages.primary(raw) or "")
               for raw, std in u.translated)


def _script_removed(u: Unique) -> bool:
    """The normalizer dropped a script or variant subtag (``en-Latn`` -> ``en``)."""
    return any(_script_or_variant(raw) and not _script_or_variant(std)
               for raw, std in u.translated)


@rule("LANG.PREFER_SHORTEST_SUBTAG")
def prefer_shortest_subtag(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Valid tags still using a 3-letter code that has a 2-letter one, or script/variant
    subtags (US Core <= 7 simple-language); pre-normalisation rewrites in the details."""
    nf = ctx.require(field)
    scope = nf.flag(lambda u: bool(_valid(u.informative)))
    three = nf.flag(lambda u: any(_three_letter(i) for i in _valid(u.informative)))
    script = nf.flag(lambda u: any(_script_or_variant(i) for i in _valid(u.informative)))
    details = {"three_letter_rewritten": nf.flag(_shortened), "three_letter_remaining": three,
               "script_or_variant_removed": nf.flag(_script_removed),
               "script_or_variant": script}
    note = ("script/variant subtags counted as under US Core <= 7 simple-language (no profile "
            "declares a US Core version); three_letter_rewritten: rows the normalizer shortened")
    return RowMeasure(scope, three | script, details=details, note=note)


# -----------------------------------------------------------------------------


@rule("LANG.VALUESET")
def valueset(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Primary language subtag not registered; outside THO Languages is INFO (extensible)."""
    nf = ctx.require(field)
    tho = valuesets.load("languages_tho").codes

    def unregistered(u: Unique) -> bool:
        return any(not (p := languages.primary(i)) or not languages.is_registered_language(p)
                   for i in u.informative)

    def outside(u: Unique) -> bool:
        return any(languages.primary(i) not in tho for i in _valid(u.informative))

    scope = nf.flag(lambda u: bool(u.informative))
    hits = nf.flag(unregistered)
    return RowMeasure(scope, hits, details={"unregistered_primary": hits,
                                            "outside_tho": nf.flag(outside)},
                      note="outside_tho: a valid tag whose primary subtag is not in THO "
                           "Languages (extensible binding: information, not a violation)")


# -----------------------------------------------------------------------------


def _mapped_from(key: str) -> Callable[[Unique], bool]:
    return lambda u: any(k == key for k, _ in u.mapped)


@rule("LANG.UNDETERMINED_AS_ABSENT")
def undetermined_as_absent(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """und/mis/zxx read as absent reasons (counted); mul with no specific language violates."""
    nf = ctx.require(field)
    scope = nf.flag(lambda u: u.state != tokens.BLANK)
    details = {
        "und": nf.flag(_mapped_from("UND")),
        "mis": nf.flag(_mapped_from("MIS")),
        "zxx": nf.flag(_mapped_from("ZXX")),
        "mul": nf.flag(lambda u: any(languages.primary(i) == languages.MULTIPLE
                                     for i in u.informative)),
    }
    hits = nf.flag(special_only)
    details["mul_without_language"] = hits
    return RowMeasure(scope, hits, details=details,
                      note="und -> unknown, mis -> other, zxx -> not_applicable (absent "
                           "reasons); mul is informative only with a specific language")


# -----------------------------------------------------------------------------


def _in(tag: str, macro: str) -> bool:
    p = languages.primary(tag)
    return p is not None and languages.in_macrolanguage(p, macro)


def _generic(u: Unique, macro: str) -> bool:
    """The macrolanguage itself, with none of its individual languages in the same cell."""
    tags = _valid(u.informative)
    return (any(languages.primary(t) == macro for t in tags)
            and not any(_in(t, macro) and languages.primary(t) != macro for t in tags))


def _is_sign(tag: str) -> bool:
    p = languages.primary(tag)
    return p is not None and languages.is_sign_language(p)


def _generic_sign(u: Unique) -> bool:
    tags = _valid(u.informative)
    return (any(languages.primary(t) == languages.SIGN_COLLECTION for t in tags)
            and not any(_is_sign(t) and languages.primary(t) != languages.SIGN_COLLECTION
                        for t in tags))


@rule("LANG.GRANULARITY_FOR_INTERPRETING")
def granularity(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Chinese recorded only as zh (or zh-Hans/zh-Hant, scripts), sign language only as sgn;
    WARN when either exceeds the threshold share of that language's records. Arabic without a
    variety is counted for information only (outside the scope)."""
    nf = ctx.require(field)
    chinese = nf.flag(lambda u: any(_in(t, "zh") for t in _valid(u.informative)))
    zh_generic = nf.flag(lambda u: _generic(u, "zh"))
    zh_script = nf.flag(lambda u: _generic(u, "zh") and any(
        languages.primary(t) == "zh" and _script_or_variant(t) for t in _valid(u.informative)))
    sign = nf.flag(lambda u: any(_is_sign(t) for t in _valid(u.informative)))
    sgn_generic = nf.flag(_generic_sign)
    arabic = nf.flag(lambda u: any(_in(t, "ar") for t in _valid(u.informative)))
    ar_generic = nf.flag(lambda u: _generic(u, "ar"))
    limit = thresholds_for(check, ctx.profile.thresholds).threshold
    masks = {"chinese_records": chinese, "chinese_generic": zh_generic,
             "chinese_script_only": zh_script, "sign_records": sign,
             "sign_generic": sgn_generic, "arabic_records": arabic,
             "arabic_without_variety": ar_generic}

    def breach(counts: dict[str, int]) -> str | None:
        if limit is None:
            return None
        out = []
        for label, key, what in (("Chinese", "chinese", "only zh (macrolanguage or script)"),
                                 ("sign-language", "sign", "only sgn (collection)")):
            n = counts[f"{key}_records"]
            share = 100.0 * counts[f"{key}_generic"] / n if n else 0.0
            if share > limit:
                out.append(f"{share:.1f}% of {label} records name {what} (> {limit:g}%)")
        return "; ".join(out) or None

    def measure(rows: np.ndarray) -> Measurement:
        counts = {k: ctx.count(m & rows) for k, m in masks.items()}
        scope = (chinese | sign) & rows
        hits = (zh_generic | sgn_generic) & rows
        note = ("records of Chinese or sign languages" if scope.any()
                else "no Chinese or sign-language record")
        return Measurement(ctx.count(hits), ctx.count(scope), dict(counts),
                           breach=breach(counts),
                           note=note + "; Arabic without a variety is information only")

    return GroupMeasure(measure)


# -----------------------------------------------------------------------------


@rule("LANG.ENGLISH_DEFAULT_SUSPECT", single=True, result_field=SPOKEN)
def english_default_suspect(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Sites with enough patients whose recorded preferred languages are all English."""
    nf = _need(ctx, SPOKEN)
    english = nf.per_value(is_english)
    other = nf.per_value(is_non_english)
    min_patients = ctx.param(check, "min_site_patients")
    sites = _sites(ctx)
    pid = ctx.field("patient_id")
    counted = "distinct patient_id values" if pid is not None else "rows (no patient_id)"
    unavailable = ("(b) needs the prior run's English share and (c) a record-creation "
                   "timestamp; neither is in the input, so only (a) is evaluated")

    def n_patients(m: np.ndarray) -> int:
        return ctx.count(m) if pid is None else ctx.distinct_patients(m)

    def measure(rows: np.ndarray) -> Measurement:
        evaluated = violated = 0
        table = ctx.value_counts(nf, rows, ctx.strata)  # rows per site and distinct value
        for site in np.flatnonzero(table.sum(axis=1)):
            if n_patients(rows & (sites == site)) < min_patients:
                continue
            evaluated += 1
            violated += int(table[site][english].sum()) > 0 and int(
                table[site][other].sum()) == 0
        whole = table.sum(axis=0)
        e, o = int(whole[english].sum()), int(whole[other].sum())
        details = {"sites_evaluated": evaluated, "english_records": e,
                   "non_english_records": o, "english_share": _pct(e, e + o)}
        note = f"patients counted as {counted}; {unavailable}"
        if not evaluated:
            note = f"no site with at least {min_patients:g} patients; " + note
        return Measurement(violated, evaluated, details, note=note)

    return GroupMeasure(measure)


# ----------------------------------------------------------------------------- R-067…R-071


@rule("LANG.INTERPRETER_PRESENT_IF_NONENGLISH", single=True, result_field=INTERPRETER)
def interpreter_present(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Non-English preferred spoken language with interpreter_needed blank."""
    interp = _need(ctx, INTERPRETER)
    lang = _need(ctx, SPOKEN, "(needed to find non-English preferences)")
    scope = lang.flag(is_non_english)
    blank = interp.flag(lambda u: u.state == tokens.BLANK)
    absent = interp.flag(lambda u: not u.informative and bool(u.absent))
    return RowMeasure(scope, blank, details={"interpreter_absent_reason": absent},
                      note="an absent reason (unknown, asked-unknown) is a recorded answer")


def _proficiency_answer(u: Unique) -> str | None:
    return u.informative[0] if len(u.informative) == 1 and \
        u.informative[0] in PROFICIENCY_ANSWERS else None


@rule("LANG.INTERPRETER_ENGLISH_CONFLICT", single=True, result_field=INTERPRETER)
def interpreter_english_conflict(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Interpreter yes with English and 'very well'; or no with limited English proficiency
    and a non-English preference. In scope: all three recorded and readable."""
    interp = _need(ctx, INTERPRETER)
    lang = _need(ctx, SPOKEN, "(needed to compare interpreter need with the language)")
    prof = _need(ctx, PROFICIENCY, "(needed to compare interpreter need with proficiency)")
    yes = interp.flag(lambda u: set(u.informative) == {YES})
    no = interp.flag(lambda u: set(u.informative) == {NO})
    english = lang.flag(is_english)
    other = lang.flag(is_non_english)
    very_well = prof.flag(lambda u: _proficiency_answer(u) == "very_well")
    limited = prof.flag(lambda u: _proficiency_answer(u) in LIMITED)
    known = prof.flag(lambda u: _proficiency_answer(u) is not None)
    scope = (yes | no) & (english | other) & known
    a = yes & english & very_well
    b = no & other & limited
    return RowMeasure(scope, a | b, details={"yes_english_very_well": a,
                                             "no_non_english_limited": b})


@rule("LANG.PROFICIENCY_VALUESET")
def proficiency_valueset(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Recorded proficiency that is not very well / well / not well / not at all."""
    nf = ctx.require(field)
    scope = nf.flag(lambda u: bool(u.informative))
    hits = nf.flag(lambda u: bool(u.informative) and _proficiency_answer(u) is None)
    return RowMeasure(scope, hits, note="absent reasons are counted in the field summary")


@rule("LANG.LEP_DERIVABLE", single=True, result_field=PROFICIENCY)
def lep_derivable(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Share of non-English preferences with English proficiency recorded (LEP derivable)."""
    prof = _need(ctx, PROFICIENCY)
    lang = _need(ctx, SPOKEN, "(needed to find non-English preferences)")
    scope = lang.flag(is_non_english)
    recorded = prof.flag(lambda u: _proficiency_answer(u) is not None)
    limited = prof.flag(lambda u: _proficiency_answer(u) in LIMITED | {"well"})
    return RowMeasure(scope, recorded, details={"lep": limited},
                      note="LEP = proficiency less than 'very well'")


# -----------------------------------------------------------------------------


@rule("LANG.WRITTEN_PRESENT")
def written_present(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Share of rows with an informative preferred written language."""
    nf = ctx.require(field)
    return RowMeasure(ctx.all(), nf.flag(has_language))


@rule("LANG.PICKLIST_COVERAGE")
def picklist_coverage(ctx: RuleContext, check: CheckDef, field: str) -> GroupMeasure:
    """Sites with a real non-English population that use few distinct languages."""
    nf = ctx.require(field)
    per_unique = [_primaries(u) for u in nf.uniques]
    english = nf.per_value(is_english)
    other = nf.per_value(is_non_english)
    min_languages = ctx.param(check, "min_distinct_languages")
    min_share = ctx.param(check, "min_non_english_share")

    def languages_used(per_value: np.ndarray) -> int:
        """Distinct primary languages among the values with rows in ``per_value``."""
        seen: set[str] = set()
        for code in np.flatnonzero(per_value):
            seen |= per_unique[code]
        return len(seen)

    def measure(rows: np.ndarray) -> Measurement:
        evaluated = flagged = 0
        table = ctx.value_counts(nf, rows, ctx.strata)  # rows per site and distinct value
        for site in np.flatnonzero(table.sum(axis=1)):
            e, o = int(table[site][english].sum()), int(table[site][other].sum())
            if e + o == 0:
                continue
            evaluated += 1
            flagged += 100.0 * o / (e + o) >= min_share and languages_used(
                table[site]) < min_languages
        whole = table.sum(axis=0)
        e, o = int(whole[english].sum()), int(whole[other].sum())
        details = {"distinct_languages": languages_used(whole),
                   "non_english_share": _pct(o, e + o), "sites_evaluated": evaluated}
        note = (f"sites flagged: at least {min_share:g}% non-English and fewer than "
                f"{min_languages:g} distinct languages" if evaluated
                else "no readable preferred spoken language")
        return Measurement(flagged, evaluated, details, note=note)

    return GroupMeasure(measure)
