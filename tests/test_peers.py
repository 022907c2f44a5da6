"""Peers: CSP of records, CSP populations, the Home Office benchmark reader, rate ratios,
funnel limits and overdispersion, against published reference values.

Reference values and where they come from:

- R ``poisson.test(c(11, 6+8+7), c(800, 1083+1050+878))`` (the example of R's
  documentation): rate ratio 1.971488, 95% CI 0.8584264 to 4.2772659, p-value 0.07967, as
  R prints it (recorded in a public validation note of R's output; the 4.2761347 sometimes
  quoted for the upper limit is not what R gives: the Clopper-Pearson limit
  qbeta(0.975, 12, 21) mapped onto the ratio is 4.2772659).
- PHStatsMethods (DataS-DHSC/PHStatsMethods, commit 4a44463),
  ``PHStatsMethods/tests/test_data/testdata_funnels.xlsx``: sheets ``rate_outputs_2`` and
  ``rate_outputs_3`` (crude-rate funnel limits per 100,000, three years of data) and
  ``rate_dsr_inputs`` (column ``crude_per_100000_with_0``: significance of each area).
- NHS-R FunnelPlotR (nhs-r-community/FunnelPlotR, commit 9020d49),
  ``tests/testthat/test-classes_methods.R``: phi = 2.948033 for num = 100, 150, 180, 80,
  120, 225 and denom = 108, 112, 165, 95, 100, 220 (default SHMI method).
"""

import os

import numpy as np
import openpyxl
import pandas as pd
import pytest

from csp_analysis import compare_peers, funnel_limits, rate_ratio, read_benchmark
from csp_analysis.peers import (
    ADJUSTED,
    PEERS_COLUMNS,
    POISSON,
    area_of_records,
    area_populations,
    benchmark_counts,
    count_by_area,
    csp_of_area,
    csp_source_summary,
    force_areas,
    funnel_band,
    overdispersion,
    read_csp_lookup,
)
from csp_analysis.read import InputError

LOOKUP_CSV = """ltla24_code,ltla24_name,csp24_code,csp24_name,pfa24_code,pfa24_name
E06000019,"Herefordshire, County of",E22000326,"Herefordshire, County of",E23000016,West Mercia
E06000020,Telford and Wrekin,E22000333,Telford and Wrekin,E23000016,West Mercia
E06000051,Shropshire,E22000360,Shropshire,E23000016,West Mercia
E07000234,Bromsgrove,E22000368,North Worcestershire,E23000016,West Mercia
E07000235,Malvern Hills,E22000332,South Worcester,E23000016,West Mercia
E07000236,Redditch,E22000368,North Worcestershire,E23000016,West Mercia
E07000237,Worcester,E22000332,South Worcester,E23000016,West Mercia
E07000238,Wychavon,E22000332,South Worcester,E23000016,West Mercia
E07000239,Wyre Forest,E22000368,North Worcestershire,E23000016,West Mercia
W06000023,Powys,W22000031,Powys,W15000004,Dyfed-Powys
E06000058,"Bournemouth, Christchurch and Poole",E22000063,Bournemouth,E23000039,Dorset
E06000058,"Bournemouth, Christchurch and Poole",E22000067,Poole,E23000039,Dorset
"""
WEST_MERCIA = ["E22000326", "E22000333", "E22000360", "E22000368", "E22000332"]


@pytest.fixture
def lookup(tmp_path):
    path = tmp_path / "lad24_to_csp24_to_pfa24.csv"
    path.write_text(LOOKUP_CSV)
    return read_csp_lookup(path)


# ---------------------------------------------------------------------------- records


def test_records_outside_the_wards_file_take_the_csp_of_their_lsoa_name(lookup):
    records = pd.DataFrame(
        {
            "area_code": ["E06000020", pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA],
            "lsoa_name": [
                "Telford and Wrekin 001A",  # located in the wards file: its area decides
                "Herefordshire 012C",  # ONS names the authority "Herefordshire, County of"
                "Bromsgrove 003B",  # one of North Worcestershire's three authorities
                "Worcester 010A",
                "Shropshire 001A",  # an area of the wards file, but located outside it
                "Powys 005C",  # over the force boundary: its own CSP
                "Bournemouth, Christchurch and Poole 020A",  # split between two CSPs
                "Atlantis 001A",
                pd.NA,
            ],
        },
        dtype="string",
    )
    out = area_of_records(records, lookup, wards_areas=["E06000020", "E06000051"])
    assert out["csp_code"].tolist() == [
        "E22000333",
        "E22000326",
        "E22000368",
        "E22000332",
        pd.NA,
        "W22000031",
        pd.NA,
        pd.NA,
        pd.NA,
    ]
    assert out["csp_source"].tolist() == [
        "area",
        "lsoa_name",
        "lsoa_name",
        "lsoa_name",
        "outside_area",
        "lsoa_name",
        "split",
        "unmatched",
        "none",
    ]
    assert out["csp_name"].iloc[2] == "North Worcestershire"
    summary = csp_source_summary(out).set_index("csp_source")["records"]
    assert summary.to_dict() == {
        "area": 1,
        "lsoa_name": 4,
        "outside_area": 1,
        "unmatched": 1,
        "split": 1,
        "none": 1,
    }
    areas = force_areas(lookup, "west mercia")
    assert areas["area_code"].tolist() == WEST_MERCIA
    counts = count_by_area(out, areas, mask=np.array([True] * 8 + [False]))
    # every West Mercia CSP is listed (0 where none); Powys is not a peer and not counted
    assert counts.set_index("area_code")["count"].to_dict() == {
        "E22000326": 1,
        "E22000333": 1,
        "E22000360": 0,
        "E22000368": 1,
        "E22000332": 1,
    }


def test_an_area_of_the_wards_file_is_matched_to_its_csp_through_its_lad_code(lookup):
    assert csp_of_area("E06000020", lookup) == "E22000333"
    assert csp_of_area("e22000368", lookup) == "E22000368"
    with pytest.raises(ValueError, match="E06000058 is split between the CSPs E22000063, "):
        csp_of_area("E06000058", lookup)
    synthetic = pd.DataFrame({"area_code": ["X06000001"], "lsoa_name": [pd.NA]}, dtype="string")
    out = area_of_records(
        synthetic, lookup, wards_areas=["X06000001"], area_names={"X06000001": "North Demo"}
    )
    assert (out["csp_code"].item(), out["csp_name"].item()) == ("X06000001", "North Demo")


# ---------------------------------------------------------------------------- populations


def mye_frame(tmp_path, rows):
    path = tmp_path / "ons_mye2024.csv"
    path.write_text("Code,Name,Geography,All ages,0,1\n" + "".join(rows))
    from csp_analysis.read import read_table

    return read_table(path)


MYE_ROWS = [
    'E06000019,"Herefordshire, County of",Unitary Authority,191047,1589,1602\n',
    "E06000020,Telford and Wrekin,Unitary Authority,195952,1939,2058\n",
    "E06000051,Shropshire,Unitary Authority,332455,2475,2646\n",
    "E07000234,Bromsgrove,Non-metropolitan District,101685,817,865\n",
    "E07000235,Malvern Hills,Non-metropolitan District,83227,587,570\n",
    "E07000236,Redditch,Non-metropolitan District,87847,882,946\n",
    "E07000237,Worcester,Non-metropolitan District,106671,972,1038\n",
    "E07000238,Wychavon,Non-metropolitan District,138017,1076,1213\n",
    "E07000239,Wyre Forest,Non-metropolitan District,103913,818,865\n",
    "E10000034,Worcestershire,County,621360,5152,5497\n",
]


def test_csp_populations_sum_their_local_authorities(tmp_path, lookup):
    out = area_populations(mye_frame(tmp_path, MYE_ROWS), lookup, areas=WEST_MERCIA)
    pops = out.set_index("area_code")["population"].to_dict()
    assert pops == {
        "E22000326": 191047,
        "E22000333": 195952,
        "E22000360": 332455,
        "E22000368": 101685 + 87847 + 103913,  # Bromsgrove, Redditch, Wyre Forest
        "E22000332": 83227 + 106671 + 138017,  # Malvern Hills, Worcester, Wychavon
    }
    # The five CSPs are the whole county of Worcestershire plus three unitary authorities.
    assert sum(pops.values()) == 621360 + 191047 + 195952 + 332455


def test_a_missing_local_authority_is_refused_naming_file_and_column(tmp_path, lookup):
    rows = [r for r in MYE_ROWS if not r.startswith("E07000236")]
    with pytest.raises(InputError) as error:
        area_populations(mye_frame(tmp_path, rows), lookup, areas=WEST_MERCIA)
    assert str(error.value) == (
        "ons_mye2024.csv: column 'Code' has no row for E07000236 (Redditch), a local "
        "authority of the CSP North Worcestershire (E22000368) in "
        "lad24_to_csp24_to_pfa24.csv: the estimates must cover every local authority of "
        "each CSP on the lookup's boundaries"
    )
    with pytest.raises(InputError, match="puts E06000058 .* in the CSPs E22000063, E22000067"):
        area_populations(mye_frame(tmp_path, MYE_ROWS), lookup, areas=["E22000063"])
    bad = [MYE_ROWS[0].replace("191047", "n/a"), *MYE_ROWS[1:]]
    with pytest.raises(InputError, match=r"ons_mye2024.csv line 2: column 'All ages' = 'n/a'"):
        area_populations(mye_frame(tmp_path, bad), lookup, areas=WEST_MERCIA)


# ---------------------------------------------------------------------------- benchmark

BENCHMARK_HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "CSP Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
BENCHMARK_ROWS = [
    [
        "2023/24",
        1,
        "West Mercia",
        "Telford and Wrekin",
        "Possession of cannabis",
        "Drug offences",
        "Possession of drugs",
        "92E",
        30,
    ],
    [
        "2023/24",
        2,
        "West Mercia",
        "Telford & Wrekin",
        "Possession of cannabis",
        "Drug Offences",
        "Possession of drugs",
        "92E",
        25,
    ],
    [
        "2023/24",
        1,
        "West Mercia",
        "SHROPSHIRE",
        "Assault with injury",
        "Violence against the person",
        "Violence with injury",
        "8N",
        120,
    ],
    [
        "2024/25",
        1,
        "West Mercia",
        "Herefordshire, County of",
        "Possession of cannabis",
        "drug offences",
        "Possession of drugs",
        "92E",
        12,
    ],
]


def write_csv(path, header, rows):
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_benchmark_csv_headers_and_labels_in_their_variants(tmp_path, lookup):
    header = [h.lower() if i % 2 else f" {h.upper()} " for i, h in enumerate(BENCHMARK_HEADER)]
    path = write_csv(tmp_path / "prc-csp-2023-24.csv", header, BENCHMARK_ROWS)
    out = read_benchmark(path, lookup=lookup)
    assert out.columns.tolist()[:10] == [
        "financial_year",
        "quarter",
        "force_name",
        "csp_name",
        "csp_code",
        "offence_description",
        "offence_group",
        "offence_subgroup",
        "offence_code",
        "count",
    ]
    assert out["financial_year"].tolist() == ["2023-24", "2023-24", "2023-24", "2024-25"]
    assert out["csp_code"].tolist() == ["E22000333", "E22000333", "E22000360", "E22000326"]
    assert out["csp_name"].iloc[1] == "Telford and Wrekin"
    # One spelling per label: "Drug offences", "Drug Offences" and "drug offences" are one.
    assert out["offence_group"].tolist()[:2] == ["Drug offences", "Drug offences"]
    assert out["offence_group"].iloc[3] == "Drug offences"
    assert out["line"].tolist() == [2, 3, 4, 5]
    areas = force_areas(lookup, "E23000016")
    drugs = out["offence_group"] == "Drug offences"
    year = benchmark_counts(out, areas, financial_year="2023-24", mask=drugs)
    assert year.set_index("area_code")["count"].to_dict() == {
        "E22000326": 0,
        "E22000333": 55,
        "E22000360": 0,
        "E22000368": 0,
        "E22000332": 0,
    }
    q1 = benchmark_counts(out, areas, financial_year="2023-24", quarters=[1])
    assert q1.set_index("area_code")["count"]["E22000333"] == 30


def test_benchmark_xlsx_with_a_notes_sheet_and_title_rows(tmp_path, lookup):
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Police recorded crime by Community Safety Partnership"])
    data = book.create_sheet("Table")
    data.append(["Police recorded crime open data tables, CSP level"])
    data.append([])
    data.append(BENCHMARK_HEADER)
    for row in BENCHMARK_ROWS:
        data.append(row)
    data.append([])  # a blank row at the end is skipped
    (tmp_path / "benchmark").mkdir()
    path = tmp_path / "benchmark" / "prc-csp.xlsx"
    book.save(path)
    out = read_benchmark(tmp_path / "benchmark", lookup=lookup)  # a folder: every table in it
    assert out["count"].tolist() == [30, 25, 120, 12]
    assert out["quarter"].tolist() == [1, 2, 1, 1]
    assert out["offence_code"].tolist() == ["92E", "92E", "8N", "92E"]
    assert out["line"].tolist() == [4, 5, 6, 7]

    data.cell(row=6, column=4, value="Shropshire Council")
    book.save(path)
    with pytest.raises(InputError) as error:
        read_benchmark(path, lookup=lookup)
    assert str(error.value) == (
        "prc-csp.xlsx line 6: column 'CSP Name' = 'Shropshire Council' is not a CSP of "
        "lad24_to_csp24_to_pfa24.csv (the closest is 'Shropshire'): check the spelling, or "
        "map the name to its CSP code as an alias (sheet 'Table')"
    )
    out = read_benchmark(path, lookup=lookup, aliases={"Shropshire Council": "E22000360"})
    assert out["csp_code"].iloc[2] == "E22000360"


def test_benchmark_refusals_name_file_line_and_column(tmp_path, lookup):
    rows = [list(r) for r in BENCHMARK_ROWS]
    rows[2][8] = "12.5"
    path = write_csv(tmp_path / "b.csv", BENCHMARK_HEADER, rows)
    with pytest.raises(
        InputError,
        match=r"^b.csv line 4: column 'Number of Offences' = '12.5' "
        "is not a whole number of offences$",
    ):
        read_benchmark(path, lookup=lookup)
    rows = [list(r) for r in BENCHMARK_ROWS]
    rows[0][0] = "2023"
    write_csv(path, BENCHMARK_HEADER, rows)
    with pytest.raises(
        InputError,
        match=r"b.csv line 2: column 'Financial Year' = '2023' is "
        "not a financial year",
    ):
        read_benchmark(path, lookup=lookup)
    write_csv(path, BENCHMARK_HEADER[:-1], [r[:-1] for r in BENCHMARK_ROWS])
    with pytest.raises(
        InputError,
        match="b.csv line 1: has no sheet with the columns of the "
        "Home Office police recorded crime open data tables",
    ):
        read_benchmark(path, lookup=lookup)
    ods = tmp_path / "prc-csp.ods"
    ods.write_bytes(b"PK\x03\x04")
    with pytest.raises(
        InputError,
        match="prc-csp.ods: is an OpenDocument spreadsheet "
        r"\(.ods\): reading it needs the odfpy package, which is not installed",
    ):
        read_benchmark(ods, lookup=lookup)


# ---------------------------------------------------------------------------- statistics


def test_rate_ratio_matches_r_poisson_test():
    out = rate_ratio(11, 800, 6 + 8 + 7, 1083 + 1050 + 878).iloc[0]
    assert out["ratio"] == pytest.approx(1.971488, abs=5e-7)
    assert out["ratio_lower"] == pytest.approx(0.8584264, abs=5e-8)
    assert out["ratio_upper"] == pytest.approx(4.2772659, abs=5e-8)
    assert out["p_value"] == pytest.approx(0.07967, abs=5e-6)
    edge = rate_ratio([0, 5], [800, 800], [21, 0], [3011, 3011])
    assert edge["ratio_lower"].iloc[0] == 0 and edge["ratio"].iloc[0] == 0
    assert np.isinf(edge["ratio_upper"].iloc[1]) and np.isinf(edge["ratio"].iloc[1])


# PHStatsMethods testdata_funnels.xlsx, sheet rate_outputs_2 (baseline 114.8591735 per
# 100,000), spreadsheet rows 2, 11, 51 and 101; and sheet rate_outputs_3 (baseline
# 95.60285106), rows 2 and 101. Columns: lower_2s_population_1_year, lower_2s_limit,
# upper_2s_population_1_year, upper_2s_limit, lower_3s_population_1_year, lower_3s_limit,
# upper_3s_population_1_year, upper_3s_limit. The populations are for one year of three.
PHE_RATE_FUNNELS = [
    (
        114.8591735,
        [
            1616.949526,
            20.61494982,
            7.347518827,
            4536.678859,
            2679.632184,
            12.4395182,
            0.290369211,
            114796.3768,
        ],
    ),
    (
        114.8591735,
        [
            5337.07421,
            62.45619233,
            1391.671639,
            239.5201023,
            7003.931164,
            47.59232002,
            859.1738425,
            387.9696015,
        ],
    ),
    (
        114.8591735,
        [
            33383.55045,
            93.85860074,
            22044.84054,
            142.1345429,
            37143.51139,
            84.35748846,
            19404.00367,
            161.4787024,
        ],
    ),
    (
        114.8591735,
        [
            411466.9163,
            108.8787415,
            369466.4508,
            121.2559352,
            424051.9679,
            105.6474286,
            357990.2328,
            125.143079,
        ],
    ),
    (
        95.60285106,
        [
            111970.3773,
            85.14156661,
            88494.9416,
            107.727438,
            119317.6437,
            79.89877305,
            82485.29064,
            115.5761622,
        ],
    ),
    (
        95.60285106,
        [
            413702.6663,
            90.16137202,
            367628.0403,
            101.4612486,
            427558.6565,
            87.23949201,
            355104.4927,
            105.0395046,
        ],
    ),
]


@pytest.mark.parametrize(("baseline", "row"), PHE_RATE_FUNNELS)
def test_poisson_funnel_limits_match_phstatsmethods(baseline, row):
    for i, column in enumerate(["lower_95", "upper_95", "lower_998", "upper_998"]):
        population, limit = 3 * row[2 * i], row[2 * i + 1]
        out = funnel_limits([population], baseline_rate=baseline, per=100_000)
        assert out[column].item() == pytest.approx(limit, rel=1e-5), column
        assert out["method"].item() == POISSON


# PHStatsMethods testdata_funnels.xlsx, sheet rate_dsr_inputs, columns count, pop and
# crude_per_100000_with_0 (H3/H2 = High (0.001)/(0.025), N = Not significant, L2/L3 = Low).
PHE_SIGNIFICANCE = (
    [
        (2419, 264102),
        (2337, 259711),
        (2291, 289247),
        (2242, 265029),
        (2218, 284649),
        (2159, 293578),
        (2130, 286718),
        (2111, 307381),
        (2105, 274145),
        (2083, 297424),
        (2078, 272628),
        (2062, 269656),
        (2061, 294692),
        (2033, 277710),
        (2033, 259213),
        (2010, 285516),
        (2004, 269449),
        (2002, 290888),
        (1977, 287112),
        (1944, 286492),
        (1932, 287012),
        (1922, 291277),
        (1912, 289859),
        (1881, 289653),
        (1844, 282519),
        (1835, 274220),
        (1833, 280271),
        (1825, 284206),
        (1816, 274508),
        (1809, 288384),
        (1798, 287072),
        (1754, 282744),
        (1746, 289208),
        (1709, 287736),
        (1694, 296175),
        (1688, 303255),
        (1649, 285959),
        (1553, 274661),
        (1332, 281425),
        (0, 297820),
    ],
    "H3 H3 H3 H3 H3 H3 H3 N H3 H2 H3 H3 H2 H3 H3 H2 H3 N N N N N N N N N N N N L2 L2 L3 L3 "
    "L3 L3 L3 L3 L3 L3 L3".split(),
)
BANDS = {
    "H3": "above 99.8%",
    "H2": "above 95%",
    "N": "within",
    "L2": "below 95%",
    "L3": "below 99.8%",
}


def test_poisson_funnel_bands_match_phstatsmethods_significance():
    counts, expected = PHE_SIGNIFICANCE
    count, pop = np.array(counts).T
    baseline = count.sum() / pop.sum() * 100_000
    out = funnel_band(count, pop, baseline_rate=baseline, per=100_000)
    assert out["funnel_band"].tolist() == [BANDS[b] for b in expected]
    assert set(out["funnel_method"]) == {POISSON}


def test_phi_matches_funnelplotr():
    num = [100, 150, 180, 80, 120, 225]
    denom = [108, 112, 165, 95, 100, 220]
    assert overdispersion(num, denom, transform="log").phi == pytest.approx(2.948033, abs=5e-7)


def test_winsorised_overdispersion_and_widened_limits_by_hand():
    # E = 100 each; sqrt(O/E) = 0.8 ... 1.2, s = 1/(2*10) = 0.05, so z = -4, -2, 0, 2, 4.
    # R's type-7 10% and 90% quantiles are -3.2 and 3.2: winsorised z^2 sum to 28.48.
    od = overdispersion([64, 81, 100, 121, 144], [100] * 5)
    assert od.phi == pytest.approx(28.48 / 5)
    # tau2 = (n phi - (n - 1)) / (sum w - sum w^2 / sum w), w = 1/s^2 = 400 each
    assert od.tau2 == pytest.approx((28.48 - 4) / (2000 - 400))
    assert od.df == 4 and od.overdispersed
    limits = funnel_limits([100], baseline_rate=1000, tau2=od.tau2).iloc[0]
    spread = 1.959964 * np.sqrt(1 / 400 + od.tau2)
    assert limits["upper_95"] == pytest.approx(1000 * (1 + spread) ** 2, rel=1e-6)
    assert limits["lower_95"] == pytest.approx(1000 * (1 - spread) ** 2, rel=1e-6)
    assert limits["method"] == ADJUSTED
    # Counts that vary as Poisson chance would: no overdispersion, no widening.
    calm = overdispersion([98, 103, 100, 97, 102], [100] * 5)
    assert not calm.overdispersed and calm.tau2 == 0


def test_compare_peers_pools_the_other_areas_as_r_poisson_test():
    # R's example is an area (11 events in 800) against three others pooled.
    table = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "D"],
            "area_name": ["Alpha", "Beta", "Gamma", "Delta"],
            "count": [11, 6, 8, 7],
            "population": [800, 1083, 1050, 878],
        }
    )
    out = compare_peers(table, area="alpha")
    assert out.columns.tolist()[: len(PEERS_COLUMNS)] == PEERS_COLUMNS
    alpha = out.iloc[0]
    assert alpha["ratio_to_peers"] == pytest.approx(1.971488, abs=5e-7)
    assert (alpha["ratio_lower"], alpha["ratio_upper"]) == pytest.approx(
        (0.8584264, 4.2772659), abs=5e-8
    )
    assert out["is_area"].tolist() == [True, False, False, False]
    assert out["rank"].tolist() == [1, 4, 3, 2]  # 13.75, 5.54, 7.62, 7.97 per 1,000
    assert out["rate_per_1000"].iloc[0] == pytest.approx(13.75)
    assert out["funnel_baseline"].iloc[0] == pytest.approx(32 / 3811 * 1000)
    assert set(out["funnel_method"]) == {POISSON}


def test_compare_peers_adjusts_for_overdispersion_by_default():
    table = pd.DataFrame(
        {
            "area_code": list("ABCDEF"),
            "area_name": list("ABCDEF"),
            "count": [500, 900, 1500, 2100, 2600, 3000],
            "population": [100_000] * 6,
        }
    )
    adjusted = compare_peers(table, area="A")
    poisson = compare_peers(table, area="A", adjust=False)
    assert set(adjusted["funnel_method"]) == {ADJUSTED}
    assert set(poisson["funnel_method"]) == {POISSON}
    # Poisson limits flag every area; the random-effects limits flag fewer.
    assert (poisson["funnel_band"] != "within").all()
    assert (adjusted["funnel_band"] == "within").sum() > 0
    with pytest.raises(ValueError, match="'Z' is not in the peers table"):
        compare_peers(table, area="Z")


# ---------------------------------------------------------------------------- public data


@pytest.mark.skipif(not os.environ.get("CSP_PUBLIC_DATA"), reason="CSP_PUBLIC_DATA is not set")
def test_all_five_west_mercia_csps_get_counts_and_populations(public_dataset, public_data):
    from csp_analysis.read import read_table

    lookup = read_csp_lookup(public_data / "lookups/lad24_to_csp24_to_pfa24_england_wales.csv")
    mye = read_table(public_data / "population/ons_mye2024_persons_sya_lad23_england_wales.csv")
    areas = force_areas(lookup, "West Mercia")
    assert sorted(areas["area_code"]) == sorted(WEST_MERCIA)
    pops = area_populations(mye, lookup, areas=list(areas["area_code"]))
    crimes = area_of_records(
        public_dataset.crimes, lookup, wards_areas=public_dataset.wards["area_code"].unique()
    )
    year = crimes["month"].astype(str).str.startswith("2025-")
    counts = count_by_area(crimes, areas, mask=year)
    table = counts.merge(pops[["area_code", "population"]], on="area_code")
    assert len(table) == 5 and (table["count"] > 5000).all()
    assert (table["population"] > 150_000).all()
    # Shropshire and Telford and Wrekin count exactly what their profiles count.
    for lad, csp in (("E06000051", "E22000360"), ("E06000020", "E22000333")):
        located = int((year & (crimes["area_code"] == lad)).sum())
        assert table.set_index("area_code").loc[csp, "count"] == located
    # Herefordshire lies wholly outside the wards file: its count is the 2025 crimes whose
    # LSOA name says Herefordshire, counted straight from the published rows (none of them
    # has coordinates inside a Shropshire or Telford ward).
    rows = public_dataset.crimes
    hereford = rows["lsoa_name"].str.startswith("Herefordshire ").fillna(False)
    expected = int((hereford & rows["month"].astype(str).str.startswith("2025-")).sum())
    got = table.set_index("area_code").loc["E22000326", "count"]
    assert got == expected == 9980
    out = compare_peers(table, area="Telford and Wrekin")
    assert out.loc[out["is_area"], "area_name"].item() == "Telford and Wrekin"
