"""The stratification-readiness section of report.md (validator/readiness.py): one line per
stratifier with its verdict and its first reasons; every reason and criterion is in
report.json (``readiness``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_REASONS = 3


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _reason(r: Mapping[str, Any]) -> str:
    check = f" `{r['check_id']}`" if r.get("check_id") else ""
    return f"{r['criterion']}{check}: {_cell(str(r['text']))}"


def render_readiness(readiness: Sequence[Mapping[str, Any]]) -> list[str]:
    """Markdown lines (empty when no stratifier was assessed)."""
    if not readiness:
        return []
    lines = ["## Stratification readiness", "",
             "Whether each stratifier can be used to stratify rates now (DOMAIN §4 criteria "
             "S1–S12, docs/readiness.md). The gate above decides whether the extract can be "
             "loaded; this decides whether it can be stratified.", "",
             "| stratifier | verdict | reasons (blockers first) |", "|---|---|---|"]
    for s in readiness:
        reasons = list(s.get("reasons", []))
        shown = "<br>".join(_reason(r) for r in reasons[:MAX_REASONS]) or "all criteria met"
        if len(reasons) > MAX_REASONS:
            shown += f"<br>… {len(reasons) - MAX_REASONS} more in report.json"
        lines.append(f"| `{s['stratifier']}` | **{s['verdict']}** | {shown} |")
    return [*lines, ""]
