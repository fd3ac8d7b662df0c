"""Proportions with their 95% Wilson score intervals: honest at the small counts a clinic has."""

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


def wilson_interval(hits: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of `hits` out of `total`; None when there is nothing to count.

    Unlike the normal approximation it stays inside [0, 1] and is not zero-width at 0 or `total`
    hits (5 of 5 gives 0.57 to 1.0, not 1.0 to 1.0).
    """
    if total <= 0:
        return None
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Proportion:
    hits: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.hits, self.total)
