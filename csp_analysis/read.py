"""Read: input files as text tables, exactly as received.

The first step of the data flow (read -> validate -> locate -> indicators). Readers decode
CSV files written by Excel and force systems (UTF-8 with or without BOM, Windows-1252, LF
or CRLF, plain or gzip), match column names case-insensitively (including ONS-style names
such as ``WD23CD`` or ``lsoa21_code``), and keep every value as text with its line number so
that the validation step can name the file, line and column of anything wrong.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from isal import igzip, isal_zlib

#: The columns of a data.police.uk street-level file, as published.
POLICE_UK_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

_ONS_STYLE = re.compile(r"^(lsoa|msoa|ward|wd|lad|ltla|utla|csp|pfa)(\d{2})_?(cd|code|nm|name)$")
_ONS_CANONICAL = {
    "lsoa": "lsoa",
    "ward": "ward",
    "wd": "ward",
    "lad": "area",
    "ltla": "area",
    "csp": "csp",
    "pfa": "pfa",
    "msoa": "msoa",
    "utla": "utla",
}


class InputError(ValueError):
    """A file that cannot be used, with the file, line and column of the problem."""

    def __init__(
        self, file: str | Path, *, line: int | None = None, column: str | None = None, message: str
    ) -> None:
        self.file, self.line, self.column, self.message = Path(file), line, column, message
        where = self.file.name + (f" line {line}" if line is not None else "")
        what = f"column '{column}' " if column else ""
        super().__init__(f"{where}: {what}{message}")

    def __reduce__(self):
        """Picklable (it travels between the processes of a pack)."""
        return _input_error, (self.file, self.line, self.column, self.message)


def _input_error(file, line, column, message) -> InputError:
    return InputError(file, line=line, column=column, message=message)


def canonical_name(name: str) -> str:
    """Column name as the toolkit knows it: trimmed, lower case, ONS-style codes mapped.

    >>> canonical_name(" WD23CD "), canonical_name("lsoa21_code"), canonical_name("LAD23NM")
    ('ward_code', 'lsoa_code', 'area_name')
    >>> canonical_name("Crime ID")
    'crime_id'
    """
    key = re.sub(r"[\s\-]+", "_", str(name).strip().lstrip("\ufeff").lower())
    match = _ONS_STYLE.match(key)
    if match:
        kind, _, part = match.groups()
        return f"{_ONS_CANONICAL[kind]}_{'code' if part in ('cd', 'code') else 'name'}"
    return key


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    if raw.startswith(b"PK\x03\x04"):
        raise InputError(
            path,
            message="is an Excel workbook (or another zip file), not CSV text: "
            "in Excel use Save As 'CSV UTF-8 (Comma delimited)'",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            path,
            line=1,
            message="is UTF-16 text (Excel's 'Unicode Text'), not UTF-8 or Windows-1252: "
            "in Excel use Save As 'CSV UTF-8 (Comma delimited)'",
        )
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise InputError(
            path,
            line=line,
            message="contains a NUL character (byte 0), so it is not CSV text: is it a "
            "binary or damaged file? Save it again as 'CSV UTF-8 (Comma delimited)'",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8 with BOM"
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start + 3) + 1
            raise InputError(
                path,
                line=line,
                message="starts with a UTF-8 byte order mark but is not UTF-8 text "
                "(save it again as 'CSV UTF-8 (Comma delimited)')",
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "windows-1252"


def read_bytes(path: Path) -> bytes:
    """File content, gunzipped when the name ends in ``.gz``.

    Unzipped by ISA-L (nearly twice as fast as zlib, and as strict), in one call, which
    releases the GIL.
    """
    try:
        if path.suffix == ".gz":
            return igzip.decompress(path.read_bytes())
        return path.read_bytes()
    except gzip.BadGzipFile:
        raise InputError(
            path, message="cannot be read: it is not a gzip file, though its name ends in .gz"
        ) from None
    except EOFError:
        raise InputError(
            path,
            message="cannot be read: the gzip file is truncated (it ends early; "
            "download or copy it again)",
        ) from None
    except isal_zlib.error:
        raise InputError(
            path,
            message="cannot be read: the gzip data is damaged (download or copy it again)",
        ) from None
    except OSError as error:
        raise InputError(path, message=f"cannot be read ({error.strerror or error})") from None


#: How many lines at the top of a file are searched for a header below title rows.
TITLE_ROWS_SEARCHED = 15


def _names(cells: list[str], *, canonical: bool, rename: dict[str, str] | None) -> list[str]:
    """Column names as the toolkit will know them (see :func:`read_table`)."""
    names = [canonical_name(c) if canonical else c for c in cells]
    if rename:
        lowered = {canonical_name(k): v for k, v in rename.items()}
        names = [lowered.get(n, rename.get(n, n)) for n in names]
    return names


def _head(text: str) -> list[list[str]]:
    """The first lines of a file as CSV rows (a row per line, blank lines as [])."""
    lines = text[: 256 * 1024].splitlines()[:TITLE_ROWS_SEARCHED]
    try:
        return [next(csv.reader([line]), []) for line in lines]
    except csv.Error:
        return [line.split(",") for line in lines]


def title_rows_error(path: Path, header_line: int) -> InputError:
    """The error for a header found below title rows (as Excel reports add)."""
    above = header_line - 1
    rows = "line 1" if above == 1 else f"lines 1 to {above}"
    return InputError(
        path,
        line=header_line,
        message=f"the column names are on this line, below {above} title "
        f"row{'s' if above > 1 else ''} (delete {rows} so that the column names are on line 1)",
    )


def _record_lines(text: str, records: int) -> list[int]:
    """The line on which each CSV record starts (records may span lines inside quotes)."""
    starts, reader = [], csv.reader(io.StringIO(text, newline=""))
    try:
        previous = 0
        for _ in reader:
            starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error:
        pass
    if len(starts) < records:
        return list(range(1, records + 1))
    return starts[:records]


def _parser_error(path: Path, text: str, error: Exception) -> InputError:
    message = str(error).strip()
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, record, saw = map(int, fields.groups())
        line = _record_lines(text, record)[record - 1]
        head = _head(text)
        if len([c for c in head[0] if c.strip()]) <= 1:
            header = next((i for i, row in enumerate(head) if len(row) >= 2), None)
            if header is not None:
                return title_rows_error(path, header + 1)
        return InputError(
            path,
            line=line,
            message=f"has {saw} fields but the header has {expected} (a value that "
            "contains a comma must be in double quotes)",
        )
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        line = _record_lines(text, int(quote.group(1)) + 1)[-1]
        return InputError(
            path,
            line=line,
            message="opens a double quote that is never closed (the rest of the file "
            "would be one value)",
        )
    return InputError(path, message=f"is not a well-formed CSV file ({message})")


def read_table(
    path: str | Path, *, rename: dict[str, str] | None = None, canonical: bool = True
) -> pd.DataFrame:
    """A CSV file as text, one column per field, and a ``line`` column (header is line 1).

    Column names are made canonical with :func:`canonical_name` unless ``canonical`` is
    false; ``rename`` maps further names (as written in the file or canonical) to canonical
    ones. Empty fields are empty strings; blank lines are skipped. ``line`` is the line on
    which each record starts. ``df.attrs`` records the file, its encoding and the first
    lines' column names (``head``, to find a header below title rows).

    Raises :class:`InputError` for a file that is empty, has a header but no records, is
    not comma-separated, has title rows above the header, has rows with more fields than
    the header, or is not text.
    """
    path = Path(path)
    text, encoding = _decode(read_bytes(path), path)
    if not text.strip():
        raise InputError(path, line=1, message="the file is empty (expected a header row)")
    head = _head(text)
    header = text.split("\n", 1)[0]
    for mark, name in ((";", "';'"), ("\t", "tabs")):
        if header.count(",") == 0 and header.count(mark) > 0:
            raise InputError(
                path,
                line=1,
                message=f"fields are separated by {name} (expected commas: "
                "save the file as 'CSV UTF-8 (Comma delimited)')",
            )
    try:
        table = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            header=None,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as error:
        raise _parser_error(path, text, error) from None
    except pd.errors.EmptyDataError:  # e.g. a blank first line
        raise InputError(path, line=1, message="is blank (expected the column names)") from None
    cells = [str(c).strip() for c in table.iloc[0]]
    if sum(bool(c) for c in cells) <= 1:
        below = next(
            (i for i, row in enumerate(head) if i and sum(bool(c.strip()) for c in row) >= 2),
            None,
        )
        if below is not None:
            raise title_rows_error(path, below + 1)
    physical = text.count("\n") + (not text.endswith("\n"))
    lines = (
        _record_lines(text, len(table))
        if '"' in text and len(table) != physical
        else range(1, len(table) + 1)
    )
    names = [c if c else f"Unnamed: {i + 1}" for i, c in enumerate(table.iloc[0])]
    names = _names(names, canonical=canonical, rename=rename)
    names = ["line_in_file" if n == "line" else n for n in names]
    frame = table.iloc[1:].set_axis(names, axis=1)
    frame.insert(0, "line", list(lines)[1:])
    frame = frame.loc[~(frame.drop(columns="line") == "").all(axis=1)]
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise InputError(path, line=1, column=duplicated[0], message="appears twice in the header")
    if frame.empty:
        raise InputError(path, line=2, message="the file has a header but no records")
    frame.attrs.update(
        file=str(path),
        encoding=encoding,
        head=[
            (i + 1, _names(row, canonical=canonical, rename=rename)) for i, row in enumerate(head)
        ],
    )
    return frame.reset_index(drop=True)


def police_uk_files(folder: str | Path) -> list[Path]:
    """The street-level files in a data.police.uk folder (searched recursively), by name."""
    folder = Path(folder)
    pattern = re.compile(r"^\d{4}-\d{2}-.+-street\.csv(\.gz)?$")
    return sorted((p for p in folder.rglob("*") if pattern.match(p.name)), key=lambda p: p.name)


#: The header line of a street file exactly as data.police.uk publishes it.
_POLICE_UK_HEADER = ",".join(POLICE_UK_COLUMNS).encode()
#: The columns of a street file as the toolkit names them.
POLICE_UK_NAMES = [canonical_name(c) for c in POLICE_UK_COLUMNS]


def read_police_uk_arrow(path: str | Path) -> tuple[pa.Table, bytes] | None:
    """A plain street file read by pyarrow: its text columns (canonical names), and its bytes.

    The fast path. Row ``i`` is on line ``i + 2``. None when the file is anything but
    plain, and then :func:`read_police_uk_file` (the owner of the messages naming file,
    line and column) must read it: a file that cannot be read or unzipped, a byte order
    mark, a NUL byte, text that is not UTF-8, a header other than the published one, a
    blank line, a record over several lines (a quoted newline), a blank month, no
    records, or anything else pyarrow refuses.

    A file is parsed on one thread: files are read side by side (see
    :func:`read_police_uk_tables`).
    """
    try:
        raw = read_bytes(Path(path))
    except InputError:
        return None
    end = raw.find(b"\n")
    if end < 0 or raw[:end].rstrip(b"\r") != _POLICE_UK_HEADER or b"\x00" in raw:
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(
                column_names=POLICE_UK_NAMES, skip_rows=1, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(POLICE_UK_NAMES, pa.large_string()),
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    physical = raw.count(b"\n") + (not raw.endswith(b"\n"))
    if not 0 < table.num_rows == physical - 1:  # blank lines or quoted newlines
        return None
    if pc.any(pc.equal(pc.binary_length(table["month"]), 0)).as_py():
        return None  # perhaps a row of empty fields, which the text reader skips
    return table, raw


def _police_uk_text(table: pa.Table, raw: bytes, path: Path) -> pd.DataFrame:
    """The text frame of :func:`read_table` for a file :func:`read_police_uk_arrow` read."""
    frame = table.to_pandas()
    frame.insert(0, "line", np.arange(2, table.num_rows + 2, dtype=np.int64))
    end = -1
    for _ in range(TITLE_ROWS_SEARCHED + 1):
        end = raw.find(b"\n", end + 1)
        if end < 0:
            end = len(raw)
            break
    head = _head(raw[:end].decode("utf-8"))
    frame.attrs.update(
        file=str(path),
        encoding="utf-8",
        head=[(i + 1, _names(row, canonical=False, rename=None)) for i, row in enumerate(head)],
    )
    return frame


def read_police_uk_table(path: Path) -> pa.Table | None:
    """The text of a street file as :func:`read_police_uk_arrow` reads it (None when not plain)."""
    return (read_police_uk_arrow(path) or (None,))[0]


def read_police_uk_tables(paths: list[Path]) -> list[pa.Table | None]:
    """:func:`read_police_uk_table` of each of ``paths``.

    Files are read two at a time (unzipping and parsing release the GIL).
    """
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(read_police_uk_table, paths))


def read_police_uk_file(path: str | Path) -> pd.DataFrame:
    """One data.police.uk street-level file as published, as text with line numbers.

    A plain file is read by pyarrow (:func:`read_police_uk_arrow`), any other by
    :func:`read_table`; the frame is the same. Raises :class:`InputError` when a published
    column is missing.
    """
    path = Path(path)
    fast = read_police_uk_arrow(path)
    if fast is not None:
        return _police_uk_text(*fast, path)
    frame = read_table(path, canonical=False)
    missing = [c for c in POLICE_UK_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            path,
            line=1,
            column=missing[0],
            message="is missing: a data.police.uk street file has columns "
            + ", ".join(POLICE_UK_COLUMNS),
        )
    frame = frame.rename(columns={c: canonical_name(c) for c in POLICE_UK_COLUMNS})
    frame.attrs.update(file=str(path))
    return frame


def read_wards(path: str | Path) -> pd.DataFrame:
    """Ward polygons (GeoJSON, GeoPackage or shapefile) with canonical column names.

    Raises :class:`InputError` for a file that is not JSON (naming its line) or that the
    geospatial library cannot read.
    """
    import warnings

    import geopandas as gpd

    path = Path(path)
    if path.suffix.lower() in (".geojson", ".json"):
        raw = read_bytes(path)
        if not raw.strip():
            raise InputError(path, line=1, message="the file is empty (expected GeoJSON)")
        try:
            json.loads(raw)
        except UnicodeDecodeError:
            raise InputError(path, message="is not GeoJSON: it is not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise InputError(
                path,
                line=error.lineno,
                message=f"is not valid JSON: {error.msg} at character {error.colno} "
                "(export the boundaries again as GeoJSON)",
            ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            wards = gpd.read_file(path)
    except (RuntimeError, OSError, ValueError, TypeError, KeyError) as error:
        detail = str(error).strip()
        if "not recognized as being in a supported file format" in detail:
            detail = "the content is in none of these formats (is the file damaged?)"
        else:  # GDAL's last clause is the cause, e.g. "file is not a database"
            detail = detail.replace(f"'{path}' ", "").split("; ")[-1]
        raise InputError(
            path,
            message="cannot be read as a boundary file (expected GeoJSON, GeoPackage or "
            f"shapefile): {detail}",
        ) from None
    wards = wards.rename(columns={c: canonical_name(c) for c in wards.columns if c != "geometry"})
    wards.attrs.update(file=str(path))
    return wards
