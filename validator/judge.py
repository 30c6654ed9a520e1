"""Judge: turn counts into statuses with the catalogue's thresholds, and compute the gate.

Threshold semantics (DQD's, stated once): for ``violations`` checks the threshold is the largest
percentage of in-scope rows allowed to violate, 0 meaning zero tolerance; for ``rate`` checks
it is the smallest percentage accepted. A check whose denominator is 0 is NOT_APPLICABLE,
never a vacuous PASS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from validator.catalog import CheckDef
from validator.engine.measures import Measurement
from validator.errors import EXIT_GATE_FAILED, EXIT_PASS
from validator.profile import ThresholdOverride
from validator.results import CheckResult, Gate, Measure, Severity, Status

_BREACH = {
    Severity.CRITICAL: Status.FAIL,
    Severity.WARNING: Status.WARN,
    Severity.INFO: Status.PASS_WITH_FINDINGS,
}


@dataclass(frozen=True)
class Thresholds:
    """Effective thresholds of one check."""

    threshold: float | None
    warn_threshold: float | None
    origin: str


def thresholds_for(check: CheckDef, overrides: Mapping[str, ThresholdOverride]) -> Thresholds:
    """Catalogue default unless the profile, checkpoint or thresholds file overrides it."""
    o = overrides.get(check.check_id)
    if o is None:
        return Thresholds(check.threshold, check.warn_threshold, "catalogue")
    return Thresholds(o.threshold, o.warn_threshold, o.origin)


def _breached(measure: Measure, pct: float, limit: float | None) -> bool:
    if limit is None:
        return False
    return pct < limit if measure is Measure.RATE else pct > limit


def format_percent(pct: float | None) -> str:
    """Display a percentage without ever showing a non-zero share as 0.00 % (or 100.00 %)."""
    if pct is None:
        return "n/a"
    if 0 < pct < 0.01:
        return "<0.01%"
    if 99.99 < pct < 100:
        return ">99.99%"
    return f"{pct:.2f}%"


def _reason(check: CheckDef, m: Measurement, pct: float, t: Thresholds, status: Status) -> str:
    limit_word = "minimum" if check.measure is Measure.RATE else "maximum"
    parts = [f"{m.numerator} of {m.denominator} ({format_percent(pct)})"]
    if t.threshold is not None:
        parts.append(f"{limit_word} {t.threshold:g}%")
    if t.warn_threshold is not None:
        parts.append(f"warn at {t.warn_threshold:g}%")
    text = "; ".join(parts)
    if m.breach:
        text += f"; {m.breach}"
    if m.note:
        text += f" ({m.note})"
    return text


def judge(check: CheckDef, m: Measurement, t: Thresholds, *, field: str | None,
          stratum: str | None) -> CheckResult:
    """The status of one measurement."""
    if m.denominator == 0:
        reason = m.note or "no rows in scope for this check"
        return not_applicable(check, field, stratum, reason, t, m)
    pct = 100.0 * m.numerator / m.denominator
    findings = m.numerator > 0 if check.measure is Measure.VIOLATIONS else (
        m.numerator < m.denominator
    )
    if _breached(check.measure, pct, t.threshold) or m.breach:
        status = _BREACH[check.severity]
    elif _breached(check.measure, pct, t.warn_threshold):
        status = Status.PASS_WITH_FINDINGS if check.severity is Severity.INFO else Status.WARN
    elif findings:
        status = Status.PASS_WITH_FINDINGS
    else:
        status = Status.PASS
    return CheckResult(
        check_id=check.check_id, rule=check.rule, field=field, stratum=stratum,
        numerator=m.numerator, denominator=m.denominator, percent=pct,
        measure=check.measure, threshold=t.threshold, warn_threshold=t.warn_threshold,
        severity=check.severity, status=status, reason=_reason(check, m, pct, t, status),
        category=check.category, details=dict(m.details),
    )


def _fixed(check: CheckDef, field: str | None, stratum: str | None, status: Status,
           reason: str, t: Thresholds | None, m: Measurement | None) -> CheckResult:
    return CheckResult(
        check_id=check.check_id, rule=check.rule, field=field, stratum=stratum,
        numerator=None if m is None else m.numerator,
        denominator=None if m is None else m.denominator,
        percent=None, measure=check.measure,
        threshold=None if t is None else t.threshold,
        warn_threshold=None if t is None else t.warn_threshold,
        severity=check.severity, status=status, reason=reason, category=check.category,
        details={} if m is None else dict(m.details),
    )


def not_applicable(check: CheckDef, field: str | None, stratum: str | None, reason: str,
                   t: Thresholds | None = None, m: Measurement | None = None) -> CheckResult:
    """A NOT_APPLICABLE result with its reason."""
    return _fixed(check, field, stratum, Status.NOT_APPLICABLE, reason, t, m)


def error(check: CheckDef, field: str | None, stratum: str | None, reason: str,
          t: Thresholds | None = None, m: Measurement | None = None) -> CheckResult:
    """An ERROR result (the check could not be evaluated)."""
    return _fixed(check, field, stratum, Status.ERROR, reason, t, m)


def failed(check: CheckDef, field: str | None, stratum: str | None, reason: str,
           t: Thresholds, m: Measurement) -> CheckResult:
    """A FAIL decided before counting (a required field is missing)."""
    r = _fixed(check, field, stratum, Status.FAIL, reason, t, m)
    pct = 100.0 * m.numerator / m.denominator if m.denominator else None
    return CheckResult(**{**r.__dict__, "percent": pct})


def gate(results: Iterable[CheckResult], fail_on: Severity = Severity.CRITICAL) -> Gate:
    """Fail on any ERROR and any FAIL (and WARN too when ``fail_on`` is warning).

    Only whole-input results (stratum None) gate; per-stratum rows are for comparison.
    """
    failing_status = {Status.ERROR, Status.FAIL}
    if fail_on is Severity.WARNING:
        failing_status.add(Status.WARN)
    failing = []
    for r in results:
        if r.stratum is None and r.status in failing_status:
            label = r.check_id if r.field is None else f"{r.check_id}[{r.field}]"
            failing.append(label)
    passed = not failing
    return Gate(passed, fail_on, tuple(failing), EXIT_PASS if passed else EXIT_GATE_FAILED)
