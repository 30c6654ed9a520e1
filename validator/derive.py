"""Fields derived from others when the source lacks them: a birth date estimated from an age.

Survey files such as NHANES publish the age in completed years at the interview instead of a
birth date. Every age-gated rule needs an age, so when ``age_years`` is mapped and
``birth_date`` is not, the birth date is set to the extract date minus that many years: the age
at the extract date is then exactly the published age. Reports say the birth date is derived.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from validator import tokens
from validator.fields import Kind
from validator.normalize import Normalized, NormalizedField, Unique

AGE_FIELD = "age_years"
#: The ``system`` a derived birth date carries: rules that need days of life (neonates,
#: newborns) are NOT_APPLICABLE on it, since an age in years says nothing about days.
DERIVED_FROM_AGE = "derived-from-age_years"


DAYS_UNKNOWN = ("the birth date is derived from an age in years (age_years): days of life "
                "are unknown")


def days_unknown(birth: NormalizedField) -> bool:
    """True when ``birth`` was derived from an age in years (days of life are unknown)."""
    return birth.spec.system == DERIVED_FROM_AGE


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def _birth(u: Unique, as_of: dt.date) -> Unique:
    if u.state != tokens.INFORMATIVE:
        return Unique(state=u.state, absent=u.absent, mapped=u.mapped)
    text = u.informative[0]
    try:
        years = float(text)
    except ValueError:
        return Unique(state="unparseable", date_problem="unparseable")
    if years != int(years) or not 0 <= years <= 150:
        return Unique(state="unparseable", date_problem="unparseable")
    return Unique(state=tokens.INFORMATIVE, date=_years_before(as_of, int(years)))


def birth_date_from_age(data: Normalized, as_of: dt.date) -> bool:
    """Add a derived ``birth_date`` when only ``age_years`` is mapped; True if it did."""
    age = data.get(AGE_FIELD)
    if age is None or data.get("birth_date") is not None:
        return False
    spec = replace(age.spec, field="birth_date", system=DERIVED_FROM_AGE)
    data.fields["birth_date"] = NormalizedField(
        spec=spec, kind=Kind.DATE, raw=age.raw, codes=age.codes,
        uniques=[_birth(u, as_of) for u in age.uniques], weights=age.weights)
    return True
