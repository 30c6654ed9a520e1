"""`real-validator compare` and `compare --diff` (validator/compare.py) over the three-site
fixture (scripts/make_three_site_fixture.py): exact counts in compare.json/.csv/.md, suppressed
cells kept suppressed, diff between two runs of one site, and one clear exit-2 message for every
bad input. The HTML page is tested in tests/test_compare_html.py."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, assert_share_safe_rows, invoke

from validator import compare as cmp

THREE = FIXTURES / "three_sites"
SITES = ("north", "south", "east")
AS_OF = "2026-11-01"


def _validate(out: Path, site: str, *extra: str) -> Path:
    result = invoke(CliRunner(), "validate", THREE / f"{site}.csv", "--out", out / site,
                    "--format", "csv,parquet", "--as-of", AS_OF, "--dataset",
                    site.split("_")[0], "-q", *extra)
    assert result.exit_code in (0, 1), result.output
    return out / site / "results.csv"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("plain")
    return {s: _validate(out, s) for s in (*SITES, "north_2027")}


@pytest.fixture(scope="module")
def safe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("safe")
    return {s: _validate(out, s, "--share-safe") for s in SITES}


@pytest.fixture(scope="module")
def compared(plain: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "out"
    result = invoke(CliRunner(), "compare", *(plain[s] for s in SITES), "--out", out,
                    "--format", "json,md,csv,html")
    assert result.exit_code == 0, result.output
    assert "real-validator compare: 3 sites from 3 runs" in result.output
    return out


def _cell(doc: dict[str, Any], section: str, site: str, **key: str) -> tuple[Any, Any]:
    ids = {s["label"]: s["id"] for s in doc["sites"]}
    rows = [r for r in doc["sections"][section]
            if all(r.get(k) == v for k, v in key.items())]
    assert len(rows) == 1, (section, key, len(rows))
    c = rows[0]["cells"][ids[site]]
    return (None, "suppressed") if c["suppressed"] else (c["numerator"], c["denominator"])


def test_sites_and_verdicts(compared: Path) -> None:
    doc = json.loads((compared / "compare.json").read_text(encoding="utf-8"))
    assert doc["compare_version"] == "1.0" and doc["mode"] == "compare"
    sites = {s["label"]: s for s in doc["sites"]}
    assert [s["label"] for s in doc["sites"]] == list(SITES)
    assert {k: s["records"] for k, s in sites.items()} == {"north": 300, "south": 200,
                                                           "east": 120}
    assert {k: s["verdict"] for k, s in sites.items()} == {
        "north": "FAILED", "south": "PASSED", "east": "FAILED"}
    assert "AGE.COMPUTABLE[birth_date]" in sites["east"]["failing"]
    assert not any(s["share_safe"] for s in doc["sites"])
    assert doc["notes"] == ["some inputs are not share-safe: do not publish this comparison "
                            "as is"]


def test_exact_counts_per_site(compared: Path) -> None:
    """Numbers straight from the generator's RACE and LANGUAGE tables."""
    doc = json.loads((compared / "compare.json").read_text(encoding="utf-8"))

    def completeness(site: str, field: str) -> tuple[Any, Any]:
        return _cell(doc, "completeness", site, field=field)

    assert [completeness(s, "race_codes") for s in SITES] == [(282, 300), (176, 200),
                                                               (112, 120)]
    assert [completeness(s, "birth_date") for s in SITES] == [(300, 300), (200, 200),
                                                               (119, 120)]

    def absent(site: str, category: str) -> tuple[Any, Any]:
        return _cell(doc, "absent_reasons", site, field="race_codes", category=category)

    assert [absent(s, "declined")[0] for s in SITES] == [7, 13, 0]
    assert [absent(s, "unknown")[0] for s in SITES] == [9, 11, 8]
    assert [absent(s, "blank")[0] for s in SITES] == [2, 0, 0]

    def category(site: str, field: str, key: str) -> Any:
        return _cell(doc, "categories", site, field=field, category=key)[0]

    assert [category(s, "spd15_2024.alone", "2118-8") for s in SITES] == [0, 12, 3]  # MENA
    assert [category(s, "omb1997.race", "more_than_one_race") for s in SITES] == [14, 4, 12]
    assert [category(s, "omb1997.race", "2131-1") for s in SITES] == [11, 4, 0]
    assert [category(s, "omb1997.race", "declined") for s in SITES] == [7, 13, 0]


def test_csv_and_markdown_carry_the_same_counts(compared: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(
        (compared / "compare.csv").read_text(encoding="utf-8"))))
    race = {r["label"]: (r["numerator"], r["denominator"]) for r in rows
            if r["section"] == "completeness" and r["field"] == "race_codes"}
    assert race == {"north": ("282", "300"), "south": ("176", "200"), "east": ("112", "120")}
    md = (compared / "compare.md").read_text(encoding="utf-8")
    assert ("| `race_codes` | 94.00% (282/300) | 88.00% (176/200) | 93.33% (112/120) |"
            in md)
    assert "| MENA alone (SPD-15 2024) | 0.00% (0/300) | 6.00% (12/200) | 2.50% (3/120) |" in md
    html = (compared / "compare.html").read_text(encoding="utf-8")
    for shown in ("282/300", "176/200", "112/120", "12/200", "3/120"):
        assert shown in html, shown
    for name in ("compare.json", "compare.md", "compare.csv", "compare.html"):
        assert MARKER not in (compared / name).read_text(encoding="utf-8"), name


def test_share_safe_inputs_stay_suppressed(safe: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(CliRunner(), "compare", *(safe[s] for s in SITES), "--out", out,
                    "--format", "json,csv,md")
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert all(s["share_safe"] and s["min_cell"] == 11 for s in doc["sites"])
    assert doc["notes"][0].startswith("share-safe input")
    # small counts at one site are suppressed there; large ones are still read exactly
    assert _cell(doc, "categories", "east", field="spd15_2024.alone",
                 category="2118-8") == (None, "suppressed")  # MENA 3
    assert _cell(doc, "categories", "south", field="spd15_2024.alone",
                 category="2118-8") == (12, 200)
    assert _cell(doc, "categories", "south", field="omb1997.race",
                 category="2131-1") == (None, "suppressed")  # Some other race 4
    assert _cell(doc, "categories", "north", field="omb1997.race",
                 category="2131-1") == (11, 300)
    assert _cell(doc, "completeness", "south", field="race_codes") == (176, 200)
    assert _cell(doc, "absent_reasons", "north", field="race_codes",
                 category="declined") == (None, "suppressed")  # 7
    rows = list(csv.DictReader(io.StringIO((out / "compare.csv").read_text(encoding="utf-8"))))
    assert_share_safe_rows(rows, "section")


def test_parquet_results_compare_like_csv(plain: dict[str, Path], tmp_path: Path) -> None:
    from_csv = cmp.compare(cmp.load_runs([plain[s] for s in SITES]))
    from_parquet = cmp.compare(cmp.load_runs(
        [plain[s].with_suffix(".parquet") for s in SITES]))
    assert from_parquet.to_dict() == from_csv.to_dict()


def test_labels_and_stratified_runs(plain: dict[str, Path], tmp_path: Path) -> None:
    model = cmp.compare(cmp.load_runs([plain["north"], plain["south"]], ["N", "S"]))
    assert [s.label for s in model.sites] == ["N", "S"]
    pooled = tmp_path / "pooled"
    result = invoke(CliRunner(), "validate", THREE / "three_sites.csv", "--stratify-by",
                    "site_id", "--as-of", AS_OF, "--out", pooled, "--format", "csv", "-q")
    assert result.exit_code == 1, result.output
    model = cmp.compare(cmp.load_runs([pooled / "results.csv"]))
    labels = [s.label for s in model.sites]
    assert len(labels) == 4 and {s.records for s in model.sites} == {620, 300, 200, 120}
    doc = model.to_dict()
    by_stratum = {s["stratum"]: s["id"] for s in doc["sites"]}
    race = next(r for r in doc["sections"]["completeness"] if r["field"] == "race_codes")
    assert {k: race["cells"][v]["numerator"] for k, v in by_stratum.items()} == {
        None: 570, "north": 282, "south": 176, "east": 112}


def test_diff_between_two_runs_of_one_site(plain: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "diff"
    result = invoke(CliRunner(), "compare", "--diff", plain["north"], plain["north_2027"],
                    "--out", out, "--format", "json,md,csv")
    assert result.exit_code == 0, result.output
    assert ("real-validator diff: 0 worse, 4 better, 55 changed, 0 added, 0 removed"
            in result.output)
    doc = json.loads((out / "diff.json").read_text(encoding="utf-8"))
    assert doc["summary"] == {"worse": 0, "better": 4, "changed": 55, "suppressed": 0,
                              "added": 0, "removed": 0, "same": 461}

    def change(check: str, stratum: str | None = None) -> dict[str, Any]:
        found = [c for c in doc["changes"] if c["kind"] == "check" and c["check_id"] == check
                 and c["stratum"] == stratum]
        assert len(found) == 1
        return found[0]

    race = change("RACE.COMPLETENESS")  # 6 of the 9 unknown races re-asked
    assert (race["old"]["numerator"], race["new"]["numerator"], race["delta_numerator"]) == (
        282, 288, 6)
    assert race["change"] == "changed" and race["transition"] is None
    interp = change("LANG.INTERPRETER_PRESENT_IF_NONENGLISH")  # 5 blanks filled
    assert (interp["old"]["numerator"], interp["new"]["numerator"]) == (5, 0)
    assert (interp["transition"], interp["change"]) == ("FAIL→PASS", "better")
    md = (out / "diff.md").read_text(encoding="utf-8")
    assert "| 0 | 4 | 55 | 0 | 0 | 0 | 461 |" in md
    rows = list(csv.DictReader(io.StringIO((out / "diff.csv").read_text(encoding="utf-8"))))
    assert sum(r["change"] == "better" for r in rows) == 4


def _results_copy(src: Path, dst: Path, edit: Any = None) -> Path:
    rows = list(csv.DictReader(io.StringIO(src.read_text(encoding="utf-8"))))
    if edit:
        rows = edit(rows)
    with dst.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return dst


def _bad_inputs(plain: dict[str, Path], tmp: Path) -> dict[str, tuple[list[Any], str]]:
    patient = THREE / "north.csv"
    dup = _results_copy(plain["north"], tmp / "dup.csv", lambda rows: [*rows, rows[0]])
    mixed = _results_copy(plain["south"], tmp / "mixed.csv",
                          lambda rows: [{**r, "tool_version": "0.0.9"} for r in rows])
    bad_number = _results_copy(plain["south"], tmp / "badnum.csv",
                               lambda rows: [{**rows[0], "numerator": "many"}, *rows[1:]])
    empty = tmp / "empty.csv"
    empty.write_text("", encoding="utf-8")
    return {
        "missing file": ([tmp / "nope.csv"], "nope.csv"),
        "patient data, not a results table": ([patient], "north.csv"),
        "empty file": ([empty], "empty.csv"),
        "duplicate row": ([dup], "dup.csv"),
        "mixed tool versions": ([plain["north"], mixed], "different tool versions"),
        "not a number": ([bad_number], "badnum.csv"),
        "diff needs two": (["--diff", plain["north"]], "--diff needs exactly two runs"),
        "labels count": (["--labels", "a", plain["north"], plain["south"]], "--labels"),
        "unknown format": (["--format", "pdf", plain["north"]], "pdf"),
        "directory": ([tmp], str(tmp.name)),
    }


@pytest.mark.parametrize("case", [
    "missing file", "patient data, not a results table", "empty file", "duplicate row",
    "mixed tool versions", "not a number", "diff needs two", "labels count", "unknown format",
    "directory"])
def test_bad_input_is_one_clear_message(case: str, plain: dict[str, Path],
                                        tmp_path: Path) -> None:
    args, needle = _bad_inputs(plain, tmp_path)[case]
    before = {p: p.read_bytes() for p in args if isinstance(p, Path) and p.is_file()}
    out = tmp_path / "out"
    result = invoke(CliRunner(), "compare", *args, "--out", out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert needle in result.output
    assert len(result.output.strip().splitlines()) <= 4, result.output
    assert MARKER not in result.output
    assert not out.exists()  # nothing written
    assert {p: p.read_bytes() for p in before} == before


def test_mixed_versions_can_be_allowed(plain: dict[str, Path], tmp_path: Path) -> None:
    mixed = _results_copy(plain["south"], tmp_path / "mixed.csv",
                          lambda rows: [{**r, "tool_version": "0.0.9"} for r in rows])
    result = invoke(CliRunner(), "compare", plain["north"], mixed, "--allow-mixed-versions",
                    "--out", tmp_path / "out", "--format", "json", "-q")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert (tmp_path / "out" / "compare.json").is_file()


def test_three_site_fixture_is_what_the_generator_writes(tmp_path: Path) -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "scripts" / "make_three_site_fixture.py"
    spec = importlib.util.spec_from_file_location("make_three_site_fixture", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.generate(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in THREE.iterdir())
    for p in written:
        assert p.read_bytes() == (THREE / p.name).read_bytes(), p.name
    assert sum(1 for _ in (THREE / "three_sites.csv").open(encoding="utf-8")) == 621
