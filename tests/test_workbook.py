"""The Excel workbook: read back, it holds the CSVs' numbers as numbers, withheld labels as
text, bold frozen headers, number formats, the version mark and the legend."""

import csv
import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from csp_analysis.cli import main
from csp_analysis.demo import LATEST_QUARTER
from csp_analysis.profile import Profile
from csp_analysis.tables import write_tables
from csp_analysis.workbook import sheet_names, workbook_bytes

HEADER_ROW = 3


def read_back(profiles, **options):
    return load_workbook(io.BytesIO(workbook_bytes(profiles, **options)))


def contents_rows(book) -> dict[str, tuple[str, str]]:
    """Sheet name -> (theme title, table), from the contents sheet's list of sheets."""
    rows = list(book["Contents"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Sheet")
    listed = {}
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        listed[row[0]] = (row[1], row[2])
    return listed


def csv_cell(text: str) -> object:
    """What a CSV cell should be in the workbook: a number, a bool, None or the text."""
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    try:
        return float(text)
    except ValueError:
        return text[1:] if text.startswith("'") else text  # the CSV's formula guard


@pytest.fixture(scope="module")
def board_book(board_profiles):
    return read_back(board_profiles, sources=["Demo source"])


def test_every_table_of_every_theme_has_a_valid_sheet(board_book, board_profiles):
    names = board_book.sheetnames
    assert names[0] == "Contents"
    assert len({n.lower() for n in names}) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\'") for n in names)
    listed = contents_rows(board_book)
    assert set(listed) == set(names[1:])
    expected = {
        (p.theme.title, table)
        for p in board_profiles.values()
        if isinstance(p, Profile) and p.available
        for table in ("headline", "monthly", "data_quality")
    }
    assert expected <= set(listed.values())


def test_sheets_hold_the_csv_numbers_as_numbers_and_labels_as_text(
    board_book, board_profiles, tmp_path
):
    listed = {value: name for name, value in contents_rows(board_book).items()}
    labels_seen = set()
    compared = 0
    for profile in board_profiles.values():
        if not (isinstance(profile, Profile) and profile.available):
            continue
        for path in write_tables(profile, tmp_path):
            if path.suffix != ".csv":
                continue
            sheet = board_book[listed[(profile.theme.title, path.stem)]]
            rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
            cells = list(sheet.iter_rows(min_row=HEADER_ROW))
            assert [c.value for c in cells[0]][: len(rows[0])] == rows[0], path
            assert len(cells) == len(rows), path
            for written, row in zip(cells[1:], rows[1:], strict=True):
                for cell, text in zip(written, row, strict=False):
                    want = csv_cell(text)
                    if isinstance(want, float):
                        assert isinstance(cell.value, (int, float)), (path, text)
                        assert cell.value == pytest.approx(want, abs=1e-9), (path, text)
                    else:
                        assert cell.value == want, (path, text)
                    if want in ("<5", "[c]"):
                        assert cell.data_type == "s"
                        labels_seen.add(want)
                    compared += 1
    assert compared > 1000
    assert labels_seen == {"<5", "[c]"}  # the demo pack withholds both kinds


def test_headers_bold_and_frozen_and_numbers_formatted(board_book):
    headline = board_book["Overview headline"]
    assert headline.freeze_panes == f"A{HEADER_ROW + 1}"
    assert all(cell.font.b for cell in headline[HEADER_ROW])
    rows = {row[0].value: row for row in headline.iter_rows(min_row=HEADER_ROW + 1)}
    assert rows["total"][1].number_format == "#,##0"
    assert rows["rate_per_1000"][1].number_format == "0.00"
    assert rows["total"][4].number_format == "0.0"  # pct_change
    wards = board_book["Overview wards"]
    header = [c.value for c in wards[HEADER_ROW]]
    first = wards[HEADER_ROW + 1]
    assert first[header.index("count")].number_format == "#,##0"
    assert first[header.index("share_pct")].number_format == "0.0"
    assert first[header.index("rate_per_1000")].number_format == "0.00"
    assert wards.column_dimensions["C"].width > 8  # sized to the ward names


def test_version_mark_and_legend(board_book, board_profiles):
    assert all(
        "Board and public version" in board_book[name]["A1"].value for name in board_book.sheetnames
    )
    text = " ".join(
        str(v) for row in board_book["Contents"].iter_rows(values_only=True) for v in row if v
    )
    assert "Demoshire" in text and LATEST_QUARTER in text and "Demo source" in text
    assert "a count of 1 to 4" in text and "withheld to protect another cell" in text
    assert "not computed" in text
    for profile in board_profiles.values():
        for why in getattr(profile, "omitted", {}).values():
            assert why in text  # every table left out is said, with why


def test_restricted_workbook_is_marked(demo_profiles):
    book = read_back(demo_profiles)
    assert all(
        book[name]["A1"].value.startswith("SYNTHETIC DEMO DATA. OFFICIAL-SENSITIVE")
        for name in book.sheetnames
    )


def test_text_that_starts_like_a_formula_stays_text(demo_profiles):
    overview = demo_profiles["overview"]
    hostile = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)"]
    wards = overview.wards.copy()
    wards.loc[wards.index[: len(hostile)], "ward_name"] = hostile
    profile = replace(overview, wards=wards)
    book = read_back({"overview": profile})
    assert not [
        cell.coordinate
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    names = [c.value for c in book["Overview wards"]["C"]]
    assert set(hostile) <= set(names)


def test_sheet_names_stay_valid_and_distinct():
    long = "averyveryverylongsinglewordthemekey"
    keys = [
        ("alpha_beta", "headline"),
        ("apple_banana", "headline"),  # the same initials
        (long, "top_wards_by_category"),
        (long, "top_wards_by_category_2"),  # the same first 31 characters
        ("x[1]", "a:b"),
    ]
    values = list(sheet_names(keys).values())
    assert values[:2] == ["AB headline", "AB headline (2)"]
    assert all(len(n) <= 31 for n in values)
    assert len({n.lower() for n in values}) == len(values)
    assert values[3].endswith("(2)")
    assert not set("".join(values)) & set("[]:*?/\\'")


def test_csp_tables_writes_one_workbook_of_the_themes(demo_dir, tmp_path):
    out = tmp_path / "tables"
    args = ["tables", "--data-dir", str(demo_dir), "--period", LATEST_QUARTER, "--out", str(out)]
    assert main([*args, "--theme", "overview", "--theme", "drugs"]) == 0
    book = load_workbook(out / f"demoshire-{LATEST_QUARTER}.xlsx")
    themes = {name.split(" ")[0] for name in book.sheetnames[1:]}
    assert themes == {"Overview", "Drugs"}
    assert not [p for p in tmp_path.rglob("*") if ".partial" in p.name]
