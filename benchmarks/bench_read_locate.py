"""Benchmark: read, locate and tabulate the 16 public data.police.uk months (make bench).

Prints rows per second for each step and the total time for both areas and every theme.
Target on the 2-core machine: all of it in under 10 seconds. Needs CSP_PUBLIC_DATA (or the
shared data folder beside the repository).
"""

import os
import sys
import time
from pathlib import Path

from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.load import load_dataset
from csp_analysis.locate import locate_records
from csp_analysis.profile import build_profile
from csp_analysis.read import police_uk_files, read_police_uk_file
from csp_analysis.validate import validate_police_uk

TARGET_SECONDS = 10.0


def main() -> int:
    default = PROJECT_ROOT.parent / "shared" / "data"
    if "CSP_PUBLIC_DATA" not in os.environ and default.is_dir():
        os.environ["CSP_PUBLIC_DATA"] = str(default)
    if not Path(os.environ.get("CSP_PUBLIC_DATA", "/nonexistent")).is_dir():
        print("bench: set CSP_PUBLIC_DATA to the public data folder", file=sys.stderr)
        return 2
    settings = load_settings(PROJECT_ROOT / "config" / "west-mercia-public.yaml")
    files = police_uk_files(settings.paths("police_uk")[0])

    start = time.perf_counter()
    rows = [validate_police_uk(read_police_uk_file(path)) for path in files]
    read_seconds = time.perf_counter() - start
    n = sum(len(r) for r in rows)

    start = time.perf_counter()
    dataset = load_dataset(settings)
    load_seconds = time.perf_counter() - start

    start = time.perf_counter()
    located = locate_records(dataset.crimes, dataset.wards)
    locate_seconds = time.perf_counter() - start

    start = time.perf_counter()
    profiles = [
        build_profile(dataset, area=area, period=settings.period, theme=theme)
        for area in settings.areas
        for theme in settings.themes.values()
    ]
    profile_seconds = time.perf_counter() - start

    total = load_seconds + profile_seconds
    print(f"data.police.uk files: {len(files)}, rows: {n:,}")
    print(f"read + validate:          {read_seconds:6.2f} s  {n / read_seconds:>10,.0f} rows/s")
    print(
        f"locate (crimes only):     {locate_seconds:6.2f} s  "
        f"{len(located) / locate_seconds:>10,.0f} rows/s"
    )
    print(
        f"load (read, validate, classify, locate all rows): {load_seconds:6.2f} s  "
        f"{n / load_seconds:>10,.0f} rows/s"
    )
    print(
        f"tabulate {len(profiles)} profiles ({len(settings.areas)} areas x "
        f"{len(settings.themes)} themes): {profile_seconds:6.2f} s"
    )
    verdict = "within" if total < TARGET_SECONDS else "OVER"
    print(f"total load + tabulate: {total:.2f} s ({verdict} the {TARGET_SECONDS:.0f} s target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
