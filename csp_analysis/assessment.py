"""Strategic assessment: harm, places and peers across every theme of one area and year.

:func:`build_assessment` takes the located records of a data directory and the pack's
profiles of one area (for the latest quarter's change, trend and variation, as the theme
pages show them) and assembles what a partnership sets its priorities with, over the
assessment year:

- ``priorities``: one row per theme: volume, change, harm, trend, latest month and the
  position among peers, each in words;
- ``harm``: every ward's harm (ONS Crime Severity Score weights) with its interval and
  rank interval, and ``localities``: the high-harm wards pooled over up to three years;
- ``concentration``: Gini, generalised Gini and the share in the top 5% and 10% of wards,
  of crime and of harm, with the Lorenz curves for the chart;
- ``hotspots``: local Getis-Ord Gi* of every ward of every area in the data, with
  false-discovery-rate control across them all, and the pattern over quarters;
- ``peers``: each theme's rate against the other areas of the data (and the benchmark
  table), with rate ratios and funnel-plot bands.

:func:`protect_assessment` makes the board and public version: ward counts of 1 to the
threshold (and the counts that would give them away) withheld with everything made from
them, Gi* scores and p-values left to the restricted version, and peer counts of 1 to the
threshold withheld.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import shapely

from csp_analysis import harm, peers, places, wording
from csp_analysis.config import Settings
from csp_analysis.load import POLICE_UK, Dataset
from csp_analysis.locate import to_british_national_grid
from csp_analysis.periods import Period
from csp_analysis.profile import (
    CoverageError,
    Profile,
    check_coverage,
    peers_table,
    theme_mask,
)

#: Years of data the high-harm localities pool, at most.
LOCALITY_YEARS = 3
#: Wards listed as high-harm localities.
LOCALITY_TOP = 5
#: A theme doing at least this share of all harm (%) is worth considering as a priority.
HARM_SHARE = 10
#: The reason a theme's position among its peers gives for priority.
PEERS_REASON = "higher than similar areas"
#: Significance level of the hotspot test after false-discovery-rate control.
HOTSPOT_Q = 0.05


def assessment_period(period: str | Period, setting: str = "") -> Period:
    """The assessment year: ``setting`` when given, else the 12 months to ``period``'s end.

    A year ending in March is the financial year.

    >>> assessment_period("2025-26Q4").label, assessment_period("2024-25Q3").label
    ('2025-26', '2024-01:2024-12')
    >>> assessment_period("2025-26Q4", "2025-01:2025-12").describe()
    'January 2025 to December 2025'
    """
    if setting:
        return Period.parse(setting)
    current = period if isinstance(period, Period) else Period.parse(period)
    end = current.end
    if end.month == 3:
        return Period.parse(f"{end.year - 1}-{end.year % 100:02d}")
    return Period.parse(f"{end - 11}:{end}")


@dataclass
class Assessment:
    """The strategic assessment of one area and year (see :func:`build_assessment`).

    Tables (None when the data cannot give them, with the reason in ``notes``):
    ``priorities`` (theme, title, count, rate_per_1000_per_year, harm, harm_share_pct,
    mean_severity, change, variation, trend, peers, ratio_to_peers, signals, reasons);
    ``harm`` (ward_code, ward_name, count, harm, harm_per_1000, harm_lower, harm_upper,
    rank, rank_lower, rank_upper); ``localities`` (wards) and ``towns_harm`` (towns, when
    the wards name theirs), see :func:`csp_analysis.harm.high_harm_localities`;
    ``categories`` (see
    :func:`harm_by_category`); ``data_quality`` (records_of, then the columns of
    :func:`account_year`, for crimes and for anti-social behaviour);
    ``concentration`` (of, measure, value);
    ``lorenz`` (of, share_of_places, share_of_events); ``hotspots`` (ward_code,
    ward_name, count, z, p, q_value, hotspot, and with two or more quarters of data
    pattern and quarters); ``grid_hotspots`` (see :func:`grid_hotspots`); ``peers``
    (theme, then the columns of
    :func:`csp_analysis.peers.compare_peers`); ``funnels`` (theme -> the funnel limits
    of :func:`csp_analysis.peers.funnel_limits`).
    """

    area_code: str
    area_name: str
    period: Period
    pack_period: Period
    synthetic: bool = False
    restricted: bool = True
    threshold: int = 4
    notes: list[str] = field(default_factory=list)
    weights_note: str = ""
    priorities: pd.DataFrame | None = None
    harm: pd.DataFrame | None = None
    localities: pd.DataFrame | None = None
    towns_harm: pd.DataFrame | None = None
    categories: pd.DataFrame | None = None
    data_quality: pd.DataFrame | None = None
    concentration: pd.DataFrame | None = None
    lorenz: pd.DataFrame | None = None
    hotspots: pd.DataFrame | None = None
    grid_hotspots: pd.DataFrame | None = None
    peers: pd.DataFrame | None = None
    funnels: dict[str, pd.DataFrame] = field(default_factory=dict)
    funnel_methods: dict[str, str] = field(default_factory=dict)
    benchmark_themes: list[str] = field(default_factory=list)
    ward_shapes: pd.DataFrame | None = None
    towns: dict[str, tuple[float, float]] = field(default_factory=dict)


def _area_records(dataset: Dataset, kind: str, area_code: str) -> pd.DataFrame | None:
    """The records of ``kind`` in the area (all of them when the dataset is its store view)."""
    records = dataset.records(kind)
    if records is None:
        return None
    return records.loc[records["area_code"].eq(area_code).fillna(False).astype(bool)]


def _in_months(records: pd.DataFrame, period: Period) -> pd.Series:
    return records["month"].between(period.start, period.end)


def _signals(row: dict, profile: Profile | None) -> list[str]:
    """Why a theme may deserve priority, in plain words (empty when nothing stands out)."""
    reasons = []
    share = row.get("harm_share_pct", np.nan)
    if pd.notna(share) and HARM_SHARE <= share < 99.5:  # not all crime itself
        reasons.append(f"{row['harm_share_pct']:.0f}% of all harm")
    band = str(row.get("peers_band", ""))
    if band.startswith("above"):
        reasons.append(PEERS_REASON)
    if profile is not None and profile.change is not None:
        change = profile.change
        if wording.beyond_chance(change.p_value) and change.current > change.previous:
            reasons.append("rising more than chance would explain")
    if str(row.get("variation", "")).startswith("concerning"):
        reasons.append("an unusual latest month")
    return reasons


def build_assessment(
    dataset: Dataset,
    settings: Settings,
    *,
    area: str,
    period: str | Period,
    profiles: Mapping[str, Profile | Exception],
) -> Assessment:
    """The strategic assessment of ``area`` for the year given by ``period`` (exact numbers).

    ``period`` is the pack's period; the year is :func:`assessment_period` of it and the
    deployment's ``assessment_period``. ``profiles`` are the pack's exact profiles of the
    area (the change, trend and latest month come from them). Raises
    :class:`~csp_analysis.profile.CoverageError` when the data does not cover the year.
    """
    pack_period = period if isinstance(period, Period) else Period.parse(period)
    year = assessment_period(pack_period, settings.assessment_period)
    place = dataset.find_area(area)
    out = Assessment(
        area_code=place["area_code"],
        area_name=place["area_name"],
        period=year,
        pack_period=pack_period,
        synthetic=dataset.synthetic,
        threshold=settings.suppression_threshold,
        notes=[],
        weights_note=dataset.weights_note,
        towns=dict(settings.towns),
    )
    crimes = _area_records(dataset, "crimes", out.area_code)
    if crimes is None:
        raise CoverageError("The strategic assessment needs crime records; the data has none.")
    police_uk = dataset.crimes_source == POLICE_UK
    covered = dataset.covered("crimes")
    missing = [str(m) for m in year.months if m not in set(covered)]
    if missing:
        raise CoverageError(
            f"{dataset.crimes_source} has no data for {', '.join(missing)}, which the "
            f"assessment year {year.label} ({year.describe()}) needs; set assessment_period "
            "in the deployment file to a year the data covers."
        )
    wards = dataset.wards
    area_wards = wards.loc[wards["area_code"] == out.area_code]
    out.ward_shapes = area_wards[
        ["ward_code", "ward_name", "geometry", *(["town"] if "town" in area_wards else [])]
    ]
    population = None
    if dataset.population is not None:
        population = dataset.population.loc[
            dataset.population["ward_code"].isin(area_wards["ward_code"])
        ]
    all_crime = crimes.loc[_in_months(crimes, year)]

    # Harm by ward (all crime), its ranks, and the high-harm localities.
    units = area_wards["ward_code"].tolist()
    table = harm.harm_index(all_crime, by="ward_code", units=units, population=population)
    ranks = harm.rank_intervals(all_crime, by="ward_code", units=units)  # by harm, as localities
    out.harm = (
        area_wards[["ward_code", "ward_name"]]
        .merge(table, on="ward_code", how="left")
        .merge(ranks, on="ward_code", how="left")
        .sort_values(["rank", "ward_name"])
        .reset_index(drop=True)
    )
    years = [year]
    while len(years) < LOCALITY_YEARS and all(
        m in set(covered) for m in years[-1].previous().months
    ):
        years.append(years[-1].previous())
    pooled = crimes.loc[crimes["month"].between(years[-1].start, year.end)]
    deprivation = dataset.deprivation
    out.localities = (
        harm.high_harm_localities(
            pooled,
            year=year.label,
            by="ward_code",
            years=len(years),
            top=LOCALITY_TOP,
            units=units,
            deprivation=deprivation,
            covered=covered,
        )
        .merge(area_wards[["ward_code", "ward_name"]], on="ward_code", how="left")
        .head(LOCALITY_TOP * 2)
    )
    if "town" in area_wards and area_wards["town"].notna().any():
        town_of = area_wards.set_index("ward_code")["town"]
        out.towns_harm = harm.high_harm_localities(
            pooled.assign(town=pooled["ward_code"].map(town_of)),
            year=year.label,
            by="town",
            years=len(years),
            top=LOCALITY_TOP,
            units=sorted(town_of.dropna().unique()),
        )
    if len(years) < LOCALITY_YEARS:
        out.notes.append(
            f"High-harm localities pool {len(years)} year{'s' if len(years) > 1 else ''} "
            f"of data: the data does not cover {LOCALITY_YEARS} full years to "
            f"{year.end.strftime('%B %Y')}."
        )

    if note := harm.unweighted_note(all_crime):
        out.notes.append(note)

    out.data_quality = pd.concat(
        [
            account_year(
                dataset.counts[kind], area_code=out.area_code, year=year, peers=dataset.peer_areas
            ).assign(records_of=name)
            for kind, name in (("crimes", "crimes"), ("asb", "anti-social behaviour"))
            if kind in dataset.counts
        ],
        ignore_index=True,
    )[["records_of", "description", "records"]]

    # Harm by type of crime: volume against severity.
    by = "crime_type" if police_uk else "offence_subgroup"
    out.categories = harm_by_category(all_crime, by=by)

    # Concentration of crime and of harm across the area's wards.
    counts = out.harm["count"].to_numpy(dtype=float)
    harms = out.harm["harm"].fillna(0).to_numpy(dtype=float)
    rows = []
    for of, values in (("crime", counts), ("harm", harms)):
        rows += [
            {"of": of, "measure": "gini", "value": places.gini(values)},
            {
                "of": of,
                "measure": "generalised_gini",
                "value": places.gini(values, generalised=True) if of == "crime" else np.nan,
            },
            {
                "of": of,
                "measure": "top_5pct_share",
                "value": places.top_share(values, fraction=0.05),
            },
            {
                "of": of,
                "measure": "top_10pct_share",
                "value": places.top_share(values, fraction=0.10),
            },
        ]
    out.concentration = pd.DataFrame(rows).dropna(subset=["value"]).reset_index(drop=True)
    out.lorenz = pd.concat(
        [places.lorenz(counts).assign(of="crime"), places.lorenz(harms).assign(of="harm")],
        ignore_index=True,
    )

    # Hotspots: Gi* on every ward of every area, FDR across all of them.
    out.hotspots = _hotspots(dataset, crimes, area_code=out.area_code, year=year, covered=covered)

    out.grid_hotspots = grid_hotspots(all_crime, area_wards)

    # Every theme: volume, harm, peers, and the quarter's change, trend and variation.
    total_harm = float(all_crime["harm_weight"].sum())  # with the unknown ward's
    rows, peer_tables = [], []
    for name, theme in settings.themes.items():
        records = _area_records(dataset, theme.records, out.area_code)
        theme_police_uk = dataset.source(theme.records) == POLICE_UK
        profile = profiles.get(name)
        profile = profile if isinstance(profile, Profile) and profile.available else None
        if records is None or profile is None:
            continue
        own = theme_mask(records, theme, police_uk=theme_police_uk) & _in_months(records, year)
        try:
            check_coverage(dataset.covered(theme.records), year, year, theme.title)
        except CoverageError:
            continue
        row = {"theme": name, "title": theme.title, "count": int(own.sum())}
        row["rate_per_1000_per_year"] = _rate_per_year(row["count"], population, year)
        if "harm_weight" in records and theme.records == "crimes":
            theme_harm = float(records.loc[own, "harm_weight"].sum())
            row["harm"] = theme_harm
            row["harm_share_pct"] = 100 * theme_harm / total_harm if total_harm else np.nan
            weighted = records.loc[own, "harm_weight"].notna().sum()
            row["mean_severity"] = theme_harm / weighted if weighted else np.nan
        row["change"] = wording.change(
            profile.change.current, profile.change.previous, since=profile.previous.describe()
        )
        row["verdict"] = wording.verdict(
            profile.change.current, profile.change.previous, profile.change.p_value, short=True
        )
        row["variation"] = profile.latest_variation()
        trend = profile.trend
        row["trend"] = "" if trend is None else wording.trend_short(trend.trend, trend.p_value)
        table = peers_table(dataset, area_code=out.area_code, period=year, theme=theme)
        if table is not None:
            peer_tables.append(table.assign(theme=name))
            if "benchmark" in set(table["comparison"]):
                out.benchmark_themes.append(name)
            table = table.loc[table["comparison"] == table["comparison"].iloc[0]]
            mine = table.loc[table["is_area"]].iloc[0]
            row["peers_band"] = mine["funnel_band"]
            row["ratio_to_peers"] = mine["ratio_to_peers"]
            row["ratio_lower"] = mine["ratio_lower"]
            row["ratio_upper"] = mine["ratio_upper"]
            out.funnels[name] = _funnel(table)
            out.funnel_methods[theme.title] = str(table["funnel_method"].iloc[0])
        reasons = _signals(row, profile)
        row["signals"] = len(reasons)
        row["reasons"] = "; ".join(reasons)
        rows.append(row)
    out.priorities = pd.DataFrame(rows)
    if peer_tables:
        out.peers = pd.concat(peer_tables, ignore_index=True)
        out.peers.insert(0, "theme", out.peers.pop("theme"))
    return out


def account_year(
    counts: pd.DataFrame, *, area_code: str, year: Period, peers: pd.DataFrame | None
) -> pd.DataFrame:
    """Where every record went: the assessment's data-quality table (crimes or ASB).

    ``counts`` are the :func:`~csp_analysis.load.record_counts` of every record read.
    Returns columns description, records; the rows after the first partition it (their
    sum is the first row): outside the year; in the area; in another area compared; in no
    area compared (no location, or a place outside the areas compared).
    """
    in_year = _in_months(counts, year)
    in_area = counts["area_code"].eq(area_code).fillna(False).astype(bool)
    others = set(peers["area_code"]) - {area_code} if peers is not None else set()
    in_other = counts["peer_area"].isin(others).fillna(False).astype(bool) & ~in_area

    def counted(where: pd.Series) -> int:
        return int(counts.loc[where, "records"].sum())

    rows = [
        ("Records read", int(counts["records"].sum())),
        ("Outside the assessment year", counted(~in_year)),
        ("In the area in the year", counted(in_year & in_area)),
        ("In another area compared, in the year", counted(in_year & in_other)),
        (
            "In no area compared, in the year (no location, or outside the areas compared)",
            counted(in_year & ~in_area & ~in_other),
        ),
    ]
    return pd.DataFrame(rows, columns=["description", "records"])


def harm_by_category(records: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """Crimes and harm by type of crime, largest harm first.

    Returns columns: category, count, weighted (records with a weight), harm,
    mean_severity (harm per weighted record), share_of_crime_pct, share_of_harm_pct.
    """
    grouped = records.groupby(by, observed=True, dropna=False)
    table = pd.DataFrame(
        {
            "count": grouped.size(),
            "weighted": grouped["harm_weight"].count(),
            "harm": grouped["harm_weight"].sum(),
        }
    )
    table.index = table.index.fillna("Unknown").astype(str)
    table = table.rename_axis("category").reset_index()
    table["mean_severity"] = table["harm"] / table["weighted"].where(table["weighted"] > 0)
    table["share_of_crime_pct"] = 100 * table["count"] / table["count"].sum()
    total = table["harm"].sum()
    table["share_of_harm_pct"] = 100 * table["harm"] / total if total else np.nan
    return table.sort_values(["harm", "count"], ascending=False).reset_index(drop=True)


def _funnel(table: pd.DataFrame) -> pd.DataFrame:
    """Funnel limits over the populations of a peers table, for the chart."""
    known = table["population"].dropna()
    grid = np.geomspace(max(1.0, known.min() * 0.5), known.max() * 1.5, 200)
    limits = peers.funnel_limits(
        grid,
        baseline_rate=float(table["funnel_baseline"].iloc[0]),
        tau2=float(table["funnel_tau2"].iloc[0]),
    )
    return limits.rename(columns={"baseline": "target"})


def _rate_per_year(count: int, population: pd.DataFrame | None, year: Period) -> float:
    if population is None or not population["population"].sum():
        return np.nan
    return count / population["population"].sum() * 1000 * 12 / year.month_count


def year_hotspots(crimes: pd.DataFrame, wards, *, year: Period) -> pd.DataFrame:
    """Gi* of every ward of every area on the year's crimes, FDR across all the wards.

    Returns the columns of :func:`csp_analysis.places.ward_hotspots`.
    """
    counts = crimes.loc[_in_months(crimes, year), "ward_code"].value_counts()
    return places.ward_hotspots(wards, counts)


def _hotspots(
    dataset: Dataset,
    records: pd.DataFrame,
    *,
    area_code: str,
    year: Period,
    covered: pd.PeriodIndex,
) -> pd.DataFrame:
    """Gi* hot and cold spots of the area's wards, and the area's pattern by quarter.

    Gi* on the year's count is computed within each area and the false discovery rate is
    controlled across the wards of all areas (:func:`year_hotspots`; from the processed
    store, which computes it once, when the dataset is an area's view of it). ``records``
    are the area's crimes. The pattern (persistent, emerging, former, intermittent) is
    sfhotspot's classification over the quarters of the years the data covers whole, up to
    the assessment year.
    """
    if dataset.store is not None:
        result = dataset.store.hotspots(year)
    else:
        result = year_hotspots(dataset.crimes, dataset.wards, year=year)
    result = result.loc[result["area_code"] == area_code]
    wards = dataset.wards
    own = wards.loc[wards["area_code"] == area_code]
    quarters = []  # the latest run of whole quarters without a gap, up to three years
    starts = pd.period_range(year.start - 12 * (LOCALITY_YEARS - 1), year.end, freq="M")[::3]
    for start in starts:
        if all(m in set(covered) for m in pd.period_range(start, start + 2, freq="M")):
            quarters.append((start, start + 2))
        else:
            quarters = []
    if len(quarters) >= 2:
        points = own.geometry.representative_point()
        rows = []
        for first, last in quarters:
            inside = records["month"].between(first, last)
            by_ward = records.loc[inside, "ward_code"].value_counts()
            rows.append(
                pd.DataFrame(
                    {
                        "place": own["ward_code"].to_numpy(),
                        "period": str(first),
                        "count": own["ward_code"].map(by_ward).fillna(0).to_numpy(),
                        "easting": points.x.to_numpy(),
                        "northing": points.y.to_numpy(),
                    }
                )
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # few quarters: said on the page
            pattern = places.hotspot_classify(pd.concat(rows, ignore_index=True))
        result = result.merge(
            pattern[["place", "hotspot_category", "periods"]].rename(
                columns={"place": "ward_code", "hotspot_category": "pattern", "periods": "quarters"}
            ),
            on="ward_code",
            how="left",
        )
    columns = ["ward_code", "ward_name", "value", "z", "p", "q_value", "hotspot"]
    columns += [c for c in ("pattern", "quarters") if c in result]
    return result[columns].rename(columns={"value": "count"}).reset_index(drop=True)


#: Side of a grid cell for hot spots below ward level, in metres.
GRID_CELL = 500


def grid_hotspots(
    records: pd.DataFrame, wards, *, cell_size: float = GRID_CELL
) -> pd.DataFrame | None:
    """Gi* hot and cold spots on a regular grid of the records with coordinates.

    Cells of ``cell_size`` metres cover the area's wards; each cell's neighbours are the 8
    around it (sfhotspot's default distance, cell size x sqrt 2); the false discovery rate
    is held across the cells. Returns one row per cell: cell_id, easting, northing (its
    centre), count, z, p, q_value, hotspot and ward_name (the ward its centre is in); None
    when no record has coordinates.
    """
    easting, northing = to_british_national_grid(records)
    if not np.isfinite(easting).any():
        return None
    boundary = wards.geometry.union_all()
    cells = places.grid_counts(easting, northing, cell_size=cell_size, boundary=boundary)
    centres = np.column_stack([cells["easting"], cells["northing"]])
    gi = places.gi_star(cells["count"].to_numpy(dtype=float), centres, distance=cell_size * 1.5)
    table = places.classify_hotspots(gi)
    out = pd.DataFrame(
        {
            "cell_id": cells["cell_id"].to_numpy(),
            "easting": cells["easting"].to_numpy(),
            "northing": cells["northing"].to_numpy(),
            "count": cells["count"].to_numpy(),
            "z": table["z"].to_numpy(),
            "p": table["p"].to_numpy(),
            "q_value": table["q_value"].to_numpy(),
            "hotspot": table["hotspot"].to_numpy(),
        }
    )
    points = shapely.points(out["easting"], out["northing"])
    where, ward = wards.sindex.query(points, predicate="within")
    names = pd.Series(pd.NA, index=out.index, dtype="string")
    names.iloc[where] = wards["ward_name"].to_numpy()[ward]
    out["ward_name"] = names
    return out


#: Year counts by ward are published rounded to this (the board version).
ROUND_TO = 10


def round_counts(counts: pd.Series, *, to: int = ROUND_TO) -> pd.Series:
    """Counts rounded to the nearest ``to``; 1 to ``to - 1`` read ``"<10"``; 0 stays 0.

    Year counts by ward are published this way because each ward's count in the pack's
    quarter is part of it: an exact year count next to a withheld quarter count could
    pin it.

    >>> round_counts(pd.Series([0, 3, 9, 10, 14, 15, 126])).tolist()
    [0, '<10', '<10', 10, 10, 20, 130]
    """
    rounded = (np.floor(counts.astype(float) / to + 0.5) * to).astype(int).astype(object)
    return rounded.where(~counts.between(1, to - 1), f"<{to}")


def protect_assessment(assessment: Assessment, *, threshold: int = 4) -> Assessment:
    """The board and public version of an assessment.

    - every harm figure to 2 significant figures (a sum of public weights times counts,
      published exactly, splits back into counts by offence);
    - ``harm``, ``localities`` and ``towns_harm``: counts rounded to the nearest 10
      (:func:`round_counts`); a ward of fewer than 10 crimes shows no harm, rate or rank
      and is listed last; the ranks are worked out again among the wards shown; the
      weighted records, the mean severity and the harm interval, from which the count
      would follow, are left out;
    - ``categories`` (all crime by type): the types of fewer than 10 crimes in the year
      left out (the year holds the pack's quarter: a year count of 1 would give away a
      withheld quarter count of the same type);
    - ``hotspots`` and ``grid_hotspots``: the classification only;
    - ``concentration``: to 2 decimal places;
    - ``peers``: another area's count of 1 to ``threshold`` withheld, with every figure
      that pools the areas (:func:`csp_analysis.publication.protect_peers`); the theme's
      ratio to its peers, band and funnel are then left out of the priorities and the page.
    The area totals of each theme (``priorities``) are published as they are.
    """
    from csp_analysis.publication import protect_peers, round_significant

    board = replace(assessment, restricted=False, threshold=threshold)
    for name in ("harm", "localities", "towns_harm"):
        if getattr(assessment, name) is not None:
            setattr(board, name, _rounded_harm(getattr(assessment, name)))
    if assessment.categories is not None:
        shown = _common_categories(assessment.categories).drop(columns="weighted")
        for column in ("harm", "mean_severity"):
            shown[column] = round_significant(shown[column])
        board.categories = shown
    if assessment.hotspots is not None:
        board.hotspots = assessment.hotspots.drop(
            columns=["z", "p", "q_value", "count"], errors="ignore"
        )
    if assessment.grid_hotspots is not None:  # cells of a few crimes: no counts at all
        board.grid_hotspots = assessment.grid_hotspots.drop(columns=["count", "z", "p", "q_value"])
    if assessment.concentration is not None:
        board.concentration = assessment.concentration.assign(
            value=assessment.concentration["value"].round(2)
        )
    if assessment.priorities is not None:
        board.priorities = assessment.priorities.copy()
        for column in ("harm", "mean_severity"):
            if column in board.priorities:
                board.priorities[column] = round_significant(board.priorities[column])
    if assessment.peers is not None:
        board.peers = protect_peers(assessment.peers, threshold=threshold)
        _without_pooled_peers(board)
    return board


#: Types of crime with fewer crimes in the year are left out of ``harm_by_category``.
CATEGORY_LEAST = ROUND_TO


def _common_categories(table: pd.DataFrame) -> pd.DataFrame:
    """Harm by type of crime without the types of fewer than :data:`CATEGORY_LEAST` crimes.

    The year holds the pack's quarter: a type of crime with 1 crime in the year would say
    that the quarter's withheld count of it is 1 (and that it was, say, domestic abuse).
    """
    return table.loc[table["count"] >= CATEGORY_LEAST].reset_index(drop=True)


def _without_pooled_peers(board: Assessment) -> None:
    """Blank a theme's ratio to its peers, band and funnel where a peer count is withheld."""
    from csp_analysis.publication import peers_withheld

    board.funnels, board.funnel_methods = dict(board.funnels), dict(board.funnel_methods)
    if board.priorities is not None:
        board.priorities = board.priorities.copy()
    for theme, rows in board.peers.groupby("theme", sort=False):
        if not peers_withheld(rows):
            continue
        board.funnels.pop(theme, None)
        if board.priorities is None or "peers_band" not in board.priorities:
            continue
        mine = board.priorities["theme"] == theme
        for title in board.priorities.loc[mine, "title"]:
            board.funnel_methods.pop(title, None)
        columns = ["peers_band", "ratio_to_peers", "ratio_lower", "ratio_upper"]
        board.priorities.loc[mine, columns] = np.nan
        reasons = (
            board.priorities.loc[mine, "reasons"]
            .str.split("; ")
            .map(lambda found: [r for r in found if r and r != PEERS_REASON])
        )
        board.priorities.loc[mine, "reasons"] = reasons.map("; ".join)
        board.priorities.loc[mine, "signals"] = reasons.map(len)


def _rounded_harm(table: pd.DataFrame) -> pd.DataFrame:
    """A ward harm table as :func:`protect_assessment` publishes it."""
    from csp_analysis.publication import round_significant

    out = table.drop(
        columns=["weighted", "mean_severity", "harm_lower", "harm_upper"], errors="ignore"
    )
    small = out["count"].between(1, ROUND_TO - 1)
    out["count"] = round_counts(out["count"])
    blank = [c for c in out.columns if c.startswith(("harm", "rank", "mean_", "priority"))]
    out[blank] = out[blank].astype(object).where(~small, None).infer_objects()
    for column in [c for c in blank if c.startswith("harm") and c != "harm_rank"]:
        out[column] = round_significant(out[column])
    if "rank" in out:
        shown = ~small
        out.loc[shown, "rank"] = out.loc[shown, "rank"].rank(method="min")
        for column in ("rank_lower", "rank_upper"):
            if column in out:  # the simulated range, among the wards shown
                out.loc[shown, column] = _rank_among(
                    out.loc[shown, column], table.loc[small, "rank"]
                )
    order = out.columns[0]  # withheld wards last, by name: never in harm order
    name = "ward_name" if "ward_name" in out else order
    return pd.concat([out.loc[~small], out.loc[small].sort_values(name)], ignore_index=True)


def _rank_among(ranks: pd.Series, hidden: pd.Series) -> pd.Series:
    """Ranks among all wards made ranks among the wards shown (less the hidden above)."""
    hidden = np.sort(hidden.to_numpy(dtype=float))
    above = np.searchsorted(hidden, ranks.to_numpy(dtype=float), side="left")
    return pd.Series(np.maximum(1, ranks.to_numpy(dtype=float) - above), index=ranks.index)


def area_assessment(
    dataset: Dataset,
    settings: Settings,
    *,
    area: str,
    period: str | Period,
    profiles: Mapping[str, Profile | Exception],
    restricted: bool = False,
) -> Assessment:
    """The strategic assessment as the pack publishes it.

    Built by :func:`build_assessment`, then protected by :func:`protect_assessment` unless
    ``restricted``.
    """
    built = build_assessment(dataset, settings, area=area, period=period, profiles=profiles)
    if restricted:
        return built
    return protect_assessment(built, threshold=settings.suppression_threshold)
