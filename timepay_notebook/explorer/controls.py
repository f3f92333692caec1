"""The log explorer's filter controls: widgets in, the filters `load_logs` takes out.

Text filters are `Combobox`es: they offer the values seen in the data so far and accept any
value typed in. `(all)` or an empty box means unfiltered. Campaigns are offered by name (the
id is what is sent; a typed id works too). Dates are `DatePicker`s: the start date is sent as
the start of that day, the end date as its end; an exact time set from code is kept until the
picker's date is changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import ipywidgets as widgets
import pandas as pd

from ..filters import format_time
from ..outcomes import DISPOSITION_ORDER, STATUSES
from ..protocol import FILTERS, TYPES

__all__ = ["UNFILTERED", "FilterControls", "TimeControl"]

UNFILTERED = "(all)"
MAX_OPTIONS = 500  # per box: a dropdown longer than this helps nobody
_ORDER = {name: i for i, name in enumerate([*STATUSES, *DISPOSITION_ORDER])}
_DAY_BOUNDS = {"start_time": "00:00:00", "end_time": "23:59:59"}
_LEARNED = {
    "status": "status",
    "disposition": "disposition",
    "agent_id": "agent_id",
    "from_phone": "from",
}


class TimeControl:
    """A `DatePicker` for `start_time` or `end_time`."""

    def __init__(self, name: str, description: str, api_timezone: str) -> None:
        self.name = name
        self.picker = widgets.DatePicker(description=description, **_look())
        self._zone = ZoneInfo(api_timezone)
        self._exact: str | None = None  # a time of day set from code, "YYYY-MM-DDTHH:MM:SS"
        self.picker.observe(self._forget_exact, names="value")

    def set(self, value: object) -> None:
        """Show `value` (anything `load_logs` takes, or None); raises `FilterError`."""
        if value is None or value == "":
            self._exact = None
            self.picker.value = None
            return
        wire = format_time(self.name, value, self._zone)
        self._exact = None if wire[11:] == _DAY_BOUNDS[self.name] else wire
        self.picker.value = dt.date.fromisoformat(wire[:10])

    def _forget_exact(self, change: Mapping[str, Any]) -> None:
        """Another date was picked: the exact time set from code no longer applies."""
        if self._exact is not None and change["new"] != dt.date.fromisoformat(self._exact[:10]):
            self._exact = None

    def value(self) -> str | None:
        """The filter value: the picked date (`YYYY-MM-DD`), the exact time, or None."""
        day = self.picker.value
        if day is None:
            return None
        if self._exact is not None:
            return self._exact
        return str(day.isoformat())


class FilterControls:
    """The widgets for the nine filters, and what they mean as `load_logs` filters."""

    def __init__(self, api_timezone: str) -> None:
        self.type = _Combo("Type", [UNFILTERED, *TYPES])
        self.status = _Combo("Status")
        self.disposition = _Combo("Disposition")
        self.campaign = _Combo("Campaign")
        self.agent = _Combo("Agent")
        self.phone = widgets.Text(description="Customer", placeholder=UNFILTERED, **_look())
        self.from_phone = _Combo("Caller")
        self.start = TimeControl("start_time", "From date", api_timezone)
        self.end = TimeControl("end_time", "To date", api_timezone)
        self._names: dict[str, str] = {}  # campaign id -> name
        self._labels: dict[str, str] = {}  # label shown -> campaign id
        self._seen: dict[str, set[str]] = {name: set() for name in _LEARNED}
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.type.widget, self.status.widget, self.disposition.widget]),
                widgets.HBox([self.campaign.widget, self.agent.widget]),
                widgets.HBox([self.phone, self.from_phone.widget]),
                widgets.HBox([self.start.picker, self.end.picker]),
            ]
        )

    @property
    def _texts(self) -> dict[str, Any]:
        """Filter name -> its text widget (campaign excluded: it maps labels to ids)."""
        return {
            "type": self.type.widget,
            "status": self.status.widget,
            "disposition": self.disposition.widget,
            "agent_id": self.agent.widget,
            "phone": self.phone,
            "from_phone": self.from_phone.widget,
        }

    def all_widgets(self) -> list[Any]:
        """Every widget whose value is a filter."""
        return [*self._texts.values(), self.campaign.widget, self.start.picker, self.end.picker]

    def filters(self) -> dict[str, str]:
        """The filters the widgets show, unvalidated (typed text is taken as is, trimmed)."""
        values = {name: _typed(w.value) for name, w in self._texts.items()}
        campaign = _typed(self.campaign.widget.value)
        values["campaign_id"] = self._labels.get(campaign, campaign) if campaign else None
        values["start_time"] = self.start.value()
        values["end_time"] = self.end.value()
        return {name: value for name in FILTERS if (value := values.get(name))}

    def set(self, params: Mapping[str, str]) -> None:
        """Show `params` (validated query parameters); filters not in it are cleared."""
        for name, widget in self._texts.items():
            widget.value = params.get(name, "")
        campaign = params.get("campaign_id", "")
        self.campaign.widget.value = self._label(campaign) if campaign else ""
        self.start.set(params.get("start_time"))
        self.end.set(params.get("end_time"))

    def learn(self, frame: pd.DataFrame) -> None:
        """Offer the values in `frame` (added to those seen before) in the boxes."""
        for name, column in _LEARNED.items():
            if column in frame.columns:
                self._seen[name] |= _distinct(frame[column])
        self.status.offer(self._seen["status"])
        self.disposition.offer(self._seen["disposition"])
        self.agent.offer(self._seen["agent_id"])
        self.from_phone.offer(self._seen["from_phone"])
        if {"campaign_id", "campaign_name"} <= set(frame.columns):
            self._learn_campaigns(frame[["campaign_id", "campaign_name"]])

    def _learn_campaigns(self, pairs: pd.DataFrame) -> None:
        names = dict(self._names)
        for cid, name in pairs.dropna().drop_duplicates().itertuples(index=False):
            names[str(cid)] = str(name)
        counts = pd.Series(list(names.values())).value_counts()
        labels = {
            (name if counts[name] == 1 else f"{name} ({cid})"): cid for cid, name in names.items()
        }
        self._names, self._labels = names, labels
        self.campaign.offer(labels)
        shown = self.campaign.widget.value
        if shown in names:  # a raw id set earlier: show its name now that it is known
            self.campaign.widget.value = self._label(shown)

    def _label(self, campaign_id: str) -> str:
        for label, cid in self._labels.items():
            if cid == campaign_id:
                return label
        return campaign_id

    def observe(self, handler: Callable[[], None]) -> None:
        """Call `handler()` whenever a filter widget's value changes."""
        for widget in self.all_widgets():
            widget.observe(lambda _change: handler(), names="value")


def _look() -> dict[str, Any]:
    """Size and label width of a control (a new `Layout` each: widgets must not share one)."""
    return {"style": {"description_width": "80px"}, "layout": widgets.Layout(width="270px")}


class _Combo:
    """A `Combobox` whose options are `(all)` and the values seen, in a sensible order."""

    def __init__(self, description: str, options: list[str] | None = None) -> None:
        self.widget = widgets.Combobox(
            description=description,
            options=options or [UNFILTERED],
            placeholder=UNFILTERED,
            ensure_option=False,
            **_look(),
        )

    def offer(self, values: Iterable[str]) -> None:
        """Offer `values` after `(all)`: statuses and dispositions in the API's order, the
        rest alphabetically."""
        ranked = sorted(values, key=lambda v: (_ORDER.get(v, len(_ORDER)), v))
        options = [UNFILTERED, *ranked[:MAX_OPTIONS]]
        if list(self.widget.options) != options:
            self.widget.options = options


def _typed(value: object) -> str | None:
    text = str(value or "").strip()
    return None if text in ("", UNFILTERED) else text


def _distinct(series: pd.Series) -> set[str]:
    return {str(v) for v in series.dropna().unique()}
