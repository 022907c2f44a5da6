"""Tables: write a profile's tables as CSV files, the interface analysts load into Excel.

File names and columns are stable: ``headline.csv``, ``breakdown.csv``, ``top_wards.csv``,
``wards.csv``, ``monthly.csv`` and ``data_quality.csv`` always (unless the board version
leaves one out); ``spc.csv`` and ``trend.csv`` with the monthly tests; ``people.csv``,
``ethnicity.csv`` and ``repeat_victims.csv`` for themes that show the people involved
when the data has nominals; ``<column>.csv`` for each further breakdown a theme defines
(``weapon.csv``, ``alcohol_related.csv``, ``town.csv``); ``top_wards_by_category.csv``
for anti-social behaviour; ``harm.csv`` (each ward's harm, from the ONS Crime Severity
Score weights) for crime themes and ``peers.csv`` (the theme's rate in every area of the
data) when the data holds other areas; ``README.txt`` says in words what the tables are, where they
came from and any caveats (including that demo data is synthetic).
A theme the data cannot support gets ``unavailable.txt`` saying why, instead of empty
tables.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from csp_analysis import __version__
from csp_analysis.indicators import TOP_WARD_COLUMNS
from csp_analysis.outputs import OutputError, fresh_folder, inside, is_safe_name
from csp_analysis.profile import Profile

_DECIMALS = {"pct": 1, "p_value": 4}


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with percentages to 1 decimal place, p-values to 4, other decimals to 3."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            places = next((d for key, d in _DECIMALS.items() if key in column), 3)
            out[column] = out[column].round(places)
    return out


#: What a spreadsheet would read as the start of a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A negative number written as text, which stays as it is.
_NEGATIVE_NUMBER = re.compile(r"-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def spreadsheet_text(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula.

    A text that starts like a formula (``=``, ``+``, ``-``, ``@``, tab or carriage return)
    gets a leading single quote, including ``-2+3+cmd|...``; numbers, a negative number
    written as text and any other text are returned as they are.

    >>> [spreadsheet_text(v) for v in ["=1+1", "@SUM(A1)", "-x", "-2+3+cmd|' /C calc'!A0"]]
    ["'=1+1", "'@SUM(A1)", "'-x", "'-2+3+cmd|' /C calc'!A0"]
    >>> [spreadsheet_text(v) for v in [-5, "-5", "-1.5e3", "<5", "North Demo"]]
    [-5, '-5', '-1.5e3', '<5', 'North Demo']
    """
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _NEGATIVE_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table to write as CSV: text cells and column names as :func:`spreadsheet_text`.

    Number columns are untouched.
    """
    out = table.rename(columns=spreadsheet_text)
    for position, dtype in enumerate(out.dtypes):
        if pd.api.types.is_object_dtype(dtype) or isinstance(
            dtype, (pd.StringDtype, pd.CategoricalDtype)
        ):
            out.isetitem(position, out.iloc[:, position].map(spreadsheet_text))
    return out


def profile_tables(profile: Profile) -> dict[str, pd.DataFrame]:
    """The profile's tables by file name (without ``.csv``).

    A table the board version leaves out (see ``profile.omitted``) is not written; the
    README.txt beside the tables says why.
    """
    breakdown = profile.breakdown
    tables = {
        "headline": profile.headline,
        "breakdown": None
        if breakdown is None
        else breakdown[["category", "current", "previous", "change", "pct_change", "share_pct"]],
        "top_wards": None if profile.wards is None else profile.top_wards[TOP_WARD_COLUMNS],
        "wards": profile.wards,
        "monthly": profile.monthly.assign(month=profile.monthly["month"].astype(str))[
            ["month", "count", "period"]
        ],
        "spc": profile.spc,
        "trend": pd.DataFrame([asdict(profile.trend)]),
        "data_quality": profile.data_quality,
        "people": profile.people,
        "ethnicity": profile.ethnicity,
        "repeat_victims": profile.repeat_victims,
        **profile.attributes,
        "top_wards_by_category": profile.wards_by,
        "harm": profile.harm,
        "peers": profile.peers,
    }
    return {name: table for name, table in tables.items() if table is not None}


def describe(profile: Profile) -> str:
    """What a folder of tables holds, in words: headline, periods, source and notes."""
    lines = [
        (
            "OFFICIAL-SENSITIVE: not for publication (exact numbers, including small counts)."
            if profile.restricted
            else f"Board and public version: small counts (1 to {profile.threshold}) suppressed."
        ),
        *(["SYNTHETIC DEMO DATA"] if profile.synthetic else []),
        f"{profile.theme.title}: {profile.area_name} ({profile.area_code})",
        f"Period {profile.period.label} ({profile.period.describe()}) against "
        f"{profile.previous.label} ({profile.previous.describe()}).",
        f"Source: {profile.source}. Made by csp_analysis {__version__}.",
        "",
        profile.summary(),
        "",
        *(f"- {note}" for note in profile.notes),
    ]
    return "\n".join(lines).rstrip() + "\n"


def _theme_folder(out_dir: str | Path, name: str) -> Path:
    """``out_dir/<theme>``, refused when the theme key cannot be a folder name there."""
    if not is_safe_name(name):
        raise OutputError(f"theme '{name}' cannot be used as a folder name: refused")
    return inside(out_dir, name)


def write_unavailable(out_dir: str | Path, theme: str, reason: str) -> list[Path]:
    """Replace ``out_dir/<theme>/`` with one file, ``unavailable.txt``, saying why."""
    folder = _theme_folder(out_dir, theme)
    with fresh_folder(folder) as staging:
        (staging / "unavailable.txt").write_text(reason + "\n", encoding="utf-8")
    return [folder / "unavailable.txt"]


def write_tables(profile: Profile, out_dir: str | Path) -> list[Path]:
    """Write the profile's CSV files to ``out_dir/<theme>/``; returns the paths written.

    The folder is made anew and replaces the old one whole, so no file of an earlier run
    (for example the exact ``people.csv`` of a restricted run) survives beside new ones. A
    theme key that cannot be a folder name inside ``out_dir`` is refused.
    """
    if not profile.available:
        return write_unavailable(out_dir, profile.theme.name, profile.summary())
    folder = _theme_folder(out_dir, profile.theme.name)
    texts = {"README.txt": describe(profile)}
    for name, table in profile_tables(profile).items():
        text = spreadsheet_safe(rounded(table)).to_csv(
            index=False, float_format="%.10g", lineterminator="\n"
        )
        texts[f"{name}.csv"] = text
    with fresh_folder(folder) as staging:
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
    return [folder / name for name in texts]


#: The folder of the strategic assessment's tables, beside the theme folders.
ASSESSMENT_FOLDER = "strategic_assessment"


def assessment_tables(assessment) -> dict[str, pd.DataFrame]:
    """The strategic assessment's tables by file name (``Assessment`` fields)."""
    tables = {
        "priorities": assessment.priorities,
        "harm": assessment.harm,
        "localities": assessment.localities,
        "towns": assessment.towns_harm,
        "harm_by_category": assessment.categories,
        "concentration": assessment.concentration,
        "hotspots": assessment.hotspots,
        "grid_hotspots": assessment.grid_hotspots,
        "peers": assessment.peers,
        "data_quality": assessment.data_quality,
    }
    return {name: table for name, table in tables.items() if table is not None}


def describe_assessment(assessment) -> str:
    """What the strategic assessment's folder holds, in words."""
    lines = [
        (
            "OFFICIAL-SENSITIVE: not for publication (exact numbers, including small counts)."
            if assessment.restricted
            else f"Board and public version: small counts (1 to {assessment.threshold}) suppressed."
        ),
        *(["SYNTHETIC DEMO DATA"] if assessment.synthetic else []),
        f"Strategic assessment: {assessment.area_name} ({assessment.area_code})",
        f"Year {assessment.period.label} ({assessment.period.describe()}); change, trend and "
        f"latest month from {assessment.pack_period.label} "
        f"({assessment.pack_period.describe()}).",
        f"Made by csp_analysis {__version__}.",
        "",
        *(f"- {note}" for note in [assessment.weights_note, *assessment.notes] if note),
    ]
    return "\n".join(lines).rstrip() + "\n"


def write_assessment_tables(assessment, out_dir: str | Path) -> list[Path]:
    """Write the assessment's CSV files to ``out_dir/strategic_assessment/`` (made anew)."""
    folder = inside(out_dir, ASSESSMENT_FOLDER)
    texts = {"README.txt": describe_assessment(assessment)}
    for name, table in assessment_tables(assessment).items():
        texts[f"{name}.csv"] = spreadsheet_safe(rounded(table)).to_csv(
            index=False, float_format="%.10g", lineterminator="\n"
        )
    with fresh_folder(folder) as staging:
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
    return [folder / name for name in texts]
