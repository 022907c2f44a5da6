"""Configuration is checked before any work: the schema, and the themes against the data.

Each case writes a deployment file ``x.yaml`` (beside a copy of ``config/themes.yaml``) and
checks the exact message: the file, the line, the key path and what was expected. The data
cases use the small "Smallshire" directory of ``test_bad_input`` and run ``csp validate``
and ``csp tables`` as an analyst would (issue 7, "Configuration mistakes are not named").
"""

import dataclasses
import re
import shutil

import pytest
from test_bad_input import police_files, write_data

from csp_analysis.cli import main
from csp_analysis.config import (
    DEPLOYMENT_SETTINGS,
    PROJECT_ROOT,
    THEME_SETTINGS,
    Theme,
    load_settings,
)
from csp_analysis.load import load_dataset
from csp_analysis.periods import Period
from csp_analysis.profile import build_profile, check_theme
from csp_analysis.read import InputError

pytestmark = pytest.mark.filterwarnings("ignore:'crs' was not provided")

# Lines 1 to 4; a case's text starts on line 5.
DEPLOYMENT = "title: Smallshire\ndata_dir: data\nareas: [Smallshire]\nperiod: 2024-25Q4\n"
KNOWN_SETTINGS = (
    "title, data_dir, area_name, files, columns, areas, period, top_n_wards, "
    "suppression_threshold, sources, serious_violence_subgroups, population_vintage, "
    "population_scale_to, towns, assessment_period, store_dir, themes"
)
KNOWN_THEME_SETTINGS = (
    "title, records, flag, where, breakdown, police_uk, police_uk_breakdown, police_uk_note, "
    "needs, caveat, sensitive, people, attributes, top_wards_by, polarity"
)
THEME_COLUMNS = (
    "alcohol_related, area_code, domestic_abuse, hate_strand, hate_strands, location_method, "
    "lsoa_code, offence, offence_code, offence_group, offence_subgroup, serious_violence, town, "
    "ward_code, weapon"
)


def write_config(tmp_path, text: str, *, themes: str | None = None):
    """``x.yaml`` with ``text`` (and ``themes.yaml``, the project's unless given)."""
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    (folder / "x.yaml").write_text(text, encoding="utf-8")
    if themes is None:
        shutil.copy(PROJECT_ROOT / "config" / "themes.yaml", folder / "themes.yaml")
    else:
        (folder / "themes.yaml").write_text(themes, encoding="utf-8")
    return folder / "x.yaml"


def message(tmp_path, text: str, **options) -> str:
    with pytest.raises(InputError) as caught:
        load_settings(write_config(tmp_path, text, **options))
    return str(caught.value)


# (case, text after line 4 of DEPLOYMENT, or a replacement of a line: (old, new), message)
REFUSED = [
    (
        "misspelt setting",
        "suppresion_threshold: 10\n",
        "x.yaml line 5: column 'suppresion_threshold' is not a deployment setting; did you "
        f"mean 'suppression_threshold'? (known: {KNOWN_SETTINGS})",
    ),
    (
        "threshold 0",
        "suppression_threshold: 0\n",
        "x.yaml line 5: column 'suppression_threshold' = 0 is less than 1 (expected a whole "
        "number of at least 1, such as 4)",
    ),
    (
        "threshold in words",
        "suppression_threshold: four\n",
        "x.yaml line 5: column 'suppression_threshold' = 'four' is not a whole number "
        "(expected a whole number of at least 1, such as 4)",
    ),
    (
        "threshold yes/no",
        "suppression_threshold: true\n",
        "x.yaml line 5: column 'suppression_threshold' = true is not a whole number (expected "
        "a whole number of at least 1, such as 4)",
    ),
    (
        "threshold with a fraction",
        "suppression_threshold: 2.5\n",
        "x.yaml line 5: column 'suppression_threshold' = 2.5 is not a whole number (expected "
        "a whole number of at least 1, such as 4)",
    ),
    (
        "threshold left empty",
        "suppression_threshold:\n",
        "x.yaml line 5: column 'suppression_threshold' is empty (expected a whole number of "
        "at least 1, such as 4)",
    ),
    (
        "no top wards",
        "top_n_wards: 0\n",
        "x.yaml line 5: column 'top_n_wards' = 0 is less than 1 (expected a whole number of "
        "at least 1, such as 10)",
    ),
    (
        "areas not a list",
        ("areas: [Smallshire]", "areas: Smallshire"),
        "x.yaml line 3: column 'areas' = 'Smallshire' is not a list (write a list: [first, "
        "second] or - lines)",
    ),
    (
        "an area that is a number",
        ("areas: [Smallshire]", "areas: [Smallshire, 5]"),
        "x.yaml line 3: column 'areas' item 2 = 5 is not text (put it in quotes)",
    ),
    (
        "not a period",
        ("period: 2024-25Q4", "period: 2025-27"),
        "x.yaml line 4: column 'period' = '2025-27' is not a period: 27 does not follow 2025 "
        "(a financial year is written like 2024-25)",
    ),
    (
        "unknown file role",
        "files:\n  crime: extract.csv\n",
        "x.yaml line 6: column 'files.crime' is not a file role; did you mean 'crimes'? "
        "(known: wards, population, lsoa_ward_lookup, crimes, nominals, asb, police_uk, "
        "offence_weights, csp_lookup, benchmark, peer_list, deprivation)",
    ),
    (
        "file name that is not text",
        "files:\n  crimes: [extract.csv, 2025]\n",
        "x.yaml line 6: column 'files.crimes' item 2 = 2025 is not text (put it in quotes)",
    ),
    (
        "column mapped to a name the toolkit does not read",
        "columns:\n  crimes:\n    Crime Ref: crime_ref\n",
        "x.yaml line 7: column 'columns.crimes.Crime Ref' = 'crime_ref' is not a column the "
        "toolkit reads from crimes files; did you mean 'crime_id'? (it reads: crime_id, date, "
        "offence, offence_code, offence_subgroup, offence_group, latitude, longitude, easting, "
        "northing, ward_code, lsoa_code, area_code, domestic_abuse, hate_strands, "
        "serious_violence, weapon, alcohol_related, town)",
    ),
    (
        "columns of a file that cannot be renamed",
        "columns:\n  wards:\n    WARD: ward_name\n",
        "x.yaml line 6: column 'columns.wards' is not a file role whose columns can be renamed "
        "(known: crimes, nominals, asb, population, lsoa_ward_lookup, deprivation, peer_list)",
    ),
    (
        "sources not a list",
        "sources: Smallshire Police extract\n",
        "x.yaml line 5: column 'sources' = 'Smallshire Police extract' is not a list (write a "
        "list: [first, second] or - lines)",
    ),
    (
        "serious violence subgroup that is not text",
        "serious_violence_subgroups: [Homicide, 7]\n",
        "x.yaml line 5: column 'serious_violence_subgroups' item 2 = 7 is not text (put it in "
        "quotes)",
    ),
    (
        "setting given twice",
        "period: 2024-25\n",
        "x.yaml line 5: column 'period' appears twice (also on line 4); only one can count, "
        "so delete the other",
    ),
    (
        "theme name that climbs out of the output folder",
        "themes:\n  ../../x:\n    title: X\n",
        "x.yaml line 6: column 'themes' has a theme named '../../x': a theme name is "
        "lower-case letters, digits and _, starting with a letter (such as sexual_offences), "
        "because it names files and folders",
    ),
    (
        "theme name with capitals and a space",
        "themes:\n  Knife crime:\n    title: X\n",
        "x.yaml line 6: column 'themes' has a theme named 'Knife crime': a theme name is "
        "lower-case letters, digits and _, starting with a letter (such as sexual_offences), "
        "because it names files and folders",
    ),
    (
        "misspelt theme setting",
        "themes:\n  knives:\n    wher:\n      weapon: [knife]\n",
        "x.yaml line 7: column 'themes.knives.wher' is not a theme setting; did you mean "
        f"'where'? (known: {KNOWN_THEME_SETTINGS})",
    ),
    (
        "filter values not a list",
        "themes:\n  knives:\n    where:\n      weapon: knife\n",
        "x.yaml line 8: column 'themes.knives.where.weapon' = 'knife' is not a list of values "
        "(write [value] or [value, other value]; a record matches any of them)",
    ),
    (
        "filter that is not a mapping",
        "themes:\n  knives:\n    where: [weapon]\n",
        "x.yaml line 7: column 'themes.knives.where' = [weapon] is not a mapping (expected "
        "column: [value, ...] lines)",
    ),
    (
        "unknown record type",
        "themes:\n  knives:\n    records: crime\n",
        "x.yaml line 7: column 'themes.knives.records' = 'crime' is not one of: crimes, asb; "
        "did you mean 'crimes'?",
    ),
    (
        "unknown flag",
        "themes:\n  knives:\n    flag: domestic\n",
        "x.yaml line 7: column 'themes.knives.flag' = 'domestic' is not one of: "
        "domestic_abuse, serious_violence, hate_strands, or empty (null); did you mean "
        "'domestic_abuse'?",
    ),
    (
        "flag on anti-social behaviour",
        "themes:\n  knives:\n    records: asb\n    flag: serious_violence\n",
        "x.yaml line 8: column 'themes.knives.flag' = 'serious_violence' is a flag of crime "
        "records, but this theme's records are asb (anti-social behaviour incidents carry no "
        "flags)",
    ),
    (
        "sensitive in quotes",
        "themes:\n  knives:\n    sensitive: 'yes'\n",
        "x.yaml line 7: column 'themes.knives.sensitive' = 'yes' is not true or false",
    ),
    (
        "people as a number",
        "themes:\n  knives:\n    people: 1\n",
        "x.yaml line 7: column 'themes.knives.people' = 1 is not true or false",
    ),
    (
        "attributes as a list",
        "themes:\n  knives:\n    attributes: [weapon]\n",
        "x.yaml line 7: column 'themes.knives.attributes' = [weapon] is not a mapping "
        "(expected column: title lines)",
    ),
    (
        "attribute without a title",
        "themes:\n  knives:\n    attributes:\n      weapon:\n",
        "x.yaml line 8: column 'themes.knives.attributes.weapon' is empty (expected text)",
    ),
    (
        "top wards by a number",
        "themes:\n  knives:\n    top_wards_by: 5\n",
        "x.yaml line 7: column 'themes.knives.top_wards_by' = 5 is not text (put it in quotes)",
    ),
    (
        "setting named by a number",
        "1: x\n",
        f"x.yaml line 5: column '1' is not a deployment setting (known: {KNOWN_SETTINGS})",
    ),
    (
        "not YAML",
        "themes: [\n",
        "x.yaml line 6: is not valid YAML (expected the node content, but found '<stream end>')",
    ),
]


@pytest.mark.parametrize(("case", "change", "expected"), REFUSED, ids=[c[0] for c in REFUSED])
def test_a_mistake_is_named_with_file_line_and_key(tmp_path, case, change, expected):
    text = DEPLOYMENT + change if isinstance(change, str) else DEPLOYMENT.replace(*change)
    assert text != DEPLOYMENT
    assert message(tmp_path, text) == expected


def test_a_deployment_setting_in_the_themes_file_is_named(tmp_path):
    themes = (PROJECT_ROOT / "config" / "themes.yaml").read_text() + "suppression_threshold: 3\n"
    line = themes.count("\n")
    assert message(tmp_path, DEPLOYMENT, themes=themes) == (
        f"themes.yaml line {line}: column 'suppression_threshold' is not a setting of a "
        "themes file: it is a deployment setting, so it goes in the deployment file, not in "
        "themes.yaml"
    )


def test_a_misspelt_theme_setting_in_the_themes_file_is_named(tmp_path):
    themes = "themes:\n  drugs:\n    title: Drugs\n    breakdwn: offence\n"
    assert message(tmp_path, DEPLOYMENT, themes=themes) == (
        "themes.yaml line 4: column 'themes.drugs.breakdwn' is not a theme setting; did you "
        f"mean 'breakdown'? (known: {KNOWN_THEME_SETTINGS})"
    )


def test_good_settings_are_read_as_given(tmp_path):
    text = DEPLOYMENT + (
        "suppression_threshold: 9\ntop_n_wards: 3\nsources: [One source]\n"
        "files:\n  crimes: extract.csv\ncolumns:\n  crimes: {Crime Ref: crime_id}\n"
        "themes:\n  knives:\n    where:\n      weapon: [knife/sharp instrument]\n"
        "      alcohol_related: [true]\n    sensitive: yes\n    attributes: {town: Town}\n"
    )
    settings = load_settings(write_config(tmp_path, text))
    assert (settings.suppression_threshold, settings.top_n_wards) == (9, 3)
    assert settings.period == "2024-25Q4" and settings.areas == ["Smallshire"]
    assert settings.sources == ["One source"]
    assert settings.files["crimes"] == ["extract.csv"]
    assert settings.columns == {"crimes": {"Crime Ref": "crime_id"}}
    knives = settings.themes["knives"]
    assert knives == Theme(
        name="knives",
        title="Knives",
        where={"weapon": ["knife/sharp instrument"], "alcohol_related": [True]},
        sensitive=True,
        attributes={"town": "Town"},
    )
    assert knives.config_file.name == "x.yaml" and knives.lines["where.weapon"] == 15
    assert list(settings.themes)[-1] == "knives" and "overview" in settings.themes


def test_the_new_theme_settings_are_set_in_themes_yaml():
    themes = load_settings().themes
    sensitive = {name for name, theme in themes.items() if theme.sensitive}
    people = {name for name, theme in themes.items() if theme.people}
    assert sensitive == {"domestic_abuse", "hate_crime"}
    assert people == {"domestic_abuse", "serious_violence"}
    assert themes["serious_violence"].attributes == {
        "weapon": "Weapon",
        "alcohol_related": "Alcohol related",
        "town": "Town",
    }
    assert {name: theme.top_wards_by for name, theme in themes.items() if theme.top_wards_by} == {
        "asb": "category"
    }
    assert themes["overview"].attributes == {} and themes["overview"].top_wards_by is None


def commented_keys(path) -> set[str]:
    """The setting names documented in a file's comments ('#   name ...' lines)."""
    return set(re.findall(r"^#\s+(\w+)(?::|\s)", path.read_text(), flags=re.MULTILINE))


def test_every_setting_is_documented_in_the_config_comments():
    assert set(THEME_SETTINGS) <= commented_keys(PROJECT_ROOT / "config" / "themes.yaml")
    documented = commented_keys(PROJECT_ROOT / "config" / "partner-template.yaml")
    assert set(DEPLOYMENT_SETTINGS) <= documented


def test_the_shipped_configurations_are_valid(monkeypatch, tmp_path):
    monkeypatch.setenv("CSP_PUBLIC_DATA", str(tmp_path))
    for name in ("demo", "partner-template", "west-mercia-public"):
        settings = load_settings(PROJECT_ROOT / "config" / f"{name}.yaml")
        assert set(settings.themes) >= {"overview", "domestic_abuse", "asb", "drugs"}


def uncommented_example(path) -> str:
    """The commented ``themes:`` example at the end of a config file, as YAML."""
    text = path.read_text()
    example = text[text.index("# themes:") :]
    return "\n".join(line[2:] for line in example.splitlines()) + "\n"


def test_the_sexual_offences_example_is_a_sensitive_theme_that_the_data_supports(
    tmp_path, demo_dataset
):
    template = PROJECT_ROOT / "config" / "partner-template.yaml"
    settings = load_settings(write_config(tmp_path, DEPLOYMENT + uncommented_example(template)))
    theme = settings.themes["sexual_offences"]
    assert (theme.where, theme.sensitive, theme.people) == (
        {"offence_group": ["Sexual offences"]},
        True,
        True,
    )
    check_theme(demo_dataset, theme, period=Period.parse("2025-26Q4"))
    in_group = demo_dataset.crimes["offence_group"] == "Sexual offences"
    assert in_group.sum() > 0


# ---------------------------------------------------------------------------- the data


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "unexpected" not in captured.err
    return code, captured.out, captured.err


def tables(capsys, config, data, tmp_path, theme):
    return run(
        capsys,
        "tables",
        "--config",
        config,
        "--data-dir",
        data,
        "--area",
        "Smallshire",
        "--theme",
        theme,
        "--out",
        tmp_path / "out",
    )


@pytest.mark.parametrize("case", ["misspelt setting", "threshold 0", "threshold in words"])
def test_the_command_line_names_a_setting_mistake_before_any_work(tmp_path, capsys, case):
    change, expected = next((c, m) for name, c, m in REFUSED if name == case)
    data = write_data(tmp_path, {})
    config = write_config(tmp_path, DEPLOYMENT + change)
    code, out, err = run(capsys, "validate", "--config", config, "--data-dir", data)
    assert (code, out, err) == (2, "", f"error: {expected}\n")  # before any file is read
    code, out, err = tables(capsys, config, data, tmp_path, "overview")
    assert (code, out, err) == (2, "", f"error: {expected}\n")
    assert not (tmp_path / "out").exists()


# (case, theme text (lines 5 on), the expected message)
WRONG_THEMES = [
    (
        "filter on a column that does not exist",
        "themes:\n  drugs:\n    where:\n      offence_grp: [Drug offences]\n",
        "x.yaml line 8: column 'themes.drugs.where.offence_grp' is not a column of crimes.csv; "
        f"did you mean 'offence_group'? (the columns a theme can use: {THEME_COLUMNS})",
    ),
    (
        "filter value that matches no record",
        "themes:\n  drugs:\n    where:\n      offence_group: [Drug offence]\n",
        "x.yaml line 8: column 'themes.drugs.where.offence_group' = 'Drug offence' matches no "
        "record of crimes.csv in 2024-25Q4 or 2023-24Q4, nor in any other month; "
        "did you mean 'Drug offences'? (the offence_group values in the data: Theft offences, "
        "Violence against the person)",
    ),
    (
        "breakdown by a column that does not exist",
        "themes:\n  drugs:\n    breakdown: ofence\n",
        "x.yaml line 7: column 'themes.drugs.breakdown' = 'ofence' is not a column of "
        f"crimes.csv; did you mean 'offence'? (the columns a theme can use: {THEME_COLUMNS})",
    ),
    (
        "breakdown by crime reference",
        "themes:\n  drugs:\n    breakdown: crime_id\n",
        "x.yaml line 7: column 'themes.drugs.breakdown' = 'crime_id' identifies a record, its "
        "date or its exact place, which a theme cannot use (the columns a theme can use: "
        f"{THEME_COLUMNS})",
    ),
    (
        "attribute that does not exist",
        "themes:\n  drugs:\n    attributes:\n      weapons: Weapon\n",
        "x.yaml line 8: column 'themes.drugs.attributes.weapons' is not a column of "
        f"crimes.csv; did you mean 'weapon'? (the columns a theme can use: {THEME_COLUMNS})",
    ),
    (
        "top wards by a column that does not exist",
        "themes:\n  drugs:\n    top_wards_by: towns\n",
        "x.yaml line 7: column 'themes.drugs.top_wards_by' = 'towns' is not a column of "
        f"crimes.csv; did you mean 'town'? (the columns a theme can use: {THEME_COLUMNS})",
    ),
    (
        "yes/no filter written in quotes",
        "themes:\n  drugs:\n    where:\n      alcohol_related: ['true']\n",
        "x.yaml line 8: column 'themes.drugs.where.alcohol_related' = 'true' matches no record "
        "of crimes.csv in 2024-25Q4 or 2023-24Q4, nor in any other month; "
        "alcohol_related is a yes/no column: write true or false, without quotes (the "
        "alcohol_related values in the data: false, true)",
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "expected"), WRONG_THEMES, ids=[c[0] for c in WRONG_THEMES]
)
def test_a_theme_that_does_not_fit_the_data_is_named(tmp_path, capsys, case, text, expected):
    crimes = "crime_id,date,offence,offence_subgroup,alcohol_related,latitude,longitude\n"
    crimes += "C1,2024-01-15,Assault with injury,Violence with injury,Y,52.72,-2.75\n"
    crimes += "C2,2025-02-10,Shoplifting,Shoplifting,N,52.72,-2.65\n"
    data = write_data(tmp_path, {"crimes.csv": crimes, "nominals.csv": None})
    config = write_config(tmp_path, DEPLOYMENT + text)
    code, out, err = tables(capsys, config, data, tmp_path, "drugs")
    assert (code, err) == (2, f"error: {expected}\n")
    code, out, err = run(capsys, "validate", "--config", config, "--data-dir", data)
    assert (code, err) == (1, "1 theme(s) cannot be used.\n")
    assert "themes, checked against the data for 2024-25Q4 and 2023-24Q4:\n" in out
    assert f"  ERROR  drugs: error: {expected}\n" in out
    assert "  ok     overview\n" in out and "All files can be used." not in out


def test_a_true_zero_is_published(tmp_path, capsys):
    # "Drug offences" is a Home Office offence group: no record is a true zero, not a typo.
    data = write_data(tmp_path, {})
    config = write_config(tmp_path, DEPLOYMENT)
    code, out, err = tables(capsys, config, data, tmp_path, "drugs")
    assert (code, err) == (0, "")
    assert "Drug offences, Smallshire, January-March 2025 (2024-25Q4): 0 offences" in out


def test_a_value_seen_outside_the_compared_periods_is_accepted(tmp_path):
    data = write_data(tmp_path, {})
    dataset = load_dataset(load_settings(write_config(tmp_path, DEPLOYMENT), data_dir=data))
    theme = Theme("assaults", "Assaults", where={"offence": ["Assault with injury"]})
    # Assaults are in January 2024 and January 2025 only.
    profile = build_profile(dataset, area="Smallshire", period="2025-02:2025-03", theme=theme)
    assert (profile.change.current, profile.change.previous) == (0, 0)


def test_data_police_uk_filters_and_partner_settings_are_checked(tmp_path, capsys):
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in (1, 2, 3)]
    data = write_data(tmp_path, police_files(months))
    text = "themes:\n  drugs:\n    police_uk:\n      crime_type: [Drug]\n"
    config = write_config(tmp_path, DEPLOYMENT + text)
    code, out, err = tables(capsys, config, data, tmp_path, "drugs")
    assert (code, err) == (
        2,
        "error: x.yaml line 8: column 'themes.drugs.police_uk.crime_type' = 'Drug' matches no "
        "record of data.police.uk in 2024-25Q4 or 2023-24Q4, nor in any other "
        "month; did you mean 'Drugs'? (the crime_type values in the data: Burglary)\n",
    )
    # where does not apply to data.police.uk rows, but is still checked against crimes.csv
    text = "themes:\n  drugs:\n    where:\n      offence_grp: [Drug offences]\n"
    theme = load_settings(write_config(tmp_path, DEPLOYMENT + text)).themes["drugs"]
    dataset = load_dataset(load_settings(config, data_dir=data))
    with pytest.raises(InputError, match="column 'themes.drugs.where.offence_grp' is not a "):
        check_theme(dataset, theme)


def test_a_theme_made_in_code_is_named_in_messages(demo_dataset):
    theme = Theme(name="bad_filter", title="Bad filter", where={"no_column": ["x"]})
    with pytest.raises(InputError) as caught:
        check_theme(demo_dataset, dataclasses.replace(theme))
    assert str(caught.value).startswith(
        "themes.yaml: column 'themes.bad_filter.where.no_column' is not a column of crimes.csv"
    )


def test_validate_without_a_period_checks_the_themes_against_all_the_data(tmp_path, capsys):
    data = write_data(tmp_path, {})
    config = write_config(tmp_path, DEPLOYMENT.replace("period: 2024-25Q4\n", ""))
    code, out, err = run(capsys, "validate", "--config", config, "--data-dir", data)
    assert (code, err) == (0, "")
    assert "themes, checked against the data:\n  ok     overview\n" in out
    bad = "themes:\n  drugs:\n    where:\n      offence_group: [Drug offence]\n"
    config = write_config(tmp_path, DEPLOYMENT.replace("period: 2024-25Q4\n", bad))
    code, out, err = run(capsys, "validate", "--config", config, "--data-dir", data)
    assert (code, err) == (1, "1 theme(s) cannot be used.\n")
    assert (
        "  ERROR  drugs: error: x.yaml line 7: column 'themes.drugs.where.offence_group' = "
        "'Drug offence' matches no record of crimes.csv; did you mean 'Drug offences'? (the "
        "offence_group values in the data: Theft offences, Violence against the person)\n"
    ) in out


def test_towns_are_read_as_longitude_and_latitude(tmp_path):
    text = DEPLOYMENT + "towns:\n  Shrewsbury: [-2.752, 52.708]\n  Wem: [-2.72, 52.86]\n"
    settings = load_settings(write_config(tmp_path, text))
    assert settings.towns == {"Shrewsbury": (-2.752, 52.708), "Wem": (-2.72, 52.86)}
    assert load_settings(write_config(tmp_path, DEPLOYMENT)).towns == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[52.708, -2.752]", "looks like [latitude, longitude]: write [longitude, latitude]"),
        ("[350000, 310000]", "is not a longitude and latitude in Great Britain"),
        ("-2.752", "is not a point (expected [longitude, latitude]"),
        ("[-2.752]", "is not a point (expected [longitude, latitude]"),
    ],
)
def test_a_town_point_that_is_not_longitude_and_latitude_is_named(tmp_path, value, expected):
    text = DEPLOYMENT + f"towns:\n  Shrewsbury: {value}\n"
    found = message(tmp_path, text)
    assert found.startswith("x.yaml line 6: column 'towns.Shrewsbury' = ")
    assert expected in found
