"""report.md: the data steward's report. Gate verdict first, then deficiencies ranked by
severity and affected rows, each with what it means for stratification and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable

from validator import catalog
from validator.judge import format_percent
from validator.report.ranking import COUNT_COLUMNS as _COUNT_COLUMNS
from validator.report.ranking import DEFICIENT as _DEFICIENT
from validator.report.ranking import details_text as _details
from validator.report.ranking import fmt_n as _n
from validator.report.ranking import label as _label
from validator.report.ranking import rank as _rank
from validator.report.ranking import threshold_text as _threshold
from validator.report.readiness_md import render_readiness
from validator.report.tabulation_md import render_tabulation
from validator.results import CheckResult, FieldSummary, Report, Status


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _deficiency(i: int, r: CheckResult) -> list[str]:
    c = catalog.get(r.check_id)
    lines = [
        f"### {i}. {r.status.value} — {c.title}",
        "",
        f"`{r.check_id}` ({r.rule}) on `{r.field or 'dataset'}` · severity {r.severity.value}"
        f" · {c.category}",
        "",
        f"- **Finding:** {_cell(r.reason)}",
        f"- **Rule:** {_cell(c.description)}",
        f"- **Doc:** `docs/checks/{r.check_id}.md`",
    ]
    if r.details and _details(r):
        lines.append(f"- **Breakdown:** {_details(r)}")
    if c.stratification_impact:
        lines.append(f"- **What it means for stratification:** {_cell(c.stratification_impact)}")
    if c.fix:
        lines.append(f"- **How to fix:** {_cell(c.fix)}")
    lines.append("")
    return lines


def _fields_table(fields: Iterable[FieldSummary]) -> list[str]:
    fields = list(fields)
    columns = list(_COUNT_COLUMNS)
    if any("unparseable" in f.counts for f in fields):
        columns.append(("unparseable", "unparseable date"))
    head = "| field | rows | " + " | ".join(h for _, h in columns) + " |"
    lines = [head, "|" + "---|" * (len(columns) + 2)]
    for f in fields:
        if not f.present:
            lines.append(f"| `{f.field}` | – | {f.reason} |" + " |" * (len(columns) - 1))
            continue
        cells = [_n(f.counts[k]) if k in f.counts else "–" for k, _ in columns]
        lines.append(f"| `{f.field}` | {_n(f.rows)} | " + " | ".join(cells) + " |")
    return lines


def _mapping(fields: Iterable[FieldSummary]) -> list[str]:
    """Crosswalk row counts and unmapped source values (codes and category strings only)."""
    lines: list[str] = []
    for f in fields:
        for x in f.crosswalks:
            lines.append(f"- `{f.field}`: crosswalk `{x['crosswalk']}` mapped "
                         f"{_n(x['rows_mapped'])} rows ({_n(x['values_mapped'])} distinct values)")
        if f.unmapped or f.unmapped_other:
            shown = ", ".join(f"`{_cell(u['value'])}` ({_n(u['rows'])})" for u in f.unmapped)
            other = f.unmapped_other
            rest = (f"{_n(other['values'])} other values on {_n(other['rows'])} rows, not shown"
                    if other else "")
            lines.append(f"- `{f.field}` unmapped: " + "; ".join(p for p in (shown, rest) if p))
    if not lines:
        return []
    return ["## Crosswalks and unmapped values", "",
            "Values not in the field's standard code set, by rows. Values are shown only with "
            "`--list-unmapped`, and then only those shared by at least 5 rows (codes or "
            "category strings, not free text); otherwise they are only counted.", "",
            *lines, ""]


def _results_table(results: Iterable[CheckResult]) -> list[str]:
    lines = ["| status | check | field | severity | numerator | denominator | % | threshold |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r.status.value} | `{r.check_id}` ({r.rule}) | {r.field or '–'} | "
            f"{r.severity.value} | {_n(r.numerator)} | {_n(r.denominator)} | "
            f"{format_percent(r.percent)} | {_threshold(r)} |"
        )
    return lines


def _strata(results: list[CheckResult]) -> list[str]:
    strata = sorted({r.stratum for r in results if r.stratum is not None})
    if not strata:
        return []
    lines = ["## Per stratum", "",
             "Checks that are not PASS in a stratum (the gate is decided on the whole input).",
             "", "| stratum | status | check | field | numerator | denominator | % |",
             "|---|---|---|---|---|---|---|"]
    for s in strata:
        rows = sorted((r for r in results if r.stratum == s and r.status not in
                       (Status.PASS, Status.NOT_APPLICABLE)), key=_rank)
        for r in rows:
            lines.append(f"| {_cell(s)} | {r.status.value} | `{r.check_id}` | {r.field or '–'} | "
                         f"{_n(r.numerator)} | {_n(r.denominator)} | "
                         f"{format_percent(r.percent)} |")
        if not rows:
            lines.append(f"| {_cell(s)} | PASS | all checks | | | | |")
    return [*lines, ""]


def _parameters(report: Report) -> list[str]:
    p = report.profile
    lines = ["## Parameters used", "",
             f"- Extract date (as of): {report.run['as_of_date']} ({report.run['as_of_source']})",
             f"- Standard: {p['standard']} · grain: {p['grain']} · ASKU read as: "
             f"{p['asku_means'] or 'asked_unknown (default; not declared)'}",
             "- Cohort: " + ("no age limit declared" if not p["cohort"] else
                             f"{p['cohort']['min_age']:g} to <{p['cohort']['max_age']:g} years"),
             f"- Stratum: {p['stratum'] or 'none'}",
             "- Ages: " + ", ".join(f"{k} {v:g}" for k, v in p.get("ages", {}).items())]
    for cid, o in p["threshold_overrides"].items():
        lines.append(f"- Threshold override {cid}: {o['threshold']} "
                     f"(warn {o['warn_threshold']}) from {o['origin']}"
                     + (f" — {o['notes']}" if o["notes"] else ""))
    for d in report.disabled:
        lines.append(f"- Disabled: {d['check_id']} ({d['reason']})")
    sets = ", ".join(f"{v['name']} {v.get('version') or ''} ({v['count']})".replace("  ", " ")
                     for v in report.valuesets if v["name"] in
                     ("cdcrec", "cdcrec_race", "ethnicity_detailed", "omb_race_with_other"))
    lines += [f"- Value sets: {sets}", ""]
    return lines


def render_markdown(report: Report) -> str:
    """The Markdown report text."""
    overall = [r for r in report.results if r.stratum is None]
    g = report.gate
    d = report.dataset
    verdict = "PASSED" if g.passed else "FAILED"
    lines = [
        f"# REaL data-quality report: {d['name']}",
        "",
        f"**Gate: {verdict}** (exit code {g.exit_code}; fails on {g.fail_on.value} "
        "FAIL or any ERROR)",
        "",
    ]
    if g.failing:
        lines += [f"Failing: {', '.join(f'`{x}`' for x in g.failing)}", ""]
    lines += [
        f"{_n(d['rows'])} rows · format {d['format']} · profile {report.profile['name']}"
        f" · run {report.run['run_id']} · real-validator {report.tool_version}",
        "",
    ]
    safe = report.run.get("share_safe")
    if safe:  # validator/share_safe.py
        lines += [f"**Share-safe** (min cell {safe['min_cell']}): counts of 1 to "
                  f"{safe['min_cell'] - 1}, and counts that would reveal them, are suppressed "
                  "(–); so are the percents and, where they would reveal one, the statuses "
                  "(SUPPRESSED) of those checks. No value lists.", ""]
    lines += render_readiness(report.readiness)
    deficient = sorted((r for r in overall if r.status in _DEFICIENT), key=_rank)
    lines += ["## Deficiencies, most serious first", ""]
    if not deficient:
        lines += ["None: no check failed or warned.", ""]
    for i, r in enumerate(deficient, start=1):
        lines += _deficiency(i, r)
    findings = sorted((r for r in overall if r.status is Status.PASS_WITH_FINDINGS), key=_rank)
    if findings:
        lines += ["## Findings within tolerance", ""]
        lines += [f"- `{r.check_id}` on {r.field or 'dataset'}: {_cell(r.reason)}"
                  for r in findings]
        lines.append("")
    lines += ["## Absent-reason mix per field", "", *_fields_table(report.fields), ""]
    lines += _mapping(report.fields)
    lines += ["## All checks", "", *_results_table(sorted(overall, key=_rank)), ""]
    na = [r for r in overall if r.status is Status.NOT_APPLICABLE]
    if na:
        lines += ["## Not applicable", ""]
        lines += [f"- `{_label(r)}`: {_cell(r.reason)}" for r in na]
        lines.append("")
    lines += _strata(list(report.results))
    lines += render_tabulation(report.tabulation)
    lines += _parameters(report)
    lines += ["Counts and public codes only: this report holds no identifier, no free text "
              "and no value from an unmapped column.", ""]
    return "\n".join(lines)
