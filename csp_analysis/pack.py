"""Pack: the quarterly board pack, every area and theme as notebooks rendered to HTML.

The last step of the data flow. :func:`run_pack` runs in three steps, with the executor
as the swappable part:

- **plan** (:func:`plan_pack`, this process, holding the folder's lock): which areas and
  pages, each page's notebook parameters, provenance record and fingerprint, and which
  pages ``resume`` keeps;
- **execute** (:func:`execute_pack`): an *area task* (:func:`make_area`) makes each
  area's published profiles and assessment once, with their tables, workbook and index
  figures; then a *page task* (:func:`make_page`) per page executes its notebook with
  papermill's in-process API and renders a self-contained HTML page (code hidden, plots
  embedded, nothing fetched from the internet). Tasks run in local worker processes or on
  a Dask cluster (:func:`executor`); they write nothing outside their own temporary
  folders: this process writes every file, so outputs never leave ``--out`` and a
  cluster's workers need no access to it;
- **index** (:func:`write_index`): the board pack's front page, ``index.html``.

Every file is written atomically, so an interrupted run leaves no half-written page, and
one run at a time holds a period's folder (:class:`~csp_analysis.outputs.OutputLock`). Each
page gets a manifest (``<theme>.json``) with its version (board or restricted), its index
row and the fingerprint of its inputs and parameters: the index lists every page of the
folder from these manifests, and with ``resume`` a page whose fingerprint is unchanged is
not made again.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import os
import pickle
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from multiprocessing.util import Finalize
from pathlib import Path
from typing import TYPE_CHECKING

from csp_analysis import __version__, provenance, store, wording
from csp_analysis.assessment import Assessment, assessment_period
from csp_analysis.config import PROJECT_ROOT, Settings
from csp_analysis.load import Dataset, population_note
from csp_analysis.outputs import (
    OutputError,
    OutputLock,
    area_folder,
    check_theme_names,
    clean_partials,
    fresh_folder,
    inside,
    write_atomic,
)
from csp_analysis.periods import Period
from csp_analysis.profile import CoverageError, Profile
from csp_analysis.publication import AreaPublication, publish_area
from csp_analysis.tables import (
    ASSESSMENT_FOLDER,
    write_assessment_tables,
    write_tables,
    write_unavailable,
)
from csp_analysis.workbook import workbook_bytes, workbook_name

if TYPE_CHECKING:  # nbformat is imported where a notebook is read or made (2 s: jsonschema)
    from nbformat import NotebookNode

NOTEBOOKS = PROJECT_ROOT / "notebooks"
GENERIC_NOTEBOOK = "offence_profile.ipynb"
TEMPLATES = Path(__file__).parent / "templates"
KERNEL = "python3"
#: The strategic assessment's page key (its notebook, folder and manifest name).
ASSESSMENT = ASSESSMENT_FOLDER
#: The two versions of a pack, as messages name them.
VERSIONS = {
    "board": "board and public version",
    "restricted": "restricted analyst version (OFFICIAL-SENSITIVE)",
}


@dataclass
class Page:
    """One area and theme of the pack: what it says and where its files are."""

    area_name: str
    area_slug: str
    theme: str
    title: str
    status: str = "ok"  # "ok", "unavailable" or "failed"
    message: str = ""
    html: str = ""
    figures: dict = field(default_factory=dict)  # the index row: current, previous, ...
    parameters: dict = field(default_factory=dict)  # as pages show them: no absolute path
    fingerprint: str = ""
    reused: bool = False
    mode: str = "board"  # "board" or "restricted"
    area_code: str = ""
    workbook: str = ""  # the area's Excel workbook, relative to the period folder

    @classmethod
    def from_manifest(cls, path: Path) -> Page:
        """The page a manifest ``<area>/<theme>.json`` describes (its files as they are now).

        Raises ValueError, TypeError or KeyError when the file is not a page manifest.
        """
        saved = json.loads(path.read_text(encoding="utf-8"))
        known = {key: saved[key] for key in cls.__dataclass_fields__ if key in saved}
        if "mode" not in saved:  # made before manifests recorded it
            known["mode"] = "restricted" if saved["parameters"].get("restricted") else "board"
        page = cls(**{**known, "area_slug": path.parent.name, "theme": path.stem})
        if page.mode not in VERSIONS:
            raise ValueError(f"{path.name}: unknown version '{page.mode}'")
        html = path.with_suffix(".html")
        page.html = (
            f"{page.area_slug}/{html.name}" if page.status != "failed" and html.exists() else ""
        )
        book = path.parent / workbook_name(page.area_slug, path.parent.parent.name)
        page.workbook = f"{page.area_slug}/{book.name}" if book.exists() else ""
        page.reused = False
        return page


def notebook_for(theme: str) -> Path:
    """The theme's own notebook, or the generic offence-profile notebook."""
    own = NOTEBOOKS / f"{theme}.ipynb"
    return own if own.exists() else NOTEBOOKS / GENERIC_NOTEBOOK


def contents_of(notebook: NotebookNode) -> list[tuple[str, str]]:
    """(anchor, heading) for each level-2 heading of the notebook's markdown cells.

    Anchors are made as nbconvert makes heading ids: the text with spaces as hyphens.
    """
    headings = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if match := re.match(r"^##\s+(.+?)\s*$", line):
                    headings.append((match.group(1).replace(" ", "-"), match.group(1)))
    return headings


def render_html(notebook: NotebookNode, page: dict) -> str:
    """The notebook as a self-contained board page (code and prompts hidden).

    ``page`` holds what the template shows (:func:`run_pack` makes it); its
    ``document_title`` (or else its ``title``) is the page's ``<title>``.
    """
    title = {"name": page.get("document_title") or page.get("title") or "Notebook"}
    resources = {"csp": page, "metadata": title}
    body, _ = _html_exporter().from_notebook_node(notebook, resources=resources)
    return body


_exporters = threading.local()  # each thread of a worker has its own


def _html_exporter():
    """The board page's nbconvert exporter, made once per thread (its templates compiled)."""
    exporter = getattr(_exporters, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = HTMLExporter(
            template_name="csp_board",
            extra_template_basedirs=[str(TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
        )
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags={"remove_cell"}), enabled=True
        )
        _exporters.html = exporter
    return exporter


def failure_message(error: Exception) -> str:
    """One line for the index: the error a notebook cell raised, without colour codes."""
    name = getattr(error, "ename", type(error).__name__)
    value = getattr(error, "evalue", str(error))
    cell = getattr(error, "exec_count", None)
    text = f"{name}: {value}" + (f" (notebook cell {cell})" if cell else "")
    return re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()[0][:500]


def _unavailable_page(page: Page, folder: Path, resources: dict) -> Page:
    """A short page saying why the theme cannot be produced from this data."""
    import nbformat

    from csp_analysis.report import escape_markdown  # the message can hold data and config

    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(f"## Not available\n\n{escape_markdown(page.message)}")
        ]
    )
    write_atomic(folder / f"{page.theme}.html", render_html(notebook, resources))
    page.html = f"{page.area_slug}/{page.theme}.html"
    return page


def index_figures(profile: Profile) -> dict:
    """The index row of an available profile, in words (all text: the index escapes it).

    ``variation`` is the latest month on the SPC chart, as NHS "Making Data Count" shows it:
    a letter for the icon, words, and its kind (common, improving, concerning, neutral).
    """
    test = profile.change
    letter, words, kind = wording.VARIATION[profile.latest_variation()]
    return {
        "current": f"{test.current:,} {wording.unit(profile.theme.records, test.current)}",
        "previous": f"{test.previous:,}",
        "change": wording.change(test.current, test.previous, since="a year earlier"),
        "verdict": wording.verdict(test.current, test.previous, test.p_value, short=True),
        "unusual": wording.beyond_chance(test.p_value),
        "variation": {"letter": letter, "words": words, "kind": kind},
        "summary": profile.summary(),
    }


def assessment_figures(assessment: Assessment) -> dict:
    """The index row of a strategic assessment: its year and what stands out, in words."""
    table = assessment.priorities
    flagged = [] if table is None else table.loc[table["signals"] > 0, "title"].tolist()
    summary = f"{assessment.period.describe()}: " + (
        "worth considering as priorities: " + ", ".join(flagged) + "."
        if flagged
        else "no theme stands out on harm, change or against similar areas."
    )
    return {"summary": summary, "assessment": True}


def area_sentence(pages: list[Page]) -> str:
    """One sentence for an area on the index: its first theme, and what changed beyond chance.

    >>> ok = {"current": "10 offences", "change": "up 1 (10%) on a year earlier",
    ...       "verdict": "Within normal variation", "unusual": False}
    >>> area_sentence([Page("A", "a", "overview", "All recorded crime", figures=ok)])
    ... # doctest: +NORMALIZE_WHITESPACE
    'All recorded crime: 10 offences, up 1 (10%) on a year earlier.
     No theme changed by more than normal variation.'
    """
    shown = [p for p in pages if p.status == "ok" and p.figures.get("change")]
    if not shown:
        return ""
    first = shown[0].figures
    text = f"{shown[0].title}: {first['current']}, {first['change']}."
    unusual = [p for p in shown if p.figures.get("unusual")]
    if not unusual:
        return text + " No theme changed by more than normal variation."
    changes = "; ".join(
        f"{p.title} {p.figures['change'].removesuffix(' on a year earlier')}" for p in unusual
    )
    return text + f" Changed by more than normal variation: {changes}."


def _manifest(folder: Path, theme: str) -> Path:
    return folder / f"{theme}.json"


def _reusable(page: Page, folder: Path) -> Page | None:
    """The page as last made, when its fingerprint is unchanged and its files are there."""
    try:
        saved = Page.from_manifest(_manifest(folder, page.theme))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if (
        saved.status == "failed"
        or saved.fingerprint != page.fingerprint
        or not saved.html
        or not (folder / page.theme).is_dir()
    ):
        return None
    saved.reused = True
    return saved


def _discard(folder: Path, theme: str) -> None:
    """Remove what an earlier run made for a theme that failed while planning."""
    for leftover in (folder / f"{theme}.html", folder / f"{theme}.ipynb"):
        leftover.unlink(missing_ok=True)
    if (folder / theme).is_dir():
        shutil.rmtree(folder / theme)


def pages_in(root: Path, *, areas: Sequence[str] = (), themes: Sequence[str] = ()) -> list[Page]:
    """Every page of a period folder, from its manifests ``<area>/<theme>.json``.

    In reading order: the areas (folder names) and themes in the order given, then any
    others by name.
    """
    pages = []
    for path in root.glob("*/*.json"):
        if path.name.startswith(".") or path.parent.name.startswith("."):
            continue
        try:
            pages.append(Page.from_manifest(path))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            continue  # not a page manifest

    def place(page: Page) -> tuple:
        area = areas.index(page.area_slug) if page.area_slug in areas else len(areas)
        theme = themes.index(page.theme) if page.theme in themes else len(themes)
        return area, page.area_slug, theme, page.theme

    return sorted(pages, key=place)


def check_version(root: Path, mode: str) -> None:
    """Refuse a run of one version into a period folder that holds pages of the other.

    ``mode`` is ``"board"`` or ``"restricted"``; mixed, the index would show both under one
    banner, and a board page could sit beside exact small numbers.
    """
    others = [page for page in pages_in(root) if page.mode != mode]
    if others:
        example = others[0]
        raise OutputError(
            f"{root} holds the {VERSIONS[example.mode]} of {len(others)} page(s) (for example "
            f"{example.area_name}: {example.title}), and this run makes the {VERSIONS[mode]}. "
            "A period folder holds one version: write this run to another --out, or remove "
            f"{root} first."
        )


def run_pack(
    settings: Settings,
    *,
    period: str,
    out: str | Path,
    areas: list[str] | None = None,
    themes: list[str] | None = None,
    workers: int = 2,
    restricted: bool = False,
    resume: bool = False,
    progress: bool = True,
    cluster: str | None = None,
) -> list[Page]:
    """Produce the board pack under ``out/<period folder>/`` and return this run's pages.

    Writes ``<area>/<theme>.ipynb`` (executed), ``<area>/<theme>.html``,
    ``<area>/<theme>/*.csv``, ``<area>/<theme>.json`` (the page's manifest),
    ``<area>/<area>-<period>.xlsx`` (the workbook of the run's themes, see
    :mod:`csp_analysis.workbook`) and ``index.html``, which lists every page of the folder.
    ``restricted`` keeps exact small numbers and marks every page OFFICIAL-SENSITIVE; the
    default is the board and public version. The tasks run in ``workers`` local processes,
    or on the Dask cluster whose scheduler is at ``cluster`` (see :func:`executor`); this
    process plans the run and writes every file. Raises
    :class:`~csp_analysis.outputs.OutputError` when another run holds the folder or the
    folder holds pages of the other version, and :class:`ClusterError` when the cluster
    cannot run the pack.
    """
    names = [name for name in themes or settings.themes if name != ASSESSMENT]
    assessed = themes is None or ASSESSMENT in themes
    check_theme_names(names, config=settings.config_path)
    label = Period.parse(period).label
    root = inside(out, Period.parse(period).folder)
    with OutputLock(root):
        check_version(root, "restricted" if restricted else "board")
        clean_partials(root)  # what an interrupted run left: no other run is writing here
        with executor(workers=workers, cluster=cluster) as pool:  # refused before any work
            plan = plan_pack(
                settings,
                label=label,
                root=root,
                areas=areas or settings.areas,
                names=names,
                assessed=assessed,
                restricted=restricted,
                resume=resume,
            )
            execute_pack(plan, pool, settings=settings, progress=progress)
        write_index(plan, settings=settings)
    return plan.pages


# -------------------------------------------------------------------------------- plan


@dataclass
class PageJob:
    """A page to make: its notebook and what the notebook and the page template are given."""

    page: Page
    folder: Path  # the area's folder
    notebook: str  # the notebook file's text
    parameters: dict  # the notebook's; ``prepared`` is added where the page is made
    resources: dict  # what the page template shows


@dataclass
class AreaJob:
    """An area with pages to make: its area task, then one page task per page."""

    area: str  # as the run names it (name or code)
    folder: Path
    jobs: dict[str, PageJob]  # by page key: the pages to make, in reading order


@dataclass
class Plan:
    """A run decided: every page in reading order (kept or to make) and the areas' tasks."""

    root: Path
    label: str
    restricted: bool
    names: list[str]  # the run's themes
    folders: list[str]  # the run's area folders, in order
    store: Path | str | None = None  # the processed store's folder or URL: every task reads it
    pages: list[Page] = field(default_factory=list)
    areas: list[AreaJob] = field(default_factory=list)
    index: dict = field(default_factory=dict)  # what index.html shows besides the pages


def _catalogue(settings: Settings) -> tuple[store.Store, Dataset]:
    """The processed store, and the data as a plan needs it (no record is read).

    The store is made when it is missing or out of date (:func:`csp_analysis.store.ingest`),
    so bad input is refused before any task starts; its summary gives the areas, input
    files (provenance), population and whether the data is synthetic.
    """
    source = store.Store(store.ingest(settings), data_dir=settings.data_dir)
    return source, source.summary()


@dataclass(frozen=True)
class _Area:
    """What every page of one area in a run shares while it is planned."""

    settings: Settings
    dataset: Dataset
    place: dict  # area_code, area_name
    folder: Path
    parameters: dict  # the area's notebook parameters
    resources: dict  # what every page of the run shows
    resume: bool


def _plan_page(
    area: _Area,
    key: str,
    *,
    title: str,
    when: str,
    about: str,
    notebook: Path,
    depends: tuple,
    parameters: dict,
) -> tuple[Page, PageJob | None]:
    """One page of an area: its provenance and fingerprint, and whether it is made or kept.

    ``title`` is the page's (the theme's), ``when`` the period its document title names,
    ``about`` the first line under its title, and ``depends`` the settings beyond the
    record and the notebook that its fingerprint covers. Returns the page and the job that
    makes it, or the page as last made (and None) when ``resume`` keeps it.
    """
    name = area.place["area_name"]
    restricted = parameters["restricted"]
    page = Page(name, area.folder.name, key, title)
    page.mode = "restricted" if restricted else "board"
    page.area_code = area.place["area_code"]
    page.parameters = provenance.parameters(
        area.settings, area=name, period=parameters["period"], theme=key, restricted=restricted
    )
    record = provenance.record(
        area.settings,
        area.dataset.files,
        page.parameters,
        population=population_note(area.dataset, page.area_code),
    )
    source = notebook.read_bytes()  # the notebook the fingerprint names is the one run
    page.fingerprint = provenance.fingerprint(record, *depends, hashlib.sha256(source).hexdigest())
    if area.resume and (saved := _reusable(page, area.folder)):
        return saved, None
    resources = {
        **area.resources,
        "title": f"{title}: {name}",
        "document_title": f"{title}, {name}, {when}",
        "subtitle": [about, *area.resources["subtitle"]],
        "provenance": record,
    }
    return page, PageJob(page, area.folder, source.decode("utf-8"), parameters, resources)


def plan_pack(
    settings: Settings,
    *,
    label: str,
    root: Path,
    areas: list[str],
    names: list[str],
    assessed: bool,
    restricted: bool,
    resume: bool,
) -> Plan:
    """Decide a run (in the main process, holding the folder's lock).

    Which areas and pages, each page's notebook parameters, provenance record and
    fingerprint, and, with ``resume``, which pages are kept because their fingerprint is
    unchanged. Writes nothing.
    """
    source, dataset = _catalogue(settings)
    mode = {"restricted": restricted, "threshold": settings.suppression_threshold}
    today = dt.date.today().strftime("%d %B %Y")
    described = Period.parse(label).describe()
    compared = f"{described} ({label}) compared with the same months a year earlier"
    year = assessment_period(label, settings.assessment_period)
    # What pages need from every area, made once here: tasks only read the store.
    source.prepare(settings.themes.values(), years=[year] if assessed else [])
    shown = {
        "contents": [],
        "subtitle": [f"Produced {today}"],
        "sources": settings.sources,
        "synthetic": dataset.synthetic,
        "mode": mode,
        "today": today,
    }
    wards_file = dataset.files[0]["file"] if dataset.files else "wards"
    plan = Plan(root, label, restricted, names, folders=[], store=source.location)
    for named in areas:
        place = dataset.find_area(named)
        folder = inside(root, area_folder(dataset.areas(), place["area_code"], source=wards_file))
        if folder.name in plan.folders:
            continue  # the same area named twice
        plan.folders.append(folder.name)
        parameters = {  # the notebooks': they read the prepared profiles; the run writes tables
            "area": place["area_name"],
            "period": label,
            "config": str(settings.config_path),
            "data_dir": str(settings.data_dir),
            "output_dir": "",
            "restricted": restricted,
        }
        area = _Area(settings, dataset, dict(place), folder, parameters, shown, resume)
        planned = []
        for name in names:
            theme = settings.themes[name]
            notebook = notebook_for(name)
            generic = {"theme": name} if notebook.name == GENERIC_NOTEBOOK else {}
            planned.append(
                _plan_page(
                    area,
                    name,
                    title=theme.title,
                    when=described,
                    about=compared,
                    notebook=notebook,
                    depends=(asdict(theme), mode),
                    parameters={**parameters, **generic},
                )
            )
        if assessed:
            planned.append(
                _plan_page(
                    area,
                    ASSESSMENT,
                    title="Strategic assessment",
                    when=year.describe(),
                    about=f"{year.describe()} ({year.label}), with the change in {described} "
                    f"({label})",
                    notebook=NOTEBOOKS / f"{ASSESSMENT}.ipynb",
                    depends=(
                        {name: asdict(theme) for name, theme in settings.themes.items()},
                        {**mode, "assessment_period": settings.assessment_period},
                    ),
                    parameters=parameters,
                )
            )
        plan.pages += [page for page, _ in planned]
        jobs = {job.page.theme: job for _, job in planned if job is not None}
        if jobs:
            plan.areas.append(AreaJob(named, folder, jobs))
    plan.index = {
        "synthetic": dataset.synthetic,
        "mode": mode,
        "record": provenance.record(
            settings,
            dataset.files,
            provenance.parameters(settings, period=label, restricted=restricted),
            population=population_note(dataset),
        ),
        "today": today,
    }
    return plan


# ----------------------------------------------------------------------------- execute


def execute_pack(plan: Plan, pool: Executor, *, settings: Settings, progress: bool = True) -> None:
    """Make the plan's pages with ``pool``; this process writes every file, atomically.

    Each area's task (:func:`make_area`) runs first; when it is done its tables, workbook
    and unavailable pages are written here and one task per page (:func:`make_page`) is
    submitted; each page's HTML, executed notebook and manifest are written as its task
    finishes. A failing page is marked failed (its executed notebook kept beside it) and
    the rest of the pack goes on; so are the pages of an area whose task fails.
    """
    from tqdm.auto import tqdm

    waiting: dict[Future, AreaJob | PageJob] = {}
    making = sum(len(area.jobs) for area in plan.areas)
    with tqdm(total=len(plan.pages), desc="Pages", unit="page", disable=not progress) as bar:
        bar.update(len(plan.pages) - making)
        for area in plan.areas:
            task = pool.submit(
                make_area,
                settings,
                store=plan.store,
                area=area.area,
                period=plan.label,
                restricted=plan.restricted,
                themes=plan.names,
                pages=list(area.jobs),
            )
            waiting[task] = area
        try:
            while waiting:
                done, _ = wait(waiting, return_when=FIRST_COMPLETED)
                for task in done:
                    job = waiting.pop(task)
                    if isinstance(job, PageJob):
                        _page_made(job, task)
                        bar.update(1)
                        continue
                    ready, prepared = _area_made(job, task, period_folder=plan.root.name)
                    bar.update(len(job.jobs) - len(ready))
                    for page_job in ready:
                        page_task = pool.submit(
                            make_page,
                            page_job.notebook,
                            page_job.parameters,
                            page_job.resources,
                            prepared,
                        )
                        waiting[page_task] = page_job
        finally:
            for task in waiting:  # an error here: tasks not yet started are not run
                task.cancel()


def _area_made(area: AreaJob, task: Future, *, period_folder: str) -> tuple[list[PageJob], bytes]:
    """Write what an area task made; returns the area's pages to execute and their profiles.

    Pages that are unavailable or failed are finished here (with their manifests).
    """
    try:
        made: AreaResult = task.result()
    except Exception as error:  # noqa: BLE001 - one area failing must not stop the pack
        for key, job in area.jobs.items():
            _discard(area.folder, key)
            job.page.status, job.page.message = "failed", failure_message(error)
            _save_manifest(job)
        return [], b""
    book = inside(area.folder, workbook_name(area.folder.name, period_folder))
    if made.workbook is not None:
        write_atomic(book, made.workbook)
    ready = []
    for key, job in area.jobs.items():
        outcome, page = made.pages[key], job.page
        page.workbook = f"{area.folder.name}/{book.name}" if book.exists() else ""
        page.status, page.message, page.figures = outcome.status, outcome.message, outcome.figures
        if outcome.status == "failed":
            _discard(area.folder, key)
        else:
            with fresh_folder(inside(area.folder, key)) as staging:  # the tables, whole
                for name, data in outcome.tables.items():
                    inside(staging, name).write_bytes(data)
        if outcome.status == "ok":
            ready.append(job)
            continue
        if outcome.status == "unavailable":
            _unavailable_page(page, area.folder, job.resources)
        _save_manifest(job)
    return ready, made.prepared


def _page_made(job: PageJob, task: Future) -> None:
    """Write what a page task made (or that it failed), then the page's manifest."""
    try:
        result: PageResult = task.result()
    except Exception as error:  # noqa: BLE001 - a worker lost, for example
        result = PageResult("failed", failure_message(error))
    _store_page(job.page, job.folder, result)
    _save_manifest(job)


def _store_page(page: Page, folder: Path, result: PageResult) -> None:
    """Write a page task's HTML and executed notebook into the area's folder."""
    executed = folder / f"{page.theme}.ipynb"
    if result.notebook:
        write_atomic(executed, result.notebook)  # kept when failed, for debugging
    else:
        executed.unlink(missing_ok=True)  # an earlier run's
    if result.status == "failed":
        (folder / f"{page.theme}.html").unlink(missing_ok=True)  # an earlier run's page
        page.status, page.message = "failed", result.message
        return
    write_atomic(folder / f"{page.theme}.html", result.html)
    page.html = f"{page.area_slug}/{page.theme}.html"


def _save_manifest(job: PageJob) -> None:
    """Write a made page's manifest; a failed page's has no fingerprint (made again)."""
    page = job.page
    fingerprint = "" if page.status == "failed" else page.fingerprint
    saved = {**asdict(page), "fingerprint": fingerprint}
    write_atomic(_manifest(job.folder, page.theme), json.dumps(saved, indent=1))


def _execute(page: Page, parameters: dict, folder: Path, resources: dict) -> Page:
    """One page made and written in this process, its notebook reading ``parameters`` as given.

    What an executor splits between a worker (:func:`make_page`) and the main process.
    """
    _store_page(
        page, folder, make_page(notebook_for(page.theme).read_text(), parameters, resources)
    )
    return page


# ------------------------------------------------------------------------------- index


def write_index(plan: Plan, *, settings: Settings) -> None:
    """Write ``index.html``: every page of the period folder, from its manifests."""
    write_atomic(
        plan.root / "index.html",
        index_html(
            pages_in(plan.root, areas=plan.folders, themes=[*settings.themes, ASSESSMENT]),
            settings=settings,
            period=plan.label,
            **plan.index,
        ),
    )


# ------------------------------------------------------------------ the tasks (workers)


@dataclass
class Outcome:
    """What an area task found for one page: its status and, unless failed, its tables."""

    status: str  # "ok", "unavailable" or "failed"
    message: str = ""
    figures: dict = field(default_factory=dict)  # the index row
    tables: dict[str, bytes] = field(default_factory=dict)  # file name: bytes


@dataclass
class AreaResult:
    """What an area task returns: everything the area's files and page tasks need."""

    pages: dict[str, Outcome]  # by page key (theme or strategic assessment)
    workbook: bytes | None  # None when no theme of the run could be made
    prepared: bytes  # the pickled profiles and assessment the area's notebooks read


@dataclass
class PageResult:
    """What a page task returns: the page's HTML and its executed notebook."""

    status: str  # "ok" or "failed"
    message: str = ""
    html: str = ""
    notebook: bytes = b""  # the executed .ipynb (with the error, when failed)


def _files(paths: list[Path]) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in paths}


def _outcome(key: str, made: AreaPublication, scratch: Path) -> Outcome:
    """The status, index row and table files of one page from the area's publication."""
    item = made.assessment if key == ASSESSMENT else made.profiles[key]
    if isinstance(item, CoverageError):
        message = str(item)
        return Outcome(
            "unavailable", message, tables=_files(write_unavailable(scratch, key, message))
        )
    if isinstance(item, Exception):  # one theme failing must not stop the pack
        return Outcome("failed", failure_message(item))
    if key == ASSESSMENT:
        tables = _files(write_assessment_tables(item, scratch))
        return Outcome("ok", figures=assessment_figures(item), tables=tables)
    tables = _files(write_tables(item, scratch))
    if not item.available:
        return Outcome("unavailable", item.reason, tables=tables)
    return Outcome("ok", figures=index_figures(item), tables=tables)


def make_area(
    settings: Settings,
    *,
    store: Path | str | None = None,
    area: str,
    period: str,
    restricted: bool,
    themes: list[str],
    pages: list[str],
) -> AreaResult:
    """The area task: the area's profiles and assessment, made once, and what its files need.

    Makes them with :func:`csp_analysis.publication.publish_area` from the area's view of
    the processed ``store`` (its folder or URL; the settings' store when None), the strategic
    assessment only when ``pages`` names it, and returns, for each page key of ``pages``,
    its status, index row and tables (as the bytes of their files), the workbook of the
    run's ``themes`` and the pickled profiles the area's page tasks give their notebooks.
    Writes nothing outside a private temporary folder: the main process writes the files.
    """
    made = publish_area(
        settings,
        area=area,
        period=period,
        restricted=restricted,
        assessed=ASSESSMENT in pages,
        store=store,
    )
    with tempfile.TemporaryDirectory(prefix="csp-area-") as scratch:
        outcomes = {key: _outcome(key, made, Path(scratch)) for key in pages}
    run = {name: made.profiles[name] for name in themes}
    book = None
    if any(isinstance(profile, Profile) for profile in run.values()):
        book = workbook_bytes(run, sources=settings.sources)
    prepared = {name: p for name, p in made.profiles.items() if isinstance(p, Profile)}
    if isinstance(made.assessment, Assessment):
        prepared[ASSESSMENT] = made.assessment
    return AreaResult(outcomes, book, pickle.dumps(prepared))


def make_page(
    notebook: str, parameters: dict, resources: dict, prepared: bytes | None = None
) -> PageResult:
    """The page task: execute one notebook with papermill and render it to HTML.

    ``notebook`` is the text of the notebook file, ``parameters`` the notebook's own (they
    stay in the executed ``.ipynb``, whose code and parameters the HTML page does not show)
    and ``resources`` what the page template shows. ``prepared`` (the area task's) is
    written to a private temporary file and given to the notebook as ``prepared``. The
    notebook runs in this worker's kernel (:func:`page_kernel`). A notebook that fails
    gives a failed result with the executed notebook and its error; a kernel that fails
    (:func:`kernel_failed`) gets one more try, on a new kernel.
    """
    import nbformat
    import papermill

    with tempfile.TemporaryDirectory(prefix="csp-page-") as scratch:
        source, executed = Path(scratch, "notebook.ipynb"), Path(scratch, "executed.ipynb")
        source.write_text(notebook, encoding="utf-8")
        if prepared is not None:
            Path(scratch, "prepared.pickle").write_bytes(prepared)
            parameters = {**parameters, "prepared": str(Path(scratch, "prepared.pickle"))}
        for attempt in (1, 2):
            try:
                papermill.execute_notebook(
                    str(source),
                    str(executed),
                    parameters=parameters,
                    kernel_name=KERNEL,
                    language="python",
                    progress_bar=False,
                    request_save_on_cell_execute=False,  # written once, at the end (or on error)
                    km=page_kernel(),
                )
                text = executed.read_bytes()
                node = nbformat.reads(text.decode("utf-8"), as_version=4)
                html = render_html(node, {**resources, "contents": contents_of(node)})
                break
            except Exception as error:  # noqa: BLE001 - one page failing must not stop the pack
                close_page_kernels()  # the next try, or page, starts from a new kernel
                if attempt == 1 and kernel_failed(error):
                    continue
                kept = executed.read_bytes() if executed.exists() else b""
                return PageResult("failed", failure_message(error), notebook=kept)
    return PageResult("ok", html=html, notebook=text)


def kernel_failed(error: Exception) -> bool:
    """Whether a page failed for its kernel (it died, or did not answer), not its notebook.

    A busy machine can keep a kernel from answering within papermill's minute; the page is
    then made once more on a new kernel rather than marked failed.
    """
    from nbclient.exceptions import DeadKernelError

    return isinstance(error, DeadKernelError) or (
        isinstance(error, RuntimeError)
        and str(error).startswith(("Kernel didn't respond", "Kernel died"))  # jupyter_client's
    )


# ---------------------------------------------------------------------------- kernels

#: Run in a kept kernel before each page (not in its notebook): the page before it leaves
#: no variable, figure or execution count behind, as if the kernel were new.
KERNEL_RESET = """\
get_ipython().run_line_magic("reset", "-f")
import matplotlib.pyplot as _pyplot
_pyplot.close("all")
del _pyplot
get_ipython().execution_count = 1
"""
_kernels = threading.local()  # each thread of a worker has its own kernel
_started: list = []  # every kernel this process started, closed when it exits


def page_kernel():
    """The Jupyter kernel of this worker thread, started on its first page and reset before each.

    A new kernel costs about 4 s (starting it and importing the toolkit's libraries) of a
    page's 8 s, so a worker keeps its kernel for the next page; :data:`KERNEL_RESET` then
    clears what the page before left. The kernel runs in a private temporary folder and is
    closed when the worker ends (or after a page fails: see :func:`close_page_kernels`).
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    manager = getattr(_kernels, "manager", None)
    if manager is None or not run_sync(manager.is_alive)():
        os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")  # this environment's kernel
        manager = AsyncKernelManager(kernel_name=KERNEL)
        folder = tempfile.mkdtemp(prefix="csp-kernel-")
        run_sync(manager.start_kernel)(
            cwd=folder,
            # No TCP warning; no history database: its page numbering restarts at each page
            # (KERNEL_RESET), which IPython's history saving thread reports in whatever cell
            # runs then ("ERROR! Session/line number was not unique"), on the page.
            extra_arguments=["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"],
        )
        _kernels.manager, _kernels.folder = manager, folder
        if not _started:  # closed when this process ends: at exit, or as a pool's worker
            atexit.register(close_page_kernels, everywhere=True)
            Finalize(None, close_page_kernels, kwargs={"everywhere": True}, exitpriority=10)
        _started.append((manager, folder))
    run_sync(_reset)(manager)
    return manager


async def _reset(manager) -> None:
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(KERNEL_RESET, store_history=False, timeout=60)
    finally:
        client.stop_channels()
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"could not reset the page kernel: {reply['content']}")


def close_page_kernels(*, everywhere: bool = False) -> None:
    """Shut down this thread's kept kernel (``everywhere``: every thread's of this process)."""
    from jupyter_core.utils import run_sync

    mine = getattr(_kernels, "manager", None)
    for manager, folder in list(_started):
        if everywhere or manager is mine:
            try:
                run_sync(manager.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001, S110 - already gone
                pass
            shutil.rmtree(folder, ignore_errors=True)
            _started.remove((manager, folder))
    if everywhere or mine is not None:
        _kernels.manager = None


# ------------------------------------------------------------------------- executors

#: Seconds to wait for a Dask scheduler to answer and for its first worker.
CLUSTER_TIMEOUT = 10


class ClusterError(Exception):
    """A Dask cluster that cannot run the pack: unreachable, without workers or packages."""


def _package_version() -> str:
    """The csp_analysis version a worker runs (imported there: the package is installed)."""
    return __version__


def _connect(address: str):
    """A :class:`distributed.Client` of the scheduler at ``address``, checked before use.

    Raises :class:`ClusterError` when the scheduler cannot be reached, has no worker, or a
    worker cannot run this version of csp_analysis.
    """
    import asyncio

    from distributed import Client
    from distributed.comm import connect

    async def probe() -> None:  # a plain connection first: a failed Client is slow and noisy
        comm = await connect(address, timeout=CLUSTER_TIMEOUT)
        await comm.close()

    try:
        with ThreadPoolExecutor(1) as thread:  # its own event loop, even inside Jupyter
            thread.submit(asyncio.run, probe()).result()
    except (OSError, ValueError, TimeoutError) as error:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({error}). Check the address and "
            "that the scheduler is running, or leave out --cluster to use local workers."
        ) from None
    client = Client(address, timeout=CLUSTER_TIMEOUT, set_as_default=False)
    try:
        client.wait_for_workers(1, timeout=CLUSTER_TIMEOUT)
        versions = client.run(_package_version)
    except TimeoutError:
        client.close()
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers (waited {CLUSTER_TIMEOUT} s): "
            f"start some with 'dask worker {address}'."
        ) from None
    except Exception as error:  # noqa: BLE001 - a worker without the package, typically
        client.close()
        raise ClusterError(
            f"the workers of the Dask cluster at {address} cannot run csp_analysis "
            f"({type(error).__name__}: {error}): install csp_analysis {__version__} on every "
            "worker."
        ) from None
    wrong = {worker: version for worker, version in versions.items() if version != __version__}
    if wrong:
        client.close()
        worker, version = next(iter(wrong.items()))
        raise ClusterError(
            f"{len(wrong)} worker(s) of the Dask cluster at {address} run csp_analysis "
            f"{version} (for example {worker}) and this run uses {__version__}: install the "
            "same version on every worker."
        )
    return client


#: What a page worker imports, once, in the server its processes are forked from: the
#: toolkit, and what executes and renders notebooks (imported by their tasks, not here).
WORKER_IMPORTS = ["csp_analysis.pack", "nbformat", "nbconvert", "papermill", "jupyter_client"]


def local_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` local processes, forked from a server that has imported the toolkit once.

    Not forks of this process, whose threads and state they must not inherit; and a run's
    workers start in a fraction of a second instead of importing the toolkit each.
    """
    context = get_context("forkserver")
    context.set_forkserver_preload(WORKER_IMPORTS)
    return ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context)


@contextmanager
def executor(*, workers: int = 2, cluster: str | None = None) -> Iterator[Executor]:
    """Where a run's tasks execute: local worker processes, or a Dask cluster.

    ``workers`` spawned processes on this machine by default; with ``cluster``, a Dask
    scheduler's address (``tcp://host:8786``), the cluster's workers. Either way a
    :class:`concurrent.futures.Executor`: ``submit(function, *args, **kwargs)`` gives a
    future. Raises :class:`ClusterError` when the cluster cannot run the pack.
    """
    if cluster is None:
        with local_pool(workers) as pool:
            yield pool
        return
    client = _connect(cluster)
    try:
        with client.get_executor(pure=False) as pool:  # every task runs, even when alike
            yield pool
    finally:
        client.close()


def index_html(
    pages: list[Page],
    *,
    settings: Settings,
    period: str,
    synthetic: bool,
    mode: dict,
    record: dict,
    today: str,
) -> str:
    """The board pack's front page: every area and theme with its headline numbers."""
    import jinja2

    folders = [TEMPLATES / "pack", TEMPLATES / "csp_board"]  # shares the pages' partials
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(folders), autoescape=True)
    areas: dict[str, list[Page]] = {}
    unavailable: dict[str, list[Page]] = {}  # each reason once, with the pages it covers
    for page in pages:
        areas.setdefault(page.area_name, []).append(page)
        if page.status == "unavailable":
            unavailable.setdefault(page.message, []).append(page)
    return environment.get_template("index.html.j2").render(
        title=settings.title,
        period=period,
        described=Period.parse(period).describe(),
        today=today,
        pages=pages,
        areas=areas,
        sentences={area: area_sentence(rows) for area, rows in areas.items()},
        unavailable=unavailable,
        failed=sum(p.status == "failed" for p in pages),
        synthetic=synthetic,
        mode=mode,
        sources=settings.sources,
        provenance=record,
    )
