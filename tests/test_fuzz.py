"""Fuzzing with hypothesis (issue 6, item 2).

Readers, the normalizer, the crosswalk and profile loaders and the BCP 47 / CDCREC checks are
fed arbitrary input: they either succeed or raise one of the project's own errors
(:mod:`validator.errors`), never a stray UnicodeDecodeError, csv.Error, pyarrow or YAML error.
Property tests: normalizing a normalized value changes nothing, and validating an extract in
chunks gives the same additive counts as validating it whole.

Runs are deterministic (``derandomize=True``, no example database) so CI sees the same
examples every time; set ``VALIDATOR_FUZZ_SCALE=10`` to run ten times as many examples locally,
and ``VALIDATOR_FUZZ_RANDOM=1`` to draw new random examples instead of the fixed ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io as stdio
import itertools
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from validator import cdcrec, crosswalk, languages, tokens
from validator import io as vio
from validator import profile as profiles
from validator.engine.predicates import list_valid_bcp47, list_valid_cdcrec
from validator.errors import (
    ConfigError,
    InputError,
    InternalError,
    UsageError,
    ValidatorError,
)
from validator.fields import FIELDS, Kind
from validator.io import fhir
from validator.normalize import STRING, normalize, parse_date

settings.register_profile(
    "validator-fuzz",
    derandomize=not os.environ.get("VALIDATOR_FUZZ_RANDOM"),
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)
_BASE = settings.get_profile("validator-fuzz")
_SCALE = max(1, int(os.environ.get("VALIDATOR_FUZZ_SCALE", "1") or 1))


def fuzz(n: int) -> settings:
    """Deterministic settings with ``n`` examples (times VALIDATOR_FUZZ_SCALE)."""
    return settings(_BASE, max_examples=n * _SCALE)


_TMP = Path(tempfile.mkdtemp(prefix="validator-fuzz-"))


def _write(data: bytes, suffix: str) -> Path:
    """A file holding ``data``, named by its content (lru-cached loaders see new names)."""
    path = _TMP / f"f{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    path.write_bytes(data)
    return path


def _project_error(exc: BaseException, *allowed: type[ValidatorError]) -> None:
    """Fail unless ``exc`` is one of ``allowed`` (a deliberate, non-internal project error)."""
    if isinstance(exc, InternalError) or not isinstance(exc, allowed or (ValidatorError,)):
        raise AssertionError(f"unexpected {type(exc).__name__}: {exc}") from exc
    assert exc.message  # every project error says what is wrong
    event(f"raised {type(exc).__name__}")


# ------------------------------------------------------------------------------ readers

CELL_PARTS = st.sampled_from([
    ",", ";", "\t", "|", '"', '""', "'", "\n", "\r", "\r\n", " ", "", "a", "Z", "é", "ñ", "ß",
    "中文", "\u00a0", "\u2028", "\x00", "\x1a", "\x85", "\ufeff", "\ud7ff", "😀", "2106-3",
    "2054-5|2106-3", "UNK", "ASKU", "null", "N/A", "  ", "{", "[", '{"resourceType":', "PAR1",
])
CELL = st.one_of(st.lists(CELL_PARTS, max_size=5).map("".join), st.text(max_size=6))
HEADER = st.lists(
    st.one_of(st.sampled_from(["patient_id", "site_id", "race_codes", "ethnicity_code",
                               "birth_date", "lang_spoken_pref", "race_text"]), CELL),
    min_size=1, max_size=5,
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252",
             "latin-1", "shift_jis", "ascii"]
SUFFIXES = [".csv", ".tsv", ".txt", ".tab", ".dat", ".parquet", ".json", ""]


@st.composite
def delimited_text(draw: st.DrawFn) -> tuple[bytes, str]:
    """A table-ish text in some encoding, with random delimiters, quoting and newlines."""
    delimiter = draw(st.sampled_from([",", "\t", ";", "|", " ", ":"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
    rows = [draw(HEADER), *draw(st.lists(st.lists(CELL, max_size=6), max_size=6))]
    quote = draw(st.sampled_from(["none", "all", "some", "unbalanced"]))
    lines = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            if quote == "all" or (quote == "some" and (i + j) % 2):
                cell = '"' + cell.replace('"', '""') + '"'
            elif quote == "unbalanced" and i == len(rows) - 1 and j == 0:
                cell = '"' + cell
            cells.append(cell)
        lines.append(delimiter.join(cells))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace") if encoding != "utf-8" else text.encode(
        "utf-8", errors="surrogatepass")
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return (data if cut is None else data[:cut]), encoding


def _read(path: Path, **options: Any) -> pa.Table:
    """inspect_source then read_columns of every header column: a table, or a project error."""
    info = vio.inspect_source(path, **options)
    assert info.columns and len(set(info.columns)) == len(info.columns)
    table = vio.read_columns(info, list(info.columns))
    assert table.column_names == list(info.columns)
    assert all(t == pa.large_string() for t in table.schema.types)
    event(f"read {info.format} table")
    return table


READER_OPTIONS = st.fixed_dictionaries({}, optional={
    "fmt": st.sampled_from([None, "csv", "tsv", "parquet", " CSV ", "xlsx"]),
    "encoding": st.sampled_from([None, "utf-8", "cp1252", "utf-16", "latin-1", "utf-32-be",
                                 "rot13", "nonesuch", "shift_jis", "utf-8-sig"]),
    "delimiter": st.sampled_from([None, ",", "\t", "tab", "\\t", ";", "|", '"', "\n", "ab",
                                  "", "é"]),
})


@fuzz(150)
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES), options=READER_OPTIONS)
@example(data=b"a,b\n1,2\n", suffix=".csv", options={})
@example(data=b"\xff\xfea\x00,\x00b\x00\n\x001\x00", suffix=".csv", options={})
@example(data=b"PAR1\x00\x00", suffix=".csv", options={})
@example(data=b"a\n\"", suffix=".txt", options={"encoding": "utf-16"})
@example(data=b"!", suffix=".csv", options={"delimiter": "é"})  # pyarrow: ASCII only
@example(data=b"patient_id", suffix=".csv", options={"encoding": "utf-16"})  # no BOM
@example(data=b"patient_id\n", suffix=".csv", options={"encoding": "utf-32"})
def test_table_reader_on_random_bytes(data: bytes, suffix: str, options: dict) -> None:
    try:
        _read(_write(data, suffix), **options)
    except Exception as exc:
        _project_error(exc, InputError, UsageError)


@fuzz(200)
@given(sample=delimited_text(), suffix=st.sampled_from([".csv", ".tsv", ".txt"]),
       options=READER_OPTIONS, pass_encoding=st.booleans())
def test_table_reader_on_messy_delimited_text(sample: tuple[bytes, str], suffix: str,
                                              options: dict, pass_encoding: bool) -> None:
    data, encoding = sample
    if pass_encoding:
        options = {**options, "encoding": encoding}
    try:
        _read(_write(data, suffix), **options)
    except Exception as exc:
        _project_error(exc, InputError, UsageError)


def _real_parquet() -> bytes:
    table = pa.table({
        "patient_id": ["P1", "P2", None],
        "race_codes": ["2106-3", "UNK", "2054-5|2106-3"],
        "birth_date": pa.array([dt.date(2010, 1, 2), None, dt.date(1990, 5, 6)]),
        "n": pa.array([1, 2, None], pa.int64()),
        "cat": pa.array(["a", "b", "a"]).dictionary_encode(),
    })
    sink = stdio.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


REAL_PARQUET = _real_parquet()


@fuzz(80)
@given(
    cut=st.integers(0, len(REAL_PARQUET)),
    flips=st.lists(st.tuples(st.integers(0, len(REAL_PARQUET) - 1), st.integers(0, 255)),
                   max_size=4),
    junk=st.binary(max_size=64),
    suffix=st.sampled_from([".parquet", ".csv", ".dat"]),
)
@example(cut=len(REAL_PARQUET), flips=[], junk=b"", suffix=".parquet")
@example(cut=4, flips=[], junk=b"", suffix=".parquet")
@example(cut=len(REAL_PARQUET) - 1, flips=[], junk=b"", suffix=".parquet")
def test_parquet_reader_on_truncated_and_corrupt_files(cut: int, flips: list[tuple[int, int]],
                                                       junk: bytes, suffix: str) -> None:
    data = bytearray(REAL_PARQUET)
    for at, value in flips:
        data[at] = value
    data = bytes(data[:cut]) + junk
    path = _write(data, suffix)
    try:
        table = _read(path)
    except Exception as exc:
        _project_error(exc, InputError, UsageError)
    else:
        if data == REAL_PARQUET:
            assert table.num_rows == 3


@fuzz(60)
@given(data=st.binary(max_size=200).map(lambda b: b"PAR1" + b))
def test_parquet_reader_on_random_bytes(data: bytes) -> None:
    try:
        _read(_write(data, ".parquet"))
    except Exception as exc:
        _project_error(exc, InputError, UsageError)


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                         st.sampled_from(["Patient", "RelatedPerson", "Bundle", "2106-3", "en",
                                          "urn:oid:2.16.840.1.113883.6.238", "Patient/1", ""]),
                         st.text(max_size=5))
FHIR_KEYS = st.sampled_from([
    "resourceType", "id", "entry", "resource", "fullUrl", "extension", "url", "valueCoding",
    "valueString", "code", "system", "display", "birthDate", "gender", "communication",
    "language", "coding", "preferred", "contact", "relationship", "patient", "reference",
    "_birthDate", "valueCodeableConcept", "text",
])
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(FHIR_KEYS, inner, max_size=4)),
    max_leaves=25,
)


@st.composite
def fhir_documents(draw: st.DrawFn) -> bytes:
    """A FHIR-ish JSON document, NDJSON stream, or broken JSON."""
    def resource() -> dict:
        body = draw(st.dictionaries(FHIR_KEYS, JSON_VALUES, max_size=6))
        body["resourceType"] = draw(st.sampled_from(["Patient", "RelatedPerson", "Bundle",
                                                     "Observation", 5, None]))
        return body

    layout = draw(st.sampled_from(["json", "bundle", "ndjson", "broken"]))
    if layout == "json":
        text = json.dumps(resource())
    elif layout == "bundle":
        text = json.dumps({"resourceType": "Bundle", "entry": [
            {"resource": resource(), "fullUrl": draw(JSON_SCALARS)} for _ in range(2)]})
    elif layout == "ndjson":
        text = "\n".join(json.dumps(resource()) for _ in range(draw(st.integers(1, 3))))
    else:
        text = json.dumps(resource())
        text = text[: draw(st.integers(0, len(text)))] + draw(st.text(max_size=5))
    return text.encode("utf-8", errors="surrogatepass")


@fuzz(120)
@given(data=st.one_of(fhir_documents(), st.binary(max_size=200)),
       suffix=st.sampled_from([".json", ".ndjson", ".txt"]))
@example(data=b'{"resourceType":"Patient","id":"1"}', suffix=".json")
@example(data=b"\xef\xbb\xbf[]", suffix=".json")
def test_fhir_reader_on_random_documents(data: bytes, suffix: str) -> None:
    path = _write(data, suffix)
    assert fhir.detect(path, None) in (True, False)
    try:
        fin = fhir.read(path)
    except Exception as exc:
        _project_error(exc, InputError, ConfigError)
    else:
        assert fin.patients.num_rows >= 1
        event("read FHIR patients")


# ------------------------------------------------------------------------------ profiles

YAML_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), st.dates(),
    st.sampled_from(["race_codes", "cdcrec", "bcp47", "omb1997", "spd15_2024", "patient",
                     "declined", "asked_unknown", "|", "", "RACE.COMPLETENESS", "cms_race",
                     "\x00", "..", "/", "%Y-%m-%d", "required"]),
)
YAML_KEYS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=6),
                     st.dates(), st.sampled_from([*profiles._FIELD_KEYS, *profiles._TOP_KEYS]))
YAML_VALUES = st.recursive(
    YAML_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(YAML_KEYS, inner, max_size=3)),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(sorted(FIELDS))


@st.composite
def field_specs(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return draw(st.one_of(st.text(max_size=6), YAML_SCALARS))
    keys = st.sampled_from([*profiles._FIELD_KEYS, "colum"])
    spec = draw(st.dictionaries(keys, YAML_VALUES, max_size=4))
    if draw(st.booleans()):
        spec["column"] = draw(st.text(max_size=6))
    if "crosswalk" in spec and draw(st.booleans()):
        spec["crosswalk"] = draw(st.sampled_from(
            [*crosswalk.shipped(), "missing.csv", "\x00", ".", "a\x00b.csv", ["cms_race"], []]))
    return spec


VALID_PROFILE = {
    "version": 1, "name": "fuzz", "standard": "omb1997", "grain": "patient",
    "fields": {"patient_id": "pid", "site_id": "site", "race_codes": {"column": "race",
                                                                      "delimiter": ";"},
               "lang_spoken_pref": {"column": "lang", "crosswalk": "iso639_languages"}},
    "thresholds": {"RACE.COMPLETENESS": 90, "ETH.VALUESET": {"threshold": 1}},
    "not_collected": ["race_text"], "absent_values": {"declined": ["PT REFUSED"]},
    "cohort": {"min_age": 0, "max_age": 18}, "as_of_date": dt.date(2024, 6, 30),
}


@st.composite
def profile_dicts(draw: st.DrawFn) -> Any:
    """Profile-shaped mappings: real keys with random (often nearly right) values."""
    top = st.sampled_from([*profiles._TOP_KEYS, "feilds", "extra"])
    if draw(st.booleans()):  # a valid profile with at most one key changed
        data = dict(VALID_PROFILE)
        data.update(draw(st.dictionaries(top, YAML_VALUES, max_size=1)))
        return data
    data: dict[Any, Any] = draw(st.dictionaries(top, YAML_VALUES, max_size=6))
    if draw(st.integers(0, 3)) == 0:
        data["fields"] = draw(st.dictionaries(
            st.one_of(FIELD_NAMES, st.text(max_size=4)), field_specs(), min_size=1, max_size=4))
    if draw(st.booleans()):
        data["thresholds"] = draw(st.dictionaries(
            st.sampled_from(["RACE.COMPLETENESS", "ETH.VALUESET", "R-001", "NOPE", "5"]),
            st.one_of(YAML_SCALARS, st.dictionaries(
                st.sampled_from(["threshold", "warn_threshold", "notes", "x"]), YAML_SCALARS,
                max_size=3)), max_size=3))
    if draw(st.booleans()):
        data["caregivers"] = draw(st.dictionaries(
            st.sampled_from([*profiles._CAREGIVER_KEYS, "nope"]),
            st.one_of(YAML_VALUES, st.lists(st.dictionaries(
                st.sampled_from(["caregiver_relationship", "caregiver_id", "race_codes"]),
                field_specs(), max_size=2), max_size=2)), max_size=4))
    for key in ("row_key", "stratum", "not_collected", "disabled_checks", "absent_values",
                "cohort", "ages", "params", "input", "sdoh_instruments"):
        if draw(st.integers(0, 5)) == 0:
            data[key] = draw(st.one_of(YAML_VALUES, FIELD_NAMES, st.lists(FIELD_NAMES, max_size=2),
                                       st.dictionaries(FIELD_NAMES, YAML_VALUES, max_size=2)))
    return data


def _from_dict(data: Any) -> None:
    try:
        profiles.from_dict(data, where="fuzz", path=_TMP / "p.yaml")
        event("loaded a profile")
    except Exception as exc:
        _project_error(exc, ConfigError, UsageError)


@fuzz(250)
@given(data=st.one_of(profile_dicts(), YAML_VALUES))
@example(data={"fields": {"race_codes": "race"}})
@example(data={"fields": {"race_codes": {"column": "r", "crosswalk": "\x00"}}})
@example(data={"not_collected": 5})
@example(data={"not_collected": [["race_codes"]]})
@example(data={"fields": {"race_codes": "r"}, "row_key": ["race_codes"]})
@example(data={"fields": {"race_codes": "r"}, "stratum": {"a": 1}})
def test_profile_from_dict_on_random_mappings(data: Any) -> None:
    _from_dict(data)


@fuzz(120)
@given(text=st.one_of(
    st.text(max_size=120),
    st.lists(st.sampled_from(["fields:", "  race_codes:", "    column: r", "  - a", "x: [",
                              "version: 1", "thresholds: {RACE.COMPLETENESS: 101}", "\t",
                              "cohort: {min_age: 5, max_age: 1}", "as_of_date: 2024-13-01",
                              "&a [*a]", "!!python/object:os.system", "? [a, b]\n: 1",
                              "name: \"\\0\"", "fields: !!binary aGk="]), max_size=6)
    .map("\n".join),
    st.builds(lambda d: yaml.safe_dump(d, allow_unicode=True), profile_dicts()),
), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
@example(text="? [a, b]\n: 1\n", encoding="utf-8")
@example(text="0: 0000-00-00", encoding="utf-8")
@example(text="as_of_date: !!timestamp 2024-13-01", encoding="utf-8")
@example(text="version: !!int x1", encoding="utf-8")
@example(text="[" * 2000, encoding="utf-8")
@example(text="fields:\n  race_codes:\n    column: r\n    crosswalk: \"a\\0b\"\n",
         encoding="utf-8")
def test_profile_load_on_random_yaml(text: str, encoding: str) -> None:
    try:
        raw = text.encode(encoding, errors="replace")
    except UnicodeEncodeError:
        return
    path = _write(raw, ".yaml")
    try:
        profiles.load(path)
    except Exception as exc:
        _project_error(exc, ConfigError, UsageError)


# ------------------------------------------------------------------------------ crosswalks

XW_VALUES = st.one_of(
    st.sampled_from(["race_codes", "ethnicity_code", "ethnicity_detailed", "lang_spoken_pref",
                     "english_proficiency", "race_source", "birth_date", "patient_id",
                     "2106-3", "2135-2", "2186-5", "1000-9", "2054-5|2106-3", "@unknown",
                     "@blank", "@", "es", "es_MX", "very_well", "race", "ethnicity", "Dominican",
                     "WHITE", "white", " W ", "", "|", "nope"]),
    st.text(max_size=6),
)


XW_TARGETS = [("race_codes", "2106-3"), ("race_codes", "2054-5|2106-3"),
              ("race_codes", "@unknown"), ("ethnicity_code", "2135-2"),
              ("ethnicity_detailed", "2184-0"), ("race_codes", "2069-3"),
              ("lang_spoken_pref", "es"), ("lang_spoken_pref", "es_MX"),
              ("english_proficiency", "very_well"), ("race_source", "self"),
              ("race_codes", "1000-9"), ("race_codes", "W")]


@st.composite
def crosswalk_texts(draw: st.DrawFn) -> str:
    header = list(draw(st.one_of(
        st.just(list(crosswalk.COLUMNS)),
        st.permutations(list(crosswalk.COLUMNS)),
        st.lists(st.sampled_from([*crosswalk.COLUMNS, " source_value ", "x", ""]), max_size=7),
    )))
    clean = draw(st.booleans())
    if clean:
        header = list(crosswalk.COLUMNS)
    out = stdio.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i in range(draw(st.integers(0, 5))):
        if clean:
            target, code = draw(st.sampled_from(XW_TARGETS[:9]))
            writer.writerow(["", f"v{i}" + draw(st.text(max_size=4)), target, code,
                             draw(st.sampled_from(["", "race"])), ""])
        elif draw(st.booleans()):
            target, code = draw(st.sampled_from(XW_TARGETS))
            row = {"source_system": draw(XW_VALUES), "source_value": draw(XW_VALUES),
                   "target_field": target, "target_code": code,
                   "tree": draw(st.sampled_from(["", "race", "ethnicity", "Race", "x"])),
                   "note": draw(XW_VALUES)}
            writer.writerow([row.get(h.strip(), "") for h in header])
        else:
            writer.writerow(draw(st.lists(XW_VALUES, min_size=max(0, len(header) - 2),
                                          max_size=len(header) + 1)))
    text = out.getvalue()
    if draw(st.booleans()):
        text += draw(st.sampled_from(['"', "\x00", "\r", ",,,\n", "\ufeff"]))
    return text


@fuzz(200)
@given(text=st.one_of(crosswalk_texts(), st.text(max_size=80)))
@example(text="source_value,target_field,target_code\nW,race_codes,2106-3\n")
@example(text="source_value,target_field,target_code\nW,race_codes,2106-3,extra\n")
@example(text="source_value,target_field,target_code\n\x00")
def test_crosswalk_parse_on_random_csv(text: str) -> None:
    try:
        xw = crosswalk.parse(text, name="fuzz", where="fuzz.csv")
    except Exception as exc:
        _project_error(exc, ConfigError)
    else:
        event("parsed a crosswalk")
        assert xw.rows() >= 1
        for target in xw.targets():
            for key in xw.mappings[target]:
                assert xw.lookup(target, key) is not None


@fuzz(60)
@given(data=st.one_of(crosswalk_texts().map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.binary(max_size=80)))
@example(data=b"\xff\xfe")
def test_crosswalk_load_on_random_files(data: bytes) -> None:
    path = _write(data, ".csv")
    try:
        crosswalk.load(str(path))
    except Exception as exc:
        _project_error(exc, ConfigError)


@fuzz(40)
@given(ref=st.text(max_size=12), base=st.one_of(st.none(), st.text(max_size=6)))
@example(ref="a\x00b", base=None)
@example(ref=".", base=None)
@example(ref="x", base="\x00")
def test_crosswalk_load_on_random_refs(ref: str, base: str | None) -> None:
    try:
        crosswalk.load(ref, base)
    except Exception as exc:
        _project_error(exc, ConfigError)


# ------------------------------------------------------------------------------ normalizer

NULLISH = ["", " ", "\t", "NULL", "null", "None", "NaN", "nan", "N/A", "n/a", "NA", "UNK",
           "unknown", "ASKU", "asku", "NASK", "declined", "Refused", "?", "-", "--", "OTH",
           "NI", "NAV", "und", "mis", "zxx", "mul", "nau", "\u00a0", "\u200b", "\ufeff"]
REALISTIC = ["2106-3", "2054-5", "2054-5|2106-3", "2106-3 | UNK", "2135-2", "2186-5", "1000-9",
             "2106-4", "W", "white", "en", "EN", "es-MX", "es_MX", "spa", "zh-cmn-Hans",
             "sgn-ase", "i-navajo", "self", "Self Reported", "parent/guardian", "Very Well",
             "not_well", "yes", "Y", "0", "2010-01-02", "20100102", "13/05/2010", "1/2/10",
             "44197", "2010-02-30", "2010-01-02T10:00:00Z", "P1", "x|y||z", "|", "||"]
VALUE = st.one_of(
    st.sampled_from(NULLISH + REALISTIC),
    st.text(max_size=10),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "Zl", "Zp", "Cf"]),
            max_size=5),
    st.lists(st.sampled_from(NULLISH + REALISTIC), min_size=1, max_size=3).map("|".join),
)
NORMALIZED_FIELDS = ["patient_id", "race_codes", "ethnicity_code", "lang_spoken_pref",
                     "race_source", "race_respondent", "english_proficiency", "interpreter_needed",
                     "sex_admin", "race_text", "birth_date", "caregiver_is_legal_guardian",
                     "sex", "payer_type", "address_zip", "race_ethnicity_2024"]


def _norm_profile(fields: list[str]) -> profiles.Profile:
    specs = {f: profiles.FieldSpec(f, f, FIELDS[f].system) for f in fields}
    return profiles.Profile(name="fuzz", fields=specs)


def _frame(columns: dict[str, list[str | None]]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(v, dtype=STRING) for c, v in columns.items()})


def _informative(values: list[str | None], field: str) -> list[str | None]:
    data = normalize(_frame({field: values}), _norm_profile([field]))
    return [None if pd.isna(v) else str(v) for v in data.frame[field]]


@fuzz(120)
@given(field=st.sampled_from(NORMALIZED_FIELDS),
       values=st.lists(st.one_of(st.none(), VALUE), min_size=1, max_size=8))
@example(field="lang_spoken_pref", values=["nau"])
@example(field="lang_spoken_pref", values=["i-navajo", "zh-cmn-Hans"])
@example(field="race_respondent", values=["Parent/Guardian"])
def test_normalizer_never_raises_and_is_idempotent(field: str,
                                                   values: list[str | None]) -> None:
    data = normalize(_frame({field: values}), _norm_profile([field]))
    nf = data.fields[field]
    assert len(nf.codes) == len(values)
    assert sum(nf.state_counts().values()) == len(values)
    if FIELDS[field].kind in (Kind.ID, Kind.DATE):
        return
    once = [None if pd.isna(v) else str(v) for v in data.frame[field]]
    assert _informative(once, field) == once


@fuzz(150)
@given(text=VALUE, fmt=st.sampled_from([None, None, "%Y-%m-%d", "%m/%d/%Y", "%d.%m.%y", "%",
                                         "%Q", "%Y%%"]))
@example(text="2010-02-30", fmt=None)
@example(text="99999-01-01", fmt=None)
@example(text="0000-01-01", fmt=None)
def test_parse_date_never_raises_and_roundtrips(text: str, fmt: str | None) -> None:
    day, problem = parse_date(text, fmt)
    assert (day is None) != (problem is None)
    if day is not None:
        assert parse_date(day.isoformat()) == (day, None)


@fuzz(150)
@given(text=VALUE)
def test_token_key_is_idempotent(text: str) -> None:
    assert tokens.key(tokens.key(text)) == tokens.key(text)
    kind = tokens.placeholder_kind(tokens.key(text))
    assert kind is None or isinstance(kind, str)


# ------------------------------------------------------------------------------ BCP 47 / CDCREC

TAGS = st.one_of(
    VALUE,
    st.from_regex(r"[A-Za-z]{1,9}([-_][A-Za-z0-9]{1,9}){0,4}", fullmatch=True),
    st.sampled_from(["x-klingon", "en-x-", "zh-min-nan", "art-lojban", "i-default", "sgn-BE-FR",
                     "en-US-u-co-phonebk", "de-1996-1996", "qaa", "en--US", "-", "en-", "a" * 80,
                     "EN-gb-OXENDICT", "zh-Hant-TW", "no-bok", "und-x-", "x-"]),
)


@fuzz(300)
@given(tag=TAGS)
@example(tag="en-x-")
@example(tag="i-default")
def test_bcp47_functions_never_raise(tag: str) -> None:
    std = languages.standardize(tag)
    assert std is None or (isinstance(std, str) and languages.standardize(std) == std)
    assert languages.is_valid(tag) is (std is not None)
    parsed = languages.parse(tag)
    assert isinstance(languages.is_wellformed(tag), bool)
    assert parsed is None or parsed.language is None or parsed.language == \
        languages.primary(tag)
    for fn in (languages.is_registered_language, languages.is_sign_language,
               languages.is_english, languages.is_special):
        assert isinstance(fn(tag), bool)
    for fn in (languages.two_letter_equivalent, languages.macrolanguage, languages.scope,
               languages.name):
        assert fn(tag) is None or isinstance(fn(tag), str)
    assert isinstance(languages.in_macrolanguage(tag, "zh"), bool)


CODES = st.one_of(
    VALUE,
    st.from_regex(r"[0-9]{4}-[0-9]", fullmatch=True),
    st.from_regex(r"[0-9٠-٩]{3,5}-?[0-9]?", fullmatch=True),
    st.sampled_from([*sorted(cdcrec._index().rows)[:50], "1000-9", "2133-7", "２１０６-３"]),
)


@fuzz(300)
@given(code=CODES)
@example(code="２１０６-３")
@example(code="٢١٠٦-٣")
def test_cdcrec_functions_never_raise(code: str) -> None:
    ok = cdcrec.check_digit_ok(code)
    assert isinstance(ok, bool)
    if cdcrec.is_code(code):
        assert ok
        assert cdcrec.tree(code) in ("race", "ethnicity")
    for fn in (cdcrec.display, cdcrec.category, cdcrec.parent):
        assert fn(code) is None or isinstance(fn(code), str)
    assert isinstance(cdcrec.is_abstract(code), bool)
    assert isinstance(cdcrec.children(code), tuple)
    assert code not in cdcrec.descendants(code)


@fuzz(60)
@given(values=st.lists(st.one_of(st.none(), CODES, TAGS), max_size=10))
def test_list_predicates_never_raise(values: list[str | None]) -> None:
    column = pd.Series(values, dtype=STRING)
    for predicate in (list_valid_cdcrec, list_valid_bcp47):
        out = predicate(column)
        assert out.dtype == bool and len(out) == len(values)
        assert out[column.isna().to_numpy()].all()


# ------------------------------------------------------------------------------ chunking

RACE = ["2106-3", "2054-5", "2054-5|2106-3", "2028-9", "2076-8", "1002-5", "2131-1", "2135-2",
        "1000-9", "2106-4", "UNK", "ASKU", "declined", "", " ", None, "W", "junk", "2106-3|UNK"]
ETHNICITY = ["2135-2", "2186-5", "2184-0", "ASKU", "UNK", "NI", "", None, "H", "2106-3",
             "2135-2|2186-5", "x"]
BIRTH = ["2010-01-02", "1950-07-30", "2023-06-01", "2030-01-01", "13/05/2010", "", None,
         "1/2/10", "44197", "2010-02-30", "unknown"]
LANGUAGE = ["en", "es", "es_MX", "zh-Hant", "yue", "ase", "und", "mis", "zxx", "mul", "spa",
            "", None, "xx-junk", "UNK", "declined", "English", "sgn"]
ROW = st.fixed_dictionaries({
    "site_id": st.sampled_from(["A", "B", "C"]),
    "race_codes": st.sampled_from(RACE),
    "ethnicity_code": st.sampled_from(ETHNICITY),
    "birth_date": st.sampled_from(BIRTH),
    "lang_spoken_pref": st.sampled_from(LANGUAGE),
})
#: Checks whose whole-input numerator and denominator are sums of per-row verdicts.
ADDITIVE = frozenset({
    "NULL.TOKEN_MAPPED", "NULL.ASKU_PROFILE_DECLARED", "RACE.COMPLETENESS", "RACE.VALUESET",
    "RACE.CODE_FORMAT_CHECKDIGIT", "RACE.NO_ABSTRACT_ROOT", "RACE.NOT_ETHNICITY_CODE",
    "RACE.NULL_EXCLUSIVE", "RACE.CARDINALITY", "ETH.COMPLETENESS", "ETH.VALUESET",
    "ETH.SINGLE_CATEGORY", "LANG.COMPLETENESS", "LANG.BCP47_WELLFORMED", "LANG.VALUESET",
    "LANG.UNDETERMINED_AS_ABSENT", "AGE.COMPUTABLE", "STRAT.INFORMATIVE_RATE",
    "STRAT.UNKNOWN_SHARE_SES_STYLE",
})


def _sums(frames: list[pd.DataFrame]) -> tuple[Counter, Counter]:
    from validator import validate

    checks: Counter = Counter()
    fields: Counter = Counter()
    for frame in frames:
        report = validate(frame, as_of_date="2024-06-30")
        for r in report.results:
            if r.stratum is None and r.check_id in ADDITIVE:
                checks[(r.check_id, r.field, "num")] += r.numerator or 0
                checks[(r.check_id, r.field, "den")] += r.denominator or 0
        for f in report.fields:
            if f.stratum is None:
                fields[(f.field, "rows")] += f.rows
                for name, n in f.counts.items():
                    fields[(f.field, name)] += n
    return checks, fields


@fuzz(12)
@given(rows=st.lists(ROW, min_size=2, max_size=20), cuts=st.lists(st.floats(0.05, 0.95),
                                                                   min_size=1, max_size=2))
def test_chunked_validation_gives_the_same_counts(rows: list[dict], cuts: list[float]) -> None:
    frame = _frame({"patient_id": [f"P{i}" for i in range(len(rows))],
                    **{c: [r[c] for r in rows] for c in rows[0]}})
    bounds = sorted({max(1, min(len(rows) - 1, round(c * len(rows)))) for c in cuts})
    edges = [0, *bounds, len(rows)]
    chunks = [frame.iloc[a:b].reset_index(drop=True) for a, b in itertools.pairwise(edges)]
    assert sum(len(c) for c in chunks) == len(rows)
    whole_checks, whole_fields = _sums([frame])
    assert whole_checks[("RACE.COMPLETENESS", "race_codes", "den")] == len(rows)
    assert whole_fields[("lang_spoken_pref", "rows")] == len(rows)
    part_checks, part_fields = _sums(chunks)
    assert whole_fields == part_fields
    assert {k: v for k, v in whole_checks.items() if v} == {
        k: v for k, v in part_checks.items() if v}


CANONICAL = ["patient_id", "site_id", "race_codes", "ethnicity_code", "birth_date",
             "lang_spoken_pref", "race_text", "race_source", "interpreter_needed", "sex_admin",
             "english_proficiency", "race_respondent", "as_of_date", "race_ethnicity_2024"]


@st.composite
def canonical_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """A well-formed delimited extract with canonical headers and junk-laden cells."""
    header = ["race_codes", *draw(st.lists(st.sampled_from(CANONICAL[3:]), unique=True,
                                           max_size=4))]
    if draw(st.booleans()):
        header = ["patient_id", "site_id", *header]
    buf = stdio.StringIO()
    writer = csv.writer(buf, delimiter=draw(st.sampled_from([",", "\t", ";", "|"])),
                        lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for i in range(draw(st.integers(0, 8))):
        row = [draw(st.one_of(VALUE, st.just(""))) for _ in header]
        if header[0] == "patient_id":
            row[0] = f"P{i}"
        writer.writerow(row)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return buf.getvalue().encode(encoding, errors="replace"), encoding


@fuzz(20)
@given(sample=st.one_of(canonical_files(), delimited_text()),
       suffix=st.sampled_from([".txt", ".txt", ".csv"]))  # .txt: delimiter sniffed
@example(sample=(b"patient_id,race_codes\nP1,2106-3\nP2,\"\n", "utf-8"), suffix=".csv")
def test_validate_on_messy_files_raises_only_project_errors(sample: tuple[bytes, str],
                                                            suffix: str) -> None:
    from validator import validate

    try:
        report = validate(_write(sample[0], suffix), as_of_date="2024-06-30")
    except Exception as exc:
        _project_error(exc, InputError, UsageError, ConfigError)
    else:
        event("validated")
        assert report.results


@pytest.mark.parametrize("name", ["thresholds.yaml", "checkpoint.yaml"])
@pytest.mark.parametrize("text", ["0: 0000-00-00\n", "a: !!timestamp 2024-13-01\n",
                                  "a: !!int x1\n", "[" * 5000 + "]" * 5000 + "\n"])
def test_other_yaml_loaders_raise_config_errors(tmp_path: Path, name: str, text: str) -> None:
    """The thresholds and checkpoint loaders have the profile loader's gap closed too:
    PyYAML's value constructors raise ValueError/TypeError, not YAMLError."""
    from validator import checkpoint, thresholds
    from validator.errors import ConfigError

    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    loader = thresholds.load_thresholds if name.startswith("thresholds") else checkpoint.load
    with pytest.raises(ConfigError):
        loader(p)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.integers(min_value=-1, max_value=50), max_size=300),
       st.sampled_from(["int64", "intp", "int32", "uint16"]))
@example([], "int64")
@example([-1, -1], "int64")
@example([5, 10**9], "int64")  # a wide range falls back to np.unique
def test_distinct_is_np_unique(values: list[int], dtype: str) -> None:
    """engine.measures.distinct (bincount for small code ranges) equals np.unique."""
    import numpy as np

    from validator.engine.measures import distinct

    if dtype.startswith("u"):
        values = [abs(v) for v in values]
    arr = np.array(values, dtype=dtype)
    got, want = distinct(arr), np.unique(arr)
    assert got.dtype == want.dtype and got.tolist() == want.tolist()
