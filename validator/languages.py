"""BCP 47 / RFC 5646 language tags, through langcodes (IANA subtag registry) and language-data.

``standardize`` gives the canonical spelling the normalizer rewrites language values to; the
other functions answer what the language rules (DOMAIN.md §3.5) ask of a tag: is it well formed,
is its primary language subtag registered, is it a macrolanguage or a sign-language collection,
does a shorter ISO 639-1 code exist. Registry facts come from the IANA Language Subtag Registry
file shipped with langcodes, read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import langcodes
from langcodes.data_dicts import LANGUAGE_ALPHA3, LANGUAGE_ALPHA3_BIBLIOGRAPHIC
from langcodes.registry_parser import parse_registry
from langcodes.tag_parser import LanguageTagError, parse_tag

#: Special-purpose primary subtags (IANA ``Scope: special``): undetermined, uncoded, multiple
#: languages, no linguistic content. None of them names a language an interpreter could speak.
UNDETERMINED = "und"
UNCODED = "mis"
MULTIPLE = "mul"
NO_LINGUISTIC_CONTENT = "zxx"
SPECIAL = frozenset({UNDETERMINED, UNCODED, MULTIPLE, NO_LINGUISTIC_CONTENT})
SIGN_COLLECTION = "sgn"
ENGLISH = "en"


@dataclass(frozen=True)
class Registry:
    """The parts of the IANA registry the rules need."""

    scope: dict[str, str]  # language subtag -> Scope (macrolanguage, collection, special, ...)
    macrolanguage: dict[str, str]  # individual language subtag -> its macrolanguage
    sign_languages: frozenset[str]  # language subtags registered as extlangs with prefix sgn
    preferred: dict[str, str]  # deprecated grandfathered/redundant tag (lower) -> Preferred-Value


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Registry facts, parsed once from the file langcodes ships."""
    scope: dict[str, str] = {}
    macro: dict[str, str] = {}
    sign: set[str] = set()
    preferred: dict[str, str] = {}
    for entry in parse_registry():
        kind = entry["Type"]
        if kind == "language":
            if "Scope" in entry:
                scope[entry["Subtag"]] = entry["Scope"]
            if "Macrolanguage" in entry:
                macro[entry["Subtag"]] = entry["Macrolanguage"]
        elif kind == "extlang" and entry.get("Prefix") == [SIGN_COLLECTION]:
            sign.add(entry["Subtag"])
        elif kind in ("grandfathered", "redundant") and "Preferred-Value" in entry:
            preferred[entry["Tag"].lower()] = entry["Preferred-Value"]
    return Registry(scope, macro, frozenset(sign), preferred)


def _iana_preferred(text: str) -> str:
    """RFC 5646 §4.5 canonical form for the cases langcodes folds into a macrolanguage.

    langcodes applies CLDR aliases, which rewrite ``zh-cmn`` and ``zh-guoyu`` to ``zh`` and so
    lose the Mandarin/Cantonese distinction interpreting depends on (R-065). The registry's
    Preferred-Value of deprecated grandfathered/redundant tags, and the extlang form
    (``zh-cmn-Hans`` -> ``cmn-Hans``), are applied first.
    """
    key = text.replace("_", "-").lower()
    if key in registry().preferred:
        return registry().preferred[key]
    try:
        parts = parse_tag(text)
    except (LanguageTagError, ValueError):
        return text
    extlangs = [v for kind, v in parts if kind == "extlang"]
    if len(extlangs) != 1:
        return text
    rest = [v for kind, v in parts if kind not in ("language", "extlang")]
    return "-".join([extlangs[0], *rest])


@lru_cache(maxsize=65536)
def standardize(tag: str) -> str | None:
    """The canonical form of a valid tag (``es_MX`` -> ``es-MX``, ``spa`` -> ``es``), else None."""
    text = tag.strip()
    if not text:
        return None
    try:
        std = langcodes.standardize_tag(_iana_preferred(text))
    except (LanguageTagError, ValueError):
        return None
    return std if langcodes.tag_is_valid(std) else None


def is_valid(tag: str) -> bool:
    """True when ``tag`` is a well-formed tag whose subtags are registered."""
    return standardize(tag) is not None


@dataclass(frozen=True)
class Tag:
    """The subtags of one tag as written (not standardized); ``language`` is lower case."""

    language: str | None
    extlang: str | None = None
    script: str | None = None
    region: str | None = None
    variants: tuple[str, ...] = ()


@lru_cache(maxsize=65536)
def parse(tag: str) -> Tag | None:
    """The subtags of ``tag``; None when the langcodes parser rejects it (not well formed)."""
    try:
        parts = parse_tag(tag.strip())
    except (LanguageTagError, ValueError):
        return None
    found: dict[str, str] = {}
    variants: list[str] = []
    for kind, value in parts:
        if kind == "variant":
            variants.append(value)
        elif kind in ("language", "extlang", "script", "territory") and kind not in found:
            found[kind] = value
    language = found.get("language")
    if language is not None and language.startswith("x-"):
        language = None  # a private-use-only tag has no primary language subtag
    return Tag(
        language=None if language is None else language.lower(),
        extlang=found.get("extlang"),
        script=found.get("script"),
        region=found.get("territory"),
        variants=tuple(variants),
    )


def is_wellformed(tag: str) -> bool:
    """True when the langcodes BCP 47 parser accepts ``tag`` (registered or not)."""
    return bool(tag.strip()) and parse(tag) is not None


def primary(tag: str) -> str | None:
    """The primary language subtag of ``tag`` as written (lower case), or None."""
    parsed = parse(tag)
    return None if parsed is None else parsed.language


@lru_cache(maxsize=8192)
def is_registered_language(subtag: str) -> bool:
    """True when ``subtag`` is a language subtag of the IANA registry (incl. qaa..qtz)."""
    s = subtag.strip().lower()
    return 2 <= len(s) <= 8 and s.isalpha() and langcodes.tag_is_valid(s)


@lru_cache(maxsize=1)
def _alpha3_to_alpha2() -> dict[str, str]:
    out = {a3: a2 for a2, a3 in LANGUAGE_ALPHA3.items()}
    out.update({a3: a2 for a2, a3 in LANGUAGE_ALPHA3_BIBLIOGRAPHIC.items()})
    return out


def two_letter_equivalent(subtag: str) -> str | None:
    """The ISO 639-1 code of a 3-letter ISO 639-2 (T or B) code (``spa`` -> ``es``), else None."""
    return _alpha3_to_alpha2().get(subtag.strip().lower())


def macrolanguage(subtag: str) -> str | None:
    """The macrolanguage an individual language belongs to (``cmn`` -> ``zh``), else None."""
    return registry().macrolanguage.get(subtag.strip().lower())


def scope(subtag: str) -> str | None:
    """The registry Scope of a language subtag (macrolanguage, collection, special), else None."""
    return registry().scope.get(subtag.strip().lower())


def is_sign_language(subtag: str) -> bool:
    """True for ``sgn`` and every sign language the registry lists under the ``sgn`` prefix."""
    s = subtag.strip().lower()
    return s == SIGN_COLLECTION or s in registry().sign_languages


def in_macrolanguage(subtag: str, macro: str) -> bool:
    """True when ``subtag`` is ``macro`` itself or one of its individual languages."""
    s = subtag.strip().lower()
    return s == macro or macrolanguage(s) == macro


def is_english(tag: str) -> bool:
    """True when the primary language subtag is ``en`` (any region, script or variant)."""
    return primary(tag) == ENGLISH


def is_special(tag: str) -> bool:
    """True when the primary subtag is und, mis, mul or zxx (no specific language)."""
    return primary(tag) in SPECIAL


def name(tag: str) -> str | None:
    """English display name of a valid tag (``ase`` -> 'American Sign Language'), else None."""
    std = standardize(tag)
    return None if std is None else langcodes.Language.get(std).display_name()
