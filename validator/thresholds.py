"""Thresholds files: long-format CSV (``check_id,threshold,warn_threshold,notes``) or YAML
(``CHECK_ID: 80`` / ``CHECK_ID: {threshold: 80, warn_threshold: 95, notes: ...}``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from validator.errors import ConfigError
from validator.profile import ThresholdOverride, parse_thresholds

CSV_COLUMNS = ("check_id", "threshold", "warn_threshold", "notes")


def _csv(text: str, where: str) -> dict[str, object]:
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if "check_id" not in header or unknown:
        raise ConfigError(
            f"{where}: thresholds CSV needs the columns {', '.join(CSV_COLUMNS)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
        )
    out: dict[str, object] = {}
    for line, row in enumerate(reader, start=2):
        entry: dict[str, object] = {}
        for key in ("threshold", "warn_threshold"):
            value = (row.get(key) or "").strip()
            if value:
                try:
                    entry[key] = float(value)
                except ValueError:
                    raise ConfigError(f"{where}: line {line}: {key} {value!r} is not a number"
                                      ) from None
        if row.get("notes"):
            entry["notes"] = row["notes"]
        out[row["check_id"].strip()] = entry
    return out


def load_thresholds(path: str | Path) -> dict[str, ThresholdOverride]:
    """Read a thresholds file; ConfigError naming the file, line or key on any problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{p}: thresholds file not found") from None
    except (OSError, UnicodeDecodeError):
        raise ConfigError(f"{p}: cannot read the thresholds file as UTF-8 text") from None
    if p.suffix.lower() == ".csv":
        data: object = _csv(text, str(p))
    else:
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            raise ConfigError(f"{p}: not valid YAML") from None
        except (ValueError, TypeError, OverflowError, RecursionError):  # e.g. 0000-00-00
            raise ConfigError(f"{p}: not valid YAML (a value cannot be read, e.g. an "
                              "impossible date)",
                              hint="quote values that are not meant as dates or numbers"
                              ) from None
    return parse_thresholds(data, str(p), str(p))
