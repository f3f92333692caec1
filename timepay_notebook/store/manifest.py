"""The manifest of a store, `_timepay_store.json`: what it records, and how it is read back.

**Manifest** (`_timepay_store.json`, JSON, written atomically): `format_version`,
`schema_version` (a hash of `schema.SCHEMA`; a store written with another schema is refused),
`filters` (the wire form of the sync's filters, times excluded: a store holds one filter set, and
a sync with other filters is a `StoreMismatchError`), `api_timezone`, `overlap_seconds`,
`origin` (the earliest time the store covers), `covered` (the time spans brought up to date,
merged: the windows completed so far), `high_water_mark` (the newest `start_time` stored),
`logs`, `json_columns`, `files` (each day file as written: `rows`, `bytes`, and the `first` and
`last` start times in it, so a reader can tell a missing or damaged file and a repair knows which
span to fetch again; absent in stores written before it was added), `source` (the base URL
without credentials, for information), `created_at`, `updated_at`. Never the token.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..columnar import NO_START
from ..errors import StoreError
from ..protocol import TIME_FILTERS
from ..schema import SCHEMA
from .spans import Span, seconds_or_none, to_seconds, to_wire, wire_or_none

FORMAT_VERSION = 1
SCHEMA_VERSION = hashlib.sha256(json.dumps(SCHEMA).encode()).hexdigest()[:12]


def identity(params: Mapping[str, str]) -> dict[str, str]:
    """The filters that define a store: the wire parameters without the times."""
    return {k: v for k, v in params.items() if k not in TIME_FILTERS}


@dataclass(frozen=True)
class DayFile:
    """What the manifest records of one day file: its rows and size as written, and the first
    and last start times in it (seconds; `NO_START` without any)."""

    rows: int
    bytes: int
    first: int
    last: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "bytes": self.bytes,
            "first": wire_or_none(self.first if self.first != NO_START else None),
            "last": wire_or_none(self.last if self.last != NO_START else None),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DayFile:
        first, last = (seconds_or_none(data.get(name)) for name in ("first", "last"))
        return cls(
            int(data["rows"]),
            int(data["bytes"]),
            NO_START if first is None else first,
            NO_START if last is None else last,
        )


@dataclass
class Manifest:
    """What `_timepay_store.json` holds (see the module docstring)."""

    filters: dict[str, str]
    api_timezone: str
    overlap_seconds: int
    origin: int | None = None
    covered: list[Span] = field(default_factory=list)
    high_water_mark: int | None = None
    logs: int = 0
    json_columns: list[str] = field(default_factory=lambda: ["extracted_data"])
    files: dict[str, DayFile] = field(default_factory=dict)
    source: str | None = None
    created_at: str = ""
    updated_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "timepay-notebook store",
            "format_version": FORMAT_VERSION,
            "schema_version": SCHEMA_VERSION,
            "filters": self.filters,
            "api_timezone": self.api_timezone,
            "overlap_seconds": self.overlap_seconds,
            "origin": wire_or_none(self.origin),
            "covered": [[to_wire(s), to_wire(e)] for s, e in self.covered],
            "high_water_mark": wire_or_none(self.high_water_mark),
            "logs": self.logs,
            "json_columns": self.json_columns,
            "files": {k: f.to_json() for k, f in sorted(self.files.items())},
            "source": self.source,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: Path) -> Manifest:
        if data.get("format_version") != FORMAT_VERSION:
            raise StoreError(
                f"{where} has store format {data.get('format_version')!r}; this version of "
                f"timepay-notebook reads format {FORMAT_VERSION}"
            )
        if data.get("schema_version") != SCHEMA_VERSION:
            raise StoreError(
                f"{where} was written with another logs schema ({data.get('schema_version')!r}, "
                f"now {SCHEMA_VERSION!r}): sync into a new path"
            )
        try:
            return cls(
                filters={str(k): str(v) for k, v in data["filters"].items()},
                api_timezone=str(data["api_timezone"]),
                overlap_seconds=int(data["overlap_seconds"]),
                origin=seconds_or_none(data.get("origin")),
                covered=[(to_seconds(s), to_seconds(e)) for s, e in data.get("covered", [])],
                high_water_mark=seconds_or_none(data.get("high_water_mark")),
                logs=int(data.get("logs", 0)),
                json_columns=[str(c) for c in data.get("json_columns", ["extracted_data"])],
                files={str(k): DayFile.from_json(v) for k, v in data.get("files", {}).items()},
                source=data.get("source"),
                created_at=str(data.get("created_at", "")),
                updated_at=str(data.get("updated_at", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise StoreError(f"{where} is not a valid store manifest ({error!r})") from None
