"""Small pieces several modules share: closing in a `with` block, and the IPython shell."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, Self


class Closing:
    """`with thing:` calls `thing.close()` at the end; subclasses define `close`."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def ipython_shell() -> Any:
    """The running IPython shell, or None (without importing IPython when it isn't loaded)."""
    get = getattr(sys.modules.get("IPython"), "get_ipython", None)
    return get() if get is not None else None
