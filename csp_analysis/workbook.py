"""Workbook: one Excel file per area and period, every theme's tables as sheets.

Analysts pass tables on in Excel and Power BI. :func:`write_workbook` writes the tables of
:func:`csp_analysis.tables.profile_tables`, rounded as the CSV files are, so the workbook's
numbers are the CSVs' numbers: a ``Contents`` sheet first (area, period, version, sources,
the suppression legend, a list of the sheets, the tables left out and why, and each theme's
notes), then one sheet per table, each starting with the version mark and what the table
is, its header row bold and frozen, number formats by column (counts ``#,##0``,
percentages ``0.0``, rates ``0.00``) and columns sized to their contents.

Withheld cells keep their labels (``<5``, ``[c]``) as text, numbers stay numbers, and blank
cells stay blank. Every text cell is written as text: a name that starts like a formula
(``=``, ``+``, ``-``, ``@``) never becomes one.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers
import re
from collections.abc import Mapping
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from csp_analysis import __version__
from csp_analysis.disclosure import SECONDARY_LABEL
from csp_analysis.outputs import write_atomic
from csp_analysis.profile import Profile
from csp_analysis.tables import profile_tables, rounded

#: What each table holds, for the contents sheet and each sheet's second row.
TABLE_DESCRIPTIONS = {
    "headline": "Totals for the period and a year earlier, rate per 1,000 residents, change test",
    "breakdown": "Records by category, with change and share",
    "top_wards": "The wards with the most records",
    "wards": "Every ward: count, share, rate per 1,000 residents and change",
    "monthly": "Records by month",
    "spc": "Statistical process control (XmR) chart of the monthly counts",
    "trend": "Mann-Kendall trend test with Sen's slope, over the monthly counts",
    "data_quality": "Every record read, included or excluded with the reason",
    "people": "People involved by role, age band and sex",
    "ethnicity": "People involved by ethnicity",
    "repeat_victims": "Victims with more than one crime in the period",
    "top_wards_by_category": "The top wards within each category",
}
#: Short sheet-name words for tables whose key is long.
_TABLE_WORDS = {"top_wards_by_category": "top wards by cat", "spc": "SPC"}
_MAX_SHEET_NAME = 31
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\']")
#: Columns of the headline table whose unit is the row's measure (count, rate or share).
_MEASURE_COLUMNS = {"current", "previous", "change", "current_lower", "current_upper"}
_HEADER_ROW = 3  # rows 1-2: version mark and what the table is
_BOLD = Font(bold=True)
_MARK_FONT = Font(bold=True, color="B00020")
_RIGHT = Alignment(horizontal="right")
#: The time of every file inside the workbook (the zip format's earliest).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class _SameBytesZip(ZipFile):
    """A zip archive whose entries all carry one fixed time.

    So that the same tables give a byte-identical workbook, as they give identical CSVs.
    """

    def writestr(self, name: str | ZipInfo, data: str | bytes, *args: object, **kwargs: object):
        """Add ``data`` as entry ``name``, dated :data:`_ZIP_TIME`."""
        if isinstance(name, str):
            name = ZipInfo(name, date_time=_ZIP_TIME)
            name.compress_type = ZIP_DEFLATED
        super().writestr(name, data, *args, **kwargs)

    def write(self, filename: str, arcname: str | None = None, *args: object, **kwargs: object):
        """Add the file ``filename`` as entry ``arcname``, dated :data:`_ZIP_TIME`."""
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def workbook_name(area_folder: str, period_folder: str) -> str:
    """The file name of an area's workbook for a period.

    >>> workbook_name("telford-and-wrekin", "2025-26Q4")
    'telford-and-wrekin-2025-26Q4.xlsx'
    """
    return f"{area_folder}-{period_folder}.xlsx"


def theme_abbreviation(theme: str) -> str:
    """A short name of a theme key for sheet names.

    The initials of a key of several words, a short key in capitals, else the key.

    >>> [theme_abbreviation(t) for t in ("domestic_abuse", "asb", "drugs", "overview")]
    ['DA', 'ASB', 'Drugs', 'Overview']
    """
    words = [word for word in re.split(r"[_\-]+", theme) if word]
    if len(words) > 1:
        return "".join(word[0] for word in words).upper()
    if len(theme) <= 4:
        return theme.upper()
    return theme.capitalize()


def sheet_names(keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    r"""A valid, distinct sheet name for each (theme, table).

    ``"<theme abbreviation> <table words>"``, without the characters Excel refuses
    (``[]:*?/\``) and ``'``, at most 31 characters, with `` (2)``, `` (3)``... where two
    would be the same (Excel compares names ignoring case). ``Contents`` is kept for the
    contents sheet.

    >>> names = sheet_names([("domestic_abuse", "headline"), ("asb", "top_wards_by_category")])
    >>> list(names.values())
    ['DA headline', 'ASB top wards by cat']
    """
    taken = {"contents"}
    names = {}
    for theme, table in keys:
        words = _TABLE_WORDS.get(table, table.replace("_", " "))
        base = _NOT_IN_SHEET_NAME.sub("", f"{theme_abbreviation(theme)} {words}").strip()
        base = base[:_MAX_SHEET_NAME].rstrip() or "Sheet"
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[: _MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        taken.add(name.lower())
        names[(theme, table)] = name
    return names


def number_format(column: str, value: object, measure: str | None = None) -> str:
    """The Excel number format of a numeric cell, from its column (or its row's measure).

    Percentages ``0.0``, p-values ``0.0000``, rates and ratios ``0.00``, whole numbers
    ``#,##0``, other decimals as they are. In the headline table the unit of the current,
    previous and change columns is the row's ``measure``.

    >>> [number_format(c, v) for c, v in [("share_pct", 3.9), ("rate_per_1000", 4.7),
    ...                                   ("count", 48), ("p_value", 0.9195), ("mean", 431.458)]]
    ['0.0', '0.00', '#,##0', '0.0000', 'General']
    >>> number_format("current", 3.818, measure="rate_per_1000")
    '0.00'
    """
    key = measure if measure is not None and column in _MEASURE_COLUMNS else column
    if "pct" in key:
        return "0.0"
    if key == "p_value":
        return "0.0000"
    if key.startswith("rate") or "ratio" in key or key.endswith(("_lower", "_upper")):
        return "0.00"
    if isinstance(value, numbers.Integral) or float(value).is_integer():
        return "#,##0"
    return "General"


def _cell_value(value: object) -> object:
    """A table value as openpyxl writes it: blank for missing, Python numbers, clean text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return None if math.isnan(value) else float(value)
    # Control characters cannot be stored in the file: shown as U+FFFD.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))


def _put(sheet: Worksheet, row: int, column: int, value: object) -> object:
    """Write one cell; text is always text (never a formula), whatever it starts with."""
    cell = sheet.cell(row=row, column=column)
    cell.value = _cell_value(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl would take "=..." as a formula
        if cell.value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


def _mark(profile: Profile) -> str:
    """The version mark every sheet starts with."""
    if profile.restricted:
        text = "OFFICIAL-SENSITIVE: not for publication (restricted version: exact numbers)."
    else:
        text = (
            f"Board and public version: <{profile.threshold + 1} = a count of 1 to "
            f"{profile.threshold}; [c] = withheld to protect another cell; "
            "blank = not computed."
        )
    return ("SYNTHETIC DEMO DATA. " if profile.synthetic else "") + text


def _size_columns(sheet: Worksheet, first_row: int) -> None:
    """Columns as wide as their header and values (from ``first_row`` on), within limits."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is not None:
                text = f"{cell.value:,.3f}" if isinstance(cell.value, float) else str(cell.value)
                widths[cell.column] = max(widths.get(cell.column, 0), len(text))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


def _table_sheet(sheet: Worksheet, table: pd.DataFrame, profile: Profile, about: str) -> None:
    """One table: mark, what it is, bold frozen header, formatted values."""
    _put(sheet, 1, 1, _mark(profile)).font = _MARK_FONT
    _put(sheet, 2, 1, about)
    for position, column in enumerate(table.columns, start=1):
        _put(sheet, _HEADER_ROW, position, column).font = _BOLD
    measures = table["measure"].tolist() if "measure" in table.columns else None
    labels = set() if profile.restricted else {f"<{profile.threshold + 1}", SECONDARY_LABEL}
    for offset, values in enumerate(table.itertuples(index=False, name=None)):
        row = _HEADER_ROW + 1 + offset
        for position, (column, value) in enumerate(zip(table.columns, values, strict=True), 1):
            cell = _put(sheet, row, position, value)
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                measure = measures[offset] if measures else None
                cell.number_format = number_format(str(column), cell.value, measure)
            elif cell.value in labels:
                cell.alignment = _RIGHT  # a withheld count, in line with the numbers
    sheet.freeze_panes = sheet.cell(row=_HEADER_ROW + 1, column=1)
    if len(table.columns):
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A{_HEADER_ROW}:{last}{_HEADER_ROW + len(table)}"
    _size_columns(sheet, _HEADER_ROW)


def _rows(sheet: Worksheet, start: int, header: list[str], rows: list[list]) -> int:
    """A small table on the contents sheet; returns the next free row."""
    for position, text in enumerate(header, start=1):
        _put(sheet, start, position, text).font = _BOLD
    for offset, values in enumerate(rows, start=1):
        for position, value in enumerate(values, start=1):
            _put(sheet, start + offset, position, value)
    return start + len(rows) + 2


def _contents_sheet(
    sheet: Worksheet,
    first: Profile,
    listed: list[list[str]],
    left_out: list[list[str]],
    notes: list[list[str]],
    sources: list[str],
) -> None:
    """The first sheet: what the workbook is, the legend and where everything is."""
    _put(sheet, 1, 1, _mark(first)).font = _MARK_FONT
    _put(sheet, 2, 1, f"Tables: {first.area_name}, {first.period.label}").font = Font(
        bold=True, size=14
    )
    version = (
        "Restricted analyst version (OFFICIAL-SENSITIVE: not for publication): exact numbers"
        if first.restricted
        else f"Board and public version: counts of 1 to {first.threshold} suppressed"
    )
    legend = (
        [["Every count is exact; nothing is withheld."], ["blank", "not computed"]]
        if first.restricted
        else [
            [f"<{first.threshold + 1}", f"a count of 1 to {first.threshold}, withheld"],
            ["[c]", "withheld to protect another cell (its count is not small)"],
            ["blank", "not computed (for example the rate or share of a withheld count)"],
        ]
    )
    about = [
        ["Area", f"{first.area_name} ({first.area_code})"],
        ["Period", f"{first.period.label} ({first.period.describe()})"],
        ["Compared with", f"{first.previous.label} ({first.previous.describe()})"],
        ["Version", version],
        ["Made by", f"csp_analysis {__version__}"],
        *(["Source", source] for source in sources),
    ]
    if first.synthetic:
        about.append(["Data", "SYNTHETIC DEMO DATA: invented records, not real crime or people"])
    row = _rows(sheet, 4, ["About", ""], about)
    row = _rows(sheet, row, ["Legend", ""], legend)
    top = row
    row = _rows(sheet, row, ["Sheet", "Theme", "Table", "What it holds"], listed)
    for offset, (name, *_) in enumerate(listed, start=1):
        cell = sheet.cell(row=top + offset, column=1)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1")
        cell.style = "Hyperlink"
    if left_out:
        row = _rows(sheet, row, ["Left out", "Theme", "Table", "Why"], left_out)
    if notes:
        _rows(sheet, row, ["Notes", "Theme", "Note"], notes)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 24
    sheet.column_dimensions["D"].width = 90


def workbook_bytes(
    profiles: Mapping[str, Profile | Exception], *, sources: list[str] | tuple = ()
) -> bytes:
    """The workbook of one area's profiles for one period, as the bytes of an .xlsx file.

    ``profiles`` maps theme keys to profiles (as :func:`csp_analysis.publication.
    area_profiles` makes them) or to the error that kept a theme from being made; at least
    one must be a :class:`~csp_analysis.profile.Profile`. ``sources`` are the
    deployment's data sources, listed on the contents sheet.
    """
    made = {name: p for name, p in profiles.items() if isinstance(p, Profile)}
    if not made:
        raise ValueError("a workbook needs at least one profile")
    first = next(iter(made.values()))
    tables = {
        name: profile_tables(profile) if profile.available else {} for name, profile in made.items()
    }
    names = sheet_names([(theme, table) for theme, found in tables.items() for table in found])
    book = Workbook()
    contents = book.active
    contents.title = "Contents"
    listed, left_out, notes = [], [], []
    for theme, profile in profiles.items():
        if not isinstance(profile, Profile):
            left_out.append(["", theme, "all", str(profile)])
            continue
        for table, frame in tables[theme].items():
            sheet = book.create_sheet(names[(theme, table)])
            words = TABLE_DESCRIPTIONS.get(table, f"Records by {table.replace('_', ' ')}")
            about = (
                f"{profile.theme.title}: {words}. {profile.area_name}, {profile.period.label} "
                f"({profile.period.describe()}) and {profile.previous.label}."
            )
            _table_sheet(sheet, rounded(frame), profile, about)
            listed.append([sheet.title, profile.theme.title, table, words])
        if not profile.available:
            left_out.append(["", profile.theme.title, "all", profile.reason])
        left_out += [["", profile.theme.title, t, why] for t, why in profile.omitted.items()]
        notes += [["", profile.theme.title, note] for note in profile.notes]
    _contents_sheet(contents, first, listed, left_out, notes, list(sources))
    book.properties.created = book.properties.modified = dt.datetime(*_ZIP_TIME)  # no clock
    book.properties.creator = f"csp_analysis {__version__}"
    book.properties.title = f"Tables: {first.area_name}, {first.period.label}"
    buffer = io.BytesIO()
    with _SameBytesZip(buffer, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return buffer.getvalue()


def write_workbook(
    profiles: Mapping[str, Profile | Exception],
    path: Path,
    *,
    sources: list[str] | tuple = (),
) -> Path:
    """Write :func:`workbook_bytes` to ``path`` atomically (never seen half-written)."""
    write_atomic(path, workbook_bytes(profiles, sources=sources))
    return path
