"""Docs stay true: generated pages current, README quick start and commands documented."""

from __future__ import annotations

import csv
import re
import subprocess
import sys

import pytest
from conftest import ROOT

from validator.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_generated_docs_are_current() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout


PAGE_HEADINGS = (
    "## Summary",
    "## Definition",
    "## What it means for stratification",
    "## How to fix at registration / in the ETL",
    "## Source",
)


def test_one_page_per_check_with_every_section() -> None:
    with (ROOT / "expectations" / "checks.csv").open(encoding="utf-8", newline="") as fh:
        ids = {r["check_id"] for r in csv.DictReader(fh)}
    pages = ROOT / "docs" / "checks"
    assert {p.stem for p in pages.glob("*.md")} == ids
    assert {p.name for p in pages.iterdir()} == {f"{i}.md" for i in ids}
    index = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    for check_id in ids:
        text = (pages / f"{check_id}.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {check_id} — "), check_id
        lines = text.splitlines()
        positions = [lines.index(h) for h in PAGE_HEADINGS if h in lines]
        assert len(positions) == len(PAGE_HEADINGS), check_id
        assert positions == sorted(positions), check_id
        assert "**Numerator:**" in text and "**Denominator:**" in text, check_id
        assert "**Default threshold:**" in text, check_id
        assert "Generated from expectations/checks.csv; do not edit" in lines[-1], check_id
        assert f"](checks/{check_id}.md)" in index, check_id


def test_quick_start_is_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    commands = [ln.split("#")[0].strip() for ln in block.group(1).splitlines() if ln.strip()]
    assert commands == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_readme_and_has_help(command: str) -> None:
    assert f"real-validator {command}" in README
    assert main.commands[command].help
