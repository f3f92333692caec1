"""Wilson score intervals for rates: how far a rate from `n` attempts can be trusted.

    >>> low, high = wilson([12, 0], [40, 2])  # 12 contacts in 40 attempts; 0 in 2
    >>> low.round(3).tolist(), high.round(3).tolist()
    ([0.181, 0.0], [0.454, 0.658])

The Wilson interval is the set of proportions `p` that a score test at level `1 - ci` does not
reject: `|x/n - p| <= z * sqrt(p (1 - p) / n)`, solved for `p`. Unlike the textbook
`p +- z sqrt(p (1 - p) / n)` it stays inside [0, 1] and is not empty at 0 or n successes, so a
cell with two calls and no contact reads "0% to 66%", not "0% to 0%".
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_CI", "wilson", "z_value"]

DEFAULT_CI = 0.95
"""The confidence level of every interval unless `ci=` says otherwise."""

Floats = npt.NDArray[np.float64]


def z_value(ci: float = DEFAULT_CI) -> float:
    """The two-sided standard normal quantile for a confidence level (1.96 for 0.95).

    Raises:
        ValueError: `ci` is not strictly between 0 and 1.
    """
    if isinstance(ci, bool) or not isinstance(ci, int | float) or not 0 < ci < 1:
        raise ValueError(f"ci must be a confidence level between 0 and 1 (e.g. 0.95), not {ci!r}")
    return NormalDist().inv_cdf(0.5 + ci / 2)


def wilson(
    successes: npt.ArrayLike, n: npt.ArrayLike, ci: float = DEFAULT_CI
) -> tuple[Floats, Floats]:
    """Wilson score interval `(low, high)` of `successes / n`, element-wise.

    Args:
        successes: counts of successes (contacts, promises, ...), one per rate.
        n: the denominators (attempts, contacts, ...), the same shape; NaN bounds where 0.
        ci: the confidence level, 0.95 by default.

    Raises:
        ValueError: `ci` is not a level in (0, 1), a count is negative, or successes exceed n.
    """
    z = z_value(ci)
    x = np.asarray(successes, dtype="float64")
    total = np.asarray(n, dtype="float64")
    if x.shape != total.shape:
        raise ValueError(f"successes and n differ in shape: {x.shape} and {total.shape}")
    if (x < 0).any() or (total < 0).any() or (x > total).any():
        raise ValueError("counts must be non-negative, with successes no more than n")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / total
        denominator = 1 + z**2 / total
        centre = (p + z**2 / (2 * total)) / denominator
        half = z * np.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / denominator
    empty = ~(total > 0)
    low = np.where(empty, np.nan, np.clip(centre - half, 0.0, 1.0))
    high = np.where(empty, np.nan, np.clip(centre + half, 0.0, 1.0))
    low = np.where(
        (x == 0) & ~empty, 0.0, low
    )  # exact at the edges, no rounding below 0 or above 1
    high = np.where((x == total) & ~empty, 1.0, high)
    return low.astype("float64"), high.astype("float64")
