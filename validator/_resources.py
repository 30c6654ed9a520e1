"""Locate data shipped with the package (suites and catalogue under ``expectations/``)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def expectations_dir() -> Traversable:
    """The ``expectations/`` folder: installed as ``validator.expectations``, or the repo copy."""
    try:
        return resources.files("validator.expectations")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "expectations"


def data_dir() -> Traversable:
    """The package's own data folder (``validator/data``)."""
    return resources.files("validator.data")
