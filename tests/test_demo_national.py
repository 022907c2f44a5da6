"""Tests for the synthetic national data (csp_analysis.demo_national, csp demo-data --national).

The expectations are the brief's, independent of the generator: 43 forces, about 300 CSPs
that tile the country without overlapping, 36 months of street files, about 6.5 million
rows a year at scale 1, and a data directory the toolkit loads and validates, placing each
record in the CSP its LSOA name's local authority belongs to.
"""

import contextlib
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest
import shapely
import yaml
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from csp_analysis import demo_national
from csp_analysis.classify import POLICE_UK_CRIME_TYPES
from csp_analysis.cli import main
from csp_analysis.config import load_settings
from csp_analysis.load import load_dataset
from csp_analysis.outputs import OutputError
from csp_analysis.peers import lad_name_of_lsoa, normalise_name, read_csp_lookup
from csp_analysis.read import POLICE_UK_COLUMNS, police_uk_files, read_wards
from csp_analysis.validate import validate_wards

SCALE = 0.005  # about 100,000 rows in all
SEED = 7
LATEST_MONTH = "2026-03"


@pytest.fixture(scope="session")
def national_dir(tmp_path_factory) -> Path:
    """The national data at scale 0.005, written once per session by the command line."""
    folder = tmp_path_factory.mktemp("national")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(
            ["demo-data", "--national", "--out", str(folder), "--scale", str(SCALE), "--seed", "7"]
        )
    assert code == 0
    assert "1,548 street files" in printed.getvalue()
    return folder


@pytest.fixture(scope="session")
def street_rows(national_dir) -> pd.DataFrame:
    """Every street file's rows (read with pyarrow), with the file's name."""
    options = pa_csv.ConvertOptions(
        column_types={c: pa.string() for c in POLICE_UK_COLUMNS}, strings_can_be_null=True
    )
    tables = []
    for path in police_uk_files(national_dir / "police_uk"):
        table = pa_csv.read_csv(path, convert_options=options)
        tables.append(table.append_column("file", pa.array([path.name] * table.num_rows)))
    return pa.concat_tables(tables).to_pandas()


@pytest.fixture(scope="session")
def lookup(national_dir) -> pd.DataFrame:
    return read_csp_lookup(national_dir / "lad_csp_force_lookup.csv")


@pytest.fixture(scope="session")
def wards(national_dir):
    return validate_wards(read_wards(national_dir / "wards.gpkg"))


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != demo_national.CONFIG_NAME
    }


def test_same_seed_and_scale_give_the_same_bytes(national_dir, tmp_path):
    again = tmp_path / "again"
    demo_national.national_geography.cache_clear()  # the map is made again, the same
    demo_national.write_national_data(again, seed=SEED, scale=SCALE)
    first, second = _hashes(national_dir), _hashes(again)
    assert len(first) == 7 + 43 * 36
    assert first == second
    # The deployment file differs only in the folder it names.
    config = (again / demo_national.CONFIG_NAME).read_text()
    assert (
        config.replace(str(again.resolve()), str(national_dir.resolve()))
        == (national_dir / demo_national.CONFIG_NAME).read_text()
    )


def test_each_partnership_has_a_most_similar_group(national_dir):
    """peers.csv: 15 other partnerships each, nearer in residents than the rest."""
    groups = pd.read_csv(national_dir / "peers.csv")
    geo = demo_national.national_geography()
    assert set(groups["area_code"]) == set(geo.csps["csp_code"])
    assert (groups.groupby("area_code").size() == demo_national.MOST_SIMILAR).all()
    assert not (groups["area_code"] == groups["peer_code"]).any()
    residents = np.log(geo.lads.groupby("csp")["population"].sum())
    residents.index = geo.csps["csp_code"].to_numpy()[residents.index]
    gap = (groups["area_code"].map(residents) - groups["peer_code"].map(residents)).abs()
    anyone = np.abs(residents.to_numpy()[:, None] - residents.to_numpy()[None, :])
    assert gap.mean() < anyone.mean() / 3


def test_another_seed_draws_other_records(national_dir, tmp_path):
    slug = demo_national.national_geography().forces["slug"].iloc[5]
    published = national_dir / "police_uk" / demo_national.street_file_name(slug, LATEST_MONTH)
    for seed in (SEED, SEED + 1):
        path = tmp_path / f"{seed}.csv"
        demo_national._write_street_file(
            path, demo_national._street_table(5, 35, seed=seed, scale=SCALE)
        )
        assert (path.read_bytes() == published.read_bytes()) == (seed == SEED)


def test_forces_csps_and_local_authorities(lookup, wards):
    assert lookup["pfa_code"].nunique() == 43
    assert 280 <= lookup["csp_code"].nunique() <= 320
    # Every local authority is in one CSP, every CSP in one force.
    assert not lookup["lad_code"].duplicated().any()
    assert not lookup.drop_duplicates(["csp_code", "pfa_code"])["csp_code"].duplicated().any()
    sizes = lookup.groupby("csp_code").size()
    assert (sizes > 1).any() and sizes.max() <= 3
    # Every CSP has wards, and every ward's area is a CSP of the lookup.
    assert set(wards["area_code"]) == set(lookup["csp_code"])
    assert 7_500 <= len(wards) <= 8_500
    assert wards.groupby("area_code").size().min() >= 4
    names = wards.drop_duplicates("area_code").set_index("area_code")["area_name"]
    csp_names = lookup.drop_duplicates("csp_code").set_index("csp_code")["csp_name"]
    assert (names == csp_names.reindex(names.index)).all()
    assert not lookup["lad_name"].map(normalise_name).duplicated().any()


def _connected(pairs: np.ndarray, members: np.ndarray) -> bool:
    """Whether wards ``members`` form one piece, given the pairs of wards sharing an edge."""
    inside = np.isin(pairs, members).all(axis=1)
    index = {w: i for i, w in enumerate(members)}
    edges = np.vectorize(index.get)(pairs[inside]) if inside.any() else np.empty((0, 2), int)
    graph = coo_matrix((np.ones(len(edges)), edges.T), shape=(len(members),) * 2)
    return connected_components(graph, directed=False)[0] == 1


def test_wards_tile_the_country_without_overlapping(wards, lookup):
    geometry = wards.geometry.to_numpy()
    left, right = shapely.STRtree(geometry).query(geometry, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    common = shapely.intersection(geometry[left], geometry[right])
    assert shapely.area(common).max() < 1.0  # m²: neighbours share edges only
    # No gaps: the wards' areas add up to the country's (an ellipse of 140 by 235 km).
    assert shapely.area(geometry).sum() / 1e6 == pytest.approx(np.pi * 140 * 235, rel=1e-3)
    # Each CSP and each force is one piece: its wards are connected through shared edges
    # (of more than a metre; edges meet to within a millimetre where clipped).
    near_left, near_right = shapely.STRtree(geometry).query(
        geometry, predicate="dwithin", distance=0.001
    )
    keep = near_left < near_right
    near_left, near_right = near_left[keep], near_right[keep]
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(geometry[near_left]), shapely.buffer(geometry[near_right], 0.001)
        )
    )
    pairs = np.column_stack([near_left, near_right])[shared > 1.0]
    force = wards["area_code"].map(
        lookup.drop_duplicates("csp_code").set_index("csp_code")["pfa_code"]
    )
    for key in (wards["area_code"], force):
        for members in key.groupby(key).indices.values():
            assert _connected(pairs, members)
    # In the North Sea (east of Demoshire's force), clear of real places.
    west, south, east, north = wards.to_crs(4326).total_bounds
    assert west > 2.5 and east < 7.6 and south > 53.5 and north < 58.3
    assert wards["ward_code"].str.startswith("X05").all()


def test_one_street_file_per_force_and_month(national_dir, lookup):
    files = police_uk_files(national_dir / "police_uk")
    months = pd.period_range("2023-04", LATEST_MONTH, freq="M").astype(str)
    assert len(files) == 43 * 36
    assert sorted({f.name[:7] for f in files}) == list(months)
    assert {f.parent.name for f in files} == set(months)
    assert all(f.name[:7] == f.parent.name for f in files)
    assert len({f.name[8:] for f in files}) == 43


def test_street_rows_look_published(street_rows, lookup):
    rows = street_rows
    assert list(rows.columns[:12]) == list(POLICE_UK_COLUMNS)
    assert set(rows["Crime type"]) == set(POLICE_UK_CRIME_TYPES)
    assert (rows["Month"] == rows["file"].str[:7]).all()
    assert set(rows["Falls within"]) == set(lookup["pfa_name"])
    asb = rows["Crime type"] == "Anti-social behaviour"
    assert rows.loc[asb, "Crime ID"].isna().all()
    assert rows.loc[~asb, "Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert not rows.loc[~asb, "Crime ID"].duplicated().any()
    assert rows.loc[asb, "Last outcome category"].isna().all()
    assert rows.loc[~asb, "Last outcome category"].notna().all()
    assert 0.12 < asb.mean() < 0.20  # about one row in six is anti-social behaviour
    shares = rows["Crime type"].value_counts(normalize=True)
    assert shares.idxmax() == "Violence and sexual offences"
    # Some rows have no location at all, as published.
    no_location = rows["Longitude"].isna()
    assert 0.005 < no_location.mean() < 0.04
    assert (rows.loc[no_location, "Location"] == "No Location").all()
    assert rows.loc[no_location, ["Latitude", "LSOA code", "LSOA name"]].isna().all().all()
    located = rows.loc[~no_location]
    assert located["Location"].str.startswith("On or near ").all()
    assert located["Longitude"].str.fullmatch(r"-?\d+\.\d{6}").all()
    # An LSOA name is its local authority's name and a code such as 001A.
    lad = lad_name_of_lsoa(located["LSOA name"].dropna())
    assert lad.notna().all() and set(lad) <= set(lookup["lad_name"])


def test_rows_scale_with_scale(street_rows):
    latest_year = street_rows["Month"] >= "2025-04"
    expected = 6_500_000 * SCALE  # rows a year at this scale
    assert latest_year.sum() == pytest.approx(expected, rel=0.05)
    assert len(street_rows) == pytest.approx(20_000_000 * SCALE, rel=0.1)
    # Ten times the scale, ten times the rows (one force's latest month).
    force = 42
    small = sum(
        demo_national._street_table(force, 35, seed=s, scale=SCALE).num_rows for s in range(5)
    )
    large = sum(
        demo_national._street_table(force, 35, seed=s, scale=10 * SCALE).num_rows for s in range(5)
    )
    assert large / small == pytest.approx(10, rel=0.15)


def _settings(national_dir: Path, tmp_path: Path, months: list[str]) -> Path:
    """The written deployment file, reading only these months (the reader costs per file)."""
    settings = yaml.safe_load((national_dir / demo_national.CONFIG_NAME).read_text())
    settings["files"] = {"police_uk": [f"police_uk/{m}" for m in months]}
    path = tmp_path / "national.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def test_load_dataset_places_records_in_their_csps(national_dir, tmp_path, lookup):
    settings = load_settings(_settings(national_dir, tmp_path, [LATEST_MONTH]))
    dataset = load_dataset(settings)
    assert dataset.synthetic
    assert len(dataset.areas()) == lookup["csp_code"].nunique()
    csp_of_lad = dict(zip(lookup["lad_name"], lookup["csp_code"], strict=True))
    ward_of_lsoa = pd.read_csv(national_dir / "lsoa_ward_lookup.csv").set_index("lsoa_code")[
        "ward_code"
    ]
    for records in (dataset.crimes, dataset.asb):
        truth = lad_name_of_lsoa(records["lsoa_name"]).map(csp_of_lad)
        method = records["location_method"]
        by_point = method == "coordinates"
        assert by_point.mean() > 0.95
        # Coordinates lie in the ward of the record's LSOA.
        assert (
            records.loc[by_point, "ward_code"]
            == records.loc[by_point, "lsoa_code"].map(ward_of_lsoa)
        ).all()
        # Every record with a location is in its CSP; those with none are in none.
        placed = truth.notna()
        assert (records.loc[placed, "peer_area"] == truth[placed]).all()
        assert (records.loc[placed, "area_code"] == truth[placed]).all()
        assert records.loc[method == "none", "peer_area"].isna().all()
    # Some rows lie off the coast, in no ward: those with an LSOA are placed by it.
    crimes = dataset.crimes
    assert (crimes["location_method"] == "lsoa").any()
    assert (crimes["location_method"] == "outside").any()
    assert crimes.loc[crimes["location_method"] == "outside", "lsoa_name"].isna().all()


def test_csp_validate_passes(national_dir, tmp_path, capsys):
    config = _settings(national_dir, tmp_path, [LATEST_MONTH])
    assert main(["validate", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "All files can be used." in out
    assert "ERROR" not in out


def test_refuses_a_folder_it_did_not_make(tmp_path, national_dir):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "crimes.csv").write_text("crime_id\n1\n")
    with pytest.raises(OutputError, match="did not make"):
        demo_national.write_national_data(foreign, scale=SCALE)
    # A national folder with a file added under police_uk/ is refused too.
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / demo_national.SYNTHETIC_MARKER).write_text("synthetic")
    (copy / "police_uk" / LATEST_MONTH).mkdir(parents=True)
    (copy / "police_uk" / LATEST_MONTH / f"{LATEST_MONTH}-real-force-street.csv").write_text("x")
    with pytest.raises(OutputError, match="real-force"):
        demo_national.write_national_data(copy, scale=SCALE)
