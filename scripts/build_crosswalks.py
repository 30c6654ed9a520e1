"""Build the generated language crosswalks in validator/crosswalks/ and verify every shipped one.

Usage:
    python scripts/build_crosswalks.py           # rewrite the generated files, verify all
    python scripts/build_crosswalks.py --check   # exit 1 if a generated file is out of date

Generated (deterministic: same langcodes/language-data versions give byte-identical files):

* ``iso639_languages`` — ISO 639-2/B, ISO 639-2/T and ISO 639-3 codes -> BCP 47, for every code
  of the package value set ``language_iso639_2`` (PHIN VADS ISO 639-2 alpha-3), the alpha-3
  tables of langcodes and the deprecated 3-letter language subtags of the IANA registry shipped
  with langcodes. The target is ``validator.languages.standardize(code)``, i.e. exactly the form
  the validator's BCP 47 standardizer writes; codes already equal to their BCP 47 form (``cmn``,
  ``haw``) are skipped.
* ``language_names_en`` — English language names -> BCP 47: the displays of the THO
  ``Languages`` value set (``languages_tho``, split on ``;``) and FHIR R4 Common Languages
  (``languages_common_r4``), the English name language-data gives each of those codes and its
  extra English names, plus the hand-added health-care names in ``HAND_NAMES`` (which win).
  A generated name is dropped when it names two different languages, or when it is itself a
  valid language tag for another language ("Ga" is also the code of Irish) — the drop list is
  printed.

Language crosswalks carry one row per language field (a crosswalk feeds only the fields it has
rows for), so each mapping is repeated for the five BCP 47 fields.

Hand-written crosswalks (every other ``*.csv`` in the folder) are only verified: each must load
through ``validator.crosswalk.load``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable
from pathlib import Path

import langcodes
import language_data
from langcodes.data_dicts import LANGUAGE_ALPHA3, LANGUAGE_ALPHA3_BIBLIOGRAPHIC
from langcodes.registry_parser import parse_registry
from language_data.names import code_to_names

from validator import crosswalk, languages, tokens, valuesets
from validator.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT = REPO_ROOT / "validator" / "crosswalks"
COLUMNS = crosswalk.COLUMNS
LANGUAGE_FIELDS = (
    "lang_spoken_pref",
    "lang_written_pref",
    "lang_home",
    "caregiver_lang_spoken_pref",
    "caregiver_lang_written_pref",
)
#: Rows of the value set that are not language codes.
NOT_CODES = frozenset({"OTH", "qaa-qtz"})
#: Names of the special-purpose tags become the absent-reason token the validator gives the tag
#: itself (R-064), so "Undetermined" and "und" are counted alike.
SPECIAL_NAMES = {"und": "@unknown", "mis": "@other", "zxx": "@not_applicable"}

#: Health-care names language-data does not give (or gives differently), as they appear in
#: registration systems and interpreter-service lists: (name, BCP 47 target, note).
HAND_NAMES: tuple[tuple[str, str, str], ...] = (
    ("Mandarin", "cmn", "interpreters are booked per spoken variety: Mandarin, not 'Chinese'"),
    ("Mandarin Chinese", "cmn", ""),
    ("Chinese - Mandarin", "cmn", "EHR display style"),
    ("Chinese (Mandarin)", "cmn", "EHR display style"),
    ("Chinese Mandarin", "cmn", ""),
    ("Cantonese", "yue", ""),
    ("Chinese - Cantonese", "yue", "EHR display style"),
    ("Chinese (Cantonese)", "yue", "EHR display style"),
    ("Chinese Cantonese", "yue", ""),
    ("Toishanese", "yue", "Taishanese is a Yue variety with no ISO 639-3 code of its own; "
     "yue is the nearest tag (the variety is lost)"),
    ("Taishanese", "yue", "a Yue variety with no ISO 639-3 code of its own; yue is the nearest "
     "tag (the variety is lost)"),
    ("Haitian Creole", "ht", ""),
    ("Creole - Haitian", "ht", "EHR display style"),
    ("American Sign Language", "ase", ""),
    ("ASL", "ase", "in US health-care feeds ASL means American Sign Language, although asl is "
     "also the ISO 639-3 code of Asilulu"),
    ("Sign Language", "sgn", "no particular sign language named: the sgn collection "
     "(LANG rules report it as not specific)"),
    ("Farsi", "fa", "Persian"),
    ("Dari", "fa-AF", "Dari (ISO 639-3 prs); langcodes/CLDR write prs as fa-AF, the form the "
     "validator's BCP 47 standardizer produces"),
    ("Tagalog", "fil", "langcodes.find gives tl, but the BCP 47 standardizer rewrites tl to fil "
     "(CLDR alias), so the crosswalk targets fil"),
    ("Filipino", "fil", ""),
    ("Karen", "kar", "the Karen languages collection; langcodes.find('Karen') returns kbj "
     "(Kari, a Bantu language), which is wrong here"),
    ("Chuukese", "chk", ""),
    ("Trukese", "chk", "older name of Chuukese"),
    ("Marshallese", "mh", ""),
    ("Cape Verdean Creole", "kea", "Kabuverdianu"),
    ("Cape Verdean", "kea", "as a language: Kabuverdianu (Cape Verdean Creole)"),
    ("Kabuverdianu", "kea", ""),
    ("Cambodian", "km", "Khmer"),
    ("Laotian", "lo", "Lao"),
    ("Somali", "so", ""),
    ("Hmong", "hmn", "Hmong macrolanguage"),
    ("Brazilian Portuguese", "pt-BR", ""),
    ("Portuguese (Brazil)", "pt-BR", ""),
    ("Ilocano", "ilo", ""),
    ("Pohnpeian", "pon", ""),
    ("Kosraean", "kos", ""),
    ("Yapese", "yap", ""),
    ("Palauan", "pau", ""),
    ("Bengali", "bn", "language-data calls it Bangla"),
    ("Punjabi", "pa", ""),
    ("Panjabi", "pa", ""),
    ("Pashto", "ps", ""),
    ("Amharic", "am", ""),
    ("Tigrinya", "ti", ""),
    ("Oromo", "om", ""),
    ("Swahili", "sw", ""),
    ("Nepali", "ne", ""),
    ("Burmese", "my", ""),
    ("Khmer", "km", ""),
    ("Greek", "el", "Modern Greek"),
    ("Modern Greek", "el", ""),
    ("K'iche'", "quc", ""),
    ("Mam", "mam", "Mayan language common among Guatemalan patients"),
    ("Other", "@other", "the feed's 'Other' language: a language outside its list (the same "
     "token the language rules give BCP 47 mis)"),
)

def _csv(rows: Iterable[tuple[str, str, str, str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def _expand(pairs: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str, str, str]]:
    """(system, source, target, note) -> one row per language field, sorted."""
    pairs = sorted(pairs, key=lambda p: (tokens.key(p[1]), p[1]))
    return [(system, source, f, target, "", note)
            for f in LANGUAGE_FIELDS for system, source, target, note in pairs]


# ------------------------------------------------------------------------------- ISO 639


def _iso639_candidates() -> dict[str, tuple[str, str]]:
    """code -> (source_system, display) for every 3-letter code considered."""
    out: dict[str, tuple[str, str]] = {}
    bibliographic = set(LANGUAGE_ALPHA3_BIBLIOGRAPHIC.values())
    terminologic = set(LANGUAGE_ALPHA3.values())
    for row in valuesets.load("language_iso639_2").rows:
        code = row["code"]
        if code in NOT_CODES:
            continue
        system = ("ISO 639-2/B" if code in bibliographic and code not in terminologic
                  else "ISO 639-2/T")
        out[code] = (system, row["display"])
    for code in sorted(terminologic - set(out)):
        out[code] = ("ISO 639-2/T", "")
    for code in sorted(bibliographic - set(out)):
        out[code] = ("ISO 639-2/B", "")
    for entry in parse_registry():
        code = entry.get("Subtag", "")
        if entry["Type"] == "language" and "Deprecated" in entry and len(code) == 3:
            preferred = entry.get("Preferred-Value")
            display = entry["Description"][0] + (
                f"; deprecated in the IANA registry (Preferred-Value {preferred})" if preferred
                else "; deprecated in the IANA registry")
            out.setdefault(code, ("ISO 639-3 (retired)", display))
    return out


def build_iso639() -> str:
    alpha2 = {a3: a2 for a2, a3 in LANGUAGE_ALPHA3.items()}
    alpha2.update({a3: a2 for a2, a3 in LANGUAGE_ALPHA3_BIBLIOGRAPHIC.items()})
    pairs = []
    for code, (system, display) in sorted(_iso639_candidates().items()):
        target = languages.standardize(code)
        if target is None or target == code:
            continue
        note = display or langcodes.Language.get(target).display_name()
        if alpha2.get(code) != target and "retired" not in system:
            note += f"; written as {target} by langcodes/CLDR aliases"
        pairs.append((system, code, target, note))
    return _csv(_expand(pairs))


# ------------------------------------------------------------------------------- names


def _english_names(code: str, display: str) -> list[str]:
    names = [part.strip() for part in display.split(";") if part.strip()]
    en = code_to_names(code).get("en")
    if en:
        names.append(en)
    return names


def _extra_names() -> dict[str, list[str]]:
    path = Path(language_data.__file__).parent / "data" / "extra_language_names.csv"
    out: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as f:
        for lang, code, name in csv.reader(f):
            if lang == "en":
                out.setdefault(code, []).append(name)
    return out


def build_names(report: list[str] | None = None) -> str:
    found: dict[str, dict[str, tuple[str, str]]] = {}  # key -> target -> (name, system)
    extra = _extra_names()
    for vs, system in (("languages_tho", "THO Languages"),
                       ("languages_common_r4", "FHIR R4 Common Languages")):
        for row in valuesets.load(vs).rows:
            target = languages.standardize(row["code"])
            if target is None:
                continue
            for name in [*_english_names(row["code"], row["display"]),
                         *extra.get(row["code"], [])]:
                found.setdefault(tokens.key(name), {}).setdefault(target, (name, system))
    hand = {tokens.key(n): (n, t, note) for n, t, note in HAND_NAMES}
    pairs: list[tuple[str, str, str, str]] = []
    dropped: list[str] = []
    for key, targets in sorted(found.items()):
        if key in hand:
            continue
        if len(targets) > 1:
            dropped.append(f"{key}: names {', '.join(sorted(targets))}")
            continue
        target, (name, system) = next(iter(targets.items()))
        as_tag = languages.standardize(name)
        if as_tag is not None and as_tag != target:
            dropped.append(f"{key}: is also the tag {as_tag}")
            continue
        note = ""
        if target in SPECIAL_NAMES:
            token = SPECIAL_NAMES[target]
            note = f"name of the BCP 47 tag {target}, read as {token} like the tag (R-064)"
            target = token
        pairs.append((system, name, target, note))
    for name, target, note in HAND_NAMES:
        pairs.append(("hand-added", name, target, note))
    if report is not None:
        report.extend(dropped)
    return _csv(_expand(pairs))


GENERATED = {"iso639_languages": build_iso639, "language_names_en": build_names}


def verify_all(folder: Path) -> list[str]:
    """Problems loading any crosswalk in ``folder`` (empty when all load)."""
    problems = []
    for path in sorted(folder.glob("*.csv")):
        try:
            crosswalk.parse(path.read_text(encoding="utf-8"), name=path.stem, where=str(path))
        except ConfigError as exc:  # report every file, not only the first
            problems.append(str(exc))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if a generated file differs from what the script writes")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    stale = []
    dropped: list[str] = []
    for name, build in GENERATED.items():
        text = build_names(dropped) if build is build_names else build()
        path = args.out / f"{name}.csv"
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(name)
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path} ({text.count(chr(10)) - 1} rows)")
    if dropped and not args.check:
        print(f"language_names_en: {len(dropped)} ambiguous generated names dropped:")
        for d in dropped:
            print(f"  {d}")
    problems = verify_all(args.out)
    for p in problems:
        print(p, file=sys.stderr)
    if stale:
        print(f"out of date: {', '.join(stale)} (run python scripts/build_crosswalks.py)",
              file=sys.stderr)
    return 1 if stale or problems else 0


if __name__ == "__main__":
    sys.exit(main())
