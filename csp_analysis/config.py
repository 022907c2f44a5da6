"""Settings: the one place the configuration files are read.

A deployment file (for example ``config/demo.yaml``) names the data directory, the files in
it, the areas and the period; ``config/themes.yaml`` beside it defines the themes. Every
other module receives explicit values from :class:`Settings`, never the raw dictionaries.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from csp_analysis.read import InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "demo.yaml"

#: The canonical file names of a data directory (data contract section 1).
DEFAULT_FILES = {
    "wards": ["wards.geojson", "wards.gpkg", "wards.shp"],
    "population": ["population.csv"],
    "lsoa_ward_lookup": ["lsoa_ward_lookup.csv"],
    "crimes": ["crimes.csv"],
    "nominals": ["nominals.csv"],
    "asb": ["asb.csv"],
    "police_uk": ["police_uk"],
}


DEFAULT_SOURCE = "Data supplied by the partnership (see each page's data-quality table)."


@dataclass(frozen=True)
class Theme:
    """A theme: which records it takes and how its breakdown table is cut."""

    name: str
    title: str
    records: str = "crimes"
    flag: str | None = None
    where: dict[str, list[str]] = field(default_factory=dict)
    breakdown: str = "offence"
    police_uk: dict[str, list[str]] | None = None
    police_uk_breakdown: str = "crime_type"
    police_uk_note: str = ""
    needs: str = ""
    caveat: str = ""
    sensitive: bool = False
    people: bool = False
    attributes: dict[str, str] = field(default_factory=dict)
    top_wards_by: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, resolved to explicit values."""

    title: str
    data_dir: Path
    files: dict[str, list[str]]
    columns: dict[str, dict[str, str]]
    areas: list[str]
    period: str
    top_n_wards: int
    themes: dict[str, Theme]
    serious_violence_subgroups: tuple[str, ...]
    sources: list[str] = field(default_factory=list)
    suppression_threshold: int = 4
    area_name: str | None = None
    config_path: Path | None = None

    def paths(self, role: str) -> list[Path]:
        """Existing files (or folders) for a file role such as ``"crimes"``."""
        return [
            self.data_dir / name for name in self.files[role] if (self.data_dir / name).exists()
        ]


def _read_yaml(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            content = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise InputError(path, message="configuration file not found") from None
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        raise InputError(
            path,
            line=None if line is None else line + 1,
            message=f"is not valid YAML ({getattr(error, 'problem', error)})",
        ) from None
    if not isinstance(content, dict):
        raise InputError(path, message="must be a YAML mapping of settings")
    return content


def _expand(value: str, path: Path) -> str:
    missing = [name for name in re.findall(r"\$\{(\w+)\}", value) if name not in os.environ]
    if missing:
        raise InputError(
            path,
            column="data_dir",
            message=f"uses environment variable {missing[0]}, which is not set",
        )
    return os.path.expandvars(value)


def _themes(raw: dict, path: Path) -> dict[str, Theme]:
    known = set(Theme.__dataclass_fields__) - {"name"}
    themes = {}
    for name, spec in raw.items():
        unknown = set(spec) - known
        if unknown:
            raise InputError(
                path,
                column=f"themes.{name}",
                message=f"has unknown setting(s) {sorted(unknown)}; "
                f"expected some of {sorted(known)}",
            )
        themes[name] = Theme(name=name, **{"title": name.replace("_", " ").capitalize(), **spec})
    return themes


def load_settings(
    config: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    area_name: str | None = None,
) -> Settings:
    """Read a deployment file and the ``themes.yaml`` beside it.

    ``data_dir`` overrides the file's ``data_dir`` (as ``csp --data-dir`` does); relative
    paths resolve from the project root.
    """
    path = Path(config) if config else DEFAULT_CONFIG
    deployment = _read_yaml(path)
    themes_path = path.parent / "themes.yaml"
    shared = (
        _read_yaml(themes_path)
        if themes_path.exists()
        else _read_yaml(PROJECT_ROOT / "config" / "themes.yaml")
    )
    themes = _themes({**shared.get("themes", {}), **deployment.get("themes", {})}, path)

    if data_dir is not None:  # from the command line: relative to where it runs
        root = Path(data_dir).resolve()
    elif "data_dir" in deployment:  # from the file: relative to the project root
        root = PROJECT_ROOT / _expand(str(deployment["data_dir"]), path)
    else:
        raise InputError(path, column="data_dir", message="is missing (or pass --data-dir)")
    files = {role: list(names) for role, names in DEFAULT_FILES.items()}
    for role, names in (deployment.get("files") or {}).items():
        if role not in files:
            raise InputError(
                path,
                column=f"files.{role}",
                message=f"is not a file role; expected one of {sorted(files)}",
            )
        files[role] = [names] if isinstance(names, str) else list(names)
    return Settings(
        title=deployment.get("title", "Community Safety Partnership profile"),
        data_dir=root.resolve(),
        files=files,
        columns={role: dict(m) for role, m in (deployment.get("columns") or {}).items()},
        areas=list(deployment.get("areas") or []),
        period=str(deployment.get("period", "")),
        top_n_wards=int(deployment.get("top_n_wards", 10)),
        themes=themes,
        serious_violence_subgroups=tuple(
            deployment.get("serious_violence_subgroups")
            or shared.get("serious_violence_subgroups")
            or ()
        ),
        sources=list(deployment.get("sources") or [DEFAULT_SOURCE]),
        suppression_threshold=int(deployment.get("suppression_threshold", 4)),
        area_name=area_name or deployment.get("area_name"),
        config_path=path.resolve(),
    )
