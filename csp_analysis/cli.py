"""The ``csp`` command line: demo-data, validate and tables.

Every command speaks to analysts: bad input gets one line naming the file, line and column,
and a non-zero exit code, never a traceback (``--debug`` shows one for developers).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from csp_analysis import __version__, store
from csp_analysis.config import Settings, load_settings, store_location
from csp_analysis.load import check_files, load_dataset, population_note, record_notes
from csp_analysis.locate import LOCATION_METHODS
from csp_analysis.outputs import (
    OutputError,
    OutputLock,
    area_folder,
    check_theme_names,
    inside,
)
from csp_analysis.pack import ClusterError
from csp_analysis.periods import Period, PeriodError
from csp_analysis.profile import CoverageError, check_theme
from csp_analysis.publication import publish_area
from csp_analysis.read import InputError
from csp_analysis.tables import ASSESSMENT_FOLDER, write_assessment_tables, write_tables
from csp_analysis.workbook import workbook_name, write_workbook

EXPECTED_ERRORS = (InputError, PeriodError, CoverageError, OutputError, ClusterError)


def _settings(args: argparse.Namespace):
    settings = load_settings(args.config, data_dir=args.data_dir, area_name=args.area_name)
    if getattr(args, "store_dir", None):
        settings = replace(settings, store_dir=store_location(args.store_dir, base=Path.cwd()))
    return settings


def cmd_ingest(args: argparse.Namespace) -> int:
    """Read, validate, classify and locate the data once into the processed store."""
    settings = _settings(args)
    found = store.existing(settings)
    if found is not None:
        print(f"The processed store is up to date (its inputs are unchanged): {found}")
        return 0
    started = time.perf_counter()
    folder = store.ingest(settings)
    seconds = time.perf_counter() - started
    manifest = store.Store(folder, data_dir=settings.data_dir).manifest
    for kind, partitions in manifest["partitions"].items():
        outside = partitions.get(store.NO_AREA, 0)
        print(
            f"  {kind}: {sum(partitions.values()):,} records, {outside:,} of them in no area "
            f"of the wards file ({len(partitions) - 1} area partitions and one for no area)"
        )
    print(f"Ingested {len(manifest['inputs'])} input files in {seconds:.1f} s into {folder}")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    """Write a synthetic data directory: Demoshire's force, or with --national a country.

    Never writes over data the generator did not make.
    """
    if args.national:
        from csp_analysis.demo_national import CONFIG_NAME, write_national_data

        paths = write_national_data(args.out, seed=args.seed, scale=args.scale, gzip=args.gzip)
        out = Path(args.out).resolve()
        streets = [p for p in paths if p.parent.parent.name == "police_uk"]
        print(f"Synthetic national data written to {out}:")
        for path in paths[: len(paths) - len(streets)]:
            print(f"  {path.name}")
        name = "YYYY-MM/YYYY-MM-<force>-street.csv" + (".gz" if args.gzip else "")
        print(f"  police_uk/: {len(streets):,} street files ({name})")
        print(f"Check it with: csp validate --config {out / CONFIG_NAME}")
        return 0
    from csp_analysis.demo import write_demo_data

    paths = write_demo_data(args.out, seed=args.seed, scale=args.scale)
    print(f"Synthetic demo data written to {Path(args.out).resolve()}:")
    for path in paths:
        print(f"  {path.name}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every file of a data directory; exit 1 when any cannot be used.

    Each file is checked on its own first; then the files are checked together (nominals
    against crimes, LSOA codes against the lookup, wards against each other) and the
    records located, with notes; last, each theme's columns and filter values are checked
    against the records (see :func:`csp_analysis.profile.check_theme`).
    """
    settings = _settings(args)
    results = check_files(settings)
    for name, problem in results:
        print(f"  {'ERROR' if problem.startswith('error') else 'ok   '}  {name}: {problem}")
    failed = [r for r in results if r[1].startswith("error")]
    if failed:
        print(f"{len(failed)} file(s) cannot be used.", file=sys.stderr)
        return 1
    try:
        dataset = load_dataset(settings)
    except InputError as error:
        print(f"  ERROR  {error.file.name}: error: {error}")
        print("1 file(s) cannot be used.", file=sys.stderr)
        return 1
    for name in ("crimes", "asb"):
        records = getattr(dataset, name)
        if records is None:
            continue
        source = dataset.crimes_source if name == "crimes" else dataset.asb_source
        print(f"{name} ({source}): {len(records):,} records located:")
        counts = records["location_method"].value_counts()
        for key, description in LOCATION_METHODS.items():
            print(f"  {counts.get(key, 0):>9,}  {description}")
    period = Period.parse(settings.period) if settings.period else None
    compared = f" for {period.label} and {period.previous().label}" if period else ""
    print(f"themes, checked against the data{compared}:")
    wrong = 0
    for name, theme in settings.themes.items():
        try:
            check_theme(dataset, theme, period=period)
        except InputError as error:
            wrong += 1
            print(f"  ERROR  {name}: error: {error}")
        else:
            print(f"  ok     {name}")
    if dataset.population_source:
        print(f"population: {population_note(dataset)}")
    for note in dataset.notes + record_notes(dataset):
        print(f"note: {note}")
    if wrong:
        print(f"{wrong} theme(s) cannot be used.", file=sys.stderr)
        return 1
    print("All files can be used.")
    return 0


def cmd_tables(args: argparse.Namespace) -> int:
    """Write the tables of each area and theme."""
    settings = _settings(args)
    period = Period.parse(args.period or settings.period)
    areas = args.area or settings.areas
    if not areas:
        raise InputError(
            settings.config_path, column="areas", message="is empty: name an area with --area"
        )
    _check_themes(args.theme, settings)
    themes = [t for t in args.theme or settings.themes if t != ASSESSMENT_FOLDER]
    check_theme_names(themes, config=settings.config_path)
    args.assessed = args.theme is None or ASSESSMENT_FOLDER in args.theme
    out = Path(args.out)
    with OutputLock(out):  # one run at a time writes here
        source = store.open_store(settings)
        _write_profiles(source, settings, areas, themes, period=period, out=out, args=args)
    if source.manifest["synthetic"]:
        print("Note: these tables are made from SYNTHETIC demo data.")
    print(_mode_line(args.restricted, settings.suppression_threshold))
    print(f"Tables written to {out.resolve()}")
    return 0


def _write_profiles(
    source: store.Store,
    settings: Settings,
    areas: list[str],
    themes: list[str],
    *,
    period: Period,
    out: Path,
    args: argparse.Namespace,
) -> None:
    """The tables of each area and theme: ``out/<theme>/``, or ``out/<area>/<theme>/``.

    Beside the theme folders, one workbook of the area's tables for the period
    (``<area>-<period>.xlsx``).
    """
    for area in areas:
        place = source.find_area(area)
        folder = area_folder(source.areas(), place["area_code"], source=source.wards_file)
        area_out = inside(out, folder) if len(areas) > 1 else out
        made = publish_area(
            settings,
            area=area,
            period=period,
            restricted=args.restricted,
            assessed=getattr(args, "assessed", False),
            store=source.location,
        )
        profiles = made.profiles
        for name in themes:
            profile = profiles[name]
            if isinstance(profile, Exception):
                raise profile
            write_tables(profile, area_out)
            print(profile.summary())
            if args.print and profile.available:
                print(_format(profile.headline), end="\n\n")
        if themes:  # not with --theme strategic_assessment alone
            book = inside(area_out, workbook_name(folder, period.folder))
            write_workbook(
                {name: profiles[name] for name in themes}, book, sources=settings.sources
            )
            print(f"Workbook: {book}")
        assessment = made.assessment
        if isinstance(assessment, CoverageError):
            print(f"Strategic assessment: not available. {assessment}")
        elif assessment is not None:
            write_assessment_tables(assessment, area_out)
            print(f"Strategic assessment, {assessment.period.describe()}: tables written.")


def _check_themes(names: list[str] | None, settings: Settings) -> None:
    """Refuse a --theme that is neither a theme of the config nor the strategic assessment."""
    known = [*settings.themes, ASSESSMENT_FOLDER]
    unknown = [t for t in names or [] if t not in known]
    if unknown:
        raise InputError(
            settings.config_path,
            column="themes",
            message=f"has no theme '{unknown[0]}'; known: {', '.join(known)}",
        )


def cmd_run(args: argparse.Namespace) -> int:
    """Execute the notebooks for every area and theme and write the HTML board pack."""
    from csp_analysis.pack import run_pack

    settings = _settings(args)
    period = Period.parse(args.period or settings.period)
    _check_themes(args.theme, settings)
    pages = run_pack(
        settings,
        period=period.label,
        out=args.out,
        areas=args.area,
        themes=args.theme,
        workers=args.workers,
        restricted=args.restricted,
        resume=args.resume,
        cluster=args.cluster,
    )
    for page in pages:
        mark = {"ok": "ok  ", "unavailable": "n/a ", "failed": "FAIL"}[page.status]
        note = " (unchanged, kept)" if page.reused else ""
        print(
            f"  {mark} {page.area_name}: {page.title}{note}"
            + (f" ({page.message})" if page.status != "ok" else "")
        )
    print(_mode_line(args.restricted, settings.suppression_threshold))
    index = (Path(args.out) / period.folder / "index.html").resolve()
    failed = [p for p in pages if p.status == "failed"]
    if failed:
        print(
            f"{len(failed)} of {len(pages)} pages failed; the executed notebooks are kept "
            "beside their pages for debugging.",
            file=sys.stderr,
        )
    print(f"Board pack: {index}")
    return 1 if failed else 0


def _mode_line(restricted: bool, threshold: int) -> str:
    if restricted:
        return "Mode: RESTRICTED analyst version (OFFICIAL-SENSITIVE: not for publication)."
    return (
        f"Mode: board and public version (counts of 1 to {threshold} in ward, people and "
        "other detailed tables, and in sensitive themes' breakdowns, suppressed across the "
        "whole pack; --restricted keeps exact numbers)."
    )


def _format(table: pd.DataFrame) -> str:
    shown = table[["measure", "current", "previous", "change", "pct_change", "p_value"]]
    return shown.to_string(
        index=False, na_rep="", float_format=lambda x: f"{x:,.3f}".rstrip("0").rstrip(".")
    )


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``csp``."""
    main = argparse.ArgumentParser(
        prog="csp",
        description="Community Safety Partnership crime and anti-social behaviour profiles.",
    )
    main.add_argument("--version", action="version", version=f"csp_analysis {__version__}")
    main.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = main.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo-data", help="write the synthetic Demoshire data")
    demo.add_argument("--out", required=True, help="folder to write")
    demo.add_argument("--seed", type=int, default=2025)
    demo.add_argument("--scale", type=float, default=1.0, help="record volume multiplier")
    demo.add_argument(
        "--national",
        action="store_true",
        help="a synthetic country instead: 43 forces, 314 CSPs, 36 months of data.police.uk "
        "files (about 20 million rows and 4.5 GB at --scale 1; 0.01 takes seconds)",
    )
    demo.add_argument(
        "--gzip", action="store_true", help="with --national: gzip the street files (1.1 GB)"
    )
    demo.set_defaults(run=cmd_demo_data)

    def data_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("--config", help="deployment settings (default config/demo.yaml)")
        command.add_argument("--data-dir", help="data directory (overrides the config)")
        command.add_argument(
            "--area-name", help="the area's name when the wards file has no area columns"
        )
        command.add_argument(
            "--store-dir",
            help="where processed stores go: a folder or an fsspec URL such as "
            "s3://bucket/stores (overrides the config's store_dir and $CSP_STORE_DIR; "
            "default data/processed/store)",
        )

    check = commands.add_parser("validate", help="check every file of a data directory")
    data_options(check)
    check.set_defaults(run=cmd_validate)

    ingest = commands.add_parser(
        "ingest",
        help="read, validate and locate the data once into the processed store "
        "(tables and run do it when needed)",
    )
    data_options(ingest)
    ingest.set_defaults(run=cmd_ingest)

    tables = commands.add_parser(
        "tables", help="write the tables of a profile as CSV and one Excel workbook"
    )
    data_options(tables)
    tables.add_argument("--area", action="append", help="area name or code (repeatable)")
    tables.add_argument("--period", help="2024-25, 2024-25Q3 or 2024-10:2025-09")
    tables.add_argument("--theme", action="append", help="theme (repeatable; default all)")
    tables.add_argument("--out", required=True, help="output folder")
    tables.add_argument("--print", action="store_true", help="print the headline tables")
    tables.add_argument(
        "--restricted",
        action="store_true",
        help="analyst version: exact small numbers, OFFICIAL-SENSITIVE (default: board/public)",
    )
    tables.set_defaults(run=cmd_tables)

    run = commands.add_parser("run", help="execute the notebooks and write the HTML board pack")
    data_options(run)
    run.add_argument("--period", help="2024-25, 2024-25Q3 or 2024-10:2025-09 (default: config)")
    run.add_argument(
        "--area",
        action="append",
        help="area name or code (repeatable; default: the config's areas)",
    )
    run.add_argument("--theme", action="append", help="theme (repeatable; default all)")
    run.add_argument("--out", default="outputs/pack", help="output folder")
    run.add_argument(
        "--workers", type=int, default=2, help="local worker processes (without --cluster)"
    )
    run.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run the pages on the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://host:8786); its workers need this version of csp_analysis and the config "
        "and data at the same paths (default: local worker processes)",
    )
    run.add_argument(
        "--restricted",
        action="store_true",
        help="analyst version: exact small "
        "numbers, every page marked OFFICIAL-SENSITIVE (default: board/public)",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="keep pages whose inputs and parameters have not changed since they were made",
    )
    run.set_defaults(run=cmd_run)
    return main


def main(argv: list[str] | None = None) -> int:
    """Run ``csp``; returns the exit code."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except EXPECTED_ERRORS as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - analysts get one line, developers --debug
        if args.debug:
            raise
        print(
            f"error: unexpected {type(error).__name__}: {error} (run with --debug and report it)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
