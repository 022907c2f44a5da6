"""Report: what a profile notebook shows, so that the notebooks stay thin.

Each function takes a :class:`~csp_analysis.profile.Profile` and returns something Jupyter
displays: Markdown prose, a styled table or a figure. When the data cannot support the
theme, :func:`key_findings` says why and every other function returns ``None`` (which a
notebook displays as nothing), so "Run all" never fails on an unavailable theme.
"""

from __future__ import annotations

import html
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown

from csp_analysis import charts, indicators, wording
from csp_analysis.assessment import (
    GRID_CELL,
    HOTSPOT_Q,
    LOCALITY_TOP,
    ROUND_TO,
    Assessment,
)
from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.disclosure import SECONDARY_LABEL
from csp_analysis.profile import Profile
from csp_analysis.publication import publish_area
from csp_analysis.tables import ASSESSMENT_FOLDER, write_assessment_tables, write_tables


def resolve(path: str | Path | None) -> Path | None:
    """A path as given when absolute, else from the project root (not the notebook folder)."""
    if path is None or str(path) == "":
        return None
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


def read_prepared(prepared: str | Path) -> dict:
    """What ``csp run`` made once for an area's pages: its profiles and its assessment."""
    with open(resolve(prepared), "rb") as handle:
        return pickle.load(handle)  # noqa: S301 - written by this run of csp run


def load_profile(
    theme: str,
    *,
    area: str,
    period: str,
    config: str | Path | None = None,
    data_dir: str | Path | None = None,
    restricted: bool = False,
    prepared: str | Path | None = None,
) -> Profile:
    """Load the data and make one theme's profile (paths resolve from the project root).

    ``restricted`` keeps exact small numbers (analysts only); by default small counts are
    suppressed for board and public use, together with every other theme of the area
    (:func:`csp_analysis.publication.area_profiles`). ``prepared`` names a file of the
    area's profiles that ``csp run`` made once for the whole pack (then nothing is
    loaded again).
    """
    if prepared:
        profiles = read_prepared(prepared)
    else:
        settings = load_settings(resolve(config), data_dir=resolve(data_dir))
        profiles = publish_area(
            settings, area=area, period=period, restricted=restricted, assessed=False
        ).profiles
    profile = profiles[theme]
    if isinstance(profile, Exception):
        raise profile
    return profile


def save_tables(profile: Profile, output_dir: str | Path | None) -> None:
    """Write the profile's CSV tables under ``output_dir/<theme>/`` (none when it is blank)."""
    folder = resolve(output_dir)
    if folder is not None:
        write_tables(profile, folder)


# ---------------------------------------------------------------------------- words

#: Characters that Markdown or HTML would read as markup, as HTML character references
#: (which every Markdown renderer shows as the character, never as markup).
_MARKUP = str.maketrans(
    {c: f"&#{ord(c)};" for c in "\\`*_[]#|~$"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
)
#: A list marker at the start of a line ("-", "+", "1." or "1)"), and the character that
#: makes a bare address ("https://...", "www.") a link.
_STRUCTURE = re.compile(r"^(?:\d+(?=[.)]))?([-+.)])|(:)(?=//)|(?<=www)(\.)", re.IGNORECASE)


def escape_markdown(text: object) -> str:
    """Text from data or config made inert in Markdown: shown as written, never as markup.

    HTML (``<img onerror=...>``), links (``[x](javascript:...)``, bare addresses), emphasis,
    code, tables and math (``$``) become character references, as does a leading list
    marker; line breaks become spaces, so the text stays inside its sentence.

    >>> escape_markdown("<img src=x onerror=alert(1)> [x](javascript:alert(1))")
    '&lt;img src=x onerror=alert(1)&gt; &#91;x&#93;(javascript:alert(1))'
    >>> escape_markdown("- 5 wards")
    '&#45; 5 wards'
    """
    text = " ".join(str(text).split()).translate(_MARKUP)
    return _STRUCTURE.sub(lambda m: m[0][:-1] + f"&#{ord(m[0][-1])};", text)


def _prose(*sentences: str, markup: str = "{}") -> Markdown:
    """Sentences as Markdown, one a line, each escaped (:func:`escape_markdown`).

    Every sentence a page shows comes through here. ``markup`` is the only Markdown the code
    itself writes around a sentence, e.g. ``"- {}"`` for a list.
    """
    return Markdown("\n".join(markup.format(escape_markdown(s)) for s in sentences if s))


def _n(value: float | str) -> str:
    """A count for a sentence (:func:`csp_analysis.wording.count`)."""
    return wording.count(value)


def _published(*values: float | str) -> bool:
    """Whether every count is published (a number, not a withheld label)."""
    return not any(isinstance(value, str) for value in values)


def _among(profile: Profile, claim: str) -> str:
    """How a "most" sentence starts: "Of those with published figures, " if need be.

    That is, when a withheld row might have more (see ``Profile.claims``).
    """
    return "" if profile.claims.get(claim, True) else "Of those with published figures, "


def _omitted(profile: Profile, table: str) -> Markdown | None:
    """The sentence saying why a table is left out of the board version, if it is."""
    why = profile.omitted.get(table)
    return _prose(why, markup="_{}_") if why else None


def _numbers(values: pd.Series) -> pd.Series:
    """Counts as numbers, withheld cells ("<5", "[c]") as NaN."""
    return pd.to_numeric(values, errors="coerce")


def _mid_sentence(name: str) -> str:
    """A category name inside a sentence: 'Violence with injury' -> 'violence with injury'."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def _unit(profile: Profile, count: float | str | None = None) -> str:
    return wording.unit(profile.theme.records, count)


def _line(text: str) -> Markdown:
    """One line in place of a chart or table that has nothing to show."""
    return _prose(text, markup="_{}_")


def _rate(profile: Profile, value: float, annual: float) -> str:
    """A rate per 1,000 that names its period, with the rate a year beside it."""
    return wording.rate(value, annual, unit=_unit(profile), period=profile.period)


def key_findings(profile: Profile) -> Markdown:
    """The headline sentences in plain words: change, whether it is usual, what and where.

    The statistics behind each sentence are in :func:`how_to_read`.
    """
    if not profile.available:
        return _prose(profile.reason, markup="**Not available for this data.** {}")
    test = profile.change
    now, before = test.current, test.previous
    change = wording.change(now, before, since=profile.previous.describe())
    lines = [
        f"There {'was' if now == 1 else 'were'} {_n(now)} {_unit(profile, now)} in "
        f"{profile.area_name} in "
        f"{profile.period.describe()}, {change}: "
        f"{wording.verdict(now, before, test.p_value)}."
    ]
    headline = profile.headline.set_index("measure")
    rate = headline.loc["rate_per_1000"]
    if np.isfinite(rate["current"]):
        annual = headline.loc["rate_per_1000_per_year", "current"]
        lines.append(f"That is {_rate(profile, rate['current'], annual)}.")
    if "share_of_all_pct" in headline.index:
        share = headline.loc["share_of_all_pct"]
        lines.append(
            f"{profile.theme.title} made up {share['current']:.1f}% of all recorded crime, "
            f"against {share['previous']:.1f}% a year earlier."
        )
    lines += _trend_findings(profile)
    lines += _breakdown_findings(profile)
    lines += _ward_findings(profile)
    return _prose(*(line[:1].upper() + line[1:] for line in lines if line), markup="- {}")


def _breakdown_findings(profile: Profile) -> list[str]:
    lines = []
    strands = (
        profile.headline.set_index("measure").loc["strands", "current"]
        if profile.breakdown_by == "hate_strand"
        else None
    )
    if strands is not None and _published(strands) and strands > profile.change.current:
        lines.append(
            f"The {_n(profile.change.current)} crimes carried {_n(strands)} hate "
            "strands: a crime may have more than one, so strands add up to more "
            "than crimes."
        )
    table = profile.breakdown
    if table is None or len(table) < 2:  # one category says nothing the total does not
        return lines
    published = table.loc[_numbers(table["current"]).gt(0)]  # not withheld, not zero
    if published.empty:
        return lines
    top = published.iloc[0]
    change = (
        f", {wording.change(top['current'], top['previous'], since='a year earlier')}"
        if _published(top["previous"])
        else ""
    )
    lines.append(
        _among(profile, "top_category") + f"the most common was {_mid_sentence(top['category'])}: "
        f"{_n(top['current'])} {_unit(profile, top['current'])} ({top['share_pct']:.0f}%)"
        f"{change}."
    )
    change = _numbers(table["change"])
    rising = table.assign(change=change).loc[change > 0].sort_values("change", ascending=False)
    if len(rising):
        row = rising.iloc[0]
        small = min(row["current"], row["previous"]) < wording.SMALL_BASE
        if row["category"] != top["category"] and not small:  # never lead with tiny numbers
            lines.append(
                _among(profile, "largest_increase")
                + f"the largest rise was in {_mid_sentence(row['category'])}: "
                f"{wording.change(row['current'], row['previous'], since='a year earlier')}."
            )
    return lines


def _wards_with_records(profile: Profile) -> str:
    """How many wards had any record: '38 of the 40 wards' or 'all 40 wards'.

    A withheld count ("<5" or "[c]") is never 0: zeros are always published.
    """
    wards = profile.wards.loc[profile.wards["ward_name"] != indicators.UNKNOWN_WARD]
    counts = _numbers(wards["count"])
    had = int((counts.isna() | counts.gt(0)).sum())
    return f"all {len(wards)} wards" if had == len(wards) else f"{had} of the {len(wards)} wards"


def _ward_findings(profile: Profile) -> list[str]:
    wards = profile.wards
    if wards is None:
        return [profile.omitted.get("wards", "")]
    ranked = wards.loc[wards["rank"].notna()]
    if ranked.empty or _numbers(ranked["count"]).iloc[0] == 0:
        return []
    top = ranked.iloc[0]
    rate = (
        f"; {top['rate_per_1000']:.1f} per 1,000 residents {wording.period_span(profile.period)}"
        if np.isfinite(top["rate_per_1000"])
        else ""
    )
    lines = [
        _among(profile, "top_ward") + f"{top['ward_name']} had the most: {_n(top['count'])} "
        f"{_unit(profile, top['count'])} ({top['share_pct']:.0f}% of the area{rate})."
    ]
    top_n = profile.top_wards
    if profile.claims.get("top_wards", True) and len(top_n) == profile.top_n:
        lines.append(
            f"The {len(top_n)} wards with the most {_unit(profile)} had "
            f"{_numbers(top_n['share_pct']).sum():.0f}% of the total; "
            f"{_wards_with_records(profile)} had any."
        )
    unknown = wards.loc[wards["ward_name"] == indicators.UNKNOWN_WARD, "count"]
    if len(unknown) and unknown.iloc[0] != 0:
        count = unknown.iloc[0]
        share = (
            f" ({count / profile.change.current * 100:.1f}%)" if not isinstance(count, str) else ""
        )
        lines.append(
            f"{_n(count).capitalize()} {_unit(profile, count)}{share} could not be placed in a "
            "ward; they count in the area total only."
        )
    return lines


def _trend_findings(profile: Profile) -> list[str]:
    """The monthly trend and the unusual months, in words, reconciled with the change."""
    trend, points = profile.trend, profile.spc
    if trend.trend == "insufficient data":
        return [
            f"There are too few months of data in a row ({trend.n}) to say whether the "
            "monthly numbers are rising or falling."
        ]
    last = pd.Period(points["label"].iloc[-1], freq="M").strftime("%B %Y")
    lines = [
        wording.trend(
            trend.trend,
            trend.p_value,
            trend.sen_slope,
            months=trend.n,
            to=last,
            unit=_unit(profile),
        )
    ]
    latest = profile.latest_variation()
    if latest != "none":  # else the chart of unusual months says there are too few months
        flagged = int(points["special_cause"].sum())
        lines.append(wording.unusual_months(flagged, len(points), latest=latest))
    steady = wording.beyond_chance(trend.p_value) and trend.trend != "no trend"
    changed = wording.beyond_chance(profile.change.p_value)
    if steady != changed and not np.isnan(profile.change.p_value):
        lines.append(
            f"The comparison with a year earlier looks at {profile.period.describe()} only, "
            f"the trend at all {trend.n} months, so the two can differ."
        )
    return lines


def how_to_read(profile: Profile) -> Markdown | None:
    """The note that explains the words, with the statistics behind them (for analysts)."""
    if not profile.available:
        return None
    u, test = _unit(profile), profile.change
    label = wording.withheld_label(profile.threshold)
    terms = [
        (
            "Normal variation",
            "numbers go up and down from one period to the next by chance. A change within "
            "normal variation is no bigger than chance would often give; a change larger than "
            "chance would usually give is unlikely to be chance alone (less than a "
            f"{wording.SIGNIFICANCE:.0%} chance), so it is worth looking into.",
        ),
        (
            "Unusual months",
            "the chart of monthly numbers shows the average and the range the numbers usually "
            "stay within, worked out from the months themselves. A month outside that range, "
            "or a run of months on one side of the average or moving one way, is marked as "
            "unusual: something has changed rather than chance.",
        ),
        (
            "Rate per 1,000 residents",
            f"{u} for every 1,000 people living in the area {wording.period_span(profile.period)}"
            "; the rate a year gives the same over twelve months, to compare with yearly "
            "figures.",
        ),
        (
            "Likely range",
            "the range within which the true rate probably lies (95% confidence), given how "
            "much numbers vary by chance. Small numbers give wide ranges.",
        ),
        (
            f"{label} and [c]",
            f"{label} is a count from 1 to {profile.threshold}, withheld to protect the people "
            "involved; [c] is a count withheld so that a withheld number cannot be worked out "
            "from the others; – means there is nothing to show (no records, or a percentage "
            "of a withheld count). Percentage changes are not shown when the earlier count is "
            f"below {wording.SMALL_BASE}, because they mislead on small numbers.",
        ),
    ]
    if profile.harm is not None:
        terms.append(
            (
                "Harm",
                "each crime weighted by its severity: the average number of days of prison "
                "sentence its offence receives (the ONS Crime Severity Score weights), added "
                "up. A ward with fewer but more serious crimes can do more harm than a busier "
                "one. The strategic assessment compares harm across themes and wards.",
            )
        )
    details = []
    if not np.isnan(test.p_value):
        ratio = (
            f"; rate ratio {test.rate_ratio:.2f} (95% confidence interval "
            f"{test.ratio_lower:.2f} to {test.ratio_upper:.2f})"
            if np.isfinite(test.ratio_upper)
            else ""
        )
        details.append(
            f"Change on a year earlier: exact Poisson test of the two counts, "
            f"{wording.p_value(test.p_value)}{ratio}; a change is called larger than chance "
            f"when p is below {wording.SIGNIFICANCE}."
        )
    rate = profile.headline.set_index("measure").loc["rate_per_1000"]
    if np.isfinite(rate["current"]):
        details.append(
            f"Rate: {rate['current']:.2f} per 1,000 residents "
            f"{wording.period_span(profile.period)}, 95% confidence interval "
            f"{rate['current_lower']:.2f} to {rate['current_upper']:.2f} (Byar's method; exact "
            "below 10)."
        )
    trend = profile.trend
    if trend.trend != "insufficient data":
        details.append(
            f"Trend: Mann-Kendall test over {trend.n} months, {wording.p_value(trend.p_value)}; "
            f"Sen's slope {trend.sen_slope:+.1f} {u} a month."
        )
    details.append(
        'Unusual months: an XmR statistical process control chart (NHS England "Making Data '
        'Count"): limits at the average plus or minus 2.66 times the average month-to-month '
        "change; a month is unusual when it is outside the limits, when 2 of 3 months are "
        "beyond two thirds of the way to a limit, or in a run of 7 months on one side of the "
        "average or rising or falling."
    )
    glossary = "\n".join(
        f"- **{escape_markdown(term)}**: {escape_markdown(text)}" for term, text in terms
    )
    return Markdown(
        glossary
        + "\n\n**The statistics behind the sentences** (also in the CSV files):\n\n"
        + _prose(*details, markup="- {}").data
    )


def notes(profile: Profile) -> Markdown | None:
    """Caveats and data notes: recording practice, approximations, synthetic data."""
    if not profile.notes:
        return None
    return _prose(*profile.notes, markup="- {}")


# ---------------------------------------------------------------------------- tables


def _passing_text(pattern: str):
    """A formatter that leaves text cells (withheld counts such as "<5") as they are."""
    return lambda value: value if isinstance(value, str) else pattern.format(value)


def _capitalised(values: pd.Series) -> pd.Series:
    """First letter upper case, for display ('nuisance' -> 'Nuisance'); the rest kept."""
    text = values.astype("string")
    return text.str[:1].str.upper() + text.str[1:]


def _style(table: pd.DataFrame, formats: dict[str, str], *, numbers: tuple[str, ...] = ()):
    """The table styled for a page, ``formats`` by column.

    ``numbers`` are number columns written as text (such as "12 to 18"): right-aligned.
    """
    present = {c: _passing_text(f) for c, f in formats.items() if c in table.columns}
    # Text columns align left; a number column stays right-aligned with a withheld "<5" in it.
    text = [
        c
        for c in table.columns
        if c not in present and c not in numbers and not pd.api.types.is_numeric_dtype(table[c])
    ]
    return (
        table.style.format(present, na_rep=_NOT_SHOWN, escape="html")  # cells from data: text only
        .format_index(escape="html", axis=1)
        .hide(axis="index")
        .set_properties(subset=text, **{"text-align": "left"})
        .set_table_styles([{"selector": "th", "props": "text-align: left;"}])
    )


_COUNTS = "{:,.0f}"
#: A value not computed (a percentage of nobody or of a withheld count).
_NOT_SHOWN = "–"
_RATE = "{:.2f}"


_BREAKDOWN_LABELS = {
    "offence": "Offence",
    "offence_subgroup": "Offence subgroup",
    "crime_type": "Crime type",
    "category": "Category",
    "hate_strand": "Strand",
}


def breakdown_table(profile: Profile, *, top: int | None = None):
    """The breakdown with numerical and % change (styled)."""
    if not profile.available:
        return None
    if profile.breakdown is None:
        return _omitted(profile, "breakdown")
    table = profile.breakdown if top is None else profile.breakdown.head(top)
    label = _BREAKDOWN_LABELS.get(profile.breakdown_by, "Category")
    if len(profile.breakdown) == 1:
        return _line(
            f"Every record is of one {label.lower()}, {_mid_sentence(table['category'].iloc[0])}"
            f", so there is no breakdown to show."
        )
    return _change_table(table, label, profile)


def _change_table(table: pd.DataFrame, first: str, profile: Profile):
    """A :func:`~csp_analysis.indicators.compare_periods` table, styled for the page.

    The % change is blank where the earlier count is under ``wording.SMALL_BASE``.
    """
    now, before = profile.period.label, profile.previous.label
    earlier = _numbers(table["previous"])
    table = table.assign(pct_change=table["pct_change"].where(earlier >= wording.SMALL_BASE))
    shown = table.rename(
        columns={
            "category": first,
            "current": now,
            "previous": before,
            "change": "Change",
            "pct_change": "% change",
            "share_pct": "% of total",
        }
    )
    formats = {
        now: _COUNTS,
        before: _COUNTS,
        "Change": "{:+,.0f}",
        "% change": "{:+.0f}%",
        "% of total": "{:.1f}%",
    }
    shown = shown.assign(**{first: _capitalised(shown[first])})
    return _style(shown[[first, now, before, "Change", "% change", "% of total"]], formats)


def top_wards_intro(profile: Profile) -> Markdown | None:
    """The sentence above the top wards: how many are listed and how many had any record."""
    if not profile.available or profile.wards is None:
        return None
    withheld = _numbers(profile.wards["count"]).isna().any()
    if not profile.claims.get("top_wards", True) or (
        withheld and len(profile.top_wards) < profile.top_n
    ):
        listed = f"The wards with the most {_unit(profile)} among those whose figures are published"
    elif len(profile.top_wards) == profile.top_n:
        listed = f"The {profile.top_n} wards with the most {_unit(profile)}"
    else:
        listed = f"Every ward with any {_unit(profile)}"
    return _prose(
        f"{listed} ({_wards_with_records(profile)} had any), their share of the area "
        f"total, and the rate per 1,000 residents {wording.period_span(profile.period)} with "
        "its likely range."
    )


def top_wards_table(profile: Profile):
    """The top wards with share, cumulative share and rate per 1,000 with its likely range.

    The rate column names its period; for a period shorter or longer than a year, the
    rate per year (annualised) is shown beside it.
    """
    if not profile.available:
        return None
    if profile.wards is None:
        return _omitted(profile, "wards")
    table = profile.top_wards.copy()
    table["Likely range"] = [  # no-break spaces: an interval is never split over two lines
        f"{lo:.2f}\u00a0to\u00a0{hi:.2f}" if np.isfinite(lo) else "–"
        for lo, hi in zip(table["rate_lower"], table["rate_upper"], strict=True)
    ]
    rate, per_year = wording.rate_heading(profile.period), wording.rate_heading(None)
    columns = ["Rank", "Ward", "Count", "% of area", "Cumulative %", rate, "Likely range"]
    if rate != per_year:  # a year's rate is its rate per year: shown once
        table = table.rename(columns={"rate_per_1000_per_year": per_year})
        columns.append(per_year)
    if profile.harm is not None:  # harm beside volume (blank where the count is withheld)
        harm = pd.to_numeric(profile.harm.set_index("ward_code")["harm"], errors="coerce")
        table["Harm"] = table["ward_code"].map(harm)
        columns.append("Harm")
    shown = table.rename(
        columns={
            "rank": "Rank",
            "ward_name": "Ward",
            "count": "Count",
            "share_pct": "% of area",
            "cumulative_share_pct": "Cumulative %",
            "rate_per_1000": rate,
        }
    )[columns]
    styled = _style(
        shown,
        {
            "Count": _COUNTS,
            "% of area": "{:.1f}%",
            "Cumulative %": "{:.1f}%",
            rate: _RATE,
            per_year: _RATE,
            "Harm": _COUNTS,
        },
        numbers=("Likely range",),
    )
    captions = []
    if not profile.claims.get("top_wards", True):  # the heading would say more than is true
        captions.append(
            "Wards whose figures are published; a ward whose figure is withheld may have more."
        )
    if "Harm" in shown and shown["Harm"].isna().any():
        captions.append(HARM_NOT_SHOWN)
    return styled.set_caption(" ".join(captions)) if captions else styled


#: Why a ward of the top wards table shows no harm (see publication._protected_harm).
HARM_NOT_SHOWN = (
    "Harm shows – where a number for the ward is withheld, in this profile or another: "
    "its harm would help work that number out."
)


def data_quality_table(profile: Profile):
    """Where every record went: read, excluded with reasons, included."""
    if profile.data_quality is None:
        return None
    table = profile.data_quality.loc[profile.data_quality["outcome"] != "note"]
    shown = table.rename(
        columns={
            "step": "Step",
            "description": "Records",
            "records": "Number",
            "outcome": "Outcome",
        }
    )
    return _style(shown[["Step", "Records", "Number", "Outcome"]], {"Number": _COUNTS})


def location_table(profile: Profile):
    """How the included records were placed in wards, and data flags, in each period."""
    if profile.data_quality is None:
        return None
    quality = profile.data_quality
    table = quality.loc[(quality["outcome"] == "note") & quality["records"].notna()]
    if table.empty:
        return _omitted(profile, "data_quality")
    shown = table.assign(
        period=table["period"].map(
            {"current": profile.period.label, "previous": profile.previous.label}
        )
    ).rename(columns={"description": "Included records", "period": "Period", "records": "Number"})
    return _style(shown[["Included records", "Period", "Number"]], {"Number": _COUNTS})


#: The people tables in the order a board reads them, with their headings.
_ROLE_HEADINGS = {
    "victim": "Victims",
    "suspect": "Suspects",
    "suspect and victim": "People who were both suspect and victim",
}


def people_table(profile: Profile) -> HTML | Markdown | None:
    """Who is involved: a small table per role (age, female, male, % female, people).

    Each age band shows the people whose sex is recorded; the people whose sex is not
    recorded are one row of their role, whatever their age. A legend under the tables says
    what a withheld cell and a dash mean.
    """
    if not profile.available or profile.people is None:
        return _omitted(profile, "people")
    people = profile.people
    tables, empty = [], []
    for role, heading in _ROLE_HEADINGS.items():
        rows = people.loc[people["role_group"] == role]
        total = rows.loc[rows["age_band"] == "Total", "people"]
        if total.empty:  # left out of the board version (said below)
            continue
        if _published(total.iloc[0]) and total.iloc[0] == 0:
            empty.append(heading[:1].lower() + heading[1:])
            continue
        shown = rows.loc[_numbers(rows["people"]).ne(0) | rows["age_band"].eq("Total")]
        unrecorded = shown["age_band"].eq(indicators.SEX_NOT_RECORDED).to_numpy()
        table = pd.DataFrame(
            {
                "Age": shown["age_band"].replace(
                    indicators.SEX_NOT_RECORDED, "Sex not recorded, any age"
                ),
                "Female": shown["female"].astype(object).where(~unrecorded, ""),
                "Male": shown["male"].astype(object).where(~unrecorded, ""),
                "% female": shown["female_pct"].astype(object).where(~unrecorded, ""),
                "People": shown["people"],
            }
        )
        formats = {"Female": _COUNTS, "Male": _COUNTS, "% female": "{:.0f}%", "People": _COUNTS}
        styled = _style(table, formats).set_caption(heading)
        tables.append(styled.set_table_styles(_COMPACT, overwrite=False).to_html())
    if not tables and not empty:
        return _omitted(profile, "people")
    notes = [why for table, why in profile.omitted.items() if table.startswith("people:")]
    if empty:
        notes.append(f"No {' or '.join(empty)} are recorded for these crimes.")
    item = "flex: 0 1 auto; break-inside: avoid;"  # a role's table prints whole
    block = "".join(f'<div style="{item}">{t}</div>' for t in tables)
    return HTML(
        f'<div style="display: flex; flex-wrap: wrap; gap: 0 1.5rem;">{block}</div>'
        + _legend(profile, tables)
        + "".join(f"<p><em>{html.escape(note)}</em></p>" for note in notes)
    )


#: A small table: a bold caption, narrow cells, row labels that wrap short.
_COMPACT = [
    {"selector": "caption", "props": "text-align: left; font-weight: bold;"},
    {"selector": "th, td", "props": "padding: 0.25em 0.5em;"},
    {"selector": "td:first-child", "props": "max-width: 8em;"},
]


def _legend(profile: Profile, tables: list[str]) -> str:
    """The line under a table saying what its withheld cells and dashes mean (those shown)."""
    shown = "".join(tables)
    small = html.escape(wording.withheld_label(profile.threshold))
    parts = [
        (small, f"{small}: 1 to {profile.threshold} people, withheld"),
        (
            SECONDARY_LABEL,
            f"{SECONDARY_LABEL}: withheld so that another number cannot be worked out",
        ),
        (
            _NOT_SHOWN,
            f"{_NOT_SHOWN}: none to show (a percentage of nobody or of a withheld number)",
        ),
    ]
    used = [text for mark, text in parts if f">{mark}</td>" in shown]
    if not used:
        return ""
    return f'<p class="table-legend" style="font-size: 0.9em;">{"; ".join(used)}. 0: none.</p>'


def ethnicity_table(profile: Profile) -> HTML | None:
    """People by self-defined ethnicity and role, with the legend (not stated: see below).

    Ethnicities whose published total is under ``wording.SMALL_BASE`` (or the threshold
    + 1, if higher), or a small-count label ("<5"), are named in one line under the table
    instead of filling it with withheld cells, and none is a row of 0. A total withheld as
    "[c]" stays in the table: the line would tell a reader more about it than the pack's
    disclosure control allowed for.
    """
    if not profile.available or profile.ethnicity is None:
        return None
    table = profile.ethnicity.loc[profile.ethnicity["stated"]].drop(columns="stated")
    total = _numbers(table["total"])
    label = table["total"].map(lambda value: isinstance(value, str) and value.startswith("<"))
    below = max(wording.SMALL_BASE, profile.threshold + 1)
    small = label | total.lt(below)
    few = table.loc[small & (label | total.gt(0)), "ethnicity"]
    table = table.loc[~small]
    shown = table.rename(
        columns={
            "ethnicity": "Ethnicity (self-defined)",
            "total": "Total",
            "share_pct": "% of stated",
            **{r: r.capitalize() for r in indicators.ROLE_GROUPS},
        }
    )
    formats = {
        c: _COUNTS for c in shown.columns if c not in ("Ethnicity (self-defined)", "% of stated")
    }
    formats["% of stated"] = "{:.1f}%"
    table = _style(shown, formats).to_html() if len(shown) else ""
    listed = "; ".join(html.escape(name) for name in few)
    also = f"<p>Also stated, each by fewer than {below} people: {listed}.</p>" if listed else ""
    return HTML(table + also + (_legend(profile, [table]) if table else ""))


def ethnicity_not_stated(profile: Profile) -> Markdown | None:
    """How many people had no ethnicity stated (and so are excluded from the table)."""
    if not profile.available or profile.ethnicity is None:
        return None
    row = profile.ethnicity.loc[~profile.ethnicity["stated"]].iloc[0]
    share = "Some" if pd.isna(row["share_pct"]) else f"{row['share_pct']:.0f}%"
    if _published(row["total"]) and row["total"] == 0:
        return _prose("Every person's ethnicity is stated.")
    return _prose(
        f"{share} of people ({_n(row['total'])}) had no "
        "ethnicity stated and are excluded from the table above. Ethnicity is "
        "under-recorded in police data and may not reflect the true picture."
    )


def repeat_victims_text(profile: Profile) -> Markdown | None:
    """Repeat victims: people who are the victim of more than one of the crimes."""
    if not profile.available:
        return None
    if profile.repeat_victims is None:
        return _omitted(profile, "repeat_victims")
    row = profile.repeat_victims.iloc[0]
    victims, repeat = row["victims"], row["repeat_victims"]
    when = profile.period.describe()
    if _published(victims) and victims == 0:
        return _prose("No victims are recorded for these crimes.")
    if not _published(repeat):
        return _prose(
            f"{_n(repeat).capitalize()} of {_n(victims)} victims were the victim of more "
            f"than one of these crimes in {when}."
        )
    share = f" ({row['repeat_pct']:.0f}%)" if pd.notna(row["repeat_pct"]) else ""
    return _prose(
        f"{_n(repeat)} of {_n(victims)} victims{share} were the victim of more than one of "
        f"these crimes in {when}, together {_n(row['crimes_of_repeat'])} crimes."
    )


def attribute_table(profile: Profile, column: str):
    """A further breakdown the theme defines (weapon, alcohol, town), with change."""
    if not profile.available or column not in profile.attributes:
        return None
    title = profile.theme.attributes.get(column, column.replace("_", " ").capitalize())
    table = profile.attributes[column]
    if table is None:
        omitted = _omitted(profile, f"attributes:{column}")
        return omitted or _prose(f"{title}: not recorded in this data.", markup="_{}_")
    return _change_table(table, title, profile)


def top_wards_by_category(profile: Profile):
    """The top wards within each category (anti-social behaviour)."""
    by = profile.theme.top_wards_by
    if not profile.available or by is None:
        return None
    if profile.wards_by is None:
        words = by.replace("_", " ")
        return _line(f"These records have no {words}, so there are no top wards by {words}.")
    left_out = [why for table, why in profile.omitted.items() if table.startswith("wards_by:")]
    if profile.wards_by.empty:
        return _prose(" ".join(left_out), markup="_{}_") if left_out else None
    shown = profile.wards_by.rename(
        columns={
            by: "Category",
            "rank": "Rank",
            "ward_name": "Ward",
            "count": "Count",
            "share_pct": "% of category",
        }
    )
    shown = shown.assign(Category=_capitalised(shown["Category"]))
    return _style(
        shown[["Category", "Rank", "Ward", "Count", "% of category"]],
        {"Count": _COUNTS, "% of category": "{:.1f}%"},
    )


# ---------------------------------------------------------------------------- charts


#: Months with data in each of the two years the trend chart compares, at least.
_TREND_MONTHS = 6


def trend_chart(profile: Profile):
    """The 12-month trends of this year and last; one line when a year has too few months."""
    if not profile.available:
        return None
    counts = profile.monthly.sort_values("month")["count"].iloc[-24:]
    years = [int(counts.iloc[:12].notna().sum()), int(counts.iloc[12:].notna().sum())]
    if min(years) < _TREND_MONTHS:
        return _line(
            f"The data has {years[1]} of the last 12 months and {years[0]} of the 12 before, "
            f"too few to draw the monthly trend (it needs {_TREND_MONTHS} in each)."
        )
    return charts.plot_trend(
        profile.monthly,
        title=f"{profile.theme.title}: monthly {_unit(profile)}, {profile.area_name}",
        unit=_unit(profile),
    )


def spc_chart(profile: Profile):
    """The XmR (SPC) chart of the monthly series; one line when there are too few months."""
    if not profile.available:
        return None
    if profile.latest_variation() == "none":
        return _line(
            f"There are too few months of data in a row ({len(profile.spc)}) to work out the "
            f"usual range (at least {charts.SPC_MIN_POINTS} are needed)."
        )
    higher_is = {"lower_is_better": "worse", "higher_is_better": "better", "neutral": "neither"}
    return charts.plot_spc(
        profile.spc,
        title=f"{profile.theme.title}: monthly {_unit(profile)} and their usual range, "
        f"{profile.area_name}",
        unit=_unit(profile),
        higher_is=higher_is[profile.theme.polarity],
    )


def spc_points(profile: Profile):
    """The months the SPC chart flags, consecutive months with the same rules together.

    ``None`` when no month is flagged (the chart says so beneath it).
    """
    if not profile.available:
        return None
    points = profile.spc.assign(month=pd.PeriodIndex(profile.spc["label"], freq="M"))
    flagged = points.loc[points["special_cause"]]
    if flagged.empty:
        return None  # the chart's note and the key findings already say so
    rules = flagged["rule"].str.split("; ")
    key = flagged["direction"] + "|" + rules.map(lambda r: "; ".join(sorted(r)))
    position = pd.Series(flagged.index, index=flagged.index)  # rows are consecutive months
    new_run = (key != key.shift()) | (position.diff() != 1)
    rows = []
    for _, run in flagged.groupby(new_run.cumsum()):
        first, last = run["month"].iloc[0], run["month"].iloc[-1]
        months = (
            first.strftime("%b %Y")
            if first == last
            else f"{first.strftime('%b %Y')} to {last.strftime('%b %Y')}"
        )
        meaning = "Higher" if run["direction"].iloc[0] == "high" else "Lower"
        low, high = run["value"].min(), run["value"].max()
        count = f"{low:,.0f}" if low == high else f"{low:,.0f}\u00a0to\u00a0{high:,.0f}"  # one line
        rows.append(
            {
                "Months": months,
                "Count": count,
                "What": f"{meaning} than usual",
                "Why": wording.rules(run["rule"].iloc[0]).capitalize(),
            }
        )
    return _style(pd.DataFrame(rows), {}, numbers=("Count",))


def breakdown_chart(profile: Profile, *, top: int = 10):
    """The largest categories, this period against the previous (withheld counts left out)."""
    if not profile.available or profile.breakdown is None or len(profile.breakdown) < 2:
        return None  # one category: the table's line says so
    table = profile.breakdown.assign(
        current=_numbers(profile.breakdown["current"]),
        previous=_numbers(profile.breakdown["previous"]),
    )
    table = table.dropna(subset=["current", "previous"])
    table = table.loc[(table["current"] > 0) | (table["previous"] > 0)]  # not a chart of 0s
    if table.empty:
        return None
    return charts.plot_breakdown(
        table,
        title=f"{profile.theme.title} by "
        f"{profile.breakdown_by.replace('_', ' ')}, "
        f"{profile.area_name}",
        current_label=profile.period.label,
        previous_label=profile.previous.label,
        top=top,
        unit=_unit(profile),
    )


def ward_map(profile: Profile, *, column: str = "count"):
    """A ward choropleth of the count or of the rate per 1,000 residents.

    The legend tells withheld wards (fewer than the threshold, or withheld to protect
    another ward) from wards with no records and, for rates, wards with no population.
    """
    if not profile.available or profile.wards is None:
        return None
    wards = profile.ward_shapes.merge(profile.wards, on="ward_code", how="left")
    withheld = wards["count"].map(lambda value: isinstance(value, str))  # "<5" or "[c]"
    wards[column] = _numbers(wards[column])
    wards["missing_reason"] = np.where(
        withheld,
        f"Withheld (fewer than {profile.threshold + 1} or to protect another ward)",
        "No population" if column != "count" else "No data",
    )
    if column == "count":
        title, legend = f"{profile.theme.title}: {_unit(profile)} by ward", "Count"
    else:
        title, legend = (
            f"{profile.theme.title}: rate per 1,000 residents "
            f"{wording.period_span(profile.period)} by ward",
            wording.rate_heading(profile.period),
        )
    return charts.map_wards(
        wards,
        column=column,
        title=f"{title}, {profile.period.describe()}",
        legend_title=legend,
        towns=profile.towns or None,
    )


# ---------------------------------------------------------------------------- assessment


def load_assessment(
    *,
    area: str,
    period: str,
    config: str | Path | None = None,
    data_dir: str | Path | None = None,
    restricted: bool = False,
    prepared: str | Path | None = None,
) -> Assessment:
    """Load the data and make the area's strategic assessment (see :func:`load_profile`).

    ``prepared`` names the file of the area's profiles that ``csp run`` made, which holds
    the assessment too.
    """
    if prepared:
        assessment = read_prepared(prepared)[ASSESSMENT_FOLDER]
    else:
        settings = load_settings(resolve(config), data_dir=resolve(data_dir))
        assessment = publish_area(
            settings, area=area, period=period, restricted=restricted
        ).assessment
    if isinstance(assessment, Exception):
        raise assessment
    return assessment


def save_assessment_tables(assessment: Assessment, output_dir: str | Path | None) -> None:
    """Write the assessment's CSV tables under ``output_dir/strategic_assessment/``."""
    folder = resolve(output_dir)
    if folder is not None:
        write_assessment_tables(assessment, folder)


def _priority_rows(assessment: Assessment) -> pd.DataFrame:
    table = assessment.priorities
    return table if table is not None else pd.DataFrame()


def assessment_findings(assessment: Assessment) -> Markdown:
    """What the assessment means for priorities, in a few plain sentences."""
    a = assessment
    sentences = [
        f"This assessment covers {a.period.describe()}. Change, trend and the latest month "
        f"come from {a.pack_period.describe()}, as on the theme pages."
    ]
    table = _priority_rows(a)
    if not table.empty:
        flagged = table.loc[table["signals"] > 0].sort_values("signals", ascending=False)
        for row in flagged.itertuples():
            sentences.append(f"{row.title}: worth considering as a priority ({row.reasons}).")
        if flagged.empty:
            sentences.append(
                "No theme stands out: none does a large share of harm, rises beyond chance "
                "or is higher than similar areas."
            )
    if a.categories is not None and len(a.categories):
        top = a.categories.iloc[0]
        if pd.notna(top["share_of_harm_pct"]):
            sentences.append(
                f"{top['category']} does the most harm: {top['share_of_harm_pct']:.0f}% of all "
                f"harm from {top['share_of_crime_pct']:.0f}% of crimes."
            )
    if a.harm is not None:
        ranked = a.harm.loc[pd.to_numeric(a.harm["harm"], errors="coerce").notna()]
        ranked = ranked.sort_values("rank")
        if len(ranked):
            names = ", ".join(ranked["ward_name"].head(3))
            sentences.append(f"The wards with the most harm are {names}.")
    hot = _hot_wards(a)
    if hot is not None and hot.empty:
        sentences.append(
            "No ward is a hot spot of crime once chance across all wards is allowed for."
        )
    elif hot is not None:
        names = ", ".join(hot["ward_name"].head(5)) + (" and others" if len(hot) > 5 else "")
        sentences.append(
            f"{len(hot)} ward{'s are hot spots' if len(hot) != 1 else ' is a hot spot'} of "
            f"crime: {names}."
        )
    return _prose(*sentences, markup="- {}")


def _hot_wards(a: Assessment) -> pd.DataFrame | None:
    if a.hotspots is None:
        return None
    return a.hotspots.loc[a.hotspots["hotspot"] == "hot spot"]


def _variation_icon(key: str) -> str:
    """The NHS "Making Data Count" icon of a ``wording.VARIATION`` key, with its words.

    Made only from the fixed texts of ``wording.VARIATION`` (never from data), as HTML.
    """
    letter, words, kind = wording.VARIATION.get(key, wording.VARIATION["none"])
    return f'<span class="icon {kind}" aria-hidden="true">{letter}</span>{words}'


def priorities_table(assessment: Assessment):
    """The priorities matrix: every theme's volume, change, harm, trend and peers, in words."""
    table = _priority_rows(assessment)
    if table.empty:
        return _line("No theme could be assessed for this year.")
    shown = pd.DataFrame(
        {
            "Theme": table["title"],
            "Number in the year": table["count"],
            "Rate per 1,000 a year": table["rate_per_1000_per_year"],
            "Share of harm (%)": table.get("harm_share_pct"),
            "Latest quarter against a year earlier": table["verdict"],
            "Trend": table["trend"],
            "Latest month": table["variation"],
            "Against similar areas": table.get("peers_band", pd.Series(dtype=object)).map(
                wording.peer_band
            ),
            "Why it may be a priority": table["reasons"].replace("", "–"),
        }
    )
    return _style(
        shown,
        {
            "Number in the year": _COUNTS,
            "Rate per 1,000 a year": "{:.1f}",
            "Share of harm (%)": "{:.0f}",
        },
    ).format(_variation_icon, subset=["Latest month"])


def harm_quadrant(assessment: Assessment):
    """Types of crime: how many against how harmful each is, as a quadrant chart."""
    table = assessment.categories
    if table is None or table["harm"].sum() == 0:
        return _line("No crime has a severity weight, so harm cannot be shown.")
    return charts.plot_quadrant(
        table.loc[table["mean_severity"].notna()],
        label="category",
        x="count",
        y="mean_severity",
        title=f"Types of crime: how many and how harmful, {assessment.period.describe()}",
        x_label="Crimes in the year",
        y_label="Average harm per crime (days of prison sentence)",
    )


def harm_categories_table(assessment: Assessment):
    """Crimes and harm by type of crime."""
    table = assessment.categories
    if table is None:
        return None
    shown = table.rename(
        columns={
            "category": "Type of crime",
            "count": "Crimes",
            "harm": "Harm",
            "mean_severity": "Average harm per crime",
            "share_of_crime_pct": "Share of crimes (%)",
            "share_of_harm_pct": "Share of harm (%)",
        }
    ).drop(columns=["weighted"], errors="ignore")
    return _style(
        shown,
        {
            "Crimes": _COUNTS,
            "Harm": _COUNTS,
            "Average harm per crime": "{:,.1f}",
            "Share of crimes (%)": "{:.1f}",
            "Share of harm (%)": "{:.1f}",
        },
    )


def localities_table(assessment: Assessment):
    """The high-harm localities: harm over up to three years, persistence, deprivation."""
    table = assessment.localities
    if table is None or table.empty:
        return _line("No ward has published harm figures.")
    table = table.loc[pd.to_numeric(table["harm"], errors="coerce").notna()]
    years = int(table["years"].max()) if len(table) else 0
    columns = {
        "ward_name": "Ward",
        "count": "Crimes" if years == 1 else f"Crimes in {years} years",
        "harm": "Harm" if years == 1 else f"Harm in {years} years",
        "harm_rank": "Rank by harm",
        "years_in_top": f"Years in the top {LOCALITY_TOP}",
        "deprivation_rank": "Rank by deprivation",
        "priority_rank": "Harm and deprivation together",
    }
    shown = table[[c for c in columns if c in table]].rename(columns=columns)
    return _style(shown, {columns["count"]: _COUNTS, columns["harm"]: _COUNTS})


#: What the board version's year tables round, in words.
ROUNDED_CAPTION = (
    "Crimes are rounded to the nearest {to} and harm to 2 significant figures; wards of "
    "fewer than {to} crimes are listed without figures."
)


def towns_table(assessment: Assessment):
    """Towns ranked by harm, pooled over up to three years, with persistence."""
    table = assessment.towns_harm
    if table is None or table.empty:
        return None
    years = int(table["years"].max())
    columns = {
        "town": "Town",
        "count": "Crimes" if years == 1 else f"Crimes in {years} years",
        "harm": "Harm" if years == 1 else f"Harm in {years} years",
        "harm_rank": "Rank by harm",
        "years_in_top": f"Years in the top {LOCALITY_TOP}",
    }
    shown = table[list(columns)].rename(columns=columns)
    return _style(shown, {columns["count"]: _COUNTS, columns["harm"]: _COUNTS})


def harm_table(assessment: Assessment, *, top: int = 10):
    """The wards with most harm, with crimes beside harm and the rank's likely range."""
    table = assessment.harm
    if table is None:
        return None
    table = table.loc[pd.to_numeric(table["harm"], errors="coerce").notna()].head(top)
    shown = pd.DataFrame(
        {
            "Ward": table["ward_name"],
            "Crimes": table["count"],
            "Harm": table["harm"],
            "Harm per 1,000 residents": table["harm_per_1000"],
            "Rank by harm": [
                wording.rank_range(int(r), int(lo), int(hi))
                for r, lo, hi in zip(
                    table["rank"], table["rank_lower"], table["rank_upper"], strict=True
                )
            ],
        }
    )
    styled = _style(
        shown, {"Crimes": _COUNTS, "Harm": _COUNTS, "Harm per 1,000 residents": "{:,.0f}"}
    )
    if not assessment.restricted:
        styled = styled.set_caption(ROUNDED_CAPTION.format(to=ROUND_TO))
    return styled


def harm_map(assessment: Assessment):
    """A ward map of harm per 1,000 residents over the year."""
    if assessment.harm is None or assessment.ward_shapes is None:
        return None
    wards = assessment.ward_shapes.merge(
        assessment.harm.drop(columns="ward_name"), on="ward_code", how="left"
    )
    withheld = wards["count"].map(lambda value: isinstance(value, str))
    wards["harm_per_1000"] = _numbers(wards["harm_per_1000"])
    wards["missing_reason"] = np.where(
        withheld, f"Withheld (fewer than {ROUND_TO} crimes in the year)", "No population"
    )
    return charts.map_wards(
        wards,
        column="harm_per_1000",
        title=f"Harm per 1,000 residents by ward, {assessment.period.describe()}",
        legend_title="Harm per 1,000 residents (days of prison sentence)",
        towns=assessment.towns or None,
    )


def concentration_text(assessment: Assessment) -> Markdown | None:
    """How concentrated crime and harm are, in words."""
    table = assessment.concentration
    if table is None:
        return None
    values = table.set_index(["of", "measure"])["value"]
    places = len(assessment.harm) if assessment.harm is not None else 0
    sentences = []
    if ("crime", "top_10pct_share") in values:
        sentences.append(
            wording.top_share(100 * values[("crime", "top_10pct_share")], 0.10, places, of="crime")
        )
    if ("harm", "top_10pct_share") in values:
        share = 100 * values[("harm", "top_10pct_share")]
        sentences.append(f"The 10% of wards with the most harm hold {share:.0f}% of harm.")
    if ("crime", "gini") in values:
        sentences.append(
            f"The Gini coefficient of crime across wards is {values[('crime', 'gini')]:.2f} "
            "(0 if every ward had the same, 1 if one ward had it all)."
        )
    return _prose(*sentences)


def lorenz_chart(assessment: Assessment):
    """Lorenz curves of crime and harm across the wards."""
    if assessment.lorenz is None:
        return None
    return charts.plot_lorenz(
        assessment.lorenz,
        title=f"How concentrated crime and harm are across wards, {assessment.period.describe()}",
    )


def hotspot_map(assessment: Assessment):
    """A ward map of hot and cold spots (Gi*, false discovery rate controlled)."""
    if assessment.hotspots is None or assessment.ward_shapes is None:
        return None
    wards = assessment.ward_shapes.merge(
        assessment.hotspots.drop(columns="ward_name"), on="ward_code", how="left"
    )
    wards["hotspot"] = _capitalised(wards["hotspot"].replace("not tested", pd.NA))
    return charts.map_categories(
        wards,
        column="hotspot",
        title=f"Hot and cold spots of crime by ward, {assessment.period.describe()}",
        legend_title="Wards",
        order=list(charts.HOTSPOT_COLOURS),
        colours=charts.HOTSPOT_COLOURS,
        hatches=charts.HOTSPOT_HATCHES,
        missing_label="Not tested (no neighbour within the distance)",
        towns=assessment.towns or None,
    )


def hotspots_table(assessment: Assessment):
    """The hot-spot wards with their pattern over the quarters."""
    hot = _hot_wards(assessment)
    if hot is None:
        return None
    if hot.empty:
        return _line("No ward is a hot spot once chance across all wards is allowed for.")
    columns = {"ward_name": "Ward", "hotspot": "Hot spot", "pattern": "Pattern over the quarters"}
    shown = hot[[c for c in columns if c in hot]].rename(columns=columns)
    for column in ("Hot spot", "Pattern over the quarters"):
        if column in shown:
            shown[column] = _capitalised(shown[column])
    return _style(shown, {})


def grid_hotspots_text(assessment: Assessment) -> Markdown | None:
    """Hot spots below ward level: how many grid squares, and the wards that hold most."""
    grid = assessment.grid_hotspots
    if grid is None:
        return None
    hot = grid.loc[grid["hotspot"] == "hot spot"]
    size = f"{GRID_CELL:,} m"
    if hot.empty:
        return _prose(f"No {size} square of the area is a hot spot of crime.")
    wards = hot["ward_name"].dropna().value_counts()
    named = ", ".join(f"{name} ({n})" for name, n in wards.head(5).items())
    return _prose(
        f"Below ward level, {len(hot):,} of the area's {len(grid):,} squares of {size} by "
        f"{size} are hot spots of crime. The wards with most of them: {named}."
    )


def _peer_rows(assessment: Assessment, theme: str, comparison: str = "data") -> pd.DataFrame | None:
    if assessment.peers is None:
        return None
    peers = assessment.peers
    rows = peers.loc[(peers["theme"] == theme) & (peers["comparison"] == comparison)]
    return rows if len(rows) else None


def peer_themes(assessment: Assessment) -> list[str]:
    """The themes compared with peers, in the order of the priorities matrix."""
    if assessment.peers is None:
        return []
    return list(dict.fromkeys(assessment.peers["theme"]))


def peers_table(assessment: Assessment, theme: str = "overview", comparison: str = "data"):
    """One theme's rate in every area compared, with the ratio to the other areas.

    ``comparison`` "benchmark": the areas of the Home Office recorded crime tables.
    """
    rows = _peer_rows(assessment, theme, comparison)
    if rows is None:
        return None
    shown = pd.DataFrame(
        {
            "Area": rows["area_name"],
            "Number": rows["count"],
            "Residents": rows["population"],
            "Rate per 1,000 a year": rows["rate_per_1000"],
            "Likely range": [
                "–" if pd.isna(lo) else f"{lo:.1f}\u00a0to\u00a0{hi:.1f}"  # one line
                for lo, hi in zip(rows["rate_lower"], rows["rate_upper"], strict=True)
            ],
            "Against the other areas": rows["funnel_band"].map(wording.peer_band),
        }
    )
    styled = _style(
        shown,
        {"Number": _COUNTS, "Residents": _COUNTS, "Rate per 1,000 a year": "{:.1f}"},
        numbers=("Likely range",),
    )
    if comparison == "benchmark":
        styled = styled.set_caption(
            "Against every Community Safety Partnership in the Home Office police recorded "
            "crime tables the deployment supplied (their counts, for the area too)."
        )
    return styled


def funnel_chart(assessment: Assessment, theme: str = "overview"):
    """The funnel plot of one theme's rates against the areas' populations."""
    rows = _peer_rows(assessment, theme)
    if rows is None or theme not in assessment.funnels:
        return None
    priorities = _priority_rows(assessment)
    titles = dict(zip(priorities.get("theme", []), priorities.get("title", []), strict=True))
    title = titles.get(theme, theme)
    return charts.plot_funnel(
        rows,
        assessment.funnels[theme],
        title=f"{title}: rate per 1,000 residents a year against the number of residents, "
        f"{assessment.period.describe()}",
    )


def peers_summary(assessment: Assessment):
    """Every theme's rate against the other areas, in words.

    Crime rates of whole areas differ by more than chance alone, so the verdict allows
    for the usual spread between areas when they do (the caption says so); the rate
    ratio's exact interval, which does not, stays in ``peers.csv``.
    """
    table = _priority_rows(assessment)
    if table.empty or "ratio_to_peers" not in table:
        return _line("There are no other areas in the data to compare with.")
    shown = pd.DataFrame(
        {
            "Theme": table["title"],
            "Rate per 1,000 a year": table["rate_per_1000_per_year"],
            "Times the rate of the other areas": table["ratio_to_peers"],
            "Against similar areas": table["peers_band"].map(wording.peer_band),
        }
    )
    styled = _style(
        shown,
        {"Rate per 1,000 a year": "{:.1f}", "Times the rate of the other areas": "{:.2f}"},
    )
    if any(m.startswith("overdispersion") for m in assessment.funnel_methods.values()):
        styled = styled.set_caption(
            "Areas differ from each other by more than chance alone: a theme is marked higher "
            "or lower only when it is outside the usual spread between areas, not whenever "
            "its rate differs from theirs."
        )
    return styled


def assessment_records(assessment: Assessment):
    """Where every record went: in the area, in another area compared, or neither."""
    table = assessment.data_quality
    if table is None:
        return None
    shown = table.rename(
        columns={"records_of": "Records of", "description": "Where they went", "records": "Number"}
    )
    shown["Records of"] = _capitalised(shown["Records of"])
    return _style(shown, {"Number": _COUNTS})


def assessment_notes(assessment: Assessment) -> Markdown:
    """The notes on the data behind the assessment (weights, years pooled, population)."""
    notes = [assessment.weights_note, *assessment.notes]
    return _prose(*[note for note in notes if note], markup="- {}")


def assessment_how_to_read(assessment: Assessment) -> Markdown:
    """The glossary and the statistics behind the assessment's sentences."""
    a = assessment
    terms = [
        (
            "Harm",
            "adds up the severity of every crime: each offence counts the average number of "
            "days of prison sentence it receives in England and Wales (the ONS Crime Severity "
            "Score weights). " + a.weights_note,
        ),
        (
            "Likely range of harm",
            "a 95% confidence interval, treating the crimes as random (compound Poisson), by "
            "the Dobson method that PHE uses for weighted rates.",
        ),
        (
            "Rank by harm",
            "the ward's place from the most harm (1st). The range is where the rank falls in "
            "95% of 2,000 simulations of the year's crimes: a wide range means the ranking "
            "could easily change next year.",
        ),
        (
            "Gini coefficient",
            "0 when every ward has the same, 1 when one ward has it all. The generalised Gini "
            "(Bernasco and Steenbeek 2017) corrects it when there are fewer crimes than wards.",
        ),
        (
            "Hot spot",
            "local Getis-Ord Gi* on ward counts (each ward with its neighbours within a "
            "distance band), with the Benjamini-Hochberg false discovery rate held at "
            f"{HOTSPOT_Q:.0%} across every ward of every area in the data.",
        ),
        (
            "Similar areas",
            "the other areas in the data. The rate ratio compares the area's rate with the "
            "pooled rate of the others (their crimes over their residents), with an exact 95% "
            "interval. Funnel limits (95% and 99.8%) follow the PHE method.",
        ),
    ]
    methods = [f"{title}: {method}." for title, method in a.funnel_methods.items()]
    glossary = "\n".join(
        f"- **{escape_markdown(term)}**: {escape_markdown(text)}" for term, text in terms
    )
    return Markdown(
        glossary
        + (
            "\n\n**Funnel limits used**:\n\n" + _prose(*methods, markup="- {}").data
            if methods
            else ""
        )
    )
