"""Fair comparisons of groups (agents, campaigns, hours): rates with intervals, adjusted for mix.

    >>> df.timepay.compare("agent_id", adjust_for="campaign_id")

Raw rates mostly reflect what a group was given: an agent on an easy campaign has a high contact
rate whoever they are. With `adjust_for`, each attempt is given the rate of its *stratum* (the
attempts of all groups sharing its `adjust_for` values, e.g. its campaign) and a group's
`expected` successes are the sum of those rates over its attempts: what an average group would
have achieved on the same work. `ratio` = successes / expected (1.0 is average; 1.2 is 20%
better than expected on the same mix), and its interval is the Wilson interval of the group's
rate scaled by the same factor. `verdict` says "above" or "below" when the ratio's interval
excludes 1, and "not distinguishable" when it does not. Without `adjust_for` the whole set is one
stratum, so the ratio compares the raw rate with the overall rate.

Groups with fewer than `min_n` attempts in the metric's denominator are shown with their counts
and rate but are not ranked (`rank` <NA>, verdict "too few"): a rate from a handful of attempts
says little.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._tables import (
    CHANNELS,
    Keys,
    _by_names,
    _channel_mask,
    _check_count,
    _finish,
    _key_series,
    _ratio,
)
from .intervals import DEFAULT_CI, wilson
from .outcomes import is_connected, is_contact, is_promise

__all__ = ["ABOVE", "BELOW", "METRICS", "NOT_DISTINGUISHABLE", "TOO_FEW", "compare"]

Predicate = Callable[[pd.DataFrame], npt.NDArray[np.bool_]]


def _everything(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    return np.ones(len(frame), dtype=bool)


METRICS: dict[str, tuple[Predicate, Predicate, str]] = {
    "contact_rate": (_everything, is_contact, "right-party contacts per attempt"),
    "connect_rate": (_everything, is_connected, "connected attempts per attempt"),
    "ptp_rate": (_everything, is_promise, "promises to pay per attempt"),
    "ptp_per_contact": (is_contact, is_promise, "promises to pay per right-party contact"),
}
"""metric -> (which attempts count in `n`, which of those are successes, what it means)."""

ABOVE, BELOW = "above", "below"
NOT_DISTINGUISHABLE = "not distinguishable"
TOO_FEW = "too few"
MIN_N = 30


def compare(
    frame: pd.DataFrame,
    by: Keys,
    metric: str = "contact_rate",
    adjust_for: Keys = None,
    ci: float = DEFAULT_CI,
    min_n: int = MIN_N,
    channel: str | None = "call",
) -> pd.DataFrame:
    """One row per group of `by`, ranked by its rate adjusted for mix, with intervals.

    Columns: `n` (attempts, or contacts for `ptp_per_contact`), `successes`, `rate`,
    `ci_low`, `ci_high` (Wilson interval of the rate), `expected` (successes an average group
    would have had on the same mix of `adjust_for` strata), `ratio` (successes / expected),
    `ratio_low`, `ratio_high` (its interval), `verdict` ("above", "below", "not
    distinguishable", or "too few" below `min_n`) and `rank` (1 = highest ratio; <NA> below
    `min_n`). Ranked groups come first, best first; then the others by `n`, largest first.

    Args:
        by: the column (or columns) whose values are compared, e.g. "agent_id".
        metric: "contact_rate" (right-party contacts per attempt), "connect_rate" (connected
            attempts per attempt), "ptp_rate" (promises per attempt) or "ptp_per_contact"
            (promises per right-party contact).
        adjust_for: a column or list of columns whose mix to adjust for, e.g. "campaign_id"
            or ["campaign_id", "type"]; None compares raw rates with the overall rate.
        ci: the confidence level of the intervals.
        min_n: the fewest attempts (contacts for `ptp_per_contact`) a group needs to be ranked.
        channel: "call" (the default), "whatsapp", or None for every attempt.

    Raises:
        KeyError: `by` or `adjust_for` names a column the frame does not have.
        ValueError: an unknown `metric` or `channel`, no `by`, or `min_n` below 1.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    names = _by_names(frame, by)
    if not names:
        raise ValueError("by: name the column whose groups to compare, e.g. 'agent_id'")
    strata = _by_names(frame, adjust_for)
    least = _check_count(min_n, "min_n")
    population, success = METRICS[metric][:2]
    counted = _channel_mask(frame, channel) & population(frame)
    hits = pd.Series(success(frame)[counted].astype("int64"))
    stratum_rate = _stratum_rates(frame, strata, counted, hits)
    keys = [key[counted].reset_index(drop=True) for key in _key_series(frame, names)]
    rows = pd.DataFrame({"hit": hits, "expected": stratum_rate})
    sums = rows.groupby(keys, observed=True, dropna=False).agg(
        n=("hit", "size"), successes=("hit", "sum"), expected=("expected", "sum")
    )
    table = _with_intervals(sums, ci, least)
    noun = CHANNELS.get(channel or "", "attempts")
    mix = f", adjusted for {' and '.join(strata)}" if strata else ""
    title = f"{metric.replace('_', ' ').capitalize()} by {', '.join(names)} ({noun}{mix})"
    return _finish(
        table,
        title,
        rates=("rate", "ci_low", "ci_high"),
        ratios=["ratio", "ratio_low", "ratio_high"],
    )


def _stratum_rates(
    frame: pd.DataFrame, strata: list[str], counted: npt.NDArray[np.bool_], hits: pd.Series
) -> pd.Series:
    """For each counted attempt, the success rate of all counted attempts of its stratum."""
    if not strata:
        overall = float(hits.mean()) if len(hits) else np.nan
        return pd.Series(np.full(len(hits), overall))
    keys = [key[counted].reset_index(drop=True) for key in _key_series(frame, strata)]
    rate: pd.Series = hits.groupby(keys, observed=True, dropna=False).transform("mean")
    return rate.astype("float64")


def _with_intervals(sums: pd.DataFrame, ci: float, least: int) -> pd.DataFrame:
    """The comparison columns from `n`, `successes`, `expected`; ranked and ordered."""
    n = sums["n"].astype("int64")
    successes = sums["successes"].astype("int64")
    low, high = wilson(successes, n, ci)
    rate = _ratio(successes, n)
    expected = sums["expected"].astype("float64")
    scale = _ratio(n, expected).to_numpy()  # ratio = rate * n / expected
    ratio = _ratio(successes, expected)
    ratio_low, ratio_high = low * scale, high * scale
    enough = (n >= least).to_numpy()
    verdict = np.where(
        ~enough,
        TOO_FEW,
        np.where(ratio_low > 1, ABOVE, np.where(ratio_high < 1, BELOW, NOT_DISTINGUISHABLE)),
    )
    table = pd.DataFrame(
        {
            "n": n,
            "successes": successes,
            "rate": rate,
            "ci_low": low,
            "ci_high": high,
            "expected": expected,
            "ratio": ratio,
            "ratio_low": ratio_low,
            "ratio_high": ratio_high,
            "verdict": pd.Series(verdict, index=sums.index, dtype="str"),
        },
        index=sums.index,
    )
    ranked = ratio.where(enough)
    table["rank"] = ranked.rank(ascending=False, method="min").astype("Int64")
    order = pd.DataFrame({"unranked": ~enough, "ratio": -ranked.fillna(0), "n": -n})
    positions = np.lexsort([order["n"], order["ratio"], order["unranked"]])
    return table.iloc[positions]
