"""Wording: every phrase a page uses about counts, change, variation and units.

Board members read sentences, not statistics: "down 6 (less than 1%) on January-March
2025, well within normal variation". The test names, p-values and intervals behind each
phrase are in each page's "How to read this page" note (``report.how_to_read``) and stay
in the CSV files. Each function takes plain values, so it can be tested alone.
"""

from __future__ import annotations

import math

from csp_analysis.periods import Period

#: The significance level of the tests behind the words.
SIGNIFICANCE = 0.05
#: Below this many records in the earlier period a change is given as counts, never as a
#: percentage ("up from 4", not "+75%"), and a category's change never leads a finding.
SMALL_BASE = 10

#: Polarity of a theme (config ``polarity``): whether a rise is bad, good or neither. For
#: domestic abuse and hate crime a rise can mean more confidence to report, and for drug
#: offences more proactive policing, so "neutral".
POLARITIES = ("lower_is_better", "higher_is_better", "neutral")

#: The variation of the latest month on the SPC chart, as NHS "Making Data Count" shows it
#: (icon letter, words, colour class). Keys from :func:`variation`.
VARIATION = {
    "common": ("C", "Usual variation", "common"),
    "improving_high": ("H", "Unusually high: improving", "improving"),
    "improving_low": ("L", "Unusually low: improving", "improving"),
    "concerning_high": ("H", "Unusually high: a concern", "concerning"),
    "concerning_low": ("L", "Unusually low: a concern", "concerning"),
    "neutral_high": ("H", "Unusually high", "neutral"),
    "neutral_low": ("L", "Unusually low", "neutral"),
    "none": ("–", "Too few months to tell", "none"),
}

#: The SPC rules (csp_analysis.stats) in words.
RULES = {
    "outside limits": "outside the usual range",
    "trend: 7 rising": "7 or more months rising in a row",
    "trend: 7 falling": "7 or more months falling in a row",
    "two of three beyond two sigma": "2 of 3 months close to the edge of the usual range",
    "shift: 7 on one side of the mean": "7 or more months in a row on one side of the average",
}


def unit(records: str, count: float | None = None) -> str:
    """What a theme counts: 'offences' (crimes) or 'incidents' (ASB); singular for 1.

    >>> unit("crimes"), unit("asb", 1), unit("crimes", "<5")
    ('offences', 'incident', 'offences')
    """
    singular = "incident" if records == "asb" else "offence"
    return singular if count == 1 else singular + "s"


def count(value: float | str) -> str:
    """A count in a sentence; a withheld "<5" reads "fewer than 5", "[c]" "a withheld number of".

    >>> count(1234), count("<5"), count("<10"), count("[c]")
    ('1,234', 'fewer than 5', 'fewer than 10', 'a withheld number of')
    """
    if isinstance(value, str):
        return f"fewer than {value[1:]}" if value.startswith("<") else "a withheld number of"
    return f"{value:,.0f}"


def withheld_label(threshold: int) -> str:
    """The label of a withheld small count: '<5' for a threshold of 4.

    >>> withheld_label(4), withheld_label(9)
    ('<5', '<10')
    """
    return f"<{threshold + 1}"


def percent(part: float, whole: float) -> str:
    """A percentage change for a sentence: '13%', 'less than 1%'.

    >>> percent(38, 290), percent(6, 1228)
    ('13%', 'less than 1%')
    """
    value = round(abs(part) / whole * 100)
    return "less than 1%" if value == 0 else f"{value}%"


def change(current: float, previous: float, *, since: str) -> str:
    """The change on an earlier period, in words; counts only on a base under 10.

    >>> change(1222, 1228, since="January-March 2025")
    'down 6 (less than 1%) on January-March 2025'
    >>> change(328, 290, since="a year earlier")
    'up 38 (13%) on a year earlier'
    >>> change(7, 4, since="a year earlier"), change(3, 0, since="January-March 2025")
    ('up from 4 a year earlier', 'up from none in January-March 2025')
    >>> change(12, 12, since="a year earlier"), change(0, 0, since="January-March 2025")
    ('the same as a year earlier', 'none, the same as in January-March 2025')
    """
    when = since if since.startswith("a year") else f"in {since}"
    if current == previous:
        return f"none, the same as {when}" if current == 0 else f"the same as {when}"
    direction = "up" if current > previous else "down"
    if previous == 0:
        return f"{direction} from none {when}"
    if previous < SMALL_BASE:
        return f"{direction} from {previous:,.0f} {when}"
    difference = abs(current - previous)
    return f"{direction} {difference:,.0f} ({percent(difference, previous)}) on {since}"


def beyond_chance(p_value: float) -> bool:
    """Whether a test's p-value says "larger than chance would usually give" (NaN: no).

    >>> beyond_chance(0.01), beyond_chance(0.2), beyond_chance(float("nan"))
    (True, False, False)
    """
    return bool(p_value < SIGNIFICANCE)


#: Whether a change is more than the usual ups and downs: (in a sentence, in a table cell).
VERDICTS = {
    "none": ("no records to compare", "No records to compare"),
    "rise": ("a rise larger than chance would usually give", "Rise beyond normal variation"),
    "fall": ("a fall larger than chance would usually give", "Fall beyond normal variation"),
    "well within": ("well within normal variation", "Within normal variation"),
    "within": ("within normal variation", "Within normal variation"),
}


def verdict(current: float, previous: float, p_value: float, *, short: bool = False) -> str:
    """Whether a change is more than the usual ups and downs, for a board member.

    ``short`` gives the words for a table cell (the index).

    >>> verdict(112, 100, 0.01)
    'a rise larger than chance would usually give'
    >>> verdict(1222, 1228, 0.92), verdict(90, 100, 0.3)
    ('well within normal variation', 'within normal variation')
    >>> verdict(90, 100, 0.01, short=True), verdict(0, 0, 1.0, short=True)
    ('Fall beyond normal variation', 'No records to compare')
    """
    if math.isnan(p_value) or current + previous == 0:
        key = "none"
    elif beyond_chance(p_value):
        key = "rise" if current > previous else "fall"
    else:
        key = "well within" if p_value >= 0.5 else "within"
    return VERDICTS[key][short]


def variation(direction: str, special_cause: bool, *, polarity: str) -> str:
    """The latest month's variation key (:data:`VARIATION`) from the SPC chart.

    >>> variation("high", True, polarity="lower_is_better")
    'concerning_high'
    >>> variation("high", True, polarity="neutral"), variation("", False, polarity="neutral")
    ('neutral_high', 'common')
    """
    if not special_cause or direction not in ("high", "low"):
        return "common"
    if polarity == "neutral":
        return f"neutral_{direction}"
    good = "low" if polarity == "lower_is_better" else "high"
    return f"{'improving' if direction == good else 'concerning'}_{direction}"


def period_span(period: Period) -> str:
    """The period's length for a rate: 'in the quarter', 'in the year', 'in the 6 months'.

    >>> [period_span(Period.parse(p)) for p in ("2024-25Q4", "2024-25", "2025-01:2025-06")]
    ['in the quarter', 'in the year', 'in the 6 months']
    """
    return f"in the {period.span()}"


def rate_heading(period: Period | None) -> str:
    """The heading of a rate column, naming its period; ``None`` for the rate per year.

    >>> rate_heading(Period.parse("2024-25Q4")), rate_heading(None)
    ('Rate per 1,000 in the quarter', 'Rate per 1,000 per year')
    >>> rate_heading(Period.parse("2024-25"))
    'Rate per 1,000 per year'
    """
    if period is None or period.span() == "year":
        return "Rate per 1,000 per year"
    return f"Rate per 1,000 {period_span(period)}"


def rate(value: float, annual: float, *, unit: str, period: Period) -> str:
    """A rate per 1,000 residents that names its period, with the yearly rate beside it.

    >>> rate(3.82, 15.28, unit="offences", period=Period.parse("2024-25Q4"))
    '3.8 offences per 1,000 residents in the quarter (about 15.3 a year)'
    >>> rate(15.1, 15.1, unit="offences", period=Period.parse("2024-25"))
    '15.1 offences per 1,000 residents in the year'
    """
    text = f"{value:.1f} {unit} per 1,000 residents {period_span(period)}"
    return text if period.span() == "year" else f"{text} (about {annual:.1f} a year)"


def trend(direction: str, p_value: float, slope: float, *, months: int, to: str, unit: str) -> str:
    """The monthly trend over the chart's months, in words.

    >>> trend("decreasing", 0.002, -3.5, months=24, to="March 2026", unit="offences")[-82:]
    'fell steadily, by about 3.5 offences a month: more than chance would usually give.'
    >>> trend("no trend", 0.4, 0.2, months=24, to="March 2026", unit="offences")
    'Over the 24 months to March 2026 the monthly numbers show no clear rise or fall.'
    """
    over = f"Over the {months} months to {to}"
    if beyond_chance(p_value) and direction in ("increasing", "decreasing"):
        moved = "rose" if direction == "increasing" else "fell"
        size = f"{abs(slope):.1f}" if abs(slope) < 10 else f"{abs(slope):,.0f}"
        return (
            f"{over} the monthly numbers {moved} steadily, by about {size} {unit} a month: "
            "more than chance would usually give."
        )
    return f"{over} the monthly numbers show no clear rise or fall."


def unusual_months(flagged: int, months: int, *, latest: str) -> str:
    """How many months the SPC chart marks as unusual, and the latest month's state.

    >>> unusual_months(1, 24, latest="common")[:32]
    '1 of the 24 months was unusual ('
    >>> unusual_months(0, 24, latest="common")
    'No month was unusual: every month is within the usual range.'
    >>> unusual_months(15, 24, latest="concerning_high")[-64:]
    '(see "Unusual months"); the latest is unusually high: a concern.'
    """
    if flagged == 0:
        return "No month was unusual: every month is within the usual range."
    state = VARIATION[latest][1].lower()
    latest_text = (
        "the latest month is within the usual range"
        if latest == "common"
        else f"the latest is {state}"
    )
    months_text = "months was" if flagged == 1 else "months were"
    return f'{flagged} of the {months} {months_text} unusual (see "Unusual months"); {latest_text}.'


def rules(text: str) -> str:
    """SPC rule names (joined by "; ") in words.

    >>> rules("outside limits; shift: 7 on one side of the mean")
    'outside the usual range; 7 or more months in a row on one side of the average'
    """
    return "; ".join(RULES.get(rule, rule) for rule in text.split("; ") if rule)


def p_value(value: float) -> str:
    """A p-value for the statistics note: 'p<0.001' or 'p=0.043'.

    >>> p_value(0.0002), p_value(0.0431)
    ('p<0.001', 'p=0.043')
    """
    return "p<0.001" if value < 0.001 else f"p={value:.3f}"


def trend_short(direction: str, p_value: float) -> str:
    """The monthly trend in two or three words, for a table.

    >>> trend_short("increasing", 0.01), trend_short("increasing", 0.3)
    ('Rising', 'No clear trend')
    """
    if beyond_chance(p_value) and direction in ("increasing", "decreasing"):
        return "Rising" if direction == "increasing" else "Falling"
    return "No clear trend"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 22, 101)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '22nd', '101st']
    """
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def rank_range(rank: int, lower: int, upper: int) -> str:
    """A rank with the ranks it could easily have had, for a board.

    >>> rank_range(1, 1, 1), rank_range(2, 1, 5)
    ('1st (a solid ranking)', '2nd (could be anywhere from 1st to 5th)')
    """
    if lower == upper == rank:
        return f"{ordinal(rank)} (a solid ranking)"
    return f"{ordinal(rank)} (could be anywhere from {ordinal(lower)} to {ordinal(upper)})"


#: Funnel-plot bands (:func:`csp_analysis.peers.funnel_band`) in words for a board.
PEER_BANDS = {
    "above 99.8%": "Higher than similar areas, far beyond their usual spread",
    "above 95%": "Higher than similar areas, beyond their usual spread",
    "within": "Within the usual spread of similar areas",
    "below 95%": "Lower than similar areas, beyond their usual spread",
    "below 99.8%": "Lower than similar areas, far beyond their usual spread",
}


def peer_band(band: object) -> str:
    """A funnel band in words; '' for none (no peers, or a withheld count).

    >>> peer_band("above 95%"), peer_band(None)
    ('Higher than similar areas, beyond their usual spread', '')
    """
    return PEER_BANDS.get(str(band), "") if isinstance(band, str) else ""


def top_share(share_pct: float, fraction: float, places: int, *, of: str) -> str:
    """How much of something the busiest places hold.

    >>> top_share(34.2, 0.1, 63, of="crime")
    'The busiest 10% of wards (about 6 of 63) hold 34% of crime.'
    """
    busiest = max(1, round(fraction * places))
    return (
        f"The busiest {fraction:.0%} of wards (about {busiest} of {places}) "
        f"hold {share_pct:.0f}% of {of}."
    )
