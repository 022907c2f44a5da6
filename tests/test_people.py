"""Who is involved: tables by role, age and sex that keep their message in the board version."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from csp_analysis import indicators, report
from csp_analysis.disclosure import Cells
from csp_analysis.publication import KEEP_SPLIT

#: The female/male split must stay in every age band of this many people (issue 8).
LARGE_BAND = 20


def _large_bands(exact: dict, board: dict) -> tuple[int, list[str]]:
    """(age bands of LARGE_BAND or more people, those of them whose split is withheld)."""
    checked, lost = 0, []
    for name, profile in exact.items():
        if getattr(profile, "people", None) is None:
            continue
        people = profile.people
        shown = board[name].people.set_index(["role_group", "age_band"])
        large = people.loc[
            people["age_band"].isin(indicators.AGE_BANDS) & (people["people"] >= LARGE_BAND)
        ]
        for role, band, size in zip(
            large["role_group"], large["age_band"], large["people"], strict=True
        ):
            checked += 1
            cells = shown.loc[(role, band), ["female", "male"]]
            if any(isinstance(value, str) for value in cells):
                lost.append(f"{name}: {role} {band} ({size} people): {list(cells)}")
    return checked, lost


def test_the_board_keeps_the_split_of_large_age_bands_at_test_scale(demo_profiles, board_profiles):
    assert KEEP_SPLIT <= LARGE_BAND
    _, lost = _large_bands(demo_profiles, board_profiles)
    assert not lost


@pytest.fixture(scope="module")
def full_scale(tmp_path_factory):
    """Exact and board profiles of the demo data at full scale (as ``make demo``)."""
    from csp_analysis.config import PROJECT_ROOT, load_settings
    from csp_analysis.demo import LATEST_QUARTER, write_demo_data
    from csp_analysis.load import load_dataset
    from csp_analysis.profile import build_profiles
    from csp_analysis.publication import protect_profiles

    folder = tmp_path_factory.mktemp("demo_full")
    write_demo_data(folder, seed=7, scale=1.0)
    settings = load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=folder)
    exact = build_profiles(
        load_dataset(settings), area="Demoshire", period=LATEST_QUARTER, themes=settings.themes
    )
    return exact, protect_profiles(exact, threshold=4)


def test_the_board_keeps_the_split_of_large_age_bands_at_full_scale(full_scale):
    checked, lost = _large_bands(*full_scale)
    assert checked >= 20  # the demo's domestic abuse and serious violence: victims, suspects
    assert not lost


def test_a_costly_cell_is_withheld_only_when_nothing_else_will_do():
    # A list 3, 6, 7 of total 16: the 3 is withheld, and one more cell beside it.
    def protect(costs):
        cells = Cells()
        total = cells.add("total", 16, protected=False)
        row = [cells.add(k, n, cost=costs.get(k)) for k, n in (("a", 3), ("b", 6), ("c", 7))]
        cells.line(row, total)
        state, problems = cells.protect(threshold=4)
        assert not problems
        return {k: v for k, v in cells.shown(state).items() if k != "total"}

    assert protect({}) == {"a": "<5", "b": "[c]", "c": 7}  # the smallest, by default
    assert protect({"b": 100}) == {"a": "<5", "b": 6, "c": "[c]"}


def _profile(rows: list[tuple], *, threshold: int = 4, omitted=None) -> SimpleNamespace:
    """A board profile with one role's people table (age_band, female, male, people, pct)."""
    frame = pd.DataFrame(rows, columns=["age_band", "female", "male", "people", "female_pct"])
    frame.insert(0, "role_group", "victim")
    return SimpleNamespace(available=True, people=frame, threshold=threshold, omitted=omitted or {})


def test_the_page_shows_zeros_withheld_cells_and_blanks_apart_with_a_legend():
    profile = _profile(
        [
            ("20-29", 30, "<11", "[c]", np.nan),
            ("30-39", 0, 12, 12, 0.0),
            ("40-49", 0, 0, 0, np.nan),
            ("Sex not recorded", pd.NA, pd.NA, 7, np.nan),
            ("Total", "[c]", "[c]", 60, np.nan),
        ],
        threshold=10,
    )
    html = report.people_table(profile).data
    assert "<caption>Victims</caption>" in html
    assert html.count("<table") == 1  # the roles with no rows are not shown
    table = BeautifulSoup(html, "html.parser").find("table")
    head, *body = [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in table.find_all("tr")]
    assert head == ["Age", "Female", "Male", "% female", "People"]
    rows = {row[0]: row[1:] for row in body}
    assert "40-49" not in rows  # a band with nobody is left out
    assert rows["30-39"] == ["0", "12", "0%", "12"]  # a zero is 0
    assert rows["20-29"] == ["30", "<11", "–", "[c]"]  # withheld; not computed
    assert rows["Sex not recorded, any age"] == ["", "", "", "7"]  # not applicable: blank
    legend = html[html.index('class="table-legend"') :]
    assert "&lt;11: 1 to 10 people, withheld" in legend  # the profile's threshold
    assert "[c]: withheld so that another number cannot be worked out" in legend
    assert "–: none to show" in legend and "&lt;5" not in legend


def test_the_legend_names_only_the_marks_shown():
    profile = _profile([("20-29", 30, 10, 40, 75.0), ("Total", 30, 10, 40, 75.0)])
    html = report.people_table(profile).data
    assert "table-legend" not in html


def test_a_role_left_out_says_why():
    why = "The figures for people who were victim are not shown: the numbers are so small."
    profile = _profile([("Total", 0, 0, 0, np.nan)], omitted={"people:suspect": why})
    profile.people = pd.concat(
        [profile.people, profile.people.assign(role_group="suspect and victim")]
    )
    html = report.people_table(profile).data
    assert why in html
    assert "No victims or people who were both suspect and victim are recorded" in html
