"""Synthetic "Demo Police" data: an invented force of five partnerships, for demos and tests.

Demoshire is an invented Community Safety Partnership area of about 320,000 people with a
county town (Demchester), three market towns and a large rural hinterland. Its volumes and
proportions are shaped on a real partnership crime profile (Shropshire's, 2023/24), so the
toolkit's tables look like a board would expect, but every record, person, ward and place
is invented. The county sits in the North Sea off the north-east coast, so no map of it can
be mistaken for a real place, and all its codes start with ``X`` (never a real ONS code).

Demoshire's peers share its force (Demo Police, ``X23000001``) and lie east of it, their
wards tiling the sea with Demoshire's: Gullhaven, a port city of about 165,000 with the
highest crime rate; Marlstow, a large town and its district (125,000); Tarnwick, a small
town with moors (100,000); and Skerrowdale, a rural district with the lowest rate
(80,000). They have crimes (with offence codes and coordinates, concentrated in their town
centres) and ASB, but no victims or suspects, so that peer comparisons, funnel plots and
hotspots have something to show. Each peer is drawn from its own random stream after
Demoshire's: Demoshire's records are the same as before the peers were added.

>>> demo = make_demo_data(seed=1, scale=0.01)
>>> demo.wards.groupby("area_name", sort=False).size().to_dict()
{'Demoshire': 40, 'Gullhaven': 21, 'Marlstow': 18, 'Tarnwick': 13, 'Skerrowdale': 11}
>>> int(demo.area(AREA_CODE).population["population"].sum()) // 10_000
32
>>> sorted(demo.asb["category"].unique())
['environmental', 'nuisance', 'personal']
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, Point, Polygon

from csp_analysis.load import SYNTHETIC_MARKER  # the toolkit labels outputs synthetic
from csp_analysis.outputs import OutputError
from csp_analysis.validate import HATE_STRANDS

__all__ = [
    "AREA_CODE",
    "AREA_NAME",
    "FIRST_MONTH",
    "FORCE_CODE",
    "FORCE_NAME",
    "LAST_MONTH",
    "DEMO_FILES",
    "LATEST_QUARTER",
    "SYNTHETIC_MARKER",
    "DemoData",
    "check_demo_folder",
    "make_demo_data",
    "offence_table",
    "write_demo_data",
]

AREA_NAME = "Demoshire"
AREA_CODE = "X06000001"  # X prefix: not a real ONS code
FIRST_MONTH = "2023-04"
LAST_MONTH = "2026-03"
LATEST_QUARTER = "2025-26Q4"
FINANCIAL_YEARS = ("2023-24", "2024-25", "2025-26")

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
GEOGRAPHY_SEED = 1974  # the map of Demoshire is the same whatever seed makes the records
_CENTRE = np.array([560_000.0, 560_000.0])  # North Sea, east of the Tyne and Wear coast

# --------------------------------------------------------------------------------------
# Parameter tables
# --------------------------------------------------------------------------------------

# Towns: name, offset of the town centre from the county centre (m), kind of town, radius of
# the built-up area (m), where town wards' crime and ASB happen.
_TOWNS = (
    ("Demchester", (-2_000, 1_500), "county_town", 4_500),
    ("Kelstow", (-14_000, 9_000), "market_town", 2_000),
    ("Brandwick", (15_000, -8_000), "market_town", 1_800),
    ("Orlingford", (3_000, 16_000), "market_town", 1_500),
)
RURAL_TOWN = "Rural Demoshire"
TOTAL_POPULATION = 320_000
TOWN_CENTRE_WARD = "Castle and Riverside"

# Ward names by town; the first name of each town is its central ward.
_WARD_NAMES = {
    "Demchester": (
        TOWN_CENTRE_WARD,
        # inner ring
        "Minster Green",
        "Tanyard and Quayside",
        "St Edric's",
        "Ferrier's Mead",
        "Bellstone",
        "Coldharbour Rise",
        # outer ring
        "Hartsgrove",
        "Pennimore",
        "Longacre and Wyke",
        "Foxholt",
        "Ravensholt",
        "Sedgewick Park",
        "Orchard Vale",
    ),
    "Kelstow": ("Kelstow Central", "Kelstow North", "Kelstow East", "Kelstow South"),
    "Brandwick": ("Brandwick Town", "Brandwick North", "Brandwick South and Wharf"),
    "Orlingford": ("Orlingford East", "Orlingford West"),
    RURAL_TOWN: (
        "Brackenmoor",
        "Caldwell Heath",
        "Dunsley Vale",
        "Eldon Chase",
        "Farrowby",
        "Gilsthorpe",
        "Hollinsworth",
        "Iddenbrook",
        "Juniper Ridge",
        "Larkhollow",
        "Merewold",
        "Netherstow",
        "Oxleigh and Ruddock",
        "Quenmoor",
        "Saltmarsh and Wyvern",
        "Thistleby",
        "Wickenden Moor",
    ),
}

# Ward seeds of a town laid out in rings around its centre ward: (wards, radius (m), kind)
# per ring. Market towns are cut into wedges that meet in the town centre instead.
_TOWN_RINGS = {
    "county_town": ((6, 1_300, "inner"), (7, 3_200, "outer")),
    "city": ((6, 1_300, "inner"), (7, 3_000, "inner"), (7, 5_000, "outer")),
    "large_town": ((6, 1_200, "inner"), (5, 2_900, "outer")),
    "small_town": ((5, 1_100, "inner"),),
}


@dataclass(frozen=True)
class _Area:
    """One Community Safety Partnership of the synthetic force: its places and its crime.

    ``towns`` holds (name, offset of the town centre from ``centre`` (m), layout (a key of
    ``_TOWN_RINGS`` or "market_town"), radius of the built-up area (m)); ``ward_names``
    the ward names by town, the first of each town its central ward, and the rural wards
    under ``rural_town``. ``rural_spacing``: how far rural ward seeds keep from the first
    town, from the other towns and from each other (m). ``outline_radius``: the area is a
    compact blob of this radius around ``centre`` (a city); otherwise it is the part of the
    force nearest ``centre``. Crime per resident is Demoshire's times ``crime_rate`` and
    the offence group's factor in ``group_rates``, changing ``trend`` a year more than
    each offence's own change; ASB per resident is Demoshire's times ``asb_rate``; the town
    centre ward's shares are multiplied by ``centre_factor``. ``number`` orders the areas
    (ward codes ``X05<number><ward>``); ``reference`` prefixes crime and ASB references.
    """

    code: str
    name: str
    population: int
    towns: tuple
    ward_names: dict
    rural_town: str
    centre_ward: str
    centre: tuple[float, float]
    rural_spacing: tuple[float, float, float]
    number: int
    reference: str
    outline_radius: float | None = None
    crime_rate: float = 1.0
    group_rates: dict = field(default_factory=dict)
    trend: float = 0.0
    asb_rate: float = 1.0
    centre_factor: float = 1.0


FORCE_NAME = "Demo Police"
FORCE_CODE = "X23000001"  # X prefix: not a real ONS police force area code
DEMOSHIRE = _Area(
    code=AREA_CODE,
    name=AREA_NAME,
    population=TOTAL_POPULATION,
    towns=_TOWNS,
    ward_names=_WARD_NAMES,
    rural_town=RURAL_TOWN,
    centre_ward=TOWN_CENTRE_WARD,
    centre=tuple(_CENTRE),
    rural_spacing=(7_500, 5_000, 7_000),
    number=0,
    reference="DC",
)
# Demoshire's peers, the other partnerships of the force, from the largest: a high-crime
# port city, a large town with its district, a small town and a rural district, east of
# Demoshire. Their crime rates differ as real partnerships' do (from about 0.65 to 1.6
# times Demoshire's), far more than chance would make them differ. Having fewer wards than
# Demoshire, each gives its town centre ward a larger share (``centre_factor``), so that
# its centre is its hotspot as Demchester's is Demoshire's.
_PEERS = (
    _Area(
        code="X06000002",
        name="Gullhaven",
        population=165_000,
        towns=(("Gullhaven", (0, 0), "city", 6_500),),
        ward_names={
            "Gullhaven": (
                "Harbour and Old Town",
                # inner ring
                "Chandlers Row",
                "Saltgate",
                "Wherry Bank",
                "St Brannoc's",
                "Ropewalk",
                "Lantern Hill",
                # middle ring
                "Tidewell",
                "Marram Park",
                "Cobble Green",
                "Gannet Rise",
                "Kittiwake",
                "Bellbuoy",
                "Scarrow Heath",
                # outer ring
                "Pelling Moor",
                "Driftholme",
                "Shingleford",
                "Sandpiper Park",
                "Cormorant Fields",
                "Dunlin Heath",
                "Ternbury",
            )
        },
        rural_town="",
        centre_ward="Harbour and Old Town",
        centre=(_CENTRE[0] + 36_000, _CENTRE[1] - 4_000),
        rural_spacing=(0, 0, 0),
        number=1,
        reference="GC",
        outline_radius=8_000,
        crime_rate=1.45,
        group_rates={
            "Robbery": 2.5,
            "Drug offences": 1.6,
            "Possession of weapons offences": 1.8,
            "Theft offences": 1.2,
        },
        trend=0.02,
        asb_rate=1.5,
        centre_factor=2.2,
    ),
    _Area(
        code="X06000003",
        name="Marlstow",
        population=125_000,
        towns=(
            ("Marlstow", (5_000, 17_000), "large_town", 4_000),
            ("Ebbridge", (30_000, 10_000), "market_town", 1_800),
        ),
        ward_names={
            "Marlstow": (
                "Marlstow Market Cross",
                "Priorsgate",
                "Weavers Green",
                "Millbrook Lea",
                "Kilnfield",
                "Cooper's End",
                "Stableyard",
                "Marlstow Heath",
                "Broadoak Park",
                "Lynchet Hill",
                "Hobb's Cross",
                "Wainhouse Rise",
            ),
            "Ebbridge": ("Ebbridge Central", "Ebbridge North", "Ebbridge South"),
            "Rural Marlstow": ("Coldmere and Hatch", "Wolderby", "Fallowfen"),
        },
        rural_town="Rural Marlstow",
        centre_ward="Marlstow Market Cross",
        centre=(_CENTRE[0] + 35_000, _CENTRE[1] - 50_000),
        rural_spacing=(9_000, 6_000, 12_000),
        number=2,
        reference="MC",
        crime_rate=1.15,
        group_rates={"Theft offences": 1.1, "Criminal damage and arson": 1.15},
        asb_rate=1.2,
        centre_factor=1.8,
    ),
    _Area(
        code="X06000004",
        name="Tarnwick",
        population=100_000,
        towns=(
            ("Tarnwick", (5_000, -12_000), "small_town", 2_500),
            ("Corrowby", (-20_000, -10_000), "market_town", 1_500),
        ),
        ward_names={
            "Tarnwick": (
                "Tarnwick Central",
                "Bridgeholme",
                "Fellside",
                "Tarnwick Moor",
                "Oakhurst Green",
                "Slatebeck",
            ),
            "Corrowby": ("Corrowby Town", "Corrowby Fields"),
            "Rural Tarnwick": (
                "Ravelstone Fell",
                "Mossbeck",
                "Ullerdale",
                "Heatherlow",
                "Kestrel Moor",
            ),
        },
        rural_town="Rural Tarnwick",
        centre_ward="Tarnwick Central",
        centre=(_CENTRE[0] + 30_000, _CENTRE[1] + 50_000),
        rural_spacing=(6_000, 5_000, 8_000),
        number=3,
        reference="TC",
        crime_rate=0.9,
        group_rates={"Criminal damage and arson": 1.2, "Robbery": 0.6},
        trend=-0.03,
        asb_rate=0.9,
        centre_factor=2.8,
    ),
    _Area(
        code="X06000005",
        name="Skerrowdale",
        population=80_000,
        towns=(
            ("Skerrow", (-5_000, -5_000), "market_town", 2_000),
            ("Dunstowe", (5_000, 22_000), "market_town", 1_500),
        ),
        ward_names={
            "Skerrow": ("Skerrow Town", "Skerrow Bridge", "Skerrow Rise"),
            "Dunstowe": ("Dunstowe East", "Dunstowe West"),
            "Rural Skerrowdale": (
                "Fennick Moss",
                "High Gorsedale",
                "Lapwing Carr",
                "Peewit Moor",
                "Sallowby",
                "Whinbarrow",
            ),
        },
        rural_town="Rural Skerrowdale",
        centre_ward="Skerrow Town",
        centre=(_CENTRE[0] + 75_000, _CENTRE[1] + 15_000),
        rural_spacing=(7_000, 6_000, 12_000),
        number=4,
        reference="SC",
        crime_rate=0.68,
        group_rates={"Robbery": 0.4, "Drug offences": 0.7, "Possession of weapons offences": 0.6},
        trend=-0.02,
        asb_rate=0.7,
        centre_factor=2.6,
    ),
)
_AREAS = (DEMOSHIRE, *_PEERS)  # Demoshire first, then its peers

# Ward kinds: typical residents, and crime per resident relative to the county (outside the
# town centre ward, whose share of crime is set per offence subgroup below).
_WARD_KINDS = pd.DataFrame(
    {
        "kind": ["town_centre", "inner", "outer", "market_centre", "market", "rural"],
        "population": [6_300, 7_300, 8_400, 6_100, 7_100, 8_800],
        "crime_factor": [1.0, 1.5, 1.05, 1.7, 1.0, 0.5],
        "hotspots": [5, 4, 4, 4, 3, 6],
        "hotspot_spread_m": [120, 300, 400, 250, 350, 700],
    }
).set_index("kind")

# The offence tree: Home Office offence groups, ONS subgroups and offences with their
# Home Office class/sub-class codes, and how the generator treats each.
#   subgroup: name|centre|alcohol|victim|suspect|both
#     centre = share of the subgroup's crime in the town centre ward; alcohol = share
#     alcohol related; victim = share with a person recorded as victim; suspect = share
#     with a suspect named; both = chance that a victim or suspect comes from the pool of
#     people who are both.
#   offence: code|offence|volume|change|da|hate|weapon_rate|weapon
#     volume = crimes in the latest financial year (2025-26) at scale 1; change = annual
#     change (0.46 = +46% a year); da = share flagged domestic abuse; hate = share with a
#     hate strand (1 = racially or religiously aggravated); weapon_rate = share with a
#     weapon; weapon = the weapon when the offence implies it.
_OFFENCE_TREE = """\
group: Violence against the person
subgroup: Homicide|0.05|0.30|1.0|0.95|0.24
1|Murder|2|0|0.3|0|0.5|
4/1|Manslaughter|1|0|0.2|0|0.3|
subgroup: Death or serious injury caused by unlawful driving|0.02|0.15|1.0|0.95|0.06
4/4|Causing death or serious injury by dangerous driving|12|0.1|0|0|0|
4/8|Causing death or serious injury by careless or inconsiderate driving|2|0|0|0|0|
4/6|Causing death by careless driving under influence of drink or drugs|1|0|0|0|0|
subgroup: Violence with injury|0.13|0.35|1.0|0.80|0.52
8N|Assault with injury|2028|-0.05|0.52|0.008|0.06|
5D|Assault with intent to cause serious harm|123|0.04|0.3|0.01|0.35|
8S|Assault with injury on a constable|31|0.1|0|0|0.05|
8T|Assault with injury on an emergency worker (other than a constable)|4|0.3|0|0|0.05|
8P|Racially or religiously aggravated assault with injury|16|0.1|0|1|0.05|
5E|Endangering life|6|0|0.2|0|0.3|
2|Attempted murder|5|0|0.4|0|0.6|
subgroup: Violence without injury|0.12|0.22|1.0|0.80|0.46
105A|Assault without injury|2300|-0.01|0.58|0.012|0.01|
104|Assault without injury on a constable|120|0.02|0|0|0.01|
105B|Racially or religiously aggravated assault without injury|35|-0.1|0|1|0|
3B|Threats to kill|170|0|0.55|0.02|0.15|
11A|Cruelty to children/young persons|60|0|0|0|0|
13|Child abduction|5|0|0|0|0|
36|Kidnapping|8|0|0.4|0|0.2|
106|Modern slavery|3|0|0|0|0|
subgroup: Stalking and harassment|0.05|0.05|1.0|0.80|0.24
8R|Malicious communications|880|-0.2|0.5|0.02|0|
8U|Controlling or coercive behaviour|520|-0.1|1|0|0|
8Q|Stalking|480|-0.15|0.65|0.01|0|
8L|Harassment|374|-0.2|0.55|0.03|0|
8M|Racially or religiously aggravated harassment|40|-0.2|0|1|0|
group: Sexual offences
subgroup: Rape|0.05|0.20|1.0|0.80|0.06
19C|Rape of a female aged 16 and over|185|0|0.45|0|0.01|
19D|Rape of a female child under 16|38|0|0|0|0|
19E|Rape of a female child under 13|22|0|0|0|0|
19F|Rape of a male aged 16 and over|14|0|0.2|0|0|
19G|Rape of a male child under 16|8|0|0|0|0|
19H|Rape of a male child under 13|8|0|0|0|0|
subgroup: Other sexual offences|0.07|0.12|1.0|0.60|0.06
20A|Sexual assault on a female aged 13 and over|185|0|0.15|0.01|0|
20B|Sexual assault on a female child under 13|30|0|0|0|0|
17A|Sexual assault on a male aged 13 and over|30|0|0.1|0.02|0|
17B|Sexual assault on a male child under 13|12|0|0|0|0|
22B|Sexual activity involving child under 16|40|0|0|0|0|
21|Sexual activity involving a child under 13|15|0|0|0|0|
88A|Sexual grooming|18|0|0|0|0|
88E|Exposure and voyeurism|75|0|0.05|0|0|
71|Abuse of children through sexual exploitation|8|0|0|0|0|
group: Robbery
subgroup: Robbery of business property|0.12|0.05|0.9|0.45|0.12
34A|Robbery of business property|22|0|0|0|0.3|
subgroup: Robbery of personal property|0.16|0.15|1.0|0.50|0.36
34B|Robbery of personal property|95|0|0.03|0.01|0.25|
group: Theft offences
subgroup: Residential burglary|0.04|0.02|1.0|0.25|0.12
28E|Burglary - residential|500|-0.12|0.04|0|0.01|
28F|Attempted burglary - residential|100|-0.12|0.04|0|0|
28G|Distraction burglary - residential|18|-0.1|0|0|0|
29A|Aggravated burglary - residential|8|0|0.1|0|1|
subgroup: Non-residential burglary|0.06|0.02|0.0|0.20|0.12
30C|Burglary - business and community|400|-0.1|0|0|0|
30D|Attempted burglary - business and community|80|-0.08|0|0|0|
31A|Aggravated burglary - business and community|3|0|0|0|1|
subgroup: Vehicle offences|0.06|0.02|1.0|0.15|0.12
45|Theft from a vehicle|520|-0.12|0.01|0|0|
48|Theft or unauthorised taking of motor vehicle|270|-0.05|0.05|0|0|
126|Interfering with a motor vehicle|90|-0.1|0|0|0|
37/2|Aggravated vehicle taking|12|0|0|0|0|
subgroup: Theft from the person|0.25|0.10|1.0|0.30|0.14
39|Theft from the person|115|0.05|0.02|0|0|
subgroup: Bicycle theft|0.15|0.02|1.0|0.15|0.12
44|Theft or unauthorised taking of a pedal cycle|230|-0.1|0|0|0|
subgroup: Shoplifting|0.16|0.08|0.0|0.60|0.18
46|Shoplifting|2279|0.46|0|0|0.005|
subgroup: All other theft offences|0.09|0.05|0.9|0.35|0.14
49|Other theft|1100|-0.13|0.06|0.002|0|
40|Theft in a dwelling other than from an automatic machine or meter|160|-0.05|0.35|0|0|
41|Theft by an employee|40|0|0|0|0|
35|Blackmail|30|0.1|0.1|0|0|
47|Theft from automatic machine or meter|10|0|0|0|0|
42|Theft of mail|10|0|0|0|0|
43|Dishonest use of electricity|8|0|0|0|0|
group: Criminal damage and arson
subgroup: Arson|0.03|0.05|0.8|0.30|0.18
56A|Arson endangering life|25|0|0.3|0|0|
56B|Arson not endangering life|115|-0.05|0.05|0.01|0|
subgroup: Criminal damage|0.06|0.12|0.95|0.40|0.22
58A|Criminal damage to a dwelling|520|-0.12|0.4|0.01|0|
58B|Criminal damage to a building other than a dwelling|270|-0.12|0|0.01|0|
58C|Criminal damage to a vehicle|600|-0.12|0.12|0.005|0|
58D|Other criminal damage|380|-0.12|0.15|0.01|0|
58J|Racially or religiously aggravated criminal damage|10|0|0|1|0|
group: Drug offences
subgroup: Trafficking of drugs|0.12|0.02|0.0|1.00|0.24
92A|Trafficking in controlled drugs|165|0.06|0|0|0.1|
subgroup: Possession of drugs|0.18|0.05|0.0|1.00|0.24
92E|Possession of controlled drugs (cannabis)|141|-0.07|0|0|0.02|
92D|Possession of controlled drugs (excl. cannabis)|90|0.15|0|0|0.02|
group: Possession of weapons offences
subgroup: Possession of weapons offences|0.12|0.10|0.0|1.00|0.36
10D|Possession of article with blade or point|165|0.05|0|0|1|knife/sharp instrument
10C|Possession of other weapons|70|0|0|0|1|other weapon
10B|Possession of firearms offences|20|0|0|0|1|firearm
10A|Possession of firearms with intent|4|0|0|0|1|firearm
81|Other firearms offences|12|0|0|0|1|firearm
group: Public order offences
subgroup: Public order offences|0.12|0.30|0.85|0.80|0.34
9A|Public fear, alarm or distress|1250|-0.12|0.25|0.05|0.02|
9B|Racially or religiously aggravated public fear, alarm or distress|70|-0.25|0|1|0|
62A|Violent disorder|12|0|0|0|0.2|
66|Other offences against the State or public order|150|-0.05|0.05|0|0|
group: Miscellaneous crimes against society
subgroup: Miscellaneous crimes against society|0.08|0.05|0.0|0.95|0.24
802|Dangerous driving|60|0|0|0|0|
54|Handling stolen goods|40|0|0|0|0|
33|Going equipped for stealing, etc|30|0|0|0|0|
59|Threat or possession with intent to commit criminal damage|40|0|0.3|0|0|
79|Perverting the course of justice|25|0|0.1|0|0|
38|Profiting from or concealing knowledge of the proceeds of crime|15|0|0|0|0|
61A|Possession of false documents|12|0|0|0|0|
99|Other notifiable offences|60|0|0.05|0|0|
"""
_SUBGROUP_FIELDS = ("centre", "alcohol", "victim", "suspect", "both")
_OFFENCE_FIELDS = ("volume", "change", "da", "hate", "weapon_rate", "weapon")

# Offences against the state or the public at large: never a person as victim (HOCR).
_NO_VICTIM_CODES = ("62A", "66")

# Domestic abuse crimes happen where people live: the town centre ward holds few of them.
_DA_CENTRE_SHARE = 0.03
_DA_CRIME_FACTOR = {"rural": 0.85}  # other kinds 1.2

# Hate crime: strands of hate crimes that are not racially or religiously aggravated
# offences (those are race 93% / religion 7%); 4% of hate crimes carry a second strand.
_STRAND_SHARES_OTHER = np.array([0.22, 0.012, 0.428, 0.19, 0.14, 0.006, 0.004])
_STRAND_SHARES_AGGRAVATED = np.array([0.93, 0.07, 0.0, 0.0, 0.0, 0.0, 0.0])
_SECOND_STRAND_RATE = 0.04
_HATE_FALL = 0.15  # hate crime falls 15% a year (older years are scaled up)

_WEAPONS = ("knife/sharp instrument", "other weapon", "firearm")
_WEAPON_SHARES = np.array([0.60, 0.37, 0.03])

# Share of records by location quality (data contract section 3).
_NO_LOCATION_RATE = 0.005  # neither coordinates nor ward: "Unknown ward"
_WARD_ONLY_RATE = 0.015  # blank coordinates, ward_code given

# Seasonality: cosine peak in July. Amplitude 0.06 makes a July day about 12% busier than a
# February day (monthly counts about 20% higher, as February is short).
_CRIME_SEASONAL_AMPLITUDE = 0.06
_ASB_SEASONAL_AMPLITUDE = 0.10

# ASB (National Standard for Incident Recording) in the latest year at scale 1.
_ASB_VOLUME = 3_430
_ASB_CHANGE = -0.06
_ASB_CATEGORIES = ("nuisance", "personal", "environmental")
_ASB_CATEGORY_SHARES = np.array([0.84, 0.11, 0.05])
_ASB_CENTRE_SHARE = 0.13
_ASB_POLICE_SHARE = 0.80

# People. Age bands follow the seed needs assessment's nominal role x age x sex table.
_AGE_BANDS = np.array(
    [[0, 9], [10, 19], [20, 29], [30, 39], [40, 49], [50, 59], [60, 69], [70, 89]]
)
# profile: age band weights (8 bands) and female share by band (seed table, by role).
_PROFILES = {
    "suspect": (
        [0.0, 0.22, 0.24, 0.23, 0.15, 0.09, 0.045, 0.025],
        [0.4, 0.10, 0.12, 0.09, 0.08, 0.11, 0.30, 0.12],
    ),
    "victim": (
        [0.05, 0.17, 0.19, 0.18, 0.15, 0.12, 0.075, 0.065],
        [0.40, 0.45, 0.38, 0.32, 0.30, 0.40, 0.45, 0.55],
    ),
    "both": (
        [0.0, 0.36, 0.26, 0.19, 0.11, 0.06, 0.015, 0.005],
        [0.42, 0.41, 0.34, 0.24, 0.22, 0.30, 0.46, 0.43],
    ),
    "da_victim": (
        [0.0, 0.08, 0.30, 0.30, 0.17, 0.09, 0.04, 0.02],
        [0.8, 0.85, 0.82, 0.80, 0.76, 0.72, 0.65, 0.6],
    ),
    "da_suspect": (
        [0.0, 0.07, 0.30, 0.31, 0.18, 0.09, 0.03, 0.02],
        [0.15, 0.15, 0.13, 0.13, 0.14, 0.16, 0.2, 0.25],
    ),
    "sexual_victim": (
        [0.12, 0.36, 0.22, 0.13, 0.09, 0.05, 0.02, 0.01],
        [0.75, 0.88, 0.90, 0.90, 0.88, 0.85, 0.85, 0.85],
    ),
}
# Victim sex and age range implied by an offence (e.g. "Rape of a female child under 13").
_VICTIM_RULES_CSV = """\
code|sex|min_age|max_age
19C|female|16|89
19D|female|13|15
19E|female|4|12
19F|male|16|89
19G|male|13|15
19H|male|4|12
20A|female|13|89
20B|female|4|12
17A|male|13|89
17B|male|4|12
21||4|12
22B||13|15
88A||11|15
71||12|17
11A||0|15
13||0|15
"""
_UNKNOWN_SEX_RATE = 0.02
_UNKNOWN_AGE_RATE = 0.03
_EXTRA_SUSPECT_RATE = 0.08  # mean extra suspects when one is named (groups of offenders)
_DA_CRIMES_PER_COUPLE = (1.8, 0.6)  # mean crimes per couple, negative binomial shape
_DA_COUNTER_ALLEGATION_RATE = 0.10

# Self-defined ethnicity, GOV.UK 18+1 categories; weights from the seed table (suspects,
# victims and both, Shropshire). 17% of people have none stated (blank).
_ETHNICITY_WEIGHTS = {
    "White": {
        "English, Welsh, Scottish, Northern Irish or British": 5746,
        "Irish": 18,
        "Gypsy or Irish Traveller": 24,
        "Roma": 3,
        "Any other White background": 112,
    },
    "Mixed or multiple ethnic groups": {
        "White and Black Caribbean": 20,
        "White and Black African": 9,
        "White and Asian": 9,
        "Any other Mixed or multiple ethnic background": 13,
    },
    "Asian or Asian British": {
        "Indian": 35,
        "Pakistani": 10,
        "Bangladeshi": 8,
        "Chinese": 9,
        "Any other Asian background": 35,
    },
    "Black, Black British, Caribbean or African": {
        "Caribbean": 10,
        "African": 13,
        "Any other Black, Black British, or Caribbean background": 21,
    },
    "Other ethnic group": {
        "Arab": 2,
        "Any other ethnic group": 19,
    },
}
_ETHNICITY_NOT_STATED_RATE = 0.17
_RACE_HATE_MINORITY_SHARE = 0.7  # victims of race hate crime mostly from minority groups

CRIME_COLUMNS = [
    "crime_id",
    "date",
    "offence",
    "offence_code",
    "offence_subgroup",
    "offence_group",
    "latitude",
    "longitude",
    "ward_code",
    "area_code",
    "domestic_abuse",
    "hate_strands",
    "weapon",
    "alcohol_related",
    "town",
]
NOMINAL_COLUMNS = ["crime_id", "person_id", "role", "age", "sex", "ethnicity"]
ASB_COLUMNS = ["incident_id", "date", "category", "source", "easting", "northing", "ward_code"]
WARD_COLUMNS = ["ward_code", "ward_name", "area_code", "area_name", "town", "geometry"]


def offence_table() -> pd.DataFrame:
    """Offences used by the generator, with Home Office codes and volumes.

    Returns
    -------
    pandas.DataFrame
        One row per offence with columns: code (Home Office class/sub-class), offence,
        offence_subgroup, offence_group, volume (crimes in 2025-26 at scale 1), change
        (annual change), da (share domestic abuse), hate (share with a hate strand),
        weapon_rate, weapon, and the subgroup's centre, alcohol, victim, suspect and both
        parameters.

    Examples
    --------
    >>> table = offence_table()
    >>> table.set_index("code").loc["8N", "offence_subgroup"]
    'Violence with injury'
    """
    rows = []
    for line in _OFFENCE_TREE.splitlines():
        if line.startswith("group: "):
            group = line.removeprefix("group: ")
        elif line.startswith("subgroup: "):
            subgroup, *subgroup_values = line.removeprefix("subgroup: ").split("|")
        else:
            code, offence, *values = line.split("|")
            rows.append([code, offence, subgroup, group, *values, *subgroup_values])
    columns = ["code", "offence", "offence_subgroup", "offence_group"]
    table = pd.DataFrame(rows, columns=[*columns, *_OFFENCE_FIELDS, *_SUBGROUP_FIELDS])
    numeric = [c for c in (*_OFFENCE_FIELDS, *_SUBGROUP_FIELDS) if c != "weapon"]
    table[numeric] = table[numeric].astype(float)
    return table.astype({"volume": int})


@dataclass(frozen=True)
class DemoData:
    """The synthetic force's data set, as canonical frames (data contract sections 2 and 4).

    Demoshire's rows come first, then each peer's. :meth:`area` picks one area's rows.

    Attributes
    ----------
    wards : geopandas.GeoDataFrame
        ward_code, ward_name, area_code, area_name, town, geometry (EPSG:27700).
    population : pandas.DataFrame
        ward_code, population.
    crimes : pandas.DataFrame
        One row per crime, columns ``CRIME_COLUMNS``.
    nominals : pandas.DataFrame
        One row per person per crime and role, columns ``NOMINAL_COLUMNS`` (Demoshire's
        crimes only).
    asb : pandas.DataFrame
        One row per ASB incident, columns ``ASB_COLUMNS``.
    """

    wards: gpd.GeoDataFrame
    population: pd.DataFrame
    crimes: pd.DataFrame
    nominals: pd.DataFrame
    asb: pd.DataFrame

    def area(self, area_code: str) -> DemoData:
        """The records of one area (its wards, their population, crimes, nominals and ASB).

        >>> demo = make_demo_data(seed=1, scale=0.01)
        >>> len(demo.area(AREA_CODE).wards), len(demo.area("X06000005").nominals)
        (40, 0)
        """
        wards = self.wards[self.wards["area_code"] == area_code]
        crimes = self.crimes[self.crimes["area_code"] == area_code]
        return DemoData(
            wards=wards.reset_index(drop=True),
            population=self.population[
                self.population["ward_code"].isin(wards["ward_code"])
            ].reset_index(drop=True),
            crimes=crimes.reset_index(drop=True),
            nominals=self.nominals[self.nominals["crime_id"].isin(crimes["crime_id"])].reset_index(
                drop=True
            ),
            asb=self.asb[self.asb["ward_code"].isin(wards["ward_code"])].reset_index(drop=True),
        )


# --------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------


def _county_outline(
    rng: np.random.Generator,
    *,
    centre: np.ndarray = _CENTRE,
    size: float = 31_000,
    stretch: tuple[float, float] = (1.1, 0.9),
) -> Polygon:
    """Irregular outline: a wobbly ellipse (by default Demoshire's, about 3,000 square km)."""
    theta = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    wobble = np.ones_like(theta)
    for k, amplitude in zip((2, 3, 5, 7), (0.08, 0.06, 0.035, 0.02), strict=True):
        wobble += amplitude * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    radius = size * wobble
    x = centre[0] + stretch[0] * radius * np.cos(theta)
    y = centre[1] + stretch[1] * radius * np.sin(theta)
    return Polygon(np.column_stack([x, y]))


def _peer_outlines(county: Polygon) -> list[Polygon]:
    """Outlines of Demoshire's peers, in the order of ``_PEERS``, tiling the force with it.

    The force is a wobbly ellipse east of Demoshire (still in the North Sea). A peer with an
    ``outline_radius`` (the city) is a blob around its centre; the rest of the force is
    shared among the other peers, each taking the part nearest its centre.
    """
    rng = np.random.default_rng([GEOGRAPHY_SEED, 0])
    force = _county_outline(rng, centre=_CENTRE + [38_000, 0], size=40_000, stretch=(1.55, 1.25))
    rest = force.union(county).difference(county)
    outlines: dict[str, Polygon] = {}
    for area in _PEERS:
        if area.outline_radius is not None:
            blob = _county_outline(
                rng, centre=np.array(area.centre), size=area.outline_radius, stretch=(1, 1)
            )
            outlines[area.code] = blob.intersection(rest)
            rest = rest.difference(blob)
    others = [area for area in _PEERS if area.outline_radius is None]
    centres = [Point(area.centre) for area in others]
    cells = shapely.voronoi_polygons(MultiPoint(centres), extend_to=force.buffer(50_000))
    for area, centre in zip(others, centres, strict=True):
        cell = next(c for c in cells.geoms if c.contains(centre))
        outlines[area.code] = cell.intersection(rest)
    return [_without_spikes(outlines[area.code]) for area in _PEERS]


def _without_spikes(polygon: Polygon, min_angle: float = 1.0) -> Polygon:
    """``polygon`` without spikes: vertices whose edges meet at under ``min_angle`` degrees.

    Where the force's outline grazes Demoshire's, their difference keeps a spike metres
    wide that reprojection to longitude and latitude turns into a self-intersection. The
    spike's strip is left out of every area; the rest of the boundary stays exact.
    """
    ring = np.array(polygon.exterior.coords)[:-1]
    while True:
        before, after = np.roll(ring, 1, axis=0) - ring, np.roll(ring, -1, axis=0) - ring
        cosine = (before * after).sum(axis=1) / (np.hypot(*before.T) * np.hypot(*after.T))
        spikes = cosine > np.cos(np.radians(min_angle))
        if not spikes.any():
            return Polygon(ring)
        ring = ring[~spikes]


def _ring(centre: np.ndarray, n: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` points on a jittered ring around ``centre``."""
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(0, 2 * np.pi)
    radii = radius * rng.uniform(0.85, 1.15, n)
    return centre + np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])


def _ward_seeds(area: _Area, outline: Polygon, rng: np.random.Generator) -> pd.DataFrame:
    """Seed points of an area's ward tessellation, with each ward's name, town and kind."""
    rows = []
    town_centres = []
    area_centre = np.array(area.centre, dtype=float)
    for town, offset, layout, built_up in area.towns:
        centre = area_centre + np.array(offset, dtype=float)
        town_centres.append(centre)
        names = area.ward_names[town]
        if layout == "market_town":  # wedges that meet in the town centre
            points = _ring(centre, len(names), 900, rng)
            kinds = ["market_centre"] + ["market"] * (len(names) - 1)
        else:  # a centre ward in rings of wards
            rings = _TOWN_RINGS[layout]
            points = np.vstack([centre, *(_ring(centre, n, r, rng) for n, r, _ in rings)])
            kinds = ["town_centre"] + [kind for n, _, kind in rings for _ in range(n)]
        rows += [
            (n, town, k, x, y, *centre, built_up)
            for n, k, (x, y) in zip(names, kinds, points, strict=True)
        ]

    # Rural seeds: random points in the outline, kept apart from each other and the towns.
    rural_names = area.ward_names.get(area.rural_town, ())
    first_town_gap, town_gap, rural_gap = area.rural_spacing
    minx, miny, maxx, maxy = outline.bounds
    inner = outline.buffer(-3_000)
    rural: list[np.ndarray] = []
    tries = 0
    while len(rural) < len(rural_names):
        tries += 1
        if tries > 200_000:  # the spacing asks for more room than the outline has
            raise RuntimeError(f"{area.name}: no room for {len(rural_names)} rural wards")
        p = rng.uniform([minx, miny], [maxx, maxy])
        if not inner.contains(Point(p)):
            continue
        far_from_towns = all(
            np.hypot(*(p - c)) > (first_town_gap if i == 0 else town_gap)
            for i, c in enumerate(town_centres)
        )
        if far_from_towns and all(np.hypot(*(p - q)) > rural_gap for q in rural):
            rural.append(p)
    rows += _rural_rows(area, rural, rural_names)
    columns = ["ward_name", "town", "kind", "x", "y", "town_x", "town_y", "built_up"]
    return pd.DataFrame(rows, columns=columns)


def _rural_rows(area: _Area, rural: list[np.ndarray], names: tuple[str, ...]) -> list[tuple]:
    """Seed rows of rural wards, named clockwise from north so names do not depend on order."""
    if not names:
        return []
    rural_xy = np.array(rural)
    centre = area.centre
    bearing = np.arctan2(rural_xy[:, 0] - centre[0], rural_xy[:, 1] - centre[1]) % (2 * np.pi)
    rural_xy = rural_xy[np.argsort(bearing)]
    return [
        (n, area.rural_town, "rural", x, y, x, y, 0)
        for n, (x, y) in zip(names, rural_xy, strict=True)
    ]


def _make_wards() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Ward polygons and ward populations of every area of the force, Demoshire's first.

    The wards frame has extra columns used by the record generators and not published:
    ``kind`` (town_centre, inner, outer, market_centre, market, rural) and ``settled``, the
    part of the ward where its records happen (its share of the town's built-up area, or
    the whole ward for rural wards).
    """
    rng = np.random.default_rng(GEOGRAPHY_SEED)
    county = _county_outline(rng)
    parts = [_area_wards(DEMOSHIRE, county, rng)]
    # Each peer draws from its own stream, after Demoshire's: Demoshire's map never changes.
    for area, outline in zip(_PEERS, _peer_outlines(county), strict=True):
        parts.append(
            _area_wards(area, outline, np.random.default_rng([GEOGRAPHY_SEED, area.number]))
        )
    wards = gpd.GeoDataFrame(
        pd.concat([w for w, _ in parts], ignore_index=True), geometry="geometry", crs=BNG
    )
    population = pd.concat([p for _, p in parts], ignore_index=True)
    return wards, population


def _area_wards(
    area: _Area, outline: Polygon, rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """An area's wards (Voronoi cells clipped to its outline) and their populations."""
    seeds = _ward_seeds(area, outline, rng)
    points = shapely.points(seeds[["x", "y"]].to_numpy())
    cells = shapely.voronoi_polygons(MultiPoint(list(points)), extend_to=outline.buffer(20_000))
    cell_list = list(cells.geoms)
    # Match each seed with the cell that contains it, then clip to the area's outline.
    which = [next(i for i, c in enumerate(cell_list) if c.contains(p)) for p in points]
    geometry = shapely.intersection(np.array(cell_list)[which], outline)

    seeds = seeds.assign(geometry=geometry).sort_values("ward_name", ignore_index=True)
    seeds["ward_code"] = [f"X05{area.number:02d}{i:04d}" for i in range(1, len(seeds) + 1)]
    seeds["area_code"] = area.code
    seeds["area_name"] = area.name
    built_up = shapely.buffer(
        shapely.points(seeds[["town_x", "town_y"]].to_numpy()), seeds["built_up"]
    )
    settled = shapely.intersection(seeds["geometry"].to_numpy(), built_up)
    in_town = (seeds["built_up"] > 0) & (shapely.area(settled) > 100_000)
    seeds["settled"] = np.where(in_town, settled, seeds["geometry"])
    wards = gpd.GeoDataFrame(
        seeds[[*WARD_COLUMNS, "kind", "settled"]], geometry="geometry", crs=BNG
    )

    typical = _WARD_KINDS.loc[seeds["kind"], "population"].to_numpy()
    residents = typical * rng.uniform(0.85, 1.15, len(seeds))
    residents *= area.population / residents.sum()
    population = pd.DataFrame(
        {"ward_code": seeds["ward_code"], "population": (np.round(residents, -1)).astype(int)}
    )
    return wards, population


# --------------------------------------------------------------------------------------
# Shared helpers for records
# --------------------------------------------------------------------------------------


def _ward_weights(
    wards: gpd.GeoDataFrame, population: pd.DataFrame, *, domestic: bool
) -> np.ndarray:
    """Relative crime weight of each ward (residents times the ward kind's factor)."""
    kinds = wards["kind"]
    if domestic:
        factor = kinds.map(_DA_CRIME_FACTOR).fillna(1.2).to_numpy()
    else:
        factor = _WARD_KINDS.loc[kinds, "crime_factor"].to_numpy()
    residents = wards[["ward_code"]].merge(population, on="ward_code")["population"].to_numpy()
    return residents * factor


def _ward_probabilities(weights: np.ndarray, centre: int, centre_share: float) -> np.ndarray:
    """Probabilities over wards with a fixed share in the town centre ward."""
    p = weights.astype(float).copy()
    p[centre] = 0.0
    p *= (1.0 - centre_share) / p.sum()
    p[centre] = centre_share
    return p


def _random_dates(rng: np.random.Generator, year_index: np.ndarray, amplitude: float) -> np.ndarray:
    """Random dates within financial years (0 = 2023-24), with a summer peak."""
    months = pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M")
    days_in_month = months.days_in_month.to_numpy()
    month_number = months.month.to_numpy()[:12]
    weight = (1 + amplitude * np.cos(2 * np.pi * (month_number - 7) / 12)) * days_in_month[:12]
    month = year_index * 12 + rng.choice(12, size=len(year_index), p=weight / weight.sum())
    day = np.floor(rng.random(len(year_index)) * days_in_month[month]).astype(int)
    first_day = months.start_time.to_numpy().astype("datetime64[D]")
    return first_day[month] + day.astype("timedelta64[D]")


def _yearly_counts(
    rng: np.random.Generator,
    volume: np.ndarray,
    change: np.ndarray,
    scale: float,
    *,
    trend: float = 0.0,
) -> np.ndarray:
    """Poisson counts per row and financial year (columns 2023-24, 2024-25, 2025-26).

    ``volume`` is the latest year's; each row changes by ``change`` a year, and by
    ``trend`` more (a factor ``1 + trend``).
    """
    years_before_latest = np.array([2, 1, 0])
    growth = (1 + change[:, None]) * (1 + trend)
    expected = volume[:, None] * scale / growth**years_before_latest
    return rng.poisson(expected)


def _points_in_wards(
    rng: np.random.Generator, wards: gpd.GeoDataFrame, ward_index: np.ndarray
) -> np.ndarray:
    """Random BNG points inside the given wards, clustered around a few local hotspots.

    Points fall in the settled part of each ward and keep 10 m from its boundary, so that
    they stay inside their ward after reprojection and rounding.
    """
    xy = np.full((len(ward_index), 2), np.nan)
    kinds = wards["kind"].to_numpy()
    for w, polygon in enumerate(wards["settled"]):
        rows = np.flatnonzero(ward_index == w)
        if len(rows) == 0:
            continue
        area = polygon.intersection(wards.geometry.iloc[w].buffer(-10))
        shapely.prepare(area)
        minx, miny, maxx, maxy = area.bounds
        n_hotspots = int(_WARD_KINDS.loc[kinds[w], "hotspots"])
        spread = float(_WARD_KINDS.loc[kinds[w], "hotspot_spread_m"])
        hotspots = _uniform_in(rng, area, n_hotspots)
        found = np.empty((0, 2))
        while len(found) < len(rows):
            n = 2 * (len(rows) - len(found)) + 20
            near = hotspots[rng.integers(0, n_hotspots, n)] + rng.normal(0, spread, (n, 2))
            anywhere = rng.uniform([minx, miny], [maxx, maxy], (n, 2))
            candidates = np.where(rng.random((n, 1)) < 0.8, near, anywhere)
            inside = shapely.contains_xy(area, candidates[:, 0], candidates[:, 1])
            found = np.vstack([found, candidates[inside]])
        xy[rows] = found[: len(rows)]
    return xy


def _uniform_in(rng: np.random.Generator, polygon: Polygon, n: int) -> np.ndarray:
    """``n`` uniform random points inside ``polygon``."""
    minx, miny, maxx, maxy = polygon.bounds
    found = np.empty((0, 2))
    while len(found) < n:
        candidates = rng.uniform([minx, miny], [maxx, maxy], (20 * n, 2))
        found = np.vstack([found, candidates[shapely.contains_xy(polygon, *candidates.T)]])
    return found[:n]


def _location_quality(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks of records with no location at all and with a ward but no coordinates."""
    u = rng.random(n)
    no_location = u < _NO_LOCATION_RATE
    ward_only = ~no_location & (u < _NO_LOCATION_RATE + _WARD_ONLY_RATE)
    return no_location, ward_only


def _sequential_ids(rng: np.random.Generator, prefix: str, n: int, start: int) -> np.ndarray:
    """Unique, increasing pseudonymised references such as ``DC10000042``."""
    numbers = start + np.cumsum(rng.integers(1, 40, n))
    return np.char.add(prefix, numbers.astype(str))


def _yes_no(flag: np.ndarray) -> np.ndarray:
    return np.where(flag, "Y", "N")


# --------------------------------------------------------------------------------------
# Crimes
# --------------------------------------------------------------------------------------


def _area_volumes(area: _Area, table: pd.DataFrame) -> np.ndarray:
    """An area's crimes per offence of ``table`` in 2025-26 at scale 1 (Demoshire's: volume)."""
    factor = area.crime_rate * area.population / TOTAL_POPULATION
    group_factor = table["offence_group"].map(area.group_rates).fillna(1.0).to_numpy()
    return table["volume"].to_numpy() * factor * group_factor


def _make_crimes(
    rng: np.random.Generator,
    area: _Area,
    wards: gpd.GeoDataFrame,
    population: pd.DataFrame,
    scale: float,
) -> pd.DataFrame:
    """An area's recorded crimes for the three financial years (one row per crime)."""
    table = offence_table()
    volume = _area_volumes(area, table)
    counts = _yearly_counts(rng, volume, table["change"].to_numpy(), scale, trend=area.trend)
    offence_index = np.repeat(np.arange(len(table)), counts.sum(axis=1))
    year_index = np.concatenate([np.repeat([0, 1, 2], row) for row in counts])
    n = len(offence_index)
    offences = table.iloc[offence_index].reset_index(drop=True)
    date = _random_dates(rng, year_index, _CRIME_SEASONAL_AMPLITUDE)

    domestic = rng.random(n) < offences["da"].to_numpy()
    hate = _hate_strands(rng, offences["hate"].to_numpy(), year_index)

    # Ward: per subgroup (and domestic abuse or not), a fixed share in the town centre.
    centre = int(np.flatnonzero(wards["ward_name"] == area.centre_ward)[0])
    general_weights = _ward_weights(wards, population, domestic=False)
    domestic_weights = _ward_weights(wards, population, domestic=True)
    ward_index = np.zeros(n, dtype=int)
    groups = pd.DataFrame({"subgroup": offences["offence_subgroup"], "domestic": domestic})
    for (_, is_domestic), rows in groups.groupby(["subgroup", "domestic"]).indices.items():
        if is_domestic:
            p = _ward_probabilities(domestic_weights, centre, _DA_CENTRE_SHARE)
        else:
            share = offences["centre"].to_numpy()[rows[0]] * area.centre_factor
            p = _ward_probabilities(general_weights, centre, share)
        ward_index[rows] = rng.choice(len(wards), size=len(rows), p=p)

    weapon_drawn = np.array(_WEAPONS)[rng.choice(3, size=n, p=_WEAPON_SHARES)]
    weapon_type = np.where(offences["weapon"] != "", offences["weapon"], weapon_drawn)
    weapon = np.where(rng.random(n) < offences["weapon_rate"], weapon_type, "")
    alcohol_rate = offences["alcohol"].to_numpy() * np.where(ward_index == centre, 1.6, 1.0)
    alcohol = rng.random(n) < np.minimum(alcohol_rate, 0.9)

    xy = _points_in_wards(rng, wards, ward_index)
    lon, lat = Transformer.from_crs(BNG, WGS84, always_xy=True).transform(xy[:, 0], xy[:, 1])
    no_location, ward_only = _location_quality(rng, n)
    has_xy = ~(no_location | ward_only)
    ward_code = wards["ward_code"].to_numpy()[ward_index]
    town = wards["town"].to_numpy()[ward_index]

    crimes = pd.DataFrame(
        {
            "date": date,
            "offence": offences["offence"],
            "offence_code": offences["code"],
            "offence_subgroup": offences["offence_subgroup"],
            "offence_group": offences["offence_group"],
            "latitude": np.where(has_xy, np.round(lat, 6), np.nan),
            "longitude": np.where(has_xy, np.round(lon, 6), np.nan),
            "ward_code": np.where(ward_only, ward_code, ""),
            "area_code": area.code,
            "domestic_abuse": _yes_no(domestic),
            "hate_strands": hate,
            "weapon": weapon,
            "alcohol_related": _yes_no(alcohol),
            "town": np.where(no_location, "", town),
        }
    )
    crimes = crimes.sort_values("date", kind="stable").reset_index(drop=True)
    crimes.insert(0, "crime_id", _sequential_ids(rng, area.reference, len(crimes), 10_000_000))
    crimes["date"] = crimes["date"].dt.strftime("%Y-%m-%d")
    return crimes[CRIME_COLUMNS]


def _hate_strands(rng: np.random.Generator, rate: np.ndarray, year_index: np.ndarray) -> np.ndarray:
    """``;``-separated hate strands per crime (blank for crimes that are not hate crimes)."""
    n = len(rate)
    aggravated = rate >= 1
    year_factor = (1 - _HATE_FALL) ** (year_index - 2)  # older years had more hate crime
    is_hate = aggravated | (rng.random(n) < rate * year_factor)
    first_other = rng.choice(len(HATE_STRANDS), size=n, p=_STRAND_SHARES_OTHER)
    first_aggravated = rng.choice(len(HATE_STRANDS), size=n, p=_STRAND_SHARES_AGGRAVATED)
    first = np.where(aggravated, first_aggravated, first_other)
    second = rng.choice(len(HATE_STRANDS), size=n, p=_STRAND_SHARES_OTHER)
    has_second = (rng.random(n) < _SECOND_STRAND_RATE) & (second != first)
    names = np.array(HATE_STRANDS)
    pair = np.char.add(
        np.char.add(names[np.minimum(first, second)], ";"), names[np.maximum(first, second)]
    )
    strands = np.where(has_second, pair, names[first])
    return np.where(is_hate, strands, "")


# --------------------------------------------------------------------------------------
# Nominals (victims and suspects)
# --------------------------------------------------------------------------------------


def _new_people(rng: np.random.Generator, n: int, profile: str) -> pd.DataFrame:
    """``n`` invented people: age on 1 April 2023, sex and ethnicity, for a profile."""
    band_weights, female_share = (np.array(v, dtype=float) for v in _PROFILES[profile])
    band = rng.choice(len(_AGE_BANDS), size=n, p=band_weights / band_weights.sum())
    low, high = _AGE_BANDS[band, 0], _AGE_BANDS[band, 1]
    if profile in ("suspect", "both"):
        low = np.maximum(low, 10)  # age of criminal responsibility
    if profile.startswith("da_"):
        low = np.maximum(low, 16)  # domestic abuse: 16 and over
    age = rng.integers(low, high + 1)
    sex = np.where(rng.random(n) < female_share[band], "female", "male")
    sex = np.where(rng.random(n) < _UNKNOWN_SEX_RATE, "unknown", sex)
    return pd.DataFrame({"age": age, "sex": sex, "ethnicity": _ethnicities(rng, n)})


def _ethnicities(rng: np.random.Generator, n: int, *, minority: float | None = None) -> np.ndarray:
    """Self-defined ethnicity, blank where not stated."""
    labels = [f"{g}: {c}" for g, cats in _ETHNICITY_WEIGHTS.items() for c in cats]
    weight = np.array([w for cats in _ETHNICITY_WEIGHTS.values() for w in cats.values()], float)
    if minority is not None:  # rescale so that ``minority`` are not White British
        weight[1:] *= minority / weight[1:].sum()
        weight[0] = 1 - minority
    drawn = np.array(labels)[rng.choice(len(labels), size=n, p=weight / weight.sum())]
    return np.where(rng.random(n) < _ETHNICITY_NOT_STATED_RATE, "", drawn)


def _repeat_people(
    rng: np.random.Generator, n_slots: int, mean_slots: float, shape: float
) -> np.ndarray:
    """Share time-ordered slots among people, some of whom come back again and again.

    Each person fills ``1 + NegativeBinomial`` slots (mean ``mean_slots``; a small
    ``shape`` gives a long tail of prolific offenders or repeat victims). A person's slots
    fall close together in time (spread about a tenth of the period).

    Returns the person index (0, 1, ...) of each slot.
    """
    if n_slots == 0:
        return np.zeros(0, dtype=int)
    extra_mean = max(mean_slots - 1, 1e-9)
    n_people = int(np.ceil(n_slots / mean_slots * 1.2)) + 10
    slots_each = 1 + rng.negative_binomial(shape, shape / (shape + extra_mean), n_people)
    person = np.repeat(np.arange(n_people), slots_each)[:n_slots]
    when = rng.random(n_people)[person] + rng.normal(0, 0.1, len(person))
    return np.unique(person[np.argsort(when, kind="stable")], return_inverse=True)[1]


def _make_nominals(rng: np.random.Generator, crimes: pd.DataFrame) -> pd.DataFrame:
    """Victims and suspects of crimes, with repeat victims, prolific suspects and overlap."""
    table = offence_table().set_index("code")
    params = table.loc[crimes["offence_code"]].reset_index()
    n = len(crimes)
    domestic = crimes["domestic_abuse"].to_numpy() == "Y"
    sexual = crimes["offence_group"].to_numpy() == "Sexual offences"
    race_hate = crimes["hate_strands"].str.contains("race").to_numpy()

    has_victim = rng.random(n) < params["victim"].to_numpy()
    has_victim &= ~crimes["offence_code"].isin(_NO_VICTIM_CODES).to_numpy()
    suspect_rate = np.where(domestic, 0.95, params["suspect"].to_numpy())
    n_suspects = (rng.random(n) < suspect_rate) * (1 + rng.poisson(_EXTRA_SUSPECT_RATE, n))

    # Slots: one row per victim or suspect position on a crime.
    victim_crime = np.flatnonzero(has_victim)
    suspect_crime = np.repeat(np.arange(n), n_suspects)
    first_suspect = np.r_[True, suspect_crime[1:] != suspect_crime[:-1]]
    slots = pd.DataFrame(
        {
            "crime": np.r_[victim_crime, suspect_crime],
            "role": ["victim"] * len(victim_crime) + ["suspect"] * len(suspect_crime),
            "first": np.r_[np.ones(len(victim_crime), bool), first_suspect],
        }
    )
    crime = slots["crime"].to_numpy()
    is_victim = slots["role"].to_numpy() == "victim"
    both_rate = params["both"].to_numpy()[crime]

    # Which pool each slot draws its person from.
    pool = np.where(is_victim, "victim", "suspect").astype(object)
    pool[(rng.random(len(slots)) < both_rate)] = "both"
    pool[is_victim & sexual[crime]] = "sexual_victim"
    pool[is_victim & race_hate[crime]] = "race_hate_victim"
    pool[domestic[crime] & (is_victim | slots["first"].to_numpy())] = "domestic"
    # Victims whose sex or age the offence fixes appear once, so the fix stays consistent.
    ruled = is_victim & np.isin(crimes["offence_code"].to_numpy()[crime], _victim_rules().index)
    pool[ruled] = np.where(sexual[crime[ruled]], "sexual_victim", "child_victim")

    person = np.full(len(slots), -1)
    people: list[pd.DataFrame] = []
    offset = 0
    # (pool, profile of its people, mean slots per person, negative binomial shape)
    pools = (
        ("victim", "victim", 1.15, 0.5),
        ("sexual_victim", "sexual_victim", 1.0, 1.0),
        ("child_victim", "victim", 1.0, 1.0),
        ("race_hate_victim", "victim", 1.3, 0.5),
        ("suspect", "suspect", 1.8, 0.3),
        ("both", "both", 1.5, 1.0),
    )
    for name, profile, mean_slots, shape in pools:
        # Victim and suspect slots of a pool share one numbering of people, so the "both"
        # pool's first people are victims of some crimes and suspects of others.
        for role_mask in (is_victim, ~is_victim):
            rows = np.flatnonzero((pool == name) & role_mask)  # in date order
            person[rows] = offset + _repeat_people(rng, len(rows), mean_slots, shape)
        n_found = int(person.max(initial=offset - 1)) + 1 - offset
        found = _new_people(rng, n_found, profile)
        if name == "race_hate_victim":
            found["ethnicity"] = _ethnicities(rng, len(found), minority=_RACE_HATE_MINORITY_SHARE)
        people.append(found)
        offset += len(found)

    # Domestic abuse: couples (victim, suspect) with repeat crimes and a few counter-allegations.
    rows = np.flatnonzero(pool == "domestic")
    da_crimes = np.flatnonzero(domestic)
    couple_of_crime = np.full(n, -1)
    couple_of_crime[da_crimes] = _repeat_people(rng, len(da_crimes), *_DA_CRIMES_PER_COUPLE)
    n_couples = int(couple_of_crime.max(initial=-1)) + 1
    swapped = rng.random(n) < _DA_COUNTER_ALLEGATION_RATE
    victim_side = is_victim[rows] ^ swapped[crime[rows]]
    couple = couple_of_crime[crime[rows]]
    person[rows] = np.where(victim_side, offset + couple, offset + n_couples + couple)
    people += [_new_people(rng, n_couples, "da_victim"), _new_people(rng, n_couples, "da_suspect")]

    people_frame = pd.concat(people, ignore_index=True)
    person_number = 1_000_000 + rng.permutation(len(people_frame)) * 7 + rng.integers(0, 7)
    who = people_frame.iloc[person].reset_index(drop=True)
    date = pd.to_datetime(crimes["date"].to_numpy()[crime])
    years_on = ((date - pd.Timestamp(f"{FIRST_MONTH}-01")).days // 365).to_numpy()
    age = pd.array(who["age"].to_numpy() + years_on, dtype="Int64")
    age[rng.random(len(slots)) < _UNKNOWN_AGE_RATE] = pd.NA

    sex = who["sex"].to_numpy().copy()
    _apply_victim_rules(rng, crimes["offence_code"].to_numpy()[crime], is_victim, sex, age)
    nominals = pd.DataFrame(
        {
            "crime_id": crimes["crime_id"].to_numpy()[crime],
            "person_id": np.char.add("P", person_number[person].astype(str)),
            "role": slots["role"],
            "age": age,
            "sex": sex,
            "ethnicity": who["ethnicity"],
        }
    )
    # A person named twice on one crime in the same role (a rare draw) is kept once.
    nominals = nominals.drop_duplicates(["crime_id", "person_id", "role"])
    return nominals.sort_values(["crime_id", "role"], ascending=[True, False], ignore_index=True)


def _victim_rules() -> pd.DataFrame:
    """Victim sex and age range by offence code (index)."""
    rules = pd.read_csv(io.StringIO(_VICTIM_RULES_CSV), sep="|", dtype={"code": str})
    return rules.set_index("code")


def _apply_victim_rules(
    rng: np.random.Generator,
    code: np.ndarray,
    is_victim: np.ndarray,
    sex: np.ndarray,
    age: pd.arrays.IntegerArray,
) -> None:
    """Make victims' sex and age agree with offences such as "Rape of a male child under 16".

    Changes ``sex`` and ``age`` in place; an age outside the offence's range is redrawn.
    """
    rules = _victim_rules().reindex(code)
    ruled = is_victim & rules["min_age"].notna().to_numpy()
    fixed_sex = ruled & rules["sex"].notna().to_numpy()
    sex[fixed_sex] = rules["sex"].to_numpy()[fixed_sex]
    low = rules["min_age"].fillna(0).to_numpy(dtype=int)
    high = rules["max_age"].fillna(0).to_numpy(dtype=int)
    current = age.to_numpy(dtype=float, na_value=np.nan)
    outside = ruled & ~((current >= low) & (current <= high))
    age[outside] = rng.integers(low[outside], high[outside] + 1)


# --------------------------------------------------------------------------------------
# ASB
# --------------------------------------------------------------------------------------


def _make_asb(
    rng: np.random.Generator,
    area: _Area,
    wards: gpd.GeoDataFrame,
    population: pd.DataFrame,
    scale: float,
) -> pd.DataFrame:
    """An area's anti-social behaviour incidents (police and council) for the three years."""
    volume = _ASB_VOLUME * area.asb_rate * area.population / TOTAL_POPULATION
    counts = _yearly_counts(
        rng, np.array([volume]), np.array([_ASB_CHANGE]), scale, trend=area.trend
    )[0]
    year_index = np.repeat([0, 1, 2], counts)
    n = len(year_index)
    centre = int(np.flatnonzero(wards["ward_name"] == area.centre_ward)[0])
    share = _ASB_CENTRE_SHARE * area.centre_factor
    p = _ward_probabilities(_ward_weights(wards, population, domestic=False), centre, share)
    ward_index = rng.choice(len(wards), size=n, p=p)
    xy = np.round(_points_in_wards(rng, wards, ward_index))
    blank_xy = rng.random(n) < _NO_LOCATION_RATE + _WARD_ONLY_RATE  # ward_code only
    asb = pd.DataFrame(
        {
            "date": _random_dates(rng, year_index, _ASB_SEASONAL_AMPLITUDE),
            "category": np.array(_ASB_CATEGORIES)[rng.choice(3, size=n, p=_ASB_CATEGORY_SHARES)],
            "source": np.where(rng.random(n) < _ASB_POLICE_SHARE, "police", "council"),
            "easting": pd.array(np.where(blank_xy, np.nan, xy[:, 0]), dtype="Int64"),
            "northing": pd.array(np.where(blank_xy, np.nan, xy[:, 1]), dtype="Int64"),
            "ward_code": wards["ward_code"].to_numpy()[ward_index],
        }
    )
    asb = asb.sort_values("date", kind="stable").reset_index(drop=True)
    prefix = "ASB" if area is DEMOSHIRE else f"ASB{area.reference}"
    asb.insert(0, "incident_id", _sequential_ids(rng, prefix, n, 1_000_000))
    asb["date"] = asb["date"].dt.strftime("%Y-%m-%d")
    return asb[ASB_COLUMNS]


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def make_demo_data(*, seed: int = 2025, scale: float = 1.0) -> DemoData:
    """Make the synthetic force's data set: Demoshire and its four peers.

    Parameters
    ----------
    seed : int
        Seed for ``numpy.random.default_rng``; the same seed gives identical frames.
        Demoshire's records use the seed's own stream, each peer ``[seed, number]``. The
        map (wards) and populations are the same for every seed.
    scale : float
        Multiplies record volumes (crimes, nominals, ASB); 1.0 is about 18,000 crimes and
        3,400 ASB incidents in Demoshire in 2025-26, and about 32,000 crimes and 6,000 ASB
        incidents in its peers together. Wards and population do not change.

    Returns
    -------
    DemoData
        Wards (EPSG:27700), population, crimes, nominals and ASB frames in canonical form.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rng = np.random.default_rng(seed)
    wards, population = _make_wards()
    home = wards[wards["area_code"] == AREA_CODE]
    crimes = [_make_crimes(rng, DEMOSHIRE, home, population, scale)]
    nominals = _make_nominals(rng, crimes[0])
    asb = [_make_asb(rng, DEMOSHIRE, home, population, scale)]
    # Each peer draws from its own stream after Demoshire's, so Demoshire's records are the
    # same with or without them. Peers have no victims or suspects (nominals).
    for area in _PEERS:
        peer_rng = np.random.default_rng([seed, area.number])
        peer_wards = wards[wards["area_code"] == area.code]
        crimes.append(_make_crimes(peer_rng, area, peer_wards, population, scale))
        asb.append(_make_asb(peer_rng, area, peer_wards, population, scale))
    return DemoData(
        wards=wards[WARD_COLUMNS],
        population=population,
        crimes=pd.concat(crimes, ignore_index=True),
        nominals=nominals,
        asb=pd.concat(asb, ignore_index=True),
    )


def _synthetic_note(seed: int, scale: float) -> str:
    peers = "\n".join(
        f"  - {area.name} ({area.code}), about {area.population:,} residents" for area in _PEERS
    )
    return f"""# Synthetic data

Everything in this directory is **synthetic**. It was made by `csp_analysis.demo`
(`write_demo_data(seed={seed}, scale={scale})`) for demonstrations and tests.

- {FORCE_NAME} ({FORCE_CODE}) is an invented police force of five Community Safety
  Partnership areas: {AREA_NAME} ({AREA_CODE}), about {TOTAL_POPULATION:,} residents, and
  its peers
{peers}
- The areas, their wards, towns, codes (all starting with `X`), people and crimes do not
  exist. Their maps lie in the North Sea.
- `crimes.csv` and `asb.csv` hold every area's records ({AREA_NAME}'s first). Victims and
  suspects (`nominals.csv`) are for {AREA_NAME}'s crimes only, to keep the data small.
- No record describes a real person, place or event. Volumes and proportions are shaped on
  a published partnership crime profile only so that tables look realistic; the peers'
  crime rates differ from {AREA_NAME}'s as real partnerships' do.
- Months covered: {FIRST_MONTH} to {LAST_MONTH} (financial years {", ".join(FINANCIAL_YEARS)}).

The toolkit detects this file (`{SYNTHETIC_MARKER}`) and labels every output made from this
directory as synthetic.
"""


#: The files :func:`write_demo_data` writes, in its order.
DEMO_FILES = (
    "wards.geojson",
    "population.csv",
    "crimes.csv",
    "nominals.csv",
    "asb.csv",
    SYNTHETIC_MARKER,
)


def check_demo_folder(out: Path, files: tuple[str, ...] = DEMO_FILES) -> None:
    """Refuse a folder that holds files the demo generator did not make.

    A folder is fine when it is missing, empty (hidden files aside), or holds only the
    generator's own ``files`` (names in the folder) with its marker ``SYNTHETIC_DATA.md``:
    real data is never replaced by, or mixed with, synthetic records.
    """
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder: choose another --out for the demo data")
    present = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    if (out / SYNTHETIC_MARKER).is_file():
        foreign = [name for name in present if name not in files]
        if foreign:
            raise OutputError(
                f"{out} holds demo data and files the demo generator did not make "
                f"({', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}): not "
                "written, so they are not mixed with synthetic records. Move those files, or "
                "choose a new folder for --out."
            )
    elif present:
        raise OutputError(
            f"{out} holds files the demo generator did not make "
            f"({', '.join(present[:5])}{' ...' if len(present) > 5 else ''}) and no "
            f"{SYNTHETIC_MARKER}: not written, so that real data is never replaced by synthetic "
            "records. Choose a new or empty folder for --out."
        )


def write_demo_data(out_dir: str | Path, *, seed: int = 2025, scale: float = 1.0) -> list[Path]:
    """Write the synthetic force's data to ``out_dir`` in the canonical form of the data contract.

    Writes ``wards.geojson`` (EPSG:4326, as ONS publishes), ``population.csv``,
    ``crimes.csv``, ``nominals.csv``, ``asb.csv`` and ``SYNTHETIC_DATA.md``.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write to: created if missing; a folder the generator made before is
        written again; any other folder that is not empty is refused
        (:func:`check_demo_folder` raises :class:`~csp_analysis.outputs.OutputError`).
    seed : int
        Random seed (see `make_demo_data`).
    scale : float
        Record volume multiplier (see `make_demo_data`).

    Returns
    -------
    list of Path
        The paths written, in the order above.
    """
    out = Path(out_dir)
    check_demo_folder(out)
    demo = make_demo_data(seed=seed, scale=scale)
    paths = [out / name for name in DEMO_FILES]
    out.mkdir(parents=True, exist_ok=True)
    # The marker first: a folder left half-written is still recognised as the generator's.
    paths[5].write_text(_synthetic_note(seed, scale), encoding="utf-8")
    paths[0].unlink(missing_ok=True)
    demo.wards.to_crs(WGS84).to_file(paths[0], driver="GeoJSON")
    demo.population.to_csv(paths[1], index=False)
    demo.crimes.to_csv(paths[2], index=False, float_format="%.6f")
    demo.nominals.to_csv(paths[3], index=False)
    demo.asb.to_csv(paths[4], index=False)
    return paths
