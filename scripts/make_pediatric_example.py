"""Generate the bundled pediatric example and the seeded pediatric extract (deterministic,
stdlib only).

Usage: python scripts/make_pediatric_example.py [OUT_DIR]   (OUT_DIR defaults to <repo>/fixtures)

Writes (all data synthetic):

- ``pediatric/registration.csv``: the pediatric example run by ``make demo`` through
  checkpoints/pediatric.yaml. 300 children and young adults (0-21 years) from three sites, with
  the local column names fixtures/pediatric/profile.yaml maps: race, ethnicity, language and
  interpreter need, who answered and when, SOGI for adolescents, two disability items, two
  caregiver slots (relationship, language, interpreter need, primary-contact flag), SDOH
  screening, ZIP and payer. Realistic defects are planted in exact numbers (the ``EXAMPLE_*``
  constants); they warn without failing the gate (RACE.COMPLETENESS, SDOH.SCREENING_RECORDED,
  DIS.AGE_GATE, and RACE.OTHER_RATE because a quarter of Hispanic families answer "Other race",
  ``HISPANIC_RACES``). An unmapped free-text column carries the PHI marker and is never read.
- ``pediatric_seeded_defects.csv``: canonical column names, no profile needed. ``BASE_PER_AGE``
  clean children of every age 0-17, plus the rows of ``SEEDED``: each seeded row is a clean row
  of the given age with exactly one defect, so fixtures/expected.yaml derives every count from
  the constants below. Patient ids carry the marker PHIMARKER.

Ages are completed years at ``AS_OF``, the extract date of both files. Running the script twice
produces byte-identical files (tests/test_pediatric.py checks it).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

AS_OF = dt.date(2026, 11, 1)
EXAMPLE = Path("pediatric") / "registration.csv"
SEEDED_FILE = Path("pediatric_seeded_defects.csv")

Row = dict[str, str]

# ============================================================================ shared helpers


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_at(birth: dt.date, day: dt.date) -> int:
    """Completed years at ``day``, computed as the validator does."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birth_for(age: int, offset: int) -> dt.date:
    """A birth date ``offset`` days (1-360) before the ``age``-th anniversary of AS_OF: the
    child is exactly ``age`` at AS_OF."""
    born = years_before(AS_OF, age) - dt.timedelta(days=offset)
    assert age_at(born, AS_OF) == age
    return born


def days_since_birthday(birth: dt.date) -> int:
    """Days from the last birthday (or the birth) to AS_OF."""
    age = age_at(birth, AS_OF)
    d = 0
    while d < (AS_OF - birth).days and age_at(birth, AS_OF - dt.timedelta(days=d + 1)) == age:
        d += 1
    return d


def pick(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    """A weighted choice."""
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def write(path: Path, header: Sequence[str], rows: Iterable[Row]) -> None:
    """Write ``rows`` (dicts keyed by ``header``) as UTF-8 CSV with LF line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([row.get(col, "") for col in header])


# ============================================================================ the example

EXAMPLE_SEED = 20261101
EXAMPLE_SITES = ("MAIN", "NORTH", "EAST")
#: Children per age 0..21 (completed years at AS_OF): 300 rows, 273 minors, 27 aged 18-21.
EXAMPLE_AGE_COUNTS = (20, 16, 15, 15, *(15,) * 11, 14, 14, 14, 8, 7, 6, 6)
EXAMPLE_ROWS = sum(EXAMPLE_AGE_COUNTS)
EXAMPLE_MINORS = sum(EXAMPLE_AGE_COUNTS[:18])
EXAMPLE_ADULTS = EXAMPLE_ROWS - EXAMPLE_MINORS
#: Newborns (age 0, under 28 days): REaL collected on the birth date from the mother; the first
#: one's administrative sex is U (unknown, plausible in a newborn).
EXAMPLE_NEWBORNS = 3

#: Planted defects and realistic gaps (exact row counts).
EXAMPLE_RACE_ABSENT = (("", 10), ("UNKNOWN", 12), ("Declined", 8), ("ASKU", 4))  # 34: WARN
EXAMPLE_ETHNICITY_ABSENT = (("U", 9), ("", 4))
EXAMPLE_NO_CAREGIVER = 3  # minors aged 6-16 with no caregiver slot filled
EXAMPLE_CAREGIVER_LANGUAGE_MISSING = 4  # minors with one caregiver and no caregiver language
EXAMPLE_TWO_CAREGIVERS = 190  # minors with two caregivers
EXAMPLE_PRIMARY_UNMARKED = 2  # of those, neither flagged primary contact
EXAMPLE_RESPONDENT_BLANK = 12  # minors aged 2-17 whose REaL respondent is blank
EXAMPLE_ADULT_PROXY = 1  # an 18-21-year-old whose REaL answers came from the mother
EXAMPLE_SOGI_BY_PROXY = 1  # a 13-year-old whose SOGI a parent answered
EXAMPLE_DISABILITY_UNDER_5 = 2  # 2-4-year-olds with cognition answered: WARN
EXAMPLE_SDOH_IN_WINDOW = 126  # screened 0-365 days before AS_OF (42 % < 50 %): WARN
EXAMPLE_SDOH_BEFORE_WINDOW = 54  # screened 366-900 days before AS_OF (aged 3 or more)
EXAMPLE_SDOH_RESPONDENT_BLANK = 2  # minors' screenings without a respondent
EXAMPLE_ZIP_FOUR_DIGITS = 3  # leading zero lost in a spreadsheet (02124 -> 2124)
EXAMPLE_PAYER_BLANK = 7
EXAMPLE_INTERPRETER_BLANK = 1  # a non-English-speaking patient, interpreter need blank
EXAMPLE_CAREGIVER_INTERPRETER_BLANK = 1  # a non-English caregiver, interpreter need blank
EXAMPLE_STALE_REAL = 20  # 9-10-year-olds whose REaL was collected 400-1000 days ago
#: Local SDOH instrument declared in the profile (besides the LOINC panels).
EXAMPLE_LOCAL_INSTRUMENT = "LOCAL-WECARE-2"

EXAMPLE_HEADER = (
    "MRN", "FACILITY", "DOB", "SEX", "RACE", "ETHNICITY", "REAL_RESP", "REAL_DATE", "PREF_LANG",
    "INTERP", "GENDER_ID", "SEX_ORIENT", "SOGI_RESP", "SOGI_DATE", "SOGI_CONF", "DIS_HEARING",
    "DIS_COGNITION", "CG1_REL", "CG1_LANG", "CG1_INTERP", "CG1_PRIMARY", "CG2_REL", "CG2_LANG",
    "CG2_INTERP", "CG2_PRIMARY", "SDOH_DATE", "SDOH_TOOL", "SDOH_RESP", "ZIP", "PAYER",
    "PREF_NAME", "REG_DATE",
)
FAMILY_LANGUAGES = (("English", 68), ("Spanish", 20), ("Portuguese", 3), ("Haitian Creole", 3),
                    ("Vietnamese", 2), ("Arabic", 2), ("Somali", 1), ("Mandarin", 1))
RACES = (("2106-3", 44), ("2054-5", 22), ("2028-9", 7), ("1002-5", 1), ("2076-8", 1),
         ("2131-1", 4), ("2106-3;2054-5", 4), ("2028-9;2106-3", 2))
HISPANIC_RACES = (("2106-3", 55), ("2131-1", 25), ("2054-5", 12), ("2106-3;2054-5", 8))
PARENTS = (("Mother", 55), ("Father", 20), ("Parent", 15), ("Guardian", 5), ("Grandmother", 5))
MOTHER_LIKE = (("MTH", 80), ("GRMTH", 8), ("GUARD", 6), ("MTHFOST", 3), ("STPMTH", 3))
FATHER_LIKE = (("FTH", 85), ("GRFTH", 8), ("STPFTH", 4), ("FTHFOST", 3))
GENDER_IDENTITIES = (("446141000124107", 48), ("446151000124109", 48),
                     ("33791000087105", 3), ("asked-declined", 1))
ORIENTATIONS = (("20430005", 80), ("42035005", 6), ("38628009", 4), ("765288000", 2),
                ("asked-declined", 8))
ZIPS = ("02115", "02119", "02120", "02121", "02124", "02125", "02126", "02130", "02136",
        "01841", "01902", "02301", "02740", "01605", "01103", "02148", "02150", "02151")
PAYERS = (("Medicaid", 45), ("Commercial", 30), ("CHIP", 8), ("BCBS", 8), ("Tricare", 3),
          ("Self-pay", 3), ("MassHealth", 3))


def _sample(rng: random.Random, pool: Iterable[int], n: int) -> set[int]:
    return set(rng.sample(sorted(pool), n))


def _collected(rng: random.Random, birth: dt.date, stale: bool = False) -> dt.date:
    """A collection date after the last birthday (age at collection = age now) within a year,
    or 400-1000 days ago for stale values."""
    if stale:
        return AS_OF - dt.timedelta(days=rng.randint(400, 1000))
    return AS_OF - dt.timedelta(days=rng.randint(0, min(364, days_since_birthday(birth))))


def _example_base(rng: random.Random) -> list[Row]:
    """One row per child: age, birth date, site, family language, race and ethnicity."""
    ages = [a for a, n in enumerate(EXAMPLE_AGE_COUNTS) for _ in range(n)]
    rng.shuffle(ages)
    newborns = 0
    rows: list[Row] = []
    for i, age in enumerate(ages):
        sex = rng.choice("FM")
        if age == 0 and newborns < EXAMPLE_NEWBORNS:
            newborns += 1
            birth = AS_OF - dt.timedelta(days=rng.randint(3, 25))
            sex = "U" if newborns == 1 else sex
        else:
            birth = birth_for(age, rng.randint(35 if age == 0 else 1, 360))
        family = pick(rng, FAMILY_LANGUAGES)
        hispanic = family == "Spanish" or rng.random() < 0.06
        rows.append({
            "_age": str(age), "_family": family,
            "MRN": f"MRN{200001 + i}", "FACILITY": EXAMPLE_SITES[i % 3],
            "DOB": birth.strftime("%m/%d/%Y"), "_birth": birth.isoformat(),
            "SEX": sex,
            "RACE": pick(rng, HISPANIC_RACES if hispanic else RACES),
            "ETHNICITY": "H" if hispanic else "N",
            "PREF_NAME": f"PHIMARKER child {i + 1}", "REG_DATE": "2026-10-15",
        })
    return rows


def _days(birth: dt.date) -> int:
    return (AS_OF - birth).days


def _is_newborn(r: Row) -> bool:
    return _days(dt.date.fromisoformat(r["_birth"])) < 28


def _example_real(rng: random.Random, rows: list[Row]) -> None:
    """Who answered REaL and when, patient language, interpreter need, disability."""
    idx = range(len(rows))
    age = [int(r["_age"]) for r in rows]
    minors = {i for i in idx if age[i] < 18}
    stale = _sample(rng, (i for i in idx if age[i] in (9, 10)), EXAMPLE_STALE_REAL)
    blank = _sample(rng, (i for i in minors if age[i] >= 2), EXAMPLE_RESPONDENT_BLANK)
    adult_proxy = _sample(rng, (i for i in idx if age[i] >= 18), EXAMPLE_ADULT_PROXY)
    dis_young = _sample(rng, (i for i in idx if 2 <= age[i] <= 4), EXAMPLE_DISABILITY_UNDER_5)
    for i, r in enumerate(rows):
        birth = dt.date.fromisoformat(r["_birth"])
        newborn = _is_newborn(r)
        when = birth if newborn else _collected(rng, birth, i in stale)
        at = age_at(birth, when)
        if at >= 18:
            resp = "Mother" if i in adult_proxy else "Self"
        elif at >= 14 and rng.random() < 0.4:
            resp = "Self"
        else:
            resp = "Mother" if newborn else pick(rng, PARENTS)
        r["REAL_RESP"] = "" if i in blank else resp
        r["REAL_DATE"] = when.isoformat()
        family = r["_family"]
        own = family if family == "English" or at < 12 or rng.random() < 0.5 else "English"
        r["PREF_LANG"] = own
        r["INTERP"] = "N" if own == "English" else ("Y" if rng.random() < 0.85 else "N")
        r["DIS_HEARING"] = "Y" if rng.random() < 0.02 else "N"
        if at >= 5:
            r["DIS_COGNITION"] = "Y" if rng.random() < 0.05 else "N"
        else:
            r["DIS_COGNITION"] = "N" if i in dis_young else "NA"
    non_english = [i for i in idx if rows[i]["PREF_LANG"] != "English"]
    for i in sorted(_sample(rng, non_english, EXAMPLE_INTERPRETER_BLANK)):
        rows[i]["INTERP"] = ""


def _example_sogi(rng: random.Random, rows: list[Row]) -> None:
    """SOGI asked from age 12, confidentially, by the adolescent; one parent-answered."""
    teens = [i for i, r in enumerate(rows) if int(r["_age"]) >= 12]
    by_proxy = _sample(rng, (i for i in teens if rows[i]["_age"] == "13"), EXAMPLE_SOGI_BY_PROXY)
    for i in teens:
        r = rows[i]
        birth = dt.date.fromisoformat(r["_birth"])
        r["GENDER_ID"] = pick(rng, GENDER_IDENTITIES)
        r["SEX_ORIENT"] = pick(rng, ORIENTATIONS)
        r["SOGI_RESP"] = "Parent" if i in by_proxy else "Self"
        r["SOGI_DATE"] = _collected(rng, birth).isoformat()
        r["SOGI_CONF"] = "" if int(r["_age"]) >= 18 else ("N" if rng.random() < 0.05 else "Y")


def _caregiver(rng: random.Random, r: Row, slot: int, language: str) -> None:
    r[f"CG{slot}_REL"] = pick(rng, MOTHER_LIKE if slot == 1 else FATHER_LIKE)
    r[f"CG{slot}_LANG"] = language
    needs = language not in ("", "English") and rng.random() < 0.85
    r[f"CG{slot}_INTERP"] = "Y" if needs else "N"
    r[f"CG{slot}_PRIMARY"] = "Y" if slot == 1 else "N"


def _example_caregivers(rng: random.Random, rows: list[Row]) -> None:
    """Caregivers of minors in slots 1 and 2; young adults have none recorded."""
    age = [int(r["_age"]) for r in rows]
    minors = [i for i in range(len(rows)) if age[i] < 18]
    none = _sample(rng, (i for i in minors if 6 <= age[i] <= 16), EXAMPLE_NO_CAREGIVER)
    no_lang = _sample(rng, (i for i in minors if i not in none and 1 <= age[i] <= 16),
                      EXAMPLE_CAREGIVER_LANGUAGE_MISSING)
    two = _sample(rng, (i for i in minors if i not in none | no_lang), EXAMPLE_TWO_CAREGIVERS)
    unmarked = _sample(rng, two, EXAMPLE_PRIMARY_UNMARKED)
    for i in minors:
        if i in none:
            continue
        r = rows[i]
        _caregiver(rng, r, 1, "" if i in no_lang else r["_family"])
        if i in two:
            _caregiver(rng, r, 2, r["_family"])
        if i in unmarked:  # a mother and a father, neither flagged (a guardian would count)
            r["CG1_REL"], r["CG1_PRIMARY"], r["CG2_PRIMARY"] = "MTH", "", ""
    non_english = [i for i in minors if rows[i].get("CG1_LANG", "") not in ("", "English")]
    for i in sorted(_sample(rng, non_english, EXAMPLE_CAREGIVER_INTERPRETER_BLANK)):
        rows[i]["CG1_INTERP"] = ""


def _example_sdoh(rng: random.Random, rows: list[Row]) -> None:
    """SDOH screening, ZIP and payer."""
    idx = range(len(rows))
    age = [int(r["_age"]) for r in rows]
    screened_in = _sample(rng, (i for i in idx if not _is_newborn(rows[i])),
                          EXAMPLE_SDOH_IN_WINDOW)
    screened_before = _sample(rng, (i for i in idx if age[i] >= 3 and i not in screened_in),
                              EXAMPLE_SDOH_BEFORE_WINDOW)
    minors_screened = [i for i in screened_in | screened_before if age[i] < 18]
    resp_blank = _sample(rng, minors_screened, EXAMPLE_SDOH_RESPONDENT_BLANK)
    for i, r in enumerate(rows):
        birth = dt.date.fromisoformat(r["_birth"])
        if i in screened_in:
            day = AS_OF - dt.timedelta(days=rng.randint(0, min(365, (AS_OF - birth).days)))
        elif i in screened_before:
            day = AS_OF - dt.timedelta(days=rng.randint(366, 900))
        else:
            day = None
        if day is not None:
            at = age_at(birth, day)
            r["SDOH_DATE"] = day.isoformat()
            r["SDOH_TOOL"] = (EXAMPLE_LOCAL_INSTRUMENT if r["FACILITY"] == "EAST"
                              else "96777-8" if at < 12 else "93025-5")
            resp = "Self" if at >= 18 or (at >= 12 and rng.random() < 0.3) else pick(rng, PARENTS)
            r["SDOH_RESP"] = "" if i in resp_blank else resp
        r["ZIP"] = rng.choice(ZIPS)
        r["PAYER"] = pick(rng, PAYERS)
    for i in sorted(_sample(rng, idx, EXAMPLE_ZIP_FOUR_DIGITS)):
        rows[i]["ZIP"] = rng.choice([z for z in ZIPS if z.startswith("0")])[1:]
    for i in sorted(_sample(rng, idx, EXAMPLE_PAYER_BLANK)):
        rows[i]["PAYER"] = ""


def _example_absent(rng: random.Random, rows: list[Row]) -> None:
    """Race and ethnicity answers left absent (blank, unknown, declined, ASKU)."""
    idx = list(range(len(rows)))
    chosen = rng.sample(idx, sum(n for _, n in EXAMPLE_RACE_ABSENT))
    for token, n in EXAMPLE_RACE_ABSENT:
        for i in chosen[:n]:
            rows[i]["RACE"] = token
        chosen = chosen[n:]
    chosen = rng.sample(idx, sum(n for _, n in EXAMPLE_ETHNICITY_ABSENT))
    for token, n in EXAMPLE_ETHNICITY_ABSENT:
        for i in chosen[:n]:
            rows[i]["ETHNICITY"] = token
        chosen = chosen[n:]


def example_rows() -> list[Row]:
    """The rows of pediatric/registration.csv."""
    rng = random.Random(EXAMPLE_SEED)
    rows = _example_base(rng)
    _example_real(rng, rows)
    _example_sogi(rng, rows)
    _example_caregivers(rng, rows)
    _example_sdoh(rng, rows)
    _example_absent(rng, rows)
    return rows


# ============================================================================ seeded defects

SEEDED_SEED = 20261102
SEEDED_SITES = ("A", "B", "C")
#: Clean children per age 0..17 (k = age * BASE_PER_AGE + j): 360 rows.
BASE_PER_AGE = 20
#: Of the 20 clean 0-year-olds, j < BASE_NEWBORNS are under 28 days old, and j <
#: BASE_NEWBORNS_UN of them have administrative sex UN (plausible: not a defect).
BASE_NEWBORNS = 4
BASE_NEWBORNS_UN = 2
#: Seeded defects: name -> (rows, ages (cycled), check that counts them). One defect per row;
#: every seeded row has one caregiver except where the defect says otherwise.
SEEDED: dict[str, tuple[int, tuple[int, ...], str]] = {
    # race_respondent "self" at 6
    "race_self_reported_at_6": (9, (6,), "RESP.SELF_UNDER_MIN_AGE[race_respondent]"),
    # sexual orientation recorded (answered by a parent) at 7
    "sexual_orientation_at_7": (4, (7,), "SOGI.SO_AGE_GATE[sexual_orientation]"),
    # gender identity recorded (answered by a parent) at 1
    "gender_identity_at_1": (3, (1,), "SOGI.GI_AGE_GATE[gender_identity]"),
    # the only caregiver has no preferred language recorded, at 2
    "caregiver_language_missing_at_2": (5, (2,), "CG.LANGUAGE_PRESENT"),
    # no caregiver slot filled, at 3, 5, 7 and 9 in turn
    "caregiver_missing_minor": (24, (3, 5, 7, 9), "CG.PRESENT_FOR_MINOR"),
    # gender identity and sexual orientation answered by a parent at 15
    "adolescent_sogi_by_proxy": (7, (15,), "SOGI.ADOLESCENT_PROXY"),
    # disability_cognition answered "no" at 4 (expected NA below 5)
    "disability_answered_under_5": (6, (4,), "DIS.AGE_GATE[disability_cognition]"),
    # administrative sex UN at 1-11 months (35-360 days: undetermined after the neonatal
    # period)
    "sex_undetermined_after_neonatal": (4, (0,), "SEX.NEONATE_PLAUSIBLE[sex_admin]"),
}
SEEDED_HEADER = (
    "patient_id", "site_id", "birth_date", "sex_admin", "race_codes", "ethnicity_code",
    "race_respondent", "lang_spoken_pref", "interpreter_needed", "gender_identity",
    "gender_identity_respondent", "sexual_orientation", "sexual_orientation_respondent",
    "disability_cognition", "caregiver1_relationship", "caregiver1_lang_spoken_pref",
    "caregiver1_interpreter_needed", "caregiver1_is_primary_contact",
    "caregiver2_relationship", "caregiver2_lang_spoken_pref", "caregiver2_interpreter_needed",
    "caregiver2_is_primary_contact",
)
#: Patient (and caregiver) language by k % 5: 0-2 English, 3 Spanish, 4 one of OTHER_LANGUAGES
#: by (k // 5) % 4. Interpreter need: English N; otherwise Y unless (k // 5) % 3 == 0.
OTHER_LANGUAGES = ("vi", "so", "ar", "ht")
SEEDED_RACES = (("2106-3",) * 9 + ("2054-5",) * 5 + ("2028-9",) * 2
                + ("2106-3|2054-5", "2028-9|2106-3", "1002-5", "2076-8"))
SEEDED_PARENTS = ("parent", "mother", "father", "guardian")


def _language(k: int) -> str:
    turn = k % 5
    return "en" if turn < 3 else "es" if turn == 3 else OTHER_LANGUAGES[(k // 5) % 4]


def clean_row(k: int, age: int, rng: random.Random, *, newborn: bool = False,
              two_caregivers: bool = False) -> Row:
    """A child of ``age`` with no defect: every value informative and plausible for the age."""
    offset = rng.randint(3, 20) if newborn else rng.randint(35 if age == 0 else 1, 360)
    birth = (AS_OF - dt.timedelta(days=offset)) if newborn else birth_for(age, offset)
    lang = _language(k)
    interp = "N" if lang == "en" else ("N" if (k // 5) % 3 == 0 else "Y")
    row: Row = {
        "birth_date": birth.isoformat(),
        "sex_admin": "female" if k % 2 else "male",
        "race_codes": rng.choice(SEEDED_RACES),
        "ethnicity_code": "2135-2" if lang == "es" else "2186-5",
        "race_respondent": "self" if age >= 14 else rng.choice(SEEDED_PARENTS),
        "lang_spoken_pref": lang,
        "interpreter_needed": interp,
        "disability_cognition": ("yes" if k % 17 == 0 else "no") if age >= 5 else "NA",
        "caregiver1_relationship": rng.choice(("MTH", "MTH", "MTH", "GRMTH", "GUARD")),
        "caregiver1_lang_spoken_pref": lang,
        "caregiver1_interpreter_needed": interp,
        "caregiver1_is_primary_contact": "Y",
    }
    if age >= 12:
        row |= {"gender_identity": rng.choice(("446141000124107", "446151000124109")),
                "gender_identity_respondent": "self",
                "sexual_orientation": rng.choice(("20430005", "20430005", "42035005")),
                "sexual_orientation_respondent": "self"}
    if two_caregivers:
        row |= {"caregiver2_relationship": rng.choice(("FTH", "FTH", "GRFTH")),
                "caregiver2_lang_spoken_pref": lang, "caregiver2_interpreter_needed": interp,
                "caregiver2_is_primary_contact": "N"}
    return row


def _seed(name: str, row: Row) -> None:
    """Plant defect ``name`` in a clean row."""
    if name == "race_self_reported_at_6":
        row["race_respondent"] = "self"
    elif name == "sexual_orientation_at_7":
        row |= {"sexual_orientation": "20430005", "sexual_orientation_respondent": "parent"}
    elif name == "gender_identity_at_1":
        row |= {"gender_identity": "446151000124109", "gender_identity_respondent": "parent"}
    elif name == "caregiver_language_missing_at_2":
        row["caregiver1_lang_spoken_pref"] = ""
    elif name == "caregiver_missing_minor":
        for col in list(row):
            if col.startswith("caregiver"):
                row[col] = ""
    elif name == "adolescent_sogi_by_proxy":
        row |= {"gender_identity_respondent": "parent", "sexual_orientation_respondent": "parent"}
    elif name == "disability_answered_under_5":
        row["disability_cognition"] = "no"
    elif name == "sex_undetermined_after_neonatal":
        row["sex_admin"] = "UN"
    else:  # pragma: no cover - a new name without its defect
        raise ValueError(name)


def seeded_rows() -> list[Row]:
    """The rows of pediatric_seeded_defects.csv: clean base, then seeded rows, shuffled."""
    rng = random.Random(SEEDED_SEED)
    rows: list[Row] = []
    for age in range(18):
        for j in range(BASE_PER_AGE):
            k = age * BASE_PER_AGE + j
            newborn = age == 0 and j < BASE_NEWBORNS
            row = clean_row(k, age, rng, newborn=newborn, two_caregivers=k % 3 != 0)
            if newborn and j < BASE_NEWBORNS_UN:
                row["sex_admin"] = "UN"
            rows.append(row)
    k = len(rows)
    for name, (n, ages, _) in SEEDED.items():
        for i in range(n):
            age = ages[i % len(ages)]
            row = clean_row(k, age, rng)
            _seed(name, row)
            rows.append(row)
            k += 1
    rng.shuffle(rows)
    for pos, row in enumerate(rows):
        row["patient_id"] = f"PHIMARKER-{pos + 1:04d}"
        row["site_id"] = SEEDED_SITES[pos % 3]
    return rows


# ============================================================================ entry points


def generate(out_dir: Path) -> list[Path]:
    """Write both files under ``out_dir``; return their paths."""
    example = out_dir / EXAMPLE
    write(example, EXAMPLE_HEADER, example_rows())
    seeded = out_dir / SEEDED_FILE
    write(seeded, SEEDED_HEADER, seeded_rows())
    return [example, seeded]


def main(argv: Sequence[str]) -> int:
    """Command-line entry point."""
    root = Path(__file__).resolve().parent.parent
    out_dir = Path(argv[0]) if argv else root / "fixtures"
    for path in generate(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
