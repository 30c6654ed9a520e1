"""The check catalogue (``expectations/checks.csv``): every rule of DOMAIN.md §3 as data."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from validator._resources import expectations_dir
from validator.errors import ConfigError
from validator.results import Measure, Severity

CATALOGUE_FILE = "checks.csv"


@dataclass(frozen=True)
class CheckDef:
    """One catalogue row."""

    rule: str
    check_id: str
    title: str
    category: str
    severity: Severity
    measure: Measure
    numerator: str
    denominator: str
    threshold: float | None
    warn_threshold: float | None
    threshold_tag: str
    params: Mapping[str, float]
    fields: tuple[str, ...]
    profiles: str
    pediatric: bool
    implemented: bool
    description: str
    stratification_impact: str
    fix: str
    source: str

    def applies_to_standard(self, standard: str) -> bool:
        """True unless the rule is specific to another race/ethnicity standard."""
        return self.profiles in ("any", "fhir") or self.profiles == standard


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def _params(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, _, value = part.partition("=")
        out[key.strip()] = float(value)
    return out


def _row(r: Mapping[str, str]) -> CheckDef:
    return CheckDef(
        rule=r["rule"],
        check_id=r["check_id"],
        title=r["title"],
        category=r["category"],
        severity=Severity(r["severity"]),
        measure=Measure(r["measure"]),
        numerator=r["numerator"],
        denominator=r["denominator"],
        threshold=_num(r["threshold"]),
        warn_threshold=_num(r["warn_threshold"]),
        threshold_tag=r["threshold_tag"],
        params=_params(r["params"]),
        fields=tuple(f for f in r["fields"].split(";") if f and f != "*"),
        profiles=r["profiles"],
        pediatric=r["pediatric"] == "yes",
        implemented=r["implemented"] == "yes",
        description=r["description"],
        stratification_impact=r["stratification_impact"],
        fix=r["fix"],
        source=r["source"],
    )


@lru_cache(maxsize=1)
def load() -> dict[str, CheckDef]:
    """All catalogue rows keyed by check id, in rule order."""
    text = expectations_dir().joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    rows = [_row(r) for r in csv.DictReader(io.StringIO(text))]
    return {r.check_id: r for r in sorted(rows, key=lambda r: r.rule)}


def get(check_id: str) -> CheckDef:
    """The catalogue row for a check id or a rule number (``R-011``)."""
    checks = load()
    key = check_id.strip()
    if key.upper() in checks:
        return checks[key.upper()]
    for c in checks.values():
        if c.rule.upper() == key.upper():
            return c
    raise KeyError(check_id)


def resolve_ids(ids: object, *, where: str) -> list[str]:
    """Validate a list of check ids (or rule numbers) from configuration; return check ids."""
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ConfigError(f"{where}: expected a list of check ids, e.g. [RACE.OTHER_RATE]")
    out = []
    for i in ids:
        try:
            out.append(get(i).check_id)
        except KeyError:
            raise ConfigError(
                f"{where}: unknown check id {i!r}",
                hint="run `real-validator checks` for the list of check ids",
            ) from None
    return out


#: Suites group checks by id prefix; a checkpoint or ``--suite`` may select some of them.
SUITES: dict[str, tuple[str, ...]] = {
    "preflight": ("DATASET.", "PATIENT.", "NULL."),
    "race": ("RACE.",),
    "ethnicity": ("ETH.",),
    "combined_2024": ("RE24.",),
    "language": ("LANG.",),
    "caregivers": ("CG.",),
    "age": ("AGE.",),
    "pediatric": ("RESP.", "TIME.", "PED."),
    "sogi": ("SOGI.", "SEX.", "DIS."),
    "sites": ("SITE.",),
    "readiness": ("STRAT.",),
    "sdoh": ("SDOH.", "GEO.", "PAYER."),
    "fhir": ("FHIR.",),
}


def suite_of(check_id: str) -> str:
    """The suite a check belongs to."""
    for name, prefixes in SUITES.items():
        if check_id.startswith(prefixes):
            return name
    raise KeyError(check_id)


def select_suites(names: object, *, where: str) -> dict[str, CheckDef]:
    """Catalogue rows of the named suites; ConfigError naming an unknown suite."""
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{where}: expected a list of suite names")
    for n in names:
        if n not in SUITES:
            raise ConfigError(f"{where}: unknown suite {n!r}",
                              hint=f"suites: {', '.join(SUITES)}")
    return {cid: c for cid, c in load().items() if suite_of(cid) in names}
