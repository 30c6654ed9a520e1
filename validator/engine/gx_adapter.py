"""The only module that imports Great Expectations. Runs suites on a pandas frame, or on a
Spark DataFrame through GX's Spark execution engine (``--engine spark``), and returns
sanitized counts.

GX is imported lazily (it takes ~4 s), with analytics off, progress bars off, its warnings and
log records silenced, and results requested as ``BASIC`` with ``partial_unexpected_count: 0``.
Every result passes through an allow-list: only counts leave this module. Data Docs are never
built.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}
_COUNT_KEYS = ("element_count", "unexpected_count", "missing_count")


@dataclass(frozen=True)
class GxOutcome:
    """Sanitized result of one expectation: counts and whether GX raised."""

    element_count: int
    unexpected_count: int
    missing_count: int
    raised: bool
    mismatch: bool = False  # set by the runner when its grouped-pass counts disagree


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence GX's warnings and log records for the duration of a call."""
    logger = logging.getLogger("great_expectations")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


@contextmanager
def main_module_guard() -> Iterator[None]:
    """Keep pyspark from ending the process while GX imports it.

    When pyspark is installed, GX imports ``pyspark.sql.connect``, which calls ``sys.exit(0)``
    if grpc is missing and the main module has neither ``__spec__`` nor ``__file__``
    (``python -c``, embedded interpreters): it takes that for a doctest run. A validation
    would end silently with exit 0 -- a passed gate. With ``sys.ps1`` set for the import it
    raises ImportError instead, which GX handles (Spark Connect is not used here).
    """
    main = sys.modules.get("__main__")
    risky = (main is not None and getattr(main, "__spec__", None) is None
             and not hasattr(main, "__file__") and not hasattr(sys, "ps1"))
    if risky:
        sys.ps1 = ""
    try:
        yield
    finally:
        if risky:
            del sys.ps1


def import_gx() -> Any:
    """The ``great_expectations`` module, imported quietly (no warnings, no log records, no
    analytics) and guarded against pyspark ending the process (:func:`main_module_guard`)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    with _quiet(), main_module_guard():
        import great_expectations as gx
        from great_expectations.execution_engine import pandas_execution_engine as engine

        import validator.engine.gx_expectations  # noqa: F401  registers custom expectations

    # GX fingerprints every in-memory batch smaller than HASH_THRESHOLD bytes by hashing all
    # of its cells (batch_markers["pandas_data_fingerprint"], ~1 s per million rows); nothing
    # here reads the fingerprint, so it is turned off (docs/benchmarks.md).
    if hasattr(engine, "HASH_THRESHOLD"):
        engine.HASH_THRESHOLD = 0
    return gx


def _sanitize(result: Any) -> GxOutcome:
    counts = {k: result.result.get(k) for k in _COUNT_KEYS} if result.result else {}
    info = result.exception_info or {}
    entries = info.values() if "raised_exception" not in info else [info]
    raised = any(isinstance(e, Mapping) and e.get("raised_exception") for e in entries)
    return GxOutcome(
        element_count=int(counts.get("element_count") or 0),
        unexpected_count=int(counts.get("unexpected_count") or 0),
        missing_count=int(counts.get("missing_count") or 0),
        raised=raised or not counts or counts.get("element_count") is None,
    )


def _context(gx: Any, expectations: Sequence[Mapping[str, Any]]) -> tuple[Any, Any]:
    """An ephemeral GX context (analytics and progress bars off) and the suite, each
    expectation tagged with its position so results can be put back in order."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.enable_analytics(False)
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    indexed = [{**e, "meta": {**e.get("meta", {}), "_idx": i}}
               for i, e in enumerate(expectations)]
    return ctx, ctx.suites.add(gx.ExpectationSuite(name="run", expectations=indexed))


#: Rows from which a GX call is followed by a full garbage collection (~0.1 s with GX loaded,
#: ~0.8 s over the eight calls of a 1M-row run): below it, what it frees is not worth the time.
COLLECT_ROWS = 2_000_000


def _release(rows: int) -> None:
    """GX keeps the last context in a module-level project manager, and with it the batch's
    frame and the metrics computed on it (index arrays of every filtered domain): hundreds of
    MB per million rows, alive for the rest of the run. Dropped here (docs/benchmarks.md);
    GX's objects hold each other in cycles, so large frames are collected at once."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    project_manager.set_project(None)
    if rows >= COLLECT_ROWS:
        gc.collect()


def _run(batch: Any, suite: Any, parameters: Mapping[str, Sequence[str]],
         n: int) -> list[GxOutcome]:
    res = batch.validate(suite, result_format=RESULT_FORMAT,
                         expectation_parameters={k: list(v) for k, v in parameters.items()})
    ordered: list[GxOutcome | None] = [None] * n
    for r in res.results:
        ordered[int(r.expectation_config.meta["_idx"])] = _sanitize(r)
    return [o if o is not None else GxOutcome(0, 0, 0, True) for o in ordered]


def validate_subsets(
    frame: pd.DataFrame,
    expectations: Sequence[Mapping[str, Any]],
    parameters: Mapping[str, Sequence[str]],
    subsets: Sequence[tuple[str | None, Any]],
) -> dict[str | None, list[GxOutcome]]:
    """Run ``expectations`` (GX JSON dicts) on each subset of ``frame``.

    ``subsets`` holds (label, boolean row mask or None for all rows). Returns, per label, one
    :class:`GxOutcome` per expectation in the given order.
    """
    if not expectations:
        return {label: [] for label, _ in subsets}
    gx = import_gx()
    with _quiet():
        ctx, suite = _context(gx, expectations)
        asset = ctx.data_sources.add_pandas(name="input").add_dataframe_asset(name="rows")
        batch_def = asset.add_batch_definition_whole_dataframe(name="all")
        out: dict[str | None, list[GxOutcome]] = {}
        try:
            for label, mask in subsets:
                sub = frame if mask is None else frame[mask]
                batch = batch_def.get_batch(batch_parameters={"dataframe": sub})
                out[label] = _run(batch, suite, parameters, len(expectations))
        finally:
            _release(len(frame))
    return out


def validate_spark(
    frame: Any,
    expectations: Sequence[Mapping[str, Any]],
    parameters: Mapping[str, Sequence[str]],
) -> list[GxOutcome]:
    """Run ``expectations`` on a Spark DataFrame through GX's Spark execution engine; one
    :class:`GxOutcome` per expectation in the given order."""
    if not expectations:
        return []
    gx = import_gx()
    with _quiet():
        ctx, suite = _context(gx, expectations)
        asset = ctx.data_sources.add_spark(name="input").add_dataframe_asset(name="rows")
        batch = asset.add_batch_definition_whole_dataframe(name="all").get_batch(
            batch_parameters={"dataframe": frame})
        try:
            return _run(batch, suite, parameters, len(expectations))
        finally:
            _release(COLLECT_ROWS)
