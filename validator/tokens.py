"""Canonical absent-reason tokens (DOMAIN.md §2.9) and the lexicon that maps source values.

unknown ≠ declined ≠ not asked ≠ asked-unknown ≠ unable: each stays its own token so that
reports and stratified tables keep them apart.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache

from validator._resources import data_dir

BLANK = "blank"
INFORMATIVE = "informative"
ASKU = "@asku"

#: Canonical absent-reason tokens, in report order. ``blank`` is a truly missing value.
TOKENS = (
    BLANK,
    "unknown",
    "declined",
    "not_asked",
    "asked_unknown",
    "unable_to_respond",
    "other",
    "not_applicable",
)

#: Values that look like placeholders even though the lexicon does not know them (R-003).
PLACEHOLDER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("punctuation_only", re.compile(r"^[\W_]+$")),
    ("unknown_like", re.compile(r"\bUNK(N|NOWN)?\b|\bDON.?T KNOW\b")),
    ("declined_like", re.compile(r"\bDECLIN|\bREFUS|\bCHOSE NOT\b|\bPREFER(S|RED)? NOT\b")),
    ("not_recorded_like", re.compile(
        r"\bNOT (SPECIFIED|REPORTED|RECORDED|STATED|ASKED|AVAILABLE|OBTAINED|COLLECTED|"
        r"GIVEN|PROVIDED|DOCUMENTED)\b|\bNO (ANSWER|RESPONSE|DATA|INFO)\b|\bUNAVAILABLE\b"
    )),
    ("unable_like", re.compile(r"\bUNABLE\b|\bUNOBTAINABLE\b")),
    ("null_like", re.compile(r"^(NULL|NONE|NIL|N/?A|N\.A\.?|MISSING|BLANK|TBD|PENDING|XX+)$")),
)


def key(value: str) -> str:
    """Lexicon key: trimmed, inner whitespace collapsed, upper case."""
    return " ".join(value.split()).upper()


@lru_cache(maxsize=1)
def lexicon() -> dict[str, str]:
    """Built-in source value (as a key) -> token (or ``@asku``)."""
    text = data_dir().joinpath("absent_values.csv").read_text(encoding="utf-8")
    return {key(r["value"]): r["token"] for r in csv.DictReader(io.StringIO(text))}


def placeholder_kind(value_key: str) -> str | None:
    """Which placeholder pattern an unmapped value matches, if any (R-003)."""
    for name, pattern in PLACEHOLDER_PATTERNS:
        if pattern.search(value_key):
            return name
    return None
