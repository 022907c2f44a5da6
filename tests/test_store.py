"""The processed store: ingest once, reuse while unchanged, and pages that read only their area."""

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_analysis import store
from csp_analysis.cli import main
from csp_analysis.demo import LATEST_QUARTER
from csp_analysis.load import RECORD_KINDS
from csp_analysis.publication import publish_area
from csp_analysis.read import InputError
from csp_analysis.tables import write_assessment_tables, write_tables


@pytest.fixture(scope="module")
def own_store(demo_settings, tmp_path_factory):
    """The demo data's store, in a folder of this module's own."""
    settings = replace(demo_settings, store_dir=tmp_path_factory.mktemp("store"))
    return settings, store.ingest(settings)


def _tables(made, folder: Path) -> dict[str, bytes]:
    """Every CSV an area's publication writes, by path."""
    for profile in made.profiles.values():
        if not isinstance(profile, Exception):
            write_tables(profile, folder)
    if made.assessment is not None and not isinstance(made.assessment, Exception):
        write_assessment_tables(made.assessment, folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.csv"))}


@pytest.mark.parametrize(("area", "restricted"), [("Demoshire", True), ("Marlstow", False)])
def test_pages_from_the_store_equal_pages_from_the_whole_data(
    own_store, demo_dataset, tmp_path, area, restricted
):
    """Every table of every theme and the assessment, byte for byte: both areas, each in
    one version (an area's view does not depend on the version, nor protection on the
    area's partition)."""
    settings, folder = own_store
    view_store = store.Store(folder, data_dir=settings.data_dir)
    code = demo_dataset.find_area(area)["area_code"]
    whole = publish_area(
        settings,
        area=area,
        period=LATEST_QUARTER,
        restricted=restricted,
        dataset=demo_dataset,
    )
    view = publish_area(
        settings,
        area=area,
        period=LATEST_QUARTER,
        restricted=restricted,
        dataset=view_store.dataset(code),
    )
    expected = _tables(whole, tmp_path / area / "whole")
    found = _tables(view, tmp_path / area / "view")
    assert len(expected) > 30
    assert found.keys() == expected.keys()
    different = [name for name in expected if found[name] != expected[name]]
    assert different == []


def test_a_publication_is_made_once_and_kept_until_what_it_depends_on_changes(
    own_store, tmp_path, monkeypatch
):
    """csp tables, csp run and a notebook share an area's publication, kept in the store."""
    from csp_analysis import publication

    settings, folder = own_store
    settings = replace(settings, themes={n: settings.themes[n] for n in ("drugs", "hate_crime")})
    made = []
    real = publication.area_profiles
    monkeypatch.setattr(
        publication, "area_profiles", lambda *a, **k: made.append(k) or real(*a, **k)
    )

    def publish(settings=settings, **options):
        period = options.pop("period", LATEST_QUARTER)
        return publish_area(settings, area="Demoshire", period=period, store=folder, **options)

    first = publish(assessed=False)
    again = publish(assessed=False)
    assert len(made) == 1
    assert _tables(again, tmp_path / "again") == _tables(first, tmp_path / "first")
    assert again.area_name == "Demoshire" and not again.profiles["drugs"].restricted
    assessed = publish()  # the assessment is made from the kept profiles
    assert len(made) == 1 and assessed.assessment is not None and again.assessment is None
    with_assessment = _tables(assessed, tmp_path / "assessed")
    assert with_assessment.items() >= _tables(first, tmp_path / "b").items()
    publish(replace(settings, suppression_threshold=3), assessed=False)  # another setting
    publish(assessed=False, restricted=True)  # the other version
    publish(assessed=False, period="2026-03:2026-03")  # another period
    assert len(made) == 4
    kept = sorted((folder / "derived").glob("publication-*.pickle"))
    assert len(kept) == 5
    for path in kept:
        path.write_bytes(b"not a pickle")  # unreadable (say, a library changed): made again
    assert _tables(publish(assessed=False), tmp_path / "remade") == _tables(first, tmp_path / "a")
    assert len(made) == 5


def test_an_area_view_holds_only_its_own_records(own_store, demo_dataset):
    settings, folder = own_store
    code = demo_dataset.find_area("Demoshire")["area_code"]
    view = store.Store(folder, data_dir=settings.data_dir).dataset(code)
    for kind in RECORD_KINDS:
        whole = demo_dataset.records(kind)
        expected = whole.loc[whole["area_code"] == code].reset_index(drop=True)
        pd.testing.assert_frame_equal(view.records(kind), expected)
    assert set(view.wards["area_code"]) == {code}
    assert len(view.areas()) == len(demo_dataset.areas())
    mine = demo_dataset.nominals["crime_id"].isin(view.crimes["crime_id"])
    pd.testing.assert_frame_equal(
        view.nominals, demo_dataset.nominals.loc[mine].reset_index(drop=True)
    )


def test_every_record_is_in_one_partition_and_those_in_no_area_are_kept(own_store, demo_dataset):
    settings, folder = own_store
    manifest = json.loads((folder / "manifest.json").read_text())
    for kind in RECORD_KINDS:
        records = demo_dataset.records(kind)
        partitions = sorted((folder / kind).glob("area=*"))
        assert len(partitions) == len(demo_dataset.areas()) + 1
        rows = sum(len(pd.read_parquet(path)) for path in partitions)
        assert rows == len(records) == sum(manifest["partitions"][kind].values())
        nowhere = pd.read_parquet(folder / kind / "area=none")
        assert len(nowhere) == records["area_code"].isna().sum()
        counts = pd.read_parquet(folder / f"counts-{kind}.parquet")
        assert counts["records"].sum() == len(records)


def test_a_page_reads_only_its_own_partition(own_store, demo_dataset, monkeypatch):
    settings, folder = own_store
    code = demo_dataset.find_area("Demoshire")["area_code"]
    read = []
    original = pd.read_parquet

    def spy(path, *args, **kwargs):
        read.append(Path(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_parquet", spy)
    store.Store(folder, data_dir=settings.data_dir).dataset(code)
    partitions = [p for p in read if p.parent.parent.name in (*RECORD_KINDS, "nominals")]
    assert sorted(p.parent.name for p in partitions) == [f"area={code}"] * 3
    assert all(p.stat().st_size < 200_000 for p in read if p not in partitions)


def test_an_unchanged_input_reuses_the_store_and_a_changed_one_makes_a_new_one(
    demo_settings, tmp_path
):
    data = tmp_path / "data"
    shutil.copytree(demo_settings.data_dir, data)
    settings = replace(demo_settings, data_dir=data, store_dir=tmp_path / "store")
    first = store.ingest(settings)
    made = (first / "manifest.json").stat().st_mtime_ns
    assert store.ingest(settings) == first
    assert (first / "manifest.json").stat().st_mtime_ns == made
    asb = data / "asb.csv"
    lines = asb.read_text().splitlines(keepends=True)
    asb.write_text("".join(lines[:-1]))  # one incident fewer
    second = store.ingest(settings)
    assert second != first
    counts = pd.read_parquet(second / "counts-asb.parquet")
    assert counts["records"].sum() == len(lines) - 2  # header and the removed line
    changed = replace(settings, serious_violence_subgroups=("Homicide",))
    assert store.ingest(changed) not in (first, second)


def test_provenance_names_the_original_inputs_and_their_hashes(own_store, demo_dataset):
    from csp_analysis.provenance import input_files

    settings, folder = own_store
    code = demo_dataset.find_area("Demoshire")["area_code"]
    view = store.Store(folder, data_dir=settings.data_dir).dataset(code)
    assert input_files(view.files, data_dir=settings.data_dir) == input_files(
        demo_dataset.files, data_dir=settings.data_dir
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f["file"] for f in manifest["inputs"]} >= {"crimes.csv", "asb.csv"}
    assert all(len(f["sha256"]) == 64 for f in manifest["inputs"])


def test_bad_input_is_refused_before_anything_is_written(demo_settings, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo_settings.data_dir, data)
    text = (data / "crimes.csv").read_text().splitlines()
    text[4] = text[4].replace(text[4].split(",")[1], "31/02/2024", 1)
    (data / "crimes.csv").write_text("\n".join(text) + "\n")
    settings = replace(demo_settings, data_dir=data, store_dir=tmp_path / "store")
    with pytest.raises(InputError, match=r"crimes.csv line 5: column 'date'"):
        store.ingest(settings)
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())


def test_ingest_leaves_arrow_on_the_allocator_it_had(demo_settings, tmp_path):
    before = pa.default_memory_pool().backend_name
    store.ingest(replace(demo_settings, store_dir=tmp_path / "store"))
    assert pa.default_memory_pool().backend_name == before


def test_an_area_code_that_is_not_a_safe_name_gets_a_hashed_partition():
    assert store._partition("E06000051") == "area=E06000051"
    assert store._partition("../../etc").startswith("area=x")
    assert store._partition(None) == "area=none"
    assert store._partition("none") != "area=none"


def test_csp_ingest_says_what_it_made_and_reuses_it(demo_dir, tmp_path, capsys):
    arguments = ["ingest", "--data-dir", str(demo_dir), "--store-dir", str(tmp_path)]
    assert main(arguments) == 0
    made = capsys.readouterr().out
    assert "Ingested" in made and "records" in made
    assert main(arguments) == 0
    assert "up to date" in capsys.readouterr().out


@pytest.mark.public_data
def test_public_pages_from_the_store_equal_pages_from_the_whole_data(
    public_settings, public_dataset, tmp_path
):
    """Telford and Wrekin, compared with the other four West Mercia CSPs, whose records
    are in no area of the wards file: the store's counts stand in for them."""
    settings = replace(public_settings, store_dir=tmp_path / "store")
    folder = store.ingest(settings)
    nowhere = pd.read_parquet(folder / "crimes" / "area=none", columns=["peer_area"])
    assert len(nowhere) > 60_000 and nowhere["peer_area"].nunique() >= 3  # the other CSPs
    area = "Telford and Wrekin"
    code = public_dataset.find_area(area)["area_code"]
    period = public_settings.period
    whole = publish_area(
        settings, area=area, period=period, restricted=True, dataset=public_dataset
    )
    view = publish_area(
        settings,
        area=area,
        period=period,
        restricted=True,
        dataset=store.Store(folder, data_dir=settings.data_dir).dataset(code),
    )
    expected = _tables(whole, tmp_path / "whole")
    found = _tables(view, tmp_path / "view")
    assert "strategic_assessment/peers.csv" in expected
    assert [n for n in expected if found.get(n) != expected[n]] == []


@pytest.mark.public_data
def test_a_store_made_file_by_file_equals_the_whole_data(
    public_settings, public_dataset, tmp_path, monkeypatch
):
    """data.police.uk files are read in batches of whole files (here one file each): the
    area's records, the counts and the notes are those of the whole data loaded at once."""
    from csp_analysis import load

    monkeypatch.setattr(load, "BATCH_ROWS", 1)  # every file its own batch
    settings = replace(public_settings, store_dir=tmp_path / "store")
    source = store.Store(store.ingest(settings), data_dir=settings.data_dir)
    assert len(list((source.folder / "crimes" / "area=none").glob("part-*"))) > 10
    code = public_dataset.find_area("Telford and Wrekin")["area_code"]
    for part in (source.folder / "crimes" / store._partition(code)).glob("part-*"):
        # the load's categories (every LSOA of the batch) are not stored: the area's own text
        stored = pq.read_table(part, columns=["lsoa_code", "ward_code", "area_code"])
        assert not any(pa.types.is_dictionary(field.type) for field in stored.schema)
        assert set(stored["area_code"].to_pylist()) == {code}
    view = source.dataset(code)
    for kind in RECORD_KINDS:
        whole = public_dataset.records(kind)
        expected = whole.loc[whole["area_code"] == code].reset_index(drop=True)
        pd.testing.assert_frame_equal(view.records(kind), expected)
        pd.testing.assert_frame_equal(view.counts[kind], public_dataset.counts[kind])
        assert view.filter_values[kind] == public_dataset.filter_values[kind]
        assert view.covered(kind).equals(public_dataset.covered(kind))
    assert view.notes == public_dataset.notes
    assert view.weights_note == public_dataset.weights_note
    pd.testing.assert_frame_equal(view.peer_areas, public_dataset.peer_areas)


def test_a_store_at_a_url_is_the_store_in_a_folder(own_store, tmp_path):
    """``store_dir`` may be an fsspec URL (s3://...): the same files, read through a copy.

    ``file://`` is fsspec's local file system, reached as any other URL's would be.
    """
    settings, folder = own_store
    settings = replace(settings, themes={n: settings.themes[n] for n in ("drugs", "hate_crime")})
    url = (tmp_path / "remote").as_uri()
    at_url = replace(settings, store_dir=url)
    assert store.existing(at_url) is None
    made = store.ingest(at_url)
    assert made == f"{url}/{folder.name}" and store.existing(at_url) == made

    def files(root: Path) -> dict[str, bytes]:
        found = [p for p in root.rglob("*") if p.is_file()]
        found = [p for p in found if p.relative_to(root).parts[0] != "derived"]
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in found}

    remote = tmp_path / "remote" / folder.name
    assert files(remote) == files(folder)
    view = store.Store(made, data_dir=settings.data_dir)
    assert view.folder != remote and not list(view.folder.rglob("*.parquet"))  # nothing yet
    code = view.find_area("Demoshire")["area_code"]
    expected = store.Store(folder, data_dir=settings.data_dir).dataset(code)
    for kind in RECORD_KINDS:
        pd.testing.assert_frame_equal(view.dataset(code).records(kind), expected.records(kind))
    copied = {p.parent.name for p in view.folder.glob("crimes/*/*.parquet")}
    assert copied == {f"area={code}"}  # only the area's partition was read
    there = publish_area(settings, area="Demoshire", period=LATEST_QUARTER, store=made)
    here = publish_area(settings, area="Demoshire", period=LATEST_QUARTER, store=folder)
    assert _tables(there, tmp_path / "there") == _tables(here, tmp_path / "here")
    assert list((remote / "derived").glob("publication-*.pickle"))  # kept for every reader
    assert main(["ingest", "--data-dir", str(settings.data_dir), "--store-dir", url]) == 0


def test_a_column_of_many_values_is_read_only_by_a_theme_that_filters_on_it(
    demo_settings, demo_dataset, tmp_path, monkeypatch
):
    """Every page reads the manifest: a national store's LSOA and ward codes (2 MB of text)
    stay out of it, in files that only a theme filtering on such a column reads."""
    from csp_analysis.profile import check_theme

    monkeypatch.setattr(store, "FILTER_VALUES_KEPT", 5)  # the demo's codes count as many
    settings = replace(demo_settings, store_dir=tmp_path / "store")
    folder = store.ingest(settings)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    many = manifest["filter_value_files"]["crimes"]
    assert {"ward_code", "town"} <= set(many)
    assert not set(many) & set(manifest["filter_values"]["crimes"])
    assert manifest["filter_values"]["crimes"]["domestic_abuse"] == [False, True]  # few, kept
    source = store.Store(folder, data_dir=settings.data_dir)
    view = source.dataset(source.find_area("Demoshire")["area_code"])
    for kind in RECORD_KINDS:  # every value, of every area, as the whole data has them
        assert dict(view.filter_values[kind]) == demo_dataset.filter_values[kind]
    theme = replace(settings.themes["drugs"], where={"ward_code": ["X05000099"]})
    with pytest.raises(InputError, match=r"the ward_code values in the data: X05000001, "):
        check_theme(source.dataset(source.find_area("Demoshire")["area_code"]), theme)
