"""Where crime concentrates: Lorenz curve, Gini, top shares and hot spots.

Concentration across places (wards, grid cells): :func:`lorenz`, :func:`gini` (plain,
generalised for sparse counts as Bernasco and Steenbeek 2017 and the R package lorenzgini,
and the small-sample "unbiased" forms) and :func:`top_share`.

Hot spots: :func:`gi_star` (local Getis-Ord Gi* with binary distance-band weights, the place
itself included, computed by PySAL's ``esda.G_Local``), :func:`classify_hotspots`
(Benjamini-Hochberg false discovery rate control across every place given, all areas
together), :func:`ward_hotspots` (the two on ward polygons), :func:`grid_counts` (a
complete regular grid of counts) and :func:`hotspot_classify` (emerging, persistent,
former and intermittent hot and cold spots over periods, as the R package sfhotspot).

Every function is pure: no I/O, no printing and no global random state.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as sps

__all__ = [
    "classify_hotspots",
    "default_distance",
    "gi_star",
    "gini",
    "grid_counts",
    "hotspot_classify",
    "lorenz",
    "top_share",
    "ward_hotspots",
]

#: False discovery rate at which a place is called a hot or cold spot.
FDR_LEVEL = 0.05
HOT_SPOT, COLD_SPOT = "hot spot", "cold spot"
NOT_SIGNIFICANT, NOT_TESTED = "not significant", "not tested"
#: Grids with more cells than this are refused (sfhotspot warns at 100,000).
MAX_GRID_CELLS = 1_000_000
#: Relative slack added to computed neighbour distances so rounding never drops a neighbour.
_SLACK = 1e-9


# ------------------------------------------------------------------------- checks


def _values(values: ArrayLike, name: str = "counts") -> tuple[np.ndarray, pd.Index]:
    """Values as a float array and their labels (a Series' index, else positions)."""
    labels = values.index if isinstance(values, pd.Series) else None
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {x.shape}")
    if len(x) == 0:
        raise ValueError(f"{name} is empty: there are no places")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite numbers (no NaN or infinity)")
    if np.any(x < 0):
        raise ValueError(f"{name} must be non-negative")
    return x, (labels if labels is not None else pd.RangeIndex(len(x)))


def _fraction(value: float, name: str, *, upper_closed: bool = False) -> float:
    ok = 0 < value <= 1 if upper_closed else 0 < value < 1
    if not ok:
        interval = "(0, 1]" if upper_closed else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return float(value)


# ------------------------------------------------------------------ concentration


def lorenz(counts: ArrayLike) -> pd.DataFrame:
    """The Lorenz curve of counts across places, from the place with the most events.

    Places are ordered from the most events to the fewest (ties keep their input order),
    as lorenzgini's ``lorenz`` and the crime-concentration literature do, so the curve
    reads "the top x% of places hold y% of events" and lies on or above the diagonal.
    The first row is the origin (0, 0).

    Parameters
    ----------
    counts : array-like or pandas.Series
        Events (or harm) per place, non-negative; a Series' index names the places.

    Returns
    -------
    pandas.DataFrame
        n + 1 rows (n places) with columns ``places`` (number of places counted so far,
        0 to n), ``share_of_places`` (places / n), ``place`` (label of the place added at
        this row, None at the origin), ``count`` (its count, NaN at the origin),
        ``events`` (cumulative count) and ``share_of_events`` (events / total; NaN
        everywhere when the total is 0).

    Raises
    ------
    ValueError
        If counts are empty, not one-dimensional, negative or not finite.

    Examples
    --------
    >>> lorenz([1, 3])[["share_of_places", "share_of_events"]].to_numpy().tolist()
    [[0.0, 0.0], [0.5, 0.75], [1.0, 1.0]]
    """
    x, labels = _values(counts)
    order = np.argsort(-x, kind="stable")
    n, total = len(x), x.sum()
    events = np.concatenate([[0.0], np.cumsum(x[order])])
    return pd.DataFrame(
        {
            "places": np.arange(n + 1),
            "share_of_places": np.arange(n + 1) / n,
            "place": pd.Series([None, *labels[order]], dtype=object),
            "count": np.concatenate([[np.nan], x[order]]),
            "events": events,
            "share_of_events": events / total if total > 0 else np.full(n + 1, np.nan),
        }
    )


def top_share(counts: ArrayLike, *, fraction: float, whole_places: bool = False) -> float:
    """Share of all events in the top ``fraction`` of places (those with the most events).

    By default the share is read off the Lorenz curve (:func:`lorenz`) by linear
    interpolation: the top 10% of 25 places are 2.5 places, i.e. the two busiest places
    and half of the third. This is continuous in ``fraction`` and comparable between areas
    with different numbers of wards. With ``whole_places=True`` the number of places is
    rounded up instead (ceil(fraction x n), at least 1): the share held by the 3 busiest
    of 25 places. Ties do not matter either way.

    Parameters
    ----------
    counts : array-like or pandas.Series
        Events (or harm) per place, non-negative.
    fraction : float
        Fraction of places, in (0, 1]: 0.05 for the top 5%, 0.1 for the top 10%.
    whole_places : bool, optional
        Round the number of places up instead of interpolating (default False).

    Returns
    -------
    float
        The share, from 0 to 1 (not a percentage); NaN when all counts are 0.

    Examples
    --------
    >>> top_share([6, 2, 1, 1], fraction=0.25)
    0.6
    >>> top_share([6, 2, 1, 1], fraction=0.3)
    0.64
    >>> top_share([6, 2, 1, 1], fraction=0.3, whole_places=True)
    0.8
    """
    fraction = _fraction(fraction, "fraction", upper_closed=True)
    x, _ = _values(counts)
    total = x.sum()
    if total == 0:
        return float("nan")
    events = np.concatenate([[0.0], np.cumsum(np.sort(x)[::-1])])
    places = fraction * len(x)
    if whole_places:
        return float(events[max(1, math.ceil(round(places, 9)))] / total)
    return float(np.interp(places, np.arange(len(x) + 1), events) / total)


def gini(counts: ArrayLike, *, generalised: bool = False, unbiased: bool = False) -> float:
    """The Gini coefficient of counts across places: plain, generalised or unbiased.

    As ``gini`` in the R package lorenzgini (Bernasco and Steenbeek 2017), whose plain form
    is DescTools' ``Gini``: with counts sorted ascending, x_(1) <= ... <= x_(n),
    G = 2 sum(i x_(i)) / (n sum(x)) - 1 - 1/n, the area between the Lorenz curve and the
    diagonal over the area above the diagonal. Its most unequal value is (n - 1)/n.

    ``generalised=True`` is the generalised Gini for sparse counts (fewer events C than
    places n): G' = max(1, n/C) (G - 1) + 1, the Gini measured against the line of maximal
    equality that is possible with C events (each in a different place). It equals G when
    C >= n. ``unbiased=True`` multiplies by m/(m - 1) with m = n (plain) or m = min(n, C)
    (generalised), Deltas' (2003) small-sample correction (lorenzgini's default; not ours).

    Parameters
    ----------
    counts : array-like or pandas.Series
        Events per place, non-negative. The plain Gini also takes harm (any non-negative
        values); the generalised Gini needs whole-number counts.
    generalised : bool, optional
        Generalised Gini for sparse counts (default False).
    unbiased : bool, optional
        Small-sample correction m/(m - 1) (default False).

    Returns
    -------
    float
        The coefficient, from 0 (every place the same) towards 1; NaN when all counts are
        0, or when ``unbiased`` and m is 1.

    Raises
    ------
    ValueError
        If counts are empty, negative or not finite, or (generalised) not whole numbers.

    Examples
    --------
    >>> round(gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]), 10)
    0.8
    >>> round(gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0], generalised=True), 10)
    0.75
    """
    x, _ = _values(counts)
    n, total = len(x), x.sum()
    if total == 0:
        return float("nan")
    ascending = np.sort(x)
    g = 2 * np.sum(np.arange(1, n + 1) * ascending) / (n * total) - 1 - 1 / n
    m = n
    if generalised:
        if not np.all(x == np.round(x)):
            raise ValueError("the generalised Gini needs whole-number counts of events")
        g = max(1.0, n / total) * (g - 1) + 1
        m = min(n, total)
    if unbiased:
        g = g * m / (m - 1) if m > 1 else float("nan")
    return float(g)


# ---------------------------------------------------------------------- hot spots


def _points(points: ArrayLike, n: int) -> np.ndarray:
    xy = np.asarray(points, dtype=float)
    if xy.shape != (n, 2):
        raise ValueError(f"points must have shape ({n}, 2) (x, y per value), got {xy.shape}")
    if not np.all(np.isfinite(xy)):
        raise ValueError("points must be finite coordinates (no NaN or infinity)")
    return xy


def default_distance(points: ArrayLike) -> float:
    """The smallest distance that gives every point at least one neighbour.

    libpysal's ``min_threshold_distance`` (the largest nearest-neighbour distance), plus a
    relative 1e-9 so that rounding never leaves the farthest point without its neighbour.

    Parameters
    ----------
    points : array-like
        Shape (n, 2), x and y in metres (British National Grid), n >= 2.

    Returns
    -------
    float
        The distance, in the units of ``points``.
    """
    from libpysal.weights import min_threshold_distance

    xy = np.asarray(points, dtype=float)
    xy = _points(xy, len(xy))
    if len(xy) < 2:
        raise ValueError("a neighbour distance needs at least 2 points")
    return float(min_threshold_distance(xy)) * (1 + _SLACK)


def gi_star(values: ArrayLike, points: ArrayLike, *, distance: float) -> pd.DataFrame:
    """Local Getis-Ord Gi* z-scores with binary distance-band weights, the place included.

    Computed by PySAL: ``esda.G_Local(y, w, transform="B", star=True)`` with
    ``w = libpysal.weights.DistanceBand(points, threshold=distance, binary=True)``: each
    place's neighbourhood is itself and every place within ``distance`` (inclusive), all
    weighted 1. The z-score is Ord and Getis' (1995) standardised Gi*: positive where the
    neighbourhood holds more than its share of the total, negative where less.

    Parameters
    ----------
    values : array-like or pandas.Series
        Count, harm or rate per place, non-negative, at least 3 places; a Series' index
        becomes the result's index.
    points : array-like
        Shape (n, 2): x and y of each place in metres (British National Grid, EPSG:27700),
        in the order of ``values``. No two places may share a point.
    distance : float
        Neighbourhood radius, in the units of ``points``. Changing it changes the result.

    Returns
    -------
    pandas.DataFrame
        One row per place (index as ``values``) with columns ``value``, ``neighbours``
        (other places within ``distance``), ``z`` (Gi* z-score) and ``p`` (two-sided
        p-value from the normal distribution, 2 (1 - Phi(|z|))). ``z`` and ``p`` are NaN
        where Gi* says nothing: an island (no other place within ``distance``: PySAL would
        compare the place's own value with the mean, which is not a cluster), a
        neighbourhood holding every place, or all values equal (zero variance).

    Raises
    ------
    ValueError
        If values are negative or not finite, fewer than 3, points have the wrong shape or
        repeat a point, or ``distance`` is not positive.

    Notes
    -----
    The p-value is the normal one that Getis and Ord defined and that sfhotspot (spdep's
    ``localG``) and ArcGIS report, not esda's permutation ``p_sim``: permutation p-values
    depend on a random seed, are one-sided ("folded") and cannot go below
    1/(permutations + 1), which caps what a false discovery rate across many places can
    find. The normal approximation is itself rough for small, skewed counts: read z as a
    screening statistic, not an exact probability.

    Examples
    --------
    >>> points = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    >>> out = gi_star([2, 3, 3.2, 5, 8, 7], points, distance=15)
    >>> out["z"].round(4).tolist()
    [-1.3973, -0.2892, 0.6506, -0.2892, 1.2345, 2.0242]
    """
    y, labels = _values(values, "values")
    return _gi_star(y, labels, _DistanceBand(_points(points, len(y)), distance, labels))


class _DistanceBand:
    """Gi*'s binary distance-band weights of some points, the place included.

    Built once for every set of values on the same points (see :func:`hotspot_classify`).
    """

    def __init__(self, xy: np.ndarray, distance: float, labels: pd.Index) -> None:
        from libpysal.weights import DistanceBand, fill_diagonal

        n = len(xy)
        if n < 3:
            raise ValueError(f"Gi* needs at least 3 places, got {n}")
        if not (np.isfinite(distance) and distance > 0):
            raise ValueError(f"distance must be a positive number, got {distance!r}")
        repeated = pd.DataFrame(xy).duplicated(keep=False).to_numpy()
        if repeated.any():
            first, second = labels[np.flatnonzero(repeated)[:2]]
            raise ValueError(
                f"places {first!r} and {second!r} have the same point: Gi* would not count "
                "them as neighbours (libpysal drops zero distances); merge them or move one"
            )
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            band = DistanceBand(xy, threshold=distance, binary=True, silence_warnings=True)
            self.neighbours = np.array([band.cardinalities[i] for i in range(n)], dtype=int)
            # The place in its own neighbourhood, as esda's star=True adds it (weight 1).
            self.weights = fill_diagonal(band, 1)


def _gi_star(y: np.ndarray, labels: pd.Index, band: _DistanceBand) -> pd.DataFrame:
    """:func:`gi_star` of validated values on ``band``'s points."""
    import esda

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        gi = esda.G_Local(y, band.weights, transform="B", star=True, permutations=0)
    z = np.asarray(gi.Zs, dtype=float)
    z = np.where((band.neighbours == 0) | ~np.isfinite(z), np.nan, z)
    return pd.DataFrame(
        {"value": y, "neighbours": band.neighbours, "z": z, "p": 2 * sps.norm.sf(np.abs(z))},
        index=labels,
    )


def classify_hotspots(gi: pd.DataFrame, *, q: float = FDR_LEVEL) -> pd.DataFrame:
    """Hot and cold spots at a false discovery rate, across every place given together.

    Benjamini-Hochberg (``statsmodels`` ``multipletests(method="fdr_bh")``) over every row
    with a p-value: pass the Gi* results of all areas concatenated so that the rate of
    false discoveries is controlled across them all, then report them per ward or area.

    Parameters
    ----------
    gi : pandas.DataFrame
        With columns ``z`` and ``p`` (as :func:`gi_star` returns); other columns are kept.
    q : float, optional
        False discovery rate, in (0, 1) (default 0.05).

    Returns
    -------
    pandas.DataFrame
        A copy of ``gi`` with columns ``q_value`` (Benjamini-Hochberg adjusted p-value, NaN
        where ``p`` is NaN) and ``hotspot``: "hot spot" (q_value <= q and z > 0), "cold spot"
        (q_value <= q and z < 0), "not significant", or "not tested" (no p-value: see
        :func:`gi_star`).
    """
    from statsmodels.stats.multitest import multipletests

    q = _fraction(q, "q")
    missing = {"z", "p"} - set(gi.columns)
    if missing:
        raise ValueError(f"gi has no column {', '.join(sorted(missing))} (use gi_star)")
    out = gi.copy()
    p = out["p"].to_numpy(dtype=float)
    tested = ~np.isnan(p)
    q_value = np.full(len(out), np.nan)
    significant = np.zeros(len(out), dtype=bool)
    if tested.any():
        reject, adjusted, _, _ = multipletests(p[tested], alpha=q, method="fdr_bh")
        q_value[tested], significant[tested] = adjusted, reject
    z = out["z"].to_numpy(dtype=float)
    out["q_value"] = q_value
    out["hotspot"] = np.select(
        [~tested, significant & (z > 0), significant & (z < 0)],
        [NOT_TESTED, HOT_SPOT, COLD_SPOT],
        default=NOT_SIGNIFICANT,
    )
    return out


def _ward_points(wards) -> np.ndarray:
    if wards.crs is None:
        raise ValueError("wards has no CRS: set it (British National Grid is EPSG:27700)")
    points = wards.geometry.to_crs(27700).representative_point()
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def ward_hotspots(
    wards,
    values: pd.Series,
    *,
    distance: float | None = None,
    by_area: bool = True,
    q: float = FDR_LEVEL,
) -> pd.DataFrame:
    """Gi* hot and cold spots of wards, at a false discovery rate across all areas together.

    Each ward is represented by a point inside it (``representative_point``, which unlike
    the centroid always lies in the polygon) in British National Grid metres. By default
    Gi* is computed within each area (``area_code``): a ward is hot or cold compared with
    its own area, among neighbours in its own area. The false discovery rate is then
    controlled across the wards of every area at once. ``by_area=False`` analyses all the
    wards as one map (neighbourhoods cross area boundaries; one mean for all).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        One row per ward with ``ward_code`` and polygons (any CRS, reprojected to
        EPSG:27700); ``ward_name``, ``area_code`` and ``area_name`` are carried when present.
    values : pandas.Series
        Count, harm or rate indexed by ward_code. Wards missing from it count as 0 (a
        ward with no crime); codes not in ``wards`` are refused.
    distance : float, optional
        Neighbourhood radius in metres; default: for each area (or for all the wards when
        ``by_area`` is False), the smallest distance that gives every ward at least one
        neighbour (:func:`default_distance`). It is set by the most isolated ward, so
        compact urban wards get many neighbours.
    by_area : bool, optional
        Compute Gi* within each area (default True; needs ``area_code`` in ``wards``).
    q : float, optional
        False discovery rate (default 0.05).

    Returns
    -------
    pandas.DataFrame
        One row per ward, in the order of ``wards``: ``ward_code`` (then ``ward_name``,
        ``area_code``, ``area_name`` when present), ``value``, ``neighbours``, ``z``, ``p``
        (as :func:`gi_star`), ``q_value``, ``hotspot`` (as :func:`classify_hotspots`) and
        ``distance`` (the radius used for the ward's area, metres).
    """
    codes = wards["ward_code"].astype(str).to_numpy()
    unknown = sorted(set(values.index.astype(str)) - set(codes))
    if unknown:
        raise ValueError(f"values has ward codes that are not in wards: {', '.join(unknown[:5])}")
    if by_area and "area_code" not in wards:
        raise ValueError("wards has no area_code: pass by_area=False to analyse them together")
    series = pd.Series(values.to_numpy(dtype=float), index=values.index.astype(str))
    y = series.reindex(codes).fillna(0.0).to_numpy()
    xy = _ward_points(wards)
    groups = wards["area_code"].astype(str).to_numpy() if by_area else np.zeros(len(codes))
    parts = []
    for group in pd.unique(groups):
        rows = np.flatnonzero(groups == group)
        radius = default_distance(xy[rows]) if distance is None else float(distance)
        part = gi_star(pd.Series(y[rows], index=rows), xy[rows], distance=radius)
        parts.append(part.assign(distance=radius))
    result = classify_hotspots(pd.concat(parts).sort_index(), q=q)
    carried = [c for c in ("ward_code", "ward_name", "area_code", "area_name") if c in wards]
    out = pd.DataFrame(wards[carried]).reset_index(drop=True)
    out["ward_code"] = codes
    columns = ["value", "neighbours", "z", "p", "q_value", "hotspot", "distance"]
    return pd.concat([out, result[columns].reset_index(drop=True)], axis=1)


def _boundary_geometry(boundary):
    import shapely

    if hasattr(boundary, "geometry"):  # GeoSeries / GeoDataFrame
        if boundary.crs is not None:
            boundary = boundary.to_crs(27700)
        return shapely.union_all(np.asarray(boundary.geometry))
    return boundary


def _cell_label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def grid_counts(
    easting: ArrayLike,
    northing: ArrayLike,
    *,
    cell_size: float,
    boundary=None,
    period: ArrayLike | None = None,
):
    """Counts of points in a complete regular square grid, with the cells' centres.

    Cells are anchored at multiples of ``cell_size`` (so the same cell has the same id
    whatever the data) and cover the boundary's extent, or the points' extent without a
    boundary. With a boundary, only cells that overlap it (more than along an edge) are
    kept, and every one of them is kept, with 0 where no point fell. A point on a cell's
    edge belongs to the cell to its east (or north).

    Parameters
    ----------
    easting, northing : array-like
        British National Grid coordinates (metres) of each record; NaN for records without
        coordinates (see :func:`csp_analysis.locate.to_british_national_grid`).
    cell_size : float
        Side of a cell, in metres.
    boundary : shapely geometry or geopandas GeoSeries/GeoDataFrame, optional
        The area to cover (GeoSeries/GeoDataFrame are reprojected to EPSG:27700; a bare
        geometry must already be in it). Points outside every kept cell are not counted.
    period : array-like, optional
        A period label per record (e.g. a quarter). Then every cell gets one row per
        period present (records with a missing period are not counted).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell (per period), EPSG:27700, with columns ``cell_id`` ("E<x>N<y>",
        the cell's south-west corner), ``period`` (only with ``period``), ``easting`` and
        ``northing`` (the cell's centre), ``count`` (int) and ``geometry`` (the square).
        ``attrs`` holds ``points_counted``, ``points_outside`` (with coordinates but in no
        kept cell) and ``points_without_coordinates``.

    Raises
    ------
    ValueError
        If ``cell_size`` is not positive, there is neither a boundary nor a point with
        coordinates, or the grid would have more than 1,000,000 cells.
    """
    import geopandas as gpd
    import shapely

    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("easting and northing must be one-dimensional and the same length")
    if not (np.isfinite(cell_size) and cell_size > 0):
        raise ValueError(f"cell_size must be a positive number of metres, got {cell_size!r}")
    labels = None if period is None else pd.Series(np.asarray(period, dtype=object))
    if labels is not None and len(labels) != len(x):
        raise ValueError("period must have one label per point")
    located = np.isfinite(x) & np.isfinite(y)
    geometry = None if boundary is None else _boundary_geometry(boundary)
    if geometry is not None:
        min_x, min_y, max_x, max_y = geometry.bounds
    elif located.any():
        min_x, max_x = x[located].min(), x[located].max()
        min_y, max_y = y[located].min(), y[located].max()
    else:
        raise ValueError("there is no point with coordinates and no boundary to grid")
    x0, y0 = math.floor(min_x / cell_size) * cell_size, math.floor(min_y / cell_size) * cell_size
    columns = int((max_x - x0) // cell_size) + 1
    rows = int((max_y - y0) // cell_size) + 1
    if columns * rows > MAX_GRID_CELLS:
        raise ValueError(
            f"a {cell_size:g} m grid over this extent has {columns * rows:,} cells (more than "
            f"{MAX_GRID_CELLS:,}): choose a larger cell_size"
        )
    col, row = np.meshgrid(np.arange(columns), np.arange(rows))
    col, row = col.ravel(), row.ravel()
    x_min, y_min = x0 + col * cell_size, y0 + row * cell_size
    boxes = shapely.box(x_min, y_min, x_min + cell_size, y_min + cell_size)
    keep = np.ones(len(boxes), dtype=bool)
    if geometry is not None:
        keep = shapely.intersects(boxes, geometry) & ~shapely.touches(boxes, geometry)
    kept = np.flatnonzero(keep)
    position = np.full(columns * rows, -1)
    position[kept] = np.arange(len(kept))

    with np.errstate(invalid="ignore"):
        point_col = np.floor((x - x0) / cell_size)
        point_row = np.floor((y - y0) / cell_size)
    inside = located & (point_col >= 0) & (point_col < columns)
    inside &= (point_row >= 0) & (point_row < rows)
    cell_of_point = np.full(len(x), -1)
    flat = (point_row[inside] * columns + point_col[inside]).astype(int)
    cell_of_point[inside] = position[flat]
    counted = cell_of_point >= 0

    cells = pd.DataFrame(
        {
            "cell_id": [
                f"E{_cell_label(a)}N{_cell_label(b)}"
                for a, b in zip(x_min[kept], y_min[kept], strict=True)
            ],
            "easting": x_min[kept] + cell_size / 2,
            "northing": y_min[kept] + cell_size / 2,
        }
    )
    geometries = boxes[kept]
    if labels is None:
        cells["count"] = np.bincount(cell_of_point[counted], minlength=len(kept)).astype(int)
        frame = cells
    else:
        has_period = counted & labels.notna().to_numpy()
        periods = pd.Index(sorted(labels[has_period].unique()))
        grid = (
            pd.DataFrame({"cell": cell_of_point[has_period], "period": labels[has_period]})
            .groupby(["cell", "period"])
            .size()
        )
        index = pd.MultiIndex.from_product([range(len(kept)), periods], names=["cell", "period"])
        grid = grid.reindex(index, fill_value=0).reset_index()
        frame = cells.iloc[grid["cell"]].reset_index(drop=True)
        frame.insert(1, "period", grid["period"].to_numpy())
        frame["count"] = grid[0].to_numpy().astype(int)
        geometries = geometries[grid["cell"].to_numpy()]
    out = gpd.GeoDataFrame(frame, geometry=geometries, crs=27700)
    out.attrs = {
        "points_counted": int(counted.sum()),
        "points_outside": int((located & ~counted).sum()),
        "points_without_coordinates": int((~located).sum()),
    }
    return out


# ------------------------------------------------------------- classification


def holm_rows(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values of each row of a 2-D array, NaN left out of the family.

    As R's ``p.adjust(p, "holm")`` (and statsmodels' ``multipletests(method="holm")``) row
    by row: with the row's m p-values sorted ascending, the i-th becomes
    min(1, max over j <= i of (m - j + 1) p_(j)). NaN stays NaN and does not count in m.
    Vectorised, because statsmodels takes about 0.2 s a call.
    """
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, axis=1)  # NaN sort last
    ascending = np.take_along_axis(p, order, axis=1)
    m = (~np.isnan(p)).sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        adjusted = np.minimum(
            1.0, np.maximum.accumulate(ascending * (m - np.arange(p.shape[1])), axis=1)
        )
    out = np.empty_like(p)
    np.put_along_axis(out, order, adjusted, axis=1)
    return out


def _window_shares(
    significant: np.ndarray, *, recent: int, rules: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares of all, recent and older periods in which each place was significant."""
    k = significant.shape[1]
    if rules == "sfhotspot":
        # sfhotspot 1.0.0 R/hotspot_classify.R: recent = columns (k - recent):k, i.e.
        # recent + 1 periods divided by `recent`; older = columns 1:(k - recent), so the
        # period just before the recent ones is counted in both.
        recent_part = significant[:, k - recent - 1 :]
    else:
        recent_part = significant[:, k - recent :]
    older_part = significant[:, : k - recent]
    return (
        significant.sum(axis=1) / k,
        recent_part.sum(axis=1) / recent,
        older_part.sum(axis=1) / (k - recent),
    )


def _category(
    significant: np.ndarray,
    kind: str,
    *,
    recent: int,
    rules: str,
    hotspot_prop: float,
    persistent_prop: float,
    recent_prop: float,
) -> np.ndarray:
    every, recent_share, older_share = _window_shares(significant, recent=recent, rules=rules)
    emerging_threshold = recent_prop if rules == "sfhotspot" else hotspot_prop
    return np.select(
        [
            every >= persistent_prop,
            (older_share < hotspot_prop) & (recent_share >= emerging_threshold),
            (older_share >= hotspot_prop) & (recent_share < hotspot_prop),
            every >= hotspot_prop,
        ],
        [f"persistent {kind}", f"emerging {kind}", f"former {kind}", f"intermittent {kind}"],
        default="no pattern",
    )


def _classify(
    hot: np.ndarray,
    cold: np.ndarray,
    *,
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    rules: str = "sfhotspot",
) -> np.ndarray:
    """Categories of sfhotspot from places x periods matrices of significant hot/cold."""
    k = hot.shape[1]
    if k < 2:
        raise ValueError("hotspot_classify needs at least 2 periods: one recent and one non-recent")
    recent = math.floor(round(recent_prop * k, 9))
    if recent < 1:
        warnings.warn(
            f"recent_prop = {recent_prop} of {k} periods is less than one period: the final "
            "period is treated as recent (as sfhotspot does)",
            UserWarning,
            stacklevel=3,
        )
        recent = 1
    if k - recent < 1:
        raise ValueError(f"recent_prop = {recent_prop} leaves no non-recent period")
    options = dict(
        recent=recent,
        rules=rules,
        hotspot_prop=hotspot_prop,
        persistent_prop=persistent_prop,
        recent_prop=recent_prop,
    )
    hot_category = _category(hot, "hotspot", **options)
    cold_category = _category(cold, "coldspot", **options)
    return np.where(
        (hot_category != "no pattern") & (cold_category != "no pattern"),
        "mixed hot/coldspot",
        np.where(hot_category != "no pattern", hot_category, cold_category),
    )


def hotspot_classify(
    counts: pd.DataFrame,
    *,
    distance: float | None = None,
    cell_size: float | None = None,
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    critical_p: float = 0.05,
    p_adjust: str = "holm",
    rules: str = "sfhotspot",
) -> pd.DataFrame:
    """Emerging, persistent, former and intermittent hot and cold spots over periods.

    As ``hotspot_classify`` of the R package sfhotspot (1.0.0, defaults of
    ``hotspot_classify_params``). For each period, Gi* (:func:`gi_star`: binary weights,
    the place included) gives a z-score and a two-sided normal p-value per place; each
    place's p-values are then adjusted across periods (Holm, R's ``p.adjust`` default that
    sfhotspot uses). A place is a significant hot (cold) spot in a period when its adjusted
    p < ``critical_p`` and z > 0 (z <= 0). With k periods, the last r = floor(recent_prop x
    k) (at least 1) are recent. Categories, first that applies, for hot and for cold:

    - persistent: significant in at least ``persistent_prop`` of all periods;
    - emerging: significant in less than ``hotspot_prop`` of non-recent periods and at
      least ``recent_prop`` of recent periods (sfhotspot's code; its documentation says
      ``hotspot_prop``: ``rules="documented"``);
    - former: significant in at least ``hotspot_prop`` of non-recent periods and less than
      ``hotspot_prop`` of recent periods;
    - intermittent: significant in at least ``hotspot_prop`` of all periods;
    - otherwise "no pattern"; a place with both a hot and a cold pattern is
      "mixed hot/coldspot".

    ``rules="sfhotspot"`` (default) reproduces sfhotspot's code exactly, which counts
    r + 1 periods (divided by r) as recent and the period just before them as both recent
    and non-recent; ``rules="documented"`` follows its documentation: the last r periods
    are recent, the others non-recent, and emerging needs ``hotspot_prop`` of recent ones.

    Parameters
    ----------
    counts : pandas.DataFrame
        Columns ``place``, ``period`` (sortable: the order of periods is their sort
        order), ``count`` (non-negative), ``easting`` and ``northing`` (the place's point in
        metres, the same in every period). A place missing from a period counts 0 there.
        The periods are taken as given: splitting dates into periods (sfhotspot's
        ``period``, ``start`` and ``collapse``) is the caller's choice, e.g. financial
        quarters; pass whole periods only.
    distance : float, optional
        Neighbourhood radius in metres. Default: ``cell_size`` x sqrt(2) when
        ``cell_size`` is given (sfhotspot's default ``nb_dist``: the 8 surrounding grid
        cells), else the smallest distance that gives every place a neighbour.
    cell_size : float, optional
        Grid cell size in metres, when the places are :func:`grid_counts` cells.
    hotspot_prop, persistent_prop, recent_prop, critical_p : float, optional
        sfhotspot's parameters, each in (0, 1) (defaults 0.1, 0.8, 0.2, 0.05).
    p_adjust : {"holm", "none"}, optional
        Adjustment of each place's p-values across periods (default "holm").
        (sfhotspot's other ``p_adjust_method`` values also adjust within each period
        with spdep's ``p.adjustSP``; that is not reproduced.)
    rules : {"sfhotspot", "documented"}, optional
        Which recent / non-recent windows to use (see above).

    Returns
    -------
    pandas.DataFrame
        One row per place (sorted) with columns ``place``, ``hotspot_category`` (one of
        "persistent hotspot", "emerging hotspot", "former hotspot", "intermittent
        hotspot", the same four with "coldspot", "mixed hot/coldspot", "no pattern"),
        ``periods`` (k), ``hot_periods`` and ``cold_periods`` (periods in which the place
        was a significant hot / cold spot). Gi* that is undefined in a period (all counts
        0, or an island) counts as not significant, as in sfhotspot.

    Raises
    ------
    ValueError
        If columns are missing, a place has two points, a parameter is out of range, or
        there are fewer than 2 periods. A UserWarning says when recent_prop x k < 1.
    """
    needed = ["place", "period", "count", "easting", "northing"]
    missing = [c for c in needed if c not in counts]
    if missing:
        raise ValueError(f"counts has no column {', '.join(missing)} (needs {', '.join(needed)})")
    for name, value in (
        ("hotspot_prop", hotspot_prop),
        ("persistent_prop", persistent_prop),
        ("recent_prop", recent_prop),
        ("critical_p", critical_p),
    ):
        _fraction(value, name)
    if p_adjust not in ("holm", "none"):
        raise ValueError(f"p_adjust must be 'holm' or 'none', got {p_adjust!r}")
    if rules not in ("sfhotspot", "documented"):
        raise ValueError(f"rules must be 'sfhotspot' or 'documented', got {rules!r}")
    points = counts[["place", "easting", "northing"]].drop_duplicates()
    if points["place"].duplicated().any():
        place = points.loc[points["place"].duplicated(), "place"].iloc[0]
        raise ValueError(f"place {place!r} has more than one point (easting, northing)")
    points = points.set_index("place").sort_index()
    table = counts.pivot_table(
        index="place", columns="period", values="count", aggfunc="sum", fill_value=0
    ).reindex(points.index, fill_value=0)
    table = table[sorted(table.columns)]
    xy = points[["easting", "northing"]].to_numpy(dtype=float)
    if distance is None:
        distance = cell_size * math.sqrt(2) * (1 + _SLACK) if cell_size else default_distance(xy)

    z = np.empty(table.shape)
    p = np.empty(table.shape)
    band = _DistanceBand(xy, distance, table.index)  # the same points in every period
    for j, column in enumerate(table.columns):
        gi = _gi_star(*_values(table[column], "values"), band)
        z[:, j], p[:, j] = gi["z"].to_numpy(), gi["p"].to_numpy()
    if p_adjust == "holm":
        p = holm_rows(p)
    with np.errstate(invalid="ignore"):
        significant = p < critical_p
    hot = significant & (z > 0)
    cold = significant & ~(z > 0)
    category = _classify(
        hot,
        cold,
        hotspot_prop=hotspot_prop,
        persistent_prop=persistent_prop,
        recent_prop=recent_prop,
        rules=rules,
    )
    return pd.DataFrame(
        {
            "place": table.index.to_numpy(),
            "hotspot_category": category,
            "periods": table.shape[1],
            "hot_periods": hot.sum(axis=1),
            "cold_periods": cold.sum(axis=1),
        }
    )
