"""Build the package value sets (validator/valuesets/*.csv + manifest.json) from saved FHIR files.

Usage: python scripts/build_valuesets.py [--source DIR] [--out DIR]

The sources are the FHIR CodeSystem/ValueSet files described in shared/codesystems/PROVENANCE.md
(JSON, and FHIR XML for HL7 Terminology). Output is deterministic: running the script twice on the
same sources gives byte-identical files. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "codesystems"
DEFAULT_OUT = REPO_ROOT / "validator" / "valuesets"
GENERATED_BY = "scripts/build_valuesets.py"
SOURCE_PROVENANCE = "shared/codesystems/PROVENANCE.md"

FHIR_NS = "{http://hl7.org/fhir}"
CDCREC_SYSTEM = "urn:oid:2.16.840.1.113883.6.238"
CDCREC_FILE = "vsac/CodeSystem-CDCREC.json"
CDCREC_ROOTS = ("1000-9", "2133-7")
CDCREC_RACE_CATEGORIES = ("1002-5", "2028-9", "2054-5", "2076-8", "2106-3", "2131-1")
HISPANIC = "2135-2"
RACE_VS_FILE = "vsac/ValueSet-2.16.840.1.113883.1.11.14914.json"
ETHNICITY_DETAILED_VS_FILE = "vsac/ValueSet-2.16.840.1.114222.4.11.877.json"
USCORE4_CDCREC_FILE = "us-core/4.0.0/codesystem-cdcrec.xml"
CDCREC_LEVEL_COUNTS = {1: 2, 2: 8, 3: 53, 4: 258, 5: 390, 6: 232, 7: 23}
BASE_COLUMNS = ("code", "display", "system")

Row = dict[str, str]


class BuildError(RuntimeError):
    """A source file does not match what PROVENANCE.md documents."""


@dataclass
class Concept:
    """One CodeSystem concept with its nested children."""

    code: str
    display: str
    properties: dict[str, list[str]] = field(default_factory=dict)
    children: list[Concept] = field(default_factory=list)


@dataclass
class Include:
    """One ValueSet compose include/exclude element."""

    system: str | None
    concepts: list[tuple[str, str]]
    value_sets: list[str]
    has_filter: bool


@dataclass
class Resource:
    """The parts of a FHIR CodeSystem or ValueSet that the build needs, from JSON or XML."""

    path: str
    sha256: str
    resource_type: str
    url: str | None
    version: str | None
    name: str | None
    title: str | None
    concepts: list[Concept] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    excludes: list[Include] = field(default_factory=list)
    expansion: list[Row] | None = None

    @property
    def label(self) -> str | None:
        """Human title, falling back to the computable name."""
        return self.title or self.name


# --- reading FHIR JSON -------------------------------------------------------------------------


def _json_value(prop: dict[str, object]) -> str:
    """The value[x] of a FHIR property element as a string."""
    for key, value in prop.items():
        if key.startswith("value"):
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)
    return ""


def _json_concept(raw: dict[str, Any]) -> Concept:
    props: dict[str, list[str]] = {}
    for prop in raw.get("property", []):
        props.setdefault(prop["code"], []).append(_json_value(prop))
    return Concept(
        code=raw["code"],
        display=raw.get("display", ""),
        properties=props,
        children=[_json_concept(c) for c in raw.get("concept", [])],
    )


def _json_include(raw: dict[str, Any]) -> Include:
    return Include(
        system=raw.get("system"),
        concepts=[(c["code"], c.get("display", "")) for c in raw.get("concept", [])],
        value_sets=list(raw.get("valueSet", [])),
        has_filter=bool(raw.get("filter")),
    )


def _json_contains(items: Iterable[dict[str, Any]]) -> Iterator[Row]:
    for item in items:
        if "code" in item:
            yield {
                "code": item["code"],
                "display": item.get("display", ""),
                "system": item.get("system", ""),
            }
        yield from _json_contains(item.get("contains", []))


def read_json(path: str, data: bytes) -> Resource:
    """Parse a FHIR JSON CodeSystem or ValueSet."""
    raw = json.loads(data)
    compose = raw.get("compose", {})
    expansion = raw.get("expansion")
    return Resource(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        resource_type=raw["resourceType"],
        url=raw.get("url"),
        version=raw.get("version"),
        name=raw.get("name"),
        title=raw.get("title"),
        concepts=[_json_concept(c) for c in raw.get("concept", [])],
        includes=[_json_include(i) for i in compose.get("include", [])],
        excludes=[_json_include(i) for i in compose.get("exclude", [])],
        expansion=list(_json_contains(expansion.get("contains", []))) if expansion else None,
    )


# --- reading FHIR XML --------------------------------------------------------------------------


def _xml_value(el: ET.Element, tag: str) -> str | None:
    child = el.find(FHIR_NS + tag)
    return None if child is None else child.get("value")


def _xml_concept(el: ET.Element) -> Concept:
    props: dict[str, list[str]] = {}
    for prop in el.findall(FHIR_NS + "property"):
        code = _xml_value(prop, "code") or ""
        values = [v.get("value", "") for v in prop if v.tag.startswith(FHIR_NS + "value")]
        props.setdefault(code, []).extend(values)
    return Concept(
        code=_xml_value(el, "code") or "",
        display=_xml_value(el, "display") or "",
        properties=props,
        children=[_xml_concept(c) for c in el.findall(FHIR_NS + "concept")],
    )


def _xml_include(el: ET.Element) -> Include:
    return Include(
        system=_xml_value(el, "system"),
        concepts=[
            (_xml_value(c, "code") or "", _xml_value(c, "display") or "")
            for c in el.findall(FHIR_NS + "concept")
        ],
        value_sets=[v.get("value", "") for v in el.findall(FHIR_NS + "valueSet")],
        has_filter=el.find(FHIR_NS + "filter") is not None,
    )


def _xml_contains(el: ET.Element) -> Iterator[Row]:
    for item in el.findall(FHIR_NS + "contains"):
        code = _xml_value(item, "code")
        if code is not None:
            yield {
                "code": code,
                "display": _xml_value(item, "display") or "",
                "system": _xml_value(item, "system") or "",
            }
        yield from _xml_contains(item)


def read_xml(path: str, data: bytes) -> Resource:
    """Parse a FHIR XML CodeSystem or ValueSet (namespace http://hl7.org/fhir)."""
    root = ET.fromstring(data)
    if not root.tag.startswith(FHIR_NS):
        raise BuildError(f"{path}: root element {root.tag} is not in the FHIR namespace")
    compose = root.find(FHIR_NS + "compose")
    expansion = root.find(FHIR_NS + "expansion")
    return Resource(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        resource_type=root.tag[len(FHIR_NS) :],
        url=_xml_value(root, "url"),
        version=_xml_value(root, "version"),
        name=_xml_value(root, "name"),
        title=_xml_value(root, "title"),
        concepts=[_xml_concept(c) for c in root.findall(FHIR_NS + "concept")],
        includes=[]
        if compose is None
        else [_xml_include(i) for i in compose.findall(FHIR_NS + "include")],
        excludes=[]
        if compose is None
        else [_xml_include(i) for i in compose.findall(FHIR_NS + "exclude")],
        expansion=None if expansion is None else list(_xml_contains(expansion)),
    )


class Sources:
    """Reads and caches source resources below the codesystems directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, Resource] = {}

    def get(self, path: str) -> Resource:
        """The resource at a path relative to the source directory."""
        if path not in self._cache:
            file = self.root / path
            if not file.is_file():
                raise BuildError(f"missing source file {file}")
            data = file.read_bytes()
            reader = read_xml if path.endswith(".xml") else read_json
            self._cache[path] = reader(path, data)
        return self._cache[path]

    @cached_property
    def value_sets_by_url(self) -> dict[str, str]:
        """Canonical URL -> relative path of every saved ValueSet."""
        index: dict[str, str] = {}
        for file in sorted(self.root.rglob("*")):
            if file.suffix not in (".json", ".xml") or file.name == "package.json":
                continue
            res = self.get(file.relative_to(self.root).as_posix())
            if res.resource_type == "ValueSet" and res.url:
                index[res.url] = res.path
        return index


# --- turning resources into rows ---------------------------------------------------------------


def _walk(concepts: list[Concept], parent: str = "") -> Iterator[tuple[Concept, str]]:
    for concept in concepts:
        yield concept, parent
        yield from _walk(concept.children, concept.code)


def codesystem_rows(
    res: Resource, *, parent: bool = False, status: bool = False, skip: Iterable[str] = ()
) -> list[Row]:
    """Flatten a CodeSystem; optional parent (nesting) and status-property columns."""
    if res.resource_type != "CodeSystem" or res.url is None:
        raise BuildError(f"{res.path}: expected a CodeSystem with a url")
    skipped = set(skip)
    rows = []
    for concept, up in _walk(res.concepts):
        if concept.code in skipped:
            continue
        row = {"code": concept.code, "display": concept.display, "system": res.url}
        if parent:
            row["parent"] = up
        if status:
            row["status"] = ",".join(concept.properties.get("status", []))
        rows.append(row)
    return rows


def valueset_rows(res: Resource) -> list[Row]:
    """Expansion.contains when present, else the enumerated compose.include concepts."""
    if res.resource_type != "ValueSet":
        raise BuildError(f"{res.path}: expected a ValueSet")
    if res.expansion is not None:
        return [dict(r) for r in res.expansion]
    if res.excludes:
        raise BuildError(f"{res.path}: compose.exclude without an expansion is not supported")
    rows = []
    for inc in res.includes:
        if inc.value_sets or inc.has_filter or not inc.concepts or not inc.system:
            raise BuildError(f"{res.path}: include is not an enumerated concept list")
        rows.extend({"code": c, "display": d, "system": inc.system} for c, d in inc.concepts)
    return rows


def resolved_rows(res: Resource, sources: Sources) -> tuple[list[Row], list[str]]:
    """Expand a ValueSet whose compose only includes/excludes other saved ValueSets."""

    def expand(items: list[Include]) -> tuple[dict[tuple[str, str], Row], list[str]]:
        out: dict[tuple[str, str], Row] = {}
        used: list[str] = []
        for inc in items:
            if inc.has_filter or len(inc.value_sets) + bool(inc.concepts) != 1:
                raise BuildError(f"{res.path}: include must be one valueSet or a concept list")
            if inc.concepts:
                for code, display in inc.concepts:
                    out[(inc.system or "", code)] = {
                        "code": code,
                        "display": display,
                        "system": inc.system or "",
                    }
                continue
            path = sources.value_sets_by_url.get(inc.value_sets[0])
            if path is None:
                raise BuildError(f"{res.path}: {inc.value_sets[0]} is not saved locally")
            used.append(path)
            for row in valueset_rows(sources.get(path)):
                out[(row["system"], row["code"])] = row
        return out, used

    included, used_in = expand(res.includes)
    excluded, used_ex = expand(res.excludes)
    rows = [row for key, row in included.items() if key not in excluded]
    return rows, used_in + used_ex


def cdcrec_rows(res: Resource) -> list[Row]:
    """All CDCREC concepts with parent, level-2 category, tree, level and abstract flag."""
    if res.url != CDCREC_SYSTEM:
        raise BuildError(f"{res.path}: url {res.url} is not {CDCREC_SYSTEM}")
    if [c.code for c in res.concepts] != list(CDCREC_ROOTS):
        raise BuildError(f"{res.path}: top-level concepts are not {CDCREC_ROOTS}")
    rows: list[Row] = []

    def visit(concept: Concept, parent: str, level: int, category: str, tree: str) -> None:
        category = concept.code if level == 2 else category
        rows.append(
            {
                "code": concept.code,
                "display": concept.display,
                "system": CDCREC_SYSTEM,
                "parent": parent,
                "category": category,
                "tree": tree,
                "level": str(level),
                "abstract": "true" if level == 1 else "false",
            }
        )
        for child in concept.children:
            visit(child, concept.code, level + 1, category, tree)

    for root, tree in zip(res.concepts, ("race", "ethnicity")):
        visit(root, "", 1, "", tree)
    levels = {lvl: sum(r["level"] == str(lvl) for r in rows) for lvl in CDCREC_LEVEL_COUNTS}
    if levels != CDCREC_LEVEL_COUNTS:
        raise BuildError(f"{res.path}: level counts {levels} != {CDCREC_LEVEL_COUNTS}")
    return rows


# --- the value sets ----------------------------------------------------------------------------


@dataclass
class Built:
    """A generated value set: its rows and manifest metadata."""

    name: str
    source: Resource
    rows: list[Row]
    url: str | None
    version: str | None
    title: str | None
    derivation: str | None = None
    inputs: list[Resource] = field(default_factory=list)


def made(name: str, res: Resource, rows: list[Row], **overrides: Any) -> Built:
    """A Built whose url, version and title default to those of its source resource."""
    return replace(Built(name, res, rows, res.url, res.version, res.label), **overrides)


Builder = Callable[[str, Sources], Built]


def from_valueset(path: str) -> Builder:
    """A value set copied from one ValueSet file."""

    def build(name: str, sources: Sources) -> Built:
        res = sources.get(path)
        return made(name, res, valueset_rows(res))

    return build


def from_codesystem(
    path: str, *, parent: bool = False, status: bool = False, skip: tuple[str, ...] = ()
) -> Builder:
    """A value set holding every concept of one CodeSystem file."""

    def build(name: str, sources: Sources) -> Built:
        res = sources.get(path)
        rows = codesystem_rows(res, parent=parent, status=status, skip=skip)
        note = f"placeholder code(s) {', '.join(skip)} dropped" if skip else None
        return made(name, res, rows, derivation=note)

    return build


def from_uscore(path: str) -> Builder:
    """A US Core ValueSet (no expansion, no version) resolved against the saved VSAC files."""

    def build(name: str, sources: Sources) -> Built:
        res = sources.get(path)
        ig_version = Path(path).parts[1]
        if all(inc.concepts and not inc.value_sets for inc in res.includes) and not res.excludes:
            return made(name, res, valueset_rows(res), version=res.version or ig_version)
        rows, used = resolved_rows(res, sources)
        return made(
            name,
            res,
            rows,
            version=res.version or ig_version,
            derivation="compose resolved against the saved VSAC expansions: " + ", ".join(used),
            inputs=[sources.get(p) for p in used],
        )

    return build


def build_cdcrec(name: str, sources: Sources) -> Built:
    """The full CDCREC code system with its hierarchy columns."""
    res = sources.get(CDCREC_FILE)
    return made(name, res, cdcrec_rows(res))


def build_race_detailed(name: str, sources: Sources) -> Built:
    """cdcrec_race without the 6 level-2 race categories."""
    res = sources.get(RACE_VS_FILE)
    rows = [r for r in valueset_rows(res) if r["code"] not in CDCREC_RACE_CATEGORIES]
    return made(
        name,
        res,
        rows,
        title="Detailed race (CDCREC race codes without the 6 race categories)",
        url=None,
        derivation=f"{RACE_VS_FILE} minus {', '.join(CDCREC_RACE_CATEGORIES)}",
    )


#: SPD-15 2024 minimum categories as CDCREC v1.2 codes (DOMAIN §2.3; MENA has no category code
#: in v1.2, so its detailed code 2118-8 stands for it) and their 2024 names.
SPD15_2024_MINIMUM = {
    "1002-5": "American Indian or Alaska Native",
    "2028-9": "Asian",
    "2054-5": "Black or African American",
    "2135-2": "Hispanic or Latino",
    "2118-8": "Middle Eastern or North African",
    "2076-8": "Native Hawaiian or Pacific Islander",
    "2106-3": "White",
}
SPD15_MENA = "2118-8"


def build_spd15_2024_minimum(name: str, sources: Sources) -> Built:
    """The 7 SPD-15 2024 minimum categories as CDCREC codes, with their 2024 names."""
    res = sources.get(CDCREC_FILE)
    cdc = {r["code"]: r for r in cdcrec_rows(res)}
    rows = [{"code": c, "display": cdc[c]["display"], "system": CDCREC_SYSTEM, "label_2024": label}
            for c, label in SPD15_2024_MINIMUM.items()]
    return made(
        name,
        res,
        rows,
        url=None,
        title="SPD-15 2024 minimum categories as CDCREC v1.2 codes (MENA = 2118-8)",
        derivation="DOMAIN.md §2.3: " + ", ".join(SPD15_2024_MINIMUM),
    )


def build_spd15_2024_detailed(name: str, sources: Sources) -> Built:
    """CDCREC detailed codes of both trees (level 3 and below) except 2118-8 (a 2024 category)."""
    res = sources.get(CDCREC_FILE)
    rows = [{"code": r["code"], "display": r["display"], "system": r["system"], "tree": r["tree"]}
            for r in cdcrec_rows(res) if int(r["level"]) >= 3 and r["code"] != SPD15_MENA]
    return made(
        name,
        res,
        rows,
        url=None,
        title="SPD-15 2024 detailed categories as CDCREC v1.2 detailed codes (race and ethnicity)",
        derivation=f"{CDCREC_FILE} codes of level 3-7 minus {SPD15_MENA}",
    )


VSAC = "vsac/ValueSet-2.16.840.1.{}.json"
PHIN = "phinvads/ValueSet-2.16.840.1.114222.4.11.{}.json"

SPECS: dict[str, tuple[Builder, int]] = {
    "cdcrec": (build_cdcrec, 966),
    "cdcrec_race": (from_valueset(RACE_VS_FILE), 921),
    "race_detailed": (build_race_detailed, 915),
    "spd15_2024_minimum": (build_spd15_2024_minimum, 7),
    "spd15_2024_detailed": (build_spd15_2024_detailed, 955),
    "omb_race_1997": (from_valueset(VSAC.format("113883.3.2074.1.1.3")), 5),
    "omb_race_with_other": (from_valueset(VSAC.format("114222.4.11.836")), 6),
    "ethnicity_omb": (from_valueset(VSAC.format("114222.4.11.837")), 2),
    "ethnicity_detailed": (from_valueset(ETHNICITY_DETAILED_VS_FILE), 41),
    "race_category_uscore8": (from_valueset(VSAC.format("113883.4.642.2.575")), 9),
    "race_detailed_uscore8": (from_valueset(VSAC.format("113762.1.4.1267.25")), 924),
    "ethnicity_category_uscore8": (from_valueset(VSAC.format("113883.4.642.40.2.48.3")), 5),
    "ethnicity_detailed_uscore8": (from_valueset(VSAC.format("113883.4.642.40.2.48.1")), 45),
    "race_category_uscore7": (from_uscore("us-core/7.0.0/ValueSet-omb-race-category.json"), 8),
    "race_detailed_uscore7": (from_uscore("us-core/7.0.0/ValueSet-detailed-race.json"), 919),
    "ethnicity_category_uscore7": (
        from_uscore("us-core/7.0.0/ValueSet-omb-ethnicity-category.json"),
        4,
    ),
    "ethnicity_detailed_uscore7": (
        from_uscore("us-core/7.0.0/ValueSet-detailed-ethnicity.json"),
        44,
    ),
    "unknown_or_did_not_answer": (from_valueset(VSAC.format("113762.1.4.1021.102")), 2),
    "other_unknown_or_refused": (from_valueset(VSAC.format("113762.1.4.1021.103")), 3),
    "hl7v2_0005": (from_valueset("tho/vs-v2-0005.xml"), 6),
    "hl7v2_0005_retired": (
        from_codesystem("tho/cs-v2-0005-retired.xml", status=True, skip=("...",)),
        4,
    ),
    "hl7v2_0189": (from_codesystem("tho/cs-v2-0189.xml", status=True), 3),
    "phin_race_category_null_flavor": (from_valueset(PHIN.format("7205")), 11),
    "phin_ethnicity_group_unk": (from_valueset(PHIN.format("3015")), 4),
    "null_flavor": (
        from_codesystem("fhir-r4-core/CodeSystem-v3-NullFlavor.json", parent=True, status=True),
        17,
    ),
    "data_absent_reason": (
        from_codesystem("tho/CodeSystem-data-absent-reason.xml", parent=True),
        15,
    ),
    "phin_null_flavor": (from_valueset(PHIN.format("875")), 13),
    "hl7v2_0001": (from_codesystem("tho/cs-v2-0001.xml", status=True), 7),
    "phin_administrative_sex_hl7_2x": (from_valueset(PHIN.format("927")), 6),
    "administrative_gender": (
        from_codesystem("fhir-r4-core/CodeSystem-administrative-gender.json"),
        4,
    ),
    "v3_administrative_gender": (
        from_codesystem("tho/v3-AdministrativeGender.xml", status=True),
        3,
    ),
    "onc_administrative_sex": (from_valueset(VSAC.format("113762.1.4.1")), 2),
    "sex": (from_valueset(VSAC.format("113762.1.4.1240.3")), 5),
    "federal_administrative_sex": (from_valueset(VSAC.format("113762.1.4.1021.121")), 2),
    "birth_sex": (from_valueset(VSAC.format("113762.1.4.1021.24")), 6),
    "birth_sex_uscore6": (from_uscore("us-core/6.1.0/ValueSet-birthsex.json"), 5),
    "gender_identity": (from_valueset(VSAC.format("113762.1.4.1021.32")), 8),
    "gender_identity_core": (from_valueset(VSAC.format("113762.1.4.1021.101")), 5),
    "gender_identity_tho": (from_valueset("tho/ValueSet-gender-identity.xml"), 5),
    "phin_gender_identity_uscdi": (from_valueset(PHIN.format("8062")), 7),
    "sexual_orientation": (from_valueset(VSAC.format("113762.1.4.1240.11")), 7),
    "sexual_orientation_core": (from_valueset(VSAC.format("113762.1.4.1021.33")), 4),
    "sexual_orientation_uscore6": (
        from_uscore("us-core/6.1.0/ValueSet-us-core-sexual-orientation.json"),
        6,
    ),
    "phin_sexual_orientation_uscdi": (from_valueset(PHIN.format("8063")), 6),
    "interpreter_needed": (from_valueset(VSAC.format("113762.1.4.1267.16")), 4),
    "languages_tho": (from_valueset("tho/valueset-Languages.xml"), 485),
    "languages_common_r4": (from_valueset("fhir-r4-core/ValueSet-languages.json"), 56),
    "language_iso639_2": (from_valueset(PHIN.format("831")), 507),
}


def check_built(built: Built, expected: int) -> None:
    """Raise unless the set has the documented size, unique codes and complete rows."""
    codes = [r["code"] for r in built.rows]
    if len(codes) != expected:
        raise BuildError(
            f"{built.name}: {len(codes)} codes from {built.source.path}, "
            f"PROVENANCE.md documents {expected}"
        )
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise BuildError(f"{built.name}: duplicate codes {dupes}")
    if any(not r["code"] or not r["system"] for r in built.rows):
        raise BuildError(f"{built.name}: a row has an empty code or system")
    columns = {tuple(r) for r in built.rows}
    if len(columns) != 1 or next(iter(columns))[:3] != BASE_COLUMNS:
        raise BuildError(f"{built.name}: rows must share columns starting with {BASE_COLUMNS}")


def cross_check(built: dict[str, Built], sources: Sources) -> None:
    """Raise if the CDCREC-derived sets disagree with each other or with US Core's copy."""
    cdcrec = {r["code"]: r for r in built["cdcrec"].rows}
    race = {c for c, r in cdcrec.items() if r["tree"] == "race"} - {CDCREC_ROOTS[0]}
    if {r["code"] for r in built["cdcrec_race"].rows} != race:
        raise BuildError("cdcrec_race differs from the CDCREC race tree minus 1000-9")
    hispanic = {c for c, r in cdcrec.items() if r["category"] == HISPANIC} - {HISPANIC}
    if {r["code"] for r in built["ethnicity_detailed"].rows} != hispanic:
        raise BuildError("ethnicity_detailed differs from the CDCREC descendants of 2135-2")
    detailed_2024 = {r["code"] for r in built["spd15_2024_detailed"].rows}
    if detailed_2024 != ({r["code"] for r in built["race_detailed"].rows} | hispanic) - {
            SPD15_MENA}:
        raise BuildError("spd15_2024_detailed differs from race_detailed + ethnicity_detailed")
    for name, b in built.items():
        for row in b.rows:
            if row["system"] != CDCREC_SYSTEM:
                continue
            ref = cdcrec.get(row["code"])
            if ref is None or ref["display"] != row["display"]:
                raise BuildError(f"{name}: CDCREC code {row['code']} unknown or display differs")
    uscore = codesystem_rows(sources.get(USCORE4_CDCREC_FILE), parent=True)
    flat = {r["code"]: r["parent"] for r in uscore}
    if set(flat) != set(cdcrec):
        raise BuildError(f"{USCORE4_CDCREC_FILE}: code list differs from {CDCREC_FILE}")
    for code, row in cdcrec.items():
        if row["level"] not in ("1", "2") and flat[code] != row["category"]:
            raise BuildError(f"{code}: US Core 4.0.0 parent {flat[code]} != {row['category']}")


# --- writing -----------------------------------------------------------------------------------


def csv_bytes(rows: list[Row]) -> bytes:
    """Rows sorted by code as UTF-8 CSV with a header and \\n line endings."""
    columns = list(rows[0])
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in sorted(rows, key=lambda r: (r["code"], r["system"])):
        writer.writerow([row[c] for c in columns])
    return buf.getvalue().encode("utf-8")


def manifest_entry(built: Built, data: bytes) -> dict[str, object]:
    """The manifest record of one generated set."""
    res = built.source
    entry: dict[str, object] = {
        "file": f"{built.name}.csv",
        "source": res.path,
        "source_sha256": res.sha256,
        "url": built.url,
        "version": built.version,
        "title": built.title,
        "count": len(built.rows),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if built.derivation:
        entry["derivation"] = built.derivation
    if built.inputs:
        entry["inputs"] = {r.path: r.sha256 for r in built.inputs}
    return entry


def build_all(source: Path) -> dict[str, Built]:
    """Build and check every value set."""
    sources = Sources(source)
    built: dict[str, Built] = {}
    for name, (builder, expected) in SPECS.items():
        result = builder(name, sources)
        check_built(result, expected)
        built[name] = result
    cross_check(built, sources)
    return built


def write(built: dict[str, Built], out: Path) -> dict[str, object]:
    """Write the CSVs and manifest.json; remove CSVs that are no longer generated."""
    out.mkdir(parents=True, exist_ok=True)
    entries: dict[str, object] = {}
    for name in sorted(built):
        data = csv_bytes(built[name].rows)
        (out / f"{name}.csv").write_bytes(data)
        entries[name] = manifest_entry(built[name], data)
    for stale in sorted(out.glob("*.csv")):
        if stale.stem not in built:
            stale.unlink()
    manifest = {
        "generated_by": GENERATED_BY,
        "source_provenance": SOURCE_PROVENANCE,
        "valuesets": entries,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (out / "manifest.json").write_bytes(text.encode("utf-8"))
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"codesystems directory (default: {DEFAULT_SOURCE})",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default: {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"error: source directory {args.source} does not exist", file=sys.stderr)
        return 2
    try:
        built = build_all(args.source)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write(built, args.out)
    print(f"wrote {len(built)} value sets and manifest.json to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
