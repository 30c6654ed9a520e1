"""Headless Chromium for the HTML report: find Debian's chromium and render a local page to its
DOM and a PNG, with every flag that keeps it off the network. Used by
tests/test_html_browser.py and scripts/screenshot_report.py (`make screenshot`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Without the background-networking flags Chromium tries to reach Google's hosts at start.
NO_NETWORK_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
)
WINDOW = (1280, 2000)


def find_chromium() -> str | None:
    """$REAL_VALIDATOR_CHROMIUM, /usr/bin/chromium (Debian's package) or chromium on PATH."""
    for candidate in (os.environ.get("REAL_VALIDATOR_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass(frozen=True)
class Rendered:
    """What Chromium made of a page: its DOM after parsing and the browser's own log."""

    dom: str
    log: str
    command: tuple[str, ...]


def command(chromium: str, page: Path, user_data_dir: Path, *extra: str) -> list[str]:
    """The full command line for ``page`` (a local file) with a fresh profile folder."""
    return [chromium, *NO_NETWORK_FLAGS, f"--user-data-dir={user_data_dir}", *extra,
            page.resolve().as_uri()]


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)


def dump_dom(chromium: str, page: Path, timeout: float = 120) -> Rendered:
    """The serialised DOM of ``page`` and Chromium's log (console messages included)."""
    with tempfile.TemporaryDirectory(prefix="rv-chromium-") as profile:
        args = command(chromium, page, Path(profile), "--enable-logging=stderr", "--v=0",
                       "--dump-dom")
        proc = _run(args, timeout)
    if proc.returncode != 0 or "<html" not in proc.stdout:
        raise RuntimeError(f"chromium --dump-dom failed ({proc.returncode}): "
                           f"{proc.stderr[-2000:]}")
    return Rendered(proc.stdout, proc.stderr, tuple(args))


def screenshot(chromium: str, page: Path, png: Path, window: tuple[int, int] = WINDOW,
               timeout: float = 120) -> tuple[str, ...]:
    """Write a PNG of ``page`` at ``window`` (width, height); returns the command line."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="rv-chromium-") as profile:
        args = command(chromium, page, Path(profile), f"--screenshot={png.resolve()}",
                       f"--window-size={window[0]},{window[1]}", "--hide-scrollbars")
        proc = _run(args, timeout)
    if proc.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium --screenshot failed ({proc.returncode}): "
                           f"{proc.stderr[-2000:]}")
    return tuple(args)


def png_size(png: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    head = png.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{png} is not a PNG file")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
