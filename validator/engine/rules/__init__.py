"""Rules computed directly in pandas/numpy (aggregates and cross-field rules).

Each rule is registered under its check id and returns a :class:`RowMeasure` (row masks)
or a :class:`GroupMeasure` (aggregate per stratum), or raises :class:`NotApplicable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from validator.engine.measures import Rule


@dataclass(frozen=True)
class RuleSpec:
    """A registered pandas rule. ``single``: run once per dataset, not once per field."""

    check_id: str
    fn: Rule
    single: bool = False
    result_field: str | None = None
    table: str | None = None


REGISTRY: dict[str, RuleSpec] = {}


def rule(check_id: str, *, single: bool = False, result_field: str | None = None,
         table: str | None = None) -> Callable[[Rule], Rule]:
    """Register a rule function for ``check_id``.

    ``table="patient"`` runs a rule on caregiver fields in the patient context (the rule
    aggregates caregivers per patient itself); by default a rule runs in the table that holds
    its field.
    """

    def register(fn: Rule) -> Rule:
        REGISTRY[check_id] = RuleSpec(check_id, fn, single, result_field, table)
        return fn

    return register


def load_all() -> dict[str, RuleSpec]:
    """Import every rule module (registration happens at import) and return the registry."""
    from validator.engine.rules import (  # noqa: F401
        absent,
        age,
        caregiver,
        ethnicity,
        fhir,
        history,
        language,
        preflight,
        race,
        respondent,
        sdoh,
        site,
        sogi,
        spd15,
        strat,
    )

    return REGISTRY
