"""Tests for csp_analysis.charts: structure of each figure, and that it renders cleanly."""

import itertools
import os
import warnings
from io import BytesIO
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text
from shapely.geometry import box

from csp_analysis.charts import (
    _LABEL_OFFSETS,
    _TOWN_STYLE,
    _WARD_STYLE,
    HOTSPOT_COLOURS,
    HOTSPOT_HATCHES,
    PALETTE,
    QUADRANT_NAMES,
    SPC_COLOURS,
    _Labeller,
    _settle,
    dense_centre,
    map_categories,
    map_classes,
    map_wards,
    plot_breakdown,
    plot_funnel,
    plot_lorenz,
    plot_quadrant,
    plot_spc,
    plot_trend,
)
from csp_analysis.stats import spc

SHROPSHIRE = Path("/work/shared/data/boundaries/wards_2023_E06000051.geojson")


def render(fig: Figure) -> bytes:
    """The figure as PNG bytes, failing on any warning raised while drawing."""
    buffer = BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(buffer, format="png")
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG")
    return data


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None, "the chart has no legend"
    return [t.get_text() for t in legend.get_texts()]


def title_of(fig: Figure) -> str:
    return fig.get_suptitle() or fig.axes[0].get_title()


def colour_of(line) -> str:
    return to_hex(line.get_color())


# --------------------------------------------------------------------------- inputs


@pytest.fixture
def monthly() -> pd.DataFrame:
    months = pd.period_range("2024-04", "2026-03", freq="M")
    counts = np.linspace(1200, 1500, 24).round()
    counts[3] = 0.0  # Jul 2024: none recorded
    counts[14] = np.nan  # Jun 2025: no data
    period = np.select(
        [months >= pd.Period("2026-01", "M"), months.isin(pd.period_range("2025-01", "2025-03"))],
        ["current", "previous"],
        "",
    )
    return pd.DataFrame({"month": months, "period": period, "count": counts})


@pytest.fixture
def spc_frame() -> pd.DataFrame:
    values = [10, 14, 9, 13, 11, 12, 10, 14, 40, 9, 13, 11, 12, 10, 14]  # spike at 8
    labels = [str(p) for p in pd.period_range("2025-01", periods=len(values), freq="M")]
    return spc(values, labels=labels)


@pytest.fixture
def wards() -> gpd.GeoDataFrame:
    """Twelve 1 km square wards in a 4 x 3 grid in British National Grid."""
    cells = [(col, row) for row in range(3) for col in range(4)]
    x0, y0 = 350000, 310000
    geometry = [
        box(x0 + c * 1000, y0 + r * 1000, x0 + (c + 1) * 1000, y0 + (r + 1) * 1000)
        for c, r in cells
    ]
    counts = [120, 5, 30, 1500, 44, 0, 87, 260, np.nan, 12, 9, 61]
    frame = gpd.GeoDataFrame(
        {
            "ward_code": [f"E05{i:06d}" for i in range(12)],
            "ward_name": [f"Ward {chr(65 + i)}" for i in range(12)],
            "count": counts,
        },
        geometry=geometry,
        crs=27700,
    )
    frame["rank"] = frame["count"].rank(ascending=False, method="min")
    return frame


@pytest.fixture
def breakdown() -> pd.DataFrame:
    names = [
        "Violence against the person",
        "Theft offences",
        "Criminal damage and arson",
        "Public order offences",
        "Miscellaneous crimes against society, including a very long name",
        "Burglary",
        "Robbery",
    ]
    current = [4200, 3100, 1250, 800, 300, 290, 12]
    previous = [4000, 3300, 1100, 900, 280, 310, 20]
    frame = pd.DataFrame({"category": names, "current": current, "previous": previous})
    frame["change"] = frame["current"] - frame["previous"]
    frame["pct_change"] = frame["change"] / frame["previous"] * 100
    return frame


# ---------------------------------------------------------------------------- trend


def test_trend_structure(monthly):
    open_before = plt.get_fignums()
    fig = plot_trend(monthly, title="All crime, monthly")
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == open_before  # closed in pyplot: a notebook shows it once
    ax = fig.axes[0]
    assert title_of(fig) == "All crime, monthly"
    assert ax.get_xlabel() == "Month"
    assert ax.get_ylabel() == "Offences per month"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"
    ]  # fmt: skip
    assert legend_texts(ax) == [
        "12 months to Mar 2026",
        "12 months to Mar 2025",
        "Months compared: Jan\u2013Mar 2026 with Jan\u2013Mar 2025",
    ]
    assert ax.get_ylim()[0] == 0
    render(fig)


def test_trend_lines_keep_gaps_and_zeros(monthly):
    fig = plot_trend(monthly, title="t")
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    latest = np.asarray(lines["12 months to Mar 2026"].get_ydata(), dtype=float)
    before = np.asarray(lines["12 months to Mar 2025"].get_ydata(), dtype=float)
    assert np.isnan(latest[2])  # Jun 2025 has no data: a gap, not 0
    assert before[3] == 0  # Jul 2024 has a count of 0: drawn at 0
    np.testing.assert_array_equal(before[[0, 1, 2]], monthly["count"].iloc[:3])
    assert colour_of(lines["12 months to Mar 2026"]) == PALETTE["current"].lower()
    assert lines["12 months to Mar 2025"].get_linestyle() == "--"
    assert "Jun 2025" in fig.get_supxlabel()  # the gap is explained under the chart


def test_trend_shades_the_compared_months(monthly):
    fig = plot_trend(monthly, title="t")
    spans = [p for p in fig.axes[0].patches if p.get_label() != "_nolegend_"]
    assert spans, "the compared months are not shaded"
    x_left = min(p.get_x() for p in spans)
    assert x_left == pytest.approx(8.5)  # Jan is position 9


def test_trend_says_when_a_whole_year_is_missing(monthly):
    monthly.loc[:11, "count"] = np.nan
    fig = plot_trend(monthly, title="t")
    assert "12 months to Mar 2025 (no data)" in legend_texts(fig.axes[0])
    assert "No data for the 12 months to Mar 2025" in fig.get_supxlabel()
    render(fig)


def test_trend_uses_the_last_24_months_of_a_longer_series(monthly):
    earlier = pd.DataFrame(
        {"month": pd.period_range("2023-10", "2024-03", freq="M"), "period": "", "count": 5.0}
    )
    fig = plot_trend(pd.concat([earlier, monthly], ignore_index=True), title="t")
    assert legend_texts(fig.axes[0])[0] == "12 months to Mar 2026"


def test_trend_rejects_short_or_malformed_input(monthly):
    with pytest.raises(ValueError, match="24"):
        plot_trend(monthly.iloc[2:], title="t")
    with pytest.raises(ValueError, match="count"):
        plot_trend(monthly.drop(columns="count"), title="t")
    earlier = pd.DataFrame({"month": [pd.Period("2024-03", "M")], "period": "", "count": 1.0})
    with_hole = pd.concat([earlier, monthly.drop(index=5)], ignore_index=True)
    with pytest.raises(ValueError, match="consecutive"):
        plot_trend(with_hole, title="t")


def test_trend_of_whole_years_needs_no_shading(monthly):
    monthly["period"] = np.where(monthly.index >= 12, "current", "previous")
    fig = plot_trend(monthly, title="t")
    assert len(legend_texts(fig.axes[0])) == 2
    assert "The two lines are the periods compared." in fig.get_supxlabel()


# ------------------------------------------------------------------------------ SPC


def test_spc_structure_and_colours(spc_frame):
    fig = plot_spc(spc_frame, title="Burglary")
    ax = fig.axes[0]
    assert title_of(fig) == "Burglary"
    assert ax.get_xlabel() == "Month"
    assert ax.get_ylabel() == "Offences per month"
    assert set(legend_texts(ax)) == {  # two rows, filled column by column
        "Usual variation",
        "Unusual: a concern",
        "Unusual: improving",
        "Average",
        "Usual range",
    }
    by_colour = {}
    for line in ax.get_lines():
        if line.get_linestyle() == "None" and len(line.get_xdata()):
            by_colour[colour_of(line)] = list(line.get_xdata())
    # Sep 2025 (40) is far above the upper limit: a concern when higher is worse.
    assert by_colour[SPC_COLOURS["concern"]] == [8]
    assert 8 not in by_colour[SPC_COLOURS["common_cause"]]
    assert SPC_COLOURS["improvement"] not in by_colour
    assert "outside the usual range" in fig.get_supxlabel()
    render(fig)


def test_spc_higher_is_better_swaps_meaning(spc_frame):
    fig = plot_spc(spc_frame, title="Detections", unit="detections", higher_is="better")
    ax = fig.axes[0]
    coloured = {
        colour_of(line): list(line.get_xdata())
        for line in ax.get_lines()
        if line.get_linestyle() == "None" and len(line.get_xdata())
    }
    assert coloured[SPC_COLOURS["improvement"]] == [8]
    assert SPC_COLOURS["concern"] not in coloured
    assert ax.get_ylabel() == "Detections per month"


def test_spc_clips_a_negative_lower_limit_at_zero():
    frame = spc([0, 3, 0, 5, 1, 0, 4, 0, 2, 6])
    assert frame["lower_limit"].iloc[0] < 0
    before = frame.copy()
    fig = plot_spc(frame, title="Rare")
    dashed = [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    assert min(np.min(line.get_ydata()) for line in dashed) == 0
    pd.testing.assert_frame_equal(frame, before)  # the data are not changed
    render(fig)


def test_spc_too_few_points_gives_a_note():
    fig = plot_spc(spc([10, 12, 11, 9]), title="Short")
    ax = fig.axes[0]
    assert any("Too few months to work out the usual range" in t.get_text() for t in ax.texts)
    assert not [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert ax.get_xlabel() and ax.get_ylabel()
    render(fig)


def test_spc_rejects_unknown_direction(spc_frame):
    with pytest.raises(ValueError, match="higher_is"):
        plot_spc(spc_frame, title="t", higher_is="up")


# ------------------------------------------------------------------------------ map


def drawn_texts(fig) -> list[str]:
    """Every text drawn on the map and its inset, as one line each."""
    return [t.get_text().replace("\n", " ") for ax in fig.axes for t in ax.texts]


def assert_no_overlap(fig) -> None:
    """No two names (or other texts; leader lines aside) on any axes of the figure overlap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [Text.get_window_extent(t, renderer) for ax in fig.axes for t in ax.texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


def assert_legend_on_page(fig) -> None:
    """The map's legend is inside the figure (a wide area once pushed it off the right)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    legend = fig.axes[0].get_legend().get_window_extent(renderer)
    assert legend.x1 <= fig.bbox.width


def test_map_legend_of_a_wide_area_stays_on_the_page(wards):
    fig = map_wards(wards, column="count", title="t", legend_title="Offences")
    assert_legend_on_page(fig)


def test_map_structure(wards):
    fig = map_wards(wards, column="count", title="Crime by ward", legend_title="Offences")
    ax = fig.axes[0]
    assert title_of(fig) == "Crime by ward"
    assert not ax.axison  # no ticks or frame
    assert ax.get_aspect() == 1.0
    entries = legend_texts(ax)
    assert fig.axes[0].get_legend().get_title().get_text() == "Offences"
    # 5 to 1,500 with a long tail: classes over the tail, not a class per high ward.
    assert entries[0] == "1,000 to 1,500  (1 ward)"  # highest class first, thousands separator
    assert entries[-2:] == ["No records  (1 ward)", "No data  (1 ward)"]
    assert 3 <= len(entries) - 2 <= 5
    texts = drawn_texts(fig)
    assert "N" in texts
    assert any(t.endswith(" km") for t in texts)  # the scale bar
    # 1 km squares are big enough on screen for every name.
    assert {f"Ward {chr(65 + i)}" for i in range(12)} <= set(texts)
    assert_no_overlap(fig)
    render(fig)


def test_map_rates_all_zero_and_other_crs(wards):
    wards["rate_per_1000"] = wards["count"] / 7.3
    fig = map_wards(
        wards.to_crs(4326),
        column="rate_per_1000",
        title="Rate",
        legend_title="Offences per 1,000 residents",
        scheme="quantiles",
        label_top=3,
    )
    entries = legend_texts(fig.axes[0])
    assert " to 205.5  (" in entries[0]  # 1,500 / 7.3 = 205.48, shown to 1 decimal
    render(fig)

    wards["count"] = 0.0
    fig = map_wards(wards, column="count", title="None", legend_title="Offences")
    assert legend_texts(fig.axes[0]) == ["No records  (12 wards)"]
    assert not [line for line in fig.axes[0].get_lines() if line.get_marker() == "o"]  # no top
    render(fig)


def test_map_legend_tells_withheld_from_no_records_and_no_population(wards):
    wards["missing_reason"] = "No population"
    wards.loc[[1, 10], "count"] = np.nan
    wards.loc[[1, 10], "missing_reason"] = "Withheld (fewer than 10 or to protect another ward)"
    fig = map_wards(wards, column="count", title="t", legend_title="Offences")
    entries = legend_texts(fig.axes[0])
    assert entries[-3:] == [
        "No records  (1 ward)",
        "Withheld (fewer than 10 or to\nprotect another ward)  (2 wards)",
        "No population  (1 ward)",
    ]
    legend = fig.axes[0].get_legend()
    hatches = [h.get_hatch() for h in legend.legend_handles[-3:]]
    assert hatches[0] is None and hatches[1] and hatches[2] and hatches[1] != hatches[2]
    render(fig)


def test_map_classes_do_not_collapse_on_clustered_or_tied_values():
    # Demo hate crime rates: four wards within 0.26; quantiles gave "0.60 (1 ward)", "0.61 ...".
    classes, labels = map_classes([0.598, 0.613, 0.663, 0.855], decimals=2)
    assert labels == ["0.60 to 0.79", "0.80 to 0.86"]
    assert list(classes) == [0, 0, 0, 1]
    assert map_classes([5, 5, 5, 5])[1] == ["5"]  # all tied: one class
    assert map_classes([5] * 10 + [6] * 3 + [7])[1] == ["5", "6", "7"]  # 3 distinct values
    assert map_classes([5, 5, 6, 6, 7, 20])[1] == ["5", "6 to 19", "20"]
    classes, labels = map_classes([])
    assert classes.size == 0 and labels == []


# Rates per 1,000 of Telford and Wrekin's wards in 2024-25 Q4 (data.police.uk, Census 2021).
TELFORD_DRUGS = [0.767, 0.798, 0.905, 0.987, 1.033, 1.183, 1.234, 1.273, 1.296, 1.502,
                 1.604, 1.976, 2.536, 2.743]  # fmt: skip
TELFORD_ASB = [1.116, 1.38, 1.618, 1.727, 1.811, 1.819, 1.919, 1.963, 2.065, 2.183, 2.591,
               2.843, 2.942, 2.95, 2.959, 3.015, 3.016, 3.035, 3.232, 3.255, 3.271, 3.624,
               3.809, 3.824, 3.949, 3.962, 4.393, 8.201, 9.741]  # fmt: skip


@pytest.mark.parametrize(
    "values", [TELFORD_DRUGS, TELFORD_ASB, [5, 9, 12, 30, 44, 61, 87, 120, 260, 1500]]
)
def test_map_classes_on_real_and_long_tailed_values(values):
    decimals = 0 if float(values[-1]).is_integer() else 1
    classes, labels = map_classes(values, decimals=decimals)
    sizes = np.bincount(classes)
    assert 3 <= len(labels) <= 5 and sizes.size == len(labels)
    assert (sizes[:-1] >= 2).all()  # only the highest class may be a single ward
    medians = [np.median(np.asarray(values)[classes == c]) for c in range(len(labels))]
    assert all(b - a >= 0.1 * b for a, b in itertools.pairwise(medians))  # not nearly equal
    starts = [float(label.split(" to ")[0].replace(",", "")) for label in labels[1:]]
    assert all(float(f"{s:.2g}") == s for s in starts), labels  # round: 2 figures at most
    assert all(("." in label) == bool(decimals) for label in labels)  # counts are whole


def demoshire_wards(dataset) -> gpd.GeoDataFrame:
    """Demoshire's wards (the demo data's wards file also holds its peers')."""
    wards = dataset.wards
    return wards[wards["area_name"] == "Demoshire"].reset_index(drop=True)


def test_dense_centre_is_the_demo_county_town(demo_dataset):
    from csp_analysis.demo import TOWN_CENTRE_WARD

    wards = demoshire_wards(demo_dataset)
    centre = wards.iloc[dense_centre(wards.geometry)]
    assert len(centre) >= 3
    assert TOWN_CENTRE_WARD in set(centre["ward_name"])
    assert set(centre["town"]) == {"Demchester"}


def test_map_names_towns_and_enlarges_the_town_centre(demo_dataset):
    wards = demoshire_wards(demo_dataset)
    wards["count"] = np.arange(len(wards), dtype=float)
    fig = map_wards(wards, column="count", title="t", legend_title="Offences")
    texts = drawn_texts(fig)
    for town in ("DEMCHESTER", "KELSTOW", "BRANDWICK", "ORLINGFORD"):
        assert town in texts
    assert "RURAL DEMOSHIRE" not in texts  # the rural remainder is not a place
    assert len(fig.axes) == 2  # the map and the inset
    inset = fig.axes[1]
    assert inset.get_title(loc="left") == "Demchester (enlarged)"
    centre = {t.get_text().replace("\n", " ") for t in inset.texts}
    assert "Castle and Riverside" in centre
    assert_no_overlap(fig)
    render(fig)

    lon_lat = gpd.GeoSeries(wards.geometry.iloc[[0]].centroid, crs=27700).to_crs(4326).iloc[0]
    fig = map_wards(
        wards,
        column="count",
        title="t",
        legend_title="Offences",
        towns={"Here": (lon_lat.x, lon_lat.y), "Far away": (-1.0, 54.5)},
        inset=False,
    )
    texts = drawn_texts(fig)
    assert "HERE" in texts and "FAR AWAY" not in texts and "DEMCHESTER" not in texts
    assert len(fig.axes) == 1


def test_map_rejects_bad_input(wards):
    with pytest.raises(ValueError, match="rate"):
        map_wards(wards, column="rate", title="t", legend_title="x")
    with pytest.raises(ValueError, match="scheme"):
        map_wards(wards, column="count", title="t", legend_title="x", scheme="jenks-ish")
    with pytest.raises(ValueError, match="finite"):
        map_classes([1.0, np.nan])


@pytest.mark.skipif(not SHROPSHIRE.exists(), reason="shared ward boundaries are absent")
def test_map_real_wards_labels_do_not_overlap():
    frame = gpd.read_file(SHROPSHIRE).to_crs(27700)
    frame = frame.rename(columns={"WD23CD": "ward_code", "WD23NM": "ward_name"})
    rng = np.random.default_rng(3)
    frame["count"] = rng.poisson(np.clip(3000 / (frame.area / 1e6 + 5), 5, 400)).astype(float)
    towns = {"Shrewsbury": (-2.752, 52.708), "Ludlow": (-2.717, 52.368)}
    fig = map_wards(
        frame, column="count", title="t", legend_title="Offences", label_top=8, towns=towns
    )
    render(fig)
    texts = drawn_texts(fig)
    assert {"SHREWSBURY", "LUDLOW"} <= set(texts)
    assert len(fig.axes) == 2 and fig.axes[1].get_title(loc="left") == "Shrewsbury (enlarged)"
    assert "Clun" in texts  # a large rural ward
    assert len([t for t in texts if t[:1].islower() or t[1:2].islower()]) > 30  # many wards
    assert_no_overlap(fig)


@pytest.mark.parametrize("dpi", [100, 144])
def test_a_name_measured_in_place_has_that_box_moved_wherever_it_is_put(dpi):
    """The labeller measures a name once and moves its box to try each place: the box it
    gives is the one the name has there, to a millionth of a pixel."""
    fig, ax = plt.subplots(figsize=(6, 4), dpi=dpi)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    labeller = _Labeller(ax, _settle(fig))
    for text, style in [("Abbey", _WARD_STYLE), ("BISHOP'S\nCASTLE", _TOWN_STYLE)]:
        in_place = labeller._measure(text, (3.3, 6.1), style)
        offsets = [*_LABEL_OFFSETS[:30], (12.25, -7.5)]
        for offset, moved in labeller._moved(in_place, offsets):
            label = labeller._label(text, (3.3, 6.1), style, offset)
            assert moved.equals_exact(labeller._box(label), tolerance=1e-6), (text, offset)
            label.remove()
    plt.close(fig)


# ------------------------------------------------------------------------ breakdown


def test_breakdown_structure(breakdown):
    fig = plot_breakdown(
        breakdown,
        title="By offence group",
        current_label="Apr 2025 to Mar 2026",
        previous_label="Apr 2024 to Mar 2025",
        top=5,
    )
    ax = fig.axes[0]
    assert title_of(fig) == "By offence group"
    assert ax.get_xlabel() == "Offences"
    assert legend_texts(ax) == ["Apr 2025 to Mar 2026", "Apr 2024 to Mar 2025"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 5
    assert labels[0] == "Violence against the person"
    assert "\n" in labels[4]  # the long name is wrapped
    assert len(ax.patches) == 10
    assert "4,200" in [t.get_text() for t in ax.texts]
    assert "5 largest of 7" in fig.get_supxlabel()
    render(fig)


def test_breakdown_empty():
    empty = pd.DataFrame(columns=["category", "current", "previous", "change", "pct_change"])
    fig = plot_breakdown(empty, title="t", current_label="a", previous_label="b")
    render(fig)


# ------------------------------------------------------------- strategic assessment


def funnel_peers() -> pd.DataFrame:
    """Five areas around a pooled rate of 60 per 1,000: one far above, one below."""
    return pd.DataFrame(
        {
            "area_name": ["Telford and Wrekin", "Shropshire", "Herefordshire", "North", "South"],
            "population": [190_000.0, 330_000.0, 190_000.0, 300_000.0, 335_000.0],
            "rate_per_1000": [74.1, 58.0, 50.2, 61.0, 59.0],
            "count": [14079, 19140, 9538, 18300, 19765],
            "funnel_band": ["above 99.8%", "within", "below 95%", "within", "within"],
            "is_area": [True, False, False, False, False],
        }
    )


def funnel_limits() -> pd.DataFrame:
    grid = np.linspace(20_000, 400_000, 50)
    spread = np.sqrt(60 / grid * 1000 + 3.0**2)
    return pd.DataFrame(
        {
            "population": grid,
            "target": 60.0,
            "lower_95": 60 - 1.96 * spread,
            "upper_95": 60 + 1.96 * spread,
            "lower_998": 60 - 3.09 * spread,
            "upper_998": 60 + 3.09 * spread,
        }
    )


def test_funnel_structure_and_message():
    fig = plot_funnel(funnel_peers(), funnel_limits(), title="All crime, 2024-25")
    ax = fig.axes[0]
    assert title_of(fig) == "All crime, 2024-25"
    assert ax.get_xlabel() == "Residents"
    assert ax.get_ylabel() == "Offences per 1,000 residents a year"
    assert set(legend_texts(ax)) == {
        "Average of all the areas (60.0)",
        "95% limits",
        "99.8% limits",
        "Much higher (above 99.8%)",
        "Within the limits",
        "Lower (below 95%)",
        "Telford and Wrekin",
    }
    styles = {line.get_label(): line.get_linestyle() for line in ax.get_legend().get_lines()}
    assert styles["Average of all the areas (60.0)"] == "-"
    assert styles["95% limits"] == "--" and styles["99.8% limits"] == ":"
    # The band is told by shape and fill as well as colour.
    marks = {
        (line.get_marker(), to_hex(line.get_markerfacecolor()))
        for line in ax.get_legend().get_lines()
        if line.get_label()
        in {"Much higher (above 99.8%)", "Within the limits", "Lower (below 95%)"}
    }
    assert len({marker for marker, _ in marks}) == 3
    assert ("v", "#ffffff") in marks  # below 95% only: hollow
    assert fig.alt_text == (
        "Funnel plot: All crime, 2024-25, offences per 1,000 residents a year. "
        "Telford and Wrekin's rate, 74.1 per 1,000 a year, is above the 99.8% limit: higher "
        "than the other areas by more than chance would usually give. "
        "2 of 5 areas lie outside the 95% limits, 1 of them outside the 99.8% limits."
    )
    names = drawn_texts(fig)
    assert set(funnel_peers()["area_name"]) <= set(names)  # 5 areas: all named
    bold = [t for t in ax.texts if t.get_text() == "Telford and Wrekin"]
    assert bold[0].get_fontweight() == "bold"
    assert_no_overlap(fig)
    render(fig)


@pytest.mark.parametrize(
    ("band", "sentence"),
    [
        ("within", "is within the 95% limits: no different from the other areas"),
        ("above 95%", "is above the 95% limit but not the 99.8% limit: higher than the other "
         "areas, though chance alone would give this about 1 time in 40."),
        ("Below 99.8%", "is below the 99.8% limit: lower than the other areas by more"),
    ],
)  # fmt: skip
def test_funnel_sentence_follows_the_band(band, sentence):
    peers = funnel_peers()
    peers.loc[0, "funnel_band"] = band
    fig = plot_funnel(peers, funnel_limits(), title="t")
    assert sentence in fig.alt_text
    outside = 1 + (band.lower() != "within")
    assert f"{outside} of 5 areas" in fig.alt_text


def test_funnel_leaves_off_withheld_rates_and_draws_dollars_as_written():
    peers = funnel_peers()
    peers.loc[1, "area_name"] = "Cash $ Town"
    peers.loc[3, "rate_per_1000"] = np.nan  # North: withheld
    peers.loc[3, "funnel_band"] = None
    fig = plot_funnel(peers, funnel_limits(), title="Costs in $ and $$")
    ax = fig.axes[0]
    drawn = [
        (x, y)
        for line in ax.get_lines()
        if line.get_linestyle() == "None"
        and line.get_marker() in ("o", "^", "v")
        and line.get_markersize() < 12
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
    ]
    assert len(drawn) == 4 and (300_000.0, 61.0) not in drawn
    assert "Left off, rate withheld: North." in fig.get_supxlabel()
    assert "1 area is left off because its rate is withheld: North." in fig.alt_text
    assert "2 of 4 areas lie outside" in fig.alt_text
    assert r"Cash \$ Town" in drawn_texts(fig)  # escaped: drawn as written, not mathtext
    assert fig.get_suptitle() == r"Costs in \$ and \$\$"
    render(fig)

    peers.loc[0, "rate_per_1000"] = np.nan
    fig = plot_funnel(peers, funnel_limits(), title="t")
    assert "Telford and Wrekin's rate is withheld, so it is not drawn." in fig.alt_text
    peers["rate_per_1000"] = np.nan
    fig = plot_funnel(peers, funnel_limits(), title="t")
    assert "No area has a rate to draw. 5 areas are left off" in fig.alt_text
    render(fig)


def test_funnel_names_the_area_and_the_extremes_among_many():
    rng = np.random.default_rng(5)
    n = 30
    peers = pd.DataFrame(
        {
            "area_name": [f"Area {i}" for i in range(n)],
            "population": rng.uniform(80_000, 380_000, n),
            "rate_per_1000": 60 + np.linspace(-12, 12, n),
            "funnel_band": "within",
            "is_area": np.arange(n) == 15,
        }
    )
    fig = plot_funnel(peers, funnel_limits(), title="t")
    names = [t for t in drawn_texts(fig) if t.startswith("Area ")]
    assert len(names) <= 12 and "Area 15" in names
    assert {"Area 0", "Area 29"} <= set(names)  # the furthest from the average
    assert_no_overlap(fig)


def test_funnel_rejects_an_unknown_band():
    peers = funnel_peers()
    peers.loc[2, "funnel_band"] = "odd"
    with pytest.raises(ValueError, match="funnel_band 'odd' of 'Herefordshire'"):
        plot_funnel(peers, funnel_limits(), title="t")
    with pytest.raises(ValueError, match="upper_998"):
        plot_funnel(funnel_peers(), funnel_limits().drop(columns="upper_998"), title="t")


def crime_types() -> pd.DataFrame:
    """Six crime types: the median count is 350 and the average harm per crime
    (40,600 / 2,100 = 19.33) is below the plain mean of severities (24.33)."""
    frame = pd.DataFrame(
        {
            "crime_type": ["A", "B", "C", "D", "E", "F"],
            "count": [100, 200, 300, 400, 500, 600],
            "mean_severity": [50.0, 5.0, 40.0, 30.0, 20.0, 1.0],
        }
    )
    frame["harm"] = frame["count"] * frame["mean_severity"]
    return frame


def test_quadrant_structure_and_message():
    fig = plot_quadrant(
        crime_types(),
        label="crime_type",
        title="Which crimes do most harm",
        x_label="Crimes",
        y_label="Harm per crime",
    )
    ax = fig.axes[0]
    assert title_of(fig) == "Which crimes do most harm"
    assert ax.get_xlabel() == "Crimes" and ax.get_xscale() == "linear"
    assert ax.get_ylabel() == "Harm per crime"
    # Split at the median count and the average harm per crime, not the plain mean.
    assert legend_texts(ax) == [
        "Median: 350",
        "Total harm 1,000",
        "Average per crime: 19.3",
        "Total harm 10,000",
    ]
    assert fig.alt_text == (
        "Quadrant chart: Which crimes do most harm. 6 shown, split at the median crimes (350) "
        "and the average harm per crime (19.3). Many crimes, more harm per crime: D and E."
    )
    texts = drawn_texts(fig)
    assert set(QUADRANT_NAMES) <= set(texts)
    assert set("ABCDEF") <= set(texts)  # every point named
    points = ax.collections[0]
    colours = [to_hex(c) for c in points.get_facecolors()]
    assert [c == "#d55e00" for c in colours] == [False, False, False, True, True, False]
    sizes = points.get_sizes()
    assert sizes[3] == sizes.max()  # D has the most harm (12,000)
    assert_no_overlap(fig)
    render(fig)


def test_quadrant_log_scale_nan_rows_and_dollars():
    table = crime_types()
    table.loc[0, "count"] = 2  # 2 to 600: more than two orders of magnitude
    table.loc[1, "mean_severity"] = np.nan
    table.loc[2, "crime_type"] = "Cash $ theft"
    fig = plot_quadrant(
        table.drop(columns="harm"),
        label="crime_type",
        title="t",
        x_label="Crimes",
        y_label="Harm per crime",
    )
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Crimes, log scale"
    assert "Left off, with no value: B." in fig.get_supxlabel()
    assert fig.alt_text.endswith("Left off, with no value: B.")
    assert "5 shown" in fig.alt_text
    assert r"Cash \$ theft" in drawn_texts(fig)
    assert len(legend_texts(ax)) == 2  # no harm column: no circle sizes
    render(fig)


def test_quadrant_names_at_most_15_points():
    rng = np.random.default_rng(2)
    table = pd.DataFrame(
        {
            "ward_name": [f"Ward {i}" for i in range(25)],
            "count": rng.integers(10, 200, 25),
            "mean_severity": rng.uniform(5, 50, 25),
        }
    )
    fig = plot_quadrant(
        table, label="ward_name", title="t", x_label="Crimes", y_label="Harm per crime"
    )
    assert len([t for t in drawn_texts(fig) if t.startswith("Ward ")]) <= 15
    assert_no_overlap(fig)


def lorenz_frame() -> pd.DataFrame:
    """Eight wards. Crime 4, 2, 1, 1, 0, 0, 0, 0: the top ward (12.5% of wards) holds half,
    so the top 10% hold 0.10 / 0.125 x 50% = 40%. Harm 30, 10, 5, 0, ...: 30/45 of it in
    the top ward, 80% of that in the top 10% = 53.3%."""
    rows = []
    for of, values in (("crime", [4, 2, 1, 1, 0, 0, 0, 0]), ("harm", [30, 10, 5, 0, 0, 0, 0, 0])):
        values = np.asarray(values, dtype=float)
        rows.append(
            pd.DataFrame(
                {
                    "of": of,
                    "share_of_places": np.arange(9) / 8,
                    "share_of_events": np.r_[0, np.cumsum(values)] / values.sum(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_lorenz_structure_and_message():
    fig = plot_lorenz(lorenz_frame(), title="Concentration")
    ax = fig.axes[0]
    assert title_of(fig) == "Concentration"
    assert ax.get_xlabel() == "Share of wards (%), highest first"
    assert ax.get_ylabel() == "Share of crime or harm (%)"
    assert legend_texts(ax) == ["Crime", "Harm", "If every ward had the same"]
    assert fig.alt_text == (
        "Lorenz curve: Concentration. The 10% of wards with most crime hold 40% of crime; "
        "the 10% with most harm hold 53% of harm. If every ward had the same, they would "
        "hold 10%."
    )
    texts = drawn_texts(fig)
    assert {"40% of crime", "53% of harm"} <= set(texts)
    assert_no_overlap(fig)
    render(fig)


def test_lorenz_drops_nan_rows_and_draws_dollars_as_written():
    frame = lorenz_frame()
    frame.loc[len(frame)] = ["crime", np.nan, 0.5]
    frame["of"] = frame["of"].replace({"harm": "$ harm"})
    fig = plot_lorenz(frame, title="t")
    assert "hold 40% of crime" in fig.alt_text
    assert legend_texts(fig.axes[0])[1] == r"$ harm".replace("$", r"\$")
    render(fig)


def test_lorenz_reads_an_even_split_off_the_diagonal():
    even = pd.DataFrame(
        {
            "of": "crime",
            "share_of_places": [0.0, 0.25, 0.5, 1.0],
            "share_of_events": [0, 0.25, 0.5, 1],
        }
    )
    fig = plot_lorenz(even, title="t", places="grid cells", at=0.05)
    assert "The 5% of grid cells with most crime hold 5% of crime." in fig.alt_text
    assert fig.axes[0].get_xlabel() == "Share of grid cells (%), highest first"


def hotspot_wards(wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = wards.copy()
    frame["class"] = "Not significant"
    frame.loc[[0, 1], "class"] = "Hot spot"
    frame.loc[11, "class"] = "Cold spot"
    frame.loc[8, "class"] = np.nan
    return frame


def map_hotspots(frame: gpd.GeoDataFrame, **options):
    return map_categories(
        frame,
        column="class",
        title="Hot spots by ward",
        legend_title="Getis-Ord Gi*",
        order=["Hot spot", "Cold spot", "Not significant"],
        colours=HOTSPOT_COLOURS,
        hatches=HOTSPOT_HATCHES,
        **options,
    )


def test_category_map_structure_and_message(wards):
    fig = map_hotspots(hotspot_wards(wards))
    ax = fig.axes[0]
    assert title_of(fig) == "Hot spots by ward"
    assert ax.get_legend().get_title().get_text() == "Getis-Ord Gi*"
    assert legend_texts(ax) == [
        "Hot spot  (2 wards)",
        "Cold spot  (1 ward)",
        "Not significant  (8 wards)",
        "No data  (1 ward)",
    ]
    assert fig.alt_text == (
        "Map: Hot spots by ward. Of 12 wards, by Getis-Ord Gi*: Hot spot: 2 wards (Ward A and "
        "Ward B); Cold spot: 1 ward; Not significant: 8 wards. 1 ward hatched grey: No data."
    )
    # Readable in greyscale: no two classes share both lightness and hatch.
    handles = ax.get_legend().legend_handles
    looks = {
        (round(float(np.dot(h.get_facecolor()[:3], [0.2126, 0.7152, 0.0722])), 1), h.get_hatch())
        for h in handles
    }
    assert len(looks) == len(handles)
    assert to_hex(handles[0].get_facecolor()) == HOTSPOT_COLOURS["Hot spot"].lower()
    texts = drawn_texts(fig)
    assert "N" in texts and any(t.endswith(" km") for t in texts)
    assert {f"Ward {chr(65 + i)}" for i in range(12)} <= set(texts)
    assert_no_overlap(fig)
    assert_legend_on_page(fig)
    render(fig)


def test_category_map_names_hot_spots_in_a_real_area_and_draws_dollars(wards):
    frame = hotspot_wards(wards)
    frame.loc[0, "ward_name"] = "Cash $ Ward"
    fig = map_hotspots(frame)
    assert r"Cash \$ Ward" in drawn_texts(fig)
    assert "(Cash $ Ward and Ward B)" in fig.alt_text
    with pytest.raises(ValueError, match=r"\['Warm spot'\]"):
        frame.loc[2, "class"] = "Warm spot"
        map_hotspots(frame)


@pytest.mark.skipif(not SHROPSHIRE.exists(), reason="shared ward boundaries are absent")
def test_category_map_keeps_town_names_off_a_small_hot_spot():
    frame = gpd.read_file(SHROPSHIRE).to_crs(27700)
    frame = frame.rename(columns={"WD23CD": "ward_code", "WD23NM": "ward_name"})
    frame["class"] = np.where(frame["ward_name"] == "Oswestry West", "Hot spot", "Not significant")
    fig = map_hotspots(frame, towns={"Oswestry": (-3.054, 52.861)}, inset=False)
    texts = drawn_texts(fig)
    assert "OSWESTRY" in texts and "Oswestry West" in texts  # the town name moved aside
    assert_no_overlap(fig)


# -------------------------------------------------------------------- files to look at


def test_write_pngs_to_look_at(tmp_path, monthly, spc_frame, wards, breakdown):
    """One PNG of each chart; CSP_CHART_DIR keeps them for a person to look at."""
    folder = Path(os.environ.get("CSP_CHART_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "trend": plot_trend(monthly, title="All crime: monthly offences"),
        "spc": plot_spc(spc_frame, title="Burglary: monthly offences"),
        "map": map_wards(wards, column="count", title="Offences by ward", legend_title="Offences"),
        "breakdown": plot_breakdown(
            breakdown, title="By offence group", current_label="2025-26", previous_label="2024-25"
        ),
        "funnel": plot_funnel(
            funnel_peers(), funnel_limits(), title="All crime among the partnerships"
        ),
        "quadrant": plot_quadrant(
            crime_types(),
            label="crime_type",
            title="Volume against harm",
            x_label="Crimes",
            y_label="Harm per crime",
        ),
        "lorenz": plot_lorenz(lorenz_frame(), title="Concentration across wards"),
        "hotspots": map_hotspots(hotspot_wards(wards)),
    }
    for name, fig in figures.items():
        path = folder / f"{name}.png"
        path.write_bytes(render(fig))
        assert path.stat().st_size > 10_000


def test_notebook_shows_a_returned_figure_once(tmp_path):
    """A figure as the last value of a cell is displayed once, as a PNG drawn once (not
    again by matplotlib's inline backend), with its alt text."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    code = (
        "import numpy as np, pandas as pd\n"
        "from csp_analysis.charts import plot_spc\n"
        "from csp_analysis.stats import spc\n"
        "import IPython.core.pylabtools as tools\n"
        "drawn, draw = [], tools.print_figure\n"
        "tools.print_figure = lambda *a, **k: drawn.append(a[1]) or draw(*a, **k)\n"
        "fig = plot_spc(spc(np.arange(12.0)), title='t')\n"
        "fig"
    )
    cells = [nbformat.v4.new_code_cell(c) for c in (code, "print(drawn)", "fig", "print(drawn)")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    try:
        nbclient.NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    except Exception as error:  # no kernel installed here: not a failure of the charts
        if "No such kernel" in str(error):
            pytest.skip("no python3 Jupyter kernel")
        raise
    outputs = notebook.cells[0].outputs
    assert [o["output_type"] for o in outputs] == ["execute_result"]
    assert "image/png" in outputs[0]["data"]
    assert outputs[0]["metadata"]["image/png"]["alt"].startswith("Chart of unusual months: t.")
    assert notebook.cells[1].outputs[0]["text"] == "['png']\n"  # drawn once
    assert notebook.cells[3].outputs[0]["text"] == "['png', 'png']\n"  # shown again: drawn again
