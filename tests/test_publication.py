"""The board version of a whole pack: suppression decided for all themes of an area at once."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from csp_analysis.disclosure import Cells
from csp_analysis.indicators import UNKNOWN_WARD
from csp_analysis.profile import build_profiles
from csp_analysis.publication import protect_profiles
from csp_analysis.tables import profile_tables

THRESHOLD = 4
MONTH = "2026-03:2026-03"


def numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def withheld(values: pd.Series) -> pd.Series:
    return values.map(lambda value: isinstance(value, str))


@pytest.fixture(scope="session")
def month_profiles(demo_dataset, demo_settings):
    return build_profiles(demo_dataset, area="Demoshire", period=MONTH, themes=demo_settings.themes)


@pytest.fixture(scope="session")
def month_board(month_profiles):
    return protect_profiles(month_profiles, threshold=THRESHOLD)


@pytest.fixture(params=["quarter", "month"])
def pack(request, demo_profiles, board_profiles, month_profiles, month_board):
    """(exact profiles, board profiles) of the small demo data, a quarter and a month."""
    if request.param == "quarter":
        return demo_profiles, board_profiles
    return month_profiles, month_board


# ------------------------------------------------------------ worked examples: the engine


def ward_lines(cells: Cells, theme: str, counts: dict[str, int]) -> None:
    total = cells.add((theme, "total"), sum(counts.values()), protected=False)
    row = [cells.add((theme, ward), n) for ward, n in counts.items()]
    cells.line(row, total)


def nested(cells: Cells, inner: str, outer: str, wards) -> None:
    for ward in wards:
        a, b = cells.keys[(inner, ward)], cells.keys[(outer, ward)]
        gap = cells.add(("gap", ward), cells.counts[b] - cells.counts[a], hidden=True)
        cells.relate([b, a, gap], [1, -1, -1])


def test_a_theme_within_another_does_not_give_away_the_difference():
    # Serious violence and the violence with injury within it, ward by ward: every count
    # is 5 or more, but wards A and B differ by 2 and 3, which are counts too.
    cells = Cells()
    outer = {"A": 12, "B": 8, "C": 20, "D": 30}
    inner = {"A": 10, "B": 5, "C": 20, "D": 15}
    ward_lines(cells, "sv", outer)
    ward_lines(cells, "vwi", inner)
    nested(cells, "vwi", "sv", outer)
    state, problems = cells.protect(threshold=THRESHOLD)
    assert problems == {}
    shown = cells.shown(state, threshold=THRESHOLD)
    for ward in outer:
        a, b = shown[("vwi", ward)], shown[("sv", ward)]
        if not isinstance(a, str) and not isinstance(b, str):
            assert not 1 <= b - a <= THRESHOLD, ward
    # without the relation nothing would be withheld at all
    alone = Cells()
    ward_lines(alone, "sv", outer)
    ward_lines(alone, "vwi", inner)
    state, _ = alone.protect(threshold=THRESHOLD)
    assert all(not isinstance(v, str) for v in alone.shown(state).values())


def test_a_count_shown_in_two_tables_is_withheld_in_both():
    # "Unknown ward" in the ward table and the data-quality note "in the area but no ward"
    # are the same records, so they are one cell.
    cells = Cells()
    total = cells.add("total", 40, protected=False)
    wards = [cells.add(key, n) for key, n in [("A", 20), ("B", 17), ("unknown", 3)]]
    cells.line(wards, total)
    methods = [cells.add(key, n) for key, n in [("by coordinates", 30), ("by code", 7)]]
    cells.line([*methods, cells.add("unknown", 3)], total)
    state, problems = cells.protect(threshold=THRESHOLD)
    shown = cells.shown(state)
    assert problems == {} and shown["unknown"] == "<5"
    assert isinstance(shown["by code"], str) and isinstance(shown["B"], str)


def test_what_cannot_be_protected_is_reported_not_passed():
    # One ward holds all 3 records of an area total that is always published.
    cells = Cells()
    ward_lines(cells, "hate", {"A": 3, "B": 0, "C": 0})
    cells.protected[cells.keys[("hate", "total")]] = False
    state, problems = cells.protect(threshold=THRESHOLD)
    assert cells.shown(state)[("hate", "A")] == "<5"
    assert list(problems) == [cells.keys[("hate", "A")]]


# ------------------------------------------------------------ the pack: labels and totals


def test_every_published_count_is_true_and_every_label_honest(pack):
    exact, board = pack
    for name, profile in board.items():
        truth = profile_tables(exact[name])
        for table, frame in profile_tables(profile).items():
            if table in ("headline", "monthly", "spc", "trend", "data_quality"):
                continue
            counts = [
                c
                for c in (
                    "count",
                    "current",
                    "previous",
                    "total",
                    "female",
                    "male",
                    "people",
                    "victims",
                    "repeat_victims",
                    "suspect and victim",
                    "suspect",
                    "victim",
                )
                if c in frame
            ]
            key = {"wards": "ward_code", "top_wards": "ward_code", "harm": "ward_code"}.get(table)
            original = truth["wards" if table == "top_wards" else table]
            if key:
                frame = frame.assign(ward_code=frame["ward_code"].fillna(UNKNOWN_WARD))
                original = original.assign(ward_code=original["ward_code"].fillna(UNKNOWN_WARD))
                original = original.set_index(key).loc[frame[key]].reset_index()
            elif table == "top_wards_by_category":
                pair = ["category", "ward_code"]
                original = (
                    original.set_index(pair)
                    .loc[pd.MultiIndex.from_frame(frame[pair])]
                    .reset_index()
                )
            elif "category" in frame:
                original = original.set_index("category").loc[frame["category"]].reset_index()
            elif "ethnicity" in frame:
                original = original.set_index("ethnicity").loc[frame["ethnicity"]].reset_index()
            elif table == "people":
                original = (
                    original.set_index(["role_group", "age_band"])
                    .loc[pd.MultiIndex.from_frame(frame[["role_group", "age_band"]])]
                    .reset_index()
                )
            for column in counts:
                for shown, true in zip(frame[column], original[column], strict=True):
                    if pd.isna(true):  # not a count (female in "Sex not recorded")
                        assert pd.isna(shown), (name, table, column)
                    elif shown == f"<{THRESHOLD + 1}":
                        assert 1 <= true <= THRESHOLD, (name, table, column)
                    elif shown == "[c]":
                        assert true > THRESHOLD, (name, table, column)
                    else:
                        assert shown == true, (name, table, column)
        assert profile.headline.equals(exact[name].headline), name  # area totals exact
        assert profile.current is None and profile.previous_records is None


def test_dependent_cells_are_blank_beside_a_withheld_count(pack):
    _, board = pack
    for name, profile in board.items():
        if profile.wards is not None:
            wards = profile.wards
            gone = withheld(wards["count"])
            for column in [
                "rank",
                "share_pct",
                "cumulative_share_pct",
                "rate_per_1000",
                "rate_lower",
                "rate_upper",
                "rate_per_1000_per_year",
                "rate_per_year_lower",
                "rate_per_year_upper",
                "change",
                "pct_change",
            ]:
                assert wards.loc[gone, column].isna().all(), (name, column)
            assert wards.loc[withheld(wards["previous"]), "change"].isna().all()
        tables = [profile.breakdown, *profile.attributes.values()]
        for table in (t for t in tables if t is not None):
            either = withheld(table["current"]) | withheld(table["previous"])
            assert table.loc[either, ["change", "pct_change"]].isna().all().all(), name
            assert table.loc[withheld(table["current"]), "share_pct"].isna().all(), name
        if profile.people is not None:
            people = profile.people
            either = withheld(people["female"]) | withheld(people["male"])
            assert people.loc[either, "female_pct"].isna().all()
        if (
            profile.repeat_victims is not None
            and withheld(profile.repeat_victims["repeat_victims"]).any()
        ):
            assert profile.repeat_victims[["repeat_pct", "crimes_of_repeat"]].isna().all().all()


def test_order_and_ranks_say_nothing_about_withheld_wards(pack):
    _, board = pack
    for name, profile in board.items():
        if profile.wards is None:
            continue
        wards = profile.wards
        known = wards.loc[wards["ward_code"].notna()]
        gone = withheld(known["count"]).to_numpy()
        count = numbers(known["count"]).to_numpy()
        shown = ~gone & (count > 0)
        # published wards first, by count; then withheld ones by name; then zeros
        assert (np.diff(count[shown]) <= 0).all(), name
        order = np.select([shown, gone], [0, 1], 2)
        assert (np.diff(order) >= 0).all(), name
        names = known.loc[gone, "ward_name"].tolist()
        assert names == sorted(names), name
        # a published ward's rank counts only published wards above it
        ranks = known.loc[shown, "rank"].astype(int).tolist()
        expected = [1 + int((count[shown] > c).sum()) for c in count[shown]]
        assert ranks == expected, name
        assert wards["ward_name"].iloc[-1] == UNKNOWN_WARD or UNKNOWN_WARD not in set(
            wards["ward_name"]
        )


def within_sensitive(exact, name, period):
    """Categories of a theme's breakdown whose records (in a period) are all in a sensitive
    theme: domestic abuse or hate crime."""
    profile = exact[name]
    records = profile.current if period == "current" else profile.previous_records
    sensitive = set()
    for other in ("domestic_abuse", "hate_crime"):
        for frame in (exact[other].current, exact[other].previous_records):
            sensitive |= set(frame.index)
    labels = records[profile.breakdown_by].astype("string").fillna("Not recorded")
    inside = pd.Series(records.index.isin(list(sensitive)), index=records.index)
    return set(inside.groupby(labels).all().loc[lambda s: s].index)


def test_policy_sensitive_themes_protect_their_breakdown(pack):
    exact, board = pack
    # Not sensitive: area figures by offence are published as they are, except a row whose
    # records all belong to a sensitive theme (and what must be withheld beside it).
    for name in ("overview", "serious_violence", "violence_with_injury", "drugs", "asb"):
        shown, true = board[name].breakdown, exact[name].breakdown.set_index("category")
        if shown is None:
            continue
        for period in ("current", "previous"):
            inside = within_sensitive(exact, name, period) if name != "asb" else set()
            rows = shown.set_index("category")[period]
            gone = rows[rows.map(lambda v: isinstance(v, str))]
            for category, value in rows.items():
                if category in inside and 1 <= true.loc[category, period] <= THRESHOLD:
                    assert value == f"<{THRESHOLD + 1}", (name, period, category)
            if len(gone):  # withheld only in a column that protects such a row
                assert set(gone.index) & inside, (name, period, list(gone.index))


def test_policy_sensitive_breakdowns_and_the_configured_themes(demo_profiles, board_profiles):
    # Sensitive: no small count in the breakdown of domestic abuse or hate crime.
    for name in ("domestic_abuse", "hate_crime"):
        breakdown = board_profiles[name].breakdown
        if breakdown is not None:
            both = breakdown[["current", "previous"]].apply(numbers)
            assert not both.isin(range(1, THRESHOLD + 1)).any().any(), name
    # A deployment that marks drugs sensitive gets its breakdown protected too.
    themes = dict(demo_profiles)
    themes["drugs"] = dataclasses.replace(
        demo_profiles["drugs"],
        theme=dataclasses.replace(demo_profiles["drugs"].theme, sensitive=True),
    )
    drugs = protect_profiles(themes, threshold=THRESHOLD)["drugs"]
    small = demo_profiles["drugs"].breakdown["current"].between(1, THRESHOLD)
    assert small.any()
    assert drugs.breakdown is None or withheld(drugs.breakdown["current"]).sum() >= small.sum()


def test_threshold_is_the_configured_one(demo_profiles):
    board = protect_profiles(demo_profiles, threshold=9)
    wards = board["overview"].wards
    labels = set(wards["count"][withheld(wards["count"])])
    assert labels <= {"<10", "[c]"} and "<10" in labels
    assert not numbers(wards["count"]).isin(range(1, 10)).any()
    with pytest.raises(ValueError, match="at least 1"):
        protect_profiles(demo_profiles, threshold=0)


def test_nested_themes_ward_by_ward(pack):
    # Violence with injury within serious violence within all crime: where both counts of
    # a ward are published, their difference (itself a count) is 0 or above the threshold.
    _, board = pack
    pairs = [
        ("violence_with_injury", "serious_violence"),
        ("serious_violence", "overview"),
        ("violence_with_injury", "overview"),
        ("domestic_abuse", "overview"),
        ("hate_crime", "overview"),
        ("drugs", "overview"),
    ]
    for inner, outer in pairs:
        a, b = board[inner].wards, board[outer].wards
        if a is None or b is None:
            continue
        for column in ("count", "previous"):
            joined = a.merge(b, on="ward_name", suffixes=("_in", "_out"))
            gap = numbers(joined[f"{column}_out"]) - numbers(joined[f"{column}_in"])
            assert not gap.isin(range(1, THRESHOLD + 1)).any(), (inner, outer, column)


def test_left_out_tables_are_named_and_absent(month_profiles, month_board):
    left_out = {(name, table) for name, p in month_board.items() for table in p.omitted}
    assert left_out, "the single month of small demo data has tables too small to protect"
    for name, table in left_out:
        profile = month_board[name]
        why = profile.omitted[table]
        assert "not shown" in why and why in profile.notes
        kind, _, detail = table.partition(":")
        if kind in ("wards", "breakdown", "repeat_victims", "ethnicity"):
            assert getattr(profile, kind) is None
        elif kind == "attributes":
            assert profile.attributes[detail] is None
        elif kind == "people":
            assert detail not in set(profile.people["role_group"])
        elif kind == "wards_by":
            assert detail not in set(profile.wards_by["category"].astype(str))
        assert why in (profile_tables(profile)["data_quality"]["description"]).tolist()
