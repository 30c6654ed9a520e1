"""compare.html and diff.html: the collaborative's side-by-side view, one self-contained page
with the frame, CSS and guarantees of report.html (no script, no link, nothing loaded).

``render_compare_html(model)`` reads only the model of :mod:`validator.compare`:

- a :class:`~validator.compare.Comparison`: the sites (verdict, records, failing checks), the
  readiness verdicts per stratifier and site, then side-by-side charts per site (completeness
  per field, absent-reason mix per field, respondent mix, categories used) and the tables of
  every section (language granularity, every check's status);
- a :class:`~validator.compare.Diff`: the change summary, status transitions and the counts
  that moved;
- anything else with ``to_dict()`` (or a mapping): shown as tables and lists.

Cells read as in compare.md (:func:`validator.compare.cell_text`); a suppressed count draws
as an empty bar that says "suppressed" and is never summed or re-derived.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from validator.report import svg
from validator.report.html import (
    ABSENT_COLORS,
    CATEGORY_COLORS,
    STATUS_COLORS,
    VERDICT_CLASS,
    _markup,
    generic_html,
    plain,
    render_page,
)

if TYPE_CHECKING:
    from validator.compare import Cell, Comparison, Diff, Row

_ABSENT_LABELS = {"informative": "informative", "blank": "blank", "unknown": "unknown",
                  "declined": "declined", "not_asked": "not asked",
                  "asked_unknown": "asked, unknown", "unable": "unable", "other": "other",
                  "not_applicable": "not applicable", "unparseable": "unparseable date"}
_GROUP_COLORS = {"multiracial": "#2b2b2b", "mena": CATEGORY_COLORS["2118-8"],
                 "declined": ABSENT_COLORS["declined"], "other": CATEGORY_COLORS["2131-1"]}
_SECTION_ORDER = ("readiness", "completeness", "absent_reasons", "respondent", "categories",
                  "language", "checks")


def _cell_text(c: Cell | None, show_status: bool = False) -> str:
    from validator.compare import cell_text

    return cell_text(c, show_status=show_status)


def _chart(chart_id: str, title: str, svg_text: str, legend: str = "") -> dict[str, Any]:
    return {"id": chart_id, "title": title, "svg": _markup(svg_text),
            "legend": _markup(legend) if legend else ""}


def _rate_bars(sites: Sequence[Any], cells: Mapping[str, Cell | None],
               color: str | Callable[[Cell], str]) -> list[svg.Bar]:
    bars = []
    for s in sites:
        c = cells.get(s.id)
        if c is None:
            continue
        value = c.percent if c.percent is not None else 0.0
        fill = color(c) if callable(color) else color
        bars.append(svg.Bar(s.label, value, fill, _cell_text(c)))
    return bars


def _status_color(c: Cell) -> str:
    return STATUS_COLORS.get(c.status or "", "#1f5fa8")


def completeness_charts(model: Comparison) -> list[dict[str, Any]]:
    """Per field, the informative share of each site (fields complete everywhere are left
    out and named in the caption)."""
    out = []
    for row in model.sections.get("completeness", ()):
        cells = [c for c in row.cells.values() if c is not None]
        if cells and all(c.percent == 100.0 for c in cells):
            continue
        field = str(row.key["field"])
        cid = f"chart-completeness-{svg.slug(field)}"
        title = f"{field}: informative share per site"
        bars = _rate_bars(model.sites, row.cells, "#1d6b34")
        out.append(_chart(cid, title, svg.bar_chart(
            cid, title, bars, desc=f"Share of records with an informative {field}, per site.")))
    return out


def complete_everywhere(model: Comparison) -> list[str]:
    """Fields informative in every record at every site."""
    return [str(r.key["field"]) for r in model.sections.get("completeness", ())
            if all(c is not None and c.percent == 100.0 for c in r.cells.values())]


def _mix_chart(model: Comparison, field: str, rows: Sequence[Row], prefix: str
               ) -> dict[str, Any] | None:
    """One 100 % stacked bar per site: informative and each absent reason of ``field``."""
    by_cat = {str(r.key["category"]): r for r in rows}
    cats = [k for k in _ABSENT_LABELS if k in by_cat
            and any(c is not None and (c.numerator or c.suppressed)
                    for c in by_cat[k].cells.values())]
    if not cats or cats == ["informative"]:
        return None
    segments = [svg.Segment(k, _ABSENT_LABELS[k], ABSENT_COLORS.get(k, "#5c5c5c"))
                for k in cats]
    segments.append(svg.Segment("suppressed", "suppressed counts", ABSENT_COLORS["suppressed"]))
    bars, ends = [], []
    for s in model.sites:
        cells = [by_cat[k].cells.get(s.id) for k in cats]
        if all(c is None for c in cells):
            continue
        known = [(c.numerator or 0) if c is not None else 0 for c in cells]
        hidden = any(c is not None and c.numerator is None for c in cells)
        denominator = next((c.denominator for c in cells if c is not None
                            and c.denominator is not None), None)
        if hidden and denominator is None:  # shares unknown: drawn empty
            bars.append((s.label, [0] * len(segments)))
            ends.append("suppressed")
            continue
        # suppressed counts together: the rows minus the published counts (no new number)
        rest = max(denominator - sum(known), 0) if hidden and denominator is not None else 0
        bars.append((s.label, [*known, rest]))
        ends.append(f"{denominator:,} rows" if denominator is not None else "")
    if not any(values[-1] for _, values in bars):
        segments.pop()
        bars = [(label, values[:-1]) for label, values in bars]
    cid = f"chart-{prefix}-{svg.slug(field)}"
    title = f"{field}: absent-reason mix per site"
    return _chart(cid, title, svg.stacked_chart(
        cid, title, bars, segments, totals=ends,
        desc=f"Share of records by state of {field} (informative or absent reason), per site."),
        svg.legend(segments))


def mix_charts(model: Comparison, section: str, prefix: str) -> list[dict[str, Any]]:
    """Absent-reason mix per field, side by side per site, for ``section``'s field counts
    (completeness rows supply the informative share)."""
    rows: dict[str, list[Row]] = {}
    informative = {str(r.key["field"]): r for r in model.sections.get("completeness", ())}
    for r in model.sections.get(section, ()):
        if section == "respondent" and r.key.get("kind") != "field_count":
            continue
        field = str(r.key["field"])
        rows.setdefault(field, [])
        if field in informative and informative[field] not in rows[field]:
            rows[field].append(informative[field])
        rows[field].append(r)
    out = []
    for field, field_rows in rows.items():
        chart = _mix_chart(model, field, field_rows, prefix)
        if chart is not None:
            out.append(chart)
    return out


def category_charts(model: Comparison) -> list[dict[str, Any]]:
    """Per category of interest (multiracial, MENA, declined, other): its share of records
    at each site; a site at 0 never uses it."""
    out = []
    for row in model.sections.get("categories", ()):
        label = str(row.key["label"])
        color = _GROUP_COLORS.get(str(row.key.get("group")), "#1f5fa8")
        bars = []
        for s in model.sites:
            c = row.cells.get(s.id)
            if c is None:
                continue
            text = _cell_text(c)
            if c.numerator == 0:
                text = "never used (0)"
            bars.append(svg.Bar(s.label, c.percent or 0.0, color, text))
        top = max((b.value for b in bars), default=0.0)
        scale = 5.0 if top <= 5 else 10.0 if top <= 10 else 25.0 if top <= 25 else 100.0
        cid = f"chart-category-{svg.slug(str(row.key['field']) + '-' + str(row.key['category']))}"
        title = f"{label}: share of records per site"
        out.append(_chart(cid, title, svg.bar_chart(
            cid, title, bars, scale_max=scale,
            desc=f"Percent of records, per site, on a 0 to {scale:g} % scale.")))
    return out


def _badge(c: Cell | None, show_status: bool = True) -> dict[str, Any]:
    if c is None:
        return {"text": "·", "status": "", "verdict": "", "cls": ""}
    if c.verdict is not None:
        return {"text": "", "status": "", "verdict": c.verdict,
                "cls": VERDICT_CLASS.get(c.verdict, "")}
    return {"text": _cell_text(c), "status": c.status if show_status else "", "verdict": "",
            "cls": ""}


def _key_label(section: str, key: Mapping[str, Any]) -> list[str]:
    if section == "readiness":
        return [str(key["stratifier"])]
    if section == "categories":
        return [str(key["label"])]
    if section in ("completeness",):
        return [str(key["field"])]
    if section == "absent_reasons":
        return [str(key["field"]), str(key["category"])]
    if section == "respondent":
        return [str(key.get("field") or "–"),
                str(key.get("category") or key.get("check_id") or "–")]
    return [str(key.get("check_id") or "–"), str(key.get("field") or "–")]


_HEADS = {"readiness": ["stratifier"], "categories": ["category"],
          "completeness": ["field"], "absent_reasons": ["field", "absent reason"],
          "respondent": ["field", "row"]}


def section_tables(model: Comparison) -> list[dict[str, Any]]:
    """Every section as a table: one row per compared thing, one column per site."""
    from validator.compare import SECTION_TITLES

    out = []
    names = [*(n for n in _SECTION_ORDER if n in model.sections),
             *(n for n in model.sections if n not in _SECTION_ORDER)]
    for name in names:
        rows = list(model.sections[name])
        if name == "absent_reasons":  # zeros everywhere are left out, as in compare.md
            rows = [r for r in rows if any(c is not None and c.numerator != 0
                                           for c in r.cells.values())]
        if not rows:
            continue
        show_status = name not in ("completeness", "absent_reasons", "categories")
        out.append({
            "id": f"section-{svg.slug(name)}", "name": name,
            "title": SECTION_TITLES.get(name, name.replace("_", " ")),
            "head": _HEADS.get(name, ["check", "field"]),
            "rows": [{"label": _key_label(name, r.key),
                      "cells": [_badge(r.cells.get(s.id), show_status) for s in model.sites]}
                     for r in rows]})
    return out


def _sites(model: Comparison | Diff, sites: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"id": s.id, "label": s.label, "dataset": s.dataset,
             "stratum": s.stratum or "whole input", "run_id": s.run_id,
             "records": "suppressed" if s.records is None else f"{s.records:,}",
             "verdict": s.verdict, "failing": ", ".join(s.failing) or "–",
             "share_safe": "yes" if s.share_safe else "no",
             "statuses": [(k, s.statuses[k]) for k in STATUS_COLORS
                          if s.statuses.get(k)]} for s in sites]


def _compare_context(model: Comparison) -> dict[str, Any]:
    from validator.compare import MIN_DENOMINATOR

    return {
        "mode": "compare", "title": "REaL data quality: site comparison",
        "version": model.version, "notes": list(model.notes),
        "min_denominator": MIN_DENOMINATOR,
        "sites": _sites(model, model.sites),
        "chart_groups": [
            {"id": "charts-completeness", "title": "Completeness per site",
             "intro": "Informative share of each field that is not complete everywhere"
                      + (f" (complete at every site: {', '.join(complete_everywhere(model))})"
                         if complete_everywhere(model) else "") + ".",
             "charts": completeness_charts(model)},
            {"id": "charts-absent", "title": "Absent-reason mix per field, per site",
             "intro": "Blank and each absent reason separately, side by side per site.",
             "charts": mix_charts(model, "absent_reasons", "absent")},
            {"id": "charts-respondent", "title": "Respondent mix per site",
             "intro": "Who answered: whether the respondent fields are recorded, per site.",
             "charts": mix_charts(model, "respondent", "respondent")},
            {"id": "charts-categories", "title": "Categories used per site",
             "intro": "Categories a site never uses (0 records) may not be offered at "
                      "registration; a suppressed count is at least 1.",
             "charts": category_charts(model)},
        ],
        "tables": section_tables(model),
    }


def _diff_context(model: Diff) -> dict[str, Any]:
    summary = model.summary
    colors = {"worse": STATUS_COLORS["FAIL"], "better": STATUS_COLORS["PASS"],
              "changed": "#1f5fa8", "suppressed": "#3d4f66", "added": "#6a3d9a",
              "removed": "#7a5a12", "same": "#8c7b6b"}
    bars = [svg.Bar(k, float(v), colors[k], f"{v:,}") for k, v in summary.items()]
    chart = _chart("chart-diff-summary", "Rows by change", svg.bar_chart(
        "chart-diff-summary", "Rows by change", bars,
        scale_max=max(max(summary.values(), default=1), 1),
        desc="Number of results-table rows in each change class."))
    order = {"worse": 0, "better": 1, "changed": 2, "added": 3, "removed": 4}
    transitions = sorted((c for c in model.changes if c.transition and c.kind == "check"),
                         key=lambda c: (order.get(c.change, 5), c.stratum or "",
                                        c.check_id or ""))
    moved = sorted((c for c in model.changes if c.change in
                    ("changed", "worse", "better", "suppressed") and not c.transition),
                   key=lambda c: -abs(c.delta_percent or 0))

    def row(c: Any) -> dict[str, Any]:
        what = c.check_id or c.field or "–"
        if c.check_id and c.field:
            what = f"{c.check_id} · {c.field}"
        return {"change": c.change, "kind": c.kind, "stratum": c.stratum or "whole input",
                "what": what, "category": c.category or "–", "transition": c.transition or "",
                "old": _cell_text(c.old), "new": _cell_text(c.new),
                "delta": "–" if c.delta_percent is None else f"{c.delta_percent:+.2f}"}

    return {"mode": "diff", "title": "REaL data quality: two runs of one dataset",
            "version": model.version, "notes": list(model.notes),
            "sites": _sites(model, (model.old, model.new)), "summary_chart": chart,
            "summary": summary, "transitions": [row(c) for c in transitions],
            "moved": [row(c) for c in moved]}


def render_compare_html(model: Any) -> str:
    """compare.html (a Comparison), diff.html (a Diff), or any other model as tables."""
    from validator import __version__
    from validator.compare import Comparison, Diff

    if isinstance(model, Comparison):
        context = _compare_context(model)
    elif isinstance(model, Diff):
        context = _diff_context(model)
    else:
        context = {"mode": "other", "title": "REaL data quality: comparison", "version": "",
                   "notes": [], "body": _markup(generic_html(plain(model)))}
    return render_page("compare.html.j2", tool_version=__version__, **context)
