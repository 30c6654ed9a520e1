"""Checkpoints: a saved run configuration (source, profile, suites, thresholds, outputs, gate
policy) in YAML. Relative paths are resolved against the checkpoint file's folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validator.errors import ConfigError
from validator.profile import parse_date

_TOP_KEYS = ("version", "name", "description", "source", "profile", "thresholds", "suites",
             "outputs", "gate", "as_of_date", "dataset", "input", "stratify_by", "worklist",
             "previous_results", "share_safe", "results_db", "sql", "list_unmapped", "engine",
             "spark_master")
ENGINES = ("pandas", "spark")
_OUTPUT_KEYS = ("dir", "formats")
_GATE_KEYS = ("fail_on",)
_INPUT_KEYS = ("format", "encoding", "delimiter")
#: No salt key: a salt in a checkpoint file would sit next to the hashes it protects; set
#: REAL_VALIDATOR_WORKLIST_SALT instead (docs/worklist.md).
_WORKLIST_KEYS = ("path", "raw_keys", "max_rows")


@dataclass(frozen=True)
class Checkpoint:
    """A validated checkpoint."""

    name: str
    source: Path | str  # a file (resolved), or a URI (postgresql://, s3a://...) as written
    profile: Path | None
    thresholds: Path | Mapping[str, Any] | None
    suites: tuple[str, ...] | None
    out_dir: Path
    formats: tuple[str, ...]
    fail_on: str
    as_of_date: str | None
    dataset: str | None
    input: Mapping[str, str] = field(default_factory=dict)
    stratify_by: str | None = None
    #: ``{path, raw_keys, max_rows}`` (path resolved) or empty: no worklist.
    worklist: Mapping[str, Any] = field(default_factory=dict)
    #: results.csv / results.parquet of an earlier run (SITE.DISTRIBUTION_SHIFT), resolved.
    previous_results: Path | None = None
    #: ``share_safe: {min_cell: 11}`` (or ``true``): the min_cell of share-safe mode, else None.
    share_safe_min_cell: int | None = None
    #: ``results_db: postgresql://host/db`` (docs/postgres.md): append results there.
    results_db: str | None = None
    #: ``sql: SELECT ...``: with a postgresql:// source, validate this query's rows.
    sql: str | None = None
    #: ``list_unmapped: true``: list unmapped code-field values in the reports (PHI: opt-in).
    list_unmapped: bool = False
    #: ``engine: spark`` (docs/spark.md): read and run GX with Spark; default pandas.
    engine: str = "pandas"
    #: ``spark_master: spark://host:7077``: the Spark master (default local[*]).
    spark_master: str | None = None


def _check_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}",
                              hint=f"allowed keys: {', '.join(allowed)}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping (key: value)")
    return value


def _read(p: Path) -> Any:
    """The parsed YAML of checkpoint ``p``; ConfigError when it cannot be read."""
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: checkpoint file not found") from None
    except (OSError, UnicodeDecodeError):
        raise ConfigError(f"{p}: cannot read the checkpoint as UTF-8 text") from None
    except yaml.YAMLError:
        raise ConfigError(f"{p}: not valid YAML") from None
    except (ValueError, TypeError, OverflowError, RecursionError):  # e.g. 0000-00-00
        raise ConfigError(f"{p}: not valid YAML (a value cannot be read, e.g. an impossible "
                          "date)", hint="quote values that are not meant as dates or numbers"
                          ) from None


def load(path: str | Path) -> Checkpoint:
    """Read and validate a checkpoint file."""
    p = Path(path)
    data = _read(p)
    where = str(p)
    d = _mapping(data, where)
    _check_keys(d, _TOP_KEYS, where)
    if d.get("version", 1) != 1:
        raise ConfigError(f"{where}.version: only version 1 is supported")
    if not isinstance(d.get("source"), str):
        raise ConfigError(f"{where}: missing 'source' (path of the extract to validate)")
    base = p.resolve().parent

    def rel(value: object) -> Path:
        return Path(os.path.normpath(base / str(value)))
    outputs = _mapping(d.get("outputs") or {}, f"{where}.outputs")
    _check_keys(outputs, _OUTPUT_KEYS, f"{where}.outputs")
    gate = _mapping(d.get("gate") or {}, f"{where}.gate")
    _check_keys(gate, _GATE_KEYS, f"{where}.gate")
    inp = _mapping(d.get("input") or {}, f"{where}.input")
    _check_keys(inp, _INPUT_KEYS, f"{where}.input")
    fail_on = gate.get("fail_on", "critical")
    if fail_on not in ("critical", "warning"):
        raise ConfigError(f"{where}.gate.fail_on: {fail_on!r} is not one of critical, warning")
    formats = outputs.get("formats", ["json", "md"])
    if isinstance(formats, str):
        formats = [formats]
    suites = d.get("suites")
    if suites is not None and (not isinstance(suites, list)
                               or not all(isinstance(s, str) for s in suites)):
        raise ConfigError(f"{where}.suites: expected a list of suite names")
    thresholds = d.get("thresholds")
    if isinstance(thresholds, str):
        thresholds = rel(thresholds)
    elif thresholds is not None:
        thresholds = _mapping(thresholds, f"{where}.thresholds")
    as_of = d.get("as_of_date")
    worklist = _worklist(d.get("worklist"), f"{where}.worklist", rel)
    return Checkpoint(
        name=str(d.get("name") or p.stem),
        source=d["source"] if _is_url(d["source"]) else rel(d["source"]),
        profile=None if d.get("profile") is None else rel(d["profile"]),
        thresholds=thresholds,
        suites=None if suites is None else tuple(suites),
        out_dir=rel(outputs.get("dir", "reports")),
        formats=tuple(str(f) for f in formats),
        fail_on=str(fail_on),
        as_of_date=None if as_of is None else parse_date(as_of, f"{where}.as_of_date").isoformat(),
        dataset=None if d.get("dataset") is None else str(d["dataset"]),
        input={k: str(v) for k, v in inp.items()},
        stratify_by=None if d.get("stratify_by") is None else str(d["stratify_by"]),
        worklist=worklist,
        previous_results=None if d.get("previous_results") is None else rel(
            d["previous_results"]),
        share_safe_min_cell=_share_safe(d.get("share_safe"), f"{where}.share_safe"),
        results_db=_text(d.get("results_db"), f"{where}.results_db"),
        sql=_text(d.get("sql"), f"{where}.sql"),
        list_unmapped=_flag(d.get("list_unmapped", False), f"{where}.list_unmapped"),
        engine=_engine(d.get("engine", "pandas"), d.get("spark_master"), where),
        spark_master=_text(d.get("spark_master"), f"{where}.spark_master"),
    )


def _engine(value: Any, master: Any, where: str) -> str:
    if value not in ENGINES:
        raise ConfigError(f"{where}.engine: expected one of {', '.join(ENGINES)}")
    if master is not None and value != "spark":
        raise ConfigError(f"{where}.spark_master: needs engine: spark")
    return str(value)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false")
    return value


def _is_url(value: str) -> bool:
    from validator.io import is_uri

    return is_uri(value)


def _text(value: Any, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: expected text")
    return value


def _share_safe(value: Any, where: str) -> int | None:
    """The ``share_safe:`` key: ``{min_cell: 11}``, ``true`` (min_cell 11) or ``false``."""
    if value is None or value is False:
        return None
    if value is True:
        return 11
    ss = _mapping(value, where)
    _check_keys(ss, ("min_cell",), where)
    cell = ss.get("min_cell", 11)
    if isinstance(cell, bool) or not isinstance(cell, int) or cell < 2:
        raise ConfigError(f"{where}.min_cell: expected a whole number >= 2 (11 suppresses "
                          "counts of 1 to 10)")
    return cell


def _worklist(value: Any, where: str, rel: Any) -> dict[str, Any]:
    """The ``worklist:`` section: ``{path: ..., raw_keys: false, max_rows: 100000}``."""
    if value is None:
        return {}
    wl = _mapping(value, where)
    _check_keys(wl, _WORKLIST_KEYS, where)
    if not isinstance(wl.get("path"), str) or not wl["path"]:
        raise ConfigError(f"{where}.path: missing (file of the worklist, .csv or .parquet)")
    raw = wl.get("raw_keys", False)
    if not isinstance(raw, bool):
        raise ConfigError(f"{where}.raw_keys: expected true or false")
    cap = wl.get("max_rows")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        raise ConfigError(f"{where}.max_rows: expected a whole number >= 1")
    return {"path": rel(wl["path"]), "raw_keys": raw, "max_rows": cap}
