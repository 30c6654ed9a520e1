"""Age thresholds shared by pediatric rules. Every one is a configurable default: a profile's
``ages:`` section overrides them for all checks at once, and reports echo the values used."""

from __future__ import annotations

#: name -> (default, unit, source). Units: years unless the name ends in ``_days``.
AGES: dict[str, tuple[float, str]] = {
    "preverbal_age": (2, "R-060 [D]: below it the patient's own language is not meaningful"),
    "self_report_min_age": (11, "Goldhammer 2022 [D]: adolescents 11-17 answer alone"),
    "adult_age": (18, "age of majority"),
    "so_min_age": (10, "Goldhammer 2022: sexual orientation from ages 10-13"),
    "gi_min_age": (3, "Goldhammer 2022: gender identity from about age 3"),
    "adolescent_min_age": (11, "Goldhammer 2022"),
    "adolescent_max_age": (17, "Goldhammer 2022"),
    "gi_self_report_min_age": (14, "R-112 [D]"),
    "disability_min_age": (5, "ACS/HHS: cognition, ambulation, self-care from 5"),
    "independent_living_min_age": (15, "ACS/HHS: independent living from 15"),
    "neonate_max_days": (28, "R-116 [D]: neonatal period"),
    "newborn_max_days": (28, "R-107 [D]: newborn race copied from the mother"),
    "max_plausible_age": (125, "R-100 [D]"),
}


def effective(overrides: dict[str, float]) -> dict[str, float]:
    """Every age threshold with the profile's overrides applied."""
    return {name: float(overrides.get(name, default)) for name, (default, _) in AGES.items()}
