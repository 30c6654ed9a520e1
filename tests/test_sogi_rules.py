"""SOGI, sex, pronoun and disability rules (R-110..R-118): profile keys (sogi_policy,
sogi_valuesets, sex_valueset), ASKU meaning under legacy sets, value-set choice, ages exactly at
the thresholds (and overridden in the profile), the excluded / required policy and the
NOT_APPLICABLE reasons."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import validator
from validator import profile as profiles
from validator import sogi
from validator.engine import parameters
from validator.errors import ConfigError
from validator.fields import SOGI_FIELDS, required_groups
from validator.normalize import Unique, normalize
from validator.results import CheckResult, Report, Status

AS_OF = "2026-11-01"


def _run(columns: list[str], rows: list[tuple[str, ...]], **profile: Any) -> Report:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    prof = {"fields": {c: c for c in columns}, **profile}
    return validator.validate(frame, profile=prof, as_of_date=AS_OF)


def _counts(r: CheckResult) -> tuple[str, int | None, int | None]:
    return r.status.value, r.numerator, r.denominator


def _states(values: list[str | None], field: str, **top: Any) -> list[str]:
    frame = pa.table({"c": pa.array(values, type=pa.large_string())}).to_pandas(
        types_mapper=pd.ArrowDtype)
    nf = normalize(frame, profiles.from_dict({"fields": {field: "c"}, **top})).fields[field]
    return list(nf.rows("state"))


# ----------------------------------------------------------------------------- profile keys


def test_profile_defaults_and_echo() -> None:
    p = profiles.from_dict({"fields": {"gender_identity": "gi"}})
    assert (p.sogi_policy, p.sogi_valuesets, p.sex_valueset, p.sdoh_instruments) == (
        "optional", "current", "uscdi", ())
    d = profiles.from_dict({"fields": {"gender_identity": "gi"}, "sogi_policy": "required",
                            "sogi_valuesets": "legacy", "sex_valueset": "federal",
                            "sdoh_instruments": [" LOCAL-1 "]}).describe()
    assert (d["sogi_policy"], d["sogi_valuesets"], d["sex_valueset"], d["sdoh_instruments"]) == (
        "required", "legacy", "federal", ["LOCAL-1"])


@pytest.mark.parametrize(("extra", "message"), [
    ({"sogi_policy": "mandatory"}, "sogi_policy"),
    ({"sogi_valuesets": "2015"}, "sogi_valuesets"),
    ({"sex_valueset": "binary"}, "sex_valueset"),
    ({"sdoh_instruments": "93025-5"}, "sdoh_instruments"),
    ({"sogi_policy": "required", "not_collected": ["sexual_orientation"]},
     "required under sogi_policy"),
])
def test_profile_rejects_bad_sogi_keys(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        profiles.from_dict({"fields": {"gender_identity": "gi"}, **extra})


def test_required_groups_add_sogi_only_under_required() -> None:
    assert required_groups("omb1997") == required_groups("omb1997", "excluded")
    groups = required_groups("spd15_2024", "required")
    assert groups["gender_identity"] == ("gender_identity",)
    assert groups["sexual_orientation"] == ("sexual_orientation",)
    assert "race_ethnicity_2024" in groups


# ----------------------------------------------------------------------------- ASKU meaning


def test_asku_means_declined_for_sogi_under_legacy_only() -> None:
    values = ["ASKU", "asked-declined", "UNK"]
    assert _states(values, "gender_identity") == ["asked_unknown", "declined", "unknown"]
    assert _states(values, "gender_identity", sogi_valuesets="legacy") == [
        "declined", "declined", "unknown"]
    assert _states(values, "sexual_orientation", sogi_valuesets="legacy")[0] == "declined"
    # Not a 2015 Edition SOGI element: race and birth sex keep the profile's reading.
    assert _states(["ASKU"], "race_codes", sogi_valuesets="legacy") == ["asked_unknown"]
    assert _states(["ASKU"], "sex_at_birth", sogi_valuesets="legacy") == ["asked_unknown"]
    # A field's own asku_means wins over the legacy default.
    field = {"fields": {"gender_identity": {"column": "c", "asku_means": "asked_unknown"}}}
    frame = pa.table({"c": pa.array(["ASKU"], type=pa.large_string())}).to_pandas(
        types_mapper=pd.ArrowDtype)
    nf = normalize(frame, profiles.from_dict({**field, "sogi_valuesets": "legacy"}))
    assert list(nf.fields["gender_identity"].rows("state")) == ["asked_unknown"]


def test_legacy_sets_declare_the_asku_meaning_for_r004() -> None:
    rows = [("P1", "ASKU"), ("P2", "446151000124109")]
    current = _run(["patient_id", "gender_identity"], rows)
    legacy = _run(["patient_id", "gender_identity"], rows, sogi_valuesets="legacy")
    key = ("NULL.ASKU_PROFILE_DECLARED", "gender_identity")
    assert _counts(current.result(*key)) == ("WARN", 1, 2)
    assert _counts(legacy.result(*key)) == ("PASS", 0, 2)
    assert "declined" in legacy.result(*key).reason


# ----------------------------------------------------------------------------- value sets


def test_value_set_choice_per_field_and_profile() -> None:
    p = profiles.from_dict({"fields": {}})
    legacy = profiles.from_dict({"fields": {}, "sogi_valuesets": "legacy",
                                 "sex_valueset": "federal"})
    excluded = profiles.from_dict({"fields": {}, "sogi_policy": "excluded"})
    assert [sogi.valueset_name(p, f) for f in sogi.VALUESETS] == [
        "gender_identity", "sexual_orientation", "sex", "birth_sex", sogi.PRONOUNS]
    assert [sogi.valueset_name(legacy, f) for f in sogi.VALUESETS] == [
        "phin_gender_identity_uscdi", "sexual_orientation_uscore6",
        "federal_administrative_sex", "birth_sex", sogi.PRONOUNS]
    assert [f for f in sogi.VALUESETS if sogi.valueset_name(excluded, f) is None] == list(
        SOGI_FIELDS)


def test_legacy_codes_only_in_legacy_sets_and_asku_never_current() -> None:
    genderqueer = "446131000124102"
    assert genderqueer in sogi.codes("phin_gender_identity_uscdi")
    assert genderqueer not in sogi.codes("gender_identity")
    for current, legacy in (("gender_identity", "phin_gender_identity_uscdi"),
                            ("sexual_orientation", "sexual_orientation_uscore6")):
        assert sogi.ASKU not in sogi.codes(current)
        assert sogi.ASKU in sogi.codes(legacy)
    assert sogi.ASKU in sogi.codes("birth_sex")
    assert sogi.codes("federal_administrative_sex") < sogi.codes("sex")


def test_pronoun_answer_list_is_a_parameter() -> None:
    codes = parameters.resolve(sogi.PRONOUNS)
    assert len(codes) == 10
    assert {"LA29518-0", "LA29519-8", "LA29520-6"} <= set(codes)
    assert all(c.startswith("LA295") for c in codes)


def test_checked_items_add_asku_to_the_informative_codes() -> None:
    assert sogi.checked_items(Unique(informative=("a",), has_asku=True)) == ("a", "ASKU")
    assert sogi.checked_items(Unique(absent=("declined",), has_asku=True)) == ("ASKU",)
    assert sogi.checked_items(Unique(absent=("unknown",))) == ()


def test_valuesets_follow_the_profile() -> None:
    cols = ["patient_id", "gender_identity", "sexual_orientation", "sex"]
    rows = [("P1", "446131000124102", "ASKU", "33791000087105"),
            ("P2", "33791000087105", "765288000", "248152002"),
            ("P3", "OTH", "UNK", "asked-declined")]
    current = _run(cols, rows)
    legacy = _run(cols, rows, sogi_valuesets="legacy", sex_valueset="federal")
    assert _counts(current.result("SOGI.VALUESETS", "gender_identity")) == ("FAIL", 1, 2)
    assert _counts(current.result("SOGI.VALUESETS", "sexual_orientation")) == ("FAIL", 1, 2)
    assert _counts(current.result("SOGI.VALUESETS", "sex")) == ("PASS", 0, 2)
    assert _counts(legacy.result("SOGI.VALUESETS", "gender_identity")) == ("FAIL", 1, 2)
    assert _counts(legacy.result("SOGI.VALUESETS", "sexual_orientation")) == ("FAIL", 1, 2)
    assert _counts(legacy.result("SOGI.VALUESETS", "sex")) == ("FAIL", 1, 2)
    assert legacy.result("SOGI.VALUESETS", "sex").details["valid_under_uscdi"] == 1


# ----------------------------------------------------------------------------- ages


def _gate_rows() -> tuple[list[str], list[tuple[str, ...]]]:
    cols = ["patient_id", "birth_date", "gender_identity", "gender_identity_collected_date",
            "sexual_orientation", "sexual_orientation_collected_date"]
    rows = [  # ages at collection: GI 2 / 3, SO 9 / 10 / 12 / 13
        ("P1", "2016-05-01", "446151000124109", "2019-04-30", "20430005", "2026-04-30"),
        ("P2", "2016-05-01", "446151000124109", "2019-05-01", "20430005", "2026-05-01"),
        ("P3", "2013-05-01", "", "", "20430005", "2026-04-30"),
        ("P4", "2013-05-01", "", "", "20430005", "2026-05-01"),
        ("P5", "", "446151000124109", "", "20430005", ""),
    ]
    return cols, rows


def test_age_gates_are_exclusive_at_the_birthday() -> None:
    report = _run(*_gate_rows())
    so = report.result("SOGI.SO_AGE_GATE", "sexual_orientation")
    gi = report.result("SOGI.GI_AGE_GATE", "gender_identity")
    assert _counts(so) == ("WARN", 1, 4)
    assert _counts(gi) == ("WARN", 1, 2)
    assert so.details["informative_without_age"] == 1


def test_age_gates_from_the_ages_section_and_from_params() -> None:
    cols, rows = _gate_rows()
    by_ages = _run(cols, rows, ages={"so_min_age": 13, "gi_min_age": 4})
    assert _counts(by_ages.result("SOGI.SO_AGE_GATE", "sexual_orientation")) == ("WARN", 3, 4)
    assert _counts(by_ages.result("SOGI.GI_AGE_GATE", "gender_identity")) == ("WARN", 2, 2)
    by_params = _run(cols, rows, ages={"so_min_age": 13},
                     params={"SOGI.SO_AGE_GATE": {"so_min_age": 11}})
    assert _counts(by_params.result("SOGI.SO_AGE_GATE", "sexual_orientation")) == (
        "WARN", 2, 4)


def test_adolescent_proxy_age_bounds() -> None:
    cols = ["patient_id", "birth_date", "sexual_orientation", "sexual_orientation_respondent",
            "sexual_orientation_collected_date", "gender_identity", "gender_identity_respondent",
            "gender_identity_collected_date"]
    gi, so = "446151000124109", "20430005"
    rows = [  # SO ages 10, 11, 17, 18; GI ages 13, 14, -, 30
        ("P1", "2012-01-01", so, "parent", "2022-01-01", gi, "parent", "2025-12-31"),
        ("P2", "2011-01-01", so, "parent", "2022-01-01", gi, "parent", "2025-01-01"),
        ("P3", "2009-01-01", so, "parent", "2026-10-31", "", "", ""),
        ("P4", "1990-01-01", so, "parent", "2008-01-01", gi, "Legal Representative",
         "2020-01-01"),
    ]
    r = _run(cols, rows).result("SOGI.ADOLESCENT_PROXY")
    assert _counts(r) == ("WARN", 3, 3)
    assert r.details["sexual_orientation_in_scope"] == 2
    assert r.details["gender_identity_in_scope"] == 2
    assert r.details["gender_identity_authorized_representative"] == 1
    raised = _run(cols, rows, ages={"gi_self_report_min_age": 16}).result(
        "SOGI.ADOLESCENT_PROXY")
    assert raised.details["gender_identity_in_scope"] == 1


def test_neonatal_period_boundary_and_override() -> None:
    cols = ["patient_id", "birth_date", "sex_admin"]
    rows = [("P1", "2026-10-05", "UN"), ("P2", "2026-10-04", "UN"), ("P3", "2026-09-01", "A")]
    r = _run(cols, rows).result("SEX.NEONATE_PLAUSIBLE", "sex_admin")
    assert _counts(r) == ("PASS_WITH_FINDINGS", 2, 2)
    assert r.details["neonates_undetermined"] == 1
    wider = _run(cols, rows, ages={"neonate_max_days": 29}).result(
        "SEX.NEONATE_PLAUSIBLE", "sex_admin")
    assert _counts(wider) == ("PASS_WITH_FINDINGS", 1, 1)


def test_disability_gates_at_5_and_15() -> None:
    cols = ["patient_id", "birth_date", "disability_collected_date", "disability_selfcare",
            "disability_mood", "disability_vision"]
    rows = [("P1", "2021-06-01", "2026-05-31", "no", "no", "no"),  # 4
            ("P2", "2021-06-01", "2026-06-01", "no", "no", "no"),  # 5
            ("P3", "2011-06-01", "2026-05-31", "NA", "yes", "no"),  # 14
            ("P4", "2011-06-01", "2026-06-01", "NA", "no", "no")]  # 15
    report = _run(cols, rows)
    assert _counts(report.result("DIS.AGE_GATE", "disability_selfcare")) == ("WARN", 1, 1)
    assert _counts(report.result("DIS.AGE_GATE", "disability_mood")) == ("WARN", 3, 3)
    with pytest.raises(KeyError):
        report.result("DIS.AGE_GATE", "disability_vision")


# ----------------------------------------------------------------------------- policy


def test_excluded_policy_makes_sogi_checks_not_applicable_with_the_reason() -> None:
    cols = ["patient_id", "birth_date", "gender_identity", "sexual_orientation", "sex"]
    rows = [("P1", "2020-01-01", "bogus", "20430005", "248152002")]
    report = _run(cols, rows, sogi_policy="excluded")
    for key in (("SOGI.SO_AGE_GATE", "sexual_orientation"), ("SOGI.GI_AGE_GATE",
                "gender_identity"), ("SOGI.VALUESETS", "gender_identity"),
                ("SOGI.NO_DISCORDANCE_ERROR", "gender_identity"), ("SOGI.ADOLESCENT_PROXY", None),
                ("SOGI.CONFIDENTIALITY_FLAG", "sogi_confidential")):
        r = report.result(*key)
        assert r.status is Status.NOT_APPLICABLE, key
        assert "sogi_policy: excluded" in r.reason, key
    assert _counts(report.result("SOGI.VALUESETS", "sex")) == ("PASS", 0, 1)
    assert report.gate.passed or "SOGI" not in " ".join(report.gate.failing)
    # Missing SOGI fields under excluded: the same reason.
    bare = _run(["patient_id", "birth_date"], [("P1", "2020-01-01")], sogi_policy="excluded")
    assert "sogi_policy: excluded" in bare.result("SOGI.SO_AGE_GATE", "sexual_orientation").reason
    policy = bare.result("SOGI.POLICY_PROFILE")
    assert _counts(policy) == ("PASS", 0, 4)
    assert policy.details["excluded"] == ",".join(SOGI_FIELDS)


def test_required_policy_fails_on_missing_fields_and_passes_when_present() -> None:
    missing = _run(["patient_id", "birth_date"], [("P1", "2020-01-01")], sogi_policy="required")
    r = missing.result("SOGI.POLICY_PROFILE")
    assert _counts(r) == ("FAIL", 2, 4)
    assert "gender_identity, sexual_orientation" in r.reason
    assert "SOGI.POLICY_PROFILE" in missing.gate.failing
    cols = ["patient_id", "birth_date", "gender_identity", "sexual_orientation"]
    present = _run(cols, [("P1", "2000-01-01", "446151000124109", "20430005")],
                   sogi_policy="required")
    assert _counts(present.result("SOGI.POLICY_PROFILE")) == ("PASS", 0, 4)
    optional = _run(["patient_id", "birth_date"], [("P1", "2020-01-01")])
    assert _counts(optional.result("SOGI.POLICY_PROFILE")) == ("PASS", 0, 4)


# -----------------------------------------------------------------------------


def test_confidentiality_marker_vocabulary() -> None:
    def kind(value: str | None) -> str:
        u = Unique(informative=(value,)) if value else Unique()
        return sogi.marker(u)

    assert [kind(v) for v in ("y", "r", "v", "1", "n", "u", "0", "maybe", None)] == [
        "marked", "marked", "marked", "marked", "not_marked", "not_marked", "not_marked",
        "unreadable", "blank"]


def test_confidentiality_needs_the_marker_field() -> None:
    cols = ["patient_id", "birth_date", "gender_identity"]
    r = _run(cols, [("P1", "2012-01-01", "446151000124109")]).result(
        "SOGI.CONFIDENTIALITY_FLAG", "sogi_confidential")
    assert r.status is Status.NOT_APPLICABLE and "sogi_confidential is not mapped" in r.reason


def test_gender_identity_differing_from_sex_is_never_a_violation() -> None:
    cols = ["patient_id", "gender_identity", "sex", "sex_at_birth"]
    rows = [("P1", "446141000124107", "248153007", "M"), ("P2", "407377005", "248153007", "F")]
    r = _run(cols, rows).result("SOGI.NO_DISCORDANCE_ERROR", "gender_identity")
    assert _counts(r) == ("PASS", 0, 2)
    assert r.details["differing"] == 2
    alone = _run(["patient_id", "gender_identity"], [("P1", "446141000124107")]).result(
        "SOGI.NO_DISCORDANCE_ERROR", "gender_identity")
    assert alone.status is Status.NOT_APPLICABLE


def test_excluded_policy_takes_sogi_fields_out_of_every_check() -> None:
    import pandas as pd

    import validator
    from validator.results import Status

    frame = pd.DataFrame({
        "race_codes": ["2106-3"] * 3, "ethnicity_code": ["2186-5"] * 3,
        "gender_identity": ["446151000124109", "--", "ASKU"],
        "gender_identity_respondent": ["", "self", ""],
    })
    profile = {"fields": {c: c for c in frame.columns}, "sogi_policy": "excluded"}
    report = validator.validate(frame, profile=profile, as_of_date="2026-11-01")
    on_sogi = [r for r in report.results if r.stratum is None and r.field in (
        "gender_identity", "gender_identity_respondent")]
    assert {r.check_id for r in on_sogi} >= {"NULL.TOKEN_MAPPED", "NULL.ASKU_PROFILE_DECLARED",
                                              "RESP.RECORDED"}
    assert {r.status for r in on_sogi} == {Status.NOT_APPLICABLE}
    assert all("sogi_policy: excluded" in r.reason for r in on_sogi)
