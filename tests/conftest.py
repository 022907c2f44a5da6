"""Shared fixtures: the public data (when present), small synthetic demo data, and what is
costly to make from it (the demo board pack and its tables), made once per session.

A fixture here that returns files (``demo_pack``, ``demo_tables``) is shared by every test
that asks for it: tests only read them. A test that changes outputs (resume, lock,
failure) copies the folder first (``shutil.copytree``) or makes its own.
"""

import atexit
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

#: Processed stores made by the tests go to a temporary folder, never the project's
#: data/processed (set before any settings are read; notebook kernels and `csp` inherit it).
#: The run's first process makes it, and pytest-xdist's workers, started from that process,
#: share it: a store (and what is kept in it) is made once for the run, whichever worker
#: needs it first (stores are written atomically; see csp_analysis.store.ingest).
STORE_DIR = os.environ.get("CSP_TESTS_STORE_DIR")
if STORE_DIR is None:
    STORE_DIR = os.environ["CSP_TESTS_STORE_DIR"] = tempfile.mkdtemp(prefix="csp-test-store-")
    atexit.register(shutil.rmtree, STORE_DIR, True)
os.environ["CSP_STORE_DIR"] = STORE_DIR
os.environ["CSP_STORE_CACHE"] = os.path.join(STORE_DIR, "copies")  # of stores at a URL

from hypothesis import settings as hypothesis_settings  # noqa: E402

from csp_analysis.config import PROJECT_ROOT, load_settings  # noqa: E402

#: No property test fails for being slow: speed is the benchmarks' (make bench), and a
#: busy machine made an example take longer than hypothesis' default 200 ms deadline.
hypothesis_settings.register_profile("csp", deadline=None)
hypothesis_settings.load_profile("csp")

#: The themes of the default configuration, in order.
THEMES = list(load_settings().themes)
#: Debian's headless Chromium (tests that need it skip where it is missing).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def chromium(page: Path, profile: Path, *options: str) -> subprocess.CompletedProcess:
    """Headless Chromium on a local page, offline, with a fresh profile folder."""
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            f"--user-data-dir={profile}",
            *options,
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session", autouse=True)
def kept_page_worker():
    """Every local run of a test process makes its pages in two kept worker processes.

    A run's own pool starts new workers, each with a new Jupyter kernel that imports the
    toolkit's libraries on its first page (about 5 s, twice per run); here the workers and
    their kernels are kept for the next run, as :func:`csp_analysis.pack.page_kernel` keeps
    a kernel between a run's pages (reset before each page, and tested to start each page
    as a new kernel would). Runs on a Dask cluster, and ``csp run`` in a subprocess, use
    their own.
    """
    from concurrent.futures.process import BrokenProcessPool
    from contextlib import contextmanager

    from csp_analysis import pack

    real, kept = pack.executor, []

    @contextmanager
    def executor(*, workers: int = 2, cluster: str | None = None):
        if cluster is not None:
            with real(workers=workers, cluster=cluster) as pool:
                yield pool
            return
        try:
            kept[0].submit(int).result()
        except (IndexError, BrokenProcessPool):  # none yet, or its worker died
            kept[:] = [pack.local_pool(2)]
        yield kept[0]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack, "executor", executor)
        yield
    for pool in kept:
        pool.shutdown()


@pytest.fixture(scope="session")
def public_data() -> Path:
    """The shared public data folder named by CSP_PUBLIC_DATA; skips when absent."""
    folder = os.environ.get("CSP_PUBLIC_DATA")
    if not folder or not Path(folder, "police_uk").is_dir():
        pytest.skip("CSP_PUBLIC_DATA is not set to the public data folder")
    return Path(folder)


@pytest.fixture(scope="session")
def public_settings(public_data):
    return load_settings(PROJECT_ROOT / "config" / "west-mercia-public.yaml")


@pytest.fixture(scope="session")
def public_dataset(public_settings):
    from csp_analysis.load import load_dataset

    return load_dataset(public_settings)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """Small synthetic demo data (5% of full volume), written once per session."""
    from csp_analysis.demo import write_demo_data

    folder = tmp_path_factory.mktemp("demo")
    write_demo_data(folder, seed=7, scale=0.05)
    return folder


@pytest.fixture(scope="session")
def demo_settings(demo_dir):
    return load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=demo_dir)


@pytest.fixture(scope="session")
def demo_dataset(demo_settings):
    from csp_analysis.load import load_dataset

    return load_dataset(demo_settings)


@pytest.fixture(scope="session")
def demo_profiles(demo_dataset, demo_settings):
    """Every theme's profile of the small demo data for its latest quarter."""
    from csp_analysis.demo import LATEST_QUARTER
    from csp_analysis.profile import build_profile

    return {
        name: build_profile(demo_dataset, area="Demoshire", period=LATEST_QUARTER, theme=theme)
        for name, theme in demo_settings.themes.items()
    }


@pytest.fixture(scope="session")
def board_profiles(demo_profiles):
    """The board and public version of demo_profiles, protected together."""
    from csp_analysis.publication import protect_profiles

    return protect_profiles(demo_profiles, threshold=4)


@pytest.fixture(scope="session")
def demo_pack(demo_settings, tmp_path_factory):
    """The small demo data's board pack for its latest quarter: every theme and the
    strategic assessment, as ``csp run`` makes it. Returns (period folder, pages).

    Read-only: copy the folder before changing anything in it.
    """
    from csp_analysis.demo import LATEST_QUARTER
    from csp_analysis.pack import run_pack

    out = tmp_path_factory.mktemp("demo-pack")
    pages = run_pack(demo_settings, period=LATEST_QUARTER, out=out, workers=2)
    return out / LATEST_QUARTER, pages


def _demo_tables(demo_dir, folder: Path, *options: str) -> Path:
    from csp_analysis.cli import main
    from csp_analysis.demo import LATEST_QUARTER

    arguments = ["tables", "--data-dir", str(demo_dir), "--period", LATEST_QUARTER]
    assert main([*arguments, "--out", str(folder), *options]) == 0
    return folder


@pytest.fixture(scope="session")
def demo_tables(demo_dir, tmp_path_factory) -> Path:
    """``csp tables`` of the small demo data for its latest quarter (every theme, the
    board and public version). Read-only."""
    return _demo_tables(demo_dir, tmp_path_factory.mktemp("demo-tables"))


@pytest.fixture(scope="session")
def demo_tables_restricted(demo_dir, tmp_path_factory) -> Path:
    """``csp tables --restricted`` of the small demo data for its latest quarter. Read-only."""
    return _demo_tables(demo_dir, tmp_path_factory.mktemp("demo-tables-restricted"), "--restricted")


def left_aligned(styled) -> list[str]:
    """The columns of a styled table aligned left (as text)."""
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", styled.to_html())
    left = {
        int(column)
        for selectors, properties in rules
        if "text-align: left" in properties
        for column in re.findall(r"_col(\d+)", selectors)
    }
    return [styled.data.columns[c] for c in sorted(left)]


#: Test files that share the session's demo pack and tables: one worker runs them all.
DEMO_PACK_FILES = {"test_demo_pipeline.py", "test_notebooks.py", "test_pack_attack.py"}
#: The longest groups, started first so that the workers finish together.
LONGEST_FIRST = ["test_batch.py", "demo-pack", "test_cluster.py", "test_outputs.py"]


def group_of(nodeid: str) -> str:
    """A test's group: its file, or "demo-pack" for the files that share the demo pack."""
    name = nodeid.split("::")[0].rsplit("/", 1)[-1]
    return "demo-pack" if name in DEMO_PACK_FILES else name


def pytest_collection_modifyitems(items):
    """The longest groups first (see :data:`LONGEST_FIRST`); the order within is kept."""
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(group_of(item.nodeid), len(rank)))


def pytest_xdist_make_scheduler(config, log):
    """``pytest -n`` (pytest-xdist, see the Makefile) gives each worker whole groups.

    A file's tests run on one worker, so a module fixture is made once, and the files that
    share the demo pack run on the same one, so the pack is made once. (xdist's own
    ``--dist loadgroup`` does not group with pytest 9.2, whose node ids it can no longer
    extend: pytest-dev/pytest-xdist#1386.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return ByGroup(config, log)
