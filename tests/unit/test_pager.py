"""The paging strategy on an in-memory server whose timing the test controls (no network)."""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from timepay_notebook.errors import APIError, AuthenticationError, PullCancelledError
from timepay_notebook.limiter import AdaptiveLimit
from timepay_notebook.pager import AHEAD, DaemonPool, Puller, record_key
from timepay_notebook.transport import Page


class MovingData:
    """Logs served newest first, 10 a page; new logs can be inserted at the front."""

    def __init__(self, n: int) -> None:
        self.logs = [{"call_id": f"c{i}"} for i in range(n)]
        self.lock = threading.Lock()
        self.added = 0
        self.requests: list[int] = []

    def page(self, number: int, fresh: bool = False) -> Page:
        with self.lock:
            self.requests.append(number)
            chunk = self.logs[10 * (number - 1) : 10 * number]
            total = len(self.logs)
        pages = math.ceil(total / 10)
        return Page(number, [dict(r) for r in chunk], total, pages, number < pages)

    def insert_front(self, k: int) -> None:
        with self.lock:
            self.logs[:0] = [{"call_id": f"new{self.added + i}"} for i in range(k)]
            self.added += k


def drain(puller: Puller) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Logs yielded by the first pass and by the second pass."""
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []
    for records in puller.pages():
        (second if puller.report.repaired else first).extend(records)
    return first, second


def test_a_log_that_slides_into_a_fetched_page_is_recovered_by_the_second_pass() -> None:
    data = MovingData(60)
    page3_read = threading.Event()

    def fetch(number: int, fresh: bool = False) -> Page:
        if number == 2:
            assert page3_read.wait(5)  # page 3 is read before page 2 ...
        page = data.page(number)
        if number == 3 and not page3_read.is_set():
            data.insert_front(5)  # ... and five logs arrive in between
            page3_read.set()
        return page

    puller = Puller(fetch, max_workers=4)
    first, second = drain(puller)
    missed_by_first_pass = {f"c{i}" for i in range(60)} - {r["call_id"] for r in first}
    assert missed_by_first_pass == {"c15", "c16", "c17", "c18", "c19"}
    ids = [r["call_id"] for r in first + second]
    assert len(ids) == len(set(ids))
    assert {f"c{i}" for i in range(60)} <= set(ids)
    report = puller.report
    assert report.moved and report.repaired
    assert report.duplicates > 0
    assert report.total == 60 and report.final_total == 65
    assert report.unique == 65 == len(ids)


def test_no_movement_means_no_second_pass() -> None:
    data = MovingData(95)
    puller = Puller(data.page, max_workers=3)
    first, second = drain(puller)
    assert [r["call_id"] for r in first] == [f"c{i}" for i in range(95)]
    assert second == []
    assert not puller.report.moved
    assert sorted(data.requests) == list(range(1, 11))


def test_growth_past_the_last_page_is_followed_while_has_next() -> None:
    data = MovingData(30)

    def fetch(number: int, fresh: bool = False) -> Page:
        page = data.page(number)
        if number == 2 and data.added == 0:
            with data.lock:
                data.logs += [{"call_id": f"late{i}"} for i in range(15)]  # appended at the end
                data.added = 15
        return page

    puller = Puller(fetch, max_workers=1)
    first, second = drain(puller)
    ids = {r["call_id"] for r in first + second}
    assert {f"late{i}" for i in range(15)} <= ids
    assert puller.report.moved


def test_a_server_that_always_says_has_next_stops() -> None:
    def fetch(number: int, fresh: bool = False) -> Page:
        records = [{"call_id": f"c{number}-{i}"} for i in range(10)] if number <= 2 else []
        return Page(number, records, 20, 2, True)

    puller = Puller(fetch, max_workers=2)
    first, _ = drain(puller)
    assert len(first) == 20
    assert puller.report.pages_fetched == 3  # pages 1, 2 and one empty page past the end


def test_a_server_that_always_has_new_logs_hits_the_guard() -> None:
    def fetch(number: int, fresh: bool = False) -> Page:
        return Page(number, [{"call_id": f"p{number}"}], 1, 1, True)

    puller = Puller(fetch, max_workers=2, max_extra_pages=5)
    first, second = drain(puller)
    assert puller.report.guard_hit
    assert len(first) + len(second) <= 1 + 5 + 1 + 5  # bounded, not endless


def test_failed_pages_are_recorded_and_the_rest_kept() -> None:
    data = MovingData(50)

    def fetch(number: int, fresh: bool = False) -> Page:
        if number == 3:
            raise APIError(500, "boom", "http://x")
        return data.page(number)

    puller = Puller(fetch, max_workers=2)
    first, _ = drain(puller)
    assert len(first) == 40
    assert list(puller.report.failed_pages) == [3]
    assert "boom" in puller.report.failed_pages[3]


def test_authentication_failure_stops_requesting() -> None:
    data = MovingData(200)
    asked: list[int] = []

    def fetch(number: int, fresh: bool = False) -> Page:
        asked.append(number)
        if number >= 5:
            raise AuthenticationError(401, "revoked", "http://x")
        return data.page(number)

    puller = Puller(fetch, max_workers=1)
    drain(puller)
    assert asked == [1, 2, 3, 4, 5]  # page 6, queued behind page 5, is not sent
    assert set(puller.report.failed_pages) == set(range(5, 21))
    assert "not requested" in puller.report.failed_pages[20]


def test_a_429_lowers_the_limit_below_what_was_in_flight() -> None:
    limit = AdaptiveLimit(8, window=3)
    for _ in range(8):
        assert limit.acquire()
    assert limit.in_flight == 8
    for _ in range(6):  # a server that allows 2: six of the eight answer 429
        limit.release(throttled=True)
    assert limit.value == 2 and limit.lowest == 2
    limit.release()
    limit.release()
    assert limit.in_flight == 0
    for _ in range(3 * 6):
        assert limit.acquire()
        limit.release()
    assert limit.value == 8


def test_a_failed_probe_upward_doubles_the_wait_for_the_next() -> None:
    limit = AdaptiveLimit(4, window=2)
    for _ in range(3):
        limit.acquire()
    limit.release(throttled=True)  # 3 in flight: the server allows 2
    assert limit.value == 2
    limit.release()
    limit.release()  # two clean answers: a probe to 3
    assert limit.value == 3
    for _ in range(3):
        limit.acquire()
    limit.release(throttled=True)  # the probe failed
    limit.release()
    limit.release()
    assert limit.value == 2  # the next probe needs 4 clean answers now
    limit.acquire()
    limit.release()
    assert limit.value == 2
    limit.acquire()
    limit.release()
    assert limit.value == 3


def test_acquire_waits_for_a_permit_and_gives_up_on_stop() -> None:
    limit = AdaptiveLimit(1)
    assert limit.acquire()
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    assert limit.acquire(stop) is False  # no permit came; the stop ended the wait
    assert limit.in_flight == 1


def test_permits_go_to_waiting_callers_in_the_order_they_asked() -> None:
    limit = AdaptiveLimit(1)
    assert limit.acquire()
    order: list[str] = []

    def waiter() -> None:
        assert limit.acquire()
        order.append("waiter")
        limit.release()

    thread = threading.Thread(target=waiter)
    thread.start()
    deadline = time.monotonic() + 5
    while limit.waiting == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert limit.waiting == 1
    limit.release()  # the waiter asked first: the permit is its, though this caller asks at once
    assert limit.acquire()
    order.append("this caller")
    limit.release()
    thread.join(5)
    assert order == ["waiter", "this caller"]
    assert (limit.in_flight, limit.waiting) == (0, 0)


@pytest.mark.parametrize(
    ("record", "key"),
    [
        ({"call_id": "a", "message_id": "b"}, "call_id\x00a"),
        ({"message_id": "b"}, "message_id\x00b"),
        ({"call_id": "", "id": 7}, "id\x007"),
        ({"x": 1, "a": 2}, 'record\x00{"a": 2, "x": 1}'),
    ],
)
def test_record_key(record: dict[str, Any], key: str) -> None:
    assert record_key(record) == key


def test_a_closed_limit_gives_no_permit_to_a_caller_with_a_stop_event() -> None:
    limit = AdaptiveLimit(2)
    assert limit.acquire()
    assert limit.acquire()
    stop = threading.Event()
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(limit.acquire(stop)))
    waiter.start()  # waits: both permits are held
    limit.close()
    limit.release()  # a permit is free, but the limit is closed: the waiter keeps waiting
    waiter.join(0.3)
    assert waiter.is_alive() and limit.in_flight == 1
    stop.set()  # its pull has stopped: it gives up, without a permit
    waiter.join(5)
    assert got == [False] and limit.in_flight == 1
    assert limit.acquire() and limit.in_flight == 2  # a caller without a stop event is served


def test_pulls_sharing_a_pool_run_on_its_threads_and_leave_it_running() -> None:
    pool = DaemonPool(2, "shared")
    limit = AdaptiveLimit(2)
    servers = [MovingData(95), MovingData(130), MovingData(40)]
    senders: set[threading.Thread] = set()

    def pull(data: MovingData) -> list[dict[str, Any]]:
        def fetch(number: int, fresh: bool) -> Page:
            senders.add(threading.current_thread())
            return data.page(number, fresh)

        puller = Puller(fetch, limit=limit, pool=pool)
        return [r for records in puller.pages() for r in records]

    got: dict[int, list[dict[str, Any]]] = {}
    threads = [
        threading.Thread(target=lambda i=i: got.update({i: pull(servers[i])})) for i in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [len(got[i]) for i in (0, 1)] == [95, 130]
    assert got[1] == servers[1].logs
    assert pull(servers[2]) == servers[2].logs  # the pool outlives the pulls
    # every request ran on the pool's threads (which of its two took them is the scheduler's)
    assert 1 <= len(senders) <= 2 and all(t.name.startswith("shared_") for t in senders)
    pool.shutdown()


def test_a_cancelled_pull_on_a_shared_pool_starts_none_of_its_queued_requests() -> None:
    pool = DaemonPool(1, "shared")
    data, other = MovingData(60), MovingData(25)
    gate, cancel = threading.Event(), threading.Event()
    asked: list[int] = []

    def fetch(number: int, fresh: bool) -> Page:
        asked.append(number)
        if number > 1:
            cancel.set()  # cancelled while this request is on the wire and the rest queue
            gate.wait(5)
        return data.page(number, fresh)

    puller = Puller(fetch, max_workers=4, cancel=cancel, pool=pool)
    with pytest.raises(PullCancelledError):
        for _ in puller.pages():
            pass
    gate.set()  # the request on the wire ends; the pool goes on to the next pull's requests
    later = Puller(other.page, max_workers=4, pool=pool)
    assert [r for records in later.pages() for r in records] == other.logs
    assert asked == [1, 2]  # pages 3-6 were queued on the one thread, never sent
    pool.shutdown()


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait until `condition()` holds, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_threads_go_on_to_queued_pages_while_the_caller_holds_a_page() -> None:
    data = MovingData(100)
    puller = Puller(data.page, max_workers=2)
    pages = puller.pages()
    next(pages), next(pages)  # the caller holds page 2 and takes no more for now
    queued = 1 + AHEAD * 2  # pages 2..5 were queued with page 2
    wait_for(lambda: len(data.requests) == queued)
    assert sorted(data.requests) == list(range(1, queued + 1))
    assert len([r for records in pages for r in records]) == 80


def test_a_task_submitted_first_starts_before_those_queued() -> None:
    pool, gate, order = DaemonPool(1, "shared"), threading.Event(), []
    finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
    pool.submit(finished, lambda: gate.wait(5) and order.append("on the thread"))
    for name in ("queued 1", "queued 2"):
        pool.submit(finished, order.append, name)
    pool.submit(finished, order.append, "first", first=True)
    gate.set()
    for _ in range(4):
        finished.get(timeout=5)
    assert order == ["on the thread", "first", "queued 1", "queued 2"]
    pool.shutdown()


def test_on_a_shared_pool_the_pull_seen_first_takes_the_threads_before_later_ones() -> None:
    pool, gate, order = DaemonPool(1, "shared"), threading.Event(), []
    older, newer, later = (queue.SimpleQueue[Any]() for _ in range(3))
    pool.submit(older, lambda: gate.wait(5) and order.append("on the thread"))
    pool.submit(newer, order.append, "newer 1")
    pool.submit(older, order.append, "older 1")
    pool.submit(newer, order.append, "newer 2")
    pool.submit(older, order.append, "older 2")  # queued after newer's, still before them
    pool.forget(older)  # its pull ends: a task it left keeps its place
    pool.submit(later, order.append, "later 1")
    pool.submit(newer, order.append, "newer 3", first=True)
    gate.set()
    for finished, tasks in ((older, 3), (newer, 3), (later, 1)):
        for _ in range(tasks):
            finished.get(timeout=5)
    assert order == [
        "on the thread",
        "newer 3",  # `first` goes before every queue
        "older 1",
        "older 2",
        "newer 1",
        "newer 2",
        "later 1",
    ]
    pool.shutdown()


def test_shutdown_cancels_every_queued_task_of_every_pull() -> None:
    pool, gate = DaemonPool(1, "shared"), threading.Event()
    one, two = queue.SimpleQueue[Any](), queue.SimpleQueue[Any]()
    running = pool.submit(one, gate.wait, 5)
    queued = [pool.submit(one, int), pool.submit(two, int), pool.submit(two, int, first=True)]
    wait_for(running.running)
    pool.shutdown()
    gate.set()
    assert running.result(5) is True
    assert all(future.cancelled() for future in queued)


def test_on_a_shared_pool_a_pulls_page_1_goes_before_anothers_queue() -> None:
    pool, gate, on_wire = DaemonPool(1, "shared"), threading.Event(), threading.Event()
    busy, new = MovingData(100), MovingData(30)
    asked: list[str] = []

    def fetcher(name: str, data: MovingData) -> Callable[[int, bool], Page]:
        def fetch(number: int, fresh: bool) -> Page:
            asked.append(f"{name}{number}")
            if (name, number) == ("busy", 2):
                on_wire.set()
                gate.wait(5)  # page 2 on the wire; page 3 queued behind it
            return data.page(number, fresh)

        return fetch

    def pull(name: str, data: MovingData) -> None:
        for _ in Puller(fetcher(name, data), limit=AdaptiveLimit(1), pool=pool).pages():
            pass

    first = threading.Thread(target=pull, args=("busy", busy))
    first.start()
    assert on_wire.wait(5)
    second = threading.Thread(target=pull, args=("new", new))
    second.start()
    wait_for(lambda: len(pool._first) == 1)  # the new pull's page 1 waits for the one thread
    gate.set()
    first.join(10), second.join(10)
    assert asked[:4] == ["busy1", "busy2", "new1", "busy3"]
    assert sorted(asked) == sorted([f"busy{n}" for n in range(1, 11)] + ["new1", "new2", "new3"])
    pool.shutdown()


def test_a_queued_page_is_not_sent_once_the_pull_is_cancelled() -> None:
    data = MovingData(100)
    cancel, gate = threading.Event(), threading.Event()
    on_wire = threading.Semaphore(0)

    def fetch(number: int, fresh: bool) -> Page:
        if number in (3, 4):
            on_wire.release()
            gate.wait(5)  # pages 3 and 4 are on the wire, page 5 queued behind them
        return data.page(number, fresh)

    puller = Puller(fetch, max_workers=2, cancel=cancel)
    pages = puller.pages()
    next(pages), next(pages)
    assert on_wire.acquire(timeout=5) and on_wire.acquire(timeout=5)
    cancel.set()
    gate.set()  # a thread is free again: page 5 is its next task
    time.sleep(0.3)  # long enough for page 5 to be sent, were it not held back
    with pytest.raises(PullCancelledError):
        next(pages)
    assert sorted(data.requests) == [1, 2, 3, 4]


@pytest.mark.parametrize(("logs", "asked_while_blocked"), [(95, False), (35, True)])
def test_asked_is_set_once_every_announced_page_is_asked_for(
    logs: int, asked_while_blocked: bool
) -> None:
    # 2 threads queue AHEAD (2) pages each: of 10 pages, 2..5 are asked for while they hang and
    # 6..10 are not; of 4 pages, all of them are
    data = MovingData(logs)
    gate, asked = threading.Event(), threading.Event()
    hanging = threading.Semaphore(0)

    def fetch(number: int, fresh: bool = False) -> Page:
        if number > 1:
            hanging.release()
            assert gate.wait(5)
        return data.page(number)

    puller = Puller(fetch, max_workers=2, asked=asked)
    got: list[dict[str, Any]] = []
    thread = threading.Thread(target=lambda: got.extend(r for p in puller.pages() for r in p))
    thread.start()
    assert hanging.acquire(timeout=5) and hanging.acquire(timeout=5)  # both threads hang
    assert asked.wait(0.2) is asked_while_blocked
    gate.set()
    thread.join(5)
    assert asked.is_set() and got == data.logs


def test_asked_is_set_when_a_pull_ends_without_its_pages() -> None:
    asked = threading.Event()

    def fetch(number: int, fresh: bool = False) -> Page:
        raise APIError(500, "page 1 failed", "http://x")

    with pytest.raises(APIError):
        list(Puller(fetch, max_workers=2, asked=asked).pages())
    assert asked.is_set()


def test_asked_is_set_once_a_one_page_pull_has_its_page() -> None:
    asked = threading.Event()
    pages = Puller(MovingData(7).page, max_workers=2, asked=asked).pages()
    assert not asked.is_set()
    assert len(next(pages)) == 7  # page 1 announced no other: all asked, the pull not ended
    assert asked.is_set()
    pages.close()
