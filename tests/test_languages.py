"""validator.languages: BCP 47 standardization and the registry facts the language rules use."""

from __future__ import annotations

import pytest

from validator import languages


@pytest.mark.parametrize(("raw", "canonical"), [
    ("es_MX", "es-MX"),  # underscore separator
    ("spa", "es"),  # ISO 639-2/T -> ISO 639-1
    ("ger", "de"),  # ISO 639-2/B -> ISO 639-1
    ("ENG", "en"),
    ("EN-us", "en-US"),  # case
    ("en", "en"),
    ("zh-Hant", "zh-Hant"),  # script kept
    ("iw", "he"),  # deprecated subtag -> preferred value
    ("nav", "nv"),  # Navajo
    ("sgn-US", "ase"),  # redundant tag -> preferred value (American Sign Language)
    ("zh-yue", "yue"),
    # extlang form and zh-guoyu keep the individual language (langcodes' CLDR aliases would
    # fold them into the macrolanguage zh and lose Mandarin for interpreting, R-065)
    ("zh-cmn", "cmn"),
    ("zh-cmn-Hans", "cmn-Hans"),
    ("zh-cmn-Hans-CN", "cmn-Hans-CN"),
    ("zh-guoyu", "cmn"),
    ("sgn-ase", "ase"),
    ("und", "und"),
    ("mul", "mul"),
])
def test_standardize_valid(raw: str, canonical: str) -> None:
    assert languages.standardize(raw) == canonical
    assert languages.is_valid(raw)
    assert languages.standardize(canonical) == canonical  # idempotent


@pytest.mark.parametrize("raw", ["ENGL", "SPAN", "RUSS", "English", "Spanish", "xx-YY", "",
                                 "   ", "en--US", "e", "12"])
def test_standardize_invalid(raw: str) -> None:
    assert languages.standardize(raw) is None
    assert not languages.is_valid(raw)


def test_wellformed_is_the_parser_not_the_registry() -> None:
    # 4-letter subtags are reserved by RFC 5646: they parse but are not registered
    assert languages.is_wellformed("ENGL")
    assert languages.is_wellformed("xx-YY")
    assert not languages.is_valid("ENGL")
    # a language name is rejected by the parser; blank is not a tag
    assert not languages.is_wellformed("English")
    assert not languages.is_wellformed(" ")


def test_parse_subtags() -> None:
    tag = languages.parse("zh-Hant-TW")
    assert tag is not None
    assert (tag.language, tag.script, tag.region, tag.variants) == ("zh", "Hant", "TW", ())
    variant = languages.parse("de-DE-1996")
    assert variant is not None and variant.variants == ("1996",)
    assert languages.parse("English") is None
    private = languages.parse("x-local")
    assert private is not None and private.language is None


def test_primary_subtag() -> None:
    assert languages.primary("es-MX") == "es"
    assert languages.primary("ENG") == "eng"  # as written, lower case
    assert languages.primary("English") is None
    assert languages.primary("x-local") is None


def test_registered_language() -> None:
    assert languages.is_registered_language("ase")
    assert languages.is_registered_language("EN")
    assert languages.is_registered_language("qaa")  # private-use range is registered
    assert not languages.is_registered_language("engl")
    assert not languages.is_registered_language("xx")
    assert not languages.is_registered_language("e1")


def test_two_letter_equivalent() -> None:
    assert languages.two_letter_equivalent("spa") == "es"
    assert languages.two_letter_equivalent("ENG") == "en"
    assert languages.two_letter_equivalent("fre") == "fr"  # bibliographic code
    assert languages.two_letter_equivalent("nav") == "nv"
    assert languages.two_letter_equivalent("yue") is None  # no ISO 639-1 code
    assert languages.two_letter_equivalent("es") is None


def test_macrolanguages() -> None:
    assert languages.macrolanguage("cmn") == "zh"
    assert languages.macrolanguage("yue") == "zh"
    assert languages.macrolanguage("arz") == "ar"
    assert languages.macrolanguage("prs") == "fa"
    assert languages.macrolanguage("zh") is None
    assert languages.macrolanguage("en") is None
    assert languages.in_macrolanguage("zh", "zh")
    assert languages.in_macrolanguage("nan", "zh")
    assert not languages.in_macrolanguage("ja", "zh")
    assert languages.scope("zh") == "macrolanguage"
    assert languages.scope("sgn") == "collection"
    assert languages.scope("mul") == "special"
    assert languages.scope("en") is None


def test_sign_languages_from_the_registry() -> None:
    for code in ("sgn", "ase", "bfi", "fsl", "mfs"):
        assert languages.is_sign_language(code), code
    for code in ("en", "es", "zh", "ar"):
        assert not languages.is_sign_language(code), code
    assert len(languages.registry().sign_languages) > 100


def test_english_and_special() -> None:
    assert languages.is_english("en")
    assert languages.is_english("en-US")
    assert languages.is_english("en-GB-oxendict")
    assert not languages.is_english("es")
    assert not languages.is_english("ENGL")
    for tag in ("und", "mis", "mul", "zxx", "mul-US", "und-Latn"):
        assert languages.is_special(tag), tag
    assert not languages.is_special("en")
    assert frozenset({"und", "mis", "mul", "zxx"}) == languages.SPECIAL


def test_display_names() -> None:
    assert languages.name("ase") == "American Sign Language"
    assert languages.name("es-MX") == "Spanish (Mexico)"
    assert languages.name("ENGL") is None


def test_registry_preferred_values() -> None:
    preferred = languages.registry().preferred
    assert preferred["zh-guoyu"] == "cmn"
    assert preferred["sgn-us"] == "ase"
    assert preferred["i-klingon"] == "tlh"
