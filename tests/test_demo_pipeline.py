"""End to end on small synthetic demo data: validate, profile every theme, write tables."""

import json

import pandas as pd
import pytest
from conftest import THEMES

from csp_analysis.cli import main
from csp_analysis.demo import AREA_CODE, LATEST_QUARTER
from csp_analysis.profile import SYNTHETIC_NOTE, build_profile


@pytest.mark.parametrize("name", THEMES)
def test_every_record_is_accounted_for(demo_profiles, name):
    quality = demo_profiles[name].data_quality
    read = quality.loc[quality["outcome"] == "read", "records"].iloc[0]
    assert quality.loc[quality["outcome"].isin(["included", "excluded"]), "records"].sum() == read
    assert SYNTHETIC_NOTE in quality["description"].tolist()


@pytest.mark.parametrize("name", THEMES)
def test_tables_agree_with_the_headline(demo_profiles, name):
    profile = demo_profiles[name]
    assert profile.available
    total = profile.headline.set_index("measure").loc["total"]
    included = profile.data_quality.set_index("description")["records"]
    assert total["current"] == included["In Demoshire, current period"]
    assert total["previous"] == included["In Demoshire, previous period"]
    assert profile.wards["count"].sum() == total["current"]
    assert profile.wards["previous"].sum() == total["previous"]
    monthly = profile.monthly.groupby("period")["count"].sum()
    assert (monthly["current"], monthly["previous"]) == (total["current"], total["previous"])
    # The months between the two quarters are counted too, not left at zero.
    between = profile.monthly.loc[profile.monthly["period"] == "", "count"]
    assert len(between) == 18 and between.notna().all()
    if total["current"] > 50:
        assert (between > 0).all()
    if name != "hate_crime":
        assert profile.breakdown["current"].sum() == total["current"]
    else:  # a crime counts once per strand
        strands = profile.headline.set_index("measure").loc["strands"]
        assert profile.breakdown["current"].sum() == strands["current"] >= total["current"]


def test_serious_violence_follows_the_configured_subgroups(
    demo_dataset, demo_profiles, demo_settings
):
    subgroups = set(demo_profiles["serious_violence"].breakdown["category"])
    assert subgroups <= set(demo_settings.serious_violence_subgroups)


def test_people_tables(demo_profiles):
    people = demo_profiles["serious_violence"].people
    totals = people[people["age_band"] == "Total"].set_index("role_group")["people"]
    assert set(totals.index) == {"suspect and victim", "suspect", "victim"}
    assert totals.sum() > 0
    ethnicity = demo_profiles["serious_violence"].ethnicity
    assert ethnicity["ethnicity"].iloc[-1] == "Not stated"
    assert ethnicity.loc[ethnicity["stated"], "share_pct"].sum() == pytest.approx(100)
    assert ethnicity["total"].sum() == totals.sum()


def test_csp_validate_and_tables(demo_dir, tmp_path, capsys):
    assert main(["validate", "--data-dir", str(demo_dir)]) == 0
    assert "All files can be used." in capsys.readouterr().out
    out = tmp_path / "tables"
    assert (
        main(
            [
                "tables",
                "--data-dir",
                str(demo_dir),
                "--area",
                "Demoshire",
                "--period",
                LATEST_QUARTER,
                "--theme",
                "overview",
                "--theme",
                "hate_crime",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "SYNTHETIC" in printed
    for theme in ("overview", "hate_crime"):
        headline = pd.read_csv(out / theme / "headline.csv")
        assert list(headline.columns[:6]) == [
            "measure",
            "current",
            "previous",
            "change",
            "pct_change",
            "p_value",
        ]
        if not (out / theme / "breakdown.csv").exists():  # too few to protect: said so
            assert theme == "hate_crime"
            assert "The breakdown table is not shown" in (out / theme / "README.txt").read_text()
            continue
        breakdown = pd.read_csv(out / theme / "breakdown.csv")
        assert list(breakdown.columns[:5]) == [
            "category",
            "current",
            "previous",
            "change",
            "pct_change",
        ]
        published = pd.to_numeric(breakdown["current"], errors="coerce").dropna()
        assert published.is_monotonic_decreasing  # withheld rows (if any) follow
        assert len(pd.read_csv(out / theme / "top_wards.csv")) == 10
        assert list(pd.read_csv(out / theme / "monthly.csv").columns[:2]) == ["month", "count"]
    assert not (out / "asb").exists()


def test_bad_file_gets_one_line_and_exit_code(demo_dir, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for path in demo_dir.iterdir():
        (bad / path.name).write_bytes(path.read_bytes())
    lines = (bad / "crimes.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[5].split(",")
    row[header.index("date")] = "2025-13-45"
    lines[5] = ",".join(row)
    (bad / "crimes.csv").write_text("\n".join(lines) + "\n")
    assert main(["validate", "--data-dir", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "crimes.csv line 6: column 'date' = '2025-13-45' is not a date" in out
    assert "nominals.csv" in out
    assert main(["tables", "--data-dir", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: crimes.csv line 6: column 'date'")
    assert "Traceback" not in err


def test_unknown_theme_and_period_are_refused(demo_dir, tmp_path, capsys):
    out = str(tmp_path / "o")
    assert main(["tables", "--data-dir", str(demo_dir), "--theme", "burglary", "--out", out]) == 2
    assert "has no theme 'burglary'" in capsys.readouterr().err
    assert main(["tables", "--data-dir", str(demo_dir), "--period", "2025", "--out", out]) == 2
    assert "period '2025' is not a financial year" in capsys.readouterr().err
    assert main(["tables", "--data-dir", str(demo_dir), "--period", "2019-20", "--out", out]) == 2
    assert "has no data for 2018-04" in capsys.readouterr().err


def test_missing_wards_file(tmp_path, capsys):
    assert main(["validate", "--data-dir", str(tmp_path)]) == 1
    assert "no wards file" in capsys.readouterr().out


def test_readme_says_synthetic(demo_tables):
    readme = (demo_tables / "asb" / "README.txt").read_text()
    assert readme.startswith(
        "Board and public version: small counts (1 to 4) suppressed.\n"
        "SYNTHETIC DEMO DATA\nAnti-social behaviour: Demoshire"
    )


def test_theme_without_its_flag_says_so(demo_dataset, demo_settings):
    import dataclasses

    crimes = demo_dataset.crimes.assign(
        domestic_abuse=pd.NA, hate_strands=[()] * len(demo_dataset.crimes)
    )
    stripped = dataclasses.replace(
        demo_dataset, crimes=crimes, counts={}, filter_values={}, spans={}
    ).summarise()
    for theme, column in (
        ("domestic_abuse", "'domestic_abuse' column"),
        ("hate_crime", "no hate strands"),
    ):
        profile = build_profile(
            stripped, area="Demoshire", period=LATEST_QUARTER, theme=demo_settings.themes[theme]
        )
        assert not profile.available and column in profile.reason


def test_totals_match_a_plain_count_of_the_raw_files(demo_dir, demo_profiles):
    # Demoshire's records are those with its area code (crimes) or in its wards (ASB), so the
    # quarter's totals are plain row counts of those.
    wards = json.loads((demo_dir / "wards.geojson").read_text(encoding="utf-8"))["features"]
    home = {
        w["properties"]["ward_code"] for w in wards if w["properties"]["area_code"] == AREA_CODE
    }
    crimes = pd.read_csv(demo_dir / "crimes.csv", dtype=str)
    crimes = crimes[crimes["area_code"] == AREA_CODE]
    asb = pd.read_csv(demo_dir / "asb.csv", dtype=str)
    asb = asb[asb["ward_code"].isin(home)]
    assert len(home) == 40 and 0 < len(crimes) and 0 < len(asb)
    for frame, theme in ((crimes, "overview"), (asb, "asb")):
        months = frame["date"].str[:7]
        headline = demo_profiles[theme].headline.set_index("measure").loc["total"]
        assert headline["current"] == months.between("2026-01", "2026-03").sum()
        assert headline["previous"] == months.between("2025-01", "2025-03").sum()
    da = crimes["domestic_abuse"].eq("Y") & crimes["date"].str[:7].between("2026-01", "2026-03")
    assert (
        demo_profiles["domestic_abuse"].headline.set_index("measure").loc["total", "current"]
        == da.sum()
    )
