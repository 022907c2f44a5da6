"""Validate: canonical, typed frames from the text tables that :mod:`csp_analysis.read` gives.

Each ``validate_*`` function checks one file against the data contract (sections 2, 4 and 5)
and either returns a typed frame or raises :class:`~csp_analysis.read.InputError` naming the
file, line and column. Usable but incomplete records are kept: this step never drops a row.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csp_analysis.read import POLICE_UK_NAMES, InputError, title_rows_error

HATE_STRANDS = (
    "race",
    "religion",
    "sexual_orientation",
    "disability",
    "transgender",
    "age",
    "alternative_subculture",
)
ASB_CATEGORIES = ("personal", "nuisance", "environmental")
ROLES = ("victim", "suspect")
SEXES = ("female", "male", "unknown")
_SEX_ALIASES = {
    "f": "female",
    "m": "male",
    "u": "unknown",
    "not known": "unknown",
    "not stated": "unknown",
    "n/k": "unknown",
}

_TRUE = {"true", "t", "y", "yes", "1"}
_FALSE = {"false", "f", "n", "no", "0"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")
_UK_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


def _path(frame: pd.DataFrame) -> Path:
    return Path(frame.attrs.get("file", "input"))


def _fail(frame: pd.DataFrame, rows: pd.Series, column: str, expected: str) -> None:
    """Raise for the first row flagged in ``rows`` (a boolean mask)."""
    first = rows.to_numpy().nonzero()[0][0]
    value = frame[column].iloc[first]
    count = int(rows.sum())
    more = f" ({count - 1} more row{'s' if count > 2 else ''} like it)" if count > 1 else ""
    raise InputError(
        _path(frame),
        line=int(frame["line"].iloc[first]),
        column=column,
        message=f"= '{value}' {expected}{more}",
    )


#: The columns each file's validator knows (others are kept and ignored).
KNOWN_COLUMNS = {
    "crimes": (
        "crime_id date offence offence_code offence_subgroup offence_group latitude longitude "
        "easting northing ward_code lsoa_code area_code domestic_abuse hate_strands "
        "serious_violence weapon alcohol_related town"
    ).split(),
    "nominals": "crime_id person_id role age sex ethnicity".split(),
    "asb": (
        "incident_id date category source latitude longitude easting northing ward_code "
        "lsoa_code area_code"
    ).split(),
    "population": "ward_code lsoa_code population year".split(),
    "lsoa_ward_lookup": "lsoa_code ward_code".split(),
    "deprivation": "lsoa_code ward_code imd_score".split(),
    "peer_list": "area_code peer_code".split(),
}
#: The columns of an area totals file (``population_scale_to``).
POPULATION_TOTALS_COLUMNS = "area_code area_name population".split()


def _header_below_titles(
    frame: pd.DataFrame, required: tuple[str, ...], one_of: tuple[str, ...]
) -> int | None:
    """The line of a header with every required column below line 1, if there is one."""
    for line, names in frame.attrs.get("head", [])[1:]:
        if set(required) <= set(names) and (not one_of or set(one_of) & set(names)):
            return line
    return None


def require_columns(
    frame: pd.DataFrame,
    required: tuple[str, ...],
    *,
    one_of: tuple[str, ...] = (),
    role: str | None = None,
) -> None:
    """Raise when a required column (or every column of ``one_of``) is missing.

    The message lists the header, suggests the closest unrecognised column name when one
    is close (the config's ``columns:`` for ``role`` can map it), and says so when the
    header is further down, below title rows.
    """
    present = set(frame.columns)
    missing = [c for c in required if c not in present]
    if missing or (one_of and not present.intersection(one_of)):
        below = _header_below_titles(frame, required, one_of)
        if below is not None:
            raise title_rows_error(_path(frame), below)
    header = [c for c in frame.columns if c != "line"]
    known = set(KNOWN_COLUMNS.get(role or "", ()))
    unknown = [c for c in header if c not in known]
    for column in missing:
        hint = ""
        close = difflib.get_close_matches(column, unknown, n=1, cutoff=0.5)
        if close:
            hint = f"; did you mean '{close[0]}'? map it under `columns:` in the config" + (
                f" ({role}: {{{close[0]}: {column}}})" if role else ""
            )
        raise InputError(
            _path(frame),
            line=1,
            column=column,
            message=f"is required but missing (the header has: {', '.join(header)}{hint})",
        )
    if one_of and not present.intersection(one_of):
        raise InputError(
            _path(frame),
            line=1,
            column=one_of[0],
            message=f"is missing: one of {', '.join(one_of)} is required",
        )


def require_values(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """Raise at the first blank value in a required column."""
    for column in columns:
        blank = frame[column].str.strip() == ""
        if blank.any():
            _fail(frame, blank, column, "is blank (a value is required)")


#: The earliest date a record may carry; earlier ones are placeholders or typing errors.
EARLIEST_DATE = pd.Timestamp("2000-01-01")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _today() -> pd.Timestamp:
    return pd.Timestamp.today().normalize()


def parse_dates(frame: pd.DataFrame, column: str) -> pd.Series:
    """Dates written ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (an optional time is ignored).

    Raises :class:`InputError` at the first value that is not such a date, is an Excel
    serial number, is in the future or is before :data:`EARLIEST_DATE`.
    """
    text = frame[column].str.strip()
    iso = text.str.match(_ISO_DATE)
    uk = text.str.match(_UK_DATE)
    dates = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    dates[iso] = pd.to_datetime(text[iso].str[:10], format="%Y-%m-%d", errors="coerce")
    dates[uk] = pd.to_datetime(text[uk].str.split(" ").str[0], format="%d/%m/%Y", errors="coerce")
    serial = text.str.match(_SERIAL)
    if serial.any():
        first = text[serial].iloc[0]
        as_date = (_EXCEL_EPOCH + pd.Timedelta(days=int(float(first)))).date()
        _fail(
            frame,
            serial,
            column,
            f"looks like an Excel serial number, not a date (in Excel, {first.split('.')[0]} "
            f"is {as_date}: format the column as a date, YYYY-MM-DD or DD/MM/YYYY, "
            "before saving)",
        )
    bad = dates.isna()
    if bad.any():
        first = text[bad].iloc[0]
        us = re.match(r"^(\d{1,2})/(\d{1,2})/\d{4}", first)
        hint = (
            "; it looks like month first, MM/DD/YYYY, as US settings write it"
            if us and int(us.group(1)) <= 12 and 12 < int(us.group(2)) <= 31
            else ""
        )
        _fail(frame, bad, column, f"is not a date (expected YYYY-MM-DD or DD/MM/YYYY{hint})")
    future = dates > _today()
    if future.any():
        _fail(frame, future, column, "is in the future (a record's date cannot be after today)")
    early = dates < EARLIEST_DATE
    if early.any():
        _fail(
            frame,
            early,
            column,
            "is before 2000-01-01, too early for a recorded crime or incident "
            "(a placeholder date, or a typing error?)",
        )
    return dates


def date_formats(frame: pd.DataFrame, column: str = "date") -> str:
    """How the dates of a column are written: 'YYYY-MM-DD', 'DD/MM/YYYY' or both."""
    text = frame[column].str.strip()
    found = [
        label
        for label, pattern in (("YYYY-MM-DD", _ISO_DATE), ("DD/MM/YYYY", _UK_DATE))
        if text.str.match(pattern).any()
    ]
    return " and ".join(found)


def _to_numeric(text: pd.Series) -> pd.Series:
    """``pd.to_numeric(text, errors="coerce")`` as floats, parsed once per distinct value."""
    codes, distinct = pd.factorize(text)
    numbers = pd.to_numeric(distinct, errors="coerce").astype(float)
    values = np.append(np.asarray(numbers, dtype=float), np.nan)[codes]
    return pd.Series(values, index=text.index)


def _months(text: pd.Series) -> pd.Series:
    """``pd.PeriodIndex(text, freq="M")`` as a Series, each distinct value parsed once."""
    codes, distinct = pd.factorize(text)
    return pd.Series(pd.PeriodIndex(distinct, freq="M").take(codes), index=text.index)


def parse_numbers(frame: pd.DataFrame, column: str, *, required: bool = False) -> pd.Series:
    """Numbers; blanks are NaN unless ``required``."""
    text = frame[column].str.strip().str.replace(",", "", regex=False)
    numbers = _to_numeric(text)
    bad = numbers.isna() & ((text != "") | required)
    if bad.any():
        _fail(frame, bad, column, "is not a number")
    return numbers.astype(float)


def parse_booleans(frame: pd.DataFrame, column: str) -> pd.Series:
    """Flags written true/false, Y/N, yes/no or 1/0; blanks are missing (``<NA>``)."""
    text = frame[column].str.strip().str.lower()
    flags = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    flags[text.isin(_TRUE)] = True
    flags[text.isin(_FALSE)] = False
    bad = (text != "") & flags.isna()
    if bad.any():
        _fail(frame, bad, column, "is not a yes/no value (expected true/false, Y/N, yes/no or 1/0)")
    return flags


def parse_choices(
    frame: pd.DataFrame,
    column: str,
    choices: tuple[str, ...],
    *,
    blank: str | None = None,
    aliases: dict[str, str] | None = None,
    strip: str | None = None,
) -> pd.Series:
    """Text from a fixed list, matched case-insensitively; blanks become ``blank``.

    ``aliases`` map other (lower-case) spellings to a choice; ``strip`` is a regular
    expression removed first (e.g. a prefix). Messages quote the value as written.
    """
    text = frame[column].str.strip().str.lower()
    if strip:
        text = text.str.replace(strip, "", regex=True)
    if aliases:
        text = text.replace(aliases)
    text = text.str.replace(r"[\s\-]+", "_", regex=True)
    if blank is not None:
        text = text.mask(text == "", blank)
    bad = ~text.isin(choices)
    if bad.any():
        _fail(frame, bad, column, f"is not one of: {', '.join(choices)}")
    return text


def _unique(frame: pd.DataFrame, column: str) -> None:
    repeated = frame[column].duplicated(keep="first")
    if repeated.any():
        first = frame.loc[repeated, column].iloc[0]
        earlier = int(frame.loc[frame[column] == first, "line"].iloc[0])
        _fail(
            frame,
            repeated,
            column,
            f"repeats the value on line {earlier} (each value must be unique)",
        )


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return _trimmed(frame[column])


def _trimmed(text: pd.Series) -> pd.Series:
    """Text trimmed, blanks missing (``string`` dtype)."""
    return text.str.strip().replace("", pd.NA).astype("string")


#: Plausible ranges of coordinates; values outside them cannot place a record.
COORDINATE_RANGES = {
    "latitude": (-90, 90),
    "longitude": (-180, 180),
    "easting": (0, 700_000),
    "northing": (0, 1_300_000),
}


#: Longitudes and latitudes of the United Kingdom (roughly), to spot swapped columns.
UK_LONGITUDES = (-9.0, 2.0)
UK_LATITUDES = (49.0, 61.0)


def _refuse_swapped(frame: pd.DataFrame, numbers: pd.DataFrame) -> None:
    """Raise when most coordinates have a UK longitude as latitude and vice versa."""
    both = numbers["latitude"].notna() & numbers["longitude"].notna()
    swapped = (
        both
        & numbers["latitude"].between(*UK_LONGITUDES)
        & numbers["longitude"].between(*UK_LATITUDES)
    )
    if both.any() and swapped.sum() * 2 > both.sum():
        first = swapped.to_numpy().nonzero()[0][0]
        raise InputError(
            _path(frame),
            line=int(frame["line"].iloc[first]),
            column="latitude",
            message=f"= '{frame['latitude'].iloc[first].strip()}' is a longitude and column "
            f"'longitude' = '{frame['longitude'].iloc[first].strip()}' is a latitude "
            f"({int(swapped.sum())} of {int(both.sum())} rows with coordinates): the two "
            "columns are swapped (swap their names in the header)",
        )


def _location(frame: pd.DataFrame) -> pd.DataFrame:
    """Coordinates and codes of section 3, typed; absent columns are missing values.

    Coordinates are optional, so an unreadable or out-of-range one does not refuse the
    file: the pair is blanked, the record is located by its codes instead, and the column
    ``coordinates_unreadable`` marks it for the data-quality table.
    """
    out = pd.DataFrame(index=frame.index)
    unreadable = pd.Series(False, index=frame.index)
    for column, (low, high) in COORDINATE_RANGES.items():
        if column not in frame:
            out[column] = np.nan
            continue
        text = frame[column].str.strip().str.replace(",", "", regex=False)
        numbers = _to_numeric(text)
        unreadable |= (text != "") & ~numbers.between(low, high)
        out[column] = numbers.astype(float)
    for first, second in (("latitude", "longitude"), ("easting", "northing")):
        unreadable |= out[first].isna() != out[second].isna()
    _refuse_swapped(frame, out)
    out.loc[unreadable, list(COORDINATE_RANGES)] = np.nan
    out["coordinates_unreadable"] = unreadable
    for column in ("ward_code", "lsoa_code", "area_code"):
        out[column] = _text(frame, column).str.upper()
    return out


def _base(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {"source_file": _path(frame).name, "line": frame["line"].astype(int)}, index=frame.index
    )
    return out


def validate_crimes(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical crimes (data contract section 4).

    Returns columns: source_file, line, crime_id, date, month (Period[M]), offence,
    offence_code, offence_subgroup, offence_group, latitude, longitude, easting, northing,
    ward_code, lsoa_code, area_code, domestic_abuse, hate_strands (tuple of strand names),
    serious_violence, weapon, alcohol_related, town.
    """
    require_columns(
        frame,
        ("crime_id", "date", "offence"),
        one_of=("offence_subgroup", "offence_code"),
        role="crimes",
    )
    frame = _light(frame)
    require_values(frame, ("crime_id", "date"))
    _unique(frame, "crime_id")
    out = _base(frame)
    out["crime_id"] = frame["crime_id"].str.strip()
    out["date"] = parse_dates(frame, "date")
    out["month"] = out["date"].dt.to_period("M")
    for column in (
        "offence",
        "offence_code",
        "offence_subgroup",
        "offence_group",
        "weapon",
        "town",
    ):
        out[column] = _text(frame, column)
    out = out.join(_location(frame))
    for column in ("domestic_abuse", "serious_violence", "alcohol_related"):
        out[column] = parse_booleans(frame, column) if column in frame else pd.NA
    out["hate_strands"] = parse_strands(frame) if "hate_strands" in frame else [()] * len(out)
    return out


def parse_strands(frame: pd.DataFrame) -> pd.Series:
    """``;``-separated hate strands as tuples of canonical strand names."""
    aliases = {
        "faith": "religion",
        "religious": "religion",
        "racial": "race",
        "sexual orientation": "sexual_orientation",
        "alternative sub-culture": "alternative_subculture",
        "alternative subculture": "alternative_subculture",
        "transgender identity": "transgender",
    }
    pieces = frame["hate_strands"].str.lower().str.split(r"[;|]")
    strands = pieces.map(
        lambda items: tuple(
            dict.fromkeys(
                aliases.get(s.strip(), s.strip().replace(" ", "_").replace("-", "_"))
                for s in items
                if s.strip()
            )
        )
    )
    bad = strands.map(lambda items: any(s not in HATE_STRANDS for s in items))
    if bad.any():
        _fail(
            frame,
            bad,
            "hate_strands",
            f"names a strand that is not one of: "
            f"{', '.join(HATE_STRANDS)} (separate several with ';')",
        )
    return strands


def validate_nominals(frame: pd.DataFrame, crime_ids: pd.Series | None = None) -> pd.DataFrame:
    """Canonical nominals: people linked to crimes (section 4).

    Returns columns: source_file, line, crime_id, person_id, role, age (float, NaN when
    unknown), sex (female/male/unknown), ethnicity (text, missing when not stated).
    ``crime_ids``, when given, are the crimes that every nominal must point to.
    """
    require_columns(frame, ("crime_id", "person_id", "role"), role="nominals")
    frame = _light(frame)
    require_values(frame, ("crime_id", "person_id", "role"))
    out = _base(frame)
    out["crime_id"] = frame["crime_id"].str.strip()
    out["person_id"] = frame["person_id"].str.strip()
    out["role"] = parse_choices(frame, "role", ROLES)
    out["age"] = parse_numbers(frame, "age") if "age" in frame else np.nan
    bad_age = ~(out["age"].between(0, 120) | out["age"].isna())
    if bad_age.any():
        _fail(frame, bad_age, "age", "is not an age in whole years (0 to 120)")
    if "sex" in frame:
        out["sex"] = parse_choices(frame, "sex", SEXES, blank="unknown", aliases=_SEX_ALIASES)
    else:
        out["sex"] = "unknown"
    ethnicity = _text(frame, "ethnicity")
    not_stated = ethnicity.str.lower().str.contains(
        r"^not stated|^not known|^unknown|^refused", na=False
    )
    out["ethnicity"] = ethnicity.mask(not_stated)
    if crime_ids is not None:
        orphan = ~out["crime_id"].isin(set(crime_ids))
        if orphan.any():
            _fail(
                frame,
                orphan,
                "crime_id",
                "is not a crime in crimes.csv (every nominal must point to a crime)",
            )
    return out


def validate_asb(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical anti-social behaviour incidents (section 4).

    Returns columns: source_file, line, incident_id, date, month, category, source,
    latitude, longitude, easting, northing, ward_code, lsoa_code, area_code.
    """
    require_columns(frame, ("incident_id", "date", "category"), role="asb")
    frame = _light(frame)
    require_values(frame, ("incident_id", "date", "category"))
    _unique(frame, "incident_id")
    out = _base(frame)
    out["incident_id"] = frame["incident_id"].str.strip()
    out["date"] = parse_dates(frame, "date")
    out["month"] = out["date"].dt.to_period("M")
    out["category"] = parse_choices(frame, "category", ASB_CATEGORIES, strip=r"^as\s*-\s*")
    out["source"] = _text(frame, "source").str.lower()
    return out.join(_location(frame))


def validate_police_uk(frame: pd.DataFrame) -> pd.DataFrame:
    """A data.police.uk street file (section 5), typed; every published row is kept.

    Returns columns: source_file, line, crime_id (missing for anti-social behaviour),
    month, crime_type, longitude, latitude, easting and northing (always missing),
    lsoa_code, lsoa_name (the published ``LSOA name``, e.g. "Shropshire 001A": its local
    authority places records outside the wards file, see :mod:`csp_analysis.peers`),
    ward_code and area_code (always missing; set by locating), is_asb, duplicate (an exact
    duplicate of an earlier line in the same file).
    """
    frame = _light(frame)
    require_values(frame, ("month", "crime_type"))
    bad_month = ~frame["month"].str.strip().str.match(r"^\d{4}-\d{2}$")
    if bad_month.any():
        _fail(frame, bad_month, "month", "is not a month (expected YYYY-MM)")
    month = _months(frame["month"].str.strip())
    future = month > _today().to_period("M")
    if future.any():
        _fail(frame, future, "month", "is in the future (after this month)")
    early = month < EARLIEST_DATE.to_period("M")
    if early.any():
        _fail(frame, early, "month", "is before 2000-01, too early for data.police.uk")
    longitude = parse_numbers(frame, "longitude")
    latitude = parse_numbers(frame, "latitude")
    duplicate = frame.drop(columns="line").duplicated(keep="first")
    return _police_uk_rows(frame, _path(frame).name, month, longitude, latitude, duplicate)


def _light(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the attributes other than its file (pandas copies them at every step)."""
    light = frame.copy(deep=False)
    light.attrs = {"file": frame.attrs["file"]} if "file" in frame.attrs else {}
    return light


def _police_uk_rows(frame, source_file, month, longitude, latitude, duplicate) -> pd.DataFrame:
    """The columns of :func:`validate_police_uk` from checked text and parsed values."""
    out = pd.DataFrame(
        {"source_file": source_file, "line": frame["line"].astype(int)}, index=frame.index
    )
    out["crime_id"] = _text(frame, "crime_id")
    out["month"] = month
    out["crime_type"] = frame["crime_type"].str.strip()
    out["longitude"] = longitude
    out["latitude"] = latitude
    out["easting"] = np.nan
    out["northing"] = np.nan
    out["lsoa_code"] = _text(frame, "lsoa_code")
    out["lsoa_name"] = _text(frame, "lsoa_name")
    out["ward_code"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    out["area_code"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    out["is_asb"] = out["crime_type"].str.lower() == "anti-social behaviour"
    out["duplicate"] = duplicate
    return out


def validate_police_uk_many(
    tables: Sequence[pa.Table | None], names: Sequence[str]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """:func:`validate_police_uk` of many plain street files at once, and the files it refuses.

    ``tables`` are the files' text as :func:`csp_analysis.read.read_police_uk_tables` gives
    it (None for a file that is not plain), ``names`` the files' names. Returns

    * the validated rows of every plain file (each row as :func:`validate_police_uk` gives
      it, but text that repeats as categories: the file's name, crime type and LSOA code
      and name; :func:`csp_analysis.load.plain_text` makes them text), the crimes first
      and then the anti-social behaviour, each in file and line order (so that each kind
      is a slice, see :func:`crimes_first`);
    * the position in ``names`` of each row's file;
    * for each file, whether it has a row that validation refuses or that is unusual (a
      month other than a plain ``YYYY-MM`` from 2000-01 to this month, a blank crime type,
      a coordinate that is not a number): that file's rows are not usable, and the caller
      validates the file alone with :func:`validate_police_uk`, whose messages name the
      file, line and column.

    Each column's distinct values are checked and parsed once.
    """
    present = [(i, t) for i, t in enumerate(tables) if t is not None]
    empty = pa.table({name: pa.array([], pa.large_string()) for name in POLICE_UK_NAMES})
    table = pa.concat_tables([empty, *(t for _, t in present)])
    counts = [t.num_rows for _, t in present]
    files = np.repeat(np.array([i for i, _ in present], dtype=np.int64), counts)
    line = np.concatenate([np.zeros(0, dtype=np.int64), *(np.arange(2, n + 2) for n in counts)])
    by_file = np.zeros(len(names), dtype=bool)
    codes, distinct = {}, {}  # of the columns kept (the others only count for duplicates)
    with ThreadPoolExecutor(2) as pool:  # Arrow releases the GIL
        for column, encoded in zip(KEPT, pool.map(lambda c: _encode(table[c]), KEPT), strict=True):
            codes[column] = encoded.indices.to_numpy()
            distinct[column] = encoded.dictionary.to_pandas()  # text, as read

    month = distinct["month"].str.strip()
    plain = month.str.match(r"^[0-9]{4}-(0[1-9]|1[0-2])$") & month.between(
        str(EARLIEST_DATE.to_period("M")), str(_today().to_period("M"))
    )
    crime_type = distinct["crime_type"].str.strip()
    refused = (~plain.to_numpy())[codes["month"]] | (crime_type == "").to_numpy()[
        codes["crime_type"]
    ]
    coordinates = []
    for column in ("longitude", "latitude"):
        text = distinct[column].str.strip().str.replace(",", "", regex=False)
        numbers = _to_numeric(text)
        refused |= (numbers.isna() & (text != "")).to_numpy()[codes[column]]
        coordinates.append(numbers.to_numpy()[codes[column]])
    by_file[np.unique(files[refused])] = True

    is_asb = (crime_type.str.lower() == "anti-social behaviour").to_numpy()[codes["crime_type"]]
    order = np.argsort(is_asb, kind="stable")  # crimes first
    duplicate = _duplicated(table, [files, *codes.values()])  # within each file, as read

    def take(values: pd.Series, column: str) -> pd.Series:
        """Each row's value of a text column that repeats, as categories."""
        again, found = pd.factorize(values)  # values trimmed alike are one; missing: -1
        return pd.Series(pd.Categorical.from_codes(again[codes[column][order]], categories=found))

    codes["file"] = files
    crime_ids = _trimmed(distinct["crime_id"])  # each crime's own: text, not categories
    months = _months(month.where(plain, str(EARLIEST_DATE.to_period("M"))))
    nothing = pd.arrays.ArrowStringArray(pa.nulls(len(order), pa.large_string()))
    rows = pd.DataFrame(
        {
            "source_file": take(pd.Series(list(names), dtype="str"), "file"),
            "line": line[order],
            "crime_id": pd.Series(crime_ids.array.take(codes["crime_id"][order])),
            "month": pd.Series(months.array.take(codes["month"][order])),
            "crime_type": take(crime_type, "crime_type"),
            "longitude": coordinates[0][order],
            "latitude": coordinates[1][order],
            "easting": np.nan,
            "northing": np.nan,
            "lsoa_code": take(_trimmed(distinct["lsoa_code"]), "lsoa_code"),
            "lsoa_name": take(_trimmed(distinct["lsoa_name"]), "lsoa_name"),
            "ward_code": nothing,
            "area_code": nothing,
            "is_asb": is_asb[order],
            "duplicate": duplicate[order],
        },
        copy=False,  # the columns are new: no copies stacked into blocks
    )
    return rows, files[order], by_file


def _encode(text: pa.ChunkedArray) -> pa.DictionaryArray:
    """Text as a dictionary (distinct values in order of appearance) and codes."""
    return pc.dictionary_encode(text.combine_chunks())


#: The columns of a street file that a record keeps (the others only tell duplicates).
KEPT = ("crime_id", "month", "crime_type", "longitude", "latitude", "lsoa_code", "lsoa_name")


def _duplicated(table: pa.Table, kept: list[np.ndarray]) -> np.ndarray:
    """Whether each row of ``table`` is the same as an earlier one.

    ``kept`` are the codes of the file and of the :data:`KEPT` columns, whose rows are
    hashed; only the rows whose hash repeats are compared exactly, on every column.
    """
    hashed = np.zeros(table.num_rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for values in kept:
            hashed = hashed * np.uint64(0x9E3779B97F4A7C15) + values.astype(np.uint64)
    candidates = np.flatnonzero(pd.Series(hashed).duplicated(keep=False).to_numpy())
    duplicate = np.zeros(table.num_rows, dtype=bool)
    if len(candidates):
        exact = {i: values[candidates] for i, values in enumerate(kept)}
        others = table.select([c for c in table.column_names if c not in KEPT])
        for column, text in zip(others.column_names, others.take(candidates).columns, strict=True):
            exact[column] = _encode(text).indices.to_numpy()
        duplicate[candidates] = pd.DataFrame(exact).duplicated(keep="first").to_numpy()
    return duplicate


def crimes_first(rows: pd.DataFrame, *, asb: bool) -> pd.DataFrame:
    """The crimes (or with ``asb`` the anti-social behaviour) of validated data.police.uk rows.

    A slice (no copy) when the crimes come first, as :func:`validate_police_uk_many` gives
    them; else the rows selected. Without the ``is_asb`` column.
    """
    is_asb = rows["is_asb"].to_numpy()
    crimes = len(is_asb) - int(is_asb.sum())
    if not is_asb[:crimes].any():
        chosen = rows.iloc[crimes:] if asb else rows.iloc[:crimes]
    else:
        chosen = rows.loc[is_asb if asb else ~is_asb]
    return chosen.drop(columns="is_asb")


def validate_population(frame: pd.DataFrame) -> pd.DataFrame:
    """Residents per ward or per LSOA (section 2).

    Returns columns: ``ward_code`` or ``lsoa_code``, population (float). With a ``year``
    column, the latest year is kept (and named in ``attrs["year"]``); ``attrs["file"]``
    names the file.
    """
    require_columns(frame, ("population",), one_of=("ward_code", "lsoa_code"), role="population")
    frame = _light(frame)
    key = "ward_code" if "ward_code" in frame else "lsoa_code"
    require_values(frame, (key, "population"))
    out = _base(frame)
    out[key] = frame[key].str.strip().str.upper()
    out["population"] = parse_numbers(frame, "population", required=True)
    if (out["population"] < 0).any():
        _fail(frame, out["population"] < 0, "population", "is negative (expected residents)")
    if "year" in frame:
        out["year"] = parse_numbers(frame, "year", required=True)
        out = out.loc[out["year"] == out["year"].max()]
    zero = out["population"] == 0
    if zero.any():
        code = out.loc[zero, key].iloc[0]
        _fail(
            frame.loc[out.index],
            zero,
            "population",
            f"is zero for {code} (a rate per 1,000 residents needs residents: "
            "check the figure, or leave the row out)",
        )
    repeated = out[key].duplicated()
    if repeated.any():
        _fail(
            frame.loc[out.index],
            repeated,
            key,
            "appears twice (one row per area code, or add a year column)",
        )
    result = out[[key, "population"]].reset_index(drop=True)
    result.attrs["file"] = str(_path(frame))
    if "year" in out:
        result.attrs["year"] = float(out["year"].max())
    return result


def validate_population_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Residents per area (local authority), to scale ward populations to.

    Returns columns: area_code (upper case), population (float, positive). Refuses a
    missing, negative or zero total and an area code given twice.
    """
    require_columns(frame, ("area_code", "population"))
    frame = _light(frame)
    require_values(frame, ("area_code", "population"))
    out = _base(frame)
    out["area_code"] = frame["area_code"].str.strip().str.upper()
    out["population"] = parse_numbers(frame, "population", required=True)
    if (out["population"] <= 0).any():
        _fail(frame, out["population"] <= 0, "population", "is not a positive number of residents")
    repeated = out["area_code"].duplicated()
    if repeated.any():
        _fail(frame, repeated, "area_code", "appears twice (one total per area code)")
    return out[["area_code", "population"]].reset_index(drop=True)


def validate_lookup(frame: pd.DataFrame) -> pd.DataFrame:
    """LSOA to best-fit ward lookup. Returns columns: lsoa_code, ward_code."""
    require_columns(frame, ("lsoa_code", "ward_code"), role="lsoa_ward_lookup")
    frame = _light(frame)
    require_values(frame, ("lsoa_code", "ward_code"))
    out = pd.DataFrame(
        {
            "lsoa_code": frame["lsoa_code"].str.strip().str.upper(),
            "ward_code": frame["ward_code"].str.strip().str.upper(),
        }
    )
    repeated = out["lsoa_code"].duplicated()
    if repeated.any():
        _fail(
            frame,
            repeated,
            "lsoa_code",
            "appears twice (a best-fit lookup gives each LSOA one ward)",
        )
    return out


def validate_deprivation(frame: pd.DataFrame) -> pd.DataFrame:
    """Deprivation scores (IMD) by LSOA or ward. Returns ``lsoa_code`` or ``ward_code``, imd_score.

    Higher scores are more deprived (the IMD score, not its rank).
    """
    require_columns(frame, ("imd_score",), one_of=("lsoa_code", "ward_code"), role="deprivation")
    frame = _light(frame)
    key = "lsoa_code" if "lsoa_code" in frame else "ward_code"
    require_values(frame, (key, "imd_score"))
    out = pd.DataFrame(
        {
            key: frame[key].str.strip().str.upper(),
            "imd_score": parse_numbers(frame, "imd_score", required=True),
        }
    )
    repeated = out[key].duplicated()
    if repeated.any():
        _fail(frame, repeated, key, "appears twice (one deprivation score each)")
    return out


def validate_peer_list(frame: pd.DataFrame) -> pd.DataFrame:
    """The areas each area is compared with (``peers.csv``). Returns area_code, peer_code, line."""
    require_columns(frame, ("area_code", "peer_code"), role="peer_list")
    frame = _light(frame)
    require_values(frame, ("area_code", "peer_code"))
    return pd.DataFrame(
        {
            "area_code": frame["area_code"].str.strip().str.upper(),
            "peer_code": frame["peer_code"].str.strip().str.upper(),
            "line": frame["line"],
        }
    )


def _ward_label(wards, position: int) -> str:
    code = wards["ward_code"].iloc[position] if "ward_code" in wards else None
    name = wards["ward_name"].iloc[position] if "ward_name" in wards else None
    parts = [str(v).strip() for v in (code, name) if v is not None and not pd.isna(v)]
    label = " ".join(part for part in parts if part)
    return f"ward {label}" if label else "this ward"


def _polygons(geometry):
    """The polygonal part of a geometry (a MultiPolygon), or None when it has no area."""
    import shapely

    parts = [
        p
        for p in shapely.get_parts(geometry)
        if shapely.get_type_id(p) in (3, 6) and not p.is_empty
    ]
    if not parts:
        return None
    polygons = []
    for part in parts:
        polygons.extend(shapely.get_parts(part))
    return shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]


def _town_name(value) -> str | None:
    """A ward's town as text, None when blank."""
    text = "" if value is None or pd.isna(value) else str(value).strip()
    return text or None


def validate_wards(wards, *, area_name: str | None = None):
    """Ward polygons in British National Grid (EPSG:27700), repaired where invalid.

    Returns a GeoDataFrame with columns ward_code, ward_name, area_code, area_name, town
    (only when the file has it; None where blank), geometry. Without area columns,
    ``area_name`` names the single area. A repaired polygon is noted in ``attrs["notes"]``
    (naming the ward and its feature number, given as the line); a ward without a code, a
    name or a polygon, or whose polygon has no area even after repair, is refused.
    """
    import shapely

    path = _path(wards)
    if "geometry" not in wards or (wards.geometry.isna() | wards.geometry.is_empty).all():
        raise InputError(
            path,
            column="geometry",
            message="has no ward polygons (every feature's geometry is empty or unreadable)",
        )
    for column in ("ward_code", "ward_name"):
        if column not in wards:
            raise InputError(
                path,
                column=column,
                message=f"is required but missing (expected {column} or ONS-style WDyyCD / WDyyNM)",
            )
    for column in ("ward_code", "ward_name"):
        text = wards[column].map(lambda v: "" if v is None or pd.isna(v) else str(v).strip())
        if (text == "").any():
            first = int((text == "").to_numpy().nonzero()[0][0])
            what = "code" if column == "ward_code" else "name"
            raise InputError(
                path,
                line=first + 1,
                column=column,
                message=f"is empty for {_ward_label(wards, first)} (feature {first + 1} of the "
                f"file has no ward {what}): every ward needs a code and a name for the tables "
                "and maps",
            )
    if "area_code" not in wards and "area_name" not in wards:
        if not area_name:
            raise InputError(
                path,
                column="area_code",
                message="is missing: add area_code / "
                "area_name (or LADyyCD / LADyyNM), or name the area with "
                "--area-name",
            )
        wards = wards.assign(area_name=area_name)
    if wards.crs is None:
        raise InputError(
            path,
            message="has no coordinate reference system (CRS); save it "
            "with one, e.g. EPSG:27700 or EPSG:4326",
        )
    missing = wards.geometry.isna() | wards.geometry.is_empty
    if missing.any():
        first = int(missing.to_numpy().nonzero()[0][0])
        raise InputError(
            path,
            line=first + 1,
            column="geometry",
            message=f"is empty for {_ward_label(wards, first)} (feature {first + 1} of the "
            "file has no polygon)",
        )
    if wards.crs.is_geographic:
        west, south, east, north = wards.total_bounds
        if west < -180 or east > 180 or south < -90 or north > 90:
            raise InputError(
                path,
                message=f"says its coordinates are longitude and latitude ({wards.crs.name}), "
                f"but they reach {east:,.0f}, {north:,.0f}: they look like British National "
                "Grid metres. Save the file with its real CRS (e.g. EPSG:27700); a GeoJSON "
                "without a CRS is read as longitude and latitude",
            )
    notes = []
    geometries = wards.geometry.to_numpy()
    invalid = ~shapely.is_valid(geometries)
    repaired = geometries.copy()
    for position in invalid.nonzero()[0]:
        reason = re.sub(r"\[.*\]$", "", shapely.is_valid_reason(geometries[position]))
        fixed = _polygons(shapely.make_valid(geometries[position]))
        if fixed is None:
            raise InputError(
                path,
                line=int(position) + 1,
                column="geometry",
                message=f"of {_ward_label(wards, position)} is not a valid polygon ({reason}) "
                "and has no area even after repair",
            )
        repaired[position] = fixed
        notes.append(
            f"{path.name} line {position + 1}: the polygon of {_ward_label(wards, position)} "
            f"was not valid ({reason}) and was repaired; check the boundary file."
        )
    wards["geometry"] = repaired
    wards = wards.to_crs(27700)
    repaired = shapely.make_valid(wards.geometry.to_numpy())  # reprojection may bend edges
    wards["geometry"] = repaired
    no_area = shapely.area(repaired) <= 0
    if no_area.any():
        first = int(no_area.nonzero()[0][0])
        raise InputError(
            path,
            line=first + 1,
            column="geometry",
            message=f"of {_ward_label(wards, first)} has no area (a point or a line, "
            "not a polygon)",
        )
    out = wards[["geometry"]].copy()
    out.insert(0, "ward_code", wards["ward_code"].astype(str).str.strip().str.upper())
    out.insert(1, "ward_name", wards["ward_name"].astype(str).str.strip())
    out.insert(
        2,
        "area_code",
        wards.get("area_code", wards.get("area_name")).astype(str).str.strip().str.upper(),
    )
    out.insert(
        3, "area_name", wards.get("area_name", wards.get("area_code")).astype(str).str.strip()
    )
    if "town" in wards:  # optional: the ward's town, to name towns on maps
        out.insert(4, "town", wards["town"].map(_town_name))
    repeated = out["ward_code"].duplicated()
    if repeated.any():
        raise InputError(
            path,
            line=int(repeated.to_numpy().nonzero()[0][0]) + 1,
            column="ward_code",
            message=f"= '{out.loc[repeated, 'ward_code'].iloc[0]}'"
            " appears twice (one feature per ward)",
        )
    out = out.reset_index(drop=True)
    out.attrs.update(file=str(path), notes=notes)
    return out


#: An overlap of two wards narrower than this everywhere (metres) is a boundary sliver, as
#: generalised boundary files have along shared edges, and is not reported.
SLIVER_WIDTH = 1.0
#: Wards that overlap by more than this share of the smaller one are the same place twice.
SAME_PLACE_SHARE = 0.5


def _share(share: float) -> str:
    return "less than 0.1%" if share < 0.001 else f"{share:.1%}"


def check_ward_layout(parts: list) -> list[str]:
    """Notes on ward names repeated within an area and on wards that overlap.

    ``parts`` are validated ward frames (see :func:`validate_wards`), one per file in the
    order read, with ``attrs["file"]``. Overlaps are found with a spatial index; one
    narrower than :data:`SLIVER_WIDTH` everywhere is a sliver and ignored. A ward that
    overlaps another by more than :data:`SAME_PLACE_SHARE` of the smaller of them is
    refused (:class:`InputError`): the file holds the same place twice. Smaller overlaps,
    and names that repeat within an area (codes still tell the wards apart), are notes.
    """
    import shapely

    where = [
        f"{Path(part.attrs.get('file', 'wards')).name} feature {n + 1}"
        for part in parts
        for n in range(len(part))
    ]
    wards = pd.concat(parts, ignore_index=True)
    label = (wards["ward_code"] + " (" + wards["ward_name"] + ")").tolist()
    notes = []
    repeated = wards.duplicated(["area_code", "ward_name"], keep=False)  # only these: fast
    for (_, name), group in wards.loc[repeated].groupby(["area_code", "ward_name"], sort=False):
        if len(group) > 1:
            listed = ", ".join(f"{wards['ward_code'][i]} ({where[i]})" for i in group.index)
            notes.append(
                f"{len(group)} wards of {wards['area_name'][group.index[0]]} are named "
                f"'{name}': {listed}. Tables and maps show the name more than once; the "
                "ward codes tell them apart."
            )
    geometries = wards.geometry.to_numpy()
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    left, right = left[left < right], right[left < right]
    overlap = shapely.intersection(geometries[left], geometries[right])
    area = shapely.area(overlap)
    wide = (area >= 1) & ~shapely.is_empty(shapely.buffer(overlap, -SLIVER_WIDTH / 2))
    sizes = shapely.area(geometries)
    found = []
    for first, second, size in zip(left[wide], right[wide], area[wide], strict=True):
        smaller = first if sizes[first] <= sizes[second] else second
        share = size / sizes[smaller]
        if share > SAME_PLACE_SHARE:
            file, feature = where[second].rsplit(" feature ", 1)
            raise InputError(
                file,
                line=int(feature),
                column="geometry",
                message=f"of ward {label[second]} overlaps ward {label[first]} "
                f"({where[first]}) by {size:,.0f} m², {_share(share)} of the smaller: the "
                "same place is in the file twice (two boundary vintages mixed, or a ward "
                "repeated under another code)",
            )
        found.append(
            f"{where[first]} and {where[second]}: wards {label[first]} and {label[second]} "
            f"overlap by {size:,.0f} m² ({_share(share)} of the smaller, "
            f"{wards['ward_name'][smaller]}). A record located in the overlap is counted in "
            f"{wards['ward_name'][first]}, the first in file order; check the boundary file."
        )
    if len(found) > 10:
        found = [*found[:10], f"... and {len(found) - 10} more overlapping pairs of wards."]
    return notes + found
