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


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


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
        counts = [int(by_stratum[s]["sections"][name][i]["count"]) for s in strata]
        if row["kind"] == "absent" and not any(counts):
            continue
        lines.append(f"| {_cell(_label(row))} | " + " | ".join(f"{n:,}" for n in counts) + " |")
    return [*lines, ""]


def render_tabulation(tabulation: Mapping[str, Any]) -> list[str]:
    """The Markdown lines of the section (none when there is nothing to tabulate)."""
    tables = list(tabulation.get("tables") or [])
    if not tables:
        return []
    rollup = "; ".join(f"{k} → `{v}`" for k, v in (tabulation.get("rollup_2024") or {}).items())
    lines = ["## Race and ethnicity under both standards", "", _INTRO.format(rollup=rollup), ""]
    for standard, title in _STANDARDS:
        by_stratum = {t["stratum"]: t for t in tables if t["standard"] == standard}
        if None not in by_stratum:
            continue
        whole = by_stratum[None]
        src = whole["sources"]
        fields = ", ".join(f"`{f}`" for f in tabulation.get("fields", {}).get(standard, []))
        read = (f"{src['native']:,} read from {fields}" if fields else
                "no field of this standard in the input")
        lines += [f"{title}: {whole['rows']:,} records — {read}, {src['bridged']:,} bridged "
                  f"from the other standard, {src['no_answer']:,} with no answer.", ""]
        for name in whole["sections"]:
            lines += _section(name, title, by_stratum)
    return lines
