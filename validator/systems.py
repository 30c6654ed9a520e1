"""Code systems the validator recognises, their aliases, and built-in code translations."""

from __future__ import annotations

from validator.errors import ConfigError

#: canonical system name -> identifiers seen for it in the field (URIs, OIDs, short names).
SYSTEM_ALIASES: dict[str, tuple[str, ...]] = {
    "cdcrec": (
        "urn:oid:2.16.840.1.113883.6.238",
        "2.16.840.1.113883.6.238",
        "http://terminology.hl7.org/CodeSystem/CDCREC",
        "CDCREC",
    ),
    "v3-race": (
        "http://terminology.hl7.org/CodeSystem/v3-Race",
        "http://hl7.org/fhir/v3/Race",
        "urn:oid:2.16.840.1.113883.5.104",
    ),
    "v3-ethnicity": (
        "http://terminology.hl7.org/CodeSystem/v3-Ethnicity",
        "http://hl7.org/fhir/v3/Ethnicity",
        "urn:oid:2.16.840.1.113883.5.50",
    ),
    "loinc": ("http://loinc.org", "urn:oid:2.16.840.1.113883.6.1", "2.16.840.1.113883.6.1", "LN"),
    "hl7v2-0189": (
        "http://terminology.hl7.org/CodeSystem/v2-0189",
        "urn:oid:2.16.840.1.113883.12.189",
        "HL70189",
    ),
    "hl7v2-0005": (
        "http://terminology.hl7.org/CodeSystem/v2-0005",
        "urn:oid:2.16.840.1.113883.12.5",
        "HL70005",
    ),
    "bcp47": ("urn:ietf:bcp:47",),
    "snomed": ("http://snomed.info/sct", "urn:oid:2.16.840.1.113883.6.96", "SCT"),
    "administrative-gender": ("http://hl7.org/fhir/administrative-gender",),
    "v3-administrative-gender": ("http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender",),
    "hl7v2-0001": ("http://terminology.hl7.org/CodeSystem/v2-0001", "HL70001"),
    "v3-rolecode": (
        "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
        "http://hl7.org/fhir/v3/RoleCode",
        "urn:oid:2.16.840.1.113883.5.111",
        "2.16.840.1.113883.5.111",
    ),
    "hl7v2-0131": (
        "http://terminology.hl7.org/CodeSystem/v2-0131",
        "http://hl7.org/fhir/v2/0131",
        "HL70131",
    ),
    "hl7v2-0063": (
        "http://terminology.hl7.org/CodeSystem/v2-0063",
        "http://hl7.org/fhir/v2/0063",
        "HL70063",
    ),
    "null-flavor": ("http://terminology.hl7.org/CodeSystem/v3-NullFlavor",),
    "data-absent-reason": ("http://terminology.hl7.org/CodeSystem/data-absent-reason",),
    "spd15-2024": (),
    "zip": (),
    "project": (),
    "local": (),
}

#: Systems that are accepted for race/ethnicity codes but reported as legacy (R-011, R-013).
LEGACY_CDCREC = frozenset({"v3-race", "v3-ethnicity"})

#: Built-in translations applied by the normalizer when a field declares the source system:
#: source system -> (target system, {source code: target code or "@token"}).
TRANSLATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "hl7v2-0189": ("cdcrec", {"H": "2135-2", "N": "2186-5", "U": "@unknown"}),
}

_LOOKUP = {
    alias.casefold(): name
    for name, aliases in SYSTEM_ALIASES.items()
    for alias in (name, *aliases)
}


def canonical_system(value: str | None) -> str | None:
    """The canonical name for a system identifier, or None when it is unknown or blank."""
    if value is None:
        return None
    return _LOOKUP.get(str(value).strip().casefold())


def parse_system(value: str, *, where: str) -> str:
    """Canonical name of a system declared in configuration; ConfigError if unknown."""
    name = canonical_system(value)
    if name is None:
        known = ", ".join(sorted(SYSTEM_ALIASES))
        raise ConfigError(
            f"{where}: unknown code system {value!r}",
            hint=f"use one of: {known} (or the system's URI/OID)",
        )
    return name
