"""How far one week's numbers are from a reference: population stability index and two-sample tests.

Both work on histograms over the same bins, as the package's drift reference stores histograms
(training/drift_reference.py), never the images' own values.

- PSI = sum over bins of (p_week - p_ref) * ln(p_week / p_ref), each share taken with half a count
  added to every bin (PSEUDO_COUNT), so that an empty bin counts as rare rather than infinitely
  surprising, and a bin that one week's few images happen to miss does not dominate. The usual
  reading: under 0.1 stable, 0.1 to 0.2 a moderate shift, 0.2 or more a large one.
- With a hundred readings a week, PSI over ten bins is about 0.1 from sampling alone, so a shift is
  a breach only when a test also finds it significant: the two-sample Kolmogorov-Smirnov test for
  a quantity on a scale (scores, intensity), the chi-squared test of homogeneity for categories
  (the predicted grade).
"""

import math

import numpy as np
from scipy import stats

PSEUDO_COUNT = 0.5


def psi(reference: list[int], observed: list[int]) -> float:
    ref = _shares(reference)
    obs = _shares(observed)
    return float(np.sum((obs - ref) * np.log(obs / ref)))


def coarsen(counts: list[int], groups: int) -> list[int]:
    """Adds neighbouring bins together into `groups` bins (the count must divide evenly)."""
    values = np.asarray(counts)
    if len(values) % groups:
        raise ValueError(f"{len(values)} bins cannot be grouped into {groups}")
    return [int(n) for n in values.reshape(groups, -1).sum(axis=1)]


def ks_p_value(reference: list[int], observed: list[int]) -> float:
    """Two-sample Kolmogorov-Smirnov p-value from two histograms on the same bins.

    The statistic is the largest gap between the two cumulative shares at the bins' edges; with
    fine bins that is the test on the values themselves, a little conservative.
    """
    n, m = int(np.sum(reference)), int(np.sum(observed))
    if n == 0 or m == 0:
        return 1.0
    gap = float(np.max(np.abs(np.cumsum(reference) / n - np.cumsum(observed) / m)))
    if gap == 0:
        return 1.0
    effective = n * m / (n + m)
    return float(stats.kstwo.sf(gap, max(1, math.floor(effective))))


def chi2_p_value(reference: list[int], observed: list[int]) -> float:
    """Chi-squared test that two sets of category counts come from one distribution."""
    table = np.array([reference, observed], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    return float(stats.chi2_contingency(table)[1])


def _shares(counts: list[int]) -> np.ndarray:
    values = np.asarray(counts, dtype=float) + PSEUDO_COUNT
    return values / values.sum()
