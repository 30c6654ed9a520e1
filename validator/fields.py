"""Canonical field catalogue (DOMAIN.md §2.1): names, kinds and default code systems.

Canonical names are a public contract: profiles, reports and thresholds files key on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    """How the normalizer treats a field."""

    ID = "id"  # identifier: never printed, only counted
    CODE = "code"  # coded value(s) from a code system, absent-reason tokens mapped
    TEXT = "text"  # free text: never printed; absent-reason tokens mapped
    DATE = "date"  # ISO 8601 date
    ENUM = "enum"  # small project vocabulary (race_source, respondent, proficiency)


@dataclass(frozen=True)
class FieldDef:
    """One canonical field."""

    name: str
    kind: Kind
    group: str
    system: str | None = None
    phi: bool = False
    description: str = ""
    valueset: str | None = None


def _f(name: str, kind: Kind, group: str, system: str | None = None, phi: bool = False,
       description: str = "") -> FieldDef:
    return FieldDef(name, kind, group, system, phi, description, VALUESETS.get(name))


#: The package value set holding the standard codes of a coded field (validator/valuesets/).
VALUESETS: dict[str, str] = {
    "race_codes": "cdcrec_race",
    "race_omb": "omb_race_with_other",
    "race_detailed": "race_detailed",
    "ethnicity_code": "ethnicity_omb",
    "ethnicity_detailed": "ethnicity_detailed",
    "race_ethnicity_2024": "spd15_2024_minimum",
    "race_ethnicity_2024_detailed": "spd15_2024_detailed",
    "sex_admin": "administrative_gender",
    "sex": "sex",
    "sex_at_birth": "birth_sex",
    "gender_identity": "gender_identity",
    "sexual_orientation": "sexual_orientation",
    "interpreter_needed": "interpreter_needed",
    "caregiver_interpreter_needed": "interpreter_needed",
}


_RESPONDENTS = (
    "race", "ethnicity", "lang", "gender_identity", "sexual_orientation", "disability",
)
_DISABILITY = (
    "hearing", "vision", "cognition", "ambulation", "selfcare", "independent_living",
    "learning", "communication", "mood",
)

FIELDS: dict[str, FieldDef] = {
    f.name: f
    for f in (
        _f("patient_id", Kind.ID, "context", phi=True, description="Stable patient key"),
        _f("encounter_id", Kind.ID, "context", phi=True, description="Encounter key (long input)"),
        _f("encounter_date", Kind.DATE, "context", phi=True,
           description="Date of the encounter/row (encounter-level input)"),
        _f("site_id", Kind.ID, "context", description="Hospital, facility or source system"),
        _f("stratum", Kind.ID, "context",
           description="Any input column the run is stratified by (--stratify-by)"),
        _f("as_of_date", Kind.DATE, "context", description="Reference date of the extract"),
        _f("entry_method", Kind.ENUM, "context",
           description="How the record's demographics were entered: portal, kiosk, "
           "registration, phone, interface (electronic feed) or manual (R-122)"),
        _f("birth_date", Kind.DATE, "age", phi=True, description="Date of birth"),
        _f("age_years", Kind.ENUM, "age",
           description="Age in completed years at the extract date, for sources without a "
           "birth date (a birth date is then derived: validator/derive.py)"),
        _f("race_codes", Kind.CODE, "race", "cdcrec", description="Race answer(s), 0..n"),
        _f("race_omb", Kind.CODE, "race", "cdcrec", description="OMB race categories, 0..6"),
        _f("race_detailed", Kind.CODE, "race", "cdcrec", description="Detailed race codes"),
        _f("race_text", Kind.TEXT, "race", phi=True, description="Free-text race as stated"),
        _f("ethnicity_code", Kind.CODE, "ethnicity", "cdcrec",
           description="Hispanic / Not Hispanic (one value)"),
        _f("ethnicity_detailed", Kind.CODE, "ethnicity", "cdcrec",
           description="Detailed ethnicity, 0..n"),
        _f("ethnicity_text", Kind.TEXT, "ethnicity", phi=True,
           description="Free-text ethnicity as stated"),
        _f("race_ethnicity_2024", Kind.CODE, "race", "spd15-2024",
           description="Combined answer(s) under SPD-15 2024"),
        _f("race_ethnicity_2024_detailed", Kind.CODE, "race", "spd15-2024",
           description="Detailed 2024 categories"),
        _f("standard_version", Kind.ENUM, "race",
           description="Per-record standard: omb1997 or spd15_2024"),
        _f("race_source", Kind.ENUM, "race", "project", description="How race was obtained"),
        _f("ethnicity_source", Kind.ENUM, "ethnicity", "project",
           description="How ethnicity was obtained"),
        _f("tribal_affiliation", Kind.CODE, "race", description="Enrolled or principal tribe"),
        _f("lang_spoken_pref", Kind.CODE, "language", "bcp47",
           description="Preferred spoken language for health care"),
        _f("lang_written_pref", Kind.CODE, "language", "bcp47",
           description="Preferred language for written materials"),
        _f("lang_home", Kind.CODE, "language", "bcp47", description="Language spoken at home"),
        _f("english_proficiency", Kind.ENUM, "language", "project",
           description="Self-rated spoken English"),
        _f("interpreter_needed", Kind.CODE, "language", "snomed",
           description="Needs interpreter for health care"),
        _f("caregiver_id", Kind.ID, "caregiver", phi=True, description="Caregiver key"),
        _f("caregiver_relationship", Kind.CODE, "caregiver", "v3-rolecode",
           description="Relationship to patient"),
        _f("caregiver_is_legal_guardian", Kind.ENUM, "caregiver", "project",
           description="Legal decision-maker flag"),
        _f("caregiver_is_primary_contact", Kind.ENUM, "caregiver", "project",
           description="Primary communication partner flag"),
        _f("caregiver_lang_spoken_pref", Kind.CODE, "caregiver", "bcp47",
           description="Caregiver's preferred spoken language"),
        _f("caregiver_lang_written_pref", Kind.CODE, "caregiver", "bcp47",
           description="Caregiver's preferred written language"),
        _f("caregiver_english_proficiency", Kind.ENUM, "caregiver", "project",
           description="Caregiver self-rated English"),
        _f("caregiver_interpreter_needed", Kind.CODE, "caregiver", "snomed",
           description="Caregiver needs interpreter"),
        _f("caregiver_birth_date", Kind.DATE, "caregiver", phi=True,
           description="Caregiver's date of birth (R-096)"),
        _f("sex_admin", Kind.CODE, "sex", "administrative-gender",
           description="Administrative sex / gender"),
        _f("sex", Kind.CODE, "sex", "snomed", description="Documented sex (USCDI Sex)"),
        _f("sex_at_birth", Kind.CODE, "sex", "v3-administrative-gender",
           description="Sex assigned at birth"),
        _f("gender_identity", Kind.CODE, "sogi", "snomed",
           description="Gender identity"),
        _f("sexual_orientation", Kind.CODE, "sogi", "snomed",
           description="Sexual orientation"),
        _f("pronouns", Kind.CODE, "sogi", "loinc", description="Personal pronouns"),
        _f("name_to_use", Kind.TEXT, "sogi", phi=True, description="Chosen name"),
        _f("sogi_confidential", Kind.ENUM, "sogi", "project",
           description="Confidentiality/sensitivity marker on the SOGI values (R-113)"),
        *(
            _f(f"disability_{d}", Kind.CODE, "disability", "project",
               description=f"Functional limitation: {d.replace('_', ' ')}")
            for d in _DISABILITY
        ),
        _f("address_zip", Kind.CODE, "sdoh", "zip", phi=True, description="Residence ZIP code"),
        _f("address", Kind.TEXT, "sdoh", phi=True, description="Residence address"),
        _f("payer_type", Kind.CODE, "sdoh", description="Insurance type"),
        _f("sdoh_screen_date", Kind.DATE, "sdoh", description="Social-needs screening date"),
        _f("sdoh_instrument", Kind.CODE, "sdoh", "loinc", description="Screening instrument"),
        *(
            _f(f"{p}_respondent", Kind.ENUM, "respondent", "project",
               description=f"Who answered ({p})")
            for p in (*_RESPONDENTS, "sdoh")
        ),
        *(
            _f(f"{p}_collected_date", Kind.DATE, "respondent",
               description=f"When {p} was collected")
            for p in _RESPONDENTS
        ),
    )
}

DEMOGRAPHIC_GROUPS = frozenset(
    {"race", "ethnicity", "language", "caregiver", "sex", "sogi", "disability", "age"}
)
RACE_FIELDS = ("race_codes", "race_omb", "race_detailed")
ETHNICITY_FIELDS = ("ethnicity_code", "ethnicity_detailed")
CDCREC_FIELDS = (*RACE_FIELDS, *ETHNICITY_FIELDS)
COLLECTED_DATE_FIELDS = tuple(f"{p}_collected_date" for p in _RESPONDENTS)

#: Fields the core gate requires unless a profile declares them not collected, per declared
#: standard (profile ``standard``). A required field that is missing makes its completeness
#: check FAIL (a missing optional field is NOT_APPLICABLE). Under omb1997 race is satisfied by
#: any of ``RACE_FIELDS``; under spd15_2024 the combined question is required instead.
REQUIRED_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "omb1997": {"race": RACE_FIELDS, "ethnicity": ETHNICITY_FIELDS},
    "spd15_2024": {"race_ethnicity_2024": ("race_ethnicity_2024",)},
}

#: SOGI fields (DOMAIN §1.6: removed or deprecated in US Core 8.0.1 after EO 14168). Under
#: profile ``sogi_policy: excluded`` the SOGI checks do not evaluate them (R-118).
SOGI_FIELDS = ("gender_identity", "sexual_orientation", "sex_at_birth", "pronouns")
#: Every field a ``sogi_policy: excluded`` profile takes out of evaluation, with their
#: respondent and collection-date companions (all checks on them are NOT_APPLICABLE).
SOGI_POLICY_FIELDS = frozenset(
    {*SOGI_FIELDS, "sogi_confidential"}
    | {f"{e}_{s}" for e in ("gender_identity", "sexual_orientation")
       for s in ("respondent", "collected_date")}
)
#: Required groups added by ``sogi_policy: required`` (WA CHARS, OR REALD/SOGI mandates, R-118):
#: a missing one makes SOGI.POLICY_PROFILE FAIL.
SOGI_REQUIRED_GROUPS: dict[str, tuple[str, ...]] = {
    "gender_identity": ("gender_identity",),
    "sexual_orientation": ("sexual_orientation",),
}


def required_groups(standard: str, sogi_policy: str = "optional") -> dict[str, tuple[str, ...]]:
    """The required field groups of a profile: those of its race/ethnicity ``standard``, plus
    gender identity and sexual orientation when ``sogi_policy`` is ``required``."""
    groups = dict(REQUIRED_GROUPS.get(standard, {}))
    if sogi_policy == "required":
        groups.update(SOGI_REQUIRED_GROUPS)
    return groups


def get(name: str) -> FieldDef:
    """The definition of canonical field ``name`` (KeyError if unknown)."""
    return FIELDS[name]


def is_demographic(name: str) -> bool:
    """True for fields that carry demographic content (not keys, sites or extract dates)."""
    return FIELDS[name].group in DEMOGRAPHIC_GROUPS
