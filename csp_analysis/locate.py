"""Locate: put each record in a ward and an area (data contract section 3).

In order: coordinates inside a ward polygon (in British National Grid); else a ward code in
the record that the wards file knows; else the LSOA's best-fit ward from the lookup; else,
when the record names its area, the area's "Unknown ward". Every record keeps a
``location_method`` saying which rule placed it, so the data-quality table can count them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyproj
import shapely

from csp_analysis.classify import by_distinct, is_in

#: ``location_method`` values, in the order the rules are tried.
LOCATION_METHODS = {
    "coordinates": "Located by coordinates inside a ward",
    "ward_code": "Located by the ward code in the record",
    "lsoa": "Located by the LSOA's best-fit ward",
    "area_only": "In the area but no ward: counted as 'Unknown ward'",
    "outside": "Located outside every area in the wards file",
    "none": "No location (no coordinates, ward, LSOA or area)",
}

_TO_BNG = pyproj.Transformer.from_crs(4326, 27700, always_xy=True)


def to_british_national_grid(records: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing of each record: given, or projected from latitude/longitude.

    Returns two float arrays (NaN where the record has no coordinates).
    """
    easting = records["easting"].to_numpy(dtype=float, copy=True)
    northing = records["northing"].to_numpy(dtype=float, copy=True)
    use_lonlat = (
        (np.isnan(easting) | np.isnan(northing))
        & records["longitude"].notna()
        & records["latitude"].notna()
    )
    if use_lonlat.any():
        use = use_lonlat.to_numpy()
        lon = records["longitude"].to_numpy(dtype=float)[use]
        lat = records["latitude"].to_numpy(dtype=float)[use]
        (lon, lat), again = _distinct_points(lon, lat)
        x, y = _TO_BNG.transform(lon, lat)
        easting[use], northing[use] = np.asarray(x)[again], np.asarray(y)[again]
    return easting, northing


def _distinct_points(x: np.ndarray, y: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The distinct (x, y) pairs, and for each point the position of its pair among them.

    Published records share a few thousand anonymised map points, so each distinct point
    is projected and placed once.
    """
    x_code, x_bits = pd.factorize(x.view(np.uint64))  # bit for bit: -0.0 is not 0.0
    y_code, y_bits = pd.factorize(y.view(np.uint64))
    again, pairs = pd.factorize(x_code.astype(np.int64) * len(y_bits) + y_code)
    first = np.zeros(len(pairs), dtype=np.int64)
    first[again[::-1]] = np.arange(len(again))[::-1]
    return (x[first], y[first]), again


def ward_of_points(easting: np.ndarray, northing: np.ndarray, wards) -> pd.Series:
    """Ward code of the polygon each point lies in or on (missing when in none).

    A point on the shared edge of two wards goes to the first ward in file order; a point
    on a ward's outer edge is that ward's.
    """
    return Locator(wards).ward_of_points(easting, northing)


def locate_records(
    records: pd.DataFrame, wards, *, lookup: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Records with ``ward_code``, ``area_code`` and ``location_method`` set.

    ``records`` has the location columns of section 3 (latitude, longitude, easting,
    northing, ward_code, lsoa_code, area_code; missing values allowed). ``wards`` is the
    validated ward GeoDataFrame (EPSG:27700); ``lookup`` maps lsoa_code to ward_code.
    Returns a copy with ``ward_code`` (missing for "Unknown ward" and for records outside
    every area), ``area_code`` (missing when outside every area), ``location_method`` (a key
    of :data:`LOCATION_METHODS`). No row is removed.
    """
    return Locator(wards, lookup=lookup).locate(records)


class Locator:
    """:func:`locate_records` for many batches of records: the wards and lookup prepared once.

    The ward polygons prepared (each point tested against the wards whose bounding box holds
    it), and the codes as Arrow arrays and mappings.
    """

    def __init__(self, wards, *, lookup: pd.DataFrame | None = None) -> None:
        self.wards = wards
        self.polygons = wards.geometry.to_numpy()
        shapely.prepare(self.polygons)
        self.ward_codes = pa.array(wards["ward_code"], pa.large_string())
        self.area_codes = pa.array(wards["area_code"].unique(), pa.large_string())
        self.area_of_ward = wards.set_index("ward_code")["area_code"]
        self.ward_of_lsoa = self.lsoa_codes = None
        if lookup is not None:
            self.ward_of_lsoa = lookup.set_index("lsoa_code")["ward_code"]
            self.lsoa_codes = pa.array(lookup["lsoa_code"], pa.large_string())
        self._code_or_missing = pd.array([*wards["ward_code"], None], dtype="string")

    def ward_of_points(self, easting: np.ndarray, northing: np.ndarray) -> pd.Series:
        """:func:`ward_of_points` of these wards."""
        has_xy = ~(np.isnan(easting) | np.isnan(northing))
        (x, y), again = _distinct_points(easting[has_xy], northing[has_xy])
        points, wards = self.wards.sindex.query(shapely.points(x, y))  # bounding boxes
        inside = shapely.intersects_xy(self.polygons[wards], x[points], y[points])  # edge too
        first = np.full(len(x), len(self.polygons))  # past the last ward: in none
        np.minimum.at(first, points[inside], wards[inside])
        ward = np.full(len(easting), len(self.polygons))
        ward[has_xy] = first[again]
        return pd.Series(self._code_or_missing.take(ward))

    def locate(self, records: pd.DataFrame) -> pd.DataFrame:
        """:func:`locate_records` of ``records`` with these wards and lookup."""
        out = records.copy(deep=False)  # copy on write: the caller's frame is not changed
        easting, northing = to_british_national_grid(out)
        by_point = self.ward_of_points(easting, northing)
        by_point.index = out.index
        given = out["ward_code"].where(is_in(out["ward_code"], self.ward_codes))
        by_lsoa = pd.Series(pd.NA, index=out.index, dtype="string")
        if self.ward_of_lsoa is not None:
            mapped = by_distinct(out["lsoa_code"], lambda codes: codes.map(self.ward_of_lsoa))
            by_lsoa = mapped.where(is_in(mapped, self.ward_codes)).astype("string")

        ward = by_point.fillna(given).fillna(by_lsoa)
        named_area = out["area_code"].where(is_in(out["area_code"], self.area_codes))
        has_location = (
            ~np.isnan(easting)
            | out["ward_code"].notna()
            | out["lsoa_code"].notna()
            | out["area_code"].notna()
        )

        method = np.select(  # positions in LOCATION_METHODS
            [by_point.notna(), given.notna(), by_lsoa.notna(), named_area.notna(), has_location],
            [0, 1, 2, 3, 4],
            default=5,
        )
        out["ward_code"] = ward.astype("string")
        area = by_distinct(ward, lambda codes: codes.map(self.area_of_ward))
        out["area_code"] = area.fillna(named_area).astype("string")
        methods = list(LOCATION_METHODS)
        out["location_method"] = pd.Categorical.from_codes(method, categories=methods)
        return out
