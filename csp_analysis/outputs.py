"""Outputs: where the toolkit writes, and how, so that outputs stay where they belong.

Folder and file names are safe slugs (a name that cannot be made safe is refused, never
written); every path is checked to stay inside the output folder; files are written
atomically and as readable as the umask allows; a folder of tables is replaced whole, so no
file of an earlier run survives beside new ones; and one run at a time holds an output
folder (:class:`OutputLock`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from csp_analysis.read import InputError

try:  # POSIX; without it (Windows) runs are not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

#: The suffix of every hidden file or folder still being written.
PARTIAL = ".partial"
#: The lock file of an output folder (empty while no run holds it).
LOCK_FILE = ".csp.lock"
MAX_NAME = 80
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}


class OutputError(Exception):
    """An output folder that cannot be written as asked.

    It is in use, holds another version or data the toolkit did not make, or a path would
    leave it.
    """


# ------------------------------------------------------------------------------- names


def slug(name: str) -> str:
    """A folder name: lower-case ASCII letters and digits, words joined by hyphens.

    Returns ``""`` when nothing safe is left (for example for ``"../.."``).

    >>> slug("Telford & Wrekin"), slug("Ynys Môn"), slug("King's Lynn"), slug("../..")
    ('telford-and-wrekin', 'ynys-mon', 'kings-lynn', '')
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ").replace("'", ""))
    out = "-".join(words)
    return out if len(out) <= MAX_NAME else out[:MAX_NAME].rsplit("-", 1)[0]


def is_safe_name(name: str) -> bool:
    """Whether ``name`` is one safe path component.

    That is letters, digits, ``_`` and ``-``, starting with a letter or digit, at most 80
    characters, and not a Windows device name.

    >>> [is_safe_name(n) for n in ("drugs", "violence_with_injury", "../../x", "", "con")]
    [True, True, False, False, False]
    """
    return (
        isinstance(name, str)
        and len(name) <= MAX_NAME
        and _SAFE_NAME.fullmatch(name) is not None
        and name.lower() not in _RESERVED
    )


def check_theme_names(names: list[str], *, config: str | Path) -> None:
    """Refuse a theme whose key cannot be a file name.

    A theme key names ``<theme>.html`` and the folder of its tables; ``config`` is the
    deployment file the message names.
    """
    for name in names:
        if not is_safe_name(name):
            raise InputError(
                config,
                column=f"themes.{name}",
                message="cannot be used as a file name: a theme key is letters, digits, "
                "_ and - (starting with a letter or digit, at most 80 characters)",
            )


def _area_folders(areas: pd.DataFrame) -> dict[str, str]:
    """Folder name of every area (by code); ``""`` where no safe name can be made."""
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    own = {
        code: slug(name) if is_safe_name(slug(name)) else slug(code) for code, name in names.items()
    }
    shared = {folder for folder in own.values() if list(own.values()).count(folder) > 1}
    folders = {
        code: f"{folder}-{slug(code)}" if folder in shared and is_safe_name(slug(code)) else folder
        for code, folder in own.items()
    }
    repeated = {folder for folder in folders.values() if list(folders.values()).count(folder) > 1}
    return {
        code: folder if is_safe_name(folder) and folder not in repeated else ""
        for code, folder in folders.items()
    }


def area_folder(areas: pd.DataFrame, code: str, *, source: str | Path) -> str:
    """The folder name of area ``code`` among ``areas`` (columns area_code, area_name).

    The slug of the area's name; where two areas' names give the same slug, each gets its
    ONS code too (``north-demo-x06000002``); a name with no safe slug falls back to the
    code. Names are compared over every area of the wards file, so an area keeps its folder
    whichever areas a run includes. Refuses (naming ``source``, the wards file) an area
    that no safe, distinct folder name can be made for.

    >>> areas = pd.DataFrame({"area_code": ["X1", "X2", "X3"],
    ...                       "area_name": ["North-Demo", "North Demo", "../.."]})
    >>> [area_folder(areas, code, source="wards.geojson") for code in ("X1", "X2", "X3")]
    ['north-demo-x1', 'north-demo-x2', 'x3']
    """
    folder = _area_folders(areas)[code]
    if not folder:
        name = areas.loc[areas["area_code"] == code, "area_name"].iloc[0]
        raise InputError(
            source,
            column="area_name",
            message=f"'{name}' (area code '{code}') cannot be given a safe folder name of its "
            "own: give the area a distinct name with letters or digits in the wards file",
        )
    return folder


def inside(root: str | Path, *parts: str) -> Path:
    """``root`` joined with ``parts``, refused when the resolved path is not inside root.

    Guards every output path, so no name (a theme key ``../../x``, a symbolic link planted
    in the output folder) can make the toolkit write elsewhere.
    """
    base = Path(root).resolve()
    path = Path(root).joinpath(*parts)
    if not path.resolve().is_relative_to(base):
        raise OutputError(f"{path} is outside the output folder {root}: refused")
    return path


# ------------------------------------------------------------------------------ writing


def _hidden_sibling(path: Path) -> Path:
    return path.parent / f".{path.name}.{secrets.token_hex(4)}{PARTIAL}"


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file so that it is never seen half-written (temporary file, then rename).

    ``text`` is written as UTF-8 text, or as it is when it is bytes (a workbook).

    The file gets the permissions the umask allows (as any new file), and an interrupted
    write leaves only a hidden ``*.partial`` file beside the target.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temporary = _hidden_sibling(path)
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue
    try:
        if isinstance(text, bytes):
            with os.fdopen(handle, "wb") as stream:
                stream.write(text)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def fresh_folder(target: Path) -> Iterator[Path]:
    """A new, empty, hidden folder beside ``target`` that then replaces ``target`` whole.

    The swap happens when the block ends without an error; on an error the new folder is
    removed and ``target`` left as it was. Readers see the old folder or the new one, never
    a mixture: no file of an earlier run survives beside the new files.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        staging = _hidden_sibling(target)
        try:
            staging.mkdir()  # mode 0o777 less the umask
            break
        except FileExistsError:  # pragma: no cover
            continue
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = _hidden_sibling(target)
    if target.is_symlink() or target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    if old.is_symlink() or old.is_file():
        old.unlink()
    elif old.exists():
        shutil.rmtree(old)


def clean_partials(root: Path) -> None:
    """Remove the hidden ``*.partial`` files and folders an interrupted run left under root.

    Call it only while holding the folder's :class:`OutputLock`: another run's partial
    files are its work in progress.
    """
    for leftover in sorted(root.rglob(f".*{PARTIAL}*"), key=lambda p: len(p.parts)):
        if leftover.is_symlink() or leftover.is_file():
            leftover.unlink(missing_ok=True)
        elif leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


# -------------------------------------------------------------------------------- locks


def _command() -> str:
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "python"


class OutputLock:
    """One run at a time in an output folder: an exclusive lock on its ``.csp.lock``.

    The operating system releases the lock when the process ends, however it ends, so a
    killed run never leaves the folder locked. While held, the lock file says which run
    holds it (process id, host, start time, command); it is emptied on release, so
    nothing about the analyst's machine stays in the output folder.
    """

    def __init__(self, folder: str | Path, *, command: str | None = None) -> None:
        self.folder = Path(folder)
        self.command = command or _command()
        self._handle: int | None = None

    def __enter__(self) -> OutputLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover
            return self
        handle = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(handle, 4096).decode("utf-8", "replace")
            os.close(handle)
            raise OutputError(self._busy(holder)) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": self.command,
        }
        os.ftruncate(handle, 0)
        os.pwrite(handle, json.dumps(holder).encode("utf-8"), 0)
        self._handle = handle
        return self

    def __exit__(self, *_: object) -> None:
        if self._handle is not None:
            os.ftruncate(self._handle, 0)
            os.close(self._handle)  # releases the lock
            self._handle = None

    def _busy(self, text: str) -> str:
        try:
            holder = json.loads(text)
            who = (
                f"process {holder['pid']} on {holder['host']}, started {holder['started']}: "
                f"{holder['command']}"
            )
        except (ValueError, KeyError, TypeError):
            who = "process details not yet written"
        return (
            f"{self.folder} is in use by another run ({who}). Wait for that run to finish, "
            "or write to another --out."
        )
