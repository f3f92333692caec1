"""What the TimePay logs API is: the facts every other module takes from here, defined once.

- `GET {base_url}/api/v1/logs` (`LOGS_PATH`), Bearer token, `PAGE_SIZE` logs a page (fixed by
  the API), pages 1-indexed; `count_only=true` answers `{success, total}`.
- The nine filters (`FILTERS`), in the order they are sent; `type` is one of `TYPES`.
- Times are naive `YYYY-MM-DDTHH:MM:SS` (`WIRE_TIME_FORMAT`) in the API's local time
  (`API_TIMEZONE`, India Standard Time), inclusive at both ends, whole seconds.
- A log is identified by its first present field of `ID_FIELDS` (`record_key`).
"""

from __future__ import annotations

import json
from typing import Any

DEFAULT_BASE_URL = "https://api.agents.timepay.ai"
LOGS_PATH = "/api/v1/logs"
PAGE_SIZE = 10
"""Logs a page; fixed by the API."""

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
"""The documented filters, in the order they are sent."""
TIME_FILTERS = ("start_time", "end_time")
PHONE_FILTERS = ("phone", "from_phone")
TYPES = ("call", "whatsapp")
"""Values of `type`: a voice call or a WhatsApp message."""

API_TIMEZONE = "Asia/Kolkata"
WIRE_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
WIRE_DATE_FORMAT = "%Y-%m-%d"

ID_FIELDS = ("call_id", "message_id", "id", "log_id")
"""Fields that identify a log, in order of preference (deduplication uses the first present)."""


def pages_for(total: int) -> int:
    """How many pages `total` logs take (at least one: page 1 says a result is empty)."""
    return max(1, -(-total // PAGE_SIZE))


def record_key(record: dict[str, Any]) -> str:
    """What identifies a log: its first present id field, else the whole record."""
    for name in ID_FIELDS:
        value = record.get(name)
        if value is not None and value != "":
            return f"{name}\x00{value}"
    return "record\x00" + json.dumps(record, sort_keys=True, default=str)
