"""Harm: severity weights, crime type weights, harm intervals, rank intervals, localities.

Reference values and where they come from:

* DSR_* below: PHStatsMethods ``PHStatsMethods/tests/test_data/testdata_DSR_ISR.xlsx``
  (repository DataS-DHSC/PHStatsMethods, file commit
  202c0d865b346f714a93eab39a96279d8711379b), sheets ``testdata_multiarea``,
  ``testdata_1976`` (inputs) and ``testresults_DSR`` (outputs of ``ph_dsr``, Dobson
  method). PHEindicatormethods (ukhsa-collaboration/PHEindicatormethods, commit
  093fd288d8f8949dbcfbed70049dbbf385b6141d, ``tests/testthat/testdata_DSR_ISR.xlsx``,
  sheet ``testresults_DSR``) publishes the same outputs for ``phe_dsr``. A directly
  standardised rate is a weighted sum of Poisson counts, as harm is.
* ESP_2013: the European Standard Population 2013 in 19 age bands, as in PHStatsMethods
  ``utils.euro_standard_pop``.
* Severity weights: the ONS values as written in ``shared/data/reference/
  ons_crime_severity_weights.csv`` (and rounded in its PROVENANCE.md: homicide 7,973.4,
  possession of cannabis 1.8).
* Offence counts: the rows of ``reference/offence_mix_england_wales_2017_18.csv`` (Home
  Office open data, 2017/18).
"""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csp_analysis import crime_type_weights, harm_index, load_weights, rank_intervals
from csp_analysis import weigh_records as weigh_records_top
from csp_analysis.harm import (
    _reference,
    high_harm_localities,
    load_offence_mix,
    unweighted_note,
    unweighted_records,
    weigh_records,
)
from csp_analysis.read import InputError

ESP_2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000]
ESP_2013 += [7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000]
POP = [636, 558, 609, 543, 384, 594, 669, 843, 660, 576, 606, 522, 426, 273, 300, 288, 153]
POP += [123, 207]
DSR_BIG_COUNTS = [127, 25, 18, 21, 12, 27, 48, 27, 29, 32, 32, 34, 45, 65, 38, 68, 74, 82, 91]
DSR_SMALL_COUNTS = [12, 4, 3, 2, 3, 4, 8, 2, 2, 3, 4, 5, 6, 8, 5, 6, 5, 5, 4]
# testresults_DSR, rows "dsr per 100000": value, 95% lower, upper, 99.8% lower, upper.
DSR_BIG = (10430.247991, 9717.709068, 11178.940915, 9323.287880, 11620.596000)
DSR_SMALL = (1103.212025, 877.455768, 1367.088223, 763.642036, 1530.032895)
# testdata_1976: count, pop and the 1976 European Standard Population, 18 bands.
COUNT_1976 = [127, 25, 18, 21, 12, 27, 48, 27, 29, 32, 32, 34, 45, 65, 38, 68, 74, 82]
POP_1976 = [636, 558, 609, 543, 384, 594, 669, 843, 660, 576, 606, 522, 426, 273, 300, 288]
POP_1976 += [153, 123]
ESP_1976 = [8000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 6000, 5000]
ESP_1976 += [4000, 3000, 2000, 1000, 1000]
DSR_1976 = (8592.097585, 7991.160931, 9225.253880)  # per 100000, 95% only


def _records(unit: str, counts: list[int], weights: list[float]) -> pd.DataFrame:
    """One record per event, each with its cell's weight."""
    return pd.DataFrame(
        {
            "ward_code": unit,
            "harm_weight": np.repeat(np.asarray(weights, dtype=float), counts),
        }
    )


def _dsr_weights(pop: list[int], standard: list[int]) -> list[float]:
    """Each event's weight in a DSR per 100,000: standard / (pop x total standard)."""
    return [s / (p * sum(standard)) * 100_000 for s, p in zip(standard, pop, strict=True)]


# --------------------------------------------------------------------------- weights


def test_bundled_weights_normalise_the_ons_codes():
    weights = load_weights()
    assert len(weights) == 133
    by_code = weights.set_index("offence_code")["weight"]
    assert by_code["1"] == pytest.approx(7973.3934)
    assert by_code["4/10"] == pytest.approx(7973.3934)  # "4.10" in the file
    assert by_code["37/2"] == pytest.approx(53.45)  # "37.2"
    assert by_code["92E"] == pytest.approx(1.7706)
    assert round(by_code["1"], 1) == 7973.4 and round(by_code["92E"], 1) == 1.8
    assert {"offence", "police_uk_category", "code_as_given"} <= set(weights.columns)
    assert weights.attrs["source"].endswith("ons_crime_severity_weights.csv")


def test_bundled_weights_are_the_shared_file():
    folder = os.environ.get("CSP_PUBLIC_DATA")
    shared = Path(folder or "/nonexistent", "reference", "ons_crime_severity_weights.csv")
    if not shared.is_file():
        pytest.skip("CSP_PUBLIC_DATA is not set to the public data folder")
    assert filecmp.cmp(shared, _reference("ons_crime_severity_weights.csv"), shallow=False)


def test_deployment_weights_file(tmp_path):
    path = tmp_path / "offence_weights.csv"
    path.write_text(
        "Offence_Code,Weight,Description\n1/4.1/4.10/4.2,8000,Homicide\n008n,190.5,ABH\n"
        '"105A"," 1,234.5 ",Common assault\n'
    )
    weights = load_weights(path)
    assert weights["offence_code"].tolist() == ["1", "4/1", "4/10", "4/2", "8N", "105A"]
    assert weights["weight"].tolist() == [8000, 8000, 8000, 8000, 190.5, 1234.5]
    assert weights["description"].tolist()[-1] == "Common assault"
    assert weights["code_as_given"].tolist()[-2] == "008n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "offence_code,weight\n8N,189\n105A,abc\n",
            "w.csv line 3: column 'weight' = 'abc' is not a number",
        ),
        (
            "offence_code,weight\n8N,-1\n",
            "w.csv line 2: column 'weight' = '-1' is negative (a severity weight is 0 or more)",
        ),
        (
            "offence_code,weight\n8N,\n",
            "w.csv line 2: column 'weight' is blank (expected a number)",
        ),
        ("offence_code,weight\n8N,nan\n", "w.csv line 2: column 'weight' = 'nan' is not a number"),
        ("offence_code,weight\n,3\n", "w.csv line 2: column 'offence_code' is blank"),
        (
            "offence_code,weight\n4.10,1\n8N,2\n4/10,3\n",
            "w.csv line 4: column 'offence_code' '4/10' is the same code as '4.10' on line 2 "
            "(codes are compared as 4/10): give each code once",
        ),
        (
            "offence_code,weight\n1/4.1/4.10/4.2,1\n4.1,3\n",
            "w.csv line 3: column 'offence_code' '4.1' is the same code as '1/4.1/4.10/4.2' on "
            "line 2 (codes are compared as 4/1): give each code once",
        ),
        (
            "code,weight\n8N,1\n",
            "w.csv line 1: column 'offence_code' is missing (a weights file has columns "
            "offence_code and weight)",
        ),
    ],
)
def test_bad_weights_files_are_refused(tmp_path, body, message):
    path = tmp_path / "w.csv"
    path.write_text(body)
    with pytest.raises(InputError) as error:
        load_weights(path)
    assert str(error.value) == message


# --------------------------------------------------------------------------- crime types


def test_crime_type_weights_of_single_weight_types_need_no_mix():
    table = crime_type_weights(load_weights()).set_index("crime_type")
    assert len(table) == 13 and "Anti-social behaviour" not in table.index
    # Both robbery codes (34A, 34B) weigh 799.6289: any mix gives that weight.
    assert table.loc["Robbery", "weight"] == pytest.approx(799.6289)
    assert table.loc["Robbery", "weight_sq"] == pytest.approx(799.6289**2)
    assert table.loc["Shoplifting", "weight"] == pytest.approx(11.8555)
    assert table.loc["Shoplifting", "codes"] == 1
    assert table["method"].str.startswith("approximate").all()


def test_crime_type_weight_is_the_mix_weighted_mean():
    mix = load_offence_mix().set_index("offence_code")["count"]
    # Public order: 9A, 9B, 62A and 66, with the ONS weights as written in the file.
    weights = {"9A": 6.8118, "9B": 12.7634, "62A": 362.8965, "66": 72.5087}
    total = sum(mix[c] for c in weights)
    expected = sum(w * mix[c] for c, w in weights.items()) / total
    squares = sum(w * w * mix[c] for c, w in weights.items()) / total
    row = crime_type_weights(load_weights()).set_index("crime_type").loc["Public order"]
    assert row["weight"] == pytest.approx(expected, rel=1e-12)
    assert row["weight_sq"] == pytest.approx(squares, rel=1e-12)
    assert row["mix_count"] == total and row["codes"] == 4
    assert "police recorded crime in England and Wales" in row["method"]
    assert mix.sum() == 4_821_452


def test_crime_type_weights_with_a_deployment_mix():
    mix = pd.DataFrame({"offence_code": ["28E", "030c", "1/4.1/4.10/4.2"], "count": [3, 1, 2]})
    mix.attrs["source"] = "Demoshire crimes 2024-25"
    table = crime_type_weights(load_weights(), mix=mix).set_index("crime_type")
    burglary = table.loc["Burglary"]
    assert burglary["weight"] == pytest.approx((3 * 465.3815 + 123.0184) / 4)
    assert burglary["weight_sq"] == pytest.approx((3 * 465.3815**2 + 123.0184**2) / 4)
    assert burglary["method"].endswith("share of Demoshire crimes 2024-25")
    # Homicide is the only violence code in this mix.
    assert table.loc["Violence and sexual offences", "weight"] == pytest.approx(7973.3934)
    # No mix for drugs: the median of its four codes' weights, said so.
    drugs = table.loc["Drugs"]
    assert drugs["weight"] == pytest.approx(np.median([512.9574, 9.0622, 8.082, 1.7706]))
    assert "no offence-code mix was available" in drugs["method"]


def test_crime_type_names_match_case_insensitively_and_default_to_the_bundled_map():
    shouting = pd.DataFrame(
        {
            "offence_code": ["9A", "9B"],
            "weight": [1.0, 3.0],
            "police_uk_category": ["PUBLIC  ORDER", "public order"],
        }
    )
    bare = pd.DataFrame({"offence_code": ["9A", "9B"], "weight": [1.0, 3.0]})
    mix = pd.DataFrame({"offence_code": ["9A", "9B"], "count": [1, 3]})
    for weights in (shouting, bare):
        table = crime_type_weights(weights, mix=mix).set_index("crime_type")
        assert table.loc["Public order", "weight"] == pytest.approx(2.5)
        assert np.isnan(table.loc["Drugs", "weight"])


def test_bundled_crime_type_table_is_derived_from_the_bundled_files():
    path = _reference("police_uk_crime_type_weights.csv")
    with path.open(encoding="utf-8") as handle:
        bundled = pd.read_csv(handle)
    derived = crime_type_weights(load_weights())
    pd.testing.assert_frame_equal(
        bundled[["crime_type", "codes", "mix_count", "method"]],
        derived[["crime_type", "codes", "mix_count", "method"]],
    )
    np.testing.assert_allclose(bundled["weight"], derived["weight"], atol=5e-5)
    np.testing.assert_allclose(bundled["weight_sq"], derived["weight_sq"], atol=5e-5)


# --------------------------------------------------------------------------- weighing


def test_weigh_records_codes_types_and_no_weight():
    crimes = pd.DataFrame(
        {
            "offence_code": ["37.2", "8U", None, None, "46"],
            "crime_type": [None, None, "robbery", "Anti-social behaviour", "Drugs"],
            "offence": ["AVT", "Coercive control", "Mugging", "ASB", "Shoplifting"],
        }
    )
    out = weigh_records(crimes, load_weights())
    assert weigh_records_top is weigh_records
    assert out["weighted_by"].tolist() == [
        "offence_code",
        "none",
        "crime_type",
        "none",
        "offence_code",
    ]
    np.testing.assert_allclose(
        out["harm_weight"].to_numpy(), [53.45, np.nan, 799.6289, np.nan, 11.8555], atol=1e-4
    )
    np.testing.assert_allclose(out["harm_weight_sq"].iloc[[0, 2]], [53.45**2, 799.6289**2], 1e-6)
    assert crimes.columns.tolist() == ["offence_code", "crime_type", "offence"]  # not modified
    missing = unweighted_records(out)
    assert missing.to_dict("records") == [
        {"offence_code": "(blank)", "offence": "ASB", "records": 1},
        {"offence_code": "8U", "offence": "Coercive control", "records": 1},
    ]
    assert unweighted_note(out) == (
        "2 records have no severity weight (codes (blank), 8U); they count in volumes but "
        "not in harm."
    )


def test_demo_records_weighted_except_coercive_control(demo_dataset):
    crimes = demo_dataset.crimes
    out = weigh_records(crimes, load_weights())
    # The demo offence tree's codes (demo.py) that the 2020 ONS list lacks: only 8U.
    coercive = (crimes["offence_code"] == "8U").to_numpy()
    assert coercive.sum() > 0
    assert out["harm_weight"].isna().to_numpy().tolist() == coercive.tolist()
    assert unweighted_note(out) == (
        f"{coercive.sum()} records have no severity weight (code 8U); they count in volumes "
        "but not in harm."
    )


# --------------------------------------------------------------------------- harm index


@pytest.mark.parametrize(
    ("counts", "expected"), [(DSR_BIG_COUNTS, DSR_BIG), (DSR_SMALL_COUNTS, DSR_SMALL)]
)
def test_harm_interval_reproduces_phe_dsr(counts, expected):
    records = _records("A", counts, _dsr_weights(POP, ESP_2013))
    value, lower95, upper95, lower998, upper998 = expected
    out = harm_index(records).iloc[0]
    assert out["count"] == sum(counts)
    assert out["harm"] == pytest.approx(value, rel=1e-9)
    assert out["harm_lower"] == pytest.approx(lower95, rel=1e-9)
    assert out["harm_upper"] == pytest.approx(upper95, rel=1e-9)
    out = harm_index(records, level=0.998).iloc[0]
    assert out["harm_lower"] == pytest.approx(lower998, rel=1e-9)
    assert out["harm_upper"] == pytest.approx(upper998, rel=1e-9)


def test_harm_interval_reproduces_phe_dsr_with_the_1976_standard():
    records = _records("A", COUNT_1976, _dsr_weights(POP_1976, ESP_1976))
    out = harm_index(records, by=None).iloc[0]
    assert out["count"] == 804
    assert (out["harm"], out["harm_lower"], out["harm_upper"]) == pytest.approx(DSR_1976, 1e-9)


def test_small_counts_use_exact_poisson_limits():
    records = pd.DataFrame({"ward_code": ["A", "A"], "harm_weight": [10.0, 2.0]})
    out = harm_index(records).iloc[0]
    low = stats.chi2.ppf(0.025, 4) / 2  # exact limits of a count of 2
    high = stats.chi2.ppf(0.975, 6) / 2
    spread = np.sqrt((100 + 4) / 2)
    assert out["harm_lower"] == pytest.approx(max(12 + spread * (low - 2), 0))
    assert out["harm_upper"] == pytest.approx(12 + spread * (high - 2))
    assert out["mean_severity"] == 6


def test_harm_index_is_complete_and_per_1000():
    records = pd.DataFrame(
        {
            "ward_code": ["A"] * 12 + ["B", None],
            "harm_weight": [5.0] * 11 + [np.nan, 100.0, 7.0],
        }
    )
    population = pd.DataFrame({"ward_code": ["A", "B", "C"], "population": [2000, 0, 500]})
    out = harm_index(records, units=["C", "A", "B"], population=population).set_index("ward_code")
    assert out.index.tolist() == ["C", "A", "B"]
    assert out["count"].tolist() == [0, 12, 1]
    assert out["weighted"].tolist() == [0, 11, 1]
    assert out["harm"].tolist() == [0, 55, 100]
    assert out.loc["A", "harm_per_1000"] == pytest.approx(27.5)
    assert np.isnan(out.loc["B", "harm_per_1000"])  # population 0
    assert out.loc["C", "harm_per_1000"] == 0 and out.loc["C", "harm_lower"] == 0
    assert np.isnan(out.loc["C", "harm_upper"]) and np.isnan(out.loc["C", "mean_severity"])
    # Byar's limits of 11 (the weighted records), scaled by the one weight 5, per 1,000.
    z = stats.norm.ppf(0.975)
    upper = 12 * (1 - 1 / (9 * 12) + z / (3 * np.sqrt(12))) ** 3
    assert out.loc["A", "harm_upper"] == pytest.approx(5 * upper / 2)
    area = harm_index(records, by=None, population=2500).iloc[0]
    assert area["count"] == 14 and area["harm"] == 162
    assert area["harm_per_1000"] == pytest.approx(162 / 2.5)
    assert "ward_code" not in harm_index(records, by=None).columns


def test_crime_type_records_carry_their_mix_variance():
    crimes = pd.DataFrame({"ward_code": "A", "crime_type": ["Violence and sexual offences"] * 40})
    out = harm_index(weigh_records(crimes, load_weights())).iloc[0]
    row = (
        crime_type_weights(load_weights())
        .set_index("crime_type")
        .loc["Violence and sexual offences"]
    )
    z = stats.norm.ppf(0.975)
    upper = 41 * (1 - 1 / (9 * 41) + z / (3 * np.sqrt(41))) ** 3
    assert out["harm"] == pytest.approx(40 * row["weight"])
    # sqrt(variance / n) = sqrt(mean squared weight), wider than the mean weight.
    assert out["harm_upper"] == pytest.approx(
        40 * row["weight"] + np.sqrt(row["weight_sq"]) * (upper - 40)
    )
    assert np.sqrt(row["weight_sq"]) > 2 * row["weight"]


# --------------------------------------------------------------------------- ranks


def test_a_dominant_unit_ranks_first_for_sure():
    records = pd.concat(
        [
            _records("A", [500], [100.0]),
            _records("B", [20, 3], [10.0, 50.0]),
            _records("C", [25], [12.0]),
        ]
    )
    out = rank_intervals(records, units=["A", "B", "C", "D"]).set_index("ward_code")
    assert out.loc["A", ["rank", "rank_lower", "rank_upper"]].tolist() == [1, 1, 1]
    assert bool(out.loc["A", "rank_is_stable"])
    assert out.loc["D", ["rank", "rank_lower", "rank_upper"]].tolist() == [4, 4, 4]


def test_equal_units_share_a_rank_and_overlap():
    records = pd.concat([_records("A", [30], [4.0]), _records("B", [30], [4.0])])
    out = rank_intervals(records).set_index("ward_code")
    assert out["rank"].tolist() == [1, 1]
    for unit in ("A", "B"):
        assert (out.loc[unit, "rank_lower"], out.loc[unit, "rank_upper"]) == (1, 2)


def test_rank_intervals_contain_the_observed_rank_with_large_counts():
    records = pd.concat(
        [_records(f"W{k:02d}", [1000 + 40 * k, 200], [1.0, 3.0]) for k in range(12)]
    )
    out = rank_intervals(records, draws=500, seed=3)
    assert ((out["rank_lower"] <= out["rank"]) & (out["rank"] <= out["rank_upper"])).all()
    assert out.sort_values("rank")["ward_code"].tolist() == [f"W{k:02d}" for k in range(11, -1, -1)]


@pytest.mark.parametrize(("mean_a", "mean_b"), [(1, 5), (1, 8), (2, 9), (3, 10)])
def test_rank_interval_matches_exact_poisson_probabilities(mean_a, mean_b):
    # Two units, each harm = 2.5 x Poisson(mean): A ranks 1 when X_A >= X_B.
    records = pd.concat([_records("A", [mean_a], [2.5]), _records("B", [mean_b], [2.5])])
    k = np.arange(200)
    pa, pb = stats.poisson.pmf(k, mean_a), stats.poisson.pmf(k, mean_b)
    a_first = float((pa * stats.poisson.cdf(k, mean_b)).sum())  # P(X_A >= X_B)
    b_second = float((pb * stats.poisson.sf(k, mean_a)).sum())  # P(X_A > X_B)
    out = rank_intervals(records, draws=20000, seed=11).set_index("ward_code")
    # The 2.5% point of A's rank is 1 exactly when P(rank 1) >= 2.5%.
    assert out.loc["A", "rank_lower"] == (1 if a_first >= 0.025 else 2)
    assert out.loc["A", "rank_upper"] == 2
    # The 97.5% point of B's rank is 2 exactly when P(rank 2) > 2.5%.
    assert out.loc["B", "rank_upper"] == (2 if b_second > 0.025 else 1)
    assert out.loc["B", "rank_lower"] == 1


def test_rank_intervals_are_reproducible_and_use_no_global_state():
    records = pd.concat([_records(f"W{k}", [5 + k, 2], [10.0, 80.0]) for k in range(8)])
    np.random.seed(0)  # noqa: NPY002 (global state must not matter)
    first = rank_intervals(records, seed=5)
    np.random.seed(1)  # noqa: NPY002
    second = rank_intervals(records, seed=5)
    pd.testing.assert_frame_equal(first, second)
    assert set(first.columns) == {"ward_code", "rank", "rank_lower", "rank_upper", "rank_is_stable"}


def test_rank_by_rate_with_population():
    records = pd.concat([_records("A", [100], [1.0]), _records("B", [60], [1.0])])
    population = pd.DataFrame({"ward_code": ["A", "B", "C"], "population": [10000, 1000, np.nan]})
    out = rank_intervals(records, units=["A", "B", "C"], population=population)
    assert out["rank"].tolist()[:2] == [2, 1]
    assert out["rank"].isna().tolist() == [False, False, True]
    assert out["rank_is_stable"].tolist() == [True, True, False]


# --------------------------------------------------------------------------- localities


def _yearly(unit: str, year: int, count: int, weight: float = 1.0) -> pd.DataFrame:
    """count records in July of the financial year starting in April ``year``."""
    return pd.DataFrame(
        {
            "ward_code": unit,
            "town": "Town " + unit[0],
            "month": pd.Period(f"{year}-07", freq="M"),
            "harm_weight": weight,
        },
        index=range(count),
    )


def test_high_harm_localities_pool_years_and_note_persistence():
    records = pd.concat(
        [
            _yearly("A1", 2022, 10),
            _yearly("A1", 2023, 10),
            _yearly("A1", 2024, 10),  # harm 30, top 2 in each year
            _yearly("B1", 2024, 50),  # harm 50, top in one year only
            _yearly("C1", 2022, 5),
            _yearly("C1", 2023, 5),
            _yearly("C1", 2024, 1),  # harm 11
            _yearly("D1", 2021, 500),  # before the three years: left out
        ],
        ignore_index=True,
    )
    out = high_harm_localities(records, year="2024-25", top=2, units=["A1", "B1", "C1", "D1"])
    assert out.attrs["years"] == ["2022-23", "2023-24", "2024-25"]
    assert out["ward_code"].tolist() == ["B1", "A1", "C1", "D1"]
    assert out["harm"].tolist() == [50, 30, 11, 0]
    assert out["harm_rank"].tolist() == [1, 2, 3, 4]
    assert out["years_in_top"].tolist() == [1, 3, 2, 0]
    assert out["years"].tolist() == [3, 3, 3, 3]
    deprivation = pd.DataFrame({"ward_code": ["A1", "B1", "C1"], "imd_score": [40.0, 10.0, 35.0]})
    out = high_harm_localities(
        records, year="2024-25", top=2, units=["A1", "B1", "C1", "D1"], deprivation=deprivation
    )
    # Ranks (harm, deprivation): A1 (2, 1) mean 1.5; B1 (1, 3) 2; C1 (3, 2) 2.5; D1 none.
    assert out["ward_code"].tolist() == ["A1", "B1", "C1", "D1"]
    assert out["deprivation_rank"].tolist()[:3] == [1, 3, 2]
    assert out["priority_rank"].tolist()[:3] == [1, 2, 3]
    assert out["priority_rank"].isna().tolist() == [False, False, False, True]
    towns = high_harm_localities(records, year="2024-25", by="town", years=1, top=1)
    assert towns[["town", "harm", "years_in_top"]].to_dict("list") == {
        "town": ["Town B", "Town A", "Town C", "Town D"],
        "harm": [50, 10, 1, 0],
        "years_in_top": [1, 0, 0, 0],
    }


# --------------------------------------------------------------------------- public data


def test_public_data_harm_for_shropshire(public_dataset):
    crimes = weigh_records(public_dataset.crimes, load_weights())
    assert crimes["harm_weight"].notna().all()
    assert (crimes["weighted_by"] == "crime_type").all()
    quarter = crimes[
        (crimes["area_code"] == "E06000051")
        & (crimes["month"] >= pd.Period("2025-01", "M"))
        & (crimes["month"] <= pd.Period("2025-03", "M"))
    ]
    with _reference("police_uk_crime_type_weights.csv").open(encoding="utf-8") as handle:
        type_weight = pd.read_csv(handle).set_index("crime_type")["weight"]
    expected = quarter["crime_type"].map(type_weight).sum()
    wards = public_dataset.wards
    shropshire = wards.loc[wards["area_code"] == "E06000051", "ward_code"]
    table = harm_index(quarter, units=shropshire)
    assert table["harm"].sum() + harm_index(
        quarter[~quarter["ward_code"].isin(shropshire)], by=None
    )["harm"].item() == pytest.approx(expected, rel=1e-3)
    ranks = rank_intervals(quarter, units=shropshire)
    top = table.merge(ranks, on="ward_code").sort_values("rank").head(5)
    assert (top["rank_lower"] <= top["rank"]).all() and (top["rank"] <= top["rank_upper"]).all()
    assert top["rank"].tolist() == [1, 2, 3, 4, 5]
    assert top["harm"].is_monotonic_decreasing
