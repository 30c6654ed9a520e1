"""REaL validator: a data-quality gate for race, ethnicity, language and other demographic data.

Public API::

    import validator
    report = validator.validate("extract.csv", profile="profile.yaml")
    report.gate.passed, report.exit_code, report.results

Importing this package never imports Great Expectations; that happens only when a validation runs.
"""

from __future__ import annotations

__version__ = "0.1.0"

from validator.errors import (
    ConfigError,
    InputError,
    InternalError,
    UsageError,
    ValidatorError,
)
from validator.results import CheckResult, FieldSummary, Gate, Report, Severity, Status

__all__ = [
    "CheckResult",
    "ConfigError",
    "FieldSummary",
    "Gate",
    "InputError",
    "InternalError",
    "Report",
    "Severity",
    "Status",
    "UsageError",
    "ValidatorError",
    "__version__",
    "validate",
    "write_reports",
]


def __getattr__(name: str) -> object:
    """Import the heavy entry points (pandas, pyarrow) only when first used."""
    if name == "validate":
        from validator.api import validate

        return validate
    if name == "write_reports":
        from validator.report import write_reports

        return write_reports
    raise AttributeError(f"module 'validator' has no attribute {name!r}")
