"""The frame built column by column (`frame_columns`): the same frame pandas builds from the same
records, whatever the batches and the reservation, and no second copy of the pull (no network)."""

from __future__ import annotations

import tracemalloc
import warnings
from itertools import cycle
from typing import Any

import numpy as np
import pandas as pd
import pytest

import timepay_notebook as tp
from timepay_notebook.frames import FrameBuilder
from timepay_notebook.protocol import API_TIMEZONE
from timepay_notebook.schema import CATEGORY, DATETIME, INT, OBJECT, SCHEMA, STR, TIME_FORMATS

N = 1_000  # records in the crafted pull


def crafted(n: int = N, *, extra: bool = True) -> list[dict[str, Any]]:
    """Calls and WhatsApp logs whose dimensions keep bringing new values in later batches
    (`agent_id` outgrows int8 codes), with missing fields, None, NaN and bad values, and (with
    `extra`) a field the schema does not list, in later batches only."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        call = i % 3 != 0
        record: dict[str, Any] = {
            "call_id" if call else "message_id": f"{'c' if call else 'm'}{i}",
            "date": f"2026-01-{1 + i % 28:02d}",
            "start_time": f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:07",
            "end_time": None if i % 13 == 0 else f"2026-01-{1 + i % 28:02d}T23:59:{i % 60:02d}",
            "campaign_name": f"Campaign {i // 40:02d}",  # a new one every 40 records
            "campaign_id": f"K{(i // 40) % 7}",
            "name": None if i % 17 == 0 else f"Customer {i}",
            "loan_id": f"LOAN-{i % 50}",
            "direction": "inbound" if i % 29 == 0 else "outbound",
            "from": "+918888888888",
            "to": f"9{i:09d}",
            "status": "Failed" if i >= n - 5 else ["Completed", "No Contact"][i % 2],
            "disposition": None if i % 7 == 0 else ["Promise to Pay", "Voicemail", "Busy"][i % 3],
            "extracted_data": {"i": i} if i % 10 == 0 else {},
            "summary": f"Summary {i % 9}",
            "agent_id": None if i % 11 == 0 else f"agent-{(i * 7919) % 300:03d}",
            "disposition_id": f"D{i % 3}",
            "type": "call" if call else "whatsapp",
        }
        if call:
            record |= {"duration": None if i % 5 == 0 else i, "transcript_id": f"t{i}"}
        else:
            record |= {"message_status": ["sent", "read"][i % 2], "template_name": f"tpl{i % 4}"}
        if extra and i > n // 2 and i % 97 == 0:
            record["button_clicked"] = "Pay now"  # an extra field, only in later batches
        if i == n // 3:
            record |= {"start_time": "at noon", "duration": "n/a", "summary": float("nan")}
        out.append(record)
    return out


def expected_frame(records: list[dict[str, Any]], tz: str | None = None) -> pd.DataFrame:
    """The frame, built by pandas from the whole list at once (the reference)."""
    columns: dict[str, pd.Series] = {}
    for name, kind in SCHEMA.items():
        values = [r.get(name) for r in records]
        missing = [v is None or (isinstance(v, float) and np.isnan(v)) for v in values]
        present = [None if m else v for v, m in zip(values, missing, strict=True)]
        if kind == STR:
            columns[name] = pd.Series(present, dtype="str")
        elif kind == CATEGORY:
            categories = pd.Index(sorted({v for v in present if v is not None}), dtype="str")
            columns[name] = pd.Series(pd.Categorical(present, categories=categories))
        elif kind == DATETIME:
            times = pd.to_datetime(
                pd.Series(present, dtype=object), format=TIME_FORMATS[name], errors="coerce"
            ).astype("datetime64[us]")
            if tz:
                times = times.dt.tz_localize(API_TIMEZONE).dt.tz_convert(tz)
            columns[name] = times
        elif kind == INT:
            numbers = [v if isinstance(v, int) else None for v in present]
            columns[name] = pd.Series(pd.array(numbers, dtype="Int64"))
        else:
            assert kind == OBJECT
            columns[name] = pd.Series(values, dtype=object)
    extras = sorted({k for r in records for k in r} - SCHEMA.keys())
    for name in extras:
        columns[name] = pd.Series([r.get(name) for r in records])
    return pd.DataFrame(columns)


def built(
    records: list[dict[str, Any]],
    sizes: list[int],
    reserve: int | None,
    tz: str | None = None,
) -> FrameBuilder:
    builder = FrameBuilder(tz=tz)
    if reserve is not None:
        builder.reserve(reserve)
    start = 0
    for size in cycle(sizes):
        if start >= len(records):
            break
        builder.add(records[start : start + size])
        start += size
    return builder


@pytest.mark.parametrize(
    ("sizes", "reserve", "tz"),
    [
        ([N], None, None),  # one batch
        ([1, 7, 64, 200], None, None),  # uneven batches, columns growing by doubling
        ([50], N // 3, None),  # reserved too little: the columns grow past it
        ([333], 5 * N, None),  # reserved too much: the columns are cut to their length
        ([128], N, "America/New_York"),  # the pull's way: reserved exactly, and a zone
    ],
    ids=["one-batch", "uneven", "under-reserved", "over-reserved", "reserved-tz"],
)
def test_batches_build_the_frame_pandas_builds_at_once(
    sizes: list[int], reserve: int | None, tz: str | None
) -> None:
    records = crafted()
    with pytest.warns(tp.UnparsedValuesWarning, match=r"(?=.*1 start_time)(?=.*1 duration)"):
        frame = built(records, sizes, reserve, tz).finish()
    expected = expected_frame(records, tz)
    pd.testing.assert_frame_equal(frame, expected, check_categorical=True)
    for name, kind in SCHEMA.items():
        if kind == CATEGORY:  # as pandas keeps them: int8 codes, int16 past 127 values
            assert str(frame[name].cat.categories.dtype) == "str", name
            assert frame[name].cat.codes.dtype == expected[name].cat.codes.dtype, name
    assert frame["agent_id"].cat.codes.dtype == np.int16
    assert frame["campaign_name"].cat.categories[-1] == f"Campaign {(N - 1) // 40:02d}"
    assert list(frame["status"].cat.categories) == ["Completed", "Failed", "No Contact"]


def test_the_arrow_columns_hold_the_frames_values() -> None:
    records = crafted()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tp.UnparsedValuesWarning)
        table, objects = built(records, [64, 300], N // 2).finish_arrow()
    expected = expected_frame(records)
    for name, kind in SCHEMA.items():
        if kind == OBJECT:
            assert objects[name] == expected[name].tolist(), name
            continue
        values = table.column(name).to_pylist()
        wanted = [None if pd.isna(v) else v for v in expected[name].astype(object)]
        if kind == DATETIME:
            wanted = [None if v is None else v.to_pydatetime() for v in wanted]
        assert values == wanted, name
    assert objects["button_clicked"] == [r.get("button_clicked") for r in records]


def test_finish_hands_the_columns_to_pandas_without_copying_them() -> None:
    """The pull's way (reserved from page 1's total): `finish` allocates only the sorted
    category codes (1 byte a row a dimension: 0.29x the fixed-width columns here), not a second
    copy of the times, integers and objects (building from Arrow batches allocated 0.79x)."""
    records = crafted(100_000, extra=False)  # extra fields are typed by pandas' inference
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tp.UnparsedValuesWarning)
        builder = built(records, [2_000], len(records))
        tracemalloc.start()
        try:
            frame = builder.finish()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    fixed_width = sum(
        frame[name].memory_usage(deep=False, index=False)
        for name, kind in SCHEMA.items()
        if kind != STR
    )
    assert peak < 0.35 * fixed_width, (peak, fixed_width)
