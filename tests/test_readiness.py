"""Stratification readiness: verdict rules, the readiness rules' numbers (chi-square and CV
compared with hand computations), the previous-run comparison, and the outputs that carry the
verdict (report.json, report.md, results table)."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from fractions import Fraction
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, ROOT, invoke

import validator
from validator import previous, readiness
from validator.engine.rules import _groups
from validator.engine.rules.site import entry_method
from validator.engine.rules.strat import binomial_cv
from validator.errors import InputError
from validator.normalize import Unique
from validator.report import render_markdown, results_table, write_reports
from validator.results import Report, Status

AS_OF = "2026-11-01"
SPANISH = FIXTURES / "readiness_race_missing_spanish_speakers.csv"
CLEAN = FIXTURES / "readiness_clean.csv"
DECLARED = FIXTURES / "profiles" / "readiness_declared.yaml"
SHIFT = FIXTURES / "site_distribution_shift.csv"
PREVIOUS = FIXTURES / "site_distribution_shift_previous.csv"
GENERATOR = ROOT / "scripts" / "make_readiness_fixtures.py"


@cache
def _spanish() -> Report:
    return validator.validate(SPANISH, as_of_date=AS_OF)


def _verdicts(report: Report) -> dict[str, dict]:
    return {s["stratifier"]: s for s in report.readiness}


def _chi2_2x2(a: int, b: int, c: int, d: int) -> float:
    """Pearson's chi-square of [[a, b], [c, d]] without correction, by the textbook formula
    N (ad - bc)^2 / (row1 row2 col1 col2), in exact fractions."""
    n = a + b + c + d
    return float(Fraction(n * (a * d - b * c) ** 2, (a + b) * (c + d) * (a + c) * (b + d)))


# ----------------------------------------------------------------------------- generator


def test_generator_reproduces_checked_in_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_readiness_fixtures", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.generate(tmp_path)
    assert len(written) == 6
    for path in written:
        assert path.read_bytes() == (FIXTURES / path.name).read_bytes(), path.name
    # the earlier run's table needs only the columns validator/previous.py reads
    assert set(previous.REQUIRED_COLUMNS) <= set(module.RESULTS_HEADER)


def test_fixtures_carry_the_phi_marker_and_reports_do_not() -> None:
    assert MARKER in SPANISH.read_text(encoding="utf-8")
    text = json.dumps(_spanish().to_dict()) + render_markdown(_spanish())
    assert MARKER not in text


# ----------------------------------------------------------------------------- done-when


def test_race_missing_among_spanish_speakers_is_not_ready_for_that_reason() -> None:
    report = _spanish()
    race = _verdicts(report)["race"]
    assert race["verdict"] == readiness.NOT_READY
    blockers = [r for r in race["reasons"] if r["level"] == "blocker"]
    assert [(r["criterion"], r["check_id"], r["field"]) for r in blockers] == [
        ("S6", "STRAT.DIFFERENTIAL_MISSINGNESS", "race_codes")]
    text = blockers[0]["text"]
    assert "by language" in text
    assert "english 1.00% (4 of 400)" in text and "non_english 20.00% (40 of 200)" in text
    assert "ratio 20.0" in text and "chi-square 70.8306 (dof 1)" in text
    # the completeness gate alone does not see it
    assert report.gate.passed
    assert report.result("RACE.COMPLETENESS").status is Status.PASS_WITH_FINDINGS
    # ethnicity and language are not missing: no blocker there
    assert _verdicts(report)["ethnicity"]["verdict"] != readiness.NOT_READY
    assert _verdicts(report)["lang_spoken_pref"]["verdict"] == readiness.READY


def test_differential_missingness_numbers_match_a_hand_computation() -> None:
    r = _spanish().result("STRAT.DIFFERENTIAL_MISSINGNESS", field="race_codes")
    # English: 4 of 400 missing; Spanish: 40 of 200 missing
    chi2 = _chi2_2x2(4, 396, 40, 160)
    assert chi2 == pytest.approx(70.830608, abs=1e-6)
    assert r.details["language_chi2"] == round(chi2, 4)
    assert r.details["language_dof"] == 1
    # p of a chi-square with 1 dof: erfc(sqrt(x / 2))
    p = math.erfc(math.sqrt(chi2 / 2))
    assert r.details["language_p_value"] == pytest.approx(p, rel=1e-5)
    assert r.details["language_ratio"] == (40 / 200) / (4 / 400) == 20.0
    assert (r.numerator, r.denominator, r.status) == (1, 2, Status.WARN)


def test_chi_square_helper_against_hand_computations() -> None:
    # 2 x 2, as above
    stat, dof, p = _groups.chi_square([[4, 396], [40, 160]])
    assert (round(stat, 6), dof) == (round(_chi2_2x2(4, 396, 40, 160), 6), 1)
    # 3 x 2 (site_entry_method_missingness): expected 26 missing / 274 informative per row
    stat, dof, p = _groups.chi_square([[6, 294], [12, 288], [60, 240]])
    hand = float(Fraction(400 + 196 + 1156) * (Fraction(1, 26) + Fraction(1, 274)))
    assert stat == pytest.approx(hand, rel=1e-12) and dof == 2
    assert p == pytest.approx(math.exp(-hand / 2), rel=1e-9)  # 2 dof: p = exp(-x/2)
    # nothing missing, or one group only: no association measurable
    assert _groups.chi_square([[0, 10], [0, 20]]) == (0.0, 1, 1.0)
    assert _groups.chi_square([[3, 10]]) == (0.0, 0, 1.0)


def test_compare_needs_two_groups_of_the_minimum_size() -> None:
    groups = {"english": (400, 4), "non_english": (20, 10)}
    assert _groups.compare("language", groups, min_records=30, max_ratio=1.5, alpha=0.05) is None
    c = _groups.compare("language", {**groups, "non_english": (200, 40)}, min_records=30,
                        max_ratio=1.5, alpha=0.05)
    assert c is not None and c.violated and c.ratio == 20.0
    # a ratio above the threshold that chance explains is not a violation
    c = _groups.compare("language", {"english": (40, 1), "non_english": (40, 2)},
                        min_records=30, max_ratio=1.5, alpha=0.05)
    assert c is not None and c.ratio == 2.0 and c.p_value > 0.05 and not c.violated
    # site median reference: 2 % 2 % 10 % -> highest / median = 5
    c = _groups.compare("site", {"A": (100, 2), "B": (100, 2), "C": (100, 10)},
                        min_records=30, max_ratio=2, alpha=0.05, reference="median")
    assert c is not None and c.ratio == pytest.approx(5.0) and c.violated


def test_site_missing_rate_against_the_network_median() -> None:
    # sites A and B: 6 of 300 without race (2 %); C: 60 of 300 (20 %) -> median 2 %, C 10 x
    n = 300
    rows = {"patient_id": [f"P{i}" for i in range(3 * n)],
            "site_id": ["A"] * n + ["B"] * n + ["C"] * n,
            "race_codes": (["2106-3"] * (n - 6) + [""] * 6) * 2 + ["2106-3"] * (n - 60)
            + [""] * 60,
            "ethnicity_code": ["2186-5"] * (3 * n)}
    report = validator.validate(pd.DataFrame(rows), as_of_date=AS_OF)
    r = report.result("STRAT.DIFFERENTIAL_MISSINGNESS", field="race_codes")
    assert (r.numerator, r.denominator, r.status) == (1, 1, Status.WARN)
    # 3 x 2 table [[6, 294], [6, 294], [60, 240]]: expected 24 missing, 276 informative per
    # site: (18^2 + 18^2 + 36^2) x (1/24 + 1/276) = 88.0435, dof 2
    hand = float(Fraction(18**2 + 18**2 + 36**2) * (Fraction(1, 24) + Fraction(1, 276)))
    assert (r.details["site_chi2"], r.details["site_dof"]) == (round(hand, 4), 2)
    assert (r.details["site_median_missing_pct"], r.details["site_max_missing_pct"],
            r.details["site_ratio"]) == (2.0, 20.0, 10.0)
    c = report.result("STRAT.DIFFERENTIAL_MISSINGNESS", field="race_codes", stratum="C")
    # C against the other sites: [[60, 240], [12, 588]]
    assert c.details["site_chi2"] == round(_chi2_2x2(60, 240, 12, 588), 4)
    assert c.details["site_violated"] == 1
    a = report.result("STRAT.DIFFERENTIAL_MISSINGNESS", field="race_codes", stratum="A")
    assert (a.details["site_ratio"], a.details["site_violated"]) == (1.0, 0)
    s6 = [x for x in _verdicts(report)["race"]["reasons"] if x["criterion"] == "S6"]
    assert s6 and "by site: highest site 20.00% missing vs median 2.00%" in s6[0]["text"]


def test_binomial_cv() -> None:
    # p = 0.5 over 10 records: sqrt(0.5 / (10 x 0.5)) = sqrt(0.1) = 31.62 %
    assert binomial_cv(5, 10) == pytest.approx(100 * math.sqrt(0.1))
    assert binomial_cv(12, 12) == 0.0
    assert math.isinf(binomial_cv(0, 40))
    # p = 0.9 over 30: sqrt(0.1 / 27) = 6.09 %
    assert binomial_cv(27, 30) == pytest.approx(100 * math.sqrt(0.1 / 27))


def test_small_group_stability_flags_a_small_site() -> None:
    rows = {"patient_id": [f"P{i}" for i in range(60)],
            "site_id": ["A"] * 50 + ["B"] * 10,
            "race_codes": ["2106-3"] * 50 + ["2106-3"] * 3 + [""] * 7,
            "ethnicity_code": ["2186-5"] * 60}
    report = validator.validate(pd.DataFrame(rows), as_of_date=AS_OF)
    r = report.result("STRAT.SMALL_GROUP_STABILITY", field="race_codes")
    # A: p = 1 (CV 0); B: p = 0.3 over 10, CV = sqrt(0.7 / 3) = 48.30 %
    assert (r.numerator, r.denominator, r.status) == (1, 2, Status.WARN)
    assert r.details["max_cv_pct"] == round(100 * math.sqrt(0.7 / 3), 2)
    b = report.result("STRAT.SMALL_GROUP_STABILITY", field="race_codes", stratum="B")
    assert (b.numerator, b.denominator) == (1, 1)


# ----------------------------------------------------------------------------- verdict rules


def test_verdict_rules() -> None:
    a = readiness._Assessment("race", ["race_codes"])
    a.add("S3", readiness.MET, "ok")
    a.add("S10", readiness.NOT_EVALUATED, "n/a")
    assert a.verdict() == readiness.READY
    a.add("S8", readiness.CAVEAT, "small cells", "STRAT.CELL_SUPPRESSION")
    assert a.verdict() == readiness.CAVEATS
    a.add("S6", readiness.NOT_MET, "MNAR", "STRAT.DIFFERENTIAL_MISSINGNESS")
    assert a.verdict() == readiness.NOT_READY
    d = a.to_dict()
    assert [r["level"] for r in d["reasons"]] == ["blocker", "caveat"]
    assert [c["criterion"] for c in d["criteria"]] == ["S3", "S6", "S8", "S10"]


def test_clean_extract_is_ready() -> None:
    report = validator.validate(CLEAN, DECLARED, as_of_date=AS_OF)
    verdicts = _verdicts(report)
    assert set(verdicts) == {"race", "ethnicity", "lang_spoken_pref"}
    for name, v in verdicts.items():
        assert v["verdict"] == readiness.READY, (name, v["reasons"])
        assert v["reasons"] == []
    criteria = {c["criterion"]: c["outcome"] for c in verdicts["race"]["criteria"]}
    assert criteria == {"S1": "met", "S2": "met", "S3": "met", "S4": "met", "S5": "met",
                        "S6": "met", "S7": "met", "S8": "met", "S9": "met", "S12": "met"}
    assert {c["criterion"] for c in verdicts["lang_spoken_pref"]["criteria"]} >= {"S10"}


def test_same_extract_without_a_declared_standard_has_a_caveat() -> None:
    report = validator.validate(CLEAN, as_of_date=AS_OF)
    race = _verdicts(report)["race"]
    assert race["verdict"] == readiness.CAVEATS
    assert [(r["criterion"], r["check_id"]) for r in race["reasons"]] == [
        ("S1", "STRAT.PROFILE_DECLARED")]


def test_2024_fields_under_an_undeclared_standard_block() -> None:
    rows = {"patient_id": [f"P{i}" for i in range(40)],
            "race_ethnicity_2024": ["2106-3"] * 20 + ["2135-2"] * 20}
    report = validator.validate(pd.DataFrame(rows), as_of_date=AS_OF)
    r = report.result("STRAT.PROFILE_DECLARED")
    assert r.status is Status.WARN and "2024-format fields" in r.reason
    v = _verdicts(report)["race_ethnicity_2024"]
    assert v["verdict"] == readiness.NOT_READY
    assert v["reasons"][0]["criterion"] == "S1"


def test_caregiver_language_counts_for_minors() -> None:
    # 60 children aged 5 (below self_report_min_age 11): patient language blank for all,
    # caregiver language es for 30 (race missing for 15 of them), en for 30 (race missing 1).
    n = 60
    rows = {"patient_id": [f"P{i}" for i in range(n)],
            "race_codes": [""] * 15 + ["2106-3"] * 15 + [""] + ["2054-5"] * 29,
            "ethnicity_code": ["2186-5"] * n,
            "birth_date": ["2021-06-01"] * n,
            "caregiver1_relationship": ["MTH"] * n,
            "caregiver1_lang_spoken_pref": ["es"] * 30 + ["en"] * 30}
    report = validator.validate(pd.DataFrame(rows), as_of_date=AS_OF)
    cg = report.result("STRAT.INFORMATIVE_RATE", field="caregiver_lang_spoken_pref")
    assert (cg.numerator, cg.denominator, cg.status) == (60, 60, Status.PASS)
    r = report.result("STRAT.DIFFERENTIAL_MISSINGNESS", field="race_codes")
    assert (r.details["language_english_records"], r.details["language_english_missing"],
            r.details["language_non_english_records"],
            r.details["language_non_english_missing"]) == (30, 1, 30, 15)
    assert r.details["language_chi2"] == round(_chi2_2x2(1, 29, 15, 15), 4)
    assert r.details["language_violated"] == 1
    lang = _verdicts(report)["lang_spoken_pref"]
    s10 = [c for c in lang["criteria"] if c["criterion"] == "S10"]
    assert s10 and s10[0]["outcome"] == "met"


# ----------------------------------------------------------------------------- site rules


def test_entry_method_vocabulary() -> None:
    def em(text: str) -> str | None:
        return entry_method(Unique(informative=(text,), state="informative"))

    assert em("Patient portal") == "portal"
    assert em("MyChart") == "portal"
    assert em("Registration desk") == "registration"
    assert em("HL7 feed") == "interface"
    assert em("Manual entry") == "manual"
    assert em("Kiosk") == "kiosk"
    assert em("Call center") == "phone"
    assert em("something else") == "other"
    assert entry_method(Unique()) is None


def test_distribution_shift_between_runs() -> None:
    report = validator.validate(SHIFT, as_of_date=AS_OF, previous_results=PREVIOUS)
    r = report.result("SITE.DISTRIBUTION_SHIFT")
    # between sites: 3 comparisons, B shifted; between runs: A (0), B (+8 White), C (+10
    # White, -10 Black), whole input (White 395/750 vs 350/750: +6 points): 3 of 4 shifted
    assert (r.numerator, r.denominator, r.status) == (4, 7, Status.WARN)
    assert r.details["comparisons_between_runs"] == 4 and r.details["shifted_between_runs"] == 3
    assert r.details["max_shift_pp"] == -10.0
    assert r.details["max_shift"] == "omb1997.race 2054-5 vs previous run"
    assert r.details["previous_run_id"] == "0123456789abcdef"
    c = report.result("SITE.DISTRIBUTION_SHIFT", stratum="C")
    assert (c.numerator, c.denominator) == (1, 2)
    # the previous table changes the run id; the same input without it does not
    again = validator.validate(SHIFT, as_of_date=AS_OF)
    assert again.run["run_id"] != report.run["run_id"]


def test_distribution_shift_not_applicable_without_sites_or_previous() -> None:
    r = _spanish().result("SITE.DISTRIBUTION_SHIFT")
    assert r.status is Status.NOT_APPLICABLE and "--previous" in r.reason


def test_previous_results_must_be_a_results_table(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        validator.validate(SHIFT, as_of_date=AS_OF, previous_results=tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a results table"):
        validator.validate(SHIFT, as_of_date=AS_OF, previous_results=bad)


def test_previous_results_from_parquet_and_the_cli(tmp_path: Path, cli: CliRunner) -> None:
    first = validator.validate(SHIFT, as_of_date=AS_OF)
    paths = write_reports(first, tmp_path / "run1", "csv,parquet")
    for path in paths:  # the same data: nothing shifted between runs
        r = validator.validate(SHIFT, as_of_date=AS_OF, previous_results=path).result(
            "SITE.DISTRIBUTION_SHIFT")
        assert (r.details["comparisons_between_runs"], r.details["shifted_between_runs"]) == (
            4, 0)
    out = tmp_path / "run2"
    result = invoke(cli, "validate", SHIFT, "--out", out, "--as-of", AS_OF, "--previous",
                    PREVIOUS)
    assert result.exit_code == 0, result.stderr
    doc = json.loads((out / "report.json").read_text())
    shift = next(r for r in doc["results"]
                 if r["check_id"] == "SITE.DISTRIBUTION_SHIFT" and r["stratum"] is None)
    assert shift["details"]["shifted_between_runs"] == 3
    cp = tmp_path / "cp.yaml"
    cp.write_text(f"version: 1\nsource: {SHIFT}\nas_of_date: {AS_OF}\n"
                  f"previous_results: {PREVIOUS}\noutputs: {{dir: {tmp_path / 'run3'}}}\n")
    result = invoke(cli, "run", cp)
    assert result.exit_code == 0, result.stderr
    doc = json.loads((tmp_path / "run3" / "report.json").read_text())
    assert any(r["check_id"] == "SITE.DISTRIBUTION_SHIFT" and r["stratum"] is None
               and r["numerator"] == 4 for r in doc["results"])


# ----------------------------------------------------------------------------- outputs


def test_report_outputs_carry_the_verdicts(tmp_path: Path) -> None:
    report = _spanish()
    doc = report.to_dict()
    assert [s["stratifier"] for s in doc["readiness"]] == ["race", "ethnicity",
                                                            "lang_spoken_pref"]
    md = render_markdown(report)
    assert md.index("## Stratification readiness") < md.index("## Deficiencies")
    assert "| `race` | **NOT READY** | S6 `STRAT.DIFFERENTIAL_MISSINGNESS`" in md
    rows = [r for r in results_table.rows(report) if r["kind"] == "readiness"]
    assert [(r["field"], r["category"], r["status"]) for r in rows] == [
        ("race", "NOT READY", "FAIL"), ("ethnicity", "READY WITH CAVEATS", "WARN"),
        ("lang_spoken_pref", "READY", "PASS")]
    assert all(r["stratum"] is None and r["check_id"] is None for r in rows)
    written = write_reports(report, tmp_path, "csv")
    with written[0].open(encoding="utf-8", newline="") as fh:
        assert sum(r["kind"] == "readiness" for r in csv.DictReader(fh)) == 3


def test_no_verdict_without_the_readiness_suite() -> None:
    report = validator.validate(SPANISH, as_of_date=AS_OF, suites=["race"])
    assert report.readiness == ()
    assert "## Stratification readiness" not in render_markdown(report)
