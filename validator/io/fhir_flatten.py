"""Flatten FHIR R4 Patient and RelatedPerson resources (and Patient.contact) into canonical
rows, plus per-row structural findings that stay out of the canonical frame.

Only the elements listed in docs/fhir.md are read; a row is a dict of canonical column ->
string (or None), ``<field>_system`` columns hold the code systems of a coded field. Findings
are named booleans per row (see ``PATIENT_FLAGS``/``CAREGIVER_FLAGS``); nothing here keeps or
prints a value beyond the row itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from validator.fields import FIELDS
from validator.systems import canonical_system

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
BIRTH_TIME = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"
V2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"

#: US Core extensions read, by the lower-cased last segment of their URL: (canonical spelling,
#: what they fill). The URL must be US_CORE + spelling; other bases are read and reported.
EXTENSIONS: dict[str, tuple[str, str]] = {
    "us-core-race": ("us-core-race", "race"),
    "us-core-ethnicity": ("us-core-ethnicity", "ethnicity"),
    "us-core-birthsex": ("us-core-birthsex", "sex_at_birth"),
    "us-core-sex": ("us-core-sex", "sex"),
    "us-core-individual-sex": ("us-core-individual-sex", "sex"),
    "us-core-genderidentity": ("us-core-genderIdentity", "gender_identity"),
    "us-core-tribal-affiliation": ("us-core-tribal-affiliation", "tribal_affiliation"),
    "us-core-interpreter-needed": ("us-core-interpreter-needed", "interpreter_needed"),
}
#: The complex race/ethnicity extensions: group -> (category field, detailed field, text field).
RACE_LIKE = {
    "race": ("race_omb", "race_detailed", "race_text"),
    "ethnicity": ("ethnicity_code", "ethnicity_detailed", "ethnicity_text"),
}
#: Patient.contact relationships that name an organisation, not a person (HL7 v2 table 0131:
#: employer, federal agency, insurance company, state agency): such contacts are not caregivers.
ORGANISATION_CONTACTS = frozenset({"E", "F", "I", "S"})
#: Systems whose codes are absent reasons, kept beside the codes of any other system.
NULL_SYSTEMS = frozenset({"null-flavor", "data-absent-reason"})

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")

#: Per-Patient findings (documented in docs/fhir.md; used by validator/engine/rules/fhir.py).
PATIENT_FLAGS = (
    "id_missing", "id_invalid", "ext_read", "url_race", "url_ethnicity", "url_other",
    "race_ext", "ethnicity_ext", "race_flat", "ethnicity_flat", "race_bad_part",
    "ethnicity_bad_part", "race_repeated", "ethnicity_repeated", "race_no_text",
    "ethnicity_no_text", "system_not_uri", "lang_any", "lang_preferred", "lang_only",
    "lang_none_preferred", "lang_several_preferred", "birth_time", "birth_time_mismatch",
)
#: Per-caregiver findings.
CAREGIVER_FLAGS = (
    "related_person", "contact", "link_missing", "link_unresolved", "system_not_uri",
    "lang_any", "lang_preferred", "lang_only", "lang_none_preferred", "lang_several_preferred",
)


@dataclass
class Coded:
    """Codes of one canonical field gathered from one resource, with their systems."""

    codes: list[str] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)

    def add(self, coding: Any) -> None:
        """Add a Coding (dict with code and system); codings without a code are skipped."""
        if not isinstance(coding, Mapping):
            return
        code = coding.get("code")
        if isinstance(code, str) and code.strip():
            self.codes.append(code.strip())
            system = coding.get("system")
            self.systems.append(system.strip() if isinstance(system, str) else "")

    def add_concept(self, concept: Any) -> None:
        """Add every Coding of a CodeableConcept."""
        if isinstance(concept, Mapping):
            for coding in _list(concept.get("coding")):
                self.add(coding)

    def add_code(self, code: Any) -> None:
        """Add a bare code (valueCode, valueString, valueBoolean): no system."""
        if isinstance(code, bool):
            code = "true" if code else "false"
        if isinstance(code, str) and code.strip():
            self.codes.append(code.strip())
            self.systems.append("")

    def resolve(self, standard: str | None) -> tuple[str | None, str | None]:
        """(codes joined by ``|``, their one system) for a field whose standard system is
        ``standard`` (a canonical name). Null-flavor and data-absent-reason codes are always
        kept. When the other codes come from several systems (translations of one answer),
        those of the standard system are kept, else those of the first system seen. A code
        without a system keeps every code and leaves the system blank (None)."""
        pairs = list(zip(self.codes, self.systems, strict=True))
        nulls = [(c, s) for c, s in pairs if canonical_system(s) in NULL_SYSTEMS]
        coded = [(c, s) for c, s in pairs if (c, s) not in nulls]
        system: str | None = None
        if any(not s for _, s in coded):
            system = None
        elif coded:
            names = {s: canonical_system(s) for _, s in coded}
            system = next((s for s, n in names.items() if n and n == standard), coded[0][1])
            coded = [(c, s) for c, s in coded if s == system]
        elif nulls:
            system = nulls[0][1] or None
        kept = [c for c, s in pairs if (c, s) in nulls or (c, s) in coded]
        return "|".join(kept) or None, system


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def extension_name(url: Any) -> str | None:
    """The lower-cased name of a US Core extension this reader knows, from any URL base."""
    if not isinstance(url, str):
        return None
    name = url.rstrip().rsplit("/", 1)[-1].split("|", 1)[0].lower()
    return name if name in EXTENSIONS else None


def _simple(ext: Mapping[str, Any], out: Coded) -> None:
    """value[x] of a simple extension: Coding, CodeableConcept, code, boolean or string."""
    for key, value in ext.items():
        if key == "valueCoding":
            out.add(value)
        elif key == "valueCodeableConcept":
            out.add_concept(value)
        elif key in ("valueCode", "valueBoolean", "valueString"):
            out.add_code(value)


@dataclass
class _RaceLike:
    category: Coded = field(default_factory=Coded)
    detailed: Coded = field(default_factory=Coded)
    texts: list[str] = field(default_factory=list)


def _flat_value(ext: Mapping[str, Any], acc: _RaceLike, texts: list[str]) -> None:
    """A legacy flat value[x]: its codes are read as the category, its text as the text."""
    for key, value in ext.items():
        if not key.startswith("value"):
            continue
        if key == "valueCodeableConcept":
            acc.category.add_concept(value)
            if isinstance(value, Mapping) and _text(value.get("text")):
                texts.append(value["text"])
        elif key == "valueCoding":
            acc.category.add(value)
        elif key == "valueString" and _text(value):
            texts.append(value)
        else:
            acc.category.add_code(value)


def _parts(parts: list[Any], acc: _RaceLike, texts: list[str]) -> bool:
    """ombCategory/detailed (valueCoding) and text (valueString); True if a part is unknown
    or of the wrong type (its codes are still read)."""
    bad = False
    for part in parts:
        url = part.get("url") if isinstance(part, Mapping) else None
        if url in ("ombCategory", "detailed"):
            target = acc.category if url == "ombCategory" else acc.detailed
            if isinstance(part.get("valueCoding"), Mapping):
                target.add(part["valueCoding"])
                continue
            target.add_concept(part.get("valueCodeableConcept"))
            target.add_code(part.get("valueCode"))
        elif url == "text" and _text(part.get("valueString")):
            texts.append(part["valueString"])
            continue
        bad = True
    return bad


def _race_like(ext: Mapping[str, Any], group: str, acc: _RaceLike,
               flags: dict[str, bool]) -> None:
    """One us-core-race/ethnicity extension into ``acc``, with its structural findings."""
    flags[f"{group}_repeated"] = flags.get(f"{group}_ext", False)
    flags[f"{group}_ext"] = True
    texts: list[str] = []
    flat = any(k.startswith("value") for k in ext)
    parts = ext.get("extension")
    if flat:
        flags[f"{group}_flat"] = True
        _flat_value(ext, acc, texts)
    bad = not flat and not isinstance(parts, list)  # neither sub-extensions nor a value
    bad |= _parts(_list(parts), acc, texts)
    if bad or len(texts) > 1:  # text is 1..1
        flags[f"{group}_bad_part"] = True
    if not texts:
        flags[f"{group}_no_text"] = True
    acc.texts += texts


def _tribe(ext: Mapping[str, Any], out: Coded) -> None:
    for part in _list(ext.get("extension")):
        if isinstance(part, Mapping) and part.get("url") == "tribalAffiliation":
            out.add_concept(part.get("valueCodeableConcept"))
    _simple(ext, out)


def language(communications: Any, flags: dict[str, bool]) -> Coded:
    """The preferred language: communication entries with preferred = true, else the only
    entry; several entries and none (or several) preferred are recorded as findings."""
    entries = [c for c in _list(communications) if isinstance(c, Mapping)]
    out = Coded()
    if not entries:
        return out
    flags["lang_any"] = True
    preferred = [c for c in entries if c.get("preferred") is True]
    if len(preferred) == 1:
        flags["lang_preferred"] = True
    elif preferred:
        flags["lang_several_preferred"] = True
    elif len(entries) == 1:
        flags["lang_only"] = True
        preferred = entries
    else:
        flags["lang_none_preferred"] = True
    for entry in preferred:
        concept = entry.get("language")
        before = len(out.codes)
        out.add_concept(concept)
        if len(out.codes) == before and isinstance(concept, Mapping):
            out.add_code(_text(concept.get("text")))  # uncoded: kept, so LANG rules see it
    return out


def system_not_uri(resource: Any) -> bool:
    """True when some Coding in the resource has a system that is not an absolute URI."""
    stack = [resource]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, Mapping):
            continue
        for key, value in node.items():
            codings = value if key == "coding" else [value] if key == "valueCoding" else ()
            for coding in codings if isinstance(codings, list) else ():
                system = coding.get("system") if isinstance(coding, Mapping) else None
                if isinstance(system, str) and not ABSOLUTE_URI.fullmatch(system.strip()):
                    return True
            if key != "text" and isinstance(value, dict | list):
                stack.append(value)
    return False


def _set(row: dict[str, str | None], name: str, coded: Coded) -> None:
    row[name], row[f"{name}_system"] = coded.resolve(FIELDS[name].system if name in FIELDS
                                                     else None)


Row = dict[str, "str | None"]


def patient(resource: Mapping[str, Any]) -> tuple[Row, dict[str, bool]]:
    """One canonical row and the findings of a Patient resource."""
    flags: dict[str, bool] = {}
    pid = resource.get("id")
    pid = pid if isinstance(pid, str) and pid.strip() else None
    flags["id_missing"] = pid is None
    flags["id_invalid"] = pid is not None and not FHIR_ID.fullmatch(pid)
    birth = resource.get("birthDate")
    row: Row = {"patient_id": pid, "birth_date": birth if isinstance(birth, str) else None,
                "sex_admin": _text(resource.get("gender"))}
    coded: dict[str, Coded] = {}
    groups = {g: _RaceLike() for g in RACE_LIKE}
    for ext in _list(resource.get("extension")):
        name = extension_name(ext.get("url")) if isinstance(ext, Mapping) else None
        if name is None:
            continue
        spelled, target = EXTENSIONS[name]
        flags["ext_read"] = True
        if ext["url"] != US_CORE + spelled:
            flags[f"url_{target if target in RACE_LIKE else 'other'}"] = True
        if target in RACE_LIKE:
            _race_like(ext, target, groups[target], flags)
        elif target == "tribal_affiliation":
            _tribe(ext, coded.setdefault(target, Coded()))
        else:
            _simple(ext, coded.setdefault(target, Coded()))
    for group, (cat, det, txt) in RACE_LIKE.items():
        acc = groups[group]
        _set(row, cat, acc.category)
        if acc.detailed.codes:
            _set(row, det, acc.detailed)
        row[txt] = "|".join(acc.texts) or None
    for name, values in coded.items():
        if values.codes:
            _set(row, name, values)
    _set(row, "lang_spoken_pref", language(resource.get("communication"), flags))
    _birth_time(resource, row["birth_date"], flags)
    flags["system_not_uri"] = system_not_uri(resource)
    return row, flags


def _birth_time(resource: Mapping[str, Any], birth: str | None, flags: dict[str, bool]) -> None:
    meta = resource.get("_birthDate")
    for ext in _list(meta.get("extension")) if isinstance(meta, Mapping) else ():
        if isinstance(ext, Mapping) and ext.get("url") == BIRTH_TIME:
            stamp = ext.get("valueDateTime")
            if isinstance(stamp, str) and birth:
                flags["birth_time"] = True
                if stamp[: len(birth)] != birth:
                    flags["birth_time_mismatch"] = True


def _relationship(concepts: Any) -> Coded:
    out = Coded()
    for concept in _list(concepts):
        out.add_concept(concept)
    return out


def related_person(resource: Mapping[str, Any]) -> tuple[Row, dict[str, bool]]:
    """A caregiver row of a RelatedPerson; the patient link is resolved by the caller."""
    flags: dict[str, bool] = {"related_person": True}
    rid = resource.get("id")
    # the literal reference: FHIR ids are unique per resource type only (Patient/f001 and
    # RelatedPerson/f001 are different people)
    row: Row = {"caregiver_id": f"RelatedPerson/{rid.strip()}" if isinstance(rid, str)
                and rid.strip() else None}
    _set(row, "caregiver_relationship", _relationship(resource.get("relationship")))
    _set(row, "caregiver_lang_spoken_pref", language(resource.get("communication"), flags))
    interpreter = Coded()
    for ext in _list(resource.get("extension")):
        if isinstance(ext, Mapping) and extension_name(ext.get("url")) == (
                "us-core-interpreter-needed"):
            _simple(ext, interpreter)
    if interpreter.codes:
        _set(row, "caregiver_interpreter_needed", interpreter)
    birth = resource.get("birthDate")
    row["caregiver_birth_date"] = birth if isinstance(birth, str) else None
    flags["system_not_uri"] = system_not_uri(resource)
    return row, flags


def contacts(resource: Mapping[str, Any]) -> tuple[list[tuple[Row, dict[str, bool]]], int]:
    """Caregiver rows of Patient.contact (persons only), and how many contacts were skipped
    because every relationship coding names an organisation (v2-0131 E, F, I, S)."""
    rows: list[tuple[Row, dict[str, bool]]] = []
    skipped = 0
    for contact in _list(resource.get("contact")):
        if not isinstance(contact, Mapping):
            continue
        rel = _relationship(contact.get("relationship"))
        if rel.codes and all((s == V2_0131 or canonical_system(s) == "hl7v2-0131")
                             and c in ORGANISATION_CONTACTS
                             for c, s in zip(rel.codes, rel.systems, strict=True)):
            skipped += 1
            continue
        cid = contact.get("id")
        row: Row = {"caregiver_id": cid if isinstance(cid, str) and cid.strip() else None}
        _set(row, "caregiver_relationship", rel)
        row["caregiver_lang_spoken_pref"] = row["caregiver_lang_spoken_pref_system"] = None
        flags = {"contact": True, "system_not_uri": system_not_uri(contact)}
        rows.append((row, flags))
    return rows, skipped


def columns_with_values(rows: Iterable[Row]) -> set[str]:
    """Columns that hold a value in at least one row."""
    out: set[str] = set()
    for row in rows:
        out.update(k for k, v in row.items() if v is not None)
    return out
