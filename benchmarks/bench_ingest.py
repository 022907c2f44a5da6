"""Benchmark: ingest of the 16 public data.police.uk months against a plain pyarrow read.

Prints, from one run, the time and rows per second of a plain ``pyarrow.csv.read_csv`` of
the street files, of the toolkit's read and validate of the same files, and of the full
load (read, validate, classify, locate, weigh and place every record among its peers:
:func:`csp_analysis.load.load_dataset`), and the ratio of each to the plain read. Each is
the best of a few repetitions (the machine is shared). Target on the 2-core machine: the
full load at least 300,000 rows/s, within 1.5 times the plain read. The public data folder
is CSP_PUBLIC_DATA (default /work/shared/data).
"""

import os
import sys
import time
from pathlib import Path

import pyarrow.csv as pacsv

from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.load import load_dataset
from csp_analysis.read import police_uk_files, read_police_uk_plain
from csp_analysis.validate import validate_police_uk_many

TARGET_ROWS_PER_SECOND = 300_000
TARGET_RATIO = 1.5
REPEATS = 5


def best(function) -> tuple[float, object]:
    """The shortest time of :data:`REPEATS` calls, and the last call's result."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> int:
    os.environ.setdefault("CSP_PUBLIC_DATA", "/work/shared/data")
    if not Path(os.environ["CSP_PUBLIC_DATA"], "police_uk").is_dir():
        print("bench: set CSP_PUBLIC_DATA to the public data folder", file=sys.stderr)
        return 2
    settings = load_settings(PROJECT_ROOT / "config" / "west-mercia-public.yaml")
    files = [f for folder in settings.paths("police_uk") for f in police_uk_files(folder)]
    names = [path.name for path in files]

    def plain():
        return sum(pacsv.read_csv(path).num_rows for path in files)

    def read_validate():
        text, read = read_police_uk_plain(files)
        rows, refused = validate_police_uk_many(text, names)
        return len(rows), sum(read), int(refused.sum())

    plain_seconds, n = best(plain)
    read_seconds, (rows, fast_files, refused) = best(read_validate)
    load_seconds, dataset = best(lambda: load_dataset(settings))
    loaded = len(dataset.crimes) + len(dataset.asb)
    assert rows == loaded == n, (rows, loaded, n)

    print(
        f"data.police.uk files: {len(files)} ({fast_files} read by the fast path, "
        f"{refused} refused), rows: {n:,}; best of {REPEATS}"
    )
    for label, seconds in (
        ("plain pyarrow.csv.read_csv", plain_seconds),
        ("read + validate", read_seconds),
        ("full load (load_dataset)", load_seconds),
    ):
        print(
            f"{label:28s} {seconds:6.3f} s {n / seconds:>10,.0f} rows/s "
            f"{seconds / plain_seconds:5.2f} x the plain read"
        )
    ok = n / load_seconds >= TARGET_ROWS_PER_SECOND and load_seconds <= TARGET_RATIO * plain_seconds
    print(
        f"full load: {'within' if ok else 'OVER'} the target ({TARGET_ROWS_PER_SECOND:,} "
        f"rows/s and at most {TARGET_RATIO} x the plain read)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
