"""Synthetic national data: an invented country shaped like England and Wales, for scale.

The country has 43 police forces, 314 Community Safety Partnerships (CSPs) made of 332
local authorities (as many as the ONS December 2024 lookup has, with the same numbers of
CSPs per force and of CSPs of two or three authorities), about 8,000 wards and 37,000
LSOAs, and about 62 million residents. It publishes 36 months of data.police.uk
street-level files, one per force and month: about 6.5 million rows a year (crimes and
anti-social behaviour) at scale 1, about 20 million in all, with the published columns,
crime types, outcomes, snap-point locations ("On or near ..."), rows with no location and
rows located off the coast, in no ward.

Like the Demoshire demo (:mod:`csp_analysis.demo`) it lies in the North Sea, between
Demoshire and Denmark, and every code starts with ``X``: no map or code of it can be
mistaken for a real place. Its map is the same for every seed and scale (the geography
has its own seed); ``seed`` draws the records and ``scale`` multiplies their number.

Forces, local authorities and wards are nested Voronoi tessellations of convex regions,
so each is one convex polygon, they tile their parent without gaps or overlaps, and a CSP
(one local authority, or two or three neighbouring ones) is contiguous. Urban authorities
are small, dense and have more crime per resident; their town centres hold small wards
and the hot spots of shoplifting, robbery and theft from the person.

>>> geo = national_geography()
>>> len(geo.forces), len(geo.csps), len(geo.lads)
(43, 314, 332)
>>> 7_500 < len(geo.wards) < 8_500
True
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon

from csp_analysis.demo import (
    BNG,
    FIRST_MONTH,
    LAST_MONTH,
    LATEST_QUARTER,
    SYNTHETIC_MARKER,
    WGS84,
    check_demo_folder,
)
from csp_analysis.read import POLICE_UK_COLUMNS

__all__ = [
    "NATIONAL_FILES",
    "NationalGeography",
    "most_similar_groups",
    "national_config",
    "national_geography",
    "street_file_name",
    "write_national_data",
]

GEOGRAPHY_SEED = 1837  # the country's map is the same whatever seed draws the records
#: The country: an ellipse (centre, semi-axes in metres, British National Grid) in the
#: North Sea east of Demoshire's force and clear of the Dutch, German, Danish and
#: Norwegian coasts; about 103,000 km², two thirds of England and Wales.
_COUNTRY = ((850_000.0, 690_000.0), (140_000.0, 235_000.0))
COUNTRY_NAME = "Synthetic England and Wales"
COUNTRY_CODE = "X92000001"
RESIDENTS = 61_800_000  # England and Wales, mid-2024
WARDS = 8_000  # about as many as England and Wales
ROWS_PER_YEAR = 6_500_000  # data.police.uk street-level rows (crime and ASB) a year
LSOA_RESIDENTS = 1_650

# CSPs per force, as in the ONS LAD -> CSP -> PFA lookup of December 2024 (314 CSPs); the
# largest is the capital's force, whose CSPs are its boroughs.
_CSPS_PER_FORCE = (1, 2, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6) + (
    6,
    6,
    6,
    6,
    7,
    7,
    7,
    8,
    9,
    9,
    9,
    10,
    10,
    11,
    12,
    12,
    13,
    14,
    14,
    16,
    32,
)
# CSPs of several local authorities (size: how many), as in the same lookup.
_MULTI_LAD_CSPS = (2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3)

# Crime types as data.police.uk publishes them, with: share of all street-level rows in
# the latest year (national mix, about 16% anti-social behaviour), annual change, how much
# more of it urban areas have (rate factor (0.5 + urbanness) ** elasticity), where in an
# authority it happens (ward profile: 0 homes, 1 mixed, 2 town centres), whether it
# clusters at shops, the share published with no location, and the seasonal amplitude
# (cosine peak in July).
_CRIME_TYPES = """\
crime_type|share|change|elasticity|wards|shops|no_location|season
Anti-social behaviour|0.160|-0.06|0.5|1|0|0.005|0.12
Violence and sexual offences|0.355|-0.02|0.6|1|0|0.035|0.06
Shoplifting|0.082|0.20|0.8|2|1|0.003|0.03
Criminal damage and arson|0.074|-0.05|0.6|0|0|0.008|0.05
Public order|0.064|-0.08|0.8|1|0|0.012|0.08
Other theft|0.066|-0.04|0.9|1|0|0.013|0.05
Burglary|0.042|-0.06|0.7|0|0|0.009|0.03
Vehicle crime|0.048|-0.05|1.0|0|0|0.010|0.03
Drugs|0.027|0.03|1.2|1|0|0.019|0.04
Other crime|0.023|0.00|0.5|0|0|0.038|0.02
Possession of weapons|0.011|0.04|1.5|1|0|0.011|0.05
Robbery|0.014|0.03|2.5|2|0|0.011|0.03
Bicycle theft|0.012|-0.08|1.5|1|0|0.004|0.25
Theft from the person|0.022|0.05|2.5|2|0|0.030|0.05
"""
ASB = "Anti-social behaviour"
#: How much more crime a ward at the heart of its town has, by ward profile.
_CENTRE_PULL = (0.3, 1.5, 8.0)

# Last outcome category of crimes by crime type (shares, West Mercia 2024-25); columns in
# the order of _OUTCOMES. Anti-social behaviour has none.
_OUTCOMES = (
    "Unable to prosecute suspect",
    "Investigation complete; no suspect identified",
    "Under investigation",
    "Status update unavailable",
    "Court result unavailable",
    "Awaiting court outcome",
    "Local resolution",
    "Offender given a caution",
    "Action to be taken by another organisation",
    "Further action is not in the public interest",
    "Further investigation is not in the public interest",
    "Offender given a drugs possession warning",
)
_OUTCOME_SHARES = """\
Violence and sexual offences|.638|.086|.102|.095|.023|.022|.010|.007|.011|.005|.001|0
Shoplifting|.208|.411|.048|.027|.172|.102|.021|.007|0|.001|0|0
Criminal damage and arson|.336|.493|.060|.037|.023|.021|.017|.010|.001|.002|0|0
Public order|.553|.202|.089|.060|.037|.034|.011|.007|.002|.003|.001|0
Other theft|.311|.561|.054|.048|.006|.007|.008|.002|.001|.001|0|0
Burglary|.205|.617|.074|.064|.022|.013|.002|.001|0|.001|0|0
Vehicle crime|.167|.734|.041|.034|.011|.009|0|.001|.002|0|0|0
Drugs|.203|.118|.145|.165|.096|.074|.160|.014|.001|.004|.001|.014
Other crime|.405|.099|.122|.188|.033|.038|.004|.005|.006|.062|.036|0
Possession of weapons|.442|.071|.135|.132|.092|.071|.009|.029|.004|.008|.001|0
Robbery|.425|.242|.116|.110|.057|.045|.001|.001|.002|.001|0|0
Bicycle theft|.183|.711|.036|.031|.021|.012|.003|.001|0|.001|.001|0
Theft from the person|.415|.433|.068|.052|.014|.007|.007|.005|0|0|0|0
"""
#: Crimes of the latest months are more often still under investigation (by months before
#: the last month of the data).
_STILL_INVESTIGATED = (0.45, 0.25, 0.12)

# Snap points: the anonymised map points data.police.uk places records on, about one per
# 150 residents; most are streets, some are named kinds of place. Records choose snap
# points with lognormal weights (local hot spots); shoplifting clusters at shops.
_RESIDENTS_PER_SNAP = 150
_PLACES = (
    ("Supermarket", 0.025, 3.0, True),
    ("Shopping Area", 0.02, 3.0, True),
    ("Parking Area", 0.04, 2.0, False),
    ("Petrol Station", 0.01, 1.5, True),
    ("Sports/Recreation Area", 0.015, 1.5, False),
    ("Park/Open Space", 0.02, 1.0, False),
    ("Nightclub", 0.005, 3.0, False),
    ("Hospital", 0.003, 2.0, False),
    ("Further/Higher Educational Building", 0.005, 1.0, False),
    ("Bus/Coach Station", 0.003, 2.0, False),
    ("Police Station", 0.002, 1.5, False),
)  # name, share of snap points, weight factor, a shop
_SHOP_FACTOR = 40.0
_STREET_TYPES = ("Road", "Street", "Lane", "Close", "Avenue", "Drive", "Way", "Gardens", "Place")
_COMMON_STREETS = (
    "High Street",
    "Church Street",
    "Station Road",
    "Mill Lane",
    "Park Road",
    "Church Lane",
    "Victoria Road",
    "Main Street",
    "Market Place",
    "New Road",
    "School Lane",
    "The Green",
)
# Coast: each coastal ward has a few snap points just off the coast (piers, slipways,
# moorings), outside every ward; half of them carry the ward's LSOA, half none.
_OFFSHORE_POINTS = 3
_OFFSHORE_SHARE = 0.2  # of a coastal ward's records
_OFFSHORE_PLACES = ("Pier", "Slipway", "Harbour Wall")

# Places' names are made from these (invented; any real place of the same name is chance).
_STEMS = (
    "Ash", "Brack", "Cald", "Dun", "Ell", "Fern", "Gor", "Hal", "Ick", "Kel", "Lang", "Mar",
    "Nether", "Ost", "Pen", "Quen", "Rav", "Sel", "Thorn", "Ulver", "Wend", "Yarl", "Bry",
    "Carr", "Dals", "Eld", "Frith", "Gisl", "Holm", "Kirk", "Lyth", "Mick", "Nor", "Orm",
    "Pill", "Rook", "Skel", "Tad", "Upp", "Wath", "Bal", "Cran", "Ded", "Elm", "Fol", "Grim",
    "Hawk", "Ing", "Kil", "Lox", "Mor", "Nant", "Oak", "Pyr", "Ren", "Sand", "Tarr", "Ul",
    "Ver", "Wyn", "Ald", "Bex", "Cor", "Drax", "Eas", "Fen", "Glan", "Hep", "Ire", "Jes",
)  # fmt: skip
_SUFFIXES = (
    "ford", "ton", "by", "ham", "ley", "wick", "stow", "mere", "dale", "holt", "bury",
    "field", "worth", "combe", "thorpe", "well", "minster", "borough", "den", "hurst",
    "marsh", "caster", "bridge", "wood",
)  # fmt: skip
_WARD_WORDS = (
    "Central", "North", "South", "East", "West", "Abbey", "Castle", "Priory", "Park",
    "Moor", "Green", "Heath", "Hill", "Vale", "Meadows", "Common", "Fields", "Wood",
    "Marsh", "Rise", "Cross", "Bridge", "Mill", "Quarry", "Grange", "Manor", "Town",
)  # fmt: skip
_DIRECTIONS = ("North", "South", "East", "West")


# --------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NationalGeography:
    """The invented country's map and places (the same for every seed and scale).

    Attributes
    ----------
    forces : pandas.DataFrame
        One row per police force: force_code, force_name, slug (the file name part).
    csps : pandas.DataFrame
        One row per CSP: csp_code, csp_name, force (row of ``forces``).
    lads : pandas.DataFrame
        One row per local authority, ordered by force and CSP: lad_code, lad_name, csp
        (row of ``csps``), force, urbanness (0 rural to 1 city), population, crime_rate
        (relative crime per resident), town (its main town's name), first_ward and
        last_ward (the range of its rows of ``wards``, which are ordered by local
        authority).
    wards : geopandas.GeoDataFrame
        ward_code, ward_name, area_code and area_name (the CSP's), town (None outside
        towns), geometry (EPSG:27700), and unpublished lad (row of ``lads``), population,
        centrality (1 at the town centre), coastal.
    lsoas : pandas.DataFrame
        lsoa_code, lsoa_name ("<local authority> 001A"), ward (row of ``wards``).
    snaps : pandas.DataFrame
        The map points records are placed on: ward (row of ``wards``), lsoa (row of
        ``lsoas``, -1 for none), longitude and latitude (text, 6 decimals, blank for the
        last row, which is "No Location"), location ("On or near ..."), weight, shop_weight
        (relative chance of being chosen in its ward), offshore (outside every ward).
    """

    forces: pd.DataFrame
    csps: pd.DataFrame
    lads: pd.DataFrame
    wards: gpd.GeoDataFrame
    lsoas: pd.DataFrame
    snaps: pd.DataFrame


def _ellipse(centre: tuple[float, float], axes: tuple[float, float], n: int = 256) -> Polygon:
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return Polygon(
        np.column_stack([centre[0] + axes[0] * np.cos(theta), centre[1] + axes[1] * np.sin(theta)])
    )


def _cells(points: np.ndarray, region: Polygon) -> np.ndarray:
    """Voronoi cells of ``points`` (in their order) clipped to the convex ``region``."""
    if len(points) == 1:
        return np.array([region], dtype=object)
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=region, ordered=True)
    return shapely.intersection(shapely.get_parts(diagram), region)


def _relax(points: np.ndarray, region: Polygon, rounds: int, step: float = 1.0) -> np.ndarray:
    """Lloyd relaxation: move each point ``step`` of the way to its cell's centroid."""
    for _ in range(rounds):
        centroids = shapely.get_coordinates(shapely.centroid(_cells(points, region)))
        points = points + step * (centroids - points)
    return points


def _points_in(
    rng: np.random.Generator,
    region: Polygon,
    n: int,
    *,
    centre: np.ndarray | None = None,
    spread: float = 0.0,
) -> np.ndarray:
    """``n`` random points in ``region``: uniform, or normal around ``centre``."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    found = np.empty((0, 2))
    while len(found) < n:
        size = 4 * (n - len(found)) + 8
        if centre is None:
            candidates = rng.uniform([minx, miny], [maxx, maxy], (size, 2))
        else:
            candidates = centre + rng.normal(0, spread, (size, 2))
        found = np.vstack([found, candidates[shapely.contains_xy(region, *candidates.T)]])
    return found[:n]


class _Names:
    """Invented place names, each used once (stems and suffixes, then combinations)."""

    def __init__(self, rng: np.random.Generator) -> None:
        names = [s + x for s in _STEMS for x in _SUFFIXES]
        self._pool = [names[i] for i in rng.permutation(len(names))]
        self._used: set[str] = set()

    def take(self) -> str:
        while True:
            name = self._pool.pop()
            if name not in self._used:
                self._used.add(name)
                return name


def _six_decimals(values: np.ndarray) -> pa.Array:
    """Numbers as text with six decimals, as data.police.uk writes coordinates."""
    micro = np.round(np.asarray(values) * 1e6).astype(np.int64)
    whole, part = np.divmod(np.abs(micro), 1_000_000)
    signed = pc.binary_join_element_wise(
        pa.array(np.where(micro < 0, "-", "")), pa.array(whole).cast(pa.string()), ""
    )
    return pc.binary_join_element_wise(
        signed, pc.utf8_lpad(pa.array(part).cast(pa.string()), 6, "0"), "."
    )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _to_wgs84(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = Transformer.from_crs(BNG, WGS84, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return np.asarray(lon), np.asarray(lat)


@functools.lru_cache(maxsize=1)
def national_geography() -> NationalGeography:
    """The invented country's forces, CSPs, local authorities, wards, LSOAs and snap points.

    Made once per process (a few seconds) and cached; the same in every process.
    """
    rng = np.random.default_rng(GEOGRAPHY_SEED)
    names = _Names(rng)
    country = _ellipse(*_COUNTRY)

    # Forces: relaxed Voronoi cells of the country; the capital's force has 32 CSPs.
    force_seeds = _relax(_points_in(rng, country, len(_CSPS_PER_FORCE)), country, 3)
    force_cells = _cells(force_seeds, country)
    csp_counts = np.array(_CSPS_PER_FORCE)[rng.permutation(len(_CSPS_PER_FORCE))]
    capital = int(np.argmax(csp_counts))
    multi = _place_multi_lad_csps(rng, csp_counts, capital)

    forces, csps, lads = [], [], []
    for f, (cell, n_csp) in enumerate(zip(force_cells, csp_counts, strict=True)):
        region = names.take()
        if f == capital:
            force_name = f"{region} Metropolitan Police"
        else:
            region += "shire" if rng.random() < 0.5 else ""
            force_name = region + (" Police" if rng.random() < 0.6 else " Constabulary")
        slug = "metropolitan" if f == capital else _slug(region)
        forces.append((f"X23{100_001 + f}", force_name, slug))
        sizes = multi.get(f, []) + [1] * (n_csp - len(multi.get(f, [])))
        lad_cells, urban = _authorities(rng, cell, sum(sizes), city=f == capital)
        for group in _group_authorities(lad_cells, urban, sizes):
            csp = len(csps)
            lad_names = []
            for member in group:
                lad_names.append(names.take())
                lads.append(
                    {"lad_name": lad_names[-1], "csp": csp, "force": f, "urbanness": urban[member],
                     "cell": lad_cells[member], "kind": "9" if f == capital else None}
                )  # fmt: skip
            if len(group) == 1:
                csp_name = lad_names[0]
            else:
                centre = shapely.centroid(shapely.union_all(lad_cells[group]))
                direction = _direction(np.array([centre.x, centre.y]) - force_seeds[f])
                csp_name = f"{direction} {region}"
                if any(c[1] == csp_name for c in csps):
                    csp_name = " and ".join(lad_names)
            csps.append((f"X22{100_001 + csp}", csp_name, f))

    forces = pd.DataFrame(forces, columns=["force_code", "force_name", "slug"])
    csps = pd.DataFrame(csps, columns=["csp_code", "csp_name", "force"])
    lads = pd.DataFrame(lads)
    lads = _populations(rng, lads)
    wards, lads = _wards(rng, lads, csps, country)
    lsoas = _lsoas(rng, wards, lads)
    snaps = _snap_points(rng, wards, lsoas, country)
    return NationalGeography(
        forces=forces,
        csps=csps,
        lads=lads.drop(columns=["cell", "kind", "town_x", "town_y", "spread"]),
        wards=wards,
        lsoas=lsoas,
        snaps=snaps,
    )


def _place_multi_lad_csps(
    rng: np.random.Generator, csp_counts: np.ndarray, capital: int
) -> dict[int, list[int]]:
    """Which forces get the CSPs of several local authorities: force -> their sizes."""
    eligible = [f for f, n in enumerate(csp_counts) if n >= 3 and f != capital]
    chosen = rng.choice(eligible, size=len(_MULTI_LAD_CSPS), replace=False)
    placed: dict[int, list[int]] = {}
    for force, size in zip(chosen, _MULTI_LAD_CSPS, strict=True):
        placed.setdefault(int(force), []).append(size)
    return placed


def _direction(offset: np.ndarray) -> str:
    angle = np.degrees(np.arctan2(offset[1], offset[0])) % 360
    return ("East", "North", "West", "South")[int(((angle + 45) % 360) // 90)]


def _authorities(
    rng: np.random.Generator, force: Polygon, n: int, *, city: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A force's local authorities (cells) and their urbanness (0 rural to 1 city).

    Half the authorities crowd around the force's city, so those are small and urban;
    the capital's authorities are all urban boroughs.
    """
    area = force.area
    town = _points_in(rng, force.buffer(-np.sqrt(area) * 0.15), 1)[0]
    clustered = rng.binomial(n, 0.5)
    seeds = np.vstack(
        [
            _points_in(rng, force, clustered, centre=town, spread=0.25 * np.sqrt(area)),
            _points_in(rng, force, n - clustered),
        ]
    )
    seeds = _relax(seeds, force, 2, step=0.5) if n > 1 else seeds
    cells = _cells(seeds, force)
    km2 = shapely.area(cells) / 1e6
    urban = np.clip(np.log(1_200 / km2) / np.log(1_200 / 60), 0, 1)
    if city:
        urban = np.maximum(urban, 0.85)
    return cells, urban


def _group_authorities(cells: np.ndarray, urban: np.ndarray, sizes: list[int]) -> list[list[int]]:
    """Group a force's authorities into CSPs of the given sizes, neighbours together.

    Multi-authority CSPs start from the most rural free authority and add its free
    neighbour with the longest shared boundary (so each CSP is contiguous).
    """
    free = set(range(len(cells)))
    groups = []
    for size in sorted(sizes, reverse=True):
        if size == 1:
            break
        start = min(free, key=lambda i: (urban[i], i))
        group = [start]
        free.remove(start)
        while len(group) < size:
            shared = {
                j: shapely.length(shapely.intersection(shapely.union_all(cells[group]), cells[j]))
                for j in free
            }
            best = max(shared, key=lambda j: (shared[j], -j), default=None)
            if best is None or shared[best] < 1:
                break
            group.append(best)
            free.remove(best)
        groups.append(group)
    groups += [[i] for i in sorted(free)]
    return groups


def _populations(rng: np.random.Generator, lads: pd.DataFrame) -> pd.DataFrame:
    """Residents and relative crime rate of each local authority (by urbanness)."""
    u = lads["urbanness"].to_numpy()
    population = 90_000 * np.exp(1.3 * u) * rng.lognormal(0, 0.3, len(lads))
    population *= RESIDENTS / population.sum()
    kind = np.where(u > 0.7, "8", np.where(u < 0.35, "7", "6"))
    kind = np.where(lads["kind"].notna(), lads["kind"], kind)
    return lads.assign(
        lad_code=[f"X0{k}{100_001 + i}" for i, k in enumerate(kind)],
        population=np.round(population, -1).astype(int),
        crime_rate=(0.6 + 0.9 * u) * rng.lognormal(0, 0.15, len(lads)),
        kind=kind,
    )


def _wards(
    rng: np.random.Generator,
    lads: pd.DataFrame,
    csps: pd.DataFrame,
    country: Polygon,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Each authority's wards: Voronoi cells of seeds crowded around its town centre.

    Wards of one authority have about equal residents (as electoral wards do), so the
    small wards of the town centre are dense. Returns the wards (ordered by authority,
    north to south within it) and the authorities with their ward ranges and towns.
    """
    u = lads["urbanness"].to_numpy()
    per_ward = 3_500 + 8_500 * u
    per_ward *= (lads["population"].to_numpy() / per_ward).sum() / WARDS
    counts = np.clip(np.round(lads["population"].to_numpy() / per_ward), 4, 140).astype(int)
    rows, geometry = [], []
    towns, town_xy, spreads = [], [], []
    csp_codes, csp_names = csps["csp_code"].to_numpy(), csps["csp_name"].to_numpy()
    for i, lad in enumerate(lads.itertuples()):
        cell, n = lad.cell, counts[i]
        spread = 0.12 * np.sqrt(cell.area)
        town = (
            _points_in(rng, cell.buffer(-spread), 1)[0]
            if cell.buffer(-spread).area > 0
            else (np.array(cell.representative_point().coords[0]))
        )
        in_town = int(round(n * (0.3 + 0.5 * lad.urbanness)))
        seeds = np.vstack(
            [
                _points_in(rng, cell, in_town, centre=town, spread=spread),
                _points_in(rng, cell, n - in_town),
            ]
        )
        seeds = _relax(seeds, cell, 1, step=0.5)
        cells = _cells(seeds, cell)
        order = np.argsort(-seeds[:, 1], kind="stable")  # north to south
        seeds, cells = seeds[order], cells[order]
        distance = np.hypot(*(seeds - town).T)
        town_name = lad.lad_name  # each authority is named after its main town
        residents = rng.uniform(0.75, 1.25, n)
        residents = np.round(residents * lad.population / residents.sum()).astype(int)
        rows.append(
            (
                _ward_names(rng, town_name, distance, spread),
                np.where(distance < 2 * spread, town_name, None),
                np.full(n, i),
                residents,
                np.exp(-distance / (1.5 * spread)),
            )
        )
        geometry.extend(cells)
        towns.append(town_name)
        town_xy.append(town)
        spreads.append(spread)
    lad_of_ward = np.concatenate([r[2] for r in rows])
    csp_of_ward = lads["csp"].to_numpy()[lad_of_ward]
    geometry = np.array(geometry, dtype=object)
    wards = gpd.GeoDataFrame(
        {
            "ward_code": [f"X05{100_001 + i}" for i in range(len(lad_of_ward))],
            "ward_name": [name for r in rows for name in r[0]],
            "area_code": csp_codes[csp_of_ward],
            "area_name": csp_names[csp_of_ward],
            "town": np.concatenate([r[1] for r in rows]),
            "lad": lad_of_ward,
            "population": np.concatenate([r[3] for r in rows]),
            "centrality": np.concatenate([r[4] for r in rows]),
            "coastal": shapely.dwithin(geometry, country.exterior, 1.0),
        },
        geometry=geometry,
        crs=BNG,
    )
    _unique_names_per_csp(wards)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    lads = lads.assign(
        town=towns,
        town_x=np.array(town_xy)[:, 0],
        town_y=np.array(town_xy)[:, 1],
        spread=spreads,
        first_ward=first,
        last_ward=first + counts - 1,
    )
    return wards, lads


def _ward_names(
    rng: np.random.Generator, town: str, distance: np.ndarray, spread: float
) -> list[str]:
    """Names of an authority's wards: "<town> <word>" in town, villages outside."""
    words = list(_WARD_WORDS)
    rng.shuffle(words[1:])
    in_town = np.flatnonzero(distance < 2 * spread)
    out = [""] * len(distance)
    centre = int(np.argmin(distance))
    out[centre] = f"{town} Central"
    extra = 0
    for k in in_town:
        if k == centre:
            continue
        extra += 1
        word = words[extra] if extra < len(words) else f"{words[extra % len(words)]} {extra}"
        out[k] = f"{town} {word}"
    for k in range(len(out)):
        if not out[k]:
            out[k] = _village(rng) if rng.random() < 0.7 else f"{_village(rng)} and {_village(rng)}"
    return out


def _village(rng: np.random.Generator) -> str:
    """An invented village name (names repeat across the country, as real ones do)."""
    return _STEMS[rng.integers(len(_STEMS))] + _SUFFIXES[rng.integers(len(_SUFFIXES))]


def _unique_names_per_csp(wards: gpd.GeoDataFrame) -> None:
    """Number repeated ward names within a CSP (two towns of one name), in place."""
    repeat = wards.groupby(["area_code", "ward_name"]).cumcount()
    wards.loc[repeat > 0, "ward_name"] += " " + (repeat[repeat > 0] + 1).astype(str)


def _lsoas(rng: np.random.Generator, wards: gpd.GeoDataFrame, lads: pd.DataFrame) -> pd.DataFrame:
    """LSOAs of about 1,650 residents, nested in wards, named "<authority> 001A"."""
    per_ward = np.maximum(1, np.round(wards["population"].to_numpy() / LSOA_RESIDENTS)).astype(int)
    ward = np.repeat(np.arange(len(wards)), per_ward)
    lad = wards["lad"].to_numpy()[ward]
    number = pd.Series(np.arange(len(ward))).groupby(lad).cumcount().to_numpy()
    msoa, letter = number // 5 + 1, np.array(list("ABCDE"))[number % 5]
    lad_name = lads["lad_name"].to_numpy()[lad]
    return pd.DataFrame(
        {
            "lsoa_code": [f"X01{100_001 + i}" for i in range(len(ward))],
            "lsoa_name": [
                f"{n} {m:03d}{c}" for n, m, c in zip(lad_name, msoa, letter, strict=True)
            ],
            "ward": ward,
        }
    )


def _snap_points(
    rng: np.random.Generator, wards: gpd.GeoDataFrame, lsoas: pd.DataFrame, country: Polygon
) -> pd.DataFrame:
    """The map points records are placed on: in wards, off the coast, and "No Location"."""
    population = wards["population"].to_numpy()
    per_ward = np.clip(np.round(population / _RESIDENTS_PER_SNAP), 15, 150).astype(int)
    ward = np.repeat(np.arange(len(wards)), per_ward)
    xy = _points_in_polygons(rng, wards.geometry.to_numpy(), ward)

    kind = rng.choice(
        len(_PLACES) + 1,
        size=len(ward),
        p=[1 - sum(p[1] for p in _PLACES), *(p[1] for p in _PLACES)],
    )
    factor = np.array([1.0, *(p[2] for p in _PLACES)])[kind]
    shop = np.array([False, *(p[3] for p in _PLACES)])[kind]
    weight = rng.lognormal(0, 1.0, len(ward)) * factor
    places = np.array(["", *("On or near " + p[0] for p in _PLACES)], dtype=object)
    location = np.where(
        kind == 0, np.array(_street_names(rng, len(ward)), dtype=object), places[kind]
    )

    # Each snap point lies in one LSOA of its ward.
    first = np.r_[0, np.cumsum(np.bincount(lsoas["ward"], minlength=len(wards)))[:-1]]
    count = np.bincount(lsoas["ward"], minlength=len(wards))
    lsoa = first[ward] + (rng.random(len(ward)) * count[ward]).astype(int)

    # Off the coast: a few points per coastal ward, 100-400 m outside the country.
    coastal = np.flatnonzero(wards["coastal"].to_numpy())
    off_ward = np.repeat(coastal, _OFFSHORE_POINTS)
    boundary = shapely.boundary(wards.geometry.to_numpy()[off_ward])
    shore = shapely.intersection(boundary, country.exterior.buffer(1))
    on_shore = shapely.get_coordinates(
        shapely.line_interpolate_point(shore, rng.random(len(off_ward)), normalized=True)
    )
    centre = np.array(country.centroid.coords[0])
    outward = (on_shore - centre) / np.hypot(*(on_shore - centre).T)[:, None]
    off_xy = on_shore + outward * rng.uniform(100, 400, (len(off_ward), 1))
    off_lsoa = np.where(
        np.arange(len(off_ward)) % 2 == 0,
        first[off_ward] + (rng.random(len(off_ward)) * count[off_ward]).astype(int),
        -1,
    )
    off_place = np.array(_OFFSHORE_PLACES)[np.arange(len(off_ward)) % _OFFSHORE_POINTS]

    all_xy = np.vstack([xy, off_xy])
    lon, lat = _to_wgs84(all_xy)
    return pd.DataFrame(
        {
            "ward": np.r_[ward, off_ward, -1],
            "lsoa": np.r_[lsoa, off_lsoa, -1],
            "longitude": pd.array(pa.concat_arrays([_six_decimals(lon), pa.array([""])])),
            "latitude": pd.array(pa.concat_arrays([_six_decimals(lat), pa.array([""])])),
            "location": [*location, *("On or near " + off_place), "No Location"],
            "weight": np.r_[weight, np.ones(len(off_ward)), 0],
            "shop_weight": np.r_[
                weight * np.where(shop, _SHOP_FACTOR, 1.0), np.ones(len(off_ward)), 0
            ],
            "offshore": np.r_[np.zeros(len(ward), bool), np.ones(len(off_ward), bool), False],
        }
    )


def _points_in_polygons(
    rng: np.random.Generator, polygons: np.ndarray, which: np.ndarray
) -> np.ndarray:
    """A random point in ``polygons[which[i]]`` for each i, kept off the boundary.

    The polygons are convex, so a point pulled 2% of the way towards the centroid stays
    inside, at least a few metres from the boundary.
    """
    bounds = shapely.bounds(polygons)
    centroid = shapely.get_coordinates(shapely.centroid(polygons))
    xy = np.full((len(which), 2), np.nan)
    todo = np.arange(len(which))
    while len(todo):
        low, high = bounds[which[todo], :2], bounds[which[todo], 2:]
        candidates = low + rng.random((len(todo), 2)) * (high - low)
        inside = shapely.contains_xy(polygons[which[todo]], candidates[:, 0], candidates[:, 1])
        xy[todo[inside]] = candidates[inside]
        todo = todo[~inside]
    return xy + 0.02 * (centroid[which] - xy)


def _street_names(rng: np.random.Generator, n: int) -> list[str]:
    """Locations "On or near <street>" for ``n`` snap points: common and invented names."""
    stem = rng.integers(0, len(_STEMS), n)
    suffix = rng.integers(0, len(_SUFFIXES), n)
    kind = rng.integers(0, len(_STREET_TYPES), n)
    common = rng.integers(0, len(_COMMON_STREETS), n)
    is_common = rng.random(n) < 0.2
    return [
        f"On or near {_COMMON_STREETS[c]}"
        if is_c
        else f"On or near {_STEMS[a]}{_SUFFIXES[b]} {_STREET_TYPES[k]}"
        for a, b, k, c, is_c in zip(
            stem.tolist(),
            suffix.tolist(),
            kind.tolist(),
            common.tolist(),
            is_common.tolist(),
            strict=True,
        )
    ]


# --------------------------------------------------------------------------------------
# Records: data.police.uk street-level rows
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _crime_types() -> pd.DataFrame:
    """The crime types of :data:`_CRIME_TYPES`, anti-social behaviour first."""
    return pd.read_csv(io.StringIO(_CRIME_TYPES), sep="|")


def _months() -> pd.PeriodIndex:
    return pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M")


@functools.lru_cache(maxsize=1)
def _expected_rows() -> np.ndarray:
    """Expected rows at scale 1 by local authority, crime type and month (3-d array).

    Residents times the authority's crime rate, its urbanness to the crime type's
    elasticity and a fixed random factor; with each type's seasonality and annual change;
    scaled so that each type's rows in the latest 12 months are its share of
    :data:`ROWS_PER_YEAR`.
    """
    geo, types = national_geography(), _crime_types()
    lads = geo.lads
    rng = np.random.default_rng([GEOGRAPHY_SEED, 1])
    base = (lads["population"] * lads["crime_rate"]).to_numpy()[:, None] * (
        (0.5 + lads["urbanness"].to_numpy()[:, None]) ** types["elasticity"].to_numpy()
    )
    base *= rng.lognormal(0, 0.15, base.shape)
    months = _months()
    season = 1 + types["season"].to_numpy()[:, None] * np.cos(
        2 * np.pi * (months.month.to_numpy() - 7) / 12
    )
    season *= months.days_in_month.to_numpy() / 30.44
    years_before_latest = 2 - np.arange(len(months)) // 12
    trend = (1 + types["change"].to_numpy()[:, None]) ** -years_before_latest
    expected = base[:, :, None] * (season * trend)[None]
    latest = expected[:, :, -12:].sum(axis=(0, 2))
    share = types["share"].to_numpy() / types["share"].sum()
    return expected * (ROWS_PER_YEAR * share / latest)[None, :, None]


@dataclass(frozen=True)
class _Sampler:
    """Cumulative weights and text dictionaries for drawing street-file rows fast."""

    ward_cum: tuple[np.ndarray, ...]  # per ward profile, over wards
    snap_cum: tuple[np.ndarray, ...]  # general, shops; over the snap points in wards
    first_snap: np.ndarray
    last_snap: np.ndarray
    first_offshore: np.ndarray  # -1 for wards not on the coast
    snap_lsoa: np.ndarray  # LSOA of each snap point (len(lsoas): none)
    no_location: int
    longitude: pa.Array
    latitude: pa.Array
    location: pa.Array
    lsoa_code: pa.Array
    lsoa_name: pa.Array
    crime_type: pa.Array
    outcome: pa.Array
    outcome_cum: np.ndarray  # crime types x outcomes (anti-social behaviour's row unused)
    lad_force: np.ndarray
    first_ward: np.ndarray  # of each local authority
    last_ward: np.ndarray
    ward_profile: np.ndarray  # of each crime type
    at_shops: np.ndarray
    no_location_rate: np.ndarray
    months: tuple[str, ...]
    force_names: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def _sampler() -> _Sampler:
    geo, types = national_geography(), _crime_types()
    wards, snaps = geo.wards, geo.snaps
    residents = wards["population"].to_numpy(dtype=float)
    centrality = wards["centrality"].to_numpy()
    ward_cum = tuple(np.cumsum(residents * (1 + pull * centrality)) for pull in _CENTRE_PULL)
    snap_ward = snaps["ward"].to_numpy()
    in_ward = ~snaps["offshore"].to_numpy() & (snap_ward >= 0)
    count = np.bincount(snap_ward[in_ward], minlength=len(wards))
    first = np.r_[0, np.cumsum(count)[:-1]]
    offshore = np.flatnonzero(snaps["offshore"].to_numpy())[::_OFFSHORE_POINTS]
    first_offshore = np.full(len(wards), -1)
    first_offshore[snap_ward[offshore]] = offshore
    lsoa = snaps["lsoa"].to_numpy()
    shares = pd.read_csv(io.StringIO(_OUTCOME_SHARES), sep="|", header=None, index_col=0)
    shares = shares.reindex(types["crime_type"]).fillna(0).to_numpy()
    shares[0, 0] = 1.0  # anti-social behaviour has no outcome
    return _Sampler(
        ward_cum=ward_cum,
        snap_cum=tuple(np.cumsum(snaps[c].to_numpy()[in_ward]) for c in ("weight", "shop_weight")),
        first_snap=first,
        last_snap=first + count - 1,
        first_offshore=first_offshore,
        snap_lsoa=np.where(lsoa < 0, len(geo.lsoas), lsoa),
        no_location=len(snaps) - 1,
        longitude=pa.array(snaps["longitude"], pa.string()),
        latitude=pa.array(snaps["latitude"], pa.string()),
        location=pa.array(snaps["location"], pa.string()),
        lsoa_code=pa.array([*geo.lsoas["lsoa_code"], ""], pa.string()),
        lsoa_name=pa.array([*geo.lsoas["lsoa_name"], ""], pa.string()),
        crime_type=pa.array(types["crime_type"], pa.string()),
        outcome=pa.array([*_OUTCOMES, ""], pa.string()),
        outcome_cum=np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1),
        lad_force=geo.lads["force"].to_numpy(),
        first_ward=geo.lads["first_ward"].to_numpy(),
        last_ward=geo.lads["last_ward"].to_numpy(),
        ward_profile=types["wards"].to_numpy(),
        at_shops=types["shops"].to_numpy().astype(bool),
        no_location_rate=types["no_location"].to_numpy(),
        months=tuple(str(m) for m in _months()),
        force_names=tuple(geo.forces["force_name"]),
    )


def _pick(cum: np.ndarray, low: np.ndarray, high: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each row, an index in [low, high] drawn by weight (``cum``: cumulative weights)."""
    start = np.where(low > 0, cum[np.maximum(low - 1, 0)], 0.0)
    target = start + u * (cum[high] - start)
    return np.clip(np.searchsorted(cum, target, side="right"), low, high)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _crime_ids(rng: np.random.Generator, is_crime: np.ndarray) -> pa.Array:
    """64 hexadecimal digits per crime (as data.police.uk's), blank for ASB rows."""
    digits = _HEX[rng.integers(0, 16, (int(is_crime.sum()), 64), dtype=np.uint8)]
    offsets = np.r_[0, np.cumsum(np.where(is_crime, 64, 0))].astype(np.int32)
    return pa.StringArray.from_buffers(
        len(is_crime), pa.py_buffer(offsets), pa.py_buffer(digits.tobytes())
    )


def _coded(indices: np.ndarray, dictionary: pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), dictionary)


def _street_table(force: int, month: int, *, seed: int, scale: float) -> pa.Table:
    """The rows of one force's street file for one month (a position in :func:`_months`).

    Drawn from the stream ``[seed, force, month]``, so each file is the same whichever
    files are written with it.
    """
    sample = _sampler()
    rng = np.random.default_rng([seed, force, month])
    lads = np.flatnonzero(sample.lad_force == force)
    expected = _expected_rows()[lads, :, month].ravel() * scale
    counts = rng.poisson(expected)
    if not counts.any():  # every force publishes a file with rows each month
        counts[np.argmax(expected)] = 1
    n_types = len(sample.ward_profile)
    lad = np.repeat(np.repeat(lads, n_types), counts)
    crime_type = np.repeat(np.tile(np.arange(n_types), len(lads)), counts)
    n = len(lad)

    # Ward by the crime type's profile, then snap point by weight (shops for shoplifting).
    first_ward, last_ward = sample.first_ward[lad], sample.last_ward[lad]
    profile = sample.ward_profile[crime_type]
    ward = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for p, cum in enumerate(sample.ward_cum):
        rows = profile == p
        ward[rows] = _pick(cum, first_ward[rows], last_ward[rows], u[rows])
    shops = sample.at_shops[crime_type]
    snap = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for s, cum in enumerate(sample.snap_cum):
        rows = shops == bool(s)
        low, high = sample.first_snap[ward[rows]], sample.last_snap[ward[rows]]
        snap[rows] = _pick(cum, low, high, u[rows])
    offshore = (sample.first_offshore[ward] >= 0) & (rng.random(n) < _OFFSHORE_SHARE)
    snap[offshore] = sample.first_offshore[ward[offshore]] + rng.integers(
        0, _OFFSHORE_POINTS, int(offshore.sum())
    )
    snap[rng.random(n) < sample.no_location_rate[crime_type]] = sample.no_location

    # Rows in LSOA order (no location last), then by place and crime type.
    lsoa = sample.snap_lsoa[snap]
    order = np.lexsort((crime_type, snap, lsoa))
    snap, crime_type, lsoa = snap[order], crime_type[order], lsoa[order]
    is_crime = crime_type != 0
    outcome = np.minimum(
        (rng.random(n)[:, None] > sample.outcome_cum[crime_type]).sum(axis=1), len(_OUTCOMES) - 1
    )
    age = len(sample.months) - 1 - month
    if age < len(_STILL_INVESTIGATED):
        outcome[rng.random(n) < _STILL_INVESTIGATED[age]] = _OUTCOMES.index("Under investigation")
    outcome[~is_crime] = len(_OUTCOMES)  # blank
    force_name = pa.array([sample.force_names[force]])
    constant = np.zeros(n, dtype=np.int32)
    columns = [
        _crime_ids(rng, is_crime),
        _coded(constant, pa.array([sample.months[month]])),
        _coded(constant, force_name),
        _coded(constant, force_name),
        _coded(snap, sample.longitude),
        _coded(snap, sample.latitude),
        _coded(snap, sample.location),
        _coded(lsoa, sample.lsoa_code),
        _coded(lsoa, sample.lsoa_name),
        _coded(crime_type, sample.crime_type),
        _coded(outcome, sample.outcome),
        pa.nulls(n, pa.string()),
    ]
    return pa.table(columns, names=list(POLICE_UK_COLUMNS))


_HEADER = (",".join(POLICE_UK_COLUMNS) + "\n").encode()
_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="none")


def _write_street_file(path: Path, table: pa.Table) -> None:
    """Write rows as data.police.uk does: CSV without quotes (gzip when ``path`` ends .gz)."""
    sink = (
        pa.CompressedOutputStream(str(path), "gzip") if path.suffix == ".gz" else open(path, "wb")
    )  # noqa: SIM115
    with sink:
        sink.write(_HEADER)
        pa_csv.write_csv(table, sink, _CSV_OPTIONS)


# --------------------------------------------------------------------------------------
# The data directory
# --------------------------------------------------------------------------------------

CONFIG_NAME = "national.yaml"
#: The files and folders :func:`write_national_data` writes in its folder, in its order.
NATIONAL_FILES = (
    SYNTHETIC_MARKER,
    CONFIG_NAME,
    "wards.gpkg",
    "population.csv",
    "population_totals.csv",
    "lsoa_ward_lookup.csv",
    "lad_csp_force_lookup.csv",
    "peers.csv",
    "police_uk",
)
#: CSPs in each partnership's most similar group (the Home Office's groups have 15).
MOST_SIMILAR = 15


def street_file_name(force_slug: str, month: str, *, gzip: bool = False) -> str:
    """A street file's path under ``police_uk/``, as data.police.uk names it.

    >>> street_file_name("west-mercia", "2025-06")
    '2025-06/2025-06-west-mercia-street.csv'
    """
    return f"{month}/{month}-{force_slug}-street.csv{'.gz' if gzip else ''}"


def _street_files(*, gzip: bool) -> list[str]:
    """Every street file's path under ``police_uk/``, by month and force."""
    slugs = national_geography().forces["slug"]
    return [street_file_name(s, str(m), gzip=gzip) for m in _months() for s in slugs]


def national_config(data_dir: str | Path) -> str:
    """A deployment file (YAML) for the national data in ``data_dir``.

    Pages are for one CSP of median population, compared with its most similar group.
    ``data_dir`` is written as an absolute path, so the file works from any folder.
    """
    import yaml

    geo = national_geography()
    residents = geo.wards.groupby("area_code")["population"].sum()
    middle = residents.sort_values(kind="stable").index[len(residents) // 2]
    area = geo.csps.loc[geo.csps["csp_code"] == middle, "csp_name"].iloc[0]
    settings = {
        "title": f"{COUNTRY_NAME} (synthetic national data)",
        "data_dir": str(Path(data_dir).resolve()),
        "areas": [area],
        "period": LATEST_QUARTER,
        "top_n_wards": 10,
        "population_vintage": "synthetic ward residents, invented for the demo",
        "population_scale_to": {
            "file": "population_totals.csv",
            "vintage": "synthetic mid-2025 population estimates",
            "columns": {"Code": "area_code", "All ages": "population"},
        },
        "suppression_threshold": 4,
        "sources": [
            "Synthetic data made by csp_analysis.demo_national: invented data.police.uk-style "
            "records for an invented country of 43 forces and 314 partnerships. No real "
            "people, crimes or places."
        ],
    }
    header = (
        "# Deployment settings for the synthetic national data (csp demo-data --national).\n"
        "# Written with the data; csp --data-dir overrides data_dir if the folder moves.\n"
    )
    return header + yaml.safe_dump(settings, sort_keys=False, allow_unicode=True, width=88)


def _synthetic_note(seed: int, scale: float) -> str:
    geo = national_geography()
    return f"""# Synthetic data

Everything in this directory is **synthetic**. It was made by `csp_analysis.demo_national`
(`write_national_data(seed={seed}, scale={scale})`) for demonstrations and scale tests.

- {COUNTRY_NAME} is an invented country of {len(geo.forces)} police forces,
  {len(geo.csps)} Community Safety Partnerships, {len(geo.lads)} local authorities,
  {len(geo.wards):,} wards and {len(geo.lsoas):,} LSOAs, with about
  {geo.wards["population"].sum() / 1e6:.1f} million residents. Its places, names and
  codes (all starting with `X`) do not exist; its map lies in the North Sea.
- `police_uk/` holds data.police.uk-style street-level files, one per force and month
  ({FIRST_MONTH} to {LAST_MONTH}): invented crimes and anti-social behaviour, about
  {ROWS_PER_YEAR * scale:,.0f} rows a year at this scale.
- `wards.gpkg` (British National Grid) gives each ward its partnership (area_code,
  area_name); `lad_csp_force_lookup.csv` is the local authority -> partnership -> force
  lookup, `lsoa_ward_lookup.csv` the LSOA -> ward lookup, `population.csv` the residents
  per ward and `population_totals.csv` the area totals the rates are scaled to;
  `peers.csv` gives each partnership its most similar group of {MOST_SIMILAR} (nearest in
  residents and urbanness), the partnerships its pages compare it with.
- `{CONFIG_NAME}` is a deployment file for this folder (`csp validate --config ...`).

The toolkit detects this file (`{SYNTHETIC_MARKER}`) and labels every output made from this
directory as synthetic.
"""


def _check_folder(out: Path) -> None:
    """Refuse a folder with files the generator did not make (also inside ``police_uk``)."""
    check_demo_folder(out, files=NATIONAL_FILES)
    police_uk = out / "police_uk"
    if not police_uk.is_dir():
        return
    expected = {*_street_files(gzip=False), *_street_files(gzip=True)}
    expected |= {str(month) for month in _months()}
    foreign = sorted(
        p.relative_to(police_uk).as_posix()
        for p in police_uk.rglob("*")
        if p.relative_to(police_uk).as_posix() not in expected
    )
    if foreign:
        from csp_analysis.outputs import OutputError

        raise OutputError(
            f"{police_uk} holds files the national generator did not make "
            f"({', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}): not written, so "
            "they are not mixed with synthetic records. Choose a new folder for --out."
        )


def _write_geography(out: Path) -> list[Path]:
    """The wards, populations and lookups; returns their paths in :data:`NATIONAL_FILES` order."""
    import pyogrio

    geo = national_geography()
    wards, lads = geo.wards, geo.lads
    paths = [out / name for name in NATIONAL_FILES[2:8]]

    # GeoPackage: read about seven times faster than GeoJSON. Its timestamp is fixed so that
    # the same data gives the same bytes.
    paths[0].unlink(missing_ok=True)
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2026-04-01T00:00:00Z"})
    try:
        published = ["ward_code", "ward_name", "area_code", "area_name", "town", "geometry"]
        wards[published].to_file(paths[0], driver="GPKG", layer="wards")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})

    wards[["ward_code", "population"]].to_csv(paths[1], index=False)

    # Area totals as the ONS mid-year estimates give them (Code, Name, Geography, All
    # ages): each authority's census residents grown by up to 4%, partnerships the sum.
    growth = np.random.default_rng([GEOGRAPHY_SEED, 2]).uniform(1.0, 1.04, len(lads))
    census = wards.groupby("lad")["population"].sum().to_numpy()
    lad_total = np.round(census * growth).astype(int)
    csp_total = np.bincount(lads["csp"], weights=lad_total).astype(int)
    totals = pd.DataFrame(
        {
            "Code": [COUNTRY_CODE, *geo.csps["csp_code"], *lads["lad_code"]],
            "Name": [COUNTRY_NAME, *geo.csps["csp_name"], *lads["lad_name"]],
            "Geography": ["Country"]
            + ["Community Safety Partnership"] * len(geo.csps)
            + ["Local authority"] * len(lads),
            "All ages": [int(lad_total.sum()), *csp_total, *lad_total],
        }
    )
    totals.to_csv(paths[2], index=False)

    ward_of_lsoa = geo.lsoas["ward"].to_numpy()
    lad_of_lsoa = wards["lad"].to_numpy()[ward_of_lsoa]
    pd.DataFrame(
        {
            "lsoa_code": geo.lsoas["lsoa_code"],
            "lsoa_name": geo.lsoas["lsoa_name"],
            "ward_code": wards["ward_code"].to_numpy()[ward_of_lsoa],
            "ward_name": wards["ward_name"].to_numpy()[ward_of_lsoa],
            "lad_code": lads["lad_code"].to_numpy()[lad_of_lsoa],
            "lad_name": lads["lad_name"].to_numpy()[lad_of_lsoa],
        }
    ).to_csv(paths[3], index=False)

    csp, force = lads["csp"].to_numpy(), lads["force"].to_numpy()
    pd.DataFrame(
        {
            "ltla24_code": lads["lad_code"],
            "ltla24_name": lads["lad_name"],
            "csp24_code": geo.csps["csp_code"].to_numpy()[csp],
            "csp24_name": geo.csps["csp_name"].to_numpy()[csp],
            "pfa24_code": geo.forces["force_code"].to_numpy()[force],
            "pfa24_name": geo.forces["force_name"].to_numpy()[force],
        }
    ).to_csv(paths[4], index=False)
    most_similar_groups(geo).to_csv(paths[5], index=False)
    return paths


def most_similar_groups(geo: NationalGeography) -> pd.DataFrame:
    """Each CSP's most similar group: the :data:`MOST_SIMILAR` CSPs nearest in character.

    As the Home Office's groups compare a partnership with those most like it, here
    nearness is in residents (log) and urbanness (the residents' average), both scaled
    to unit variance. Returns the peer list's columns: area_code, peer_code (nearest
    first).

    >>> groups = most_similar_groups(national_geography())
    >>> groups.groupby("area_code").size().unique().tolist(), len(groups)
    ([15], 4710)
    >>> bool((groups["area_code"] != groups["peer_code"]).all())
    True
    """
    lads = geo.lads
    residents = np.bincount(lads["csp"], weights=lads["population"])
    urban = np.bincount(lads["csp"], weights=lads["population"] * lads["urbanness"]) / residents
    traits = np.column_stack([np.log(residents), urban])
    traits = (traits - traits.mean(axis=0)) / traits.std(axis=0)
    distance = ((traits[:, None, :] - traits[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(distance, np.inf)
    nearest = np.argsort(distance, axis=1, kind="stable")[:, :MOST_SIMILAR]
    codes = geo.csps["csp_code"].to_numpy()
    return pd.DataFrame(
        {"area_code": np.repeat(codes, MOST_SIMILAR), "peer_code": codes[nearest].ravel()}
    )


def write_national_data(
    out_dir: str | Path, *, seed: int = 2025, scale: float = 1.0, gzip: bool = False
) -> list[Path]:
    """Write the synthetic national data directory (see the module's description).

    Writes ``SYNTHETIC_DATA.md``, ``national.yaml`` (a deployment file for the folder, see
    :func:`national_config`), ``wards.gpkg``, ``population.csv``,
    ``population_totals.csv``, ``lsoa_ward_lookup.csv``, ``lad_csp_force_lookup.csv``,
    ``peers.csv`` (each CSP's most similar group, :func:`most_similar_groups`) and
    ``police_uk/YYYY-MM/YYYY-MM-<force>-street.csv`` for 36 months and 43 forces.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write to: created if missing; a folder the generator made before is
        written again; any other folder that is not empty is refused
        (:class:`~csp_analysis.outputs.OutputError`).
    seed : int
        Seed of the records: the same seed and scale give the same bytes. The map (wards,
        LSOAs, populations) is the same for every seed.
    scale : float
        Multiplies the number of rows: 1.0 is about 6.5 million a year (20 million in
        all, 4.5 GB), 0.01 about 200,000.
    gzip : bool
        Write the street files gzipped (``.csv.gz``): a quarter of the size, three times
        the time to write. Plain CSV (the default) is the fastest to write and to read.

    Returns
    -------
    list of Path
        The files written: the marker, the deployment file, the geography files, then the
        street files by month and force.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out = Path(out_dir)
    _check_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    # The marker first: a folder left half-written is still recognised as the generator's.
    marker, config = out / SYNTHETIC_MARKER, out / CONFIG_NAME
    marker.write_text(_synthetic_note(seed, scale), encoding="utf-8")
    config.write_text(national_config(out), encoding="utf-8")
    paths = [marker, config, *_write_geography(out)]
    for name in _street_files(gzip=not gzip):  # an earlier run's, in the other form
        (out / "police_uk" / name).unlink(missing_ok=True)
    forces = len(national_geography().forces)
    for i, name in enumerate(_street_files(gzip=gzip)):
        path = out / "police_uk" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_street_file(path, _street_table(i % forces, i // forces, seed=seed, scale=scale))
        paths.append(path)
    return paths
