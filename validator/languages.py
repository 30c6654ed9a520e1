"""BCP 47 / RFC 5646 language tags, through langcodes (IANA subtag registry) and language-data."""

from __future__ import annotations

from functools import lru_cache

import langcodes
from langcodes.tag_parser import LanguageTagError


@lru_cache(maxsize=65536)
def standardize(tag: str) -> str | None:
    """The canonical form of a valid tag (``es_MX`` -> ``es-MX``, ``spa`` -> ``es``), else None."""
    text = tag.strip()
    if not text:
        return None
    try:
        std = langcodes.standardize_tag(text)
    except (LanguageTagError, ValueError):
        return None
    return std if langcodes.tag_is_valid(std) else None


def is_valid(tag: str) -> bool:
    """True when ``tag`` is a well-formed tag whose subtags are registered."""
    return standardize(tag) is not None
