"""Reading and validating input files: encodings, columns, and messages that name the line."""

import gzip

import pandas as pd
import pytest

from csp_analysis.read import InputError, read_police_uk_file, read_table
from csp_analysis.validate import (
    validate_asb,
    validate_crimes,
    validate_nominals,
    validate_police_uk,
    validate_population,
)

CRIMES = (
    "crime_id,date,offence,offence_code,domestic_abuse,hate_strands,latitude,longitude\n"
    "C1,2025-01-05,Assault with injury,8N,Y,,52.7,-2.75\n"
    "C2,06/02/2025,Shoplifting,46,no,race;religion,,\n"
)


def write(tmp_path, name, text, encoding="utf-8", newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def test_utf8_bom_crlf_and_case_insensitive_headers(tmp_path):
    text = CRIMES.replace("crime_id,date", " Crime_ID , DATE ")
    path = tmp_path / "crimes.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    frame = read_table(path)
    assert frame.attrs["encoding"] == "utf-8 with BOM"
    crimes = validate_crimes(frame)
    assert crimes["crime_id"].tolist() == ["C1", "C2"]
    assert crimes["date"].tolist() == [pd.Timestamp("2025-01-05"), pd.Timestamp("2025-02-06")]
    assert crimes["line"].tolist() == [2, 3]


def test_windows_1252_is_decoded(tmp_path):
    path = write(
        tmp_path, "crimes.csv", CRIMES.replace("Shoplifting", "Shoplifting – £5"), encoding="cp1252"
    )
    frame = read_table(path)
    assert frame.attrs["encoding"] == "windows-1252"
    assert frame.loc[1, "offence"] == "Shoplifting – £5"


def test_flags_and_strands_are_typed(tmp_path):
    crimes = validate_crimes(read_table(write(tmp_path, "crimes.csv", CRIMES)))
    assert crimes["domestic_abuse"].tolist() == [True, False]
    assert crimes["hate_strands"].tolist() == [(), ("race", "religion")]
    assert crimes["month"].astype(str).tolist() == ["2025-01", "2025-02"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            CRIMES.replace("2025-01-05", "31/02/2025"),
            "crimes.csv line 2: column 'date' = '31/02/2025' is not a date (expected YYYY-MM-DD or "
            "DD/MM/YYYY)",
        ),
        (
            CRIMES.replace("2025-01-05", "45678"),
            "crimes.csv line 2: column 'date' = '45678' looks like an Excel serial number",
        ),
        (
            CRIMES.replace("C2,", "C1,"),
            "crimes.csv line 3: column 'crime_id' = 'C1' repeats the value on line 2",
        ),
        (
            CRIMES.replace(",Y,", ",maybe,"),
            "crimes.csv line 2: column 'domestic_abuse' = 'maybe' is not a yes/no value",
        ),
        (
            CRIMES.replace("race;religion", "race;football"),
            "crimes.csv line 3: column 'hate_strands' = 'race;football' names a strand",
        ),
        (
            CRIMES.replace("crime_id,date", "crime_ref,date"),
            "crimes.csv line 1: column 'crime_id' is required but missing "
            "(the header has: crime_ref,",
        ),
        (
            CRIMES.replace("offence_code", "code"),
            "crimes.csv line 1: column 'offence_subgroup' is missing: one of offence_subgroup, "
            "offence_code is required",
        ),
        (CRIMES.replace(",", ";"), "crimes.csv line 1: fields are separated by ';'"),
        ("", "crimes.csv line 1: the file is empty"),
    ],
)
def test_bad_crimes_get_one_clear_message(tmp_path, text, expected):
    with pytest.raises(InputError) as caught:
        validate_crimes(read_table(write(tmp_path, "crimes.csv", text)))
    assert str(caught.value).startswith(expected)


def test_nominal_pointing_at_a_missing_crime(tmp_path):
    text = "crime_id,person_id,role,age,sex\nC1,P1,victim,34,F\nC9,P2,suspect,,\n"
    with pytest.raises(
        InputError,
        match=r"nominals.csv line 3: column 'crime_id' = 'C9' is "
        r"not a crime in crimes.csv",
    ):
        validate_nominals(read_table(write(tmp_path, "nominals.csv", text)), pd.Series(["C1"]))


def test_nominals_normalise_sex_and_not_stated_ethnicity(tmp_path):
    text = (
        "crime_id,person_id,role,age,sex,ethnicity\nC1,P1,Victim,34,F,Not stated\n"
        "C1,P2,suspect,,,Indian\n"
    )
    people = validate_nominals(read_table(write(tmp_path, "nominals.csv", text)))
    assert people["role"].tolist() == ["victim", "suspect"]
    assert people["sex"].tolist() == ["female", "unknown"]
    assert people["ethnicity"].isna().tolist() == [True, False]


def test_unknown_role_is_refused(tmp_path):
    text = "crime_id,person_id,role\nC1,P1,witness\n"
    with pytest.raises(InputError, match="line 2: column 'role' = 'witness' is not one of"):
        validate_nominals(read_table(write(tmp_path, "nominals.csv", text)))


def test_asb_categories_accept_seed_labels(tmp_path):
    text = "incident_id,date,category\nA1,2025-01-01,AS-Nuisance\nA2,2025-01-02,personal\n"
    asb = validate_asb(read_table(write(tmp_path, "asb.csv", text)))
    assert asb["category"].tolist() == ["nuisance", "personal"]


def test_population_negative_and_non_numeric(tmp_path):
    for value, message in (("-5", "is negative"), ("lots", "is not a number")):
        path = write(tmp_path, "population.csv", f"ward_code,population\nE05000001,{value}\n")
        with pytest.raises(InputError, match=f"line 2: column 'population' = .*{message}"):
            validate_population(read_table(path))


POLICE_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
)
ASB_ROW = (
    ",2025-01,West Mercia Police,West Mercia Police,-2.75,52.7,On or near X,E01028891,"
    "Shropshire 001A,Anti-social behaviour,,\n"
)
CRIME_ROW = (
    "abc,2025-01,West Mercia Police,West Mercia Police,,,No location,,,Drugs,Under investigation,\n"
)


def test_police_uk_file_gzip_crlf_duplicates_and_asb(tmp_path):
    path = tmp_path / "2025-01-west-mercia-street.csv.gz"
    text = POLICE_HEADER + ASB_ROW + ASB_ROW + CRIME_ROW
    path.write_bytes(gzip.compress(text.replace("\n", "\r\n").encode()))
    rows = validate_police_uk(read_police_uk_file(path))
    assert rows["is_asb"].tolist() == [True, True, False]
    assert rows["duplicate"].tolist() == [False, True, False]
    assert rows["crime_id"].isna().tolist() == [True, True, False]
    assert rows["month"].astype(str).unique().tolist() == ["2025-01"]
    # The published LSOA name is kept: its local authority places records of other areas.
    assert rows["lsoa_name"].tolist() == ["Shropshire 001A", "Shropshire 001A", pd.NA]


def test_police_uk_truncated_gzip(tmp_path):
    path = tmp_path / "2025-01-west-mercia-street.csv.gz"
    path.write_bytes(gzip.compress((POLICE_HEADER + ASB_ROW * 50).encode())[:60])
    with pytest.raises(InputError, match="2025-01-west-mercia-street.csv.gz: cannot be read"):
        read_police_uk_file(path)


def test_police_uk_missing_column(tmp_path):
    path = write(
        tmp_path,
        "2025-01-x-street.csv",
        POLICE_HEADER.replace("Crime type,", "") + CRIME_ROW.replace("Drugs,", ""),
    )
    with pytest.raises(InputError, match="line 1: column 'Crime type' is missing"):
        read_police_uk_file(path)


def test_unreadable_coordinates_are_kept_and_marked(tmp_path):
    text = CRIMES.replace("52.7,-2.75", "252.7,-2.75").replace(
        "religion,,", "religion,#VALUE!,-2.7"
    )
    crimes = validate_crimes(read_table(write(tmp_path, "crimes.csv", text)))
    assert crimes["coordinates_unreadable"].tolist() == [True, True]
    assert crimes[["latitude", "longitude"]].isna().all().all()
