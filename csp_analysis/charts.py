"""Charts for Community Safety Partnership profiles and the strategic assessment.

Every function takes a frame the library already produces and returns a :class:`Chart`,
a matplotlib :class:`~matplotlib.figure.Figure` that carries an alternative text stating
its message (``chart.alt_text``, made from the chart's own data). Nothing is shown, saved
or printed, and the figure is closed in pyplot as soon as it is made, so pyplot keeps no
reference to it.

In a Jupyter notebook a chart returned as the last value of a cell is shown once, as a
PNG with its alternative text (which nbconvert's HTML puts in the image's ``alt``). A
chart that is not the last value of its cell is not shown: pass it to
``IPython.display.display(chart)``. To write a file use ``chart.savefig(path, dpi=...)``.

The charts follow one look: a title, labelled axes with units, a legend when there is
more than one series, thousands separators on counts, colour-blind-safe colours
(Okabe-Ito lines, the NHS "Making Data Count" colours for SPC, a ColorBrewer sequential
palette for maps) and fonts sized for a page about 900 pixels wide.
"""

from __future__ import annotations

import itertools
import math
import textwrap
import warnings

import geopandas as gpd
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, NullFormatter

from csp_analysis import wording
from csp_analysis.stats import SPC_MIN_POINTS

__all__ = [
    "HOTSPOT_COLOURS",
    "HOTSPOT_HATCHES",
    "PALETTE",
    "QUADRANT_NAMES",
    "Chart",
    "SPC_COLOURS",
    "dense_centre",
    "map_categories",
    "map_classes",
    "map_wards",
    "plot_breakdown",
    "plot_funnel",
    "plot_lorenz",
    "plot_quadrant",
    "plot_spc",
    "plot_trend",
]

#: Line and bar colours (Okabe-Ito): the latest period dark, the one before light. Colours
#: that carry meaning have at least 3:1 contrast on white (WCAG 2.1 non-text contrast).
PALETTE: dict[str, str] = {
    "current": "#0072B2",  # Okabe-Ito blue
    "previous": "#3C9AD6",  # Okabe-Ito sky blue (#56B4E9), darkened to 3.1:1
    "highlight": "#E69F00",  # Okabe-Ito orange: the months of the compared period
    "text": "#222222",
    "muted": "#666666",
}

#: Colours of NHS England "Making Data Count" (as NHSRplotthedots ``ptd_spc_colours``),
#: the grey and blue darkened to 3:1 contrast on white.
SPC_COLOURS: dict[str, str] = {
    "common_cause": "#8c8c8c",  # MDC #a6a6a6
    "concern": "#e46c0a",  # orange
    "improvement": "#0096d6",  # blue, MDC #00b0f0
    "neutral": "#7030a0",  # purple: unusual, neither good nor bad
    "mean": "#000000",
    "limits": "#7b7d7d",
}

#: Sequential ColorBrewer palette for ward maps (light = low, dark = high).
MAP_CMAP = "YlOrRd"
#: Fill and hatch of wards with no data on a map.
NO_DATA_COLOUR = "#e6e6e6"


_WIDE = (9.0, 4.5)
_MAP = (9.0, 9.0)
#: Inches of a map's width left for the area itself beside its legend.
_MAP_WIDTH_FOR_AREA = 6.4
_DPI = 100
_TITLE_SIZE = 14
#: Characters in a line of a title; a longer title (a long area name) wraps.
_TITLE_WIDTH = 80
_LABEL_SIZE = 11
_TICK_SIZE = 10
_NOTE_SIZE = 9
_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]


# --------------------------------------------------------------------------- chart


class Chart(Figure):
    """A figure with an alternative text that states its message.

    Jupyter shows it as a PNG, drawn as matplotlib's inline backend draws figures, with
    the text as the image's ``alt`` metadata and as its plain-text form.
    """

    #: The message of the chart in words, for the ``alt`` attribute of its image.
    alt_text: str = ""

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        from IPython.core.pylabtools import print_figure

        png = print_figure(self, "png", base64=True)
        return {"image/png": png, "text/plain": self.alt_text}, {
            "image/png": {"alt": self.alt_text}
        }


def _in_its_bundle(chart: Chart) -> None:
    """No PNG of a Chart's own: IPython then keeps the one in the chart's mime bundle."""
    return None


def _draw_charts_once() -> None:
    """In IPython, a Chart is drawn once, for its mime bundle, not again by matplotlib.

    matplotlib's inline backend registers a PNG printer for every Figure, which IPython
    calls even when the figure's mime bundle has a PNG, and prefers: each chart was drawn
    twice, a third of a page's time. Charts get a printer that declines instead.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Chart, _in_its_bundle)


_draw_charts_once()


def _described(chart: Chart, *sentences: str) -> Chart:
    """The chart with its alternative text: the sentences, each on one line, joined."""
    chart.alt_text = " ".join(_words(sentence) for sentence in sentences if sentence)
    return chart


def _words(text: object) -> str:
    """Text from data on one line, for an alternative text (never markup: escaped on pages)."""
    return " ".join(str(text).split())


def _listed(items: list[str], limit: int = 5) -> str:
    """Items as "a, b and c"; beyond ``limit`` items the rest as "and 4 more"."""
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ------------------------------------------------------------------------- helpers


def _plain(text: object) -> str:
    """Text from data drawn as written, never as mathtext.

    ``$`` is escaped (matplotlib reads ``$...$`` as a formula, or fails on a bad one) and
    line breaks become spaces.
    """
    return " ".join(str(text).split()).replace("$", r"\$")


def _wrapped(text: object, width: int, lines: int = 3) -> str:
    """A name drawn as written over lines of at most ``width`` characters.

    A name longer than ``lines`` lines is cut short with "...", so it cannot cover others.
    """
    wrapped = textwrap.wrap(str(text), width, max_lines=lines, placeholder=" ...")
    return "\n".join(_plain(line) for line in wrapped)


def _new_figure(size: tuple[float, float], title: str) -> tuple[Chart, Axes]:
    """A titled chart with one axes, made through pyplot and at once closed there.

    Going through pyplot gives the figure pyplot's canvas (as Jupyter's inline backend
    expects); closing stops the backend showing the figure a second time.
    """
    fig, ax = plt.subplots(figsize=size, dpi=_DPI, layout="constrained", FigureClass=Chart)
    plt.close(fig)
    fig.suptitle(
        _wrapped(title, _TITLE_WIDTH, lines=4),
        x=0.01,
        ha="left",
        fontsize=_TITLE_SIZE,
        fontweight="bold",
    )
    ax.tick_params(labelsize=_TICK_SIZE)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _is_whole(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(finite == np.round(finite)))


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _decimals(values: np.ndarray) -> int:
    """Decimals for value labels: none for whole numbers, else 1 (2 below 1)."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0 or _is_whole(finite) or finite.max() >= 1000:
        return 0
    return 1 if finite.max() >= 1 else 2


class _ThousandsFormatter(Formatter):
    """Tick labels with thousands separators and as many decimals as the step needs."""

    def __init__(self) -> None:
        self.decimals = 0

    def format_ticks(self, values) -> list[str]:
        """Labels for all ticks at once, with the decimals of the smallest step."""
        values = np.asarray(values, dtype=float)
        steps = np.diff(values)
        step = float(np.min(np.abs(steps[steps != 0]))) if np.any(steps != 0) else 1.0
        self.decimals = int(min(max(0, -math.floor(math.log10(step) + 1e-9)), 3))
        return super().format_ticks(values)

    def __call__(self, x, pos=None) -> str:
        return _number(x, self.decimals)


def _value_axis(
    ax: Axes, values: np.ndarray, *, extent: np.ndarray | None = None, axis: str = "y"
) -> None:
    """Start the axis at 0 with thousands separators (whole ticks for whole values).

    ``extent`` (default ``values``) are all the values drawn, which the axis must hold.
    """
    target = ax.yaxis if axis == "y" else ax.xaxis
    whole = _is_whole(values)
    if whole:
        target.set_major_locator(
            MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=True, min_n_ticks=3)
        )
    target.set_major_formatter(_ThousandsFormatter())
    drawn = values if extent is None else extent
    finite = drawn[np.isfinite(drawn)]
    top = float(finite.max()) if finite.size else 0.0
    limits = (0, top * 1.12 if top > 0 else 1)
    if axis == "y":
        ax.set_ylim(*limits)
    else:
        ax.set_xlim(*limits)


def _unit_label(unit: str, suffix: str = "") -> str:
    text = unit[:1].upper() + unit[1:]
    return _plain(f"{text} {suffix}".strip())


def _top_legend(ax: Axes, handles: list, *, rows: int = 1, by_column: bool = False) -> None:
    """Legend under the title, above the chart, read along rows (or down columns)."""
    ncols = math.ceil(len(handles) / rows)
    # Matplotlib fills legends column by column; reorder so entries read along rows.
    grid = [handles[i : i + ncols] for i in range(0, len(handles), ncols)]
    ordered = (
        handles if by_column else [row[c] for c in range(ncols) for row in grid if c < len(row)]
    )
    ax.legend(
        handles=ordered,
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        borderaxespad=0,
        ncols=ncols,
        frameon=False,
        fontsize=_TICK_SIZE,
        handlelength=2.4,
        columnspacing=1.6,
    )


def _note(fig: Figure, text: str, *, width: int | None = None) -> None:
    """A footnote under the chart, left-aligned.

    With ``width``, each paragraph of the text (split at line breaks) starts a line and
    wraps at ``width`` characters.
    """
    fig.get_layout_engine().set(h_pad=0.06)
    paragraphs = text.split("\n") if width else [text]
    lines = [line for part in paragraphs for line in textwrap.wrap(_plain(part), width or 10**6)]
    fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=_NOTE_SIZE, color=PALETTE["muted"])


def _month_runs(positions: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs in sorted positions, as (first, last)."""
    runs: list[tuple[int, int]] = []
    for pos in positions:
        if runs and pos == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pos)
        else:
            runs.append((pos, pos))
    return runs


def _month_span(months: list[pd.Period]) -> str:
    first, last = months[0], months[-1]
    if first == last:
        return first.strftime("%b %Y")
    if first.year == last.year:
        return f"{first.strftime('%b')}\u2013{last.strftime('%b %Y')}"
    return f"{first.strftime('%b %Y')} to {last.strftime('%b %Y')}"


# --------------------------------------------------------------------------- trend


def plot_trend(monthly: pd.DataFrame, *, title: str, unit: str = "offences") -> Chart:
    """The 12-month trend of the latest year against the year before.

    Draws the latest 12 months as a solid line and the 12 before them as a lighter
    dashed line over the same 12 month positions ("Apr", "May", ...). A month with no
    data (NaN) leaves a gap; a month with a count of 0 is drawn at 0. The months of the
    current compared period (``period == "current"``) are shaded.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Columns ``month`` (Period[M], consecutive), ``period`` ("current", "previous"
        or ""), ``count`` (float; NaN = no data). At least the 24 months ending at the
        last month, as :func:`csp_analysis.profile.monthly_series` returns.
    title : str
        Chart title.
    unit : str, optional
        What is counted, for the y axis label (default "offences").

    Returns
    -------
    Chart
        The chart, about 900 x 450 pixels. Its ``alt_text`` names the highest and latest
        months and how many of the latest 12 were lower than a year earlier.

    Raises
    ------
    ValueError
        If ``monthly`` lacks a column or has fewer than 24 months.
    """
    missing = {"month", "period", "count"} - set(monthly.columns)
    if missing:
        raise ValueError(f"monthly has no column {sorted(missing)}: expected month, period, count")
    data = monthly.sort_values("month").iloc[-24:]
    if len(data) < 24:
        raise ValueError(f"monthly has {len(data)} months; the trend needs the last 24")
    months = list(data["month"])
    if (months[-1] - months[0]).n != 23:
        raise ValueError(
            f"monthly months are not consecutive: {months[0]} to {months[-1]} is not 24 months"
        )
    counts = data["count"].to_numpy(dtype=float)
    last = months[-1]
    latest, before = counts[12:], counts[:12]
    x = np.arange(12)

    fig, ax = _new_figure(_WIDE, title)

    is_current = (data["period"].iloc[12:] == "current").to_numpy()
    shaded = [int(i) for i in np.flatnonzero(is_current)]
    handles = []
    if shaded and len(shaded) < 12:
        for first, stop in _month_runs(shaded):
            ax.axvspan(first - 0.5, stop + 0.5, color=PALETTE["highlight"], alpha=0.15, lw=0)
        compared = [months[12 + i] for i in shaded]
        span_now = _month_span(compared)
        span_then = _month_span([m - 12 for m in compared])
        handles.append(
            Patch(
                facecolor=PALETTE["highlight"],
                alpha=0.3,
                label=f"Months compared: {span_now} with {span_then}",
            )
        )

    notes = []
    for values, end, style in (
        (before, last - 12, {"color": PALETTE["previous"], "ls": "--", "lw": 2, "marker": "o"}),
        (latest, last, {"color": PALETTE["current"], "ls": "-", "lw": 2.5, "marker": "o"}),
    ):
        label = f"12 months to {end.strftime('%b %Y')}"
        if np.isnan(values).all():
            label += " (no data)"
            notes.append(f"No data for the 12 months to {end.strftime('%b %Y')}.")
        (line,) = ax.plot(x, values, ms=4, label=label, clip_on=False, in_layout=False, **style)
        handles.append(line)
    # Two rows: the latest year over the previous one, the shaded months beside them.
    latest_line, previous_line = handles[-1], handles[-2]
    if len(handles) == 3:
        _top_legend(ax, [latest_line, handles[0], previous_line], rows=2)
    else:
        _top_legend(ax, [latest_line, previous_line])
    # Gaps in a line that has some data (a line with none is noted above).
    gaps = [
        month
        for year in (slice(0, 12), slice(12, 24))
        if not np.isnan(counts[year]).all()
        for month, value in zip(months[year], counts[year], strict=True)
        if np.isnan(value)
    ]
    if gaps:
        notes.append(f"Gaps in a line are months with no data ({_gap_list(gaps)}).")
    if len(shaded) == 12:
        notes.insert(0, "The two lines are the periods compared.")

    ax.set_xticks(x, [m.strftime("%b") for m in months[12:]])
    ax.set_xlim(-0.5, 11.5)
    ax.set_xlabel("Month", fontsize=_LABEL_SIZE)
    ax.set_ylabel(_unit_label(unit, "per month"), fontsize=_LABEL_SIZE)
    _value_axis(ax, counts)
    ax.grid(axis="y", color="#dddddd", lw=0.8)
    ax.set_axisbelow(True)
    if notes:
        _note(fig, " ".join(notes))
    return _described(fig, *_trend_sentences(months, counts, title=title, unit=unit))


def _trend_sentences(
    months: list[pd.Period], counts: np.ndarray, *, title: str, unit: str
) -> list[str]:
    """The trend chart in words: its highest and latest months, and this year against last."""
    span = f"{months[0].strftime('%B %Y')} to {months[-1].strftime('%B %Y')}"
    sentences = [f"Line chart: {_words(title)}, {span}."]
    known = np.flatnonzero(np.isfinite(counts))
    if known.size == 0:
        return [*sentences, "There is no data for these months."]
    decimals = _decimals(counts)
    peak, last = known[np.argmax(counts[known])], known[-1]
    sentences.append(
        f"Highest {_number(counts[peak], decimals)} {_words(unit)} in "
        f"{months[peak].strftime('%B %Y')}; latest {_number(counts[last], decimals)} in "
        f"{months[last].strftime('%B %Y')}."
    )
    latest, before = counts[12:], counts[:12]
    both = np.isfinite(latest) & np.isfinite(before)
    if both.any():
        lower, higher = int((latest < before)[both].sum()), int((latest > before)[both].sum())
        same = int(both.sum()) - lower - higher
        others = [f"{higher} higher"] if higher else []
        others += [f"{same} the same"] if same else []
        sentences.append(
            f"Compared with the same month a year earlier, {lower} of the latest "
            f"{int(both.sum())} months were lower"
            + (f", {_listed(others)}" if others else "")
            + "."
        )
    if known.size < counts.size:
        sentences.append(f"There is data for {known.size} of the {counts.size} months.")
    return sentences


def _gap_list(months: list[pd.Period], limit: int = 4) -> str:
    names = [m.strftime("%b %Y") for m in months]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


# ----------------------------------------------------------------------------- SPC


def _as_months(labels: pd.Series) -> pd.PeriodIndex | None:
    """The labels as months when they all are months ("2025-04", Period, Timestamp)."""
    if isinstance(labels.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(labels).asfreq("M")
    if pd.api.types.is_datetime64_any_dtype(labels):
        return pd.PeriodIndex(labels, freq="M")
    text = labels.astype(str)
    if not text.str.fullmatch(r"\d{4}-\d{2}").all():
        return None
    try:
        return pd.PeriodIndex(text, freq="M")
    except ValueError:
        return None


def _x_ticks(ax: Axes, labels: pd.Series, *, most: int = 12) -> str:
    """At most ``most`` x ticks, always at the last point; returns the axis label.

    Month labels read "Apr" with the year under the first and under each January.
    """
    n = len(labels)
    step = max(1, math.ceil(n / most))
    shown = list(range(n - 1, -1, -step))[::-1]
    months = _as_months(labels)
    if months is None:
        ax.set_xticks(shown, [_plain(labels.iloc[i]) for i in shown])
        return "Period"
    texts, year = [], None
    for i in shown:
        month = months[i]
        texts.append(month.strftime("%b") + (f"\n{month.year}" if month.year != year else ""))
        year = month.year
    ax.set_xticks(shown, texts)
    return "Month"


def plot_spc(
    spc: pd.DataFrame, *, title: str, unit: str = "offences", higher_is: str = "worse"
) -> Chart:
    """An XmR statistical process control chart, as NHS England "Making Data Count".

    Values are a grey line with markers; the mean is a solid black line and the
    process limits dashed grey lines (a lower limit below 0 is drawn at 0, as counts
    cannot be negative; the data are unchanged). Special-cause points are coloured by
    meaning: orange for concern, blue for improvement, purple when neither (a theme where
    a rise is not known to be bad). Labels are in plain words ("Usual range", "Unusual:
    a concern"). With fewer than ``SPC_MIN_POINTS`` values, or NaN limits, the values are
    drawn with the note "Too few months to work out the usual range".

    Parameters
    ----------
    spc : pandas.DataFrame
        As :func:`csp_analysis.stats.spc` returns: columns ``label``, ``value``,
        ``mean``, ``upper_limit``, ``lower_limit``, ``special_cause`` and
        ``direction``; ``rule``, when present, is summarised under the chart. Other
        columns are ignored.
    title : str
        Chart title.
    unit : str, optional
        What is counted, for the y axis label (default "offences").
    higher_is : {"worse", "better", "neither"}, optional
        Whether a high value is worse (crime, the default: high special cause is a
        concern), better (e.g. detections: high special cause is improvement) or neither
        (domestic abuse: a rise may be more reporting).

    Returns
    -------
    Chart
        The chart, about 900 x 450 pixels. Its ``alt_text`` gives the mean, the limits
        and the months outside them.

    Raises
    ------
    ValueError
        If ``higher_is`` is not "worse", "better" or "neither", or ``spc`` lacks a column.
    """
    if higher_is not in ("worse", "better", "neither"):
        raise ValueError(f"higher_is must be 'worse', 'better' or 'neither', got {higher_is!r}")
    needed = {"label", "value", "mean", "upper_limit", "lower_limit", "special_cause", "direction"}
    missing = needed - set(spc.columns)
    if missing:
        raise ValueError(
            f"spc has no column {sorted(missing)}: pass the frame csp_analysis.stats.spc returns"
        )
    values = spc["value"].to_numpy(dtype=float)
    x = np.arange(len(spc))
    upper = spc["upper_limit"].to_numpy(dtype=float)
    lower = spc["lower_limit"].to_numpy(dtype=float)
    mean = spc["mean"].to_numpy(dtype=float)
    enough = (
        np.isfinite(values).sum() >= SPC_MIN_POINTS
        and np.isfinite(upper).all()
        and np.isfinite(lower).all()
        and np.isfinite(mean).all()
    )

    fig, ax = _new_figure(_WIDE, title)
    grey = SPC_COLOURS["common_cause"]
    ax.plot(x, values, color=grey, lw=1.8, zorder=2, clip_on=False, in_layout=False)
    special = spc["special_cause"].fillna(False).to_numpy(dtype=bool) & enough
    direction = spc["direction"].fillna("").astype(str).to_numpy()
    concern_side, improvement_side = ("high", "low") if higher_is == "worse" else ("low", "high")
    is_neutral = special & np.isin(direction, ["high", "low"]) & (higher_is == "neither")
    is_concern = special & (direction == concern_side) & ~is_neutral
    is_improvement = special & (direction == improvement_side) & ~is_neutral
    common = ~(is_concern | is_improvement | is_neutral)
    ax.plot(
        x[common], values[common], "o", color=grey, ms=6, zorder=3, clip_on=False, in_layout=False
    )

    handles: list = []
    notes: list[str] = []
    if enough:
        for mask, key in (
            (is_concern, "concern"),
            (is_improvement, "improvement"),
            (is_neutral, "neutral"),
        ):
            ax.plot(
                x[mask],
                values[mask],
                "o",
                color=SPC_COLOURS[key],
                ms=8,
                zorder=4,
                clip_on=False,
                in_layout=False,
            )
        ax.plot(x, mean, color=SPC_COLOURS["mean"], lw=1.5, zorder=1)
        limit_style = {"color": SPC_COLOURS["limits"], "ls": "--", "lw": 1.3, "zorder": 1}
        ax.plot(x, upper, **limit_style)
        ax.plot(x, np.maximum(lower, 0.0), **limit_style)
        marker = {"marker": "o", "ls": "none", "ms": 8}
        unusual = (
            [("neutral", "Unusual (neither good nor bad)")]
            if higher_is == "neither"
            else [("concern", "Unusual: a concern"), ("improvement", "Unusual: improving")]
        )
        handles = [
            Line2D([], [], color=grey, lw=1.8, marker="o", ms=6, label="Usual variation"),
            *(Line2D([], [], color=SPC_COLOURS[k], label=text, **marker) for k, text in unusual),
            Line2D([], [], color=SPC_COLOURS["mean"], lw=1.5, label="Average"),
            Line2D([], [], label="Usual range", **{**limit_style, "zorder": None}),
        ]
        rules = (
            [r for text in spc.loc[special, "rule"].fillna("") for r in str(text).split("; ") if r]
            if "rule" in spc.columns
            else []
        )
        if rules:
            notes.append("Unusual because: " + wording.rules("; ".join(dict.fromkeys(rules))) + ".")
        elif special.any():
            notes.append("Some months are unusual.")
        else:
            notes.append("No unusual month: every month is within the usual range.")
    else:
        ax.text(
            0,
            1.03,
            "Too few months to work out the usual range",
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=_LABEL_SIZE,
            color=PALETTE["text"],
            bbox={"boxstyle": "round,pad=0.4", "fc": "#f2f2f2", "ec": "none"},
        )

    if handles:
        _top_legend(ax, handles, rows=2)
    x_title = _x_ticks(ax, spc["label"])
    ax.set_xlim(-0.6, len(x) - 0.4)
    ax.set_xlabel(x_title, fontsize=_LABEL_SIZE)
    ax.set_ylabel(_unit_label(unit, "per month" if x_title == "Month" else ""), fontsize=11)
    _value_axis(ax, values, extent=np.concatenate([values, upper if enough else []]))
    ax.grid(axis="y", color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)
    if notes:
        _note(fig, " ".join(notes))
    sentences = _spc_sentences(spc, enough=enough, special=special, title=title, unit=unit)
    return _described(fig, *sentences)


def _spc_sentences(
    spc: pd.DataFrame, *, enough: bool, special: np.ndarray, title: str, unit: str
) -> list[str]:
    """The control chart in words: its usual range, and the months outside it or flagged."""
    months = _as_months(spc["label"])
    names = (
        [m.strftime("%B %Y") for m in months]
        if months is not None
        else [_words(label) for label in spc["label"]]
    )
    values = spc["value"].to_numpy(dtype=float)
    known = np.isfinite(values)
    what = "months" if months is not None else "points"
    sentences = [f"Chart of unusual months: {_words(title)}."]
    if names:
        sentences.append(f"{_words(unit).capitalize()}, {names[0]} to {names[-1]}.")
    if not enough:
        return [*sentences, "Too few months to work out the usual range."]
    decimals = _decimals(values)
    mean = float(spc["mean"].iloc[0])
    upper, lower = float(spc["upper_limit"].iloc[0]), max(float(spc["lower_limit"].iloc[0]), 0.0)
    sentences.append(
        f"Average {_number(mean, decimals)}; {what} between {_number(lower, decimals)} and "
        f"{_number(upper, decimals)} are within usual variation."
    )
    with np.errstate(invalid="ignore"):
        above, below = known & (values > upper), known & (values < lower)
    for mask, side in ((above, "above"), (below, "below")):
        if mask.any():
            listed = _listed([names[i] for i in np.flatnonzero(mask)])
            sentences.append(
                f"{int(mask.sum())} of {int(known.sum())} {what} were {side} that range: {listed}."
            )
    if not (above | below).any():
        sentences.append(f"None of the {int(known.sum())} {what} was outside that range.")
    others = int((special & ~(above | below)).sum())
    if others:
        sentences.append(
            f"{others} more {what} are marked unusual: part of a long run above or below the "
            "average, or of a steady rise or fall."
        )
    return sentences


# ----------------------------------------------------------------------------- map

#: Map classifications: Jenks natural breaks by the exact (deterministic) Fisher-Jenks
#: method rather than mapclassify's k-means ``NaturalBreaks``, or quantiles.
_SCHEMES = {"natural_breaks": mapclassify.FisherJenks, "quantiles": mapclassify.Quantiles}
#: Adjacent classes whose medians differ by less than this share are "nearly equal".
_NEARLY_EQUAL = 0.1


def _round_number_between(low: float, high: float, decimals: int) -> float:
    """The roundest number above ``low`` and at most ``high``, to ``decimals`` places.

    >>> _round_number_between(13, 19, 0), _round_number_between(0.66, 0.86, 2)
    (15.0, 0.8)
    """
    unit = 10.0**-decimals
    for power in range(math.floor(math.log10(max(abs(high), unit))), -decimals - 1, -1):
        for multiple in (10, 5, 2, 1):
            step = multiple * 10.0**power
            if step < unit * 0.999:
                continue
            candidate = round((math.floor(low / step + 1e-9) + 1) * step, decimals)
            if low < candidate <= high + 1e-9:
                return candidate
    return round(high, decimals)


def _class_starts(shown: np.ndarray, n: int, decimals: int, scheme: str, log: bool) -> np.ndarray:
    """Where each class but the lowest starts: a round number between two classes.

    ``log`` classifies the logarithms, which spreads classes over a long tail (a town
    centre with ten times the count of most wards) instead of giving it classes of one.
    """
    with warnings.catch_warnings():  # Fisher-Jenks warns without numba
        warnings.simplefilter("ignore")
        yb = np.asarray(_SCHEMES[scheme](np.log1p(shown) if log else shown, k=n).yb)
    used = np.unique(yb)
    starts = [
        _round_number_between(shown[yb == low].max(), shown[yb == high].min(), decimals)
        for low, high in itertools.pairwise(used)
    ]
    return np.unique(starts)


def _readable(shown: np.ndarray, classes: np.ndarray) -> bool:
    """No class below the highest holds a single ward, and no two are nearly equal."""
    sizes = np.bincount(classes)
    if (sizes[:-1] < 2).any() or (sizes == 0).any():
        return False
    medians = [float(np.median(shown[classes == c])) for c in range(sizes.size)]
    return all(high - low >= _NEARLY_EQUAL * high for low, high in itertools.pairwise(medians))


def map_classes(
    values, *, k: int = 5, decimals: int = 0, scheme: str = "natural_breaks"
) -> tuple[np.ndarray, list[str]]:
    """Classes of ward values for a map legend that read well on clustered or tied values.

    Values are classed as shown (rounded to ``decimals``) by natural breaks (Fisher-Jenks)
    or quantiles of the values, else of their logarithms (for a long tail), into at most
    ``k`` classes: fewer when there are fewer distinct values,
    when a class below the highest would hold a single ward, or when two adjacent classes
    are nearly equal (medians within a tenth of each other). Each class after the lowest
    starts at the roundest number above the class below it (15, 20, 0.8, 2.5).

    Parameters
    ----------
    values : array-like of float
        Finite values, one per ward.
    k : int, optional
        Most classes (default 5).
    decimals : int, optional
        Decimals shown (default 0, for counts).
    scheme : {"natural_breaks", "quantiles"}, optional
        Classification tried first (default "natural_breaks").

    Returns
    -------
    classes : numpy.ndarray of int
        Each value's class, 0 for the lowest.
    labels : list of str
        Each class's range, lowest first: "5 to 14", "0.80 to 1.19", or one number
        when the class holds one value.

    >>> map_classes([0.598, 0.613, 0.663, 0.855], decimals=2)
    (array([0, 0, 0, 1]), ['0.60 to 0.79', '0.80 to 0.86'])
    >>> map_classes([5, 5, 5, 5])
    (array([0, 0, 0, 0]), ['5'])
    """
    shown = np.round(np.asarray(values, dtype=float), decimals)
    if not np.isfinite(shown).all():
        raise ValueError("map classes need finite values (leave out wards with no value)")
    starts = np.array([])
    classes = np.zeros(shown.size, dtype=int)
    tries = [
        (n, log)
        for n in range(min(k, np.unique(shown).size), 1, -1)
        for log in (False, True)
        if not log or shown.min() >= 0
    ]
    for n, log in tries:
        trial = _class_starts(shown, n, decimals, scheme, log)
        in_class = np.searchsorted(trial, shown, side="right")
        if _readable(shown, in_class):
            starts, classes = trial, in_class
            break
    if shown.size == 0:
        return classes, []
    unit = 10.0**-decimals
    lows = [float(shown.min()), *starts]
    highs = [*(np.round(starts - unit, decimals)), float(shown.max())]
    labels = [
        _number(low, decimals)
        if round(high - low, decimals) == 0
        else f"{_number(low, decimals)} to {_number(high, decimals)}"
        for low, high in zip(lows, highs, strict=True)
    ]
    return classes, labels


def _nice_length(span_m: float) -> float:
    """A round scale-bar length in metres, about a fifth of the map width."""
    return _nice_below(span_m / 5)


def _nice_below(value: float) -> float:
    """The largest of 1, 2 or 5 times a power of 10 that is at most ``value`` (> 0)."""
    exponent = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * exponent <= value:
            return step * exponent
    return exponent


def _scale_bar(ax: Axes, bounds: np.ndarray) -> None:
    xmin, ymin, xmax, ymax = bounds
    length = _nice_length(xmax - xmin)
    height = (ymax - ymin) * 0.012
    x0 = xmin + (xmax - xmin) * 0.03
    y0 = ymin + (ymax - ymin) * 0.03
    half = length / 2
    for i, colour in enumerate(("#222222", "white")):
        ax.add_patch(
            Rectangle((x0 + i * half, y0), half, height, fc=colour, ec="#222222", lw=0.8, zorder=6)
        )
    km = length / 1000
    km_text = f"{km:g} km"
    for pos, text in ((x0, "0"), (x0 + length, km_text)):
        ax.text(
            pos,
            y0 + height * 1.6,
            text,
            ha="center",
            va="bottom",
            fontsize=_NOTE_SIZE,
            color=PALETTE["text"],
            path_effects=_HALO,
            zorder=6,
        )


def _north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.97),
        xytext=(0.95, 0.89),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=13,
        fontweight="bold",
        color=PALETTE["text"],
        arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7", "color": "#222222"},
        path_effects=_HALO,
        zorder=7,
    )


def dense_centre(geometry: gpd.GeoSeries, *, share: float = 0.25) -> list[int]:
    """Positions of the wards of the densest town centre: where the smallest wards cluster.

    The smallest ``share`` of wards by area that touch one another form clusters; the
    cluster with the most wards (ties: the smaller in area) is the town centre. Returns
    its wards' positions in ``geometry``, or an empty list when no three small wards touch.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Ward polygons in a projected CRS (metres).
    share : float, optional
        Share of wards counted as small (default the smallest quarter).
    """
    areas = geometry.area.to_numpy()
    small = np.flatnonzero(areas <= np.quantile(areas, share))
    if small.size < 3:
        return []
    shapes = geometry.iloc[small].buffer(1.0).to_numpy()
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    neighbours = {i: set() for i in range(small.size)}
    for a, b in zip(left, right, strict=True):
        neighbours[int(a)].add(int(b))
    clusters, seen = [], set()
    for start in range(small.size):
        if start in seen:
            continue
        cluster, queue = [], [start]
        seen.add(start)
        while queue:
            ward = queue.pop()
            cluster.append(ward)
            queue += [n for n in neighbours[ward] if n not in seen]
            seen.update(neighbours[ward])
        clusters.append(sorted(small[cluster]))
    best = min(clusters, key=lambda c: (-len(c), areas[c].sum()))
    return [int(i) for i in best] if len(best) >= 3 else []


def _town_points(
    wards: gpd.GeoDataFrame, towns: dict[str, tuple[float, float]] | None
) -> list[tuple[str, float, float]]:
    """Town names and points (EPSG:27700) inside the mapped area.

    From ``towns`` (name -> longitude, latitude) when given, else from the wards' ``town``
    column: the middle of each town's wards, leaving out a group that covers more than a
    third of the area (a rural remainder, not a place).
    """
    outline = wards.geometry.union_all()
    if towns:
        names = list(towns)
        points = gpd.GeoSeries(
            gpd.points_from_xy([towns[n][0] for n in names], [towns[n][1] for n in names]),
            crs=4326,
        ).to_crs(wards.crs)
        return [(n, p.x, p.y) for n, p in zip(names, points, strict=True) if outline.contains(p)]
    if "town" not in wards.columns:
        return []
    found = []
    for name, group in wards.groupby(wards["town"].fillna("").astype(str).str.strip()):
        union = group.geometry.union_all()
        if not name or union.area > outline.area / 3:
            continue
        point = union.centroid if union.contains(union.centroid) else union.representative_point()
        found.append((name, point.x, point.y))
    return found


#: Label offsets in points, tried nearest first: in place, then rings around the point
#: (wider than tall, as names are), starting above and below.
_LABEL_OFFSETS = [(0.0, 0.0)] + [
    (1.5 * radius * math.cos(math.radians(angle)), radius * math.sin(math.radians(angle)))
    for radius in range(14, 100, 8)
    for angle in (90, 270, 60, 120, 240, 300, 30, 150, 210, 330, 0, 180)
]
#: Wards narrower and shorter than this on screen (pixels) are kept clear of names.
_SMALL_WARD_PX = 30
#: Ward names: dark grey; town names: black capitals, larger and bold.
_WARD_STYLE = {"fontsize": _NOTE_SIZE - 0.5, "color": PALETTE["text"]}
_TOWN_STYLE = {"fontsize": _NOTE_SIZE + 1.5, "fontweight": "bold", "color": "#000000"}


def _settle(fig: Figure) -> RendererAgg:
    """Lay the figure out once and keep that layout; returns a renderer to measure text.

    Names placed after this on screen stay where they are put.
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    width, height = fig.get_size_inches() * fig.dpi
    return RendererAgg(int(width), int(height), fig.dpi)  # measures text only


class _Labeller:
    """Names on one axes, none overlapping another (measured as boxes on screen)."""

    def __init__(self, ax: Axes, renderer, keep_clear: list | None = None) -> None:
        self.ax, self.renderer = ax, renderer
        self.taken: list = []  # screen shapes of names, leader lines and points
        self.keep_clear = keep_clear or []  # shapes only names placed inside may cover
        self.frame = shapely.box(*ax.get_window_extent(renderer).extents)  # the layout is kept

    def _label(self, text: str, xy, style: dict, offset=(0.0, 0.0), leader: bool = False):
        arrow = (
            {"arrowprops": {"arrowstyle": "-", "color": "#222222", "lw": 0.9, "shrinkA": 2}}
            if leader
            else {}
        )
        label = self.ax.annotate(
            text,
            xy=xy,
            xytext=offset,
            textcoords="offset points",
            ha="center",
            va="center",
            path_effects=_HALO,
            zorder=8,
            annotation_clip=False,
            **style,
            **arrow,
        )
        label.set_in_layout(False)
        return label

    def _box(self, label) -> shapely.Polygon:
        """The screen box of a name (without its leader), padded 2 pixels."""
        label.update_positions(self.renderer)
        return shapely.box(*Text.get_window_extent(label, self.renderer).padded(2).extents)

    def _measure(self, text: str, xy, style: dict) -> shapely.Polygon:
        """The screen box of a name in place (:meth:`_moved` gives it elsewhere)."""
        label = self._label(text, xy, style)
        box = self._box(label)
        label.remove()
        return box

    def _moved(self, box: shapely.Polygon, offsets) -> list[tuple]:
        """Each offset (points) with the box a name measured in place would have there."""
        x0, y0, x1, y1 = box.bounds
        scale = self.ax.figure.dpi / 72  # points to pixels
        return [
            (
                (dx, dy),
                shapely.box(x0 + dx * scale, y0 + dy * scale, x1 + dx * scale, y1 + dy * scale),
            )
            for dx, dy in offsets
        ]

    def _free(self, shape, also: list = (), *, among: list | None = None) -> bool:
        """Whether ``shape`` is in the axes, clear of ``also`` and the names taken (``among``)."""
        others = [*(self.taken if among is None else among), *also]
        return self.frame.contains(shape) and not (
            others and shapely.intersects(shape, others).any()
        )

    def _screen(self, geometry) -> shapely.Geometry:
        return shapely.transform(geometry, self.ax.transData.transform)

    def inside(self, text: str, geometry, *, style: dict, share: float = 0.9) -> bool:
        """Name a ward inside it when the name fits there clear of others."""
        centre = shapely.maximum_inscribed_circle(geometry).coords[0]
        screen = self._screen(geometry)
        variants = [textwrap.wrap(str(text), width) for width in (16, 11)]
        for lines in variants:
            if len(lines) > 4:
                continue
            label = self._label("\n".join(_plain(line) for line in lines), centre, style)
            box = self._box(label)
            if box.intersection(screen).area >= share * box.area and self._free(box):
                self.taken.append(box)
                return True
            label.remove()
        return False

    def town(self, text: str, xy, avoid: list = ()) -> bool:
        """A town name at its point, or just beside it, clear of other names.

        Clear of the ``avoid`` shapes too (wards that must be seen) when it can be.
        """
        text = _plain(text).upper()
        boxes = self._moved(self._measure(text, xy, _TOWN_STYLE), _LABEL_OFFSETS[:13])
        for keep_off in ([*avoid], []) if avoid else ([],):
            for offset, box in boxes:
                if self._free(box, keep_off):
                    self._label(text, xy, _TOWN_STYLE, offset)
                    self.taken.append(box)
                    return True
        return False

    def beside(self, text: str, geometry, *, style: dict) -> bool:
        """Name a ward inside it, else beside it with a leader line to a dot on it."""
        if self.inside(text, geometry, style=style, share=0.6):
            return True
        point = geometry.representative_point()
        px, py = self.ax.transData.transform((point.x, point.y))
        dot = shapely.Point(px, py).buffer(3)
        text = _wrapped(text, 18)
        in_place = self._measure(text, (point.x, point.y), style)
        for offset, box in self._moved(in_place, _LABEL_OFFSETS[1:]):
            leader = shapely.LineString([(px, py), box.centroid.coords[0]]).difference(box)
            if self._free(box, [dot, *self.keep_clear]) and self._free(leader):
                self._label(text, (point.x, point.y), style, offset, leader=True)
                self.ax.plot(
                    point.x, point.y, "o", ms=3.5, mfc="#222222", mec="white", mew=0.8, zorder=8
                )
                self.taken += [box, leader, dot]
                return True
        return False

    def near(self, text: str, xy, *, style: dict, radius: float = 5.0) -> bool:
        """Name a point just beside it (right, left, above, below), else with a leader line.

        ``radius`` (pixels) is the point's marker; the point itself should be in ``taken``
        so that no other name covers it.
        """
        px, py = self.ax.transData.transform(xy)
        centre = shapely.Point(px, py)
        own = centre.buffer(radius + 1)
        # The point's own clearance circle does not stop its name.
        others = [t for t in self.taken if t.centroid.distance(centre) > 1]
        in_place = self._measure(text, xy, style)
        x0, y0, x1, y1 = in_place.bounds
        points = 72 / self.ax.figure.dpi
        across, up = ((x1 - x0) / 2 + radius + 3) * points, ((y1 - y0) / 2 + radius) * points
        close = [(across, 0.0), (-across, 0.0), (0.0, up), (0.0, -up)]
        for offset, box in self._moved(in_place, close + _LABEL_OFFSETS[4:]):
            leader = offset not in close
            line = shapely.LineString([(px, py), box.centroid.coords[0]])
            line = line.difference(box).difference(own)
            if self._free(box, among=others) and (not leader or self._free(line, among=others)):
                self._label(text, xy, style, offset, leader=leader)
                if leader:
                    self.taken.append(line)
                self.taken.append(box)
                return True
        return False


#: Wards with no value, by reason in order of appearance: fill and hatch.
_NO_VALUE_STYLES = [("#d9d9d9", "///"), ("#f2f2f2", "..."), ("#bdbdbd", "xx")]
#: Wards with a value of 0 (no records).
NO_RECORDS_COLOUR = "#ffffff"
#: Width of an inset (inches), the least it may have, and the least it must enlarge.
_INSET_INCHES = 2.7
_INSET_MIN_INCHES = 1.6
_INSET_MIN_ZOOM = 2.0
#: An inset is drawn when the town centre's wards are narrower than this on the map (px).
_INSET_WARD_PX = 45


def _inset_box(wards: gpd.GeoDataFrame, ax: Axes) -> tuple[list[int], tuple] | None:
    """The wards of the densest town centre and the square around them, when too small."""
    centre = dense_centre(wards.geometry)
    if not centre:
        return None
    sizes = np.sqrt(wards.geometry.iloc[centre].area.to_numpy())
    scale = np.ptp(ax.transData.transform([(0, 0), (1, 0)])[:, 0])  # pixels per metre
    if np.median(sizes) * scale >= _INSET_WARD_PX:
        return None
    areas = wards.geometry.iloc[centre].area
    x0, y0, x1, y1 = wards.geometry.iloc[centre][areas <= 2 * areas.median()].total_bounds
    half = max(x1 - x0, y1 - y0) * 0.6
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    box = (cx - half, cy - half, cx + half, cy + half)
    points = wards.geometry.representative_point()
    inside = np.flatnonzero(points.within(shapely.box(*box)).to_numpy())
    return [int(i) for i in inside], box


def _inset_title(
    wards: gpd.GeoDataFrame, members: list[int], towns: list[tuple[str, float, float]], box
) -> str:
    """The inset's title: the town it shows, when known."""
    if "town" in wards.columns:
        names = wards["town"].iloc[members].dropna().astype(str).str.strip()
        names = names[names != ""]
        if not names.empty:
            return f"{names.mode().iloc[0]} (enlarged)"
    x0, y0, x1, y1 = box
    inside = [(name, x, y) for name, x, y in towns if x0 <= x <= x1 and y0 <= y <= y1]
    if inside:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return f"{min(inside, key=lambda t: math.hypot(t[1] - cx, t[2] - cy))[0]} (enlarged)"
    return "Town centre (enlarged)"


def _ward_count(n: int) -> str:
    return f"{n:,} ward{'s' if n != 1 else ''}"


def _fill_wards(ax: Axes, wards: gpd.GeoDataFrame, fills: list, hatches: list) -> None:
    """Draw each ward in its fill and hatch; white and light grey wards get grey edges.

    A hatch is drawn in the edge colour: grey on light fills, white on dark ones.
    """
    pale = [_is_pale(f) for f in fills]
    for style in dict.fromkeys(zip(hatches, pale, strict=True)):
        chosen = np.array([s == style for s in zip(hatches, pale, strict=True)])
        wards[chosen].plot(
            ax=ax,
            color=[fills[i] for i in np.flatnonzero(chosen)],
            edgecolor="#9a9a9a" if style[1] else "white",
            linewidth=0.4,
            hatch=style[0],
        )
    outline = gpd.GeoSeries([wards.geometry.union_all()], crs=wards.crs)
    outline.boundary.plot(ax=ax, color="#222222", linewidth=1.6)


def _ward_frame(wards: gpd.GeoDataFrame, column: str) -> gpd.GeoDataFrame:
    """The wards checked for a map, in EPSG:27700 with a 0-based index."""
    needed = {"ward_name", "geometry", column}
    missing = needed - set(wards.columns)
    if missing:
        raise ValueError(f"wards has no column {sorted(missing)}")
    if wards.empty:
        raise ValueError("wards is empty: there is nothing to map")
    if wards.crs is None:
        raise ValueError("wards has no CRS: expected EPSG:27700 (British National Grid)")
    if wards.crs.to_epsg() != 27700:
        wards = wards.to_crs(27700)
    return wards.reset_index(drop=True)


def _map_canvas(wards: gpd.GeoDataFrame, title: str) -> tuple[Chart, Axes]:
    """A titled map: 9 inches wide, as tall as the area's shape needs beside the legend."""
    xmin, ymin, xmax, ymax = wards.total_bounds
    shape = (ymax - ymin) / max(xmax - xmin, 1.0)
    height = min(max(_MAP_WIDTH_FOR_AREA * shape * 1.08 + 0.9, 5.0), 9.5)
    fig, ax = _new_figure((_MAP[0], height), title)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_anchor("NW")  # under the title; spare height falls below, where it is trimmed
    return fig, ax


def _no_value_styles(
    wards: gpd.GeoDataFrame, has_value: np.ndarray, missing_label: str, fills: list, hatches: list
) -> list[Patch]:
    """Grey hatches for wards with no value, one per reason; returns their legend entries.

    The reason is the ward's ``missing_reason`` when the frame has one, else
    ``missing_label``. ``fills`` and ``hatches`` are filled in for those wards.
    """
    reasons = wards.get("missing_reason", pd.Series(None, index=wards.index))
    reasons = np.array(
        [str(r).strip() if isinstance(r, str) and r.strip() else missing_label for r in reasons]
    )
    handles = []
    for i, reason in enumerate(dict.fromkeys(reasons[~has_value])):
        fill, hatch = _NO_VALUE_STYLES[min(i, len(_NO_VALUE_STYLES) - 1)]
        members = np.flatnonzero(~has_value & (reasons == reason))
        for position in members:
            fills[position], hatches[position] = fill, hatch
        handles.append(
            Patch(
                fc=fill,
                ec="#9a9a9a",
                hatch=hatch,
                label=f"{_wrapped(reason, 34)}  ({_ward_count(members.size)})",
            )
        )
    return handles


def _finish_map(
    fig: Chart,
    ax: Axes,
    wards: gpd.GeoDataFrame,
    fills: list,
    hatches: list,
    handles: list,
    *,
    legend_title: str,
    named: list[int],
    towns: dict[str, tuple[float, float]] | None,
    inset: bool,
) -> None:
    """Draw the wards, scale bar, north arrow, legend, inset and names of a ward map.

    ``named`` are the positions of the wards always named (beside the ward with a leader
    line when the name does not fit inside), first named first; every other ward is named
    when its name fits inside it.
    """
    _fill_wards(ax, wards, fills, hatches)
    bounds = np.asarray(wards.total_bounds, dtype=float)
    pad_x = (bounds[2] - bounds[0]) * 0.03
    pad_y = (bounds[3] - bounds[1]) * 0.03
    ax.set_xlim(bounds[0] - pad_x, bounds[2] + pad_x)
    ax.set_ylim(bounds[1] - pad_y * 2.5, bounds[3] + pad_y)
    _scale_bar(ax, np.array([*ax.get_xlim(), *ax.get_ylim()])[[0, 2, 1, 3]])
    _north_arrow(ax)
    ax.legend(
        handles=handles,
        title=_wrapped(legend_title, 34),
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=_TICK_SIZE,
        title_fontsize=_TICK_SIZE + 0.5,
        alignment="left",
        handlelength=1.6,
        handleheight=1.2,
    )

    # Settle the layout, then keep it: names and the inset are placed on screen.
    renderer = _settle(fig)
    _fit_legend(fig, ax, renderer)
    town_points = _town_points(wards, towns)
    found = _inset_box(wards, ax) if inset else None
    members: list[int] = []
    keep_clear = []
    for x0, y0, x1, y1 in wards.geometry.bounds.itertuples(index=False):
        (sx0, sy0), (sx1, sy1) = ax.transData.transform([(x0, y0), (x1, y1)])
        if sx1 - sx0 < _SMALL_WARD_PX and sy1 - sy0 < _SMALL_WARD_PX:
            keep_clear.append(shapely.box(sx0, sy0, sx1, sy1))
    inset_ax = None
    if found is not None:
        inset_ax = _draw_inset(fig, ax, renderer, wards, fills, hatches, *found)
    if inset_ax is not None:
        members, box = found
        keep_clear.append(shapely.box(*ax.transData.transform([box[:2], box[2:]]).ravel()))
        inset_ax.set_title(
            _plain(_inset_title(wards, members, town_points, box)),
            loc="left",
            fontsize=_TICK_SIZE,
            fontweight="bold",
            color=PALETTE["text"],
        )

    main = _Labeller(ax, renderer, keep_clear)
    main.taken += [_text_box(t, renderer) for t in ax.texts]  # north arrow, scale bar
    # Town names keep off the small wards that are always named, when they can.
    must_see = []
    for position in named:
        shape = main._screen(wards.geometry.iloc[position])
        x0, y0, x1, y1 = shape.bounds
        if position not in members and x1 - x0 < _SMALL_WARD_PX and y1 - y0 < _SMALL_WARD_PX:
            must_see.append(shape)
    for name, x, y in town_points:
        main.town(name, (x, y), avoid=must_see)
    names = wards["ward_name"].astype(str).to_numpy()
    if inset_ax is not None:
        enlarged = _Labeller(inset_ax, renderer)
        for position in sorted(members, key=lambda p: (p not in named, -wards.area.iloc[p])):
            enlarged.beside(names[position], wards.geometry.iloc[position], style=_WARD_STYLE)
    for position in named:
        if position not in members:
            main.beside(names[position], wards.geometry.iloc[position], style=_WARD_STYLE)
    for position in np.argsort(-wards.area.to_numpy(), kind="stable"):
        if position not in members and position not in named:
            main.inside(names[position], wards.geometry.iloc[position], style=_WARD_STYLE)


def _fit_legend(fig: Figure, ax: Axes, renderer) -> None:
    """Narrow a wide map, keeping it at the top left, until the legend beside it fits."""
    for _ in range(3):
        legend = ax.get_legend().get_window_extent(renderer)
        over = legend.transformed(fig.transFigure.inverted()).x1 - 0.995
        if over <= 0:
            return
        frame = ax.get_position()  # as drawn, within the equal-aspect box
        ax.set_position((frame.x0, frame.y0, frame.width - over, frame.height))
        fig.draw_without_rendering()


def map_wards(
    wards: gpd.GeoDataFrame,
    *,
    column: str,
    title: str,
    legend_title: str,
    label_top: int = 5,
    scheme: str = "natural_breaks",
    k: int = 5,
    missing_label: str = "No data",
    towns: dict[str, tuple[float, float]] | None = None,
    inset: bool = True,
) -> Chart:
    """A ward choropleth, north up in British National Grid, with towns and wards named.

    Wards above 0 are coloured in at most ``k`` classes (light = low, dark = high) chosen
    by :func:`map_classes` so that classes stay distinct on clustered or tied values; the
    legend gives each class its rounded range and number of wards. Wards with 0 are white
    ("No records"); wards with no value (NaN) are grey and hatched, one legend entry per
    reason in the optional ``missing_reason`` column (else ``missing_label``), such as
    withheld counts or wards with no population. Town names (capitals, bold) come from
    ``towns`` or the wards' ``town`` column. Where the smallest wards cluster too small to
    read (:func:`dense_centre`), an enlarged inset beside the map shows and names them,
    its area marked by a box on the map. The ``label_top`` highest wards are named (beside
    the ward with a leader line when the name does not fit inside), and every other ward
    whose name fits inside it. No name covers another. A north arrow and a km scale bar
    are drawn.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        One row per ward, in EPSG:27700 (another CRS is converted), with columns
        ``ward_name``, ``geometry`` and ``column`` (NaN = no value); optional ``town``
        (the ward's town) and ``missing_reason`` (why a ward has no value, as the legend
        says it). Other columns are ignored: wards are ranked by ``column``.
    column : str
        The value to map, e.g. "count" or "rate_per_1000".
    title : str
        Map title.
    legend_title : str
        Legend title, naming the unit and period, e.g. "Offences per 1,000 residents".
    label_top : int, optional
        How many of the highest-value wards are always named (default 5; 0 for none).
    scheme : {"natural_breaks", "quantiles"}, optional
        Classification tried first (default "natural_breaks").
    k : int, optional
        Most classes (default 5).
    missing_label : str, optional
        Legend entry of wards with no value and no ``missing_reason`` (default "No data").
    towns : dict of str to (float, float), optional
        Town name -> (longitude, latitude); towns outside the wards are left out. Without
        it, towns come from the ``town`` column.
    inset : bool, optional
        Whether to enlarge a dense town centre (default True).

    Returns
    -------
    Chart
        The map, 900 pixels wide and 500 to 950 high as the area's shape needs. Its
        ``alt_text`` names the five highest wards and counts the wards without a value.

    Raises
    ------
    ValueError
        If a column is missing, ``wards`` is empty or has no CRS, or ``scheme`` is
        unknown.
    """
    wards = _ward_frame(wards, column)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if scheme not in _SCHEMES:
        raise ValueError(f"scheme must be 'natural_breaks' or 'quantiles', got {scheme!r}")
    values = pd.to_numeric(wards[column], errors="coerce").to_numpy(dtype=float)
    has_value = np.isfinite(values)
    zero = has_value & (values == 0)
    classed = has_value & ~zero

    fig, ax = _map_canvas(wards, title)
    fills: list = [NO_RECORDS_COLOUR] * len(wards)
    hatches: list = [None] * len(wards)
    handles: list = []
    if classed.any():
        classes, labels = map_classes(
            values[classed], k=k, decimals=_decimals(values), scheme=scheme
        )
        cmap = plt.get_cmap(MAP_CMAP)
        # Keep the palette's lightest tint visible against the white of "No records".
        shades = [cmap(0.15 + 0.8 * i / max(len(labels) - 1, 1)) for i in range(len(labels))]
        for position, c in zip(np.flatnonzero(classed), classes, strict=True):
            fills[position] = shades[c]
        for c in range(len(labels) - 1, -1, -1):
            size = int((classes == c).sum())
            handles.append(
                Patch(
                    fc=shades[c], ec="#999999", lw=0.5, label=f"{labels[c]}  ({_ward_count(size)})"
                )
            )
    if zero.any():
        handles.append(
            Patch(
                fc=NO_RECORDS_COLOUR,
                ec="#999999",
                lw=0.5,
                label=f"No records  ({_ward_count(int(zero.sum()))})",
            )
        )
    handles += _no_value_styles(wards, has_value, missing_label, fills, hatches)
    names = wards["ward_name"].astype(str).to_numpy()
    ranked = pd.DataFrame({"value": values, "name": names})
    ranked = ranked[ranked["value"] > 0].sort_values(["value", "name"], ascending=[False, True])
    _finish_map(
        fig,
        ax,
        wards,
        fills,
        hatches,
        handles,
        legend_title=legend_title,
        named=list(ranked.index[:label_top]),
        towns=towns,
        inset=inset,
    )
    return _described(fig, *_map_sentences(wards, column, title, legend_title, missing_label))


def _map_sentences(
    wards: pd.DataFrame, column: str, title: str, legend_title: str, missing_label: str
) -> list[str]:
    """A ward map in words: the highest wards, the lowest value, the wards without one.

    Wards without a value are counted by their ``missing_reason`` when the frame has that
    column, else as ``missing_label``.
    """
    values = pd.to_numeric(wards[column], errors="coerce").to_numpy(dtype=float)
    known = np.isfinite(values)
    shaded = _words(legend_title)
    sentences = [
        f"Map: {_words(title)}. {len(values)} wards shaded by {shaded[:1].lower()}{shaded[1:]}."
    ]
    decimals = _decimals(values)
    ranked = pd.DataFrame({"value": values, "name": wards["ward_name"].map(_words).to_numpy()})
    ranked = ranked[ranked["value"] > 0].sort_values(["value", "name"], ascending=[False, True])
    if ranked.empty:
        sentences.append("No ward has a value above 0." if known.any() else "")
    else:
        highest = [f"{r.name} ({_number(r.value, decimals)})" for r in ranked.head(5).itertuples()]
        sentences.append(
            f"Highest: {_listed(highest)}; lowest {_number(np.nanmin(values), decimals)}."
        )
    return [*sentences, _missing_sentence(wards, known, missing_label)]


def _missing_sentence(wards: pd.DataFrame, known: np.ndarray, missing_label: str) -> str:
    """How many wards a map hatches grey for having no value, and why ("" when none)."""
    if known.all():
        return ""
    missing = int((~known).sum())
    reasons = wards.get("missing_reason", pd.Series(None, index=wards.index, dtype=object))
    reasons = reasons[~known].fillna(missing_label).map(_words).value_counts(sort=False)
    why = (
        reasons.index[0]
        if len(reasons) == 1
        else "; ".join(f"{reason} ({n})" for reason, n in reasons.items())
    )
    return f"{missing} ward{'s' if missing != 1 else ''} hatched grey: {why}."


def _text_box(label, renderer) -> shapely.Polygon:
    """The screen box of a text drawn on the map (a leader line left out), padded 2 pixels."""
    return shapely.box(*Text.get_window_extent(label, renderer).padded(2).extents)


def _draw_inset(
    fig: Figure, ax: Axes, renderer, wards, fills, hatches, members, box
) -> Axes | None:
    """The enlarged town centre under the legend, its area boxed on the map; None if no room.

    The map is narrowed when the column beside it is too narrow for the inset.
    """
    to_figure = fig.transFigure.inverted()
    fig_w, fig_h = fig.get_size_inches()
    legend = ax.get_legend().get_window_extent(renderer).transformed(to_figure)
    narrower = _INSET_INCHES / fig_w - (0.985 - legend.x0)
    if narrower > 0:  # make room beside the map, keeping it at the top left
        frame = ax.get_position()
        ax.set_position((frame.x0, frame.y0, frame.width - narrower, frame.height))
        fig.draw_without_rendering()
        legend = ax.get_legend().get_window_extent(renderer).transformed(to_figure)
    left, top = legend.x0 + 0.005, legend.y0 - 0.05
    side = min((0.985 - left) * fig_w, (top - 0.03) * fig_h)
    scale = np.ptp(ax.transData.transform([(0, 0), (1, 0)])[:, 0])  # pixels per metre
    zoom = side * fig.dpi / ((box[2] - box[0]) * scale)
    if side < _INSET_MIN_INCHES or zoom < _INSET_MIN_ZOOM:
        return None
    inset_ax = fig.add_axes((left, top - side / fig_h, side / fig_w, side / fig_h))
    _fill_wards(inset_ax, wards, fills, hatches)
    inset_ax.set_xlim(box[0], box[2])
    inset_ax.set_ylim(box[1], box[3])
    inset_ax.set_aspect("equal")
    inset_ax.set(xticks=[], yticks=[], xlabel="", ylabel="")
    for spine in inset_ax.spines.values():
        spine.set(color="#222222", linewidth=1.2)
    ax.add_patch(
        Rectangle(
            box[:2], box[2] - box[0], box[3] - box[1], fill=False, ec="#222222", lw=1.4, zorder=7
        )
    )
    return inset_ax


# ----------------------------------------------------------------------- breakdown


def plot_breakdown(
    breakdown: pd.DataFrame,
    *,
    title: str,
    current_label: str,
    previous_label: str,
    top: int = 10,
    unit: str = "offences",
) -> Chart:
    """Horizontal grouped bars of the ``top`` categories, current against previous.

    Categories are listed largest first (as ``breakdown`` is sorted), long names
    wrapped, and each bar carries its value.

    Parameters
    ----------
    breakdown : pandas.DataFrame
        Columns ``category``, ``current``, ``previous`` (others are ignored), sorted by
        current descending, as :func:`csp_analysis.indicators.compare_periods` returns.
    title : str
        Chart title.
    current_label, previous_label : str
        Legend names of the two periods, e.g. "Apr 2025 to Mar 2026".
    top : int, optional
        How many categories to show (default 10).
    unit : str, optional
        What is counted, for the x axis label (default "offences").

    Returns
    -------
    Chart
        The chart, 9 inches wide and taller when there are more than 7 categories. Its
        ``alt_text`` gives the three largest categories with their counts.

    Raises
    ------
    ValueError
        If a column is missing.
    """
    missing = {"category", "current", "previous"} - set(breakdown.columns)
    if missing:
        raise ValueError(f"breakdown has no column {sorted(missing)}")
    shown = breakdown.head(top)
    n = len(shown)
    fig, ax = _new_figure((_WIDE[0], max(_WIDE[1], 1.6 + 0.42 * n)), title)
    ax.set_xlabel(_unit_label(unit), fontsize=_LABEL_SIZE)
    ax.set_ylabel("")
    alt = f"Bar chart: {_words(title)}. {_words(current_label)} against {_words(previous_label)}."
    if n == 0:
        ax.text(0.5, 0.5, "No records in either period", ha="center", transform=ax.transAxes)
        ax.set_yticks([])
        return _described(fig, alt, "No records in either period.")

    y = np.arange(n)
    height = 0.38
    current = shown["current"].to_numpy(dtype=float)
    previous = shown["previous"].to_numpy(dtype=float)
    bars_now = ax.barh(
        y - height / 2, current, height, color=PALETTE["current"], label=_plain(current_label)
    )
    bars_then = ax.barh(
        y + height / 2, previous, height, color=PALETTE["previous"], label=_plain(previous_label)
    )
    decimals = _decimals(np.concatenate([current, previous]))
    for bars in (bars_now, bars_then):
        ax.bar_label(
            bars,
            labels=[_number(v, decimals) if np.isfinite(v) else "" for v in bars.datavalues],
            padding=3,
            fontsize=_NOTE_SIZE,
            color=PALETTE["text"],
        )
    names = [_wrapped(c, 30) or "(blank)" for c in shown["category"]]
    ax.set_yticks(y, names, fontsize=_TICK_SIZE)
    ax.invert_yaxis()  # largest at the top
    ax.tick_params(axis="y", length=0)
    _value_axis(ax, np.concatenate([current, previous]), axis="x")
    ax.set_xlim(0, ax.get_xlim()[1] * 1.04)  # room for the value labels
    ax.grid(axis="x", color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    _top_legend(ax, [bars_now, bars_then])
    if len(breakdown) > n:
        _note(fig, f"The {n} largest of {len(breakdown)} categories in the current period.")
    return _described(fig, alt, _breakdown_sentence(shown, decimals, total=len(breakdown)))


def _breakdown_sentence(shown: pd.DataFrame, decimals: int, *, total: int) -> str:
    """The largest categories of a breakdown chart, with their counts now and before."""

    def count(value: float) -> str:
        return _number(value, decimals) if np.isfinite(value) else "none shown"

    largest = [
        f"{_words(row.category) or '(blank)'} {count(float(row.current))} "
        f"(previously {count(float(row.previous))})"
        for row in shown.head(3).itertuples(index=False)
    ]
    if total > len(shown):
        return f"{len(shown)} of {total} categories shown; the largest: {'; '.join(largest)}."
    if len(shown) == 1:
        return f"One category: {largest[0]}."
    return f"{len(shown)} categories; the largest: {'; '.join(largest)}."


# ------------------------------------------------------------ strategic assessment

#: Funnel plot bands, in legend order: marker, whether filled, colour, legend entry. Up
#: triangles are above the limits and down triangles below, filled beyond 99.8% and hollow
#: between 95% and 99.8%, so the band reads without colour (vermillion = higher, blue =
#: lower, as concern and improvement on the SPC charts).
_FUNNEL_BANDS: dict[str, tuple[str, bool, str, str]] = {
    "above 99.8%": ("^", True, "#D55E00", "Much higher (above 99.8%)"),
    "above 95%": ("^", False, "#D55E00", "Higher (above 95%)"),
    "within": ("o", True, SPC_COLOURS["common_cause"], "Within the limits"),
    "below 95%": ("v", False, "#0072B2", "Lower (below 95%)"),
    "below 99.8%": ("v", True, "#0072B2", "Much lower (below 99.8%)"),
}
#: How often chance alone puts an area beyond one side of a limit, in words.
_FUNNEL_CHANCE = {"95%": "about 1 time in 40", "99.8%": "about 1 time in 1,000"}
#: Point names on scatter charts.
_POINT_STYLE = {"fontsize": _NOTE_SIZE + 0.5, "color": PALETTE["text"]}
#: Characters in a line of a footnote of the wide charts.
_NOTE_WIDTH = 130
#: Marker size (points) of a funnel plot's areas.
_FUNNEL_MARKER = 9


def _funnel_band(text: object, name: object) -> str:
    """The key of a funnel band given as text ("above 99.8%", "Below 95%", "within")."""
    words = " ".join(str(text).lower().split())
    if "within" in words:
        return "within"
    side = "above" if "above" in words or "high" in words else ""
    side = side or ("below" if "below" in words or "low" in words else "")
    level = "99.8%" if "99.8" in words else "95%" if "95" in words else ""
    if not side or not level:
        raise ValueError(
            f"peers: funnel_band {text!r} of {name!r} is not one of {', '.join(_FUNNEL_BANDS)}"
        )
    return f"{side} {level}"


def _screen_dots(ax: Axes, x, y, radius) -> list:
    """Screen circles of points at data positions ``x``, ``y``, kept clear of names.

    ``radius`` (pixels, one or one per point) is the marker's; names keep 4 pixels more
    away, so that a name is never closer to another point than to its own.
    """
    xy = ax.transData.transform(np.column_stack([x, y]))
    radii = np.broadcast_to(np.asarray(radius, dtype=float), len(xy))
    return [shapely.Point(px, py).buffer(r + 4) for (px, py), r in zip(xy, radii, strict=True)]


def plot_funnel(
    peers: pd.DataFrame, limits: pd.DataFrame, *, title: str, unit: str = "offences"
) -> Chart:
    """A funnel plot: each area's rate against its population, within chance limits.

    When ``limits`` has a ``method`` column saying "overdispersion-adjusted ...", the note
    under the chart says the limits allow for the usual differences between areas too.

    The average of all the areas (the pooled rate) is a solid line, the 95% limits dashed
    and the 99.8% limits dotted, all grey; an area outside them differs from the others by
    more than chance would usually give an area of its size. Areas are marked by band, by
    shape and fill as well as colour: a circle within the limits, a triangle pointing up
    above them or down below them, hollow beyond 95% and filled beyond 99.8%. The area the
    page is about is ringed in black and named in bold. Every area is named when there are
    at most 12, else that area and the 11 furthest from the average. Areas with no rate
    (withheld) are left off and named under the chart.

    Parameters
    ----------
    peers : pandas.DataFrame
        One row per area: ``area_name``, ``population`` (residents), ``rate_per_1000``
        (a year; NaN = withheld), ``funnel_band`` ("within", "above 95%", "above 99.8%",
        "below 95%", "below 99.8%") and ``is_area`` (True for the area the page is about).
        Other columns (``count``) are ignored.
    limits : pandas.DataFrame
        The limits over a grid of populations, for smooth curves: ``population``,
        ``target`` (the pooled rate per 1,000), ``lower_95``, ``upper_95``,
        ``lower_998``, ``upper_998``.
    title : str
        Chart title.
    unit : str, optional
        What is counted, for the y axis label (default "offences").

    Returns
    -------
    Chart
        The chart, about 900 x 550 pixels. Its ``alt_text`` gives the area's rate and band
        and how many areas lie outside the 95% and 99.8% limits.

    Raises
    ------
    ValueError
        If a column is missing or a ``funnel_band`` is not one of the five.
    """
    missing = {"area_name", "population", "rate_per_1000", "funnel_band", "is_area"} - set(
        peers.columns
    )
    if missing:
        raise ValueError(f"peers has no column {sorted(missing)}")
    needed = {"population", "target", "lower_95", "upper_95", "lower_998", "upper_998"}
    missing = needed - set(limits.columns)
    if missing:
        raise ValueError(f"limits has no column {sorted(missing)}")
    rates = pd.to_numeric(peers["rate_per_1000"], errors="coerce")
    shown = peers[rates.notna()].assign(rate=rates[rates.notna()]).reset_index(drop=True)
    left_off = peers[rates.isna()]
    shown["band"] = [
        _funnel_band(b, n) for b, n in zip(shown["funnel_band"], shown["area_name"], strict=True)
    ]
    shown["is_area"] = shown["is_area"].fillna(False).astype(bool)
    curves = limits.sort_values("population")
    target = float(np.nanmedian(curves["target"].to_numpy(dtype=float)))
    decimals = 1 if target >= 1 else 2

    fig, ax = _new_figure((_WIDE[0], 5.5), title)
    grey = SPC_COLOURS["limits"]
    population = curves["population"].to_numpy(dtype=float)
    handles = [
        ax.plot(
            population,
            curves["target"],
            color="#222222",
            lw=1.6,
            label=f"Average of all the areas ({_number(target, decimals)})",
        )[0]
    ]
    for level, style in (("95", "--"), ("998", ":")):
        for side in ("lower", "upper"):
            (line,) = ax.plot(population, curves[f"{side}_{level}"], color=grey, ls=style, lw=1.4)
        line.set_label(f"{'95' if level == '95' else '99.8'}% limits")
        handles.append(line)
    for band, (marker, filled, colour, text) in _FUNNEL_BANDS.items():
        members = shown[shown["band"] == band]
        if members.empty:
            continue
        style = {
            "marker": marker,
            "ls": "none",
            "ms": _FUNNEL_MARKER,
            "mec": colour,
            "mew": 1.8,
            "mfc": colour if filled else "white",
        }
        ax.plot(members["population"], members["rate"], zorder=5, clip_on=False, **style)
        handles.append(Line2D([], [], label=text, **style))
    area = shown[shown["is_area"]]
    if not area.empty:
        ring = {"marker": "o", "ls": "none", "ms": _FUNNEL_MARKER * 2, "mfc": "none"}
        ax.plot(area["population"], area["rate"], mec="#000000", mew=1.6, zorder=6, **ring)
        handles.append(
            Line2D([], [], mec="#000000", mew=1.6, label=_plain(area["area_name"].iloc[0]), **ring)
        )

    ax.set_xlabel("Residents", fontsize=_LABEL_SIZE)
    ax.set_ylabel(_unit_label(unit, "per 1,000 residents a year"), fontsize=_LABEL_SIZE)
    known = shown["population"].to_numpy(dtype=float)
    right = float(np.nanmax(known)) * 1.1 if known.size else float(population.max())
    ax.set_xlim(0, right)
    ax.xaxis.set_major_formatter(_ThousandsFormatter())
    ax.yaxis.set_major_formatter(_ThousandsFormatter())
    # Hold the points and the limits over the areas' sizes (not the funnel's mouth at 0).
    near = population >= (0.5 * float(np.nanmin(known)) if known.size else 0)
    seen = np.concatenate(
        [
            shown["rate"].to_numpy(dtype=float),
            [target],
            curves.loc[near, ["lower_998", "upper_998"]].to_numpy(dtype=float).ravel(),
        ]
    )
    seen = seen[np.isfinite(seen)]
    pad = (seen.max() - seen.min()) * 0.08 or 1.0
    ax.set_ylim(max(0.0, seen.min() - pad), seen.max() + pad)
    ax.grid(color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)
    _top_legend(ax, handles, rows=3, by_column=True)  # the lines, then the areas' marks
    adjusted = "method" in limits and str(limits["method"].iloc[0]).startswith("overdispersion")
    notes = [
        "The limits are where an area's rate would fall 95% and 99.8% of the time, for its "
        "number of residents, "
        + (
            "allowing for chance and for the usual differences between areas (the areas "
            "differ by more than chance alone would give)."
            if adjusted
            else "by chance alone."
        )
    ]
    if not left_off.empty:
        names = [_words(n) for n in left_off["area_name"]]
        notes.append(f"Left off, rate withheld: {_listed(names)}.")
    _note(fig, "\n".join(notes), width=_NOTE_WIDTH)

    renderer = _settle(fig)
    labeller = _Labeller(ax, renderer)
    labeller.taken += _screen_dots(
        ax, shown["population"], shown["rate"], _FUNNEL_MARKER * fig.dpi / 72 / 2 + 1
    )
    order = shown.assign(far=(shown["rate"] - target).abs() / target).sort_values(
        ["is_area", "far"], ascending=False
    )
    for row in order.head(12).itertuples():
        style = {**_POINT_STYLE, "fontweight": "bold"} if row.is_area else _POINT_STYLE
        labeller.near(
            _plain(row.area_name),
            (row.population, row.rate),
            style=style,
            radius=_FUNNEL_MARKER * (2.0 if row.is_area else 1.0) * fig.dpi / 72 / 2,
        )
    return _described(
        fig,
        *_funnel_sentences(
            shown, left_off, title=title, unit=unit, decimals=decimals, adjusted=adjusted
        ),
    )


def _funnel_sentences(
    shown: pd.DataFrame,
    left_off: pd.DataFrame,
    *,
    title: str,
    unit: str,
    decimals: int,
    adjusted: bool = False,
) -> list[str]:
    """The funnel plot in words: the area's rate and band, and how many areas are outside.

    With ``adjusted`` limits (overdispersion), "chance" reads "chance and the usual
    differences between areas".
    """
    sentences = [f"Funnel plot: {_words(title)}, {_words(unit)} per 1,000 residents a year."]
    chance = "chance and the usual differences between areas" if adjusted else "chance"
    area = shown[shown["is_area"]]
    if not area.empty:
        row = area.iloc[0]
        name, band = _words(row["area_name"]), row["band"]
        said = f"{name}'s rate, {_number(row['rate'], decimals)} per 1,000 a year, is"
        if band == "within":
            sentences.append(
                f"{said} within the 95% limits: no different from the other areas by more "
                f"than {chance} would usually give."
            )
        else:
            side, level = band.split()
            higher = "higher" if side == "above" else "lower"
            if level == "99.8%":
                sentences.append(
                    f"{said} {side} the 99.8% limit: {higher} than the other areas by more than "
                    f"{chance} would usually give."
                )
            else:
                sentences.append(
                    f"{said} {side} the 95% limit but not the 99.8% limit: {higher} than the "
                    f"other areas, though {chance} alone would give this {_FUNNEL_CHANCE['95%']}."
                )
    elif "is_area" in left_off and left_off["is_area"].fillna(False).astype(bool).any():
        name = _words(left_off[left_off["is_area"].fillna(False).astype(bool)]["area_name"].iloc[0])
        sentences.append(f"{name}'s rate is withheld, so it is not drawn.")
    n = len(shown)
    outside = int((shown["band"] != "within").sum())
    far_out = sum(band.endswith("99.8%") for band in shown["band"])
    areas = f"{n} area{'s' if n != 1 else ''}"
    if n == 0:
        sentences.append("No area has a rate to draw.")
    elif outside == 0:
        sentences.append(
            f"None of the {areas} lies outside the 95% limits."
            if n > 1
            else "It is the only area drawn."
        )
    else:
        verb = "lies" if outside == 1 else "lie"
        extra = f", {far_out} of them outside the 99.8% limits" if far_out else ""
        sentences.append(f"{outside} of {areas} {verb} outside the 95% limits{extra}.")
    if not left_off.empty:
        k = len(left_off)
        names = _listed([_words(x) for x in left_off["area_name"]])
        sentences.append(
            f"1 area is left off because its rate is withheld: {names}."
            if k == 1
            else f"{k} areas are left off because their rates are withheld: {names}."
        )
    return sentences


#: Names of a quadrant chart's corners: top right, top left, bottom left, bottom right.
QUADRANT_NAMES = (
    "Many crimes, more harm per crime",
    "Few crimes, more harm per crime",
    "Few crimes, less harm per crime",
    "Many crimes, less harm per crime",
)
#: Colour of the points (and the name) of the top-right corner, and of the others.
_QUADRANT_COLOURS = ("#D55E00", PALETTE["current"])
#: Most points named on a quadrant chart.
_QUADRANT_NAMED = 15


def plot_quadrant(
    table: pd.DataFrame,
    *,
    label: str,
    x: str = "count",
    y: str = "mean_severity",
    title: str,
    x_label: str,
    y_label: str,
    size: str | None = "harm",
    size_label: str = "Total harm",
    quadrants: tuple[str, str, str, str] = QUADRANT_NAMES,
) -> Chart:
    """Volume against severity in four corners: what is both frequent and harmful.

    The x axis is split at the median of ``x`` (half the rows have more), the y axis at
    the average of ``y`` weighted by ``x`` (for ``mean_severity`` against ``count``: the
    area's average harm per crime, total harm over total crimes; the plain mean when an
    ``x`` is negative). A row counts as in a corner only when strictly above (or at or
    below) both lines. Each corner is named in plain words; points in the top-right corner
    are vermillion, like its name, the others blue. Circle area shows ``size`` when the
    table has that column. An axis is logarithmic when all its values are above 0 and the
    largest is more than 100 times the smallest (its label ends ", log scale": crime
    severity weights run from under 10 to over 1,000 days, so ``y`` often is). At most 15
    points are named, those in the top-right corner first, then by ``x`` times ``y``
    (the harm); no name covers another or a point. Rows with no ``x`` or ``y`` (NaN) are
    left off and named under the chart.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per crime type or ward: the ``label``, ``x`` and ``y`` columns, and
        ``size`` when given. Other columns are ignored.
    label : str
        Column naming each row, e.g. "crime_type" or "ward_name".
    x, y : str, optional
        Columns of volume (default "count") and severity (default "mean_severity").
    title : str
        Chart title.
    x_label, y_label : str
        Axis labels with units, e.g. "Crimes a year", "Harm per crime (days in custody)".
    size : str or None, optional
        Column sizing the circles (default "harm", used when present); None for none.
    size_label : str, optional
        Legend name of ``size`` (default "Total harm").
    quadrants : tuple of 4 str, optional
        Names of the corners: top right, top left, bottom left, bottom right (default
        :data:`QUADRANT_NAMES`).

    Returns
    -------
    Chart
        The chart, about 900 x 600 pixels. Its ``alt_text`` gives the split values and
        names the rows in the top-right corner.

    Raises
    ------
    ValueError
        If a column is missing or ``quadrants`` does not have 4 names.
    """
    missing = {label, x, y} - set(table.columns)
    if missing:
        raise ValueError(f"table has no column {sorted(missing)}")
    if len(quadrants) != 4:
        raise ValueError(f"quadrants needs 4 names (top right, top left, ...), got {quadrants!r}")
    xs = pd.to_numeric(table[x], errors="coerce")
    ys = pd.to_numeric(table[y], errors="coerce")
    ok = xs.notna() & ys.notna() & np.isfinite(xs) & np.isfinite(ys)
    data = pd.DataFrame({"name": table[label].map(_words), "x": xs, "y": ys})
    sized = size is not None and size in table.columns
    if sized:
        data["size"] = pd.to_numeric(table[size], errors="coerce").clip(lower=0)
    left_off, data = data[~ok], data[ok].reset_index(drop=True)

    fig, ax = _new_figure((_WIDE[0], 6.0), title)
    x_values, y_values = data["x"].to_numpy(float), data["y"].to_numpy(float)
    x_split = float(np.median(x_values)) if len(data) else np.nan
    weighted = len(data) and (x_values >= 0).all() and x_values.sum() > 0
    y_split = (
        float(np.average(y_values, weights=x_values))
        if weighted
        else float(np.mean(y_values))
        if len(data)
        else np.nan
    )
    data["corner"] = (data["x"] > x_split) & (data["y"] > y_split)
    x_log, y_log = _spans_orders(x_values), _spans_orders(y_values)

    if sized and data["size"].notna().any() and data["size"].max() > 0:
        biggest = float(data["size"].max())

        def area_of(value):
            return 30 + 600 * np.nan_to_num(np.asarray(value, dtype=float)) / biggest

        keys = sorted({_nice_below(biggest), _nice_below(biggest / 8)})
        key_handles = [
            Line2D(
                [],
                [],
                marker="o",
                ls="none",
                mfc="none",
                mec=PALETTE["muted"],
                ms=math.sqrt(float(area_of(v))),
                label=f"{_plain(size_label)} {_number(v, _decimals(np.array([v])))}",
            )
            for v in keys
        ]
    else:

        def area_of(value):
            return np.full(np.shape(value), 60.0)

        key_handles = []
    areas = area_of(data["size"] if sized else data["x"])
    colours = [_QUADRANT_COLOURS[0] if c else _QUADRANT_COLOURS[1] for c in data["corner"]]
    ax.scatter(data["x"], data["y"], s=areas, c=colours, alpha=0.85, ec="white", lw=0.8, zorder=4)
    x_decimals = _decimals(x_values)
    y_decimals = max(_decimals(y_values), 1)
    split_style = {"color": PALETTE["muted"], "ls": "--", "lw": 1.2, "zorder": 2}
    handles = []
    if len(data):
        handles.append(
            ax.axvline(x_split, label=f"Median: {_number(x_split, x_decimals)}", **split_style)
        )
        average = "Average per crime" if weighted else "Average"
        handles.append(
            ax.axhline(
                y_split,
                label=f"{average}: {_number(y_split, y_decimals)}",
                **{**split_style, "ls": "-."},
            )
        )
    for values, axis, is_log in ((x_values, "x", x_log), (y_values, "y", y_log)):
        if is_log:
            _log_axis(ax, values, axis=axis, headroom=2.5 if axis == "y" else 1.8)
        else:
            _value_axis(ax, values, axis=axis)
    if not y_log:
        ax.set_ylim(0, (y_values.max() if len(data) else 1) * 1.3)  # room for corner names
    log_note = ", log scale"
    ax.set_xlabel(_plain(x_label + (log_note if x_log else "")), fontsize=_LABEL_SIZE)
    ax.set_ylabel(_plain(y_label + (log_note if y_log else "")), fontsize=_LABEL_SIZE)
    ax.grid(color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)
    if handles or key_handles:
        _top_legend(ax, handles + key_handles, rows=2 if key_handles and handles else 1)
    if not left_off.empty:
        _note(
            fig, f"Left off, with no value: {_listed(list(left_off['name']))}.", width=_NOTE_WIDTH
        )

    renderer = _settle(fig)
    labeller = _Labeller(ax, renderer)
    radii = np.sqrt(areas) * fig.dpi / 72 / 2
    labeller.taken += _screen_dots(ax, data["x"], data["y"], radii)
    if len(data):
        _corner_names(ax, labeller, quadrants, x_split, y_split)
    order = data.assign(harm=data["x"] * data["y"]).sort_values(["corner", "harm"], ascending=False)
    for row, radius in zip(
        order.head(_QUADRANT_NAMED).itertuples(), radii[order.index[:_QUADRANT_NAMED]], strict=True
    ):
        labeller.near(_plain(row.name), (row.x, row.y), style=_POINT_STYLE, radius=radius)
    return _described(
        fig,
        f"Quadrant chart: {_words(title)}.",
        *_quadrant_sentences(data, left_off, x_split, y_split, x_label, y_label, quadrants),
    )


def _spans_orders(values: np.ndarray) -> bool:
    """Whether positive values span more than two orders of magnitude (log scale)."""
    return bool(values.size and (values > 0).all() and values.max() > 100 * values.min())


def _log_axis(ax: Axes, values: np.ndarray, *, axis: str, headroom: float) -> None:
    """A log axis over the values, ticks with thousands separators ("1,000", not 10³)."""
    setter = ax.set_xscale if axis == "x" else ax.set_yscale
    setter("log")
    limits = (values.min() / 1.8, values.max() * headroom)
    (ax.set_xlim if axis == "x" else ax.set_ylim)(*limits)
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: _number(v, 0) if v >= 1 else f"{v:g}"))
    target.set_minor_formatter(NullFormatter())


def _corner_names(
    ax: Axes, labeller: _Labeller, quadrants: tuple[str, ...], x_split: float, y_split: float
) -> None:
    """Each quadrant's name in one of its corners, the outer corner first, clear of points.

    When no corner of a quadrant is clear the name goes in its outer corner, under the
    points. Quadrants: top right, top left, bottom left, bottom right.
    """
    (left, bottom), (right, top) = ax.transAxes.transform([(0, 0), (1, 1)])
    split_x, split_y = ax.transData.transform((x_split, y_split))
    regions = [  # screen boxes of the quadrants and their outer corners (-1 left/bottom)
        ((split_x, split_y, right, top), (1, 1)),
        ((left, split_y, split_x, top), (-1, 1)),
        ((left, bottom, split_x, split_y), (-1, -1)),
        ((split_x, bottom, right, split_y), (1, -1)),
    ]
    to_axes = ax.transAxes.inverted()

    def name_at(name: str, region: tuple, corner: tuple[int, int], colour: str):
        sx, sy = corner
        anchor = (region[2] if sx > 0 else region[0], region[3] if sy > 0 else region[1])
        return ax.annotate(
            _plain(name),
            xy=tuple(to_axes.transform(anchor)),
            xycoords="axes fraction",
            xytext=(-5 * sx, -4 * sy),
            textcoords="offset points",
            ha="right" if sx > 0 else "left",
            va="top" if sy > 0 else "bottom",
            fontsize=_TICK_SIZE,
            fontweight="bold",
            color=colour,
            path_effects=_HALO,
            zorder=3,
        )

    for i, (name, (region, outer)) in enumerate(zip(quadrants, regions, strict=True)):
        colour = _QUADRANT_COLOURS[0] if i == 0 else PALETTE["muted"]
        corners = [outer, (-outer[0], outer[1]), (outer[0], -outer[1]), (-outer[0], -outer[1])]
        for corner in corners:
            text = name_at(name, region, corner, colour)
            box = labeller._box(text)
            if shapely.box(*region).buffer(1).contains(box) and labeller._free(box):
                break
            text.remove()
        else:  # no clear corner: the outer one, under the points
            box = labeller._box(name_at(name, region, outer, colour))
        labeller.taken.append(box)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _quadrant_sentences(
    data: pd.DataFrame,
    left_off: pd.DataFrame,
    x_split: float,
    y_split: float,
    x_label: str,
    y_label: str,
    quadrants: tuple[str, ...],
) -> list[str]:
    """The quadrant chart in words: where it is split and what is in the top-right corner."""
    if data.empty:
        return ["Nothing to show: no row has both values."]
    x_decimals = _decimals(data["x"].to_numpy(float))
    y_decimals = max(_decimals(data["y"].to_numpy(float)), 1)
    sentences = [
        f"{len(data)} shown, split at the median {_words(_lower_first(x_label))} "
        f"({_number(x_split, x_decimals)}) and the average {_words(_lower_first(y_label))} "
        f"({_number(y_split, y_decimals)})."
    ]
    corner = data[data["corner"]].assign(harm=lambda d: d["x"] * d["y"])
    corner = corner.sort_values(["harm", "name"], ascending=[False, True])
    name = _words(quadrants[0])
    if corner.empty:
        sentences.append(f'None is in the corner "{name}".')
    else:
        sentences.append(f"{name}: {_listed(list(corner['name']), limit=8)}.")
    if not left_off.empty:
        sentences.append(f"Left off, with no value: {_listed(list(left_off['name']))}.")
    return sentences


#: Line colours and styles of Lorenz curves, in order of the ``of`` values.
_LORENZ_STYLES = [("#0072B2", "-"), ("#D55E00", "--"), ("#009E73", "-."), ("#CC79A7", ":")]


def plot_lorenz(
    lorenz: pd.DataFrame, *, title: str, places: str = "wards", at: float = 0.10
) -> Chart:
    """Lorenz curves: how much of the crime (and harm) the places with most of it hold.

    One line per ``of`` value (crime solid blue, harm dashed vermillion, in order of
    appearance) from (0, 0), places ranked from most to least; the diagonal is what every
    place having the same would give. The share held by the top ``at`` of places is marked
    on each curve (read off by straight lines between the points) and written beside it.
    Rows with a NaN share are left out; a curve without (0, 0) is drawn from there.

    Parameters
    ----------
    lorenz : pandas.DataFrame
        Columns ``of`` (what is counted: "crime", "harm"), ``share_of_places`` and
        ``share_of_events`` (both 0 to 1, cumulative from the place with most events).
    title : str
        Chart title.
    places : str, optional
        What the places are, plural, for the axis and the text (default "wards").
    at : float, optional
        The top share of places marked and described (default 0.10, the top 10%).

    Returns
    -------
    Chart
        The chart, about 900 x 550 pixels. Its ``alt_text`` says what share of each ``of``
        the top ``at`` of places hold.

    Raises
    ------
    ValueError
        If a column is missing.
    """
    missing = {"of", "share_of_places", "share_of_events"} - set(lorenz.columns)
    if missing:
        raise ValueError(f"lorenz has no column {sorted(missing)}")
    fig, ax = _new_figure((_WIDE[0], 5.5), title)
    ax.plot(
        [0, 100],
        [0, 100],
        color=SPC_COLOURS["limits"],
        ls=":",
        lw=1.4,
        label=f"If every {_plain(places.rstrip('s'))} had the same",
    )
    ax.axvline(at * 100, color="#cccccc", lw=1, zorder=1)
    curves, held = [], []
    for i, (of, group) in enumerate(lorenz.groupby("of", sort=False)):
        points = group[["share_of_places", "share_of_events"]].apply(pd.to_numeric, errors="coerce")
        points = points.dropna().sort_values(["share_of_places", "share_of_events"])
        if points.empty:
            continue
        xs, ys = points["share_of_places"].to_numpy(), points["share_of_events"].to_numpy()
        if xs[0] > 0:
            xs, ys = np.r_[0.0, xs], np.r_[0.0, ys]
        colour, style = _LORENZ_STYLES[i % len(_LORENZ_STYLES)]
        name = _words(of)
        ax.plot(xs * 100, ys * 100, color=colour, ls=style, lw=2.4, label=_plain(name.capitalize()))
        share = float(np.interp(at, xs, ys))
        ax.plot(at * 100, share * 100, "o", color=colour, ms=7, zorder=5)
        curves.append((name, colour, share))
        held.append(share)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xticks(range(0, 101, 20))
    ax.set_yticks(range(0, 101, 20))
    ax.set_xlabel(f"Share of {_plain(places)} (%), highest first", fontsize=_LABEL_SIZE)
    whats = " or ".join(_plain(name) for name, _, _ in curves) or "events"
    ax.set_ylabel(f"Share of {whats} (%)", fontsize=_LABEL_SIZE)
    ax.grid(color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)
    handles, _ = ax.get_legend_handles_labels()
    _top_legend(ax, handles[1:] + handles[:1])

    renderer = _settle(fig)
    labeller = _Labeller(ax, renderer)
    marked = ax.annotate(
        f"The {_percent(at)} of {_plain(places)} with most",
        xy=(at * 100, 100),
        xytext=(5, -3),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=_NOTE_SIZE,
        color=PALETTE["muted"],
        path_effects=_HALO,
    )
    labeller.taken.append(labeller._box(marked))
    labeller.taken += _screen_dots(ax, [at * 100] * len(held), [h * 100 for h in held], 5)
    for name, colour, share in curves:
        labeller.near(
            f"{_percent(share)} of {_plain(name)}",
            (at * 100, share * 100),
            style={**_POINT_STYLE, "color": colour, "fontweight": "bold"},
        )
    return _described(fig, *_lorenz_sentences(curves, title=title, places=places, at=at))


def _percent(share: float) -> str:
    """A share as a whole percentage, halves rounded up (0.625 -> "63%")."""
    return f"{math.floor(share * 100 + 0.5 + 1e-9):.0f}%"


def _lorenz_sentences(
    curves: list[tuple[str, str, float]], *, title: str, places: str, at: float
) -> list[str]:
    """The Lorenz chart in words: the share the top places hold of each thing counted."""
    sentences = [f"Lorenz curve: {_words(title)}."]
    if not curves:
        return [*sentences, "There is nothing to show."]
    top = _percent(at)
    parts = [
        f"the {top} of {_words(places)} with most {name} hold {_percent(share)} of {name}"
        if i == 0
        else f"the {top} with most {name} hold {_percent(share)} of {name}"
        for i, (name, _, share) in enumerate(curves)
    ]
    text = "; ".join(parts)
    sentences.append(text[:1].upper() + text[1:] + ".")
    sentences.append(f"If every {_words(places).rstrip('s')} had the same, they would hold {top}.")
    return sentences


#: Hot spot map classes: vermillion, blue dotted (so the two differ in greyscale too) and
#: light grey. Pass as ``colours`` and ``hatches`` to :func:`map_categories`.
HOTSPOT_COLOURS: dict[str, str] = {
    "Hot spot": "#D55E00",
    "Cold spot": "#0072B2",
    "Not significant": "#e6e6e6",
}
HOTSPOT_HATCHES: dict[str, str] = {"Cold spot": ".."}


def map_categories(
    wards: gpd.GeoDataFrame,
    *,
    column: str,
    title: str,
    legend_title: str,
    order: list[str],
    colours: dict[str, str],
    hatches: dict[str, str] | None = None,
    named: list[str] | None = None,
    missing_label: str = "No data",
    towns: dict[str, tuple[float, float]] | None = None,
    inset: bool = True,
) -> Chart:
    """A ward map of classes (hot spot, cold spot, not significant; or patterns over time).

    Drawn as :func:`map_wards` draws (north arrow, scale bar, town names, an enlarged town
    centre, ward names that never overlap), with one fill (and optional hatch) per class
    and a legend in ``order`` giving each class's number of wards, so the map reads without
    colour. The wards of the ``named`` classes are always named, in the frame's order (sort
    it by strength to name the strongest first when room runs out); others when the name
    fits inside. Wards with no class (NaN or "") are grey and hatched, by
    ``missing_reason`` as on :func:`map_wards`.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        One row per ward, in EPSG:27700 (another CRS is converted), with ``ward_name``,
        ``geometry`` and ``column``; optional ``town`` and ``missing_reason``.
    column : str
        The class of each ward, one of ``order`` (NaN = none).
    title, legend_title : str
        Map and legend titles.
    order : list of str
        The classes, in legend order.
    colours : dict of str to str
        Fill of each class, e.g. :data:`HOTSPOT_COLOURS`.
    hatches : dict of str to str, optional
        Hatch of some classes, e.g. :data:`HOTSPOT_HATCHES` (default none).
    named : list of str, optional
        Classes whose wards are always named (default the first of ``order``).
    missing_label : str, optional
        Legend entry of wards with no class and no ``missing_reason`` (default "No data").
    towns : dict of str to (float, float), optional
        Town name -> (longitude, latitude), as for :func:`map_wards`.
    inset : bool, optional
        Whether to enlarge a dense town centre (default True).

    Returns
    -------
    Chart
        The map, as :func:`map_wards`. Its ``alt_text`` counts the wards of each class and
        names those of the ``named`` classes.

    Raises
    ------
    ValueError
        If a column is missing, ``wards`` is empty or has no CRS, a ward's class is not
        in ``order``, or a class has no colour.
    """
    wards = _ward_frame(wards, column)
    no_colour = [c for c in order if c not in colours]
    if no_colour:
        raise ValueError(f"colours has no colour for {no_colour}")
    classes = wards[column].map(lambda v: v.strip() if isinstance(v, str) else v)
    has_value = classes.notna().to_numpy() & (classes.astype(str) != "").to_numpy()
    unknown = sorted(set(classes[has_value].astype(str)) - set(order))
    if unknown:
        raise ValueError(f"wards column {column!r} has {unknown}, which are not in order {order}")
    hatches = hatches or {}
    named = order[:1] if named is None else named

    fig, ax = _map_canvas(wards, title)
    fills = [colours[c] if ok else None for c, ok in zip(classes, has_value, strict=True)]
    kinds = [hatches.get(c) if ok else None for c, ok in zip(classes, has_value, strict=True)]
    handles = [
        Patch(
            fc=colours[c],
            ec="#9a9a9a" if _is_pale(colours[c]) else "white",
            hatch=hatches.get(c),
            lw=0.5,
            label=f"{_plain(c)}  ({_ward_count(int((classes[has_value] == c).sum()))})",
        )
        for c in order
    ]
    handles += _no_value_styles(wards, has_value, missing_label, fills, kinds)
    first = [p for c in named for p in np.flatnonzero(has_value & (classes == c).to_numpy())]
    _finish_map(
        fig,
        ax,
        wards,
        fills,
        kinds,
        handles,
        legend_title=legend_title,
        named=[int(p) for p in first],
        towns=towns,
        inset=inset,
    )
    counts = [
        f"{_words(c)}: {_ward_count(int((classes[has_value] == c).sum()))}"
        + (
            f" ({_listed([_words(n) for n in wards['ward_name'][has_value & (classes == c)]], 8)})"
            if c in named and (has_value & (classes == c)).any()
            else ""
        )
        for c in order
    ]
    return _described(
        fig,
        f"Map: {_words(title)}. Of {len(wards)} wards, by {_words(legend_title)}:",
        "; ".join(counts) + ".",
        _missing_sentence(wards, has_value, missing_label),
    )


def _is_pale(colour) -> bool:
    """Whether a fill is a light grey or white, which needs grey ward edges to be seen."""
    red, green, blue = to_rgb(colour)
    return min(red, green, blue) >= 0.7 and max(red, green, blue) - min(red, green, blue) < 0.05
