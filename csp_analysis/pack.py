"""Pack: the quarterly board pack, every area and theme as notebooks rendered to HTML.

The last step of the data flow. :func:`run_pack` loads the data once (so bad input is
refused before any notebook starts), decides which themes the data supports, executes the
theme notebooks with papermill's in-process API in parallel worker processes, renders each
to a self-contained HTML page (code hidden, plots embedded, nothing fetched from the
internet) and writes the board pack's front page, ``index.html``.

Every file is written atomically, so an interrupted run leaves no half-written page, and
one run at a time holds a period's folder (:class:`~csp_analysis.outputs.OutputLock`). Each
page gets a manifest (``<theme>.json``) with its version (board or restricted), its index
row and the fingerprint of its inputs and parameters: the index lists every page of the
folder from these manifests, and with ``resume`` a page whose fingerprint is unchanged is
not made again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import re
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from csp_analysis import provenance, wording
from csp_analysis.assessment import Assessment, area_assessment, assessment_period
from csp_analysis.config import PROJECT_ROOT, Settings
from csp_analysis.load import load_dataset, population_note
from csp_analysis.outputs import (
    PARTIAL,
    OutputError,
    OutputLock,
    area_folder,
    check_theme_names,
    clean_partials,
    inside,
    write_atomic,
)
from csp_analysis.periods import Period
from csp_analysis.profile import CoverageError, Profile
from csp_analysis.publication import area_profiles
from csp_analysis.tables import (
    ASSESSMENT_FOLDER,
    write_assessment_tables,
    write_tables,
    write_unavailable,
)
from csp_analysis.workbook import workbook_name, write_workbook

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


def contents_of(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
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


def render_html(notebook: nbformat.NotebookNode, page: dict) -> str:
    """The notebook as a self-contained board page (code and prompts hidden).

    ``page`` holds what the template shows (:func:`run_pack` makes it); its
    ``document_title`` (or else its ``title``) is the page's ``<title>``.
    """
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
    title = {"name": page.get("document_title") or page.get("title") or "Notebook"}
    body, _ = exporter.from_notebook_node(notebook, resources={"csp": page, "metadata": title})
    return body


def failure_message(error: Exception) -> str:
    """One line for the index: the error a notebook cell raised, without colour codes."""
    name = getattr(error, "ename", type(error).__name__)
    value = getattr(error, "evalue", str(error))
    cell = getattr(error, "exec_count", None)
    text = f"{name}: {value}" + (f" (notebook cell {cell})" if cell else "")
    return re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()[0][:500]


def _execute(page: Page, parameters: dict, folder: Path, resources: dict) -> Page:
    """Run one notebook with papermill and render it (in a worker process).

    ``parameters`` are the notebook's own (paths as the kernel needs them); they stay in
    the executed ``.ipynb``, whose code and parameters the HTML page does not show.
    """
    import papermill

    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")  # this environment's kernel
    executed = folder / f"{page.theme}.ipynb"
    running = folder / f".{page.theme}{PARTIAL}.ipynb"  # papermill wants .ipynb
    try:
        papermill.execute_notebook(
            str(notebook_for(page.theme)),
            str(running),
            parameters=parameters,
            kernel_name=KERNEL,
            language="python",
            progress_bar=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no transport warnings
            cwd=str(NOTEBOOKS),
        )
    except Exception as error:  # noqa: BLE001 - one page failing must not stop the pack
        if running.exists():
            os.replace(running, executed)  # kept, with the error, for debugging
        (folder / f"{page.theme}.html").unlink(missing_ok=True)  # an earlier run's page
        page.status, page.message = "failed", failure_message(error)
        return page
    os.replace(running, executed)
    notebook = nbformat.read(executed, as_version=4)
    write_atomic(
        folder / f"{page.theme}.html",
        render_html(notebook, {**resources, "contents": contents_of(notebook)}),
    )
    page.html = f"{page.area_slug}/{page.theme}.html"
    return page


def _unavailable_page(page: Page, folder: Path, resources: dict) -> Page:
    """A short page saying why the theme cannot be produced from this data."""
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


def _area_workbook(
    folder: Path,
    period_folder: str,
    profiles: dict | None,
    names: list[str],
    settings: Settings,
    pages: list[Page],
) -> None:
    """Write the area's workbook of the run's themes, and name it on the area's pages.

    With ``profiles`` None (every page of the area kept by ``resume``) the workbook of
    the earlier run is kept as it is.
    """
    book = inside(folder, workbook_name(folder.name, period_folder))
    if profiles is not None and any(isinstance(profiles[n], Profile) for n in names):
        write_workbook({n: profiles[n] for n in names}, book, sources=settings.sources)
    for page in pages:
        page.workbook = f"{folder.name}/{book.name}" if book.exists() else ""


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
) -> list[Page]:
    """Produce the board pack under ``out/<period folder>/`` and return this run's pages.

    Writes ``<area>/<theme>.ipynb`` (executed), ``<area>/<theme>.html``,
    ``<area>/<theme>/*.csv``, ``<area>/<theme>.json`` (the page's manifest),
    ``<area>/<area>-<period>.xlsx`` (the workbook of the run's themes, see
    :mod:`csp_analysis.workbook`) and ``index.html``, which lists every page of the folder.
    ``restricted`` keeps exact small numbers and marks every page OFFICIAL-SENSITIVE; the
    default is the board and public version. Raises
    :class:`~csp_analysis.outputs.OutputError` when another run holds the folder or the
    folder holds pages of the other version.
    """
    names = [name for name in themes or settings.themes if name != ASSESSMENT]
    assessed = themes is None or ASSESSMENT in themes
    check_theme_names(names, config=settings.config_path)
    label = Period.parse(period).label
    root = inside(out, Period.parse(period).folder)
    with OutputLock(root):
        check_version(root, "restricted" if restricted else "board")
        clean_partials(root)  # what an interrupted run left: no other run is writing here
        return _run_locked(
            settings,
            label=label,
            root=root,
            areas=areas,
            names=names,
            workers=workers,
            restricted=restricted,
            resume=resume,
            progress=progress,
            assessed=assessed,
        )


def _run_locked(
    settings: Settings,
    *,
    label: str,
    root: Path,
    areas: list[str] | None,
    names: list[str],
    workers: int,
    restricted: bool,
    resume: bool,
    progress: bool,
    assessed: bool = True,
) -> list[Page]:
    """:func:`run_pack` once it holds the period folder."""
    from tqdm.auto import tqdm

    dataset = load_dataset(settings)
    mode = {"restricted": restricted, "threshold": settings.suppression_threshold}
    version = "restricted" if restricted else "board"
    wards_file = dataset.files[0]["file"] if dataset.files else "wards"
    today = dt.date.today().strftime("%d %B %Y")
    described = Period.parse(label).describe()
    subtitle = [f"{described} ({label}) compared with the same months a year earlier"]
    pages, jobs = [], []  # pages in reading order; jobs: (position, arguments) to execute
    folders = []
    prepared = tempfile.TemporaryDirectory(prefix="csp-prepared-")
    for area in areas or settings.areas:
        place = dataset.find_area(area)
        folder = inside(root, area_folder(dataset.areas(), place["area_code"], source=wards_file))
        if folder.name in folders:
            continue  # the same area named twice
        folders.append(folder.name)
        profiles, made = None, Path(prepared.name) / f"{folder.name}.pickle"
        area_parameters = {  # the notebooks': they read the files; run_pack writes the tables
            "area": place["area_name"],
            "period": label,
            "config": str(settings.config_path),
            "data_dir": str(settings.data_dir),
            "output_dir": "",
            "restricted": restricted,
        }
        for name in names:
            theme = settings.themes[name]
            page = Page(place["area_name"], folder.name, name, theme.title)
            page.mode, page.area_code = version, place["area_code"]
            page.parameters = provenance.parameters(
                settings, area=place["area_name"], period=label, theme=name, restricted=restricted
            )
            parameters = dict(area_parameters)
            if notebook_for(name).name == GENERIC_NOTEBOOK:
                parameters["theme"] = name
            record = provenance.record(
                settings,
                dataset.files,
                page.parameters,
                population=population_note(dataset, place["area_code"]),
            )
            page.fingerprint = provenance.fingerprint(
                record, asdict(theme), mode, provenance.sha256(notebook_for(name))
            )
            if resume and (saved := _reusable(page, folder)):
                pages.append(saved)
                continue
            resources = {
                "title": f"{theme.title}: {place['area_name']}",
                "document_title": f"{theme.title}, {place['area_name']}, {described}",
                "subtitle": [*subtitle, f"Produced {today}"],
                "contents": [],
                "sources": settings.sources,
                "synthetic": dataset.synthetic,
                "mode": mode,
                "provenance": record,
                "today": today,
            }
            if profiles is None:  # every theme of the area, protected together, once
                profiles = area_profiles(
                    dataset, settings, area=area, period=label, restricted=restricted
                )
                with open(made, "wb") as handle:  # what the area's notebooks read
                    pickle.dump(
                        {n: p for n, p in profiles.items() if isinstance(p, Profile)}, handle
                    )
            profile = profiles[name]
            if isinstance(profile, CoverageError):
                page.status, page.message = "unavailable", str(profile)
                write_unavailable(folder, name, page.message)
            elif isinstance(profile, Exception):  # one theme failing must not stop the pack
                page.status, page.message = "failed", failure_message(profile)
                _discard(folder, name)
                pages.append(page)
                continue
            else:
                write_tables(profile, folder)
                if not profile.available:
                    page.status, page.message = "unavailable", profile.reason
            if page.status == "unavailable":
                pages.append(_unavailable_page(page, folder, resources))
                continue
            parameters["prepared"] = str(made)  # made once for every page of the area
            page.figures = index_figures(profile)
            jobs.append((len(pages), (page, parameters, folder, resources)))
            pages.append(page)
        _area_workbook(folder, root.name, profiles, names, settings, pages[-len(names) :])
        if not assessed:
            continue
        page = Page(place["area_name"], folder.name, ASSESSMENT, "Strategic assessment")
        page.mode, page.area_code = version, place["area_code"]
        page.parameters = provenance.parameters(
            settings, area=place["area_name"], period=label, theme=ASSESSMENT, restricted=restricted
        )
        record = provenance.record(
            settings,
            dataset.files,
            page.parameters,
            population=population_note(dataset, place["area_code"]),
        )
        page.fingerprint = provenance.fingerprint(
            record,
            {name: asdict(theme) for name, theme in settings.themes.items()},
            {**mode, "assessment_period": settings.assessment_period},
            provenance.sha256(NOTEBOOKS / f"{ASSESSMENT}.ipynb"),
        )
        if resume and (saved := _reusable(page, folder)):
            pages.append(saved)
            continue
        year = assessment_period(label, settings.assessment_period)
        resources = {
            "title": f"Strategic assessment: {place['area_name']}",
            "document_title": f"Strategic assessment, {place['area_name']}, {year.describe()}",
            "subtitle": [
                f"{year.describe()} ({year.label}), with the change in {described} ({label})",
                f"Produced {today}",
            ],
            "contents": [],
            "sources": settings.sources,
            "synthetic": dataset.synthetic,
            "mode": mode,
            "provenance": record,
            "today": today,
        }
        if profiles is None:
            profiles = area_profiles(
                dataset, settings, area=area, period=label, restricted=restricted
            )
        try:
            assessment = area_assessment(
                dataset,
                settings,
                area=area,
                period=label,
                profiles=profiles,
                restricted=restricted,
            )
        except CoverageError as error:
            page.status, page.message = "unavailable", str(error)
            write_unavailable(folder, ASSESSMENT, page.message)
            pages.append(_unavailable_page(page, folder, resources))
            continue
        write_assessment_tables(assessment, folder)
        with open(made, "wb") as handle:  # the area's profiles and its assessment
            pickle.dump(
                {
                    **{n: p for n, p in profiles.items() if isinstance(p, Profile)},
                    ASSESSMENT: assessment,
                },
                handle,
            )
        page.figures = assessment_figures(assessment)
        jobs.append(
            (
                len(pages),
                (page, {**area_parameters, "prepared": str(made)}, folder, resources),
            )
        )
        pages.append(page)

    with (
        tqdm(total=len(pages), desc="Notebooks", unit="page", disable=not progress) as bar,
        ProcessPoolExecutor(max_workers=max(1, workers), mp_context=get_context("spawn")) as pool,
    ):
        bar.update(len(pages) - len(jobs))
        futures = {pool.submit(_execute, *arguments): position for position, arguments in jobs}
        for future in as_completed(futures):
            pages[futures[future]] = future.result()
            bar.update(1)
    prepared.cleanup()

    for page in pages:
        if not page.reused:
            failed = page.status == "failed"  # never reused: made again by the next run
            saved = {**asdict(page), "fingerprint": "" if failed else page.fingerprint}
            write_atomic(_manifest(root / page.area_slug, page.theme), json.dumps(saved, indent=1))
    write_atomic(
        root / "index.html",
        index_html(
            pages_in(root, areas=folders, themes=[*settings.themes, ASSESSMENT]),
            settings=settings,
            period=label,
            synthetic=dataset.synthetic,
            mode=mode,
            record=provenance.record(
                settings,
                dataset.files,
                provenance.parameters(settings, period=label, restricted=restricted),
                population=population_note(dataset),
            ),
            today=today,
        ),
    )
    return pages


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
