"""Errors the validator raises, and the exit code each maps to.

Exception tree::

    ValidatorError            base class; never raised directly
    ├── UsageError            bad command-line use                        exit 2
    ├── ConfigError           bad profile, checkpoint, thresholds file    exit 2
    └── InputError            unreadable or unusable input data           exit 2
    InternalError             a bug in the validator                      exit 3

Messages name what is wrong, where (file, key, column) and how to fix it. They never quote
cell values from the input: those may be patient data.
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class ValidatorError(Exception):
    """Base class of every error the validator raises on purpose."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(ValidatorError):
    """Command-line or API misuse (wrong argument combination, unknown option value)."""


class ConfigError(ValidatorError):
    """A profile, checkpoint or thresholds file is invalid."""


class InputError(ValidatorError):
    """The input data cannot be read or holds nothing the validator can check."""


class InternalError(ValidatorError):
    """Something went wrong inside the validator; this is a bug."""

    exit_code = EXIT_INTERNAL
