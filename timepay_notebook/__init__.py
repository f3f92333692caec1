"""timepay-notebook: TimePay call and WhatsApp logs as typed pandas DataFrames.

    >>> import timepay_notebook as tp
    >>> df = tp.load_logs(campaign_id="...", start_time="2026-01-01", end_time="2026-01-31")

The sandbox API server lives in `timepay_notebook.sandbox`.
"""

from importlib import metadata as _metadata

from . import accessor as _accessor  # noqa: F401 - registers df.timepay
from .client import TimePayClient, count_logs, load_logs
from .connect import connect
from .errors import (
    APIError,
    AuthenticationError,
    CountMismatchWarning,
    FilterError,
    IncompletePullError,
    NetworkError,
    PagingGuardWarning,
    PartialDataWarning,
    RateLimitError,
    StaleCacheWarning,
    TimePayError,
    TimePayWarning,
    UnparsedValuesWarning,
)
from .filters import FILTERS
from .frames import empty_frame, to_frame
from .schema import SCHEMA

try:
    __version__ = _metadata.version("timepay-notebook")
except _metadata.PackageNotFoundError:  # pragma: no cover - a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "FILTERS",
    "SCHEMA",
    "APIError",
    "AuthenticationError",
    "CountMismatchWarning",
    "FilterError",
    "IncompletePullError",
    "NetworkError",
    "PagingGuardWarning",
    "PartialDataWarning",
    "RateLimitError",
    "StaleCacheWarning",
    "TimePayClient",
    "TimePayError",
    "TimePayWarning",
    "UnparsedValuesWarning",
    "__version__",
    "connect",
    "count_logs",
    "empty_frame",
    "load_logs",
    "to_frame",
]
