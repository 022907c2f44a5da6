"""The notebook layer: every report function on every theme, available or not."""

from html import escape

import matplotlib
import pandas as pd
import pytest
from conftest import THEMES, left_aligned
from IPython.display import HTML, Markdown
from matplotlib.figure import Figure

from csp_analysis import report
from csp_analysis.profile import build_profile

matplotlib.use("Agg")
TABLES = [
    report.breakdown_table,
    report.top_wards_table,
    report.data_quality_table,
    report.location_table,
    report.people_table,
    report.ethnicity_table,
    report.spc_points,
    report.top_wards_by_category,
]
TEXT = [report.key_findings, report.notes, report.ethnicity_not_stated, report.repeat_victims_text]
CHARTS = [report.trend_chart, report.spc_chart, report.breakdown_chart, report.ward_map]


def _is_table(shown) -> bool:
    """Nothing, a sentence, or HTML with a table (a styled frame or a block of tables)."""
    if shown is None or isinstance(shown, Markdown):
        return True
    return "<table" in (shown.data if isinstance(shown, HTML) else shown.to_html())


@pytest.mark.parametrize("name", THEMES)
def test_every_function_renders(demo_profiles, name):
    profile = demo_profiles[name]
    for function in TABLES:
        assert _is_table(function(profile))
    for function in TEXT:
        shown = function(profile)
        assert shown is None or shown.data.strip()
    for function in CHARTS:
        assert isinstance(function(profile), Figure)
    assert isinstance(report.ward_map(profile, column="rate_per_1000"), Figure)
    for column in ("weapon", "alcohol_related", "town"):
        shown = report.attribute_table(profile, column)
        assert shown is None or isinstance(shown, Markdown) or "<table" in shown.to_html()
    if name == "serious_violence":
        assert "Town" in report.attribute_table(profile, "town").to_html()


JARGON = (
    "Poisson",
    "p=",
    "p<",
    "CI",
    "confidence",
    "Mann-Kendall",
    "Sen",
    "sigma",
    "special cause",
    "special-cause",
    "significant",
    "SPC",
    "XmR",
    "n=",
)


@pytest.mark.parametrize("theme", ["overview", "domestic_abuse", "hate_crime", "asb"])
def test_key_findings_are_plain_words_and_the_statistics_are_in_the_note(demo_profiles, theme):
    profile = demo_profiles[theme]
    text = report.key_findings(profile).data
    change = profile.change
    unit = "incidents" if theme == "asb" else "offences"
    assert f"There were {change.current:,} {unit} in Demoshire in January-March 2026, " in text
    assert " January-March 2025: " in text and "normal variation" in text
    assert f"{unit} per 1,000 residents in the quarter (about " in text
    assert [word for word in JARGON if word in text] == []
    note = report.how_to_read(profile).data
    assert "exact Poisson test" in note and "Mann-Kendall" in note
    assert f"p={change.p_value:.3f}" in note or "p&lt;0.001" in note


def test_unavailable_profile_says_why_and_shows_nothing_else(public_dataset, public_settings):
    profile = build_profile(
        public_dataset,
        area="Shropshire",
        period="2024-25Q4",
        theme=public_settings.themes["domestic_abuse"],
    )
    assert "data.police.uk" in report.key_findings(profile).data
    for function in [*TABLES[:2], *CHARTS, report.people_table]:
        assert function(profile) is None


def test_spc_points_table_with_flagged_runs():
    from types import SimpleNamespace

    from csp_analysis.stats import spc

    values = [10, 11, 10, 12, 11, 10, 11, 30, 31, 30, 32, 31, 30, 33, 31]
    labels = [str(m) for m in __import__("pandas").period_range("2024-01", periods=15, freq="M")]
    table = report.spc_points(SimpleNamespace(available=True, spc=spc(values, labels=labels)))
    html = table.to_html()
    assert "<table" in html and "Higher than usual" in html and "Outside the usual range" in html
    assert len(table.data) < int(spc(values)["special_cause"].sum())
    assert "30\u00a0to\u00a033" in html  # a run's counts, on one line, right-aligned as numbers
    assert left_aligned(table) == ["Months", "What", "Why"]


def test_police_uk_breakdown_is_labelled_by_crime_type(public_dataset, public_settings):
    profile = build_profile(
        public_dataset,
        area="Telford and Wrekin",
        period="2024-25Q4",
        theme=public_settings.themes["overview"],
    )
    assert profile.breakdown_by == "crime_type"
    assert report.breakdown_table(profile).data.columns[0] == "Crime type"


@pytest.mark.parametrize("name", THEMES)
def test_every_function_renders_the_board_version(board_profiles, name):
    profile = board_profiles[name]
    assert not profile.restricted
    for function in TABLES:
        assert _is_table(function(profile))
    for function in TEXT:
        shown = function(profile)
        assert shown is None or shown.data.strip()
    for function in [report.trend_chart, report.spc_chart]:
        assert isinstance(function(profile), Figure)
    ward_map = report.ward_map(profile)
    assert isinstance(ward_map, Figure) or (ward_map is None and "wards" in profile.omitted)
    for column in ("weapon", "town"):
        shown = report.attribute_table(profile, column)
        assert shown is None or isinstance(shown, Markdown) or "<table" in shown.to_html()
    text = report.key_findings(profile).data
    assert "There were" in text


@pytest.mark.parametrize("name", THEMES)
def test_board_version_publishes_no_small_counts(demo_profiles, board_profiles, name):
    import pandas as pd

    from csp_analysis.tables import profile_tables

    profile = board_profiles[name]
    counts = {
        "wards": ["count", "previous"],
        "top_wards": ["count"],
        "people": ["female", "male", "people"],
        "ethnicity": ["suspect and victim", "suspect", "victim", "total"],
        "repeat_victims": ["victims", "repeat_victims"],
        "weapon": ["current", "previous"],
        "alcohol_related": ["current", "previous"],
        "town": ["current", "previous"],
        "top_wards_by_category": ["count"],
    }
    if demo_profiles[name].theme.sensitive:
        counts["breakdown"] = ["current", "previous"]
    tables = profile_tables(profile)
    for label, columns in counts.items():
        if label in tables:
            numbers = tables[label][columns].apply(lambda c: pd.to_numeric(c, errors="coerce"))
            assert not numbers.isin([1, 2, 3, 4]).any().any(), (name, label)
    # data-quality counts are area figures (protected in a sensitive theme), except the
    # records in the area but no ward, which are the ward table's "Unknown ward"
    quality = tables["data_quality"]
    notes = quality.loc[quality["outcome"] == "note"]
    if not demo_profiles[name].theme.sensitive:
        notes = notes.loc[notes["description"].str.startswith("In the area but no ward")]
    counted = pd.to_numeric(notes["records"], errors="coerce")
    assert not counted.isin([1, 2, 3, 4]).any(), name
    # area totals stay exact
    plain = profile.headline["measure"] != "harm"  # harm: to 2 significant figures
    exact = demo_profiles[name].headline
    assert profile.headline.loc[plain].equals(exact.loc[plain])
    assert profile.monthly.equals(demo_profiles[name].monthly)


def test_findings_when_no_category_rose(demo_profiles):
    import dataclasses

    profile = demo_profiles["drugs"]
    falling = profile.breakdown.assign(current=0, change=-profile.breakdown["previous"])
    text = report.key_findings(dataclasses.replace(profile, breakdown=falling)).data
    assert "largest rise" not in text and "nan" not in text.lower()


def test_withheld_unknown_ward_count_reads_as_a_sentence(demo_profiles):
    import dataclasses

    profile = demo_profiles["overview"]
    wards = profile.wards.copy().astype({"count": object})
    wards.loc[wards["ward_name"] == "Unknown ward", "count"] = "<5"
    text = report.key_findings(dataclasses.replace(profile, wards=wards, restricted=False)).data
    assert "- Fewer than 5 offences could not be placed in a ward" in text


def test_top_wards_say_so_when_a_withheld_ward_may_have_more(board_profiles):
    # claims: whether the published top wards are the top wards of all (publication.py)
    for profile in board_profiles.values():
        if profile.wards is None:
            continue
        html = report.top_wards_table(profile).to_html()
        caption = "a ward whose figure is withheld may have more"
        assert (caption in html) == (not profile.claims.get("top_wards", True)), profile.theme
    assert any(not p.claims.get("top_wards", True) for p in board_profiles.values())


def test_top_wards_rate_names_its_period_and_shows_the_rate_per_year(
    demo_profiles, demo_dataset, demo_settings
):
    quarter = demo_profiles["overview"]
    html = report.top_wards_table(quarter).to_html()
    assert "Rate per 1,000 in the quarter" in html and "Rate per 1,000 per year" in html
    top = quarter.top_wards.iloc[0]
    assert f"{top['rate_per_1000']:.2f}" in html
    assert f"{top['rate_per_1000_per_year']:.2f}" in html
    assert top["rate_per_1000_per_year"] == pytest.approx(4 * top["rate_per_1000"])
    year = build_profile(
        demo_dataset, area="Demoshire", period="2025-26", theme=demo_settings.themes["overview"]
    )
    html = report.top_wards_table(year).to_html()
    assert "Rate per 1,000 per year" in html and "in the" not in html
    assert any(note.startswith("Rates use synthetic Demoshire residents") for note in quarter.notes)


def test_ward_map_legend_explains_withheld_wards_with_the_profile_threshold(board_profiles):
    from dataclasses import replace

    profile = next(
        p
        for p in board_profiles.values()
        if p.wards is not None and p.wards["count"].map(lambda v: isinstance(v, str)).any()
    )
    profile = replace(profile, threshold=9)  # as a deployment may set
    mapped = profile.ward_shapes.merge(profile.wards, on="ward_code")  # the area's wards
    withheld = mapped["count"].map(lambda value: isinstance(value, str))
    for column in ("count", "rate_per_1000"):
        entries = [t.get_text() for t in report.ward_map(profile, column=column).axes[0]
                   .get_legend().get_texts()]  # fmt: skip
        text = " ".join(" ".join(entries).split())
        assert f"Withheld (fewer than 10 or to protect another ward) ({withheld.sum()} wards)" in (
            text.replace("  ", " ")
        )
        assert "fewer than 5" not in text


def test_too_few_months_for_the_usual_range_gives_no_unusual_month_sentence(demo_profiles):
    import dataclasses

    from csp_analysis.stats import mann_kendall, spc

    profile = demo_profiles["overview"]
    values = profile.spc["value"].to_numpy()[-5:]  # a trend can be tested, no usual range
    short = dataclasses.replace(
        profile,
        spc=spc(values, labels=list(profile.spc["label"])[-5:]),
        trend=mann_kendall(values),
    )
    assert short.latest_variation() == "none"
    text = report.key_findings(short).data
    assert "unusual" not in text and "Over the 5 months" in text
    assert report.spc_chart(short).data.startswith("_There are too few months")


@pytest.mark.parametrize("name", THEMES)
def test_the_top_wards_sentence_never_claims_more_than_the_table_shows(board_profiles, name):
    profile = board_profiles[name]
    if profile.wards is None:
        return
    text = report.top_wards_intro(profile).data
    withheld = profile.wards["count"].map(lambda value: isinstance(value, str)).any()
    if withheld and len(profile.top_wards) < profile.top_n:
        assert "among those whose figures are published" in text
    if withheld:
        assert "Every ward with any" not in text
    wards = profile.wards.loc[profile.wards["ward_name"] != "Unknown ward"]
    counted = pd.to_numeric(wards["count"], errors="coerce")
    had = int((counted.isna() | counted.gt(0)).sum())  # a withheld count is never 0
    assert f"{had} of the {len(wards)} wards" in text or f"all {len(wards)} wards" in text


def test_small_ethnic_groups_are_named_below_the_table_with_the_threshold(board_profiles):
    import dataclasses

    profile = board_profiles["serious_violence"]
    ethnicity = profile.ethnicity.copy()
    stated = ethnicity.index[ethnicity["stated"]]
    ethnicity["total"] = ethnicity["total"].astype(object)
    ethnicity.loc[stated[-1], "total"] = "<13"  # a threshold of 12
    html = report.ethnicity_table(
        dataclasses.replace(profile, threshold=12, ethnicity=ethnicity)
    ).data
    assert "each by fewer than 13 people" in html and "fewer than 10" not in html
    named = html.split("Also stated")[1]
    assert escape(str(ethnicity.loc[stated[-1], "ethnicity"])) in named


def test_a_number_column_with_a_withheld_count_stays_right_aligned(board_profiles):
    """A board table's "<5" makes its column text; it must still line up as numbers do."""
    withheld = [
        profile
        for profile in board_profiles.values()
        if profile.available
        and profile.breakdown is not None
        and (profile.breakdown.astype(str) == "<5").any().any()
    ]
    assert withheld, "no board breakdown withholds a count"
    for profile in withheld:
        styled = report.breakdown_table(profile)
        assert left_aligned(styled) == [styled.data.columns[0]]  # the category's name only


def test_top_wards_line_up_as_numbers_and_say_why_a_harm_is_not_shown(
    board_profiles, demo_profiles
):
    styled = report.top_wards_table(board_profiles["overview"])
    shown = styled.data
    assert len(shown) == 10 and left_aligned(styled) == ["Ward"]  # "Likely range" too: numbers
    assert "\u00a0to\u00a0" in shown["Likely range"].iloc[0]  # never split over two lines
    assert shown["Harm"].isna().any() and shown["Harm"].notna().any()
    assert report.HARM_NOT_SHOWN in styled.caption  # the "–" explained where it shows
    exact = report.top_wards_table(demo_profiles["overview"])  # restricted: every harm shown
    assert exact.data["Harm"].notna().all() and report.HARM_NOT_SHOWN not in (exact.caption or "")
