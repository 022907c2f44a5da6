"""Profile: every table of one theme, for one area and period against a year earlier.

:func:`build_profile` cuts a loaded :class:`~csp_analysis.load.Dataset` by area, period and
theme, and assembles the indicator tables. It accounts for every record it was given: each
is either in the profile or in the data-quality table with the reason it is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csp_analysis import harm, indicators, peers, wording
from csp_analysis.classify import classification_notes
from csp_analysis.config import Theme
from csp_analysis.load import (
    DERIVED_COLUMNS,
    POLICE_UK,
    PRIVATE_COLUMNS,
    Dataset,
    population_note,
)
from csp_analysis.locate import LOCATION_METHODS
from csp_analysis.periods import Period
from csp_analysis.stats import (
    SPC_MIN_POINTS,
    ChangeTest,
    TrendTest,
    mann_kendall,
    poisson_change_test,
    proportion_ci,
    spc,
)
from csp_analysis.validate import ASB_CATEGORIES, HATE_STRANDS

SYNTHETIC_NOTE = "SYNTHETIC DEMO DATA: invented records, not real crime or real people."


class CoverageError(ValueError):
    """The data does not cover the months a profile compares."""


@dataclass
class Profile:
    """The tables of one theme for one area and period (see :func:`build_profile`).

    ``current`` and ``previous_records`` hold the theme's records in the area for each
    period (for further breakdowns; never written out); ``ward_shapes`` the area's ward
    polygons (ward_code, geometry in EPSG:27700, and town when the wards file has it) for
    maps and ``towns`` the deployment's town points (name -> longitude, latitude) to name
    on them; ``breakdown_by`` the column the
    breakdown used (data.police.uk data: the published crime type). ``attributes`` holds a
    :func:`~csp_analysis.indicators.compare_periods` table per further column the theme
    breaks down by (weapon, town; None where the data does not record it) and
    ``wards_by`` the top wards within each category (anti-social behaviour); ``harm`` each
    ward's harm (:func:`harm_table`; crimes with severity weights) and ``peers`` the
    theme's rate in every area of the data (:func:`csp_analysis.peers.compare_peers`). A profile
    holds exact numbers (``restricted``) until
    :func:`csp_analysis.publication.protect_profiles` makes its board and public version:
    then ``omitted`` names the tables left out (table -> why, in words) and ``claims``
    says which "most" statements hold for the withheld rows too.
    """

    area_code: str
    area_name: str
    theme: Theme
    period: Period
    previous: Period
    source: str
    synthetic: bool = False
    available: bool = True
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    headline: pd.DataFrame | None = None
    breakdown: pd.DataFrame | None = None
    wards: pd.DataFrame | None = None
    monthly: pd.DataFrame | None = None
    spc: pd.DataFrame | None = None
    trend: TrendTest | None = None
    change: ChangeTest | None = None
    data_quality: pd.DataFrame | None = None
    people: pd.DataFrame | None = None
    ethnicity: pd.DataFrame | None = None
    repeat_victims: pd.DataFrame | None = None
    attributes: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    wards_by: pd.DataFrame | None = None
    harm: pd.DataFrame | None = None
    peers: pd.DataFrame | None = None
    omitted: dict[str, str] = field(default_factory=dict)
    claims: dict[str, bool] = field(default_factory=dict)
    current: pd.DataFrame | None = None
    previous_records: pd.DataFrame | None = None
    ward_shapes: pd.DataFrame | None = None
    towns: dict[str, tuple[float, float]] = field(default_factory=dict)
    breakdown_by: str = ""
    restricted: bool = True
    threshold: int = 4
    top_n: int = 10

    def summary(self) -> str:
        """The headline as one plain sentence (for the command line and README files)."""
        if not self.available:
            return f"{self.theme.title}: not available. {self.reason}"
        now, before = self.change.current, self.change.previous
        change = wording.change(now, before, since=self.previous.describe())
        return (
            f"{self.theme.title}, {self.area_name}, {self.period.describe()} "
            f"({self.period.label}): {now:,} {wording.unit(self.theme.records, now)}, "
            f"{change}: {wording.verdict(now, before, self.change.p_value)}."
        )

    def latest_variation(self) -> str:
        """The latest month on the SPC chart: a key of ``wording.VARIATION``.

        "none" when there are too few months in a row to work out the usual range.
        """
        points = self.spc
        if points is None or points["value"].notna().sum() < SPC_MIN_POINTS:
            return "none"
        last = points.iloc[-1]
        if not np.isfinite(last["upper_limit"]):
            return "none"
        special = bool(last["special_cause"])
        return wording.variation(last["direction"], special, polarity=self.theme.polarity)

    @property
    def top_wards(self) -> pd.DataFrame | None:
        """The top wards by count (see :func:`csp_analysis.indicators.top_wards`)."""
        return None if self.wards is None else indicators.top_wards(self.wards, n=self.top_n)


def theme_mask(records: pd.DataFrame, theme: Theme, *, police_uk: bool) -> pd.Series:
    """Which records belong to the theme (True) under its filter for this source."""
    mask = pd.Series(True, index=records.index)
    conditions = theme.police_uk if police_uk else theme.where
    for column, values in (conditions or {}).items():
        mask &= records[column].isin(values)
    if theme.flag and not police_uk:
        if theme.flag == "hate_strands":
            mask &= records["hate_strands"].map(len) > 0
        else:
            mask &= records[theme.flag].astype("boolean").fillna(False).astype(bool)
    return mask


def check_theme(dataset: Dataset, theme: Theme, *, period: Period | None = None) -> None:
    """Raise when a theme names a column its records lack or a filter value none carries.

    The columns of ``where``, ``breakdown``, ``attributes`` and ``top_wards_by`` must be
    columns of the theme's records (checked against the columns a partner extract gives
    when the records come from data.police.uk, which these settings do not apply to), as
    must, for data.police.uk records, those of ``police_uk`` and ``police_uk_breakdown``.
    Identifiers, dates and exact locations are refused. Each filter value must match a
    record in some month of the data, or be a name of the column's fixed list (Home Office
    offence groups and subgroups, ASB categories, data.police.uk crime types), where no
    record is a true zero: a misspelt value is refused, never published as "0 offences".
    ``period`` (the period compared) is named in the message. The
    :class:`~csp_analysis.read.InputError` names the configuration file, line and key.
    """
    from csp_analysis.classify import OFFENCE_GROUPS, POLICE_UK_CRIME_TYPES, SUBGROUP_GROUPS
    from csp_analysis.config import did_you_mean
    from csp_analysis.validate import KNOWN_COLUMNS

    records = dataset.records(theme.records)
    if records is None:
        return
    source = dataset.source(theme.records)
    police_uk = source == POLICE_UK
    private, derived = PRIVATE_COLUMNS, DERIVED_COLUMNS

    def usable(columns) -> list[str]:
        names = set(columns) - private - derived
        return sorted(names | ({"hate_strand"} if "hate_strands" in names else set()))

    here = usable(records.columns)
    partner = f"{theme.records}.csv"
    own = usable([*KNOWN_COLUMNS[theme.records], "location_method"]) if police_uk else here
    checks = [(("where", c), c, own, partner, True) for c in theme.where]
    checks += [(("breakdown",), theme.breakdown, own, partner, False)]
    checks += [(("attributes", c), c, own, partner, True) for c in theme.attributes]
    if theme.top_wards_by is not None:
        checks += [(("top_wards_by",), theme.top_wards_by, own, partner, False)]
    if police_uk and theme.police_uk is not None:
        checks += [(("police_uk", c), c, here, source, True) for c in theme.police_uk]
        checks += [(("police_uk_breakdown",), theme.police_uk_breakdown, here, source, False)]
    for keys, column, columns, name, is_key in checks:
        if column in columns:
            continue
        said = "" if is_key else f"= '{column}' "
        listed = f"(the columns a theme can use: {', '.join(columns)})"
        if column in private:
            raise theme.error(
                *keys,
                message=f"{said}identifies a record, its date or its exact place, which a "
                f"theme cannot use {listed}",
            )
        raise theme.error(
            *keys,
            message=f"{said}is not a column of {name}{did_you_mean(column, columns)} {listed}",
        )

    filters = theme.police_uk if police_uk else theme.where
    fixed = {
        "offence_group": OFFENCE_GROUPS,
        "offence_subgroup": tuple(SUBGROUP_GROUPS),
        "category": ASB_CATEGORIES,
        "crime_type": POLICE_UK_CRIME_TYPES,
    }
    when = ""
    if period is not None:
        when = f" in {period.label} or {period.previous().label}, nor in any other month"
    for column, values in (filters or {}).items():
        present = set(dataset.filter_values[theme.records].get(column, ()))  # in every area
        for value in values:
            if value in present or value in fixed.get(column, ()):
                continue
            shown = sorted(map(str, present))
            hint = did_you_mean(value, [*shown, *fixed.get(column, ())])
            if present and all(isinstance(v, (bool, np.bool_)) for v in present):
                shown = ["false", "true"]
                hint = f"; {column} is a yes/no column: write true or false, without quotes"
            more = f", and {len(shown) - 30} more" if len(shown) > 30 else ""
            raise theme.error(
                "police_uk" if police_uk else "where",
                column,
                message=f"= {value!r} matches no record of {source}"
                + when
                + hint
                + f" (the {column} values in the data: "
                + (", ".join(shown[:30]) + more if shown else "none, the column is empty")
                + ")",
            )


def _unavailable_reason(dataset: Dataset, theme: Theme) -> str:
    records = dataset.records(theme.records)
    source = dataset.source(theme.records)
    if records is None:
        wanted = "crimes.csv" if theme.records == "crimes" else "asb.csv"
        return f"This profile needs {wanted} or data.police.uk files; the data has neither."
    if source == POLICE_UK and theme.police_uk is None:
        return (
            f"{theme.title} cannot be built from data.police.uk files alone: it needs "
            f"{theme.needs or 'the partner extract'}."
        )
    found = dataset.filter_values[theme.records]  # in every area
    if source != POLICE_UK and theme.flag and theme.flag != "hate_strands":
        if not found.get(theme.flag):
            return f"{source} has no '{theme.flag}' column, which this profile needs."
    if source != POLICE_UK and theme.flag == "hate_strands":
        if not found.get("hate_strands"):
            return f"{source} has no hate strands, which this profile needs."
    return ""


def check_coverage(covered: pd.PeriodIndex, period: Period, previous: Period, source: str) -> None:
    """Raise :class:`CoverageError` when a compared month has no data."""
    wanted = previous.months.append(period.months)
    missing = [str(m) for m in wanted if m not in set(covered)]
    if missing:
        raise CoverageError(
            f"{source} has no data for {', '.join(missing)}, which comparing {period.label} "
            f"({period.describe()}) with {previous.label} needs. The data covers "
            f"{covered.min()} to {covered.max()}"
            + (" with gaps." if len(covered) < (covered.max() - covered.min()).n + 1 else ".")
        )


DATA_QUALITY_COLUMNS = ["step", "description", "period", "records", "outcome"]
PERIODS = ("current", "previous")


def quality_flags(
    records: pd.DataFrame, *, among: pd.Series | None = None
) -> list[tuple[str, str, pd.Series]]:
    """The data-quality flags of records: (step, description, boolean mask) for each.

    ``among`` marks the records a table describes (default: all); the descriptions of
    relabelled offences name the labels found among them.
    """
    flags = {
        "coordinates_unreadable": (
            "locate",
            "Coordinates unreadable or out of range: located by code instead, if possible",
        ),
        "duplicate": ("read", "Exact duplicate lines, kept as published (data.police.uk)"),
        "group_conflict": (
            "classify",
            "Offence group given conflicts with the offence code: the code's group is used",
        ),
    }
    out = [
        (step, description, records[column].fillna(False).astype(bool))
        for column, (step, description) in flags.items()
        if column in records
    ]
    if "weighted_by" in records:
        out.append(
            (
                "harm",
                "No severity weight for the offence: counted, but adds no harm",
                records["weighted_by"].eq("none"),
            )
        )
    if "classified_by" in records:
        out += [
            ("classify", text, mask) for text, mask in classification_notes(records, among=among)
        ]
    return out


def account_records(
    records: pd.DataFrame,
    *,
    counts: pd.DataFrame,
    area_code: str,
    period_label: pd.Series,
    in_theme: pd.Series,
    area_name: str,
    source: str,
) -> pd.DataFrame:
    """The data-quality table: where every record went.

    ``records`` are the area's records; ``counts`` the :func:`~csp_analysis.load.record_counts`
    of every record read, which account for the others. ``in_theme`` is a boolean mask over
    ``records``; ``period_label`` is "current", "previous" or "" (neither). Returns columns:
    step, description, period ("current", "previous" or blank), records, outcome. Outcomes
    "excluded" and "included" partition the records read (their sum equals the first row's
    count); "note" rows describe the included records of each period (how they were
    located, data flags) and are left out when zero.
    """
    method = records["location_method"].astype(str)
    in_period = period_label != ""
    included = in_period & in_theme
    everywhere = counts["location_method"].astype(str)
    elsewhere = counts["area_code"].notna() & counts["area_code"].ne(area_code)

    def counted(where: pd.Series) -> int:
        return int(counts.loc[where.fillna(False).astype(bool), "records"].sum())

    rows = [
        ("read", f"Records read ({source})", "", int(counts["records"].sum()), "read"),
        ("locate", LOCATION_METHODS["none"], "", counted(everywhere == "none"), "excluded"),
        ("locate", LOCATION_METHODS["outside"], "", counted(everywhere == "outside"), "excluded"),
        ("area", "In another area of the wards file", "", counted(elsewhere), "excluded"),
        ("period", "Outside the two periods compared", "", ~in_period, "excluded"),
        ("theme", "Not in this theme", "", in_period & ~in_theme, "excluded"),
    ]
    rows += [
        (
            "profile",
            f"In {area_name}, {name} period",
            name,
            included & (period_label == name),
            "included",
        )
        for name in PERIODS
    ]
    rows += [
        ("locate", description, name, included & (method == key) & (period_label == name), "note")
        for name in PERIODS
        for key, description in LOCATION_METHODS.items()
        if key not in ("none", "outside")
    ]
    rows += [
        (step, description, name, included & flagged & (period_label == name), "note")
        for step, description, flagged in quality_flags(records, among=included)
        for name in PERIODS
    ]
    table = pd.DataFrame(
        [
            (step, text, period, int(n if isinstance(n, int) else n.sum()), outcome)
            for step, text, period, n, outcome in rows
        ],
        columns=DATA_QUALITY_COLUMNS,
    )
    keep = (table["records"] > 0) | (table["outcome"] != "note")
    return table.loc[keep].reset_index(drop=True)


def headline_table(
    change: ChangeTest,
    *,
    population: float,
    months: int,
    of_all: tuple[int, int] | None = None,
    strands: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Headline measures: the record total, the rates per 1,000 and theme extras.

    Returns columns: measure, current, previous, change, pct_change, p_value, rate_ratio,
    ratio_lower, ratio_upper, current_lower, current_upper. Rows: ``total`` (records, with
    the exact conditional Poisson test), ``rate_per_1000`` (residents, in the period of
    ``months`` months, with the 95% CI of the current rate), ``rate_per_1000_per_year``
    (the same per year: x 12 / ``months``, see
    :func:`~csp_analysis.indicators.rates_per_1000`), and when given ``share_of_all_pct``
    (the theme's share of all crime in the area, from ``of_all`` = all crimes in the
    current and previous periods, with the 95% Wilson CI of the current share) and
    ``strands`` (hate strands counted once per crime and strand).
    """
    test = {
        "p_value": change.p_value,
        "rate_ratio": change.rate_ratio,
        "ratio_lower": change.ratio_lower,
        "ratio_upper": change.ratio_upper,
    }
    rates = indicators.rates_per_1000(
        [change.current, change.previous], [population, population], months=months
    )
    rows = [{"measure": "total", "current": change.current, "previous": change.previous, **test}]
    for measure, lower, upper in (
        ("rate_per_1000", "rate_lower", "rate_upper"),
        ("rate_per_1000_per_year", "rate_per_year_lower", "rate_per_year_upper"),
    ):
        rows.append(
            {
                "measure": measure,
                "current": rates[measure].iloc[0],
                "previous": rates[measure].iloc[1],
                **test,
                "current_lower": rates[lower].iloc[0],
                "current_upper": rates[upper].iloc[0],
            }
        )
    if of_all is not None:
        shares = proportion_ci([change.current, change.previous], list(of_all))
        rows.append(
            {
                "measure": "share_of_all_pct",
                "current": shares["proportion"].iloc[0] * 100,
                "previous": shares["proportion"].iloc[1] * 100,
                "current_lower": shares["lower"].iloc[0] * 100,
                "current_upper": shares["upper"].iloc[0] * 100,
            }
        )
    if strands is not None:
        rows.append({"measure": "strands", "current": strands[0], "previous": strands[1]})
    table = pd.DataFrame(rows)
    table["change"] = table["current"] - table["previous"]
    table["pct_change"] = indicators.pct_change(table["current"], table["previous"])
    columns = [
        "measure",
        "current",
        "previous",
        "change",
        "pct_change",
        "p_value",
        "rate_ratio",
        "ratio_lower",
        "ratio_upper",
        "current_lower",
        "current_upper",
    ]
    return table.reindex(columns=columns)


#: The columns of ``harm.csv`` (a profile's ``harm`` table), in order.
HARM_COLUMNS = [
    "ward_code",
    "ward_name",
    "count",
    "harm",
    "harm_per_1000",
    "harm_lower",
    "harm_upper",
    "rank",
    "rank_lower",
    "rank_upper",
]


def harm_table(
    records: pd.DataFrame, *, wards: pd.DataFrame, population: pd.DataFrame | None
) -> pd.DataFrame:
    """Every ward's harm with its interval and rank interval (rank 1 = most harm).

    ``records`` carry ``ward_code`` and ``harm_weight`` (see
    :func:`csp_analysis.harm.weigh_records`); ``wards`` lists the area's wards (ward_code,
    ward_name). Returns the columns of :data:`HARM_COLUMNS`, most harm first; harm per
    1,000 residents is in the records' period (not a year).
    """
    units = wards["ward_code"].tolist()
    located = records.loc[records["ward_code"].notna()]
    index = harm.harm_index(located, by="ward_code", units=units, population=population)
    ranks = harm.rank_intervals(located, by="ward_code", units=units)
    table = (
        wards[["ward_code", "ward_name"]]
        .merge(index, on="ward_code", how="left")
        .merge(ranks[["ward_code", "rank", "rank_lower", "rank_upper"]], on="ward_code", how="left")
    )
    return (
        table.sort_values(["rank", "ward_name"])
        .reindex(columns=HARM_COLUMNS)
        .reset_index(drop=True)
    )


def harm_row(now: pd.DataFrame, before: pd.DataFrame) -> dict:
    """The ``harm`` row of the headline table: the area's harm in both periods.

    ``current_lower`` and ``current_upper`` are the 95% interval of the current harm.
    """
    area = harm.harm_index(now, by=None)
    return {
        "measure": "harm",
        "current": float(now["harm_weight"].sum()),
        "previous": float(before["harm_weight"].sum()),
        "current_lower": float(area["harm_lower"].iloc[0]),
        "current_upper": float(area["harm_upper"].iloc[0]),
    }


#: The ``comparison`` of a peers table: the areas of the data, or the Home Office tables.
COMPARISONS = {
    "data": "areas in the data",
    "benchmark": "Home Office police recorded crime tables",
}


def theme_counts(records: pd.DataFrame, theme: Theme, *, police_uk: bool) -> pd.DataFrame:
    """The theme's records by peer area and month.

    Returns columns peer_area, month, records (records without a peer area are left out).
    """
    chosen = records.loc[theme_mask(records, theme, police_uk=police_uk), ["peer_area", "month"]]
    counts = chosen.groupby(["peer_area", "month"], observed=True).size()
    return counts.rename("records").reset_index()


def peer_counts(dataset: Dataset, theme: Theme, period: Period) -> pd.Series:
    """The theme's records in ``period`` in each peer area (index peer_area), every area's.

    From the records when the dataset holds them all, else from the processed store's
    counts (an area's view of the store holds only its own records).
    """
    if dataset.store is not None:
        table = dataset.store.theme_counts(theme)
    else:
        police_uk = dataset.source(theme.records) == POLICE_UK
        table = theme_counts(dataset.records(theme.records), theme, police_uk=police_uk)
    inside = table["month"].between(period.start, period.end)
    return table.loc[inside].groupby("peer_area")["records"].sum()


def peers_table(
    dataset: Dataset, *, area_code: str, period: Period, theme: Theme
) -> pd.DataFrame | None:
    """The theme's rate per 1,000 residents a year in every peer area (``peers.csv``).

    The theme's records of ``period`` in every area are counted in their ``peer_area``
    (see :func:`peer_counts`). With the Home Office CSP tables (``benchmark``) and a period of
    whole financial quarters, the same comparison from those tables follows, for the
    themes they can give (see :func:`benchmark_mask`), the area's own count from them
    too. A deployment's peer list (``peers.csv``) keeps only the areas it names. Returns
    the columns of :func:`csp_analysis.peers.compare_peers` and last ``comparison`` (a key
    of :data:`COMPARISONS`); None when there is no other area to compare with.
    """
    per = 1000 * 12 / period.month_count
    tables = []
    areas = _listed_peers(dataset, dataset.peer_areas, area_code)
    if areas is not None and len(areas) > 1:
        counts = peer_counts(dataset, theme, period)
        table = areas.assign(count=areas["area_code"].map(counts).fillna(0).astype(int))
        tables.append(peers.compare_peers(table, area=area_code, per=per).assign(comparison="data"))
    quarters = _financial_quarters(period)
    bench_mask = (
        benchmark_mask(dataset.benchmark, theme, dataset.serious_violence_subgroups)
        if dataset.benchmark is not None and quarters is not None
        else None
    )
    if bench_mask is not None:
        own = peers.csp_of_area(area_code, dataset.csp_lookup)
        areas = _listed_peers(dataset, dataset.benchmark_areas, own)
        counts = peers.benchmark_counts(
            dataset.benchmark,
            areas,
            financial_year=quarters[0],
            quarters=quarters[1],
            mask=bench_mask,
        )
        table = counts.merge(areas[["area_code", "population"]], on="area_code")
        if own in set(table["area_code"]) and len(table) > 1:
            compared = peers.compare_peers(table, area=own, per=per)
            tables.append(compared.assign(comparison="benchmark"))
    if not tables:
        return None
    return pd.concat(tables, ignore_index=True)


def _listed_peers(
    dataset: Dataset, areas: pd.DataFrame | None, area_code: str
) -> pd.DataFrame | None:
    """``areas`` less those the deployment's peer list leaves out (the area itself stays)."""
    listed = dataset.peer_list
    if areas is None or listed is None:
        return areas
    named = set(listed.loc[listed["area_code"] == area_code, "peer_code"]) | {area_code}
    return areas.loc[areas["area_code"].isin(named)].reset_index(drop=True)


def _financial_quarters(period: Period) -> tuple[str, tuple[int, ...]] | None:
    """(financial year, quarters) of a financial year or quarter; None for other periods."""
    label = period.label
    if ":" in label:
        return None
    year, _, quarter = label.partition("Q")
    return year, (int(quarter),) if quarter else (1, 2, 3, 4)


def benchmark_mask(
    benchmark: pd.DataFrame, theme: Theme, subgroups: tuple[str, ...]
) -> pd.Series | None:
    """Which rows of the Home Office tables are the theme's; None when they cannot say.

    The tables have offence group, subgroup and code but no flags: a theme filtered on
    them is taken as its filter says, serious violence by its configured subgroups;
    domestic abuse, hate crime and anti-social behaviour cannot be taken from them.
    """
    if theme.records != "crimes" or theme.flag in ("domestic_abuse", "hate_strands"):
        return None
    mask = pd.Series(True, index=benchmark.index)
    for column, values in theme.where.items():
        if column not in benchmark or not all(isinstance(v, str) for v in values):
            return None
        wanted = {v.casefold() for v in values}
        mask &= benchmark[column].astype("string").str.casefold().isin(wanted).fillna(False)
    if theme.flag == "serious_violence":
        wanted = {s.casefold() for s in subgroups}
        mask &= benchmark["offence_subgroup"].astype("string").str.casefold().isin(wanted)
    return mask.astype(bool)


def period_labels(months: pd.Series, *, current: Period, previous: Period) -> pd.Series:
    """The label of each month: "current", "previous" or "" (neither)."""
    labels = np.select(
        [months.between(current.start, current.end), months.between(previous.start, previous.end)],
        ["current", "previous"],
        default="",
    )
    return pd.Series(labels, index=months.index)


def monthly_series(
    records: pd.DataFrame, *, period: Period, previous: Period, covered: pd.PeriodIndex | None
) -> pd.DataFrame:
    """Monthly counts over at least the 24 months to the end of ``period``.

    The series starts at the start of ``previous`` or 23 months before the end, whichever
    is earlier, so that the 12-month trends of both years can be drawn. Returns columns:
    month (Period[M]), period ("current", "previous" or "" for neither), count (float: NaN
    for a month with no data, 0 for no records).
    """
    months = pd.period_range(min(previous.start, period.end - 23), period.end, freq="M")
    table = indicators.monthly_counts(records, months=months)
    table["count"] = table["count"].astype(float)
    if covered is not None:
        table.loc[~table["month"].isin(covered), "count"] = np.nan
    table.insert(1, "period", period_labels(table["month"], current=period, previous=previous))
    return table


def last_complete_run(monthly: pd.DataFrame) -> pd.DataFrame:
    """The longest stretch of months with data that ends at the last month."""
    missing = monthly["count"].isna().to_numpy()
    start = int(np.flatnonzero(missing)[-1]) + 1 if missing.any() else 0
    return monthly.iloc[start:]


#: Wards listed within each category by ``top_wards_by`` (anti-social behaviour).
TOP_WARDS_BY = 5


def attribute_table(now: pd.DataFrame, before: pd.DataFrame, column: str) -> pd.DataFrame | None:
    """A further breakdown (weapon, alcohol, town) of both periods; None when not recorded.

    True and false become "Yes" and "No". Returns the columns of
    :func:`~csp_analysis.indicators.compare_periods`.
    """
    if column not in now or (now[column].isna().all() and before[column].isna().all()):
        return None
    if pd.api.types.is_bool_dtype(now[column]) or str(now[column].dtype) == "boolean":
        yes_no = {True: "Yes", False: "No"}
        now = now.assign(**{column: now[column].map(yes_no)})
        before = before.assign(**{column: before[column].map(yes_no)})
    return indicators.compare_periods(now, before, by=column)


def build_profile(
    dataset: Dataset,
    *,
    area: str,
    period: str | Period,
    theme: Theme,
    top_n: int = 10,
    level: float = 0.95,
    towns: dict[str, tuple[float, float]] | None = None,
) -> Profile:
    """All tables of ``theme`` for ``area`` in ``period`` against a year earlier.

    A theme the data cannot support comes back with ``available`` False and a ``reason``
    instead of empty tables. Raises :class:`CoverageError` when the data has no records
    source for a compared month (a data.police.uk month file missing).
    """
    current = period if isinstance(period, Period) else Period.parse(period)
    check_theme(dataset, theme, period=current)
    previous = current.previous()
    place = dataset.find_area(area)
    source = dataset.crimes_source if theme.records == "crimes" else dataset.asb_source
    profile = Profile(
        area_code=place["area_code"],
        area_name=place["area_name"],
        theme=theme,
        period=current,
        previous=previous,
        source=source,
        synthetic=dataset.synthetic,
        top_n=top_n,
        notes=list(dataset.notes),
    )
    if dataset.synthetic:
        profile.notes.insert(0, SYNTHETIC_NOTE)
    profile.reason = _unavailable_reason(dataset, theme)
    if profile.reason:
        profile.available = False
        return profile

    police_uk = source == POLICE_UK
    check_coverage(dataset.covered(theme.records), current, previous, source)
    if police_uk and theme.records == "crimes":
        profile.notes.append(
            "data.police.uk rows are broken down by their published Crime type; Home Office "
            "offence groups can only be approximated from it."
        )
    if police_uk and theme.police_uk_note:
        profile.notes.append(theme.police_uk_note)
    if theme.caveat:
        profile.notes.append(theme.caveat)

    records = dataset.records(theme.records)
    records = records.loc[records["area_code"].eq(profile.area_code).fillna(False).astype(bool)]
    label = period_labels(records["month"], current=current, previous=previous)
    in_theme = theme_mask(records, theme, police_uk=police_uk)
    profile.data_quality = account_records(
        records,
        counts=dataset.counts[theme.records],
        area_code=profile.area_code,
        period_label=label,
        in_theme=in_theme,
        area_name=profile.area_name,
        source=source,
    )
    now = records.loc[in_theme & (label == "current")]
    before = records.loc[in_theme & (label == "previous")]
    area_wards = dataset.wards.loc[dataset.wards["area_code"] == profile.area_code]
    population = None
    if dataset.population is not None:
        population = dataset.population.loc[
            dataset.population["ward_code"].isin(area_wards["ward_code"])
        ]
    area_population = population["population"].sum() if population is not None else np.nan
    if population is not None:
        profile.notes.append(population_note(dataset, profile.area_code))

    profile.current, profile.previous_records = now, before
    profile.ward_shapes = area_wards[
        ["ward_code", "geometry", *(["town"] if "town" in area_wards else [])]
    ]
    profile.towns = dict(towns or {})
    profile.change = poisson_change_test(len(now), len(before), level=level)
    of_all = strands = None
    if theme.records == "crimes" and (theme.flag or theme.where or theme.police_uk):
        of_all = tuple(int((label == p).sum()) for p in ("current", "previous"))
    by = theme.police_uk_breakdown if police_uk else theme.breakdown
    profile.breakdown_by = by
    if by == "hate_strand":  # a crime counts once per strand
        strands_now, strands_before = map(indicators.explode_strands, (now, before))
        strands = (len(strands_now), len(strands_before))
        profile.notes.append(
            f"{strands[0]} hate strands on {len(now)} crimes in the current period."
        )
        profile.breakdown = indicators.compare_periods(
            strands_now,
            strands_before,
            by=by,
            categories=[s.replace("_", " ").capitalize() for s in HATE_STRANDS],
        )
    else:
        categories = list(ASB_CATEGORIES) if by == "category" else None
        profile.breakdown = indicators.compare_periods(now, before, by=by, categories=categories)
    profile.headline = headline_table(
        profile.change,
        population=area_population,
        months=current.month_count,
        of_all=of_all,
        strands=strands,
    )
    if theme.records == "crimes" and "harm_weight" in now:
        profile.harm = harm_table(
            now, wards=area_wards[["ward_code", "ward_name"]], population=population
        )
        row = pd.DataFrame([harm_row(now, before)])
        row["change"] = row["current"] - row["previous"]
        row["pct_change"] = indicators.pct_change(row["current"], row["previous"])
        profile.headline = pd.concat([profile.headline, row], ignore_index=True)
    profile.wards = indicators.ward_table(
        now,
        before,
        wards=area_wards,
        population=population,
        months=current.month_count,
        level=level,
    )
    profile.peers = peers_table(dataset, area_code=profile.area_code, period=current, theme=theme)
    profile.monthly = monthly_series(
        records.loc[in_theme],
        period=current,
        previous=previous,
        covered=dataset.months_covered if police_uk else None,
    )
    run = last_complete_run(profile.monthly)
    profile.spc = spc(run["count"].to_numpy(), labels=run["month"].astype(str).tolist())
    profile.trend = mann_kendall(run["count"].to_numpy())
    if theme.people and theme.records == "crimes" and dataset.nominals is not None:
        people = indicators.people_by_role(dataset.nominals, crime_ids=now["crime_id"])
        profile.people = indicators.role_age_sex(people)
        profile.ethnicity = indicators.ethnicity_table(people)
        profile.repeat_victims = indicators.repeat_victims(people)
    profile.attributes = {
        column: attribute_table(now, before, column) for column in theme.attributes
    }
    by = theme.top_wards_by
    if by and by in now and now[by].notna().any():
        profile.wards_by = indicators.top_wards_by(
            now, by=by, wards=area_wards[["ward_code", "ward_name"]], n=TOP_WARDS_BY
        )
    notes = pd.DataFrame({"step": "note", "description": profile.notes, "outcome": "note"})
    profile.data_quality = pd.concat([profile.data_quality, notes], ignore_index=True)
    profile.data_quality["records"] = profile.data_quality["records"].astype("Int64")
    return profile


def build_profiles(
    dataset: Dataset,
    *,
    area: str,
    period: str | Period,
    themes: dict[str, Theme],
    top_n: int = 10,
    towns: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Profile | Exception]:
    """Every theme's profile of one area and period (exact numbers, for protecting together).

    A theme that cannot be built maps to the error that stopped it instead of a profile: a
    :class:`CoverageError` when the data does not cover the compared months, so that one
    theme failing never stops the others.
    """
    profiles: dict[str, Profile | Exception] = {}
    for name, theme in themes.items():
        try:
            profiles[name] = build_profile(
                dataset, area=area, period=period, theme=theme, top_n=top_n, towns=towns
            )
        except Exception as error:  # noqa: BLE001 - reported per theme by the callers
            profiles[name] = error
    return profiles
