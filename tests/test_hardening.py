"""Hardening (issue 6, items 3-5): no PHI in any output, no network, deterministic reports,
atomic report writing.

PHI: a marker is put in identifiers (patient_id, mrn), an unmapped column (name and values),
free-text race and language values, the file name and its folder; validate (default, stratified,
share-safe; every format) and compare / diff over the results tables must never print or write
it. The path the user typed may be named in a terminal *error* (they typed it); it is never in a
report.

No network: sockets are blocked for a whole validate + compare, in process and in one fresh
interpreter, and every connection attempt is recorded (a dependency that swallows its own
ConnectionError is still caught). Dependencies checked for telemetry / phoning home
(great_expectations 1.24, pandas, pyarrow, scipy, jinja2, langcodes, language_data, click,
PyYAML, charset_normalizer and GX's own dependencies altair, tqdm, marshmallow, pydantic):

- great_expectations: usage analytics are off (``GX_ANALYTICS_ENABLED=false`` before the import,
  ``enable_analytics(False)`` on the ephemeral context, progress bars off:
  validator/engine/gx_adapter.py); its PyPI version check (``_VersionChecker``, requests) is not
  called by the ephemeral context in this version; no posthog client is installed; GX Cloud is
  never used (``mode="ephemeral"``).
- pandas (``io.common`` urlopen), pyarrow (``util.download``), altair (``datasets``, ``server``)
  and tqdm (``contrib.discord/telegram``) open the network only when asked to (URL inputs,
  explicit helpers); nothing in the validator asks. pyarrow's ``opentelemetry`` is a tracing
  build flag with no exporter configured.
- scipy, jinja2, langcodes, language_data, click, PyYAML, charset_normalizer, marshmallow,
  pydantic: no network code at all (no import of socket, http.client, urllib.request, requests or
  urllib3).
- psycopg (optional, validator/io/postgres.py) connects only to the database the user names;
  it is not imported by a file validation.

Determinism: two runs of one input give byte-identical report.md, report.html, results.csv,
results.parquet and compare.* files; report.json differs only in ``run.started_at`` (the run's
wall clock). ``run.run_id`` is a hash of the input, profile, as-of date, tool version and fail-on
level (validator/api.py), so it is stable.

Atomicity: every report goes through :func:`validator.report.write_atomic` (temporary file in
the same folder, then rename; the worklist through ``worklist._write_private``, the same scheme
with mode 0600). All files of a run are rendered before the first is written, then written to
temporary files, then renamed: a failure or an interrupt before the renames leaves the previous
run's reports untouched and no temporary file behind.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MARKER, ROOT, invoke

import validator
import validator.report as report_pkg
from validator.errors import UsageError
from validator.share_safe import share_safe

ALL_FORMATS = "json,md,csv,parquet,html"
REPORT_FILES = ["report.html", "report.json", "report.md", "results.csv", "results.parquet"]
COMPARE_FORMATS = "json,md,csv,html"
SOUTH = FIXTURES / "three_sites" / "south.csv"


# --------------------------------------------------------------------------- helpers

def _marked_extract(folder: Path, rows: int = 300, repeated: bool = False) -> Path:
    """A 300-row extract over 3 sites whose identifiers, unmapped column, free-text race,
    ethnicity and language values, file name and folder name carry the marker.

    Free text differs from row to row (``{i}``), as free text does. With ``repeated``, the
    same marked strings recur on 30 to 60 rows each: with --list-unmapped (opt-in) reports list an
    unmapped value shared by 5 or more rows when it looks like a code or category string."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{MARKER}_extract.csv"
    suffix = "" if repeated else " {i}"
    races = ["2106-3", "2054-5", "2028-9", "2106-3|2054-5", "UNK", "",
             f"{MARKER} race text{suffix}", "2131-1", f"mixed {MARKER}{suffix}"]
    langs = ["en", "es", "zh", "", f"{MARKER} speaks{suffix}", "vi", "und"]
    eths = ["2186-5", "2135-2", "UNK", "", f"{MARKER}-eth{suffix}"]
    lines = [f"patient_id,mrn,site_id,race_codes,race_text,ethnicity_code,birth_date,"
             f"lang_spoken_pref,interpreter_needed,{MARKER}_notes,comment"]
    for i in range(rows):
        lines.append(",".join([
            f"{MARKER}-{i:04d}", f"MRN{MARKER}{i}", "ABC"[i % 3],
            races[i % len(races)].format(i=i), f"{MARKER} free race {i}" if i % 4 == 0 else "",
            eths[i % len(eths)].format(i=i), f"{2008 + i % 15}-{1 + i % 12:02d}-{1 + i % 27:02d}",
            langs[i % len(langs)].format(i=i),
            "yes" if i % 5 == 0 else "no", f"{MARKER} note {i}", f"call {MARKER} at home"]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _output_texts(path: Path) -> list[str]:
    """Everything a reader of ``path`` could see: the text, or for Parquet the raw bytes, the
    decoded rows and the schema metadata."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return [path.read_bytes().decode("latin-1"), repr(table.to_pylist()),
                repr(table.schema.metadata), repr(table.schema.names)]
    return [path.read_text(encoding="utf-8")]


def _strip_started_at(text: str) -> dict[str, Any]:
    data = json.loads(text)
    assert "started_at" in data["run"]
    del data["run"]["started_at"]
    return data


# --------------------------------------------------------------------------- PHI

@pytest.fixture(scope="module")
def phi_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Validate the marked extract in default, stratified and share-safe (stratified) modes,
    every format, then compare and diff their results tables. Runs once for the module."""
    base = tmp_path_factory.mktemp("phi")
    data = _marked_extract(base / f"{MARKER}_site")
    runner = CliRunner()
    runs: dict[str, Any] = {"data": data}
    for name, extra in (("default", []), ("stratified", ["--stratify-by", "site_id"]),
                        ("share_safe", ["--share-safe", "--stratify-by", "site_id"])):
        out = base / name
        result = invoke(runner, "validate", data, "--out", out, "--format", ALL_FORMATS,
                        "--as-of", "2026-11-01", *extra)
        runs[name] = (result, out)
    tables = [runs[n][1] / "results.csv" for n in ("default", "stratified", "share_safe")]
    out = base / "compare"
    runs["compare"] = (invoke(runner, "compare", *tables, "--out", out, "--format",
                              COMPARE_FORMATS, "--labels", "one,two,three"), out)
    out = base / "diff"
    runs["diff"] = (invoke(runner, "compare", "--diff", tables[0], tables[2], "--out", out,
                           "--format", COMPARE_FORMATS), out)
    return runs


@pytest.mark.parametrize("mode", ["default", "stratified", "share_safe", "compare", "diff"])
def test_phi_marker_in_no_output_and_not_on_terminal(phi_runs: dict[str, Any],
                                                     mode: str) -> None:
    result, out = phi_runs[mode]
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    assert MARKER not in result.stdout and MARKER not in result.stderr
    if mode in ("compare", "diff"):
        stem = "compare" if mode == "compare" else "diff"
        expected = sorted(f"{stem}.{e}" for e in ("csv", "html", "json", "md"))
    else:
        expected = REPORT_FILES
    written = sorted(out.iterdir())
    assert [p.name for p in written] == expected
    data: Path = phi_runs["data"]
    for path in written:
        for text in _output_texts(path):
            assert MARKER not in text, path.name
            assert data.name not in text and "extract.csv" not in text, path.name
            assert str(data.parent) not in text, path.name


def test_phi_runs_really_saw_the_marked_values(phi_runs: dict[str, Any]) -> None:
    """The marked values were read and judged (defects found), not silently skipped."""
    report = json.loads((phi_runs["default"][1] / "report.json").read_text(encoding="utf-8"))
    assert report["dataset"]["rows"] == 300
    assert report["gate"]["passed"] is False
    race = [r for r in report["results"]
            if r["check_id"] == "RACE.VALUESET" and r.get("stratum") is None]
    assert race and race[0]["numerator"] > 0
    strat = json.loads((phi_runs["stratified"][1] / "report.json").read_text(encoding="utf-8"))
    assert {r.get("stratum") for r in strat["results"]} >= {"A", "B", "C"}
    safe = json.loads((phi_runs["share_safe"][1] / "report.json").read_text(encoding="utf-8"))
    assert "share_safe" in safe["run"]


def test_phi_marker_not_in_report_objects(tmp_path: Path) -> None:
    data = _marked_extract(tmp_path / f"{MARKER}_dir")
    report = validator.validate(data, as_of_date="2026-11-01", stratify_by="site_id")
    for rep in (report, share_safe(report)):
        text = json.dumps(rep.to_dict(), default=str)
        assert MARKER not in text
        assert data.name not in text and str(data.parent) not in text
        assert MARKER not in repr(rep.to_dict())


def test_phi_repeated_values_listed_only_on_request(tmp_path: Path) -> None:
    """Marked strings shared by 5+ rows are never in a default report (only counted); with
    list_unmapped (--list-unmapped) code-like ones are listed, to write a crosswalk; share-safe
    reports empty every value list even then."""
    data = _marked_extract(tmp_path / f"{MARKER}_dir", repeated=True)
    default = validator.validate(data, as_of_date="2026-11-01")
    assert MARKER not in json.dumps(default.to_dict(), default=str)
    assert default.field_summary("race_codes").unmapped_other["rows"] > 0
    report = validator.validate(data, as_of_date="2026-11-01", list_unmapped=True)
    listed = {u["value"] for f in report.to_dict()["fields"].values()
              for u in f.get("unmapped") or ()}
    assert f"{MARKER} race text" in listed  # asked for: the user opted in
    text = json.dumps(share_safe(report).to_dict(), default=str)
    assert MARKER not in text and data.name not in text


def test_phi_error_paths_name_only_the_typed_path(cli: CliRunner, tmp_path: Path) -> None:
    """Errors may name the path the user typed (terminal only), never a cell value; no report
    is written."""
    data = _marked_extract(tmp_path / f"{MARKER}_dir")
    bad_profile = tmp_path / f"{MARKER}_dir" / f"{MARKER}_profile.yaml"
    bad_profile.write_text("fields: [this is: not a profile\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(cli, "validate", data, "--profile", bad_profile, "--out", out)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{MARKER}-0" not in result.output and f"{MARKER} " not in result.output
    assert not out.exists() or not list(out.iterdir())
    result = invoke(cli, "validate", data, "--stratify-by", "no_such_column", "--out", out)
    assert result.exit_code == 2
    assert f"{MARKER}-0" not in result.output and f"{MARKER} " not in result.output
    assert not out.exists() or not list(out.iterdir())


# --------------------------------------------------------------------------- no network

class NetworkAttempt(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Block every way out (connect, DNS, UDP send); return the list of attempts."""
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def fn(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
            raise NetworkAttempt(f"network blocked in tests: {name}")
        return fn

    for attr in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, attr, refuse(f"socket.{attr}"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    return attempts


def test_no_network_validate_and_compare(no_network: list[str], cli: CliRunner,
                                         tmp_path: Path) -> None:
    with pytest.raises(NetworkAttempt):  # the guard works
        socket.create_connection(("pypi.org", 443))
    no_network.clear()
    out = tmp_path / "out"
    result = invoke(cli, "validate", SOUTH, "--out", out, "--format", ALL_FORMATS,
                    "--stratify-by", "site_id")
    assert result.exit_code in (0, 1), result.stderr
    assert sorted(p.name for p in out.iterdir()) == REPORT_FILES
    result = invoke(cli, "compare", out / "results.csv", "--out", tmp_path / "cmp",
                    "--format", COMPARE_FORMATS)
    assert result.exit_code == 0, result.stderr
    assert no_network == []
    assert os.environ.get("GX_ANALYTICS_ENABLED") == "false"


GUARD_SCRIPT = textwrap.dedent("""
    import json, os, socket, sys

    attempts = []

    def refuse(name):
        def fn(*args, **kwargs):
            attempts.append(name)
            raise OSError("network blocked: " + name)
        return fn

    for attr in ("connect", "connect_ex", "sendto"):
        setattr(socket.socket, attr, refuse("socket." + attr))
    socket.create_connection = refuse("create_connection")
    socket.getaddrinfo = refuse("getaddrinfo")

    from validator.cli import main

    try:
        main(sys.argv[1:], prog_name="real-validator")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    telemetry = ("posthog", "sentry_sdk", "segment", "mixpanel", "amplitude", "analytics",
                 "opentelemetry", "scarf")
    print("GUARD " + json.dumps({
        "code": code, "attempts": attempts,
        "gx_imported": "great_expectations" in sys.modules,
        "gx_analytics": os.environ.get("GX_ANALYTICS_ENABLED"),
        "telemetry_modules": sorted(m for m in sys.modules if m.split(".")[0] in telemetry),
        "psycopg_imported": "psycopg" in sys.modules,
    }))
""")


def test_no_network_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """One real process, nothing imported beforehand: a full validate (GX included) with
    sockets blocked tries no connection and loads no telemetry client."""
    script = tmp_path / "guarded_cli.py"
    script.write_text(GUARD_SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if "proxy" not in k.lower() and not k.startswith(("GX_", "REAL_VALIDATOR_"))}
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(script), "validate", str(SOUTH), "--out", str(out),
         "--format", ALL_FORMATS], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300)
    line = [x for x in proc.stdout.splitlines() if x.startswith("GUARD ")]
    assert line, proc.stdout + proc.stderr
    info = json.loads(line[-1][len("GUARD "):])
    assert info["code"] in (0, 1), proc.stderr
    assert info["attempts"] == []
    assert info["gx_imported"] is True  # the GX path (the likeliest to phone home) did run
    assert info["gx_analytics"] == "false"
    assert info["telemetry_modules"] == []
    assert info["psycopg_imported"] is False
    assert sorted(p.name for p in out.iterdir()) == REPORT_FILES
    assert str(ROOT) not in (out / "report.json").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- determinism

def _run_twice(cli: CliRunner, tmp_path: Path, *extra: str) -> tuple[Path, Path]:
    outs = (tmp_path / "first", tmp_path / "second")
    for out in outs:
        result = invoke(cli, "validate", SOUTH, "--out", out, "--format", ALL_FORMATS, *extra)
        assert result.exit_code in (0, 1), result.stderr
    return outs


def _assert_same_reports(a: Path, b: Path) -> None:
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for path in sorted(a.iterdir()):
        other = b / path.name
        if path.name == "report.json":
            first, second = (p.read_text(encoding="utf-8") for p in (path, other))
            assert _strip_started_at(first) == _strip_started_at(second)
            # byte-identical apart from the one timestamp line
            diff = [(x, y) for x, y in zip(first.splitlines(), second.splitlines()) if x != y]
            assert len(first.splitlines()) == len(second.splitlines())
            assert all('"started_at"' in x and '"started_at"' in y for x, y in diff), diff
        else:
            assert path.read_bytes() == other.read_bytes(), path.name


@pytest.mark.parametrize("extra", [(), ("--stratify-by", "site_id")],
                         ids=["whole", "stratified"])
def test_same_input_same_reports(cli: CliRunner, tmp_path: Path, extra: tuple[str, ...]) -> None:
    a, b = _run_twice(cli, tmp_path, *extra)
    _assert_same_reports(a, b)
    run = json.loads((a / "report.json").read_text(encoding="utf-8"))["run"]
    assert len(run["run_id"]) == 16
    for stem in ("first", "second"):  # compare of the same table twice: identical too
        result = invoke(cli, "compare", tmp_path / stem / "results.csv", "--out",
                        tmp_path / f"cmp_{stem}", "--format", COMPARE_FORMATS)
        assert result.exit_code == 0, result.stderr
    _assert_same_reports_plain(tmp_path / "cmp_first", tmp_path / "cmp_second")


def _assert_same_reports_plain(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_share_safe_reports_are_deterministic(cli: CliRunner, tmp_path: Path) -> None:
    a, b = _run_twice(cli, tmp_path, "--share-safe")
    _assert_same_reports(a, b)


# --------------------------------------------------------------------------- atomicity

def _tmp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".")
                  or p.suffix == ".tmp")


@pytest.fixture(scope="module")
def south_report() -> validator.Report:
    return validator.validate(SOUTH, as_of_date="2026-11-01")


def _previous_run(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    old = {name: f"earlier run: {name}\n".encode() for name in REPORT_FILES}
    for name, content in old.items():
        (folder / name).write_bytes(content)
    return old


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_renderer_failure_writes_nothing(south_report: validator.Report, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         exc: type[BaseException]) -> None:
    """A renderer failing after the first format rendered: no file is touched."""
    out = tmp_path / "out"
    old = _previous_run(out)

    def boom(report: Any) -> str:
        raise exc("renderer failed")

    monkeypatch.setitem(report_pkg.RENDERERS, "md", ("report.md", boom))
    with pytest.raises(exc):
        validator.write_reports(south_report, out, ALL_FORMATS.split(","))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old


@pytest.mark.parametrize("exc", [OSError, KeyboardInterrupt])
def test_interrupted_while_writing_leaves_old_reports_whole(
        south_report: validator.Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        exc: type[BaseException]) -> None:
    """The third file's write dies half-way (disk full, Ctrl-C): no truncated file, no
    temporary file, and the earlier run's reports are all still there, unchanged."""
    out = tmp_path / "out"
    old = _previous_run(out)
    real_fdopen = os.fdopen
    calls = {"n": 0}

    class Dying:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> Dying:
            return self

        def __exit__(self, *a: Any) -> None:
            self.fh.close()

        def write(self, data: Any) -> int:
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise exc("interrupted while writing")

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        fh = real_fdopen(fd, *args, **kwargs)
        return Dying(fh) if calls["n"] == 3 else fh

    monkeypatch.setattr(report_pkg.os, "fdopen", fdopen)
    with pytest.raises(UsageError if exc is OSError else exc):  # OSError: "cannot write"
        validator.write_reports(south_report, out, ALL_FORMATS.split(","))
    monkeypatch.undo()
    assert _tmp_files(out) == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old


def test_interrupted_between_renames_leaves_whole_files(
        south_report: validator.Report, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Interrupted after some renames: each report is either the old one or the new one, whole;
    no temporary file is left."""
    out = tmp_path / "out"
    old = _previous_run(out)
    fresh = tmp_path / "fresh"
    validator.write_reports(south_report, fresh, ALL_FORMATS.split(","))
    real_replace = os.replace
    calls = {"n": 0}

    def replace(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(report_pkg.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        validator.write_reports(south_report, out, ALL_FORMATS.split(","))
    monkeypatch.undo()
    assert _tmp_files(out) == []
    for path in out.iterdir():
        content = path.read_bytes()
        new = (fresh / path.name).read_bytes()
        if path.name == "report.json":  # the started_at of the two writes is the same report
            assert content in (old[path.name], new)
        else:
            assert content in (old[path.name], new), path.name
    assert sorted(p.name for p in out.iterdir()) == REPORT_FILES


def test_write_atomic_cleans_up_and_keeps_the_old_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("old\n", encoding="utf-8")

    def replace(src: Any, dst: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(report_pkg.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        report_pkg.write_atomic(target, "new\n")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    report_pkg.write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_cli_failure_mid_write_leaves_no_partial_report(cli: CliRunner, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the CLI: a disk-full error while writing the second report leaves the earlier
    run's reports as they were, and says so on stderr (exit 2, not an internal error)."""
    out = tmp_path / "out"
    old = _previous_run(out)
    real_fdopen = os.fdopen
    calls = {"n": 0}

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the fd is left to write_atomic to close
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(report_pkg.os, "fdopen", fdopen)
    result = invoke(cli, "validate", SOUTH, "--out", out, "--format", ALL_FORMATS)
    monkeypatch.undo()
    assert result.exit_code == 2
    assert "cannot write the reports (No space left on device)" in result.stderr
    assert "internal error" not in result.stderr
    assert _tmp_files(out) == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old


def test_every_writer_goes_through_a_temporary_file() -> None:
    """Static guard: the only places that create output files are write_atomic and the
    worklist's _write_private (both temp file + os.replace); everything else calls them."""
    import re

    pkg = ROOT / "validator"
    writes = re.compile(r"\.write_(text|bytes)\(|open\([^)]*['\"][wax]b?['\"]|pq\.write_table\("
                        r"|\.to_(csv|parquet|json)\(|write_csv\(")
    allowed = {("report/__init__.py", "_write_temp"), ("worklist.py", "_write_private"),
               ("worklist.py", "_csv"), ("worklist.py", "_parquet"), ("worklist.py", "write"),
               ("report/results_table.py", "render_parquet")}
    found = set()
    for path in pkg.rglob("*.py"):
        rel = path.relative_to(pkg).as_posix()
        if rel.startswith("db"):
            continue
        func = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*def (\w+)", line)
            if m and not line.startswith("        "):
                func = m.group(1)
            if writes.search(line):
                found.add((rel, func))
    assert found <= allowed, found - allowed
