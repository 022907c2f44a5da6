"""A batch that survives: reruns, interrupts, missing optional files, reproducible tables,
and provenance on every page."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from csp_analysis.cli import main
from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.demo import LATEST_QUARTER
from csp_analysis.outputs import OutputError
from csp_analysis.pack import run_pack


@pytest.fixture
def data_copy(demo_dir, tmp_path):
    """A private copy of the small demo data that a test may change."""
    folder = tmp_path / "data"
    shutil.copytree(demo_dir, folder)
    return folder


def settings_for(folder):
    return load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=folder)


def test_rerun_with_resume_keeps_unchanged_pages_and_remakes_changed_ones(data_copy, tmp_path):
    out = tmp_path / "pack"
    first = run_pack(
        settings_for(data_copy),
        period=LATEST_QUARTER,
        out=out,
        themes=["drugs"],
        progress=False,
    )
    page = out / LATEST_QUARTER / "demoshire" / "drugs.html"
    made = page.stat().st_mtime_ns
    again = run_pack(
        settings_for(data_copy),
        period=LATEST_QUARTER,
        out=out,
        themes=["drugs"],
        resume=True,
        progress=False,
    )
    assert [p.reused for p in again] == [True]
    assert [p.figures for p in again] == [p.figures for p in first]
    assert page.stat().st_mtime_ns == made
    # Without --resume everything is made again; with it, a changed input remakes the page.
    with open(data_copy / "crimes.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")  # same records, different bytes: a different SHA-256
    changed = run_pack(
        settings_for(data_copy),
        period=LATEST_QUARTER,
        out=out,
        themes=["drugs"],
        resume=True,
        progress=False,
    )
    assert [p.reused for p in changed] == [False]
    assert page.stat().st_mtime_ns > made
    # A different version is never mixed into the folder, not even with --resume.
    with pytest.raises(OutputError, match="holds the board and public version of 1 page"):
        run_pack(
            settings_for(data_copy),
            period=LATEST_QUARTER,
            out=out,
            themes=["drugs"],
            resume=True,
            restricted=True,
            progress=False,
        )
    assert page.stat().st_mtime_ns > made and "OFFICIAL-SENSITIVE" not in page.read_text()


def test_interrupted_run_leaves_no_half_written_page_and_resumes(demo_dir, tmp_path):
    out = tmp_path / "pack"
    command = [
        sys.executable,
        "-m",
        "csp_analysis.cli",
        "run",
        "--data-dir",
        str(demo_dir),
        "--out",
        str(out),
        "--theme",
        "drugs",
        "--theme",
        "asb",
        "--theme",
        "overview",
        "--workers",
        "1",
    ]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "JUPYTER_PREFER_ENV_PATH": "1"},
    )
    folder = out / LATEST_QUARTER / "demoshire"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(folder.glob("*.html")):
        time.sleep(0.2)
    time.sleep(1.0)  # let the next notebook start
    os.killpg(process.pid, signal.SIGKILL)  # as hard as an interrupt gets
    process.wait()
    assert not (out / LATEST_QUARTER / "index.html").exists()
    finished = list(folder.glob("*.html"))
    assert 1 <= len(finished) < 3
    for page in finished:  # whatever exists is whole
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    resumed = run_pack(
        settings_for(demo_dir),
        period=LATEST_QUARTER,
        out=out,
        themes=["drugs", "asb", "overview"],
        resume=True,
        progress=False,
    )
    assert all(p.status == "ok" for p in resumed)
    assert not [p for p in folder.rglob("*") if ".partial" in p.name]
    assert (out / LATEST_QUARTER / "index.html").exists()


def test_missing_optional_files(data_copy, tmp_path):
    (data_copy / "nominals.csv").unlink()
    (data_copy / "asb.csv").unlink()
    pages = run_pack(
        settings_for(data_copy),
        period=LATEST_QUARTER,
        out=tmp_path,
        themes=["serious_violence", "asb"],
        progress=False,
    )
    status = {p.theme: (p.status, p.message) for p in pages}
    assert status["serious_violence"][0] == "ok"
    assert status["asb"] == (
        "unavailable",
        "This profile needs asb.csv or data.police.uk files; the data has neither.",
    )
    page = (tmp_path / LATEST_QUARTER / "demoshire" / "serious_violence.html").read_text()
    assert "Suspect and victim" not in page  # no nominals, no people tables, no error


def test_same_inputs_give_identical_tables(demo_tables, demo_dir, tmp_path):
    # The session's tables (from the shared store, whose publication may be kept) and the
    # same tables made from nothing: a store of their own, every profile made again.
    options = ["--data-dir", str(demo_dir), "--period", LATEST_QUARTER]
    options += ["--store-dir", str(tmp_path / "store"), "--out", str(tmp_path / "again")]
    assert main(["tables", *options]) == 0
    first = sorted(p.relative_to(demo_tables) for p in demo_tables.rglob("*.*"))
    assert len(first) > 50
    assert first == sorted(p.relative_to(tmp_path / "again") for p in tmp_path.glob("again/**/*.*"))
    for name in first:
        assert (demo_tables / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_every_page_and_the_index_record_provenance(demo_dir, tmp_path):
    pages = run_pack(
        settings_for(demo_dir),
        period=LATEST_QUARTER,
        out=tmp_path,
        themes=["hate_crime"],
        progress=False,
    )
    crimes = hashlib.sha256((demo_dir / "crimes.csv").read_bytes()).hexdigest()
    config = hashlib.sha256((PROJECT_ROOT / "config" / "demo.yaml").read_bytes()).hexdigest()
    for path in (
        tmp_path / LATEST_QUARTER / "index.html",
        tmp_path / LATEST_QUARTER / pages[0].html,
    ):
        text = path.read_text(encoding="utf-8")
        assert crimes in text and config in text
        assert f"{(demo_dir / 'crimes.csv').stat().st_size:,}" in text
        assert "config/demo.yaml" in text and "period = <code>2025-26Q4</code>" in text
        assert "csp_analysis 0.1.0" in text
        assert "Board and public version" in text


def test_restricted_pages_are_marked_and_no_identifier_reaches_an_output(demo_dir, tmp_path):
    import re

    import pandas as pd

    public = run_pack(
        settings_for(demo_dir),
        period=LATEST_QUARTER,
        out=tmp_path / "public",
        themes=["serious_violence"],
        progress=False,
    )
    restricted = run_pack(
        settings_for(demo_dir),
        period=LATEST_QUARTER,
        out=tmp_path / "restricted",
        themes=["serious_violence"],
        restricted=True,
        progress=False,
    )
    for pages, folder, marked in ((public, "public", False), (restricted, "restricted", True)):
        root = tmp_path / folder / LATEST_QUARTER
        for path in (root / "index.html", root / pages[0].html):
            text = path.read_text(encoding="utf-8")
            assert ("OFFICIAL-SENSITIVE: not for publication" in text) is marked
            assert ("Board and public version" in text) is not marked
    # Nothing personal: no crime reference or person id from the input in any output file.
    crimes = set(pd.read_csv(demo_dir / "crimes.csv", dtype=str)["crime_id"])
    people = set(pd.read_csv(demo_dir / "nominals.csv", dtype=str)["person_id"])
    shapes = re.compile(r"\b(?:DC|P)\d+\b")
    outputs = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(outputs) > 20
    for path in outputs:
        found = set(shapes.findall(path.read_text(encoding="utf-8", errors="replace")))
        assert not found & (crimes | people), path


def test_an_area_whose_task_fails_has_its_pages_marked_failed(demo_dir, tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from csp_analysis import pack

    def unreadable(*args, **kwargs):
        raise RuntimeError("the area's data cannot be read")

    # In threads, so that the area task sees the patched publish_area.
    monkeypatch.setattr(pack, "publish_area", unreadable)
    monkeypatch.setattr(pack, "executor", lambda **_: ThreadPoolExecutor(1))
    folder = tmp_path / LATEST_QUARTER / "demoshire"
    folder.mkdir(parents=True)
    (folder / "drugs.html").write_text("an earlier run's page")
    pages = run_pack(
        settings_for(demo_dir),
        period=LATEST_QUARTER,
        out=tmp_path,
        themes=["drugs", "strategic_assessment"],
        progress=False,
    )
    assert [(p.theme, p.status, p.message) for p in pages] == [
        ("drugs", "failed", "RuntimeError: the area's data cannot be read"),
        ("strategic_assessment", "failed", "RuntimeError: the area's data cannot be read"),
    ]
    assert not list(folder.glob("*.html")) and not (folder / "drugs").exists()
    for theme in ("drugs", "strategic_assessment"):  # listed, and made again by the next run
        assert json.loads((folder / f"{theme}.json").read_text())["fingerprint"] == ""
    index = (tmp_path / LATEST_QUARTER / "index.html").read_text(encoding="utf-8")
    assert index.count(">Failed</span>") == 2 and "2 pages, 2 failed" in index


def test_the_command_line_starts_without_the_notebook_libraries_and_page_workers_with_them():
    # nbformat takes 2 s to import (jsonschema's format checkers): `csp validate`, `ingest`
    # and `tables` never need it; page workers import it once, in their fork server.
    code = (
        "import sys\n"
        "from csp_analysis import cli, pack\n"
        "LIBRARIES = {'nbformat', 'nbconvert', 'papermill', 'jsonschema'}\n"
        "here = sorted(LIBRARIES & set(sys.modules))\n"
        "with pack.local_pool(1) as pool:\n"
        "    there = pool.submit(eval, f'sorted({LIBRARIES} & set(__import__(\"sys\").modules))')\n"
        "    print(here, there.result())\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.split("\n")[0] == "[] ['jsonschema', 'nbconvert', 'nbformat', 'papermill']"


def test_a_kept_kernel_starts_each_page_as_a_new_one_would(tmp_path):
    """Pages reuse their worker's kernel: nothing of the page before may reach the next."""
    import nbformat
    import papermill

    from csp_analysis import pack

    def run(*sources: str) -> nbformat.NotebookNode:
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
        notebook.metadata["kernelspec"] = {"name": pack.KERNEL, "language": "python"}
        nbformat.write(notebook, tmp_path / "in.ipynb")
        papermill.execute_notebook(
            tmp_path / "in.ipynb",
            tmp_path / "out.ipynb",
            progress_bar=False,
            km=pack.page_kernel(),
        )
        return nbformat.read(tmp_path / "out.ipynb", as_version=4)

    def result(cell) -> str:
        (value,) = [o for o in cell.outputs if o.output_type == "execute_result"]
        return value["data"]["text/plain"]

    try:
        first = run("import os, matplotlib.pyplot as plt\nleft = 1", "plt.figure()\nos.getpid()")
        second = run(
            "import os, matplotlib.pyplot as plt",
            "assert 'left' not in globals() and not plt.get_fignums()\nos.getpid()",
            "get_ipython().history_manager.enabled",  # no history: nothing reports clashes
        )
        pid = [result(first.cells[1]), result(second.cells[1])]
        assert pid[0] == pid[1], "the second page ran in a new kernel"
        assert [c.execution_count for c in second.cells] == [1, 2, 3]
        assert result(second.cells[2]) == "False"
        assert [o.output_type for c in second.cells for o in c.outputs] == ["execute_result"] * 2
        pack.close_page_kernels()
        third = run("import os\nos.getpid()")
        assert result(third.cells[0]) != pid[0]
    finally:
        pack.close_page_kernels()


def test_a_page_whose_kernel_does_not_answer_is_made_on_a_new_one(monkeypatch):
    """A kernel that does not answer (a busy machine) or dies is not the page's fault: the
    page is made once more, on a new kernel; a notebook's own error is not tried again."""
    import nbformat
    import papermill

    from csp_analysis import pack

    def notebook(code: str) -> str:
        return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]))

    page = {"title": "t", "subtitle": [], "sources": [], "synthetic": True, "today": "today"}
    page |= {"mode": {"restricted": False, "threshold": 4}, "provenance": {"inputs": []}}
    real, tries = papermill.execute_notebook, []

    def busy_once(*args, **kwargs):
        tries.append(kwargs["km"])
        if len(tries) == 1:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", busy_once)
    try:
        made = pack.make_page(notebook("6 * 7"), {}, page)
        assert made.status == "ok" and "42" in made.notebook.decode()
        assert len(tries) == 2 and tries[0] is not tries[1]  # a new kernel
        failed = pack.make_page(notebook("1 / 0"), {}, page)
        assert failed.status == "failed" and "ZeroDivisionError" in failed.message
        assert len(tries) == 3  # not tried again
    finally:
        pack.close_page_kernels()
