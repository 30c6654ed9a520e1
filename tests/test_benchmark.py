"""The benchmark script runs end to end (tiny size; figures are not asserted: performance is
measured by benchmarks/run.py and recorded in docs/benchmarks.md, never in timed tests), and
validator.timing records every phase without touching the report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT

import validator
from validator import timing


def test_timing_records_every_phase_and_reports_do_not_change() -> None:
    plain = validator.validate(FIXTURES / "three_sites" / "south.csv", as_of_date="2026-11-01")
    with timing.record() as rec:
        timed = validator.validate(FIXTURES / "three_sites" / "south.csv",
                                   as_of_date="2026-11-01")
    assert set(rec) == set(timing.PHASES)
    assert all(v > 0 for v in rec.values())
    strip = lambda r: {k: v for k, v in r.to_dict().items() if k != "run"}  # noqa: E731
    assert json.dumps(strip(timed), sort_keys=True) == json.dumps(strip(plain), sort_keys=True)


def test_listener_sees_phases_in_order() -> None:
    events: list[tuple[str, str]] = []
    with timing.listen(lambda event, name, _s: events.append((event, name))):
        validator.validate(FIXTURES / "three_sites" / "south.csv", as_of_date="2026-11-01")
    starts = [n for e, n in events if e == "start"]
    assert starts == list(timing.PHASES)
    assert [n for e, n in events if e == "end"] == list(timing.PHASES)


def test_benchmark_script_writes_the_table(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\nafter\n",
                   encoding="utf-8")
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "3k",
                        "--formats", "parquet,csv", "--repeat", "1", "--out",
                        str(tmp_path / "data"), "--doc", str(doc)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    text = doc.read_text(encoding="utf-8")
    assert "old" not in text and text.endswith("<!-- bench:end -->\nafter\n")
    rows = [line for line in text.splitlines() if line.startswith("| 3k |")]
    assert [r.split(" | ")[1] for r in rows] == ["parquet", "csv"]
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        assert len(cells) == 14 and float(cells[2]) > 0 and float(cells[3]) > 0
    assert sorted(f.name for f in (tmp_path / "data").iterdir()) == [
        "3k-csv", "3k-parquet", "canonical_3000.csv", "canonical_3000.parquet"]


def test_wide_file_benchmark_runs(tmp_path: Path) -> None:
    """benchmarks/bench_wide.py on 3,000 rows with a 200-byte notes column: the file is
    written with the notes last, validated, and the result line names the rows and exit."""
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_wide.py"), "--rows",
                        "3000", "--note-bytes", "200", "--limit-mib", "100000", "--out",
                        str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["rows"] == 3000 and result["exit"] in (0, 1)
    header = (tmp_path / "wide_3000_200.csv").open().readline().strip().split(",")
    assert header[-1] == '"notes"' and len(header) == 9


def test_encounter_extract_exercises_the_history_rules() -> None:
    """benchmarks/generate.py encounters(): deterministic, exactly n rows, several encounters
    per patient, and with benchmarks/encounter_profile.yaml every history rule has patients
    to count (the Spark benchmark's encounter case, docs/spark.md)."""
    import pyarrow.compute as pc

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate

    table = generate.encounters(4000)
    assert table.equals(generate.encounters(4000)) and table.num_rows == 4000
    assert table.column_names == list(generate.ENCOUNTER_COLUMNS)
    patients = pc.count_distinct(table["patient_id"]).as_py()
    assert 300 < patients < 4000 / 4
    assert pc.count_distinct(table["encounter_id"]).as_py() == 4000
    report = validator.validate(table.to_pandas(), ROOT / "benchmarks/encounter_profile.yaml",
                                as_of_date="2026-11-01")
    for check_id, field in (("TIME.UNKNOWN_NOT_REASKED", "race_codes"),
                            ("TIME.RECOLLECT_AFTER_AGE_TRANSITION", "race_respondent"),
                            ("TIME.STALENESS", "lang_collected_date"),
                            ("RACE.STABLE_OVER_TIME", "race_codes")):
        result = report.result(check_id, field=field)
        assert result.denominator > 0 and result.numerator > 0, (check_id, result)
