"""Statistics for Community Safety Partnership crime profiles.

Rates and proportions with confidence intervals (as PHEindicatormethods), an exact
test for a change between two counts (as R ``poisson.test``), the Mann-Kendall
trend test (via pymannkendall) and an XmR statistical process control chart (as
NHS England "Making Data Count" and the R package NHSRplotthedots).

Every function is pure: no I/O, no printing and no global state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymannkendall
from numpy.typing import ArrayLike
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

__all__ = [
    "ChangeTest",
    "TrendTest",
    "mann_kendall",
    "poisson_change_test",
    "proportion_ci",
    "rate_ci",
    "spc",
]

#: Counts below this use exact Poisson limits, at or above it Byar's approximation.
BYARS_MIN_COUNT = 10
#: XmR constant: process limits are mean +/- 2.66 x mean moving range.
XMR_LIMIT = 2.66
#: Moving ranges of at least this many times the mean moving range are screened out.
MR_SCREEN = 3.267
#: Fewer months than this with values give no usual range (control limits) to show.
SPC_MIN_POINTS = 6
#: Run length for the shift and trend rules.
RUN_LENGTH = 7


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    return float(level)


def _broadcast(a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a_arr, b_arr = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return np.atleast_1d(a_arr).ravel(), np.atleast_1d(b_arr).ravel()


# --------------------------------------------------------------------------- rates


def rate_ci(
    count: ArrayLike, population: ArrayLike, *, per: float = 1000, level: float = 0.95
) -> pd.DataFrame:
    """Crude rates with confidence limits, as PHEindicatormethods ``phe_rate``.

    Counts of 10 or more use Byar's approximation; smaller counts use exact Poisson
    limits from the chi-square distribution. A count of 0 has lower limit 0. A
    population that is zero, negative or NaN gives NaN rate and limits, as does a
    NaN count (whose ``method`` is then missing).

    Parameters
    ----------
    count : array-like
        Observed numbers of events (non-negative). Broadcast against ``population``.
    population : array-like
        Populations at risk.
    per : float, optional
        Multiplier: the rate is per this many population (default 1000).
    level : float, optional
        Confidence level, strictly between 0 and 1 (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per (broadcast) input, with columns ``count``, ``population``,
        ``rate`` (count / population x per), ``rate_lower``, ``rate_upper`` and
        ``method`` ("byars" or "exact").

    Raises
    ------
    ValueError
        If any count is negative or ``level`` is not in (0, 1).

    Examples
    --------
    >>> out = rate_ci(44, 134, per=100)
    >>> out[["rate", "rate_lower", "rate_upper"]].round(2).to_numpy().tolist()
    [[32.84, 23.86, 44.08]]
    >>> out["method"].tolist()
    ['byars']
    """
    level = _check_level(level)
    x, pop = _broadcast(count, population)
    if np.any(x < 0):
        raise ValueError("counts must be non-negative")
    z = sps.norm.ppf(0.5 + level / 2)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        byars_lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        byars_upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
        exact_lower = np.where(x == 0, 0.0, sps.chi2.ppf(alpha / 2, 2 * x) / 2)
        exact_upper = sps.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    byars = x >= BYARS_MIN_COUNT
    # Byar's lower limit can only go negative at extreme levels; a count limit is >= 0.
    lower = np.where(byars, np.maximum(byars_lower, 0.0), exact_lower)
    upper = np.where(byars, byars_upper, exact_upper)
    scale = np.where(pop > 0, per / np.where(pop > 0, pop, 1.0), np.nan)
    method = np.where(byars, "byars", "exact").astype(object)
    method[np.isnan(x)] = None
    return pd.DataFrame(
        {
            "count": x,
            "population": pop,
            "rate": x * scale,
            "rate_lower": lower * scale,
            "rate_upper": upper * scale,
            "method": method,
        }
    )


def proportion_ci(x: ArrayLike, n: ArrayLike, *, level: float = 0.95) -> pd.DataFrame:
    """Proportions with Wilson score intervals, as PHEindicatormethods ``phe_proportion``.

    Uses ``statsmodels`` ``proportion_confint(method="wilson")`` (no continuity
    correction), with limits clipped to [0, 1] against rounding. A denominator of 0
    or NaN, or a NaN numerator, gives NaN proportion and limits.

    Parameters
    ----------
    x : array-like
        Numerators (non-negative, at most ``n``). Broadcast against ``n``.
    n : array-like
        Denominators.
    level : float, optional
        Confidence level, strictly between 0 and 1 (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per (broadcast) input, with columns ``x``, ``n``, ``proportion``
        (x / n, from 0 to 1, not a percentage), ``lower`` and ``upper``.

    Raises
    ------
    ValueError
        If a numerator is negative or exceeds its denominator, or ``level`` is not
        in (0, 1).
    """
    level = _check_level(level)
    xs, ns = _broadcast(x, n)
    if np.any(xs < 0) or np.any(xs > ns):
        raise ValueError("numerators must be non-negative and no greater than denominators")
    valid = (ns > 0) & ~np.isnan(xs)
    safe_x, safe_n = np.where(valid, xs, 0.0), np.where(valid, ns, 1.0)
    lower, upper = proportion_confint(safe_x, safe_n, alpha=1 - level, method="wilson")
    nan = np.full(xs.shape, np.nan)
    return pd.DataFrame(
        {
            "x": xs,
            "n": ns,
            "proportion": np.where(valid, safe_x / safe_n, nan),
            "lower": np.where(valid, np.clip(lower, 0.0, 1.0), nan),
            "upper": np.where(valid, np.clip(upper, 0.0, 1.0), nan),
        }
    )


# --------------------------------------------------------------------- change test


@dataclass(frozen=True)
class ChangeTest:
    """Result of :func:`poisson_change_test`.

    Attributes
    ----------
    current, previous : int
        The two counts compared.
    rate_ratio : float
        (current / current_exposure) / (previous / previous_exposure); inf when
        previous is 0 and current is not, NaN when both are 0.
    ratio_lower, ratio_upper : float
        Confidence limits for the rate ratio (``ratio_upper`` is inf when
        previous is 0).
    p_value : float
        Two-sided exact conditional p-value for a rate ratio of 1.
    significant : bool
        Whether ``p_value < 1 - level``.
    method : str
        Description of the test.
    """

    current: int
    previous: int
    rate_ratio: float
    ratio_lower: float
    ratio_upper: float
    p_value: float
    significant: bool
    method: str


def _count(value: float, name: str) -> int:
    if not np.isfinite(value) or value < 0 or value != round(value):
        raise ValueError(f"{name} must be a non-negative whole number, got {value!r}")
    return int(round(value))


def poisson_change_test(
    current: int,
    previous: int,
    *,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    level: float = 0.95,
) -> ChangeTest:
    """Exact test of a change between two Poisson counts, as R ``poisson.test``.

    Equivalent to R's ``poisson.test(c(current, previous), c(t1, t2))``: conditional on
    the total, ``current`` is binomial with p0 = t1 / (t1 + t2) under no change. The
    two-sided p-value is that of the exact binomial test ("minlike": the sum of the
    probabilities no more likely than the observed count; ``scipy.stats.binomtest``),
    and the rate-ratio limits are the Clopper-Pearson limits p of that proportion
    mapped to p / (1 - p) x t2 / t1.

    When both counts are 0 the result is R's: p-value 1, rate ratio NaN, limits 0
    and inf. When only ``previous`` is 0 the rate ratio and upper limit are inf.

    Parameters
    ----------
    current, previous : int
        Counts in the current and previous periods (non-negative whole numbers).
    current_exposure, previous_exposure : float, optional
        Exposure (time or population at risk) of each count; default 1.0 each.
    level : float, optional
        Confidence level of the interval, strictly between 0 and 1 (default 0.95);
        the change is significant when the p-value is below 1 - level.

    Returns
    -------
    ChangeTest
        Fields ``current``, ``previous``, ``rate_ratio``, ``ratio_lower``,
        ``ratio_upper``, ``p_value``, ``significant`` and ``method``.

    Raises
    ------
    ValueError
        For negative or fractional counts, non-positive exposures, or a ``level``
        outside (0, 1).
    """
    level = _check_level(level)
    c1, c2 = _count(current, "current"), _count(previous, "previous")
    t1, t2 = float(current_exposure), float(previous_exposure)
    if not (np.isfinite(t1) and np.isfinite(t2) and t1 > 0 and t2 > 0):
        raise ValueError("exposures must be positive and finite")
    method = "exact conditional test (binomial, as R poisson.test)"
    ratio, lower, upper, p_value = (
        float(v[0]) for v in poisson_change_tests([c1], [c2], [t1], [t2], level=level)
    )
    return ChangeTest(
        current=c1,
        previous=c2,
        rate_ratio=ratio,
        ratio_lower=lower,
        ratio_upper=upper,
        p_value=p_value,
        significant=bool(p_value < 1 - level),
        method=method,
    )


def poisson_change_tests(
    current: ArrayLike,
    previous: ArrayLike,
    current_exposure: ArrayLike,
    previous_exposure: ArrayLike,
    *,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`poisson_change_test` for many pairs at once (arrays of counts and exposures).

    Returns arrays rate ratio, lower and upper limit, p-value. The two-sided p-value is
    ``scipy.stats.binomtest``'s, computed for every pair together (its search for the
    other tail, vectorised); the limits are the Clopper-Pearson limits (beta quantiles,
    which ``binomtest``'s "exact" interval solves for numerically). Counts must be
    non-negative whole numbers and exposures positive (not checked here).
    """
    c1, c2, t1, t2 = (
        np.atleast_1d(np.asarray(a, dtype=float))
        for a in (current, previous, current_exposure, previous_exposure)
    )
    n, p = c1 + c2, t1 / (t1 + t2)
    alpha = (1 - level) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(c1 > 0, sps.beta.ppf(alpha, c1, n - c1 + 1), 0.0)
        high = np.where(c1 < n, sps.beta.ppf(1 - alpha, c1 + 1, n - c1), 1.0)
        scale = t2 / t1
        lower = low / (1 - low) * scale
        upper = np.where(high >= 1, np.inf, high / (1 - high) * scale)
        ratio = np.where(c2 == 0, np.inf, (c1 / t1) / (c2 / t2))
    p_value = _binomtest_two_sided(c1, n, p)
    empty = n == 0  # R: p-value 1, ratio NaN, limits 0 and inf
    ratio = np.where(empty, np.nan, ratio)
    lower, upper = np.where(empty, 0.0, lower), np.where(empty, np.inf, upper)
    return ratio, lower, upper, np.where(empty, 1.0, p_value)


def _binomtest_two_sided(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The two-sided p-value of ``scipy.stats.binomtest(k, n, p)`` for arrays ("minlike").

    The sum of the probabilities no more likely than the observed count's (with scipy's
    relative tolerance 1e-7), found by scipy's binary search on the other side of the mode.
    """
    binom = sps.binom
    pvalue = np.ones(k.shape)
    rerr = 1 + 1e-7
    d = binom.pmf(k, n, p)
    below = (k < p * n) & (n > 0)
    above = (k > p * n) & (n > 0)
    if below.any():
        kb, nb, pb, db = k[below], n[below], p[below], d[below]
        ix = _search(lambda x: -binom.pmf(x, nb, pb), -db * rerr, np.ceil(pb * nb), nb)
        y = nb - ix + (db * rerr == binom.pmf(ix, nb, pb))
        pvalue[below] = binom.cdf(kb, nb, pb) + binom.sf(nb - y, nb, pb)
    if above.any():
        ka, na, pa, da = k[above], n[above], p[above], d[above]
        ix = _search(
            lambda x: binom.pmf(x, na, pa), da * rerr, np.zeros(ka.shape), np.floor(pa * na)
        )
        pvalue[above] = binom.cdf(ix, na, pa) + binom.sf(ka - 1, na, pa)
    return np.minimum(1.0, pvalue)


def _search(values, target: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The binary search of scipy's binomial test, elementwise over arrays.

    Returns i with values(i) <= target < values(i + 1), between ``lo`` and ``hi``
    (``values`` ascending there).
    """
    lo, hi = lo.astype(float), hi.astype(float)
    found = np.full(lo.shape, np.nan)
    active = lo < hi
    while active.any():
        mid = lo + np.floor((hi - lo) / 2)
        value = values(mid)
        less, more = active & (value < target), active & (value > target)
        found = np.where(active & (value == target), mid, found)
        lo, hi = np.where(less, mid + 1, lo), np.where(more, mid - 1, hi)
        active = (less | more) & (lo < hi)
    end = np.where(values(lo) <= target, lo, lo - 1)
    return np.where(np.isnan(found), end, found)


# ---------------------------------------------------------------------- trend test


@dataclass(frozen=True)
class TrendTest:
    """Result of :func:`mann_kendall`.

    Attributes
    ----------
    n : int
        Number of non-missing values tested.
    trend : str
        "increasing", "decreasing", "no trend" or "insufficient data".
    p_value, z : float
        Two-sided p-value and normal test statistic.
    tau : float
        Kendall's tau.
    s, var_s : float
        Mann-Kendall score and its variance (with the ties correction).
    sen_slope, intercept : float
        Theil-Sen slope per time step and its intercept.
    """

    n: int
    trend: str
    p_value: float
    z: float
    tau: float
    s: float
    var_s: float
    sen_slope: float
    intercept: float


def mann_kendall(values: ArrayLike, *, alpha: float = 0.05) -> TrendTest:
    """Mann-Kendall trend test with Sen's slope (``pymannkendall.original_test``).

    NaN values are dropped first and the remaining values are treated as
    consecutive time steps (as pymannkendall does). With fewer than 4 values the
    trend is "insufficient data" and every statistic is NaN.

    Parameters
    ----------
    values : array-like
        One-dimensional series in time order.
    alpha : float, optional
        Significance level for calling a trend (default 0.05).

    Returns
    -------
    TrendTest
        Fields ``n``, ``trend``, ``p_value``, ``z``, ``tau``, ``s``, ``var_s``,
        ``sen_slope`` and ``intercept``.

    Raises
    ------
    ValueError
        If ``values`` is not one-dimensional or ``alpha`` is not in (0, 1).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}")
    y = np.asarray(values, dtype=float)
    if y.ndim != 1:
        raise ValueError("values must be one-dimensional")
    y = y[~np.isnan(y)]
    if y.size < 4:
        nan = float("nan")
        return TrendTest(int(y.size), "insufficient data", nan, nan, nan, nan, nan, nan, nan)
    r = pymannkendall.original_test(y, alpha=alpha)
    return TrendTest(
        n=int(y.size),
        trend=str(r.trend),
        p_value=float(r.p),
        z=float(r.z),
        tau=float(r.Tau),
        s=float(r.s),
        var_s=float(r.var_s),
        sen_slope=float(r.slope),
        intercept=float(r.intercept),
    )


# ---------------------------------------------------------------------------- SPC

RULE_OUTSIDE = "outside limits"
RULE_TREND_UP = f"trend: {RUN_LENGTH} rising"
RULE_TREND_DOWN = f"trend: {RUN_LENGTH} falling"
RULE_TWO_OF_THREE = "two of three beyond two sigma"
RULE_SHIFT = f"shift: {RUN_LENGTH} on one side of the mean"


def _covered(window_ok: np.ndarray, width: int, n: int) -> np.ndarray:
    """Mark the ``n`` points covered by any width-``width`` window flagged in ``window_ok``."""
    if window_ok.size == 0:
        return np.zeros(n, dtype=bool)
    return np.convolve(window_ok.astype(int), np.ones(width, dtype=int))[:n] > 0


def _in_run(hits: np.ndarray, width: int) -> np.ndarray:
    """Mark elements of ``hits`` that belong to a run of at least ``width`` Trues."""
    if hits.size < width:
        return np.zeros(hits.size, dtype=bool)
    full = np.convolve(hits.astype(int), np.ones(width, dtype=int), "valid") == width
    return _covered(full, width, hits.size)


def spc(values: ArrayLike, *, labels: Sequence | None = None) -> pd.DataFrame:
    """XmR (individuals) control chart, as NHS "Making Data Count" / NHSRplotthedots.

    Follows NHSRplotthedots ``ptd_spc`` with its defaults (no rebasing, limits not
    fixed, ``screen_outliers = TRUE``):

    * centre line: the mean of the values;
    * moving ranges |x[i] - x[i-1]|; those of at least 3.267 x their mean are
      screened out and the mean moving range recomputed from the rest;
    * process limits: mean +/- 2.66 x mean moving range; two-sigma lines:
      mean +/- (2/3) x 2.66 x mean moving range.

    A point is special cause when it is part of any rule:

    * "outside limits": strictly above the upper or below the lower limit;
    * "trend: 7 rising" / "trend: 7 falling": one of 7 or more consecutive points
      each strictly higher (lower) than the one before (equal values break a trend);
    * "two of three beyond two sigma": the point lies strictly beyond a two-sigma line
      but within the limits, and it and another such point fall in some 3
      consecutive points that are all on the same side of the mean (a point outside
      the limits is flagged by that rule instead and does not count here);
    * "shift: 7 on one side of the mean": one of 7 or more consecutive points on the
      same side of the mean (a point exactly on the mean breaks the run).

    ``direction`` follows NHSRplotthedots' precedence (outside limits, trend, two of
    three, shift): "high"/"low" for above/below the mean, or for a rising/falling
    trend (a point joining two trends takes the direction of the step after it).
    NaN values are kept as rows, ignored in the mean and moving ranges, never
    flagged, and break runs and trends. Without at least one moving range (fewer than
    2 values, or no two consecutive non-missing ones) the limits are NaN and no point
    is outside them. If every moving range is 0 the limits equal the mean
    (NHSRplotthedots would screen out all moving ranges and give NaN limits).

    Parameters
    ----------
    values : array-like
        One-dimensional series in time order, without gaps.
    labels : sequence, optional
        Labels (e.g. months) of the same length as ``values``; default 0..n-1.

    Returns
    -------
    pandas.DataFrame
        One row per value, with columns ``label``, ``value``, ``mean``,
        ``moving_range`` (unscreened; NaN for the first point), ``upper_limit``,
        ``lower_limit``, ``upper_two_sigma``, ``lower_two_sigma``,
        ``special_cause`` (bool), ``direction`` ("high", "low" or "") and ``rule``
        (the rules flagging the point, joined by "; ", or "").

    Raises
    ------
    ValueError
        If ``values`` is not one-dimensional or ``labels`` has the wrong length.
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 1:
        raise ValueError("values must be one-dimensional")
    n = y.size
    label = np.arange(n) if labels is None else list(labels)
    if len(label) != n:
        raise ValueError(f"labels has length {len(label)}, values has length {n}")
    finite = ~np.isnan(y)

    mr = np.abs(np.diff(y, prepend=np.nan))
    mean = float(np.nanmean(y)) if finite.any() else np.nan
    amr = float(np.nanmean(mr)) if np.any(~np.isnan(mr)) else np.nan
    if amr > 0:  # screen out moving-range outliers, as NHSRplotthedots does by default
        amr = float(np.mean(mr[mr < MR_SCREEN * amr]))
    upper, lower = mean + XMR_LIMIT * amr, mean - XMR_LIMIT * amr
    upper2, lower2 = mean + 2 / 3 * XMR_LIMIT * amr, mean - 2 / 3 * XMR_LIMIT * amr

    with np.errstate(invalid="ignore"):
        outside = (y > upper) | (y < lower)
        close = ~outside & ((y > upper2) | (y < lower2))
        side = np.where(finite, np.sign(y - mean), 0.0)
        step = np.sign(np.diff(y))  # NaN where a value is missing: neither up nor down

    shift = _in_run(side > 0, RUN_LENGTH) | _in_run(side < 0, RUN_LENGTH)

    def trend(steps_ok: np.ndarray) -> np.ndarray:
        in_steps = _in_run(steps_ok, RUN_LENGTH - 1)
        points = np.zeros(n, dtype=bool)
        points[:-1] |= in_steps
        points[1:] |= in_steps
        return points

    rising, falling = trend(step > 0), trend(step < 0)

    if n >= 3:
        windows = np.lib.stride_tricks.sliding_window_view
        same_side = np.abs(windows(side, 3).sum(axis=1)) == 3
        two_close = windows(close, 3).sum(axis=1) >= 2
        two_of_three = _covered(same_side & two_close, 3, n) & close
    else:
        two_of_three = np.zeros(n, dtype=bool)

    # Direction, with NHSRplotthedots' precedence; trend points use the step after
    # them when the next point is also in a trend, else the step before them.
    in_trend = rising | falling
    step0 = np.nan_to_num(step)
    before, after = np.zeros(n), np.zeros(n)
    before[1:], after[:-1] = step0, step0
    next_in_trend = np.zeros(n, dtype=bool)
    next_in_trend[:-1] = in_trend[1:]
    trend_dir = np.where(in_trend & next_in_trend, after, before)
    direction_sign = np.select(
        [outside, in_trend, two_of_three, shift], [side, trend_dir, side, side], 0.0
    )
    direction = np.select([direction_sign > 0, direction_sign < 0], ["high", "low"], "")

    flags = [
        (outside, RULE_OUTSIDE),
        (rising, RULE_TREND_UP),
        (falling, RULE_TREND_DOWN),
        (two_of_three, RULE_TWO_OF_THREE),
        (shift, RULE_SHIFT),
    ]
    rule = ["; ".join(name for hit, name in flags if hit[i]) for i in range(n)]
    return pd.DataFrame(
        {
            "label": label,
            "value": y,
            "mean": np.full(n, mean),
            "moving_range": mr,
            "upper_limit": np.full(n, upper),
            "lower_limit": np.full(n, lower),
            "upper_two_sigma": np.full(n, upper2),
            "lower_two_sigma": np.full(n, lower2),
            "special_cause": outside | in_trend | two_of_three | shift,
            "direction": direction,
            "rule": rule,
        }
    )
