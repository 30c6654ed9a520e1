"""Chunked reading (validator/io/compact.py): a file read in many small batches, each column
dictionary-encoded batch by batch and merged, gives exactly the frame and the report that one
batch gives, and the frame the pandas encoding of the whole column gives."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import GATE_FIXTURES, ROOT

from validator import io
from validator.api import validate
from validator.errors import InputError
from validator.io import compact as compact_mod
from validator.io import csv_reader, parquet_reader
from validator.io.compact import compact, to_frame
from validator.normalize import dictionary_encoded
from validator.results import Report

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate

AS_OF = "2026-11-01"
FIX = ROOT / "fixtures"
FIXTURES = GATE_FIXTURES
SMALL_BLOCK = 1024  # bytes: longer than any fixture row, so every file of 2 KiB+ is split


def _comparable(report: Report) -> dict[str, Any]:
    out = json.loads(json.dumps(report.to_dict(), default=str))
    out["run"].pop("started_at")
    return out


def _whole_column_frame(info: io.SourceInfo, columns: list[str]) -> pd.DataFrame:
    """The frame as the reader made it before chunking: all text, then pandas' encoding."""
    table = io.read_columns(info, columns)
    return dictionary_encoded(table.to_pandas(types_mapper=pd.ArrowDtype))


def _small_batches(monkeypatch: pytest.MonkeyPatch, rows: int = 2) -> None:
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", SMALL_BLOCK)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", rows)


@pytest.mark.parametrize(("path", "profile"), FIXTURES,
                         ids=[str(p.relative_to(FIX)) for p, _ in FIXTURES])
def test_small_batches_give_the_same_report(path: Path, profile: Path | None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    whole = validate(path, profile, as_of_date=AS_OF)
    _small_batches(monkeypatch)
    info = io.inspect_source(path, **({"encoding": whole.dataset["encoding"]}
                                      if whole.dataset.get("encoding") else {}))
    batches = list(io.iter_columns(info, list(info.columns)))
    if info.size_bytes > 2 * SMALL_BLOCK or info.format == "parquet":
        assert len(batches) > 1  # the point of the test: the file really was split
    assert sum(b.num_rows for b in batches) == whole.dataset["rows"]
    assert _comparable(validate(path, profile, as_of_date=AS_OF)) == _comparable(whole)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_generated_extract_in_small_batches_equals_whole_column_encoding(
        tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """30,000 rows in batches of 1,000 (Parquet) or 16 KiB (CSV): the 10,000-row sample that
    decides whether a column is encoded spans many batches, and the id and date columns are
    kept as text by the distinct-count rule, as pandas' encoding of the whole column keeps them."""
    path = generate.generate(30_000, fmt, tmp_path)
    info = io.inspect_source(path)
    columns = list(info.columns)
    expected = _whole_column_frame(info, columns)
    whole = validate(path, as_of_date=AS_OF, stratify_by="site_id")
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 1_000)
    assert len(list(io.iter_columns(info, columns))) >= 20
    got = to_frame(io.read_compact(info, columns))
    pd.testing.assert_frame_equal(got, expected)
    kinds = {c: str(got[c].dtype) for c in columns}
    assert kinds["patient_id"] == "large_string[pyarrow]"
    assert kinds["race_codes"] == "category"
    assert _comparable(validate(path, as_of_date=AS_OF, stratify_by="site_id")) == \
        _comparable(whole)


def _batches(values: list[str | None], size: int) -> list[pa.RecordBatch]:
    array = pa.array(values, pa.large_string())
    return [pa.record_batch([array.slice(i, size)], names=["v"])
            for i in range(0, len(values), size)]


@pytest.mark.parametrize("size", [1, 3, 997, 50_000])
def test_compact_matches_pandas_factorize(size: int) -> None:
    """Categories in order of first appearance across batches, nulls as code -1, values that
    differ only by spaces or case kept apart, an empty batch in the middle harmless."""
    rng = np.random.default_rng(size)
    pool = ["2106-3", " 2106-3", "2106-3 ", "white", "White", "", "UNK", "é", None]
    values = [pool[i] for i in rng.integers(0, len(pool), 20_000)]
    batches = _batches(values, size)
    batches.insert(len(batches) // 2, pa.record_batch(
        [pa.array([], pa.large_string())], names=["v"]))
    got = to_frame(compact(batches, ["v"]))["v"]
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    assert list(got.cat.categories) == list(uniques)
    assert got.cat.codes.to_numpy().tolist() == codes.tolist()


def test_near_unique_columns_stay_text_and_small_tables_are_encoded() -> None:
    ids = [f"MRN{i:06d}" for i in range(30_000)]
    # 28 dates in the first 10,000 rows, then 20,000 distinct ones
    dates = [f"2010-01-{i % 28 + 1:02d}" if i < 10_000 else
             str(np.datetime64("1950-01-01") + np.timedelta64(i, "D")) for i in range(30_000)]
    table = compact(_batches(ids, 4_096), ["v"])
    assert table.column("v").type == pa.large_string()
    assert table.column("v").to_pylist() == ids
    # few distinct values in the sample, but more than a tenth of the rows in all: text again
    sampled = compact(_batches(dates, 4_096), ["v"])
    assert sampled.column("v").type == pa.large_string()
    assert sampled.column("v").to_pylist() == dates
    tiny = to_frame(compact(_batches(["a", "b", "a"], 2), ["v"]))
    assert str(tiny["v"].dtype) == "category" and tiny["v"].tolist() == ["a", "b", "a"]
    empty = to_frame(compact([], ["v"]))
    assert len(empty) == 0 and str(empty["v"].dtype) == "category"


def test_sample_threshold_is_the_one_pandas_encoding_uses() -> None:
    assert compact_mod.SAMPLE_ROWS == 10_000 and compact_mod.SAMPLE_DISTINCT == 1_000
    assert compact_mod.worth_encoding(1_000, 10) and not compact_mod.worth_encoding(1_001, 10)
    assert compact_mod.worth_encoding(5_000, 50_000)
    assert not compact_mod.worth_encoding(5_001, 50_000)


def test_unmapped_last_column_is_not_kept(tmp_path: Path) -> None:
    """The CSV reader reads the last column too (to catch a quote that swallows the rest of
    the file) but keeps only its final cell: a wide free-text column at the end costs one
    batch, and the mapped columns come back alone."""
    path = tmp_path / "with_notes.csv"
    note = "free text " * 50
    with path.open("w") as fh:
        fh.write("patient_id,race_codes,notes\n")
        for i in range(20_000):
            fh.write(f"P{i},2106-3,\"{note}{i}\"\n")
    info = io.inspect_source(path)
    table = io.read_compact(info, ["patient_id", "race_codes"])
    assert table.column_names == ["patient_id", "race_codes"]
    assert table.num_rows == 20_000
    assert table.nbytes < path.stat().st_size // 20


def test_runaway_quote_in_the_last_batch_is_still_caught(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    path = tmp_path / "runaway.csv"
    rows = "".join(f"P{i},2106-3,ok\n" for i in range(300))
    path.write_text("patient_id,race_codes,notes\n" + rows + 'P300,2106-3,"never closed\n'
                    + "P301,2106-3,ok\n")
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", SMALL_BLOCK)
    info = io.inspect_source(path)
    with pytest.raises(InputError, match="unterminated quoted field starting at row 301"):
        io.read_compact(info, ["patient_id"])


def test_parquet_read_in_batches_keeps_types_as_text(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table({"n": pa.array([1, None, 3, 4, 5], pa.int64()),
                             "d": pa.array(["a", "b", "a", None, "b"]).dictionary_encode()}),
                   path, row_group_size=2)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 2)
    info = io.inspect_source(path)
    assert len(list(io.iter_columns(info, ["n", "d"]))) == 3
    frame = to_frame(io.read_compact(info, ["n", "d"]))
    assert frame["n"].tolist()[:1] == ["1"] and pd.isna(frame["n"][1])
    assert frame["d"].cat.codes.tolist() == [0, 1, 0, -1, 1]


# ------------------------------------------------------------- Parquet dataset directories

def _seeded() -> pa.Table:
    path = FIX / "canonical_3000_seeded_defects.csv"
    info = io.inspect_source(path)
    return io.read_columns(info, list(info.columns))


def _results(report: Report) -> list[tuple[Any, ...]]:
    return [(r.check_id, r.field, r.stratum, r.status, r.numerator, r.denominator)
            for r in report.results]


def test_parquet_directory_is_read_as_one_table(tmp_path: Path) -> None:
    """Spark-style output: part files, a _SUCCESS marker and .crc files; read in path order,
    checksummed over every part, validated like the file it was split from."""
    table = _seeded()
    root = tmp_path / "extract"
    root.mkdir()
    for i, start in enumerate(range(0, table.num_rows, 1000)):
        pq.write_table(table.slice(start, 1000), root / f"part-{i:05d}.parquet")
        (root / f".part-{i:05d}.parquet.crc").write_bytes(b"\0crc")
    (root / "_SUCCESS").write_text("")
    info = io.inspect_source(root)
    assert (info.format, info.columns) == ("parquet", tuple(table.column_names))
    assert info.size_bytes == sum(p.stat().st_size for p in root.glob("part-*"))
    assert io.read_columns(info, ["patient_id"]).column(0).to_pylist() == \
        table.column("patient_id").to_pylist()
    csv = validate(FIX / "canonical_3000_seeded_defects.csv", as_of_date=AS_OF,
                   stratify_by="site_id")
    directory = validate(root, as_of_date=AS_OF, stratify_by="site_id")
    assert _results(directory) == _results(csv)
    assert directory.dataset["sha256"] == io.inspect_source(root).sha256 != \
        csv.dataset["sha256"]


def test_hive_partitioned_directory_reads_the_partition_key_as_a_column(tmp_path: Path
                                                                         ) -> None:
    table = _seeded()
    pq.write_to_dataset(table, tmp_path / "by_site", partition_cols=["site_id"])
    assert {p.name.split("=")[0] for p in (tmp_path / "by_site").iterdir()} == {"site_id"}
    report = validate(tmp_path / "by_site", as_of_date=AS_OF, stratify_by="site_id")
    csv = validate(FIX / "canonical_3000_seeded_defects.csv", as_of_date=AS_OF,
                   stratify_by="site_id")
    assert sorted(_results(report), key=str) == sorted(_results(csv), key=str)


def test_bad_parquet_directories_exit_2(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from conftest import invoke

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no data here")
    broken = tmp_path / "broken"
    broken.mkdir()
    pq.write_table(_seeded().slice(0, 10), broken / "part-0.parquet")
    (broken / "part-1.parquet").write_bytes(b"PAR1 not really")
    other = tmp_path / "other"
    other.mkdir()
    pq.write_table(_seeded().slice(0, 10), other / "part-0.parquet")
    pq.write_table(_seeded().slice(0, 10).drop_columns(["race_text"]), other / "part-1.parquet")
    for path, message in ((empty, "is a directory, not a data file"),
                          (broken, "broken: part part-1.parquet is not a readable Parquet "
                                   "file"),
                          (other, "other: part part-1.parquet has other columns than part "
                                  "part-0.parquet")):
        result = invoke(CliRunner(), "validate", path, "--out", tmp_path / "out")
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
