"""Harm: crimes weighted by the ONS Crime Severity Score, with honest uncertainty.

Each crime is weighted by the ONS Crime Severity Score weight of its Home Office offence
code (the average sentence, in prison-day equivalents, for that offence). Harm is the sum
of the weights. data.police.uk records carry a crime type and no code: they get a weight
per crime type, the mean of its codes' weights over an offence-code mix, labelled as an
approximation. A record with no weight is never weighted 0: it is counted and reported.

Harm is a weighted sum of Poisson counts (compound Poisson, variance = sum of weight squared
times count). Its confidence interval is the Dobson et al. (1991) method that PHE uses for
directly standardised rates (PHEindicatormethods ``phe_dsr``, PHStatsMethods ``ph_dsr``),
and a unit's harm rank gets a rank interval by simulation.

The bundled reference files (``csp_analysis/reference/``, see ``PROVENANCE.md`` there):
``ons_crime_severity_weights.csv`` (ONS weights, the 2020 vintage),
``offence_mix_england_wales_2017_18.csv`` (police recorded crime in England and Wales by
offence code, 2017/18, the default mix) and ``police_uk_crime_type_weights.csv`` (the crime
type weights derived from those two, for reading).

Every function is pure: frame in, frame out, no I/O except the readers of reference files,
no printing and no global random state.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.classify import POLICE_UK_CRIME_TYPES, normalise_offence_code
from csp_analysis.periods import Period
from csp_analysis.read import InputError, read_table
from csp_analysis.stats import rate_ci

__all__ = [
    "DEFAULT_MIX_SOURCE",
    "STABLE_RANK_SHARE",
    "crime_type_weights",
    "harm_index",
    "high_harm_localities",
    "load_offence_mix",
    "load_weights",
    "rank_intervals",
    "unweighted_note",
    "unweighted_records",
    "weigh_records",
]

WEIGHTS_FILE = "ons_crime_severity_weights.csv"
MIX_FILE = "offence_mix_england_wales_2017_18.csv"
CRIME_TYPE_WEIGHTS_FILE = "police_uk_crime_type_weights.csv"

#: Where the default offence-code mix comes from (used in the crime type weights' label).
DEFAULT_MIX_SOURCE = (
    "police recorded crime in England and Wales (43 forces), 2017/18, Home Office open data tables"
)
#: A rank is called stable when its interval spans at most this share of the ranked units
#: (and never less than one place): 10% of 75 wards is 7.5, so up to 7 places.
STABLE_RANK_SHARE = 0.10
#: Default seed of :func:`rank_intervals` (any fixed value: the result must not depend on
#: global random state).
RANK_SEED = 20240401

_PER = 1000
_WEIGHTED_BY = ("offence_code", "crime_type", "none")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


# --------------------------------------------------------------------------- reading


def _reference(name: str) -> Path:
    return Path(str(resources.files("csp_analysis").joinpath("reference", name)))


def load_weights(path: str | Path | None = None) -> pd.DataFrame:
    """Read a severity weights file: the bundled ONS weights, or a deployment's own file.

    The file has columns ``offence_code`` and ``weight`` (names matched case-insensitively);
    other columns (``offence``, ``police_uk_category`` ...) are kept. Codes are compared
    after :func:`csp_analysis.classify.normalise_offence_code` (``4.10`` and ``4/10`` are
    the same code), and a combined code such as ``1/4.1/4.10/4.2`` gives each of its codes
    the row's weight.

    Parameters
    ----------
    path : str or Path, optional
        A weights CSV; default the bundled ONS Crime Severity Score weights (``reference/
        ons_crime_severity_weights.csv``: the weights in force in 2020, 133 codes; see
        ``reference/PROVENANCE.md``).

    Returns
    -------
    pandas.DataFrame
        One row per normalised code: ``offence_code`` (normalised), ``weight`` (float),
        ``code_as_given`` (the code as written in the file), then the file's other
        columns. ``attrs["source"]`` is the file's path.

    Raises
    ------
    InputError
        Naming file, line and column, when a column is missing, a code is blank, a weight
        is blank, not a number or negative, or two rows give the same code (after
        normalising).

    Examples
    --------
    >>> weights = load_weights()
    >>> float(weights.loc[weights["offence_code"] == "37/2", "weight"].item())
    53.45
    """
    if path is None:
        return _bundled_weights().copy()
    return _read_weights(Path(path))


@functools.cache
def _bundled_weights() -> pd.DataFrame:
    """The bundled weights, read once (callers get a copy)."""
    return _read_weights(_reference(WEIGHTS_FILE))


def _read_weights(path: Path) -> pd.DataFrame:
    table = read_table(path)
    for column in ("offence_code", "weight"):
        if column not in table.columns:
            raise InputError(
                path,
                line=1,
                column=column,
                message="is missing (a weights file has columns offence_code and weight)",
            )
    rows = []
    seen: dict[str, tuple[int, str]] = {}
    for record in table.to_dict("records"):
        line, given, text = record["line"], record["offence_code"].strip(), record["weight"]
        if not given:
            raise InputError(path, line=line, column="offence_code", message="is blank")
        weight = _weight(path, line, text)
        codes = normalise_offence_code(pd.Series([given])).iloc[0].split(",")
        for code in codes:
            if code in seen:
                first_line, first_given = seen[code]
                raise InputError(
                    path,
                    line=line,
                    column="offence_code",
                    message=f"'{given}' is the same code as '{first_given}' on line "
                    f"{first_line} (codes are compared as {code}): give each code once",
                )
            seen[code] = (line, given)
            rows.append({**record, "offence_code": code, "weight": weight, "code_as_given": given})
    others = [c for c in table.columns if c not in ("line", "offence_code", "weight")]
    out = pd.DataFrame(rows, columns=["offence_code", "weight", "code_as_given", *others])
    out["weight"] = out["weight"].astype(float)
    out.attrs["source"] = str(path)
    return out


def _weight(path: Path, line: int, text: str) -> float:
    value = text.strip().replace(",", "")
    if not value:
        raise InputError(path, line=line, column="weight", message="is blank (expected a number)")
    if not _NUMBER.match(value):
        raise InputError(
            path, line=line, column="weight", message=f"= '{text.strip()}' is not a number"
        )
    weight = float(value)
    if not math.isfinite(weight):
        raise InputError(
            path, line=line, column="weight", message=f"= '{text.strip()}' is not a finite number"
        )
    if weight < 0:
        raise InputError(
            path,
            line=line,
            column="weight",
            message=f"= '{text.strip()}' is negative (a severity weight is 0 or more)",
        )
    return weight


def load_offence_mix() -> pd.DataFrame:
    """The default offence-code mix: recorded crime in England and Wales by code, 2017/18.

    The Home Office police recorded crime open data table by police force area
    (``prc-pfa-mar2013-onwards-tables``, 2017/18 sheet), summed over the four quarters and
    the 43 territorial forces (Action Fraud, CIFAS, UK Finance and British Transport
    Police left out); see ``reference/PROVENANCE.md``.

    Returns
    -------
    pandas.DataFrame
        Columns ``offence_code`` (as published, e.g. ``37.2``, ``1/4.1/4.10/4.2``),
        ``offence``, ``offence_group``, ``offence_subgroup``, ``count`` (int). 128 codes,
        4,821,452 crimes. ``attrs["source"]`` describes the source.
    """
    return _bundled_mix().copy()


@functools.cache
def _bundled_mix() -> pd.DataFrame:
    """The bundled offence-code mix, read once (callers get a copy)."""
    path = _reference(MIX_FILE)
    with path.open(encoding="utf-8") as handle:
        mix = pd.read_csv(handle, dtype={"offence_code": str}, keep_default_na=False)
    mix.attrs["source"] = DEFAULT_MIX_SOURCE
    return mix


# --------------------------------------------------------------------------- weights


def _lookup(weights: pd.DataFrame) -> dict[str, float]:
    if not {"offence_code", "weight"} <= set(weights.columns):
        raise ValueError("weights needs columns offence_code and weight (see load_weights)")
    codes = normalise_offence_code(weights["offence_code"])
    return dict(zip(codes, weights["weight"].astype(float), strict=True))


def _code_weights(codes: pd.Series, lookup: dict[str, float]) -> pd.Series:
    """Weight of each normalised code; a combined code when all its codes weigh the same."""

    def one(code: str) -> float:
        if code in lookup:
            return lookup[code]
        parts = {lookup.get(part, np.nan) for part in code.split(",")} if "," in code else set()
        if len(parts) == 1 and not np.isnan(value := parts.pop()):
            return value
        return np.nan

    distinct = codes.dropna().unique()
    return codes.map(dict(zip(distinct, map(one, distinct), strict=True))).astype(float)


def _type_key(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    return re.sub(r"\s+", " ", name.replace("&", " and ")).strip().lower() or None


_TYPE_NAMES = {_type_key(t): t for t in POLICE_UK_CRIME_TYPES}


def _canonical_type(name: object) -> str | None:
    """A police.uk crime type in its published spelling, matched case-insensitively."""
    return _TYPE_NAMES.get(_type_key(name))


def crime_type_weights(weights: pd.DataFrame, *, mix: pd.DataFrame | None = None) -> pd.DataFrame:
    """A severity weight per data.police.uk crime type, from an offence-code mix.

    A crime type's weight is the mean of its offence codes' weights, each weighted by the
    code's count in ``mix``: the expected weight of a crime of that type if the area's
    crimes of that type had the mix's offence codes. It is an approximation (an area's own
    mix differs), and the ``method`` column says so. The codes of a crime type are those
    whose ``police_uk_category`` (in ``weights``, or else in the bundled ONS weights file
    for the same code) names the type, matched case-insensitively. A crime type none of
    whose codes appears in the mix gets the median of its codes' weights, labelled as such.
    Anti-social behaviour is not a crime and gets no weight.

    Parameters
    ----------
    weights : pandas.DataFrame
        Severity weights, as from :func:`load_weights`.
    mix : pandas.DataFrame, optional
        Columns ``offence_code`` and ``count``: a deployment's own crimes counted by code,
        or the Home Office CSP tables for the area. Default :func:`load_offence_mix`
        (England and Wales, 2017/18). ``mix.attrs["source"]``, when set, names the mix in
        ``method``.

    Returns
    -------
    pandas.DataFrame
        One row per data.police.uk crime type that is a crime (13 types, in the order of
        :data:`csp_analysis.classify.POLICE_UK_CRIME_TYPES`), columns ``crime_type``,
        ``weight`` (float; NaN when the type has no weighted code), ``weight_sq`` (float: the
        mean squared weight over the same mix, which the harm intervals need because a
        crime of the type may be of any of its codes; with the median fallback, the plain
        mean of the squared weights), ``codes`` (int: how many weighted codes the type
        has), ``mix_count`` (int: the mix's crimes with those codes) and ``method`` (text:
        how the weight was derived, starting "approximate").

    Examples
    --------
    >>> table = crime_type_weights(load_weights())
    >>> round(float(table.set_index("crime_type").loc["Shoplifting", "weight"]), 4)
    11.8555
    """
    lookup = _lookup(weights)
    if mix is None:
        mix = load_offence_mix()
    if not {"offence_code", "count"} <= set(mix.columns):
        raise ValueError("mix needs columns offence_code and count")
    source = mix.attrs.get("source", "the offence-code mix given")
    codes = pd.DataFrame({"offence_code": list(lookup), "weight": list(lookup.values())}).assign(
        crime_type=_code_types(weights).map(_canonical_type).to_numpy()
    )
    mix_codes = normalise_offence_code(mix["offence_code"])
    counts = pd.to_numeric(mix["count"], errors="coerce").fillna(0)
    # A combined mix code (homicide 1/4.1/4.10/4.2) counts under its first code when all its
    # codes weigh the same (as in the ONS list); otherwise it is left out.
    resolved = mix_codes.where(
        ~mix_codes.fillna("").str.contains(","),
        mix_codes.str.split(",").str[0].where(_code_weights(mix_codes, lookup).notna()),
    )
    per_code = counts.groupby(resolved).sum()
    codes["count"] = codes["offence_code"].map(per_code).fillna(0)
    rows = []
    for crime_type in POLICE_UK_CRIME_TYPES:
        if crime_type == "Anti-social behaviour":
            continue
        own = codes[codes["crime_type"] == crime_type]
        total = own["count"].sum()
        squares = own["weight"] ** 2
        if own.empty:
            weight, square = np.nan, np.nan
            method = "no weight: no offence code of this crime type has a weight"
        elif len(own) == 1:
            weight, square = float(own["weight"].iloc[0]), float(squares.iloc[0])
            method = (
                f"approximate: the weight of its one weighted offence code "
                f"({own['offence_code'].iloc[0]})"
            )
        elif total > 0:
            weight = float((own["weight"] * own["count"]).sum() / total)
            square = float((squares * own["count"]).sum() / total)
            method = (
                f"approximate: mean of the weights of its {len(own)} offence codes, each "
                f"weighted by its share of {source}"
            )
        else:
            weight, square = float(own["weight"].median()), float(squares.mean())
            method = (
                f"approximate: median of the weights of {len(own)} offence codes "
                "(no offence-code mix was available for this crime type)"
            )
        rows.append((crime_type, weight, square, len(own), int(total), method))
    return pd.DataFrame(
        rows, columns=["crime_type", "weight", "weight_sq", "codes", "mix_count", "method"]
    )


#: :func:`crime_type_weights` with the default mix, by the weights' content (few entries).
_TYPE_WEIGHTS: dict[bytes, pd.DataFrame] = {}


def _default_type_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """``crime_type_weights(weights)``, computed once for the same weights."""
    key = pd.util.hash_pandas_object(weights, index=False).to_numpy().tobytes()
    key += repr(list(weights.columns)).encode()
    if key not in _TYPE_WEIGHTS:
        if len(_TYPE_WEIGHTS) > 8:
            _TYPE_WEIGHTS.clear()
        _TYPE_WEIGHTS[key] = crime_type_weights(weights)
    return _TYPE_WEIGHTS[key]


def _code_types(weights: pd.DataFrame) -> pd.Series:
    """The police.uk category of each weights row (from the bundled file when absent)."""
    if "police_uk_category" in weights.columns:
        given = weights["police_uk_category"].replace("", np.nan)
    else:
        given = pd.Series(np.nan, index=weights.index, dtype=object)
    if given.isna().any():
        bundled = load_weights()
        by_code = dict(zip(bundled["offence_code"], bundled["police_uk_category"], strict=True))
        codes = normalise_offence_code(weights["offence_code"])
        given = given.fillna(codes.map(by_code))
    return given.reset_index(drop=True)


def weigh_records(
    crimes: pd.DataFrame, weights: pd.DataFrame, *, type_weights: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Give each crime record its severity weight.

    A record with an ``offence_code`` in ``weights`` (compared after normalising) gets
    that code's weight. Otherwise a record with a ``crime_type`` (data.police.uk) gets its
    crime type's weight from ``type_weights`` (an approximation). Any other record keeps
    weight NaN, never 0: see :func:`unweighted_records` and :func:`unweighted_note`.

    Parameters
    ----------
    crimes : pandas.DataFrame
        Crime records with ``offence_code`` (crimes.csv; may be missing) and/or
        ``crime_type`` (data.police.uk). Not modified.
    weights : pandas.DataFrame
        Severity weights, as from :func:`load_weights`.
    type_weights : pandas.DataFrame, optional
        Columns ``crime_type``, ``weight`` and optionally ``weight_sq`` (else taken as
        weight squared); default ``crime_type_weights(weights)`` (computed only when some
        record needs it).

    Returns
    -------
    pandas.DataFrame
        A copy of ``crimes`` (same index and order) with added columns ``harm_weight``
        (float, NaN when no weight), ``harm_weight_sq`` (float: the expected squared
        weight, which sets the harm interval: the weight squared for an offence code, the
        crime type's ``weight_sq`` for a crime type; NaN when no weight) and
        ``weighted_by`` ("offence_code", "crime_type": the approximate crime type weight,
        or "none").

    Examples
    --------
    >>> crimes = pd.DataFrame({"offence_code": ["08N", "8U", None]})
    >>> out = weigh_records(crimes, load_weights())
    >>> out["harm_weight"].round(2).tolist(), out["weighted_by"].tolist()
    ([189.15, nan, nan], ['offence_code', 'none', 'none'])
    """
    out = crimes.copy(deep=False)  # copy on write: the caller's frame is not changed
    weight = np.full(len(out), np.nan)
    by = np.full(len(out), "none", dtype=object)
    if "offence_code" in out.columns:
        weight = _code_weights(
            normalise_offence_code(out["offence_code"]), _lookup(weights)
        ).to_numpy(dtype=float, copy=True)
        by[~np.isnan(weight)] = "offence_code"
    square = weight**2
    if "crime_type" in out.columns:
        needs = np.isnan(weight) & out["crime_type"].notna().to_numpy()
        if needs.any():
            if type_weights is None:
                type_weights = _default_type_weights(weights)
            keys = type_weights["crime_type"].map(_type_key)
            means = type_weights["weight"].astype(float)
            squares = type_weights.get("weight_sq", means**2).astype(float)
            mean_of = dict(zip(keys, means, strict=True))
            square_of = dict(zip(keys, squares, strict=True))
            codes, types = pd.factorize(out["crime_type"])  # each crime type looked up once
            kinds = [_type_key(t) for t in types]
            type_mean = np.array([*(mean_of.get(k, np.nan) for k in kinds), np.nan])[codes]
            type_square = np.array([*(square_of.get(k, np.nan) for k in kinds), np.nan])[codes]
            weight[needs] = type_mean[needs]
            square[needs] = type_square[needs]
            by[needs & ~np.isnan(type_mean)] = "crime_type"
    out["harm_weight"] = weight
    out["harm_weight_sq"] = np.where(np.isnan(weight), np.nan, square)
    out["weighted_by"] = pd.Series(by, index=out.index, dtype=object)
    return out


def unweighted_records(records: pd.DataFrame) -> pd.DataFrame:
    """The records that have no severity weight, counted by offence code (or crime type).

    Parameters
    ----------
    records : pandas.DataFrame
        Records from :func:`weigh_records`.

    Returns
    -------
    pandas.DataFrame
        One row per code (or crime type, for records without a code column), most records
        first, columns ``offence_code`` (normalised; "(blank)" for records without a code),
        ``offence`` (the first description seen, when records have ``offence``) and
        ``records`` (int). Empty when every record has a weight.
    """
    missing = records.loc[records["harm_weight"].isna()]
    if "offence_code" in records.columns:
        key = normalise_offence_code(missing["offence_code"]).fillna("(blank)")
    elif "crime_type" in records.columns:
        key = missing["crime_type"].astype(object).fillna("(blank)")
    else:
        key = pd.Series("(blank)", index=missing.index, dtype=object)
    table = pd.DataFrame({"offence_code": key.to_numpy()})
    table["offence"] = missing["offence"].to_numpy() if "offence" in missing.columns else None
    out = (
        table.groupby("offence_code", sort=False)
        .agg(offence=("offence", "first"), records=("offence", "size"))
        .reset_index()
        .sort_values(["records", "offence_code"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    out["records"] = out["records"].astype(int)
    return out


def unweighted_note(records: pd.DataFrame, *, most: int = 5) -> str:
    """One sentence for the data-quality table about records without a severity weight.

    Returns "" when every record has a weight, else for example "99 records have no
    severity weight (codes 8U); they count in volumes but not in harm." listing at most
    ``most`` codes (the commonest) and "and N more".

    >>> note = unweighted_note(weigh_records(pd.DataFrame({"offence_code": ["8U", "8N"]}),
    ...                        load_weights()))
    >>> note
    '1 record has no severity weight (code 8U); it counts in volumes but not in harm.'
    """
    table = unweighted_records(records)
    if table.empty:
        return ""
    total = int(table["records"].sum())
    codes = table["offence_code"].tolist()
    shown = ", ".join(codes[:most]) + (
        f" and {len(codes) - most} more" if len(codes) > most else ""
    )
    kind = "code" if "offence_code" in records.columns else "crime type"
    kind += "s" if len(codes) > 1 else ""
    if total == 1:
        return (
            f"1 record has no severity weight ({kind} {shown}); it counts in volumes "
            "but not in harm."
        )
    return (
        f"{total:,} records have no severity weight ({kind} {shown}); they count in volumes "
        "but not in harm."
    )


# --------------------------------------------------------------------------- harm


def _check_records(records: pd.DataFrame, by: str | None) -> None:
    if "harm_weight" not in records.columns:
        raise ValueError("records have no harm_weight column: pass them through weigh_records")
    if by is not None and by not in records.columns:
        raise ValueError(f"records have no column {by!r}")


def _unit_index(records: pd.DataFrame, by: str | None, units: Iterable | None) -> pd.Index:
    if by is None:
        return pd.Index(["all"])
    if units is None:
        return pd.Index(sorted(records[by].dropna().unique()), name=by)
    index = pd.Index(list(units), name=by)
    if index.has_duplicates:
        raise ValueError(f"units lists a value twice: {index[index.duplicated()][0]!r}")
    return index


def _keys(records: pd.DataFrame, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series("all", index=records.index, dtype=object)
    return records[by]


def _weight_counts(records: pd.DataFrame, by: str | None, index: pd.Index) -> pd.DataFrame:
    """(unit, weight, weight_sq, count) for each distinct weight of a unit's weighted records.

    ``weight_sq`` is the expected squared weight: weight squared for an offence code, more
    for a crime type weight (a mean over codes); without ``harm_weight_sq``, weight squared.
    """
    keys = _keys(records, by)
    keep = keys.isin(index) & records["harm_weight"].notna()
    weight = records.loc[keep, "harm_weight"].astype(float)
    square = records.loc[keep, "harm_weight_sq"] if "harm_weight_sq" in records else weight**2
    pairs = (
        pd.DataFrame(
            {
                "unit": keys[keep].to_numpy(),
                "weight": weight.to_numpy(),
                "weight_sq": square.astype(float).fillna(weight**2).to_numpy(),
            }
        )
        .groupby(["unit", "weight", "weight_sq"], sort=False)
        .size()
        .rename("count")
        .reset_index()
    )
    pairs["position"] = index.get_indexer(pairs["unit"])
    return pairs.sort_values(["position", "weight"], kind="stable").reset_index(drop=True)


def _populations(
    population: pd.DataFrame | float | None, by: str | None, index: pd.Index
) -> np.ndarray | None:
    if population is None:
        return None
    if by is None:
        if isinstance(population, pd.DataFrame):
            return np.array([float(pd.to_numeric(population["population"]).sum())])
        return np.array([float(population)])
    if not isinstance(population, pd.DataFrame) or not {by, "population"} <= set(
        population.columns
    ):
        raise ValueError(f"population needs columns {by} and population")
    table = population.groupby(by)["population"].sum()
    values = pd.to_numeric(table.reindex(index), errors="coerce").to_numpy(dtype=float)
    return np.where(values > 0, values, np.nan)


def harm_index(
    records: pd.DataFrame,
    *,
    by: str | None = "ward_code",
    units: Iterable | None = None,
    population: pd.DataFrame | float | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Harm per unit (ward, town, area) with a confidence interval.

    Harm is the sum of the records' severity weights; records without a weight count in
    ``count`` but not in harm. The interval treats harm as a weighted sum of Poisson counts
    (compound Poisson, variance = sum of weight squared times count; for records weighted
    by crime type, the type's mean squared weight over its codes, ``harm_weight_sq``,
    because such a crime may be of any of the type's codes) by the method of
    Dobson et al. (1991), as PHE's directly standardised rates (PHEindicatormethods
    ``phe_dsr``, PHStatsMethods ``ph_dsr``): the Poisson limits L, U of the number of
    weighted records n (Byar's approximation from 10, exact chi-square limits below 10)
    give harm + sqrt(variance / n) x (L - n) and harm + sqrt(variance / n) x (U - n). PHE
    leaves rates of fewer than 10 events out; here they keep the exact-limit interval
    (Dobson et al.'s own choice), which is wide. A lower limit below 0 (possible when one
    weight dwarfs the rest) is shown as 0. A unit with no weighted record has harm 0,
    lower limit 0 and upper limit NaN (the method needs at least one event).

    Parameters
    ----------
    records : pandas.DataFrame
        Records from :func:`weigh_records` (column ``harm_weight``) with the ``by`` column.
    by : str or None, optional
        The unit column (default ``ward_code``; e.g. ``town``). None: one row for all the
        records (the whole area; for the ``harm`` row of the headline table).
    units : iterable, optional
        Every unit to report, in order; units without records get zeros. Default: the
        units in ``records``. Records whose unit is missing or not listed are left out.
    population : pandas.DataFrame or float, optional
        Columns ``by`` and ``population`` (summed per unit); with ``by=None`` a number (or
        a frame, whose population is summed). Gives ``harm_per_1000`` and puts the
        interval on that scale. A missing or zero population gives NaN rates.
    level : float, optional
        Confidence level (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``by`` (absent when ``by`` is None), ``count`` (int: records),
        ``weighted`` (int: records with a weight), ``harm`` (float: sum of weights),
        ``mean_severity`` (harm / weighted; NaN when nothing is weighted), with population
        also ``population`` and ``harm_per_1000`` (harm per 1,000 residents), then
        ``harm_lower`` and ``harm_upper`` (the interval of ``harm_per_1000`` when a
        population is given, else of ``harm``).

    Examples
    --------
    >>> records = pd.DataFrame({"ward_code": ["A", "A", "B"], "harm_weight": [10.0, 2.0, None]})
    >>> table = harm_index(records, units=["A", "B", "C"])
    >>> table[["ward_code", "count", "harm"]].to_numpy().tolist()
    [['A', 2, 12.0], ['B', 1, 0.0], ['C', 0, 0.0]]
    """
    _check_records(records, by)
    index = _unit_index(records, by, units)
    pairs = _weight_counts(records, by, index)
    position = pairs["position"].to_numpy()
    size = len(index)
    weighted = np.bincount(position, weights=pairs["count"], minlength=size)
    harm = np.bincount(position, weights=pairs["weight"] * pairs["count"], minlength=size)
    variance = np.bincount(position, weights=pairs["weight_sq"] * pairs["count"], minlength=size)
    keys = _keys(records, by)
    count = keys[keys.isin(index)].value_counts().reindex(index, fill_value=0).to_numpy()
    lower, upper = _dobson(harm, weighted, variance, level=level)
    out = pd.DataFrame(
        {
            "count": count.astype(int),
            "weighted": weighted.astype(int),
            "harm": harm,
            "mean_severity": np.divide(
                harm, weighted, out=np.full(size, np.nan), where=weighted > 0
            ),
        }
    )
    pops = _populations(population, by, index)
    if pops is not None:
        scale = _PER / pops
        out["population"] = pops
        out["harm_per_1000"] = harm * scale
        lower, upper = lower * scale, upper * scale
    out["harm_lower"], out["harm_upper"] = lower, upper
    if by is not None:
        out.insert(0, by, index.to_numpy())
    return out


def _dobson(
    total: np.ndarray, count: np.ndarray, variance: np.ndarray, *, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Dobson et al. (1991) limits of a weighted sum of Poisson counts."""
    limits = rate_ci(count, 1.0, per=1.0, level=level)
    low, high = limits["rate_lower"].to_numpy(), limits["rate_upper"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(variance / count)
        lower = np.where(count > 0, np.maximum(total + spread * (low - count), 0.0), 0.0)
        upper = np.where(count > 0, total + spread * (high - count), np.nan)
    return lower, upper


# --------------------------------------------------------------------------- ranks


def _rank_desc(values: np.ndarray) -> np.ndarray:
    """Ranks along the last axis: 1 = largest, ties share the smallest rank ("min")."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        return _rank_desc(values[np.newaxis, :])[0]
    ordered = np.sort(values, axis=1)
    out = np.empty(values.shape, dtype=np.int64)
    for row in range(values.shape[0]):
        # 1 + how many values are strictly larger.
        out[row] = 1 + values.shape[1] - np.searchsorted(ordered[row], values[row], side="right")
    return out


def rank_intervals(
    records: pd.DataFrame,
    *,
    by: str = "ward_code",
    units: Iterable | None = None,
    population: pd.DataFrame | None = None,
    draws: int = 2000,
    level: float = 0.95,
    seed: int = RANK_SEED,
) -> pd.DataFrame:
    """Each unit's harm rank, with the interval a board should read it with.

    Rank 1 is the most harm (by harm, or by harm per 1,000 residents when ``population``
    is given); ties share the smallest rank. Each draw simulates every unit's harm as
    compound Poisson (the count of each distinct weight of the unit drawn from a Poisson
    distribution with the observed count as its mean; records weighted by crime type as a
    scaled Poisson with the same mean and variance as their mix of codes, see
    ``harm_weight_sq`` in :func:`weigh_records`) and ranks the units; the interval is
    the ``(1 - level) / 2`` and ``(1 + level) / 2`` points of the unit's simulated ranks
    (of the empirical distribution: ranks that occurred). Units whose population is missing
    or zero are not ranked (NaN) when ranking by rate.

    Parameters
    ----------
    records : pandas.DataFrame
        Records from :func:`weigh_records` with the ``by`` column.
    by : str, optional
        The unit column (default ``ward_code``).
    units : iterable, optional
        Every unit to rank (units without records have harm 0); default the units in
        ``records``.
    population : pandas.DataFrame, optional
        Columns ``by`` and ``population``: rank by harm per 1,000 residents.
    draws : int, optional
        Number of simulations (default 2000).
    level : float, optional
        Coverage of the rank interval (default 0.95: the 2.5% and 97.5% points).
    seed : int, optional
        Seed of the numpy random Generator: the same seed gives the same intervals.

    Returns
    -------
    pandas.DataFrame
        One row per unit, in the order of ``units``: ``by``, ``rank`` (Int64, of the
        observed values), ``rank_lower`` and ``rank_upper`` (Int64, the interval),
        ``rank_is_stable`` (bool: the interval spans at most ``STABLE_RANK_SHARE`` (10%) of
        the ranked units, and at least one place: the ranking would rarely change much).
    """
    _check_records(records, by)
    if draws < 1:
        raise ValueError("draws must be at least 1")
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    index = _unit_index(records, by, units)
    pairs = _weight_counts(records, by, index)
    pops = _populations(population, by, index)
    scale = np.ones(len(index)) if pops is None else _PER / pops
    ranked = np.isfinite(scale)
    position = pairs["position"].to_numpy()
    observed = (
        np.bincount(position, weights=pairs["weight"] * pairs["count"], minlength=len(index))
        * scale
    )
    rng = np.random.default_rng(seed)
    simulated = np.zeros((draws, len(index)))
    if len(pairs):
        # A pair of mean weight w and mean squared weight s (s = w^2 for an offence code) is
        # simulated as (s / w) x Poisson(count x w^2 / s): the compound Poisson's mean and
        # variance (count x w, count x s), exact for an offence code.
        weight, square = pairs["weight"].to_numpy(), pairs["weight_sq"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(weight > 0, square / weight, 0.0)
            mean = np.where(square > 0, pairs["count"].to_numpy() * weight**2 / square, 0.0)
        sums = rng.poisson(mean, size=(draws, len(pairs))) * step
        starts = np.flatnonzero(np.r_[True, position[1:] != position[:-1]])
        simulated[:, position[starts]] = np.add.reduceat(sums, starts, axis=1)
    simulated *= scale
    rank = np.full(len(index), np.nan)
    lower = np.full(len(index), np.nan)
    upper = np.full(len(index), np.nan)
    if ranked.any():
        rank[ranked] = _rank_desc(observed[ranked])
        ranks = _rank_desc(simulated[:, ranked])
        tail = (1 - level) / 2
        lower[ranked] = np.quantile(ranks, tail, axis=0, method="inverted_cdf")
        upper[ranked] = np.quantile(ranks, 1 - tail, axis=0, method="inverted_cdf")
    allowed = max(1.0, STABLE_RANK_SHARE * ranked.sum())
    return pd.DataFrame(
        {
            by: index.to_numpy(),
            "rank": pd.array(rank, dtype="Int64"),
            "rank_lower": pd.array(lower, dtype="Int64"),
            "rank_upper": pd.array(upper, dtype="Int64"),
            "rank_is_stable": ranked & (upper - lower <= allowed),
        }
    )


# --------------------------------------------------------------------------- localities


def _financial_years(last: str, years: int) -> list[Period]:
    period = Period.parse(last)
    if period.month_count != 12:
        raise ValueError(
            f"year {last!r} is not a year (a financial year such as 2024-25, or 12 months "
            "such as 2025-01:2025-12)"
        )
    out = [period]
    while len(out) < years:
        out.insert(0, out[0].previous())
    return out


def high_harm_localities(
    records: pd.DataFrame,
    *,
    year: str,
    by: str = "ward_code",
    years: int = 3,
    top: int = 10,
    units: Iterable | None = None,
    deprivation: pd.DataFrame | None = None,
    covered: pd.PeriodIndex | None = None,
) -> pd.DataFrame:
    """Rank localities (wards or towns) by harm pooled over up to three years.

    Harm is pooled over the years ending with ``year`` (financial years, April to March,
    or any 12 months such as ``2025-01:2025-12`` and the 12 months before) that
    have records; persistence is in how many of those years the unit was in the ``top``
    units by that year's harm (ties at the cut-off count as in). With ``deprivation``,
    localities are ordered by the mean of two ranks, the harm rank and the deprivation
    rank (1 = most deprived), weighing harm and deprivation equally; ties in that mean
    are broken by the harm rank. Without it they are ordered by harm.

    Parameters
    ----------
    records : pandas.DataFrame
        Records from :func:`weigh_records` with the ``by`` column and ``month`` (monthly
        Period).
    year : str
        The last year: a financial year such as ``2024-25``, or 12 months.
    by : str, optional
        The unit column: ``ward_code`` (default) or ``town``.
    years : int, optional
        How many years to pool, ending with ``year`` (default 3).
    top : int, optional
        The size of the "top" group for persistence (default 10).
    units : iterable, optional
        Every unit to rank; default the units in ``records``.
    deprivation : pandas.DataFrame, optional
        Columns ``by`` and ``imd_score`` (higher = more deprived, as the IMD score).
    covered : pandas.PeriodIndex, optional
        The months the data covers: a year with a month missing is not pooled (a part
        year would weigh less and give persistence from a few months). Without it, every
        year with records is pooled.

    Returns
    -------
    pandas.DataFrame
        One row per unit, highest priority first: ``by``, ``count`` (int: records in the
        pooled years), ``harm`` (float, pooled), ``harm_rank`` (int, 1 = most harm, ties
        "min"), ``years`` (int: years pooled, those with records), ``years_in_top`` (int),
        and with ``deprivation`` also ``imd_score``, ``deprivation_rank`` (Int64; missing
        when the unit has no score) and ``priority_rank`` (Int64: the rank of the mean of
        the two ranks; missing without a deprivation rank). ``attrs["years"]`` lists the
        years pooled.
    """
    _check_records(records, by)
    if "month" not in records.columns:
        raise ValueError("records have no month column")
    if top < 1 or years < 1:
        raise ValueError("top and years must be at least 1")
    index = _unit_index(records, by, units)
    months = records["month"]
    pooled, per_year, used = None, [], []
    for period in _financial_years(year, years):
        inside = (months >= period.start) & (months <= period.end)
        whole = covered is None or all(month in set(covered) for month in period.months)
        if not inside.any() or not whole:
            continue
        table = harm_index(records.loc[inside], by=by, units=index)
        used.append(period.label)
        per_year.append(_rank_desc(table["harm"].to_numpy()) <= top)
        pooled = (
            table
            if pooled is None
            else pooled.assign(
                count=pooled["count"] + table["count"], harm=pooled["harm"] + table["harm"]
            )
        )
    if pooled is None:
        pooled = harm_index(records.iloc[0:0], by=by, units=index)
    out = pooled[[by, "count", "harm"]].copy()
    out["harm_rank"] = _rank_desc(out["harm"].to_numpy())
    out["years"] = len(used)
    out["years_in_top"] = np.sum(per_year, axis=0).astype(int) if per_year else 0
    order = ["harm_rank", by]
    if deprivation is not None:
        if not {by, "imd_score"} <= set(deprivation.columns):
            raise ValueError(f"deprivation needs columns {by} and imd_score")
        scores = pd.to_numeric(deprivation.set_index(by)["imd_score"], errors="coerce")
        out["imd_score"] = out[by].map(scores).astype(float)
        known = out["imd_score"].notna().to_numpy()
        depr = np.full(len(out), np.nan)
        depr[known] = _rank_desc(out["imd_score"].to_numpy()[known])
        out["deprivation_rank"] = pd.array(depr, dtype="Int64")
        mean = (out["harm_rank"] + depr) / 2
        priority = np.full(len(out), np.nan)
        priority[known] = _rank_desc(-mean.to_numpy()[known])
        out["priority_rank"] = pd.array(priority, dtype="Int64")
        order = ["priority_rank", "harm_rank", by]
    out = out.sort_values(order, kind="stable", na_position="last").reset_index(drop=True)
    out.attrs["years"] = used
    return out
