"""The normalizer: absent-reason tokens kept apart, raw values kept, systems translated."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from validator import profile as profiles
from validator.normalize import normalize, parse_date


def _frame(values: list[str | None], column: str = "r") -> pd.DataFrame:
    table = pa.table({column: pa.array(values, type=pa.large_string())})
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _list(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in series]


def _norm(values: list[str | None], field: str = "race_codes", **spec: object):
    prof = profiles.from_dict({"fields": {field: {"column": "r", **spec}},
                               **spec.pop("_top", {})})  # type: ignore[arg-type]
    return normalize(_frame(values), prof)


def test_tokens_are_kept_apart() -> None:
    values = ["2106-3", "", "   ", None, "UNKNOWN", "unknown/not specified", "?",
              "PATIENT DECLINED TO ANSWER", "asked-declined", "NASK", "UNABLE TO OBTAIN",
              "OTH", "NA", "N/A", "ASKU", "Refused"]
    data = _norm(values)
    nf = data.fields["race_codes"]
    states = list(nf.rows("state"))
    assert states == ["informative", "blank", "blank", "blank", "unknown", "unknown",
                      "unknown", "declined", "declined", "not_asked", "unable_to_respond",
                      "other", "not_applicable", "blank", "asked_unknown", "declined"]
    assert nf.state_counts()["declined"] == 3
    assert _list(data.frame["race_codes"])[:2] == ["2106-3", None]
    assert _list(data.frame["race_codes__absent"])[4] == "unknown"
    assert nf.raw.tolist()[5] == "unknown/not specified"  # raw value kept beside


def test_multi_value_split_and_mixed_absent() -> None:
    data = _norm(["2106-3;2054-5", " 2106-3 ; UNK ", ";", "2106-3;;"], delimiter=";")
    nf = data.fields["race_codes"]
    assert list(nf.rows("informative")) == [("2106-3", "2054-5"), ("2106-3",), (), ("2106-3",)]
    assert _list(data.frame["race_codes"]) == ["2106-3|2054-5", "2106-3", None, "2106-3"]
    assert _list(data.frame["race_codes__absent"]) == [None, "unknown", None, None]
    assert list(nf.rows("state")) == ["informative", "informative", "blank", "informative"]


def test_asku_meaning_from_profile() -> None:
    prof = profiles.from_dict({"asku_means": "declined", "fields": {"race_codes": "r"}})
    nf = normalize(_frame(["ASKU"]), prof).fields["race_codes"]
    assert nf.uniques[0].state == "declined" and nf.uniques[0].has_asku


def test_profile_absent_values_extend_lexicon() -> None:
    prof = profiles.from_dict({"fields": {"race_codes": "r"},
                               "absent_values": {"declined": ["PT REFUSED"]}})
    nf = normalize(_frame(["pt  refused", "PT REFUSED X"]), prof).fields["race_codes"]
    assert [u.state for u in nf.uniques[:2]] == ["declined", "informative"]


def test_placeholder_like_values_are_flagged() -> None:
    nf = _norm(["--", "N.A.", "unk.", "2106-3", "Not Reported"]).fields["race_codes"]
    assert [u.placeholder for u in nf.uniques[:5]] == [
        "punctuation_only", "null_like", "unknown_like", None, "not_recorded_like"]


def test_hl7v2_0189_translation() -> None:
    prof = profiles.from_dict({"fields": {"ethnicity_code": {"column": "r",
                                                             "system": "hl7v2-0189"}}})
    data = normalize(_frame(["H", "N", "U", "h", "X"]), prof)
    assert _list(data.frame["ethnicity_code"]) == ["2135-2", "2186-5", None, "2135-2", "X"]
    assert _list(data.frame["ethnicity_code__absent"])[2] == "unknown"
    assert data.fields["ethnicity_code"].uniques[0].translated == (("H", "2135-2"),)


@pytest.mark.parametrize(("text", "expected"), [
    ("2010-05-13", (dt.date(2010, 5, 13), None)),
    ("2010-05-13T08:30:00Z", (dt.date(2010, 5, 13), None)),
    ("2010-05-13 00:00:00", (dt.date(2010, 5, 13), None)),
    ("20100513", (dt.date(2010, 5, 13), None)),
    ("13/05/2010", (None, "day_month_order")),
    ("5/13/10", (None, "two_digit_year")),
    ("3/5/94 0:00", (None, "two_digit_year")),
    ("13/05/2010 10:30", (None, "day_month_order")),
    ("05/13/2010", (None, "not_iso_format")),
    ("40123", (None, "spreadsheet_serial_number")),
    ("2011-02-30", (None, "impossible_date")),
    ("soon", (None, "unparseable")),
])
def test_parse_date(text: str, expected: tuple[dt.date | None, str | None]) -> None:
    assert parse_date(text) == expected


def test_parse_date_with_declared_format() -> None:
    assert parse_date("05/13/2010", "%m/%d/%Y") == (dt.date(2010, 5, 13), None)
    assert parse_date("13/05/2010", "%m/%d/%Y") == (None, "unparseable")


def test_work_is_done_once_per_distinct_value() -> None:
    data = _norm(["2106-3"] * 5000 + ["UNK"] * 5000)
    nf = data.fields["race_codes"]
    assert len(nf.uniques) == 3  # two values + the null slot
    assert nf.state_counts() == {"informative": 5000, "unknown": 5000}
