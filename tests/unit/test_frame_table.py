"""`columnar.from_frame_table`: a frame the frame cache stored reads back in one Arrow conversion,
exactly as `from_table` types it, and declines what only `from_table` can type."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import timepay_notebook as tp
from tests.unit.test_frame_columns import built, crafted
from timepay_notebook.columnar import from_frame_table, from_table
from timepay_notebook.frame_cache import FrameCache
from timepay_notebook.pager import PullReport
from timepay_notebook.protocol import API_TIMEZONE


def frame_of(*, extra: bool, tz: str | None = None) -> pd.DataFrame:
    """The crafted pull's frame (its deliberately bad values warn: not the point here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tp.UnparsedValuesWarning)
        return built(crafted(extra=extra), [250], None, tz).finish()


def stored(tmp_path: Path, frame: pd.DataFrame) -> tuple[FrameCache, pa.Table, list[str]]:
    """`frame` stored by a frame cache in `tmp_path`; the cache, the table and its JSON columns."""
    cache = FrameCache(tmp_path, expire_after=dt.timedelta(days=1))
    cache.store("k", frame, PullReport(total=len(frame)), api_timezone=API_TIMEZONE)
    table = pq.read_table(tmp_path / "k.parquet")
    meta = json.loads(table.schema.metadata[b"timepay_frame"])
    return cache, table.replace_schema_metadata(None), meta["json_columns"]


@pytest.mark.parametrize("tz", [None, "America/New_York"])
def test_a_stored_frame_reads_back_as_from_table_reads_it(tmp_path: Path, tz: str | None) -> None:
    frame = frame_of(extra=False, tz=tz)
    cache, table, json_columns = stored(tmp_path, frame)
    options = {"tz": tz, "api_timezone": API_TIMEZONE, "json_columns": json_columns}
    fast = from_frame_table(table, **options)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, from_table(table, **options)[table.column_names])
    hit = cache.lookup("k", tz=tz, api_timezone=API_TIMEZONE)
    assert hit is not None
    pd.testing.assert_frame_equal(hit.frame, frame, check_flags=False)


def test_what_only_from_table_types_is_declined(tmp_path: Path) -> None:
    with_extra = frame_of(extra=True)
    cache, table, json_columns = stored(tmp_path, with_extra)
    options = {"tz": None, "api_timezone": API_TIMEZONE, "json_columns": json_columns}
    assert "button_clicked" in table.column_names
    assert from_frame_table(table, **options) is None  # an extra column
    hit = cache.lookup("k", tz=None, api_timezone=API_TIMEZONE)
    assert hit is not None  # read the slow way, the same frame
    pd.testing.assert_frame_equal(hit.frame, with_extra, check_flags=False)

    plain = frame_of(extra=False)
    _, table, json_columns = stored(tmp_path, plain)
    options["json_columns"] = json_columns
    status = table.column("status").chunk(0)
    reversed_dictionary = pa.DictionaryArray.from_arrays(
        pa.compute.subtract(pa.scalar(len(status.dictionary) - 1, pa.int32()), status.indices),
        status.dictionary[::-1],
    )
    unsorted = table.set_column(
        table.column_names.index("status"), "status", pa.chunked_array([reversed_dictionary])
    )
    assert from_frame_table(unsorted, **options) is None  # categories not sorted
    assert from_frame_table(table.slice(0, 0), **options) is None  # no rows
