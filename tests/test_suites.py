"""GX suites: valid GX JSON that round-trips, in step with the catalogue and the build script."""

from __future__ import annotations

import json
import subprocess
import sys

import great_expectations as gx
import pytest
from conftest import ROOT

import validator.engine.gx_expectations  # noqa: F401  registers the custom types
from validator import catalog
from validator.engine import gx_checks, parameters
from validator.engine.rules import load_all

SUITES = gx_checks.SUITES


def _semantic(doc: dict) -> list[tuple]:
    return [(e["type"], json.dumps(e["kwargs"], sort_keys=True),
             json.dumps(e["meta"], sort_keys=True), e.get("severity"))
            for e in doc["expectations"]]


@pytest.mark.parametrize("name", SUITES)
def test_suite_round_trips_through_gx(name: str) -> None:
    doc = gx_checks.load_suite(name)
    suite = gx.ExpectationSuite(**{k: v for k, v in doc.items() if k != "id"})
    again = suite.to_json_dict()
    assert _semantic(again) == _semantic(doc)
    assert again["name"] == name
    assert len(again["expectations"]) == len(doc["expectations"]) > 0


def test_suites_match_build_script() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_suites.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", SUITES)
def test_every_expectation_is_catalogued(name: str) -> None:
    checks = catalog.load()
    for e in gx_checks.load_suite(name)["expectations"]:
        meta = e["meta"]
        check = checks[meta["check_id"]]
        assert check.implemented, meta["check_id"]
        assert e["severity"] == check.severity.value, meta["check_id"]
        assert meta["count"] in gx_checks.COUNT_MODES
        assert set(meta["field"]) <= set(check.fields), meta
        assert "row_condition" not in e["kwargs"] or isinstance(e["kwargs"]["row_condition"],
                                                                 dict)
        assert "condition_parser" not in e["kwargs"]
        for p in parameters.names_in(e["kwargs"]):
            assert len(parameters.resolve(p)) > 0


def test_value_sets_are_parameters_not_inlined() -> None:
    for name in SUITES:
        for e in gx_checks.load_suite(name)["expectations"]:
            value_set = e["kwargs"].get("value_set")
            assert value_set is None or isinstance(value_set, dict) or len(value_set) <= 2


def test_parameters_resolve_to_the_right_sets() -> None:
    assert len(parameters.resolve("cdcrec_race")) == 921
    assert len(parameters.resolve("race_detailed")) == 915
    assert parameters.resolve("omb_race_with_other") == (
        "1002-5", "2028-9", "2054-5", "2076-8", "2106-3", "2131-1")
    assert len(parameters.resolve("cdcrec_ethnicity_tree")) == 43
    assert parameters.resolve("cdcrec_roots") == ("1000-9", "2133-7")


def test_every_implemented_check_has_an_implementation_per_field() -> None:
    rules = load_all()
    gx_fields: dict[str, set[str]] = {}
    for name in SUITES:
        for e in gx_checks.load_suite(name)["expectations"]:
            gx_fields.setdefault(e["meta"]["check_id"], set()).update(e["meta"]["field"])
    for check in catalog.load().values():
        if not check.implemented:
            assert check.check_id not in rules and check.check_id not in gx_fields
            continue
        if check.check_id in rules:
            continue
        assert set(check.fields) <= gx_fields.get(check.check_id, set()), check.check_id
