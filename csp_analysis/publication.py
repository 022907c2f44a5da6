"""Publication: the board and public version of one area's profiles, protected together.

A reader of a board pack sees every table of every theme page, and the CSV files beside
them, at once. :func:`protect_profiles` therefore decides small-number suppression for all
the themes of one area and period together: every count the pack publishes is a cell of
one :class:`~csp_analysis.disclosure.Cells` model, with every linear relation a reader
knows between them, and the suppression is checked by an integer programme over all of
them (:mod:`csp_analysis.disclosure`).

What is published and how it is protected (the policy):

* Area totals are published as they are: each theme's total for the two periods (the
  headline, the index), its monthly series and the hate strand totals, as the Home Office
  and ONS publish them for every Community Safety Partnership.
* Protected in every theme: the ward table (and the top wards, the maps and the ward
  named in the key findings), the tables of further columns (weapon, alcohol, town), the
  top wards within each category, and the tables of people (age and sex, ethnicity,
  repeat victims).
* Protected in a *sensitive* theme (``sensitive: true`` in the theme's configuration:
  domestic abuse, hate crime, sexual offences): its own breakdown too (offences, strands),
  and the data-quality counts of its records. The breakdowns of other themes are area
  figures by offence and are published as they are, as the Home Office publishes them,
  except a row whose records all belong to a sensitive theme (the one homicide of a
  month, which was domestic), and what must be withheld in the same table to protect it.

The relations a reader can use, all modelled at once: each table's rows add up to its
total (for both periods); a theme within another (violence with injury within serious
violence within all crime, found from the records) gives, ward by ward and category by
category, a difference that is itself a count; an offence breakdown adds up to the
subgroups of a wider theme; a town is made of its wards; the top wards within a category
are the largest, and a list shorter than five means the other wards had none; the records
in no ward are the ward table's "Unknown ward" and the data-quality note's alike; records
of an offence the classification does not know are the rows of their labels; each role's
people table adds up by age band, by sex and to the role's total (with its people of
unknown sex, one row), the people tables share their role totals and the repeat victims
are among the victims; and where a sentence says a ward or offence had "the most", the
withheld ones had no more. In a people table, the cells withheld to protect others are
chosen so that every age band of :data:`KEEP_SPLIT` or more people keeps its female and
male counts where the role's totals allow (see ``_people_costs``).

Where the model finds a withheld cell that can be worked out exactly, or a hidden count
of 1 to the threshold that can be, more cells are withheld; where nothing more can be
withheld, a table is left out (the least needed one that frees the cell) and the page
says why in words. No table the audit knows to be unsafe is published.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis import harm, indicators
from csp_analysis.config import Settings
from csp_analysis.disclosure import _PRIMARY, _PUBLISHED, _SECONDARY, SECONDARY_LABEL, Cells
from csp_analysis.load import Dataset
from csp_analysis.locate import LOCATION_METHODS
from csp_analysis.periods import Period
from csp_analysis.profile import (
    HARM_COLUMNS,
    PERIODS,
    TOP_WARDS_BY,
    CoverageError,
    Profile,
    build_profiles,
    quality_flags,
)

__all__ = ["area_profiles", "protect_profiles"]

#: The count columns of each period in the ward and breakdown tables.
_WARD_COLUMNS = {"current": "count", "previous": "previous"}
_BREAKDOWN_COLUMNS = {"current": "current", "previous": "previous"}
#: Columns blanked where a count is withheld.
_WARD_DEPENDENT = {
    "count": [
        "rank",
        "share_pct",
        "cumulative_share_pct",
        *indicators.RATE_COLUMNS,
        "change",
        "pct_change",
    ],
    "previous": ["change", "pct_change"],
}
_BREAKDOWN_DEPENDENT = {
    "current": ["change", "pct_change", "share_pct"],
    "previous": ["change", "pct_change"],
}
#: The board version keeps the female/male split of every age band of this many people.
KEEP_SPLIT = 20
_SEXES = ("female", "male")
_PEOPLE_COLUMNS = (*_SEXES, "people")
_SEX_NOT_RECORDED = indicators.SEX_NOT_RECORDED
_AGE_SEX_DEPENDENT = {"female": ["female_pct"], "male": ["female_pct"]}
_REPEAT_DEPENDENT = {
    "repeat_victims": ["repeat_pct", "crimes_of_repeat"],
    "victims": ["repeat_pct"],
}
#: Which table goes first when one must be left out (least needed first).
_LEAVE_OUT_ORDER = (
    "data_quality",
    "wards_by",
    "attributes",
    "repeat_victims",
    "ethnicity",
    "people",
    "breakdown",
    "wards",
)
#: Table names in words, for the page.
_TABLE_WORDS = {
    "data_quality": "The counts of how records were located and flagged are",
    "wards_by": "The top wards for {} are",
    "attributes": "The {} table is",
    "repeat_victims": "The repeat victims figures are",
    "ethnicity": "The ethnicity table is",
    "people": "The figures for people who were {} are",
    "breakdown": "The breakdown table is",
    "wards": "The ward figures (table, top wards and maps) are",
}
_ONE = ("constant", 1)


def area_profiles(
    dataset: Dataset,
    settings: Settings,
    *,
    area: str,
    period: str | Period,
    restricted: bool = False,
) -> dict[str, Profile | CoverageError]:
    """Every theme's profile of one area and period, as the pack publishes them.

    The one way the toolkit makes profiles: built for every theme of the configuration
    (so that a page of one theme is protected together with all the others) and, unless
    ``restricted``, protected by :func:`protect_profiles`. A theme whose compared months
    the data does not cover maps to its :class:`~csp_analysis.profile.CoverageError`.
    """
    profiles = build_profiles(
        dataset,
        area=area,
        period=period,
        themes=settings.themes,
        top_n=settings.top_n_wards,
        towns=settings.towns,
    )
    if restricted:
        return profiles
    return protect_profiles(profiles, threshold=settings.suppression_threshold)


@dataclass
class AreaPublication:
    """What a pack publishes for one area and period: its profiles and its assessment.

    ``profiles`` maps every theme of the configuration to its profile, or to the error
    that stopped it (see :func:`area_profiles`); ``assessment`` is the strategic
    assessment, the :class:`~csp_analysis.profile.CoverageError` saying why there is none,
    or None when it was not asked for.
    """

    area_code: str
    area_name: str
    profiles: dict[str, Profile | Exception]
    assessment: object = None


def publish_area(
    settings: Settings,
    *,
    area: str,
    period: str | Period,
    restricted: bool = False,
    assessed: bool = True,
    dataset: Dataset | None = None,
    store: str | Path | None = None,
) -> AreaPublication:
    """The one way to make an area's pages: read the area, build every theme, protect.

    Reads the area's view of the processed store (its folder ``store``, else the
    settings' store, made when needed: see :mod:`csp_analysis.store`), where the result
    is kept (:meth:`~csp_analysis.store.Store.publication`), unless ``dataset`` is given
    (the whole data, or an area's view); makes the profiles of every theme with
    :func:`area_profiles` and, when ``assessed``, the strategic assessment
    (:func:`csp_analysis.assessment.area_assessment`) from the same protected profiles.
    ``restricted`` keeps exact small numbers (analysts only).
    """
    from csp_analysis.store import Store, open_store

    if dataset is None:
        source = open_store(settings) if store is None else Store(store, data_dir=settings.data_dir)
        return source.publication(
            settings,
            area_code=source.find_area(area)["area_code"],
            period=period if isinstance(period, str) else period.label,
            restricted=restricted,
            assessed=assessed,
        )
    place = dataset.find_area(area)
    profiles = area_profiles(dataset, settings, area=area, period=period, restricted=restricted)
    result = AreaPublication(place["area_code"], place["area_name"], profiles)
    if assessed:
        result = assess_area(result, dataset, settings, period=period, restricted=restricted)
    return result


def assess_area(
    made: AreaPublication, dataset: Dataset, settings: Settings, *, period, restricted: bool
) -> AreaPublication:
    """``made`` with its area's strategic assessment, from its (protected) profiles.

    The assessment is :func:`csp_analysis.assessment.area_assessment`'s, or the
    :class:`~csp_analysis.profile.CoverageError` that says why there is none.
    """
    from csp_analysis.assessment import area_assessment

    try:
        assessment = area_assessment(
            dataset,
            settings,
            area=made.area_code,
            period=period,
            profiles=made.profiles,
            restricted=restricted,
        )
    except CoverageError as error:
        assessment = error
    return replace(made, assessment=assessment)


def protect_profiles(
    profiles: Mapping[str, Profile | CoverageError], *, threshold: int = 4
) -> dict[str, Profile | CoverageError]:
    """The board and public version of one area's profiles for one period.

    ``profiles`` are exact (restricted) profiles of every theme the pack can publish, for
    the same area and period (see :func:`area_profiles`); other entries (themes the data
    does not cover) pass through unchanged. Returns new profiles with ``restricted``
    False: withheld counts read ``"<5"`` (1 to ``threshold``) or ``"[c]"`` (withheld so
    that others cannot be worked out), their rates, shares, changes and ranks are blank,
    tables that cannot be protected are None and named in ``omitted``, and the records
    themselves are dropped. Raises ``RuntimeError`` if the audit still finds a
    recoverable cell after every table involved is left out (never seen; a bug).
    """
    if threshold < 1:
        raise ValueError(f"the suppression threshold must be at least 1, got {threshold!r}")
    ready = {
        name: profile
        for name, profile in profiles.items()
        if isinstance(profile, Profile) and profile.available
    }
    omitted: dict[tuple[str, str], str] = {}
    claims: dict[tuple[str, str], tuple | None] = {}
    state = None
    witnesses: list[np.ndarray] = []  # solutions of the audit, reused while they fit
    memo: dict[Hashable, object] = {}  # what every model reads from the profiles
    for _ in range(1000):
        model = _Model(ready, threshold=threshold, omitted=omitted, claims=claims, memo=memo)
        state, problems = model.cells.protect(threshold=threshold, start=state, witnesses=witnesses)
        if problems:
            table = _leave_out(model, problems, state, ready, threshold, omitted, claims)
            omitted[table] = model.why_left_out(table)
            state = None  # start again: what was withheld for the table may not be needed
            continue
        held = model.claims_that_hold(state)
        if held == claims:
            break
        claims = held
    else:  # pragma: no cover - each pass withholds or leaves out something more
        raise RuntimeError("disclosure control did not settle")
    out: dict[str, Profile | CoverageError] = {}
    for name, profile in profiles.items():
        if name in ready:
            out[name] = model.publish(name, profile, state)
        elif isinstance(profile, Profile):
            out[name] = replace(
                profile, restricted=False, threshold=threshold, current=None, previous_records=None
            )
        else:
            out[name] = profile
    return out


def _leave_out(model, problems, state, ready, threshold, omitted, claims) -> tuple[str, str]:
    """The table to leave out for the first cell that nothing more could protect.

    The least needed table of its theme whose leaving out frees the cell (checked by the
    audit on the model without it) goes first: the top wards of one category rather than the
    whole ward table. When none does alone, the least needed table that shows the cell (or,
    for a hidden count, a cell it is made from).
    """
    cell = next(iter(problems))
    key = model.cells.names[cell]
    own, related = model.tables_around(cell)
    for table in related:
        trial = _Model(
            ready,
            threshold=threshold,
            omitted={**omitted, table: ""},
            claims=claims,
            memo=model.memo,
        )
        start = trial.cells.arrays()[1]
        for other, number in trial.cells.keys.items():
            if other in model.cells.keys and start[number] == _PUBLISHED:
                start[number] = state[model.cells.keys[other]]
        if trial.cells.keys[key] not in trial.cells.pinned(start, threshold=threshold):
            return table
    if own:
        return own[0]
    raise RuntimeError(
        f"cannot protect {key!r}: {problems[cell]}; nothing more can be withheld or left out"
    )


@dataclass
class _Place:
    """Where a cell is shown: a profile's table, its row (index label) and column."""

    theme: str
    table: str
    row: Hashable
    column: str


@dataclass
class _Model:
    """The cells of one area's pack, built from its exact profiles."""

    profiles: Mapping[str, Profile]
    threshold: int
    omitted: Mapping[tuple[str, str], str]
    claims: Mapping[tuple[str, str], tuple | None]
    memo: dict[Hashable, object] = field(default_factory=dict)  # shared by a pack's models
    cells: Cells = field(default_factory=Cells)
    places: dict[int, list[_Place]] = field(default_factory=dict)
    shown: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.one = self.cells.add(_ONE, 1, protected=False)
        for name, profile in self.profiles.items():
            self._profile(name, profile)
        self._nesting()
        for (name, what), terms in self.claims.items():
            if terms is not None:
                self._claim(name, what, terms)

    # ---------------------------------------------------------------- building blocks

    def _once(self, key: Hashable, work):
        """``work()``, done once for all the models of a pack (it reads only the profiles)."""
        if key not in self.memo:
            self.memo[key] = work()
        return self.memo[key]

    def _left_out(self, theme: str, table: str) -> bool:
        return (theme, table) in self.omitted or (theme, table.split(":")[0]) in self.omitted

    def show(
        self,
        theme: str,
        table: str,
        key: Hashable,
        value: float,
        row: Hashable,
        column: str,
        *,
        protected: bool = True,
        suppressible: bool | None = None,
        cost: float | None = None,
    ) -> int:
        """The cell of ``key``, shown in ``table`` at (row, column) unless left out."""
        hidden = self._left_out(theme, table)
        cell = self.cells.add(
            key, value, protected=protected, suppressible=suppressible, hidden=hidden, cost=cost
        )
        if not hidden:
            self.places.setdefault(cell, []).append(_Place(theme, table, row, column))
            self.shown.setdefault((theme, table), []).append(cell)
        return cell

    def hidden(self, key: Hashable, value: float, *, protected: bool, high=np.inf) -> int:
        return self.cells.add(key, value, protected=protected, hidden=True, high=high)

    def line(self, theme: str, table: str, cells: list[int], margin: int) -> None:
        """A table line when the table is shown; otherwise only a relation."""
        if self._left_out(theme, table):
            self.cells.relate([*cells, margin], [1.0] * len(cells) + [-1.0])
        else:
            self.cells.line(cells, margin)

    # ---------------------------------------------------------------- one profile

    def _profile(self, name: str, profile: Profile) -> None:
        totals = {
            "current": self.cells.add(
                (name, "total", "current"), profile.change.current, protected=False
            ),
            "previous": self.cells.add(
                (name, "total", "previous"), profile.change.previous, protected=False
            ),
        }
        self._wards(name, profile, totals)
        self._breakdown(name, profile, totals)
        for column, table in profile.attributes.items():
            if table is not None:
                self._list(name, f"attributes:{column}", column, table, totals, True)
                self._by_ward(name, profile, column)
        if profile.wards_by is not None:
            self._wards_by(name, profile)
        self._data_quality(name, profile, totals)
        if profile.people is not None:
            self._people(name, profile)

    def _wards(self, name: str, profile: Profile, totals: dict[str, int]) -> None:
        wards = profile.wards
        codes = wards["ward_code"].fillna(indicators.UNKNOWN_WARD)
        for period, column in _WARD_COLUMNS.items():
            cells = [
                self.show(name, "wards", (name, "ward", period, code), value, row, column)
                for row, code, value in zip(wards.index, codes, wards[column], strict=True)
            ]
            self.line(name, "wards", cells, totals[period])

    def _breakdown(self, name: str, profile: Profile, totals: dict[str, int]) -> None:
        by = profile.breakdown_by
        sensitive = profile.theme.sensitive or by == "hate_strand"
        if by != "hate_strand":
            within = (
                {}
                if sensitive
                else self._once(("within", name), lambda: self._within_sensitive(profile, by))
            )
            self._list(name, "breakdown", by, profile.breakdown, totals, sensitive, within)
            return
        headline = profile.headline.set_index("measure").loc["strands"]
        strands = {
            period: self.cells.add((name, "strands", period), headline[period], protected=False)
            for period in PERIODS
        }
        cells = self._list(name, "breakdown", by, profile.breakdown, strands, sensitive)
        for period, row in cells.items():
            for cell in row:  # a crime counts once per strand
                self.cells.relate([cell, totals[period]], [1.0, -1.0], equal=False)

    def _list(
        self,
        name: str,
        table: str,
        by: str,
        frame: pd.DataFrame,
        totals: dict[str, int],
        protected: bool,
        within: dict[tuple[str, str], bool] | None = None,
    ) -> dict[str, list[int]]:
        """A compare_periods table: each period's categories add up to its total.

        ``within`` marks (period, category) cells protected although the table is not.
        """
        within = within or {}
        out = {}
        for period, column in _BREAKDOWN_COLUMNS.items():
            out[period] = [
                self.show(
                    name,
                    table,
                    (name, by, period, category),
                    value,
                    row,
                    column,
                    protected=protected or within.get((period, category), False),
                    suppressible=table == "breakdown",
                )
                for row, category, value in zip(
                    frame.index, frame["category"], frame[column], strict=True
                )
            ]
            self.line(name, table, out[period], totals[period])
        return out

    def _within_sensitive(self, profile: Profile, by: str) -> dict[tuple[str, str], bool]:
        """Categories whose records all belong to one sensitive theme (protected too).

        All recorded crime published "Homicide: 1" beside domestic abuse "Murder: <5" would
        say that the one homicide was domestic; a sexual offences theme is the same offences
        as the overview's sexual offence rows. Such a category is protected like the
        sensitive theme's own breakdown.
        """
        sensitive = [
            pd.Index(p.current.index).append(p.previous_records.index)
            for p in self.profiles.values()
            if p.theme.sensitive and p.theme.records == profile.theme.records
        ]
        out = {}
        for period, frame in self._records(profile).items():
            if by not in frame or not sensitive:
                continue
            labels = frame[by].astype("string").fillna("Not recorded")
            inside = np.zeros(len(frame), dtype=bool)
            for index in sensitive:
                each = pd.Series(frame.index.isin(index), index=frame.index)
                inside |= each.groupby(labels).transform("all").to_numpy()
            for category in labels[inside].unique():
                out[period, category] = True
        return out

    def _records(self, profile: Profile) -> dict[str, pd.DataFrame]:
        return {"current": profile.current, "previous": profile.previous_records}

    def _by_ward(self, name: str, profile: Profile, column: str) -> None:
        """A column that follows from the ward (a town): the ward x value table behind it.

        Which values each ward can take is read from every record of the area of the same
        kind (a reader who knows which wards make up each town, and that records with no
        ward have no town, knows as much).
        """
        table = self._once(("by_ward", name, column), lambda: self._ward_values(profile, column))
        if table is None:
            return  # not a geography: no structure a reader could use
        codes, categories, counts = table
        for period, found in counts.items():
            rows: dict[str, list[int]] = {code: [] for code in codes}
            columns: dict[str, list[int]] = {category: [] for category in categories}
            for code, category, count in found:
                cell = self.hidden(
                    (name, f"ward x {column}", period, code, category), count, protected=True
                )
                rows[code].append(cell)
                columns[category].append(cell)
            for code, cells in rows.items():
                ward_cell = self.cells.keys[(name, "ward", period, code)]
                self.cells.relate([*cells, ward_cell], [1.0] * len(cells) + [-1.0])
            for category, cells in columns.items():
                value_cell = self.cells.keys[(name, column, period, category)]
                self.cells.relate([*cells, value_cell], [1.0] * len(cells) + [-1.0])

    def _ward_values(self, profile: Profile, column: str) -> tuple | None:
        """The wards, the values and each period's (ward, value, count) that a ward can hold.

        None when the column does not follow from the ward.
        """
        records = self._records(profile)
        area = pd.concat(
            [
                frame
                for other in self.profiles.values()
                if other.theme.records == profile.theme.records and column in other.current
                for frame in self._records(other).values()
            ]
        )
        area = area.loc[~area.index.duplicated()]
        known = area.loc[area["ward_code"].notna() & area[column].notna()]
        values_per_ward = known.groupby("ward_code")[column].nunique()
        if known.empty or values_per_ward.max() > 1 or known[column].nunique() < 2:
            return None
        seen = pd.crosstab(
            area["ward_code"].fillna(indicators.UNKNOWN_WARD),
            area[column].astype("string").fillna("Not recorded"),
        )
        categories = profile.attributes[column]["category"].tolist()
        codes = [*profile.wards["ward_code"].fillna(indicators.UNKNOWN_WARD)]
        counts = {}
        for period, frame in records.items():
            ward = frame["ward_code"].fillna(indicators.UNKNOWN_WARD)
            value = frame[column].astype("string").fillna("Not recorded")
            truth = pd.crosstab(ward, value)
            counts[period] = []
            for code in codes:
                allowed = (
                    [c for c in seen.columns if seen.loc[code, c] > 0]
                    if code in seen.index
                    else categories
                )
                for category in allowed:
                    if category not in categories:
                        continue
                    count = (
                        truth.loc[code, category]
                        if (code in truth.index and category in truth.columns)
                        else 0
                    )
                    counts[period].append((code, category, count))
        return codes, categories, counts

    def _wards_by(self, name: str, profile: Profile) -> None:
        """The top wards in each category: published parts of the ward x category table.

        Each category's list is a table of its own (``wards_by:<category>``), so a
        category too small to protect is left out alone.
        """
        by = profile.theme.top_wards_by
        table = profile.wards_by
        truth = self._once(("wards_by", name), lambda: _ward_crosstab(profile.current, by))
        counts = self._once(("wards_by counts", name), lambda: truth.to_dict("index"))
        codes = [*profile.wards["ward_code"].fillna(indicators.UNKNOWN_WARD)]
        names = dict(zip(profile.wards["ward_code"], profile.wards["ward_name"], strict=True))
        categories = list(truth.columns)
        cells = {}
        listed = {category: [] for category in categories}
        for row, category, code, count in zip(
            table.index, table[by], table["ward_code"], table["count"], strict=True
        ):
            key = (name, f"ward x {by}", "current", code, category)
            cell = self.show(name, f"wards_by:{category}", key, count, row, "count")
            cells[code, category] = cell
            listed[str(category)].append((code, cell))
        for category in categories:
            shown = not self._left_out(name, f"wards_by:{category}")
            full = len(listed[category]) >= TOP_WARDS_BY
            for code in codes:
                if (code, category) not in cells:
                    count = counts[code][category] if code in counts else 0
                    zero = shown and not full and code != indicators.UNKNOWN_WARD
                    cells[code, category] = self.hidden(
                        (name, f"ward x {by}", "current", code, category),
                        count,
                        protected=True,
                        high=0.0 if zero else np.inf,
                    )
            if shown:
                self._ranked_list(listed[category], cells, category, codes, names, full)
        for code in codes:
            row = [cells[code, category] for category in categories]
            self.cells.relate(
                [*row, self.cells.keys[(name, "ward", "current", code)]], [1.0] * len(row) + [-1.0]
            )
        for category in categories:
            column = [cells[code, category] for code in codes]
            key = (name, by, "current", category)
            margin = self.cells.keys.get(key)
            if margin is None:
                margin = self.hidden(key, int(truth[category].sum()), protected=False)
            self.cells.relate([*column, margin], [1.0] * len(column) + [-1.0])

    def _ranked_list(self, order, cells, category, codes, names, full) -> None:
        """What a top-n list tells: its rows are in order (ties by name), others no more."""
        for (upper_code, upper), (lower_code, lower) in zip(order, order[1:], strict=False):
            strict = names.get(lower_code, "") < names.get(upper_code, "")
            self.cells.relate([lower, upper, self.one], [1.0, -1.0, float(strict)], equal=False)
        if not (full and order):
            return
        last_code, last = order[-1]
        listed = {code for code, _ in order}
        for code in codes:
            if code == indicators.UNKNOWN_WARD or code in listed:
                continue
            strict = names.get(code, "") < names.get(last_code, "")
            self.cells.relate(
                [cells[code, category], last, self.one], [1.0, -1.0, float(strict)], equal=False
            )

    def _data_quality(self, name: str, profile: Profile, totals: dict[str, int]) -> None:
        """Located by coordinates, code, LSOA or in no ward; flagged records; per period."""
        rows, counts = self._once(("data_quality", name), lambda: _quality_counts(profile))
        # Counts of records by how they were located or flagged are area figures: protected
        # in a sensitive theme; "in the area but no ward" is the ward table's Unknown ward.
        sensitive = profile.theme.sensitive
        for period, (located, flagged) in counts.items():
            cells = []
            for key, description, count in located:
                cell_key = (
                    (name, "ward", period, indicators.UNKNOWN_WARD)
                    if key == "area_only"
                    else (name, "location", period, key)
                )
                row = rows.get((description, period))
                if row is None:  # not shown because zero: as good as published, if shown
                    hidden = self._left_out(name, "data_quality")
                    cell = self.cells.add(
                        cell_key, count, protected=sensitive, suppressible=True, hidden=hidden
                    )
                else:
                    cell = self.show(
                        name,
                        "data_quality",
                        cell_key,
                        count,
                        row,
                        "records",
                        protected=sensitive,
                        suppressible=True,
                    )
                cells.append(cell)
            self.line(name, "data_quality", cells, totals[period])
            by_coordinates = cells[0]
            for description, count, within in flagged:
                key = (name, "flag", period, description)
                row = rows.get((description, period))
                cell = (
                    self.show(
                        name,
                        "data_quality",
                        key,
                        count,
                        row,
                        "records",
                        protected=sensitive,
                        suppressible=True,
                    )
                    if row is not None
                    else self.cells.add(
                        key,
                        count,
                        protected=sensitive,
                        suppressible=True,
                        hidden=self._left_out(name, "data_quality"),
                    )
                )
                self.cells.relate([cell, totals[period]], [1.0, -1.0], equal=False)
                if description.startswith("Coordinates unreadable"):
                    self.cells.relate(
                        [cell, by_coordinates, totals[period]], [1.0, 1.0, -1.0], equal=False
                    )
                if within is not None:  # shown under labels of their own
                    touched, exact = within
                    by = profile.breakdown_by
                    members = [self.cells.keys[(name, by, period, c)] for c in touched]
                    self.cells.relate([cell, *members], [1.0] + [-1.0] * len(members), equal=exact)

    def _people(self, name: str, profile: Profile) -> None:
        """Age by sex for each role, ethnicity by role, and repeat victims, linked.

        Within a role: each age band's female and male make its people; the bands' female,
        male and people (with the people of unknown sex) make the Total row's; and the
        Total row's female, male and people of unknown sex make everyone in the role.
        """
        roles = {}
        for role, shown, bands in self._once(("people", name), lambda: _people_cells(profile)):
            table = f"people:{role}"
            grid = {
                (band, column): self.show(
                    name, table, (name, "people", role, band, column), value, row, column, cost=cost
                )
                for band, column, value, row, cost in shown
            }
            unrecorded = grid[_SEX_NOT_RECORDED, "people"]
            for band in bands:
                self.line(name, table, [grid[band, s] for s in _SEXES], grid[band, "people"])
            for column in _SEXES:
                self.line(name, table, [grid[b, column] for b in bands], grid["Total", column])
            everyone = grid["Total", "people"]
            self.line(name, table, [grid[b, "people"] for b in bands] + [unrecorded], everyone)
            self.line(name, table, [grid["Total", s] for s in _SEXES] + [unrecorded], everyone)
            roles[role] = everyone
        everyone = self.hidden((name, "people", "everyone"), 0, protected=False)
        self.cells.counts[everyone] = float(sum(self.cells.counts[cell] for cell in roles.values()))
        self.cells.relate([*roles.values(), everyone], [1.0] * len(roles) + [-1.0])
        if profile.ethnicity is not None:
            self._ethnicity(name, profile, roles, everyone)
        if profile.repeat_victims is not None:
            self._repeat(name, profile, roles)

    def _ethnicity(self, name, profile, roles, everyone) -> None:
        table = profile.ethnicity
        role_names = list(indicators.ROLE_GROUPS)
        columns: dict[str, list[int]] = {role: [] for role in role_names}
        stated_totals, not_stated = [], None
        for row, ethnicity, stated in zip(
            table.index, table["ethnicity"], table["stated"], strict=True
        ):
            cells = [
                self.show(
                    name,
                    "ethnicity",
                    (name, "ethnicity", ethnicity, role),
                    table.loc[row, role],
                    row,
                    role,
                )
                for role in role_names
            ]
            total = self.show(
                name,
                "ethnicity",
                (name, "ethnicity", ethnicity, "total"),
                table.loc[row, "total"],
                row,
                "total",
            )
            self.line(name, "ethnicity", cells, total)
            for role, cell in zip(role_names, cells, strict=True):
                columns[role].append(cell)
            if stated:
                stated_totals.append(total)
            else:
                not_stated = total
        for role, cells in columns.items():
            if role in roles:
                self.line(name, "ethnicity", cells, roles[role])
        stated_count = sum(self.cells.counts[cell] for cell in stated_totals)
        stated = self.show(
            name, "ethnicity", (name, "ethnicity", "stated"), stated_count, "stated", "share_pct"
        )
        self.line(name, "ethnicity", stated_totals, stated)
        if not_stated is not None:
            self.cells.relate([stated, not_stated, everyone], [1.0, 1.0, -1.0])

    def _repeat(self, name, profile, roles) -> None:
        row = profile.repeat_victims.index[0]
        table = profile.repeat_victims.iloc[0]
        victims = self.show(
            name, "repeat_victims", (name, "repeat", "victims"), table["victims"], row, "victims"
        )
        repeat = self.show(
            name,
            "repeat_victims",
            (name, "repeat", "repeat"),
            table["repeat_victims"],
            row,
            "repeat_victims",
        )
        once = self.hidden(
            (name, "repeat", "once"), table["victims"] - table["repeat_victims"], protected=True
        )
        self.cells.relate([repeat, once, victims], [1.0, 1.0, -1.0])
        victim_roles = [roles[r] for r in ("victim", "suspect and victim") if r in roles]
        self.line(name, "repeat_victims", victim_roles, victims)

    # ---------------------------------------------------------------- across themes

    def _nesting(self) -> None:
        """Themes within themes: each shared count gives a difference that is a count."""
        crimes = [n for n, profile in self.profiles.items() if profile.theme.records == "crimes"]
        by_theme: dict[str, list[Hashable]] = {}
        for key in self.cells.keys:
            if isinstance(key, tuple) and key[0] in crimes and len(key) == 4:
                by_theme.setdefault(key[0], []).append(key)
        for inner, outer in self._once("nested", self._nested_themes):
            for key in by_theme.get(inner, []):
                other = (outer, *key[1:])
                if key[1] in ("total", "strands") or other not in self.cells.keys:
                    continue
                self._difference(key, other)
            self._nested_breakdowns(inner, outer)

    def _nested_themes(self) -> list[tuple[str, str]]:
        """(inner, outer) for each crime theme whose records all belong to another."""
        crimes = {
            name: pd.Index(profile.current.index).append(profile.previous_records.index)
            for name, profile in self.profiles.items()
            if profile.theme.records == "crimes"
        }
        return [
            (inner, outer)
            for inner, inner_index in crimes.items()
            for outer, outer_index in crimes.items()
            if inner != outer and inner_index.isin(outer_index).all()
        ]

    def _by(self, name: str) -> str:
        return self.profiles[name].breakdown_by

    def _difference(self, inner: Hashable, outer: Hashable) -> None:
        """Outer minus inner: a count of records too, protected where the outer one is."""
        a, b = self.cells.keys[inner], self.cells.keys[outer]
        gap = self.hidden(
            ("difference", outer, inner),
            self.cells.counts[b] - self.cells.counts[a],
            protected=self.cells.protected[b],
        )
        self.cells.relate([b, a, gap], [1.0, -1.0, -1.0])

    def _nested_breakdowns(self, inner: str, outer: str) -> None:
        """An inner theme broken down by a finer column (offence) than the outer (subgroup)."""
        first, second = self._by(inner), self._by(outer)
        if first == second or "hate_strand" in (first, second):
            return
        groups = self._once(("nested", inner, outer), lambda: self._hierarchy(inner, first, second))
        for period in PERIODS:
            for category, members in groups:
                outer_key = (outer, second, period, category)
                if outer_key not in self.cells.keys:
                    continue
                cells = [
                    self.cells.keys[(inner, first, period, m)]
                    for m in members
                    if (inner, first, period, m) in self.cells.keys
                ]
                whole = self.cells.keys[outer_key]
                inside = sum(self.cells.counts[c] for c in cells)
                gap = self.hidden(
                    ("difference", outer_key, inner),
                    self.cells.counts[whole] - inside,
                    protected=self.cells.protected[whole],
                )
                self.cells.relate([whole, *cells, gap], [1.0] + [-1.0] * len(cells) + [-1.0])

    def _hierarchy(self, inner: str, first: str, second: str) -> list[tuple[str, pd.Index]]:
        """(category of ``second``, its categories of ``first``) in the inner theme's records.

        Empty when the theme's records do not have both, or ``first`` is not within ``second``.
        """
        records = pd.concat(self._records(self.profiles[inner]).values())
        if first not in records or second not in records:
            return []
        pairs = records[[first, second]].astype("string").fillna("Not recorded")
        if pairs.groupby(first)[second].nunique().max() > 1:
            return []  # not a hierarchy
        parent = pairs.groupby(first)[second].first()
        return list(parent.groupby(parent).groups.items())

    # ---------------------------------------------------------------- claims

    def claims_that_hold(self, state: np.ndarray) -> dict[tuple[str, str], tuple | None]:
        """The "most" sentences of each page, and whether they stay true of withheld rows.

        A key-findings sentence says a ward had the most records, that the top wards are
        the ten with most, or which offence had the most or rose most (in any theme: a
        breakdown published as it is has no withheld row, and so no relation). Each maps
        to the relations it tells a reader (every other row has no more than the one
        named) when it holds for the withheld rows too, and to None when it does not (the
        page then speaks only of the published rows).
        """
        held: dict[tuple[str, str], tuple | None] = {}
        values = np.array(self.cells.counts)
        for name, profile in self.profiles.items():
            groups = {}
            if not self._left_out(name, "wards"):
                wards = [(name, "ward", "current", c) for c in profile.wards["ward_code"].dropna()]
                groups["top_ward"] = (wards, 1)
                groups["top_wards"] = (wards, profile.top_n)
            if profile.breakdown is not None and not self._left_out(name, "breakdown"):
                by = profile.breakdown_by
                rows = list(profile.breakdown["category"])
                groups["top_category"] = ([(name, by, "current", c) for c in rows], 1)
                held[name, "largest_increase"] = self._rise(name, by, rows, state, values)
            for what, (keys, n) in groups.items():
                held[name, what] = self._most(keys, n, state, values)
        return held

    def _most(self, keys, n, state, values) -> tuple | None:
        """(bound, others) when the n-th published row is at least every row below it."""
        cells = [self.cells.keys[k] for k in keys]
        if not any(state[c] in (_PRIMARY, _SECONDARY) for c in cells):
            return ()
        published = sorted(
            (c for c in cells if state[c] == _PUBLISHED and values[c] > 0),
            key=lambda c: (-values[c], c),
        )
        if len(published) < n:
            return None
        bound = published[n - 1]
        others = [c for c in cells if c not in published[:n]]
        if max(values[c] for c in others) > values[bound]:
            return None
        return (self.cells.names[bound], tuple(self.cells.names[c] for c in others))

    def _rise(self, name, by, rows, state, values) -> tuple | None:
        """(largest published rise, other rows) when no withheld row rose more."""
        pairs = [
            (self.cells.keys[(name, by, "current", c)], self.cells.keys[(name, by, "previous", c)])
            for c in rows
        ]
        shown = [p for p in pairs if state[p[0]] == _PUBLISHED and state[p[1]] == _PUBLISHED]
        if len(shown) == len(pairs):
            return ()
        if not shown:
            return None
        top = max(shown, key=lambda p: (_change(values, p), -p[0]))
        if _change(values, top) <= 0:
            return ()  # nothing rose: no sentence
        others = [p for p in pairs if p != top]
        if any(_change(values, p) > _change(values, top) for p in others):
            return None
        return (
            tuple(self.cells.names[c] for c in top),
            tuple(tuple(self.cells.names[c] for c in p) for p in others),
        )

    def _claim(self, name: str, what: str, terms: tuple) -> None:
        """A claim that holds, as relations: no other row has more than the one named."""
        if not terms:
            return
        bound, others = terms
        if what == "largest_increase":
            now, before = (self.cells.keys[k] for k in bound)
            for pair in others:
                a, b = (self.cells.keys[k] for k in pair)
                self.cells.relate([a, b, now, before], [1.0, -1.0, -1.0, 1.0], equal=False)
            return
        top = self.cells.keys[bound]
        for key in others:
            self.cells.relate([self.cells.keys[key], top], [1.0, -1.0], equal=False)

    # ---------------------------------------------------------------- leaving out

    def tables_around(self, cell: int) -> tuple[list, list]:
        """Shown protected tables that could be left out for ``cell``, least needed first.

        Returns the tables that show it (for a hidden count: those showing the cells it is
        made from) and, to try first, the less needed tables of the same theme that show a
        cell related to it.
        """
        own = {(p.theme, p.table) for p in self.places.get(cell, [])}
        near: set[tuple[str, str]] = set()
        for relation in self.cells.relations:
            if cell in relation.cells:
                for other in relation.cells:
                    if self.cells.protected[other]:
                        near |= {(p.theme, p.table) for p in self.places.get(other, [])}
        if not own:
            own, near = near, set()
        order = lambda t: (_LEAVE_OUT_ORDER.index(t[1].split(":")[0]), t)  # noqa: E731
        own = sorted((t for t in own if self._open(t)), key=order)
        themes = {t[0] for t in own}
        near = sorted((t for t in near - set(own) if self._open(t) and t[0] in themes), key=order)
        cheapest = order(own[0]) if own else (len(_LEAVE_OUT_ORDER), ())
        return own, [t for t in near if order(t) < cheapest]

    def _open(self, table: tuple[str, str]) -> bool:
        """A shown table with a protected cell, not left out yet."""
        return table not in self.omitted and self._protected_table(table)

    def _protected_table(self, table: tuple[str, str]) -> bool:
        """Whether a shown table holds a protected cell (so that it could be left out)."""
        return any(self.cells.protected[cell] for cell in self.shown.get(table, []))

    def why_left_out(self, table: tuple[str, str]) -> str:
        """Why a table is not shown, in words a board member understands."""
        kind, _, detail = table[1].partition(":")
        words = _TABLE_WORDS[kind].format(detail.replace("_", " "))
        return (
            f"{words} not shown: the numbers are so small that, with the other figures in "
            f"this pack, they would give away a count of fewer than {self.threshold + 1} "
            "that is withheld to protect the people involved."
        )

    def _wards_withheld(self, name: str, state: np.ndarray) -> set[str]:
        """Wards whose current count is withheld in another crime theme's ward table.

        A ward's harm is the sum of its crimes' public weights: it bounds how many were
        of a heavy offence, and so a withheld count of violence with injury there.
        """
        records = self.profiles[name].theme.records
        found = set()
        for cell, places in self.places.items():
            if state[cell] not in (_PRIMARY, _SECONDARY):
                continue
            for place in places:
                other = self.profiles.get(place.theme)
                if (
                    place.theme != name
                    and place.table == "wards"
                    and place.column == "count"
                    and other is not None
                    and other.theme.records == records
                ):
                    found.add(other.wards.loc[place.row, "ward_code"])
        return found

    # ---------------------------------------------------------------- publishing

    def publish(self, name: str, profile: Profile, state: np.ndarray) -> Profile:
        """The board version of one profile: labels, blanks, order, omissions, notes."""
        labels = {_PRIMARY: f"<{self.threshold + 1}", _SECONDARY: SECONDARY_LABEL}
        marks: dict[str, dict[tuple[Hashable, str], str]] = {}
        for cell, places in self.places.items():
            if state[cell] in labels:
                for place in places:
                    if place.theme == name:
                        marks.setdefault(place.table, {})[place.row, place.column] = labels[
                            state[cell]
                        ]
        board = replace(
            profile,
            restricted=False,
            threshold=self.threshold,
            notes=list(profile.notes),
            current=None,
            previous_records=None,
            attributes=dict(profile.attributes),
            omitted={},
            claims={
                what: terms is not None
                for (theme, what), terms in self.claims.items()
                if theme == name
            },
        )
        for (theme, table), why in self.omitted.items():
            if theme == name:
                board.omitted[table] = why
        board.wards = _ranked(
            _label(profile.wards, marks.get("wards", {}), _WARD_DEPENDENT), name_column="ward_name"
        )
        board.headline = _rounded_harm_row(profile.headline)
        if profile.harm is not None:
            board.harm = _protected_harm(profile, board.wards, self._wards_withheld(name, state))
        if profile.peers is not None:
            board.peers = protect_peers(profile.peers, threshold=self.threshold)
        if marks.get("breakdown"):
            board.breakdown = _regroup(
                _label(profile.breakdown, marks["breakdown"], _BREAKDOWN_DEPENDENT)
            )
        for column, table in profile.attributes.items():
            if table is not None:
                board.attributes[column] = _regroup(
                    _label(table, marks.get(f"attributes:{column}", {}), _BREAKDOWN_DEPENDENT)
                )
        if profile.wards_by is not None:
            marked = {
                key: text
                for table, found in marks.items()
                if table.startswith("wards_by:")
                for key, text in found.items()
            }
            board.wards_by = _ranked_within(
                _label(profile.wards_by, marked, {"count": ["share_pct"]}),
                by=profile.theme.top_wards_by,
            )
        if profile.people is not None:
            board.people = _label_people(profile.people, marks)
            board.ethnicity = _label_ethnicity(profile.ethnicity, marks.get("ethnicity", {}))
            board.repeat_victims = _label(
                profile.repeat_victims, marks.get("repeat_victims", {}), _REPEAT_DEPENDENT
            )
        board.data_quality = _label(profile.data_quality, marks.get("data_quality", {}), {})
        for table in list(board.omitted):
            _drop(board, table)
        withheld = sum(len(cells) for table, cells in marks.items() if table not in board.omitted)
        board.notes.append(_board_note(profile, self.threshold, withheld))
        board.notes += list(board.omitted.values())
        notes = pd.DataFrame(
            {
                "step": "note",
                "description": board.notes[len(profile.notes) :],
                "outcome": "note",
            }
        )
        board.data_quality = pd.concat([board.data_quality, notes], ignore_index=True)
        return board


def _protected_harm(
    profile: Profile, wards: pd.DataFrame, elsewhere: set[str] = frozenset()
) -> pd.DataFrame:
    """The harm table with the withholding of the published ward table.

    A ward whose count is withheld shows the same label and no harm, rate or rank, and so
    does a ward in ``elsewhere`` (its count withheld in another theme's ward table, which
    the harm would bound); the ranks and their intervals are worked out again among the
    wards with a harm shown, so that no rank says where a withheld ward stands.
    """
    shown = wards.set_index("ward_code")["count"]
    table = profile.harm.copy()
    count = table["ward_code"].map(shown)
    withheld = count.map(lambda value: isinstance(value, str))
    table["count"] = count.where(withheld, table["count"]).astype(object)
    withheld = withheld | table["ward_code"].isin(elsewhere)
    table.loc[withheld, HARM_COLUMNS[3:]] = np.nan
    published = table.loc[~withheld, "ward_code"]
    records = profile.current.loc[profile.current["ward_code"].isin(published)]
    ranks = harm.rank_intervals(records, by="ward_code", units=published.tolist()).set_index(
        "ward_code"
    )
    for column in ("rank", "rank_lower", "rank_upper"):
        table.loc[~withheld, column] = table.loc[~withheld, "ward_code"].map(ranks[column])
    # Harm to 2 significant figures: exact, the harm of a ward of few crimes is the sum of
    # few public weights, and says which offences they were.
    for column in HARM_COLUMNS[3:7]:  # harm, per 1,000 and its limits
        table[column] = round_significant(table[column])
    return table.sort_values(["rank", "ward_name"], na_position="last").reset_index(drop=True)


#: Significant figures of every harm figure of the board version.
HARM_FIGURES = 2


def round_significant(values: pd.Series, figures: int = HARM_FIGURES) -> pd.Series:
    """Numbers rounded to ``figures`` significant figures (NaN and 0 kept).

    Harm is a sum of public weights times counts: published exactly, it can be split
    back into the counts by offence that the pack withholds (the weights of a few
    offences rarely add up to the same total two ways). Two significant figures leave
    every such sum uncertain by at least 0.5%.

    >>> round_significant(pd.Series([695857.3, 21411.0, 4.26, 0.0, float("nan")])).tolist()
    [700000.0, 21000.0, 4.3, 0.0, nan]
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    magnitude = np.floor(np.log10(np.abs(numbers.where(numbers != 0))))
    scale = 10.0 ** (figures - 1 - magnitude)
    rounded = np.round(numbers * scale) / scale
    return rounded.where(numbers != 0, numbers)


def _rounded_harm_row(headline: pd.DataFrame) -> pd.DataFrame:
    """The headline with its ``harm`` row to :data:`HARM_FIGURES` significant figures."""
    out = headline.copy()
    row = out["measure"] == "harm"
    if not row.any():
        return out
    for column in ("current", "previous", "current_lower", "current_upper"):
        out.loc[row, column] = round_significant(out.loc[row, column])
    out.loc[row, "change"] = out.loc[row, "current"] - out.loc[row, "previous"]
    out.loc[row, "pct_change"] = indicators.pct_change(
        out.loc[row, "current"], out.loc[row, "previous"]
    )
    return out


def protect_peers(table: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """A peers table with other areas' counts of 1 to ``threshold`` withheld.

    The area's own count is its published total; another area's small count reads
    ``"<5"`` with its rate, ratio and band blank. Where a count is withheld, what pools
    every area's count (each ratio to the other areas, the funnel's baseline, dispersion
    and bands: :data:`PEER_POOLED`) is left blank in every row, and the ranks are among
    the areas shown: else the withheld counts follow from them. A table of several
    themes or comparisons (``theme``, ``comparison`` columns) is protected one by one.
    """
    keys = [c for c in ("theme", "comparison") if c in table]
    if keys:
        parts = [
            protect_peers(rows.drop(columns=keys), threshold=threshold).assign(
                **dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
            )
            for key, rows in table.groupby(keys, sort=False)
        ]
        return pd.concat(parts).loc[table.index][[*table.columns]]
    out = table.copy()
    small = out["count"].between(1, threshold) & ~out["is_area"].astype(bool)
    if not small.any():
        return out
    derived = [c for c in out.columns if c not in PEER_KEPT]
    out["count"] = out["count"].astype(object)
    out.loc[small, "count"] = f"<{threshold + 1}"
    out[derived] = out[derived].astype(object)
    out.loc[small, derived] = np.nan
    for column in [c for c in out.columns if c in PEER_POOLED]:
        out[column] = np.nan
    if "rank" in out:
        shown = ~small & pd.to_numeric(out["rate_per_1000"], errors="coerce").notna()
        ranks = out.loc[shown, "rate_per_1000"].astype(float).rank(ascending=False, method="min")
        out["rank"] = ranks.astype("Int64").reindex(out.index)
    return out


#: Peers-table columns that stay when a count is withheld.
PEER_KEPT = ("theme", "comparison", "area_code", "area_name", "count", "population", "is_area")
#: Peers-table columns made from every area's count (blank when one is withheld).
PEER_POOLED = (
    *("ratio_to_peers", "ratio_lower", "ratio_upper", "funnel_band", "funnel_baseline"),
    *("funnel_tau2", "funnel_phi", "funnel_p_value", "funnel_method"),
)


def peers_withheld(table: pd.DataFrame | None) -> bool:
    """Whether a protected peers table withholds a count (its pooled columns are blank)."""
    return table is not None and table["count"].map(lambda v: isinstance(v, str)).any()


def _change(values: np.ndarray, row: tuple[int, int]) -> float:
    return float(values[row[0]] - values[row[1]])


def _quality_counts(profile: Profile) -> tuple[dict, dict]:
    """What the data-quality cells of a profile read from its records.

    Returns the row of each counted note ((description, period) -> row) and, per period,
    (key, description, count) for each way of locating records, and (description, count,
    within) for each flag: within is (the breakdown categories the flagged records carry,
    whether they fill them) for offences not known to the classification, else None.
    """
    quality = profile.data_quality
    rows = {
        (description, period): row
        for row, description, period, outcome in zip(
            quality.index,
            quality["description"],
            quality["period"],
            quality["outcome"],
            strict=True,
        )
        if outcome == "note" and period
    }
    records = {"current": profile.current, "previous": profile.previous_records}
    flags = quality_flags(pd.concat(records.values()))  # the records the notes describe
    by = profile.breakdown_by
    counts = {}
    for period, frame in records.items():
        method = frame["location_method"].astype(str)
        located = [
            (key, description, int((method == key).sum()))
            for key, description in LOCATION_METHODS.items()
            if key not in ("none", "outside")
        ]
        flagged = []
        for _, description, flagged_both in flags:
            marked = flagged_both.loc[frame.index]
            within = None
            if description.startswith("Offence not") and by != "hate_strand" and marked.any():
                labels = frame[by].astype("string").fillna("Not recorded")
                touched = set(labels[marked])
                exact = not (labels.isin(touched) & ~marked).any()
                within = (list(touched), exact)
            flagged.append((description, int(marked.sum()), within))
        counts[period] = (located, flagged)
    return rows, counts


def _ward_crosstab(records: pd.DataFrame, by: str) -> pd.DataFrame:
    """Records by ward (rows) and ``by`` (columns)."""
    ward = records["ward_code"].fillna(indicators.UNKNOWN_WARD)
    return pd.crosstab(ward, records[by].astype("string").fillna("Not recorded"))


def _board_note(profile: Profile, threshold: int, withheld: int) -> str:
    sensitive = " and its breakdown" if profile.theme.sensitive else ""
    return (
        f"Board and public version: in the ward, people and other detailed tables{sensitive}, "
        f"counts of 1 to {threshold} are shown as <{threshold + 1}, and cells marked "
        f"{SECONDARY_LABEL} are withheld so that those counts cannot be worked out from "
        f"totals or from other tables of this pack ({withheld} cells withheld). Area "
        "totals are published as they are."
    )


def _label(
    frame: pd.DataFrame, marks: dict[tuple[Hashable, str], str], dependent: dict[str, list[str]]
) -> pd.DataFrame:
    """A copy with the withheld cells labelled and their dependent cells blank."""
    out = frame.copy()
    texts: dict[str, dict[Hashable, str]] = {}
    for (row, column), text in marks.items():
        texts.setdefault(column, {})[row] = text
    blank: dict[str, dict[Hashable, None]] = {}  # the rows of each dependent column
    for column, rows in texts.items():
        out[column] = out[column].astype(object)
        out.loc[list(rows), column] = list(rows.values())
        for other in dependent.get(column, []):
            if other in out.columns:
                blank.setdefault(other, {}).update(dict.fromkeys(rows))
    for other, rows in blank.items():
        out.loc[list(rows), other] = pd.NA if str(out[other].dtype) == "Int64" else np.nan
    return out


def _withheld(values: pd.Series) -> np.ndarray:
    return values.map(lambda value: isinstance(value, str)).to_numpy(dtype=bool)


def _ranked(wards: pd.DataFrame, *, name_column: str) -> pd.DataFrame:
    """Published wards by count (ranked among themselves), then withheld ones, then zeros.

    Withheld rows follow in name order, so their order says nothing of their size; a
    published ward's rank counts only published wards above it; the cumulative share is
    kept over the leading published rows. "Unknown ward" stays last.
    """
    count = wards["count"]
    withheld = _withheld(count)
    unknown = wards["ward_code"].isna().to_numpy()
    numbers = pd.to_numeric(count, errors="coerce")
    published = ~withheld & ~unknown & (numbers > 0).to_numpy()
    zero = ~withheld & ~unknown & ~published
    head = wards.loc[published].sort_values(
        ["count", name_column], ascending=[False, True], key=_as_number
    )
    middle = wards.loc[withheld & ~unknown].sort_values(name_column)
    tail = wards.loc[zero].sort_values(name_column)
    out = pd.concat([head, middle, tail, wards.loc[unknown]]).reset_index(drop=True)
    ranks = pd.to_numeric(head["count"]).rank(method="min", ascending=False).astype(int)
    out["rank"] = pd.array(
        [
            *ranks,
            *[pd.NA] * len(middle),
            *[len(head) + len(middle) + 1] * len(tail),
            *[pd.NA] * int(unknown.sum()),
        ],
        dtype="Int64",
    )
    cumulative = pd.to_numeric(head["share_pct"]).cumsum().to_numpy()
    out["cumulative_share_pct"] = np.append(cumulative, [np.nan] * (len(out) - len(head)))
    return out


def _as_number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce") if values.name == "count" else values


def _regroup(table: pd.DataFrame) -> pd.DataFrame:
    """A breakdown with rows of withheld current counts after the published ones, by name."""
    withheld = _withheld(table["current"])
    zero = ~withheld & (pd.to_numeric(table["current"], errors="coerce") == 0).to_numpy()
    head = table.loc[~withheld & ~zero]
    middle = table.loc[withheld].sort_values("category", key=lambda s: s.astype(str))
    return pd.concat([head, middle, table.loc[zero]]).reset_index(drop=True)


def _ranked_within(table: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """Top wards by category: the rank is the row's place in its category's list.

    (A rank shared by equal counts would tell a withheld count from the published one
    beside it; equal counts are listed in ward-name order.)
    """
    out = table.copy()
    out["rank"] = pd.array(out.groupby(by, sort=False).cumcount() + 1, dtype="Int64")
    return out


def _people_costs(block: pd.DataFrame) -> dict[tuple[Hashable, str], float]:
    """The order in which one role's cells are withheld to protect others (lowest first).

    A row's people before its female and male (the split stays); the female and male of
    small age bands (and of "Age not recorded"), smallest band first; then the role's
    female and male totals; the female and male of an age band of :data:`KEEP_SPLIT` or
    more people only when nothing else will do; the role's total last.
    """
    everyone = float(block.loc[block["age_band"] == "Total", "people"].iloc[0])
    costs = {}
    for row, band, size in zip(block.index, block["age_band"], block["people"], strict=True):
        if band == "Total":
            split = everyone + 1
        elif band in indicators.AGE_BANDS and size >= KEEP_SPLIT:
            split = 2 * everyone + size
        else:
            split = size + 1
        costs[row, "female"] = costs[row, "male"] = split
        costs[row, "people"] = 4 * everyone if band == "Total" else float(size)
    return costs


def _people_cells(profile: Profile) -> list[tuple[str, list[tuple], list[str]]]:
    """Each role's people cells.

    Returns (role, (age band, column, count, row, cost) of each count shown, the age bands
    that are not totals) for each role.
    """
    out = []
    for role, block in profile.people.groupby("role_group", sort=False):
        costs = _people_costs(block)
        shown = [
            (band, column, value, row, costs[row, column])
            for row, band in zip(block.index, block["age_band"], strict=True)
            for column in _PEOPLE_COLUMNS
            for value in [block.loc[row, column]]
            if not pd.isna(value)
        ]
        bands = [b for b in block["age_band"] if b not in (_SEX_NOT_RECORDED, "Total")]
        out.append((role, shown, bands))
    return out


def _label_people(people: pd.DataFrame, marks) -> pd.DataFrame:
    """People by role, age and sex with the withheld cells of every role's table labelled."""
    found = {
        key: text
        for role in people["role_group"].unique()
        for key, text in marks.get(f"people:{role}", {}).items()
    }
    return _label(people, found, _AGE_SEX_DEPENDENT)


def _label_ethnicity(table: pd.DataFrame, marks) -> pd.DataFrame:
    """Ethnicity with withheld cells; shares blank where a total (or the stated total) is."""
    stated_withheld = ("stated", "share_pct") in marks
    marks = {key: text for key, text in marks.items() if key[0] != "stated"}
    out = _label(table, marks, {"total": ["share_pct"]})
    if stated_withheld:
        out["share_pct"] = np.nan
    withheld = _withheld(out["total"])
    stated = out["stated"].to_numpy(dtype=bool)
    head = out.loc[stated & ~withheld]
    middle = out.loc[stated & withheld].sort_values("ethnicity")
    return pd.concat([head, middle, out.loc[~stated]]).reset_index(drop=True)


def _drop(board: Profile, table: str) -> None:
    """Leave a table out of the board version."""
    kind, _, detail = table.partition(":")
    if kind == "wards":
        board.wards = None
        board.harm = None  # its counts are the ward table's
    elif kind == "attributes":
        board.attributes[detail] = None
    elif kind == "people":
        board.people = board.people.loc[board.people["role_group"] != detail].reset_index(drop=True)
    elif kind == "wards_by":
        kept = board.wards_by[board.theme.top_wards_by].astype(str) != detail
        board.wards_by = board.wards_by.loc[kept].reset_index(drop=True)
    elif kind == "data_quality":  # the counted notes; the caveats stay
        quality = board.data_quality
        counted = (quality["outcome"] == "note") & quality["records"].notna()
        board.data_quality = quality.loc[~counted].reset_index(drop=True)
    else:
        setattr(board, kind, None)
