"""report.json: the versioned machine-readable report (schema in docs/report-schema.md)."""

from __future__ import annotations

import json
import math
from typing import Any

from validator.results import Report


def _clean(node: Any) -> Any:
    if isinstance(node, float) and not math.isfinite(node):
        return None
    if isinstance(node, dict):
        return {str(k): _clean(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_clean(v) for v in node]
    return node


def render_json(report: Report) -> str:
    """The report as indented JSON text with a trailing newline (deterministic key order)."""
    return json.dumps(_clean(report.to_dict()), indent=2, ensure_ascii=False) + "\n"
