"""Settings: the one place the configuration files are read and checked.

A deployment file (for example ``config/demo.yaml``) names the data directory, the files in
it, the areas and the period; ``config/themes.yaml`` beside it defines the themes. Every
other module receives explicit values from :class:`Settings`, never the raw dictionaries.

Both files are checked against a schema before any work: a key the toolkit does not know is
named with the closest one it does ("did you mean 'suppression_threshold'?"), and every
value is checked for its type and range. Each mistake is an
:class:`~csp_analysis.read.InputError` naming the file, the line and the key path (for
example ``themes.drugs.where``). Checks against the data (do the columns a theme names
exist, does a filter value match any record) are in
:func:`csp_analysis.profile.check_theme`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from csp_analysis.periods import Period, PeriodError
from csp_analysis.read import InputError
from csp_analysis.validate import KNOWN_COLUMNS, POPULATION_TOTALS_COLUMNS
from csp_analysis.wording import POLARITIES

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
    "offence_weights": ["offence_weights.csv"],
    "csp_lookup": ["lad_csp_force_lookup.csv"],
    "benchmark": ["benchmark"],
    "peer_list": ["peers.csv"],
    "deprivation": ["deprivation.csv"],
}


DEFAULT_SOURCE = "Data supplied by the partnership (see each page's data-quality table)."

#: A theme's name: it names files and folders, so only these characters.
THEME_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RECORD_TYPES = ("crimes", "asb")
#: The flags a theme may require: a true column, or (hate_strands) at least one strand.
FLAGS = ("domestic_abuse", "serious_violence", "hate_strands")


@dataclass(frozen=True)
class Theme:
    """A theme: which records it takes, how its tables are cut, and how it is published.

    ``sensitive`` themes have small counts suppressed in their offence breakdown too;
    ``people`` themes show who is involved (people, ethnicity, repeat victims);
    ``attributes`` maps further breakdown columns to their titles; ``top_wards_by`` is a
    column whose categories each get their own top wards; ``polarity`` says whether a rise
    is bad (``lower_is_better``), good, or ``neutral`` (more reporting may be welcome).
    ``config_file`` and ``lines`` say where the theme was defined, for messages (see
    :meth:`error`).
    """

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
    polarity: str = "lower_is_better"
    config_file: Path | None = field(default=None, compare=False, repr=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def error(self, *keys: str, message: str) -> InputError:
        """An error about one of this theme's settings, naming its file, line and key path.

        >>> Theme("drugs", "Drugs").error("where", "offence_group", message="is wrong").args
        ("themes.yaml: column 'themes.drugs.where.offence_group' is wrong",)
        """
        paths = [".".join(keys[:n]) for n in range(len(keys), 0, -1)]
        line = next((self.lines[p] for p in paths if p in self.lines), None)
        return InputError(
            self.config_file or "themes.yaml",
            line=line,
            column=".".join(("themes", self.name, *keys)),
            message=message,
        )


@dataclass(frozen=True)
class PopulationTotals:
    """Area totals to scale the ward populations to (``population_scale_to``).

    ``file`` is relative to the data directory; ``columns`` renames its columns to
    area_code and population (as the ``columns`` setting does); ``vintage`` says what the
    totals are, e.g. "ONS mid-2024 population estimates".
    """

    file: str
    vintage: str
    columns: dict[str, str] = field(default_factory=dict)


def store_location(text: str | Path, *, base: Path = PROJECT_ROOT) -> Path | str:
    """A ``store_dir`` as given: a folder (relative to ``base``) or an fsspec URL.

    A URL (``s3://bucket/stores``) stays text: :mod:`csp_analysis.store` reads it with fsspec.
    """
    return text if isinstance(text, str) and "://" in text else base / text


def default_store_dir() -> Path | str:
    """Where processed stores go unless the deployment says (``store_dir``).

    ``$CSP_STORE_DIR`` when set (a folder or a URL), else ``data/processed/store`` in the
    project.
    """
    return store_location(os.environ.get("CSP_STORE_DIR") or "data/processed/store")


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
    population_vintage: str = ""
    population_scale_to: PopulationTotals | None = None
    towns: dict[str, tuple[float, float]] = field(default_factory=dict)
    assessment_period: str = ""
    store_dir: Path | str = field(default_factory=lambda: default_store_dir())  # or a URL

    def paths(self, role: str) -> list[Path]:
        """Existing files (or folders) for a file role such as ``"crimes"``."""
        return [
            self.data_dir / name for name in self.files[role] if (self.data_dir / name).exists()
        ]


# ---------------------------------------------------------------------------- reading


Keys = tuple[Any, ...]


class _Item(int):
    """A position in a YAML list, in a key path (mapping keys are never items)."""


def _show(value: object) -> str:
    """A value as the YAML file spells it, for messages."""
    if value is None:
        return "empty"
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 60 else f"'{value[:56]}...'"
    text = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    text = text.removesuffix("...").strip()
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(name: object, known) -> str:
    """A hint naming the closest of ``known`` names, or "" when none is close.

    >>> did_you_mean("suppresion_threshold", ["top_n_wards", "suppression_threshold"])
    "; did you mean 'suppression_threshold'?"
    """
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Document:
    """A YAML settings file: its values, and the line of every key for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(path, message="configuration file not found") from None
        except UnicodeDecodeError:
            raise InputError(path, message="is not UTF-8 text (save it as UTF-8)") from None
        except OSError as error:
            raise InputError(path, message=f"cannot be read ({error.strerror})") from None
        try:
            self.node = yaml.compose(text, Loader=yaml.SafeLoader)
            content = yaml.safe_load(text)
        except yaml.YAMLError as error:
            line = getattr(getattr(error, "problem_mark", None), "line", None)
            problem = getattr(error, "problem", None) or error
            raise InputError(
                path,
                line=None if line is None else line + 1,
                message=f"is not valid YAML ({' '.join(str(problem).split())})",
            ) from None
        self.data = {} if content is None else content
        if not isinstance(self.data, dict):
            raise InputError(path, line=1, message="must be a YAML mapping of settings")
        self._refuse_repeats(self.node, ())

    def line(self, keys: Keys) -> int | None:
        """The line of the deepest of ``keys`` found in the file (1-based)."""
        node, line = self.node, None
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                found = [(k, v) for k, v in node.value if k.value == str(key)]
                if not found:
                    break
                line, node = found[-1][0].start_mark.line + 1, found[-1][1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, _Item):
                if key >= len(node.value):
                    break
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def error(self, keys: Keys, message: str) -> InputError:
        """An :class:`InputError` at ``keys`` (an integer key is a list item, counted from 1)."""
        items = [k for k in keys if isinstance(k, _Item)]
        if items:
            message = f"item {items[-1] + 1} {message}"
        return InputError(
            self.path,
            line=self.line(keys),
            column=".".join(str(k) for k in keys if not isinstance(k, _Item)) or None,
            message=message,
        )

    def _refuse_repeats(self, node: yaml.Node, keys: Keys) -> None:
        """YAML keeps only the last of two equal keys: refuse them instead."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                here = key.start_mark.line + 1
                if key.value in seen:
                    raise InputError(
                        self.path,
                        line=here,
                        column=".".join((*keys, str(key.value))),
                        message=f"appears twice (also on line {seen[key.value]}); only one "
                        "can count, so delete the other",
                    )
                seen[key.value] = here
                self._refuse_repeats(value, (*keys, str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self._refuse_repeats(item, keys)


# ---------------------------------------------------------------------------- value checks

Check = Callable[[_Document, Keys, Any], Any]


def _text(doc: _Document, keys: Keys, value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise doc.error(keys, "is empty (expected text)")
    if not isinstance(value, str):
        raise doc.error(keys, f"= {_show(value)} is not text (put it in quotes)")
    return value.strip()


def _note(doc: _Document, keys: Keys, value: object) -> str:
    """Text that may be empty (a note, a caveat)."""
    if value is None or value == "":
        return ""
    return _text(doc, keys, value)


def _texts(doc: _Document, keys: Keys, value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise doc.error(
            keys, f"= {_show(value)} is not a list (write a list: [first, second] or - lines)"
        )
    return [_text(doc, (*keys, _Item(i)), item) for i, item in enumerate(value)]


def _count(minimum: int, example: int) -> Check:
    def check(doc: _Document, keys: Keys, value: object) -> int:
        expected = f"expected a whole number of at least {minimum}, such as {example}"
        if value is None:
            raise doc.error(keys, f"is empty ({expected})")
        if isinstance(value, bool) or not isinstance(value, int):
            raise doc.error(keys, f"= {_show(value)} is not a whole number ({expected})")
        if value < minimum:
            raise doc.error(keys, f"= {value} is less than {minimum} ({expected})")
        return value

    return check


def _true_or_false(doc: _Document, keys: Keys, value: object) -> bool:
    if not isinstance(value, bool):
        raise doc.error(keys, f"= {_show(value)} is not true or false")
    return value


def _choice(choices: tuple[str, ...], *, empty: bool = False) -> Check:
    def check(doc: _Document, keys: Keys, value: object) -> str | None:
        if value is None and empty:
            return None
        if value not in choices:
            listed = ", ".join(choices) + (", or empty (null)" if empty else "")
            raise doc.error(
                keys, f"= {_show(value)} is not one of: {listed}{did_you_mean(value, choices)}"
            )
        return value

    return check


def _column(doc: _Document, keys: Keys, value: object) -> str:
    """A column name; whether the data has it is checked against the data."""
    return _text(doc, keys, value)


def _optional_column(doc: _Document, keys: Keys, value: object) -> str | None:
    return None if value is None else _column(doc, keys, value)


def _mapping(doc: _Document, keys: Keys, value: object, *, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise doc.error(keys, f"= {_show(value)} is not a mapping (expected {what})")
    return value


def _filters(doc: _Document, keys: Keys, value: object) -> dict[str, list[str | bool]]:
    """Column -> list of values: text, or true/false for a yes/no column (alcohol_related)."""
    spec = _mapping(doc, keys, value, what="column: [value, ...] lines")
    out = {}
    for column, values in spec.items():
        at = (*keys, column)
        name = _column(doc, at, column)
        if not isinstance(values, list) or not values:
            raise doc.error(
                at,
                f"= {_show(values)} is not a list of values (write [value] or "
                "[value, other value]; a record matches any of them)",
            )
        out[name] = [
            v if isinstance(v, bool) else _text(doc, (*at, _Item(i)), v)
            for i, v in enumerate(values)
        ]
    return out


def _police_uk_filters(doc: _Document, keys: Keys, value: object) -> dict[str, list[str]] | None:
    return None if value is None else _filters(doc, keys, value)


def _attributes(doc: _Document, keys: Keys, value: object) -> dict[str, str]:
    spec = _mapping(doc, keys, value, what="column: title lines")
    return {_column(doc, (*keys, c), c): _text(doc, (*keys, c), t) for c, t in spec.items()}


def _period(doc: _Document, keys: Keys, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise doc.error(keys, f"= {_show(value)} is not a period (write it in quotes)")
    try:
        return Period.parse(str(value)).label
    except PeriodError as error:
        detail = str(error).replace(f"period '{str(value).strip()}'", "", 1).lstrip(": ")
        raise doc.error(keys, f"= {_show(str(value))} is not a period: {detail}") from None


def _year(doc: _Document, keys: Keys, value: object) -> str:
    """A period of 12 months: a financial year or a 12-month range."""
    label = _period(doc, keys, value)
    if Period.parse(label).month_count != 12:
        raise doc.error(
            keys,
            f"= {_show(label)} is not a year (expected a financial year such as 2025-26, or "
            "12 months such as 2025-01:2025-12)",
        )
    return label


def _files(doc: _Document, keys: Keys, value: object) -> dict[str, list[str]]:
    spec = _mapping(doc, keys, value, what="file role: file name lines")
    out = {}
    for role, names in spec.items():
        at = (*keys, role)
        _known(doc, at, role, DEFAULT_FILES, "file role")
        out[role] = (
            [_text(doc, at, names)] if not isinstance(names, list) else _texts(doc, at, names)
        )
        if not out[role]:
            raise doc.error(at, "is empty (expected a file name, or a list of them)")
    return out


def _columns(doc: _Document, keys: Keys, value: object) -> dict[str, dict[str, str]]:
    spec = _mapping(doc, keys, value, what="file role: {their name: canonical name}")
    out = {}
    for role, mapping in spec.items():
        at = (*keys, role)
        _known(doc, at, role, KNOWN_COLUMNS, "file role whose columns can be renamed")
        out[role] = _renames(doc, at, mapping, role=role, known=KNOWN_COLUMNS[role])
    return out


def _renames(
    doc: _Document, keys: Keys, value: object, *, role: str, known: list[str]
) -> dict[str, str]:
    """Their column name -> canonical name (one of ``known``), for the files of ``role``."""
    mapping = _mapping(doc, keys, value, what="their column name: canonical name lines")
    out = {}
    for theirs, ours in mapping.items():
        name = _text(doc, (*keys, theirs), ours)
        if name not in known:
            raise doc.error(
                (*keys, theirs),
                f"= {_show(ours)} is not a column the toolkit reads from {role} files"
                f"{did_you_mean(name, known)} (it reads: {', '.join(known)})",
            )
        out[_text(doc, (*keys, theirs), theirs)] = name
    return out


#: The settings of ``population_scale_to`` and how each is checked.
POPULATION_SCALE_SETTINGS: dict[str, Check] = {"file": _text, "vintage": _text, "columns": None}


def _population_scale_to(doc: _Document, keys: Keys, value: object) -> PopulationTotals:
    """Area totals to scale ward populations to: file, vintage and columns (see the template)."""
    spec = _mapping(doc, keys, value, what="file, vintage and columns lines")
    values = {}
    for key, item in spec.items():
        _known(doc, (*keys, key), key, POPULATION_SCALE_SETTINGS, "setting of population_scale_to")
        if key != "columns":
            values[key] = POPULATION_SCALE_SETTINGS[key](doc, (*keys, key), item)
    for key in ("file", "vintage"):
        if key not in values:
            raise doc.error(keys, f"has no {key} (population_scale_to needs file and vintage)")
    columns = _renames(
        doc,
        (*keys, "columns"),
        spec.get("columns"),
        role="population totals",
        known=POPULATION_TOTALS_COLUMNS,
    )
    return PopulationTotals(**values, columns=columns)


#: Longitudes and latitudes of Great Britain, to catch swapped or projected coordinates.
_LONGITUDES, _LATITUDES = (-8.7, 1.9), (49.8, 60.9)


def _towns(doc: _Document, keys: Keys, value: object) -> dict[str, tuple[float, float]]:
    """Town name -> (longitude, latitude) in Great Britain, for names on maps."""
    spec = _mapping(doc, keys, value, what="town name: [longitude, latitude] lines")
    out = {}
    for name, point in spec.items():
        at = (*keys, name)
        town = _text(doc, at, name)
        numbers = isinstance(point, list) and len(point) == 2
        numbers = numbers and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in point
        )
        if not numbers:
            raise doc.error(
                at,
                f"= {_show(point)} is not a point (expected [longitude, latitude], "
                "such as [-2.75, 52.71])",
            )
        lon, lat = (float(v) for v in point)
        if _LATITUDES[0] <= lon <= _LATITUDES[1] and _LONGITUDES[0] <= lat <= _LONGITUDES[1]:
            raise doc.error(
                at,
                f"= {_show(point)} looks like [latitude, longitude]: write "
                "[longitude, latitude], such as [-2.75, 52.71]",
            )
        if not (_LONGITUDES[0] <= lon <= _LONGITUDES[1] and _LATITUDES[0] <= lat <= _LATITUDES[1]):
            raise doc.error(
                at,
                f"= {_show(point)} is not a longitude and latitude in Great Britain "
                "(expected [longitude, latitude] in degrees, such as [-2.75, 52.71])",
            )
        out[town] = (lon, lat)
    return out


def _known(doc: _Document, keys: Keys, key: object, known, what: str, hint: str = "") -> None:
    """Raise for a key that is not in ``known``, naming the closest known one."""
    if key in known:
        return
    raise doc.error(
        keys,
        f"is not a {what}{did_you_mean(key, known)}{hint} (known: {', '.join(map(str, known))})",
    )


# ---------------------------------------------------------------------------- schemas

#: The settings of a deployment file and how each is checked (``themes`` separately).
DEPLOYMENT_SETTINGS: dict[str, Check] = {
    "title": _text,
    "data_dir": _text,
    "area_name": _text,
    "files": _files,
    "columns": _columns,
    "areas": _texts,
    "period": _period,
    "top_n_wards": _count(1, 10),
    "suppression_threshold": _count(1, 4),
    "sources": _texts,
    "serious_violence_subgroups": _texts,
    "population_vintage": _text,
    "population_scale_to": _population_scale_to,
    "towns": _towns,
    "assessment_period": _year,
    "store_dir": _text,
    "themes": None,
}

#: The settings of a themes file (``config/themes.yaml``).
THEMES_FILE_SETTINGS: dict[str, Check] = {
    "serious_violence_subgroups": _texts,
    "themes": None,
}

#: The settings of one theme and how each is checked.
THEME_SETTINGS: dict[str, Check] = {
    "title": _text,
    "records": _choice(RECORD_TYPES),
    "flag": _choice(FLAGS, empty=True),
    "where": _filters,
    "breakdown": _column,
    "police_uk": _police_uk_filters,
    "police_uk_breakdown": _column,
    "police_uk_note": _note,
    "needs": _note,
    "caveat": _note,
    "sensitive": _true_or_false,
    "people": _true_or_false,
    "attributes": _attributes,
    "top_wards_by": _optional_column,
    "polarity": _choice(POLARITIES),
}


def _settings(doc: _Document, schema: dict[str, Check], what: str) -> dict:
    """The checked values of a file's top-level settings (``themes`` left out)."""
    values = {}
    for key, value in doc.data.items():
        if schema is THEMES_FILE_SETTINGS and key not in schema and key in DEPLOYMENT_SETTINGS:
            raise doc.error(
                (key,),
                f"is not a {what}: it is a deployment setting, so it goes in the deployment "
                f"file, not in {doc.path.name}",
            )
        _known(doc, (key,), key, schema, what)
        if schema[key] is not None:
            values[key] = schema[key](doc, (key,), value)
    return values


def _themes(doc: _Document) -> dict[str, Theme]:
    specs = _mapping(doc, ("themes",), doc.data.get("themes"), what="theme name: settings")
    return {name: _theme(doc, name, spec) for name, spec in specs.items()}


def _theme(doc: _Document, name: object, spec: object) -> Theme:
    at = ("themes", name)
    if not isinstance(name, str) or not THEME_NAME.match(name):
        raise InputError(
            doc.path,
            line=doc.line(at),
            column="themes",
            message=f"has a theme named {_show(name)}: a theme name is lower-case letters, "
            "digits and _, starting with a letter (such as sexual_offences), because it "
            "names files and folders",
        )
    spec = _mapping(doc, at, spec, what="the theme's settings: title, records, where, ...")
    values = {}
    for key, value in spec.items():
        _known(doc, (*at, key), key, THEME_SETTINGS, "theme setting")
        values[key] = THEME_SETTINGS[key](doc, (*at, key), value)
    if values.get("records") == "asb" and values.get("flag"):
        raise doc.error(
            (*at, "flag"),
            f"= {_show(values['flag'])} is a flag of crime records, but this theme's records "
            "are asb (anti-social behaviour incidents carry no flags)",
        )
    lines = {}
    for key, value in spec.items():
        lines[key] = doc.line((*at, key))
        for sub in value if isinstance(value, dict) else ():
            lines[f"{key}.{sub}"] = doc.line((*at, key, sub))
    return Theme(
        name=name,
        **{"title": name.replace("_", " ").capitalize(), **values},
        config_file=doc.path,
        lines={k: v for k, v in lines.items() if v is not None},
    )


def _expand(value: str, doc: _Document, *, key: str = "data_dir") -> str:
    missing = [name for name in re.findall(r"\$\{(\w+)\}", value) if name not in os.environ]
    if missing:
        raise doc.error((key,), f"uses environment variable {missing[0]}, which is not set")
    return os.path.expandvars(value)


def load_settings(
    config: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    area_name: str | None = None,
) -> Settings:
    """Read and check a deployment file and the ``themes.yaml`` beside it.

    ``data_dir`` overrides the file's ``data_dir`` (as ``csp --data-dir`` does); relative
    paths resolve from the project root. Raises :class:`~csp_analysis.read.InputError`
    for the first setting that is unknown, of the wrong type or out of range.
    """
    path = Path(config) if config else DEFAULT_CONFIG
    deployment = _Document(path)
    themes_path = path.parent / "themes.yaml"
    if not themes_path.exists():
        themes_path = PROJECT_ROOT / "config" / "themes.yaml"
    shared = _Document(themes_path)
    shared_values = _settings(shared, THEMES_FILE_SETTINGS, "setting of a themes file")
    values = _settings(deployment, DEPLOYMENT_SETTINGS, "deployment setting")
    themes = {**_themes(shared), **_themes(deployment)}

    if data_dir is not None:  # from the command line: relative to where it runs
        root = Path(data_dir).resolve()
    elif "data_dir" in values:  # from the file: relative to the project root
        root = PROJECT_ROOT / _expand(values["data_dir"], deployment)
    else:
        raise InputError(path, column="data_dir", message="is missing (or pass --data-dir)")
    files = {role: list(names) for role, names in DEFAULT_FILES.items()}
    files.update(values.get("files", {}))
    return Settings(
        title=values.get("title", "Community Safety Partnership profile"),
        data_dir=root.resolve(),
        files=files,
        columns=values.get("columns", {}),
        areas=values.get("areas", []),
        period=values.get("period", ""),
        top_n_wards=values.get("top_n_wards", 10),
        themes=themes,
        serious_violence_subgroups=tuple(
            values.get("serious_violence_subgroups")
            or shared_values.get("serious_violence_subgroups")
            or ()
        ),
        sources=values.get("sources") or [DEFAULT_SOURCE],
        suppression_threshold=values.get("suppression_threshold", 4),
        area_name=area_name or values.get("area_name"),
        config_path=path.resolve(),
        population_vintage=values.get("population_vintage", ""),
        population_scale_to=values.get("population_scale_to"),
        towns=values.get("towns", {}),
        assessment_period=values.get("assessment_period", ""),
        store_dir=(
            store_location(_expand(values["store_dir"], deployment, key="store_dir"))
            if "store_dir" in values
            else default_store_dir()
        ),
    )
