"""Tests for csp_analysis.classify.

The public-data tests check the bundled crime tree against the data.police.uk
"police-uk-category-mappings" table found under ``$CSP_PUBLIC_DATA/reference`` (see
PROVENANCE.md section 6); they are skipped when CSP_PUBLIC_DATA is unset or the file is
missing.
"""

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csp_analysis.classify import (
    OFFENCE_GROUPS,
    POLICE_UK_CRIME_TYPES,
    SUBGROUP_GROUPS,
    UNKNOWN,
    classification_notes,
    classify_offences,
    load_offence_tree,
    normalise_offence_code,
    police_uk_offence_group,
)

VAP = "Violence against the person"
SEX = "Sexual offences"


def norm(*codes):
    return normalise_offence_code(pd.Series(list(codes), dtype=object)).tolist()


@pytest.fixture(scope="module")
def tree():
    return load_offence_tree()


def classify(tree, **columns):
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({"offence": [f"crime {i}" for i in range(n)], **columns})
    return classify_offences(frame, tree=tree)


# --------------------------------------------------------------------------------------
# SUBGROUP_GROUPS
# --------------------------------------------------------------------------------------


def test_subgroup_groups_are_the_open_data_names():
    expected = {
        VAP: [
            "Homicide",
            "Death or serious injury caused by unlawful driving",
            "Violence with injury",
            "Violence without injury",
            "Stalking and harassment",
        ],
        SEX: ["Rape", "Other sexual offences"],
        "Robbery": ["Robbery of business property", "Robbery of personal property"],
        "Theft offences": [
            "Residential burglary",
            "Non-residential burglary",
            "Vehicle offences",
            "Theft from the person",
            "Bicycle theft",
            "Shoplifting",
            "All other theft offences",
        ],
        "Criminal damage and arson": ["Arson", "Criminal damage"],
        "Drug offences": ["Trafficking of drugs", "Possession of drugs"],
        "Possession of weapons offences": ["Possession of weapons offences"],
        "Public order offences": ["Public order offences"],
        "Miscellaneous crimes against society": ["Miscellaneous crimes against society"],
    }
    assert SUBGROUP_GROUPS == {s: g for g, subs in expected.items() for s in subs}
    assert list(OFFENCE_GROUPS) == list(expected)


# --------------------------------------------------------------------------------------
# normalise_offence_code
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8N", "8N"),
        ("008N", "8N"),
        (" 8n ", "8N"),
        ("3/01", "3/1"),
        ("3/1", "3/1"),
        ("003/001", "3/1"),
        ("105 / 1", "105/1"),
        ("4.1", "4/1"),
        ("4.10", "4/10"),
        ("4/10", "4/10"),
        ("37.2", "37/2"),
        ("15/00", "15/0"),
        ("99/99 ", "99/99"),
        ("1/4.1/4.10/4.2", "1,4/1,4/10,4/2"),
        ("1, 4.1, 4.10, 4.2", "1,4/1,4/10,4/2"),
        ("28e", "28E"),
        ("AF", "AF"),
        (802, "802"),
        (np.int64(126), "126"),
        (802.0, "802"),
        (4.1, "4/1"),
    ],
)
def test_normalise_offence_code(raw, expected):
    assert norm(raw) == [expected]


def test_normalise_keeps_missing_index_and_name():
    codes = pd.Series(["8N", None, np.nan, "", "  "], index=[5, 6, 7, 8, 9], name="offence_code")
    out = normalise_offence_code(codes)
    assert out.index.tolist() == [5, 6, 7, 8, 9]
    assert out.name == "offence_code"
    assert out.iloc[0] == "8N"
    assert out.iloc[1:].isna().all()


def test_normalise_does_not_confuse_4_1_and_4_10():
    assert norm("4.1", "4.10", "4/1", "4/10") == ["4/1", "4/10", "4/1", "4/10"]


code_parts = st.tuples(
    st.integers(0, 999), st.sampled_from(["", "A", "N", "AB"]), st.none() | st.integers(0, 99)
)


@given(code_parts, st.integers(0, 3), st.integers(0, 2))
def test_normalise_ignores_zero_padding_case_and_space(parts, pad_class, pad_sub):
    klass, letters, sub = parts
    plain = f"{klass}{letters}" + ("" if sub is None else f"/{sub}")
    padded = f"{klass:0{len(str(klass)) + pad_class}d}{letters.lower()}" + (
        "" if sub is None else f" / {sub:0{len(str(sub)) + pad_sub}d}"
    )
    assert norm(padded) == norm(plain) == [plain]


@given(st.text(alphabet="0123456789ABn/.,+ ", max_size=12))
def test_normalise_is_idempotent(text):
    once = normalise_offence_code(pd.Series([text], dtype=object))
    twice = normalise_offence_code(once)
    assert once.equals(twice)


# --------------------------------------------------------------------------------------
# load_offence_tree
# --------------------------------------------------------------------------------------


def test_tree_columns_and_no_blanks(tree):
    assert list(tree.columns) == ["offence_code", "offence", "offence_subgroup", "offence_group"]
    assert len(tree) > 1000
    assert (tree != "").all().all()
    assert tree.notna().all().all()


def test_tree_subgroups_and_groups_are_known(tree):
    assert set(tree["offence_subgroup"]) <= set(SUBGROUP_GROUPS)
    assert (tree["offence_subgroup"].map(SUBGROUP_GROUPS) == tree["offence_group"]).all()
    # every subgroup is used by at least one code
    assert set(tree["offence_subgroup"]) == set(SUBGROUP_GROUPS)


def test_tree_codes_unique_after_normalisation(tree):
    keys = normalise_offence_code(tree["offence_code"])
    assert keys.notna().all()
    assert not keys.duplicated().any(), tree.loc[keys.duplicated(keep=False), "offence_code"]


def test_tree_codes_are_code_patterns(tree):
    keys = normalise_offence_code(tree["offence_code"])
    part = r"\d+[A-Z]*(/\d+)?"
    assert keys.str.fullmatch(rf"{part}(,{part})*").all()


def test_load_returns_fresh_copy():
    first = load_offence_tree()
    first.loc[:, "offence_group"] = "changed"
    assert (load_offence_tree()["offence_group"] != "changed").all()


@pytest.mark.parametrize(
    ("code", "subgroup"),
    [
        ("1", "Homicide"),
        ("4.10", "Homicide"),
        ("1/4.1/4.10/4.2", "Homicide"),
        ("4.4", "Death or serious injury caused by unlawful driving"),
        ("37.1", "Death or serious injury caused by unlawful driving"),
        ("2", "Violence with injury"),
        ("8N", "Violence with injury"),
        ("8T", "Violence with injury"),
        ("3A", "Violence without injury"),
        ("105A", "Violence without injury"),
        ("105/1", "Violence without injury"),
        ("106", "Violence without injury"),
        ("8L", "Stalking and harassment"),
        ("8U", "Stalking and harassment"),
        ("19C", "Rape"),
        ("20A", "Other sexual offences"),
        ("34A", "Robbery of business property"),
        ("34B", "Robbery of personal property"),
        ("28E", "Residential burglary"),
        ("29A", "Residential burglary"),
        ("30C", "Non-residential burglary"),
        ("37.2", "Vehicle offences"),
        ("126", "Vehicle offences"),
        ("39", "Theft from the person"),
        ("44", "Bicycle theft"),
        ("46", "Shoplifting"),
        ("49A", "All other theft offences"),
        ("56A", "Arson"),
        ("58J", "Criminal damage"),
        ("92A", "Trafficking of drugs"),
        ("92E", "Possession of drugs"),
        ("10D", "Possession of weapons offences"),
        ("9A", "Public order offences"),
        ("62A", "Public order offences"),
        ("59", "Miscellaneous crimes against society"),
        ("54", "Miscellaneous crimes against society"),
        ("802", "Miscellaneous crimes against society"),
    ],
)
def test_open_data_codes(tree, code, subgroup):
    out = classify(tree, offence_code=[code])
    assert out["offence_subgroup"].tolist() == [subgroup]
    assert out["offence_group"].tolist() == [SUBGROUP_GROUPS[subgroup]]
    assert out["classified_by"].tolist() == ["offence_code"]


# --------------------------------------------------------------------------------------
# classify_offences
# --------------------------------------------------------------------------------------


def test_classify_by_code_with_messy_codes(tree):
    out = classify(tree, offence_code=["008n", " 3/01", "105/1", 802, "4.10"])
    assert out["offence_subgroup"].tolist() == [
        "Violence with injury",
        "Violence without injury",
        "Violence without injury",
        "Miscellaneous crimes against society",
        "Homicide",
    ]
    assert (out["classified_by"] == "offence_code").all()


@pytest.mark.parametrize(
    ("name", "subgroup"),
    [
        ("Robbery - personal", "Robbery of personal property"),
        ("Robbery \u2013 personal", "Robbery of personal property"),
        ("robbery-personal", "Robbery of personal property"),
        ("ROBBERY OF PERSONAL PROPERTY", "Robbery of personal property"),
        ("Robbery - business", "Robbery of business property"),
        ("Domestic burglary", "Residential burglary"),
        ("Burglary - residential", "Residential burglary"),
        ("Burglary \u2014 Residential", "Residential burglary"),
        ("Non-domestic burglary", "Non-residential burglary"),
        ("Burglary - business and community", "Non-residential burglary"),
        ("Possession of weapons", "Possession of weapons offences"),
        ("Rape offences", "Rape"),
        (
            "Death or serious injury caused by illegal driving",
            "Death or serious injury caused by unlawful driving",
        ),
        ("  stalking   and harassment ", "Stalking and harassment"),
        ("Other theft offences", "All other theft offences"),
        ("Theft from a vehicle", "Vehicle offences"),
        ("Miscellaneous crimes", "Miscellaneous crimes against society"),
        ("Public order", "Public order offences"),
    ],
)
def test_subgroup_aliases(tree, name, subgroup):
    out = classify(tree, offence_subgroup=[name])
    assert out["offence_subgroup"].tolist() == [subgroup]
    assert out["offence_group"].tolist() == [SUBGROUP_GROUPS[subgroup]]
    assert out["classified_by"].tolist() == ["offence_subgroup"]


def test_code_takes_precedence_and_subgroup_is_fallback(tree):
    out = classify(
        tree,
        offence_code=["8N", "zz9", None, np.nan],
        offence_subgroup=["Shoplifting", "Bicycle theft", "Domestic burglary", None],
    )
    assert out["offence_subgroup"].tolist() == [
        "Violence with injury",
        "Bicycle theft",
        "Residential burglary",
        UNKNOWN,
    ]
    assert out["classified_by"].tolist() == [
        "offence_code",
        "offence_subgroup",
        "offence_subgroup",
        "unknown",
    ]


def test_robbery_subclass_takes_given_robbery_subgroup(tree):
    out = classify(
        tree,
        offence_code=["34/1", "34/1", "34/2", "34/1"],
        offence_subgroup=["Robbery - business", None, "Robbery of personal property", "Arson"],
    )
    assert out["offence_subgroup"].tolist() == [
        "Robbery of business property",
        "Robbery of personal property",
        "Robbery of personal property",
        "Robbery of personal property",
    ]
    assert (out["offence_group"] == "Robbery").all()
    assert (out["classified_by"] == "offence_code").all()


def test_unknowns_are_kept_not_dropped(tree):
    crimes = pd.DataFrame(
        {
            "offence": ["fraud", "nothing", "ABH"],
            "offence_code": ["53A", None, "8N"],
            "offence_subgroup": ["Fraud: action fraud", "", None],
        },
        index=["a", "b", "c"],
    )
    out = classify_offences(crimes, tree=tree)
    assert out.index.tolist() == ["a", "b", "c"]
    # A subgroup the classification does not know keeps the extract's label (issue 7).
    assert out["offence_subgroup"].tolist() == [
        "Fraud: action fraud",
        UNKNOWN,
        "Violence with injury",
    ]
    assert out["offence_group"].tolist() == [UNKNOWN, UNKNOWN, VAP]
    assert out["classified_by"].tolist() == ["extract", "unknown", "offence_code"]
    assert out["offence"].tolist() == crimes["offence"].tolist()


def test_local_labels_are_kept_not_relabelled_unknown(tree):
    # Issue 7: a force extract's "Domestic abuse investigation" records with the local
    # subgroup "Other crimes against society" showed as "Unknown" in the overview.
    out = classify(
        tree,
        offence_subgroup=[
            "Other crimes against society",
            " Other crimes against society ",
            "Other crimes against society",
            None,
        ],
        offence_group=[None, "Miscellaneous crimes", "Local group", "Domestic"],
    )
    assert out["offence_subgroup"].tolist() == ["Other crimes against society"] * 3 + [UNKNOWN]
    assert out["offence_group"].tolist() == [
        UNKNOWN,
        "Miscellaneous crimes against society",
        "Local group",
        "Domestic",
    ]
    assert out["classified_by"].tolist() == ["extract"] * 4
    assert not out["group_conflict"].any()


def test_given_group_kept_when_consistent_and_flagged_when_not(tree):
    out = classify(
        tree,
        offence_code=["8N", "8N", "46", "xx", "9A"],
        offence_group=[
            "violence against the person",
            "Drug offences",
            None,
            "Robbery",
            "Public order",
        ],
    )
    assert out["offence_group"].tolist() == [
        VAP,
        VAP,
        "Theft offences",
        "Robbery",  # code "xx" unknown: the given group is kept, not made "Unknown"
        "Public order offences",
    ]
    assert out["classified_by"].tolist()[3] == "extract"
    assert out["group_conflict"].tolist() == [False, True, False, False, False]
    assert out["group_conflict"].dtype == bool


def test_classify_does_not_modify_input(tree):
    crimes = pd.DataFrame({"offence": ["x"], "offence_code": ["8N"], "offence_subgroup": [None]})
    before = crimes.copy()
    out = classify_offences(crimes, tree=tree)
    pd.testing.assert_frame_equal(crimes, before)
    assert out is not crimes
    assert list(out.columns) == [
        "offence",
        "offence_code",
        "offence_subgroup",
        "offence_group",
        "classified_by",
        "group_conflict",
    ]


def test_classify_empty_frame(tree):
    crimes = pd.DataFrame({"offence": [], "offence_code": []}, dtype=object)
    out = classify_offences(crimes, tree=tree)
    assert len(out) == 0
    assert {"offence_subgroup", "offence_group", "classified_by"} <= set(out.columns)


def test_classify_needs_code_or_subgroup(tree):
    with pytest.raises(ValueError, match="offence_code or an offence_subgroup"):
        classify_offences(pd.DataFrame({"offence": ["x"]}), tree=tree)
    with pytest.raises(ValueError, match="missing columns"):
        classify_offences(
            pd.DataFrame({"offence": ["x"], "offence_code": ["8N"]}),
            tree=tree.drop(columns="offence_group"),
        )


def test_tree_is_keyword_only(tree):
    with pytest.raises(TypeError):
        classify_offences(pd.DataFrame({"offence": ["x"], "offence_code": ["8N"]}), tree)


# --------------------------------------------------------------------------------------
# police_uk_offence_group
# --------------------------------------------------------------------------------------


def test_police_uk_crime_types():
    assert len(POLICE_UK_CRIME_TYPES) == 14
    out = police_uk_offence_group(pd.Series(POLICE_UK_CRIME_TYPES))
    groups = dict(zip(POLICE_UK_CRIME_TYPES, out["offence_group"], strict=True))
    approx = dict(zip(POLICE_UK_CRIME_TYPES, out["group_is_approximate"], strict=True))
    assert groups == {
        "Anti-social behaviour": "Anti-social behaviour",
        "Bicycle theft": "Theft offences",
        "Burglary": "Theft offences",
        "Criminal damage and arson": "Criminal damage and arson",
        "Drugs": "Drug offences",
        "Other crime": "Miscellaneous crimes against society",
        "Other theft": "Theft offences",
        "Possession of weapons": "Possession of weapons offences",
        "Public order": "Public order offences",
        "Robbery": "Robbery",
        "Shoplifting": "Theft offences",
        "Theft from the person": "Theft offences",
        "Vehicle crime": "Theft offences",
        "Violence and sexual offences": VAP,
    }
    assert {k for k, v in approx.items() if v} == {"Other crime", "Violence and sexual offences"}
    assert set(groups.values()) - {"Anti-social behaviour"} <= set(OFFENCE_GROUPS)


def test_police_uk_unknown_case_and_index():
    types = pd.Series(
        ["Violence and Sexual Offences", " vehicle crime ", "Fraud", None], index=[10, 11, 12, 13]
    )
    out = police_uk_offence_group(types)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert list(out.columns) == ["offence_group", "group_is_approximate"]
    assert out["offence_group"].tolist() == [VAP, "Theft offences", UNKNOWN, UNKNOWN]
    assert out["group_is_approximate"].tolist() == [True, False, False, False]
    assert out["group_is_approximate"].dtype == bool


# --------------------------------------------------------------------------------------
# Against the published data.police.uk category mapping (CSP_PUBLIC_DATA)
# --------------------------------------------------------------------------------------

# Codes whose group legitimately differs from the police.uk category's nearest group.
# 125/62 carries the Home Office sub_class label "public order" but police.uk files it
# under Other crime.
KNOWN_CATEGORY_EXCEPTIONS = {"125/62"}


def repair_excel_serial(code: str) -> str:
    """Undo Excel's month/year reading of codes such as 8/32 (stored as serial 11902)."""
    if re.fullmatch(r"\d{5}", code):
        date = pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(code))
        return f"{date.month}/{date.year % 100}"
    return code


def is_notifiable(code: str) -> bool:
    """Motoring classes 800+ are summary (non-notifiable) except 802 and 814."""
    klass = code.split("/")[0]
    return not (klass.isdigit() and int(klass) >= 800 and klass not in {"802", "814"})


@pytest.fixture(scope="module")
def police_uk_mapping():
    root = os.environ.get("CSP_PUBLIC_DATA")
    if not root:
        pytest.skip("CSP_PUBLIC_DATA is not set")
    path = Path(root) / "reference" / "police_uk_category_mappings.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    mapping = pd.read_csv(path, dtype=str)
    mapping["code"] = mapping["home_office_code"].str.strip().map(repair_excel_serial)
    mapping["notifiable"] = mapping["code"].map(is_notifiable)
    return mapping


@pytest.fixture(scope="module")
def classified_mapping(police_uk_mapping, tree):
    notifiable = police_uk_mapping[police_uk_mapping["notifiable"]]
    crimes = notifiable.rename(columns={"code": "offence_code"})[
        ["offence", "offence_code", "police_uk_category", "sub_class"]
    ]
    return classify_offences(crimes, tree=tree)


public_data = pytest.mark.public_data


@public_data
def test_mapping_has_excel_serial_codes_we_repair(police_uk_mapping, tree):
    serials = police_uk_mapping[police_uk_mapping["home_office_code"].str.fullmatch(r"\d{5}")]
    assert len(serials) == 22
    assert set(serials["code"].str.split("/").str[0]) == {"8"}
    keys = set(normalise_offence_code(tree["offence_code"]))
    assert set(normalise_offence_code(serials["code"])) <= keys


@public_data
def test_every_notifiable_mapping_code_is_in_tree(classified_mapping):
    missing = classified_mapping.loc[
        classified_mapping["classified_by"] != "offence_code", "offence_code"
    ]
    assert missing.empty, sorted(set(missing))


@public_data
def test_non_notifiable_mapping_codes_are_not_in_tree(police_uk_mapping, tree):
    excluded = police_uk_mapping.loc[~police_uk_mapping["notifiable"], "code"]
    assert 0 < excluded.nunique() < 20
    keys = set(normalise_offence_code(tree["offence_code"]))
    assert not set(normalise_offence_code(excluded)) & keys


@public_data
def test_repaired_excel_date_codes_are_covered(police_uk_mapping, tree):
    repaired = police_uk_mapping.loc[
        police_uk_mapping["code_repaired_from_excel_date"] == "True", "code"
    ]
    assert len(repaired) == 102
    keys = set(normalise_offence_code(tree["offence_code"]))
    assert set(normalise_offence_code(repaired)) <= keys


@public_data
def test_groups_consistent_with_police_uk_category(classified_mapping):
    nearest = police_uk_offence_group(classified_mapping["police_uk_category"])
    assert (nearest["offence_group"] != UNKNOWN).all()
    keys = normalise_offence_code(classified_mapping["offence_code"])
    vso = classified_mapping["police_uk_category"].str.lower() == "violence and sexual offences"
    ok = np.where(
        vso,
        classified_mapping["offence_group"].isin([VAP, SEX]),
        classified_mapping["offence_group"] == nearest["offence_group"],
    )
    bad = classified_mapping.loc[~ok & ~keys.isin(KNOWN_CATEGORY_EXCEPTIONS)]
    assert bad.empty, bad[["offence_code", "police_uk_category", "offence_group"]]
    # the listed exceptions really are exceptions (keep the list honest)
    assert set(keys[~ok]) == KNOWN_CATEGORY_EXCEPTIONS


@pytest.mark.parametrize(
    ("category", "column", "allowed"),
    [
        ("Drugs", "offence_group", {"Drug offences"}),
        ("Shoplifting", "offence_subgroup", {"Shoplifting"}),
        ("Bicycle Theft", "offence_subgroup", {"Bicycle theft"}),
        ("Theft from the Person", "offence_subgroup", {"Theft from the person"}),
        ("Possession of Weapons", "offence_group", {"Possession of weapons offences"}),
        ("Public Order", "offence_group", {"Public order offences"}),
        ("Robbery", "offence_group", {"Robbery"}),
        ("Burglary", "offence_subgroup", {"Residential burglary", "Non-residential burglary"}),
        ("Vehicle Crime", "offence_subgroup", {"Vehicle offences"}),
        ("Other Theft", "offence_subgroup", {"All other theft offences"}),
        ("Criminal Damage and Arson", "offence_subgroup", {"Arson", "Criminal damage"}),
        ("Violence and Sexual Offences", "offence_group", {VAP, SEX}),
    ],
)
@public_data
def test_category_codes_land_in_expected_subgroups(classified_mapping, category, column, allowed):
    rows = classified_mapping[classified_mapping["police_uk_category"].str.strip() == category]
    assert len(rows) > 0
    assert set(rows[column]) <= allowed, rows.loc[~rows[column].isin(allowed), "offence_code"]


@public_data
def test_home_office_sub_class_labels_agree_with_tree(classified_mapping, tree):
    labelled = classified_mapping[classified_mapping["sub_class"].str.strip().fillna("") != ""]
    by_label = classify_offences(
        labelled[["offence", "sub_class"]].rename(columns={"sub_class": "offence_subgroup"}),
        tree=tree,
    )
    assert (by_label["classified_by"] == "offence_subgroup").all()
    # HOCR puts class 59 (threat or possession with intent to commit criminal damage) in
    # miscellaneous crimes against society; the mapping labels 59/13-15 "criminal damage".
    class_59 = labelled["offence_code"].str.split("/").str[0] == "59"
    differ = by_label["offence_subgroup"] != labelled["offence_subgroup"]
    assert (differ == class_59).all(), labelled.loc[differ & ~class_59, "offence_code"]


@public_data
def test_violence_sub_class_labels_split_violence_and_sexual(classified_mapping):
    sexual = (
        classified_mapping["sub_class"]
        .str.strip()
        .str.lower()
        .isin(["rape", "other sexual offences"])
    )
    assert (classified_mapping.loc[sexual, "offence_group"] == SEX).all()


def test_classification_notes_say_what_happened(tree):
    labels = ["Local A", "Local B", "Local B", "Local C", "Local D", None]
    out = classify(tree, offence_subgroup=[*labels, "Shoplifting"])
    (kept_text, kept), (unknown_text, unknown) = classification_notes(out)
    assert kept_text == (
        "Offence not in the Home Office classification: shown under the subgroup and group "
        "the extract gives ('Local B', 'Local A', 'Local C' and 1 more), not as 'Unknown'"
    )
    assert kept.tolist() == [True] * 5 + [False, False]
    assert unknown_text.endswith("subgroup and group 'Unknown'")
    assert unknown.tolist() == [False] * 5 + [True, False]
    among = pd.Series([False, True, True, False, False, True, True])
    (kept_text, kept), (_, unknown) = classification_notes(out, among=among)
    assert "('Local B'), not as" in kept_text
    assert (kept.sum(), unknown.sum()) == (2, 1)
