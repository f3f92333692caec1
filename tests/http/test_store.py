"""The Parquet store: read_store equals load_logs (dtypes included), layout, merges, other readers."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import timepay_notebook as tp
from timepay_notebook.errors import StoreError, StoreMismatchError
from timepay_notebook.frames import to_frame
from timepay_notebook.sandbox import SandboxServer
from timepay_notebook.schema import SCHEMA
from timepay_notebook.store import files as store_module
from timepay_notebook.store import read_store, sync_logs
from timepay_notebook.store.files import MANIFEST, Manifest, Store
from timepay_notebook.store.spans import to_seconds

CAMPAIGN = "LKsfiGVdygfvYFGCdygayhf"


def fast_client(srv: SandboxServer, url: str | None = None, **kwargs: Any) -> tp.TimePayClient:
    options: dict[str, Any] = {"progress": False, "backoff": 0.01, "cache": False} | kwargs
    return tp.TimePayClient(srv.token, url or srv.url, **options)


def ids(frame: pd.DataFrame) -> list[str]:
    return frame["call_id"].fillna(frame["message_id"]).tolist()


@pytest.fixture(scope="module")
def client(sandbox: SandboxServer) -> Iterator[tp.TimePayClient]:
    with fast_client(sandbox) as c:
        yield c


@pytest.fixture(scope="module")
def synced(
    sandbox: SandboxServer, client: tp.TimePayClient, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The whole default sandbox, synced once (no filters)."""
    path = tmp_path_factory.mktemp("store") / "all"
    sync_logs(path, client=client, window_logs=400)
    return path


READ_CASES: list[dict[str, Any]] = [
    {},
    {"type": "call"},
    {"type": "whatsapp", "status": "Completed"},
    {"disposition": "Promise to Pay"},
    {"from_phone": "+918035450808"},
    {"phone": "8888889956"},
    {"campaign_id": CAMPAIGN, "start_time": "2026-01-01", "end_time": "2026-01-31"},
    {"agent_id": "lGJVyhgvayGDtfsfdfdf"},
    {"start_time": "2026-02-01T10:15:00"},
    {"end_time": "2026-01-17"},
    {"start_time": "2026-01-17T08:00:00", "end_time": "2026-01-17T18:30:59"},
    {"campaign_id": "no-such-campaign"},
    {"start_time": pd.Timestamp("2026-03-01", tz="UTC"), "type": "call"},
]


@pytest.mark.parametrize("filters", READ_CASES, ids=[str(f) for f in READ_CASES])
def test_read_store_equals_load_logs(
    synced: Path, client: tp.TimePayClient, filters: dict[str, Any]
) -> None:
    expected = client.load_logs(**filters)
    frame = read_store(synced, **filters)
    pd.testing.assert_frame_equal(frame, expected)  # values, order, dtypes, categories
    assert frame.attrs["source"] == "store" and frame.attrs["filters"] == expected.attrs["filters"]


def test_read_store_dtypes_are_the_schemas(synced: Path) -> None:
    frame = read_store(synced)
    assert list(frame.columns) == list(SCHEMA)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        c: str(t) for c, t in tp.empty_frame().dtypes.items()
    }
    assert isinstance(frame["extracted_data"].iloc[0], dict)
    assert frame["date"].dtype == "datetime64[us]"


def test_read_store_tz_equals_load_logs_tz(synced: Path, client: tp.TimePayClient) -> None:
    filters = {"type": "call", "start_time": "2026-03-01"}
    pd.testing.assert_frame_equal(
        read_store(synced, tz="UTC", **filters), client.load_logs(tz="UTC", **filters)
    )


def test_read_store_validates_filters_like_load_logs(synced: Path) -> None:
    with pytest.raises(tp.FilterError, match="did you mean 'campaign_id'"):
        read_store(synced, campaign="x")
    with pytest.raises(tp.FilterError, match="after end_time"):
        read_store(synced, start_time="2026-02-02", end_time="2026-02-01")
    with pytest.raises(ValueError, match="time zone"):
        read_store(synced, tz="Mars/Olympus")


def test_a_filtered_store_answers_narrower_reads_and_refuses_others(
    sandbox: SandboxServer, client: tp.TimePayClient, tmp_path: Path
) -> None:
    sync_logs(tmp_path, client=client, campaign_id=CAMPAIGN, start_time="2026-02-01")
    filters = {"campaign_id": CAMPAIGN, "type": "call", "start_time": "2026-02-10"}
    pd.testing.assert_frame_equal(read_store(tmp_path, **filters), client.load_logs(**filters))
    pd.testing.assert_frame_equal(
        read_store(tmp_path, type="whatsapp"),
        client.load_logs(campaign_id=CAMPAIGN, type="whatsapp", start_time="2026-02-01"),
    )
    with pytest.raises(StoreMismatchError, match="cannot answer"):
        read_store(tmp_path, campaign_id="tcELESaJAtDfnWxJvzLU")


def test_reading_before_the_stores_origin_warns(
    sandbox: SandboxServer, client: tp.TimePayClient, tmp_path: Path
) -> None:
    sync_logs(tmp_path, client=client, start_time="2026-03-01")
    with pytest.warns(
        tp.PartialDataWarning, match="does not cover 2026-02-01T00:00:00..2026-02-28T23:59:59"
    ):
        frame = read_store(tmp_path, start_time="2026-02-01")
    assert frame["start_time"].min() >= pd.Timestamp("2026-03-01")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_store(tmp_path)  # the store's own range: no warning
        read_store(tmp_path, start_time="2026-03-05", end_time="2099-01-01")  # after its last sync


def test_layout_is_hive_partitioned_plain_parquet(sandbox: SandboxServer, synced: Path) -> None:
    days = sorted(p.name for p in synced.iterdir() if p.is_dir())
    assert days == sorted({f"date={r['date']}" for r in sandbox.truth()})
    files = sorted(synced.rglob("*"))
    assert [f.name for f in files if f.is_file() and f.parent != synced] == ["logs.parquet"] * len(
        days
    )
    columns = pq.read_schema(synced / "date=2026-01-15" / "logs.parquet").names
    assert "date" not in columns and "start_time" in columns  # the date is the directory
    day = pq.read_table(synced / "date=2026-01-15" / "logs.parquet").to_pandas()
    assert day["start_time"].is_monotonic_decreasing
    assert (day["start_time"].dt.strftime("%Y-%m-%d") == "2026-01-15").all()
    dataset = ds.dataset(synced, format="parquet", partitioning="hive")
    assert dataset.count_rows() == len(read_store(synced))


def test_the_manifest_records_the_filters_coverage_and_no_secret(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    with fast_client(sandbox, sandbox.url.replace("http://", "http://user:secret@")) as c:
        sync_logs(
            tmp_path, client=c, type="call", from_phone="+918035450808", start_time="2026-03-01"
        )
    text = (tmp_path / MANIFEST).read_text()
    manifest = json.loads(text)
    assert manifest["filters"] == {"type": "call", "from_phone": "+918035450808"}
    assert manifest["covered"][0][0] == "2026-03-01T00:00:00"
    assert manifest["origin"] == "2026-03-01T00:00:00"
    assert manifest["overlap_seconds"] == 2 * 86_400
    assert manifest["logs"] == sandbox.count(
        type="call", from_phone="+918035450808", start_time="2026-03-01T00:00:00"
    )
    assert manifest["high_water_mark"] == read_store(tmp_path)["start_time"].max().isoformat()
    assert manifest["source"] == sandbox.url
    for file in tmp_path.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert sandbox.token.encode() not in data and b"secret" not in data, file


def test_duckdb_reads_the_store(synced: Path) -> None:
    import duckdb

    frame = read_store(synced)
    with duckdb.connect() as con:
        sql = (
            f"SELECT date, status, count(*) AS n FROM read_parquet('{synced}/*/*.parquet', "
            "hive_partitioning = true) WHERE type = 'call' GROUP BY ALL ORDER BY date, status"
        )
        got = con.execute(sql).df()
        kinds = dict(con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{synced}/*/*.parquet', hive_partitioning = true))"
        ).fetchall())  # fmt: skip
    calls = frame[frame["type"] == "call"]
    want = calls.groupby(["date", "status"], observed=True).size().reset_index(name="n")
    assert got["n"].tolist() == want["n"].tolist()
    assert got["n"].sum() == len(calls)
    assert kinds["date"] == "DATE" and kinds["start_time"] == "TIMESTAMP"
    assert kinds["duration"] == "BIGINT" and kinds["extracted_data"] == "VARCHAR"


def records(n: int, **changes: Any) -> list[dict[str, Any]]:
    """Call records a second apart on 2026-01-10, newest first, with an extra field or two."""
    out = []
    for i in range(n):
        second = 59 - i
        out.append({
            "call_id": f"c{i}", "date": "2026-01-10", "start_time": f"2026-01-10T10:00:{second:02d}",
            "end_time": f"2026-01-10T10:01:{second:02d}", "status": "Completed", "type": "call",
            "duration": i, "extracted_data": {"promised_amount": i} if i % 2 else {},
            "campaign_id": "A", "attempt": i, "meta": {"k": [i]},
        } | changes)  # fmt: skip
    return out


def new_store(path: Path) -> Store:
    return Store.create(path, Manifest(filters={}, api_timezone="Asia/Kolkata", overlap_seconds=0))


def span(start: str, end: str) -> tuple[int, int]:
    return (to_seconds(start), to_seconds(end))


def test_extra_fields_and_json_round_trip(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    logs = records(6)
    store.write_window(to_frame(logs), span("2026-01-10T00:00:00", "2026-01-10T23:59:59"))
    store.save()
    frame = read_store(tmp_path)
    pd.testing.assert_frame_equal(frame, to_frame(logs))
    assert frame["meta"].tolist() == [{"k": [i]} for i in range(6)]
    assert frame["attempt"].dtype == "int64"


def test_merging_a_window_replaces_its_span_and_deduplicates_by_id(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    first = store.write_window(
        to_frame(records(10)), span("2026-01-10T10:00:00", "2026-01-10T10:00:59")
    )
    assert (first.added, first.updated, first.removed) == (10, 0, 0)
    # the API again for 10:00:52..10:00:55: c4 changed, c5 gone (c6 is outside the span)
    again = [r for r in records(10) if r["call_id"] in ("c4", "c7")]
    again[0] = again[0] | {"status": "Failed"}
    second = store.write_window(to_frame(again), span("2026-01-10T10:00:52", "2026-01-10T10:00:55"))
    assert (second.added, second.updated, second.removed) == (0, 2, 2)  # c5 and c6
    frame = read_store(tmp_path)
    assert ids(frame) == ["c0", "c1", "c2", "c3", "c4", "c7", "c8", "c9"]
    assert frame.set_index("call_id").loc["c4", "status"] == "Failed"
    # a log that moved to another time is not kept twice
    moved = records(1, call_id="c9", start_time="2026-01-10T11:00:00")
    store.write_window(to_frame(moved), span("2026-01-10T11:00:00", "2026-01-10T11:00:00"))
    assert ids(read_store(tmp_path)).count("c9") == 1


def test_a_log_dated_another_day_than_it_started_is_found_and_ordered(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    logs = records(3)
    logs[2] = logs[2] | {"date": "2026-01-11"}  # a UTC date, say, for a late-evening start
    logs.append(records(1, call_id="d", date="2026-01-11", start_time="2026-01-11T09:00:00")[0])
    store.write_window(to_frame(logs), span("2026-01-10T00:00:00", "2026-01-11T23:59:59"))
    assert ids(read_store(tmp_path)) == ["d", "c0", "c1", "c2"]
    assert ids(read_store(tmp_path, end_time="2026-01-10T10:00:57")) == ["c2"]


def test_an_empty_window_removes_what_the_api_no_longer_has(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    store.write_window(to_frame(records(6)), span("2026-01-10T10:00:00", "2026-01-10T10:00:59"))
    gone = store.write_window(tp.empty_frame(), span("2026-01-10T10:00:56", "2026-01-10T10:00:59"))
    assert (gone.added, gone.updated, gone.removed, gone.newest) == (0, 0, 4, None)
    assert ids(read_store(tmp_path)) == ["c4", "c5"]
    store.write_window(tp.empty_frame(), span("2026-01-10T00:00:00", "2026-01-10T23:59:59"))
    assert not (tmp_path / "date=2026-01-10").exists()  # an empty day leaves no file or directory


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store(tmp_path)
    day = span("2026-01-10T00:00:00", "2026-01-10T23:59:59")
    store.write_window(to_frame(records(5)), day)
    before = (tmp_path / "date=2026-01-10" / "logs.parquet").read_bytes()

    def broken(fd: int) -> None:  # the temporary file is written, then the disk fills up
        raise OSError("disk full")

    monkeypatch.setattr(store_module.os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        store.write_window(to_frame(records(8)), day)
    assert (tmp_path / "date=2026-01-10" / "logs.parquet").read_bytes() == before
    assert [p.name for p in (tmp_path / "date=2026-01-10").iterdir()] == ["logs.parquet"]


def test_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a TimePay store"):
        read_store(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="exists and is not a TimePay store"):
        new_store(tmp_path)
    (tmp_path / MANIFEST).write_text('{"format_version": 1, "schema_version": "old"}')
    with pytest.raises(StoreError, match="another logs schema"):
        read_store(tmp_path)


def test_an_empty_store_reads_as_the_full_schema(tmp_path: Path) -> None:
    new_store(tmp_path)
    pd.testing.assert_frame_equal(read_store(tmp_path), tp.empty_frame())
