"""Locate: put each record in a ward and an area (data contract section 3).

In order: coordinates inside a ward polygon (in British National Grid); else a ward code in
the record that the wards file knows; else the LSOA's best-fit ward from the lookup; else,
when the record names its area, the area's "Unknown ward". Every record keeps a
``location_method`` saying which rule placed it, so the data-quality table can count them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import shapely

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
        lon = records.loc[use_lonlat, "longitude"].to_numpy(dtype=float)
        lat = records.loc[use_lonlat, "latitude"].to_numpy(dtype=float)
        easting[use_lonlat.to_numpy()], northing[use_lonlat.to_numpy()] = _TO_BNG.transform(
            lon, lat
        )
    return easting, northing


def ward_of_points(easting: np.ndarray, northing: np.ndarray, wards) -> pd.Series:
    """Ward code of the polygon each point lies in (missing when in none).

    A point on the shared edge of two wards goes to the first ward in file order.
    """
    codes = pd.Series(pd.NA, index=range(len(easting)), dtype="string")
    has_xy = ~(np.isnan(easting) | np.isnan(northing))
    points = shapely.points(easting[has_xy], northing[has_xy])
    point_index, ward_index = wards.sindex.query(points, predicate="within")
    first = pd.Series(ward_index).groupby(point_index).min()
    positions = np.flatnonzero(has_xy)[first.index.to_numpy()]
    codes.iloc[positions] = wards["ward_code"].to_numpy()[first.to_numpy()]
    return codes


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
    out = records.copy()
    easting, northing = to_british_national_grid(out)
    by_point = ward_of_points(easting, northing, wards)
    by_point.index = out.index
    known = set(wards["ward_code"])
    given = out["ward_code"].where(out["ward_code"].isin(known))
    by_lsoa = pd.Series(pd.NA, index=out.index, dtype="string")
    if lookup is not None:
        mapped = out["lsoa_code"].map(lookup.set_index("lsoa_code")["ward_code"])
        by_lsoa = mapped.where(mapped.isin(known)).astype("string")

    ward = by_point.fillna(given).fillna(by_lsoa)
    area_of_ward = wards.set_index("ward_code")["area_code"]
    known_areas = set(wards["area_code"])
    named_area = out["area_code"].where(out["area_code"].isin(known_areas))
    has_location = (
        ~np.isnan(easting)
        | out["ward_code"].notna()
        | out["lsoa_code"].notna()
        | out["area_code"].notna()
    )

    method = np.select(
        [by_point.notna(), given.notna(), by_lsoa.notna(), named_area.notna(), has_location],
        ["coordinates", "ward_code", "lsoa", "area_only", "outside"],
        default="none",
    )
    out["ward_code"] = ward.astype("string")
    out["area_code"] = ward.map(area_of_ward).fillna(named_area).astype("string")
    out["location_method"] = pd.Categorical(method, categories=list(LOCATION_METHODS))
    return out
