"""csp_analysis: crime and anti-social behaviour profiles for Community Safety Partnerships.

The statistics analysts use interactively are here at the top level:

>>> from csp_analysis import rate_ci
>>> row = rate_ci(25, 4000).iloc[0]
>>> float(row["rate"]), row["method"]
(6.25, 'byars')
"""

from csp_analysis.harm import (
    crime_type_weights,
    harm_index,
    load_weights,
    rank_intervals,
    weigh_records,
)
from csp_analysis.peers import compare_peers, funnel_limits, rate_ratio, read_benchmark
from csp_analysis.places import (
    classify_hotspots,
    gi_star,
    gini,
    grid_counts,
    hotspot_classify,
    lorenz,
    top_share,
    ward_hotspots,
)
from csp_analysis.stats import (
    ChangeTest,
    TrendTest,
    mann_kendall,
    poisson_change_test,
    proportion_ci,
    rate_ci,
    spc,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ChangeTest",
    "TrendTest",
    "classify_hotspots",
    "compare_peers",
    "crime_type_weights",
    "funnel_limits",
    "gi_star",
    "gini",
    "grid_counts",
    "harm_index",
    "hotspot_classify",
    "load_weights",
    "lorenz",
    "mann_kendall",
    "poisson_change_test",
    "proportion_ci",
    "rank_intervals",
    "rate_ci",
    "rate_ratio",
    "read_benchmark",
    "spc",
    "top_share",
    "ward_hotspots",
    "weigh_records",
]
