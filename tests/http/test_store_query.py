"""Reading part of a store: `read_store(columns=, where=)` pushed down, and `query_store` SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import timepay_notebook as tp
from timepay_notebook.sandbox import SandboxServer


@pytest.fixture(scope="module")
def client(sandbox: SandboxServer) -> Iterator[tp.TimePayClient]:
    with tp.TimePayClient(sandbox.token, sandbox.url, cache=False, progress=False) as c:
        yield c


@pytest.fixture(scope="module")
def synced(client: tp.TimePayClient, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("query") / "store"
    tp.sync_logs(path, client=client, window_logs=500)
    return path


@pytest.fixture(scope="module")
def whole(synced: Path) -> pd.DataFrame:
    return tp.read_store(synced)


def test_columns_are_the_frames_columns_typed_alike(synced: Path, whole: pd.DataFrame) -> None:
    frame = tp.read_store(synced, columns=["status", "start_time", "duration"], type="call")
    expected = whole[whole["type"] == "call"][["status", "start_time", "duration"]]
    pd.testing.assert_frame_equal(frame, expected.reset_index(drop=True))


def test_columns_are_checked(synced: Path, whole: pd.DataFrame) -> None:
    frame = tp.read_store(synced, columns=["call_id"])
    assert list(frame.columns) == ["call_id"] and len(frame) == len(whole)
    with pytest.raises(ValueError, match=r"no column \['no_such_column'\]"):
        tp.read_store(synced, columns=["no_such_column"])
    with pytest.raises(TypeError, match="list of column names"):
        tp.read_store(synced, columns="status")


def test_where_on_date_reads_only_those_days(synced: Path, whole: pd.DataFrame) -> None:
    march = pc.field("date") >= dt.date(2026, 3, 1)
    frame = tp.read_store(synced, where=march)
    expected = whole[whole["date"] >= pd.Timestamp("2026-03-01")].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected, check_categorical=False)
    assert 0 < len(frame) < len(whole)


def test_where_skips_the_other_days_files(synced: Path) -> None:
    """A file outside the `date` filter is never opened: damage it, the read still works."""
    days = sorted(synced.glob("date=*/logs.parquet"))
    oldest = days[0]
    saved = oldest.read_bytes()
    try:
        oldest.write_bytes(b"x" * len(saved))  # same size: only reading it finds the damage
        newest_day = dt.date.fromisoformat(days[-1].parent.name[5:])
        frame = tp.read_store(synced, where=pc.field("date") == newest_day)
        assert len(frame) == pq.read_metadata(days[-1]).num_rows
        with pytest.raises(tp.StoreError, match="unreadable"):
            tp.read_store(synced)
    finally:
        oldest.write_bytes(saved)


def test_where_on_a_column_matches_pandas(synced: Path, whole: pd.DataFrame) -> None:
    frame = tp.read_store(synced, where=pc.field("duration") > 100, type="call")
    expected = whole[(whole["type"] == "call") & (whole["duration"] > 100)]
    pd.testing.assert_frame_equal(frame, expected.reset_index(drop=True), check_categorical=False)
    with pytest.raises(TypeError, match=r"pyarrow\.compute expression"):
        tp.read_store(synced, where="duration > 100")  # type: ignore[arg-type]


def test_query_store_counts_like_read_store(synced: Path, whole: pd.DataFrame) -> None:
    counts = tp.query_store(
        synced, "SELECT status, count(*) AS n FROM logs GROUP BY status ORDER BY status"
    )
    expected = whole["status"].value_counts().sort_index()
    assert counts["status"].tolist() == expected.index.tolist()
    assert counts["n"].tolist() == expected.tolist()
    assert isinstance(counts["status"].dtype, pd.CategoricalDtype)


def test_query_store_rows_are_typed_like_read_store(synced: Path, whole: pd.DataFrame) -> None:
    rows = tp.query_store(
        synced,
        "SELECT * FROM logs WHERE date >= DATE '2026-03-01' "
        "ORDER BY start_time DESC, coalesce(call_id, message_id)",
    )
    march = whole[whole["date"] >= pd.Timestamp("2026-03-01")]
    expected = march.assign(key=march["call_id"].fillna(march["message_id"]))
    expected = expected.sort_values(["start_time", "key"], ascending=[False, True])
    expected = expected.drop(columns="key").reset_index(drop=True)
    assert list(rows.columns) == list(whole.columns)
    assert rows.dtypes.astype(str).tolist() == whole.dtypes.astype(str).tolist()
    pd.testing.assert_frame_equal(rows, expected, check_categorical=False)


def test_query_store_of_an_empty_store_and_bad_input(tmp_path: Path) -> None:
    from timepay_notebook.store.files import Store
    from timepay_notebook.store.manifest import Manifest

    manifest = Manifest(filters={}, api_timezone="Asia/Kolkata", overlap_seconds=0)
    Store.create(tmp_path / "empty", manifest)
    counted = tp.query_store(tmp_path / "empty", "SELECT count(*) AS n FROM logs")
    assert counted["n"].tolist() == [0]
    with pytest.raises(ValueError, match="sql must be a query"):
        tp.query_store(tmp_path / "empty", "  ")
    with pytest.raises(tp.StoreError, match="not a TimePay store"):
        tp.query_store(tmp_path / "nowhere", "SELECT 1")
