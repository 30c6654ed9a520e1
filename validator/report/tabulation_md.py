"""Markdown section of report.md: the same race/ethnicity data under OMB 1997 and SPD-15 2024
categories (``Report.tabulation``, built by :mod:`validator.tabulate`). Counts only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_STANDARDS = (("omb1997", "OMB 1997"), ("spd15_2024", "SPD-15 2024"))
_SECTIONS = {
    "race": "race: single races, more than one race, absent",
    "ethnicity": "ethnicity",
    "combinations": "combination total",
    "alone": "minimum categories alone, Multiracial and/or Multiethnic, absent",
    "alone_or_in_combination": "alone or in combination (sums exceed the records)",
}
_INTRO = (
    "The same records counted under the 1997 categories (CDCREC roll-up: Middle Eastern, "
    "North African, Arab and Afghanistani codes are White) and under the 2024 minimum "
    "categories (MENA separate; {rollup}). A record with only the other standard's fields is "
    "bridged to this one. Absent values keep one row per absent reason (rows with no record "
    "are not shown); 'Informative, no category under this standard' counts answers "
    "without a category under that standard. Counts are for the data steward and are not "
    "suppressed: do not publish them as they are (R-134)."
)


_NOT_SUPPRESSED = ("Counts are for the data steward and are not suppressed: do not publish "
                   "them as they are (R-134).")
_SUPPRESSED = ("Share-safe: counts of 1 to {top}, and counts that would reveal them, are "
               "suppressed (–) (R-134).")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _n(value: Any) -> str:
    """A count with thousands separators; "–" for a count share-safe mode suppressed."""
    return "–" if value is None else f"{int(value):,}"


def _label(row: Mapping[str, Any]) -> str:
    if row["kind"] == "category":
        return f"{row['label']} (`{row['key']}`)"
    if row["kind"] == "absent":
        return f"absent: {row['label']}"
    return str(row["label"])


def _section(name: str, title: str, by_stratum: Mapping[str | None, Mapping[str, Any]]
             ) -> list[str]:
    strata = list(by_stratum)
    head = ["category", "whole input", *(_cell(str(s)) for s in strata if s is not None)]
    lines = [f"### {title} — {_SECTIONS.get(name, name)}", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    whole_rows = by_stratum[None]["sections"][name]
    for i, row in enumerate(whole_rows):
        counts = [by_stratum[s]["sections"][name][i]["count"] for s in strata]
        if row["kind"] == "absent" and not any(n is None or n for n in counts):
            continue
        lines.append(f"| {_cell(_label(row))} | " + " | ".join(_n(n) for n in counts) + " |")
    return [*lines, ""]


def render_tabulation(tabulation: Mapping[str, Any]) -> list[str]:
    """The Markdown lines of the section (none when there is nothing to tabulate)."""
    tables = list(tabulation.get("tables") or [])
    if not tables:
        return []
    rollup = "; ".join(f"{k} → `{v}`" for k, v in (tabulation.get("rollup_2024") or {}).items())
    intro = _INTRO.format(rollup=rollup)
    safe = tabulation.get("share_safe")
    if safe:  # validator/share_safe.py
        intro = intro.replace(_NOT_SUPPRESSED, _SUPPRESSED.format(top=int(safe["min_cell"]) - 1))
    lines = ["## Race and ethnicity under both standards", "", intro, ""]
    for standard, title in _STANDARDS:
        by_stratum = {t["stratum"]: t for t in tables if t["standard"] == standard}
        if None not in by_stratum:
            continue
        whole = by_stratum[None]
        src = whole["sources"]
        fields = ", ".join(f"`{f}`" for f in tabulation.get("fields", {}).get(standard, []))
        read = (f"{_n(src['native'])} read from {fields}" if fields else
                "no field of this standard in the input")
        lines += [f"{title}: {_n(whole['rows'])} records — {read}, {_n(src['bridged'])} bridged "
                  f"from the other standard, {_n(src['no_answer'])} with no answer.", ""]
        for name in whole["sections"]:
            lines += _section(name, title, by_stratum)
    return lines
