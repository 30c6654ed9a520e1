"""`--help`, `checks` and `explain` must not import Great Expectations (it takes ~4 s)."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys
from click.testing import CliRunner
import validator
from validator.cli import main
result = CliRunner().invoke(main, {args!r})
assert result.exit_code == 0, result.output
print(sorted(m for m in sys.modules if m.split('.')[0] in ('great_expectations', 'pandas')))
"""


@pytest.mark.parametrize("args", [["--help"], ["checks"], ["explain", "R-011"],
                                  ["validate", "--help"], ["checks", "--format", "json"]])
def test_light_commands_do_not_import_gx(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(args=args)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_importing_the_package_is_light() -> None:
    code = ("import sys, validator; "
            "print('great_expectations' in sys.modules, 'pandas' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.split() == ["False", "False"]
