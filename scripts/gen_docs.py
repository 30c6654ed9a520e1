"""Generate docs/checks.md (the check catalogue index), docs/checks/<CHECK_ID>.md (one page per
check) and docs/fields.md (canonical fields) from the package's own data, so the docs cannot
drift: ``python scripts/gen_docs.py [--check]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from validator import catalog  # noqa: E402
from validator.fields import FIELDS  # noqa: E402


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _threshold_cell(c: catalog.CheckDef) -> str:
    thr = "–" if c.threshold is None else f"{c.threshold:g}"
    if c.warn_threshold is not None:
        thr += f" (warn {c.warn_threshold:g})"
    if c.threshold_tag and c.threshold is not None:
        thr += f" [{c.threshold_tag}]"
    return thr


def checks_md() -> str:
    """docs/checks.md: the index, one row per check, linking to its page."""
    rows = list(catalog.load().values())
    done = sum(c.implemented for c in rows)
    out = [
        "# Check catalogue",
        "",
        "Generated from `expectations/checks.csv` by `scripts/gen_docs.py`; do not edit.",
        f"{len(rows)} rules, {done} run by this version"
        + (" (the others are planned)." if done < len(rows) else "."),
        "Check ids and rule numbers are a public contract: reports, thresholds files and",
        "scripts key on them. Each check has its own page under [`checks/`](checks/) (definition,",
        "numerator and denominator, threshold, impact, fix, source);",
        "`real-validator explain CHECK_ID` prints the same entry.",
        "",
        "Threshold semantics: for `violations` checks the numerator counts rows breaking the",
        "rule and the threshold is the largest percentage tolerated (0 = zero tolerance); for",
        "`rate` checks the numerator counts rows meeting it and the threshold is the smallest",
        "percentage accepted. Evidence tags: [V] verified, [A] abstract only, [U] unverified,",
        "[D] project default (all numbers are configurable in a profile).",
        "",
        "| rule | check id | title | suite | severity | measure | threshold | runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in rows:
        out.append(f"| {c.rule} | [`{c.check_id}`](checks/{c.check_id}.md) | {_esc(c.title)} | "
                   f"{catalog.suite_of(c.check_id)} | {c.severity.value} | {c.measure.value} |"
                   f" {_threshold_cell(c)} | {'yes' if c.implemented else 'planned'} |")
    out.append("")
    return "\n".join(out)


#: Section headings of every check page, in order (tests/test_docs.py checks them).
PAGE_SECTIONS = (
    "## Summary",
    "## Definition",
    "## What it means for stratification",
    "## How to fix at registration / in the ETL",
    "## Source",
)
FOOTER = "Generated from expectations/checks.csv; do not edit (run `python scripts/gen_docs.py`)."

_TAGS = {"V": "verified", "A": "abstract only", "U": "unverified", "D": "project default"}
_STANDARDS = {
    "any": "any (OMB 1997 and SPD-15 2024 profiles)",
    "omb1997": "omb1997 only (NOT_APPLICABLE under spd15_2024)",
    "spd15_2024": "spd15_2024 only (NOT_APPLICABLE under omb1997)",
    "fhir": "FHIR input (any standard)",
}
_BREACH_STATUS = {"critical": "FAIL", "warning": "WARN", "info": "PASS_WITH_FINDINGS"}


def _default_threshold(c: catalog.CheckDef) -> str:
    if c.threshold is None:
        return "none (the check is reported and never fails on its share)"
    sign = "at least" if c.measure.value == "rate" else "at most"
    text = f"{sign} {c.threshold:g} %"
    if c.warn_threshold is not None:
        text += f", warn below {c.warn_threshold:g} %"
    if c.threshold_tag:
        text += f" [{c.threshold_tag}: {_TAGS.get(c.threshold_tag, c.threshold_tag)}]"
    return text


def _statuses(c: catalog.CheckDef) -> list[str]:
    """What each status means for this check's measure, threshold and severity."""
    breach = _BREACH_STATUS[c.severity.value]
    share = "numerator ÷ denominator"
    out = []
    if c.threshold is None:
        clean = ("the numerator is 0" if c.measure.value == "violations"
                 else f"{share} is 100 %")
        out += [f"- PASS: {clean}.",
                "- PASS_WITH_FINDINGS: otherwise (no default threshold, so the share alone "
                "never gives WARN or FAIL)."]
    elif c.measure.value == "violations":
        t = f"{c.threshold:g} %"
        out.append("- PASS: the numerator is 0.")
        if c.threshold > 0:
            out.append(f"- PASS_WITH_FINDINGS: {share} is above 0 and at most {t}.")
        out.append(f"- {breach}: {share} is above {t}"
                   + (" (any violation)" if c.threshold == 0 else "") + ".")
    else:
        t = f"{c.threshold:g} %"
        out.append(f"- PASS: {share} is 100 %.")
        if c.warn_threshold is not None:
            w = f"{c.warn_threshold:g} %"
            warn = "PASS_WITH_FINDINGS" if c.severity.value == "info" else "WARN"
            out += [f"- PASS_WITH_FINDINGS: {share} is at least {w} and below 100 %.",
                    f"- {warn}: {share} is at least {t} and below {w}."]
        else:
            out.append(f"- PASS_WITH_FINDINGS: {share} is at least {t} and below 100 %.")
        out.append(f"- {breach}: {share} is below {t}.")
    out += ["- NOT_APPLICABLE: the denominator is 0, or the check's fields are not in the "
            "input (never a vacuous PASS).",
            "- ERROR: the check could not be evaluated (e.g. an input with 0 rows); any ERROR "
            "fails the gate."]
    gate = {"critical": "a FAIL fails the gate.",
            "warning": "a WARN fails the gate only with `--fail-on warning`.",
            "info": "informational, this check never fails the gate."}[c.severity.value]
    out.append(f"- Gate: {gate} Thresholds can be overridden in a profile or thresholds file.")
    return out


def check_page(c: catalog.CheckDef) -> str:
    """docs/checks/<CHECK_ID>.md: one check, with a fixed section set (after OHDSI DQD)."""
    fields = ", ".join(f"`{f}`" for f in c.fields) or "dataset (no single field)"
    params = ", ".join(f"`{k}={v:g}`" for k, v in c.params.items()) or "none"
    planned = "" if c.implemented else " (planned check: from DOMAIN.md §3, not run yet)"
    status = ("implemented (run by this version)" if c.implemented
              else "planned (not run by this version)")
    out = [
        f"# {c.check_id} — {c.title}",
        "",
        "[Check catalogue](../checks.md)",
        "",
        PAGE_SECTIONS[0],
        "",
        "| | |",
        "|---|---|",
        f"| Rule | {c.rule} |",
        f"| Check id | `{c.check_id}` |",
        f"| Suite | {catalog.suite_of(c.check_id)} |",
        f"| Category | {c.category} |",
        f"| Severity | {c.severity.value} |",
        f"| Standard / profiles | {_STANDARDS.get(c.profiles, c.profiles)} |",
        f"| Pediatric | {'yes' if c.pediatric else 'no'} |",
        f"| Status | {status} |",
        "",
        PAGE_SECTIONS[1],
        "",
        _esc(c.description),
        "",
        f"- **Fields:** {fields}",
        f"- **Numerator:** {_esc(c.numerator) or 'not defined yet' + planned}",
        f"- **Denominator:** {_esc(c.denominator) or 'not defined yet' + planned}",
        f"- **Measure:** `{c.measure.value}` — "
        + ("the share of the denominator that violates the rule"
           if c.measure.value == "violations"
           else "the share of the denominator that meets the rule"),
        f"- **Default threshold:** {_default_threshold(c)}",
        f"- **Parameters:** {params}",
        "",
        f"Statuses under the default threshold (severity {c.severity.value}):",
        "",
        *_statuses(c),
        "",
        PAGE_SECTIONS[2],
        "",
        _esc(c.stratification_impact) or "Not written yet" + planned + ".",
        "",
        PAGE_SECTIONS[3],
        "",
        _esc(c.fix) or "Not written yet" + planned + ".",
        "",
        PAGE_SECTIONS[4],
        "",
        _esc(c.source),
        "",
        "---",
        "",
        FOOTER,
        "",
    ]
    return "\n".join(out)


def fields_md() -> str:
    """docs/fields.md."""
    out = [
        "# Canonical fields",
        "",
        "Generated from `validator/fields.py` by `scripts/gen_docs.py`; do not edit.",
        "Canonical names (DOMAIN.md §2.1) are a public contract. A file whose column names are",
        "canonical (compared case-insensitively) needs no profile; a column named",
        "`<field>_system` carries that field's code system per row.",
        "",
        "| field | kind | group | default system | never printed | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for f in FIELDS.values():
        out.append(f"| `{f.name}` | {f.kind.value} | {f.group} | {f.system or '–'} | "
                   f"{'yes' if f.phi else ''} | {_esc(f.description)} |")
    out.append("")
    return "\n".join(out)


DOCS = {"checks.md": checks_md, "fields.md": fields_md}
PAGES_DIR = "checks"


def expected() -> dict[str, str]:
    """Every generated file (path relative to docs/) and its text."""
    out = {name: make() for name, make in DOCS.items()}
    for c in catalog.load().values():
        out[f"{PAGES_DIR}/{c.check_id}.md"] = check_page(c)
    return out


def stale_pages(docs: Path, wanted: dict[str, str]) -> list[str]:
    """Pages under docs/checks/ for check ids no longer in the catalogue."""
    folder = docs / PAGES_DIR
    if not folder.is_dir():
        return []
    return sorted(f"{PAGES_DIR}/{p.name}" for p in folder.glob("*.md")
                  if f"{PAGES_DIR}/{p.name}" not in wanted)


def main() -> int:
    """Write the docs, or with --check fail when they are out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    docs = ROOT / "docs"
    wanted = expected()
    orphans = stale_pages(docs, wanted)
    if args.check:
        stale = [name for name, text in wanted.items()
                 if not (docs / name).exists()
                 or (docs / name).read_text(encoding="utf-8") != text]
        if stale or orphans:
            if stale:
                print(f"out of date: {', '.join(stale)}; run python scripts/gen_docs.py")
            if orphans:
                print(f"no such check in the catalogue: {', '.join(orphans)}; run python "
                      "scripts/gen_docs.py")
            return 1
        return 0
    for name, text in wanted.items():
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for name in orphans:
        (docs / name).unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
