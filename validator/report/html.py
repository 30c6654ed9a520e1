"""report.html: one self-contained page for people who would rather look than read.

Gate verdict and stratification readiness first, then the deficiencies ranked as in report.md
(:mod:`validator.report.ranking`), then charts drawn as inline SVG (absent-reason mix per field,
completeness per site, category distributions under OMB 1997 and SPD-15 2024), then every check,
the field table and the parameters. The page loads nothing: CSS is inline, there is no script,
no link, no font and no image from anywhere, and a Content-Security-Policy says so to the
browser. Like report.md it holds counts and public codes only, rendered from the same
:class:`~validator.results.Report`.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from validator import catalog
from validator.judge import format_percent
from validator.report import ranking, svg
from validator.report.tabulation_md import _INTRO as TABULATION_INTRO
from validator.report.tabulation_md import _SECTIONS as TABULATION_SECTIONS
from validator.report.tabulation_md import _STANDARDS as TABULATION_STANDARDS
from validator.results import CheckResult, FieldSummary, Report, Status

if TYPE_CHECKING:
    import jinja2

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# Status badges: white text on these has a contrast of at least 4.5:1 (tests/test_html.py).
STATUS_COLORS = {
    "ERROR": "#6d0a22", "FAIL": "#b3261e", "WARN": "#8a4b00", "PASS_WITH_FINDINGS": "#2f6a1f",
    "PASS": "#1d6b34", "NOT_APPLICABLE": "#5c5c5c", "SUPPRESSED": "#3d4f66",
}
# Absent-reason segments: at least 3:1 against the white page (non-text contrast).
ABSENT_COLORS = {
    "informative": "#1d6b34", "blank": "#5c5c5c", "unknown": "#a34f00", "declined": "#6a3d9a",
    "not_asked": "#b0307a", "asked_unknown": "#c0392b", "unable": "#1f5fa8",
    "unable_to_respond": "#1f5fa8", "other": "#7a5a12", "not_applicable": "#8c7b6b",
    "unparseable": "#0f6e73", "suppressed": "#8796aa",
}
# Race and ethnicity categories: one colour per CDCREC code in every chart (at least 3:1
# against white); other keys take the fallback colours in the order they come.
CATEGORY_COLORS = {
    "1002-5": "#8c6d00", "2028-9": "#b35806", "2054-5": "#1f5fa8", "2076-8": "#0f6e73",
    "2106-3": "#6a3d9a", "2131-1": "#a32a2a", "2135-2": "#1d6b34", "2186-5": "#5d4037",
    "2118-8": "#b0307a",
}
FALLBACK_COLORS = ("#3f51b5", "#7a5a12", "#00695c", "#ad1457", "#4e342e", "#283593")
COMBINATION_COLOR = "#2b2b2b"
UNCLASSIFIED_COLOR = "#5e5e5e"
ABSENT_ROW_COLOR = "#7a7a7a"
ABSENT_ANY_COLOR = "#949494"
STATUS_ORDER = ("ERROR", "FAIL", "WARN", "PASS_WITH_FINDINGS", "PASS", "NOT_APPLICABLE",
                "SUPPRESSED")
SUPPRESSED = "suppressed"  # shown for a count share-safe mode withheld (None)
WIDE = 1080  # charts that take the whole page width
# Fields whose mix per site is charted: the stratifiers (DOMAIN §4).
STRATIFIER_FIELDS = ("race_codes", "race_omb", "ethnicity_code", "race_ethnicity_2024",
                     "lang_spoken_pref", "caregiver_lang_spoken_pref")
READY_WORDS = {"READY", "PASS", "PASSED", "YES", "TRUE"}
NOT_READY_WORDS = {"NOT_READY", "FAIL", "FAILED", "NO", "FALSE", "ERROR", "BLOCKED"}


# ---------------------------------------------------------------------------------------------
# page plumbing


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("validator.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["n"] = _count_text
    env.filters["wbr"] = _breakable
    env.globals["status_color"] = lambda s: STATUS_COLORS.get(str(s), "#5c5c5c")
    return env


def _breakable(text: Any) -> Any:
    """Escaped ``text`` that may wrap after dots and underscores (long check ids, fields)."""
    escaped = svg.esc(text)
    return _markup(escaped.replace(".", ".<wbr>").replace("_", "_<wbr>"))


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)


def _defang(page: str) -> str:
    """No literal URL anywhere in the file: catalogue texts name code-system URIs (FHIR,
    HL7) as identifiers. ``://`` becomes ``:&#47;&#47;``, which a browser shows and copies
    as the same text while mail filters and reviewers grepping for URLs find none."""
    return page.replace("://", ":&#47;&#47;")


def render_page(template: str, **context: Any) -> str:
    """Render ``template`` (under validator/report/templates/) into a self-contained page."""
    page = _environment().get_template(template).render(csp=_markup(CSP), **context)
    return _defang(page)


def plain(value: Any) -> Any:
    """JSON-like form of a model object (``to_dict``, dataclass, enum, mapping, sequence)."""
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return plain(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# readiness (Report.readiness, when the report has it)


def _word_class(value: Any) -> str:
    word = str(value).upper().replace(" ", "_").replace("-", "_")
    if word in READY_WORDS:
        return "good"
    if word in NOT_READY_WORDS:
        return "bad"
    if word in ("WARN", "WARNING", "CONDITIONAL", "READY_WITH_CAVEATS", "CAUTION"):
        return "warn"
    return ""


def _scalar_html(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = svg.esc(value)
    cls = _word_class(value)
    return f'<span class="word {cls}">{text}</span>' if cls else text


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (Mapping, list))


def generic_html(value: Any, depth: int = 0) -> str:
    """Readable HTML for any JSON-like structure: mappings as definition lists, lists of
    mappings as tables with a header row, scalars as text (status words as badges)."""
    if _is_scalar(value):
        return _scalar_html(value)
    if isinstance(value, list):
        if not value:
            return "–"
        if all(isinstance(v, Mapping) for v in value):
            keys: list[str] = []
            for v in value:
                keys += [k for k in v if k not in keys]
            head = "".join(f'<th scope="col">{svg.esc(k.replace("_", " "))}</th>' for k in keys)
            rows = "".join(
                "<tr>" + "".join(f"<td>{generic_html(v.get(k), depth + 1)}</td>" for k in keys)
                + "</tr>" for v in value)
            return (f'<div class="scroll"><table class="generic"><thead><tr>{head}</tr></thead>'
                    f"<tbody>{rows}</tbody></table></div>")
        if all(_is_scalar(v) for v in value):
            return ", ".join(_scalar_html(v) for v in value)
        return "<ul>" + "".join(f"<li>{generic_html(v, depth + 1)}</li>" for v in value) + "</ul>"
    if len(value) >= 2 and all(isinstance(v, Mapping) and v and all(_is_scalar(x) for x in
                                                                      v.values())
                               for v in value.values()):
        # {row: {column: scalar}}: one table, a row per key
        columns: list[str] = []
        for v in value.values():
            columns += [k for k in v if k not in columns]
        head = "".join(f'<th scope="col">{svg.esc(str(k).replace("_", " "))}</th>'
                       for k in columns)
        rows = "".join(
            f'<tr><th scope="row">{svg.esc(k)}</th>'
            + "".join(f"<td>{_scalar_html(v.get(c))}</td>" for c in columns) + "</tr>"
            for k, v in value.items())
        return (f'<div class="scroll"><table class="generic"><thead><tr><td></td>{head}</tr>'
                f"</thead><tbody>{rows}</tbody></table></div>")
    items = "".join(f"<dt>{svg.esc(str(k).replace('_', ' '))}</dt>"
                    f"<dd>{generic_html(v, depth + 1)}</dd>" for k, v in value.items())
    return f'<dl class="generic depth{min(depth, 3)}">{items}</dl>'


# Verdicts of validator/readiness.py and the outcomes of its criteria.
VERDICT_CLASS = {"READY": "good", "READY WITH CAVEATS": "warn", "NOT READY": "bad"}
OUTCOMES = {  # outcome: (order, symbol, words, css class); the worst outcome wins a cell
    "not_met": (0, "✗", "not met", "bad"), "caveat": (1, "!", "caveat", "warn"),
    "not_evaluated": (2, "–", "not evaluated", "none"), "met": (3, "✓", "met", "good"),
}
CRITERIA = tuple(f"S{i}" for i in range(1, 13))


def _stratifier_view(s: Mapping[str, Any]) -> dict[str, Any]:
    criteria: dict[str, list[Mapping[str, Any]]] = {}
    for c in s.get("criteria") or []:
        criteria.setdefault(str(c.get("criterion")), []).append(c)
    cells = []
    for name in CRITERIA:
        items = criteria.get(name, [])
        if not items:
            cells.append({"criterion": name, "symbol": "", "words": "does not apply",
                          "cls": "na", "title": f"{name}: does not apply"})
            continue
        worst = min(items, key=lambda c: OUTCOMES.get(str(c.get("outcome")), (9,))[0])
        _, symbol, words, cls = OUTCOMES.get(str(worst.get("outcome")),
                                             (9, "?", str(worst.get("outcome")), "none"))
        title = "; ".join(f"{c.get('outcome')}: {c.get('text')}" for c in items)
        cells.append({"criterion": name, "symbol": symbol, "words": words, "cls": cls,
                      "title": f"{name}: {title}"})
    reasons = [{"level": str(r.get("level") or r.get("outcome") or ""),
                "criterion": str(r.get("criterion") or ""), "check_id": r.get("check_id"),
                "text": str(r.get("text") or "")} for r in s.get("reasons") or []]
    verdict = str(s.get("verdict", ""))
    return {"stratifier": str(s.get("stratifier", "")),
            "fields": ", ".join(str(f) for f in s.get("fields") or []),
            "verdict": verdict, "verdict_cls": VERDICT_CLASS.get(verdict, _word_class(verdict)),
            "blockers": sum(r["level"] == "blocker" for r in reasons),
            "caveats": sum(r["level"] == "caveat" for r in reasons),
            "reasons": reasons, "cells": cells}


def readiness_view(report: Any) -> dict[str, Any] | None:
    """The readiness section: one row per stratifier (verdict, criteria S1-S12, reasons),
    or None when the report has no readiness (older reports, nothing to assess). A shape
    other than validator/readiness.py's is shown as it is."""
    raw = getattr(report, "readiness", None)
    if raw is None:
        return None
    data = plain(raw)
    if data in ({}, [], None):
        return None
    if isinstance(data, list) and all(isinstance(s, Mapping) and "stratifier" in s
                                      and "verdict" in s for s in data):
        return {"stratifiers": [_stratifier_view(s) for s in data], "criteria": CRITERIA,
                "outcomes": [(sym, words, cls) for _, sym, words, cls in OUTCOMES.values()],
                "generic": None}
    return {"stratifiers": [], "criteria": CRITERIA, "outcomes": [],
            "generic": _markup(generic_html(data))}


# ---------------------------------------------------------------------------------------------
# charts


def _c(value: Any) -> int:
    """A count for drawing: a suppressed (None) count draws as 0."""
    return int(value) if value is not None else 0


def _count_text(value: Any) -> str:
    return SUPPRESSED if value is None else ranking.fmt_n(int(value))


def _field_rows(fields: Sequence[FieldSummary], labels: Sequence[str] | None = None
                ) -> tuple[list[svg.Segment], list[tuple[str, list[int]]], list[str]]:
    """Segments, rows and end texts of an absent-reason stacked chart. Share-safe reports:
    suppressed counts are drawn together as one 'suppressed' segment (the published rows
    minus the published counts, which any reader can compute)."""
    columns = list(ranking.COUNT_COLUMNS)
    if any("unparseable" in f.counts for f in fields):
        columns.append(ranking.UNPARSEABLE)
    used = [(k, h) for k, h in columns if any(_c(f.counts.get(k)) for f in fields)]
    hidden = [f.rows - sum(_c(v) for v in f.counts.values())
              if f.rows is not None and any(v is None for v in f.counts.values()) else 0
              for f in fields]
    if any(hidden):
        used.append((SUPPRESSED, "suppressed counts"))
    segments = [svg.Segment(k, h, ABSENT_COLORS.get(k, "#5c5c5c")) for k, h in used]
    rows = []
    ends = []
    for i, f in enumerate(fields):
        values = [hidden[i] if k == SUPPRESSED else _c(f.counts.get(k)) for k, _ in used]
        unknown = f.rows is None and any(v is None for v in f.counts.values())
        rows.append((labels[i] if labels else f.field, [0] * len(used) if unknown else values))
        n = f.rows if f.rows is not None else sum(values)
        ends.append("rows suppressed" if unknown else f"{n:,} rows")
    return segments, rows, ends


def absent_mix_chart(fields: Sequence[FieldSummary], chart_id: str = "chart-absent-mix",
                     title: str = "Absent-reason mix per field") -> dict[str, Any] | None:
    """Stacked bars: for each present field, its rows by informative / absent reason."""
    present = [f for f in fields if f.present and f.rows != 0]
    if not present:
        return None
    segments, rows, ends = _field_rows(present)
    desc = ("For each field, the share of rows that are informative, blank or carry an "
            "absent reason; exact counts are in the field table.")
    return {"id": chart_id, "title": title,
            "svg": _markup(svg.stacked_chart(chart_id, title, rows, segments, desc=desc,
                                             width=WIDE, totals=ends)),
            "legend": _markup(svg.legend(segments))}


def _completeness_bar(label: str, r: CheckResult) -> svg.Bar:
    value = r.percent if r.percent is not None else 0.0
    if r.numerator is None and r.denominator is None:
        text = f"counts suppressed · {r.status.value}"
    elif r.numerator is None or r.denominator is None:
        counts = f"{_count_text(r.numerator)}/{_count_text(r.denominator)}"
        text = f"{counts} · {r.status.value}"
    else:
        counts = (f"{ranking.fmt_n(r.numerator)}/{ranking.fmt_n(r.denominator)}"
                  if r.denominator else "no rows")
        text = f"{format_percent(r.percent)} ({counts}) {r.status.value}"
    return svg.Bar(label, value, STATUS_COLORS.get(r.status.value, "#5c5c5c"), text,
                   tooltip=f"{label}: {text}; {r.reason}")


def completeness_charts(report: Report) -> list[dict[str, Any]]:
    """One bar chart per completeness check: the whole input, then each stratum, with the
    FAIL and WARN thresholds drawn as lines."""
    out = []
    strata = ranking.strata(report)
    for r in ranking.overall(report):
        if not r.check_id.endswith(".COMPLETENESS") or r.status is Status.NOT_APPLICABLE:
            continue
        per = {x.stratum: x for x in report.results
               if x.check_id == r.check_id and x.field == r.field and x.stratum is not None}
        bars = [_completeness_bar("whole input", r)]
        bars += [_completeness_bar(s, per[s]) for s in strata if s in per]
        markers = []
        if r.threshold is not None:
            markers.append(svg.Marker(r.threshold, f"FAIL below {r.threshold:g}%"))
        if r.warn_threshold is not None:
            markers.append(svg.Marker(r.warn_threshold, f"WARN below {r.warn_threshold:g}%"))
        title = f"{catalog.get(r.check_id).title} ({r.field}) per site"
        chart_id = f"chart-completeness-{svg.slug(r.check_id + '-' + str(r.field))}"
        desc = (f"Share of rows with an informative {r.field}, for the whole input and each "
                f"of {len(strata)} strata; status in words after each bar.")
        out.append({"id": chart_id, "title": title,
                    "svg": _markup(svg.bar_chart(chart_id, title, bars, desc=desc,
                                                 markers=markers))})
    return out


def site_mix_charts(report: Report) -> list[dict[str, Any]]:
    """For each stratifier field: its absent-reason mix in each stratum (fields_by_stratum)."""
    strata = ranking.strata(report)
    if not strata:
        return []
    by_field: dict[str, dict[str, FieldSummary]] = {}
    for f in report.field_strata:
        by_field.setdefault(f.field, {})[str(f.stratum)] = f
    out = []
    for name in STRATIFIER_FIELDS:
        per = by_field.get(name)
        if not per:
            continue
        shown = [s for s in strata if s in per]
        segments, rows, ends = _field_rows([per[s] for s in shown], labels=shown)
        chart_id = f"chart-site-mix-{svg.slug(name)}"
        title = f"{name}: absent-reason mix per site"
        desc = f"For each stratum, the share of rows by state of {name}."
        out.append({"id": chart_id, "title": title,
                    "svg": _markup(svg.stacked_chart(chart_id, title, rows, segments,
                                                     desc=desc, totals=ends)),
                    "legend": _markup(svg.legend(segments))})
    return out


def _category_color(row: Mapping[str, Any], i: int) -> str:
    kind = row["kind"]
    if kind == "category":
        return CATEGORY_COLORS.get(str(row["key"]), FALLBACK_COLORS[i % len(FALLBACK_COLORS)])
    if kind == "combination":
        return COMBINATION_COLOR
    if kind == "unclassified":
        return UNCLASSIFIED_COLOR
    return ABSENT_ROW_COLOR


def _category_label(row: Mapping[str, Any]) -> str:
    if row["kind"] == "category":
        return f"{row['label']} ({row['key']})"
    if row["kind"] == "absent":
        return f"absent: {row['label']}"
    if row["kind"] == "unclassified":
        return "informative, no category"
    return str(row["label"])


# The section charted per standard: the one whose rows sum to the records.
_CHARTED_SECTIONS = {"omb1997": ("race", "ethnicity"), "spd15_2024": ("alone",)}


def _distribution_bars(whole: Mapping[str, Any], section: str) -> list[svg.Bar]:
    rows = whole["sections"][section]
    total = whole["rows"]
    bars = []
    cat = 0
    for row in rows:
        count = row["count"]
        if row["kind"] in ("absent", "unclassified") and count == 0:
            continue
        color = _category_color(row, cat)
        cat += row["kind"] == "category" and str(row["key"]) not in CATEGORY_COLORS
        if count is None:
            text = SUPPRESSED
        elif total:
            text = f"{count:,} ({svg.pct_text(svg.pct(count, total))})"
        else:
            text = f"{count:,}"
        bars.append(svg.Bar(_category_label(row), _c(count), color, text))
    return bars


def _site_mix(tables: Mapping[str | None, Mapping[str, Any]], section: str,
              strata: Sequence[str], std: str, title: str) -> dict[str, Any]:
    whole_rows = tables[None]["sections"][section]
    segments: list[svg.Segment] = []
    index: list[list[int]] = []  # row positions summed into each segment
    cat = 0
    absent_pos = []
    for i, row in enumerate(whole_rows):
        if row["kind"] == "absent":
            absent_pos.append(i)
            continue
        segments.append(svg.Segment(str(row["key"]), _category_label(row),
                                    _category_color(row, cat)))
        cat += row["kind"] == "category" and str(row["key"]) not in CATEGORY_COLORS
        index.append([i])
    segments.append(svg.Segment("absent", "absent (any reason)", ABSENT_ANY_COLOR))
    index.append(absent_pos)
    segments.append(svg.Segment(SUPPRESSED, "suppressed counts", ABSENT_COLORS[SUPPRESSED]))
    rows = []
    ends = []
    for s in [None, *strata]:
        if s not in tables:
            continue
        raw = [r["count"] for r in tables[s]["sections"][section]]
        values = [sum(_c(raw[i]) for i in pos) for pos in index]
        total = tables[s]["rows"]
        if total is None and any(v is None for v in raw):  # shares unknown: drawn empty
            rows.append(("whole input" if s is None else s, [0] * (len(values) + 1)))
            ends.append("records suppressed")
            continue
        hidden = total - sum(values) if total is not None else 0
        rows.append(("whole input" if s is None else s, [*values, max(hidden, 0)]))
        ends.append(f"{sum(values) + max(hidden, 0):,} records")
    keep = [j for j in range(len(segments)) if any(r[1][j] for r in rows)]
    segments = [segments[j] for j in keep]
    rows = [(label, [vals[j] for j in keep]) for label, vals in rows]
    chart_id = f"chart-categories-{std}-{section}-sites"
    chart_title = f"{title} {section.replace('_', ' ')}: category mix per site"
    desc = "For the whole input and each stratum, the share of records in each category."
    return {"id": chart_id, "title": chart_title,
            "svg": _markup(svg.stacked_chart(chart_id, chart_title, rows, segments,
                                             desc=desc, unit="records", width=WIDE,
                                             totals=ends)),
            "legend": _markup(svg.legend(segments))}


def category_charts(report: Report) -> list[dict[str, Any]]:
    """Category distributions from the tabulation: whole-input bars per standard and
    section, then the mix per site when there are strata."""
    tables = list(report.tabulation.get("tables") or [])
    strata = ranking.strata(report)
    out = []
    for std, title in TABULATION_STANDARDS:
        by_stratum = {t["stratum"]: t for t in tables if t["standard"] == std}
        if None not in by_stratum:
            continue
        whole = by_stratum[None]
        for section in _CHARTED_SECTIONS.get(std, ()):
            if section not in whole["sections"]:
                continue
            bars = _distribution_bars(whole, section)
            if not bars:
                continue
            chart_id = f"chart-categories-{std}-{section}"
            chart_title = f"{title} {section.replace('_', ' ')}: records per category"
            desc = (f"{_count_text(whole['rows'])} records of the whole input by "
                    f"{TABULATION_SECTIONS.get(section, section)}.")
            out.append({"id": chart_id, "title": chart_title,
                        "svg": _markup(svg.bar_chart(chart_id, chart_title, bars, desc=desc,
                                                     scale_max=max(_c(whole["rows"]),
                                                                   *(b.value for b in bars), 1),
                                                     width=WIDE, label_max=340))})
            if strata and len(by_stratum) > 1:
                out.append(_site_mix(by_stratum, section, strata, std, title))
    return out


# ---------------------------------------------------------------------------------------------
# tables and lists


def _deficiency(i: int, r: CheckResult, report: Report, strata: Sequence[str]
                ) -> dict[str, Any]:
    c = catalog.get(r.check_id)
    per = {x.stratum: x for x in report.results
           if x.check_id == r.check_id and x.field == r.field and x.stratum is not None}
    by_site = [{"stratum": s, "status": per[s].status.value,
                "counts": f"{_part(per[s], 'numerator')}/{_part(per[s], 'denominator')}",
                "percent": _part(per[s], "percent")} for s in strata if s in per]
    return {"n": i, "id": f"def-{i}", "status": r.status.value, "title": c.title,
            "check_id": r.check_id, "rule": r.rule, "field": r.field or "dataset",
            "severity": r.severity.value, "category": c.category, "reason": r.reason,
            "description": c.description, "details": ranking.details_text(r),
            "impact": c.stratification_impact, "fix": c.fix, "by_site": by_site,
            "affected": ranking.affected(r)}


def _part(r: CheckResult, name: str) -> str:
    """Numerator, denominator or percent of ``r`` as shown ('suppressed' in share-safe)."""
    if name in getattr(r, "suppressed", ()):
        return SUPPRESSED
    if name == "percent":
        return format_percent(r.percent) if r.percent is not None else "–"
    return ranking.fmt_n(getattr(r, name))


def _result_row(r: CheckResult) -> dict[str, Any]:
    return {"status": r.status.value, "check_id": r.check_id, "rule": r.rule,
            "field": r.field or "–", "severity": r.severity.value,
            "numerator": _part(r, "numerator"), "denominator": _part(r, "denominator"),
            "percent": _part(r, "percent"),
            "threshold": ranking.threshold_text(r), "reason": r.reason,
            "stratum": r.stratum}


def _field_table(fields: Sequence[FieldSummary]) -> dict[str, Any]:
    columns = list(ranking.COUNT_COLUMNS)
    if any("unparseable" in f.counts for f in fields):
        columns.append(ranking.UNPARSEABLE)
    rows = []
    for f in fields:
        if not f.present:
            rows.append({"field": f.field, "present": False, "reason": f.reason})
            continue
        rows.append({"field": f.field, "present": True, "rows": _count_text(f.rows),
                     "source": f.source_column or "", "system": f.system or "",
                     "cells": [_count_text(f.counts[k]) if k in f.counts else "–"
                               for k, _ in columns]})
    return {"columns": [h for _, h in columns], "rows": rows}


def _mapping(fields: Sequence[FieldSummary]) -> list[dict[str, Any]]:
    out = []
    for f in fields:
        for x in f.crosswalks:
            text = (f"crosswalk {x['crosswalk']} mapped {_count_text(x['rows_mapped'])} rows "
                    f"({_count_text(x['values_mapped'])} distinct values)")
            out.append({"field": f.field, "kind": "crosswalk", "text": text})
        if f.unmapped or f.unmapped_other:
            shown = [f"{u['value']} ({ranking.fmt_n(u['rows'])})" for u in f.unmapped]
            other = f.unmapped_other
            if other:
                shown.append(f"{ranking.fmt_n(other['values'])} other values on "
                             f"{ranking.fmt_n(other['rows'])} rows, not shown")
            out.append({"field": f.field, "kind": "unmapped", "text": "; ".join(shown)})
    return out


def _tabulation_tables(report: Report, strata: Sequence[str]) -> list[dict[str, Any]]:
    tables = list(report.tabulation.get("tables") or [])
    out = []
    for std, title in TABULATION_STANDARDS:
        by_stratum = {t["stratum"]: t for t in tables if t["standard"] == std}
        if None not in by_stratum:
            continue
        whole = by_stratum[None]
        cols: list[str | None] = [None, *(s for s in strata if s in by_stratum)]
        src = whole["sources"]
        fields = ", ".join(report.tabulation.get("fields", {}).get(std, []))
        read = (f"{_count_text(src['native'])} read from {fields}" if fields else
                "no field of this standard in the input")
        sections = []
        for name, rows in whole["sections"].items():
            body = []
            for i, row in enumerate(rows):
                counts = [by_stratum[s]["sections"][name][i]["count"] for s in cols]
                if row["kind"] == "absent" and all(n == 0 for n in counts):
                    continue
                body.append({"label": _category_label(row),
                             "counts": [_count_text(n) for n in counts]})
            sections.append({"title": f"{title} — {TABULATION_SECTIONS.get(name, name)}",
                             "rows": body})
        out.append({"title": title,
                    "intro": (f"{_count_text(whole['rows'])} records — {read}, "
                              f"{_count_text(src['bridged'])} bridged from the other standard, "
                              f"{_count_text(src['no_answer'])} with no answer."),
                    "columns": ["whole input", *(str(s) for s in cols[1:])],
                    "sections": sections})
    return out


def _parameters(report: Report) -> list[str]:
    from validator.report.markdown import _parameters as md_parameters

    return [line[2:] for line in md_parameters(report) if line.startswith("- ")]


def render_html(report: Report) -> str:
    """The HTML report: one self-contained page."""
    overall = ranking.overall(report)
    strata = ranking.strata(report)
    g = report.gate
    d = report.dataset
    counts = {s.value: sum(r.status is s for r in overall) for s in Status}
    deficient = ranking.deficiencies(report)
    rollup = "; ".join(f"{k} → {v}"
                       for k, v in (report.tabulation.get("rollup_2024") or {}).items())
    context = {
        "title": f"REaL data-quality report: {d['name']}",
        "dataset": d, "profile": report.profile, "run": report.run,
        "tool_version": report.tool_version,
        "share_safe": report.run.get("share_safe"),
        "gate": {"passed": g.passed, "verdict": "PASSED" if g.passed else "FAILED",
                 "exit_code": g.exit_code, "fail_on": g.fail_on.value,
                 "failing": list(g.failing)},
        "status_counts": [(k, counts[k]) for k in STATUS_ORDER if counts[k]],
        "readiness": readiness_view(report),
        "deficiencies": [_deficiency(i, r, report, strata)
                         for i, r in enumerate(deficient, start=1)],
        "findings": [_result_row(r) for r in ranking.findings(report)],
        "absent_chart": absent_mix_chart(report.fields),
        "completeness_charts": completeness_charts(report),
        "site_mix_charts": site_mix_charts(report),
        "category_charts": category_charts(report),
        "strata": strata,
        "results": [_result_row(r) for r in sorted(overall, key=ranking.rank)],
        "strata_results": [_result_row(r) for s in strata for r in sorted(
            (x for x in report.results if x.stratum == s
             and x.status not in (Status.PASS, Status.NOT_APPLICABLE)), key=ranking.rank)],
        "not_applicable": [_result_row(r) for r in overall
                           if r.status is Status.NOT_APPLICABLE],
        "field_table": _field_table(report.fields),
        "mapping": _mapping(report.fields),
        "tabulation": _tabulation_tables(report, strata),
        "tabulation_intro": TABULATION_INTRO.format(rollup=rollup),
        "parameters": _parameters(report),
    }
    return render_page("report.html.j2", **context)
