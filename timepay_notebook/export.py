"""Writing a logs frame to Parquet or CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .columnar import json_text


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write `frame` to `path` (`.parquet` or `.csv`); dict and list cells become JSON text."""
    path = Path(path)
    out = frame.copy(deep=False)
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].map(_json_cell).astype("str")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        out.to_parquet(path, index=False)
    elif suffix == ".csv":
        out.to_csv(path, index=False)
    else:
        raise ValueError(f"can write .parquet or .csv, not {path.name!r}")
    return path


def _json_cell(value: object) -> str | None:
    """Text as it is; dicts, lists and other values as JSON; missing stays missing."""
    return value if isinstance(value, str) else json_text(value)
