"""Peers: compare an area's rate with other Community Safety Partnerships (CSPs).

The unit compared is the CSP, named and coded as the ONS "LAD to Community Safety
Partnership to PFA" lookup names and codes it (``csp24_code``, e.g. E22000333 for Telford
and Wrekin). The wards file codes its areas by local authority (LAD, e.g. E06000020): an
area of the wards file is matched to its CSP through its LAD code, so a peers table shows
CSP codes and names, and a CSP of several local authorities (North Worcestershire:
Bromsgrove, Redditch and Wyre Forest) is one row.

The steps, each a pure function (frame in, frame out):

1. :func:`validate_csp_lookup` (or :func:`read_csp_lookup`): the ONS lookup.
2. :func:`area_of_records`: each record's CSP, from its located area or, outside the
   wards file, from the local authority in its data.police.uk ``LSOA name``;
   :func:`count_by_area` counts the records of a theme per CSP.
3. :func:`area_populations`: CSP populations from the ONS mid-year estimates.
4. :func:`read_benchmark`: the Home Office police recorded crime open data tables at CSP
   level; :func:`benchmark_counts` counts them per CSP.
5. :func:`compare_peers`: rates with exact intervals, rank, the rate ratio against the
   pooled peers (:func:`rate_ratio`), and the funnel plot band (:func:`funnel_limits`,
   :func:`overdispersion`, :func:`funnel_band`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.special as spc
import scipy.stats as sps
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from csp_analysis.classify import (
    _canonical_group,
    _canonical_subgroup,
    by_distinct,
    distinct_rows,
    normalise_offence_code,
)
from csp_analysis.read import TITLE_ROWS_SEARCHED, InputError, canonical_name, read_table
from csp_analysis.stats import poisson_change_tests, rate_ci

#: The funnel plot bands, from highest to lowest.
FUNNEL_BANDS = ("above 99.8%", "above 95%", "within", "below 95%", "below 99.8%")
#: The funnel methods, as a page names them.
POISSON = "Poisson"
ADJUSTED = "overdispersion-adjusted (Spiegelhalter random effects)"
#: Where each record's CSP came from (``csp_source`` of :func:`area_of_records`).
CSP_SOURCES = {
    "area": "In an area of the wards file",
    "lsoa_name": "Outside the wards file: CSP of the local authority in its LSOA name",
    "outside_area": "Outside the wards file, but its LSOA name is in one of its areas",
    "unmatched": "LSOA name whose local authority is not in the CSP lookup",
    "split": "Local authority split between several CSPs in the lookup: not assigned",
    "none": "No area and no LSOA name: not assigned to a CSP",
}
#: The columns of a peers table (``peers.csv``), in order.
PEERS_COLUMNS = [
    "area_code",
    "area_name",
    "count",
    "population",
    "rate_per_1000",
    "rate_lower",
    "rate_upper",
    "rank",
    "ratio_to_peers",
    "ratio_lower",
    "ratio_upper",
    "funnel_band",
]
#: The fewest areas from which overdispersion is estimated.
MIN_AREAS_FOR_OVERDISPERSION = 3


def _file(frame: pd.DataFrame, default: str) -> Path:
    return Path(frame.attrs.get("file", default))


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={c: canonical_name(c) for c in frame.columns if c != "line"})


def _lines(frame: pd.DataFrame) -> pd.Series:
    if "line" in frame:
        return frame["line"].astype(int)
    return pd.Series(np.arange(len(frame)) + 2, index=frame.index)


def normalise_name(name: object) -> str:
    """A place name for matching: lower case, '&' as 'and', no ', County of' tail.

    >>> normalise_name("  Herefordshire, County of "), normalise_name("Telford & Wrekin")
    ('herefordshire', 'telford and wrekin')
    """
    text = str(name).strip().casefold().replace("&", " and ")
    text = re.sub(r",\s*(county|city) of$", "", text)
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------------------
# The ONS LAD -> CSP -> PFA lookup


def validate_csp_lookup(frame: pd.DataFrame) -> pd.DataFrame:
    """The ONS LAD -> CSP -> police force area lookup, checked.

    ``frame`` has the ONS columns (``ltla24_code, ltla24_name, csp24_code, csp24_name,
    pfa24_code, pfa24_name``, any vintage, or ``LAD24CD`` style), as :func:`read_table`
    or pandas reads them; the force columns are optional.

    A local authority can be in several CSPs when CSPs still follow the districts of an
    authority that merged (the December 2024 lookup puts Bournemouth, Christchurch and
    Poole in the Bournemouth, Poole and Dorset CSPs, and six more authorities likewise):
    such a *split* authority cannot place a record or give a CSP's population, and the
    functions below say so (:func:`split_lads`).

    Returns
    -------
    pandas.DataFrame
        One row per local authority and CSP (repeated rows dropped): lad_code, lad_name,
        csp_code, csp_name, pfa_code, pfa_name (missing when the file has no force columns).

    Raises
    ------
    InputError
        When a column is missing, a value is blank or one CSP code has two names.
    """
    path = _file(frame, "CSP lookup")
    data = _canonical(frame)
    names = {"area_code": "lad_code", "area_name": "lad_name"}
    data = data.rename(columns=names)
    for column in ("lad_code", "lad_name", "csp_code", "csp_name"):
        if column not in data:
            raise InputError(
                path,
                line=1,
                column=column,
                message="is missing: the CSP lookup needs ltla24_code, ltla24_name, "
                "csp24_code and csp24_name (ONS 'LAD to Community Safety Partnership to PFA')",
            )
    out = pd.DataFrame(index=data.index)
    for column in ("lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"):
        if column in data:
            values = data[column].astype("string").str.strip()
            if column in ("lad_code", "lad_name", "csp_code", "csp_name"):
                blank = values.isna() | (values == "")
                if blank.any():
                    first = blank.to_numpy().nonzero()[0][0]
                    raise InputError(
                        path,
                        line=int(_lines(data).iloc[first]),
                        column=column,
                        message="is blank (every local authority needs its CSP)",
                    )
            out[column] = values.str.upper() if column.endswith("_code") else values
        else:
            out[column] = pd.Series(pd.NA, index=data.index, dtype="string")
    out = out.drop_duplicates(["lad_code", "csp_code"])
    names_per_code = out.groupby("csp_code")["csp_name"].nunique()
    if (names_per_code > 1).any():
        code = names_per_code[names_per_code > 1].index[0]
        raise InputError(path, column="csp_name", message=f"gives CSP {code} two names")
    out.attrs["file"] = str(path)
    return out.reset_index(drop=True)


def split_lads(lookup: pd.DataFrame) -> dict[str, list[str]]:
    """Local authorities in more than one CSP: LAD code -> their CSP codes."""
    csps: dict[str, list[str]] = {}
    for lad, csp in zip(lookup["lad_code"], lookup["csp_code"], strict=True):
        if not pd.isna(lad):  # as groupby leaves missing keys out
            csps.setdefault(lad, []).append(csp)
    return {lad: codes for lad, codes in csps.items() if len(codes) > 1}


def _csp_by_lad(lookup: pd.DataFrame) -> dict[str, str]:
    """LAD code -> CSP code for the authorities in exactly one CSP."""
    split = split_lads(lookup)
    whole = lookup.loc[~lookup["lad_code"].isin(split)]
    return dict(zip(whole["lad_code"], whole["csp_code"], strict=True))


def read_csp_lookup(path: str | Path) -> pd.DataFrame:
    """The ONS LAD -> CSP -> PFA lookup CSV, checked (see :func:`validate_csp_lookup`)."""
    return validate_csp_lookup(read_table(path))


def csp_areas(lookup: pd.DataFrame) -> pd.DataFrame:
    """One row per CSP: area_code (CSP code), area_name (CSP name), pfa_code, pfa_name."""
    first = lookup.drop_duplicates("csp_code")
    return pd.DataFrame(
        {
            "area_code": first["csp_code"].to_numpy(),
            "area_name": first["csp_name"].to_numpy(),
            "pfa_code": first["pfa_code"].to_numpy(),
            "pfa_name": first["pfa_name"].to_numpy(),
        }
    )


def force_areas(lookup: pd.DataFrame, force: str) -> pd.DataFrame:
    """The CSPs of a police force area, by force code or name (case-insensitive).

    Returns columns area_code (CSP code) and area_name (CSP name), in lookup order.
    Raises ``ValueError`` naming the forces when ``force`` is none of them.
    """
    areas = csp_areas(lookup)
    key = normalise_name(force)
    chosen = areas.loc[
        (areas["pfa_code"].astype("string").str.casefold() == key)
        | (areas["pfa_name"].map(normalise_name) == key)
    ]
    if chosen.empty:
        forces = ", ".join(sorted(areas["pfa_name"].dropna().unique()))
        raise ValueError(f"'{force}' is not a police force area of the lookup ({forces})")
    return chosen[["area_code", "area_name"]].reset_index(drop=True)


def csp_of_area(area_code: str, lookup: pd.DataFrame) -> str:
    """The CSP code of a wards-file area (a LAD code); a CSP code is returned as it is.

    >>> lookup = pd.DataFrame({"lad_code": ["E06000020"], "lad_name": ["Telford and Wrekin"],
    ...     "csp_code": ["E22000333"], "csp_name": ["Telford and Wrekin"]})
    >>> csp_of_area("E06000020", lookup), csp_of_area("E22000333", lookup)
    ('E22000333', 'E22000333')
    """
    code = str(area_code).strip().upper()
    split = split_lads(lookup)
    if code in split:
        raise ValueError(
            f"local authority {code} is split between the CSPs {', '.join(split[code])} in "
            "the lookup: name the CSP instead"
        )
    by_lad = _csp_by_lad(lookup)
    if code in by_lad:
        return by_lad[code]
    if code in set(lookup["csp_code"]):
        return code
    raise ValueError(f"'{area_code}' is neither a local authority nor a CSP of the lookup")


# --------------------------------------------------------------------------------------
# Records -> CSP


def lad_name_of_lsoa(lsoa_name: pd.Series) -> pd.Series:
    """The local authority part of LSOA names ("Shropshire 001A" -> "Shropshire").

    Missing where the name is missing or does not end in a code like ``001A``.
    """
    text = lsoa_name.astype("string").str.strip()
    return text.str.extract(r"^(.*\S)\s+\d{3}[A-Z]$", expand=False).astype("string")


def area_of_records(
    records: pd.DataFrame,
    lookup: pd.DataFrame,
    *,
    wards_areas: Iterable[str],
    area_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Each record's CSP: its located area's, else the CSP of its LSOA name's authority.

    data.police.uk files cover a whole force, so the records of the CSPs next to those in
    the wards file fall outside every ward (``location_method`` "outside"). Rules, in order:

    1. ``area_code`` (as :func:`csp_analysis.locate.locate_records` set it, a LAD code of
       the wards file) -> its CSP through the lookup's ``lad_code``. An area of the wards
       file that is not in the lookup (a synthetic or older code) is its own unit: its
       code, and its name from ``area_names``.
    2. Otherwise the local authority named in ``lsoa_name`` ("Herefordshire 001A"),
       matched to the lookup's ``lad_name`` by :func:`normalise_name` -> its CSP; except
       that an authority of the wards file itself is not taken from the LSOA name (the
       record was located outside it, and the profile does not count it either).
    3. Otherwise no CSP, and ``csp_source`` says why (also for a local authority that the
       lookup splits between CSPs, see :func:`split_lads`).

    Parameters
    ----------
    records : pandas.DataFrame
        Located records with ``area_code`` and, optionally, ``lsoa_name``.
    lookup : pandas.DataFrame
        The checked lookup (:func:`validate_csp_lookup`).
    wards_areas : iterable of str
        The area codes of the wards file (all of them, including areas with no record).
    area_names : mapping, optional
        Names of wards-file areas that the lookup does not know (code -> name).

    Returns
    -------
    pandas.DataFrame
        A copy of ``records`` with csp_code and csp_name (missing when unassigned) and
        csp_source (a key of :data:`CSP_SOURCES`). No row is removed.
    """
    return CspPlacer(lookup, wards_areas=wards_areas, area_names=area_names).place(records)


class CspPlacer:
    """:func:`area_of_records` for many batches of records: the lookup's mappings made once."""

    def __init__(
        self,
        lookup: pd.DataFrame,
        *,
        wards_areas: Iterable[str],
        area_names: Mapping[str, str] | None = None,
    ) -> None:
        self.covered = {str(code).strip().upper() for code in wards_areas}
        self.csp_by_lad = _csp_by_lad(lookup)
        self.split = set(split_lads(lookup))
        self.name_by_csp = dict(zip(lookup["csp_code"], lookup["csp_name"], strict=False))
        self.name_by_csp.update({k.upper(): v for k, v in (area_names or {}).items()})
        self.lad_by_name = {
            normalise_name(n): c
            for n, c in zip(lookup["lad_name"], lookup["lad_code"], strict=True)
        }

    def place(self, records: pd.DataFrame) -> pd.DataFrame:
        """:func:`area_of_records` of ``records`` with this lookup."""
        out = records.copy(deep=False)  # copy on write: the caller's frame is not changed
        keys = out[[c for c in ("area_code", "lsoa_name") if c in out]]
        again, first = distinct_rows(keys)  # a CSP per distinct area and LSOA name
        placed = self._area_of_distinct(keys.iloc[first])
        for column in ("csp_code", "csp_name", "csp_source"):
            out[column] = placed[column].take(again).set_axis(out.index)
        return out

    def _area_of_distinct(self, out: pd.DataFrame) -> pd.DataFrame:
        """The rules of :func:`area_of_records` for each row of ``out`` (area_code, lsoa_name)."""
        out = out.reset_index(drop=True)
        covered, csp_by_lad, split = self.covered, self.csp_by_lad, self.split
        name_by_csp, lad_by_name = self.name_by_csp, self.lad_by_name

        area = out["area_code"].astype("string").str.strip().str.upper()
        in_area = (area.notna() & area.isin(covered)).fillna(False)
        area_split = area.isin(split).fillna(False)
        from_area = by_distinct(
            area, lambda a: a.map(lambda code: csp_by_lad.get(code, code), na_action="ignore")
        )

        if "lsoa_name" in out:
            lad_name = by_distinct(out["lsoa_name"], lad_name_of_lsoa)
        else:
            lad_name = pd.Series(pd.NA, index=out.index, dtype="string")
        lad = by_distinct(
            lad_name,
            lambda n: n.map(lambda n: lad_by_name.get(normalise_name(n)), na_action="ignore"),
        )
        lad = lad.astype("string")
        own_lad = lad.isin(covered).fillna(False)
        lad_split = lad.isin(split).fillna(False)
        from_lsoa = by_distinct(lad, lambda c: c.map(csp_by_lad.get, na_action="ignore")).astype(
            "string"
        )

        has_name = lad_name.notna()
        source = np.select(
            [
                (in_area & area_split).to_numpy(),
                in_area.to_numpy(),
                (has_name & own_lad).to_numpy(),
                (has_name & lad_split).to_numpy(),
                (has_name & lad.notna()).to_numpy(),
                has_name.to_numpy(),
            ],
            ["split", "area", "outside_area", "split", "lsoa_name", "unmatched"],
            default="none",
        )
        code = pd.Series(pd.NA, index=out.index, dtype="string")
        code[source == "area"] = from_area[source == "area"]
        code[source == "lsoa_name"] = from_lsoa[source == "lsoa_name"]
        out["csp_code"] = code
        out["csp_name"] = code.map(name_by_csp, na_action="ignore").astype("string")
        out["csp_source"] = pd.Categorical(source, categories=list(CSP_SOURCES))
        return out


def csp_source_summary(records: pd.DataFrame) -> pd.DataFrame:
    """How many records each rule of :func:`area_of_records` placed.

    Returns one row per key of :data:`CSP_SOURCES` (zeros included): csp_source,
    description, records.
    """
    counts = records["csp_source"].value_counts().reindex(list(CSP_SOURCES), fill_value=0)
    return pd.DataFrame(
        {
            "csp_source": list(CSP_SOURCES),
            "description": list(CSP_SOURCES.values()),
            "records": counts.to_numpy().astype(int),
        }
    )


def count_by_area(
    records: pd.DataFrame, areas: pd.DataFrame, *, mask: ArrayLike | None = None
) -> pd.DataFrame:
    """Records of a theme per CSP, for every area in ``areas`` (0 where none).

    ``records`` has ``csp_code`` (from :func:`area_of_records`); ``mask`` (boolean, one per
    record) selects the theme's records, all records when omitted. Records of CSPs not in
    ``areas`` (neighbouring forces at the edges) are not counted.

    Returns columns area_code, area_name (as in ``areas``) and count (int).
    """
    chosen = records if mask is None else records.loc[np.asarray(mask, dtype=bool)]
    counts = chosen["csp_code"].value_counts()
    out = areas[["area_code", "area_name"]].reset_index(drop=True).copy()
    out["count"] = out["area_code"].map(counts).fillna(0).astype(int)
    return out


# --------------------------------------------------------------------------------------
# Populations


def area_populations(
    mye: pd.DataFrame, lookup: pd.DataFrame, *, areas: Sequence[str] | None = None
) -> pd.DataFrame:
    """CSP populations: the ONS mid-year estimates summed over each CSP's authorities.

    ``mye`` is the ONS estimates file as read (``Code``, ``Name``, ``Geography``, ``All
    ages``, ...; or already renamed ``area_code``, ``population``), one row per geography.
    ``areas`` restricts the result to these CSP codes (default: every CSP of the lookup).

    Returns
    -------
    pandas.DataFrame
        One row per CSP: area_code (CSP code), area_name (CSP name), population (int),
        lad_count (the number of local authorities summed).

    Raises
    ------
    InputError
        Naming the estimates file and column when a column is missing, a value is not a
        number, or a local authority of a CSP has no row (e.g. estimates on other
        boundaries than the lookup's); naming the lookup when a CSP asked for has a local
        authority that the lookup splits between CSPs.
    """
    path = _file(mye, "population estimates")
    data = _canonical(mye).rename(columns={"code": "area_code", "all_ages": "population"})
    for column, original in (("area_code", "Code"), ("population", "All ages")):
        if column not in data:
            raise InputError(
                path,
                line=1,
                column=original,
                message="is missing: the ONS mid-year estimates have columns Code, Name, "
                "Geography, All ages",
            )
    codes = data["area_code"].astype("string").str.strip().str.upper()
    text = data["population"].astype("string").str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() | (numbers < 0)
    wanted_lookup = lookup if areas is None else lookup.loc[lookup["csp_code"].isin(areas)]
    if areas is not None:
        unknown = sorted(set(areas) - set(lookup["csp_code"]))
        if unknown:
            raise ValueError(f"not CSP codes of the lookup: {', '.join(unknown)}")
    split = split_lads(lookup)
    split_rows = wanted_lookup.loc[wanted_lookup["lad_code"].isin(split)]
    if len(split_rows):
        row = split_rows.iloc[0]
        raise InputError(
            _file(lookup, "the CSP lookup"),
            column="ltla24_code",
            message=f"puts {row['lad_code']} ({row['lad_name']}) in the CSPs "
            f"{', '.join(split[row['lad_code']])}: the population of CSP {row['csp_name']} "
            f"({row['csp_code']}) cannot be made from local authority estimates",
        )
    needed = codes.isin(set(wanted_lookup["lad_code"]))
    if (bad & needed).any():
        first = (bad & needed).to_numpy().nonzero()[0][0]
        raise InputError(
            path,
            line=int(_lines(data).iloc[first]),
            column="All ages",
            message=f"= '{data['population'].iloc[first]}' is not a number of residents",
        )
    by_code = pd.Series(numbers.to_numpy(), index=codes.to_numpy())
    by_code = by_code[~by_code.index.duplicated()]
    missing = wanted_lookup.loc[~wanted_lookup["lad_code"].isin(by_code.index)]
    if len(missing):
        row = missing.iloc[0]
        more = f" ({len(missing) - 1} more like it)" if len(missing) > 1 else ""
        raise InputError(
            path,
            column="Code",
            message=f"has no row for {row['lad_code']} ({row['lad_name']}), a local "
            f"authority of the CSP {row['csp_name']} ({row['csp_code']}) in "
            f"{_file(lookup, 'the CSP lookup').name}{more}: the estimates must cover every "
            "local authority of each CSP on the lookup's boundaries",
        )
    pops = wanted_lookup.assign(population=wanted_lookup["lad_code"].map(by_code))
    out = pops.groupby("csp_code", sort=False).agg(
        area_name=("csp_name", "first"),
        population=("population", "sum"),
        lad_count=("lad_code", "size"),
    )
    out = out.reset_index().rename(columns={"csp_code": "area_code"})
    out["population"] = out["population"].round().astype(int)
    return out[["area_code", "area_name", "population", "lad_count"]]


# --------------------------------------------------------------------------------------
# The Home Office open data tables at CSP level


#: Benchmark columns: canonical name -> header spellings (compared after
#: :func:`_header_key`).
BENCHMARK_HEADERS = {
    "financial_year": ("financial year", "year"),
    "quarter": ("financial quarter", "quarter"),
    "force_name": ("force name", "force", "police force", "police force name"),
    "csp_name": (
        "csp name",
        "csp",
        "community safety partnership",
        "community safety partnership name",
    ),
    "offence_description": ("offence description", "offence"),
    "offence_group": ("offence group",),
    "offence_subgroup": ("offence subgroup", "offence sub group"),
    "offence_code": ("offence code",),
    "count": ("number of offences", "offences", "offence count", "count"),
}
#: The published header of each canonical column (for messages).
BENCHMARK_PUBLISHED = {
    "financial_year": "Financial Year",
    "quarter": "Financial Quarter",
    "force_name": "Force Name",
    "csp_name": "CSP Name",
    "offence_description": "Offence Description",
    "offence_group": "Offence Group",
    "offence_subgroup": "Offence Subgroup",
    "offence_code": "Offence Code",
    "count": "Number of Offences",
}
#: Columns a benchmark file must have (quarter and force are optional).
BENCHMARK_REQUIRED = (
    "financial_year",
    "csp_name",
    "offence_description",
    "offence_group",
    "offence_subgroup",
    "offence_code",
    "count",
)
BENCHMARK_SUFFIXES = (".csv", ".xlsx", ".ods")


def _header_key(name: object) -> str:
    return re.sub(r"[\s\-_]+", " ", str(name).strip().lstrip("\ufeff").casefold()).strip()


_HEADER_LOOKUP = {
    spelling: column for column, spellings in BENCHMARK_HEADERS.items() for spelling in spellings
}


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _benchmark_sheets(path: Path) -> list[tuple[str | None, list[list[str]]]]:
    """The file's rows as text, per sheet (``None`` for CSV)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = read_table(path, canonical=False)
        header = [c for c in table.columns if c != "line"]
        rows = [[""] * len(header) for _ in range(int(table["line"].max()) - 1)]
        for line, values in zip(table["line"], table[header].itertuples(index=False), strict=True):
            rows[int(line) - 2] = list(values)
        return [(None, [header, *rows])]
    if suffix == ".ods":
        raise InputError(
            path,
            message="is an OpenDocument spreadsheet (.ods): reading it needs the odfpy "
            "package, which is not installed. Open it in LibreOffice or Excel and save it "
            "as .xlsx or CSV, or install odfpy",
        )
    if suffix != ".xlsx":
        raise InputError(path, message="is not a benchmark table (expected .csv, .xlsx or .ods)")
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InputError(path, message=f"cannot be read as an Excel workbook ({error})") from None
    try:
        return [
            (
                sheet.title,
                [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)],
            )
            for sheet in book.worksheets
        ]
    finally:
        book.close()


def _find_header(rows: list[list[str]]) -> int | None:
    """Index of the first row (of the first few) that holds every required column."""
    for i, row in enumerate(rows[:TITLE_ROWS_SEARCHED]):
        found = {_HEADER_LOOKUP.get(_header_key(cell)) for cell in row}
        if set(BENCHMARK_REQUIRED) <= found:
            return i
    return None


def _benchmark_frame(path: Path) -> pd.DataFrame:
    """The data rows of every sheet that has the benchmark header, as text."""
    frames, headers_seen = [], []
    for sheet, rows in _benchmark_sheets(path):
        header_at = _find_header(rows)
        if header_at is None:
            if rows:
                headers_seen.append((sheet, rows[0]))
            continue
        header = [_HEADER_LOOKUP.get(_header_key(c), "") for c in rows[header_at]]
        body = rows[header_at + 1 :]
        width = len(header)
        records = []
        for offset, row in enumerate(body):
            cells = (list(row) + [""] * width)[:width]
            if not any(cells[i] for i, name in enumerate(header) if name):
                continue
            record = {name: cells[i] for i, name in enumerate(header) if name}
            record["line"] = header_at + 2 + offset
            records.append(record)
        frame = pd.DataFrame(records, columns=[*dict.fromkeys(h for h in header if h), "line"])
        frame["sheet"] = sheet
        frames.append(frame)
    if not frames:
        where = f" (sheet '{headers_seen[0][0]}')" if headers_seen and headers_seen[0][0] else ""
        first = ", ".join(c for c in headers_seen[0][1] if c) if headers_seen else "nothing"
        raise InputError(
            path,
            line=1,
            message="has no sheet with the columns of the Home Office police recorded "
            f"crime open data tables ({', '.join(BENCHMARK_PUBLISHED.values())}); the first "
            f"row{where} has: {first}",
        )
    out = pd.concat(frames, ignore_index=True)
    if out.empty:
        raise InputError(path, line=2, message="has the column names but no rows of data")
    for column in BENCHMARK_HEADERS:
        if column not in out:
            out[column] = ""
    return out.fillna("")


def _fail_benchmark(path: Path, frame: pd.DataFrame, rows: pd.Series, column: str, what: str):
    first = rows.to_numpy().nonzero()[0][0]
    count = int(rows.sum())
    more = f" ({count - 1} more row{'s' if count > 2 else ''} like it)" if count > 1 else ""
    sheet = frame["sheet"].iloc[first]
    where = f" (sheet '{sheet}')" if isinstance(sheet, str) and sheet else ""
    raise InputError(
        path,
        line=int(frame["line"].iloc[first]),
        column=BENCHMARK_PUBLISHED[column],
        message=f"= '{frame[column].iloc[first]}' {what}{more}{where}",
    )


def _financial_year(values: pd.Series) -> pd.Series:
    """'2023/24', '2023-24', '2023/2024' or '2023 to 2024' -> '2023-24' (missing if not)."""
    parts = values.str.extract(r"^(\d{4})\s*(?:/|-|to)\s*(\d{2}|\d{4})$")
    start = pd.to_numeric(parts[0], errors="coerce")
    end = pd.to_numeric(parts[1].str[-2:], errors="coerce")
    ok = start.notna() & (end == (start + 1) % 100)
    text = start.astype("Int64").astype("string") + "-" + parts[1].str[-2:]
    return text.where(ok)


def _one_spelling(values: pd.Series, canonical) -> pd.Series:
    """Labels in one spelling: the offence tree's when it knows the label, else first seen."""
    spelling: dict[str, str] = {}
    for value in values.dropna().unique():
        spelling.setdefault(normalise_name(value), canonical(value) or value)
    return values.map(lambda v: spelling[normalise_name(v)] if v else pd.NA).astype("string")


def _benchmark_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.suffix.lower() in BENCHMARK_SUFFIXES and p.is_file()
        )
        if not files:
            raise InputError(path, message="holds no benchmark table (.csv, .xlsx or .ods files)")
        return files
    if not path.is_file():
        raise InputError(path, message="does not exist")
    return [path]


def read_benchmark(
    path: str | Path, *, lookup: pd.DataFrame, aliases: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The Home Office police recorded crime open data tables at CSP level, as published.

    Reads a ``.csv`` or ``.xlsx`` file (every sheet that has the columns, below any title
    rows), or every such file of a folder. Headers are matched case-insensitively after
    trimming (``Financial Year``, ``Financial Quarter``, ``Force Name``, ``CSP Name``,
    ``Offence Description``, ``Offence Group``, ``Offence Subgroup``, ``Offence Code``,
    ``Number of Offences``, and their variants); quarter and force are optional. Labels that
    differ only in case, spaces or '&'/'and' ("Drug offences", "Drug Offences") are given
    one spelling: the Home Office offence tree's when it has the label, else the first
    seen. CSPs are named, not coded: each name is matched to the lookup's ``csp_name``
    (case-insensitive, '&' and 'and' alike, ", County of" ignored) or to ``aliases``.
    ``.ods`` files need the odfpy package, which the toolkit does not install: they are
    refused with a message saying so.

    Parameters
    ----------
    path : str or Path
        A benchmark file or a folder of them.
    lookup : pandas.DataFrame
        The checked CSP lookup (:func:`validate_csp_lookup`).
    aliases : mapping, optional
        Further CSP names as the file writes them -> CSP code (e.g. a renamed CSP).

    Returns
    -------
    pandas.DataFrame
        One row per published row: financial_year (``2023-24``), quarter (Int64, 1-4,
        missing in annual tables), force_name (as published), csp_name (the lookup's name),
        csp_code, offence_description, offence_group, offence_subgroup, offence_code (text),
        count (int; as published, adjustments can be negative), source_file, line.

    Raises
    ------
    InputError
        Naming file, line and column: a missing column, a financial year or quarter that
        cannot be read, a count that is not a whole number, or a CSP name the lookup does
        not know (with the closest name).
    """
    csp_by_name = {
        normalise_name(n): c for n, c in zip(lookup["csp_name"], lookup["csp_code"], strict=True)
    }
    csp_by_name.update({normalise_name(n): c.upper() for n, c in (aliases or {}).items()})
    name_by_code = dict(zip(lookup["csp_code"], lookup["csp_name"], strict=False))
    frames = []
    for file in _benchmark_files(Path(path)):
        raw = _benchmark_frame(file)
        for column in BENCHMARK_HEADERS:
            raw[column] = raw[column].astype(str).str.strip()
        for column in ("financial_year", "csp_name", "offence_code", "count"):
            blank = raw[column] == ""
            if blank.any():
                _fail_benchmark(file, raw, blank, column, "is blank")
        year = _financial_year(raw["financial_year"])
        if year.isna().any():
            _fail_benchmark(
                file,
                raw,
                year.isna(),
                "financial_year",
                "is not a financial year (expected e.g. 2023/24)",
            )
        quarter_text = raw["quarter"].str.upper().str.replace(r"^Q", "", regex=True)
        quarter = pd.to_numeric(quarter_text, errors="coerce").astype("Float64")
        bad_quarter = (raw["quarter"] != "") & ~quarter.isin([1, 2, 3, 4]).fillna(False)
        if bad_quarter.any():
            _fail_benchmark(
                file, raw, bad_quarter, "quarter", "is not a financial quarter (expected 1 to 4)"
            )
        count = pd.to_numeric(raw["count"].str.replace(",", "", regex=False), errors="coerce")
        bad_count = count.isna() | (count % 1 != 0)
        if bad_count.any():
            _fail_benchmark(file, raw, bad_count, "count", "is not a whole number of offences")
        code = raw["csp_name"].map(lambda n: csp_by_name.get(normalise_name(n)))
        unknown = code.isna()
        if unknown.any():
            name = raw["csp_name"][unknown].iloc[0]
            close = difflib.get_close_matches(name, list(lookup["csp_name"].unique()), n=1)
            hint = f" (the closest is '{close[0]}')" if close else ""
            _fail_benchmark(
                file,
                raw,
                unknown,
                "csp_name",
                f"is not a CSP of {_file(lookup, 'the CSP lookup').name}{hint}: check the "
                "spelling, or map the name to its CSP code as an alias",
            )
        frames.append(
            pd.DataFrame(
                {
                    "financial_year": year.astype("string"),
                    "quarter": quarter.astype("Int64"),
                    "force_name": raw["force_name"].replace("", pd.NA).astype("string"),
                    "csp_name": code.map(name_by_code).astype("string"),
                    "csp_code": code.astype("string"),
                    "offence_description": raw["offence_description"].astype("string"),
                    "offence_group": raw["offence_group"],
                    "offence_subgroup": raw["offence_subgroup"],
                    "offence_code": normalise_offence_code(raw["offence_code"]).astype("string"),
                    "count": count.astype(int),
                    "source_file": file.name,
                    "line": raw["line"].astype(int),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["offence_group"] = _one_spelling(out["offence_group"], _canonical_group)
    out["offence_subgroup"] = _one_spelling(out["offence_subgroup"], _canonical_subgroup)
    return out


def benchmark_counts(
    benchmark: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    financial_year: str,
    quarters: Sequence[int] = (1, 2, 3, 4),
    mask: ArrayLike | None = None,
) -> pd.DataFrame:
    """Offences per CSP in a financial year (or some of its quarters) from the benchmark.

    ``mask`` (boolean, one per benchmark row) selects a theme's offences. Annual rows
    (no quarter) count only when all four quarters are asked for.

    Returns columns area_code, area_name (as in ``areas``) and count (int).
    """
    rows = benchmark if mask is None else benchmark.loc[np.asarray(mask, dtype=bool)]
    in_year = rows["financial_year"] == financial_year
    quarter = rows["quarter"]
    whole_year = set(quarters) == {1, 2, 3, 4}
    chosen = rows.loc[
        in_year & (quarter.isin(list(quarters)).fillna(False) | (quarter.isna() & whole_year))
    ]
    counts = chosen.groupby("csp_code")["count"].sum()
    out = areas[["area_code", "area_name"]].reset_index(drop=True).copy()
    out["count"] = out["area_code"].map(counts).fillna(0).astype(int)
    return out


# --------------------------------------------------------------------------------------
# Statistics


def rate_ratio(
    count: ArrayLike,
    population: ArrayLike,
    peer_count: ArrayLike,
    peer_population: ArrayLike,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Rate ratio of an area against its peers, with the exact conditional interval.

    The ratio is (count / population) / (peer_count / peer_population), tested and
    bounded by :func:`csp_analysis.stats.poisson_change_test` (R's ``poisson.test(c(count,
    peer_count), c(population, peer_population))``: conditional on the total, the area's
    count is binomial; Clopper-Pearson limits mapped onto the ratio; two-sided exact
    p-value). statsmodels 0.15 has no 'exact-cond' interval (its ``test_poisson_2indep``
    p-value is the same). The two counts must be independent: pool the peers *without*
    the area itself.

    Returns
    -------
    pandas.DataFrame
        One row per (broadcast) input: ratio, ratio_lower, ratio_upper, p_value. A count of
        0 has lower limit 0; a peer count of 0 gives an infinite ratio and upper limit;
        both 0 give ratio NaN, limits 0 and inf; a zero or missing population or count
        gives NaN throughout.

    Examples
    --------
    >>> out = rate_ratio(11, 800, 6 + 8 + 7, 1083 + 1050 + 878)
    >>> out.round(6).iloc[0].tolist()
    [1.971488, 0.858426, 4.277266, 0.079669]
    """
    x1, t1, x2, t2 = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(a, dtype=float)).ravel()
            for a in (count, population, peer_count, peer_population)
        )
    )
    usable = (t1 > 0) & (t2 > 0) & ~np.isnan(x1) & ~np.isnan(x2)
    columns = [np.full(x1.shape, np.nan) for _ in range(4)]
    if usable.any():
        tested = poisson_change_tests(x1[usable], x2[usable], t1[usable], t2[usable], level=level)
        for column, values in zip(columns, tested, strict=True):
            column[usable] = values
    rows = list(zip(*columns, strict=True))
    return pd.DataFrame(rows, columns=["ratio", "ratio_lower", "ratio_upper", "p_value"])


def _exact_lower_count(expected: float, tail: float) -> float:
    """Continuous x with P(Poisson(expected) <= x) = tail (PHE funnels), at least 0."""
    if expected <= 0:
        return 0.0
    f = lambda a: spc.gammaincc(a, expected) - tail  # a = x + 1  # noqa: E731
    if f(1.0) >= 0:  # even 0 events is not unusually low
        lo = 1e-12
        return max(brentq(f, lo, 1.0) - 1, 0.0) if f(lo) < 0 else 0.0
    hi = expected + 20 * np.sqrt(expected) + 20
    return brentq(f, 1.0, hi, xtol=1e-12, rtol=1e-14) - 1


def _exact_upper_count(expected: float, tail: float) -> float:
    """Continuous x with P(Poisson(expected) >= x) = tail (PHE funnels)."""
    if expected <= 0:
        return 0.0
    f = lambda a: spc.gammainc(a, expected) - tail  # noqa: E731
    hi = expected + 20 * np.sqrt(expected) + 20
    return brentq(f, 1e-12, hi, xtol=1e-12, rtol=1e-14)


#: Two-sided funnel levels and their tail probabilities (95% and 99.8%).
FUNNEL_LEVELS = {"95": 0.025, "998": 0.001}


def funnel_limits(
    population: ArrayLike,
    *,
    baseline_rate: float,
    per: float = 1000,
    tau2: float = 0.0,
) -> pd.DataFrame:
    """Funnel plot limits (95% and 99.8%) for crude rates around a baseline rate.

    Without overdispersion (``tau2`` 0) the limits are exact Poisson, as PHE's Fingertips
    funnels (PHEindicatormethods ``phe_funnels``, PHStatsMethods
    ``calculate_funnel_limits(statistic="rate", rate_type="crude")``): at a population
    with expected count E = baseline x population, the lower limit is x / population with
    P(X <= x) = 0.025 (0.001), the upper with P(X >= x) = 0.025 (0.001), the Poisson tails
    taken continuously through the incomplete gamma function. With ``tau2`` > 0 the limits
    are Spiegelhalter's (2005) additive random-effects limits on the square-root scale (as
    FunnelPlotR's ``sr_method="CQC"``): baseline x (1 +/- z sqrt(1/(4E) + tau2))^2, the
    lower one not below 0.

    Parameters
    ----------
    population : array-like
        Populations at which to give the limits.
    baseline_rate : float
        The centre line, per ``per`` people (for peers: their pooled rate).
    per : float, optional
        The rate's multiplier (default per 1,000).
    tau2 : float, optional
        Between-area variance on the square-root scale (:func:`overdispersion`).

    Returns
    -------
    pandas.DataFrame
        One row per population: population, expected (count), baseline, lower_95,
        upper_95, lower_998, upper_998 (rates per ``per``), method (:data:`POISSON` or
        :data:`ADJUSTED`).
    """
    pop = np.atleast_1d(np.asarray(population, dtype=float))
    rate = baseline_rate / per
    expected = pop * rate
    out = pd.DataFrame({"population": pop, "expected": expected, "baseline": baseline_rate})
    for name, tail in FUNNEL_LEVELS.items():
        if tau2 > 0:
            z = sps.norm.isf(tail)
            with np.errstate(divide="ignore"):
                spread = z * np.sqrt(1 / (4 * expected) + tau2)
            lower = np.where(spread < 1, (1 - spread) ** 2, 0.0) * baseline_rate
            upper = (1 + spread) ** 2 * baseline_rate
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                lower = np.array([_exact_lower_count(e, tail) for e in expected]) / pop * per
                upper = np.array([_exact_upper_count(e, tail) for e in expected]) / pop * per
            lower = np.where(pop > 0, lower, np.nan)
            upper = np.where(pop > 0, upper, np.nan)
        out[f"lower_{name}"] = lower
        out[f"upper_{name}"] = upper
    out["method"] = ADJUSTED if tau2 > 0 else POISSON
    return out


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter's overdispersion estimate from a set of areas.

    Attributes: ``phi`` (the mean squared winsorised z-score; 1 when the areas vary as
    Poisson chance alone would), ``tau2`` (between-area variance on the transformed scale,
    0 when phi shows no excess), ``n`` (areas used), ``statistic`` (n x phi), ``df``
    (n - 1), ``p_value`` (of n x phi against chi-square on n - 1 degrees of freedom),
    ``overdispersed`` (p_value below ``alpha``), ``transform`` ("sqrt" or "log").
    """

    phi: float
    tau2: float
    n: int
    statistic: float
    df: int
    p_value: float
    overdispersed: bool
    transform: str


def _r_quantile(values: np.ndarray, q: float) -> float:
    """R's default quantile (type 7), as FunnelPlotR's winsorisation uses."""
    return float(np.quantile(values, q, method="linear"))


def overdispersion(
    observed: ArrayLike,
    expected: ArrayLike,
    *,
    trim: float = 0.1,
    transform: str = "sqrt",
    alpha: float = 0.05,
) -> Overdispersion:
    """Overdispersion of observed against expected counts (Spiegelhalter 2005).

    Follows NHS-R FunnelPlotR (``transformed_zscore``, ``winsorisation``,
    ``truncation``, ``phi_func``, ``tau_func``) for standardised ratios O/E:

    - ``transform="sqrt"`` (Spiegelhalter's own choice, FunnelPlotR ``sr_method="CQC"``):
      z = (sqrt(O/E) - 1) / s with s = 1 / (2 sqrt(E)); z-scores are winsorised at the
      ``trim`` and 1 - ``trim`` quantiles (10% at each end by default);
    - ``transform="log"`` (FunnelPlotR's default, ``sr_method="SHMI"``): z = sqrt(E)
      log(O/E), s = 1 / sqrt(E), and the z-scores in the outer ``trim`` bands are dropped
      (truncation, as NHS Digital's SHMI).

    phi = mean(z^2) over the n z-scores kept; tau2 = max(0, (n phi - (n - 1)) /
    (sum(w) - sum(w^2) / sum(w))) with w = 1 / s^2, and 0 when n phi < n - 1. The test
    compares n phi with chi-square on n - 1 degrees of freedom (one is spent on the
    baseline, estimated from the same areas); with fewer than
    :data:`MIN_AREAS_FOR_OVERDISPERSION` areas nothing is estimated (phi NaN, tau2 0, not
    overdispersed).
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    keep = e > 0
    o, e = o[keep], e[keep]
    if transform not in ("sqrt", "log"):
        raise ValueError("transform must be 'sqrt' or 'log'")
    if len(o) < MIN_AREAS_FOR_OVERDISPERSION:
        return Overdispersion(
            np.nan, 0.0, len(o), np.nan, max(len(o) - 1, 0), np.nan, False, transform
        )
    if transform == "sqrt":
        s = 1 / (2 * np.sqrt(e))
        z = (np.sqrt(o / e) - 1) / s
        low, high = _r_quantile(z, trim), _r_quantile(z, 1 - trim)
        z_kept, s_kept = np.clip(z, low, high), s
    else:
        with np.errstate(divide="ignore"):
            z = np.sqrt(e) * np.log(o / e)
        s = 1 / np.sqrt(e)
        k = 1 / trim
        rank = sps.rankdata(z, method="average")
        band = np.floor(rank * k / (len(z) + 1))
        kept = (band > 0) & (band < k - 1)
        z_kept, s_kept = z[kept], s[kept]
    n = len(z_kept)
    phi = float(np.mean(z_kept**2))
    w = 1 / s_kept**2
    tau2 = 0.0
    if n * phi >= n - 1:
        tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    statistic = n * phi
    p_value = float(sps.chi2.sf(statistic, n - 1))
    return Overdispersion(
        phi, float(tau2), n, statistic, n - 1, p_value, p_value < alpha, transform
    )


def funnel_band(
    count: ArrayLike,
    population: ArrayLike,
    *,
    baseline_rate: float,
    per: float = 1000,
    tau2: float = 0.0,
) -> pd.DataFrame:
    """Where each area's rate falls on the funnel plot.

    An area is "above 99.8%" when its rate is above the upper 99.8% limit at its
    population, else "above 95%" when above the upper 95% limit, "below 99.8%" / "below
    95%" likewise under the lower limits, and "within" otherwise (a rate equal to a limit
    is within). Limits as :func:`funnel_limits` (Poisson when ``tau2`` is 0).

    Returns columns rate (per ``per``), lower_95, upper_95, lower_998, upper_998,
    funnel_band (one of :data:`FUNNEL_BANDS`; missing without a population) and
    funnel_method.
    """
    x = np.atleast_1d(np.asarray(count, dtype=float))
    pop = np.atleast_1d(np.asarray(population, dtype=float))
    limits = funnel_limits(pop, baseline_rate=baseline_rate, per=per, tau2=tau2)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(pop > 0, x / pop * per, np.nan)
    band = np.select(
        [
            rate > limits["upper_998"],
            rate > limits["upper_95"],
            rate < limits["lower_998"],
            rate < limits["lower_95"],
            np.isnan(rate),
        ],
        ["above 99.8%", "above 95%", "below 99.8%", "below 95%", ""],
        default="within",
    )
    return pd.DataFrame(
        {
            "rate": rate,
            "lower_95": limits["lower_95"],
            "upper_95": limits["upper_95"],
            "lower_998": limits["lower_998"],
            "upper_998": limits["upper_998"],
            "funnel_band": pd.Series(band, dtype="string").replace("", pd.NA),
            "funnel_method": limits["method"],
        }
    )


def compare_peers(
    table: pd.DataFrame,
    *,
    area: str,
    per: float = 1000,
    level: float = 0.95,
    adjust: bool | None = None,
    trim: float = 0.1,
) -> pd.DataFrame:
    """An area against its peers: rates, rank, rate ratio and funnel band (``peers.csv``).

    ``table`` has one row per area compared, the area itself included: area_code,
    area_name, count, population. For each row: its rate per ``per`` with exact (Byars)
    limits (:func:`csp_analysis.stats.rate_ci`), its rank by rate, and its rate against
    the pooled rate of *all the other rows* (sum of their counts over sum of their
    populations; the row itself is left out so that the two counts are independent, as
    the exact conditional interval of :func:`rate_ratio` needs). The funnel is centred on
    the pooled rate of all rows; its limits are adjusted for overdispersion
    (:func:`overdispersion`, square-root scale, 10% winsorised) when ``adjust`` is true,
    or, by default (``adjust=None``), when the areas are overdispersed; else Poisson.

    Parameters
    ----------
    table : pandas.DataFrame
        area_code, area_name, count, population; one row per area.
    area : str
        The area of the report, by code or name (case-insensitive).
    per : float, optional
        Rates per this many residents (default 1,000).
    level : float, optional
        Confidence level of the rate and ratio intervals (default 0.95).
    adjust : bool or None, optional
        Force the overdispersion adjustment on (True) or off (False).
    trim : float, optional
        Winsorising fraction at each end for the overdispersion estimate.

    Returns
    -------
    pandas.DataFrame
        One row per area, in the order of ``table``: area_code, area_name, count (int),
        population, rate_per_1000 (per ``per``), rate_lower, rate_upper, rank (Int64, 1 =
        highest rate, ties share the best rank; missing without a population),
        ratio_to_peers, ratio_lower, ratio_upper (against the other rows pooled),
        funnel_band (:data:`FUNNEL_BANDS`); then is_area (bool, the report's area),
        funnel_baseline (the pooled rate of all rows, per ``per``), funnel_tau2 (0 for
        Poisson limits), funnel_phi (NaN with fewer than three areas), funnel_p_value (of
        the overdispersion test) and funnel_method (:data:`POISSON` or :data:`ADJUSTED`,
        the same in every row: the page says which).

    Raises
    ------
    ValueError
        When a column is missing, an area code repeats, a count is negative or not whole,
        or ``area`` is not in the table.
    """
    missing = [c for c in ("area_code", "area_name", "count", "population") if c not in table]
    if missing:
        raise ValueError(f"the peers table needs column {missing[0]}")
    data = table.reset_index(drop=True)
    if data["area_code"].duplicated().any():
        raise ValueError(
            f"area {data['area_code'][data['area_code'].duplicated()].iloc[0]} "
            "appears twice in the peers table"
        )
    count = data["count"].to_numpy(dtype=float)
    pop = data["population"].to_numpy(dtype=float)
    if np.any(count < 0) or np.any(count % 1 != 0):
        raise ValueError("peer counts must be whole numbers, not negative")
    key = str(area).strip().casefold()
    is_area = (data["area_code"].astype(str).str.casefold() == key) | (
        data["area_name"].astype(str).str.casefold() == key
    )
    if not is_area.any():
        raise ValueError(f"'{area}' is not in the peers table")

    rates = rate_ci(count, pop, per=per, level=level)
    has_pop = pop > 0
    others_count = np.nansum(np.where(has_pop, count, 0)) - np.where(has_pop, count, 0)
    others_pop = np.nansum(np.where(has_pop, pop, 0)) - np.where(has_pop, pop, 0)
    ratios = rate_ratio(count, pop, others_count, others_pop, level=level)

    baseline = count[has_pop].sum() / pop[has_pop].sum() * per if has_pop.any() else np.nan
    od = overdispersion(count[has_pop], pop[has_pop] * baseline / per, trim=trim)
    use_adjusted = od.overdispersed if adjust is None else bool(adjust)
    tau2 = od.tau2 if use_adjusted else 0.0
    bands = funnel_band(count, pop, baseline_rate=baseline, per=per, tau2=tau2)
    rank = pd.Series(rates["rate"]).rank(ascending=False, method="min").astype("Int64")
    return pd.DataFrame(
        {
            "area_code": data["area_code"],
            "area_name": data["area_name"],
            "count": count.astype(int),
            "population": data["population"],
            "rate_per_1000": rates["rate"],
            "rate_lower": rates["rate_lower"],
            "rate_upper": rates["rate_upper"],
            "rank": rank,
            "ratio_to_peers": ratios["ratio"],
            "ratio_lower": ratios["ratio_lower"],
            "ratio_upper": ratios["ratio_upper"],
            "funnel_band": bands["funnel_band"],
            "is_area": is_area.to_numpy(),
            "funnel_baseline": baseline,
            "funnel_tau2": tau2,
            "funnel_phi": od.phi,
            "funnel_p_value": od.p_value,
            "funnel_method": bands["funnel_method"],
        }
    )
