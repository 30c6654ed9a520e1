"""Regenerate the README's pictures of report.html: validate the seeded-defects fixture (three
sites), write report.html to a temporary folder and take screenshots of it in headless Chromium
(Debian's chromium; `make browser` installs it as root):

- docs/img/report-screenshot.png: the top of the page (verdict, readiness, deficiencies);
- docs/img/report-charts.png: the charts section (the same page with the sections above it
  hidden by one added CSS rule, since headless screenshots cannot scroll to an anchor).

    python scripts/screenshot_report.py [--out-dir docs/img]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chromium import WINDOW, find_chromium, png_size, screenshot  # noqa: E402

import validator  # noqa: E402

FIXTURE = ROOT / "fixtures" / "canonical_3000_seeded_defects.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium: install Debian's chromium (`make browser` as root)", file=sys.stderr)
        return 2
    report = validator.validate(FIXTURE, as_of_date="2026-11-01",
                                dataset="seeded defects (synthetic, three sites)")
    top, charts = args.out_dir / "report-screenshot.png", args.out_dir / "report-charts.png"
    with tempfile.TemporaryDirectory(prefix="rv-screenshot-") as tmp:
        (page,) = validator.write_reports(report, tmp, ["html"])
        command = screenshot(chromium, page, top)
        text = page.read_text(encoding="utf-8")
        hide = ("<style>header, #gate, nav.toc, #readiness, #deficiencies, #findings "
                "{ display: none; }</style>\n</head>")
        only_charts = Path(tmp) / "charts.html"
        only_charts.write_text(text.replace("</head>", hide, 1), encoding="utf-8")
        screenshot(chromium, only_charts, charts, window=(WINDOW[0], 1700))
    print("ran:", shlex.join(command).replace(str(Path(tmp).resolve()), "$TMP"))
    assert png_size(top) == WINDOW
    for png in (top, charts):
        width, height = png_size(png)
        shown = png.relative_to(ROOT) if png.is_relative_to(ROOT) else png
        print(f"wrote {shown} ({width}x{height}, {png.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
