"""compare.html and diff.html (validator/report/compare_html.py) from the model of
validator/compare.py: self-contained, well-formed, sites and readiness first, charts side by
side per site, suppressed cells never drawn as numbers. The browser check is in
tests/test_html_browser.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, invoke

from validator import compare as cmp
from validator.report.compare_html import render_compare_html
from validator.report.html import CSP

SITES = ("north", "south", "east")


class _Balance(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "link", "input", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def _well_formed(page: str) -> None:
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert not re.search(r"https?://|\bsrc\s*=|<script|<link|<img|url\s*\(", page, re.I)
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))
    checker = _Balance()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []
    assert MARKER not in page


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sites")
    paths = {}
    for site in (*SITES, "north_2027"):
        result = invoke(CliRunner(), "validate", FIXTURES / "three_sites" / f"{site}.csv",
                        "--out", out / site, "--format", "csv", "--as-of", "2026-11-01",
                        "--dataset", site.split("_")[0], "-q")
        assert result.exit_code in (0, 1), result.output
        paths[site] = out / site / "results.csv"
    return paths


@pytest.fixture(scope="module")
def model(results: dict[str, Path]) -> cmp.Comparison:
    return cmp.compare(cmp.load_runs([results[s] for s in SITES]))


@pytest.fixture(scope="module")
def page(model: cmp.Comparison) -> str:
    return render_compare_html(model)


def test_compare_page_is_self_contained_and_well_formed(page: str) -> None:
    _well_formed(page)
    assert "<h1>REaL data quality: site comparison</h1>" in page


def test_sites_and_readiness_come_first(model: cmp.Comparison, page: str) -> None:
    rows = re.findall(r'<tr class="site"><th scope="row">([^<]+)</th>', page)
    assert rows == [s.label for s in model.sites] == list(SITES)
    assert page.index('id="sites"') < page.index('id="readiness"') < page.index(
        'id="charts-completeness"')
    readiness = page[page.index('id="readiness-table"'):]
    readiness = readiness[:readiness.index("</table>")]
    head = re.findall(r'<th scope="col">([^<]+)</th>', readiness)
    assert head == ["stratifier", *SITES]
    stratifiers = [r.key["stratifier"] for r in model.sections["readiness"]]
    assert re.findall(r'<tr><th scope="row">([^<]+)</th>', readiness) == stratifiers
    verdicts = [c.verdict for r in model.sections["readiness"] for c in r.cells.values()
                if c is not None]
    assert re.findall(r'<span class="pill \w*">([^<]+)</span>', readiness) == verdicts


def _chart(page: str, chart_id: str) -> str:
    start = page.index(f'<svg class="chart" id="{chart_id}"')
    return page[start:page.index("</svg>", start)]


def test_charts_side_by_side_per_site(model: cmp.Comparison, page: str) -> None:
    ids = re.findall(r'<svg class="chart" id="([^"]+)" role="img"', page)
    assert "chart-completeness-race-codes" in ids
    assert "chart-absent-race-codes" in ids
    assert "chart-respondent-race-respondent" in ids
    assert "chart-category-spd15-2024-alone-2118-8" in ids  # MENA alone
    for chart_id in ids:
        svg = _chart(page, chart_id)
        assert f'<title id="{chart_id}-t">' in svg
        labels = re.findall(r'text-anchor="end" fill="#1a1a1a">(?:<title>[^<]*</title>)?'
                            r"([^<]+)</text>", svg)
        assert labels == list(SITES), chart_id
    # a cell the share-safe results table suppressed is written so, never as a number
    race = next(r for r in model.sections["completeness"] if r.key["field"] == "race_codes")
    for site in model.sites:
        c = race.cells[site.id]
        assert c is not None
        expected = "suppressed" if c.numerator is None else cmp.cell_text(c)
        assert f"{site.label}: {expected}" in _chart(page, "chart-completeness-race-codes")


def test_every_section_has_its_table(model: cmp.Comparison, page: str) -> None:
    for name, rows in model.sections.items():
        if rows:
            assert f'id="section-{name.replace("_", "-")}"' in page, name
    checks = page[page.index('id="section-checks"'):]
    assert checks.count('<tr><th scope="row">') == len(model.sections["checks"])


def test_cli_writes_compare_and_diff_html(cli: CliRunner, tmp_path: Path,
                                          results: dict[str, Path]) -> None:
    result = invoke(cli, "compare", *(results[s] for s in SITES), "--out", tmp_path / "c",
                    "--format", "html")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["compare.html"]
    _well_formed((tmp_path / "c" / "compare.html").read_text(encoding="utf-8"))
    result = invoke(cli, "compare", "--diff", results["north"], results["north_2027"],
                    "--out", tmp_path / "d", "--format", "html")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "d" / "diff.html").read_text(encoding="utf-8")
    _well_formed(text)
    assert "<h1>REaL data quality: two runs of one dataset</h1>" in text
    assert 'id="chart-diff-summary"' in text and 'id="transitions"' in text
    assert "html" in invoke(cli, "compare", "--help").output


def test_any_other_model_is_shown_as_tables() -> None:
    page = render_compare_html({"anything": {"x": {"k": 1}, "y": {"k": "<2>"}}})
    _well_formed(page)
    assert '<table class="generic">' in page and "&lt;2&gt;" in page
