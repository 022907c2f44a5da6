"""Indicators: pure functions from record frames to the tables of a profile.

Frame in, new frame out: no file I/O, no printing. Counts are joined onto complete lists of
wards, months and categories and filled with 0, so nothing vanishes from a table or map
because it had no records. Each docstring lists the columns returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_analysis.stats import rate_ci

UNKNOWN_WARD = "Unknown ward"
AGE_BANDS = ("0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70+")
ROLE_GROUPS = ("suspect and victim", "suspect", "victim")
#: Rates per 1,000 residents: in the period, and per year, each with its confidence limits.
RATE_COLUMNS = [
    "rate_per_1000",
    "rate_lower",
    "rate_upper",
    "rate_per_1000_per_year",
    "rate_per_year_lower",
    "rate_per_year_upper",
]
#: Rows of :func:`role_age_sex` besides the age bands.
AGE_NOT_RECORDED, SEX_NOT_RECORDED = "Age not recorded", "Sex not recorded"
#: Columns of the top-wards table (a stable interface: analysts load it into Excel).
TOP_WARD_COLUMNS = [
    "rank",
    "ward_code",
    "ward_name",
    "count",
    "share_pct",
    "cumulative_share_pct",
    *RATE_COLUMNS,
]
WARD_COLUMNS = [*TOP_WARD_COLUMNS, "population", "previous", "change", "pct_change"]


def pct_change(current, previous):
    """Percentage change from ``previous`` to ``current``; NaN where previous is 0.

    >>> pct_change(90, 100), pct_change(3, 0)
    (-10.0, nan)
    """
    current, previous = np.asarray(current, dtype=float), np.asarray(previous, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(previous == 0, np.nan, (current - previous) / previous * 100)
    return result.item() if result.ndim == 0 else result


def rates_per_1000(count, population, *, months: int, level: float = 0.95) -> pd.DataFrame:
    """Rates per 1,000 residents in a period of ``months`` months and per year, with limits.

    The rate in the period and its confidence limits are those of
    :func:`~csp_analysis.stats.rate_ci` (Byar's, exact below 10 records); the rate per year
    is the rate x 12 / ``months``, limits likewise (residents x years at risk), so a
    quarter's rate per year is four times its rate, and a year's equals it. Returns one row
    per count, with columns: rate_per_1000, rate_lower, rate_upper (in the period),
    rate_per_1000_per_year, rate_per_year_lower, rate_per_year_upper. NaN where the
    population is missing or not positive.

    >>> rates_per_1000([25], [4000], months=3).round(2).iloc[0].tolist()
    [6.25, 4.04, 9.23, 25.0, 16.17, 36.91]
    """
    if months < 1:
        raise ValueError(f"a period has at least one month, got {months!r}")
    rates = rate_ci(count, population, level=level)[["rate", "rate_lower", "rate_upper"]]
    per_year = rates * (12 / months)
    return pd.concat([rates, per_year], axis=1, ignore_index=True).set_axis(RATE_COLUMNS, axis=1)


def monthly_counts(records: pd.DataFrame, *, months: pd.PeriodIndex) -> pd.DataFrame:
    """Records per month over ``months``, zero-filled.

    ``records`` has a ``month`` column (Period[M]). Returns columns: month (Period[M]),
    count (int). Records outside ``months`` are not counted.
    """
    counts = records["month"].value_counts().reindex(months, fill_value=0)
    return pd.DataFrame({"month": months, "count": counts.to_numpy().astype(int)})


def compare_periods(
    current: pd.DataFrame, previous: pd.DataFrame, *, by: str, categories: list[str] | None = None
) -> pd.DataFrame:
    """Counts for two periods side by side, one row per value of ``by``.

    Returns columns: category, current (int), previous (int), change (int), pct_change
    (float, NaN where previous is 0), share_pct (share of the current total). Rows are
    every category seen in either period (plus ``categories``), sorted by current then
    previous, descending. Missing values of ``by`` count as "Not recorded".
    """
    now = current[by].astype("string").fillna("Not recorded").value_counts()
    before = previous[by].astype("string").fillna("Not recorded").value_counts()
    names = list(dict.fromkeys([*(categories or []), *now.index, *before.index]))
    table = pd.DataFrame(
        {
            "category": names,
            "current": now.reindex(names, fill_value=0).to_numpy().astype(int),
            "previous": before.reindex(names, fill_value=0).to_numpy().astype(int),
        }
    )
    table["change"] = table["current"] - table["previous"]
    table["pct_change"] = pct_change(table["current"], table["previous"])
    total = table["current"].sum()
    table["share_pct"] = table["current"] / total * 100 if total else np.nan
    return table.sort_values(
        ["current", "previous", "category"], ascending=[False, False, True]
    ).reset_index(drop=True)


def ward_table(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    wards: pd.DataFrame,
    population: pd.DataFrame | None,
    months: int,
    level: float = 0.95,
) -> pd.DataFrame:
    """Every ward of an area with its count, share, rates and change.

    ``current`` and ``previous`` are the area's records with ``ward_code`` (missing for
    "Unknown ward"); ``wards`` lists the area's wards (ward_code, ward_name);
    ``population`` has ward_code, population; ``months`` is the length of the period.
    Returns columns: rank (1 = most records; equal counts share a rank), ward_code,
    ward_name, count, share_pct (of the area total, including unknown ward),
    cumulative_share_pct, rate_per_1000, rate_lower, rate_upper (per 1,000 residents in
    the period, 95% CI by default), rate_per_1000_per_year, rate_per_year_lower,
    rate_per_year_upper (the same per year: see :func:`rates_per_1000`), population,
    previous, change, pct_change. Rows are
    ranked; a last "Unknown ward" row (no rank or rate) appears when any record has no
    ward.
    """
    codes = wards["ward_code"].tolist()
    now = current["ward_code"].value_counts().reindex(codes, fill_value=0)
    before = previous["ward_code"].value_counts().reindex(codes, fill_value=0)
    table = (
        wards[["ward_code", "ward_name"]]
        .reset_index(drop=True)
        .assign(count=now.to_numpy().astype(int), previous=before.to_numpy().astype(int))
    )
    pops = (
        population.set_index("ward_code")["population"].reindex(codes)
        if population is not None
        else pd.Series(np.nan, index=codes)
    )
    rates = rates_per_1000(
        table["count"].to_numpy(), pops.to_numpy(dtype=float), months=months, level=level
    )
    table["population"] = pops.to_numpy()
    table[RATE_COLUMNS] = rates.to_numpy()
    table = table.sort_values(["count", "ward_name"], ascending=[False, True])
    table.insert(0, "rank", table["count"].rank(method="min", ascending=False).astype(int))
    unknown_now, unknown_before = (
        current["ward_code"].isna().sum(),
        previous["ward_code"].isna().sum(),
    )
    if unknown_now or unknown_before:
        table = pd.concat(
            [
                table,
                pd.DataFrame(
                    {
                        "ward_code": [pd.NA],
                        "ward_name": [UNKNOWN_WARD],
                        "count": [int(unknown_now)],
                        "previous": [int(unknown_before)],
                    }
                ),
            ],
            ignore_index=True,
        )
    total = len(current)
    table["share_pct"] = table["count"] / total * 100 if total else np.nan
    table["cumulative_share_pct"] = table["share_pct"].cumsum()
    table["change"] = table["count"] - table["previous"]
    table["pct_change"] = pct_change(table["count"], table["previous"])
    table["rank"] = table["rank"].astype("Int64")
    return table[WARD_COLUMNS].reset_index(drop=True)


def top_wards(wards: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """The ``n`` highest-ranked wards of a :func:`ward_table` that had any record.

    Never "Unknown ward", never a ward with a count of 0 (a withheld count, such as "<5",
    is at least 1 and is kept), so a list may be shorter than ``n``.
    """
    counts = pd.to_numeric(wards["count"], errors="coerce")
    listed = wards["rank"].notna() & (counts.isna() | counts.gt(0))
    return wards.loc[listed].head(n).reset_index(drop=True)


def top_wards_by(
    records: pd.DataFrame, *, by: str, wards: pd.DataFrame, n: int = 5
) -> pd.DataFrame:
    """The ``n`` wards with most records within each value of ``by`` (e.g. ASB category).

    Returns columns: ``by``, rank, ward_code, ward_name, count, share_pct (of that
    category's records in the area, including those with no ward). Categories with no
    records are left out; wards with no records in a category are not listed.
    """
    rows = []
    for value, group in records.groupby(by, sort=True):
        counts = group["ward_code"].value_counts()
        top = (
            wards[["ward_code", "ward_name"]]
            .assign(count=wards["ward_code"].map(counts).fillna(0).astype(int).to_numpy())
            .query("count > 0")
            .sort_values(["count", "ward_name"], ascending=[False, True])
            .head(n)
        )
        top.insert(0, by, value)
        top.insert(1, "rank", top["count"].rank(method="min", ascending=False).astype(int))
        top["share_pct"] = top["count"] / len(group) * 100
        rows.append(top)
    columns = [by, "rank", "ward_code", "ward_name", "count", "share_pct"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def explode_strands(crimes: pd.DataFrame) -> pd.DataFrame:
    """One row per crime and hate strand, in column ``hate_strand``.

    A crime with two strands gives two rows; a crime with none gives none.
    """
    exploded = crimes.assign(hate_strand=crimes["hate_strands"]).explode("hate_strand")
    exploded = exploded.loc[exploded["hate_strand"].notna()]
    exploded["hate_strand"] = exploded["hate_strand"].str.replace("_", " ").str.capitalize()
    return exploded


def age_band(age: pd.Series) -> pd.Series:
    """Ten-year age bands 0-9 ... 70+, "Unknown" where age is missing."""
    bands = pd.cut(
        age, bins=[0, 10, 20, 30, 40, 50, 60, 70, np.inf], right=False, labels=list(AGE_BANDS)
    )
    return bands.cat.add_categories("Unknown").fillna("Unknown")


def people_by_role(nominals: pd.DataFrame, *, crime_ids: pd.Series) -> pd.DataFrame:
    """Each person linked to the given crimes, once, with their role group.

    A person who is both a victim and a suspect among these crimes is "suspect and
    victim". Returns columns: person_id, role_group, age (latest known), age_band, sex,
    ethnicity (latest stated; missing when never stated), crimes (number of the crimes),
    victim_crimes (of which as a victim).
    """
    linked = nominals.loc[nominals["crime_id"].isin(set(crime_ids))]
    grouped = linked.groupby("person_id", sort=True)
    people = pd.DataFrame(
        {
            "roles": grouped["role"].agg(lambda roles: frozenset(roles)),
            "age": grouped["age"].last(),
            "sex": grouped["sex"].agg(
                lambda s: s[s != "unknown"].iloc[-1] if (s != "unknown").any() else "unknown"
            ),
            "ethnicity": grouped["ethnicity"].last(),
            "crimes": grouped["crime_id"].nunique(),
            "victim_crimes": linked.loc[linked["role"] == "victim"]
            .groupby("person_id")["crime_id"]
            .nunique(),
        }
    )
    people["victim_crimes"] = people["victim_crimes"].fillna(0).astype(int)
    people["role_group"] = people["roles"].map(
        lambda roles: "suspect and victim" if len(roles) == 2 else next(iter(roles))
    )
    people["age_band"] = age_band(people["age"])
    return people.reset_index()[
        [
            "person_id",
            "role_group",
            "age",
            "age_band",
            "sex",
            "ethnicity",
            "crimes",
            "victim_crimes",
        ]
    ]


def role_age_sex(people: pd.DataFrame) -> pd.DataFrame:
    """People by role group, age band and sex (from :func:`people_by_role`).

    People whose sex is not recorded are counted once per role group, not within each age
    band, so that every age band shows its female and male counts alone. Returns columns:
    role_group, age_band, female, male, people, female_pct. Each role group has, in order,
    a row per age band of :data:`AGE_BANDS` and "Age not recorded" (female and male: people
    of recorded sex; people = female + male), a "Sex not recorded" row (people of any age
    whose sex is not recorded; female and male missing) and a "Total" row (female and male
    summed over the age bands; people = everyone in the role group). female_pct is female
    as a percentage of female + male, NaN where that is 0. Every role group and age band
    appears, zero-filled.

    >>> people = pd.DataFrame({"role_group": ["victim"] * 3, "age_band": ["0-9", "0-9", "70+"],
    ...                        "sex": ["female", "unknown", "male"]})
    >>> victims = role_age_sex(people).query("role_group == 'victim'").set_index("age_band")
    >>> victims.loc[["0-9", "70+", "Sex not recorded", "Total"], ["female", "male", "people"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                      female  male  people
    age_band
    0-9                    1     0       1
    70+                    0     1       1
    Sex not recorded    <NA>  <NA>       1
    Total                  1     1       3
    """
    bands = [*AGE_BANDS, AGE_NOT_RECORDED]
    frame = pd.DataFrame(
        {
            "role_group": pd.Categorical(people["role_group"], categories=ROLE_GROUPS),
            "age_band": pd.Categorical(
                people["age_band"].astype(str).replace("Unknown", AGE_NOT_RECORDED),
                categories=bands,
            ),
            "sex": pd.Categorical(
                people["sex"].where(people["sex"].isin(["female", "male"])),
                categories=["female", "male"],
            ),
        }
    )
    grid = (
        frame.groupby(["role_group", "age_band", "sex"], observed=False)
        .size()
        .unstack("sex")
        .reindex(pd.MultiIndex.from_product([ROLE_GROUPS, bands]), fill_value=0)
        .astype("Int64")
    )
    grid.index.names, grid.columns.name = ["role_group", "age_band"], None
    unrecorded = frame.loc[frame["sex"].isna()].groupby("role_group", observed=False).size()
    blocks = []
    for role in ROLE_GROUPS:
        block = grid.loc[role].reset_index()
        block["people"] = block["female"] + block["male"]
        missing = int(unrecorded.get(role, 0))
        female, male = int(block["female"].sum()), int(block["male"].sum())
        tail = pd.DataFrame(
            {
                "age_band": [SEX_NOT_RECORDED, "Total"],
                "female": pd.array([pd.NA, female], dtype="Int64"),
                "male": pd.array([pd.NA, male], dtype="Int64"),
                "people": pd.array([missing, female + male + missing], dtype="Int64"),
            }
        )
        blocks.append(pd.concat([block, tail], ignore_index=True).assign(role_group=role))
    table = pd.concat(blocks, ignore_index=True)
    known = (table["female"] + table["male"]).astype("Float64")
    share = table["female"].astype("Float64") / known.where(known > 0) * 100
    table["female_pct"] = share.astype(float)
    return table[["role_group", "age_band", "female", "male", "people", "female_pct"]]


def ethnicity_table(people: pd.DataFrame) -> pd.DataFrame:
    """People by self-defined ethnicity and role group (from :func:`people_by_role`).

    Returns columns: ethnicity, suspect and victim, suspect, victim, total, share_pct,
    stated. Stated ethnicities come first, sorted by total, with share_pct of all people
    whose ethnicity is stated; a last row "Not stated" (stated False) counts the people
    excluded from those shares, with share_pct of all people.
    """
    stated = people.loc[people["ethnicity"].notna()]
    table = (
        stated.groupby(["ethnicity", "role_group"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(ROLE_GROUPS), fill_value=0)
    )
    table["total"] = table.sum(axis=1)
    table = table.sort_values("total", ascending=False).reset_index()
    table["share_pct"] = table["total"] / len(stated) * 100 if len(stated) else np.nan
    table["stated"] = True
    missing = people.loc[people["ethnicity"].isna(), "role_group"].value_counts()
    row = {group: int(missing.get(group, 0)) for group in ROLE_GROUPS}
    row.update(
        ethnicity="Not stated",
        total=int(missing.sum()),
        stated=False,
        share_pct=missing.sum() / len(people) * 100 if len(people) else np.nan,
    )
    table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    table.columns.name = None
    return table[["ethnicity", *ROLE_GROUPS, "total", "share_pct", "stated"]]


def repeat_victims(people: pd.DataFrame) -> pd.DataFrame:
    """Victims linked to more than one of the crimes (from :func:`people_by_role`).

    Returns one row with columns: victims, repeat_victims, repeat_pct, crimes_of_repeat
    (crimes in which a repeat victim is the victim).
    """
    victims = people.loc[people["victim_crimes"] > 0]
    repeat = victims.loc[victims["victim_crimes"] > 1]
    return pd.DataFrame(
        {
            "victims": [len(victims)],
            "repeat_victims": [len(repeat)],
            "repeat_pct": [len(repeat) / len(victims) * 100 if len(victims) else np.nan],
            "crimes_of_repeat": [int(repeat["victim_crimes"].sum())],
        }
    )
