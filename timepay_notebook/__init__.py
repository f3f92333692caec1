"""timepay-notebook: TimePay call and WhatsApp logs as typed pandas DataFrames.

The sandbox API server lives in `timepay_notebook.sandbox`.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("timepay-notebook")
except _metadata.PackageNotFoundError:  # pragma: no cover - a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
