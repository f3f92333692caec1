"""The `.timepay` DataFrame accessor, registered when `timepay_notebook` is imported.

    >>> import timepay_notebook as tp
    >>> df.timepay.kpis(by="campaign_name")      # rates as fractions; shown as percentages
    >>> df.timepay.disposition_summary(by="type")
    >>> df.timepay.compare("agent_id", adjust_for="campaign_id")  # fair, with intervals
    >>> df.timepay.contact_grid()                # calls by weekday x hour
    >>> df.timepay.promises()                    # kept / broken / pending / superseded
    >>> df.timepay.by_attempt()                  # contact rate by attempt number
    >>> df.timepay.compliance()                  # calls that broke the contact policy
    >>> df.timepay.funnel()                      # attempted -> connected -> ... -> kept
    >>> df.timepay.mask_pii()                    # for reports that get shared
    >>> df.timepay.plot.daily()

The accessor only checks columns and delegates: summaries are in `summaries`, promises in
`promises`, attempt sequences in `attempts`, the contact policy in `compliance`, funnels in
`funnel`, masking in `masking`, presentation in `presentation`, plots in `plots`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._docs import same_doc
from .attempts import DEFAULT_MAX_ATTEMPT, attempts_to_contact, by_attempt
from .compare import MIN_N
from .compliance import (
    DEFAULT_CALL_WINDOW,
    DEFAULT_MAX_PER_DAY,
    DEFAULT_SUPPRESS_AFTER,
    compliance,
)
from .funnel import funnel, whatsapp_funnel
from .intervals import DEFAULT_CI
from .masking import mask_pii
from .presentation import style
from .promises import DEFAULT_GRACE_DAYS
from .summaries import (
    REQUIRED,
    Keys,
    attempts_per_loan,
    by_hour,
    by_weekday,
    compare,
    contact_grid,
    daily,
    disposition_summary,
    duration_summary,
    extracted,
    kpis,
    promise_summary,
    promises,
)
from .timing import MIN_ATTEMPTS

if TYPE_CHECKING:
    from pathlib import Path

    from pandas.io.formats.style import Styler

    from .excel import Tables
    from .plots import Plots

__all__ = ["TimePayAccessor"]


@pd.api.extensions.register_dataframe_accessor("timepay")
class TimePayAccessor:
    """`df.timepay`: summaries, KPIs, masking and plots of a TimePay logs frame.

    Built anew on every `df.timepay` access: it only checks the columns and keeps the frame.
    Every method returns a new object and leaves the frame unchanged.

    Raises:
        AttributeError: the frame lacks `status` or `disposition`.
    """

    __slots__ = ("_frame",)

    def __init__(self, frame: pd.DataFrame) -> None:
        missing = [name for name in REQUIRED if name not in frame.columns]
        if missing:
            raise AttributeError(
                f".timepay needs the columns {', '.join(map(repr, REQUIRED))} of a TimePay "
                f"logs frame; this frame lacks {', '.join(map(repr, missing))}"
            )
        self._frame = frame

    @same_doc(disposition_summary)
    def disposition_summary(self, by: Keys = None) -> pd.DataFrame:
        return disposition_summary(self._frame, by)

    @same_doc(duration_summary)
    def duration_summary(self, by: Keys = None) -> pd.DataFrame:
        return duration_summary(self._frame, by)

    @same_doc(kpis)
    def kpis(self, by: Keys = None) -> pd.DataFrame:
        return kpis(self._frame, by)

    @same_doc(by_hour)
    def by_hour(
        self,
        by: Keys = None,
        channel: str | None = "call",
        min_attempts: int = MIN_ATTEMPTS,
        ci: float = DEFAULT_CI,
    ) -> pd.DataFrame:
        return by_hour(self._frame, by, channel, min_attempts, ci)

    @same_doc(by_weekday)
    def by_weekday(
        self,
        by: Keys = None,
        channel: str | None = "call",
        min_attempts: int = MIN_ATTEMPTS,
        ci: float = DEFAULT_CI,
    ) -> pd.DataFrame:
        return by_weekday(self._frame, by, channel, min_attempts, ci)

    @same_doc(contact_grid)
    def contact_grid(
        self,
        channel: str | None = "call",
        metric: str = "contact_rate",
        min_attempts: int = MIN_ATTEMPTS,
        ci: float = DEFAULT_CI,
    ) -> pd.DataFrame:
        return contact_grid(self._frame, channel, metric, min_attempts, ci)

    @same_doc(compare)
    def compare(
        self,
        by: Keys,
        metric: str = "contact_rate",
        adjust_for: Keys = None,
        ci: float = DEFAULT_CI,
        min_n: int = MIN_N,
        channel: str | None = "call",
    ) -> pd.DataFrame:
        return compare(self._frame, by, metric, adjust_for, ci, min_n, channel)

    @same_doc(promises)
    def promises(
        self,
        as_of: Any = None,
        grace_days: int = DEFAULT_GRACE_DAYS,
        payments: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        return promises(self._frame, as_of, grace_days, payments)

    @same_doc(promise_summary)
    def promise_summary(
        self,
        by: Keys = None,
        as_of: Any = None,
        grace_days: int = DEFAULT_GRACE_DAYS,
        payments: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        return promise_summary(self._frame, by, as_of, grace_days, payments)

    @same_doc(compliance)
    def compliance(
        self,
        call_window: tuple[str, str] | None = DEFAULT_CALL_WINDOW,
        max_per_day: int | None = DEFAULT_MAX_PER_DAY,
        max_per_week: int | None = None,
        suppress_after: Sequence[str] | None = DEFAULT_SUPPRESS_AFTER,
        channel: str | None = "call",
    ) -> pd.DataFrame:
        return compliance(
            self._frame, call_window, max_per_day, max_per_week, suppress_after, channel
        )

    @same_doc(funnel)
    def funnel(
        self, unit: str | None = "loan_id", channel: str | None = None, by: Keys = None
    ) -> pd.DataFrame:
        return funnel(self._frame, unit, channel, by)

    @same_doc(whatsapp_funnel)
    def whatsapp_funnel(self, unit: str | None = "loan_id", by: Keys = None) -> pd.DataFrame:
        return whatsapp_funnel(self._frame, unit, by)

    @same_doc(by_attempt)
    def by_attempt(
        self,
        channel: str | None = "call",
        unit: str = "loan_id",
        max_attempt: int = DEFAULT_MAX_ATTEMPT,
        by: Keys = None,
        ci: float = DEFAULT_CI,
    ) -> pd.DataFrame:
        return by_attempt(self._frame, channel, unit, max_attempt, by, ci)

    @same_doc(attempts_to_contact)
    def attempts_to_contact(
        self, channel: str | None = "call", unit: str = "loan_id"
    ) -> pd.DataFrame:
        return attempts_to_contact(self._frame, channel, unit)

    @same_doc(attempts_per_loan)
    def attempts_per_loan(self, by: Keys = None) -> pd.DataFrame:
        return attempts_per_loan(self._frame, by)

    @same_doc(daily)
    def daily(self, by: Keys = None) -> pd.DataFrame:
        return daily(self._frame, by)

    @same_doc(extracted)
    def extracted(self) -> pd.DataFrame:
        return extracted(self._frame)

    @same_doc(mask_pii)
    def mask_pii(self, key: str | bytes | None = None) -> pd.DataFrame:
        return mask_pii(self._frame, key)

    @same_doc(style)
    def style(self, table: pd.DataFrame) -> Styler:
        return style(table)

    def to_excel(self, path: str | Path, tables: Tables = None) -> Path:
        """Summaries of this frame as an .xlsx workbook, one formatted sheet per table.

        See `timepay_notebook.excel.to_excel` (tables: None for KPIs, Dispositions, Hours and
        Agents; some of those names; or sheet name -> DataFrame).
        """
        from .excel import to_excel  # openpyxl is imported on first use only

        return to_excel(self._frame, path, tables)

    @property
    def plot(self) -> Plots:
        """Plots of this frame: `df.timepay.plot.daily()` and the rest (see `plots`)."""
        from .plots import Plots  # matplotlib is imported on first use only

        return Plots(self._frame)
