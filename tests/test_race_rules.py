"""Race rules on inputs the fixtures do not cover: real-world multiracial summaries."""

from __future__ import annotations

import pandas as pd

import validator
from validator.results import Status


def test_multiracial_summaries_from_real_feeds() -> None:
    values = ["MULTIPLE RACE/ETHNICITY", "MULTI RACE ETHNICITY", "Two or more races",
              "2106-3|2054-5|Multiple race", "2106-3", "MULTNOMAH"]
    frame = pd.DataFrame({"race_codes": values, "ethnicity_code": ["2186-5"] * len(values)})
    r = validator.validate(frame, as_of_date="2026-11-01").result(
        "RACE.MULTIRACIAL_COMPONENTS", field="race_codes")
    # four summaries; only the one listing two categories keeps its components
    assert (r.numerator, r.denominator, r.status) == (3, 4, Status.WARN)


def test_pcornet_06_counts_only_with_the_pcornet_crosswalk() -> None:
    frame = pd.DataFrame({"RACE": ["06", "06", "05", "03"], "HISPANIC": ["N"] * 4})
    plain = {"fields": {"race_codes": "RACE", "ethnicity_code": "HISPANIC"}}
    r = validator.validate(frame, profile=plain, as_of_date="2026-11-01").result(
        "RACE.MULTIRACIAL_COMPONENTS", field="race_codes")
    assert r.status is Status.NOT_APPLICABLE
    pcornet = {"fields": {"race_codes": {"column": "RACE", "crosswalk": "pcornet"},
                          "ethnicity_code": {"column": "HISPANIC", "crosswalk": "pcornet"}}}
    r = validator.validate(frame, profile=pcornet, as_of_date="2026-11-01").result(
        "RACE.MULTIRACIAL_COMPONENTS", field="race_codes")
    assert (r.numerator, r.denominator) == (2, 2)
