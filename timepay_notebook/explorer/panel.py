"""The live filter panel: `filter_panel(client=None, **filters)` shows a `LogExplorer`.

    >>> panel = tp.filter_panel(campaign_id="LKsfiGVdygfvYFGCdygayhf", type="call")
    >>> panel.wait(); panel.frame          # the current DataFrame
    >>> panel.set_filters(status="Failed")  # or change the widgets

How it stays live without freezing the notebook (see `runner`):

- A change of the widgets schedules a query `debounce` seconds ahead; a further change before
  then replaces it, so typing a number or flicking through a list makes one query.
  `set_filters` and `refresh` query at once.
- Queries run one at a time on a worker thread. Each has a generation number; once a newer
  one is submitted the older is stale: it stops at its next page, and every write to the
  widgets goes through one gate (`_show`) that drops writes from stale generations. So a
  superseded answer is never shown, never becomes `frame`, never reaches `on_change`.
- A query: validate (a `FilterError` is shown without sending anything), a count preview
  (one `count_only` request), then `client.pull` with an `on_page` hook that moves the bar and
  the generation's cancel event (`LatestRunner.cancel_event`), which a newer query sets: the
  stale pull then starts no further request and drops what is in flight.
- Any error is shown in the panel (escaped; our errors never hold the token) and kept in
  `error`; the previous result stays; the next good query clears it.
"""

from __future__ import annotations

import functools
import html
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .._support import Closing, ipython_shell
from ..client import TimePayClient
from ..errors import PullCancelledError, redact_url
from ..filters import normalize_filters
from ..frames import empty_frame
from .controls import FilterControls
from .render import Rendered, describe_error, describe_filters, render
from .runner import LatestRunner
from .view import ResultView, close_tree

__all__ = ["DEBOUNCE", "LogExplorer", "filter_panel"]

DEBOUNCE = 0.5  # seconds of quiet before a widget change is queried
OnChange = Callable[[pd.DataFrame], None]
logger = logging.getLogger(__name__)
_PROGRESS_EVERY = 0.1  # seconds between progress bar updates


class LogExplorer(Closing):
    """A live filter panel over the TimePay logs: widgets that re-query as filters change.

    Args:
        client: the connection to query (a `progress=False` client: the panel has its own bar).
        debounce: seconds without a widget change before querying.
        close_client: close `client` when the panel is closed.
        **filters: the initial filters (as `load_logs` takes them); checked at once, raising
            `FilterError` before any request.

    Attributes:
        widget: the root widget. controls: the filter widgets. view: the result widgets.
    """

    def __init__(
        self,
        client: TimePayClient,
        *,
        debounce: float = DEBOUNCE,
        close_client: bool = False,
        **filters: Any,
    ) -> None:
        params = client.params(**filters)
        self.client = client
        self._shown_in: int | None = None  # the cell in which `filter_panel` displayed it
        self._close_client = close_client
        self._runner: LatestRunner[dict[str, str]] = LatestRunner(self._query, debounce=debounce)
        self._gate = threading.RLock()  # every widget write holds it (see `_show`)
        self._quiet = False  # set_filters is writing the widgets: don't react
        self._frame = empty_frame()
        self._frame_filters: dict[str, str] = {}
        self._error: BaseException | None = None
        self._count: int | None = None
        self._text = ""
        self._callbacks: list[OnChange] = []
        self.controls = FilterControls(client.api_timezone)
        self.view = ResultView()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        title = f"<b>TimePay logs</b> &middot; {html.escape(redact_url(client.base_url))}"
        self.widget = widgets.VBox(
            [widgets.HTML(title), self.controls.widget, self.refresh_button, self.view.widget]
        )
        self.controls.set(params)
        self.controls.observe(self._on_widgets)
        self.refresh_button.on_click(lambda _button: self.refresh())
        self._runner.submit(self.controls.filters(), delay=0)

    # -- what code uses -------------------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        """The latest result (an empty frame with the full schema before the first)."""
        return self._frame

    @property
    def filters(self) -> dict[str, str]:
        """The filters the widgets show, as `load_logs` takes them (unset ones left out)."""
        return self.controls.filters()

    @property
    def error(self) -> BaseException | None:
        """What made the latest query fail (shown in the panel), or None."""
        return self._error

    @property
    def count(self) -> int | None:
        """The latest count preview (`count_only`), or None before the first."""
        return self._count

    @property
    def busy(self) -> bool:
        """True while a query is waiting for its quiet period or running."""
        return self._runner.busy

    def set_filters(self, **filters: Any) -> None:
        """Change the named filters (None or "" clears one) and query at once.

        Raises:
            FilterError: a bad name or value; nothing is changed or sent.
        """
        params = self.client.params(**{**self.filters, **filters})
        with self._gate:
            self._quiet = True
            try:
                self.controls.set(params)
            finally:
                self._quiet = False
            self._submit(delay=0)

    def refresh(self) -> None:
        """Query the current filters again, at once."""
        with self._gate:
            self._submit(delay=0)

    def wait(self, timeout: float | None = None) -> None:
        """Block until no query is pending or running (`TimeoutError` after `timeout` s).

        Errors don't raise here: they are in `error` (and shown in the panel).
        """
        self._runner.wait(timeout)

    def on_change(self, callback: OnChange, *, remove: bool = False) -> OnChange:
        """Call `callback(frame)` with each new result (on the worker thread); returns it.

        A callback that raises is reported in the panel like a failed query.
        """
        if remove:
            self._callbacks.remove(callback)
        else:
            self._callbacks.append(callback)
        return callback

    def close(self) -> None:
        """Stop querying and close the widgets (and the client, if the panel made it)."""
        self._runner.close()
        with self._gate:
            close_tree(self.widget)
        if self._close_client:
            self.client.close()

    # -- display ------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_
        data = dict(bundle(**kwargs) or {}) if callable(bundle) else {}
        data["text/plain"] = repr(self)
        return data

    def _ipython_display_(self) -> None:
        if self._shown_in is not None and self._shown_in == _execution_count():
            return  # `filter_panel` showed it in this very cell: `tp.filter_panel(...)` alone
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)  # type: ignore[no-untyped-call]

    def __repr__(self) -> str:
        state = " (updating)" if self.busy else ""
        state += " (last query failed)" if self._error is not None else ""
        return f"<LogExplorer {len(self._frame):,} logs, {describe_filters(self.filters)}{state}>"

    def __str__(self) -> str:
        """The key numbers as plain text (for `print(panel)` in a report)."""
        lines = [f"TimePay logs: {len(self._frame):,} ({describe_filters(self._frame_filters)})"]
        if self._text:
            lines.append(self._text)
        if self._error is not None:
            lines.append(f"The last query failed: {describe_error(self._error)}")
        return "\n".join(lines)

    # -- the machinery --------------------------------------------------------------------------

    def _on_widgets(self) -> None:
        """A widget changed: query its filters after the quiet period, if they changed."""
        with self._gate:
            if not self._quiet and self.controls.filters() != self._runner.latest:
                self._submit(delay=None)

    def _submit(self, delay: float | None) -> None:
        """Submit the widgets' filters (the gate is held, so no older write can follow)."""
        generation = self._runner.submit(self.controls.filters(), delay=delay)
        self._show(generation, self.view.updating)

    def _show(self, generation: int, write: Callable[[], None]) -> bool:
        """The one gate for widget writes: run `write` only if `generation` is current."""
        with self._gate:
            if not self._runner.is_current(generation):
                return False
            write()
            return True

    def _query(self, generation: int, filters: dict[str, str]) -> None:
        """The worker's job: count (a bad typed value fails there, before any request), pull,
        render, show, notify."""
        show = functools.partial(self._show, generation)
        try:
            if not show(self.view.counting):
                return
            count = self.client.count_logs(**filters)
            if not show(functools.partial(self._counted, count)):
                return
            frame = self._pull(generation, filters, count)
            if frame is None:
                return
            rendered = render(frame)
            if show(functools.partial(self._commit, filters, frame, rendered)):
                self._notify(generation, frame)
        except Exception as error:
            logger.debug("a panel query failed", exc_info=True)
            show(functools.partial(self._fail, error))

    def _pull(self, generation: int, filters: dict[str, str], count: int) -> pd.DataFrame | None:
        """Every page for `filters` as a frame (`client.pull`); None once the query is stale."""
        shown = time.monotonic()

        def on_page(done: int, expected: int) -> None:
            nonlocal shown
            if time.monotonic() - shown >= _PROGRESS_EVERY or done == expected:
                self._show(generation, functools.partial(self.view.advance, done, expected))
                shown = time.monotonic()

        cancel = self._runner.cancel_event(generation)
        try:
            frame = self.client.pull(filters, on_page=on_page, cancel=cancel).frame
        except PullCancelledError:
            return None
        frame.attrs["counted"] = count
        return frame if self._runner.is_current(generation) else None

    def _counted(self, count: int) -> None:
        self._count = count
        self.view.loading(count)

    def _commit(self, filters: dict[str, str], frame: pd.DataFrame, rendered: Rendered) -> None:
        self._frame, self._frame_filters = frame, filters
        self._error = None
        self._text = rendered.text
        self.controls.learn(frame)
        self.view.show(rendered, len(frame), describe_filters(filters))

    def _fail(self, error: BaseException, context: str = "") -> None:
        self._error = error
        self.view.failed(context + describe_error(error))

    def _notify(self, generation: int, frame: pd.DataFrame) -> None:
        """Hand `frame` to the callbacks, while it is still the latest."""
        for callback in list(self._callbacks):
            if not self._runner.is_current(generation):
                return
            try:
                callback(frame)
            except Exception as error:
                logger.debug("an on_change callback failed", exc_info=True)
                name = getattr(callback, "__name__", repr(callback))
                self._show(generation, functools.partial(self._fail, error, f"{name}: "))


def filter_panel(
    client: TimePayClient | None = None, *, debounce: float = DEBOUNCE, **initial_filters: Any
) -> LogExplorer:
    """A live filter panel over the logs, shown at once in Jupyter; returns the `LogExplorer`.

    Args:
        client: the connection; None builds one from the environment (`TIMEPAY_API_TOKEN`,
            `TIMEPAY_BASE_URL`), closed with the panel.
        debounce: seconds without a widget change before querying.
        **initial_filters: as `load_logs` takes them; checked before any request (`FilterError`).
    """
    owned = client is None
    if client is None:
        normalize_filters(initial_filters, options=("client", "debounce"))
        client = TimePayClient(progress=False)
    try:
        panel = LogExplorer(client, debounce=debounce, close_client=owned, **initial_filters)
    except BaseException:
        if owned:
            client.close()
        raise
    if ipython_shell() is not None:  # IPython or Jupyter: where `display` shows things
        from IPython.display import display

        display(panel)  # type: ignore[no-untyped-call]
        panel._shown_in = _execution_count()
    return panel


def _execution_count() -> int | None:
    """The number of the IPython cell running now (None outside IPython)."""
    count = getattr(ipython_shell(), "execution_count", None)
    return count if isinstance(count, int) else None
