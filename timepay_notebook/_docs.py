"""A decorator that gives a method the docstring of the function it delegates to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


def same_doc(function: Callable[..., Any]) -> Callable[[_F], _F]:
    """Give a method the docstring of the module function it calls (for `df.timepay.kpis?`)."""

    def decorate(method: _F) -> _F:
        method.__doc__ = function.__doc__
        return method

    return decorate
