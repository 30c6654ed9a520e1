"""Shared test helpers."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from validator.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
MARKER = "PHIMARKER"
#: Spark can run here: a Java runtime and pyspark (tests/test_spark.py, the three-engine test).
SPARK_READY = shutil.which("java") is not None and importlib.util.find_spec("pyspark") is not None


def require_spark() -> None:
    """Skip the calling test module when Spark cannot run here, unless
    REAL_VALIDATOR_REQUIRE_SPARK=1 (set by `make test` as root, i.e. in CI): then fail."""
    if SPARK_READY:
        return
    if os.environ.get("REAL_VALIDATOR_REQUIRE_SPARK") == "1":
        raise RuntimeError("Spark is required here (REAL_VALIDATOR_REQUIRE_SPARK=1) but java "
                           "or pyspark is missing: run `make java` as root and `make dev`")
    pytest.skip("no Java or no pyspark (`make java`, `make dev`)", allow_module_level=True)
#: Every tabular gate fixture with its profile (fixtures/expected.yaml), then the encodings and
#: the two examples.
GATE_FIXTURES: list[tuple[Path, Path | None]] = sorted({
    (FIXTURES / e["file"], FIXTURES / e["profile"] if e.get("profile") else None)
    for e in yaml.safe_load((FIXTURES / "expected.yaml").read_text())["entries"].values()
    if not e["file"].endswith((".json", ".ndjson"))} | {
    (p, None) for p in (FIXTURES / "encodings").iterdir()} | {
    (FIXTURES / d / "registration.csv", FIXTURES / d / "profile.yaml")
    for d in ("example", "pediatric")}, key=str)


def make_directory(tmp: Path) -> Path:
    """A folder named like a data file (bad input)."""
    (tmp / "extract.csv").mkdir()
    return tmp / "extract.csv"


def make_symlink_loop(tmp: Path) -> Path:
    """Two symlinks pointing at each other (bad input)."""
    (tmp / "a.csv").symlink_to(tmp / "b.csv")
    (tmp / "b.csv").symlink_to(tmp / "a.csv")
    return tmp / "a.csv"


def sha256(path: Path) -> str:
    """Hash of a file's bytes (to prove inputs are never modified)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cli() -> CliRunner:
    """A click runner keeping stdout and stderr apart."""
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> Result:
    """Run the CLI in-process; exceptions are caught like a real process would see them."""
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=True)


@pytest.fixture
def canonical_csv(tmp_path: Path) -> Path:
    """A small canonical-named extract with one defect of several kinds (7 rows)."""
    path = tmp_path / "small.csv"
    path.write_text(
        "patient_id,site_id,race_codes,ethnicity_code,birth_date,race_text\n"
        "P1,A,2106-3,2186-5,2010-01-02,White\n"
        "P2,A,2054-5|2106-3,2135-2,2012-05-06,PHIMARKER text\n"
        "P3,A,2135-2,2135-2,2030-01-01,\n"
        "P4,B,UNKNOWN,ASKU,13/05/2010,\n"
        "P5,B,  ,,,\n"
        "P6,B,2106-4,2186-5,2015-02-03,Black\n"
        "P7,B,1000-9|UNK,2186-5,2015-02-03,\n",
        encoding="utf-8",
    )
    return path


def assert_share_safe_rows(rows: list[dict[str, str]], kind_column: str,
                           min_cell: int = 11) -> None:
    """Every count in a share-safe results/compare table is 0 or at least ``min_cell``, and a
    suppressed row shows no percent and leaves its numerator or denominator empty. Readiness
    rows count reasons and criteria, not records, and are skipped."""
    for r in rows:
        if r[kind_column] == "readiness":
            continue
        for column in ("numerator", "denominator"):
            if r[column]:
                assert int(r[column]) == 0 or int(r[column]) >= min_cell, r
        if r["suppressed"] == "true":
            assert "" in (r["numerator"], r["denominator"]) and r["percent"] == "", r
