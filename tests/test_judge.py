"""Judge: threshold semantics, statuses, NOT_APPLICABLE for empty scope, the gate."""

from __future__ import annotations

import pytest

from validator import catalog
from validator.engine.measures import Measurement
from validator.judge import Thresholds, format_percent, gate, judge, not_applicable
from validator.results import Severity, Status


def _status(check_id: str, num: int, den: int, threshold: float | None = None,
            warn: float | None = None, breach: str | None = None) -> Status:
    check = catalog.get(check_id)
    t = Thresholds(check.threshold if threshold is None else threshold,
                   check.warn_threshold if warn is None else warn, "test")
    return judge(check, Measurement(num, den, breach=breach), t, field="f",
                 stratum=None).status


@pytest.mark.parametrize(("num", "den", "status"), [
    (0, 10, Status.PASS), (1, 10_000, Status.FAIL), (5, 10, Status.FAIL),
])
def test_zero_tolerance_critical(num: int, den: int, status: Status) -> None:
    assert _status("RACE.VALUESET", num, den) is status


@pytest.mark.parametrize(("num", "den", "status"), [
    (69, 100, Status.FAIL), (70, 100, Status.WARN), (89, 100, Status.WARN),
    (90, 100, Status.PASS_WITH_FINDINGS), (100, 100, Status.PASS),
])
def test_rate_check_fail_and_warn_floors(num: int, den: int, status: Status) -> None:
    assert _status("RACE.COMPLETENESS", num, den) is status


@pytest.mark.parametrize(("num", "den", "status"), [
    (0, 50, Status.PASS), (5, 50, Status.PASS_WITH_FINDINGS), (6, 50, Status.WARN),
])
def test_warning_check_threshold(num: int, den: int, status: Status) -> None:
    assert _status("RACE.OTHER_RATE", num, den) is status  # max 10 %


def test_extra_breach_fires_within_threshold() -> None:
    assert _status("RACE.OTHER_RATE", 1, 50, breach="most Other are Hispanic") is Status.WARN


def test_info_never_warns() -> None:
    assert _status("RACE.MENA_PROFILE", 9, 10) is Status.PASS_WITH_FINDINGS
    assert _status("RACE.MENA_PROFILE", 0, 10) is Status.PASS


def test_empty_scope_is_not_applicable_never_pass() -> None:
    check = catalog.get("RACE.VALUESET")
    r = judge(check, Measurement(0, 0, note="no informative race"), Thresholds(0, None, "c"),
              field="race_codes", stratum=None)
    assert r.status is Status.NOT_APPLICABLE
    assert r.reason == "no informative race"


def test_result_reason_and_percent() -> None:
    check = catalog.get("RACE.COMPLETENESS")
    r = judge(check, Measurement(2, 3), Thresholds(70, 90, "c"), field="race_codes",
              stratum="A")
    assert r.percent == pytest.approx(66.6666666, rel=1e-6)
    assert r.reason == "2 of 3 (66.67%); minimum 70%; warn at 90%"
    assert (r.stratum, r.rule, r.severity) == ("A", "R-010", Severity.CRITICAL)


@pytest.mark.parametrize(("pct", "text"), [
    (0.0, "0.00%"), (0.001, "<0.01%"), (99.999, ">99.99%"), (100.0, "100.00%"),
    (None, "n/a"), (12.345, "12.35%"),
])
def test_percent_never_rounds_findings_away(pct: float | None, text: str) -> None:
    assert format_percent(pct) == text


def test_gate() -> None:
    fail = judge(catalog.get("RACE.VALUESET"), Measurement(1, 10), Thresholds(0, None, "c"),
                 field="race_codes", stratum=None)
    warn = judge(catalog.get("RACE.OTHER_RATE"), Measurement(9, 10), Thresholds(10, None, "c"),
                 field="race_codes", stratum=None)
    site_fail = judge(catalog.get("RACE.VALUESET"), Measurement(1, 2),
                      Thresholds(0, None, "c"), field="race_codes", stratum="A")
    na = not_applicable(catalog.get("RACE.TEXT_PRESENT"), "race_text", None, "table input")
    assert gate([warn, na, site_fail]).passed
    assert gate([warn, na, site_fail]).exit_code == 0
    g = gate([fail, warn])
    assert (g.passed, g.exit_code, g.failing) == (False, 1, ("RACE.VALUESET[race_codes]",))
    strict = gate([warn], Severity.WARNING)
    assert strict.failing == ("RACE.OTHER_RATE[race_codes]",)
