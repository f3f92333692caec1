"""Parsing and validating the query string of `GET /api/v1/logs`, as the sandbox reads it."""

from __future__ import annotations

import calendar
import functools
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FILTERS = (
    "type",
    "status",
    "disposition",
    "from_phone",
    "phone",
    "campaign_id",
    "agent_id",
    "start_time",
    "end_time",
)
PARAMETERS = (*FILTERS, "page", "count_only")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
_TIME_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


class QueryError(ValueError):
    """A request the API answers with 400; the message names the problem."""


@dataclass(frozen=True)
class Query:
    """What to select: exact-match filters and an inclusive start-time range (epoch seconds)."""

    equals: tuple[tuple[str, str], ...] = ()
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Request:
    """A parsed request: the selection, the page asked for, and whether only the count is wanted."""

    query: Query
    page: int
    count_only: bool


@functools.lru_cache(maxsize=4096)
def parse_time(name: str, value: str) -> int:
    """`YYYY-MM-DDTHH:MM:SS` as naive epoch seconds; anything else is a `QueryError`. Cached:
    every page of a pull asks with the same times (`strptime` is most of a request's parsing)."""
    if not _TIME_PATTERN.fullmatch(value):
        raise QueryError(f"{name} must be formatted YYYY-MM-DDTHH:MM:SS, got {value!r}")
    try:
        return calendar.timegm(time.strptime(value, TIME_FORMAT))
    except ValueError:
        raise QueryError(f"{name} is not a valid date and time: {value!r}") from None


def format_time(seconds: int) -> str:
    """Naive epoch seconds as `YYYY-MM-DDTHH:MM:SS`."""
    return time.strftime(TIME_FORMAT, time.gmtime(seconds))


def parse_request(params: Mapping[str, Sequence[str]]) -> Request:
    """Validate a parsed query string (`urllib.parse.parse_qs(..., keep_blank_values=True)`)."""
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise QueryError(
            f"unknown query parameter(s): {', '.join(unknown)}; "
            f"valid parameters are: {', '.join(PARAMETERS)}"
        )
    single: dict[str, str] = {}
    for name, values in params.items():
        if len(values) != 1:
            raise QueryError(f"query parameter {name!r} was given {len(values)} times")
        single[name] = values[0]

    page_text = single.get("page", "1")
    if not page_text.isascii() or not page_text.isdigit() or int(page_text) < 1:
        raise QueryError(f"page must be a positive integer, got {page_text!r}")
    count_text = single.get("count_only", "false").lower()
    if count_text not in ("true", "false"):
        raise QueryError(f"count_only must be 'true' or 'false', got {single['count_only']!r}")
    return Request(query_from(single), int(page_text), count_text == "true")


def query_from(filters: Mapping[str, str | None]) -> Query:
    """The `Query` for filter values as the API receives them; empty or None means unfiltered."""
    unknown = sorted(set(filters) - set(PARAMETERS))
    if unknown:
        raise QueryError(f"unknown filter(s): {', '.join(unknown)}")
    start = end = None
    equals = []
    for name in FILTERS:
        value = filters.get(name)
        if value is None or value == "":
            continue
        if name == "start_time":
            start = parse_time(name, value)
        elif name == "end_time":
            end = parse_time(name, value)
        else:
            equals.append((name, value))
    return Query(tuple(equals), start, end)
