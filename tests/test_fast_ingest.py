"""The fast ingest path (pyarrow) gives exactly what the text path gives, or falls back to it.

The slow path is the text reader alone: :func:`csp_analysis.read.read_police_uk_arrow` made
to refuse every file, so every file goes through ``read_table`` and ``validate_police_uk``
as before the fast path existed.
"""

import gzip
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import csp_analysis.load
import csp_analysis.read
from csp_analysis.classify import by_distinct, distinct_rows, is_in
from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.load import StreetFiles, load_dataset
from csp_analysis.locate import ward_of_points
from csp_analysis.read import (
    POLICE_UK_COLUMNS,
    InputError,
    read_police_uk_arrow,
    read_police_uk_file,
    read_police_uk_tables,
    read_table,
)
from csp_analysis.validate import crimes_first, validate_police_uk, validate_police_uk_many

CRIME_TYPES = ["Burglary", "Drugs", "Violence and sexual offences", "Shoplifting", "Other crime"]
HEADER = ",".join(POLICE_UK_COLUMNS) + "\n"


def street_rows(demo_dir) -> dict[str, list[str]]:
    """The demo crimes and ASB as data.police.uk street lines, by month."""
    crimes = pd.read_csv(demo_dir / "crimes.csv", dtype=str, keep_default_na=False)
    asb = pd.read_csv(demo_dir / "asb.csv", dtype=str, keep_default_na=False)
    lines: dict[str, list[str]] = {}
    for i, row in enumerate(crimes.itertuples()):
        kind = CRIME_TYPES[i % len(CRIME_TYPES)]
        lines.setdefault(row.date[:7], []).append(
            f"{row.crime_id},{row.date[:7]},Demo Police,Demo Police,{row.longitude},"
            f"{row.latitude},On or near Demo Street,,Demoshire 00{i % 9}A,{kind},"
            "Under investigation,"
        )
    for row in asb.itertuples():
        lines.setdefault(row.date[:7], []).append(
            f",{row.date[:7]},Demo Police,Demo Police,,,On or near {row.incident_id},,,"
            "Anti-social behaviour,,"
        )
    for month in list(lines)[::5]:  # an exact duplicate now and then
        lines[month].append(lines[month][0])
    return lines


@pytest.fixture(scope="module")
def street_dir(demo_dir, tmp_path_factory):
    """Demo wards and population, with the records as data.police.uk street files."""
    folder = tmp_path_factory.mktemp("street")
    for name in ("wards.geojson", "population.csv"):
        shutil.copy(demo_dir / name, folder / name)
    (folder / "police_uk").mkdir()
    for n, (month, lines) in enumerate(sorted(street_rows(demo_dir).items())):
        text = HEADER + "\n".join(lines) + "\n"
        name = folder / "police_uk" / f"{month}-demo-street.csv"
        if n % 2:
            name.with_suffix(".csv.gz").write_bytes(gzip.compress(text.encode()))
        else:
            name.write_text(text)
    return folder


def slow(monkeypatch, function, *args):
    """``function(*args)`` with the fast reader refusing every file (the text path alone)."""
    with monkeypatch.context() as patch:
        patch.setattr(csp_analysis.read, "read_police_uk_arrow", lambda path: None)
        return function(*args)


def assert_same_dataset(fast, slow_dataset):
    for name in ("crimes", "asb"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow_dataset, name))
    assert fast.files == slow_dataset.files
    assert fast.notes == slow_dataset.notes
    assert fast.months_covered.equals(slow_dataset.months_covered)


def settings_for(folder):
    return load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=folder)


def test_demo_street_files_load_the_same_fast_and_slow(street_dir, monkeypatch):
    settings = settings_for(street_dir)
    assert all(read_police_uk_arrow(p) is not None for p in street_dir.glob("police_uk/*"))
    assert_same_dataset(load_dataset(settings), slow(monkeypatch, load_dataset, settings))


def test_every_published_line_is_a_record_with_its_line(street_dir, demo_dir):
    settings = settings_for(street_dir)
    dataset = load_dataset(settings)
    expected = street_rows(demo_dir)
    assert len(dataset.crimes) + len(dataset.asb) == sum(len(v) for v in expected.values())
    rows = pd.concat([dataset.crimes, dataset.asb])
    duplicates = rows.loc[rows["duplicate"]]
    assert len(duplicates) == len(list(expected)[::5])
    for row in duplicates.itertuples():
        month = row.source_file[:7]
        assert row.line == len(expected[month]) + 1  # the last line; the header is line 1


def test_text_frame_is_the_same_fast_and_slow(street_dir):
    for path in sorted(street_dir.glob("police_uk/*")):
        fast = read_police_uk_file(path)
        text = read_table(path, canonical=False)
        text = text.rename(columns={c: csp_analysis.read.canonical_name(c) for c in text})
        text.attrs["file"] = str(path)
        pd.testing.assert_frame_equal(fast, text)
        assert fast.attrs == text.attrs


ROW = "abc,2025-01,Demo Police,Demo Police,0.2,54.8,On or near X,,Demoshire 001A,Drugs,,"
ASB = ",2025-01,Demo Police,Demo Police,,,No location,,,Anti-social behaviour,,"


@pytest.mark.parametrize(
    ("case", "content", "line"),
    [
        ("byte order mark", b"\xef\xbb\xbf" + (HEADER + ROW + "\n").encode(), 2),
        ("windows-1252", (HEADER + ROW.replace("near X", "Caf\xe9") + "\n").encode("cp1252"), 2),
        ("blank line", (HEADER + ASB + "\n\n" + ROW + "\n").encode(), 4),
        (
            "quoted newline",
            (HEADER + ASB + "\n" + ROW.replace("On or near X", '"X\nY"')).encode(),
            3,
        ),
        ("row of empty fields", (HEADER + ",,,,,,,,,,,\n" + ROW + "\n").encode(), 3),
        ("quoted header", (HEADER.replace("Month", '"Month"') + ROW).encode(), 2),
        ("CR line ends", (HEADER + ASB + "\n" + ROW).replace("\n", "\r").encode(), 3),
        ("header with another column", (HEADER.replace("Context", "Context2") + ROW).encode(), 0),
    ],
)
def test_unusual_files_fall_back_and_load_as_before(
    case, content, line, street_dir, tmp_path, monkeypatch
):
    folder = tmp_path / "data"
    shutil.copytree(street_dir, folder)
    (folder / "police_uk" / "2025-01-odd-street.csv").write_bytes(content)
    assert read_police_uk_arrow(folder / "police_uk" / "2025-01-odd-street.csv") is None
    settings = settings_for(folder)
    if not line:  # refused: the same message as the text path gives
        with pytest.raises(InputError) as fast_error:
            load_dataset(settings)
        with pytest.raises(InputError) as slow_error:
            slow(monkeypatch, load_dataset, settings)
        assert str(fast_error.value) == str(slow_error.value)
        assert "2025-01-odd-street.csv line 1: column 'Context' is missing" in str(fast_error.value)
        return
    fast = load_dataset(settings)
    assert_same_dataset(fast, slow(monkeypatch, load_dataset, settings))
    odd = fast.crimes.loc[fast.crimes["source_file"] == "2025-01-odd-street.csv"]
    assert odd["line"].tolist() == [line]
    assert odd["crime_id"].tolist() == ["abc"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ROW.replace("2025-01", "2025/01"),
            "2025-01-odd-street.csv line 3: column 'month' = '2025/01' is not a month",
        ),
        (
            ROW.replace("2025-01", "2099-01"),
            "2025-01-odd-street.csv line 3: column 'month' = '2099-01' is in the future",
        ),
        (
            ROW.replace("2025-01", "1999-12"),
            "2025-01-odd-street.csv line 3: column 'month' = '1999-12' is before 2000-01",
        ),
        (
            ROW.replace(",0.2,", ",east,"),
            "2025-01-odd-street.csv line 3: column 'longitude' = 'east' is not a number",
        ),
        (
            ROW.replace("Drugs", " "),
            "2025-01-odd-street.csv line 3: column 'crime_type' = ' ' is blank",
        ),
    ],
)
def test_refused_values_keep_their_file_line_and_column(row, message, street_dir, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(street_dir, folder)
    path = folder / "police_uk" / "2025-01-odd-street.csv"
    path.write_text(HEADER + ASB + "\n" + row + "\n")
    assert read_police_uk_arrow(path) is not None  # plain: validation refuses it
    with pytest.raises(InputError) as error:
        load_dataset(settings_for(folder))
    assert str(error.value).startswith(message)


def test_the_first_bad_file_in_name_order_is_named(street_dir, tmp_path):
    """A later file the fast reader refuses does not hide an earlier file's bad value."""
    folder = tmp_path / "data"
    shutil.copytree(street_dir, folder)
    (folder / "police_uk" / "2025-01-a-street.csv").write_text(
        HEADER + ROW.replace("2025-01", "2025/01") + "\n"
    )
    (folder / "police_uk" / "2025-01-b-street.csv").write_bytes(b"\xef\xbb\xbf" + b"Month\n")
    with pytest.raises(InputError, match="2025-01-a-street.csv line 2: column 'month'"):
        load_dataset(settings_for(folder))


def test_by_distinct_is_the_function_applied_to_every_value():
    values = pd.Series(["b", None, "a", "b", " a", None], dtype="string", index=[5, 4, 3, 2, 1, 0])
    function = lambda s: s.str.strip().str.upper()  # noqa: E731
    pd.testing.assert_series_equal(by_distinct(values, function), function(values))
    mapped = by_distinct(values, lambda s: s.map({"a": "x"}.get, na_action="ignore"))
    assert mapped.isna().tolist() == [True, True, False, True, True, True]
    assert mapped[3] == "x"
    assert mapped.index.tolist() == [5, 4, 3, 2, 1, 0]


def test_points_sharing_a_place_are_placed_alike(demo_dataset):
    wards = demo_dataset.wards
    centre = wards.geometry.representative_point()
    x = np.repeat(centre.x.to_numpy(), 3)
    y = np.repeat(centre.y.to_numpy(), 3)
    x[::7], y[::7] = np.nan, np.nan
    codes = ward_of_points(x, y, wards)
    expected = np.repeat(wards["ward_code"].to_numpy(), 3).astype(object)
    expected[::7] = None
    assert codes.astype(object).where(codes.notna(), None).tolist() == expected.tolist()


@pytest.mark.public_data
def test_public_months_load_the_same_fast_and_slow(public_settings, public_dataset, monkeypatch):
    assert_same_dataset(public_dataset, slow(monkeypatch, load_dataset, public_settings))
    streets = [f for f in public_dataset.files if "-street.csv" in f["file"]]
    assert len(streets) > 10 and all(f["encoding"] == "utf-8" for f in streets)


def test_duplicates_are_exact_and_within_one_file(tmp_path):
    """A line is a duplicate only of an earlier line of its file with every field the same."""
    asb = ",2025-01,Demo Police,Demo Police,0.1,54.1,On or near X,,Demoshire 001A,"
    asb += "Anti-social behaviour,,"
    other_context = asb + "Seen twice"  # differs only in a column a record drops
    other_force = asb.replace("Demo Police,Demo Police", "Demo Police,Other Police")
    a = tmp_path / "2025-01-a-street.csv"
    a.write_text(HEADER + "\n".join([asb, other_context, asb, other_force, ROW, ROW]) + "\n")
    b = tmp_path / "2025-01-b-street.csv"
    b.write_text(HEADER + asb + "\n")
    names = [a.name, b.name]
    tables = read_police_uk_tables([a, b])
    assert all(table is not None for table in tables)  # both plain
    rows, files, refused = validate_police_uk_many(tables, names)
    assert not refused.any()
    found = zip(files, rows["line"], rows["duplicate"], strict=True)
    flagged = {(names[file], line) for file, line, duplicate in found if duplicate}
    assert flagged == {(a.name, 4), (a.name, 7)}  # the second asb, the second ROW
    alone = validate_police_uk(read_police_uk_file(a))  # the text path, file by file
    assert alone.loc[alone["duplicate"], "line"].tolist() == [4, 7]
    assert rows["is_asb"].tolist() == [False] * 2 + [True] * 5  # crimes first
    assert crimes_first(rows, asb=False)["line"].tolist() == [6, 7]


def test_distinct_rows_tell_apart_every_value():
    frame = pd.DataFrame(
        {
            "x": [0.0, -0.0, np.nan, 0.0, np.nan, 1.5],
            "code": pd.array(["a", "a", None, "a", None, "b"], dtype="string"),
            "same": pd.array([None] * 6, dtype="string"),
            "constant": [2.0] * 6,
        }
    )
    again, first = distinct_rows(frame)
    assert again.tolist() == [0, 1, 2, 0, 2, 3]  # -0.0 is not 0.0; missing values alike
    assert first.tolist() == [0, 1, 2, 5]
    assert distinct_rows(frame.iloc[:0])[0].tolist() == []


def test_a_batch_taken_in_runs_of_files_loads_as_taken_whole(street_dir, monkeypatch):
    """A batch is validated and placed in runs of the files read so far: any runs, one result."""
    settings = settings_for(street_dir)
    whole = load_dataset(settings)

    def one_by_one(files, reading):
        for path, future in zip(files, reading, strict=True):
            yield [path], [future.result()]

    monkeypatch.setattr(StreetFiles, "_runs", staticmethod(one_by_one))
    assert len(whole.files) > 3
    assert_same_dataset(load_dataset(settings), whole)


@pytest.mark.parametrize("extract", ["crimes.csv", "asb.csv"])
def test_street_files_give_only_the_kind_a_partner_extract_does_not(
    extract, street_dir, demo_dir, tmp_path, monkeypatch
):
    """With crimes.csv (or asb.csv) the street files' other kind is loaded as alone, and the
    kind the extract gives is not located from them (nor counted among the peer areas)."""
    folder = tmp_path / "both"
    shutil.copytree(street_dir, folder)
    shutil.copy(demo_dir / extract, folder / extract)
    from_extract, from_streets = ("crimes", "asb") if extract == "crimes.csv" else ("asb", "crimes")
    streets = load_dataset(settings_for(street_dir))
    located = []
    locate = csp_analysis.load._locate
    monkeypatch.setattr(
        csp_analysis.load,
        "_locate",
        lambda rows, inputs: located.append(len(rows)) or locate(rows, inputs),
    )
    both = load_dataset(settings_for(folder))
    pd.testing.assert_frame_equal(getattr(both, from_streets), getattr(streets, from_streets))
    extract_rows = len(pd.read_csv(demo_dir / extract, dtype=str))
    assert len(getattr(both, from_extract)) == extract_rows
    assert sum(located) == extract_rows + len(getattr(streets, from_streets))


def test_is_in_is_pandas_isin():
    allowed = ["a", "c", "x"]
    for dtype in ("string", "str", object):
        values = pd.Series(["a", None, "b", "c", "a"], dtype=dtype, index=[4, 3, 2, 1, 0])
        found = is_in(values, pa.array(allowed, pa.large_string()))
        pd.testing.assert_series_equal(found, values.isin(allowed))


def test_a_point_on_a_ward_edge_is_in_the_first_ward_in_file_order():
    import geopandas as gpd
    from shapely.geometry import box

    wards = gpd.GeoDataFrame(
        {"ward_code": ["E05000002", "E05000001"], "area_code": ["E06000001"] * 2},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        crs="EPSG:27700",
    )
    x = np.array([100.0, 150.0, 0.0, 250.0, 50.0])  # shared edge, inside, outer edge, outside
    y = np.array([50.0, 50.0, 50.0, 50.0, 100.0])  # and on the top edge of the first
    codes = ward_of_points(x, y, wards)
    assert codes.tolist()[:3] == ["E05000002", "E05000001", "E05000002"]
    assert pd.isna(codes[3]) and codes[4] == "E05000002"
