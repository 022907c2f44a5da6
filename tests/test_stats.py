"""Tests for csp_analysis.stats.

Reference values are those published by the anchor implementations (each cited
where it is used), not numbers produced by this module; property tests use
hypothesis.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from csp_analysis.stats import (
    ChangeTest,
    TrendTest,
    mann_kendall,
    poisson_change_test,
    proportion_ci,
    rate_ci,
    spc,
)

# --------------------------------------------------------------------------------------
# rate_ci and proportion_ci: PHEindicatormethods
# --------------------------------------------------------------------------------------

# Source: PHEindicatormethods introductory vignette, knitted output
# (ukhsa-collaboration/PHEindicatormethods, inst/doc/PHEindicatormethodsIntroVignette.html,
# commit b0fa919dc65e4ae212253b0566095b158f55bcd1): the example data frame `df` and the
# printed results of phe_rate() and phe_proportion() on it.
PHE_OBS = [87, 1, 44, 13, 83, 7, 43, 5]
PHE_POP = [131, 164, 134, 109, 131, 139, 137, 163]

# phe_rate(df, obs, pop)  -- 95%, rate per 100,000
PHE_RATE_95 = [  # value, lowercl, uppercl
    (66412.2137, 53191.89721, 81920.133),
    (609.7561, 15.43769, 3397.344),
    (32835.8209, 23856.24577, 44081.622),
    (11926.6055, 6344.25775, 20396.080),
    (63358.7786, 50463.30549, 78543.665),
    (5035.9712, 2024.72162, 10376.025),
    (31386.8613, 22712.53344, 42278.943),
    (3067.4847, 996.00392, 7158.486),
]
# phe_rate(df, obs, pop, type="full", confidence=99.8, multiplier=100)
PHE_RATE_998 = [  # value, lowercl, uppercl, method
    (66.4122137, 4.654873e01, 91.51034, "byars"),
    (0.6097561, 6.100612e-04, 5.63013, "exact"),
    (32.8358209, 1.961417e01, 51.21896, "byars"),
    (11.9266055, 4.192660e00, 26.14598, "byars"),
    (63.3587786, 4.400613e01, 87.94878, "byars"),
    (5.0359712, 1.093767e00, 14.11955, "exact"),
    (31.3868613, 1.862510e01, 49.19876, "byars"),
    (3.0674847, 4.536023e-01, 10.09494, "exact"),
]
# phe_proportion(df, obs, pop)
PHE_PROP_95 = [
    (0.664122137, 0.579592491, 0.73930053),
    (0.006097561, 0.001077181, 0.03372625),
    (0.328358209, 0.254598570, 0.41168471),
    (0.119266055, 0.071039739, 0.19341500),
    (0.633587786, 0.548367919, 0.71119617),
    (0.050359712, 0.024605552, 0.10029837),
    (0.313868613, 0.242136529, 0.39575419),
    (0.030674847, 0.013172190, 0.06978956),
]
# phe_proportion(df, obs, pop, confidence=99.8)
PHE_PROP_998 = [
    (0.664122137, 0.5293576135, 0.77658434),
    (0.006097561, 0.0005322047, 0.06601672),
    (0.328358209, 0.2181147658, 0.46143836),
    (0.119266055, 0.0529712429, 0.24689949),
    (0.633587786, 0.4985908973, 0.75043163),
    (0.050359712, 0.0167360401, 0.14179381),
    (0.313868613, 0.2069168113, 0.44507799),
    (0.030674847, 0.0084801369, 0.10481797),
]


def test_rate_ci_matches_phe_rate_95():
    out = rate_ci(PHE_OBS, PHE_POP, per=100_000)
    expected = np.array(PHE_RATE_95)
    assert list(out.columns) == [
        "count",
        "population",
        "rate",
        "rate_lower",
        "rate_upper",
        "method",
    ]
    # printed to 7-10 significant figures
    assert_allclose(out[["rate", "rate_lower", "rate_upper"]].to_numpy(), expected, rtol=2e-7)
    assert out["method"].tolist() == ["byars" if x >= 10 else "exact" for x in PHE_OBS]


def test_rate_ci_matches_phe_rate_998_per_100():
    out = rate_ci(PHE_OBS, PHE_POP, per=100, level=0.998)
    expected = np.array([row[:3] for row in PHE_RATE_998])
    assert_allclose(out[["rate", "rate_lower", "rate_upper"]].to_numpy(), expected, rtol=1e-6)
    assert out["method"].tolist() == [row[3] for row in PHE_RATE_998]


def test_proportion_ci_matches_phe_proportion():
    out95 = proportion_ci(PHE_OBS, PHE_POP)
    assert list(out95.columns) == ["x", "n", "proportion", "lower", "upper"]
    assert_allclose(out95[["proportion", "lower", "upper"]].to_numpy(), PHE_PROP_95, rtol=1e-6)
    out998 = proportion_ci(PHE_OBS, PHE_POP, level=0.998)
    assert_allclose(out998[["proportion", "lower", "upper"]].to_numpy(), PHE_PROP_998, rtol=1e-6)


@pytest.mark.parametrize(
    ("x", "n", "level", "bound", "expected"),
    [
        # Source: DataS-DHSC/PHStatsMethods (Python port of PHEindicatormethods),
        # ph_statistical_methods/unit_tests/test.wilsons.py
        (20, 360, 0.95, "lower", 0.036248204600072345),
        (550, 2400, 0.998, "lower", 0.20375892211705743),
        (30, 400, 0.95, "upper", 0.10504770626130437),
        (76, 238, 0.998, "upper", 0.418131030603369),
    ],
)
def test_proportion_ci_matches_phstatsmethods_wilson(x, n, level, bound, expected):
    out = proportion_ci(x, n, level=level)
    assert out[bound].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_rate_ci_edge_cases():
    out = rate_ci([0, 5, 5, 5, np.nan], [1000, 0, -10, np.nan, 1000])
    # count 0: exact method, lower limit 0, upper = chi2(0.975, 2)/2 = -ln(0.025)
    assert out["method"].iloc[0] == "exact"
    assert out["rate_lower"].iloc[0] == 0
    assert out["rate_upper"].iloc[0] == pytest.approx(-math.log(0.025), rel=1e-12)
    # non-positive or missing populations and missing counts give NaN
    assert out.loc[1:, ["rate", "rate_lower", "rate_upper"]].isna().all().all()
    assert pd.isna(out["method"].iloc[4])


def test_rate_ci_broadcasts_and_validates():
    out = rate_ci(12, [1000, 2000], per=100)
    assert out["count"].tolist() == [12, 12]
    assert_allclose(out["rate"], [1.2, 0.6])
    with pytest.raises(ValueError):
        rate_ci(-1, 100)
    with pytest.raises(ValueError):
        rate_ci(1, 100, level=95)


def test_proportion_ci_edge_cases():
    out = proportion_ci([0, 10, 0], [10, 10, 0])
    # x = 0 and x = n: the Wilson limits reach 0 and 1 (up to rounding)
    assert out["lower"].iloc[0] == pytest.approx(0, abs=1e-15)
    assert out["upper"].iloc[1] == pytest.approx(1, abs=1e-15)
    assert out.loc[2, ["proportion", "lower", "upper"]].isna().all()
    with pytest.raises(ValueError):
        proportion_ci(11, 10)


# --------------------------------------------------------------------------------------
# poisson_change_test: R poisson.test
# --------------------------------------------------------------------------------------


def test_poisson_change_test_matches_r_documentation_example():
    # Source: R's saved example output for ?poisson.test (wch/r-source,
    # tests/Examples/stats-Ex.Rout.save):
    # poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) ->
    # p-value = 0.07967, 95% CI 0.8584264 4.2772659, rate ratio 1.971488
    res = poisson_change_test(
        11, 6 + 8 + 7, current_exposure=800, previous_exposure=1083 + 1050 + 878
    )
    assert isinstance(res, ChangeTest)
    assert res.p_value == pytest.approx(0.07967, abs=5e-6)
    assert res.ratio_lower == pytest.approx(0.8584264, rel=1e-6)
    assert res.ratio_upper == pytest.approx(4.2772659, rel=1e-6)
    assert res.rate_ratio == pytest.approx(1.971488, rel=1e-6)
    assert res.significant is False


def test_poisson_change_test_matches_r_exactci():
    # Source: statsmodels/statsmodels, statsmodels/stats/tests/results/results_rates.py
    # (R exactci: poisson.exact(c(60, 30), c(51477.5, 54308.7), tsmethod="minlike"),
    # whose p-value is binom.test's, i.e. poisson.test's) and
    # statsmodels/stats/tests/test_rates.py::test_tost_poisson ("central conf_int from
    # R exactci", the Clopper-Pearson interval that poisson.test reports).
    res = poisson_change_test(60, 30, current_exposure=51477.5, previous_exposure=54308.7)
    assert res.p_value == pytest.approx(0.000675182658686321, rel=1e-9)
    assert res.rate_ratio == pytest.approx(2.10999757175465, rel=1e-12)
    assert res.ratio_lower == pytest.approx(1.339735721772650, rel=1e-9)
    assert res.ratio_upper == pytest.approx(3.388365573616252, rel=1e-9)
    assert res.significant is True
    assert (
        poisson_change_test(
            60, 30, current_exposure=51477.5, previous_exposure=54308.7, level=0.9999
        ).significant
        is False
    )  # p = 0.00068 is not below 0.0001


def test_poisson_change_test_zero_counts():
    # Both zero: what R's poisson.test(c(0, 0)) returns (binom.test with n = 0:
    # p-value 1, interval (0, 1) on the proportion scale -> (0, Inf); estimate 0/0).
    both = poisson_change_test(0, 0)
    assert both.p_value == 1.0
    assert math.isnan(both.rate_ratio)
    assert (both.ratio_lower, both.ratio_upper) == (0.0, math.inf)
    assert both.significant is False
    # previous 0: ratio and upper limit infinite. Hand check: 5 of 5 with p0 = 1/2
    # has two-sided p = 2 x 0.5**5 and lower proportion limit 0.025**(1/5).
    up = poisson_change_test(5, 0)
    assert up.rate_ratio == math.inf and up.ratio_upper == math.inf
    assert up.p_value == pytest.approx(2 * 0.5**5)
    p_low = 0.025 ** (1 / 5)
    assert up.ratio_lower == pytest.approx(p_low / (1 - p_low))
    down = poisson_change_test(0, 5)
    assert down.rate_ratio == 0 and down.ratio_lower == 0


def test_poisson_change_test_validates():
    for bad in [(-1, 3), (1.5, 3)]:
        with pytest.raises(ValueError):
            poisson_change_test(*bad)
    with pytest.raises(ValueError):
        poisson_change_test(1, 2, current_exposure=0)


# --------------------------------------------------------------------------------------
# mann_kendall: pymannkendall
# --------------------------------------------------------------------------------------

# Source: mmhs013/pyMannKendall, tests/data/Monthly Rainfall.csv, column "Bogra"
# (monthly 1981-2010, one row per year here; blanks are missing values).
BOGRA = """
32,20,25,189,240,193,379,278,301,0,0,82
0,4,,,121,234,360,262,120,30,11,1
7,3,31,31,355,102,248,274,308,,5,26
11,16,6,48,388,539,431,272,404,186,0,2
0,4,1,54,272,459,235,164,365,135,2,
,4,0,128,210,163,446,225,462,467,19,13
0,3,17,132,178,338,525,623,145,31,19,3
0,29,25,87,259,756,486,180,292,43,92,1
0,16,2,0,130,253,594,111,273,30,0,4
0,27,24,41,292,378,499,265,320,227,4,0
4,14,8,48,416,240,404,207,733,105,0,112
0,14,0,30,140,202,289,159,424,106,3,0
65,3,14,58,268,466,432,266,240,95,1,0
10,26,4,114,94,289,173,208,263,156,5,0
16,16,14,0,111,475,534,432,471,117,70,1
3,28,7,401,184,283,338,171,335,176,0,0
10,11,9,140,102,208,298,245,220,29,2,27
10,13,26,84,143,367,749,563,283,353,10,0
0,0,0,9,246,265,343,429,168,133,17,0
18,35,76,158,272,250,190,289,466,84,0,0
0,0,0,22,217,299,185,115,344,203,8,
,0,5,284,123,254,476,496,326,27,20,0
4,53,72,113,214,364,219,220,156,264,0,13
0,0,45,90,137,638,529,261,206,251,0,0
5,9,58,72,138,130,471,328,356,523,0,1
0,0,12,143,193,184,192,138,174,69,1,0
0,18,25,28,92,732,320,256,302,131,15,0
27,0,22,20,213,393,474,374,109,159,0,0
0,3,3,49,205,128,194,570,169,89,0,0
0,0,0,26,185,286,92,225,244,190,3,20
"""
BOGRA_VALUES = [float(v) if v else math.nan for v in BOGRA.split() for v in v.split(",")]


def test_mann_kendall_matches_pymannkendall_tests():
    # Source: mmhs013/pyMannKendall, tests/test_pymannkendall.py::test_original_test
    # (original_test on the Bogra column, whose missing values pymannkendall skips).
    assert len(BOGRA_VALUES) == 360
    res = mann_kendall(BOGRA_VALUES)
    assert isinstance(res, TrendTest)
    assert res.n == 360 - 7
    assert res.trend == "no trend"
    assert res.p_value == pytest.approx(0.37591058740506833, rel=1e-12)
    assert res.z == pytest.approx(-0.8854562842589916, rel=1e-12)
    assert res.tau == pytest.approx(-0.03153167653875869, rel=1e-12)
    assert res.s == -1959.0
    assert res.var_s == pytest.approx(4889800.333333333, rel=1e-12)
    assert res.sen_slope == pytest.approx(-0.0064516129032258064, rel=1e-12)


def test_mann_kendall_hand_checks():
    # Strictly increasing series of 5: S = 10 (all 10 pairs concordant),
    # Var(S) = n(n-1)(2n+5)/18 = 50/3, z = (S - 1)/sqrt(Var S), slope 1, tau 1.
    res = mann_kendall([1, 2, np.nan, 3, 4, 5])
    assert res.n == 5
    assert res.s == 10 and res.var_s == pytest.approx(50 / 3)
    assert res.z == pytest.approx(9 / math.sqrt(50 / 3))
    assert res.tau == 1 and res.sen_slope == 1
    assert res.trend == "increasing"
    short = mann_kendall([1, np.nan, 2, 3])
    assert short.n == 3 and short.trend == "insufficient data"
    assert math.isnan(short.p_value) and math.isnan(short.sen_slope)


# --------------------------------------------------------------------------------------
# spc: NHSRplotthedots
# --------------------------------------------------------------------------------------

# Source: nhs-r-community/NHSRplotthedots, tests/testthat/test-ptd_spc_standard.R and its
# snapshot tests/testthat/_snaps/ptd_spc_standard.md (commit ea2177d4): the data are R's
# set.seed(123); rnorm(20), whose values the snapshots print (all 20 to three
# significant figures at commit 3aefce79, the first four to eight decimals here).
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774,
    1.71506499, 0.46091621, -1.26506123, -0.68685285, -0.44566197,
    1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113,
    1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip


def test_spc_limits_match_nhsrplotthedots():
    out = spc(RNORM_123)
    assert list(out.columns) == [
        "label",
        "value",
        "mean",
        "moving_range",
        "upper_limit",
        "lower_limit",
        "upper_two_sigma",
        "lower_two_sigma",
        "special_cause",
        "direction",
        "rule",
    ]
    # snapshot r1: mean_col 0.1416238, lpl -3.01138, upl 3.294627
    assert out["mean"].iloc[0] == pytest.approx(0.1416238, abs=5e-8)
    assert out["lower_limit"].iloc[0] == pytest.approx(-3.01138, abs=5e-6)
    assert out["upper_limit"].iloc[0] == pytest.approx(3.294627, abs=5e-7)
    # tests/testthat/_snaps/ptd_spc.md: these 20 points are all common cause
    assert not out["special_cause"].any()
    assert (out["rule"] == "").all() and (out["direction"] == "").all()
    assert out["label"].tolist() == list(range(20))


def test_spc_screens_moving_range_outliers_like_nhsrplotthedots():
    # Same source: data$y[15] <- 10. With screen_outliers = TRUE (the default) the
    # snapshot r2 has mean 0.6694159, lpl -2.383666, upl 3.722497; without screening
    # (r3) the limits would be -4.596625 and 5.935457.
    y = list(RNORM_123)
    y[14] = 10
    out = spc(y)
    assert out["mean"].iloc[0] == pytest.approx(0.6694159, abs=5e-8)
    assert out["lower_limit"].iloc[0] == pytest.approx(-2.383666, abs=5e-7)
    assert out["upper_limit"].iloc[0] == pytest.approx(3.722497, abs=5e-7)
    assert out["upper_limit"].iloc[0] != pytest.approx(5.935457, abs=1e-3)
    assert out["rule"].iloc[14] == "outside limits"
    assert out["direction"].iloc[14] == "high"


def test_spc_two_of_three_requires_same_side():
    # Source: NHSRplotthedots tests/testthat/test-ptd_spc_standard.R, "it only reports
    # special cause for 2of3 points close to limits when they are on the same side of
    # the mean": the last two points are common cause.
    d = [1.0, -1.0] * 8
    d[14], d[15] = 5.5, -5.5
    out = spc(d)
    assert out["special_cause"].tolist()[-2:] == [False, False]


def test_spc_trends_follow_nhsrplotthedots_unit_tests():
    # Source: NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R
    # (ptd_seven_point_trend): c(2, 1:7, 3) ends a rising trend at point 8, c(2, 7:1, 3)
    # a falling one, and equal values (c(1:3, 3:6)) break a trend.
    rising = spc([2, 1, 2, 3, 4, 5, 6, 7, 3])
    assert [("rising" in r) for r in rising["rule"]] == [False] + [True] * 7 + [False]
    assert (rising["direction"].iloc[1:8] == "high").all()
    falling = spc([2, 7, 6, 5, 4, 3, 2, 1, 3])
    assert [("falling" in r) for r in falling["rule"]] == [False] + [True] * 7 + [False]
    assert (falling["direction"].iloc[1:8] == "low").all()
    flat = spc([1, 2, 3, 3, 4, 5, 6])
    assert not flat["rule"].str.contains("trend").any()


def test_spc_hand_checked_shift_and_outside():
    # Ten points alternating 1, 2 then 20. Mean = 35/11; moving ranges are nine 1s
    # and one 18, mean 2.7; 18 >= 3.267 x 2.7 is screened out, so the mean moving
    # range is 1: limits mean +/- 2.66 (0.52, 5.84), two sigma mean +/- 1.7733 (1.41,
    # 4.95). All ten early points are below the mean (a shift); each 1 lies beyond the
    # lower two-sigma line but inside the limits, and any three consecutive early points
    # hold at least two 1s (two of three); 20 is above the upper limit.
    out = spc([1, 2] * 5 + [20], labels=[f"m{i}" for i in range(11)])
    mean = 35 / 11
    assert out["mean"].iloc[0] == pytest.approx(mean)
    assert out["upper_limit"].iloc[0] == pytest.approx(mean + 2.66)
    assert out["lower_limit"].iloc[0] == pytest.approx(mean - 2.66)
    assert out["upper_two_sigma"].iloc[0] == pytest.approx(mean + 2 / 3 * 2.66)
    assert out["lower_two_sigma"].iloc[0] == pytest.approx(mean - 2 / 3 * 2.66)
    assert out["moving_range"].iloc[10] == 18 and math.isnan(out["moving_range"].iloc[0])
    shift = "shift: 7 on one side of the mean"
    both = "two of three beyond two sigma; " + shift
    assert out["rule"].tolist() == [both, shift] * 5 + ["outside limits"]
    assert out["direction"].tolist() == ["low"] * 10 + ["high"]
    assert out["label"].tolist()[-1] == "m10"


def test_spc_point_on_mean_breaks_a_shift():
    # Twelve points around 1, then six above the mean, one exactly on it (2.0), six
    # above: the mean is 50 / 25 = 2, and NHSRplotthedots uses sign(y - mean), which is
    # 0 on the mean, so the 13 late points hold no run of 7 on one side.
    y = [0.5, 1.5] * 6 + [2.5, 3.5] * 3 + [2.0] + [3.5, 2.5] * 3
    out = spc(y)
    assert out["mean"].iloc[0] == 2.0
    assert out["rule"].iloc[:12].eq("shift: 7 on one side of the mean").all()
    assert out["rule"].iloc[12:].eq("").all()
    y[18] = 3.0  # now 13 in a row above the (new) mean
    assert spc(y)["rule"].iloc[12:].eq("shift: 7 on one side of the mean").all()


def test_spc_two_of_three_hand_check():
    # 26 points: mean 5/26; the 25 moving ranges sum to 31, so the mean moving range is
    # 1.24 (none reaches 3.267 x 1.24 = 4.05): upper limit 5/26 + 2.66 x 1.24 = 3.491,
    # upper two sigma 5/26 + 1.7733 x 1.24 = 2.391. Points 12 and 14 (2.5) are beyond
    # two sigma, and with point 13 (0.5) all three are above the mean.
    y = [0.5, -0.5] * 6 + [2.5, 0.5, 2.5, -0.5] + [0.5, -0.5] * 5
    out = spc(y)
    assert out["upper_two_sigma"].iloc[0] == pytest.approx(5 / 26 + 2 / 3 * 2.66 * 1.24)
    assert out["upper_limit"].iloc[0] == pytest.approx(5 / 26 + 2.66 * 1.24)
    assert out.index[out["special_cause"]].tolist() == [12, 14]
    assert (out["rule"].iloc[[12, 14]] == "two of three beyond two sigma").all()
    assert (out["direction"].iloc[[12, 14]] == "high").all()


def test_spc_short_and_missing():
    assert spc([]).empty
    one = spc([4.0])
    assert math.isnan(one["upper_limit"].iloc[0]) and not one["special_cause"].any()
    gap = spc([1, np.nan, 3, 4, 5, 6, 7, 8, 9])
    assert not gap["special_cause"].iloc[1]
    assert not gap["rule"].str.contains("trend").iloc[:2].any()
    flat = spc([0] * 12)  # every moving range 0: limits collapse onto the mean
    assert (flat["upper_limit"] == 0).all() and not flat["special_cause"].any()
    with pytest.raises(ValueError):
        spc([1, 2, 3], labels=["a"])


# --------------------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**6)
populations = st.floats(min_value=1, max_value=1e8, allow_nan=False)
levels = st.floats(min_value=0.5, max_value=0.999)


@given(counts, populations, levels)
def test_rate_limits_bracket_rate(x, pop, level):
    row = rate_ci(x, pop, level=level).iloc[0]
    assert 0 <= row["rate_lower"] <= row["rate"] <= row["rate_upper"]


@given(counts, populations, levels, levels)
def test_rate_limits_widen_with_level(x, pop, a, b):
    lo, hi = sorted([a, b])
    narrow, wide = rate_ci(x, pop, level=lo).iloc[0], rate_ci(x, pop, level=hi).iloc[0]
    assert wide["rate_lower"] <= narrow["rate_lower"] * (1 + 1e-12)
    assert wide["rate_upper"] >= narrow["rate_upper"] * (1 - 1e-12)


@st.composite
def fractions(draw):
    n = draw(st.integers(min_value=1, max_value=10**6))
    return draw(st.integers(min_value=0, max_value=n)), n


@given(fractions(), levels, levels)
def test_proportion_ci_within_unit_interval(xn, a, b):
    x, n = xn
    lo, hi = sorted([a, b])
    narrow = proportion_ci(x, n, level=lo).iloc[0]
    wide = proportion_ci(x, n, level=hi).iloc[0]
    for row in (narrow, wide):
        assert 0 <= row["lower"] <= row["proportion"] + 1e-15
        assert row["proportion"] <= row["upper"] + 1e-15 <= 1 + 1e-15
    assert wide["lower"] <= narrow["lower"] + 1e-15
    assert wide["upper"] >= narrow["upper"] - 1e-15


@given(
    st.integers(0, 500),
    st.integers(0, 500),
    st.floats(0.1, 10),
    st.floats(0.1, 10),
    levels,
)
def test_change_test_is_symmetric_and_consistent(c1, c2, t1, t2, level):
    res = poisson_change_test(c1, c2, current_exposure=t1, previous_exposure=t2, level=level)
    swapped = poisson_change_test(c2, c1, current_exposure=t2, previous_exposure=t1, level=level)
    assert 0 <= res.p_value <= 1
    assert res.significant == (res.p_value < 1 - level)
    assert res.p_value == pytest.approx(swapped.p_value, rel=1e-9, abs=1e-14)
    if c1 + c2 > 0:
        assert res.ratio_lower <= res.rate_ratio <= res.ratio_upper
        # swapping the periods inverts the ratio and its interval
        with np.errstate(divide="ignore"):
            assert np.float64(1) / res.ratio_upper == pytest.approx(swapped.ratio_lower)
            assert np.float64(1) / res.ratio_lower == pytest.approx(swapped.ratio_upper)


@given(st.lists(st.integers(-50, 50), min_size=4, max_size=40))
def test_mann_kendall_reversal_flips_sign(values):
    forward, backward = mann_kendall(values), mann_kendall(values[::-1])
    assert forward.s == -backward.s
    assert forward.sen_slope == pytest.approx(-backward.sen_slope)
    assert forward.p_value == pytest.approx(backward.p_value)


def _reference_rules(y, mean, upper, lower, upper2, lower2):
    """Brute-force re-statement of the NHSRplotthedots rules, window by window."""
    n = len(y)
    ok = [not math.isnan(v) for v in y]
    side = [int(v > mean) - int(v < mean) if k else 0 for v, k in zip(y, ok, strict=True)]
    outside = [k and (v > upper or v < lower) for v, k in zip(y, ok, strict=True)]
    close = [
        k and not o and (v > upper2 or v < lower2) for v, k, o in zip(y, ok, outside, strict=True)
    ]
    rising, falling, shift, two3 = set(), set(), set(), set()
    for s in range(n - 6):
        w = range(s, s + 7)
        if all(ok[i] for i in w) and all(y[i + 1] > y[i] for i in w[:-1]):
            rising |= set(w)
        if all(ok[i] for i in w) and all(y[i + 1] < y[i] for i in w[:-1]):
            falling |= set(w)
        if all(side[i] == 1 for i in w) or all(side[i] == -1 for i in w):
            shift |= set(w)
    for s in range(n - 2):
        w = range(s, s + 3)
        if abs(sum(side[i] for i in w)) == 3 and sum(close[i] for i in w) >= 2:
            two3 |= {i for i in w if close[i]}
    names = [
        ("outside limits", {i for i in range(n) if outside[i]}),
        ("trend: 7 rising", rising),
        ("trend: 7 falling", falling),
        ("two of three beyond two sigma", two3),
        ("shift: 7 on one side of the mean", shift),
    ]
    return ["; ".join(name for name, hits in names if i in hits) for i in range(n)]


series = st.lists(
    st.one_of(st.integers(0, 6).map(float), st.floats(-100, 100), st.just(math.nan)),
    max_size=60,
)


@settings(max_examples=300)
@given(series)
def test_spc_flags_exactly_where_rules_hold(values):
    out = spc(values)
    assert len(out) == len(values)
    finite = [v for v in values if not math.isnan(v)]
    if finite:
        scale = max(1.0, max(abs(v) for v in finite))
        mean = out["mean"].iloc[0]
        assert min(finite) - 1e-12 * scale <= mean <= max(finite) + 1e-12 * scale
    if len(values):
        first = out.iloc[0]
        assert out["rule"].tolist() == _reference_rules(
            values,
            first["mean"],
            first["upper_limit"],
            first["lower_limit"],
            first["upper_two_sigma"],
            first["lower_two_sigma"],
        )
    assert (out["special_cause"] == (out["rule"] != "")).all()
    assert ((out["direction"] != "") == out["special_cause"]).all()
    assert set(out["direction"]) <= {"high", "low", ""}
