"""Report renderers: pure functions from :class:`~validator.results.Report` to text, and an
atomic writer (temporary file, then rename: an interrupted run leaves no partial report)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from validator import formats
from validator.errors import UsageError
from validator.report import results_table
from validator.report.html import render_html
from validator.report.json_report import render_json
from validator.report.markdown import render_markdown
from validator.results import Report

RENDERERS: dict[str, tuple[str, Callable[[Report], str | bytes]]] = {
    "json": ("report.json", render_json),
    "md": ("report.md", render_markdown),
    "html": ("report.html", render_html),
    "csv": ("results.csv", results_table.render_csv),
    "parquet": ("results.parquet", results_table.render_parquet),
}
FORMAT_ALIASES = {"markdown": "md", "results": "csv"}


def parse_formats(value: str | Iterable[str]) -> list[str]:
    """Formats from ``"json,md"`` or a list; UsageError naming an unknown one."""
    return formats.choose(value, RENDERERS, what="report", example="json,md",
                          aliases=FORMAT_ALIASES)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    write_all_atomic([(path, text)])


def write_all_atomic(items: Iterable[tuple[Path, str | bytes]]) -> None:
    """Write every ``(path, text)`` to a temporary file beside ``path``, then rename them all.

    A failure or an interrupt while writing leaves every existing file untouched and no
    temporary file behind; one during the renames leaves each file whole (old or new)."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in items:
            temps.append((_write_temp(Path(path), text), Path(path)))
        for tmp, path in temps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        raise


def write_into(out_dir: str | Path, rendered: list[tuple[Path, str | bytes]], what: str) -> None:
    """Create ``out_dir`` and write ``rendered`` into it atomically; an OS error is one
    UsageError naming the folder and ``what`` could not be written (nothing partial left)."""
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from None
    try:
        write_all_atomic(rendered)
    except OSError as exc:  # disk full, permissions: every earlier file is left as it was
        raise UsageError(f"{out_dir}: cannot write {what} ({exc.strerror or exc})",
                         hint="no partial file was left in it") from None


def _write_temp(path: Path, text: str | bytes) -> str:
    """``text`` in a new temporary file beside ``path`` (removed again on any failure)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    opened = False
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as fb:
                opened = True
                fb.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                opened = True
                fh.write(text)
    except BaseException:
        if not opened:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_reports(report: Report, out_dir: str | Path,
                  formats: str | Iterable[str] = ("json", "md")) -> list[Path]:
    """Render every requested format into ``out_dir``; return the paths written."""
    names = parse_formats(formats)
    rendered = [(Path(out_dir) / RENDERERS[n][0], RENDERERS[n][1](report)) for n in names]
    write_into(out_dir, rendered, "the reports")
    return [p for p, _ in rendered]
