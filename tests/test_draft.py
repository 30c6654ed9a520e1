"""`real-validator profile draft`: guesses from headers and value frequencies, every one marked,
proposed crosswalk rows, nothing from unmapped columns or rare values printed."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from conftest import MARKER, invoke

import validator
from validator import draft


def _extract(tmp_path: Path) -> Path:
    rows = ["MRN,FACILITY,DOB,RACE_DESC,LANGUAGE,ETHNIC_GRP,NOTES,ADMIT_DT"]
    races = ["WHITE"] * 12 + ["BLACK/AFRICAN AMERICAN"] * 6 + ["HISPANIC/LATINO - CUBAN"] * 5
    races += ["2106-3"] * 2 + [f"{MARKER} race"]
    for i, race in enumerate(races):
        lang = ["en", "es", "Spanish", "Spanish", "Spanish", "Spanish", "Spanish"][i % 7]
        rows.append(f"{MARKER}{i},A,2010-01-{i % 28 + 1:02d},{race},{lang},"
                    f"{'H' if i % 3 else 'N'},{MARKER} note,2026-01-01")
    path = tmp_path / "extract.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_guesses_and_proposals(tmp_path: Path) -> None:
    guesses, unmapped = draft.draft(_extract(tmp_path))
    by_field = {g.field: g for g in guesses}
    assert {f: g.column for f, g in by_field.items()} == {
        "patient_id": "MRN", "site_id": "FACILITY", "birth_date": "DOB",
        "race_codes": "RACE_DESC", "lang_spoken_pref": "LANGUAGE",
        "ethnicity_code": "ETHNIC_GRP"}
    assert unmapped == 2  # NOTES and ADMIT_DT: an unlabelled date is not taken for a birth date
    race = by_field["race_codes"].crosswalk_rows
    assert [(v, n) for v, _, n in race] == [("WHITE", 12), ("BLACK/AFRICAN AMERICAN", 6),
                                           ("HISPANIC/LATINO - CUBAN", 5)]
    lang = by_field["lang_spoken_pref"].crosswalk_rows
    assert lang == [("Spanish", "es", 18)]
    assert any("ethnicity" in e for e in by_field["ethnicity_code"].evidence)


def test_cli_output_is_a_profile_marked_as_guesses(cli: CliRunner, tmp_path: Path) -> None:
    src = _extract(tmp_path)
    out = tmp_path / "xw.csv"
    result = invoke(cli, "profile", "draft", src, "--crosswalk-out", out)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert MARKER not in text and "NOTES" not in text and "ADMIT_DT" not in text
    doc = yaml.safe_load(text)
    assert doc["fields"]["race_codes"] == {"column": "RACE_DESC", "system": "cdcrec",
                                           "crosswalk": "draft_crosswalk.csv"}
    guess_lines = [ln for ln in text.splitlines() if ln.strip().startswith("# GUESS")]
    assert len(guess_lines) == len(doc["fields"])
    csv_text = out.read_text()
    header = "source_system,source_value,target_field,target_code,tree,note"
    assert csv_text.splitlines()[0] == header
    assert "draft,Spanish,lang_spoken_pref,es,,GUESS 18 rows" in csv_text
    assert MARKER not in csv_text


def test_draft_of_a_canonical_file_validates(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("patient_id,race_codes,ethnicity_code,birth_date\n"
                   + "".join(f"P{i},2106-3,2186-5,2012-01-01\n" for i in range(6)))
    profile = tmp_path / "p.yaml"
    guesses, unmapped = draft.draft(src)
    profile.write_text(draft.render(guesses, unmapped))
    report = validator.validate(src, profile=profile, as_of_date="2026-11-01")
    assert report.gate.passed
    assert report.profile["inferred"] is False


def test_numeric_codes_and_flags_are_not_guessed(tmp_path: Path) -> None:
    rows = ["id,FLAG,RACE_CD,GENDER"] + [
        f"{i},{['Yes', 'No'][i % 2]},{(i % 3) + 1},{(i % 2) + 1}" for i in range(30)]
    src = tmp_path / "codes.csv"
    src.write_text("\n".join(rows) + "\n")
    guesses, unmapped = draft.draft(src)
    by_field = {g.field: g for g in guesses}
    assert "lang_spoken_pref" not in by_field  # 'No' is Norwegian, but not in a yes/no flag
    assert by_field["race_codes"].column == "RACE_CD"
    assert by_field["sex_admin"].column == "GENDER"
    # 1/2/3 mean different things in different feeds: no target is guessed for them
    assert {t for _, t, _ in by_field["race_codes"].crosswalk_rows} == {"???"}
    assert {t for _, t, _ in by_field["sex_admin"].crosswalk_rows} == {"???"}
    assert unmapped == 1
