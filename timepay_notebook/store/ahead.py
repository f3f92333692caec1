"""Feeding planned windows to the sync: planning ahead in a thread (`Ahead`)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from .planner import Window

_DONE = object()


class Ahead:
    """Iterates `items` from a thread, up to `size` items ahead of the consumer (so the
    planner's count requests overlap with the windows being pulled). Its errors are raised to
    the consumer."""

    def __init__(self, items: Iterator[Window], size: int) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=size)
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(items,), name="timepay-plan", daemon=True
        )
        self._thread.start()

    def _run(self, items: Iterator[Window]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
        except BaseException as error:  # handed over to the consumer
            self._put(error)
            return
        self._put(_DONE)

    def _put(self, item: object) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Window]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Window)
            yield item

    def close(self, timeout: float) -> None:
        """Stop planning (a count in flight is waited for up to `timeout` seconds)."""
        self._closed.set()
        self._thread.join(timeout)
