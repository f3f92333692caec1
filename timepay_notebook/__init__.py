"""timepay-notebook: TimePay call and WhatsApp logs as typed pandas DataFrames.

    >>> import timepay_notebook as tp
    >>> df = tp.load_logs(campaign_id="...", start_time="2026-01-01", end_time="2026-01-31")

The sandbox API server lives in `timepay_notebook.sandbox`.
"""

from importlib import metadata as _metadata
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from . import accessor as _accessor  # noqa: F401 - registers df.timepay
from .client import TimePayClient, count_logs, load_logs
from .connect import connect
from .errors import (
    APIError,
    AuthenticationError,
    CacheWarning,
    CountMismatchWarning,
    FilterError,
    IncompletePullError,
    IncompleteSyncError,
    NetworkError,
    PagingGuardWarning,
    PartialDataWarning,
    PullCancelledError,
    RateLimitError,
    ReportError,
    StaleCacheWarning,
    StoreError,
    StoreMismatchError,
    SyncCancelledError,
    TimePayError,
    TimePayWarning,
    UnknownValueWarning,
    UnparsedValuesWarning,
)
from .frames import empty_frame, to_frame
from .protocol import FILTERS
from .schema import SCHEMA
from .store import SyncResult, query_store, read_store, sync_logs

if _TYPE_CHECKING:
    from .explorer import LogExplorer, filter_panel


def __getattr__(name: str) -> _Any:
    """The explorer loads ipywidgets and matplotlib: import it on first use only."""
    if name in ("LogExplorer", "filter_panel"):
        from . import explorer

        return getattr(explorer, name)
    raise AttributeError(f"module 'timepay_notebook' has no attribute {name!r}")


try:
    __version__ = _metadata.version("timepay-notebook")
except _metadata.PackageNotFoundError:  # pragma: no cover - a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "FILTERS",
    "SCHEMA",
    "APIError",
    "AuthenticationError",
    "CacheWarning",
    "CountMismatchWarning",
    "FilterError",
    "IncompletePullError",
    "IncompleteSyncError",
    "LogExplorer",
    "NetworkError",
    "PagingGuardWarning",
    "PartialDataWarning",
    "PullCancelledError",
    "RateLimitError",
    "ReportError",
    "StaleCacheWarning",
    "StoreError",
    "StoreMismatchError",
    "SyncCancelledError",
    "SyncResult",
    "TimePayClient",
    "TimePayError",
    "TimePayWarning",
    "UnknownValueWarning",
    "UnparsedValuesWarning",
    "__version__",
    "connect",
    "count_logs",
    "empty_frame",
    "filter_panel",
    "load_logs",
    "query_store",
    "read_store",
    "sync_logs",
    "to_frame",
]
