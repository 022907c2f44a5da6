"""Load a data directory: read, validate, classify and locate every file, once.

:func:`load_dataset` runs the first steps of the data flow for a whole data directory and
returns a :class:`Dataset` of canonical, located frames that the profiles cut by area,
period and theme. Partner extracts (``crimes.csv``, ``asb.csv``) take precedence over
data.police.uk rows for the same record type; the dataset says which source it used.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import union_categoricals

from csp_analysis import harm, peers
from csp_analysis.classify import (
    UNKNOWN,
    by_distinct,
    classify_offences,
    distinct_rows,
    is_in,
    load_offence_tree,
    police_uk_offence_group,
)
from csp_analysis.config import Settings
from csp_analysis.locate import Locator
from csp_analysis.read import (
    InputError,
    police_uk_files,
    read_police_uk_file,
    read_police_uk_table,
    read_table,
    read_wards,
)
from csp_analysis.validate import (
    check_ward_layout,
    crimes_first,
    date_formats,
    validate_asb,
    validate_crimes,
    validate_deprivation,
    validate_lookup,
    validate_nominals,
    validate_peer_list,
    validate_police_uk,
    validate_police_uk_many,
    validate_population,
    validate_population_totals,
    validate_wards,
)

SYNTHETIC_MARKER = "SYNTHETIC_DATA.md"
POLICE_UK = "data.police.uk"


@dataclass
class Dataset:
    """The located records of one data directory, with where they came from.

    ``crimes`` and ``asb`` carry the columns of their validate function plus ``ward_code``,
    ``area_code`` and ``location_method``; crimes also ``offence_subgroup``,
    ``offence_group``, ``classified_by`` and, for data.police.uk rows, ``crime_type``.
    ``population`` has columns ward_code, population; ``population_source`` says in words
    which population the rates use, and ``population_factors`` (area_code, area_name,
    population_before, population, factor) how each area's was scaled when the
    deployment scales it to area totals (``population_scale_to``; see
    :func:`scale_population` and :func:`population_note`). ``months_covered`` lists, for
    data.police.uk, the months that have a file (other sources cover every month).
    Crimes also carry ``harm_weight``, ``harm_weight_sq`` and ``weighted_by`` (see
    :func:`csp_analysis.harm.weigh_records`), and ``weights_note`` says in words which
    severity weights they use. ``peer_areas`` (area_code, area_name, population) lists
    the areas a theme is compared with (see :func:`_peers`), and crimes and ASB records
    then carry ``peer_area``, the code of the peer area each is in (missing when none).
    ``benchmark`` holds the Home Office CSP tables (see
    :func:`csp_analysis.peers.read_benchmark`), ``benchmark_areas`` their CSPs (area_code,
    area_name, population) and ``csp_lookup`` the LAD to CSP lookup; ``peer_list``
    (area_code, peer_code) the areas each area is compared with, when the deployment
    names them (``peers.csv``). ``deprivation`` (ward_code, imd_score) is each ward's
    deprivation score: given by ward, or the mean of its LSOAs' scores through the
    best-fit lookup. ``serious_violence_subgroups`` are the deployment's.

    What the records say about every area, so that an area's view of the processed store
    (:mod:`csp_analysis.store`: ``store`` set, ``crimes``, ``asb``, ``nominals`` and
    ``wards`` the area's alone, ``area_list`` every area) can account for the others:
    ``counts`` (by kind, :func:`record_counts`), ``filter_values`` (by kind,
    :func:`column_values`) and ``spans`` (by kind, the first and last month); see
    :meth:`summarise`.
    """

    wards: pd.DataFrame
    population: pd.DataFrame | None = None
    crimes: pd.DataFrame | None = None
    nominals: pd.DataFrame | None = None
    asb: pd.DataFrame | None = None
    crimes_source: str = ""
    asb_source: str = ""
    months_covered: pd.PeriodIndex | None = None
    synthetic: bool = False
    files: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    population_source: str = ""
    population_factors: pd.DataFrame | None = None
    weights_note: str = ""
    peer_areas: pd.DataFrame | None = None
    deprivation: pd.DataFrame | None = None
    benchmark: pd.DataFrame | None = None
    csp_lookup: pd.DataFrame | None = None
    serious_violence_subgroups: tuple[str, ...] = ()
    benchmark_areas: pd.DataFrame | None = None
    peer_list: pd.DataFrame | None = None
    counts: dict[str, pd.DataFrame] = field(default_factory=dict)
    filter_values: dict[str, dict[str, list]] = field(default_factory=dict)
    spans: dict[str, tuple[pd.Period, pd.Period]] = field(default_factory=dict)
    area_list: pd.DataFrame | None = None
    store: object = None

    def areas(self) -> pd.DataFrame:
        """Area codes and names in the wards file (columns area_code, area_name)."""
        if self.area_list is not None:
            return self.area_list
        return self.wards[["area_code", "area_name"]].drop_duplicates().reset_index(drop=True)

    def summarise(self) -> Dataset:
        """Set ``counts``, ``filter_values`` and ``spans`` from the records; returns self.

        Call it after changing the records (the load does).
        """
        for kind in RECORD_KINDS:
            if (records := self.records(kind)) is not None:
                self.counts[kind] = record_counts(records)
                self.filter_values[kind] = column_values(records)
                self.spans[kind] = (records["month"].min(), records["month"].max())
        return self

    def records(self, kind: str) -> pd.DataFrame | None:
        """The crimes (``kind`` "crimes") or anti-social behaviour ("asb") records."""
        return self.crimes if kind == "crimes" else self.asb

    def source(self, kind: str) -> str:
        """Where the records of ``kind`` came from ("crimes.csv", "data.police.uk", ...)."""
        return self.crimes_source if kind == "crimes" else self.asb_source

    def covered(self, kind: str) -> pd.PeriodIndex:
        """The months the records of ``kind`` cover.

        data.police.uk's months with a file, else every month from the first record's to
        the last's (in every area).
        """
        if self.source(kind) == POLICE_UK and self.months_covered is not None:
            return self.months_covered
        first, last = self.spans[kind]
        return pd.period_range(first, last, freq="M")

    def find_area(self, name_or_code: str) -> pd.Series:
        """The area row (area_code, area_name) matching a name or code.

        Names match case-insensitively with '&' and 'and' alike.
        """

        def key(text: str) -> str:
            return " ".join(str(text).lower().replace("&", " and ").split())

        areas = self.areas()
        hit = areas[
            (areas["area_code"].map(key) == key(name_or_code))
            | (areas["area_name"].map(key) == key(name_or_code))
        ]
        if hit.empty:
            raise InputError(
                self.files[0]["file"] if self.files else "wards",
                column="area_name",
                message=f"has no area '{name_or_code}'; the "
                f"wards file has: {', '.join(areas['area_name'])}",
            )
        return hit.iloc[0]


def _record_file(dataset: Dataset, path: Path, frame: pd.DataFrame) -> None:
    dataset.files.append(
        {
            "file": path.name,
            "path": str(path),
            "rows": len(frame),
            "encoding": frame.attrs.get("encoding", ""),
        }
    )


def _read(settings: Settings, role: str, dataset: Dataset) -> list[pd.DataFrame]:
    frames = []
    for path in settings.paths(role):
        frame = read_table(path, rename=settings.columns.get(role))
        _record_file(dataset, path, frame)
        frames.append(frame)
    return frames


def no_wards_error(settings: Settings) -> InputError:
    """The error for a data directory without a wards file."""
    names = settings.files["wards"]
    expected = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
    return InputError(
        settings.data_dir,
        message=f"has no wards file (expected {expected}): the wards are required",
    )


def _wards(settings: Settings, dataset: Dataset):
    paths = settings.paths("wards")
    if not paths:
        raise no_wards_error(settings)
    parts = []
    for path in paths:
        raw = read_wards(path)
        _record_file(dataset, path, raw)
        parts.append(validate_wards(raw, area_name=settings.area_name))
        dataset.notes.extend(parts[-1].attrs.get("notes", []))
    wards = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if wards["ward_code"].duplicated().any():
        code = wards.loc[wards["ward_code"].duplicated(), "ward_code"].iloc[0]
        raise InputError(
            paths[-1], column="ward_code", message=f"= '{code}' is also in another wards file"
        )
    dataset.notes.extend(check_ward_layout(parts))
    return wards


def _population(
    frame: pd.DataFrame, lookup: pd.DataFrame | None, wards, dataset: Dataset
) -> pd.DataFrame:
    if "ward_code" in frame:
        population = frame
    else:
        if lookup is None:
            raise InputError(
                frame.attrs.get("file", "population.csv"),
                column="lsoa_code",
                message="gives population by LSOA, so lsoa_ward_lookup.csv is "
                "needed to add it up to wards",
            )
        merged = frame.merge(lookup, on="lsoa_code", how="left")
        unmatched = merged["ward_code"].isna()
        if unmatched.any():
            dataset.notes.append(
                f"{int(unmatched.sum())} LSOAs in the population file are "
                "not in the lookup and were not added to any ward."
            )
        population = merged.loc[~unmatched].groupby("ward_code", as_index=False)["population"].sum()
        dataset.notes.append(
            "Ward populations are best-fit approximations: LSOA populations "
            "added up through the LSOA-to-ward best-fit lookup."
        )
    missing = sorted(set(wards["ward_code"]) - set(population["ward_code"]))
    if missing:
        dataset.notes.append(
            f"{len(missing)} wards have no population, so no rate: "
            f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}."
        )
    return population[population["ward_code"].isin(set(wards["ward_code"]))].reset_index(drop=True)


def ward_scores(
    scores: pd.DataFrame, lookup: pd.DataFrame | None, dataset: Dataset
) -> pd.DataFrame:
    """Deprivation scores by ward: as given, or the mean of each ward's LSOAs' scores.

    Returns columns ward_code, imd_score for the wards of the wards file that have one.
    """
    if "lsoa_code" in scores:
        if lookup is None:
            raise InputError(
                scores.attrs.get("file", "deprivation.csv"),
                column="lsoa_code",
                message="gives deprivation by LSOA, so lsoa_ward_lookup.csv is needed to "
                "add it up to wards",
            )
        scores = (
            scores.merge(lookup, on="lsoa_code")
            .groupby("ward_code", as_index=False)["imd_score"]
            .mean()
        )
        dataset.notes.append(
            "Ward deprivation scores are the mean IMD score of the ward's LSOAs (best-fit lookup)."
        )
    return scores.loc[scores["ward_code"].isin(set(dataset.wards["ward_code"]))].reset_index(
        drop=True
    )


def scale_population(
    population: pd.DataFrame, *, wards: pd.DataFrame, totals: pd.DataFrame, source: str | Path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ward populations scaled so that each area's wards add up to the area's total.

    ``population`` has ward_code, population; ``wards`` ward_code, area_code, area_name;
    ``totals`` area_code, population (for example ONS mid-year estimates by local
    authority). Each ward's population is multiplied by its area's total / the sum of its
    area's ward populations. Returns the scaled population (same columns) and one row per
    area with columns area_code, area_name, population_before, population (the total),
    factor. Raises :class:`~csp_analysis.read.InputError` naming ``source`` and the area
    when an area with population has no total.

    >>> wards = pd.DataFrame({"ward_code": ["W1", "W2"], "area_code": "A", "area_name": "Ay"})
    >>> scaled, factors = scale_population(
    ...     pd.DataFrame({"ward_code": ["W1", "W2"], "population": [100.0, 300.0]}),
    ...     wards=wards, totals=pd.DataFrame({"area_code": ["A"], "population": [500.0]}),
    ...     source="totals.csv")
    >>> scaled["population"].tolist(), factors["factor"].tolist()
    ([125.0, 375.0], [1.25])
    """
    area = population["ward_code"].map(wards.set_index("ward_code")["area_code"])
    before = population.groupby(area)["population"].sum()
    names = wards.drop_duplicates("area_code").set_index("area_code")["area_name"]
    total = totals.set_index("area_code")["population"].reindex(before.index)
    if total.isna().any():
        code = total.index[total.isna()][0]
        some = ", ".join(totals["area_code"].head(3))
        raise InputError(
            source,
            column="area_code",
            message=f"has no total for {names[code]} ({code}), whose ward populations "
            f"population_scale_to scales to its total (the file has area codes such as {some}: "
            "it must use the area codes of the wards file)",
        )
    factor = total / before
    scaled = population.assign(population=population["population"] * area.map(factor))
    factors = pd.DataFrame(
        {
            "area_code": before.index,
            "area_name": names.reindex(before.index).to_numpy(),
            "population_before": before.to_numpy(),
            "population": total.to_numpy(),
            "factor": factor.to_numpy(),
        }
    )
    return scaled, factors


def _population_source(settings: Settings, frame: pd.DataFrame, *, totals: Path | None) -> str:
    """Which population the rates use, in words (without the areas' scaling factors)."""
    by = "by ward" if "ward_code" in frame else "by LSOA"
    vintage = settings.population_vintage
    if not vintage and "year" in frame.attrs:
        vintage = f"residents in {frame.attrs['year']:g}"
    if not vintage:
        vintage = "residents of a date not stated (set population_vintage in the deployment file)"
    described = f"{vintage} ({Path(frame.attrs.get('file', 'population.csv')).name}, {by})"
    if totals is None:
        return f"Rates use {described}."
    scale = settings.population_scale_to
    return f"Rates use {scale.vintage}: {described} scaled to the area totals in {totals.name}"


def population_note(dataset: Dataset, area_code: str | None = None) -> str:
    """The sentence saying which population the rates use, with the area's scaling factor.

    Every area's factor when ``area_code`` is None; "" when the data has no population.
    """
    if not dataset.population_source or dataset.population_factors is None:
        return dataset.population_source
    factors = dataset.population_factors
    if area_code is not None:
        factors = factors.loc[factors["area_code"] == area_code]
    scaled = "; ".join(
        f"{row.area_name}: {row.population_before:,.0f} to {row.population:,.0f}, "
        f"a factor of {row.factor:.3f}"
        for row in factors.itertuples()
    )
    return dataset.population_source + (f" ({scaled})." if scaled else ".")


def _population_totals(settings: Settings, dataset: Dataset) -> tuple[Path, pd.DataFrame]:
    path = settings.data_dir / settings.population_scale_to.file
    if not path.is_file():
        raise InputError(
            path, column="population_scale_to.file", message="does not exist in the data folder"
        )
    raw = read_table(path, rename=settings.population_scale_to.columns)
    _record_file(dataset, path, raw)
    return path, validate_population_totals(raw)


def _police_uk_paths(settings: Settings) -> list[Path]:
    """The data.police.uk street files of the police_uk folders, in name order."""
    folders = settings.paths("police_uk")
    files = [f for folder in folders for f in police_uk_files(folder)]
    if not files:
        raise InputError(
            folders[0],
            message="holds no data.police.uk "
            "street files (named YYYY-MM-<force>-street.csv or .csv.gz)",
        )
    return files


def _police_uk(files: list[Path], tables: list, dataset: Dataset) -> pd.DataFrame:
    """The rows of some data.police.uk street files, validated (a run of a batch of the load).

    Plain files, read by pyarrow (``tables``, see :class:`StreetFiles`), are validated
    together (fast); any other file on its own, by the text reader and validate_police_uk,
    whose messages name the file, line and column. When every file is plain, the crimes
    come first (see :func:`validate_police_uk_many`).
    """
    fast, positions, refused = validate_police_uk_many(tables, [path.name for path in files])
    usable = np.array([table is not None for table in tables]) & ~refused
    if not usable.all():  # joined with the text path's rows below
        fast = plain_text(fast)
    counts = np.bincount(positions, minlength=len(files))
    frames = []
    for position, path in enumerate(files):
        if usable[position]:
            if not usable.all():
                frames.append(fast.loc[positions == position])
            counted = pd.DataFrame(index=range(counts[position]))
            counted.attrs["encoding"] = "utf-8"
            _record_file(dataset, path, counted)
        else:
            raw = read_police_uk_file(path)
            _record_file(dataset, path, raw)
            frames.append(validate_police_uk(raw))
    return fast if usable.all() else pd.concat(frames, ignore_index=True)


def _months_note(settings: Settings, dataset: Dataset, months: set) -> None:
    """Set the months data.police.uk covers, and note the months with no file."""
    covered = pd.PeriodIndex(sorted(months), freq="M")
    dataset.months_covered = covered
    missing = pd.period_range(covered.min(), covered.max(), freq="M").difference(covered)
    if len(missing):
        folders = settings.paths("police_uk")
        where = " and ".join(f"{_relative(f, settings.data_dir)}/" for f in folders)
        months = "1 month has" if len(missing) == 1 else f"{len(missing)} months have"
        dataset.notes.append(
            f"The data.police.uk files in {where} cover {covered.min()} to {covered.max()} "
            f"but {months} no file ({month_ranges(missing)}): those months show "
            "as gaps, never as zero, and trend tests use the latest unbroken run of months."
        )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def month_ranges(months: pd.PeriodIndex) -> str:
    """Months as runs, e.g. '2024-05 to 2024-12, 2025-03'.

    >>> month_ranges(pd.PeriodIndex(["2024-05", "2024-06", "2024-07", "2025-03"], freq="M"))
    '2024-05 to 2024-07, 2025-03'
    """
    runs, start = [], None
    for i, month in enumerate(months):
        start = month if start is None else start
        if i + 1 == len(months) or months[i + 1] != month + 1:
            runs.append(str(start) if start == month else f"{start} to {month}")
            start = None
    return ", ".join(runs)


def _police_uk_crimes(rows: pd.DataFrame) -> pd.DataFrame:
    crimes = crimes_first(rows, asb=False)
    types, distinct = pd.factorize(crimes["crime_type"])  # a type is never missing
    groups = police_uk_offence_group(pd.Series(distinct, dtype="str"))
    crimes = crimes.assign(
        offence=crimes["crime_type"],
        offence_subgroup=pd.NA,
        offence_group=_spread(groups["offence_group"], types, crimes.index),
        group_is_approximate=groups["group_is_approximate"].to_numpy()[types],
        classified_by=pd.Categorical.from_codes(np.zeros(len(crimes), np.int8), ["crime_type"]),
        domestic_abuse=pd.NA,
        serious_violence=pd.NA,
        hate_strands=[()] * len(crimes),
    )
    return crimes.reset_index(drop=True)


def _police_uk_asb(rows: pd.DataFrame) -> pd.DataFrame:
    asb = crimes_first(rows, asb=True)
    return asb.assign(category=pd.NA, source="police").reset_index(drop=True)


def derive_serious_violence(crimes: pd.DataFrame, *, subgroups: tuple[str, ...]) -> pd.Series:
    """The serious-violence flag: as given, else from the configured offence subgroups."""
    derived = crimes["offence_subgroup"].isin(subgroups)
    return crimes["serious_violence"].astype("boolean").fillna(derived).astype(bool)


def load_dataset(settings: Settings) -> Dataset:
    """Read, validate, classify and locate every file of the settings' data directory.

    The whole data in memory: :func:`open_inputs`, every batch of
    :func:`record_batches`, then :func:`finish_inputs` (the processed store streams the
    same batches to disk instead, see :func:`csp_analysis.store.ingest`). Raises
    :class:`~csp_analysis.read.InputError` for the first file that cannot be used.
    """
    dataset, inputs = open_inputs(settings)
    parts: dict[str, list[pd.DataFrame]] = {kind: [] for kind in RECORD_KINDS}
    for kind, records in record_batches(settings, dataset, inputs):
        parts[kind].append(records)
    for kind, frames in parts.items():
        if frames:
            setattr(dataset, kind, plain_text(_concat(frames)))
    finish_inputs(settings, dataset, inputs)
    return dataset.summarise()


@dataclass
class Inputs:
    """What the load reads besides the records, and what it learns from them batch by batch."""

    lookup: pd.DataFrame | None = None
    lookup_file: str | None = None
    locator: Locator | None = None
    totals: pd.DataFrame | None = None
    crimes_raw: list[pd.DataFrame] = field(default_factory=list)
    asb_raw: list[pd.DataFrame] = field(default_factory=list)
    police_files: list[Path] = field(default_factory=list)
    streets: StreetFiles | None = None  # the street files, read ahead
    weights: pd.DataFrame | None = None
    weights_file: str = ""
    peer_file: object = None
    csp_lookup: pd.DataFrame | None = None
    csp_placer: peers.CspPlacer | None = None
    areas: pd.DataFrame | None = None
    own_csp: dict[str, str] = field(default_factory=dict)
    months: set = field(default_factory=set)  # data.police.uk months with records
    lsoa: dict[str, dict] = field(default_factory=dict)  # kind -> lsoa_tally
    by_crime_type: bool = False  # some crime weighted by its data.police.uk crime type
    peer_areas_found: set = field(default_factory=set)


#: Rows of data.police.uk files read together in one batch of the load.
BATCH_ROWS = 2_000_000


def open_inputs(settings: Settings) -> tuple[Dataset, Inputs]:
    """Everything of the data directory but the records: wards, lookups, population, peers.

    Returns the dataset without records and what :func:`record_batches` needs. The street
    files are read from now on, in the background (:class:`StreetFiles`): take the batches
    with :func:`record_batches`, or stop the reading with :func:`close_inputs`.
    """
    if not settings.data_dir.is_dir():
        raise InputError(settings.data_dir, message="is not a folder (the data directory)")
    dataset = Dataset(wards=None, serious_violence_subgroups=settings.serious_violence_subgroups)
    inputs = Inputs()
    if settings.paths("police_uk") and not (settings.paths("crimes") and settings.paths("asb")):
        found = [path for folder in settings.paths("police_uk") for path in police_uk_files(folder)]
        inputs.streets = StreetFiles(found) if found else None  # read while the rest is opened
    try:
        _open_inputs(settings, dataset, inputs)
    except BaseException:
        close_inputs(inputs)
        raise
    return dataset, inputs


def close_inputs(inputs: Inputs) -> None:
    """Stop reading the street files ahead (when the batches are not all taken)."""
    if inputs.streets is not None:
        inputs.streets.close()


def _open_inputs(settings: Settings, dataset: Dataset, inputs: Inputs) -> None:
    dataset.wards = _wards(settings, dataset)
    dataset.synthetic = (settings.data_dir / SYNTHETIC_MARKER).exists()

    lookups = _read(settings, "lsoa_ward_lookup", dataset)
    if lookups:
        inputs.lookup = validate_lookup(lookups[0])
        inputs.lookup_file = lookups[0].attrs.get("file")
    inputs.locator = Locator(dataset.wards, lookup=inputs.lookup)
    populations = _read(settings, "population", dataset)
    if populations:
        validated = validate_population(populations[0])
        dataset.population = _population(validated, inputs.lookup, dataset.wards, dataset)
        totals_path = None
        if settings.population_scale_to is not None:
            totals_path, inputs.totals = _population_totals(settings, dataset)
            dataset.population, dataset.population_factors = scale_population(
                dataset.population, wards=dataset.wards, totals=inputs.totals, source=totals_path
            )
        dataset.population_source = _population_source(settings, validated, totals=totals_path)

    scores = _read(settings, "deprivation", dataset)
    if scores:
        dataset.deprivation = ward_scores(validate_deprivation(scores[0]), inputs.lookup, dataset)
    inputs.crimes_raw = _read(settings, "crimes", dataset)
    inputs.asb_raw = _read(settings, "asb", dataset)
    if (not inputs.crimes_raw or not inputs.asb_raw) and settings.paths("police_uk"):
        inputs.police_files = _police_uk_paths(settings)
    elif settings.paths("police_uk"):
        dataset.notes.append("The police_uk folder was not used: crimes.csv and asb.csv are given.")
    if inputs.crimes_raw:
        dataset.crimes_source = "crimes.csv"
    elif inputs.police_files:
        dataset.crimes_source = POLICE_UK
    if inputs.asb_raw:
        dataset.asb_source = "asb.csv"
    elif inputs.police_files:
        dataset.asb_source = POLICE_UK
    if dataset.crimes_source:
        paths = settings.paths("offence_weights")
        inputs.weights = harm.load_weights(paths[0] if paths else None)
        if paths:
            _record_file(dataset, paths[0], inputs.weights)
            inputs.weights_file = paths[0].name
    _open_peers(settings, dataset, inputs)


def _batches(files: list[Path]) -> list[list[Path]]:
    """data.police.uk files in batches of about :data:`BATCH_ROWS` rows (by file size)."""
    batches, size, limit = [[]], 0, BATCH_ROWS * 200  # about 200 bytes a row, plain
    for path in files:
        bytes_ = path.stat().st_size * (8 if path.suffix == ".gz" else 1)
        if batches[-1] and size + bytes_ > limit:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += bytes_
    return batches


def record_batches(settings: Settings, dataset: Dataset, inputs: Inputs):
    """The records, batch by batch: (kind, located records) with kind "crimes" or "asb".

    Partner extracts are one batch; data.police.uk files are read in batches of about
    :data:`BATCH_ROWS` rows, whole files in name order (see :class:`StreetFiles`). Each
    batch's records are validated, classified, located, weighed and placed in their peer
    area, in runs of the files read by then (each record on its own, so that the runs give
    the batch's records whatever their length); what the whole data says (months covered,
    LSOA codes, peer areas found) is gathered in ``inputs`` for :func:`finish_inputs`.
    """
    try:
        if inputs.crimes_raw:
            crimes = validate_crimes(inputs.crimes_raw[0])
            crimes = classify_offences(crimes, tree=load_offence_tree())
            crimes["serious_violence"] = derive_serious_violence(
                crimes, subgroups=settings.serious_violence_subgroups
            )
            nominals_raw = _read(settings, "nominals", dataset)
            if nominals_raw:
                dataset.nominals = validate_nominals(nominals_raw[0], crimes["crime_id"])
            yield "crimes", _place(crimes, "crimes", dataset, inputs)
        if inputs.asb_raw:
            yield "asb", _place(validate_asb(inputs.asb_raw[0]), "asb", dataset, inputs)
        for batch in inputs.streets if inputs.police_files else []:
            parts: dict[str, list[pd.DataFrame]] = {kind: [] for kind in RECORD_KINDS}
            for files, tables in batch:
                rows = _police_uk(files, tables, dataset)
                inputs.months |= set(rows["month"].unique())
                if inputs.crimes_raw or inputs.asb_raw:  # the street files give one kind
                    rows = rows.loc[rows["is_asb"].to_numpy() == bool(inputs.crimes_raw)]
                rows = _locate(rows, inputs)  # crimes and ASB at once: they share places
                if not inputs.crimes_raw:
                    crimes = _police_uk_crimes(rows)
                    parts["crimes"].append(_tally_and_weigh(crimes, "crimes", inputs))
                if not inputs.asb_raw:
                    asb = _police_uk_asb(rows)
                    parts["asb"].append(_tally_and_weigh(asb, "asb", inputs))
            for kind, frames in parts.items():
                if frames:
                    yield kind, _concat(frames)
    finally:
        close_inputs(inputs)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one after the other (numbered from 0), text as categories where all have it.

    Each such column's categories are united; any other column is text (see
    :func:`plain_text`).
    """
    if len(frames) == 1:
        return frames[0]
    everywhere = set.intersection(*(set(text_as_categories(frame)) for frame in frames))
    united = {
        column: pd.Series(union_categoricals([f[column] for f in frames], ignore_order=True))
        for column in frames[0].columns
        if column in everywhere
    }
    rest = [plain_text(frame.drop(columns=list(united))) for frame in frames]
    whole = pd.concat(rest, ignore_index=True)
    for column, values in united.items():
        whole[column] = values
    return whole[list(frames[0].columns)]


#: The records' categorical columns: any other categorical column of records inside the load
#: is text kept as categories (see :func:`plain_text`).
CATEGORICAL_COLUMNS = frozenset({"location_method"})


def plain_text(records: pd.DataFrame) -> pd.DataFrame:
    """Records with the text kept as categories inside the load as text (a copy when any).

    The load keeps text that repeats (file names, crime types, LSOA names and codes, ward,
    area and peer area codes) as categories, which group, hash and store at the cost of
    their few distinct values; each becomes the text dtype of its categories, as the
    validate functions give it.
    """
    kept = text_as_categories(records)
    if not kept:
        return records
    out = records.copy(deep=False)
    for column in kept:
        out[column] = out[column].astype(out[column].cat.categories.dtype)
    return out


def text_as_categories(records: pd.DataFrame) -> list[str]:
    """The columns of text that the load keeps as categories (see :func:`plain_text`)."""
    return [
        column
        for column, dtype in records.dtypes.items()
        if isinstance(dtype, pd.CategoricalDtype) and column not in CATEGORICAL_COLUMNS
    ]


def text_dtypes(records: pd.DataFrame) -> dict[str, str]:
    """The name of each column's dtype once :func:`plain_text` has made its text text."""
    kept = text_as_categories(records)
    return {
        column: str(dtype.categories.dtype if column in kept else dtype)
        for column, dtype in records.dtypes.items()
    }


class StreetFiles:
    """data.police.uk street files in batches (see :func:`_batches`), read ahead.

    Iterating gives, for each batch, its files and their pyarrow tables
    (:func:`~csp_analysis.read.read_police_uk_table`) in runs, each of the files read by
    then: the files are read in the background (two at a time: unzipping and parsing
    release the GIL), the first batch's from the start, while the wards and lookups are
    opened, and the next batch's while a batch is processed.
    """

    def __init__(self, files: list[Path]) -> None:
        self.batches = _batches(files)
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="csp-read")
        self._next = self._read(0)

    def _read(self, batch: int) -> list[Future]:
        files = self.batches[batch] if batch < len(self.batches) else []
        return [self._pool.submit(read_police_uk_table, path) for path in files]

    def __iter__(self):
        for batch, files in enumerate(self.batches):
            reading, self._next = self._next, self._read(batch + 1)
            yield self._runs(files, reading)

    @staticmethod
    def _runs(files: list[Path], reading: list[Future]):
        """The files and tables of a batch, in runs of the files read already (one at least)."""
        start = 0
        while start < len(files):
            end = start + 1
            reading[start].result()
            while end < len(files) and reading[end].done():
                end += 1
            yield files[start:end], [future.result() for future in reading[start:end]]
            start = end

    def close(self) -> None:
        """Stop reading ahead (a file being read is finished first)."""
        self._pool.shutdown(cancel_futures=True)


#: The columns that locate a record and place it among its peers (:func:`_place`).
PLACE_COLUMNS = (
    "latitude",
    "longitude",
    "easting",
    "northing",
    "ward_code",
    "lsoa_code",
    "area_code",
    "lsoa_name",
)
#: The columns that weigh a crime (:func:`csp_analysis.harm.weigh_records`).
WEIGHT_COLUMNS = ("offence_code", "crime_type")


def _place(records: pd.DataFrame, kind: str, dataset: Dataset, inputs: Inputs) -> pd.DataFrame:
    """Records of one kind located, weighed (crimes) and placed in their peer area."""
    return _tally_and_weigh(_locate(records, inputs), kind, inputs)


def _locate(records: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Records with their ward_code, area_code, location_method and peer_area (a copy).

    Locating and placing look at a few columns of each record alone, so each distinct
    place (:data:`PLACE_COLUMNS`) is located and placed once; the records take the results.
    """
    places, again = _distinct(records, PLACE_COLUMNS)
    located = inputs.locator.locate(plain_text(places))
    located["peer_area"] = _peer_area(located, inputs)
    inputs.peer_areas_found |= set(located["peer_area"].dropna().unique())
    out = records.copy(deep=False)  # copy on write: the caller's frame is not changed
    for column in ("ward_code", "area_code", "location_method", "peer_area"):
        out[column] = _spread(located[column], again, out.index)
    return out


def _tally_and_weigh(records: pd.DataFrame, kind: str, inputs: Inputs) -> pd.DataFrame:
    """Located records of one kind (:func:`_locate`): LSOA codes tallied, crimes weighed.

    Each distinct offence (:data:`WEIGHT_COLUMNS`) is weighed once. The columns end with
    location_method, the weights (crimes) and peer_area.
    """
    tally = lsoa_tally(records, inputs.locator.lsoa_codes)
    inputs.lsoa[kind] = combine_tallies(inputs.lsoa.get(kind), tally)
    out = records.copy(deep=False)
    out["location_method"] = out.pop("location_method")
    if kind == "crimes":
        offences, which = _distinct(records, WEIGHT_COLUMNS)
        weighed = harm.weigh_records(plain_text(offences), inputs.weights)
        for column in ("harm_weight", "harm_weight_sq", "weighted_by"):
            out[column] = _spread(weighed[column], which, out.index)
        inputs.by_crime_type |= bool((weighed["weighted_by"] == "crime_type").any())
    out["peer_area"] = out.pop("peer_area")
    return out


def _distinct(records: pd.DataFrame, columns: tuple[str, ...]) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct rows of ``records``' ``columns``, and each record's position among them.

    All the rows when most are distinct (spreading results back would cost more).
    """
    frame = records[[c for c in columns if c in records]]
    again, first = distinct_rows(frame)
    if len(first) * 2 > len(frame):
        return frame.reset_index(drop=True), np.arange(len(frame))
    return frame.iloc[first].reset_index(drop=True), again


def _spread(values: pd.Series, again: np.ndarray, index: pd.Index) -> pd.Series:
    """The values of distinct rows given to the records (``again``: see :func:`_distinct`).

    Text as categories (see :func:`plain_text`).
    """
    if isinstance(values.dtype, pd.StringDtype):
        codes, found = pd.factorize(values)
        return pd.Series(pd.Categorical.from_codes(codes[again], categories=found), index=index)
    return values.take(again).set_axis(index)


def finish_inputs(settings: Settings, dataset: Dataset, inputs: Inputs) -> None:
    """What the load says once every batch is read: months, LSOA codes, harm, peers.

    Raises :class:`~csp_analysis.read.InputError` when no record's LSOA code is in the
    lookup, or the peer list or benchmark cannot be used.
    """
    if inputs.police_files:
        _months_note(settings, dataset, inputs.months)
    for kind in RECORD_KINDS:
        if kind in inputs.lsoa:
            check_lsoa_codes(
                inputs.lsoa[kind],
                inputs.lookup,
                lookup_file=inputs.lookup_file,
                notes=dataset.notes,
            )
    if dataset.crimes_source:
        note = (
            f"Harm uses the weights in {inputs.weights_file}, not the ONS list."
            if inputs.weights_file
            else ""
        )
        if inputs.by_crime_type:
            note += (
                " data.police.uk gives crime types, not offence codes, so each crime type has "
                "one approximate weight: the average weight of its offence codes in the "
                "national mix of recorded crime (England and Wales, 2017-18)."
            )
        dataset.weights_note = note.strip()
    _finish_peers(settings, dataset, inputs)


#: The two kinds of record, as :meth:`Dataset.records` names them.
RECORD_KINDS = ("crimes", "asb")
#: Columns that identify a record, its date or its exact place: no theme may use them.
PRIVATE_COLUMNS = frozenset(
    "source_file line crime_id incident_id date month latitude longitude easting northing "
    "coordinates_unreadable duplicate group_conflict group_is_approximate classified_by".split()
)
#: Columns the load derives (a theme cannot filter on them).
DERIVED_COLUMNS = frozenset({"harm_weight", "harm_weight_sq", "weighted_by", "peer_area"})
#: The columns of :func:`record_counts`.
COUNT_KEYS = ["area_code", "peer_area", "location_method", "month"]


def record_counts(records: pd.DataFrame) -> pd.DataFrame:
    """How many records there are by area, peer area, location method and month.

    Returns columns area_code, peer_area (missing in either when the record has none),
    location_method, month, records: what a page needs to account for the records of
    every other area without reading them.
    """
    frame = records.reindex(columns=COUNT_KEYS)
    counts = frame.groupby(COUNT_KEYS, dropna=False, observed=True).size()
    counts = plain_text(counts.rename("records").reset_index())
    counts["peer_area"] = counts["peer_area"].astype("string")
    return counts


def combine_counts(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Several batches' :func:`record_counts` as one table (the same as the whole's)."""
    table = pd.concat(parts, ignore_index=True)
    counts = table.groupby(COUNT_KEYS, dropna=False, observed=True)["records"].sum()
    return counts.reset_index()


def combine_values(first: dict[str, list] | None, second: dict[str, list]) -> dict[str, list]:
    """Two batches' :func:`column_values` as one (the same as the whole's)."""
    if first is None:
        return second
    return {
        column: sorted(set(first.get(column, [])) | set(second.get(column, [])), key=str)
        for column in {**first, **second}
    }


def column_values(records: pd.DataFrame) -> dict[str, list]:
    """The values found in each column a theme may filter on (strands one by one).

    Text, category and yes/no columns other than :data:`PRIVATE_COLUMNS` and
    :data:`DERIVED_COLUMNS`; values as Python objects, so that they can be stored as JSON.
    """
    values = {}
    for column in records.columns:
        series = records[column]
        if column in PRIVATE_COLUMNS | DERIVED_COLUMNS:
            continue
        if column == "hate_strands":
            values[column] = sorted(set().union(*pd.unique(series.to_numpy())))
        elif not (
            pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)
        ) or pd.api.types.is_bool_dtype(series):
            if isinstance(series.dtype, pd.CategoricalDtype):  # the categories found
                codes = series.cat.codes.to_numpy()
                counts = np.bincount(codes[codes >= 0], minlength=len(series.cat.categories))
                found = list(series.cat.categories[counts > 0])
            else:
                text = isinstance(series.dtype, pd.StringDtype)  # unique first: no copy
                found = series if text else series.dropna()
                found = [v for v in found.unique() if not pd.isna(v)]
            values[column] = sorted((v.item() if hasattr(v, "item") else v for v in found), key=str)
    return values


def _csp_or_own(area_code: str, lookup: pd.DataFrame) -> str:
    """The CSP of a wards-file area; an area the lookup does not know is its own unit."""
    try:
        return peers.csp_of_area(area_code, lookup)
    except ValueError:
        return area_code


def _check_peer_list(listed: pd.DataFrame, known: set[str], file: object) -> None:
    """Refuse a peer list code that is no area of the data, the lookup or the benchmark."""
    for column in ("area_code", "peer_code"):
        unknown = ~listed[column].isin(known)
        if unknown.any():
            first = listed.loc[unknown].iloc[0]
            raise InputError(
                file,
                line=int(first["line"]) if "line" in listed else None,
                column=column,
                message=f"= '{first[column]}' is not an area of the data (nor a CSP of the "
                "lookup): use the area codes of the wards file or the CSP codes of the lookup",
            )


def _open_peers(settings: Settings, dataset: Dataset, inputs: Inputs) -> None:
    """The areas of the wards file with their residents, the peer list and the CSP lookup."""
    if listed := _read(settings, "peer_list", dataset):
        dataset.peer_list = validate_peer_list(listed[0])
        inputs.peer_file = listed[0].attrs.get("file")
    areas = dataset.areas()
    if dataset.population is not None:
        by_area = dataset.population.merge(
            dataset.wards[["ward_code", "area_code"]], on="ward_code"
        )
        residents = by_area.groupby("area_code")["population"].sum()
        areas["population"] = areas["area_code"].map(residents)
    else:
        areas["population"] = float("nan")
    inputs.areas = areas
    if paths := settings.paths("csp_lookup"):
        lookup = dataset.csp_lookup = inputs.csp_lookup = peers.read_csp_lookup(paths[0])
        _record_file(dataset, paths[0], lookup)
        inputs.own_csp = {code: _csp_or_own(code, lookup) for code in areas["area_code"]}
        names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
        inputs.csp_placer = peers.CspPlacer(
            lookup, wards_areas=list(areas["area_code"]), area_names=names
        )


def _peer_area(records: pd.DataFrame, inputs: Inputs) -> pd.Series:
    """Each record's peer area (missing when none).

    Its wards-file area, else (with a CSP lookup) the CSP of its LSOA name's local
    authority.
    """
    if inputs.csp_placer is None:
        return records["area_code"]
    placed = inputs.csp_placer.place(records)
    to_area = {csp: code for code, csp in inputs.own_csp.items()}  # wards-file areas' codes
    return by_distinct(placed["csp_code"], lambda csp: csp.map(to_area).fillna(csp)).astype(
        "string"
    )


def _finish_peers(settings: Settings, dataset: Dataset, inputs: Inputs) -> None:
    """The areas to compare with, once every record has its peer area.

    The areas of the wards file (residents from the ward populations), and with a CSP
    lookup (file role ``csp_lookup``) the other CSPs of the same police force whose
    records the data holds: their records are placed by their LSOA name's local
    authority, their residents are the area totals of ``population_scale_to``.
    """
    areas, totals, lookup = inputs.areas, inputs.totals, inputs.csp_lookup
    if lookup is None:
        dataset.peer_areas = areas if len(areas) > 1 else None
        if dataset.peer_list is not None:
            _check_peer_list(dataset.peer_list, set(areas["area_code"]), inputs.peer_file)
        return
    own = inputs.own_csp
    forces = set(lookup.loc[lookup["csp_code"].isin(own.values()), "pfa_code"])
    force_csps = set(lookup.loc[lookup["pfa_code"].isin(forces), "csp_code"])
    others = sorted((inputs.peer_areas_found & force_csps) - set(own.values()))
    if others and totals is not None:
        extra = peers.area_populations(totals, lookup, areas=others)
        areas = pd.concat(
            [areas, extra[["area_code", "area_name", "population"]]], ignore_index=True
        )
    elif others:  # pragma: no cover - a deployment with a lookup but no area totals
        dataset.notes.append(
            f"{len(others)} other CSPs of the force have records but no population "
            "(population_scale_to is not set), so they are not compared."
        )
    dataset.peer_areas = areas if len(areas) > 1 else None
    if bench := settings.paths("benchmark"):
        if totals is None:
            raise InputError(
                settings.config_path or bench[0],
                column="population_scale_to",
                message=f"is not set, and {bench[0].name} needs area totals for the rates "
                "of its CSPs",
            )
        dataset.benchmark = peers.read_benchmark(bench[0], lookup=lookup)
        _record_file(dataset, bench[0], dataset.benchmark)
        codes = sorted(set(dataset.benchmark["csp_code"]))
        dataset.benchmark_areas = peers.area_populations(totals, lookup, areas=codes)[
            ["area_code", "area_name", "population"]
        ]
    if dataset.peer_list is not None:
        known = set(areas["area_code"]) | set(lookup["csp_code"])
        _check_peer_list(dataset.peer_list, known, inputs.peer_file)


LSOA_VINTAGE_HINT = (
    "the lookup must be of the same LSOA vintage as the records (2021 LSOAs, E01 codes; "
    "2011 codes differ where LSOAs were split or merged)"
)


def lsoa_tally(records: pd.DataFrame, lsoa_codes: pa.Array | None) -> dict:
    """What :func:`check_lsoa_codes` needs to know of located records' LSOA codes.

    ``lsoa_codes`` are the lookup's (None without a lookup).

    Counts of records with a code (``coded``), with a code the lookup knows (``known``),
    that only an LSOA code can place (``by_code_only``: no coordinates, no known ward
    code) and of those, with an unknown code (``unplaced``); and the first record with an
    unknown code and the first unplaced one (file, line, code), or None.
    """
    has_code = records["lsoa_code"].notna()
    has_xy = records[["latitude", "longitude"]].notna().all(axis=1) | records[
        ["easting", "northing"]
    ].notna().all(axis=1)
    by_code_only = has_code & ~has_xy & (records["location_method"] != "ward_code")
    known = (
        is_in(records["lsoa_code"], lsoa_codes)
        if lsoa_codes is not None
        else pd.Series(False, index=records.index)
    )
    unknown, unplaced = has_code & ~known, by_code_only & has_code & ~known

    def first(mask: pd.Series) -> tuple | None:
        if not mask.any():
            return None
        row = records.iloc[int(np.argmax(mask.to_numpy()))]
        return row["source_file"], int(row["line"]), row["lsoa_code"]

    return {
        "coded": int(has_code.sum()),
        "known": int(known.sum()),
        "by_code_only": int(by_code_only.sum()),
        "unplaced": int(unplaced.sum()),
        "first_unknown": first(unknown),
        "first_unplaced": first(unplaced),
    }


def combine_tallies(first: dict | None, second: dict) -> dict:
    """Two batches' :func:`lsoa_tally` as one (counts added, the earlier first record)."""
    if first is None:
        return second
    return {
        key: (first[key] or second[key]) if key.startswith("first") else first[key] + second[key]
        for key in first
    }


def check_lsoa_codes(
    tally: dict,
    lookup: pd.DataFrame | None,
    *,
    lookup_file: str | None,
    notes: list[str],
) -> None:
    """Refuse records whose LSOA codes are all unknown to the lookup; note most unknown.

    ``tally`` is :func:`lsoa_tally` of the located records (of every batch). Adds a note
    when most records that only an LSOA code can place (no coordinates, no known ward code)
    are not in the lookup, or when there is no lookup to place them with.
    """
    if not tally["coded"]:
        return
    by_code_only = tally["by_code_only"]
    if lookup is None:
        if by_code_only:
            notes.append(
                f"{_records(by_code_only)} "
                f"{'has' if by_code_only == 1 else 'have'} only an LSOA code to place "
                "them, but there is no lsoa_ward_lookup.csv: they are in no ward."
            )
        return
    lookup_name = Path(lookup_file or "lsoa_ward_lookup.csv").name
    if not tally["known"]:
        file, line, code = tally["first_unknown"]
        raise InputError(
            file,
            line=line,
            column="lsoa_code",
            message=f"= '{code}' is not in {lookup_name}, and neither is any "
            f"other record's LSOA code ({tally['coded']:,} records): {LSOA_VINTAGE_HINT}, "
            "and cover the area",
        )
    if tally["unplaced"] * 2 > by_code_only:
        file, line, code = tally["first_unplaced"]
        notes.append(
            f"{tally['unplaced']:,} of {by_code_only:,} records that only an LSOA "
            f"code can place have a code not in {lookup_name} (first: {file} "
            f"line {line}, '{code}'), so they are in no ward. If "
            f"they are in the area, {LSOA_VINTAGE_HINT}."
        )


def _records(count: int) -> str:
    return f"{int(count):,} record{'' if count == 1 else 's'}"


def record_notes(dataset: Dataset) -> list[str]:
    """What `csp validate` says about the located records beyond their counts.

    The records outside every area, those whose offence labels the classification does not
    know (kept as the extract gives them) and those with nothing to classify them by, with
    how many and the first one's file and line. (Profiles count these in their data-quality table.)
    """
    notes = []
    for name in ("crimes", "asb"):
        records = getattr(dataset, name)
        if records is None or records.empty:
            continue
        source = dataset.crimes_source if name == "crimes" else dataset.asb_source
        outside = records["location_method"] == "outside"
        if outside.any():
            first = records.loc[outside].iloc[0]
            notes.append(
                f"{source}: {int(outside.sum()):,} of {_records(len(records))} "
                f"{'is' if outside.sum() == 1 else 'are'} outside every area of the wards "
                f"file (first: {first['source_file']} line {int(first['line'])}); they are "
                "kept and counted in the data-quality table."
            )
        if "classified_by" in records:
            kept = records["classified_by"] == "extract"
            if kept.any():
                first = records.loc[kept].iloc[0]
                label = first["offence_subgroup"]
                label = first["offence_group"] if label == UNKNOWN else label
                notes.append(
                    f"{source}: {_records(kept.sum())} "
                    f"{'has' if kept.sum() == 1 else 'have'} an offence subgroup or group "
                    "that the Home Office classification does not know (first: "
                    f"{first['source_file']} line {int(first['line'])}, '{label}'); they keep "
                    "the labels the extract gives and are counted in the data-quality table."
                )
            unknown = records["classified_by"] == "unknown"
            if unknown.any():
                first = records.loc[unknown].iloc[0]
                offence = "" if pd.isna(first["offence"]) else first["offence"]
                notes.append(
                    f"{source}: {_records(unknown.sum())} "
                    f"{'has' if unknown.sum() == 1 else 'have'} an offence that could not "
                    f"be classified (first: {first['source_file']} line {int(first['line'])}, "
                    f"'{offence}'); they are kept, with subgroup and group 'Unknown'."
                )
    return notes


def describe_read(frame: pd.DataFrame, *, dates: bool = False) -> str:
    """How a file was read, for `csp validate` (e.g. "windows-1252; dates DD/MM/YYYY").

    The encoding unless plain UTF-8, and (with ``dates``) the date formats found unless
    only ISO ``YYYY-MM-DD``.
    """
    parts = []
    encoding = frame.attrs.get("encoding", "")
    if encoding and encoding != "utf-8":
        parts.append(encoding)
    if dates and "date" in frame:
        formats = date_formats(frame)
        if formats not in ("", "YYYY-MM-DD"):
            parts.append(f"dates {formats}")
    return "; ".join(parts)


def check_files(settings: Settings) -> list[tuple[str, str]]:
    """Check each file of the data directory on its own, so every problem is reported.

    Returns (file name, result) pairs; a result starting "error:" names the line and
    column of the first problem in that file, otherwise it gives the rows read and, in
    brackets, how the file was read when that is worth knowing (an encoding other than
    UTF-8, the date formats, polygons repaired).
    """
    results: list[tuple[str, str]] = []

    def attempt(name: str, check) -> object:
        try:
            value, how = check()
        except InputError as error:
            results.append((name, f"error: {error}"))
            return None
        rows = len(value) if hasattr(value, "__len__") else ""
        result = f"{rows:,} rows" if rows != "" else "ok"
        results.append((name, result + (f" ({how})" if how else "")))
        return value

    def table(path: Path, role: str, check, **options):
        raw = read_table(path, rename=settings.columns.get(role))
        return check(raw, **options), describe_read(raw, dates=role in ("crimes", "asb"))

    def wards(path: Path):
        value = validate_wards(read_wards(path), area_name=settings.area_name)
        repaired = len(value.attrs.get("notes", []))
        return value, (
            f"{repaired} polygon{'s' if repaired > 1 else ''} repaired" if repaired else ""
        )

    if not settings.data_dir.is_dir():
        return [(str(settings.data_dir), "error: is not a folder (the data directory)")]
    if not settings.paths("wards"):
        results.append((settings.data_dir.name, f"error: {no_wards_error(settings)}"))
    for path in settings.paths("wards"):
        attempt(path.name, lambda p=path: wards(p))
    checks = {
        "lsoa_ward_lookup": validate_lookup,
        "population": validate_population,
        "crimes": validate_crimes,
        "asb": validate_asb,
    }
    found = {}
    for role, check in checks.items():
        for path in settings.paths(role):
            found[role] = attempt(path.name, lambda p=path, c=check, r=role: table(p, r, c))
    if (scale := settings.population_scale_to) is not None:
        path = settings.data_dir / scale.file
        attempt(
            path.name,
            lambda: (
                validate_population_totals(raw := read_table(path, rename=scale.columns)),
                describe_read(raw),
            ),
        )
    crimes = found.get("crimes")
    crime_ids = None if crimes is None else crimes["crime_id"]
    for path in settings.paths("nominals"):
        attempt(
            path.name,
            lambda p=path: table(p, "nominals", validate_nominals, crime_ids=crime_ids),
        )
    for folder in settings.paths("police_uk"):
        files = police_uk_files(folder)
        if not files:
            results.append((folder.name, "error: holds no data.police.uk street files"))
        for path in files:
            attempt(
                path.name,
                lambda p=path: (
                    validate_police_uk(raw := read_police_uk_file(p)),
                    describe_read(raw),
                ),
            )
    return results
