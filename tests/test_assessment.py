"""The strategic assessment: harm, places and peers across every theme of one area and year.

The statistics themselves are tested against published reference values in
test_harm.py (PHE DSR), test_places.py (lorenzgini, esda, Ord and Getis, sfhotspot) and
test_peers.py (R poisson.test, PHStatsMethods funnels, FunnelPlotR); here the assessment
must use them as they are, account for every record, and publish safely.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import left_aligned

from csp_analysis import gini, harm_index, places, top_share
from csp_analysis.assessment import (
    assessment_period,
    build_assessment,
    protect_assessment,
    round_counts,
)
from csp_analysis.demo import LATEST_QUARTER
from csp_analysis.profile import CoverageError
from csp_analysis.publication import area_profiles

WEST_MERCIA = {
    "E06000051": "Shropshire",
    "E06000020": "Telford and Wrekin",
    "E22000326": "Herefordshire",
    "E22000368": "North Worcestershire",
    "E22000332": "South Worcestershire",
}


@pytest.fixture(scope="module")
def demo_assessment(demo_dataset, demo_settings, demo_profiles):
    return build_assessment(
        demo_dataset, demo_settings, area="Demoshire", period=LATEST_QUARTER, profiles=demo_profiles
    )


@pytest.fixture(scope="module")
def public_assessment(public_dataset, public_settings):
    profiles = area_profiles(
        public_dataset, public_settings, area="Telford and Wrekin", period="2024-25Q4"
    )
    return build_assessment(
        public_dataset,
        public_settings,
        area="Telford and Wrekin",
        period="2024-25Q4",
        profiles=profiles,
    )


def test_the_year_is_the_financial_year_or_the_twelve_months_to_the_period():
    assert assessment_period("2025-26Q4").label == "2025-26"
    year = assessment_period("2025-26Q2")
    assert (str(year.start), str(year.end)) == ("2024-10", "2025-09")
    assert assessment_period("2024-25Q4", "2025-01:2025-12").describe() == (
        "January 2025 to December 2025"
    )


@pytest.fixture(scope="module")
def year_crimes(demo_assessment, demo_dataset):
    """Demoshire's crimes in the assessment year."""
    crimes = demo_dataset.crimes
    year = demo_assessment.period
    return crimes.loc[
        crimes["month"].between(year.start, year.end) & crimes["area_code"].eq("X06000001")
    ]


def test_every_theme_has_a_row_of_the_priorities_matrix(
    demo_assessment, demo_settings, year_crimes
):
    table = demo_assessment.priorities
    assert list(table["theme"]) == list(demo_settings.themes)
    overview = table.set_index("theme").loc["overview"]
    assert overview["harm_share_pct"] == pytest.approx(100)
    assert overview["count"] == len(year_crimes)  # every crime of the area in the year
    # themes inside all crime do a share of its harm; ASB has no severity weights
    shares = table.set_index("theme")["harm_share_pct"]
    assert (shares.drop(["overview", "asb"]) < 100).all()
    assert np.isnan(shares["asb"])


def test_ward_harm_is_the_harm_index_of_the_wards(demo_assessment, year_crimes):
    wards = demo_assessment.harm.set_index("ward_code")
    located = year_crimes.loc[year_crimes["ward_code"].notna()]
    expected = harm_index(located, units=list(wards.index)).set_index("ward_code")
    assert wards["harm"].to_numpy() == pytest.approx(expected["harm"].to_numpy())
    assert (wards["count"] == expected["count"]).all()
    # ranks run from 1 and every interval holds its rank
    assert wards["rank"].min() == 1
    assert (wards["rank_lower"] <= wards["rank"]).all()
    assert (wards["rank"] <= wards["rank_upper"]).all()


def test_concentration_is_gini_and_top_share_of_the_ward_counts(demo_assessment):
    counts = demo_assessment.harm["count"].to_numpy(dtype=float)
    values = demo_assessment.concentration.set_index(["of", "measure"])["value"]
    assert values["crime", "gini"] == pytest.approx(gini(counts))
    assert values["crime", "generalised_gini"] == pytest.approx(gini(counts, generalised=True))
    assert values["crime", "top_10pct_share"] == pytest.approx(top_share(counts, fraction=0.1))
    lorenz = demo_assessment.lorenz
    assert set(lorenz["of"]) == {"crime", "harm"}


def test_hotspots_control_the_false_discovery_rate_across_every_area(demo_assessment, demo_dataset):
    """The area's rows are those of Gi* over every area's wards together (FDR across all)."""
    crimes = demo_dataset.crimes
    year = demo_assessment.period
    in_year = crimes.loc[crimes["month"].between(year.start, year.end)]
    everywhere = places.ward_hotspots(demo_dataset.wards, in_year["ward_code"].value_counts())
    mine = everywhere.loc[everywhere["area_code"] == "X06000001"].set_index("ward_code")
    table = demo_assessment.hotspots.set_index("ward_code")
    assert (table["hotspot"] == mine.loc[table.index, "hotspot"]).all()
    assert table["q_value"].to_numpy() == pytest.approx(mine.loc[table.index, "q_value"])
    assert {"pattern", "quarters"} <= set(table.columns)


def test_the_demo_force_gives_peers_and_a_funnel(demo_assessment):
    peers = demo_assessment.peers
    overview = peers.loc[peers["theme"] == "overview"]
    assert len(overview) == 5 and overview["is_area"].sum() == 1
    assert overview["count"].sum() > overview.loc[overview["is_area"], "count"].iloc[0]
    limits = demo_assessment.funnels["overview"]
    assert {"population", "target", "lower_95", "upper_95", "lower_998", "upper_998"} <= set(
        limits.columns
    )
    assert demo_assessment.funnel_methods


def test_the_peers_table_lines_up_its_numbers(demo_assessment):
    from csp_analysis import report

    styled = report.peers_table(demo_assessment)
    assert len(styled.data) == 5
    assert left_aligned(styled) == ["Area", "Against the other areas"]  # "Likely range": numbers
    assert styled.data["Likely range"].str.contains("\u00a0to\u00a0").all()


def test_the_board_version_rounds_year_counts_and_drops_test_statistics(demo_assessment):
    board = protect_assessment(demo_assessment, threshold=4)
    counts = board.harm["count"]
    numbers = counts[counts.map(lambda v: not isinstance(v, str))].astype(int)
    assert (numbers % 10 == 0).all()
    small = counts.map(lambda v: v == "<10")
    assert board.harm.loc[small, "harm"].isna().all()
    assert not {"weighted", "mean_severity"} & set(board.harm.columns)
    assert not {"z", "p", "q_value", "count"} & set(board.hotspots.columns)
    assert demo_assessment.restricted and not board.restricted


def test_round_counts():
    counts = pd.Series([0, 1, 9, 10, 14, 15, 24, 25, 1234])
    assert round_counts(counts).tolist() == [0, "<10", "<10", 10, 10, 20, 20, 30, 1230]


def test_a_year_the_data_does_not_cover_is_refused_with_the_months(demo_dataset, demo_settings):
    from dataclasses import replace

    settings = replace(demo_settings, assessment_period="2030-31")
    with pytest.raises(CoverageError, match="2030-04"):
        build_assessment(
            demo_dataset, settings, area="Demoshire", period=LATEST_QUARTER, profiles={}
        )


# ------------------------------------------------------------------- the public data


def test_peers_are_the_five_west_mercia_csps_from_the_real_data(
    public_assessment, public_dataset, public_data
):
    """Shropshire and Telford and Wrekin from the wards; the other three CSPs from the
    LSOA names of the data.police.uk rows, with ONS mid-2024 populations."""
    table = public_assessment.peers
    overview = table.loc[table["theme"] == "overview"].set_index("area_code")
    assert set(overview.index) == set(WEST_MERCIA)
    assert overview.loc["E06000020", "is_area"]
    # North Worcestershire = Bromsgrove + Redditch + Wyre Forest (ONS mid-2024)
    mye = pd.read_csv(
        public_data / "population" / "ons_mye2024_persons_sya_lad23_england_wales.csv",
        thousands=",",
    ).set_index("Name")["All ages"]
    north = sum(int(mye[name]) for name in ("Bromsgrove", "Redditch", "Wyre Forest"))
    assert overview.loc["E22000368", "population"] == north
    # Herefordshire's crimes are the rows whose LSOA name says Herefordshire, in 2025
    crimes = public_dataset.crimes
    in_2025 = crimes["month"].between(pd.Period("2025-01", "M"), pd.Period("2025-12", "M"))
    hereford = crimes["lsoa_name"].fillna("").str.startswith("Herefordshire")
    assert overview.loc["E22000326", "count"] == int((in_2025 & hereford).sum())
    # Telford's count is its all-crime total for the year
    priorities = public_assessment.priorities.set_index("theme")
    assert overview.loc["E06000020", "count"] == priorities.loc["overview", "count"]


def test_public_harm_uses_crime_type_weights_labelled_as_approximate(public_assessment):
    assert "approximate weight" in public_assessment.weights_note
    categories = public_assessment.categories.set_index("category")
    assert categories.loc["Violence and sexual offences", "share_of_harm_pct"] > 50
    assert categories["weighted"].sum() == categories["count"].sum()


def test_public_localities_weigh_deprivation(public_assessment):
    localities = public_assessment.localities
    assert {"deprivation_rank", "priority_rank", "years_in_top"} <= set(localities.columns)
    assert localities["priority_rank"].iloc[0] == 1
    assert any("pool 1 year" in note for note in public_assessment.notes)


BENCHMARK_HEADER = (
    "Financial Year,Financial Quarter,Force Name,CSP Name,Offence Description,Offence Group,"
    "Offence Subgroup,Offence Code,Number of Offences"
)
#: Home Office CSP-table rows (offence description, group, subgroup, code as published).
ASSAULT = "Assault with injury,Violence against the person,Violence with injury,8N"
SHOPLIFTING = "Shoplifting,Theft offences,Shoplifting,46"
CANNABIS = "Possession of cannabis,{group},Possession of drugs,92E"
BENCHMARK_ROWS = [
    f"2024/25,4,West Mercia,Telford and Wrekin,{ASSAULT},410",
    f"2024/25,4,West Mercia,Telford and Wrekin,{SHOPLIFTING},520",
    f"2024/25,4,West Mercia,Telford and Wrekin,{CANNABIS.format(group='Drug Offences')},60",
    f"2024/25,3,West Mercia,Telford and Wrekin,{SHOPLIFTING},999",
    f"2024/25,4,West Mercia,Shropshire,{ASSAULT},450",
    f"2024/25,4,West Mercia,Shropshire,{SHOPLIFTING},600",
    f"2024/25,4,Staffordshire,Stoke-on-Trent,{ASSAULT},700",
    f"2024/25,4,Staffordshire,Stoke-on-Trent,{SHOPLIFTING},900",
    f"2024/25,4,Staffordshire,Stoke-on-Trent,{CANNABIS.format(group='Drug offences')},150",
    f"2024/25,4,Staffordshire,Cannock Chase,{ASSAULT},120",
]
BENCHMARK = "\n".join([BENCHMARK_HEADER, *BENCHMARK_ROWS]) + "\n"


def test_the_home_office_tables_are_a_second_comparison(public_data, tmp_path):
    """A deployment's benchmark/ folder in the Home Office format: every CSP it names is
    compared, from its counts for the period's financial quarters, for the themes the
    tables can give (not domestic abuse or hate crime, which they do not flag)."""
    from csp_analysis.config import PROJECT_ROOT, load_settings
    from csp_analysis.load import load_dataset

    for item in public_data.iterdir():
        (tmp_path / item.name).symlink_to(item)
    (tmp_path / "benchmark").mkdir()
    (tmp_path / "benchmark" / "prc-csp-2024-25.csv").write_text(BENCHMARK, encoding="utf-8")
    settings = load_settings(PROJECT_ROOT / "config" / "west-mercia-public.yaml", data_dir=tmp_path)
    dataset = load_dataset(settings)
    profiles = area_profiles(dataset, settings, area="Telford and Wrekin", period="2024-25Q4")

    def bench(theme):
        table = profiles[theme].peers
        return table.loc[table["comparison"] == "benchmark"].set_index("area_name")

    overview = bench("overview")
    assert set(overview.index) == {
        "Telford and Wrekin",
        "Shropshire",
        "Stoke-on-Trent",
        "Cannock Chase",
    }
    assert overview.loc["Telford and Wrekin", "count"] == 410 + 520 + 60  # Q4 only
    assert overview.loc["Telford and Wrekin", "is_area"]
    assert bench("serious_violence")["count"].to_dict() == {
        "Telford and Wrekin": 410,
        "Shropshire": 450,
        "Stoke-on-Trent": 700,
        "Cannock Chase": 120,
    }
    # "Drug Offences" and "Drug offences" are one group
    assert bench("drugs").loc[["Telford and Wrekin", "Stoke-on-Trent"], "count"].tolist() == [
        60,
        150,
    ]
    # the data's own comparison is still there, with the five West Mercia CSPs
    data = profiles["overview"].peers
    assert (data["comparison"] == "data").sum() == 5


def test_a_withheld_peer_count_cannot_be_worked_back_from_the_pooled_figures():
    """The area's ratio to the others pooled, or the funnel's centre, would give the sum of
    the other areas' counts, and with the published ones the withheld count."""
    from csp_analysis.peers import compare_peers
    from csp_analysis.publication import protect_peers

    table = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "D"],
            "area_name": ["Ay", "Bee", "Sea", "Dee"],
            "count": [40, 3, 25, 30],
            "population": [100_000, 60_000, 80_000, 90_000],
        }
    )
    exact = compare_peers(table, area="A").assign(comparison="data")
    # the exact table gives B's 3 back: A's ratio pools the others
    a = exact.set_index("area_code").loc["A"]
    others = (a["count"] / 100_000) / a["ratio_to_peers"] * (60_000 + 80_000 + 90_000)
    assert round(others - 25 - 30) == 3
    board = protect_peers(exact, threshold=4).set_index("area_code")
    assert board.loc["B", "count"] == "<5"
    pooled = ["ratio_to_peers", "ratio_lower", "ratio_upper", "funnel_baseline", "funnel_tau2"]
    assert board[pooled].isna().all().all()
    assert board.loc[["A", "C", "D"], "rank"].tolist() == [1, 3, 2]  # among the areas shown
    assert board.loc["A", "count"] == 40 and board.loc["C", "rate_per_1000"] > 0


def test_an_assessment_period_that_is_not_a_year_is_refused(tmp_path):
    from csp_analysis.config import PROJECT_ROOT, load_settings
    from csp_analysis.read import InputError

    text = (PROJECT_ROOT / "config" / "demo.yaml").read_text() + "assessment_period: 2025-26Q4\n"
    (tmp_path / "x.yaml").write_text(text)
    (tmp_path / "themes.yaml").write_text((PROJECT_ROOT / "config" / "themes.yaml").read_text())
    with pytest.raises(InputError, match=r"x.yaml line \d+: column 'assessment_period' = "):
        load_settings(tmp_path / "x.yaml", data_dir=tmp_path)


def test_a_peer_list_names_only_known_areas(demo_dir, tmp_path):
    from csp_analysis.config import PROJECT_ROOT, load_settings
    from csp_analysis.load import load_dataset
    from csp_analysis.read import InputError

    for item in demo_dir.iterdir():
        (tmp_path / item.name).symlink_to(item)
    settings = load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=tmp_path)
    (tmp_path / "peers.csv").write_text("area_code,peer_code\nX06000001,X06000002\n")
    dataset = load_dataset(settings)
    # The exact profiles: the peer list decides which areas are compared, whichever version.
    profiles = area_profiles(
        dataset, settings, area="Demoshire", period=LATEST_QUARTER, restricted=True
    )
    compared = profiles["overview"].peers
    assert set(compared["area_code"]) == {"X06000001", "X06000002"}  # the list, and itself
    (tmp_path / "peers.csv").write_text("area_code,peer_code\nX06000001,X0600002\n")
    with pytest.raises(InputError, match="peers.csv line 2: column 'peer_code' = 'X0600002'"):
        load_dataset(settings)
