"""An independent attack on a board pack: which withheld numbers a reader can work out.

This module plays the reader of one area's board pack for one period. It knows what the
pack publishes (every CSV of every theme folder; every table and sentence of the theme
pages) and what any member of the public knows: the published configuration (theme
definitions, the threshold), the published ward boundaries (which wards make up each
town), the Home Office offence classification, and how the toolkit makes its tables. It
does not use ``csp_analysis.disclosure`` or any audit of the package: it is the
independent check of them.

Everything published becomes a linear statement about whole-number counts:

- a published count fixes a cell; ``"<5"`` says 1 to 4 and ``"[c]"`` at least 5, and so do
  "fewer than 5" and "a withheld number of" in sentences;
- a table's cells add up to its published total (wards, breakdowns, strands, weapon,
  alcohol and town tables); the margins of the people tables (per role: age x female and
  male, each band's people, the people of unknown sex in one row, the Total row) and of
  the ethnicity table (ethnicity x role), whose role totals are the people tables'; victims
  are the victims and the suspects-and-victims of the people tables;
- rounded percentages (shares, % change, % female, repeat %), rates per 1,000, changes and
  cumulative shares bound the counts they were made from;
- a published rank says how many wards have a larger count (rank 1 = most; equal counts
  share a rank); a top-n-by-category list says that an unlisted ward has at most the n-th
  listed count (less, if its name sorts first), and fewer than n rows that the rest are 0;
- the data-quality notes count the included records by how they were located, over the
  periods they name (both when they name none: "in the area but no ward" is the
  unknown-ward cells of both periods); a way of locating with no note placed no record;
- themes nest ward by ward as the configuration defines them (violence with injury within
  serious violence within all crime; drugs, domestic abuse and hate crime within all crime;
  serious violence and drugs disjoint), and an offence's count in one theme is at most its
  count in a theme that holds all of its subgroup;
- a record's town is the town of its ward, "Not recorded" when it has no ward;
- a theme's ``harm.csv`` shows the ward table's counts (the same cells); harm = weight x
  count only for a theme whose records all have one weight (``harm_weights``);
- ``peers.csv``: the area's own count is its total, the others are other areas' totals;
  rates, each ratio to the other areas pooled, the funnel's pooled rate and the ranks
  by rate (among the areas whose counts are published) bound them;
- the strategic assessment (``strategic_assessment/``), over a year that holds the pack's
  period (the READMEs name both): each theme's year total is at least its period total;
  each ward's year count (rounded to the nearest 10, "<10" for 1 to 9) is at least its
  period count, and with the unknown ward's they add up to all crime's year total, as
  the types of crime over the year do (a type of the period's breakdown not listed had
  fewer than 10, and at least the period's count); a high-harm locality's count over
  its years holds the year's and the earlier period's; the top 5% and 10% shares of
  crime bound the largest ward counts (exactly, with auxiliary whole numbers).

The unknowns are the withheld cells and *hidden* cells a reader can reason about: in a
ward, serious violence that is not violence with injury, crime that is neither serious
violence nor drugs, crime that is not domestic abuse (or not hate crime); the ASB
category x ward cells behind "top wards by category". :func:`attack` solves integer
programmes (scipy's ``milp``, HiGHS) for the least and greatest value of each withheld
cell; where they are equal, the cell is *recovered*. A hidden cell pinned to a value from
1 to the threshold is a small count given away by differencing. Solutions found on the
way are shared (one solution proves many cells not pinned), and the problem is split into
independent components. :func:`verify` checks the model against the restricted run's
numbers: every statement must hold for them.

Not modelled: the Gini coefficients (2 decimal places: a weak bound on a sum of absolute
differences), harm of several weights (see :func:`offence_range`), the funnel's
dispersion and bands (see :func:`peer_counts_that_fit`), hotspot classes (no count), the
monthly, SPC and trend series and the index (area totals only); what
several packs say together (a month inside its quarter, successive quarters, other
areas); and which cells today's suppression rule picks (a reader who knows it learns, for
example, that a ``"[c]"`` is at most the smallest count published beside it). The attack
is therefore a lower bound on what a determined reader can do.

>>> model = Model(threshold=4)
>>> for ward, shown in (("a", "<5"), ("b", "<5"), ("c", 12)):
...     model.observe(("cell", ward), shown, "table.csv")
>>> model.equal([(1, ("cell", w)) for w in "abc"], 14, "totals", "the list adds up to 14")
>>> for finding in attack(model).recovered:
...     print(finding.describe())
cell / a = 1  [shown: <5 in table.csv]
      route: totals: the list adds up to 14
cell / b = 1  [shown: <5 in table.csv]
      route: totals: the list adds up to 14
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from csp_analysis.periods import Period

CURRENT, PREVIOUS = "current", "previous"
PERIODS = (CURRENT, PREVIOUS)
ROLES = ("suspect and victim", "suspect", "victim")
SEXES = ("female", "male")  # of a people table's age bands; "people" is their sum
SEX_NOT_RECORDED = "Sex not recorded"  # the row of a role's people of unknown sex
#: The headings of the page's people tables (one per role).
ROLE_HEADINGS = {
    "victims": "victim",
    "suspects": "suspect",
    "people who were both suspect and victim": "suspect and victim",
}
UNKNOWN = "unknown"  # the ward of the "Unknown ward" row
NOT_RECORDED = "not recorded"
NOT_STATED = "not stated"
_TOL = 1e-7


class ModelError(AssertionError):
    """The published numbers (or the restricted run's) do not fit the model: it is wrong."""


def norm(text: object) -> str:
    """A name compared without case or extra spaces."""
    return " ".join(str(text).split()).casefold()


# ------------------------------------------------------------------------------- keys


def ward_key(theme: str, period: str, ward: str) -> tuple:
    return ("ward", theme, period, ward)


def total_key(theme: str, period: str) -> tuple:
    return ("total", theme, period)


def strands_key(theme: str, period: str) -> tuple:
    return ("strands", theme, period)


def cat_key(theme: str, table: str, period: str, category: str) -> tuple:
    """A category of a compare-periods table ("breakdown", "weapon", "town", ...)."""
    return ("cat", theme, table, period, norm(category))


def people_key(theme: str, role: str, band: str, sex: str) -> tuple:
    return ("people", theme, norm(role), str(band), sex)


def eth_key(theme: str, ethnicity: str, role: str) -> tuple:
    return ("eth", theme, norm(ethnicity), role)


def repeat_key(theme: str, name: str) -> tuple:
    return ("repeat", theme, name)


def bycat_key(theme: str, category: str, ward: str) -> tuple:
    """Records of a category in a ward, current period (behind top wards by category)."""
    return ("bycat", theme, norm(category), ward)


def dq_key(theme: str, what: str, periods: tuple[str, ...]) -> tuple:
    return ("dq", theme, what, periods)


# -------------------------------------------------------------------------- number text

_SMALL = re.compile(r"^(?:<\s*|fewer than\s+)(\d+)$", re.IGNORECASE)
_WITHHELD = {"[c]", "[x]", "a withheld number of"}


def shown_value(text: object) -> int | str | None:
    """A count as published: an int, ``"<k"`` (1 to k-1), ``"withheld"``, or None (blank).

    >>> [shown_value(t) for t in ("1,234", "<5", "fewer than 5", "[c]", "–", "12.5")]
    [1234, '<5', '<5', 'withheld', None, None]
    """
    if isinstance(text, (int, np.integer)):
        return int(text)
    value = str(text).strip().replace(",", "")
    if match := _SMALL.match(value):
        return f"<{match.group(1)}"
    if value.casefold() in _WITHHELD:
        return "withheld"
    number = decimal(value)
    if number is None or abs(number - round(number)) > 1e-9:
        return None
    return int(round(number))


def decimal(text: object) -> float | None:
    """A published number ("12.3%", "+4", "1,234.5"); None when blank or not a number."""
    value = str(text).strip().replace(",", "").replace("%", "").replace("+", "")
    try:
        result = float(value)
    except ValueError:
        return None
    return None if np.isnan(result) else result


def half_unit(text: object, places: int | None = None) -> float:
    """Half the last decimal place of a published number ("12.3" -> 0.05).

    ``places`` when known (the CSV files round percentages to 1 place and print 63.0 as
    "63").
    """
    if places is None:
        value = str(text).strip().replace("%", "")
        places = len(value.split(".")[1]) if "." in value else 0
    return 0.5 * 10.0**-places + 1e-9


# ------------------------------------------------------------------------------ model


@dataclass
class Row:
    """One linear statement ``lo <= sum(coef * cell) <= hi``."""

    terms: dict[int, float]
    lo: float
    hi: float
    kind: str  # the family of the route, e.g. "ward totals"
    text: str


class Model:
    """Whole-number cells and linear statements about them, built from what is shown."""

    def __init__(self, threshold: int = 4, cap: int = 1_000_000):
        self.threshold = threshold
        self.cap = cap
        self.keys: list[tuple] = []
        self.index: dict[tuple, int] = {}
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.rows: list[Row] = []
        self.shown: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
        self.exact: dict[tuple, tuple[int, str]] = {}
        self.withheld: set[tuple] = set()
        self.hidden: dict[str, tuple[dict[tuple, float], str]] = {}
        self.labels: dict[tuple, str] = {}
        self.notes: list[str] = []

    def var(self, key: tuple, hi: float | None = None) -> int:
        """The index of a cell, made on first use (0 to ``cap``, or to ``hi``)."""
        if key not in self.index:
            self.index[key] = len(self.keys)
            self.keys.append(key)
            self.lo.append(0.0)
            self.hi.append(float(self.cap))
        i = self.index[key]
        if hi is not None:
            self.hi[i] = min(self.hi[i], hi)
        return i

    def label(self, key: tuple) -> str:
        return self.labels.get(key, " / ".join(map(str, key)))

    def observe(self, key: tuple, shown: object, source: str, hi: float | None = None) -> None:
        """What ``source`` shows for a cell: a number, ``<k``, ``[c]`` or nothing."""
        i = self.var(key, hi)
        value = shown_value(shown)
        if value is None:
            return
        if isinstance(value, int):
            if key in self.exact and self.exact[key][0] != value:
                first, where = self.exact[key]
                raise ModelError(
                    f"{self.label(key)} is published as {first} in {where} and as {value} "
                    f"in {source}"
                )
            self.exact.setdefault(key, (value, source))
            low, high, text = value, value, str(value)
        elif value.startswith("<"):
            low, high, text = 1, int(value[1:]) - 1, value
        else:
            low, high, text = self.threshold + 1, self.cap, "[c]"
        if not isinstance(value, int):
            self.withheld.add(key)
        self.lo[i], self.hi[i] = max(self.lo[i], low), min(self.hi[i], high)
        self.shown[key].append((source, text))
        if self.lo[i] > self.hi[i] + _TOL:
            raise ModelError(f"{self.label(key)} is shown as {self.shown[key]}: contradictory")

    def add(self, terms, lo: float, hi: float, kind: str, text: str = "") -> None:
        """Add ``lo <= sum(coef * cell) <= hi``; ``terms`` are (coef, key) pairs."""
        combined: dict[int, float] = defaultdict(float)
        for coef, key in terms:
            combined[self.var(key)] += coef
        combined = {i: c for i, c in combined.items() if c != 0}
        self.rows.append(Row(combined, lo, hi, kind, text))

    def equal(self, terms, value: float, kind: str, text: str = "") -> None:
        self.add(terms, value, value, kind, text)

    def rounded(self, count, denominator, shown, kind, text, *, scale=100.0, places=None):
        """``count / denominator * scale`` was published, rounded, as ``shown``.

        ``count`` is a list of (coef, key); ``denominator`` a list of (coef, key) or a
        number.
        """
        value = decimal(shown)
        if value is None:
            return
        half = half_unit(shown, places)
        count = [(scale * c, k) for c, k in count]
        if isinstance(denominator, (int, float)):
            self.add(count, (value - half) * denominator, (value + half) * denominator, kind, text)
            return
        self.add(count + [(-(value - half) * c, k) for c, k in denominator], 0, np.inf, kind, text)
        self.add(count + [(-(value + half) * c, k) for c, k in denominator], -np.inf, 0, kind, text)

    def hide(self, name: str, terms: dict[tuple, float], text: str) -> None:
        """A hidden count (a linear expression of cells) that must not be pinned small."""
        for key in terms:
            self.var(key)
        self.hidden[name] = (terms, text)

    def value_of(self, key: tuple) -> int | None:
        """The published value of a cell, if the pack publishes it."""
        return self.exact[key][0] if key in self.exact else None


# ---------------------------------------------------------------------------- reading


@dataclass
class Table:
    """One published table of a theme, with text cells and CSV-style column names."""

    theme: str
    kind: str  # wards, top_wards, change, people, people_html, ethnicity, ...
    name: str  # e.g. "breakdown", "weapon", "town"
    source: str
    frame: pd.DataFrame
    csv: bool = True
    exact: bool = False  # from a restricted folder (README): rounded counts are exact there


@dataclass
class Publication:
    """Everything one area's pack publishes for one period."""

    tables: list[Table] = field(default_factory=list)
    sentences: list[tuple[str, str, str]] = field(default_factory=list)  # theme, source, text
    ignored: list[str] = field(default_factory=list)  # files and tables not modelled
    #: Period labels the READMEs give: "current", "previous" (the theme folders), "year"
    #: (the strategic assessment's year).
    periods: dict[str, str] = field(default_factory=dict)


_SERIES = {"monthly", "spc", "trend"}  # area-level series: no cell below the area total
_WARD_COLUMNS = {
    *("rank", "ward_code", "ward_name", "count", "share_pct", "cumulative_share_pct"),
    *("rate_per_1000", "rate_lower", "rate_upper", "population", "change", "pct_change"),
    *("rate_per_1000_per_year", "rate_per_year_lower", "rate_per_year_upper"),
}


def _csv_kind(columns: set[str]) -> str:
    if {"ward_code", "count", "harm"} <= columns:
        return "harm"
    if {"area_code", "count", "is_area"} <= columns:
        return "peers"
    if {"ward_code", "count"} <= columns:
        if "previous" in columns:
            return "wards"
        return "top_by_category" if columns - _WARD_COLUMNS else "top_wards"
    kinds = (
        ({"category", "current", "previous"}, "change"),
        ({"role_group", "age_band", "people"}, "people"),
        ({"ethnicity", "total"}, "ethnicity"),
        ({"victims", "repeat_victims"}, "repeat_victims"),
        ({"measure", "current", "previous"}, "headline"),
        ({"description", "records"}, "data_quality"),
    )
    return next((kind for wanted, kind in kinds if wanted <= columns), "unknown")


_BREAKDOWN_HEADS = {"offence", "offence subgroup", "crime type", "category", "strand"}
_TOP_WARDS_HEADS = {
    "rank": "rank",
    "ward": "ward_name",
    "count": "count",
    "% of area": "share_pct",
    "cumulative %": "cumulative_share_pct",
    "rate per 1,000": "rate_per_1000",
    "rate per 1,000 per year": "rate_per_1000_per_year",  # the period's rate for a year
}


def _top_wards_head(head: str) -> str:
    """A top-wards heading's column: "rate per 1,000 in the quarter" is the period's rate."""
    if head.startswith("rate per 1,000 in the "):
        return "rate_per_1000"
    return _TOP_WARDS_HEADS.get(head, head)


_NOT_MODELLED = ({"months", "count", "signal", "rule"}, {"file", "bytes", "rows", "sha-256"})


def _page(theme: str, rows: list[list[str]], source: str, caption: str = "") -> Table | None:
    """A table of a theme page in CSV form, recognised by its header (None: not modelled)."""
    head = [norm(h) for h in rows[0]]
    body = [r + [""] * (len(head) - len(r)) for r in rows[1:] if len(r) <= len(head)]

    def table(kind, name, columns):
        return Table(theme, kind, name, source, pd.DataFrame(body, columns=columns), csv=False)

    if head[:4] == ["category", "rank", "ward", "count"]:
        columns = ["category", "rank", "ward_name", "count", "share_pct"]
        return table("top_by_category", "top_wards_by_category", columns)
    if len(head) == 6 and head[3:] == ["change", "% change", "% of total"]:
        name = "breakdown" if head[0] in _BREAKDOWN_HEADS else head[0].replace(" ", "_")
        columns = ["category", "current", "previous", "change", "pct_change", "share_pct"]
        return table("change", name, columns)
    if head[:3] == ["rank", "ward", "count"]:
        return table("top_wards", "top_wards", [_top_wards_head(h) for h in head])
    if head == ["age", "female", "male", "% female", "people"]:
        found = table(
            "people_html", "people", ["age_band", "female", "male", "female_pct", "people"]
        )
        found.frame["role_group"] = ROLE_HEADINGS[norm(caption)]
        found.frame["age_band"] = found.frame["age_band"].str.split(",").str[0]  # ", any age"
        return found
    if head[0].startswith("ethnicity"):
        columns = ["ethnicity", *("share_pct" if h == "% of stated" else h for h in head[1:])]
        return table("ethnicity", "ethnicity", columns)
    if head == ["step", "records", "number", "outcome"]:
        return table("data_quality", "data_quality", ["step", "description", "records", "outcome"])
    if head == ["included records", "number"]:
        found = table("data_quality", "location", ["description", "records"])
        found.frame["outcome"] = "note"
        return found
    if head == ["included records", "period", "number"]:  # one row a note and period
        found = table("data_quality", "location", ["description", "period", "records"])
        labels = sorted(set(found.frame["period"]))  # e.g. 2024-25Q4, 2025-26Q4: later is now
        names = {labels[-1]: CURRENT, labels[0]: PREVIOUS} if len(labels) == 2 else {}
        found.frame["period"] = found.frame["period"].map(names).fillna("")
        found.frame["outcome"] = "note"
        return found
    return None


def _read_page(path: Path) -> tuple[list[tuple[str, list[list[str]]]], list[str]]:
    """The tables (caption, rows of cell texts) and the sentences (list items, paragraphs)."""
    from bs4 import BeautifulSoup  # pinned with nbconvert; pandas.read_html needs lxml

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    tables = []
    for element in soup.find_all("table"):
        rows = [
            [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            for tr in element.find_all("tr")
        ]
        caption = element.find("caption")
        if rows := [r for r in rows if r]:
            tables.append((caption.get_text(" ", strip=True) if caption else "", rows))
    texts = [e.get_text(" ", strip=True) for e in soup.find_all(["li", "p"])]
    return tables, [t for t in texts if t]


#: The strategic assessment's folder: area tables over the assessment year, not a theme.
ASSESSMENT = "strategic_assessment"
#: Its tables, recognised by their columns (the first match wins).
_ASSESSMENT_KINDS = (
    ({"theme", "area_code", "count", "is_area"}, "year_peers"),
    ({"theme", "title", "count"}, "priorities"),
    ({"ward_code", "count", "years"}, "localities"),
    ({"ward_code", "count", "harm", "rank"}, "year_harm"),
    ({"category", "count", "harm"}, "categories"),
    ({"of", "measure", "value"}, "concentration"),
    ({"ward_code", "hotspot"}, "hotspots"),
    ({"cell_id", "hotspot"}, "grid_hotspots"),
    ({"town", "count", "years"}, "towns"),
    ({"records_of", "description", "records"}, "year_quality"),
)
_README_PERIODS = (
    (re.compile(r"^Period (\S+) \(.*\) against (\S+) \("), ("current", "previous")),
    (re.compile(r"^Year (\S+) \(.*; change, trend and latest month from (\S+) \("), ("year", "")),
)


def _read_readme(path: Path, pub: Publication) -> bool:
    """The periods a folder's README.txt names; whether the folder is restricted (exact)."""
    if not path.is_file():
        return False
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        for pattern, names in _README_PERIODS:
            if match := pattern.match(line):
                for name, label in zip(names, match.groups(), strict=True):
                    if name:
                        pub.periods.setdefault(name, label)
    return bool(lines) and lines[0].startswith("OFFICIAL-SENSITIVE")


def _theme_of(name: str, themes) -> str | None:
    """The theme a folder or page is named after (``serious_violence``, ``serious-violence``)."""
    wanted = re.sub(r"[^a-z0-9]", "", name.lower())
    return next((t for t in themes if re.sub(r"[^a-z0-9]", "", t.lower()) == wanted), None)


def read_publication(roots, themes) -> Publication:
    """Every ``<theme>/*.csv`` and ``<theme>.html`` under ``roots`` (one area, one period).

    Tables are recognised by their columns, so files may be renamed, added or removed;
    what is not understood is listed in ``ignored``. The same file met twice (the pack
    and ``csp tables`` write the same CSV files) is read once.
    """
    pub, seen = Publication(), set()
    for root in map(Path, roots if isinstance(roots, (list, tuple)) else [roots]):
        for path in sorted(root.rglob("*.csv")):
            assessment = path.parent.name == ASSESSMENT
            theme = ASSESSMENT if assessment else _theme_of(path.parent.name, themes)
            if theme is None:
                continue
            exact = _read_readme(path.parent / "README.txt", pub)
            source = f"{theme}/{path.name}"
            if path.stem in _SERIES:
                pub.ignored.append(f"{source} (area series: no cell below the area total)")
                continue
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            columns = set(frame.columns)
            if assessment:
                found = (kind for wanted, kind in _ASSESSMENT_KINDS if wanted <= columns)
                kind = next(found, "unknown")
            else:
                kind = _csv_kind(columns)
            marker = (source, frame.to_csv())
            if kind == "unknown":
                pub.ignored.append(f"{source} (columns not understood: {list(frame.columns)})")
            elif marker not in seen:
                seen.add(marker)
                pub.tables.append(Table(theme, kind, path.stem, source, frame, exact=exact))
        for path in sorted(root.rglob("*.html")):
            if (theme := _theme_of(path.stem, themes)) is None:
                continue
            tables, texts = _read_page(path)
            for number, (caption, rows) in enumerate(tables, start=1):
                source = f"{path.name} table {number}"
                table = _page(theme, rows, source, caption)
                if table is not None:
                    pub.tables.append(table)
                elif {norm(h) for h in rows[0]} not in _NOT_MODELLED:
                    pub.ignored.append(f"{source} (header {rows[0]})")
            pub.sentences += [(theme, path.name, text) for text in texts]
    return pub


def read_wards(path: str | Path) -> pd.DataFrame:
    """The published boundaries' attributes: ward_code, ward_name, town (None if absent)."""
    features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
    frame = pd.DataFrame([f.get("properties") or {} for f in features])
    frame.columns = [c.lower() for c in frame.columns]
    for wanted, suffix in (("ward_code", "cd"), ("ward_name", "nm")):
        ons = [c for c in frame.columns if re.fullmatch(rf"wd\d\d{suffix}", c)]
        if wanted not in frame and ons:
            frame[wanted] = frame[ons[0]]
    if "town" not in frame:
        frame["town"] = None
    return frame[["ward_code", "ward_name", "town"]]


# --------------------------------------------------------------------------- the model


@dataclass
class ThemeInfo:
    """What the published configuration says about a theme."""

    name: str
    records: str  # crimes | asb
    flag: str | None
    where: dict
    breakdown: str


def themes_from_settings(settings) -> dict[str, ThemeInfo]:
    """The theme definitions of a ``csp_analysis.config.Settings`` (the public config)."""
    return {
        name: ThemeInfo(name, t.records, t.flag, dict(t.where or {}), t.breakdown)
        for name, t in settings.themes.items()
    }


_N = r"([\d,]+|fewer than \d+|a withheld number of)"
_CHANGE = re.compile(
    r"(?:(up|down) ([\d,]+) \((\d+)%\) on|(up|down) ([\d,]+) \((less than 1%)\) on"
    r"|(up|down) from (none|[\d,]+)|(the same as)|(none, the same as))"
)
#: What a "most" sentence may start with when withheld rows might have more.
_AMONG = r"(?:Of those with published figures, )?"


class _Builder:
    """Turns a publication into a :class:`Model` (one method per kind of table)."""

    def __init__(
        self, pub, wards, themes, threshold, subgroup_of, group_of, harm_weights, round_to
    ):
        self.pub, self.themes = pub, themes
        self.harm_weights, self.round_to = dict(harm_weights or {}), round_to
        self.subgroup_of, self.group_of = subgroup_of, group_of
        self.m = Model(threshold=threshold)
        self.code_of = {
            norm(n): c for c, n in zip(wards["ward_code"], wards["ward_name"], strict=True)
        }
        self.name_of = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
        self.town_of = {
            c: t
            for c, t in zip(wards["ward_code"], wards["town"], strict=True)
            if isinstance(t, str)
        }
        self.universe: dict[str, list[str]] = {}  # theme -> wards of its ward table
        self.ranks: dict[str, dict[str, int]] = defaultdict(dict)
        self.categories: dict[tuple, dict[str, str]] = defaultdict(dict)  # (theme, table)
        self.listing: dict[tuple, list[tuple[str, int | None]]] = {}
        self.listing_n: dict[str, int] = defaultdict(int)
        self.location: dict[str, list[tuple]] = defaultdict(list)  # theme -> notes
        self.bands: dict[str, dict[str, None]] = {}  # the rows of each theme's people tables
        self.ethnicities: dict[str, dict[str, bool]] = defaultdict(dict)
        self.eth_shares: list[tuple] = []
        self.repeat: set[str] = set()
        self.year_wards: list[str] = []  # the wards of the assessment's harm table
        self.pooled: dict[str, tuple[tuple, int]] = {}  # ward -> (cell, years pooled)
        self.year_categories: dict[str, str] = {}  # harm by category: norm -> label
        self.top_shares: list[tuple[int, str, str]] = []  # (k wards, shown share, source)

    # ---------------------------------------------------------------- small helpers
    def ward(self, code: object, name: object) -> str | None:
        code = str(code).strip() if code is not None else ""
        if code and code.lower() not in ("nan", "<na>"):
            return code
        return UNKNOWN if norm(name) in ("unknown ward", "") else self.code_of.get(norm(name))

    def ward_name(self, ward: str) -> str:
        return "Unknown ward" if ward == UNKNOWN else self.name_of.get(ward, ward)

    def hi(self, key: tuple) -> float | None:
        i = self.m.index.get(key)
        return None if i is None else self.m.hi[i]

    @staticmethod
    def places(table: Table, column: str) -> int | None:
        """Decimal places of a CSV column (None: read them from the text)."""
        if not table.csv:
            return None
        return 1 if "pct" in column else 3

    def share(self, table, count, denominator, row, column, text, kind="percentages"):
        self.m.rounded(
            count, denominator, row.get(column), kind, text, places=self.places(table, column)
        )

    def change(self, table, now, before, row, text):
        """The change and % change columns of a row."""
        m = self.m
        if (change := decimal(row.get("change"))) is not None:
            m.equal([(1, now), (-1, before)], change, "changes", f"{text}: change")
        if (pct := decimal(row.get("pct_change"))) is None:
            return
        half = half_unit(row.get("pct_change"), self.places(table, "pct_change"))
        m.add(
            [(100, now), (-(100 + pct - half), before)], 0, np.inf, "changes", f"{text}: % change"
        )
        m.add(
            [(100, now), (-(100 + pct + half), before)], -np.inf, 0, "changes", f"{text}: % change"
        )

    @staticmethod
    def periods_in(text: str) -> tuple[str, ...]:
        found = tuple(p for p in PERIODS if f"{p} period" in text.casefold())
        return found or PERIODS

    # -------------------------------------------------------------------- the build
    def build(self) -> Model:
        for table in self.pub.tables:  # totals first: they bound the cells
            if table.kind in ("headline", "data_quality"):
                self.totals(table)
        for theme, source, text in self.pub.sentences:
            if match := re.match(rf"There were {_N} \w+ in .+? in .+?, (.+?): ", text):
                self.m.observe(total_key(theme, CURRENT), match.group(1), source)
        for table in self.pub.tables:
            getattr(self, f"table_{table.kind}")(table)
        for theme, source, text in self.pub.sentences:
            self.sentence(theme, source, text)
        for finish in (
            self.finish_wards,
            self.finish_change_tables,
            self.finish_location,
            self.finish_people,
            self.finish_by_category,
            self.finish_nesting,
            self.finish_offences,
            self.finish_year,
            self.finish_labels,
        ):
            finish()
        return self.m

    def totals(self, table: Table) -> None:
        theme, frame = table.theme, table.frame
        if table.kind == "headline":
            for measure, key in (("total", total_key), ("strands", strands_key)):
                for _, row in frame.loc[frame["measure"] == measure].iterrows():
                    for period in PERIODS:
                        self.m.observe(key(theme, period), row[period], table.source)
            return
        for _, row in frame.iterrows():
            periods = self.periods_in(str(row["description"]))
            if norm(row.get("outcome", "")) == "included" and len(periods) == 1:
                self.m.observe(total_key(theme, periods[0]), row["records"], table.source)

    def table_headline(self, table: Table) -> None:
        pass  # read by totals()

    def table_data_quality(self, table: Table) -> None:
        """Location notes: how the included records were placed (records in no ward)."""
        for _, row in table.frame.iterrows():
            text = str(row["description"])
            if norm(row.get("outcome", "")) != "note":
                continue
            if re.search(r"no ward|unknown ward", text, re.IGNORECASE):
                what = "in no ward"
            elif re.match(r"located by", text.strip(), re.IGNORECASE):
                what = re.sub(r"\s*\((current|previous) period\)", "", norm(text))
            else:
                continue
            period = norm(row.get("period", ""))  # the notes of each period, one a row
            periods = (period,) if period in PERIODS else self.periods_in(text)
            key = dq_key(table.theme, what, periods)
            self.m.observe(key, row["records"], table.source)
            if (key, what, periods) not in self.location[table.theme]:
                self.location[table.theme].append((key, what, periods))

    def table_wards(self, table: Table, full: bool = True) -> None:
        theme, m, frame = table.theme, self.m, table.frame
        found, cumulative = [], []
        total = [(1, total_key(theme, CURRENT))]
        for _, row in frame.iterrows():
            ward = self.ward(row.get("ward_code"), row.get("ward_name"))
            if ward is None:
                m.notes.append(
                    f"{table.source}: ward {row.get('ward_name')!r} is not in the boundaries"
                )
                continue
            found.append(ward)
            text = f"{table.source} row {self.ward_name(ward)}"
            now = ward_key(theme, CURRENT, ward)
            m.observe(now, row["count"], table.source, self.hi(total_key(theme, CURRENT)))
            if "previous" in frame:
                before = ward_key(theme, PREVIOUS, ward)
                m.observe(
                    before, row["previous"], table.source, self.hi(total_key(theme, PREVIOUS))
                )
                self.change(table, now, before, row, text)
            self.share(table, [(1, now)], total, row, "share_pct", f"{text}: share")
            if population := decimal(row.get("population")):
                m.rounded(
                    [(1, now)],
                    population,
                    row.get("rate_per_1000"),
                    "percentages",
                    f"{text}: rate",
                    scale=1000.0,
                    places=self.places(table, "rate_per_1000"),
                )
            cumulative.append((1, now))
            self.share(
                table,
                list(cumulative),
                total,
                row,
                "cumulative_share_pct",
                f"{text}: cumulative share",
            )
            rank = shown_value(row.get("rank", ""))
            if isinstance(rank, int) and ward != UNKNOWN:
                self.ranks[theme].setdefault(ward, rank)
        if full:
            self.universe[theme] = found

    def table_top_wards(self, table: Table) -> None:
        self.table_wards(table, full=False)

    def table_change(self, table: Table) -> None:
        theme, name, m = table.theme, table.name, self.m
        info = self.themes.get(theme)
        strands = info is not None and info.breakdown == "hate_strand" and name == "breakdown"
        of = strands_key if strands else total_key
        for _, row in table.frame.iterrows():
            category = str(row["category"])
            self.categories[(theme, name)].setdefault(norm(category), category)
            now, before = (cat_key(theme, name, p, category) for p in PERIODS)
            m.observe(now, row["current"], table.source, self.hi(of(theme, CURRENT)))
            m.observe(before, row["previous"], table.source, self.hi(of(theme, PREVIOUS)))
            text = f"{table.source} row {category}"
            self.change(table, now, before, row, text)
            self.share(
                table, [(1, now)], [(1, of(theme, CURRENT))], row, "share_pct", f"{text}: share"
            )

    def table_people(self, table: Table) -> None:
        """A people table (CSV: every role; page: one role): counts and % female."""
        theme = table.theme
        for _, row in table.frame.iterrows():
            role, band = row["role_group"], str(row["age_band"])
            for column in (*SEXES, "people"):
                self.m.observe(people_key(theme, role, band, column), row[column], table.source)
            f, m = (people_key(theme, role, band, sex) for sex in SEXES)
            self.m.rounded(
                [(1, f)],
                [(1, f), (1, m)],
                row.get("female_pct"),
                "percentages",
                f"{table.source}: % female of {role} {band}",
                places=self.places(table, "pct"),
            )
            self.bands.setdefault(theme, {}).setdefault(band, None)

    table_people_html = table_people

    def table_ethnicity(self, table: Table) -> None:
        theme, frame = table.theme, table.frame
        columns = {norm(c): c for c in frame.columns}
        for _, row in frame.iterrows():
            ethnicity = str(row["ethnicity"])
            stated = norm(row.get("stated", "true")) != "false" and norm(ethnicity) != NOT_STATED
            self.ethnicities[theme][norm(ethnicity)] = stated
            for role in (*ROLES, "total"):
                if role in columns:
                    self.m.observe(
                        eth_key(theme, ethnicity, role), row[columns[role]], table.source
                    )
            if decimal(row.get("share_pct")) is not None:
                places = self.places(table, "share_pct")
                self.eth_shares.append(
                    (theme, norm(ethnicity), stated, row["share_pct"], table.source, places)
                )

    def table_repeat_victims(self, table: Table) -> None:
        theme, row = table.theme, table.frame.iloc[0]
        self.repeat.add(theme)
        for name in ("victims", "repeat_victims", "crimes_of_repeat"):
            if name in row:
                self.m.observe(repeat_key(theme, name), row[name], table.source)
        victims, repeat = repeat_key(theme, "victims"), repeat_key(theme, "repeat_victims")
        self.share(
            table,
            [(1, repeat)],
            [(1, victims)],
            row,
            "repeat_pct",
            f"{table.source}: %",
            "repeat victims",
        )

    def table_top_by_category(self, table: Table) -> None:
        theme, frame = table.theme, table.frame
        column = next(c for c in frame.columns if c not in _WARD_COLUMNS)
        for category, group in frame.groupby(column, sort=False):
            listing = []
            for _, row in group.iterrows():
                ward = self.ward(row.get("ward_code"), row.get("ward_name"))
                if ward is None:
                    self.m.notes.append(f"{table.source}: ward {row.get('ward_name')!r} unknown")
                    continue
                key = bycat_key(theme, category, ward)
                self.m.observe(key, row["count"], table.source)
                total = [(1, cat_key(theme, "breakdown", CURRENT, category))]
                text = f"{table.source}: share of {category} in {self.ward_name(ward)}"
                self.share(
                    table, [(1, key)], total, row, "share_pct", text, "top wards by category"
                )
                listing.append((ward, shown_value(row.get("rank", ""))))
            self.listing.setdefault((theme, norm(category)), listing)
            self.listing_n[theme] = max(self.listing_n[theme], len(listing))

    # ------------------------------------------------------------------ sentences
    def change_phrase(self, now, before, phrase, source, text) -> None:
        """``wording.change(now, before)`` of the key findings, read back."""
        m = self.m
        if not (match := _CHANGE.match(phrase)):
            return
        way, n, pct, way_small, n_small, _, way_from, base, same, none = match.groups()
        if none:
            m.observe(before, 0, source)
            m.observe(now, 0, source)
        elif same:
            m.equal([(1, now), (-1, before)], 0, "key findings", text)
        elif way_from:
            m.observe(before, 0 if base == "none" else base, source)
            sign = 1 if way_from == "up" else -1
            m.add([(sign, now), (-sign, before)], 1, np.inf, "key findings", text)
        else:
            way, n = (way, n) if way else (way_small, n_small)
            sign = 1 if way == "up" else -1
            m.equal([(1, now), (-1, before)], sign * int(n.replace(",", "")), "key findings", text)
            shown = pct or "0"  # "less than 1%": rounds to 0
            m.rounded([(sign, now), (-sign, before)], [(1, before)], shown, "key findings", text)

    def sentence(self, theme: str, source: str, text: str) -> None:
        """The numbers of a key finding, a note or a sentence under a table."""
        m, total = self.m, [(1, total_key(theme, CURRENT))]
        said = f"{source}: '{text[:60]}...'"
        if match := re.match(rf"There (?:were|was) {_N} \w+ in .+? in .+?, (.+?): ", text):
            self.change_phrase(
                total_key(theme, CURRENT), total_key(theme, PREVIOUS), match.group(2), source, said
            )
        elif match := re.match(
            rf"{_AMONG}the most common was (.+?): {_N} \w+ \(([\d.]+)%\)(?:, (.+))?\.$",
            text,
            re.IGNORECASE,
        ):
            category, count, share, rest = match.groups()
            now, before = (cat_key(theme, "breakdown", p, category) for p in PERIODS)
            m.observe(now, count, source)
            info = self.themes.get(theme)
            if info is not None and info.breakdown == "hate_strand":  # a share of strands
                total = [(1, strands_key(theme, CURRENT))]
            m.rounded([(1, now)], total, share, "key findings", said)
            if rest:
                self.change_phrase(now, before, rest, source, said)
        elif match := re.match(
            rf"{_AMONG}the largest rise was in (.+?): (.+)$", text, re.IGNORECASE
        ):
            now, before = (cat_key(theme, "breakdown", p, match.group(1)) for p in PERIODS)
            self.change_phrase(now, before, match.group(2), source, said)
        elif match := re.match(
            rf"{_AMONG}(.+?) had the most: {_N} \w+ \(([\d.]+)% of the area", text
        ):
            if ward := self.code_of.get(norm(match.group(1))):
                m.observe(ward_key(theme, CURRENT, ward), match.group(2), source)
                m.rounded(
                    [(1, ward_key(theme, CURRENT, ward))],
                    total,
                    match.group(3),
                    "key findings",
                    said,
                )
        elif match := re.match(
            rf"{_N} \w+(?: \(([\d.]+)%\))? could not be placed in a ward", text, re.IGNORECASE
        ):
            m.observe(ward_key(theme, CURRENT, UNKNOWN), match.group(1).lower(), source)
            m.rounded(
                [(1, ward_key(theme, CURRENT, UNKNOWN))],
                total,
                match.group(2),
                "key findings",
                said,
            )
        elif match := re.match(r"Fewer than (\d+) victims were the victim of more than one", text):
            m.observe(repeat_key(theme, "repeat_victims"), f"<{match.group(1)}", source)
            self.repeat.add(theme)
        elif match := re.match(
            rf"{_N} of {_N} victims \(([\d.]+)%\) were .+ together {_N} crimes", text
        ):
            repeat, victims, pct, crimes = match.groups()
            for name, shown in (
                ("repeat_victims", repeat),
                ("victims", victims),
                ("crimes_of_repeat", crimes),
            ):
                m.observe(repeat_key(theme, name), shown, source)
            m.rounded(
                [(1, repeat_key(theme, "repeat_victims"))],
                [(1, repeat_key(theme, "victims"))],
                pct,
                "repeat victims",
                said,
            )
            self.repeat.add(theme)
        elif match := re.match(rf"(Some|[\d.]+%) of people \({_N}\) had no ethnicity stated", text):
            m.observe(eth_key(theme, NOT_STATED, "total"), match.group(2), source)
            self.ethnicities[theme].setdefault(NOT_STATED, False)
            if match.group(1) != "Some":
                self.eth_shares.append((theme, NOT_STATED, False, match.group(1), source, None))
        elif match := re.match(rf"{_N} hate strands on {_N} crimes in the current period", text):
            m.observe(strands_key(theme, CURRENT), match.group(1), source)
            m.observe(total_key(theme, CURRENT), match.group(2), source)
        elif match := re.match(rf"The {_N} crimes carried {_N} hate strands", text):
            m.observe(total_key(theme, CURRENT), match.group(1), source)
            m.observe(strands_key(theme, CURRENT), match.group(2), source)

    # ------------------------------------------------ harm, peers and the assessment
    def table_harm(self, table: Table) -> None:
        """A theme's ``harm.csv``: its counts are the ward table's cells (same labels).

        Harm, its interval and the ranks are published only where the count is; they say
        something linear about the count only for a theme whose every record has one
        weight (``harm_weights``): harm = weight x count.
        """
        theme, m = table.theme, self.m
        derived = [c for c in table.frame.columns if c.startswith(("harm", "rank"))]
        weight = self.harm_weights.get(theme)
        for _, row in table.frame.iterrows():
            ward = self.ward(row.get("ward_code"), row.get("ward_name"))
            if ward is None:
                m.notes.append(f"{table.source}: ward {row.get('ward_name')!r} is not known")
                continue
            key = ward_key(theme, CURRENT, ward)
            m.observe(key, row["count"], table.source, self.hi(total_key(theme, CURRENT)))
            if not isinstance(shown_value(row["count"]), int):
                if shown := [c for c in derived if str(row[c]).strip()]:
                    m.notes.append(f"{table.source}: {shown} published for a withheld ward")
            elif weight is not None and (harm := decimal(row.get("harm"))) is not None:
                half = half_unit(row["harm"], self.places(table, "harm"))
                m.add([(weight, key)], harm - half, harm + half, "harm", f"{table.source}: harm")

    def peer_rows(self, table: Table, frame: pd.DataFrame, theme: str, period: str) -> None:
        """A peers table: the area's own count is its total; the others' are other areas'.

        Linear statements: the published rates (count / population x per), each published
        ratio to the other areas pooled, the pooled rate (funnel baseline) and the ranks by
        rate (rank r: r - 1 of the areas whose counts are published have a higher rate).
        The funnel's dispersion (phi, tau2, p-value), bands and intervals are not linear:
        see :func:`peer_counts_that_fit`.
        """
        m, source = self.m, table.source
        label = self.pub.periods.get(period)
        months = Period.parse(label).month_count if label else None
        per = None if months is None else 1000 * 12 / months
        rows = []
        for _, row in frame.iterrows():
            own = norm(row.get("is_area", "")) == "true"
            key = total_key(theme, period) if own else ("peer", theme, period, row["area_code"])
            m.observe(key, row["count"], source)
            m.labels.setdefault(key, f"{theme} {period}: {row['area_name']} (another area)")
            population = decimal(row.get("population"))
            rows.append((key, population, row))
        rows = [r for r in rows if r[1]]  # rates need a population
        pooled, baseline = sum(p for _, p, _ in rows), False
        text = f"{source}: {theme}"
        for key, population, row in rows:
            if per is not None:
                m.rounded(
                    [(1, key)],
                    population,
                    row.get("rate_per_1000"),
                    "peers",
                    f"{text} rate",
                    scale=per,
                    places=3,
                )
                if decimal(row.get("funnel_baseline")) is not None and not baseline:
                    baseline = True
                    m.rounded(
                        [(1, k) for k, _, _ in rows],
                        pooled,
                        row["funnel_baseline"],
                        "peers",
                        f"{text} funnel baseline",
                        scale=per,
                        places=3,
                    )
            ratio = decimal(row.get("ratio_to_peers"))
            if ratio is not None and pooled > population:
                others = [(1, k) for k, _, _ in rows if k != key]
                m.rounded(
                    [((pooled - population) / population, key)],
                    others,
                    row["ratio_to_peers"],
                    "peers",
                    f"{text} ratio to the others",
                    scale=1.0,
                    places=3,
                )
            rank = shown_value(row.get("rank", ""))
            count = m.value_of(key)
            if isinstance(rank, int) and count is not None:
                self.peer_rank(theme, period, key, count, population, rank, rows, text)

    def peer_rank(self, theme, period, key, count, population, rank, rows, text) -> None:
        """Exactly ``rank - 1`` areas have a higher rate than this one.

        Ranks are among the areas whose counts are published (as the ward tables' are).
        """
        m, terms, above = self.m, [], 0
        for other, pop, _ in rows:
            if other == key or other in m.withheld:
                continue
            # higher: c / pop > count / population, i.e. c >= floor(count pop / population) + 1
            least = int(Fraction(count) * Fraction(str(pop)) // Fraction(str(population))) + 1
            i = m.var(other)
            lo, hi = m.lo[i], m.hi[i]
            if lo >= least:
                above += 1
            elif hi >= least:
                flag = ("higher", theme, period, other, key)
                m.var(flag, hi=1)
                m.add([(1, other), (-(least - lo), flag)], lo, np.inf, "peers", f"{text} rank")
                m.add(
                    [(1, other), (-(hi - least + 1), flag)],
                    -np.inf,
                    least - 1,
                    "peers",
                    f"{text} rank",
                )
                terms.append((1, flag))
        m.equal(terms, rank - 1 - above, "peers", f"{text}: rank {rank}")

    def table_peers(self, table: Table) -> None:
        self.peer_rows(table, table.frame, table.theme, CURRENT)

    def table_year_peers(self, table: Table) -> None:
        for theme, frame in table.frame.groupby("theme", sort=False):
            self.peer_rows(table, frame, theme, "year")

    def table_priorities(self, table: Table) -> None:
        """Each theme's count over the assessment year: its area total for the year."""
        for _, row in table.frame.iterrows():
            self.m.observe(total_key(row["theme"], "year"), row["count"], table.source)

    def rounded_count(self, key: tuple, shown: object, table: Table) -> None:
        """A count published to the nearest ``round_to`` ("<10" for 1 to 9, 0 exact)."""
        value, m = shown_value(shown), self.m
        if table.exact or not isinstance(value, int) or value == 0:
            m.observe(key, shown, table.source)
            return
        i, to = m.var(key), self.round_to
        # rounded half up: R - to/2 <= x < R + to/2; and 1 to to - 1 would read "<to"
        low, high = max(value - to // 2, to), value + (to - 1) // 2
        m.lo[i], m.hi[i] = max(m.lo[i], low), min(m.hi[i], high)
        m.shown[key].append((table.source, f"{value} (rounded)"))
        m.withheld.add(key)  # the exact value is withheld: it must not follow either
        if m.lo[i] > m.hi[i] + _TOL:
            raise ModelError(f"{m.label(key)} is shown as {m.shown[key]}: contradictory")

    def table_year_harm(self, table: Table) -> None:
        """The assessment's ward harm: all crime over the year by ward, counts rounded."""
        overview = self.overview()
        for _, row in table.frame.iterrows():
            ward = self.ward(row.get("ward_code"), row.get("ward_name"))
            if ward is None or overview is None:
                self.m.notes.append(f"{table.source}: ward {row.get('ward_name')!r} not placed")
                continue
            self.year_wards.append(ward)
            self.rounded_count(ward_key(overview, "year", ward), row["count"], table)
            if not table.exact and not isinstance(shown_value(row["count"]), int):
                derived = [c for c in table.frame.columns if c.startswith(("harm", "rank"))]
                if shown := [c for c in derived if str(row[c]).strip()]:
                    self.m.notes.append(f"{table.source}: {shown} published for a ward <10")

    def table_localities(self, table: Table) -> None:
        """High-harm wards: all crime pooled over the last ``years`` years, counts rounded."""
        overview = self.overview()
        for _, row in table.frame.iterrows():
            ward = self.ward(row.get("ward_code"), row.get("ward_name"))
            years = shown_value(row.get("years"))
            if ward is None or overview is None or not isinstance(years, int):
                self.m.notes.append(f"{table.source}: row {row.get('ward_name')!r} not placed")
                continue
            key = ward_key(overview, f"{years} years", ward)
            self.rounded_count(key, row["count"], table)
            self.pooled[ward] = (key, years)

    def table_categories(self, table: Table) -> None:
        """All crime over the year by type (area level, published as it is)."""
        for _, row in table.frame.iterrows():
            name = norm(row["category"])
            self.year_categories[name] = str(row["category"])
            self.m.observe(("yearcat", name), row["count"], table.source)

    def table_concentration(self, table: Table) -> None:
        """The top 5% and 10% shares of crime (of the year's ward counts); Gini not modelled."""
        for _, row in table.frame.iterrows():
            if row["of"] == "crime" and (
                found := re.fullmatch(r"top_(\d+)pct_share", row["measure"])
            ):
                self.top_shares.append((int(found.group(1)), row["value"], table.source))

    def table_hotspots(self, table: Table) -> None:
        """Classification only; a count column (the restricted version) is the year's count."""
        if "count" in table.frame:
            self.table_year_harm(table)

    def table_grid_hotspots(self, table: Table) -> None:
        """500 m squares' classification: no count in the board version (not modelled)."""

    def table_towns(self, table: Table) -> None:
        """Towns' counts pooled over up to three years, rounded to 10 (not modelled: each
        holds several wards' years, so its +-5 bounds no ward's quarter count)."""

    def table_year_quality(self, table: Table) -> None:
        """Where the year's records went: area totals (the area, the other areas compared,
        neither), no ward or type cell (not modelled)."""

    def finish_year(self) -> None:
        """The assessment year holds the pack's periods, ward by ward and theme by theme."""
        m, overview, periods = self.m, self.overview(), self.pub.periods
        if "year" not in periods:
            return
        year = Period.parse(periods["year"])
        spans = {p: Period.parse(periods[p]) for p in PERIODS if p in periods}

        def inside(a, start, end):
            return start <= a.start and a.end <= end

        def apart(a, start, end):
            return a.end < start or a.start > end

        within = [p for p, span in spans.items() if inside(span, year.start, year.end)]
        for theme in {k[1] for k in m.keys if k[0] == "total" and k[2] == "year"}:
            terms = [(1, total_key(theme, "year"))] + [(-1, total_key(theme, p)) for p in within]
            m.add(terms, 0, np.inf, "assessment year", f"{theme}: the year holds {within}")
        if overview is None:
            return
        wards = list(dict.fromkeys([*self.year_wards, UNKNOWN]))
        year_total = [(-1, total_key(overview, "year"))]
        if self.year_wards:
            terms = [(1, ward_key(overview, "year", w)) for w in wards]
            m.equal(terms + year_total, 0, "assessment year", "the year's wards add up")
            for w in wards:
                if w not in self.universe.get(overview, [w]):
                    continue
                terms = [(1, ward_key(overview, "year", w))]
                terms += [(-1, ward_key(overview, p, w)) for p in within]
                m.add(terms, 0, np.inf, "assessment year", f"{self.ward_name(w)}: year >= quarter")
        for w, (key, years) in self.pooled.items():
            start = year.end - 12 * years + 1
            earlier = [
                p
                for p, s in spans.items()
                if p not in within and inside(s, start, year.end) and apart(s, year.start, year.end)
            ]
            terms = [(1, key)] + [(-1, ward_key(overview, p, w)) for p in earlier]
            if self.year_wards:
                terms.append((-1, ward_key(overview, "year", w)))
            m.add(terms, 0, np.inf, "localities", f"{self.ward_name(w)}: {years} years hold it")
        if self.year_categories:
            # the board version lists the types of at least round_to crimes: a type of the
            # quarter's breakdown not listed had fewer; types never seen make up the rest
            breakdown = self.categories.get((overview, "breakdown"), {})
            unlisted = [c for c in breakdown if c not in self.year_categories]
            for c in unlisted:
                m.var(("yearcat", c), hi=self.round_to - 1)
                self.year_categories[c] = breakdown[c]
            terms = [(1, ("yearcat", c)) for c in self.year_categories]
            if unlisted:
                terms.append((1, ("yearcat", "types not named")))
            m.equal(terms + year_total, 0, "harm by category", "the types add up to all crime")
            for c in self.year_categories:
                if c in breakdown:
                    terms = [(1, ("yearcat", c))]
                    terms += [(-1, cat_key(overview, "breakdown", p, c)) for p in within]
                    m.add(terms, 0, np.inf, "harm by category", f"{c}: year >= quarter")
            for theme in self.themes:
                groups = self.subgroups(theme)
                info = self.themes[theme]
                if (
                    total_key(theme, "year") in m.index
                    and groups
                    and not info.flag
                    and info.where
                    and groups <= set(self.year_categories)
                ):
                    terms = [(1, ("yearcat", c)) for c in groups]
                    m.equal(
                        terms + [(-1, total_key(theme, "year"))],
                        0,
                        "harm by category",
                        f"{theme}: its types over the year",
                    )
        self.finish_top_shares(overview)

    def finish_top_shares(self, overview: str) -> None:
        """Share of the year's crime in the top k wards (k = 5% or 10% of wards, whole)."""
        m, n = self.m, len(self.year_wards)
        cells = [ward_key(overview, "year", w) for w in self.year_wards]
        for percent, shown, source in self.top_shares:
            k = percent * n / 100
            value = decimal(shown)
            if value is None or abs(k - round(k)) > 1e-9 or not cells:
                continue
            k, half, text = round(k), half_unit(shown, 2), f"{source}: top {percent}% share"
            # at most: k t + sum (x - t)+ <= (v + half) total, for some t (exact for the top k)
            t = ("top-t", percent)
            m.var(t)
            slack = []
            for c in cells:
                s = ("top-s", percent, c)
                m.add([(1, s), (-1, c), (1, t)], 0, np.inf, "concentration", text)
                slack.append((1, s))
            m.add(
                [(k, t), *slack] + [(-(value + half), c) for c in cells],
                -np.inf,
                0,
                "concentration",
                text,
            )
            # at least: some k wards hold (v - half) of the total
            chosen, held = [], []
            for c in cells:
                z, y = ("top-z", percent, c), ("top-y", percent, c)
                m.var(z, hi=1)
                bound = m.hi[m.var(c)]
                m.add([(1, y), (-1, c)], -np.inf, 0, "concentration", text)
                m.add([(1, y), (-bound, z)], -np.inf, 0, "concentration", text)
                chosen.append((1, z))
                held.append((1, y))
            m.equal(chosen, k, "concentration", text)
            m.add(held + [(-(value - half), c) for c in cells], 0, np.inf, "concentration", text)

    # ------------------------------------------------- statements needing all tables
    def finish_wards(self) -> None:
        m = self.m
        for theme, codes in self.universe.items():
            if UNKNOWN not in codes:  # the row appears when either period has such records
                for period in PERIODS:
                    m.observe(
                        ward_key(theme, period, UNKNOWN),
                        0,
                        f"{theme}/wards.csv (no Unknown ward row)",
                    )
            wards = [*[c for c in codes if c != UNKNOWN], UNKNOWN]
            for period in PERIODS:
                terms = [(1, ward_key(theme, period, w)) for w in wards]
                m.equal(
                    terms + [(-1, total_key(theme, period))],
                    0,
                    "ward totals",
                    f"{theme} wards add up to the {period} total",
                )
            self.rank_rows(theme, wards[:-1])

    def rank_rows(self, theme: str, wards: list[str]) -> None:
        """Rank r for a published count c > 0: exactly r - 1 published wards have more than
        c (ranks count only the wards whose counts are published); for a count of 0,
        exactly r - 1 wards have more than 0.
        """
        m = self.m
        rank_of: dict[int, int] = {}
        for ward, rank in self.ranks[theme].items():
            if (value := m.value_of(ward_key(theme, CURRENT, ward))) is not None:
                rank_of.setdefault(value, rank)
        published = [w for w in wards if m.value_of(ward_key(theme, CURRENT, w)) is not None]
        for count, rank in sorted(rank_of.items()):
            text = f"{theme}: rank {rank} for a count of {count}"
            terms, above = [], 0
            for ward in wards if count == 0 else published:
                key = ward_key(theme, CURRENT, ward)
                i = m.var(key)
                lo, hi = m.lo[i], m.hi[i]
                if lo > count:
                    above += 1
                elif hi > count:  # open: a 0/1 cell says whether it is above
                    flag = ("above", theme, ward, count)
                    m.var(flag, hi=1)
                    m.add([(1, key), (-(count + 1 - lo), flag)], lo, np.inf, "ranks", text)
                    m.add([(1, key), (-(hi - count), flag)], -np.inf, count, "ranks", text)
                    terms.append((1, flag))
            m.equal(terms, rank - 1 - above, "ranks", text)

    def finish_change_tables(self) -> None:
        m = self.m
        for (theme, name), categories in self.categories.items():
            info = self.themes.get(theme)
            strands = info is not None and info.breakdown == "hate_strand" and name == "breakdown"
            for period in PERIODS:
                terms = [(1, cat_key(theme, name, period, c)) for c in categories]
                total = (strands_key if strands else total_key)(theme, period)
                m.equal(
                    terms + [(-1, total)],
                    0,
                    "breakdown totals",
                    f"{theme} {name} adds up to the {period} total",
                )
                if strands:  # a crime has one strand or more, each at most once
                    crimes = total_key(theme, period)
                    m.add(
                        [(1, total), (-1, crimes)],
                        0,
                        np.inf,
                        "breakdown totals",
                        f"{theme}: strands",
                    )
                    for _, key in terms:
                        m.add(
                            [(1, key), (-1, crimes)],
                            -np.inf,
                            0,
                            "breakdown totals",
                            f"{theme}: strands",
                        )
            if name == "town" and self.town_of and theme in self.universe:
                self.towns(theme, categories)

    def towns(self, theme: str, categories: dict[str, str]) -> None:
        """A town is the sum of its wards; "Not recorded" is the records in no ward."""
        m = self.m
        for period in PERIODS:
            for town in sorted(set(self.town_of.values())) + [NOT_RECORDED]:
                key = cat_key(theme, "town", period, town)
                if norm(town) not in categories:
                    m.observe(key, 0, f"{theme} town table ({town} not listed)")
                wards = [w for w in self.universe[theme] if self.town_of.get(w) == town]
                if town == NOT_RECORDED:
                    wards = [UNKNOWN]
                terms = [(1, ward_key(theme, period, w)) for w in wards] + [(-1, key)]
                m.equal(terms, 0, "towns", f"{theme}: {town} is the sum of its wards ({period})")

    def finish_location(self) -> None:
        """Each note counts one way of placing records over its periods; together, all."""
        m, kind = self.m, "data-quality notes"
        for theme, entries in self.location.items():

            def placed(what, period, theme=theme):
                if what == "in no ward":
                    return ward_key(theme, period, UNKNOWN)
                return ("placed", theme, what, period)

            for key, what, periods in entries:
                terms = [(1, placed(what, p)) for p in periods] + [(-1, key)]
                m.equal(terms, 0, kind, f"{theme}: note '{what}' ({'+'.join(periods)})")
            ways = list(dict.fromkeys(what for _, what, _ in entries))
            for period in PERIODS:  # a way with no note placed no record (its note is left out)
                terms = [(1, placed(what, period)) for what in ways]
                text = f"{theme}: the location notes add up to the records ({period})"
                m.equal(terms + [(-1, total_key(theme, period))], 0, kind, text)

    def finish_people(self) -> None:
        m = self.m
        for theme, bands in self.bands.items():
            inner = [b for b in bands if b not in ("Total", SEX_NOT_RECORDED)]
            for role in ROLES:
                key = {
                    (band, column): people_key(theme, role, band, column)
                    for band in bands
                    for column in (*SEXES, "people")
                }
                unknown = (1, key[SEX_NOT_RECORDED, "people"])
                lines = [
                    *(([(1, key[b, s]) for s in SEXES], (b, "people"), b) for b in inner),
                    *(([(1, key[b, s]) for b in inner], ("Total", s), f"{s} total") for s in SEXES),
                    (
                        [(1, key[b, "people"]) for b in inner] + [unknown],
                        ("Total", "people"),
                        "people",
                    ),
                    (
                        [(1, key["Total", s]) for s in SEXES] + [unknown],
                        ("Total", "people"),
                        "Total",
                    ),
                ]
                for terms, total, what in lines:
                    text = f"{theme} people: {role} {what}"
                    m.equal([*terms, (-1, key[total])], 0, "people margins", text)
        for theme, names in self.ethnicities.items():
            for ethnicity in names:
                terms = [(1, eth_key(theme, ethnicity, r)) for r in ROLES]
                m.equal(
                    terms + [(-1, eth_key(theme, ethnicity, "total"))],
                    0,
                    "ethnicity margins",
                    f"{theme} ethnicity: {ethnicity}",
                )
            if theme in self.bands and NOT_STATED in names:
                for role in ROLES:
                    terms = [(1, eth_key(theme, e, role)) for e in names]
                    total = people_key(theme, role, "Total", "people")
                    m.equal(
                        terms + [(-1, total)],
                        0,
                        "ethnicity margins",
                        f"{theme} ethnicity: {role} = the people table's",
                    )
        for theme, ethnicity, stated, share, source, places in self.eth_shares:
            names = self.ethnicities[theme]
            pool = [e for e, s in names.items() if s] if stated else list(names)
            denominator = [(1, eth_key(theme, e, "total")) for e in pool]
            count = [(1, eth_key(theme, ethnicity, "total"))]
            m.rounded(
                count,
                denominator,
                share,
                "ethnicity margins",
                f"{source}: share of {ethnicity}",
                places=places,
            )
        for theme in self.repeat:
            victims, repeat = repeat_key(theme, "victims"), repeat_key(theme, "repeat_victims")
            if theme in self.bands:  # a victim is a "victim" or a "suspect and victim"
                people = [
                    (-1, people_key(theme, r, "Total", "people"))
                    for r in ("victim", "suspect and victim")
                ]
                m.equal(
                    [(1, victims), *people],
                    0,
                    "repeat victims",
                    f"{theme}: victims in the people table",
                )
            m.add(
                [(1, victims), (-1, repeat)],
                0,
                np.inf,
                "repeat victims",
                f"{theme}: repeat victims",
            )
            if repeat_key(theme, "crimes_of_repeat") in m.index:
                terms = [(1, repeat_key(theme, "crimes_of_repeat")), (-2, repeat)]
                m.add(terms, 0, np.inf, "repeat victims", f"{theme}: 2+ crimes per repeat victim")

    def finish_by_category(self) -> None:
        """The category x ward cells behind "top wards by category" (current period)."""
        m = self.m
        for theme in sorted({theme for theme, _ in self.listing}):
            if theme not in self.universe:
                continue
            wards = [w for w in self.universe[theme] if w != UNKNOWN]
            categories = list(self.categories.get((theme, "breakdown"), {}))
            kind = "top wards by category"
            for category in categories:
                cells = {w: bycat_key(theme, category, w) for w in [*wards, UNKNOWN]}
                for w, key in cells.items():
                    m.var(key, hi=self.hi(ward_key(theme, CURRENT, w)))
                total = cat_key(theme, "breakdown", CURRENT, category)
                m.equal(
                    [(1, k) for k in cells.values()] + [(-1, total)],
                    0,
                    kind,
                    f"{theme}: {category} by ward",
                )
                if category != NOT_RECORDED:  # records with no category are not listed
                    self.listed(theme, category, cells, wards)
            for w in [*wards, UNKNOWN]:
                terms = [(1, bycat_key(theme, c, w)) for c in categories]
                m.equal(
                    terms + [(-1, ward_key(theme, CURRENT, w))],
                    0,
                    kind,
                    f"{theme}: categories of {self.ward_name(w)}",
                )
                for c in categories:
                    key = bycat_key(theme, c, w)
                    if key not in m.exact and key not in m.withheld:
                        m.hide(
                            f"{theme}|{c}|{w}",
                            {key: 1},
                            f"{theme}: {c} in {self.ward_name(w)} (current)",
                        )

    def said_left_out(self, theme: str, what: str) -> bool:
        """Whether the pack says a table (e.g. "The top wards for nuisance") is not shown."""
        texts = [text for t, _, text in self.pub.sentences if t == theme]
        for table in self.pub.tables:
            if table.theme == theme and table.kind == "data_quality":
                texts += table.frame["description"].astype(str).tolist()
        return any(norm(f"{what} are not shown") in norm(text) for text in texts)

    def listed(self, theme, category, cells, wards) -> None:
        m, kind = self.m, "top wards by category"
        listing, n = self.listing.get((theme, category)), self.listing_n[theme]
        text = f"{theme}: top wards for {category}"
        if self.said_left_out(theme, f"The top wards for {category}"):
            return  # left out, with the reason: says nothing of the category's wards
        if not listing:  # a category with records in no ward only, or none
            for w in wards:
                m.equal([(1, cells[w])], 0, kind, f"{text} (none listed)")
            return
        for (a, rank_a), (b, rank_b) in zip(listing, listing[1:], strict=False):
            if rank_a is not None and rank_a == rank_b:
                m.equal([(1, cells[a]), (-1, cells[b])], 0, kind, f"{text}: equal ranks")
            else:  # ranks are places in the list; equal counts are listed in name order
                strict = int(str(self.name_of.get(b)) < str(self.name_of.get(a)))
                m.add([(1, cells[a]), (-1, cells[b])], strict, np.inf, kind, f"{text}: order")
        listed, last = {w for w, _ in listing}, listing[-1][0]
        for w in wards:
            if w in listed:
                continue
            if len(listing) < n:
                m.equal([(1, cells[w])], 0, kind, f"{text}: fewer than {n} listed")
            else:  # on equal counts the list takes wards in name order
                first = str(self.name_of.get(w)) < str(self.name_of.get(last))
                terms = [(1, cells[w]), (-1, cells[last])]
                m.add(
                    terms, -np.inf, -int(first), kind, f"{text}: unlisted at most the last listed"
                )

    # ---------------------------------------------------------- nesting of themes
    def subgroups(self, theme: str) -> set[str] | None:
        """The offence subgroups a theme's records can have (None: any)."""
        info = self.themes.get(theme)
        if info is None or info.records != "crimes":
            return None
        if not info.flag and list(info.where) == ["offence_subgroup"]:
            return {norm(s) for s in info.where["offence_subgroup"]}
        if not info.flag and list(info.where) == ["offence_group"]:
            groups = {norm(g) for g in info.where["offence_group"]}
            return {norm(s) for s, g in self.group_of.items() if norm(g) in groups} or None
        if info.breakdown == "offence_subgroup" and (theme, "breakdown") in self.categories:
            return set(self.categories[(theme, "breakdown")])  # unlisted: none in either period
        return None

    def overview(self) -> str | None:
        for name, info in self.themes.items():
            if (
                info.records == "crimes"
                and not info.flag
                and not info.where
                and name in self.universe
            ):
                return name
        return None

    def holds_all(self, theme: str, subgroup: str, overview: str) -> bool:
        """Whether ``theme`` has every crime of ``subgroup`` (by definition or by the numbers)."""
        info = self.themes[theme]
        if not info.flag and info.where and subgroup in (self.subgroups(theme) or ()):
            return True
        by_subgroup = info.breakdown == self.themes[overview].breakdown == "offence_subgroup"
        return by_subgroup and all(
            (mine := self.m.value_of(cat_key(theme, "breakdown", p, subgroup))) is not None
            and mine == self.m.value_of(cat_key(overview, "breakdown", p, subgroup))
            for p in PERIODS
        )

    def within(self, a: str, b: str, overview: str) -> bool:
        if a == b or a == overview:
            return False
        if b == overview:
            return True
        info, groups = self.themes[a], self.subgroups(a)
        if info.flag or not info.where or not groups:
            return False
        return all(self.holds_all(b, s, overview) for s in groups)

    def disjoint(self, a: str, b: str) -> bool:
        sa, sb = self.subgroups(a), self.subgroups(b)
        return sa is not None and sb is not None and not sa & sb

    def finish_nesting(self) -> None:
        """Ward by ward: a theme holds its sub-themes; the remainder is a hidden count."""
        m, overview = self.m, self.overview()
        if overview is None:
            return
        crimes = [
            t for t in self.universe if self.themes.get(t) and self.themes[t].records == "crimes"
        ]
        inside = {b: [a for a in crimes if self.within(a, b, overview)] for b in crimes}
        for b in crimes:
            direct = [a for a in inside[b] if not any(a in inside[c] for c in inside[b])]
            groups: list[list[str]] = []  # direct sub-themes that are pairwise disjoint
            for a in sorted(direct):
                group = next((g for g in groups if all(self.disjoint(a, o) for o in g)), None)
                if group is None:
                    groups.append([a])
                else:
                    group.append(a)
            for group, period in ((g, p) for g in groups for p in PERIODS):
                names = " and ".join(group)
                for w in self.universe[b]:
                    if any(w not in self.universe[a] for a in group):
                        continue
                    terms = {ward_key(b, period, w): 1.0} | {
                        ward_key(a, period, w): -1.0 for a in group
                    }
                    place = f"{self.ward_name(w)} ({period})"
                    m.add(
                        [(c, k) for k, c in terms.items()],
                        0,
                        np.inf,
                        "theme nesting",
                        f"{names} within {b} in {place}",
                    )
                    m.hide(f"{b}-{names}|{period}|{w}", terms, f"{b} not {names}: {place}")

    def finish_offences(self) -> None:
        """An offence in one theme is at most the offence in a theme holding its subgroup."""
        m, overview = self.m, self.overview()
        kind = "offence nesting"
        by_offence = [
            t
            for t, info in self.themes.items()
            if info.breakdown == "offence" and (t, "breakdown") in self.categories
        ]
        for t in by_offence:
            offences = self.categories[(t, "breakdown")]
            for u in by_offence:
                info, scope = self.themes[u], self.subgroups(u)
                if u == t or info.flag or not info.where or not scope:
                    continue
                for o in offences:
                    if self.subgroup_of.get(o) not in scope:
                        continue
                    for p in PERIODS:
                        if o not in self.categories[(u, "breakdown")]:
                            m.observe(
                                cat_key(u, "breakdown", p, o), 0, f"{u} breakdown ({o} not listed)"
                            )
                        terms = [
                            (1, cat_key(t, "breakdown", p, o)),
                            (-1, cat_key(u, "breakdown", p, o)),
                        ]
                        m.add(terms, -np.inf, 0, kind, f"{t} {o} within {u} ({p})")
            if overview is None or self.themes[overview].breakdown != "offence_subgroup":
                continue
            by_subgroup = defaultdict(list)
            for o in offences:
                if o in self.subgroup_of:
                    by_subgroup[self.subgroup_of[o]].append(o)
            for s, group in by_subgroup.items():
                for p in PERIODS:
                    if s not in self.categories.get((overview, "breakdown"), {}):
                        m.observe(
                            cat_key(overview, "breakdown", p, s),
                            0,
                            f"{overview} breakdown ({s} not listed)",
                        )
                    terms = [(1, cat_key(t, "breakdown", p, o)) for o in group]
                    terms.append((-1, cat_key(overview, "breakdown", p, s)))
                    m.add(terms, -np.inf, 0, kind, f"{t} offences of {s} within all crime ({p})")

    def finish_labels(self) -> None:
        m = self.m
        for key in m.keys:
            kind, theme, *rest = key
            if kind == "ward":
                m.labels[key] = f"{theme}: {self.ward_name(rest[1])} ({rest[0]})"
            elif kind == "cat":
                m.labels[key] = f"{theme} {rest[0]}: {rest[2]} ({rest[1]})"
            elif kind == "people":
                m.labels[key] = f"{theme} people: {rest[0]}, {rest[1]}, {rest[2]}"
            elif kind == "eth":
                m.labels[key] = f"{theme} ethnicity: {rest[0]}, {rest[1]}"
            elif kind == "yearcat":
                m.labels[key] = f"all crime over the year: {self.year_categories.get(theme, theme)}"
            elif kind == "bycat":
                m.labels[key] = f"{theme}: {rest[0]} in {self.ward_name(rest[1])} (current)"
            elif kind == "placed":
                m.labels[key] = f"{theme}: records '{rest[0]}' ({rest[1]})"
            elif kind == "dq":
                m.labels[key] = f"{theme} data-quality note '{rest[0]}' ({'+'.join(rest[1])})"
            elif kind in ("total", "strands", "repeat"):
                m.labels[key] = f"{theme} {kind} {rest[0]}"


def build_model(
    pub: Publication,
    wards: pd.DataFrame,
    themes: dict[str, ThemeInfo],
    *,
    threshold: int = 4,
    offence_tree: pd.DataFrame | None = None,
    harm_weights: dict[str, float] | None = None,
    round_to: int = 10,
) -> Model:
    """The integer model of everything ``pub`` publishes.

    ``wards`` are the published boundaries' attributes (:func:`read_wards`), ``themes``
    the public theme definitions (:func:`themes_from_settings`), ``offence_tree`` the
    Home Office classification (offence, offence_subgroup, offence_group), which places
    offences in subgroups (offence names with one subgroup only). ``harm_weights`` gives
    the one severity weight of a theme whose every record has the same weight (public:
    data.police.uk crime types); ``round_to`` the rounding of the assessment's ward counts.
    """
    subgroup_of, group_of = {}, {}
    if offence_tree is not None:
        count = offence_tree.groupby("offence")["offence_subgroup"].nunique()
        for offence, subgroup in zip(
            offence_tree["offence"], offence_tree["offence_subgroup"], strict=True
        ):
            if count[offence] == 1:
                subgroup_of[norm(offence)] = norm(subgroup)
        group_of = dict(
            zip(offence_tree["offence_subgroup"], offence_tree["offence_group"], strict=True)
        )
    return _Builder(
        pub, wards, themes, threshold, subgroup_of, group_of, harm_weights, round_to
    ).build()


def truth(pub: Publication, wards: pd.DataFrame, themes, **options) -> dict[tuple, int]:
    """The exact value of every cell a restricted publication gives (to check the attack)."""
    model = build_model(pub, wards, themes, **options)
    return {key: value for key, (value, _) in model.exact.items()}


def small_counts(
    pub: Publication, *, sensitive=(), threshold: int = 4, round_to: int = 10
) -> list[str]:
    """Counts of 1 to ``threshold`` published where the board version withholds them.

    Ward tables (and the harm tables' counts), top wards by category, people and
    ethnicity cells (not a role's area total), repeat victims, breakdowns other than a
    theme's own breakdown, the breakdowns of ``sensitive`` themes and other areas' counts
    in the peers tables; and a ward count of the strategic assessment that is not rounded
    to the nearest ``round_to``.
    """
    found = []
    for table in pub.tables:
        frame, kind = table.frame, table.kind
        for _, row in frame.iterrows():
            cells = []
            if kind in ("wards", "top_wards"):
                cells = [(row.get("ward_name"), c) for c in ("count", "previous") if c in frame]
            elif kind == "top_by_category":
                cells = [(f"{row.iloc[0]} in {row.get('ward_name')}", "count")]
            elif kind == "change" and (table.name != "breakdown" or table.theme in sensitive):
                cells = [(row["category"], c) for c in ("current", "previous")]
            elif kind in ("people", "people_html"):
                band = f"{row['role_group']} {row['age_band']}"
                cells = [
                    (band, c)
                    for c in (*SEXES, "people")
                    if (row["age_band"], c) != ("Total", "people")
                ]
            elif kind == "ethnicity":
                cells = [
                    (row["ethnicity"], c) for c in frame.columns if norm(c) in (*ROLES, "total")
                ]
            elif kind == "repeat_victims":
                cells = [("", c) for c in ("repeat_victims", "crimes_of_repeat") if c in frame]
            elif kind == "harm":
                cells = [(row.get("ward_name"), "count")]
            elif kind in ("peers", "year_peers") and norm(row.get("is_area")) != "true":
                cells = [(row.get("area_name"), "count")]
            elif kind in ("year_harm", "localities", "hotspots") and "count" in frame:
                value = shown_value(row["count"])  # rounded to the nearest 10: 0, "<10", 10, ...
                if isinstance(value, int) and value % round_to:
                    found.append(f"{table.source}: {row.get('ward_name')} count = {value} (exact)")
            for label, column in cells:
                value = shown_value(row[column])
                if isinstance(value, int) and 1 <= value <= threshold:
                    found.append(f"{table.source}: {label} {column} = {value}".replace(":  ", ": "))
    return found


# ---------------------------------------------------------------------------- solving


@dataclass
class Finding:
    """A withheld cell recovered exactly, or a hidden count pinned to a small value."""

    kind: str  # "recovered" or "hidden"
    key: tuple
    value: int
    label: str
    shown: list[tuple[str, str]] = field(default_factory=list)
    route: list[str] = field(default_factory=list)
    truth: int | None = None

    def describe(self) -> str:
        shown = "; ".join(f"{label} in {source}" for source, label in self.shown[:4])
        truth = "" if self.truth is None else f" (restricted run: {self.truth})"
        lines = [f"{self.label} = {self.value}{truth}" + (f"  [shown: {shown}]" if shown else "")]
        return "\n".join([*lines, *(f"      route: {step}" for step in self.route)])


@dataclass
class Attack:
    """What :func:`attack` found."""

    recovered: list[Finding]
    hidden: list[Finding]
    withheld: int  # withheld cells examined
    hidden_examined: int  # hidden counts from 1 to the threshold in the first solution
    components: int
    solves: int
    seconds: float
    ranges: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    model: Model | None = None

    def compare(self, values: dict[tuple, int]) -> list[Finding]:
        """Give each finding its value in ``values`` (the restricted run); the disagreeing."""
        for finding in self.recovered + self.hidden:
            terms = {finding.key: 1} if finding.kind == "recovered" else None
            if terms is None:
                terms = self.model.hidden[finding.key[1]][0]
            if all(k in values for k in terms):
                finding.truth = round(sum(c * values[k] for k, c in terms.items()))
        found = self.recovered + self.hidden
        return [f for f in found if f.truth is None or f.truth != f.value]

    def report(self) -> str:
        lines = [
            f"{len(self.recovered)} of {self.withheld} withheld cells recovered exactly; "
            f"{len(self.hidden)} hidden counts pinned to a small value (of "
            f"{self.hidden_examined} examined); {self.components} components, "
            f"{self.solves} integer programmes, {self.seconds:.1f} s"
        ]
        for title, findings in (("Recovered", self.recovered), ("Hidden", self.hidden)):
            lines += [f"{title}:"] * bool(findings) + [f"  - {f.describe()}" for f in findings]
        return "\n".join(lines)


@dataclass
class _Component:
    cells: np.ndarray  # model indices of the open cells
    rows: list[int]  # model rows
    matrix: object  # sparse rows x cells
    lower: np.ndarray
    upper: np.ndarray
    kinds: np.ndarray  # each row's family


class _Solver:
    """Integer programmes over the components of a model (cells linked by statements)."""

    def __init__(self, model: Model, groups: list[list[int]]):
        self.model = model
        self.lo, self.hi = np.array(model.lo), np.array(model.hi)
        self.open = self.lo < self.hi - _TOL
        self.solves = 0
        parent = np.arange(len(self.lo))

        def root(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for group in [list(row.terms) for row in model.rows] + groups:
            live = [root(i) for i in group if self.open[i]]
            for other in live[1:]:
                parent[root(other)] = root(live[0])
        members, rows = defaultdict(list), defaultdict(list)
        for i in np.flatnonzero(self.open):
            members[root(i)].append(i)
        for number, row in enumerate(model.rows):
            live = [i for i in row.terms if self.open[i]]
            if live:
                rows[root(live[0])].append(number)
                continue
            value = sum(c * self.lo[i] for i, c in row.terms.items())
            if not row.lo - 1e-6 <= value <= row.hi + 1e-6:
                raise ModelError(f"the published numbers break '{row.text}' ({value:g})")
        self.components = [self._component(np.array(members[r]), rows[r]) for r in sorted(members)]
        self.where = {i: n for n, comp in enumerate(self.components) for i in comp.cells}

    def _component(self, cells: np.ndarray, numbers: list[int]) -> _Component:
        local = {i: k for k, i in enumerate(cells)}
        data, r_index, c_index, lower, upper, kinds = [], [], [], [], [], []
        for r, number in enumerate(numbers):
            row = self.model.rows[number]
            constant = 0.0
            for i, c in row.terms.items():
                if self.open[i]:
                    data.append(c)
                    r_index.append(r)
                    c_index.append(local[i])
                else:
                    constant += c * self.lo[i]
            lower.append(row.lo - constant)
            upper.append(row.hi - constant)
            kinds.append(row.kind)
        shape = (len(numbers), len(cells))
        matrix = coo_matrix((data, (r_index, c_index)), shape=shape).tocsr()
        return _Component(cells, numbers, matrix, np.array(lower), np.array(upper), np.array(kinds))

    def solve(self, comp: _Component, objective, fixed=None, active=None) -> np.ndarray | None:
        """A whole-number solution minimising ``objective`` (None when there is none)."""
        lo, hi = self.lo[comp.cells].copy(), self.hi[comp.cells].copy()
        for k, value in (fixed or {}).items():
            lo[k] = hi[k] = value
        rows = np.ones(len(comp.lower), dtype=bool) if active is None else active
        constraints = []
        if rows.any():
            constraints = [LinearConstraint(comp.matrix[rows], comp.lower[rows], comp.upper[rows])]
        self.solves += 1
        result = milp(
            objective,
            integrality=np.ones(len(comp.cells)),
            bounds=Bounds(lo, hi),
            constraints=constraints,
            options={"presolve": True, "mip_rel_gap": 0.0},
        )
        if result.status == 0:
            return np.round(result.x)
        if result.status == 2:  # infeasible
            return None
        raise ModelError(f"an integer programme did not finish: {result.message}")

    def vector(self, comp: _Component, expression: dict[int, float]) -> tuple[np.ndarray, float]:
        """An expression over cells as a vector over the component, plus a constant."""
        vector, constant = np.zeros(len(comp.cells)), 0.0
        position = {i: k for k, i in enumerate(comp.cells)}
        for i, c in expression.items():
            if i in position:
                vector[position[i]] += c
            else:
                constant += c * self.lo[i]
        return vector, constant


class _Search:
    """Which targets of one component are pinned: shared solutions, then one at a time."""

    def __init__(self, solver, comp, targets, start, rng, exact):
        self.solver, self.comp, self.rng, self.exact = solver, comp, rng, exact
        self.vectors = {key: solver.vector(comp, e) for key, e in targets.items()}
        self.seen = {key: [self.value(key, start)] * 2 for key in targets}

    def value(self, key, x) -> float:
        vector, constant = self.vectors[key]
        return float(vector @ x) + constant

    def record(self, x) -> None:
        if x is not None:
            for key, (low, high) in self.seen.items():
                value = self.value(key, x)
                self.seen[key] = [min(low, value), max(high, value)]

    def open_keys(self) -> list:
        return [key for key, (low, high) in self.seen.items() if high - low < 0.5]

    def run(self) -> dict[tuple, tuple[int, int]]:
        for _ in range(6):  # many cells moved at once by one objective
            before = len(self.open_keys())
            for sign in (1.0, -1.0):
                keys = self.open_keys()
                if keys:
                    weights = self.rng.integers(1, 4, len(keys))
                    objective = sum(
                        w * sign * self.vectors[k][0] for w, k in zip(weights, keys, strict=True)
                    )
                    self.record(self.solver.solve(self.comp, objective))
            if not self.open_keys() or len(self.open_keys()) >= before:
                break
        for key in self.seen:  # then each cell still unmoved (or all, for exact ranges)
            for sign in (1.0, -1.0):
                if self.exact or self.seen[key][1] - self.seen[key][0] < 0.5:
                    self.record(self.solver.solve(self.comp, sign * self.vectors[key][0]))
        return {key: (round(low), round(high)) for key, (low, high) in self.seen.items()}


def _first_solution(model, solver, witness) -> np.ndarray:
    """A solution of every component: the witness where given, completed by the solver."""
    point = solver.lo.copy()
    for comp in solver.components:
        fixed = {}
        for k, i in enumerate(comp.cells):
            if (key := model.keys[i]) in witness:
                value = witness[key]
                if not solver.lo[i] - _TOL <= value <= solver.hi[i] + _TOL:
                    raise ModelError(
                        f"the restricted value {value} of {model.label(key)} is not what the pack "
                        f"shows: {model.shown.get(key)}"
                    )
                fixed[k] = value
        x = solver.solve(comp, np.zeros(len(comp.cells)), fixed=fixed)
        if x is None:
            raise ModelError(_infeasible(model, solver, comp, fixed))
        point[comp.cells] = x
    for key, value in witness.items():
        i = model.index.get(key)
        if i is not None and not solver.open[i] and abs(solver.lo[i] - value) > _TOL:
            raise ModelError(
                f"{model.label(key)}: the pack gives {solver.lo[i]:g} "
                f"({model.shown.get(key) or 'by the model'}) but the restricted run has {value}"
            )
    return point


def _infeasible(model, solver, comp, fixed) -> str:
    values = solver.lo.copy()
    known = set(np.flatnonzero(~solver.open))
    for k, value in fixed.items():
        values[comp.cells[k]] = value
        known.add(comp.cells[k])
    broken = []
    for number in comp.rows:
        row = model.rows[number]
        if set(row.terms) <= known:
            total = sum(c * values[i] for i, c in row.terms.items())
            if not row.lo - 1e-6 <= total <= row.hi + 1e-6:
                broken.append(f"'{row.text}' ({total:g}; allowed {row.lo:g} to {row.hi:g})")
    if broken:
        return "the restricted numbers break the model: " + "; ".join(broken[:10])
    cells = ", ".join(model.label(model.keys[i]) for i in comp.cells[:5])
    given = " with the restricted values" if fixed else ""
    return f"no solution fits the published numbers{given} (cells such as {cells})"


def _route(model, solver, comp, expression, value, known, deadline) -> list[str]:
    """The families of statements that pin an expression: a deletion filter over families."""
    vector, constant = solver.vector(comp, expression)

    def pinned(families) -> bool:
        active = np.isin(comp.kinds, list(families))
        for sign in (1.0, -1.0):
            x = solver.solve(comp, sign * vector, active=active)
            if x is None or abs(float(vector @ x) + constant - value) > 0.5:
                return False
        return True

    route = next((r for r in known if time.perf_counter() < deadline and pinned(r)), None)
    if route is None:
        families = sorted(set(comp.kinds))
        for family in list(families):
            if time.perf_counter() > deadline:
                return ["(route not analysed: time limit)"]
            if pinned(trial := [f for f in families if f != family]):
                families = trial
        route = tuple(families)
        known.append(route)
    texts = defaultdict(list)
    for number in comp.rows:
        row = model.rows[number]
        if row.kind in route and row.text and set(row.terms) & set(expression):
            texts[row.kind].append(row.text)
    steps = []
    for family in route:
        found = list(dict.fromkeys(texts[family]))
        detail = "; ".join(found[:3]) + (" ..." if len(found) > 3 else "")
        steps.append(family + (f": {detail}" if detail else ""))
    return steps


def attack(
    model: Model,
    witness: dict[tuple, int] | None = None,
    *,
    exact_ranges: bool = False,
    route_seconds: float = 30.0,
    seed: int = 0,
) -> Attack:
    """Every withheld cell whose value follows exactly, and every small hidden count.

    ``witness`` is a known solution (the restricted run's numbers): every value in it
    is checked against what the pack shows and against every statement (a
    :class:`ModelError` names what breaks), and it is the first solution; cells it does
    not give are completed by the solver. With ``exact_ranges`` the least and greatest
    value of every withheld cell is found (``Attack.ranges``), otherwise only whether it
    is pinned. Routes (the families of statements that pin a cell) are found by a
    deletion filter within ``route_seconds``.
    """
    start = time.perf_counter()
    hidden = {
        name: {model.index[k]: c for k, c in terms.items()}
        for name, (terms, _) in model.hidden.items()
    }
    solver = _Solver(model, [list(e) for e in hidden.values()])
    point = _first_solution(model, solver, witness or {})
    targets: dict[tuple, dict[int, float]] = {}
    findings: list[Finding] = []
    for key in sorted(model.withheld, key=str):
        i = model.index[key]
        if solver.open[i]:
            targets[key] = {i: 1.0}
        else:
            route = ["bounds: its label with a published total or another source leaves one value"]
            findings.append(
                Finding(
                    "recovered", key, int(solver.lo[i]), model.label(key), model.shown[key], route
                )
            )
    examined = 0
    for name, expression in hidden.items():
        value = round(sum(c * point[i] for i, c in expression.items()))
        live = [i for i in expression if solver.open[i]]
        if not 1 <= value <= model.threshold or (
            len(live) == 1 and model.keys[live[0]] in model.withheld
        ):
            continue  # not small, or the same as a withheld cell (examined as such)
        examined += 1
        if live:
            targets[("hidden", name)] = expression
            continue
        parts = " ".join(
            f"{'+-'[c < 0]} {model.label(model.keys[i])} ({solver.lo[i]:g})"
            for i, c in expression.items()
        )
        findings.append(
            Finding(
                "hidden",
                ("hidden", name),
                value,
                model.hidden[name][1],
                [],
                [f"published numbers: {parts}"],
            )
        )

    by_component = defaultdict(dict)
    for key, expression in targets.items():
        first = next(i for i in expression if solver.open[i])
        by_component[solver.where[first]][key] = expression
    ranges, pinned = {}, []
    rng = np.random.default_rng(seed)
    for number, group in sorted(by_component.items()):
        comp = solver.components[number]
        found = _Search(solver, comp, group, point[comp.cells], rng, exact_ranges).run()
        ranges.update(found)
        pinned += [(key, low, number) for key, (low, high) in found.items() if low == high]
    deadline, known = time.perf_counter() + route_seconds, defaultdict(list)
    for key, value, number in pinned:
        comp = solver.components[number]
        route = _route(model, solver, comp, targets[key], value, known[number], deadline)
        if key[0] == "hidden":
            findings.append(Finding("hidden", key, value, model.hidden[key[1]][1], [], route))
        else:
            findings.append(
                Finding("recovered", key, value, model.label(key), model.shown[key], route)
            )
    result = Attack(
        recovered=sorted((f for f in findings if f.kind == "recovered"), key=lambda f: f.label),
        hidden=sorted((f for f in findings if f.kind == "hidden"), key=lambda f: f.label),
        withheld=len(model.withheld),
        hidden_examined=examined,
        components=len(solver.components),
        solves=solver.solves,
        seconds=time.perf_counter() - start,
        ranges={k: v for k, v in ranges.items() if k[0] != "hidden"},
        model=model,
    )
    if witness:
        result.compare(witness)
    return result


def verify(model: Model, values: dict[tuple, int]) -> None:
    """Check known values (the restricted run's) against the model; ModelError if they break it.

    Every value must agree with what the pack shows, and the values, completed by the
    solver where the restricted run does not say (hidden cells), must satisfy every
    statement: otherwise a statement of the model is not true of the data.
    """
    hidden = [[model.index[k] for k in terms] for terms, _ in model.hidden.values()]
    _first_solution(model, _Solver(model, hidden), values)


# ------------------------------------------------------------ beyond linear statements


def offence_range(
    count: int, harm: str, weights: dict[str, float], codes: set[str], within=(0, np.inf)
) -> tuple[int, int] | None:
    """The least and most crimes of ``codes`` among ``count`` crimes of harm ``harm``.

    A ward's harm is the sum of its crimes' public severity weights: ``harm`` is the
    published text (its decimal places say how it was rounded), ``weights`` the weight of
    each code a crime could have, ``within`` what else is known of the crimes of
    ``codes`` (e.g. 1 to 4 when shown "<5"). Integer programmes over how many crimes of
    each code there were; None when no mix fits (the model is wrong).

    >>> offence_range(2, "3.0", {"a": 1.0, "b": 2.0, "c": 1.5}, {"c"})
    (0, 2)
    >>> offence_range(2, "4.0", {"a": 1.0, "b": 2.0, "c": 1.5}, {"b"})
    (2, 2)
    """
    names = sorted(weights)
    value, half = decimal(harm), half_unit(harm)
    inside = np.array([float(n in codes) for n in names])
    # weights in whole ten-thousandths (they have 4 decimal places): exact for the solver
    units = [round(weights[n] * 10_000) for n in names]
    low, high = np.ceil((value - half) * 10_000 - 1e-6), np.floor((value + half) * 10_000 + 1e-6)
    rows = np.array([[1.0] * len(names), units, inside])
    constraints = LinearConstraint(rows, [count, low, within[0]], [count, high, within[1]])
    found = []
    for sign in (1.0, -1.0):
        result = milp(
            sign * inside,
            integrality=np.ones(len(names)),
            bounds=Bounds(0, count),
            constraints=[constraints],
        )
        if result.status != 0:
            return None
        found.append(round(float(inside @ np.round(result.x))))
    return found[0], found[1]


def peer_counts_that_fit(frame: pd.DataFrame, per: float, compare, rounding) -> list[tuple]:
    """The withheld counts of a peers table that reproduce every published number.

    ``compare`` is the published method (``csp_analysis.peers.compare_peers``) and
    ``rounding`` the tables' rounding (``csp_analysis.tables.rounded``): the reader
    knows both. Each withheld count (``"<5"``) is tried from 1 to 4.
    """
    from itertools import product

    frame = frame.reset_index(drop=True)
    withheld = [i for i in frame.index if str(frame.loc[i, "count"]).startswith("<")]
    own = frame.loc[frame["is_area"].map(norm) == "true", "area_code"].iloc[0]
    columns = [c for c in frame.columns if c not in ("area_code", "area_name", "is_area")]
    fits = []
    for trial in product(range(1, 5), repeat=len(withheld)):
        counts = frame["count"].copy()
        counts.loc[withheld] = [str(c) for c in trial]
        table = frame[["area_code", "area_name"]].assign(
            count=counts.astype(int), population=frame["population"].astype(float)
        )
        made = rounding(compare(table, area=own, per=per))
        if all(
            _same(frame.loc[i, c], made.loc[i, c])
            for i in frame.index
            if i not in withheld
            for c in columns
            if c in made
        ):
            fits.append(trial)
    return fits


def _same(shown: str, value: object) -> bool:
    """Whether a published cell (text; blank when withheld) shows ``value``."""
    if str(shown).strip() == "":
        return True  # blank: says nothing
    number = decimal(shown)
    if number is not None and isinstance(value, (int, float, np.integer, np.floating)):
        return abs(float(value) - number) < 1e-9
    return norm(shown) == norm(value)
