"""Small inline-SVG charts for the HTML reports: horizontal bars and 100 % stacked bars.

Pure functions returning SVG markup as text. Every text is escaped, every chart carries a
``<title>`` and ``<desc>`` (named by ``aria-labelledby``), every bar and segment its own
``<title>`` with the exact count (a tooltip in a browser, read out by screen readers), and the
markup holds no script, no link and no external reference. Sizes are in CSS pixels; the
``viewBox`` lets a chart shrink to the page width.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

FONT_SIZE = 12
ROW_HEIGHT = 22
BAR_HEIGHT = 14
TEXT = "#1a1a1a"
MUTED = "#595959"
GRID = "#d0d0d0"
EMPTY = "#f2f2f2"


def esc(text: object) -> str:
    """XML-escape ``text`` for element content and attribute values (quotes included)."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def slug(text: str) -> str:
    """An id fragment from ``text``: lower case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _char_px(ch: str) -> float:
    # Advances of DejaVu Sans at 12 px (Debian's default sans-serif, wider than most), so
    # that labels fit whatever sans-serif font the reader's browser picks.
    if ch.isupper():
        return 8.1
    if ch.isdigit():
        return 7.7
    if ch.islower():
        return 6.8
    return 3.9 if ch == " " else 5.4


def text_px(text: str) -> float:
    """Estimated width of ``text`` in pixels at the charts' 12 px font size."""
    return sum(_char_px(ch) for ch in text)


def fit(text: str, width: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width`` pixels (estimated)."""
    if text_px(text) <= width:
        return text
    out = ""
    for ch in text:
        if text_px(out + ch) + 8 > width:
            break
        out += ch
    return out.rstrip() + "…"


def pct(part: float, whole: float) -> float:
    """``part`` as a percentage of ``whole`` (0 when ``whole`` is 0)."""
    return 100.0 * part / whole if whole else 0.0


def pct_text(value: float) -> str:
    """A percentage for a chart label; a non-zero share never shows as 0 % or 100 %."""
    if 0 < value < 0.1:
        return "<0.1%"
    if 99.9 < value < 100:
        return ">99.9%"
    return f"{value:.1f}%"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value on the chart's scale, colour and the text shown."""

    label: str
    value: float
    color: str
    text: str
    tooltip: str = ""


@dataclass(frozen=True)
class Segment:
    """One series of a stacked chart: key, legend label and colour."""

    key: str
    label: str
    color: str


@dataclass(frozen=True)
class Marker:
    """A vertical reference line (e.g. a threshold) at ``value`` on the chart's scale."""

    value: float
    label: str


def _open(chart_id: str, title: str, desc: str, width: float, height: float) -> list[str]:
    return [
        f'<svg class="chart" id="{esc(chart_id)}" '
        f'role="img" aria-labelledby="{esc(chart_id)}-t {esc(chart_id)}-d" '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{esc(chart_id)}-t">{esc(title)}</title>',
        f'<desc id="{esc(chart_id)}-d">{esc(desc)}</desc>',
    ]


def _label_width(labels: Sequence[str], most: float = 230) -> float:
    longest = max((text_px(s) for s in labels), default=30.0)
    return min(max(longest + 14, 70), most)


def _text_width(texts: Sequence[str]) -> float:
    return max((text_px(t) for t in texts), default=30.0) + 12


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], *, desc: str = "",
              scale_max: float = 100.0, markers: Sequence[Marker] = (),
              width: float = 540, label_max: float = 230) -> str:
    """Horizontal bars, one per row, on a scale from 0 to ``scale_max``.

    Each bar shows ``text`` at its end and has its own ``<title>``; ``markers`` are drawn as
    dashed vertical lines, labelled above the bars one per line.
    """
    left = _label_width([b.label for b in bars], label_max)
    plot = max(width - left - _text_width([b.text for b in bars]), 80)
    top = 4 + 13 * len(markers)
    height = top + ROW_HEIGHT * max(len(bars), 1) + 6
    values = "; ".join(f"{b.label}: {b.text}" for b in bars)  # the data, for screen readers
    out = _open(chart_id, title, f"{desc} {values}." if desc else f"{values}.", width, height)
    scale = scale_max if scale_max > 0 else 1.0
    for i, b in enumerate(bars):
        y = top + i * ROW_HEIGHT
        w = plot * min(max(b.value, 0.0), scale) / scale
        out.append(f'<g class="bar"><title>{esc(b.tooltip or f"{b.label}: {b.text}")}</title>')
        out.append(f'<text x="{left - 6:g}" y="{y + 15}" text-anchor="end" fill="{TEXT}">'
                   f"{esc(fit(b.label, left - 8))}</text>")
        out.append(f'<rect x="{left:g}" y="{y + 4}" width="{plot:g}" height="{BAR_HEIGHT}" '
                   f'fill="{EMPTY}"/>')
        if w > 0:
            out.append(f'<rect x="{left:g}" y="{y + 4}" width="{max(w, 1):.1f}" '
                       f'height="{BAR_HEIGHT}" fill="{esc(b.color)}"/>')
        out.append(f'<text x="{left + plot + 6:g}" y="{y + 15}" fill="{TEXT}">'
                   f"{esc(b.text)}</text></g>")
    for j, m in enumerate(markers):
        x = left + plot * min(max(m.value, 0.0), scale) / scale
        y = 13 * (j + 1)
        out.append(f'<g class="marker"><title>{esc(m.label)}</title>'
                   f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{height - 2}" '
                   f'stroke="{TEXT}" stroke-width="1" stroke-dasharray="3 3"/>'
                   f'<text x="{x - 3:.1f}" y="{y - 2}" text-anchor="end" fill="{MUTED}" '
                   f'font-size="10">{esc(m.label)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def legend(segments: Sequence[Segment]) -> str:
    """An HTML legend (a list of swatches) for a stacked chart; screen readers skip it."""
    items = "".join(
        f'<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{esc(s.color)}"/></svg> {esc(s.label)}</li>' for s in segments)
    return f'<ul class="legend" aria-hidden="true">{items}</ul>'


def stacked_chart(chart_id: str, title: str, rows: Sequence[tuple[str, Sequence[float]]],
                  segments: Sequence[Segment], *, desc: str = "", width: float = 540,
                  unit: str = "rows", label_max: float = 230,
                  totals: Sequence[str] | None = None) -> str:
    """100 % stacked horizontal bars: one row per label, one segment per series.

    ``rows`` are ``(label, values)`` with one value per segment, in the order of ``segments``.
    The total (or ``totals[i]``) is printed at the end of each bar; each segment's ``<title>``
    gives its count and share. A row with a total of 0 is drawn empty and says so.
    """
    left = _label_width([label for label, _ in rows], label_max)
    ends = [totals[i] if totals is not None else
            (f"{sum(values):,.0f} {unit}" if sum(values) else f"no {unit}")
            for i, (_, values) in enumerate(rows)]
    plot = max(width - left - _text_width(ends), 80)
    height = 4 + ROW_HEIGHT * max(len(rows), 1) + 6
    out = _open(chart_id, title, desc, width, height)
    for i, (label, values) in enumerate(rows):
        y = 4 + i * ROW_HEIGHT
        total = float(sum(values))
        out.append(f'<g class="row"><text x="{left - 6:g}" y="{y + 15}" text-anchor="end" '
                   f'fill="{TEXT}"><title>{esc(label)}</title>{esc(fit(label, left - 8))}</text>')
        out.append(f'<rect x="{left:g}" y="{y + 4}" width="{plot:g}" height="{BAR_HEIGHT}" '
                   f'fill="{EMPTY}"/>')
        x = float(left)
        for seg, value in zip(segments, values):
            if value <= 0 or total <= 0:
                continue
            w = plot * value / total
            share = pct_text(pct(value, total))
            count = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
            out.append(f'<rect class="seg" x="{x:.1f}" y="{y + 4}" width="{w:.2f}" '
                       f'height="{BAR_HEIGHT}" fill="{esc(seg.color)}" stroke="#ffffff" '
                       f'stroke-width="0.5"><title>{esc(label)}: {esc(seg.label)} {count} '
                       f"{esc(unit)} ({share})</title></rect>")
            x += w
        out.append(f'<text x="{left + plot + 6:g}" y="{y + 15}" fill="{MUTED}">'
                   f"{esc(ends[i])}</text></g>")
    out.append("</svg>")
    return "\n".join(out)
