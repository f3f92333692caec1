"""The Parquet store synced from the sandbox: read_store equals load_logs, layout, other readers."""

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
from tests.helpers import fast_client
from timepay_notebook.errors import StoreMismatchError
from timepay_notebook.sandbox import SandboxServer
from timepay_notebook.schema import SCHEMA
from timepay_notebook.store import read_store, sync_logs
from timepay_notebook.store.files import MANIFEST

CAMPAIGN = "LKsfiGVdygfvYFGCdygayhf"


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
    with fast_client(sandbox, url=sandbox.url.replace("http://", "http://user:secret@")) as c:
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
        kinds = dict(
            con.execute(
                f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{synced}/*/*.parquet', hive_partitioning = true))"
            ).fetchall()
        )
    calls = frame[frame["type"] == "call"]
    want = calls.groupby(["date", "status"], observed=True).size().reset_index(name="n")
    assert got["n"].tolist() == want["n"].tolist()
    assert got["n"].sum() == len(calls)
    assert kinds["date"] == "DATE" and kinds["start_time"] == "TIMESTAMP"
    assert kinds["duration"] == "BIGINT" and kinds["extracted_data"] == "VARCHAR"
