"""Malformed input, case by case: the exact message, the exit code, and never a traceback.

Each case starts from a small valid data directory (two wards of "Smallshire", a handful of
crimes, nominals and ASB incidents, written below by hand), changes or adds or removes a
few files, and runs ``csp validate`` and ``csp tables`` through :func:`csp_analysis.cli.main`.

Refused cases: ``csp validate`` prints ``ERROR  <file>: error: <message>`` and exits 1;
``csp tables`` prints ``error: <message>`` (one line) to stderr and exits 2.

Accepted cases: the data contract (sections 1, 3, 4, 5 and 7) accepts some inputs that an
issue once listed as malformed, so the toolkit keeps reading them and says what it did:

- UTF-8 with a byte order mark, Windows-1252 and CRLF line endings (section 1): the file's
  line in ``csp validate`` names the encoding, e.g. ``crimes.csv: 4 rows (windows-1252)``;
- dates written DD/MM/YYYY (section 4): ``crimes.csv: 4 rows (dates DD/MM/YYYY)``;
- records with no location, outside every area, with an unknown offence or with LSOA codes
  mostly not in the lookup (sections 3, 5 and 7: kept and counted): a count line or a
  ``note:`` naming how many and the first file and line;
- a ward polygon that is not valid (self-intersecting) is repaired, with a note naming the
  ward and its feature number (shown by ``csp validate`` and in every report's notes);
- data.police.uk months without a file (section 5: gaps, never zeros): a note naming the
  folder and the missing months.

These exit 0 from both commands and the test asserts the exact note.
"""

import gzip
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from csp_analysis.cli import main

pytestmark = pytest.mark.filterwarnings("ignore:'crs' was not provided")

# Two wards side by side near Shrewsbury, in longitude/latitude (GeoJSON's default CRS).
W1 = [[-2.80, 52.70], [-2.70, 52.70], [-2.70, 52.75], [-2.80, 52.75], [-2.80, 52.70]]
W2 = [[-2.70, 52.70], [-2.60, 52.70], [-2.60, 52.75], [-2.70, 52.75], [-2.70, 52.70]]
BOW_TIE = [[-2.70, 52.70], [-2.60, 52.75], [-2.60, 52.70], [-2.70, 52.75], [-2.70, 52.70]]
FLAT = [[-2.70, 52.70], [-2.65, 52.70], [-2.60, 52.70], [-2.70, 52.70]]


def geojson(second=W2, first=W1, *, crs: str | None = None) -> str:
    def feature(code, name, ring):
        geometry = None if ring is None else {"type": "Polygon", "coordinates": [ring]}
        properties = {
            "WD23CD": code,
            "WD23NM": name,
            "LAD23CD": "E06000099",
            "LAD23NM": "Smallshire",
        }
        return {"type": "Feature", "properties": properties, "geometry": geometry}

    content = {
        "type": "FeatureCollection",
        "features": [feature("E05000001", "One", first), feature("E05000002", "Two", second)],
    }
    if crs:
        content["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(content)


CRIMES = (
    "crime_id,date,offence,offence_subgroup,latitude,longitude,lsoa_code\n"
    "C1,2024-01-15,Assault with injury,Violence with injury,52.72,-2.75,\n"
    "C2,2024-02-10,Shoplifting,Shoplifting,,,E01000002\n"
    "C3,2025-01-20,Assault with injury,Violence with injury,52.72,-2.65,\n"
    "C4,2025-03-05,Shoplifting,Shoplifting,,,E01000001\n"
)
NOMINALS = "crime_id,person_id,role,age,sex\nC1,P1,victim,34,F\nC3,P2,suspect,,M\n"
ASB = (
    "incident_id,date,category,latitude,longitude\n"
    "A1,2024-01-03,nuisance,52.72,-2.75\n"
    "A2,2025-02-14,personal,52.72,-2.65\n"
)
POPULATION = "ward_code,population\nE05000001,1500\nE05000002,2500\n"
LOOKUP = "lsoa_code,ward_code\nE01000001,E05000001\nE01000002,E05000002\n"
BASE = {
    "wards.geojson": geojson(),
    "crimes.csv": CRIMES,
    "nominals.csv": NOMINALS,
    "asb.csv": ASB,
    "population.csv": POPULATION,
    "lsoa_ward_lookup.csv": LOOKUP,
}

POLICE_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
)


def police_row(month: str, kind: str = "Burglary", crime_id: str = "abc") -> str:
    return (
        f"{crime_id},{month},Smallshire Police,Smallshire Police,-2.75,52.72,On or near X,"
        f"E01000001,Smallshire 001A,{kind},Under investigation,\n"
    )


def police_files(months, **changes) -> dict:
    """Files for a data.police.uk directory (crimes.csv, asb.csv, nominals.csv removed)."""
    files = {"crimes.csv": None, "asb.csv": None, "nominals.csv": None}
    for month in months:
        rows = police_row(month) + police_row(month, "Anti-social behaviour", "")
        files[f"police_uk/{month}-smallshire-street.csv"] = POLICE_HEADER + rows
    files.update(changes)
    return files


def crimes_with(old: str, new: str) -> dict:
    assert old in CRIMES
    return {"crimes.csv": CRIMES.replace(old, new, 1)}


def gpkg(tmp_path, *, crs) -> bytes:
    path = tmp_path / "scratch.gpkg"
    frame = gpd.GeoDataFrame(
        {
            "ward_code": ["E05000001", "E05000002"],
            "ward_name": ["One", "Two"],
            "area_name": ["Smallshire", "Smallshire"],
        },
        geometry=[shapely.Polygon(W1), shapely.Polygon(W2)],
        crs=crs,
    )
    frame.to_file(path)
    return path.read_bytes()


def gzipped(text: str, cut: int | None = None) -> bytes:
    return gzip.compress(text.encode(), mtime=0)[:cut]


CRIMES_WITHOUT_OFFENCE = "".join(
    ",".join(row.split(",")[:2] + row.split(",")[3:]) + "\n" for row in CRIMES.splitlines()
)
DATE_HINT = "(expected YYYY-MM-DD or DD/MM/YYYY"

# (case, files: name -> text, bytes, callable(tmp_path) or None to remove, message, exit code)
REFUSED = [
    (
        "missing required column",
        {"crimes.csv": CRIMES_WITHOUT_OFFENCE},
        "crimes.csv line 1: column 'offence' is required but missing (the header has: "
        "crime_id, date, offence_subgroup, latitude, longitude, lsoa_code)",
    ),
    (
        "renamed column",
        crimes_with("crime_id", "crime_ref"),
        "crimes.csv line 1: column 'crime_id' is required but missing (the header has: "
        "crime_ref, date, offence, offence_subgroup, latitude, longitude, lsoa_code; did you "
        "mean 'crime_ref'? map it under `columns:` in the config (crimes: {crime_ref: "
        "crime_id}))",
    ),
    (
        "renamed column in nominals",
        {"nominals.csv": NOMINALS.replace("person_id", "person_ref")},
        "nominals.csv line 1: column 'person_id' is required but missing (the header has: "
        "crime_id, person_ref, role, age, sex; did you mean 'person_ref'? map it under "
        "`columns:` in the config (nominals: {person_ref: person_id}))",
    ),
    (
        "empty file",
        {"crimes.csv": ""},
        "crimes.csv line 1: the file is empty (expected a header row)",
    ),
    (
        "header only",
        {"crimes.csv": CRIMES.splitlines()[0] + "\r\n\r\n"},
        "crimes.csv line 2: the file has a header but no records",
    ),
    (
        "semicolon delimiter",
        {"crimes.csv": CRIMES.replace(",", ";")},
        "crimes.csv line 1: fields are separated by ';' (expected commas: save the file as "
        "'CSV UTF-8 (Comma delimited)')",
    ),
    (
        "tab delimiter",
        {"crimes.csv": CRIMES.replace(",", "\t")},
        "crimes.csv line 1: fields are separated by tabs (expected commas: save the file as "
        "'CSV UTF-8 (Comma delimited)')",
    ),
    (
        "Excel title rows above the header",
        {
            "crimes.csv": "Crime extract: Smallshire,,,,,,\nRun on 01/04/2025,,,,,,\n,,,,,,\n"
            + CRIMES
        },
        "crimes.csv line 4: the column names are on this line, below 3 title rows (delete "
        "lines 1 to 3 so that the column names are on line 1)",
    ),
    (
        "one unpadded title row",
        {"crimes.csv": "Crimes in Smallshire\n" + CRIMES},
        "crimes.csv line 2: the column names are on this line, below 1 title row (delete "
        "line 1 so that the column names are on line 1)",
    ),
    (
        "title row in the population file",
        {"population.csv": "Mid-2022 estimates,\n" + POPULATION},
        "population.csv line 2: the column names are on this line, below 1 title row (delete "
        "line 1 so that the column names are on line 1)",
    ),
    (
        "Excel workbook saved with a .csv name",
        {"crimes.csv": b"PK\x03\x04\x14\x00\x06\x00" + bytes(40)},
        "crimes.csv: is an Excel workbook (or another zip file), not CSV text: in Excel use "
        "Save As 'CSV UTF-8 (Comma delimited)'",
    ),
    (
        "UTF-16 (Excel Unicode Text)",
        {"crimes.csv": b"\xff\xfe" + CRIMES.replace(",", "\t").encode("utf-16-le")},
        "crimes.csv line 1: is UTF-16 text (Excel's 'Unicode Text'), not UTF-8 or "
        "Windows-1252: in Excel use Save As 'CSV UTF-8 (Comma delimited)'",
    ),
    (
        "NUL byte",
        {"crimes.csv": CRIMES.replace("Shoplifting", "Shop\x00lifting", 1).encode()},
        "crimes.csv line 3: contains a NUL character (byte 0), so it is not CSV text: is it "
        "a binary or damaged file? Save it again as 'CSV UTF-8 (Comma delimited)'",
    ),
    (
        "row with more fields than the header",
        crimes_with("Shoplifting,Shoplifting", "Shoplifting, theft,Shoplifting"),
        "crimes.csv line 3: has 8 fields but the header has 7 (a value that contains a comma "
        "must be in double quotes)",
    ),
    (
        "unclosed double quote",
        crimes_with("C2,2024-02-10,Shoplifting", 'C2,2024-02-10,"Shoplifting'),
        "crimes.csv line 3: opens a double quote that is never closed (the rest of the file "
        "would be one value)",
    ),
    (
        "bad date after a value spanning two lines",
        {
            "crimes.csv": CRIMES.replace(
                "C2,2024-02-10,Shoplifting", 'C2,2024-02-10,"Shop\nlifting"'
            ).replace("2025-01-20", "2025-13-20")
        },
        "crimes.csv line 5: column 'date' = '2025-13-20' is not a date " + DATE_HINT + ")",
    ),
    (
        "dates as Excel serial numbers",
        crimes_with("2024-01-15", "45306"),
        "crimes.csv line 2: column 'date' = '45306' looks like an Excel serial number, not a "
        "date (in Excel, 45306 is 2024-01-15: format the column as a date, YYYY-MM-DD or "
        "DD/MM/YYYY, before saving)",
    ),
    (
        "impossible date",
        crimes_with("2024-02-10", "31/02/2024"),
        "crimes.csv line 3: column 'date' = '31/02/2024' is not a date " + DATE_HINT + ")",
    ),
    (
        "US month-first date",
        crimes_with("2025-03-05", "03/25/2025"),
        "crimes.csv line 5: column 'date' = '03/25/2025' is not a date " + DATE_HINT + "; it "
        "looks like month first, MM/DD/YYYY, as US settings write it)",
    ),
    (
        "date in the future",
        crimes_with("2025-03-05", "2031-03-05"),
        "crimes.csv line 5: column 'date' = '2031-03-05' is in the future (a record's date "
        "cannot be after today)",
    ),
    (
        "date before 2000",
        {"asb.csv": ASB.replace("2024-01-03", "01/01/1900")},
        "asb.csv line 2: column 'date' = '01/01/1900' is before 2000-01-01, too early for a "
        "recorded crime or incident (a placeholder date, or a typing error?)",
    ),
    (
        "duplicate crime_id",
        crimes_with("C3,", "C1,"),
        "crimes.csv line 4: column 'crime_id' = 'C1' repeats the value on line 2 (each value "
        "must be unique)",
    ),
    (
        "blank crime_id",
        crimes_with("C3,", ","),
        "crimes.csv line 4: column 'crime_id' = '' is blank (a value is required)",
    ),
    (
        "nominal pointing at a missing crime",
        {"nominals.csv": NOMINALS.replace("C3,P2", "C9,P2")},
        "nominals.csv line 3: column 'crime_id' = 'C9' is not a crime in crimes.csv (every "
        "nominal must point to a crime)",
    ),
    (
        "unknown role",
        {"nominals.csv": NOMINALS.replace("suspect", "Witness")},
        "nominals.csv line 3: column 'role' = 'Witness' is not one of: victim, suspect",
    ),
    (
        "unknown sex",
        {"nominals.csv": NOMINALS.replace(",F\n", ",X\n")},
        "nominals.csv line 2: column 'sex' = 'X' is not one of: female, male, unknown",
    ),
    (
        "age out of range",
        {"nominals.csv": NOMINALS.replace(",34,", ",340,")},
        "nominals.csv line 2: column 'age' = '340' is not an age in whole years (0 to 120)",
    ),
    (
        "unknown ASB category",
        {"asb.csv": ASB.replace("personal", "Noise")},
        "asb.csv line 3: column 'category' = 'Noise' is not one of: personal, nuisance, "
        "environmental",
    ),
    (
        "negative population",
        {"population.csv": POPULATION.replace("2500", "-2500")},
        "population.csv line 3: column 'population' = '-2500' is negative (expected residents)",
    ),
    (
        "non-numeric population",
        {"population.csv": POPULATION.replace("1500", "n/a")},
        "population.csv line 2: column 'population' = 'n/a' is not a number",
    ),
    (
        "zero population",
        {"population.csv": POPULATION.replace("2500", "0")},
        "population.csv line 3: column 'population' = '0' is zero for E05000002 (a rate per "
        "1,000 residents needs residents: check the figure, or leave the row out)",
    ),
    (
        "population by LSOA without the lookup",
        {
            "population.csv": "lsoa_code,population\nE01000001,1500\nE01000002,2500\n",
            "lsoa_ward_lookup.csv": None,
            "crimes.csv": CRIMES.replace("E01000002", "").replace("E01000001", ""),
        },
        "population.csv: column 'lsoa_code' gives population by LSOA, so "
        "lsoa_ward_lookup.csv is needed to add it up to wards",
    ),
    (
        "wards file with no geometry",
        {"wards.geojson": geojson(None, None)},
        "wards.geojson: column 'geometry' has no ward polygons (every feature's geometry is "
        "empty or unreadable)",
    ),
    (
        "one ward without geometry",
        {"wards.geojson": geojson(None)},
        "wards.geojson line 2: column 'geometry' is empty for ward E05000002 Two (feature 2 "
        "of the file has no polygon)",
    ),
    (
        "ward polygon with no area even after repair",
        {"wards.geojson": geojson(FLAT)},
        "wards.geojson line 2: column 'geometry' of ward E05000002 Two is not a valid "
        "polygon (Self-intersection) and has no area even after repair",
    ),
    (
        "CRS missing",
        {"wards.geojson": None, "wards.gpkg": lambda tmp: gpkg(tmp, crs=None)},
        "wards.gpkg: has no coordinate reference system (CRS); save it with one, e.g. "
        "EPSG:27700 or EPSG:4326",
    ),
    (
        "British National Grid GeoJSON without a CRS",
        {
            "wards.geojson": geojson(
                [[401000, 300000], [402000, 300000], [402000, 301000], [401000, 300000]],
                [[400000, 300000], [401000, 300000], [401000, 301000], [400000, 300000]],
            )
        },
        "wards.geojson: says its coordinates are longitude and latitude (WGS 84), but they "
        "reach 402,000, 301,000: they look like British National Grid metres. Save the file "
        "with its real CRS (e.g. EPSG:27700); a GeoJSON without a CRS is read as longitude "
        "and latitude",
    ),
    (
        "wards file that is not JSON",
        {"wards.geojson": '{"type": "FeatureCollection",\n "features": [,]}'},
        "wards.geojson line 2: is not valid JSON: Expecting value at character 15 (export "
        "the boundaries again as GeoJSON)",
    ),
    (
        "corrupt GeoPackage",
        {"wards.geojson": None, "wards.gpkg": b"SQLite format 3\x00" + b"\x01" * 2000},
        "wards.gpkg: cannot be read as a boundary file (expected GeoJSON, GeoPackage or "
        "shapefile): file is not a database",
    ),
    (
        "swapped latitude and longitude",
        {
            "crimes.csv": CRIMES.replace("52.72,-2.75", "-2.75,52.72").replace(
                "52.72,-2.65", "-2.65,52.72"
            )
        },
        "crimes.csv line 2: column 'latitude' = '-2.75' is a longitude and column 'longitude' "
        "= '52.72' is a latitude (2 of 2 rows with coordinates): the two columns are swapped "
        "(swap their names in the header)",
    ),
    (
        "LSOA codes of another vintage (none in the lookup)",
        {"lsoa_ward_lookup.csv": LOOKUP.replace("E010", "E011")},
        "crimes.csv line 3: column 'lsoa_code' = 'E01000002' is not in lsoa_ward_lookup.csv, "
        "and neither is any other record's LSOA code (2 records): the lookup must be of the "
        "same LSOA vintage as the records (2021 LSOAs, E01 codes; 2011 codes differ where "
        "LSOAs were split or merged), and cover the area",
    ),
    (
        "truncated gzip",
        police_files(
            ["2025-01"],
            **{"police_uk/2025-01-smallshire-street.csv": None},
            **{
                "police_uk/2025-01-smallshire-street.csv.gz": gzipped(
                    POLICE_HEADER + police_row("2025-01") * 200, 200
                )
            },
        ),
        "2025-01-smallshire-street.csv.gz: cannot be read: the gzip file is truncated (it "
        "ends early; download or copy it again)",
    ),
    (
        "damaged gzip",
        police_files(
            ["2025-01"],
            **{"police_uk/2025-01-smallshire-street.csv": None},
            **{
                "police_uk/2025-01-smallshire-street.csv.gz": (
                    lambda raw: raw[:12] + b"\xff" * 8 + raw[20:]
                )(gzipped(POLICE_HEADER + police_row("2025-01") * 200))
            },
        ),
        "2025-01-smallshire-street.csv.gz: cannot be read: the gzip data is damaged (download "
        "or copy it again)",
    ),
    (
        "plain text named .gz",
        police_files(
            ["2025-01"],
            **{"police_uk/2025-01-smallshire-street.csv": None},
            **{"police_uk/2025-01-smallshire-street.csv.gz": POLICE_HEADER + police_row("2025-01")},
        ),
        "2025-01-smallshire-street.csv.gz: cannot be read: it is not a gzip file, though its "
        "name ends in .gz",
    ),
    (
        "police.uk file missing a column",
        police_files(
            ["2025-01"],
            **{
                "police_uk/2025-01-smallshire-street.csv": POLICE_HEADER.replace("Context", "Notes")
                + police_row("2025-01")
            },
        ),
        "2025-01-smallshire-street.csv line 1: column 'Context' is missing: a data.police.uk "
        "street file has columns Crime ID, Month, Reported by, Falls within, Longitude, "
        "Latitude, Location, LSOA code, LSOA name, Crime type, Last outcome category, Context",
    ),
    (
        "directory with no wards file",
        {"wards.geojson": None},
        "data: has no wards file (expected wards.geojson, wards.gpkg or wards.shp): the wards "
        "are required",
    ),
    (
        "ward with no name",  # issue 7: passed csp validate, then a TypeError
        {"wards.geojson": geojson().replace('"Two"', "null")},
        "wards.geojson line 2: column 'ward_name' is empty for ward E05000002 (feature 2 of "
        "the file has no ward name): every ward needs a code and a name for the tables and "
        "maps",
    ),
    (
        "ward with a blank code",
        {"wards.geojson": geojson().replace('"E05000001"', '" "')},
        "wards.geojson line 1: column 'ward_code' is empty for ward One (feature 1 of the "
        "file has no ward code): every ward needs a code and a name for the tables and maps",
    ),
]

# (case, files, text that ``csp validate`` prints): read, with a note; exit code 0.
ACCEPTED = [
    (
        "Windows-1252 characters",
        {
            "crimes.csv": CRIMES.replace(
                "Shoplifting,Shoplifting", "Shoplifting – £5,Shoplifting", 1
            ).encode("cp1252")
        },
        "  ok     crimes.csv: 4 rows (windows-1252)\n",
    ),
    (
        "UTF-8 with BOM and CRLF",
        {"crimes.csv": b"\xef\xbb\xbf" + CRIMES.replace("\n", "\r\n").encode()},
        "  ok     crimes.csv: 4 rows (utf-8 with BOM)\n",
    ),
    (
        "dates as DD/MM/YYYY",
        {
            "crimes.csv": CRIMES.replace("2024-01-15", "15/01/2024").replace(
                "2025-03-05", "5/3/2025"
            )
        },
        "  ok     crimes.csv: 4 rows (dates YYYY-MM-DD and DD/MM/YYYY)\n",
    ),
    (
        "blank lines and trailing commas in the header",
        {
            "crimes.csv": CRIMES.replace("lsoa_code\n", "lsoa_code,,\n\n")
            .replace("\n", ",,\n")
            .replace("lsoa_code,,,,", "lsoa_code,,")
        },
        "  ok     crimes.csv: 4 rows\n",
    ),
    (
        "invalid (self-intersecting) ward polygon",
        {"wards.geojson": geojson(BOW_TIE)},
        "note: wards.geojson line 2: the polygon of ward E05000002 Two was not valid "
        "(Self-intersection) and was repaired; check the boundary file.\n",
    ),
    (
        "coordinates outside the area",
        crimes_with("52.72,-2.75", "51.50,-0.12"),
        "note: crimes.csv: 1 of 4 records is outside every area of the wards file (first: "
        "crimes.csv line 2); they are kept and counted in the data-quality table.\n",
    ),
    (
        "record with no location",
        crimes_with("52.72,-2.75", ","),
        "          1  No location (no coordinates, ward, LSOA or area)\n",
    ),
    (
        "unknown offence",
        {"crimes.csv": CRIMES.replace("Shoplifting,Shoplifting", "Gardening,", 1)},
        "note: crimes.csv: 1 record has an offence that could not be classified (first: "
        "crimes.csv line 3, 'Gardening'); they are kept, with subgroup and group 'Unknown'.\n",
    ),
    (
        "offence subgroup the classification does not know",  # issue 7: was 'Unknown'
        {
            "crimes.csv": CRIMES.replace(
                "Shoplifting,Shoplifting",
                "Domestic abuse investigation,Other crimes against society",
            )
        },
        "note: crimes.csv: 2 records have an offence subgroup or group that the Home Office "
        "classification does not know (first: crimes.csv line 3, 'Other crimes against "
        "society'); they keep the labels the extract gives and are counted in the "
        "data-quality table.\n",
    ),
    (
        "two wards with the same name",
        {"wards.geojson": geojson().replace('"Two"', '"One"')},
        "note: 2 wards of Smallshire are named 'One': E05000001 (wards.geojson feature 1), "
        "E05000002 (wards.geojson feature 2). Tables and maps show the name more than once; "
        "the ward codes tell them apart.\n",
    ),
    (
        "LSOA codes mostly not in the lookup",
        {
            "crimes.csv": CRIMES.replace("E01000002", "E01099999")
            .replace("E01000001", "E01099998")
            .replace("-2.75,", "-2.75,E01000001")
        },
        "note: 2 of 2 records that only an LSOA code can place have a code not in "
        "lsoa_ward_lookup.csv (first: crimes.csv line 3, 'E01099999'), so they are in no "
        "ward. If they are in the area, the lookup must be of the same LSOA vintage as the "
        "records (2021 LSOAs, E01 codes; 2011 codes differ where LSOAs were split or "
        "merged).\n",
    ),
    (
        "police.uk folder with months missing",
        police_files(["2024-01", "2024-02", "2024-03", "2025-01", "2025-02", "2025-03"]),
        "note: The data.police.uk files in police_uk/ cover 2024-01 to 2025-03 but 9 months "
        "have no file (2024-04 to 2024-12): those months show as gaps, never as zero, and "
        "trend tests use the latest unbroken run of months.\n",
    ),
]


def write_data(tmp_path, changes: dict):
    folder = tmp_path / "data"
    files = BASE | changes
    for name, content in files.items():
        path = folder / name
        if content is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content = content(tmp_path)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
    return folder


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


TABLES = ["--area", "Smallshire", "--period", "2025-01:2025-03", "--theme", "overview"]


def test_there_are_at_least_thirty_cases():
    assert len(REFUSED) + len(ACCEPTED) >= 30
    assert len({case[0] for case in REFUSED + ACCEPTED}) == len(REFUSED) + len(ACCEPTED)


def test_the_base_directory_is_valid(tmp_path, capsys):
    data = write_data(tmp_path, {})
    code, out, err = run(capsys, "validate", "--data-dir", str(data))
    assert code == 0, out + err
    assert "All files can be used." in out
    assert "note:" not in out
    code, out, err = run(
        capsys, "tables", "--data-dir", str(data), *TABLES, "--out", str(tmp_path / "o")
    )
    assert code == 0, err


@pytest.mark.parametrize(("case", "files", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_one_message(tmp_path, capsys, case, files, message):
    data = write_data(tmp_path, files)
    code, out, err = run(capsys, "validate", "--data-dir", str(data))
    assert code == 1
    assert f"error: {message}\n" in out
    assert err == "1 file(s) cannot be used.\n"
    code, out, err = run(
        capsys, "tables", "--data-dir", str(data), *TABLES, "--out", str(tmp_path / "o")
    )
    assert (code, err) == (2, f"error: {message}\n")


@pytest.mark.parametrize(("case", "files", "expected"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_accepted_with_a_note(tmp_path, capsys, case, files, expected):
    data = write_data(tmp_path, files)
    code, out, err = run(capsys, "validate", "--data-dir", str(data))
    assert (code, err) == (0, ""), out
    assert expected in out
    assert out.endswith("All files can be used.\n")
    code, out, err = run(
        capsys, "tables", "--data-dir", str(data), *TABLES, "--out", str(tmp_path / "o")
    )
    assert (code, err) == (0, "")


@pytest.mark.parametrize("case", ["dates as Excel serial numbers", "directory with no wards file"])
def test_csp_run_refuses_with_the_same_message(tmp_path, capsys, case):
    files, message = next((f, m) for c, f, m in REFUSED if c == case)
    data = write_data(tmp_path, files)
    code, out, err = run(
        capsys,
        "run",
        "--data-dir",
        str(data),
        "--period",
        "2025-01:2025-03",
        "--out",
        str(tmp_path / "pack"),
    )
    assert (code, err) == (2, f"error: {message}\n")


def test_public_data_has_no_lsoa_note(public_dataset):
    # Rows placed outside the area by their coordinates are not "placed only by LSOA".
    assert not [note for note in public_dataset.notes if "LSOA code can place" in note]


def test_a_local_offence_subgroup_keeps_its_label_in_the_tables(tmp_path, capsys):
    # Issue 7: a force's "Domestic abuse investigation" records with the local subgroup
    # "Other crimes against society" showed as "Unknown" in the overview breakdown.
    local = "Domestic abuse investigation,Other crimes against society"
    data = write_data(tmp_path, {"crimes.csv": CRIMES.replace("Shoplifting,Shoplifting", local)})
    out = tmp_path / "o"
    command = ["tables", "--data-dir", str(data), *TABLES, "--restricted", "--out", str(out)]
    code, _, err = run(capsys, *command)
    assert (code, err) == (0, "")
    breakdown = pd.read_csv(out / "overview" / "breakdown.csv")
    assert breakdown.set_index("category")[["current", "previous"]].to_dict("index") == {
        "Other crimes against society": {"current": 1, "previous": 1},
        "Violence with injury": {"current": 1, "previous": 1},
    }
    quality = pd.read_csv(out / "overview" / "data_quality.csv")
    columns = ["description", "period", "records", "outcome"]
    notes = quality.loc[quality["step"] == "classify", columns]
    text = (
        "Offence not in the Home Office classification: shown under the subgroup and "
        "group the extract gives ('Other crimes against society'), not as 'Unknown'"
    )
    assert notes.to_numpy().tolist() == [
        [text, "current", 1, "note"],
        [text, "previous", 1, "note"],
    ]
