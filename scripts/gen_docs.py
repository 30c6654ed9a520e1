"""Generate docs/checks.md (the check catalogue) and docs/fields.md (canonical fields) from the
package's own data, so the docs cannot drift: ``python scripts/gen_docs.py [--check]``."""

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


def checks_md() -> str:
    """docs/checks.md."""
    rows = list(catalog.load().values())
    done = sum(c.implemented for c in rows)
    out = [
        "# Check catalogue",
        "",
        "Generated from `expectations/checks.csv` by `scripts/gen_docs.py`; do not edit.",
        f"{len(rows)} rules, {done} run by this version (the others are planned).",
        "Check ids and rule numbers are a public contract: reports, thresholds files and",
        "scripts key on them. `real-validator explain CHECK_ID` prints one entry.",
        "",
        "Threshold semantics: for `violations` checks the numerator counts rows breaking the",
        "rule and the threshold is the largest percentage tolerated (0 = zero tolerance); for",
        "`rate` checks the numerator counts rows meeting it and the threshold is the smallest",
        "percentage accepted. Evidence tags: [V] verified, [A] abstract only, [U] unverified,",
        "[D] project default (all numbers are configurable in a profile).",
        "",
        "| rule | check id | suite | severity | measure | threshold | runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in rows:
        thr = "–" if c.threshold is None else f"{c.threshold:g}"
        if c.warn_threshold is not None:
            thr += f" (warn {c.warn_threshold:g})"
        if c.threshold_tag and c.threshold is not None:
            thr += f" [{c.threshold_tag}]"
        out.append(f"| {c.rule} | [`{c.check_id}`](#{c.check_id.lower().replace('.', '')}) | "
                   f"{catalog.suite_of(c.check_id)} | {c.severity.value} | {c.measure.value} |"
                   f" {thr} | {'yes' if c.implemented else 'planned'} |")
    out.append("")
    for c in rows:
        out += [f"## {c.check_id}", "",
                f"{c.rule} · {c.title} · {c.category} · severity {c.severity.value} · "
                f"standard {c.profiles}" + (" · pediatric" if c.pediatric else "")
                + ("" if c.implemented else " · **planned**"), "",
                f"- Fields: {', '.join(f'`{f}`' for f in c.fields) or 'dataset'}",
                f"- Rule: {_esc(c.description)}"]
        if c.params:
            out.append("- Parameters: " + ", ".join(f"`{k}={v:g}`" for k, v in c.params.items()))
        if c.stratification_impact:
            out.append(f"- Why it matters for stratification: {_esc(c.stratification_impact)}")
        if c.fix:
            out.append(f"- How to fix: {_esc(c.fix)}")
        out += [f"- Source: {_esc(c.source)}", ""]
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


def main() -> int:
    """Write the docs, or with --check fail when they are out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for name, make in DOCS.items():
        path = ROOT / "docs" / name
        text = make()
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/gen_docs.py")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
