"""--engine spark (docs/spark.md): pyspark in local mode on the machine's Java; no mocks.

Spark reads the file, GX's Spark execution engine runs the suites on the prepared frame built
in Spark, and the driver's grouped pass must agree with GX's Spark counts. Every report of the
Spark engine must equal the pandas engine's, field for field, but for ``dataset.engine`` and
the run's wall clock. Without Java or pyspark the module is skipped, unless
REAL_VALIDATOR_REQUIRE_SPARK=1 (set by `make test` as root, i.e. in CI), where that fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import MARKER, ROOT, invoke, require_spark

require_spark()

from validator.api import validate  # noqa: E402
from validator.results import Report, Status  # noqa: E402

AS_OF = "2026-11-01"
CASES: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "seeded_by_site": ("fixtures/canonical_3000_seeded_defects.csv", None,
                       {"stratify_by": "site_id"}),
    "example": ("fixtures/example/registration.csv", "fixtures/example/profile.yaml", {}),
    "pediatric_by_site": ("fixtures/pediatric/registration.csv",
                          "fixtures/pediatric/profile.yaml", {"stratify_by": "site_id"}),
    "parquet": ("fixtures/encodings/canonical_small.parquet", None, {}),
    "cp1252": ("fixtures/encodings/latin1_accents.csv", None, {}),
    "utf16_bom": ("fixtures/encodings/utf16_bom.csv", None, {}),
    "tsv": ("fixtures/encodings/tab_separated.tsv", None, {}),
    "caregivers": ("fixtures/caregiver_is_patient.csv", None, {}),
    "language_mimic": ("fixtures/language_mimic_truncated_codes.csv", None, {}),
    "duplicate_ids": ("fixtures/duplicate_patient_ids.csv", None, {}),
}


def _comparable(report: Report) -> dict[str, Any]:
    out = json.loads(json.dumps(report.to_dict(), default=str))
    out["run"].pop("started_at")
    out["dataset"].pop("engine", None)
    return out


def _run(case: str, engine: str) -> Report:
    path, profile, opts = CASES[case]
    return validate(ROOT / path, profile and ROOT / profile, as_of_date=AS_OF, engine=engine,
                    **opts)


@pytest.mark.parametrize("case", sorted(CASES))
def test_spark_report_equals_pandas_report(case: str) -> None:
    pandas, spark = _run(case, "pandas"), _run(case, "spark")
    assert spark.dataset["engine"] == "spark"
    assert "engine" not in pandas.dataset
    assert _comparable(spark) == _comparable(pandas)
    errors = [r for r in spark.results if r.status is Status.ERROR]
    assert errors == [r for r in pandas.results if r.status is Status.ERROR]


def test_typed_parquet_columns_read_as_the_embedded_reader_reads_them(tmp_path: Path) -> None:
    """Integer ids, a float flag (1.0 is "1.0" to Spark, "1" to Arrow), a timestamp birth date
    and a dictionary-encoded language column: the same report on both engines, no ERROR."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 400
    pq.write_table(pa.table({
        "patient_id": pa.array(range(n), pa.int64()),
        "site_id": [("A", "B")[i % 2] for i in range(n)],
        "race_codes": [("2106-3", "2054-5", None, "UNK")[i % 4] for i in range(n)],
        "ethnicity_code": [("2186-5", "2135-2", "")[i % 3] for i in range(n)],
        "interpreter_needed": pa.array([(1.0, 0.0, None, 2.5)[i % 4] for i in range(n)]),
        "birth_date": pa.array([dt.datetime(2010 + i % 10, 1 + i % 12, 1 + i % 27, 12, 30)
                                for i in range(n)], pa.timestamp("us")),
        "lang_spoken_pref": pa.array([("en", "es", "ENGL")[i % 3] for i in range(n)]
                                     ).dictionary_encode(),
    }), tmp_path / "typed.parquet")
    runs = [validate(tmp_path / "typed.parquet", as_of_date=AS_OF, stratify_by="site_id",
                     engine=engine) for engine in ("pandas", "spark")]
    assert _comparable(runs[1]) == _comparable(runs[0])
    assert not [r for r in runs[1].results if r.status is Status.ERROR]
    flag = next(f for f in runs[1].fields if f.field == "interpreter_needed")
    assert flag.rows == n


def test_spark_meets_the_seeded_fixtures_expected_counts() -> None:
    """Not vacuous: the seeded fixture's documented counts (fixtures/expected.yaml), whole
    input, hold on the Spark engine, and the per-site strata are there too."""
    expected = yaml.safe_load((ROOT / "fixtures/expected.yaml").read_text())
    entry = expected["entries"]["canonical_3000_seeded_defects"]
    spark = _run("seeded_by_site", "spark")
    got = {f"{r.check_id}[{r.field}]" if r.field else r.check_id: r
           for r in spark.results if r.stratum is None}
    assert len(entry["checks"]) >= 5
    for key, want in entry["checks"].items():
        r = got[key]
        assert (r.status.value, r.numerator, r.denominator) == (
            want["status"], want.get("numerator"), want.get("denominator")), key
    assert len({r.stratum for r in spark.results}) > 3  # whole input plus every site


def test_a_spark_frame_that_disagrees_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """GX's Spark counts are checked against the driver's grouped pass: drop rows from the
    Spark frame and every GX-backed result becomes an ERROR, never a silent difference."""
    from validator.engine import spark_frame

    real = spark_frame.prepared
    monkeypatch.setattr(spark_frame, "prepared",
                        lambda *a, **k: real(*a, **k).limit(100))
    report = _run("example", "spark")
    errors = [r for r in report.results if r.status is Status.ERROR]
    assert len(errors) >= 5
    assert {r.check_id for r in errors} >= {"RACE.COMPLETENESS", "RACE.VALUESET"}
    assert all("disagree" in r.reason for r in errors)
    assert not report.gate.passed


def test_cli_spark_run_is_quiet_and_phi_safe(tmp_path: Path) -> None:
    """A fresh process: exit code as with pandas, no Spark/JVM output, no marker anywhere."""
    from test_hardening import _marked_extract

    data = _marked_extract(tmp_path / f"{MARKER}_dir")
    codes, terminal = {}, {}
    for engine in ("pandas", "spark"):
        out = tmp_path / engine
        proc = subprocess.run(
            [sys.executable, "-m", "validator", "validate", str(data), "--engine", engine,
             "--out", str(out), "--format", "json,md,csv,html", "--as-of", AS_OF,
             "--stratify-by", "site_id"],
            capture_output=True, text=True, timeout=600, cwd=ROOT)
        codes[engine] = proc.returncode
        terminal[engine] = (proc.stdout + proc.stderr).replace(str(out), "OUT")
        assert MARKER not in terminal[engine].replace(str(data), "")
        for report in out.iterdir():
            assert MARKER.encode() not in report.read_bytes(), report.name
    assert codes == {"pandas": 1, "spark": 1}
    # the same lines on the terminal: no JVM notice, no log4j line, no Spark progress bar
    assert terminal["spark"] == terminal["pandas"]
    assert "gate FAILED (exit 1): 300 rows" in terminal["spark"]
    pandas = json.loads((tmp_path / "pandas" / "report.json").read_text())
    spark = json.loads((tmp_path / "spark" / "report.json").read_text())
    assert spark["results"] == pandas["results"]
    assert (tmp_path / "spark" / "results.csv").read_bytes() == (
        tmp_path / "pandas" / "results.csv").read_bytes()


def test_checkpoint_engine_spark(tmp_path: Path) -> None:
    cp = tmp_path / "cp.yaml"
    cp.write_text(f"version: 1\nsource: {ROOT / 'fixtures/example/registration.csv'}\n"
                  f"profile: {ROOT / 'fixtures/example/profile.yaml'}\nas_of_date: {AS_OF}\n"
                  f"engine: spark\noutputs:\n  dir: {tmp_path / 'out'}\n  formats: [json]\n")
    result = invoke(CliRunner(), "run", cp, "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["dataset"]["engine"] == "spark"
    assert report["dataset"]["rows"] == 300


def test_patient_key_is_one_per_pair_whatever_the_ids_hold(tmp_path: Path) -> None:
    """(id "a<US>b", site "c") and (id "a", site "b<US>c") are two patients: a key joined with a
    separator would make them one (and the cross-check an ERROR)."""
    path = tmp_path / "ids.csv"
    path.write_text("patient_id,site_id,race_codes,ethnicity_code\n"
                    "a\x1fb,c,2106-3,2186-5\na,b\x1fc,2106-3,2186-5\n")
    found = {engine: validate(path, as_of_date=AS_OF, engine=engine).result(
        "PATIENT.KEY_UNIQUE") for engine in ("pandas", "spark")}
    for r in found.values():
        assert (r.status, r.numerator, r.denominator) == (Status.PASS, 0, 2), r


def _parts(tmp_path: Path, source: str = "fixtures/canonical_3000_seeded_defects.csv") -> Path:
    """``source`` as a directory of three Parquet part files and a _SUCCESS marker, as Spark
    writes a dataset."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = ROOT / source
    names = path.read_text().splitlines()[0].split(",")
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, "string"), strings_can_be_null=False))
    out = tmp_path / f"{MARKER}_extract.parquet"  # a name the report must never show
    out.mkdir()
    for i, start in enumerate(range(0, table.num_rows, 1000)):
        pq.write_table(table.slice(start, 1000), out / f"part-{i:05d}.snappy.parquet")
    (out / "_SUCCESS").write_text("")
    return out


def _results(report: Report) -> list[tuple[Any, ...]]:
    return [(r.check_id, r.field, r.stratum, r.status, r.numerator, r.denominator)
            for r in report.results]


def test_parquet_directory_on_spark_equals_pandas(tmp_path: Path) -> None:
    """A local directory of Parquet part files is inspected on the driver like a file and read
    by Spark: the same report as the embedded engine reading the directory."""
    parts = _parts(tmp_path)
    pandas, spark = (validate(parts, as_of_date=AS_OF, stratify_by="site_id", engine=engine)
                     for engine in ("pandas", "spark"))
    assert spark.dataset["engine"] == "spark" and spark.dataset["size_bytes"] > 0
    assert _comparable(spark) == _comparable(pandas)


def test_datasets_spark_reads_alone_give_the_pandas_results(tmp_path: Path) -> None:
    """A file:// URI of a Parquet directory and of a CSV are read by Spark with no driver-side
    inspection: every check, field and stratum as the pandas engine gives for the CSV; the
    report names the format and hashes the values, never the URI."""
    csv = "fixtures/canonical_3000_seeded_defects.csv"
    pandas = validate(ROOT / csv, as_of_date=AS_OF, stratify_by="site_id")
    directory = validate(f"file://{_parts(tmp_path)}", as_of_date=AS_OF,
                         stratify_by="site_id", engine="spark")
    uri = validate(f"file://{ROOT / csv}", as_of_date=AS_OF, stratify_by="site_id",
                   engine="spark")
    for report, fmt in ((directory, "parquet"), (uri, "csv")):
        assert _results(report) == _results(pandas)
        assert report.dataset["format"] == fmt and report.dataset["engine"] == "spark"
        assert report.dataset["rows"] == 3000 and len(report.dataset["sha256"]) == 64
        assert "source" not in report.dataset and MARKER not in json.dumps(report.to_dict())
        mine, theirs = _comparable(report), _comparable(pandas)
        for part in (mine, theirs):
            part.pop("dataset"), part["run"].pop("run_id")
        assert mine == theirs


def test_cli_reads_a_dataset_uri_and_a_checkpoint_keeps_it(tmp_path: Path) -> None:
    parts = _parts(tmp_path)
    result = invoke(CliRunner(), "validate", f"file://{parts}", "--engine", "spark",
                    "--out", tmp_path / "out", "--as-of", AS_OF, "--quiet")
    assert result.exit_code == 1, result.output  # the seeded defects fail the gate
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["dataset"]["rows"] == 3000 and report["dataset"]["format"] == "parquet"
    cp = tmp_path / "cp.yaml"
    cp.write_text(f"version: 1\nsource: file://{parts}\nas_of_date: {AS_OF}\n"
                  f"engine: spark\noutputs:\n  dir: {tmp_path / 'cp'}\n  formats: [json]\n")
    result = invoke(CliRunner(), "run", cp, "--quiet")
    assert result.exit_code == 1, result.output
    assert json.loads((tmp_path / "cp" / "report.json").read_text())["dataset"]["rows"] == 3000


@pytest.mark.parametrize(("args", "message", "absent"), [
    (["file:///nonexistent/real-validator/extract/", "--engine", "spark"],
     "file:///nonexistent/real-validator/extract/: Spark could not read it as parquet", None),
    (["s3a://AKIAEXAMPLE:SECRETKEY@bucket/extract/", "--engine", "spark"],
     "s3a://bucket/extract/: Spark could not read it as parquet", "SECRETKEY"),
    (["s3a://AKIAEXAMPLE:SECRETKEY@bucket/extract/"],
     "s3a://bucket/extract/: the embedded engine reads local files and postgresql:// only",
     "SECRETKEY"),
    (["file:///tmp/x.json", "--engine", "spark", "--input-format", "fhir"],
     "--engine spark reads csv, tsv or parquet datasets, not 'fhir'", None),
    (["table:no_such_schema.no_such_table", "--engine", "spark"],
     "table:no_such_schema.no_such_table: Spark could not read the table", None),
    (["table:", "--engine", "spark"], "table:: no table name after 'table:'", None),
    (["table:cohort.patients"],
     "table:cohort.patients: the embedded engine reads local files and postgresql:// only",
     None),
    (["table:cohort.patients", "--engine", "spark", "--input-format", "csv"],
     "a catalog table (table:cohort.patients) has no input format", None),
])
def test_bad_dataset_sources_exit_2_without_credentials(tmp_path: Path, args: list[str],
                                                        message: str, absent: str | None
                                                        ) -> None:
    result = invoke(CliRunner(), "validate", *args, "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert absent is None or absent not in result.output
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(("args", "message"), [
    (["fixtures/bad/ragged_rows.csv", "--engine", "spark"],
     "row 3 (line 4) has 6 fields where the header has 5"),
    (["fixtures/bad/unterminated_quote.csv", "--engine", "spark"],
     "unterminated quoted field starting at row 2 (line 3)"),
    (["fixtures/missing_file.csv", "--engine", "spark"], "file not found"),
    (["fixtures/fhir_us_core_conformant.json", "--engine", "spark"],
     "FHIR input runs on the pandas engine only"),
    (["postgresql://127.0.0.1:1/db?table=t", "--engine", "spark"],
     "engine='spark' reads a CSV, TSV or Parquet file path"),
    (["fixtures/example/registration.csv", "--spark-master", "local[1]"],
     "spark_master (--spark-master) needs engine='spark'"),
])
def test_bad_input_under_spark_exits_2_with_one_message(tmp_path: Path, args: list[str],
                                                        message: str) -> None:
    result = invoke(CliRunner(), "validate", *[str(ROOT / a) if a.startswith("fixtures/")
                                               else a for a in args], "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


def test_checkpoint_with_unknown_engine_exits_2(tmp_path: Path) -> None:
    cp = tmp_path / "cp.yaml"
    cp.write_text(f"version: 1\nsource: {ROOT / 'fixtures/example/registration.csv'}\n"
                  "engine: dask\n")
    result = invoke(CliRunner(), "run", cp)
    assert result.exit_code == 2
    assert "engine: expected one of pandas, spark" in result.output


@pytest.mark.parametrize("engine", ["pandas", "spark"])
def test_python_dash_c_is_not_ended_by_pyspark(engine: str) -> None:
    """With pyspark installed, GX imports pyspark.sql.connect, which calls sys.exit(0) under
    `python -c` when grpc is missing (it guesses a doctest run): the validation used to end
    silently with exit 0. It must run to its own exit code."""
    code = ("import validator, sys; r = validator.validate(sys.argv[1], as_of_date="
            f"'{AS_OF}', engine='{engine}'); print('verdict', r.exit_code); sys.exit(r.exit_code)")
    proc = subprocess.run([sys.executable, "-c", code,
                           str(ROOT / "fixtures/canonical_3000_seeded_defects.csv")],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert (proc.returncode, proc.stdout.strip()) == (1, "verdict 1"), proc.stderr[-500:]


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Record (rows received, rows they stand for) of every distinct_rows() call."""
    from validator.io import spark as spark_io

    seen: list[tuple[int, int]] = []
    real = spark_io.distinct_rows

    def spy(*args: Any, **kw: Any) -> Any:
        table, weights, single = real(*args, **kw)
        seen.append((table.num_rows, int(weights.sum())))
        return table, weights, single

    monkeypatch.setattr(spark_io, "distinct_rows", spy)
    return seen


def test_only_distinct_rows_with_counts_reach_the_driver(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """30,000 patients, one row each, with full birth dates: Spark groups the rows (ids that
    occur once dropped, birth dates by class, validator/date_classes.py) and the driver
    receives a small fraction of them with their counts; the report is the pandas report."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate

    path = generate.generate(30_000, "parquet", tmp_path)
    seen = _spy(monkeypatch)
    spark = validate(path, as_of_date=AS_OF, engine="spark", stratify_by="site_id")
    pandas = validate(path, as_of_date=AS_OF, stratify_by="site_id")
    assert _comparable(spark) == _comparable(pandas)
    assert len(seen) == 1
    received, stood_for = seen[0]
    assert stood_for == 30_000
    # exactly the distinct combinations of the other columns, birth dates by class (the
    # generated ids are all distinct, so none is kept)
    import datetime as dt

    import pyarrow.parquet as pq

    from validator import date_classes
    from validator import profile as profiles

    frame = pq.read_table(path).to_pandas()
    coarse = date_classes.replace_dates(frame, profiles.infer(list(frame.columns), where="x"),
                                        dt.date.fromisoformat(AS_OF))
    expected = len(coarse.drop(columns="patient_id").drop_duplicates())
    assert received == expected < 30_000 * 0.6


def test_a_worklist_or_caregivers_collect_every_row(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A worklist names rows, and caregiver columns are unpacked per patient row: those runs
    take every row to the driver, and still equal the pandas engine."""
    from validator.worklist import Worklist

    seen = _spy(monkeypatch)
    path = ROOT / "fixtures/canonical_3000_seeded_defects.csv"
    lists = {}
    for engine in ("pandas", "spark"):
        wl = Worklist(salt="s")
        validate(path, as_of_date=AS_OF, engine=engine, worklist=wl)
        assert wl.table is not None
        lists[engine] = wl.table.to_pylist()
    assert lists["spark"] == lists["pandas"] and lists["pandas"]
    assert _comparable(_run("caregivers", "spark")) == _comparable(_run("caregivers", "pandas"))
    assert seen == []


def test_a_catalog_table_gives_the_pandas_results(tmp_path: Path) -> None:
    """table:NAME reads a table of the Spark catalog (spark.table: metastore, Unity Catalog and
    temporary views alike); here the pediatric example registered as a view. Every result
    equals the pandas engine's on the file; the report never names the table."""
    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    from validator.io import spark as spark_io

    source = ROOT / "fixtures/pediatric/registration.csv"
    profile = ROOT / "fixtures/pediatric/profile.yaml"
    text = pv.read_csv(source, convert_options=pv.ConvertOptions(
        column_types={c: "string" for c in source.read_text().splitlines()[0].split(",")},
        strings_can_be_null=False))
    pq.write_table(text, tmp_path / "registration.parquet")
    spark = spark_io.session()
    spark.read.parquet(str(tmp_path / "registration.parquet")).createOrReplaceTempView(
        "rv_cohort_registration")
    pandas = validate(source, profile, as_of_date=AS_OF, stratify_by="site_id")
    table = validate("table:rv_cohort_registration", profile, as_of_date=AS_OF,
                     stratify_by="site_id", engine="spark")
    assert table.dataset["format"] == "table" and table.dataset["engine"] == "spark"
    assert table.dataset["rows"] == pandas.dataset["rows"]
    assert _results(table) == _results(pandas)
    assert "rv_cohort" not in json.dumps(table.to_dict())
    mine, theirs = _comparable(table), _comparable(pandas)
    for part in (mine, theirs):
        part.pop("dataset"), part["run"].pop("run_id")
    assert mine == theirs


def test_encounters_are_grouped_per_patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Encounter grain: the rows are grouped with every patient id kept (RACE.STABLE_OVER_TIME
    counts a patient's records) and encounter_id read as present or blank. With dated
    encounters the history rules follow the rows in Spark (validator/engine/spark_history.py)
    and the driver holds encounter dates by class, so those rows are grouped too. Both equal
    the pandas engine (tests/test_spark_history.py holds generated extracts to it)."""
    from validator.engine import spark_history

    seen = _spy(monkeypatch)
    undated = (ROOT / "fixtures/race_changes_between_encounters.csv",
               ROOT / "fixtures/profiles/encounter_grain.yaml")
    pandas = validate(*undated, as_of_date=AS_OF, stratify_by="site_id")
    spark = validate(*undated, as_of_date=AS_OF, stratify_by="site_id", engine="spark")
    assert _comparable(spark) == _comparable(pandas)
    assert pandas.result("RACE.STABLE_OVER_TIME").denominator > 0
    assert len(seen) == 1 and seen[0][1] == pandas.dataset["rows"] > seen[0][0]
    followed: list[list[str]] = []
    real = spark_history.SparkHistory._reask
    monkeypatch.setattr(spark_history.SparkHistory, "_reask",
                        lambda self, ctx, fields, *a: followed.append(list(fields)) or real(
                            self, ctx, fields, *a))
    dated = (ROOT / "fixtures/history_unknown_not_reasked.csv",
             ROOT / "fixtures/profiles/history_reask_encounters.yaml")
    pandas = validate(*dated, as_of_date=AS_OF, stratify_by="site_id")
    spark = validate(*dated, as_of_date=AS_OF, stratify_by="site_id", engine="spark")
    assert _comparable(spark) == _comparable(pandas)
    assert pandas.result("TIME.UNKNOWN_NOT_REASKED", field="race_codes").numerator == 3
    assert followed == [["race_codes", "ethnicity_code"]]  # in Spark, one pass for both
    assert seen[1] == (17, 22)  # 22 encounters, 17 distinct once dates are classes
