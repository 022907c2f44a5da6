"""Concentration (Lorenz, Gini, top shares) and hot spots (Gi*, FDR, sfhotspot classes).

Reference values and where each comes from:

- lorenzgini (github.com/wsteenbeek/lorenzgini, v0.1.2): the examples in R/gini.R (also
  man/gini.Rd) and vignettes/lorenzgini.Rmd, with the outputs knitted in doc/lorenzgini.html.
- esda (github.com/pysal/esda): esda/tests/test_getisord.py ``test_star_binary`` and the
  ``G_Local`` docstring in esda/getisord.py (the six-point example, DistanceBand 15).
- Ord and Getis (1995), Geographical Analysis 27(4), eq. for Gi*: re-implemented below,
  independently of esda, as ``textbook_gi_star``.
- sfhotspot (github.com/mpjashby/sfhotspot, v1.0.0): the category definitions documented in
  R/hotspot_classify.R and R/hotspot_classify_params.R, and its code in the same file where
  the two differ. Its tests (tests/testthat/test-hotspot_classify.R) check only types and
  column names, not values, so the patterns below are worked by hand from the definitions.
"""

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from statsmodels.stats.multitest import multipletests

import csp_analysis
from csp_analysis.locate import to_british_national_grid
from csp_analysis.places import (
    _classify,
    classify_hotspots,
    default_distance,
    gi_star,
    gini,
    grid_counts,
    holm_rows,
    hotspot_classify,
    lorenz,
    top_share,
    ward_hotspots,
)

CATEGORIES = {
    f"{kind} {spot}"
    for kind in ("persistent", "emerging", "former", "intermittent")
    for spot in ("hotspot", "coldspot")
} | {"mixed hot/coldspot", "no pattern"}
HOTSPOT_LABELS = {"hot spot", "cold spot", "not significant", "not tested"}


def test_exported_at_the_top_level():
    for name in ("lorenz", "gini", "top_share", "gi_star", "hotspot_classify"):
        assert name in csp_analysis.__all__
        assert callable(getattr(csp_analysis, name))


# ---------------------------------------------------------------------- Lorenz


def test_lorenz_starts_at_origin_and_orders_from_the_busiest_place():
    # lorenzgini R/lorenz.R: sort(mydata, decreasing = TRUE), a (0, 0) row prepended.
    curve = lorenz(pd.Series([1, 5, 0, 2], index=["a", "b", "c", "d"]))
    assert curve["place"].tolist() == [None, "b", "d", "a", "c"]
    assert curve["share_of_places"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    # By hand: 5/8, 7/8, 8/8, 8/8.
    assert curve["share_of_events"].tolist() == [0, 0.625, 0.875, 1, 1]
    assert curve["events"].tolist() == [0, 5, 7, 8, 8]
    assert math.isnan(curve["count"].iloc[0])


def test_lorenz_ties_keep_input_order_and_zero_total_gives_nan():
    assert lorenz([3, 1, 3])["place"].tolist() == [None, 0, 2, 1]
    assert lorenz([0, 0, 0])["share_of_events"].isna().all()


def test_lorenz_area_gives_the_gini():
    # The Gini is (area under the descending Lorenz curve - 1/2) / (1/2), by trapezoids.
    counts = [22, 18, 17, 12, 11, 8, 6, 3, 2, 1]  # lorenzgini vignette, Figure 1
    curve = lorenz(counts)
    area = np.trapezoid(curve["share_of_events"], curve["share_of_places"])
    assert gini(counts) == pytest.approx(2 * area - 1, abs=1e-12)


@pytest.mark.parametrize("bad", [[], [1, -1], [1, float("nan")], [[1, 2], [3, 4]]])
def test_lorenz_refuses_bad_counts(bad):
    with pytest.raises(ValueError, match="counts"):
        lorenz(bad)


# ------------------------------------------------------------------- top share


def test_top_share_interpolates_along_the_lorenz_curve():
    counts = [50, 30, 10, 5, 5]  # total 100
    assert top_share(counts, fraction=0.2) == pytest.approx(0.5)  # exactly one place
    # 10% of 5 places = half a place: half of the busiest place's 50.
    assert top_share(counts, fraction=0.1) == pytest.approx(0.25)
    # 30% = 1.5 places: 50 + half of 30.
    assert top_share(counts, fraction=0.3) == pytest.approx(0.65)
    assert top_share(counts, fraction=1) == pytest.approx(1)


def test_top_share_whole_places_rounds_up():
    counts = [50, 30, 10, 5, 5]
    assert top_share(counts, fraction=0.1, whole_places=True) == pytest.approx(0.5)
    assert top_share(counts, fraction=0.3, whole_places=True) == pytest.approx(0.8)  # 2 places
    assert top_share(counts, fraction=0.41, whole_places=True) == pytest.approx(0.9)  # 3
    # 0.1 x 30 is 3.0000000000000004 in floating point: still 3 places, not 4.
    thirty = [10, 9, 8, 7] + [1] * 26
    assert top_share(thirty, fraction=0.1, whole_places=True) == pytest.approx(27 / 60)


def test_top_share_edges():
    assert math.isnan(top_share([0, 0], fraction=0.5))
    for fraction in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match="fraction"):
            top_share([1, 2], fraction=fraction)


# ------------------------------------------------------------------------ Gini

# lorenzgini R/gini.R examples (= man/gini.Rd; knitted outputs in doc/lorenzgini.html):
LORENZGINI_EXAMPLES = [
    # counts, generalized, unbiased, documented value
    ([10, 8, 2] + [0] * 7, False, False, 0.78),
    ([10, 8, 2] + [0] * 7, True, False, 0.78),  # "the same ... as Ncrimes >= Nunits"
    ([5, 2, 1] + [0] * 7, False, False, 0.80),  # the reference values
    ([5, 2, 1] + [0] * 7, True, False, 0.75),
    ([10] + [0] * 9, False, False, 0.90),
    ([10] + [0] * 99, False, False, 0.99),
    ([10] + [0] * 9, False, True, 1.0),  # "adjusted in the 'unbiased' Gini"
    ([10] + [0] * 99, False, True, 1.0),
]


@pytest.mark.parametrize(("counts", "generalised", "unbiased", "expected"), LORENZGINI_EXAMPLES)
def test_gini_matches_lorenzgini_examples(counts, generalised, unbiased, expected):
    value = gini(counts, generalised=generalised, unbiased=unbiased)
    assert value == pytest.approx(expected, abs=1e-12)


def test_gini_defaults_are_plain_not_generalised_nor_unbiased():
    # The issue: plain by default (lorenzgini's defaults are generalized = unbiased = TRUE).
    assert gini([5, 2, 1] + [0] * 7) == pytest.approx(0.80)


def test_generalised_gini_is_the_area_ratio_of_bernasco_and_steenbeek():
    # Their definition: area between the Lorenz curve and the line of maximal equality
    # from (0, 0) to (C/n, 1), over the area above that line. Vignette Figure 2:
    # 10 places, 3 + 1 + 1 crimes, "G = .78". Its caption says G' = .58, but the package's
    # own formula (and this area ratio) give 0.56: the caption is not used as a reference.
    counts = [3, 1, 1] + [0] * 7
    curve = lorenz(counts)
    under_curve = np.trapezoid(curve["share_of_events"], curve["share_of_places"])
    c_over_n = sum(counts) / len(counts)
    under_equality = c_over_n / 2 + (1 - c_over_n)
    expected = (under_curve - under_equality) / (1 - under_equality)
    assert gini(counts) == pytest.approx(0.78, abs=1e-12)
    assert gini(counts, generalised=True) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.56, abs=1e-12)


def test_generalised_unbiased_uses_min_of_places_and_events():
    # lorenzgini R/gini.R: Gini.gen.biased * min(Nunits, Ncrimes) / (min(...) - 1).
    assert gini([5, 2, 1] + [0] * 7, generalised=True, unbiased=True) == pytest.approx(0.75 * 8 / 7)
    # With more events than places the generalised unbiased is the plain unbiased.
    counts = [10, 8, 2] + [0] * 7
    assert gini(counts, generalised=True, unbiased=True) == pytest.approx(
        gini(counts, unbiased=True)
    )


def test_gini_invariances_and_edges():
    rng = np.random.default_rng(3)
    counts = rng.poisson(2, 40)
    assert gini(counts) == pytest.approx(gini(rng.permutation(counts)))
    assert gini(counts) == pytest.approx(gini(counts * 7.5))  # harm: any scale
    assert gini([4, 4, 4]) == pytest.approx(0, abs=1e-12)
    assert math.isnan(gini([0, 0, 0]))
    assert math.isnan(gini([5], unbiased=True))
    with pytest.raises(ValueError, match="whole-number"):
        gini([1.5, 0, 2], generalised=True)
    with pytest.raises(ValueError, match="non-negative"):
        gini([1, -2])


# ------------------------------------------------------------------------- Gi*

ESDA_POINTS = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)], float)
ESDA_Y = np.array([2, 3, 3.2, 5, 8, 7])
# esda/getisord.py G_Local docstring: lg_star.Zs (transform='B', star=True, DistanceBand 15).
ESDA_STAR_ZS = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]


def textbook_gi_star(x, xy, distance):
    """Ord and Getis (1995) Gi* with binary weights w_ij = 1 for d_ij <= distance (i too)."""
    x = np.asarray(x, float)
    n = len(x)
    mean = x.mean()
    s = np.sqrt((x**2).mean() - mean**2)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    w = (d <= distance).astype(float)
    weight, square = w.sum(axis=1), (w**2).sum(axis=1)
    return (w @ x - mean * weight) / (s * np.sqrt((n * square - weight**2) / (n - 1)))


def test_gi_star_matches_esda_reference_values():
    out = gi_star(ESDA_Y, ESDA_POINTS, distance=15)
    # esda/tests/test_getisord.py test_star_binary: Zs[0] == -1.39727626.
    assert out["z"].iloc[0] == pytest.approx(-1.39727626, abs=1e-7)
    np.testing.assert_allclose(out["z"], ESDA_STAR_ZS, atol=1e-7)
    assert out["neighbours"].tolist() == [2, 3, 1, 3, 4, 1]  # d(4, 5) = 15 counts


def test_gi_star_matches_the_textbook_formula():
    np.testing.assert_allclose(
        gi_star(ESDA_Y, ESDA_POINTS, distance=15)["z"],
        textbook_gi_star(ESDA_Y, ESDA_POINTS, 15),
        atol=1e-10,
    )
    rng = np.random.default_rng(11)
    xy = rng.uniform(0, 5000, size=(60, 2))
    y = rng.poisson(4, 60).astype(float)
    out = gi_star(y, xy, distance=1500)
    expected = textbook_gi_star(y, xy, 1500)
    defined = out["neighbours"] > 0
    np.testing.assert_allclose(out.loc[defined, "z"], expected[defined], atol=1e-10)


def test_gi_star_honours_the_distance():
    # sfhotspot once ignored its weights; here the band must change the answer, as the
    # textbook formula says it should.
    wide = gi_star(ESDA_Y, ESDA_POINTS, distance=15)
    narrow = gi_star(ESDA_Y, ESDA_POINTS, distance=10.5)
    # At 10.5 only the pairs (0, 1) and (4, 5), 10 apart, are neighbours.
    assert narrow["neighbours"].tolist() == [1, 1, 0, 0, 1, 1]
    expected = textbook_gi_star(ESDA_Y, ESDA_POINTS, 10.5)
    for i in (0, 1, 4, 5):
        assert narrow["z"].iloc[i] == pytest.approx(expected[i], abs=1e-10)
    for i in (0, 1, 4):  # their neighbourhoods changed
        assert narrow["z"].iloc[i] != pytest.approx(wide["z"].iloc[i], abs=1e-3)
    # Point 5's neighbourhood is {4, 5} at both distances: the same z. Point 4's shrinks
    # from {1, 2, 3, 4, 5} to {4, 5}, the two highest values: hotter.
    assert narrow["z"].iloc[5] == pytest.approx(wide["z"].iloc[5], abs=0)
    assert narrow["z"].iloc[4] > wide["z"].iloc[4]


def test_gi_star_islands_and_undefined_values_are_nan():
    out = gi_star(ESDA_Y, ESDA_POINTS, distance=10.5)
    assert out.loc[out["neighbours"] == 0, ["z", "p"]].isna().all().all()
    flat = gi_star([3, 3, 3, 3, 3, 3], ESDA_POINTS, distance=15)  # zero variance
    assert flat[["z", "p"]].isna().all().all()
    everyone = gi_star(ESDA_Y, ESDA_POINTS, distance=1000)  # a neighbourhood of all
    assert everyone["z"].isna().all()


def test_gi_star_p_is_two_sided_normal_and_keeps_the_index():
    out = gi_star(pd.Series(ESDA_Y, index=list("abcdef")), ESDA_POINTS, distance=15)
    assert list(out.index) == list("abcdef")
    z = out["z"].to_numpy()
    np.testing.assert_allclose(out["p"], [math.erfc(abs(v) / math.sqrt(2)) for v in z])


def test_gi_star_refuses_bad_input():
    with pytest.raises(ValueError, match="same point"):
        gi_star([1, 2, 3], [(0, 0), (0, 0), (5, 5)], distance=10)
    with pytest.raises(ValueError, match="at least 3"):
        gi_star([1, 2], [(0, 0), (1, 1)], distance=10)
    with pytest.raises(ValueError, match="shape"):
        gi_star([1, 2, 3], [(0, 0), (1, 1)], distance=10)
    with pytest.raises(ValueError, match="distance"):
        gi_star([1, 2, 3], [(0, 0), (1, 1), (2, 2)], distance=0)


def test_default_distance_gives_every_point_a_neighbour():
    xy = np.array([(0, 0), (1, 0), (10, 0), (13, 4)], float)  # farthest pair: 5 apart
    assert default_distance(xy) == pytest.approx(5)
    assert (gi_star([1, 2, 3, 4], xy, distance=default_distance(xy))["neighbours"] > 0).all()


# ------------------------------------------------------------------------- FDR


def test_classify_hotspots_uses_benjamini_hochberg():
    # By hand, m = 4: sorted p 0.01, 0.02, 0.03 are below 0.05 x 1/4, 2/4, 3/4
    # (0.0125, 0.025, 0.0375), so all three are discoveries, with q = 0.04 each.
    # (Bonferroni would keep only the first: 0.02 x 4 = 0.08.)
    gi = pd.DataFrame({"z": [3.0, -2.5, 2.2, 0.5], "p": [0.01, 0.02, 0.03, 0.5]})
    out = classify_hotspots(gi)
    np.testing.assert_allclose(out["q_value"], [0.04, 0.04, 0.04, 0.5])
    assert out["hotspot"].tolist() == ["hot spot", "cold spot", "hot spot", "not significant"]


def test_classify_hotspots_leaves_untested_places_out_of_the_family():
    gi = pd.DataFrame({"z": [3.0, -2.5, 2.2, 0.5, np.nan], "p": [0.01, 0.02, 0.03, 0.5, np.nan]})
    out = classify_hotspots(gi, q=0.05)
    np.testing.assert_allclose(out["q_value"].iloc[:4], [0.04, 0.04, 0.04, 0.5])
    assert out["hotspot"].iloc[4] == "not tested"
    assert classify_hotspots(gi, q=0.035)["hotspot"].tolist()[:3] == ["not significant"] * 3


def test_fdr_across_areas_together_differs_from_each_area_alone():
    # One area's p = 0.04 is a discovery on its own (m = 1); pooled with another area's
    # four null places (m = 5) it is not: q = 0.04 x 5 = 0.2.
    alone = classify_hotspots(pd.DataFrame({"z": [2.05], "p": [0.04]}))
    pooled = classify_hotspots(pd.DataFrame({"z": [2.05, 0, 0, 0, 0], "p": [0.04, 1, 1, 1, 1]}))
    assert alone["hotspot"].iloc[0] == "hot spot"
    assert pooled["hotspot"].iloc[0] == "not significant"


# ----------------------------------------------------------------------- wards


def square_wards(side=5, size=1000.0, crs=27700):
    boxes = [
        shapely.box(i * size, j * size, (i + 1) * size, (j + 1) * size)
        for j in range(side)
        for i in range(side)
    ]
    codes = [f"W{k:02d}" for k in range(side * side)]
    area = ["A" if k % side < 3 else "B" for k in range(side * side)]
    return gpd.GeoDataFrame(
        {"ward_code": codes, "ward_name": codes, "area_code": area}, geometry=boxes, crs=crs
    )


def test_ward_hotspots_together_equals_gi_star_on_ward_points():
    wards = square_wards()
    rng = np.random.default_rng(5)
    values = pd.Series(rng.poisson(5, 25), index=wards["ward_code"]).drop("W03")
    out = ward_hotspots(wards, values, by_area=False)
    assert out["ward_code"].tolist() == wards["ward_code"].tolist()
    assert out.loc[3, "value"] == 0  # a ward with no crime counts 0
    # Points inside squares of 1 km: nearest neighbours 1 km apart (the rook's four).
    assert out["distance"].iloc[0] == pytest.approx(1000)
    xy = np.column_stack([wards.centroid.x, wards.centroid.y])
    y = values.reindex(wards["ward_code"], fill_value=0).to_numpy(float)
    np.testing.assert_allclose(out["z"], textbook_gi_star(y, xy, 1000 * (1 + 1e-9)), atol=1e-9)
    assert set(out["hotspot"]) <= HOTSPOT_LABELS


def test_ward_hotspots_by_area_keeps_neighbourhoods_inside_each_area():
    wards = square_wards()
    values = pd.Series(np.arange(25, dtype=float), index=wards["ward_code"])
    out = ward_hotspots(wards, values)
    a = (wards["area_code"] == "A").to_numpy()
    xy = np.column_stack([wards.centroid.x, wards.centroid.y])
    expected = textbook_gi_star(values.to_numpy()[a], xy[a], 1000 * (1 + 1e-9))
    np.testing.assert_allclose(out.loc[a, "z"], expected, atol=1e-9)
    # Area B's wards (2 columns of 5) have at most 3 neighbours in B.
    assert out.loc[~a, "neighbours"].max() == 3


def test_ward_hotspots_reprojects_and_refuses_unknown_codes():
    wards = square_wards()
    values = pd.Series(np.arange(25, dtype=float), index=wards["ward_code"])
    in_lonlat = wards.copy()
    in_lonlat.geometry = wards.geometry.translate(400_000, 300_000)
    lonlat = in_lonlat.to_crs(4326)
    assert ward_hotspots(lonlat, values)["neighbours"].tolist() == (
        ward_hotspots(in_lonlat, values)["neighbours"].tolist()
    )
    with pytest.raises(ValueError, match="not in wards"):
        ward_hotspots(wards, pd.Series([1.0], index=["E05999999"]))


# ------------------------------------------------------------------------ grid


def test_grid_counts_is_complete_and_anchored():
    easting = [1050, 1150, 1199, 1200, 1420, np.nan]
    northing = [2010, 2090, 2050, 2000, 2350, np.nan]
    grid = grid_counts(easting, northing, cell_size=100)
    # Extent 1000-1500 x 2000-2400 (anchored at multiples of 100): 5 x 4 cells.
    assert len(grid) == 20
    counts = grid.set_index("cell_id")["count"]
    assert counts["E1000N2000"] == 1
    assert counts["E1100N2000"] == 2  # 1150 and 1199
    assert counts["E1200N2000"] == 1  # 1200 is on the edge: the cell to its east
    assert counts["E1400N2300"] == 1
    assert counts.sum() == 5 and (counts == 0).sum() == 16
    row = grid.set_index("cell_id").loc["E1100N2000"]
    assert (row["easting"], row["northing"]) == (1150, 2050)
    assert grid.crs.to_epsg() == 27700
    assert grid.attrs == {
        "points_counted": 5,
        "points_outside": 0,
        "points_without_coordinates": 1,
    }


def test_grid_counts_with_boundary_and_periods():
    triangle = shapely.Polygon([(0, 0), (300, 0), (0, 300)])
    grid = grid_counts(
        [50, 50, 250, 280],
        [50, 150, 50, 280],
        cell_size=100,
        boundary=triangle,
        period=["q1", "q2", "q2", "q1"],
    )
    cells = set(grid["cell_id"])
    # Cells overlapping the triangle: 3 + 2 + 1 (the diagonal only touches the others).
    assert cells == {
        "E0N0",
        "E100N0",
        "E200N0",
        "E0N100",
        "E100N100",
        "E0N200",
    }
    assert len(grid) == 12  # 6 cells x 2 periods, zeros included
    counts = grid.set_index(["cell_id", "period"])["count"]
    assert counts[("E0N0", "q1")] == 1 and counts[("E0N100", "q2")] == 1
    assert counts[("E200N0", "q2")] == 1 and counts.sum() == 3
    assert grid.attrs["points_outside"] == 1  # (280, 280) is outside the triangle


def test_grid_counts_refuses_a_huge_grid():
    with pytest.raises(ValueError, match="larger cell_size"):
        grid_counts([0, 500_000], [0, 500_000], cell_size=100)


# ------------------------------------------------------------ classification


def pattern(text):
    """'..H.' -> boolean row; one string per place."""
    return np.array([[c == "H" for c in row] for row in text])


def classify_hot(rows, **options):
    hot = pattern(rows)
    return _classify(hot, np.zeros_like(hot), **options).tolist()


def test_classify_rules_agree_with_sfhotspot_documentation():
    # 10 periods, recent_prop 0.2: the last 2 are recent. hotspot_prop 0.1, persistent 0.8.
    rows = [
        "HHHHHHHH..",  # 8/10 >= 0.8: persistent
        "HHHHHHH...",  # 7/10: not persistent; older 7/8, recent 0: former
        ".........H",  # never before, now: emerging
        "HH........",  # before, not now: former
        "..H......H",  # before and now, not persistently: intermittent
        "..........",
    ]
    expected = [
        "persistent hotspot",
        "former hotspot",
        "emerging hotspot",
        "former hotspot",
        "intermittent hotspot",
        "no pattern",
    ]
    for rules in ("sfhotspot", "documented"):
        assert classify_hot(rows, rules=rules) == expected


def test_cold_and_mixed_categories():
    hot = pattern(["HHHHHHHHHH", ".........."])
    cold = pattern(["H.........", "HHHHHHHHHH"])
    assert _classify(hot, cold).tolist() == ["mixed hot/coldspot", "persistent coldspot"]


def test_sfhotspot_code_counts_the_period_before_the_recent_ones_twice():
    # sfhotspot 1.0.0 R/hotspot_classify.R: recent = ch[, (ncol - r):ncol] (r + 1 columns,
    # divided by r), older = ch[, 1:(ncol - r)]. Hot only in period 8 of 10 (r = 2):
    # code: older 1/8 >= 0.1 and recent 1/2 >= 0.1 -> not former -> intermittent;
    # documentation: recent periods are 9 and 10 only -> former.
    assert classify_hot([".......H.."], rules="sfhotspot") == ["intermittent hotspot"]
    assert classify_hot([".......H.."], rules="documented") == ["former hotspot"]


def test_sfhotspot_code_uses_recent_prop_for_emerging():
    # The code tests recent_h >= recent_prop, the documentation hotspot_prop. 50 periods,
    # r = 10: hot once, in period 50. Code: 1/10 < 0.2, and 1/50 < 0.1 -> no pattern;
    # documentation: 1/10 >= 0.1 and never before -> emerging.
    row = ["." * 49 + "H"]
    assert classify_hot(row, rules="sfhotspot") == ["no pattern"]
    assert classify_hot(row, rules="documented") == ["emerging hotspot"]


def test_too_few_periods():
    with pytest.warns(UserWarning, match="final period is treated as recent"):
        # 4 periods x 0.2 < 1: recent = 1 (sfhotspot warns too).
        assert classify_hot(["...H"], rules="documented") == ["emerging hotspot"]
    with pytest.raises(ValueError, match="at least 2 periods"):
        classify_hot(["H"])


def test_holm_rows_matches_statsmodels():
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 0.2, size=(8, 8))  # statsmodels takes 0.2 s a call
    p[rng.uniform(size=p.shape) < 0.2] = np.nan
    adjusted = holm_rows(p)
    for row, out in zip(p, adjusted, strict=True):
        tested = ~np.isnan(row)
        if tested.any():
            expected = multipletests(row[tested], method="holm")[1]
            np.testing.assert_allclose(out[tested], expected)
        assert np.isnan(out[~tested]).all()


def planted_grid(side=10, periods=10, cell=100.0):
    """Background 1 a cell; block A (3 x 3, 20 a cell) always; block B only at the end."""
    rows = []
    for i in range(side):
        for j in range(side):
            for t in range(1, periods + 1):
                count = 1
                if i < 3 and j < 3:
                    count = 20
                if i >= side - 3 and j >= side - 3 and t > periods - 2:
                    count = 20
                rows.append((f"{i}-{j}", t, count, i * cell + cell / 2, j * cell + cell / 2))
    return pd.DataFrame(rows, columns=["place", "period", "count", "easting", "northing"])


def test_hotspot_classify_finds_planted_persistent_and_emerging_hotspots():
    out = hotspot_classify(planted_grid(), cell_size=100).set_index("place")
    assert out.loc["1-1", "hotspot_category"] == "persistent hotspot"
    assert out.loc["8-8", "hotspot_category"] == "emerging hotspot"
    assert out.loc["5-5", "hotspot_category"] == "no pattern"
    assert out.loc["1-1", "hot_periods"] == 10 and out.loc["8-8", "hot_periods"] == 2
    assert (out["periods"] == 10).all()
    assert set(out["hotspot_category"]) <= CATEGORIES


def test_hotspot_classify_honours_the_distance():
    # A band shorter than the cell size leaves every cell an island: nothing to find.
    out = hotspot_classify(planted_grid(), distance=50)
    assert (out["hotspot_category"] == "no pattern").all()
    assert (out["hot_periods"] == 0).all()


def test_hotspot_classify_refuses_bad_input():
    frame = planted_grid(side=4, periods=3)
    with pytest.raises(ValueError, match="no column"):
        hotspot_classify(frame.drop(columns="easting"))
    moved = frame.copy()
    moved.loc[0, "easting"] += 1
    with pytest.raises(ValueError, match="more than one point"):
        hotspot_classify(moved)
    with pytest.raises(ValueError, match="recent_prop"):
        hotspot_classify(frame, recent_prop=1.0)


# ------------------------------------------------------------------- demo data


def test_ward_pipeline_on_demo_data(demo_dataset):
    wards, crimes = demo_dataset.wards, demo_dataset.crimes
    located = crimes.dropna(subset=["ward_code"])
    counts = located.groupby("ward_code").size()
    complete = counts.reindex(wards["ward_code"], fill_value=0)

    assert 0 < gini(complete) < 1
    assert lorenz(complete)["share_of_events"].iloc[-1] == pytest.approx(1)
    assert top_share(complete, fraction=0.05) < top_share(complete, fraction=0.1) < 1

    result = ward_hotspots(wards, counts)
    assert result["ward_code"].tolist() == wards["ward_code"].tolist()
    assert result["value"].sum() == len(located)
    assert set(result["hotspot"]) <= HOTSPOT_LABELS
    assert (result["neighbours"] > 0).all()  # the default distance leaves no island
    demoshire = result.loc[result["area_code"] == "X06000001"]  # the demo force's first area
    busiest = demoshire.loc[demoshire["value"].idxmax()]
    assert busiest["ward_name"] == "Castle and Riverside" and busiest["z"] > 0

    quarters = located.assign(period=located["month"].dt.asfreq("Q-MAR").astype(str))
    points = wards.geometry.representative_point()
    frame = (
        quarters.groupby(["ward_code", "period"])
        .size()
        .rename("count")
        .reset_index()
        .rename(columns={"ward_code": "place"})
        .merge(
            pd.DataFrame({"place": wards["ward_code"], "easting": points.x, "northing": points.y})
        )
    )
    classes = hotspot_classify(frame)
    assert len(classes) == len(wards) and (classes["periods"] == 12).all()
    assert set(classes["hotspot_category"]) <= CATEGORIES


def test_grid_on_demo_data(demo_dataset):
    crimes = demo_dataset.crimes
    easting, northing = to_british_national_grid(crimes)
    grid = grid_counts(easting, northing, cell_size=2000, boundary=demo_dataset.wards)
    with_xy = int((~np.isnan(easting)).sum())
    assert grid["count"].sum() == grid.attrs["points_counted"]
    assert grid.attrs["points_counted"] + grid.attrs["points_outside"] == with_xy
    assert grid.attrs["points_without_coordinates"] == len(crimes) - with_xy
    assert (grid["count"] == 0).any()  # empty cells inside the boundary are kept
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray PySAL warnings reach the analyst
        gi = gi_star(grid["count"], grid[["easting", "northing"]], distance=2000 * 1.5)
    assert len(gi) == len(grid) and gi["z"].notna().any()


# ----------------------------------------------------------------- public data


@pytest.mark.public_data
def test_concentration_and_hotspots_on_public_data(public_dataset):
    wards, crimes = public_dataset.wards, public_dataset.crimes
    in_2025 = crimes[(crimes["month"].dt.year == 2025) & crimes["ward_code"].notna()]
    counts = in_2025.groupby("ward_code").size()
    for code in ("E06000051", "E06000020"):  # Shropshire, Telford and Wrekin
        area_wards = wards.loc[wards["area_code"] == code, "ward_code"]
        complete = counts.reindex(area_wards, fill_value=0)
        assert complete.sum() == (in_2025["area_code"] == code).sum()
        plain = gini(complete)
        assert 0 < plain < 1
        # Far more crimes than wards: the generalised Gini is the plain one.
        assert gini(complete, generalised=True) == pytest.approx(plain)
        assert 0.1 < top_share(complete, fraction=0.1) < 1
    result = ward_hotspots(wards, counts)
    assert len(result) == len(wards)
    assert set(result["hotspot"]) <= HOTSPOT_LABELS
    assert result.groupby("area_code")["distance"].nunique().eq(1).all()
