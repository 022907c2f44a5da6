"""Property-based tests (hypothesis) of the readers, validators and record accounting.

1. Any text saved as a CSV file either reads and validates to one row per non-blank record,
   or raises :class:`~csp_analysis.read.InputError`: nothing else escapes.
2. Tables of plausible and broken values (blanks, junk dates and numbers, unknown
   categories, duplicate ids, quoted commas and line breaks) give one row per non-blank
   input row, each with the line it starts on, or one InputError naming a line of the file.
3. Records loaded from a random data directory are all accounted for: in each profile's
   data-quality table, the included and excluded counts add up to the records read, and
   the included current-period count is the headline total.
"""

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csp_analysis.config import load_settings
from csp_analysis.load import load_dataset
from csp_analysis.profile import build_profile
from csp_analysis.read import InputError, read_table
from csp_analysis.validate import (
    validate_asb,
    validate_crimes,
    validate_lookup,
    validate_nominals,
    validate_population,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Text with quotes, commas, line breaks, accents and other awkward characters.
AWKWARD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
    max_size=12,
)
DATES = st.sampled_from(
    [
        "2024-01-15",
        "15/01/2024",
        "5/6/2024",
        "2024-05-31 10:30",
        "2024-05-31T10:30:00",
        "",
        "31/02/2024",
        "45306",
        "2024-13-01",
        "yesterday",
        "2099-01-01",
        "1899-12-31",
        "02/25/2024",
    ]
)
IDS = st.sampled_from(["C1", "C2", "C3", "C4", " C5 ", ""]) | st.text(
    alphabet="ABC123", min_size=1, max_size=4
)
NUMBERS = st.sampled_from(["52.7", "-2.75", "", "abc", "1,234", "#VALUE!", "0", "-5", "1e3"])
FLAGS = st.sampled_from(["Y", "no", "TRUE", "0", "", "maybe"])

COLUMNS = {
    "crimes": (
        validate_crimes,
        {
            "crime_id": IDS,
            "date": DATES,
            "offence": st.sampled_from(["Assault with injury", "Shoplifting", "Gardening", ""]),
            "offence_subgroup": st.sampled_from(["Violence with injury", "Shoplifting", ""]),
            "latitude": NUMBERS,
            "longitude": NUMBERS,
            "domestic_abuse": FLAGS,
            "hate_strands": st.sampled_from(["", "race", "race;Religion", "football"]),
            "notes": AWKWARD,
        },
    ),
    "asb": (
        validate_asb,
        {
            "incident_id": IDS,
            "date": DATES,
            "category": st.sampled_from(["nuisance", "AS-Personal", "environmental", "noise", ""]),
            "easting": NUMBERS,
            "northing": NUMBERS,
            "ward_code": AWKWARD,
        },
    ),
    "nominals": (
        validate_nominals,
        {
            "crime_id": IDS,
            "person_id": IDS,
            "role": st.sampled_from(["victim", "Suspect", "witness", ""]),
            "age": NUMBERS,
            "sex": st.sampled_from(["F", "male", "U", "", "x"]),
            "ethnicity": AWKWARD,
        },
    ),
    "population": (
        validate_population,
        {"ward_code": IDS, "population": NUMBERS},
    ),
    "lsoa_ward_lookup": (validate_lookup, {"lsoa_code": IDS, "ward_code": IDS}),
}


@st.composite
def tables(draw, role: str):
    """(file bytes, rows as written, start line of each row) for one file role."""
    _, columns = COLUMNS[role]
    names = list(columns)
    if draw(st.booleans()):  # a subset of the columns, in another order
        names = draw(st.permutations(names))[: draw(st.integers(1, len(names)))]
    rows = draw(st.lists(st.tuples(*(columns[n] for n in names)).map(list), min_size=0, max_size=8))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    out, starts, line = io.StringIO(), [], 1
    for row in [names, *rows]:
        piece = io.StringIO()
        csv.writer(piece, lineterminator=terminator).writerow(row)
        starts.append(line)
        line += piece.getvalue().count("\n")
        out.write(piece.getvalue())
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    return raw, rows, starts[1:]


def read_and_validate(role: str, raw: bytes) -> pd.DataFrame:
    validate, _ = COLUMNS[role]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{role}.csv"
        path.write_bytes(raw)
        return validate(read_table(path))


@pytest.mark.parametrize("role", list(COLUMNS))
@SETTINGS
@given(data=st.data())
def test_tables_give_a_row_per_record_or_one_input_error(role, data):
    raw, rows, starts = data.draw(tables(role))
    lines = raw.count(b"\n") + 1
    try:
        frame = read_and_validate(role, raw)
    except InputError as error:
        assert str(error).startswith(f"{role}.csv")
        assert error.line is None or 1 <= error.line <= lines
        assert "\n" not in str(error)
        return
    kept = [start for row, start in zip(rows, starts, strict=True) if any(row)]
    if role == "population":
        return  # one row per area code (checked for repeats), not per line
    if role == "lsoa_ward_lookup":
        assert len(frame) == len(kept)
        return
    assert frame["line"].tolist() == kept


@SETTINGS
@given(text=st.text(max_size=200), binary=st.binary(max_size=60))
def test_any_file_content_reads_or_raises_an_input_error(text, binary):
    for raw in (text.encode("utf-8"), binary, ("crime_id,date\n" + text).encode("utf-8")):
        try:
            frame = read_and_validate("crimes", raw)
        except InputError as error:
            assert str(error).startswith("crimes.csv")
            continue
        assert frame["line"].is_monotonic_increasing


# A random data directory: two wards of area A and one of area B, records anywhere.
WARDS = """{"type": "FeatureCollection", "features": [%s]}"""
FEATURE = (
    '{"type": "Feature", "properties": {"ward_code": "%s", "ward_name": "%s", '
    '"area_code": "%s", "area_name": "%s"}, "geometry": {"type": "Polygon", '
    '"coordinates": [[[%s, 52.7], [%s, 52.7], [%s, 52.75], [%s, 52.75], [%s, 52.7]]]}}'
)


def wards_geojson() -> str:
    features = []
    for code, area, west in (("W1", "A", -2.8), ("W2", "A", -2.7), ("W3", "B", -2.6)):
        east = round(west + 0.1, 2)
        name = {"A": "Aville", "B": "Beeshire"}[area]
        features.append(FEATURE % (code, code, area, name, west, east, east, west, west))
    return WARDS % ", ".join(features)


RECORD = st.fixed_dictionaries(
    {
        "date": st.dates(pd.Timestamp("2023-01-01").date(), pd.Timestamp("2025-06-30").date()),
        "offence": st.sampled_from(
            ["Assault with injury", "Shoplifting", "Possession of cannabis", "Gardening"]
        ),
        "place": st.sampled_from(["W1", "W2", "W3", "far", "none", "lsoa", "ward", "area"]),
        "domestic_abuse": st.sampled_from(["Y", "N", ""]),
    }
)
PLACES = {
    "W1": ("52.72", "-2.75", "", "", ""),
    "W2": ("52.72", "-2.65", "", "", ""),
    "W3": ("52.72", "-2.55", "", "", ""),
    "far": ("51.5", "-0.12", "", "", ""),
    "none": ("", "", "", "", ""),
    "lsoa": ("", "", "", "L1", ""),
    "ward": ("", "", "W2", "", ""),
    "area": ("", "", "", "", "A"),
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(RECORD, min_size=1, max_size=40))
def test_every_record_is_included_or_excluded_once(records):
    # The first and last months, so that the data covers the periods compared.
    for day in ("2023-01-01", "2025-06-30"):
        records = [*records, {**records[0], "date": pd.Timestamp(day).date()}]
    header = (
        "crime_id,date,offence,offence_code,latitude,longitude,ward_code,lsoa_code,"
        "area_code,domestic_abuse\n"
    )
    lines = [
        f"C{i},{r['date']:%d/%m/%Y},{r['offence']},,{','.join(PLACES[r['place']])},"
        f"{r['domestic_abuse']}"
        for i, r in enumerate(records)
    ]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "wards.geojson").write_text(wards_geojson())
        (root / "crimes.csv").write_text(header + "\n".join(lines) + "\n")
        (root / "lsoa_ward_lookup.csv").write_text("lsoa_code,ward_code\nL1,W1\n")
        (root / "population.csv").write_text("ward_code,population\nW1,100\nW2,200\nW3,300\n")
        settings_ = load_settings(None, data_dir=root)
        dataset = load_dataset(settings_)
    assert len(dataset.crimes) == len(records)
    period = "2025-01:2025-03"
    for name in ("overview", "domestic_abuse"):
        theme = settings_.themes[name]
        profile = build_profile(dataset, area="A", period=period, theme=theme)
        if not profile.available:
            continue
        table = profile.data_quality
        read = table.loc[table["outcome"] == "read", "records"].sum()
        counted = table.loc[table["outcome"].isin(["included", "excluded"]), "records"].sum()
        assert read == counted == len(records)
        current = table.loc[
            (table["outcome"] == "included") & table["description"].str.contains("current"),
            "records",
        ].sum()
        assert current == profile.headline.set_index("measure").loc["total", "current"]
