"""Caregivers: 0..n per patient, from a long caregiver table or from caregiver column slots of
the main file, normalized like any field and linked to the patient rows.

Linking is by patient: caregiver rows get the code of their patient (a factorization of the
main file's patient_id, or the row itself when slots are used without a patient_id); every row
of that patient (several under grain: encounter) sees the same caregivers. Caregiver rows whose
patient key matches no patient are counted as orphans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from validator import io
from validator.normalize import STRING, Normalized, normalize
from validator.profile import CaregiverSpec, FieldSpec, Profile

SLOT = "__slot"


@dataclass
class CaregiverTable:
    """Normalized caregiver rows and their link to patients."""

    data: Normalized
    patient_code: np.ndarray  # per caregiver row; -1 = no matching patient
    row_patient_code: np.ndarray  # per main-file row
    n_patients: int
    layout: str  # "table" or "slots"
    orphans: int

    @property
    def n_rows(self) -> int:
        """Caregiver rows."""
        return len(self.patient_code)

    def per_patient(self, mask: np.ndarray) -> np.ndarray:
        """Number of caregiver rows satisfying ``mask``, per patient code."""
        linked = self.patient_code >= 0
        return np.bincount(self.patient_code[linked & mask], minlength=self.n_patients)

    def to_rows(self, per_patient: np.ndarray) -> np.ndarray:
        """A per-patient array broadcast to the main file's rows."""
        return per_patient[self.row_patient_code]

    def count_per_row(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Caregivers (satisfying ``mask``) of each main-file row's patient."""
        m = np.ones(self.n_rows, dtype=bool) if mask is None else mask
        return self.to_rows(self.per_patient(m))


def _patients(frame: pd.DataFrame, n_rows: int) -> tuple[np.ndarray, pd.Index | None]:
    if "patient_id" not in frame.columns:
        return np.arange(n_rows), None
    codes, uniques = pd.factorize(frame["patient_id"])
    codes = codes.astype(np.int64)
    blank = codes < 0
    # A row without a patient id is a patient of its own: it must not share the code -1, which
    # would index the last patient's caregivers.
    codes[blank] = len(uniques) + np.arange(int(blank.sum()))
    return codes, pd.Index(uniques)


def _slots(raw: pd.DataFrame, spec: CaregiverSpec) -> tuple[pd.DataFrame, dict[str, FieldSpec]]:
    """Stack the slot columns of the main file into one caregiver row per filled slot."""
    names = spec.field_names()
    coded = [n for n in names if any(s[n].system_column for s in spec.slots if n in s)]
    parts = []
    for i, slot in enumerate(spec.slots):
        part = pd.DataFrame(index=raw.index)
        for name in names:
            part[name] = raw[slot[name].column] if name in slot else pd.Series(
                pd.NA, index=raw.index, dtype=STRING)
        for name in coded:  # per-row system columns (caregiver1_relationship_system)
            sys_col = slot[name].system_column if name in slot else None
            part[f"{name}__system"] = raw[sys_col] if sys_col else pd.Series(
                pd.NA, index=raw.index, dtype=STRING)
        filled = np.zeros(len(raw), dtype=bool)
        for name in slot:
            values = part[name]
            filled |= (values.notna() & (values.str.strip() != "")).to_numpy(dtype=bool)
        part[SLOT] = i
        part["__row"] = np.arange(len(raw))
        parts.append(part[filled])
    stacked = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=names)
    specs: dict[str, FieldSpec] = {}
    for slot in spec.slots:
        for name, fspec in slot.items():
            specs.setdefault(name, replace(fspec, column=name, system_column=(
                f"{name}__system" if name in coded else None)))
    return stacked, specs


def _table(spec: CaregiverSpec) -> pd.DataFrame:
    assert spec.source is not None and spec.patient_key is not None
    info = io.inspect_source(spec.source, fmt=spec.input.format, encoding=spec.input.encoding,
                             delimiter=spec.input.delimiter)
    columns = [spec.patient_key] + [c for f in spec.fields.values()
                                    for c in (f.column, f.system_column)
                                    if c and c != spec.patient_key]
    table: pa.Table = io.read_columns(info, list(dict.fromkeys(columns)))
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def load(prof: Profile, raw: pd.DataFrame, main: Normalized,
         table: pd.DataFrame | None = None) -> CaregiverTable | None:
    """The caregiver table of a run, or None when the profile maps no caregivers. ``table``:
    an already-read long caregiver table (e.g. FHIR RelatedPerson resources) used instead of
    reading ``spec.source``; it holds ``spec.patient_key`` and the mapped columns."""
    spec = prof.caregivers
    if spec is None:
        return None
    row_codes, patient_ids = _patients(main.frame, len(raw))
    n_patients = int(row_codes.max()) + 1 if len(row_codes) else 0
    if spec.source is None:
        frame, specs = _slots(raw, spec)
        cg_codes = row_codes[frame["__row"].to_numpy(dtype=np.int64)] if len(frame) else (
            np.zeros(0, dtype=np.int64))
        layout = "slots"
    else:
        frame = _table(spec) if table is None else table
        specs = dict(spec.fields)
        keys = frame[spec.patient_key].astype(STRING).str.strip()
        lookup = {} if patient_ids is None else {k: i for i, k in enumerate(patient_ids)}
        cg_codes = np.array([lookup.get(k, -1) if isinstance(k, str) else -1 for k in keys],
                            dtype=np.int64)
        layout = "table" if table is None else "fhir"
    data = normalize(frame, replace(prof, fields=specs, caregivers=None))
    return CaregiverTable(
        data=data, patient_code=cg_codes, row_patient_code=row_codes, n_patients=n_patients,
        layout=layout, orphans=int((cg_codes < 0).sum()),
    )


def describe(table: CaregiverTable | None) -> Mapping[str, object] | None:
    """What report.json says about the caregiver input (counts only)."""
    if table is None:
        return None
    with_any = int((table.count_per_row() > 0).sum())
    return {"layout": table.layout, "rows": table.n_rows, "orphan_rows": table.orphans,
            "main_rows_with_caregiver": with_any}
