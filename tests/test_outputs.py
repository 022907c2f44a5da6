"""Outputs stay where they belong: safe names, nothing outside --out, no colon, fresh table
folders, one run at a time, an index of every page, one version per folder, readable files,
no absolute paths in what is published, and demo data never written over real data."""

import dataclasses
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from csp_analysis import provenance
from csp_analysis.cli import main
from csp_analysis.config import PROJECT_ROOT, Theme, load_settings
from csp_analysis.demo import SYNTHETIC_MARKER, write_demo_data
from csp_analysis.outputs import (
    OutputError,
    OutputLock,
    area_folder,
    check_theme_names,
    fresh_folder,
    inside,
    slug,
    write_atomic,
)
from csp_analysis.pack import run_pack
from csp_analysis.periods import Period
from csp_analysis.read import InputError
from csp_analysis.tables import write_tables

HOSTILE_THEME = "../../x"
DRUGS = {"offence_group": ["Drug offences"]}


@contextmanager
def umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode_of(path):
    return stat.S_IMODE(path.stat().st_mode)


def files_under(folder):
    return sorted(p for p in Path(folder).rglob("*") if p.is_file())


# ------------------------------------------------------------------- names and places


def test_slug_is_plain_ascii_and_can_be_empty():
    assert slug("Telford & Wrekin") == "telford-and-wrekin"
    assert slug("Ynys Môn") == "ynys-mon"
    assert slug("North-Demo") == slug("North Demo") == "north-demo"
    assert slug("../..") == slug("") == slug("   ") == ""
    assert slug("a:b/c\\d") == "a-b-c-d"
    assert len(slug("Ward " * 60)) <= 80


def test_area_folders_are_distinct_and_safe():
    areas = pd.DataFrame(
        {
            "area_code": ["X06000001", "X06000002", "X06000003", "X06000004", "X06000005"],
            "area_name": ["North-Demo", "North Demo", "../..", "Southshire", "CON"],
        }
    )
    folders = [area_folder(areas, code, source="wards.geojson") for code in areas["area_code"]]
    assert folders == [
        "north-demo-x06000001",  # two names, one slug: each gets its code
        "north-demo-x06000002",
        "x06000003",  # nothing safe in the name: the code
        "southshire",
        "x06000005",  # a Windows device name: the code
    ]
    # The same folder whichever areas a run includes (decided over the whole wards file).
    assert area_folder(areas, "X06000002", source="wards.geojson") == "north-demo-x06000002"


def test_an_area_with_no_safe_name_or_code_is_refused_by_name():
    areas = pd.DataFrame({"area_code": ["../", "X1"], "area_name": ["../..", "Eastshire"]})
    with pytest.raises(InputError) as caught:
        area_folder(areas, "../", source="wards.geojson")
    message = str(caught.value)
    assert message.startswith("wards.geojson: column 'area_name'")
    assert "'../..' (area code '../')" in message
    assert area_folder(areas, "X1", source="wards.geojson") == "eastshire"


def test_theme_keys_that_are_not_file_names_are_refused_with_the_config_key():
    check_theme_names(["drugs", "violence_with_injury", "knife-crime"], config="demo.yaml")
    for bad in (HOSTILE_THEME, "..", "", "a/b", "a:b", ".hidden", "nul"):
        with pytest.raises(InputError) as caught:
            check_theme_names(["drugs", bad], config="config/demo.yaml")
        assert str(caught.value).startswith(f"demo.yaml: column 'themes.{bad}'")


def test_inside_refuses_paths_that_leave_the_root(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert inside(out, "2025-26Q4", "demoshire") == out / "2025-26Q4" / "demoshire"
    with pytest.raises(OutputError, match="outside the output folder"):
        inside(out, "..", "x")
    (tmp_path / "elsewhere").mkdir()
    (out / "planted").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OutputError, match="outside the output folder"):
        inside(out, "planted")


def test_write_tables_refuses_a_theme_key_that_would_escape(demo_profiles, tmp_path):
    profile = demo_profiles["drugs"]
    hostile = dataclasses.replace(
        profile, theme=dataclasses.replace(profile.theme, name=HOSTILE_THEME)
    )
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(OutputError, match="cannot be used as a folder name"):
        write_tables(hostile, out)
    assert files_under(tmp_path) == []


def test_period_folders_hold_no_colon():
    assert Period.parse("2026-03:2026-03").folder == "2026-03"
    assert Period.parse("2025-10:2026-03").folder == "2025-10_to_2026-03"
    assert Period.parse("2025-26Q4").folder == "2025-26Q4"
    assert Period.parse("2025-26").folder == "2025-26"


# ------------------------------------------------------------------- writing files


def test_files_are_as_readable_as_the_umask_allows(demo_profiles, tmp_path):
    with umask(0o022):
        write_atomic(tmp_path / "open" / "page.html", "<html></html>")
        write_tables(demo_profiles["asb"], tmp_path / "open")
    assert mode_of(tmp_path / "open" / "page.html") == 0o644
    assert mode_of(tmp_path / "open" / "asb") == 0o755
    assert {mode_of(p) for p in (tmp_path / "open" / "asb").iterdir()} == {0o644}
    with umask(0o077):  # an analyst who keeps everything private gets that
        write_atomic(tmp_path / "closed" / "page.html", "<html></html>")
        write_tables(demo_profiles["asb"], tmp_path / "closed")
    assert mode_of(tmp_path / "closed" / "page.html") == 0o600
    assert mode_of(tmp_path / "closed" / "asb") == 0o700
    assert {mode_of(p) for p in (tmp_path / "closed" / "asb").iterdir()} == {0o600}


def test_a_tables_folder_is_replaced_whole(demo_profiles, tmp_path):
    restricted = demo_profiles["serious_violence"]  # exact numbers, with people tables
    assert restricted.restricted and restricted.people is not None
    write_tables(restricted, tmp_path)
    folder = tmp_path / "serious_violence"
    assert {"people.csv", "ethnicity.csv", "repeat_victims.csv"} <= {
        p.name for p in folder.iterdir()
    }
    (folder / "notes-by-hand.txt").write_text("an analyst's file")
    without_people = dataclasses.replace(
        restricted, people=None, ethnicity=None, repeat_victims=None
    )
    written = write_tables(without_people, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written)
    assert not {"people.csv", "ethnicity.csv", "repeat_victims.csv", "notes-by-hand.txt"} & {
        p.name for p in folder.iterdir()
    }
    unavailable = dataclasses.replace(restricted, available=False, reason="No data.")
    write_tables(unavailable, tmp_path)
    assert [p.name for p in folder.iterdir()] == ["unavailable.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["serious_violence"]  # nothing hidden left


def test_a_failed_write_leaves_the_old_folder_as_it_was(tmp_path):
    target = tmp_path / "drugs"
    target.mkdir()
    (target / "headline.csv").write_text("old")
    with pytest.raises(RuntimeError), fresh_folder(target) as staging:
        (staging / "headline.csv").write_text("new, half")
        raise RuntimeError("interrupted")
    assert [p.name for p in tmp_path.iterdir()] == ["drugs"]
    assert (target / "headline.csv").read_text() == "old"


# ----------------------------------------------------------------- one run at a time

HOLDER = textwrap.dedent(
    """
    import sys, time
    from csp_analysis.outputs import OutputLock
    with OutputLock(sys.argv[1], command="csp run --out elsewhere --theme drugs"):
        print("locked", flush=True)
        time.sleep(120)
    """
)


@contextmanager
def another_run(folder):
    """A second process that holds the folder's lock until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "locked"
        yield process
    finally:
        process.kill()
        process.wait()


def test_a_second_run_is_refused_while_the_first_holds_the_folder(demo_settings, tmp_path):
    root = tmp_path / "pack" / "2025-26Q4"
    in_progress = root / "demoshire" / ".drugs.partial.ipynb"
    in_progress.parent.mkdir(parents=True)
    in_progress.write_text("the first run's notebook, still executing")
    with another_run(root) as first:
        with pytest.raises(OutputError) as caught:
            run_pack(demo_settings, period="2025-26Q4", out=tmp_path / "pack", themes=["drugs"])
        message = str(caught.value)
        assert message.startswith(f"{root} is in use by another run (process {first.pid} on ")
        assert "csp run --out elsewhere --theme drugs" in message and "started 20" in message
        assert "Wait for that run to finish, or write to another --out." in message
        assert in_progress.exists()  # the first run's work is not touched
        with pytest.raises(OutputError, match="in use by another run"):
            with OutputLock(root):
                pass
    with OutputLock(root):  # killed: the operating system released its lock
        assert (root / ".csp.lock").read_text().startswith("{")
    assert (root / ".csp.lock").read_text() == ""  # nothing about the run stays behind


def test_csp_tables_takes_the_lock_too(demo_dir, tmp_path, capsys):
    out = tmp_path / "tables"
    with another_run(out):
        code = main(["tables", "--data-dir", str(demo_dir), "--theme", "asb", "--out", str(out)])
    assert code == 2
    assert "is in use by another run" in capsys.readouterr().err
    assert not (out / "asb").exists()


# ---------------------------------------------------------- hostile theme keys, CLI


@pytest.fixture
def hostile_config(tmp_path, demo_dir):
    config = tmp_path / "config" / "hostile.yaml"
    config.parent.mkdir()
    config.write_text(
        f"data_dir: {demo_dir}\nareas: [Demoshire]\nperiod: 2025-26Q4\n"
        f"themes:\n  '{HOSTILE_THEME}':\n    title: X\n    where:\n"
        "      offence_group: [Drug offences]\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize("command", ["tables", "run"])
def test_a_theme_key_cannot_write_outside_out(hostile_config, tmp_path, command, capsys):
    out = tmp_path / "deep" / "down" / "out"
    before = set(files_under(tmp_path))
    arguments = [command, "--config", str(hostile_config), "--out", str(out)]
    assert main([*arguments, "--theme", HOSTILE_THEME]) == 2
    error = capsys.readouterr().err  # refused by the configuration check, before any work
    assert f"theme named '{HOSTILE_THEME}'" in error and "names files and folders" in error
    assert set(files_under(tmp_path)) == before
    assert not (tmp_path / "deep" / "x").exists() and not (tmp_path / "x").exists()


def test_run_pack_refuses_a_theme_key_before_writing(demo_settings, tmp_path):
    hostile = Theme(name=HOSTILE_THEME, title="X", where=DRUGS)
    settings = dataclasses.replace(demo_settings, themes={HOSTILE_THEME: hostile})
    with pytest.raises(InputError, match=r"themes\.\.\./\.\./x"):
        run_pack(settings, period="2025-26Q4", out=tmp_path / "a" / "out", progress=False)
    assert not (tmp_path / "a").exists() and files_under(tmp_path) == []


# ------------------------------------------------- a pack of two areas with one slug


@pytest.fixture(scope="module")
def two_areas(demo_dir, tmp_path_factory):
    """The small demo data with its wards split into "North-Demo" and "North Demo"."""
    folder = tmp_path_factory.mktemp("two_areas") / "data"
    shutil.copytree(demo_dir, folder)
    wards = json.loads((folder / "wards.geojson").read_text(encoding="utf-8"))
    for number, feature in enumerate(wards["features"]):
        second = number % 2 == 1
        feature["properties"]["area_code"] = "X06000002" if second else "X06000001"
        feature["properties"]["area_name"] = "North Demo" if second else "North-Demo"
    (folder / "wards.geojson").write_text(json.dumps(wards), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def two_runs(two_areas, tmp_path_factory):
    """Two runs into one period folder: asb for both areas, then one more theme for one."""
    settings = load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=two_areas)
    out = tmp_path_factory.mktemp("pack")
    common = {"period": "2026-01:2026-03", "out": out, "progress": False}
    with umask(0o022):
        first = run_pack(settings, areas=["North-Demo", "North Demo"], themes=["asb"], **common)
        second = run_pack(settings, areas=["X06000001"], themes=["violence_with_injury"], **common)
    return settings, out, first, second


def test_each_area_gets_its_own_folder_and_page(two_runs):
    _, out, first, second = two_runs
    assert [p.name for p in out.iterdir()] == ["2026-01_to_2026-03"]
    root = out / "2026-01_to_2026-03"
    assert [p.status for p in first + second] == ["ok"] * 3, [p.message for p in first + second]
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [
        "north-demo-x06000001",
        "north-demo-x06000002",
    ]
    index = (root / "index.html").read_text(encoding="utf-8")
    for folder, name, other in (
        ("north-demo-x06000001", "North-Demo", "North Demo"),
        ("north-demo-x06000002", "North Demo", "North-Demo"),
    ):
        assert f'href="{folder}/asb.html"' in index
        page = (root / folder / "asb.html").read_text(encoding="utf-8")
        assert f"Anti-social behaviour: {name}" in page
        assert f"Anti-social behaviour: {other}" not in page
        readme = (root / folder / "asb" / "README.txt").read_text(encoding="utf-8")
        assert f"Anti-social behaviour: {name} (" in readme
    assert not [p for p in out.rglob("*") if ":" in p.name]


def test_the_index_lists_every_page_of_the_folder(two_runs):
    settings, out, first, second = two_runs
    root = out / "2026-01_to_2026-03"
    index = (root / "index.html").read_text(encoding="utf-8")
    assert len(second) == 1  # the last run made one page; the index lists all three
    for link in (
        "north-demo-x06000001/asb.html",
        "north-demo-x06000002/asb.html",
        "north-demo-x06000001/violence_with_injury.html",
    ):
        assert f'href="{link}"' in index
    assert "3 pages" in index
    for page in first + second:
        assert page.figures["current"] in index
    # Resume keeps every page and the index still lists all of them.
    again = run_pack(
        settings,
        period="2026-01:2026-03",
        out=out,
        areas=["North-Demo", "North Demo"],
        themes=["asb"],
        resume=True,
        progress=False,
    )
    assert [p.reused for p in again] == [True, True]
    index = (root / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<a href="[^"]+\.html"', index)) == 3
    for folder in ("north-demo-x06000001", "north-demo-x06000002"):  # each area's workbook
        assert f'<a href="{folder}/{folder}-2026-01_to_2026-03.xlsx"' in index


def test_manifests_record_the_version_and_a_folder_holds_one(two_runs):
    settings, out, _, _ = two_runs
    root = out / "2026-01_to_2026-03"
    manifests = sorted(root.glob("*/*.json"))
    assert len(manifests) == 3
    assert {json.loads(m.read_text())["mode"] for m in manifests} == {"board"}
    with pytest.raises(OutputError) as caught:
        run_pack(
            settings,
            period="2026-01:2026-03",
            out=out,
            areas=["North Demo"],
            themes=["drugs"],
            restricted=True,
            progress=False,
        )
    assert str(caught.value) == (
        f"{root} holds the board and public version of 3 page(s) (for example North-Demo: "
        "Anti-social behaviour), and this run makes the restricted analyst version "
        "(OFFICIAL-SENSITIVE). A period folder holds one version: write this run to another "
        f"--out, or remove {root} first."
    )
    assert not (root / "north-demo-x06000002" / "drugs").exists()


def test_outputs_are_readable_by_group_and_others(two_runs):
    _, out, _, _ = two_runs
    paths = [p for p in out.rglob("*")]
    assert len(paths) > 30
    for path in paths:
        wanted = 0o755 if path.is_dir() else 0o644
        assert mode_of(path) == wanted, (path, oct(mode_of(path)))


def test_published_provenance_has_file_names_and_hashes_not_absolute_paths(two_runs, two_areas):
    _, out, _, _ = two_runs
    root = out / "2026-01_to_2026-03"
    published = [
        p for p in root.rglob("*") if p.suffix in {".html", ".csv", ".txt", ".json"} and p.is_file()
    ]
    assert {p.suffix for p in published} == {".html", ".csv", ".txt", ".json"}
    machine = {str(two_areas), str(two_areas.resolve()), str(out), str(PROJECT_ROOT)}
    machine |= {str(Path.home()) + "/", "/tmp/"}
    for path in published:
        text = path.read_text(encoding="utf-8")
        assert not [m for m in machine if m in text], path
    crimes = provenance.sha256(two_areas / "crimes.csv")
    for path in (root / "index.html", root / "north-demo-x06000001" / "asb.html"):
        text = path.read_text(encoding="utf-8")
        assert "crimes.csv" in text and crimes in text
        assert "config/demo.yaml (configuration)" in text
    manifest = json.loads((root / "north-demo-x06000001" / "asb.json").read_text())
    assert manifest["parameters"]["config"] == "config/demo.yaml"
    assert manifest["parameters"]["data_dir"] == "data"  # the folder's name only
    # The executed notebook keeps the absolute paths its kernel needs; it is not published
    # as a page (the HTML hides code and parameters).
    executed = (root / "north-demo-x06000001" / "asb.ipynb").read_text(encoding="utf-8")
    assert str(two_areas) in executed


def test_csp_tables_gives_each_area_its_own_folder(two_areas, tmp_path, capsys):
    out = tmp_path / "tables"
    arguments = ["tables", "--data-dir", str(two_areas), "--theme", "asb", "--out", str(out)]
    assert main([*arguments, "--area", "North-Demo", "--area", "North Demo"]) == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "north-demo-x06000001",
        "north-demo-x06000002",
    ]
    readme = (out / "north-demo-x06000002" / "asb" / "README.txt").read_text()
    assert "Anti-social behaviour: North Demo (X06000002)" in readme


# -------------------------------------------------------------------------- provenance


def test_input_files_are_named_from_the_data_directory(tmp_path):
    (tmp_path / "police_uk").mkdir()
    street = tmp_path / "police_uk" / "2025-01-demo-street.csv"
    street.write_text("Crime ID\n")
    elsewhere = tmp_path.parent / f"{tmp_path.name}-crimes.csv"
    elsewhere.write_text("crime_id\n")
    try:
        files = [{"file": p.name, "path": str(p), "rows": 0} for p in (street, elsewhere)]
        shown = provenance.input_files(files, data_dir=tmp_path)
    finally:
        elsewhere.unlink()
    assert [f["file"] for f in shown] == ["police_uk/2025-01-demo-street.csv", elsewhere.name]
    assert shown[0]["sha256"] == provenance.sha256(street)


def test_a_configuration_outside_the_project_is_shown_by_name(tmp_path, demo_dir):
    config = tmp_path / "partner.yaml"
    config.write_text(f"data_dir: {demo_dir}\nareas: [Demoshire]\n", encoding="utf-8")
    settings = load_settings(config)
    shown = provenance.configuration(settings)
    assert [c["file"] for c in shown] == ["partner.yaml", "config/themes.yaml"]
    assert shown[0]["sha256"] == provenance.sha256(config)
    parameters = provenance.parameters(settings, period="2025-26Q4")
    assert parameters == {
        "period": "2025-26Q4",
        "config": "partner.yaml",
        "data_dir": demo_dir.name,
    }


# --------------------------------------------------------------------------- demo data


def test_demo_data_refuses_a_folder_of_real_data(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (real / "crimes.csv").write_text("crime_id,date\nR1,2025-01-01\n")
    assert main(["demo-data", "--out", str(real), "--scale", "0.01"]) == 2
    assert capsys.readouterr().err == (
        f"error: {real} holds files the demo generator did not make (crimes.csv) and no "
        f"{SYNTHETIC_MARKER}: not written, so that real data is never replaced by synthetic "
        "records. Choose a new or empty folder for --out.\n"
    )
    assert [p.name for p in real.iterdir()] == ["crimes.csv"]
    assert (real / "crimes.csv").read_text() == "crime_id,date\nR1,2025-01-01\n"


def test_demo_data_rewrites_its_own_folder_but_never_mixes_in_other_files(tmp_path):
    own = tmp_path / "demo"
    first = write_demo_data(own, seed=1, scale=0.01)
    again = write_demo_data(own, seed=2, scale=0.01)  # its own folder: written again
    assert [p.name for p in again] == [p.name for p in first]
    assert "seed=2" in (own / SYNTHETIC_MARKER).read_text()
    (own / "lsoa_ward_lookup.csv").write_text("lsoa_code,ward_code\n")
    with pytest.raises(OutputError, match=r"files the demo generator did not make \(lsoa_ward"):
        write_demo_data(own, seed=3, scale=0.01)
    assert "seed=2" in (own / SYNTHETIC_MARKER).read_text()
