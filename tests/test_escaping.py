"""No input becomes code: text from data or config shows as text on every page, chart and
spreadsheet cell, however hostile."""

import csv
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml
from conftest import chromium, needs_chromium

from csp_analysis import charts, report
from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.demo import AREA_CODE, LATEST_QUARTER
from csp_analysis.pack import Page, _unavailable_page, run_pack
from csp_analysis.tables import spreadsheet_safe, spreadsheet_text

matplotlib.use("Agg")

FORMULA_LEADS = ("=", "+", "-", "@")


def hostile(tag: str, lead: str = "") -> str:
    """A name that, if any renderer took it as code, would run script (setting the page title
    to "pwned"), add an element with the id ``pwned-<tag>``, make a ``javascript:`` link,
    draw a mathtext formula (``$\\pwned$`` is not valid mathtext, so the chart would fail)
    and emphasise text; ``lead`` makes a spreadsheet read it as a formula."""
    return (
        f"{lead}{tag} <img src=x id=pwned-{tag} onerror=\"document.title='pwned'\">"
        f"<script>document.title='pwned'</script><b id=pwned-{tag}-b>bold</b>"
        f" [link](javascript:document.title='pwned') $\\pwned$ *{tag}* `{tag}`"
    )


WARDS = [hostile(f"ward{i}", FORMULA_LEADS[i % 4] if i < 8 else "") for i in range(40)]
AREA = hostile("area")
OFFENCE = hostile("offence", "=")
TOWN = hostile("town", "@")
WEAPON = hostile("weapon", "+")
ETHNICITY = hostile("ethnicity", "-")
TITLE = hostile("title")
SOURCE = hostile("source")
THEME_TITLES = {"overview": hostile("overview-title"), "serious_violence": hostile("sv-title")}
CAVEATS = {"overview": hostile("overview-caveat"), "serious_violence": hostile("sv-caveat")}


def write_hostile_data(source: Path, folder: Path) -> None:
    """The small demo data with hostile ward, area, offence, town, weapon and ethnicity text."""
    shutil.copytree(source, folder)
    wards = json.loads((folder / "wards.geojson").read_text(encoding="utf-8"))
    # Demoshire's wards (its peers' keep their names: the pages are Demoshire's).
    home = [w for w in wards["features"] if w["properties"]["area_code"] == AREA_CODE]
    assert len(home) == len(WARDS)
    for feature, name in zip(home, WARDS, strict=True):
        feature["properties"].update(ward_name=name, area_name=AREA)
    (folder / "wards.geojson").write_text(json.dumps(wards), encoding="utf-8")
    crimes = pd.read_csv(folder / "crimes.csv", dtype=str, keep_default_na=False)
    crimes["offence"] = crimes["offence"].replace("Assault with injury", OFFENCE)
    crimes["town"] = crimes["town"].replace("Demchester", TOWN)
    crimes["weapon"] = crimes["weapon"].replace("knife/sharp instrument", WEAPON)
    crimes.to_csv(folder / "crimes.csv", index=False)
    nominals = pd.read_csv(folder / "nominals.csv", dtype=str, keep_default_na=False)
    nominals["ethnicity"] = nominals["ethnicity"].replace(
        "White: Any other White background", ETHNICITY
    )
    nominals.to_csv(folder / "nominals.csv", index=False)


def write_hostile_config(folder: Path, data_dir: Path) -> Path:
    """A deployment file with a hostile title, sources and theme titles and caveats (serious
    violence broken down by offence, so that an offence name shows)."""
    shared = yaml.safe_load((PROJECT_ROOT / "config" / "themes.yaml").read_text())["themes"]
    themes = {
        name: {**shared[name], "title": THEME_TITLES[name], "caveat": CAVEATS[name]}
        for name in THEME_TITLES
    }
    themes["serious_violence"]["breakdown"] = "offence"
    deployment = {
        "title": TITLE,
        "data_dir": str(data_dir),
        "areas": ["X06000001"],
        "period": LATEST_QUARTER,
        "top_n_wards": 10,
        "sources": [SOURCE],
        "themes": themes,
    }
    path = folder / "hostile.yaml"
    path.write_text(yaml.safe_dump(deployment, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_pack(demo_dir, tmp_path_factory):
    """One pack (overview and serious violence) made from hostile data and config.

    The restricted version, so that every table shows (on data this small the board version
    leaves some out); both versions render and write through the same code.
    """
    folder = tmp_path_factory.mktemp("hostile")
    write_hostile_data(demo_dir, folder / "data")
    settings = load_settings(write_hostile_config(folder, folder / "data"))
    out = folder / "pack"
    pages = run_pack(
        settings,
        period=LATEST_QUARTER,
        out=out,
        themes=list(THEME_TITLES),
        restricted=True,
        progress=False,
    )
    assert [p.status for p in pages] == ["ok", "ok"], [p.message for p in pages]
    return out / LATEST_QUARTER, pages


# ------------------------------------------------------------------------- the DOM


class Dom(HTMLParser):
    """What a page's DOM holds: element ids, on* handlers, javascript: links, tags, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.scripted_links: list[str] = []
        self.tags: list[str] = []
        self.title, self._text, self._in = "", [], []
        self.feed(html)
        self.close()
        self.text = " ".join(" ".join(self._text).split())

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            value = value or ""
            if name == "id":
                self.ids.append(value)
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if re.sub(r"\s", "", value).lower().startswith("javascript:"):
                self.scripted_links.append(value)
        if tag in ("title", "style", "script"):
            self._in.append(tag)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "title":
            self.title += data
        elif not self._in:
            self._text.append(data)


def rendered_dom(page: Path, profile: Path) -> Dom:
    """The page's DOM after headless Chromium has loaded it (and run any script it holds)."""
    result = chromium(page, profile, "--dump-dom")
    assert "</html>" in result.stdout
    return Dom(result.stdout)


def live_markup(dom: Dom) -> list:
    """Everything a hostile name would have made live: none of it may be in the DOM."""
    return [
        *(f"id {i}" for i in dom.ids if i.startswith("pwned")),
        *(f"handler {tag} {name}" for tag, name in dom.handlers),
        *(f"link {link}" for link in dom.scripted_links),
        *(["script element"] if "script" in dom.tags else []),
        *(["title set by script"] if dom.title.strip() == "pwned" else []),
    ]


@needs_chromium
def test_the_dom_check_finds_live_markup(tmp_path):
    # The check itself can fail: the same names written into a page unescaped are caught.
    page = tmp_path / "unescaped.html"
    page.write_text(f"<!DOCTYPE html><html><head><title>t</title></head><body>{WARDS[0]}</body>")
    found = live_markup(rendered_dom(page, tmp_path / "profile"))
    assert "id pwned-ward0" in found and "id pwned-ward0-b" in found
    assert "handler img onerror" in found and "script element" in found
    assert "title set by script" in found


SHOWN = {
    "index.html": [TITLE, SOURCE, AREA, *THEME_TITLES.values()],
    "overview": [THEME_TITLES["overview"], CAVEATS["overview"], AREA, SOURCE],
    "serious_violence": [
        THEME_TITLES["serious_violence"],
        CAVEATS["serious_violence"],
        OFFENCE,
        TOWN,
        WEAPON,
        ETHNICITY,
        SOURCE,
    ],
}


@needs_chromium
@pytest.mark.parametrize("name", list(SHOWN))
def test_hostile_names_show_as_text_and_never_as_markup(hostile_pack, name, tmp_path):
    root, pages = hostile_pack
    html = {p.theme: p.html for p in pages}.get(name, name)
    dom = rendered_dom(root / html, tmp_path / "profile")
    assert live_markup(dom) == []
    for text in SHOWN[name]:
        assert text in dom.text, text
    if name == "overview":  # the top wards table, the key findings, the provenance
        assert sum(ward in dom.text for ward in WARDS) >= 10
        assert any(f"{ward} had the most: " in dom.text for ward in WARDS)


def test_hostile_pages_have_their_charts_and_no_errors(hostile_pack):
    import nbformat

    root, pages = hostile_pack
    for page in pages:
        html = (root / page.html).read_text(encoding="utf-8")
        assert html.count("data:image/png;base64,") >= 5  # trend, SPC, breakdown, 2 maps
        executed = nbformat.read(root / page.html.replace(".html", ".ipynb"), as_version=4)
        outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"]
        assert not [o for o in outputs if o.get("name") == "stderr"]


def test_hostile_names_in_chart_alt_texts_stay_text(hostile_pack):
    root, pages = hostile_pack
    for page in pages:
        images = Elements((root / page.html).read_text(encoding="utf-8")).images
        alts = [dict(attrs).get("alt", "") for attrs in images]
        assert len(alts) >= 5 and all(alts), alts  # trend, SPC, breakdown, 2 maps
        assert any(ward in alt for alt in alts for ward in WARDS)  # the highest wards
        assert AREA in " ".join(alts)  # the trend and SPC titles name the area


def formula_cells(folder: Path) -> list[tuple[str, str]]:
    """(file, cell) for every CSV cell or header a spreadsheet would run as a formula."""
    found = []
    for path in sorted(folder.rglob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    starts = cell[:1] in ("=", "+", "@", "\t", "\r") or cell[:1] == "-"
                    if starts and not re.fullmatch(r"-\d+(\.\d+)?([eE][-+]?\d+)?", cell):
                        found.append((path.name, cell))
    return found


def test_pack_csvs_hold_no_formula(hostile_pack):
    root, pages = hostile_pack
    folder = (root / pages[0].html).parent
    assert formula_cells(folder) == []
    top = pd.read_csv(folder / "overview" / "top_wards.csv")
    shown = set(top["ward_name"])
    formulas = [w for w in WARDS if w.startswith(FORMULA_LEADS)]
    assert {"'" + w for w in formulas} & shown  # written as text ...
    assert not set(formulas) & shown  # ... never as they came
    assert set(WARDS[8:]) & shown  # and names that are no formula are left alone
    breakdown = pd.read_csv(folder / "serious_violence" / "breakdown.csv")
    assert "'" + OFFENCE in set(breakdown["category"])


# ------------------------------------------------------------------- the helpers


PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<script>alert(1)</script>",
    "<!-- hidden -->",
    "<https://example.com> https://example.com/x WWW.example.com",
    "&lt;img src=x onerror=alert(1)&gt; &amp; &#60;b&#62;",
    "*emphasis* _emphasis_ **strong** ~~struck~~ `code`",
    "$x$ and $$y$$ and \\(z\\)",
    "# Heading",
    "- list item",
    "+ list item",
    "12. list item",
    "> quote",
    "| a | b |",
    "back\\slash \\[escaped\\]",
    "line\n\n<img src=x onerror=alert(1)>\n# heading\n    code",
]


class Elements(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags, self.parts, self.images = [], [], []
        self.feed(html)
        self.text = "".join(self.parts).strip()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attrs)

    def handle_data(self, data):
        self.parts.append(data)


@pytest.mark.parametrize("text", PAYLOADS)
def test_sentences_from_data_render_as_the_text_itself(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    for markup, tags in (("{}", ["p"]), ("- {}", ["ul", "li"])):
        shown = Elements(markdown2html_mistune(report._prose(text, markup=markup).data))
        assert shown.tags == tags and shown.text == " ".join(text.split())


def test_every_sentence_goes_through_the_escaping_helper(demo_profiles):
    import dataclasses

    profile = demo_profiles["serious_violence"]
    top = profile.wards["rank"].idxmin()
    wards = profile.wards.copy()
    wards.loc[top, "ward_name"] = WARDS[0]
    theme = dataclasses.replace(profile.theme, title=THEME_TITLES["serious_violence"])
    changed = dataclasses.replace(
        profile,
        wards=wards,
        area_name=AREA,
        theme=theme,
        notes=[*profile.notes, CAVEATS["serious_violence"]],
        breakdown=profile.breakdown.assign(category=[OFFENCE] * len(profile.breakdown)),
    )
    for shown in (report.key_findings(changed), report.notes(changed)):
        assert "<" not in shown.data and "[" not in shown.data and "$" not in shown.data
    text = report.key_findings(changed).data
    assert report.escape_markdown(WARDS[0]) in text and report.escape_markdown(AREA) in text
    assert report.escape_markdown(OFFENCE[:1].lower() + OFFENCE[1:]) in text


def test_tables_escape_cells_and_column_labels():
    table = pd.DataFrame({WARDS[1]: [WARDS[2], "<5"], "Count": [12, "<5"]})
    html = report._style(table, {"Count": "{:,.0f}"}).to_html()
    shown = Elements(html)
    assert "img" not in shown.tags and "script" not in shown.tags and "b" not in shown.tags
    assert WARDS[1] in shown.text and WARDS[2] in shown.text and "<5" in shown.text


def test_unavailable_page_shows_its_reason_as_text(tmp_path):
    page = Page("Demoshire", "demoshire", "hate_crime", "Hate crime", message=WARDS[3])
    resources = {
        "title": TITLE,
        "subtitle": [AREA],
        "contents": [],
        "sources": [SOURCE],
        "synthetic": True,
        "mode": {"restricted": False, "threshold": 4},
        "provenance": {"toolkit": "x", "parameters": {"area": AREA}, "inputs": []},
        "today": "1 December 2026",
    }
    _unavailable_page(page, tmp_path, resources)
    dom = Dom((tmp_path / "hate_crime.html").read_text(encoding="utf-8"))
    assert [i for i in dom.ids if i.startswith("pwned")] == [] and dom.handlers == []
    assert "script" not in dom.tags and dom.scripted_links == []
    for text in (WARDS[3], TITLE, AREA, SOURCE):
        assert text in dom.text


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_starts_a_formula_is_written_as_text(lead):
    cell = f'{lead}HYPERLINK("http://example.com","x")'
    assert spreadsheet_text(cell) == "'" + cell
    table = spreadsheet_safe(pd.DataFrame({"name": [cell, "North Demo"], "count": [-3, 4]}))
    written = list(csv.reader(io.StringIO(table.to_csv(index=False))))
    assert written[1] == ["'" + cell, "-3"] and written[2] == ["North Demo", "4"]


def test_numbers_and_ordinary_text_stay_as_they_are():
    table = pd.DataFrame(
        {
            "change": [-5, 12, -1],  # numbers
            "pct_change": [-12.5, float("nan"), 3.0],
            "mixed": [-7, "[c]", "<5"],  # a withheld count beside numbers
            "text": ["-5", "-1.5e3", "North-Demo"],  # negative numbers as text, a hyphen
            "label": pd.Categorical(["=x", "y", "=x"]),
        }
    )
    safe = spreadsheet_safe(table)
    assert safe["change"].tolist() == [-5, 12, -1] and safe["change"].dtype == table["change"].dtype
    assert safe["pct_change"].equals(table["pct_change"])
    assert safe["mixed"].tolist() == [-7, "[c]", "<5"]
    assert safe["text"].tolist() == ["-5", "-1.5e3", "North-Demo"]
    assert safe["label"].tolist() == ["'=x", "y", "'=x"]
    assert table["label"].tolist() == ["=x", "y", "=x"]  # the profile's own frame unchanged
    assert spreadsheet_text("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"
    assert spreadsheet_text("-") == "'-" and spreadsheet_text("- x") == "'- x"


# ------------------------------------------------------------------------ charts


def drawn_as_written(text) -> str | None:
    """The text matplotlib draws, or None when it would read it as mathtext."""
    shown, is_math = text._preprocess_math(text.get_text())
    return None if is_math else shown


def test_chart_text_from_data_is_drawn_literally():
    import geopandas as gpd
    from shapely.geometry import box

    names = [WARDS[0], "$x$ and $y$", "Price $5"]
    breakdown = pd.DataFrame({"category": names, "current": [9, 5, 2], "previous": [7, 6, 1]})
    fig = charts.plot_breakdown(
        breakdown, title=TITLE, current_label="$a$", previous_label="$b$", unit="$u$"
    )
    fig.savefig(io.BytesIO(), format="png")  # a formula in the names would fail here
    ax = fig.axes[0]
    ticks = [re.sub(r"\s", "", drawn_as_written(t)) for t in ax.get_yticklabels()]
    assert ticks[1:] == ["$x$and$y$", "Price$5"]
    assert re.sub(r"\s", "", WARDS[0]).startswith(ticks[0].removesuffix("..."))
    assert ax.get_yticklabels()[0].get_text().count("\n") <= 2  # a long name is cut short
    assert re.sub(r"\s", "", drawn_as_written(fig._suptitle)) == re.sub(r"\s", "", TITLE)
    legend = [drawn_as_written(t) for t in ax.get_legend().get_texts()]
    assert legend == ["$a$", "$b$"] and drawn_as_written(ax.xaxis.label) == "$u$"

    wards = gpd.GeoDataFrame(
        {"ward_name": names, "count": [9, 5, float("nan")]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)],
        crs=27700,
    )
    fig = charts.map_wards(
        wards, column="count", title=AREA, legend_title="$n$", missing_label="$m$ withheld"
    )
    fig.savefig(io.BytesIO(), format="png")
    ax = fig.axes[0]
    labels = [re.sub(r"\s", "", drawn_as_written(t)) for t in ax.texts if "..." in t.get_text()]
    assert re.sub(r"\s", "", WARDS[0]).startswith(labels[0].removesuffix("..."))
    assert "$x$and$y$" in {re.sub(r"\s", "", drawn_as_written(t)) for t in ax.texts}
    legend = ax.get_legend()
    assert drawn_as_written(legend.get_title()) == "$n$"
    assert any(drawn_as_written(t).startswith("$m$ withheld") for t in legend.get_texts())
    assert re.sub(r"\s", "", drawn_as_written(fig._suptitle)) == re.sub(r"\s", "", AREA)
    assert max(len(line) for line in fig.get_suptitle().splitlines()) <= 90  # wrapped


def test_pack_workbook_holds_no_formula_and_is_linked(hostile_pack):
    from openpyxl import load_workbook

    root, pages = hostile_pack
    assert pages[0].workbook == f"{pages[0].area_slug}/{pages[0].area_slug}-{root.name}.xlsx"
    book = load_workbook(root / pages[0].workbook)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    formulas = [w for w in WARDS if w.startswith(FORMULA_LEADS)]
    assert set(formulas) & texts  # the names themselves, as text
    assert OFFENCE in texts and SOURCE in texts
    manifest = json.loads((root / pages[0].area_slug / f"{pages[0].theme}.json").read_text())
    assert manifest["workbook"] == pages[0].workbook
    index = (root / "index.html").read_text(encoding="utf-8")
    assert f'href="{pages[0].workbook}"' in index
