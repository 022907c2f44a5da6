"""End to end on the real public data: Shropshire and Telford & Wrekin, 2024-25Q4.

Reference figures come from the data's PROVENANCE.md (rows per month with an LSOA name of
each area, counted when the files were collected), not from this code.
"""

import pandas as pd
import pytest

from csp_analysis.cli import main
from csp_analysis.locate import locate_records
from csp_analysis.profile import build_profile

# PROVENANCE.md section 2: rows (crimes and ASB) by LSOA name, per month.
PROVENANCE_ROWS = {
    "2024-01": (1544, 1380),
    "2024-02": (1565, 1410),
    "2024-03": (1656, 1482),
    "2024-04": (1699, 1492),
    "2025-01": (1579, 1369),
    "2025-02": (1459, 1366),
    "2025-03": (1679, 1530),
    "2025-04": (1726, 1600),
    "2025-05": (1818, 1660),
    "2025-06": (1818, 1638),
    "2025-07": (1839, 1834),
    "2025-08": (1823, 1580),
    "2025-09": (1523, 1396),
    "2025-10": (1588, 1567),
    "2025-11": (1588, 1455),
    "2025-12": (1544, 1393),
}
ALL_ROWS = (
    7700
    + 7654
    + 8529
    + 8540
    + 7913
    + 7387
    + 8603
    + 8820
    + 9066
    + 8972
    + 9848
    + 9217
    + 7903
    + 8463
    + 8034
    + 7879
)
SHROPSHIRE, TELFORD = "E06000051", "E06000020"


def test_every_published_row_is_read(public_dataset):
    assert len(public_dataset.crimes) + len(public_dataset.asb) == ALL_ROWS
    assert len(public_dataset.months_covered) == 16


def test_located_by_lsoa_alone_matches_provenance_counts(public_dataset):
    # Without coordinates every row falls back to its LSOA's best-fit ward: the area counts
    # must then equal the published counts by LSOA name exactly.
    lookup = pd.read_csv(public_dataset.files[2]["path"]).rename(
        columns={"lsoa21_code": "lsoa_code", "ward24_code": "ward_code"}
    )
    rows = pd.concat([public_dataset.crimes, public_dataset.asb], ignore_index=True)
    no_xy = rows.assign(
        latitude=float("nan"), longitude=float("nan"), ward_code=pd.NA, area_code=pd.NA
    )
    for column in ("ward_code", "area_code"):
        no_xy[column] = no_xy[column].astype("string")
    located = locate_records(no_xy, public_dataset.wards, lookup=lookup[["lsoa_code", "ward_code"]])
    counts = located.groupby([located["month"].astype(str), "area_code"]).size().unstack()
    for month, (shropshire, telford) in PROVENANCE_ROWS.items():
        assert (counts.loc[month, SHROPSHIRE], counts.loc[month, TELFORD]) == (shropshire, telford)


def test_coordinates_agree_with_lsoa_within_half_a_percent(public_dataset):
    rows = pd.concat([public_dataset.crimes, public_dataset.asb], ignore_index=True)
    for code, column in ((SHROPSHIRE, 0), (TELFORD, 1)):
        located = (rows["area_code"] == code).sum()
        published = sum(v[column] for v in PROVENANCE_ROWS.values())
        assert abs(located - published) / published < 0.005


@pytest.mark.parametrize("area", ["Shropshire", "Telford and Wrekin"])
def test_profiles_for_both_areas(public_dataset, public_settings, area):
    themes = public_settings.themes
    overview = build_profile(
        public_dataset, area=area, period="2024-25Q4", theme=themes["overview"]
    )
    quality = overview.data_quality
    counted = quality.loc[quality["outcome"].isin(["excluded", "included"]), "records"].sum()
    assert counted == quality.loc[quality["outcome"] == "read", "records"].iloc[0]
    total = overview.headline.set_index("measure").loc["total"]
    assert total["current"] == overview.breakdown["current"].sum()
    assert overview.wards["count"].sum() == total["current"]
    assert len(overview.top_wards) == 10
    assert overview.breakdown["category"].iloc[0] == "Violence and sexual offences"
    assert (
        list(overview.monthly["count"].isna())
        == [True] * 9 + [False] * 4 + [True] * 8 + [False] * 3
    )
    for name in ("domestic_abuse", "hate_crime", "violence_with_injury"):
        profile = build_profile(public_dataset, area=area, period="2024-25Q4", theme=themes[name])
        assert not profile.available and "data.police.uk" in profile.reason


@pytest.mark.parametrize(("area", "column"), [("E06000051", 0), ("E06000020", 1)])
def test_quarter_totals_agree_with_provenance(public_dataset, public_settings, area, column):
    # Crimes plus ASB in January-March 2025, located by coordinates, against the published
    # row counts by LSOA name: equal within 0.5% (points near the boundary differ).
    themes = public_settings.themes
    total = sum(
        build_profile(
            public_dataset, area=area, period="2024-25Q4", theme=themes[name]
        ).change.current
        for name in ("overview", "asb")
    )
    published = sum(PROVENANCE_ROWS[m][column] for m in ("2025-01", "2025-02", "2025-03"))
    assert abs(total - published) / published < 0.005


def test_missing_months_are_refused_not_zero_filled(public_dataset, public_settings):
    from csp_analysis.profile import CoverageError

    with pytest.raises(CoverageError, match="has no data for 2024-05, 2024-06"):
        build_profile(
            public_dataset,
            area="Shropshire",
            period="2025-26Q1",
            theme=public_settings.themes["overview"],
        )


def test_csp_tables_on_public_data(public_data, tmp_path, capsys):
    code = main(["tables", "--config", "config/west-mercia-public.yaml", "--out", str(tmp_path)])
    assert code == 0
    for area in ("shropshire", "telford-and-wrekin"):
        top = pd.read_csv(tmp_path / area / "overview" / "top_wards.csv")
        assert list(top.columns) == [
            "rank",
            "ward_code",
            "ward_name",
            "count",
            "share_pct",
            "cumulative_share_pct",
            "rate_per_1000",
            "rate_lower",
            "rate_upper",
            "rate_per_1000_per_year",
            "rate_per_year_lower",
            "rate_per_year_upper",
        ]
        assert len(top) == 10
        assert (tmp_path / area / "domestic_abuse" / "unavailable.txt").exists()
        assert (tmp_path / area / "asb" / "headline.csv").exists()
    assert "Domestic abuse: not available" in capsys.readouterr().out


def test_rates_use_the_mid_2024_estimates(public_data, public_dataset, public_settings):
    # The ONS mid-2024 estimate of each area: its single years of age added up (0 to 90+).
    estimates = pd.read_csv(
        public_data / "population" / "ons_mye2024_persons_sya_lad23_england_wales.csv",
        encoding="utf-8-sig",
    ).set_index("Code")
    ages = [str(age) for age in range(90)] + ["90+"]
    wards = public_dataset.wards.merge(public_dataset.population, on="ward_code")
    for code in (TELFORD, SHROPSHIRE):
        total = estimates.loc[code, ages].sum()
        assert wards.loc[wards["area_code"] == code, "population"].sum() == pytest.approx(total)
    assert estimates.loc[TELFORD, ages].sum() == 195_952  # PROVENANCE.md section 4
    factors = public_dataset.population_factors.set_index("area_code")["factor"]
    assert factors[TELFORD] == pytest.approx(195_952 / 185_543)  # Census 2021: 185,543
    profile = build_profile(
        public_dataset,
        area="Telford and Wrekin",
        period="2024-25Q4",
        theme=public_settings.themes["overview"],
    )
    assert any(
        note.startswith("Rates use ONS mid-2024 population estimates: Census 2021")
        and "Telford and Wrekin: 185,543 to 195,952, a factor of 1.056" in note
        for note in profile.notes
    )
    headline = profile.headline.set_index("measure")
    rate = headline.loc["rate_per_1000", "current"]
    assert rate == pytest.approx(profile.change.current / 195_952 * 1000)
    assert headline.loc["rate_per_1000_per_year", "current"] == pytest.approx(4 * rate)
