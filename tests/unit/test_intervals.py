"""Wilson intervals, checked against an independent computation and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from timepay_notebook.intervals import wilson, z_value


def normal_quantile(level: float) -> float:
    """Two-sided z by bisection on math.erf (not statistics.NormalDist, which the module uses)."""
    lo, hi = 0.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.erf(mid / math.sqrt(2)) < level:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def score_bounds(x: int, n: int, z: float) -> tuple[float, float]:
    """The p where the score statistic |x/n - p| / sqrt(p(1-p)/n) equals z, by bisection."""

    def outside(p: float) -> bool:
        return abs(x / n - p) > z * math.sqrt(p * (1 - p) / n)

    def bisect(inside: float, out: float) -> float:
        for _ in range(200):
            mid = (inside + out) / 2
            inside, out = (inside, mid) if outside(mid) else (mid, out)
        return (inside + out) / 2

    centre = x / n if 0 < x < n else (1e-12 if x == 0 else 1 - 1e-12)
    low = 0.0 if x == 0 else bisect(centre, 0.0)
    high = 1.0 if x == n else bisect(centre, 1.0)
    return low, high


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_z_matches_an_erf_bisection(level: float) -> None:
    assert z_value(level) == pytest.approx(normal_quantile(level), abs=1e-9)


def test_the_bounds_are_where_the_score_test_stops_rejecting() -> None:
    cases = [
        (0, 1),
        (1, 1),
        (0, 2),
        (1, 2),
        (2, 2),
        (0, 10),
        (1, 10),
        (12, 40),
        (81, 263),
        (499, 1000),
        (3, 5000),
    ]
    for level in (0.9, 0.95, 0.99):
        x, n = np.array([c[0] for c in cases]), np.array([c[1] for c in cases])
        low, high = wilson(x, n, ci=level)
        z = normal_quantile(level)
        for i, (xi, ni) in enumerate(cases):
            assert (low[i], high[i]) == pytest.approx(score_bounds(xi, ni, z), abs=1e-9)


def test_published_values() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score)
    low, high = wilson([81, 15, 0, 1], [263, 148, 20, 29])
    assert low.round(4).tolist() == [0.2553, 0.0624, 0.0, 0.0061]
    assert high.round(4).tolist() == [0.3662, 0.1605, 0.1611, 0.1718]


def test_edges_and_bad_input() -> None:
    low, high = wilson([0, 5, 0], [0, 5, 2])
    assert math.isnan(low[0]) and math.isnan(high[0])  # no attempts: no interval
    assert high[1] == 1.0 and low[2] == 0.0
    assert low[1] < 1.0 and high[2] > 0.5  # two calls without contact can't rule out 60%
    with pytest.raises(ValueError, match="ci must be"):
        wilson([1], [2], ci=95)
    with pytest.raises(ValueError, match="no more than n"):
        wilson([3], [2])
    with pytest.raises(ValueError, match="shape"):
        wilson([1, 2], [3])
