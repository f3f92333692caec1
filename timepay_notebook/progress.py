"""A progress bar for pulls (`tqdm.auto`: a widget in Jupyter, text in a terminal)."""

from __future__ import annotations

import sys
from typing import Any

from ._support import Closing, ipython_shell


def interactive() -> bool:
    """True in a Jupyter kernel or when stderr is a terminal."""
    if "ipykernel" in sys.modules and ipython_shell() is not None:
        return True
    return sys.stderr.isatty()


class Progress(Closing):
    """Pages done out of pages expected; the bar appears on the first update, if enabled."""

    def __init__(self, enabled: bool | None, description: str = "TimePay logs") -> None:
        self.enabled = interactive() if enabled is None else enabled
        self.description = description
        self._bar: Any = None

    def update(self, done: int, expected: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=expected, desc=self.description, unit="page", leave=False)
        if self._bar.total != expected:
            self._bar.total = expected
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
