"""Benchmark: the toolkit at scale, on the synthetic national data (make bench).

Prints, from one run:

1. one page's time and peak memory (its area's profiles and assessment from the processed
   store, then one notebook executed by papermill) with the store holding one area (the
   area's wards and its force's street files) and holding the whole national set: the two
   should agree within 20%, and the notebook's kernel should stay under 600 MB;
2. a pack of ``--areas`` areas (default 20) x every theme and the strategic assessment,
   with two local worker processes and on a two-worker Dask LocalCluster;
3. with ``--national``, the ingest of the national set at ``--national-scale`` (default 1:
   about 20 million rows; it takes minutes) with its time and peak memory.

The ingest's speed against a plain pyarrow read is ``bench_ingest.py``'s. Each measurement
runs in its own process, so peak memory (``ru_maxrss``) is the measurement's alone.
Data goes to a temporary folder (``--work`` to keep it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

PAGE_THEME = "overview"


def _national(folder: Path, scale: float) -> Path:
    """The national data at ``scale`` in ``folder`` (written once; its deployment file)."""
    from csp_analysis.demo_national import CONFIG_NAME, write_national_data

    if not (folder / CONFIG_NAME).exists():
        write_national_data(folder, scale=scale)
    return folder / CONFIG_NAME


def _one_area(national: Path, folder: Path, area: str) -> Path:
    """A data folder of one area: its wards, and the street files of its force only.

    No peer list (``peers.csv``): the folder holds none of the area's peers.
    """
    import geopandas as gpd

    from csp_analysis.demo_national import CONFIG_NAME, national_geography

    if (folder / CONFIG_NAME).exists():
        return folder / CONFIG_NAME
    folder.mkdir(parents=True)
    wards = gpd.read_file(national / "wards.gpkg")
    wards.loc[wards["area_name"] == area].to_file(folder / "wards.gpkg", driver="GPKG")
    for name in (
        "SYNTHETIC_DATA.md",
        "population.csv",
        "population_totals.csv",
        "lsoa_ward_lookup.csv",
        "lad_csp_force_lookup.csv",
    ):
        shutil.copy(national / name, folder / name)
    geo = national_geography()
    csp = geo.csps.loc[geo.csps["csp_name"] == area].iloc[0]
    slug = geo.forces.iloc[int(csp["force"])]["slug"]
    for path in (national / "police_uk").rglob(f"*-{slug}-street.csv*"):
        target = folder / path.relative_to(national)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
    text = (national / CONFIG_NAME).read_text()
    (folder / CONFIG_NAME).write_text(text.replace(str(national.resolve()), str(folder.resolve())))
    return folder / CONFIG_NAME


def _child(kind: str, **arguments) -> dict:
    """Run one measurement in a new process; returns what it printed (JSON)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, json.dumps(arguments)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


@contextlib.contextmanager
def _kernel_peak():
    """The largest resident memory of this process's children (the notebook's kernel)
    while the block runs, sampled every 50 ms (``ru_maxrss`` of children would count the
    parent's pages at the fork)."""
    import psutil

    peak, done = {"mb": 0.0}, threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            for child in psutil.Process().children(recursive=True):
                try:
                    peak["mb"] = max(peak["mb"], child.memory_info().rss / 2**20)
                except psutil.Error:
                    continue

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        yield peak
    finally:
        done.set()
        watcher.join()


def _settings(config: str, store_dir: str):
    from csp_analysis.config import load_settings

    return replace(load_settings(config), store_dir=Path(store_dir))


def child_ingest(config: str, store_dir: str) -> dict:
    from csp_analysis import store
    from csp_analysis.assessment import assessment_period

    settings = _settings(config, store_dir)
    start = time.perf_counter()
    folder = store.ingest(settings)
    seconds = time.perf_counter() - start
    source = store.Store(folder, data_dir=settings.data_dir)
    start = time.perf_counter()  # what a pack's plan makes once, before any page
    year = assessment_period(settings.period, settings.assessment_period)
    source.prepare(settings.themes.values(), years=[year])
    rows = source.manifest["partitions"]
    total = sum(sum(parts.values()) for kind, parts in rows.items() if kind != "nominals")
    return {
        "seconds": seconds,
        "rows": total,
        "peak_mb": _peak_mb(resource.RUSAGE_SELF),
        "aggregates_seconds": time.perf_counter() - start,
    }


def child_page(config: str, store_dir: str, area: str) -> dict:
    """One page as a pack makes it: the area task, then one notebook with its profiles."""
    from csp_analysis import provenance, store
    from csp_analysis.pack import make_page, notebook_for
    from csp_analysis.publication import publish_area

    settings = _settings(config, store_dir)
    folder = store.existing(settings)
    for kept in Path(folder).glob("derived/publication-*"):
        kept.unlink()  # the area task makes its publication (none kept from an earlier run)
    start = time.perf_counter()
    made = publish_area(settings, area=area, period=settings.period, store=folder)
    area_seconds = time.perf_counter() - start
    area_mb = _peak_mb(resource.RUSAGE_SELF)
    prepared = pickle.dumps({n: p for n, p in made.profiles.items() if hasattr(p, "theme")})
    parameters = {
        "area": area,
        "period": settings.period,
        "config": str(settings.config_path),
        "data_dir": str(settings.data_dir),
        "output_dir": "",
        "restricted": False,
    }
    summary = store.Store(folder, data_dir=settings.data_dir).summary()
    shown = provenance.parameters(settings, area=area, period=settings.period, theme=PAGE_THEME)
    resources = {  # as a pack's plan gives a page (see csp_analysis.pack.plan_pack)
        "title": f"{PAGE_THEME}: {area}",
        "contents": [],
        "subtitle": [settings.period],
        "sources": settings.sources,
        "synthetic": summary.synthetic,
        "mode": {"restricted": False, "threshold": settings.suppression_threshold},
        "provenance": provenance.record(settings, summary.files, shown),
        "today": time.strftime("%d %B %Y"),
    }
    start = time.perf_counter()
    with _kernel_peak() as kernel:
        result = make_page(
            notebook_for(PAGE_THEME).read_text(), parameters, resources, prepared=prepared
        )
    return {
        "area_seconds": area_seconds,
        "page_seconds": time.perf_counter() - start,
        "area_mb": area_mb,
        "kernel_mb": kernel["mb"],
        "status": result.status,
        "message": result.message,
    }


def child_pack(config: str, store_dir: str, areas: list[str], out: str, cluster: bool) -> dict:
    from csp_analysis.pack import run_pack

    settings = _settings(config, store_dir)
    if cluster:
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as local:
            start = time.perf_counter()
            pages = run_pack(
                settings,
                period=settings.period,
                out=out,
                areas=areas,
                cluster=local.scheduler_address,
                progress=False,
            )
            seconds = time.perf_counter() - start
    else:
        start = time.perf_counter()
        pages = run_pack(
            settings, period=settings.period, out=out, areas=areas, workers=2, progress=False
        )
        seconds = time.perf_counter() - start
    statuses = {s: sum(p.status == s for p in pages) for s in ("ok", "unavailable", "failed")}
    return {"seconds": seconds, "pages": len(pages), **statuses}


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--page-scale", type=float, default=0.02)
    options.add_argument("--areas", type=int, default=20)
    options.add_argument("--national", action="store_true")
    options.add_argument("--national-scale", type=float, default=1.0)
    options.add_argument("--work", help="keep the data here (default: a temporary folder)")
    options.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.child:
        kind, arguments = args.child
        print(json.dumps(globals()[f"child_{kind}"](**json.loads(arguments))))
        return 0

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="csp-bench-"))
    try:
        from csp_analysis.config import load_settings

        config = _national(work / f"national-{args.page_scale:g}", args.page_scale)
        settings = load_settings(config)
        area = settings.areas[0]
        one = _one_area(config.parent, work / "one-area", area)
        print(f"Synthetic national data at scale {args.page_scale:g}; the page is {area}'s.")
        for label, deployment in (("one area", one), ("national", config)):
            stores = str(work / f"store-{label.replace(' ', '-')}")
            made = _child("ingest", config=str(deployment), store_dir=stores)
            page = _child("page", config=str(deployment), store_dir=stores, area=area)
            print(
                f"  store holding {label:>9}: ingest {made['rows']:>10,} rows "
                f"{made['seconds']:6.1f} s ({made['peak_mb']:,.0f} MB), aggregates "
                f"{made['aggregates_seconds']:4.1f} s; page: area task "
                f"{page['area_seconds']:5.1f} s ({page['area_mb']:,.0f} MB), notebook "
                f"{page['page_seconds']:5.1f} s (kernel {page['kernel_mb']:,.0f} MB)"
            )

        from csp_analysis.store import Store, existing

        stores = str(work / "store-national")
        settings = replace(settings, store_dir=Path(stores))
        names = Store(existing(settings), data_dir=settings.data_dir).areas()["area_name"]
        areas = names.iloc[: args.areas].tolist()
        print(f"A pack of {len(areas)} areas x {len(settings.themes)} themes + assessment:")
        for label, cluster in (("2 local worker processes", False), ("Dask LocalCluster", True)):
            out = str(work / f"pack-{cluster}")
            shutil.rmtree(out, ignore_errors=True)
            for kept in Path(existing(settings)).glob("derived/publication-*"):
                kept.unlink()  # each pack makes its areas' publications (none kept before)
            made = _child(
                "pack", config=str(config), store_dir=stores, areas=areas, out=out, cluster=cluster
            )
            print(
                f"  {label:>25}: {made['seconds']:6.1f} s for {made['pages']} pages "
                f"({made['ok']} made, {made['unavailable']} unavailable, {made['failed']} failed)"
            )

        if args.national:
            big = _national(work / f"national-{args.national_scale:g}", args.national_scale)
            made = _child("ingest", config=str(big), store_dir=str(work / "store-big"))
            print(
                f"National ingest (scale {args.national_scale:g}): {made['rows']:,} rows in "
                f"{made['seconds']:.0f} s ({made['rows'] / made['seconds']:,.0f} rows/s), "
                f"peak {made['peak_mb']:,.0f} MB"
            )
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
