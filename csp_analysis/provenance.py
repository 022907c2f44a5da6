"""Provenance: where every number came from, so a page can be checked and reproduced.

Each page and the index record the toolkit's version (with the git commit when it runs
from a checkout), the parameters, the configuration used and, for each input file, its
name (relative to the data directory), size, row count and SHA-256; no output shows an
absolute path of the analyst's machine. The same record makes a fingerprint that tells
``csp run --resume`` whether a page's inputs have changed since it was made.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from pathlib import Path

from csp_analysis import __version__
from csp_analysis.config import PROJECT_ROOT, Settings


@functools.cache
def toolkit_version() -> str:
    """The package version, with the git commit (and "+changes" when the tree is edited)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return __version__
    edited = "+changes" if status.stdout.strip() else ""
    return f"{__version__} (git {commit.stdout.strip()}{edited})"


@functools.cache
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (cached while the file's size and time are unchanged)."""
    stat = Path(path).stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


def shown(path: str | Path, *, root: str | Path) -> str:
    """A path as outputs show it: relative to ``root`` when inside it, else its name alone.

    Never an absolute path of the analyst's machine.

    >>> shown("/home/ann/data/police_uk/2025-01-street.csv", root="/home/ann/data")
    'police_uk/2025-01-street.csv'
    >>> shown("/home/ann/elsewhere/crimes.csv", root="/home/ann/data")
    'crimes.csv'
    """
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).name


def input_files(files: list[dict], *, data_dir: str | Path) -> list[dict]:
    """Name, size, rows and SHA-256 of each input file a dataset read.

    ``files`` is :attr:`csp_analysis.load.Dataset.files` (dicts with file, path, rows, and
    from the processed store also the bytes and SHA-256 the store was made from, which are
    then not read again). Returns dicts with keys: file (relative to ``data_dir``), bytes,
    rows, sha256.
    """
    return [
        {
            "file": shown(f["path"], root=data_dir),
            "bytes": f.get("bytes") or Path(f["path"]).stat().st_size,
            "rows": f["rows"],
            "sha256": f.get("sha256") or sha256(f["path"]),
        }
        for f in files
    ]


def configuration(settings: Settings) -> list[dict]:
    """The configuration files used, with their SHA-256 (shown from the project root).

    The themes are read from ``themes.yaml`` beside the deployment file, else from the
    project's (as :func:`csp_analysis.config.load_settings` does).
    """
    themes = settings.config_path.parent / "themes.yaml"
    if not themes.exists():
        themes = PROJECT_ROOT / "config" / "themes.yaml"
    paths = [settings.config_path, themes]
    return [
        {"file": shown(path, root=PROJECT_ROOT), "sha256": sha256(path)}
        for path in paths
        if path and path.exists()
    ]


def parameters(settings: Settings, **values: object) -> dict:
    """A run's parameters as outputs show them, without absolute paths.

    ``values`` as given, then the configuration file and the data directory (from the
    project root when inside it, else by name).
    """
    return {
        **values,
        "config": shown(settings.config_path, root=PROJECT_ROOT),
        "data_dir": shown(settings.data_dir, root=PROJECT_ROOT),
    }


def fingerprint(*parts: object) -> str:
    """A SHA-256 over JSON-serialisable parts: equal parts, equal fingerprint."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(
    settings: Settings, files: list[dict], parameters: dict, *, population: str = ""
) -> dict:
    """Everything a page says about its provenance (JSON-serialisable, no absolute path).

    ``population`` says which population (and vintage) the rates use (see
    :func:`csp_analysis.load.population_note`).
    """
    return {
        "toolkit": toolkit_version(),
        "parameters": parameters,
        "configuration": configuration(settings),
        "inputs": input_files(files, data_dir=settings.data_dir),
        "population": population,
    }
