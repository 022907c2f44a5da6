"""Read: input files as text tables, exactly as received.

The first step of the data flow (read -> validate -> locate -> indicators). Readers decode
CSV files written by Excel and force systems (UTF-8 with or without BOM, Windows-1252, LF
or CRLF, plain or gzip), match column names case-insensitively (including ONS-style names
such as ``WD23CD`` or ``lsoa21_code``), and keep every value as text with its line number so
that the validation step can name the file, line and column of anything wrong.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from pathlib import Path

import pandas as pd

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
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8 with BOM"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "windows-1252"


def read_bytes(path: Path) -> bytes:
    """File content, gunzipped when the name ends in ``.gz``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (EOFError, OSError, zlib.error) as error:
        raise InputError(
            path, message=f"cannot be read ({error}); is it truncated or not a gzip file?"
        ) from None


def read_table(
    path: str | Path, *, rename: dict[str, str] | None = None, canonical: bool = True
) -> pd.DataFrame:
    """A CSV file as text, one column per field, and a ``line`` column (header is line 1).

    Column names are made canonical with :func:`canonical_name` unless ``canonical`` is
    false; ``rename`` maps further names (as written in the file or canonical) to canonical
    ones. Empty fields are empty strings. ``df.attrs`` records the file and its encoding.
    """
    path = Path(path)
    text, encoding = _decode(read_bytes(path), path)
    if not text.strip():
        raise InputError(path, line=1, message="the file is empty (expected a header row)")
    header = text.splitlines()[0]
    if header.count(",") == 0 and header.count(";") > 0:
        raise InputError(
            path,
            line=1,
            message="fields are separated by ';' (expected commas: "
            "save the file as 'CSV (Comma delimited)')",
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except pd.errors.ParserError as error:
        found = re.search(r"line (\d+)", str(error))
        raise InputError(
            path,
            line=int(found.group(1)) if found else None,
            message=f"is not a well-formed CSV file ({error})",
        ) from None
    frame = frame.loc[~(frame == "").all(axis=1)] if len(frame.columns) else frame
    frame.insert(0, "line", frame.index.to_numpy() + 2)
    if canonical:
        renames = {c: canonical_name(c) for c in frame.columns if c != "line"}
        frame = frame.rename(columns=renames)
    if rename:
        lowered = {canonical_name(k): v for k, v in rename.items()}
        frame = frame.rename(columns={c: lowered.get(c, rename.get(c, c)) for c in frame.columns})
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise InputError(path, line=1, column=duplicated[0], message="appears twice in the header")
    frame.attrs.update(file=str(path), encoding=encoding)
    return frame.reset_index(drop=True)


def police_uk_files(folder: str | Path) -> list[Path]:
    """The street-level files in a data.police.uk folder (searched recursively), by name."""
    folder = Path(folder)
    pattern = re.compile(r"^\d{4}-\d{2}-.+-street\.csv(\.gz)?$")
    return sorted((p for p in folder.rglob("*") if pattern.match(p.name)), key=lambda p: p.name)


def read_police_uk_file(path: str | Path) -> pd.DataFrame:
    """One data.police.uk street-level file as published, as text with line numbers.

    Raises :class:`InputError` when a published column is missing.
    """
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
    """Ward polygons (GeoJSON, GeoPackage or shapefile) with canonical column names."""
    import geopandas as gpd
    from pyogrio.errors import DataSourceError

    path = Path(path)
    try:
        wards = gpd.read_file(path)
    except (DataSourceError, OSError, ValueError) as error:
        raise InputError(path, message=f"cannot be read as a boundary file ({error})") from None
    wards = wards.rename(columns={c: canonical_name(c) for c in wards.columns if c != "geometry"})
    wards.attrs.update(file=str(path))
    return wards
