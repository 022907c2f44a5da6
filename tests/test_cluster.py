"""csp run --cluster: the pack made on a real Dask cluster (a LocalCluster of two worker
processes), reading the processed store at a URL, is the pack a local run makes, and
failures, resume and the lock still work."""

import json
import re
import shutil
import socket
from contextlib import contextmanager

import nbformat
import pytest

from csp_analysis import pack
from csp_analysis.cli import main
from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.demo import LATEST_QUARTER
from csp_analysis.outputs import OutputLock
from csp_analysis.pack import run_pack

distributed = pytest.importorskip("distributed")

THEMES = ["drugs", "strategic_assessment"]
#: What differs between two runs of the same notebook whatever executes it: the date, the
#: random id papermill gives its parameters cell and pandas' random table ids.
RANDOM = [
    (re.compile(r"<p[^>]*>Produced [^<]*</p>"), "<p>Produced</p>"),
    (
        re.compile(
            r"\b\d{2} (?:January|February|March|April|May|June|July|August|September|"
            r"October|November|December) \d{4}\b"
        ),
        "DATE",
    ),
    (re.compile(r"cell-id=[0-9a-f-]+"), "cell-id=X"),
    (re.compile(r"\bT_[0-9a-f]{5}(?=[_ \"{,])"), "T_X"),
]


def steady(html: str) -> str:
    for pattern, replacement in RANDOM:
        html = pattern.sub(replacement, html)
    return html


@pytest.fixture(scope="module")
def cluster():
    """A scheduler and two single-threaded worker processes on this machine."""
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def settings(demo_dir):
    return load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=demo_dir)


@pytest.fixture(scope="module")
def local_pack(settings, tmp_path_factory):
    """The pack made by local worker processes, with every task the executor was given."""
    out = tmp_path_factory.mktemp("local")
    submitted = []
    real = pack.executor

    class Recording:  # the pool, noting what it is given
        def __init__(self, pool):
            self.pool = pool

        def submit(self, function, *args, **kwargs):
            submitted.append((function.__name__, args, kwargs))
            return self.pool.submit(function, *args, **kwargs)

    @contextmanager
    def recording(**options):
        with real(**options) as pool:
            yield Recording(pool)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack, "executor", recording)
        pages = run_pack(settings, period=LATEST_QUARTER, out=out, themes=THEMES, progress=False)
    return out / LATEST_QUARTER, pages, submitted


@pytest.fixture(scope="module")
def cluster_pack(cluster, demo_dir, tmp_path_factory):
    """The same pack made on the cluster, through the command line, with the processed
    store at a URL (``file://``: fsspec's local file system, reached as s3:// would be)."""
    out = tmp_path_factory.mktemp("cluster")
    url = tmp_path_factory.mktemp("stores").as_uri()
    arguments = ["run", "--data-dir", str(demo_dir), "--out", str(out), "--cluster", cluster]
    arguments += ["--store-dir", url]
    assert main([*arguments, *(f"--theme={theme}" for theme in THEMES)]) == 0
    return out / LATEST_QUARTER


def test_the_cluster_makes_the_pages_a_local_run_makes(local_pack, cluster_pack):
    local, pages, _ = local_pack
    assert [(p.area_slug, p.theme, p.status) for p in pages] == [
        ("demoshire", theme, "ok") for theme in THEMES
    ], [p.message for p in pages]
    made = sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
    assert made == sorted(
        p.relative_to(cluster_pack).as_posix() for p in cluster_pack.rglob("*") if p.is_file()
    )
    tables = [name for name in made if name.endswith(".csv")]
    assert len(tables) > 12 and "demoshire/strategic_assessment/priorities.csv" in tables
    for name in tables:  # the numbers: the same bytes
        assert (local / name).read_bytes() == (cluster_pack / name).read_bytes(), name
    book = "demoshire/demoshire-2025-26Q4.xlsx"
    assert (local / book).read_bytes() == (cluster_pack / book).read_bytes()
    for theme in THEMES:
        ours = json.loads((local / "demoshire" / f"{theme}.json").read_text())
        theirs = json.loads((cluster_pack / "demoshire" / f"{theme}.json").read_text())
        assert len(ours["fingerprint"]) == 64 and ours["fingerprint"] == theirs["fingerprint"]
        assert (ours["status"], ours["figures"]) == (theirs["status"], theirs["figures"])
    for name in [n for n in made if n.endswith(".html")]:  # the pages and the index
        ours = (local / name).read_text(encoding="utf-8")
        theirs = (cluster_pack / name).read_text(encoding="utf-8")
        assert "Traceback" not in theirs and theirs.rstrip().endswith("</html>")
        assert steady(ours) == steady(theirs), name
    page = (cluster_pack / "demoshire" / "drugs.html").read_text(encoding="utf-8")
    assert "Drug offences: Demoshire" in page and "<img" in page  # a page, with its charts
    assert not [p for p in cluster_pack.rglob("*") if ".partial" in p.name]


def test_tasks_are_given_no_path_of_the_output_folder(local_pack):
    local, _, submitted = local_pack
    assert sorted(name for name, _, _ in submitted) == ["make_area"] + ["make_page"] * 2
    for _, args, kwargs in submitted:
        text = repr((args, kwargs))
        assert str(local.parent) not in text and str(local.parent.resolve()) not in text


def test_a_failing_page_on_the_cluster_is_marked_and_the_others_are_made(
    cluster, settings, tmp_path, monkeypatch
):
    broken = tmp_path / "broken.ipynb"
    notebook = nbformat.read(pack.notebook_for("asb"), as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell('raise RuntimeError("broken on purpose")'))
    nbformat.write(notebook, broken)
    real = pack.notebook_for
    monkeypatch.setattr(
        pack, "notebook_for", lambda theme: broken if theme == "asb" else real(theme)
    )
    out = tmp_path / "pack"
    pages = run_pack(
        settings,
        period=LATEST_QUARTER,
        out=out,
        themes=["drugs", "asb"],
        cluster=cluster,
        progress=False,
    )
    assert {p.theme: p.status for p in pages} == {"drugs": "ok", "asb": "failed"}
    failed = next(p for p in pages if p.status == "failed")
    assert failed.message.startswith("RuntimeError: broken on purpose (notebook cell ")
    folder = out / LATEST_QUARTER / "demoshire"
    assert not (folder / "asb.html").exists() and (folder / "drugs.html").exists()
    kept = nbformat.read(folder / "asb.ipynb", as_version=4)  # kept for debugging, with the error
    assert any(
        output.get("ename") == "RuntimeError"
        for cell in kept.cells
        for output in cell.get("outputs", [])
    )
    assert json.loads((folder / "asb.json").read_text())["fingerprint"] == ""  # made again
    index = (out / LATEST_QUARTER / "index.html").read_text(encoding="utf-8")
    assert index.count(">Failed</span>") == 1 and "2 pages, 1 failed" in index


def test_resume_on_the_cluster_keeps_the_unchanged_pages(cluster, settings, cluster_pack, tmp_path):
    out = tmp_path / "pack"
    shutil.copytree(cluster_pack, out / LATEST_QUARTER)  # keeps the files' times
    folder = out / LATEST_QUARTER / "demoshire"
    before = {theme: (folder / f"{theme}.html").stat().st_mtime_ns for theme in THEMES}
    pages = run_pack(
        settings,
        period=LATEST_QUARTER,
        out=out,
        themes=["drugs", "asb", "strategic_assessment"],
        resume=True,
        cluster=cluster,
        progress=False,
    )
    assert [(p.theme, p.reused, p.status) for p in pages] == [
        ("drugs", True, "ok"),
        ("asb", False, "ok"),
        ("strategic_assessment", True, "ok"),
    ]
    assert {theme: (folder / f"{theme}.html").stat().st_mtime_ns for theme in THEMES} == before
    assert (folder / "asb.html").exists() and (folder / "asb" / "headline.csv").exists()
    index = (out / LATEST_QUARTER / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<a href="demoshire/[a-z_]+\.html"', index)) == 3


def test_the_lock_refuses_a_second_run_on_the_cluster(cluster, demo_dir, tmp_path, capsys):
    root = tmp_path / "pack" / LATEST_QUARTER
    arguments = ["run", "--data-dir", str(demo_dir), "--out", str(tmp_path / "pack")]
    with OutputLock(root, command="csp run (the first)"):
        assert main([*arguments, "--theme", "drugs", "--cluster", cluster]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {root} is in use by another run (process ")
    assert "csp run (the first)" in error and "Traceback" not in error
    assert [p.name for p in root.iterdir()] == [".csp.lock"]  # nothing made


def test_a_scheduler_that_cannot_be_reached_is_one_line(demo_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pack, "CLUSTER_TIMEOUT", 1)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    out = tmp_path / "pack"
    code = main(["run", "--data-dir", str(demo_dir), "--out", str(out), "--cluster", address])
    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: cannot reach the Dask scheduler at {address} (")
    assert error.count("\n") == 1 and "Traceback" not in error
    assert "leave out --cluster to use local workers" in error
    assert not list(out.rglob("*.html"))
    assert main(["run", "--data-dir", str(demo_dir), "--out", str(out), "--cluster", "tcp://"]) == 2
    assert "cannot reach the Dask scheduler at tcp://" in capsys.readouterr().err


def test_a_scheduler_without_workers_is_refused(demo_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pack, "CLUSTER_TIMEOUT", 1)
    with distributed.LocalCluster(n_workers=0, dashboard_address=":0") as empty:
        out = tmp_path / "pack"
        arguments = ["run", "--data-dir", str(demo_dir), "--out", str(out)]
        assert main([*arguments, "--cluster", empty.scheduler_address]) == 2
    error = capsys.readouterr().err
    assert error == (
        f"error: the Dask scheduler at {empty.scheduler_address} has no workers (waited 1 s): "
        f"start some with 'dask worker {empty.scheduler_address}'.\n"
    )
