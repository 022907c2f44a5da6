"""Locating records in wards (data contract section 3) and reading periods (section 6)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from csp_analysis.locate import locate_records
from csp_analysis.periods import Period, PeriodError


@pytest.fixture
def wards():
    """Two 1 km square wards in area A and one in area B, in British National Grid."""
    boxes = [
        shapely.box(400000, 300000, 401000, 301000),
        shapely.box(401000, 300000, 402000, 301000),
        shapely.box(402000, 300000, 403000, 301000),
    ]
    return gpd.GeoDataFrame(
        {
            "ward_code": ["W1", "W2", "W3"],
            "ward_name": ["One", "Two", "Three"],
            "area_code": ["A", "A", "B"],
            "area_name": ["Aa", "Aa", "Bb"],
        },
        geometry=boxes,
        crs=27700,
    )


def records(**columns):
    n = len(next(iter(columns.values())))
    base = {c: [np.nan] * n for c in ("latitude", "longitude", "easting", "northing")}
    base.update({c: [pd.NA] * n for c in ("ward_code", "lsoa_code", "area_code")})
    base.update(columns)
    frame = pd.DataFrame(base)
    for c in ("ward_code", "lsoa_code", "area_code"):
        frame[c] = frame[c].astype("string")
    return frame


def test_each_rule_in_order(wards):
    lookup = pd.DataFrame({"lsoa_code": ["L1"], "ward_code": ["W2"]})
    given = records(
        easting=[400500, np.nan, np.nan, np.nan, 500000, np.nan, 400500],
        northing=[300500, np.nan, np.nan, np.nan, 500000, np.nan, 300500],
        ward_code=[pd.NA, "W3", pd.NA, pd.NA, pd.NA, pd.NA, "W3"],
        lsoa_code=[pd.NA, pd.NA, "L1", pd.NA, "L9", pd.NA, pd.NA],
        area_code=[pd.NA, pd.NA, pd.NA, "A", pd.NA, pd.NA, pd.NA],
    )
    located = locate_records(given, wards, lookup=lookup)
    assert located["location_method"].tolist() == [
        "coordinates",
        "ward_code",
        "lsoa",
        "area_only",
        "outside",
        "none",
        "coordinates",
    ]
    assert located["ward_code"].tolist() == ["W1", "W3", "W2", pd.NA, pd.NA, pd.NA, "W1"]
    assert located["area_code"].tolist() == ["A", "B", "A", "A", pd.NA, pd.NA, "A"]
    assert len(located) == len(given)


def test_latitude_longitude_are_projected(wards):
    # A point placed by easting/northing and projected back to WGS84 lands in the same ward.
    import pyproj

    lon, lat = pyproj.Transformer.from_crs(27700, 4326, always_xy=True).transform(401500, 300500)
    located = locate_records(records(longitude=[lon], latitude=[lat]), wards)
    assert located["ward_code"].tolist() == ["W2"]


@pytest.mark.parametrize(
    ("text", "start", "end", "previous"),
    [
        ("2023-24", "2023-04", "2024-03", "2022-23"),
        ("2024-25Q1", "2024-04", "2024-06", "2023-24Q1"),
        ("2024-25Q3", "2024-10", "2024-12", "2023-24Q3"),
        ("2024-25Q4", "2025-01", "2025-03", "2023-24Q4"),
        ("1999-00", "1999-04", "2000-03", "1998-99"),
        ("2024-10:2025-09", "2024-10", "2025-09", "2023-10:2024-09"),
    ],
)
def test_periods(text, start, end, previous):
    period = Period.parse(text)
    assert (str(period.start), str(period.end)) == (start, end)
    assert period.previous().label == previous
    assert len(period.previous().months) == len(period.months)
    assert period.previous().end == period.end - 12


@pytest.mark.parametrize("text", ["2024-26", "2024", "2024-25Q5", "2025-09:2024-10", "Q4"])
def test_bad_periods(text):
    with pytest.raises(PeriodError, match=f"period '{text}'"):
        Period.parse(text)
