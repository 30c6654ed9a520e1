"""Comma-separated output format lists (``--format json,md``), for ``validate`` and
``compare``: one parser, so both refuse an unknown name the same way. Light to import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from validator.errors import UsageError


def choose(value: str | Iterable[str], known: Iterable[str], *, what: str, example: str,
           aliases: Mapping[str, str] | None = None) -> list[str]:
    """Known format names from ``"a,b"`` or a list, in order, without repeats; UsageError
    naming an unknown one (``what``: "report" or "compare"; ``example``: a valid list)."""
    names = list(known)
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        name = (aliases or {}).get(item, item)
        if name not in names:
            raise UsageError(f"unknown {what} format {item!r}",
                             hint=f"use one or more of: {', '.join(names)}")
        if name not in out:
            out.append(name)
    if not out:
        raise UsageError(f"no {what} format given", hint=f"e.g. --format {example}")
    return out
