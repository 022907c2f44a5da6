"""Store: the processed store in ``data/processed/``, and the data of one area from it."""

from __future__ import annotations

from csp_analysis.config import Settings
from csp_analysis.load import Dataset, load_dataset


def area_dataset(settings: Settings, area: str) -> Dataset:
    """The data one area's pages need."""
    return load_dataset(settings)
