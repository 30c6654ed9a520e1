"""Progress on a terminal (issue: long runs): one line on stderr, rewritten in place, naming the
phase being run (reading, normalizing, checks, aggregate rules, summarizing, share-safe,
writing) with a bar over the phases and the seconds so far.

Shown only when stderr is a terminal and the run is not ``--quiet``; in CI, pipes and files
nothing is printed. It shows phase names (and the share of a file read) only, never a value,
path or count from the data.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from validator import timing

LABELS = {"read": "reading", "normalize": "normalizing", "gx": "checks (Great Expectations)",
          "rules": "aggregate rules", "summarize": "summarizing", "share_safe": "share-safe",
          "write": "writing reports"}
STEPS = (*timing.PHASES, "share_safe", "write")
WIDTH = 20


class Bar:
    """The progress line; call :meth:`update` at every phase event."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.t0 = time.perf_counter()
        self.done = 0
        self.shown = False

    def update(self, event: str, phase: str, value: float) -> None:
        """Redraw for ``event`` ("start"/"end", or "progress" with ``value`` the fraction done)
        of ``phase``."""
        if phase in STEPS:
            index = STEPS.index(phase)
            self.done = max(self.done, index + (event == "end"))
        filled = round(WIDTH * self.done / len(STEPS))
        share = f" {value:.0%}" if event == "progress" else ""
        line = (f"real-validator [{'#' * filled}{'.' * (WIDTH - filled)}] "
                f"{LABELS.get(phase, phase)}{share} {time.perf_counter() - self.t0:.1f} s")
        self.stream.write("\r" + line.ljust(72)[:72])
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Erase the line (before the verdict is printed)."""
        if self.shown:
            self.stream.write("\r" + " " * 72 + "\r")
            self.stream.flush()


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """Show progress? Only on a terminal, never with --quiet."""
    s = stream if stream is not None else sys.stderr
    return not quiet and bool(getattr(s, "isatty", lambda: False)())


@contextlib.contextmanager
def shown(quiet: bool, stream: TextIO | None = None) -> Iterator[None]:
    """Show the progress line for the enclosed run when :func:`wanted`."""
    s = stream if stream is not None else sys.stderr
    if not wanted(quiet, s):
        yield
        return
    bar = Bar(s)
    try:
        with timing.listen(bar.update):
            yield
    finally:
        bar.clear()
