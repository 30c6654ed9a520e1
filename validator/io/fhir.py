"""FHIR R4 JSON input: a Bundle (nested Bundles too), a single resource, or NDJSON (one
resource per line, e.g. a bulk-data export), detected by content.

Patient resources become the rows of the main table with canonical columns; RelatedPerson
resources and Patient.contact become a long caregiver table linked to their patient. Structural
problems (extension URLs and structure, ids, code systems, links) are kept apart from the
canonical frame as per-row :class:`Findings`, which the FHIR rules
(``validator/engine/rules/fhir.py``) count. What is read from which element: docs/fhir.md.

Bad input raises :class:`~validator.errors.InputError` (exit 2) naming the file and the line
(NDJSON) or line and column (JSON) — never a value from the file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from validator.errors import ConfigError, InputError
from validator.fields import FIELDS
from validator.io import fhir_flatten as flat
from validator.io import sniff
from validator.profile import CaregiverSpec, FieldSpec, Profile

FORMAT = "fhir"
SUFFIXES = (".json", ".ndjson", ".jsonl")
#: Column of the caregiver table holding the id of the linked Patient (echoed in reports).
CAREGIVER_KEY = "RelatedPerson.patient"
#: Patient fields always present (US Core Patient must-support elements); the others are read
#: when at least one resource carries the element.
PATIENT_ALWAYS = ("patient_id", "birth_date", "sex_admin", "race_omb", "race_text",
                  "ethnicity_code", "ethnicity_text", "lang_spoken_pref")
PATIENT_OPTIONAL = ("race_detailed", "ethnicity_detailed", "sex_at_birth", "sex",
                    "gender_identity", "tribal_affiliation", "interpreter_needed")
CAREGIVER_ALWAYS = ("caregiver_id", "caregiver_relationship", "caregiver_lang_spoken_pref")
CAREGIVER_OPTIONAL = ("caregiver_interpreter_needed", "caregiver_birth_date")
_PATIENT_REF = re.compile(r"(?:^|/)Patient/([^/]+)(?:/_history/[^/]*)?$")
_HEAD_SNIFF = 1 << 16
_ABSENT = object()  # RelatedPerson without a patient element


@dataclass(frozen=True)
class Findings:
    """Named per-row structural findings of one table (patients or caregivers)."""

    n_rows: int
    flags: Mapping[str, np.ndarray] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        """Per-row booleans of one finding (all False when no row has it)."""
        found = self.flags.get(name)
        return found if found is not None else np.zeros(self.n_rows, dtype=bool)


@dataclass(frozen=True)
class FhirInput:
    """What :func:`read` made of a FHIR file."""

    patients: pa.Table  # canonical columns and <field>_system columns, all large_string
    fields: tuple[str, ...]  # canonical patient fields present
    caregivers: pd.DataFrame | None  # long caregiver table with CAREGIVER_KEY, or None
    caregiver_fields: tuple[str, ...]
    patient_findings: Findings
    caregiver_findings: Findings
    meta: Mapping[str, Any]  # format, sha256, encoding, size_bytes, fhir (resource counts)


def detect(path: Path, fmt: str | None) -> bool:
    """True when ``path`` should be read as FHIR: ``fmt == "fhir"``; else (no format given) a
    .json/.ndjson/.jsonl file, or a file whose text starts with a JSON object naming a
    resourceType. Never raises: unreadable paths are left to the table reader's messages."""
    if fmt is not None:
        return fmt.strip().lower() == FORMAT
    try:
        if not path.is_file():
            return False
        if path.suffix.lower() in SUFFIXES:
            return True
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_SNIFF)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"{") and b'"resourceType"' in head


# --------------------------------------------------------------------------- parsing


def _json_error(shown: str, exc: json.JSONDecodeError, line: int | None = None) -> InputError:
    where = (f"line {line} is not valid JSON ({exc.msg}, column {exc.colno})" if line
             else f"not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})")
    return InputError(f"{shown}: {where}",
                      hint="FHIR input must be a JSON Bundle or resource, or NDJSON with one "
                      "complete resource per line")


def _resources(obj: Any, shown: str, where: str, bundles: Counter[str]
               ) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """(resource, fullUrl) of a resource or of every entry of a Bundle (nested too)."""
    if not isinstance(obj, Mapping) or not isinstance(obj.get("resourceType"), str):
        raise InputError(f"{shown}: {where} is not a FHIR resource (no resourceType)",
                         hint="expected a Bundle, a single resource or NDJSON resources")
    if obj["resourceType"] != "Bundle":
        yield obj, None
        return
    bundles["bundles"] += 1
    for entry in obj.get("entry") or []:
        res = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(res, Mapping) or not isinstance(res.get("resourceType"), str):
            continue  # an entry without a resource (e.g. a deletion in a history bundle)
        url = entry.get("fullUrl")
        if res["resourceType"] == "Bundle":
            yield from _resources(res, shown, where, bundles)
        else:
            yield res, url if isinstance(url, str) else None


def _documents(path: Path, shown: str, head: bytes, counts: Counter[str]
               ) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """Every resource in the file, streaming NDJSON line by line."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"{"):
        raise InputError(f"{shown}: does not contain FHIR JSON (a Bundle, a resource or NDJSON)",
                         hint="FHIR input starts with a JSON object with a resourceType")
    first = text.split(b"\n", 1)[0].strip()
    try:
        ndjson = isinstance(json.loads(first), dict)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        ndjson = False
    try:
        with open(path, encoding="utf-8-sig") as fh:
            if not ndjson:
                try:
                    doc = json.load(fh)
                except json.JSONDecodeError as exc:
                    raise _json_error(shown, exc) from None
                yield from _resources(doc, shown, "the JSON document", counts)
                return
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                counts["lines"] += 1
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _json_error(shown, exc, n) from None
                yield from _resources(doc, shown, f"line {n}", counts)
    except RecursionError:
        raise InputError(f"{shown}: JSON nested too deeply to read") from None
    except OSError as exc:
        raise sniff.os_error(exc, shown) from None


# --------------------------------------------------------------------------- assembling


def _resolve(ref: Any, by_url: Mapping[str, str | None], ids: set[str]) -> tuple[str | None, str]:
    """(patient id, state) of RelatedPerson.patient: state ok, link_missing, link_unresolved."""
    if not isinstance(ref, Mapping):
        return None, "link_missing"
    literal = ref.get("reference")
    if not isinstance(literal, str) or not literal.strip():
        return None, "link_unresolved"  # identifier-only (logical) reference
    literal = literal.strip()
    if literal in by_url:
        pid = by_url[literal]
        return pid, "ok" if pid is not None else "link_unresolved"
    m = _PATIENT_REF.search(literal)
    if m and m[1] in ids:
        return m[1], "ok"
    return None, "link_unresolved"


def _table(rows: Sequence[Mapping[str, str | None]], columns: Sequence[str]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in rows], type=pa.large_string())
                     for c in columns})


def _flags(rows: Sequence[Mapping[str, bool]], names: Sequence[str]) -> Findings:
    return Findings(len(rows), {n: np.fromiter((bool(r.get(n)) for r in rows), bool, len(rows))
                                for n in names})


def _columns(rows: Sequence[Mapping[str, str | None]], always: Sequence[str],
             optional: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """Canonical fields present (always + optional ones with a value) and frame columns."""
    filled = flat.columns_with_values(rows)
    fields = tuple(f for f in (*always, *(o for o in optional if o in filled)) if f in FIELDS)
    present = {k for r in rows for k in r}
    columns = [c for f in fields for c in (f, f"{f}_system") if c in present or c == f]
    return fields, columns


def read(path: Path) -> FhirInput:
    """Read a FHIR JSON/NDJSON file into a patient table, a caregiver table and findings."""
    shown = str(path)
    sniff.check_path(path, shown)
    scan = sniff.scan_file(path, shown)
    if scan.size == 0:
        raise InputError(f"{shown}: file is empty (0 bytes)",
                         hint="export the FHIR resources again")
    if not scan.utf8_ok:
        raise InputError(f"{shown}: is not UTF-8 text (bad byte near offset "
                         f"{scan.bad_utf8_offset}); FHIR JSON must be UTF-8",
                         hint="export the resources again as UTF-8 JSON")
    counts: Counter[str] = Counter()
    patients: list[tuple[flat.Row, dict[str, bool]]] = []
    caregivers: list[tuple[flat.Row, dict[str, bool], str | None, Any]] = []
    by_url: dict[str, str | None] = {}
    for res, url in _documents(path, shown, scan.head, counts):
        kind = res["resourceType"]
        if kind == "Patient":
            row, flags = flat.patient(res)
            patients.append((row, flags))
            if url:
                by_url[url] = row["patient_id"]
            links, skipped = flat.contacts(res)
            counts["contacts_skipped_organisation"] += skipped
            caregivers += [(r, f, row["patient_id"], None) for r, f in links]
        elif kind == "RelatedPerson":
            row, flags = flat.related_person(res)
            caregivers.append((row, flags, None, res.get("patient", _ABSENT)))
        else:
            counts["other_resources"] += 1
    if not patients:
        raise InputError(
            f"{shown}: contains no Patient resource ({counts['other_resources']} other "
            "resources)",
            hint="FHIR input is read from Patient resources (RelatedPerson and Patient.contact "
            "as caregivers); put the Patient resources in the same Bundle or NDJSON file")
    ids = {r["patient_id"] for r, _ in patients if r["patient_id"]}
    cg_rows: list[flat.Row] = []
    cg_flags: list[dict[str, bool]] = []
    for row, flags, key, ref in caregivers:
        if flags.get("related_person"):
            key, state = (None, "link_missing") if ref is _ABSENT else _resolve(ref, by_url, ids)
            flags[state] = state != "ok"
        cg_rows.append({**row, CAREGIVER_KEY: key})
        cg_flags.append(flags)
    p_rows = [r for r, _ in patients]
    fields, columns = _columns(p_rows, PATIENT_ALWAYS, PATIENT_OPTIONAL)
    cg_fields, cg_columns = _columns(cg_rows, CAREGIVER_ALWAYS, CAREGIVER_OPTIONAL)
    cg_frame = None
    if cg_rows:
        cg_frame = _table(cg_rows, [CAREGIVER_KEY, *cg_columns]).to_pandas(
            types_mapper=pd.ArrowDtype)
    n_related = sum(1 for f in cg_flags if f.get("related_person"))
    stats = {
        "layout": "ndjson" if counts["lines"] > 1 else "json",
        "bundles": counts["bundles"],
        "patients": len(patients),
        "related_persons": n_related,
        "contacts": len(cg_rows) - n_related,
        "contacts_skipped_organisation": counts["contacts_skipped_organisation"],
        "other_resources": counts["other_resources"],
    }
    return FhirInput(
        patients=_table(p_rows, columns), fields=fields, caregivers=cg_frame,
        caregiver_fields=cg_fields if cg_rows else (),
        patient_findings=_flags([f for _, f in patients], flat.PATIENT_FLAGS),
        caregiver_findings=_flags(cg_flags, flat.CAREGIVER_FLAGS),
        meta={"format": FORMAT, "sha256": scan.sha256, "encoding": "utf-8",
              "size_bytes": scan.size, "fhir": stats},
    )


# --------------------------------------------------------------------------- profile


def _spec(name: str, columns: Sequence[str]) -> FieldSpec:
    system_column = f"{name}_system"
    return FieldSpec(name, name, FIELDS[name].system,
                     system_column=system_column if system_column in columns else None)


def profile_for(base: Profile | None, fin: FhirInput, path: Path) -> Profile:
    """The run's profile: the FHIR fields (canonical, fixed by the reader) with everything
    else (standard, thresholds, params, ages, not_collected, ...) from ``base``. A profile
    mapping fields or caregivers is refused: FHIR elements are not columns to map."""
    if base is not None and (base.fields or base.caregivers is not None):
        key = "fields" if base.fields else "caregivers"
        raise ConfigError(
            f"{base.path or 'profile'}: {key} cannot be mapped for FHIR input",
            hint="FHIR input is flattened to canonical fields (docs/fhir.md); keep standard, "
            "thresholds, params, ages, not_collected, ... and remove fields: and caregivers:")
    dropped = set(base.not_collected) if base is not None else set()
    columns = fin.patients.column_names
    fields = {n: _spec(n, columns) for n in fin.fields if n not in dropped}
    cg_columns = [] if fin.caregivers is None else list(fin.caregivers.columns)
    cg_fields = {n: _spec(n, cg_columns) for n in fin.caregiver_fields if n not in dropped}
    cg = CaregiverSpec(source=path, patient_key=CAREGIVER_KEY, fields=cg_fields) if (
        cg_fields and fin.caregivers is not None) else None
    row_key = "patient_id" if "patient_id" in fields else None
    if base is None:
        return Profile(name="inferred", fields=fields, caregivers=cg, row_key=row_key,
                       inferred=True)
    return replace(base, fields=fields, caregivers=cg, row_key=row_key)


def attach(data: Any, fin: FhirInput) -> None:
    """Hang the findings on the normalized patient data (and its caregiver table)."""
    data.fhir = fin.patient_findings
    if data.caregivers is not None:
        data.caregivers.data.fhir = fin.caregiver_findings
