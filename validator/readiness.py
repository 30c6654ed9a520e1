"""Stratification readiness: a verdict per stratifier (DOMAIN.md §4, criteria S1–S12).

For each stratifier present in the input (race, ethnicity, race_ethnicity_2024,
lang_spoken_pref with the caregiver language of young children, interpreter_needed,
gender_identity, sexual_orientation) the criteria that apply are evaluated from the run's
whole-input results (the STRAT.*, SITE.* and a few other checks) and, where no check measures
a criterion for that stratifier, from the normalized data with the same definitions. Each
criterion has an outcome:

- ``not_met``: the data cannot be stratified by X as it is (a blocker);
- ``caveat``: it can, with the stated caveat (suppress small cells, collapse strata, declare
  the standard, ...);
- ``met``; or ``not_evaluated`` (the check could not run: the reason says why).

Verdict: NOT READY when any criterion is not met; READY WITH CAVEATS when none is not met and
some carry a caveat; READY otherwise. Each reason names the criterion, the check id and the
numbers. docs/readiness.md lists the criteria and their mapping.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from validator import catalog, languages, sogi
from validator.engine.measures import NotApplicable, RuleContext, distinct
from validator.engine.rules._stratifiers import age_thresholds, site_codes, usable
from validator.engine.rules.age import age_in_years
from validator.engine.rules.strat import binomial_cv
from validator.fields import SOGI_POLICY_FIELDS
from validator.judge import format_percent, thresholds_for
from validator.results import CheckResult, Status

READY = "READY"
CAVEATS = "READY WITH CAVEATS"
NOT_READY = "NOT READY"
NOT_MET, CAVEAT, MET, NOT_EVALUATED = "not_met", "caveat", "met", "not_evaluated"

#: Stratifier name -> (fields in order of preference, respondent field, kind).
STRATIFIERS: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "race": (("race_codes", "race_omb", "race_detailed"), "race_respondent", "race"),
    "ethnicity": (("ethnicity_code", "ethnicity_detailed"), "ethnicity_respondent", "race"),
    "race_ethnicity_2024": (("race_ethnicity_2024", "race_ethnicity_2024_detailed"),
                            "race_respondent", "race"),
    "lang_spoken_pref": (("lang_spoken_pref",), "lang_respondent", "language"),
    "interpreter_needed": (("interpreter_needed",), "lang_respondent", "other"),
    "gender_identity": (("gender_identity",), "gender_identity_respondent", "other"),
    "sexual_orientation": (("sexual_orientation",), "sexual_orientation_respondent", "other"),
}
#: Age gate (validator/ages.py key) below which a SOGI stratifier is not asked.
AGE_GATES = {"gender_identity": "gi_min_age", "sexual_orientation": "so_min_age"}
#: Check categories whose critical FAIL/ERROR on a stratifier's field is an S2 blocker.
S2_CATEGORIES = ("conformance", "consistency")


@dataclass(frozen=True)
class Outcome:
    """One criterion evaluated for one stratifier."""

    criterion: str
    outcome: str
    text: str
    check_id: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"criterion": self.criterion, "outcome": self.outcome, "check_id": self.check_id,
                "field": self.field, "text": self.text}


@dataclass
class _Assessment:
    name: str
    fields: list[str]
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, criterion: str, outcome: str, text: str, check_id: str | None = None,
            field_name: str | None = None) -> None:
        self.outcomes.append(Outcome(criterion, outcome, text, check_id, field_name))

    def verdict(self) -> str:
        found = {o.outcome for o in self.outcomes}
        return NOT_READY if NOT_MET in found else CAVEATS if CAVEAT in found else READY

    def to_dict(self) -> dict[str, Any]:
        ordered = sorted(self.outcomes, key=lambda o: _criterion_order(o.criterion))
        reasons = [o for o in ordered if o.outcome == NOT_MET] + [
            o for o in ordered if o.outcome == CAVEAT]
        return {
            "stratifier": self.name,
            "fields": list(self.fields),
            "verdict": self.verdict(),
            "reasons": [{"level": "blocker" if o.outcome == NOT_MET else "caveat",
                         **o.to_dict()} for o in reasons],
            "criteria": [o.to_dict() for o in ordered],
        }


def _criterion_order(criterion: str) -> float:
    """S1 … S12 in number order; the site-comparison caveats ("sites") after S6."""
    return 6.5 if criterion == "sites" else float(criterion.removeprefix("S"))


class _Results:
    """Whole-input results by (check id, field)."""

    def __init__(self, results: Iterable[CheckResult]) -> None:
        self.by_key: dict[tuple[str, str | None], CheckResult] = {}
        for r in results:
            if r.stratum is None:
                self.by_key[(r.check_id, r.field)] = r

    def get(self, check_id: str, field_name: str | None = None) -> CheckResult | None:
        return self.by_key.get((check_id, field_name))

    def on_fields(self, fields: Sequence[str]) -> list[CheckResult]:
        return [r for (_, f), r in self.by_key.items() if f in fields]


def _nd(r: CheckResult) -> str:
    return f"{r.numerator:,} of {r.denominator:,} ({format_percent(r.percent)})"


def _bad(r: CheckResult | None) -> bool:
    return r is not None and r.status in (Status.FAIL, Status.WARN, Status.ERROR)


# ----------------------------------------------------------------------------- criteria


def _s1(a: _Assessment, res: _Results) -> None:
    r = res.get("STRAT.PROFILE_DECLARED")
    if r is None or r.status is Status.NOT_APPLICABLE:
        a.add("S1", NOT_EVALUATED, r.reason if r else "check not run", "STRAT.PROFILE_DECLARED")
        return
    standard, how = r.details.get("standard"), r.details.get("set_by")
    if r.numerator == 0:
        a.add("S1", MET, f"standard {standard} {how}", r.check_id)
        return
    blocker = bool(r.details.get("fields_2024")) and standard == "omb1997"
    a.add("S1", NOT_MET if blocker else CAVEAT,
          f"race/ethnicity standard not declared ({how}); declare standard: omb1997 or "
          "spd15_2024 in a profile"
          + ("; the 2024-format fields were checked under the 1997 standard" if blocker else ""),
          r.check_id)


def _s2(a: _Assessment, res: _Results) -> None:
    bad = [r for r in res.on_fields(a.fields)
           if r.severity.value == "critical" and r.category in S2_CATEGORIES
           and r.status in (Status.FAIL, Status.ERROR)]
    for r in bad:
        what = _nd(r) if r.numerator is not None and r.percent is not None else r.status.value
        a.add("S2", NOT_MET, f"{r.check_id} {r.status.value} on {r.field}: {what} "
              f"(critical {r.category} error)", r.check_id, r.field)
    if not bad:
        a.add("S2", MET, "no critical conformance or consistency error on "
              + ", ".join(a.fields))


def _rate_outcome(pct: float, low: float | None, warn: float | None) -> str:
    if low is not None and pct < low:
        return NOT_MET
    if warn is not None and pct < warn:
        return CAVEAT
    return MET


def _s3_result(a: _Assessment, r: CheckResult, criterion: str = "S3") -> None:
    if r.status is Status.NOT_APPLICABLE or r.percent is None:
        a.add(criterion, NOT_EVALUATED, r.reason, r.check_id, r.field)
        return
    outcome = _rate_outcome(r.percent, r.threshold, r.warn_threshold)
    limit = {NOT_MET: f"below {r.threshold:g}%", CAVEAT: f"below {r.warn_threshold:g}%",
             MET: "meets the thresholds"}[outcome]
    a.add(criterion, outcome, f"{r.field} informative in {_nd(r)}: {limit}", r.check_id,
          r.field)


def _s3_computed(a: _Assessment, ctx: RuleContext, name: str) -> None:
    """Informative rate of a stratifier no catalogue check measures (SOGI, interpreter)."""
    nf = ctx.require(name)
    scope = ctx.all()
    gate = AGE_GATES.get(name)
    what = "all records"
    if gate is not None and usable(ctx, "birth_date"):
        limit = age_thresholds(ctx)[gate]
        age = age_in_years(ctx, ctx.require("birth_date"))
        scope = ~((age >= 0) & (age < limit))
        what = f"records of patients aged {limit:g} or older ({gate}; unknown age kept)"
    n, d = ctx.count(nf.informative_mask() & scope), ctx.count(scope)
    check = catalog.get("STRAT.INFORMATIVE_RATE")
    t = thresholds_for(check, ctx.profile.thresholds)
    if d == 0:
        a.add("S3", NOT_EVALUATED, f"no record in scope ({what})", check.check_id, name)
        return
    pct = 100.0 * n / d
    outcome = _rate_outcome(pct, t.threshold, t.warn_threshold)
    a.add("S3", outcome, f"{name} informative in {n:,} of {d:,} {what} ({format_percent(pct)}; "
          f"minimum {t.threshold:g}%, warn below {t.warn_threshold:g}%; computed here with the "
          "thresholds of STRAT.INFORMATIVE_RATE)", check.check_id, name)


def _s4(a: _Assessment, res: _Results, primary: str, tabulated: bool) -> None:
    r = res.get("STRAT.ABSENT_AS_OWN_STRATUM") if tabulated else None
    if r is not None and r.status is Status.FAIL:
        a.add("S4", NOT_MET, f"the tabulation mixes values into category cells: "
              f"{r.details.get('imputed_in_category_cells', 0):,} imputed records counted with "
              f"direct ones, {r.details.get('absent_rows_missing', 0)} absent-reason rows "
              "missing", r.check_id)
    elif r is not None and r.status is not Status.NOT_APPLICABLE:
        a.add("S4", MET, "absent reasons are separate rows of the report's tabulation",
              r.check_id)
    d = res.get("NULL.REASONS_DISTINGUISHED", primary)
    if _bad(d):
        assert d is not None
        a.add("S4", CAVEAT, f"absent reasons not distinguished on {primary}: {d.reason}",
              d.check_id, primary)


def _s5(a: _Assessment, res: _Results) -> None:
    imputed = res.get("RACE.IMPUTED_SEPARATE", "race_source")
    if imputed is not None and imputed.status is Status.FAIL:
        a.add("S5", NOT_MET, f"imputed race in the race fields: {_nd(imputed)}",
              imputed.check_id, "race_source")
    r = res.get("STRAT.DIRECT_SHARE", "race_source")
    if r is None or r.status is Status.NOT_APPLICABLE or r.percent is None:
        a.add("S5", CAVEAT, "source of race unknown (race_source not in the input): the direct "
              "share cannot be shown", "STRAT.DIRECT_SHARE", "race_source")
        return
    outcome = _rate_outcome(r.percent, r.threshold, r.warn_threshold)
    what = {NOT_MET: f"below the {r.threshold:g}% floor",
            CAVEAT: f"below {r.warn_threshold:g}% (provider datasets are expected near 100%)",
            MET: "direct"}[outcome]
    a.add("S5", outcome, f"direct (self/proxy) race in {_nd(r)}: {what}", r.check_id,
          "race_source")


def _dimension_text(details: Mapping[str, Any], dim: str) -> str:
    ratio = details.get(f"{dim}_ratio")
    stats = (f"ratio {ratio}; chi-square {details.get(f'{dim}_chi2')} "
             f"(dof {details.get(f'{dim}_dof')}), p {details.get(f'{dim}_p_value')}")
    if dim == "site":
        if "site_missing_pct" in details:
            return (f"{details['site_missing_pct']:.2f}% missing vs network median "
                    f"{details.get('site_network_median_missing_pct'):.2f}%; {stats}")
        return (f"highest site {details.get('site_max_missing_pct'):.2f}% missing vs median "
                f"{details.get('site_median_missing_pct'):.2f}%; {stats}")
    prefix = f"{dim}_"
    groups = [k[len(prefix):-len("_records")] for k in details
              if k.startswith(prefix) and k.endswith("_records")]
    rates = ", ".join(f"{g} {details[f'{prefix}{g}_missing_pct']:.2f}% "
                      f"({details[f'{prefix}{g}_missing']:,} of "
                      f"{details[f'{prefix}{g}_records']:,})" for g in groups)
    return f"missing {rates}; {stats}"


DIMENSIONS = ("language", "site", "age", "payer")


def _s6(a: _Assessment, res: _Results, primary: str) -> None:
    r = res.get("STRAT.DIFFERENTIAL_MISSINGNESS", primary)
    if r is None or r.status is Status.NOT_APPLICABLE:
        a.add("S6", NOT_EVALUATED, r.reason if r else "check not run",
              "STRAT.DIFFERENTIAL_MISSINGNESS", primary)
    else:
        violated = [d for d in DIMENSIONS if r.details.get(f"{d}_violated") == 1]
        compared = [d for d in DIMENSIONS if f"{d}_violated" in r.details]
        if violated:
            for d in violated:
                a.add("S6", NOT_MET, f"{primary} missing not at random by {d}: "
                      + _dimension_text(r.details, d), r.check_id, primary)
        else:
            a.add("S6", MET, f"missing rates of {primary} compared by {', '.join(compared)}: "
                  "no ratio above its threshold with p < alpha", r.check_id, primary)
    e = res.get("SITE.ENTRY_METHOD_MISSINGNESS", primary)
    if e is not None and e.details.get("method_violated") == 1:
        a.add("S6", CAVEAT, f"{primary} missing by entry method: "
              + _dimension_text(e.details, "method"), e.check_id, primary)


def _sites(a: _Assessment, res: _Results, primary: str) -> None:
    never = res.get("SITE.CATEGORY_NEVER_USED", primary)
    if _bad(never):
        assert never is not None
        cats = [k.removeprefix("sites_never_") for k, v in never.details.items()
                if k.startswith("sites_never_") and v]
        a.add("sites", CAVEAT, f"{never.numerator} of {never.denominator} large sites never "
              f"record {', '.join(cats)} on {primary}", never.check_id, primary)
    shift = res.get("SITE.DISTRIBUTION_SHIFT")
    if _bad(shift) and a.name in ("race", "ethnicity", "race_ethnicity_2024"):
        assert shift is not None
        a.add("sites", CAVEAT, f"category shares shifted in {shift.numerator} of "
              f"{shift.denominator} comparisons (largest {shift.details.get('max_shift_pp')} "
              f"pp: {shift.details.get('max_shift')})", shift.check_id)


def _s7(a: _Assessment, res: _Results, primary: str) -> None:
    r = res.get("RACE.MULTIPLE_SUPPORTED", primary)
    if _bad(r):
        assert r is not None
        a.add("S7", CAVEAT, f"{r.numerator} of {r.denominator} sites (the whole input without a "
              "stratum) with enough informative race never record two or more races",
              r.check_id, primary)
        return
    a.add("S7", MET, "multiple responses are tabulated alone, as more than one race / "
          "multiracial, and alone or in combination: choose one approach and state it")


def _s8_s9(a: _Assessment, res: _Results) -> None:
    cells = res.get("STRAT.CELL_SUPPRESSION")
    if cells is not None and cells.numerator:
        a.add("S8", CAVEAT, f"{cells.numerator:,} of {cells.denominator:,} cells of the "
              "tabulation hold 1 to 10 records: suppress them (with complementary suppression) "
              "before publishing", cells.check_id)
    elif cells is not None and cells.status is not Status.NOT_APPLICABLE:
        a.add("S8", MET, "no tabulation cell holds 1 to 10 records", cells.check_id)
    small = res.get("STRAT.MIN_DENOMINATOR")
    if small is not None and small.numerator:
        a.add("S9", CAVEAT, f"{small.numerator:,} of {small.denominator:,} strata hold fewer than "
              "30 records: rates stratified by them cannot be published; collapse them",
              small.check_id)
    elif small is not None and small.status is not Status.NOT_APPLICABLE:
        a.add("S9", MET, "every stratum holding records has at least 30", small.check_id)


def _category(name: str, item: str) -> str:
    return (languages.primary(item) or item) if name == "lang_spoken_pref" else item


def _s8_s9_computed(a: _Assessment, ctx: RuleContext, name: str) -> None:
    """Small categories of a stratifier the report does not tabulate (counts of each
    recorded value; language by primary subtag)."""
    nf = ctx.require(name)
    per_row: Counter[str] = Counter()
    for u, n in zip(nf.uniques, nf.value_rows(), strict=True):
        if n and u.informative:
            per_row[_category(name, u.informative[0])] += int(n)
    sizes = list(per_row.values())
    below_11 = sum(1 for n in sizes if n < 11)
    below_30 = sum(1 for n in sizes if n < 30)
    a.add("S8", CAVEAT if below_11 else MET,
          f"{below_11} of {len(sizes)} {name} categories hold 1 to 10 records"
          + (": suppress or group them before publishing" if below_11 else ""),
          "STRAT.CELL_SUPPRESSION", name)
    a.add("S9", CAVEAT if below_30 else MET,
          f"{below_30} of {len(sizes)} {name} categories hold fewer than 30 records"
          + (": collapse them before computing rates" if below_30 else ""),
          "STRAT.MIN_DENOMINATOR", name)


def _s10(a: _Assessment, res: _Results) -> None:
    r = res.get("STRAT.INFORMATIVE_RATE", "caregiver_lang_spoken_pref")
    if r is None:
        a.add("S10", NOT_EVALUATED, "caregiver_lang_spoken_pref is not mapped: the language of "
              "young children is the patient field, answered by a proxy",
              "STRAT.INFORMATIVE_RATE", "caregiver_lang_spoken_pref")
        return
    _s3_result(a, r, "S10")


def _s11(a: _Assessment, res: _Results, respondent: str | None) -> None:
    r = res.get("RESP.RECORDED", respondent) if respondent else None
    if r is None or r.status is Status.NOT_APPLICABLE:
        return
    if _bad(r):
        a.add("S11", CAVEAT, f"respondent not recorded for {_nd(r)} values of {respondent}",
              r.check_id, respondent)
    else:
        a.add("S11", MET, f"respondent recorded ({respondent}: {_nd(r)} without one)",
              r.check_id, respondent)


def _s12(a: _Assessment, res: _Results, primary: str) -> None:
    r = res.get("STRAT.SMALL_GROUP_STABILITY", primary)
    if r is None or r.status is Status.NOT_APPLICABLE:
        return
    if _bad(r):
        a.add("S12", CAVEAT, f"{r.numerator} of {r.denominator} strata have an informative "
              f"rate with CV above 30% (largest finite {r.details.get('max_cv_pct')}%): "
              "collapse or pool them", r.check_id, primary)
    else:
        a.add("S12", MET, f"every stratum's CV at most 30% (largest {r.details.get('max_cv_pct')}"
              "%)", r.check_id, primary)


def _s12_computed(a: _Assessment, ctx: RuleContext, name: str) -> None:
    nf = ctx.require(name)
    informative = nf.informative_mask()
    found = site_codes(ctx)
    codes = found[0] if found is not None else np.zeros(ctx.n_rows, dtype=np.intp)
    cvs = [binomial_cv(ctx.count(informative & (codes == c)), ctx.count(codes == c))
           for c in distinct(codes)]
    above = sum(1 for c in cvs if c > 30)
    finite = [c for c in cvs if not math.isinf(c)]
    a.add("S12", CAVEAT if above else MET,
          f"{above} of {len(cvs)} strata have a {name} informative rate with CV above 30% "
          f"(largest finite {round(max(finite), 2) if finite else 0}%)",
          "STRAT.SMALL_GROUP_STABILITY", name)


# ----------------------------------------------------------------------------- assess


def _present(ctx: RuleContext, fields: Sequence[str]) -> list[str]:
    excluded = sogi.excluded_reason(ctx.profile)
    return [f for f in fields if usable(ctx, f) and not (excluded and f in SOGI_POLICY_FIELDS)]


def _primary(res: _Results, fields: Sequence[str]) -> str:
    for f in fields:
        if res.get("STRAT.INFORMATIVE_RATE", f) is not None:
            return f
    return fields[0]


def _by_kind(a: _Assessment, ctx: RuleContext, res: _Results, kind: str,
             primary: str | None) -> None:
    if kind == "race":
        if a.name != "ethnicity":
            _s5(a, res)
            _s7(a, res, primary or "")
        _s8_s9(a, res)
    elif primary is not None:
        _s8_s9_computed(a, ctx, primary)
    if kind == "language":
        _s10(a, res)


def _assess(ctx: RuleContext, res: _Results, name: str) -> _Assessment | None:
    candidates, respondent, kind = STRATIFIERS[name]
    fields = _present(ctx, candidates)
    caregiver_only = (kind == "language" and not fields and res.get(
        "STRAT.INFORMATIVE_RATE", "caregiver_lang_spoken_pref") is not None)
    if not fields and not caregiver_only:
        return None
    a = _Assessment(name, fields or ["caregiver_lang_spoken_pref"])
    primary = _primary(res, fields) if fields else None
    if kind == "race":
        _s1(a, res)
    _s2(a, res)
    measured = res.get("STRAT.INFORMATIVE_RATE", primary) if primary else None
    if measured is not None and primary is not None:
        _s3_result(a, measured)
        _s4(a, res, primary, kind == "race")
        _s6(a, res, primary)
        _sites(a, res, primary)
        _s12(a, res, primary)
    elif primary is not None:
        _s3_computed(a, ctx, primary)
        _s12_computed(a, ctx, primary)
    _by_kind(a, ctx, res, kind, primary)
    _s11(a, res, respondent)
    return a


def assess(ctx: RuleContext, results: Iterable[CheckResult]) -> tuple[dict[str, Any], ...]:
    """One readiness verdict per stratifier present, as plain-JSON mappings (report.json's
    ``readiness``): stratifier, fields, verdict, reasons (blockers then caveats) and criteria
    (every criterion evaluated, with its outcome)."""
    results = list(results)
    if ctx.n_rows == 0 or not any(r.check_id.startswith("STRAT.") for r in results):
        return ()  # empty input, or the readiness suite was not run
    res = _Results(results)
    out = []
    for name in STRATIFIERS:
        try:
            a = _assess(ctx, res, name)
        except NotApplicable:
            a = None
        if a is not None:
            out.append(a.to_dict())
    return tuple(out)
