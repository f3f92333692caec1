"""Damaged store files (issue 15, item 7): a deleted or truncated day file is named in a
`StoreError` with the command that repairs it, and a sync fetches exactly that day again."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import timepay_notebook as tp
from tests.helpers import fast_client
from timepay_notebook.cli import main
from timepay_notebook.errors import StoreError
from timepay_notebook.sandbox import SandboxServer
from timepay_notebook.store.files import MANIFEST


@pytest.fixture(scope="module")
def srv() -> Iterator[SandboxServer]:
    with SandboxServer(n_logs=1200, seed=11) as server:
        yield server


@pytest.fixture(scope="module")
def reference(srv: SandboxServer) -> pd.DataFrame:
    with fast_client(srv) as client:
        return client.load_logs()


@pytest.fixture
def store(srv: SandboxServer, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    with fast_client(srv) as client:
        tp.sync_logs(path, client=client, window_logs=300)
    return path


def a_day(store: Path) -> tuple[str, Path, int]:
    """A day in the middle of the store: its key, its file, its rows."""
    files = sorted(store.glob("date=*/logs.parquet"))
    file = files[len(files) // 2]
    return file.parent.name.removeprefix("date="), file, pq.read_metadata(file).num_rows


def sync_again(srv: SandboxServer, store: Path, **options: bool) -> tp.SyncResult:
    srv.reset_stats()
    with fast_client(srv) as client:
        return tp.sync_logs(store, client=client, window_logs=300, **options)


def assert_whole(store: Path, reference: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no PartialDataWarning: nothing is missing
        frame = tp.read_store(store)
    pd.testing.assert_frame_equal(frame, reference)


def test_the_manifest_records_each_day_file(store: Path) -> None:
    manifest = json.loads((store / MANIFEST).read_text())
    on_disk = {p.parent.name.removeprefix("date="): p for p in store.glob("date=*/logs.parquet")}
    assert manifest["files"].keys() == on_disk.keys()
    for key, info in manifest["files"].items():
        assert info["rows"] == pq.read_metadata(on_disk[key]).num_rows
        assert info["bytes"] == on_disk[key].stat().st_size
        assert info["first"].startswith(key) and info["last"].startswith(key)


def test_a_deleted_day_is_named_and_a_repair_fetches_exactly_that_day(
    srv: SandboxServer, store: Path, reference: pd.DataFrame
) -> None:
    key, file, rows = a_day(store)
    file.unlink()

    with pytest.raises(StoreError) as raised:
        tp.read_store(store)
    message = str(raised.value)
    assert f"{file} is missing" in message
    assert "repair=True" in message and "timepay-notebook sync PATH --repair" in message
    with pytest.raises(StoreError, match="is missing"):
        tp.query_store(store, "SELECT count(*) FROM logs")

    result = sync_again(srv, store, repair=True)
    assert result.repaired == [key]
    assert result.added == rows  # that day's logs, and nothing else new
    assert result.page_requests == math.ceil(rows / 10)
    times = {(r.params.get("start_time"), r.params.get("end_time")) for r in srv.request_log}
    fetched = {t for t in times if t[0] is not None and t[0][:10] == t[1][:10] == key}
    assert fetched, times  # the pages asked for that day only
    assert "repaired 1 damaged day" in result.summary()
    assert_whole(store, reference)


def test_a_truncated_day_is_named_and_the_next_sync_repairs_it(
    srv: SandboxServer, store: Path, reference: pd.DataFrame
) -> None:
    key, file, rows = a_day(store)
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])

    with pytest.raises(StoreError) as raised:
        tp.read_store(store)
    assert f"{file} is unreadable" in str(raised.value)
    assert "--repair" in str(raised.value)

    result = sync_again(srv, store)  # no repair=True: a sync repairs what it finds anyway
    assert result.repaired == [key]
    assert result.added == rows
    assert_whole(store, reference)


def test_a_store_without_file_records_names_a_truncated_file_and_gets_them(
    srv: SandboxServer, store: Path, reference: pd.DataFrame
) -> None:
    manifest = json.loads((store / MANIFEST).read_text())
    del manifest["files"]  # as written before files were recorded
    (store / MANIFEST).write_text(json.dumps(manifest))
    key, file, rows = a_day(store)
    file.write_bytes(file.read_bytes()[:100])

    with pytest.raises(StoreError, match=f"{file} is unreadable"):
        tp.read_store(store)
    result = sync_again(srv, store)
    assert result.repaired == [key] and result.added == rows
    assert_whole(store, reference)
    recorded = json.loads((store / MANIFEST).read_text())["files"]
    assert recorded.keys() == {p.parent.name[5:] for p in store.glob("date=*/logs.parquet")}


def test_repair_reads_every_file_in_full(
    srv: SandboxServer, store: Path, reference: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    """Damage inside a file that keeps its size and its footer is found by `--repair`."""
    key, file, rows = a_day(store)
    data = bytearray(file.read_bytes())
    data[4:200] = b"\xff" * 196  # the first column's pages, not the footer
    file.write_bytes(bytes(data))
    assert pq.read_metadata(file).num_rows == rows  # the footer still reads

    assert (
        main(
            [
                "sync",
                str(store),
                "--token",
                srv.token,
                "--base-url",
                srv.url,
                "--window-logs",
                "300",
                "--repair",
            ]
        )
        == 0
    )
    assert_whole(store, reference)
    assert f"{rows:,} new logs" in capsys.readouterr().out
    assert json.loads((store / MANIFEST).read_text())["files"][key]["rows"] == rows


def test_damage_a_plain_sync_meets_is_named_not_a_raw_arrow_error(
    srv: SandboxServer, store: Path, reference: pd.DataFrame
) -> None:
    """The newest day (in the overlap a sync reads again), damaged without changing its size."""
    newest = sorted(store.glob("date=*/logs.parquet"))[-1]
    newest.write_bytes(b"x" * newest.stat().st_size)
    with pytest.raises(StoreError) as raised:
        sync_again(srv, store)
    assert f"{newest} is unreadable" in str(raised.value) and "--repair" in str(raised.value)
    result = sync_again(srv, store, repair=True)
    assert result.repaired == [newest.parent.name.removeprefix("date=")]
    assert_whole(store, reference)
