"""Phase timings and progress of one validation (benchmarks/, the CLI's progress line).

Nothing is recorded unless a caller asks: :func:`record` collects wall time per phase
(``read``, ``normalize``, ``gx``, ``rules``, ``summarize``) for the benchmark, and a listener
set with :func:`listen` is told when each phase starts and ends, and how far a long phase has
got (:func:`advance`: the share of a file read), for the CLI's progress line on a terminal.
Timings never go into a report, so reports stay byte-identical between runs.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator

#: Phases in pipeline order (docs/benchmarks.md).
PHASES = ("read", "normalize", "gx", "rules", "summarize")

#: (event, phase, value): "start"/"end" with seconds so far, "progress" with the fraction done
Listener = Callable[[str, str, float], None]

_recorder: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar(
    "real_validator_timings", default=None)
_listener: contextvars.ContextVar[Listener | None] = contextvars.ContextVar(
    "real_validator_progress", default=None)


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the enclosed block as ``name`` (adds up when a phase runs several times)."""
    rec, listener = _recorder.get(), _listener.get()
    if rec is None and listener is None:
        yield
        return
    t0 = time.perf_counter()
    if listener is not None:
        listener("start", name, 0.0)
    try:
        yield
    finally:
        elapsed = time.perf_counter() - t0
        if rec is not None:
            rec[name] = rec.get(name, 0.0) + elapsed
        if listener is not None:
            listener("end", name, elapsed)


@contextlib.contextmanager
def record() -> Iterator[dict[str, float]]:
    """Collect ``{phase: seconds}`` for the validations run inside the block."""
    rec: dict[str, float] = {}
    token = _recorder.set(rec)
    try:
        yield rec
    finally:
        _recorder.reset(token)


@contextlib.contextmanager
def listen(listener: Listener) -> Iterator[None]:
    """Call ``listener(event, phase, seconds)`` at the start and end of every phase."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def advance(name: str, fraction: float) -> None:
    """Tell the listener, if any, that phase ``name`` is ``fraction`` (0-1) done."""
    listener = _listener.get()
    if listener is not None:
        listener("progress", name, min(max(fraction, 0.0), 1.0))
