"""Results store: append a run's long-format results table to PostgreSQL (``--results-db``).

``append(report, "postgresql://host/dq")`` creates, on first use, the table
``real_validator_results`` (or ``?table=schema.name``) with the columns of results.csv
(:data:`validator.report.results_table.COLUMNS`) plus ``as_of_date``, ``schema_version`` and
``written_at``, and a one-row table ``<table>_meta(schema_version, created_at)``; then copies
every row of the run in one transaction, so a dashboard sees a run whole or not at all.
Counts only, like results.csv: no identifier, no value list. The password is never printed.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from validator.errors import InputError
from validator.io import postgres
from validator.report.results_table import COLUMNS, rows
from validator.results import Report

__all__ = ["DEFAULT_TABLE", "SCHEMA_VERSION", "append", "target"]

SCHEMA_VERSION = 1
DEFAULT_TABLE = "real_validator_results"

_TYPES = {"numerator": "bigint", "denominator": "bigint", "percent": "double precision",
          "threshold": "double precision", "warn_threshold": "double precision",
          "suppressed": "boolean", "min_cell": "bigint"}
EXTRA = (("as_of_date", "date"), ("schema_version", "integer NOT NULL"),
         ("written_at", "timestamptz NOT NULL DEFAULT now()"))


def target(url: str) -> postgres.PgSource:
    """The parsed store URL; ``?table=`` defaults to :data:`DEFAULT_TABLE`."""
    query = urllib.parse.urlsplit(url).query if postgres.is_url(url) else ""
    if postgres.is_url(url) and "table" not in dict(urllib.parse.parse_qsl(query)):
        url += ("&" if query else "?") + f"table={DEFAULT_TABLE}"
    return postgres.parse(url, what="--results-db")


def _ddl(src: postgres.PgSource) -> list[Any]:
    from psycopg import sql

    assert src.table is not None
    table = sql.Identifier(*src.table)
    meta = sql.Identifier(*src.table[:-1], src.table[-1] + "_meta")
    cols = [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_TYPES.get(c, "text")))
            for c in COLUMNS]
    cols += [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in EXTRA]
    return [
        sql.SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(
            sql.Literal(".".join(src.table))),
        sql.SQL("CREATE TABLE IF NOT EXISTS {} (schema_version integer NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())").format(meta),
        sql.SQL("INSERT INTO {} (schema_version) SELECT {} WHERE NOT EXISTS "
                "(SELECT 1 FROM {})").format(meta, sql.Literal(SCHEMA_VERSION), meta),
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(table, sql.SQL(", ").join(cols)),
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (dataset, written_at)").format(
            sql.Identifier(src.table[-1] + "_dataset_idx"), table),
        sql.SQL("SELECT max(schema_version) FROM {}").format(meta),
    ]


def append(report: Report, url: str) -> int:
    """Append the report's results rows; return how many. InputError (exit 2) on failure."""
    import psycopg
    from psycopg import sql

    src = target(url)
    assert src.table is not None
    data = rows(report)
    names = [*COLUMNS, "as_of_date", "schema_version"]
    as_of = report.run.get("as_of_date")
    with postgres.connect(src) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                for stmt in _ddl(src):
                    cur.execute(stmt)
                version = cur.fetchone()[0]  # type: ignore[index]
                if version != SCHEMA_VERSION:
                    raise InputError(
                        f"{src.shown}: results table has schema version {version}, this "
                        f"real-validator writes version {SCHEMA_VERSION}",
                        hint="append to a new table (?table=schema.name) or upgrade")
                copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(*src.table),
                    sql.SQL(", ").join(sql.Identifier(c) for c in names))
                with cur.copy(copy) as out:
                    for row in data:
                        out.write_row([*(row[c] for c in COLUMNS), as_of, SCHEMA_VERSION])
        except psycopg.Error as exc:
            raise InputError(f"{src.shown}: cannot append the results: "
                             f"{postgres._reason(exc, src)}",
                             hint="the user needs CREATE on the schema (first use) and "
                                  "INSERT on the table") from None
    return len(data)
