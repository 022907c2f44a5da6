"""Periods: financial years, financial quarters and month ranges (data contract section 6).

A period is written ``2023-24`` (April 2023 to March 2024), ``2024-25Q3`` (October to
December 2024: Q1 is April-June) or ``2024-10:2025-09`` (whole months). Every profile compares
a period with the same months one year earlier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

_YEAR = re.compile(r"^(\d{4})-(\d{2})(?:Q([1-4]))?$")
_RANGE = re.compile(r"^(\d{4}-\d{2}):(\d{4}-\d{2})$")
_QUARTER_NAMES = {1: "April-June", 2: "July-September", 3: "October-December", 4: "January-March"}


class PeriodError(ValueError):
    """A period that cannot be read."""


@dataclass(frozen=True)
class Period:
    """A run of whole months, with its label.

    >>> p = Period.parse("2024-25Q4")
    >>> p.start, p.end, p.describe()
    (Period('2025-01', 'M'), Period('2025-03', 'M'), 'January-March 2025')
    >>> p.previous().label
    '2023-24Q4'
    """

    label: str
    start: pd.Period
    end: pd.Period

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read a financial year, financial quarter or month range."""
        text = str(text).strip()
        if match := _YEAR.match(text):
            first, second, quarter = match.groups()
            if (int(first) + 1) % 100 != int(second):
                raise PeriodError(
                    f"period '{text}': {second} does not follow {first} "
                    f"(a financial year is written like 2024-25)"
                )
            start = pd.Period(f"{first}-04", freq="M")
            if quarter:
                start += 3 * (int(quarter) - 1)
                return cls(text, start, start + 2)
            return cls(text, start, start + 11)
        if match := _RANGE.match(text):
            try:
                start, end = (pd.Period(m, freq="M") for m in match.groups())
            except ValueError as error:
                raise PeriodError(f"period '{text}': {error}") from None
            if end < start:
                raise PeriodError(f"period '{text}' ends before it starts")
            return cls(text, start, end)
        raise PeriodError(
            f"period '{text}' is not a financial year (2024-25), a financial "
            "quarter (2024-25Q3) or a month range (2024-10:2025-09)"
        )

    @property
    def months(self) -> pd.PeriodIndex:
        """Every month of the period."""
        return pd.period_range(self.start, self.end, freq="M")

    @property
    def month_count(self) -> int:
        """How many months the period has (3 for a quarter, 12 for a year)."""
        return (self.end - self.start).n + 1

    def span(self) -> str:
        """The period's length as a unit word: 'month', 'quarter', 'year' or 'N months'.

        For labels such as "Rate per 1,000 in the quarter".

        >>> [Period.parse(p).span() for p in ("2024-25Q3", "2024-25", "2025-03:2025-03")]
        ['quarter', 'year', 'month']
        >>> Period.parse("2025-01:2025-06").span(), Period.parse("2025-01:2025-03").span()
        ('6 months', '3 months')
        """
        count = self.month_count
        if count == 12:
            return "year"
        if count == 1:
            return "month"
        if (match := _YEAR.match(self.label)) and match.group(3):
            return "quarter"
        return f"{count} months"

    @property
    def folder(self) -> str:
        """The period as a folder name: the label, without a colon (Windows refuses one).

        >>> [Period.parse(p).folder for p in ("2024-25Q3", "2026-03:2026-03", "2025-10:2026-03")]
        ['2024-25Q3', '2026-03', '2025-10_to_2026-03']
        """
        if _YEAR.match(self.label):
            return self.label
        return str(self.start) if self.start == self.end else f"{self.start}_to_{self.end}"

    def previous(self) -> Period:
        """The same months one year earlier, labelled the same way."""
        if match := _YEAR.match(self.label):
            first, _, quarter = match.groups()
            year = int(first) - 1
            label = f"{year}-{(year + 1) % 100:02d}" + (f"Q{quarter}" if quarter else "")
        else:
            label = f"{self.start - 12}:{self.end - 12}"
        return Period(label, self.start - 12, self.end - 12)

    def describe(self) -> str:
        """Months in words, e.g. 'January-March 2025' or 'April 2024 to March 2025'."""
        if match := _YEAR.match(self.label):
            if match.group(3):
                return f"{_QUARTER_NAMES[int(match.group(3))]} {self.end.year}"
        first, last = self.start.strftime("%B %Y"), self.end.strftime("%B %Y")
        return first if first == last else f"{first} to {last}"

    def __contains__(self, month: pd.Period) -> bool:
        return self.start <= month <= self.end
