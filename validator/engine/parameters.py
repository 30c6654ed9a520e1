"""Values for the ``$PARAMETER`` references in the suites: value sets from package data."""

from __future__ import annotations

from functools import cache

from validator import cdcrec, sogi, valuesets

#: Parameters derived from CDCREC rather than stored as a value set file.
_DERIVED = {
    "cdcrec_roots": lambda: sorted(cdcrec.ROOTS),
    "cdcrec_ethnicity_tree": lambda: sorted(
        r["code"] for r in valuesets.load("cdcrec").rows
        if r["tree"] == "ethnicity" and r["abstract"] != "true"
    ),
    sogi.PRONOUNS: lambda: sorted(sogi.codes(sogi.PRONOUNS)),
}


@cache
def resolve(name: str) -> tuple[str, ...]:
    """The codes a ``$PARAMETER`` name stands for (KeyError if it is unknown)."""
    if name in _DERIVED:
        return tuple(_DERIVED[name]())
    return tuple(sorted(valuesets.load(name).codes))


def names_in(node: object) -> set[str]:
    """Every ``$PARAMETER`` name referenced anywhere inside a JSON-like structure."""
    found: set[str] = set()
    if isinstance(node, dict):
        if set(node) == {"$PARAMETER"}:
            found.add(str(node["$PARAMETER"]))
        for v in node.values():
            found |= names_in(v)
    elif isinstance(node, list):
        for v in node:
            found |= names_in(v)
    return found
