"""The notebooks and the board pack: thin, output-free notebooks that all execute, and HTML
pages a board member can open offline."""

import ast
import json
import re
import shutil

import nbformat
import pandas as pd
import pytest
from conftest import THEMES, chromium, needs_chromium

from csp_analysis.config import PROJECT_ROOT
from csp_analysis.demo import LATEST_QUARTER
from csp_analysis.pack import NOTEBOOKS, run_pack

#: Every page of the demo pack: the themes, then the strategic assessment.
PAGES = [*THEMES, "strategic_assessment"]

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_is_a_notebook_for_every_theme():
    names = {path.stem for path in NOTEBOOK_FILES}
    assert {
        "overview",
        "domestic_abuse",
        "serious_violence",
        "hate_crime",
        "asb",
        "offence_profile",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_committed_notebooks_carry_no_outputs(path):
    # Outputs can hold sensitive data (victims, domestic abuse, hate crime).
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebooks_are_thin(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    names = {t.id for t in ast.walk(ast.parse(parameters[0].source)) if isinstance(t, ast.Name)}
    assert {"area", "period", "config", "data_dir", "output_dir", "restricted"} <= names
    for cell in code:
        tree = ast.parse(cell.source)
        assert not [
            n
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While))
        ]
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert all(getattr(n, "module", None) == "csp_analysis" for n in imports)
        assert len(cell.source.splitlines()) <= 8
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_default_parameters_run_on_what_make_demo_builds(path):
    from csp_analysis import demo
    from csp_analysis.config import load_settings

    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    defaults = {}
    exec(cell.source, {}, defaults)  # the cell only assigns literals
    assert defaults["area"] == demo.AREA_NAME and defaults["period"] == demo.LATEST_QUARTER
    settings = load_settings(PROJECT_ROOT / defaults["config"])
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    demo_data = re.search(r"^DEMO_DATA := (\S+)$", makefile, re.M).group(1)
    assert settings.data_dir == PROJECT_ROOT / demo_data and defaults["data_dir"] == ""


# demo_pack: the small demo data's whole board pack, made once per session (conftest).


def test_every_notebook_executes_on_demo_data(demo_pack):
    root, pages = demo_pack
    assert [p.theme for p in pages] == PAGES
    assert all(p.status == "ok" for p in pages), [(p.theme, p.message) for p in pages]
    for page in pages:
        executed = nbformat.read(root / "demoshire" / f"{page.theme}.ipynb", as_version=4)
        errors = [
            o
            for c in executed.cells
            if c.cell_type == "code"
            for o in c.outputs
            if o.output_type == "error"
        ]
        assert errors == []
        first = "priorities.csv" if page.theme == "strategic_assessment" else "headline.csv"
        assert (root / "demoshire" / page.theme / first).exists()


@pytest.mark.parametrize("theme", PAGES)
def test_pages_hide_code_embed_plots_and_load_nothing(demo_pack, theme):
    root, _ = demo_pack
    page = (root / "demoshire" / f"{theme}.html").read_text(encoding="utf-8")
    assert not re.search(r'class="[^"]*jp-InputArea-editor', page) and "hl-ipython3" not in page
    assert "report." not in page and "load_profile" not in page
    maps_left_out = "The ward figures (table, top wards and maps) are not shown" in page
    assert page.count("data:image/png;base64,") >= (2 if maps_left_out else 4)
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert "<script" not in page
    assert "Demoshire" in page and "January-March 2026 (2025-26Q4)" in page
    assert re.search(r"Produced \d{1,2} \w+ \d{4}", page)
    first = "What-this-means-for-priorities" if theme == "strategic_assessment" else "Key-findings"
    assert 'aria-label="Contents"' in page and f'href="#{first}"' in page
    assert f'id="{first}"' in page
    assert "Sources and licences" in page and "Made with csp_analysis" in page
    assert "SYNTHETIC DEMO DATA" in page and "Board and public version" in page
    assert "Provenance: how this was made" in page and "crimes.csv" in page
    assert re.search(r"<code>[0-9a-f]{64}</code>", page)  # SHA-256 of each input
    # Nothing printed reaches the page: no warning, and no message of the kept kernel's
    # (its history database's "ERROR! Session/line number was not unique" did).
    executed = json.loads((root / "demoshire" / f"{theme}.ipynb").read_text(encoding="utf-8"))
    printed = [o for c in executed["cells"] for o in c.get("outputs", []) if "name" in o]
    assert printed == [] and "ERROR!" not in page


CHART_KINDS = (
    "Line chart: ",
    "Chart of unusual months: ",
    "Bar chart: ",
    "Map: ",
    "Funnel plot: ",
    "Quadrant chart: ",
    "Lorenz curve: ",
)


@pytest.mark.parametrize("theme", PAGES)
def test_every_chart_says_what_it_shows_and_the_title_names_the_page(demo_pack, theme):
    from html import unescape

    root, pages = demo_pack
    page = (root / "demoshire" / f"{theme}.html").read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) >= 2
    for image in images:
        alt = re.search(r'\balt="([^"]*)"', image)
        assert alt, image[:80]
        text = unescape(alt.group(1))
        assert text.startswith(CHART_KINDS) and re.search(r"[0-9] ", text), text  # kind, values
        assert "No description has been provided" not in text
    title = {p.theme: p.title for p in pages}[theme]
    period = "April 2025 to March 2026" if theme == "strategic_assessment" else "January-March 2026"
    assert f"<title>{title}, Demoshire, {period}</title>" in page
    index = (root / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<title>Board pack: [^<]+, January-March 2026</title>", index)


@needs_chromium
def test_pages_print_on_a4(demo_pack, tmp_path):
    root, _ = demo_pack
    pdf = tmp_path / "overview.pdf"
    chromium(
        root / "demoshire" / "overview.html",
        tmp_path / "profile",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
    )
    boxes = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert boxes  # A4 is 210 x 297 mm: 595.3 x 841.9 points
    for width, height in boxes:
        assert abs(float(width) - 595.3) < 1 and abs(float(height) - 841.9) < 1


def test_index_links_every_theme_with_its_headline(demo_pack):
    root, pages = demo_pack
    index = (root / "index.html").read_text(encoding="utf-8")
    for page in pages:
        assert f'href="demoshire/{page.theme}.html"' in index
        assert page.figures.get("current", page.figures.get("summary")) in index
    assert "Compared with a year earlier" in index and "Latest month" in index
    assert "p=" not in index and "Poisson" not in index


#: Words a board member should meet only in a page's "How to read this page" note.
STATISTICAL_TERMS = re.compile(
    r"Poisson|p ?[=<] ?0|\bCI\b|confidence interval|Mann-Kendall|Sen's|sigma|special.cause|"
    r"common.cause|statistically|\bSPC\b|XmR|process limits|\bn=",
    re.IGNORECASE,
)


@pytest.mark.parametrize("theme", PAGES)
def test_pages_use_no_statistical_term_outside_the_how_to_read_note(demo_pack, theme):
    from bs4 import BeautifulSoup

    root, _ = demo_pack
    soup = BeautifulSoup((root / "demoshire" / f"{theme}.html").read_text(), "html.parser")
    for hidden in soup.select("footer, details, script, style, title"):
        hidden.decompose()
    text = soup.get_text(" ")
    body, note = text.split("How to read this page")[-2:]  # the contents list names it too
    assert STATISTICAL_TERMS.findall(body) == []
    assert "Poisson" in note
    assert ("Harm" if theme == "strategic_assessment" else "Normal variation") in note
    index = BeautifulSoup((root / "index.html").read_text(), "html.parser")
    for hidden in index.select("footer, details, style, title"):
        hidden.decompose()
    assert STATISTICAL_TERMS.findall(index.get_text(" ")) == []


def test_no_published_file_shows_an_absolute_path(demo_pack, demo_dir):
    root, _ = demo_pack
    published = [p for p in root.rglob("*") if p.suffix in {".html", ".csv", ".txt", ".json"}]
    assert len(published) > 80
    for path in published:
        text = path.read_text(encoding="utf-8")
        for machine in (str(PROJECT_ROOT), str(demo_dir), str(root.parent)):
            assert machine not in text, (path, machine)


def test_theme_specific_sections(demo_pack):
    root, _ = demo_pack
    serious = (root / "demoshire" / "serious_violence.html").read_text(encoding="utf-8")
    for heading in ("Who is involved", "Ethnicity", "Weapons and alcohol", "Towns"):
        assert heading in serious
    # on small data a table too small to protect is left out, and the page says so
    left_out = "are not shown: the numbers are so small"
    assert "Suspect and victim" in serious or "people who were suspect and victim" in serious
    assert "had no ethnicity stated" in serious or "ethnicity table is not shown" in serious
    assert "Repeat victims" in (root / "demoshire" / "domestic_abuse.html").read_text()
    hate = (root / "demoshire" / "hate_crime.html").read_text(encoding="utf-8")
    assert "Sexual orientation" in hate or "The breakdown table is not shown" in hate
    assert "can add up to more than the number of crimes" in hate
    assert left_out in hate or "Sexual orientation" in hate
    asb = (root / "demoshire" / "asb.html").read_text(encoding="utf-8")
    assert "Top wards by category" in asb and ">Nuisance<" in asb and ">Environmental<" in asb


def test_public_data_pack(public_settings, tmp_path):
    """Both areas of the public data: a page of each kind (made, unavailable, assessment).

    Every theme's tables of the public data are tests/test_public_data.py's.
    """
    themes = ["overview", "serious_violence", "domestic_abuse", "strategic_assessment"]
    pages = run_pack(
        public_settings, period="2024-25Q4", out=tmp_path, themes=themes, progress=False
    )
    status = {(p.area_slug, p.theme): p.status for p in pages}
    for area in ("shropshire", "telford-and-wrekin"):
        for theme in ("overview", "serious_violence"):
            assert status[(area, theme)] == "ok", [p.message for p in pages]
        for theme in ("domestic_abuse",):
            assert status[(area, theme)] == "unavailable"
            page = (tmp_path / "2024-25Q4" / area / f"{theme}.html").read_text()
            assert "partner crime extract" in page
        assert status[(area, "strategic_assessment")] == "ok", [p.message for p in pages]
    serious = (tmp_path / "2024-25Q4" / "shropshire" / "serious_violence.html").read_text()
    assert "Approximation from data.police.uk crime types" in serious
    index = (tmp_path / "2024-25Q4" / "index.html").read_text()
    assert "Not available" in index and "Telford and Wrekin" in index
    top = pd.read_csv(tmp_path / "2024-25Q4" / "shropshire" / "overview" / "top_wards.csv")
    assert top.loc[0, "ward_name"] == "Quarry and Coton Hill"


@needs_chromium
@pytest.mark.parametrize("page", ["index.html", "demoshire/overview.html"])
def test_pages_render_in_headless_chromium(demo_pack, page, tmp_path):
    from PIL import Image

    root, _ = demo_pack
    png = tmp_path / "page.png"
    chromium(
        root / page,
        tmp_path / "profile",
        "--hide-scrollbars",
        "--window-size=1200,2000",
        f"--screenshot={png}",
    )
    image = Image.open(png).convert("L")
    assert image.size == (1200, 2000)
    # A rendered page, not a blank one: plenty of distinct grey levels.
    assert len(image.getcolors(maxcolors=4096) or range(4097)) > 50
    shutil.copy(png, PROJECT_ROOT / "outputs" / f"screenshot-{page.replace('/', '-')}.png")


def test_a_failing_theme_does_not_stop_the_pack(demo_settings, tmp_path):
    import dataclasses

    from csp_analysis.config import Theme
    from csp_analysis.pack import Page, _execute

    themes = {
        "drugs": demo_settings.themes["drugs"],
        # fails while planning: the filter names a column the data lacks
        "bad_filter": Theme(name="bad_filter", title="Bad filter", where={"no_column": ["x"]}),
    }
    settings = dataclasses.replace(demo_settings, themes=themes)
    pages = run_pack(settings, period=LATEST_QUARTER, out=tmp_path, workers=2, progress=False)
    assert {p.theme: p.status for p in pages} == {
        "drugs": "ok",
        "bad_filter": "failed",
        "strategic_assessment": "ok",  # the themes that could be made
    }
    messages = {p.theme: p.message for p in pages}
    assert "no_column" in messages["bad_filter"] and "\x1b" not in messages["bad_filter"]
    index = (tmp_path / LATEST_QUARTER / "index.html").read_text()
    assert index.count(">Failed</span>") == 1 and "3 pages, 1 failed" in index
    # fails inside its notebook (here: the profiles it should read are gone)
    folder = tmp_path / "failing"
    folder.mkdir()
    page = Page("Demoshire", "demoshire", "drugs", "Drug offences")
    parameters = {"area": "Demoshire", "period": LATEST_QUARTER, "prepared": str(tmp_path / "x")}
    page = _execute(page, parameters, folder, {})
    assert page.status == "failed" and page.message.startswith("FileNotFoundError")
    assert "(notebook cell" in page.message and "\x1b" not in page.message
    assert (folder / "drugs.ipynb").exists()  # kept for debugging
    assert not (folder / "drugs.html").exists()
