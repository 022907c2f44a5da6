"""Store: ingest the data directory once, and give each page only its own area.

The step between locating and the indicators (read -> validate -> locate -> store ->
indicators). :func:`ingest` loads the data directory once with
:func:`csp_analysis.load.load_dataset` and writes the processed store: a folder under the
deployment's ``store_dir`` (``data/processed/store`` by default) named by the SHA-256 of
the inputs, the settings that affect them and the toolkit's version, so that a changed
input makes a new store and an unchanged one is reused. In it:

* ``crimes/area=<code>/part-NNNNN.parquet`` and ``asb/...``: the located records, a
  folder per area of the wards file with a file per batch of the load, and ``area=none/``
  for the records in no area (kept for the data-quality accounting); ``nominals/`` by the
  area of their crime;
* ``wards/area=<code>.parquet`` (GeoParquet; ``wards.parquet`` holds them all, for the
  aggregates over every area) and the small tables (population, peers, deprivation,
  the Home Office tables, the lookups);
* ``counts-<kind>.parquet``: every record counted by area, peer area, location method and
  month (:func:`csp_analysis.load.record_counts`), so that a page accounts for every
  record without reading the others;
* ``manifest.json``: the key, the inputs (name, bytes, rows, SHA-256), the notes, the
  months covered and the values of each column a theme may filter on.

:meth:`Store.dataset` reads one area's view: its records, its wards and the small tables.
Aggregates over every area that a page needs (a theme's counts in each peer area, the
hot spots of every ward of a year) are computed once, from the columns they need, and kept
in the store (``derived/``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import shutil
import sys
import tempfile
import uuid
import warnings
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from csp_analysis import __version__
from csp_analysis.config import Settings, Theme
from csp_analysis.load import (
    RECORD_KINDS,
    SYNTHETIC_MARKER,
    Dataset,
    column_values,
    combine_counts,
    combine_values,
    finish_inputs,
    open_inputs,
    plain_text,
    record_batches,
    record_counts,
    text_as_categories,
    text_dtypes,
)
from csp_analysis.outputs import is_safe_name
from csp_analysis.periods import Period
from csp_analysis.provenance import sha256, shown
from csp_analysis.read import police_uk_files

#: The store's layout version: a store of another layout is never read.
STORE_FORMAT = 2
#: The partition of the records in no area of the wards file.
NO_AREA = "none"
#: The modules whose code decides what the store holds (their text is part of the key).
INGEST_MODULES = ("read", "validate", "classify", "locate", "load", "harm", "peers", "store")
#: The small tables of a dataset that every page reads whole.
TABLES = (
    "population",
    "population_factors",
    "peer_areas",
    "deprivation",
    "benchmark",
    "benchmark_areas",
    "csp_lookup",
    "peer_list",
)
#: The dataset's scalar fields, kept in the manifest.
SCALARS = (
    "crimes_source",
    "asb_source",
    "synthetic",
    "notes",
    "population_source",
    "weights_note",
    "serious_violence_subgroups",
)


def input_paths(settings: Settings) -> list[Path]:
    """Every file the load may read from the data directory, in a stable order."""
    found: list[Path] = []
    for role in settings.files:
        for path in settings.paths(role):
            found += police_uk_files(path) if path.is_dir() else [path]
    if settings.population_scale_to is not None:
        totals = settings.data_dir / settings.population_scale_to.file
        found += [totals] if totals.is_file() else []
    marker = settings.data_dir / SYNTHETIC_MARKER
    found += [marker] if marker.is_file() else []
    return sorted(set(found))


def _code_digest(paths=None) -> str:
    """SHA-256 of code and the bundled reference tables (by default, the ingest modules')."""
    package = Path(__file__).parent
    if paths is None:
        paths = [package / f"{name}.py" for name in INGEST_MODULES]
    paths = sorted(paths) + sorted((package / "reference").glob("*"))
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _settings_text(settings: Settings) -> str:
    """The settings as text, without the folders (the store's key covers the data)."""
    return repr(replace(settings, data_dir=Path(), config_path=None, store_dir=Path()))


def store_key(settings: Settings) -> tuple[str, list[dict]]:
    """The store's key, and the inputs it covers (file, bytes, SHA-256).

    Each input's file is named relative to the data folder. The key is the SHA-256 of
    the inputs' contents, the settings that change what is read and how (files, columns,
    area name, serious violence subgroups, population), the toolkit's version and its
    ingest code. Themes, periods and areas are not part of it: they choose from the
    store, they do not change it.
    """
    inputs = [
        {
            "file": shown(path, root=settings.data_dir),
            "bytes": path.stat().st_size,
            "sha256": sha256(path),
        }
        for path in input_paths(settings)
    ]
    scale = settings.population_scale_to
    affecting = {
        "files": settings.files,
        "columns": settings.columns,
        "area_name": settings.area_name,
        "serious_violence_subgroups": list(settings.serious_violence_subgroups),
        "population_vintage": settings.population_vintage,
        "population_scale_to": None if scale is None else repr(scale),
    }
    text = json.dumps(
        {
            "format": STORE_FORMAT,
            "toolkit": __version__,
            "code": _code_digest(),
            "settings": affecting,
            "inputs": [(f["file"], f["sha256"]) for f in inputs],
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), inputs


def _partition(area_code: object) -> str:
    """The folder name of an area's partition (a hash when the code is not a safe name)."""
    if pd.isna(area_code):
        return f"area={NO_AREA}"
    code = str(area_code)
    if not is_safe_name(code) or code == NO_AREA:
        code = "x" + hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]
    return f"area={code}"


class _Partitions:
    """The records of one kind, written batch by batch: a folder per area, a file per batch.

    The files of a batch are written in the background while the next batch is made;
    :attr:`rows` (and :meth:`close`) wait until every file is written.
    """

    def __init__(self, folder: Path, areas: list[str]) -> None:
        self.folder, self.areas, self.batches = folder, areas, 0
        self._rows = {code: 0 for code in [*areas, NO_AREA]}
        self.dtypes: dict[str, str] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []

    @property
    def rows(self) -> dict[str, int]:
        """The records written to each area's folder, once they are (see :meth:`close`)."""
        self.close()
        return self._rows

    def write(self, records: pd.DataFrame) -> None:
        """One batch: a Parquet file in each area's folder (every area's, at the first).

        The batch is made an Arrow table once; each area's rows are taken from it and
        written, two areas at a time (both release the GIL), without statistics (nothing
        reads the store by value ranges). Text that the load keeps as categories is
        written as text (:func:`~csp_analysis.load.plain_text`): a batch's categories may
        hold every LSOA of the country, an area's file only its own. The previous batch's
        files are finished first, so that at most one batch waits in memory.
        """
        self._finish()
        if not self.dtypes:
            self.dtypes = text_dtypes(records)
        table, text = _arrow_table(records), _text_types(records)
        position = {code: i for i, code in enumerate(self.areas)}
        codes, found = pd.factorize(records["area_code"])  # missing: -1, the last part
        part = np.array([position.get(code, -1) for code in found] + [len(self.areas)])[codes]
        order = np.argsort(part, kind="stable")  # each area's rows, in their order
        bounds = np.searchsorted(part[order], np.arange(len(self.areas) + 2))
        jobs = []
        for i, code in enumerate([*self.areas, None]):
            rows = order[bounds[i] : bounds[i + 1]]
            if not len(rows) and self.batches:
                continue  # every area has the first batch's file, with the columns
            folder = self.folder / _partition(code)
            folder.mkdir(parents=True, exist_ok=True)
            jobs.append((rows, folder / f"part-{self.batches:05d}.parquet"))
            self._rows[NO_AREA if code is None else code] += len(rows)

        def write(rows: np.ndarray, path: Path) -> None:
            together = len(rows) and rows[-1] - rows[0] + 1 == len(rows)
            part = table.slice(rows[0], len(rows)) if together else table.take(rows)
            for name, type_ in text.items():  # the area's own text, not the batch's categories
                position = part.schema.get_field_index(name)
                part = part.set_column(position, name, part.column(position).cast(type_))
            pq.write_table(part, path, write_statistics=False)

        if self._pool is None:
            self._pool = ThreadPoolExecutor(2, thread_name_prefix="csp-store")
        jobs.sort(key=lambda job: -len(job[0]))  # the biggest first
        self._pending = [self._pool.submit(write, *job) for job in jobs]
        self.batches += 1

    def close(self) -> None:
        """Wait until every file is written (raising a write's error)."""
        self._finish()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _finish(self) -> None:
        pending, self._pending = self._pending, []
        for job in pending:
            job.result()


def _arrow_table(records: pd.DataFrame) -> pa.Table:
    """``records`` as ``DataFrame.to_parquet`` would store them (no index; strands as lists).

    Columns of missing values only, and the strands (from their distinct tuples), are
    converted without looking at every value.
    """
    special = {}
    for name, values in records.items():
        if name == "hate_strands":
            codes, distinct = pd.factorize(values)
            lists = pa.array([*(list(strands) for strands in distinct), None])
            special[name] = lists.take(np.where(codes < 0, len(distinct), codes))
        elif values.dtype == object and values.isna().all():
            special[name] = pa.nulls(len(values))
    table = pa.Table.from_pandas(records.drop(columns=list(special)), preserve_index=False)
    for i, name in enumerate(records.columns):
        if name in special:
            table = table.add_column(i, name, special[name])
    metadata = pa.Table.from_pandas(plain_text(records.iloc[:0]), preserve_index=False)
    metadata = metadata.schema.metadata  # as stored: text as text (see _Partitions.write)
    if records.attrs:
        metadata = {**metadata, b"PANDAS_ATTRS": json.dumps(records.attrs).encode()}
    return table.replace_schema_metadata(metadata)


def _text_types(records: pd.DataFrame) -> dict[str, pa.DataType]:
    """The Arrow type of each column of text kept as categories, as the store keeps it."""
    kept = text_as_categories(records)
    schema = pa.Schema.from_pandas(plain_text(records[kept].iloc[:0]), preserve_index=False)
    return {name: schema.field(name).type for name in kept}


def _restore(records: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Records as the load made them (tuples of strands, missing values as pd.NA)."""
    if "hate_strands" in records:
        records["hate_strands"] = [tuple(s) for s in records["hate_strands"]]
    for column, dtype in dtypes.items():
        if dtype == "object" and column != "hate_strands" and column in records:
            records[column] = records[column].astype(object).where(records[column].notna(), pd.NA)
    return records


def ingest(settings: Settings) -> Path | str:
    """The store of the settings' data: reused when its key is unchanged, else made.

    The records are read, located and written batch by batch (see
    :func:`csp_analysis.load.record_batches`), so memory holds one batch, not the data.
    Returns the store's folder, or its URL when ``store_dir`` is one (see
    :func:`_ingest_to_url`). Raises :class:`~csp_analysis.read.InputError` for input
    the load refuses (nothing is kept then).
    """
    key, inputs = store_key(settings)
    if is_url(settings.store_dir):
        return _ingest_to_url(settings, key)
    root = Path(settings.store_dir)
    folder = root / key[:24]
    if _manifest_key(folder) == key:
        return folder
    work = root / f".{key[:24]}-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    try:
        with _steady_allocator():
            _write(settings, work, key=key, inputs=inputs)
        try:
            os.replace(work, folder)  # atomic: readers see all of it or none
        except OSError:  # another process made it first, or an old one is in the way
            if _manifest_key(folder) != key:
                shutil.rmtree(folder, ignore_errors=True)
                os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def is_url(location: object) -> bool:
    """Whether a store location is an fsspec URL (``s3://bucket/stores``), not a folder."""
    return isinstance(location, str) and "://" in location


def _url_key(url: str) -> str:
    """The key in the manifest of the store at ``url`` ("" when there is none)."""
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(url)
    try:
        return json.loads(fs.cat_file(f"{path}/manifest.json"))["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _ingest_to_url(settings: Settings, key: str) -> str:
    """The store at the URL ``store_dir``/<key>: made in a local folder, then copied there.

    The manifest is copied last, so a reader (which looks for the key in it) sees the
    whole store or none. Any fsspec file system with its package installed will do
    (``s3://`` needs s3fs, ``gs://`` gcsfs, ``abfs://`` adlfs).
    """
    from fsspec.core import url_to_fs

    url = f"{settings.store_dir.rstrip('/')}/{key[:24]}"
    if _url_key(url) == key:
        return url
    fs, path = url_to_fs(url)
    with tempfile.TemporaryDirectory(prefix="csp-store-") as local:
        folder = Path(ingest(replace(settings, store_dir=Path(local))))
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        files.remove("manifest.json")
        for name in [*files, "manifest.json"]:
            fs.makedirs(f"{path}/{name}".rsplit("/", 1)[0], exist_ok=True)
            fs.put_file(str(folder / name), f"{path}/{name}")
    return url


def _copies() -> Path:
    """Where local copies of stores at a URL go: ``$CSP_STORE_CACHE``, else the user's cache.

    Never a shared temporary folder: a copy holds pickles the toolkit loads, so only its
    user may write there.
    """
    if folder := os.environ.get("CSP_STORE_CACHE"):
        return Path(folder)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache, "csp_analysis", "stores")


#: How long jemalloc keeps freed pages for reuse while the store is made (milliseconds).
KEEP_FREED_MS = 10_000


@contextlib.contextmanager
def _steady_allocator():
    """Arrow allocating meanwhile with jemalloc keeping freed pages for reuse, then as before.

    Arrow's default allocator (mimalloc) maps memory in large OS pages and gives back what
    is freed: a batch's many short-lived arrays then make the kernel zero fresh 2 MB pages
    again and again, which took a third of an ingest's processor time (and doubled the
    first ingest of a process). jemalloc, keeping freed pages for :data:`KEEP_FREED_MS`,
    reuses them instead (its default gives them back at once, and is set again after);
    where pyarrow has no jemalloc (Windows), the C library's malloc, which holds more
    memory. Buffers keep the allocator that made them, so switching back is safe.
    """
    previous = pa.default_memory_pool()
    try:
        pa.jemalloc_set_decay_ms(KEEP_FREED_MS)
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:
        pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
        with contextlib.suppress(NotImplementedError):
            pa.jemalloc_set_decay_ms(0)


def _manifest_key(folder: Path) -> str:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _write(settings: Settings, folder: Path, *, key: str, inputs: list[dict]) -> None:
    """Read the data directory batch by batch into ``folder``, then the small tables."""
    dataset, state = open_inputs(settings)
    areas = dataset.areas()
    codes = areas["area_code"].tolist()
    written = {kind: _Partitions(folder / kind, codes) for kind in RECORD_KINDS}
    counts: dict[str, list] = {kind: [] for kind in RECORD_KINDS}
    crime_areas = None  # the area of each crime, for the nominals (one partner batch)
    try:
        for kind, records in record_batches(settings, dataset, state):
            written[kind].write(records)
            counts[kind].append(record_counts(records))
            dataset.filter_values[kind] = combine_values(
                dataset.filter_values.get(kind), column_values(records)
            )
            first, last = records["month"].min(), records["month"].max()
            if kind in dataset.spans:
                first = min(first, dataset.spans[kind][0])
                last = max(last, dataset.spans[kind][1])
            dataset.spans[kind] = (first, last)
            if kind == "crimes" and dataset.nominals is not None:
                crime_areas = records.set_index("crime_id")["area_code"]
    finally:  # every background write finished (or failed) before the folder is kept or removed
        for partitions in written.values():
            partitions.close()
    finish_inputs(settings, dataset, state)

    dataset.wards.to_parquet(folder / "wards.parquet", index=False)  # for aggregates
    (folder / "wards").mkdir()
    for code in codes:
        own = dataset.wards.loc[dataset.wards["area_code"] == code]
        own.to_parquet(folder / "wards" / f"{_partition(code)}.parquet", index=False)
    for name in TABLES:
        table = getattr(dataset, name)
        if table is not None:
            pd.DataFrame(table).to_parquet(folder / f"{name}.parquet", index=False)
    partitions, dtypes = {}, {}
    for kind in RECORD_KINDS:
        if counts[kind]:
            partitions[kind], dtypes[kind] = written[kind].rows, written[kind].dtypes
            combine_counts(counts[kind]).to_parquet(folder / f"counts-{kind}.parquet", index=False)
    if dataset.nominals is not None:
        nominals = dataset.nominals.assign(area_code=dataset.nominals["crime_id"].map(crime_areas))
        people = _Partitions(folder / "nominals", codes)
        people.write(nominals)
        people.close()
        partitions["nominals"] = people.rows
        dtypes["nominals"] = {c: str(t) for c, t in dataset.nominals.dtypes.items()}
    by_file = {f["file"]: f for f in inputs}
    files = []
    for entry in dataset.files:
        name = shown(entry["path"], root=settings.data_dir)
        files.append({**entry, "path": name, **by_file.get(name, {}), "file": entry["file"]})
    manifest = {
        "key": key,
        "format": STORE_FORMAT,
        "toolkit": __version__,
        "inputs": inputs,
        "files": files,
        "areas": areas.to_dict(orient="records"),
        "partitions": partitions,
        "dtypes": dtypes,
        "months_covered": (
            None if dataset.months_covered is None else [str(m) for m in dataset.months_covered]
        ),
        "spans": {kind: [str(first), str(last)] for kind, (first, last) in dataset.spans.items()},
        **{name: getattr(dataset, name) for name in SCALARS},
    }
    manifest["serious_violence_subgroups"] = list(dataset.serious_violence_subgroups)
    manifest["filter_values"], manifest["filter_value_files"] = _split_values(
        dataset.filter_values, folder
    )
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))


#: A column's filter values stay in the manifest, which every page reads, when there are
#: at most this many; more (the LSOA and ward codes of a national store: 2 MB of text) go
#: to a file of their own, read only by a theme that filters on that column.
FILTER_VALUES_KEPT = 1_000


def _split_values(values: dict[str, dict[str, list]], folder: Path) -> tuple[dict, dict]:
    """The filter values kept in the manifest, and the files of the columns with many."""
    kept: dict[str, dict[str, list]] = {}
    files: dict[str, dict[str, str]] = {}
    for kind, columns in values.items():
        kept[kind], files[kind] = {}, {}
        for number, (column, found) in enumerate(columns.items()):
            if len(found) <= FILTER_VALUES_KEPT or not all(isinstance(v, str) for v in found):
                kept[kind][column] = found
                continue
            name = f"values/{kind}-{number}.parquet"  # a column's name may be any text
            (folder / "values").mkdir(exist_ok=True)
            pd.DataFrame({"value": found}, dtype="string").to_parquet(folder / name, index=False)
            files[kind][column] = name
    return kept, files


class ColumnValues(Mapping):
    """One kind's filter values by column (see :func:`csp_analysis.load.column_values`).

    The manifest's, and the columns with many values read from their file when asked for.
    """

    def __init__(self, store: Store, kept: dict[str, list], files: dict[str, str]) -> None:
        self._store, self._kept, self._files = store, dict(kept), files

    def __getitem__(self, column: str) -> list:
        if column not in self._kept and column in self._files:
            table = pd.read_parquet(self._store._file(self._files[column]))
            self._kept[column] = table["value"].tolist()
        return self._kept[column]

    def __iter__(self):
        return iter([*self._kept, *(c for c in self._files if c not in self._kept)])

    def __len__(self) -> int:
        return len(self._kept.keys() | self._files.keys())


class Store:
    """A processed store: its manifest, an area's view, and aggregates over every area.

    ``location`` is the store's folder or its fsspec URL (see :func:`ingest`). A store at
    a URL is read through a local copy of the files it needs (its :attr:`folder`, in
    :func:`_copies`, made file by file as they are first read: a store never changes once
    made, so a copy is never stale); what it keeps in ``derived/`` is copied back.
    """

    def __init__(self, location: str | Path, *, data_dir: str | Path) -> None:
        self.location = location if is_url(location) else Path(location)
        self.data_dir = Path(data_dir)
        self._fs = None
        if is_url(location):
            from fsspec.core import url_to_fs

            self._fs, self._path = url_to_fs(location)
            self.manifest = json.loads(self._fs.cat_file(f"{self._path}/manifest.json"))
            name = hashlib.sha256(f"{location}\0{self.manifest['key']}".encode()).hexdigest()
            self.folder = _copies() / name[:24]
            self.folder.mkdir(parents=True, exist_ok=True)
        else:
            self.folder = self.location
            self.manifest = json.loads((self.folder / "manifest.json").read_text("utf-8"))

    def _file(self, name: str) -> Path:
        """The local path of the store's file ``name`` (copied first from a URL's store)."""
        path = self.folder / name
        if self._fs is not None and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}-{uuid.uuid4().hex[:8]}")
            self._fs.get_file(f"{self._path}/{name}", str(partial))
            os.replace(partial, path)
        return path

    def _has(self, name: str) -> bool:
        if (self.folder / name).exists():
            return True
        return self._fs is not None and self._fs.exists(f"{self._path}/{name}")

    def _glob(self, pattern: str) -> list[Path]:
        """The local paths of the store's files matching ``pattern``, in name order."""
        if self._fs is None:
            return sorted(self.folder.glob(pattern))
        found = sorted(self._fs.glob(f"{self._path}/{pattern}"))
        return [self._file(name[len(self._path) + 1 :]) for name in found]

    def areas(self) -> pd.DataFrame:
        """Area codes and names of the wards file (columns area_code, area_name)."""
        return pd.DataFrame(self.manifest["areas"], columns=["area_code", "area_name"])

    def find_area(self, name_or_code: str) -> pd.Series:
        """The area row matching a name or code (see :meth:`Dataset.find_area`)."""
        files = self.manifest["files"][:1]
        return Dataset(wards=None, area_list=self.areas(), files=files).find_area(name_or_code)

    @property
    def wards_file(self) -> str:
        """The name of the (first) wards file, as messages name it."""
        files = self.manifest["files"]
        return files[0]["file"] if files else "wards"

    def _table(self, name: str) -> pd.DataFrame | None:
        name = f"{name}.parquet"
        return pd.read_parquet(self._file(name)) if self._has(name) else None

    def _records(self, kind: str, area_code: str | None, columns=None) -> pd.DataFrame:
        """One area's records of ``kind`` (every area's, and no area's, when None)."""
        area = "area=*" if area_code is None else _partition(area_code)
        paths = self._glob(f"{kind}/{area}/part-*.parquet")
        frames = [pd.read_parquet(path, columns=columns) for path in paths]
        records = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return _restore(records, self.manifest["dtypes"][kind])

    def summary(self) -> Dataset:
        """What the store says about all the data, without records or wards.

        The sources, notes, months covered, small tables and ``counts`` of every record.
        """
        manifest = self.manifest
        dataset = Dataset(
            wards=None,
            area_list=self.areas(),
            store=self,
            files=[{**f, "path": str(self.data_dir / f["path"])} for f in manifest["files"]],
        )
        for name in SCALARS:
            setattr(dataset, name, manifest[name])
        dataset.serious_violence_subgroups = tuple(manifest["serious_violence_subgroups"])
        files = manifest["filter_value_files"]
        dataset.filter_values = {
            kind: ColumnValues(self, kept, files[kind])
            for kind, kept in manifest["filter_values"].items()
        }
        for name in TABLES:
            setattr(dataset, name, self._table(name))
        if manifest["months_covered"] is not None:
            dataset.months_covered = pd.PeriodIndex(manifest["months_covered"], freq="M")
        for kind, (first, last) in manifest["spans"].items():
            dataset.spans[kind] = (pd.Period(first, freq="M"), pd.Period(last, freq="M"))
        for kind in RECORD_KINDS:
            if kind in manifest["partitions"]:
                dataset.counts[kind] = pd.read_parquet(self._file(f"counts-{kind}.parquet"))
        return dataset

    def dataset(self, area_code: str) -> Dataset:
        """The view of one area: its records and wards, and every small table.

        The records and nominals are the area's alone; ``counts`` account for every
        record; ``store`` is this store, which gives the aggregates over every area.
        """
        import geopandas as gpd

        dataset = self.summary()
        dataset.wards = gpd.read_parquet(self._file(f"wards/{_partition(area_code)}.parquet"))
        for kind in RECORD_KINDS:
            if kind in self.manifest["partitions"]:
                setattr(dataset, kind, self._records(kind, area_code))
        if "nominals" in self.manifest["partitions"]:
            nominals = self._records("nominals", area_code)
            dataset.nominals = nominals.drop(columns="area_code")
        return dataset

    def prepare(self, themes, years=()) -> None:
        """Make, once, the aggregates over every area that pages need, so they only read them.

        The counts of ``themes`` by peer area, and the hot spots of each of ``years``
        (assessment years the data covers). Run before pages are shared out (a cluster's
        workers may see the store read-only). A theme that names a column the records lack
        is left to its pages, which refuse it in words (see
        :func:`csp_analysis.profile.check_theme`).
        """
        summary = self.summary()
        for theme in themes:
            columns = self.manifest["dtypes"].get(theme.records)
            if columns is not None and set(_theme_columns(theme, self.manifest)) <= set(columns):
                self.theme_counts(theme)
        for year in years:
            if "crimes" in self.manifest["partitions"] and set(year.months) <= set(
                summary.covered("crimes")
            ):
                self.hotspots(year)

    def _derived(self, name: str, make, *, kind: str = "parquet"):
        """What ``make`` returns, kept in ``derived/``: read when kept, else made once.

        ``kind`` is "parquet" (a table) or "pickle" (anything: a publication).
        """
        relative = f"derived/{name}.{kind}"
        if self._has(relative) and kind == "parquet":
            return pd.read_parquet(self._file(relative))
        if self._has(relative):
            path = self._file(relative)
            try:
                return pickle.loads(path.read_bytes())  # noqa: S301 - the store's own file
            except Exception:  # noqa: BLE001 - unreadable (say, a library changed): made again
                path.unlink(missing_ok=True)
        made = make()
        path = self.folder / relative
        path.parent.mkdir(exist_ok=True)
        partial = path.with_name(f".{path.stem}-{uuid.uuid4().hex[:8]}.{kind}")
        if kind == "parquet":
            made.to_parquet(partial, index=False)
        else:
            partial.write_bytes(pickle.dumps(made))
        os.replace(partial, path)
        if self._fs is not None:  # kept for every reader of the URL's store, when it may write
            try:
                self._fs.makedirs(f"{self._path}/derived", exist_ok=True)
                self._fs.put_file(str(path), f"{self._path}/{relative}")
            except OSError as error:  # a reader without write access: made again next time
                warnings.warn(f"cannot keep {relative} in {self.location}: {error}", stacklevel=2)
        return made

    def publication(
        self,
        settings: Settings,
        *,
        area_code: str,
        period: str,
        restricted: bool = False,
        assessed: bool = True,
    ):
        """An area's publication (see :func:`csp_analysis.publication.publish_area`), kept.

        Made once for the area, period and version (``restricted``) and read back after:
        ``csp tables``, ``csp run``, a resumed run and a notebook opened in JupyterLab
        share it. The profiles are kept apart from the publication with the assessment
        (``assessed``), which is made from them. Each is kept under the SHA-256 of
        everything it depends on besides the store's inputs (the settings, the whole
        toolkit's code, the versions of Python, numpy, pandas and pyarrow), so a change to
        any of them makes it again. A restricted publication holds the area's records, as
        the store itself does.
        """
        from csp_analysis.publication import assess_area, publish_area

        what = [self.manifest["key"], area_code, period, restricted, _settings_text(settings)]
        what += [_code_digest(Path(__file__).parent.glob("*.py")), sys.version]
        what += [f"{module.__name__} {module.__version__}" for module in (np, pd, pa)]

        def name(*part: str) -> str:
            text = json.dumps([*what, *part], sort_keys=True)
            return f"publication-{hashlib.sha256(text.encode()).hexdigest()[:24]}"

        view = functools.cache(lambda: self.dataset(area_code))  # read once, if at all

        def profiles():
            dataset = view()
            return publish_area(
                settings,
                area=area_code,
                period=period,
                restricted=restricted,
                assessed=False,
                dataset=dataset,
            )

        made = self._derived(name(), profiles, kind="pickle")
        if not assessed:
            return made

        def assessment():
            dataset = view()
            return assess_area(made, dataset, settings, period=period, restricted=restricted)

        return self._derived(name("assessed"), assessment, kind="pickle")

    def theme_counts(self, theme: Theme) -> pd.DataFrame:
        """The theme's records by peer area and month, over every area.

        See :func:`csp_analysis.profile.theme_counts`; made once from the columns the
        theme's filter needs, and kept.
        """
        from csp_analysis.load import POLICE_UK
        from csp_analysis.profile import theme_counts

        police_uk = self.manifest[f"{theme.records}_source"] == POLICE_UK
        columns = _theme_columns(theme, self.manifest)
        what = [theme.records, police_uk, theme.where, theme.police_uk, theme.flag]
        name = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:24]

        def make() -> pd.DataFrame:
            records = self._records(theme.records, None, columns=columns)
            return theme_counts(records, theme, police_uk=police_uk)

        return self._derived(f"theme-{name}", make)

    def hotspots(self, year: Period) -> pd.DataFrame:
        """Gi* of every ward of every area in ``year``, made once and kept.

        See :func:`csp_analysis.assessment.year_hotspots`.
        """
        import geopandas as gpd

        from csp_analysis.assessment import year_hotspots

        def make() -> pd.DataFrame:
            crimes = self._records("crimes", None, columns=["ward_code", "month"])
            wards = gpd.read_parquet(self._file("wards.parquet"))
            return pd.DataFrame(year_hotspots(crimes, wards, year=year))

        return self._derived(f"hotspots-{year.start}-{year.end}", make)


def _theme_columns(theme: Theme, manifest: dict) -> list[str]:
    """The columns a theme's filter reads (with the peer area and month), for its counts."""
    from csp_analysis.load import POLICE_UK

    police_uk = manifest[f"{theme.records}_source"] == POLICE_UK
    conditions = (theme.police_uk if police_uk else theme.where) or {}
    flag = theme.flag if theme.flag and not police_uk else None
    return sorted({"peer_area", "month", *conditions, *([flag] if flag else [])})


def existing(settings: Settings) -> Path | str | None:
    """The store of the settings' data (folder or URL) when made and up to date, else None."""
    key, _ = store_key(settings)
    if is_url(settings.store_dir):
        url = f"{settings.store_dir.rstrip('/')}/{key[:24]}"
        return url if _url_key(url) == key else None
    folder = Path(settings.store_dir) / key[:24]
    return folder if _manifest_key(folder) == key else None


def open_store(settings: Settings) -> Store:
    """The settings' store, made first when it is missing or out of date (see :func:`ingest`)."""
    return Store(ingest(settings), data_dir=settings.data_dir)
