"""Pack: the quarterly board pack, every area and theme as notebooks rendered to HTML.

The last step of the data flow. :func:`run_pack` loads the data once (so bad input is
refused before any notebook starts), decides which themes the data supports, executes the
theme notebooks with papermill's in-process API in parallel worker processes, renders each
to a self-contained HTML page (code hidden, plots embedded, nothing fetched from the
internet) and writes the board pack's front page, ``index.html``.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from csp_analysis import __version__
from csp_analysis.config import PROJECT_ROOT, Settings
from csp_analysis.load import load_dataset
from csp_analysis.periods import Period
from csp_analysis.profile import CoverageError, Profile, build_profile
from csp_analysis.tables import slug, write_tables

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
    status: str  # "ok", "unavailable" or "failed"
    summary: str = ""
    change: dict = field(default_factory=dict)
    message: str = ""
    html: str = ""
    parameters: dict = field(default_factory=dict)


def notebook_for(theme: str) -> Path:
    """The theme's own notebook, or the generic offence-profile notebook."""
    own = NOTEBOOKS / f"{theme}.ipynb"
    return own if own.exists() else NOTEBOOKS / GENERIC_NOTEBOOK


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that it is never seen half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


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


def page_resources(
    *,
    title: str,
    subtitle: list[str],
    sources: list[str],
    synthetic: bool,
    contents: list[tuple[str, str]],
) -> dict:
    """What the board template shows around the notebook's outputs."""
    today = dt.date.today().strftime("%d %B %Y")
    return {
        "title": title,
        "subtitle": [*subtitle, f"Produced {today}"],
        "contents": contents,
        "sources": sources,
        "banner": (
            "SYNTHETIC DEMO DATA: invented records, not real crime or real people."
            if synthetic
            else ""
        ),
        "banner_class": "synthetic",
        "made_by": f"Made with csp_analysis {__version__} on {today}.",
    }


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


def _execute(page: Page, folder: Path, resources: dict) -> Page:
    """Run one notebook with papermill and render it (in a worker process)."""
    import papermill

    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")  # this environment's kernel
    executed = folder / f"{page.theme}.ipynb"
    try:
        papermill.execute_notebook(
            str(notebook_for(page.theme)),
            str(executed),
            parameters=page.parameters,
            kernel_name=KERNEL,
            language="python",
            progress_bar=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no transport warnings
            cwd=str(NOTEBOOKS),
        )
    except Exception as error:  # noqa: BLE001 - one page failing must not stop the pack
        page.status, page.message = "failed", failure_message(error)
        return page
    notebook = nbformat.read(executed, as_version=4)
    resources = {**resources, "contents": contents_of(notebook)}
    write_atomic(folder / f"{page.theme}.html", render_html(notebook, resources))
    page.html = f"{page.area_slug}/{page.theme}.html"
    return page


def failure_message(error: Exception) -> str:
    """One line for the index: the error a notebook cell raised, without colour codes."""
    name = getattr(error, "ename", type(error).__name__)
    value = getattr(error, "evalue", str(error))
    cell = getattr(error, "exec_count", None)
    text = f"{name}: {value}" + (f" (notebook cell {cell})" if cell else "")
    return re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()[0][:500]


def _unavailable_page(page: Page, folder: Path, resources: dict) -> Page:
    """A short page saying why the theme cannot be produced from this data."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(f"## Not available\n\n{page.message}")]
    )
    write_atomic(
        folder / f"{page.theme}.html", render_html(notebook, {**resources, "contents": []})
    )
    page.html = f"{page.area_slug}/{page.theme}.html"
    return page


def _prepare(settings: Settings, profile: Profile, page: Page, folder: Path) -> None:
    page.summary = profile.summary()
    test = profile.change
    page.change = {
        "current": test.current,
        "previous": test.previous,
        "p_value": test.p_value,
        "significant": test.significant,
        "unit": "incidents" if profile.theme.records == "asb" else "offences",
    }
    page.parameters = {
        "area": profile.area_name,
        "period": profile.period.label,
        "config": str(settings.config_path),
        "data_dir": str(settings.data_dir),
        "output_dir": str(folder),
    }
    if notebook_for(page.theme).name == GENERIC_NOTEBOOK:
        page.parameters["theme"] = page.theme


def run_pack(
    settings: Settings,
    *,
    period: str,
    out: str | Path,
    areas: list[str] | None = None,
    themes: list[str] | None = None,
    workers: int = 2,
    progress: bool = True,
) -> list[Page]:
    """Produce the board pack under ``out/<period>/`` and return its pages.

    Writes ``<area-slug>/<theme>.ipynb`` (executed), ``<area-slug>/<theme>.html``,
    ``<area-slug>/<theme>/*.csv`` and ``index.html``.
    """
    from tqdm.auto import tqdm

    label = Period.parse(period).label
    root = Path(out) / label
    dataset = load_dataset(settings)
    pages, jobs = [], []  # pages in reading order; jobs: (position, arguments) to execute
    subtitle = [
        f"{Period.parse(label).describe()} ({label}) compared with the same months a year earlier"
    ]
    for area in areas or settings.areas:
        place = dataset.find_area(area)
        folder = root / slug(place["area_name"])
        for name in themes or list(settings.themes):
            theme = settings.themes[name]
            page = Page(place["area_name"], folder.name, name, theme.title, "ok")
            resources = page_resources(
                title=f"{theme.title}: {place['area_name']}",
                subtitle=subtitle,
                sources=settings.sources,
                synthetic=dataset.synthetic,
                contents=[],
            )
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
                write_tables(profile, folder)
                if not profile.available:
                    page.status, page.message = "unavailable", profile.reason
            if page.status == "unavailable":
                pages.append(_unavailable_page(page, folder, resources))
                continue
            _prepare(settings, profile, page, folder)
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
    write_atomic(
        root / "index.html",
        index_html(pages, settings=settings, period=label, synthetic=dataset.synthetic),
    )
    return pages


def _index_row(page: Page) -> str:
    """One theme's row of the index: its numbers, or why there are none."""
    title = (
        f'<a href="{html.escape(page.html)}">{html.escape(page.title)}</a>'
        if page.html
        else html.escape(page.title)
    )
    if page.status != "ok":
        mark = "Not available" if page.status == "unavailable" else "Failed"
        return (
            f"<tr><th scope='row'>{title}</th><td colspan='4'><span class='mark "
            f"{page.status}'>{mark}</span> {html.escape(page.message)}</td></tr>"
        )
    now, before = page.change["current"], page.change["previous"]
    change = f"{now - before:+,}"
    if before:
        change += f" ({(now - before) / before:+.1%})"
    p_value = page.change["p_value"]
    if p_value != p_value:  # NaN: nothing to test
        verdict = "No records to test"
    elif page.change["significant"]:
        verdict = f"<strong>Yes</strong> (p={p_value:.3f})"
    else:
        verdict = f"No (p={p_value:.2f})"
    return (
        f"<tr><th scope='row'>{title}</th><td class='n'>{now:,} {page.change['unit']}</td>"
        f"<td class='n'>{before:,}</td><td class='n'>{change}</td><td>{verdict}</td></tr>"
    )


def index_html(pages: list[Page], *, settings: Settings, period: str, synthetic: bool) -> str:
    """The board pack's front page: every area and theme with its one-line headline."""
    described = Period.parse(period).describe()
    today = dt.date.today().strftime("%d %B %Y")
    sections = []
    for area in dict.fromkeys(p.area_name for p in pages):
        rows = [_index_row(page) for page in pages if page.area_name == area]
        sections.append(
            f"<h2>{html.escape(area)}</h2>\n<table>\n<thead><tr><th>Theme</th>"
            f"<th class='n'>{html.escape(described)}</th><th class='n'>A year earlier</th>"
            "<th class='n'>Change</th><th>Is the change significant?</th></tr></thead>\n"
            f"<tbody>\n{''.join(rows)}\n</tbody>\n</table>"
        )
    banner = (
        '<div class="banner">SYNTHETIC DEMO DATA: invented records, not real crime or '
        "real people.</div>"
        if synthetic
        else ""
    )
    sources = "".join(f"<li>{html.escape(s)}</li>" for s in settings.sources)
    failed = sum(p.status == "failed" for p in pages)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(settings.title)}: {period}</title>
<style>
body {{ max-width: 1000px; margin: 0 auto; padding: 0 16px; font-family: Arial, Helvetica,
       sans-serif; color: #0b0c0c; }}
header {{ border-bottom: 4px solid #1d70b8; padding: 16px 0 12px; }}
h1 {{ font-size: 2em; margin: 0 0 6px; }} header p {{ margin: 2px 0; color: #505a5f; }}
.banner {{ background: #fff2cc; border-left: 6px solid #b58900; padding: 10px 16px;
          font-weight: bold; margin: 12px 0; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 24px; }}
th, td {{ text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid
          #b1b4b6; }}
tbody th {{ width: 28%; font-weight: normal; }} thead th {{ background: #f3f2f1; }}
.n {{ text-align: right; white-space: nowrap; }}
.mark {{ font-weight: bold; padding: 1px 6px; border-radius: 3px; }}
.unavailable {{ background: #e8e8e8; color: #383f43; }}
.failed {{ background: #d4351c; color: white; }}
footer {{ border-top: 2px solid #b1b4b6; margin-top: 32px; padding: 12px 0 32px;
          font-size: 0.85em; color: #505a5f; }}
</style></head>
<body>
{banner}
<header><h1>{html.escape(settings.title)}</h1>
<p>Board pack for {described} ({period}), each theme compared with the same months a year
earlier.</p><p>Produced {today}. {len(pages)} pages{f", {failed} failed" if failed else ""}.
Significance: exact Poisson test at the 5% level.</p></header>
<main>
{chr(10).join(sections)}
</main>
<footer><p><strong>Sources and licences</strong></p><ul>{sources}</ul>
<p>Made with csp_analysis {__version__} on {today}.</p></footer>
</body></html>
"""
