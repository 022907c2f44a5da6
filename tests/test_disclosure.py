"""Small-number suppression: worked examples, the wrappers, and properties on random tables."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csp_analysis import indicators as ind
from csp_analysis.disclosure import (
    audit,
    suppress_counts,
    suppress_crosstab,
)

THRESHOLD = 4


def one_column(counts, **options):
    table = pd.DataFrame({"count": counts})
    return table, suppress_counts(table, counts=["count"], **options)


def published(result, column="count"):
    return result.table[column].tolist()


# ----------------------------------------------------------- worked examples: lists


def test_one_small_ward_takes_the_next_smallest_with_it():
    # 3 is withheld; the published total 34 minus 12 + 8 + 6 + 0 would give it back,
    # so the next smallest non-zero ward (5) is withheld too: 3 + 5 = 8 >= 5.
    _, result = one_column([12, 8, 6, 5, 3, 0])
    assert published(result) == [12, 8, 6, "[c]", "<5", 0]
    assert result.flags[["row", "count", "reason"]].to_dict("records") == [
        {"row": 3, "count": 5.0, "reason": "secondary"},
        {"row": 4, "count": 3.0, "reason": "primary"},
    ]
    assert result.safe


def test_two_small_cells_summing_to_five_need_no_partner():
    _, result = one_column([10, 8, 3, 2, 0])
    assert published(result) == [10, 8, "<5", "<5", 0]
    assert (result.flags["reason"] == "primary").all()


def test_zeros_are_published_and_never_chosen():
    _, result = one_column([0, 3, 0, 9, 0, 7])
    assert published(result) == [0, "<5", 0, 9, 0, "[c]"]


def test_four_and_four_give_each_other_away():
    # "<5" means 1-4, so two "<5" cells summing to 8 are both 4: a third cell is withheld.
    _, result = one_column([10, 4, 4])
    assert published(result) == ["[c]", "<5", "<5"]


def test_a_partner_pinned_by_the_rule_takes_another():
    # With one 5 withheld, a reader knows "[c]" is at least 5 and (next smallest rule) at
    # most the 5 still published: it is 5, and then the "<5" is 3. Both 5s go.
    _, result = one_column([3, 5, 5, 9])
    assert published(result) == ["<5", "[c]", "[c]", 9]
    assert result.safe


def test_many_ones_are_not_left_pinned_at_one():
    # Five cells of 1 sum to 5, but five "<5" cells summing to 5 must all be 1.
    _, result = one_column([1, 1, 1, 1, 1, 20])
    assert published(result) == ["<5"] * 5 + ["[c]"]


def test_area_total_is_never_withheld_even_when_small():
    table = pd.DataFrame({"count": [3, 0, 0, 3]}, index=["A", "B", "C", "Total"])
    result = suppress_counts(table, counts=["count"], total_row="Total")
    assert published(result) == ["<5", 0, 0, 3]
    # nothing more can be withheld: reported, not hidden
    assert not result.safe
    assert result.flags["recoverable"].tolist() == [True]
    problems = audit(table, result.table, counts=["count"], total_row="Total")
    assert problems["row"].tolist() == ["A"]


def test_threshold_and_labels_are_configurable():
    _, result = one_column([7, 5, 12, 30], threshold=9, secondary_label="*")
    assert published(result) == ["<10", "<10", 12, 30]  # 7 + 5 = 12 >= 10
    _, result = one_column([7, 12, 30], threshold=9, secondary_label="*")
    assert published(result) == ["<10", "*", 30]


def test_each_count_column_is_protected_against_its_own_total():
    table = pd.DataFrame({"current": [20, 10, 2], "previous": [3, 15, 9], "change": [17, -5, -7]})
    result = suppress_counts(
        table, counts=["current", "previous"], dependent={"current": ["change"]}
    )
    # current: 2 takes 10 (total 32); previous: 3 takes 9 (total 27)
    assert published(result, "current") == [20, "[c]", "<5"]
    assert published(result, "previous") == ["<5", 15, "[c]"]
    assert result.table["change"].isna().tolist() == [False, True, True]


def test_input_is_left_untouched_and_errors_speak_to_analysts():
    table = pd.DataFrame({"count": [3, 8, 9], "note": ["a", "b", "c"]})
    before = table.copy()
    suppress_counts(table, counts=["count"])
    pd.testing.assert_frame_equal(table, before)
    with pytest.raises(ValueError, match="'count', row 1: 'lots' is not a count"):
        suppress_counts(table.assign(count=[3, "lots", 9]), counts=["count"])
    with pytest.raises(ValueError, match="pass the published total"):
        suppress_counts(table.assign(count=["<5", "[c]", 9]), counts=["count"])
    with pytest.raises(ValueError, match="sum to 20 but the total is 21"):
        suppress_counts(table, counts=["count"], totals={"count": 21})


# ---------------------------------------------------- worked examples: cross-tables


def grid(rows, columns="abc"):
    table = pd.DataFrame(rows, columns=list(columns), index=[f"r{i}" for i in range(len(rows))])
    table["total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    return table


def test_small_cell_takes_a_partner_in_its_row_and_its_column():
    table = grid([[3, 12, 20], [9, 10, 15], [8, 11, 30]])
    result = suppress_crosstab(table, cells=list("abc"), total="total", total_row="Total")
    # r0: 3 needs a row partner (12, the smallest) and a column partner (8); the fourth
    # corner (11) closes the rectangle, so every row and column has two withheld cells.
    expected = pd.DataFrame(
        {
            "a": ["<5", 9, "[c]", 20],
            "b": ["[c]", 10, "[c]", 33],
            "c": [20, 15, 30, 65],
            "total": [35, 34, 49, 118],
        },
        index=table.index,
    )
    pd.testing.assert_frame_equal(result.table, expected, check_dtype=False)
    assert result.safe
    assert audit(table, result.table, cells=list("abc"), total="total", total_row="Total").empty


def test_a_small_row_total_is_withheld_and_protected_in_the_total_column():
    table = grid([[1, 2, 0], [10, 12, 9], [8, 6, 7]])
    result = suppress_crosstab(table, cells=list("abc"), total="total", total_row="Total")
    assert result.table.loc["r0"].tolist() == ["<5", "<5", 0, "<5"]
    # the total column (3, 31, 21 | 55) now needs a second withheld total
    assert result.table["total"].tolist() == ["<5", 31, "[c]", 55]
    assert audit(table, result.table, cells=list("abc"), total="total", total_row="Total").empty


def test_audit_finds_a_cell_given_away_by_rows_and_columns_together():
    # Every row and column has two withheld cells, but the bridge (r0, c) joins two
    # rectangles and follows from row sums minus column sums.
    table = grid(
        [[10, 11, 2, 30, 9], [12, 13, 40, 31, 8], [14, 15, 20, 21, 7], [16, 17, 22, 23, 6]],
        columns="abcde",
    )
    shown = table.astype(object)
    for row, column in [("r0", "a"), ("r0", "b"), ("r1", "a"), ("r1", "b")]:
        shown.loc[row, column] = "[c]"
    for row, column in [("r2", "c"), ("r2", "d"), ("r3", "c"), ("r3", "d")]:
        shown.loc[row, column] = "[c]"
    shown.loc["r0", "c"] = "<5"
    problems = audit(table, shown, cells=list("abcde"), total="total", total_row="Total")
    assert problems.to_dict("records") == [
        {"row": "r0", "column": "c", "problem": "recoverable from all lines"}
    ]
    protected = suppress_crosstab(table, cells=list("abcde"), total="total", total_row="Total")
    assert protected.safe


# ------------------------------------------------------------------ the wrappers


@pytest.fixture
def ward_example():
    wards = pd.DataFrame(
        {
            "ward_code": ["E1", "E2", "E3", "E4", "E5"],
            "ward_name": ["Abbey", "Brook", "Castle", "Dale", "Elm"],
        }
    )
    population = wards[["ward_code"]].assign(population=[5000, 4000, 3000, 6000, 2000])
    current = pd.DataFrame({"ward_code": ["E1"] * 12 + ["E2"] * 7 + ["E3"] * 6 + ["E4"] * 3})
    previous = pd.DataFrame(
        {"ward_code": ["E1"] * 10 + ["E2"] * 8 + ["E3"] * 9 + ["E4"] * 6 + ["E5"] * 5}
    )
    return ind.ward_table(current, previous, wards=wards, population=population)


def test_ward_table_worked_example(ward_example):
    result = protect_ward_table(ward_example)
    table = result.table
    assert table["ward_name"].tolist() == ["Abbey", "Brook", "Castle", "Dale", "Elm"]
    assert table["count"].tolist() == [12, 7, "[c]", "<5", 0]
    assert table["previous"].tolist() == [10, 8, 9, 6, 5]  # nothing small: untouched
    assert table["rank"].tolist() == [1, 2, pd.NA, pd.NA, 5]
    np.testing.assert_allclose(table["share_pct"], [1200 / 28, 700 / 28, np.nan, np.nan, 0.0])
    np.testing.assert_allclose(
        table["cumulative_share_pct"], [1200 / 28, 1900 / 28, np.nan, np.nan, np.nan]
    )
    for column in ["rate_per_1000", "rate_lower", "rate_upper", "change", "pct_change"]:
        assert table[column].isna().tolist()[2:4] == [True, True], column
    assert table["population"].tolist() == [5000, 4000, 3000, 6000, 2000]
    assert list(table.columns) == ind.WARD_COLUMNS
    assert result.flags[["row", "column", "reason"]].to_dict("records") == [
        {"row": 2, "column": "count", "reason": "secondary"},
        {"row": 3, "column": "count", "reason": "primary"},
    ]
    assert audit(
        ward_example,
        table,
        counts=["count", "previous"],
        dependent=WARD_DEPENDENT,
        key="ward_name",
    ).empty


def test_ward_table_withheld_rows_do_not_reveal_their_order():
    wards = pd.DataFrame({"ward_code": list("ABCD"), "ward_name": ["Zeal", "Yew", "Ash", "Oak"]})
    current = pd.DataFrame(
        {"ward_code": list("AAAAAAAAAA") + list("BBBB") + list("CCC") + [None] * 2}
    )
    result = protect_ward_table(
        ind.ward_table(current, current.iloc[:0], wards=wards, population=None)
    )
    # Yew (4) and Ash (3) and Unknown ward (2) are withheld; Yew and Ash follow in name
    # order, so the table no longer says which is larger; Unknown ward stays last.
    assert result.table["ward_name"].tolist() == ["Zeal", "Ash", "Yew", "Oak", "Unknown ward"]
    assert result.table["count"].tolist() == [10, "<5", "<5", 0, "<5"]


def test_breakdown_blanks_changes_of_either_withheld_period():
    breakdown = ind.compare_periods(
        pd.DataFrame({"x": list("aaaaaaaaaabbbbbbbcc")}),
        pd.DataFrame({"x": list("aaaaaaaaabbbbbbcccccc")}),
        by="x",
    )
    result = protect_breakdown(breakdown)
    table = result.table.set_index("category")
    assert table["current"].tolist() == [10, "[c]", "<5"]
    assert table["previous"].tolist() == [9, 6, 6]
    assert table["change"].isna().tolist() == [False, True, True]
    assert table["share_pct"].isna().tolist() == [False, True, True]
    assert audit(
        breakdown,
        result.table,
        counts=["current", "previous"],
        dependent=BREAKDOWN_DEPENDENT,
        key="category",
    ).empty


def people_frame(rows):
    """People from (role_group, age, sex, ethnicity, how many) tuples."""
    records = [
        {"role_group": role, "age": age, "sex": sex, "ethnicity": ethnicity}
        for role, age, sex, ethnicity, n in rows
        for _ in range(n)
    ]
    people = pd.DataFrame(records)
    people["age_band"] = ind.age_band(people["age"].astype(float))
    return people


def test_role_age_sex_blocks_are_protected_with_their_margins():
    people = people_frame(
        [
            ("victim", 25, "female", "A", 10),
            ("victim", 25, "male", "A", 12),
            ("victim", 35, "female", "B", 2),
            ("victim", 35, "male", "B", 9),
            ("victim", 45, "female", "A", 8),
            ("victim", 45, "male", "A", 7),
            ("suspect", 25, "male", "A", 20),
            ("suspect and victim", 25, "male", None, 6),
        ]
    )
    table = ind.role_age_sex(people)
    result = protect_role_age_sex(table)
    out = result.table.set_index(["role_group", "age_band"])
    victim = out.loc["victim"]
    # 30-39 female is 2: its row partner is 30-39 male (9), its column partner 40-49
    # female (8), and 40-49 male (7) closes the rectangle.
    assert victim.loc["30-39", ["female", "male", "unknown", "total"]].tolist() == [
        "<5",
        "[c]",
        0,
        11,
    ]
    assert victim.loc["40-49", ["female", "male"]].tolist() == ["[c]", "[c]"]
    assert victim.loc["Total", ["female", "male", "total"]].tolist() == [20, 28, 48]
    assert victim.loc[["30-39", "40-49"], "female_pct"].isna().all()
    assert victim.loc["20-29", "female_pct"] == pytest.approx(1000 / 22)
    assert (out.loc["suspect", "female"] == 0).all()
    assert result.safe
    for _, block in table.groupby("role_group"):
        total_row = block.index[block["age_band"] == "Total"][0]
        assert audit(
            block,
            result.table.loc[block.index],
            cells=["female", "male", "unknown"],
            total="total",
            total_row=total_row,
            dependent=AGE_SEX_DEPENDENT,
        ).empty


def test_ethnicity_not_stated_is_a_category_and_hides_the_shares_when_withheld():
    people = people_frame(
        [
            ("victim", 30, "female", "White British", 20),
            ("suspect", 30, "male", "White British", 15),
            ("victim", 30, "male", "Asian", 9),
            ("suspect", 30, "male", "Asian", 6),
            ("victim", 30, "male", None, 2),
            ("suspect", 30, "male", None, 7),
        ]
    )
    table = ind.ethnicity_table(people)
    result = protect_ethnicity(table)
    out = result.table.set_index("ethnicity")
    # Not stated victims (2) pair with Not stated suspects (7) in the row and Asian victims
    # (9) in the column; Asian suspects (6) close the rectangle. Row totals stay published.
    assert out.loc["Not stated", ["suspect", "victim", "total"]].tolist() == ["[c]", "<5", 9]
    assert out.loc["Asian", ["suspect", "victim", "total"]].tolist() == ["[c]", "[c]", 15]
    assert out.loc["White British", ["suspect", "victim"]].tolist() == [15, 20]
    assert out["share_pct"].notna().tolist() == [True, True, True]
    assert audit(
        table,
        result.table,
        cells=list(ind.ROLE_GROUPS),
        total="total",
        dependent={"total": ["share_pct"]},
        key="ethnicity",
    ).empty

    few = people_frame(
        [
            ("victim", 30, "female", "White British", 20),
            ("suspect", 30, "male", "Asian", 12),
            ("victim", 30, "male", None, 1),
            ("suspect", 30, "male", None, 2),
        ]
    )
    result = protect_ethnicity(ind.ethnicity_table(few))
    out = result.table.set_index("ethnicity")
    assert out.loc["Not stated", "total"] == "<5"
    # the stated shares would give away how many are stated, hence how many are not
    assert out["share_pct"].isna().all()
    assert result.table["ethnicity"].iloc[-1] == "Not stated"


# ----------------------------------------------------------------- properties

counts_strategy = st.one_of(st.integers(0, 6), st.integers(0, 50))


def feasible_values(shown, total, threshold):
    """Brute force: every value each withheld cell can take, given what is published."""
    published_sum = sum(v for v in shown if not isinstance(v, str))
    withheld = [k for k, v in enumerate(shown) if isinstance(v, str)]
    smallest = min((v for v in shown if not isinstance(v, str) and v > 0), default=total)
    ranges = [
        range(1, threshold + 1) if shown[k] == "<5" else range(threshold + 1, smallest + 1)
        for k in withheld
    ]
    remainder = total - published_sum
    possible = {k: set() for k in withheld}
    for combo in itertools.product(*ranges):
        if sum(combo) == remainder:
            for k, v in zip(withheld, combo, strict=True):
                possible[k].add(v)
    return possible


@settings(max_examples=200, deadline=None)
@given(st.lists(counts_strategy, min_size=1, max_size=8))
def test_lists_are_protected(counts):
    table, result = one_column(counts)
    shown = published(result)
    for true, value in zip(counts, shown, strict=True):
        if isinstance(value, str):
            assert (value == "<5") == (1 <= true <= THRESHOLD) and true > 0
        else:
            assert value == true  # unsuppressed cells unchanged; zeros published
            assert not 1 <= value <= THRESHOLD
    problems = audit(table, result.table, counts=["count"])
    assert problems.empty == result.safe
    if not result.safe:  # only when nothing more could be withheld
        assert all(isinstance(v, str) for true, v in zip(counts, shown, strict=True) if true)
    withheld = [v for v in shown if isinstance(v, str)]
    if result.safe and withheld and len(withheld) <= 5:
        for values in feasible_values(shown, sum(counts), THRESHOLD).values():
            assert len(values) >= 2
    # idempotent: protecting the protected table (with its published total) changes nothing
    again = suppress_counts(result.table, counts=["count"], totals={"count": sum(counts)})
    assert published(again) == shown
    assert again.flags["reason"].tolist() == result.flags["reason"].tolist()


@st.composite
def grids(draw):
    n_rows, n_columns = draw(st.integers(2, 4)), draw(st.integers(2, 3))
    rows = [[draw(counts_strategy) for _ in range(n_columns)] for _ in range(n_rows)]
    return grid(rows, columns="abc"[:n_columns])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids())
def test_crosstabs_are_protected(table):
    cells = [c for c in table.columns if c != "total"]
    result = suppress_crosstab(table, cells=cells, total="total", total_row="Total")
    out = result.table
    assert out.loc["Total", "total"] == table.loc["Total", "total"]  # grand total kept
    for column in [*cells, "total"]:
        for row in table.index:
            true, value = table.loc[row, column], out.loc[row, column]
            if isinstance(value, str):
                assert true > 0
            else:
                assert value == true
                assert not 1 <= value <= THRESHOLD or (row, column) == ("Total", "total")
    problems = audit(table, out, cells=cells, total="total", total_row="Total")
    assert problems.empty == result.safe
    withheld = out.map(lambda v: isinstance(v, str))
    for line in [*[withheld.loc[row] for row in withheld.index], *[withheld[c] for c in withheld]]:
        count = int(line.sum())
        assert count != 1 or not result.safe
    if not result.safe:
        # a cell is left recoverable only where one of its lines has nothing left to withhold
        values = table.to_numpy()
        for flag in result.flags.loc[result.flags["recoverable"]].itertuples():
            row_full = all(
                withheld.loc[flag.row, c]
                or table.loc[flag.row, c] == 0
                or (flag.row, c) == ("Total", "total")
                for c in table.columns
            )
            column_full = all(
                withheld.loc[r, flag.column]
                or table.loc[r, flag.column] == 0
                or (r, flag.column) == ("Total", "total")
                for r in table.index
            )
            assert row_full or column_full, values
    again = suppress_crosstab(out, cells=cells, total="total", total_row="Total")
    pd.testing.assert_frame_equal(again.table, out)
