"""Benchmark: the processed-store ingest against a plain pyarrow read of the same files.

Prints, from one run, for two sizes of data (the 16 public data.police.uk months, 134,528
rows; and the same months copied as 8 forces, 1.08 million rows, in a temporary folder):
the time and rows per second of a plain ``pyarrow.csv.read_csv`` of the street files; of
the floor of any store made from them (the files read two at a time and written as Parquet
in three parts, nothing else); of the toolkit's read and validate of the same files; and of
the store ingest
(:func:`csp_analysis.store.ingest`: read, validate, classify, locate, weigh, place every
record among its peers and write the Parquet store), and the ratio of each to the plain
read. Each is the best of a few repetitions (the machine is shared). Target on the 2-core
machine: the ingest at least 300,000 rows/s, within 1.5 times the plain read. The public
data folder is CSP_PUBLIC_DATA (default /work/shared/data); ``--small`` skips the 8 forces.
"""

import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from csp_analysis import store
from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.read import police_uk_files, read_police_uk_tables
from csp_analysis.validate import validate_police_uk_many

TARGET_ROWS_PER_SECOND = 300_000
TARGET_RATIO = 1.5
#: Forces the public months are copied as for the bigger set (the first is the real one).
FORCES = (
    "west-mercia staffordshire warwickshire west-midlands gloucestershire dyfed-powys "
    "north-wales cheshire"
).split()


def best(function, repeats: int) -> tuple[float, object]:
    """The shortest time of ``repeats`` calls, and the last call's result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def eight_forces(source: Path, into: Path) -> Path:
    """A copy of the public data folder whose street files are repeated under 8 force names."""
    data = into / "data"
    shutil.copytree(source, data)
    for path in police_uk_files(data / "police_uk"):
        os.chmod(path.parent, 0o755)
        for force in FORCES[1:]:
            shutil.copyfile(path, path.with_name(path.name.replace(FORCES[0], force)))
    return data


def measure(label: str, settings, repeats: int, scratch: Path) -> None:
    """Print the plain read, read + validate and ingest of the settings' street files."""
    files = [f for folder in settings.paths("police_uk") for f in police_uk_files(folder)]
    names = [path.name for path in files]

    def plain():
        return sum(pacsv.read_csv(path).num_rows for path in files)

    def read_write():  # the floor of any store: the text read (two files at a time) and written
        with ThreadPoolExecutor(2) as pool:
            table = pa.concat_tables(pool.map(pacsv.read_csv, files))
        part = pc.dictionary_encode(table["LSOA name"].combine_chunks()).indices.to_numpy() % 3
        folder = Path(tempfile.mkdtemp(dir=scratch))

        def write(i: int) -> None:  # two areas and the rest, as in the public store
            rows = table.take(np.flatnonzero(part == i))
            pq.write_table(rows, folder / f"{i}.parquet", write_statistics=False)

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(write, range(3)))
        shutil.rmtree(folder)
        return table.num_rows

    def read_validate():
        tables = read_police_uk_tables(files)
        rows, _, refused = validate_police_uk_many(tables, names)
        return len(rows), sum(t is not None for t in tables), int(refused.sum())

    def ingest():
        folder = store.ingest(replace(settings, store_dir=tempfile.mkdtemp(dir=scratch)))
        made = store.Store(folder, data_dir=settings.data_dir)
        rows = sum(sum(made.manifest["partitions"][kind].values()) for kind in ("crimes", "asb"))
        shutil.rmtree(folder.parent)
        return rows

    plain_seconds, n = best(plain, repeats)
    floor_seconds, _ = best(read_write, repeats)
    read_seconds, (rows, fast_files, refused) = best(read_validate, repeats)
    ingest_seconds, stored = best(ingest, repeats)
    assert rows == stored == n, (rows, stored, n)
    print(
        f"{label}: {len(files)} data.police.uk files ({fast_files} read by the fast path, "
        f"{refused} refused), {n:,} rows; best of {repeats}"
    )
    for what, seconds in (
        ("plain pyarrow.csv.read_csv", plain_seconds),
        ("read + write Parquet only", floor_seconds),
        ("read + validate", read_seconds),
        ("store ingest (store.ingest)", ingest_seconds),
    ):
        print(
            f"  {what:28s} {seconds:6.3f} s {n / seconds:>10,.0f} rows/s "
            f"{seconds / plain_seconds:5.2f} x the plain read"
        )
    ok = (
        n / ingest_seconds >= TARGET_ROWS_PER_SECOND
        and ingest_seconds <= TARGET_RATIO * plain_seconds
    )
    print(
        f"  store ingest: {'within' if ok else 'OVER'} the target ({TARGET_ROWS_PER_SECOND:,} "
        f"rows/s and at most {TARGET_RATIO} x the plain read)"
    )


def main(argv: list[str]) -> int:
    os.environ.setdefault("CSP_PUBLIC_DATA", "/work/shared/data")
    source = Path(os.environ["CSP_PUBLIC_DATA"])
    if not (source / "police_uk").is_dir():
        print("bench: set CSP_PUBLIC_DATA to the public data folder", file=sys.stderr)
        return 2
    settings = load_settings(PROJECT_ROOT / "config" / "west-mercia-public.yaml")
    with tempfile.TemporaryDirectory() as scratch:
        measure("16 public months", settings, 5, Path(scratch))
        if "--small" not in argv:
            data = eight_forces(source, Path(scratch))
            measure("the months as 8 forces", replace(settings, data_dir=data), 3, Path(scratch))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
