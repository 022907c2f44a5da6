"""Pack: the quarterly board pack, every area and theme as notebooks rendered to HTML.

The last step of the data flow. :func:`run_pack` loads the data once (so bad input is
refused before any notebook starts), decides which themes the data supports, executes the
theme notebooks with papermill's in-process API in parallel worker processes, renders each
to a self-contained HTML page (code hidden, plots embedded, nothing fetched from the
internet) and writes the board pack's front page, ``index.html``.

Every file is written atomically, so an interrupted run leaves no half-written page. Each
finished page gets a manifest (``<theme>.json``) with the fingerprint of its inputs and
parameters; with ``resume`` a page whose fingerprint is unchanged is not made again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from csp_analysis import provenance
from csp_analysis.config import PROJECT_ROOT, Settings
from csp_analysis.load import load_dataset
from csp_analysis.periods import Period
from csp_analysis.profile import CoverageError, Profile, build_profile, protect
from csp_analysis.tables import PARTIAL, slug, write_atomic, write_tables

NOTEBOOKS = PROJECT_ROOT / "notebooks"
GENERIC_NOTEBOOK = "offence_profile.ipynb"
TEMPLATES = Path(__file__).parent / "templates"
KERNEL = "python3"


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
    parameters: dict = field(default_factory=dict)
    fingerprint: str = ""
    reused: bool = False


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
    """The notebook as a self-contained board page (code and prompts hidden)."""
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
    body, _ = exporter.from_notebook_node(notebook, resources={"csp": page})
    return body


def failure_message(error: Exception) -> str:
    """One line for the index: the error a notebook cell raised, without colour codes."""
    name = getattr(error, "ename", type(error).__name__)
    value = getattr(error, "evalue", str(error))
    cell = getattr(error, "exec_count", None)
    text = f"{name}: {value}" + (f" (notebook cell {cell})" if cell else "")
    return re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()[0][:500]


def _execute(page: Page, folder: Path, resources: dict) -> Page:
    """Run one notebook with papermill and render it (in a worker process)."""
    import papermill

    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")  # this environment's kernel
    executed = folder / f"{page.theme}.ipynb"
    running = folder / f".{page.theme}{PARTIAL}.ipynb"  # papermill wants .ipynb
    try:
        papermill.execute_notebook(
            str(notebook_for(page.theme)),
            str(running),
            parameters=page.parameters,
            kernel_name=KERNEL,
            language="python",
            progress_bar=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no transport warnings
            cwd=str(NOTEBOOKS),
        )
    except Exception as error:  # noqa: BLE001 - one page failing must not stop the pack
        if running.exists():
            os.replace(running, executed)  # kept, with the error, for debugging
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
    """The index row of an available profile: counts, change and significance, as text."""
    test = profile.change
    unit = "incidents" if profile.theme.records == "asb" else "offences"
    change = f"{test.current - test.previous:+,}"
    if test.previous:
        change += f" ({(test.current - test.previous) / test.previous:+.1%})"
    if test.p_value != test.p_value:  # NaN: nothing to test
        verdict = "No records to test"
    elif test.significant:
        verdict = f"<strong>Yes</strong> (p={test.p_value:.3f})"
    else:
        verdict = f"No (p={test.p_value:.2f})"
    return {
        "current": f"{test.current:,} {unit}",
        "previous": f"{test.previous:,}",
        "change": change,
        "verdict": verdict,
        "summary": profile.summary(),
    }


def _manifest(folder: Path, theme: str) -> Path:
    return folder / f"{theme}.json"


def _reusable(page: Page, folder: Path) -> Page | None:
    """The page as last made, when its fingerprint is unchanged and its files are there."""
    path = _manifest(folder, page.theme)
    try:
        saved = Page(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if saved.fingerprint != page.fingerprint or not (folder.parent / saved.html).exists():
        return None
    saved.reused = True
    return saved


def _clean_partials(root: Path) -> None:
    """Remove what an interrupted run left half-written."""
    for leftover in [*root.rglob(f".*{PARTIAL}"), *root.rglob(f".*{PARTIAL}.ipynb")]:
        leftover.unlink(missing_ok=True)


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
    """Produce the board pack under ``out/<period>/`` and return its pages.

    Writes ``<area-slug>/<theme>.ipynb`` (executed), ``<area-slug>/<theme>.html``,
    ``<area-slug>/<theme>/*.csv``, ``<area-slug>/<theme>.json`` (the page's manifest) and
    ``index.html``. ``restricted`` keeps exact small numbers and marks every page
    OFFICIAL-SENSITIVE; the default is the board and public version.
    """
    from tqdm.auto import tqdm

    label = Period.parse(period).label
    root = Path(out) / label
    root.mkdir(parents=True, exist_ok=True)
    _clean_partials(root)
    dataset = load_dataset(settings)
    mode = {"restricted": restricted, "threshold": settings.suppression_threshold}
    inputs = provenance.input_files(dataset.files)
    today = dt.date.today().strftime("%d %B %Y")
    subtitle = [
        f"{Period.parse(label).describe()} ({label}) compared with the same months a year earlier"
    ]
    pages, jobs = [], []  # pages in reading order; jobs: (position, arguments) to execute
    for area in areas or settings.areas:
        place = dataset.find_area(area)
        folder = root / slug(place["area_name"])
        for name in themes or list(settings.themes):
            theme = settings.themes[name]
            page = Page(place["area_name"], folder.name, name, theme.title)
            page.parameters = {
                "area": place["area_name"],
                "period": label,
                "config": str(settings.config_path),
                "data_dir": str(settings.data_dir),
                "output_dir": str(folder),
                "restricted": restricted,
            }
            if notebook_for(name).name == GENERIC_NOTEBOOK:
                page.parameters["theme"] = name
            record = {
                "toolkit": provenance.toolkit_version(),
                "parameters": {"theme": name, **page.parameters},
                "configuration": provenance.configuration(settings),
                "inputs": inputs,
            }
            page.fingerprint = provenance.fingerprint(
                record, asdict(theme), mode, provenance.sha256(notebook_for(name))
            )
            if resume and (saved := _reusable(page, folder)):
                pages.append(saved)
                continue
            resources = {
                "title": f"{theme.title}: {place['area_name']}",
                "subtitle": [*subtitle, f"Produced {today}"],
                "contents": [],
                "sources": settings.sources,
                "synthetic": dataset.synthetic,
                "mode": mode,
                "provenance": record,
                "today": today,
            }
            try:
                profile = build_profile(
                    dataset, area=area, period=label, theme=theme, top_n=settings.top_n_wards
                )
            except CoverageError as error:
                page.status, page.message = "unavailable", str(error)
            except Exception as error:  # noqa: BLE001 - one theme failing must not stop the pack
                page.status, page.message = "failed", failure_message(error)
                pages.append(page)
                continue
            else:
                if not restricted:
                    profile = protect(profile, threshold=settings.suppression_threshold)
                write_tables(profile, folder)
                if not profile.available:
                    page.status, page.message = "unavailable", profile.reason
            if page.status == "unavailable":
                pages.append(_unavailable_page(page, folder, resources))
                continue
            page.figures = index_figures(profile)
            jobs.append((len(pages), (page, folder, resources)))
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

    for page in pages:
        if page.status != "failed" and not page.reused:
            folder = root / page.area_slug
            write_atomic(_manifest(folder, page.theme), json.dumps(asdict(page), indent=1))
    write_atomic(
        root / "index.html",
        index_html(
            pages,
            settings=settings,
            period=label,
            synthetic=dataset.synthetic,
            mode=mode,
            record={
                "toolkit": provenance.toolkit_version(),
                "parameters": {"period": label, "restricted": restricted},
                "configuration": provenance.configuration(settings),
                "inputs": inputs,
            },
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
    for page in pages:
        areas.setdefault(page.area_name, []).append(page)
    return environment.get_template("index.html.j2").render(
        title=settings.title,
        period=period,
        described=Period.parse(period).describe(),
        today=today,
        pages=pages,
        areas=areas,
        failed=sum(p.status == "failed" for p in pages),
        synthetic=synthetic,
        mode=mode,
        sources=settings.sources,
        provenance=record,
    )
