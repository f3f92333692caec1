"""The sandbox's id encodings: fast, and exactly what the plain formulations give."""

from __future__ import annotations

import random
import uuid

from timepay_notebook.sandbox.records import _BASE62, _uuid, base62


def reference_base62(data: bytes, length: int) -> str:
    """One digit a step, least significant first: the formulation the seeded data was made with."""
    number, chars = int.from_bytes(data, "big"), []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


def test_fast_id_encodings_equal_their_reference_formulations() -> None:
    rng = random.Random(3)
    samples = [bytes(24), b"\xff" * 24] + [rng.randbytes(24) for _ in range(2000)]
    for data in samples:
        for size, length in ((16, 22), (24, 32), (16, 21), (8, 1)):
            assert base62(data[:size], length) == reference_base62(data[:size], length)
        assert _uuid(data[:16]) == str(uuid.UUID(bytes=data[:16], version=4))
