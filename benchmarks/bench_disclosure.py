"""Benchmark: the board version of a whole pack, protected together (issue 7).

Makes the synthetic Demoshire data at full scale in a temporary folder, loads it, builds
every theme's profile for the latest quarter and for its last month, and times
:func:`csp_analysis.publication.protect_profiles` against building the same profiles (the
floor it adds to). Reports the cells withheld and the tables left out.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_disclosure.py``).
"""

import sys
import tempfile
import time

from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.demo import LAST_MONTH, LATEST_QUARTER, write_demo_data
from csp_analysis.load import load_dataset
from csp_analysis.profile import build_profiles
from csp_analysis.publication import protect_profiles
from csp_analysis.tables import profile_tables

COUNTS = {
    "count",
    "previous",
    "current",
    "female",
    "male",
    "people",
    "total",
    "victims",
    "repeat_victims",
    "suspect and victim",
    "suspect",
    "victim",
}


def withheld(profiles) -> tuple[int, int, int]:
    """(small "<5", withheld "[c]", all) counts over the count columns of the board tables."""
    small = other = every = 0
    for profile in profiles.values():
        for name, table in profile_tables(profile).items():
            if name in ("headline", "monthly", "spc", "trend", "data_quality", "top_wards"):
                continue
            for column in COUNTS & set(table.columns):
                values = table[column]
                small += int(values.map(lambda v: isinstance(v, str) and v[:1] == "<").sum())
                other += int(values.map(lambda v: isinstance(v, str) and v[:1] == "[").sum())
                every += len(values)
    return small, other, every


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_demo_data(folder, seed=2025, scale=1.0)
        settings = load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=folder)
        dataset = load_dataset(settings)
        print(f"demo data (full scale): {len(dataset.crimes):,} crimes, {len(dataset.asb):,} ASB")
        print(f"write + load: {time.perf_counter() - start:6.2f} s")
        for period in (LATEST_QUARTER, f"{LAST_MONTH}:{LAST_MONTH}"):
            start = time.perf_counter()
            profiles = build_profiles(
                dataset, area="Demoshire", period=period, themes=settings.themes
            )
            built = time.perf_counter() - start
            start = time.perf_counter()
            board = protect_profiles(profiles, threshold=settings.suppression_threshold)
            protected = time.perf_counter() - start
            small, other, counts = withheld(board)
            left_out = sum(len(p.omitted) for p in board.values())
            print(
                f"{period}: build {len(profiles)} profiles {built:6.2f} s; protect together "
                f"{protected:6.2f} s; of {counts:,} counts {small:,} show <5 and {other:,} [c], "
                f"{left_out} table(s) left out"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
