"""Indicator functions: worked examples and invariants (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csp_analysis import indicators

WARDS = pd.DataFrame({"ward_code": ["W1", "W2", "W3"], "ward_name": ["Abbey", "Bridge", "Castle"]})
POPULATION = pd.DataFrame({"ward_code": ["W1", "W2", "W3"], "population": [1000, 2000, 4000]})


def crimes(wards, offences=None):
    return pd.DataFrame(
        {"ward_code": pd.array(wards, dtype="string"), "offence": offences or ["x"] * len(wards)}
    )


def test_compare_periods_seed_example():
    # Seed 001, drugs offence breakdown 2023/24 vs 2022/23 (first three rows).
    now = crimes(["W1"] * 250, ["Trafficking of drugs"] * 160 + ["Possession (cannabis)"] * 90)
    before = crimes(["W1"] * 229, ["Trafficking of drugs"] * 151 + ["Possession (cannabis)"] * 78)
    table = indicators.compare_periods(now, before, by="offence")
    assert table["category"].tolist() == ["Trafficking of drugs", "Possession (cannabis)"]
    assert table["change"].tolist() == [9, 12]
    assert table["pct_change"].round(0).tolist() == [6.0, 15.0]


def test_compare_periods_new_category_has_nan_pct_change():
    table = indicators.compare_periods(crimes(["W1"], ["new"]), crimes([], []), by="offence")
    assert table.loc[0, "previous"] == 0 and np.isnan(table.loc[0, "pct_change"])


def test_ward_table_ranks_shares_rates_and_unknown():
    now = crimes(["W2", "W2", "W3", "W1", "W2", None])
    before = crimes(["W1", "W1"])
    table = indicators.ward_table(now, before, wards=WARDS, population=POPULATION, months=12)
    assert table["ward_name"].tolist() == ["Bridge", "Abbey", "Castle", "Unknown ward"]
    assert table["rank"].tolist() == [1, 2, 2, pd.NA]
    assert table["count"].tolist() == [3, 1, 1, 1]
    assert table["share_pct"].round(2).tolist() == [50.0, 16.67, 16.67, 16.67]
    assert table["cumulative_share_pct"].iloc[-1] == pytest.approx(100)
    assert table["rate_per_1000"].iloc[:3].tolist() == pytest.approx([1.5, 1.0, 0.25])
    assert table["previous"].tolist() == [0, 2, 0, 0]
    top = indicators.top_wards(table, n=2)
    assert top["ward_name"].tolist() == ["Bridge", "Abbey"]


def test_rate_per_year_of_a_quarter_is_four_times_its_rate_with_its_limits():
    # 25 records among 4,000 residents in a quarter: 6.25 per 1,000 (Byar's 95% limits
    # 4.04 to 9.23, PHEindicatormethods phe_rate), so 25 per 1,000 per year, 16.17 to 36.91.
    rates = indicators.rates_per_1000([25, 0, 7], [4000, 4000, np.nan], months=3)
    assert rates.columns.tolist() == indicators.RATE_COLUMNS
    first = rates.iloc[0]
    assert [first["rate_per_1000"], first["rate_per_1000_per_year"]] == pytest.approx([6.25, 25])
    assert first["rate_per_year_lower"] == pytest.approx(4 * first["rate_lower"])
    assert first["rate_per_year_upper"] == pytest.approx(4 * first["rate_upper"])
    assert round(first["rate_lower"], 2) == 4.04 and round(first["rate_upper"], 2) == 9.23
    assert (
        rates.iloc[1]["rate_per_1000_per_year"] == 0 and rates.iloc[1]["rate_per_year_lower"] == 0
    )
    assert rates.iloc[2].isna().all()  # no population, no rate


def test_rate_per_year_of_a_year_equals_its_rate_and_of_six_months_doubles_it():
    year = indicators.rates_per_1000([44], [134], months=12)
    assert (year["rate_per_1000_per_year"] == year["rate_per_1000"]).all()
    half = indicators.rates_per_1000([44], [134], months=6)
    assert half["rate_per_year_upper"].iloc[0] == pytest.approx(2 * half["rate_upper"].iloc[0])
    with pytest.raises(ValueError, match="at least one month"):
        indicators.rates_per_1000([1], [100], months=0)


def test_ward_table_rates_per_year_of_a_quarter():
    now = crimes(["W2", "W2", "W3", "W1", "W2"])
    table = indicators.ward_table(now, crimes([]), wards=WARDS, population=POPULATION, months=3)
    assert table["rate_per_1000"].tolist() == pytest.approx([1.5, 1.0, 0.25])
    assert table["rate_per_1000_per_year"].tolist() == pytest.approx([6.0, 4.0, 1.0])
    assert indicators.TOP_WARD_COLUMNS[-3:] == [
        "rate_per_1000_per_year",
        "rate_per_year_lower",
        "rate_per_year_upper",
    ]


def test_monthly_counts_fill_empty_months_with_zero():
    months = pd.period_range("2025-01", "2025-04", freq="M")
    records = pd.DataFrame(
        {"month": pd.PeriodIndex(["2025-01", "2025-03", "2025-03", "2024-12"], freq="M")}
    )
    table = indicators.monthly_counts(records, months=months)
    assert table["count"].tolist() == [1, 0, 2, 0]


def test_strands_count_once_per_strand():
    frame = pd.DataFrame(
        {"crime_id": ["a", "b", "c"], "hate_strands": [("race",), ("race", "religion"), ()]}
    )
    exploded = indicators.explode_strands(frame)
    assert exploded["hate_strand"].tolist() == ["Race", "Race", "Religion"]


NOMINALS = pd.DataFrame(
    {
        "crime_id": ["c1", "c1", "c2", "c2", "c3", "c9"],
        "person_id": ["p1", "p2", "p1", "p3", "p1", "p4"],
        "role": ["victim", "suspect", "suspect", "victim", "victim", "victim"],
        "age": [15, 34, 16, np.nan, 16, 50],
        "sex": ["female", "male", "female", "unknown", "female", "male"],
        "ethnicity": ["Indian", None, "Indian", None, "Indian", "Arab"],
    }
)


def test_people_of_unknown_sex_are_one_row_of_their_role():
    people = pd.DataFrame(
        {
            "role_group": ["victim"] * 6 + ["suspect"],
            "age_band": ["20-29", "20-29", "20-29", "Unknown", "30-39", "Unknown", "20-29"],
            "sex": ["female", "female", "male", "female", "unknown", "unknown", "male"],
        }
    )
    table = indicators.role_age_sex(people).set_index(["role_group", "age_band"])
    victims = table.loc["victim"]
    assert list(victims.index) == [
        *indicators.AGE_BANDS,
        "Age not recorded",
        "Sex not recorded",
        "Total",
    ]
    counts = victims[["female", "male", "people"]]
    assert counts.loc["20-29"].tolist() == [2, 1, 3]
    assert counts.loc["30-39"].tolist() == [0, 0, 0]  # the person of unknown sex is not here
    assert counts.loc["Age not recorded"].tolist() == [1, 0, 1]
    assert victims.loc["Sex not recorded", "people"] == 2
    assert victims.loc["Sex not recorded", ["female", "male"]].isna().all()
    assert counts.loc["Total"].tolist() == [3, 1, 6]
    assert victims.loc["20-29", "female_pct"] == pytest.approx(200 / 3)
    assert victims.loc["Total", "female_pct"] == 75
    assert np.isnan(victims.loc["30-39", "female_pct"])
    assert table.loc[("suspect", "Total"), "people"] == 1
    assert table.loc["suspect and victim", "people"].eq(0).all()


def test_people_by_role_finds_suspect_and_victim():
    people = indicators.people_by_role(NOMINALS, crime_ids=pd.Series(["c1", "c2", "c3"]))
    roles = dict(zip(people["person_id"], people["role_group"], strict=True))
    assert roles == {"p1": "suspect and victim", "p2": "suspect", "p3": "victim"}
    assert people.set_index("person_id").loc["p1", "age_band"] == "10-19"
    assert people.set_index("person_id").loc["p1", "victim_crimes"] == 2

    table = indicators.role_age_sex(people)
    row = table[(table["role_group"] == "suspect and victim") & (table["age_band"] == "10-19")]
    assert row[["female", "male", "people"]].to_numpy().tolist() == [[1, 0, 1]]
    totals = table[table["age_band"] == "Total"].set_index("role_group")["people"]
    assert totals.to_dict() == {"suspect and victim": 1, "suspect": 1, "victim": 1}

    ethnicity = indicators.ethnicity_table(people)
    assert ethnicity["ethnicity"].tolist() == ["Indian", "Not stated"]
    assert ethnicity["total"].tolist() == [1, 2]
    assert ethnicity["share_pct"].round(1).tolist() == [100.0, 66.7]

    repeat = indicators.repeat_victims(people)
    assert repeat.iloc[0].to_dict() == {
        "victims": 2,
        "repeat_victims": 1,
        "repeat_pct": 50.0,
        "crimes_of_repeat": 2,
    }


categories = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=60)
ward_lists = st.lists(st.sampled_from(["W1", "W2", "W3", None]), max_size=60)


@settings(max_examples=60, deadline=None)
@given(categories, categories)
def test_breakdown_sums_to_totals_and_change_is_difference(now, before):
    table = indicators.compare_periods(
        crimes(["W1"] * len(now), now), crimes(["W1"] * len(before), before), by="offence"
    )
    assert table["current"].sum() == len(now) and table["previous"].sum() == len(before)
    assert (table["change"] == table["current"] - table["previous"]).all()
    if now:
        assert table["share_pct"].sum() == pytest.approx(100)
    assert table["current"].is_monotonic_decreasing


@settings(max_examples=60, deadline=None)
@given(ward_lists, ward_lists)
def test_ward_table_accounts_for_every_record(now, before):
    table = indicators.ward_table(
        crimes(now), crimes(before), wards=WARDS, population=POPULATION, months=3
    )
    assert table["count"].sum() == len(now) and table["previous"].sum() == len(before)
    assert set(WARDS["ward_code"]) <= set(table["ward_code"].dropna())
    if now:
        assert table["share_pct"].sum() == pytest.approx(100)
        assert table["cumulative_share_pct"].iloc[-1] == pytest.approx(100)
    ranked = table.dropna(subset=["rank"])
    assert (ranked["rate_lower"] <= ranked["rate_per_1000"]).all()
    assert (ranked["rate_per_1000"] <= ranked["rate_upper"]).all()
    per_year = ranked[["rate_per_1000_per_year", "rate_per_year_lower", "rate_per_year_upper"]]
    period = ranked[["rate_per_1000", "rate_lower", "rate_upper"]]
    np.testing.assert_allclose(per_year.to_numpy(float), 4 * period.to_numpy(float))


def test_headline_gives_the_rate_in_the_period_and_per_year():
    from csp_analysis.profile import headline_table
    from csp_analysis.stats import poisson_change_test

    table = headline_table(poisson_change_test(25, 20), population=4000, months=3)
    rows = table.set_index("measure")
    assert table["measure"].tolist() == ["total", "rate_per_1000", "rate_per_1000_per_year"]
    quarter, year = rows.loc["rate_per_1000"], rows.loc["rate_per_1000_per_year"]
    assert [quarter["current"], quarter["previous"]] == pytest.approx([6.25, 5.0])
    assert [year["current"], year["previous"]] == pytest.approx([25.0, 20.0])
    # Byar's 95% limits of 25 events (PHEindicatormethods): 16.17 to 36.91 per 4,000 x 1,000.
    assert [round(quarter["current_lower"], 2), round(quarter["current_upper"], 2)] == [4.04, 9.23]
    assert [year["current_lower"], year["current_upper"]] == pytest.approx(
        [4 * quarter["current_lower"], 4 * quarter["current_upper"]]
    )
    assert year["pct_change"] == pytest.approx(25.0) and year["p_value"] == quarter["p_value"]
