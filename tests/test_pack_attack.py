"""The board pack attacked as a reader would attack it (issue 7, acceptance).

Demoshire's board version, for a quarter and for a single month, is read back from what it
publishes (``csp tables`` for every theme's CSV files, ``csp run`` for the theme pages that
show more than their CSV files) and attacked with an integer programme over all of it
(tests/attack.py, which does not use the package's disclosure code). The tests say:

- nothing withheld (``<5``, ``[c]``, "fewer than 5") can be worked out exactly;
- no count of 1 to 4 follows by differencing (between themes, tables or periods);
- no count of 1 to 4 is published where the board version withholds small counts;
- every value the attack finds is the ``--restricted`` run's, and the restricted numbers
  satisfy every statement of the model (else the model, not the pack, is wrong);
- the attack understands every table the pack publishes.

A failure lists each cell with what the pack shows, its value, the restricted run's
value and the route: the families of statements that pin it (e.g. "data-quality notes",
"towns", "top wards by category", "people margins", "theme nesting"). Run with ``-s`` to
see the whole report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from attack import (
    ASSESSMENT,
    CURRENT,
    PREVIOUS,
    UNKNOWN,
    Model,
    ModelError,
    attack,
    build_model,
    bycat_key,
    cat_key,
    norm,
    offence_range,
    peer_counts_that_fit,
    read_publication,
    read_wards,
    small_counts,
    themes_from_settings,
    truth,
    verify,
)

from csp_analysis.classify import load_offence_tree
from csp_analysis.cli import main as csp
from csp_analysis.config import PROJECT_ROOT, load_settings
from csp_analysis.harm import load_weights
from csp_analysis.pack import run_pack
from csp_analysis.peers import compare_peers
from csp_analysis.periods import Period
from csp_analysis.profile import build_profile
from csp_analysis.publication import protect_peers
from csp_analysis.tables import rounded

QUARTER, MONTH = "2025-26Q4", "2026-03:2026-03"
#: Theme pages that show numbers their CSV files do not: weapon, alcohol and town tables
#: (serious violence), top wards by category (ASB). The other pages show what their CSV
#: files hold (key findings, breakdown, top wards, data quality; the domestic abuse page's
#: repeat victims and people in words and percentages, from repeat_victims.csv and
#: people.csv), so the test renders only these two, to stay fast.
HTML_THEMES = ["serious_violence", "asb"]
#: Themes whose offence breakdowns are sensitive (issue 7: small counts suppressed there).
SENSITIVE = {"domestic_abuse", "hate_crime"}
#: The strategic assessment's tables (``csp tables`` writes them beside the theme folders).
ASSESSMENT_KINDS = {
    *("priorities", "year_harm", "localities", "categories", "concentration"),
    *("hotspots", "year_peers", "grid_hotspots", "towns", "year_quality"),
}
#: Tables the pages show that are counted from the records for the restricted truth
#: (until the pack writes them as CSV files too: then those files are the truth).
COLUMN_TABLES = {"serious_violence": ["weapon", "alcohol_related", "town"]}


def _records_truth(dataset, settings, period: str) -> dict[tuple, int]:
    """Exact values of the page-only tables, counted from the records (the restricted view)."""
    values: dict[tuple, int] = {}
    for theme, columns in COLUMN_TABLES.items():
        profile = build_profile(
            dataset, area="Demoshire", period=period, theme=settings.themes[theme]
        )
        for label, records in ((CURRENT, profile.current), (PREVIOUS, profile.previous_records)):
            for column in columns:
                series = records[column]
                if str(series.dtype) in ("bool", "boolean"):
                    series = series.map({True: "Yes", False: "No"})
                counts = series.astype("string").fillna("Not recorded").value_counts()
                for category, count in counts.items():
                    values[cat_key(theme, column, label, category)] = int(count)
    profile = build_profile(dataset, area="Demoshire", period=period, theme=settings.themes["asb"])
    wards = profile.wards["ward_code"].dropna().tolist()
    now = profile.current.assign(ward=profile.current["ward_code"].fillna(UNKNOWN))
    counts = now.groupby(["category", "ward"]).size()
    for category in profile.breakdown["category"]:
        for ward in [*wards, UNKNOWN]:
            values[bycat_key("asb", category, ward)] = int(counts.get((category, ward), 0))
    return values


def _made(request, period: str, out: Path) -> tuple[Path, Path, Path]:
    """The board tables, the restricted tables and the pages of ``HTML_THEMES`` for the period.

    The quarter's are the session's (``csp tables`` of both versions and the whole demo
    pack, tests/conftest.py): the attack sees only the two pages of that pack (copied into
    a folder of their own), which are what a run of those two themes makes, since an area's
    themes are protected together whichever of them a run renders. The month's are made here.
    """
    if period == QUARTER:
        root, _ = request.getfixturevalue("demo_pack")
        pages = out / "pages" / root.name / "demoshire"
        pages.mkdir(parents=True)
        for theme in HTML_THEMES:
            shutil.copy(root / "demoshire" / f"{theme}.html", pages)
            shutil.copytree(root / "demoshire" / theme, pages / theme)
        return (
            request.getfixturevalue("demo_tables"),
            request.getfixturevalue("demo_tables_restricted"),
            out / "pages",
        )
    data, settings = request.getfixturevalue("demo_dir"), request.getfixturevalue("demo_settings")
    common = ["--data-dir", str(data), "--period", period]
    assert csp(["tables", *common, "--out", str(out / "board")]) == 0
    assert csp(["tables", *common, "--out", str(out / "restricted"), "--restricted"]) == 0
    run_pack(settings, period=period, out=out / "pages", themes=HTML_THEMES, progress=False)
    return out / "board", out / "restricted", out / "pages"


@pytest.fixture(scope="module", params=[QUARTER, MONTH], ids=["quarter", "month"])
def attacked(request, demo_dir, demo_settings, demo_dataset, tmp_path_factory):
    """The board pack of one period, read back, modelled and attacked.

    The data is the session's small demo data (tests/conftest.py: seed 7, 5% of full
    volume); recoveries show at every scale tried (0.05 to 0.3).
    """
    data, settings = demo_dir, demo_settings
    period = request.param
    board_tables, restricted_tables, pages = _made(
        request, period, tmp_path_factory.mktemp("attack-pack")
    )
    themes = themes_from_settings(settings)
    wards = read_wards(data / "wards.geojson")
    options = {"threshold": settings.suppression_threshold, "offence_tree": load_offence_tree()}
    board = read_publication([board_tables, pages], themes)
    assert {p.stem for p in pages.rglob("*.html")} - {"index"} == set(HTML_THEMES)
    model = build_model(board, wards, themes, **options)
    exact = truth(read_publication([restricted_tables], themes), wards, themes, **options)
    for key, value in _records_truth(demo_dataset, settings, period).items():
        exact.setdefault(key, value)
    verify(model, exact)  # every statement of the model holds for the restricted numbers
    result = attack(model, route_seconds=20)  # the attack itself knows only the pack
    disagreeing = result.compare(exact)
    print(f"\n{period}: {result.report()}")  # shown with -s, and on failure
    return period, board, model, result, disagreeing


def test_every_value_the_attack_finds_is_the_restricted_runs(attacked):
    """Else the attack's model is wrong (or the pack's labels are)."""
    period, _, _, result, disagreeing = attacked
    assert not disagreeing, f"{period}:\n" + "\n".join(f.describe() for f in disagreeing)


def test_no_withheld_cell_can_be_worked_out(attacked):
    period, _, _, result, _ = attacked
    assert not result.recovered, (
        f"{period}: {len(result.recovered)} withheld cells of the board pack can be worked "
        "out exactly:\n" + "\n".join(f"- {f.describe()}" for f in result.recovered)
    )


def test_no_small_count_is_given_away_by_differencing(attacked):
    period, _, _, result, _ = attacked
    assert not result.hidden, (
        f"{period}: {len(result.hidden)} counts of 1 to 4 follow from published numbers "
        "(differencing between themes, tables or periods):\n"
        + "\n".join(f"- {f.describe()}" for f in result.hidden)
    )


def test_no_small_count_is_published_where_the_policy_withholds_it(attacked):
    period, board, _, _, _ = attacked
    found = small_counts(board, sensitive=SENSITIVE)
    assert not found, f"{period}: small counts published:\n" + "\n".join(found)


def test_the_attack_reads_every_table_the_pack_publishes(attacked, demo_settings):
    """A table the attack does not understand would escape it: teach tests/attack.py.

    And a pack the attack could not find (renamed folders) would pass every test above.
    """
    period, board, model, _, _ = attacked
    unread = [item for item in board.ignored if "area series" not in item]
    assert not unread + model.notes, f"{period}: not modelled: {unread + model.notes}"
    assert {t.theme for t in board.tables if t.csv} == {*demo_settings.themes, ASSESSMENT}
    assert {t.theme for t in board.tables if not t.csv} == set(HTML_THEMES)
    assert {t.kind for t in board.tables if t.theme == ASSESSMENT} == set(ASSESSMENT_KINDS)
    assert {t.theme for t in board.tables if t.kind in ("harm", "peers")} >= {"overview"}
    assert board.periods.keys() == {CURRENT, PREVIOUS, "year"}


def test_no_wards_harm_says_which_offences_its_crimes_were(attacked):
    """A ward's harm is the sum of its crimes' public severity weights: given its count,
    the harm bounds how many of them were of each offence (of the offence types the
    quarter's breakdown shows) and what the ward table says (1 to 4 for "<5"), by integer
    programmes. At 3 decimal places it pinned two withheld counts in the quarter:
    Hollinsworth (5 crimes, harm 5936.708) and Caldwell Heath (5 crimes, harm 762.142)
    each had exactly 1 violence with injury, shown "<5"; to whole numbers, in the month,
    Oxleigh and Ruddock (5 crimes, harm 332) did too. So a ward's harm is shown only where
    no other crime theme withholds its count; every withheld violence-with-injury count
    of a ward with a published harm must stay open.
    """
    period, board, model, _, _ = attacked
    tree = load_offence_tree()
    subgroup_of = dict(zip(tree["offence_code"], tree["offence_subgroup"].map(norm), strict=True))
    weights = load_weights().set_index("offence_code")["weight"].dropna()
    breakdown = next(t.frame for t in board.tables if t.source == "overview/breakdown.csv")
    rows = zip(breakdown["category"], breakdown["current"], strict=True)
    seen = {norm(c) for c, n in rows if n != "0"}
    possible = {c: w for c, w in weights.items() if subgroup_of.get(c) in seen}
    injury = {c for c in possible if subgroup_of[c] == "violence with injury"}  # themes.yaml
    harm = next(t.frame for t in board.tables if t.source == "overview/harm.csv")
    examined, found = 0, []
    for _, row in harm.loc[harm["count"].str.fullmatch(r"\d+") & (harm["harm"] != "")].iterrows():
        examined += 1
        key = ("ward", "violence_with_injury", CURRENT, row["ward_code"])
        if key not in model.withheld:
            continue
        i = model.index[key]
        within = (model.lo[i], model.hi[i])  # e.g. 1 to 4 for "<5"
        span = offence_range(int(row["count"]), row["harm"], possible, injury, within)
        assert span is not None, f"{row['ward_name']}: no mix of offences fits: test is wrong"
        if span[0] == span[1]:
            found.append(f"{row['ward_name']}: violence with injury = {span[0]}")
    assert examined, f"{period}: no ward's harm is published: nothing examined"
    assert not found, f"{period}: withheld counts follow from harm: {found}"


def test_no_withheld_peer_count_follows_from_the_funnel(attacked):
    """The funnel's dispersion (phi, tau2, its p-value) is not linear in the counts: try
    every value of the withheld counts with the published method (and the board version's
    rule) and keep those that give every published number. Before the pooled columns
    were left blank, exactly one did in every table (hate crime in the quarter:
    Gullhaven 2, Marlstow 3, Tarnwick 1, Skerrowdale 1).
    """
    period, board, _, _, _ = attacked

    def published(table, **options):  # the method, and the board version's rule
        return protect_peers(compare_peers(table, **options), threshold=4)

    months = {
        "peers": Period.parse(board.periods[CURRENT]).month_count,
        "year_peers": Period.parse(board.periods["year"]).month_count,
    }
    tried, found = 0, []
    for table in (t for t in board.tables if t.kind in months):
        groups = table.frame.groupby("theme") if "theme" in table.frame else [("", table.frame)]
        for theme, frame in groups:
            frame = frame.drop(columns="theme", errors="ignore")
            if not frame["count"].str.startswith("<").any():
                continue
            tried += 1
            fits = peer_counts_that_fit(frame, 12_000 / months[table.kind], published, rounded)
            assert fits, f"{table.source} {theme}: no counts fit: the test is wrong"
            if len(fits) == 1:
                found.append(f"{table.source} {theme}: {fits[0]}")
    assert tried, f"{period}: no peers table withholds a count: nothing examined"
    assert not found, f"{period}: withheld peer counts follow: {found}"


# ------------------------------------------------------------ the attack on known tables


def test_attack_finds_the_cells_a_list_and_its_total_give_away():
    model = Model(threshold=4)
    cells = {"a": "<5", "b": "<5", "c": 12, "d": "[c]"}
    for name, shown in cells.items():
        model.observe(("cell", name), shown, "list.csv")
    model.equal([(1, ("cell", n)) for n in cells], 19, "totals")  # 1 + 1 + 12 + 5
    result = attack(model, {("cell", "a"): 1, ("cell", "b"): 1, ("cell", "d"): 5})
    assert {f.key[1]: f.value for f in result.recovered} == {"a": 1, "b": 1, "d": 5}
    assert all(f.route == ["totals"] for f in result.recovered)

    model = Model(threshold=4)
    for name, shown in cells.items():
        model.observe(("cell", name), shown, "list.csv")
    model.equal([(1, ("cell", n)) for n in cells], 22, "totals")  # a + b + d = 10
    result = attack(model, exact_ranges=True)
    assert result.recovered == []
    assert result.ranges[("cell", "a")] == (1, 4)
    assert result.ranges[("cell", "d")] == (5, 8)


def test_attack_refuses_a_truth_the_publication_contradicts():
    model = Model(threshold=4)
    model.observe(("cell", "a"), "<5", "list.csv")
    model.observe(("cell", "b"), 7, "list.csv")
    model.equal([(1, ("cell", "a")), (1, ("cell", "b"))], 9, "totals")
    with pytest.raises(ModelError, match="restricted value 5"):
        attack(model, {("cell", "a"): 5})
    with pytest.raises(ModelError, match="published as 7 in list.csv and as 8"):
        model.observe(("cell", "b"), 8, "page.html")


WARDS = [("W1", "Abbey", "Town"), ("W2", "Bridge", "Town"), ("W3", "Castle", "Village")]


def _boundaries(folder: Path) -> None:
    """A wards.geojson of three wards (attributes only: the attack reads no geometry)."""
    features = [
        {"type": "Feature", "properties": {"ward_code": c, "ward_name": n, "town": t}}
        for c, n, t in WARDS
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    (folder / "wards.geojson").write_text(text)


def _hand_made_pack(folder: Path, *, castle: str, note: bool = True) -> Path:
    """All crime and violence with injury over three wards, in the pack's CSV form.

    All crime, current: Abbey 9 (rank 1), Bridge [c] (7), Castle ``castle`` (1),
    Unknown ward <5 (1), total 18; previous: Abbey 6, Bridge 9, Castle <5 (4), Unknown
    ward <5 (1), total 20. The data-quality note "in the area but no ward: 2" covers both
    periods, so both unknown-ward cells are 1, and then Castle's previous count is 4;
    Bridge and Castle stay open now (5 to 7 and 1 to 3). Violence with injury: Abbey 8 of
    all crime's 9, so one crime in Abbey is not violence with injury.
    """
    _boundaries(folder)
    overview = folder / "pack" / "overview"
    overview.mkdir(parents=True)
    total = 18 if castle == ",W3,Castle,<5," else 23
    (overview / "wards.csv").write_text(
        "rank,ward_code,ward_name,count,share_pct,population,previous,change\n"
        f"1,W1,Abbey,9,{9 / total * 100:.1f},1000,6,3\n"
        ",W2,Bridge,[c],,1000,9,\n"
        f"{castle},1000,<5,\n"
        ",,Unknown ward,<5,,,<5,\n"
    )
    (overview / "headline.csv").write_text(f"measure,current,previous\ntotal,{total},20\n")
    (overview / "data_quality.csv").write_text(
        "step,description,records,outcome\n"
        f'profile,"In X, current period",{total},included\n'
        + (
            f"locate,Located by coordinates inside a ward,{total + 20 - 2},note\n"
            "locate,In the area but no ward: counted as 'Unknown ward',2,note\n"
            if note
            else ""
        )
    )
    injury = folder / "pack" / "violence_with_injury"
    injury.mkdir()
    (injury / "wards.csv").write_text(
        "rank,ward_code,ward_name,count,previous\n1,W1,Abbey,8,6\n2,W2,Bridge,5,4\n"
        "3,W3,Castle,0,0\n"
    )
    (injury / "headline.csv").write_text("measure,current,previous\ntotal,13,10\n")
    return folder / "pack"


def _model(folder: Path, pack: Path):
    settings = load_settings(PROJECT_ROOT / "config" / "demo.yaml", data_dir=folder)
    themes = themes_from_settings(settings)
    pub = read_publication([pack], themes)
    return pub, build_model(pub, read_wards(folder / "wards.geojson"), themes, threshold=4)


def test_attack_reads_a_hand_made_pack_and_finds_what_it_gives_away(tmp_path):
    pub, model = _model(tmp_path, _hand_made_pack(tmp_path, castle=",W3,Castle,<5,"))
    assert sorted({(t.theme, t.kind) for t in pub.tables}) == [
        ("overview", "data_quality"),
        ("overview", "headline"),
        ("overview", "wards"),
        ("violence_with_injury", "headline"),
        ("violence_with_injury", "wards"),
    ]
    result = attack(model, exact_ranges=True)
    recovered = {(f.key[2], f.key[3]): f.value for f in result.recovered}
    assert recovered == {(CURRENT, UNKNOWN): 1, (PREVIOUS, UNKNOWN): 1, (PREVIOUS, "W3"): 4}
    assert all("data-quality notes" in " ".join(f.route) for f in result.recovered)
    assert result.ranges[("ward", "overview", CURRENT, "W2")] == (5, 7)
    assert result.ranges[("ward", "overview", CURRENT, "W3")] == (1, 3)
    assert {f.label: f.value for f in result.hidden} == {
        "overview not violence_with_injury: Abbey (current)": 1
    }
    assert small_counts(pub, sensitive=set()) == [
        "violence_with_injury/wards.csv: Bridge previous = 4"
    ]


def test_without_the_note_the_same_pack_gives_nothing_away_but_a_rank_does(tmp_path):
    _, model = _model(tmp_path, _hand_made_pack(tmp_path, castle=",W3,Castle,<5,", note=False))
    assert attack(model).recovered == []

    # Castle published as 6 with rank 2: ranks count only the wards whose counts are
    # published (Abbey), so the rank says nothing of Bridge, withheld; with the old ranks
    # over all wards (3: Bridge above) Bridge would be 7 and the unknown-ward cell 1.
    other = tmp_path / "ranked"
    other.mkdir()
    _, model = _model(other, _hand_made_pack(other, castle="2,W3,Castle,6,", note=False))
    assert attack(model).recovered == []


def test_top_wards_by_category_give_away_the_cells_behind_them(tmp_path):
    """Abbey 6, Bridge <5 (3), Castle <5 (1); nuisance 7, personal 3; two wards listed.

    Personal lists Abbey and Bridge at rank 1, both <5: equal, and Castle (after Bridge
    in name order) has at most as many, so 2 x a + c = 3 makes all three 1. Nuisance:
    Abbey 5, Bridge <5, so Bridge and Castle share 2 (1 + 1 or 2 + 0): not pinned.
    """
    _boundaries(tmp_path)
    asb = tmp_path / "asb-pack" / "asb"
    asb.mkdir(parents=True)
    (asb / "wards.csv").write_text(
        "rank,ward_code,ward_name,count,previous\n1,W1,Abbey,6,5\n,W2,Bridge,<5,5\n"
        ",W3,Castle,<5,5\n"
    )
    (asb / "headline.csv").write_text("measure,current,previous\ntotal,10,15\n")
    (asb / "breakdown.csv").write_text("category,current,previous\nnuisance,7,10\npersonal,3,5\n")
    (asb / "top_wards_by_category.csv").write_text(
        "category,rank,ward_code,ward_name,count,share_pct\n"
        "nuisance,1,W1,Abbey,5,71.4\nnuisance,2,W2,Bridge,<5,\n"
        "personal,1,W1,Abbey,<5,\npersonal,1,W2,Bridge,<5,\n"
    )
    _, model = _model(tmp_path, tmp_path / "asb-pack")
    result = attack(model, exact_ranges=True)
    assert {f.label: f.value for f in result.recovered} == {
        "asb: personal in Abbey (current)": 1,
        "asb: personal in Bridge (current)": 1,
    }
    assert {f.label: f.value for f in result.hidden} == {"asb: personal in Castle (current)": 1}
    assert result.ranges[("bycat", "asb", "nuisance", "W2")] == (1, 2)
    assert result.ranges[("ward", "asb", CURRENT, "W2")] == (2, 3)
