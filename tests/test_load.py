"""Loading a data directory: wards in any form, population by LSOA, sources and checks."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from csp_analysis.config import load_settings
from csp_analysis.load import check_files, load_dataset
from csp_analysis.read import InputError

BOXES = [shapely.box(400000, 300000, 401000, 301000), shapely.box(401000, 300000, 402000, 301000)]
CRIMES = (
    "crime_id,date,offence,offence_subgroup,easting,northing,lsoa_code\n"
    "C1,2025-01-05,Assault with injury,Violence with injury,400500,300500,\n"
    "C2,2025-02-06,Shoplifting,Shoplifting,,,L2\n"
    "C3,2025-02-07,Shoplifting,Shoplifting,,,\n"
)


def data_dir(tmp_path, wards, name="wards.gpkg"):
    wards.to_file(tmp_path / name)
    (tmp_path / "crimes.csv").write_text(CRIMES)
    (tmp_path / "population.csv").write_text("lsoa_code,population\nL1,1500\nL2,2500\nL3,10\n")
    (tmp_path / "lsoa_ward_lookup.csv").write_text("lsoa_code,ward_code\nL1,W1\nL2,W2\n")
    return load_settings(None, data_dir=tmp_path, area_name="Smallshire")


def test_geopackage_in_british_national_grid_without_area_columns(tmp_path):
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "ward_name": ["One", "Two"]}, geometry=BOXES, crs=27700
    )
    dataset = load_dataset(data_dir(tmp_path, wards))
    assert dataset.areas()["area_name"].tolist() == ["Smallshire"]
    assert dataset.find_area("smallshire")["area_name"] == "Smallshire"
    assert dataset.crimes["ward_code"].tolist() == ["W1", "W2", pd.NA]
    assert dataset.crimes["location_method"].tolist() == ["coordinates", "lsoa", "none"]
    assert dataset.population.set_index("ward_code")["population"].to_dict() == {
        "W1": 1500,
        "W2": 2500,
    }
    assert any("best-fit approximations" in note for note in dataset.notes)
    assert any("1 LSOAs in the population file are not in the lookup" in n for n in dataset.notes)


def test_ons_style_columns_in_another_crs(tmp_path):
    wards = gpd.GeoDataFrame(
        {
            "WD23CD": ["W1", "W2"],
            "WD23NM": ["One", "Two"],
            "LAD23CD": ["E1", "E1"],
            "LAD23NM": ["Oneshire", "Oneshire"],
        },
        geometry=BOXES,
        crs=27700,
    ).to_crs(3857)
    dataset = load_dataset(data_dir(tmp_path, wards, "wards.geojson"))
    assert dataset.wards.crs.to_epsg() == 27700
    assert dataset.wards["area_name"].unique().tolist() == ["Oneshire"]
    assert dataset.crimes["ward_code"].iloc[0] == "W1"


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_wards_without_crs_or_area_are_refused(tmp_path):
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "ward_name": ["One", "Two"]}, geometry=BOXES
    )
    wards.to_file(tmp_path / "wards.gpkg")
    with pytest.raises(InputError, match="wards.gpkg: has no coordinate reference system"):
        load_dataset(load_settings(None, data_dir=tmp_path, area_name="X"))
    with pytest.raises(InputError, match="column 'area_code' is missing.*--area-name"):
        load_dataset(load_settings(None, data_dir=tmp_path))


def test_check_files_reports_every_bad_file(tmp_path):
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "ward_name": ["One", "Two"]}, geometry=BOXES, crs=27700
    )
    settings = data_dir(tmp_path, wards)
    (tmp_path / "crimes.csv").write_text(CRIMES.replace("2025-02-06", "2025-02-30"))
    (tmp_path / "asb.csv").write_text("incident_id,date\nA1,2025-01-01\n")
    results = dict(check_files(settings))
    assert results["crimes.csv"].startswith("error: crimes.csv line 3: column 'date'")
    assert results["asb.csv"].startswith(
        "error: asb.csv line 1: column 'category' is required but missing"
    )
    assert results["wards.gpkg"] == "2 rows"


def test_population_by_lsoa_needs_the_lookup(tmp_path):
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "ward_name": ["One", "Two"]}, geometry=BOXES, crs=27700
    )
    settings = data_dir(tmp_path, wards)
    (tmp_path / "lsoa_ward_lookup.csv").unlink()
    with pytest.raises(
        InputError,
        match="population.csv: column 'lsoa_code' gives population "
        "by LSOA, so lsoa_ward_lookup.csv is needed",
    ):
        load_dataset(settings)


def test_partner_template_maps_a_force_extracts_names(demo_dir, tmp_path):
    # The demo data saved the way a force system might export it, read through the template.
    from csp_analysis.config import PROJECT_ROOT

    settings = load_settings(PROJECT_ROOT / "config" / "partner-template.yaml", data_dir=tmp_path)
    renames = {
        role: {v: k for k, v in mapping.items()} for role, mapping in settings.columns.items()
    }
    for role in ("crimes", "nominals", "asb"):
        frame = pd.read_csv(demo_dir / f"{role}.csv", dtype=str, keep_default_na=False)
        frame.rename(columns=renames[role]).to_csv(tmp_path / settings.files[role][0], index=False)
    (tmp_path / settings.files["population"][0]).write_bytes(
        (demo_dir / "population.csv").read_bytes()
    )
    (tmp_path / settings.files["wards"][0]).write_bytes((demo_dir / "wards.geojson").read_bytes())
    dataset = load_dataset(settings)
    reference = load_dataset(load_settings(None, data_dir=demo_dir))
    assert len(dataset.crimes) == len(reference.crimes) and len(dataset.nominals) == len(
        reference.nominals
    )
    assert dataset.crimes["domestic_abuse"].sum() == reference.crimes["domestic_abuse"].sum()
    assert (dataset.asb["category"] == reference.asb["category"]).all()
