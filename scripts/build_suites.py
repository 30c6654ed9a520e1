"""Write the GX suites in expectations/*.json from the definitions below.

Run after changing a definition: ``python scripts/build_suites.py``. The suites are built with
GX's own classes (so they are valid GX JSON) and carry ``meta.check_id`` (the catalogue id),
``meta.field`` (the canonical field the result is reported on) and ``meta.count`` (how the
numerator and denominator are read from GX's counts; see validator/engine/gx_checks.py).
Value sets are ``$PARAMETER`` references resolved at run time (validator/engine/parameters.py).
``tests/test_suites.py`` fails when the checked-in JSON differs from what this script writes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from validator.engine.gx_adapter import import_gx  # noqa: E402

gx = import_gx()  # quiet: pyspark, when installed, warns about pandas 3 on GX's import

import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.expectations.row_conditions import Column  # noqa: E402

from validator import catalog, sogi  # noqa: E402
from validator.engine.gx_expectations import (  # noqa: E402
    ExpectColumnListValuesToBeInSet,
    ExpectColumnListValuesToBeValidBcp47,
    ExpectColumnListValuesToBeValidCdcrecCodes,
    ExpectColumnListValuesToNotBeInSet,
)
from validator.engine.rules._codes import HISPANIC_PATTERN  # noqa: E402
from validator.spd15 import SOME_OTHER_RACE_CODES, SOME_OTHER_RACE_PATTERN  # noqa: E402

RACE = ("race_codes", "race_omb", "race_detailed")
ETH = ("ethnicity_code", "ethnicity_detailed")
RACE_VALUESET = {"race_codes": "cdcrec_race", "race_omb": "omb_race_with_other",
                 "race_detailed": "race_detailed"}
ETH_VALUESET = {"ethnicity_code": "ethnicity_omb", "ethnicity_detailed": "ethnicity_detailed"}
LANGUAGE = ("lang_spoken_pref", "lang_written_pref", "lang_home", "caregiver_lang_spoken_pref",
            "caregiver_lang_written_pref")
INTERPRETER = ("interpreter_needed", "caregiver_interpreter_needed")
RE24_VALUESET = {"race_ethnicity_2024": "spd15_2024_minimum",
                 "race_ethnicity_2024_detailed": "spd15_2024_detailed"}


def _meta(check_id: str, field: str | list[str], count: str) -> dict[str, Any]:
    fields = [field] if isinstance(field, str) else field
    return {"check_id": check_id, "field": fields, "count": count}


def _sev(check_id: str) -> str:
    return catalog.get(check_id).severity.value


def _param(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


def preflight() -> list[Any]:
    """Dataset-level checks that GX evaluates."""
    cid = "PATIENT.KEY_UNIQUE"
    return [
        gxe.ExpectColumnValuesToBeUnique(
            column="patient_id__key", severity=_sev(cid),
            meta=_meta(cid, "patient_id", "all_with_missing"),
        )
    ]


def _code_checks(fields: tuple[str, ...]) -> list[Any]:
    out: list[Any] = []
    for f in fields:
        cid = "RACE.CODE_FORMAT_CHECKDIGIT"
        out.append(ExpectColumnListValuesToBeValidCdcrecCodes(
            column=f, severity=_sev(cid), meta=_meta(cid, f, "nonmissing")))
        cid = "RACE.NO_ABSTRACT_ROOT"
        out.append(ExpectColumnListValuesToNotBeInSet(
            column=f, value_set=_param("cdcrec_roots"), severity=_sev(cid),
            meta=_meta(cid, f, "nonmissing")))
    return out


def race() -> list[Any]:
    """Race expectations (DOMAIN.md §3.2)."""
    out: list[Any] = []
    cid = "RACE.COMPLETENESS"
    out.append(gxe.ExpectColumnValuesToNotBeNull(
        column="race__informative", severity=_sev(cid), meta=_meta(cid, list(RACE), "rate")))
    for f in RACE:
        cid = "RACE.VALUESET"
        out.append(ExpectColumnListValuesToBeInSet(
            column=f, value_set=_param(RACE_VALUESET[f]), severity=_sev(cid),
            meta=_meta(cid, f, "nonmissing")))
    out += _code_checks(RACE)
    for f in RACE:
        cid = "RACE.NOT_ETHNICITY_CODE"
        out.append(ExpectColumnListValuesToNotBeInSet(
            column=f, value_set=_param("cdcrec_ethnicity_tree"), pattern=HISPANIC_PATTERN,
            severity=_sev(cid), meta=_meta(cid, f, "nonmissing")))
    cid = "RACE.OMB_WHEN_DETAILED"
    out.append(gxe.ExpectColumnValuesToNotBeNull(
        column="race_omb", row_condition=Column("race_detailed").is_not_null(),
        severity=_sev(cid), meta=_meta(cid, "race_omb", "all")))
    for f in ("race_omb", "race_codes"):
        cid = "RACE.NULL_EXCLUSIVE"
        out.append(gxe.ExpectColumnValuesToBeNull(
            column=f"{f}__absent", row_condition=Column(f).is_not_null(),
            severity=_sev(cid), meta=_meta(cid, f, "all")))
    return out


def ethnicity() -> list[Any]:
    """Ethnicity expectations (DOMAIN.md §3.3)."""
    out: list[Any] = []
    cid = "ETH.COMPLETENESS"
    out.append(gxe.ExpectColumnValuesToNotBeNull(
        column="ethnicity__informative", severity=_sev(cid), meta=_meta(cid, list(ETH), "rate")))
    for f in ETH:
        cid = "ETH.VALUESET"
        out.append(ExpectColumnListValuesToBeInSet(
            column=f, value_set=_param(ETH_VALUESET[f]), severity=_sev(cid),
            meta=_meta(cid, f, "nonmissing")))
    out += _code_checks(ETH)
    cid = "ETH.DETAILED_CONSISTENT"
    out.append(gxe.ExpectColumnValuesToBeInSet(
        column="ethnicity_code", value_set=["2135-2"],
        row_condition=Column("ethnicity_detailed").is_not_null(),
        severity=_sev(cid), meta=_meta(cid, "ethnicity_detailed", "all_with_missing")))
    return out


def combined_2024() -> list[Any]:
    """Combined race/ethnicity expectations (DOMAIN.md §3.4, profile spd15_2024). Completeness,
    detail roll-up, detail collection and bridging are pandas rules (engine/rules/spd15.py)."""
    out: list[Any] = []
    for f, valueset in RE24_VALUESET.items():
        cid = "RE24.VALUESET"
        out.append(ExpectColumnListValuesToBeInSet(
            column=f, value_set=_param(valueset), severity=_sev(cid),
            meta=_meta(cid, f, "nonmissing")))
    cid = "RE24.NO_SOR"
    out.append(ExpectColumnListValuesToNotBeInSet(
        column="race_ethnicity_2024", value_set=list(SOME_OTHER_RACE_CODES),
        pattern=SOME_OTHER_RACE_PATTERN, severity=_sev(cid),
        meta=_meta(cid, "race_ethnicity_2024", "nonmissing")))
    return out


def language() -> list[Any]:
    """Language and interpreter-need expectations (DOMAIN.md §3.5); the other language rules
    are pandas rules (validator/engine/rules/language.py)."""
    out: list[Any] = []
    for f in LANGUAGE:
        cid = "LANG.BCP47_WELLFORMED"
        out.append(ExpectColumnListValuesToBeValidBcp47(
            column=f, severity=_sev(cid), meta=_meta(cid, f, "nonmissing")))
    for f in INTERPRETER:
        cid = "LANG.INTERPRETER_VALUESET"
        out.append(ExpectColumnListValuesToBeInSet(
            column=f, value_set=_param("interpreter_needed"), severity=_sev(cid),
            meta=_meta(cid, f, "nonmissing")))
    return out


def sogi_valuesets() -> list[Any]:
    """SOGI, sex and pronoun value sets (DOMAIN.md §2.6–2.7, R-114): one expectation per field
    and value set, on the column validator/sogi.py prepares only for the value set the profile
    declares (sogi_valuesets, sex_valueset), so exactly one of them is selected per field."""
    out: list[Any] = []
    cid = "SOGI.VALUESETS"
    for field, variants in sogi.VALUESETS.items():
        for valueset in variants.values():
            out.append(ExpectColumnListValuesToBeInSet(
                column=sogi.column(field, valueset), value_set=_param(valueset),
                severity=_sev(cid), meta=_meta(cid, field, "nonmissing")))
    return out


SUITES = {
    "preflight": ("Dataset-level preflight checks evaluated by GX.", preflight),
    "race": ("Race: completeness, value sets, code format, roots, Hispanic-as-race, "
             "OMB categories (DOMAIN.md §3.2).", race),
    "ethnicity": ("Ethnicity: completeness, value sets, code format, detailed consistency "
                  "(DOMAIN.md §3.3).", ethnicity),
    "language": ("Language and interpreter need: BCP 47 tags, interpreter-need value set "
                 "(DOMAIN.md §3.5).", language),
    "combined_2024": ("Combined race/ethnicity (SPD-15 2024): value sets of the minimum and "
                      "detailed categories, no 'Some other race' (DOMAIN.md §3.4).",
                      combined_2024),
    "sogi": ("SOGI, sex and pronouns: value sets declared by the profile (DOMAIN.md §2.6–2.7, "
             "§3.8).", sogi_valuesets),
}


def build(name: str) -> dict[str, Any]:
    """The JSON document of one suite."""
    description, make = SUITES[name]
    suite = gx.ExpectationSuite(name=name, expectations=make(), meta={"description": description})
    doc = suite.to_json_dict()
    doc.pop("id", None)
    for e in doc["expectations"]:
        e.pop("id", None)
    return doc


def render(name: str) -> str:
    """The file text of one suite (stable key order, trailing newline)."""
    return json.dumps(build(name), indent=2, sort_keys=True) + "\n"


def main() -> int:
    """Write (or with --check, compare) every suite file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "expectations")
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    args = parser.parse_args()
    stale = []
    for name in SUITES:
        path = args.out / f"{name}.json"
        text = render(name)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/build_suites.py")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
