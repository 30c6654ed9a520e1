"""Share-safe mode (--share-safe, validator/share_safe.py): small cells suppressed, with
complementary suppression that no attack recovers; counts checked exactly on the three-site
fixture (scripts/make_three_site_fixture.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from attack import attack, cells, relations
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, assert_share_safe_rows, invoke

import validator
from validator import share_safe as ss_module
from validator.errors import UsageError
from validator.report import results_table
from validator.results import Report, Status
from validator.share_safe import CellModel, mask_numbers, share_safe

THREE = FIXTURES / "three_sites"
AS_OF = "2026-11-01"


def _doc(report: Report) -> dict[str, Any]:
    return json.loads(json.dumps(report.to_dict()))


@pytest.fixture(scope="module")
def three_sites() -> tuple[Report, Report]:
    """The three-site extract stratified by site, and its share-safe copy."""
    report = validator.validate(THREE / "three_sites.csv", stratify_by="site_id",
                                as_of_date=AS_OF)
    return report, share_safe(report)


# ------------------------------------------------------------------ the crafted example


def _crafted(path: Path) -> Path:
    """Two sites built so that every kind of recovery is available to a naive suppression:
    Asian 5 only at A (whole = A), race declined 5 at A (complement 95 of 100 informative),
    Hispanic 8 only at B, and 1 of 30 non-English speakers at A without interpreter need
    (with a 5 % limit, PASS_WITH_FINDINGS would mean exactly 1)."""
    rows = ["patient_id,site_id,race_codes,ethnicity_code,lang_spoken_pref,interpreter_needed"]

    def add(site: str, n: int, race: str, eth: str, lang: str, interp: str) -> None:
        rows.extend(f"{MARKER}-{len(rows):04d},{site},{race},{eth},{lang},{interp}"
                    for _ in range(n))

    add("A", 60, "2106-3", "2186-5", "en", "no")
    add("A", 5, "2028-9", "2186-5", "en", "no")
    add("A", 5, "asked-declined", "2186-5", "en", "no")
    add("A", 29, "2054-5", "2186-5", "es", "yes")
    add("A", 1, "2054-5", "2186-5", "es", "")
    add("B", 40, "2106-3", "2186-5", "en", "no")
    add("B", 8, "2054-5", "2135-2", "en", "no")
    add("B", 12, "2054-5", "2186-5", "en", "no")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Report]:
    path = _crafted(tmp_path_factory.mktemp("crafted") / "crafted.csv")
    report = validator.validate(path, as_of_date=AS_OF)
    return report, share_safe(report)


def _simple_recoveries(shared: dict[str, Any], original: dict[str, Any]) -> list[str]:
    """Every recovery by hand: a relation (a total and its parts, across strata or
    categories, numerator + complement = denominator, identities) with one unknown left, and
    every published percent whose numerator or denominator is suppressed."""
    published = cells(shared)
    found = []
    for eq in relations(original):
        unknown = [k for k in eq if published.get(k) is None]
        if len(unknown) == 1 and unknown[0][-1] != "complement":
            found.append(f"subtraction: {unknown[0]}")
    for r in shared["results"]:
        if r["percent"] is not None and (r["numerator"] is None or r["denominator"] is None):
            found.append(f"percent: {r['check_id']} {r['stratum']}")
    return found


def test_crafted_example_naive_suppression_is_recoverable(
        crafted: tuple[Report, Report], monkeypatch: pytest.MonkeyPatch) -> None:
    """Primary suppression alone leaks: the attack recovers the small cells exactly."""
    report, _ = crafted

    def primary_only(self: CellModel, max_rounds: int = 0, small: Any = ()) -> None:
        if not self._members:
            self.freeze()
        self.primary(small)

    monkeypatch.setattr(CellModel, "suppress", primary_only)
    naive = share_safe(report)
    pinned = dict(attack(_doc(naive), _doc(report)))
    assert pinned[("field", "race_codes", "A", "declined")] == 5  # via rows - informative
    assert pinned[("tab", "omb1997", "A", "race", "2028-9")] == 5  # whole input - site B
    assert pinned[("check", "RACE.COMPLETENESS", "race_codes", "A", "complement")] == 5
    assert _simple_recoveries(_doc(naive), _doc(report))


def test_crafted_example_recovery_is_impossible(crafted: tuple[Report, Report]) -> None:
    """Share-safe output: no subtraction, percent or linear/integer program recovers any
    suppressed count or small complement; the narrow status is withheld."""
    report, shared = crafted
    doc, original = _doc(shared), _doc(report)
    assert _simple_recoveries(doc, original) == []
    assert attack(doc, original) == []
    declined = [f for f in shared.field_strata if f.field == "race_codes" and f.stratum == "A"]
    assert declined[0].counts["declined"] is None and "declined" in declined[0].suppressed
    r = shared.result("LANG.INTERPRETER_PRESENT_IF_NONENGLISH", stratum="A")
    assert (r.numerator, r.denominator, r.percent, r.status) == (None, 30, None,
                                                                Status.SUPPRESSED)
    assert report.result("LANG.INTERPRETER_PRESENT_IF_NONENGLISH", stratum="A").status is \
        Status.PASS_WITH_FINDINGS
    assert not re.search(r"\b1 of 30\b", r.reason)


def test_three_sites_recovery_is_impossible(three_sites: tuple[Report, Report]) -> None:
    """The same attack on the stratified three-site report finds nothing."""
    report, shared = three_sites
    assert attack(_doc(shared), _doc(report)) == []


@pytest.mark.parametrize("name", ["north", "south", "east"])
def test_single_site_recovery_is_impossible(name: str) -> None:
    report = validator.validate(THREE / f"{name}.csv", dataset=name, as_of_date=AS_OF)
    assert attack(_doc(share_safe(report)), _doc(report)) == []


def test_tiny_input_shows_nothing_and_stays_safe() -> None:
    """12 rows in two strata of 7 and 5: small strata are relabelled and show no count, not
    even 0; nothing can be recovered."""
    report = validator.validate(FIXTURES / "clean_minimal.csv", as_of_date=AS_OF)
    shared = share_safe(report)
    info = shared.run["share_safe"]
    assert info["strata_relabelled"] == 2
    assert set(info["strata_without_counts"]) >= {"(small stratum 1)", "(small stratum 2)"}
    assert {f.stratum for f in shared.field_strata} == {"(small stratum 1)",
                                                        "(small stratum 2)"}
    assert all(n is None for f in shared.field_strata for n in f.counts.values())
    assert attack(_doc(shared), _doc(report)) == []


# --------------------------------------------------------------- the linear audit, alone


def test_linear_audit_finds_a_bridge_every_relation_has_two_unknowns() -> None:
    """A 4 x 4 table with row and column totals, suppressed as two 2 x 2 cycles joined by
    one cell: every row and column holds 0 or at least 2 suppressed cells (the usual
    "two per line" rule is satisfied) yet the joining cell is the difference of two sums.
    The audit finds it; the cycles' cells stay unrecoverable."""
    values = [[20, 30, 40, 50], [25, 35, 45, 55], [60, 70, 80, 90], [15, 25, 35, 45]]
    model = CellModel(min_cell=11)
    cell = {(i, j): model.add(("c", i, j), values[i][j], None) for i in range(4)
            for j in range(4)}
    for i in range(4):
        model.relate(model.add(("row", i), sum(values[i]), None), [cell[i, j] for j in range(4)])
    for j in range(4):
        model.relate(model.add(("col", j), sum(v[j] for v in values), None),
                     [cell[i, j] for i in range(4)])
    model.freeze()
    hidden = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]
    for ij in hidden:
        model.cells[cell[ij]].suppressed = True
    assert all(model._exposure(g) is None for g in range(len(model.groups)))
    found = model.recoverable()
    assert cell[1, 2] in found
    assert not {cell[ij] for ij in hidden if ij != (1, 2)} & set(found)


def test_suppression_reaches_a_fixed_point_with_nothing_recoverable() -> None:
    values = [[3, 30, 40], [25, 4, 45], [60, 70, 80]]
    model = CellModel(min_cell=11)
    cell = {(i, j): model.add(("c", i, j), values[i][j], None) for i in range(3)
            for j in range(3)}
    for i in range(3):
        model.relate(model.add(("row", i), sum(values[i]), None), [cell[i, j] for j in range(3)])
    for j in range(3):
        model.relate(model.add(("col", j), sum(v[j] for v in values), None),
                     [cell[i, j] for i in range(3)])
    model.suppress()
    assert model.exposed() == []
    assert model.cells[cell[0, 0]].suppressed and model.cells[cell[1, 1]].suppressed
    assert sum(c.suppressed for c in model.cells) == 4  # the 2 x 2 cycle {00, 01, 10, 11}


# ------------------------------------------------------------ exact counts, three sites


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _cell(rows: list[dict[str, str]], **key: str) -> dict[str, str]:
    found = [r for r in rows if all(r[k] == v for k, v in key.items())]
    assert len(found) == 1, (key, len(found))
    return found[0]


@pytest.fixture(scope="module")
def three_site_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("three") / "out"
    result = invoke(CliRunner(), "validate", THREE / "three_sites.csv", "--stratify-by",
                    "site_id", "--share-safe", "--as-of", AS_OF, "--out", out,
                    "--format", "json,md,csv,parquet,html", "-q")
    assert result.exit_code == 1, result.output  # AGE.COMPUTABLE fails (1 bad birth date)
    return out


def test_three_sites_exact_cells(three_site_outputs: Path) -> None:
    """Counts straight from the generator's tables (scripts/make_three_site_fixture.py)."""
    rows = _rows(three_site_outputs / "results.csv")

    def fc(stratum: str, field: str, category: str) -> tuple[str, str, str]:
        r = _cell(rows, kind="field_count", stratum=stratum, field=field, category=category)
        return r["numerator"], r["denominator"], r["suppressed"]

    # whole input and site sizes are shown: 620 = 300 + 200 + 120
    assert fc("", "race_codes", "not_asked") == ("0", "620", "false")
    assert fc("north", "race_codes", "not_asked") == ("0", "300", "false")
    assert fc("south", "race_codes", "not_asked") == ("0", "200", "false")
    assert fc("east", "race_codes", "not_asked") == ("0", "120", "false")
    # small cells are suppressed: north declined 7, unknown 9, blank 2; east unknown 8; and
    # the cells that would give them away through the whole input = north + south + east
    # (the whole input's absent counts, each site's informative count, south's unknown 11
    # and declined 13: the greedy complement choice hides whole rectangles of this table)
    for site, category in (("north", "declined"), ("north", "unknown"), ("north", "blank"),
                           ("east", "unknown"), ("north", "informative"),
                           ("east", "informative"), ("", "declined"), ("", "unknown"),
                           ("south", "unknown"), ("south", "declined")):
        size = {"": "620", "north": "300", "south": "200", "east": "120"}[site]
        assert fc(site, "race_codes", category) == ("", size, "true"), (site, category)
    # 0 is never suppressed
    assert fc("east", "race_codes", "declined") == ("0", "120", "false")
    assert fc("south", "race_codes", "blank") == ("0", "200", "false")

    def tab(stratum: str, field: str, category: str) -> tuple[str, str]:
        r = _cell(rows, kind="tabulation", stratum=stratum, field=field, category=category)
        return r["numerator"], r["suppressed"]

    # MENA: east 3 is suppressed; south 12 and the whole input 15 are complements of it
    assert tab("south", "spd15_2024.alone", "2118-8") == ("", "true")
    assert tab("", "spd15_2024.alone", "2118-8") == ("", "true")
    assert tab("east", "spd15_2024.alone", "2118-8") == ("", "true")  # MENA 3
    assert tab("north", "spd15_2024.alone", "2118-8") == ("0", "false")  # never used
    assert tab("north", "omb1997.race", "2131-1") == ("11", "false")  # Other race 11
    assert tab("south", "omb1997.race", "2131-1") == ("", "true")  # Other race 4
    assert tab("south", "omb1997.race", "more_than_one_race") == ("", "true")  # 4
    # large race groups stay readable (MENA rolls up to White under OMB 1997)
    assert tab("", "omb1997.race", "2106-3") == ("340", "false")  # 160 + 102 + 78
    assert tab("north", "omb1997.race", "2106-3") == ("160", "false")  # 100 + 40 + 20
    assert tab("south", "omb1997.race", "2106-3") == ("102", "false")  # 60 + 30 + MENA 12
    assert tab("east", "omb1997.race", "2106-3") == ("78", "false")  # 50 + 25 + MENA 3
    assert tab("south", "omb1997.race", "2054-5") == ("40", "false")
    assert tab("north", "omb1997.race", "2028-9") == ("25", "false")


def test_three_sites_shown_counts_are_the_true_counts(three_site_outputs: Path,
                                                     tmp_path: Path) -> None:
    """Suppression hides counts, it never alters one: every count still shown in the
    share-safe results.csv equals the same cell of the plain run."""
    plain = tmp_path / "plain"
    result = invoke(CliRunner(), "validate", THREE / "three_sites.csv", "--stratify-by",
                    "site_id", "--as-of", AS_OF, "--out", plain, "--format", "csv", "-q")
    assert result.exit_code == 1, result.output

    def key(r: dict[str, str]) -> tuple[str, ...]:
        return (r["kind"], r["stratum"], r["check_id"], r["field"], r["category"])

    truth = {key(r): r for r in _rows(plain / "results.csv") if r["kind"] != "readiness"}
    shown = 0
    for r in _rows(three_site_outputs / "results.csv"):
        if r["kind"] == "readiness":
            continue
        t = truth[key(r)]
        for column in ("numerator", "denominator"):
            if r[column] != "":
                assert r[column] == t[column], (key(r), column)
                shown += 1
        assert r["status"] in (t["status"], "SUPPRESSED"), key(r)
    assert shown > 1000  # most of the table is still readable


def test_three_sites_no_count_from_1_to_10_anywhere(three_site_outputs: Path) -> None:
    """Every number in results.csv is 0 or at least 11; suppressed rows have no numbers."""
    rows = _rows(three_site_outputs / "results.csv")
    assert_share_safe_rows(rows, "kind")
    assert {r["min_cell"] for r in rows} == {"11"}
    doc = json.loads((three_site_outputs / "report.json").read_text(encoding="utf-8"))

    def numbers(node: Any, path: str = "") -> Iterator[tuple[str, int]]:
        if isinstance(node, dict):
            for k, v in node.items():
                yield from numbers(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from numbers(v, f"{path}[{i}]")
        elif isinstance(node, int) and not isinstance(node, bool):
            yield path, node

    allowed = (".run.", ".profile.", ".valuesets", ".summary.", ".gate.", ".dataset.size",
               ".readiness", ".tabulation.fields")
    small = [(p, n) for p, n in numbers(doc) if 1 <= n <= 10 and not p.startswith(allowed)
             and "threshold" not in p]
    assert small == []


def test_three_sites_outputs_agree_and_record_the_mode(three_site_outputs: Path,
                                                      three_sites: tuple[Report, Report]
                                                      ) -> None:
    _, shared = three_sites
    doc = json.loads((three_site_outputs / "report.json").read_text(encoding="utf-8"))
    info = doc["run"]["share_safe"]
    assert info["applied"] is True and info["min_cell"] == 11
    assert info["strata_relabelled"] == 0 and info["strata_without_counts"] == []
    table = pq.read_table(three_site_outputs / "results.parquet")
    assert table.schema.names == list(results_table.COLUMNS)
    from_csv = _rows(three_site_outputs / "results.csv")
    assert table.num_rows == len(from_csv) == len(results_table.rows(shared))
    assert set(table.column("min_cell").to_pylist()) == {11}
    assert sum(table.column("suppressed").to_pylist()) == sum(
        r["suppressed"] == "true" for r in from_csv)
    md = (three_site_outputs / "report.md").read_text(encoding="utf-8")
    assert "**Share-safe** (min cell 11)" in md
    assert "are suppressed (–) (R-134)" in md
    for f in doc["fields"].values():
        assert f["mapped_tokens"] == [] and f["unmapped"] == [] and f["unmapped_other"] == {}


def test_three_sites_html_states_the_mode_and_shows_no_small_count(three_site_outputs: Path
                                                                  ) -> None:
    doc = json.loads((three_site_outputs / "report.json").read_text(encoding="utf-8"))
    cells = doc["run"]["share_safe"]["cells_suppressed"]
    page = (three_site_outputs / "report.html").read_text(encoding="utf-8")
    assert MARKER not in page
    assert (f"Share-safe report: counts of 1 to 10, and counts that would reveal them, are "
            f"suppressed ({cells['primary']} + {cells['complementary']} cells)") in page
    text = re.sub(r"<[^>]+>", " ", page.split("</style>", 1)[1])  # visible text only
    for site, size in (("north", 300), ("south", 200), ("east", 120)):
        assert site in text and str(size) in text
    # the small race cells of the generator never appear as "n/size" in the page
    for n, size in ((7, 300), (9, 300), (2, 300), (8, 120), (3, 120), (4, 200), (6, 200)):
        assert not re.search(rf"(?<![\d.]){n}/{size}\b", text), (n, size)
    assert "White (2106-3): 340 (54.8%)" in text  # whole input, OMB 1997: shown
    assert "Other Race (2131-1): suppressed" in text  # 11 + 4 + 0: south's 4 protected


def test_statuses_are_kept_or_withheld_never_changed(three_sites: tuple[Report, Report]
                                                     ) -> None:
    report, shared = three_sites
    for before, after in zip(report.results, shared.results, strict=True):
        assert after.status in (before.status, Status.SUPPRESSED)
        assert after.details == {} or after.details == before.details
        if after.numerator is None or after.denominator is None:
            assert after.percent is None
            if before.percent is not None:
                assert after.reason.startswith("suppressed (share-safe")
    assert shared.gate.passed == report.gate.passed
    assert shared.exit_code == report.exit_code
    assert set(shared.gate.failing) <= set(report.gate.failing)


def test_readiness_texts_carry_no_numbers(three_sites: tuple[Report, Report]) -> None:
    _, shared = three_sites
    for entry in getattr(shared, "readiness", ()):
        for item in [*entry.get("reasons", []), *entry.get("criteria", [])]:
            assert mask_numbers(item["text"]) == item["text"]
    assert mask_numbers("informative in 570 of 620 (91.94%): omb1997 2135-2 R-134") == \
        "informative in # of # (#%): omb1997 2135-2 R-134"


# --------------------------------------------------------------------------- PHI, CLI


def test_no_marker_in_share_safe_outputs(tmp_path: Path) -> None:
    """Identifiers, free text, an invalid language and a birth date carry the marker, and so
    does the file name: no share-safe output (or the terminal) shows it."""
    source = tmp_path / f"{MARKER}_three_sites.csv"
    shutil.copy(THREE / "three_sites.csv", source)
    out = tmp_path / "out"
    result = invoke(CliRunner(), "validate", source, "--stratify-by", "site_id",
                    "--share-safe", "--as-of", AS_OF, "--out", out,
                    "--format", "json,md,csv,parquet")
    assert result.exit_code == 1
    assert MARKER not in result.output
    for path in out.iterdir():
        data = path.read_bytes()
        assert MARKER.encode() not in data, path.name
    assert MARKER in source.read_text(encoding="utf-8")


def test_min_cell_option_and_errors(tmp_path: Path) -> None:
    cli = CliRunner()
    out = tmp_path / "o"
    ok = invoke(cli, "validate", THREE / "east.csv", "--share-safe", "--min-cell", "5",
                "--as-of", AS_OF, "--out", out, "--format", "json", "-q")
    assert ok.exit_code == 1
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["run"]["share_safe"]["min_cell"] == 5
    east = doc["fields"]["race_codes"]["counts"]
    assert east["unknown"] == 8  # 8 >= 5 is shown with --min-cell 5
    bad = invoke(cli, "validate", THREE / "east.csv", "--min-cell", "5", "--out", out)
    assert bad.exit_code == 2 and "--min-cell needs --share-safe" in bad.stderr
    low = invoke(cli, "validate", THREE / "east.csv", "--share-safe", "--min-cell", "1",
                 "--out", out)
    assert low.exit_code == 2
    with pytest.raises(UsageError):
        share_safe(validator.validate(THREE / "east.csv", as_of_date=AS_OF), min_cell=1)


def test_checkpoint_share_safe_key(tmp_path: Path) -> None:
    shutil.copy(THREE / "south.csv", tmp_path / "south.csv")
    cp = tmp_path / "south.yaml"
    cp.write_text("source: south.csv\ndataset: south\nas_of_date: 2026-11-01\n"
                  "outputs: {dir: out, formats: [json, csv]}\nshare_safe: {min_cell: 11}\n",
                  encoding="utf-8")
    result = invoke(CliRunner(), "run", cp, "-q")
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert doc["run"]["share_safe"]["min_cell"] == 11
    assert doc["fields"]["race_codes"]["counts"]["unknown"] == 11
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: south.csv\nshare_safe: {min_cell: one}\n", encoding="utf-8")
    assert invoke(CliRunner(), "run", bad).exit_code == 2


def test_share_safe_twice_is_refused(three_sites: tuple[Report, Report]) -> None:
    with pytest.raises(UsageError, match="already share-safe"):
        share_safe(three_sites[1])


def test_library_function_is_exported() -> None:
    assert ss_module.MIN_CELL == 11
    assert ss_module.share_safe is share_safe
