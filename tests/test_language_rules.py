"""Language normalization (R-064 tokens, interpreter booleans, proficiency synonyms), the age
helper R-060 uses, and the language fixture generator."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from conftest import FIXTURES, ROOT

from validator import profile as profiles
from validator.engine.measures import RuleContext
from validator.engine.rules.age import age_in_years
from validator.normalize import NormalizedField, normalize

GENERATOR = ROOT / "scripts" / "make_language_fixtures.py"
GENERATED = ("language_english_default_site.csv", "language_picklist_coverage.csv")


def _field(values: list[str | None], field: str, **top: Any) -> NormalizedField:
    frame = pa.table({"c": pa.array(values, type=pa.large_string())}).to_pandas(
        types_mapper=pd.ArrowDtype)
    prof = profiles.from_dict({"fields": {field: "c"}, **top})
    return normalize(frame, prof).fields[field]


def test_special_language_tags_are_absent_reasons_in_language_fields_only() -> None:
    nf = _field(["und", "UND", "mis", "zxx", "mul", "en"], "lang_spoken_pref")
    assert list(nf.rows("state")) == ["unknown", "unknown", "other", "not_applicable",
                                      "informative", "informative"]
    race = _field(["UND", "MIS", "ZXX"], "race_codes")
    assert set(race.rows("state")) == {"informative"}


def test_nav_is_navajo_in_a_language_field_and_a_null_flavor_elsewhere() -> None:
    lang = _field(["nav", "NAV"], "lang_home")
    assert list(lang.rows("informative")) == [("nv",), ("nv",)]
    race = _field(["NAV"], "race_codes")
    assert list(race.rows("state")) == ["unknown"]


def test_profile_absent_values_win_over_the_language_overlay() -> None:
    nf = _field(["und", "NAV", "zxx"], "lang_spoken_pref",
                absent_values={"declined": ["und"], "not_asked": ["NAV"]})
    assert list(nf.rows("state")) == ["declined", "not_asked", "not_applicable"]


def test_interpreter_booleans_become_snomed_answers() -> None:
    values = ["yes", "Y", "true", "1", "no", "N", "FALSE", "0", "373066001", "maybe",
              "unknown", "asked-unknown", None]
    nf = _field(values, "interpreter_needed")
    assert [u[0] if u else None for u in nf.rows("informative")] == [
        "373066001", "373066001", "373066001", "373066001",
        "373067005", "373067005", "373067005", "373067005", "373066001", "maybe",
        None, None, None]
    assert list(nf.rows("state"))[-3:] == ["unknown", "asked_unknown", "blank"]
    assert ("YES", "373066001") in nf.rows("translated")[0]
    # the same letters in another snomed field are not booleans
    sex = _field(["N"], "sex")
    assert list(sex.rows("informative")) == [("N",)]


def test_proficiency_spellings() -> None:
    nf = _field(["Very well", "very_well", "WELL", "Not  well", "not-at-all", "fluent", "UNK"],
                "english_proficiency")
    assert [u[0] if u else None for u in nf.rows("informative")] == [
        "very_well", "very_well", "well", "not_well", "not_at_all", "fluent", None]


def _ctx(fields: dict[str, NormalizedField], as_of: dt.date, n: int) -> RuleContext:
    data = normalize(pd.DataFrame(), profiles.from_dict({"fields": {}}))
    data.fields.update(fields)
    return RuleContext(data=data, profile=profiles.from_dict({"fields": {}}), as_of=as_of,
                       as_of_rows=None, n_rows=n, params={})


def test_age_at_a_collection_date_else_at_the_extract_date() -> None:
    birth = _field(["2024-03-01", "2024-03-01", None, "2020-07-07"], "birth_date")
    collected = _field(["2025-02-28", None, "2025-01-01", "2021-07-07"],
                       "lang_collected_date")
    ctx = _ctx({"birth_date": birth}, dt.date(2026, 11, 1), 4)
    assert age_in_years(ctx, birth).tolist() == [2, 2, -1, 6]
    assert age_in_years(ctx, birth, collected).tolist() == [0, 2, -1, 1]


def test_generator_reproduces_checked_in_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_language_fixtures", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.generate(tmp_path)
    assert sorted(p.name for p in written) == sorted(GENERATED)
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_generated_site_sizes_match_the_expected_counts() -> None:
    frame = pd.read_csv(FIXTURES / "language_english_default_site.csv", dtype=str,
                        keep_default_na=False)
    sizes = frame.groupby("site_id").size().to_dict()
    assert sizes == {"A": 220, "B": 210, "C": 50}
    assert frame["patient_id"].is_unique
    assert np.count_nonzero(frame["patient_id"].str.contains("PHIMARKER")) == 1


def test_pre_normalisation_rewrites_of_r062() -> None:
    from validator.engine.rules.language import _script_removed, _shortened
    from validator.normalize import Unique

    nf = _field(["spa", "ger-DE", "en-Latn-US", "es_MX", "zh-Hant", "yue"], "lang_home")
    uniques = [nf.uniques[c] for c in nf.codes]
    assert [_shortened(u) for u in uniques] == [True, True, False, False, False, False]
    assert [_script_removed(u) for u in uniques] == [False, False, True, False, False, False]
    assert not _shortened(Unique(translated=(("zh-yue", "yue"),)))
