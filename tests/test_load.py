"""Loading a data directory: wards in any form, population by LSOA, sources and checks."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from csp_analysis.config import load_settings
from csp_analysis.load import check_files, load_dataset, population_note
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


# ---------------------------------------------------------------------------- ward layout


def two_wards(second, *, names=("One", "Two")):
    """W1 = the first 1 km square of BOXES; W2 = ``second``."""
    return gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "ward_name": list(names)},
        geometry=[BOXES[0], second],
        crs=27700,
    )


def validate_notes(capsys, folder) -> list[str]:
    from csp_analysis.cli import main

    code = main(["validate", "--data-dir", str(folder), "--area-name", "Smallshire"])
    out = capsys.readouterr().out
    assert code == 0, out
    return [line[len("note: ") :] for line in out.splitlines() if line.startswith("note: ")]


def layout_notes(notes: list[str]) -> list[str]:
    return [note for note in notes if "overlap" in note or "are named" in note]


@pytest.mark.parametrize(
    ("east", "expected"),
    [
        # W2 starts 100 m inside W1: 100 m x 1 km = 100,000 m², 10% of either square.
        (400_900, "100,000 m² (10.0% of the smaller, One)"),
        # 2 m inside: 2,000 m², 0.2%.
        (400_998, "2,000 m² (0.2% of the smaller, One)"),
        # 0.5 m inside: a sliver, as generalised boundary files have; not reported.
        (400_999.5, None),
        # Side by side.
        (401_000, None),
    ],
)
def test_overlapping_wards_are_reported_with_their_overlap(tmp_path, capsys, east, expected):
    data_dir(tmp_path, two_wards(shapely.box(east, 300000, east + 1000, 301000)))
    notes = layout_notes(validate_notes(capsys, tmp_path))
    if expected is None:
        assert notes == []
    else:
        assert notes == [
            f"wards.gpkg feature 1 and wards.gpkg feature 2: wards W1 (One) and W2 (Two) overlap "
            f"by {expected}. A record located in the overlap is counted in One, the first in "
            "file order; check the boundary file."
        ]


def test_overlap_between_two_wards_files_names_both(tmp_path, capsys):
    data_dir(tmp_path, two_wards(BOXES[1]).iloc[[0]], "wards.geojson")
    wards = two_wards(shapely.box(400_500, 300_000, 401_500, 301_000), names=("One", "Two"))
    wards.iloc[[1]].to_file(tmp_path / "wards.gpkg")
    # W2 (a 1 km square) is half inside W1: 500 m x 1 km.
    assert layout_notes(validate_notes(capsys, tmp_path)) == [
        "wards.geojson feature 1 and wards.gpkg feature 1: wards W1 (One) and W2 (Two) "
        "overlap by 500,000 m² (50.0% of the smaller, One). A record located in the overlap "
        "is counted in One, the first in file order; check the boundary file."
    ]


def test_wards_that_are_mostly_the_same_place_are_refused(tmp_path):
    # A smaller W2 (600 m x 1 km) lies 80% inside W1: 480,000 m² of its 600,000 m².
    settings = data_dir(tmp_path, two_wards(shapely.box(400_520, 300_000, 401_120, 301_000)))
    with pytest.raises(InputError) as caught:
        load_dataset(settings)
    assert str(caught.value) == (
        "wards.gpkg line 2: column 'geometry' of ward W2 (Two) overlaps ward W1 (One) "
        "(wards.gpkg feature 1) by 480,000 m², 80.0% of the smaller: the same place is in the "
        "file twice (two boundary vintages mixed, or a ward repeated under another code)"
    )


def test_the_published_ward_boundaries_have_no_overlap_or_repeated_name(public_data):
    from csp_analysis.read import read_wards
    from csp_analysis.validate import check_ward_layout, validate_wards

    for vintage in ("2019", "2023"):
        files = sorted((public_data / "boundaries").glob(f"wards_{vintage}_*.geojson"))
        assert len(files) == 2
        parts = [validate_wards(read_wards(path)) for path in files]
        assert check_ward_layout(parts) == []


def scaled_settings(tmp_path, totals: str):
    """Two wards of E06000001 (LSOA populations 1,500 and 2,500; L3 is in no ward),
    scaled to the area total of ``totals`` (an ONS mid-year estimates layout)."""
    wards = gpd.GeoDataFrame(
        {
            "ward_code": ["W1", "W2"],
            "ward_name": ["One", "Two"],
            "area_code": ["E06000001", "E06000001"],
            "area_name": ["Smallshire", "Smallshire"],
        },
        geometry=BOXES,
        crs=27700,
    )
    data_dir(tmp_path, wards)
    (tmp_path / "mye.csv").write_text(f"Code,Name,All ages,0,1\n{totals}")
    config = tmp_path / "deployment.yaml"
    config.write_text(
        f"data_dir: {tmp_path}\n"
        "population_vintage: Census 2021 usual residents\n"
        "population_scale_to:\n"
        "  file: mye.csv\n"
        "  vintage: ONS mid-2024 population estimates\n"
        "  columns: {Code: area_code, All ages: population}\n"
    )
    return load_settings(config)


def test_ward_populations_are_scaled_to_the_area_total(tmp_path):
    settings = scaled_settings(
        tmp_path, 'E06000001,Smallshire,"4,400",1,2\nE06000002,Other,9,4,5\n'
    )
    dataset = load_dataset(settings)
    population = dataset.population.set_index("ward_code")["population"]
    assert population.sum() == pytest.approx(4400)  # the area's mid-2024 total
    assert population.tolist() == pytest.approx([1650, 2750])  # 1,500 and 2,500 x 1.1
    factors = dataset.population_factors.iloc[0]
    assert (factors["population_before"], factors["factor"]) == (4000, pytest.approx(1.1))
    assert "mye.csv" in [f["file"] for f in dataset.files]  # in the provenance
    note = population_note(dataset, "E06000001")
    assert note.startswith(
        "Rates use ONS mid-2024 population estimates: Census 2021 usual residents "
        "(population.csv, by LSOA) scaled to the area totals in mye.csv"
    )
    assert "Smallshire: 4,000 to 4,400, a factor of 1.100" in note


def test_an_area_missing_from_the_totals_is_refused_naming_file_and_area(tmp_path):
    settings = scaled_settings(tmp_path, "E06000002,Other,9,4,5\n")
    with pytest.raises(
        InputError,
        match=r"mye\.csv: column 'area_code' has no total for "
        r"Smallshire \(E06000001\)",
    ):
        load_dataset(settings)
    results = dict(check_files(settings))
    assert results["mye.csv"] == "1 rows"


def test_population_scale_to_is_checked(tmp_path):
    config = tmp_path / "deployment.yaml"
    config.write_text(f"data_dir: {tmp_path}\npopulation_scale_to:\n  file: mye.csv\n  vintge: x\n")
    with pytest.raises(
        InputError,
        match="'population_scale_to.vintge' is not a setting of "
        "population_scale_to; did you mean 'vintage'",
    ):
        load_settings(config)
    config.write_text(f"data_dir: {tmp_path}\npopulation_scale_to:\n  file: mye.csv\n")
    with pytest.raises(InputError, match="has no vintage"):
        load_settings(config)
    config.write_text(
        f"data_dir: {tmp_path}\npopulation_scale_to:\n  file: m.csv\n  vintage: v\n"
        "  columns: {Code: area}\n"
    )
    with pytest.raises(InputError, match="'population_scale_to.columns.Code' = 'area' is not"):
        load_settings(config)


def test_the_population_names_its_year_or_says_it_is_not_stated(tmp_path):
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "ward_name": ["One", "Two"]}, geometry=BOXES, crs=27700
    )
    data_dir(tmp_path, wards)
    config = tmp_path / "deployment.yaml"
    config.write_text(f"data_dir: {tmp_path}\narea_name: Smallshire\n")
    (tmp_path / "population.csv").write_text("ward_code,population,year\nW1,10,2023\nW1,12,2024\n")
    assert population_note(load_dataset(load_settings(config))) == (
        "Rates use residents in 2024 (population.csv, by ward)."
    )
    (tmp_path / "population.csv").write_text("ward_code,population\nW1,10\n")
    assert population_note(load_dataset(load_settings(config))) == (
        "Rates use residents of a date not stated (set population_vintage in the deployment "
        "file) (population.csv, by ward)."
    )
