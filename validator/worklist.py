"""The worklist: which rows fail which check, keyed by the profile's row key, for local
remediation (docs/worklist.md).

Opt-in and kept apart from reports: reports (and the :class:`~validator.results.Report` every
renderer reads) hold counts only, never keys. The worklist is built from the row masks the run
already computes (``RuleContext.violations``: the grouped pass for GX-backed checks, the
RowMeasure masks of pandas rules), never from GX's per-row id output.

Keys are hashed by default: the first 16 hex characters of SHA-256 over the UTF-8 bytes of
salt + key (the key trimmed of surrounding blanks, as the validator reads identifiers). A site
matches a hash back by hashing its own keys with the same salt. Raw keys only when asked for
(``raw_keys=True``, ``--worklist-raw-keys``).

Python::

    from validator.worklist import Worklist
    wl = Worklist(salt="a long site secret")          # or raw_keys=True
    report = validator.validate("extract.csv", worklist=wl)
    wl.frame                                          # one row per (failing row, check, field)
    wl.write("worklist.csv")                          # or .parquet
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from validator import __version__
from validator.errors import UsageError
from validator.results import CheckResult, Status

if TYPE_CHECKING:
    from validator.engine.measures import RuleContext

DEFAULT_MAX_ROWS = 100_000
SALT_ENV = "REAL_VALIDATOR_WORKLIST_SALT"
DIGEST_CHARS = 16
SALT_SUFFIX = ".salt"
#: Statuses whose violating rows are listed (PASS has none; NOT_APPLICABLE and ERROR did not
#: evaluate the check reliably, so they list nothing).
LISTED = (Status.FAIL, Status.WARN, Status.PASS_WITH_FINDINGS)
COLUMNS = ("check_id", "rule", "field", "severity", "status", "key",
           "rows_listed", "rows_violating", "max_rows")
FORMATS = {".csv": "csv", ".parquet": "parquet"}
NO_ROW_KEY = "--worklist needs a row key: map patient_id or set row_key"
METADATA_KEY = b"real_validator.worklist"
_STRING_COLUMNS = ("check_id", "rule", "field", "severity", "status")


def digest(key: str, salt: str) -> str:
    """The worklist hash of one key: SHA-256 of the UTF-8 bytes of ``salt + key``, first 16
    hex characters. A site re-hashes its own keys with this to match the worklist back."""
    return hashlib.sha256((salt + key).encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def format_of(path: str | Path) -> str:
    """``csv`` or ``parquet`` from the file extension; UsageError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{path}: the worklist must end in .csv or .parquet",
                         hint="e.g. --worklist worklist.csv")
    return FORMATS[suffix]


def _schema() -> pa.Schema:
    return pa.schema([*(pa.field(c, pa.string()) for c in COLUMNS[:6]),
                      *(pa.field(c, pa.int64()) for c in COLUMNS[6:])])


@dataclass
class Worklist:
    """A worklist request, filled by ``validator.validate(..., worklist=...)``.

    Args:
        salt: salt of the key hashes; default: the ``REAL_VALIDATOR_WORKLIST_SALT``
            environment variable, else a random salt generated for this run (``write`` keeps
            it in a ``<path>.salt`` sidecar, the only place it is ever written).
        raw_keys: list the row keys themselves instead of hashes.
        max_rows: most rows listed per (check, field); the file states the cap and how many
            rows violate in all.
    """

    salt: str | None = field(default=None, repr=False)
    raw_keys: bool = False
    max_rows: int = DEFAULT_MAX_ROWS
    salt_generated: bool = field(default=False, init=False)
    table: pa.Table | None = field(default=None, init=False, repr=False)
    unlisted: tuple[dict[str, str | None], ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        if isinstance(self.max_rows, bool) or not isinstance(self.max_rows, int) \
                or self.max_rows < 1:
            raise UsageError(f"worklist max_rows must be a whole number >= 1, "
                             f"not {self.max_rows!r}")
        if self.salt is not None and not self.salt:
            raise UsageError("the worklist salt must not be empty",
                             hint=f"omit it (then {SALT_ENV} or a random salt is used)")
        if self.salt is None:
            self.salt = os.environ.get(SALT_ENV) or None
        if self.salt is None:
            self.salt = secrets.token_hex(16)
            self.salt_generated = True

    # ------------------------------------------------------------------ filled by the run

    def prepare(self, ctx: RuleContext) -> None:
        """Before the run: require a row key and ask the runner to keep violating-row masks."""
        key = ctx.profile.row_key
        if not key or key not in ctx.data.frame.columns:
            raise UsageError(NO_ROW_KEY,
                             hint="the worklist lists failing rows by the profile's row key")
        ctx.violations = {}

    def collect(self, ctx: RuleContext, results: Sequence[CheckResult]) -> None:
        """After the run: one row per (violating row, check, field) of every whole-input result
        that is FAIL, WARN or PASS_WITH_FINDINGS, at most ``max_rows`` per (check, field)."""
        assert ctx.violations is not None, "prepare() was not called before the run"
        assert ctx.profile.row_key is not None
        pieces: list[tuple[CheckResult, np.ndarray, int]] = []
        unlisted: list[dict[str, str | None]] = []
        for r in results:
            if r.stratum is not None or r.status not in LISTED:
                continue
            mask = ctx.violations.get((r.check_id, r.field))
            if mask is None or isinstance(mask, str):
                unlisted.append({"check_id": r.check_id, "field": r.field,
                                 "status": r.status.value,
                                 "why": mask or "decided without counting rows (e.g. a "
                                                "required field is not in the input)"})
                continue
            rows = np.flatnonzero(mask)
            if len(rows):
                pieces.append((r, rows[: self.max_rows], len(rows)))
        self.unlisted = tuple(unlisted)
        self.table = self._build(ctx.data.frame[ctx.profile.row_key], pieces)

    def _keys(self, key: pd.Series, rows: np.ndarray) -> pa.Array:
        """The key (hash or raw) of each listed row; null where the row has no key."""
        if not len(rows):
            return pa.array([], type=pa.string())
        needed = np.zeros(len(key), dtype=bool)
        needed[rows] = True
        distinct = np.flatnonzero(needed)  # each listed row once, in input order
        codes, uniques = pd.factorize(key.take(distinct))
        values = pa.array(uniques).to_pylist()
        if not self.raw_keys:  # each distinct key hashed once
            assert self.salt is not None
            base = hashlib.sha256(self.salt.encode("utf-8"))
            hashed = []
            for v in values:
                h = base.copy()
                h.update(v.encode("utf-8"))
                hashed.append(h.hexdigest()[:DIGEST_CHARS])
            values = hashed
        position = np.cumsum(needed) - 1  # row -> its index in ``distinct``
        per_row = codes[position[rows]]
        indices = pa.array(per_row.astype(np.int32), mask=per_row < 0)
        return pa.DictionaryArray.from_arrays(indices, pa.array(values, type=pa.string())
                                              ).cast(pa.string())

    def _build(self, key: pd.Series,
               pieces: list[tuple[CheckResult, np.ndarray, int]]) -> pa.Table:
        counts = np.array([len(rows) for _, rows, _ in pieces], dtype=np.int64)
        which = pa.array(np.repeat(np.arange(len(pieces), dtype=np.int32), counts))
        rows = (np.concatenate([rows for _, rows, _ in pieces]) if pieces
                else np.zeros(0, dtype=np.int64))

        def column(values: Iterable[Any], kind: pa.DataType) -> pa.Array:
            dictionary = pa.array(list(values), type=kind)
            if kind == pa.int64():
                return pc.take(dictionary, which)
            return pa.DictionaryArray.from_arrays(which, dictionary).cast(kind)

        results = [r for r, _, _ in pieces]
        arrays = [
            column((r.check_id for r in results), pa.string()),
            column((r.rule for r in results), pa.string()),
            column((r.field for r in results), pa.string()),
            column((r.severity.value for r in results), pa.string()),
            column((r.status.value for r in results), pa.string()),
            self._keys(key, rows),
            column(counts.tolist(), pa.int64()),
            column((total for _, _, total in pieces), pa.int64()),
            column((self.max_rows for _ in pieces), pa.int64()),
        ]
        return pa.Table.from_arrays(arrays, schema=_schema())

    # ------------------------------------------------------------------ reading and writing

    def _filled(self) -> pa.Table:
        if self.table is None:
            raise UsageError("the worklist is empty: pass it to validator.validate(..., "
                             "worklist=...) first")
        return self.table

    @property
    def frame(self) -> pd.DataFrame:
        """The worklist rows (columns: check_id, rule, field, severity, status, key,
        rows_listed, rows_violating, max_rows)."""
        return self._filled().to_pandas(types_mapper=pd.ArrowDtype)

    @property
    def rows(self) -> int:
        """Number of rows listed."""
        return self._filled().num_rows

    @property
    def truncated(self) -> list[dict[str, Any]]:
        """(check, field)s with more violating rows than ``max_rows``."""
        t = self._filled()
        if not t.num_rows:
            return []
        summary = t.group_by(["check_id", "field"], use_threads=False).aggregate(
            [("rows_listed", "max"), ("rows_violating", "max")]).to_pylist()
        return [{"check_id": s["check_id"], "field": s["field"],
                 "rows_listed": s["rows_listed_max"], "rows_violating": s["rows_violating_max"]}
                for s in summary if s["rows_violating_max"] > s["rows_listed_max"]]

    def metadata(self) -> dict[str, Any]:
        """What the file holds (Parquet schema metadata; never the salt)."""
        return {
            "tool_version": __version__,
            "key": "raw" if self.raw_keys else
            f"sha256(salt + key), first {DIGEST_CHARS} hex characters",
            "max_rows_per_check": self.max_rows,
            "truncated": self.truncated,
            "unlisted_failing_checks": list(self.unlisted),
        }

    def write(self, path: str | Path) -> int:
        """Write the worklist to ``path`` (CSV or Parquet by extension) atomically, readable by
        the owner only; keep a generated salt in ``<path>.salt``. Returns the rows written."""
        target = Path(path)
        fmt = format_of(target)
        table = self._filled()
        sidecar = target.with_name(target.name + SALT_SUFFIX)
        try:
            if fmt == "parquet":
                meta = {METADATA_KEY: json.dumps(self.metadata()).encode("utf-8")}
                _write_private(target, lambda tmp: _parquet(table.replace_schema_metadata(meta),
                                                            tmp))
            else:
                _write_private(target, lambda tmp: _csv(table, tmp))
            if self.salt_generated and not self.raw_keys:
                assert self.salt is not None
                salt = self.salt
                _write_private(sidecar, lambda tmp: Path(tmp).write_text(salt + "\n",
                                                                         encoding="utf-8"))
            else:
                sidecar.unlink(missing_ok=True)  # a stale salt of an earlier run of PATH
        except OSError as exc:
            raise UsageError(f"{target}: cannot write the worklist ({exc.strerror})") from None
        return table.num_rows


def _csv(table: pa.Table, path: str) -> None:
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def _parquet(table: pa.Table, path: str) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, path)


def _write_private(path: Path, fill: Any) -> None:
    """``fill(tmp)`` into a temporary file (mode 0600) beside ``path``, then rename: never a
    partial file, never readable by other users."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o600)
        fill(tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def request(path: str | Path, *, raw_keys: bool = False, salt: str | None = None,
            max_rows: int | None = None, protected: Iterable[Path] = ()) -> Worklist:
    """A worklist request from command-line options, checked before the run: the extension,
    and that ``path`` is not one of the ``protected`` files (the input, the reports)."""
    format_of(path)
    target = Path(path).resolve()
    if any(target == Path(p).resolve() for p in protected):
        raise UsageError(f"{path}: the worklist cannot replace the input or a report file",
                         hint="write it to a file of its own, e.g. --worklist "
                              "private/worklist.csv")
    return Worklist(salt=salt, raw_keys=raw_keys,
                    max_rows=DEFAULT_MAX_ROWS if max_rows is None else max_rows)
