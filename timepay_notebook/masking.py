"""`mask_pii`: a copy of a logs frame with names, phone numbers and loan ids pseudonymized."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .schema import OBJECT, SCHEMA, STR

_TOKEN = re.compile(r"\+?\d[\d ]{8,}\d(?!\w)|\+?\w[\w-]*")
_PHONE_COLUMNS = ("to", "from")
_PII_COLUMNS = ("name", "loan_id", *_PHONE_COLUMNS)
_KEPT_COLUMNS = frozenset(n for n, dtype in SCHEMA.items() if dtype not in (STR, OBJECT)) | {
    "call_id",
    "message_id",
    "transcript_id",
    "recording_id",
}


def mask_pii(frame: pd.DataFrame, key: str | bytes | None = None) -> pd.DataFrame:
    """A copy of `frame` for sharing: names, phone numbers and loan ids pseudonymized.

    Each value becomes a stable pseudonym, "Customer 3f9a1c2b7d0e", "Phone ...", "Loan ...",
    from a keyed BLAKE2b hash of the value (phone numbers by their last 10 digits, so
    "+918035450808" and "8035450808" agree), so counts and groupings are unchanged.
    Free text (`summary`, added text columns, the strings inside `extracted_data` and
    `df.attrs`, such as the `phone` filter) is scrubbed: known loan ids and phone numbers
    become their pseudonyms, words of known names become "[name]", other numbers of 10 or more
    digits "[number]". Ids of logs, recordings and transcripts, and categorical columns, are kept.

    Args:
        key: the secret of the hash. None draws a random key for this call: pseudonyms are
            stable within the result but cannot be recomputed, even by whoever knows the
            data. Pass the same key (kept private) to get the same pseudonyms across frames.
    """
    masker = _Masker(frame, _hash_key(key))
    masked = frame.copy()
    for name in masked.columns:
        if not isinstance(name, str) or name in _KEPT_COLUMNS:
            continue
        if name in _PII_COLUMNS:
            masked[name] = masked[name].map(masker.column(name), na_action="ignore")
        elif masked[name].dtype == object or pd.api.types.is_string_dtype(masked[name]):
            masked[name] = _map_unique(masked[name], masker.value)
    masked.index = _masked_index(masked.index, masker)
    masked.attrs = masker.value(dict(frame.attrs))
    return masked


def _map_unique(series: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """`series.map(function)`, calling it once per distinct text (dicts and lists each time)."""
    if pd.api.types.is_string_dtype(series):
        uniques = series.dropna().unique()
        return series.map(dict(zip(uniques, map(function, uniques), strict=True)))
    return series.map(function)


def _masked_index(index: pd.Index, masker: _Masker) -> pd.Index:
    if not any(name in _PII_COLUMNS for name in index.names):
        return index
    frame = index.to_frame(index=False)
    for name in frame.columns:
        if name in _PII_COLUMNS:
            frame[name] = frame[name].map(masker.column(name), na_action="ignore")
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_frame(frame)
    masked: pd.Index = pd.Index(frame.iloc[:, 0], name=index.name)
    return masked


def _hash_key(key: str | bytes | None) -> bytes:
    if key is None:
        return secrets.token_bytes(32)
    raw = key.encode() if isinstance(key, str) else bytes(key)
    return raw if 0 < len(raw) <= 64 else hashlib.blake2b(raw).digest()


class _Masker:
    """The pseudonyms of one frame's names, loan ids and phone numbers, and the text scrubber."""

    def __init__(self, frame: pd.DataFrame, key: bytes) -> None:
        names = _distinct(frame, ["name"])
        self.names = _pseudonyms(names, key, b"name", "Customer ")
        self.loans = _pseudonyms(_distinct(frame, ["loan_id"]), key, b"loan", "Loan ")
        phones = {_phone_key(p) for p in _distinct(frame, list(_PHONE_COLUMNS))}
        self.phones = _pseudonyms(phones, key, b"phone", "Phone ")
        self.name_words = {w for n in names for w in _TOKEN.findall(n) if len(w) >= 2}
        self.name_folded = {w.casefold() for w in self.name_words if len(w) >= 3}
        self.odd_loans = [loan for loan in self.loans if not _TOKEN.fullmatch(loan)]

    def column(self, name: str) -> Callable[[Any], str]:
        """The function that masks a value of the column `name` (every value has a pseudonym)."""
        if name == "name":
            return lambda v: self.names[str(v)]
        if name == "loan_id":
            return lambda v: self.loans[str(v)]
        return lambda v: self.phones[_phone_key(str(v))]

    def value(self, value: Any) -> Any:
        """`value` with PII scrubbed: text, numbers, and dicts and lists (copied) recursively."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        if isinstance(value, int | np.integer) and not isinstance(value, bool):
            return self.text(str(value)) if abs(int(value)) >= 10**9 else value
        return value

    def text(self, text: str) -> str:
        for loan in self.odd_loans:
            text = text.replace(loan, self.loans[loan])
        text = _TOKEN.sub(self._token, text)
        return re.sub(r"\[name\](?:\s+\[name\])+", "[name]", text)

    def _token(self, match: re.Match[str]) -> str:
        token = match.group()
        digits = re.sub(r"\D", "", token)
        if len(digits) >= 10 and re.fullmatch(r"\+?[\d -]+", token):
            return self.phones.get(_phone_key(token), "[number]")
        if token in self.loans:
            return self.loans[token]
        if token in self.name_words or token.casefold() in self.name_folded:
            return "[name]"
        return token


def _distinct(frame: pd.DataFrame, names: list[str]) -> set[str]:
    """The distinct values of the columns and index levels called `names`, as text."""
    values: set[str] = set()
    for name in names:
        if name in frame.columns:
            values.update(str(v) for v in frame[name].dropna().unique())
        if name in frame.index.names:
            values.update(str(v) for v in frame.index.get_level_values(name).dropna().unique())
    return values


def _phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return digits[-10:] if len(digits) >= 10 else value


def _pseudonyms(values: Iterable[str], key: bytes, person: bytes, prefix: str) -> dict[str, str]:
    """A distinct pseudonym for each value: `prefix` and 12 hex digits of a keyed hash, more on a clash."""
    digests = {
        v: hashlib.blake2b(v.encode(), key=key, person=person, digest_size=32).hexdigest()
        for v in values
    }
    for length in range(12, 65, 4):
        short = {v: digest[:length] for v, digest in digests.items()}
        if len(set(short.values())) == len(short):
            break
    return {v: prefix + h for v, h in short.items()}
