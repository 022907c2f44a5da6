"""Home Office offence classification: offence code -> offence subgroup -> offence group.

Police recorded crime in England and Wales is classified by Home Office offence code
(class or class/sub-class) into the offence subgroups and offence groups used by the
Home Office / ONS police recorded crime open data tables (force, CSP and PFA tables).
This module loads that "crime tree", normalises offence codes, classifies crime
records, and maps data.police.uk ``Crime type`` values to the nearest offence group.

Sources used to author ``reference/home_office_offences.csv`` (see also the comment
above :func:`load_offence_tree`):

* Home Office police recorded crime open data table ``prc-pfa-mar2013-onwards-tables``
  (2017/18 sheet, columns Offence Description, Offence Group, Offence Subgroup, Offence
  Code), as committed in ``Sparrow0hawk/crime_sim_toolkit``
  (``crime_sim_toolkit/src/prc-pfa-mar2013-onwards-tables201718.csv``, commit
  dc00421b12113f33477dc7d43a8864dd87af92ce): the class-level offence codes.
* ONS "Recorded crime data by Community Safety Partnership area", year ending December
  2023 (``csptablesyedec23.xlsx``): the current subgroup names.
* Home Office Counting Rules for Recorded Crime (April 2018 to 2022 editions: violence
  against the person, public order, drug offences and miscellaneous crimes against
  society class lists): which sub-classes sit in which class.
* data.police.uk ``police-uk-category-mappings.csv``: which sub-class codes exist, their
  offence wording and their Home Office subgroup labels.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "OFFENCE_GROUPS",
    "POLICE_UK_CRIME_TYPES",
    "SUBGROUP_GROUPS",
    "UNKNOWN",
    "classification_notes",
    "classify_offences",
    "load_offence_tree",
    "normalise_offence_code",
    "police_uk_offence_group",
]

UNKNOWN = "Unknown"

SUBGROUP_GROUPS: dict[str, str] = {
    "Homicide": "Violence against the person",
    "Death or serious injury caused by unlawful driving": "Violence against the person",
    "Violence with injury": "Violence against the person",
    "Violence without injury": "Violence against the person",
    "Stalking and harassment": "Violence against the person",
    "Rape": "Sexual offences",
    "Other sexual offences": "Sexual offences",
    "Robbery of business property": "Robbery",
    "Robbery of personal property": "Robbery",
    "Residential burglary": "Theft offences",
    "Non-residential burglary": "Theft offences",
    "Vehicle offences": "Theft offences",
    "Theft from the person": "Theft offences",
    "Bicycle theft": "Theft offences",
    "Shoplifting": "Theft offences",
    "All other theft offences": "Theft offences",
    "Arson": "Criminal damage and arson",
    "Criminal damage": "Criminal damage and arson",
    "Trafficking of drugs": "Drug offences",
    "Possession of drugs": "Drug offences",
    "Possession of weapons offences": "Possession of weapons offences",
    "Public order offences": "Public order offences",
    "Miscellaneous crimes against society": "Miscellaneous crimes against society",
}
"""Every offence subgroup and its offence group (Home Office / ONS open data names)."""

OFFENCE_GROUPS: tuple[str, ...] = tuple(dict.fromkeys(SUBGROUP_GROUPS.values()))
"""The offence groups, in the order of the open data tables."""

# Other spellings of subgroup names met in Home Office / ONS tables of different
# vintages, the police.uk category mapping and force extracts.
_SUBGROUP_ALIASES: dict[str, str] = {
    "Death or serious injury caused by illegal driving": (
        "Death or serious injury caused by unlawful driving"
    ),
    "Death or serious injury - unlawful driving": (
        "Death or serious injury caused by unlawful driving"
    ),
    "Death or serious injury - illegal driving": (
        "Death or serious injury caused by unlawful driving"
    ),
    "Harassment": "Stalking and harassment",
    "Rape offences": "Rape",
    "Robbery - business": "Robbery of business property",
    "Robbery - business property": "Robbery of business property",
    "Business robbery": "Robbery of business property",
    "Robbery - personal": "Robbery of personal property",
    "Robbery - personal property": "Robbery of personal property",
    "Personal robbery": "Robbery of personal property",
    "Domestic burglary": "Residential burglary",
    "Burglary - residential": "Residential burglary",
    "Burglary residential": "Residential burglary",
    "Burglary - dwelling": "Residential burglary",
    "Non-domestic burglary": "Non-residential burglary",
    "Non residential burglary": "Non-residential burglary",
    "Burglary - non-residential": "Non-residential burglary",
    "Burglary - business and community": "Non-residential burglary",
    "Burglary business and community": "Non-residential burglary",
    "Business and community": "Non-residential burglary",
    "Theft of a motor vehicle": "Vehicle offences",
    "Theft from a vehicle": "Vehicle offences",
    "Vehicle interference": "Vehicle offences",
    "Other theft offences": "All other theft offences",
    "Other theft": "All other theft offences",
    "Drug trafficking": "Trafficking of drugs",
    "Trafficking in controlled drugs": "Trafficking of drugs",
    "Drug possession": "Possession of drugs",
    "Possession of weapons": "Possession of weapons offences",
    "Public order": "Public order offences",
    "Miscellaneous crimes": "Miscellaneous crimes against society",
}

_GROUP_ALIASES: dict[str, str] = {
    "Violence against the person": "Violence against the person",
    "Miscellaneous crimes": "Miscellaneous crimes against society",
    "Possession of weapons": "Possession of weapons offences",
    "Public order": "Public order offences",
    "Arson and criminal damage": "Criminal damage and arson",
    "Theft": "Theft offences",
    "Drugs": "Drug offences",
}

POLICE_UK_CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
"""data.police.uk street-level ``Crime type`` values."""

# police.uk crime type -> (nearest offence group, group_is_approximate).
_POLICE_UK_GROUPS: dict[str, tuple[str, bool]] = {
    # Not police recorded crime: kept under its own name, outside the offence groups.
    "Anti-social behaviour": ("Anti-social behaviour", False),
    "Bicycle theft": ("Theft offences", False),
    "Burglary": ("Theft offences", False),
    "Criminal damage and arson": ("Criminal damage and arson", False),
    "Drugs": ("Drug offences", False),
    # Mostly miscellaneous crimes against society (forgery, handling, perverting justice,
    # bail, obscene publications, dangerous driving ...), a residual category.
    "Other crime": ("Miscellaneous crimes against society", True),
    "Other theft": ("Theft offences", False),
    "Possession of weapons": ("Possession of weapons offences", False),
    "Public order": ("Public order offences", False),
    "Robbery": ("Robbery", False),
    "Shoplifting": ("Theft offences", False),
    "Theft from the person": ("Theft offences", False),
    "Vehicle crime": ("Theft offences", False),
    # Spans two groups; violence against the person is the larger part.
    "Violence and sexual offences": ("Violence against the person", True),
}

# Sub-class codes shared by business and personal robbery (the subgroup depends on the
# victim, not on the offence): the tree lists them under personal robbery, and a given
# robbery subgroup takes precedence for them.
_VICTIM_DEPENDENT_CODES = frozenset({"34/1", "34/2"})

_TREE_COLUMNS = ["offence_code", "offence", "offence_subgroup", "offence_group"]
_CODE_PART = re.compile(r"0*(\d+)([A-Z]*)(?:/0*(\d+))?")
_LIST_SEPARATORS = re.compile(r"[,;+]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212-]")


def _name_key(name: object) -> str | None:
    """Case-, dash- and space-insensitive key for a subgroup or group name."""
    if not isinstance(name, str):
        return None
    text = _DASHES.sub("-", name).replace("&", " and ").lower()
    text = re.sub(r"\s*-\s*", " - ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


_SUBGROUP_LOOKUP: dict[str, str] = {
    **{_name_key(k): v for k, v in _SUBGROUP_ALIASES.items()},
    **{_name_key(s): s for s in SUBGROUP_GROUPS},
}
_GROUP_LOOKUP: dict[str, str] = {
    **{_name_key(k): v for k, v in _GROUP_ALIASES.items()},
    **{_name_key(g): g for g in OFFENCE_GROUPS},
}
_POLICE_UK_LOOKUP: dict[str, tuple[str, bool]] = {
    _name_key(k): v for k, v in _POLICE_UK_GROUPS.items()
}


def _canonical_subgroup(name: object) -> str | None:
    """Return the canonical subgroup for a subgroup name or alias, else None."""
    return _SUBGROUP_LOOKUP.get(_name_key(name))


def _canonical_group(name: object) -> str | None:
    """Return the canonical offence group for a group name or alias, else None."""
    return _GROUP_LOOKUP.get(_name_key(name))


# Sources for the CSV read below: see the module docstring (prc-pfa 2017/18 open data
# table in Sparrow0hawk/crime_sim_toolkit; ONS CSP tables year ending Dec 2023; Home
# Office Counting Rules 2018-2022; data.police.uk police-uk-category-mappings.csv).
@functools.lru_cache(maxsize=1)
def _read_offence_tree() -> pd.DataFrame:
    path = resources.files("csp_analysis").joinpath("reference", "home_office_offences.csv")
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def load_offence_tree() -> pd.DataFrame:
    """Load the bundled Home Office offence classification ("crime tree").

    One row per notifiable offence code: the class-level codes of the Home Office / ONS
    open data tables (``8N``, ``105A``, ``4/10`` ...; historic classes are marked
    "(historic class)") and the Home Office sub-class codes (``105/1``, ``8/31`` ...)
    used in force systems and in the data.police.uk category mapping.

    Returns
    -------
    pandas.DataFrame
        A fresh copy with columns ``offence_code`` (as published; compare codes through
        :func:`normalise_offence_code`), ``offence``, ``offence_subgroup`` and
        ``offence_group``.

    Examples
    --------
    >>> tree = load_offence_tree()
    >>> tree.loc[tree["offence_code"] == "8N", "offence_subgroup"].item()
    'Violence with injury'
    """
    return _read_offence_tree().copy()


def _normalise_one(value: object) -> str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        text = str(int(value)) if float(value).is_integer() else repr(float(value))
    else:
        text = str(value)
    text = re.sub(r"\s+", "", text).upper()
    if not text:
        return None
    if "." in text or _LIST_SEPARATORS.search(text):
        # ONS style: "." separates class and sub-class and "/" separates codes in a
        # combined row such as "1/4.1/4.10/4.2" (homicide).
        if "." in text:
            text = text.replace("/", ",")
        parts = _LIST_SEPARATORS.split(text)
    else:
        parts = [text]
    out = []
    for part in parts:
        part = part.replace(".", "/")
        if not part.strip("/"):
            continue
        match = _CODE_PART.fullmatch(part)
        if match is None:
            out.append(part)
            continue
        klass, letters, sub = match.groups()
        out.append(f"{klass}{letters}" + (f"/{sub}" if sub is not None else ""))
    return ",".join(out) if out else None


@functools.lru_cache(maxsize=65536)
def _normalise_cached(value: object) -> str | None:
    return _normalise_one(value)


def normalise_offence_code(code: pd.Series) -> pd.Series:
    """Normalise Home Office offence codes to one canonical spelling.

    Rules, applied to each value:

    * whitespace is removed anywhere and letters are upper-cased (``" 8n "`` -> ``8N``);
    * leading zeros are stripped from the class and from the sub-class
      (``008N`` -> ``8N``, ``3/01`` -> ``3/1``, ``69/01`` -> ``69/1``; an all-zero
      part keeps one zero, ``15/00`` -> ``15/0``);
    * class and sub-class are joined by ``/``; the ONS open data spelling with ``.`` is
      accepted (``4.10`` -> ``4/10``, ``37.1`` -> ``37/1``);
    * a combined code listing several codes (ONS ``1/4.1/4.10/4.2``, or codes separated
      by ``,``, ``;`` or ``+``) becomes its normalised parts joined by ``,``
      (``1,4/1,4/10,4/2``);
    * integers and integral floats become their integer text (``802.0`` -> ``802``);
      other floats use their shortest text, so a spreadsheet that turned ``4.10`` into
      the number 4.1 cannot be told apart from ``4.1`` (pass codes as text);
    * anything that is not a code pattern (``AF``, ``NFIB1``) is kept, trimmed and
      upper-cased, so it can still be looked up; missing or blank values stay missing.

    Codes damaged by Excel into dates or date serials (``1/1`` -> 1 Jan, ``8/32`` ->
    serial 11902) are not repaired here.

    Parameters
    ----------
    code : pandas.Series
        Offence codes (text or numbers).

    Returns
    -------
    pandas.Series
        Normalised codes (``str`` dtype, missing as NaN), same index and name.

    Examples
    --------
    >>> normalise_offence_code(pd.Series(["008n", " 3/01", "4.10", "1/4.1/4.10/4.2"])).tolist()
    ['8N', '3/1', '4/10', '1,4/1,4/10,4/2']
    """
    result = [_normalise_cached(v) for v in code.astype(object).to_numpy()]
    return pd.Series(result, index=code.index, name=code.name, dtype="str")


def _check_tree(tree: pd.DataFrame) -> None:
    missing = [c for c in _TREE_COLUMNS if c not in tree.columns]
    if missing:
        raise ValueError(f"tree is missing columns: {missing}")


def by_distinct(values: pd.Series, function) -> pd.Series:
    """``function(values)`` for an element-wise ``function``, computed once per distinct value.

    Records repeat a few hundred names thousands of times; ``function`` takes and returns a
    Series (missing values included), and the result has the index of ``values``.
    """
    codes, distinct = pd.factorize(values)
    distinct = pd.Series(pd.array([*distinct, None], dtype=values.dtype))
    result = function(distinct)
    codes[codes < 0] = len(distinct) - 1
    return result.take(codes).set_axis(values.index)


def is_in(values: pd.Series, allowed: pa.Array) -> pd.Series:
    """``values.isin(allowed)``, for a set of text made an Arrow array once.

    pandas makes each allowed value an Arrow scalar at every call, which for the codes of a
    national lookup costs more than the lookup itself; Arrow text is looked up as it is.
    """
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        text = pa.array(values)
        found = pc.is_in(text, value_set=allowed.cast(text.type))
        return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index, name=values.name)
    return values.isin(allowed.to_pylist())


def distinct_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``frame`` (missing values alike, numbers bit for bit), as positions.

    For each row the position of its values among the distinct rows, and for each distinct
    row the position of its first row (the distinct rows are in the order of their first).

    >>> distinct_rows(pd.DataFrame({"a": ["x", "y", "x", None], "b": [1, 1, 1, 2]}))
    (array([0, 1, 0, 2]), array([0, 1, 3]))
    """
    key, bound = np.zeros(len(frame), dtype=np.int64), 1  # 0 <= key < bound
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind == "f":  # bit for bit: -0.0 is not 0.0
            values = values.to_numpy().view(np.uint64)
            if len(values) and (values == values[0]).all():
                continue  # tells no row apart
        elif values.isna().all():
            continue
        codes, distinct = pd.factorize(values)  # missing: -1
        if bound * (len(distinct) + 1) >= 2**62:
            key, found = pd.factorize(key)  # renumbered 0, 1, ...: below the rows
            bound = len(found)
        key = key * (len(distinct) + 1) + codes + 1
        bound *= len(distinct) + 1
    key, _ = pd.factorize(key)
    first = np.zeros(key.max() + 1 if len(key) else 0, dtype=np.int64)
    first[key[::-1]] = np.arange(len(key))[::-1]
    return key, first


def _map_unique(values: pd.Series, function) -> pd.Series:
    """Function applied once per distinct value (names repeat thousands of times)."""
    distinct = values.dropna().unique()
    return values.astype(object).map(dict(zip(distinct, map(function, distinct), strict=True)))


def _labels(values: pd.Series) -> pd.Series:
    """Labels as text, trimmed; blanks missing."""
    text = values.astype(object).map(lambda v: v.strip() if isinstance(v, str) else None)
    return text.where(text.fillna("") != "", None)


def classify_offences(crimes: pd.DataFrame, *, tree: pd.DataFrame) -> pd.DataFrame:
    """Fill offence subgroup and offence group for crime records.

    Each row is classified from its ``offence_code`` when the normalised code is in
    ``tree`` (for the robbery sub-classes ``34/1`` and ``34/2``, shared by business and
    personal robbery, a given robbery subgroup is kept); otherwise from its
    ``offence_subgroup`` name (case-, dash- and space-insensitive, with aliases such as
    "Robbery - personal", "Domestic burglary", "Burglary - residential", "Possession of
    weapons", "Rape offences"). A row that neither classifies keeps the subgroup and group
    the extract gives (a force's local label such as "Other crimes against society" is
    shown as it is, never relabelled; the group in its canonical spelling when the
    classification knows it), with "Unknown" only where the extract gives none. No row is
    dropped.

    A given ``offence_group`` is kept (in its canonical spelling) when it agrees with
    the classification; when it disagrees, the group derived from the code or subgroup
    is used and ``group_conflict`` is True.

    Parameters
    ----------
    crimes : pandas.DataFrame
        Crime records with ``offence`` and at least one of ``offence_code`` and
        ``offence_subgroup``; ``offence_group`` is optional. Not modified.
    tree : pandas.DataFrame
        The offence classification, as from :func:`load_offence_tree`.

    Returns
    -------
    pandas.DataFrame
        A copy of ``crimes`` (same index and row order) with ``offence_subgroup`` and
        ``offence_group`` filled or replaced, and added columns ``classified_by``
        ("offence_code", "offence_subgroup", "extract": not in the classification, the
        extract's labels kept, or "unknown": no known code and no subgroup or group
        given) and ``group_conflict`` (bool: a given ``offence_group`` disagreed with the
        classification).

    Raises
    ------
    ValueError
        If ``crimes`` has neither ``offence_code`` nor ``offence_subgroup``, or
        ``tree`` lacks a required column.

    Examples
    --------
    >>> crimes = pd.DataFrame(
    ...     {
    ...         "offence": ["ABH", "Mugging", "Fraud", "DA investigation"],
    ...         "offence_code": ["08N", None, "53A", None],
    ...         "offence_subgroup": [None, "Robbery - personal", None, "Other crimes"],
    ...     }
    ... )
    >>> out = classify_offences(crimes, tree=load_offence_tree())
    >>> out[["offence_subgroup", "classified_by"]].values.tolist()
    [['Violence with injury', 'offence_code'], ['Robbery of personal property', \
'offence_subgroup'], ['Unknown', 'unknown'], ['Other crimes', 'extract']]
    """
    has_code = "offence_code" in crimes.columns
    has_subgroup = "offence_subgroup" in crimes.columns
    if not (has_code or has_subgroup):
        raise ValueError("crimes needs an offence_code or an offence_subgroup column")
    _check_tree(tree)

    out = crimes.copy()
    index = out.index
    subgroup = pd.Series(None, index=index, dtype=object)
    group = pd.Series(None, index=index, dtype=object)
    by = pd.Series("unknown", index=index, dtype=object)

    if has_code:
        keys = normalise_offence_code(tree["offence_code"]).to_numpy()
        sub_lookup = dict(zip(keys, tree["offence_subgroup"].to_numpy(), strict=True))
        grp_lookup = dict(zip(keys, tree["offence_group"].to_numpy(), strict=True))
        codes = normalise_offence_code(out["offence_code"]).astype(object)
        from_code = codes.map(sub_lookup)
        hit = from_code.notna().to_numpy()
        subgroup[hit] = from_code[hit]
        group[hit] = codes[hit].map(grp_lookup)
        by[hit] = "offence_code"

    if has_subgroup:
        canonical = _map_unique(out["offence_subgroup"], _canonical_subgroup)
        if has_code:
            refine = (
                codes.isin(_VICTIM_DEPENDENT_CODES)
                & canonical.notna()
                & (canonical.map(SUBGROUP_GROUPS) == group)
            ).to_numpy()
            subgroup[refine] = canonical[refine]
        hit = (subgroup.isna() & canonical.notna()).to_numpy()
        subgroup[hit] = canonical[hit]
        group[hit] = canonical[hit].map(SUBGROUP_GROUPS)
        by[hit] = "offence_subgroup"

    known = subgroup.notna().to_numpy()
    conflict = np.zeros(len(out), dtype=bool)
    given_group = pd.Series(None, index=index, dtype=object)
    if "offence_group" in out.columns:
        given = _labels(out["offence_group"])
        given_canonical = _map_unique(given, _canonical_group)
        conflict = (known & given.notna().to_numpy()) & (
            given_canonical.to_numpy() != group.to_numpy()
        )
        given_group = given_canonical.astype(object).where(given_canonical.notna(), given)

    # Not in the classification: the extract's own labels are kept, never replaced.
    given_subgroup = pd.Series(None, index=index, dtype=object)
    if has_subgroup:
        given_subgroup = _labels(out["offence_subgroup"])
    as_given = ~known & (given_subgroup.notna() | given_group.notna()).to_numpy()
    by[as_given] = "extract"
    subgroup[~known] = given_subgroup[~known].fillna(UNKNOWN)
    group[~known] = given_group[~known].fillna(UNKNOWN)
    out["offence_subgroup"] = subgroup.astype("str")
    out["offence_group"] = group.astype("str")
    out["classified_by"] = by.astype("str")
    out["group_conflict"] = conflict
    return out


def classification_notes(
    crimes: pd.DataFrame, *, among: pd.Series | None = None
) -> list[tuple[str, pd.Series]]:
    """What a data-quality table says about records that the classification did not place.

    ``crimes`` come from :func:`classify_offences`; ``among`` is a boolean mask of the
    records the table describes (default: all). Returns (description, mask) pairs: records
    shown under the labels the extract gives (naming up to three of those labels among
    them, the commonest first, then alphabetically), and records with nothing to classify them by.
    """
    if among is None:
        among = pd.Series(True, index=crimes.index)
    kept = among & (crimes["classified_by"] == "extract")
    labels = crimes.loc[kept, "offence_subgroup"].where(
        crimes.loc[kept, "offence_subgroup"] != UNKNOWN, crimes.loc[kept, "offence_group"]
    )
    counts = labels.value_counts()
    named = sorted(counts.index, key=lambda label: (-counts[label], str(label)))
    listed = ", ".join(f"'{label}'" for label in named[:3])
    more = f" and {len(named) - 3} more" if len(named) > 3 else ""
    return [
        (
            "Offence not in the Home Office classification: shown under the subgroup and "
            f"group the extract gives ({listed}{more}), not as 'Unknown'",
            kept,
        ),
        (
            "Offence not classified (no known offence code, subgroup or group): subgroup "
            "and group 'Unknown'",
            among & (crimes["classified_by"] == "unknown"),
        ),
    ]


def police_uk_offence_group(crime_type: pd.Series) -> pd.DataFrame:
    """Map data.police.uk ``Crime type`` values to the nearest Home Office offence group.

    Matching is case-, dash- and space-insensitive, so the category spellings of the
    police.uk category mapping ("Violence and Sexual Offences") are accepted.
    "Violence and sexual offences" is mapped to "Violence against the person" and
    "Other crime" to "Miscellaneous crimes against society", both flagged approximate.
    "Anti-social behaviour" is not recorded crime and is returned under its own name.
    Unrecognised or missing values give "Unknown" (not approximate).

    Parameters
    ----------
    crime_type : pandas.Series
        police.uk crime types (see :data:`POLICE_UK_CRIME_TYPES`).

    Returns
    -------
    pandas.DataFrame
        Same index as ``crime_type``, with columns ``offence_group`` (str) and
        ``group_is_approximate`` (bool: the crime type spans or only approximates
        offence groups).

    Examples
    --------
    >>> police_uk_offence_group(pd.Series(["Drugs", "Violence and sexual offences"]))
                     offence_group  group_is_approximate
    0                Drug offences                 False
    1  Violence against the person                  True
    """
    codes, distinct = pd.factorize(crime_type)
    pairs = [_POLICE_UK_LOOKUP.get(_name_key(v), (UNKNOWN, False)) for v in [*distinct, None]]
    codes[codes < 0] = len(pairs) - 1
    return pd.DataFrame(
        {
            "offence_group": pd.Series(
                pd.array([p[0] for p in pairs], dtype="str").take(codes), index=crime_type.index
            ),
            "group_is_approximate": pd.Series(
                np.array([p[1] for p in pairs], dtype=bool)[codes], index=crime_type.index
            ),
        }
    )
