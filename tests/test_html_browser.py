"""report.html in a real browser: Debian's headless Chromium renders the page written by
`real-validator validate --format html` for an extract with deficiencies and three sites; the
test asserts on the DOM Chromium built, on its log (nothing loaded, nothing blocked by the
Content-Security-Policy) and on the screenshot.

Chromium is installed by `make browser` (a dependency of `make test`, so of .ci/run). Without
it the test is skipped, unless REAL_VALIDATOR_REQUIRE_BROWSER=1 (set by `make test` when run as
root, i.e. in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from chromium import WINDOW, dump_dom, find_chromium, png_size, screenshot
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, invoke

CHROMIUM = find_chromium()
if CHROMIUM is None:
    if os.environ.get("REAL_VALIDATOR_REQUIRE_BROWSER") == "1":
        raise RuntimeError("Chromium is required here (REAL_VALIDATOR_REQUIRE_BROWSER=1) but "
                           "/usr/bin/chromium is missing: run `make browser` as root")
    pytest.skip("no Chromium (install Debian's chromium: `make browser` as root)",
                allow_module_level=True)


class _Dom(HTMLParser):
    """Elements of the serialised DOM: tag, attributes and own text, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, []))
        self._open.append(len(self.elements) - 1)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self.elements[self._open.pop()][0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for i in self._open:
            self.elements[i][2].append(data)

    def find(self, tag: str, **attrs: str) -> list[tuple[dict[str, str], str]]:
        out = []
        for t, a, text in self.elements:
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append((a, "".join(text)))
        return out

    def by_class(self, tag: str, cls: str) -> list[tuple[dict[str, str], str]]:
        return [(a, "".join(text)) for t, a, text in self.elements
                if t == tag and cls in a.get("class", "").split()]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "reports"
    result = invoke(CliRunner(), "validate", FIXTURES / "canonical_3000_seeded_defects.csv",
                    "--out", out, "--format", "json,md,html", "--as-of", "2026-11-01",
                    "--dataset", "seeded defects")
    assert result.exit_code == 1, result.output
    return out / "report.html"


@pytest.fixture(scope="module")
def rendered(page: Path) -> tuple[_Dom, str]:
    assert CHROMIUM is not None
    r = dump_dom(CHROMIUM, page)
    dom = _Dom()
    dom.feed(r.dom)
    return dom, r.log


def test_chromium_renders_the_verdict_and_ranked_deficiencies(page: Path,
                                                              rendered: tuple[_Dom, str]
                                                              ) -> None:
    dom, _ = rendered
    report = json.loads((page.parent / "report.json").read_text(encoding="utf-8"))
    assert [t for _, t in dom.find("p", id="gate-verdict")] == ["Gate: FAILED"]
    assert next(t for _, t in dom.find("title")) == "REaL data-quality report: seeded defects"
    entries = dom.by_class("li", "deficiency")
    deficient = [r for r in report["results"]
                 if r["stratum"] is None and r["status"] in ("ERROR", "FAIL", "WARN")]
    assert len(entries) == len(deficient) >= 9
    statuses = [a["class"].split()[1] for a, _ in entries]
    assert statuses == ["FAIL"] * 7 + ["WARN"] * (len(entries) - 7)
    # ranked as in report.md: the check id line under each "### N." heading
    md = (page.parent / "report.md").read_text(encoding="utf-8")
    md_order = re.findall(r"^### \d+\. .*\n\n`([A-Z0-9_.]+)`", md, re.M)
    assert [a["data-check"] for a, _ in entries] == md_order
    assert entries[0][0]["data-check"] == "RACE.VALUESET"  # most rows affected among FAILs
    assert "105 of 2610 (4.02%)" in entries[0][1]  # RACE.VALUESET: a known count
    assert "A: FAIL 40/875 (4.57%)" in re.sub(r"\s+", " ", entries[0][1])
    assert "What it means for stratification" in entries[0][1]
    assert "How to fix" in entries[0][1]


def test_chromium_renders_the_svg_charts_with_titles(rendered: tuple[_Dom, str]) -> None:
    dom, _ = rendered
    charts = {a["id"]: a for a, _ in dom.find("svg") if "chart" in a.get("class", "")}
    titles = {a.get("id"): t for a, t in dom.find("title")}
    expected = {
        "chart-absent-mix": "Absent-reason mix per field",
        "chart-completeness-race-completeness-race-codes":
            "Race informative rate (race_codes) per site",
        "chart-site-mix-race-codes": "race_codes: absent-reason mix per site",
        "chart-categories-omb1997-race": "OMB 1997 race: records per category",
        "chart-categories-omb1997-race-sites": "OMB 1997 race: category mix per site",
        "chart-categories-spd15_2024-alone": "SPD-15 2024 alone: records per category",
    }
    for chart_id, title in expected.items():
        assert chart_id in charts, chart_id
        assert charts[chart_id]["role"] == "img"
        assert titles[f"{chart_id}-t"] == title
    # the per-site completeness bars carry their counts and status in words
    text = " ".join(t for _, t in dom.find("text"))
    assert "87.00% (2,610/3,000) WARN" in text
    assert all(s in text for s in ("whole input", "A", "B", "C"))


def test_chromium_loads_nothing_and_no_phi(page: Path, rendered: tuple[_Dom, str]) -> None:
    dom, log = rendered
    assert "Content Security Policy" not in log, log
    assert "net::ERR" not in log and "Failed to load" not in log, log
    assert not dom.find("script") and not dom.find("link") and not dom.find("img")
    assert MARKER not in page.read_text(encoding="utf-8")


def test_screenshot(page: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    png = tmp_path / "report.png"
    args = screenshot(CHROMIUM, page, png)
    assert "--disable-background-networking" in args and "--window-size=1280,2000" in args
    assert png_size(png) == WINDOW
    assert png.stat().st_size > 50_000  # a blank 1280x2000 page compresses to a few KB


def test_compare_page_in_chromium(tmp_path: Path) -> None:
    """compare.html of three sites: Chromium builds the sites table, the readiness grid and
    the side-by-side charts, and loads nothing."""
    assert CHROMIUM is not None
    runner = CliRunner()
    tables = []
    for site in ("north", "south", "east"):
        result = invoke(runner, "validate", FIXTURES / "three_sites" / f"{site}.csv", "--out",
                        tmp_path / site, "--format", "csv", "--as-of", "2026-11-01",
                        "--dataset", site, "-q")
        assert result.exit_code in (0, 1), result.output
        tables.append(tmp_path / site / "results.csv")
    result = invoke(runner, "compare", *tables, "--out", tmp_path / "cmp", "--format", "html")
    assert result.exit_code == 0, result.output
    page = tmp_path / "cmp" / "compare.html"
    r = dump_dom(CHROMIUM, page)
    dom = _Dom()
    dom.feed(r.dom)
    assert "Content Security Policy" not in r.log, r.log
    sites = re.findall(r'<tr class="site"><th scope="row">([^<]+)</th>', r.dom)
    assert sites == ["north", "south", "east"]
    assert len(dom.find("table", id="readiness-table")) == 1
    charts = [a["id"] for a, _ in dom.find("svg") if "chart" in a.get("class", "")]
    assert "chart-completeness-race-codes" in charts and "chart-absent-race-codes" in charts
    grids = dom.by_class("div", "grid2")
    assert grids and all("north" in t and "south" in t and "east" in t for _, t in grids)
    png = tmp_path / "compare.png"
    screenshot(CHROMIUM, page, png)
    assert png_size(png) == WINDOW and png.stat().st_size > 50_000
