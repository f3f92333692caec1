"""The one schema of a logs frame: column -> pandas dtype, in the order the API sends fields.

Every other module asks this one: `frames` builds with it, the accessor and the store read it.

- Per-log ids, customer names, loan ids, phone numbers, summaries: `str`.
- `date`, `start_time`, `end_time`: `datetime64[us]`, naive, in the API's local time as sent
  (`load_logs(tz=...)` localizes them).
- `duration` (talk seconds; WhatsApp logs have none): `Int64`.
- Dimensions with few values (`direction`, `status`, `disposition`, `type`, `campaign_name`,
  `campaign_id`, `agent_id`, `disposition_id`, and WhatsApp's `message_status`,
  `template_name`): `category`.
- `extracted_data`: the dicts as sent, as Python objects.

Fields the API sends that are not listed are kept as extra columns after these, typed by pandas.
"""

from __future__ import annotations

from .protocol import WIRE_DATE_FORMAT, WIRE_TIME_FORMAT

STR, CATEGORY, DATETIME, INT, OBJECT = "str", "category", "datetime64[us]", "Int64", "object"

SCHEMA: dict[str, str] = {
    "call_id": STR,
    "message_id": STR,  # WhatsApp logs carry this instead of call_id
    "date": DATETIME,
    "start_time": DATETIME,
    "end_time": DATETIME,
    "campaign_name": CATEGORY,
    "campaign_id": CATEGORY,
    "name": STR,
    "loan_id": STR,
    "duration": INT,
    "direction": CATEGORY,
    "from": STR,
    "to": STR,
    "status": CATEGORY,
    "disposition": CATEGORY,
    "transcript_id": STR,
    "recording_id": STR,
    "message_status": CATEGORY,  # WhatsApp only
    "template_name": CATEGORY,  # WhatsApp only
    "extracted_data": OBJECT,
    "summary": STR,
    "agent_id": CATEGORY,
    "disposition_id": CATEGORY,
    "type": CATEGORY,
}

TIME_FORMATS: dict[str, str] = {
    "date": WIRE_DATE_FORMAT,
    "start_time": WIRE_TIME_FORMAT,
    "end_time": WIRE_TIME_FORMAT,
}
"""How each time column is written on the wire."""
