"""The result model: typed, frozen records that every renderer and the gate read from.

Nothing in here holds a cell value from the input. Results carry counts, public codes from
public code systems (check ids, canonical tokens) and the validator's own wording.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

REPORT_SCHEMA_VERSION = "1.3"


class Status(str, Enum):
    """Outcome of one check, listed from most to least severe (the order used to roll up)."""

    ERROR = "ERROR"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    FAIL = "FAIL"
    WARN = "WARN"
    PASS_WITH_FINDINGS = "PASS_WITH_FINDINGS"
    PASS = "PASS"
    #: Share-safe reports only: the status would reveal a suppressed count (share_safe.py).
    SUPPRESSED = "SUPPRESSED"

    @property
    def rank(self) -> int:
        """0 for ERROR up to 5 for PASS: lower is worse."""
        return list(Status).index(self)


class Severity(str, Enum):
    """How much a check matters to the gate (GX's names)."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical, 2 for info: lower is more severe."""
        return list(Severity).index(self)


class Measure(str, Enum):
    """What a check's numerator counts.

    ``violations``: rows breaking the rule; the threshold is the largest violating percentage
    tolerated (0 = zero tolerance). ``rate``: rows meeting the rule (for example informative
    rows); the threshold is the smallest percentage accepted.
    """

    VIOLATIONS = "violations"
    RATE = "rate"


@dataclass(frozen=True)
class CheckResult:
    """One flat result row: one check on one field, for the whole input or one stratum."""

    check_id: str
    rule: str
    field: str | None
    stratum: str | None
    numerator: int | None
    denominator: int | None
    percent: float | None
    measure: Measure
    threshold: float | None
    warn_threshold: float | None
    severity: Severity
    status: Status
    reason: str
    category: str
    details: Mapping[str, int | float | str] = field(default_factory=dict)
    #: Share-safe reports: which of numerator, denominator, percent, status were suppressed.
    suppressed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, enums as their string values (``suppressed`` only when set)."""
        d = asdict(self)
        d["measure"] = self.measure.value
        d["severity"] = self.severity.value
        d["status"] = self.status.value
        d["details"] = dict(self.details)
        if self.suppressed:
            d["suppressed"] = list(self.suppressed)
        else:
            del d["suppressed"]
        return d


ABSENT_COUNT_KEYS = (
    "informative",
    "blank",
    "unknown",
    "declined",
    "not_asked",
    "asked_unknown",
    "unable",
    "other",
    "not_applicable",
)


@dataclass(frozen=True)
class FieldSummary:
    """Per-field absent-reason counts and what the normalizer mapped."""

    field: str
    present: bool
    source_column: str | None
    system: str | None
    rows: int
    counts: Mapping[str, int]
    mapped_tokens: tuple[Mapping[str, Any], ...] = ()
    reason: str = ""
    stratum: str | None = None
    crosswalks: tuple[Mapping[str, Any], ...] = ()
    unmapped: tuple[Mapping[str, Any], ...] = ()
    unmapped_other: Mapping[str, int] = field(default_factory=dict)
    #: Share-safe reports: the suppressed counts ("rows" and/or count keys), value None.
    suppressed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (``suppressed`` only when set)."""
        extra = {"suppressed": list(self.suppressed)} if self.suppressed else {}
        return {
            "field": self.field,
            "present": self.present,
            "source_column": self.source_column,
            "system": self.system,
            "rows": self.rows,
            "counts": dict(self.counts),
            "mapped_tokens": [dict(m) for m in self.mapped_tokens],
            "crosswalks": [dict(c) for c in self.crosswalks],
            "unmapped": [dict(u) for u in self.unmapped],
            "unmapped_other": dict(self.unmapped_other),
            "reason": self.reason,
            **extra,
        }


@dataclass(frozen=True)
class Gate:
    """The verdict: ours, computed from statuses and severities, never GX's ``success``."""

    passed: bool
    fail_on: Severity
    failing: tuple[str, ...]
    exit_code: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "passed": self.passed,
            "verdict": "PASSED" if self.passed else "FAILED",
            "fail_on": self.fail_on.value,
            "failing": list(self.failing),
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True)
class Report:
    """Everything a run produced. Renderers read only from this object."""

    tool_version: str
    run: Mapping[str, Any]
    dataset: Mapping[str, Any]
    profile: Mapping[str, Any]
    valuesets: tuple[Mapping[str, Any], ...]
    gate: Gate
    results: tuple[CheckResult, ...]
    fields: tuple[FieldSummary, ...]
    disabled: tuple[Mapping[str, str], ...] = ()
    tabulation: Mapping[str, Any] = field(default_factory=dict)
    schema_version: str = REPORT_SCHEMA_VERSION
    field_strata: tuple[FieldSummary, ...] = ()
    #: Stratification readiness per stratifier (validator/readiness.py, docs/readiness.md):
    #: plain-JSON mappings with stratifier, fields, verdict, reasons and criteria.
    readiness: tuple[Mapping[str, Any], ...] = ()

    @property
    def exit_code(self) -> int:
        """0 when the gate passed, 1 when it failed."""
        return self.gate.exit_code

    def result(
        self, check_id: str, field: str | None = None, stratum: str | None = None
    ) -> CheckResult:
        """The result of ``check_id`` (on ``field``, for ``stratum``; None = whole input)."""
        found = [
            r
            for r in self.results
            if r.check_id == check_id
            and (field is None or r.field == field)
            and r.stratum == stratum
        ]
        if not found:
            raise KeyError(f"no result for {check_id} field={field} stratum={stratum}")
        if len(found) > 1:
            fields = sorted({str(r.field) for r in found})
            raise KeyError(f"{check_id} ran on several fields ({', '.join(fields)}); pass field=")
        return found[0]

    def field_summary(self, name: str) -> FieldSummary:
        """The absent-reason summary of canonical field ``name``."""
        for f in self.fields:
            if f.field == name:
                return f
        raise KeyError(name)

    def _fields_by_stratum(self) -> dict[str, dict[str, dict[str, int]]]:
        out: dict[str, dict[str, dict[str, int]]] = {}
        for f in self.field_strata:
            out.setdefault(str(f.stratum), {})[f.field] = {"rows": f.rows, **f.counts}
        return out

    def to_dict(self) -> dict[str, Any]:
        """The report.json document (see docs/report-schema.md)."""
        by_status: dict[str, int] = {s.value: 0 for s in Status if s is not Status.SUPPRESSED}
        for r in self.results:
            if r.stratum is None:
                by_status[r.status.value] = by_status.get(r.status.value, 0) + 1
        return {
            "schema_version": self.schema_version,
            "tool": {"name": "real-validator", "version": self.tool_version},
            "run": dict(self.run),
            "dataset": dict(self.dataset),
            "profile": dict(self.profile),
            "valuesets": [dict(v) for v in self.valuesets],
            "gate": self.gate.to_dict(),
            "summary": {"checks_by_status": by_status},
            "fields": {f.field: f.to_dict() for f in self.fields},
            "fields_by_stratum": self._fields_by_stratum(),
            "results": [r.to_dict() for r in self.results],
            "disabled_checks": [dict(d) for d in self.disabled],
            "tabulation": dict(self.tabulation),
            "readiness": [copy.deepcopy(dict(r)) for r in self.readiness],
        }
