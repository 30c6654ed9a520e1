"""Soak (issue 6, item 6): 50 extracts validated in one process through the Python API keep
memory bounded: nothing (GX contexts, caches, reports) piles up from one run to the next."""

from __future__ import annotations

import gc
import random
import resource
from pathlib import Path

import validator

FILES = 50
RACES = ["2106-3", "2054-5", "2028-9", "1002-5", "2076-8", "2131-1", "UNK", "ASKU", "",
         "2054-5|2106-3", "2106-4", "White", "other"]
ETHNICITIES = ["2135-2", "2186-5", "UNK", "", "ASKU", "Hispanic"]
LANGUAGES = ["en", "es", "zh", "vi", "", "und", "ar", "English", "spa"]
#: Growth of VmRSS from after the 5th to after the 50th run, measured on Linux / CPython 3.11
#: (pandas 2, pyarrow 2x, GX 1.24), 2 shared cores: 7 to 16 MB over three runs (e.g. 275 ->
#: 291 MB; peak RSS ~295 MB), 25-35 s in all (~0.5 s a file). The bound is ~3x the largest
#: growth seen: keeping every extract or report alive (~1-5 MB each) would exceed it.
MAX_GROWTH_MB = 50


def _rss_mb() -> float:
    """Current resident set size (Linux /proc), else the peak from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _extract(path: Path, i: int, rng: random.Random) -> Path:
    """200 to 2,000 rows; the columns vary from file to file (language, race text, caregiver
    free text), and so do the sites and the share of defects."""
    n = rng.randint(200, 2000)
    cols = ["patient_id", "site_id", "race_codes", "ethnicity_code", "birth_date"]
    cols += ["lang_spoken_pref"] if i % 2 else []
    cols += ["race_text"] if i % 3 == 0 else []
    cols += ["interpreter_needed"] if i % 5 == 1 else []
    sites = "ABCDE"[: 1 + i % 5]
    lines = [",".join(cols)]
    for r in range(n):
        row = {"patient_id": f"F{i}-{r}", "site_id": rng.choice(sites),
               "race_codes": rng.choice(RACES), "ethnicity_code": rng.choice(ETHNICITIES),
               "birth_date": f"{rng.randint(2005, 2025)}-{rng.randint(1, 12):02d}-"
                             f"{rng.randint(1, 28):02d}",
               "lang_spoken_pref": rng.choice(LANGUAGES),
               "race_text": rng.choice(["", "White", "Other", f"note {r}"]),
               "interpreter_needed": rng.choice(["yes", "no", ""])}
        lines.append(",".join(row[c] for c in cols))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fifty_files_in_one_process_keep_memory_bounded(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    rss: dict[int, float] = {}
    for i in range(FILES):
        data = _extract(tmp_path / f"extract_{i:02d}.csv", i, rng)
        report = validator.validate(data, as_of_date="2026-11-01",
                                    stratify_by="site_id" if i % 4 == 0 else None)
        assert report.dataset["rows"] >= 200
        written = validator.write_reports(report, tmp_path / "out", ["json", "csv"])
        assert len(written) == 2
        del report
        data.unlink()
        if i + 1 in (5, FILES):
            gc.collect()
            rss[i + 1] = _rss_mb()
    growth = rss[FILES] - rss[5]
    assert growth < MAX_GROWTH_MB, (
        f"RSS grew {growth:.0f} MB from file 5 ({rss[5]:.0f} MB) to file {FILES} "
        f"({rss[FILES]:.0f} MB)")
