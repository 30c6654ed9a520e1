"""report.html without a browser: self-contained (nothing to load, no URL), well-formed, ranked
like report.md, accessible charts, deterministic, and robust to share-safe and readiness data.
The browser test is tests/test_html_browser.py."""

from __future__ import annotations

import dataclasses
import html
import re
import types
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, invoke

import validator
from validator.report import ranking, svg
from validator.report.html import (
    ABSENT_ANY_COLOR,
    ABSENT_COLORS,
    CATEGORY_COLORS,
    COMBINATION_COLOR,
    CSP,
    FALLBACK_COLORS,
    STATUS_COLORS,
    UNCLASSIFIED_COLOR,
    readiness_view,
    render_html,
)
from validator.report.markdown import render_markdown
from validator.results import Report

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@pytest.fixture(scope="module")
def report() -> Report:
    return validator.validate(FIXTURES / "canonical_3000_seeded_defects.csv",
                              as_of_date="2026-11-01", dataset="seeded defects")


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return render_html(report)


class _Checker(HTMLParser):
    """Every tag closed in order, every attribute collected."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return checker


def test_page_loads_nothing_and_names_no_url(page: str) -> None:
    assert not re.search(r"https?://", page, re.I)
    assert not re.search(r"\bsrc\s*=", page, re.I)
    body = page.replace(f'content="{CSP}"', "")
    assert not re.search(r"url\s*\(|@import|xlink:href|srcset|<base|data:", body, re.I)
    assert all(h.startswith("#") for h in re.findall(r'\bhref\s*=\s*"([^"]*)"', page, re.I))
    assert not re.search(r"<(script|link|img|iframe|object|embed|form|audio|video)\b", page,
                         re.I)
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def test_page_parses_with_every_tag_closed(page: str) -> None:
    checker = _parse(page)
    assert checker.errors == []
    assert checker.stack == []
    ids = [a["id"] for _, a in checker.tags if "id" in a]
    assert len(ids) == len(set(ids)), "duplicate ids"
    anchors = {a["href"][1:] for t, a in checker.tags if t == "a"}
    assert anchors <= set(ids), anchors - set(ids)
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")


def test_gate_first_then_deficiencies_in_markdown_order(report: Report, page: str) -> None:
    assert page.index("Gate: FAILED") < page.index('id="deficiencies"') < page.index(
        'id="charts"') < page.index('id="checks"') < page.index('id="fields"') < page.index(
        'id="parameters"')
    order = re.findall(r'<li class="deficiency (?:ERROR|FAIL|WARN)" id="def-\d+" '
                       r'data-check="([^"]+)">', page)
    expected = [r.check_id for r in ranking.deficiencies(report)]
    assert order == expected and len(order) >= 9
    md_order = re.findall(r"^### \d+\. .*\n\n`([A-Z0-9_.]+)`", render_markdown(report), re.M)
    assert order == md_order
    first = page[page.index('id="def-1"'):page.index('id="def-2"')]
    assert "105 of 2610 (4.02%)" in first
    assert "What it means for stratification" in first and "How to fix" in first


def test_charts_are_accessible_svg(page: str) -> None:
    charts = re.findall(r'<svg class="chart" id="([^"]+)" role="img" '
                        r'aria-labelledby="\1-t \1-d"', page)
    assert {"chart-absent-mix", "chart-completeness-race-completeness-race-codes",
            "chart-completeness-eth-completeness-ethnicity-code", "chart-site-mix-race-codes",
            "chart-categories-omb1997-race", "chart-categories-omb1997-ethnicity",
            "chart-categories-spd15_2024-alone"} <= set(charts)
    for chart_id in charts:
        assert f'<title id="{chart_id}-t">' in page and f'<desc id="{chart_id}-d">' in page
    # every bar segment names itself with its count
    assert page.count('<rect class="seg"') == len(re.findall(
        r'<rect class="seg"[^>]*><title>[^<]+ \d[\d,]* (rows|records) \(', page))
    assert "race_codes: declined 120 rows (4.0%)" in page


def test_rendering_is_deterministic(report: Report, page: str) -> None:
    assert render_html(report) == page


def test_written_by_the_cli(cli: CliRunner, tmp_path: Path) -> None:
    result = invoke(cli, "validate", FIXTURES / "clean_minimal.csv", "--out", tmp_path,
                    "--format", "html")
    written = tmp_path / "report.html"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    text = written.read_text(encoding="utf-8")
    verdict = "PASSED" if result.exit_code == 0 else "FAILED"
    assert f"Gate: {verdict}" in text
    assert "html" in invoke(cli, "validate", "--help").output


def test_urls_in_catalogue_text_are_shown_but_not_written_as_urls(report: Report) -> None:
    first = ranking.deficiencies(report)[0]
    url = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
    changed = dataclasses.replace(
        report, results=tuple(dataclasses.replace(r, reason=f"system {url}") if r is first
                              else r for r in report.results))
    text = render_html(changed)
    assert "://" not in text
    assert f"system {url}" in html.unescape(text)


def test_readiness_per_stratifier_before_the_deficiencies(report: Report, page: str) -> None:
    readiness = report.readiness
    assert [s["stratifier"] for s in readiness] == ["race", "ethnicity"]
    assert page.index('id="gate-verdict"') < page.index('id="readiness"') < page.index(
        'id="deficiencies"')
    rows = re.findall(r'<tr class="stratifier" data-verdict="([^"]+)"><th scope="row">(\w+)',
                      page)
    assert rows == [(s["verdict"], s["stratifier"]) for s in readiness]
    assert '<span class="pill bad">NOT READY</span>' in page
    blockers = [r for r in readiness[0]["reasons"] if r["level"] == "blocker"]
    assert blockers and html.escape(blockers[0]["text"], quote=False) in page
    # the criteria grid: one cell per criterion S1-S12 and stratifier, outcome in words
    assert page.count('<td class="crit ') == 12 * len(readiness)
    assert '<span class="sr-only">not met</span>' in page


def test_readiness_absent_or_of_another_shape(report: Report) -> None:
    assert 'id="readiness"' not in render_html(dataclasses.replace(report, readiness=()))
    data = {f.name: getattr(report, f.name) for f in dataclasses.fields(report)
            if f.name != "readiness"}
    older = types.SimpleNamespace(**data)  # a report object from before readiness existed
    assert 'id="readiness"' not in render_html(older)  # type: ignore[arg-type]
    other = types.SimpleNamespace(**data, readiness={"overall": "READY", "notes": ["x < y"]})
    text = render_html(other)  # type: ignore[arg-type]
    assert 'id="readiness"' in text and '<span class="word good">READY</span>' in text
    assert "x &lt; y" in text
    assert readiness_view(types.SimpleNamespace(readiness=None)) is None


def test_share_safe_report_renders_suppressed_counts() -> None:
    share_safe = pytest.importorskip("validator.share_safe")
    small = validator.validate(FIXTURES / "pediatric" / "registration.csv",
                               profile=FIXTURES / "pediatric" / "profile.yaml",
                               as_of_date="2026-11-01")
    text = render_html(share_safe.share_safe(small))
    assert 'id="share-safe"' in text and "suppressed" in text
    checker = _parse(text)
    assert checker.errors == [] and checker.stack == []


def _luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str = "#ffffff") -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_colours_have_sufficient_contrast() -> None:
    for color in STATUS_COLORS.values():  # white badge text: WCAG AA for text
        assert _contrast(color) >= 4.5, color
    graphics = [*ABSENT_COLORS.values(), *CATEGORY_COLORS.values(), *FALLBACK_COLORS,
                COMBINATION_COLOR, UNCLASSIFIED_COLOR, ABSENT_ANY_COLOR]
    for color in graphics:  # bars against the white page: WCAG non-text contrast
        assert _contrast(color) >= 3.0, color


def test_svg_escapes_text_and_draws_proportions() -> None:
    chart = svg.stacked_chart("c", 'Mix <&> "q"', [("<b>", [3, 1]), ("empty", [0, 0])],
                              [svg.Segment("a", "a&b", "#000000"),
                               svg.Segment("b", "b", "#111111")], width=400)
    assert "<b>" not in chart and "&lt;b&gt;" in chart and "a&amp;b" in chart
    assert "Mix &lt;&amp;&gt; &quot;q&quot;" in chart
    widths = [float(w) for w in re.findall(r'class="seg"[^>]* width="([\d.]+)"', chart)]
    assert len(widths) == 2 and widths[0] == pytest.approx(3 * widths[1], rel=0.01)
    assert "no rows" in chart
    bars = svg.bar_chart("b", "t", [svg.Bar("x", 50, "#000000", "50%")],
                         markers=[svg.Marker(70, "FAIL below 70%")])
    assert "FAIL below 70%" in bars and 'stroke-dasharray="3 3"' in bars
    assert svg.fit("a" * 100, 60).endswith("…") and svg.fit("short", 200) == "short"
    assert svg.pct_text(0.01) == "<0.1%" and svg.pct_text(99.95) == ">99.9%"
