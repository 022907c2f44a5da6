"""Report: what a profile notebook shows, so that the notebooks stay thin.

Each function takes a :class:`~csp_analysis.profile.Profile` and returns something Jupyter
displays: Markdown prose, a styled table or a figure. When the data cannot support the
theme, :func:`key_findings` says why and every other function returns ``None`` (which a
notebook displays as nothing), so "Run all" never fails on an unavailable theme.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

from csp_analysis import charts, indicators
from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.load import load_dataset
from csp_analysis.profile import Profile, change_phrase
from csp_analysis.publication import area_profiles
from csp_analysis.tables import write_tables

_SIGNIFICANCE = 0.05


def resolve(path: str | Path | None) -> Path | None:
    """A path as given when absolute, else from the project root (not the notebook folder)."""
    if path is None or str(path) == "":
        return None
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


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
        with open(resolve(prepared), "rb") as handle:
            profiles = pickle.load(handle)  # noqa: S301 - written by this run of csp run
    else:
        settings = load_settings(resolve(config), data_dir=resolve(data_dir))
        profiles = area_profiles(
            load_dataset(settings), settings, area=area, period=period, restricted=restricted
        )
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
    """A count for a sentence: a withheld "<5" reads "fewer than 5", "[c]" "a withheld number of".

    >>> _n(1234), _n("<5"), _n("<10")
    ('1,234', 'fewer than 5', 'fewer than 10')
    """
    if isinstance(value, str):
        return f"fewer than {value[1:]}" if value.startswith("<") else "a withheld number of"
    return f"{value:,.0f}"


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


def _unit(profile: Profile, count: int | None = None) -> str:
    singular = "incident" if profile.theme.records == "asb" else "offence"
    return singular if count == 1 else singular + "s"


def significance_phrase(profile: Profile) -> str:
    """Whether the change is statistically significant, with the test's numbers."""
    test = profile.change
    if np.isnan(test.p_value) or test.current + test.previous == 0:
        return "There are no records in either period to test."
    verdict = (
        "is statistically significant"
        if test.p_value < _SIGNIFICANCE
        else ("is not statistically significant")
    )
    ratio = (
        f"rate ratio {test.rate_ratio:.2f}, 95% CI {test.ratio_lower:.2f} to {test.ratio_upper:.2f}"
        if np.isfinite(test.ratio_upper)
        else ""
    )
    p_text = "p<0.001" if test.p_value < 0.001 else f"p={test.p_value:.3f}"
    return f"The change {verdict} (exact Poisson test, {p_text}{'; ' + ratio if ratio else ''})."


def key_findings(profile: Profile) -> Markdown:
    """The headline sentences, written from the numbers, in the seed reports' style."""
    if not profile.available:
        return _prose(profile.reason, markup="**Not available for this data.** {}")
    now, before = profile.change.current, profile.change.previous
    unit = _unit(profile, now)
    lines = [
        f"There were {_n(now)} {unit} in {profile.area_name} in {profile.period.describe()}, "
        f"{change_phrase(now, before)} compared with {profile.previous.describe()}. "
        + significance_phrase(profile)
    ]
    headline = profile.headline.set_index("measure")
    rate = headline.loc["rate_per_1000"]
    if np.isfinite(rate["current"]):
        lines.append(
            f"That is {rate['current']:.2f} {_unit(profile)} per 1,000 residents "
            f"(95% CI {rate['current_lower']:.2f} to {rate['current_upper']:.2f})."
        )
    if "share_of_all_pct" in headline.index:
        share = headline.loc["share_of_all_pct"]
        lines.append(
            f"{profile.theme.title} made up {share['current']:.1f}% of all recorded "
            f"crime (95% CI {share['current_lower']:.1f}% to "
            f"{share['current_upper']:.1f}%), against {share['previous']:.1f}% a year "
            "earlier."
        )
    lines += _breakdown_findings(profile)
    lines += _ward_findings(profile)
    lines.append(trend_phrase(profile))
    return _prose(*(line[:1].upper() + line[1:] for line in lines if line), markup="- {}")


def _breakdown_findings(profile: Profile) -> list[str]:
    lines = []
    if profile.breakdown_by == "hate_strand":
        strands = profile.headline.set_index("measure").loc["strands", "current"]
        lines.append(
            f"The {_n(profile.change.current)} crimes carried {_n(strands)} hate "
            "strands: a crime may have more than one, so strands add up to more "
            "than crimes."
        )
    table = profile.breakdown
    if table is None:
        return lines
    published = table.loc[_numbers(table["current"]).gt(0)]  # not withheld, not zero
    if published.empty:
        return lines
    top = published.iloc[0]
    change = (
        f", {change_phrase(top['current'], top['previous'])} compared with the previous year"
        if _published(top["previous"])
        else ""
    )
    lines.insert(
        0,
        _among(profile, "top_category")
        + f"the greatest volume was {_mid_sentence(top['category'])} "
        f"({top['share_pct']:.0f}%, n={_n(top['current'])}){change}.",
    )
    change = _numbers(table["change"])
    rising = table.assign(change=change).loc[change > 0].sort_values("change", ascending=False)
    if len(rising) and rising.iloc[0]["category"] != top["category"]:
        row = rising.iloc[0]
        lines.insert(
            1,
            _among(profile, "largest_increase")
            + f"{row['category']} had the largest numerical increase: "
            f"{change_phrase(row['current'], row['previous'])}.",
        )
    return lines


def _ward_findings(profile: Profile) -> list[str]:
    wards = profile.wards
    if wards is None:
        return [profile.omitted.get("wards", "")]
    ranked = wards.loc[wards["rank"].notna()]
    if ranked.empty or _numbers(ranked["count"]).iloc[0] == 0:
        return []
    top = ranked.iloc[0]
    rate = (
        f"; {top['rate_per_1000']:.1f} per 1,000 residents"
        if np.isfinite(top["rate_per_1000"])
        else ""
    )
    lines = [
        _among(profile, "top_ward")
        + f"{top['ward_name']} had the most {_unit(profile)} ({top['share_pct']:.0f}%, "
        f"n={_n(top['count'])}{rate})."
    ]
    top_n = indicators.top_wards(wards, n=profile.top_n)
    if profile.claims.get("top_wards", True) and len(top_n) == profile.top_n:
        lines.append(
            f"The {len(top_n)} wards with the most {_unit(profile)} account for "
            f"{_numbers(top_n['share_pct']).sum():.0f}% of the total."
        )
    unknown = wards.loc[wards["ward_name"] == indicators.UNKNOWN_WARD, "count"]
    if len(unknown) and unknown.iloc[0] != 0:
        count = unknown.iloc[0]
        share = (
            f" ({count / profile.change.current * 100:.1f}%)" if not isinstance(count, str) else ""
        )
        lines.append(
            f"{_n(count).capitalize()} {_unit(profile)}{share} could not be placed in a ward; "
            "they count "
            "in the area total only."
        )
    return lines


def trend_phrase(profile: Profile) -> str:
    """The Mann-Kendall trend and SPC special causes of the monthly series, in words."""
    trend, points = profile.trend, profile.spc
    if trend.trend == "insufficient data":
        return (
            f"There are too few consecutive months of data to test for a trend ({trend.n} months)."
        )
    last = pd.Period(points["label"].iloc[-1], freq="M").strftime("%B %Y")
    months = f"the {trend.n} months to {last}"
    if trend.p_value < _SIGNIFICANCE:
        text = (
            f"Over {months} the monthly series shows a significant {trend.trend} trend "
            f"(Mann-Kendall p={trend.p_value:.3f}; Sen's slope {trend.sen_slope:+.1f} "
            f"{_unit(profile)} a month)."
        )
    else:
        text = f"Over {months} there is no significant trend (Mann-Kendall p={trend.p_value:.2f})."
    flagged = points.loc[points["special_cause"]]
    if flagged.empty:
        return text + " No month shows special-cause variation on the SPC chart."
    return text + (
        f" {len(flagged)} month{'s' if len(flagged) > 1 else ''} show"
        f"{'' if len(flagged) > 1 else 's'} special-cause variation (see the SPC "
        "chart)."
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


def _style(table: pd.DataFrame, formats: dict[str, str]):
    present = {c: _passing_text(f) for c, f in formats.items() if c in table.columns}
    text = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
    return (
        table.style.format(present, na_rep="–", escape="html")  # cells from data: text only
        .format_index(escape="html", axis=1)
        .hide(axis="index")
        .set_properties(subset=text, **{"text-align": "left"})
        .set_table_styles([{"selector": "th", "props": "text-align: left;"}])
    )


_COUNTS = "{:,.0f}"
_RATE = "{:.2f}"


def breakdown_table(profile: Profile, *, top: int | None = None):
    """The breakdown with numerical and % change (styled)."""
    if not profile.available:
        return None
    if profile.breakdown is None:
        return _omitted(profile, "breakdown")
    table = profile.breakdown if top is None else profile.breakdown.head(top)
    label = {
        "offence": "Offence",
        "offence_subgroup": "Offence subgroup",
        "crime_type": "Crime type",
        "category": "Category",
        "hate_strand": "Strand",
    }
    return _change_table(table, label.get(profile.breakdown_by, "Category"), profile)


def _change_table(table: pd.DataFrame, first: str, profile: Profile):
    """A :func:`~csp_analysis.indicators.compare_periods` table, styled for the page."""
    now, before = profile.period.label, profile.previous.label
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


def top_wards_table(profile: Profile):
    """The top wards with share, cumulative share and rate per 1,000 with 95% CI."""
    if not profile.available:
        return None
    if profile.wards is None:
        return _omitted(profile, "wards")
    table = profile.top_wards.copy()
    table["95% CI"] = [
        f"{lo:.2f} to {hi:.2f}" if np.isfinite(lo) else "–"
        for lo, hi in zip(table["rate_lower"], table["rate_upper"], strict=True)
    ]
    shown = table.rename(
        columns={
            "rank": "Rank",
            "ward_name": "Ward",
            "count": "Count",
            "share_pct": "% of area",
            "cumulative_share_pct": "Cumulative %",
            "rate_per_1000": "Rate per 1,000",
        }
    )
    shown = shown[
        ["Rank", "Ward", "Count", "% of area", "Cumulative %", "Rate per 1,000", "95% CI"]
    ]
    styled = _style(
        shown,
        {
            "Count": _COUNTS,
            "% of area": "{:.1f}%",
            "Cumulative %": "{:.1f}%",
            "Rate per 1,000": _RATE,
        },
    )
    if not profile.claims.get("top_wards", True):  # the heading would say more than is true
        styled = styled.set_caption(
            "Wards whose figures are published; a ward whose figure is withheld may have more."
        )
    return styled


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


def people_table(profile: Profile):
    """People by role (suspect and victim, suspect, victim), age band and sex, as % by sex."""
    if not profile.available or profile.people is None:
        return None
    people = profile.people
    roles = [r for r in indicators.ROLE_GROUPS if r in set(people["role_group"])]
    if not roles:
        return None
    table = people.loc[_numbers(people["total"]).fillna(1).gt(0) | people["age_band"].eq("Total")]
    wide = table.pivot_table(
        index="age_band",
        columns="role_group",
        values=["female_pct", "male_pct"],
        sort=False,
        dropna=False,
    )
    wide = wide.swaplevel(axis=1).reindex(
        columns=pd.MultiIndex.from_product([roles, ["female_pct", "male_pct"]])
    )
    wide.columns = [
        f"{role.capitalize()}: {'female' if sex == 'female_pct' else 'male'}"
        for role, sex in wide.columns
    ]
    counts = table.set_index(["age_band", "role_group"])["total"].unstack("role_group")
    for role in roles:
        wide[f"{role.capitalize()}: people"] = counts.get(role)
    order = [b for b in [*indicators.AGE_BANDS, "Unknown", "Total"] if b in wide.index]
    wide = wide.reindex(order).reset_index().rename(columns={"age_band": "Age"})
    formats = {c: "{:.0f}%" for c in wide.columns if c.endswith(("female", "male"))}
    formats.update({c: _COUNTS for c in wide.columns if c.endswith("people")})
    return _style(wide, formats)


def ethnicity_table(profile: Profile):
    """People by self-defined ethnicity and role; "not stated" is excluded and reported."""
    if not profile.available or profile.ethnicity is None:
        return None
    table = profile.ethnicity.loc[profile.ethnicity["stated"]].drop(columns="stated")
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
    return _style(shown, formats)


def ethnicity_not_stated(profile: Profile) -> Markdown | None:
    """How many people had no ethnicity stated (and so are excluded from the table)."""
    if not profile.available or profile.ethnicity is None:
        return None
    row = profile.ethnicity.loc[~profile.ethnicity["stated"]].iloc[0]
    share = "Some" if pd.isna(row["share_pct"]) else f"{row['share_pct']:.0f}%"
    if _published(row["total"]) and row["total"] == 0:
        return _prose("Every person's ethnicity is stated.")
    return _prose(
        f"{share} of people (n={_n(row['total'])}) had no "
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
    if not profile.available or profile.wards_by is None:
        return None
    by = profile.theme.top_wards_by
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


def trend_chart(profile: Profile):
    """The 12-month trends of this year and last."""
    if not profile.available:
        return None
    return charts.plot_trend(
        profile.monthly,
        title=f"{profile.theme.title}: monthly {_unit(profile)}, {profile.area_name}",
        unit=_unit(profile),
    )


def spc_chart(profile: Profile):
    """The XmR (SPC) chart of the monthly series."""
    if not profile.available:
        return None
    return charts.plot_spc(
        profile.spc,
        title=f"{profile.theme.title}: statistical process control chart, {profile.area_name}",
        unit=_unit(profile),
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
        meaning = (
            "higher than usual" if run["direction"].iloc[0] == "high" else ("lower than usual")
        )
        low, high = run["value"].min(), run["value"].max()
        count = f"{low:,.0f}" if low == high else f"{low:,.0f} to {high:,.0f}"
        rows.append(
            {"Months": months, "Count": count, "Signal": meaning, "Rule": run["rule"].iloc[0]}
        )
    return _style(pd.DataFrame(rows), {})


def breakdown_chart(profile: Profile, *, top: int = 10):
    """The largest categories, this period against the previous (withheld counts left out)."""
    if not profile.available or profile.breakdown is None or profile.breakdown.empty:
        return None
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
            f"{profile.theme.title}: rate per 1,000 residents by ward",
            "Rate per 1,000",
        )
    return charts.map_wards(
        wards,
        column=column,
        title=f"{title}, {profile.period.describe()}",
        legend_title=legend,
        towns=profile.towns or None,
    )
