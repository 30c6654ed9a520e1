"""PostgreSQL source: ``postgresql://host/db?table=schema.name`` or a URL plus a query.

Only the mapped columns are read, each cast to text on the server (dates in ISO 8601,
timestamps with a "T", like the Parquet reader), streamed with ``COPY (SELECT ...) TO STDOUT``
in CSV format and parsed block by block (about :data:`BATCH_ROWS` rows each) by pyarrow's
streaming CSV reader into ``large_string`` arrays (dictionary-encoded batch by batch by the
caller: validator/io/compact.py); NULL stays null, an empty string stays empty.

Credentials come from the URL, the environment (``PGPASSWORD``, ``PGUSER``, ...), or a
``~/.pgpass`` file (``PGPASSFILE``): libpq reads them. The password is never printed: every
message and the report name the target as ``postgresql://host:port/db?table=...`` only.

Bad input (unreachable server, wrong credentials, missing table or column, a failing query)
raises :class:`~validator.errors.InputError` (exit 2), one line naming that target.
"""

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from validator.errors import InputError, UsageError

__all__ = ["BATCH_ROWS", "PgSource", "columns", "connect", "is_url", "iter_batches", "parse",
           "read_table"]

BATCH_ROWS = 50_000
SCHEMES = ("postgresql://", "postgres://")
_TIMESTAMP_OIDS = {1114, 1184}  # timestamp, timestamptz: "2010-05-01 12:30:00" -> "...T..."
_IDENT = re.compile(r"^[^\s.\"]+$")


def is_url(source: object) -> bool:
    """True for a ``postgresql://`` or ``postgres://`` string."""
    return isinstance(source, str) and source.lower().startswith(SCHEMES)


@dataclass(frozen=True)
class PgSource:
    """A parsed PostgreSQL source: what to connect to and what to read."""

    conninfo: str = field(repr=False)  # for libpq; may hold the password: never print it
    shown: str  # postgresql://host:port/db[?table=...]: no user, no password
    table: tuple[str, ...] | None  # (schema, name) or (name,)
    query: str | None
    password: str | None = field(default=None, repr=False)  # only to scrub messages


def _shown(params: dict[str, Any]) -> str:
    host = str(params.get("host") or params.get("hostaddr") or "localhost").split(",")[0]
    port = str(params.get("port") or "").split(",")[0]
    where = f"{host}:{port}" if port and not host.startswith("/") else host
    if host.startswith("/"):
        where = urllib.parse.quote(host, safe="")
    return f"postgresql://{where}/{params.get('dbname') or ''}"


def parse(url: str, *, sql: str | None = None, what: str = "source") -> PgSource:
    """Split ``url`` into libpq conninfo and a table (``?table=``) or query (``sql``)."""
    if not is_url(url):
        raise UsageError(f"{what} must start with postgresql://")
    from psycopg import conninfo as ci

    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    tables = [v for k, v in query if k == "table"]
    rest = [(k, v) for k, v in query if k != "table"]
    clean = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(rest)))
    try:
        params = ci.conninfo_to_dict(clean)
    except Exception:  # psycopg.ProgrammingError: message may echo the URL
        host = parts.hostname or "localhost"
        raise UsageError(f"postgresql://{host}{parts.path}: not a valid PostgreSQL URL",
                         hint="postgresql://[user@]host[:port]/dbname?table=schema.name")\
            from None
    shown = _shown(params)
    table: tuple[str, ...] | None = None
    if len(tables) > 1:
        raise UsageError(f"{shown}: ?table= is given more than once")
    if tables:
        names = tables[0].split(".")
        if len(names) > 2 or not all(_IDENT.match(n) for n in names):
            raise UsageError(f"{shown}: ?table= must be schema.name or name, "
                             f"not {tables[0]!r}")
        table = tuple(names)
        shown += f"?table={tables[0]}"
    if sql is not None:
        if table is not None:
            raise UsageError(f"{shown}: give either ?table= or --sql, not both")
        if not sql.strip():
            raise UsageError(f"{shown}: --sql is empty")
        shown += " (query)"
    elif table is None:
        raise UsageError(f"{shown}: name the table to read",
                         hint="add ?table=schema.name to the URL, or pass --sql QUERY")
    password = params.get("password") or None
    return PgSource(clean, shown, table, sql, password)


def _scrub(text: str, src: PgSource) -> str:
    if src.password:
        text = text.replace(src.password, "***")
    return text


def _reason(exc: BaseException, src: PgSource) -> str:
    """The server's or libpq's first line, without the password or any data values."""
    sqlstate = getattr(getattr(exc, "diag", None), "sqlstate", None) or ""
    if sqlstate.startswith("22"):  # data exception: the message may quote a cell value
        return f"data error (SQLSTATE {sqlstate})"
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    text = lines[0] if lines else type(exc).__name__
    text = re.sub(r"^connection to server at .*? failed: ", "", text)
    text = re.sub(r"^connection to server on socket .*? failed: ", "", text)
    return _scrub(text, src) + (f" (SQLSTATE {sqlstate})" if sqlstate else "")


def connect(src: PgSource, *, read_only: bool = False, connect_timeout: int = 10) -> Any:
    """Open a connection or raise InputError naming the server (never the password)."""
    try:
        import psycopg
    except ImportError:
        raise UsageError("reading PostgreSQL needs psycopg",
                         hint="pip install 'real-validator[postgres]'") from None
    try:
        conn = psycopg.connect(src.conninfo, connect_timeout=connect_timeout,
                               application_name="real-validator")
    except psycopg.Error as exc:
        raise InputError(f"{src.shown}: cannot connect to PostgreSQL: {_reason(exc, src)}",
                         hint="check host, port, database, user and the password "
                              "(PGPASSWORD or ~/.pgpass)") from None
    conn.read_only = read_only
    return conn


def _relation(src: PgSource) -> Any:
    from psycopg import sql

    if src.table is not None:
        return sql.Identifier(*src.table)
    return sql.SQL("({}) AS rv_query").format(sql.SQL(src.query or ""))  # type: ignore[arg-type]


def _query_error(exc: BaseException, src: PgSource) -> InputError:
    sqlstate = getattr(getattr(exc, "diag", None), "sqlstate", None) or ""
    if sqlstate == "42P01" and src.table is not None:
        return InputError(f"{src.shown}: table {'.'.join(src.table)} not found",
                          hint="check the schema and table name, and that the user may "
                               "read it")
    if sqlstate == "42501":
        return InputError(f"{src.shown}: permission denied: {_reason(exc, src)}",
                          hint="GRANT SELECT on the table to the validating user")
    what = "the query failed" if src.query is not None else "reading the table failed"
    return InputError(f"{src.shown}: {what}: {_reason(exc, src)}")


def columns(conn: Any, src: PgSource) -> tuple[tuple[str, ...], dict[str, int]]:
    """Column names (in table order) and their type OIDs, without reading any row."""
    import psycopg
    from psycopg import sql

    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(_relation(src)))
            desc = cur.description or []
    except psycopg.Error as exc:
        conn.rollback()
        raise _query_error(exc, src) from None
    names = tuple(d.name for d in desc)
    return names, {d.name: d.type_code for d in desc}


def read_table(conn: Any, src: PgSource, wanted: Sequence[str], types: dict[str, int],
               batch_rows: int | None = None) -> pa.Table:
    """``wanted`` columns (already checked to exist) as one table of text."""
    schema = pa.schema([(c, pa.large_string()) for c in wanted])
    return pa.Table.from_batches(list(iter_batches(conn, src, wanted, types, batch_rows)),
                                 schema=schema)


def iter_batches(conn: Any, src: PgSource, wanted: Sequence[str], types: dict[str, int],
                 batch_rows: int | None = None) -> Iterator[pa.RecordBatch]:
    """Stream ``wanted`` columns (already checked to exist) as text, ``batch_rows`` rows
    (default :data:`BATCH_ROWS`) at a time, inside one transaction of ``conn``."""
    batch_rows = batch_rows or BATCH_ROWS
    import psycopg
    from psycopg import sql

    exprs = []
    for name in wanted:
        col = sql.Identifier(name)
        text = sql.SQL("{}::text").format(col)
        if types.get(name) in _TIMESTAMP_OIDS:
            text = sql.SQL("replace({}::text, ' ', 'T')").format(col)
        exprs.append(sql.SQL("{} AS {}").format(text, col))
    select = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(exprs), _relation(src))
    stmt = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv)").format(select)
    try:
        conn.execute("SET LOCAL DateStyle TO 'ISO, YMD'")  # dates as 2010-05-01, whatever the
        with conn.cursor() as cur, cur.copy(stmt) as copy:  # server's or role's default
            reader = pacsv.open_csv(
                _CopyStream(copy),
                read_options=pacsv.ReadOptions(column_names=list(wanted), use_threads=False,
                                               block_size=_block_size(batch_rows, len(wanted))),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.large_string() for c in wanted},
                    # COPY's csv writes NULL unquoted and empty, '' as "": nothing else is null
                    null_values=[""], strings_can_be_null=True,
                    quoted_strings_can_be_null=False))
            yield from reader
        conn.commit()
    except psycopg.Error as exc:
        conn.rollback()
        raise _query_error(exc, src) from None
    except pa.ArrowInvalid as exc:  # not expected from COPY's own csv; never quote a value
        conn.rollback()
        raise InputError(f"{src.shown}: could not read the rows streamed by COPY",
                         hint=f"{type(exc).__name__}; check the query's output") from None


def _block_size(batch_rows: int, n_columns: int) -> int:
    """Bytes per Arrow CSV block: about ``batch_rows`` rows of short codes (>= 4 KiB)."""
    return max(1 << 12, batch_rows * max(n_columns, 1) * 12)


class _CopyStream(io.RawIOBase):
    """A readable file over psycopg's ``COPY ... TO STDOUT`` chunks, for pyarrow's CSV
    streaming reader: the rows are parsed block by block as they arrive, never held as
    Python strings."""

    def __init__(self, copy: Any) -> None:
        self._copy = copy
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` as far as the stream goes (psycopg hands out one row per read;
        short reads would make one tiny Arrow block per row)."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view):
            if not self._pending:
                chunk = self._copy.read()
                if not chunk:
                    break
                self._pending = memoryview(chunk).cast("B")
            n = min(len(view) - filled, len(self._pending))
            view[filled:filled + n] = self._pending[:n]
            self._pending = self._pending[n:]
            filled += n
        return filled

