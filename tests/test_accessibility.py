"""Accessibility: every chart states its message in an alternative text (shown in Jupyter
and on the pages, escaped), and the page colours meet WCAG 2.1 AA contrast."""

import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter
from matplotlib.figure import Figure

from csp_analysis.charts import PALETTE, Chart, map_wards, plot_breakdown, plot_spc, plot_trend
from csp_analysis.pack import TEMPLATES, render_html
from csp_analysis.stats import spc

HOSTILE = '"><img src=x onerror=alert(1)>'

# ------------------------------------------------------------------ alternative text


@pytest.fixture
def monthly() -> pd.DataFrame:
    """24 months, Apr 2024 to Mar 2026: 100 a month the first year (130 in Jul 2024, no data
    for Feb 2025), 90 the second (100 in Jan 2026, 105 in Mar 2026)."""
    months = pd.period_range("2024-04", "2026-03", freq="M")
    counts = np.array([100.0] * 12 + [90.0] * 12)
    counts[3] = 130  # Jul 2024
    counts[10] = np.nan  # Feb 2025: no data, so Feb 2026 has nothing to compare with
    counts[21] = 100  # Jan 2026: the same as Jan 2025
    counts[23] = 105  # Mar 2026: above Mar 2025
    period = np.where(months >= pd.Period("2026-01", "M"), "current", "")
    return pd.DataFrame({"month": months, "period": period, "count": counts})


def test_trend_alt_text_names_highest_latest_and_the_year_before(monthly):
    chart = plot_trend(monthly, title="Burglary: monthly offences, Demoshire")
    assert isinstance(chart, Chart) and isinstance(chart, Figure)
    assert chart.alt_text == (
        "Line chart: Burglary: monthly offences, Demoshire, April 2024 to March 2026. "
        "Highest 130 offences in July 2024; latest 105 in March 2026. "
        # 11 months with both years: 9 lower (90 < 100), Jan the same, Mar higher
        "Compared with the same month a year earlier, 9 of the latest 11 months were lower, "
        "1 higher and 1 the same. There is data for 23 of the 24 months."
    )


def test_spc_alt_text_counts_months_outside_the_usual_range():
    values = [10, 14, 9, 13, 11, 12, 10, 14, 40, 9, 13, 11, 12, 10, 14]  # spike in Sep 2025
    labels = [str(p) for p in pd.period_range("2025-01", periods=len(values), freq="M")]
    frame = spc(values, labels=labels)
    chart = plot_spc(frame, title="Burglary")
    assert sum(values) / len(values) == pytest.approx(13.47, abs=0.01)  # shown as counts are
    assert chart.alt_text.startswith(
        "Chart of unusual months: Burglary. Offences, January 2025 to March 2026. "
        "Average 13; months between "
    )
    assert "1 of 15 months were above that range: September 2025." in chart.alt_text
    assert "below" not in chart.alt_text

    short = plot_spc(spc([10, 12, 11, 9]), title="Short")
    assert short.alt_text.endswith("Too few months to work out the usual range.")


def test_breakdown_alt_text_gives_the_largest_categories():
    frame = pd.DataFrame(
        {
            "category": ["Theft", "Burglary", "Robbery", "Arson"],
            "current": [4200, 3100, 1250, 3],
            "previous": [4000, 3300, 1100, 0],
        }
    )
    chart = plot_breakdown(
        frame, title="Crime", current_label="2025-26", previous_label="2024-25", top=3
    )
    assert chart.alt_text == (
        "Bar chart: Crime. 2025-26 against 2024-25. 3 of 4 categories shown; the largest: "
        "Theft 4,200 (previously 4,000); Burglary 3,100 (previously 3,300); "
        "Robbery 1,250 (previously 1,100)."
    )
    one = plot_breakdown(frame.head(1), title="Crime", current_label="a", previous_label="b")
    assert one.alt_text.endswith("One category: Theft 4,200 (previously 4,000).")
    empty = plot_breakdown(frame.head(0), title="None", current_label="a", previous_label="b")
    assert empty.alt_text.endswith("No records in either period.")


def test_map_alt_text_names_the_highest_wards_and_counts_those_withheld():
    import geopandas as gpd
    from shapely.geometry import box

    counts = [120, 5, 30, 1500, 44, 0, 87, 260, np.nan, 12, np.nan, 61]
    wards = gpd.GeoDataFrame(
        {"ward_name": [f"Ward {chr(65 + i)}" for i in range(12)], "count": counts},
        geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(12)],
        crs=27700,
    )
    wards.loc[3, "ward_name"] = HOSTILE  # the highest ward
    chart = map_wards(
        wards,
        column="count",
        title="Crime by ward",
        legend_title="Count",
        missing_label="Fewer than 5 or withheld",
    )
    assert chart.alt_text == (
        "Map: Crime by ward. 12 wards shaded by count. Highest: "
        f"{HOSTILE} (1,500), Ward H (260), Ward A (120), Ward G (87) and Ward L (61); "
        "lowest 0. 2 wards hatched grey: Fewer than 5 or withheld."
    )
    wards["missing_reason"] = None
    wards.loc[8, "missing_reason"] = "No population"
    chart = map_wards(wards, column="count", title="t", legend_title="Count")
    assert chart.alt_text.endswith("2 wards hatched grey: No population (1); No data (1).")


def test_jupyter_shows_a_chart_once_as_a_png_with_its_alt_text(monthly):
    open_before = plt.get_fignums()
    chart = plot_trend(monthly, title="t")
    assert plt.get_fignums() == open_before  # pyplot will not show it a second time
    data, metadata = DisplayFormatter().format(chart)
    assert data["image/png"].startswith("iVBORw0KGgo")  # base64 of a PNG signature
    assert metadata["image/png"]["alt"] == chart.alt_text
    assert data["text/plain"] == chart.alt_text


class Images(HTMLParser):
    """The attributes of every <img> of a page, every on* handler, and the page's title."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict] = []
        self.handlers: list[str] = []
        self.title, self._in_title = "", False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def test_pages_write_a_chart_alt_text_escaped_as_an_attribute():
    chart = plot_breakdown(
        pd.DataFrame({"category": [HOSTILE], "current": [3], "previous": [1]}),
        title=f"By offence, {HOSTILE}",
        current_label="now",
        previous_label="then",
    )
    data, metadata = DisplayFormatter().format(chart)
    output = nbformat.v4.new_output("display_data", data=data, metadata=metadata)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[output])])
    page = {
        "title": "t",
        "document_title": f"Hate crime, {HOSTILE}, January-March 2026",
        "subtitle": [],
        "contents": [],
        "sources": [],
        "synthetic": False,
        "mode": {"restricted": False, "threshold": 4},
        "provenance": {"toolkit": "x", "parameters": {}, "inputs": []},
        "today": "1 December 2026",
    }
    html = render_html(notebook, page)
    shown = Images(html)
    assert [image["alt"] for image in shown.images] == [chart.alt_text]
    assert HOSTILE in chart.alt_text and shown.handlers == []
    assert shown.title == page["document_title"]  # as text: no element made of it


def test_a_kept_exporter_renders_each_page_as_a_new_one_would():
    # render_html keeps one nbconvert exporter per thread (its templates compiled once):
    # nothing of a page may reach the next. A new thread has a new exporter.
    import threading

    def page(title: str) -> dict:
        return {
            "title": title,
            "subtitle": [title],
            "contents": [(title, title)],
            "sources": [title],
            "synthetic": title == "first",
            "mode": {"restricted": title == "second", "threshold": 4},
            "provenance": {"toolkit": title, "parameters": {"area": title}, "inputs": []},
            "today": "1 December 2026",
        }

    first = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("## First\n\nSome *text*.")]
    )
    output = nbformat.v4.new_output("display_data", data={"text/html": "<b>bold</b>"})
    second = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x <- 1", outputs=[output])],
        metadata={"language_info": {"name": "r", "pygments_lexer": "r"}},
    )

    def new(notebook, title: str) -> str:
        made = []
        thread = threading.Thread(target=lambda: made.append(render_html(notebook, page(title))))
        thread.start()
        thread.join()
        return made[0]

    kept = [render_html(n, page(t)) for n, t in ((first, "first"), (second, "second"))]
    again = render_html(first, page("first"))
    assert kept == [new(first, "first"), new(second, "second")] and again == kept[0]
    assert "Some <em>text</em>" in again and "<b>bold</b>" in kept[1]


# ---------------------------------------------------------------------------- contrast


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb or #rgb colour."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(2 * c for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted(map(relative_luminance, (first, second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#fff") == pytest.approx(4.54, abs=0.01)  # WebAIM
    assert contrast_ratio("#777777", "#ffffff") < 4.5


PAGE_TEXT, PAGE_BACKGROUND = "#0b0c0c", "#ffffff"  # style.css.j2: body colour; the page
NAMED = {"white": "#ffffff", "black": "#000000"}
STYLE_SOURCES = [
    TEMPLATES / "csp_board" / "style.css.j2",
    TEMPLATES / "csp_board" / "index.html.j2",
    TEMPLATES / "pack" / "index.html.j2",
]


def css_rules(path: Path) -> list[tuple[str, dict]]:
    """(selector, declarations) of every rule in a template's CSS (Jinja tags removed)."""
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "", path.read_text(), flags=re.S)
    if path.name != "style.css.j2":
        text = " ".join(re.findall(r"<style>(.*?)</style>", text, flags=re.S))
    text = re.sub(r"/\*.*?\*/|@media[^{]*\{|@page[^{]*\{[^}]*\}", "", text, flags=re.S)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = dict(re.findall(r"([\w-]+)\s*:\s*([^;]+?)\s*(?:;|$)", body))
        for selector in selectors.split(","):
            rules.append((" ".join(selector.split()), declarations))
    return rules


def colour(value: str | None) -> str | None:
    value = NAMED.get(value, value) if value else None
    return value if value and re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", value) else None


def text_colour_pairs() -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule that sets either.

    A rule without a background sits on the background of the rule its selector starts
    with (``.csp-contents a`` on ``.csp-contents``), else on the page.
    """
    rules = [rule for path in STYLE_SOURCES for rule in css_rules(path)]
    backgrounds = {
        selector: colour(d.get("background") or d.get("background-color"))
        for selector, d in rules
        if colour(d.get("background") or d.get("background-color"))
    }
    pairs = []
    for selector, declarations in rules:
        text = colour(declarations.get("color"))
        background = colour(declarations.get("background") or declarations.get("background-color"))
        if text is None and background is None:
            continue
        if background is None:
            parents = [s for s in backgrounds if selector.startswith(s + " ")]
            background = backgrounds[max(parents, key=len)] if parents else PAGE_BACKGROUND
        pairs.append((selector, text or PAGE_TEXT, background))
    return pairs


def test_page_text_colours_meet_wcag_aa():
    pairs = text_colour_pairs()
    selectors = {selector for selector, _, _ in pairs}
    assert {".csp-banner.public", ".csp-header p", ".csp-contents a", "main thead th"} <= selectors
    low = [
        (selector, text, background, round(contrast_ratio(text, background), 2))
        for selector, text, background in pairs
        if contrast_ratio(text, background) < 4.5
    ]
    assert low == []


def test_chart_text_colours_meet_wcag_aa():
    for key in ("text", "muted"):  # titles, labels, value labels, notes under charts
        assert contrast_ratio(PALETTE[key], "#ffffff") >= 4.5, key
