"""Tests for the synthetic Demoshire data and its force (csp_analysis.demo).

The plausibility checks read as the specification of the demo data: Demoshire's shape
follows the seed needs assessment (Shropshire, 2023/24) without being real; its peers
differ from it as real partnerships of one force do.
"""

import hashlib
import json
import re
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from csp_analysis import demo
from csp_analysis.classify import SUBGROUP_GROUPS

SCALE = 0.1  # about 1,800 crimes a year: quick, and enough for shares to settle


CONTRACT_COLUMNS = {
    "population.csv": ["ward_code", "population"],
    "crimes.csv": [
        "crime_id",
        "date",
        "offence",
        "offence_code",
        "offence_subgroup",
        "offence_group",
        "latitude",
        "longitude",
        "ward_code",
        "area_code",
        "domestic_abuse",
        "hate_strands",
        "weapon",
        "alcohol_related",
        "town",
    ],
    "nominals.csv": ["crime_id", "person_id", "role", "age", "sex", "ethnicity"],
    "asb.csv": ["incident_id", "date", "category", "source", "easting", "northing", "ward_code"],
}


@pytest.fixture(scope="module")
def force() -> demo.DemoData:
    """Every area of the synthetic force."""
    return demo.make_demo_data(seed=11, scale=SCALE)


@pytest.fixture(scope="module")
def data(force) -> demo.DemoData:
    """Demoshire's part of the force."""
    return force.area(demo.AREA_CODE)


@pytest.fixture(scope="module")
def full_force() -> demo.DemoData:
    return demo.make_demo_data()


@pytest.fixture(scope="module")
def full(full_force) -> demo.DemoData:
    return full_force.area(demo.AREA_CODE)


@pytest.fixture(scope="module")
def full_folder(tmp_path_factory):
    """The files of ``make demo`` (seed 2025, scale 1) and the seconds it took to write them."""
    folder = tmp_path_factory.mktemp("full")
    start = time.perf_counter()
    demo.write_demo_data(folder)
    return folder, time.perf_counter() - start


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[list, object]:
    out = tmp_path_factory.mktemp("demoshire")
    return demo.write_demo_data(out, seed=5, scale=0.05), out


def financial_year(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    start = d.dt.year - (d.dt.month < 4)
    return start.astype(str) + "-" + ((start + 1) % 100).astype(str).str.zfill(2)


def crime_wards(data: demo.DemoData) -> pd.Series:
    """Ward name of each crime: from its coordinates, else its ward_code, else Unknown."""
    crimes = data.crimes
    points = gpd.GeoDataFrame(
        crimes[["crime_id"]],
        geometry=gpd.points_from_xy(crimes["longitude"], crimes["latitude"]),
        crs="EPSG:4326",
    ).to_crs(demo.BNG)
    located = crimes["latitude"].notna()
    joined = gpd.sjoin(points[located], data.wards, how="left", predicate="within")
    names = data.wards.set_index("ward_code")["ward_name"]
    by_code = crimes["ward_code"].map(names)
    return joined["ward_name"].reindex(crimes.index).fillna(by_code).fillna("Unknown ward")


# --- determinism ----------------------------------------------------------------------


def test_same_seed_gives_identical_frames():
    a = demo.make_demo_data(seed=3, scale=0.02)
    b = demo.make_demo_data(seed=3, scale=0.02)
    for name in ("population", "crimes", "nominals", "asb"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.wards.geom_equals_exact(b.wards, tolerance=0).all()


def test_different_seeds_give_different_records_on_the_same_map():
    a = demo.make_demo_data(seed=1, scale=0.02)
    b = demo.make_demo_data(seed=2, scale=0.02)
    assert not a.crimes["date"].equals(b.crimes["date"])
    pd.testing.assert_frame_equal(a.population, b.population)
    assert a.wards.geom_equals_exact(b.wards, tolerance=0).all()


def test_same_seed_writes_identical_files(tmp_path):
    first = demo.write_demo_data(tmp_path / "a", seed=9, scale=0.02)
    second = demo.write_demo_data(tmp_path / "b", seed=9, scale=0.02)
    for p, q in zip(first, second, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_scale_must_be_positive():
    with pytest.raises(ValueError, match="scale"):
        demo.make_demo_data(scale=0)


# --- geography ------------------------------------------------------------------------


def test_about_forty_valid_wards_in_one_invented_area(data):
    wards = data.wards
    assert 35 <= len(wards) <= 45
    assert wards.crs.to_epsg() == 27700
    assert wards.geometry.is_valid.all()
    assert list(wards.columns) == [
        "ward_code",
        "ward_name",
        "area_code",
        "area_name",
        "town",
        "geometry",
    ]
    assert wards["ward_code"].is_unique and wards["ward_name"].is_unique
    assert wards["ward_code"].str.fullmatch(r"X05\d{6}").all()
    assert (wards["area_code"] == demo.AREA_CODE).all()
    assert (wards["area_name"] == "Demoshire").all()
    assert demo.AREA_NAME == "Demoshire"
    assert demo.AREA_CODE.startswith("X")


def test_wards_tile_the_county_without_overlaps(data):
    geometry = data.wards.geometry
    union_area = geometry.union_all().area
    assert geometry.area.sum() == pytest.approx(union_area, rel=1e-9)
    assert 2_000e6 < union_area < 4_500e6  # a county of 2,000 to 4,500 square km


def test_county_town_has_small_dense_wards_and_rural_wards_are_large(data):
    wards = data.wards.merge(data.population, on="ward_code")
    density = wards["population"] / (wards.area / 1e6)
    centre = wards["ward_name"] == demo.TOWN_CENTRE_WARD
    assert wards.loc[centre, "town"].item() == "Demchester"
    rural = wards["town"] == demo.RURAL_TOWN
    assert density[centre].item() > 10 * density[rural].median()
    towns = wards["town"].value_counts()
    market_towns = towns.drop(["Demchester", demo.RURAL_TOWN])
    assert 2 <= len(market_towns) <= 3 and market_towns.between(2, 4).all()


def test_population_is_about_320_thousand_and_covers_every_ward(data):
    population = data.population
    assert list(population.columns) == ["ward_code", "population"]
    assert set(population["ward_code"]) == set(data.wards["ward_code"])
    assert population["population"].sum() == pytest.approx(320_000, rel=0.03)
    assert (population["population"] > 0).all()


# --- crimes ---------------------------------------------------------------------------


def test_offence_table_uses_the_official_subgroups_and_groups():
    table = demo.offence_table()
    assert table["code"].is_unique
    assert set(table["offence_subgroup"]) == set(SUBGROUP_GROUPS)
    assert (table["offence_subgroup"].map(SUBGROUP_GROUPS) == table["offence_group"]).all()
    codes = table.set_index("code")["offence"]
    assert codes["8N"] == "Assault with injury"
    assert codes["105A"] == "Assault without injury"
    assert codes["8Q"] == "Stalking"
    assert codes["46"] == "Shoplifting"
    assert codes["28E"] == "Burglary - residential"


def test_crimes_subgroup_and_group_are_consistent(data):
    crimes = data.crimes
    assert (crimes["offence_subgroup"].map(SUBGROUP_GROUPS) == crimes["offence_group"]).all()
    table = demo.offence_table().set_index("code")
    assert (crimes["offence_code"].map(table["offence"]) == crimes["offence"]).all()


def test_crime_columns_and_ids(data):
    crimes = data.crimes
    assert list(crimes.columns) == CONTRACT_COLUMNS["crimes.csv"]
    assert "serious_violence" not in crimes.columns
    assert crimes["crime_id"].is_unique
    assert crimes["crime_id"].str.fullmatch(r"DC\d+").all()
    assert (crimes["area_code"] == demo.AREA_CODE).all()
    assert set(crimes["domestic_abuse"]) == {"Y", "N"}
    assert set(crimes["alcohol_related"]) == {"Y", "N"}


def test_dates_cover_three_financial_years(data):
    dates = data.crimes["date"]
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    months = dates.str[:7]
    assert months.min() == demo.FIRST_MONTH and months.max() == demo.LAST_MONTH
    assert months.nunique() == 36
    assert sorted(financial_year(dates).unique()) == ["2023-24", "2024-25", "2025-26"]


def test_full_scale_volumes_follow_the_seed_profile(full):
    crimes = full.crimes.assign(year=financial_year(full.crimes["date"]))
    per_year = crimes.groupby("year").size()
    assert per_year["2025-26"] == pytest.approx(18_200, rel=0.05)
    # overall falling about 5% a year
    assert per_year["2024-25"] / per_year["2023-24"] == pytest.approx(0.95, abs=0.02)
    assert per_year["2025-26"] / per_year["2024-25"] == pytest.approx(0.95, abs=0.02)
    latest = crimes[crimes["year"] == "2025-26"]
    share = latest["offence_subgroup"].value_counts(normalize=True)
    assert share["Violence without injury"] == pytest.approx(0.15, abs=0.02)
    assert share["Stalking and harassment"] == pytest.approx(0.13, abs=0.02)
    assert share.index[0] == "Violence without injury"
    violence_with_injury = latest[latest["offence_subgroup"] == "Violence with injury"]
    assert len(violence_with_injury) == pytest.approx(2_228, rel=0.08)
    assert (violence_with_injury["offence"] == "Assault with injury").mean() > 0.85
    assert (latest["domestic_abuse"] == "Y").sum() == pytest.approx(5_049, rel=0.1)
    assert (latest["hate_strands"] != "").sum() == pytest.approx(340, rel=0.15)
    assert (latest["offence_group"] == "Drug offences").sum() == pytest.approx(396, rel=0.12)
    full_asb_latest = (financial_year(full.asb["date"]) == "2025-26").sum()
    assert full_asb_latest == pytest.approx(3_430, rel=0.05)


def test_shoplifting_rises_strongly_while_crime_falls(full):
    crimes = full.crimes.assign(year=financial_year(full.crimes["date"]))
    shoplifting = crimes[crimes["offence_subgroup"] == "Shoplifting"].groupby("year").size()
    assert shoplifting["2025-26"] / shoplifting["2024-25"] > 1.3


def test_scale_multiplies_record_volumes(data, full):
    assert len(data.crimes) == pytest.approx(SCALE * len(full.crimes), rel=0.05)
    assert len(data.asb) == pytest.approx(SCALE * len(full.asb), rel=0.1)
    pd.testing.assert_frame_equal(data.population, full.population)


def test_town_centre_ward_has_about_8_percent_of_crime(data):
    shares = crime_wards(data).value_counts(normalize=True)
    assert shares.index[0] == demo.TOWN_CENTRE_WARD
    assert shares.iloc[0] == pytest.approx(0.08, abs=0.02)
    assert shares.iloc[1] < 0.06  # one clear hotspot, not several


def test_crime_locations(data):
    crimes = data.crimes
    no_coordinates = crimes["latitude"].isna()
    assert (crimes["longitude"].isna() == no_coordinates).all()
    assert no_coordinates.mean() == pytest.approx(0.02, abs=0.008)
    # coordinates or a ward, never both; a few records have neither (Unknown ward)
    ward_given = crimes["ward_code"] != ""
    assert not (ward_given & ~no_coordinates).any()
    assert set(crimes.loc[ward_given, "ward_code"]) <= set(data.wards["ward_code"])
    neither = no_coordinates & ~ward_given
    assert 0 < neither.mean() < 0.01
    # every located crime is inside a ward of the area
    assert (crime_wards(data)[~no_coordinates] != "Unknown ward").all()
    assert set(crimes["town"]) - {""} == set(data.wards["town"])


def test_domestic_abuse_share_and_where_it_is(data):
    crimes = data.crimes
    domestic = crimes["domestic_abuse"] == "Y"
    assert 0.20 <= domestic.mean() <= 0.35
    violence = crimes["offence_group"] == "Violence against the person"
    assert violence[domestic].mean() > 0.75
    assert domestic[crimes["offence_code"] == "8U"].all()  # controlling or coercive behaviour
    assert not domestic[crimes["offence_subgroup"] == "Shoplifting"].any()


def test_hate_strands(full):
    crimes = full.crimes
    strands = crimes.loc[crimes["hate_strands"] != "", "hate_strands"].str.split(";")
    assert set(strands.explode()) <= set(demo.HATE_STRANDS)
    assert (strands.str.len() == 2).any()  # a few crimes carry two strands
    share = strands.explode().value_counts(normalize=True)
    assert share.index[0] == "race"
    assert share["race"] == pytest.approx(0.58, abs=0.06)
    assert share["sexual_orientation"] == pytest.approx(0.22, abs=0.05)
    assert share["disability"] == pytest.approx(0.10, abs=0.04)
    aggravated = crimes["offence"].str.startswith("Racially or religiously aggravated")
    assert crimes.loc[aggravated, "hate_strands"].str.contains("race|religion").all()


def test_weapons_mostly_on_violence_robbery_and_weapons_offences(full):
    crimes = full.crimes
    armed = crimes["weapon"] != ""
    assert set(crimes.loc[armed, "weapon"]) <= {"knife/sharp instrument", "firearm", "other weapon"}
    assert armed.mean() < 0.1
    groups = ["Violence against the person", "Robbery", "Possession of weapons offences"]
    assert crimes.loc[armed, "offence_group"].isin(groups).mean() > 0.8
    knives = crimes["offence_code"] == "10D"
    assert (crimes.loc[knives, "weapon"] == "knife/sharp instrument").all()


def test_summer_peak(full):
    months = pd.to_datetime(full.crimes["date"]).dt.month.value_counts()
    assert months[7] / months[2] == pytest.approx(1.2, abs=0.08)  # per day about +12%
    asb_months = pd.to_datetime(full.asb["date"]).dt.month.value_counts()
    assert asb_months[7] > 1.15 * asb_months[2]


# --- nominals -------------------------------------------------------------------------


def test_nominals_refer_to_crimes_and_are_unique(data):
    nominals = data.nominals
    assert list(nominals.columns) == CONTRACT_COLUMNS["nominals.csv"]
    assert nominals["crime_id"].isin(data.crimes["crime_id"]).all()
    assert not nominals.duplicated(["crime_id", "person_id", "role"]).any()
    assert nominals["person_id"].str.fullmatch(r"P\d+").all()
    assert set(nominals["role"]) == {"victim", "suspect"}
    assert set(nominals["sex"]) == {"female", "male", "unknown"}


def test_one_victim_at_most_and_none_for_crimes_against_the_state(data):
    nominals = data.nominals
    victims = nominals[nominals["role"] == "victim"]
    assert victims["crime_id"].is_unique
    with_victim = data.crimes["crime_id"].isin(victims["crime_id"])
    groups = data.crimes["offence_group"]
    no_victim = groups.isin(["Drug offences", "Possession of weapons offences"])
    assert not with_victim[no_victim].any()
    assert not with_victim[data.crimes["offence_subgroup"] == "Shoplifting"].any()
    assert with_victim[groups == "Violence against the person"].all()
    suspects_per_crime = (nominals["role"] == "suspect").sum() / len(data.crimes)
    assert suspects_per_crime == pytest.approx(0.7, abs=0.1)


def test_people_by_role_look_like_the_seed(full):
    nominals = full.nominals
    roles = nominals.groupby("person_id")["role"].nunique()
    both = roles[roles == 2].index
    assert len(both) / len(roles) == pytest.approx(0.13, abs=0.03)
    people = nominals.drop_duplicates("person_id").set_index("person_id")
    only = nominals.groupby("person_id")["role"].first()[roles == 1]
    known = people["sex"] != "unknown"
    suspects = known & people.index.isin(only[only == "suspect"].index)
    victims = known & people.index.isin(only[only == "victim"].index)
    assert (people.loc[suspects, "sex"] == "male").mean() == pytest.approx(0.85, abs=0.04)
    assert (people.loc[victims, "sex"] == "female").mean() == pytest.approx(0.48, abs=0.05)
    # domestic abuse victims are mostly women
    domestic = full.crimes.loc[full.crimes["domestic_abuse"] == "Y", "crime_id"]
    da_victims = nominals[nominals["crime_id"].isin(domestic) & (nominals["role"] == "victim")]
    assert (da_victims["sex"] == "female").mean() > 0.65
    # peak ages 10-29, and nobody under 10 is a suspect
    ages = nominals["age"].dropna()
    assert ((ages >= 10) & (ages <= 29)).mean() > 0.35
    assert (nominals.loc[nominals["role"] == "suspect", "age"].dropna() >= 10).all()
    # ethnicity: 17% not stated, otherwise mostly White British
    assert (people["ethnicity"] == "").mean() == pytest.approx(0.17, abs=0.02)
    stated = people.loc[people["ethnicity"] != "", "ethnicity"]
    white_british = "White: English, Welsh, Scottish, Northern Irish or British"
    assert (stated == white_british).mean() > 0.85


def test_repeat_victims_and_a_person_keeps_their_details(full):
    nominals = full.nominals
    da_crimes = full.crimes.loc[full.crimes["domestic_abuse"] == "Y", "crime_id"]
    da_victims = nominals[nominals["crime_id"].isin(da_crimes) & (nominals["role"] == "victim")]
    assert (da_victims["person_id"].value_counts() > 1).mean() > 0.15
    details = nominals.drop_duplicates(["person_id", "sex", "ethnicity"])
    assert details["person_id"].is_unique


def test_offence_fixes_victim_sex_and_age(full):
    victims = full.nominals[full.nominals["role"] == "victim"].merge(
        full.crimes[["crime_id", "offence_code"]], on="crime_id"
    )
    girls = victims[victims["offence_code"] == "19E"]  # rape of a female child under 13
    assert (girls["sex"] == "female").all() and (girls["age"].dropna() < 13).all()


# --- ASB ------------------------------------------------------------------------------


def test_asb_columns_categories_and_sources(data):
    asb = data.asb
    assert list(asb.columns) == CONTRACT_COLUMNS["asb.csv"]
    assert asb["incident_id"].is_unique
    category = asb["category"].value_counts(normalize=True)
    assert category["nuisance"] == pytest.approx(0.84, abs=0.04)
    assert category["personal"] == pytest.approx(0.11, abs=0.03)
    assert category["environmental"] == pytest.approx(0.05, abs=0.025)
    assert (asb["source"] == "police").mean() == pytest.approx(0.8, abs=0.04)


def test_asb_coordinates_fall_inside_their_ward(data):
    assert data.asb["ward_code"].isin(data.wards["ward_code"]).all()  # always given
    asb = data.asb.dropna(subset=["easting", "northing"])
    assert len(asb) / len(data.asb) == pytest.approx(0.98, abs=0.01)
    points = gpd.GeoDataFrame(
        asb, geometry=gpd.points_from_xy(asb["easting"], asb["northing"]), crs=demo.BNG
    )
    joined = gpd.sjoin(points, data.wards, how="left", predicate="within")
    assert (joined["ward_code_left"] == joined["ward_code_right"]).all()


def test_town_centre_has_about_13_percent_of_asb(data):
    names = data.wards.set_index("ward_code")["ward_name"]
    shares = data.asb["ward_code"].map(names).value_counts(normalize=True)
    assert shares.index[0] == demo.TOWN_CENTRE_WARD
    assert shares.iloc[0] == pytest.approx(0.13, abs=0.03)


# --- files ----------------------------------------------------------------------------


def test_files_written_in_the_canonical_form(written):
    paths, out = written
    names = [p.name for p in paths]
    assert names == [
        "wards.geojson",
        "population.csv",
        "crimes.csv",
        "nominals.csv",
        "asb.csv",
        "SYNTHETIC_DATA.md",
    ]
    assert all(p.parent == out and p.exists() for p in paths)
    for name, columns in CONTRACT_COLUMNS.items():
        assert list(pd.read_csv(out / name, nrows=0).columns) == columns, name
    wards = gpd.read_file(out / "wards.geojson")
    assert wards.crs.to_epsg() == 4326
    assert {"ward_code", "ward_name", "area_code", "area_name"} <= set(wards.columns)


def test_synthetic_note_names_the_generator_and_seed(written):
    _, out = written
    note = (out / demo.SYNTHETIC_MARKER).read_text(encoding="utf-8")
    assert "synthetic" in note.lower()
    assert "csp_analysis.demo" in note and "seed=5" in note


def test_written_coordinates_fall_inside_written_wards(written):
    _, out = written
    wards = gpd.read_file(out / "wards.geojson").to_crs(demo.BNG)
    crimes = pd.read_csv(out / "crimes.csv", dtype=str, keep_default_na=False)
    crimes = crimes[crimes["latitude"] != ""]
    points = gpd.GeoDataFrame(
        crimes,
        geometry=gpd.points_from_xy(
            crimes["longitude"].astype(float), crimes["latitude"].astype(float)
        ),
        crs="EPSG:4326",
    ).to_crs(demo.BNG)
    joined = gpd.sjoin(points, wards, how="left", predicate="within")
    assert joined["ward_code_right"].notna().all()
    asb = pd.read_csv(out / "asb.csv").dropna(subset=["easting"])
    points = gpd.GeoDataFrame(
        asb, geometry=gpd.points_from_xy(asb["easting"], asb["northing"]), crs=demo.BNG
    )
    joined = gpd.sjoin(points, wards, how="left", predicate="within")
    assert (joined["ward_code_left"] == joined["ward_code_right"]).all()


def test_full_scale_write_is_quick(full_folder):
    folder, seconds = full_folder
    assert seconds < 15
    population = pd.read_csv(folder / "population.csv")
    assert np.isclose(population["population"].sum(), 790_000, rtol=0.03)  # the five areas
    home = population["ward_code"].str.startswith("X05000")
    assert np.isclose(population.loc[home, "population"].sum(), 320_000, rtol=0.03)


# --- the force: Demoshire and its peers -----------------------------------------------

#: The areas of the force and their residents, as the demo's specification sets them:
#: five partnerships of clearly different sizes, from 80,000 to 320,000 residents.
FORCE_AREAS = {
    "X06000001": ("Demoshire", 320_000),
    "X06000002": ("Gullhaven", 165_000),
    "X06000003": ("Marlstow", 125_000),
    "X06000004": ("Tarnwick", 100_000),
    "X06000005": ("Skerrowdale", 80_000),
}
#: Each area's town centre ward: where its crime concentrates.
TOWN_CENTRES = {
    "Demoshire": demo.TOWN_CENTRE_WARD,
    "Gullhaven": "Harbour and Old Town",
    "Marlstow": "Marlstow Market Cross",
    "Tarnwick": "Tarnwick Central",
    "Skerrowdale": "Skerrow Town",
}


def area_counts(data: demo.DemoData, year: str = "2025-26") -> pd.DataFrame:
    """Residents, crimes, domestic abuse crimes and ASB incidents in ``year`` by area."""
    area_of_ward = data.wards.set_index("ward_code")["area_name"]
    area_names = data.wards.drop_duplicates("area_code").set_index("area_code")["area_name"]
    crimes = data.crimes[financial_year(data.crimes["date"]) == year]
    crimes = crimes.assign(area=crimes["area_code"].map(area_names))
    asb = data.asb[financial_year(data.asb["date"]) == year]
    return pd.DataFrame(
        {
            "population": data.population.groupby(data.population["ward_code"].map(area_of_ward))[
                "population"
            ].sum(),
            "crimes": crimes.groupby("area").size(),
            "domestic_abuse": crimes[crimes["domestic_abuse"] == "Y"].groupby("area").size(),
            "asb": asb.groupby(asb["ward_code"].map(area_of_ward)).size(),
        }
    )


def dispersion_ratio(counts: pd.Series, population: pd.Series) -> float:
    """Pearson chi-squared over degrees of freedom against the pooled rate (1 = Poisson)."""
    expected = population * counts.sum() / population.sum()
    return float((((counts - expected) ** 2) / expected).sum() / (len(counts) - 1))


def test_dispersion_ratio_is_about_1_for_poisson_counts():
    rng = np.random.default_rng(0)
    population = pd.Series([320_000, 165_000, 125_000, 100_000, 80_000] * 40)
    ratios = dispersion_ratio(pd.Series(rng.poisson(population * 0.05)), population)
    assert ratios == pytest.approx(1, abs=0.3)


def test_the_force_has_five_areas_of_different_sizes(force):
    wards = force.wards.merge(force.population, on="ward_code")
    areas = wards.groupby(["area_code", "area_name"])["population"].sum()
    assert list(areas.index) == [(code, name) for code, (name, _) in FORCE_AREAS.items()]
    for (code, _), population in areas.items():
        assert population == pytest.approx(FORCE_AREAS[code][1], rel=0.01)
    assert areas.max() / areas.min() == pytest.approx(4, rel=0.05)
    assert wards["ward_code"].is_unique and wards["ward_code"].str.fullmatch(r"X05\d{6}").all()
    assert wards["area_code"].str.fullmatch(r"X06\d{6}").all()
    assert demo.FORCE_CODE.startswith("X") and demo.FORCE_NAME == "Demo Police"
    # every area has towns, and a town centre ward
    for name, centre in TOWN_CENTRES.items():
        own = wards[wards["area_name"] == name]
        assert centre in set(own["ward_name"])
        assert (own["town"] != "").all() and own["town"].nunique() >= 1


def test_the_areas_tile_the_sea_next_to_demoshire(force):
    wards = force.wards
    assert wards.geometry.is_valid.all()
    assert (wards.geometry.area > 1e6).all()  # no sliver wards (over 1 square km each)
    assert wards.geometry.area.sum() == pytest.approx(wards.geometry.union_all().area, rel=1e-9)
    areas = wards.dissolve("area_name").geometry
    assert (areas.geom_type == "Polygon").all()  # each area in one piece
    demoshire = areas["Demoshire"]
    for name in areas.index.drop("Demoshire"):  # each peer borders Demoshire
        assert areas[name].intersection(demoshire).length > 1_000, name
    # in the North Sea: east of the English coast (x > 430 km from Berwick to Flamborough)
    minx, miny, maxx, maxy = wards.total_bounds
    assert minx > 520_000 and 500_000 < miny and maxy < 620_000 and maxx < 700_000


def test_written_wards_stay_valid_in_longitude_and_latitude(full_folder):
    wards = gpd.read_file(full_folder[0] / "wards.geojson")
    assert wards.geometry.is_valid.all()
    assert set(wards["area_name"]) == {name for name, _ in FORCE_AREAS.values()}


def test_every_area_is_an_area_of_the_data_directory(demo_dataset):
    areas = demo_dataset.areas()
    assert dict(zip(areas["area_code"], areas["area_name"], strict=True)) == {
        code: name for code, (name, _) in FORCE_AREAS.items()
    }


def test_peer_records_and_no_peer_nominals(force):
    crimes, asb = force.crimes, force.asb
    assert crimes["crime_id"].is_unique and asb["incident_id"].is_unique
    assert set(crimes["area_code"]) == set(FORCE_AREAS)
    assert force.nominals["crime_id"].isin(force.area(demo.AREA_CODE).crimes["crime_id"]).all()
    # every peer's records have offence codes, and most have coordinates inside its wards
    table = demo.offence_table().set_index("code")
    assert crimes["offence_code"].isin(table.index).all()
    for code in FORCE_AREAS:
        area = force.area(code)
        assert area.crimes["latitude"].notna().mean() > 0.97
        assert len(area.asb) > 0
        located = crime_wards(area)
        assert (located[area.crimes["latitude"].notna()] != "Unknown ward").all()


def test_the_peers_add_at_most_as_many_records_as_demoshire(full_force, full):
    def records(data):
        return len(data.crimes) + len(data.nominals) + len(data.asb)

    assert records(full_force) - records(full) < records(full)


def test_peer_rates_differ_more_than_chance(full_force):
    counts = area_counts(full_force)
    rates = counts[["crimes", "domestic_abuse", "asb"]].div(counts["population"], axis=0) * 1000
    # a high-crime city, rural low-crime areas: ordered as their specification says
    assert rates["crimes"].idxmax() == "Gullhaven" and rates["crimes"].idxmin() == "Skerrowdale"
    assert rates.loc["Gullhaven", "crimes"] / rates.loc["Skerrowdale", "crimes"] > 2
    assert 30 < rates["crimes"].min() and rates["crimes"].max() < 120  # per 1,000 a year
    # overdispersed: far more variation between areas than Poisson noise (ratio 1)
    for column in ("crimes", "domestic_abuse", "asb"):
        assert dispersion_ratio(counts[column], counts["population"]) > 20, column


def test_crime_concentrates_in_each_area_town_centre(force):
    for code, (name, _) in FORCE_AREAS.items():
        area = force.area(code)
        per_ward = crime_wards(area).value_counts()
        assert per_ward.index[0] == TOWN_CENTRES[name], name
        residents = area.population.merge(area.wards, on="ward_code").set_index("ward_name")
        rate = per_ward.reindex(residents.index, fill_value=0) / residents["population"]
        assert rate[TOWN_CENTRES[name]] > 2.5 * rate.median(), name


#: Demoshire's rows must not change when its peers are added. These SHA-256 values were
#: computed from the files that the generator wrote BEFORE the peers existed (commit
#: 22d64b1, ``write_demo_data(folder, seed=7, scale=0.05)`` and ``write_demo_data(folder)``)
#: with ``demoshire_fingerprint`` below, whose line filters then kept every line.
DEMOSHIRE_FINGERPRINTS = {
    (7, 0.05): "c9b2a4751e2de6f86287bb862284b2ab8259334a9d39bd74e18e1c7d43a30273",
    (2025, 1.0): "3c875ba11d82d04502a8f47616f4989174d336b480846ca8879e8c89623c89fa",
}
#: Which lines of each file are Demoshire's (the header is always kept).
DEMOSHIRE_LINES = {
    "population.csv": rb"X05000\d{3},",  # ward_code first: Demoshire's wards
    "crimes.csv": rb".*,X06000001,",  # area_code
    "nominals.csv": rb"",  # every line: only Demoshire's crimes have victims and suspects
    "asb.csv": rb".*,X05000\d{3}\r?$",  # ward_code last
}


def demoshire_fingerprint(folder) -> str:
    """SHA-256 of Demoshire's rows in every file the generator writes, as written."""
    digest = hashlib.sha256()
    wards = json.loads((folder / "wards.geojson").read_text(encoding="utf-8"))
    home = [f for f in wards["features"] if f["properties"]["area_code"] == demo.AREA_CODE]
    digest.update(json.dumps(home, sort_keys=True).encode())
    for name, pattern in DEMOSHIRE_LINES.items():
        header, *lines = (folder / name).read_bytes().splitlines()
        digest.update(b"\n".join([header, *(line for line in lines if re.match(pattern, line))]))
    return digest.hexdigest()


def test_demoshire_rows_are_unchanged_by_its_peers(demo_dir, full_folder):
    assert demoshire_fingerprint(demo_dir) == DEMOSHIRE_FINGERPRINTS[(7, 0.05)]
    assert demoshire_fingerprint(full_folder[0]) == DEMOSHIRE_FINGERPRINTS[(2025, 1.0)]


def test_the_fingerprint_sees_a_changed_demoshire_row(tmp_path, demo_dir):
    for path in demo_dir.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    crimes = (tmp_path / "crimes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    crimes[5] = crimes[5].replace("-", "/", 1)  # one date of a Demoshire crime
    (tmp_path / "crimes.csv").write_text("".join(crimes), encoding="utf-8")
    assert demoshire_fingerprint(tmp_path) != DEMOSHIRE_FINGERPRINTS[(7, 0.05)]
