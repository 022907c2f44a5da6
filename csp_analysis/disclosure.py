"""Disclosure control: small-number suppression that holds across linked tables.

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
    When the lines pass, the audit below looks at everything at once; a cell it still finds
    pinned gets the smallest candidate of a relation it is in (a cell that frees it from
    the bounds that pin it, following a relation through hidden counts, up to three cells
    deep), and the whole loop repeats to a fixed point. Example: in a list 10, 4, 4 the two
    4s sum to 8 (at least 5), yet two cells of "at most 4" summing to 8 are both 4, so the
    10 is withheld too.
Linked tables and hidden counts
    :class:`Cells` holds every count a publication shows or implies, keyed so that a count
    shown in two tables is one cell, with every linear relation a reader knows (equal or at
    most): the lines of each table, and relations between tables. A *hidden* cell is a count
    never shown that follows from what is (serious violence minus violence with injury in one
    ward; the records of one ASB category in one ward behind a top-wards list); it discloses
    only if a reader can pin it to 1 to ``threshold``. Protected cells are withheld when
    small and may be withheld to protect others; unprotected cells (area totals, the offence
    breakdown of a theme that is not sensitive) are published as they are, and the second
    kind may be withheld only as partners in their own table.
The audit
    An integer programme (scipy's ``milp``, HiGHS) over every relation at once: each
    withheld protected cell, and each hidden protected cell whose value is 1 to
    ``threshold``, is pushed up and down over the whole numbers that fit what is published
    and what the labels say; it is pinned when no other value fits. Bounds are first
    propagated through the relations (which settles most cells without a solver), and
    each programme's linear relaxation is solved first (it settles most of the rest); one
    solution proves every cell it moves, solutions are kept while they still fit, and
    independent groups of cells are solved apart. For a single cross-tabulation this is the
    same as the linear-programme check of a totally unimodular system.
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
    the rows with published non-zero counts, their rank is blanked, and a published row's
    rank counts only the published rows above it, so neither the order of rows nor a rank
    reveals the size of a withheld count (see :mod:`csp_analysis.publication`).

What the checks do not model: a range narrowed but not to one value (a ``"<5"`` says 1 to
4 anyway), inference from which cell the rule would have chosen (beyond the list bound
above), and anything outside the cells and relations given (other publications, other
periods). :mod:`csp_analysis.publication` builds the cells of a whole pack.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

__all__ = [
    "SECONDARY_LABEL",
    "Cells",
    "Suppressed",
    "audit",
    "suppress_counts",
    "suppress_crosstab",
]

#: Label of a secondary (complementary) withheld cell: "[c]", confidential.
SECONDARY_LABEL = "[c]"
_PUBLISHED, _PRIMARY, _SECONDARY, _HIDDEN = 0, 1, 2, 3
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
    """One line of a published table: ``sum(coef * x) == 0``; ``margin`` is its coef -1 cell."""

    cells: np.ndarray
    coefs: np.ndarray
    margin: int
    rule_bound: bool = False  # a list: a reader may use the smallest-candidate rule


@dataclass
class _Relation:
    """A linear relation a reader knows: ``sum(coef * x) == 0`` (or ``<= 0``)."""

    cells: np.ndarray
    coefs: np.ndarray
    equal: bool = True
    line: bool = False  # a line of a published table


@dataclass(frozen=True)
class _Matrix:
    """Linear rows as one list of terms: ``coef[i] * x[column[i]]`` is a term of ``row[i]``.

    Row ``r`` reads ``sum of its terms == rhs[r]`` (``<= rhs[r]`` where not ``equal[r]``).
    The terms of a row are next to each other, and the rows in order.
    """

    row: np.ndarray
    column: np.ndarray
    coef: np.ndarray
    rhs: np.ndarray
    equal: np.ndarray

    @classmethod
    def of(cls, relations: Sequence[_Relation]) -> _Matrix:
        """The relations ``sum(coef * cell) == 0`` (or ``<= 0``) as rows over every cell."""
        sizes = [relation.cells.size for relation in relations]
        return cls(
            np.repeat(np.arange(len(relations)), sizes),
            np.concatenate([np.zeros(0, dtype=int)] + [r.cells for r in relations]).astype(int),
            np.concatenate([np.zeros(0)] + [r.coefs for r in relations]).astype(float),
            np.zeros(len(relations)),
            np.array([relation.equal for relation in relations], dtype=bool),
        )

    def __len__(self) -> int:
        return self.rhs.size

    def starts(self) -> np.ndarray:
        """The position of each row's first term."""
        return np.searchsorted(self.row, np.arange(len(self)))

    def over_unknowns(self, known: np.ndarray, values: np.ndarray) -> tuple[_Matrix, np.ndarray]:
        """The rows with an unknown term, over the unknowns only (numbered in order).

        Returns them (``rhs`` as before) and, for each, the sum of its known terms at
        ``values``, which the caller moves to the right-hand side.
        """
        term_known = known[self.column]
        sums = np.bincount(
            self.row, np.where(term_known, self.coef * values[self.column], 0.0), len(self)
        )
        kept = np.flatnonzero(np.bincount(self.row, ~term_known, len(self)) > 0)
        number = np.full(len(self), -1)
        number[kept] = np.arange(kept.size)
        position = np.cumsum(~known) - 1
        term = ~term_known
        rows = _Matrix(
            number[self.row[term]],
            position[self.column[term]],
            self.coef[term],
            self.rhs[kept],
            self.equal[kept],
        )
        return rows, sums[kept]

    def sparse(self, rows: np.ndarray, width: int, position: np.ndarray) -> csr_array:
        """The ``rows`` (in that order) as a sparse matrix; column ``c`` at ``position[c]``."""
        order = np.full(len(self), -1)
        order[rows] = np.arange(rows.size)
        picked = np.flatnonzero(order[self.row] >= 0)
        picked = picked[np.argsort(order[self.row[picked]], kind="stable")]
        return csr_array(
            (self.coef[picked], (order[self.row[picked]], position[self.column[picked]])),
            shape=(rows.size, width),
        )


class Cells:
    """The counts a publication shows or implies, and the relations a reader knows.

    Each count is a *cell* with a key. A cell is *protected* when a small count there
    discloses something (a ward, a person, a sensitive offence); unprotected cells (area
    totals, the offence breakdown of a theme that is not sensitive) are published as they
    are. A *hidden* cell is never shown but follows from what is (for example serious
    violence minus violence with injury in one ward); it is a disclosure when a reader
    can work it out exactly and it is 1 to ``threshold``. *Lines* are the additive lines
    of the published tables (a list and its total, a row of a cross-tabulation and its
    margin); *relations* are every linear relation, lines included, that the audit uses.
    """

    def __init__(self) -> None:
        self.keys: dict[Hashable, int] = {}
        self.names: list[Hashable] = []  # the key of each cell
        self.counts: list[float] = []
        self.protected: list[bool] = []
        self.suppressible: list[bool] = []
        self.hidden: list[bool] = []
        self.high: list[float] = []
        self.cost: list[float] = []
        self.lines: list[_Line] = []
        self.relations: list[_Relation] = []

    def __len__(self) -> int:
        return len(self.counts)

    def add(
        self,
        key: Hashable,
        value: float,
        *,
        protected: bool = True,
        suppressible: bool | None = None,
        hidden: bool = False,
        high: float = np.inf,
        cost: float | None = None,
    ) -> int:
        """The cell of ``key`` (made on first use; a key shown anywhere is not hidden).

        ``suppressible`` (default: as ``protected``) lets a cell whose small count discloses
        nothing be withheld all the same, to protect a protected cell beside it. ``cost``
        (default: the count) orders the cells withheld to protect others: the lowest first.
        """
        suppressible = protected if suppressible is None else suppressible
        if key in self.keys:
            cell = self.keys[key]
            if self.counts[cell] != value:
                raise ValueError(f"cell {key!r} is {self.counts[cell]:g} and {value:g}")
            self.protected[cell] |= protected
            self.suppressible[cell] |= suppressible or protected
            self.hidden[cell] &= hidden
            if cost is not None:
                self.cost[cell] = float(cost)
            return cell
        self.keys[key] = len(self.counts)
        self.names.append(key)
        self.counts.append(float(value))
        self.protected.append(protected)
        self.suppressible.append(suppressible or protected)
        self.hidden.append(hidden)
        self.high.append(float(high))
        self.cost.append(float(value if cost is None else cost))
        return self.keys[key]

    def line(self, cells: Sequence[int], margin: int, *, rule_bound: bool = False) -> None:
        """A published table line: ``cells`` add up to ``margin``."""
        ids = np.array([*cells, margin])
        coefs = np.append(np.ones(len(cells)), -1.0)
        self.lines.append(_Line(ids, coefs, margin, rule_bound))
        self.relations.append(_Relation(ids, coefs, line=True))

    def relate(self, cells: Sequence[int], coefs: Sequence[float], *, equal: bool = True) -> None:
        """A relation ``sum(coef * cell) == 0`` (``<= 0`` when not ``equal``)."""
        self.relations.append(_Relation(np.array(cells), np.array(coefs, dtype=float), equal))

    def protect(
        self,
        *,
        threshold: int = 4,
        start: np.ndarray | None = None,
        witnesses: list[np.ndarray] | None = None,
    ) -> tuple[np.ndarray, dict[int, str]]:
        """Primary and secondary suppression of every cell, checked by the audit.

        Returns the state of each cell (see :meth:`shown`) and the cells a reader could
        still work out (cell -> why), which remain only where nothing more can be
        withheld. ``start`` continues from states found before (cells only added);
        ``witnesses`` keeps the audit's solutions between calls.
        """
        values, state, protected, high = self.arrays()
        if start is not None and len(start) == len(state):
            withheld = (start == _PRIMARY) | (start == _SECONDARY)
            state = np.where(withheld & (state == _PUBLISHED), start, state)
        return _protect(
            values,
            state,
            protected,
            self.lines,
            self.relations,
            threshold=threshold,
            high=high,
            witnesses=witnesses,
            suppressible=np.array(self.suppressible, dtype=bool),
            cost=np.array(self.cost, dtype=float),
        )

    def pinned(self, state: np.ndarray, *, threshold: int = 4) -> dict[int, str]:
        """The audit alone: cells a reader could work out from ``state`` (cell -> why)."""
        values, _, protected, high = self.arrays()
        relations = _Matrix.of(self.relations)
        return _pinned(
            values, state, relations, threshold=threshold, protected=protected, high=high
        )

    def shown(self, state: np.ndarray, *, threshold: int = 4) -> dict[Hashable, object]:
        """What a reader sees of each cell: its count, ``"<5"``, ``"[c]"`` or None (hidden)."""
        text = {_PRIMARY: f"<{threshold + 1}", _SECONDARY: SECONDARY_LABEL, _HIDDEN: None}
        return {
            key: text.get(int(state[cell]), self.counts[cell]) for key, cell in self.keys.items()
        }

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Values, initial states, protected mask and upper bounds as arrays."""
        state = np.where(np.array(self.hidden, dtype=bool), _HIDDEN, _PUBLISHED).astype(np.int8)
        return (
            np.array(self.counts, dtype=float),
            state,
            np.array(self.protected, dtype=bool),
            np.array(self.high, dtype=float),
        )


class _Lines:
    """The lines of published tables as one list of terms, checked all at once."""

    def __init__(self, lines: Sequence[_Line]) -> None:
        self.terms = _Matrix.of([_Relation(line.cells, line.coefs) for line in lines])
        self.margin = np.array([line.margin for line in lines], dtype=int)
        self.rule_bound = np.array([line.rule_bound for line in lines], dtype=bool)
        self.starts = np.append(self.terms.starts(), self.terms.row.size)

    def __len__(self) -> int:
        return self.margin.size

    def check(
        self,
        state: np.ndarray,
        values: np.ndarray,
        threshold: int,
        protected: np.ndarray | None = None,
    ) -> _LineCheck:
        """Which lines let a reader recover a withheld protected cell (see :class:`_LineCheck`).

        A line whose withheld cells are none of them protected (counts withheld only to
        protect others) has nothing to give away; a hidden count (a table left out) needs
        guarding only where it is small itself.
        """
        row, cell, coef, n = self.terms.row, self.terms.column, self.terms.coef, len(self)
        kinds, value = state[cell], values[cell]
        withheld = kinds != _PUBLISHED
        guarded = withheld if protected is None else withheld & protected[cell]
        guarded = guarded & ((kinds != _HIDDEN) | ((value >= 1) & (value <= threshold)))
        rhs = -np.bincount(row, np.where(withheld, 0.0, coef * value), n)
        # What a reader knows of each withheld cell from its label (and in a list, that a
        # "[c]" cell is no larger than the smallest published count beside it).
        secondary_high = np.full(n, np.inf)
        beside = self.rule_bound[row] & ~withheld & (coef > 0) & (value > 0)
        np.minimum.at(secondary_high, row[beside], value[beside])
        primary, secondary = kinds == _PRIMARY, kinds == _SECONDARY
        lows = np.select([primary, secondary], [1.0, threshold + 1.0], 0.0)
        highs = np.select([primary, secondary], [threshold, secondary_high[row]], np.inf)
        positive = coef > 0
        low_terms = np.where(positive, coef * lows, coef * highs)
        high_terms = np.where(positive, coef * highs, coef * lows)
        with np.errstate(invalid="ignore"):
            others_low = np.bincount(row, np.where(withheld, low_terms, 0.0), n)[row] - low_terms
            others_high = np.bincount(row, np.where(withheld, high_terms, 0.0), n)[row] - high_terms
            span_low = np.where(positive, rhs[row] - others_high, others_low - rhs[row])
            span_high = np.where(positive, rhs[row] - others_low, others_high - rhs[row])
        low = np.maximum(lows, span_low)
        pinned = (low >= np.minimum(highs, span_high)) & guarded
        alone = np.bincount(row, withheld, n) == 1
        small_sum = (state[self.margin] == _PUBLISHED) & (rhs <= threshold)
        failing = (np.bincount(row, guarded, n) > 0) & (
            alone | small_sum | (np.bincount(row, pinned, n) > 0)
        )
        return _LineCheck(self, withheld, pinned, low, rhs, alone, small_sum, failing)


@dataclass(frozen=True)
class _LineCheck:
    """What each line tells a reader at one state.

    Per term: whether it is withheld, whether its line pins it (a protected cell) and the
    least value its line allows. Per line: the sum of its withheld cells (margin negative),
    whether it has one withheld cell only, or a published margin with withheld cells
    summing to ``threshold`` or less, and whether it fails (any of these, or a pinned cell).
    """

    lines: _Lines
    withheld: np.ndarray
    pinned: np.ndarray
    low: np.ndarray
    rhs: np.ndarray
    alone: np.ndarray
    small_sum: np.ndarray
    failing: np.ndarray

    def problem(self, number: int) -> tuple[str, np.ndarray] | None:
        """Why line ``number`` lets a reader recover a withheld cell, with the cells at fault."""
        if not self.failing[number]:
            return None
        terms = slice(self.lines.starts[number], self.lines.starts[number + 1])
        withheld = self.withheld[terms]
        cells = self.lines.terms.column[terms][withheld]
        if self.alone[number]:
            return "the only withheld cell in its line", cells
        if self.small_sum[number]:
            return f"withheld cells in its line sum to {self.rhs[number]:g}", cells
        pinned = self.pinned[terms][withheld]
        value = self.low[terms][withheld][pinned][0]
        return f"recoverable from its line (= {value:g})", cells[pinned]


def _components(rows: _Matrix, size: int) -> list[np.ndarray]:
    """Groups of unknowns joined by constraint rows (union-find), in order of their root."""
    parent = list(range(size))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    starts = rows.starts()
    for columns in np.split(rows.column, starts[1:]) if starts.size else []:
        first, *others = columns.tolist()
        root = find(first)
        for other in others:
            parent[find(other)] = root
    roots = np.array([find(k) for k in range(size)], dtype=int)
    order = np.argsort(roots, kind="stable")  # each group's members in order
    return np.split(order, np.flatnonzero(np.diff(roots[order])) + 1)


def _propagate(
    rows: _Matrix, lower: np.ndarray, upper: np.ndarray, rounds: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds each row implies for its unknowns from the bounds of the others (integers)."""
    lower, upper = lower.copy(), upper.copy()
    if not len(rows):
        return lower, upper
    row, column, coef = rows.row, rows.column, rows.coef
    rhs, equal = rows.rhs[row], rows.equal[row]
    positive = coef > 0
    n = len(rows)
    order = np.argsort(column, kind="stable")  # each unknown's terms together
    starts = np.flatnonzero(np.diff(column[order], prepend=-1))
    unknowns = column[order][starts]
    for _ in range(rounds):
        low = np.where(positive, coef * lower[column], coef * upper[column])  # may be -inf
        high = np.where(positive, coef * upper[column], coef * lower[column])  # may be +inf
        low_inf, high_inf = np.isinf(low), np.isinf(high)
        low_fin, high_fin = np.where(low_inf, 0.0, low), np.where(high_inf, 0.0, high)
        low_count = np.bincount(row, low_inf, n)[row] - low_inf
        high_count = np.bincount(row, high_inf, n)[row] - high_inf
        others_low = np.where(low_count > 0, -np.inf, np.bincount(row, low_fin, n)[row] - low_fin)
        others_high = np.where(
            high_count > 0, np.inf, np.bincount(row, high_fin, n)[row] - high_fin
        )
        # coef * x <= rhs - others_low; for an equality also coef * x >= rhs - others_high
        top = (rhs - others_low) / coef
        bottom = np.where(equal, (rhs - others_high) / coef, np.where(positive, -np.inf, np.inf))
        new_upper = np.floor(np.where(positive, top, bottom) + 1e-9)
        new_lower = np.ceil(np.where(positive, bottom, top) - 1e-9)
        before_lower, before_upper = lower.copy(), upper.copy()
        upper[unknowns] = np.minimum(upper[unknowns], np.minimum.reduceat(new_upper[order], starts))
        lower[unknowns] = np.maximum(lower[unknowns], np.maximum.reduceat(new_lower[order], starts))
        if (lower == before_lower).all() and (upper == before_upper).all():
            break
    return lower, upper


def _fitting(witnesses, values, state, relations, threshold, high) -> list[np.ndarray]:
    """The whole solutions found before that still fit what is published now."""
    witnesses = [w for w in witnesses if w.size == values.size]
    if not witnesses:
        return []
    stack = np.array(witnesses)
    published = state == _PUBLISHED
    primary, secondary, hidden = state == _PRIMARY, state == _SECONDARY, state == _HIDDEN
    fits = (stack[:, published] == values[published]).all(axis=1)
    fits &= ((stack[:, primary] >= 1) & (stack[:, primary] <= threshold)).all(axis=1)
    fits &= (stack[:, secondary] > threshold).all(axis=1)
    fits &= ((stack[:, hidden] >= 0) & (stack[:, hidden] <= high[hidden])).all(axis=1)
    if len(relations):
        everything = np.arange(values.size)
        residual = relations.sparse(np.arange(len(relations)), values.size, everything) @ stack.T
        equal = relations.equal
        fits &= (residual <= 1e-9).all(axis=0) & (residual[equal] >= -1e-9).all(axis=0)
    return [w for w, ok in zip(witnesses, fits, strict=True) if ok]


def _system(values, state, relations: _Matrix, threshold, high):
    """The rows over the unknown cells, with their bounds propagated."""
    unknown = np.flatnonzero(state != _PUBLISHED)
    rows, sums = relations.over_unknowns(state == _PUBLISHED, values)
    rows = replace(rows, rhs=-sums)
    kinds = state[unknown]
    # No count is anywhere near this (it only keeps every programme bounded).
    cap = max(1e6, 10 * float(np.nanmax(values, initial=0)))
    lower = np.select([kinds == _PRIMARY, kinds == _SECONDARY], [1.0, threshold + 1.0], 0.0)
    upper = np.select([kinds == _PRIMARY, kinds == _SECONDARY], [threshold, cap], high[unknown])
    lower, upper = _propagate(rows, lower, np.minimum(upper, cap))
    return rows, lower, upper


def _pinned(
    values: np.ndarray,
    state: np.ndarray,
    relations: _Matrix,
    *,
    threshold: int,
    protected: np.ndarray,
    high: np.ndarray,
    witnesses: list[np.ndarray] | None = None,
) -> dict[int, str]:
    """Cells a reader can work out exactly from everything published, with why.

    An integer programme over every relation at once (scipy's ``milp``, HiGHS): each
    withheld cell, and each hidden protected cell whose true value is 1 to ``threshold``,
    is maximised and minimised over the whole numbers that fit what is published and what
    the labels say; it is pinned when both ends are its true value. Bounds are first
    propagated through every relation (which settles most cells without a solver); a
    solution found for one cell clears every other cell it gives a different value, and
    independent groups of cells are solved separately. Each programme's linear relaxation
    is solved first: a whole-number solution of it is one of the programme, and where it
    cannot move a cell past its value, no whole-number solution can; the searches over
    many cells at once use it alone, and only the last, cell by cell, step solves the
    integer programme where the relaxation settles nothing. ``witnesses`` (whole
    solutions found before) are kept and reused: a solution stays valid while cells are
    only added to those withheld, so each audit of a growing suppression solves only for
    what is new.
    """
    unknown = np.flatnonzero(state != _PUBLISHED)
    if unknown.size == 0:
        return {}
    rows, lower, upper = _system(values, state, relations, threshold, high)
    kinds = state[unknown]
    if (lower > upper).any():
        raise RuntimeError("disclosure audit: the published numbers do not fit together")
    reference = values[unknown].copy()  # any solution will do; the true values are one
    fixed = lower == upper
    reference[fixed] = lower[fixed]
    hidden = kinds == _HIDDEN
    pinned: dict[int, str] = {}

    def at_risk(k: np.ndarray) -> np.ndarray:
        small = (reference[k] >= 1) & (reference[k] <= threshold)
        return protected[unknown[k]] & (~hidden[k] | small)

    def report(k: int, how: str) -> None:
        what = "hidden count" if hidden[k] else "withheld cell"
        pinned[int(unknown[k])] = f"{what} recoverable {how} (= {reference[k]:g})"

    for k in np.flatnonzero(fixed & at_risk(np.arange(unknown.size))):
        report(k, "from the published totals")
    free = np.flatnonzero(~fixed)
    if free.size == 0:
        return pinned
    parts, sums = rows.over_unknowns(fixed, reference)
    parts = replace(parts, rhs=parts.rhs - sums)
    owner = _components(parts, free.size) if len(parts) else []
    part_of = np.zeros(free.size, dtype=int)
    for number, members in enumerate(owner):
        part_of[members] = number
    group = part_of[parts.column[parts.starts()]]  # the group of each row

    def problem(members: np.ndarray, chosen: np.ndarray):
        """A solver over ``members`` (free unknowns) and the rows ``chosen`` among them."""
        position = np.full(free.size, -1)
        position[members] = np.arange(members.size)
        matrix = parts.sparse(chosen, members.size, position)
        lo = np.where(parts.equal[chosen], parts.rhs[chosen], -np.inf)
        constraints = [LinearConstraint(matrix, lo, parts.rhs[chosen])] if chosen.size else []
        box = Bounds(lower[free[members]], upper[free[members]])

        def run(objective: np.ndarray, *, whole: bool):
            integrality = np.full(members.size, int(whole))
            result = milp(objective, integrality=integrality, bounds=box, constraints=constraints)
            if result.status != 0 or result.x is None:
                raise RuntimeError(f"disclosure audit: the published numbers do not fit ({result})")
            return result

        def fits(x: np.ndarray) -> bool:
            inside = (box.lb <= x).all() and (x <= box.ub).all()
            if not inside or not constraints:
                return inside
            sums = matrix @ x
            return bool((lo <= sums).all() and (sums <= parts.rhs[chosen]).all())

        def solve(
            objective: np.ndarray, *, beyond: float | None = None, exact: bool = False
        ) -> np.ndarray | None:
            """Whole numbers that fit and minimise ``objective``, or None.

            Unless ``exact``, the linear relaxation (much cheaper) comes first: its
            solution when it is whole numbers. Otherwise, without ``beyond``, None (a
            search for cells that can move: the steps after it settle the rest); with
            ``beyond`` (the objective's value at the reference, whole coefficients), None
            when the relaxation shows that no whole-number solution goes lower, else the
            integer programme.
            """
            if not exact:
                result = run(objective, whole=False)
                if beyond is not None and result.fun > beyond - 0.5:
                    return None  # a whole-number move would reach beyond - 1 at most
                found = np.round(result.x)
                if np.abs(result.x - found).max(initial=0.0) < 1e-6 and fits(found):
                    return found
                if beyond is None:
                    return None
            return np.round(run(objective, whole=True).x)

        return solve

    solve = problem(np.arange(free.size), np.arange(len(parts)))
    if np.isnan(reference[free]).any():  # a table protected before: withheld values unknown
        reference[free] = solve(np.zeros(free.size), exact=True)
    target = reference[free]
    proven = ~at_risk(free)
    pool = [] if witnesses is None or np.isnan(values).any() else witnesses
    pool[:] = _fitting(pool, values, state, relations, threshold, high)[-50:]
    for witness in pool:
        proven |= witness[unknown[free]] != target

    def solve_and_keep(solve, members: np.ndarray, objective: np.ndarray, **how) -> np.ndarray:
        found = solve(objective, **how)
        if found is None:  # nothing found, or the cell cannot move that way
            return target[members]
        whole = values.copy()
        whole[unknown] = reference
        whole[unknown[free[members]]] = found
        if witnesses is not None and not np.isnan(values).any():
            pool.append(whole)
        return found

    rng = np.random.default_rng(free.size)
    if not proven.all():
        everything = np.arange(free.size)
        for objective in (rng.standard_normal(free.size), -rng.standard_normal(free.size)):
            proven |= solve_and_keep(solve, everything, objective) != target
    while not proven.all():  # push the unproven cells, in their groups, up and down at once
        groups = [m for m in owner if not proven[m].all()]
        members = np.sort(np.concatenate(groups))
        numbers = np.unique([part_of[m[0]] for m in groups])
        chosen = np.flatnonzero(np.isin(group, numbers))
        solve = problem(members, chosen[np.argsort(group[chosen], kind="stable")])
        before = int(proven.sum())
        for sign in (1.0, -1.0):
            weights = np.where(proven[members], 0.0, sign * rng.uniform(1, 2, members.size))
            proven[members] |= solve_and_keep(solve, members, weights) != target[members]
        if proven.sum() == before:
            break
    for number, members in enumerate(owner):  # the rest one by one, in their own group
        if proven[members].all():
            continue
        solve = problem(members, np.flatnonzero(group == number))
        for k in np.flatnonzero(~proven[members]):
            for sign in (1.0, -1.0):
                if proven[members[k]]:
                    break
                objective = np.zeros(members.size)
                objective[k] = sign
                beyond = sign * target[members[k]]
                found = solve_and_keep(solve, members, objective, beyond=beyond)
                proven[members] |= found != target[members]
            if not proven[members[k]]:
                report(int(free[members[k]]), "from all tables together")
    return pinned


def _candidate(
    state: np.ndarray,
    values: np.ndarray,
    suppressible: np.ndarray,
    cells: np.ndarray,
    coefs: np.ndarray,
    lone: np.ndarray,
    cost: np.ndarray | None = None,
) -> int | None:
    """The cell of a line or relation to withhold next: the smallest non-zero published one.

    ``suppressible`` ranks the cells that may be withheld: 1 for protected cells, which go
    first (a ward or a person rather than an area figure), 2 for cells withheld only to
    protect others, 0 for none. Then a cell in a line that holds a lone withheld cell comes
    first (it mends both lines: one cell instead of two), then the lowest ``cost`` (default:
    the smallest value), an inner cell before a margin.
    """
    cost = values if cost is None else cost
    own = int(np.count_nonzero(state[cells] != _PUBLISHED) == 1)
    options = [
        (suppressible[cell], lone[cell] - own <= 0, cost[cell], coef < 0, position, int(cell))
        for position, (cell, coef) in enumerate(zip(cells, coefs, strict=True))
        if suppressible[cell] and state[cell] == _PUBLISHED and values[cell] > 0
    ]
    return min(options)[5] if options else None


def _mend(cell, why, state, values, suppressible, touching, lone, propagated, threshold, cost):
    """The cells to withhold so that ``cell`` is no longer pinned ([] when none will do).

    The candidates are the smallest published cells of each relation ``cell`` is in (or
    that a hidden count in it is in). When
    bounds alone pin it, a candidate must free it from those bounds (withholding a cell
    elsewhere would not help); a candidate that is then pinned itself is mended the same
    way, up to three cells deep (a count given away by one table, whose partner is given
    away by another). Otherwise the smallest candidate. ``propagated(state)`` gives the
    bounds of the unknown cells of a state (see :func:`_system`).
    """
    protected_only = np.where(suppressible == 1, 1, 0)

    def options(target: int, trial: np.ndarray) -> list[int]:
        # a count withheld only to protect others is taken from a table line, never to mend
        # a relation between tables (an area figure is not withheld for a ward's sake); a
        # relation through hidden counts (a town made of its wards) is followed one step
        items = list(touching.get(target, []))
        for item in list(items):
            for other in item.cells:
                if other != target and trial[other] == _HIDDEN:
                    items += [i for i in touching.get(int(other), []) if i is not item]
        found = {
            option
            for item in items
            if (
                option := _candidate(
                    trial,
                    values,
                    suppressible if item.line else protected_only,
                    item.cells,
                    item.coefs,
                    lone,
                    cost,
                )
            )
            is not None
        }
        return sorted(found, key=lambda c: (suppressible[c], cost[c], c))

    first = options(cell, state)
    if not first or "published totals" not in why:
        return first[:1]

    def search(target: int, trial: np.ndarray, depth: int) -> list[int]:
        for option in options(target, trial):
            attempt = trial.copy()
            attempt[option] = _withheld_state(values[option], threshold)
            lower, upper = propagated(attempt)
            where = np.flatnonzero(attempt != _PUBLISHED)
            fixed = set(where[lower == upper])
            if cell not in fixed:
                return [option]
            if depth < 3 and option in fixed:
                rest = search(option, attempt, depth + 1)
                if rest:
                    return [option, *rest]
        return []

    return search(cell, state, 1)


def _withheld_state(value: float, threshold: int) -> int:
    """How a cell withheld to protect another is labelled: "<5" when it is small itself.

    (A small count in a table that is not protected, such as an area breakdown, may be
    withheld beside a protected one; its label must still be true.)
    """
    return _PRIMARY if 1 <= value <= threshold else _SECONDARY


def _lone(state: np.ndarray, lines: _Matrix, size: int) -> np.ndarray:
    """For each cell, the number of its lines that hold exactly one withheld cell."""
    withheld = state[lines.column] != _PUBLISHED
    lone = (np.bincount(lines.row, withheld, len(lines)) == 1)[lines.row]
    pairs = np.unique(lines.row[lone] * size + lines.column[lone])  # a cell once per line
    return np.bincount(pairs % size, minlength=size)


def _protect(
    values: np.ndarray,
    state: np.ndarray,
    protected: np.ndarray,
    lines: list[_Line],
    relations: list[_Relation],
    *,
    threshold: int,
    high: np.ndarray | None = None,
    witnesses: list[np.ndarray] | None = None,
    suppressible: np.ndarray | None = None,
    cost: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[int, str]]:
    """Primary then secondary suppression to a fixed point.

    Returns the new states and the cells still recoverable (cell -> why), which remain
    only where nothing more could be withheld. ``cost`` (default: the values) orders the
    cells withheld to protect others.
    """
    cost = values if cost is None else cost
    high = np.full(values.size, np.inf) if high is None else high
    suppressible = protected if suppressible is None else suppressible | protected
    suppressible = np.where(protected, 1, np.where(suppressible, 2, 0))  # 1 goes first
    state = state.copy()
    small = protected & (state == _PUBLISHED) & (values >= 1) & (values <= threshold)
    state[small] = _PRIMARY
    stuck_lines: set[int] = set()
    stuck: set[int] = set()
    touching: dict[int, list] = {}
    for item in relations:
        for cell in item.cells:
            touching.setdefault(int(cell), []).append(item)
    audit = len(relations) > 1 or bool((state == _HIDDEN).any())
    matrix = _Matrix.of(relations)
    line_set = _Lines(lines)
    witnesses = [] if witnesses is None else witnesses
    audited = None  # the state of the last audit
    bounds: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def propagated(trial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The propagated bounds of the unknowns of a state (each state worked out once)."""
        key = trial.tobytes()
        if key not in bounds:
            bounds[key] = _system(values, trial, matrix, threshold, high)[1:]
        return bounds[key]

    while True:
        added = False
        check = line_set.check(state, values, threshold, protected)
        for number, line in enumerate(lines):
            if number in stuck_lines or not check.failing[number]:
                continue
            lone = _lone(state, line_set.terms, values.size)
            cell = _candidate(state, values, suppressible, line.cells, line.coefs, lone, cost)
            if cell is None:
                stuck_lines.add(number)
            else:
                state[cell], added = _withheld_state(values[cell], threshold), True
                check = line_set.check(state, values, threshold, protected)
        if added:
            continue
        if audited is None or not np.array_equal(audited, state):  # else the same answer
            found = (
                _pinned(
                    values,
                    state,
                    matrix,
                    threshold=threshold,
                    protected=protected,
                    high=high,
                    witnesses=witnesses,
                )
                if audit
                else {}
            )
            audited = state.copy()
        pinned = [cell for cell in found if cell not in stuck]
        if not pinned:
            break
        lone = _lone(state, line_set.terms, values.size)
        for cell in pinned:
            chosen = _mend(
                cell,
                found[cell],
                state,
                values,
                suppressible,
                touching,
                lone,
                propagated,
                threshold,
                cost,
            )
            if not chosen:
                stuck.add(cell)
            for option in chosen:
                state[option] = _withheld_state(values[option], threshold)
    problems = dict(found)
    check = line_set.check(state, values, threshold, protected)
    for number in np.flatnonzero(check.failing):
        cells = lines[number].cells
        for cell in cells[(state[cells] != _PUBLISHED) & protected[cells]]:
            problems.setdefault(int(cell), check.problem(number)[0])
    return state, problems


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
    line = _Line(np.arange(n + 1), np.append(np.ones(n), -1.0), n, rule_bound=True)
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
        protected = np.append(np.ones(len(values), dtype=bool), False)
        new, problems = _protect(
            np.nan_to_num(cells, nan=-1.0),
            cell_states,
            protected,
            [line],
            [_Relation(line.cells, line.coefs, line=True)],
            threshold=threshold,
        )
        recoverable = np.isin(np.arange(len(cells)), list(problems))
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
    flat = np.nan_to_num(values.ravel(), nan=-1.0)
    new, problems = _protect(
        flat,
        state.ravel(),
        suppressible.ravel(),
        lines,
        [_Relation(line.cells, line.coefs, line=True) for line in lines],
        threshold=threshold,
    )
    recoverable = np.isin(np.arange(flat.size), list(problems))
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
            check = _Lines([line]).check(states, np.nan_to_num(grid, nan=-1.0), threshold)
            problem = check.problem(0)
            if problem:
                for k in problem[1]:
                    problems.append(_problem(body.index[k], column, problem[0]))
    else:
        column_totals = None
        if total_row is None:
            column_totals = {c: original[c].sum() for c in cells}
        _, truth, _, _, _ = _grid(
            original, cells, total, total_row, column_totals, label, secondary_label
        )
        rows, values, state, _, lines = _grid(
            protected, cells, total, total_row, column_totals, label, secondary_label
        )
        labels = [*rows, total_row] if total_row is not None else rows
        names = [*cells, total]
        flat, flat_state = np.nan_to_num(values.ravel(), nan=-1.0), state.ravel()
        width = values.shape[1]
        check = _Lines(lines).check(flat_state, flat, threshold)
        for number in range(len(lines)):
            if problem := check.problem(number):
                for cell in problem[1]:
                    problems.append(
                        _problem(labels[cell // width], names[cell % width], problem[0])
                    )
        relations = [_Relation(line.cells, line.coefs, line=True) for line in lines]
        pinned = _pinned(
            truth.ravel(),
            flat_state,
            _Matrix.of(relations),
            threshold=threshold,
            protected=np.ones(flat.size, dtype=bool),
            high=np.full(flat.size, np.inf),
        )
        for cell in pinned:
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
