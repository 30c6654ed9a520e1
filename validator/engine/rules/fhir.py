"""FHIR structural conformance (R-021 and the project rules R-150…R-156; docs/fhir.md).

The FHIR reader (``validator/io/fhir.py``) records per-row findings on ``data.fhir`` (patients)
and on the caregiver table's ``data.fhir``; these rules only count them. For table input every
rule here is NOT_APPLICABLE.
"""

from __future__ import annotations

import numpy as np

from validator.catalog import CheckDef
from validator.engine.measures import NotApplicable, RowMeasure, RuleContext
from validator.engine.rules import rule
from validator.io.fhir import Findings

TABLE_INPUT = "applies to FHIR input; this input is a table"


def findings(ctx: RuleContext) -> Findings:
    """The FHIR findings of the context's table, or NotApplicable for table input."""
    found = getattr(ctx.data, "fhir", None)
    if found is None:
        raise NotApplicable(TABLE_INPUT)
    assert isinstance(found, Findings)
    return found


def _any(*masks: np.ndarray) -> np.ndarray:
    out = masks[0].copy()
    for m in masks[1:]:
        out |= m
    return out


def extension_text(ctx: RuleContext) -> RowMeasure:
    """R-021 RACE.TEXT_PRESENT: Patients whose race or ethnicity extension has no text."""
    f = findings(ctx)
    race = f.get("race_ext") & f.get("race_no_text")
    eth = f.get("ethnicity_ext") & f.get("ethnicity_no_text")
    return RowMeasure(f.get("race_ext") | f.get("ethnicity_ext"), race | eth,
                      details={"race_without_text": race, "ethnicity_without_text": eth},
                      note="Patient resources with a US Core race or ethnicity extension")


@rule("FHIR.EXTENSION_URL")
def extension_url(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Patients with a US Core extension the validator reads under a non-canonical URL."""
    f = findings(ctx)
    details = {"race": f.get("url_race"), "ethnicity": f.get("url_ethnicity"),
               "other_extensions": f.get("url_other")}
    return RowMeasure(f.get("ext_read"), _any(*details.values()), details=details,
                      note="Patient resources with an extension the validator reads")


@rule("FHIR.EXTENSION_STRUCTURE")
def extension_structure(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Patients whose race or ethnicity extension is not ombCategory/detailed/text."""
    f = findings(ctx)
    details = {
        "race_flat_value": f.get("race_flat"),
        "ethnicity_flat_value": f.get("ethnicity_flat"),
        "race_bad_part": f.get("race_bad_part"),
        "ethnicity_bad_part": f.get("ethnicity_bad_part"),
        "repeated_extension": f.get("race_repeated") | f.get("ethnicity_repeated"),
    }
    return RowMeasure(f.get("race_ext") | f.get("ethnicity_ext"), _any(*details.values()),
                      details=details,
                      note="Patient resources with a US Core race or ethnicity extension")


@rule("FHIR.RESOURCE_ID")
def resource_id(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Patients whose id is missing or not a FHIR id ([A-Za-z0-9-.]{1,64})."""
    f = findings(ctx)
    details = {"missing_id": f.get("id_missing"), "invalid_id": f.get("id_invalid")}
    return RowMeasure(ctx.all(), _any(*details.values()), details=details)


@rule("FHIR.CODING_SYSTEM_URI")
def coding_system_uri(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Resources (Patients; caregivers: RelatedPerson or Patient.contact) with a Coding whose
    system is not an absolute URI."""
    f = findings(ctx)
    return RowMeasure(ctx.all(), f.get("system_not_uri"))


@rule("FHIR.RELATED_PERSON_LINK")
def related_person_link(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """RelatedPerson resources whose patient reference is missing or matches no Patient."""
    f = findings(ctx)
    details = {"no_patient_reference": f.get("link_missing"),
               "reference_not_resolved": f.get("link_unresolved")}
    return RowMeasure(f.get("related_person"), _any(*details.values()), details=details,
                      note="RelatedPerson resources")


@rule("FHIR.LANGUAGE_PREFERRED")
def language_preferred(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Resources with communication entries where the preferred one is ambiguous (several
    entries and none preferred, or several preferred); details say how each was chosen."""
    f = findings(ctx)
    details = {"preferred": f.get("lang_preferred"), "only_entry": f.get("lang_only"),
               "none_preferred": f.get("lang_none_preferred"),
               "several_preferred": f.get("lang_several_preferred")}
    hits = details["none_preferred"] | details["several_preferred"]
    return RowMeasure(f.get("lang_any"), hits, details=details,
                      note="resources with at least one communication entry")


@rule("FHIR.BIRTH_TIME_CONSISTENT")
def birth_time_consistent(ctx: RuleContext, check: CheckDef, field: str) -> RowMeasure:
    """Patients whose patient-birthTime extension falls on another date than birthDate."""
    f = findings(ctx)
    return RowMeasure(f.get("birth_time"), f.get("birth_time_mismatch"),
                      note="Patient resources with birthDate and a patient-birthTime extension")
