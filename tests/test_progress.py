"""The progress line (validator/progress.py): on a terminal only, never with --quiet, phase
names only (no value from the data), erased before the verdict."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, ROOT, invoke

import validator
from validator import progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_shown_on_a_terminal_with_every_phase() -> None:
    stream = _Tty()
    with progress.shown(quiet=False, stream=stream):
        validator.validate(FIXTURES / "three_sites" / "east.csv", as_of_date="2026-11-01")
    text = stream.getvalue()
    for label in ("reading", "normalizing", "checks (Great Expectations)", "aggregate rules",
                  "summarizing"):
        assert f"] {label} " in text, label
    assert text.endswith("\r" + " " * 72 + "\r")  # erased at the end
    assert MARKER not in text and "east" not in text


@pytest.mark.parametrize("path", [FIXTURES / "three_sites" / "east.csv",
                                  FIXTURES / "encodings" / "canonical_small.parquet"],
                         ids=["csv", "parquet"])
def test_reading_shows_the_share_of_the_file_read(path: object,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from validator.io import csv_reader, parquet_reader

    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 256)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 1)
    stream = _Tty()
    with progress.shown(quiet=False, stream=stream):
        validator.validate(path, as_of_date="2026-11-01")
    shares = [int(m) for m in re.findall(r"\] reading (\d+)% ", stream.getvalue())]
    assert len(shares) >= 2 and shares == sorted(shares) and shares[-1] == 100


def test_silent_when_quiet_or_not_a_terminal() -> None:
    for quiet, stream in ((True, _Tty()), (False, io.StringIO())):
        with progress.shown(quiet=quiet, stream=stream):
            validator.validate(FIXTURES / "three_sites" / "east.csv", as_of_date="2026-11-01")
        assert stream.getvalue() == ""


def test_cli_in_a_pipe_prints_no_progress(tmp_path: object) -> None:
    result = invoke(CliRunner(), "validate", FIXTURES / "three_sites" / "east.csv",
                    "--out", f"{tmp_path}/out", "--as-of", "2026-11-01")
    assert "real-validator [" not in result.output and "\r" not in result.output


def test_real_terminal_shows_then_erases(tmp_path: object) -> None:
    """Under a pseudo-terminal (util-linux `script`), the CLI draws the bar on stderr."""
    cmd = (f"{sys.executable} -m validator validate {FIXTURES / 'three_sites' / 'east.csv'} "
           f"--out {tmp_path}/out --as-of 2026-11-01")
    try:
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)
    except FileNotFoundError:  # bsdutils is essential in Debian; elsewhere it may be absent
        pytest.skip("util-linux `script` is not installed")
    assert p.returncode == 1, p.stdout[-2000:]  # east fails AGE.COMPUTABLE
    assert "real-validator [" in p.stdout and "checks (Great Expectations)" in p.stdout
    assert "gate FAILED" in p.stdout
