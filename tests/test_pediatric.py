"""The bundled pediatric example (checkpoints/pediatric.yaml) and the seeded pediatric extract.

Both files are written by scripts/make_pediatric_example.py; every expected count below is
derived from that script's constants (the rows it plants in exact numbers), never from the
tool's output. The seeded extract's numbers live in fixtures/expected.yaml.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, ROOT, invoke

from validator.ages import effective

GENERATOR = ROOT / "scripts" / "make_pediatric_example.py"
CHECKPOINT = ROOT / "checkpoints" / "pediatric.yaml"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_pediatric_example", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_reproduces_checked_in_files(tmp_path: Path) -> None:
    """Both generated files are rewritten byte for byte."""
    written = _generator().generate(tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert names == ["pediatric/registration.csv", "pediatric_seeded_defects.csv"]
    for name in names:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def _run_checkpoint(cli: CliRunner, tmp_path: Path) -> tuple[int, dict[str, Any], Path]:
    text = CHECKPOINT.read_text(encoding="utf-8")
    cp = tmp_path / "pediatric.yaml"
    cp.write_text(text.replace("../fixtures/", f"{FIXTURES}/")
                  .replace("../reports/pediatric", str(tmp_path / "rep")), encoding="utf-8")
    result = invoke(cli, "run", cp)
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "rep"
    return result.exit_code, json.loads((out / "report.json").read_text("utf-8")), out


def _whole(report: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(r["check_id"], r["field"]): r for r in report["results"] if r["stratum"] is None}


def _nd(r: dict[str, Any]) -> tuple[int, int]:
    return r["numerator"], r["denominator"]


def test_pediatric_checkpoint_passes_with_a_few_warnings(cli: CliRunner, tmp_path: Path) -> None:
    g = _generator()
    code, report, out = _run_checkpoint(cli, tmp_path)
    assert code == 0 and report["gate"]["passed"] is True
    assert report["dataset"]["name"] == "pediatric"
    assert report["dataset"]["rows"] == g.EXAMPLE_ROWS == 300
    assert report["run"]["as_of_date"] == g.AS_OF.isoformat()
    # The cohort and the age thresholds the profile states are echoed (the defaults, in full).
    assert report["profile"]["cohort"] == {"min_age": 0, "max_age": 22}
    assert report["profile"]["ages"] == effective({})
    stated = yaml.safe_load((FIXTURES / "pediatric" / "profile.yaml").read_text("utf-8"))
    assert {k: float(v) for k, v in stated["ages"].items()} == effective({})
    assert report["dataset"]["caregivers"]["layout"] == "slots"
    results = _whole(report)
    warned = {k for k, r in results.items() if r["status"] == "WARN"}
    # The planted warnings, plus Hispanic families answering "Other race" (R-020's breach).
    assert warned == {("RACE.COMPLETENESS", "race_codes"),
                      ("SDOH.SCREENING_RECORDED", "sdoh_screen_date"),
                      ("DIS.AGE_GATE", "disability_cognition"),
                      ("RACE.OTHER_RATE", "race_codes")}
    assert not [k for k, r in results.items() if r["status"] in ("FAIL", "ERROR")]
    rows, minors = g.EXAMPLE_ROWS, g.EXAMPLE_MINORS
    race_absent = sum(n for _, n in g.EXAMPLE_RACE_ABSENT)
    assert _nd(results[("RACE.COMPLETENESS", "race_codes")]) == (rows - race_absent, rows)
    assert _nd(results[("AGE.COMPUTABLE", "birth_date")]) == (0, rows)
    assert results[("AGE.COMPUTABLE", "birth_date")]["details"]["outside_cohort"] == 0
    assert _nd(results[("CG.PRESENT_FOR_MINOR", None)]) == (g.EXAMPLE_NO_CAREGIVER, minors)
    assert _nd(results[("CG.LANGUAGE_PRESENT", "caregiver_lang_spoken_pref")]) == (
        minors - g.EXAMPLE_NO_CAREGIVER - g.EXAMPLE_CAREGIVER_LANGUAGE_MISSING, minors)
    assert _nd(results[("CG.MULTIPLE_CAREGIVERS", None)]) == (
        g.EXAMPLE_PRIMARY_UNMARKED, g.EXAMPLE_TWO_CAREGIVERS)
    assert _nd(results[("CG.RELATIONSHIP_CODED", "caregiver_relationship")]) == (
        0, minors - g.EXAMPLE_NO_CAREGIVER + g.EXAMPLE_TWO_CAREGIVERS)
    sdoh = results[("SDOH.SCREENING_RECORDED", "sdoh_screen_date")]
    assert _nd(sdoh) == (g.EXAMPLE_SDOH_IN_WINDOW, rows)
    assert sdoh["details"]["screened_before_window"] == g.EXAMPLE_SDOH_BEFORE_WINDOW
    assert sdoh["details"]["no_screening"] == (
        rows - g.EXAMPLE_SDOH_IN_WINDOW - g.EXAMPLE_SDOH_BEFORE_WINDOW)
    under_5 = sum(g.EXAMPLE_AGE_COUNTS[:5])
    assert _nd(results[("DIS.AGE_GATE", "disability_cognition")]) == (
        g.EXAMPLE_DISABILITY_UNDER_5, under_5)
    lang = results[("LANG.COMPLETENESS", "lang_spoken_pref")]
    preverbal = sum(g.EXAMPLE_AGE_COUNTS[:2])
    assert (_nd(lang), lang["details"]["preverbal_excluded"]) == (
        (rows - preverbal, rows - preverbal), preverbal)
    assert _nd(results[("RESP.RECORDED", "lang_respondent")]) == (
        g.EXAMPLE_RESPONDENT_BLANK, rows)
    assert _nd(results[("RESP.PROXY_FOR_ADULT", "lang_respondent")]) == (
        g.EXAMPLE_ADULT_PROXY, g.EXAMPLE_ADULTS)
    assert _nd(results[("RESP.SELF_UNDER_MIN_AGE", "lang_respondent")])[0] == 0
    # SOGI from age 12 (everyone aged 12-21 answers); one 13-year-old's answers by a parent.
    assert _nd(results[("SOGI.ADOLESCENT_PROXY", None)]) == (
        g.EXAMPLE_SOGI_BY_PROXY, sum(g.EXAMPLE_AGE_COUNTS[12:]))
    assert _nd(results[("SOGI.SO_AGE_GATE", "sexual_orientation")])[0] == 0
    zips = results[("GEO.ZIP_VALID", "address_zip")]
    assert (_nd(zips), zips["details"]["four_digits"]) == (
        (g.EXAMPLE_ZIP_FOUR_DIGITS, rows), g.EXAMPLE_ZIP_FOUR_DIGITS)
    assert results[("PAYER.RECORDED", "payer_type")]["details"]["unknown"] == (
        g.EXAMPLE_PAYER_BLANK)
    assert _nd(results[("LANG.INTERPRETER_PRESENT_IF_NONENGLISH", "interpreter_needed")])[0] == (
        g.EXAMPLE_INTERPRETER_BLANK)
    assert _nd(results[("CG.INTERPRETER_PRESENT", "caregiver_interpreter_needed")])[0] == (
        g.EXAMPLE_CAREGIVER_INTERPRETER_BLANK)
    newborns = results[("SEX.NEONATE_PLAUSIBLE", "sex_admin")]["details"]
    assert (newborns["neonates"], newborns["neonates_undetermined"]) == (g.EXAMPLE_NEWBORNS, 1)
    assert {r["stratum"] for r in report["results"]} == {None, *g.EXAMPLE_SITES}
    # The unmapped free-text column carries the PHI marker: it is never read.
    for path in out.iterdir():
        assert MARKER not in path.read_text(encoding="utf-8"), path.name


def test_seeded_constants_match_expected_yaml() -> None:
    """Each SEEDED defect's row count is the numerator fixtures/expected.yaml asserts for its
    check (for the rate check CG.LANGUAGE_PRESENT: the minors whose caregivers lack one)."""
    g = _generator()
    entry = yaml.safe_load((FIXTURES / "expected.yaml").read_text("utf-8"))["entries"][
        "pediatric_seeded_defects"]
    checks = {k.split("[")[0]: v for k, v in entry["checks"].items()}
    assert entry["file"] == str(g.SEEDED_FILE)
    for name, (rows, _, key) in g.SEEDED.items():
        spec = checks[key.split("[")[0]]
        got = (spec["details"]["caregivers_without_language"]
               if key == "CG.LANGUAGE_PRESENT" else spec["numerator"])
        assert got == rows, name
    assert len(g.seeded_rows()) == 18 * g.BASE_PER_AGE + sum(n for n, _, _ in g.SEEDED.values())
