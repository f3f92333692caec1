"""The Parquet store's files without a server: merges, extra fields, failed writes, bad stores."""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import timepay_notebook as tp
from tests.helpers import ids
from timepay_notebook.columnar import NULL_PARTITION, partition_keys, store_table, to_table
from timepay_notebook.errors import StoreError
from timepay_notebook.frames import FrameBuilder, to_frame
from timepay_notebook.protocol import ID_FIELDS
from timepay_notebook.schema import CATEGORY, SCHEMA
from timepay_notebook.store import files as store_module
from timepay_notebook.store import read_store
from timepay_notebook.store.files import MANIFEST, Fetched, Store
from timepay_notebook.store.manifest import Manifest
from timepay_notebook.store.planner import Window
from timepay_notebook.store.spans import to_seconds
from timepay_notebook.store.writer import BatchWriter, Completed


def records(n: int, **changes: Any) -> list[dict[str, Any]]:
    """Call records a second apart on 2026-01-10, newest first, with an extra field or two."""
    out = []
    for i in range(n):
        second = 59 - i
        out.append(
            {
                "call_id": f"c{i}",
                "date": "2026-01-10",
                "start_time": f"2026-01-10T10:00:{second:02d}",
                "end_time": f"2026-01-10T10:01:{second:02d}",
                "status": "Completed",
                "type": "call",
                "duration": i,
                "extracted_data": {"promised_amount": i} if i % 2 else {},
                "campaign_id": "A",
                "attempt": i,
                "meta": {"k": [i]},
            }
            | changes
        )
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


def test_a_day_file_keeps_statistics_of_times_and_numbers_and_dictionaries_of_categories(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path)
    store.write_window(to_frame(records(6)), span("2026-01-10T00:00:00", "2026-01-10T23:59:59"))
    meta = pq.ParquetFile(tmp_path / "date=2026-01-10" / "logs.parquet").metadata
    group = meta.row_group(0)
    chunks = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    with_statistics = {name for name, chunk in chunks.items() if chunk.is_stats_set}
    assert with_statistics == {"start_time", "end_time", "duration"}
    times = chunks["start_time"].statistics
    assert (times.min, times.max) == (
        dt.datetime(2026, 1, 10, 10, 0, 54),
        dt.datetime(2026, 1, 10, 10, 0, 59),
    )
    assert (chunks["duration"].statistics.min, chunks["duration"].statistics.max) == (0, 5)
    dictionary = {name for name, chunk in chunks.items() if chunk.has_dictionary_page}
    assert dictionary == {name for name, kind in SCHEMA.items() if kind == CATEGORY}
    assert {"status", "type", "campaign_id"} <= dictionary and "call_id" not in dictionary
    assert read_store(tmp_path)["status"].tolist() == ["Completed"] * 6


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


def test_a_log_fetched_by_two_windows_of_a_batch_is_kept_once_as_the_last_had_it(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path)
    logs = records(6)  # c0..c5 at 10:00:59..10:00:54
    older = Fetched.of(to_frame(logs[3:]), span("2026-01-10T10:00:00", "2026-01-10T10:00:56"))
    # the newer window also got c3, which moved into it, with another status
    newer_logs = [*logs[:3], logs[3] | {"start_time": "2026-01-10T10:00:57", "status": "Failed"}]
    newer = Fetched.of(to_frame(newer_logs), span("2026-01-10T10:00:57", "2026-01-10T10:00:59"))
    stats = store.write_windows([older, newer])
    assert (stats.added, stats.updated, stats.removed) == (6, 0, 0)
    frame = read_store(tmp_path)
    assert sorted(ids(frame)) == ["c0", "c1", "c2", "c3", "c4", "c5"]
    assert frame.set_index("call_id").loc["c3", "status"] == "Failed"


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


def test_a_day_the_batch_brings_nothing_is_read_in_full_only_if_it_loses_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store(tmp_path)
    store.write_window(to_frame(records(6)), span("2026-01-10T00:00:00", "2026-01-10T23:59:59"))
    day = tmp_path / "date=2026-01-10" / "logs.parquet"
    before = day.read_bytes()
    reads: list[tuple[str, list[str] | None]] = []
    read = store_module._read_table

    def spy(path: Path, columns: list[str] | None = None) -> Any:
        reads.append((path.parent.name, columns))
        return read(path, columns)

    monkeypatch.setattr(store_module, "_read_table", spy)
    # the next day: 2026-01-10 is a day of margin, read for logs of the window's span
    next_day = [
        log | {"call_id": f"n{i}", "date": "2026-01-11", "start_time": "2026-01-11T08:00:00"}
        for i, log in enumerate(records(2))
    ]
    store.write_window(to_frame(next_day), span("2026-01-11T00:00:00", "2026-01-11T23:59:59"))
    assert [key for key, _ in reads] == ["date=2026-01-10"]
    columns = set(reads[0][1] or ())
    assert {"start_time", "call_id"} <= columns <= {"start_time", *ID_FIELDS}
    assert day.read_bytes() == before  # nothing of it changed: not written again
    # an empty window over part of it: it loses c0..c3, so it is read whole and written again
    reads.clear()
    gone = store.write_window(tp.empty_frame(), span("2026-01-10T10:00:56", "2026-01-10T10:00:59"))
    assert gone.removed == 4
    store.save()  # the JSON columns, for `read_store`
    assert [(key, columns is None) for key, columns in reads] == [
        ("date=2026-01-10", False),  # the columns that decide
        ("date=2026-01-10", True),  # then whole
        ("date=2026-01-11", False),  # a day of margin: nothing of it goes
    ]
    frame = read_store(tmp_path)
    assert ids(frame) == ["n0", "n1", "c4", "c5"]
    kept = frame.set_index("call_id").loc[["c4", "c5"]]
    assert kept["meta"].tolist() == [{"k": [4]}, {"k": [5]}]  # every column of what stays
    assert kept["extracted_data"].tolist() == [{}, {"promised_amount": 5}]
    assert kept["attempt"].tolist() == [4, 5]


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


def test_time_filters_match_whole_seconds_and_columns_keep_extras(tmp_path: Path) -> None:
    logs = records(4)
    logs[1]["start_time"] = "2026-01-10T10:00:57.900000"  # in second 57, not 58
    store = new_store(tmp_path)
    store.write_window(tp.to_frame(logs), span("2026-01-10T00:00:00", "2026-01-10T23:59:59"))
    store.save()
    at_57 = tp.read_store(
        tmp_path, start_time="2026-01-10T10:00:57", end_time="2026-01-10T10:00:57"
    )
    assert at_57["call_id"].tolist() == ["c1", "c2"]
    after_57 = tp.read_store(tmp_path, start_time="2026-01-10T10:00:58")
    assert after_57["call_id"].tolist() == ["c0"]
    extras = tp.read_store(tmp_path, columns=["meta", "attempt", "call_id"])
    assert extras["meta"].tolist() == [{"k": [i]} for i in range(4)]
    assert extras["attempt"].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "batch",
    [
        records(12),
        [*records(5), {"message_id": "m1", "type": "whatsapp", "date": None, "note": "x"}],
        [*records(3, duration="n/a", start_time="later"), {"call_id": "c9", "flag": True}],
        [
            {**log, "date": date}
            for log, date in zip(
                records(5),
                ["2026-01-11", "1969-12-31", "2026-01-10T23:30:00", None, "2026-01-11"],
                strict=True,
            )
        ],
        [],
    ],
    ids=["calls", "whatsapp-without-date", "unparsed-values", "days-apart", "empty"],
)
def test_the_arrow_path_writes_what_the_frame_path_writes(batch: list[dict[str, Any]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tp.UnparsedValuesWarning)
        framed = FrameBuilder()
        framed.add(batch[:4])
        framed.add(batch[4:])
        frame = framed.finish()
        arrow = FrameBuilder()
        arrow.add(batch[:4])
        arrow.add(batch[4:])
        table, json_columns, keys = store_table(*arrow.finish_arrow())
    expected, expected_json = to_table(frame)
    assert table.schema.names == expected.schema.names and json_columns == expected_json
    for name in expected.schema.names:
        assert table.column(name).type == expected.column(name).type, name
        assert table.column(name).to_pylist() == expected.column(name).to_pylist(), name
    dates = frame["date"] if "date" in frame else pd.Series(pd.NaT, index=frame.index)
    by_row = dates.dt.strftime("%Y-%m-%d").where(dates.notna(), NULL_PARTITION).tolist()
    assert keys.tolist() == partition_keys(frame).tolist() == by_row


def on_day(logs: list[dict[str, Any]], day: str) -> list[dict[str, Any]]:
    """`logs` (from `records`) moved from 2026-01-10 to `day`, ids made unique to it."""
    moved = []
    for log in logs:
        log = {k: v.replace("2026-01-10", day) if isinstance(v, str) else v for k, v in log.items()}
        moved.append(log | {"call_id": f"{log['call_id']}-{day}"})
    return moved


def completed(logs: list[dict[str, Any]], start: str, end: str) -> Completed:
    """A window of `start`..`end` pulled in full, with `logs`."""
    fetched = Fetched.of(to_frame(logs), span(start, end))
    window = Window(*fetched.span, count=len(logs), fetch=True)
    return Completed(window, fetched, counted_right=True)


def test_a_window_completed_while_another_is_written_does_not_wait_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`BatchWriter`: the thread whose window completes enough days writes them; a window
    completed meanwhile is kept, not written at the same time, and `flush` writes it; each is
    recorded after."""
    store = new_store(tmp_path)
    writing, release = threading.Event(), threading.Event()
    write_windows = Store.write_windows
    batches: list[int] = []

    def slow(self: Store, windows: list[Fetched]) -> Any:
        batches.append(len(windows))
        writing.set()
        assert release.wait(10)
        return write_windows(self, windows)

    monkeypatch.setattr(Store, "write_windows", slow)
    writer = BatchWriter(store, flush_logs=5)
    newer_logs, older_logs = on_day(records(6), "2026-01-11"), records(3)
    newer = completed(newer_logs, "2026-01-11T00:00:00", "2026-01-11T23:59:59")
    older = completed(older_logs, "2026-01-10T00:00:00", "2026-01-10T23:59:59")
    writer.begin(newer.window)
    writer.begin(older.window)
    first = threading.Thread(target=writer.add, args=(newer,))
    first.start()
    assert writing.wait(10)  # six logs of a day no other window reaches: that thread writes them
    writer.add(older)  # returns at once: kept for the next write, not written alongside
    assert batches == [1] and first.is_alive()
    release.set()
    first.join(10)
    assert store.manifest.covered == [newer.window.span]  # recorded once written
    writer.flush()
    assert batches == [1, 1] and writer.windows == 2
    assert store.manifest.covered == [(older.window.start, newer.window.end)]
    assert ids(read_store(tmp_path)) == ids(to_frame(newer_logs + older_logs))


def counted_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The day files written from now on (their partition directories), in order."""
    writes: list[str] = []
    write_table = store_module._write_table

    def counted(target: Path, table: Any) -> int:
        writes.append(target.parent.name)
        return write_table(target, table)

    monkeypatch.setattr(store_module, "_write_table", counted)
    return writes


def three_days() -> tuple[list[dict[str, Any]], ...]:
    """Logs of 2026-01-10 (3), 2026-01-11 (4, 10:00:59 back to 10:00:56), 2026-01-12 (2)."""
    return records(3), on_day(records(4), "2026-01-11"), on_day(records(2), "2026-01-12")


def test_windows_sharing_a_day_write_it_once_when_both_are_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows come newest first. A window's days are written once no window in flight (or
    still to come: older than the oldest begun) reaches them: window A's newest day at once, the
    day A shares with B when B is in, B's oldest day at the end; each window is recorded once
    all of its days are on disk."""
    store = new_store(tmp_path)
    writes = counted_writes(monkeypatch)
    day10, day11, day12 = three_days()
    a = completed(day12 + day11[:2], "2026-01-11T10:00:58", "2026-01-12T23:59:59")
    b = completed(day11[2:] + day10, "2026-01-10T05:00:00", "2026-01-11T10:00:57")
    writer = BatchWriter(store, flush_logs=1, most_kept=100)
    writer.begin(a.window)
    writer.begin(b.window)
    writer.add(a)  # B may still bring logs of the 11th, not of the 12th
    assert writes == ["date=2026-01-12"] and store.manifest.covered == []
    writer.add(b)  # the 11th is in; the 10th waits (a window older than B may come)
    assert writes == ["date=2026-01-12", "date=2026-01-11"]
    assert store.manifest.covered == [a.window.span] and writer.windows == 1
    writer.flush()
    assert writes == ["date=2026-01-12", "date=2026-01-11", "date=2026-01-10"]
    assert store.manifest.covered == [(b.window.start, a.window.end)] and writer.windows == 2
    assert sorted(ids(read_store(tmp_path))) == sorted(ids(day10 + day11 + day12))


def test_a_window_begun_at_midnight_closes_its_own_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows still to come end before the oldest one begun: when that one starts at
    midnight, its day is complete once it is in."""
    store = new_store(tmp_path)
    writes = counted_writes(monkeypatch)
    day10, day11, _ = three_days()
    a = completed(day11, "2026-01-11T00:00:00", "2026-01-11T23:59:59")
    writer = BatchWriter(store, flush_logs=1, most_kept=100)
    writer.begin(a.window)
    writer.add(a)
    assert writes == ["date=2026-01-11"] and store.manifest.covered == [a.window.span]
    b = completed(day10, "2026-01-10T00:00:01", "2026-01-10T23:59:59")
    writer.begin(b.window)
    writer.add(b)  # a window older than B may still bring logs of the 10th
    assert writes == ["date=2026-01-11"]


def test_a_window_in_a_failed_write_is_never_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Window A's newest day fails to be written: its older day, written with B's, must not
    get A recorded (the next sync examines A again); B is recorded."""
    store = new_store(tmp_path)
    day10, day11, day12 = three_days()
    a = completed(day12 + day11[:2], "2026-01-11T10:00:58", "2026-01-12T23:59:59")
    b = completed(day11[2:] + day10, "2026-01-10T05:00:00", "2026-01-11T10:00:57")
    write_windows = Store.write_windows
    failures = iter([OSError(28, "No space left on device")])

    def failing_once(self: Store, windows: list[Fetched]) -> Any:
        error = next(failures, None)
        if error is not None:
            raise error
        return write_windows(self, windows)

    monkeypatch.setattr(Store, "write_windows", failing_once)
    writer = BatchWriter(store, flush_logs=1, most_kept=100)
    writer.begin(a.window)
    writer.begin(b.window)
    with pytest.raises(OSError, match="No space"):
        writer.add(a)  # the 12th fails
    writer.add(b)  # the 11th: A's rest and B's newest day
    writer.flush()  # the 10th
    assert store.manifest.covered == [b.window.span] and writer.windows == 1  # B only
    assert sorted(ids(read_store(tmp_path))) == sorted(ids(day10 + day11))


def test_a_window_long_in_flight_holds_up_at_most_three_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest window stalls while older ones complete: none of their days is complete (it
    may still bring logs of any day after its start), so they are kept, until 3 x `flush_logs`
    logs wait for days not closed: then everything kept is written, the windows recorded."""
    store = new_store(tmp_path)
    writes = counted_writes(monkeypatch)
    day10, day11, _ = three_days()
    stalled = Window(*span("2026-01-12T00:00:00", "2026-01-12T23:59:59"), count=2, fetch=True)
    b = completed(day11, "2026-01-11T00:00:00", "2026-01-11T23:59:59")
    c = completed(day10, "2026-01-10T00:00:00", "2026-01-10T23:59:59")
    writer = BatchWriter(store, flush_logs=2)  # at most 6 kept
    for window in (stalled, b.window, c.window):
        writer.begin(window)
    writer.add(b)  # 4 kept
    assert writes == [] and store.manifest.covered == []
    writer.add(c)  # 7 kept
    assert sorted(writes) == ["date=2026-01-10", "date=2026-01-11"]
    assert store.manifest.covered == [(c.window.start, b.window.end)]
    assert sorted(ids(read_store(tmp_path))) == sorted(ids(day10 + day11))


def test_a_cut_window_keeps_logs_of_no_day_with_its_older_part() -> None:
    logs = on_day(records(2), "2026-01-11") + records(2)
    logs[3] = logs[3] | {"date": None, "start_time": None}  # no day: the NULL partition
    fetched = Fetched.of(to_frame(logs), span("2026-01-10T00:00:00", "2026-01-11T23:59:59"))
    newer, older = fetched.cut(to_seconds("2026-01-11T00:00:00"))
    assert newer is not None and older is not None
    assert ids(newer.table.to_pylist()) == ids(logs[:2])
    assert newer.span == span("2026-01-11T00:00:00", "2026-01-11T23:59:59")
    assert ids(older.table.to_pylist()) == ids(logs[2:])
    assert older.keys.tolist() == ["2026-01-10", NULL_PARTITION]
    assert older.span == span("2026-01-10T00:00:00", "2026-01-10T23:59:59")
    whole, none = older.cut(older.span[0])  # all of it: rows of no day included
    assert whole is older and none is None
    none, whole = fetched.cut(fetched.span[1] + 1)
    assert none is None and whole is fetched


def test_days_whose_logs_interleave_are_each_written_whole_and_newest_first(
    tmp_path: Path,
) -> None:
    logs = records(6)  # newest first; dated by another clock, the days alternate
    for i in (1, 3):
        logs[i] = logs[i] | {"date": "2026-01-11"}
    store = new_store(tmp_path)
    store.write_window(to_frame(logs), span("2026-01-10T00:00:00", "2026-01-11T23:59:59"))
    day = pq.read_table(tmp_path / "date=2026-01-10" / "logs.parquet")
    other = pq.read_table(tmp_path / "date=2026-01-11" / "logs.parquet")
    assert ids(day.to_pylist()) == ["c0", "c2", "c4", "c5"]
    assert ids(other.to_pylist()) == ["c1", "c3"]


def test_a_day_file_is_written_newest_first_and_a_sorted_table_is_not_copied() -> None:
    table, _ = to_table(to_frame(records(4)))  # newest first
    assert store_module._newest_first(table) is table
    shuffled = table.take([2, 0, 3, 1])
    assert ids(store_module._newest_first(shuffled).to_pylist()) == ["c0", "c1", "c2", "c3"]
    tie = to_table(to_frame(records(3, start_time="2026-01-10T10:00:00")))[0].take([1, 2, 0])
    assert store_module._newest_first(tie) is tie  # ties keep their order (a stable sort)
    logs = records(3)
    logs[0] = logs[0] | {"start_time": None}  # a log without a start time goes last
    untimed, _ = to_table(to_frame(logs))
    assert ids(store_module._newest_first(untimed).to_pylist()) == ["c1", "c2", "c0"]


def test_a_window_cut_where_its_days_interleave_keeps_each_log_on_its_side() -> None:
    logs = records(4)
    for i in (0, 2):
        logs[i] = logs[i] | {"date": "2026-01-11"}
    fetched = Fetched.of(to_frame(logs), span("2026-01-10T00:00:00", "2026-01-11T23:59:59"))
    newer, older = fetched.cut(to_seconds("2026-01-11T00:00:00"))
    assert newer is not None and older is not None
    assert ids(newer.table.to_pylist()) == ["c0", "c2"]
    assert newer.keys.tolist() == ["2026-01-11"] * 2
    assert ids(older.table.to_pylist()) == ["c1", "c3"]
    assert older.keys.tolist() == ["2026-01-10"] * 2


def test_a_day_from_two_windows_keeps_its_categories_dictionary_encoded(tmp_path: Path) -> None:
    logs = records(40)  # one day, newest first; each window has statuses the other has not
    for i, log in enumerate(logs):
        log["status"] = (("Completed", "Failed"), ("Busy", "Completed"))[i // 20][i % 2]
    newer = Fetched.of(to_frame(logs[:20]), span("2026-01-10T10:00:40", "2026-01-10T10:00:59"))
    older = Fetched.of(to_frame(logs[20:]), span("2026-01-10T10:00:00", "2026-01-10T10:00:39"))
    dictionaries = [w.table["status"].chunk(0).dictionary.to_pylist() for w in (newer, older)]
    assert dictionaries == [["Completed", "Failed"], ["Busy", "Completed"]]

    def status_bytes(path: Path) -> int:
        group = pq.ParquetFile(path / "date=2026-01-10" / "logs.parquet").metadata.row_group(0)
        chunks = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
        return int(chunks["status"].total_uncompressed_size)

    new_store(tmp_path / "two").write_windows([newer, older])
    whole = Fetched.of(to_frame(logs), span("2026-01-10T10:00:00", "2026-01-10T10:00:59"))
    new_store(tmp_path / "one").write_windows([whole])
    # a dictionary changing from one chunk to the next would be written as plain text instead
    assert status_bytes(tmp_path / "two") == status_bytes(tmp_path / "one")
    assert read_store(tmp_path / "two")["status"].tolist() == [log["status"] for log in logs]
