"""Rendering rows to the JSON records the API sends (only for the rows a response carries).

Ids, media ids, promised amounts and summary wording are derived from a keyed hash of the
row's uid, so a log looks the same in every response and for every seed it is deterministic.
Calls have the fields of the API page's example; WhatsApp logs have `message_id` instead of
`call_id`, no `duration`, `transcript_id` or `recording_id`, and fields of their own
(`message_status`, `template_name`), as the page warns ("fields vary slightly based on type").
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import numpy as np

from . import vocab
from .population import Population, Rows
from .query import format_time

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Two digits at a time, least significant first: `_PAIRS[n]` for n < 62**2.
_PAIRS = [low + high for high in _BASE62 for low in _BASE62]
_PTP = vocab.DISPOSITION_CODE["Promise to Pay"]


def base62(data: bytes, length: int) -> str:
    """`data` as a fixed-length base-62 string."""
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length // 2):  # two digits a step: half the big-integer divisions
        number, pair = divmod(number, 3844)
        chars.append(_PAIRS[pair])
    if length % 2:
        chars.append(_BASE62[number % 62])
    return "".join(chars)


class RecordRenderer:
    """Turns rows of a `Rows` table into API records for one tenant."""

    def __init__(self, population: Population, seed: int) -> None:
        self.population = population
        self._key = hashlib.blake2b(f"timepay-sandbox:{seed}".encode(), digest_size=32).digest()

    def render(self, rows: Rows, positions: np.ndarray) -> list[dict[str, Any]]:
        """The records at `positions`, in that order."""
        columns = [getattr(rows, name)[positions].tolist() for name in _COLUMNS]
        return [self._record(*values) for values in zip(*columns, strict=True)]

    def _record(
        self,
        uid: int,
        start: int,
        end_offset: int,
        duration: int,
        kind: int,
        campaign: int,
        customer: int,
        agent: int,
        caller: int,
        status: int,
        disposition: int,
        promise_days: int,
    ) -> dict[str, Any]:
        digest = hashlib.blake2b(uid.to_bytes(8, "little"), key=self._key, digest_size=64).digest()
        pop = self.population
        camp = vocab.CAMPAIGNS[campaign]
        disp = vocab.DISPOSITIONS[disposition]
        emi = int(pop.emi[customer])
        extracted: dict[str, Any] = {}
        words = {"emi": f"{emi:,}", "name": pop.names[customer], "loan": pop.loans[customer]}
        if disposition == _PTP:
            amount = emi if digest[56] < 180 else int(round(emi * (0.3 + digest[57] / 400), -2))
            promised = format_time(start + 86_400 * max(1, promise_days))[:10]
            extracted = {"promised_amount": amount, "promised_date": promised}
            words |= {"amount": f"{amount:,}", "pdate": _long_date(promised)}
        templates = vocab.SUMMARIES[disp.name]
        record: dict[str, Any] = {}
        if kind == vocab.CALL:
            record["call_id"] = base62(digest[:16], 22)
        else:
            record["message_id"] = "wamid." + base62(digest[:24], 32)
        started = format_time(start)
        record |= {
            "date": started[:10],
            "start_time": started,
            "end_time": format_time(start + end_offset),
            "campaign_name": camp.name,
            "campaign_id": camp.id,
            "name": pop.names[customer],
            "loan_id": pop.loans[customer],
        }
        if kind == vocab.CALL:
            record["duration"] = duration
        record |= {
            "direction": vocab.DIRECTIONS[0],
            "from": vocab.CALLERS[caller],
            "to": pop.phones[customer],
            "status": vocab.STATUSES[status],
            "disposition": disp.name,
        }
        if kind == vocab.CALL:
            connected = status != vocab.FAILED
            record["transcript_id"] = _uuid(digest[40:56]) if connected else None
            record["recording_id"] = _uuid(digest[24:40]) if connected else None
        else:
            record["message_status"] = _message_status(status, digest[59])
            record["template_name"] = camp.template
        record |= {
            "extracted_data": extracted,
            "summary": templates[digest[60] % len(templates)].format(**words),
            "agent_id": vocab.AGENTS[agent][0],
            "disposition_id": disp.id,
            "type": vocab.TYPES[kind],
        }
        return record


_COLUMNS = (
    "uid",
    "start",
    "end_offset",
    "duration",
    "type",
    "campaign",
    "customer",
    "agent",
    "caller",
    "status",
    "disposition",
    "promise_days",
)


def _uuid(data: bytes) -> str:
    """`str(uuid.UUID(bytes=data, version=4))`, without building a `UUID`."""
    h = (
        data[:6] + bytes([data[6] & 0x0F | 0x40, data[7], data[8] & 0x3F | 0x80]) + data[9:16]
    ).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _message_status(status: int, bits: int) -> str:
    if status == vocab.COMPLETED:
        return "read"
    if status == vocab.FAILED:
        return "failed"
    return ("sent", "delivered", "read")[bits % 3]


def _long_date(iso_date: str) -> str:
    """`2026-01-20` as `20 January 2026`."""
    return time.strftime("%d %B %Y", time.strptime(iso_date, "%Y-%m-%d")).lstrip("0")
