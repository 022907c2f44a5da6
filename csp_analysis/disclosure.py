"""Disclosure control: small-number suppression for board and public tables.

Counts from 1 to ``threshold`` (default 4) are withheld and shown as ``"<5"`` (in general
``f"<{threshold + 1}"``): *primary* suppression. Further counts are withheld where the
published totals would otherwise give a small count away by subtraction: *secondary*
suppression. Rates, confidence limits, shares and changes computed from a withheld count
are blanked with it. Area totals are never withheld. Every function is pure: a new frame
out, the input untouched, no I/O.

Method and sources
------------------
The rules follow the usual cell-suppression method for frequency tables (Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, doi:10.1002/9781118348239, chapter 5), as
summarised in public-sector small-numbers guidance, e.g. Washington State Department of
Health, *Guidelines for working with small numbers*: suppress non-zero counts below the
threshold, suppress rates and proportions derived from them, and use secondary suppression
so that suppressed cells cannot be recalculated through subtraction. The treatment of zeros
and of exact recovery draws on Statistics Norway's GaussSuppression package (Langsrud),
which protects frequency tables with margins and handles "the singleton problem and the
related problem of zeros".

Labels. A primary cell reads ``"<5"`` (fixed by the requirement). A secondary cell is not
less than 5, so writing ``"<5"`` there would be false on a board paper; it reads ``"[c]"``,
the UK Government Analysis Function's symbol for "confidential" (guidance *Symbols in
tables, definitions and help*, which also advises against ``*``). Both are configurable.

Rules
-----
Primary
    Every published count cell with 1 <= count <= threshold, including a marginal total
    (a row or column total of a cross-tabulation). A true zero is published.
Secondary
    A *line* is one linear relation a reader can use: the categories of a list and its
    published total, or one row or one column of a cross-tabulation with its margin. A line
    that contains withheld cells must (a) contain at least two of them, (b) where its margin
    is published, have withheld cells summing to at least ``threshold + 1``, and (c) leave
    no withheld cell exactly determined, given what the labels say: a ``"<5"`` cell is 1 to
    ``threshold``; a ``"[c]"`` cell is at least ``threshold + 1`` (zeros are never withheld
    and small counts are always ``"<5"``). In a list, a reader who knows this rule also knows
    that a ``"[c]"`` cell is no larger than the smallest count published beside it, and the
    check uses that bound too (so with counts 3, 5, 5, 9 both 5s are withheld: one alone
    would be pinned at 5, giving away the 3). Until every line passes, the smallest non-zero
    published count of a failing line is withheld (an inner cell before a margin on a tie).
    In a cross-tabulation rows and columns interact, so after the lines pass a linear
    programme finds each withheld cell's feasible range over all relations at once
    (the relations form a totally unimodular system, so the range ends are whole numbers
    and a range of width zero is exactly an exact recovery); a cell still pinned gets the
    smallest candidate in its row or column added, and the whole loop repeats to a fixed
    point. Example: in a list 10, 4, 4 the two 4s sum to 8 (at least 5), yet two cells of
    "at most 4" summing to 8 are both 4, so the 10 is withheld too.
Margins
    The grand total is never withheld (it is the area total). A row or column total of 1 to
    ``threshold`` is itself primary-suppressed: publishing "3 people aged 10-19" next to
    withheld cells would give the count the cells hide. A margin can also be withheld as a
    secondary cell, but only when its line has no inner cell left to withhold.
Zeros
    Zeros are published and never chosen as secondary cells. A zero discloses nothing about
    a person, and withholding one does not help against a reader who knows the rule: the
    label would have to mean "0 or at least 5", and the published totals still pin the cells
    in the cases where zeros would be the only candidates left (for example one ward holding
    all of an area total of 3). Those cases cannot be protected while the area total is
    published; they are reported (``recoverable`` in the flags, and by :func:`audit`) so
    the analyst can merge categories or drop the table, never silently passed.
Cumulative shares
    ``cumulative_share_pct`` is kept for the leading rows with published counts, recomputed
    from their published shares, and blanked from the first withheld row down; a cumulative
    share after a withheld row would give its share away by differencing.
Row order and rank
    In tables sorted by count, rows whose count is withheld are moved, in name order, after
    the rows with published non-zero counts, and their rank is blanked, so the order of rows
    and tied ranks cannot reveal the relative size of withheld counts.

What the checks do not model: inference from other tables (the wrappers treat totals that
the profile publishes elsewhere, such as role-group totals, as known), and, in
cross-tabulations, inference from which cell the rule would have chosen.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from csp_analysis.indicators import ROLE_GROUPS

__all__ = [
    "AGE_SEX_DEPENDENT",
    "BREAKDOWN_DEPENDENT",
    "SECONDARY_LABEL",
    "Suppressed",
    "audit",
    "protect_breakdown",
    "protect_ethnicity",
    "protect_role_age_sex",
    "protect_ward_table",
    "suppress_counts",
    "suppress_crosstab",
    "WARD_DEPENDENT",
]

#: Label of a secondary (complementary) withheld cell: "[c]", confidential.
SECONDARY_LABEL = "[c]"
#: Dependent columns of the ward table (csp_analysis.indicators.ward_table).
WARD_DEPENDENT = {
    "count": [
        "rank",
        "share_pct",
        "cumulative_share_pct",
        "rate_per_1000",
        "rate_lower",
        "rate_upper",
        "change",
        "pct_change",
    ],
    "previous": ["change", "pct_change"],
}
#: Dependent columns of a breakdown (csp_analysis.indicators.compare_periods).
BREAKDOWN_DEPENDENT = {
    "current": ["change", "pct_change", "share_pct"],
    "previous": ["change", "pct_change"],
}
#: Dependent columns of the age-sex table: the sex split uses both female and male.
AGE_SEX_DEPENDENT = {"female": ["female_pct", "male_pct"], "male": ["female_pct", "male_pct"]}
SEXES = ["female", "male", "unknown"]
_PUBLISHED, _PRIMARY, _SECONDARY = 0, 1, 2
_REASONS = {_PRIMARY: "primary", _SECONDARY: "secondary"}


@dataclass(frozen=True)
class Suppressed:
    """A protected table and the cells withheld from it.

    Attributes
    ----------
    table : pandas.DataFrame
        The table to publish: withheld counts are text (``"<5"`` or ``"[c]"``), their
        dependent cells are blank; every other cell is as given.
    flags : pandas.DataFrame
        One row per withheld count cell, with columns: row (index label in ``table``),
        column, count (the true value, or NaN where the input was already withheld),
        reason ("primary" or "secondary"), recoverable (bool: True where the cell can still
        be worked out exactly or its line still fails a rule, because nothing more could be
        withheld; see the module notes on zeros).
    """

    table: pd.DataFrame
    flags: pd.DataFrame

    @property
    def safe(self) -> bool:
        """True when no withheld cell can be recovered from the published table."""
        return not bool(self.flags["recoverable"].any())


# ------------------------------------------------------------------------ the engine


@dataclass
class _Line:
    """One relation ``sum(coef * x) == 0`` over cells; ``margin`` is its coef -1 cell."""

    cells: np.ndarray
    coefs: np.ndarray
    margin: int


def _bounds(
    state: np.ndarray, line: _Line, values: np.ndarray, threshold: int, rule_bound: bool
) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each withheld cell of ``line`` from its label."""
    withheld = line.cells[state[line.cells] != _PUBLISHED]
    secondary_high = np.inf
    if rule_bound:
        published = line.cells[(state[line.cells] == _PUBLISHED) & (line.coefs > 0)]
        nonzero = values[published][values[published] > 0]
        secondary_high = float(nonzero.min()) if nonzero.size else np.inf
    primary = state[withheld] == _PRIMARY
    lows = np.where(primary, 1.0, threshold + 1.0)
    highs = np.where(primary, float(threshold), secondary_high)
    return lows, highs


def _line_problem(
    state: np.ndarray, values: np.ndarray, line: _Line, threshold: int, rule_bound: bool
) -> tuple[str, np.ndarray] | None:
    """Why ``line`` lets a reader recover a withheld cell, with the cells at fault."""
    states = state[line.cells]
    withheld = states != _PUBLISHED
    if not withheld.any():
        return None
    cells = line.cells[withheld]
    if withheld.sum() == 1:
        return "the only withheld cell in its line", cells
    coefs = line.coefs[withheld]
    rhs = -float(np.sum(line.coefs[~withheld] * values[line.cells[~withheld]]))
    if state[line.margin] == _PUBLISHED and rhs <= threshold:
        return f"withheld cells in its line sum to {rhs:g}", cells
    lows, highs = _bounds(state, line, values, threshold, rule_bound)
    positive = coefs > 0
    low_terms = np.where(positive, coefs * lows, coefs * highs)
    high_terms = np.where(positive, coefs * highs, coefs * lows)
    with np.errstate(invalid="ignore"):
        others_low = low_terms.sum() - low_terms
        others_high = high_terms.sum() - high_terms
    span_low = np.where(positive, rhs - others_high, others_low - rhs)
    span_high = np.where(positive, rhs - others_low, others_high - rhs)
    low, high = np.maximum(lows, span_low), np.minimum(highs, span_high)
    pinned = low >= high
    if pinned.any():
        return f"recoverable from its line (= {low[pinned][0]:g})", cells[pinned]
    return None


def _lp_pinned(
    state: np.ndarray, values: np.ndarray, lines: list[_Line], threshold: int
) -> list[int]:
    """Withheld cells whose value follows exactly from all the lines together."""
    withheld = np.flatnonzero(state != _PUBLISHED)
    if withheld.size == 0:
        return []
    column = {cell: k for k, cell in enumerate(withheld)}
    rows, rhs = [], []
    for line in lines:
        mask = state[line.cells] != _PUBLISHED
        if not mask.any():
            continue
        row = np.zeros(withheld.size)
        for cell, coef in zip(line.cells[mask], line.coefs[mask], strict=True):
            row[column[cell]] = coef
        rows.append(row)
        rhs.append(-float(np.sum(line.coefs[~mask] * values[line.cells[~mask]])))
    bounds = [
        (1, threshold) if state[cell] == _PRIMARY else (threshold + 1, None) for cell in withheld
    ]
    pinned = []
    for k, cell in enumerate(withheld):
        objective = np.zeros(withheld.size)
        ends = []
        for sign in (1.0, -1.0):
            objective[k] = sign
            result = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds)
            ends.append(sign * result.fun if result.status == 0 else None)
        low, high = ends
        if low is not None and high is not None and high - low < 0.5:
            pinned.append(int(cell))
    return pinned


def _candidate(state, values, suppressible, line: _Line, lines: list[_Line]) -> int | None:
    """The cell of ``line`` to withhold next: the smallest non-zero published cell.

    A cell whose other line holds a lone withheld cell comes first (it mends both lines:
    one cell instead of two), then the smallest value, an inner cell before a margin.
    """
    options = []
    for position, (cell, coef) in enumerate(zip(line.cells, line.coefs, strict=True)):
        if not (suppressible[cell] and state[cell] == _PUBLISHED and values[cell] > 0):
            continue
        lonely = any(
            other is not line
            and cell in other.cells
            and np.count_nonzero(state[other.cells] != _PUBLISHED) == 1
            for other in lines
        )
        options.append((not lonely, values[cell], coef < 0, position, cell))
    return int(min(options)[4]) if options else None


def _protect(
    values: np.ndarray,
    state: np.ndarray,
    suppressible: np.ndarray,
    lines: list[_Line],
    *,
    threshold: int,
    rule_bound: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Primary then secondary suppression to a fixed point; returns state, recoverable."""
    state = state.copy()
    small = suppressible & (state == _PUBLISHED) & (values >= 1) & (values <= threshold)
    state[small] = _PRIMARY
    stuck_lines: set[int] = set()
    stuck_cells: set[int] = set()
    while True:
        added = False
        for number, line in enumerate(lines):
            if number in stuck_lines or not _line_problem(
                state, values, line, threshold, rule_bound
            ):
                continue
            cell = _candidate(state, values, suppressible, line, lines)
            if cell is None:
                stuck_lines.add(number)
            else:
                state[cell], added = _SECONDARY, True
        if added:
            continue
        pinned = [c for c in _lp_pinned(state, values, lines, threshold) if c not in stuck_cells]
        if len(lines) < 2 or not pinned:
            break
        options = [
            cell
            for line in lines
            if pinned[0] in line.cells
            for cell in [_candidate(state, values, suppressible, line, lines)]
            if cell is not None
        ]
        if options:
            state[min(options, key=lambda cell: values[cell])] = _SECONDARY
        else:
            stuck_cells.add(pinned[0])
    return state, _recoverable(state, values, lines, threshold, rule_bound)


def _recoverable(state, values, lines, threshold, rule_bound) -> np.ndarray:
    """Withheld cells that a reader could still recover, or whose line breaks a rule."""
    flagged = np.zeros(state.size, dtype=bool)
    for line in lines:
        problem = _line_problem(state, values, line, threshold, rule_bound)
        if problem:
            flagged[line.cells[state[line.cells] != _PUBLISHED]] = True
    if len(lines) > 1:
        flagged[_lp_pinned(state, values, lines, threshold)] = True
    return flagged


# ------------------------------------------------------------------- reading cells


def _parse(
    series: pd.Series, *, label: str, secondary_label: str, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Values (NaN where withheld) and states of a count column."""
    values = np.full(len(series), np.nan)
    state = np.zeros(len(series), dtype=np.int8)
    for position, (row, value) in enumerate(series.items()):
        if isinstance(value, str):
            if value == label:
                state[position] = _PRIMARY
            elif value == secondary_label:
                state[position] = _SECONDARY
            else:
                raise ValueError(
                    f"column {name!r}, row {row!r}: {value!r} is not a count "
                    f"(expected a whole number, {label!r} or {secondary_label!r})"
                )
        elif pd.isna(value) or float(value) < 0 or float(value) != int(value):
            raise ValueError(f"column {name!r}, row {row!r}: {value!r} is not a count")
        else:
            values[position] = float(value)
    return values, state


def _labels(threshold: int, label: str | None) -> str:
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold!r}")
    return f"<{threshold + 1}" if label is None else label


def _dependents(
    dependent: Mapping[str, Sequence[str]] | Sequence[str], counts: Sequence[str]
) -> dict[str, list[str]]:
    if isinstance(dependent, Mapping):
        return {column: list(dependent.get(column, [])) for column in counts}
    return {column: list(dependent) for column in counts}


def _publish(
    table: pd.DataFrame,
    states: dict[str, np.ndarray],
    *,
    dependent: dict[str, list[str]],
    label: str,
    secondary_label: str,
) -> pd.DataFrame:
    """Write labels into withheld count cells and blank their dependent cells."""
    out = table.copy()
    for column, state in states.items():
        withheld = state != _PUBLISHED
        if not withheld.any():
            continue
        text = [label if k == _PRIMARY else secondary_label for k in state]
        out[column] = [
            text[k] if withheld[k] else value for k, value in enumerate(table[column].tolist())
        ]
        out[column] = out[column].astype(object)
        for other in dependent.get(column, []):
            if other in out.columns:
                out.loc[withheld, other] = None
    return out


def _flag_rows(table, column, values, state, recoverable, rows=None) -> list[dict]:
    labels = table.index if rows is None else rows
    return [
        {
            "row": labels[k],
            "column": column,
            "count": values[k],
            "reason": _REASONS[int(state[k])],
            "recoverable": bool(recoverable[k]),
        }
        for k in np.flatnonzero(state != _PUBLISHED)
    ]


def _flags(rows: list[dict]) -> pd.DataFrame:
    columns = ["row", "column", "count", "reason", "recoverable"]
    flags = pd.DataFrame(rows, columns=columns)
    flags["count"] = flags["count"].astype(float)
    flags["recoverable"] = flags["recoverable"].astype(bool)
    return flags


# --------------------------------------------------------------------- lists (1-D)


def _list_problem(values, state, total, threshold) -> tuple[np.ndarray, np.ndarray, _Line]:
    """Cells and the one line of a list: the categories, then the published total."""
    n = len(values)
    cells = np.append(values, float(total))
    states = np.append(state, _PUBLISHED).astype(np.int8)
    line = _Line(np.arange(n + 1), np.append(np.ones(n), -1.0), n)
    return cells, states, line


def _list_total(table, column, values, state, totals, total_row) -> float:
    if totals is not None and column in totals:
        return float(totals[column])
    if total_row is not None:
        return float(table.loc[total_row, column])
    if (state != _PUBLISHED).any():
        raise ValueError(
            f"column {column!r} already has withheld cells, so its total cannot be summed; "
            "pass the published total with totals={...}"
        )
    return float(values.sum())


def suppress_counts(
    table: pd.DataFrame,
    *,
    counts: Sequence[str],
    dependent: Mapping[str, Sequence[str]] | Sequence[str] = (),
    threshold: int = 4,
    total_row: Hashable | None = None,
    totals: Mapping[str, float] | None = None,
    label: str | None = None,
    secondary_label: str = SECONDARY_LABEL,
) -> Suppressed:
    """Small-number suppression of a list of categories whose total is published.

    Each column of ``counts`` is protected on its own, against its own total.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per category. Count cells may already hold ``label`` or
        ``secondary_label`` (a table protected before), which are kept.
    counts : sequence of str
        The count columns, e.g. ``["count", "previous"]``.
    dependent : mapping or sequence of str
        Columns computed from a count (rates, limits, shares, changes), blanked in every
        row where that count is withheld: a mapping from count column to its dependent
        columns, or one sequence used for every count column.
    threshold : int
        Counts from 1 to ``threshold`` are withheld (default 4).
    total_row : hashable, optional
        Index label of a row holding the totals; it is never withheld and is not a
        category. Without it (and without ``totals``) the total is the column sum, which
        the profile publishes elsewhere (the area total).
    totals : mapping, optional
        The published total of each count column; needed when ``table`` is already
        protected and has no ``total_row``.
    label, secondary_label : str
        Text of primary cells (default ``f"<{threshold + 1}"``) and secondary cells
        (default ``"[c]"``).

    Returns
    -------
    Suppressed
        ``table``: a copy of ``table`` with every column kept; a count column with a
        withheld cell becomes object dtype (whole numbers and labels). ``flags``: see
        :class:`Suppressed`.

    Examples
    --------
    >>> wards = pd.DataFrame({"ward": list("ABCDE"), "count": [10, 8, 6, 3, 0]})
    >>> result = suppress_counts(wards, counts=["count"])
    >>> result.table["count"].tolist()
    [10, 8, '[c]', '<5', 0]
    >>> result.flags[["row", "reason"]].to_dict("records")
    [{'row': 2, 'reason': 'secondary'}, {'row': 3, 'reason': 'primary'}]
    """
    label = _labels(threshold, label)
    depends = _dependents(dependent, counts)
    body = table.drop(index=[total_row]) if total_row is not None else table
    states, flag_rows = {}, []
    for column in counts:
        values, state = _parse(
            body[column], label=label, secondary_label=secondary_label, name=column
        )
        total = _list_total(table, column, values, state, totals, total_row)
        if not (state != _PUBLISHED).any() and values.sum() != total:
            raise ValueError(
                f"column {column!r}: the categories sum to {values.sum():g} "
                f"but the total is {total:g}"
            )
        cells, cell_states, line = _list_problem(values, state, total, threshold)
        suppressible = np.append(np.ones(len(values), dtype=bool), False)
        new, recoverable = _protect(
            np.nan_to_num(cells, nan=-1.0),
            cell_states,
            suppressible,
            [line],
            threshold=threshold,
            rule_bound=True,
        )
        full = pd.Series(_PUBLISHED, index=table.index, dtype=np.int8)
        full.loc[body.index] = new[:-1]
        states[column] = full.to_numpy()
        flag_rows += _flag_rows(body, column, values, new[:-1], recoverable[:-1])
    out = _publish(table, states, dependent=depends, label=label, secondary_label=secondary_label)
    return Suppressed(out, _flags(flag_rows))


# ------------------------------------------------------------ cross-tabulations (2-D)


def _grid(table, cells, total, total_row, column_totals, label, secondary_label):
    """Values, states, suppressible mask and lines of a table with margins."""
    rows = (
        [row for row in table.index if row != total_row]
        if total_row is not None
        else list(table.index)
    )
    nr, nc = len(rows), len(cells)
    values = np.full((nr + 1, nc + 1), np.nan)
    state = np.zeros((nr + 1, nc + 1), dtype=np.int8)
    suppressible = np.ones((nr + 1, nc + 1), dtype=bool)
    for j, column in enumerate([*cells, total]):
        v, s = _parse(
            table.loc[rows, column], label=label, secondary_label=secondary_label, name=column
        )
        values[:nr, j], state[:nr, j] = v, s
        if total_row is not None:
            v, s = _parse(
                table.loc[[total_row], column],
                label=label,
                secondary_label=secondary_label,
                name=column,
            )
            values[nr, j], state[nr, j] = v[0], s[0]
    if total_row is None:
        suppressible[nr, :] = False
        for j, column in enumerate(cells):
            if column_totals is not None:
                values[nr, j] = float(column_totals[column])
            elif (state[:nr, j] != _PUBLISHED).any():
                raise ValueError(
                    f"column {column!r} already has withheld cells, so its total cannot be "
                    "summed; pass the published totals with column_totals={...}"
                )
            else:
                values[nr, j] = values[:nr, j].sum()
        values[nr, nc] = values[nr, :nc].sum()
    suppressible[nr, nc] = False
    if state[nr, nc] != _PUBLISHED:
        raise ValueError("the grand total is withheld; it must be published")
    ids = np.arange((nr + 1) * (nc + 1)).reshape(nr + 1, nc + 1)
    lines = [_Line(ids[i, :], np.append(np.ones(nc), -1.0), int(ids[i, nc])) for i in range(nr + 1)]
    lines += [
        _Line(ids[:, j], np.append(np.ones(nr), -1.0), int(ids[nr, j])) for j in range(nc + 1)
    ]
    _check_sums(values, rows, [*cells, total])
    return rows, values, state, suppressible, lines


def _check_sums(values, rows, columns) -> None:
    nr, nc = values.shape[0] - 1, values.shape[1] - 1
    for i in range(nr + 1):
        if not np.isnan(values[i]).any() and values[i, :nc].sum() != values[i, nc]:
            name = rows[i] if i < nr else "the total row"
            raise ValueError(
                f"row {name!r}: the cells sum to {values[i, :nc].sum():g} "
                f"but {columns[-1]!r} is {values[i, nc]:g}"
            )
    for j in range(nc + 1):
        if not np.isnan(values[:, j]).any() and values[:nr, j].sum() != values[nr, j]:
            raise ValueError(
                f"column {columns[j]!r}: the rows sum to {values[:nr, j].sum():g} "
                f"but the total is {values[nr, j]:g}"
            )


def suppress_crosstab(
    table: pd.DataFrame,
    *,
    cells: Sequence[str],
    total: str,
    total_row: Hashable | None = None,
    column_totals: Mapping[str, float] | None = None,
    dependent: Mapping[str, Sequence[str]] | Sequence[str] = (),
    threshold: int = 4,
    label: str | None = None,
    secondary_label: str = SECONDARY_LABEL,
) -> Suppressed:
    """Small-number suppression of a cross-tabulation with row and column totals.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per row category; the columns ``cells`` are the column categories and
        ``total`` holds each row's total. Cells may already hold the labels.
    cells : sequence of str
        The inner count columns, e.g. ``["female", "male", "unknown"]``.
    total : str
        The row-total column (a margin: withheld when 1 to ``threshold``).
    total_row : hashable, optional
        Index label of the row of column totals (margins, withheld when small; its
        ``total`` cell is the grand total, never withheld). Without it the column totals
        are taken as published elsewhere: ``column_totals`` or the column sums.
    column_totals : mapping, optional
        The published column totals when there is no ``total_row`` and the table is
        already protected.
    dependent : mapping or sequence of str
        Columns blanked in a row where a count column is withheld (see
        :func:`suppress_counts`).
    threshold, label, secondary_label
        As :func:`suppress_counts`.

    Returns
    -------
    Suppressed
        ``table``: a copy with every column kept, withheld cells labelled, their
        dependent cells blank. ``flags``: see :class:`Suppressed`; margins appear as
        ``total`` column cells and as cells of ``total_row``.

    Examples
    --------
    >>> grid = pd.DataFrame(
    ...     {"a": [3, 10, 13], "b": [12, 9, 21], "total": [15, 19, 34]},
    ...     index=["x", "y", "Total"],
    ... )
    >>> suppress_crosstab(grid, cells=["a", "b"], total="total", total_row="Total").table
             a    b  total
    x       <5  [c]     15
    y      [c]  [c]     19
    Total   13   21     34
    """
    label = _labels(threshold, label)
    rows, values, state, suppressible, lines = _grid(
        table, cells, total, total_row, column_totals, label, secondary_label
    )
    shape = values.shape
    new, recoverable = _protect(
        np.nan_to_num(values.ravel(), nan=-1.0),
        state.ravel(),
        suppressible.ravel(),
        lines,
        threshold=threshold,
        rule_bound=False,
    )
    new, recoverable = new.reshape(shape), recoverable.reshape(shape)
    labels = [*rows, total_row] if total_row is not None else rows
    n = len(labels)
    order = pd.Index(labels)
    states, flag_rows = {}, []
    for j, column in enumerate([*cells, total]):
        column_state = pd.Series(new[:n, j], index=order).reindex(table.index).to_numpy()
        states[column] = column_state.astype(np.int8)
        flag_rows += _flag_rows(
            table, column, values[:n, j], new[:n, j], recoverable[:n, j], rows=labels
        )
    depends = _dependents(dependent, [*cells, total])
    out = _publish(table, states, dependent=depends, label=label, secondary_label=secondary_label)
    return Suppressed(out, _flags(flag_rows))


# ------------------------------------------------------------------------- the audit


def audit(
    original: pd.DataFrame,
    protected: pd.DataFrame,
    *,
    counts: Sequence[str] | None = None,
    cells: Sequence[str] | None = None,
    total: str | None = None,
    total_row: Hashable | None = None,
    dependent: Mapping[str, Sequence[str]] | Sequence[str] = (),
    key: str | None = None,
    threshold: int = 4,
    label: str | None = None,
    secondary_label: str = SECONDARY_LABEL,
) -> pd.DataFrame:
    """Check a protected table against its original for anything a reader could work out.

    Give ``counts`` for a list (each column against its total: ``total_row`` or the
    original column sum), or ``cells`` and ``total`` (and ``total_row``) for a
    cross-tabulation. The reader is assumed to know the published cells, the totals and
    what the labels mean (``"<5"``: 1 to ``threshold``; ``"[c]"``: at least
    ``threshold + 1``, and in a list at most the smallest published non-zero count).
    ``key`` names a column identifying rows in both tables when the protected table has
    its rows in another order (as the wrappers' tables do); ``dependent`` as in
    :func:`suppress_counts`.

    Returns
    -------
    pandas.DataFrame
        One row per problem, with columns: row, column, problem (text). Empty when the
        table is safe. Problems: a published count of 1 to ``threshold``; a published
        count or total that differs from the original; a label that is untrue; a
        dependent cell published beside a withheld count; a withheld cell that is alone in
        its line, in a line whose withheld cells sum to ``threshold`` or less, or whose
        value follows exactly from the published numbers.
    """
    label = _labels(threshold, label)
    if key is not None:
        original, protected = original.set_index(key), protected.set_index(key)
        protected = protected.loc[original.index]
    problems: list[dict] = []
    columns = list(counts) if counts is not None else [*cells, total]
    for column in columns:
        for row in original.index:
            true, shown = original.loc[row, column], protected.loc[row, column]
            if isinstance(shown, str):
                if shown == label and not 1 <= true <= threshold:
                    problems.append(_problem(row, column, f"{label!r} but the count is {true}"))
                if shown == secondary_label and true <= threshold:
                    problems.append(
                        _problem(row, column, f"{shown!r} but the count is {true} (small)")
                    )
                for other in _dependents(dependent, columns)[column]:
                    if other in protected.columns and pd.notna(protected.loc[row, other]):
                        problems.append(_problem(row, other, f"published beside withheld {column}"))
            elif shown != true:
                problems.append(_problem(row, column, f"published {shown} but the count is {true}"))
            elif 1 <= shown <= threshold and not _is_total(row, column, total_row, cells, total):
                problems.append(_problem(row, column, f"small count {shown} published"))
    if counts is not None:
        body = protected.drop(index=[total_row]) if total_row is not None else protected
        for column in counts:
            values, state = _parse(
                body[column], label=label, secondary_label=secondary_label, name=column
            )
            truth = original.loc[total_row, column] if total_row is not None else None
            total_value = truth if truth is not None else original[column].sum()
            grid, states, line = _list_problem(values, state, total_value, threshold)
            problem = _line_problem(
                states, np.nan_to_num(grid, nan=-1.0), line, threshold, rule_bound=True
            )
            if problem:
                for k in problem[1]:
                    problems.append(_problem(body.index[k], column, problem[0]))
    else:
        column_totals = None
        if total_row is None:
            column_totals = {c: original[c].sum() for c in cells}
        rows, values, state, _, lines = _grid(
            protected, cells, total, total_row, column_totals, label, secondary_label
        )
        labels = [*rows, total_row] if total_row is not None else rows
        names = [*cells, total]
        flat, flat_state = np.nan_to_num(values.ravel(), nan=-1.0), state.ravel()
        width = values.shape[1]
        for line in lines:
            problem = _line_problem(flat_state, flat, line, threshold, rule_bound=False)
            if problem:
                for cell in problem[1]:
                    problems.append(
                        _problem(labels[cell // width], names[cell % width], problem[0])
                    )
        for cell in _lp_pinned(flat_state, flat, lines, threshold):
            problems.append(
                _problem(labels[cell // width], names[cell % width], "recoverable from all lines")
            )
    return pd.DataFrame(problems, columns=["row", "column", "problem"]).drop_duplicates(
        ignore_index=True
    )


def _problem(row, column, text) -> dict:
    return {"row": row, "column": column, "problem": text}


def _is_total(row, column, total_row, cells, total) -> bool:
    """Whether a cell is a total that is never withheld (list total, grand total)."""
    if total_row is None or row != total_row:
        return False
    return cells is None or column == total


# ----------------------------------------------------------- the toolkit's tables


def _regroup(result: Suppressed, *, withheld: np.ndarray, name: str, tail: np.ndarray):
    """Move withheld rows, in ``name`` order, after the published rows; ``tail`` stays last."""
    table = result.table
    positions = np.arange(len(table))
    head = positions[~withheld & ~tail]
    middle = positions[withheld & ~tail]
    middle = middle[np.argsort(table[name].iloc[middle].astype(str).to_numpy(), kind="stable")]
    order = np.concatenate([head, middle, positions[tail]])
    mapping = {table.index[p]: new for new, p in enumerate(order)}
    flags = result.flags.assign(row=result.flags["row"].map(mapping))
    return table.iloc[order].reset_index(drop=True), flags, len(head)


def _withheld_rows(result: Suppressed, column: str) -> np.ndarray:
    rows = result.flags.loc[result.flags["column"] == column, "row"]
    return result.table.index.isin(rows)


def protect_ward_table(wards: pd.DataFrame, *, threshold: int = 4) -> Suppressed:
    """Small-number suppression of a :func:`~csp_analysis.indicators.ward_table`.

    ``count`` and ``previous`` are each protected against their area total (published
    elsewhere in the profile, never withheld); "Unknown ward" is a category like any
    other.

    Returns
    -------
    Suppressed
        ``table`` has the columns of the ward table: rank, ward_code, ward_name, count,
        share_pct, cumulative_share_pct, rate_per_1000, rate_lower, rate_upper,
        population, previous, change, pct_change. Where ``count`` is withheld, rank,
        share_pct, cumulative_share_pct, the rate and its limits, change and pct_change
        are blank; where ``previous`` is withheld, change and pct_change are blank. Rows
        with a withheld count follow the published non-zero rows in ward-name order (then
        the zero rows, then "Unknown ward"). cumulative_share_pct is recomputed over the
        leading published rows and blank from the first withheld row on. ``flags`` rows
        refer to the returned table's index.
    """
    result = suppress_counts(
        wards, counts=["count", "previous"], dependent=WARD_DEPENDENT, threshold=threshold
    )
    withheld = _withheld_rows(result, "count")
    tail = (wards["rank"].isna() | (wards["count"] == 0)).to_numpy() & ~withheld
    tail |= wards["rank"].isna().to_numpy()
    table, flags, head = _regroup(result, withheld=withheld, name="ward_name", tail=tail)
    if withheld.any():
        first = int(np.flatnonzero(_withheld_rows(Suppressed(table, flags), "count"))[0])
        cumulative = pd.to_numeric(table["share_pct"]).iloc[:first].cumsum()
        table["cumulative_share_pct"] = cumulative.reindex(table.index)
    return Suppressed(table, flags)


def protect_breakdown(breakdown: pd.DataFrame, *, threshold: int = 4) -> Suppressed:
    """Small-number suppression of a :func:`~csp_analysis.indicators.compare_periods` table.

    Returns
    -------
    Suppressed
        ``table`` has the breakdown's columns: category, current, previous, change,
        pct_change, share_pct. Where ``current`` is withheld, change, pct_change and
        share_pct are blank; where ``previous`` is withheld, change and pct_change are
        blank. Rows with a withheld current count follow the published non-zero rows in
        category order (then the rows with no current records).
    """
    result = suppress_counts(
        breakdown,
        counts=["current", "previous"],
        dependent=BREAKDOWN_DEPENDENT,
        threshold=threshold,
    )
    withheld = _withheld_rows(result, "current")
    tail = (breakdown["current"] == 0).to_numpy() & ~withheld
    table, flags, _ = _regroup(result, withheld=withheld, name="category", tail=tail)
    return Suppressed(table, flags)


def protect_role_age_sex(table: pd.DataFrame, *, threshold: int = 4) -> Suppressed:
    """Small-number suppression of a :func:`~csp_analysis.indicators.role_age_sex` table.

    Each role group's block is a cross-tabulation of age band by sex (female, male,
    unknown) with the "Total" age band as its row of column totals and ``total`` as its
    column of row totals. The role group's grand total (its "Total" row's ``total``) is
    the area's count for that role and is never withheld; the other margins are withheld
    when small.

    Returns
    -------
    Suppressed
        ``table`` has the same rows and columns: role_group, age_band, female, male,
        unknown, total, female_pct, male_pct; female_pct and male_pct are blank in a row
        where female or male is withheld. ``flags`` rows refer to the table's index.
    """
    tables, flags = [], []
    for _, block in table.groupby("role_group", sort=False):
        totals = block.index[block["age_band"] == "Total"]
        if len(totals) != 1:
            raise ValueError(
                f"role group {block['role_group'].iloc[0]!r} needs exactly one 'Total' "
                f"age band, found {len(totals)}"
            )
        result = suppress_crosstab(
            block,
            cells=SEXES,
            total="total",
            total_row=totals[0],
            dependent=AGE_SEX_DEPENDENT,
            threshold=threshold,
        )
        tables.append(result.table)
        flags.append(result.flags)
    out = pd.concat(tables).loc[table.index]
    return Suppressed(out, pd.concat(flags, ignore_index=True))


def protect_ethnicity(table: pd.DataFrame, *, threshold: int = 4) -> Suppressed:
    """Small-number suppression of a :func:`~csp_analysis.indicators.ethnicity_table`.

    Ethnicity by role group is a cross-tabulation whose row totals are ``total`` and whose
    column totals (people in each role group) the profile publishes elsewhere, so they
    are treated as known. "Not stated" is a category like any other.

    Returns
    -------
    Suppressed
        ``table`` has the same columns: ethnicity, suspect and victim, suspect, victim,
        total, share_pct, stated. share_pct is blank where ``total`` is withheld; and
        where the "Not stated" total is withheld it is blank in every row, because the
        shares of the stated ethnicities give away the number of people with an
        ethnicity stated, and hence, from the role-group totals, the number without.
        Stated rows with a withheld total follow the published stated rows in ethnicity
        order; "Not stated" stays last.
    """
    result = suppress_crosstab(
        table,
        cells=list(ROLE_GROUPS),
        total="total",
        dependent={"total": ["share_pct"]},
        threshold=threshold,
    )
    withheld = _withheld_rows(result, "total")
    not_stated = (table["ethnicity"] == "Not stated").to_numpy()
    out, flags, _ = _regroup(result, withheld=withheld, name="ethnicity", tail=not_stated)
    if (withheld & not_stated).any():
        out["share_pct"] = np.nan
    return Suppressed(out, flags)
