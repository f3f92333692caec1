"""Funnels: where loans fall out between the first attempt and a kept promise (pure functions).

    >>> df.timepay.funnel()              # loans: attempted, connected, contacted, promised, kept
    >>> df.timepay.funnel(unit=None)     # the same stages counted in attempts
    >>> df.timepay.whatsapp_funnel()     # messages: sent, delivered, read, replied, promised

Each stage counts the units (loans by default) that reached it *and every stage before it*,
so the counts never grow from one stage to the next: a loan is "promised" when one of its
attempts was a promise to pay made in a right-party contact, and "kept" when one of those
promises was kept (`promises`, with its defaults: a later "Already Paid" log, a proxy).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._tables import (
    CHANNELS,
    Keys,
    _by_names,
    _channel_mask,
    _finish,
    _key_series,
    _ratio,
    require_column,
)
from .outcomes import CONNECTED_STATUS, is_connected, is_contact, is_promise
from .promises import lifecycle

__all__ = ["STAGES", "WHATSAPP_STAGES", "funnel", "whatsapp_funnel"]

STAGES = ("attempted", "connected", "contacted", "promised", "kept")
WHATSAPP_STAGES = ("sent", "delivered", "read", "replied", "promised")
Flags = list[npt.NDArray[np.bool_]]


def funnel(
    frame: pd.DataFrame, unit: str | None = "loan_id", channel: str | None = None, by: Keys = None
) -> pd.DataFrame:
    """The collections funnel: one row per stage of `STAGES` (per group of `by`), in order.

    Stages: `attempted` (any attempt), `connected` (status Completed), `contacted` (right-party
    contact), `promised` (a promise to pay), `kept` (a kept promise; needs `extracted_data`,
    judged over the whole frame). Columns: `stage`, `count` (units that reached the stage and
    every one before it), `rate_from_previous` (count / the previous stage's count) and
    `rate_from_first` (count / attempted); with `by`, its columns come first.

    Args:
        unit: the column whose distinct values are counted ("loan_id"; "to" for customers),
            or None to count attempts.
        channel: "call", "whatsapp", or None (the default) for every attempt.
        by: a column or a list of columns to split the funnel by (e.g. "campaign_name").

    Raises:
        KeyError: the frame lacks `unit`, a `by` column, or `extracted_data`.
        ValueError: an unknown `channel`.
    """
    require_column(frame, "extracted_data", "funnel (its kept stage)")
    kept = (lifecycle(frame)["status"] == "kept").to_numpy(dtype=bool)
    contact = is_contact(frame)
    flags = [
        np.ones(len(frame), dtype=bool),
        is_connected(frame),
        contact,
        is_promise(frame) & contact,
        kept & contact,
    ]
    noun = CHANNELS.get(channel or "", "attempts")
    title = f"Funnel ({_unit_name(unit)}; {noun})"
    return _funnel(frame, STAGES, flags, _channel_mask(frame, channel), unit, by, title)


def whatsapp_funnel(
    frame: pd.DataFrame, unit: str | None = "loan_id", by: Keys = None
) -> pd.DataFrame:
    """The WhatsApp funnel from the statuses messages carry: one row per `WHATSAPP_STAGES`.

    Stages: `sent` (any WhatsApp message), `delivered` (`message_status` "delivered" or "read",
    or a reply), `read` (`message_status` "read", or a reply), `replied` (status Completed),
    `promised` (a promise to pay in the reply). Columns as `funnel`.

    Raises:
        KeyError: the frame lacks `message_status`, `unit` or a `by` column.
    """
    state = require_column(frame, "message_status", "whatsapp_funnel").astype("str")
    replied = (frame["status"] == CONNECTED_STATUS).to_numpy(dtype=bool)
    read = (state == "read").to_numpy(dtype=bool) | replied
    delivered = state.isin(["delivered", "read"]).to_numpy(dtype=bool) | read
    flags = [np.ones(len(frame), dtype=bool), delivered, read, replied, is_promise(frame)]
    title = f"WhatsApp funnel ({_unit_name(unit)})"
    return _funnel(frame, WHATSAPP_STAGES, flags, _channel_mask(frame, "whatsapp"), unit, by, title)


def _unit_name(unit: str | None) -> str:
    return {None: "attempts", "loan_id": "loans", "to": "customers"}.get(unit, str(unit))


def _funnel(
    frame: pd.DataFrame,
    stages: tuple[str, ...],
    flags: Flags,
    on_channel: npt.NDArray[np.bool_],
    unit: str | None,
    by: Keys,
    title: str,
) -> pd.DataFrame:
    names = _by_names(frame, by, drop=() if unit is None else (unit,))
    reached = pd.DataFrame(dict(zip(stages, flags, strict=True)))
    keys = _key_series(frame, names)
    if unit is not None:
        units = require_column(frame, unit, "funnel's unit").reset_index(drop=True)
        keep = on_channel & units.notna().to_numpy()
        grouped = reached[keep].groupby(
            [k[keep] for k in [*keys, units]], observed=True, dropna=False
        )
        per_unit = grouped.any()
    else:
        per_unit = reached[on_channel].set_axis(
            pd.MultiIndex.from_arrays([k[on_channel] for k in keys])
            if names
            else pd.RangeIndex(int(on_channel.sum()))
        )
    cumulative = per_unit.cumprod(axis=1).astype(bool)
    if names:
        counts = cumulative.groupby(level=list(range(len(names))), observed=True).sum()
        counts.index.names = names
    else:
        counts = cumulative.sum().to_frame().T
    long = counts.reset_index(drop=not names).melt(
        id_vars=names, value_vars=list(stages), var_name="stage", value_name="count"
    )
    order = {s: i for i, s in enumerate(stages)}
    long["_order"] = long["stage"].map(order)
    long = long.sort_values([*names, "_order"], kind="stable").reset_index(drop=True)
    long["count"] = long["count"].astype("int64")
    group = (
        long.groupby(names, sort=False)["count"]
        if names
        else long.groupby(np.zeros(len(long), dtype="int64"))["count"]
    )
    long["rate_from_previous"] = _ratio(long["count"], group.shift(1).fillna(0)).where(
        long["_order"] > 0
    )
    long["rate_from_first"] = _ratio(long["count"], group.transform("first"))
    table = long[[*names, "stage", "count", "rate_from_previous", "rate_from_first"]]
    table = table.astype({"stage": "str"})
    rates = ("rate_from_previous", "rate_from_first")
    labels = {"count": _unit_name(unit).capitalize()}
    return _finish(table, title, rates=rates, labels=labels)
