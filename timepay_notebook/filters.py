"""Validating and normalising the nine filters of `GET /api/v1/logs` (no I/O).

`normalize_filters` turns what an analyst writes into the query parameters the API expects, or
raises `FilterError` naming the problem, before any request is sent:

- exactly the nine documented names; a misspelt one gets a did-you-mean;
- `None` or `""` means "not filtered";
- `type` is `"call"` or `"whatsapp"` (any case);
- text values are at most `MAX_VALUE_LENGTH` characters of valid text: a lone surrogate, a
  control character (NUL, tab, newline, ...) or a longer value is a `FilterError` (whose message
  shows the value shortened, never in full);
- `status`, `disposition`: non-blank strings. Values are open (the API may add new ones), so an
  unknown value is sent as given; one that matches the known vocabulary (`outcomes.STATUSES`,
  `outcomes.DISPOSITIONS`) up to case, spaces, `_` and `-` is sent in its exact spelling
  (`"completed"` -> `"Completed"`, `"promise  to pay"` -> `"Promise to Pay"`), as are the
  unambiguous abbreviations of `VALUE_ALIASES` (only `"PTP"` -> `"Promise to Pay"`).
  `suggest_value` offers a did-you-mean for an unknown value (`"Complete"` -> `"Completed"`),
  which the client warns with (`UnknownValueWarning`) when such a filter matches nothing;
- `campaign_id`, `agent_id`: non-blank strings, sent as given;
- `phone`, `from_phone`: strings of 6-15 digits, optionally with a leading `+`, which is kept
  (the HTTP layer percent-encodes it);
- `start_time`, `end_time`: ISO strings (date or date and time), `datetime.date`,
  `datetime.datetime`, `pandas.Timestamp` or `numpy.datetime64`; sent as `YYYY-MM-DDTHH:MM:SS`. A date-only
  `end_time` covers that whole day (23:59:59). Timezone-aware values are converted to the API's
  local time (`API_TIMEZONE`, India Standard Time, unless the client says otherwise) and sent
  naive. A fractional second rounds inwards (start up, end down), as the API counts whole seconds.
  The year (after conversion) must be 1000-9999, as the wire format has four digits for it.
  `start_time` after `end_time` is an error.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from .errors import FilterError, UnknownValueWarning, warn_user
from .outcomes import DISPOSITION_ORDER, PROMISE_TO_PAY, STATUSES
from .protocol import API_TIMEZONE, FILTERS, TYPES, WIRE_TIME_FORMAT

_PHONE = re.compile(r"\+?[0-9]{6,15}")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_VALUE_LENGTH = 200
"""The longest text filter value accepted, in characters (ids and outcomes are far shorter)."""
VOCABULARY: dict[str, tuple[str, ...]] = {"status": STATUSES, "disposition": DISPOSITION_ORDER}
"""The known values of the filters that have a vocabulary, in their exact spelling."""
VALUE_ALIASES: dict[str, dict[str, str]] = {"disposition": {"ptp": PROMISE_TO_PAY}}
"""Unambiguous abbreviations (lower case) -> the value they stand for, by filter."""


def normalize_filters(
    filters: Mapping[str, object],
    *,
    api_timezone: str | dt.tzinfo = API_TIMEZONE,
    options: Iterable[str] = (),
) -> dict[str, str]:
    """The query parameters for `filters`, in the documented order; raises `FilterError`.

    Args:
        filters: filter name -> value, as passed to `load_logs`.
        api_timezone: the zone the API's naive times are in; aware times are converted to it.
        options: other keyword names the caller accepts, offered as did-you-mean suggestions.
    """
    unknown = [name for name in filters if name not in FILTERS]
    if unknown:
        raise FilterError(_unknown_message(unknown, [*FILTERS, *options]))
    api_zone = zone(api_timezone)
    params: dict[str, str] = {}
    for name in FILTERS:
        value = filters.get(name)
        if value is None or (isinstance(value, str) and value == ""):
            continue
        if name in ("start_time", "end_time"):
            params[name] = format_time(name, value, api_zone)
        elif name in ("phone", "from_phone"):
            params[name] = _phone(name, value)
        elif name == "type":
            params[name] = _type(value)
        else:
            params[name] = _text(name, value)
    start, end = params.get("start_time"), params.get("end_time")
    if start and end and start > end:
        raise FilterError(
            f"start_time {start} is after end_time {end}: nothing can match; swap them?"
        )
    return params


_ALIASES = {
    "to": "phone",
    "customer_phone": "phone",
    "from": "from_phone",
    "caller": "from_phone",
    "channel": "type",
    "since": "start_time",
    "until": "end_time",
    "start_date": "start_time",
    "end_date": "end_time",
}


def suggest(name: str, valid: list[str]) -> str | None:
    """The valid name `name` most likely meant: an alias, a prefix, or a close spelling."""
    if name in _ALIASES and _ALIASES[name] in valid:
        return _ALIASES[name]
    prefixed = [v for v in valid if v.startswith(name) or name.startswith(v)]
    if len(prefixed) == 1:
        return prefixed[0]
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_message(unknown: list[str], valid: list[str]) -> str:
    parts = []
    for name in unknown:
        close = suggest(name, valid)
        hint = f" (did you mean {close!r}?)" if close else ""
        parts.append(f"{shorten(name)}{hint}")
    return f"unknown filter {', '.join(parts)}; the filters are: {', '.join(FILTERS)}"


def shorten(value: object, limit: int = 100) -> str:
    """`repr(value)`, cut to about `limit` characters (a message never quotes a huge value)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text):,} chars)"


def _describe(value: object) -> str:
    return f"{type(value).__name__} {shorten(value)}"


def _check_text(name: str, value: str) -> None:
    """A `FilterError` unless `value` is short, valid text without control characters."""
    if len(value) > MAX_VALUE_LENGTH:
        raise FilterError(
            f"{name} is {len(value):,} characters long (at most {MAX_VALUE_LENGTH}): "
            f"{shorten(value)}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FilterError(
            f"{name} {shorten(value)} holds a lone surrogate {value[exc.start]!r} at position "
            f"{exc.start}: not valid text (was it decoded with errors='surrogateescape'?)"
        ) from None
    for i, char in enumerate(value):
        if unicodedata.category(char) == "Cc":
            raise FilterError(
                f"{name} {shorten(value)} holds the control character {char!r} at position {i}"
            )


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise FilterError(f"{name} must be a string, got {_describe(value)}")
    _check_text(name, value)
    if not value.strip():
        raise FilterError(f"{name} is blank: pass None to leave it unfiltered")
    known = canonical_value(name, value)
    if known is not None:
        return known
    if value != value.strip():
        raise FilterError(f"{name} {shorten(value)} has leading or trailing spaces")
    return str(value)


def _key(value: str) -> str:
    return " ".join(re.split(r"[\s_-]+", value.strip())).casefold()


def canonical_value(name: str, value: str) -> str | None:
    """The known value of filter `name` that `value` spells up to case, spaces, `_` and `-`, or
    abbreviates (`VALUE_ALIASES`); None for a value outside the vocabulary."""
    key = _key(value)
    for known in VOCABULARY.get(name, ()):
        if _key(known) == key:
            return known
    return VALUE_ALIASES.get(name, {}).get(key)


def suggest_value(name: str, value: str) -> str | None:
    """The known value of filter `name` that `value` (outside the vocabulary) most likely meant:
    a unique prefix or a close spelling (`"Complete"` -> `"Completed"`); None if there is none,
    if `value` is already known, or if the filter has no vocabulary."""
    vocabulary = VOCABULARY.get(name, ())
    if not vocabulary or canonical_value(name, value) is not None:
        return None
    keys = {_key(known): known for known in vocabulary}
    key = _key(value)
    prefixed = [
        known for k, known in keys.items() if key and (k.startswith(key) or key.startswith(k))
    ]
    if len(prefixed) == 1:
        return prefixed[0]
    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


def warn_unknown_values(params: Mapping[str, str]) -> None:
    """Warn (`UnknownValueWarning`) for each value of `params` outside its filter's vocabulary,
    with a did-you-mean; for a query that matched nothing."""
    for name, vocabulary in VOCABULARY.items():
        value = params.get(name)
        if value is None or value in vocabulary:
            continue
        close = suggest_value(name, value)
        hint = f"did you mean {close!r}?" if close else f"the known values: {', '.join(vocabulary)}"
        warn_user(
            f"no logs match {name}={shorten(value)}, which is not a known {name} ({hint})",
            UnknownValueWarning,
        )


def _type(value: object) -> str:
    text = _text("type", value).lower()
    if text not in TYPES:
        raise FilterError(f"type must be one of {', '.join(TYPES)}; got {shorten(value)}")
    return text


def _phone(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        hint = (
            f" such as '{value}'" if isinstance(value, int) and not isinstance(value, bool) else ""
        )
        raise FilterError(
            f"{name} must be a string{hint} (numbers lose a leading + or 0), got {_describe(value)}"
        )
    if not _PHONE.fullmatch(value):
        raise FilterError(
            f"{name} must be 6-15 digits with an optional leading +, e.g. "
            f"{'+918035450808' if name == 'from_phone' else '8888889956'}; got {shorten(value)}"
        )
    return str(value)


def zone(name: str | dt.tzinfo) -> dt.tzinfo:
    """The time zone `name` (an IANA name); `FilterError` (a `ValueError`) if there is none."""
    if isinstance(name, dt.tzinfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise FilterError(
            f"unknown time zone {name!r} (use an IANA name such as 'Asia/Kolkata')"
        ) from None


def format_time(name: str, value: object, zone: dt.tzinfo) -> str:
    """`value` as the API's `YYYY-MM-DDTHH:MM:SS` in `zone`; raises `FilterError`."""
    nanoseconds = getattr(value, "nanosecond", 0)  # a pandas.Timestamp's extra precision
    moment = _to_datetime(name, value)
    try:
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone).replace(tzinfo=None)
        if moment.microsecond or nanoseconds:
            moment = moment.replace(microsecond=0)
            if name == "start_time":
                moment += dt.timedelta(seconds=1)
    except OverflowError:
        raise FilterError(
            f"{name} {shorten(value)} is out of range in the API's time zone ({zone}); "
            "pass None to leave it unfiltered"
        ) from None
    if not 1000 <= moment.year <= 9999:
        raise FilterError(
            f"{name} {shorten(value)} is in the year {moment.year} (in the API's time zone): the "
            "API's times have years 1000-9999; pass None to leave it unfiltered"
        )
    return moment.strftime(WIRE_TIME_FORMAT)


def _to_datetime(name: str, value: object) -> dt.datetime:
    end_of_day = dt.time(23, 59, 59) if name == "end_time" else dt.time(0, 0, 0)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise FilterError(f"{name} is NaT; pass None to leave it unfiltered")
        moment = value.astype("datetime64[us]").item()
        if not isinstance(moment, dt.datetime):  # past what a datetime holds: an int
            raise FilterError(f"{name} {shorten(value)} is outside the years 1000-9999")
        value = moment
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp
        if _is_missing(value):
            raise FilterError(f"{name} is NaT; pass None to leave it unfiltered")
        floor = getattr(value, "floor", None)
        if floor is not None:  # a pandas.Timestamp: to a plain datetime, nanoseconds dropped
            return floor("us").to_pydatetime()  # type: ignore[no-any-return]
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, end_of_day)
    if isinstance(value, str):
        _check_text(name, value)
        text = value.strip()
        try:
            if _DATE_ONLY.fullmatch(text):
                return dt.datetime.combine(dt.date.fromisoformat(text), end_of_day)
            return dt.datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise FilterError(
                f"{name} {shorten(value)} is not an ISO 8601 date or date and time "
                "(e.g. '2026-01-17' or '2026-01-17T08:30:00')"
            ) from None
    if _is_missing(value):
        raise FilterError(f"{name} is missing (NaN/NaT); pass None to leave it unfiltered")
    raise FilterError(
        f"{name} must be an ISO string, a date, a datetime or a pandas.Timestamp; "
        f"got {_describe(value)}"
    )


def _is_missing(value: object) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NaTType", "NAType")
