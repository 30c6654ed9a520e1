"""SOGI, sex and pronoun vocabulary shared by the value-set columns GX checks (R-114) and the
SOGI rules (DOMAIN.md §2.6–2.7, §3.8): which value set a profile declares for each field, the
pronoun answer list, and the confidentiality-marker vocabulary (R-113).

Value sets by profile (``sogi_valuesets``, ``sex_valueset``):

=====================  ===============================  ======================================
field                  current / uscdi (default)        legacy / federal
=====================  ===============================  ======================================
gender_identity        VSAC ...1021.32                  PHIN USCDI v2 (2015 Edition) set:
                                                        446131000124102 genderqueer, ASKU
sexual_orientation     VSAC ...1240.11                  US Core 6.1 set (2015 Edition codes,
                                                        ASKU)
sex                    VSAC Sex ...1240.3               Federal Administrative Sex ...1021.121
sex_at_birth           VSAC Birth Sex ...1021.24 (both)
pronouns               LOINC LL5144-2 (validator/data/pronouns.csv, both)
=====================  ===============================  ======================================

The normalizer turns OTH, UNK, asked-declined and ASKU into absent-reason tokens, so a value
set is checked on the informative codes of a cell plus ``ASKU`` when the cell held it: ASKU is
accepted only where the declared set lists it (legacy GI/SO sets, Birth Sex).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from validator import valuesets
from validator._resources import data_dir
from validator.fields import SOGI_FIELDS
from validator.normalize import SEP, Normalized, Unique

if TYPE_CHECKING:
    from validator.profile import Profile

ASKU = "ASKU"
PRONOUNS = "pronouns_ll5144"

#: field -> {variant: package value set (validator/valuesets) or PRONOUNS}.
VALUESETS: dict[str, dict[str, str]] = {
    "gender_identity": {"current": "gender_identity", "legacy": "phin_gender_identity_uscdi"},
    "sexual_orientation": {"current": "sexual_orientation",
                           "legacy": "sexual_orientation_uscore6"},
    "sex": {"uscdi": "sex", "federal": "federal_administrative_sex"},
    "sex_at_birth": {"current": "birth_sex"},
    "pronouns": {"current": PRONOUNS},
}

#: Titles shown in notes and docs.
TITLES = {
    "gender_identity": "VSAC Gender Identity 2.16.840.1.113762.1.4.1021.32",
    "phin_gender_identity_uscdi": "PHIN Gender Identity (USCDI v2, 2015 Edition)",
    "sexual_orientation": "VSAC Sexual Orientation 2.16.840.1.113762.1.4.1240.11",
    "sexual_orientation_uscore6": "US Core 6.1 Sexual Orientation (2015 Edition codes)",
    "sex": "VSAC Sex 2.16.840.1.113762.1.4.1240.3",
    "federal_administrative_sex": "VSAC Federal Administrative Sex 2.16.840.1.113762.1.4.1021.121",
    "birth_sex": "VSAC Birth Sex 2.16.840.1.113762.1.4.1021.24",
    PRONOUNS: "LOINC 90778-2 answer list LL5144-2",
}

#: Confidentiality/sensitivity markers (R-113): boolean-like flags and HL7 v3 Confidentiality
#: codes (R restricted, V very restricted mark a value; N normal, U unrestricted, L low,
#: M moderate do not). Values are matched lower-cased.
MARKED = frozenset({"yes", "y", "true", "t", "1", "r", "v", "restricted", "very restricted",
                    "confidential", "sensitive"})
NOT_MARKED = frozenset({"no", "n", "false", "f", "0", "u", "l", "m", "normal", "unrestricted",
                        "low", "moderate"})

#: Canonical respondents (normalize.RESPONDENT_VALUES): who answers for the patient.
SELF = "self"
STAFF = "staff"
PROXIES = frozenset({"parent_guardian_family", "authorized_representative"})


def excluded_reason(profile: Profile) -> str | None:
    """Why the SOGI checks do not run under this profile, or None when they do."""
    if profile.sogi_policy != "excluded":
        return None
    return ("sogi_policy: excluded (e.g. federal certification after EO 14168): SOGI fields "
            f"({', '.join(SOGI_FIELDS)}) are not evaluated")


def variant(profile: Profile, field: str) -> str | None:
    """The value-set variant the profile declares for ``field`` (None: excluded by policy)."""
    if field in SOGI_FIELDS and profile.sogi_policy == "excluded":
        return None
    if field == "sex":
        return profile.sex_valueset
    if field in ("gender_identity", "sexual_orientation"):
        return profile.sogi_valuesets
    return "current"


def valueset_name(profile: Profile, field: str) -> str | None:
    """The value set declared for ``field`` (None: excluded by policy)."""
    v = variant(profile, field)
    return None if v is None else VALUESETS[field][v]


def column(field: str, valueset: str) -> str:
    """Frame column GX checks for ``field`` against ``valueset`` (R-114)."""
    return f"{field}__vs_{valueset}"


def checked_items(u: Unique) -> tuple[str, ...]:
    """What R-114 checks in one cell: its informative codes, plus ASKU when it held ASKU."""
    return (*u.informative, ASKU) if u.has_asku else u.informative


def valueset_columns(data: Normalized, profile: Profile) -> dict[str, pd.Series]:
    """The R-114 columns for the mapped SOGI/sex fields: one per field, named after the value
    set the profile declares, so the suite selects exactly that expectation. None for a field
    excluded by ``sogi_policy``."""
    out: dict[str, pd.Series] = {}
    for field in VALUESETS:
        nf = data.get(field)
        name = valueset_name(profile, field)
        if nf is None or name is None:
            continue
        per_unique = pd.Series([SEP.join(checked_items(u)) or None for u in nf.uniques],
                               dtype=object)
        codes, categories = pd.factorize(per_unique, use_na_sentinel=True)
        out[column(field, name)] = pd.Series(pd.Categorical.from_codes(
            codes[nf.codes], pd.Index(np.asarray(categories, dtype=object), dtype=object)),
            index=nf.raw.index)
    return out


@cache
def pronoun_rows() -> tuple[Mapping[str, str], ...]:
    """The LOINC LL5144-2 answers (hand-written from DOMAIN.md §2.7: no source file is saved)."""
    text = data_dir().joinpath("pronouns.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))


def codes(valueset: str) -> frozenset[str]:
    """Codes of a value set named in :data:`VALUESETS`."""
    if valueset == PRONOUNS:
        return frozenset(r["code"] for r in pronoun_rows())
    return valuesets.load(valueset).codes


def marker(u: Unique) -> str:
    """``marked``, ``not_marked``, ``unreadable`` (a value outside the vocabulary) or
    ``blank`` (no marker, or an absent reason) for one ``sogi_confidential`` value."""
    if not u.informative:
        return "blank"
    value = u.informative[0]
    if value in MARKED:
        return "marked"
    return "not_marked" if value in NOT_MARKED else "unreadable"
