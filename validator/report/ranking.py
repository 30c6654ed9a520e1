"""Shared by the Markdown and HTML reports: which results are deficiencies, how they rank, and
how numbers, thresholds and breakdowns are worded. Pure functions of the result model."""

from __future__ import annotations

from validator.results import CheckResult, Report, Status

DEFICIENT = (Status.ERROR, Status.FAIL, Status.WARN)
COUNT_COLUMNS = (
    ("informative", "informative"), ("blank", "blank"), ("unknown", "unknown"),
    ("declined", "declined"), ("not_asked", "not asked"), ("asked_unknown", "asked, unknown"),
    ("unable", "unable"), ("other", "other"), ("not_applicable", "not applicable"),
)
UNPARSEABLE = ("unparseable", "unparseable date")


def fmt_n(value: int | float | None) -> str:
    """A count with thousands separators (two decimals for floats); an en dash for None."""
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def label(r: CheckResult) -> str:
    """``CHECK.ID · field`` (the check id alone for dataset-level checks)."""
    return r.check_id if r.field is None else f"{r.check_id} · {r.field}"


def affected(r: CheckResult) -> int:
    """Rows the finding is about: violating rows, or rows short of a rate."""
    if r.numerator is None or r.denominator is None:
        return 0
    return r.denominator - r.numerator if r.measure.value == "rate" else r.numerator


def rank(r: CheckResult) -> tuple[int, int, int, int]:
    """Most serious first: status, then severity, then rows affected; NOT_APPLICABLE last."""
    na_last = 1 if r.status is Status.NOT_APPLICABLE else 0
    return (na_last, r.status.rank, r.severity.rank, -affected(r))


def threshold_text(r: CheckResult) -> str:
    """``≥ 70% (warn ≥ 90%)`` for rates, ``≤ 0%`` for violations; an en dash without one."""
    if r.threshold is None:
        return "–"
    sign = "≥" if r.measure.value == "rate" else "≤"
    text = f"{sign} {r.threshold:g}%"
    if r.warn_threshold is not None:
        text += f" (warn {sign} {r.warn_threshold:g}%)"
    return text


def details_text(r: CheckResult) -> str:
    """The non-zero sub-reason counts, ``future: 2; missing: 1``."""
    parts = [f"{k.replace('_', ' ')}: {fmt_n(v) if not isinstance(v, str) else v}"
             for k, v in r.details.items() if v]
    return "; ".join(parts)


def overall(report: Report) -> list[CheckResult]:
    """Whole-input results (the ones the gate is decided on)."""
    return [r for r in report.results if r.stratum is None]


def deficiencies(report: Report) -> list[CheckResult]:
    """Whole-input ERROR, FAIL and WARN results, most serious first."""
    return sorted((r for r in overall(report) if r.status in DEFICIENT), key=rank)


def findings(report: Report) -> list[CheckResult]:
    """Whole-input PASS_WITH_FINDINGS results, most serious first."""
    return sorted((r for r in overall(report) if r.status is Status.PASS_WITH_FINDINGS),
                  key=rank)


def strata(report: Report) -> list[str]:
    """The stratum values, sorted (empty without a stratum)."""
    return sorted({r.stratum for r in report.results if r.stratum is not None})
